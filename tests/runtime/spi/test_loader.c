/* tests/runtime/spi/test_loader.c: the provider loader (runtime/spi/loader.c, dllname.c): DLL
 * names written for Windows find the test services built in tests/providers/, nothing outside
 * the provider directories is ever loaded, modules are shared and unloaded with their last
 * reference, and a C++ service works. */
#define _DEFAULT_SOURCE
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mapicode.h>
#include <mapispi.h>

#include "spi/loader.h"

static char provdir[PATH_MAX];

static void use_test_providers(void)
{
    cr_assert_not_null(realpath("build/tests/providers", provdir),
                       "build the test providers (ninja test-providers)");
    char path[PATH_MAX + 32];
    /* a relative entry and an empty one are ignored */
    snprintf(path, sizeof path, "relative/dir::%s", provdir);
    setenv("MAPIRT_PROVIDER_PATH", path, 1);
}

TestSuite(loader, .init = use_test_providers);

Test(loader, candidate_file_names)
{
    char c[MAPIRT_DLLNAME_CANDIDATES][MAPIRT_DLLNAME_MAX], err[256];
    cr_assert_eq(mapirt_dllname_candidates("ACMEXP.DLL", c, err, sizeof err), 4);
    cr_expect_str_eq(c[0], "ACMEXP.so");
    cr_expect_str_eq(c[1], "libACMEXP.so");
    cr_expect_str_eq(c[2], "ACMEXP32.so");
    cr_expect_str_eq(c[3], "libACMEXP32.so");
    cr_assert_eq(mapirt_dllname_candidates("mspst32.dll", c, err, sizeof err), 4);
    cr_expect_str_eq(c[0], "mspst32.so");
    cr_expect_str_eq(c[2], "mspst.so");
    cr_expect_str_eq(c[3], "libmspst.so");
    cr_assert_eq(mapirt_dllname_candidates("acme", c, err, sizeof err), 4);
    cr_expect_str_eq(c[0], "acme.so");
    cr_assert_eq(mapirt_dllname_candidates("libacme.so", c, err, sizeof err), 4);
    cr_expect_str_eq(c[0], "libacme.so");

    static const struct {
        const char *name, *message;
    } BAD[] = {
        {"", "provider DLL name '' is empty"},
        {"../acmesvc.dll", "provider DLL name '../acmesvc.dll' must be a file name without a "
                           "directory"},
        {"/tmp/x.so", "provider DLL name '/tmp/x.so' must be a file name without a directory"},
        {"C:\\MAPI\\ACME.DLL", "provider DLL name 'C:\\MAPI\\ACME.DLL' must be a file name "
                               "without a directory"},
        {"a..b.dll", "provider DLL name 'a..b.dll' must not contain '..'"},
        {"..", "provider DLL name '..' must not contain '..'"},
        {"a b.dll", "provider DLL name 'a b.dll' contains a control character or a space"},
        {".dll", "provider DLL name '.dll' has no base name"},
    };
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        cr_expect_eq(mapirt_dllname_candidates(BAD[i].name, c, err, sizeof err), 0, "%zu", i);
        cr_expect_str_eq(err, BAD[i].message, "%zu", i);
    }
}

Test(loader, windows_names_find_the_shared_object)
{
    mapirt_module *a, *b, *c;
    char err[1024], want[PATH_MAX + 16];
    cr_assert_eq(mapirt_module_load("ACMESVC.DLL", &a, err, sizeof err), S_OK, "%s", err);
    snprintf(want, sizeof want, "%s/acmesvc.so", provdir);
    cr_expect_str_eq(mapirt_module_path(a), want);
    cr_expect_not_null(mapirt_module_symbol(a, "ServiceEntry"));
    cr_expect_null(mapirt_module_symbol(a, "NoSuchEntry"));
    cr_expect_not_null(mapirt_module_instance(a));
    cr_assert_eq(mapirt_module_load("acmesvc32.dll", &b, err, sizeof err), S_OK, "%s", err);
    cr_expect_eq(a, b, "one module per file");
    cr_assert_eq(mapirt_module_load("acmesvc", &c, err, sizeof err), S_OK, "%s", err);
    cr_expect_eq(a, c);

    /* the module stays while references remain, and is unloaded with the last */
    mapirt_module_release(b);
    mapirt_module_release(c);
    void *h = dlopen(want, RTLD_NOW | RTLD_NOLOAD);
    cr_expect_not_null(h, "still loaded");
    if (h)
        dlclose(h);
    mapirt_module_release(a);
    cr_expect_null(dlopen(want, RTLD_NOW | RTLD_NOLOAD), "unloaded with the last reference");
}

Test(loader, a_cxx_service_works)
{
    mapirt_module *m;
    char err[1024];
    /* CXXSVC32.DLL: the 32 MAPI inserts is dropped, and lib<name>.so is found */
    cr_assert_eq(mapirt_module_load("CXXSVC32.DLL", &m, err, sizeof err), S_OK, "%s", err);
    cr_expect(strstr(mapirt_module_path(m), "/libcxxsvc.so") != NULL);
    int (*probe)(void) = (int (*)(void))(size_t)mapirt_module_symbol(m, "cxxsvc_probe");
    cr_assert_not_null(probe);
    cr_expect_eq(probe(), 7, "static constructor, RTTI and exceptions: %d", probe());
    MSGSERVICEENTRY *entry = (MSGSERVICEENTRY *)(size_t)mapirt_module_symbol(m, "ServiceEntry");
    cr_assert_not_null(entry);
    LPMAPIERROR perr = (LPMAPIERROR)1;
    cr_expect_eq(entry(mapirt_module_instance(m), NULL, NULL, 0, 0, MSG_SERVICE_CREATE, 0, NULL,
                       NULL, &perr),
                 S_OK);
    cr_expect_null(perr);
    mapirt_module_release(m);
}

Test(loader, nothing_outside_the_provider_directories)
{
    mapirt_module *m;
    char err[2048];
    cr_expect_eq(mapirt_module_load("../providers/acmesvc.dll", &m, err, sizeof err),
                 MAPI_E_INVALID_PARAMETER);
    cr_expect_null(m);
    cr_expect_eq(mapirt_module_load("NOPE.DLL", &m, err, sizeof err), MAPI_E_NOT_FOUND);
    char want[PATH_MAX + 200];
    snprintf(want, sizeof want,
             "no shared object for provider DLL 'NOPE.DLL' (tried NOPE.so, libNOPE.so, "
             "NOPE32.so, libNOPE32.so in %s ",
             provdir);
    cr_expect(strncmp(err, want, strlen(want)) == 0, "%s", err);
    cr_expect(strstr(err, "/mapirt/providers)") != NULL, "the default directory is searched: %s",
              err);

    /* with the variable unset only the default directory (beside the library) is searched */
    unsetenv("MAPIRT_PROVIDER_PATH");
    cr_expect_eq(mapirt_module_load("ACMESVC.DLL", &m, err, sizeof err), MAPI_E_NOT_FOUND);
}

Test(loader, a_file_the_linker_refuses)
{
    char dir[] = "/tmp/mapirt-loader-XXXXXX", path[128], env[160];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/broken.so", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("not an ELF file\n", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/dir.so", dir);
    cr_assert_eq(mkdir(path, 0700), 0);
    snprintf(env, sizeof env, "%s", dir);
    setenv("MAPIRT_PROVIDER_PATH", env, 1);
    mapirt_module *m;
    char err[1024];
    cr_expect_eq(mapirt_module_load("BROKEN.DLL", &m, err, sizeof err), MAPI_E_CALL_FAILED);
    cr_expect(strstr(err, "cannot load ") == err && strstr(err, "broken.so") != NULL, "%s", err);
    cr_expect_eq(mapirt_module_load("DIR.DLL", &m, err, sizeof err), MAPI_E_NOT_FOUND,
                 "a directory is not a module");
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
}
