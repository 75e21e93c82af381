/* provsvc: a message service that manages its providers itself, as a third party writes one
 * from the public MAPI headers only. It answers the provider contexts the way MSGSERVICEENTRY's
 * page tells a service to, by calling its IProviderAdmin itself, which is what would recurse if
 * MAPI called the entry point again for those calls. It keeps its counts in its own profile
 * section (through the support object), where the tests read them:
 *   0x66500003  MSG_SERVICE_PROVIDER_CREATE calls     0x66510003  MSG_SERVICE_PROVIDER_DELETE calls
 *   0x66520003  the deepest nesting of ServiceEntry calls seen (1 unless MAPI re-entered it)
 *   0x66530003  calls whose lpProps was not exactly one PR_PROVIDER_UID
 * What it does, by context:
 *   MSG_SERVICE_CREATE           S_OK; adds a provider "PROV AB" itself when its section has
 *                                0x66420003 = 1 (from the catalog)
 *   MSG_SERVICE_PROVIDER_CREATE  reads the new provider's section (the UID in lpProps): with
 *                                0x66400003 = 1 it refuses (MAPI_E_USER_CANCEL and a MAPIERROR);
 *                                = 2 it adds a companion provider "PROV AB" itself; = 3 it does
 *                                that from another thread, waiting for it; otherwise it writes
 *                                PR_COMMENT "configured by provsvc" there
 *   MSG_SERVICE_PROVIDER_DELETE  with 0x66410003 = 1 in the provider's section it refuses
 *                                (MAPI_E_NO_SUPPORT); otherwise it deletes the provider itself
 *                                through its IProviderAdmin (IProviderAdmin::DeleteProvider's page)
 *   others                       S_OK */
#include <pthread.h>
#include <string.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapiguid.h>
#include <mapispi.h>
#include <mapitags.h>
#include <mapix.h>

#define PROP_CREATES PROP_TAG(PT_LONG, 0x6650)
#define PROP_DELETES PROP_TAG(PT_LONG, 0x6651)
#define PROP_DEPTH PROP_TAG(PT_LONG, 0x6652)
#define PROP_BADARGS PROP_TAG(PT_LONG, 0x6653)
#define PROP_ON_CREATE PROP_TAG(PT_LONG, 0x6640)
#define PROP_ON_DELETE PROP_TAG(PT_LONG, 0x6641)
#define PROP_ADD_AT_CREATE PROP_TAG(PT_LONG, 0x6642)

static int depth; /* ServiceEntry calls running now (on any thread) */

static HRESULT error(LPMAPISUP sup, HRESULT hr, const char *text, LPMAPIERROR *lpp)
{
    LPALLOCATEBUFFER alloc;
    LPALLOCATEMORE more;
    LPFREEBUFFER freebuf;
    LPMAPIERROR e;
    if (!lpp || sup->lpVtbl->GetMemAllocRoutines(sup, &alloc, &more, &freebuf) != S_OK ||
        alloc(sizeof *e, (void **)&e) != S_OK)
        return hr;
    memset(e, 0, sizeof *e);
    if (more((ULONG)strlen(text) + 1, e, (void **)&e->lpszError) == S_OK)
        strcpy((char *)e->lpszError, text);
    *lpp = e;
    return hr;
}

static LONG get_long(LPMAPISUP sup, LPPROFSECT ps, ULONG tag)
{
    LPALLOCATEBUFFER alloc;
    LPALLOCATEMORE more;
    LPFREEBUFFER freebuf;
    if (sup->lpVtbl->GetMemAllocRoutines(sup, &alloc, &more, &freebuf) != S_OK)
        return 0;
    SizedSPropTagArray(1, tags) = {1, {tag}};
    ULONG n;
    LPSPropValue v;
    LONG r = 0;
    if (SUCCEEDED(ps->lpVtbl->GetProps(ps, (LPSPropTagArray)&tags, 0, &n, &v))) {
        if (n == 1 && v[0].ulPropTag == tag)
            r = v[0].Value.l;
        freebuf(v);
    }
    return r;
}

/* Adds one to a counter of the service's own section, or raises it to `at_least`. */
static void count(LPMAPISUP sup, ULONG tag, LONG at_least)
{
    LPPROFSECT own;
    if (sup->lpVtbl->OpenProfileSection(sup, NULL, MAPI_MODIFY, &own) != S_OK)
        return;
    LONG v = get_long(sup, own, tag);
    SPropValue p = {.ulPropTag = tag};
    p.Value.l = at_least ? (v > at_least ? v : at_least) : v + 1;
    own->lpVtbl->SetProps(own, 1, &p, NULL);
    own->lpVtbl->Release(own);
}

static void *add_companion(void *p)
{
    LPPROVIDERADMIN pa = p;
    MAPIUID u;
    pa->lpVtbl->CreateProvider(pa, (LPTSTR) "PROV AB", 0, NULL, 0, 0, &u);
    return NULL;
}

static HRESULT provider_create(LPMAPISUP sup, LPPROVIDERADMIN pa, const MAPIUID *uid,
                               LPMAPIERROR *lpp)
{
    LPPROFSECT ps;
    HRESULT hr = sup->lpVtbl->OpenProfileSection(sup, (LPMAPIUID)uid, MAPI_MODIFY, &ps);
    if (hr != S_OK)
        return hr;
    LONG what = get_long(sup, ps, PROP_ON_CREATE);
    if (what == 1) {
        ps->lpVtbl->Release(ps);
        return error(sup, MAPI_E_USER_CANCEL, "the user cancelled the new provider", lpp);
    }
    if (what == 2) {
        add_companion(pa);
    } else if (what == 3) {
        pthread_t t;
        if (pthread_create(&t, NULL, add_companion, pa) == 0)
            pthread_join(t, NULL);
    } else {
        SPropValue v = {.ulPropTag = PR_COMMENT_A};
        v.Value.lpszA = "configured by provsvc";
        hr = ps->lpVtbl->SetProps(ps, 1, &v, NULL);
    }
    ps->lpVtbl->Release(ps);
    return hr;
}

static HRESULT provider_delete(LPMAPISUP sup, LPPROVIDERADMIN pa, const MAPIUID *uid)
{
    LPPROFSECT ps;
    HRESULT hr = sup->lpVtbl->OpenProfileSection(sup, (LPMAPIUID)uid, 0, &ps);
    if (hr != S_OK)
        return hr;
    LONG refuse = get_long(sup, ps, PROP_ON_DELETE);
    ps->lpVtbl->Release(ps);
    if (refuse == 1)
        return MAPI_E_NO_SUPPORT;
    return pa->lpVtbl->DeleteProvider(pa, (LPMAPIUID)uid);
}

__attribute__((visibility("default"))) HRESULT ServiceEntry(HINSTANCE hInstance, LPMALLOC lpMalloc,
                                                             LPMAPISUP lpMAPISup,
                                                             ULONG_PTR ulUIParam, ULONG ulFlags,
                                                             ULONG ulContext, ULONG cValues,
                                                             LPSPropValue lpProps,
                                                             LPPROVIDERADMIN lpProviderAdmin,
                                                             LPMAPIERROR *lppMapiError)
{
    HRESULT hr = S_OK;
    (void)hInstance, (void)lpMalloc, (void)ulUIParam, (void)ulFlags;
    if (lppMapiError)
        *lppMapiError = NULL;
    if (!lpMAPISup || !lpProviderAdmin)
        return MAPI_E_INVALID_PARAMETER;
    int now = __atomic_add_fetch(&depth, 1, __ATOMIC_SEQ_CST);
    count(lpMAPISup, PROP_DEPTH, now);
    if (ulContext == MSG_SERVICE_PROVIDER_CREATE || ulContext == MSG_SERVICE_PROVIDER_DELETE) {
        int ok = cValues == 1 && lpProps && lpProps[0].ulPropTag == PR_PROVIDER_UID &&
                 lpProps[0].Value.bin.cb == sizeof(MAPIUID);
        if (!ok) {
            count(lpMAPISup, PROP_BADARGS, 0);
            hr = MAPI_E_INVALID_PARAMETER;
        } else if (ulContext == MSG_SERVICE_PROVIDER_CREATE) {
            count(lpMAPISup, PROP_CREATES, 0);
            hr = provider_create(lpMAPISup, lpProviderAdmin,
                                 (const MAPIUID *)lpProps[0].Value.bin.lpb, lppMapiError);
        } else {
            count(lpMAPISup, PROP_DELETES, 0);
            hr = provider_delete(lpMAPISup, lpProviderAdmin,
                                 (const MAPIUID *)lpProps[0].Value.bin.lpb);
        }
    } else if (ulContext == MSG_SERVICE_CREATE) {
        LPPROFSECT own;
        if (lpMAPISup->lpVtbl->OpenProfileSection(lpMAPISup, NULL, 0, &own) == S_OK) {
            LONG add = get_long(lpMAPISup, own, PROP_ADD_AT_CREATE);
            own->lpVtbl->Release(own);
            if (add == 1)
                add_companion(lpProviderAdmin);
        }
    }
    __atomic_sub_fetch(&depth, 1, __ATOMIC_SEQ_CST);
    return hr;
}
