/* runtime/profile/profadmin.c: MAPIAdminProfiles and the IProfAdmin object (profadmin.idl), over
 * the profile store (store.h), the catalog (catalog.h) and profiles in use (inuse.h).
 *
 * Names come as UTF-16 with MAPI_UNICODE and UTF-8 otherwise, and follow profname.h. Choices
 * where the reference leaves room (docs/decisions.md):
 *  - CreateProfile with a password other than NULL or "" is MAPI_E_INVALID_PARAMETER: MAPI
 *    profiles have no passwords, and none is ever stored.
 *  - CreateProfile with MAPI_DEFAULT_SERVICES adds the catalog's default services in the same
 *    transaction as the profile, then calls each one's ServiceEntry with MSG_SERVICE_CREATE
 *    (SERVICE_UI_ALLOWED with MAPI_DIALOG); when one refuses, the profile is deleted again and
 *    the service's error returned.
 *  - RenameProfile renames at once, also a profile in use (sessions follow by identifier).
 *  - CopyProfile makes an application profile only when MAPI_APP_PROFILE is given and the
 *    source is one. */
#include <stdio.h>
#include <string.h>

#include <mapicode.h>
#include <mapiguid.h>
#include <mapitags.h>
#include <mapiutil.h>
#include <mapix.h>

#include <mapirt/alloc.h>
#include <mapirt/init.h>
#include <mapirt/strconv.h>

#include "catalog.h"
#include "inuse.h"
#include "services.h"
#include "store.h"
#include "svcadmin.h"
#include "svccall.h"

struct profadmin {
    mapirt_profstore *ps;
};

#include "profadmin_object.h"

static void profadmin_destroy(struct profadmin *self)
{
    mapirt_profstore_release(self->ps);
}

/* A name given through either API as UTF-8 (mapirt_free); NULL stays NULL. */
static HRESULT utf8_of(const void *s, ULONG ulFlags, char **out)
{
    *out = NULL;
    if (!s)
        return S_OK;
    *out = (ulFlags & MAPI_UNICODE) ? mapirt_str_w_to_a_dup(s) : mapirt_strdup(s);
    return *out ? S_OK : MAPI_E_NOT_ENOUGH_MEMORY;
}

static HRESULT fail(struct profadmin *self, HRESULT hr, const char *err)
{
    if (hr == MAPI_E_NOT_ENOUGH_MEMORY && !err[0])
        return profadmin_fail(self, hr, "out of memory");
    return mapirt_lasterror_setf(profadmin_lasterror(self), hr, 0, 0, "%s", err);
}

/* ---- GetProfileTable ---- */

struct rows_ctx {
    ULONG flags;
    LPSRowSet rows;
};

static HRESULT read_profiles(mapirt_ps_tx *tx, void *p)
{
    struct rows_ctx *c = p;
    return mapirt_rows_profiles(tx, c->flags, &c->rows);
}

static HRESULT profadmin_GetProfileTable(struct profadmin *self, ULONG ulFlags,
                                         LPMAPITABLE *lppTable)
{
    char err[512] = "";
    struct rows_ctx c = {ulFlags, NULL};
    HRESULT hr = mapirt_profstore_read(self->ps, read_profiles, &c, err, sizeof err);
    if (FAILED(hr))
        return fail(self, hr, err);
    SizedSPropTagArray(3, cols) = {
        3, {(ulFlags & MAPI_UNICODE) ? PR_DISPLAY_NAME_W : PR_DISPLAY_NAME_A, PR_DEFAULT_PROFILE,
            PR_INSTANCE_KEY}};
    hr = mapirt_rows_table(c.rows, (LPSPropTagArray)&cols, PR_INSTANCE_KEY, lppTable);
    if (FAILED(hr))
        return profadmin_fail(self, hr, "cannot build the profile table");
    return S_OK;
}

/* ---- CreateProfile ---- */

struct create_ctx {
    const char *name;
    int is_app, defaults;
    const mapirt_catalog *cat;
    mapirt_profile_id id;
    MAPIUID *created; /* the default services made, for their MSG_SERVICE_CREATE */
    ULONG ncreated;
};

static HRESULT create_profile(mapirt_ps_tx *tx, void *p)
{
    struct create_ctx *c = p;
    HRESULT hr = mapirt_ps_profile_create(tx, c->name, c->is_app, &c->id);
    for (ULONG i = 0; SUCCEEDED(hr) && c->defaults && i < c->cat->cDefaults; i++) {
        const mapirt_catalog_service *s = c->cat->defaults[i];
        hr = mapirt_svc_create(tx, c->id, c->cat, s->name, NULL, &c->created[c->ncreated]);
        if (SUCCEEDED(hr))
            c->ncreated++;
    }
    return hr;
}

static int empty_password(const void *pw, ULONG ulFlags)
{
    if (!pw)
        return 1;
    return (ulFlags & MAPI_UNICODE) ? ((const WCHAR *)pw)[0] == 0 : ((const char *)pw)[0] == 0;
}

static HRESULT profadmin_CreateProfile(struct profadmin *self, LPTSTR lpszProfileName,
                                       LPTSTR lpszPassword, ULONG_PTR ulUIParam, ULONG ulFlags)
{
    char err[512] = "";
    char *name;
    mapirt_catalog *cat = NULL;
    HRESULT hr;

    if (!empty_password(lpszPassword, ulFlags))
        return profadmin_fail(self, MAPI_E_INVALID_PARAMETER,
                              "MAPI profiles have no password: pass NULL or an empty string");
    if (FAILED(hr = utf8_of(lpszProfileName, ulFlags, &name)))
        return fail(self, hr, err);
    if ((ulFlags & MAPI_DEFAULT_SERVICES) &&
        FAILED(hr = mapirt_catalog_load(&cat, err, sizeof err))) {
        mapirt_free(name);
        return fail(self, hr, err);
    }
    struct create_ctx c = {name, (ulFlags & MAPI_APP_PROFILE) != 0,
                           (ulFlags & MAPI_DEFAULT_SERVICES) != 0, cat, 0, NULL, 0};
    if (cat && !(c.created = mapirt_calloc(cat->cDefaults + 1, sizeof(MAPIUID))))
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
    if (SUCCEEDED(hr))
        hr = mapirt_profstore_write(self->ps, create_profile, &c, err, sizeof err);
    /* each default service's ServiceEntry, after the profile exists; a refusal undoes it all */
    for (ULONG i = 0; SUCCEEDED(hr) && i < c.ncreated; i++) {
        hr = mapirt_service_call(self->ps, c.id, &c.created[i], ulUIParam,
                                 (ulFlags & MAPI_DIALOG) ? SERVICE_UI_ALLOWED : 0,
                                 MSG_SERVICE_CREATE, 0, NULL, NULL, err, sizeof err);
        if (FAILED(hr))
            mapirt_profile_delete_or_defer(self->ps, c.id, NULL, NULL, 0);
    }
    mapirt_free(c.created);
    mapirt_catalog_free(cat);
    mapirt_free(name);
    return FAILED(hr) ? fail(self, hr, err) : S_OK;
}

/* ---- the others: by name ---- */

struct named {
    const char *name, *newname;
    ULONG flags;
    mapirt_profile_info info;
    mapirt_profile_id new_id;
};

/* The profile by name, with the application-profile rule: one needs MAPI_APP_PROFILE. */
static HRESULT find_named(mapirt_ps_tx *tx, struct named *n)
{
    HRESULT hr = mapirt_ps_profile_find(tx, n->name, &n->info);
    if (SUCCEEDED(hr) && n->info.is_app && !(n->flags & MAPI_APP_PROFILE))
        return mapirt_ps_fail(tx, MAPI_E_NO_ACCESS,
                              "'%s' is an application profile: pass MAPI_APP_PROFILE",
                              n->info.name);
    return hr;
}

static HRESULT find_op(mapirt_ps_tx *tx, void *p)
{
    return find_named(tx, p);
}

static HRESULT copy_op(mapirt_ps_tx *tx, void *p)
{
    struct named *n = p;
    HRESULT hr = find_named(tx, n);
    return FAILED(hr) ? hr
                      : mapirt_ps_profile_copy(tx, n->info.id, n->newname,
                                               n->info.is_app && (n->flags & MAPI_APP_PROFILE),
                                               &n->new_id);
}

static HRESULT rename_op(mapirt_ps_tx *tx, void *p)
{
    struct named *n = p;
    HRESULT hr = find_named(tx, n);
    return FAILED(hr) ? hr : mapirt_ps_profile_rename(tx, n->info.id, n->newname);
}

static HRESULT default_op(mapirt_ps_tx *tx, void *p)
{
    struct named *n = p;
    if (!n->name)
        return mapirt_ps_profile_set_default(tx, 0);
    n->flags |= MAPI_APP_PROFILE; /* found, then refused below as the reference says */
    HRESULT hr = find_named(tx, n);
    return FAILED(hr) ? hr : mapirt_ps_profile_set_default(tx, n->info.id);
}

/* Runs op on the names given through either API. */
static HRESULT by_name(struct profadmin *self, HRESULT (*op)(mapirt_ps_tx *, void *), int write,
                       const void *name, const void *newname, ULONG ulFlags, struct named *n)
{
    char err[512] = "";
    char *a = NULL, *b = NULL;
    HRESULT hr = utf8_of(name, ulFlags, &a);
    if (SUCCEEDED(hr))
        hr = utf8_of(newname, ulFlags, &b);
    if (SUCCEEDED(hr)) {
        n->name = a;
        n->newname = b;
        n->flags = ulFlags;
        hr = write ? mapirt_profstore_write(self->ps, op, n, err, sizeof err)
                   : mapirt_profstore_read(self->ps, op, n, err, sizeof err);
    }
    mapirt_free(a);
    mapirt_free(b);
    return FAILED(hr) ? fail(self, hr, err) : hr;
}

struct svc_list {
    mapirt_profile_id id;
    mapirt_ps_service *svcs;
    ULONG n;
};

static HRESULT list_services(mapirt_ps_tx *tx, void *p)
{
    struct svc_list *l = p;
    return mapirt_ps_service_list(tx, l->id, &l->svcs, &l->n);
}

static HRESULT profadmin_DeleteProfile(struct profadmin *self, LPTSTR lpszProfileName,
                                       ULONG ulFlags)
{
    struct named n;
    memset(&n, 0, sizeof n);
    HRESULT hr = by_name(self, find_op, 0, lpszProfileName, NULL, ulFlags, &n);
    if (FAILED(hr))
        return hr;
    char err[512] = "";
    /* every service's ServiceEntry hears MSG_SERVICE_DELETE first, even when the profile is in
     * use and goes only with its last session. It is told, not asked: a service that refuses,
     * or whose shared object is no longer installed, does not keep the profile alive */
    struct svc_list l = {n.info.id, NULL, 0};
    if (SUCCEEDED(mapirt_profstore_read(self->ps, list_services, &l, NULL, 0)))
        for (ULONG i = 0; i < l.n; i++)
            mapirt_service_call(self->ps, n.info.id, &l.svcs[i].uid, 0, 0, MSG_SERVICE_DELETE, 0,
                                NULL, NULL, NULL, 0);
    mapirt_free(l.svcs);
    hr = mapirt_profile_delete_or_defer(self->ps, n.info.id, NULL, err, sizeof err);
    return FAILED(hr) ? fail(self, hr, err) : S_OK;
}

static HRESULT profadmin_ChangeProfilePassword(struct profadmin *self, LPTSTR lpszProfileName,
                                               LPTSTR lpszOldPassword, LPTSTR lpszNewPassword,
                                               ULONG ulFlags)
{
    /* deprecated: MAPI profiles have no password; nothing is stored */
    (void)self, (void)lpszProfileName, (void)lpszOldPassword, (void)lpszNewPassword,
        (void)ulFlags;
    return S_OK;
}

static HRESULT profadmin_CopyProfile(struct profadmin *self, LPTSTR lpszOldProfileName,
                                     LPTSTR lpszOldPassword, LPTSTR lpszNewProfileName,
                                     ULONG_PTR ulUIParam, ULONG ulFlags)
{
    struct named n;
    (void)lpszOldPassword, (void)ulUIParam;
    memset(&n, 0, sizeof n);
    return by_name(self, copy_op, 1, lpszOldProfileName, lpszNewProfileName, ulFlags, &n);
}

static HRESULT profadmin_RenameProfile(struct profadmin *self, LPTSTR lpszOldProfileName,
                                       LPTSTR lpszOldPassword, LPTSTR lpszNewProfileName,
                                       ULONG_PTR ulUIParam, ULONG ulFlags)
{
    struct named n;
    (void)lpszOldPassword, (void)ulUIParam;
    memset(&n, 0, sizeof n);
    return by_name(self, rename_op, 1, lpszOldProfileName, lpszNewProfileName, ulFlags, &n);
}

static HRESULT profadmin_SetDefaultProfile(struct profadmin *self, LPTSTR lpszProfileName,
                                           ULONG ulFlags)
{
    struct named n;
    memset(&n, 0, sizeof n);
    return by_name(self, default_op, 1, lpszProfileName, NULL, ulFlags, &n);
}

static HRESULT profadmin_AdminServices(struct profadmin *self, LPTSTR lpszProfileName,
                                       LPTSTR lpszPassword, ULONG_PTR ulUIParam, ULONG ulFlags,
                                       LPSERVICEADMIN *lppServiceAdmin)
{
    struct named n;
    (void)lpszPassword, (void)ulUIParam;
    memset(&n, 0, sizeof n);
    /* AdminServices reaches application profiles too: it is how they are configured */
    HRESULT hr = by_name(self, find_op, 0, lpszProfileName, NULL, ulFlags | MAPI_APP_PROFILE, &n);
    if (hr == MAPI_E_NOT_FOUND)
        return mapirt_lasterror_setf(profadmin_lasterror(self), MAPI_E_LOGON_FAILED, 0, 0,
                                     "there is no profile to administer by that name");
    if (FAILED(hr))
        return hr;
    hr = mapirt_svcadmin_create(self->ps, n.info.id, lppServiceAdmin);
    return FAILED(hr) ? profadmin_fail(self, hr, "out of memory") : S_OK;
}

HRESULT MAPIAdminProfiles(ULONG ulFlags, LPPROFADMIN *lppProfAdmin)
{
    (void)ulFlags; /* none documented */
    if (!lppProfAdmin)
        return MAPI_E_INVALID_PARAMETER;
    *lppProfAdmin = NULL;
    if (!mapirt_is_initialized())
        return MAPI_E_NOT_INITIALIZED;
    struct profadmin *pa = profadmin_new();
    if (!pa)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    char err[512] = "";
    HRESULT hr = mapirt_profstore_open_default(&pa->ps, err, sizeof err);
    if (FAILED(hr)) {
        profadmin_release(pa);
        return hr;
    }
    /* profiles whose last session ended without deleting them (a crash) go now */
    mapirt_profile_sweep(pa->ps);
    *lppProfAdmin = profadmin_as_IProfAdmin(pa);
    return S_OK;
}
