/* store_profiles.c: profiles in the store: find, list, create (with the well-known sections),
 * delete, rename, copy, default. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include <mapicode.h>
#include <mapiguid.h>
#include <mapitags.h>

#include <mapirt/alloc.h>

#include "store_internal.h"

/* Exchange's global profile section (EdkMdb.h's pbGlobalProfileSectionGuid), which clients
 * written for Outlook open in every profile. */
static const MAPIUID GLOBAL_SECTION = {{0x13, 0xDB, 0xB0, 0xC8, 0xAA, 0x05, 0x10, 0x1A, 0x9B,
                                        0xB0, 0x00, 0xAA, 0x00, 0x2F, 0xC4, 0x5A}};

static MAPIUID instance_uid(void)
{
    MAPIUID u;
    memcpy(&u, &MUID_PROFILE_INSTANCE, sizeof u);
    return u;
}

static HRESULT row_info(sqlite3_stmt *st, mapirt_profile_info *info)
{
    const unsigned char *name = sqlite3_column_text(st, 1);
    int n = sqlite3_column_bytes(st, 1);
    const void *key = sqlite3_column_blob(st, 5);
    if (!name)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    if (n > MAPIRT_PROFNAME_MAX || sqlite3_column_bytes(st, 5) != 16 || !key)
        return MAPI_E_CORRUPT_DATA;
    memset(info, 0, sizeof *info);
    info->id = sqlite3_column_int64(st, 0);
    memcpy(info->name, name, (size_t)n);
    info->is_default = sqlite3_column_int(st, 2);
    info->is_app = sqlite3_column_int(st, 3);
    info->delete_pending = sqlite3_column_int(st, 4);
    memcpy(info->search_key, key, 16);
    return S_OK;
}

#define COLS "id, name, is_default, is_app, delete_pending, search_key"

static HRESULT one_row(mapirt_ps_tx *tx, sqlite3_stmt *st, mapirt_profile_info *info,
                       const char *what)
{
    int rc = sqlite3_step(st);
    HRESULT hr;
    if (rc == SQLITE_ROW) {
        hr = row_info(st, info);
        if (hr == MAPI_E_CORRUPT_DATA)
            mapirt_ps_fail(tx, hr, "%s: damaged profile row", tx->path);
    } else if (rc == SQLITE_DONE) {
        hr = mapirt_ps_fail(tx, MAPI_E_NOT_FOUND, "there is no profile %s", what);
    } else {
        hr = mapirt_ps_sqlfail(tx, rc);
    }
    sqlite3_reset(st);
    return hr;
}

HRESULT mapirt_ps_profile_find(mapirt_ps_tx *tx, const char *name, mapirt_profile_info *info)
{
    char canon[MAPIRT_PROFNAME_MAX + 1], key[MAPIRT_PROFKEY_MAX], quoted[96];
    HRESULT hr = mapirt_profname_check(name, canon, key, NULL, 0);
    snprintf(quoted, sizeof quoted, "'%.64s'", name);
    if (hr == MAPI_E_NOT_ENOUGH_MEMORY)
        return mapirt_ps_oom(tx);
    if (FAILED(hr))
        return mapirt_ps_fail(tx, MAPI_E_NOT_FOUND, "there is no profile %s", quoted);
    static const char SQL[] = "SELECT " COLS " FROM profile WHERE name_key = ?";
    sqlite3_stmt *st = mapirt_ps_prepare(tx, SQL);
    if (!st)
        return mapirt_ps_last(tx);
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    return one_row(tx, st, info, quoted);
}

HRESULT mapirt_ps_profile_get(mapirt_ps_tx *tx, mapirt_profile_id id, mapirt_profile_info *info)
{
    static const char SQL[] = "SELECT " COLS " FROM profile WHERE id = ?";
    sqlite3_stmt *st = mapirt_ps_prepare(tx, SQL);
    if (!st)
        return mapirt_ps_last(tx);
    sqlite3_bind_int64(st, 1, id);
    return one_row(tx, st, info, "with this identifier (it was deleted)");
}

HRESULT mapirt_ps_profile_list(mapirt_ps_tx *tx, mapirt_profile_info **out, ULONG *count)
{
    static const char COUNT[] = "SELECT count(*) FROM profile WHERE delete_pending = 0";
    static const char SQL[] =
        "SELECT " COLS " FROM profile WHERE delete_pending = 0 ORDER BY name_key";
    sqlite3_stmt *st = mapirt_ps_prepare(tx, COUNT);
    int rc;
    if (!st)
        return mapirt_ps_last(tx);
    if ((rc = sqlite3_step(st)) != SQLITE_ROW)
        return mapirt_ps_sqlfail(tx, rc);
    ULONG n = (ULONG)sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    mapirt_profile_info *v = mapirt_calloc(n ? n : 1, sizeof *v);
    if (!v)
        return mapirt_ps_oom(tx);
    if (!(st = mapirt_ps_prepare(tx, SQL))) {
        mapirt_free(v);
        return mapirt_ps_last(tx);
    }
    ULONG i = 0;
    HRESULT hr = S_OK;
    while (i < n && (rc = sqlite3_step(st)) == SQLITE_ROW && SUCCEEDED(hr))
        hr = row_info(st, &v[i++]);
    if (SUCCEEDED(hr) && i < n && rc != SQLITE_ROW)
        hr = mapirt_ps_sqlfail(tx, rc);
    sqlite3_reset(st);
    if (FAILED(hr)) {
        mapirt_free(v);
        return hr;
    }
    *out = v;
    *count = i;
    return S_OK;
}

/* A PR_SEARCH_KEY this store has never handed out (random, and checked against every key
 * issued before, deleted profiles' included). */
static HRESULT new_search_key(mapirt_ps_tx *tx, BYTE key[16])
{
    static const char SQL[] = "INSERT OR IGNORE INTO issued_search_key VALUES (?)";
    for (int tries = 0; tries < 16; tries++) {
        if (getrandom(key, 16, 0) != 16)
            return mapirt_ps_fail(tx, MAPI_E_CALL_FAILED, "no random bytes: %s", strerror(errno));
        sqlite3_stmt *st = mapirt_ps_prepare(tx, SQL);
        if (!st)
            return mapirt_ps_last(tx);
        sqlite3_bind_blob(st, 1, key, 16, SQLITE_STATIC);
        HRESULT hr = mapirt_ps_exec(tx, st);
        if (FAILED(hr))
            return hr;
        if (sqlite3_changes(tx->db) == 1)
            return S_OK;
    }
    return mapirt_ps_fail(tx, MAPI_E_CALL_FAILED, "could not draw a new profile search key");
}

static HRESULT check_name(mapirt_ps_tx *tx, const char *name, char *canon, char *key)
{
    char msg[256];
    HRESULT hr = mapirt_profname_check(name, canon, key, msg, sizeof msg);
    if (hr == MAPI_E_NOT_ENOUGH_MEMORY)
        return mapirt_ps_oom(tx);
    if (FAILED(hr))
        return mapirt_ps_fail(tx, hr, "%s", msg);
    return S_OK;
}

/* MAPI_E_NO_ACCESS when another profile (not `self`) uses the key. */
static HRESULT name_free(mapirt_ps_tx *tx, const char *canon, const char *key,
                         mapirt_profile_id self)
{
    static const char SQL[] = "SELECT name FROM profile WHERE name_key = ? AND id != ?";
    sqlite3_stmt *st = mapirt_ps_prepare(tx, SQL);
    if (!st)
        return mapirt_ps_last(tx);
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, self);
    int rc = sqlite3_step(st);
    HRESULT hr = S_OK;
    if (rc == SQLITE_ROW)
        hr = mapirt_ps_fail(tx, MAPI_E_NO_ACCESS, "a profile named '%s' already exists ('%s')",
                            canon, (const char *)sqlite3_column_text(st, 0));
    else if (rc != SQLITE_DONE)
        hr = mapirt_ps_sqlfail(tx, rc);
    sqlite3_reset(st);
    return hr;
}

static HRESULT insert_profile(mapirt_ps_tx *tx, const char *name, int is_app,
                              mapirt_profile_id *id, BYTE key16[16])
{
    char canon[MAPIRT_PROFNAME_MAX + 1], key[MAPIRT_PROFKEY_MAX];
    HRESULT hr;
    if (FAILED(hr = check_name(tx, name, canon, key)) ||
        FAILED(hr = name_free(tx, canon, key, 0)) || FAILED(hr = new_search_key(tx, key16)))
        return hr;
    static const char SQL[] =
        "INSERT INTO profile (name, name_key, is_app, search_key) VALUES (?, ?, ?, ?)";
    sqlite3_stmt *st = mapirt_ps_prepare(tx, SQL);
    if (!st)
        return mapirt_ps_last(tx);
    sqlite3_bind_text(st, 1, canon, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, is_app != 0);
    sqlite3_bind_blob(st, 4, key16, 16, SQLITE_STATIC);
    if (FAILED(hr = mapirt_ps_exec(tx, st)))
        return hr;
    *id = sqlite3_last_insert_rowid(tx->db);
    return S_OK;
}

static HRESULT set_instance_key(mapirt_ps_tx *tx, mapirt_profile_id id, const BYTE key[16])
{
    MAPIUID inst = instance_uid();
    SPropValue v;
    v.ulPropTag = PR_SEARCH_KEY;
    v.dwAlignPad = 0;
    v.Value.bin.cb = 16;
    v.Value.bin.lpb = (LPBYTE)key;
    return mapirt_ps_props_set(tx, id, &inst, 1, &v);
}

HRESULT mapirt_ps_profile_create(mapirt_ps_tx *tx, const char *name, int is_app,
                                 mapirt_profile_id *id)
{
    BYTE key[16];
    HRESULT hr;
    mapirt_profile_id nid;
    if (FAILED(hr = insert_profile(tx, name, is_app, &nid, key)) ||
        FAILED(hr = set_instance_key(tx, nid, key)) ||
        FAILED(hr = mapirt_ps_section_create(tx, nid, &GLOBAL_SECTION)))
        return hr;
    *id = nid;
    return S_OK;
}

HRESULT mapirt_ps_profile_delete(mapirt_ps_tx *tx, mapirt_profile_id id)
{
    static const char SQL[] = "DELETE FROM profile WHERE id = ?";
    sqlite3_stmt *st = mapirt_ps_prepare(tx, SQL);
    if (!st)
        return mapirt_ps_last(tx);
    sqlite3_bind_int64(st, 1, id);
    HRESULT hr = mapirt_ps_exec(tx, st);
    if (SUCCEEDED(hr) && sqlite3_changes(tx->db) == 0)
        hr = mapirt_ps_fail(tx, MAPI_E_NOT_FOUND, "the profile was already deleted");
    return hr;
}

HRESULT mapirt_ps_profile_mark_deleted(mapirt_ps_tx *tx, mapirt_profile_id id, int pending)
{
    /* A profile waiting for its last session gives up its name at once: the name can be
     * reused (its key becomes one no valid name folds to). */
    static const char MARK[] = "UPDATE profile SET delete_pending = 1, is_default = 0, "
                               "name_key = char(1) || id WHERE id = ?";
    static const char UNMARK[] = "UPDATE profile SET delete_pending = 0 WHERE id = ?";
    sqlite3_stmt *st = mapirt_ps_prepare(tx, pending ? MARK : UNMARK);
    if (!st)
        return mapirt_ps_last(tx);
    sqlite3_bind_int64(st, 1, id);
    HRESULT hr = mapirt_ps_exec(tx, st);
    if (SUCCEEDED(hr) && sqlite3_changes(tx->db) == 0)
        hr = mapirt_ps_fail(tx, MAPI_E_NOT_FOUND, "the profile was already deleted");
    return hr;
}

HRESULT mapirt_ps_profile_rename(mapirt_ps_tx *tx, mapirt_profile_id id, const char *name)
{
    char canon[MAPIRT_PROFNAME_MAX + 1], key[MAPIRT_PROFKEY_MAX];
    HRESULT hr;
    if (FAILED(hr = check_name(tx, name, canon, key)) ||
        FAILED(hr = name_free(tx, canon, key, id)))
        return hr;
    static const char SQL[] =
        "UPDATE profile SET name = ?, name_key = ? WHERE id = ? AND delete_pending = 0";
    sqlite3_stmt *st = mapirt_ps_prepare(tx, SQL);
    if (!st)
        return mapirt_ps_last(tx);
    sqlite3_bind_text(st, 1, canon, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, id);
    hr = mapirt_ps_exec(tx, st);
    if (SUCCEEDED(hr) && sqlite3_changes(tx->db) == 0)
        hr = mapirt_ps_fail(tx, MAPI_E_NOT_FOUND, "the profile was deleted");
    return hr;
}

HRESULT mapirt_ps_profile_copy(mapirt_ps_tx *tx, mapirt_profile_id id, const char *name,
                               int is_app, mapirt_profile_id *new_id)
{
    static const char *const COPY[] = {
        "INSERT INTO section (profile, uid) SELECT ?2, uid FROM section WHERE profile = ?1",
        "INSERT INTO prop (profile, section, id, type, value) "
        "SELECT ?2, section, id, type, value FROM prop WHERE profile = ?1",
        "INSERT INTO service (profile, uid, name, seq) "
        "SELECT ?2, uid, name, seq FROM service WHERE profile = ?1",
        "INSERT INTO provider (profile, uid, service, kind, seq) "
        "SELECT ?2, uid, service, kind, seq FROM provider WHERE profile = ?1",
    };
    mapirt_profile_info src;
    BYTE key[16];
    mapirt_profile_id nid;
    HRESULT hr;
    if (FAILED(hr = mapirt_ps_profile_get(tx, id, &src)) ||
        FAILED(hr = insert_profile(tx, name, is_app, &nid, key)))
        return hr;
    for (size_t i = 0; i < sizeof COPY / sizeof COPY[0]; i++) {
        sqlite3_stmt *st = mapirt_ps_prepare(tx, COPY[i]);
        if (!st)
            return mapirt_ps_last(tx);
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, nid);
        if (FAILED(hr = mapirt_ps_exec(tx, st)))
            return hr;
    }
    /* the copy is another profile: its own search key */
    if (FAILED(hr = set_instance_key(tx, nid, key)))
        return hr;
    *new_id = nid;
    return S_OK;
}

HRESULT mapirt_ps_profile_set_default(mapirt_ps_tx *tx, mapirt_profile_id id)
{
    static const char CLEAR[] = "UPDATE profile SET is_default = 0 WHERE is_default = 1";
    static const char SET[] = "UPDATE profile SET is_default = 1 WHERE id = ?";
    mapirt_profile_info info;
    HRESULT hr;
    if (id) {
        if (FAILED(hr = mapirt_ps_profile_get(tx, id, &info)))
            return hr;
        if (info.delete_pending)
            return mapirt_ps_fail(tx, MAPI_E_NOT_FOUND, "profile '%s' is being deleted",
                                  info.name);
        if (info.is_app)
            return mapirt_ps_fail(tx, MAPI_E_CALL_FAILED,
                                  "'%s' is an application profile, which cannot be the default",
                                  info.name);
    }
    sqlite3_stmt *st = mapirt_ps_prepare(tx, CLEAR);
    if (!st)
        return mapirt_ps_last(tx);
    if (FAILED(hr = mapirt_ps_exec(tx, st)) || !id)
        return hr;
    if (!(st = mapirt_ps_prepare(tx, SET)))
        return mapirt_ps_last(tx);
    sqlite3_bind_int64(st, 1, id);
    return mapirt_ps_exec(tx, st);
}

/* ---- single-operation conveniences ---- */

struct create_args {
    const char *name;
    int is_app;
    mapirt_profile_id id;
    mapirt_profile_info *info;
};

static HRESULT do_create(mapirt_ps_tx *tx, void *ctx)
{
    struct create_args *a = ctx;
    return mapirt_ps_profile_create(tx, a->name, a->is_app, &a->id);
}

HRESULT mapirt_profstore_create_profile(mapirt_profstore *ps, const char *name, int is_app,
                                        mapirt_profile_id *id, char *err, size_t cberr)
{
    struct create_args a = {name, is_app, 0, NULL};
    HRESULT hr = mapirt_profstore_write(ps, do_create, &a, err, cberr);
    if (SUCCEEDED(hr) && id)
        *id = a.id;
    return hr;
}

static HRESULT do_find(mapirt_ps_tx *tx, void *ctx)
{
    struct create_args *a = ctx;
    return mapirt_ps_profile_find(tx, a->name, a->info);
}

HRESULT mapirt_profstore_find_profile(mapirt_profstore *ps, const char *name,
                                      mapirt_profile_info *info, char *err, size_t cberr)
{
    struct create_args a = {name, 0, 0, info};
    return mapirt_profstore_read(ps, do_find, &a, err, cberr);
}
