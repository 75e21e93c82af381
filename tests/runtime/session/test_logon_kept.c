/* tests/runtime/session/test_logon_kept.c: logons reuse the profile store the process keeps open
 * (runtime/profile/store_cache.c), and never see it stale: what another process, or another
 * connection, did to the profile between two logons is what the next logon sees, including a
 * store replaced by another file and a schema written by a newer mapirt. */
#include "sessfixture.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

TestSuite(logon_kept, .init = sess_setup, .fini = sess_teardown);

/* Runs build/bin/mapirt (a program of its own, on the optimised libmapirt: another process
 * with its own connection to the store) with the fixture's environment, plus MAPIRT_PROFILES
 * when profiles is not NULL, and expects it to succeed. */
static void mapirt_tool(const char *profiles, const char *const *args)
{
    char *argv[16];
    int n = 0;
    argv[n++] = (char *)"build/bin/mapirt";
    for (; *args && n < 15; args++)
        argv[n++] = (char *)*args;
    argv[n] = NULL;
    cr_assert_eq(access(argv[0], X_OK), 0, "build/bin/mapirt is built by ninja");
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, 1);
        if (profiles)
            setenv("MAPIRT_PROFILES", profiles, 1);
        execv(argv[0], argv);
        _exit(127);
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "mapirt %s %s: exit %d", argv[1], argv[2],
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

/* The case the kept store exists for, and the one it must never get wrong. */
Test(logon_kept, another_process_edits_the_profile_between_logons)
{
    logon_logoff("Work"); /* the store is now kept open by this process */
    LPMAPISESSION s = logon("Work", MAPI_NEW_SESSION);
    cr_expect_eq(transports(s), 1);

    mapirt_tool(NULL, (const char *const[]){"service", "add", "Work", "XP2", NULL});
    cr_expect_eq(transports(s), 1, "a running session keeps its providers");
    LPMAPISESSION s2 = logon("Work", MAPI_NEW_SESSION);
    cr_expect_eq(transports(s2), 2, "the next logon sees the new service");
    s2->lpVtbl->Logoff(s2, 0, 0, 0);
    s2->lpVtbl->Release(s2);
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);

    mapirt_tool(NULL, (const char *const[]){"service", "remove", "Work", "XP2", NULL});
    s = logon("Work", MAPI_NEW_SESSION);
    cr_expect_eq(transports(s), 1, "and then that it is gone again");
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
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
    char other[PATH_MAX];
    snprintf(other, sizeof other, "%s/other.db", g_dir);
    mapirt_tool(other, (const char *const[]){"profile", "create", "Home", NULL});
    mapirt_tool(other, (const char *const[]){"service", "add", "Home", "ACME", NULL});
    char path[PATH_MAX + 8], from[PATH_MAX + 8];
    /* as a restore does it: the old store's files go, the new ones take their names */
    snprintf(path, sizeof path, "%s-wal", g_db);
    unlink(path);
    snprintf(path, sizeof path, "%s-shm", g_db);
    unlink(path);
    move_over(other, g_db);
    snprintf(from, sizeof from, "%s.key", other);
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
Test(logon_kept, a_profile_made_again_elsewhere_is_the_new_one)
{
    logon_logoff("Work");
    mapirt_tool(NULL, (const char *const[]){"profile", "delete", "Work", NULL});
    mapirt_tool(NULL, (const char *const[]){"profile", "create", "Work", NULL});
    LPMAPISESSION s = logon("Work", MAPI_NEW_SESSION);
    cr_expect_eq(transports(s), 0, "the new profile has no services");
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
}
