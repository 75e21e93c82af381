/* tests/runtime/profile/test_catalog_locate.c: where the catalog is read from
 * (runtime/profile/catalog_locate.c, runtime/core/location.c): MAPIRT_SERVICES as a file or a
 * directory of fragments, the default beside the library, and I/O failures. */
#define _DEFAULT_SOURCE
#include <criterion/criterion.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <mapicode.h>
#include <mapix.h>

#include "catfixture.h"
#include "core/location.h"

static const char SVC_A[] =
    "[Services]\nA=Service A\n[Default Services]\nA=Service A\n"
    "[A]\nProviders=A P\n[A P]\nPR_PROVIDER_DLL_NAME=a.so\nPR_RESOURCE_TYPE=MAPI_AB_PROVIDER\n";
static const char SVC_B[] =
    "[Services]\nB=Service B\n[B]\nProviders=B P\n[B P]\n"
    "PR_PROVIDER_DLL_NAME=b.so\nPR_RESOURCE_TYPE=MAPI_TRANSPORT_PROVIDER\n";

Test(catalog_locate, a_directory_of_fragments_in_name_order)
{
    char dir[64], err[512];
    make_tmpdir(dir, sizeof dir);
    write_file(dir, "20-b.inf", SVC_B);
    write_file(dir, "10-a.inf", SVC_A);
    write_file(dir, ".hidden.inf", "garbage");
    write_file(dir, "README", "garbage");
    write_file(dir, "30-c.inf.dpkg-new", "garbage");
    setenv("MAPIRT_SERVICES", dir, 1);
    mapirt_catalog *cat;
    cr_assert_eq(mapirt_catalog_load(&cat, err, sizeof err), S_OK, "%s", err);
    cr_assert_eq(cat->cFiles, 2);
    cr_expect(strstr(cat->files[0], "/10-a.inf") != NULL);
    cr_expect(strstr(cat->files[1], "/20-b.inf") != NULL);
    cr_expect_str_eq(cat->services[0].name, "A");
    cr_expect_str_eq(cat->services[1].name, "B");
    mapirt_catalog_free(cat);

    /* a duplicate service in another fragment: an error naming both files */
    write_file(dir, "30-dup.inf", "[Services]\n\nA=again\n");
    cr_expect_eq(mapirt_catalog_load(&cat, err, sizeof err), MAPI_E_CORRUPT_DATA);
    cr_expect_null(cat);
    char want[512];
    snprintf(want, sizeof want,
             "%s/30-dup.inf:3: service 'A' is already listed in [Services] at %s/10-a.inf:2", dir,
             dir);
    cr_expect_str_eq(err, want);
    rm_tree(dir);
}

Test(catalog_locate, a_single_file)
{
    char dir[64], path[128], err[512];
    make_tmpdir(dir, sizeof dir);
    write_file(dir, "one.inf", SVC_B);
    snprintf(path, sizeof path, "%s/one.inf", dir);
    setenv("MAPIRT_SERVICES", path, 1);
    mapirt_catalog *cat;
    cr_assert_eq(mapirt_catalog_load(&cat, err, sizeof err), S_OK, "%s", err);
    cr_expect_eq(cat->cServices, 1);
    cr_expect_eq(cat->cDefaults, 0);
    mapirt_catalog_free(cat);

    write_file(dir, "one.inf", "[Services]\nB=x\n[B]\nProviders=\n");
    cr_expect_eq(mapirt_catalog_load(&cat, err, sizeof err), MAPI_E_CORRUPT_DATA);
    char want[256];
    snprintf(want, sizeof want, "%s:4: empty name in the Providers= list", path);
    cr_expect_str_eq(err, want);
    rm_tree(dir);
}

Test(catalog_locate, a_missing_or_unreadable_catalog)
{
    char err[512];
    mapirt_catalog *cat;
    setenv("MAPIRT_SERVICES", "/nonexistent/mapisvc.inf", 1);
    cr_expect_eq(mapirt_catalog_load(&cat, err, sizeof err), MAPI_E_NOT_FOUND);
    cr_expect_str_eq(err, "MAPIRT_SERVICES=/nonexistent/mapisvc.inf: No such file or directory");
    setenv("MAPIRT_SERVICES", "/dev/null", 1);
    cr_expect_eq(mapirt_catalog_load(&cat, err, sizeof err), MAPI_E_CORRUPT_DATA);
    cr_expect_str_eq(err, "/dev/null: not a file");
}

Test(catalog_locate, the_default_is_beside_the_library)
{
    char dir[PATH_MAX], exe[PATH_MAX], path[PATH_MAX + 32];
    /* linked statically, the runtime's "library" is this executable */
    cr_assert_eq(mapirt_library_dir(dir, sizeof dir), 0);
    cr_assert_not_null(realpath("/proc/self/exe", exe));
    *strrchr(exe, '/') = '\0';
    cr_expect_str_eq(dir, exe);
    cr_assert_eq(mapirt_data_path("mapisvc.inf", path, sizeof path), 0);
    cr_expect(strstr(path, "/mapirt/mapisvc.inf") != NULL);
    cr_expect_eq(mapirt_library_dir(dir, 2), -1, "a buffer too small is refused");

    /* no MAPIRT_SERVICES and nothing installed beside the executable: an empty catalog */
    unsetenv("MAPIRT_SERVICES");
    mapirt_catalog *cat;
    char err[256];
    cr_assert_eq(mapirt_catalog_load(&cat, err, sizeof err), S_OK, "%s", err);
    cr_expect_eq(cat->cServices, 0);
    mapirt_catalog_free(cat);
    setenv("MAPIRT_SERVICES", "", 1);
    cr_assert_eq(mapirt_catalog_load(&cat, err, sizeof err), S_OK, "empty means unset: %s", err);
    mapirt_catalog_free(cat);
}
