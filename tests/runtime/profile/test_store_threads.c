/* tests/runtime/profile/test_store_threads.c: one profile store handle shared by threads, and
 * a second handle on the same file, all changing and reading sections at once: every change is
 * kept and every read sees whole values.
 * configure: also under ThreadSanitizer (tests/runtime/tsan stands in for Criterion). */
#define _DEFAULT_SOURCE
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mapicode.h>
#include <mapix.h>

#include "profile/store.h"

#define THREADS 4
#define ROUNDS 150

struct worker {
    mapirt_profstore *ps;
    mapirt_profile_id id;
    int who;
    int failures;
};

static void *work(void *p)
{
    struct worker *w = p;
    MAPIUID u;
    memset(&u, w->who, sizeof u);
    for (int k = 0; k < ROUNDS; k++) {
        SPropValue v[2];
        memset(v, 0, sizeof v);
        v[0].ulPropTag = PROP_TAG(PT_LONG, 0x6600 + k % 8);
        v[0].Value.l = k;
        v[1].ulPropTag = PROP_TAG(PT_STRING8, 0x6700);
        v[1].Value.lpszA = "value";
        if (mapirt_profstore_set_props(w->ps, w->id, &u, 2, v, NULL, 0) != S_OK)
            w->failures++;
        ULONG n;
        LPSPropValue out;
        if (mapirt_profstore_get_props(w->ps, w->id, &u, &n, &out, NULL, 0) != S_OK)
            w->failures++;
        else {
            for (ULONG i = 0; i < n; i++)
                if (out[i].ulPropTag == PROP_TAG(PT_STRING8, 0x6700) &&
                    strcmp(out[i].Value.lpszA, "value") != 0)
                    w->failures++;
            MAPIFreeBuffer(out);
        }
    }
    return NULL;
}

Test(store_threads, threads_share_a_handle)
{
    char dir[] = "/tmp/mapirt-threads-XXXXXX", db[64];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(db, sizeof db, "%s/profiles.db", dir);
    mapirt_profstore *a = NULL, *b = NULL;
    char err[256];
    cr_assert_eq(mapirt_profstore_open(db, &a, err, sizeof err), S_OK, "%s", err);
    cr_assert_eq(mapirt_profstore_open(db, &b, err, sizeof err), S_OK, "%s", err);
    mapirt_profile_id id;
    cr_assert_eq(mapirt_profstore_create_profile(a, "Threads", 0, &id, err, sizeof err), S_OK);
    pthread_t t[THREADS];
    struct worker w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (struct worker){i % 2 ? b : a, id, i + 1, 0};
        cr_assert_eq(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        cr_expect_eq(w[i].failures, 0, "thread %d", i);
    }
    for (int i = 0; i < THREADS; i++) {
        MAPIUID u;
        memset(&u, i + 1, sizeof u);
        ULONG n;
        LPSPropValue out;
        cr_assert_eq(mapirt_profstore_get_props(a, id, &u, &n, &out, NULL, 0), S_OK);
        cr_expect_eq(n, 9, "section of thread %d", i);
        MAPIFreeBuffer(out);
    }
    mapirt_profstore_release(a);
    mapirt_profstore_release(b);
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
}
