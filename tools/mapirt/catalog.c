/* catalog.c: `mapirt catalog`: the message services the catalog offers (<mapirt/catalog.h>). */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <string.h>

#include <mapicode.h>
#include <mapitags.h>
#include <mapiutil.h>
#include <mapix.h>

#include <mapirt/catalog.h>

#include "cli.h"

static int is_default(const SRowSet *defaults, const char *name)
{
    for (ULONG i = 0; i < defaults->cRows; i++) {
        const SPropValue *n = row_prop(&defaults->aRow[i], PR_SERVICE_NAME_A);
        if (n && strcmp(n->Value.lpszA, name) == 0)
            return 1;
    }
    return 0;
}

static int run_catalog(ctx *c)
{
    LPSRowSet all = NULL, defaults = NULL;
    LPMAPIERROR err = NULL;
    HRESULT hr = mapirt_catalog_services(0, &all, &err);
    if (hr == S_OK)
        hr = mapirt_catalog_services(MAPI_DEFAULT_SERVICES, &defaults, &err);
    if (hr != S_OK) {
        FreeProws(all);
        return fail_hr(hr, err, "reading the service catalog");
    }
    if (c->json) {
        json_begin_array(NULL);
        for (ULONG i = 0; i < all->cRows; i++) {
            const SRow *r = &all->aRow[i];
            const SPropValue *n = row_prop(r, PR_SERVICE_NAME_A);
            json_begin_object(NULL);
            json_props("properties", r->cValues, r->lpProps);
            json_bool("default", n && is_default(defaults, n->Value.lpszA));
            json_end();
        }
        json_end();
        json_finish();
    } else {
        static const char *const heads[] = {"SERVICE", "DISPLAY NAME", "DEFAULT", "DLL"};
        table *t = table_new(4, heads, heads);
        for (ULONG i = 0; i < all->cRows; i++) {
            const SRow *r = &all->aRow[i];
            const SPropValue *n = row_prop(r, PR_SERVICE_NAME_A);
            const SPropValue *d = row_prop(r, PR_DISPLAY_NAME_A);
            const SPropValue *dll = row_prop(r, PR_SERVICE_DLL_NAME_A);
            table_row(t);
            table_cell(t, 0, n ? n->Value.lpszA : NULL, NULL);
            table_cell(t, 1, d ? d->Value.lpszA : NULL, NULL);
            table_cell(t, 2, n && is_default(defaults, n->Value.lpszA) ? "yes" : "no", NULL);
            table_cell(t, 3, dll ? dll->Value.lpszA : NULL, NULL);
        }
        table_print(t, 0);
    }
    FreeProws(all);
    FreeProws(defaults);
    return EXIT_OK;
}

static const cmd CATALOG_CMDS[] = {
    {NULL, "", 0, 0, "list the message services the catalog offers",
        "The catalog is MAPISVC.INF: <libdir>/mapirt/mapisvc.inf and the fragments in "
        "<libdir>/mapirt/mapisvc.d/, or $MAPIRT_SERVICES. JSON gives each service's section "
        "properties and whether it is a default service. A malformed catalog is reported as "
        "file:line: problem.",
        NULL, CMD_JSON | CMD_MAPI, run_catalog},
    {0},
};

const group catalog_group = {"catalog", "the message-service catalog", CATALOG_CMDS};
