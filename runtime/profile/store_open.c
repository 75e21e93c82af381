/* store_open.c: finding, creating and opening the profile store, its transactions and the
 * translation of SQLite's failures into MAPI's codes. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <mapicode.h>
#include <sodium.h>

#include <mapirt/alloc.h>

#include "store_internal.h"

/* How long a writer waits for another process's transaction before MAPI_E_BUSY. */
#define BUSY_TIMEOUT_MS 10000

static void put_err(char *err, size_t cberr, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void put_err(char *err, size_t cberr, const char *fmt, ...)
{
    if (err && cberr) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, cberr, fmt, ap);
        va_end(ap);
    }
}

static HRESULT errno_hr(int e)
{
    return e == EACCES || e == EPERM || e == EROFS ? MAPI_E_NO_ACCESS
         : e == ENOSPC || e == EDQUOT || e == EFBIG ? MAPI_E_NOT_ENOUGH_DISK
         : e == ENOMEM ? MAPI_E_NOT_ENOUGH_MEMORY
         : e == ENOENT || e == ENOTDIR ? MAPI_E_NOT_FOUND
                                       : MAPI_E_DISK_ERROR;
}

/* mkdir -p of the directory part of path, new directories 0700. */
static HRESULT make_parents(const char *path, char *err, size_t cberr)
{
    char dir[PATH_MAX];
    size_t n = strlen(path);
    if (n >= sizeof dir)
        return put_err(err, cberr, "%s: path too long", path), MAPI_E_INVALID_PARAMETER;
    memcpy(dir, path, n + 1);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return S_OK;
    *slash = '\0';
    for (char *p = dir + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
                int e = errno;
                put_err(err, cberr, "cannot create %s: %s", dir, strerror(e));
                return errno_hr(e);
            }
            *p = c;
            if (c == '\0')
                break;
        }
    }
    return S_OK;
}

HRESULT mapirt_profstore_default_path(char *buf, size_t cb, char *err, size_t cberr)
{
    const char *env = getenv("MAPIRT_PROFILES");
    struct stat st;
    int n;

    if (env && env[0]) {
        if (stat(env, &st) == 0 && S_ISDIR(st.st_mode))
            n = snprintf(buf, cb, "%s/profiles.db", env);
        else
            n = snprintf(buf, cb, "%s", env);
    } else {
        const char *xdg = getenv("XDG_CONFIG_HOME");
        if (xdg && xdg[0] == '/') { /* relative values are invalid (XDG Base Directory spec) */
            n = snprintf(buf, cb, "%s/mapirt/profiles.db", xdg);
        } else {
            const char *home = getenv("HOME");
            struct passwd pw, *res = NULL;
            char pwbuf[1024];
            if (!home || home[0] != '/') {
                if (getpwuid_r(getuid(), &pw, pwbuf, sizeof pwbuf, &res) != 0 || !res ||
                    !res->pw_dir || res->pw_dir[0] != '/') {
                    put_err(err, cberr, "cannot find the profile store: set MAPIRT_PROFILES, "
                                        "XDG_CONFIG_HOME or HOME");
                    return MAPI_E_NOT_FOUND;
                }
                home = res->pw_dir;
            }
            n = snprintf(buf, cb, "%s/.config/mapirt/profiles.db", home);
        }
    }
    if (n < 0 || (size_t)n >= cb) {
        put_err(err, cberr, "profile store path too long");
        return MAPI_E_INVALID_PARAMETER;
    }
    return S_OK;
}

HRESULT mapirt_ps_oom(mapirt_ps_tx *tx)
{
    tx->last_hr = MAPI_E_NOT_ENOUGH_MEMORY;
    put_err(tx->err, tx->cberr, "out of memory in the profile store");
    return MAPI_E_NOT_ENOUGH_MEMORY;
}

HRESULT mapirt_ps_fail(mapirt_ps_tx *tx, HRESULT hr, const char *fmt, ...)
{
    tx->last_hr = hr;
    if (tx->err && tx->cberr) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(tx->err, tx->cberr, fmt, ap);
        va_end(ap);
    }
    return hr;
}

static HRESULT rc_hr(int rc)
{
    switch (rc & 0xFF) {
    case SQLITE_NOMEM: return MAPI_E_NOT_ENOUGH_MEMORY;
    case SQLITE_FULL: return MAPI_E_NOT_ENOUGH_DISK;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return MAPI_E_BUSY;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH: return MAPI_E_NO_ACCESS;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_FORMAT: return MAPI_E_CORRUPT_DATA;
    case SQLITE_IOERR:
        return rc == SQLITE_IOERR_NOMEM ? MAPI_E_NOT_ENOUGH_MEMORY : MAPI_E_DISK_ERROR;
    case SQLITE_CANTOPEN: return MAPI_E_DISK_ERROR;
    default: return MAPI_E_CALL_FAILED;
    }
}

static int out_of_room(const char *path)
{
    struct rlimit rl;
    struct statvfs vfs;
    char dir[PATH_MAX];
    int e = errno;
    if (e == ENOSPC || e == EFBIG || e == EDQUOT)
        return 1;
    if (getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        return 1;
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    return statvfs(slash ? dir : ".", &vfs) == 0 &&
           (unsigned long long)vfs.f_bavail * vfs.f_frsize < (1ull << 20);
}

HRESULT mapirt_ps_sqlfail(mapirt_ps_tx *tx, int rc)
{
    HRESULT hr = rc_hr(rc);
    if (hr == MAPI_E_DISK_ERROR || hr == MAPI_E_CORRUPT_DATA)
        atomic_store(&tx->broken, 1);
    /* A write refused for want of room (ENOSPC, EDQUOT, or EFBIG past RLIMIT_FSIZE) often
     * reaches us as SQLITE_IOERR_WRITE rather than SQLITE_FULL, and SQLite's record of the
     * errno is gone by then: a failed write when the file system or the process is out of room
     * is reported as what it almost certainly is. */
    if (hr == MAPI_E_DISK_ERROR && (rc == SQLITE_IOERR_WRITE || rc == SQLITE_IOERR_TRUNCATE) &&
        out_of_room(tx->path))
        return mapirt_ps_fail(tx, MAPI_E_NOT_ENOUGH_DISK,
                              "%s: no room to write (the disk is full or the file size limit "
                              "is reached)",
                              tx->path);
    if (hr == MAPI_E_BUSY)
        return mapirt_ps_fail(tx, hr, "%s: another process kept the profile store locked for "
                                      "more than %d s", tx->path, BUSY_TIMEOUT_MS / 1000);
    return mapirt_ps_fail(tx, hr, "%s: %s", tx->path,
                          tx->db ? sqlite3_errmsg(tx->db) : sqlite3_errstr(rc));
}

sqlite3_stmt *mapirt_ps_prepare(mapirt_ps_tx *tx, const char *sql)
{
    int free_slot = -1;
    for (int i = 0; i < PS_STMT_CACHE; i++) {
        if (tx->cache[i].sql == sql) {
            sqlite3_stmt *st = tx->cache[i].st;
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            return st;
        }
        if (!tx->cache[i].sql && free_slot < 0)
            free_slot = i;
    }
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v3(tx->db, sql, -1, free_slot >= 0 ? SQLITE_PREPARE_PERSISTENT : 0,
                                &st, NULL);
    if (rc != SQLITE_OK) {
        mapirt_ps_sqlfail(tx, rc);
        return NULL;
    }
    if (free_slot >= 0) {
        tx->cache[free_slot].sql = sql;
        tx->cache[free_slot].st = st;
    }
    /* (a full cache would leak the statement: PS_STMT_CACHE exceeds the statements there are) */
    return st;
}

HRESULT mapirt_ps_exec(mapirt_ps_tx *tx, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? S_OK : mapirt_ps_sqlfail(tx, rc);
}

HRESULT mapirt_ps_query_int(mapirt_ps_tx *tx, const char *sql, sqlite3_int64 *out)
{
    sqlite3_stmt *st = mapirt_ps_prepare(tx, sql);
    if (!st)
        return mapirt_ps_last(tx);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        HRESULT hr = mapirt_ps_sqlfail(tx, rc);
        sqlite3_reset(st);
        return hr;
    }
    *out = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return S_OK;
}

static HRESULT simple(mapirt_profstore *ps, const char *sql)
{
    int rc = sqlite3_exec(ps->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? S_OK : mapirt_ps_sqlfail(ps, rc);
}

static void reset_all(mapirt_profstore *ps)
{
    for (int i = 0; i < PS_STMT_CACHE; i++)
        if (ps->cache[i].st)
            sqlite3_reset(ps->cache[i].st);
}

static HRESULT run(mapirt_profstore *ps, int write, HRESULT (*fn)(mapirt_ps_tx *, void *),
                   void *ctx, char *err, size_t cberr)
{
    HRESULT hr;

    if (err && cberr)
        err[0] = '\0';
    pthread_mutex_lock(&ps->mu);
    ps->err = err;
    ps->cberr = err ? cberr : 0;
    /* a ROLLBACK that itself failed (out of memory) left a transaction open: end it first */
    if (!sqlite3_get_autocommit(ps->db))
        sqlite3_exec(ps->db, "ROLLBACK", NULL, NULL, NULL);
    /* BEGIN IMMEDIATE takes the write lock now, waiting (busy timeout) for another writer, so
     * nothing read inside fn can be invalidated by another process before the commit. */
    hr = simple(ps, write ? "BEGIN IMMEDIATE" : "BEGIN");
    if (SUCCEEDED(hr)) {
        hr = fn(ps, ctx);
        reset_all(ps);
        if (SUCCEEDED(hr)) {
            HRESULT c = simple(ps, "COMMIT");
            if (FAILED(c)) {
                hr = c;
                sqlite3_exec(ps->db, "ROLLBACK", NULL, NULL, NULL);
            }
        } else {
            sqlite3_exec(ps->db, "ROLLBACK", NULL, NULL, NULL);
        }
    }
    ps->err = NULL;
    ps->cberr = 0;
    pthread_mutex_unlock(&ps->mu);
    return hr;
}

HRESULT mapirt_profstore_write(mapirt_profstore *ps, HRESULT (*fn)(mapirt_ps_tx *, void *),
                               void *ctx, char *err, size_t cberr)
{
    return run(ps, 1, fn, ctx, err, cberr);
}

HRESULT mapirt_profstore_read(mapirt_profstore *ps, HRESULT (*fn)(mapirt_ps_tx *, void *),
                              void *ctx, char *err, size_t cberr)
{
    return run(ps, 0, fn, ctx, err, cberr);
}

static void destroy(mapirt_profstore *ps)
{
    sodium_memzero(ps->key, sizeof ps->key);
    for (int i = 0; i < PS_STMT_CACHE; i++)
        if (ps->cache[i].st)
            sqlite3_finalize(ps->cache[i].st);
    if (ps->db)
        sqlite3_close(ps->db);
    pthread_mutex_destroy(&ps->mu);
    mapirt_free(ps->path);
    mapirt_free(ps);
}

/* "file:<path>?immutable=1" with the path percent-encoded; 0 when it does not fit. */
static int uri_of(const char *path, char *out, size_t cb)
{
    static const char HEX[] = "0123456789ABCDEF";
    size_t n = 0;
    const char *pre = "file:";
    for (; *pre && n < cb; pre++)
        out[n++] = *pre;
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if (n + 4 >= cb)
            return 0;
        if (*p == '%' || *p == '?' || *p == '#' || *p < 0x21 || *p >= 0x7F) {
            out[n++] = '%';
            out[n++] = HEX[*p >> 4];
            out[n++] = HEX[*p & 15];
        } else {
            out[n++] = (char)*p;
        }
    }
    return snprintf(out + n, cb - n, "?immutable=1") < (int)(cb - n);
}

/* Creates the store's file when it is missing. SQLite creates files 0644 (less the umask); a
 * profile holds credentials, so the file is made 0600 first and SQLite's -wal and -shm files
 * copy its mode. An existing file is only looked at, never opened: closing any descriptor of a
 * file drops every POSIX lock the process holds on it, the shared lock of a connection this
 * process already has open on the store included (the process's kept store, store_cache.c), and
 * without that lock another process ending its connection would take the WAL for its own and
 * delete it under ours. */
static HRESULT make_file(const char *path, char *err, size_t cberr)
{
    struct stat st;
    int e;
    if (lstat(path, &st) == 0) {
        if (S_ISLNK(st.st_mode))
            e = ELOOP; /* as O_NOFOLLOW refused it */
        else if (access(path, R_OK) != 0)
            e = errno; /* an existing read-only store still opens */
        else
            return S_OK;
    } else if ((e = errno) == ENOENT) {
        int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        e = errno;
        if (fd >= 0 || e == EEXIST) { /* (made by another process meanwhile) */
            if (fd >= 0)
                close(fd);
            return S_OK;
        }
    }
    put_err(err, cberr, "cannot open the profile store %s: %s", path, strerror(e));
    return errno_hr(e);
}

/* One literal, so that the statement cache (by address) holds one statement for it. */
static const char DATA_VERSION[] = "PRAGMA data_version";

static HRESULT ensure(mapirt_ps_tx *tx, void *ctx)
{
    (void)ctx;
    HRESULT hr = mapirt_ps_schema_ensure(tx);
    return FAILED(hr) ? hr : mapirt_ps_query_int(tx, DATA_VERSION, &tx->data_version);
}

/* Another connection committed since the schema was last checked: it may have been a newer
 * mapirt migrating it, or the file may no longer be a profile store. */
static HRESULT recheck(mapirt_ps_tx *tx, void *ctx)
{
    sqlite3_int64 v;
    HRESULT hr = mapirt_ps_query_int(tx, DATA_VERSION, &v);
    if (FAILED(hr) || v == tx->data_version)
        return hr;
    if (FAILED(hr = mapirt_ps_schema_current(tx)))
        return hr;
    *(int *)ctx = 1;
    tx->data_version = v;
    return hr;
}

HRESULT mapirt_profstore_recheck(mapirt_profstore *ps, int *changed, char *err, size_t cberr)
{
    *changed = 0;
    return atomic_load(&ps->broken) ? MAPI_E_DISK_ERROR
                                    : run(ps, 0, recheck, changed, err, cberr);
}

HRESULT mapirt_profstore_open(const char *path, mapirt_profstore **out, char *err, size_t cberr)
{
    char buf[PATH_MAX];
    HRESULT hr;

    *out = NULL;
    if (err && cberr)
        err[0] = '\0';
    if (!path) {
        if (FAILED(hr = mapirt_profstore_default_path(buf, sizeof buf, err, cberr)))
            return hr;
        path = buf;
    }
    if (FAILED(hr = make_parents(path, err, cberr)))
        return hr;
    if (FAILED(hr = make_file(path, err, cberr)))
        return hr;

    mapirt_profstore *ps = mapirt_calloc(1, sizeof *ps);
    if (!ps || !(ps->path = mapirt_strdup(path))) {
        mapirt_free(ps);
        put_err(err, cberr, "out of memory opening the profile store");
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    atomic_init(&ps->ref, 1);
    pthread_mutex_init(&ps->mu, NULL);
    ps->err = err;
    ps->cberr = err ? cberr : 0;
    int rc = sqlite3_open_v2(path, &ps->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        hr = mapirt_ps_sqlfail(ps, rc);
        destroy(ps);
        return hr;
    }
    sqlite3_extended_result_codes(ps->db, 1);
    if (sqlite3_db_readonly(ps->db, "main") &&
        sqlite3_exec(ps->db, "PRAGMA user_version", NULL, NULL, NULL) != SQLITE_OK) {
        /* A WAL database in a directory we cannot write cannot even be read: its -shm file
         * cannot be made. Nobody here can change it, so it is opened as immutable. */
        char uri[PATH_MAX * 3 + 32];
        sqlite3_close(ps->db);
        ps->db = NULL;
        rc = uri_of(path, uri, sizeof uri)
                 ? sqlite3_open_v2(uri, &ps->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI |
                                                     SQLITE_OPEN_NOMUTEX, NULL)
                 : SQLITE_CANTOPEN;
        if (rc != SQLITE_OK) {
            hr = mapirt_ps_sqlfail(ps, rc);
            destroy(ps);
            return hr;
        }
        sqlite3_extended_result_codes(ps->db, 1);
    }
    sqlite3_busy_timeout(ps->db, BUSY_TIMEOUT_MS);
    /* WAL: readers never wait for a writer, and a commit is one append (atomic on a crash).
     * synchronous=FULL: a committed change survives a power cut, not only a killed process. */
    hr = simple(ps, "PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL");
    if (SUCCEEDED(hr) && !sqlite3_db_readonly(ps->db, "main"))
        hr = simple(ps, "PRAGMA journal_mode=WAL");
    if (SUCCEEDED(hr))
        hr = run(ps, !sqlite3_db_readonly(ps->db, "main"), ensure, NULL, err, cberr);
    if (SUCCEEDED(hr))
        hr = mapirt_ps_key_load(path, ps->key, &ps->have_key, err, cberr);
    if (FAILED(hr)) {
        destroy(ps);
        return hr;
    }
    ps->err = NULL;
    ps->cberr = 0;
    *out = ps;
    return S_OK;
}

void mapirt_profstore_addref(mapirt_profstore *ps)
{
    atomic_fetch_add(&ps->ref, 1);
}

void mapirt_profstore_release(mapirt_profstore *ps)
{
    if (ps && atomic_fetch_sub(&ps->ref, 1) == 1)
        destroy(ps);
}

const char *mapirt_profstore_path(const mapirt_profstore *ps)
{
    return ps->path;
}
