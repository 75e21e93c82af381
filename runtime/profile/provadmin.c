/* runtime/profile/provadmin.c: IProviderAdmin of one message service (provadmin.idl).
 *
 * GetProviderTable lists the service's providers and its extra sections (PR_RESOURCE_TYPE as
 * PT_ERROR tells them apart). CreateProvider copies the named catalog section and the given
 * properties into a new provider section, then calls the service's ServiceEntry with
 * MSG_SERVICE_PROVIDER_CREATE (a refusal removes the provider again); DeleteProvider calls it
 * with MSG_SERVICE_PROVIDER_DELETE first (a refusal keeps the provider), then removes the
 * provider unless the service already did. Neither calls the entry point when made from inside
 * a ServiceEntry call of the same service (through the IProviderAdmin that call was given, or
 * on the thread running it): a service that answers those contexts by calling CreateProvider /
 * DeleteProvider itself, as MSGSERVICEENTRY's page tells it to, does not recurse.
 * OpenProfileSection opens the service's sections; a client never gets one read-write without
 * MAPI_FORCE_ACCESS (the reference: "clients never get RW on provider sections"); NULL names the
 * service's own section. */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include <mapicode.h>
#include <mapiguid.h>
#include <mapitags.h>
#include <mapix.h>

#include <mapirt/alloc.h>
#include <mapirt/strconv.h>

#include "catalog.h"
#include "profsect.h"
#include "provadmin.h"
#include "services.h"
#include "svcadmin.h"
#include "svccall.h"

struct provadmin {
    mapirt_profstore *ps;
    mapirt_profile_id id;
    MAPIUID service;
    atomic_int in_entry; /* given to a ServiceEntry call that is running */
};

#include "provadmin_object.h"

static void provadmin_destroy(struct provadmin *self)
{
    if (self->ps)
        mapirt_profstore_release(self->ps);
}

static HRESULT service_exists(mapirt_ps_tx *tx, void *p)
{
    struct provadmin *self = p;
    mapirt_ps_service s;
    return mapirt_ps_service_get(tx, self->id, &self->service, &s);
}

HRESULT mapirt_provadmin_create(mapirt_profstore *ps, mapirt_profile_id id,
                                const MAPIUID *service, LPPROVIDERADMIN *out, char *err,
                                size_t cberr)
{
    struct provadmin *pa = provadmin_new();
    if (!pa)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    mapirt_profstore_addref(ps);
    pa->ps = ps;
    pa->id = id;
    pa->service = *service;
    HRESULT hr = mapirt_profstore_read(ps, service_exists, pa, err, cberr);
    if (FAILED(hr)) {
        provadmin_release(pa);
        return hr;
    }
    *out = provadmin_as_IProviderAdmin(pa);
    return S_OK;
}

void mapirt_provadmin_in_entry(LPPROVIDERADMIN pa, int on)
{
    if (pa)
        atomic_store(&provadmin_from_IProviderAdmin(pa)->in_entry, on);
}

/* Whether a change made through self now comes from inside the service's own entry point. */
static int from_entry(struct provadmin *self)
{
    return atomic_load(&self->in_entry) ||
           mapirt_service_call_running(self->ps, self->id, &self->service);
}

static HRESULT fail(struct provadmin *self, HRESULT hr, const char *err)
{
    if (!err[0])
        return provadmin_fail(self, hr, hr == MAPI_E_NOT_ENOUGH_MEMORY ? "out of memory"
                                                                       : "profile store failure");
    return mapirt_lasterror_setf(provadmin_lasterror(self), hr, 0, 0, "%s", err);
}

struct rows_ctx {
    struct provadmin *self;
    ULONG flags;
    LPSRowSet rows;
};

static HRESULT read_rows(mapirt_ps_tx *tx, void *p)
{
    struct rows_ctx *c = p;
    return mapirt_rows_providers(tx, c->self->id, &c->self->service, c->flags, &c->rows);
}

static ULONG width(ULONG tag, ULONG ulFlags)
{
    return CHANGE_PROP_TYPE(tag, (ulFlags & MAPI_UNICODE) ? PT_UNICODE : PT_STRING8);
}

static HRESULT provadmin_GetProviderTable(struct provadmin *self, ULONG ulFlags,
                                          LPMAPITABLE *lppTable)
{
    char err[512] = "";
    struct rows_ctx c = {self, ulFlags, NULL};
    HRESULT hr = mapirt_profstore_read(self->ps, read_rows, &c, err, sizeof err);
    if (FAILED(hr))
        return fail(self, hr, err);
    SizedSPropTagArray(10, cols) = {
        10, {PR_INSTANCE_KEY, width(PR_DISPLAY_NAME_A, ulFlags),
             width(PR_PROVIDER_DISPLAY_A, ulFlags), width(PR_PROVIDER_DLL_NAME_A, ulFlags),
             PR_PROVIDER_ORDINAL, PR_PROVIDER_UID, PR_RESOURCE_FLAGS, PR_RESOURCE_TYPE,
             width(PR_SERVICE_NAME_A, ulFlags), PR_SERVICE_UID}};
    hr = mapirt_rows_table(c.rows, (LPSPropTagArray)&cols, PR_INSTANCE_KEY, lppTable);
    return FAILED(hr) ? provadmin_fail(self, hr, "cannot build the provider table") : S_OK;
}

struct create_ctx {
    struct provadmin *self;
    const mapirt_catalog *cat;
    const char *section;
    ULONG c;
    const SPropValue *props;
    MAPIUID uid;
};

static HRESULT create_provider(mapirt_ps_tx *tx, void *p)
{
    struct create_ctx *c = p;
    return mapirt_svc_provider_create(tx, c->self->id, &c->self->service, c->cat, c->section,
                                      c->c, c->props, &c->uid);
}

struct uid_ctx {
    struct provadmin *self;
    const MAPIUID *uid;
    int kind;
};

/* Removes a provider or extra section of this service (MAPI_E_NOT_FOUND when it is not one). */
static HRESULT delete_provider(mapirt_ps_tx *tx, void *p)
{
    struct uid_ctx *c = p;
    MAPIUID svc;
    HRESULT hr = mapirt_svc_of_provider(tx, c->self->id, c->uid, &svc, NULL);
    if (SUCCEEDED(hr) && memcmp(&svc, &c->self->service, sizeof svc) != 0)
        hr = mapirt_ps_fail(tx, MAPI_E_NOT_FOUND, "the provider belongs to another service");
    return FAILED(hr) ? hr : mapirt_ps_provider_delete(tx, c->self->id, c->uid);
}

/* The entry call's flags for CreateProvider's: MAPI_DIALOG allows the service its property
 * sheet (SERVICE_UI_ALLOWED: MAPI_DIALOG's value means MSG_SERVICE_UI_READ_ONLY to an entry
 * point); MAPI_UNICODE says how the service's MAPIERROR is read. */
static ULONG entry_flags(ULONG ulFlags)
{
    return ((ulFlags & MAPI_DIALOG) ? SERVICE_UI_ALLOWED : 0) | (ulFlags & MAPI_UNICODE);
}

static HRESULT provadmin_CreateProvider(struct provadmin *self, LPTSTR lpszProvider,
                                        ULONG cValues, LPSPropValue lpProps, ULONG_PTR ulUIParam,
                                        ULONG ulFlags, MAPIUID *lpUID)
{
    char err[512] = "";
    mapirt_catalog *cat = NULL;
    char *name = (ulFlags & MAPI_UNICODE)
                     ? mapirt_str_w_to_a_dup((const WCHAR *)(const void *)lpszProvider)
                     : mapirt_strdup(lpszProvider);
    HRESULT hr = name ? mapirt_catalog_load(&cat, err, sizeof err) : MAPI_E_NOT_ENOUGH_MEMORY;
    struct create_ctx c = {self, cat, name, cValues, lpProps, {{0}}};
    if (SUCCEEDED(hr))
        hr = mapirt_profstore_write(self->ps, create_provider, &c, err, sizeof err);
    mapirt_catalog_free(cat);
    mapirt_free(name);
    if (FAILED(hr))
        return fail(self, hr, err);
    /* the service hears of its new provider (its UID the one property passed), unless it is
     * the one adding it */
    if (!from_entry(self)) {
        SPropValue uid = {.ulPropTag = PR_PROVIDER_UID};
        uid.Value.bin.cb = sizeof c.uid;
        uid.Value.bin.lpb = (LPBYTE)&c.uid;
        hr = mapirt_service_call(self->ps, self->id, &self->service,
                                 (ulFlags & MAPI_DIALOG) ? ulUIParam : 0, entry_flags(ulFlags),
                                 MSG_SERVICE_PROVIDER_CREATE, 1, &uid, NULL, err, sizeof err);
        if (FAILED(hr)) {
            struct uid_ctx d = {self, &c.uid, 0};
            mapirt_profstore_write(self->ps, delete_provider, &d, NULL, 0);
            return fail(self, hr, err);
        }
    }
    *lpUID = c.uid;
    return S_OK;
}

static HRESULT which_provider(mapirt_ps_tx *tx, void *p)
{
    struct uid_ctx *c = p;
    MAPIUID svc;
    HRESULT hr = mapirt_svc_of_provider(tx, c->self->id, c->uid, &svc, &c->kind);
    if (SUCCEEDED(hr) && memcmp(&svc, &c->self->service, sizeof svc) != 0)
        hr = mapirt_ps_fail(tx, MAPI_E_NOT_FOUND, "the provider belongs to another service");
    return hr;
}

static HRESULT provadmin_DeleteProvider(struct provadmin *self, LPMAPIUID lpUID)
{
    char err[512] = "";
    struct uid_ctx c = {self, lpUID, 0};
    HRESULT hr = mapirt_profstore_read(self->ps, which_provider, &c, err, sizeof err);
    int called = 0;
    /* the service is asked first (about its providers; extra sections are its own business);
     * one whose shared object is gone cannot be asked, and does not keep the provider */
    if (SUCCEEDED(hr) && c.kind == MAPIRT_PS_PROVIDER && !from_entry(self)) {
        SPropValue uid = {.ulPropTag = PR_PROVIDER_UID};
        uid.Value.bin.cb = sizeof *lpUID;
        uid.Value.bin.lpb = (LPBYTE)lpUID;
        hr = mapirt_service_call(self->ps, self->id, &self->service, 0, 0,
                                 MSG_SERVICE_PROVIDER_DELETE, 1, &uid, &called, err, sizeof err);
        if (FAILED(hr) && !called)
            hr = S_OK, err[0] = '\0';
    }
    if (FAILED(hr))
        return fail(self, hr, err);
    hr = mapirt_profstore_write(self->ps, delete_provider, &c, err, sizeof err);
    /* the entry point deletes the provider itself, as DeleteProvider's page describes */
    if (hr == MAPI_E_NOT_FOUND && called)
        hr = S_OK;
    return FAILED(hr) ? fail(self, hr, err) : S_OK;
}

static HRESULT owned(mapirt_ps_tx *tx, void *p)
{
    struct uid_ctx *c = p;
    MAPIUID svc;
    if (memcmp(c->uid, &c->self->service, sizeof svc) == 0)
        return S_OK; /* the service's own section */
    HRESULT hr = mapirt_svc_of_provider(tx, c->self->id, c->uid, &svc, &c->kind);
    if (SUCCEEDED(hr) && memcmp(&svc, &c->self->service, sizeof svc) != 0)
        hr = mapirt_ps_fail(tx, MAPI_E_NOT_FOUND, "the section belongs to another service");
    return hr;
}

static HRESULT provadmin_OpenProfileSection(struct provadmin *self, LPMAPIUID lpUID,
                                            LPCIID lpInterface, ULONG ulFlags,
                                            LPPROFSECT *lppProfSect)
{
    char err[512] = "";
    const MAPIUID *uid = lpUID ? lpUID : &self->service;
    if (lpInterface && memcmp(lpInterface, &IID_IProfSect, sizeof(IID)) &&
        memcmp(lpInterface, &IID_IMAPIProp, sizeof(IID)) &&
        memcmp(lpInterface, &IID_IUnknown, sizeof(IID)))
        return provadmin_fail(self, MAPI_E_INTERFACE_NOT_SUPPORTED,
                              "a profile section answers IProfSect, IMAPIProp and IUnknown");
    struct uid_ctx c = {self, uid, -1};
    HRESULT hr = mapirt_profstore_read(self->ps, owned, &c, err, sizeof err);
    if (SUCCEEDED(hr) && c.kind >= 0 && (ulFlags & MAPI_MODIFY) && !(ulFlags & MAPI_FORCE_ACCESS))
        return provadmin_fail(self, MAPI_E_NO_ACCESS,
                              "a provider's section is opened read-write only with "
                              "MAPI_FORCE_ACCESS");
    if (SUCCEEDED(hr))
        hr = mapirt_profsect_open(self->ps, self->id, uid, ulFlags, lppProfSect, err,
                                  sizeof err);
    return FAILED(hr) ? fail(self, hr, err) : S_OK;
}
