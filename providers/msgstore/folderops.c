/* folderops.c: the folder operations that move or copy whole objects inside one store, as SQL
 * on `objects` and the tables hanging from it: copying a message or folder copies its subtree
 * (properties, big values, recipients, attachments, embedded messages, and with COPY_SUBFOLDERS
 * subfolders); moving changes parents. Each runs in the caller's transaction, under d->lock. */
#include <stdlib.h>
#include <string.h>

#include "ms.h"

static int step(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

/* The ids of the children of id (of any kind, or folders excluded). */
static int children(ms_db *d, sqlite3_int64 id, int folders, sqlite3_int64 **out, size_t *n)
{
    sqlite3_stmt *st = ms_db_stmt(d, "SELECT id, kind FROM objects WHERE parent = ?");
    *out = NULL;
    *n = 0;
    if (st == NULL)
        return sqlite3_errcode(d->db);
    sqlite3_bind_int64(st, 1, id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (!folders && sqlite3_column_int(st, 1) == MAPI_FOLDER)
            continue;
        sqlite3_int64 *m = realloc(*out, (*n + 1) * sizeof *m);
        if (m == NULL) {
            sqlite3_reset(st);
            return SQLITE_NOMEM;
        }
        *out = m;
        m[(*n)++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int ms_copy_tree(ms_db *d, sqlite3_int64 from, sqlite3_int64 parent, int folders,
                 sqlite3_int64 *newid, int depth)
{
    if (depth > 256)
        return SQLITE_CORRUPT; /* a cycle in the store: refuse rather than recurse for ever */
    sqlite3_stmt *st = ms_db_stmt(d, "INSERT INTO objects(kind, parent, num)"
                                     " SELECT kind, ?, num FROM objects WHERE id = ?");
    if (st == NULL)
        return sqlite3_errcode(d->db);
    sqlite3_bind_int64(st, 1, parent);
    sqlite3_bind_int64(st, 2, from);
    int rc = step(st);
    if (rc != SQLITE_OK)
        return rc;
    sqlite3_int64 id = sqlite3_last_insert_rowid(d->db);
    if ((rc = ms_props_copy(d, from, id)) != SQLITE_OK)
        return rc;
    st = ms_db_stmt(d, "INSERT INTO recipients(msg, row, props)"
                       " SELECT ?, row, props FROM recipients WHERE msg = ?");
    if (st == NULL)
        return sqlite3_errcode(d->db);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, from);
    if ((rc = step(st)) != SQLITE_OK)
        return rc;
    /* A message of a folder has its index row, in its new folder. */
    st = ms_db_stmt(d, "INSERT INTO messages(id, folder, assoc, delivery_time, subject, sender,"
                       " message_class, flags, status, size) SELECT ?, ?, assoc, delivery_time,"
                       " subject, sender, message_class, flags, status, size FROM messages"
                       " WHERE id = ?");
    if (st == NULL)
        return sqlite3_errcode(d->db);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, parent);
    sqlite3_bind_int64(st, 3, from);
    if ((rc = step(st)) != SQLITE_OK)
        return rc;
    sqlite3_int64 *kids = NULL;
    size_t n = 0;
    if ((rc = children(d, from, folders, &kids, &n)) != SQLITE_OK)
        return rc;
    for (size_t i = 0; rc == SQLITE_OK && i < n; i++) {
        sqlite3_int64 ignored;
        rc = ms_copy_tree(d, kids[i], id, folders, &ignored, depth + 1);
    }
    free(kids);
    *newid = id;
    return rc;
}

int ms_move_object(ms_db *d, sqlite3_int64 id, sqlite3_int64 parent)
{
    sqlite3_stmt *st = ms_db_stmt(d, "UPDATE objects SET parent = ? WHERE id = ?");
    if (st == NULL)
        return sqlite3_errcode(d->db);
    sqlite3_bind_int64(st, 1, parent);
    sqlite3_bind_int64(st, 2, id);
    int rc = step(st);
    if (rc != SQLITE_OK)
        return rc;
    st = ms_db_stmt(d, "UPDATE messages SET folder = ? WHERE id = ?");
    if (st == NULL)
        return sqlite3_errcode(d->db);
    sqlite3_bind_int64(st, 1, parent);
    sqlite3_bind_int64(st, 2, id);
    return step(st);
}

int ms_is_within(ms_db *d, sqlite3_int64 id, sqlite3_int64 ancestor, int *within)
{
    *within = 0;
    for (int depth = 0; id && depth < 256; depth++) {
        if (id == ancestor) {
            *within = 1;
            return SQLITE_OK;
        }
        sqlite3_stmt *st = ms_db_stmt(d, "SELECT parent FROM objects WHERE id = ?");
        if (st == NULL)
            return sqlite3_errcode(d->db);
        sqlite3_bind_int64(st, 1, id);
        int rc = sqlite3_step(st);
        id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        sqlite3_reset(st);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            return rc;
    }
    return SQLITE_OK;
}

int ms_set_flags(ms_db *d, sqlite3_int64 msg, LONG set, LONG clear)
{
    sqlite3_stmt *st = ms_db_stmt(d, "UPDATE messages SET flags = (flags & ~?) | ? WHERE id = ?");
    if (st == NULL)
        return sqlite3_errcode(d->db);
    sqlite3_bind_int(st, 1, clear);
    sqlite3_bind_int(st, 2, set);
    sqlite3_bind_int64(st, 3, msg);
    int rc = step(st);
    if (rc != SQLITE_OK)
        return rc;
    /* The property row follows the index row. */
    st = ms_db_stmt(d, "INSERT OR REPLACE INTO props(obj, id, type, val)"
                       " SELECT id, 0x0E07, 3, flags FROM messages WHERE id = ?");
    if (st == NULL)
        return sqlite3_errcode(d->db);
    sqlite3_bind_int64(st, 1, msg);
    return step(st);
}

int ms_set_status(ms_db *d, sqlite3_int64 msg, ULONG status, ULONG mask, ULONG *old)
{
    sqlite3_stmt *st = ms_db_stmt(d, "SELECT status FROM messages WHERE id = ?");
    if (st == NULL)
        return sqlite3_errcode(d->db);
    sqlite3_bind_int64(st, 1, msg);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? SQLITE_NOTFOUND : rc;
    }
    *old = (ULONG)sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    if (mask == 0)
        return SQLITE_OK;
    st = ms_db_stmt(d, "UPDATE messages SET status = ? WHERE id = ?");
    if (st == NULL)
        return sqlite3_errcode(d->db);
    sqlite3_bind_int(st, 1, (int)((*old & ~mask) | (status & mask)));
    sqlite3_bind_int64(st, 2, msg);
    if ((rc = step(st)) != SQLITE_OK)
        return rc;
    st = ms_db_stmt(d, "INSERT OR REPLACE INTO props(obj, id, type, val)"
                       " SELECT id, 0x0E17, 3, status FROM messages WHERE id = ?");
    if (st == NULL)
        return sqlite3_errcode(d->db);
    sqlite3_bind_int64(st, 1, msg);
    return step(st);
}

int ms_folder_undo_create(struct ms_store *s, sqlite3_int64 id)
{
    pthread_mutex_lock(&s->db->lock);
    int rc = ms_db_begin(s->db);
    if (rc == SQLITE_OK)
        rc = ms_db_exec_ids(s->db, "DELETE FROM objects WHERE id = ?", 1, &id);
    rc = ms_db_end(s->db, rc);
    pthread_mutex_unlock(&s->db->lock);
    return rc;
}
