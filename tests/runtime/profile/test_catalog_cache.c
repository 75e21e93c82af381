/* tests/runtime/profile/test_catalog_cache.c: the parsed catalog is kept between loads
 * (runtime/profile/catalog_cache.c) and still every change to its files is seen by the next
 * load: a fragment installed or removed, an edit in place (also one that keeps the size and the
 * modification time), a replacement by rename, another MAPIRT_SERVICES; a malformed catalog is
 * never kept as good. */
#define _DEFAULT_SOURCE
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mapicode.h>
#include <mapix.h>

#include "catfixture.h"

static char g_dir[64];

static void setup(void)
{
    make_tmpdir(g_dir, sizeof g_dir);
    setenv("MAPIRT_SERVICES", g_dir, 1);
}

static void teardown(void)
{
    rm_tree(g_dir);
}

TestSuite(catalog_cache, .init = setup, .fini = teardown, .timeout = 60);

/* A catalog file of one service (the same size for displays of the same length). */
static void service_file(const char *file, const char *name, const char *display)
{
    char text[512];
    snprintf(text, sizeof text,
             "[Services]\n%s=%s\n[%s]\nProviders=%s P\n[%s P]\nPR_PROVIDER_DLL_NAME=p.so\n"
             "PR_RESOURCE_TYPE=MAPI_AB_PROVIDER\n",
             name, display, name, name, name);
    write_file(g_dir, file, text);
}

static mapirt_catalog *load(void)
{
    mapirt_catalog *cat = NULL;
    char err[512];
    HRESULT hr = mapirt_catalog_load(&cat, err, sizeof err);
    cr_assert_eq(hr, S_OK, "0x%08x %s", (unsigned)hr, err);
    return cat;
}

static unsigned long parses(void)
{
    unsigned long p, r;
    mapirt_catalog_cache_counts(&p, &r);
    return p;
}

static unsigned long reads(void)
{
    unsigned long p, r;
    mapirt_catalog_cache_counts(&p, &r);
    return r;
}

Test(catalog_cache, unchanged_files_are_not_parsed_again)
{
    service_file("10-a.inf", "A", "Service A");
    mapirt_catalog *a = load();
    unsigned long p = parses();
    mapirt_catalog *b = load();
    cr_expect_eq(b, a, "the same catalog, shared");
    cr_expect_eq(parses(), p, "not parsed again");
    mapirt_catalog_free(b);

    /* a file younger than the timestamps can be trusted is read and compared; once it is old
     * enough, a load only looks at the directory and the files' status */
    sleep(3);
    b = load();
    cr_expect_eq(b, a);
    mapirt_catalog_free(b);
    unsigned long r = reads();
    b = load();
    cr_expect_eq(b, a);
    cr_expect_eq(reads(), r, "an old, unchanged file is not even read");
    cr_expect_eq(parses(), p);
    mapirt_catalog_free(b);
    mapirt_catalog_free(a);
}

Test(catalog_cache, a_fragment_installed_between_two_calls_is_seen)
{
    service_file("10-a.inf", "A", "Service A");
    mapirt_catalog *a = load();
    cr_assert_eq(a->cServices, 1);
    service_file("20-b.inf", "B", "Service B");
    mapirt_catalog *b = load();
    cr_assert_eq(b->cServices, 2, "the new fragment is read at once");
    cr_expect_str_eq(b->services[1].name, "B");
    cr_expect_str_eq(a->services[0].name, "A", "a catalog in use stays valid when replaced");
    mapirt_catalog_free(b);
    char path[128];
    snprintf(path, sizeof path, "%s/20-b.inf", g_dir);
    cr_assert_eq(unlink(path), 0);
    b = load();
    cr_expect_eq(b->cServices, 1, "and a removed one is gone at once");
    mapirt_catalog_free(b);
    mapirt_catalog_free(a);
}

Test(catalog_cache, an_edit_keeping_size_and_times_is_seen)
{
    char path[128];
    snprintf(path, sizeof path, "%s/10-a.inf", g_dir);
    service_file("10-a.inf", "A", "first");
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    mapirt_catalog *a = load();
    cr_expect_str_eq(a->services[0].display, "first");
    /* same size, written in place, the modification time put back */
    service_file("10-a.inf", "A", "again");
    struct timespec times[2] = {st.st_atim, st.st_mtim};
    cr_assert_eq(utimensat(AT_FDCWD, path, times, 0), 0);
    struct stat now;
    cr_assert_eq(stat(path, &now), 0);
    cr_assert_eq(now.st_size, st.st_size);
    cr_assert_eq(now.st_ino, st.st_ino);
    mapirt_catalog *b = load();
    cr_expect_str_eq(b->services[0].display, "again");
    mapirt_catalog_free(b);
    mapirt_catalog_free(a);
}

Test(catalog_cache, a_replacement_by_rename_is_seen)
{
    service_file("10-a.inf", "A", "old");
    mapirt_catalog *a = load();
    service_file(".10-a.inf.new", "A", "new");
    char from[128], to[128];
    snprintf(from, sizeof from, "%s/.10-a.inf.new", g_dir);
    snprintf(to, sizeof to, "%s/10-a.inf", g_dir);
    cr_assert_eq(rename(from, to), 0);
    mapirt_catalog *b = load();
    cr_expect_str_eq(b->services[0].display, "new");
    mapirt_catalog_free(b);
    mapirt_catalog_free(a);
}

Test(catalog_cache, another_place_is_another_catalog)
{
    service_file("10-a.inf", "A", "Service A");
    mapirt_catalog *a = load();
    char file[128];
    snprintf(file, sizeof file, "%s/20-b.inf", g_dir);
    service_file("20-b.inf", "B", "Service B");
    setenv("MAPIRT_SERVICES", file, 1);
    mapirt_catalog *b = load();
    cr_expect_eq(b->cServices, 1);
    cr_expect_str_eq(b->services[0].name, "B", "MAPIRT_SERVICES names one file now");
    mapirt_catalog_free(b);
    mapirt_catalog_free(a);
}

Test(catalog_cache, a_malformed_catalog_is_never_kept)
{
    service_file("10-a.inf", "A", "Service A");
    mapirt_catalog *good = load(), *cat = (mapirt_catalog *)1;
    write_file(g_dir, "20-bad.inf", "[Services]\nB=x\n");
    char err[512];
    unsigned long p = parses();
    cr_expect_eq(mapirt_catalog_load(&cat, err, sizeof err), MAPI_E_CORRUPT_DATA);
    cr_expect_null(cat);
    cr_expect_eq(mapirt_catalog_load(&cat, err, sizeof err), MAPI_E_CORRUPT_DATA,
                 "refused again, not served the last good catalog");
    cr_expect(strstr(err, "20-bad.inf:2: service 'B' has no section [B]") != NULL, "%s", err);
    cr_expect_eq(parses(), p + 2, "parsed each time");
    write_file(g_dir, "20-bad.inf", "; fixed\n");
    mapirt_catalog *b = load();
    cr_expect_eq(b->cServices, 1);
    cr_expect_eq(b->cFiles, 2);
    mapirt_catalog_free(b);
    /* an unreadable fragment is an error each time too */
    char path[128];
    snprintf(path, sizeof path, "%s/30-dir.inf", g_dir);
    cr_assert_eq(mkdir(path, 0700), 0);
    cr_expect_eq(mapirt_catalog_load(&cat, err, sizeof err), MAPI_E_CORRUPT_DATA);
    cr_expect(strstr(err, "30-dir.inf: not a file") != NULL, "%s", err);
    cr_expect_eq(mapirt_catalog_load(&cat, err, sizeof err), MAPI_E_CORRUPT_DATA);
    mapirt_catalog_free(good);
}
