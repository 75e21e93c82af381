/* provider.c: ABProviderInit, IABProvider and the message service's ServiceEntry.
 *
 * Configuration lives in the service's profile section (ServiceEntry writes it, Logon reads it
 * through the provider section's PR_SERVICE_UID):
 *   PR_AB_PATH            the database; MSG_SERVICE_CREATE chooses
 *                         $XDG_DATA_HOME/mapirt/abook-<uid>.db (~/.local/share/...)
 * ConfigureMsgService's properties (MSG_SERVICE_CONFIGURE) act on the database at once:
 *   PR_DISPLAY_NAME, PR_EMAIL_ADDRESS, PR_ADDRTYPE (default SMTP): the user's own entry, the
 *                         profile's primary identity (created, or updated in place)
 *   PR_AB_PATH            another database file (absolute path)
 *   PR_AB_IMPORT_VCARD    a vCard file whose contacts are added (all or, on error, none) */
#define _GNU_SOURCE
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mapirt/provider.h>
#include <mapirt/strconv.h>

#include "ab.h"

/* "mapirt-abook" + 4 bytes: the provider's constant MAPIUID (PR_AB_PROVIDER_ID). */
const MAPIUID ab_provider_uid = {{0x6d, 0x61, 0x70, 0x69, 0x72, 0x74, 0x2d, 0x61, 0x62, 0x6f,
                                  0x6f, 0x6b, 0x00, 0x00, 0x00, 0x01}};

#include "ab_provider_object.h"

static void ab_provider_destroy(struct ab_provider *self) { (void)self; }

AB_EXPORT HRESULT ABProviderInit(HINSTANCE hInstance, LPMALLOC lpMalloc,
                                 LPALLOCATEBUFFER lpAllocateBuffer,
                                 LPALLOCATEMORE lpAllocateMore, LPFREEBUFFER lpFreeBuffer,
                                 ULONG ulFlags, ULONG ulMAPIVer, ULONG *lpulProviderVer,
                                 LPABPROVIDER *lppABProvider)
{
    (void)hInstance;
    (void)lpMalloc;
    if (lppABProvider)
        *lppABProvider = NULL;
    HRESULT hr = mapirt_provider_init_check(ulFlags, ulMAPIVer, lpulProviderVer, lppABProvider,
                                            lpAllocateBuffer, lpAllocateMore, lpFreeBuffer);
    if (FAILED(hr))
        return hr;
    struct ab_provider *p = ab_provider_new();
    if (!p)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    p->alloc = lpAllocateBuffer;
    p->more = lpAllocateMore;
    p->freebuf = lpFreeBuffer;
    *lppABProvider = ab_provider_as_IABProvider(p);
    return S_OK;
}

static HRESULT ab_provider_Shutdown(struct ab_provider *self, ULONG *lpulFlags)
{
    (void)self;
    *lpulFlags = 0;
    return S_OK;
}

/* A MAPIERROR made with alloc (for Logon and ServiceEntry callers). */
static HRESULT make_error(ALLOCATEBUFFER *alloc, ALLOCATEMORE *more, HRESULT hr, ULONG flags,
                          const char *text, LPMAPIERROR *lpp)
{
    return mapirt_provider_error(alloc, more, hr, flags, text, AB_PROVIDER_DISPLAY, lpp);
}

/* The default database of a service: $XDG_DATA_HOME/mapirt/abook-<hex>.db. */
static int default_path(const BYTE uid[16], char *out, size_t cb)
{
    char name[64];
    memcpy(name, "abook-", 6);
    for (int i = 0; i < 16; i++)
        snprintf(name + 6 + 2 * i, 3, "%02x", uid[i]);
    memcpy(name + 38, ".db", 4);
    return mapirt_user_data_path(name, out, cb);
}

/* Reads PR_AB_PATH of a section (NULL when absent). */
static char *section_path(LPPROFSECT ps)
{
    SizedSPropTagArray(1, tags) = {1, {PR_AB_PATH_A}};
    ULONG n = 0;
    LPSPropValue v = NULL;
    char *path = NULL;
    if (SUCCEEDED(ps->lpVtbl->GetProps(ps, (LPSPropTagArray)&tags, 0, &n, &v)) && v &&
        v[0].ulPropTag == PR_AB_PATH_A)
        path = strdup(v[0].Value.lpszA);
    MAPIFreeBuffer(v);
    return path;
}

static HRESULT set_path(LPPROFSECT ps, const char *path)
{
    SPropValue v;
    memset(&v, 0, sizeof v);
    v.ulPropTag = PR_AB_PATH_A;
    v.Value.lpszA = (LPSTR)path;
    HRESULT hr = ps->lpVtbl->SetProps(ps, 1, &v, NULL);
    if (SUCCEEDED(hr))
        hr = ps->lpVtbl->SaveChanges(ps, KEEP_OPEN_READWRITE);
    return hr;
}

/* The service section's database path, chosen now if it has none (a service made without
 * this ServiceEntry, from a catalog that names none). */
static HRESULT service_db_path(LPPROFSECT svc, const BYTE *uid, char **out, char *err,
                               size_t cberr)
{
    char buf[4096];
    *out = section_path(svc);
    if (*out) {
        if (**out == '/')
            return S_OK;
        free(*out);
        *out = NULL;
        snprintf(err, cberr, "the address book path in the profile is not absolute");
        return MAPI_E_UNCONFIGURED;
    }
    if (default_path(uid, buf, sizeof buf) != 0) {
        snprintf(err, cberr, "neither XDG_DATA_HOME nor HOME names a directory for the "
                             "address book");
        return MAPI_E_UNCONFIGURED;
    }
    if (!(*out = strdup(buf)))
        return MAPI_E_NOT_ENOUGH_MEMORY;
    set_path(svc, buf);
    return S_OK;
}

static HRESULT ab_provider_Logon(struct ab_provider *self, LPMAPISUP sup, ULONG_PTR ulUIParam,
                                 LPTSTR lpszProfileName, ULONG ulFlags, ULONG *lpulcbSecurity,
                                 LPBYTE *lppbSecurity, LPMAPIERROR *lppMAPIError,
                                 LPABLOGON *lppABLogon)
{
    (void)ulUIParam;
    (void)lpszProfileName;
    LPPROFSECT ps = NULL, svc = NULL;
    LPSPropValue v = NULL;
    ULONG n = 0;
    char err[1024] = "";
    char *path = NULL, *name = NULL;
    ab_db *db = NULL;
    *lpulcbSecurity = 0;
    *lppbSecurity = NULL;
    *lppMAPIError = NULL;
    *lppABLogon = NULL;
    HRESULT hr = sup->lpVtbl->OpenProfileSection(sup, NULL, MAPI_MODIFY, &ps);
    if (FAILED(hr)) {
        snprintf(err, sizeof err, "cannot open the provider's profile section");
        goto out;
    }
    SizedSPropTagArray(2, tags) = {2, {PR_SERVICE_UID, PR_DISPLAY_NAME_A}};
    if (FAILED(ps->lpVtbl->GetProps(ps, (LPSPropTagArray)&tags, 0, &n, &v)))
        v = NULL;
    if (v && v[1].ulPropTag == PR_DISPLAY_NAME_A)
        name = strdup(v[1].Value.lpszA);
    if (!v || v[0].ulPropTag != PR_SERVICE_UID || v[0].Value.bin.cb != 16) {
        hr = MAPI_E_UNCONFIGURED;
        snprintf(err, sizeof err, "the provider's profile section names no service");
        goto out;
    }
    hr = sup->lpVtbl->OpenProfileSection(sup, (LPMAPIUID)v[0].Value.bin.lpb, MAPI_MODIFY, &svc);
    if (FAILED(hr)) {
        snprintf(err, sizeof err, "cannot open the service's profile section");
        goto out;
    }
    if (FAILED(hr = service_db_path(svc, v[0].Value.bin.lpb, &path, err, sizeof err)))
        goto out;
    mapirt_make_parent_dirs(path);
    if (FAILED(hr = ab_db_open(path, &db, err, sizeof err)))
        goto out;
    hr = sup->lpVtbl->SetProviderUID(sup, &db->uid, 0);
    if (FAILED(hr)) {
        snprintf(err, sizeof err, "%s: SetProviderUID refused the address book's MAPIUID", path);
        goto out;
    }
    SPropValue mine[1];
    memset(mine, 0, sizeof mine);
    mine[0].ulPropTag = PR_PROVIDER_DISPLAY_A;
    mine[0].Value.lpszA = (LPSTR)AB_PROVIDER_DISPLAY;
    ps->lpVtbl->SetProps(ps, 1, mine, NULL);
    struct ab_logon *l;
    if (FAILED(hr = ab_logon_create(self, sup, db, name ? name : AB_DEFAULT_NAME, &l)))
        goto out;
    db = NULL; /* the logon's now */
    if (FAILED(hr = ab_logon_status_row(l))) {
        snprintf(err, sizeof err, "ModifyStatusRow failed");
        ab_logon_release(l);
        goto out;
    }
    *lppABLogon = ab_logon_as_IABLogon(l);
out:
    if (FAILED(hr))
        hr = make_error(self->alloc, self->more,
                        hr == MAPI_E_NOT_ENOUGH_MEMORY || hr == MAPI_E_UNCONFIGURED
                            ? hr : MAPI_E_LOGON_FAILED,
                        ulFlags, err[0] ? err : "logon failed", lppMAPIError);
    ab_db_close(db);
    MAPIFreeBuffer(v);
    free(path);
    free(name);
    if (svc)
        svc->lpVtbl->Release(svc);
    if (ps)
        ps->lpVtbl->Release(ps);
    return hr;
}

/* ---- ServiceEntry ---- */

/* The identity entry of db: created, or updated in place, from what ConfigureMsgService gave. */
static HRESULT configure_identity(ab_db *db, const SPropValue *name, const SPropValue *addr,
                                  const SPropValue *type, char *err, size_t cberr)
{
    sqlite3_int64 id = ab_db_identity(db);
    ULONG c = 0;
    LPSPropValue old = NULL;
    HRESULT hr;
    if (id && FAILED(hr = ab_db_props(db, id, MAPIAllocateBuffer, MAPIAllocateMore, &c, &old)))
        return hr;
    LPSPropValue v = calloc(c + 3, sizeof *v);
    if (!v) {
        MAPIFreeBuffer(old);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    ULONG k = 0;
    for (ULONG i = 0; i < c; i++) {
        ULONG pid = PROP_ID(old[i].ulPropTag);
        if ((name && pid == PROP_ID(PR_DISPLAY_NAME)) || (addr && pid == PROP_ID(PR_EMAIL_ADDRESS)) ||
            ((type || addr) && pid == PROP_ID(PR_ADDRTYPE)))
            continue;
        v[k++] = old[i];
    }
    if (name)
        v[k++] = *name;
    if (addr)
        v[k++] = *addr;
    SPropValue smtp;
    if (type)
        v[k++] = *type;
    else if (addr) {
        memset(&smtp, 0, sizeof smtp);
        smtp.ulPropTag = PR_ADDRTYPE_A;
        smtp.Value.lpszA = (LPSTR) "SMTP";
        v[k++] = smtp;
    }
    int rc = ab_db_begin(db);
    hr = rc == SQLITE_OK ? ab_db_put(db, &id, MAPI_MAILUSER, 1, k, v, err, cberr) : ab_db_hr(rc);
    if (SUCCEEDED(hr) && (rc = ab_db_commit(db)) != SQLITE_OK)
        hr = ab_db_hr(rc);
    if (FAILED(hr))
        ab_db_rollback(db);
    free(v);
    MAPIFreeBuffer(old);
    return hr;
}

static HRESULT configure(LPMAPISUP sup, LPPROFSECT svc, ULONG c, const SPropValue *props,
                         char *err, size_t cberr)
{
    const SPropValue *name = ab_find(props, c, PR_DISPLAY_NAME_W);
    const SPropValue *addr = ab_find(props, c, PR_EMAIL_ADDRESS_W);
    const SPropValue *type = ab_find(props, c, PR_ADDRTYPE_W);
    const SPropValue *newpath = ab_find(props, c, PR_AB_PATH_W);
    const SPropValue *vcard = ab_find(props, c, PR_AB_IMPORT_VCARD_W);
    char *path = NULL, *vpath = NULL;
    ab_db *db = NULL;
    HRESULT hr = S_OK;
    LPSPropValue uidv = NULL;
    ULONG n = 0;
    SizedSPropTagArray(1, tags) = {1, {PR_SERVICE_UID}};
    BYTE uid[16];
    if (FAILED(svc->lpVtbl->GetProps(svc, (LPSPropTagArray)&tags, 0, &n, &uidv)) || !uidv ||
        uidv[0].ulPropTag != PR_SERVICE_UID || uidv[0].Value.bin.cb != 16) {
        MAPIUID u;
        if (FAILED(sup->lpVtbl->NewUID(sup, &u)))
            memset(&u, 0, sizeof u);
        memcpy(uid, u.ab, 16);
    } else
        memcpy(uid, uidv[0].Value.bin.lpb, 16);
    MAPIFreeBuffer(uidv);
    if (newpath) {
        path = ab_prop_str(newpath);
        if (!path || *path != '/') {
            snprintf(err, cberr, "PR_AB_PATH must be an absolute path");
            hr = MAPI_E_INVALID_PARAMETER;
            goto out;
        }
    } else if (FAILED(hr = service_db_path(svc, uid, &path, err, cberr)))
        goto out;
    if (!name && !addr && !type && !vcard && !newpath)
        goto out; /* nothing asked: the database is not even created yet */
    mapirt_make_parent_dirs(path);
    if (FAILED(hr = ab_db_open(path, &db, err, cberr)))
        goto out;
    if ((name || addr || type) && FAILED(hr = configure_identity(db, name, addr, type, err, cberr)))
        goto out;
    if (vcard) {
        ULONG added = 0;
        vpath = ab_prop_str(vcard);
        if (!vpath) {
            hr = MAPI_E_INVALID_PARAMETER;
            goto out;
        }
        if (FAILED(hr = ab_import_vcard(db, vpath, &added, err, cberr)))
            goto out;
        SPropValue cnt;
        memset(&cnt, 0, sizeof cnt);
        cnt.ulPropTag = PR_AB_IMPORTED;
        cnt.Value.l = (LONG)added;
        svc->lpVtbl->SetProps(svc, 1, &cnt, NULL);
    }
    if (newpath && FAILED(hr = set_path(svc, path)))
        snprintf(err, cberr, "cannot write the address book path into the profile");
    else
        svc->lpVtbl->SaveChanges(svc, KEEP_OPEN_READWRITE);
out:
    ab_db_close(db);
    free(path);
    free(vpath);
    return hr;
}

AB_EXPORT HRESULT ServiceEntry(HINSTANCE hInstance, LPMALLOC lpMalloc, LPMAPISUP lpMAPISup,
                               ULONG_PTR ulUIParam, ULONG ulFlags, ULONG ulContext,
                               ULONG cValues, LPSPropValue lpProps,
                               LPPROVIDERADMIN lpProviderAdmin, LPMAPIERROR *lppMapiError)
{
    (void)hInstance;
    (void)lpMalloc;
    (void)ulUIParam;
    (void)lpProviderAdmin;
    LPALLOCATEBUFFER alloc = MAPIAllocateBuffer;
    LPALLOCATEMORE more = MAPIAllocateMore;
    LPFREEBUFFER freebuf = MAPIFreeBuffer;
    char err[1024] = "";
    if (lppMapiError)
        *lppMapiError = NULL;
    if (!lpMAPISup)
        return MAPI_E_INVALID_PARAMETER;
    lpMAPISup->lpVtbl->GetMemAllocRoutines(lpMAPISup, &alloc, &more, &freebuf);
    /* MSG_SERVICE_DELETE leaves the database: it is the user's address book, not the
     * profile's (docs/decisions.md). INSTALL/UNINSTALL/PROVIDER_*: nothing to do. */
    if (ulContext != MSG_SERVICE_CREATE && ulContext != MSG_SERVICE_CONFIGURE)
        return S_OK;
    if (cValues && !lpProps)
        return MAPI_E_INVALID_PARAMETER;
    LPPROFSECT svc = NULL;
    HRESULT hr = lpMAPISup->lpVtbl->OpenProfileSection(lpMAPISup, NULL, MAPI_MODIFY, &svc);
    if (FAILED(hr))
        return make_error(alloc, more, hr, ulFlags, "cannot open the service's profile section",
                          lppMapiError);
    hr = configure(lpMAPISup, svc, cValues, lpProps, err, sizeof err);
    svc->lpVtbl->Release(svc);
    if (FAILED(hr))
        return make_error(alloc, more, hr, ulFlags, err[0] ? err : "configuration failed",
                          lppMapiError);
    return S_OK;
}

/* The login's name, for the status row's identity until one is configured. */
const char *ab_login_name(void);
const char *ab_login_name(void)
{
    static __thread char buf[256];
    struct passwd pw, *res = NULL;
    char tmp[2048];
    if (getpwuid_r(getuid(), &pw, tmp, sizeof tmp, &res) == 0 && res) {
        const char *g = res->pw_gecos;
        size_t n = g ? strcspn(g, ",") : 0;
        if (n > 0 && n < sizeof buf) {
            memcpy(buf, g, n);
            buf[n] = 0;
        } else
            snprintf(buf, sizeof buf, "%s", res->pw_name);
        return buf;
    }
    return "Unknown user";
}
