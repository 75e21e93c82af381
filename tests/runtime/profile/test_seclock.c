/* tests/runtime/profile/test_seclock.c: OpenProfileSection's locking rule
 * (runtime/profile/seclock.c): many readers or one writer; MAPI_FORCE_ACCESS lifts it; the same
 * rule between two processes on one store, and a killed process holds nothing.
 * configure: also under ThreadSanitizer (tests/runtime/tsan stands in for Criterion). */
#define _DEFAULT_SOURCE
#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mapicode.h>

#include "profile/seclock.h"

static MAPIUID uid_of(int b)
{
    MAPIUID u;
    memset(&u, b, sizeof u);
    return u;
}

/* A fresh directory with the paths of two stores in it. */
static void stores(char *dir, char *s, char *t)
{
    strcpy(dir, "/tmp/mapirt-test-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    sprintf(s, "%s/s.db", dir);
    sprintf(t, "%s/t.db", dir);
}

static void remove_dir(const char *dir)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
}

Test(seclock, readers_or_one_writer)
{
    char dir[64], S[96], T[96];
    stores(dir, S, T);
    MAPIUID a = uid_of(1), b = uid_of(2);
    mapirt_seclock *r1, *r2, *w, *x;
    cr_assert_eq(mapirt_seclock_take(S, 1, &a, 0, 0, &r1), S_OK);
    cr_assert_eq(mapirt_seclock_take(S, 1, &a, 0, 0, &r2), S_OK, "readers share");
    cr_expect_eq(mapirt_seclock_take(S, 1, &a, 1, 0, &w), MAPI_E_NO_ACCESS,
                 "a writer waits for no reader: it is refused");
    cr_assert_eq(mapirt_seclock_take(S, 1, &b, 1, 0, &w), S_OK, "another section");
    cr_assert_eq(mapirt_seclock_take(S, 2, &a, 1, 0, &x), S_OK, "another profile");
    mapirt_seclock_drop(x);
    cr_assert_eq(mapirt_seclock_take(T, 1, &a, 1, 0, &x), S_OK, "another store");
    mapirt_seclock_drop(x);
    cr_expect_eq(mapirt_seclock_take(S, 1, &b, 0, 0, &x), MAPI_E_NO_ACCESS,
                 "no reader while a writer holds it");
    cr_expect_eq(mapirt_seclock_take(S, 1, &b, 1, 0, &x), MAPI_E_NO_ACCESS);
    cr_assert_eq(mapirt_seclock_take(S, 1, &b, 1, 1, &x), S_OK, "MAPI_FORCE_ACCESS");
    mapirt_seclock_drop(x);
    mapirt_seclock_drop(w);
    cr_assert_eq(mapirt_seclock_take(S, 1, &b, 0, 0, &x), S_OK, "free again");
    mapirt_seclock_drop(x);
    mapirt_seclock_drop(r1);
    cr_expect_eq(mapirt_seclock_take(S, 1, &a, 1, 0, &w), MAPI_E_NO_ACCESS, "r2 remains");
    mapirt_seclock_drop(r2);
    cr_assert_eq(mapirt_seclock_take(S, 1, &a, 1, 0, &w), S_OK);
    mapirt_seclock_drop(w);
    mapirt_seclock_drop(NULL);
    remove_dir(dir);
}

Test(seclock, without_a_lock_file_the_rule_holds_in_the_process)
{
    MAPIUID a = uid_of(1);
    mapirt_seclock *w, *x;
    const char *nowhere = "/nonexistent/mapirt/profiles.db";
    cr_assert_eq(mapirt_seclock_take(nowhere, 1, &a, 1, 0, &w), S_OK);
    cr_expect_eq(mapirt_seclock_take(nowhere, 1, &a, 0, 0, &x), MAPI_E_NO_ACCESS);
    mapirt_seclock_drop(w);
}

static char g_store[96];

static void *churn(void *p)
{
    MAPIUID u = uid_of(9);
    int *conflicts = p;
    for (int i = 0; i < 2000; i++) {
        mapirt_seclock *l;
        HRESULT hr = mapirt_seclock_take(g_store, 7, &u, i % 3 == 0, 0, &l);
        if (hr == S_OK)
            mapirt_seclock_drop(l);
        else if (hr == MAPI_E_NO_ACCESS)
            (*conflicts)++;
    }
    return NULL;
}

Test(seclock, threads)
{
    char dir[64], T[96];
    stores(dir, g_store, T);
    pthread_t t[4];
    int conflicts[4] = {0};
    for (int i = 0; i < 4; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, churn, &conflicts[i]), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    MAPIUID u = uid_of(9);
    mapirt_seclock *l;
    cr_expect_eq(mapirt_seclock_take(g_store, 7, &u, 1, 0, &l), S_OK, "every hold was dropped");
    mapirt_seclock_drop(l);
    remove_dir(dir);
}

/* ---- another process ----
 * The child is forked before this process takes anything, so its own table is empty: whatever
 * it is refused, the other process's kernel locks refused. It takes and drops sections on
 * command: "R<b>" read, "W<b>" write, "F<b>" forced write (section uid_of(b) of profile 1),
 * "D" drops its last one; it answers 'y' (taken), 'n' (MAPI_E_NO_ACCESS) or 'e'. */

struct child {
    pid_t pid;
    int to, from;
};

static void child_loop(const char *store, int in, int out)
{
    mapirt_seclock *held[16];
    int n = 0;
    char cmd[2];
    while (read(in, cmd, 1) == 1) {
        if (cmd[0] == 'D') {
            if (n)
                mapirt_seclock_drop(held[--n]);
            continue;
        }
        if (read(in, cmd + 1, 1) != 1)
            break;
        MAPIUID u = uid_of(cmd[1]);
        mapirt_seclock *l;
        HRESULT hr = mapirt_seclock_take(store, 1, &u, cmd[0] != 'R', cmd[0] == 'F', &l);
        char answer = hr == S_OK ? 'y' : hr == MAPI_E_NO_ACCESS ? 'n' : 'e';
        if (hr == S_OK && n < 16)
            held[n++] = l;
        if (write(out, &answer, 1) != 1)
            break;
    }
    _exit(0);
}

static struct child start_child(const char *store)
{
    int down[2], up[2];
    cr_assert_eq(pipe(down), 0);
    cr_assert_eq(pipe(up), 0);
    struct child c;
    c.pid = fork();
    cr_assert_neq(c.pid, -1);
    if (c.pid == 0) {
        close(down[1]);
        close(up[0]);
        child_loop(store, down[0], up[1]);
    }
    close(down[0]);
    close(up[1]);
    c.to = down[1];
    c.from = up[0];
    return c;
}

static char ask(struct child *c, char op, char section)
{
    char cmd[2] = {op, section}, answer = '?';
    cr_assert_eq(write(c->to, cmd, 2), 2);
    cr_assert_eq(read(c->from, &answer, 1), 1);
    return answer;
}

static void drop_last(struct child *c)
{
    cr_assert_eq(write(c->to, "D", 1), 1);
}

Test(seclock, the_rule_holds_between_processes)
{
    char dir[64], S[96], T[96];
    stores(dir, S, T);
    struct child c = start_child(S);
    MAPIUID a = uid_of(1);
    mapirt_seclock *w, *r, *x;

    cr_assert_eq(mapirt_seclock_take(S, 1, &a, 1, 0, &w), S_OK);
    cr_expect_eq(ask(&c, 'R', 1), 'n', "no reader elsewhere while this process writes");
    cr_expect_eq(ask(&c, 'W', 1), 'n', "nor another writer");
    cr_expect_eq(ask(&c, 'W', 2), 'y', "another section is free");
    drop_last(&c);
    cr_expect_eq(ask(&c, 'F', 1), 'y', "MAPI_FORCE_ACCESS goes past the rule elsewhere too");
    drop_last(&c);
    mapirt_seclock_drop(w);

    cr_expect_eq(ask(&c, 'R', 1), 'y', "free again");
    cr_assert_eq(mapirt_seclock_take(S, 1, &a, 0, 0, &r), S_OK, "readers share across processes");
    mapirt_seclock_drop(r);
    cr_expect_eq(mapirt_seclock_take(S, 1, &a, 1, 0, &w), MAPI_E_NO_ACCESS,
                 "the other process reads it");
    cr_assert_eq(mapirt_seclock_take(S, 1, &a, 1, 1, &x), S_OK, "forced");
    mapirt_seclock_drop(x);
    MAPIUID other = uid_of(1);
    cr_expect_eq(mapirt_seclock_take(T, 1, &other, 1, 0, &x), S_OK, "another store is apart");
    mapirt_seclock_drop(x);

    /* the other process dies holding its read lock: the kernel drops it */
    kill(c.pid, SIGKILL);
    cr_assert_eq(waitpid(c.pid, NULL, 0), c.pid);
    cr_expect_eq(mapirt_seclock_take(S, 1, &a, 1, 0, &w), S_OK, "a killed process holds nothing");
    mapirt_seclock_drop(w);
    close(c.to);
    close(c.from);
    remove_dir(dir);
}

Test(seclock, a_writer_elsewhere_keeps_this_process_out_until_it_ends)
{
    char dir[64], S[96], T[96];
    stores(dir, S, T);
    struct child c = start_child(S);
    MAPIUID a = uid_of(3);
    mapirt_seclock *l;
    cr_assert_eq(ask(&c, 'W', 3), 'y');
    cr_expect_eq(mapirt_seclock_take(S, 1, &a, 0, 0, &l), MAPI_E_NO_ACCESS);
    cr_expect_eq(mapirt_seclock_take(S, 1, &a, 1, 0, &l), MAPI_E_NO_ACCESS);
    cr_expect_eq(mapirt_seclock_take(S, 1, &a, 0, 0, &l), MAPI_E_NO_ACCESS,
                 "a refusal leaves nothing behind");
    kill(c.pid, SIGKILL);
    cr_assert_eq(waitpid(c.pid, NULL, 0), c.pid);
    cr_assert_eq(mapirt_seclock_take(S, 1, &a, 1, 0, &l), S_OK);
    mapirt_seclock_drop(l);
    close(c.to);
    close(c.from);
    remove_dir(dir);
}
