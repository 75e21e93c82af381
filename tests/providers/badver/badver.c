/* badver: an address book provider whose entry point succeeds but reports an SPI version older
 * than any MAPI accepts; MAPI must release its object at once (badver_released counts it). */
#include <mapicode.h>
#include <mapispi.h>

#pragma GCC diagnostic ignored "-Wunused-parameter"

static int released;
__attribute__((visibility("default"))) int badver_released(void) { return released; }

static HRESULT qi(IABProvider *This, REFIID riid, void **ppv)
{
    *ppv = NULL;
    return MAPI_E_INTERFACE_NOT_SUPPORTED;
}
static ULONG addref(IABProvider *This) { return 2; }
static ULONG release(IABProvider *This)
{
    released++;
    return 0;
}
static HRESULT shutdown_(IABProvider *This, ULONG *f) { return S_OK; }
static HRESULT logon(IABProvider *This, LPMAPISUP s, ULONG_PTR u, LPTSTR p, ULONG f, ULONG *c,
                     LPBYTE *b, LPMAPIERROR *e, LPABLOGON *l)
{
    return MAPI_E_CALL_FAILED; /* never reached */
}
static const IABProviderVtbl vtbl = {qi, addref, release, shutdown_, logon};
static IABProvider prov = {(IABProviderVtbl *)&vtbl};

__attribute__((visibility("default"))) HRESULT
ABProviderInit(HINSTANCE h, LPMALLOC m, LPALLOCATEBUFFER a, LPALLOCATEMORE mo, LPFREEBUFFER fr,
               ULONG flags, ULONG ver, ULONG *provver, LPABPROVIDER *out)
{
    *provver = 0x00000100; /* far older than PDK1_SPI_VERSION */
    *out = &prov;
    return S_OK;
}
