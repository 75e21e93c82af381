/* tests/runtime/msgstore/test_msgstore.c: the bundled message store provider
 * (providers/msgstore/), loaded with dlopen from build/mapirt/providers/msgstore.so as the
 * session will load it, and driven through MSProviderInit and IMSProvider::Logon with a fake
 * support object (below) until sessions exist.
 * configure: link -rdynamic -ldl
 *
 * -rdynamic: the provider links libmapirt; exporting the test's (sanitized) runtime makes the
 * provider use that one copy, as it uses the session's libmapirt in a real process. */
#define _DEFAULT_SOURCE
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapiguid.h>
#include <mapispi.h>
#include <mapitags.h>
#include <mapiutil.h>
#include <mapix.h>
#include <mapirt/notify.h>

#include "msfixture.h"

TestSuite(msgstore, .init = setup, .fini = teardown);

/* ---- tests ---------------------------------------------------------------------------------- */

Test(msgstore, first_logon_creates_the_store_with_its_standard_folders)
{
    logon l;
    cr_assert_eq(do_logon(&l, path, 0, NULL), S_OK);
    cr_assert_not_null(l.mslogon);
    cr_assert_not_null(l.mdb);
    cr_expect_eq(access(path, F_OK), 0, "the store file and its directory exist");
    cr_expect_eq(l.sup->nuids, 1, "the store registered its MAPIUID");
    cr_expect_eq(l.sup->status_rows, 1);

    LPSPropValue mask = prop((LPMAPIPROP)l.mdb, PR_STORE_SUPPORT_MASK);
    cr_expect(mask->Value.l & STORE_NOTIFY_OK);
    cr_expect(mask->Value.l & STORE_UNICODE_OK);
    cr_expect_not(mask->Value.l & STORE_READONLY);
    MAPIFreeBuffer(mask);
    LPSPropValue type = prop((LPMAPIPROP)l.mdb, PR_OBJECT_TYPE);
    cr_expect_eq(type->Value.l, MAPI_STORE);
    MAPIFreeBuffer(type);

    /* Entry IDs carry the registered MAPIUID in bytes 4..19. */
    LPSPropValue ipm = prop((LPMAPIPROP)l.mdb, PR_IPM_SUBTREE_ENTRYID);
    cr_assert_geq(ipm->Value.bin.cb, 20);
    cr_expect_eq(memcmp(ipm->Value.bin.lpb + 4, l.sup->uids[0].ab, 16), 0);
    MAPIFreeBuffer(ipm);

    LPMAPIFOLDER sub = open_folder(l.mdb, PR_IPM_SUBTREE_ENTRYID);
    cr_expect_eq(row_count((LPMAPICONTAINER)sub, 0, 1), 4, "Inbox, Outbox, Sent, Deleted");
    LPSPropValue name = prop((LPMAPIPROP)sub, PR_DISPLAY_NAME_A);
    cr_expect_str_eq(name->Value.lpszA, "Top of Information Store");
    MAPIFreeBuffer(name);
    sub->lpVtbl->Release(sub);
    for (ULONG tag = PR_IPM_OUTBOX_ENTRYID; tag <= PR_IPM_SENTMAIL_ENTRYID;
         tag += 0x10000) {
        LPMAPIFOLDER f = open_folder(l.mdb, tag);
        cr_expect_eq(row_count((LPMAPICONTAINER)f, 0, 0), 0);
        f->lpVtbl->Release(f);
    }
    /* NULL opens the root folder. */
    ULONG ot = 0;
    LPUNKNOWN root = NULL;
    cr_assert_eq(l.mdb->lpVtbl->OpenEntry(l.mdb, 0, NULL, NULL, 0, &ot, &root), S_OK);
    cr_expect_eq(ot, MAPI_FOLDER);
    root->lpVtbl->Release(root);

    /* The profile section learned the store's entry ID. */
    LPSPropValue eid = prop((LPMAPIPROP)l.sup->section, PR_ENTRYID);
    ULONG same = 0;
    cr_expect_eq(l.prov->lpVtbl->CompareStoreIDs(l.prov, eid->Value.bin.cb,
                                                 (LPENTRYID)eid->Value.bin.lpb, eid->Value.bin.cb,
                                                 (LPENTRYID)eid->Value.bin.lpb, 0, &same), S_OK);
    cr_expect_eq(same, 1);
    MAPIFreeBuffer(eid);
    logoff(&l);
}

Test(msgstore, a_second_logon_to_an_open_store_returns_the_same_store_and_no_logon)
{
    logon l;
    cr_assert_eq(do_logon(&l, path, 0, NULL), S_OK);
    LPMSLOGON again = NULL;
    LPMDB mdb = NULL;
    LPMAPIERROR err = NULL;
    ULONG cbsec;
    LPBYTE sec;
    cr_assert_eq(l.prov->lpVtbl->Logon(l.prov, fakesup_as_IMAPISupport(l.sup), 0, NULL, 0, NULL,
                                       0, NULL, &cbsec, &sec, &err, &again, &mdb), S_OK);
    cr_expect_null(again);
    cr_expect_eq(mdb, l.mdb);
    mdb->lpVtbl->Release(mdb);
    logoff(&l);
}

Test(msgstore, unconfigured_and_foreign_files_are_refused_with_an_explanation)
{
    logon l;
    cr_expect_eq(do_logon(&l, NULL, 0, NULL), MAPI_E_UNCONFIGURED);
    logoff(&l);
    char bad[PATH_MAX + 16];
    snprintf(bad, sizeof bad, "%s/notastore", dir);
    FILE *f = fopen(bad, "w");
    cr_assert_not_null(f);
    fputs("this is not a database, it is a text file of some length.....................", f);
    fclose(f);
    cr_expect_eq(do_logon(&l, bad, 0, NULL), MAPI_E_LOGON_FAILED);
    logoff(&l);
}

Test(msgstore, bad_entry_ids)
{
    logon l;
    cr_assert_eq(do_logon(&l, path, 0, NULL), S_OK);
    LPSPropValue ipm = prop((LPMAPIPROP)l.mdb, PR_IPM_SUBTREE_ENTRYID);
    BYTE eid[64];
    ULONG ot;
    LPUNKNOWN u = NULL;
    memcpy(eid, ipm->Value.bin.lpb, ipm->Value.bin.cb);
    /* too short, a wrong version, another store, an object that does not exist */
    cr_expect_eq(l.mdb->lpVtbl->OpenEntry(l.mdb, 10, (LPENTRYID)eid, NULL, 0, &ot, &u),
                 MAPI_E_INVALID_ENTRYID);
    eid[20] = 9;
    cr_expect_eq(l.mdb->lpVtbl->OpenEntry(l.mdb, ipm->Value.bin.cb, (LPENTRYID)eid, NULL, 0, &ot,
                                          &u), MAPI_E_INVALID_ENTRYID);
    eid[20] = ipm->Value.bin.lpb[20];
    eid[5] ^= 0xff;
    cr_expect_eq(l.mdb->lpVtbl->OpenEntry(l.mdb, ipm->Value.bin.cb, (LPENTRYID)eid, NULL, 0, &ot,
                                          &u), MAPI_E_UNKNOWN_ENTRYID);
    eid[5] ^= 0xff;
    eid[24] = 0x77;
    cr_expect_eq(l.mdb->lpVtbl->OpenEntry(l.mdb, ipm->Value.bin.cb, (LPENTRYID)eid, NULL, 0, &ot,
                                          &u), MAPI_E_NOT_FOUND);
    cr_expect_null(u);
    MAPIFreeBuffer(ipm);
    logoff(&l);
}

Test(msgstore, receive_folders)
{
    logon l;
    cr_assert_eq(do_logon(&l, path, 0, NULL), S_OK);
    ULONG cb = 0;
    LPENTRYID eid = NULL;
    LPTSTR explicit_class = NULL;
    cr_assert_eq(l.mdb->lpVtbl->GetReceiveFolder(l.mdb, (LPTSTR) "IPM.Note.Secure", 0, &cb, &eid,
                                                 &explicit_class), S_OK);
    cr_expect_str_eq((char *)explicit_class, "IPM");
    MAPIFreeBuffer(explicit_class);
    LPMAPIFOLDER inbox = open_inbox(l.mdb);
    LPSPropValue name = prop((LPMAPIPROP)inbox, PR_DISPLAY_NAME_A);
    cr_expect_str_eq(name->Value.lpszA, "Inbox");
    MAPIFreeBuffer(name);
    /* A folder of our own receives IPM.Note.Report */
    LPMAPIFOLDER reports = NULL;
    cr_assert_eq(inbox->lpVtbl->CreateFolder(inbox, FOLDER_GENERIC, (LPTSTR) "Reports", NULL,
                                             NULL, 0, &reports), S_OK);
    LPSPropValue reid = prop((LPMAPIPROP)reports, PR_ENTRYID);
    cr_expect_eq(l.mdb->lpVtbl->SetReceiveFolder(l.mdb, (LPTSTR) "IPM.Note.Report", 0,
                                                 reid->Value.bin.cb,
                                                 (LPENTRYID)reid->Value.bin.lpb), S_OK);
    MAPIFreeBuffer(eid);
    cr_assert_eq(l.mdb->lpVtbl->GetReceiveFolder(l.mdb, (LPTSTR) "ipm.note.report.x", 0, &cb,
                                                 &eid, &explicit_class), S_OK);
    cr_expect_str_eq((char *)explicit_class, "IPM.Note.Report");
    cr_expect_eq(cb, reid->Value.bin.cb);
    cr_expect_eq(memcmp(eid, reid->Value.bin.lpb, cb), 0);
    MAPIFreeBuffer(explicit_class);
    MAPIFreeBuffer(eid);
    LPMAPITABLE t = NULL;
    ULONG n = 0;
    cr_assert_eq(l.mdb->lpVtbl->GetReceiveFolderTable(l.mdb, 0, &t), S_OK);
    cr_expect_eq(t->lpVtbl->GetRowCount(t, 0, &n), S_OK);
    cr_expect_eq(n, 4, "'', IPM, IPC and IPM.Note.Report");
    t->lpVtbl->Release(t);
    /* Sibling names are unique without case. */
    LPMAPIFOLDER dup = NULL;
    cr_expect_eq(inbox->lpVtbl->CreateFolder(inbox, FOLDER_GENERIC, (LPTSTR) "REPORTS", NULL,
                                             NULL, 0, &dup), MAPI_E_COLLISION);
    cr_expect_eq(inbox->lpVtbl->CreateFolder(inbox, FOLDER_GENERIC, (LPTSTR) "REPORTS", NULL,
                                             NULL, OPEN_IF_EXISTS, &dup), S_OK);
    dup->lpVtbl->Release(dup);
    MAPIFreeBuffer(reid);
    reports->lpVtbl->Release(reports);
    inbox->lpVtbl->Release(inbox);
    logoff(&l);
}

Test(msgstore, a_message_is_invisible_until_saved_and_then_reopens_whole)
{
    logon l;
    cr_assert_eq(do_logon(&l, path, 0, NULL), S_OK);
    LPMAPIFOLDER inbox = open_inbox(l.mdb);
    LPMAPITABLE view = NULL;
    cr_assert_eq(inbox->lpVtbl->GetContentsTable(inbox, 0, &view), S_OK);
    struct recsink *rs = recsink_new();
    ULONG_PTR conn = 0;
    LPSPropValue ieid = prop((LPMAPIPROP)inbox, PR_ENTRYID);
    cr_assert_eq(l.mdb->lpVtbl->Advise(l.mdb, ieid->Value.bin.cb, (LPENTRYID)ieid->Value.bin.lpb,
                                       fnevObjectCreated | fnevObjectModified,
                                       recsink_as_IMAPIAdviseSink(rs), &conn), S_OK);
    MAPIFreeBuffer(ieid);

    LPMESSAGE m = new_message(inbox, "hello");
    cr_expect_eq(row_count((LPMAPICONTAINER)inbox, 0, 0), 0, "not visible before SaveChanges");
    LPSPropValue none = NULL;
    cr_expect_eq(HrGetOneProp((LPMAPIPROP)m, PR_ENTRYID, &none), MAPI_E_NOT_FOUND);
    ADRLIST *al = NULL;
    cr_assert_eq(MAPIAllocateBuffer(CbNewADRLIST(2), (void **)&al), S_OK);
    al->cEntries = 2;
    for (int i = 0; i < 2; i++) {
        LPSPropValue rv;
        cr_assert_eq(MAPIAllocateBuffer(3 * sizeof(SPropValue), (void **)&rv), S_OK);
        memset(rv, 0, 3 * sizeof(SPropValue));
        rv[0].ulPropTag = PR_DISPLAY_NAME_A;
        rv[0].Value.lpszA = i ? "Bob" : "Alice";
        rv[1].ulPropTag = PR_RECIPIENT_TYPE;
        rv[1].Value.l = i ? MAPI_CC : MAPI_TO;
        rv[2].ulPropTag = PR_EMAIL_ADDRESS_A;
        rv[2].Value.lpszA = i ? "bob@example.org" : "alice@example.org";
        al->aEntries[i].ulReserved1 = 0;
        al->aEntries[i].cValues = 3;
        al->aEntries[i].rgPropVals = rv;
    }
    cr_assert_eq(m->lpVtbl->ModifyRecipients(m, MODRECIP_ADD, al), S_OK);
    FreePadrlist(al);
    cr_assert_eq(m->lpVtbl->SaveChanges(m, KEEP_OPEN_READWRITE), S_OK);
    ULONG n = 0;
    cr_expect_eq(view->lpVtbl->GetRowCount(view, 0, &n), S_OK);
    cr_expect_eq(n, 1, "the open view got the row");
    cr_expect_eq(rs->n, 1);
    cr_expect_eq(rs->events[0], fnevObjectCreated);
    cr_expect_eq(rs->objtypes[0], MAPI_MESSAGE);

    LPSPropValue eid = prop((LPMAPIPROP)m, PR_ENTRYID);
    m->lpVtbl->Release(m);
    ULONG ot = 0;
    LPUNKNOWN u = NULL;
    cr_assert_eq(inbox->lpVtbl->OpenEntry(inbox, eid->Value.bin.cb,
                                          (LPENTRYID)eid->Value.bin.lpb, NULL, 0, &ot, &u), S_OK);
    cr_expect_eq(ot, MAPI_MESSAGE);
    m = (LPMESSAGE)u;
    LPSPropValue subj = prop((LPMAPIPROP)m, PR_SUBJECT_W);
    cr_expect_eq(subj->Value.lpszW[0], 'h');
    MAPIFreeBuffer(subj);
    LPMAPITABLE rt = NULL;
    cr_assert_eq(m->lpVtbl->GetRecipientTable(m, 0, &rt), S_OK);
    LPSRowSet rows = NULL;
    cr_assert_eq(HrQueryAllRows(rt, NULL, NULL, NULL, 0, &rows), S_OK);
    cr_expect_eq(rows->cRows, 2);
    FreeProws(rows);
    rt->lpVtbl->Release(rt);
    /* Opened read-only: no changes. */
    SPropValue v;
    memset(&v, 0, sizeof v);
    v.ulPropTag = PR_SUBJECT_A;
    v.Value.lpszA = "changed";
    cr_expect_eq(m->lpVtbl->SetProps(m, 1, &v, NULL), MAPI_E_NO_ACCESS);
    m->lpVtbl->Release(m);
    MAPIFreeBuffer(eid);
    cr_expect_eq(l.mdb->lpVtbl->Unadvise(l.mdb, conn), S_OK);
    recsink_release(rs);
    view->lpVtbl->Release(view);
    inbox->lpVtbl->Release(inbox);
    logoff(&l);
}

Test(msgstore, changes_are_transacted_and_keep_open_is_honoured)
{
    logon l;
    cr_assert_eq(do_logon(&l, path, 0, NULL), S_OK);
    LPMAPIFOLDER inbox = open_inbox(l.mdb);
    LPMESSAGE m = new_message(inbox, "one");
    cr_assert_eq(m->lpVtbl->SaveChanges(m, KEEP_OPEN_READWRITE), S_OK);
    LPSPropValue eid = prop((LPMAPIPROP)m, PR_ENTRYID);
    SPropValue v;
    memset(&v, 0, sizeof v);
    v.ulPropTag = PR_SUBJECT_A;
    v.Value.lpszA = "two";
    cr_assert_eq(m->lpVtbl->SetProps(m, 1, &v, NULL), S_OK);
    /* Another instance still sees "one". */
    ULONG ot;
    LPUNKNOWN u;
    cr_assert_eq(l.mdb->lpVtbl->OpenEntry(l.mdb, eid->Value.bin.cb, (LPENTRYID)eid->Value.bin.lpb,
                                          NULL, 0, &ot, &u), S_OK);
    LPSPropValue s1 = prop((LPMAPIPROP)u, PR_SUBJECT_A);
    cr_expect_str_eq(s1->Value.lpszA, "one");
    MAPIFreeBuffer(s1);
    u->lpVtbl->Release(u);
    cr_assert_eq(m->lpVtbl->SaveChanges(m, KEEP_OPEN_READONLY), S_OK);
    cr_expect_eq(m->lpVtbl->SetProps(m, 1, &v, NULL), MAPI_E_NO_ACCESS);
    cr_expect_eq(m->lpVtbl->SaveChanges(m, 0), MAPI_E_NO_ACCESS);
    m->lpVtbl->Release(m);
    cr_assert_eq(l.mdb->lpVtbl->OpenEntry(l.mdb, eid->Value.bin.cb, (LPENTRYID)eid->Value.bin.lpb,
                                          NULL, MAPI_MODIFY, &ot, &u), S_OK);
    s1 = prop((LPMAPIPROP)u, PR_SUBJECT_A);
    cr_expect_str_eq(s1->Value.lpszA, "two");
    MAPIFreeBuffer(s1);
    /* Deleted by the folder while open: SaveChanges says so. */
    ENTRYLIST el = {1, &eid->Value.bin};
    cr_expect_eq(inbox->lpVtbl->DeleteMessages(inbox, &el, 0, NULL, 0), S_OK);
    cr_expect_eq(((LPMESSAGE)u)->lpVtbl->SaveChanges((LPMESSAGE)u, 0), MAPI_E_OBJECT_DELETED);
    u->lpVtbl->Release(u);
    cr_expect_eq(row_count((LPMAPICONTAINER)inbox, 0, 0), 0);
    MAPIFreeBuffer(eid);
    inbox->lpVtbl->Release(inbox);
    logoff(&l);
}

Test(msgstore, the_store_persists_across_logons_and_opens_by_its_entry_id)
{
    logon l;
    cr_assert_eq(do_logon(&l, path, 0, NULL), S_OK);
    LPMAPIFOLDER inbox = open_inbox(l.mdb);
    for (int i = 0; i < 5; i++) {
        char s[16];
        snprintf(s, sizeof s, "m%d", i);
        LPMESSAGE m = new_message(inbox, s);
        cr_assert_eq(m->lpVtbl->SaveChanges(m, 0), S_OK);
        m->lpVtbl->Release(m);
    }
    inbox->lpVtbl->Release(inbox);
    LPSPropValue seid = prop((LPMAPIPROP)l.mdb, PR_STORE_ENTRYID);
    logoff(&l);
    cr_assert_eq(do_logon(&l, NULL, seid->Value.bin.cb, (LPENTRYID)seid->Value.bin.lpb), S_OK);
    inbox = open_inbox(l.mdb);
    cr_expect_eq(row_count((LPMAPICONTAINER)inbox, 0, 0), 5);
    inbox->lpVtbl->Release(inbox);
    logoff(&l);
    MAPIFreeBuffer(seid);
}

/* A child saves messages of 20 properties, each holding the message's number, until it is
 * killed with -9; then every message in the store must be whole and the store must open. */
Test(msgstore, kill_9_during_save_changes_loses_nothing_saved)
{
    logon l;
    cr_assert_eq(do_logon(&l, path, 0, NULL), S_OK);
    logoff(&l);
    int pipefd[2];
    cr_assert_eq(pipe(pipefd), 0);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        logon c;
        close(pipefd[0]);
        if (do_logon(&c, path, 0, NULL) != S_OK)
            _exit(2);
        LPMAPIFOLDER inbox = open_inbox(c.mdb);
        for (LONG i = 1;; i++) {
            LPMESSAGE m = NULL;
            SPropValue v[20];
            if (inbox->lpVtbl->CreateMessage(inbox, NULL, 0, &m) != S_OK)
                _exit(3);
            for (int k = 0; k < 20; k++) {
                v[k].ulPropTag = PROP_TAG(PT_LONG, 0x6800 + k);
                v[k].dwAlignPad = 0;
                v[k].Value.l = i;
            }
            if (m->lpVtbl->SetProps(m, 20, v, NULL) != S_OK || m->lpVtbl->SaveChanges(m, 0) != S_OK)
                _exit(4);
            m->lpVtbl->Release(m);
            if (i == 20 && write(pipefd[1], "x", 1) != 1)
                _exit(5);
        }
    }
    close(pipefd[1]);
    char x;
    cr_assert_eq(read(pipefd[0], &x, 1), 1, "the child saved its first messages");
    usleep(20000);
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    cr_assert(WIFSIGNALED(status));
    close(pipefd[0]);

    cr_assert_eq(do_logon(&l, path, 0, NULL), S_OK, "the store opens after the kill");
    LPMAPIFOLDER inbox = open_inbox(l.mdb);
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    cr_assert_eq(inbox->lpVtbl->GetContentsTable(inbox, 0, &t), S_OK);
    SizedSPropTagArray(1, cols) = {1, {PR_ENTRYID}};
    cr_assert_eq(HrQueryAllRows(t, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows), S_OK);
    cr_expect_geq(rows->cRows, 20);
    for (ULONG r = 0; r < rows->cRows; r++) {
        ULONG ot;
        LPUNKNOWN u;
        SBinary *b = &rows->aRow[r].lpProps[0].Value.bin;
        cr_assert_eq(inbox->lpVtbl->OpenEntry(inbox, b->cb, (LPENTRYID)b->lpb, NULL, 0, &ot, &u),
                     S_OK);
        SizedSPropTagArray(20, tags);
        tags.cValues = 20;
        for (int k = 0; k < 20; k++)
            tags.aulPropTag[k] = PROP_TAG(PT_LONG, 0x6800 + k);
        ULONG n;
        LPSPropValue v;
        cr_assert_eq(((LPMAPIPROP)u)->lpVtbl->GetProps((LPMAPIPROP)u, (LPSPropTagArray)&tags, 0,
                                                       &n, &v), S_OK, "all 20 properties are there");
        for (int k = 1; k < 20; k++)
            cr_assert_eq(v[k].Value.l, v[0].Value.l);
        MAPIFreeBuffer(v);
        u->lpVtbl->Release(u);
    }
    FreeProws(rows);
    t->lpVtbl->Release(t);
    inbox->lpVtbl->Release(inbox);
    logoff(&l);
}
