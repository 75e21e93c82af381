/* runtime/session/defstore.c: IMAPISession::SetDefaultStore (SPEC §6.2).
 *
 * Each kind sets one flag on the named store and clears it on every other store of the
 * profile: MAPI_DEFAULT_STORE STATUS_DEFAULT_STORE (session and profile),
 * MAPI_SIMPLE_STORE_TEMPORARY STATUS_SIMPLE_STORE (session only), MAPI_SIMPLE_STORE_PERMANENT
 * STATUS_SIMPLE_STORE (session and profile), MAPI_PRIMARY_STORE STATUS_PRIMARY_STORE and
 * MAPI_SECONDARY_STORE STATUS_SECONDARY_STORE (session and profile). A NULL entry ID clears the
 * flag everywhere. The rows of both tables change (their views hear TABLE_ROW_MODIFIED).
 * Refusals (docs/decisions.md): a store flagged STATUS_NO_DEFAULT_STORE, or an open store
 * whose PR_STORE_SUPPORT_MASK lacks STORE_SUBMIT_OK, STORE_CREATE_OK or STORE_MODIFY_OK,
 * cannot be the default (MAPI_E_NO_ACCESS); an ID of no store of the profile is
 * MAPI_E_NOT_FOUND. */
#include <stdio.h>
#include <string.h>

#include <mapicode.h>
#include <mapiutil.h>
#include <mapix.h>

#include "session_handle.h"
#include "session_internal.h"

static ULONG flag_of(ULONG kind)
{
    switch (kind) {
    case MAPI_DEFAULT_STORE: return STATUS_DEFAULT_STORE;
    case MAPI_SIMPLE_STORE_TEMPORARY:
    case MAPI_SIMPLE_STORE_PERMANENT: return STATUS_SIMPLE_STORE;
    case MAPI_PRIMARY_STORE: return STATUS_PRIMARY_STORE;
    default: return STATUS_SECONDARY_STORE;
    }
}

/* Sets or clears `flag` in a store's section PR_RESOURCE_FLAGS. */
static HRESULT write_flag(mapirt_sess *s, mapirt_provider *p, ULONG flag, int on, char *err,
                          size_t cberr)
{
    ULONG n = 0;
    LPSPropValue v = NULL;
    HRESULT hr = mapirt_profstore_get_props(s->ps, s->id, &p->uid, &n, &v, err, cberr);
    if (FAILED(hr))
        return hr;
    ULONG flags = 0;
    for (ULONG i = 0; i < n; i++)
        if (v[i].ulPropTag == PR_RESOURCE_FLAGS)
            flags = v[i].Value.ul;
    MAPIFreeBuffer(v);
    ULONG want = on ? flags | flag : flags & ~flag;
    if (want == flags)
        return S_OK;
    SPropValue f;
    f.ulPropTag = PR_RESOURCE_FLAGS;
    f.dwAlignPad = 0;
    f.Value.ul = want;
    return mapirt_profstore_set_props(s->ps, s->id, &p->uid, 1, &f, err, cberr);
}

/* Whether an open store may be the default (its support mask). */
static HRESULT check_mask(mapirt_provider *p, char *err, size_t cberr)
{
    pthread_mutex_lock(&p->sess->mu);
    LPMDB mdb = p->mdb;
    if (mdb)
        mdb->lpVtbl->AddRef(mdb);
    pthread_mutex_unlock(&p->sess->mu);
    if (!mdb)
        return S_OK; /* not logged on: its mask is not known */
    LPSPropValue v = NULL;
    HRESULT hr = HrGetOneProp((LPMAPIPROP)mdb, PR_STORE_SUPPORT_MASK, &v);
    mdb->lpVtbl->Release(mdb);
    ULONG need = STORE_SUBMIT_OK | STORE_CREATE_OK | STORE_MODIFY_OK;
    ULONG mask = SUCCEEDED(hr) ? v->Value.ul : 0;
    MAPIFreeBuffer(v);
    if ((mask & need) != need) {
        snprintf(err, cberr, "SetDefaultStore: the store's PR_STORE_SUPPORT_MASK (0x%08X) lacks "
                 "STORE_SUBMIT_OK, STORE_CREATE_OK or STORE_MODIFY_OK", (unsigned)mask);
        return MAPI_E_NO_ACCESS;
    }
    return S_OK;
}

HRESULT mapirt_set_default_store(mapirt_sess *s, ULONG ulFlags, ULONG cb, LPENTRYID eid,
                                 char *err, size_t cberr)
{
    mapirt_provider *target = NULL;
    if (eid) {
        if (cb < 4 + 16) {
            snprintf(err, cberr, "SetDefaultStore: the entry ID is too short");
            return MAPI_E_INVALID_ENTRYID;
        }
        target = mapirt_route(s, cb, eid);
        if (!target || target->kind != MAPIRT_PROV_MS) {
            snprintf(err, cberr, "SetDefaultStore: no store of this profile has this entry ID");
            return MAPI_E_NOT_FOUND;
        }
        if (ulFlags == MAPI_DEFAULT_STORE) {
            if (target->section_flags & STATUS_NO_DEFAULT_STORE) {
                snprintf(err, cberr, "SetDefaultStore: the store is flagged "
                                     "STATUS_NO_DEFAULT_STORE and can never be the default");
                return MAPI_E_NO_ACCESS;
            }
            HRESULT hr = check_mask(target, err, cberr);
            if (FAILED(hr))
                return hr;
        }
    }
    ULONG flag = flag_of(ulFlags);
    int permanent = ulFlags != MAPI_SIMPLE_STORE_TEMPORARY;
    HRESULT hr = S_OK;
    for (ULONG i = 0; i < s->nprov && SUCCEEDED(hr); i++) {
        mapirt_provider *p = &s->provs[i];
        if (p->kind != MAPIRT_PROV_MS)
            continue;
        int on = p == target;
        if (permanent)
            hr = write_flag(s, p, flag, on, err, cberr);
        if (FAILED(hr))
            break;
        pthread_mutex_lock(&s->mu);
        ULONG before = p->dyn_flags;
        p->dyn_flags = on ? before | flag : before & ~flag;
        int changed = before != p->dyn_flags;
        pthread_mutex_unlock(&s->mu);
        if (changed) {
            mapirt_stores_refresh(s, p);
            mapirt_status_refresh(s, p);
        }
    }
    return hr;
}
