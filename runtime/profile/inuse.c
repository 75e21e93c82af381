/* inuse.c: profiles in use by sessions (inuse.h). */
#define _GNU_SOURCE
/* The MAPI headers come before <fcntl.h>: with _GNU_SOURCE it defines LOCK_WRITE, a name
 * objidl.h's LOCKTYPE enumeration also uses. */
#include <mapicode.h>

#include "inuse.h"
#include "store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <mapirt/alloc.h>

struct mapirt_profile_use {
    mapirt_profstore *ps;
    mapirt_profile_id id;
    int fd;
};

static int open_lockfile(mapirt_profstore *ps, char *err, size_t cberr)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s.lock", mapirt_profstore_path(ps));
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW); /* a read-only store */
    if (fd < 0 && err && cberr)
        snprintf(err, cberr, "%s: %s", path, strerror(errno));
    return fd;
}

static int lock_byte(int fd, short type, mapirt_profile_id id, int wait)
{
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = type;
    fl.l_whence = SEEK_SET;
    fl.l_start = (off_t)id;
    fl.l_len = 1;
    int rc;
    do
        rc = fcntl(fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &fl);
    while (rc != 0 && errno == EINTR);
    return rc;
}

struct check {
    mapirt_profile_id id;
    int deferred;
};

static HRESULT check_live(mapirt_ps_tx *tx, void *p)
{
    struct check *c = p;
    mapirt_profile_info info;
    HRESULT hr = mapirt_ps_profile_get(tx, c->id, &info);
    if (SUCCEEDED(hr) && info.delete_pending)
        hr = mapirt_ps_fail(tx, MAPI_E_NOT_FOUND, "profile '%s' is being deleted", info.name);
    return hr;
}

HRESULT mapirt_profile_use_begin(mapirt_profstore *ps, mapirt_profile_id id,
                                 mapirt_profile_use **out, char *err, size_t cberr)
{
    *out = NULL;
    mapirt_profile_use *u = mapirt_calloc(1, sizeof *u);
    if (!u)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    u->fd = open_lockfile(ps, err, cberr);
    if (u->fd < 0) {
        mapirt_free(u);
        return MAPI_E_NO_ACCESS;
    }
    /* waits only while a DeleteProfile holds the write lock (a moment) */
    if (lock_byte(u->fd, F_RDLCK, id, 1) != 0) {
        if (err && cberr)
            snprintf(err, cberr, "cannot mark the profile in use: %s", strerror(errno));
        close(u->fd);
        mapirt_free(u);
        return MAPI_E_CALL_FAILED;
    }
    struct check c = {id, 0};
    HRESULT hr = mapirt_profstore_read(ps, check_live, &c, err, cberr);
    if (FAILED(hr)) {
        close(u->fd);
        mapirt_free(u);
        return hr;
    }
    mapirt_profstore_addref(ps);
    u->ps = ps;
    u->id = id;
    *out = u;
    return S_OK;
}

static HRESULT delete_if_pending(mapirt_ps_tx *tx, void *p)
{
    struct check *c = p;
    mapirt_profile_info info;
    HRESULT hr = mapirt_ps_profile_get(tx, c->id, &info);
    if (hr == MAPI_E_NOT_FOUND)
        return S_OK; /* already gone */
    if (SUCCEEDED(hr) && info.delete_pending)
        hr = mapirt_ps_profile_delete(tx, c->id);
    return hr;
}

static HRESULT delete_now(mapirt_ps_tx *tx, void *p)
{
    struct check *c = p;
    return mapirt_ps_profile_delete(tx, c->id);
}

static HRESULT mark(mapirt_ps_tx *tx, void *p)
{
    struct check *c = p;
    return mapirt_ps_profile_mark_deleted(tx, c->id, 1);
}

void mapirt_profile_use_end(mapirt_profile_use *u)
{
    if (!u)
        return;
    close(u->fd); /* drops this use's lock */
    int fd = open_lockfile(u->ps, NULL, 0);
    if (fd >= 0) {
        if (lock_byte(fd, F_WRLCK, u->id, 0) == 0) {
            struct check c = {u->id, 0};
            mapirt_profstore_write(u->ps, delete_if_pending, &c, NULL, 0);
        }
        close(fd);
    }
    mapirt_profstore_release(u->ps);
    mapirt_free(u);
}

HRESULT mapirt_profile_delete_or_defer(mapirt_profstore *ps, mapirt_profile_id id, int *deferred,
                                       char *err, size_t cberr)
{
    int fd = open_lockfile(ps, err, cberr);
    if (fd < 0)
        return MAPI_E_NO_ACCESS;
    struct check c = {id, 0};
    HRESULT hr;
    if (lock_byte(fd, F_WRLCK, id, 0) == 0) {
        hr = mapirt_profstore_write(ps, delete_now, &c, err, cberr);
    } else if (errno == EAGAIN || errno == EACCES) {
        c.deferred = 1;
        hr = mapirt_profstore_write(ps, mark, &c, err, cberr);
        /* the last session may have ended between the try and the mark, and seen nothing
         * pending: try once more now that the mark is there */
        if (SUCCEEDED(hr) && lock_byte(fd, F_WRLCK, id, 0) == 0) {
            c.deferred = 0;
            hr = mapirt_profstore_write(ps, delete_if_pending, &c, err, cberr);
        }
    } else {
        if (err && cberr)
            snprintf(err, cberr, "cannot lock the profile: %s", strerror(errno));
        hr = MAPI_E_CALL_FAILED;
    }
    close(fd);
    if (deferred)
        *deferred = c.deferred;
    return hr;
}

struct pending {
    mapirt_profile_id *ids;
    ULONG n;
};

static HRESULT list_pending(mapirt_ps_tx *tx, void *p)
{
    static const char SQL[] = "SELECT id FROM profile WHERE delete_pending = 1";
    struct pending *pp = p;
    sqlite3_stmt *st = mapirt_ps_prepare(tx, SQL);
    if (!st)
        return mapirt_ps_last(tx);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        mapirt_profile_id *v = mapirt_realloc(pp->ids, (pp->n + 1) * sizeof *v);
        if (!v) {
            sqlite3_reset(st);
            return mapirt_ps_oom(tx);
        }
        pp->ids = v;
        pp->ids[pp->n++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? S_OK : mapirt_ps_sqlfail(tx, rc);
}

ULONG mapirt_profile_sweep(mapirt_profstore *ps)
{
    struct pending p = {NULL, 0};
    ULONG gone = 0;
    if (SUCCEEDED(mapirt_profstore_read(ps, list_pending, &p, NULL, 0)) && p.n) {
        int fd = open_lockfile(ps, NULL, 0);
        for (ULONG i = 0; fd >= 0 && i < p.n; i++) {
            if (lock_byte(fd, F_WRLCK, p.ids[i], 0) != 0)
                continue; /* still in use */
            struct check c = {p.ids[i], 0};
            if (SUCCEEDED(mapirt_profstore_write(ps, delete_if_pending, &c, NULL, 0)))
                gone++;
            lock_byte(fd, F_UNLCK, p.ids[i], 0);
        }
        if (fd >= 0)
            close(fd);
    }
    mapirt_free(p.ids);
    return gone;
}
