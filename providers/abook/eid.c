/* eid.c: the provider's entry IDs (layout in ab.h) and one-off entry IDs. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include <mapirt/strconv.h>

#include "ab.h"

#define AB_EID_VERSION 1

static const BYTE oneoff_uid[16] = MAPI_ONE_OFF_UID;

HRESULT ab_eid_parse(ULONG cb, const ENTRYID *eid, ab_eid *out)
{
    const BYTE *b = (const BYTE *)eid;
    memset(out, 0, sizeof *out);
    if (eid == NULL || cb != AB_EID_SIZE || b[20] != AB_EID_VERSION || b[23] != 0 ||
        (b[22] != AB_EID_OBJECT && b[22] != AB_EID_TEMPLATE))
        return MAPI_E_INVALID_ENTRYID;
    memcpy(out->uid.ab, b + 4, 16);
    out->type = b[21];
    out->kind = b[22];
    uint64_t id = 0;
    for (int i = 7; i >= 0; i--)
        id = id << 8 | b[24 + i];
    if (id > INT64_MAX)
        return MAPI_E_INVALID_ENTRYID;
    out->id = (sqlite3_int64)id;
    switch (out->type) {
    case MAPI_ABCONT:
        return out->kind == AB_EID_OBJECT && (id == AB_ROOT || id == AB_PAB)
                   ? S_OK : MAPI_E_INVALID_ENTRYID;
    case MAPI_MAILUSER:
    case MAPI_DISTLIST:
        if (out->kind == AB_EID_TEMPLATE)
            return id == 0 ? S_OK : MAPI_E_INVALID_ENTRYID;
        return id != 0 ? S_OK : MAPI_E_INVALID_ENTRYID;
    default:
        return MAPI_E_INVALID_ENTRYID;
    }
}

void ab_eid_make(const MAPIUID *uid, ULONG type, int kind, sqlite3_int64 id,
                 BYTE out[AB_EID_SIZE])
{
    memset(out, 0, AB_EID_SIZE);
    memcpy(out + 4, uid->ab, 16);
    out[20] = AB_EID_VERSION;
    out[21] = (BYTE)type;
    out[22] = (BYTE)kind;
    for (int i = 0; i < 8; i++)
        out[24 + i] = (BYTE)((uint64_t)id >> (8 * i));
}

int ab_is_oneoff(ULONG cb, const ENTRYID *eid)
{
    return eid && cb >= 24 && memcmp((const BYTE *)eid + 4, oneoff_uid, 16) == 0;
}

/* One string of a one-off entry ID at *pos: UTF-16LE or 8-bit, NUL-terminated; as UTF-8
 * (malloc), with invalid units or bytes replaced by U+FFFD. */
static char *take(const BYTE *b, ULONG cb, ULONG *pos, int wide)
{
    ULONG p = *pos;
    if (wide) {
        ULONG n = 0;
        while (p + 2 * n + 1 < cb && (b[p + 2 * n] || b[p + 2 * n + 1]))
            n++;
        if (p + 2 * n + 1 >= cb)
            return NULL;
        WCHAR *w = malloc((n + 1) * sizeof(WCHAR));
        if (!w)
            return NULL;
        for (ULONG i = 0; i < n; i++)
            w[i] = (WCHAR)(b[p + 2 * i] | b[p + 2 * i + 1] << 8);
        w[n] = 0;
        char *a = ab_w2a(w);
        free(w);
        *pos = p + 2 * n + 2;
        return a;
    }
    if (p >= cb)
        return NULL;
    const BYTE *z = memchr(b + p, 0, cb - p);
    if (!z)
        return NULL;
    char *s = ab_utf8((const char *)b + p);
    *pos = (ULONG)(z - b) + 1;
    return s;
}

HRESULT ab_oneoff_parse(ULONG cb, const ENTRYID *eid, char **name, char **type, char **addr)
{
    const BYTE *b = (const BYTE *)eid;
    *name = *type = *addr = NULL;
    if (!ab_is_oneoff(cb, eid) || b[20] != 0 || b[21] != 0)
        return MAPI_E_INVALID_ENTRYID;
    ULONG f = b[22] | (ULONG)b[23] << 8;
    int wide = (f & MAPI_ONE_OFF_UNICODE) != 0;
    ULONG pos = 24;
    *name = take(b, cb, &pos, wide);
    *type = *name ? take(b, cb, &pos, wide) : NULL;
    *addr = *type ? take(b, cb, &pos, wide) : NULL;
    if (!*addr || pos != cb || !**type) {
        free(*name);
        free(*type);
        free(*addr);
        *name = *type = *addr = NULL;
        return MAPI_E_INVALID_ENTRYID;
    }
    return S_OK;
}

HRESULT ab_oneoff_make(const char *name, const char *type, const char *addr,
                       ALLOCATEBUFFER *alloc, ULONG *cb, LPENTRYID *out)
{
    WCHAR *w[3] = {ab_a2w(name), ab_a2w(type), ab_a2w(addr)};
    HRESULT hr = MAPI_E_NOT_ENOUGH_MEMORY;
    size_t n[3] = {0, 0, 0}, total = 24;
    BYTE *b = NULL;
    if (!w[0] || !w[1] || !w[2])
        goto out;
    for (int i = 0; i < 3; i++) {
        n[i] = mapirt_wcslen(w[i]);
        total += 2 * (n[i] + 1);
    }
    if (total > 0xFFFF) {
        hr = MAPI_E_INVALID_PARAMETER;
        goto out;
    }
    if (alloc((ULONG)total, (void **)&b) != S_OK)
        goto out;
    memset(b, 0, total);
    memcpy(b + 4, oneoff_uid, 16);
    ULONG f = MAPI_ONE_OFF_UNICODE | MAPI_ONE_OFF_NO_RICH_INFO;
    b[22] = (BYTE)f;
    b[23] = (BYTE)(f >> 8);
    BYTE *p = b + 24;
    for (int i = 0; i < 3; i++) {
        for (size_t k = 0; k <= n[i]; k++, p += 2) {
            p[0] = (BYTE)w[i][k];
            p[1] = (BYTE)(w[i][k] >> 8);
        }
    }
    *cb = (ULONG)total;
    *out = (LPENTRYID)b;
    hr = S_OK;
out:
    for (int i = 0; i < 3; i++)
        free(w[i]);
    return hr;
}
