/* tests/runtime/msgstore/test_msgstore_service.c: the MSGSTORE service's ServiceEntry, reached
 * as a client reaches it: the staged catalog fragment (build/mapirt/mapisvc.d/msgstore.inf), a
 * profile made with MAPI_DEFAULT_SERVICES, IMsgServiceAdmin::ConfigureMsgService with
 * PR_MS_STORE_PATH, and MAPILogonEx opening the store where the profile says.
 * configure: link -rdynamic -ldl */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapiguid.h>
#include <mapitags.h>
#include <mapiutil.h>
#include <mapix.h>

#define PR_MS_STORE_PATH_A PROP_TAG(PT_STRING8, 0x6700)
#define PR_MS_STORE_PATH_W PROP_TAG(PT_UNICODE, 0x6700)

static char g_tmp[256], g_xdg[PATH_MAX];
static const char *g_profile = "P";

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
    (void)sb;
    (void)flag;
    (void)f;
    return remove(p);
}

static void setup(void)
{
    char path[PATH_MAX];
    snprintf(g_tmp, sizeof g_tmp, "/tmp/mssvc-test-XXXXXX");
    cr_assert_not_null(mkdtemp(g_tmp));
    snprintf(path, sizeof path, "%s/profiles.db", g_tmp);
    setenv("MAPIRT_PROFILES", path, 1);
    cr_assert_not_null(realpath("build/mapirt/mapisvc.d/msgstore.inf", path), "ninja first");
    setenv("MAPIRT_SERVICES", path, 1);
    cr_assert_not_null(realpath("build/mapirt/providers", path));
    setenv("MAPIRT_PROVIDER_PATH", path, 1);
    snprintf(g_xdg, sizeof g_xdg, "%s/xdg", g_tmp);
    setenv("XDG_DATA_HOME", g_xdg, 1);
    cr_assert_eq(MAPIInitialize(NULL), S_OK);
    LPPROFADMIN pa;
    cr_assert_eq(MAPIAdminProfiles(0, &pa), S_OK);
    cr_assert_eq(pa->lpVtbl->CreateProfile(pa, (LPTSTR) "P", NULL, 0, MAPI_DEFAULT_SERVICES),
        S_OK);
    pa->lpVtbl->Release(pa);
}

static void teardown(void)
{
    MAPIUninitialize();
    nftw(g_tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(msgstore_service, .init = setup, .fini = teardown, .timeout = 60);

static LPSERVICEADMIN admin(MAPIUID *svc)
{
    LPPROFADMIN pa;
    LPSERVICEADMIN sa;
    LPMAPITABLE t;
    LPSRowSet rows = NULL;
    cr_assert_eq(MAPIAdminProfiles(0, &pa), S_OK);
    cr_assert_eq(pa->lpVtbl->AdminServices(pa, (LPTSTR)g_profile, NULL, 0, 0, &sa), S_OK);
    pa->lpVtbl->Release(pa);
    cr_assert_eq(sa->lpVtbl->GetMsgServiceTable(sa, 0, &t), S_OK);
    SizedSPropTagArray(2, cols) = {2, {PR_SERVICE_UID, PR_SERVICE_NAME_A}};
    cr_assert_eq(HrQueryAllRows(t, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows), S_OK);
    cr_assert_eq(rows->cRows, 1);
    cr_assert_str_eq(rows->aRow[0].lpProps[1].Value.lpszA, "MSGSTORE");
    memcpy(svc->ab, rows->aRow[0].lpProps[0].Value.bin.lpb, 16);
    FreeProws(rows);
    t->lpVtbl->Release(t);
    return sa;
}

/* ConfigureMsgService with one PR_MS_STORE_PATH value (none when v is NULL); the
 * GetLastError text into err. */
static HRESULT configure(const SPropValue *v, char *err, size_t cberr)
{
    MAPIUID u;
    LPSERVICEADMIN sa = admin(&u);
    HRESULT hr = sa->lpVtbl->ConfigureMsgService(sa, &u, 0, 0, v ? 1 : 0, (LPSPropValue)v);
    err[0] = 0;
    LPMAPIERROR e = NULL;
    if (FAILED(hr) && sa->lpVtbl->GetLastError(sa, hr, 0, &e) == S_OK && e && e->lpszError)
        snprintf(err, cberr, "%s", (char *)e->lpszError);
    MAPIFreeBuffer(e);
    sa->lpVtbl->Release(sa);
    return hr;
}

static HRESULT configure_path(const char *path, char *err, size_t cberr)
{
    SPropValue v;
    memset(&v, 0, sizeof v);
    v.ulPropTag = PR_MS_STORE_PATH_A;
    v.Value.lpszA = (LPSTR)path;
    return configure(&v, err, cberr);
}

/* PR_MS_STORE_PATH of the store provider's section ("" when it has none). */
static void section_path(char *out, size_t cb)
{
    MAPIUID u;
    LPSERVICEADMIN sa = admin(&u);
    LPPROVIDERADMIN pa;
    LPMAPITABLE t;
    LPSRowSet rows = NULL;
    cr_assert_eq(sa->lpVtbl->AdminProviders(sa, &u, 0, &pa), S_OK);
    cr_assert_eq(pa->lpVtbl->GetProviderTable(pa, 0, &t), S_OK);
    SizedSPropTagArray(1, cols) = {1, {PR_PROVIDER_UID}};
    cr_assert_eq(HrQueryAllRows(t, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows), S_OK);
    cr_assert_eq(rows->cRows, 1);
    LPPROFSECT ps;
    cr_assert_eq(pa->lpVtbl->OpenProfileSection(pa, (LPMAPIUID)rows->aRow[0].lpProps[0].Value.bin.lpb,
                     NULL, 0, &ps),
        S_OK);
    LPSPropValue v = NULL;
    out[0] = 0;
    if (HrGetOneProp((LPMAPIPROP)ps, PR_MS_STORE_PATH_A, &v) == S_OK)
        snprintf(out, cb, "%s", v->Value.lpszA);
    MAPIFreeBuffer(v);
    ps->lpVtbl->Release(ps);
    FreeProws(rows);
    t->lpVtbl->Release(t);
    pa->lpVtbl->Release(pa);
    sa->lpVtbl->Release(sa);
}

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Logs on, opens the default store, creates a message in its Inbox, and logs off. */
static void use_store(void)
{
    LPMAPISESSION s = NULL;
    cr_assert_eq(MAPILogonEx(0, (LPTSTR) "P", NULL, MAPI_NEW_SESSION | MAPI_NO_MAIL, &s), S_OK);
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    SizedSPropTagArray(1, cols) = {1, {PR_ENTRYID}};
    cr_assert_eq(s->lpVtbl->GetMsgStoresTable(s, 0, &t), S_OK);
    cr_assert_eq(HrQueryAllRows(t, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows), S_OK);
    cr_assert_eq(rows->cRows, 1);
    LPMDB mdb = NULL;
    SBinary *e = &rows->aRow[0].lpProps[0].Value.bin;
    cr_assert_eq(s->lpVtbl->OpenMsgStore(s, 0, e->cb, (LPENTRYID)e->lpb, NULL, MDB_WRITE, &mdb),
        S_OK);
    FreeProws(rows);
    t->lpVtbl->Release(t);
    mdb->lpVtbl->Release(mdb);
    cr_assert_eq(s->lpVtbl->Logoff(s, 0, 0, 0), S_OK);
    s->lpVtbl->Release(s);
}

Test(msgstore_service, creating_the_service_writes_the_xdg_default)
{
    char p[PATH_MAX], dir[PATH_MAX + 32];
    section_path(p, sizeof p);
    snprintf(dir, sizeof dir, "%s/mapirt/msgstore/", g_xdg);
    cr_assert(strncmp(p, dir, strlen(dir)) == 0, "the default path '%s' is under %s", p, dir);
    cr_expect_eq(strlen(p), strlen(dir) + 32 + 3, "<32 hex>.db: '%s'", p);
    cr_expect(is_dir(dir), "the directory is created with the service");
    use_store();
    cr_expect_eq(access(p, F_OK), 0, "the first logon creates the file the profile names");
}

Test(msgstore_service, a_configured_path_is_made_and_used)
{
    char want[PATH_MAX], got[PATH_MAX], err[1024];
    snprintf(want, sizeof want, "%s/mail/deep/er/personal.db", g_tmp);
    SPropValue v;
    memset(&v, 0, sizeof v);
    /* Unicode, as a Unicode client gives it. */
    WCHAR w[PATH_MAX];
    size_t i = 0;
    for (; want[i]; i++)
        w[i] = (WCHAR)(unsigned char)want[i];
    w[i] = 0;
    v.ulPropTag = PR_MS_STORE_PATH_W;
    v.Value.lpszW = w;
    cr_assert_eq(configure(&v, err, sizeof err), S_OK, "%s", err);
    section_path(got, sizeof got);
    cr_expect_str_eq(got, want);
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/mail/deep/er", g_tmp);
    cr_expect(is_dir(dir), "ConfigureMsgService creates the directories");
    use_store();
    cr_expect_eq(access(want, F_OK), 0, "the logon opened the store at the configured path");
    /* Configuring again without a path keeps it; the existing store passes the check. */
    cr_assert_eq(configure(NULL, err, sizeof err), S_OK, "%s", err);
    section_path(got, sizeof got);
    cr_expect_str_eq(got, want);
    cr_assert_eq(configure_path(want, err, sizeof err), S_OK, "an existing store: %s", err);
}

/* A refused path: the code, a text naming the path and the reason, and the profile unchanged. */
static void refused(const char *path, HRESULT code, const char *reason)
{
    char before[PATH_MAX], after[PATH_MAX], err[1024];
    section_path(before, sizeof before);
    HRESULT hr = configure_path(path, err, sizeof err);
    cr_expect_eq(hr, code, "'%s': 0x%08X (%s)", path, (unsigned)hr, err);
    cr_expect_not_null(strstr(err, path), "the text names the path: '%s'", err);
    cr_expect_not_null(strstr(err, reason), "the text says '%s': '%s'", reason, err);
    section_path(after, sizeof after);
    cr_expect_str_eq(after, before, "a refused path leaves the profile as it was");
}

Test(msgstore_service, unusable_paths_are_refused_with_the_reason)
{
    char p[PATH_MAX], file[PATH_MAX];
    refused("relative/store.db", MAPI_E_INVALID_PARAMETER, "not an absolute path");
    /* A directory where the store's file would be. */
    refused(g_tmp, MAPI_E_INVALID_PARAMETER, "is a directory");
    /* A regular file where a directory must be. */
    snprintf(file, sizeof file, "%s/plain", g_tmp);
    FILE *f = fopen(file, "w");
    cr_assert_not_null(f);
    fputs("not a database, and it stays so\n", f);
    fclose(f);
    snprintf(p, sizeof p, "%s/under/store.db", file);
    refused(p, MAPI_E_INVALID_PARAMETER, "is not a directory");
    /* Someone else's file is never made a store. */
    refused(file, MAPI_E_CORRUPT_STORE, "not a mapirt message store");
    f = fopen(file, "r");
    cr_assert_not_null(f);
    char line[64] = "";
    cr_expect_not_null(fgets(line, sizeof line, f));
    fclose(f);
    cr_expect_str_eq(line, "not a database, and it stays so\n");
    /* After all that, the store still opens where the profile says. */
    use_store();
}

Test(msgstore_service, no_default_still_makes_the_profile_and_configure_says_why)
{
    char got[PATH_MAX], err[1024], want[PATH_MAX];
    unsetenv("XDG_DATA_HOME");
    setenv("HOME", "relative-home", 1);
    LPPROFADMIN pa;
    cr_assert_eq(MAPIAdminProfiles(0, &pa), S_OK);
    cr_assert_eq(pa->lpVtbl->CreateProfile(pa, (LPTSTR) "Q", NULL, 0, MAPI_DEFAULT_SERVICES),
                 S_OK, "a default that cannot be used does not stop the profile");
    pa->lpVtbl->Release(pa);
    g_profile = "Q";
    section_path(got, sizeof got);
    cr_expect_str_eq(got, "", "nothing is written without a usable default");
    cr_expect_eq(configure(NULL, err, sizeof err), MAPI_E_UNCONFIGURED, "%s", err);
    cr_expect_not_null(strstr(err, "XDG_DATA_HOME"), "the text says what is missing: '%s'", err);
    snprintf(want, sizeof want, "%s/q/store.db", g_tmp);
    cr_assert_eq(configure_path(want, err, sizeof err), S_OK, "%s", err);
    section_path(got, sizeof got);
    cr_expect_str_eq(got, want);
    g_profile = "P";
}
