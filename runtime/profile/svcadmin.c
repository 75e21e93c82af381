/* runtime/profile/svcadmin.c: IMsgServiceAdmin / IMsgServiceAdmin2 of one profile (svcadmin.idl),
 * over services.c and rows.c. Every change to the store is one transaction; a service's
 * ServiceEntry is called outside it (svcsupport.c): after the service is created
 * (MSG_SERVICE_CREATE; when it fails the service is deleted again and its error returned),
 * before it is deleted (MSG_SERVICE_DELETE; when it fails nothing is deleted), and by
 * ConfigureMsgService and CopyMsgService(SERVICE_UI_ALWAYS) (MSG_SERVICE_CONFIGURE; a copy the
 * service refuses is deleted again). */
#include <stdio.h>
#include <string.h>

#include <mapicode.h>
#include <mapiguid.h>
#include <mapitags.h>
#include <mapix.h>

#include <mapirt/alloc.h>
#include <mapirt/strconv.h>

#include "catalog.h"
#include "copytarget.h"
#include "services.h"
#include "profsect.h"
#include "provadmin.h"
#include "svcadmin.h"
#include "svccall.h"

struct svcadmin {
    mapirt_profstore *ps;
    mapirt_profile_id id;
    int registered; /* in copytarget.h's registry, so CopyMsgService can copy into it */
};

#include "svcadmin_object.h"

static void svcadmin_destroy(struct svcadmin *self)
{
    if (self->registered)
        mapirt_copytarget_remove(svcadmin_as_IUnknown(self));
    if (self->ps)
        mapirt_profstore_release(self->ps);
}

HRESULT mapirt_svcadmin_create(mapirt_profstore *ps, mapirt_profile_id id, LPSERVICEADMIN *out)
{
    struct svcadmin *sa = svcadmin_new();
    if (!sa)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    mapirt_profstore_addref(ps);
    sa->ps = ps;
    sa->id = id;
    if (FAILED(mapirt_copytarget_add(svcadmin_as_IUnknown(sa), MAPIRT_TARGET_SVCADMIN, ps, id))) {
        svcadmin_release(sa);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    sa->registered = 1;
    *out = (LPSERVICEADMIN)svcadmin_as_IMsgServiceAdmin(sa);
    return S_OK;
}

static HRESULT fail(struct svcadmin *self, HRESULT hr, const char *err)
{
    if (!err[0])
        return svcadmin_fail(self, hr, hr == MAPI_E_NOT_ENOUGH_MEMORY ? "out of memory"
                                                                      : "profile store failure");
    return mapirt_lasterror_setf(svcadmin_lasterror(self), hr, 0, 0, "%s", err);
}

/* ---- tables ---- */

struct rows_ctx {
    struct svcadmin *self;
    ULONG flags;
    LPSRowSet rows;
};

static HRESULT read_services(mapirt_ps_tx *tx, void *p)
{
    struct rows_ctx *c = p;
    return mapirt_rows_services(tx, c->self->id, c->flags, &c->rows);
}

static HRESULT read_providers(mapirt_ps_tx *tx, void *p)
{
    struct rows_ctx *c = p;
    return mapirt_rows_providers(tx, c->self->id, NULL, c->flags, &c->rows);
}

static ULONG width(ULONG tag, ULONG ulFlags)
{
    return CHANGE_PROP_TYPE(tag, ((ulFlags & MAPI_UNICODE) ? PT_UNICODE : PT_STRING8) |
                                     (PROP_TYPE(tag) & MV_FLAG));
}

static HRESULT svcadmin_GetMsgServiceTable(struct svcadmin *self, ULONG ulFlags,
                                           LPMAPITABLE *lppTable)
{
    char err[512] = "";
    struct rows_ctx c = {self, ulFlags, NULL};
    HRESULT hr = mapirt_profstore_read(self->ps, read_services, &c, err, sizeof err);
    if (FAILED(hr))
        return fail(self, hr, err);
    SizedSPropTagArray(8, cols) = {
        8, {width(PR_DISPLAY_NAME_A, ulFlags), PR_INSTANCE_KEY, PR_RESOURCE_FLAGS,
            width(PR_SERVICE_DLL_NAME_A, ulFlags), PR_SERVICE_ENTRY_NAME,
            width(PR_SERVICE_NAME_A, ulFlags), width(PR_SERVICE_SUPPORT_FILES_A, ulFlags),
            PR_SERVICE_UID}};
    hr = mapirt_rows_table(c.rows, (LPSPropTagArray)&cols, PR_INSTANCE_KEY, lppTable);
    return FAILED(hr) ? svcadmin_fail(self, hr, "cannot build the message service table") : S_OK;
}

static HRESULT svcadmin_GetProviderTable(struct svcadmin *self, ULONG ulFlags,
                                         LPMAPITABLE *lppTable)
{
    char err[512] = "";
    struct rows_ctx c = {self, ulFlags, NULL};
    HRESULT hr = mapirt_profstore_read(self->ps, read_providers, &c, err, sizeof err);
    if (FAILED(hr))
        return fail(self, hr, err);
    SizedSPropTagArray(10, cols) = {
        10, {PR_INSTANCE_KEY, width(PR_DISPLAY_NAME_A, ulFlags),
             width(PR_PROVIDER_DISPLAY_A, ulFlags), width(PR_PROVIDER_DLL_NAME_A, ulFlags),
             PR_PROVIDER_ORDINAL, PR_PROVIDER_UID, PR_RESOURCE_FLAGS, PR_RESOURCE_TYPE,
             width(PR_SERVICE_NAME_A, ulFlags), PR_SERVICE_UID}};
    hr = mapirt_rows_table(c.rows, (LPSPropTagArray)&cols, PR_INSTANCE_KEY, lppTable);
    return FAILED(hr) ? svcadmin_fail(self, hr, "cannot build the provider table") : S_OK;
}

/* ---- creating and deleting services ---- */

struct uid_ctx {
    struct svcadmin *self;
    const MAPIUID *uid;
    ULONG count;
};

static HRESULT delete_service(mapirt_ps_tx *tx, void *p)
{
    struct uid_ctx *c = p;
    return mapirt_svc_delete(tx, c->self->id, c->uid);
}


struct create_ctx {
    struct svcadmin *self;
    const mapirt_catalog *cat;
    const char *name, *display;
    MAPIUID uid;
};

static HRESULT create_service(mapirt_ps_tx *tx, void *p)
{
    struct create_ctx *c = p;
    return mapirt_svc_create(tx, c->self->id, c->cat, c->name, c->display, &c->uid);
}

static HRESULT svcadmin_CreateMsgServiceEx(struct svcadmin *self, LPTSTR lpszService,
                                           LPTSTR lpszDisplayName, ULONG_PTR ulUIParam,
                                           ULONG ulFlags, LPMAPIUID lpuidService)
{
    char err[512] = "";
    char *name = NULL, *display = NULL;
    mapirt_catalog *cat = NULL;
    HRESULT hr = S_OK;

    if (ulFlags & MAPI_UNICODE) {
        name = mapirt_str_w_to_a_dup((const WCHAR *)(const void *)lpszService);
        display = lpszDisplayName
                      ? mapirt_str_w_to_a_dup((const WCHAR *)(const void *)lpszDisplayName)
                      : NULL;
    } else {
        name = mapirt_strdup(lpszService);
        display = lpszDisplayName ? mapirt_strdup(lpszDisplayName) : NULL;
    }
    if (!name || (lpszDisplayName && !display))
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
    if (SUCCEEDED(hr))
        hr = mapirt_catalog_load(&cat, err, sizeof err);
    struct create_ctx c = {self, cat, name, display, {{0}}};
    if (SUCCEEDED(hr))
        hr = mapirt_profstore_write(self->ps, create_service, &c, err, sizeof err);
    mapirt_catalog_free(cat);
    mapirt_free(name);
    mapirt_free(display);
    if (FAILED(hr))
        return fail(self, hr, err);
    /* no dialogs here: the UI flags reach the service, which answers as documented */
    hr = mapirt_service_call(self->ps, self->id, &c.uid, ulUIParam,
                             ulFlags & (SERVICE_UI_ALWAYS | SERVICE_UI_ALLOWED | MAPI_UNICODE),
                             MSG_SERVICE_CREATE, 0, NULL, NULL, err, sizeof err);
    if (FAILED(hr)) {
        struct uid_ctx d = {self, &c.uid, 0};
        mapirt_profstore_write(self->ps, delete_service, &d, NULL, 0);
        return fail(self, hr, err);
    }
    if (lpuidService)
        *lpuidService = c.uid;
    return S_OK;
}

static HRESULT svcadmin_CreateMsgService(struct svcadmin *self, LPTSTR lpszService,
                                         LPTSTR lpszDisplayName, ULONG_PTR ulUIParam,
                                         ULONG ulFlags)
{
    return svcadmin_CreateMsgServiceEx(self, lpszService, lpszDisplayName, ulUIParam, ulFlags,
                                       NULL);
}

static HRESULT svcadmin_DeleteMsgService(struct svcadmin *self, LPMAPIUID lpUID)
{
    char err[512] = "";
    struct uid_ctx c = {self, lpUID, 0};
    HRESULT hr = mapirt_service_call(self->ps, self->id, lpUID, 0, 0, MSG_SERVICE_DELETE, 0, NULL,
                                     NULL, err, sizeof err);
    if (SUCCEEDED(hr))
        hr = mapirt_profstore_write(self->ps, delete_service, &c, err, sizeof err);
    return FAILED(hr) ? fail(self, hr, err) : S_OK;
}

static HRESULT order(mapirt_ps_tx *tx, void *p)
{
    struct uid_ctx *c = p;
    return mapirt_svc_transport_order(tx, c->self->id, c->count, c->uid);
}

static HRESULT svcadmin_MsgServiceTransportOrder(struct svcadmin *self, ULONG cUID,
                                                 LPMAPIUID lpUIDList, ULONG ulFlags)
{
    char err[512] = "";
    (void)ulFlags;
    struct uid_ctx c = {self, lpUIDList, cUID};
    HRESULT hr = mapirt_profstore_write(self->ps, order, &c, err, sizeof err);
    return FAILED(hr) ? fail(self, hr, err) : S_OK;
}

static HRESULT identity(mapirt_ps_tx *tx, void *p)
{
    struct uid_ctx *c = p;
    return mapirt_svc_set_identity(tx, c->self->id, c->uid);
}

static HRESULT svcadmin_SetPrimaryIdentity(struct svcadmin *self, LPMAPIUID lpUID, ULONG ulFlags)
{
    char err[512] = "";
    (void)ulFlags;
    struct uid_ctx c = {self, lpUID, 0};
    HRESULT hr = mapirt_profstore_write(self->ps, identity, &c, err, sizeof err);
    return FAILED(hr) ? fail(self, hr, err) : S_OK;
}

/* ---- profile sections ---- */

struct owner_ctx {
    struct svcadmin *self;
    const MAPIUID *uid;
    int provider_owned;
};

static HRESULT owner(mapirt_ps_tx *tx, void *p)
{
    struct owner_ctx *c = p;
    HRESULT hr = mapirt_svc_of_provider(tx, c->self->id, c->uid, NULL, NULL);
    c->provider_owned = SUCCEEDED(hr);
    return hr == MAPI_E_NOT_FOUND ? S_OK : hr;
}

static HRESULT svcadmin_OpenProfileSection(struct svcadmin *self, LPMAPIUID lpUID,
                                           LPCIID lpInterface, ULONG ulFlags,
                                           LPPROFSECT *lppProfSect)
{
    char err[512] = "";
    if (lpInterface && memcmp(lpInterface, &IID_IProfSect, sizeof(IID)) &&
        memcmp(lpInterface, &IID_IMAPIProp, sizeof(IID)) &&
        memcmp(lpInterface, &IID_IUnknown, sizeof(IID)))
        return svcadmin_fail(self, MAPI_E_INTERFACE_NOT_SUPPORTED,
                             "a profile section answers IProfSect, IMAPIProp and IUnknown");
    /* sections owned by providers need MAPI_FORCE_ACCESS (IMsgServiceAdmin::OpenProfileSection) */
    struct owner_ctx c = {self, lpUID, 0};
    HRESULT hr = mapirt_profstore_read(self->ps, owner, &c, err, sizeof err);
    if (SUCCEEDED(hr) && c.provider_owned && !(ulFlags & MAPI_FORCE_ACCESS))
        return svcadmin_fail(self, MAPI_E_NO_ACCESS,
                             "the section belongs to a provider: open it with MAPI_FORCE_ACCESS");
    if (SUCCEEDED(hr))
        hr = mapirt_profsect_open(self->ps, self->id, lpUID, ulFlags, lppProfSect, err,
                                  sizeof err);
    return FAILED(hr) ? fail(self, hr, err) : S_OK;
}

static HRESULT svcadmin_AdminProviders(struct svcadmin *self, LPMAPIUID lpUID, ULONG ulFlags,
                                       LPPROVIDERADMIN *lppProviderAdmin)
{
    char err[512] = "";
    (void)ulFlags;
    HRESULT hr = mapirt_provadmin_create(self->ps, self->id, lpUID, lppProviderAdmin, err,
                                         sizeof err);
    return FAILED(hr) ? fail(self, hr, err) : S_OK;
}

static HRESULT svcadmin_ConfigureMsgService(struct svcadmin *self, LPMAPIUID lpUID,
                                            ULONG_PTR ulUIParam, ULONG ulFlags, ULONG cValues,
                                            LPSPropValue lpProps)
{
    char err[512] = "";
    int called;
    HRESULT hr = mapirt_service_call(self->ps, self->id, lpUID, ulUIParam, ulFlags,
                                     MSG_SERVICE_CONFIGURE, cValues, lpProps, &called, err,
                                     sizeof err);
    if (SUCCEEDED(hr) && !called)
        return svcadmin_fail(self, MAPI_E_NOT_INITIALIZED,
                             "the message service has no ServiceEntry to configure it");
    return FAILED(hr) ? fail(self, hr, err) : S_OK;
}

/* ---- CopyMsgService ---- */

struct copy_ctx {
    struct svcadmin *self;
    const MAPIUID *uid;
    mapirt_profile_id to;
    mapirt_svc_image *img;
    MAPIUID copy;
};

static HRESULT copy_service(mapirt_ps_tx *tx, void *p)
{
    struct copy_ctx *c = p;
    return mapirt_svc_copy(tx, c->self->id, c->uid, c->to, &c->copy);
}

static HRESULT read_image(mapirt_ps_tx *tx, void *p)
{
    struct copy_ctx *c = p;
    return mapirt_svc_image_read(tx, c->self->id, c->uid, &c->img);
}

static HRESULT write_image(mapirt_ps_tx *tx, void *p)
{
    struct copy_ctx *c = p;
    return mapirt_svc_image_write(tx, c->img, c->to, &c->copy);
}

static HRESULT delete_copy(mapirt_ps_tx *tx, void *p)
{
    struct copy_ctx *c = p;
    return mapirt_svc_delete(tx, c->to, &c->copy);
}

static int iid_is(LPCIID a, const IID *b)
{
    return memcmp(a, b, sizeof(IID)) == 0;
}

/* The profile the destination object stands for: a session (lpInterfaceDst NULL or
 * IID_IMAPISession) or a message service administration object of this runtime, known by its
 * identity in copytarget.h's registry. *dst is a new reference. */
static HRESULT destination(struct svcadmin *self, LPCIID lpInterfaceDst, LPVOID lpObjectDst,
                           mapirt_profstore **dst, mapirt_profile_id *to)
{
    mapirt_target_kind kind;
    if (!lpInterfaceDst || iid_is(lpInterfaceDst, &IID_IMAPISession))
        kind = MAPIRT_TARGET_SESSION;
    else if (iid_is(lpInterfaceDst, &IID_IMsgServiceAdmin) ||
             iid_is(lpInterfaceDst, &IID_IMsgServiceAdmin2))
        kind = MAPIRT_TARGET_SVCADMIN;
    else
        return svcadmin_fail(self, MAPI_E_INTERFACE_NOT_SUPPORTED,
                             "a service is copied into a session (IID_IMAPISession) or a message "
                             "service administration object (IID_IMsgServiceAdmin)");
    LPUNKNOWN ident = NULL;
    if (FAILED(((LPUNKNOWN)lpObjectDst)
                   ->lpVtbl->QueryInterface((LPUNKNOWN)lpObjectDst, &IID_IUnknown,
                                            (void **)&ident)))
        return svcadmin_fail(self, MAPI_E_INVALID_PARAMETER,
                             "the destination object does not answer IUnknown");
    int found = mapirt_copytarget_find(ident, kind, dst, to);
    ident->lpVtbl->Release(ident);
    if (!found)
        return svcadmin_fail(self, MAPI_E_NO_SUPPORT,
                             kind == MAPIRT_TARGET_SESSION
                                 ? "the destination is not a session of this runtime"
                                 : "the destination is not a message service administration "
                                   "object of this runtime");
    return S_OK;
}

/* As documented, the copy has the original's configuration and its ServiceEntry is not called;
 * with SERVICE_UI_ALWAYS the caller asks for the service's property sheet, which only the
 * service can show: the copy's entry gets MSG_SERVICE_CONFIGURE with the UI flags (it answers
 * as it does on a system without UI), and when it refuses the copy goes again. */
static HRESULT svcadmin_CopyMsgService(struct svcadmin *self, LPMAPIUID lpUID,
                                       LPTSTR lpszDisplayName, LPCIID lpInterfaceToCopy,
                                       LPCIID lpInterfaceDst, LPVOID lpObjectDst,
                                       ULONG_PTR ulUIParam, ULONG ulFlags)
{
    char err[512] = "";
    (void)lpszDisplayName; /* deprecated: the copy keeps the original's names */
    if (lpInterfaceToCopy && !iid_is(lpInterfaceToCopy, &IID_IProfSect))
        return svcadmin_fail(self, MAPI_E_INTERFACE_NOT_SUPPORTED,
                             "only profile sections (IID_IProfSect) are copied");
    mapirt_profstore *dst = NULL;
    mapirt_profile_id to = 0;
    HRESULT hr = destination(self, lpInterfaceDst, lpObjectDst, &dst, &to);
    if (FAILED(hr))
        return hr;
    struct copy_ctx c = {self, lpUID, to, NULL, {{0}}};
    if (strcmp(mapirt_profstore_path(dst), mapirt_profstore_path(self->ps)) == 0) {
        hr = mapirt_profstore_write(self->ps, copy_service, &c, err, sizeof err);
    } else {
        /* another store: the service is read here, then written there in one transaction */
        hr = mapirt_profstore_read(self->ps, read_image, &c, err, sizeof err);
        if (SUCCEEDED(hr))
            hr = mapirt_profstore_write(dst, write_image, &c, err, sizeof err);
        mapirt_svc_image_free(c.img);
    }
    if (SUCCEEDED(hr) && (ulFlags & SERVICE_UI_ALWAYS)) {
        hr = mapirt_service_call(dst, to, &c.copy, ulUIParam,
                                 ulFlags & (SERVICE_UI_ALWAYS | SERVICE_UI_ALLOWED | MAPI_UNICODE),
                                 MSG_SERVICE_CONFIGURE, 0, NULL, NULL, err, sizeof err);
        if (FAILED(hr))
            mapirt_profstore_write(dst, delete_copy, &c, NULL, 0);
    }
    mapirt_profstore_release(dst);
    return FAILED(hr) ? fail(self, hr, err) : S_OK;
}
