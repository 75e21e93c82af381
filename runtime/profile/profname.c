/* profname.c: profile-name rules (profname.h), on libunistring's Unicode tables. Everything
 * works in fixed buffers: a name is at most 64 bytes, so no allocation is needed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

#include <mapicode.h>

#include <mapirt/alloc.h>
#include <mapirt/strconv.h>

#include "profname.h"

static HRESULT bad(char *err, size_t cberr, const char *fmt, const char *name, unsigned cp)
{
    if (cberr) {
        char shown[80];
        size_t cut = strlen(name) > 60 ? 60 : strlen(name);
        while (cut && cut < strlen(name) && ((unsigned char)name[cut] & 0xC0) == 0x80)
            cut--; /* never half a UTF-8 sequence */
        snprintf(shown, sizeof shown, "%.*s%s", (int)cut, name, strlen(name) > cut ? "..." : "");
        snprintf(err, cberr, fmt, shown, cp);
    }
    return MAPI_E_INVALID_PARAMETER;
}

HRESULT mapirt_profname_check(const char *name, char *canon, char *key, char *err, size_t cberr)
{
    /* NFC of a valid name is never longer than 64 bytes... but the input may be */
    uint8_t nfc[4 * MAPIRT_PROFKEY_MAX];
    size_t n = strlen(name), nlen = sizeof nfc;

    if (n == 0)
        return bad(err, cberr, "the profile name is empty%.0s%.0u", name, 0);
    if (n > 4 * MAPIRT_PROFNAME_MAX * 4)
        return bad(err, cberr, "profile name '%s' is longer than 64 characters%.0u", name, 0);
    if (u8_check((const uint8_t *)name, n))
        return bad(err, cberr, "profile name '%s' is not valid UTF-8%.0u", name, 0);
    uint8_t *r = u8_normalize(UNINORM_NFC, (const uint8_t *)name, n, nfc, &nlen);
    if (!r)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    if (r != nfc) { /* did not fit the buffer: certainly too long */
        free(r);
        return bad(err, cberr, "profile name '%s' is longer than 64 characters%.0u", name, 0);
    }
    /* characters: L, N, then M after them; '_' and inner ' ' */
    size_t units = 0;
    const uint8_t *s = nfc, *end = nfc + nlen;
    int first = 1;
    while (s < end) {
        ucs4_t c;
        int len = u8_mbtouc(&c, s, (size_t)(end - s));
        int ok = uc_is_general_category(c, UC_CATEGORY_L) ||
                 uc_is_general_category(c, UC_CATEGORY_N) || c == '_' || c == ' ' ||
                 (!first && uc_is_general_category(c, UC_CATEGORY_M));
        if (!ok) {
            char tmp[MAPIRT_PROFNAME_MAX * 4 + 1];
            memcpy(tmp, nfc, nlen < sizeof tmp - 1 ? nlen : sizeof tmp - 1);
            tmp[nlen < sizeof tmp - 1 ? nlen : sizeof tmp - 1] = '\0';
            return bad(err, cberr,
                       "profile name '%s' contains U+%04X; a name may hold letters, digits, "
                       "'_' and inner spaces",
                       tmp, (unsigned)c);
        }
        units += c >= 0x10000 ? 2 : 1;
        first = 0;
        s += len;
    }
    char tmp[MAPIRT_PROFNAME_MAX * 4 + 1];
    size_t shown = nlen < sizeof tmp - 1 ? nlen : sizeof tmp - 1;
    memcpy(tmp, nfc, shown);
    tmp[shown] = '\0';
    if (nfc[0] == ' ' || nfc[nlen - 1] == ' ')
        return bad(err, cberr, "profile name '%s' starts or ends with a space%.0u", tmp, 0);
    if (units > MAPIRT_PROFNAME_MAX)
        return bad(err, cberr, "profile name '%s' is longer than 64 characters%.0u", tmp, 0);
    if (nlen > MAPIRT_PROFNAME_MAX)
        return bad(err, cberr,
                   "profile name '%s' takes more than 64 bytes in UTF-8 (the limit of the 8-bit "
                   "API's buffers)%.0u",
                   tmp, 0);
    memcpy(canon, nfc, nlen);
    canon[nlen] = '\0';

    uint8_t folded[MAPIRT_PROFKEY_MAX];
    size_t flen = sizeof folded - 1;
    r = u8_casefold(nfc, nlen, NULL, UNINORM_NFC, folded, &flen);
    if (!r)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    if (r != folded) { /* 64 bytes cannot fold to 1 KB; treat as a bug-proof fallback */
        free(r);
        return bad(err, cberr, "profile name '%s' is longer than 64 characters%.0u", tmp, 0);
    }
    memcpy(key, folded, flen);
    key[flen] = '\0';
    return S_OK;
}

HRESULT mapirt_profname_check_t(const void *name, int wide, char *canon, char *key, char *err,
                                size_t cberr)
{
    if (!wide)
        return mapirt_profname_check(name, canon, key, err, cberr);
    if (mapirt_wcslen(name) > 4 * MAPIRT_PROFNAME_MAX)
        return bad(err, cberr, "profile name is longer than 64 characters%.0s%.0u", "", 0);
    char *a = mapirt_str_w_to_a_dup(name);
    if (!a)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    HRESULT hr = mapirt_profname_check(a, canon, key, err, cberr);
    mapirt_free(a);
    return hr;
}
