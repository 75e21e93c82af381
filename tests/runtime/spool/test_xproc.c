/* tests/runtime/spool/test_xproc.c: two sessions in two processes on one SQLite store see each
 * other's changes with notifications in each (issue 12's quality bar): object events, new mail
 * and the contents table's events reach the other process's advise sinks and tables
 * (providers/msgstore/xproc.c). Real processes (fork), the real store provider (dlopen), one
 * store file.
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
#include <time.h>
#include <unistd.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapiguid.h>
#include <mapitags.h>
#include <mapiutil.h>
#include <mapix.h>

#include "../profile/storefixture.h"
#include "spoolfixture.h"

TestSuite(xproc, .init = spool_setup, .fini = spool_teardown, .timeout = 120);

/* What one process's sinks saw. */
struct seen {
    pthread_mutex_t mu;
    int created, modified, deleted, newmail, table;
    char newmail_class[64];
};

static struct seen g_seen = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, 0, 0, ""};

static LONG STDAPICALLTYPE on_store(LPVOID ctx, ULONG c, LPNOTIFICATION n)
{
    struct seen *k = ctx;
    pthread_mutex_lock(&k->mu);
    for (ULONG i = 0; i < c; i++) {
        k->created += n[i].ulEventType == fnevObjectCreated;
        k->modified += n[i].ulEventType == fnevObjectModified;
        k->deleted += n[i].ulEventType == fnevObjectDeleted;
        if (n[i].ulEventType == fnevNewMail) {
            k->newmail++;
            if (n[i].info.newmail.lpszMessageClass && !(n[i].info.newmail.ulFlags & MAPI_UNICODE))
                snprintf(k->newmail_class, sizeof k->newmail_class, "%s",
                    (const char *)n[i].info.newmail.lpszMessageClass);
        }
    }
    pthread_mutex_unlock(&k->mu);
    return 0;
}

static LONG STDAPICALLTYPE on_table(LPVOID ctx, ULONG c, LPNOTIFICATION n)
{
    struct seen *k = ctx;
    pthread_mutex_lock(&k->mu);
    for (ULONG i = 0; i < c; i++)
        k->table += n[i].ulEventType == fnevTableModified;
    pthread_mutex_unlock(&k->mu);
    return 0;
}

/* Waits up to 20 s (the machine may be loaded) until *field reaches want. */
static int wait_for(const int *field, int want)
{
    for (int i = 0; i < 2000; i++) {
        pthread_mutex_lock(&g_seen.mu);
        int v = *field;
        pthread_mutex_unlock(&g_seen.mu);
        if (v >= want)
            return 1;
        usleep(10000);
    }
    return 0;
}

struct side {
    LPMAPISESSION s;
    LPMDB mdb;
    LPMAPIFOLDER inbox;
    LPMAPITABLE contents;
    LPMAPIADVISESINK store_sink, table_sink;
    ULONG_PTR store_conn, table_conn;
};

static void side_open(struct side *p)
{
    HRESULT hr = MAPILogonEx(0, (LPTSTR) "Mail", NULL,
        MAPI_EXPLICIT_PROFILE | MAPI_NEW_SESSION | MAPI_NO_MAIL, &p->s);
    cr_assert(SUCCEEDED(hr), "MAPILogonEx: 0x%08X", (unsigned)hr);
    p->mdb = open_default_store(p->s);
    p->inbox = store_folder(p->mdb, INBOX);
    cr_assert_eq(p->inbox->lpVtbl->GetContentsTable(p->inbox, 0, &p->contents), S_OK);
    cr_assert_eq(HrAllocAdviseSink(on_store, &g_seen, &p->store_sink), S_OK);
    cr_assert_eq(HrAllocAdviseSink(on_table, &g_seen, &p->table_sink), S_OK);
    cr_assert_eq(p->mdb->lpVtbl->Advise(p->mdb, 0, NULL,
                     fnevObjectCreated | fnevObjectModified |
                         fnevObjectDeleted | fnevNewMail,
                     p->store_sink, &p->store_conn),
        S_OK);
    cr_assert_eq(p->contents->lpVtbl->Advise(p->contents, fnevTableModified, p->table_sink,
                     &p->table_conn),
        S_OK);
}

static void side_close(struct side *p)
{
    p->contents->lpVtbl->Unadvise(p->contents, p->table_conn);
    p->mdb->lpVtbl->Unadvise(p->mdb, p->store_conn);
    p->table_sink->lpVtbl->Release(p->table_sink);
    p->store_sink->lpVtbl->Release(p->store_sink);
    p->contents->lpVtbl->Release(p->contents);
    p->inbox->lpVtbl->Release(p->inbox);
    p->mdb->lpVtbl->Release(p->mdb);
    p->s->lpVtbl->Logoff(p->s, 0, 0, 0);
    p->s->lpVtbl->Release(p->s);
}

static ULONG rows_of(struct side *p)
{
    ULONG n = 0;
    cr_assert_eq(p->contents->lpVtbl->GetRowCount(p->contents, 0, &n), S_OK);
    return n;
}

/* A new message in the Inbox, saved; its entry ID into eid. */
static void save_message(struct side *p, const char *subject, SBinary *eid)
{
    LPMESSAGE m = NULL;
    cr_assert_eq(p->inbox->lpVtbl->CreateMessage(p->inbox, NULL, 0, &m), S_OK);
    SPropValue v[2];
    memset(v, 0, sizeof v);
    v[0].ulPropTag = PR_SUBJECT_A;
    v[0].Value.lpszA = (LPSTR)subject;
    v[1].ulPropTag = PR_MESSAGE_CLASS_A;
    v[1].Value.lpszA = "IPM.Note";
    cr_assert_eq(m->lpVtbl->SetProps(m, 2, v, NULL), S_OK);
    cr_assert_eq(m->lpVtbl->SaveChanges(m, KEEP_OPEN_READWRITE), S_OK);
    SizedSPropTagArray(1, t) = {1, {PR_ENTRYID}};
    ULONG c = 0;
    LPSPropValue e = NULL;
    cr_assert_eq(m->lpVtbl->GetProps(m, (LPSPropTagArray)&t, 0, &c, &e), S_OK);
    eid->cb = e[0].Value.bin.cb;
    eid->lpb = malloc(eid->cb);
    memcpy(eid->lpb, e[0].Value.bin.lpb, eid->cb);
    MAPIFreeBuffer(e);
    m->lpVtbl->Release(m);
}

static void expect_byte(int fd, char want)
{
    char c = 0;
    cr_assert_eq(read(fd, &c, 1), 1, "the other process went away");
    cr_assert_eq(c, want);
}

static void send_byte(int fd, char c)
{
    cr_assert_eq(write(fd, &c, 1), 1);
}

/* The child's side; its exit status is the first check that failed (0: all held). */
static int child(int in, int out)
{
    if (MAPIInitialize(NULL) != S_OK)
        return 10;
    struct side p;
    side_open(&p);
    send_byte(out, 'R');
    expect_byte(in, 'P'); /* the parent saved a message and announced it as new mail */
    if (!wait_for(&g_seen.created, 1))
        return 11;
    if (!wait_for(&g_seen.newmail, 1))
        return 12;
    if (!wait_for(&g_seen.table, 1))
        return 13;
    if (rows_of(&p) != 1)
        return 14;
    pthread_mutex_lock(&g_seen.mu);
    int class_ok = strcmp(g_seen.newmail_class, "IPM.Note") == 0;
    pthread_mutex_unlock(&g_seen.mu);
    if (!class_ok)
        return 15;
    SBinary eid;
    save_message(&p, "from the child", &eid);
    send_byte(out, 'C');
    expect_byte(in, 'D'); /* the parent deleted the child's message */
    if (!wait_for(&g_seen.deleted, 1))
        return 16;
    if (rows_of(&p) != 1)
        return 17;
    free(eid.lpb);
    side_close(&p);
    MAPIUninitialize();
    return 0;
}

Test(xproc, two_processes_see_each_others_changes_with_notifications)
{
    int down[2], up[2];
    cr_assert_eq(pipe(down), 0);
    cr_assert_eq(pipe(up), 0);
    MAPIUninitialize(); /* each process starts its own */
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        close(down[1]);
        close(up[0]);
        _exit(child(down[0], up[1]));
    }
    close(down[0]);
    close(up[1]);
    cr_assert_eq(MAPIInitialize(NULL), S_OK);
    struct side p;
    side_open(&p);
    expect_byte(up[0], 'R');

    SBinary mine;
    save_message(&p, "from the parent", &mine);
    NOTIFICATION n;
    memset(&n, 0, sizeof n);
    n.ulEventType = fnevNewMail;
    n.info.newmail.cbEntryID = mine.cb;
    n.info.newmail.lpEntryID = (LPENTRYID)mine.lpb;
    n.info.newmail.lpszMessageClass = (LPTSTR) "IPM.Note";
    cr_assert_eq(p.mdb->lpVtbl->NotifyNewMail(p.mdb, &n), S_OK);
    /* this process's own events arrive too (once: never again through the change log) */
    cr_assert(wait_for(&g_seen.created, 1));
    send_byte(down[1], 'P');

    char c = 0;
    if (read(up[0], &c, 1) != 1) {
        int status = 0;
        waitpid(pid, &status, 0);
        cr_assert_fail("the child did not see this process's changes (failed at check %d)",
            WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
    cr_assert_eq(c, 'C');
    cr_expect(wait_for(&g_seen.created, 2), "the child's new message, here");
    cr_expect(wait_for(&g_seen.table, 2), "the contents table heard of it");
    cr_expect_eq(rows_of(&p), 2);
    pthread_mutex_lock(&g_seen.mu);
    cr_expect_eq(g_seen.newmail, 1, "this process's new mail once, not echoed back");
    pthread_mutex_unlock(&g_seen.mu);

    /* delete the child's message: the child hears of it */
    LPSRowSet rows = NULL;
    SizedSPropTagArray(2, cols) = {2, {PR_ENTRYID, PR_SUBJECT_A}};
    cr_assert_eq(HrQueryAllRows(p.contents, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows), S_OK);
    ENTRYLIST el = {0, NULL};
    for (ULONG i = 0; i < rows->cRows; i++)
        if (rows->aRow[i].lpProps[1].ulPropTag == PR_SUBJECT_A &&
            strcmp(rows->aRow[i].lpProps[1].Value.lpszA, "from the child") == 0) {
            el.cValues = 1;
            el.lpbin = &rows->aRow[i].lpProps[0].Value.bin;
        }
    cr_assert_eq(el.cValues, 1, "the child's message is in this process's table");
    cr_assert_eq(p.inbox->lpVtbl->DeleteMessages(p.inbox, &el, 0, NULL, 0), S_OK);
    FreeProws(rows);
    send_byte(down[1], 'D');

    int status = 0;
    waitpid(pid, &status, 0);
    cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0,
        "the child saw every change (failed at check %d)",
        WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    free(mine.lpb);
    side_close(&p);
}
