/* services.c: message services and providers of a profile: created from the catalog, deleted
 * (services.h; copies are services_copy.c). */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include <mapicode.h>
#include <mapitags.h>
#include <mapix.h>

#include <mapirt/alloc.h>

#include "services_internal.h"
#include "store_internal.h"

HRESULT mapirt_new_uid(MAPIUID *uid)
{
    return getrandom(uid, sizeof *uid, 0) == (ssize_t)sizeof *uid ? S_OK : MAPI_E_CALL_FAILED;
}

HRESULT mapirt_svc_new_uid(mapirt_ps_tx *tx, MAPIUID *uid)
{
    if (mapirt_new_uid(uid) != S_OK)
        return mapirt_ps_fail(tx, MAPI_E_CALL_FAILED, "no random bytes for a new UID: %s",
                              strerror(errno));
    return S_OK;
}

const SPropValue *mapirt_svc_find(const SPropValue *v, ULONG n, ULONG tag)
{
    for (ULONG i = 0; i < n; i++)
        if (PROP_ID(v[i].ulPropTag) == PROP_ID(tag))
            return &v[i];
    return NULL;
}

LONG mapirt_svc_long_of(const SPropValue *v, ULONG n, ULONG tag)
{
    const SPropValue *p = mapirt_svc_find(v, n, tag);
    return p && PROP_TYPE(p->ulPropTag) == PT_LONG ? p->Value.l : 0;
}

/* PR_RESOURCE_FLAGS and PR_RESOURCE_TYPE of a section (0 when absent). */
HRESULT mapirt_svc_section_longs(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *uid,
                             LONG *flags, LONG *type)
{
    ULONG n;
    LPSPropValue v;
    HRESULT hr = mapirt_ps_props_get(tx, id, uid, &n, &v);
    if (FAILED(hr))
        return hr;
    if (flags)
        *flags = mapirt_svc_long_of(v, n, PR_RESOURCE_FLAGS);
    if (type)
        *type = mapirt_svc_long_of(v, n, PR_RESOURCE_TYPE);
    MAPIFreeBuffer(v);
    return S_OK;
}

HRESULT mapirt_svc_set_flags(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *uid,
                             LONG flags)
{
    SPropValue v;
    memset(&v, 0, sizeof v);
    v.ulPropTag = PR_RESOURCE_FLAGS;
    v.Value.l = flags;
    return mapirt_ps_props_set(tx, id, uid, 1, &v);
}

/* A property array: `base` (from the catalog or another section) with `extra` on top (a value
 * of `extra` replaces the one of the same ID in `base`), on the private heap. */
static HRESULT merge(mapirt_ps_tx *tx, const SPropValue *base, ULONG nb, const SPropValue *extra,
                     ULONG ne, SPropValue **out, ULONG *n)
{
    SPropValue *v = mapirt_calloc((size_t)nb + ne + 1, sizeof *v);
    if (!v)
        return mapirt_ps_oom(tx);
    ULONG k = 0;
    for (ULONG i = 0; i < nb; i++)
        if (!mapirt_svc_find(extra, ne, base[i].ulPropTag))
            v[k++] = base[i];
    for (ULONG i = 0; i < ne; i++)
        v[k++] = extra[i];
    *out = v;
    *n = k;
    return S_OK;
}

HRESULT mapirt_svc_put_section(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *uid,
                               const SPropValue *base, ULONG nb, const SPropValue *extra,
                               ULONG ne)
{
    SPropValue *v;
    ULONG n;
    HRESULT hr = merge(tx, base, nb, extra, ne, &v, &n);
    if (FAILED(hr))
        return hr;
    hr = mapirt_ps_props_set(tx, id, uid, n, v);
    mapirt_free(v);
    return hr;
}

static SPropValue bin(ULONG tag, const void *p, ULONG cb)
{
    SPropValue v;
    memset(&v, 0, sizeof v);
    v.ulPropTag = tag;
    v.Value.bin.cb = cb;
    v.Value.bin.lpb = (LPBYTE)p;
    return v;
}

static SPropValue str(ULONG tag, const char *s)
{
    SPropValue v;
    memset(&v, 0, sizeof v);
    v.ulPropTag = tag;
    v.Value.lpszA = (LPSTR)s;
    return v;
}

static SPropValue lng(ULONG tag, LONG l)
{
    SPropValue v;
    memset(&v, 0, sizeof v);
    v.ulPropTag = tag;
    v.Value.l = l;
    return v;
}

/* ---- creating, copying, deleting ---- */

HRESULT mapirt_svc_single_copy_check(mapirt_ps_tx *tx, mapirt_profile_id id, const char *name,
                                     LONG flags)
{
    mapirt_ps_service *s;
    ULONG n;
    HRESULT hr;
    if (!(flags & SERVICE_SINGLE_COPY))
        return S_OK;
    if (FAILED(hr = mapirt_ps_service_list(tx, id, &s, &n)))
        return hr;
    for (ULONG i = 0; i < n && SUCCEEDED(hr); i++)
        if (strcasecmp(s[i].name, name) == 0)
            hr = mapirt_ps_fail(tx, MAPI_E_NO_ACCESS,
                                "message service '%s' allows one copy per profile and the "
                                "profile has it",
                                name);
    mapirt_free(s);
    return hr;
}

HRESULT mapirt_svc_create(mapirt_ps_tx *tx, mapirt_profile_id id, const mapirt_catalog *cat,
                          const char *name, const char *display, MAPIUID *uid)
{
    const mapirt_catalog_service *svc = mapirt_catalog_service_find(cat, name);
    HRESULT hr;
    if (!svc)
        return mapirt_ps_fail(tx, MAPI_E_NOT_FOUND,
                              "there is no message service '%s' in the service catalog", name);
    const mapirt_catalog_section *sec = svc->section;
    LONG sflags = mapirt_svc_long_of(sec->lpProps, sec->cValues, PR_RESOURCE_FLAGS);
    MAPIUID su;
    if (FAILED(hr = mapirt_svc_single_copy_check(tx, id, svc->name, sflags)) ||
        FAILED(hr = mapirt_svc_new_uid(tx, &su)) ||
        FAILED(hr = mapirt_ps_service_add(tx, id, &su, svc->name)))
        return hr;

    MAPIUID *extra = mapirt_calloc(sec->cExtras + 1, sizeof *extra);
    if (!extra)
        return mapirt_ps_oom(tx);
    for (ULONG i = 0; i < sec->cExtras && SUCCEEDED(hr); i++) {
        if (sec->extras[i]->has_uid)
            extra[i] = sec->extras[i]->uid;
        else
            hr = mapirt_svc_new_uid(tx, &extra[i]);
    }
    SPropValue add[5];
    ULONG na = 0;
    add[na++] = str(PR_SERVICE_NAME_A, svc->name);
    add[na++] = bin(PR_SERVICE_UID, &su, sizeof su);
    if (!mapirt_svc_find(sec->lpProps, sec->cValues, PR_DISPLAY_NAME))
        add[na++] = str(PR_DISPLAY_NAME_A, display ? display : svc->display);
    if (!mapirt_svc_find(sec->lpProps, sec->cValues, PR_RESOURCE_FLAGS))
        add[na++] = lng(PR_RESOURCE_FLAGS, 0);
    if (sec->cExtras)
        add[na++] = bin(PR_SERVICE_EXTRA_UIDS, extra, sec->cExtras * (ULONG)sizeof *extra);
    if (SUCCEEDED(hr))
        hr = mapirt_svc_put_section(tx, id, &su, sec->lpProps, sec->cValues, add, na);

    for (ULONG i = 0; i < sec->cProviders && SUCCEEDED(hr); i++) {
        const mapirt_catalog_section *ps = sec->providers[i];
        MAPIUID pu;
        if (FAILED(hr = mapirt_svc_new_uid(tx, &pu)) ||
            FAILED(hr = mapirt_ps_provider_add(tx, id, &su, &pu, MAPIRT_PS_PROVIDER)))
            break;
        SPropValue padd[4];
        ULONG pn = 0;
        padd[pn++] = bin(PR_PROVIDER_UID, &pu, sizeof pu);
        padd[pn++] = bin(PR_SERVICE_UID, &su, sizeof su);
        padd[pn++] = str(PR_SERVICE_NAME_A, svc->name);
        if (!mapirt_svc_find(ps->lpProps, ps->cValues, PR_RESOURCE_FLAGS))
            padd[pn++] = lng(PR_RESOURCE_FLAGS, 0);
        hr = mapirt_svc_put_section(tx, id, &pu, ps->lpProps, ps->cValues, padd, pn);
    }
    for (ULONG i = 0; i < sec->cExtras && SUCCEEDED(hr); i++) {
        const mapirt_catalog_section *es = sec->extras[i];
        SPropValue eadd = bin(PR_SERVICE_UID, &su, sizeof su);
        if (SUCCEEDED(hr = mapirt_ps_provider_add(tx, id, &su, &extra[i], MAPIRT_PS_EXTRA)))
            hr = mapirt_svc_put_section(tx, id, &extra[i], es->lpProps, es->cValues, &eadd, 1);
    }
    mapirt_free(extra);
    if (SUCCEEDED(hr))
        hr = mapirt_svc_place_new(tx, id, &su);
    if (SUCCEEDED(hr))
        hr = mapirt_svc_settle_identity(tx, id, &su);
    if (SUCCEEDED(hr) && uid)
        *uid = su;
    return hr;
}

HRESULT mapirt_svc_provider_create(mapirt_ps_tx *tx, mapirt_profile_id id,
                                   const MAPIUID *service, const mapirt_catalog *cat,
                                   const char *section, ULONG cValues, const SPropValue *lpProps,
                                   MAPIUID *uid)
{
    mapirt_ps_service svc;
    HRESULT hr = mapirt_ps_service_get(tx, id, service, &svc);
    if (FAILED(hr))
        return hr;
    const mapirt_catalog_section *sec = mapirt_catalog_section_find(cat, section);
    if (!sec || (sec->role != MAPIRT_SECTION_PROVIDER && sec->role != MAPIRT_SECTION_UNUSED) ||
        !mapirt_svc_find(sec->lpProps, sec->cValues, PR_PROVIDER_DLL_NAME))
        return mapirt_ps_fail(tx, MAPI_E_NOT_FOUND,
                              "there is no provider section [%s] in the service catalog",
                              section);
    MAPIUID pu;
    if (FAILED(hr = mapirt_svc_new_uid(tx, &pu)) ||
        FAILED(hr = mapirt_ps_provider_add(tx, id, service, &pu, MAPIRT_PS_PROVIDER)))
        return hr;
    SPropValue *given;
    ULONG ng;
    SPropValue ids[4];
    ULONG ni = 0;
    ids[ni++] = bin(PR_PROVIDER_UID, &pu, sizeof pu);
    ids[ni++] = bin(PR_SERVICE_UID, service, sizeof *service);
    ids[ni++] = str(PR_SERVICE_NAME_A, svc.name);
    if (!mapirt_svc_find(sec->lpProps, sec->cValues, PR_RESOURCE_FLAGS) &&
        !mapirt_svc_find(lpProps, cValues, PR_RESOURCE_FLAGS))
        ids[ni++] = lng(PR_RESOURCE_FLAGS, 0);
    /* catalog, then the caller's properties, then the identifiers */
    if (FAILED(hr = merge(tx, sec->lpProps, sec->cValues, lpProps, cValues, &given, &ng)))
        return hr;
    hr = mapirt_svc_put_section(tx, id, &pu, given, ng, ids, ni);
    mapirt_free(given);
    if (SUCCEEDED(hr))
        hr = mapirt_svc_place_new(tx, id, service);
    if (SUCCEEDED(hr)) {
        /* it supplies the identity with its service, if that service does */
        LONG sf, pf;
        if (SUCCEEDED(hr = mapirt_svc_section_longs(tx, id, service, &sf, NULL)) &&
            SUCCEEDED(hr = mapirt_svc_section_longs(tx, id, &pu, &pf, NULL))) {
            LONG nf = (sf & SERVICE_PRIMARY_IDENTITY) && !(pf & STATUS_NO_PRIMARY_IDENTITY)
                          ? (pf | (LONG)STATUS_PRIMARY_IDENTITY)
                          : (pf & ~(LONG)STATUS_PRIMARY_IDENTITY);
            if (nf != pf)
                hr = mapirt_svc_set_flags(tx, id, &pu, nf);
        }
    }
    if (SUCCEEDED(hr) && uid)
        *uid = pu;
    return hr;
}

HRESULT mapirt_svc_delete(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *service)
{
    LONG f;
    HRESULT hr = mapirt_svc_section_longs(tx, id, service, &f, NULL);
    if (FAILED(hr) || FAILED(hr = mapirt_ps_service_delete(tx, id, service)))
        return hr;
    if (!(f & SERVICE_PRIMARY_IDENTITY))
        return S_OK;
    /* the role passes to the next service able to take it */
    mapirt_ps_service *s;
    ULONG n;
    if (FAILED(hr = mapirt_ps_service_list(tx, id, &s, &n)))
        return hr;
    for (ULONG i = 0; i < n && SUCCEEDED(hr); i++) {
        int capable;
        if (SUCCEEDED(hr = mapirt_svc_can_supply(tx, id, &s[i].uid, &capable)) && capable) {
            hr = mapirt_svc_set_identity(tx, id, &s[i].uid);
            break;
        }
    }
    mapirt_free(s);
    return hr;
}

HRESULT mapirt_svc_of_provider(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *provider,
                               MAPIUID *service, int *kind)
{
    mapirt_ps_provider *p;
    ULONG n;
    HRESULT hr = mapirt_ps_provider_list(tx, id, NULL, &p, &n);
    if (FAILED(hr))
        return hr;
    hr = mapirt_ps_fail(tx, MAPI_E_NOT_FOUND, "the profile has no such provider");
    for (ULONG i = 0; i < n; i++)
        if (memcmp(&p[i].uid, provider, sizeof *provider) == 0) {
            if (service)
                *service = p[i].service;
            if (kind)
                *kind = p[i].kind;
            hr = S_OK;
            break;
        }
    mapirt_free(p);
    return hr;
}
