/* CbOfEncoded (mapiutil.h): how many bytes an encoded string decodes to. */
#include <string.h>

#include <mapiutil.h>

/* MAPI's string encoding of binary data packs 3 bytes into 4 characters. For n characters
 * MAPI32 answers (n / 4 + 1) * 3: three bytes per whole group of four, and three more for a
 * partial group (which a length that is a multiple of four gets too). NULL -> 0. */
ULONG CbOfEncoded(LPCSTR lpszEnc)
{
    if (lpszEnc == NULL)
        return 0;
    size_t n = strlen(lpszEnc);
    return (ULONG)((n / 4u + 1u) * 3u);
}
