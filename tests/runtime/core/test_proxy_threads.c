/* tests/runtime/core/test_proxy_threads.c: proxies used from several threads at once: wrapping
 * one object (the identity map), QueryInterface (the faces), calls and releases, with the
 * proxy's last reference dropped while other threads wrap the object again.
 * configure: also under ThreadSanitizer (tests/runtime/tsan stands in for Criterion). */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>

#include <mapicode.h>
#include <mapix.h>

#include <mapirt/proxy.h>

#include "oom.h"

static atomic_int calls, destroyed;

struct thrprov {
    int unused;
};

#include "thrprov_object.h"

static void thrprov_destroy(struct thrprov *self)
{
    (void)self;
    atomic_fetch_add(&destroyed, 1);
}

static HRESULT thrprov_ValidateState(struct thrprov *self, ULONG_PTR ulUIParam, ULONG ulFlags)
{
    (void)self, (void)ulUIParam, (void)ulFlags;
    atomic_fetch_add(&calls, 1);
    return S_OK;
}

static HRESULT thrprov_GetMax(struct thrprov *self, ULONG *lpulMax)
{
    (void)self;
    atomic_fetch_add(&calls, 1);
    *lpulMax = 5;
    return S_OK;
}

enum { THREADS = 4, ROUNDS = 300 };

static struct thrprov *shared;
static LPUNKNOWN identity[THREADS][ROUNDS];

static void *worker(void *arg)
{
    int me = (int)(intptr_t)arg;
    for (int i = 0; i < ROUNDS; i++) {
        LPUNKNOWN out = NULL;
        IMAPIProgress *pg = NULL;
        ULONG max = 0;
        cr_assert_eq(mapirt_proxy_wrap(&IID_IMAPIStatus, (LPUNKNOWN)thrprov_as_IMAPIStatus(shared),
                                       MAPIRT_PROXY_VALIDATE, &out),
                     S_OK);
        IMAPIStatus *st = (IMAPIStatus *)out;
        cr_assert_eq(IMAPIStatus_ValidateState(st, 0, 0), S_OK);
        cr_assert_eq(IMAPIStatus_ValidateState(st, 0, 0x100), MAPI_E_UNKNOWN_FLAGS);
        cr_assert_eq(IMAPIStatus_QueryInterface(st, &IID_IMAPIProgress, (void **)&pg), S_OK);
        cr_assert_eq(IMAPIProgress_GetMax(pg, &max), S_OK);
        cr_assert_eq(max, 5);
        cr_assert_eq(IMAPIProgress_QueryInterface(pg, &IID_IUnknown, (void **)&identity[me][i]),
                     S_OK);
        IMAPIProgress_Release(pg);
        IMAPIStatus_Release(st);
        /* identity[me][i] keeps this proxy alive until the end only every other round: the
         * others are released now, so proxies die while other threads wrap the object. */
        if (i & 1) {
            IUnknown_Release(identity[me][i]);
            identity[me][i] = NULL;
        }
    }
    return NULL;
}

Test(proxy_threads, wrap_query_call_release)
{
    pthread_t t[THREADS];

    shared = thrprov_new();
    cr_assert_not_null(shared);
    for (int i = 0; i < THREADS; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i), 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    cr_expect_eq(atomic_load(&calls), THREADS * ROUNDS * 2);
    /* The proxies still held are one: every wrapping of the object found the live proxy. */
    LPUNKNOWN first = NULL;
    for (int i = 0; i < THREADS; i++)
        for (int r = 0; r < ROUNDS; r += 2) {
            if (first == NULL)
                first = identity[i][r];
            cr_expect_eq(identity[i][r], first);
        }
    for (int i = 0; i < THREADS; i++)
        for (int r = 0; r < ROUNDS; r += 2)
            IUnknown_Release(identity[i][r]);
    cr_expect_eq(thrprov_refs(shared), 1, "every proxy let go of the object");
    thrprov_release(shared);
    cr_expect_eq(atomic_load(&destroyed), 1);
    MAPIRT_LEAK_CHECK();
}
