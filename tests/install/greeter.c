/* An IGreeter implemented from the generated defaults, built against an installed mapirt. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mapicode.h>
#include <greeter.h>
#include <mapirt/greeter_impl.h>
#include <mapirt/object.h>

struct greeter { IGreeter iface; mapirt_ref ref; ULONG count; };

static ULONG greeter_AddRef(IGreeter *This) { return mapirt_ref_inc(&((struct greeter *)This)->ref); }
static ULONG greeter_Release(IGreeter *This)
{
    ULONG n = mapirt_ref_dec(&((struct greeter *)This)->ref);
    if (n == 0)
        free(This);
    return n;
}
static HRESULT greeter_Greet(IGreeter *This, ULONG ulFlags, LPTSTR lpszName, ULONG *lpc)
{
    struct greeter *g = (struct greeter *)This;
    printf((ulFlags & GREETER_LOUD) ? "HELLO, %s!\n" : "hello, %s\n", (const char *)lpszName);
    *lpc = ++g->count;
    return S_OK;
}

MAPIRT_DEFINE_VTBL(IGreeter, greeter_vtbl,
    .AddRef = greeter_AddRef, .Release = greeter_Release, .Greet = greeter_Greet);

int main(void)
{
    struct greeter *g = calloc(1, sizeof *g);
    ULONG n = 0;
    IMAPIProp *prop = NULL;
    if (g == NULL)
        return 1;
    g->iface.lpVtbl = MAPIRT_VTBL_VALIDATED(greeter_vtbl);
    mapirt_ref_init(&g->ref);
    int bad = 0;
    bad += IGreeter_Greet(&g->iface, GREETER_LOUD, (LPTSTR) "world", &n) != S_OK || n != 1;
    bad += IGreeter_Greet(&g->iface, 0x40, (LPTSTR) "world", &n) != MAPI_E_UNKNOWN_FLAGS;
    bad += IGreeter_Greet(&g->iface, 0, (LPTSTR) "world", NULL) != MAPI_E_INVALID_PARAMETER;
    bad += IGreeter_GetProps(&g->iface, NULL, 0, &n, NULL) != MAPI_E_INVALID_PARAMETER;
    bad += IGreeter_SaveChanges(&g->iface, 0) != MAPI_E_NO_SUPPORT;
    bad += IGreeter_QueryInterface(&g->iface, &IID_IMAPIProp, (void **)&prop) != S_OK;
    if (prop != NULL)
        IMAPIProp_Release(prop);
    bad += PR_GREETING_W != 0x6700001F;
    IGreeter_Release(&g->iface);
    printf(bad ? "greeter: %d failure(s)\n" : "greeter: ok%.0d\n", bad);
    return bad != 0;
}
