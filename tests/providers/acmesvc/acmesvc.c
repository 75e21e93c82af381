/* acmesvc: a message service as a third party writes one, from the public MAPI headers only.
 * Its ServiceEntry records each call so that the tests can see what mapirt passed, and does what
 * a service does at each stage through the support object and IProviderAdmin it is given. */
#include <mapicode.h>
#include <mapidefs.h>
#include <mapispi.h>
#include <mapitags.h>
#include <mapix.h>

/* What the last call received (read by the tests through acmesvc_last). */
struct acmesvc_call {
    unsigned long calls;
    ULONG context, flags, cValues;
    int had_support, had_admin;
    HINSTANCE instance;
};

static struct acmesvc_call last;

__attribute__((visibility("default"))) const struct acmesvc_call *acmesvc_last(void)
{
    return &last;
}

__attribute__((visibility("default"))) HRESULT ServiceEntry(HINSTANCE hInstance, LPMALLOC lpMalloc,
                                                             LPMAPISUP lpMAPISup,
                                                             ULONG_PTR ulUIParam, ULONG ulFlags,
                                                             ULONG ulContext, ULONG cValues,
                                                             LPSPropValue lpProps,
                                                             LPPROVIDERADMIN lpProviderAdmin,
                                                             LPMAPIERROR *lppMapiError)
{
    (void)lpMalloc;
    (void)ulUIParam;
    (void)lpProps;
    if (lppMapiError)
        *lppMapiError = NULL;
    last.calls++;
    last.context = ulContext;
    last.flags = ulFlags;
    last.cValues = cValues;
    last.had_support = lpMAPISup != NULL;
    last.had_admin = lpProviderAdmin != NULL;
    last.instance = hInstance;
    return S_OK;
}
