/* tests/runtime/session/test_logon_kept.c: logons reuse the profile store the process keeps open
 * (runtime/profile/store_cache.c), and never see it stale: what another process, or another
 * connection, did to the profile between two logons is what the next logon sees, including a
 * store replaced by another file and a schema written by a newer mapirt. */
#include "sessfixture.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

TestSuite(logon_kept, .init = sess_setup, .fini = sess_teardown);

/* Runs fn in a child process (its own connection to the store: a forked child never uses its
 * parent's) and expects it to exit 0. */
static void in_other_process(int (*fn)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0)
        _exit(fn());
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the other process failed (%d)",
              WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

/* The transports of a session's status table (the second service's transport is another
 * acmexp: it names itself as the first does). */
static int transports(LPMAPISESSION s)
{
    LPMAPITABLE t;
    cr_assert_eq(s->lpVtbl->GetStatusTable(s, 0, &t), S_OK);
    LPSRowSet rows = all_rows(t);
    int n = 0;
    for (ULONG i = 0; i < rows->cRows; i++) {
        const SPropValue *ty = col(&rows->aRow[i], PR_RESOURCE_TYPE);
        n += ty && ty->Value.l == MAPI_TRANSPORT_PROVIDER;
    }
    FreeProws(rows);
    t->lpVtbl->Release(t);
    return n;
}

static void logon_logoff(const char *profile)
{
    LPMAPISESSION s = logon(profile, MAPI_NEW_SESSION);
    cr_assert_eq(s->lpVtbl->Logoff(s, 0, 0, 0), S_OK);
    s->lpVtbl->Release(s);
}

static LPSERVICEADMIN admin_work(LPPROFADMIN *pa)
{
    LPSERVICEADMIN sa = NULL;
    if (MAPIAdminProfiles(0, pa) != S_OK)
        return NULL;
    if ((*pa)->lpVtbl->AdminServices(*pa, (LPTSTR) "Work", NULL, 0, 0, &sa) != S_OK) {
        (*pa)->lpVtbl->Release(*pa);
        return NULL;
    }
    return sa;
}

static int add_second_transport(void)
{
    LPPROFADMIN pa;
    LPSERVICEADMIN sa = admin_work(&pa);
    if (!sa)
        return 1;
    HRESULT hr = sa->lpVtbl->CreateMsgService(sa, (LPTSTR) "XP2", NULL, 0, 0);
    sa->lpVtbl->Release(sa);
    pa->lpVtbl->Release(pa);
    return hr == S_OK ? 0 : 2;
}

static int delete_second_transport(void)
{
    LPPROFADMIN pa;
    LPSERVICEADMIN sa = admin_work(&pa);
    if (!sa)
        return 1;
    LPMAPITABLE t;
    LPSRowSet rows = NULL;
    HRESULT hr = sa->lpVtbl->GetMsgServiceTable(sa, 0, &t);
    if (hr == S_OK) {
        hr = HrQueryAllRows(t, NULL, NULL, NULL, 0, &rows);
        t->lpVtbl->Release(t);
    }
    int done = 0;
    for (ULONG i = 0; hr == S_OK && i < rows->cRows; i++) {
        const SPropValue *n = col(&rows->aRow[i], PR_SERVICE_NAME_A);
        const SPropValue *u = col(&rows->aRow[i], PR_SERVICE_UID);
        if (n && u && strcmp(n->Value.lpszA, "XP2") == 0) {
            hr = sa->lpVtbl->DeleteMsgService(sa, (LPMAPIUID)u->Value.bin.lpb);
            done++;
        }
    }
    if (rows)
        FreeProws(rows);
    sa->lpVtbl->Release(sa);
    pa->lpVtbl->Release(pa);
    return hr == S_OK && done == 1 ? 0 : 2;
}

/* The case the kept store exists for, and the one it must never get wrong. */
Test(logon_kept, another_process_edits_the_profile_between_logons)
{
    logon_logoff("Work"); /* the store is now kept open by this process */
    LPMAPISESSION s = logon("Work", MAPI_NEW_SESSION);
    cr_expect_eq(transports(s), 1);

    in_other_process(add_second_transport);
    cr_expect_eq(transports(s), 1, "a running session keeps its providers");
    LPMAPISESSION s2 = logon("Work", MAPI_NEW_SESSION);
    cr_expect_eq(transports(s2), 2, "the next logon sees the new service");
    s2->lpVtbl->Logoff(s2, 0, 0, 0);
    s2->lpVtbl->Release(s2);
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);

    in_other_process(delete_second_transport);
    s = logon("Work", MAPI_NEW_SESSION);
    cr_expect_eq(transports(s), 1, "and then that it is gone again");
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
}

static char g_other[PATH_MAX];

static int make_other_store(void)
{
    static const char *const acme[] = {"ACME", NULL};
    setenv("MAPIRT_PROFILES", g_other, 1);
    LPPROFADMIN pa;
    if (MAPIAdminProfiles(0, &pa) != S_OK)
        return 1;
    LPSERVICEADMIN sa = NULL;
    HRESULT hr = pa->lpVtbl->CreateProfile(pa, (LPTSTR) "Home", NULL, 0, 0);
    if (hr == S_OK)
        hr = pa->lpVtbl->AdminServices(pa, (LPTSTR) "Home", NULL, 0, 0, &sa);
    for (const char *const *n = acme; hr == S_OK && *n; n++)
        hr = sa->lpVtbl->CreateMsgService(sa, (LPTSTR)*n, NULL, 0, 0);
    if (sa)
        sa->lpVtbl->Release(sa);
    pa->lpVtbl->Release(pa);
    /* the last connection closes: the new store is one file and its key */
    MAPIUninitialize();
    return hr == S_OK ? 0 : 2;
}

static void move_over(const char *from, const char *to)
{
    cr_assert_eq(rename(from, to), 0, "%s -> %s", from, to);
}

/* A store replaced by another file (restored from a backup, synchronised from elsewhere) is
 * the new file at the next logon, not the one the kept connection still has open. */
Test(logon_kept, a_store_replaced_between_logons_is_the_new_one)
{
    logon_logoff("Work");
    snprintf(g_other, sizeof g_other, "%s/other.db", g_dir);
    in_other_process(make_other_store);
    char path[PATH_MAX + 8], from[PATH_MAX + 8];
    /* as a restore does it: the old store's files go, the new ones take their names */
    snprintf(path, sizeof path, "%s-wal", g_db);
    unlink(path);
    snprintf(path, sizeof path, "%s-shm", g_db);
    unlink(path);
    move_over(g_other, g_db);
    snprintf(from, sizeof from, "%s.key", g_other);
    snprintf(path, sizeof path, "%s.key", g_db);
    move_over(from, path);

    logon_logoff("Home");
    LPMAPISESSION s = NULL;
    cr_expect_eq(MAPILogonEx(0, (LPTSTR) "Work", NULL, MAPI_NEW_SESSION, &s),
                 MAPI_E_LOGON_FAILED, "the old store's profile is gone with it");
}

static void exec_sql(const char *sql)
{
    sqlite3 *db;
    cr_assert_eq(sqlite3_open(g_db, &db), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
    sqlite3_close(db);
}

/* Another connection (here: in this process) writing a newer schema: the kept connection checked
 * the schema when it opened, and checks it again once it sees another connection commit. */
Test(logon_kept, a_newer_schema_written_between_logons_is_refused)
{
    logon_logoff("Work");
    exec_sql("PRAGMA user_version = 99");
    LPMAPISESSION s = NULL;
    cr_expect_eq(MAPILogonEx(0, (LPTSTR) "Work", NULL, MAPI_NEW_SESSION, &s), MAPI_E_VERSION);
    cr_expect_null(s);
    exec_sql("PRAGMA user_version = 1");
    logon_logoff("Work");
}

/* A profile deleted and made again under the same name by another process is the new one. */
static int recreate_work_without_transport(void)
{
    LPPROFADMIN pa;
    if (MAPIAdminProfiles(0, &pa) != S_OK)
        return 1;
    HRESULT hr = pa->lpVtbl->DeleteProfile(pa, (LPTSTR) "Work", 0);
    if (hr == S_OK)
        hr = pa->lpVtbl->CreateProfile(pa, (LPTSTR) "Work", NULL, 0, 0);
    pa->lpVtbl->Release(pa);
    return hr == S_OK ? 0 : 2;
}

Test(logon_kept, a_profile_made_again_elsewhere_is_the_new_one)
{
    logon_logoff("Work");
    in_other_process(recreate_work_without_transport);
    LPMAPISESSION s = logon("Work", MAPI_NEW_SESSION);
    cr_expect_eq(transports(s), 0, "the new profile has no services");
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
}
