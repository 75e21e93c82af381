/* codec.c: property values in SQL. Scalars are SQLite values of their natural kind (integers,
 * reals; strings as UTF-8 TEXT whatever their width, so that SQL can sort and compare them);
 * multi-valued properties and recipient rows are BLOBs in a small tagged encoding (below).
 * Properties of at least MS_BIG_PROP bytes live in 64 KB chunks of `streams` (stream.c reads
 * and writes them piecewise); the `props` row then says only how big the value is. */
#include <stdlib.h>
#include <string.h>

#include <mapirt/strconv.h>

#include "ms.h"

static int is_string(ULONG type)
{
    return type == PT_STRING8 || type == PT_UNICODE;
}

/* UTF-8 of a string value; *owned is set when the caller must MAPIFreeBuffer it. */
static const char *utf8_of(const SPropValue *p, char **owned)
{
    *owned = NULL;
    if (PROP_TYPE(p->ulPropTag) == PT_STRING8)
        return p->Value.lpszA ? p->Value.lpszA : "";
    if (p->Value.lpszW == NULL || mapirt_str_w_to_a(p->Value.lpszW, NULL, owned) != S_OK)
        return NULL;
    return *owned;
}

/* ---- the blob encoding: element counts and lengths as little-endian 32-bit words -------- */

typedef struct buf {
    BYTE *p;
    size_t n, cap;
    int oom;
} buf;

static void put(buf *b, const void *src, size_t n)
{
    if (b->oom)
        return;
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        while (cap < b->n + n)
            cap *= 2;
        BYTE *p = realloc(b->p, cap);
        if (p == NULL) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, src, n);
    b->n += n;
}

static void put32(buf *b, ULONG v)
{
    BYTE x[4] = {(BYTE)v, (BYTE)(v >> 8), (BYTE)(v >> 16), (BYTE)(v >> 24)};
    put(b, x, 4);
}

static void put_bytes(buf *b, const void *src, ULONG n)
{
    put32(b, n);
    put(b, src, n);
}

static void put_str(buf *b, const SPropValue *elem)
{
    char *owned;
    const char *s = utf8_of(elem, &owned);
    if (s == NULL) {
        b->oom = 1;
        return;
    }
    put_bytes(b, s, (ULONG)strlen(s));
    MAPIFreeBuffer(owned);
}

/* One value (tag included): used for recipient rows; MV values for `props`. */
static void encode_value(buf *b, const SPropValue *p, int with_tag)
{
    ULONG type = PROP_TYPE(p->ulPropTag);
    if (with_tag)
        put32(b, p->ulPropTag);
    if (type & MV_FLAG) {
        ULONG n = p->Value.MVi.cValues;
        put32(b, n);
        for (ULONG i = 0; i < n; i++) {
            SPropValue e;
            memset(&e, 0, sizeof e);
            e.ulPropTag = PROP_TAG(type & ~MV_FLAG, 0);
            switch (type & ~MV_FLAG) {
            case PT_I2: put(b, &p->Value.MVi.lpi[i], 2); break;
            case PT_LONG: put(b, &p->Value.MVl.lpl[i], 4); break;
            case PT_R4: put(b, &p->Value.MVflt.lpflt[i], 4); break;
            case PT_DOUBLE: put(b, &p->Value.MVdbl.lpdbl[i], 8); break;
            case PT_APPTIME: put(b, &p->Value.MVat.lpat[i], 8); break;
            case PT_CURRENCY: put(b, &p->Value.MVcur.lpcur[i], 8); break;
            case PT_SYSTIME: put(b, &p->Value.MVft.lpft[i], 8); break;
            case PT_I8: put(b, &p->Value.MVli.lpli[i], 8); break;
            case PT_CLSID: put(b, &p->Value.MVguid.lpguid[i], 16); break;
            case PT_BINARY:
                put_bytes(b, p->Value.MVbin.lpbin[i].lpb, p->Value.MVbin.lpbin[i].cb);
                break;
            case PT_STRING8:
                e.Value.lpszA = p->Value.MVszA.lppszA[i];
                put_str(b, &e);
                break;
            case PT_UNICODE:
                e.ulPropTag = PROP_TAG(PT_UNICODE, 0);
                e.Value.lpszW = p->Value.MVszW.lppszW[i];
                put_str(b, &e);
                break;
            default: b->oom = 1; break;
            }
        }
        return;
    }
    switch (type) {
    case PT_I2: put(b, &p->Value.i, 2); break;
    case PT_LONG: case PT_ERROR: case PT_R4: put(b, &p->Value.l, 4); break;
    case PT_BOOLEAN: put(b, &p->Value.b, 2); break;
    case PT_DOUBLE: case PT_APPTIME: case PT_CURRENCY: case PT_SYSTIME: case PT_I8:
        put(b, &p->Value.li, 8);
        break;
    case PT_CLSID: put(b, p->Value.lpguid, 16); break;
    case PT_BINARY: put_bytes(b, p->Value.bin.lpb, p->Value.bin.cb); break;
    case PT_STRING8: case PT_UNICODE: put_str(b, p); break;
    case PT_NULL: case PT_OBJECT: put32(b, 0); break;
    default: b->oom = 1; break;
    }
}

typedef struct rd {
    const BYTE *p;
    size_t n, at;
    int bad;
} rd;

static const BYTE *take(rd *r, size_t n)
{
    if (r->bad || r->n - r->at < n) {
        r->bad = 1;
        return NULL;
    }
    const BYTE *q = r->p + r->at;
    r->at += n;
    return q;
}

static ULONG take32(rd *r)
{
    const BYTE *q = take(r, 4);
    return q ? (ULONG)q[0] | (ULONG)q[1] << 8 | (ULONG)q[2] << 16 | (ULONG)q[3] << 24 : 0;
}

/* A string element of the encoding, in the width of type, allocated on parent. */
static HRESULT take_str(rd *r, ULONG type, ALLOCATEMORE *more, void *parent, void **out)
{
    ULONG n = take32(r);
    const BYTE *s = take(r, n);
    if (s == NULL)
        return MAPI_E_CORRUPT_DATA;
    if (type == PT_STRING8) {
        char *c;
        if (more(n + 1, parent, (void **)&c) != S_OK)
            return MAPI_E_NOT_ENOUGH_MEMORY;
        memcpy(c, s, n);
        c[n] = 0;
        *out = c;
        return S_OK;
    }
    char *tmp = malloc(n + 1);
    WCHAR *w;
    if (tmp == NULL)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    memcpy(tmp, s, n);
    tmp[n] = 0;
    if (more((ULONG)(n + 1) * sizeof(WCHAR), parent, (void **)&w) != S_OK) {
        free(tmp);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    mapirt_str_a_to_w_into(tmp, w);
    free(tmp);
    *out = w;
    return S_OK;
}

static HRESULT decode_value(rd *r, ULONG tag, ALLOCATEMORE *more, void *parent, SPropValue *out)
{
    ULONG type = PROP_TYPE(tag);
    const BYTE *q;
    memset(out, 0, sizeof *out);
    out->ulPropTag = tag;
    if (type & MV_FLAG) {
        ULONG n = take32(r), et = type & ~MV_FLAG;
        size_t fixed = et == PT_I2 ? 2 : et == PT_LONG || et == PT_R4 ? 4
                     : et == PT_CLSID ? 16 : et == PT_BINARY || is_string(et) ? 0 : 8;
        size_t elem = et == PT_BINARY ? sizeof(SBinary) : is_string(et) ? sizeof(void *) : fixed;
        if (r->bad || elem == 0 || n > r->n)
            return MAPI_E_CORRUPT_DATA;
        void *arr;
        if (more((ULONG)(n * elem) + 1, parent, &arr) != S_OK)
            return MAPI_E_NOT_ENOUGH_MEMORY;
        out->Value.MVi.cValues = n;
        out->Value.MVi.lpi = arr;
        for (ULONG i = 0; i < n; i++) {
            if (et == PT_BINARY) {
                SBinary *b = &((SBinary *)arr)[i];
                b->cb = take32(r);
                if ((q = take(r, b->cb)) == NULL)
                    return MAPI_E_CORRUPT_DATA;
                if (more(b->cb + 1, parent, (void **)&b->lpb) != S_OK)
                    return MAPI_E_NOT_ENOUGH_MEMORY;
                memcpy(b->lpb, q, b->cb);
            } else if (is_string(et)) {
                HRESULT hr = take_str(r, et, more, parent, &((void **)arr)[i]);
                if (hr != S_OK)
                    return hr;
            } else {
                if ((q = take(r, fixed)) == NULL)
                    return MAPI_E_CORRUPT_DATA;
                memcpy((BYTE *)arr + i * fixed, q, fixed);
            }
        }
        return S_OK;
    }
    switch (type) {
    case PT_I2: if ((q = take(r, 2))) memcpy(&out->Value.i, q, 2); break;
    case PT_LONG: case PT_ERROR: case PT_R4: if ((q = take(r, 4))) memcpy(&out->Value.l, q, 4); break;
    case PT_BOOLEAN: if ((q = take(r, 2))) memcpy(&out->Value.b, q, 2); break;
    case PT_DOUBLE: case PT_APPTIME: case PT_CURRENCY: case PT_SYSTIME: case PT_I8:
        if ((q = take(r, 8)))
            memcpy(&out->Value.li, q, 8);
        break;
    case PT_CLSID:
        if ((q = take(r, 16)) == NULL)
            break;
        if (more(16, parent, (void **)&out->Value.lpguid) != S_OK)
            return MAPI_E_NOT_ENOUGH_MEMORY;
        memcpy(out->Value.lpguid, q, 16);
        break;
    case PT_BINARY:
        out->Value.bin.cb = take32(r);
        if ((q = take(r, out->Value.bin.cb)) == NULL)
            break;
        if (more(out->Value.bin.cb + 1, parent, (void **)&out->Value.bin.lpb) != S_OK)
            return MAPI_E_NOT_ENOUGH_MEMORY;
        memcpy(out->Value.bin.lpb, q, out->Value.bin.cb);
        break;
    case PT_STRING8: case PT_UNICODE:
        return take_str(r, type, more, parent, (void **)&out->Value.lpszA);
    case PT_NULL: case PT_OBJECT: take32(r); break;
    default: return MAPI_E_CORRUPT_DATA;
    }
    return r->bad ? MAPI_E_CORRUPT_DATA : S_OK;
}

HRESULT ms_row_encode(ULONG c, const SPropValue *props, BYTE **out, size_t *cb)
{
    buf b = {0};
    ULONG n = 0;
    for (ULONG i = 0; i < c; i++)
        n += PROP_TYPE(props[i].ulPropTag) != PT_ERROR;
    put32(&b, n);
    for (ULONG i = 0; i < c; i++)
        if (PROP_TYPE(props[i].ulPropTag) != PT_ERROR)
            encode_value(&b, &props[i], 1);
    if (b.oom) {
        free(b.p);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    *out = b.p;
    *cb = b.n;
    return S_OK;
}

HRESULT ms_row_decode(const void *data, size_t cb, ALLOCATEBUFFER *alloc, ALLOCATEMORE *more,
                      ULONG *c, LPSPropValue *props)
{
    rd r = {data, cb, 0, 0};
    ULONG n = take32(&r);
    LPSPropValue v;
    if (r.bad || n > cb / 4)
        return MAPI_E_CORRUPT_DATA;
    if (alloc((ULONG)((n + 1) * sizeof(SPropValue)), (void **)&v) != S_OK)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    for (ULONG i = 0; i < n; i++) {
        ULONG tag = take32(&r);
        HRESULT hr = r.bad ? MAPI_E_CORRUPT_DATA : decode_value(&r, tag, more, v, &v[i]);
        if (hr != S_OK) {
            MAPIFreeBuffer(v);
            return hr;
        }
    }
    *c = n;
    *props = v;
    return S_OK;
}

/* ---- scalar columns --------------------------------------------------------------------- */

size_t ms_value_size(const SPropValue *p)
{
    switch (PROP_TYPE(p->ulPropTag)) {
    case PT_BINARY: return p->Value.bin.cb;
    case PT_STRING8: return p->Value.lpszA ? strlen(p->Value.lpszA) : 0;
    case PT_UNICODE: return p->Value.lpszW ? mapirt_wcslen(p->Value.lpszW) * 3 : 0;
    default: return 8;
    }
}

int ms_bind_value(sqlite3_stmt *st, int i, const SPropValue *p)
{
    ULONG type = PROP_TYPE(p->ulPropTag);
    if (type & MV_FLAG) {
        buf b = {0};
        encode_value(&b, p, 0);
        if (b.oom) {
            free(b.p);
            return SQLITE_NOMEM;
        }
        return sqlite3_bind_blob64(st, i, b.p, b.n, free);
    }
    switch (type) {
    case PT_I2: return sqlite3_bind_int(st, i, p->Value.i);
    case PT_LONG: case PT_ERROR: return sqlite3_bind_int(st, i, p->Value.l);
    case PT_BOOLEAN: return sqlite3_bind_int(st, i, p->Value.b != 0);
    case PT_R4: return sqlite3_bind_double(st, i, p->Value.flt);
    case PT_DOUBLE: case PT_APPTIME: return sqlite3_bind_double(st, i, p->Value.dbl);
    case PT_CURRENCY: case PT_I8: return sqlite3_bind_int64(st, i, p->Value.li.QuadPart);
    case PT_SYSTIME:
        return sqlite3_bind_int64(st, i, (sqlite3_int64)((uint64_t)p->Value.ft.dwHighDateTime << 32 |
                                                         p->Value.ft.dwLowDateTime));
    case PT_CLSID: return sqlite3_bind_blob(st, i, p->Value.lpguid, 16, SQLITE_TRANSIENT);
    case PT_BINARY:
        return sqlite3_bind_blob(st, i, p->Value.bin.cb ? (const void *)p->Value.bin.lpb : "",
                                 (int)p->Value.bin.cb, SQLITE_TRANSIENT);
    case PT_STRING8: case PT_UNICODE: {
        char *owned;
        const char *s = utf8_of(p, &owned);
        if (s == NULL)
            return SQLITE_NOMEM;
        int rc = sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
        MAPIFreeBuffer(owned);
        return rc;
    }
    default: return sqlite3_bind_null(st, i);
    }
}

HRESULT ms_column_value(sqlite3_stmt *st, int col, ULONG tag, ALLOCATEMORE *more, void *parent,
                        SPropValue *out)
{
    ULONG type = PROP_TYPE(tag);
    memset(out, 0, sizeof *out);
    out->ulPropTag = tag;
    if (type & MV_FLAG) {
        rd r = {sqlite3_column_blob(st, col), (size_t)sqlite3_column_bytes(st, col), 0, 0};
        return decode_value(&r, tag, more, parent, out);
    }
    switch (type) {
    case PT_I2: out->Value.i = (short)sqlite3_column_int(st, col); break;
    case PT_LONG: case PT_ERROR: out->Value.l = sqlite3_column_int(st, col); break;
    case PT_BOOLEAN: out->Value.b = (unsigned short)(sqlite3_column_int(st, col) != 0); break;
    case PT_R4: out->Value.flt = (float)sqlite3_column_double(st, col); break;
    case PT_DOUBLE: case PT_APPTIME: out->Value.dbl = sqlite3_column_double(st, col); break;
    case PT_CURRENCY: case PT_I8: out->Value.li.QuadPart = sqlite3_column_int64(st, col); break;
    case PT_SYSTIME: {
        uint64_t t = (uint64_t)sqlite3_column_int64(st, col);
        out->Value.ft.dwLowDateTime = (DWORD)t;
        out->Value.ft.dwHighDateTime = (DWORD)(t >> 32);
        break;
    }
    case PT_CLSID:
        if (sqlite3_column_bytes(st, col) != 16)
            return MAPI_E_CORRUPT_DATA;
        if (more(16, parent, (void **)&out->Value.lpguid) != S_OK)
            return MAPI_E_NOT_ENOUGH_MEMORY;
        memcpy(out->Value.lpguid, sqlite3_column_blob(st, col), 16);
        break;
    case PT_BINARY: {
        int n = sqlite3_column_bytes(st, col);
        out->Value.bin.cb = (ULONG)n;
        if (more((ULONG)n + 1, parent, (void **)&out->Value.bin.lpb) != S_OK)
            return MAPI_E_NOT_ENOUGH_MEMORY;
        if (n)
            memcpy(out->Value.bin.lpb, sqlite3_column_blob(st, col), (size_t)n);
        break;
    }
    case PT_STRING8: case PT_UNICODE: {
        const unsigned char *s = sqlite3_column_text(st, col);
        int n = sqlite3_column_bytes(st, col);
        if (s == NULL)
            s = (const unsigned char *)"";
        if (type == PT_STRING8) {
            if (more((ULONG)n + 1, parent, (void **)&out->Value.lpszA) != S_OK)
                return MAPI_E_NOT_ENOUGH_MEMORY;
            memcpy(out->Value.lpszA, s, (size_t)n + 1);
        } else {
            if (more((ULONG)(n + 1) * sizeof(WCHAR), parent, (void **)&out->Value.lpszW) != S_OK)
                return MAPI_E_NOT_ENOUGH_MEMORY;
            mapirt_str_a_to_w_into((const char *)s, out->Value.lpszW);
        }
        break;
    }
    default: break;
    }
    return S_OK;
}
