/* The Quick start's demo: an IMAPIProgress declared in hello.idl and implemented in C with
 * the generated object layer, called through the C call macros here and through the C++ class
 * in hello_cxx.cpp (GetMin, GetFlags and SetLimits are deliberately left to the generated
 * defaults, which answer MAPI_E_NO_SUPPORT); then a MAPI session over the test providers
 * (session.c): a profile made if absent, logon, the status and message store tables, the
 * primary identity, logoff. */
#include <stdio.h>

#include <mapicode.h>
#include <mapidefs.h>

/* The object's own state; its interface pointer, reference count and the rest are generated
 * from hello.idl into progress_object.h. */
struct progress {
    ULONG max;
};

#include "progress_object.h"

static void progress_destroy(struct progress *self)
{
    (void)self; /* nothing of its own to free: the generated Release frees the object */
}

static HRESULT progress_Progress(struct progress *self, ULONG ulValue, ULONG ulCount,
                                 ULONG ulTotal)
{
    printf("  progress: %u of %u (item %u of %u)\n", ulValue, self->max, ulCount, ulTotal);
    return S_OK;
}

static HRESULT progress_GetMax(struct progress *self, ULONG *lpulMax)
{
    *lpulMax = self->max; /* the validation layer has refused a NULL lpulMax */
    return S_OK;
}

IMAPIProgress *demo_progress_new(ULONG max);
IMAPIProgress *demo_progress_new(ULONG max)
{
    struct progress *p = progress_new();
    if (p == NULL)
        return NULL;
    p->max = max;
    return progress_as_IMAPIProgress(p);
}

int demo_call_from_cxx(IMAPIProgress *progress);
int demo_session(void);

int main(void)
{
    IMAPIProgress *p = demo_progress_new(100);
    IUnknown *unk = NULL;
    ULONG max = 0, min = 0;
    HRESULT hr;
    int failures = 0;

    if (p == NULL)
        return 1;
    printf("C calls through IMAPIProgress_* macros:\n");
    IMAPIProgress_Progress(p, 50, 1, 2);
    hr = IMAPIProgress_GetMax(p, &max);
    printf("  GetMax -> 0x%08X, max = %u\n", (unsigned)hr, max);
    failures += hr != S_OK || max != 100;
    hr = IMAPIProgress_GetMin(p, &min);
    printf("  GetMin (generated default) -> 0x%08X (MAPI_E_NO_SUPPORT)\n", (unsigned)hr);
    failures += hr != MAPI_E_NO_SUPPORT;
    hr = IMAPIProgress_QueryInterface(p, &IID_IUnknown, (void **)&unk);
    printf("  QueryInterface(IID_IUnknown) (generated chain) -> 0x%08X\n", (unsigned)hr);
    failures += hr != S_OK || unk != (IUnknown *)p;
    if (unk != NULL)
        IUnknown_Release(unk);
    hr = IMAPIProgress_QueryInterface(p, &IID_IMAPITable, (void **)&unk);
    printf("  QueryInterface(IID_IMAPITable) -> 0x%08X (E_NOINTERFACE)\n", (unsigned)hr);
    failures += hr != E_NOINTERFACE;

    printf("C++ calls through the IMAPIProgress class:\n");
    failures += demo_call_from_cxx(p);

    IMAPIProgress_Release(p);

    printf("A MAPI session over the test providers:\n");
    failures += demo_session();
    printf(failures ? "hello: %d check(s) failed\n" : "hello: all calls behaved%.0d\n", failures);
    return failures != 0;
}
