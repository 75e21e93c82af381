/* services_copy.c: copying a message service (IMsgServiceAdmin::CopyMsgService; services.h).
 *
 * A copy is taken in two steps: an image of the service (its name, its section, its providers
 * and extra sections with their properties, secure ones included, in order) is read from one
 * profile, then written into another under new UIDs. Within one store both run in one
 * transaction (mapirt_svc_copy); between two stores the image is read in a read transaction of
 * the source and written in one write transaction of the destination, so the copy is whole or
 * absent there, and secure properties are sealed again with the destination's key. */
#include <string.h>

#include <mapicode.h>
#include <mapitags.h>
#include <mapix.h>

#include <mapirt/alloc.h>

#include "services_internal.h"
#include "store_internal.h"

struct part {
    MAPIUID uid;
    int kind; /* MAPIRT_PS_PROVIDER or MAPIRT_PS_EXTRA */
    ULONG n;
    LPSPropValue v;
};

struct mapirt_svc_image {
    mapirt_ps_service svc;
    LONG flags; /* the service's PR_RESOURCE_FLAGS */
    ULONG n;
    LPSPropValue v; /* the service's section */
    ULONG nparts;
    struct part *parts;
};

void mapirt_svc_image_free(mapirt_svc_image *img)
{
    if (!img)
        return;
    for (ULONG i = 0; i < img->nparts; i++)
        MAPIFreeBuffer(img->parts[i].v);
    mapirt_free(img->parts);
    MAPIFreeBuffer(img->v);
    mapirt_free(img);
}

HRESULT mapirt_svc_image_read(mapirt_ps_tx *tx, mapirt_profile_id from, const MAPIUID *service,
                              mapirt_svc_image **out)
{
    mapirt_svc_image *img = mapirt_calloc(1, sizeof *img);
    mapirt_ps_provider *p = NULL;
    ULONG n = 0;
    HRESULT hr;
    *out = NULL;
    if (!img)
        return mapirt_ps_oom(tx);
    if (FAILED(hr = mapirt_ps_service_get(tx, from, service, &img->svc)) ||
        FAILED(hr = mapirt_ps_props_get(tx, from, service, &img->n, &img->v)) ||
        FAILED(hr = mapirt_ps_provider_list(tx, from, service, &p, &n)))
        goto fail;
    img->flags = mapirt_svc_long_of(img->v, img->n, PR_RESOURCE_FLAGS);
    if (!(img->parts = mapirt_calloc(n + 1, sizeof *img->parts))) {
        hr = mapirt_ps_oom(tx);
        goto fail;
    }
    for (ULONG i = 0; i < n; i++) {
        struct part *pt = &img->parts[img->nparts];
        pt->uid = p[i].uid;
        pt->kind = p[i].kind;
        if (FAILED(hr = mapirt_ps_props_get(tx, from, &p[i].uid, &pt->n, &pt->v)))
            goto fail;
        img->nparts++;
    }
    mapirt_free(p);
    *out = img;
    return S_OK;
fail:
    mapirt_free(p);
    mapirt_svc_image_free(img);
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

/* An extra section keeps its UID (it may be a fixed one, UID= in the catalog, that others look
 * for) unless the destination profile has a section of that UID already: in the same profile,
 * or when the service was copied there before. */
static HRESULT extra_uid(mapirt_ps_tx *tx, mapirt_profile_id to, const MAPIUID *src, MAPIUID *out)
{
    HRESULT hr = mapirt_ps_section_exists(tx, to, src);
    if (hr == MAPI_E_NOT_FOUND) {
        *out = *src;
        return S_OK;
    }
    return FAILED(hr) ? hr : mapirt_svc_new_uid(tx, out);
}

HRESULT mapirt_svc_image_write(mapirt_ps_tx *tx, const mapirt_svc_image *img,
                               mapirt_profile_id to, MAPIUID *uid)
{
    ULONG n = img->nparts;
    mapirt_profile_info info;
    MAPIUID su;
    HRESULT hr = mapirt_ps_profile_get(tx, to, &info);
    if (hr == MAPI_E_NOT_FOUND || (SUCCEEDED(hr) && info.delete_pending))
        return mapirt_ps_fail(tx, MAPI_E_NOT_FOUND, "the destination profile has been deleted");
    if (FAILED(hr) ||
        FAILED(hr = mapirt_svc_single_copy_check(tx, to, img->svc.name, img->flags)) ||
        FAILED(hr = mapirt_svc_new_uid(tx, &su)) ||
        FAILED(hr = mapirt_ps_service_add(tx, to, &su, img->svc.name)))
        return hr;
    MAPIUID *nu = mapirt_calloc(n + 1, sizeof *nu), *extras = mapirt_calloc(n + 1, sizeof *nu);
    ULONG ne = 0;
    if (!nu || !extras)
        hr = mapirt_ps_oom(tx);
    for (ULONG i = 0; i < n && SUCCEEDED(hr); i++) {
        if (img->parts[i].kind == MAPIRT_PS_EXTRA)
            hr = extra_uid(tx, to, &img->parts[i].uid, &nu[i]);
        else
            hr = mapirt_svc_new_uid(tx, &nu[i]);
        if (img->parts[i].kind == MAPIRT_PS_EXTRA)
            extras[ne++] = nu[i];
    }
    SPropValue sids[2] = {bin(PR_SERVICE_UID, &su, sizeof su),
                          bin(PR_SERVICE_EXTRA_UIDS, extras, ne * (ULONG)sizeof *extras)};
    if (SUCCEEDED(hr))
        hr = mapirt_svc_put_section(tx, to, &su, img->v, img->n, sids, ne ? 2 : 1);
    for (ULONG i = 0; i < n && SUCCEEDED(hr); i++) {
        const struct part *pt = &img->parts[i];
        SPropValue ids[2] = {bin(PR_SERVICE_UID, &su, sizeof su),
                             bin(PR_PROVIDER_UID, &nu[i], sizeof nu[i])};
        if (SUCCEEDED(hr = mapirt_ps_provider_add(tx, to, &su, &nu[i], pt->kind)))
            hr = mapirt_svc_put_section(tx, to, &nu[i], pt->v, pt->n, ids,
                                        pt->kind == MAPIRT_PS_PROVIDER ? 2 : 1);
    }
    mapirt_free(nu);
    mapirt_free(extras);
    if (SUCCEEDED(hr))
        hr = mapirt_svc_place_new(tx, to, &su);
    if (SUCCEEDED(hr))
        hr = mapirt_svc_settle_identity(tx, to, &su);
    if (SUCCEEDED(hr) && uid)
        *uid = su;
    return hr;
}

HRESULT mapirt_svc_copy(mapirt_ps_tx *tx, mapirt_profile_id from, const MAPIUID *service,
                        mapirt_profile_id to, MAPIUID *uid)
{
    mapirt_svc_image *img;
    HRESULT hr = mapirt_svc_image_read(tx, from, service, &img);
    if (FAILED(hr))
        return hr;
    hr = mapirt_svc_image_write(tx, img, to, uid);
    mapirt_svc_image_free(img);
    return hr;
}
