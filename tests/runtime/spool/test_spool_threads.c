/* tests/runtime/spool/test_spool_threads.c: the spooler under threads. Client threads submit
 * messages on one session while its spooler thread sends them and delivers incoming files that
 * another thread keeps dropping into the Maildir, a third thread runs FlushQueues and reads the
 * status table. Every message must be sent once, every file delivered once, nothing left in the
 * queue, and ThreadSanitizer must see no race in the runtime (the spooler, the session, the
 * notifications). The providers are the bundled ones, loaded with dlopen; their own code is not
 * instrumented (they are built as a third party builds them), their pthread calls are.
 * configure: link -rdynamic -ldl
 * configure: pkg gmime-3.0
 * configure: also under ThreadSanitizer (tests/runtime/tsan stands in for Criterion). */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <gmime/gmime.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapiguid.h>
#include <mapitags.h>
#include <mapiutil.h>
#include <mapix.h>

#include "../profile/storefixture.h"
#include "spoolfixture.h"

#define SENDERS 3
#define PER_SENDER 6
#define INCOMING 12

static LPMAPISESSION g_s;
static atomic_int g_done;

static void *sender(void *arg)
{
    int who = (int)(intptr_t)arg;
    LPMDB mdb = open_default_store(g_s);
    for (int i = 0; i < PER_SENDER; i++) {
        char subject[64];
        snprintf(subject, sizeof subject, "from %d number %d", who, i);
        LPMESSAGE m = new_outgoing(mdb, subject, "body\n");
        add_recipient(m, "Ada Lovelace", "ada@example.org", "SMTP", MAPI_TO);
        cr_assert_eq(m->lpVtbl->SubmitMessage(m, 0), S_OK);
        m->lpVtbl->Release(m);
    }
    mdb->lpVtbl->Release(mdb);
    return NULL;
}

static void *dropper(void *arg)
{
    (void)arg;
    for (int i = 0; i < INCOMING; i++) {
        char name[32], text[256];
        snprintf(name, sizeof name, "%d.t%02d", 1700000000 + i, i);
        snprintf(text, sizeof text, "From: b@example.org\nTo: me@example.net\nSubject: in%02d\n"
                                    "Date: Tue, 01 Dec 2026 10:00:00 +0100\n\nbody\n", i);
        drop_incoming(name, text);
        usleep(2000);
    }
    return NULL;
}

static void *flusher(void *arg)
{
    (void)arg;
    while (!atomic_load(&g_done)) {
        flush(g_s);
        FreeProws(status_rows(g_s));
    }
    return NULL;
}

Test(spool_threads, submit_send_and_deliver_at_once)
{
    spool_setup();
    setenv("MAPIRT_SPOOL_POLL_MS", "10", 1); /* passes all the time, besides the flushes */
    g_s = logon_mail();
    pthread_t th[SENDERS + 2];
    for (int i = 0; i < SENDERS; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, sender, (void *)(intptr_t)i), 0);
    cr_assert_eq(pthread_create(&th[SENDERS], NULL, dropper, NULL), 0);
    cr_assert_eq(pthread_create(&th[SENDERS + 1], NULL, flusher, NULL), 0);
    for (int i = 0; i < SENDERS + 1; i++)
        pthread_join(th[i], NULL);
    atomic_store(&g_done, 1);
    pthread_join(th[SENDERS + 1], NULL);

    /* whatever the passes left: a few more, until nothing waits */
    LPMDB mdb = open_default_store(g_s);
    for (int i = 0; i < 20 && (queue_count(mdb) || list_dir(g_in, "new", NULL, 0)); i++)
        flush(g_s);
    cr_expect_eq(queue_count(mdb), 0, "the queue is empty");
    cr_expect_eq(list_dir(g_out, "new", NULL, 0), SENDERS * PER_SENDER, "each message sent once");
    cr_expect_eq(folder_count(mdb, PR_IPM_SENTMAIL_ENTRYID), SENDERS * PER_SENDER);
    cr_expect_eq(folder_count(mdb, PR_IPM_OUTBOX_ENTRYID), 0);
    cr_expect_eq(list_dir(g_in, "new", NULL, 0), 0);
    cr_expect_eq(folder_count(mdb, INBOX), INCOMING, "each file delivered once");
    mdb->lpVtbl->Release(mdb);
    g_s->lpVtbl->Logoff(g_s, 0, 0, 0);
    g_s->lpVtbl->Release(g_s);
    spool_teardown();
}
