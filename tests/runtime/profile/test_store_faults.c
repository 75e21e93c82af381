/* tests/runtime/profile/test_store_faults.c: the profile store under real faults: two processes
 * editing at once, a writer killed with SIGKILL in the middle of its transactions, a read-only
 * store, a full disk (RLIMIT_FSIZE), and SQLite's own allocations failing one by one. */
#include "storefixture.h"

#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <mapirt/alloc.h>

TestSuite(store_faults, .init = store_setup, .fini = store_teardown, .timeout = 120);

/* Children report through their exit status; messages go to stderr. */
#define CHILD_CHECK(cond, ...) \
    do { \
        if (!(cond)) { \
            fprintf(stderr, "child %d: " __VA_ARGS__); \
            fprintf(stderr, "\n"); \
            _exit(1); \
        } \
    } while (0)

static int wait_child(pid_t pid)
{
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    return status;
}

/* ---- two processes at once ---- */

struct incr {
    mapirt_profile_id id;
    MAPIUID uid;
};

/* read-modify-write of a counter: loses updates unless transactions are isolated */
static HRESULT increment(mapirt_ps_tx *tx, void *p)
{
    struct incr *c = p;
    ULONG n;
    LPSPropValue v;
    HRESULT hr = mapirt_ps_props_get(tx, c->id, &c->uid, &n, &v);
    if (FAILED(hr))
        return hr;
    LONG cur = 0;
    for (ULONG i = 0; i < n; i++)
        if (v[i].ulPropTag == PROP_TAG(PT_LONG, 0x6600))
            cur = v[i].Value.l;
    MAPIFreeBuffer(v);
    SPropValue nv = {.ulPropTag = PROP_TAG(PT_LONG, 0x6600), .Value.l = cur + 1};
    return mapirt_ps_props_set(tx, c->id, &c->uid, 1, &nv);
}

static void editor(int who, mapirt_profile_id id)
{
    mapirt_profstore *ps = NULL;
    char err[512];
    CHILD_CHECK(mapirt_profstore_open(g_db, &ps, err, sizeof err) == S_OK, "%s", who, err);
    struct incr c = {id, uid_of(1)};
    for (int k = 0; k < 100; k++) {
        SPropValue v = {.ulPropTag = PROP_TAG(PT_LONG, 0x6000 + who * 100 + k), .Value.l = k};
        HRESULT hr = mapirt_profstore_set_props(ps, id, &c.uid, 1, &v, err, sizeof err);
        CHILD_CHECK(hr == S_OK, "set 0x%08x %s", who, (unsigned)hr, err);
        hr = mapirt_profstore_write(ps, increment, &c, err, sizeof err);
        CHILD_CHECK(hr == S_OK, "increment 0x%08x %s", who, (unsigned)hr, err);
        if (k % 10 == 0) {
            char name[32];
            snprintf(name, sizeof name, "Editor %d %d", who, k);
            hr = mapirt_profstore_create_profile(ps, name, 0, NULL, err, sizeof err);
            CHILD_CHECK(hr == S_OK, "create 0x%08x %s", who, (unsigned)hr, err);
        }
    }
    mapirt_profstore_release(ps);
    _exit(0);
}

Test(store_faults, two_processes_editing_lose_nothing)
{
    mapirt_profstore *ps = open_store();
    mapirt_profile_id id = create(ps, "Shared");
    pid_t kids[2];
    for (int who = 0; who < 2; who++) {
        kids[who] = fork();
        cr_assert_neq(kids[who], -1);
        if (kids[who] == 0)
            editor(who, id);
    }
    for (int who = 0; who < 2; who++) {
        int st = wait_child(kids[who]);
        cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "editor %d failed", who);
    }
    MAPIUID u = uid_of(1);
    ULONG n;
    LPSPropValue v;
    cr_assert_eq(mapirt_profstore_get_props(ps, id, &u, &n, &v, NULL, 0), S_OK);
    cr_expect_eq(n, 201, "200 properties and the counter, found %u", n);
    for (ULONG i = 0; i < n; i++)
        if (v[i].ulPropTag == PROP_TAG(PT_LONG, 0x6600))
            cr_expect_eq(v[i].Value.l, 200, "no increment lost: %d", v[i].Value.l);
    MAPIFreeBuffer(v);
    for (int who = 0; who < 2; who++)
        for (int k = 0; k < 100; k += 10) {
            char name[32];
            mapirt_profile_info info;
            snprintf(name, sizeof name, "editor %d %d", who, k);
            cr_expect_eq(mapirt_profstore_find_profile(ps, name, &info, NULL, 0), S_OK, "%s",
                name);
        }
    mapirt_profstore_release(ps);
}

/* ---- SIGKILL in the middle of a change ---- */

#define KILL_PROPS 40

struct fill {
    mapirt_profile_id id;
    LONG n;
};

/* one transaction: a profile created, forty properties all set to n, the old profile gone */
static HRESULT fill_all(mapirt_ps_tx *tx, void *p)
{
    struct fill *f = p;
    MAPIUID u = uid_of(2);
    SPropValue v[KILL_PROPS];
    static BYTE pad[4096];
    for (int i = 0; i < KILL_PROPS; i++) {
        v[i].ulPropTag = i % 2 ? PROP_TAG(PT_LONG, 0x6600 + i) : PROP_TAG(PT_BINARY, 0x6600 + i);
        if (i % 2)
            v[i].Value.l = f->n;
        else {
            memcpy(pad, &f->n, sizeof f->n);
            v[i].Value.bin.cb = sizeof pad;
            v[i].Value.bin.lpb = pad;
        }
    }
    char name[32];
    mapirt_profile_id extra;
    snprintf(name, sizeof name, "Round %d", (int)f->n);
    HRESULT hr = mapirt_ps_props_set(tx, f->id, &u, KILL_PROPS, v);
    if (SUCCEEDED(hr))
        hr = mapirt_ps_profile_create(tx, name, 0, &extra);
    if (SUCCEEDED(hr) && f->n > 1) {
        mapirt_profile_info old;
        snprintf(name, sizeof name, "Round %d", (int)f->n - 1);
        hr = mapirt_ps_profile_find(tx, name, &old);
        if (SUCCEEDED(hr))
            hr = mapirt_ps_profile_delete(tx, old.id);
    }
    return hr;
}

/* Writes transaction after transaction until killed; says on `ready` when the first committed. */
static void writer(mapirt_profile_id id, LONG start, int ready)
{
    mapirt_profstore *ps = NULL;
    char err[512];
    CHILD_CHECK(mapirt_profstore_open(g_db, &ps, err, sizeof err) == S_OK, "%s", 0, err);
    for (struct fill f = {id, start};; f.n++) {
        HRESULT hr = mapirt_profstore_write(ps, fill_all, &f, err, sizeof err);
        CHILD_CHECK(hr == S_OK, "0x%08x %s", 0, (unsigned)hr, err);
        if (ready >= 0) {
            CHILD_CHECK(write(ready, "1", 1) == 1, "%s", 0, "ready pipe");
            close(ready);
            ready = -1;
        }
    }
}

Test(store_faults, a_writer_killed_mid_change_leaves_a_whole_state)
{
    mapirt_profstore *ps = open_store();
    mapirt_profile_id id = create(ps, "Killed");
    mapirt_profstore_release(ps);
    LONG start = 1, last = 0;
    srand((unsigned)time(NULL));
    for (int round = 0; round < 8; round++) {
        /* Every other round kills only after a first commit, so that some rounds are known to
         * have committed however loaded the machine is; the others may kill before any. */
        int ready[2];
        cr_assert_eq(pipe(ready), 0);
        pid_t pid = fork();
        cr_assert_neq(pid, -1);
        if (pid == 0) {
            close(ready[0]);
            writer(id, start, round % 2 ? ready[1] : -1);
        }
        close(ready[1]);
        if (round % 2) {
            char c;
            cr_assert_eq(read(ready[0], &c, 1), 1, "round %d: the writer never committed", round);
        }
        close(ready[0]);
        usleep(30000 + (useconds_t)(rand() % 150000));
        kill(pid, SIGKILL);
        int st = wait_child(pid);
        cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "the writer died by itself");

        /* the store opens, and holds one whole transaction's state */
        ps = open_store();
        MAPIUID u = uid_of(2);
        ULONG n;
        LPSPropValue v;
        HRESULT hr = mapirt_profstore_get_props(ps, id, &u, &n, &v, NULL, 0);
        LONG seen = -1;
        if (hr == S_OK) {
            cr_assert_eq(n, KILL_PROPS, "round %d: %u properties", round, n);
            for (ULONG i = 0; i < n; i++) {
                LONG x;
                if (PROP_TYPE(v[i].ulPropTag) == PT_LONG)
                    x = v[i].Value.l;
                else
                    memcpy(&x, v[i].Value.bin.lpb, sizeof x);
                if (seen < 0)
                    seen = x;
                cr_assert_eq(x, seen, "round %d: a mix of transactions %d and %d", round, seen, x);
            }
            MAPIFreeBuffer(v);
            char name[32];
            mapirt_profile_info info;
            snprintf(name, sizeof name, "Round %d", (int)seen);
            cr_expect_eq(mapirt_profstore_find_profile(ps, name, &info, NULL, 0), S_OK,
                "round %d: the profile of transaction %d", round, seen);
            snprintf(name, sizeof name, "Round %d", (int)seen - 1);
            cr_expect_eq(mapirt_profstore_find_profile(ps, name, &info, NULL, 0),
                MAPI_E_NOT_FOUND, "round %d: the one it deleted", round);
            cr_assert_geq(seen, last);
            last = seen;
            start = seen + 1;
        } else {
            cr_assert_eq(hr, MAPI_E_NOT_FOUND, "0x%08x", (unsigned)hr);
        }
        mapirt_profstore_release(ps);
    }
    cr_expect_gt(last, 0, "some transactions committed");
}

/* ---- read-only store ---- */

/* Root ignores file modes: the child gives up root first so that they apply. */
static void become_nobody(void)
{
    if (geteuid() == 0) {
        CHILD_CHECK(setgroups(0, NULL) == 0 && setgid(65534) == 0 && setuid(65534) == 0,
            "cannot drop root: %s", 0, strerror(errno));
    }
}

Test(store_faults, a_read_only_store_says_so_and_keeps_its_data)
{
    chmod(g_dir, 0777);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        become_nobody();
        char dir[160], db[200], err[512];
        snprintf(dir, sizeof dir, "%s/ro", g_dir);
        snprintf(db, sizeof db, "%s/profiles.db", dir);
        mapirt_profstore *ps = NULL;
        /* a store that cannot be created */
        CHILD_CHECK(mkdir(dir, 0700) == 0, "mkdir", 0);
        CHILD_CHECK(chmod(dir, 0500) == 0, "chmod", 0);
        HRESULT hr = mapirt_profstore_open(db, &ps, err, sizeof err);
        CHILD_CHECK(hr == MAPI_E_NO_ACCESS, "create in a read-only directory: 0x%08x %s", 0,
            (unsigned)hr, err);
        CHILD_CHECK(strstr(err, "Permission denied") != NULL, "message: %s", 0, err);

        /* a store made read-only after it was written */
        CHILD_CHECK(chmod(dir, 0700) == 0, "chmod", 0);
        CHILD_CHECK(mapirt_profstore_open(db, &ps, err, sizeof err) == S_OK, "%s", 0, err);
        mapirt_profile_id id;
        CHILD_CHECK(mapirt_profstore_create_profile(ps, "Kept", 0, &id, err, sizeof err) == S_OK,
            "%s", 0, err);
        MAPIUID u = uid_of(4);
        SPropValue v = {.ulPropTag = PROP_TAG(PT_LONG, 0x6600), .Value.l = 7};
        CHILD_CHECK(mapirt_profstore_set_props(ps, id, &u, 1, &v, err, sizeof err) == S_OK, "%s",
            0, err);
        mapirt_profstore_release(ps);
        CHILD_CHECK(chmod(db, 0400) == 0 && chmod(dir, 0500) == 0, "chmod", 0);
        hr = mapirt_profstore_open(db, &ps, err, sizeof err);
        CHILD_CHECK(hr == S_OK, "a read-only store still opens: 0x%08x %s", 0, (unsigned)hr, err);
        v.Value.l = 8;
        hr = mapirt_profstore_set_props(ps, id, &u, 1, &v, err, sizeof err);
        CHILD_CHECK(hr == MAPI_E_NO_ACCESS, "write: 0x%08x %s", 0, (unsigned)hr, err);
        CHILD_CHECK(strstr(err, "readonly") != NULL || strstr(err, "read-only") != NULL,
            "message: %s", 0, err);
        hr = mapirt_profstore_create_profile(ps, "New", 0, NULL, err, sizeof err);
        CHILD_CHECK(hr == MAPI_E_NO_ACCESS, "create: 0x%08x %s", 0, (unsigned)hr, err);
        ULONG n;
        LPSPropValue out;
        hr = mapirt_profstore_get_props(ps, id, &u, &n, &out, err, sizeof err);
        CHILD_CHECK(hr == S_OK && n == 1 && out[0].Value.l == 7, "read back: 0x%08x %s", 0,
            (unsigned)hr, err);
        MAPIFreeBuffer(out);
        mapirt_profstore_release(ps);
        _exit(0);
    }
    int st = wait_child(pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "see the child's message");
}

/* ---- full disk ---- */

Test(store_faults, a_full_disk_is_reported_and_loses_nothing)
{
    mapirt_profstore *ps = open_store();
    mapirt_profile_id id = create(ps, "Full");
    MAPIUID u = uid_of(6);
    set_long(ps, id, &u, PROP_TAG(PT_LONG, 0x6600), 1);
    mapirt_profstore_release(ps);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        char err[512];
        CHILD_CHECK(mapirt_profstore_open(g_db, &ps, err, sizeof err) == S_OK, "%s", 0, err);
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {256 * 1024, 256 * 1024};
        CHILD_CHECK(setrlimit(RLIMIT_FSIZE, &rl) == 0, "setrlimit", 0);
        static BYTE big[1 << 20];
        SPropValue v[2] = {{.ulPropTag = PROP_TAG(PT_LONG, 0x6600), .Value.l = 2},
            {.ulPropTag = PROP_TAG(PT_BINARY, 0x6601),
                .Value.bin = {sizeof big, big}}};
        HRESULT hr = mapirt_profstore_set_props(ps, id, &u, 2, v, err, sizeof err);
        CHILD_CHECK(hr == MAPI_E_NOT_ENOUGH_DISK, "0x%08x %s", 0, (unsigned)hr, err);
        fprintf(stderr, "full disk reported as: %s\n", err);
        /* nothing of it was kept, and a small change still goes through */
        ULONG n;
        LPSPropValue out;
        hr = mapirt_profstore_get_props(ps, id, &u, &n, &out, err, sizeof err);
        CHILD_CHECK(hr == S_OK && n == 1 && out[0].Value.l == 1, "after: 0x%08x n=%u", 0,
            (unsigned)hr, n);
        MAPIFreeBuffer(out);
        v[0].Value.l = 3;
        hr = mapirt_profstore_set_props(ps, id, &u, 1, v, err, sizeof err);
        CHILD_CHECK(hr == S_OK, "small write: 0x%08x %s", 0, (unsigned)hr, err);
        mapirt_profstore_release(ps);
        _exit(0);
    }
    int st = wait_child(pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "see the child's message");
    ps = open_store();
    cr_expect_eq(get_long(ps, id, &u, PROP_TAG(PT_LONG, 0x6600)), 3);
    cr_expect_eq(get_long(ps, id, &u, PROP_TAG(PT_BINARY, 0x6601)), -1);
    mapirt_profstore_release(ps);
}

/* ---- SQLite's own allocations failing ---- */

static sqlite3_mem_methods real_mem;
static long sql_countdown; /* 0: disarmed; n: the n-th allocation from now fails */

static void *fail_malloc(int n)
{
    if (sql_countdown > 0 && --sql_countdown == 0)
        return NULL;
    return real_mem.xMalloc(n);
}
static void *fail_realloc(void *p, int n)
{
    if (sql_countdown > 0 && --sql_countdown == 0)
        return NULL;
    return real_mem.xRealloc(p, n);
}

static HRESULT create_and_fill(mapirt_ps_tx *tx, void *p)
{
    struct fill *f = p;
    HRESULT hr = mapirt_ps_profile_create(tx, "Memory", 0, &f->id);
    if (FAILED(hr))
        return hr;
    MAPIUID u = uid_of(8);
    SPropValue v[2] = {{.ulPropTag = PROP_TAG(PT_LONG, 0x6600), .Value.l = 5},
        {.ulPropTag = PROP_TAG(PT_STRING8, 0x6601), .Value.lpszA = "text"}};
    return mapirt_ps_props_set(tx, f->id, &u, 2, v);
}

Test(store_faults, sqlite_out_of_memory_at_every_allocation)
{
    sqlite3_shutdown();
    sqlite3_mem_methods m;
    cr_assert_eq(sqlite3_config(SQLITE_CONFIG_GETMALLOC, &real_mem), SQLITE_OK);
    m = real_mem;
    m.xMalloc = fail_malloc;
    m.xRealloc = fail_realloc;
    cr_assert_eq(sqlite3_config(SQLITE_CONFIG_MALLOC, &m), SQLITE_OK);
    cr_assert_eq(sqlite3_initialize(), SQLITE_OK);

    mapirt_profstore *ps = open_store();
    long points = 0;
    for (long n = 1;; n++) {
        struct fill f = {0};
        char err[512];
        sql_countdown = n;
        HRESULT hr = mapirt_profstore_write(ps, create_and_fill, &f, err, sizeof err);
        long left = sql_countdown;
        sql_countdown = 0;
        mapirt_profile_info info;
        HRESULT found = mapirt_profstore_find_profile(ps, "Memory", &info, NULL, 0);
        if (left > 0) { /* the failure was never reached */
            cr_assert_eq(hr, S_OK, "0x%08x %s", (unsigned)hr, err);
            cr_expect_eq(found, S_OK);
            points = n - 1;
            break;
        }
        cr_assert(FAILED(hr), "allocation %ld failed but the write succeeded", n);
        cr_expect_eq(hr, MAPI_E_NOT_ENOUGH_MEMORY, "allocation %ld: 0x%08x %s", n, (unsigned)hr,
            err);
        cr_assert_eq(found, MAPI_E_NOT_FOUND, "allocation %ld: a failed write left a profile", n);
    }
    cr_expect_gt(points, 0);
    mapirt_profstore_release(ps);
}
