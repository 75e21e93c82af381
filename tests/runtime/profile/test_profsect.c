/* tests/runtime/profile/test_profsect.c: profile sections through IMsgServiceAdmin::
 * OpenProfileSection: not transacted (each change in the store at once, seen by sections opened
 * afterwards), PR_PROFILE_NAME and PR_OBJECT_TYPE in every section, secure properties only when
 * asked for, named IDs refused, the locking rule and MAPI_FORCE_ACCESS, OOM. */
#include "storefixture.h"

#include <mapiutil.h>

#include "oom.h"
#include "profile/profsect.h"

#include <signal.h>
#include <sys/wait.h>

static LPPROFADMIN g_pa;
static LPSERVICEADMIN g_sa;

static void setup(void)
{
    store_setup();
    setenv("MAPIRT_PROFILES", g_db, 1);
    char cat[160];
    snprintf(cat, sizeof cat, "%s/mapisvc.inf", g_dir);
    write_file(g_dir, "mapisvc.inf",
               "[Services]\nSTORE=Store Service\n[STORE]\nProviders=STORE MS\n"
               "[STORE MS]\nPR_PROVIDER_DLL_NAME=store.dll\nPR_RESOURCE_TYPE=MAPI_STORE_PROVIDER\n");
    setenv("MAPIRT_SERVICES", cat, 1);
    cr_assert_eq(MAPIInitialize(NULL), S_OK);
    cr_assert_eq(MAPIAdminProfiles(0, &g_pa), S_OK);
    cr_assert_eq(g_pa->lpVtbl->CreateProfile(g_pa, (LPTSTR) "Sect", NULL, 0, 0), S_OK);
    cr_assert_eq(g_pa->lpVtbl->AdminServices(g_pa, (LPTSTR) "Sect", NULL, 0, 0, &g_sa), S_OK);
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

TestSuite(profsect, .init = setup, .fini = teardown);

static LPPROFSECT open_sect(const MAPIUID *u, ULONG flags)
{
    LPPROFSECT ps = NULL;
    HRESULT hr = g_sa->lpVtbl->OpenProfileSection(g_sa, (LPMAPIUID)u, NULL, flags, &ps);
    cr_assert_eq(hr, S_OK, "open: 0x%08x", (unsigned)hr);
    return ps;
}

static const SPropValue *find(const SPropValue *v, ULONG n, ULONG tag)
{
    for (ULONG i = 0; i < n; i++)
        if (v[i].ulPropTag == tag)
            return &v[i];
    return NULL;
}

static LONG read_long(const MAPIUID *u, ULONG tag)
{
    LPPROFSECT s = open_sect(u, 0);
    LPSPropValue v;
    LONG r = -1;
    if (HrGetOneProp((LPMAPIPROP)s, tag, &v) == S_OK) {
        r = v->Value.l;
        MAPIFreeBuffer(v);
    }
    s->lpVtbl->Release(s);
    return r;
}

Test(profsect, well_known_section_and_computed_properties)
{
    MAPIUID inst;
    memcpy(&inst, &MUID_PROFILE_INSTANCE, 16);
    LPPROFSECT s = open_sect(&inst, 0);
    ULONG n;
    LPSPropValue v;
    cr_assert_eq(s->lpVtbl->GetProps(s, NULL, 0, &n, &v), S_OK);
    cr_expect_eq(find(v, n, PR_SEARCH_KEY)->Value.bin.cb, 16);
    cr_expect_str_eq(find(v, n, PR_PROFILE_NAME_A)->Value.lpszA, "Sect");
    cr_expect_eq(find(v, n, PR_OBJECT_TYPE)->Value.l, MAPI_PROFSECT);
    MAPIFreeBuffer(v);
    SPropValue set = {.ulPropTag = PROP_TAG(PT_LONG, 0x6600), .Value.l = 1};
    cr_expect_eq(s->lpVtbl->SetProps(s, 1, &set, NULL), MAPI_E_NO_ACCESS, "opened read-only");
    cr_expect_eq(s->lpVtbl->SaveChanges(s, 0), S_OK, "not transacted: nothing to save");
    s->lpVtbl->Release(s);

    /* a rename shows in sections opened afterwards */
    cr_assert_eq(g_pa->lpVtbl->RenameProfile(g_pa, (LPTSTR) "Sect", NULL, (LPTSTR) "Renamed", 0, 0),
                 S_OK);
    s = open_sect(&inst, 0);
    LPSPropValue name;
    cr_assert_eq(HrGetOneProp((LPMAPIPROP)s, PR_PROFILE_NAME_W, &name), S_OK);
    cr_expect_eq(name->Value.lpszW[0], 'R');
    MAPIFreeBuffer(name);
    s->lpVtbl->Release(s);
}

Test(profsect, changes_are_stored_at_once)
{
    MAPIUID u = uid_of(0x33), missing = uid_of(0x34);
    LPPROFSECT ro;
    cr_expect_eq(g_sa->lpVtbl->OpenProfileSection(g_sa, &missing, NULL, 0, &ro), MAPI_E_NOT_FOUND,
                 "read-only open of a missing section");
    LPPROFSECT w = open_sect(&u, MAPI_MODIFY);
    SPropValue v[4] = {
        {.ulPropTag = PROP_TAG(PT_LONG, 0x6600), .Value.l = 42},
        {.ulPropTag = PR_PROFILE_NAME_A, .Value.lpszA = "no"},
        {.ulPropTag = PROP_TAG(PT_LONG, 0x8001), .Value.l = 1},
        {.ulPropTag = PROP_TAG(PT_STRING8, PROP_ID_SECURE_MIN), .Value.lpszA = "secret"},
    };
    LPSPropProblemArray probs = NULL;
    cr_assert_eq(w->lpVtbl->SetProps(w, 4, v, &probs), S_OK);
    cr_assert_not_null(probs);
    cr_assert_eq(probs->cProblem, 2);
    cr_expect_eq(probs->aProblem[0].ulIndex, 1, "PR_PROFILE_NAME is read-only");
    cr_expect_eq((&probs->aProblem[0])[1].ulIndex, 2);
    cr_expect_eq((&probs->aProblem[0])[1].scode, MAPI_E_UNEXPECTED_ID, "named IDs");
    MAPIFreeBuffer(probs);
    cr_expect_eq(w->lpVtbl->SaveChanges(w, 0), S_OK);

    /* the locking rule while the writer holds it */
    cr_expect_eq(g_sa->lpVtbl->OpenProfileSection(g_sa, &u, NULL, 0, &ro), MAPI_E_NO_ACCESS);
    cr_expect_eq(g_sa->lpVtbl->OpenProfileSection(g_sa, &u, NULL, MAPI_MODIFY, &ro),
                 MAPI_E_NO_ACCESS);
    ro = open_sect(&u, MAPI_FORCE_ACCESS);
    LPSPropValue one;
    cr_assert_eq(HrGetOneProp((LPMAPIPROP)ro, PROP_TAG(PT_LONG, 0x6600), &one), S_OK,
                 "stored at once: a section opened afterwards sees it");
    cr_expect_eq(one->Value.l, 42);
    MAPIFreeBuffer(one);
    ro->lpVtbl->Release(ro);

    /* a deletion too */
    SizedSPropTagArray(1, del) = {1, {PROP_TAG(PT_LONG, 0x6600)}};
    cr_assert_eq(w->lpVtbl->DeleteProps(w, (LPSPropTagArray)&del, NULL), S_OK);
    w->lpVtbl->Release(w);
    cr_expect_eq(read_long(&u, PROP_TAG(PT_LONG, 0x6600)), -1);

    /* secure properties: only when asked for by tag */
    LPPROFSECT s = open_sect(&u, 0);
    ULONG n;
    LPSPropValue all;
    cr_assert_eq(s->lpVtbl->GetProps(s, NULL, 0, &n, &all), S_OK);
    cr_expect_null(find(all, n, PROP_TAG(PT_STRING8, PROP_ID_SECURE_MIN)));
    MAPIFreeBuffer(all);
    LPSPropTagArray list;
    cr_assert_eq(s->lpVtbl->GetPropList(s, 0, &list), S_OK);
    for (ULONG i = 0; i < list->cValues; i++)
        cr_expect_neq(PROP_ID((&list->aulPropTag[0])[i]), PROP_ID_SECURE_MIN);
    MAPIFreeBuffer(list);
    LPSPropValue secret;
    cr_assert_eq(HrGetOneProp((LPMAPIPROP)s, PROP_TAG(PT_STRING8, PROP_ID_SECURE_MIN), &secret),
                 S_OK);
    cr_expect_str_eq(secret->Value.lpszA, "secret");
    MAPIFreeBuffer(secret);
    s->lpVtbl->Release(s);
}

Test(profsect, provider_sections_need_force_access)
{
    IMsgServiceAdmin2 *sa2;
    cr_assert_eq(g_sa->lpVtbl->QueryInterface(g_sa, &IID_IMsgServiceAdmin2, (void **)&sa2), S_OK);
    MAPIUID svc;
    cr_assert_eq(sa2->lpVtbl->CreateMsgServiceEx(sa2, (LPTSTR) "STORE", NULL, 0, 0, &svc), S_OK);
    sa2->lpVtbl->Release(sa2);
    LPMAPITABLE t;
    LPSRowSet rows;
    cr_assert_eq(g_sa->lpVtbl->GetProviderTable(g_sa, 0, &t), S_OK);
    cr_assert_eq(HrQueryAllRows(t, NULL, NULL, NULL, 0, &rows), S_OK);
    t->lpVtbl->Release(t);
    MAPIUID prov;
    memcpy(&prov, find(rows->aRow[0].lpProps, rows->aRow[0].cValues, PR_PROVIDER_UID)
                      ->Value.bin.lpb,
           16);
    FreeProws(rows);
    LPPROFSECT s;
    cr_expect_eq(g_sa->lpVtbl->OpenProfileSection(g_sa, &prov, NULL, 0, &s), MAPI_E_NO_ACCESS);
    s = open_sect(&prov, MAPI_FORCE_ACCESS);
    LPSPropValue v;
    cr_assert_eq(HrGetOneProp((LPMAPIPROP)s, PR_PROVIDER_DLL_NAME_A, &v), S_OK);
    cr_expect_str_eq(v->Value.lpszA, "store.dll");
    MAPIFreeBuffer(v);
    s->lpVtbl->Release(s);
    LPPROFSECT svcsect = open_sect(&svc, 0);
    cr_assert_eq(HrGetOneProp((LPMAPIPROP)svcsect, PR_SERVICE_NAME_A, &v), S_OK,
                 "the service's own section needs no force");
    MAPIFreeBuffer(v);
    svcsect->lpVtbl->Release(svcsect);
    cr_expect_eq(g_sa->lpVtbl->OpenProfileSection(g_sa, &svc, &IID_IMAPITable, 0, &s),
                 MAPI_E_INTERFACE_NOT_SUPPORTED);
}

Test(profsect, copy_to_another_section_is_stored)
{
    MAPIUID a = uid_of(0x41), b = uid_of(0x42);
    LPPROFSECT sa = open_sect(&a, MAPI_MODIFY), sb = open_sect(&b, MAPI_MODIFY);
    SPropValue v = {.ulPropTag = PROP_TAG(PT_LONG, 0x6610), .Value.l = 7};
    cr_assert_eq(sa->lpVtbl->SetProps(sa, 1, &v, NULL), S_OK);
    SizedSPropTagArray(2, skip) = {2, {PR_PROFILE_NAME_A, PR_OBJECT_TYPE}};
    cr_assert_eq(sa->lpVtbl->CopyTo(sa, 0, NULL, (LPSPropTagArray)&skip, 0, NULL, &IID_IMAPIProp,
                                    sb, 0, NULL),
                 S_OK);
    sa->lpVtbl->Release(sa);
    sb->lpVtbl->Release(sb);
    cr_expect_eq(read_long(&b, PROP_TAG(PT_LONG, 0x6610)), 7);
}

Test(profsect, out_of_memory_at_every_allocation)
{
    MAPIUID u = uid_of(0x55);
    LPPROFSECT s = open_sect(&u, MAPI_MODIFY);
    unsigned long oom_points;
    HRESULT hr;
    SPropValue v[2] = {{.ulPropTag = PROP_TAG(PT_LONG, 0x6600), .Value.l = 1},
                       {.ulPropTag = PROP_TAG(PT_STRING8, 0x6601), .Value.lpszA = "x"}};
    LPSPropProblemArray probs = NULL;
    OOM_LOOP(hr, hr = s->lpVtbl->SetProps(s, 2, v, &probs), MAPIFreeBuffer(probs));
    cr_expect_gt(oom_points, 2);
    s->lpVtbl->Release(s);
    cr_expect_eq(read_long(&u, PROP_TAG(PT_LONG, 0x6600)), 1);
    LPPROFSECT r = NULL;
    OOM_LOOP(hr, hr = g_sa->lpVtbl->OpenProfileSection(g_sa, &u, NULL, 0, &r),
             r->lpVtbl->Release(r));
    MAPIRT_LEAK_CHECK();
}

/* The locking rule holds for another process on the same store (runtime/profile/seclock.c):
 * a section it has open for writing is refused here, read-write and read-only, until that
 * process ends, however it ends. */
Test(profsect, a_section_open_for_writing_in_another_process)
{
    MAPIUID u = uid_of(0x42);
    int up[2];
    cr_assert_eq(pipe(up), 0);
    /* forked before this process opens any section: the child's refusals are the kernel's */
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        mapirt_profstore *cps;
        mapirt_profile_info info;
        LPPROFSECT s;
        if (mapirt_profstore_open(g_db, &cps, NULL, 0) != S_OK ||
            mapirt_profstore_find_profile(cps, "Sect", &info, NULL, 0) != S_OK ||
            mapirt_profsect_open(cps, info.id, &u, MAPI_MODIFY, &s, NULL, 0) != S_OK)
            _exit(1);
        if (write(up[1], "y", 1) != 1)
            _exit(2);
        pause(); /* until killed */
        _exit(0);
    }
    char c;
    cr_assert_eq(read(up[0], &c, 1), 1);
    LPPROFSECT s = NULL;
    cr_expect_eq(g_sa->lpVtbl->OpenProfileSection(g_sa, &u, NULL, MAPI_MODIFY, &s),
                 MAPI_E_NO_ACCESS, "open for writing in the other process");
    cr_expect_eq(g_sa->lpVtbl->OpenProfileSection(g_sa, &u, NULL, 0, &s), MAPI_E_NO_ACCESS,
                 "no reader while it writes");
    s = open_sect(&u, MAPI_MODIFY | MAPI_FORCE_ACCESS);
    s->lpVtbl->Release(s);
    kill(pid, SIGKILL);
    cr_assert_eq(waitpid(pid, NULL, 0), pid);
    s = open_sect(&u, MAPI_MODIFY);
    s->lpVtbl->Release(s);
    close(up[0]);
    close(up[1]);
}
