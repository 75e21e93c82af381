/* UFromSz and UlFromSzHex: numbers from text (mapiutil.h). IsBadBoundedStringPtr, which also
 * detects unreadable memory, is in badstr.c.
 *
 * None of them has an error channel, so bad input gets the answer that loses nothing: a NULL
 * string is the empty string (0, or TRUE for "bad"). Strings are 8-bit (MAPI32 exports only
 * these), read up to their terminator and never further. */
#include <limits.h>
#include <string.h>

#include <mapiutil.h>

/* Decimal digits from the start of the string, up to the first non-digit: "105679" -> 105679,
 * " 4" -> 0 (no leading blanks or sign, as MAPI's). A value past UINT_MAX is UINT_MAX rather
 * than a wrapped, plausible-looking number. */
unsigned int UFromSz(LPCTSTR lpsz)
{
    const char *s = (const char *)lpsz;
    unsigned int v = 0;
    if (s == NULL)
        return 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        unsigned int d = (unsigned)(*s - '0');
        if (v > (UINT_MAX - d) / 10u)
            return UINT_MAX;
        v = v * 10u + d;
    }
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
 * "fF" -> 0xFF, " c" -> 0, "0x10" -> 0 (no prefix). Only the last eight digits count. */
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
