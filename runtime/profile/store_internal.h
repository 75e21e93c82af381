/* store_internal.h: what the store_*.c files share (not used outside the profile store). */
#ifndef MAPIRT_PROFILE_STORE_INTERNAL_H
#define MAPIRT_PROFILE_STORE_INTERNAL_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>

#include "store.h"

#define PS_STMT_CACHE 64
#define MAPIRT_PS_KEYBYTES 32

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
    int have_key;    /* the key sealing secure properties (secret.c) */
    unsigned char key[MAPIRT_PS_KEYBYTES];
    /* set by a failure that may have left the connection unusable (I/O, corruption): the
     * process's kept store (store_cache.c) is then opened afresh */
    atomic_int broken;
    sqlite3_int64 data_version; /* PRAGMA data_version when the schema was last checked */
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
/* The integer in the first column of the one row sql (a string literal) answers: a PRAGMA's
 * value, a count. */
HRESULT mapirt_ps_query_int(mapirt_ps_tx *tx, const char *sql, sqlite3_int64 *out);
HRESULT mapirt_ps_oom(mapirt_ps_tx *tx);

/* secure properties (secret.c): the store's key, read or made beside the database (*have 0
 * when it can be neither: a read-only store); sealing a value (MAPI_E_NO_ACCESS without a key);
 * opening one (0, -1 when it does not open with this key, -2 out of memory). */
HRESULT mapirt_ps_key_load(const char *dbpath, unsigned char *key, int *have, char *err,
                           size_t cberr);
HRESULT mapirt_ps_seal(mapirt_ps_tx *tx, const MAPIUID *section, ULONG tag,
                       const unsigned char *plain, size_t n, unsigned char **out, size_t *outlen);
int mapirt_ps_unseal(mapirt_ps_tx *tx, const MAPIUID *section, ULONG tag,
                     const unsigned char *in, size_t n, unsigned char **out, size_t *outlen);

/* values as bytes (propcodec.c), what is sealed */
HRESULT mapirt_propcodec_bytes(const SPropValue *v, unsigned char **out, size_t *len);
HRESULT mapirt_propcodec_from_bytes(ULONG tag, const unsigned char *b, size_t n, void *parent,
                                    SPropValue *out);

/* schema (store_schema.c): creates or migrates the schema; run inside a write transaction. */
HRESULT mapirt_ps_schema_ensure(mapirt_ps_tx *tx);
/* S_OK when the schema is this library's own version, a failure when anything else. */
HRESULT mapirt_ps_schema_current(mapirt_ps_tx *tx);

#endif
