/* strfind.c: mapiutil.h's C-runtime substitutes over 8-bit strings (UTF-8 in mapirt):
 * SzFindCh/SzFindLastCh/SzFindSz (strchr, strrchr, strstr); UFromSz and UlFromSzHex are in
 * runtime/text/szutil.c, ScBinFromHexBounded beside FBinFromHex in runtime/prop/proputil.c. A character argument above 0x7F is a code
 * point and is found as its UTF-8 sequence, so SzFindCh(sz, 0xFC) finds "ü"
 * (docs/decisions.md). */
#include <mapiutil.h>

#include <stdbool.h>
#include <string.h>

/* The UTF-8 encoding of a BMP code point; returns its length. */
static size_t utf8_of(USHORT ch, char out[4])
{
    if (ch < 0x80) {
        out[0] = (char)ch;
        return 1;
    }
    if (ch < 0x800) {
        out[0] = (char)(0xC0 | ch >> 6);
        out[1] = (char)(0x80 | (ch & 0x3F));
        return 2;
    }
    out[0] = (char)(0xE0 | ch >> 12);
    out[1] = (char)(0x80 | ((ch >> 6) & 0x3F));
    out[2] = (char)(0x80 | (ch & 0x3F));
    return 3;
}

LPTSTR SzFindCh(LPCTSTR lpsz, USHORT ch)
{
    if (lpsz == NULL)
        return NULL;
    if (ch < 0x80)
        return strchr(lpsz, ch);
    char seq[4] = {0};
    utf8_of(ch, seq);
    return strstr(lpsz, seq);
}

LPTSTR SzFindLastCh(LPCTSTR lpsz, USHORT ch)
{
    if (lpsz == NULL)
        return NULL;
    if (ch < 0x80)
        return strrchr(lpsz, ch);
    char seq[4] = {0};
    size_t n = utf8_of(ch, seq);
    const char *last = NULL;
    for (const char *p = lpsz; (p = strstr(p, seq)) != NULL; p += n)
        last = p;
    return (LPTSTR)last;
}

LPTSTR SzFindSz(LPCTSTR lpsz, LPCTSTR lpszKey)
{
    if (lpsz == NULL || lpszKey == NULL)
        return NULL;
    return strstr(lpsz, lpszKey);
}
