/* acmesvc: a message service as a third party writes one, from the public MAPI headers only.
 * Its ServiceEntry does what services do with what MAPI passes, and records each call so that
 * the tests can see it:
 *   MSG_SERVICE_CREATE     opens its own section through the support object and writes
 *                          PR_COMMENT "created by acmesvc" and 0x66230003, the number of rows
 *                          of its IProviderAdmin's provider table (fails with MAPI_E_UNCONFIGURED and
 *                          a MAPIERROR when the section holds 0x66220003 = 1, as the catalog
 *                          can arrange)
 *   MSG_SERVICE_CONFIGURE  writes the given properties into its section; 0x66210003 = 13 among
 *                          them is a user cancelling (MAPI_E_USER_CANCEL); without properties and
 *                          without SERVICE_UI_ALLOWED/ALWAYS it answers MAPI_E_UNCONFIGURED (it
 *                          would need a dialog); with them, the "user" cancels that dialog
 *                          (MAPI_E_USER_CANCEL and a MAPIERROR) when its section holds
 *                          0x66240003 = 1
 *   MSG_SERVICE_DELETE     S_OK */
#include <string.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapiguid.h>
#include <mapispi.h>
#include <mapitags.h>
#include <mapix.h>

struct acmesvc_call {
    unsigned long calls;
    ULONG context, flags, cValues;
    int had_support, had_admin;
    HINSTANCE instance;
    ULONG providers; /* rows of IProviderAdmin::GetProviderTable at CREATE */
};

static struct acmesvc_call last;

__attribute__((visibility("default"))) const struct acmesvc_call *acmesvc_last(void)
{
    return &last;
}

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

/* A PT_LONG of a section (0 when absent); the buffer goes back with the support object's
 * MAPIFreeBuffer: a provider does not link with MAPI itself. */
static LONG section_long(LPMAPISUP sup, LPPROFSECT ps, ULONG tag)
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

__attribute__((visibility("default"))) HRESULT ServiceEntry(HINSTANCE hInstance, LPMALLOC lpMalloc,
                                                             LPMAPISUP lpMAPISup,
                                                             ULONG_PTR ulUIParam, ULONG ulFlags,
                                                             ULONG ulContext, ULONG cValues,
                                                             LPSPropValue lpProps,
                                                             LPPROVIDERADMIN lpProviderAdmin,
                                                             LPMAPIERROR *lppMapiError)
{
    LPPROFSECT own = NULL;
    HRESULT hr = S_OK;
    (void)lpMalloc;
    (void)ulUIParam;
    if (lppMapiError)
        *lppMapiError = NULL;
    last.calls++;
    last.context = ulContext;
    last.flags = ulFlags;
    last.cValues = cValues;
    last.had_support = lpMAPISup != NULL;
    last.had_admin = lpProviderAdmin != NULL;
    last.instance = hInstance;
    if (!lpMAPISup)
        return S_OK;
    if (ulContext == MSG_SERVICE_CREATE) {
        if ((hr = lpMAPISup->lpVtbl->OpenProfileSection(lpMAPISup, NULL, MAPI_MODIFY, &own)) != S_OK)
            return hr;
        if (section_long(lpMAPISup, own, PROP_TAG(PT_LONG, 0x6622)) == 1) {
            own->lpVtbl->Release(own);
            return error(lpMAPISup, MAPI_E_UNCONFIGURED, "the test asked CREATE to fail",
                         lppMapiError);
        }
        LPMAPITABLE t;
        if (lpProviderAdmin &&
            lpProviderAdmin->lpVtbl->GetProviderTable(lpProviderAdmin, 0, &t) == S_OK) {
            t->lpVtbl->GetRowCount(t, 0, &last.providers);
            t->lpVtbl->Release(t);
        }
        SPropValue v[2];
        memset(v, 0, sizeof v);
        v[0].ulPropTag = PR_COMMENT_A;
        v[0].Value.lpszA = "created by acmesvc";
        v[1].ulPropTag = PROP_TAG(PT_LONG, 0x6623);
        v[1].Value.l = (LONG)last.providers;
        hr = own->lpVtbl->SetProps(own, 2, v, NULL);
        own->lpVtbl->Release(own);
        return hr;
    }
    if (ulContext == MSG_SERVICE_CONFIGURE) {
        for (ULONG i = 0; i < cValues; i++)
            if (lpProps[i].ulPropTag == PROP_TAG(PT_LONG, 0x6621) && lpProps[i].Value.l == 13)
                return error(lpMAPISup, MAPI_E_USER_CANCEL, "the user cancelled", lppMapiError);
        if (cValues == 0 && !(ulFlags & (SERVICE_UI_ALLOWED | SERVICE_UI_ALWAYS)))
            return MAPI_E_UNCONFIGURED;
        if ((hr = lpMAPISup->lpVtbl->OpenProfileSection(lpMAPISup, NULL, MAPI_MODIFY, &own)) != S_OK)
            return hr;
        if (cValues == 0 && section_long(lpMAPISup, own, PROP_TAG(PT_LONG, 0x6624)) == 1) {
            own->lpVtbl->Release(own);
            return error(lpMAPISup, MAPI_E_USER_CANCEL, "the user cancelled the property sheet",
                         lppMapiError);
        }
        /* no properties: the sheet was "shown" and left as it was */
        hr = cValues ? own->lpVtbl->SetProps(own, cValues, lpProps, NULL) : S_OK;
        own->lpVtbl->Release(own);
        return hr;
    }
    return S_OK;
}
