/* tests/runtime/profile/test_inuse.c: profiles in use by sessions (runtime/profile/inuse.c):
 * deleting a profile in use defers the deletion to the end of its last use, in this process or
 * another; a crashed user leaves nothing behind. */
#include "storefixture.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "profile/inuse.h"

TestSuite(inuse, .init = store_setup, .fini = store_teardown, .timeout = 60);

static int exists(mapirt_profstore *ps, mapirt_profile_id id)
{
    MAPIUID u;
    memcpy(&u, &MUID_PROFILE_INSTANCE, 16);
    ULONG n;
    LPSPropValue v;
    HRESULT hr = mapirt_profstore_get_props(ps, id, &u, &n, &v, NULL, 0);
    if (hr == S_OK)
        MAPIFreeBuffer(v);
    return hr == S_OK;
}

Test(inuse, unused_profiles_are_deleted_at_once)
{
    mapirt_profstore *ps = open_store();
    mapirt_profile_id id = create(ps, "Free");
    int deferred = -1;
    char err[256];
    cr_assert_eq(mapirt_profile_delete_or_defer(ps, id, &deferred, err, sizeof err), S_OK, "%s",
                 err);
    cr_expect_eq(deferred, 0);
    cr_expect_not(exists(ps, id));
    mapirt_profile_use *u;
    cr_expect_eq(mapirt_profile_use_begin(ps, id, &u, err, sizeof err), MAPI_E_NOT_FOUND);
    mapirt_profstore_release(ps);
}

Test(inuse, the_last_use_in_this_process_deletes)
{
    mapirt_profstore *ps = open_store();
    mapirt_profile_id id = create(ps, "Busy");
    mapirt_profile_use *u1, *u2, *u3;
    char err[256];
    cr_assert_eq(mapirt_profile_use_begin(ps, id, &u1, err, sizeof err), S_OK, "%s", err);
    cr_assert_eq(mapirt_profile_use_begin(ps, id, &u2, err, sizeof err), S_OK, "%s", err);
    int deferred = -1;
    cr_assert_eq(mapirt_profile_delete_or_defer(ps, id, &deferred, err, sizeof err), S_OK);
    cr_expect_eq(deferred, 1);
    cr_expect(exists(ps, id), "kept for its sessions");
    mapirt_profile_info info;
    cr_expect_eq(mapirt_profstore_find_profile(ps, "Busy", &info, NULL, 0), MAPI_E_NOT_FOUND,
                 "but no longer found by name");
    cr_expect_eq(mapirt_profile_use_begin(ps, id, &u3, err, sizeof err), MAPI_E_NOT_FOUND,
                 "and no new session starts on it");
    mapirt_profile_use_end(u1);
    cr_expect(exists(ps, id), "one use left");
    mapirt_profile_use_end(u2);
    cr_expect_not(exists(ps, id), "deleted with its last use");
    mapirt_profstore_release(ps);
}

Test(inuse, a_use_in_another_process)
{
    mapirt_profstore *ps = open_store();
    mapirt_profile_id id = create(ps, "Elsewhere");
    int to_child[2], to_parent[2];
    cr_assert_eq(pipe(to_child), 0);
    cr_assert_eq(pipe(to_parent), 0);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        mapirt_profstore *cps;
        mapirt_profile_use *u;
        char c;
        if (mapirt_profstore_open(g_db, &cps, NULL, 0) != S_OK ||
            mapirt_profile_use_begin(cps, id, &u, NULL, 0) != S_OK)
            _exit(1);
        if (write(to_parent[1], "u", 1) != 1 || read(to_child[0], &c, 1) != 1)
            _exit(2);
        if (c == 'k') /* wait here to be killed */
            pause();
        mapirt_profile_use_end(u);
        mapirt_profstore_release(cps);
        _exit(0);
    }
    char c;
    cr_assert_eq(read(to_parent[0], &c, 1), 1);
    int deferred = -1;
    char err[256];
    cr_assert_eq(mapirt_profile_delete_or_defer(ps, id, &deferred, err, sizeof err), S_OK);
    cr_expect_eq(deferred, 1, "the other process uses it");
    cr_expect(exists(ps, id));
    cr_assert_eq(write(to_child[1], "e", 1), 1);
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    cr_expect_not(exists(ps, id), "its session ended: deleted");
    mapirt_profstore_release(ps);
}

Test(inuse, a_crashed_user_holds_nothing)
{
    mapirt_profstore *ps = open_store();
    mapirt_profile_id id = create(ps, "Crashed");
    int to_parent[2];
    cr_assert_eq(pipe(to_parent), 0);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        mapirt_profstore *cps;
        mapirt_profile_use *u;
        if (mapirt_profstore_open(g_db, &cps, NULL, 0) != S_OK ||
            mapirt_profile_use_begin(cps, id, &u, NULL, 0) != S_OK)
            _exit(1);
        if (write(to_parent[1], "u", 1) != 1)
            _exit(2);
        pause();
        _exit(0);
    }
    char c;
    cr_assert_eq(read(to_parent[0], &c, 1), 1);
    int deferred = -1;
    cr_assert_eq(mapirt_profile_delete_or_defer(ps, id, &deferred, NULL, 0), S_OK);
    cr_expect_eq(deferred, 1);
    cr_expect_eq(mapirt_profile_sweep(ps), 0, "still in use");
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    /* nobody holds it now: a sweep (what a new profile administration object does) deletes it */
    cr_expect(exists(ps, id));
    cr_expect_eq(mapirt_profile_sweep(ps), 1);
    cr_expect_not(exists(ps, id));
    cr_expect_eq(mapirt_profile_sweep(ps), 0);
    mapirt_profstore_release(ps);
}
