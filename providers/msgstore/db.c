/* db.c: one store is one SQLite database (WAL mode): opening, the schema and its migrations,
 * the standard folders of a new store, transactions and cached statements.
 * configure: link -lsqlite3
 *
 * PRAGMA application_id marks the file as a store and PRAGMA user_version holds the schema
 * version: a file of another application, or of a newer schema, is refused with
 * MAPI_E_CORRUPT_STORE rather than changed. Migrations run in one transaction each, so an
 * interrupted upgrade leaves the previous version intact. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "ms.h"

#define MS_APPLICATION_ID 0x4D41504D /* "MAPM" */

/* Schema version 1. The `messages` columns mirror the properties contents tables sort and
 * filter on (README.md: the SQL-backed contents table pushes restrictions and sorts down to
 * them); every property, those included, is also a row of `props`. */
static const char SCHEMA_1[] =
    "CREATE TABLE store_meta(key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID;"
    "CREATE TABLE objects("
    "  id INTEGER PRIMARY KEY,"
    "  kind INTEGER NOT NULL,"
    "  parent INTEGER REFERENCES objects(id) ON DELETE CASCADE,"
    "  num INTEGER);"
    "CREATE INDEX objects_parent ON objects(parent, kind, num);"
    "CREATE TABLE props("
    "  obj INTEGER NOT NULL REFERENCES objects(id) ON DELETE CASCADE,"
    "  id INTEGER NOT NULL,"
    "  type INTEGER NOT NULL,"
    "  val,"
    "  big INTEGER,"
    "  PRIMARY KEY(obj, id)) WITHOUT ROWID;"
    "CREATE TABLE streams("
    "  obj INTEGER NOT NULL REFERENCES objects(id) ON DELETE CASCADE,"
    "  id INTEGER NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  data BLOB NOT NULL,"
    "  UNIQUE(obj, id, seq));"
    "CREATE TABLE messages("
    "  id INTEGER PRIMARY KEY REFERENCES objects(id) ON DELETE CASCADE,"
    "  folder INTEGER NOT NULL,"
    "  assoc INTEGER NOT NULL DEFAULT 0,"
    "  delivery_time INTEGER,"
    "  subject TEXT,"
    "  sender TEXT,"
    "  message_class TEXT,"
    "  flags INTEGER NOT NULL DEFAULT 0,"
    "  status INTEGER NOT NULL DEFAULT 0,"
    "  size INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX messages_time ON messages(folder, assoc, delivery_time);"
    "CREATE INDEX messages_subject ON messages(folder, assoc, subject COLLATE NOCASE);"
    "CREATE TABLE recipients("
    "  msg INTEGER NOT NULL REFERENCES objects(id) ON DELETE CASCADE,"
    "  row INTEGER NOT NULL,"
    "  props BLOB NOT NULL,"
    "  PRIMARY KEY(msg, row)) WITHOUT ROWID;"
    "CREATE TABLE receive_folders("
    "  class TEXT PRIMARY KEY COLLATE NOCASE,"
    "  folder INTEGER NOT NULL REFERENCES objects(id) ON DELETE CASCADE,"
    "  modified INTEGER NOT NULL);"
    "CREATE TABLE named_props("
    "  id INTEGER PRIMARY KEY,"
    "  guid BLOB NOT NULL,"
    "  kind INTEGER NOT NULL,"
    "  lid INTEGER,"
    "  name TEXT,"
    "  UNIQUE(guid, kind, lid, name));"
    "CREATE TABLE outgoing("
    "  msg INTEGER PRIMARY KEY REFERENCES objects(id) ON DELETE CASCADE,"
    "  submitted INTEGER NOT NULL,"
    "  locked INTEGER NOT NULL DEFAULT 0);";

/* Version 2: subjects are indexed in the runtime's string order (collate.c), which contents
 * tables sort by, instead of SQLite's ASCII-only NOCASE; and delivery time descending (the
 * usual view) has an index of its own, since equal keys keep their order of arrival (id
 * ascending) in both directions, which reading the ascending index backwards does not give. */
static const char SCHEMA_2[] =
    "DROP INDEX messages_subject;"
    "CREATE INDEX messages_subject ON messages(folder, assoc, subject COLLATE MAPIRT);"
    "CREATE INDEX messages_time_desc ON messages(folder, assoc, delivery_time DESC, id);";

/* Version 3: robustness across processes (docs/decisions.md).
 * outgoing.owner: who holds a locked queue row (lockowner.c), so that a lock dies with its
 * holder. deliveries: the delivery keys of messages a transport delivered (delivery.c), written
 * with the message, so a crash between the save and the transport's bookkeeping (a Maildir file
 * leaving new/) never delivers twice. changes: the store's notifications for the other
 * processes (and connections) on the store (xproc.c). */
static const char SCHEMA_3[] =
    "ALTER TABLE outgoing ADD COLUMN owner TEXT;"
    "CREATE TABLE deliveries("
    "  key TEXT PRIMARY KEY,"
    "  msg INTEGER NOT NULL,"
    "  at INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE changes("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  origin BLOB NOT NULL,"
    "  at INTEGER NOT NULL,"
    "  events BLOB NOT NULL);";

/* migrations[v] takes a store from version v to v + 1. */
static const char *const MIGRATIONS[] = {SCHEMA_1, SCHEMA_2, SCHEMA_3};
#define SCHEMA_VERSION ((int)(sizeof MIGRATIONS / sizeof MIGRATIONS[0]))

HRESULT ms_db_hr(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
        return S_OK;
    case SQLITE_FULL: /* no room: ENOSPC, EFBIG, EDQUOT (vfs.c) */
        return MAPI_E_NOT_ENOUGH_DISK;
    case SQLITE_IOERR:
        return MAPI_E_DISK_ERROR;
    case SQLITE_NOMEM:
        return MAPI_E_NOT_ENOUGH_MEMORY;
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_AUTH:
        return MAPI_E_NO_ACCESS;
    case SQLITE_CANTOPEN:
        return MAPI_E_NOT_FOUND;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return MAPI_E_CORRUPT_STORE;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return MAPI_E_BUSY;
    case SQLITE_TOOBIG:
        return MAPI_E_TOO_BIG;
    default:
        return MAPI_E_CALL_FAILED;
    }
}

sqlite3_stmt *ms_db_stmt(ms_db *d, const char *sql)
{
    sqlite3_stmt *st = NULL;
    /* SQLITE_PREPARE_PERSISTENT: statements are kept and reused for the connection's life. */
    for (;;) {
        st = sqlite3_next_stmt(d->db, st);
        if (st == NULL)
            break;
        if (sqlite3_sql(st) == sql || strcmp(sqlite3_sql(st), sql) == 0) {
            if (!sqlite3_stmt_busy(st)) {
                sqlite3_reset(st);
                sqlite3_clear_bindings(st);
                return st;
            }
        }
    }
    if (sqlite3_prepare_v3(d->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
        return NULL;
    return st;
}

int ms_db_begin(ms_db *d)
{
    return sqlite3_exec(d->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
}

int ms_db_commit(ms_db *d)
{
    int rc = sqlite3_exec(d->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK && !sqlite3_get_autocommit(d->db))
        ms_db_rollback(d);
    return rc;
}

void ms_db_rollback(ms_db *d)
{
    if (!sqlite3_get_autocommit(d->db))
        sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
}

int ms_db_end(ms_db *d, int rc)
{
    if (rc == SQLITE_OK)
        return ms_db_commit(d);
    ms_db_rollback(d);
    return rc;
}

int ms_db_exec_ids(ms_db *d, const char *sql, int n, const sqlite3_int64 *ids)
{
    sqlite3_stmt *st = ms_db_stmt(d, sql);
    if (st == NULL)
        return sqlite3_errcode(d->db);
    for (int i = 0; i < n; i++)
        sqlite3_bind_int64(st, i + 1, ids[i]);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int ms_db_new_object(ms_db *d, int kind, sqlite3_int64 parent, sqlite3_int64 *id)
{
    sqlite3_stmt *st = ms_db_stmt(d, "INSERT INTO objects(kind, parent) VALUES(?, ?)");
    if (st == NULL)
        return sqlite3_errcode(d->db);
    sqlite3_bind_int(st, 1, kind);
    if (parent)
        sqlite3_bind_int64(st, 2, parent);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return rc;
    *id = sqlite3_last_insert_rowid(d->db);
    return SQLITE_OK;
}

/* ---- the standard folders of a new store ----------------------------------------------- */

struct stdfolder {
    sqlite3_int64 id, parent;
    ULONG type;
    const char *name, *cls;
};

static const struct stdfolder STD_FOLDERS[] = {
    {MS_OBJ_ROOT, 0, FOLDER_ROOT, "", NULL},
    {MS_OBJ_IPM_SUBTREE, MS_OBJ_ROOT, FOLDER_GENERIC, "Top of Information Store", NULL},
    {MS_OBJ_INBOX, MS_OBJ_IPM_SUBTREE, FOLDER_GENERIC, "Inbox", "IPF.Note"},
    {MS_OBJ_OUTBOX, MS_OBJ_IPM_SUBTREE, FOLDER_GENERIC, "Outbox", "IPF.Note"},
    {MS_OBJ_SENT, MS_OBJ_IPM_SUBTREE, FOLDER_GENERIC, "Sent Items", "IPF.Note"},
    {MS_OBJ_DELETED, MS_OBJ_IPM_SUBTREE, FOLDER_GENERIC, "Deleted Items", "IPF.Note"},
};

static int put_prop(ms_db *d, sqlite3_int64 obj, const SPropValue *p)
{
    sqlite3_stmt *st =
        ms_db_stmt(d, "INSERT OR REPLACE INTO props(obj, id, type, val) VALUES(?, ?, ?, ?)");
    if (st == NULL)
        return sqlite3_errcode(d->db);
    sqlite3_bind_int64(st, 1, obj);
    sqlite3_bind_int(st, 2, (int)PROP_ID(p->ulPropTag));
    sqlite3_bind_int(st, 3, (int)PROP_TYPE(p->ulPropTag));
    int rc = ms_bind_value(st, 4, p);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int create_store(ms_db *d)
{
    int rc = SQLITE_OK;
    sqlite3_stmt *st;
    if (getrandom(d->uid.ab, sizeof d->uid.ab, 0) != (ssize_t)sizeof d->uid.ab)
        return SQLITE_IOERR;
    st = ms_db_stmt(d, "INSERT INTO store_meta(key, value) VALUES('uid', ?)");
    if (st == NULL)
        return sqlite3_errcode(d->db);
    sqlite3_bind_blob(st, 1, d->uid.ab, 16, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return rc;
    st = ms_db_stmt(d, "INSERT INTO objects(id, kind, parent) VALUES(?, ?, ?)");
    if (st == NULL)
        return sqlite3_errcode(d->db);
    sqlite3_bind_int64(st, 1, MS_OBJ_STORE);
    sqlite3_bind_int(st, 2, MAPI_STORE);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    for (size_t i = 0; rc == SQLITE_DONE && i < sizeof STD_FOLDERS / sizeof STD_FOLDERS[0]; i++) {
        const struct stdfolder *f = &STD_FOLDERS[i];
        st = ms_db_stmt(d, "INSERT INTO objects(id, kind, parent) VALUES(?, ?, ?)");
        if (st == NULL)
            return sqlite3_errcode(d->db);
        sqlite3_bind_int64(st, 1, f->id);
        sqlite3_bind_int(st, 2, MAPI_FOLDER);
        if (f->parent)
            sqlite3_bind_int64(st, 3, f->parent);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            break;
        SPropValue v[3];
        memset(v, 0, sizeof v);
        v[0].ulPropTag = PR_DISPLAY_NAME_A;
        v[0].Value.lpszA = (LPSTR)f->name;
        v[1].ulPropTag = PR_FOLDER_TYPE;
        v[1].Value.l = (LONG)f->type;
        v[2].ulPropTag = PR_CONTAINER_CLASS_A;
        v[2].Value.lpszA = (LPSTR)f->cls;
        for (int k = 0; k < (f->cls ? 3 : 2); k++)
            if ((rc = put_prop(d, f->id, &v[k])) != SQLITE_OK)
                return rc;
        rc = SQLITE_DONE;
    }
    if (rc != SQLITE_DONE)
        return rc;
    /* Ids below MS_OBJ_FIRST_FREE are reserved for well-known objects. */
    st = ms_db_stmt(d, "INSERT INTO objects(id, kind) VALUES(?, 0)");
    sqlite3_bind_int64(st, 1, MS_OBJ_FIRST_FREE - 1);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return rc;
    /* Receive folders: every class goes to the Inbox unless told otherwise; IPC to the root. */
    static const char *const classes[][2] = {{"", "4"}, {"IPM", "4"}, {"IPC", "2"}};
    for (size_t i = 0; i < 3; i++) {
        st = ms_db_stmt(d, "INSERT INTO receive_folders(class, folder, modified) "
                           "VALUES(?, ?, strftime('%s','now'))");
        sqlite3_bind_text(st, 1, classes[i][0], -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, atoi(classes[i][1]));
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            return rc;
    }
    return SQLITE_OK;
}

static int pragma_int(sqlite3 *db, const char *sql, int *out)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int(st, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

/* Brings the schema to SCHEMA_VERSION; a new file also gets its store. */
static HRESULT migrate(ms_db *d, char *err, size_t cberr)
{
    int version = 0, appid = 0, rc;
    if ((rc = pragma_int(d->db, "PRAGMA application_id", &appid)) != SQLITE_OK ||
        (rc = pragma_int(d->db, "PRAGMA user_version", &version)) != SQLITE_OK) {
        snprintf(err, cberr, "%s: %s", d->path, sqlite3_errmsg(d->db));
        return ms_db_hr(rc) == MAPI_E_CALL_FAILED ? MAPI_E_CORRUPT_STORE : ms_db_hr(rc);
    }
    if ((appid != 0 && appid != MS_APPLICATION_ID) || (appid == 0 && version != 0)) {
        snprintf(err, cberr, "%s is not a mapirt message store", d->path);
        return MAPI_E_CORRUPT_STORE;
    }
    if (version > SCHEMA_VERSION) {
        snprintf(err, cberr, "%s has schema version %d; this provider knows up to %d", d->path,
                 version, SCHEMA_VERSION);
        return MAPI_E_CORRUPT_STORE;
    }
    while (version < SCHEMA_VERSION) {
        char sql[64];
        if ((rc = ms_db_begin(d)) != SQLITE_OK)
            break;
        /* Another process may have migrated meanwhile: read again under the write lock. */
        if ((rc = pragma_int(d->db, "PRAGMA user_version", &version)) != SQLITE_OK ||
            version >= SCHEMA_VERSION) {
            ms_db_rollback(d);
            break;
        }
        if (version == 0) {
            int n = 0;
            if ((rc = pragma_int(d->db, "SELECT count(*) FROM sqlite_schema", &n)) != SQLITE_OK)
                goto fail;
            if (n != 0) {
                ms_db_rollback(d);
                snprintf(err, cberr, "%s is not a mapirt message store (it has tables)", d->path);
                return MAPI_E_CORRUPT_STORE;
            }
        }
        if ((rc = sqlite3_exec(d->db, MIGRATIONS[version], NULL, NULL, NULL)) != SQLITE_OK)
            goto fail;
        if (version == 0) {
            snprintf(sql, sizeof sql, "PRAGMA application_id = %d", MS_APPLICATION_ID);
            if ((rc = sqlite3_exec(d->db, sql, NULL, NULL, NULL)) != SQLITE_OK ||
                (rc = create_store(d)) != SQLITE_OK)
                goto fail;
        }
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", version + 1);
        if ((rc = sqlite3_exec(d->db, sql, NULL, NULL, NULL)) != SQLITE_OK)
            goto fail;
        if ((rc = ms_db_commit(d)) != SQLITE_OK)
            break;
        version++;
        continue;
    fail:
        snprintf(err, cberr, "%s: creating or upgrading the schema: %s", d->path,
                 sqlite3_errmsg(d->db));
        ms_db_rollback(d);
        return ms_db_hr(rc);
    }
    if (rc != SQLITE_OK) {
        snprintf(err, cberr, "%s: %s", d->path, sqlite3_errmsg(d->db));
        return ms_db_hr(rc);
    }
    return S_OK;
}

static HRESULT read_uid(ms_db *d, char *err, size_t cberr)
{
    sqlite3_stmt *st = ms_db_stmt(d, "SELECT value FROM store_meta WHERE key = 'uid'");
    int ok = st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 16;
    if (ok)
        memcpy(d->uid.ab, sqlite3_column_blob(st, 0), 16);
    if (st)
        sqlite3_reset(st);
    if (!ok) {
        snprintf(err, cberr, "%s: the store has no identity (store_meta.uid)", d->path);
        return MAPI_E_CORRUPT_STORE;
    }
    return S_OK;
}

HRESULT ms_db_open(const char *path, int create, ms_db **out, char *err, size_t cberr)
{
    ms_db *d = calloc(1, sizeof *d);
    HRESULT hr;
    int rc;
    *out = NULL;
    if (d == NULL || (d->path = strdup(path)) == NULL) {
        free(d);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    pthread_mutex_init(&d->lock, NULL);
    /* this connection's identity: lock owner (lockowner.c) and origin of its changes (xproc.c) */
    if (getrandom(d->conn, sizeof d->conn, 0) != (ssize_t)sizeof d->conn) {
        free(d->path);
        free(d);
        return MAPI_E_CALL_FAILED;
    }
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
    rc = sqlite3_open_v2(path, &d->db, flags, ms_vfs());
    if (rc != SQLITE_OK) {
        snprintf(err, cberr, "%s: %s", path, d->db ? sqlite3_errmsg(d->db) : "cannot open");
        hr = ms_db_hr(rc);
        if (!create && rc == SQLITE_CANTOPEN && access(path, F_OK) != 0)
            hr = MAPI_E_NOT_FOUND;
        goto fail;
    }
    sqlite3_extended_result_codes(d->db, 0);
    if ((rc = ms_collate_register(d->db)) != SQLITE_OK) {
        snprintf(err, cberr, "%s: registering the collation: %s", path, sqlite3_errmsg(d->db));
        hr = ms_db_hr(rc);
        goto fail;
    }
    /* Another process (or connection) writing waits up to 10 s before MAPI_E_BUSY. */
    sqlite3_busy_timeout(d->db, 10000);
    int wal = 0;
    sqlite3_stmt *st;
    if ((rc = sqlite3_prepare_v2(d->db, "PRAGMA journal_mode = WAL", -1, &st, NULL)) ==
        SQLITE_OK) {
        if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            wal = strcmp((const char *)sqlite3_column_text(st, 0), "wal") == 0;
            rc = SQLITE_OK;
        }
        sqlite3_finalize(st);
    }
    if (rc != SQLITE_OK || !wal) {
        snprintf(err, cberr, "%s: %s", path,
                 rc != SQLITE_OK ? sqlite3_errmsg(d->db) : "cannot use write-ahead logging");
        hr = rc == SQLITE_OK ? MAPI_E_CALL_FAILED : ms_db_hr(rc);
        if (hr == MAPI_E_CALL_FAILED && rc == SQLITE_NOTADB)
            hr = MAPI_E_CORRUPT_STORE;
        goto fail;
    }
    /* A saved message survives a crash of the process and of the machine. */
    sqlite3_exec(d->db, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON", NULL, NULL, NULL);
    if (FAILED(hr = migrate(d, err, cberr)) || FAILED(hr = read_uid(d, err, cberr)))
        goto fail;
    /* Values of open objects not yet saved (stage.c): a file of the connection's own that
     * SQLite removes as soon as it is created, so nothing outlives the process. */
    rc = sqlite3_exec(d->db,
                      "PRAGMA temp_store = FILE;"
                      "CREATE TEMP TABLE stage(h INTEGER NOT NULL, seq INTEGER NOT NULL,"
                      " data BLOB NOT NULL, PRIMARY KEY(h, seq)) WITHOUT ROWID",
                      NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, cberr, "%s: creating the staging table: %s", path, sqlite3_errmsg(d->db));
        hr = ms_db_hr(rc);
        goto fail;
    }
    *out = d;
    return S_OK;
fail:
    ms_db_close(d);
    return hr;
}

void ms_db_close(ms_db *d)
{
    if (d == NULL)
        return;
    if (d->db) {
        sqlite3_stmt *st;
        while ((st = sqlite3_next_stmt(d->db, NULL)) != NULL)
            sqlite3_finalize(st);
        sqlite3_close(d->db);
    }
    pthread_mutex_destroy(&d->lock);
    free(d->stages);
    free(d->path);
    free(d);
}
