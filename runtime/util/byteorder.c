/* SwapPword and SwapPlong (mapiutil.h): reverse the bytes of each element of an array, in
 * place. A NULL array swaps nothing. */
#include <stddef.h>

#include <mapiutil.h>

/* In place, element by element, byte by byte: arrays need not be aligned (MAPI declares them
 * UNALIGNED). */
static void reverse_each(void *data, ULONG count, size_t size)
{
    unsigned char *p = data;
    if (p == NULL)
        return;
    for (ULONG i = 0; i < count; i++, p += size)
        for (size_t lo = 0, hi = size - 1; lo < hi; lo++, hi--) {
            unsigned char t = p[lo];
            p[lo] = p[hi];
            p[hi] = t;
        }
}

void SwapPword(USHORT *lpData, ULONG cWords)
{
    reverse_each(lpData, cWords, sizeof(USHORT));
}

void SwapPlong(ULONG *lpData, ULONG cLongs)
{
    reverse_each(lpData, cLongs, sizeof(ULONG));
}
