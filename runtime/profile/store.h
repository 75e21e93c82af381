/* store.h (internal): the profile store, on SQLite.
 *
 * One database file holds every profile of the user: each profile's services and providers
 * and every profile section as a property bag keyed by MAPIUID (store_schema.c has the schema
 * and its migrations). Where it is: MAPIRT_PROFILES (the database file, or a directory to hold
 * profiles.db), else $XDG_CONFIG_HOME/mapirt/profiles.db, else ~/.config/mapirt/profiles.db;
 * directories are created 0700 and the file 0600.
 *
 * Every change is one SQLite transaction (BEGIN IMMEDIATE ... COMMIT): all of it or none, also
 * when the process is killed in the middle (the previous state stays). Profile sections are not
 * transacted in MAPI, so each SetProps / DeleteProps / CopyTo of a section commits by itself.
 * Two processes can edit at once: the write lock is waited for (busy timeout) and nothing is
 * lost; readers never block (WAL). Reads are always of the committed state, so a change saved
 * anywhere is seen by every section opened afterwards (a live store).
 *
 * Compound changes (create a profile with its well-known sections, add a service with its
 * providers) run as one transaction through mapirt_profstore_write with the mapirt_ps_*
 * primitives; the mapirt_profstore_* functions below are single-operation conveniences.
 * Every function returns the MAPI code of its failure and, when err is not NULL, a message
 * ("profile 'X' already exists", "/path/profiles.db: database or disk is full"):
 *   MAPI_E_NOT_ENOUGH_MEMORY, MAPI_E_NOT_ENOUGH_DISK (SQLITE_FULL), MAPI_E_NO_ACCESS (read-only
 *   file or directory), MAPI_E_BUSY (another process held the lock past the timeout),
 *   MAPI_E_CORRUPT_DATA (not a profile store), MAPI_E_VERSION (written by a newer mapirt),
 *   MAPI_E_DISK_ERROR (I/O), and each operation's own (MAPI_E_NOT_FOUND, MAPI_E_NO_ACCESS...). */
#ifndef MAPIRT_PROFILE_STORE_H
#define MAPIRT_PROFILE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <mapidefs.h>

#include "profname.h"

typedef struct mapirt_profstore mapirt_profstore;
/* The store inside a transaction: what the mapirt_ps_* primitives work on. */
typedef struct mapirt_profstore mapirt_ps_tx;

/* Current schema version (store_schema.c). */
#define MAPIRT_PROFSTORE_SCHEMA 1

/* Opens (creating when needed) the store at path, or at the default place when path is NULL.
 * The handle is reference counted and thread-safe (one operation at a time). */
HRESULT mapirt_profstore_open(const char *path, mapirt_profstore **out, char *err, size_t cberr);
void mapirt_profstore_addref(mapirt_profstore *ps);
void mapirt_profstore_release(mapirt_profstore *ps);
/* The store at the default place (mapirt_profstore_default_path), as MAPILogonEx and
 * MAPIAdminProfiles open it: the process keeps the last one open between uses, with its SQLite
 * connection, prepared statements and key, and hands it out again while it is still the same
 * store (store_cache.c has the rule). Release it as any handle. */
HRESULT mapirt_profstore_open_default(mapirt_profstore **out, char *err, size_t cberr);
/* Whether another connection committed since the schema was last checked (*changed), and if
 * so whether the schema still is this library's (S_OK) or not (a failure: open the store
 * anew, which migrates it or says why not). A store whose connection failed on I/O or found
 * corruption is MAPI_E_DISK_ERROR here. */
HRESULT mapirt_profstore_recheck(mapirt_profstore *ps, int *changed, char *err, size_t cberr);
/* The database file's path. */
const char *mapirt_profstore_path(const mapirt_profstore *ps);
/* Where the store is when no path is given (err explains a failure). */
HRESULT mapirt_profstore_default_path(char *buf, size_t cb, char *err, size_t cberr);

/* Runs fn inside one write transaction (BEGIN IMMEDIATE): committed when fn succeeds (a
 * warning counts as success), rolled back when it fails. fn's failure code is returned; a
 * failed commit returns the store's. fn must not call mapirt_profstore_write/read itself. */
HRESULT mapirt_profstore_write(mapirt_profstore *ps, HRESULT (*fn)(mapirt_ps_tx *tx, void *ctx),
                               void *ctx, char *err, size_t cberr);
/* The same in a read transaction: a consistent view, nothing written. */
HRESULT mapirt_profstore_read(mapirt_profstore *ps, HRESULT (*fn)(mapirt_ps_tx *tx, void *ctx),
                              void *ctx, char *err, size_t cberr);
/* Records a failure message for the running transaction (printf-style); returns hr. */
HRESULT mapirt_ps_fail(mapirt_ps_tx *tx, HRESULT hr, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- profiles (store_profiles.c) ------------------------------------------------------ */

typedef int64_t mapirt_profile_id;

typedef struct mapirt_profile_info {
    mapirt_profile_id id;
    char name[MAPIRT_PROFNAME_MAX + 1]; /* UTF-8, NFC */
    int is_default;
    int is_app;         /* created with MAPI_APP_PROFILE */
    int delete_pending; /* deleted while in use: gone once its last session ends */
    BYTE search_key[16];
} mapirt_profile_info;

/* Finds a profile by name (any spelling that compares equal: profname.h). MAPI_E_NOT_FOUND
 * when there is none, or when it is pending deletion. Invalid names are MAPI_E_NOT_FOUND too
 * (no such profile can exist). */
HRESULT mapirt_ps_profile_find(mapirt_ps_tx *tx, const char *name, mapirt_profile_info *info);
HRESULT mapirt_ps_profile_get(mapirt_ps_tx *tx, mapirt_profile_id id, mapirt_profile_info *info);
/* Every profile not pending deletion, in name order; *out from mapirt_malloc (mapirt_free). */
HRESULT mapirt_ps_profile_list(mapirt_ps_tx *tx, mapirt_profile_info **out, ULONG *count);
/* Creates an empty profile with its well-known sections (MUID_PROFILE_INSTANCE holding a
 * PR_SEARCH_KEY never issued before by this store). MAPI_E_INVALID_PARAMETER for a bad name,
 * MAPI_E_NO_ACCESS when the name is taken. */
HRESULT mapirt_ps_profile_create(mapirt_ps_tx *tx, const char *name, int is_app,
                                 mapirt_profile_id *id);
/* Deletes a profile with everything in it. */
HRESULT mapirt_ps_profile_delete(mapirt_ps_tx *tx, mapirt_profile_id id);
/* Marks or unmarks a profile as deleted-when-unused (hidden from find and list meanwhile). */
HRESULT mapirt_ps_profile_mark_deleted(mapirt_ps_tx *tx, mapirt_profile_id id, int pending);
HRESULT mapirt_ps_profile_rename(mapirt_ps_tx *tx, mapirt_profile_id id, const char *name);
/* A full copy (services, providers, sections) under a new name; the copy gets its own search
 * key. */
HRESULT mapirt_ps_profile_copy(mapirt_ps_tx *tx, mapirt_profile_id id, const char *name,
                               int is_app, mapirt_profile_id *new_id);
/* Makes id the default profile (0 clears the default). App profiles cannot be the default
 * (MAPI_E_CALL_FAILED, as documented). */
HRESULT mapirt_ps_profile_set_default(mapirt_ps_tx *tx, mapirt_profile_id id);

/* ---- sections and their properties (store_sections.c) --------------------------------- */

/* S_OK when the section exists, MAPI_E_NOT_FOUND when not. */
HRESULT mapirt_ps_section_exists(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *uid);
/* Creates an empty section (S_OK also when it exists). */
HRESULT mapirt_ps_section_create(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *uid);
HRESULT mapirt_ps_section_delete(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *uid);
/* Every property of a section, secure ones included, sorted by property ID: one
 * MAPIAllocateBuffer block (MAPIFreeBuffer). MAPI_E_NOT_FOUND when the section does not exist. */
HRESULT mapirt_ps_props_get(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *uid,
                            ULONG *cValues, LPSPropValue *lppProps);
/* Stores values (replacing any of the same ID, whatever its type). PT_ERROR, PT_NULL,
 * PT_OBJECT and PT_UNSPECIFIED values, and named-property IDs, are refused
 * (MAPI_E_INVALID_TYPE / MAPI_E_INVALID_PARAMETER: the caller screens them first). The section
 * is created when missing. */
HRESULT mapirt_ps_props_set(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *uid,
                            ULONG cValues, const SPropValue *lpProps);
/* Removes properties by ID; *lpcMissing (optional) counts those that were not there. */
HRESULT mapirt_ps_props_delete(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *uid,
                               const SPropTagArray *tags, ULONG *lpcMissing);

/* Secure properties (PROP_ID_SECURE_MIN..MAX): left out of GetProps(NULL) and GetPropList. */
#define MAPIRT_PROP_IS_SECURE(tag) \
    (PROP_ID(tag) >= PROP_ID_SECURE_MIN && PROP_ID(tag) <= PROP_ID_SECURE_MAX)

/* ---- services and providers (store_services.c) ----------------------------------------- */

enum { MAPIRT_PS_PROVIDER = 0, MAPIRT_PS_EXTRA = 1 };

typedef struct mapirt_ps_service {
    MAPIUID uid;
    char name[256]; /* PR_SERVICE_NAME (the catalog's [Services] key) */
} mapirt_ps_service;

typedef struct mapirt_ps_provider {
    MAPIUID uid;
    MAPIUID service;
    int kind;    /* MAPIRT_PS_PROVIDER or MAPIRT_PS_EXTRA */
    ULONG order; /* 0-based position among the profile's providers (PR_PROVIDER_ORDINAL) */
} mapirt_ps_provider;

/* Adds a service whose section (uid) exists or is created; services keep the order they were
 * added in. */
HRESULT mapirt_ps_service_add(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *uid,
                              const char *name);
/* Removes a service, its providers and extra sections, and all their sections. */
HRESULT mapirt_ps_service_delete(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *uid);
/* Services in order; *out from mapirt_malloc. */
HRESULT mapirt_ps_service_list(mapirt_ps_tx *tx, mapirt_profile_id id, mapirt_ps_service **out,
                               ULONG *count);
HRESULT mapirt_ps_service_get(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *uid,
                              mapirt_ps_service *out);
/* Adds a provider or extra section of a service (its section created when missing), last in
 * the provider order. */
HRESULT mapirt_ps_provider_add(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *service,
                               const MAPIUID *uid, int kind);
HRESULT mapirt_ps_provider_delete(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *uid);
/* Providers of one service (service != NULL) or of the whole profile, in provider order. */
HRESULT mapirt_ps_provider_list(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *service,
                                mapirt_ps_provider **out, ULONG *count);
/* Puts the given providers first, in this order, the others after them in their old order
 * (MsgServiceTransportOrder). */
HRESULT mapirt_ps_provider_reorder(mapirt_ps_tx *tx, mapirt_profile_id id, ULONG cUID,
                                   const MAPIUID *uids);

/* ---- single-operation conveniences ------------------------------------------------------ */

HRESULT mapirt_profstore_create_profile(mapirt_profstore *ps, const char *name, int is_app,
                                        mapirt_profile_id *id, char *err, size_t cberr);
HRESULT mapirt_profstore_find_profile(mapirt_profstore *ps, const char *name,
                                      mapirt_profile_info *info, char *err, size_t cberr);
HRESULT mapirt_profstore_get_props(mapirt_profstore *ps, mapirt_profile_id id,
                                   const MAPIUID *uid, ULONG *cValues, LPSPropValue *lppProps,
                                   char *err, size_t cberr);
HRESULT mapirt_profstore_set_props(mapirt_profstore *ps, mapirt_profile_id id,
                                   const MAPIUID *uid, ULONG cValues, const SPropValue *lpProps,
                                   char *err, size_t cberr);
HRESULT mapirt_profstore_delete_props(mapirt_profstore *ps, mapirt_profile_id id,
                                      const MAPIUID *uid, const SPropTagArray *tags,
                                      ULONG *lpcMissing, char *err, size_t cberr);

/* ---- property values in SQLite (propcodec.c) -------------------------------------------- */

struct sqlite3_stmt;
/* Binds v's value to parameter i of stmt (INTEGER, REAL, TEXT or an encoded BLOB). */
HRESULT mapirt_propcodec_bind(struct sqlite3_stmt *stmt, int i, const SPropValue *v);
/* Reads column col of the current row as a value of type ulType into out, allocating with
 * MAPIAllocateMore on parent. MAPI_E_CORRUPT_DATA when the column does not hold such a value. */
HRESULT mapirt_propcodec_column(struct sqlite3_stmt *stmt, int col, ULONG ulPropTag, void *parent,
                                SPropValue *out);

#endif
