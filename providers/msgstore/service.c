/* service.c: the MSGSTORE message service's ServiceEntry: where the store's file is.
 *
 * MSG_SERVICE_CREATE and MSG_SERVICE_CONFIGURE take PR_MS_STORE_PATH (PT_STRING8 or PT_UNICODE,
 * 0x6700) from the properties given; without one the store keeps the path its provider section
 * already has, else gets the default Logon would choose ($XDG_DATA_HOME/mapirt/msgstore/<provider
 * UID>.db). The path is checked before anything is written: absolute, its directory created
 * (mkdir -p) and writable, and an existing file must be a mapirt store (opened, not changed);
 * a path that cannot be used is refused with the reason and the path in the MAPIERROR, and the
 * profile keeps what it had. Only a default that cannot be used at MSG_SERVICE_CREATE is no
 * error: the profile is made, and ConfigureMsgService (or the first logon) says more. The path goes into the section of the service's store provider,
 * which Logon reads. MSG_SERVICE_DELETE leaves the file: it is the user's mail, not the
 * profile's (docs/decisions.md). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mapirt/provider.h>
#include <mapirt/strconv.h>

#include "ms.h"

typedef struct svc_ctx {
    LPALLOCATEBUFFER alloc;
    LPALLOCATEMORE more;
    char err[1200];
} svc_ctx;

static HRESULT fail(svc_ctx *c, HRESULT hr, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, sizeof c->err, fmt, ap);
    va_end(ap);
    return hr;
}

/* The MAPI code for an errno met while making or checking the store's directory. */
static HRESULT errno_hr(int e)
{
    switch (e) {
    case EACCES:
    case EPERM:
    case EROFS:
        return MAPI_E_NO_ACCESS;
    case ENOSPC:
    case EDQUOT:
        return MAPI_E_NOT_ENOUGH_DISK;
    case ENOMEM:
        return MAPI_E_NOT_ENOUGH_MEMORY;
    default:
        return MAPI_E_INVALID_PARAMETER; /* ENOTDIR, ENAMETOOLONG, ELOOP, ... */
    }
}

/* mkdir -p of path's directory, which must then be writable; on failure, which directory and
 * why. */
static HRESULT make_dirs(svc_ctx *c, const char *path)
{
    int made = mapirt_make_parent_dirs(path), e = errno;
    char *d = strdup(path);
    if (d == NULL)
        return fail(c, MAPI_E_NOT_ENOUGH_MEMORY, "out of memory");
    char *last = strrchr(d, '/');
    if (last)
        *last = '\0';
    const char *dir = last == d ? "/" : d;
    HRESULT hr = S_OK;
    if (made != 0 && e == ENOTDIR)
        hr = fail(c, MAPI_E_INVALID_PARAMETER,
            "the store '%s' cannot be made: a part of '%s' is not a directory", path, dir);
    else if (made != 0)
        hr = fail(c, errno_hr(e), "cannot create the directory '%s' for the store '%s': %s", dir,
            path, strerror(e));
    else if (last && access(dir, W_OK | X_OK) != 0)
        hr = fail(c, errno_hr(errno), "the store '%s' cannot be written: directory '%s': %s",
            path, dir, strerror(errno));
    free(d);
    return hr;
}

/* Whether path can hold the store: a new file in a usable directory, or an existing store. */
static HRESULT check_path(svc_ctx *c, const char *path)
{
    if (*path != '/')
        return fail(c, MAPI_E_INVALID_PARAMETER,
            "PR_MS_STORE_PATH '%s' is not an absolute path", path);
    HRESULT hr = make_dirs(c, path);
    if (FAILED(hr))
        return hr;
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT)
            return S_OK; /* the first logon creates it */
        return fail(c, errno_hr(errno), "the store '%s' cannot be used: %s", path,
            strerror(errno));
    }
    if (S_ISDIR(st.st_mode))
        return fail(c, MAPI_E_INVALID_PARAMETER,
            "the store '%s' is a directory; PR_MS_STORE_PATH names the store's file", path);
    if (!S_ISREG(st.st_mode))
        return fail(c, MAPI_E_INVALID_PARAMETER, "the store '%s' is not a regular file", path);
    if (access(path, R_OK | W_OK) != 0)
        return fail(c, errno_hr(errno), "the store '%s' cannot be opened for writing: %s", path,
            strerror(errno));
    /* An existing file must already be a store: never turn someone's file into one. */
    if (st.st_size == 0)
        return S_OK;
    ms_db *db = NULL;
    char why[900];
    hr = ms_db_open(path, 0, &db, why, sizeof why);
    ms_db_close(db);
    if (FAILED(hr))
        return fail(c, hr, "the store '%s' cannot be used: %s%s", path,
            hr == MAPI_E_CORRUPT_STORE ? "it is not a mapirt message store: " : "", why);
    return S_OK;
}

/* The path given in the properties (8-bit or Unicode) as malloc'd UTF-8; 0 when none. */
static HRESULT given_path(svc_ctx *c, ULONG n, const SPropValue *v, char **out)
{
    *out = NULL;
    for (ULONG i = 0; i < n; i++) {
        if (v[i].ulPropTag == PR_MS_STORE_PATH_A) {
            if (v[i].Value.lpszA == NULL || (*out = strdup(v[i].Value.lpszA)) == NULL)
                return fail(c, v[i].Value.lpszA ? MAPI_E_NOT_ENOUGH_MEMORY : MAPI_E_INVALID_PARAMETER,
                    "PR_MS_STORE_PATH has no value");
            return S_OK;
        }
        if (v[i].ulPropTag == PR_MS_STORE_PATH_W) {
            if (v[i].Value.lpszW == NULL)
                return fail(c, MAPI_E_INVALID_PARAMETER, "PR_MS_STORE_PATH has no value");
            LPSTR a = NULL;
            if (FAILED(mapirt_str_w_to_a(v[i].Value.lpszW, NULL, &a)) ||
                (*out = strdup(a)) == NULL) {
                MAPIFreeBuffer(a);
                return fail(c, MAPI_E_NOT_ENOUGH_MEMORY, "out of memory");
            }
            MAPIFreeBuffer(a);
            return S_OK;
        }
    }
    return S_OK;
}

/* The provider UID of the service's store provider (its profile section). */
static HRESULT store_provider(svc_ctx *c, LPPROVIDERADMIN pa, MAPIUID *uid)
{
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    SizedSPropTagArray(2, cols) = {2, {PR_PROVIDER_UID, PR_RESOURCE_TYPE}};
    HRESULT hr = pa->lpVtbl->GetProviderTable(pa, 0, &t);
    if (SUCCEEDED(hr))
        hr = HrQueryAllRows(t, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows);
    if (t)
        t->lpVtbl->Release(t);
    if (FAILED(hr))
        return fail(c, hr, "cannot read the service's provider table");
    hr = MAPI_E_NOT_FOUND;
    for (ULONG i = 0; i < rows->cRows && hr == MAPI_E_NOT_FOUND; i++) {
        const SPropValue *p = rows->aRow[i].lpProps;
        if (p[0].ulPropTag == PR_PROVIDER_UID && p[0].Value.bin.cb == sizeof *uid &&
            p[1].ulPropTag == PR_RESOURCE_TYPE && p[1].Value.l == MAPI_STORE_PROVIDER) {
            memcpy(uid, p[0].Value.bin.lpb, sizeof *uid);
            hr = S_OK;
        }
    }
    FreeProws(rows);
    return FAILED(hr) ? fail(c, hr, "the service has no message store provider") : S_OK;
}

/* The default file of a store provider, as Logon chooses it. */
static HRESULT default_path(svc_ctx *c, const MAPIUID *uid, char **out)
{
    char buf[MS_PATH_CB];
    *out = NULL;
    if (ms_default_store_path(uid->ab, buf, sizeof buf) != 0)
        return fail(c, MAPI_E_UNCONFIGURED,
            "no PR_MS_STORE_PATH was given and neither $XDG_DATA_HOME nor $HOME is an "
            "absolute path for the default store");
    if ((*out = strdup(buf)) == NULL)
        return fail(c, MAPI_E_NOT_ENOUGH_MEMORY, "out of memory");
    return S_OK;
}

static HRESULT configure(svc_ctx *c, LPMAPISUP sup, LPPROVIDERADMIN pa, ULONG context, ULONG n,
    const SPropValue *props)
{
    MAPIUID uid;
    char *path = NULL;
    LPPROFSECT ps = NULL;
    LPSPropValue cur = NULL;
    ULONG ncur = 0;
    HRESULT hr = given_path(c, n, props, &path);
    if (SUCCEEDED(hr))
        hr = store_provider(c, pa, &uid);
    /* Through the support object: the service's sections are its own during the call. */
    if (SUCCEEDED(hr) && FAILED(hr = sup->lpVtbl->OpenProfileSection(sup, &uid, MAPI_MODIFY, &ps)))
        fail(c, hr, "cannot open the store provider's profile section");
    int had = 0, defaulted = 0;
    if (SUCCEEDED(hr) && path == NULL) {
        SizedSPropTagArray(1, tags) = {1, {PR_MS_STORE_PATH_A}};
        if (SUCCEEDED(ps->lpVtbl->GetProps(ps, (LPSPropTagArray)&tags, 0, &ncur, &cur)) && cur &&
            cur[0].ulPropTag == PR_MS_STORE_PATH_A && cur[0].Value.lpszA[0]) {
            had = 1;
            if ((path = strdup(cur[0].Value.lpszA)) == NULL)
                hr = fail(c, MAPI_E_NOT_ENOUGH_MEMORY, "out of memory");
        } else {
            hr = default_path(c, &uid, &path);
            defaulted = 1;
        }
    }
    if (SUCCEEDED(hr))
        hr = check_path(c, path);
    /* A service made without a path where the default cannot be used (no $HOME, a read-only
     * home): the profile is still made, so that ConfigureMsgService can name a path; the first
     * logon says what is missing. Nothing is written. */
    if (FAILED(hr) && defaulted && context == MSG_SERVICE_CREATE) {
        hr = S_OK;
        had = 1;
    }
    if (SUCCEEDED(hr) && !had) {
        SPropValue v;
        memset(&v, 0, sizeof v);
        v.ulPropTag = PR_MS_STORE_PATH_A;
        v.Value.lpszA = path;
        if (FAILED(hr = ps->lpVtbl->SetProps(ps, 1, &v, NULL)) ||
            FAILED(hr = ps->lpVtbl->SaveChanges(ps, KEEP_OPEN_READWRITE)))
            fail(c, hr, "cannot write the store path '%s' into the profile", path);
    }
    MAPIFreeBuffer(cur);
    if (ps)
        ps->lpVtbl->Release(ps);
    free(path);
    return hr;
}

/* A MAPIERROR in the width the caller asked for, from the caller's allocator. */
static HRESULT service_error(svc_ctx *c, HRESULT hr, ULONG flags, LPMAPIERROR *lpp)
{
    return mapirt_provider_error(c->alloc, c->more, hr, flags,
                                 c->err[0] ? c->err : "configuration failed",
                                 MS_PROVIDER_DISPLAY, lpp);
}

MS_EXPORT HRESULT ServiceEntry(HINSTANCE hInstance, LPMALLOC lpMalloc, LPMAPISUP lpMAPISup,
    ULONG_PTR ulUIParam, ULONG ulFlags, ULONG ulContext,
    ULONG cValues, LPSPropValue lpProps,
    LPPROVIDERADMIN lpProviderAdmin, LPMAPIERROR *lppMapiError)
{
    (void)hInstance;
    (void)lpMalloc;
    (void)ulUIParam;
    svc_ctx c = {MAPIAllocateBuffer, MAPIAllocateMore, ""};
    LPFREEBUFFER freebuf;
    if (lppMapiError)
        *lppMapiError = NULL;
    if (lpMAPISup)
        lpMAPISup->lpVtbl->GetMemAllocRoutines(lpMAPISup, &c.alloc, &c.more, &freebuf);
    /* INSTALL/UNINSTALL/PROVIDER_*: nothing to do; DELETE leaves the user's mail. */
    if (ulContext != MSG_SERVICE_CREATE && ulContext != MSG_SERVICE_CONFIGURE)
        return S_OK;
    if ((cValues && !lpProps) || !lpProviderAdmin || !lpMAPISup) {
        fail(&c, MAPI_E_INVALID_PARAMETER,
            "ServiceEntry needs its support object, IProviderAdmin and properties");
        return service_error(&c, MAPI_E_INVALID_PARAMETER, ulFlags, lppMapiError);
    }
    HRESULT hr = configure(&c, lpMAPISup, lpProviderAdmin, ulContext, cValues, lpProps);
    return FAILED(hr) ? service_error(&c, hr, ulFlags, lppMapiError) : S_OK;
}
