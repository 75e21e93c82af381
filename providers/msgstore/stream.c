/* stream.c: big property values in chunks of `streams` (MS_CHUNK bytes each), so that no
 * single row holds a whole attachment and reading can go piece by piece. */
#include <string.h>

#include "ms.h"

int ms_stream_store(ms_db *d, sqlite3_int64 obj, ULONG tag, const BYTE *data, size_t size)
{
    sqlite3_stmt *st = ms_db_stmt(d, "DELETE FROM streams WHERE obj = ? AND id = ?");
    if (st == NULL)
        return sqlite3_errcode(d->db);
    sqlite3_bind_int64(st, 1, obj);
    sqlite3_bind_int(st, 2, (int)PROP_ID(tag));
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return rc;
    for (size_t at = 0, seq = 0; at < size; at += MS_CHUNK, seq++) {
        size_t n = size - at < MS_CHUNK ? size - at : MS_CHUNK;
        st = ms_db_stmt(d, "INSERT INTO streams(obj, id, seq, data) VALUES(?, ?, ?, ?)");
        if (st == NULL)
            return sqlite3_errcode(d->db);
        sqlite3_bind_int64(st, 1, obj);
        sqlite3_bind_int(st, 2, (int)PROP_ID(tag));
        sqlite3_bind_int64(st, 3, (sqlite3_int64)seq);
        sqlite3_bind_blob64(st, 4, data + at, n, SQLITE_STATIC);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            return rc;
    }
    return SQLITE_OK;
}
