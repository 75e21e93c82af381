/* propcodec.c: property values in the profile store's `value` column.
 *
 *   PT_I2 PT_LONG PT_BOOLEAN PT_I8 PT_CURRENCY PT_SYSTIME PT_ERROR   INTEGER
 *   PT_R4 PT_DOUBLE PT_APPTIME                                        REAL
 *   PT_STRING8                                                        TEXT (UTF-8)
 *   PT_UNICODE                                                        BLOB of UTF-16 code units
 *   PT_BINARY, PT_CLSID (16 bytes as in memory)                       BLOB
 *   PT_MV_*   BLOB: a 4-byte count, then fixed-size elements as in memory, or for strings and
 *             binaries a 4-byte length before each element's bytes (no terminator)
 * Integers inside BLOBs are little-endian (mapirt's targets are). PT_UNICODE is kept as UTF-16
 * rather than converted to UTF-8 so that any string a client stores comes back unchanged. */
#include <string.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapix.h>

#include <mapirt/alloc.h>
#include <mapirt/strconv.h>

#include "store_internal.h"

static size_t fixed_size(ULONG t)
{
    switch (t) {
    case PT_I2: return sizeof(short);
    case PT_LONG: return sizeof(LONG);
    case PT_R4: return sizeof(float);
    case PT_DOUBLE:
    case PT_APPTIME: return sizeof(double);
    case PT_CURRENCY: return sizeof(CURRENCY);
    case PT_SYSTIME: return sizeof(FILETIME);
    case PT_I8: return sizeof(LARGE_INTEGER);
    case PT_CLSID: return sizeof(GUID);
    default: return 0;
    }
}

/* The length of one variable-size element of an MV array and its bytes. */
static const void *var_elem(ULONG t, const SPropValue *v, ULONG i, size_t *len)
{
    switch (t) {
    case PT_STRING8:
        *len = strlen(v->Value.MVszA.lppszA[i]);
        return v->Value.MVszA.lppszA[i];
    case PT_UNICODE:
        *len = mapirt_wcslen(v->Value.MVszW.lppszW[i]) * sizeof(WCHAR);
        return v->Value.MVszW.lppszW[i];
    default: /* PT_BINARY */
        *len = v->Value.MVbin.lpbin[i].cb;
        return v->Value.MVbin.lpbin[i].lpb;
    }
}

/* The BLOB form of a multi-valued value (mapirt_malloc'd). */
static HRESULT mv_bytes(const SPropValue *v, unsigned char **out, size_t *outlen)
{
    ULONG t = PROP_TYPE(v->ulPropTag) & ~(ULONG)MV_FLAG;
    ULONG n = v->Value.MVl.cValues;
    size_t fs = fixed_size(t), total = 4;
    const void *arr = v->Value.MVl.lpl;

    if (n && !arr)
        return MAPI_E_INVALID_PARAMETER;
    if (fs) {
        total += (size_t)n * fs;
    } else if (t == PT_STRING8 || t == PT_UNICODE || t == PT_BINARY) {
        for (ULONG k = 0; k < n; k++) {
            size_t len;
            const void *p = var_elem(t, v, k, &len);
            if (!p && len)
                return MAPI_E_INVALID_PARAMETER;
            if (len > 0xFFFFFFFFu)
                return MAPI_E_TOO_BIG;
            total += 4 + len;
        }
    } else {
        return MAPI_E_INVALID_TYPE;
    }
    if (total > 0x7FFFFFFF)
        return MAPI_E_TOO_BIG;
    unsigned char *buf = mapirt_malloc(total);
    if (!buf)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    memcpy(buf, &n, 4);
    unsigned char *w = buf + 4;
    if (fs) {
        if (n)
            memcpy(w, arr, (size_t)n * fs);
    } else {
        for (ULONG k = 0; k < n; k++) {
            size_t len;
            const void *p = var_elem(t, v, k, &len);
            uint32_t l32 = (uint32_t)len;
            memcpy(w, &l32, 4);
            if (len)
                memcpy(w + 4, p, len);
            w += 4 + len;
        }
    }
    *out = buf;
    *outlen = total;
    return S_OK;
}

static HRESULT bind_mv(sqlite3_stmt *st, int i, const SPropValue *v)
{
    unsigned char *buf;
    size_t total;
    HRESULT hr = mv_bytes(v, &buf, &total);
    if (FAILED(hr))
        return hr;
    int rc = sqlite3_bind_blob(st, i, buf, (int)total, mapirt_free);
    return rc == SQLITE_OK ? S_OK : rc == SQLITE_NOMEM ? MAPI_E_NOT_ENOUGH_MEMORY : MAPI_E_TOO_BIG;
}

HRESULT mapirt_propcodec_bind(sqlite3_stmt *st, int i, const SPropValue *v)
{
    int rc;
    const union _PV *pv = &v->Value;

    switch (PROP_TYPE(v->ulPropTag)) {
    case PT_I2: rc = sqlite3_bind_int(st, i, pv->i); break;
    case PT_LONG: rc = sqlite3_bind_int(st, i, pv->l); break;
    case PT_BOOLEAN: rc = sqlite3_bind_int(st, i, pv->b); break;
    case PT_ERROR: rc = sqlite3_bind_int(st, i, pv->err); break;
    case PT_I8: rc = sqlite3_bind_int64(st, i, pv->li.QuadPart); break;
    case PT_CURRENCY: rc = sqlite3_bind_int64(st, i, pv->cur.int64); break;
    case PT_SYSTIME:
        rc = sqlite3_bind_int64(
            st, i, (sqlite3_int64)((uint64_t)pv->ft.dwHighDateTime << 32 | pv->ft.dwLowDateTime));
        break;
    case PT_R4: rc = sqlite3_bind_double(st, i, pv->flt); break;
    case PT_DOUBLE: rc = sqlite3_bind_double(st, i, pv->dbl); break;
    case PT_APPTIME: rc = sqlite3_bind_double(st, i, pv->at); break;
    case PT_STRING8:
        if (!pv->lpszA)
            return MAPI_E_INVALID_PARAMETER;
        rc = sqlite3_bind_text(st, i, pv->lpszA, -1, SQLITE_STATIC);
        break;
    case PT_UNICODE:
        if (!pv->lpszW)
            return MAPI_E_INVALID_PARAMETER;
        rc = sqlite3_bind_blob64(st, i, pv->lpszW, mapirt_wcslen(pv->lpszW) * sizeof(WCHAR),
                                 SQLITE_STATIC);
        if (rc == SQLITE_OK && !pv->lpszW[0])
            rc = sqlite3_bind_zeroblob(st, i, 0);
        break;
    case PT_BINARY:
        if (pv->bin.cb == 0)
            rc = sqlite3_bind_zeroblob(st, i, 0);
        else if (!pv->bin.lpb)
            return MAPI_E_INVALID_PARAMETER;
        else
            rc = sqlite3_bind_blob64(st, i, pv->bin.lpb, pv->bin.cb, SQLITE_STATIC);
        break;
    case PT_CLSID:
        if (!pv->lpguid)
            return MAPI_E_INVALID_PARAMETER;
        rc = sqlite3_bind_blob(st, i, pv->lpguid, sizeof(GUID), SQLITE_STATIC);
        break;
    default:
        if (PROP_TYPE(v->ulPropTag) & MV_FLAG)
            return bind_mv(st, i, v);
        return MAPI_E_INVALID_TYPE;
    }
    return rc == SQLITE_OK ? S_OK : rc == SQLITE_NOMEM ? MAPI_E_NOT_ENOUGH_MEMORY : MAPI_E_TOO_BIG;
}

static HRESULT more(ULONG cb, void *parent, void **out)
{
    return MAPIAllocateMore(cb ? cb : 1, parent, out) == S_OK ? S_OK : MAPI_E_NOT_ENOUGH_MEMORY;
}

static HRESULT mv_from_bytes(ULONG t, const unsigned char *b, size_t len, void *parent,
                             SPropValue *out)
{
    size_t fs = fixed_size(t);
    uint32_t n;
    HRESULT hr;
    void *arr;

    if (!b || len < 4)
        return MAPI_E_CORRUPT_DATA;
    memcpy(&n, b, 4);
    b += 4;
    len -= 4;
    if (fs) {
        if ((size_t)n * fs != len)
            return MAPI_E_CORRUPT_DATA;
        if (FAILED(hr = more((ULONG)len, parent, &arr)))
            return hr;
        if (len)
            memcpy(arr, b, len);
    } else {
        size_t esz = t == PT_BINARY ? sizeof(SBinary) : sizeof(void *);
        if (n > len / 4)
            return MAPI_E_CORRUPT_DATA;
        if (FAILED(hr = more((ULONG)(n * esz), parent, &arr)))
            return hr;
        for (uint32_t k = 0; k < n; k++) {
            uint32_t l;
            void *p;
            if (len < 4)
                return MAPI_E_CORRUPT_DATA;
            memcpy(&l, b, 4);
            b += 4;
            len -= 4;
            if (l > len || (t == PT_UNICODE && l % 2))
                return MAPI_E_CORRUPT_DATA;
            ULONG extra = t == PT_STRING8 ? 1 : t == PT_UNICODE ? 2 : 0;
            if (FAILED(hr = more(l + extra, parent, &p)))
                return hr;
            if (l)
                memcpy(p, b, l);
            if (extra)
                memset((char *)p + l, 0, extra);
            if (t == PT_BINARY) {
                ((SBinary *)arr)[k].cb = l;
                ((SBinary *)arr)[k].lpb = p;
            } else {
                ((void **)arr)[k] = p;
            }
            b += l;
            len -= l;
        }
        if (len)
            return MAPI_E_CORRUPT_DATA;
    }
    out->Value.MVl.cValues = n;
    out->Value.MVl.lpl = arr;
    return S_OK;
}

static HRESULT column_mv(sqlite3_stmt *st, int col, ULONG t, void *parent, SPropValue *out)
{
    if (sqlite3_column_type(st, col) != SQLITE_BLOB)
        return MAPI_E_CORRUPT_DATA;
    return mv_from_bytes(t, sqlite3_column_blob(st, col), (size_t)sqlite3_column_bytes(st, col),
                         parent, out);
}

HRESULT mapirt_propcodec_column(sqlite3_stmt *st, int col, ULONG tag, void *parent,
                                SPropValue *out)
{
    ULONG t = PROP_TYPE(tag);
    int ct = sqlite3_column_type(st, col);
    union _PV *pv = &out->Value;
    HRESULT hr;

    memset(out, 0, sizeof *out);
    out->ulPropTag = tag;
    switch (t) {
    case PT_I2:
    case PT_LONG:
    case PT_BOOLEAN:
    case PT_ERROR:
    case PT_I8:
    case PT_CURRENCY:
    case PT_SYSTIME: {
        if (ct != SQLITE_INTEGER)
            return MAPI_E_CORRUPT_DATA;
        sqlite3_int64 v = sqlite3_column_int64(st, col);
        if (t == PT_I2)
            pv->i = (short)v;
        else if (t == PT_LONG)
            pv->l = (LONG)v;
        else if (t == PT_BOOLEAN)
            pv->b = (unsigned short)v;
        else if (t == PT_ERROR)
            pv->err = (SCODE)v;
        else if (t == PT_I8)
            pv->li.QuadPart = v;
        else if (t == PT_CURRENCY)
            pv->cur.int64 = v;
        else {
            pv->ft.dwLowDateTime = (ULONG)((uint64_t)v & 0xFFFFFFFFu);
            pv->ft.dwHighDateTime = (ULONG)((uint64_t)v >> 32);
        }
        return S_OK;
    }
    case PT_R4:
    case PT_DOUBLE:
    case PT_APPTIME:
        if (ct != SQLITE_FLOAT && ct != SQLITE_INTEGER)
            return MAPI_E_CORRUPT_DATA;
        if (t == PT_R4)
            pv->flt = (float)sqlite3_column_double(st, col);
        else if (t == PT_DOUBLE)
            pv->dbl = sqlite3_column_double(st, col);
        else
            pv->at = sqlite3_column_double(st, col);
        return S_OK;
    case PT_STRING8: {
        if (ct != SQLITE_TEXT)
            return MAPI_E_CORRUPT_DATA;
        const unsigned char *s = sqlite3_column_text(st, col);
        int n = sqlite3_column_bytes(st, col);
        if (!s)
            return MAPI_E_NOT_ENOUGH_MEMORY;
        if (FAILED(hr = more((ULONG)n + 1, parent, (void **)&pv->lpszA)))
            return hr;
        memcpy(pv->lpszA, s, (size_t)n + 1);
        return S_OK;
    }
    case PT_UNICODE:
    case PT_BINARY:
    case PT_CLSID: {
        if (ct != SQLITE_BLOB)
            return MAPI_E_CORRUPT_DATA;
        const void *b = sqlite3_column_blob(st, col);
        int n = sqlite3_column_bytes(st, col);
        if (n && !b)
            return MAPI_E_NOT_ENOUGH_MEMORY;
        if ((t == PT_UNICODE && n % 2) || (t == PT_CLSID && n != (int)sizeof(GUID)))
            return MAPI_E_CORRUPT_DATA;
        void *p;
        if (FAILED(hr = more((ULONG)n + (t == PT_UNICODE ? 2 : 0), parent, &p)))
            return hr;
        if (n)
            memcpy(p, b, (size_t)n);
        if (t == PT_UNICODE) {
            memset((char *)p + n, 0, 2);
            pv->lpszW = p;
        } else if (t == PT_BINARY) {
            pv->bin.cb = (ULONG)n;
            pv->bin.lpb = p;
        } else {
            pv->lpguid = p;
        }
        return S_OK;
    }
    default:
        if (t & MV_FLAG)
            return column_mv(st, col, t & ~(ULONG)MV_FLAG, parent, out);
        return MAPI_E_CORRUPT_DATA;
    }
}

/* ---- values as bytes, for sealing secure properties (secret.c) ---- */

HRESULT mapirt_propcodec_bytes(const SPropValue *v, unsigned char **out, size_t *len)
{
    const union _PV *pv = &v->Value;
    ULONG t = PROP_TYPE(v->ulPropTag);
    unsigned char fixed[16];
    const void *src = fixed;
    size_t n;

    switch (t) {
    case PT_I2: {
        int32_t x = pv->i;
        memcpy(fixed, &x, n = 4);
        break;
    }
    case PT_LONG:
    case PT_ERROR: {
        int32_t x = t == PT_LONG ? pv->l : pv->err;
        memcpy(fixed, &x, n = 4);
        break;
    }
    case PT_BOOLEAN: {
        int32_t x = pv->b;
        memcpy(fixed, &x, n = 4);
        break;
    }
    case PT_R4: memcpy(fixed, &pv->flt, n = 4); break;
    case PT_DOUBLE: memcpy(fixed, &pv->dbl, n = 8); break;
    case PT_APPTIME: memcpy(fixed, &pv->at, n = 8); break;
    case PT_I8: memcpy(fixed, &pv->li, n = 8); break;
    case PT_CURRENCY: memcpy(fixed, &pv->cur, n = 8); break;
    case PT_SYSTIME: memcpy(fixed, &pv->ft, n = 8); break;
    case PT_CLSID:
        if (!pv->lpguid)
            return MAPI_E_INVALID_PARAMETER;
        src = pv->lpguid;
        n = sizeof(GUID);
        break;
    case PT_STRING8:
        if (!pv->lpszA)
            return MAPI_E_INVALID_PARAMETER;
        src = pv->lpszA;
        n = strlen(pv->lpszA);
        break;
    case PT_UNICODE:
        if (!pv->lpszW)
            return MAPI_E_INVALID_PARAMETER;
        src = pv->lpszW;
        n = mapirt_wcslen(pv->lpszW) * sizeof(WCHAR);
        break;
    case PT_BINARY:
        if (pv->bin.cb && !pv->bin.lpb)
            return MAPI_E_INVALID_PARAMETER;
        src = pv->bin.lpb;
        n = pv->bin.cb;
        break;
    default:
        if (t & MV_FLAG)
            return mv_bytes(v, out, len);
        return MAPI_E_INVALID_TYPE;
    }
    unsigned char *buf = mapirt_malloc(n ? n : 1);
    if (!buf)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    if (n)
        memcpy(buf, src, n);
    *out = buf;
    *len = n;
    return S_OK;
}

HRESULT mapirt_propcodec_from_bytes(ULONG tag, const unsigned char *b, size_t n, void *parent,
                                    SPropValue *out)
{
    ULONG t = PROP_TYPE(tag);
    union _PV *pv = &out->Value;
    HRESULT hr;
    void *p;

    memset(out, 0, sizeof *out);
    out->ulPropTag = tag;
    switch (t) {
    case PT_I2:
    case PT_LONG:
    case PT_ERROR:
    case PT_BOOLEAN: {
        int32_t x;
        if (n != 4)
            return MAPI_E_CORRUPT_DATA;
        memcpy(&x, b, 4);
        if (t == PT_I2)
            pv->i = (short)x;
        else if (t == PT_LONG)
            pv->l = x;
        else if (t == PT_ERROR)
            pv->err = x;
        else
            pv->b = (unsigned short)x;
        return S_OK;
    }
    case PT_R4:
        if (n != 4)
            return MAPI_E_CORRUPT_DATA;
        memcpy(&pv->flt, b, 4);
        return S_OK;
    case PT_DOUBLE:
    case PT_APPTIME:
    case PT_I8:
    case PT_CURRENCY:
    case PT_SYSTIME:
        if (n != 8)
            return MAPI_E_CORRUPT_DATA;
        memcpy(pv, b, 8); /* each of these members is 8 bytes at the union's start */
        return S_OK;
    case PT_STRING8:
    case PT_UNICODE:
    case PT_BINARY:
    case PT_CLSID: {
        size_t extra = t == PT_STRING8 ? 1 : t == PT_UNICODE ? 2 : 0;
        if ((t == PT_UNICODE && n % 2) || (t == PT_CLSID && n != sizeof(GUID)) ||
            n > 0x7FFFFFF0u)
            return MAPI_E_CORRUPT_DATA;
        if (FAILED(hr = more((ULONG)(n + extra), parent, &p)))
            return hr;
        if (n)
            memcpy(p, b, n);
        memset((char *)p + n, 0, extra);
        if (t == PT_STRING8)
            pv->lpszA = p;
        else if (t == PT_UNICODE)
            pv->lpszW = p;
        else if (t == PT_CLSID)
            pv->lpguid = p;
        else {
            pv->bin.cb = (ULONG)n;
            pv->bin.lpb = p;
        }
        return S_OK;
    }
    default:
        if (t & MV_FLAG)
            return mv_from_bytes(t & ~(ULONG)MV_FLAG, b, n, parent, out);
        return MAPI_E_CORRUPT_DATA;
    }
}
