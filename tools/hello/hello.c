/* The Quick start's main job: an IMAPIProgress implemented in C on top of the generated
 * defaults, called through the C call macros here and through the C++ class in hello_cxx.cpp.
 * SetLimits is deliberately left to the generated default, which answers MAPI_E_NO_SUPPORT. */
#include <stdio.h>
#include <stdlib.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapirt/object.h>

struct progress {
    IMAPIProgress iface; /* first: the object pointer is the interface pointer */
    mapirt_ref ref;
    ULONG max;
};

static struct progress *impl(IMAPIProgress *This) { return (struct progress *)This; }

static ULONG progress_AddRef(IMAPIProgress *This) { return mapirt_ref_inc(&impl(This)->ref); }

static ULONG progress_Release(IMAPIProgress *This)
{
    ULONG n = mapirt_ref_dec(&impl(This)->ref);
    if (n == 0)
        free(impl(This));
    return n;
}

static HRESULT progress_Progress(IMAPIProgress *This, ULONG ulValue, ULONG ulCount, ULONG ulTotal)
{
    printf("  progress: %u of %u (item %u of %u)\n", ulValue, impl(This)->max, ulCount, ulTotal);
    return S_OK;
}

static HRESULT progress_GetMax(IMAPIProgress *This, ULONG *lpulMax)
{
    if (lpulMax == NULL)
        return MAPI_E_INVALID_PARAMETER;
    *lpulMax = impl(This)->max;
    return S_OK;
}

MAPIRT_DEFINE_VTBL(IMAPIProgress, progress_vtbl,
    .AddRef = progress_AddRef,
    .Release = progress_Release,
    .Progress = progress_Progress,
    .GetMax = progress_GetMax);

IMAPIProgress *demo_progress_new(ULONG max);
IMAPIProgress *demo_progress_new(ULONG max)
{
    struct progress *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return NULL;
    p->iface.lpVtbl = MAPIRT_VTBL(progress_vtbl);
    mapirt_ref_init(&p->ref);
    p->max = max;
    return &p->iface;
}

int demo_call_from_cxx(IMAPIProgress *progress);

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
    printf(failures ? "hello: %d check(s) failed\n" : "hello: all calls behaved%.0d\n", failures);
    return failures != 0;
}
