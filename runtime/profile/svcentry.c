/* svcentry.c: finding a message service's entry point (svcentry.h). */
#include <stdio.h>
#include <string.h>

#include <mapicode.h>
#include <mapitags.h>
#include <mapix.h>

#include <mapirt/alloc.h>
#include <mapirt/strconv.h>

#include "svcentry.h"

/* A string property of the section as UTF-8 into buf (an empty string when absent). */
static void string_of(const SPropValue *v, ULONG n, ULONG tag, char *buf, size_t cb)
{
    buf[0] = '\0';
    for (ULONG i = 0; i < n; i++) {
        if (PROP_ID(v[i].ulPropTag) != PROP_ID(tag))
            continue;
        if (PROP_TYPE(v[i].ulPropTag) == PT_STRING8)
            snprintf(buf, cb, "%s", v[i].Value.lpszA);
        else if (PROP_TYPE(v[i].ulPropTag) == PT_UNICODE) {
            char *a = mapirt_str_w_to_a_dup(v[i].Value.lpszW);
            if (a)
                snprintf(buf, cb, "%s", a);
            mapirt_free(a);
        }
    }
}

HRESULT mapirt_svcentry_load(mapirt_profstore *ps, mapirt_profile_id id, const MAPIUID *service,
                             mapirt_svcentry *out, char *err, size_t cberr)
{
    ULONG n;
    LPSPropValue v;
    char dll[256], name[256];

    memset(out, 0, sizeof *out);
    HRESULT hr = mapirt_profstore_get_props(ps, id, service, &n, &v, err, cberr);
    if (FAILED(hr))
        return hr;
    string_of(v, n, PR_SERVICE_DLL_NAME_A, dll, sizeof dll);
    string_of(v, n, PR_SERVICE_ENTRY_NAME, name, sizeof name);
    MAPIFreeBuffer(v);
    if (!dll[0])
        return S_OK;
    if (!name[0])
        snprintf(name, sizeof name, "ServiceEntry");
    if (FAILED(hr = mapirt_module_load(dll, &out->module, err, cberr)))
        return hr;
    out->entry = (MSGSERVICEENTRY *)(size_t)mapirt_module_symbol(out->module, name);
    if (!out->entry) {
        if (err && cberr)
            snprintf(err, cberr, "%s exports no %s", mapirt_module_path(out->module), name);
        mapirt_module_release(out->module);
        out->module = NULL;
        return MAPI_E_NOT_FOUND;
    }
    return S_OK;
}

void mapirt_svcentry_release(mapirt_svcentry *e)
{
    if (e && e->module) {
        mapirt_module_release(e->module);
        e->module = NULL;
        e->entry = NULL;
    }
}
