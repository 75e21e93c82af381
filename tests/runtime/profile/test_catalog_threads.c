/* tests/runtime/profile/test_catalog_threads.c: loading the kept catalog from several threads
 * while another installs and removes a fragment (runtime/profile/catalog_cache.c): every load
 * gives a whole catalog of one of the two states, and catalogs handed out stay valid after
 * the kept one is replaced.
 * configure: also under ThreadSanitizer (tests/runtime/tsan stands in for Criterion). */
#define _DEFAULT_SOURCE
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mapicode.h>

#include "profile/catalog.h"

static char g_dir[64];

static void put(const char *name, const char *text)
{
    char path[128], tmp[140];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp", g_dir, name);
    FILE *f = fopen(tmp, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
    cr_assert_eq(rename(tmp, path), 0);
}

static const char A[] = "[Services]\nA=a\n[A]\nProviders=AP\n[AP]\nPR_PROVIDER_DLL_NAME=a.so\n"
                        "PR_RESOURCE_TYPE=MAPI_AB_PROVIDER\n";
static const char B[] = "[Services]\nB=b\n[B]\nProviders=BP\n[BP]\nPR_PROVIDER_DLL_NAME=b.so\n"
                        "PR_RESOURCE_TYPE=MAPI_STORE_PROVIDER\n";

static void *reader(void *p)
{
    int *bad = p;
    for (int i = 0; i < 300; i++) {
        mapirt_catalog *cat = NULL;
        char err[512];
        HRESULT hr = mapirt_catalog_load(&cat, err, sizeof err);
        /* a fragment renamed away between listing and reading is "not found": retry */
        if (hr == MAPI_E_NOT_FOUND)
            continue;
        if (hr != S_OK || (cat->cServices != 1 && cat->cServices != 2) ||
            strcmp(cat->services[0].name, "A") != 0 ||
            (cat->cServices == 2 && strcmp(cat->services[1].name, "B") != 0)) {
            fprintf(stderr, "load: 0x%08x %s\n", (unsigned)hr, err);
            (*bad)++;
        }
        mapirt_catalog_free(cat);
    }
    return NULL;
}

static void *writer(void *p)
{
    volatile int *stop = p;
    char path[128];
    snprintf(path, sizeof path, "%s/20-b.inf", g_dir);
    for (int i = 0; !__atomic_load_n(stop, __ATOMIC_ACQUIRE); i++) {
        if (i % 2)
            unlink(path);
        else
            put("20-b.inf", B);
        usleep(200);
    }
    return NULL;
}

Test(catalog_threads, loads_while_fragments_come_and_go)
{
    snprintf(g_dir, sizeof g_dir, "/tmp/mapirt-test-XXXXXX");
    cr_assert_not_null(mkdtemp(g_dir));
    setenv("MAPIRT_SERVICES", g_dir, 1);
    put("10-a.inf", A);
    pthread_t r[3], w;
    int bad[3] = {0, 0, 0}, stop = 0;
    cr_assert_eq(pthread_create(&w, NULL, writer, &stop), 0);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(pthread_create(&r[i], NULL, reader, &bad[i]), 0);
    for (int i = 0; i < 3; i++)
        pthread_join(r[i], NULL);
    __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
    pthread_join(w, NULL);
    for (int i = 0; i < 3; i++)
        cr_expect_eq(bad[i], 0, "reader %d saw a broken catalog", i);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    cr_expect_eq(system(cmd), 0);
}
