/* runtime/session/storetab.c: the message store table (SPEC §8.1).
 *
 * It lists the profile's stores from the session's start, logged on or not (so a client can
 * find the default store and open it), minus sections marked STATUS_TEMP_SECTION. Each row is
 * rebuilt from the store provider's profile section (read afresh: the provider writes its
 * PR_DISPLAY_NAME and PR_ENTRYID there at logon) and the session's dynamic flags:
 *   PR_ENTRYID      the wrapped store entry ID (entryid.c): the provider's section UID and
 *                   the section's PR_ENTRYID, if the provider has written one;
 *   PR_INSTANCE_KEY the provider's section UID: the same row in every session of the profile;
 *   PR_RECORD_KEY   the section's PR_RECORD_KEY, else the section UID;
 *   PR_MDB_PROVIDER the section's PR_MDB_PROVIDER, else the section UID;
 *   PR_RESOURCE_FLAGS the section's flags with the session's STATUS_DEFAULT_STORE,
 *                   STATUS_SIMPLE_STORE, STATUS_PRIMARY_STORE, STATUS_SECONDARY_STORE;
 *   PR_DEFAULT_STORE  whether STATUS_DEFAULT_STORE is among them. */
#include <string.h>

#include <mapicode.h>
#include <mapiutil.h>
#include <mapix.h>

#include <mapirt/alloc.h>

#include "session_internal.h"
#include "tables_internal.h"

static const SPropValue *find(const SPropValue *v, ULONG n, ULONG tag)
{
    for (ULONG i = 0; i < n; i++)
        if (v[i].ulPropTag == tag)
            return &v[i];
    return NULL;
}

static int listed(const mapirt_provider *p, ULONG section_flags)
{
    return p->kind == MAPIRT_PROV_MS && !(section_flags & STATUS_TEMP_SECTION);
}

HRESULT mapirt_stores_refresh(mapirt_sess *s, mapirt_provider *p)
{
    if (p->kind != MAPIRT_PROV_MS)
        return S_OK;
    ULONG n = 0;
    LPSPropValue v = NULL;
    char err[256];
    HRESULT hr = mapirt_profstore_get_props(s->ps, s->id, &p->uid, &n, &v, err, sizeof err);
    if (FAILED(hr))
        n = 0; /* the section went (the profile changed under the session): build from memory */
    mapirt_tbl_lock(s);
    for (int w = 0; w < 2; w++) {
        mapirt_rowbuf rb;
        HRESULT whr = mapirt_rb_init(&rb, 16, w);
        if (FAILED(whr)) {
            hr = whr;
            break;
        }
        pthread_mutex_lock(&s->mu);
        ULONG flags = p->section_flags, dyn = p->dyn_flags;
        int ended = s->ended;
        pthread_mutex_unlock(&s->mu);
        const SPropValue *name = find(v, n, PR_DISPLAY_NAME_A);
        const SPropValue *namew = find(v, n, PR_DISPLAY_NAME_W);
        const SPropValue *eid = find(v, n, PR_ENTRYID);
        const SPropValue *rk = find(v, n, PR_RECORD_KEY);
        const SPropValue *mdbp = find(v, n, PR_MDB_PROVIDER);
        if (namew)
            mapirt_rb_copy(&rb, namew);
        else if (name)
            mapirt_rb_copy(&rb, name);
        else
            mapirt_rb_str(&rb, PR_DISPLAY_NAME_A, p->display);
        mapirt_rb_str(&rb, PR_PROVIDER_DISPLAY_A,
                      p->provider_display[0] ? p->provider_display : p->display);
        SBinary wrapped = {0, NULL};
        if (SUCCEEDED(mapirt_store_eid_wrap(&p->uid, eid ? eid->Value.bin.cb : 0,
                                            eid ? eid->Value.bin.lpb : NULL, rb.v, &wrapped)))
            mapirt_rb_bin(&rb, PR_ENTRYID, wrapped.cb, wrapped.lpb);
        else
            rb.oom = 1;
        mapirt_rb_bin(&rb, PR_INSTANCE_KEY, 16, p->uid.ab);
        if (rk)
            mapirt_rb_bin(&rb, PR_RECORD_KEY, rk->Value.bin.cb, rk->Value.bin.lpb);
        else
            mapirt_rb_bin(&rb, PR_RECORD_KEY, 16, p->uid.ab);
        if (mdbp)
            mapirt_rb_bin(&rb, PR_MDB_PROVIDER, mdbp->Value.bin.cb, mdbp->Value.bin.lpb);
        else
            mapirt_rb_bin(&rb, PR_MDB_PROVIDER, 16, p->uid.ab);
        mapirt_rb_long(&rb, PR_OBJECT_TYPE, MAPI_STORE);
        mapirt_rb_long(&rb, PR_RESOURCE_TYPE, MAPI_STORE_PROVIDER);
        mapirt_rb_long(&rb, PR_RESOURCE_FLAGS, (flags & ~(ULONG)MAPIRT_STORE_FLAGS) | dyn);
        mapirt_rb_bool(&rb, PR_DEFAULT_STORE, (dyn & STATUS_DEFAULT_STORE) != 0);
        whr = ended || !listed(p, flags) ? mapirt_table_drop(s->stores_td[w], 16, p->uid.ab)
                                          : mapirt_table_put(s->stores_td[w], &rb);
        if (FAILED(whr))
            hr = whr;
        mapirt_rb_free(&rb);
    }
    mapirt_tbl_unlock(s);
    MAPIFreeBuffer(v);
    return hr;
}

HRESULT mapirt_stores_view(mapirt_sess *s, ULONG ulFlags, LPMAPITABLE *out)
{
    LPTABLEDATA td = s->stores_td[(ulFlags & MAPI_UNICODE) ? 1 : 0];
    return td ? td->lpVtbl->HrGetView(td, NULL, NULL, 0, out) : MAPI_E_END_OF_SESSION;
}
