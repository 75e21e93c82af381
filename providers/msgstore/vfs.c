/* vfs.c: the store's files through SQLite's own VFS, with one change: a write that fails for
 * want of room is SQLITE_FULL.
 *
 * SQLite's unix VFS says SQLITE_FULL only for ENOSPC; EFBIG (past RLIMIT_FSIZE or the file
 * system's largest file) and EDQUOT (over quota) come back as SQLITE_IOERR_WRITE, and by the time
 * the error reaches the provider nothing says which it was. The store answers every one of them
 * MAPI_E_NOT_ENOUGH_DISK (ms_db_hr), so this shim, named "mapirt-ms" and used by every store
 * connection (db.c), looks at errno right after the failing call, while it still is the
 * write's. Everything else is the default VFS's, method for method; the database, its journal,
 * its WAL and the connection's temporary files (the stage) all go through it. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "ms.h"

typedef struct shim_file {
    sqlite3_file base;
    sqlite3_file *real; /* follows this struct in the same allocation */
} shim_file;

static sqlite3_vfs shim_vfs;
static sqlite3_io_methods shim_io;

static int room(int rc)
{
    int e = errno;
    if ((rc & 0xff) == SQLITE_IOERR && (e == ENOSPC || e == EFBIG || e == EDQUOT))
        return SQLITE_FULL;
    return rc;
}

#define REAL(f) (((shim_file *)(f))->real)

static int x_close(sqlite3_file *f)
{
    return REAL(f)->pMethods->xClose(REAL(f));
}
static int x_read(sqlite3_file *f, void *p, int n, sqlite3_int64 off)
{
    return REAL(f)->pMethods->xRead(REAL(f), p, n, off);
}
static int x_write(sqlite3_file *f, const void *p, int n, sqlite3_int64 off)
{
    errno = 0;
    int rc = REAL(f)->pMethods->xWrite(REAL(f), p, n, off);
    return rc == SQLITE_OK ? rc : room(rc);
}
static int x_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    errno = 0;
    int rc = REAL(f)->pMethods->xTruncate(REAL(f), size);
    return rc == SQLITE_OK ? rc : room(rc);
}
static int x_sync(sqlite3_file *f, int flags)
{
    errno = 0;
    int rc = REAL(f)->pMethods->xSync(REAL(f), flags);
    return rc == SQLITE_OK ? rc : room(rc);
}
static int x_size(sqlite3_file *f, sqlite3_int64 *size)
{
    return REAL(f)->pMethods->xFileSize(REAL(f), size);
}
static int x_lock(sqlite3_file *f, int l)
{
    return REAL(f)->pMethods->xLock(REAL(f), l);
}
static int x_unlock(sqlite3_file *f, int l)
{
    return REAL(f)->pMethods->xUnlock(REAL(f), l);
}
static int x_reserved(sqlite3_file *f, int *out)
{
    return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}
static int x_control(sqlite3_file *f, int op, void *arg)
{
    errno = 0;
    int rc = REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
    /* SQLITE_FCNTL_SIZE_HINT / CHUNK_SIZE grow the file ahead of the writes */
    return rc == SQLITE_OK || rc == SQLITE_NOTFOUND ? rc : room(rc);
}
static int x_sector(sqlite3_file *f)
{
    return REAL(f)->pMethods->xSectorSize(REAL(f));
}
static int x_device(sqlite3_file *f)
{
    return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}
static int x_shm_map(sqlite3_file *f, int pg, int sz, int extend, void volatile **pp)
{
    errno = 0;
    int rc = REAL(f)->pMethods->xShmMap(REAL(f), pg, sz, extend, pp);
    return rc == SQLITE_OK || rc == SQLITE_READONLY ? rc : room(rc);
}
static int x_shm_lock(sqlite3_file *f, int off, int n, int flags)
{
    return REAL(f)->pMethods->xShmLock(REAL(f), off, n, flags);
}
static void x_shm_barrier(sqlite3_file *f)
{
    REAL(f)->pMethods->xShmBarrier(REAL(f));
}
static int x_shm_unmap(sqlite3_file *f, int del)
{
    return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}
static int x_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **pp)
{
    return REAL(f)->pMethods->xFetch(REAL(f), off, n, pp);
}
static int x_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
    return REAL(f)->pMethods->xUnfetch(REAL(f), off, p);
}

static int x_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out)
{
    sqlite3_vfs *real = vfs->pAppData;
    shim_file *sf = (shim_file *)f;
    sf->real = (sqlite3_file *)(sf + 1);
    int rc = real->xOpen(real, name, sf->real, flags, out);
    /* A file the real VFS did not open has no methods and is not closed (SQLite's rule). */
    sf->base.pMethods = sf->real->pMethods ? &shim_io : NULL;
    return rc;
}

#define PASS(name, sig, args) \
    static int x_##name sig \
    { \
        sqlite3_vfs *r = vfs->pAppData; \
        return r->name args; \
    }
PASS(xDelete, (sqlite3_vfs * vfs, const char *n, int sync), (r, n, sync))
PASS(xAccess, (sqlite3_vfs * vfs, const char *n, int flags, int *out), (r, n, flags, out))
PASS(xFullPathname, (sqlite3_vfs * vfs, const char *n, int cb, char *out), (r, n, cb, out))
PASS(xRandomness, (sqlite3_vfs * vfs, int n, char *out), (r, n, out))
PASS(xSleep, (sqlite3_vfs * vfs, int us), (r, us))
PASS(xGetLastError, (sqlite3_vfs * vfs, int n, char *out), (r, n, out))
PASS(xCurrentTimeInt64, (sqlite3_vfs * vfs, sqlite3_int64 *out), (r, out))
static int x_xCurrentTime(sqlite3_vfs *vfs, double *out)
{
    sqlite3_vfs *r = vfs->pAppData;
    return r->xCurrentTime(r, out);
}
static void *x_dlopen(sqlite3_vfs *vfs, const char *n)
{
    sqlite3_vfs *r = vfs->pAppData;
    return r->xDlOpen(r, n);
}
static void x_dlerror(sqlite3_vfs *vfs, int n, char *out)
{
    sqlite3_vfs *r = vfs->pAppData;
    r->xDlError(r, n, out);
}
static void (*x_dlsym(sqlite3_vfs *vfs, void *h, const char *n))(void)
{
    sqlite3_vfs *r = vfs->pAppData;
    return r->xDlSym(r, h, n);
}
static void x_dlclose(sqlite3_vfs *vfs, void *h)
{
    sqlite3_vfs *r = vfs->pAppData;
    r->xDlClose(r, h);
}

static int registered;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void do_register(void)
{
    sqlite3_vfs *real = sqlite3_vfs_find(NULL);
    if (real == NULL || real->iVersion < 2)
        return;
    shim_io = (sqlite3_io_methods){3, x_close, x_read, x_write, x_truncate,
        x_sync, x_size, x_lock, x_unlock, x_reserved,
        x_control, x_sector, x_device, x_shm_map, x_shm_lock,
        x_shm_barrier, x_shm_unmap, x_fetch, x_unfetch};
    memset(&shim_vfs, 0, sizeof shim_vfs);
    shim_vfs.iVersion = 2;
    shim_vfs.szOsFile = (int)sizeof(shim_file) + real->szOsFile;
    shim_vfs.mxPathname = real->mxPathname;
    shim_vfs.zName = MS_VFS_NAME;
    shim_vfs.pAppData = real;
    shim_vfs.xOpen = x_open;
    shim_vfs.xDelete = x_xDelete;
    shim_vfs.xAccess = x_xAccess;
    shim_vfs.xFullPathname = x_xFullPathname;
    shim_vfs.xDlOpen = x_dlopen;
    shim_vfs.xDlError = x_dlerror;
    shim_vfs.xDlSym = x_dlsym;
    shim_vfs.xDlClose = x_dlclose;
    shim_vfs.xRandomness = x_xRandomness;
    shim_vfs.xSleep = x_xSleep;
    shim_vfs.xCurrentTime = x_xCurrentTime;
    shim_vfs.xGetLastError = x_xGetLastError;
    shim_vfs.xCurrentTimeInt64 = x_xCurrentTimeInt64;
    registered = sqlite3_vfs_register(&shim_vfs, 0) == SQLITE_OK;
}

const char *ms_vfs(void)
{
    pthread_once(&once, do_register);
    return registered ? MS_VFS_NAME : NULL;
}

/* The provider may be unloaded (dlclose) while SQLite stays: its VFS must not outlive it. Every
 * store's connection is closed by then (their logoffs). */
__attribute__((destructor)) static void unregister(void)
{
    if (registered)
        sqlite3_vfs_unregister(&shim_vfs);
}
