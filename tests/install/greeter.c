/* greeter.c: the greeter object of greeter.idl, built against an installed mapirt. */
#include <stdio.h>
#include <string.h>

#include <mapix.h>
#include <greeter.h>

struct greeter {
    ULONG count;
};

#include "greeter_object.h"

static void greeter_destroy(struct greeter *self)
{
    (void)self; /* nothing of its own to free */
}

static HRESULT greeter_Greet(struct greeter *self, ULONG ulFlags, LPTSTR lpszName, ULONG *lpc)
{
    printf((ulFlags & GREETER_LOUD) ? "HELLO, %s!\n" : "hello, %s\n", (const char *)lpszName);
    *lpc = ++self->count;
    return S_OK;
}

int main(void)
{
    struct greeter *g = greeter_new();
    ULONG n = 0;
    IMAPIProp *prop = NULL;
    LPMAPIERROR err = NULL;
    if (g == NULL)
        return 1;
    IGreeter *p = greeter_as_IGreeter(g);
    int bad = 0;
    bad += IGreeter_Greet(p, GREETER_LOUD, (LPTSTR) "world", &n) != S_OK || n != 1;
    bad += IGreeter_Greet(p, 0x40, (LPTSTR) "world", &n) != MAPI_E_UNKNOWN_FLAGS;
    bad += IGreeter_GetLastError(p, MAPI_E_UNKNOWN_FLAGS, 0, &err) != S_OK || err == NULL;
    if (err != NULL) {
        printf("%s: %s\n", (char *)err->lpszComponent, (char *)err->lpszError);
        bad += strstr((char *)err->lpszError, "0x00000040") == NULL;
        MAPIFreeBuffer(err);
    }
    bad += IGreeter_Greet(p, 0, (LPTSTR) "world", NULL) != MAPI_E_INVALID_PARAMETER;
    bad += IGreeter_GetProps(p, NULL, 0, &n, NULL) != MAPI_E_INVALID_PARAMETER;
    bad += IGreeter_SaveChanges(p, 0) != MAPI_E_NO_SUPPORT;
    bad += IGreeter_QueryInterface(p, &IID_IMAPIProp, (void **)&prop) != S_OK;
    if (prop != NULL)
        IMAPIProp_Release(prop);
    bad += PR_GREETING_W != 0x6700001F;
    IGreeter_Release(p);
    printf(bad ? "greeter: %d failure(s)\n" : "greeter: ok%.0d\n", bad);
    return bad != 0;
}
