/* tests/runtime/session/test_support2.c: the IMAPISupport methods of part 2, called as the
 * test providers would call them (acmeab_support / acmems_support hand the tests the support
 * object MAPILogonEx gave them): OpenAddressBook, CreateOneOff, GetOneOffTable, the UI methods,
 * the flavour checks, WrapStoreEntryID, GetSvcConfigSupportObj, RegisterPreprocessor and
 * DoCopyTo / DoCopyProps over property objects. */
#include "sessfixture.h"

#include <mapiguid.h>

TestSuite(support2, .init = sess_setup, .fini = sess_teardown);

/* A property object to stand for the objects a refused call never reaches (the validation
 * layer wants real pointers). */
static LPPROPDATA dummy(void)
{
    LPPROPDATA p = NULL;
    cr_assert_eq(CreateIProp(&IID_IMAPIPropData, MAPIAllocateBuffer, MAPIAllocateMore,
                             MAPIFreeBuffer, NULL, &p),
                 S_OK);
    return p;
}

static LPMAPISUP ab_support(void)
{
    LPMAPISUP (*get)(void) = (LPMAPISUP(*)(void))provider_fn("acmeab.so", "acmeab_support");
    LPMAPISUP sup = get();
    cr_assert_not_null(sup);
    return sup;
}

static LPMAPISUP ms_support(LPMAPISESSION s, LPMDB *keep)
{
    LPMAPITABLE t;
    cr_assert_eq(s->lpVtbl->GetMsgStoresTable(s, 0, &t), S_OK);
    LPSRowSet rows = all_rows(t);
    t->lpVtbl->Release(t);
    const SBinary *e = &col(&rows->aRow[0], PR_ENTRYID)->Value.bin;
    cr_assert_eq(s->lpVtbl->OpenMsgStore(s, 0, e->cb, (LPENTRYID)e->lpb, NULL, MDB_WRITE, keep),
                 S_OK);
    FreeProws(rows);
    LPMAPISUP (*get)(void) = (LPMAPISUP(*)(void))provider_fn("acmems.so", "acmems_support");
    LPMAPISUP sup = get();
    cr_assert_not_null(sup);
    return sup;
}

Test(support2, address_book_one_offs_and_ui)
{
    LPMAPISESSION s = logon("Work", MAPI_NEW_SESSION);
    LPMAPISUP sup = ab_support();
    LPADRBOOK ab = NULL;
    cr_assert_eq(sup->lpVtbl->OpenAddressBook(sup, NULL, 0, &ab), S_OK);
    ULONG type = 0;
    LPUNKNOWN root = NULL;
    cr_expect_eq(ab->lpVtbl->OpenEntry(ab, 0, NULL, NULL, 0, &type, &root), S_OK);
    cr_expect_eq(type, MAPI_ABCONT);
    root->lpVtbl->Release(root);
    ULONG cb = 0;
    LPENTRYID eid = NULL;
    cr_assert_eq(sup->lpVtbl->CreateOneOff(sup, (LPTSTR) "Fax Desk", (LPTSTR) "FAX",
                                           (LPTSTR) "+1 555 0100", MAPI_SEND_NO_RICH_INFO, &cb,
                                           &eid),
                 S_OK);
    cr_expect_eq(((BYTE *)eid)[22], MAPI_ONE_OFF_NO_RICH_INFO);
    LPMAPIPROP u = NULL;
    cr_assert_eq(sup->lpVtbl->OpenEntry(sup, cb, eid, NULL, 0, &type, (LPUNKNOWN *)&u),
                 MAPI_E_UNKNOWN_ENTRYID, "the session routes no one-offs: the address book does");
    cr_assert_eq(ab->lpVtbl->OpenEntry(ab, cb, eid, NULL, 0, &type, (LPUNKNOWN *)&u), S_OK);
    u->lpVtbl->Release(u);
    MAPIFreeBuffer(eid);
    ab->lpVtbl->Release(ab);
    /* the one-off table: acmeab offers no templates, so it is empty, with MAPI's columns */
    LPMAPITABLE t = NULL;
    cr_assert_eq(sup->lpVtbl->GetOneOffTable(sup, 0, &t), S_OK);
    ULONG n = 9;
    cr_expect_eq(t->lpVtbl->GetRowCount(t, 0, &n), S_OK);
    cr_expect_eq(n, 0);
    LPSPropTagArray cols = NULL;
    cr_assert_eq(t->lpVtbl->QueryColumns(t, 0, &cols), S_OK);
    cr_expect_eq(cols->aulPropTag[0], PR_DISPLAY_NAME_A);
    cr_expect_eq((&cols->aulPropTag[0])[4], PR_ADDRTYPE_A);
    MAPIFreeBuffer(cols);
    t->lpVtbl->Release(t);
    ULONG_PTR ui = 0;
    LPADRLIST al = NULL;
    ADRPARM parm;
    memset(&parm, 0, sizeof parm);
    LPPROPDATA d = dummy();
    LPMAPITABLE dt = NULL;
    cr_assert_eq(s->lpVtbl->GetStatusTable(s, 0, &dt), S_OK);
    cr_expect_eq(sup->lpVtbl->Address(sup, &ui, &parm, &al), MAPI_E_NO_SUPPORT);
    cr_expect_eq(sup->lpVtbl->NewEntry(sup, 0, 0, 0, NULL, 0, NULL, NULL, NULL),
                 MAPI_E_NO_SUPPORT);
    cr_expect_eq(sup->lpVtbl->DoConfigPropsheet(sup, 0, 0, (LPTSTR) "x", dt, (LPMAPIPROP)d, 0),
                 MAPI_E_NO_SUPPORT);
    LPMAPIPROGRESS prog = NULL;
    cr_expect_eq(sup->lpVtbl->DoProgressDialog(sup, 0, 0, &prog), MAPI_E_NO_SUPPORT);
    LPMAPIERROR err = NULL;
    cr_assert_eq(sup->lpVtbl->GetLastError(sup, MAPI_E_NO_SUPPORT, 0, &err), S_OK);
    cr_expect(strstr(err->lpszError, "no UI") != NULL, "%s", err->lpszError);
    MAPIFreeBuffer(err);
    /* message store methods are not an address book's */
    ULONG fl = 0;
    cr_expect_eq(sup->lpVtbl->ExpandRecips(sup, (LPMESSAGE)d, &fl), MAPI_E_NO_SUPPORT);
    LPPROPDATA d2 = dummy();
    SizedSPropTagArray(1, subj) = {1, {PR_SUBJECT_A}};
    cr_expect_eq(sup->lpVtbl->DoCopyProps(sup, &IID_IMAPIProp, d, (LPSPropTagArray)&subj, 0, NULL,
                                          &IID_IMAPIProp, d2, 0, NULL),
                 MAPI_E_NO_SUPPORT);
    d2->lpVtbl->Release(d2);
    cr_expect_eq(sup->lpVtbl->RegisterPreprocessor(sup, NULL, (LPTSTR) "FAX", (LPTSTR) "x.dll",
                                                   (LPSTR) "P", NULL, 0),
                 MAPI_E_NO_SUPPORT);
    dt->lpVtbl->Release(dt);
    d->lpVtbl->Release(d);
    /* the service's configuration support object */
    LPMAPISUP svc = NULL;
    cr_assert_eq(sup->lpVtbl->GetSvcConfigSupportObj(sup, 0, &svc), S_OK);
    MAPIUID uid;
    cr_expect_eq(svc->lpVtbl->NewUID(svc, &uid), S_OK);
    cr_expect_eq(svc->lpVtbl->OpenAddressBook(svc, NULL, 0, &ab), MAPI_E_NO_SUPPORT);
    svc->lpVtbl->Release(svc);
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
}

Test(support2, wrap_store_entry_id_opens_the_store)
{
    LPMAPISESSION s = logon("Work", MAPI_NEW_SESSION);
    LPMDB mdb = NULL;
    LPMAPISUP sup = ms_support(s, &mdb);
    /* the store's own entry ID, as its provider wrote it into its profile section */
    SizedSPropTagArray(1, t) = {1, {PR_ENTRYID}};
    ULONG n = 0;
    LPSPropValue v = NULL;
    cr_assert_eq(mdb->lpVtbl->GetProps(mdb, (LPSPropTagArray)&t, 0, &n, &v), S_OK);
    ULONG cbw = 0;
    LPENTRYID w = NULL;
    cr_assert_eq(sup->lpVtbl->WrapStoreEntryID(sup, v[0].Value.bin.cb,
                                               (LPENTRYID)v[0].Value.bin.lpb, &cbw, &w),
                 S_OK);
    cr_expect_eq(cbw, 36 + v[0].Value.bin.cb);
    ULONG type = 0;
    LPUNKNOWN u = NULL;
    cr_assert_eq(s->lpVtbl->OpenEntry(s, cbw, w, NULL, 0, &type, &u), S_OK);
    cr_expect_eq(type, MAPI_STORE);
    u->lpVtbl->Release(u);
    ULONG w2cb = 0;
    LPENTRYID w2 = NULL;
    cr_expect_eq(sup->lpVtbl->WrapStoreEntryID(sup, cbw, w, &w2cb, &w2), MAPI_E_INVALID_ENTRYID,
                 "wrapped already");
    cr_expect_eq(sup->lpVtbl->WrapStoreEntryID(sup, 3, w, &w2cb, &w2), MAPI_E_INVALID_ENTRYID);
    MAPIFreeBuffer(w);
    MAPIFreeBuffer(v);
    /* transport-only and address-book-only methods are not a store's */
    LPPROPDATA d = dummy();
    SizedADRLIST(1, al) = {0, {{0, 0, NULL}}};
    cr_expect_eq(sup->lpVtbl->StatusRecips(sup, (LPMESSAGE)d, (LPADRLIST)&al), MAPI_E_NO_SUPPORT);
    LPMAPITABLE tbl = NULL;
    cr_expect_eq(sup->lpVtbl->GetOneOffTable(sup, 0, &tbl), MAPI_E_NO_SUPPORT);
    d->lpVtbl->Release(d);
    mdb->lpVtbl->Release(mdb);
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
}

Test(support2, do_copy_to_and_do_copy_props)
{
    LPMAPISESSION s = logon("Work", MAPI_NEW_SESSION);
    LPMDB mdb = NULL;
    LPMAPISUP sup = ms_support(s, &mdb);
    LPPROPDATA a = NULL, b = NULL;
    cr_assert_eq(CreateIProp(&IID_IMAPIPropData, MAPIAllocateBuffer, MAPIAllocateMore,
                             MAPIFreeBuffer, NULL, &a),
                 S_OK);
    cr_assert_eq(CreateIProp(&IID_IMAPIPropData, MAPIAllocateBuffer, MAPIAllocateMore,
                             MAPIFreeBuffer, NULL, &b),
                 S_OK);
    SPropValue v[3];
    memset(v, 0, sizeof v);
    v[0].ulPropTag = PR_SUBJECT_A;
    v[0].Value.lpszA = (LPSTR) "hello";
    v[1].ulPropTag = PR_IMPORTANCE;
    v[1].Value.l = IMPORTANCE_HIGH;
    v[2].ulPropTag = PR_BODY_A;
    v[2].Value.lpszA = (LPSTR) "body";
    cr_assert_eq(a->lpVtbl->SetProps(a, 3, v, NULL), S_OK);
    SPropValue keep = {PR_SUBJECT_A, 0, {.lpszA = (LPSTR) "theirs"}};
    cr_assert_eq(b->lpVtbl->SetProps(b, 1, &keep, NULL), S_OK);
    /* everything but PR_BODY; MAPI_NOREPLACE keeps b's subject */
    SizedSPropTagArray(1, ex) = {1, {PR_BODY_A}};
    LPSPropProblemArray probs = NULL;
    cr_assert_eq(sup->lpVtbl->DoCopyTo(sup, &IID_IMAPIProp, a, 0, NULL, (LPSPropTagArray)&ex, 0,
                                       NULL, &IID_IMAPIProp, b, MAPI_NOREPLACE, &probs),
                 S_OK);
    MAPIFreeBuffer(probs);
    SizedSPropTagArray(3, all) = {3, {PR_SUBJECT_A, PR_IMPORTANCE, PR_BODY_A}};
    ULONG n = 0;
    LPSPropValue got = NULL;
    b->lpVtbl->GetProps(b, (LPSPropTagArray)&all, 0, &n, &got);
    cr_expect_str_eq(got[0].Value.lpszA, "theirs");
    cr_expect_eq(got[1].Value.l, IMPORTANCE_HIGH);
    cr_expect_eq(PROP_TYPE(got[2].ulPropTag), PT_ERROR, "excluded");
    MAPIFreeBuffer(got);
    /* DoCopyProps with MAPI_MOVE: the body moves */
    cr_assert_eq(sup->lpVtbl->DoCopyProps(sup, &IID_IMAPIProp, a, (LPSPropTagArray)&ex, 0, NULL,
                                          &IID_IMAPIProp, b, MAPI_MOVE, NULL),
                 S_OK);
    b->lpVtbl->GetProps(b, (LPSPropTagArray)&all, 0, &n, &got);
    cr_expect_str_eq(got[2].Value.lpszA, "body");
    MAPIFreeBuffer(got);
    a->lpVtbl->GetProps(a, (LPSPropTagArray)&all, 0, &n, &got);
    cr_expect_eq(PROP_TYPE(got[2].ulPropTag), PT_ERROR, "moved away");
    MAPIFreeBuffer(got);
    cr_expect_eq(sup->lpVtbl->DoCopyTo(sup, &IID_IMAPIProp, a, 0, NULL, NULL, 0, NULL,
                                       &IID_IMAPIProp, a, 0, NULL),
                 MAPI_E_NO_ACCESS, "onto itself");
    a->lpVtbl->Release(a);
    b->lpVtbl->Release(b);
    mdb->lpVtbl->Release(mdb);
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
}

Test(support2, store_methods_are_refused_to_an_address_book)
{
    /* the sending and copying methods belong to message store providers */
    LPMAPISESSION s = logon("Work", MAPI_NEW_SESSION);
    LPMAPISUP sup = ab_support();
    LPPROPDATA d = dummy();
    LPMESSAGE m = (LPMESSAGE)d;
    ULONG fl = 0;
    BYTE eid[24] = {0};
    SBinary one = {24, eid};
    ENTRYLIST list = {1, &one};
    cr_expect_eq(sup->lpVtbl->PrepareSubmit(sup, m, &fl), MAPI_E_NO_SUPPORT);
    cr_expect_eq(sup->lpVtbl->DoSentMail(sup, 0, m), MAPI_E_NO_SUPPORT);
    cr_expect_eq(sup->lpVtbl->CompleteMsg(sup, 0, 24, (LPENTRYID)eid), MAPI_E_NO_SUPPORT);
    cr_expect_eq(sup->lpVtbl->ReadReceipt(sup, 0, m, &m), MAPI_E_NO_SUPPORT);
    cr_expect_eq(sup->lpVtbl->CopyMessages(sup, &IID_IMAPIFolder, d, &list, &IID_IMAPIFolder, d,
                                           0, NULL, 0),
                 MAPI_E_NO_SUPPORT);
    cr_expect_eq(sup->lpVtbl->CopyFolder(sup, &IID_IMAPIFolder, d, 24, (LPENTRYID)eid,
                                         &IID_IMAPIFolder, d, NULL, 0, NULL, 0),
                 MAPI_E_NO_SUPPORT);
    d->lpVtbl->Release(d);
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
}
