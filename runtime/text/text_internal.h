/* text_internal.h: helpers the text area shares with itself and its tests. */
#ifndef MAPIRT_TEXT_INTERNAL_H
#define MAPIRT_TEXT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <mapidefs.h>

/* True when a string of `unit`-byte characters (1 or 2) at p can be read up to and including
 * its terminating zero within max characters, or, when stop_at_max, through max characters
 * even without a terminator. Unreadable memory is detected without faulting (the bytes are
 * copied through process_vm_readv on this process); where the kernel refuses that, the
 * memory is read directly. */
bool mapirt_str_readable(const void *p, size_t unit, size_t max, bool stop_at_max);

/* Windows code page number -> iconv name (CP_ACP, CP_OEMCP, CP_MACCP, CP_THREAD_ACP and
 * CP_UTF8 are all UTF-8); NULL for one iconv cannot be asked for. */
const char *mapirt_codepage_name(unsigned cp, char *buf, size_t cb);

/* UTF-16 text (n units) in Windows code page cp, into a new private-heap buffer (*out, *cbOut
 * bytes, not terminated): a character cp cannot hold becomes an HTML numeric character
 * reference ("&#8364;") when html, else '?'. 0; -1 for a code page iconv does not know, -2
 * without memory. */
int mapirt_codepage_encode(unsigned cp, const WCHAR *in, size_t n, bool html, char **out,
                           size_t *cbOut);

#endif
