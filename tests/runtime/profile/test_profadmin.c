/* tests/runtime/profile/test_profadmin.c: MAPIAdminProfiles and IProfAdmin through the public
 * API, in both string widths: every method, the profile table's columns and values, the
 * documented errors with their GetLastError text, application profiles. */
#include "storefixture.h"

#include <uchar.h>

#include <mapiutil.h>
#include <mapirt/alloc.h>
#include <mapirt/strconv.h>

#include "oom.h"

static LPPROFADMIN g_pa;

static void setup(void)
{
    store_setup();
    setenv("MAPIRT_PROFILES", g_db, 1);
    char cat[160];
    snprintf(cat, sizeof cat, "%s/mapisvc.inf", g_dir);
    write_file(g_dir, "mapisvc.inf",
               "[Services]\nPLAIN=Plain Service\nENTRY=With Entry\n"
               "[Default Services]\nPLAIN=Plain Service\n"
               "[PLAIN]\nProviders=PLAIN MS\n"
               "[PLAIN MS]\nPR_PROVIDER_DLL_NAME=plain.dll\nPR_RESOURCE_TYPE=MAPI_STORE_PROVIDER\n"
               "[ENTRY]\nPR_SERVICE_DLL_NAME=ACMESVC.DLL\nProviders=PLAIN MS\n");
    setenv("MAPIRT_SERVICES", cat, 1);
    cr_assert_eq(MAPIInitialize(NULL), S_OK);
    cr_assert_eq(MAPIAdminProfiles(0, &g_pa), S_OK);
}

static void teardown(void)
{
    if (g_pa)
        g_pa->lpVtbl->Release(g_pa);
    MAPIUninitialize();
    store_teardown();
}

TestSuite(profadmin, .init = setup, .fini = teardown);

/* The rows of the profile table: "name" or "name*" for the default, in table order. */
static ULONG table(ULONG flags, char out[][80])
{
    LPMAPITABLE t;
    cr_assert_eq(g_pa->lpVtbl->GetProfileTable(g_pa, flags, &t), S_OK);
    LPSRowSet rows;
    cr_assert_eq(HrQueryAllRows(t, NULL, NULL, NULL, 0, &rows), S_OK);
    for (ULONG i = 0; i < rows->cRows; i++) {
        const SRow *r = &rows->aRow[i];
        char *name = NULL;
        int def = 0;
        for (ULONG k = 0; k < r->cValues; k++) {
            if (r->lpProps[k].ulPropTag == PR_DISPLAY_NAME_A)
                name = mapirt_strdup(r->lpProps[k].Value.lpszA);
            else if (r->lpProps[k].ulPropTag == PR_DISPLAY_NAME_W)
                name = mapirt_str_w_to_a_dup(r->lpProps[k].Value.lpszW);
            else if (r->lpProps[k].ulPropTag == PR_DEFAULT_PROFILE)
                def = r->lpProps[k].Value.b;
        }
        cr_assert_not_null(name, "row %u has PR_DISPLAY_NAME in the asked width", i);
        snprintf(out[i], 80, "%s%s", name, def ? "*" : "");
        mapirt_free(name);
    }
    ULONG n = rows->cRows;
    FreeProws(rows);
    t->lpVtbl->Release(t);
    return n;
}

static void expect_error(HRESULT hr, const char *text)
{
    LPMAPIERROR e = NULL;
    cr_assert_eq(g_pa->lpVtbl->GetLastError(g_pa, hr, 0, &e), S_OK);
    cr_assert_not_null(e);
    cr_expect_str_eq(e->lpszError, text);
    cr_expect_str_eq(e->lpszComponent, "IProfAdmin");
    MAPIFreeBuffer(e);
}

Test(profadmin, create_list_rename_copy_default_delete)
{
    char rows[8][80];
    cr_expect_eq(table(0, rows), 0, "no profile yet");
    cr_assert_eq(g_pa->lpVtbl->CreateProfile(g_pa, (LPTSTR) "Outlook", NULL, 0, 0), S_OK);
    cr_assert_eq(g_pa->lpVtbl->CreateProfile(g_pa, (LPTSTR) "Zoë", (LPTSTR) "", 0, 0), S_OK);
    cr_assert_eq(g_pa->lpVtbl->CreateProfile(g_pa, (LPTSTR)u"日本語", NULL, 0, MAPI_UNICODE), S_OK);

    HRESULT hr = g_pa->lpVtbl->CreateProfile(g_pa, (LPTSTR) "OUTLOOK", NULL, 0, 0);
    cr_expect_eq(hr, MAPI_E_NO_ACCESS, "names compare without case");
    expect_error(hr, "a profile named 'OUTLOOK' already exists ('Outlook')");
    hr = g_pa->lpVtbl->CreateProfile(g_pa, (LPTSTR) " bad", NULL, 0, 0);
    cr_expect_eq(hr, MAPI_E_INVALID_PARAMETER);
    expect_error(hr, "profile name ' bad' starts or ends with a space");
    hr = g_pa->lpVtbl->CreateProfile(g_pa, (LPTSTR) "Secret", (LPTSTR) "pw", 0, 0);
    cr_expect_eq(hr, MAPI_E_INVALID_PARAMETER);
    expect_error(hr, "MAPI profiles have no password: pass NULL or an empty string");

    cr_assert_eq(table(0, rows), 3);
    cr_expect_str_eq(rows[0], "Outlook");
    cr_expect_str_eq(rows[1], "Zoë");
    cr_expect_str_eq(rows[2], "日本語");
    cr_assert_eq(table(MAPI_UNICODE, rows), 3, "the UTF-16 table");
    cr_expect_str_eq(rows[2], "日本語");

    cr_assert_eq(g_pa->lpVtbl->SetDefaultProfile(g_pa, (LPTSTR)u"zoë", MAPI_UNICODE), S_OK);
    table(0, rows);
    cr_expect_str_eq(rows[1], "Zoë*");
    hr = g_pa->lpVtbl->SetDefaultProfile(g_pa, (LPTSTR) "Nobody", 0);
    cr_expect_eq(hr, MAPI_E_NOT_FOUND);
    expect_error(hr, "there is no profile 'Nobody'");

    cr_assert_eq(g_pa->lpVtbl->RenameProfile(g_pa, (LPTSTR) "Zoë", NULL, (LPTSTR) "Zoe Two", 0,
                                            0),
                 S_OK);
    cr_assert_eq(g_pa->lpVtbl->CopyProfile(g_pa, (LPTSTR) "Outlook", NULL, (LPTSTR) "Outlook 2",
                                          0, 0),
                 S_OK);
    cr_expect_eq(g_pa->lpVtbl->CopyProfile(g_pa, (LPTSTR) "Outlook", NULL, (LPTSTR) "Zoe two", 0,
                                          0),
                 MAPI_E_NO_ACCESS);
    cr_expect_eq(g_pa->lpVtbl->CopyProfile(g_pa, (LPTSTR) "Gone", NULL, (LPTSTR) "X", 0, 0),
                 MAPI_E_NOT_FOUND);
    cr_assert_eq(table(0, rows), 4);
    cr_expect_str_eq(rows[1], "Outlook 2");
    cr_expect_str_eq(rows[2], "Zoe Two*", "the default follows a rename");

    cr_expect_eq(g_pa->lpVtbl->ChangeProfilePassword(g_pa, (LPTSTR) "Outlook", (LPTSTR) "a",
                                                    (LPTSTR) "b", 0),
                 S_OK, "deprecated, a no-op");
    cr_assert_eq(g_pa->lpVtbl->DeleteProfile(g_pa, (LPTSTR) "zoe two", 0), S_OK);
    hr = g_pa->lpVtbl->DeleteProfile(g_pa, (LPTSTR) "zoe two", 0);
    cr_expect_eq(hr, MAPI_E_NOT_FOUND);
    cr_assert_eq(g_pa->lpVtbl->SetDefaultProfile(g_pa, NULL, 0), S_OK, "NULL clears");
    cr_assert_eq(table(0, rows), 3);
    for (int i = 0; i < 3; i++)
        cr_expect_null(strchr(rows[i], '*'));
}

Test(profadmin, application_profiles)
{
    char rows[8][80];
    cr_assert_eq(g_pa->lpVtbl->CreateProfile(g_pa, (LPTSTR) "App", NULL, 0, MAPI_APP_PROFILE),
                 S_OK);
    cr_expect_eq(table(0, rows), 0, "hidden without MAPI_APP_PROFILE");
    cr_expect_eq(table(MAPI_APP_PROFILE, rows), 1);
    HRESULT hr = g_pa->lpVtbl->DeleteProfile(g_pa, (LPTSTR) "App", 0);
    cr_expect_eq(hr, MAPI_E_NO_ACCESS);
    expect_error(hr, "'App' is an application profile: pass MAPI_APP_PROFILE");
    hr = g_pa->lpVtbl->SetDefaultProfile(g_pa, (LPTSTR) "App", 0);
    cr_expect_eq(hr, MAPI_E_CALL_FAILED, "an application profile cannot be the default");
    cr_assert_eq(g_pa->lpVtbl->CopyProfile(g_pa, (LPTSTR) "App", NULL, (LPTSTR) "App Copy", 0,
                                          MAPI_APP_PROFILE),
                 S_OK);
    cr_expect_eq(table(MAPI_APP_PROFILE, rows), 2);
    cr_expect_eq(table(0, rows), 0, "the copy is an application profile too");
    cr_assert_eq(g_pa->lpVtbl->DeleteProfile(g_pa, (LPTSTR) "App", MAPI_APP_PROFILE), S_OK);
}

Test(profadmin, default_services)
{
    cr_assert_eq(g_pa->lpVtbl->CreateProfile(g_pa, (LPTSTR) "Defaults", NULL, 0,
                                            MAPI_DEFAULT_SERVICES),
                 S_OK);
    mapirt_profstore *ps = open_store();
    mapirt_profile_info info;
    cr_assert_eq(mapirt_profstore_find_profile(ps, "Defaults", &info, NULL, 0), S_OK);
    mapirt_profstore_release(ps);

    /* a default service whose ServiceEntry cannot be found: refused whole, saying why */
    write_file(g_dir, "mapisvc.inf",
               "[Services]\nENTRY=With Entry\n[Default Services]\nENTRY=With Entry\n"
               "[ENTRY]\nPR_SERVICE_DLL_NAME=ACMESVC.DLL\nProviders=P\n"
               "[P]\nPR_PROVIDER_DLL_NAME=p.dll\nPR_RESOURCE_TYPE=MAPI_STORE_PROVIDER\n");
    HRESULT hr = g_pa->lpVtbl->CreateProfile(g_pa, (LPTSTR) "Entries", NULL, 0,
                                             MAPI_DEFAULT_SERVICES);
    cr_expect_eq(hr, MAPI_E_NOT_FOUND);
    LPMAPIERROR e = NULL;
    cr_assert_eq(g_pa->lpVtbl->GetLastError(g_pa, hr, 0, &e), S_OK);
    cr_assert_not_null(e);
    cr_expect(strstr(e->lpszError, "no shared object for provider DLL 'ACMESVC.DLL'") ==
                  e->lpszError,
              "%s", e->lpszError);
    MAPIFreeBuffer(e);
    char rows[8][80];
    cr_expect_eq(table(0, rows), 1, "nothing was kept");

    /* a malformed catalog says where */
    write_file(g_dir, "mapisvc.inf", "[Services]\nX\n");
    hr = g_pa->lpVtbl->CreateProfile(g_pa, (LPTSTR) "Broken", NULL, 0, MAPI_DEFAULT_SERVICES);
    cr_expect_eq(hr, MAPI_E_CORRUPT_DATA);
    char want[256];
    snprintf(want, sizeof want, "%s/mapisvc.inf:2: expected [section] or key=value, found 'X'",
             g_dir);
    expect_error(hr, want);
}

Test(profadmin, validation_and_initialisation)
{
    cr_expect_eq(g_pa->lpVtbl->CreateProfile(g_pa, NULL, NULL, 0, 0), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(g_pa->lpVtbl->CreateProfile(g_pa, (LPTSTR) "x", NULL, 0, 0x100),
                 MAPI_E_UNKNOWN_FLAGS);
    LPMAPITABLE t;
    cr_expect_eq(g_pa->lpVtbl->GetProfileTable(g_pa, 0x2, &t), MAPI_E_UNKNOWN_FLAGS);
    LPSERVICEADMIN sa;
    cr_expect_eq(g_pa->lpVtbl->AdminServices(g_pa, (LPTSTR) "x", NULL, 0, 0, &sa),
                 MAPI_E_LOGON_FAILED, "no such profile");
    cr_expect_eq(g_pa->lpVtbl->AdminServices(g_pa, NULL, NULL, 0, 0, &sa),
                 MAPI_E_INVALID_PARAMETER);
    LPPROFADMIN other;
    cr_expect_eq(MAPIAdminProfiles(0, NULL), MAPI_E_INVALID_PARAMETER);
    MAPIUninitialize();
    cr_expect_eq(MAPIAdminProfiles(0, &other), MAPI_E_NOT_INITIALIZED);
    cr_assert_eq(MAPIInitialize(NULL), S_OK);
    LPUNKNOWN unk;
    cr_assert_eq(g_pa->lpVtbl->QueryInterface(g_pa, &IID_IUnknown, (void **)&unk), S_OK);
    unk->lpVtbl->Release(unk);
}

Test(profadmin, out_of_memory_at_every_allocation)
{
    unsigned long oom_points;
    HRESULT hr;
    int round = 0;
    char name[32];
    OOM_LOOP(hr,
             (snprintf(name, sizeof name, "P%d", round++),
              hr = g_pa->lpVtbl->CreateProfile(g_pa, (LPTSTR)name, NULL, 0,
                                               MAPI_DEFAULT_SERVICES)),
             (void)0);
    char rows[64][80];
    cr_expect_eq(table(0, rows), 1, "only the successful attempt left a profile");
    LPMAPITABLE t = NULL;
    OOM_LOOP(hr, hr = g_pa->lpVtbl->GetProfileTable(g_pa, MAPI_UNICODE, &t),
             t->lpVtbl->Release(t));
    cr_expect_gt(oom_points, 3);
    MAPIRT_LEAK_CHECK();
}
