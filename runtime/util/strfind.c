/* strfind.c: mapiutil.h's C-runtime substitutes over 8-bit strings (UTF-8 in mapirt):
 * SzFindCh/SzFindLastCh/SzFindSz (strchr, strrchr, strstr) and ScBinFromHexBounded (UFromSz
 * and UlFromSzHex are in runtime/text/szutil.c). A character argument above 0x7F is a code
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

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
        return (c | 0x20) - 'a' + 10;
    return -1;
}

SCODE ScBinFromHexBounded(LPTSTR lpsz, LPBYTE lpb, ULONG cb)
{
    if (lpsz == NULL || (lpb == NULL && cb != 0))
        return MAPI_E_INVALID_PARAMETER;
    /* "The specified portion": at most cb bytes (2 * cb digits) are converted. All of that
     * portion is checked before anything is written. */
    size_t n = strlen(lpsz);
    if (n > (size_t)cb * 2)
        n = (size_t)cb * 2;
    if (n % 2 != 0)
        return MAPI_E_CALL_FAILED;
    for (size_t i = 0; i < n; i++)
        if (hexval(lpsz[i]) < 0)
            return MAPI_E_CALL_FAILED;
    for (size_t i = 0; i < n / 2; i++)
        lpb[i] = (BYTE)(hexval(lpsz[2 * i]) << 4 | hexval(lpsz[2 * i + 1]));
    return S_OK;
}
