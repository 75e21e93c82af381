/* tests/runtime/profile/test_provadmin.c: IMsgServiceAdmin::AdminProviders and IProviderAdmin:
 * the service's provider table with its extra sections, CreateProvider, DeleteProvider,
 * OpenProfileSection and its access rule, the documented errors. */
#include "storefixture.h"

#include <mapiutil.h>

#include "oom.h"

static LPPROFADMIN g_pa;
static LPSERVICEADMIN g_sa;
static MAPIUID g_svc;

static void setup(void)
{
    store_setup();
    setenv("MAPIRT_PROFILES", g_db, 1);
    char cat[160];
    snprintf(cat, sizeof cat, "%s/mapisvc.inf", g_dir);
    write_file(g_dir, "mapisvc.inf",
               "[Services]\nACME=Acme\n"
               "[ACME]\nProviders=ACME MS\nSections=ACME Extra\n"
               "[ACME MS]\nPR_DISPLAY_NAME=Folders\nPR_PROVIDER_DLL_NAME=store.dll\n"
               "PR_RESOURCE_TYPE=MAPI_STORE_PROVIDER\n"
               "[ACME Extra]\n66000003=5\n"
               "[Another Store]\nPR_DISPLAY_NAME=More Folders\nPR_PROVIDER_DLL_NAME=more.dll\n"
               "PR_RESOURCE_TYPE=MAPI_STORE_PROVIDER\n");
    setenv("MAPIRT_SERVICES", cat, 1);
    cr_assert_eq(MAPIInitialize(NULL), S_OK);
    cr_assert_eq(MAPIAdminProfiles(0, &g_pa), S_OK);
    cr_assert_eq(g_pa->lpVtbl->CreateProfile(g_pa, (LPTSTR) "Prov", NULL, 0, 0), S_OK);
    cr_assert_eq(g_pa->lpVtbl->AdminServices(g_pa, (LPTSTR) "Prov", NULL, 0, 0, &g_sa), S_OK);
    IMsgServiceAdmin2 *sa2;
    cr_assert_eq(g_sa->lpVtbl->QueryInterface(g_sa, &IID_IMsgServiceAdmin2, (void **)&sa2), S_OK);
    cr_assert_eq(sa2->lpVtbl->CreateMsgServiceEx(sa2, (LPTSTR) "ACME", NULL, 0, 0, &g_svc), S_OK);
    sa2->lpVtbl->Release(sa2);
}

static void teardown(void)
{
    g_sa->lpVtbl->Release(g_sa);
    g_pa->lpVtbl->Release(g_pa);
    MAPIUninitialize();
    store_teardown();
}

TestSuite(provadmin, .init = setup, .fini = teardown);

static const SPropValue *col(const SRow *r, ULONG tag)
{
    for (ULONG i = 0; i < r->cValues; i++)
        if (r->lpProps[i].ulPropTag == tag)
            return &r->lpProps[i];
    return NULL;
}

static LPSRowSet table(LPPROVIDERADMIN pa)
{
    LPMAPITABLE t;
    LPSRowSet rows;
    cr_assert_eq(pa->lpVtbl->GetProviderTable(pa, 0, &t), S_OK);
    cr_assert_eq(HrQueryAllRows(t, NULL, NULL, NULL, 0, &rows), S_OK);
    t->lpVtbl->Release(t);
    return rows;
}

Test(provadmin, providers_of_a_service)
{
    LPPROVIDERADMIN pa;
    cr_assert_eq(g_sa->lpVtbl->AdminProviders(g_sa, &g_svc, 0, &pa), S_OK);
    LPSRowSet rows = table(pa);
    cr_assert_eq(rows->cRows, 2, "the provider and the extra section");
    cr_expect_eq(col(&rows->aRow[0], PR_RESOURCE_TYPE)->Value.l, MAPI_STORE_PROVIDER);
    cr_expect_not_null(col(&rows->aRow[1], CHANGE_PROP_TYPE(PR_RESOURCE_TYPE, PT_ERROR)));
    MAPIUID extra;
    memcpy(&extra, col(&rows->aRow[1], PR_PROVIDER_UID)->Value.bin.lpb, 16);
    FreeProws(rows);

    SPropValue given = {.ulPropTag = PROP_TAG(PT_STRING8, 0x6601), .Value.lpszA = "/srv/more"};
    MAPIUID added;
    cr_assert_eq(pa->lpVtbl->CreateProvider(pa, (LPTSTR) "Another Store", 1, &given, 0, 0, &added),
                 S_OK);
    rows = table(pa);
    cr_assert_eq(rows->cRows, 3);
    cr_expect_eq(memcmp(col(rows->aRow + 2, PR_PROVIDER_UID)->Value.bin.lpb, &added, 16), 0);
    cr_expect_str_eq(col(rows->aRow + 2, PR_DISPLAY_NAME_A)->Value.lpszA, "More Folders");
    cr_expect_eq(col(rows->aRow + 2, PR_PROVIDER_ORDINAL)->Value.l, 1);
    FreeProws(rows);
    cr_expect_eq(pa->lpVtbl->CreateProvider(pa, (LPTSTR) "NOPE", 0, NULL, 0, 0, &added),
                 MAPI_E_NOT_FOUND);

    /* sections: the service's own by NULL; a provider's read-write only with force */
    LPPROFSECT s;
    cr_assert_eq(pa->lpVtbl->OpenProfileSection(pa, NULL, NULL, 0, &s), S_OK);
    LPSPropValue v;
    cr_assert_eq(HrGetOneProp((LPMAPIPROP)s, PR_SERVICE_NAME_A, &v), S_OK);
    cr_expect_str_eq(v->Value.lpszA, "ACME");
    MAPIFreeBuffer(v);
    s->lpVtbl->Release(s);
    cr_assert_eq(pa->lpVtbl->OpenProfileSection(pa, &added, NULL, 0, &s), S_OK);
    cr_assert_eq(HrGetOneProp((LPMAPIPROP)s, PROP_TAG(PT_STRING8, 0x6601), &v), S_OK);
    cr_expect_str_eq(v->Value.lpszA, "/srv/more", "the given properties");
    MAPIFreeBuffer(v);
    s->lpVtbl->Release(s);
    cr_expect_eq(pa->lpVtbl->OpenProfileSection(pa, &added, NULL, MAPI_MODIFY, &s),
                 MAPI_E_NO_ACCESS);
    cr_assert_eq(pa->lpVtbl->OpenProfileSection(pa, &extra, NULL,
                                                MAPI_MODIFY | MAPI_FORCE_ACCESS, &s),
                 S_OK);
    cr_assert_eq(HrGetOneProp((LPMAPIPROP)s, PROP_TAG(PT_LONG, 0x6600), &v), S_OK);
    cr_expect_eq(v->Value.l, 5);
    MAPIFreeBuffer(v);
    s->lpVtbl->Release(s);
    MAPIUID stranger = uid_of(0x99);
    cr_expect_eq(pa->lpVtbl->OpenProfileSection(pa, &stranger, NULL, 0, &s), MAPI_E_NOT_FOUND);

    cr_assert_eq(pa->lpVtbl->DeleteProvider(pa, &added), S_OK);
    cr_expect_eq(pa->lpVtbl->DeleteProvider(pa, &added), MAPI_E_NOT_FOUND);
    rows = table(pa);
    cr_expect_eq(rows->cRows, 2);
    FreeProws(rows);
    pa->lpVtbl->Release(pa);

    MAPIUID none = uid_of(0x12);
    cr_expect_eq(g_sa->lpVtbl->AdminProviders(g_sa, &none, 0, &pa), MAPI_E_NOT_FOUND);
}

Test(provadmin, out_of_memory_at_every_allocation)
{
    LPPROVIDERADMIN pa;
    cr_assert_eq(g_sa->lpVtbl->AdminProviders(g_sa, &g_svc, 0, &pa), S_OK);
    unsigned long oom_points;
    HRESULT hr;
    MAPIUID added;
    OOM_LOOP(hr, hr = pa->lpVtbl->CreateProvider(pa, (LPTSTR) "Another Store", 0, NULL, 0, 0,
                                                  &added),
             (void)0);
    cr_expect_gt(oom_points, 3);
    LPSRowSet rows = table(pa);
    cr_expect_eq(rows->cRows, 3, "one provider added, whatever failed before");
    FreeProws(rows);
    pa->lpVtbl->Release(pa);
    MAPIRT_LEAK_CHECK();
}
