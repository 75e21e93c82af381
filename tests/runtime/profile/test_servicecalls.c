/* tests/runtime/profile/test_servicecalls.c: ServiceEntry called by the administration objects
 * (runtime/profile/svcsupport.c) on the test service tests/providers/acmesvc, loaded with dlopen:
 * MSG_SERVICE_CREATE after CreateMsgService and CreateProfile(MAPI_DEFAULT_SERVICES) (a refusal
 * undoes the creation and its MAPIERROR becomes GetLastError's text), MSG_SERVICE_CONFIGURE with
 * properties, MSG_SERVICE_DELETE; the support object and IProviderAdmin it gets work. */
#include "storefixture.h"

#include <limits.h>

#include <mapiutil.h>

static LPPROFADMIN g_pa;
static LPSERVICEADMIN g_sa;

static const char CATALOG[] =
    "[Services]\nACME=Acme\nFAILS=Failing\nPLAIN=Plain\n"
    "[Default Services]\nACME=Acme\n"
    "[ACME]\nPR_SERVICE_DLL_NAME=ACMESVC.DLL\nPR_SERVICE_ENTRY_NAME=ServiceEntry\n"
    "Providers=ACME MS, ACME AB\n"
    "[ACME MS]\nPR_PROVIDER_DLL_NAME=acmems.dll\nPR_RESOURCE_TYPE=MAPI_STORE_PROVIDER\n"
    "[ACME AB]\nPR_PROVIDER_DLL_NAME=acmeab.dll\nPR_RESOURCE_TYPE=MAPI_AB_PROVIDER\n"
    "[FAILS]\nPR_SERVICE_DLL_NAME=acmesvc\n66220003=1\nProviders=ACME MS\n"
    "[PLAIN]\nProviders=ACME MS\n";

static void setup(void)
{
    store_setup();
    setenv("MAPIRT_PROFILES", g_db, 1);
    char cat[160], prov[PATH_MAX];
    snprintf(cat, sizeof cat, "%s/mapisvc.inf", g_dir);
    write_file(g_dir, "mapisvc.inf", CATALOG);
    setenv("MAPIRT_SERVICES", cat, 1);
    cr_assert_not_null(realpath("build/tests/providers", prov));
    setenv("MAPIRT_PROVIDER_PATH", prov, 1);
    cr_assert_eq(MAPIInitialize(NULL), S_OK);
    cr_assert_eq(MAPIAdminProfiles(0, &g_pa), S_OK);
    cr_assert_eq(g_pa->lpVtbl->CreateProfile(g_pa, (LPTSTR) "Calls", NULL, 0, 0), S_OK);
    cr_assert_eq(g_pa->lpVtbl->AdminServices(g_pa, (LPTSTR) "Calls", NULL, 0, 0, &g_sa), S_OK);
}

static void teardown(void)
{
    g_sa->lpVtbl->Release(g_sa);
    g_pa->lpVtbl->Release(g_pa);
    MAPIUninitialize();
    store_teardown();
}

TestSuite(servicecalls, .init = setup, .fini = teardown);

static MAPIUID make_service(const char *name, HRESULT want)
{
    IMsgServiceAdmin2 *sa2;
    MAPIUID u;
    memset(&u, 0, sizeof u);
    cr_assert_eq(g_sa->lpVtbl->QueryInterface(g_sa, &IID_IMsgServiceAdmin2, (void **)&sa2), S_OK);
    cr_assert_eq(sa2->lpVtbl->CreateMsgServiceEx(sa2, (LPTSTR)name, NULL, 0, 0, &u), want, "%s",
                 name);
    sa2->lpVtbl->Release(sa2);
    return u;
}

static LPSPropValue prop(const MAPIUID *u, ULONG tag)
{
    LPPROFSECT s;
    cr_assert_eq(g_sa->lpVtbl->OpenProfileSection(g_sa, (LPMAPIUID)u, NULL, 0, &s), S_OK);
    LPSPropValue v = NULL;
    if (HrGetOneProp((LPMAPIPROP)s, tag, &v) != S_OK)
        v = NULL;
    s->lpVtbl->Release(s);
    return v;
}

static ULONG services(void)
{
    LPMAPITABLE t;
    ULONG n;
    cr_assert_eq(g_sa->lpVtbl->GetMsgServiceTable(g_sa, 0, &t), S_OK);
    cr_assert_eq(t->lpVtbl->GetRowCount(t, 0, &n), S_OK);
    t->lpVtbl->Release(t);
    return n;
}

Test(servicecalls, create_configure_delete)
{
    MAPIUID acme = make_service("ACME", S_OK);
    LPSPropValue v = prop(&acme, PR_COMMENT_A);
    cr_assert_not_null(v, "MSG_SERVICE_CREATE wrote through the support object");
    cr_expect_str_eq(v->Value.lpszA, "created by acmesvc");
    MAPIFreeBuffer(v);
    v = prop(&acme, PROP_TAG(PT_LONG, 0x6623));
    cr_assert_not_null(v);
    cr_expect_eq(v->Value.l, 2, "its IProviderAdmin listed its two providers");
    MAPIFreeBuffer(v);

    SPropValue cfg = {.ulPropTag = PROP_TAG(PT_LONG, 0x6630), .Value.l = 7};
    cr_assert_eq(g_sa->lpVtbl->ConfigureMsgService(g_sa, &acme, 0, 0, 1, &cfg), S_OK);
    v = prop(&acme, PROP_TAG(PT_LONG, 0x6630));
    cr_assert_not_null(v);
    cr_expect_eq(v->Value.l, 7);
    MAPIFreeBuffer(v);
    SPropValue cancel = {.ulPropTag = PROP_TAG(PT_LONG, 0x6621), .Value.l = 13};
    HRESULT hr = g_sa->lpVtbl->ConfigureMsgService(g_sa, &acme, 0, 0, 1, &cancel);
    cr_expect_eq(hr, MAPI_E_USER_CANCEL);
    LPMAPIERROR e = NULL;
    cr_assert_eq(g_sa->lpVtbl->GetLastError(g_sa, hr, 0, &e), S_OK);
    cr_assert_not_null(e);
    cr_expect(strstr(e->lpszError, "message service 'ACME'") != NULL, "%s", e->lpszError);
    cr_expect(strstr(e->lpszError, "refused: the user cancelled") != NULL, "%s", e->lpszError);
    MAPIFreeBuffer(e);
    cr_expect_eq(g_sa->lpVtbl->ConfigureMsgService(g_sa, &acme, 0, 0, 0, NULL),
                 MAPI_E_UNCONFIGURED, "no properties and no UI allowed: it would need a dialog");

    MAPIUID plain = make_service("PLAIN", S_OK);
    cr_expect_eq(g_sa->lpVtbl->ConfigureMsgService(g_sa, &plain, 0, 0, 0, NULL),
                 MAPI_E_NOT_INITIALIZED, "a service without an entry point");

    cr_assert_eq(g_sa->lpVtbl->DeleteMsgService(g_sa, &acme), S_OK);
    cr_expect_eq(services(), 1);
}

Test(servicecalls, a_refused_create_is_undone)
{
    HRESULT hr;
    make_service("FAILS", MAPI_E_UNCONFIGURED);
    cr_expect_eq(services(), 0, "the service is gone again");
    hr = MAPI_E_UNCONFIGURED;
    LPMAPIERROR e = NULL;
    cr_assert_eq(g_sa->lpVtbl->GetLastError(g_sa, hr, 0, &e), S_OK);
    cr_assert_not_null(e);
    cr_expect(strstr(e->lpszError, "the test asked CREATE to fail") != NULL, "%s", e->lpszError);
    MAPIFreeBuffer(e);
}

Test(servicecalls, default_services_of_a_new_profile)
{
    cr_assert_eq(g_pa->lpVtbl->CreateProfile(g_pa, (LPTSTR) "With Defaults", NULL, 0,
                                            MAPI_DEFAULT_SERVICES),
                 S_OK);
    LPSERVICEADMIN sa;
    cr_assert_eq(g_pa->lpVtbl->AdminServices(g_pa, (LPTSTR) "With Defaults", NULL, 0, 0, &sa),
                 S_OK);
    LPMAPITABLE t;
    LPSRowSet rows;
    cr_assert_eq(sa->lpVtbl->GetMsgServiceTable(sa, 0, &t), S_OK);
    cr_assert_eq(HrQueryAllRows(t, NULL, NULL, NULL, 0, &rows), S_OK);
    t->lpVtbl->Release(t);
    cr_assert_eq(rows->cRows, 1);
    MAPIUID u;
    for (ULONG i = 0; i < rows->aRow[0].cValues; i++)
        if (rows->aRow[0].lpProps[i].ulPropTag == PR_SERVICE_UID)
            memcpy(&u, rows->aRow[0].lpProps[i].Value.bin.lpb, 16);
    FreeProws(rows);
    LPPROFSECT s;
    cr_assert_eq(sa->lpVtbl->OpenProfileSection(sa, &u, NULL, 0, &s), S_OK);
    LPSPropValue v;
    cr_assert_eq(HrGetOneProp((LPMAPIPROP)s, PR_COMMENT_A, &v), S_OK,
                 "the default service's ServiceEntry ran");
    MAPIFreeBuffer(v);
    s->lpVtbl->Release(s);
    sa->lpVtbl->Release(sa);

    /* a default service that refuses: no profile */
    write_file(g_dir, "mapisvc.inf",
               "[Services]\nFAILS=Failing\n[Default Services]\nFAILS=Failing\n"
               "[FAILS]\nPR_SERVICE_DLL_NAME=acmesvc\n66220003=1\nProviders=P\n"
               "[P]\nPR_PROVIDER_DLL_NAME=p.dll\nPR_RESOURCE_TYPE=MAPI_STORE_PROVIDER\n");
    cr_expect_eq(g_pa->lpVtbl->CreateProfile(g_pa, (LPTSTR) "Refused", NULL, 0,
                                            MAPI_DEFAULT_SERVICES),
                 MAPI_E_UNCONFIGURED);
    cr_expect_eq(g_pa->lpVtbl->AdminServices(g_pa, (LPTSTR) "Refused", NULL, 0, 0, &sa),
                 MAPI_E_LOGON_FAILED, "the profile was not kept");
}

Test(servicecalls, delete_profile_tells_its_services)
{
    make_service("ACME", S_OK);
    cr_assert_eq(g_pa->lpVtbl->DeleteProfile(g_pa, (LPTSTR) "Calls", 0), S_OK,
                 "MSG_SERVICE_DELETE accepted, the profile goes");
    LPSERVICEADMIN sa;
    cr_expect_eq(g_pa->lpVtbl->AdminServices(g_pa, (LPTSTR) "Calls", NULL, 0, 0, &sa),
                 MAPI_E_LOGON_FAILED);
    /* a service whose shared object is gone does not keep its profile alive */
    cr_assert_eq(g_pa->lpVtbl->CreateProfile(g_pa, (LPTSTR) "Kept", NULL, 0, 0), S_OK);
    cr_assert_eq(g_pa->lpVtbl->AdminServices(g_pa, (LPTSTR) "Kept", NULL, 0, 0, &sa), S_OK);
    IMsgServiceAdmin2 *sa2;
    MAPIUID u;
    cr_assert_eq(sa->lpVtbl->QueryInterface(sa, &IID_IMsgServiceAdmin2, (void **)&sa2), S_OK);
    cr_assert_eq(sa2->lpVtbl->CreateMsgServiceEx(sa2, (LPTSTR) "ACME", NULL, 0, 0, &u), S_OK);
    sa2->lpVtbl->Release(sa2);
    sa->lpVtbl->Release(sa);
    unsetenv("MAPIRT_PROVIDER_PATH");
    cr_expect_eq(g_pa->lpVtbl->DeleteProfile(g_pa, (LPTSTR) "Kept", 0), S_OK);
    cr_expect_eq(g_pa->lpVtbl->AdminServices(g_pa, (LPTSTR) "Kept", NULL, 0, 0, &sa),
                 MAPI_E_LOGON_FAILED, "deleted all the same");
}
