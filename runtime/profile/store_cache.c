/* store_cache.c: the profile store a process keeps open between logons (store.h,
 * mapirt_profstore_open_default).
 *
 * Opening the store was most of a logon's cost: a SQLite connection, its -wal and -shm files,
 * the schema check, the key file, and at the close a checkpoint deleting the WAL again
 * (bench/README.md). MAPILogonEx and MAPIAdminProfiles therefore share one open store, kept from
 * its first use until the last MAPIUninitialize.
 *
 * Keeping it never serves stale data, because nothing read from the store is kept with it:
 * every operation is a SQLite transaction, and a transaction sees every commit made before it
 * began, by any connection of any process (WAL). What is kept (the connection to one file, its
 * prepared statements, the key read beside it, the schema it checked) is checked each time the
 * store is handed out, and the store is opened anew when
 *  - the path differs: MAPIRT_PROFILES, XDG_CONFIG_HOME or HOME changed (the kept store closes);
 *  - the database file or its key file is not the same file any more (device, inode, file type
 *    and mode, from lstat: one system call each): deleted, replaced (renamed over, restored from
 *    a copy), made read-only, or a key file made, removed or replaced since;
 *  - another connection committed since the schema was last checked (PRAGMA data_version) and
 *    the schema is no longer this library's version (a newer mapirt migrated it): the new open
 *    migrates or refuses it, as any open does;
 *  - a failure may have broken the connection (an I/O error, corruption: store_open.c marks it);
 *  - the process is a child forked from the one that opened it: SQLite's locks belong to a
 *    process, so the child opens its own connection and leaves its parent's alone (closing it
 *    in the child could checkpoint and delete the parent's WAL).
 *
 * Lock order: g_mu alone, held only to look at or swap the kept handle (never across an open
 * or a transaction, so fork, which takes it, never waits long). */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <mapicode.h>

#include <mapirt/init.h>

#include "store_internal.h"

struct ident {
    int present;
    dev_t dev;
    ino_t ino;
    mode_t mode;
};

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static mapirt_profstore *g_ps; /* one reference, under g_mu */
static struct ident g_db, g_key;

static void fork_prepare(void)
{
    pthread_mutex_lock(&g_mu);
}
static void fork_parent(void)
{
    pthread_mutex_unlock(&g_mu);
}
static void fork_child(void)
{
    g_ps = NULL; /* the parent's connection: never used here, never closed here */
    pthread_mutex_unlock(&g_mu);
}

static void once(void)
{
    pthread_atfork(fork_prepare, fork_parent, fork_child);
}

static void ident_of(const char *path, struct ident *id)
{
    struct stat st;
    memset(id, 0, sizeof *id);
    if (lstat(path, &st) == 0)
        *id = (struct ident){1, st.st_dev, st.st_ino, st.st_mode};
}

static int same(const struct ident *a, const struct ident *b)
{
    return a->present == b->present &&
           (!a->present || (a->dev == b->dev && a->ino == b->ino && a->mode == b->mode));
}

/* Takes the kept store out of the cache when it still is cand; returns the reference the
 * cache held (NULL when it was not cand). */
static mapirt_profstore *take_if(mapirt_profstore *cand)
{
    mapirt_profstore *old = NULL;
    pthread_mutex_lock(&g_mu);
    if (g_ps == cand) {
        old = g_ps;
        g_ps = NULL;
    }
    pthread_mutex_unlock(&g_mu);
    return old;
}

HRESULT mapirt_profstore_open_default(mapirt_profstore **out, char *err, size_t cberr)
{
    char path[PATH_MAX], keypath[PATH_MAX + 8];
    struct ident db, key;
    HRESULT hr;

    *out = NULL;
    pthread_once(&g_once, once);
    if (FAILED(hr = mapirt_profstore_default_path(path, sizeof path, err, cberr)))
        return hr;
    snprintf(keypath, sizeof keypath, "%s.key", path);
    ident_of(path, &db);
    ident_of(keypath, &key);

    mapirt_profstore *ps = NULL;
    pthread_mutex_lock(&g_mu);
    if (g_ps && db.present && same(&db, &g_db) && same(&key, &g_key) &&
        strcmp(mapirt_profstore_path(g_ps), path) == 0) {
        ps = g_ps;
        mapirt_profstore_addref(ps);
    }
    pthread_mutex_unlock(&g_mu);
    if (ps) {
        int changed;
        if (SUCCEEDED(mapirt_profstore_recheck(ps, &changed, NULL, 0))) {
            *out = ps;
            return S_OK;
        }
        mapirt_profstore_release(take_if(ps));
        mapirt_profstore_release(ps);
    }

    if (FAILED(hr = mapirt_profstore_open(path, &ps, err, cberr)))
        return hr;
    /* kept only when nothing replaced the files while they were opened: the identities then
     * are those of the files the connection and the key came from */
    struct ident db2, key2;
    ident_of(path, &db2);
    ident_of(keypath, &key2);
    if (db.present && same(&db, &db2) && same(&key, &key2)) {
        mapirt_profstore *old;
        mapirt_profstore_addref(ps);
        pthread_mutex_lock(&g_mu);
        old = g_ps;
        g_ps = ps;
        g_db = db2;
        g_key = key2;
        pthread_mutex_unlock(&g_mu);
        mapirt_profstore_release(old);
    }
    *out = ps;
    return S_OK;
}

void mapirt_profstore_forget_default(void)
{
    pthread_mutex_lock(&g_mu);
    mapirt_profstore *old = g_ps;
    g_ps = NULL;
    pthread_mutex_unlock(&g_mu);
    mapirt_profstore_release(old);
}
