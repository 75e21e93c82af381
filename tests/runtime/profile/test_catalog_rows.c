/* test_catalog_rows.c: <mapirt/catalog.h>: the catalog's services as rows, and values from
 * text as the catalog reads them. */
#include "storefixture.h"

#include <mapiutil.h>
#include <mapirt/catalog.h>

static char g_inf[160];

static void setup(void)
{
    store_setup();
    snprintf(g_inf, sizeof g_inf, "%s/mapisvc.inf", g_dir);
    write_file(g_dir, "mapisvc.inf",
        "[Services]\nONE=First\nTWO=Second\n[Default Services]\nTWO=Second\n"
        "[ONE]\nPR_SERVICE_DLL_NAME=one.dll\nPR_RESOURCE_FLAGS=SERVICE_SINGLE_COPY\n"
        "Providers=P\n[TWO]\nPR_DISPLAY_NAME_W=Zwei\nProviders=P\n"
        "[P]\nPR_PROVIDER_DLL_NAME=p.dll\nPR_RESOURCE_TYPE=MAPI_STORE_PROVIDER\n");
    setenv("MAPIRT_SERVICES", g_inf, 1);
}

static void teardown(void)
{
    unsetenv("MAPIRT_SERVICES");
    store_teardown();
}

TestSuite(catalog_rows, .init = setup, .fini = teardown);

Test(catalog_rows, services_in_order_with_their_section)
{
    LPSRowSet rows = NULL;
    cr_assert_eq(mapirt_catalog_services(0, &rows, NULL), S_OK);
    cr_assert_eq(rows->cRows, 2);
    SRow *r = &rows->aRow[0];
    cr_assert_eq(r->lpProps[0].ulPropTag, PR_SERVICE_NAME_A);
    cr_assert_str_eq(r->lpProps[0].Value.lpszA, "ONE");
    cr_assert_eq(r->lpProps[1].ulPropTag, PR_DISPLAY_NAME_A);
    cr_assert_str_eq(r->lpProps[1].Value.lpszA, "First");
    LPSPropValue f = PpropFindProp(r->lpProps, r->cValues, PR_RESOURCE_FLAGS);
    cr_assert_not_null(f);
    cr_assert_eq(f->Value.l, SERVICE_SINGLE_COPY);
    r = &rows->aRow[1];
    cr_assert_str_eq(r->lpProps[1].Value.lpszA, "Zwei"); /* the section's own, as 8-bit */
    cr_assert_eq(r->cValues, 2);
    FreeProws(rows);

    cr_assert_eq(mapirt_catalog_services(MAPI_DEFAULT_SERVICES | MAPI_UNICODE, &rows, NULL), S_OK);
    cr_assert_eq(rows->cRows, 1);
    cr_assert_eq(rows->aRow[0].lpProps[0].ulPropTag, PR_SERVICE_NAME_W);
    cr_assert_eq(rows->aRow[0].lpProps[1].ulPropTag, PR_DISPLAY_NAME_W);
    FreeProws(rows);
}

Test(catalog_rows, bad_arguments)
{
    LPSRowSet rows = NULL;
    cr_assert_eq(mapirt_catalog_services(0, NULL, NULL), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(mapirt_catalog_services(0x10, &rows, NULL), MAPI_E_UNKNOWN_FLAGS);
    cr_assert_null(rows);
}

Test(catalog_rows, a_malformed_catalog_is_refused_with_file_and_line)
{
    LPSRowSet rows = NULL;
    LPMAPIERROR err = NULL;
    char want[256];
    write_file(g_dir, "mapisvc.inf", "[Services]\nONE=First\n[ONE]\nProviders=NOWHERE\n");
    cr_assert_eq(mapirt_catalog_services(0, &rows, &err), MAPI_E_CORRUPT_DATA);
    cr_assert_null(rows);
    cr_assert_not_null(err);
    snprintf(want, sizeof want, "%s:4: ", g_inf);
    cr_assert(strncmp((char *)err->lpszError, want, strlen(want)) == 0, "%s",
        (char *)err->lpszError);
    MAPIFreeBuffer(err);
    cr_assert_eq(mapirt_catalog_services(0, &rows, NULL), MAPI_E_CORRUPT_DATA);
}

Test(catalog_rows, values_from_text)
{
    LPVOID parent = NULL;
    SPropValue v;
    char err[128];
    cr_assert_eq(MAPIAllocateBuffer(8, &parent), S_OK);
    cr_assert_eq(mapirt_prop_from_text(PR_RESOURCE_FLAGS, "STATUS_DEFAULT_STORE|0x100", parent, &v,
                     err, sizeof err),
        S_OK);
    cr_assert_eq(v.ulPropTag, PR_RESOURCE_FLAGS);
    cr_assert_eq(v.Value.l, 0x102);
    cr_assert_eq(mapirt_prop_from_text(PR_COMMENT_W, "héllo", parent, &v, err, sizeof err), S_OK);
    cr_assert_eq(v.Value.lpszW[1], 0xE9);
    cr_assert_eq(mapirt_prop_from_text(PR_ENTRYID, "0a0B", parent, &v, err, sizeof err), S_OK);
    cr_assert_eq(v.Value.bin.cb, 2);
    cr_assert_eq(v.Value.bin.lpb[1], 0x0B);
    cr_assert_eq(mapirt_prop_from_text(PR_RESOURCE_FLAGS, "NOT_A_FLAG", parent, &v, err,
                     sizeof err),
        MAPI_E_INVALID_PARAMETER);
    cr_assert_str_eq(err, "unknown flag name");
    cr_assert_eq(mapirt_prop_from_text(PR_ENTRYID, "abc", parent, &v, err, sizeof err),
        MAPI_E_INVALID_PARAMETER);
    cr_assert_neq(err[0], '\0');
    cr_assert_eq(mapirt_prop_from_text(PR_ENTRYID, "00", NULL, &v, err, sizeof err),
        MAPI_E_INVALID_PARAMETER);
    MAPIFreeBuffer(parent);
}
