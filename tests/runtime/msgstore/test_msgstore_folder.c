/* tests/runtime/msgstore/test_msgstore_folder.c: the folder operations of the bundled message
 * store: CopyMessages (copy and move, attachments and big values with them), CopyFolder,
 * SetReadFlags, Get/SetMessageStatus, EmptyFolder, associated contents, and a second process
 * writing the same store.
 * configure: link -rdynamic -ldl */
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

TestSuite(msgstore_folder, .init = setup, .fini = teardown);

/* A saved message with an attachment holding size bytes of value i. */
static SBinary *save_with_attachment(LPMAPIFOLDER f, const char *subject, ULONG size, BYTE fill)
{
    LPMESSAGE m = new_message(f, subject);
    LPATTACH a = NULL;
    ULONG num;
    cr_assert_eq(m->lpVtbl->CreateAttach(m, NULL, 0, &num, &a), S_OK);
    BYTE *data = malloc(size);
    memset(data, fill, size);
    SPropValue v;
    memset(&v, 0, sizeof v);
    v.ulPropTag = PR_ATTACH_DATA_BIN;
    v.Value.bin.cb = size;
    v.Value.bin.lpb = data;
    cr_assert_eq(a->lpVtbl->SetProps(a, 1, &v, NULL), S_OK);
    free(data);
    cr_assert_eq(a->lpVtbl->SaveChanges(a, 0), S_OK);
    a->lpVtbl->Release(a);
    cr_assert_eq(m->lpVtbl->SaveChanges(m, KEEP_OPEN_READONLY), S_OK);
    LPSPropValue eid = prop((LPMAPIPROP)m, PR_ENTRYID);
    m->lpVtbl->Release(m);
    SBinary *b = malloc(sizeof *b);
    b->cb = eid->Value.bin.cb;
    b->lpb = malloc(b->cb);
    memcpy(b->lpb, eid->Value.bin.lpb, b->cb);
    MAPIFreeBuffer(eid);
    return b;
}

static void free_bin(SBinary *b)
{
    free(b->lpb);
    free(b);
}

static LPMAPIFOLDER subfolder(LPMAPIFOLDER parent, const char *name)
{
    LPMAPIFOLDER f = NULL;
    cr_assert_eq(parent->lpVtbl->CreateFolder(parent, FOLDER_GENERIC, (LPTSTR)name, NULL, NULL,
                                              OPEN_IF_EXISTS, &f), S_OK);
    return f;
}

static LONG long_prop(LPMAPIPROP o, ULONG tag)
{
    LPSPropValue v = prop(o, tag);
    LONG l = v->Value.l;
    MAPIFreeBuffer(v);
    return l;
}

/* The first attachment's data of every message of f: sizes and first bytes. */
static ULONG check_attachments(LPMDB mdb, LPMAPIFOLDER f, ULONG size)
{
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    SizedSPropTagArray(1, cols) = {1, {PR_ENTRYID}};
    cr_assert_eq(f->lpVtbl->GetContentsTable(f, 0, &t), S_OK);
    cr_assert_eq(HrQueryAllRows(t, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows), S_OK);
    for (ULONG r = 0; r < rows->cRows; r++) {
        SBinary *e = &rows->aRow[r].lpProps[0].Value.bin;
        ULONG ot;
        LPMESSAGE m = NULL;
        LPATTACH a = NULL;
        LPUNKNOWN u = NULL;
        cr_assert_eq(mdb->lpVtbl->OpenEntry(mdb, e->cb, (LPENTRYID)e->lpb, NULL, 0, &ot,
                                            (LPUNKNOWN *)&m), S_OK);
        cr_assert_eq(m->lpVtbl->OpenAttach(m, 0, NULL, 0, &a), S_OK);
        cr_assert_eq(a->lpVtbl->OpenProperty(a, PR_ATTACH_DATA_BIN, &IID_IStream, 0, 0, &u),
                     S_OK);
        STATSTG ss;
        cr_assert_eq(((LPSTREAM)u)->lpVtbl->Stat((LPSTREAM)u, &ss, STATFLAG_NONAME), S_OK);
        cr_expect_eq(ss.cbSize.QuadPart, size);
        u->lpVtbl->Release(u);
        a->lpVtbl->Release(a);
        m->lpVtbl->Release(m);
    }
    ULONG n = rows->cRows;
    FreeProws(rows);
    t->lpVtbl->Release(t);
    return n;
}

Test(msgstore_folder, copy_and_move_messages_with_their_attachments)
{
    logon l;
    cr_assert_eq(do_logon(&l, path, 0, NULL), S_OK);
    LPMAPIFOLDER inbox = open_inbox(l.mdb);
    LPMAPIFOLDER archive = subfolder(inbox, "Archive");
    SBinary *e[3];
    for (int i = 0; i < 3; i++)
        e[i] = save_with_attachment(inbox, "copied", 100000, (BYTE)i);
    SBinary list[3] = {*e[0], *e[1], *e[2]};
    ENTRYLIST el = {3, list};
    cr_assert_eq(inbox->lpVtbl->CopyMessages(inbox, &el, NULL, archive, 0, NULL, 0), S_OK);
    cr_expect_eq(row_count((LPMAPICONTAINER)inbox, 0, 0), 3);
    cr_expect_eq(check_attachments(l.mdb, archive, 100000), 3, "the copies, whole");
    /* Deleting the originals leaves the copies whole. */
    ENTRYLIST one = {1, list};
    cr_assert_eq(inbox->lpVtbl->DeleteMessages(inbox, &one, 0, NULL, 0), S_OK);
    cr_expect_eq(check_attachments(l.mdb, archive, 100000), 3);
    /* Move the other two; the first is gone: partial. */
    struct recsink *rs = recsink_new();
    ULONG_PTR conn;
    cr_assert_eq(l.mdb->lpVtbl->Advise(l.mdb, 0, NULL, fnevObjectMoved,
                                       recsink_as_IMAPIAdviseSink(rs), &conn), S_OK);
    cr_expect_eq(inbox->lpVtbl->CopyMessages(inbox, &el, NULL, archive, 0, NULL, MESSAGE_MOVE),
                 MAPI_W_PARTIAL_COMPLETION);
    cr_expect_eq(rs->n, 2);
    cr_expect_eq(row_count((LPMAPICONTAINER)inbox, 0, 0), 0);
    cr_expect_eq(check_attachments(l.mdb, archive, 100000), 5);
    cr_assert_eq(l.mdb->lpVtbl->Unadvise(l.mdb, conn), S_OK);
    recsink_release(rs);
    /* The moved message keeps its entry ID; its parent is the archive. */
    ULONG ot;
    LPUNKNOWN u = NULL;
    cr_assert_eq(l.mdb->lpVtbl->OpenEntry(l.mdb, e[1]->cb, (LPENTRYID)e[1]->lpb, NULL, 0, &ot, &u),
                 S_OK);
    LPSPropValue pe = prop((LPMAPIPROP)u, PR_PARENT_ENTRYID);
    LPSPropValue ae = prop((LPMAPIPROP)archive, PR_ENTRYID);
    cr_expect_eq(pe->Value.bin.cb, ae->Value.bin.cb);
    cr_expect_eq(memcmp(pe->Value.bin.lpb, ae->Value.bin.lpb, ae->Value.bin.cb), 0);
    MAPIFreeBuffer(pe);
    MAPIFreeBuffer(ae);
    u->lpVtbl->Release(u);
    for (int i = 0; i < 3; i++)
        free_bin(e[i]);
    archive->lpVtbl->Release(archive);
    inbox->lpVtbl->Release(inbox);
    logoff(&l);
}

/* Entries that are not messages of the folder, or name one twice, make the call partial; each
 * message is deleted (and notified) once. */
Test(msgstore_folder, delete_messages_is_partial_for_what_it_cannot_delete)
{
    logon l;
    cr_assert_eq(do_logon(&l, path, 0, NULL), S_OK);
    LPMAPIFOLDER inbox = open_inbox(l.mdb);
    LPMAPIFOLDER archive = subfolder(inbox, "Elsewhere");
    SBinary *here = save_with_attachment(inbox, "here", 10, 1);
    SBinary *there = save_with_attachment(archive, "there", 10, 2);
    BYTE junk[4] = {1, 2, 3, 4};
    SBinary list[4] = {*here, *here, *there, {sizeof junk, junk}};
    ENTRYLIST el = {4, list};
    struct recsink *rs = recsink_new();
    ULONG_PTR conn;
    cr_assert_eq(l.mdb->lpVtbl->Advise(l.mdb, 0, NULL, fnevObjectDeleted,
                                       recsink_as_IMAPIAdviseSink(rs), &conn), S_OK);
    cr_expect_eq(inbox->lpVtbl->DeleteMessages(inbox, &el, 0, NULL, 0),
                 MAPI_W_PARTIAL_COMPLETION);
    cr_expect_eq(rs->n, 1, "one message deleted, notified once");
    cr_expect_eq(row_count((LPMAPICONTAINER)inbox, 0, 0), 0);
    cr_expect_eq(row_count((LPMAPICONTAINER)archive, 0, 0), 1, "another folder's is kept");
    ENTRYLIST one = {1, list};
    cr_expect_eq(inbox->lpVtbl->DeleteMessages(inbox, &one, 0, NULL, 0),
                 MAPI_W_PARTIAL_COMPLETION, "gone already");
    cr_assert_eq(l.mdb->lpVtbl->Unadvise(l.mdb, conn), S_OK);
    recsink_release(rs);
    free_bin(here);
    free_bin(there);
    archive->lpVtbl->Release(archive);
    inbox->lpVtbl->Release(inbox);
    logoff(&l);
}

Test(msgstore_folder, read_flags_and_message_status)
{
    logon l;
    cr_assert_eq(do_logon(&l, path, 0, NULL), S_OK);
    LPMAPIFOLDER inbox = open_inbox(l.mdb);
    SBinary *e[4];
    for (int i = 0; i < 4; i++)
        e[i] = save_with_attachment(inbox, "flags", 10, 1);
    /* PR_CONTENT_UNREAD is computed when the folder opens. */
    LPMAPIFOLDER again = open_inbox(l.mdb);
    cr_expect_eq(long_prop((LPMAPIPROP)again, PR_CONTENT_UNREAD), 4);
    again->lpVtbl->Release(again);
    cr_assert_eq(inbox->lpVtbl->SetReadFlags(inbox, NULL, 0, NULL, 0), S_OK);
    again = open_inbox(l.mdb);
    cr_expect_eq(long_prop((LPMAPIPROP)again, PR_CONTENT_UNREAD), 0);
    again->lpVtbl->Release(again);
    ENTRYLIST one = {1, e[2]};
    cr_assert_eq(inbox->lpVtbl->SetReadFlags(inbox, &one, 0, NULL, CLEAR_READ_FLAG), S_OK);
    again = open_inbox(l.mdb);
    cr_expect_eq(long_prop((LPMAPIPROP)again, PR_CONTENT_UNREAD), 1);
    again->lpVtbl->Release(again);
    ULONG ot;
    LPUNKNOWN u = NULL;
    cr_assert_eq(l.mdb->lpVtbl->OpenEntry(l.mdb, e[2]->cb, (LPENTRYID)e[2]->lpb, NULL, 0, &ot, &u),
                 S_OK);
    cr_expect_eq(long_prop((LPMAPIPROP)u, PR_MESSAGE_FLAGS) & MSGFLAG_READ, 0);
    u->lpVtbl->Release(u);
    cr_expect_eq(inbox->lpVtbl->SetReadFlags(inbox, &one, 0, NULL,
                                             CLEAR_READ_FLAG | GENERATE_RECEIPT_ONLY),
                 MAPI_E_INVALID_PARAMETER);
    /* Status: set under a mask, read back, old value returned. */
    ULONG old = 99, status = 0;
    cr_assert_eq(inbox->lpVtbl->SetMessageStatus(inbox, e[0]->cb, (LPENTRYID)e[0]->lpb,
                                                 MSGSTATUS_HIGHLIGHTED | MSGSTATUS_TAGGED,
                                                 MSGSTATUS_HIGHLIGHTED, &old), S_OK);
    cr_expect_eq(old, 0);
    cr_assert_eq(inbox->lpVtbl->GetMessageStatus(inbox, e[0]->cb, (LPENTRYID)e[0]->lpb, 0,
                                                 &status), S_OK);
    cr_expect_eq(status, MSGSTATUS_HIGHLIGHTED, "only the masked bit");
    cr_assert_eq(l.mdb->lpVtbl->OpenEntry(l.mdb, e[0]->cb, (LPENTRYID)e[0]->lpb, NULL, 0, &ot, &u),
                 S_OK);
    cr_expect_eq(long_prop((LPMAPIPROP)u, PR_MSG_STATUS), MSGSTATUS_HIGHLIGHTED);
    u->lpVtbl->Release(u);
    LPMAPIFOLDER other = subfolder(inbox, "Other");
    cr_expect_eq(other->lpVtbl->GetMessageStatus(other, e[0]->cb, (LPENTRYID)e[0]->lpb, 0,
                                                 &status), MAPI_E_NOT_FOUND);
    other->lpVtbl->Release(other);
    for (int i = 0; i < 4; i++)
        free_bin(e[i]);
    inbox->lpVtbl->Release(inbox);
    logoff(&l);
}

Test(msgstore_folder, copy_move_and_empty_folders_and_associated_contents)
{
    logon l;
    cr_assert_eq(do_logon(&l, path, 0, NULL), S_OK);
    LPMAPIFOLDER inbox = open_inbox(l.mdb);
    LPMAPIFOLDER projects = subfolder(inbox, "Projects");
    LPMAPIFOLDER alpha = subfolder(projects, "Alpha");
    free_bin(save_with_attachment(projects, "p", 20000, 2));
    free_bin(save_with_attachment(alpha, "a", 30000, 3));
    /* An associated message: in the associated table only. */
    LPMESSAGE m = NULL;
    cr_assert_eq(projects->lpVtbl->CreateMessage(projects, NULL, MAPI_ASSOCIATED, &m), S_OK);
    cr_assert_eq(m->lpVtbl->SaveChanges(m, 0), S_OK);
    m->lpVtbl->Release(m);
    cr_expect_eq(row_count((LPMAPICONTAINER)projects, 0, 0), 1);
    cr_expect_eq(row_count((LPMAPICONTAINER)projects, MAPI_ASSOCIATED, 0), 1);
    LPSPropValue pe = prop((LPMAPIPROP)projects, PR_ENTRYID);
    /* Copy with subfolders under a new name. */
    cr_assert_eq(inbox->lpVtbl->CopyFolder(inbox, pe->Value.bin.cb, (LPENTRYID)pe->Value.bin.lpb,
                                           NULL, inbox, (LPTSTR) "Projects 2", 0, NULL,
                                           COPY_SUBFOLDERS), S_OK);
    LPMAPIFOLDER copy = subfolder(inbox, "Projects 2");
    cr_expect_eq(row_count((LPMAPICONTAINER)copy, 0, 0), 1);
    cr_expect_eq(row_count((LPMAPICONTAINER)copy, 0, 1), 1, "Alpha came along");
    cr_expect_eq(check_attachments(l.mdb, copy, 20000), 1);
    LPMAPIFOLDER calpha = subfolder(copy, "Alpha");
    cr_expect_eq(check_attachments(l.mdb, calpha, 30000), 1);
    calpha->lpVtbl->Release(calpha);
    /* The same name again collides; into itself is a cycle. */
    cr_expect_eq(inbox->lpVtbl->CopyFolder(inbox, pe->Value.bin.cb, (LPENTRYID)pe->Value.bin.lpb,
                                           NULL, inbox, (LPTSTR) "projects 2", 0, NULL, 0),
                 MAPI_E_COLLISION);
    cr_expect_eq(inbox->lpVtbl->CopyFolder(inbox, pe->Value.bin.cb, (LPENTRYID)pe->Value.bin.lpb,
                                           NULL, alpha, NULL, 0, NULL, FOLDER_MOVE),
                 MAPI_E_FOLDER_CYCLE);
    /* Move the copy under Projects. */
    LPSPropValue ce = prop((LPMAPIPROP)copy, PR_ENTRYID);
    cr_assert_eq(inbox->lpVtbl->CopyFolder(inbox, ce->Value.bin.cb, (LPENTRYID)ce->Value.bin.lpb,
                                           NULL, projects, NULL, 0, NULL, FOLDER_MOVE), S_OK);
    cr_expect_eq(row_count((LPMAPICONTAINER)projects, 0, 1), 2, "Alpha and Projects 2");
    MAPIFreeBuffer(ce);
    copy->lpVtbl->Release(copy);
    /* Empty: messages and subfolders go, the associated message stays without DEL_ASSOCIATED. */
    cr_assert_eq(projects->lpVtbl->EmptyFolder(projects, 0, NULL, 0), S_OK);
    cr_expect_eq(row_count((LPMAPICONTAINER)projects, 0, 0), 0);
    cr_expect_eq(row_count((LPMAPICONTAINER)projects, 0, 1), 0);
    cr_expect_eq(row_count((LPMAPICONTAINER)projects, MAPI_ASSOCIATED, 0), 1);
    cr_assert_eq(projects->lpVtbl->EmptyFolder(projects, 0, NULL, DEL_ASSOCIATED), S_OK);
    cr_expect_eq(row_count((LPMAPICONTAINER)projects, MAPI_ASSOCIATED, 0), 0);
    MAPIFreeBuffer(pe);
    alpha->lpVtbl->Release(alpha);
    projects->lpVtbl->Release(projects);
    inbox->lpVtbl->Release(inbox);
    logoff(&l);
}

Test(msgstore_folder, two_processes_on_one_store_see_each_others_messages)
{
    logon l;
    cr_assert_eq(do_logon(&l, path, 0, NULL), S_OK);
    LPMAPIFOLDER inbox = open_inbox(l.mdb);
    LPMAPITABLE view = NULL;
    cr_assert_eq(inbox->lpVtbl->GetContentsTable(inbox, 0, &view), S_OK);
    free_bin(save_with_attachment(inbox, "from the parent", 10, 1));
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        logon c;
        if (do_logon(&c, path, 0, NULL) != S_OK)
            _exit(2);
        LPMAPIFOLDER f = open_inbox(c.mdb);
        LPMAPITABLE t = NULL;
        ULONG n = 0;
        if (f->lpVtbl->GetContentsTable(f, 0, &t) != S_OK || t->lpVtbl->GetRowCount(t, 0, &n) ||
            n != 1)
            _exit(3); /* the parent's message is there */
        t->lpVtbl->Release(t);
        LPMESSAGE m = NULL;
        if (f->lpVtbl->CreateMessage(f, NULL, 0, &m) != S_OK || m->lpVtbl->SaveChanges(m, 0))
            _exit(4);
        m->lpVtbl->Release(m);
        f->lpVtbl->Release(f);
        logoff(&c);
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child failed: %d",
              WEXITSTATUS(status));
    /* The view already open counts again from the store: the child's message is in it. */
    ULONG n = 0;
    LPSRowSet rows = NULL;
    cr_assert_eq(view->lpVtbl->SeekRow(view, BOOKMARK_BEGINNING, 0, NULL), S_OK);
    cr_assert_eq(view->lpVtbl->QueryRows(view, 10, 0, &rows), S_OK);
    cr_expect_eq(rows->cRows, 2);
    FreeProws(rows);
    cr_expect_eq(row_count((LPMAPICONTAINER)inbox, 0, 0), 2);
    (void)n;
    view->lpVtbl->Release(view);
    inbox->lpVtbl->Release(inbox);
    logoff(&l);
}
