/* tests/runtime/profile/test_seclock.c: OpenProfileSection's locking rule
 * (runtime/profile/seclock.c): many readers or one writer; MAPI_FORCE_ACCESS lifts it.
 * configure: also under ThreadSanitizer (tests/runtime/tsan stands in for Criterion). */
#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>

#include <mapicode.h>

#include "profile/seclock.h"

static MAPIUID uid_of(int b)
{
    MAPIUID u;
    memset(&u, b, sizeof u);
    return u;
}

Test(seclock, readers_or_one_writer)
{
    MAPIUID a = uid_of(1), b = uid_of(2);
    mapirt_seclock *r1, *r2, *w, *x;
    cr_assert_eq(mapirt_seclock_take("/s.db", 1, &a, 0, 0, &r1), S_OK);
    cr_assert_eq(mapirt_seclock_take("/s.db", 1, &a, 0, 0, &r2), S_OK, "readers share");
    cr_expect_eq(mapirt_seclock_take("/s.db", 1, &a, 1, 0, &w), MAPI_E_NO_ACCESS,
                 "a writer waits for no reader: it is refused");
    cr_assert_eq(mapirt_seclock_take("/s.db", 1, &b, 1, 0, &w), S_OK, "another section");
    cr_assert_eq(mapirt_seclock_take("/s.db", 2, &a, 1, 0, &x), S_OK, "another profile");
    mapirt_seclock_drop(x);
    cr_assert_eq(mapirt_seclock_take("/t.db", 1, &a, 1, 0, &x), S_OK, "another store");
    mapirt_seclock_drop(x);
    cr_expect_eq(mapirt_seclock_take("/s.db", 1, &b, 0, 0, &x), MAPI_E_NO_ACCESS,
                 "no reader while a writer holds it");
    cr_expect_eq(mapirt_seclock_take("/s.db", 1, &b, 1, 0, &x), MAPI_E_NO_ACCESS);
    cr_assert_eq(mapirt_seclock_take("/s.db", 1, &b, 1, 1, &x), S_OK, "MAPI_FORCE_ACCESS");
    mapirt_seclock_drop(x);
    mapirt_seclock_drop(w);
    cr_assert_eq(mapirt_seclock_take("/s.db", 1, &b, 0, 0, &x), S_OK, "free again");
    mapirt_seclock_drop(x);
    mapirt_seclock_drop(r1);
    cr_expect_eq(mapirt_seclock_take("/s.db", 1, &a, 1, 0, &w), MAPI_E_NO_ACCESS, "r2 remains");
    mapirt_seclock_drop(r2);
    cr_assert_eq(mapirt_seclock_take("/s.db", 1, &a, 1, 0, &w), S_OK);
    mapirt_seclock_drop(w);
    mapirt_seclock_drop(NULL);
}

static void *churn(void *p)
{
    MAPIUID u = uid_of(9);
    int *conflicts = p;
    for (int i = 0; i < 2000; i++) {
        mapirt_seclock *l;
        HRESULT hr = mapirt_seclock_take("/s.db", 7, &u, i % 3 == 0, 0, &l);
        if (hr == S_OK)
            mapirt_seclock_drop(l);
        else if (hr == MAPI_E_NO_ACCESS)
            (*conflicts)++;
    }
    return NULL;
}

Test(seclock, threads)
{
    pthread_t t[4];
    int conflicts[4] = {0};
    for (int i = 0; i < 4; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, churn, &conflicts[i]), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    MAPIUID u = uid_of(9);
    mapirt_seclock *l;
    cr_expect_eq(mapirt_seclock_take("/s.db", 7, &u, 1, 0, &l), S_OK, "every hold was dropped");
    mapirt_seclock_drop(l);
}
