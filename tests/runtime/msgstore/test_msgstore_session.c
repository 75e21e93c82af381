/* tests/runtime/msgstore/test_msgstore_session.c: the bundled message store as a client meets
 * it: its catalog fragment as staged (build/mapirt/mapisvc.d/msgstore.inf), a profile created
 * with MAPI_DEFAULT_SERVICES, MAPILogonEx loading build/mapirt/providers/msgstore.so, the
 * store's default file under XDG_DATA_HOME, OpenMsgStore and the session's OpenEntry routing
 * by the store's MAPIUID.
 * configure: link -rdynamic -ldl */
#include "../profile/storefixture.h"

#include <limits.h>
#include <unistd.h>

#include <mapiutil.h>

static char xdg[PATH_MAX];

static void setup(void)
{
    char svc[PATH_MAX], prov[PATH_MAX];
    store_setup();
    setenv("MAPIRT_PROFILES", g_db, 1);
    cr_assert_not_null(realpath("build/mapirt/mapisvc.d", svc), "ninja first");
    cr_assert_not_null(realpath("build/mapirt/providers", prov));
    setenv("MAPIRT_SERVICES", svc, 1);
    setenv("MAPIRT_PROVIDER_PATH", prov, 1);
    snprintf(xdg, sizeof xdg, "%s/xdg", g_dir);
    setenv("XDG_DATA_HOME", xdg, 1);
    cr_assert_eq(MAPIInitialize(NULL), S_OK);
    LPPROFADMIN pa;
    cr_assert_eq(MAPIAdminProfiles(0, &pa), S_OK);
    cr_assert_eq(pa->lpVtbl->CreateProfile(pa, (LPTSTR) "Mail", NULL, 0, MAPI_DEFAULT_SERVICES),
                 S_OK);
    pa->lpVtbl->Release(pa);
}

static void teardown(void)
{
    MAPIUninitialize();
    store_teardown();
}

TestSuite(msgstore_session, .init = setup, .fini = teardown);

static LPMDB open_default_store(LPMAPISESSION s)
{
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    LPMDB mdb = NULL;
    SizedSPropTagArray(3, cols) = {3, {PR_ENTRYID, PR_DEFAULT_STORE, PR_DISPLAY_NAME_A}};
    cr_assert_eq(s->lpVtbl->GetMsgStoresTable(s, 0, &t), S_OK);
    cr_assert_eq(HrQueryAllRows(t, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows), S_OK);
    cr_assert_eq(rows->cRows, 1, "the default services give one store");
    cr_expect_eq(rows->aRow[0].lpProps[1].Value.b, TRUE);
    cr_expect_str_eq(rows->aRow[0].lpProps[2].Value.lpszA, "Personal Folders");
    SBinary *e = &rows->aRow[0].lpProps[0].Value.bin;
    cr_assert_eq(s->lpVtbl->OpenMsgStore(s, 0, e->cb, (LPENTRYID)e->lpb, NULL, MDB_WRITE, &mdb),
                 S_OK);
    FreeProws(rows);
    t->lpVtbl->Release(t);
    return mdb;
}

Test(msgstore_session, logs_on_through_mapilogonex_and_routes_entry_ids)
{
    LPMAPISESSION s = NULL;
    cr_assert_eq(MAPILogonEx(0, (LPTSTR) "Mail", NULL, MAPI_NEW_SESSION, &s), S_OK);
    LPMDB mdb = open_default_store(s);
    /* The default file, under XDG_DATA_HOME. */
    char cmd[PATH_MAX + 64];
    snprintf(cmd, sizeof cmd, "ls %s/mapirt/msgstore/*.db >/dev/null 2>&1", xdg);
    cr_expect_eq(system(cmd), 0, "the store file is in $XDG_DATA_HOME/mapirt/msgstore");

    ULONG cb = 0, type = 0;
    LPENTRYID eid = NULL;
    LPUNKNOWN u = NULL;
    cr_assert_eq(mdb->lpVtbl->GetReceiveFolder(mdb, (LPTSTR) "IPM.Note", 0, &cb, &eid, NULL), S_OK);
    /* The session routes the store's folder entry ID to the store. */
    cr_assert_eq(s->lpVtbl->OpenEntry(s, cb, eid, NULL, MAPI_MODIFY, &type, &u), S_OK);
    cr_expect_eq(type, MAPI_FOLDER);
    MAPIFreeBuffer(eid);
    LPMAPIFOLDER inbox = (LPMAPIFOLDER)u;
    LPMESSAGE m = NULL;
    cr_assert_eq(inbox->lpVtbl->CreateMessage(inbox, NULL, 0, &m), S_OK);
    SPropValue v;
    memset(&v, 0, sizeof v);
    v.ulPropTag = PR_SUBJECT_A;
    v.Value.lpszA = "through the session";
    cr_assert_eq(m->lpVtbl->SetProps(m, 1, &v, NULL), S_OK);
    ULONG num;
    LPATTACH a = NULL;
    cr_assert_eq(m->lpVtbl->CreateAttach(m, NULL, 0, &num, &a), S_OK);
    v.ulPropTag = PR_ATTACH_LONG_FILENAME_A;
    v.Value.lpszA = "a.txt";
    cr_assert_eq(a->lpVtbl->SetProps(a, 1, &v, NULL), S_OK);
    cr_assert_eq(a->lpVtbl->SaveChanges(a, 0), S_OK);
    a->lpVtbl->Release(a);
    cr_assert_eq(m->lpVtbl->SaveChanges(m, KEEP_OPEN_READONLY), S_OK);
    LPSPropValue meid = NULL;
    cr_assert_eq(HrGetOneProp((LPMAPIPROP)m, PR_ENTRYID, &meid), S_OK);
    m->lpVtbl->Release(m);
    inbox->lpVtbl->Release(inbox);
    mdb->lpVtbl->Release(mdb);
    cr_assert_eq(s->lpVtbl->Logoff(s, 0, 0, 0), S_OK);
    s->lpVtbl->Release(s);

    /* A new session finds the message in the same store, by its entry ID alone. */
    cr_assert_eq(MAPILogonEx(0, (LPTSTR) "Mail", NULL, MAPI_NEW_SESSION, &s), S_OK);
    mdb = open_default_store(s);
    u = NULL;
    cr_assert_eq(s->lpVtbl->OpenEntry(s, meid->Value.bin.cb, (LPENTRYID)meid->Value.bin.lpb, NULL,
                                      0, &type, &u), S_OK);
    cr_expect_eq(type, MAPI_MESSAGE);
    LPSPropValue subj = NULL;
    cr_assert_eq(HrGetOneProp((LPMAPIPROP)u, PR_SUBJECT_A, &subj), S_OK);
    cr_expect_str_eq(subj->Value.lpszA, "through the session");
    MAPIFreeBuffer(subj);
    LPSPropValue has = NULL;
    cr_assert_eq(HrGetOneProp((LPMAPIPROP)u, PR_HASATTACH, &has), S_OK);
    cr_expect(has->Value.b);
    MAPIFreeBuffer(has);
    u->lpVtbl->Release(u);
    MAPIFreeBuffer(meid);
    mdb->lpVtbl->Release(mdb);
    cr_assert_eq(s->lpVtbl->Logoff(s, 0, 0, 0), S_OK);
    s->lpVtbl->Release(s);
}
