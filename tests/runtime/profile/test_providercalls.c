/* tests/runtime/profile/test_providercalls.c: IProviderAdmin::CreateProvider and DeleteProvider
 * call the service's ServiceEntry with MSG_SERVICE_PROVIDER_CREATE / _DELETE
 * (runtime/profile/provadmin.c), on the test service tests/providers/provsvc, which answers them
 * by calling its IProviderAdmin itself: the entry point is never re-entered (not from the call's
 * own thread, not from a thread it starts, not during MSG_SERVICE_CREATE), a refusal of a new
 * provider removes it, a refusal to delete keeps it. */
#include "storefixture.h"

#include <limits.h>

#include <mapiutil.h>

#define PROP_CREATES PROP_TAG(PT_LONG, 0x6650)
#define PROP_DELETES PROP_TAG(PT_LONG, 0x6651)
#define PROP_DEPTH PROP_TAG(PT_LONG, 0x6652)
#define PROP_BADARGS PROP_TAG(PT_LONG, 0x6653)
#define PROP_ON_CREATE PROP_TAG(PT_LONG, 0x6640)
#define PROP_ON_DELETE PROP_TAG(PT_LONG, 0x6641)

static LPPROFADMIN g_pa;
static LPSERVICEADMIN g_sa;
static LPPROVIDERADMIN g_prov;
static MAPIUID g_svc;

static const char CATALOG[] =
    "[Services]\nPROV=Provider Service\nEAGER=Eager Service\nPLAIN=Plain Service\n"
    "[PROV]\nPR_SERVICE_DLL_NAME=provsvc\nProviders=PROV MS\n"
    "[EAGER]\nPR_SERVICE_DLL_NAME=provsvc\n66420003=1\nProviders=PROV MS\n"
    "[PLAIN]\nProviders=PROV MS\n"
    "[PROV MS]\nPR_PROVIDER_DLL_NAME=provms.dll\nPR_RESOURCE_TYPE=MAPI_STORE_PROVIDER\n"
    "[PROV AB]\nPR_PROVIDER_DLL_NAME=provab.dll\nPR_RESOURCE_TYPE=MAPI_AB_PROVIDER\n";

static MAPIUID make_service(const char *name)
{
    IMsgServiceAdmin2 *sa2;
    MAPIUID u;
    cr_assert_eq(g_sa->lpVtbl->QueryInterface(g_sa, &IID_IMsgServiceAdmin2, (void **)&sa2), S_OK);
    cr_assert_eq(sa2->lpVtbl->CreateMsgServiceEx(sa2, (LPTSTR)name, NULL, 0, 0, &u), S_OK, "%s",
                 name);
    sa2->lpVtbl->Release(sa2);
    return u;
}

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
    cr_assert_eq(g_pa->lpVtbl->CreateProfile(g_pa, (LPTSTR) "Providers", NULL, 0, 0), S_OK);
    cr_assert_eq(g_pa->lpVtbl->AdminServices(g_pa, (LPTSTR) "Providers", NULL, 0, 0, &g_sa),
                 S_OK);
    g_svc = make_service("PROV");
    cr_assert_eq(g_sa->lpVtbl->AdminProviders(g_sa, &g_svc, 0, &g_prov), S_OK);
}

static void teardown(void)
{
    g_prov->lpVtbl->Release(g_prov);
    g_sa->lpVtbl->Release(g_sa);
    g_pa->lpVtbl->Release(g_pa);
    MAPIUninitialize();
    store_teardown();
}

TestSuite(providercalls, .init = setup, .fini = teardown, .timeout = 60);

/* A PT_LONG of a section (-1 when absent). */
static LONG section_long(const MAPIUID *u, ULONG tag)
{
    LPPROFSECT s;
    cr_assert_eq(g_sa->lpVtbl->OpenProfileSection(g_sa, (LPMAPIUID)u, NULL, MAPI_FORCE_ACCESS, &s),
                 S_OK);
    LPSPropValue v;
    LONG r = -1;
    if (HrGetOneProp((LPMAPIPROP)s, tag, &v) == S_OK) {
        r = v->Value.l;
        MAPIFreeBuffer(v);
    }
    s->lpVtbl->Release(s);
    return r;
}

static ULONG providers(LPPROVIDERADMIN pa)
{
    LPMAPITABLE t;
    ULONG n;
    cr_assert_eq(pa->lpVtbl->GetProviderTable(pa, 0, &t), S_OK);
    cr_assert_eq(t->lpVtbl->GetRowCount(t, 0, &n), S_OK);
    t->lpVtbl->Release(t);
    return n;
}

static HRESULT add_provider(ULONG tag, LONG value, MAPIUID *u)
{
    SPropValue v = {.ulPropTag = tag};
    v.Value.l = value;
    return g_prov->lpVtbl->CreateProvider(g_prov, (LPTSTR) "PROV AB", tag ? 1 : 0, tag ? &v : NULL,
                                          0, 0, u);
}

Test(providercalls, create_provider_tells_the_service_once)
{
    MAPIUID u;
    cr_assert_eq(add_provider(0, 0, &u), S_OK);
    cr_expect_eq(providers(g_prov), 2);
    cr_expect_eq(section_long(&g_svc, PROP_CREATES), 1, "ServiceEntry(MSG_SERVICE_PROVIDER_CREATE)");
    cr_expect_eq(section_long(&g_svc, PROP_BADARGS), -1, "with the new provider's PR_PROVIDER_UID");
    LPPROFSECT s;
    cr_assert_eq(g_prov->lpVtbl->OpenProfileSection(g_prov, &u, NULL, 0, &s), S_OK);
    LPSPropValue v;
    cr_assert_eq(HrGetOneProp((LPMAPIPROP)s, PR_COMMENT_A, &v), S_OK,
                 "the service configured the new provider's section");
    cr_expect_str_eq(v->Value.lpszA, "configured by provsvc");
    MAPIFreeBuffer(v);
    s->lpVtbl->Release(s);
    cr_expect_eq(section_long(&g_svc, PROP_DEPTH), 1);
}

Test(providercalls, a_refused_provider_is_removed_again)
{
    MAPIUID u;
    HRESULT hr = add_provider(PROP_ON_CREATE, 1, &u);
    cr_expect_eq(hr, MAPI_E_USER_CANCEL);
    LPMAPIERROR e = NULL;
    cr_assert_eq(g_prov->lpVtbl->GetLastError(g_prov, hr, 0, &e), S_OK);
    cr_assert_not_null(e);
    cr_expect(strstr(e->lpszError, "the user cancelled the new provider") != NULL, "%s",
              e->lpszError);
    MAPIFreeBuffer(e);
    cr_expect_eq(providers(g_prov), 1, "nothing was added");
}

Test(providercalls, a_service_adding_providers_itself_does_not_recurse)
{
    MAPIUID u;
    cr_assert_eq(add_provider(PROP_ON_CREATE, 2, &u), S_OK);
    cr_expect_eq(providers(g_prov), 3, "the provider asked for, and the service's companion");
    cr_expect_eq(section_long(&g_svc, PROP_CREATES), 1, "the service's own CreateProvider did not "
                                                        "call it again");
    cr_expect_eq(section_long(&g_svc, PROP_DEPTH), 1, "never inside itself");
    /* the same from a thread the entry point starts and waits for */
    cr_assert_eq(add_provider(PROP_ON_CREATE, 3, &u), S_OK);
    cr_expect_eq(providers(g_prov), 5);
    cr_expect_eq(section_long(&g_svc, PROP_CREATES), 2);
    cr_expect_eq(section_long(&g_svc, PROP_DEPTH), 1);
}

Test(providercalls, providers_added_during_service_creation_are_not_announced)
{
    MAPIUID eager = make_service("EAGER");
    LPPROVIDERADMIN pa;
    cr_assert_eq(g_sa->lpVtbl->AdminProviders(g_sa, &eager, 0, &pa), S_OK);
    cr_expect_eq(providers(pa), 2, "MSG_SERVICE_CREATE added one");
    pa->lpVtbl->Release(pa);
    cr_expect_eq(section_long(&eager, PROP_CREATES), -1, "no MSG_SERVICE_PROVIDER_CREATE inside "
                                                         "MSG_SERVICE_CREATE");
    cr_expect_eq(section_long(&eager, PROP_DEPTH), 1);
}

Test(providercalls, delete_provider_asks_the_service_first)
{
    MAPIUID u;
    cr_assert_eq(add_provider(0, 0, &u), S_OK);
    cr_assert_eq(g_prov->lpVtbl->DeleteProvider(g_prov, &u), S_OK);
    cr_expect_eq(section_long(&g_svc, PROP_DELETES), 1, "ServiceEntry(MSG_SERVICE_PROVIDER_DELETE)");
    cr_expect_eq(section_long(&g_svc, PROP_DEPTH), 1, "its own DeleteProvider did not re-enter");
    cr_expect_eq(providers(g_prov), 1, "gone (the service deleted it itself)");
    cr_expect_eq(g_prov->lpVtbl->DeleteProvider(g_prov, &u), MAPI_E_NOT_FOUND);
    cr_expect_eq(section_long(&g_svc, PROP_DELETES), 1, "an unknown UID reaches no service");

    /* a service that refuses keeps its provider */
    cr_assert_eq(add_provider(PROP_ON_DELETE, 1, &u), S_OK);
    cr_expect_eq(g_prov->lpVtbl->DeleteProvider(g_prov, &u), MAPI_E_NO_SUPPORT);
    cr_expect_eq(providers(g_prov), 2, "kept");
}

Test(providercalls, a_service_without_an_entry_point_is_not_asked)
{
    MAPIUID plain = make_service("PLAIN"), u;
    LPPROVIDERADMIN pa;
    cr_assert_eq(g_sa->lpVtbl->AdminProviders(g_sa, &plain, 0, &pa), S_OK);
    cr_assert_eq(pa->lpVtbl->CreateProvider(pa, (LPTSTR) "PROV AB", 0, NULL, 0, 0, &u), S_OK);
    cr_expect_eq(providers(pa), 2);
    cr_assert_eq(pa->lpVtbl->DeleteProvider(pa, &u), S_OK);
    cr_expect_eq(providers(pa), 1);
    pa->lpVtbl->Release(pa);
}

Test(providercalls, a_service_whose_shared_object_is_gone)
{
    MAPIUID u;
    cr_assert_eq(add_provider(0, 0, &u), S_OK);
    unsetenv("MAPIRT_PROVIDER_PATH");
    cr_expect_eq(g_prov->lpVtbl->DeleteProvider(g_prov, &u), S_OK,
                 "cannot be asked, and does not keep its provider");
    cr_expect_eq(providers(g_prov), 1);
    cr_expect_eq(add_provider(0, 0, &u), MAPI_E_NOT_FOUND, "but cannot take a new one unasked");
    cr_expect_eq(providers(g_prov), 1);
}
