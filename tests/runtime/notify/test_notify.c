/* tests/runtime/notify/test_notify.c: the notification engine (mapirt/notify.h), HrAllocAdviseSink,
 * HrThisThreadAdviseSink and HrDispatchNotifications.
 * configure: also under ThreadSanitizer (tests/runtime/tsan stands in for Criterion). */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapiguid.h>
#include <mapispi.h>
#include <mapiutil.h>
#include <mapix.h>

#include <mapirt/init.h>
#include <mapirt/notify.h>
#include <mapirt/testhooks.h>

#include "oom.h"

/* ---- a scriptable test sink ------------------------------------------------------ */

struct tsink;
typedef void (*tsink_hook)(struct tsink *s, ULONG c, LPNOTIFICATION n);

struct tsink {
    atomic_int calls;
    atomic_int notifs;
    atomic_int *freed; /* set to 1 when the last reference goes */
    ULONG events[64];
    int nevents;
    ULONG run_len[64];
    int nruns;
    pthread_t thread;
    int ref_in_call; /* reference count seen inside the last OnNotify */
    ULONG ret;
    tsink_hook hook;
    int quiet;
    /* hook parameters */
    mapirt_advise_list *list;
    ULONG_PTR conn;
    void *arg;
};

#include "tsink_object.h"

static void tsink_destroy(struct tsink *s)
{
    if (s->freed)
        atomic_store(s->freed, 1);
}

static ULONG tsink_OnNotify(struct tsink *s, ULONG c, LPNOTIFICATION n)
{
    atomic_fetch_add(&s->calls, 1);
    atomic_fetch_add(&s->notifs, (int)c);
    if (s->hook && s->quiet) {
        /* Called from several threads at once: touch only atomics. */
        s->hook(s, c, n);
        return s->ret;
    }
    s->thread = pthread_self();
    s->ref_in_call = (int)tsink_refs(s);
    if (s->nruns < 64)
        s->run_len[s->nruns++] = c;
    for (ULONG i = 0; i < c && s->nevents < 64; i++)
        s->events[s->nevents++] = n[i].ulEventType;
    if (s->hook)
        s->hook(s, c, n);
    return s->ret;
}

static struct tsink *sink_new(atomic_int *freed)
{
    struct tsink *s = tsink_new();
    cr_assert_not_null(s);
    s->freed = freed;
    if (freed)
        atomic_store(freed, 0);
    return s;
}

static LPMAPIADVISESINK S(struct tsink *s) { return tsink_as_IMAPIAdviseSink(s); }

static NOTIFICATION notif(ULONG type)
{
    NOTIFICATION n;
    memset(&n, 0, sizeof(n));
    n.ulEventType = type;
    if (type == fnevTableModified)
        n.info.tab.ulTableEvent = TABLE_CHANGED;
    if (type == fnevCriticalError)
        n.info.err.scode = MAPI_E_CALL_FAILED;
    return n;
}

/* ---- argument checks -------------------------------------------------------------- */

Test(notify, bad_arguments)
{
    mapirt_advise_list *l;
    struct tsink *s = sink_new(NULL);
    ULONG_PTR conn = 0;
    NOTIFICATION n = notif(fnevTableModified);
    ULONG fl = 123;
    BYTE key[2] = {1, 2};

    cr_expect_eq(mapirt_advise_list_create(NULL), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(mapirt_advise_list_create(&l), S_OK);
    cr_expect_eq(mapirt_advise_add(NULL, fnevTableModified, S(s), &conn), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(mapirt_advise_add(l, fnevTableModified, NULL, &conn), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(mapirt_advise_add(l, fnevTableModified, S(s), NULL), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(mapirt_advise_add(l, 0, S(s), &conn), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(mapirt_advise_add_key(l, 0, key, fnevNewMail, 0, S(s), &conn),
                 MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(mapirt_advise_add_key(l, 2, NULL, fnevNewMail, 0, S(s), &conn),
                 MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(mapirt_advise_add_key(l, 2, key, fnevNewMail, 1, S(s), &conn),
                 MAPI_E_UNKNOWN_FLAGS);
    cr_expect_eq(mapirt_advise_add_key(l, 2, key, 0, 0, S(s), &conn), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(conn, 0, "no connection handed out on failure");
    cr_expect_eq((int)tsink_refs(s), 1, "failed adds must not keep a reference");
    cr_expect_eq(mapirt_advise_remove(NULL, 1), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(mapirt_advise_remove(l, 0), MAPI_E_NOT_FOUND);
    cr_expect_eq(mapirt_advise_remove(l, 12345), MAPI_E_NOT_FOUND);
    cr_expect_eq(mapirt_advise_fire(NULL, 1, &n), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(mapirt_advise_fire(l, 0, &n), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(mapirt_advise_fire(l, 1, NULL), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(mapirt_advise_fire_key(l, 2, key, 1, &n, &fl), S_OK);
    cr_expect_eq(fl, 0, "output flags cleared");
    cr_expect_eq(mapirt_advise_fire_key(NULL, 2, key, 1, &n, NULL), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(mapirt_advise_fire_key(l, 0, key, 1, &n, NULL), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(mapirt_advise_fire_key(l, 2, NULL, 1, &n, NULL), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(mapirt_advise_fire_key(l, 2, key, 0, &n, NULL), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(mapirt_advise_fire_key(l, 2, key, 1, NULL, NULL), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(mapirt_advise_count(NULL), 0);
    mapirt_advise_list_destroy(l);
    mapirt_advise_list_destroy(NULL);
    tsink_release(s);
    MAPIRT_LEAK_CHECK();
}

/* ---- registration and delivery ---------------------------------------------------- */

Test(notify, add_remove_references_and_unique_connections)
{
    mapirt_advise_list *a, *b;
    atomic_int freed;
    struct tsink *s = sink_new(&freed);
    ULONG_PTR c1 = 0, c2 = 0, c3 = 0;

    cr_assert_eq(mapirt_advise_list_create(&a), S_OK);
    cr_assert_eq(mapirt_advise_list_create(&b), S_OK);
    cr_assert_eq(mapirt_advise_add(a, fnevTableModified, S(s), &c1), S_OK);
    cr_assert_eq(mapirt_advise_add(a, fnevTableModified, S(s), &c2), S_OK);
    cr_assert_eq(mapirt_advise_add(b, fnevTableModified, S(s), &c3), S_OK);
    cr_expect_neq(c1, 0);
    cr_expect_neq(c2, 0);
    cr_expect_neq(c1, c2);
    cr_expect_neq(c1, c3, "connections are unique across lists");
    cr_expect_neq(c2, c3);
    cr_expect_eq((int)tsink_refs(s), 4, "each registration holds one reference");
    cr_expect_eq(mapirt_advise_count(a), 2);
    cr_expect_eq(mapirt_advise_remove(b, c1), MAPI_E_NOT_FOUND, "connection of another list");
    cr_expect_eq(mapirt_advise_remove(a, c1), S_OK);
    cr_expect_eq(mapirt_advise_remove(a, c1), MAPI_E_NOT_FOUND, "already removed");
    cr_expect_eq((int)tsink_refs(s), 3);
    cr_expect_eq(mapirt_advise_count(a), 1);
    mapirt_advise_list_destroy(a);
    cr_expect_eq((int)tsink_refs(s), 2, "destroy releases the remaining sinks");
    tsink_release(s);
    cr_expect_eq(atomic_load(&freed), 0);
    mapirt_advise_list_destroy(b);
    cr_expect_eq(atomic_load(&freed), 1, "last reference gone with the last list");
    MAPIRT_LEAK_CHECK();
}

Test(notify, fire_filters_by_mask_and_batches_runs)
{
    mapirt_advise_list *l;
    struct tsink *tab = sink_new(NULL), *err = sink_new(NULL), *both = sink_new(NULL);
    ULONG_PTR c;
    NOTIFICATION n[4] = {notif(fnevTableModified), notif(fnevTableModified),
                         notif(fnevCriticalError), notif(fnevTableModified)};

    cr_assert_eq(mapirt_advise_list_create(&l), S_OK);
    cr_assert_eq(mapirt_advise_add(l, fnevTableModified, S(tab), &c), S_OK);
    cr_assert_eq(mapirt_advise_add(l, fnevCriticalError, S(err), &c), S_OK);
    cr_assert_eq(mapirt_advise_add(l, fnevCriticalError | fnevTableModified, S(both), &c), S_OK);
    cr_assert_eq(mapirt_advise_fire(l, 4, n), S_OK);

    cr_expect_eq(atomic_load(&tab->calls), 2, "two runs of table notifications");
    cr_expect_eq(tab->run_len[0], 2);
    cr_expect_eq(tab->run_len[1], 1);
    cr_expect_eq(atomic_load(&tab->notifs), 3);
    cr_expect_eq(atomic_load(&err->calls), 1);
    cr_expect_eq(err->events[0], fnevCriticalError);
    cr_expect_eq(atomic_load(&both->calls), 1, "everything matches: one call");
    cr_expect_eq(both->run_len[0], 4);
    cr_expect_eq(both->events[2], fnevCriticalError);
    cr_expect(pthread_equal(tab->thread, pthread_self()), "synchronous by default");

    NOTIFICATION other = notif(fnevNewMail);
    cr_assert_eq(mapirt_advise_fire(l, 1, &other), S_OK);
    cr_expect_eq(atomic_load(&tab->calls) + atomic_load(&err->calls) + atomic_load(&both->calls),
                 4, "no sink registered for fnevNewMail");
    mapirt_advise_list_destroy(l);
    tsink_release(tab);
    tsink_release(err);
    tsink_release(both);
    MAPIRT_LEAK_CHECK();
}

static void hook_unadvise_self(struct tsink *s, ULONG c, LPNOTIFICATION n)
{
    (void)c;
    (void)n;
    cr_expect_eq(mapirt_advise_remove(s->list, s->conn), S_OK);
    cr_expect_eq(mapirt_advise_remove(s->list, s->conn), MAPI_E_NOT_FOUND);
    /* The registration's reference must survive until this call returns. */
    cr_expect_eq((int)tsink_refs(s), 1);
}

Test(notify, unadvise_inside_own_callback)
{
    mapirt_advise_list *l;
    atomic_int freed;
    struct tsink *s = sink_new(&freed);
    NOTIFICATION n = notif(fnevTableModified);

    cr_assert_eq(mapirt_advise_list_create(&l), S_OK);
    cr_assert_eq(mapirt_advise_add(l, fnevTableModified, S(s), &s->conn), S_OK);
    tsink_release(s); /* the client drops its own reference right after Advise */
    s->list = l;
    s->hook = hook_unadvise_self;
    cr_assert_eq(mapirt_advise_fire(l, 1, &n), S_OK);
    cr_expect_eq(atomic_load(&freed), 1, "released once OnNotify returned");
    cr_expect_eq(mapirt_advise_count(l), 0);
    cr_assert_eq(mapirt_advise_fire(l, 1, &n), S_OK);
    mapirt_advise_list_destroy(l);
    MAPIRT_LEAK_CHECK();
}

static void hook_destroy_list(struct tsink *s, ULONG c, LPNOTIFICATION n)
{
    (void)c;
    (void)n;
    mapirt_advise_list_destroy(s->list);
    cr_expect_eq(atomic_load(s->freed), 0, "not released while its OnNotify runs");
    cr_expect_eq((int)tsink_refs(s), 1);
}

static void hook_release_client_ref(struct tsink *s, ULONG c, LPNOTIFICATION n)
{
    (void)c;
    (void)n;
    tsink_release(s); /* the client lets go of its sink from inside the callback */
    cr_expect_eq(atomic_load(s->freed), 0);
}

Test(notify, sink_released_during_delivery)
{
    mapirt_advise_list *l;
    atomic_int freed1, freed2, freed3;
    struct tsink *a = sink_new(&freed1), *b = sink_new(&freed2), *c = sink_new(&freed3);
    NOTIFICATION n = notif(fnevTableModified);
    ULONG_PTR conn;

    cr_assert_eq(mapirt_advise_list_create(&l), S_OK);
    /* Head insertion: c is called first, then b, then a. */
    cr_assert_eq(mapirt_advise_add(l, fnevTableModified, S(a), &conn), S_OK);
    cr_assert_eq(mapirt_advise_add(l, fnevTableModified, S(b), &conn), S_OK);
    cr_assert_eq(mapirt_advise_add(l, fnevTableModified, S(c), &conn), S_OK);
    c->hook = hook_release_client_ref;
    cr_assert_eq(mapirt_advise_fire(l, 1, &n), S_OK);
    cr_expect_eq(atomic_load(&freed3), 0, "the list still holds c");
    cr_expect_eq(atomic_load(&a->calls), 1);

    /* b destroys the whole list from inside its callback: a is not called any more. */
    tsink_release(b);
    tsink_release(a);
    b->list = l;
    b->hook = hook_destroy_list;
    c->hook = NULL;
    cr_assert_eq(mapirt_advise_fire(l, 1, &n), S_OK);
    cr_expect_eq(atomic_load(&freed1), 1, "a released by destroy");
    cr_expect_eq(atomic_load(&freed2), 1, "b released after its callback");
    cr_expect_eq(atomic_load(&freed3), 1, "c released by destroy");
    MAPIRT_LEAK_CHECK();
}

static void hook_advise_new(struct tsink *s, ULONG c, LPNOTIFICATION n)
{
    (void)c;
    (void)n;
    ULONG_PTR conn;
    struct tsink *fresh = s->arg;
    cr_expect_eq(mapirt_advise_add(s->list, fnevTableModified, S(fresh), &conn), S_OK);
}

Test(notify, sink_advised_during_delivery_waits_for_next_fire)
{
    mapirt_advise_list *l;
    struct tsink *s = sink_new(NULL), *fresh = sink_new(NULL);
    NOTIFICATION n = notif(fnevTableModified);

    cr_assert_eq(mapirt_advise_list_create(&l), S_OK);
    cr_assert_eq(mapirt_advise_add(l, fnevTableModified, S(s), &s->conn), S_OK);
    s->list = l;
    s->arg = fresh;
    s->hook = hook_advise_new;
    cr_assert_eq(mapirt_advise_fire(l, 1, &n), S_OK);
    cr_expect_eq(atomic_load(&fresh->calls), 0);
    s->hook = NULL;
    cr_assert_eq(mapirt_advise_fire(l, 1, &n), S_OK);
    cr_expect_eq(atomic_load(&fresh->calls), 1);
    mapirt_advise_list_destroy(l);
    tsink_release(s);
    tsink_release(fresh);
    MAPIRT_LEAK_CHECK();
}

/* ---- unadvise while another thread is inside OnNotify ------------------------------ */

struct gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int entered, release;
};

static void hook_wait_gate(struct tsink *s, ULONG c, LPNOTIFICATION n)
{
    (void)c;
    (void)n;
    struct gate *g = s->arg;
    pthread_mutex_lock(&g->mu);
    g->entered = 1;
    pthread_cond_broadcast(&g->cv);
    while (!g->release)
        pthread_cond_wait(&g->cv, &g->mu);
    pthread_mutex_unlock(&g->mu);
}

static void *fire_thread(void *arg)
{
    NOTIFICATION n = notif(fnevTableModified);
    cr_expect_eq(mapirt_advise_fire(arg, 1, &n), S_OK);
    return NULL;
}

Test(notify, unadvise_waits_for_running_callback_before_release)
{
    mapirt_advise_list *l;
    atomic_int freed;
    struct tsink *s = sink_new(&freed);
    struct gate g = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};
    pthread_t t;

    cr_assert_eq(mapirt_advise_list_create(&l), S_OK);
    cr_assert_eq(mapirt_advise_add(l, fnevTableModified, S(s), &s->conn), S_OK);
    tsink_release(s);
    s->arg = &g;
    s->hook = hook_wait_gate;
    cr_assert_eq(pthread_create(&t, NULL, fire_thread, l), 0);
    pthread_mutex_lock(&g.mu);
    while (!g.entered)
        pthread_cond_wait(&g.cv, &g.mu);
    pthread_mutex_unlock(&g.mu);

    cr_expect_eq(mapirt_advise_remove(l, s->conn), S_OK);
    cr_expect_eq(atomic_load(&freed), 0, "never released while OnNotify runs");
    cr_expect_eq(mapirt_advise_count(l), 0);

    pthread_mutex_lock(&g.mu);
    g.release = 1;
    pthread_cond_broadcast(&g.cv);
    pthread_mutex_unlock(&g.mu);
    pthread_join(t, NULL);
    cr_expect_eq(atomic_load(&freed), 1, "released when the callback returned");
    mapirt_advise_list_destroy(l);
    MAPIRT_LEAK_CHECK();
}

/* ---- keyed subscriptions ------------------------------------------------------------ */

Test(notify, keyed_subscriptions)
{
    mapirt_advise_list *l;
    struct tsink *ka = sink_new(NULL), *ka2 = sink_new(NULL), *kb = sink_new(NULL),
                 *plain = sink_new(NULL);
    BYTE keyA[3] = {1, 2, 3}, keyA_prefix[2] = {1, 2}, keyB[3] = {9, 9, 9};
    ULONG_PTR c;
    ULONG fl = 77;
    NOTIFICATION n = notif(fnevNewMail);

    cr_assert_eq(mapirt_advise_list_create(&l), S_OK);
    cr_assert_eq(mapirt_advise_add_key(l, 3, keyA, fnevNewMail, 0, S(ka), &c), S_OK);
    cr_assert_eq(mapirt_advise_add_key(l, 3, keyA, fnevNewMail, NOTIFY_SYNC, S(ka2), &c), S_OK);
    cr_assert_eq(mapirt_advise_add_key(l, 3, keyB, fnevNewMail, 0, S(kb), &c), S_OK);
    cr_assert_eq(mapirt_advise_add(l, fnevNewMail, S(plain), &c), S_OK);
    cr_expect_eq(mapirt_advise_count(l), 4);

    cr_assert_eq(mapirt_advise_fire_key(l, 3, keyA, 1, &n, &fl), S_OK);
    cr_expect_eq(fl, 0);
    cr_expect_eq(atomic_load(&ka->calls), 1);
    cr_expect_eq(atomic_load(&ka2->calls), 1);
    cr_expect_eq(atomic_load(&kb->calls), 0, "other key");
    cr_expect_eq(atomic_load(&plain->calls), 0, "plain registrations are not keyed");

    cr_assert_eq(mapirt_advise_fire_key(l, 2, keyA_prefix, 1, &n, NULL), S_OK);
    cr_expect_eq(atomic_load(&ka->calls), 1, "a prefix is another key");

    cr_assert_eq(mapirt_advise_fire(l, 1, &n), S_OK);
    cr_expect_eq(atomic_load(&plain->calls), 1);
    cr_expect_eq(atomic_load(&ka->calls), 1, "plain fire does not reach keyed ones");

    /* ka2 was added after ka, so it is called first; its cancel stops the delivery. */
    ka2->ret = CALLBACK_DISCONTINUE;
    cr_assert_eq(mapirt_advise_fire_key(l, 3, keyA, 1, &n, &fl), S_OK);
    cr_expect_eq(fl, NOTIFY_CANCELED);
    cr_expect_eq(atomic_load(&ka2->calls), 2);
    cr_expect_eq(atomic_load(&ka->calls), 1, "delivery stopped by CALLBACK_DISCONTINUE");
    mapirt_advise_list_destroy(l);
    tsink_release(ka);
    tsink_release(ka2);
    tsink_release(kb);
    tsink_release(plain);
    MAPIRT_LEAK_CHECK();
}

/* ---- out of memory ---------------------------------------------------------------------- */

Test(notify, oom_create_and_add)
{
    mapirt_advise_list *l = NULL;
    struct tsink *s = sink_new(NULL);
    ULONG_PTR c = 0;
    BYTE key[4] = {1, 2, 3, 4};
    unsigned long n;
    HRESULT hr;

    for (n = 1;; n++) {
        mapirt_test_fail_alloc(n);
        hr = mapirt_advise_list_create(&l);
        OOM_STEP(hr, n, MAPI_E_NOT_ENOUGH_MEMORY);
        cr_assert_null(l);
    }
    cr_expect_eq(n, 2, "one allocation in create");
    for (n = 1;; n++) {
        mapirt_test_fail_alloc(n);
        hr = mapirt_advise_add(l, fnevTableModified, S(s), &c);
        OOM_STEP(hr, n, MAPI_E_NOT_ENOUGH_MEMORY);
        cr_assert_eq((int)tsink_refs(s), 1);
        cr_assert_eq(mapirt_advise_count(l), 0);
    }
    cr_expect_eq(n, 2);
    for (n = 1;; n++) {
        mapirt_test_fail_alloc(n);
        hr = mapirt_advise_add_key(l, 4, key, fnevNewMail, 0, S(s), &c);
        OOM_STEP(hr, n, MAPI_E_NOT_ENOUGH_MEMORY);
    }
    cr_expect_eq(mapirt_advise_count(l), 2);
    /* Synchronous delivery allocates nothing. */
    NOTIFICATION nt = notif(fnevTableModified);
    mapirt_test_fail_alloc(1);
    cr_expect_eq(mapirt_advise_fire(l, 1, &nt), S_OK);
    cr_expect_eq(mapirt_test_fail_alloc_pending(), 1, "no allocation on the synchronous path");
    mapirt_test_fail_alloc(0);
    cr_expect_eq(atomic_load(&s->calls), 1);
    mapirt_advise_list_destroy(l);
    tsink_release(s);
    MAPIRT_LEAK_CHECK();
}

/* ---- multithreaded notifications ---------------------------------------------------------- */

static void init_mt(void)
{
    MAPIINIT_0 init = {MAPI_INIT_VERSION, MAPI_MULTITHREAD_NOTIFICATIONS};
    cr_assert_eq(MAPIInitialize(&init), S_OK);
    cr_assert(mapirt_multithread_notifications());
}

static void hook_check_copy(struct tsink *s, ULONG c, LPNOTIFICATION n)
{
    (void)s;
    cr_expect_eq(c, 1);
    cr_expect_eq(n[0].info.obj.cbEntryID, 5);
    cr_expect_eq(memcmp(n[0].info.obj.lpEntryID, "\x01\x02\x03\x04\x05", 5), 0,
                 "the queued copy is independent of the caller's memory");
}

Test(notify, multithread_queues_deep_copies_to_dispatcher)
{
    mapirt_advise_list *l;
    struct tsink *s = sink_new(NULL);
    ULONG_PTR c;

    init_mt();
    cr_assert_eq(mapirt_advise_list_create(&l), S_OK);
    cr_assert_eq(mapirt_advise_add(l, fnevObjectModified, S(s), &c), S_OK);
    s->hook = hook_check_copy;

    BYTE *eid = malloc(5);
    memcpy(eid, "\x01\x02\x03\x04\x05", 5);
    NOTIFICATION n = notif(fnevObjectModified);
    n.info.obj.cbEntryID = 5;
    n.info.obj.lpEntryID = (LPENTRYID)eid;
    n.info.obj.ulObjType = MAPI_MESSAGE;
    cr_assert_eq(mapirt_advise_fire(l, 1, &n), S_OK);
    memset(eid, 0xEE, 5);
    free(eid);

    cr_assert_eq(HrDispatchNotifications(0), S_OK, "waits for the dispatcher");
    cr_expect_eq(atomic_load(&s->calls), 1);
    cr_expect_not(pthread_equal(s->thread, pthread_self()), "delivered on the dispatcher");
    /* A queued job keeps the list alive after its owner destroyed it; the sink it held is
     * released by destroy, so the job finds nobody to deliver to. */
    NOTIFICATION again = notif(fnevObjectModified);
    s->hook = NULL;
    cr_assert_eq(mapirt_advise_fire(l, 1, &again), S_OK);
    mapirt_advise_list_destroy(l);
    cr_assert_eq(HrDispatchNotifications(0), S_OK);
    cr_expect_leq(atomic_load(&s->calls), 2);
    MAPIUninitialize();
    cr_expect_not(mapirt_multithread_notifications());
    tsink_release(s);
    MAPIRT_LEAK_CHECK();
}

Test(notify, multithread_keyed_sync_runs_on_caller)
{
    mapirt_advise_list *l;
    struct tsink *sync = sink_new(NULL), *async = sink_new(NULL);
    BYTE key[1] = {42};
    ULONG_PTR c;
    ULONG fl;
    NOTIFICATION n = notif(fnevObjectCreated);

    init_mt();
    cr_assert_eq(mapirt_advise_list_create(&l), S_OK);
    cr_assert_eq(mapirt_advise_add_key(l, 1, key, fnevObjectCreated, NOTIFY_SYNC, S(sync), &c),
                 S_OK);
    cr_assert_eq(mapirt_advise_add_key(l, 1, key, fnevObjectCreated, 0, S(async), &c), S_OK);
    cr_assert_eq(mapirt_advise_fire_key(l, 1, key, 1, &n, &fl), S_OK);
    cr_expect_eq(atomic_load(&sync->calls), 1, "NOTIFY_SYNC delivered before returning");
    cr_expect(pthread_equal(sync->thread, pthread_self()));
    cr_assert_eq(HrDispatchNotifications(0), S_OK);
    cr_expect_eq(atomic_load(&async->calls), 1);
    cr_expect_not(pthread_equal(async->thread, pthread_self()));

    sync->ret = CALLBACK_DISCONTINUE;
    cr_assert_eq(mapirt_advise_fire_key(l, 1, key, 1, &n, &fl), S_OK);
    cr_expect_eq(fl, NOTIFY_CANCELED);
    cr_assert_eq(HrDispatchNotifications(0), S_OK);
    cr_expect_eq(atomic_load(&async->calls), 1, "cancel also stops the queued part");
    mapirt_advise_list_destroy(l);
    MAPIUninitialize();
    tsink_release(sync);
    tsink_release(async);
    MAPIRT_LEAK_CHECK();
}

Test(notify, multithread_fire_oom)
{
    mapirt_advise_list *l;
    struct tsink *s = sink_new(NULL);
    ULONG_PTR c;
    NOTIFICATION n = notif(fnevCriticalError);
    unsigned long k;
    HRESULT hr;

    init_mt();
    cr_assert_eq(mapirt_advise_list_create(&l), S_OK);
    cr_assert_eq(mapirt_advise_add(l, fnevCriticalError, S(s), &c), S_OK);
    for (k = 1;; k++) {
        mapirt_test_fail_alloc(k);
        hr = mapirt_advise_fire(l, 1, &n);
        OOM_STEP(hr, k, MAPI_E_NOT_ENOUGH_MEMORY);
    }
    cr_expect_eq(k, 3, "job and notification copy");
    cr_assert_eq(HrDispatchNotifications(0), S_OK);
    cr_expect_eq(atomic_load(&s->calls), 1, "failed fires deliver nothing");
    mapirt_advise_list_destroy(l);
    MAPIUninitialize();
    tsink_release(s);
    MAPIRT_LEAK_CHECK();
}

/* ---- stress: advise, unadvise and fire from several threads ------------------------------- */

struct stress {
    mapirt_advise_list *list;
    atomic_int stop;
    atomic_long delivered;
    atomic_int freed_sinks;
    atomic_int created_sinks;
};

static void hook_count(struct tsink *s, ULONG c, LPNOTIFICATION n)
{
    (void)n;
    struct stress *st = s->arg;
    atomic_fetch_add(&st->delivered, (long)c);
}

static void *stress_advisor(void *arg)
{
    struct stress *st = arg;
    unsigned seed = (unsigned)(uintptr_t)&seed;
    while (!atomic_load(&st->stop)) {
        struct tsink *s = sink_new(NULL);
        s->arg = st;
        s->hook = hook_count;
        s->quiet = 1;
        atomic_fetch_add(&st->created_sinks, 1);
        ULONG_PTR c;
        cr_assert_eq(mapirt_advise_add(st->list, fnevTableModified, S(s), &c), S_OK);
        tsink_release(s);
        NOTIFICATION n = notif(fnevTableModified);
        cr_assert_eq(mapirt_advise_fire(st->list, 1, &n), S_OK);
        if (rand_r(&seed) % 4 == 0)
            sched_yield();
        cr_assert_eq(mapirt_advise_remove(st->list, c), S_OK);
    }
    return NULL;
}

static void *stress_firer(void *arg)
{
    struct stress *st = arg;
    NOTIFICATION n[2] = {notif(fnevTableModified), notif(fnevTableModified)};
    /* Capped so that the dispatcher's queue stays small in multithreaded mode. */
    for (int i = 0; i < 20000 && !atomic_load(&st->stop); i++)
        cr_assert_eq(mapirt_advise_fire(st->list, 2, n), S_OK);
    return NULL;
}

static void run_stress(void)
{
    struct stress st;
    pthread_t t[6];
    struct timespec d = {0, 300 * 1000 * 1000};

    memset(&st, 0, sizeof(st));
    cr_assert_eq(mapirt_advise_list_create(&st.list), S_OK);
    for (int i = 0; i < 6; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, i < 4 ? stress_advisor : stress_firer, &st), 0);
    nanosleep(&d, NULL);
    atomic_store(&st.stop, 1);
    for (int i = 0; i < 6; i++)
        pthread_join(t[i], NULL);
    cr_expect_eq(mapirt_advise_count(st.list), 0, "every registration removed");
    cr_expect_gt(atomic_load(&st.created_sinks), 10);
    if (mapirt_multithread_notifications())
        cr_assert_eq(HrDispatchNotifications(0), S_OK);
    mapirt_advise_list_destroy(st.list);
    cr_expect_gt(atomic_load(&st.delivered), 0);
    /* LeakSanitizer checks at exit that every sink was freed. */
}

Test(notify, stress_synchronous)
{
    run_stress();
    MAPIRT_LEAK_CHECK();
}

Test(notify, stress_multithread)
{
    init_mt();
    run_stress();
    MAPIUninitialize();
    MAPIRT_LEAK_CHECK();
}

/* ---- HrAllocAdviseSink ---------------------------------------------------------------------- */

struct cb_ctx {
    int calls;
    ULONG last_count;
    ULONG last_event;
    LONG ret;
};

static LONG test_callback(LPVOID ctx, ULONG c, LPNOTIFICATION n)
{
    struct cb_ctx *x = ctx;
    x->calls++;
    x->last_count = c;
    x->last_event = n[0].ulEventType;
    return x->ret;
}

Test(advisesink, alloc_advise_sink)
{
    LPMAPIADVISESINK s = (LPMAPIADVISESINK)1, q = NULL;
    struct cb_ctx ctx = {0, 0, 0, 0};
    NOTIFICATION n[2] = {notif(fnevNewMail), notif(fnevNewMail)};

    cr_expect_eq(HrAllocAdviseSink(test_callback, &ctx, NULL), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(HrAllocAdviseSink(NULL, &ctx, &s), MAPI_E_INVALID_PARAMETER);
    cr_expect_null(s, "out pointer cleared on failure");
    cr_assert_eq(HrAllocAdviseSink(test_callback, &ctx, &s), S_OK);
    cr_assert_not_null(s);
    cr_expect_eq(s->lpVtbl->OnNotify(s, 2, n), 0);
    cr_expect_eq(ctx.calls, 1);
    cr_expect_eq(ctx.last_count, 2);
    cr_expect_eq(ctx.last_event, fnevNewMail);
    ctx.ret = (LONG)CALLBACK_DISCONTINUE;
    cr_expect_eq(s->lpVtbl->OnNotify(s, 1, n), CALLBACK_DISCONTINUE, "result passed through");

    cr_assert_eq(s->lpVtbl->QueryInterface(s, &IID_IMAPIAdviseSink, (void **)&q), S_OK);
    cr_expect_eq(q, s);
    cr_expect_eq(q->lpVtbl->Release(q), 1);
    cr_assert_eq(s->lpVtbl->QueryInterface(s, &IID_IUnknown, (void **)&q), S_OK);
    cr_expect_eq(q->lpVtbl->Release(q), 1);
    cr_expect_eq(s->lpVtbl->QueryInterface(s, &IID_IMAPITable, (void **)&q),
                 MAPI_E_INTERFACE_NOT_SUPPORTED);
    cr_expect_eq(s->lpVtbl->AddRef(s), 2);
    cr_expect_eq(s->lpVtbl->Release(s), 1);
    cr_expect_eq(s->lpVtbl->Release(s), 0);
    MAPIRT_LEAK_CHECK();
}

Test(advisesink, alloc_advise_sink_oom)
{
    LPMAPIADVISESINK s = NULL;
    struct cb_ctx ctx = {0, 0, 0, 0};
    unsigned long n;
    HRESULT hr;

    for (n = 1;; n++) {
        mapirt_test_fail_alloc(n);
        hr = HrAllocAdviseSink(test_callback, &ctx, &s);
        OOM_STEP(hr, n, MAPI_E_NOT_ENOUGH_MEMORY);
        cr_assert_null(s);
    }
    cr_expect_eq(n, 2);
    s->lpVtbl->Release(s);
    MAPIRT_LEAK_CHECK();
}

/* ---- HrThisThreadAdviseSink, HrDispatchNotifications ---------------------------------------- */

Test(advisesink, dispatch_arguments)
{
    LPMAPIADVISESINK w = (LPMAPIADVISESINK)1;
    struct tsink *s = sink_new(NULL);

    cr_expect_eq(HrDispatchNotifications(0), MAPI_E_NOT_INITIALIZED);
    cr_assert_eq(MAPIInitialize(NULL), S_OK);
    cr_expect_eq(HrDispatchNotifications(1), MAPI_E_UNKNOWN_FLAGS);
    cr_expect_eq(HrDispatchNotifications(0), S_OK, "nothing queued");
    cr_expect_eq(HrThisThreadAdviseSink(S(s), NULL), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(HrThisThreadAdviseSink(NULL, &w), MAPI_E_INVALID_PARAMETER);
    cr_expect_null(w);
    MAPIUninitialize();
    tsink_release(s);
    MAPIRT_LEAK_CHECK();
}

struct notify_from {
    LPMAPIADVISESINK sink;
    ULONG event;
};

static void *notify_other_thread(void *arg)
{
    struct notify_from *x = arg;
    NOTIFICATION n = notif(x->event);
    cr_expect_eq(x->sink->lpVtbl->OnNotify(x->sink, 1, &n), 0);
    return NULL;
}

Test(advisesink, this_thread_sink_queues_other_threads)
{
    struct tsink *s = sink_new(NULL);
    atomic_int freed;
    LPMAPIADVISESINK w = NULL;
    pthread_t t;

    s->freed = &freed;
    atomic_store(&freed, 0);
    cr_assert_eq(MAPIInitialize(NULL), S_OK);
    cr_assert_eq(HrThisThreadAdviseSink(S(s), &w), S_OK);
    cr_expect_eq((int)tsink_refs(s), 2, "the wrapper holds the inner sink");

    NOTIFICATION here = notif(fnevNewMail);
    cr_expect_eq(w->lpVtbl->OnNotify(w, 1, &here), 0);
    cr_expect_eq(atomic_load(&s->calls), 1, "own thread: delivered at once");

    struct notify_from a = {w, fnevObjectCreated}, b = {w, fnevObjectDeleted};
    cr_assert_eq(pthread_create(&t, NULL, notify_other_thread, &a), 0);
    pthread_join(t, NULL);
    cr_assert_eq(pthread_create(&t, NULL, notify_other_thread, &b), 0);
    pthread_join(t, NULL);
    cr_expect_eq(atomic_load(&s->calls), 1, "queued, not delivered on the other thread");

    /* While older notifications wait, one from this thread queues behind them. */
    cr_expect_eq(w->lpVtbl->OnNotify(w, 1, &here), 0);
    cr_expect_eq(atomic_load(&s->calls), 1);

    w->lpVtbl->Release(w); /* the queued jobs keep the wrapper alive */
    cr_expect_eq(atomic_load(&freed), 0);
    cr_assert_eq(HrDispatchNotifications(0), S_OK);
    cr_expect_eq(atomic_load(&s->calls), 4);
    cr_expect(pthread_equal(s->thread, pthread_self()));
    cr_expect_eq(s->events[1], fnevObjectCreated);
    cr_expect_eq(s->events[2], fnevObjectDeleted);
    cr_expect_eq(s->events[3], fnevNewMail, "order kept");
    cr_expect_eq((int)tsink_refs(s), 1, "wrapper gone with its last job");
    MAPIUninitialize();
    tsink_release(s);
    cr_expect_eq(atomic_load(&freed), 1);
    MAPIRT_LEAK_CHECK();
}

static void *wrap_and_exit(void *arg)
{
    LPMAPIADVISESINK *out = arg;
    struct tsink *s = *(struct tsink **)out;
    cr_assert_eq(HrThisThreadAdviseSink(S(s), out), S_OK);
    return NULL;
}

Test(advisesink, this_thread_sink_after_owner_exit)
{
    struct tsink *s = sink_new(NULL);
    void *slot = s;
    pthread_t t;

    cr_assert_eq(pthread_create(&t, NULL, wrap_and_exit, &slot), 0);
    pthread_join(t, NULL);
    LPMAPIADVISESINK w = slot;
    NOTIFICATION n = notif(fnevNewMail);
    cr_expect_eq(w->lpVtbl->OnNotify(w, 1, &n), 0);
    cr_expect_eq(atomic_load(&s->calls), 0, "the owner is gone: dropped");
    cr_expect_eq(w->lpVtbl->Release(w), 0);
    cr_expect_eq((int)tsink_refs(s), 1);
    tsink_release(s);
    MAPIRT_LEAK_CHECK();
}

Test(advisesink, this_thread_sink_oom)
{
    struct tsink *s = sink_new(NULL);
    LPMAPIADVISESINK w = NULL;
    unsigned long n;
    HRESULT hr;

    for (n = 1;; n++) {
        mapirt_test_fail_alloc(n);
        hr = HrThisThreadAdviseSink(S(s), &w);
        OOM_STEP(hr, n, MAPI_E_NOT_ENOUGH_MEMORY);
        cr_assert_null(w);
        cr_assert_eq((int)tsink_refs(s), 1);
    }
    cr_expect_eq(n, 3, "wrapper and this thread's queue");

    /* A notification from another thread that cannot be queued is dropped, not crashed on. */
    cr_assert_eq(MAPIInitialize(NULL), S_OK);
    struct notify_from a = {w, fnevNewMail};
    pthread_t t;
    for (n = 1; n <= 2; n++) {
        mapirt_test_fail_alloc(n);
        cr_assert_eq(pthread_create(&t, NULL, notify_other_thread, &a), 0);
        pthread_join(t, NULL);
        mapirt_test_fail_alloc(0);
    }
    cr_assert_eq(HrDispatchNotifications(0), S_OK);
    cr_expect_eq(atomic_load(&s->calls), 0);
    w->lpVtbl->Release(w);
    MAPIUninitialize();
    tsink_release(s);
    MAPIRT_LEAK_CHECK();
}
