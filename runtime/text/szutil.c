/* The number, byte-order and bounded-string helpers of mapiutil.h: UFromSz, UlFromSzHex,
 * SwapPword, SwapPlong, CbOfEncoded, IsBadBoundedStringPtr.
 *
 * None of them has an error channel, so bad input gets the answer that loses nothing: a NULL
 * string is the empty string (0, or TRUE for "bad"), a NULL array with a count swaps nothing.
 * Strings are 8-bit (MAPI32 exports only these), read up to their terminator and never further. */
#include <string.h>

#include <mapiutil.h>

/* Decimal digits from the start of the string, up to the first non-digit: "105679" -> 105679,
 * " 4" -> 0 (no leading blanks or sign, as MAPI's). Past UINT_MAX the value wraps, as the
 * original's unsigned arithmetic does. */
unsigned int UFromSz(LPCTSTR lpsz)
{
    const char *s = (const char *)lpsz;
    unsigned int v = 0;
    if (s == NULL)
        return 0;
    for (; *s >= '0' && *s <= '9'; s++)
        v = v * 10u + (unsigned)(*s - '0');
    return v;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Hexadecimal digits of either case from the start, up to the first other character:
 * "fF" -> 0xFF, " c" -> 0, "0x10" -> 0 (no prefix). Wraps past 32 bits like UFromSz. */
ULONG UlFromSzHex(LPCTSTR lpsz)
{
    const char *s = (const char *)lpsz;
    ULONG v = 0;
    int d;
    if (s == NULL)
        return 0;
    for (; (d = hex_digit(*s)) >= 0; s++)
        v = (v << 4) | (ULONG)d;
    return v;
}

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

/* MAPI's string encoding of binary data packs 3 bytes into 4 characters; the decoded size of
 * a string of n characters is rounded up to whole groups, plus one group of slack:
 * ((n | 3) / 4 + 1) * 3 bytes. NULL -> 0. */
ULONG CbOfEncoded(LPCSTR lpszEnc)
{
    if (lpszEnc == NULL)
        return 0;
    size_t n = strlen(lpszEnc);
    return (ULONG)((((n | 3u) >> 2) + 1u) * 3u);
}

/* TRUE ("bad") unless lpsz is a string whose terminator lies within its first cchMax
 * characters: ("TEST", 4) -> TRUE, ("TEST", 5) -> FALSE, (NULL, n) -> TRUE. Windows also
 * probes whether the memory is readable; Linux has no such probe, so the bound is what is
 * checked and at most cchMax bytes are read (docs/decisions.md). */
BOOL IsBadBoundedStringPtr(const void *lpsz, UINT cchMax)
{
    if (lpsz == NULL)
        return TRUE;
    return memchr(lpsz, '\0', cchMax) == NULL;
}
