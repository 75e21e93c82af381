/* badstr.c: IsBadBoundedStringPtr and the readable-string probe behind it and
 * MNLS_IsBadStringPtrW. Win32's IsBad*Ptr catch the access fault; Linux has no such
 * exception, so the bytes are copied with process_vm_readv, which fails with EFAULT instead of
 * faulting when they are not mapped or not readable. */
#define _GNU_SOURCE
#include <mapiwin.h>

#include <errno.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "text_internal.h"

/* Copies up to n bytes at p into buf; returns how many could be read (less than n: the rest is
 * unreadable), or -1 when the kernel does not allow the probe at all. */
static ssize_t probe_read(const void *p, void *buf, size_t n)
{
    struct iovec local = {buf, n}, remote = {(void *)(uintptr_t)p, n};
    ssize_t got = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
    if (got >= 0)
        return got;
    if (errno == EFAULT)
        return 0;
    return -1;
}

bool mapirt_str_readable(const void *p, size_t unit, size_t max, bool stop_at_max)
{
    if (p == NULL)
        return false;
    unsigned char buf[512];
    const unsigned char *at = p;
    size_t chars = 0;
    while (chars < max) {
        /* Never read across a page we do not need: stop chunks at page boundaries. */
        size_t want = sizeof(buf);
        size_t to_page = 4096 - ((uintptr_t)at & 4095);
        if (want > to_page)
            want = to_page;
        size_t left = (max - chars) * unit;
        if (want > left)
            want = left;
        want -= want % unit;
        if (want == 0)
            want = unit; /* a character straddling a page boundary */
        ssize_t got = probe_read(at, buf, want);
        if (got < 0) {
            memcpy(buf, at, want); /* no probe available: read it directly */
            got = (ssize_t)want;
        }
        for (size_t i = 0; i + unit <= (size_t)got; i += unit, chars++) {
            if (chars >= max)
                break;
            if (buf[i] == 0 && (unit == 1 || buf[i + 1] == 0))
                return true;
        }
        if ((size_t)got < want)
            return false;
        at += got;
    }
    return stop_at_max;
}

BOOL IsBadBoundedStringPtr(const void *lpsz, UINT cchMax)
{
    /* MAPI's bounded form: bad unless a terminator is found within cchMax characters. */
    return !mapirt_str_readable(lpsz, 1, cchMax, false);
}
