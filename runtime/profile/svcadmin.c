/* runtime/profile/svcadmin.c: IMsgServiceAdmin / IMsgServiceAdmin2 of one profile (svcadmin.idl),
 * over services.c and rows.c. Every change to the store is one transaction; a service's
 * ServiceEntry is called outside it (svcsupport.c): after the service is created
 * (MSG_SERVICE_CREATE; when it fails the service is deleted again and its error returned),
 * before it is deleted (MSG_SERVICE_DELETE; when it fails nothing is deleted), and by
 * ConfigureMsgService (MSG_SERVICE_CONFIGURE). */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <mapicode.h>
#include <mapiguid.h>
#include <mapitags.h>
#include <mapix.h>

#include <mapirt/alloc.h>
#include <mapirt/strconv.h>

#include "catalog.h"
#include "services.h"
#include "profsect.h"
#include "provadmin.h"
#include "svcadmin.h"
#include "svccall.h"

struct svcadmin {
    mapirt_profstore *ps;
    mapirt_profile_id id;
    struct svcadmin *next; /* in `live` */
};

#include "svcadmin_object.h"

/* Every live object of this kind, so that CopyMsgService can tell one of ours (whose profile
 * it can copy into) from any other object a caller passes. */
static pthread_mutex_t live_mu = PTHREAD_MUTEX_INITIALIZER;
static struct svcadmin *live;

static void svcadmin_destroy(struct svcadmin *self)
{
    pthread_mutex_lock(&live_mu);
    for (struct svcadmin **pp = &live; *pp; pp = &(*pp)->next)
        if (*pp == self) {
            *pp = self->next;
            break;
        }
    pthread_mutex_unlock(&live_mu);
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
    pthread_mutex_lock(&live_mu);
    sa->next = live;
    live = sa;
    pthread_mutex_unlock(&live_mu);
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
    MAPIUID copy;
};

static HRESULT copy_service(mapirt_ps_tx *tx, void *p)
{
    struct copy_ctx *c = p;
    return mapirt_svc_copy(tx, c->self->id, c->uid, c->to, &c->copy);
}

static HRESULT svcadmin_CopyMsgService(struct svcadmin *self, LPMAPIUID lpUID,
                                       LPTSTR lpszDisplayName, LPCIID lpInterfaceToCopy,
                                       LPCIID lpInterfaceDst, LPVOID lpObjectDst,
                                       ULONG_PTR ulUIParam, ULONG ulFlags)
{
    char err[512] = "";
    (void)lpszDisplayName, (void)ulUIParam, (void)ulFlags; /* deprecated name; no UI */
    if (lpInterfaceToCopy && memcmp(lpInterfaceToCopy, &IID_IProfSect, sizeof(IID)))
        return svcadmin_fail(self, MAPI_E_INTERFACE_NOT_SUPPORTED,
                             "only profile sections (IID_IProfSect) are copied");
    /* the destination: a message service administration object of this runtime (a session,
     * the other documented destination, does not exist yet) */
    if (!lpInterfaceDst || (memcmp(lpInterfaceDst, &IID_IMsgServiceAdmin, sizeof(IID)) &&
                            memcmp(lpInterfaceDst, &IID_IMsgServiceAdmin2, sizeof(IID))))
        return svcadmin_fail(self, MAPI_E_NO_SUPPORT,
                             "a service is copied into an IMsgServiceAdmin (no sessions yet)");
    LPUNKNOWN ident = NULL;
    HRESULT hr = ((LPUNKNOWN)lpObjectDst)->lpVtbl->QueryInterface((LPUNKNOWN)lpObjectDst,
                                                                  &IID_IUnknown, (void **)&ident);
    if (FAILED(hr))
        return svcadmin_fail(self, MAPI_E_INVALID_PARAMETER, "the destination is no object");
    mapirt_profile_id to = 0;
    int same_store = 0, found = 0;
    pthread_mutex_lock(&live_mu);
    for (struct svcadmin *a = live; a; a = a->next)
        if (svcadmin_as_IUnknown(a) == ident) {
            found = 1;
            to = a->id;
            same_store = strcmp(mapirt_profstore_path(a->ps), mapirt_profstore_path(self->ps)) == 0;
        }
    pthread_mutex_unlock(&live_mu);
    ident->lpVtbl->Release(ident);
    if (!found || !same_store)
        return svcadmin_fail(self, MAPI_E_NO_SUPPORT,
                             "the destination is not a message service administration object of "
                             "this profile store");
    struct copy_ctx c = {self, lpUID, to, {{0}}};
    hr = mapirt_profstore_write(self->ps, copy_service, &c, err, sizeof err);
    return FAILED(hr) ? fail(self, hr, err) : S_OK;
}
