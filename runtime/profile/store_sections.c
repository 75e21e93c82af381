/* store_sections.c: profile sections and their properties. One row per property (its ID, its
 * type and its value, propcodec.c); a section is a row of its own so that an empty section
 * exists. */
#include <string.h>

#include <mapicode.h>
#include <mapix.h>
#include <sodium.h>

#include <mapirt/alloc.h>

#include "store_internal.h"

static HRESULT write_failed(mapirt_ps_tx *tx, int rc)
{
    if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
        return mapirt_ps_fail(tx, MAPI_E_NOT_FOUND, "the profile was deleted");
    return mapirt_ps_sqlfail(tx, rc);
}

static HRESULT step_done(mapirt_ps_tx *tx, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? S_OK : write_failed(tx, rc);
}

HRESULT mapirt_ps_section_exists(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *uid)
{
    static const char SQL[] = "SELECT 1 FROM section WHERE profile = ? AND uid = ?";
    sqlite3_stmt *st = mapirt_ps_prepare(tx, SQL);
    if (!st)
        return mapirt_ps_last(tx);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_blob(st, 2, uid, sizeof *uid, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return S_OK;
    if (rc == SQLITE_DONE)
        return mapirt_ps_fail(tx, MAPI_E_NOT_FOUND, "the profile has no such section");
    return mapirt_ps_sqlfail(tx, rc);
}

HRESULT mapirt_ps_section_create(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *uid)
{
    static const char SQL[] = "INSERT OR IGNORE INTO section (profile, uid) VALUES (?, ?)";
    sqlite3_stmt *st = mapirt_ps_prepare(tx, SQL);
    if (!st)
        return mapirt_ps_last(tx);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_blob(st, 2, uid, sizeof *uid, SQLITE_STATIC);
    return step_done(tx, st);
}

HRESULT mapirt_ps_section_delete(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *uid)
{
    static const char SQL[] = "DELETE FROM section WHERE profile = ? AND uid = ?";
    sqlite3_stmt *st = mapirt_ps_prepare(tx, SQL);
    if (!st)
        return mapirt_ps_last(tx);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_blob(st, 2, uid, sizeof *uid, SQLITE_STATIC);
    HRESULT hr = step_done(tx, st);
    if (SUCCEEDED(hr) && sqlite3_changes(tx->db) == 0)
        hr = mapirt_ps_fail(tx, MAPI_E_NOT_FOUND, "the profile has no such section");
    return hr;
}

HRESULT mapirt_ps_props_get(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *uid,
                            ULONG *cValues, LPSPropValue *lppProps)
{
    static const char COUNT[] = "SELECT count(*) FROM prop WHERE profile = ? AND section = ?";
    static const char SQL[] =
        "SELECT id, type, value FROM prop WHERE profile = ? AND section = ? ORDER BY id";
    HRESULT hr = mapirt_ps_section_exists(tx, id, uid);
    if (FAILED(hr))
        return hr;
    sqlite3_stmt *st = mapirt_ps_prepare(tx, COUNT);
    if (!st)
        return mapirt_ps_last(tx);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_blob(st, 2, uid, sizeof *uid, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW)
        return mapirt_ps_sqlfail(tx, rc);
    ULONG n = (ULONG)sqlite3_column_int64(st, 0);
    sqlite3_reset(st);

    LPSPropValue v = NULL;
    if (MAPIAllocateBuffer((n ? n : 1) * (ULONG)sizeof(SPropValue), (void **)&v) != S_OK)
        return mapirt_ps_oom(tx);
    if (!(st = mapirt_ps_prepare(tx, SQL))) {
        MAPIFreeBuffer(v);
        return mapirt_ps_last(tx);
    }
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_blob(st, 2, uid, sizeof *uid, SQLITE_STATIC);
    ULONG i = 0;
    hr = S_OK;
    ULONG seen = 0;
    while (seen < n && SUCCEEDED(hr) && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        seen++;
        ULONG tag = PROP_TAG((ULONG)sqlite3_column_int(st, 1), (ULONG)sqlite3_column_int(st, 0));
        if (MAPIRT_PROP_IS_SECURE(tag)) {
            unsigned char *plain;
            size_t len;
            const unsigned char *sealed = sqlite3_column_blob(st, 2);
            int r = mapirt_ps_unseal(tx, uid, tag, sealed, (size_t)sqlite3_column_bytes(st, 2),
                                     &plain, &len);
            if (r == -2) {
                hr = mapirt_ps_oom(tx);
                break;
            }
            if (r != 0)
                continue; /* sealed with another key: left out (secret.c) */
            hr = mapirt_propcodec_from_bytes(tag, plain, len, v, &v[i++]);
            sodium_memzero(plain, len);
            mapirt_free(plain);
        } else {
            hr = mapirt_propcodec_column(st, 2, tag, v, &v[i++]);
        }
        if (hr == MAPI_E_NOT_ENOUGH_MEMORY)
            mapirt_ps_oom(tx);
        else if (FAILED(hr))
            mapirt_ps_fail(tx, hr, "%s: property 0x%08X of a section is damaged", tx->path,
                           (unsigned)tag);
    }
    if (SUCCEEDED(hr) && seen < n)
        hr = mapirt_ps_sqlfail(tx, rc);
    sqlite3_reset(st);
    if (FAILED(hr)) {
        MAPIFreeBuffer(v);
        return hr;
    }
    *cValues = i;
    *lppProps = v;
    return S_OK;
}

HRESULT mapirt_ps_props_set(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *uid,
                            ULONG cValues, const SPropValue *lpProps)
{
    /* a value stored again unchanged (what providers do at every logon) changes no row, so
     * its transaction commits without writing to the WAL or waiting for the disk */
    static const char SQL[] =
        "INSERT INTO prop (profile, section, id, type, value) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (profile, section, id) DO UPDATE SET type = excluded.type, "
        "value = excluded.value WHERE type IS NOT excluded.type OR value IS NOT excluded.value";
    HRESULT hr;

    for (ULONG i = 0; i < cValues; i++) {
        ULONG t = PROP_TYPE(lpProps[i].ulPropTag), pid = PROP_ID(lpProps[i].ulPropTag);
        if (t == PT_ERROR || t == PT_NULL || t == PT_OBJECT || t == PT_UNSPECIFIED)
            return mapirt_ps_fail(tx, MAPI_E_INVALID_TYPE,
                                  "property 0x%08X: this type cannot be stored",
                                  (unsigned)lpProps[i].ulPropTag);
        if (pid == 0 || pid >= 0x8000)
            return mapirt_ps_fail(tx, MAPI_E_INVALID_PARAMETER,
                                  "property 0x%08X: named or null property IDs cannot be stored "
                                  "in a profile section",
                                  (unsigned)lpProps[i].ulPropTag);
    }
    if (FAILED(hr = mapirt_ps_section_create(tx, id, uid)))
        return hr;
    for (ULONG i = 0; i < cValues; i++) {
        sqlite3_stmt *st = mapirt_ps_prepare(tx, SQL);
        if (!st)
            return mapirt_ps_last(tx);
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_blob(st, 2, uid, sizeof *uid, SQLITE_STATIC);
        sqlite3_bind_int(st, 3, (int)PROP_ID(lpProps[i].ulPropTag));
        sqlite3_bind_int(st, 4, (int)PROP_TYPE(lpProps[i].ulPropTag));
        if (MAPIRT_PROP_IS_SECURE(lpProps[i].ulPropTag)) {
            unsigned char *plain, *sealed;
            size_t len, slen;
            hr = mapirt_propcodec_bytes(&lpProps[i], &plain, &len);
            if (SUCCEEDED(hr)) {
                hr = mapirt_ps_seal(tx, uid, lpProps[i].ulPropTag, plain, len, &sealed, &slen);
                sodium_memzero(plain, len);
                mapirt_free(plain);
                if (FAILED(hr))
                    return hr;
                if (sqlite3_bind_blob64(st, 5, sealed, slen, mapirt_free) != SQLITE_OK)
                    hr = MAPI_E_NOT_ENOUGH_MEMORY;
            }
        } else {
            hr = mapirt_propcodec_bind(st, 5, &lpProps[i]);
        }
        if (hr == MAPI_E_NOT_ENOUGH_MEMORY)
            return mapirt_ps_oom(tx);
        if (FAILED(hr))
            return mapirt_ps_fail(tx, hr, "property 0x%08X: bad value",
                                  (unsigned)lpProps[i].ulPropTag);
        if (FAILED(hr = step_done(tx, st)))
            return hr;
    }
    return S_OK;
}

HRESULT mapirt_ps_props_delete(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *uid,
                               const SPropTagArray *tags, ULONG *lpcMissing)
{
    static const char SQL[] = "DELETE FROM prop WHERE profile = ? AND section = ? AND id = ?";
    ULONG missing = 0;
    HRESULT hr = mapirt_ps_section_exists(tx, id, uid);
    if (FAILED(hr))
        return hr;
    for (ULONG i = 0; i < tags->cValues; i++) {
        sqlite3_stmt *st = mapirt_ps_prepare(tx, SQL);
        if (!st)
            return mapirt_ps_last(tx);
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_blob(st, 2, uid, sizeof *uid, SQLITE_STATIC);
        sqlite3_bind_int(st, 3, (int)PROP_ID((&tags->aulPropTag[0])[i]));
        if (FAILED(hr = step_done(tx, st)))
            return hr;
        missing += sqlite3_changes(tx->db) == 0;
    }
    if (lpcMissing)
        *lpcMissing = missing;
    return S_OK;
}

/* ---- single-operation conveniences ---- */

struct props_args {
    mapirt_profile_id id;
    const MAPIUID *uid;
    ULONG c;
    const SPropValue *in;
    ULONG *cout;
    LPSPropValue *out;
    const SPropTagArray *tags;
    ULONG *missing;
};

static HRESULT do_get(mapirt_ps_tx *tx, void *ctx)
{
    struct props_args *a = ctx;
    return mapirt_ps_props_get(tx, a->id, a->uid, a->cout, a->out);
}

static HRESULT do_set(mapirt_ps_tx *tx, void *ctx)
{
    struct props_args *a = ctx;
    HRESULT hr = mapirt_ps_profile_get(tx, a->id, &(mapirt_profile_info){0});
    return FAILED(hr) ? hr : mapirt_ps_props_set(tx, a->id, a->uid, a->c, a->in);
}

static HRESULT do_delete(mapirt_ps_tx *tx, void *ctx)
{
    struct props_args *a = ctx;
    return mapirt_ps_props_delete(tx, a->id, a->uid, a->tags, a->missing);
}

HRESULT mapirt_profstore_get_props(mapirt_profstore *ps, mapirt_profile_id id,
                                   const MAPIUID *uid, ULONG *cValues, LPSPropValue *lppProps,
                                   char *err, size_t cberr)
{
    struct props_args a = {id, uid, 0, NULL, cValues, lppProps, NULL, NULL};
    return mapirt_profstore_read(ps, do_get, &a, err, cberr);
}

HRESULT mapirt_profstore_set_props(mapirt_profstore *ps, mapirt_profile_id id,
                                   const MAPIUID *uid, ULONG cValues, const SPropValue *lpProps,
                                   char *err, size_t cberr)
{
    struct props_args a = {id, uid, cValues, lpProps, NULL, NULL, NULL, NULL};
    return mapirt_profstore_write(ps, do_set, &a, err, cberr);
}

HRESULT mapirt_profstore_delete_props(mapirt_profstore *ps, mapirt_profile_id id,
                                      const MAPIUID *uid, const SPropTagArray *tags,
                                      ULONG *lpcMissing, char *err, size_t cberr)
{
    struct props_args a = {id, uid, 0, NULL, NULL, NULL, tags, lpcMissing};
    return mapirt_profstore_write(ps, do_delete, &a, err, cberr);
}
