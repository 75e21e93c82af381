/* provider.c: MSProviderInit and IMSProvider: logging on to a store (SPEC.md 4.3, 4.4).
 *
 * One provider object per MSProviderInit call. It remembers the stores it has logged on (not
 * owning them): a second Logon to a store already open returns that store's IMsgStore and no
 * IMSLogon, as MAPI's store load sequence requires; SpoolerLogon returns the same objects. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <mapirt/provider.h>
#include <mapirt/strconv.h>

#include "ms.h"

/* {6D61 7069 7274 2D6D 7367 7374 6F72 6501}: "mapirt-msgstore" + 1. */
const MAPIUID ms_provider_uid = {{0x6d, 0x61, 0x70, 0x69, 0x72, 0x74, 0x2d, 0x6d, 0x73, 0x67,
                                  0x73, 0x74, 0x6f, 0x72, 0x65, 0x01}};

#include "ms_provider_object.h"

HRESULT ms_store_logon(struct ms_provider *p, LPMAPISUP sup, const char *path,
                       const ms_eid *want, ULONG flags, LPSPropValue section, ULONG nsection,
                       struct ms_store **out, char *err, size_t cberr);

static void ms_provider_destroy(struct ms_provider *self)
{
    if (self->malloc)
        self->malloc->lpVtbl->Release(self->malloc);
    free(self->stores);
    if (self->lock_ok)
        pthread_mutex_destroy(&self->lock);
}

MS_EXPORT HRESULT MSProviderInit(HINSTANCE hInstance, LPMALLOC lpMalloc,
                                 LPALLOCATEBUFFER lpAllocateBuffer,
                                 LPALLOCATEMORE lpAllocateMore, LPFREEBUFFER lpFreeBuffer,
                                 ULONG ulFlags, ULONG ulMAPIVer, ULONG *lpulProviderVer,
                                 LPMSPROVIDER *lppMSProvider)
{
    if (lppMSProvider)
        *lppMSProvider = NULL;
    HRESULT hr = mapirt_provider_init_check(ulFlags, ulMAPIVer, lpulProviderVer, lppMSProvider,
                                            lpAllocateBuffer, lpAllocateMore, lpFreeBuffer);
    if (FAILED(hr))
        return hr;
    struct ms_provider *p = ms_provider_new();
    if (p == NULL)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    p->instance = hInstance;
    p->alloc = lpAllocateBuffer;
    p->more = lpAllocateMore;
    p->freebuf = lpFreeBuffer;
    if (pthread_mutex_init(&p->lock, NULL) != 0) {
        ms_provider_release(p);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    p->lock_ok = 1;
    if (lpMalloc) {
        lpMalloc->lpVtbl->AddRef(lpMalloc);
        p->malloc = lpMalloc;
    }
    *lppMSProvider = ms_provider_as_IMSProvider(p);
    return S_OK;
}

static HRESULT ms_provider_Shutdown(struct ms_provider *self, ULONG *lpulFlags)
{
    (void)self;
    *lpulFlags = 0;
    return S_OK;
}

/* The store already logged on at path, with a reference (NULL if none). */
static struct ms_store *find_store(struct ms_provider *p, const char *path)
{
    struct ms_store *found = NULL;
    pthread_mutex_lock(&p->lock);
    for (size_t i = 0; i < p->nstores && !found; i++)
        if (strcmp(p->stores[i]->db->path, path) == 0 && !p->stores[i]->logged_off &&
            ms_store_tryref(p->stores[i]))
            found = p->stores[i];
    pthread_mutex_unlock(&p->lock);
    return found;
}

void ms_provider_forget(struct ms_provider *p, struct ms_store *s)
{
    pthread_mutex_lock(&p->lock);
    for (size_t i = 0; i < p->nstores; i++)
        if (p->stores[i] == s) {
            p->stores[i] = p->stores[--p->nstores];
            break;
        }
    pthread_mutex_unlock(&p->lock);
}

/* A MAPIERROR for the logon's caller, with the provider's allocator. */
static HRESULT logon_error(struct ms_provider *p, HRESULT hr, ULONG flags, const char *text,
                           LPMAPIERROR *lpp)
{
    return mapirt_provider_error(p->alloc, p->more, hr, flags, text, MS_PROVIDER_DISPLAY, lpp);
}

int ms_default_store_path(const BYTE uid[16], char *out, size_t cb)
{
    char name[64];
    memcpy(name, "msgstore/", 9);
    for (int i = 0; i < 16; i++)
        snprintf(name + 9 + 2 * i, 3, "%02x", uid[i]);
    memcpy(name + 41, ".db", 4);
    return mapirt_user_data_path(name, out, cb);
}

static HRESULT logon(struct ms_provider *self, LPMAPISUP sup, ULONG cbEntryID,
                     LPENTRYID lpEntryID, ULONG ulFlags, LPCIID lpInterface,
                     LPMAPIERROR *lppMAPIError, LPMSLOGON *lppMSLogon, LPMDB *lppMDB)
{
    ms_eid want;
    LPPROFSECT ps = NULL;
    LPSPropValue sect = NULL;
    ULONG nsect = 0;
    char err[512];
    HRESULT hr;
    const char *path = NULL;

    *lppMAPIError = NULL;
    *lppMSLogon = NULL;
    *lppMDB = NULL;
    if (lpInterface && memcmp(lpInterface, &IID_IMsgStore, sizeof(IID)) != 0 &&
        memcmp(lpInterface, &IID_IMAPIProp, sizeof(IID)) != 0 &&
        memcmp(lpInterface, &IID_IUnknown, sizeof(IID)) != 0)
        return MAPI_E_INTERFACE_NOT_SUPPORTED;
    memset(&want, 0, sizeof want);
    if (lpEntryID) {
        if (FAILED(hr = ms_eid_parse(cbEntryID, lpEntryID, &want)) || want.type != MAPI_STORE)
            return logon_error(self, MAPI_E_INVALID_ENTRYID, ulFlags,
                               "the entry ID is not one of this provider's stores",
                               lppMAPIError);
        path = want.path;
    }
    /* The profile section holds the store's path (ServiceEntry writes it) and its name. */
    char defpath[MS_PATH_CB];
    hr = sup->lpVtbl->OpenProfileSection(sup, NULL, MAPI_MODIFY, &ps);
    if (SUCCEEDED(hr)) {
        SizedSPropTagArray(3, tags) = {3, {PR_MS_STORE_PATH_A, PR_DISPLAY_NAME_A,
                                           PR_PROVIDER_UID}};
        if (FAILED(ps->lpVtbl->GetProps(ps, (LPSPropTagArray)&tags, 0, &nsect, &sect)))
            sect = NULL, nsect = 0;
        if (!path && sect && sect[0].ulPropTag == PR_MS_STORE_PATH_A)
            path = sect[0].Value.lpszA;
        if (!path && sect && sect[2].ulPropTag == PR_PROVIDER_UID && sect[2].Value.bin.cb == 16 &&
            ms_default_store_path(sect[2].Value.bin.lpb, defpath, sizeof defpath) == 0)
            path = defpath;
    }
    if (path == NULL || *path != '/') {
        hr = logon_error(self, MAPI_E_UNCONFIGURED, ulFlags,
                         path ? "the store path in the profile is not absolute"
                              : "the profile names no store file (PR_MS_STORE_PATH) and there"
                                " is no XDG_DATA_HOME or HOME for a default one",
                         lppMAPIError);
        goto out;
    }
    struct ms_store *s = find_store(self, path);
    if (s) {
        /* Already logged on: the same IMsgStore, no IMSLogon (the store load sequence). */
        if (lpEntryID && memcmp(want.uid.ab, s->db->uid.ab, 16) != 0) {
            ms_store_release(s);
            hr = logon_error(self, MAPI_E_LOGON_FAILED, ulFlags,
                             "the file at the entry ID's path is another store", lppMAPIError);
            goto out;
        }
        *lppMDB = ms_store_as_IMsgStore(s);
        hr = S_OK;
        goto out;
    }
    if (!lpEntryID)
        mapirt_make_parent_dirs(path);
    hr = ms_store_logon(self, sup, path, lpEntryID ? &want : NULL, ulFlags, sect, nsect, &s, err,
                        sizeof err);
    if (FAILED(hr)) {
        hr = logon_error(self, hr == MAPI_E_NOT_ENOUGH_MEMORY ? hr : MAPI_E_LOGON_FAILED,
                         ulFlags, err, lppMAPIError);
        goto out;
    }
    /* The profile section learns the store's name, entry ID and record key. */
    if (ps) {
        SPropValue v[4];
        ULONG n = 0;
        memset(v, 0, sizeof v);
        v[n].ulPropTag = PR_PROVIDER_DISPLAY_A;
        v[n++].Value.lpszA = MS_PROVIDER_DISPLAY;
        v[n].ulPropTag = PR_ENTRYID;
        v[n].Value.bin.cb = s->cbeid;
        v[n++].Value.bin.lpb = (LPBYTE)s->eid;
        v[n].ulPropTag = PR_RECORD_KEY;
        v[n].Value.bin.cb = 16;
        v[n++].Value.bin.lpb = s->db->uid.ab;
        if (!sect || sect[0].ulPropTag != PR_MS_STORE_PATH_A) {
            v[n].ulPropTag = PR_MS_STORE_PATH_A;
            v[n++].Value.lpszA = (LPSTR)path;
        }
        ps->lpVtbl->SetProps(ps, n, v, NULL);
    }
    pthread_mutex_lock(&self->lock);
    struct ms_store **ns = realloc(self->stores, (self->nstores + 1) * sizeof *ns);
    if (ns) {
        self->stores = ns;
        self->stores[self->nstores++] = s;
    }
    pthread_mutex_unlock(&self->lock);
    *lppMDB = ms_store_as_IMsgStore(s);
    ms_store_addref(s);
    *lppMSLogon = ms_store_as_IMSLogon(s);
    hr = S_OK;
out:
    if (sect)
        self->freebuf(sect);
    if (ps)
        ps->lpVtbl->Release(ps);
    return hr;
}

static HRESULT ms_provider_Logon(struct ms_provider *self, LPMAPISUP lpMAPISup,
                                 ULONG_PTR ulUIParam, LPTSTR lpszProfileName, ULONG cbEntryID,
                                 LPENTRYID lpEntryID, ULONG ulFlags, LPCIID lpInterface,
                                 ULONG *lpcbSpoolSecurity, LPBYTE *lppbSpoolSecurity,
                                 LPMAPIERROR *lppMAPIError, LPMSLOGON *lppMSLogon, LPMDB *lppMDB)
{
    (void)ulUIParam;
    (void)lpszProfileName;
    /* The spooler logs on with the store's entry ID: no secret is needed. */
    *lpcbSpoolSecurity = 0;
    *lppbSpoolSecurity = NULL;
    return logon(self, lpMAPISup, cbEntryID, lpEntryID, ulFlags, lpInterface, lppMAPIError,
                 lppMSLogon, lppMDB);
}

static HRESULT ms_provider_SpoolerLogon(struct ms_provider *self, LPMAPISUP lpMAPISup,
                                        ULONG_PTR ulUIParam, LPTSTR lpszProfileName,
                                        ULONG cbEntryID, LPENTRYID lpEntryID, ULONG ulFlags,
                                        LPCIID lpInterface, ULONG cbSpoolSecurity,
                                        LPBYTE lpbSpoolSecurity, LPMAPIERROR *lppMAPIError,
                                        LPMSLOGON *lppMSLogon, LPMDB *lppMDB)
{
    (void)ulUIParam;
    (void)lpszProfileName;
    (void)cbSpoolSecurity;
    (void)lpbSpoolSecurity;
    HRESULT hr = logon(self, lpMAPISup, cbEntryID, lpEntryID, ulFlags, lpInterface, lppMAPIError,
                       lppMSLogon, lppMDB);
    /* SpoolerLogon gives the same IMSLogon as the client's logon. */
    if (SUCCEEDED(hr) && *lppMSLogon == NULL && *lppMDB) {
        struct ms_store *s = ms_store_from_IMsgStore(*lppMDB);
        ms_store_addref(s);
        *lppMSLogon = ms_store_as_IMSLogon(s);
    }
    return hr;
}

static HRESULT ms_provider_CompareStoreIDs(struct ms_provider *self, ULONG cbEntryID1,
                                           LPENTRYID lpEntryID1, ULONG cbEntryID2,
                                           LPENTRYID lpEntryID2, ULONG ulFlags,
                                           ULONG *lpulResult)
{
    ms_eid a, b;
    (void)self;
    (void)ulFlags;
    if (FAILED(ms_eid_parse(cbEntryID1, lpEntryID1, &a)) || a.type != MAPI_STORE ||
        FAILED(ms_eid_parse(cbEntryID2, lpEntryID2, &b)) || b.type != MAPI_STORE)
        return ms_provider_fail(self, MAPI_E_INVALID_ENTRYID,
                                "CompareStoreIDs: not a store entry ID of this provider");
    /* The same store whatever path it was reached by: the store's identity decides. */
    *lpulResult = memcmp(a.uid.ab, b.uid.ab, 16) == 0;
    return S_OK;
}
