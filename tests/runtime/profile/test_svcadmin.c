/* tests/runtime/profile/test_svcadmin.c: IProfAdmin::AdminServices and the message service
 * administration object through the public API: IMsgServiceAdmin and IMsgServiceAdmin2 on one
 * object, the service and provider tables, the documented errors, out of memory. */
#include "storefixture.h"

#include <uchar.h>

#include <mapiutil.h>

#include "oom.h"

static LPPROFADMIN g_pa;
static LPSERVICEADMIN g_sa;

static void setup(void)
{
    store_setup();
    setenv("MAPIRT_PROFILES", g_db, 1);
    char cat[160];
    snprintf(cat, sizeof cat, "%s/mapisvc.inf", g_dir);
    write_file(g_dir, "mapisvc.inf",
               "[Services]\nSTORE=Store Service\nXP=Transport\nSINGLE=Single\nENTRY=With Entry\n"
               "[STORE]\nPR_RESOURCE_FLAGS=SERVICE_NO_PRIMARY_IDENTITY\nProviders=STORE MS\n"
               "[STORE MS]\nPR_DISPLAY_NAME=Folders\nPR_PROVIDER_DLL_NAME=store.dll\n"
               "PR_RESOURCE_TYPE=MAPI_STORE_PROVIDER\n"
               "PR_RESOURCE_FLAGS=STATUS_DEFAULT_STORE|STATUS_NO_PRIMARY_IDENTITY\n"
               "[XP]\nProviders=XP XP\n"
               "[XP XP]\nPR_PROVIDER_DLL_NAME=xp.dll\nPR_RESOURCE_TYPE=MAPI_TRANSPORT_PROVIDER\n"
               "PR_RESOURCE_FLAGS=STATUS_PRIMARY_IDENTITY\n"
               "[SINGLE]\nPR_RESOURCE_FLAGS=SERVICE_SINGLE_COPY\nProviders=STORE MS\n"
               "[ENTRY]\nPR_SERVICE_DLL_NAME=ACMESVC.DLL\nProviders=STORE MS\n");
    setenv("MAPIRT_SERVICES", cat, 1);
    cr_assert_eq(MAPIInitialize(NULL), S_OK);
    cr_assert_eq(MAPIAdminProfiles(0, &g_pa), S_OK);
    cr_assert_eq(g_pa->lpVtbl->CreateProfile(g_pa, (LPTSTR) "Admin", NULL, 0, 0), S_OK);
    cr_assert_eq(g_pa->lpVtbl->AdminServices(g_pa, (LPTSTR) "admin", NULL, 0, 0, &g_sa), S_OK);
}

static void teardown(void)
{
    if (g_sa)
        g_sa->lpVtbl->Release(g_sa);
    if (g_pa)
        g_pa->lpVtbl->Release(g_pa);
    MAPIUninitialize();
    store_teardown();
}

TestSuite(svcadmin, .init = setup, .fini = teardown);

static const SPropValue *col(const SRow *r, ULONG tag)
{
    for (ULONG i = 0; i < r->cValues; i++)
        if (r->lpProps[i].ulPropTag == tag)
            return &r->lpProps[i];
    return NULL;
}

static LPSRowSet rows_of(LPMAPITABLE t)
{
    LPSRowSet rows;
    cr_assert_eq(HrQueryAllRows(t, NULL, NULL, NULL, 0, &rows), S_OK);
    t->lpVtbl->Release(t);
    return rows;
}

static void expect_error(HRESULT hr, const char *text)
{
    LPMAPIERROR e = NULL;
    cr_assert_eq(g_sa->lpVtbl->GetLastError(g_sa, hr, 0, &e), S_OK);
    cr_assert_not_null(e);
    cr_expect_str_eq(e->lpszError, text);
    MAPIFreeBuffer(e);
}

Test(svcadmin, services_and_their_tables)
{
    IMsgServiceAdmin2 *sa2;
    cr_assert_eq(g_sa->lpVtbl->QueryInterface(g_sa, &IID_IMsgServiceAdmin2, (void **)&sa2), S_OK,
                 "IMsgServiceAdmin2 on the same object");
    MAPIUID store, xp;
    cr_assert_eq(sa2->lpVtbl->CreateMsgServiceEx(sa2, (LPTSTR) "STORE", NULL, 0, 0, &store), S_OK);
    cr_assert_eq(sa2->lpVtbl->CreateMsgServiceEx(sa2, (LPTSTR)u"xp", (LPTSTR)u"Mon transport", 0,
                                                 MAPI_UNICODE, &xp),
                 S_OK);
    sa2->lpVtbl->Release(sa2);

    LPMAPITABLE t;
    cr_assert_eq(g_sa->lpVtbl->GetMsgServiceTable(g_sa, 0, &t), S_OK);
    LPSRowSet rows = rows_of(t);
    cr_assert_eq(rows->cRows, 2);
    cr_expect_str_eq(col(&rows->aRow[0], PR_SERVICE_NAME_A)->Value.lpszA, "STORE");
    cr_expect_str_eq(col(&rows->aRow[0], PR_DISPLAY_NAME_A)->Value.lpszA, "Store Service");
    cr_expect_eq(memcmp(col(&rows->aRow[0], PR_SERVICE_UID)->Value.bin.lpb, &store, 16), 0,
                 "CreateMsgServiceEx returned the service's UID");
    cr_expect_str_eq(col(&rows->aRow[1], PR_DISPLAY_NAME_A)->Value.lpszA, "Mon transport",
                     "the caller's display name when the catalog has none");
    cr_expect_eq((ULONG)col(&rows->aRow[1], PR_RESOURCE_FLAGS)->Value.l, SERVICE_PRIMARY_IDENTITY);
    FreeProws(rows);

    cr_assert_eq(g_sa->lpVtbl->GetProviderTable(g_sa, MAPI_UNICODE, &t), S_OK);
    rows = rows_of(t);
    cr_assert_eq(rows->cRows, 2);
    cr_expect_eq(col(&rows->aRow[0], PR_RESOURCE_TYPE)->Value.l, MAPI_STORE_PROVIDER);
    cr_expect_eq(col(&rows->aRow[1], PR_PROVIDER_ORDINAL)->Value.l, 1);
    cr_expect_not_null(col(&rows->aRow[0], PR_DISPLAY_NAME_W));
    cr_expect_not_null(col(&rows->aRow[1], PR_SERVICE_NAME_W));
    MAPIUID xp_provider;
    memcpy(&xp_provider, col(&rows->aRow[1], PR_PROVIDER_UID)->Value.bin.lpb, 16);
    FreeProws(rows);

    /* the transport order, the primary identity */
    HRESULT hr = g_sa->lpVtbl->MsgServiceTransportOrder(g_sa, 2, (MAPIUID[]){xp_provider, store},
                                                        0);
    cr_expect_eq(hr, MAPI_E_BUSY);
    expect_error(hr, "the transport order names 2 transports; the profile has 1");
    cr_expect_eq(g_sa->lpVtbl->MsgServiceTransportOrder(g_sa, 1, &store, 0), MAPI_E_NOT_FOUND);
    cr_expect_eq(g_sa->lpVtbl->MsgServiceTransportOrder(g_sa, 1, &xp_provider, 0), S_OK);
    hr = g_sa->lpVtbl->SetPrimaryIdentity(g_sa, &store, 0);
    cr_expect_eq(hr, MAPI_E_NO_ACCESS);
    cr_expect_eq(g_sa->lpVtbl->SetPrimaryIdentity(g_sa, NULL, 0), S_OK);
    cr_expect_eq(g_sa->lpVtbl->SetPrimaryIdentity(g_sa, &xp, 0), S_OK);

    cr_assert_eq(g_sa->lpVtbl->DeleteMsgService(g_sa, &store), S_OK);
    cr_expect_eq(g_sa->lpVtbl->DeleteMsgService(g_sa, &store), MAPI_E_NOT_FOUND);
    cr_assert_eq(g_sa->lpVtbl->GetMsgServiceTable(g_sa, 0, &t), S_OK);
    rows = rows_of(t);
    cr_expect_eq(rows->cRows, 1);
    FreeProws(rows);
}

Test(svcadmin, documented_errors)
{
    HRESULT hr = g_sa->lpVtbl->CreateMsgService(g_sa, (LPTSTR) "NOPE", NULL, 0, 0);
    cr_expect_eq(hr, MAPI_E_NOT_FOUND);
    expect_error(hr, "there is no message service 'NOPE' in the service catalog");
    cr_assert_eq(g_sa->lpVtbl->CreateMsgService(g_sa, (LPTSTR) "SINGLE", NULL, 0, 0), S_OK);
    hr = g_sa->lpVtbl->CreateMsgService(g_sa, (LPTSTR) "SINGLE", NULL, 0, 0);
    cr_expect_eq(hr, MAPI_E_NO_ACCESS);
    unsetenv("MAPIRT_PROVIDER_PATH");
    hr = g_sa->lpVtbl->CreateMsgService(g_sa, (LPTSTR) "ENTRY", NULL, 0, 0);
    cr_expect_eq(hr, MAPI_E_NOT_FOUND, "its ServiceEntry's DLL is nowhere: the service is undone");
    MAPIUID u;
    memset(&u, 1, sizeof u);
    cr_expect_eq(g_sa->lpVtbl->RenameMsgService(g_sa, &u, 0, (LPTSTR) "x"), MAPI_E_NO_SUPPORT,
                 "deprecated");
    cr_expect_eq(g_sa->lpVtbl->CreateMsgService(g_sa, (LPTSTR) "XP", NULL, 0, 0x4),
                 MAPI_E_UNKNOWN_FLAGS);
    LPSERVICEADMIN other;
    hr = g_pa->lpVtbl->AdminServices(g_pa, (LPTSTR) "Nobody", NULL, 0, 0, &other);
    cr_expect_eq(hr, MAPI_E_LOGON_FAILED);
}

Test(svcadmin, out_of_memory_at_every_allocation)
{
    unsigned long oom_points;
    HRESULT hr;
    MAPIUID u;
    IMsgServiceAdmin2 *sa2;
    cr_assert_eq(g_sa->lpVtbl->QueryInterface(g_sa, &IID_IMsgServiceAdmin2, (void **)&sa2), S_OK);
    OOM_LOOP(hr, hr = sa2->lpVtbl->CreateMsgServiceEx(sa2, (LPTSTR) "SINGLE", NULL, 0, 0, &u),
             (void)0);
    cr_expect_gt(oom_points, 5);
    /* single-copy: every failed attempt left nothing behind */
    cr_expect_eq(sa2->lpVtbl->CreateMsgServiceEx(sa2, (LPTSTR) "SINGLE", NULL, 0, 0, &u),
                 MAPI_E_NO_ACCESS);
    LPMAPITABLE t = NULL;
    OOM_LOOP(hr, hr = g_sa->lpVtbl->GetProviderTable(g_sa, 0, &t), t->lpVtbl->Release(t));
    sa2->lpVtbl->Release(sa2);
    MAPIRT_LEAK_CHECK();
}

Test(svcadmin, copy_a_service_into_another_profile)
{
    MAPIUID u;
    IMsgServiceAdmin2 *sa2;
    cr_assert_eq(g_sa->lpVtbl->QueryInterface(g_sa, &IID_IMsgServiceAdmin2, (void **)&sa2), S_OK);
    cr_assert_eq(sa2->lpVtbl->CreateMsgServiceEx(sa2, (LPTSTR) "SINGLE", NULL, 0, 0, &u), S_OK);
    sa2->lpVtbl->Release(sa2);
    cr_assert_eq(g_pa->lpVtbl->CreateProfile(g_pa, (LPTSTR) "Target", NULL, 0, 0), S_OK);
    LPSERVICEADMIN dst;
    cr_assert_eq(g_pa->lpVtbl->AdminServices(g_pa, (LPTSTR) "Target", NULL, 0, 0, &dst), S_OK);
    cr_assert_eq(g_sa->lpVtbl->CopyMsgService(g_sa, &u, NULL, NULL, &IID_IMsgServiceAdmin, dst, 0,
                                              0),
                 S_OK);
    LPMAPITABLE t;
    cr_assert_eq(dst->lpVtbl->GetMsgServiceTable(dst, 0, &t), S_OK);
    LPSRowSet rows = rows_of(t);
    cr_assert_eq(rows->cRows, 1);
    cr_expect_str_eq(col(&rows->aRow[0], PR_SERVICE_NAME_A)->Value.lpszA, "SINGLE");
    cr_expect_neq(memcmp(col(&rows->aRow[0], PR_SERVICE_UID)->Value.bin.lpb, &u, 16), 0,
                  "a new UID");
    FreeProws(rows);
    HRESULT hr = g_sa->lpVtbl->CopyMsgService(g_sa, &u, NULL, NULL, &IID_IMsgServiceAdmin, dst,
                                              0, 0);
    cr_expect_eq(hr, MAPI_E_NO_ACCESS, "SERVICE_SINGLE_COPY");
    cr_expect_eq(g_sa->lpVtbl->CopyMsgService(g_sa, &u, NULL, NULL, &IID_IMsgServiceAdmin, g_pa,
                                              0, 0),
                 MAPI_E_NO_SUPPORT, "not a service administration object");
    cr_expect_eq(g_sa->lpVtbl->CopyMsgService(g_sa, &u, NULL, NULL, NULL, dst, 0, 0),
                 MAPI_E_NO_SUPPORT, "into a session: no sessions yet");
    MAPIUID none;
    memset(&none, 7, sizeof none);
    cr_expect_eq(g_sa->lpVtbl->CopyMsgService(g_sa, &none, NULL, NULL, &IID_IMsgServiceAdmin, dst,
                                              0, 0),
                 MAPI_E_NOT_FOUND);
    dst->lpVtbl->Release(dst);
}
