/* tests/runtime/spi/test_provhelp.c: the provider writer's helpers (<mapirt/provider.h>,
 * runtime/spi/provhelp.c): XXProviderInit's checks in MAPI's order, a provider's MAPIERROR in
 * both widths and with the caller's allocators, the XDG data path and `mkdir -p`. */
#define _DEFAULT_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mapicode.h>
#include <mapispi.h>
#include <mapix.h>

#include <mapirt/provider.h>

Test(provhelp, init_check_in_mapis_order)
{
    ULONG ver = 0;
    void *prov = NULL;
    void *pp = &prov;
    cr_expect_eq(mapirt_provider_init_check(0, CURRENT_SPI_VERSION, NULL, pp, MAPIAllocateBuffer,
                                            MAPIAllocateMore, MAPIFreeBuffer),
                 MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(mapirt_provider_init_check(0, CURRENT_SPI_VERSION, &ver, NULL,
                                            MAPIAllocateBuffer, MAPIAllocateMore, MAPIFreeBuffer),
                 MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(mapirt_provider_init_check(0, CURRENT_SPI_VERSION, &ver, pp, NULL,
                                            MAPIAllocateMore, MAPIFreeBuffer),
                 MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(mapirt_provider_init_check(0, CURRENT_SPI_VERSION, &ver, pp, MAPIAllocateBuffer,
                                            NULL, MAPIFreeBuffer),
                 MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(mapirt_provider_init_check(0, CURRENT_SPI_VERSION, &ver, pp, MAPIAllocateBuffer,
                                            MAPIAllocateMore, NULL),
                 MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(ver, 0, "not written when the call is refused for a NULL");
    cr_expect_eq(mapirt_provider_init_check(0x80000000, CURRENT_SPI_VERSION, &ver, pp,
                                            MAPIAllocateBuffer, MAPIAllocateMore, MAPIFreeBuffer),
                 MAPI_E_UNKNOWN_FLAGS);
    cr_expect_eq(ver, (ULONG)CURRENT_SPI_VERSION, "MAPI reads the version even on failure");
    ver = 0;
    cr_expect_eq(mapirt_provider_init_check(0, CURRENT_SPI_VERSION - 1, &ver, pp,
                                            MAPIAllocateBuffer, MAPIAllocateMore, MAPIFreeBuffer),
                 MAPI_E_VERSION);
    cr_expect_eq(ver, (ULONG)CURRENT_SPI_VERSION);
    cr_expect_eq(mapirt_provider_init_check(MAPI_NT_SERVICE, CURRENT_SPI_VERSION + 1, &ver, pp,
                                            MAPIAllocateBuffer, MAPIAllocateMore, MAPIFreeBuffer),
                 S_OK);
}

static int allocs;

static SCODE counting_alloc(ULONG cb, LPVOID *out)
{
    allocs++;
    return MAPIAllocateBuffer(cb, out);
}

static int more_budget = 100;

static SCODE limited_more(ULONG cb, LPVOID parent, LPVOID *out)
{
    if (more_budget-- <= 0)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    return MAPIAllocateMore(cb, parent, out);
}

static SCODE failing_alloc(ULONG cb, LPVOID *out)
{
    (void)cb;
    *out = NULL;
    return MAPI_E_NOT_ENOUGH_MEMORY;
}

Test(provhelp, errors_in_both_widths_with_the_callers_allocators)
{
    LPMAPIERROR e = (LPMAPIERROR)1;
    cr_expect_eq(mapirt_provider_error(counting_alloc, limited_more, MAPI_E_LOGON_FAILED, 0,
                                       "no store at /x", "ACME store", &e),
                 MAPI_E_LOGON_FAILED);
    cr_assert_not_null(e);
    cr_expect_eq(allocs, 1, "the caller's allocator");
    cr_expect_eq(e->ulVersion, MAPI_ERROR_VERSION);
    cr_expect_str_eq((char *)e->lpszError, "no store at /x");
    cr_expect_str_eq((char *)e->lpszComponent, "ACME store");
    MAPIFreeBuffer(e);
    cr_expect_eq(mapirt_provider_error(NULL, NULL, MAPI_E_CALL_FAILED, MAPI_UNICODE, "caf\xc3\xa9",
                                       "c", &e),
                 MAPI_E_CALL_FAILED);
    cr_assert_not_null(e);
    const WCHAR want[] = {'c', 'a', 'f', 0xE9, 0};
    cr_expect_eq(memcmp(e->lpszError, want, sizeof want), 0, "UTF-16 from UTF-8");
    cr_expect_eq(((WCHAR *)e->lpszComponent)[0], 'c');
    MAPIFreeBuffer(e);
    /* Out of memory: no structure, or one whose string did not fit; the code comes back. */
    cr_expect_eq(mapirt_provider_error(failing_alloc, limited_more, MAPI_E_VERSION, 0, "t", "c",
                                       &e),
                 MAPI_E_VERSION);
    cr_expect_null(e);
    more_budget = 1;
    cr_expect_eq(mapirt_provider_error(counting_alloc, limited_more, MAPI_E_VERSION, 0, "t", "c",
                                       &e),
                 MAPI_E_VERSION);
    cr_assert_not_null(e);
    cr_expect_str_eq((char *)e->lpszError, "t");
    cr_expect_null(e->lpszComponent);
    MAPIFreeBuffer(e);
    cr_expect_eq(mapirt_provider_error(NULL, NULL, MAPI_E_VERSION, 0, "t", "c", NULL),
                 MAPI_E_VERSION, "no out-pointer: nothing made");
}

Test(provhelp, data_path_follows_xdg)
{
    char out[64];
    setenv("XDG_DATA_HOME", "/data", 1);
    setenv("HOME", "/home/ada", 1);
    cr_expect_eq(mapirt_user_data_path("msgstore/a.db", out, sizeof out), 0);
    cr_expect_str_eq(out, "/data/mapirt/msgstore/a.db");
    setenv("XDG_DATA_HOME", "relative", 1);
    cr_expect_eq(mapirt_user_data_path("a.db", out, sizeof out), 0);
    cr_expect_str_eq(out, "/home/ada/.local/share/mapirt/a.db", "a relative XDG_DATA_HOME is ignored");
    unsetenv("XDG_DATA_HOME");
    cr_expect_eq(mapirt_user_data_path("a.db", out, sizeof out), 0);
    cr_expect_str_eq(out, "/home/ada/.local/share/mapirt/a.db");
    cr_expect_eq(mapirt_user_data_path("a.db", out, 20), -1, "does not fit");
    cr_expect_str_eq(out, "");
    unsetenv("HOME");
    cr_expect_eq(mapirt_user_data_path("a.db", out, sizeof out), -1);
}

Test(provhelp, make_parent_dirs_is_mkdir_p_of_the_dirname)
{
    char tmpl[] = "/tmp/provhelp-XXXXXX";
    cr_assert_not_null(mkdtemp(tmpl));
    char path[256], dir[256];
    snprintf(path, sizeof path, "%s/a/b/c/file.db", tmpl);
    cr_expect_eq(mapirt_make_parent_dirs(path), 0);
    snprintf(dir, sizeof dir, "%s/a/b/c", tmpl);
    struct stat st;
    cr_expect_eq(stat(dir, &st), 0);
    cr_expect(S_ISDIR(st.st_mode));
    cr_expect_eq(st.st_mode & 0777, 0700);
    cr_expect_eq(stat(path, &st), -1, "the file itself is not made");
    cr_expect_eq(mapirt_make_parent_dirs(path), 0, "existing directories are fine");
    /* A file where a directory should be. */
    char file[256];
    snprintf(file, sizeof file, "%s/a/plain", tmpl);
    FILE *f = fopen(file, "w");
    cr_assert_not_null(f);
    fclose(f);
    snprintf(path, sizeof path, "%s/a/plain/x/y.db", tmpl);
    errno = 0;
    cr_expect_eq(mapirt_make_parent_dirs(path), -1);
    cr_expect_eq(errno, ENOTDIR);
    unlink(file);
    rmdir(dir);
    snprintf(dir, sizeof dir, "%s/a/b", tmpl);
    rmdir(dir);
    snprintf(dir, sizeof dir, "%s/a", tmpl);
    rmdir(dir);
    rmdir(tmpl);
}
