/* tests/runtime/profile/test_store_cache.c: the profile store the process keeps open between
 * logons (runtime/profile/store_cache.c): handed out again while it is the same store, opened
 * anew when anything it keeps may no longer hold (each rule of the file's opening comment). */
#include "storefixture.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mapirt/init.h>

#include "profile/store_internal.h"

static void setup(void)
{
    store_setup();
    setenv("MAPIRT_PROFILES", g_db, 1);
}

static void teardown(void)
{
    mapirt_profstore_forget_default();
    store_teardown();
}

TestSuite(store_cache, .init = setup, .fini = teardown);

static mapirt_profstore *open_default(void)
{
    mapirt_profstore *ps = NULL;
    char err[512] = "";
    HRESULT hr = mapirt_profstore_open_default(&ps, err, sizeof err);
    cr_assert_eq(hr, S_OK, "0x%08x %s", (unsigned)hr, err);
    return ps;
}

/* The kept store after a first open that made the file: a store made by its own open is only
 * kept from its second one (its files did not exist before). */
static mapirt_profstore *kept(void)
{
    mapirt_profstore_release(open_default());
    mapirt_profstore *a = open_default(), *b = open_default();
    cr_assert_eq(a, b, "handed out again");
    mapirt_profstore_release(b);
    return a;
}

/* Whether the next open hands out ps again (releases what it got). */
static int same_again(mapirt_profstore *ps)
{
    mapirt_profstore *n = open_default();
    int same = n == ps;
    mapirt_profstore_release(n);
    return same;
}

Test(store_cache, the_same_store_is_handed_out_again)
{
    mapirt_profstore *a = kept();
    cr_expect(same_again(a));
    cr_expect_str_eq(mapirt_profstore_path(a), g_db);
    mapirt_profstore_release(a);
    cr_expect(same_again(a), "the process keeps it with no user");
}

Test(store_cache, another_path_is_another_store)
{
    mapirt_profstore *a = kept();
    char other[200];
    snprintf(other, sizeof other, "%s/other.db", g_dir);
    setenv("MAPIRT_PROFILES", other, 1);
    mapirt_profstore *b = open_default();
    cr_expect_neq(a, b);
    cr_expect_str_eq(mapirt_profstore_path(b), other);
    mapirt_profstore_release(b);
    b = open_default(); /* made by the open before: kept from this one */
    cr_expect_neq(a, b);
    mapirt_profstore_release(b);
    setenv("MAPIRT_PROFILES", g_db, 1);
    cr_expect_not(same_again(a), "one store is kept: the other one replaced it");
    mapirt_profstore_release(a);

    /* a second name of the same file is still another path: the handle says which */
    a = kept();
    snprintf(other, sizeof other, "%s/linked.db", g_dir);
    cr_assert_eq(link(g_db, other), 0);
    char key[220], otherkey[220];
    snprintf(key, sizeof key, "%s.key", g_db);
    snprintf(otherkey, sizeof otherkey, "%s.key", other);
    cr_assert_eq(link(key, otherkey), 0);
    setenv("MAPIRT_PROFILES", other, 1);
    b = open_default();
    cr_expect_str_eq(mapirt_profstore_path(b), other);
    mapirt_profstore_release(b);
    mapirt_profstore_release(a);
}

Test(store_cache, a_replaced_database_is_opened_anew)
{
    mapirt_profstore *a = kept();
    create(a, "Old");
    char path[200];
    snprintf(path, sizeof path, "%s-wal", g_db);
    unlink(path);
    snprintf(path, sizeof path, "%s-shm", g_db);
    unlink(path);
    cr_assert_eq(unlink(g_db), 0);
    mapirt_profstore *b = open_default();
    cr_expect_neq(a, b);
    mapirt_profile_info info;
    cr_expect_eq(mapirt_profstore_find_profile(b, "Old", &info, NULL, 0), MAPI_E_NOT_FOUND,
        "the new file has no profile");
    mapirt_profstore_release(b);
    mapirt_profstore_release(a);
}

Test(store_cache, a_replaced_key_file_is_opened_anew)
{
    mapirt_profstore *a = kept();
    char key[200], copy[210], cmd[500];
    snprintf(key, sizeof key, "%s.key", g_db);
    snprintf(copy, sizeof copy, "%s.copy", key);
    snprintf(cmd, sizeof cmd, "cp -p '%s' '%s'", key, copy);
    cr_assert_eq(system(cmd), 0);
    cr_assert_eq(rename(copy, key), 0);
    cr_expect_not(same_again(a), "the same bytes, but another file");
    mapirt_profstore_release(a);
}

Test(store_cache, a_mode_change_is_opened_anew)
{
    mapirt_profstore *a = kept();
    cr_assert_eq(chmod(g_db, 0400), 0);
    cr_expect_not(same_again(a), "made read-only: what a new open decides");
    mapirt_profstore_release(a);
}

Test(store_cache, a_broken_connection_is_opened_anew)
{
    mapirt_profstore *a = kept();
    atomic_store(&a->broken, 1);
    cr_expect_not(same_again(a));
    mapirt_profstore_release(a);
}

static void exec_sql(const char *sql)
{
    sqlite3 *db;
    cr_assert_eq(sqlite3_open(g_db, &db), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
    sqlite3_close(db);
}

Test(store_cache, a_schema_written_by_another_connection_is_checked_again)
{
    mapirt_profstore *a = kept();
    exec_sql("CREATE TABLE unrelated(x)"); /* a commit elsewhere, the schema version unchanged */
    cr_expect(same_again(a), "still this library's schema");
    exec_sql("PRAGMA user_version = 99");
    mapirt_profstore *b = NULL;
    char err[512] = "", want[512];
    cr_expect_eq(mapirt_profstore_open_default(&b, err, sizeof err), MAPI_E_VERSION);
    cr_expect_null(b);
    snprintf(want, sizeof want,
        "%s was written by a newer mapirt (profile store schema 99; this library knows up "
        "to %d)",
        g_db, MAPIRT_PROFSTORE_SCHEMA);
    cr_expect_str_eq(err, want, "the open's own message");
    mapirt_profstore_release(a);
}

Test(store_cache, a_forked_child_opens_its_own)
{
    mapirt_profstore *a = kept();
    create(a, "Parent");
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        mapirt_profstore *c = NULL;
        mapirt_profile_info info;
        if (mapirt_profstore_open_default(&c, NULL, 0) != S_OK)
            _exit(1);
        if (c == a)
            _exit(2); /* the parent's connection */
        if (mapirt_profstore_find_profile(c, "Parent", &info, NULL, 0) != S_OK)
            _exit(3);
        mapirt_profstore_release(c);
        _exit(0);
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child: %d",
        WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    cr_expect(same_again(a), "the parent keeps its own");
    mapirt_profstore_release(a);
}

Test(store_cache, forgetting_closes_it)
{
    mapirt_profstore *a = kept();
    mapirt_profstore_forget_default();
    cr_expect_not(same_again(a));
    mapirt_profstore_release(a);
}

/* Opening the store by path (mapirt_profstore_open) never drops the kept connection's locks: it
 * does not open and close a descriptor of an existing database (closing one would release every
 * POSIX lock this process holds on the file, so another process closing its connection would
 * checkpoint and delete the WAL the kept connection still writes to). */
Test(store_cache, opening_by_path_keeps_the_kept_connection_s_wal)
{
    mapirt_profstore *a = kept();
    mapirt_profstore *b = open_store();
    mapirt_profstore_release(b);
    /* another process's connection (python3's sqlite3: a program of its own, not a fork of
     * this one, which would share this process's SQLite state), opened, read and closed: if
     * this process no longer held its lock on the database, that close would find itself the
     * last connection and checkpoint and delete the WAL */
    char cmd[600];
    snprintf(cmd, sizeof cmd,
        "python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
        "c.execute(\"SELECT count(*) FROM sqlite_master\").fetchall(); c.close()' '%s'",
        g_db);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    char wal[200];
    struct stat sb;
    snprintf(wal, sizeof wal, "%s-wal", g_db);
    cr_expect_eq(stat(wal, &sb), 0, "the WAL of the kept connection is still there");
    create(a, "After");
    mapirt_profstore *c = open_store();
    mapirt_profile_info info;
    cr_expect_eq(mapirt_profstore_find_profile(c, "After", &info, NULL, 0), S_OK,
        "and what it writes is seen by a new connection");
    mapirt_profstore_release(c);
    mapirt_profstore_release(a);
}
