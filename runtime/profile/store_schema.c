/* store_schema.c: the profile store's schema, its version and the migrations between versions.
 *
 * The file is marked with application_id 'MAPR' and the schema version in user_version. A
 * version this library does not know yet (written by a newer mapirt) is refused with
 * MAPI_E_VERSION rather than half-understood; an older one is migrated, step by step, inside
 * the opening transaction, so a migration is complete or not done at all. */
#include <stdio.h>
#include <string.h>

#include <mapicode.h>

#include "store_internal.h"

#define APPLICATION_ID 0x4D415052 /* 'MAPR' = 1296126034, as written below */

/* Version 1. Section UIDs and service/provider UIDs are 16-byte BLOBs; a profile's sections,
 * services and providers go with it (ON DELETE CASCADE). */
static const char SCHEMA_V1[] =
    /* name: NFC as written; name_key: the comparison key (profname.h) */
    "CREATE TABLE profile ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  name_key TEXT NOT NULL UNIQUE,"
    "  is_default INTEGER NOT NULL DEFAULT 0,"
    "  is_app INTEGER NOT NULL DEFAULT 0,"
    "  delete_pending INTEGER NOT NULL DEFAULT 0,"
    "  search_key BLOB NOT NULL UNIQUE);"
    "CREATE UNIQUE INDEX profile_one_default ON profile(is_default) WHERE is_default = 1;"
    /* every PR_SEARCH_KEY ever given, so none is given twice even after its profile is gone */
    "CREATE TABLE issued_search_key (key BLOB PRIMARY KEY) WITHOUT ROWID;"
    "CREATE TABLE section ("
    "  profile INTEGER NOT NULL REFERENCES profile(id) ON DELETE CASCADE,"
    "  uid BLOB NOT NULL CHECK (length(uid) = 16),"
    "  PRIMARY KEY (profile, uid)) WITHOUT ROWID;"
    /* value: INTEGER, REAL, TEXT (PT_STRING8) or an encoded BLOB (propcodec.c), by type */
    "CREATE TABLE prop ("
    "  profile INTEGER NOT NULL,"
    "  section BLOB NOT NULL,"
    "  id INTEGER NOT NULL,"
    "  type INTEGER NOT NULL,"
    "  value,"
    "  PRIMARY KEY (profile, section, id),"
    "  FOREIGN KEY (profile, section) REFERENCES section(profile, uid) ON DELETE CASCADE"
    ") WITHOUT ROWID;"
    "CREATE TABLE service ("
    "  profile INTEGER NOT NULL,"
    "  uid BLOB NOT NULL,"
    "  name TEXT NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  PRIMARY KEY (profile, uid),"
    "  FOREIGN KEY (profile, uid) REFERENCES section(profile, uid) ON DELETE CASCADE"
    ") WITHOUT ROWID;"
    /* kind: 0 provider, 1 extra section; seq: the provider order (transport order) */
    "CREATE TABLE provider ("
    "  profile INTEGER NOT NULL,"
    "  uid BLOB NOT NULL,"
    "  service BLOB NOT NULL,"
    "  kind INTEGER NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  PRIMARY KEY (profile, uid),"
    "  FOREIGN KEY (profile, service) REFERENCES service(profile, uid) ON DELETE CASCADE,"
    "  FOREIGN KEY (profile, uid) REFERENCES section(profile, uid) ON DELETE CASCADE"
    ") WITHOUT ROWID;"
    "CREATE INDEX provider_by_service ON provider(profile, service);";

/* MIGRATIONS[i] takes a store from version i + 1 to i + 2 (none yet: version 1 is the first). */
static const char *const MIGRATIONS[] = {NULL};
#define NMIGRATIONS 0

static HRESULT pragma_int(mapirt_ps_tx *tx, const char *sql, int *out)
{
    sqlite3_int64 v = 0;
    HRESULT hr = mapirt_ps_query_int(tx, sql, &v);
    if (SUCCEEDED(hr))
        *out = (int)v;
    return hr;
}

static HRESULT exec(mapirt_ps_tx *tx, const char *sql)
{
    int rc = sqlite3_exec(tx->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? S_OK : mapirt_ps_sqlfail(tx, rc);
}

HRESULT mapirt_ps_schema_ensure(mapirt_ps_tx *tx)
{
    int version, appid, objects;
    HRESULT hr;

    (void)MIGRATIONS;
    if (FAILED(hr = pragma_int(tx, "PRAGMA user_version", &version)) ||
        FAILED(hr = pragma_int(tx, "PRAGMA application_id", &appid)) ||
        FAILED(hr = pragma_int(tx, "SELECT count(*) FROM sqlite_master", &objects)))
        return hr;
    if (version == 0 && appid == 0 && objects == 0) {
        if (sqlite3_db_readonly(tx->db, "main"))
            return mapirt_ps_fail(tx, MAPI_E_NO_ACCESS,
                                  "%s: the profile store is read-only and empty", tx->path);
        if (FAILED(hr = exec(tx, SCHEMA_V1)) ||
            FAILED(hr = exec(tx, "PRAGMA application_id = 1296126034; PRAGMA user_version = 1")))
            return hr;
        return S_OK;
    }
    if (appid != APPLICATION_ID)
        return mapirt_ps_fail(tx, MAPI_E_CORRUPT_DATA, "%s is not a mapirt profile store",
                              tx->path);
    if (version > MAPIRT_PROFSTORE_SCHEMA)
        return mapirt_ps_fail(tx, MAPI_E_VERSION,
                              "%s was written by a newer mapirt (profile store schema %d; this "
                              "library knows up to %d)",
                              tx->path, version, MAPIRT_PROFSTORE_SCHEMA);
    if (version < 1)
        return mapirt_ps_fail(tx, MAPI_E_CORRUPT_DATA, "%s has no schema version", tx->path);
    for (int v = version; v < MAPIRT_PROFSTORE_SCHEMA && v - 1 < NMIGRATIONS; v++) {
        char sql[64];
        if (sqlite3_db_readonly(tx->db, "main"))
            return mapirt_ps_fail(tx, MAPI_E_NO_ACCESS,
                                  "%s needs an upgrade to schema %d but is read-only", tx->path,
                                  MAPIRT_PROFSTORE_SCHEMA);
        if (FAILED(hr = exec(tx, MIGRATIONS[v - 1])))
            return hr;
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
        if (FAILED(hr = exec(tx, sql)))
            return hr;
    }
    return S_OK;
}

HRESULT mapirt_ps_schema_current(mapirt_ps_tx *tx)
{
    int version, appid;
    HRESULT hr;
    if (FAILED(hr = pragma_int(tx, "PRAGMA user_version", &version)) ||
        FAILED(hr = pragma_int(tx, "PRAGMA application_id", &appid)))
        return hr;
    if (appid != APPLICATION_ID || version != MAPIRT_PROFSTORE_SCHEMA)
        return mapirt_ps_fail(tx, MAPI_E_VERSION, "%s: its schema changed", tx->path);
    return S_OK;
}
