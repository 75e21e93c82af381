/* acmeab: an address book provider written in C as a third party writes one, from the public
 * MAPI headers only (every vtable slot a function of its own), plus the ServiceEntry of its
 * message service. The session tests (tests/runtime/session/) drive it through MAPILogonEx.
 *
 * What it does at IABProvider::Logon (SPEC §4.4): AddRefs the support object, opens its own
 * profile section, registers its MAPIUID (SetProviderUID), adds its status row with the three
 * identity columns, and hands out an IABLogon whose OpenEntry opens its one mail user ("Ada
 * Acme") and whose OpenStatusEntry opens its status object.
 *
 * Misbehaviour for the failure-policy tests, chosen by PT_LONG 0x6620 of its profile section
 * (the catalog can set it): 1 Logon fails with MAPI_E_LOGON_FAILED and a MAPIERROR; 2
 * MAPI_E_UNCONFIGURED until its service's section holds 0x6621 = 1 (which this DLL's
 * ServiceEntry writes at MSG_SERVICE_CONFIGURE); 3 MAPI_E_FAILONEPROVIDER; 4 unconfigured for
 * good; 5 Logon waits until acmeab_unblock() is called (a slow logon holding the logon lock).
 * acmeab_stats() tells the tests what MAPI did to it. */
#include <pthread.h>
#include <string.h>

/* The IIDs it uses, defined here: a provider does not link with MAPI (mapiguid.h's scheme) */
#define INITGUID
#define USES_IID_IUnknown
#define USES_IID_IMAPIProp
#define USES_IID_IMAPIStatus
#define USES_IID_IMailUser
#define USES_IID_IABLogon
#define USES_IID_IABProvider
#include <initguid.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapiguid.h>
#include <mapispi.h>
#include <mapitags.h>
#include <mapix.h>

#pragma GCC diagnostic ignored "-Wunused-parameter"

#define EXPORT __attribute__((visibility("default")))

struct acmeab_stats {
    int inits, logons, logoffs, shutdowns, provider_releases, configures;
    HINSTANCE instance;
    ULONG mapi_version, logon_flags;
    int malloc_ok;
};
static struct acmeab_stats stats;
static pthread_mutex_t block_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t block_cv = PTHREAD_COND_INITIALIZER;
static int blocked, waiting;

EXPORT struct acmeab_stats *acmeab_stats(void) { return &stats; }
EXPORT int acmeab_waiting(void)
{
    pthread_mutex_lock(&block_mu);
    int w = waiting;
    pthread_mutex_unlock(&block_mu);
    return w;
}
EXPORT void acmeab_block(int on)
{
    pthread_mutex_lock(&block_mu);
    blocked = on;
    pthread_cond_broadcast(&block_cv);
    pthread_mutex_unlock(&block_mu);
}

/* Its MAPIUID, a constant as the reference asks. */
static const MAPIUID AB_UID = {{0xac, 0x3e, 0xab, 0x01, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66,
                                0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc}};

static LPALLOCATEBUFFER g_alloc;
static LPALLOCATEMORE g_more;
static LPFREEBUFFER g_free;

static HRESULT make_error(HRESULT hr, const char *text, ULONG flags, LPMAPIERROR *lpp)
{
    LPMAPIERROR e;
    if (!lpp || g_alloc(sizeof *e, (void **)&e) != S_OK)
        return hr;
    memset(e, 0, sizeof *e);
    size_t n = strlen(text) + 1;
    if (flags & MAPI_UNICODE) {
        WCHAR *w;
        if (g_more((ULONG)(n * sizeof(WCHAR)), e, (void **)&w) == S_OK) {
            for (size_t i = 0; i < n; i++)
                w[i] = (WCHAR)(unsigned char)text[i];
            e->lpszError = (LPTSTR)(void *)w;
        }
    } else if (g_more((ULONG)n, e, (void **)&e->lpszError) == S_OK)
        memcpy(e->lpszError, text, n);
    *lpp = e;
    return hr;
}

/* ---- a read-only property object: the mail user and the status object ---- */

struct propobj {
    IMAPIStatus iface; /* IMailUser's vtable is IMAPIStatus's first 14 slots */
    ULONG refs;
    int is_status;
};

static HRESULT po_QueryInterface(IMAPIStatus *This, REFIID riid, void **ppv)
{
    struct propobj *o = (struct propobj *)This;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IMAPIProp) ||
        IsEqualIID(riid, o->is_status ? &IID_IMAPIStatus : &IID_IMailUser)) {
        o->refs++;
        *ppv = This;
        return S_OK;
    }
    *ppv = NULL;
    return MAPI_E_INTERFACE_NOT_SUPPORTED;
}
static ULONG po_AddRef(IMAPIStatus *This) { return ++((struct propobj *)This)->refs; }
static ULONG po_Release(IMAPIStatus *This)
{
    struct propobj *o = (struct propobj *)This;
    ULONG n = --o->refs;
    if (!n)
        g_free(o);
    return n;
}
static HRESULT po_GetLastError(IMAPIStatus *This, HRESULT h, ULONG f, LPMAPIERROR *lpp)
{
    *lpp = NULL;
    return S_OK;
}
static HRESULT po_SaveChanges(IMAPIStatus *This, ULONG f) { return MAPI_E_NO_ACCESS; }
static HRESULT po_GetProps(IMAPIStatus *This, LPSPropTagArray tags, ULONG f, ULONG *pc,
                           LPSPropValue *pp)
{
    struct propobj *o = (struct propobj *)This;
    const char *name = o->is_status ? "Acme Directory" : "Ada Acme";
    static const ULONG deflt[] = {3, PR_DISPLAY_NAME_A, PR_OBJECT_TYPE, PR_STATUS_CODE};
    const SPropTagArray *t = tags ? tags : (const SPropTagArray *)(const void *)deflt;
    LPSPropValue v;
    if (g_alloc(t->cValues * sizeof *v + 1, (void **)&v) != S_OK)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    HRESULT hr = S_OK;
    for (ULONG i = 0; i < t->cValues; i++) {
        ULONG tag = (&t->aulPropTag[0])[i];
        v[i].ulPropTag = tag;
        v[i].dwAlignPad = 0;
        if (tag == PR_DISPLAY_NAME_A) {
            g_more((ULONG)strlen(name) + 1, v, (void **)&v[i].Value.lpszA);
            strcpy(v[i].Value.lpszA, name);
        } else if (tag == PR_OBJECT_TYPE)
            v[i].Value.l = o->is_status ? MAPI_STATUS : MAPI_MAILUSER;
        else if (tag == PR_STATUS_CODE && o->is_status)
            v[i].Value.l = STATUS_AVAILABLE;
        else {
            v[i].ulPropTag = PROP_TAG(PT_ERROR, PROP_ID(tag));
            v[i].Value.err = MAPI_E_NOT_FOUND;
            hr = MAPI_W_ERRORS_RETURNED;
        }
    }
    *pc = t->cValues;
    *pp = v;
    return hr;
}
static HRESULT po_GetPropList(IMAPIStatus *This, ULONG f, LPSPropTagArray *lpp)
{
    return MAPI_E_NO_SUPPORT;
}
static HRESULT po_OpenProperty(IMAPIStatus *This, ULONG t, LPCIID i, ULONG o, ULONG f,
                               LPUNKNOWN *u)
{
    return MAPI_E_NO_SUPPORT;
}
static HRESULT po_SetProps(IMAPIStatus *This, ULONG c, LPSPropValue v, LPSPropProblemArray *p)
{
    return MAPI_E_NO_ACCESS;
}
static HRESULT po_DeleteProps(IMAPIStatus *This, LPSPropTagArray t, LPSPropProblemArray *p)
{
    return MAPI_E_NO_ACCESS;
}
static HRESULT po_CopyTo(IMAPIStatus *This, ULONG c, LPCIID r, LPSPropTagArray e, ULONG_PTR u,
                         LPMAPIPROGRESS p, LPCIID i, LPVOID d, ULONG f, LPSPropProblemArray *pp)
{
    return MAPI_E_NO_SUPPORT;
}
static HRESULT po_CopyProps(IMAPIStatus *This, LPSPropTagArray t, ULONG_PTR u, LPMAPIPROGRESS p,
                            LPCIID i, LPVOID d, ULONG f, LPSPropProblemArray *pp)
{
    return MAPI_E_NO_SUPPORT;
}
static HRESULT po_GetNamesFromIDs(IMAPIStatus *This, LPSPropTagArray *t, LPGUID g, ULONG f,
                                  ULONG *c, LPMAPINAMEID **n)
{
    return MAPI_E_NO_SUPPORT;
}
static HRESULT po_GetIDsFromNames(IMAPIStatus *This, ULONG c, LPMAPINAMEID *n, ULONG f,
                                  LPSPropTagArray *t)
{
    return MAPI_E_NO_SUPPORT;
}
static HRESULT po_ValidateState(IMAPIStatus *This, ULONG_PTR u, ULONG f) { return S_OK; }
static HRESULT po_SettingsDialog(IMAPIStatus *This, ULONG_PTR u, ULONG f)
{
    return MAPI_E_NO_SUPPORT;
}
static HRESULT po_ChangePassword(IMAPIStatus *This, LPTSTR o, LPTSTR n, ULONG f)
{
    return MAPI_E_NO_SUPPORT;
}
static HRESULT po_FlushQueues(IMAPIStatus *This, ULONG_PTR u, ULONG cb, LPENTRYID e, ULONG f)
{
    return MAPI_E_NO_SUPPORT;
}

static const IMAPIStatusVtbl po_vtbl = {
    po_QueryInterface, po_AddRef,        po_Release,       po_GetLastError,   po_SaveChanges,
    po_GetProps,       po_GetPropList,   po_OpenProperty,  po_SetProps,       po_DeleteProps,
    po_CopyTo,         po_CopyProps,     po_GetNamesFromIDs, po_GetIDsFromNames,
    po_ValidateState,  po_SettingsDialog, po_ChangePassword, po_FlushQueues};

static HRESULT propobj_new(int is_status, LPUNKNOWN *out)
{
    struct propobj *o;
    if (g_alloc(sizeof *o, (void **)&o) != S_OK)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    o->iface.lpVtbl = (IMAPIStatusVtbl *)&po_vtbl;
    o->refs = 1;
    o->is_status = is_status;
    *out = (LPUNKNOWN)o;
    return S_OK;
}

/* ---- the logon object ---- */

struct ablogon {
    IABLogon iface;
    ULONG refs;
    LPMAPISUP sup;
};

/* Ada's entry ID: flags, our UID, "ada". */
static void ada_eid(BYTE out[23])
{
    memset(out, 0, 4);
    memcpy(out + 4, AB_UID.ab, 16);
    memcpy(out + 20, "ada", 3);
}

static int is_ada(ULONG cb, LPENTRYID e)
{
    BYTE a[23];
    ada_eid(a);
    return cb == sizeof a && e && memcmp(e, a, sizeof a) == 0;
}

static HRESULT al_QueryInterface(IABLogon *This, REFIID riid, void **ppv)
{
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IABLogon)) {
        This->lpVtbl->AddRef(This);
        *ppv = This;
        return S_OK;
    }
    *ppv = NULL;
    return MAPI_E_INTERFACE_NOT_SUPPORTED;
}
static ULONG al_AddRef(IABLogon *This) { return ++((struct ablogon *)This)->refs; }
static ULONG al_Release(IABLogon *This)
{
    struct ablogon *l = (struct ablogon *)This;
    ULONG n = --l->refs;
    if (!n) {
        LPMAPISUP sup = l->sup;
        g_free(l);
        sup->lpVtbl->Release(sup); /* last: it may unload us (MAPI defers that) */
    }
    return n;
}
static HRESULT al_GetLastError(IABLogon *This, HRESULT h, ULONG f, LPMAPIERROR *lpp)
{
    *lpp = NULL;
    return S_OK;
}
static HRESULT al_Logoff(IABLogon *This, ULONG f)
{
    stats.logoffs++;
    return S_OK;
}
static HRESULT al_OpenEntry(IABLogon *This, ULONG cb, LPENTRYID e, LPCIID iid, ULONG f,
                            ULONG *type, LPUNKNOWN *out)
{
    if (!is_ada(cb, e))
        return MAPI_E_NOT_FOUND;
    *type = MAPI_MAILUSER;
    return propobj_new(0, out);
}
static HRESULT al_CompareEntryIDs(IABLogon *This, ULONG cb1, LPENTRYID e1, ULONG cb2,
                                  LPENTRYID e2, ULONG f, ULONG *res)
{
    *res = cb1 == cb2 && memcmp(e1, e2, cb1) == 0;
    return S_OK;
}
static HRESULT al_Advise(IABLogon *This, ULONG cb, LPENTRYID e, ULONG mask,
                         LPMAPIADVISESINK sink, ULONG_PTR *conn)
{
    struct ablogon *l = (struct ablogon *)This;
    BYTE key[sizeof(ULONG) + 64];
    LPNOTIFKEY k = (LPNOTIFKEY)(void *)key;
    if (cb > 64)
        return MAPI_E_INVALID_ENTRYID;
    k->cb = cb;
    memcpy(k->ab, e, cb);
    return l->sup->lpVtbl->Subscribe(l->sup, k, mask, 0, sink, conn);
}
static HRESULT al_Unadvise(IABLogon *This, ULONG_PTR conn)
{
    struct ablogon *l = (struct ablogon *)This;
    return l->sup->lpVtbl->Unsubscribe(l->sup, conn);
}
static HRESULT al_OpenStatusEntry(IABLogon *This, LPCIID iid, ULONG f, ULONG *type,
                                  LPMAPISTATUS *out)
{
    *type = MAPI_STATUS;
    return propobj_new(1, (LPUNKNOWN *)out);
}
static HRESULT al_OpenTemplateID(IABLogon *This, ULONG cb, LPENTRYID e, ULONG f,
                                 LPMAPIPROP p, LPCIID i, LPMAPIPROP *o, LPMAPIPROP s)
{
    return MAPI_E_NO_SUPPORT;
}
static HRESULT al_GetOneOffTable(IABLogon *This, ULONG f, LPMAPITABLE *t)
{
    return MAPI_E_NO_SUPPORT;
}
static HRESULT al_PrepareRecips(IABLogon *This, ULONG f, LPSPropTagArray t, LPADRLIST a)
{
    return MAPI_E_NO_SUPPORT;
}

static const IABLogonVtbl al_vtbl = {
    al_QueryInterface, al_AddRef,       al_Release,         al_GetLastError,
    al_Logoff,         al_OpenEntry,    al_CompareEntryIDs, al_Advise,
    al_Unadvise,       al_OpenStatusEntry, al_OpenTemplateID, al_GetOneOffTable,
    al_PrepareRecips};

/* ---- the provider object ---- */

struct abprov {
    IABProvider iface;
    ULONG refs;
};

static HRESULT ap_QueryInterface(IABProvider *This, REFIID riid, void **ppv)
{
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IABProvider)) {
        This->lpVtbl->AddRef(This);
        *ppv = This;
        return S_OK;
    }
    *ppv = NULL;
    return MAPI_E_INTERFACE_NOT_SUPPORTED;
}
static ULONG ap_AddRef(IABProvider *This) { return ++((struct abprov *)This)->refs; }
static ULONG ap_Release(IABProvider *This)
{
    struct abprov *p = (struct abprov *)This;
    ULONG n = --p->refs;
    if (!n) {
        stats.provider_releases++;
        g_free(p);
    }
    return n;
}
static HRESULT ap_Shutdown(IABProvider *This, ULONG *f)
{
    stats.shutdowns++;
    return S_OK;
}

/* A PT_LONG of a section (0 when absent). */
static LONG long_prop(LPPROFSECT ps, ULONG tag)
{
    ULONG n = 0;
    LPSPropValue v = NULL;
    SizedSPropTagArray(1, t) = {1, {tag}};
    LONG r = 0;
    if (SUCCEEDED(ps->lpVtbl->GetProps(ps, (LPSPropTagArray)&t, 0, &n, &v)) && v &&
        v[0].ulPropTag == tag)
        r = v[0].Value.l;
    g_free(v);
    return r;
}

static HRESULT ap_Logon(IABProvider *This, LPMAPISUP sup, ULONG_PTR ui, LPTSTR profile,
                        ULONG flags, ULONG *cbsec, LPBYTE *sec, LPMAPIERROR *perr,
                        LPABLOGON *out)
{
    LPPROFSECT ps = NULL;
    *out = NULL;
    *cbsec = 0;
    *sec = NULL;
    stats.logons++;
    stats.logon_flags = flags;
    HRESULT hr = sup->lpVtbl->OpenProfileSection(sup, NULL, MAPI_MODIFY, &ps);
    if (FAILED(hr))
        return make_error(hr, "acmeab: cannot open its profile section", flags, perr);
    LONG mode = long_prop(ps, PROP_TAG(PT_LONG, 0x6620));
    /* the service's section: configured by ServiceEntry */
    LPSPropValue svc = NULL;
    ULONG n = 0;
    SizedSPropTagArray(1, st) = {1, {PR_SERVICE_UID}};
    LONG configured = 0;
    if (SUCCEEDED(ps->lpVtbl->GetProps(ps, (LPSPropTagArray)&st, 0, &n, &svc)) &&
        svc[0].ulPropTag == PR_SERVICE_UID && svc[0].Value.bin.cb == 16) {
        LPPROFSECT ss = NULL;
        if (SUCCEEDED(sup->lpVtbl->OpenProfileSection(sup, (LPMAPIUID)svc[0].Value.bin.lpb, 0,
                                                      &ss))) {
            configured = long_prop(ss, PROP_TAG(PT_LONG, 0x6621));
            ss->lpVtbl->Release(ss);
        }
    }
    g_free(svc);
    if (mode == 1) {
        ps->lpVtbl->Release(ps);
        return make_error(MAPI_E_LOGON_FAILED, "acmeab: the directory server is unreachable",
                          flags, perr);
    }
    if ((mode == 2 && !configured) || mode == 4) {
        ps->lpVtbl->Release(ps);
        return make_error(MAPI_E_UNCONFIGURED, "acmeab: no directory server configured", flags,
                          perr);
    }
    if (mode == 3) {
        ps->lpVtbl->Release(ps);
        return make_error(MAPI_E_FAILONEPROVIDER, "acmeab: a password is needed", flags, perr);
    }
    if (mode == 5) {
        pthread_mutex_lock(&block_mu);
        waiting = 1;
        while (blocked)
            pthread_cond_wait(&block_cv, &block_mu);
        waiting = 0;
        pthread_mutex_unlock(&block_mu);
    }
    /* the provider section's standard properties (SPEC §4.4 step 3) */
    SPropValue mine[1];
    mine[0].ulPropTag = PR_PROVIDER_DISPLAY_A;
    mine[0].Value.lpszA = (LPSTR) "Acme Address Book";
    ps->lpVtbl->SetProps(ps, 1, mine, NULL);
    ps->lpVtbl->Release(ps);
    sup->lpVtbl->SetProviderUID(sup, (LPMAPIUID)&AB_UID, 0);

    BYTE ada[23];
    ada_eid(ada);
    SPropValue row[6];
    memset(row, 0, sizeof row);
    row[0].ulPropTag = PR_DISPLAY_NAME_A;
    row[0].Value.lpszA = (LPSTR) "Acme Directory";
    row[1].ulPropTag = PR_STATUS_CODE;
    row[1].Value.l = STATUS_AVAILABLE;
    row[2].ulPropTag = PR_RESOURCE_METHODS;
    row[2].Value.l = STATUS_VALIDATE_STATE;
    row[3].ulPropTag = PR_IDENTITY_DISPLAY_A;
    row[3].Value.lpszA = (LPSTR) "Ada Acme";
    row[4].ulPropTag = PR_IDENTITY_ENTRYID;
    row[4].Value.bin.cb = sizeof ada;
    row[4].Value.bin.lpb = ada;
    row[5].ulPropTag = PR_IDENTITY_SEARCH_KEY;
    row[5].Value.bin.cb = 18;
    row[5].Value.bin.lpb = (LPBYTE) "SMTP:ADA@ACME.TEST";
    hr = sup->lpVtbl->ModifyStatusRow(sup, 6, row, 0);
    if (FAILED(hr))
        return make_error(hr, "acmeab: ModifyStatusRow failed", flags, perr);

    struct ablogon *l;
    if (g_alloc(sizeof *l, (void **)&l) != S_OK)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    l->iface.lpVtbl = (IABLogonVtbl *)&al_vtbl;
    l->refs = 1;
    sup->lpVtbl->AddRef(sup); /* kept: without it MAPI could unload us */
    l->sup = sup;
    *out = &l->iface;
    return S_OK;
}

static const IABProviderVtbl ap_vtbl = {ap_QueryInterface, ap_AddRef, ap_Release, ap_Shutdown,
                                        ap_Logon};

EXPORT HRESULT ABProviderInit(HINSTANCE hInstance, LPMALLOC lpMalloc,
                              LPALLOCATEBUFFER lpAllocateBuffer, LPALLOCATEMORE lpAllocateMore,
                              LPFREEBUFFER lpFreeBuffer, ULONG ulFlags, ULONG ulMAPIVer,
                              ULONG *lpulProviderVer, LPABPROVIDER *lppABProvider)
{
    stats.inits++;
    stats.instance = hInstance;
    stats.mapi_version = ulMAPIVer;
    *lpulProviderVer = CURRENT_SPI_VERSION;
    if (ulMAPIVer < CURRENT_SPI_VERSION)
        return MAPI_E_VERSION;
    if (!hInstance)
        return MAPI_E_CALL_FAILED; /* providers check it */
    /* the IMalloc is ours to keep or not: take a reference and give it back */
    stats.malloc_ok = lpMalloc && lpMalloc->lpVtbl->AddRef(lpMalloc) >= 1 &&
                      lpMalloc->lpVtbl->Release(lpMalloc) < 0x7fffffff;
    g_alloc = lpAllocateBuffer;
    g_more = lpAllocateMore;
    g_free = lpFreeBuffer;
    struct abprov *p;
    if (g_alloc(sizeof *p, (void **)&p) != S_OK)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    p->iface.lpVtbl = (IABProviderVtbl *)&ap_vtbl;
    p->refs = 1;
    *lppABProvider = &p->iface;
    return S_OK;
}

/* The message service's entry: MSG_SERVICE_CONFIGURE marks the service configured (what a
 * dialog would have done), anything else is S_OK. */
EXPORT HRESULT ServiceEntry(HINSTANCE hInstance, LPMALLOC lpMalloc, LPMAPISUP lpMAPISup,
                            ULONG_PTR ulUIParam, ULONG ulFlags, ULONG ulContext, ULONG cValues,
                            LPSPropValue lpProps, LPPROVIDERADMIN lpProviderAdmin,
                            LPMAPIERROR *lppMapiError)
{
    if (ulContext != MSG_SERVICE_CONFIGURE)
        return S_OK;
    stats.configures++;
    LPPROFSECT ps = NULL;
    HRESULT hr = lpMAPISup->lpVtbl->OpenProfileSection(lpMAPISup, NULL, MAPI_MODIFY, &ps);
    if (FAILED(hr))
        return hr;
    SPropValue v;
    v.ulPropTag = PROP_TAG(PT_LONG, 0x6621);
    v.Value.l = 1;
    hr = ps->lpVtbl->SetProps(ps, 1, &v, NULL);
    ps->lpVtbl->Release(ps);
    return hr;
}
