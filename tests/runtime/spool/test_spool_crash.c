/* tests/runtime/spool/test_spool_crash.c: the spooler and the bundled providers when a process
 * dies with -9 at the worst moments: while it holds a message of the outgoing queue (the lock
 * must die with it), and between saving a delivered message and moving its file to cur/ (the
 * file must not be delivered twice). Real processes (fork), real kills, the real providers
 * (dlopen), the store and the Maildirs as files; MAPIRT_MAILDIR_KILL_AT makes the Maildir
 * transport kill its own process at a named point (providers/maildir/deliverykey.c).
 * configure: link -rdynamic -ldl
 * configure: pkg gmime-3.0 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <gmime/gmime.h>
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
#include <mapitags.h>
#include <mapiutil.h>
#include <mapix.h>

#include "../profile/storefixture.h"
#include "spoolfixture.h"

TestSuite(spool_crash, .init = spool_setup, .fini = spool_teardown, .timeout = 120);

static LPMAPISESSION logon_no_mail(void)
{
    LPMAPISESSION s = NULL;
    HRESULT hr = MAPILogonEx(0, (LPTSTR) "Mail", NULL,
        MAPI_EXPLICIT_PROFILE | MAPI_NEW_SESSION | MAPI_NO_MAIL, &s);
    cr_assert(SUCCEEDED(hr), "MAPILogonEx: 0x%08X", (unsigned)hr);
    return s;
}

static void end_session(LPMAPISESSION s, LPMDB mdb)
{
    mdb->lpVtbl->Release(mdb);
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
}

/* The one row of the outgoing queue (asserts there is exactly one). */
static LPSRowSet the_queue(LPMDB mdb)
{
    LPMAPITABLE t = NULL;
    cr_assert_eq(mdb->lpVtbl->GetOutgoingQueue(mdb, 0, &t), S_OK);
    LPSRowSet rows = all_rows_of(t);
    cr_assert_eq(rows->cRows, 1, "one message queued, not %u", (unsigned)rows->cRows);
    return rows;
}

static int queue_locked(LPMDB mdb)
{
    LPSRowSet rows = the_queue(mdb);
    const SPropValue *sf = row_col(&rows->aRow[0], PR_SUBMIT_FLAGS);
    cr_assert_not_null(sf);
    int locked = (sf->Value.l & SUBMITFLAG_LOCKED) != 0;
    FreeProws(rows);
    return locked;
}

static LPMESSAGE queued_message(LPMDB mdb)
{
    LPSRowSet rows = the_queue(mdb);
    const SPropValue *e = row_col(&rows->aRow[0], PR_ENTRYID);
    cr_assert_not_null(e);
    ULONG type = 0;
    LPMESSAGE m = NULL;
    cr_assert_eq(mdb->lpVtbl->OpenEntry(mdb, e->Value.bin.cb, (LPENTRYID)e->Value.bin.lpb, NULL,
                     MAPI_MODIFY, &type, (LPUNKNOWN *)&m),
        S_OK);
    FreeProws(rows);
    return m;
}

static void submit_one(LPMDB mdb, const char *subject)
{
    LPMESSAGE m = new_outgoing(mdb, subject, "body\n");
    add_recipient(m, "Ada Lovelace", "ada@example.org", "SMTP", MAPI_TO);
    cr_assert_eq(m->lpVtbl->SubmitMessage(m, 0), S_OK);
    m->lpVtbl->Release(m);
}

/* After the lock's holder is gone: the message is sent by the next spooler, once. */
static void next_spooler_sends_it(void)
{
    LPMAPISESSION s = logon_mail();
    LPMDB mdb = open_default_store(s);
    flush(s);
    cr_expect_eq(list_dir(g_out, "new", NULL, 0), 1, "the message was sent");
    cr_expect_eq(queue_count(mdb), 0, "and left the queue");
    cr_expect_eq(folder_count(mdb, PR_IPM_SENTMAIL_ENTRYID), 1);
    end_session(s, mdb);
}

/* A process locks a queued message as a spooler does and keeps running: the lock holds against
 * another process. Killed with -9, its lock is gone: the queue shows the message unlocked, the
 * other process takes it, and the next spooler sends it. */
Test(spool_crash, lock_dies_with_its_holder)
{
    int ready[2];
    cr_assert_eq(pipe(ready), 0);
    MAPIUninitialize(); /* the child starts its own */
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        close(ready[0]);
        if (MAPIInitialize(NULL) != S_OK)
            _exit(2);
        LPMAPISESSION s = logon_no_mail();
        LPMDB mdb = open_default_store(s);
        submit_one(mdb, "held");
        LPMESSAGE m = queued_message(mdb);
        if (mdb->lpVtbl->SetLockState(mdb, m, MSG_LOCKED) != S_OK)
            _exit(3);
        if (write(ready[1], "L", 1) != 1)
            _exit(4);
        for (;;)
            pause(); /* holding it, until killed */
    }
    close(ready[1]);
    char c = 0;
    cr_assert_eq(read(ready[0], &c, 1), 1, "the child locked the message");
    close(ready[0]);
    cr_assert_eq(MAPIInitialize(NULL), S_OK);
    LPMAPISESSION s = logon_no_mail();
    LPMDB mdb = open_default_store(s);
    cr_expect(queue_locked(mdb), "locked by a live spooler");
    LPMESSAGE m = queued_message(mdb);
    cr_expect_eq(mdb->lpVtbl->SetLockState(mdb, m, MSG_LOCKED), MAPI_E_BUSY,
        "a live holder keeps its lock");
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    cr_expect(!queue_locked(mdb), "the dead holder's lock is taken back");
    cr_expect_eq(mdb->lpVtbl->SetLockState(mdb, m, MSG_LOCKED), S_OK);
    cr_expect(queue_locked(mdb));
    cr_expect_eq(mdb->lpVtbl->SetLockState(mdb, m, MSG_UNLOCKED), S_OK);
    m->lpVtbl->Release(m);
    end_session(s, mdb);
    next_spooler_sends_it();
}

/* A spooler killed with -9 in the middle of a send (inside the transport's SubmitMessage, the
 * message locked): the next session's spooler sends it. */
Test(spool_crash, spooler_killed_mid_send_leaves_no_stale_lock)
{
    MAPIUninitialize();
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        setenv("MAPIRT_MAILDIR_KILL_AT", "sending", 1);
        if (MAPIInitialize(NULL) != S_OK)
            _exit(2);
        LPMAPISESSION s = logon_mail();
        LPMDB mdb = open_default_store(s);
        submit_one(mdb, "in flight");
        flush(s);
        _exit(0); /* not reached: the transport kills the process */
    }
    int status = 0;
    waitpid(pid, &status, 0);
    cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
        "killed in the transport (status 0x%x)", (unsigned)status);
    cr_assert_eq(list_dir(g_out, "new", NULL, 0), 0, "nothing was sent");
    cr_assert_eq(MAPIInitialize(NULL), S_OK);
    LPMAPISESSION s = logon_no_mail();
    LPMDB mdb = open_default_store(s);
    cr_expect(!queue_locked(mdb), "the killed spooler's lock died with it");
    end_session(s, mdb);
    next_spooler_sends_it();
}

/* Killed after the store committed a delivered message but before its file left new/: the next
 * pass finds the file's delivery key in the store, moves the file to cur/ and saves nothing;
 * every file is delivered exactly once. */
Test(spool_crash, delivery_killed_after_save_is_exactly_once)
{
    char name[16], text[256];
    for (int i = 0; i < 3; i++) {
        snprintf(name, sizeof name, "%d.f%d", 1700000000 + i, i);
        snprintf(text, sizeof text, "From: a@example.org\nTo: me@example.net\nSubject: n%d\n"
                                    "Date: Tue, 01 Dec 2026 10:00:00 +0100\n\nbody %d\n",
            i, i);
        drop_incoming(name, text);
    }
    MAPIUninitialize();
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        setenv("MAPIRT_MAILDIR_KILL_AT", "delivered", 1);
        if (MAPIInitialize(NULL) != S_OK)
            _exit(2);
        LPMAPISESSION s = logon_mail();
        LPMDB mdb = open_default_store(s);
        (void)mdb; /* open, as a client has it */
        flush(s);
        _exit(0); /* not reached */
    }
    int status = 0;
    waitpid(pid, &status, 0);
    cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "status 0x%x",
        (unsigned)status);
    cr_assert_eq(list_dir(g_in, "new", NULL, 0), 3, "every file still in new/");
    cr_assert_eq(MAPIInitialize(NULL), S_OK);
    LPMAPISESSION s = logon_no_mail();
    LPMDB mdb = open_default_store(s);
    cr_assert_eq(folder_count(mdb, INBOX), 1, "the first one was saved before the kill");
    end_session(s, mdb);

    s = logon_mail();
    mdb = open_default_store(s);
    flush(s);
    LPSRowSet rows = inbox_rows(mdb);
    cr_expect_eq(rows->cRows, 3, "each file once: %u messages", (unsigned)rows->cRows);
    int seen[3] = {0, 0, 0};
    for (ULONG i = 0; i < rows->cRows; i++) {
        const SPropValue *subj = row_col(&rows->aRow[i], PR_SUBJECT_A);
        cr_assert_not_null(subj);
        int k = subj->Value.lpszA[1] - '0';
        cr_assert(k >= 0 && k < 3, "%s", subj->Value.lpszA);
        seen[k]++;
    }
    FreeProws(rows);
    for (int k = 0; k < 3; k++)
        cr_expect_eq(seen[k], 1, "n%d delivered %d times", k, seen[k]);
    cr_expect_eq(list_dir(g_in, "new", NULL, 0), 0);
    cr_expect_eq(list_dir(g_in, "cur", NULL, 0), 3);
    end_session(s, mdb);
}

/* The store's side alone: a second new message with a delivery key the store has is refused
 * with MAPI_E_COLLISION and nothing of it is saved; other keys and messages without one are
 * unaffected. */
Test(spool_crash, store_refuses_a_known_delivery_key)
{
    static const WCHAR name[] = {'m', 'a', 'p', 'i', 'r', 't', ':', 'D', 'e', 'l', 'i', 'v',
        'e', 'r', 'y', 'K', 'e', 'y', 0};
    LPMAPISESSION s = logon_no_mail();
    LPMDB mdb = open_default_store(s);
    LPMAPIFOLDER inbox = store_folder(mdb, INBOX);
    MAPINAMEID id = {(LPGUID)&PS_PUBLIC_STRINGS, MNID_STRING, {.lpwstrName = (LPWSTR)name}};
    LPMAPINAMEID ids[1] = {&id};
    const char *keys[4] = {"maildir:a", "maildir:b", "maildir:a", NULL};
    HRESULT want[4] = {S_OK, S_OK, MAPI_E_COLLISION, S_OK};
    for (int i = 0; i < 4; i++) {
        LPMESSAGE m = NULL;
        cr_assert_eq(inbox->lpVtbl->CreateMessage(inbox, NULL, 0, &m), S_OK);
        LPSPropTagArray tags = NULL;
        cr_assert_eq(m->lpVtbl->GetIDsFromNames(m, 1, ids, MAPI_CREATE, &tags), S_OK);
        SPropValue v[2];
        memset(v, 0, sizeof v);
        v[0].ulPropTag = PR_SUBJECT_A;
        v[0].Value.lpszA = "keyed";
        v[1].ulPropTag = PROP_TAG(PT_STRING8, PROP_ID(tags->aulPropTag[0]));
        v[1].Value.lpszA = (LPSTR)keys[i];
        MAPIFreeBuffer(tags);
        cr_assert_eq(m->lpVtbl->SetProps(m, keys[i] ? 2 : 1, v, NULL), S_OK);
        cr_expect_eq(m->lpVtbl->SaveChanges(m, 0), want[i], "message %d", i);
        m->lpVtbl->Release(m);
    }
    inbox->lpVtbl->Release(inbox);
    cr_expect_eq(folder_count(mdb, INBOX), 3, "the refused one left nothing");
    end_session(s, mdb);
}
