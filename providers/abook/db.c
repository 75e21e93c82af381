/* db.c: one address book in one SQLite file: schema and migrations, WAL, the entries, their
 * properties and the members of lists. Every write is one transaction (BEGIN IMMEDIATE), so a
 * process killed in the middle of SaveChanges leaves the entry as it was before or as saved.
 * configure: link -lsqlite3 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "ab.h"

#define AB_SCHEMA 1
/* application_id: "mABk", so that a store or profile file is told apart from an address book. */
#define AB_APP_ID 0x6d41426b

static const char schema_v1[] =
    "CREATE TABLE meta(k TEXT PRIMARY KEY, v) WITHOUT ROWID;"
    /* AUTOINCREMENT: ids (inside entry IDs) are never reused for another entry */
    "CREATE TABLE entries(id INTEGER PRIMARY KEY AUTOINCREMENT, type INTEGER NOT NULL,"
    " name TEXT NOT NULL DEFAULT '', addrtype TEXT, email TEXT,"
    " identity INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX entries_name ON entries(name COLLATE NOCASE);"
    "CREATE INDEX entries_email ON entries(email COLLATE NOCASE);"
    "CREATE TABLE props(entry INTEGER NOT NULL REFERENCES entries(id) ON DELETE CASCADE,"
    " tag INTEGER NOT NULL, val, PRIMARY KEY(entry, tag)) WITHOUT ROWID;"
    "CREATE TABLE members(list INTEGER NOT NULL REFERENCES entries(id) ON DELETE CASCADE,"
    " pos INTEGER NOT NULL, entry INTEGER REFERENCES entries(id) ON DELETE CASCADE,"
    " name TEXT, addrtype TEXT, email TEXT, eid BLOB, PRIMARY KEY(list, pos));"
    "CREATE INDEX members_entry ON members(entry);";

HRESULT ab_db_hr(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
        return S_OK;
    case SQLITE_NOMEM:
        return MAPI_E_NOT_ENOUGH_MEMORY;
    case SQLITE_FULL:
    case SQLITE_IOERR:
        return MAPI_E_DISK_ERROR;
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
        return MAPI_E_NO_ACCESS;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return MAPI_E_BUSY;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return MAPI_E_CORRUPT_DATA;
    default:
        return MAPI_E_CALL_FAILED;
    }
}

sqlite3_stmt *ab_db_stmt(ab_db *d, const char *sql)
{
    sqlite3_stmt *st = NULL;
    /* SQLITE_PREPARE_PERSISTENT + sqlite3's own statement cache would do; the statements are few
     * and prepared per call: simpler lifetimes, no cache to invalidate on schema change. */
    if (sqlite3_prepare_v2(d->db, sql, -1, &st, NULL) != SQLITE_OK)
        return NULL;
    return st;
}

int ab_db_begin(ab_db *d) { return sqlite3_exec(d->db, "BEGIN IMMEDIATE", NULL, NULL, NULL); }
int ab_db_commit(ab_db *d) { return sqlite3_exec(d->db, "COMMIT", NULL, NULL, NULL); }
void ab_db_rollback(ab_db *d)
{
    if (!sqlite3_get_autocommit(d->db))
        sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
}

static HRESULT fail(sqlite3 *db, int rc, const char *path, const char *what, char *err,
                    size_t cberr)
{
    snprintf(err, cberr, "%s: %s: %s", path, what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    return ab_db_hr(rc);
}

/* Creates the schema and the book's MAPIUID, or checks what is there. */
static HRESULT prepare(ab_db *d, char *err, size_t cberr)
{
    sqlite3_stmt *st = NULL;
    int rc = ab_db_begin(d);
    if (rc != SQLITE_OK)
        return fail(d->db, rc, d->path, "cannot open", err, cberr);
    int version = -1, app = 0;
    if (sqlite3_prepare_v2(d->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (sqlite3_prepare_v2(d->db, "PRAGMA application_id", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        app = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (version < 0) {
        rc = sqlite3_errcode(d->db);
        ab_db_rollback(d);
        return fail(d->db, rc, d->path, "not an address book", err, cberr);
    }
    if (version == 0) {
        int tables = 0;
        if (sqlite3_prepare_v2(d->db, "SELECT count(*) FROM sqlite_master", -1, &st, NULL) ==
                SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            tables = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        if (tables || app) {
            ab_db_rollback(d);
            snprintf(err, cberr, "%s: not an address book (a database of something else)",
                     d->path);
            return MAPI_E_CORRUPT_DATA;
        }
        MAPIUID uid;
        if (getrandom(uid.ab, sizeof uid.ab, 0) != (ssize_t)sizeof uid.ab) {
            ab_db_rollback(d);
            snprintf(err, cberr, "%s: no random bytes for the address book's MAPIUID", d->path);
            return MAPI_E_CALL_FAILED;
        }
        char sql[96];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d; PRAGMA application_id = %d;",
                 AB_SCHEMA, AB_APP_ID);
        if ((rc = sqlite3_exec(d->db, schema_v1, NULL, NULL, NULL)) != SQLITE_OK ||
            (rc = sqlite3_exec(d->db, sql, NULL, NULL, NULL)) != SQLITE_OK ||
            (rc = sqlite3_prepare_v2(d->db, "INSERT INTO meta VALUES('uid', ?)", -1, &st,
                                     NULL)) != SQLITE_OK) {
            HRESULT hr = fail(d->db, rc, d->path, "cannot create the address book", err, cberr);
            ab_db_rollback(d);
            return hr;
        }
        sqlite3_bind_blob(st, 1, uid.ab, 16, SQLITE_STATIC);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE) {
            HRESULT hr = fail(d->db, rc, d->path, "cannot create the address book", err, cberr);
            ab_db_rollback(d);
            return hr;
        }
        version = AB_SCHEMA;
        app = AB_APP_ID;
    }
    if (app != AB_APP_ID) {
        ab_db_rollback(d);
        snprintf(err, cberr, "%s: not an address book (application_id 0x%08x)", d->path,
                 (unsigned)app);
        return MAPI_E_CORRUPT_DATA;
    }
    if (version > AB_SCHEMA) {
        ab_db_rollback(d);
        snprintf(err, cberr, "%s: written by a newer version (schema %d; this one knows %d)",
                 d->path, version, AB_SCHEMA);
        return MAPI_E_CORRUPT_DATA;
    }
    /* (migrations from older schemas go here, one step per version) */
    int ok = 0;
    if (sqlite3_prepare_v2(d->db, "SELECT v FROM meta WHERE k = 'uid'", -1, &st, NULL) ==
            SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 16) {
        memcpy(d->uid.ab, sqlite3_column_blob(st, 0), 16);
        ok = 1;
    }
    sqlite3_finalize(st);
    if (!ok) {
        ab_db_rollback(d);
        snprintf(err, cberr, "%s: the address book has lost its MAPIUID", d->path);
        return MAPI_E_CORRUPT_DATA;
    }
    if ((rc = ab_db_commit(d)) != SQLITE_OK) {
        ab_db_rollback(d);
        return fail(d->db, rc, d->path, "cannot open", err, cberr);
    }
    return S_OK;
}

HRESULT ab_db_open(const char *path, ab_db **out, char *err, size_t cberr)
{
    *out = NULL;
    ab_db *d = calloc(1, sizeof *d);
    if (!d || !(d->path = strdup(path))) {
        free(d);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    if (pthread_mutex_init(&d->lock, NULL) != 0) {
        free(d->path);
        free(d);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    int rc = sqlite3_open_v2(path, &d->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             NULL);
    HRESULT hr = S_OK;
    if (rc != SQLITE_OK) {
        hr = fail(d->db, rc, path, "cannot open", err, cberr);
        goto bad;
    }
    sqlite3_busy_timeout(d->db, 10000);
    /* WAL: readers in other processes never block a writer; synchronous=FULL: a committed
     * SaveChanges survives a power cut, not only a killed process. */
    rc = sqlite3_exec(d->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                             " PRAGMA foreign_keys=ON;",
                      NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        hr = fail(d->db, rc, path, "not an address book", err, cberr);
        goto bad;
    }
    if (FAILED(hr = prepare(d, err, cberr)))
        goto bad;
    *out = d;
    return S_OK;
bad:
    ab_db_close(d);
    return hr;
}

void ab_db_close(ab_db *d)
{
    if (!d)
        return;
    sqlite3_close_v2(d->db);
    pthread_mutex_destroy(&d->lock);
    free(d->path);
    free(d);
}

/* ---- rows ---- */

static char *col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? strdup((const char *)t) : NULL;
}

void ab_row_free(ab_row *r)
{
    free(r->name);
    free(r->addrtype);
    free(r->email);
    memset(r, 0, sizeof *r);
}

void ab_rows_free(ab_row *r, size_t n)
{
    for (size_t i = 0; r && i < n; i++)
        ab_row_free(&r[i]);
    free(r);
}

static HRESULT read_row(sqlite3_stmt *st, ab_row *r)
{
    r->id = sqlite3_column_int64(st, 0);
    r->type = (ULONG)sqlite3_column_int(st, 1);
    r->name = col_text(st, 2);
    r->addrtype = col_text(st, 3);
    r->email = col_text(st, 4);
    r->identity = sqlite3_column_int(st, 5);
    if (!r->name || (sqlite3_column_type(st, 3) != SQLITE_NULL && !r->addrtype) ||
        (sqlite3_column_type(st, 4) != SQLITE_NULL && !r->email)) {
        ab_row_free(r);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    return S_OK;
}

#define ROW_COLS "id, type, name, addrtype, email, identity"

HRESULT ab_db_rows(ab_db *d, ab_row **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = ab_db_stmt(d, "SELECT " ROW_COLS " FROM entries ORDER BY id");
    if (!st)
        return ab_db_hr(sqlite3_errcode(d->db));
    ab_row *r = NULL;
    size_t c = 0, cap = 0;
    HRESULT hr = S_OK;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (c == cap) {
            cap = cap ? 2 * cap : 64;
            ab_row *nr = realloc(r, cap * sizeof *nr);
            if (!nr) {
                hr = MAPI_E_NOT_ENOUGH_MEMORY;
                break;
            }
            r = nr;
        }
        if (FAILED(hr = read_row(st, &r[c])))
            break;
        c++;
    }
    if (hr == S_OK && rc != SQLITE_DONE)
        hr = ab_db_hr(rc);
    sqlite3_finalize(st);
    if (FAILED(hr)) {
        ab_rows_free(r, c);
        return hr;
    }
    *out = r;
    *n = c;
    return S_OK;
}

HRESULT ab_db_row(ab_db *d, sqlite3_int64 id, ab_row *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = ab_db_stmt(d, "SELECT " ROW_COLS " FROM entries WHERE id = ?");
    if (!st)
        return ab_db_hr(sqlite3_errcode(d->db));
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    HRESULT hr = rc == SQLITE_ROW ? read_row(st, out)
               : rc == SQLITE_DONE ? (HRESULT)MAPI_E_NOT_FOUND : ab_db_hr(rc);
    sqlite3_finalize(st);
    return hr;
}

sqlite3_int64 ab_db_identity(ab_db *d)
{
    sqlite3_int64 id = 0;
    sqlite3_stmt *st = ab_db_stmt(d, "SELECT id FROM entries WHERE identity = 1 LIMIT 1");
    if (st && sqlite3_step(st) == SQLITE_ROW)
        id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return id;
}

/* ---- property values ---- */

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

static int exec_id(ab_db *d, const char *sql, sqlite3_int64 id)
{
    sqlite3_stmt *st = ab_db_stmt(d, sql);
    if (!st)
        return sqlite3_errcode(d->db);
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
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
    if ((rc = exec_id(d, "DELETE FROM props WHERE entry = ?", *id)) != SQLITE_OK) {
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
    int rc = exec_id(d, "DELETE FROM entries WHERE id = ?", id);
    if (rc != SQLITE_OK)
        return ab_db_hr(rc);
    return sqlite3_changes(d->db) ? S_OK : MAPI_E_NOT_FOUND;
}

/* ---- members ---- */

void ab_members_free(ab_member *m, size_t n)
{
    for (size_t i = 0; m && i < n; i++) {
        free(m[i].name);
        free(m[i].addrtype);
        free(m[i].email);
        free(m[i].eid);
    }
    free(m);
}

HRESULT ab_db_members(ab_db *d, sqlite3_int64 list, ab_member **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = ab_db_stmt(d, "SELECT entry, name, addrtype, email, eid FROM members"
                                     " WHERE list = ? ORDER BY pos");
    if (!st)
        return ab_db_hr(sqlite3_errcode(d->db));
    sqlite3_bind_int64(st, 1, list);
    ab_member *m = NULL;
    size_t c = 0;
    HRESULT hr = S_OK;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        ab_member *nm = realloc(m, (c + 1) * sizeof *nm);
        if (!nm) {
            hr = MAPI_E_NOT_ENOUGH_MEMORY;
            break;
        }
        m = nm;
        ab_member *x = &m[c++];
        memset(x, 0, sizeof *x);
        x->entry = sqlite3_column_int64(st, 0);
        x->name = col_text(st, 1);
        x->addrtype = col_text(st, 2);
        x->email = col_text(st, 3);
        int cb = sqlite3_column_bytes(st, 4);
        if (cb > 0 && (x->eid = malloc((size_t)cb)) != NULL) {
            memcpy(x->eid, sqlite3_column_blob(st, 4), (size_t)cb);
            x->cbeid = (ULONG)cb;
        }
    }
    if (hr == S_OK && rc != SQLITE_DONE)
        hr = ab_db_hr(rc);
    sqlite3_finalize(st);
    if (FAILED(hr)) {
        ab_members_free(m, c);
        return hr;
    }
    *out = m;
    *n = c;
    return S_OK;
}

HRESULT ab_db_put_members(ab_db *d, sqlite3_int64 list, const ab_member *m, size_t n)
{
    int rc = exec_id(d, "DELETE FROM members WHERE list = ?", list);
    if (rc != SQLITE_OK)
        return ab_db_hr(rc);
    sqlite3_stmt *st = ab_db_stmt(d, "INSERT INTO members(list, pos, entry, name, addrtype,"
                                     " email, eid) VALUES(?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        return ab_db_hr(sqlite3_errcode(d->db));
    HRESULT hr = S_OK;
    for (size_t i = 0; i < n && hr == S_OK; i++) {
        sqlite3_bind_int64(st, 1, list);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
        if (m[i].entry) {
            sqlite3_bind_int64(st, 3, m[i].entry);
        } else {
            sqlite3_bind_text(st, 4, m[i].name ? m[i].name : "", -1, SQLITE_STATIC);
            if (m[i].addrtype)
                sqlite3_bind_text(st, 5, m[i].addrtype, -1, SQLITE_STATIC);
            if (m[i].email)
                sqlite3_bind_text(st, 6, m[i].email, -1, SQLITE_STATIC);
            if (m[i].eid)
                sqlite3_bind_blob(st, 7, m[i].eid, (int)m[i].cbeid, SQLITE_STATIC);
        }
        rc = sqlite3_step(st);
        /* a member entry deleted since the list was opened: it leaves the list */
        if (rc == SQLITE_CONSTRAINT)
            rc = SQLITE_DONE;
        if (rc != SQLITE_DONE)
            hr = ab_db_hr(rc);
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    }
    sqlite3_finalize(st);
    return hr;
}

/* The lists reached from `from` through members (from itself excluded unless in a loop). */
#define REACH_CTE                                                                              \
    "WITH RECURSIVE r(id) AS (SELECT entry FROM members WHERE list = ?1 AND entry IS NOT NULL" \
    " UNION SELECT m.entry FROM members m JOIN r ON m.list = r.id WHERE m.entry IS NOT NULL) "

int ab_db_reaches(ab_db *d, sqlite3_int64 from, sqlite3_int64 to)
{
    sqlite3_stmt *st = ab_db_stmt(d, REACH_CTE "SELECT 1 FROM r WHERE id = ?2");
    if (!st)
        return 0;
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, to);
    int yes = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return yes;
}

HRESULT ab_db_expand(ab_db *d, sqlite3_int64 list, sqlite3_int64 **ids, size_t *n)
{
    *ids = NULL;
    *n = 0;
    /* UNION (not UNION ALL) keeps each id once, which also ends the recursion in a loop */
    sqlite3_stmt *st = ab_db_stmt(d, REACH_CTE "SELECT e.id FROM r JOIN entries e ON e.id = r.id"
                                               " WHERE e.type = ?2 ORDER BY e.id");
    if (!st)
        return ab_db_hr(sqlite3_errcode(d->db));
    sqlite3_bind_int64(st, 1, list);
    sqlite3_bind_int(st, 2, MAPI_MAILUSER);
    HRESULT hr = S_OK;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        sqlite3_int64 *ni = realloc(*ids, (*n + 1) * sizeof *ni);
        if (!ni) {
            hr = MAPI_E_NOT_ENOUGH_MEMORY;
            break;
        }
        *ids = ni;
        (*ids)[(*n)++] = sqlite3_column_int64(st, 0);
    }
    if (hr == S_OK && rc != SQLITE_DONE)
        hr = ab_db_hr(rc);
    sqlite3_finalize(st);
    if (FAILED(hr)) {
        free(*ids);
        *ids = NULL;
        *n = 0;
    }
    return hr;
}
