/* store_internal.h: what the store_*.c files share (not used outside the profile store). */
#ifndef MAPIRT_PROFILE_STORE_INTERNAL_H
#define MAPIRT_PROFILE_STORE_INTERNAL_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>

#include "store.h"

#define PS_STMT_CACHE 64

struct mapirt_profstore {
    atomic_uint ref;
    pthread_mutex_t mu; /* one operation at a time on the connection */
    sqlite3 *db;
    char *path;
    struct {
        const char *sql; /* cached by the address of a static SQL string */
        sqlite3_stmt *st;
    } cache[PS_STMT_CACHE];
    /* the running operation's message buffer */
    char *err;
    size_t cberr;
    HRESULT last_hr; /* the code of the last failure recorded */
};

/* A prepared statement for sql (a string literal: cached by its address), reset and with its
 * bindings cleared; NULL on failure (recorded in the transaction). */
sqlite3_stmt *mapirt_ps_prepare(mapirt_ps_tx *tx, const char *sql);
/* Maps an SQLite failure to its MAPI code and records "path: message". */
HRESULT mapirt_ps_sqlfail(mapirt_ps_tx *tx, int rc);
/* The code recorded with the last failure (what a NULL from mapirt_ps_prepare means). */
static inline HRESULT mapirt_ps_last(mapirt_ps_tx *tx)
{
    return tx->last_hr;
}
/* Steps a statement expected to finish (INSERT/UPDATE/DELETE) and resets it. */
HRESULT mapirt_ps_exec(mapirt_ps_tx *tx, sqlite3_stmt *st);
HRESULT mapirt_ps_oom(mapirt_ps_tx *tx);

/* schema (store_schema.c): creates or migrates the schema; run inside a write transaction. */
HRESULT mapirt_ps_schema_ensure(mapirt_ps_tx *tx);

#endif
