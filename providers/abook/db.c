/* db.c: one address book in one SQLite file: schema and migrations, WAL, the entries, their
 * properties (their values in SQL: dbvalues.c) and the members of lists. Every write is one transaction (BEGIN IMMEDIATE), so a
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

/* A statement that returns no rows, with one integer parameter; an SQLite code. */
int ab_db_exec_id(ab_db *d, const char *sql, sqlite3_int64 id)
{
    sqlite3_stmt *st = ab_db_stmt(d, sql);
    if (!st)
        return sqlite3_errcode(d->db);
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
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
    int rc = ab_db_exec_id(d, "DELETE FROM members WHERE list = ?", list);
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
