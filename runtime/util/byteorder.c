/* SwapPword and SwapPlong (mapiutil.h): reverse the bytes of each element of an array, in
 * place. A NULL array swaps nothing. */
#include <string.h>

#include <mapiutil.h>

/* In place, element by element; memcpy keeps unaligned arrays (MAPI declares them UNALIGNED)
 * well defined. */
void SwapPword(USHORT *lpData, ULONG cWords)
{
    unsigned char *p = (unsigned char *)lpData;
    if (p == NULL)
        return;
    for (ULONG i = 0; i < cWords; i++, p += sizeof(USHORT)) {
        USHORT w;
        memcpy(&w, p, sizeof w);
        w = (USHORT)__builtin_bswap16(w);
        memcpy(p, &w, sizeof w);
    }
}

void SwapPlong(ULONG *lpData, ULONG cLongs)
{
    unsigned char *p = (unsigned char *)lpData;
    if (p == NULL)
        return;
    for (ULONG i = 0; i < cLongs; i++, p += sizeof(ULONG)) {
        ULONG l;
        memcpy(&l, p, sizeof l);
        l = __builtin_bswap32(l);
        memcpy(p, &l, sizeof l);
    }
}
