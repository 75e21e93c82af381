/* runtime/profile/svcsupport.c: the support object of a ServiceEntry call (svcsupport.idl) and
 * the call itself (svccall.h).
 *
 * The module stays loaded for the call (its reference is the call's); the support object and
 * the IProviderAdmin are released after it, so a service must not keep them past the call
 * (none documented does: they are configuration-time objects). */
#include <stdio.h>
#include <string.h>

#include <mapicode.h>
#include <mapiutil.h>
#include <mapix.h>

#include <mapirt/alloc.h>
#include <mapirt/strconv.h>

#include "profsect.h"
#include "provadmin.h"
#include "services.h"
#include "svccall.h"
#include "svcentry.h"

struct svcsupport {
    mapirt_profstore *ps;
    mapirt_profile_id id;
    MAPIUID service;
};

#include "svcsupport_object.h"

static void svcsupport_destroy(struct svcsupport *self)
{
    if (self->ps)
        mapirt_profstore_release(self->ps);
}

static HRESULT svcsupport_GetMemAllocRoutines(struct svcsupport *self,
                                              LPALLOCATEBUFFER *lpAllocateBuffer,
                                              LPALLOCATEMORE *lpAllocateMore,
                                              LPFREEBUFFER *lpFreeBuffer)
{
    (void)self;
    if (lpAllocateBuffer)
        *lpAllocateBuffer = MAPIAllocateBuffer;
    if (lpAllocateMore)
        *lpAllocateMore = MAPIAllocateMore;
    if (lpFreeBuffer)
        *lpFreeBuffer = MAPIFreeBuffer;
    return S_OK;
}

static HRESULT svcsupport_NewUID(struct svcsupport *self, LPMAPIUID lpMuid)
{
    HRESULT hr = mapirt_new_uid(lpMuid);
    return FAILED(hr) ? svcsupport_fail(self, hr, "no random bytes for a new UID") : S_OK;
}

static HRESULT svcsupport_OpenProfileSection(struct svcsupport *self, LPMAPIUID lpUid,
                                             ULONG ulFlags, LPPROFSECT *lppProfileObj)
{
    char err[512] = "";
    /* the service's own sections are its own: no lock stands in its way */
    HRESULT hr = mapirt_profsect_open(self->ps, self->id, lpUid ? lpUid : &self->service,
                                      ulFlags | MAPI_FORCE_ACCESS, lppProfileObj, err,
                                      sizeof err);
    if (FAILED(hr))
        return mapirt_lasterror_setf(svcsupport_lasterror(self), hr, 0, 0, "%s",
                                     err[0] ? err : "cannot open the profile section");
    return S_OK;
}

/* The ServiceEntry calls running on this thread, innermost first. */
struct frame {
    const char *store;
    mapirt_profile_id id;
    MAPIUID service;
    const struct frame *up;
};

static _Thread_local const struct frame *running;

int mapirt_service_call_running(mapirt_profstore *ps, mapirt_profile_id id,
                                const MAPIUID *service)
{
    for (const struct frame *f = running; f; f = f->up)
        if (f->id == id && memcmp(&f->service, service, sizeof *service) == 0 &&
            strcmp(f->store, mapirt_profstore_path(ps)) == 0)
            return 1;
    return 0;
}

struct name_ctx {
    mapirt_profile_id id;
    const MAPIUID *uid;
    mapirt_ps_service svc;
};

static HRESULT service_name(mapirt_ps_tx *tx, void *p)
{
    struct name_ctx *c = p;
    return mapirt_ps_service_get(tx, c->id, c->uid, &c->svc);
}

HRESULT mapirt_service_call(mapirt_profstore *ps, mapirt_profile_id id, const MAPIUID *service,
                            ULONG_PTR ulUIParam, ULONG ulFlags, ULONG ulContext, ULONG cValues,
                            LPSPropValue lpProps, int *called, char *err, size_t cberr)
{
    mapirt_svcentry e;
    struct name_ctx n = {id, service, {{{0}}, ""}};
    HRESULT hr = mapirt_profstore_read(ps, service_name, &n, err, cberr);
    if (called)
        *called = 0;
    if (SUCCEEDED(hr))
        hr = mapirt_svcentry_load(ps, id, service, &e, err, cberr);
    if (FAILED(hr) || !e.entry)
        return hr;
    struct svcsupport *sup = svcsupport_new();
    LPPROVIDERADMIN pa = NULL;
    if (!sup)
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
    else {
        mapirt_profstore_addref(ps);
        sup->ps = ps;
        sup->id = id;
        sup->service = *service;
        hr = mapirt_provadmin_create(ps, id, service, &pa, err, cberr);
    }
    if (SUCCEEDED(hr)) {
        LPMAPIERROR perr = NULL;
        if (called)
            *called = 1;
        struct frame f = {mapirt_profstore_path(ps), id, *service, running};
        running = &f;
        mapirt_provadmin_in_entry(pa, 1);
        hr = e.entry(mapirt_module_instance(e.module), MAPIGetDefaultMalloc(),
                     svcsupport_as_IMAPISupport(sup), ulUIParam, ulFlags, ulContext, cValues,
                     lpProps, pa, &perr);
        mapirt_provadmin_in_entry(pa, 0);
        running = f.up;
        if (FAILED(hr) && err && cberr) {
            char *text = NULL;
            if (perr && perr->lpszError)
                text = (ulFlags & MAPI_UNICODE)
                           ? mapirt_str_w_to_a_dup((const WCHAR *)(const void *)perr->lpszError)
                           : mapirt_strdup(perr->lpszError);
            snprintf(err, cberr, "message service '%s' (%s) refused: %s", n.svc.name,
                     mapirt_module_path(e.module), text ? text : "no reason given");
            mapirt_free(text);
        }
        MAPIFreeBuffer(perr);
    }
    if (pa)
        pa->lpVtbl->Release(pa);
    if (sup)
        svcsupport_release(sup);
    mapirt_svcentry_release(&e);
    return hr;
}
