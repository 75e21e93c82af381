/* dbvalues.c: an entry's properties in its address book's SQLite file (db.c): each value in
 * the `props` table as SQLite's own type where there is one (multi-valued ones as one blob),
 * read back with the caller's allocators; writing an entry (its row and properties) and
 * deleting one. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ab.h"

static void put32(BYTE *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (BYTE)(v >> (8 * i));
}

static uint32_t get32(const BYTE *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A multi-valued value as one blob: count, then each value as length + bytes (strings in
 * UTF-8 without their NUL). */
static BYTE *mv_encode(const SPropValue *v, size_t *cb)
{
    ULONG n = v->Value.MVl.cValues, t = PROP_TYPE(v->ulPropTag);
    size_t total = 4;
    char **s = NULL;
    if (t == PT_MV_UNICODE || t == PT_MV_STRING8) {
        s = calloc(n ? n : 1, sizeof *s);
        if (!s)
            return NULL;
        for (ULONG i = 0; i < n; i++) {
            s[i] = t == PT_MV_UNICODE ? ab_w2a(v->Value.MVszW.lppszW[i])
                                      : ab_utf8(v->Value.MVszA.lppszA[i]);
            if (!s[i])
                goto nomem;
            total += 4 + strlen(s[i]);
        }
    } else
        for (ULONG i = 0; i < n; i++)
            total += 4 + (t == PT_MV_LONG ? 4 : v->Value.MVbin.lpbin[i].cb);
    BYTE *b = malloc(total), *p = b + 4;
    if (!b)
        goto nomem;
    put32(b, n);
    for (ULONG i = 0; i < n; i++) {
        if (s) {
            size_t l = strlen(s[i]);
            put32(p, (uint32_t)l);
            memcpy(p + 4, s[i], l);
            p += 4 + l;
        } else if (t == PT_MV_LONG) {
            put32(p, 4);
            put32(p + 4, (uint32_t)v->Value.MVl.lpl[i]);
            p += 8;
        } else {
            put32(p, v->Value.MVbin.lpbin[i].cb);
            if (v->Value.MVbin.lpbin[i].cb)
                memcpy(p + 4, v->Value.MVbin.lpbin[i].lpb, v->Value.MVbin.lpbin[i].cb);
            p += 4 + v->Value.MVbin.lpbin[i].cb;
        }
    }
    for (ULONG i = 0; s && i < n; i++)
        free(s[i]);
    free(s);
    *cb = total;
    return b;
nomem:
    for (ULONG i = 0; s && i < n; i++)
        free(s[i]);
    free(s);
    return NULL;
}

/* The tag a value is stored under (8-bit strings are stored as Unicode), 0 if its type is not
 * one an address book entry keeps. */
static ULONG stored_tag(ULONG tag)
{
    switch (PROP_TYPE(tag)) {
    case PT_STRING8:
        return CHANGE_PROP_TYPE(tag, PT_UNICODE);
    case PT_MV_STRING8:
        return CHANGE_PROP_TYPE(tag, PT_MV_UNICODE);
    case PT_I2: case PT_LONG: case PT_BOOLEAN: case PT_I8: case PT_SYSTIME: case PT_CURRENCY:
    case PT_R4: case PT_DOUBLE: case PT_APPTIME: case PT_UNICODE: case PT_BINARY: case PT_CLSID:
    case PT_MV_UNICODE: case PT_MV_BINARY: case PT_MV_LONG:
        return tag;
    default:
        return 0;
    }
}

static int bind_value(sqlite3_stmt *st, int i, const SPropValue *v)
{
    switch (PROP_TYPE(v->ulPropTag)) {
    case PT_I2: return sqlite3_bind_int(st, i, v->Value.i);
    case PT_LONG: return sqlite3_bind_int64(st, i, v->Value.l);
    case PT_BOOLEAN: return sqlite3_bind_int(st, i, v->Value.b != 0);
    case PT_I8: return sqlite3_bind_int64(st, i, v->Value.li.QuadPart);
    case PT_CURRENCY: return sqlite3_bind_int64(st, i, v->Value.cur.int64);
    case PT_SYSTIME:
        return sqlite3_bind_int64(st, i, (sqlite3_int64)((uint64_t)v->Value.ft.dwHighDateTime << 32 |
                                                         v->Value.ft.dwLowDateTime));
    case PT_R4: return sqlite3_bind_double(st, i, v->Value.flt);
    case PT_DOUBLE: return sqlite3_bind_double(st, i, v->Value.dbl);
    case PT_APPTIME: return sqlite3_bind_double(st, i, v->Value.at);
    case PT_UNICODE:
    case PT_STRING8: {
        char *s = ab_prop_str(v);
        return s ? sqlite3_bind_text(st, i, s, -1, free) : SQLITE_NOMEM;
    }
    case PT_BINARY:
        return sqlite3_bind_blob(st, i, v->Value.bin.cb ? (const void *)v->Value.bin.lpb : "",
                                 (int)v->Value.bin.cb, SQLITE_TRANSIENT);
    case PT_CLSID: return sqlite3_bind_blob(st, i, v->Value.lpguid, 16, SQLITE_TRANSIENT);
    default: {
        size_t cb;
        BYTE *b = mv_encode(v, &cb);
        return b ? sqlite3_bind_blob(st, i, b, (int)cb, free) : SQLITE_NOMEM;
    }
    }
}

/* Reads a stored value (column 1 of st, its tag in column 0) into *out, memory on parent. */
static HRESULT column_value(sqlite3_stmt *st, ALLOCATEMORE *more, void *parent, SPropValue *out)
{
    ULONG tag = (ULONG)sqlite3_column_int64(st, 0);
    out->ulPropTag = tag;
    out->dwAlignPad = 0;
    const BYTE *blob;
    int cb;
    switch (PROP_TYPE(tag)) {
    case PT_I2: out->Value.i = (short)sqlite3_column_int(st, 1); return S_OK;
    case PT_LONG: out->Value.l = (LONG)sqlite3_column_int64(st, 1); return S_OK;
    case PT_BOOLEAN: out->Value.b = (unsigned short)sqlite3_column_int(st, 1); return S_OK;
    case PT_I8: out->Value.li.QuadPart = sqlite3_column_int64(st, 1); return S_OK;
    case PT_CURRENCY: out->Value.cur.int64 = sqlite3_column_int64(st, 1); return S_OK;
    case PT_SYSTIME: {
        uint64_t t = (uint64_t)sqlite3_column_int64(st, 1);
        out->Value.ft.dwLowDateTime = (DWORD)t;
        out->Value.ft.dwHighDateTime = (DWORD)(t >> 32);
        return S_OK;
    }
    case PT_R4: out->Value.flt = (float)sqlite3_column_double(st, 1); return S_OK;
    case PT_DOUBLE: out->Value.dbl = sqlite3_column_double(st, 1); return S_OK;
    case PT_APPTIME: out->Value.at = sqlite3_column_double(st, 1); return S_OK;
    case PT_UNICODE: {
        WCHAR *w = ab_a2w((const char *)sqlite3_column_text(st, 1));
        size_t n = 0;
        if (!w)
            return MAPI_E_NOT_ENOUGH_MEMORY;
        while (w[n])
            n++;
        HRESULT hr = more((ULONG)((n + 1) * sizeof(WCHAR)), parent, (void **)&out->Value.lpszW);
        if (hr == S_OK)
            memcpy(out->Value.lpszW, w, (n + 1) * sizeof(WCHAR));
        free(w);
        return hr;
    }
    case PT_BINARY:
        blob = sqlite3_column_blob(st, 1);
        cb = sqlite3_column_bytes(st, 1);
        out->Value.bin.cb = (ULONG)cb;
        if (more(cb ? (ULONG)cb : 1, parent, (void **)&out->Value.bin.lpb) != S_OK)
            return MAPI_E_NOT_ENOUGH_MEMORY;
        if (cb)
            memcpy(out->Value.bin.lpb, blob, (size_t)cb);
        return S_OK;
    case PT_CLSID:
        if (sqlite3_column_bytes(st, 1) != 16)
            return MAPI_E_CORRUPT_DATA;
        if (more(16, parent, (void **)&out->Value.lpguid) != S_OK)
            return MAPI_E_NOT_ENOUGH_MEMORY;
        memcpy(out->Value.lpguid, sqlite3_column_blob(st, 1), 16);
        return S_OK;
    default:
        break;
    }
    /* multi-valued */
    blob = sqlite3_column_blob(st, 1);
    cb = sqlite3_column_bytes(st, 1);
    if (cb < 4)
        return MAPI_E_CORRUPT_DATA;
    ULONG n = get32(blob), t = PROP_TYPE(tag);
    if (n > (ULONG)cb / 4)
        return MAPI_E_CORRUPT_DATA;
    void *arr;
    size_t elem = t == PT_MV_LONG ? sizeof(LONG) : t == PT_MV_BINARY ? sizeof(SBinary)
                                                                     : sizeof(LPWSTR);
    if (more((ULONG)(n ? n * elem : 1), parent, &arr) != S_OK)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    size_t pos = 4;
    for (ULONG i = 0; i < n; i++) {
        if (pos + 4 > (size_t)cb)
            return MAPI_E_CORRUPT_DATA;
        uint32_t l = get32(blob + pos);
        pos += 4;
        if (l > (size_t)cb - pos)
            return MAPI_E_CORRUPT_DATA;
        if (t == PT_MV_LONG) {
            if (l != 4)
                return MAPI_E_CORRUPT_DATA;
            ((LONG *)arr)[i] = (LONG)get32(blob + pos);
        } else if (t == PT_MV_BINARY) {
            SBinary *b = &((SBinary *)arr)[i];
            b->cb = l;
            if (more(l ? l : 1, parent, (void **)&b->lpb) != S_OK)
                return MAPI_E_NOT_ENOUGH_MEMORY;
            if (l)
                memcpy(b->lpb, blob + pos, l);
        } else {
            char *s = malloc((size_t)l + 1);
            if (!s)
                return MAPI_E_NOT_ENOUGH_MEMORY;
            memcpy(s, blob + pos, l);
            s[l] = 0;
            WCHAR *w = ab_a2w(s);
            free(s);
            if (!w)
                return MAPI_E_NOT_ENOUGH_MEMORY;
            size_t wl = 0;
            while (w[wl])
                wl++;
            LPWSTR *slot = &((LPWSTR *)arr)[i];
            HRESULT hr = more((ULONG)((wl + 1) * sizeof(WCHAR)), parent, (void **)slot);
            if (hr == S_OK)
                memcpy(*slot, w, (wl + 1) * sizeof(WCHAR));
            free(w);
            if (hr != S_OK)
                return hr;
        }
        pos += l;
    }
    out->Value.MVl.cValues = n;
    out->Value.MVl.lpl = arr;
    return S_OK;
}

HRESULT ab_db_props(ab_db *d, sqlite3_int64 id, ALLOCATEBUFFER *alloc, ALLOCATEMORE *more,
                    ULONG *c, LPSPropValue *props)
{
    *c = 0;
    *props = NULL;
    sqlite3_stmt *st = ab_db_stmt(d, "SELECT count(*) FROM props WHERE entry = ?");
    if (!st)
        return ab_db_hr(sqlite3_errcode(d->db));
    sqlite3_bind_int64(st, 1, id);
    ULONG n = sqlite3_step(st) == SQLITE_ROW ? (ULONG)sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    LPSPropValue v;
    if (alloc((n ? n : 1) * sizeof *v, (void **)&v) != S_OK)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    st = ab_db_stmt(d, "SELECT tag, val FROM props WHERE entry = ? ORDER BY tag");
    if (!st) {
        MAPIFreeBuffer(v);
        return ab_db_hr(sqlite3_errcode(d->db));
    }
    sqlite3_bind_int64(st, 1, id);
    ULONG i = 0;
    HRESULT hr = S_OK;
    int rc;
    while (i < n && (rc = sqlite3_step(st)) == SQLITE_ROW)
        if (FAILED(hr = column_value(st, more, v, &v[i++])))
            break;
    sqlite3_finalize(st);
    if (FAILED(hr)) {
        MAPIFreeBuffer(v);
        return hr;
    }
    *c = i;
    *props = v;
    return S_OK;
}

HRESULT ab_db_put(ab_db *d, sqlite3_int64 *id, ULONG type, int identity, ULONG c,
                  const SPropValue *props, char *err, size_t cberr)
{
    char *name = ab_prop_str(ab_find(props, c, PR_DISPLAY_NAME_W));
    char *atype = ab_prop_str(ab_find(props, c, PR_ADDRTYPE_W));
    char *email = ab_prop_str(ab_find(props, c, PR_EMAIL_ADDRESS_W));
    HRESULT hr = S_OK;
    int rc;
    sqlite3_stmt *st = NULL;
    if (*id == 0)
        st = ab_db_stmt(d, "INSERT INTO entries(type, name, addrtype, email, identity)"
                           " VALUES(?1, ?2, ?3, ?4, ?5)");
    else
        st = ab_db_stmt(d, "UPDATE entries SET type = ?1, name = ?2, addrtype = ?3, email = ?4,"
                           " identity = ?5 WHERE id = ?6");
    if (!st) {
        hr = ab_db_hr(sqlite3_errcode(d->db));
        goto out;
    }
    sqlite3_bind_int(st, 1, (int)type);
    sqlite3_bind_text(st, 2, name ? name : "", -1, SQLITE_STATIC);
    if (atype)
        sqlite3_bind_text(st, 3, atype, -1, SQLITE_STATIC);
    if (email)
        sqlite3_bind_text(st, 4, email, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 5, identity);
    if (*id)
        sqlite3_bind_int64(st, 6, *id);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        hr = ab_db_hr(rc);
        snprintf(err, cberr, "%s: cannot write the entry: %s", d->path, sqlite3_errmsg(d->db));
        goto out;
    }
    if (*id == 0)
        *id = sqlite3_last_insert_rowid(d->db);
    else if (sqlite3_changes(d->db) == 0) {
        hr = MAPI_E_OBJECT_DELETED;
        snprintf(err, cberr, "the entry was deleted meanwhile");
        goto out;
    }
    if ((rc = ab_db_exec_id(d, "DELETE FROM props WHERE entry = ?", *id)) != SQLITE_OK) {
        hr = ab_db_hr(rc);
        snprintf(err, cberr, "%s: %s", d->path, sqlite3_errmsg(d->db));
        goto out;
    }
    st = ab_db_stmt(d, "INSERT OR REPLACE INTO props(entry, tag, val) VALUES(?, ?, ?)");
    if (!st) {
        hr = ab_db_hr(sqlite3_errcode(d->db));
        goto out;
    }
    for (ULONG i = 0; i < c; i++) {
        ULONG tag = stored_tag(props[i].ulPropTag);
        if (!tag) {
            hr = MAPI_E_INVALID_TYPE;
            snprintf(err, cberr, "property 0x%08X: an address book entry cannot keep this type",
                     (unsigned)props[i].ulPropTag);
            break;
        }
        sqlite3_bind_int64(st, 1, *id);
        sqlite3_bind_int64(st, 2, tag);
        if ((rc = bind_value(st, 3, &props[i])) == SQLITE_OK)
            rc = sqlite3_step(st);
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        if (rc != SQLITE_DONE) {
            hr = rc == SQLITE_NOMEM ? MAPI_E_NOT_ENOUGH_MEMORY : ab_db_hr(rc);
            snprintf(err, cberr, "%s: cannot write property 0x%08X: %s", d->path,
                     (unsigned)props[i].ulPropTag, sqlite3_errmsg(d->db));
            break;
        }
    }
    sqlite3_finalize(st);
out:
    free(name);
    free(atype);
    free(email);
    return hr;
}

HRESULT ab_db_delete(ab_db *d, sqlite3_int64 id)
{
    int rc = ab_db_exec_id(d, "DELETE FROM entries WHERE id = ?", id);
    if (rc != SQLITE_OK)
        return ab_db_hr(rc);
    return sqlite3_changes(d->db) ? S_OK : MAPI_E_NOT_FOUND;
}

