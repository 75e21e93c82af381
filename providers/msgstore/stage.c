/* stage.c: big property values in chunks of MS_CHUNK bytes: committed ones in `streams`, the
 * values of open objects not yet saved in the TEMP table `stage` (ms.h). Chunks are whole
 * except the last, so the chunk of an offset is offset / MS_CHUNK. Every function runs under
 * d->lock; none calls into another object. */
#include <stdlib.h>
#include <string.h>

#include "ms.h"

static int step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

int ms_stream_store(ms_db *d, sqlite3_int64 obj, ULONG tag, const BYTE *data, size_t size)
{
    sqlite3_stmt *st = ms_db_stmt(d, "DELETE FROM streams WHERE obj = ? AND id = ?");
    if (st == NULL)
        return sqlite3_errcode(d->db);
    sqlite3_bind_int64(st, 1, obj);
    sqlite3_bind_int(st, 2, (int)PROP_ID(tag));
    int rc = step_done(st);
    for (size_t at = 0, seq = 0; rc == SQLITE_OK && at < size; at += MS_CHUNK, seq++) {
        size_t n = size - at < MS_CHUNK ? size - at : MS_CHUNK;
        st = ms_db_stmt(d, "INSERT INTO streams(obj, id, seq, data) VALUES(?, ?, ?, ?)");
        if (st == NULL)
            return sqlite3_errcode(d->db);
        sqlite3_bind_int64(st, 1, obj);
        sqlite3_bind_int(st, 2, (int)PROP_ID(tag));
        sqlite3_bind_int64(st, 3, (sqlite3_int64)seq);
        sqlite3_bind_blob64(st, 4, data + at, n, SQLITE_STATIC);
        rc = step_done(st);
    }
    return rc;
}

/* ---- stages and their references ---------------------------------------------------------- */

static ms_stage_ref *find(ms_db *d, sqlite3_int64 h)
{
    for (size_t i = 0; i < d->nstages; i++)
        if (d->stages[i].h == h)
            return &d->stages[i];
    return NULL;
}

sqlite3_int64 ms_stage_new(ms_db *d)
{
    if (d->nstages == d->capstages) {
        size_t cap = d->capstages ? d->capstages * 2 : 16;
        ms_stage_ref *n = realloc(d->stages, cap * sizeof *n);
        if (n == NULL)
            return 0;
        d->stages = n;
        d->capstages = cap;
    }
    ms_stage_ref *r = &d->stages[d->nstages++];
    r->h = ++d->next_stage;
    r->refs = 1;
    return r->h;
}

void ms_stage_ref_(ms_db *d, sqlite3_int64 h)
{
    ms_stage_ref *r = find(d, h);
    if (r)
        r->refs++;
}

int ms_stage_shared(ms_db *d, sqlite3_int64 h)
{
    ms_stage_ref *r = find(d, h);
    return r && r->refs > 1;
}

int ms_stage_truncate(ms_db *d, sqlite3_int64 h, sqlite3_int64 seq)
{
    sqlite3_stmt *st = ms_db_stmt(d, "DELETE FROM temp.stage WHERE h = ? AND seq >= ?");
    if (st == NULL)
        return sqlite3_errcode(d->db);
    sqlite3_bind_int64(st, 1, h);
    sqlite3_bind_int64(st, 2, seq);
    return step_done(st);
}

void ms_stage_unref(ms_db *d, sqlite3_int64 h)
{
    ms_stage_ref *r = find(d, h);
    if (r == NULL || --r->refs > 0)
        return;
    *r = d->stages[--d->nstages];
    ms_stage_truncate(d, h, 0);
}

int ms_stage_copy_stage(ms_db *d, sqlite3_int64 dst, sqlite3_int64 src)
{
    sqlite3_stmt *st = ms_db_stmt(d, "INSERT INTO temp.stage(h, seq, data) "
                                     "SELECT ?, seq, data FROM temp.stage WHERE h = ?");
    if (st == NULL)
        return sqlite3_errcode(d->db);
    sqlite3_bind_int64(st, 1, dst);
    sqlite3_bind_int64(st, 2, src);
    return step_done(st);
}

int ms_stage_copy_db(ms_db *d, sqlite3_int64 dst, sqlite3_int64 obj, ULONG propid)
{
    sqlite3_stmt *st = ms_db_stmt(d, "INSERT INTO temp.stage(h, seq, data) "
                                     "SELECT ?, seq, data FROM streams WHERE obj = ? AND id = ?");
    if (st == NULL)
        return sqlite3_errcode(d->db);
    sqlite3_bind_int64(st, 1, dst);
    sqlite3_bind_int64(st, 2, obj);
    sqlite3_bind_int(st, 3, (int)propid);
    return step_done(st);
}

int ms_stage_to_db(ms_db *d, sqlite3_int64 h, sqlite3_int64 obj, ULONG propid)
{
    sqlite3_stmt *st = ms_db_stmt(d, "DELETE FROM streams WHERE obj = ? AND id = ?");
    if (st == NULL)
        return sqlite3_errcode(d->db);
    sqlite3_bind_int64(st, 1, obj);
    sqlite3_bind_int(st, 2, (int)propid);
    int rc = step_done(st);
    if (rc != SQLITE_OK)
        return rc;
    st = ms_db_stmt(d, "INSERT INTO streams(obj, id, seq, data) "
                       "SELECT ?, ?, seq, data FROM temp.stage WHERE h = ?");
    if (st == NULL)
        return sqlite3_errcode(d->db);
    sqlite3_bind_int64(st, 1, obj);
    sqlite3_bind_int(st, 2, (int)propid);
    sqlite3_bind_int64(st, 3, h);
    return step_done(st);
}

int ms_chunk_write(ms_db *d, sqlite3_int64 stage, sqlite3_int64 seq, const BYTE *data, size_t n)
{
    sqlite3_stmt *st = ms_db_stmt(d, "INSERT OR REPLACE INTO temp.stage(h, seq, data) "
                                     "VALUES(?, ?, ?)");
    if (st == NULL)
        return sqlite3_errcode(d->db);
    sqlite3_bind_int64(st, 1, stage);
    sqlite3_bind_int64(st, 2, seq);
    sqlite3_bind_blob64(st, 3, n ? (const void *)data : "", n, SQLITE_STATIC);
    return step_done(st);
}

int ms_stage_put(ms_db *d, sqlite3_int64 h, sqlite3_int64 seq, const BYTE *data, size_t size)
{
    int rc = SQLITE_OK;
    for (size_t at = 0; rc == SQLITE_OK && at < size; at += MS_CHUNK, seq++)
        rc = ms_chunk_write(d, h, seq, data + at, size - at < MS_CHUNK ? size - at : MS_CHUNK);
    return rc;
}

int ms_chunk_read(ms_db *d, sqlite3_int64 stage, sqlite3_int64 obj, ULONG propid,
                  sqlite3_int64 seq, BYTE *out, size_t *n)
{
    sqlite3_stmt *st;
    if (stage) {
        st = ms_db_stmt(d, "SELECT data FROM temp.stage WHERE h = ? AND seq = ?");
        if (st == NULL)
            return sqlite3_errcode(d->db);
        sqlite3_bind_int64(st, 1, stage);
        sqlite3_bind_int64(st, 2, seq);
    } else {
        st = ms_db_stmt(d, "SELECT data FROM streams WHERE obj = ? AND id = ? AND seq = ?");
        if (st == NULL)
            return sqlite3_errcode(d->db);
        sqlite3_bind_int64(st, 1, obj);
        sqlite3_bind_int(st, 2, (int)propid);
        sqlite3_bind_int64(st, 3, seq);
    }
    *n = 0;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        size_t got = (size_t)sqlite3_column_bytes(st, 0);
        if (got > MS_CHUNK)
            got = MS_CHUNK;
        if (got)
            memcpy(out, sqlite3_column_blob(st, 0), got);
        *n = got;
        rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
        rc = SQLITE_OK;
    }
    sqlite3_reset(st);
    return rc;
}
