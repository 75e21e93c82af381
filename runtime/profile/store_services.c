/* store_services.c: the services of a profile and their providers and extra sections, in the
 * order they were added (seq), which is the profile order MAPI documents (default store,
 * search paths, transport order). */
#include <string.h>

#include <mapicode.h>

#include <mapirt/alloc.h>

#include "store_internal.h"

static void bind_uid(sqlite3_stmt *st, int i, const MAPIUID *uid)
{
    sqlite3_bind_blob(st, i, uid, sizeof *uid, SQLITE_STATIC);
}

static HRESULT next_seq(mapirt_ps_tx *tx, const char *sql, mapirt_profile_id id, sqlite3_int64 *seq)
{
    sqlite3_stmt *st = mapirt_ps_prepare(tx, sql);
    if (!st)
        return mapirt_ps_last(tx);
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return mapirt_ps_sqlfail(tx, rc);
    }
    *seq = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return S_OK;
}

HRESULT mapirt_ps_service_add(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *uid,
                              const char *name)
{
    static const char SEQ[] = "SELECT coalesce(max(seq) + 1, 0) FROM service WHERE profile = ?";
    static const char SQL[] = "INSERT INTO service (profile, uid, name, seq) VALUES (?, ?, ?, ?)";
    sqlite3_int64 seq;
    HRESULT hr;
    if (strlen(name) >= sizeof((mapirt_ps_service *)0)->name)
        return mapirt_ps_fail(tx, MAPI_E_INVALID_PARAMETER, "service name too long");
    if (FAILED(hr = mapirt_ps_section_create(tx, id, uid)) ||
        FAILED(hr = next_seq(tx, SEQ, id, &seq)))
        return hr;
    sqlite3_stmt *st = mapirt_ps_prepare(tx, SQL);
    if (!st)
        return mapirt_ps_last(tx);
    sqlite3_bind_int64(st, 1, id);
    bind_uid(st, 2, uid);
    sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, seq);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY)
        return mapirt_ps_fail(tx, MAPI_E_NO_ACCESS, "the profile already has this service UID");
    return rc == SQLITE_DONE ? S_OK : mapirt_ps_sqlfail(tx, rc);
}

HRESULT mapirt_ps_service_get(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *uid,
                              mapirt_ps_service *out)
{
    static const char SQL[] = "SELECT name FROM service WHERE profile = ? AND uid = ?";
    sqlite3_stmt *st = mapirt_ps_prepare(tx, SQL);
    if (!st)
        return mapirt_ps_last(tx);
    sqlite3_bind_int64(st, 1, id);
    bind_uid(st, 2, uid);
    int rc = sqlite3_step(st);
    HRESULT hr = S_OK;
    if (rc == SQLITE_ROW) {
        const unsigned char *name = sqlite3_column_text(st, 0);
        size_t n = (size_t)sqlite3_column_bytes(st, 0);
        if (!name)
            hr = mapirt_ps_oom(tx);
        else {
            memset(out, 0, sizeof *out);
            out->uid = *uid;
            memcpy(out->name, name, n < sizeof out->name - 1 ? n : sizeof out->name - 1);
        }
    } else if (rc == SQLITE_DONE) {
        hr = mapirt_ps_fail(tx, MAPI_E_NOT_FOUND, "the profile has no such message service");
    } else {
        hr = mapirt_ps_sqlfail(tx, rc);
    }
    sqlite3_reset(st);
    return hr;
}

HRESULT mapirt_ps_service_delete(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *uid)
{
    /* the providers' and extra sections first (their rows go with them), then the service's
     * own section (its row goes with it) */
    static const char SECTIONS[] =
        "DELETE FROM section WHERE profile = ?1 AND uid IN "
        "(SELECT uid FROM provider WHERE profile = ?1 AND service = ?2)";
    mapirt_ps_service svc;
    HRESULT hr = mapirt_ps_service_get(tx, id, uid, &svc);
    if (FAILED(hr))
        return hr;
    sqlite3_stmt *st = mapirt_ps_prepare(tx, SECTIONS);
    if (!st)
        return mapirt_ps_last(tx);
    sqlite3_bind_int64(st, 1, id);
    bind_uid(st, 2, uid);
    if (FAILED(hr = mapirt_ps_exec(tx, st)))
        return hr;
    return mapirt_ps_section_delete(tx, id, uid);
}

HRESULT mapirt_ps_service_list(mapirt_ps_tx *tx, mapirt_profile_id id, mapirt_ps_service **out,
                               ULONG *count)
{
    static const char COUNT[] = "SELECT count(*) FROM service WHERE profile = ?";
    static const char SQL[] = "SELECT uid, name FROM service WHERE profile = ? ORDER BY seq";
    sqlite3_int64 n;
    HRESULT hr = next_seq(tx, COUNT, id, &n);
    if (FAILED(hr))
        return hr;
    mapirt_ps_service *v = mapirt_calloc(n ? (size_t)n : 1, sizeof *v);
    if (!v)
        return mapirt_ps_oom(tx);
    sqlite3_stmt *st = mapirt_ps_prepare(tx, SQL);
    if (!st) {
        mapirt_free(v);
        return mapirt_ps_last(tx);
    }
    sqlite3_bind_int64(st, 1, id);
    ULONG i = 0;
    int rc = SQLITE_DONE;
    while (i < n && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const void *u = sqlite3_column_blob(st, 0);
        const unsigned char *name = sqlite3_column_text(st, 1);
        size_t len = (size_t)sqlite3_column_bytes(st, 1);
        if (!u || sqlite3_column_bytes(st, 0) != 16 || !name) {
            rc = SQLITE_CORRUPT;
            break;
        }
        memcpy(&v[i].uid, u, 16);
        memcpy(v[i].name, name, len < sizeof v[i].name - 1 ? len : sizeof v[i].name - 1);
        i++;
    }
    sqlite3_reset(st);
    if (i < n) {
        mapirt_free(v);
        return mapirt_ps_sqlfail(tx, rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_CORRUPT : rc);
    }
    *out = v;
    *count = i;
    return S_OK;
}

HRESULT mapirt_ps_provider_add(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *service,
                               const MAPIUID *uid, int kind)
{
    static const char SEQ[] = "SELECT coalesce(max(seq) + 1, 0) FROM provider WHERE profile = ?";
    static const char SQL[] =
        "INSERT INTO provider (profile, uid, service, kind, seq) VALUES (?, ?, ?, ?, ?)";
    mapirt_ps_service svc;
    sqlite3_int64 seq;
    HRESULT hr;
    if (FAILED(hr = mapirt_ps_service_get(tx, id, service, &svc)) ||
        FAILED(hr = mapirt_ps_section_create(tx, id, uid)) ||
        FAILED(hr = next_seq(tx, SEQ, id, &seq)))
        return hr;
    sqlite3_stmt *st = mapirt_ps_prepare(tx, SQL);
    if (!st)
        return mapirt_ps_last(tx);
    sqlite3_bind_int64(st, 1, id);
    bind_uid(st, 2, uid);
    bind_uid(st, 3, service);
    sqlite3_bind_int(st, 4, kind);
    sqlite3_bind_int64(st, 5, seq);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY)
        return mapirt_ps_fail(tx, MAPI_E_NO_ACCESS, "the profile already has this provider UID");
    return rc == SQLITE_DONE ? S_OK : mapirt_ps_sqlfail(tx, rc);
}

HRESULT mapirt_ps_provider_delete(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *uid)
{
    static const char SQL[] = "SELECT 1 FROM provider WHERE profile = ? AND uid = ?";
    sqlite3_stmt *st = mapirt_ps_prepare(tx, SQL);
    if (!st)
        return mapirt_ps_last(tx);
    sqlite3_bind_int64(st, 1, id);
    bind_uid(st, 2, uid);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return mapirt_ps_fail(tx, MAPI_E_NOT_FOUND, "the profile has no such provider");
    if (rc != SQLITE_ROW)
        return mapirt_ps_sqlfail(tx, rc);
    return mapirt_ps_section_delete(tx, id, uid);
}

HRESULT mapirt_ps_provider_list(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *service,
                                mapirt_ps_provider **out, ULONG *count)
{
    static const char COUNT[] = "SELECT count(*) FROM provider WHERE profile = ?";
    /* ordinal: position among the profile's providers (extra sections have none: -1) */
    static const char SQL[] =
        "SELECT uid, service, kind, ord FROM ("
        "  SELECT uid, service, kind, seq,"
        "         CASE kind WHEN 0 THEN row_number() OVER (PARTITION BY kind ORDER BY seq) - 1"
        "                   ELSE -1 END AS ord"
        "  FROM provider WHERE profile = ?1)"
        " WHERE ?2 IS NULL OR service = ?2 ORDER BY seq";
    sqlite3_int64 n;
    HRESULT hr = next_seq(tx, COUNT, id, &n);
    if (FAILED(hr))
        return hr;
    mapirt_ps_provider *v = mapirt_calloc(n ? (size_t)n : 1, sizeof *v);
    if (!v)
        return mapirt_ps_oom(tx);
    sqlite3_stmt *st = mapirt_ps_prepare(tx, SQL);
    if (!st) {
        mapirt_free(v);
        return mapirt_ps_last(tx);
    }
    sqlite3_bind_int64(st, 1, id);
    if (service)
        bind_uid(st, 2, service);
    ULONG i = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && i < n) {
        const void *u = sqlite3_column_blob(st, 0), *s = sqlite3_column_blob(st, 1);
        if (!u || !s || sqlite3_column_bytes(st, 0) != 16 || sqlite3_column_bytes(st, 1) != 16) {
            rc = SQLITE_CORRUPT;
            break;
        }
        memcpy(&v[i].uid, u, 16);
        memcpy(&v[i].service, s, 16);
        v[i].kind = sqlite3_column_int(st, 2);
        v[i].order = (ULONG)sqlite3_column_int(st, 3);
        i++;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        mapirt_free(v);
        return mapirt_ps_sqlfail(tx, rc);
    }
    *out = v;
    *count = i;
    return S_OK;
}

HRESULT mapirt_ps_provider_reorder(mapirt_ps_tx *tx, mapirt_profile_id id, ULONG cUID,
                                   const MAPIUID *uids)
{
    /* listed providers get seq -cUID .. -1, then everything is renumbered from 0 in order */
    static const char FIRST[] = "UPDATE provider SET seq = ? WHERE profile = ? AND uid = ?";
    static const char SET[] = "UPDATE provider SET seq = ? WHERE profile = ? AND uid = ?";
    HRESULT hr;
    for (ULONG i = 0; i < cUID; i++) {
        sqlite3_stmt *st = mapirt_ps_prepare(tx, FIRST);
        if (!st)
            return mapirt_ps_last(tx);
        sqlite3_bind_int64(st, 1, (sqlite3_int64)i - (sqlite3_int64)cUID - 1000000000);
        sqlite3_bind_int64(st, 2, id);
        bind_uid(st, 3, &uids[i]);
        if (FAILED(hr = mapirt_ps_exec(tx, st)))
            return hr;
        if (sqlite3_changes(tx->db) == 0)
            return mapirt_ps_fail(tx, MAPI_E_NOT_FOUND, "the profile has no such provider");
    }
    mapirt_ps_provider *v;
    ULONG n;
    if (FAILED(hr = mapirt_ps_provider_list(tx, id, NULL, &v, &n)))
        return hr;
    for (ULONG i = 0; i < n && SUCCEEDED(hr); i++) {
        sqlite3_stmt *st = mapirt_ps_prepare(tx, SET);
        if (!st) {
            hr = mapirt_ps_last(tx);
            break;
        }
        sqlite3_bind_int64(st, 1, i);
        sqlite3_bind_int64(st, 2, id);
        bind_uid(st, 3, &v[i].uid);
        hr = mapirt_ps_exec(tx, st);
    }
    mapirt_free(v);
    return hr;
}
