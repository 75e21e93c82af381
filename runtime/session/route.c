/* runtime/session/route.c: reaching objects through the session by entry ID (SPEC §7).
 *
 * An entry ID's MAPIUID (bytes 4..19) is looked up in the session's uid map (uidmap.c, O(1)):
 * the first provider that registered it with SetProviderUID gets the call, on its logon
 * object. Two kinds of entry ID are the session's own (entryid.c): a status row's, which opens
 * the row's status object (the provider's, through its logon's OpenStatusEntry, or MAPI's own),
 * and a wrapped store entry ID from the message store table, which opens the store as
 * OpenMsgStore with MDB_NO_DIALOG does (MAPI_MODIFY becoming MDB_WRITE).
 *
 * Errors (docs/decisions.md): a NULL entry ID is MAPI_E_INVALID_PARAMETER (SPEC §19.1: the
 * session opens nothing without an ID); one shorter than its flags and a MAPIUID is
 * MAPI_E_INVALID_ENTRYID; a UID nobody registered (or whose provider is not logged on) is
 * MAPI_E_UNKNOWN_ENTRYID. */
#include <stdio.h>
#include <string.h>

#include <mapicode.h>
#include <mapiguid.h>
#include <mapix.h>

#include "session_internal.h"

/* The provider of a section UID (O(1): the map made at logon, never changed), or NULL. */
static mapirt_provider *by_section(mapirt_sess *s, const MAPIUID *uid)
{
    long i = mapirt_uidmap_find(s->sections, uid);
    return i < 0 ? NULL : &s->provs[i];
}

mapirt_provider *mapirt_route(mapirt_sess *s, ULONG cb, const ENTRYID *eid)
{
    MAPIUID uid;
    const BYTE *inner;
    ULONG cbInner;
    if (mapirt_store_eid_unwrap(cb, eid, &uid, &cbInner, &inner))
        return by_section(s, &uid);
    if (FAILED(mapirt_eid_uid(cb, eid, &uid)))
        return NULL;
    pthread_mutex_lock(&s->mu);
    long i = s->ended ? -1 : mapirt_uidmap_find(s->uids, &uid);
    pthread_mutex_unlock(&s->mu);
    return i < 0 ? NULL : &s->provs[i];
}

/* The provider's logon object with a reference (NULL when it is not logged on). */
static LPUNKNOWN logon_of(mapirt_provider *p)
{
    pthread_mutex_lock(&p->sess->mu);
    LPUNKNOWN l = p->state == MAPIRT_PROV_ACTIVE ? p->logon : NULL;
    if (l)
        l->lpVtbl->AddRef(l);
    pthread_mutex_unlock(&p->sess->mu);
    return l;
}

HRESULT mapirt_logon_open_entry(mapirt_provider *p, ULONG cb, LPENTRYID eid, LPCIID iid,
    ULONG ulFlags, ULONG *lpulObjType, LPUNKNOWN *lppUnk)
{
    LPUNKNOWN l = logon_of(p);
    HRESULT hr;
    if (!l)
        return MAPI_E_UNKNOWN_ENTRYID;
    if (p->kind == MAPIRT_PROV_AB)
        hr = ((IABLogon *)l)->lpVtbl->OpenEntry((IABLogon *)l, cb, eid, iid, ulFlags, lpulObjType, lppUnk);
    else if (p->kind == MAPIRT_PROV_MS)
        hr = ((IMSLogon *)l)->lpVtbl->OpenEntry((IMSLogon *)l, cb, eid, iid, ulFlags, lpulObjType, lppUnk);
    else
        hr = MAPI_E_UNKNOWN_ENTRYID; /* transports' UIDs route recipients, not OpenEntry */
    l->lpVtbl->Release(l);
    return hr;
}

HRESULT mapirt_logon_compare(mapirt_provider *p, ULONG cb1, LPENTRYID e1, ULONG cb2,
    LPENTRYID e2, ULONG ulFlags, ULONG *lpulResult)
{
    LPUNKNOWN l = logon_of(p);
    HRESULT hr;
    if (!l)
        return MAPI_E_UNKNOWN_ENTRYID;
    if (p->kind == MAPIRT_PROV_AB)
        hr = ((IABLogon *)l)->lpVtbl->CompareEntryIDs((IABLogon *)l, cb1, e1, cb2, e2, ulFlags, lpulResult);
    else if (p->kind == MAPIRT_PROV_MS)
        hr = ((IMSLogon *)l)->lpVtbl->CompareEntryIDs((IMSLogon *)l, cb1, e1, cb2, e2, ulFlags, lpulResult);
    else
        hr = MAPI_E_UNKNOWN_ENTRYID;
    l->lpVtbl->Release(l);
    return hr;
}

HRESULT mapirt_logon_status(mapirt_provider *p, LPCIID iid, ULONG ulFlags, ULONG *lpulObjType,
    LPUNKNOWN *lppUnk)
{
    LPUNKNOWN l = logon_of(p);
    HRESULT hr;
    if (!l)
        return MAPI_E_UNKNOWN_ENTRYID;
    if (p->kind == MAPIRT_PROV_AB)
        hr = ((IABLogon *)l)->lpVtbl->OpenStatusEntry((IABLogon *)l, iid, ulFlags, lpulObjType, (LPMAPISTATUS *)(void *)lppUnk);
    else if (p->kind == MAPIRT_PROV_MS)
        hr = ((IMSLogon *)l)->lpVtbl->OpenStatusEntry((IMSLogon *)l, iid, ulFlags, lpulObjType, (LPVOID *)lppUnk);
    else
        hr = ((IXPLogon *)l)->lpVtbl->OpenStatusEntry((IXPLogon *)l, iid, ulFlags, lpulObjType, (LPMAPISTATUS *)(void *)lppUnk);
    l->lpVtbl->Release(l);
    return hr;
}

/* A status row's object. */
static HRESULT open_status(mapirt_sess *s, ULONG rowid, LPCIID iid, ULONG ulFlags,
    ULONG *lpulObjType, LPUNKNOWN *lppUnk, char *err, size_t cberr)
{
    HRESULT hr;
    if (rowid >= MAPIRT_ROW_SUBSYSTEM && rowid <= MAPIRT_ROW_AB)
        hr = mapirt_mapistatus_create(s, rowid, iid, lppUnk);
    else if (rowid >= MAPIRT_ROW_PROVIDER && rowid - MAPIRT_ROW_PROVIDER < s->nprov) {
        mapirt_provider *p = &s->provs[rowid - MAPIRT_ROW_PROVIDER];
        pthread_mutex_lock(&s->mu);
        mapirt_prov_state st = p->state;
        int row = p->has_row;
        pthread_mutex_unlock(&s->mu);
        if (st == MAPIRT_PROV_ACTIVE && row) {
            hr = mapirt_logon_status(p, iid, ulFlags, lpulObjType, lppUnk);
            if (FAILED(hr)) {
                char who[400];
                mapirt_provider_name(p, who, sizeof who);
                snprintf(err, cberr, "%s: OpenStatusEntry failed", who);
            }
            return hr;
        }
        if (st == MAPIRT_PROV_FAILED || st == MAPIRT_PROV_DISABLED)
            hr = mapirt_mapistatus_create(s, rowid, iid, lppUnk); /* MAPI's row, MAPI's object */
        else
            hr = MAPI_E_UNKNOWN_ENTRYID; /* the row went with its provider */
    } else
        hr = MAPI_E_UNKNOWN_ENTRYID;
    if (SUCCEEDED(hr))
        *lpulObjType = MAPI_STATUS;
    else if (hr == MAPI_E_UNKNOWN_ENTRYID)
        snprintf(err, cberr, "no status row %u in this session", (unsigned)rowid);
    return hr;
}

HRESULT mapirt_sess_open_entry(mapirt_sess *s, ULONG cb, LPENTRYID eid, LPCIID iid,
    ULONG ulFlags, ULONG *lpulObjType, LPUNKNOWN *lppUnk, char *err,
    size_t cberr)
{
    MAPIUID uid, section;
    const BYTE *inner;
    ULONG cbInner;
    if (!eid) {
        snprintf(err, cberr, "OpenEntry: no entry ID (the session has no root object to open)");
        return MAPI_E_INVALID_PARAMETER;
    }
    if (FAILED(mapirt_eid_uid(cb, eid, &uid))) {
        snprintf(err, cberr, "OpenEntry: an entry ID of %u bytes is too short for a MAPIUID",
            (unsigned)cb);
        return MAPI_E_INVALID_ENTRYID;
    }
    ULONG rowid = mapirt_status_eid_row(s, cb, eid);
    if (rowid)
        return open_status(s, rowid, iid, ulFlags, lpulObjType, lppUnk, err, cberr);
    if (mapirt_store_eid_unwrap(cb, eid, &section, &cbInner, &inner)) {
        mapirt_provider *p = by_section(s, &section);
        if (!p || p->kind != MAPIRT_PROV_MS) {
            snprintf(err, cberr, "OpenEntry: the store's provider is not in this profile");
            return MAPI_E_UNKNOWN_ENTRYID;
        }
        LPMDB mdb = NULL;
        HRESULT hr = mapirt_store_open(s, p, 0, cbInner, (LPENTRYID)(uintptr_t)inner,
            (ulFlags & MAPI_MODIFY) ? MDB_WRITE : 0, &mdb);
        if (FAILED(hr)) {
            pthread_mutex_lock(&s->mu);
            snprintf(err, cberr, "%s", p->error_text);
            pthread_mutex_unlock(&s->mu);
            return hr;
        }
        if (iid && !IsEqualIID(iid, &IID_IMsgStore)) {
            hr = mdb->lpVtbl->QueryInterface(mdb, iid, (void **)lppUnk);
            mdb->lpVtbl->Release(mdb);
            if (FAILED(hr))
                return hr;
        } else
            *lppUnk = (LPUNKNOWN)mdb;
        *lpulObjType = MAPI_STORE;
        return S_OK;
    }
    mapirt_provider *p = mapirt_route(s, cb, eid);
    if (!p) {
        snprintf(err, cberr, "OpenEntry: no provider of this session registered the entry ID's "
                             "MAPIUID");
        return MAPI_E_UNKNOWN_ENTRYID;
    }
    return mapirt_logon_open_entry(p, cb, eid, iid, ulFlags, lpulObjType, lppUnk);
}

HRESULT mapirt_sess_compare(mapirt_sess *s, ULONG cb1, LPENTRYID e1, ULONG cb2, LPENTRYID e2,
    ULONG ulFlags, ULONG *lpulResult)
{
    MAPIUID u1, u2;
    const BYTE *i1, *i2;
    ULONG c1, c2;
    if (FAILED(mapirt_eid_uid(cb1, e1, &u1)) || FAILED(mapirt_eid_uid(cb2, e2, &u2)))
        return MAPI_E_INVALID_ENTRYID;
    ULONG r1 = mapirt_status_eid_row(s, cb1, e1), r2 = mapirt_status_eid_row(s, cb2, e2);
    if (r1 || r2) {
        *lpulResult = r1 == r2;
        return S_OK;
    }
    int w1 = mapirt_store_eid_unwrap(cb1, e1, &u1, &c1, &i1);
    int w2 = mapirt_store_eid_unwrap(cb2, e2, &u2, &c2, &i2);
    if (w1 && w2) {
        /* one store per provider section */
        *lpulResult = memcmp(u1.ab, u2.ab, 16) == 0;
        return S_OK;
    }
    mapirt_provider *p1 = mapirt_route(s, cb1, e1), *p2 = mapirt_route(s, cb2, e2);
    if (!p1 || !p2)
        return MAPI_E_UNKNOWN_ENTRYID;
    if (p1 != p2) {
        *lpulResult = FALSE;
        return S_OK;
    }
    if (w1 || w2) {
        /* a wrapped and an unwrapped ID of one store's provider: the provider compares the
         * inner ID with the other */
        if (w1) {
            cb1 = c1;
            e1 = (LPENTRYID)(uintptr_t)i1;
        } else {
            cb2 = c2;
            e2 = (LPENTRYID)(uintptr_t)i2;
        }
    }
    /* A store's row listed before its first logon carries no inner ID: the store's entry ID
     * is what its provider wrote into its profile section since. */
    LPSPropValue cur = NULL;
    if (!cb1 || !cb2) {
        ULONG n = 0;
        char err[256];
        if (SUCCEEDED(mapirt_profstore_get_props(s->ps, s->id, &p1->uid, &n, &cur, err,
                sizeof err)))
            for (ULONG i = 0; i < n; i++)
                if (cur[i].ulPropTag == PR_ENTRYID && cur[i].Value.bin.cb) {
                    if (!cb1) {
                        cb1 = cur[i].Value.bin.cb;
                        e1 = (LPENTRYID)cur[i].Value.bin.lpb;
                    } else {
                        cb2 = cur[i].Value.bin.cb;
                        e2 = (LPENTRYID)cur[i].Value.bin.lpb;
                    }
                    break;
                }
    }
    if (!cb1 || !cb2) {
        MAPIFreeBuffer(cur);
        *lpulResult = FALSE;
        return S_OK;
    }
    HRESULT hr = mapirt_logon_compare(p1, cb1, e1, cb2, e2, ulFlags, lpulResult);
    MAPIFreeBuffer(cur);
    return hr;
}
