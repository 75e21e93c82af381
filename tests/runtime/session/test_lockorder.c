/* tests/runtime/session/test_lockorder.c: the waits that used to close a circle
 * (docs/sessions.md, "Lock order"), each reproduced by two threads that meet exactly where the
 * circle closed, with a watchdog that fails the test instead of hanging it:
 *   - two threads, each inside a call of one session, each ending (Logoff) the other's session
 *     from a sink called in that call: each waited for the other to leave;
 *   - a table sink opening a store while another thread's first open of that store is in the
 *     provider's Logon: the sink ran under tbl_mu and waited for store_mu, the Logon held
 *     store_mu and waited for tbl_mu (its ModifyStatusRow);
 * and what an end requested from inside another session's call looks like meanwhile.
 * configure: also under ThreadSanitizer (tests/runtime/tsan stands in for Criterion). */
#define _GNU_SOURCE
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "sessend.h"

/* Fails the test (the whole test process: the stuck threads cannot be unwound) when the thread
 * has not ended within `seconds`. */
static void join_or_fail(pthread_t t, int seconds, const char *what)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += seconds;
    if (pthread_timedjoin_np(t, NULL, &until) != 0) {
        fprintf(stderr, "deadlock: %s has not returned after %d s\n", what, seconds);
        fflush(stderr);
        _exit(1);
    }
}

/* A session's message store table, advised with sink. */
static LPMAPITABLE advised_stores(LPMAPISESSION s, LPMAPIADVISESINK sink)
{
    LPMAPITABLE t = NULL;
    ULONG_PTR conn = 0;
    cr_assert_eq(s->lpVtbl->GetMsgStoresTable(s, 0, &t), S_OK);
    cr_assert_eq(t->lpVtbl->Advise(t, fnevTableModified, sink, &conn), S_OK);
    return t;
}

/* The store's entry ID, from the message store table (a copy: mapirt's heap, freed by caller). */
static SBinary store_entryid(LPMAPISESSION s)
{
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    cr_assert_eq(s->lpVtbl->GetMsgStoresTable(s, 0, &t), S_OK);
    cr_assert_eq(HrQueryAllRows(t, NULL, NULL, NULL, 0, &rows), S_OK);
    t->lpVtbl->Release(t);
    cr_assert_eq(rows->cRows, 1);
    const SPropValue *e = col(&rows->aRow[0], PR_ENTRYID);
    SBinary out = {e->Value.bin.cb, malloc(e->Value.bin.cb)};
    memcpy(out.lpb, e->Value.bin.lpb, out.cb);
    FreeProws(rows);
    return out;
}

/* ---- two threads each logging off the other's session from inside a call of their own ---- */

static pthread_barrier_t g_both_inside;

struct crossing {
    LPMAPISESSION mine, other;
    SBinary store;
    atomic_int told;
    HRESULT logoff_hr, call_hr;
};

/* A sink of `mine`'s store table, called inside mine->SetDefaultStore: once both threads are
 * inside their calls, logs the other session off. */
static LONG STDAPICALLTYPE log_other_off(LPVOID ctx, ULONG n, LPNOTIFICATION notif)
{
    (void)n, (void)notif;
    struct crossing *c = ctx;
    if (atomic_fetch_add(&c->told, 1) == 0) {
        pthread_barrier_wait(&g_both_inside);
        c->logoff_hr = c->other->lpVtbl->Logoff(c->other, 0, 0, 0);
    }
    return 0;
}

static void *change_own_table(void *arg)
{
    struct crossing *c = arg;
    c->call_hr = c->mine->lpVtbl->SetDefaultStore(c->mine, MAPI_SIMPLE_STORE_TEMPORARY,
                                                  c->store.cb, (LPENTRYID)c->store.lpb);
    return NULL;
}

Test(lockorder, two_threads_each_ending_the_others_session_from_inside_a_call)
{
    sess_setup();
    struct crossing a = {0}, b = {0};
    a.mine = b.other = logon("Work", MAPI_NEW_SESSION);
    b.mine = a.other = logon("Work", MAPI_NEW_SESSION);
    a.store = store_entryid(a.mine);
    b.store = store_entryid(b.mine);
    LPMAPIADVISESINK sa = NULL, sb = NULL;
    cr_assert_eq(HrAllocAdviseSink(log_other_off, &a, &sa), S_OK);
    cr_assert_eq(HrAllocAdviseSink(log_other_off, &b, &sb), S_OK);
    LPMAPITABLE ta = advised_stores(a.mine, sa), tb = advised_stores(b.mine, sb);
    pthread_barrier_init(&g_both_inside, NULL, 2);
    int before = ab_stats()->logoffs;

    pthread_t x, y;
    cr_assert_eq(pthread_create(&x, NULL, change_own_table, &a), 0);
    cr_assert_eq(pthread_create(&y, NULL, change_own_table, &b), 0);
    join_or_fail(x, 60, "the first thread's SetDefaultStore");
    join_or_fail(y, 60, "the second thread's SetDefaultStore");

    cr_expect_eq(a.call_hr, S_OK);
    cr_expect_eq(b.call_hr, S_OK);
    cr_expect_eq(a.logoff_hr, S_OK, "Logoff from inside the other session: 0x%08X",
                 (unsigned)a.logoff_hr);
    cr_expect_eq(b.logoff_hr, S_OK);
    /* both sessions ended for good once the calls they were inside had returned */
    cr_expect_eq(ab_stats()->logoffs, before + 2, "each session's address book logged off");
    LPMAPITABLE t = NULL;
    cr_expect_eq(a.mine->lpVtbl->GetStatusTable(a.mine, 0, &t), MAPI_E_END_OF_SESSION);
    cr_expect_eq(b.mine->lpVtbl->GetStatusTable(b.mine, 0, &t), MAPI_E_END_OF_SESSION);

    ta->lpVtbl->Release(ta);
    tb->lpVtbl->Release(tb);
    sa->lpVtbl->Release(sa);
    sb->lpVtbl->Release(sb);
    a.mine->lpVtbl->Release(a.mine);
    b.mine->lpVtbl->Release(b.mine);
    free(a.store.lpb);
    free(b.store.lpb);
    pthread_barrier_destroy(&g_both_inside);
    sess_teardown();
}

/* What the sink saw right after its Logoff of the other session returned. */
static HRESULT g_other_after;
static int g_logoffs_after;

static LONG STDAPICALLTYPE log_other_off_and_look(LPVOID ctx, ULONG n, LPNOTIFICATION notif)
{
    (void)n, (void)notif;
    struct crossing *c = ctx;
    if (atomic_fetch_add(&c->told, 1) == 0) {
        c->logoff_hr = c->other->lpVtbl->Logoff(c->other, 0, 0, 0);
        LPMAPITABLE t = NULL;
        g_other_after = c->other->lpVtbl->GetStatusTable(c->other, 0, &t);
        if (t)
            t->lpVtbl->Release(t);
        g_logoffs_after = ab_stats()->logoffs;
    }
    return 0;
}

Test(lockorder, an_end_from_inside_another_session_completes_when_the_call_returns)
{
    /* the other session answers MAPI_E_END_OF_SESSION as soon as Logoff returns; its providers
     * log off when the call the ender is inside returns */
    sess_setup();
    struct crossing a = {0};
    a.mine = logon("Work", MAPI_NEW_SESSION);
    a.other = logon("Work", MAPI_NEW_SESSION);
    a.store = store_entryid(a.mine);
    LPMAPIADVISESINK sa = NULL;
    cr_assert_eq(HrAllocAdviseSink(log_other_off_and_look, &a, &sa), S_OK);
    LPMAPITABLE ta = advised_stores(a.mine, sa);
    int before = ab_stats()->logoffs;
    change_own_table(&a);
    cr_expect_eq(a.call_hr, S_OK);
    cr_expect_eq(a.logoff_hr, S_OK);
    cr_expect_eq(g_other_after, MAPI_E_END_OF_SESSION, "ended for its callers at once");
    cr_expect_eq(g_logoffs_after, before, "its providers not yet logged off inside the call");
    cr_expect_eq(ab_stats()->logoffs, before + 1, "and logged off once the call returned");
    LPMAPITABLE t = NULL;
    cr_expect_eq(a.other->lpVtbl->GetStatusTable(a.other, 0, &t), MAPI_E_END_OF_SESSION);
    cr_expect_eq(a.mine->lpVtbl->GetStatusTable(a.mine, 0, &t), S_OK, "its own goes on");
    t->lpVtbl->Release(t);
    ta->lpVtbl->Release(ta);
    sa->lpVtbl->Release(sa);
    a.mine->lpVtbl->Logoff(a.mine, 0, 0, 0);
    a.mine->lpVtbl->Release(a.mine);
    a.other->lpVtbl->Release(a.other);
    free(a.store.lpb);
    sess_teardown();
}

/* ---- a table sink opening a store while the store's first open is in its Logon ---- */

static sem_t g_in_logon, g_in_sink;

static void logon_waits_for_the_sink(void)
{
    sem_post(&g_in_logon);
    sem_wait(&g_in_sink); /* the Logon goes on (ModifyStatusRow) once the sink runs */
}

struct opening {
    LPMAPISESSION s;
    SBinary store;
    atomic_int told;
    HRESULT hr;
    LPMDB mdb;
};

static LONG STDAPICALLTYPE open_the_store(LPVOID ctx, ULONG n, LPNOTIFICATION notif)
{
    (void)n, (void)notif;
    struct opening *o = ctx;
    if (atomic_fetch_add(&o->told, 1) == 0) {
        sem_post(&g_in_sink);
        o->hr = open_msgstore(o->s, 0, &o->mdb);
    }
    return 0;
}

static void *first_open(void *arg)
{
    struct opening *o = arg;
    o->hr = open_msgstore(o->s, 0, &o->mdb);
    return NULL;
}

static void *set_simple_store(void *arg)
{
    struct opening *o = arg;
    o->hr = o->s->lpVtbl->SetDefaultStore(o->s, MAPI_SIMPLE_STORE_TEMPORARY, o->store.cb,
                                          (LPENTRYID)o->store.lpb);
    return NULL;
}

Test(lockorder, a_table_sink_opens_a_store_while_its_logon_is_in_flight)
{
    sess_setup();
    void (*hook)(void (*)(void)) =
        (void (*)(void (*)(void)))provider_fn("acmems.so", "acmems_logon_hook");
    LPMAPISESSION s = logon("Work", MAPI_NEW_SESSION);
    struct opening opener = {.s = s}, changer = {.s = s}, sinker = {.s = s};
    changer.store = store_entryid(s);
    LPMAPIADVISESINK sink = NULL;
    cr_assert_eq(HrAllocAdviseSink(open_the_store, &sinker, &sink), S_OK);
    LPMAPITABLE t = advised_stores(s, sink);
    sem_init(&g_in_logon, 0, 0);
    sem_init(&g_in_sink, 0, 0);
    hook(logon_waits_for_the_sink);

    pthread_t x, y;
    cr_assert_eq(pthread_create(&x, NULL, first_open, &opener), 0);
    sem_wait(&g_in_logon); /* the first open holds the store lock, inside the provider */
    cr_assert_eq(pthread_create(&y, NULL, set_simple_store, &changer), 0);
    join_or_fail(y, 60, "SetDefaultStore whose table sink opens the store");
    join_or_fail(x, 60, "the store's first open");
    hook(NULL);

    cr_expect_eq(opener.hr, S_OK);
    cr_expect_eq(changer.hr, S_OK);
    cr_expect_eq(sinker.hr, S_OK, "the sink opened the store: 0x%08X", (unsigned)sinker.hr);
    cr_expect_eq(opener.mdb, sinker.mdb, "the same store");
    cr_expect_eq(ms_stats()->logons, 1, "logged on once");
    if (opener.mdb)
        opener.mdb->lpVtbl->Release(opener.mdb);
    if (sinker.mdb)
        sinker.mdb->lpVtbl->Release(sinker.mdb);
    t->lpVtbl->Release(t);
    sink->lpVtbl->Release(sink);
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
    free(changer.store.lpb);
    sem_destroy(&g_in_logon);
    sem_destroy(&g_in_sink);
    sess_teardown();
}
