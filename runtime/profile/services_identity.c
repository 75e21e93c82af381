/* services_identity.c: which service supplies the primary identity (services.h, SPEC §12.2). */
#include <string.h>

#include <mapicode.h>
#include <mapitags.h>
#include <mapix.h>

#include <mapirt/alloc.h>

#include "services_internal.h"
#include "store_internal.h"

/* A service can supply the identity unless it says it cannot, and one of its providers can. */
HRESULT mapirt_svc_can_supply(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *service,
                          int *yes)
{
    LONG sf;
    mapirt_ps_provider *p;
    ULONG n;
    HRESULT hr = mapirt_svc_section_longs(tx, id, service, &sf, NULL);
    *yes = 0;
    if (FAILED(hr) || (sf & SERVICE_NO_PRIMARY_IDENTITY))
        return hr;
    if (FAILED(hr = mapirt_ps_provider_list(tx, id, service, &p, &n)))
        return hr;
    for (ULONG i = 0; i < n && SUCCEEDED(hr) && !*yes; i++) {
        LONG pf;
        if (p[i].kind != MAPIRT_PS_PROVIDER)
            continue;
        hr = mapirt_svc_section_longs(tx, id, &p[i].uid, &pf, NULL);
        *yes = SUCCEEDED(hr) && !(pf & STATUS_NO_PRIMARY_IDENTITY);
    }
    mapirt_free(p);
    return hr;
}

HRESULT mapirt_svc_set_identity(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *service)
{
    mapirt_ps_service *s = NULL;
    mapirt_ps_provider *p = NULL;
    ULONG ns, np;
    HRESULT hr;

    if (service) {
        mapirt_ps_service one;
        LONG sf;
        if (FAILED(hr = mapirt_ps_service_get(tx, id, service, &one)) ||
            FAILED(hr = mapirt_svc_section_longs(tx, id, service, &sf, NULL)))
            return hr;
        if (sf & SERVICE_NO_PRIMARY_IDENTITY)
            return mapirt_ps_fail(tx, MAPI_E_NO_ACCESS,
                                  "message service '%s' cannot supply the primary identity "
                                  "(SERVICE_NO_PRIMARY_IDENTITY)",
                                  one.name);
    }
    if (FAILED(hr = mapirt_ps_service_list(tx, id, &s, &ns)))
        return hr;
    for (ULONG i = 0; i < ns && SUCCEEDED(hr); i++) {
        LONG f, nf;
        int chosen = service && memcmp(&s[i].uid, service, sizeof *service) == 0;
        if (FAILED(hr = mapirt_svc_section_longs(tx, id, &s[i].uid, &f, NULL)))
            break;
        nf = chosen ? (f | (LONG)SERVICE_PRIMARY_IDENTITY) : (f & ~(LONG)SERVICE_PRIMARY_IDENTITY);
        if (nf != f)
            hr = mapirt_svc_set_flags(tx, id, &s[i].uid, nf);
    }
    if (SUCCEEDED(hr))
        hr = mapirt_ps_provider_list(tx, id, NULL, &p, &np);
    for (ULONG i = 0; SUCCEEDED(hr) && i < np; i++) {
        LONG f, nf;
        if (p[i].kind != MAPIRT_PS_PROVIDER)
            continue;
        int chosen = service && memcmp(&p[i].service, service, sizeof *service) == 0;
        if (FAILED(hr = mapirt_svc_section_longs(tx, id, &p[i].uid, &f, NULL)))
            break;
        nf = chosen && !(f & STATUS_NO_PRIMARY_IDENTITY) ? (f | (LONG)STATUS_PRIMARY_IDENTITY)
                                                        : (f & ~(LONG)STATUS_PRIMARY_IDENTITY);
        if (nf != f)
            hr = mapirt_svc_set_flags(tx, id, &p[i].uid, nf);
    }
    mapirt_free(s);
    mapirt_free(p);
    return hr;
}

/* The service holding SERVICE_PRIMARY_IDENTITY, other than `except`: 1 found, 0 none. */
static HRESULT identity_service(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *except,
                                int *found)
{
    mapirt_ps_service *s = NULL;
    ULONG n;
    HRESULT hr = mapirt_ps_service_list(tx, id, &s, &n);
    *found = 0;
    for (ULONG i = 0; SUCCEEDED(hr) && i < n && !*found; i++) {
        LONG f;
        if (except && memcmp(&s[i].uid, except, sizeof *except) == 0)
            continue;
        hr = mapirt_svc_section_longs(tx, id, &s[i].uid, &f, NULL);
        *found = SUCCEEDED(hr) && (f & SERVICE_PRIMARY_IDENTITY);
    }
    mapirt_free(s);
    return hr;
}

/* After a service arrived: it supplies the identity when nobody else does and it can; else
 * neither it nor its providers claim it. */
HRESULT mapirt_svc_settle_identity(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *service)
{
    int other, capable;
    HRESULT hr = identity_service(tx, id, service, &other);
    if (SUCCEEDED(hr))
        hr = mapirt_svc_can_supply(tx, id, service, &capable);
    if (FAILED(hr))
        return hr;
    if (!other && capable)
        return mapirt_svc_set_identity(tx, id, service);
    LONG f;
    mapirt_ps_provider *p;
    ULONG n;
    if (FAILED(hr = mapirt_svc_section_longs(tx, id, service, &f, NULL)))
        return hr;
    if ((f & SERVICE_PRIMARY_IDENTITY) &&
        FAILED(hr = mapirt_svc_set_flags(tx, id, service, f & ~(LONG)SERVICE_PRIMARY_IDENTITY)))
        return hr;
    if (FAILED(hr = mapirt_ps_provider_list(tx, id, service, &p, &n)))
        return hr;
    for (ULONG i = 0; SUCCEEDED(hr) && i < n; i++) {
        if (p[i].kind != MAPIRT_PS_PROVIDER)
            continue;
        if (SUCCEEDED(hr = mapirt_svc_section_longs(tx, id, &p[i].uid, &f, NULL)) &&
            (f & STATUS_PRIMARY_IDENTITY))
            hr = mapirt_svc_set_flags(tx, id, &p[i].uid, f & ~(LONG)STATUS_PRIMARY_IDENTITY);
    }
    mapirt_free(p);
    return hr;
}

