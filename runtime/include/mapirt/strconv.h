/* mapirt/strconv.h: 8-bit <-> UTF-16 strings and MAPI string comparison for the runtime.
 *
 * 8-bit strings (PT_STRING8, LPSTR, the "A" side of every API) are UTF-8, always: not the
 * codeset of the current locale. A program that never calls setlocale() runs in the "C" locale,
 * whose codeset is ASCII, and would lose every non-ASCII character; UTF-8 is what Linux uses
 * anyway and round-trips every UTF-16 string. Conversions never fail on bad input: an invalid
 * UTF-8 byte or an unpaired UTF-16 surrogate becomes U+FFFD.
 *
 * Comparison (mapirt_str_compare, mapirt_str_contains) is ordinal by Unicode code point, not
 * linguistic collation. FL_IGNORECASE applies Unicode's simple case folding one code point at a
 * time (CaseFolding.txt status C and S, every script; no ß -> ss);
 * FL_IGNORENONSPACE drops combining marks and maps precomposed Latin-1 / Latin Extended-A letters
 * to their base letter; FL_LOOSE is both. 8-bit and UTF-16 strings compare with each other. */
#ifndef MAPIRT_STRCONV_H
#define MAPIRT_STRCONV_H

#include <mapirt/decls.h>
#include <mapidefs.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

MAPIRT_BEGIN_DECLS

/* Converts in to a new UTF-16 string allocated with MAPIAllocateMore on parent, or with
 * MAPIAllocateBuffer when parent is NULL. MAPI_E_INVALID_PARAMETER for NULL in/out or a parent
 * that is not a MAPI buffer, MAPI_E_NOT_ENOUGH_MEMORY. *out is written only on success. */
HRESULT mapirt_str_a_to_w(const char *in, void *parent, LPWSTR *out);
/* The reverse, UTF-16 to 8-bit (UTF-8). */
HRESULT mapirt_str_w_to_a(const WCHAR *in, void *parent, LPSTR *out);

/* Converts in into out, which has room for strlen(in) + 1 UTF-16 units (the most UTF-8 needs);
 * returns the units written before the terminating NUL. For callers that allocate the room
 * with their own allocator (GetLastError's MAPIERROR). */
size_t mapirt_str_a_to_w_into(const char *in, WCHAR *out);

/* Same on the runtime's private heap (release with mapirt_free); NULL on NULL input or no memory. */
WCHAR *mapirt_str_a_to_w_dup(const char *in);
char *mapirt_str_w_to_a_dup(const WCHAR *in);

size_t mapirt_wcslen(const WCHAR *s);
/* Ordinal comparison of code units, like strcmp. */
int mapirt_wcscmp(const WCHAR *a, const WCHAR *b);
/* Private copy (mapirt_free); NULL on NULL input or no memory. */
WCHAR *mapirt_wcsdup(const WCHAR *s);

/* Compares two NUL-terminated strings, each 8-bit (wide = false) or UTF-16 (wide = true), under
 * FL_IGNORECASE / FL_IGNORENONSPACE / FL_LOOSE in ulFlags (other bits ignored). Returns <0, 0,
 * >0. A NULL string sorts before every string. */
int mapirt_str_compare(const void *a, bool a_wide, const void *b, bool b_wide, ULONG ulFlags);

/* FPropContainsProp's test on strings: the low 16 bits of ulFuzzyLevel are FL_FULLSTRING,
 * FL_SUBSTRING or FL_PREFIX (any other value means FL_FULLSTRING, as MAPI documents), the high
 * bits as for mapirt_str_compare. NULL strings never match. */
bool mapirt_str_contains(const void *hay, bool hay_wide, const void *needle, bool needle_wide,
                         ULONG ulFuzzyLevel);

MAPIRT_END_DECLS
#endif
