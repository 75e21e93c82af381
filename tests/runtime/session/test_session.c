/* tests/runtime/session/test_session.c: IMAPISession's methods over the test providers: the
 * message store table and OpenMsgStore, OpenEntry routing (stores, address book entries,
 * status rows), CompareEntryIDs, QueryIdentity, SetDefaultStore with notifications on both
 * tables, objects that outlive Logoff, and tracing into providers. */
#include "sessfixture.h"

#include <mapirt/trace.h>

TestSuite(session, .init = sess_setup, .fini = sess_teardown);

static SBinary store_eid(LPMAPISESSION s, LPSRowSet *keep)
{
    LPMAPITABLE t;
    cr_assert_eq(s->lpVtbl->GetMsgStoresTable(s, 0, &t), S_OK);
    LPSRowSet rows = all_rows(t);
    t->lpVtbl->Release(t);
    cr_assert_eq(rows->cRows, 1, "the profile's store is listed before it is opened");
    const SRow *r = &rows->aRow[0];
    cr_expect_str_eq(col(r, PR_DISPLAY_NAME_A)->Value.lpszA, "Acme Store");
    cr_expect_eq(col(r, PR_DEFAULT_STORE)->Value.b, TRUE);
    cr_expect_eq(col(r, PR_OBJECT_TYPE)->Value.l, MAPI_STORE);
    cr_expect_eq(col(r, PR_RESOURCE_TYPE)->Value.l, MAPI_STORE_PROVIDER);
    cr_expect(col(r, PR_RESOURCE_FLAGS)->Value.l & STATUS_DEFAULT_STORE);
    *keep = rows;
    return col(r, PR_ENTRYID)->Value.bin;
}

Test(session, store_table_and_open_msg_store)
{
    LPMAPISESSION s = logon("Work", MAPI_NEW_SESSION);
    LPSRowSet rows;
    SBinary e = store_eid(s, &rows);
    LPMDB mdb = NULL, again = NULL;
    cr_assert_eq(s->lpVtbl->OpenMsgStore(s, 0, e.cb, (LPENTRYID)e.lpb, NULL, MDB_WRITE, &mdb),
                 S_OK);
    cr_assert_eq(s->lpVtbl->OpenMsgStore(s, 0, e.cb, (LPENTRYID)e.lpb, NULL, 0, &again), S_OK);
    cr_expect_eq(mdb, again, "the second open reuses the store");
    again->lpVtbl->Release(again);
    LPSPropValue v = NULL;
    cr_assert_eq(HrGetOneProp((LPMAPIPROP)mdb, PR_DISPLAY_NAME_A, &v), S_OK);
    cr_expect_str_eq(v->Value.lpszA, "Acme Store");
    MAPIFreeBuffer(v);
    /* the store's own entry ID routes to it by its registered MAPIUID */
    cr_assert_eq(HrGetOneProp((LPMAPIPROP)mdb, PR_ENTRYID, &v), S_OK);
    ULONG type = 0;
    LPUNKNOWN unk = NULL;
    cr_expect_eq(s->lpVtbl->OpenEntry(s, v->Value.bin.cb, (LPENTRYID)v->Value.bin.lpb, NULL, 0,
                                      &type, &unk), S_OK);
    cr_expect_eq(type, MAPI_STORE);
    if (unk)
        unk->lpVtbl->Release(unk);
    ULONG same = 0;
    cr_expect_eq(s->lpVtbl->CompareEntryIDs(s, v->Value.bin.cb, (LPENTRYID)v->Value.bin.lpb,
                                            e.cb, (LPENTRYID)e.lpb, 0, &same), S_OK);
    cr_expect_eq(same, TRUE, "the wrapped and the store's own ID name one store");
    MAPIFreeBuffer(v);
    BYTE junk[24] = {0};
    cr_expect_eq(s->lpVtbl->OpenMsgStore(s, 0, 8, (LPENTRYID)junk, NULL, 0, &again),
                 MAPI_E_INVALID_ENTRYID);
    cr_expect_eq(s->lpVtbl->OpenMsgStore(s, 0, sizeof junk, (LPENTRYID)junk, NULL, 0, &again),
                 MAPI_E_NOT_FOUND);
    FreeProws(rows);
    mdb->lpVtbl->Release(mdb);
    s->lpVtbl->Release(s);
}

Test(session, open_entry_routing_and_errors)
{
    LPMAPISESSION s = logon("Work", MAPI_NEW_SESSION);
    ULONG type = 0;
    LPUNKNOWN unk = NULL;
    BYTE ada[23] = {0, 0, 0, 0, 0xac, 0x3e, 0xab, 0x01, 0x11, 0x22, 0x33, 0x44,
                    0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 'a', 'd', 'a'};
    cr_assert_eq(s->lpVtbl->OpenEntry(s, sizeof ada, (LPENTRYID)ada, NULL, 0, &type, &unk), S_OK);
    cr_expect_eq(type, MAPI_MAILUSER);
    LPSPropValue v = NULL;
    cr_assert_eq(HrGetOneProp((LPMAPIPROP)unk, PR_DISPLAY_NAME_A, &v), S_OK);
    cr_expect_str_eq(v->Value.lpszA, "Ada Acme");
    MAPIFreeBuffer(v);
    unk->lpVtbl->Release(unk);
    cr_expect_eq(s->lpVtbl->OpenEntry(s, 0, NULL, NULL, 0, &type, &unk),
                 MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(s->lpVtbl->OpenEntry(s, 10, (LPENTRYID)ada, NULL, 0, &type, &unk),
                 MAPI_E_INVALID_ENTRYID);
    BYTE other[24] = {0, 0, 0, 0, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9};
    cr_expect_eq(s->lpVtbl->OpenEntry(s, sizeof other, (LPENTRYID)other, NULL, 0, &type, &unk),
                 MAPI_E_UNKNOWN_ENTRYID);
    LPMAPIERROR e = NULL;
    cr_expect_eq(s->lpVtbl->GetLastError(s, MAPI_E_UNKNOWN_ENTRYID, 0, &e), S_OK);
    cr_expect_not_null(e);
    MAPIFreeBuffer(e);
    ULONG same = 9;
    cr_expect_eq(s->lpVtbl->CompareEntryIDs(s, sizeof ada, (LPENTRYID)ada, sizeof ada,
                                            (LPENTRYID)ada, 0, &same), S_OK);
    cr_expect_eq(same, TRUE);
    cr_expect_eq(s->lpVtbl->CompareEntryIDs(s, sizeof ada, (LPENTRYID)ada, sizeof other,
                                            (LPENTRYID)other, 0, &same), MAPI_E_UNKNOWN_ENTRYID);
    s->lpVtbl->Release(s);
}

Test(session, status_table_rows_and_objects)
{
    LPMAPISESSION s = logon("Work", MAPI_NEW_SESSION);
    LPMAPITABLE t;
    cr_assert_eq(s->lpVtbl->GetStatusTable(s, 0, &t), S_OK);
    LPSRowSet rows = all_rows(t);
    const SRow *sub = status_row(rows, MAPI_SUBSYSTEM, NULL);
    cr_assert_not_null(sub);
    cr_expect_str_eq(col(sub, PR_DISPLAY_NAME_A)->Value.lpszA, "Work");
    cr_expect_not_null(status_row(rows, MAPI_SPOOLER, NULL));
    cr_expect_not_null(status_row(rows, MAPI_AB, NULL));
    const SRow *abr = status_row(rows, MAPI_AB_PROVIDER, "Acme Directory");
    cr_assert_not_null(abr);
    cr_expect_eq(col(abr, PR_OBJECT_TYPE)->Value.l, MAPI_STATUS);
    cr_expect_not_null(col(abr, PR_ROWID));
    cr_expect_not_null(col(abr, PR_INSTANCE_KEY));
    cr_expect_str_eq(col(abr, PR_PROVIDER_DLL_NAME_A)->Value.lpszA, "ACMEAB.DLL");
    cr_expect(col(abr, PR_RESOURCE_FLAGS)->Value.l & STATUS_PRIMARY_IDENTITY,
              "the profile's flags even though the provider's row has none");
    const SRow *xpr = status_row(rows, MAPI_TRANSPORT_PROVIDER, "Acme Transport");
    cr_assert_not_null(xpr);
    cr_expect_eq(col(xpr, PR_STATUS_CODE)->Value.l,
                 STATUS_AVAILABLE | STATUS_INBOUND_ENABLED | STATUS_OUTBOUND_ENABLED,
                 "STATUSROW_UPDATE merged TransportNotify's change");
    /* the provider's own status object, and MAPI's */
    ULONG type = 0;
    LPUNKNOWN unk = NULL;
    const SBinary *e = &col(abr, PR_ENTRYID)->Value.bin;
    cr_assert_eq(s->lpVtbl->OpenEntry(s, e->cb, (LPENTRYID)e->lpb, NULL, 0, &type, &unk), S_OK);
    cr_expect_eq(type, MAPI_STATUS);
    LPMAPISTATUS st = (LPMAPISTATUS)unk;
    cr_expect_eq(st->lpVtbl->ValidateState(st, 0, 0), S_OK);
    unk->lpVtbl->Release(unk);
    const SRow *sp = status_row(rows, MAPI_SPOOLER, NULL);
    e = &col(sp, PR_ENTRYID)->Value.bin;
    cr_assert_eq(s->lpVtbl->OpenEntry(s, e->cb, (LPENTRYID)e->lpb, NULL, 0, &type, &unk), S_OK);
    st = (LPMAPISTATUS)unk;
    cr_expect_eq(st->lpVtbl->FlushQueues(st, 0, 0, NULL, FLUSH_UPLOAD), S_OK);
    cr_expect_eq(st->lpVtbl->SettingsDialog(st, 0, 0), MAPI_E_NO_SUPPORT);
    LPSPropValue v = NULL;
    cr_assert_eq(HrGetOneProp((LPMAPIPROP)st, PR_RESOURCE_METHODS, &v), S_OK);
    cr_expect_eq(v->Value.l, STATUS_VALIDATE_STATE | STATUS_FLUSH_QUEUES);
    MAPIFreeBuffer(v);
    unk->lpVtbl->Release(unk);
    FreeProws(rows);
    /* a store's row comes when it logs on, and reaches the advised view */
    ULONG before = 0, after = 0;
    t->lpVtbl->GetRowCount(t, 0, &before);
    LPSRowSet srows;
    SBinary se = store_eid(s, &srows);
    LPMDB mdb;
    cr_assert_eq(s->lpVtbl->OpenMsgStore(s, 0, se.cb, (LPENTRYID)se.lpb, NULL, 0, &mdb), S_OK);
    t->lpVtbl->GetRowCount(t, 0, &after);
    cr_expect_eq(after, before + 1);
    FreeProws(srows);
    mdb->lpVtbl->Release(mdb);
    t->lpVtbl->Release(t);
    s->lpVtbl->Release(s);
}

Test(session, query_identity)
{
    LPMAPISESSION s = logon("Work", MAPI_NEW_SESSION);
    ULONG cb = 0;
    LPENTRYID e = NULL;
    cr_assert_eq(s->lpVtbl->QueryIdentity(s, &cb, &e), S_OK);
    cr_expect_eq(cb, 23u);
    cr_expect(memcmp((BYTE *)e + 20, "ada", 3) == 0);
    MAPIFreeBuffer(e);
    s->lpVtbl->Release(s);
    /* a profile with nothing able to say who the user is */
    make_profile("Empty", 0, NULL);
    s = logon("Empty", MAPI_NEW_SESSION);
    cr_expect_eq(s->lpVtbl->QueryIdentity(s, &cb, &e), MAPI_W_NO_SERVICE);
    cr_expect_gt(cb, 20u);
    /* a well-formed one-off: the address book opens it */
    LPADRBOOK ab = NULL;
    cr_assert_eq(s->lpVtbl->OpenAddressBook(s, 0, NULL, AB_NO_DIALOG, &ab), S_OK);
    ULONG type = 0;
    LPMAILUSER u = NULL;
    cr_assert_eq(ab->lpVtbl->OpenEntry(ab, cb, e, NULL, 0, &type, (LPUNKNOWN *)&u), S_OK);
    cr_expect_eq(type, (ULONG)MAPI_MAILUSER);
    LPSPropValue v = NULL;
    cr_assert_eq(HrGetOneProp((LPMAPIPROP)u, PR_DISPLAY_NAME_A, &v), S_OK);
    cr_expect_str_eq(v->Value.lpszA, "Unknown user");
    MAPIFreeBuffer(v);
    cr_assert_eq(HrGetOneProp((LPMAPIPROP)u, PR_ADDRTYPE_A, &v), S_OK);
    cr_expect_str_eq(v->Value.lpszA, "MAPIRT");
    MAPIFreeBuffer(v);
    u->lpVtbl->Release(u);
    ab->lpVtbl->Release(ab);
    MAPIFreeBuffer(e);
    s->lpVtbl->Release(s);
}

static int g_modified;
static ULONG count_mods(LPVOID ctx, ULONG n, LPNOTIFICATION notif)
{
    (void)ctx;
    for (ULONG i = 0; i < n; i++)
        if (notif[i].ulEventType == fnevTableModified &&
            notif[i].info.tab.ulTableEvent == TABLE_ROW_MODIFIED)
            g_modified++;
    return 0;
}

Test(session, set_default_store_notifies_both_tables)
{
    LPMAPISESSION s = logon("Work", MAPI_NEW_SESSION);
    LPSRowSet rows;
    SBinary e = store_eid(s, &rows);
    LPMDB mdb;
    cr_assert_eq(s->lpVtbl->OpenMsgStore(s, 0, e.cb, (LPENTRYID)e.lpb, NULL, 0, &mdb), S_OK);
    LPMAPITABLE st, stat;
    cr_assert_eq(s->lpVtbl->GetMsgStoresTable(s, 0, &st), S_OK);
    cr_assert_eq(s->lpVtbl->GetStatusTable(s, 0, &stat), S_OK);
    LPMAPIADVISESINK sink;
    ULONG_PTR c1, c2;
    cr_assert_eq(HrAllocAdviseSink((LPNOTIFCALLBACK)count_mods, NULL, &sink), S_OK);
    cr_assert_eq(st->lpVtbl->Advise(st, fnevTableModified, sink, &c1), S_OK);
    cr_assert_eq(stat->lpVtbl->Advise(stat, fnevTableModified, sink, &c2), S_OK);
    sink->lpVtbl->Release(sink);
    cr_expect_eq(s->lpVtbl->SetDefaultStore(s, MAPI_DEFAULT_STORE, 0, NULL), S_OK);
    cr_expect_eq(g_modified, 2, "the store's row in both tables");
    LPSRowSet r2 = all_rows(st);
    cr_expect_eq(col(&r2->aRow[0], PR_DEFAULT_STORE)->Value.b, FALSE);
    FreeProws(r2);
    cr_expect_eq(s->lpVtbl->SetDefaultStore(s, MAPI_DEFAULT_STORE, e.cb, (LPENTRYID)e.lpb), S_OK);
    cr_expect_eq(g_modified, 4);
    cr_expect_eq(s->lpVtbl->SetDefaultStore(s, MAPI_SIMPLE_STORE_TEMPORARY, e.cb,
                                            (LPENTRYID)e.lpb), S_OK);
    r2 = all_rows(st);
    cr_expect(col(&r2->aRow[0], PR_RESOURCE_FLAGS)->Value.l & STATUS_SIMPLE_STORE);
    FreeProws(r2);
    cr_expect_eq(s->lpVtbl->SetDefaultStore(s, 9, e.cb, (LPENTRYID)e.lpb),
                 MAPI_E_INVALID_PARAMETER);
    st->lpVtbl->Release(st);
    stat->lpVtbl->Release(stat);
    mdb->lpVtbl->Release(mdb);
    FreeProws(rows);
    s->lpVtbl->Release(s);
}

Test(session, logoff_and_logon_again_shows_the_same_stores)
{
    LPMAPISESSION s = logon("Work", MAPI_NEW_SESSION);
    LPSRowSet r1, r2;
    SBinary e1 = store_eid(s, &r1);
    LPMDB mdb;
    cr_assert_eq(s->lpVtbl->OpenMsgStore(s, 0, e1.cb, (LPENTRYID)e1.lpb, NULL, 0, &mdb), S_OK);
    mdb->lpVtbl->Release(mdb);
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
    s = logon("Work", MAPI_NEW_SESSION);
    SBinary e2 = store_eid(s, &r2);
    cr_expect_eq(col(&r1->aRow[0], PR_INSTANCE_KEY)->Value.bin.cb,
                 col(&r2->aRow[0], PR_INSTANCE_KEY)->Value.bin.cb);
    cr_expect(memcmp(col(&r1->aRow[0], PR_INSTANCE_KEY)->Value.bin.lpb,
                     col(&r2->aRow[0], PR_INSTANCE_KEY)->Value.bin.lpb, 16) == 0);
    /* the ID from the first session still opens the store */
    cr_expect_eq(s->lpVtbl->OpenMsgStore(s, 0, e1.cb, (LPENTRYID)e1.lpb, NULL, 0, &mdb), S_OK);
    mdb->lpVtbl->Release(mdb);
    (void)e2;
    FreeProws(r1);
    FreeProws(r2);
    s->lpVtbl->Release(s);
}

struct acmems_stats {
    int inits, logons, logoffs, shutdowns, store_releases, storelogoffs;
    HINSTANCE instance;
    ULONG logon_flags, cb_entryid, logoff_transport_flags;
};

Test(session, objects_outlive_logoff_and_the_session)
{
    struct acmems_stats *(*stats)(void) =
        (struct acmems_stats * (*)(void)) provider_fn("acmems.so", "acmems_stats_get");
    LPMAPISESSION s = logon("Work", MAPI_NEW_SESSION);
    LPSRowSet rows;
    SBinary e = store_eid(s, &rows);
    LPMDB mdb;
    LPMAPITABLE t;
    cr_assert_eq(s->lpVtbl->OpenMsgStore(s, 0, e.cb, (LPENTRYID)e.lpb, NULL, 0, &mdb), S_OK);
    cr_assert_eq(s->lpVtbl->GetStatusTable(s, 0, &t), S_OK);
    FreeProws(rows);
    cr_expect_eq(s->lpVtbl->Logoff(s, 0, 0, 0), S_OK);
    cr_expect_eq(stats()->logoffs, 1);
    cr_expect_eq(stats()->shutdowns, 1);
    s->lpVtbl->Release(s); /* before the store: safe */
    ULONG n = 9;
    cr_expect_eq(t->lpVtbl->GetRowCount(t, 0, &n), MAPI_E_END_OF_SESSION,
                 "the table was revoked at logoff");
    t->lpVtbl->Release(t);
    LPSPropValue v = NULL;
    cr_expect_eq(HrGetOneProp((LPMAPIPROP)mdb, PR_DISPLAY_NAME_A, &v), MAPI_E_END_OF_SESSION,
                 "the store answers for its provider, which has logged off");
    mdb->lpVtbl->Release(mdb); /* the provider's code is still mapped */
    cr_expect_eq(stats()->store_releases, 1);
    cr_expect_eq(stats()->logoff_transport_flags, LOGOFF_COMPLETE);
}

Test(session, admin_services_and_profile_sections)
{
    LPMAPISESSION s = logon("Work", MAPI_NEW_SESSION);
    LPSERVICEADMIN sa;
    cr_assert_eq(s->lpVtbl->AdminServices(s, 0, &sa), S_OK);
    LPMAPITABLE t;
    ULONG n = 0;
    cr_assert_eq(sa->lpVtbl->GetMsgServiceTable(sa, 0, &t), S_OK);
    t->lpVtbl->GetRowCount(t, 0, &n);
    cr_expect_eq(n, 1u);
    t->lpVtbl->Release(t);
    sa->lpVtbl->Release(sa);
    MAPIUID u;
    memset(&u, 0x5a, sizeof u);
    LPPROFSECT ps;
    cr_expect_eq(s->lpVtbl->OpenProfileSection(s, &u, NULL, 0, &ps), MAPI_E_NOT_FOUND);
    cr_assert_eq(s->lpVtbl->OpenProfileSection(s, &u, NULL, MAPI_MODIFY, &ps), S_OK);
    ps->lpVtbl->Release(ps);
    s->lpVtbl->Release(s);
}

static ULONG service_count(LPSERVICEADMIN sa)
{
    LPMAPITABLE t;
    ULONG n = 0;
    cr_assert_eq(sa->lpVtbl->GetMsgServiceTable(sa, 0, &t), S_OK);
    t->lpVtbl->GetRowCount(t, 0, &n);
    t->lpVtbl->Release(t);
    return n;
}

/* IMsgServiceAdmin::CopyMsgService with a session as the destination (lpInterfaceDst NULL or
 * IID_IMAPISession) copies into the session's profile, until the session's Logoff. */
Test(session, copy_msg_service_into_a_live_session)
{
    static const char *const xp2[] = {"XP2", NULL};
    make_profile("Other", 0, xp2);
    LPPROFADMIN pa;
    LPSERVICEADMIN other, work;
    cr_assert_eq(MAPIAdminProfiles(0, &pa), S_OK);
    cr_assert_eq(pa->lpVtbl->AdminServices(pa, (LPTSTR) "Other", NULL, 0, 0, &other), S_OK);
    pa->lpVtbl->Release(pa);
    LPMAPITABLE t;
    cr_assert_eq(other->lpVtbl->GetMsgServiceTable(other, 0, &t), S_OK);
    LPSRowSet rows = all_rows(t);
    t->lpVtbl->Release(t);
    cr_assert_eq(rows->cRows, 1u);
    const SPropValue *uid = col(&rows->aRow[0], PR_SERVICE_UID);
    cr_assert_not_null(uid);
    MAPIUID svc;
    memcpy(&svc, uid->Value.bin.lpb, sizeof svc);
    FreeProws(rows);

    LPMAPISESSION s = logon("Work", MAPI_NEW_SESSION);
    cr_assert_eq(s->lpVtbl->AdminServices(s, 0, &work), S_OK);
    cr_expect_eq(service_count(work), 1u);
    cr_expect_eq(other->lpVtbl->CopyMsgService(other, &svc, NULL, NULL, NULL, s, 0, 0), S_OK);
    cr_expect_eq(service_count(work), 2u, "copied into the session's profile");
    cr_expect_eq(other->lpVtbl->CopyMsgService(other, &svc, NULL, NULL, &IID_IMAPISession, s, 0,
                                               0),
                 S_OK, "named by its interface");
    cr_expect_eq(service_count(work), 3u);
    cr_expect_eq(other->lpVtbl->CopyMsgService(other, &svc, NULL, NULL, &IID_IMsgServiceAdmin, s,
                                               0, 0),
                 MAPI_E_NO_SUPPORT, "a session is not an administration object");
    cr_assert_eq(s->lpVtbl->Logoff(s, 0, 0, 0), S_OK);
    cr_expect_eq(other->lpVtbl->CopyMsgService(other, &svc, NULL, NULL, NULL, s, 0, 0),
                 MAPI_E_NO_SUPPORT, "after its Logoff a session is no destination");
    cr_expect_eq(service_count(work), 3u);
    s->lpVtbl->Release(s);
    work->lpVtbl->Release(work);
    other->lpVtbl->Release(other);
}

Test(session, tracing_reaches_providers)
{
    char path[160];
    snprintf(path, sizeof path, "%s/trace.log", g_dir);
    cr_assert_eq(mapirt_trace_configure("1", path), 0);
    LPMAPISESSION s = logon("Work", MAPI_NEW_SESSION);
    LPSRowSet rows;
    SBinary e = store_eid(s, &rows);
    LPMDB mdb;
    cr_assert_eq(s->lpVtbl->OpenMsgStore(s, 0, e.cb, (LPENTRYID)e.lpb, NULL, 0, &mdb), S_OK);
    LPSPropValue v = NULL;
    HrGetOneProp((LPMAPIPROP)mdb, PR_DISPLAY_NAME_A, &v);
    MAPIFreeBuffer(v);
    mdb->lpVtbl->Release(mdb);
    FreeProws(rows);
    s->lpVtbl->Release(s);
    mapirt_trace_configure(NULL, NULL);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    cr_expect(strstr(buf, "IABProvider::Logon"), "MAPI's calls into the provider are traced");
    cr_expect(strstr(buf, "IMAPISupport::ModifyStatusRow"),
              "the provider's calls into its support object are traced");
    cr_expect(strstr(buf, "IMsgStore::GetProps"), "the client's calls into the store are traced");
}
