/* services.c: message services and providers of a profile (services.h). */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include <mapicode.h>
#include <mapitags.h>
#include <mapix.h>

#include <mapirt/alloc.h>

#include "services.h"
#include "store_internal.h"

HRESULT mapirt_new_uid(MAPIUID *uid)
{
    return getrandom(uid, sizeof *uid, 0) == (ssize_t)sizeof *uid ? S_OK : MAPI_E_CALL_FAILED;
}

static HRESULT new_uid(mapirt_ps_tx *tx, MAPIUID *uid)
{
    if (mapirt_new_uid(uid) != S_OK)
        return mapirt_ps_fail(tx, MAPI_E_CALL_FAILED, "no random bytes for a new UID: %s",
                              strerror(errno));
    return S_OK;
}

static const SPropValue *find(const SPropValue *v, ULONG n, ULONG tag)
{
    for (ULONG i = 0; i < n; i++)
        if (PROP_ID(v[i].ulPropTag) == PROP_ID(tag))
            return &v[i];
    return NULL;
}

static LONG long_of(const SPropValue *v, ULONG n, ULONG tag)
{
    const SPropValue *p = find(v, n, tag);
    return p && PROP_TYPE(p->ulPropTag) == PT_LONG ? p->Value.l : 0;
}

/* PR_RESOURCE_FLAGS and PR_RESOURCE_TYPE of a section (0 when absent). */
static HRESULT section_longs(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *uid,
                             LONG *flags, LONG *type)
{
    ULONG n;
    LPSPropValue v;
    HRESULT hr = mapirt_ps_props_get(tx, id, uid, &n, &v);
    if (FAILED(hr))
        return hr;
    if (flags)
        *flags = long_of(v, n, PR_RESOURCE_FLAGS);
    if (type)
        *type = long_of(v, n, PR_RESOURCE_TYPE);
    MAPIFreeBuffer(v);
    return S_OK;
}

static HRESULT set_flags(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *uid, LONG flags)
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
        if (!find(extra, ne, base[i].ulPropTag))
            v[k++] = base[i];
    for (ULONG i = 0; i < ne; i++)
        v[k++] = extra[i];
    *out = v;
    *n = k;
    return S_OK;
}

static HRESULT put_section(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *uid,
                           const SPropValue *base, ULONG nb, const SPropValue *extra, ULONG ne)
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

/* ---- primary identity ---- */

/* A service can supply the identity unless it says it cannot, and one of its providers can. */
static HRESULT can_supply(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *service,
                          int *yes)
{
    LONG sf;
    mapirt_ps_provider *p;
    ULONG n;
    HRESULT hr = section_longs(tx, id, service, &sf, NULL);
    *yes = 0;
    if (FAILED(hr) || (sf & SERVICE_NO_PRIMARY_IDENTITY))
        return hr;
    if (FAILED(hr = mapirt_ps_provider_list(tx, id, service, &p, &n)))
        return hr;
    for (ULONG i = 0; i < n && SUCCEEDED(hr) && !*yes; i++) {
        LONG pf;
        if (p[i].kind != MAPIRT_PS_PROVIDER)
            continue;
        hr = section_longs(tx, id, &p[i].uid, &pf, NULL);
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
            FAILED(hr = section_longs(tx, id, service, &sf, NULL)))
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
        if (FAILED(hr = section_longs(tx, id, &s[i].uid, &f, NULL)))
            break;
        nf = chosen ? (f | (LONG)SERVICE_PRIMARY_IDENTITY) : (f & ~(LONG)SERVICE_PRIMARY_IDENTITY);
        if (nf != f)
            hr = set_flags(tx, id, &s[i].uid, nf);
    }
    if (SUCCEEDED(hr))
        hr = mapirt_ps_provider_list(tx, id, NULL, &p, &np);
    for (ULONG i = 0; SUCCEEDED(hr) && i < np; i++) {
        LONG f, nf;
        if (p[i].kind != MAPIRT_PS_PROVIDER)
            continue;
        int chosen = service && memcmp(&p[i].service, service, sizeof *service) == 0;
        if (FAILED(hr = section_longs(tx, id, &p[i].uid, &f, NULL)))
            break;
        nf = chosen && !(f & STATUS_NO_PRIMARY_IDENTITY) ? (f | (LONG)STATUS_PRIMARY_IDENTITY)
                                                        : (f & ~(LONG)STATUS_PRIMARY_IDENTITY);
        if (nf != f)
            hr = set_flags(tx, id, &p[i].uid, nf);
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
        hr = section_longs(tx, id, &s[i].uid, &f, NULL);
        *found = SUCCEEDED(hr) && (f & SERVICE_PRIMARY_IDENTITY);
    }
    mapirt_free(s);
    return hr;
}

/* After a service arrived: it supplies the identity when nobody else does and it can; else
 * neither it nor its providers claim it. */
static HRESULT settle_identity(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *service)
{
    int other, capable;
    HRESULT hr = identity_service(tx, id, service, &other);
    if (SUCCEEDED(hr))
        hr = can_supply(tx, id, service, &capable);
    if (FAILED(hr))
        return hr;
    if (!other && capable)
        return mapirt_svc_set_identity(tx, id, service);
    LONG f;
    mapirt_ps_provider *p;
    ULONG n;
    if (FAILED(hr = section_longs(tx, id, service, &f, NULL)))
        return hr;
    if ((f & SERVICE_PRIMARY_IDENTITY) &&
        FAILED(hr = set_flags(tx, id, service, f & ~(LONG)SERVICE_PRIMARY_IDENTITY)))
        return hr;
    if (FAILED(hr = mapirt_ps_provider_list(tx, id, service, &p, &n)))
        return hr;
    for (ULONG i = 0; SUCCEEDED(hr) && i < n; i++) {
        if (p[i].kind != MAPIRT_PS_PROVIDER)
            continue;
        if (SUCCEEDED(hr = section_longs(tx, id, &p[i].uid, &f, NULL)) &&
            (f & STATUS_PRIMARY_IDENTITY))
            hr = set_flags(tx, id, &p[i].uid, f & ~(LONG)STATUS_PRIMARY_IDENTITY);
    }
    mapirt_free(p);
    return hr;
}

/* ---- transport order ---- */

/* New providers go before the transports that asked to be last (STATUS_XP_PREFER_LAST) when
 * those are at the end; new ones that ask to be last go last. */
static HRESULT place_new(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *service)
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
        hr = section_longs(tx, id, &p[i].uid, &f, &t);
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
    int *is_xp = mapirt_calloc(n ? n : 1, sizeof *is_xp), *used = mapirt_calloc(n ? n : 1, sizeof *used);
    if (!is_xp || !used)
        hr = mapirt_ps_oom(tx);
    for (ULONG i = 0; SUCCEEDED(hr) && i < n; i++) {
        LONG t;
        if (p[i].kind == MAPIRT_PS_PROVIDER &&
            SUCCEEDED(hr = section_longs(tx, id, &p[i].uid, NULL, &t)))
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

/* ---- creating, copying, deleting ---- */

static HRESULT single_copy_check(mapirt_ps_tx *tx, mapirt_profile_id id, const char *name,
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
    LONG sflags = long_of(sec->lpProps, sec->cValues, PR_RESOURCE_FLAGS);
    MAPIUID su;
    if (FAILED(hr = single_copy_check(tx, id, svc->name, sflags)) ||
        FAILED(hr = new_uid(tx, &su)) ||
        FAILED(hr = mapirt_ps_service_add(tx, id, &su, svc->name)))
        return hr;

    MAPIUID *extra = mapirt_calloc(sec->cExtras + 1, sizeof *extra);
    if (!extra)
        return mapirt_ps_oom(tx);
    for (ULONG i = 0; i < sec->cExtras && SUCCEEDED(hr); i++) {
        if (sec->extras[i]->has_uid)
            extra[i] = sec->extras[i]->uid;
        else
            hr = new_uid(tx, &extra[i]);
    }
    SPropValue add[5];
    ULONG na = 0;
    add[na++] = str(PR_SERVICE_NAME_A, svc->name);
    add[na++] = bin(PR_SERVICE_UID, &su, sizeof su);
    if (!find(sec->lpProps, sec->cValues, PR_DISPLAY_NAME))
        add[na++] = str(PR_DISPLAY_NAME_A, display ? display : svc->display);
    if (!find(sec->lpProps, sec->cValues, PR_RESOURCE_FLAGS))
        add[na++] = lng(PR_RESOURCE_FLAGS, 0);
    if (sec->cExtras)
        add[na++] = bin(PR_SERVICE_EXTRA_UIDS, extra, sec->cExtras * (ULONG)sizeof *extra);
    if (SUCCEEDED(hr))
        hr = put_section(tx, id, &su, sec->lpProps, sec->cValues, add, na);

    for (ULONG i = 0; i < sec->cProviders && SUCCEEDED(hr); i++) {
        const mapirt_catalog_section *ps = sec->providers[i];
        MAPIUID pu;
        if (FAILED(hr = new_uid(tx, &pu)) ||
            FAILED(hr = mapirt_ps_provider_add(tx, id, &su, &pu, MAPIRT_PS_PROVIDER)))
            break;
        SPropValue padd[4];
        ULONG pn = 0;
        padd[pn++] = bin(PR_PROVIDER_UID, &pu, sizeof pu);
        padd[pn++] = bin(PR_SERVICE_UID, &su, sizeof su);
        padd[pn++] = str(PR_SERVICE_NAME_A, svc->name);
        if (!find(ps->lpProps, ps->cValues, PR_RESOURCE_FLAGS))
            padd[pn++] = lng(PR_RESOURCE_FLAGS, 0);
        hr = put_section(tx, id, &pu, ps->lpProps, ps->cValues, padd, pn);
    }
    for (ULONG i = 0; i < sec->cExtras && SUCCEEDED(hr); i++) {
        const mapirt_catalog_section *es = sec->extras[i];
        SPropValue eadd = bin(PR_SERVICE_UID, &su, sizeof su);
        if (SUCCEEDED(hr = mapirt_ps_provider_add(tx, id, &su, &extra[i], MAPIRT_PS_EXTRA)))
            hr = put_section(tx, id, &extra[i], es->lpProps, es->cValues, &eadd, 1);
    }
    mapirt_free(extra);
    if (SUCCEEDED(hr))
        hr = place_new(tx, id, &su);
    if (SUCCEEDED(hr))
        hr = settle_identity(tx, id, &su);
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
        !find(sec->lpProps, sec->cValues, PR_PROVIDER_DLL_NAME))
        return mapirt_ps_fail(tx, MAPI_E_NOT_FOUND,
                              "there is no provider section [%s] in the service catalog",
                              section);
    MAPIUID pu;
    if (FAILED(hr = new_uid(tx, &pu)) ||
        FAILED(hr = mapirt_ps_provider_add(tx, id, service, &pu, MAPIRT_PS_PROVIDER)))
        return hr;
    SPropValue *given;
    ULONG ng;
    SPropValue ids[4];
    ULONG ni = 0;
    ids[ni++] = bin(PR_PROVIDER_UID, &pu, sizeof pu);
    ids[ni++] = bin(PR_SERVICE_UID, service, sizeof *service);
    ids[ni++] = str(PR_SERVICE_NAME_A, svc.name);
    if (!find(sec->lpProps, sec->cValues, PR_RESOURCE_FLAGS) &&
        !find(lpProps, cValues, PR_RESOURCE_FLAGS))
        ids[ni++] = lng(PR_RESOURCE_FLAGS, 0);
    /* catalog, then the caller's properties, then the identifiers */
    if (FAILED(hr = merge(tx, sec->lpProps, sec->cValues, lpProps, cValues, &given, &ng)))
        return hr;
    hr = put_section(tx, id, &pu, given, ng, ids, ni);
    mapirt_free(given);
    if (SUCCEEDED(hr))
        hr = place_new(tx, id, service);
    if (SUCCEEDED(hr)) {
        /* it supplies the identity with its service, if that service does */
        LONG sf, pf;
        if (SUCCEEDED(hr = section_longs(tx, id, service, &sf, NULL)) &&
            SUCCEEDED(hr = section_longs(tx, id, &pu, &pf, NULL))) {
            LONG nf = (sf & SERVICE_PRIMARY_IDENTITY) && !(pf & STATUS_NO_PRIMARY_IDENTITY)
                          ? (pf | (LONG)STATUS_PRIMARY_IDENTITY)
                          : (pf & ~(LONG)STATUS_PRIMARY_IDENTITY);
            if (nf != pf)
                hr = set_flags(tx, id, &pu, nf);
        }
    }
    if (SUCCEEDED(hr) && uid)
        *uid = pu;
    return hr;
}

HRESULT mapirt_svc_delete(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *service)
{
    LONG f;
    HRESULT hr = section_longs(tx, id, service, &f, NULL);
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
        if (SUCCEEDED(hr = can_supply(tx, id, &s[i].uid, &capable)) && capable) {
            hr = mapirt_svc_set_identity(tx, id, &s[i].uid);
            break;
        }
    }
    mapirt_free(s);
    return hr;
}

static HRESULT copy_section(mapirt_ps_tx *tx, mapirt_profile_id from, const MAPIUID *src,
                            mapirt_profile_id to, const MAPIUID *dst, const SPropValue *ids,
                            ULONG nids)
{
    ULONG n;
    LPSPropValue v;
    HRESULT hr = mapirt_ps_props_get(tx, from, src, &n, &v);
    if (FAILED(hr))
        return hr;
    hr = put_section(tx, to, dst, v, n, ids, nids);
    MAPIFreeBuffer(v);
    return hr;
}

HRESULT mapirt_svc_copy(mapirt_ps_tx *tx, mapirt_profile_id from, const MAPIUID *service,
                        mapirt_profile_id to, MAPIUID *uid)
{
    mapirt_ps_service svc;
    mapirt_ps_provider *p;
    ULONG n;
    LONG sf;
    MAPIUID su;
    HRESULT hr;
    if (FAILED(hr = mapirt_ps_service_get(tx, from, service, &svc)) ||
        FAILED(hr = section_longs(tx, from, service, &sf, NULL)) ||
        FAILED(hr = single_copy_check(tx, to, svc.name, sf)) || FAILED(hr = new_uid(tx, &su)) ||
        FAILED(hr = mapirt_ps_service_add(tx, to, &su, svc.name)) ||
        FAILED(hr = mapirt_ps_provider_list(tx, from, service, &p, &n)))
        return hr;
    MAPIUID *nu = mapirt_calloc(n + 1, sizeof *nu), *extras = mapirt_calloc(n + 1, sizeof *nu);
    ULONG ne = 0;
    if (!nu || !extras)
        hr = mapirt_ps_oom(tx);
    for (ULONG i = 0; i < n && SUCCEEDED(hr); i++) {
        /* an extra section keeps its UID in another profile (it may be a fixed one) */
        if (p[i].kind == MAPIRT_PS_EXTRA && to != from)
            nu[i] = p[i].uid;
        else
            hr = new_uid(tx, &nu[i]);
        if (p[i].kind == MAPIRT_PS_EXTRA)
            extras[ne++] = nu[i];
    }
    SPropValue sids[2] = {bin(PR_SERVICE_UID, &su, sizeof su),
                          bin(PR_SERVICE_EXTRA_UIDS, extras, ne * (ULONG)sizeof *extras)};
    if (SUCCEEDED(hr))
        hr = copy_section(tx, from, service, to, &su, sids, ne ? 2 : 1);
    for (ULONG i = 0; i < n && SUCCEEDED(hr); i++) {
        SPropValue ids[2] = {bin(PR_SERVICE_UID, &su, sizeof su),
                             bin(PR_PROVIDER_UID, &nu[i], sizeof nu[i])};
        if (SUCCEEDED(hr = mapirt_ps_provider_add(tx, to, &su, &nu[i], p[i].kind)))
            hr = copy_section(tx, from, &p[i].uid, to, &nu[i], ids,
                              p[i].kind == MAPIRT_PS_PROVIDER ? 2 : 1);
    }
    mapirt_free(nu);
    mapirt_free(extras);
    mapirt_free(p);
    if (SUCCEEDED(hr))
        hr = place_new(tx, to, &su);
    if (SUCCEEDED(hr))
        hr = settle_identity(tx, to, &su);
    if (SUCCEEDED(hr) && uid)
        *uid = su;
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
