/* tests/runtime/core/test_init.c: MAPIInitialize/MAPIUninitialize, ScInitMapiUtil/DeinitMapiUtil.
 * Criterion runs every test in its own process, so each starts uninitialised.
 * configure: also under ThreadSanitizer (tests/runtime/tsan stands in for Criterion). */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapiutil.h>
#include <mapix.h>

#include <mapirt/init.h>
#include <mapirt/notify.h>
#include <mapirt/testhooks.h>

#include "oom.h"

Test(init, null_argument_and_refcount)
{
    cr_expect_not(mapirt_is_initialized());
    cr_assert_eq(MAPIInitialize(NULL), S_OK);
    cr_expect(mapirt_is_initialized());
    cr_expect_not(mapirt_multithread_notifications(), "no dispatcher without the flag");
    cr_assert_eq(MAPIInitialize(NULL), S_OK, "nested calls succeed");
    MAPIUninitialize();
    cr_expect(mapirt_is_initialized(), "still one reference");
    MAPIUninitialize();
    cr_expect_not(mapirt_is_initialized());
    MAPIRT_LEAK_CHECK();
}

Test(init, unbalanced_uninitialize_is_harmless)
{
    MAPIUninitialize();
    MAPIUninitialize();
    cr_expect_not(mapirt_is_initialized());
    cr_assert_eq(MAPIInitialize(NULL), S_OK);
    cr_expect(mapirt_is_initialized(), "the count did not go negative");
    MAPIUninitialize();
    cr_expect_not(mapirt_is_initialized());
    MAPIRT_LEAK_CHECK();
}

Test(init, bad_version_and_flags)
{
    MAPIINIT_0 bad_version = {1, 0};
    MAPIINIT_0 unknown = {MAPI_INIT_VERSION, 0x00000002};
    MAPIINIT_0 reserved = {MAPI_INIT_VERSION, 0x40000000};
    MAPIINIT_0 both = {7, 0x80000000};
    MAPIINIT_0 known = {MAPI_INIT_VERSION, MAPI_NO_COINIT | MAPI_NT_SERVICE};

    cr_expect_eq(MAPIInitialize(&bad_version), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(MAPIInitialize(&unknown), MAPI_E_UNKNOWN_FLAGS);
    cr_expect_eq(MAPIInitialize(&reserved), MAPI_E_UNKNOWN_FLAGS);
    cr_expect_eq(MAPIInitialize(&both), MAPI_E_INVALID_PARAMETER, "parameters before flags");
    cr_expect_not(mapirt_is_initialized(), "failed calls do not count");
    cr_assert_eq(MAPIInitialize(&known), S_OK);
    cr_expect(mapirt_is_initialized());
    MAPIUninitialize();
    cr_expect_not(mapirt_is_initialized());
    MAPIRT_LEAK_CHECK();
}

Test(init, multithread_dispatcher_lifetime)
{
    MAPIINIT_0 mt = {MAPI_INIT_VERSION, MAPI_MULTITHREAD_NOTIFICATIONS};

    cr_assert_eq(MAPIInitialize(NULL), S_OK);
    cr_expect_not(mapirt_multithread_notifications());
    cr_assert_eq(MAPIInitialize(&mt), S_OK);
    cr_expect(mapirt_multithread_notifications(), "started by the first call asking for it");
    cr_assert_eq(MAPIInitialize(&mt), S_OK);
    MAPIUninitialize();
    MAPIUninitialize();
    cr_expect(mapirt_multithread_notifications(), "lives until the count reaches zero");
    MAPIUninitialize();
    cr_expect_not(mapirt_multithread_notifications());
    cr_expect_not(mapirt_is_initialized());
    /* And again, to check a stopped dispatcher can be replaced. */
    cr_assert_eq(MAPIInitialize(&mt), S_OK);
    cr_expect(mapirt_multithread_notifications());
    MAPIUninitialize();
    cr_expect_not(mapirt_multithread_notifications());
    MAPIRT_LEAK_CHECK();
}

Test(init, dispatcher_start_failure)
{
    MAPIINIT_0 mt = {MAPI_INIT_VERSION, MAPI_MULTITHREAD_NOTIFICATIONS};
    HRESULT hr;
    unsigned long n;

    for (n = 1;; n++) {
        mapirt_test_fail_alloc(n);
        hr = MAPIInitialize(&mt);
        /* The reference ties this code to the notification-engine step. */
        OOM_STEP(hr, n, MAPI_E_INVALID_OBJECT);
        cr_assert_not(mapirt_is_initialized(), "a failed call leaves the count unchanged");
        cr_assert_not(mapirt_multithread_notifications());
    }
    cr_expect_eq(n, 2);
    cr_expect(mapirt_multithread_notifications());
    MAPIUninitialize();
    MAPIRT_LEAK_CHECK();
}

static atomic_int g_stop;

static void *init_loop(void *arg)
{
    int mt = *(int *)arg;
    MAPIINIT_0 init = {MAPI_INIT_VERSION, mt ? MAPI_MULTITHREAD_NOTIFICATIONS : 0};
    int rounds = 0;

    while (!atomic_load(&g_stop) || rounds < 50) {
        cr_assert_eq(MAPIInitialize(&init), S_OK);
        cr_assert(mapirt_is_initialized());
        MAPIUninitialize();
        rounds++;
    }
    return NULL;
}

Test(init, refcount_from_several_threads)
{
    pthread_t t[6];
    int mt[6] = {0, 1, 0, 1, 0, 1};
    struct timespec d = {0, 150 * 1000 * 1000};

    cr_assert_eq(MAPIInitialize(NULL), S_OK);
    for (int i = 0; i < 6; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, init_loop, &mt[i]), 0);
    nanosleep(&d, NULL);
    atomic_store(&g_stop, 1);
    for (int i = 0; i < 6; i++)
        pthread_join(t[i], NULL);
    cr_expect(mapirt_is_initialized(), "the main thread's reference is intact");
    MAPIUninitialize();
    cr_expect_not(mapirt_is_initialized(), "every call was balanced");
    cr_expect_not(mapirt_multithread_notifications());
    MAPIRT_LEAK_CHECK();
}

/* The last MAPIUninitialize made from a callback running on the dispatcher thread itself. */
struct uninit_sink {
    atomic_int calls;
};

#include "uninit_sink_object.h"

static ULONG uninit_sink_OnNotify(struct uninit_sink *self, ULONG c, LPNOTIFICATION n)
{
    (void)c;
    (void)n;
    MAPIUninitialize();
    atomic_fetch_add(&self->calls, 1);
    return 0;
}

Test(init, last_uninitialize_from_dispatcher_callback)
{
    MAPIINIT_0 mt = {MAPI_INIT_VERSION, MAPI_MULTITHREAD_NOTIFICATIONS};
    struct uninit_sink *s = uninit_sink_static();
    mapirt_advise_list *l;
    ULONG_PTR conn;
    NOTIFICATION n;
    struct timespec d = {0, 1000 * 1000};

    atomic_init(&s->calls, 0);
    memset(&n, 0, sizeof(n));
    n.ulEventType = fnevCriticalError;
    cr_assert_eq(MAPIInitialize(&mt), S_OK);
    cr_assert_eq(mapirt_advise_list_create(&l), S_OK);
    cr_assert_eq(mapirt_advise_add(l, fnevCriticalError, uninit_sink_as_IMAPIAdviseSink(s), &conn), S_OK);
    cr_assert_eq(mapirt_advise_fire(l, 1, &n), S_OK);
    for (int i = 0; i < 2000 && atomic_load(&s->calls) == 0; i++)
        nanosleep(&d, NULL);
    cr_expect_eq(atomic_load(&s->calls), 1, "the callback ran and returned: no self-join");
    cr_expect_not(mapirt_is_initialized());
    cr_expect_not(mapirt_multithread_notifications());
    /* Synchronous again. */
    cr_assert_eq(MAPIInitialize(NULL), S_OK);
    cr_assert_eq(mapirt_advise_fire(l, 1, &n), S_OK);
    cr_expect_eq(atomic_load(&s->calls), 2, "delivered on this thread");
    mapirt_advise_list_destroy(l);
    nanosleep(&d, NULL); /* let the detached dispatcher finish exiting */
    MAPIRT_LEAK_CHECK();
}

Test(init, mapi_util)
{
    cr_expect_eq(ScInitMapiUtil(1), MAPI_E_UNKNOWN_FLAGS);
    cr_assert_eq(ScInitMapiUtil(0), S_OK);
    cr_assert_eq(ScInitMapiUtil(0), S_OK);
    cr_expect_not(mapirt_is_initialized(), "ScInitMapiUtil does not initialise sessions");
    DeinitMapiUtil();
    DeinitMapiUtil();
    DeinitMapiUtil(); /* unbalanced: harmless */
    cr_assert_eq(ScInitMapiUtil(0), S_OK);
    DeinitMapiUtil();
    MAPIRT_LEAK_CHECK();
}
