/* services_order.c: the transport order (services.h, SPEC §13.1). */
#include <string.h>

#include <mapicode.h>
#include <mapitags.h>
#include <mapix.h>

#include <mapirt/alloc.h>

#include "services_internal.h"
#include "store_internal.h"

/* New providers go before the transports that asked to be last (STATUS_XP_PREFER_LAST) when
 * those are at the end; new ones that ask to be last go last. */
HRESULT mapirt_svc_place_new(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *service)
{
    mapirt_ps_provider *p;
    ULONG n;
    HRESULT hr = mapirt_ps_provider_list(tx, id, NULL, &p, &n);
    if (FAILED(hr))
        return hr;
    MAPIUID *order = mapirt_calloc(n ? n : 1, sizeof *order);
    int *last = mapirt_calloc(n ? n : 1, sizeof *last);
    if (!order || !last) {
        mapirt_free(order);
        mapirt_free(last);
        mapirt_free(p);
        return mapirt_ps_oom(tx);
    }
    for (ULONG i = 0; i < n && SUCCEEDED(hr); i++) {
        LONG f, t;
        hr = mapirt_svc_section_longs(tx, id, &p[i].uid, &f, &t);
        last[i] = p[i].kind == MAPIRT_PS_PROVIDER && t == MAPI_TRANSPORT_PROVIDER &&
                  (f & STATUS_XP_PREFER_LAST);
    }
    if (SUCCEEDED(hr)) {
        ULONG k = 0, tail = n;
        /* the old providers' trailing run of prefer-last transports */
        for (ULONG i = n; i-- > 0;) {
            int is_new = memcmp(&p[i].service, service, sizeof *service) == 0;
            if (is_new)
                continue;
            if (!last[i])
                break;
            tail = i;
        }
        int moved = 0;
        for (ULONG i = 0; i < n; i++) /* old ones before the tail */
            if (i < tail && memcmp(&p[i].service, service, sizeof *service) != 0)
                order[k++] = p[i].uid;
        for (ULONG i = 0; i < n; i++) /* new ones that do not ask to be last */
            if (memcmp(&p[i].service, service, sizeof *service) == 0 && !last[i]) {
                moved |= tail < i;
                order[k++] = p[i].uid;
            }
        for (ULONG i = tail; i < n; i++) /* the old tail */
            if (memcmp(&p[i].service, service, sizeof *service) != 0)
                order[k++] = p[i].uid;
        for (ULONG i = 0; i < n; i++) /* new ones that ask to be last */
            if (memcmp(&p[i].service, service, sizeof *service) == 0 && last[i])
                order[k++] = p[i].uid;
        if (moved)
            hr = mapirt_ps_provider_reorder(tx, id, k, order);
    }
    mapirt_free(order);
    mapirt_free(last);
    mapirt_free(p);
    return hr;
}

HRESULT mapirt_svc_transport_order(mapirt_ps_tx *tx, mapirt_profile_id id, ULONG cUID,
                                   const MAPIUID *uids)
{
    mapirt_ps_provider *p;
    ULONG n, nt = 0;
    HRESULT hr = mapirt_ps_provider_list(tx, id, NULL, &p, &n);
    if (FAILED(hr))
        return hr;
    int *is_xp = mapirt_calloc(n ? n : 1, sizeof *is_xp);
    int *used = mapirt_calloc(n ? n : 1, sizeof *used);
    if (!is_xp || !used)
        hr = mapirt_ps_oom(tx);
    for (ULONG i = 0; SUCCEEDED(hr) && i < n; i++) {
        LONG t;
        if (p[i].kind == MAPIRT_PS_PROVIDER &&
            SUCCEEDED(hr = mapirt_svc_section_longs(tx, id, &p[i].uid, NULL, &t)))
            nt += is_xp[i] = t == MAPI_TRANSPORT_PROVIDER;
    }
    if (SUCCEEDED(hr) && cUID != nt)
        hr = mapirt_ps_fail(tx, MAPI_E_BUSY,
                            "the transport order names %u transports; the profile has %u",
                            (unsigned)cUID, (unsigned)nt);
    for (ULONG k = 0; SUCCEEDED(hr) && k < cUID; k++) {
        ULONG i = 0;
        while (i < n && !(is_xp[i] && memcmp(&p[i].uid, &uids[k], sizeof uids[k]) == 0))
            i++;
        if (i == n || used[i])
            hr = mapirt_ps_fail(tx, MAPI_E_NOT_FOUND,
                                "entry %u of the transport order is %s", (unsigned)k,
                                i == n ? "not a transport provider of the profile"
                                       : "named twice");
        else
            used[i] = 1;
    }
    if (SUCCEEDED(hr) && cUID)
        hr = mapirt_ps_provider_reorder(tx, id, cUID, uids);
    mapirt_free(is_xp);
    mapirt_free(used);
    mapirt_free(p);
    return hr;
}

