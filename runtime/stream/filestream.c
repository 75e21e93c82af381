/* filestream.c: the IStream of OpenStreamOnFile(W), over a POSIX file descriptor.
 *
 * Every stream and its clones share one open file (struct sof_file) and read and write with
 * pread/pwrite at their own seek pointer, so clones never disturb each other. The file is closed
 * with the last of them and, when it was opened with STGM_DELETEONRELEASE, deleted then: unless
 * its name now belongs to another file (it was removed or replaced meanwhile), which is left
 * alone. The stream is direct (STGM_DIRECT): Commit flushes the data to the disk, Revert has
 * nothing to undo. A file removed while it is open stays readable and writable through the
 * stream, as POSIX keeps it until its last descriptor is closed.
 *
 * IStream methods answer in COM's storage codes (STG_E_*), as every IStream does; only
 * OpenStreamOnFile itself speaks MAPI's (sofopen.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
/* glibc's <fcntl.h> (_GNU_SOURCE) defines flock's obsolete LOCK_READ/LOCK_WRITE/LOCK_RW, the
 * names of objidl.h's LOCKTYPE values; neither file uses flock. */
#undef LOCK_READ
#undef LOCK_WRITE
#undef LOCK_RW

#include <mapicode.h>
#include <mapiutil.h>

#include <mapirt/alloc.h>
#include <mapirt/strconv.h>

#include "stream_internal.h"

/* The open file every clone of a stream shares. */
struct sof_file {
    atomic_uint refs;
    struct sof_open o;
};

struct filestream {
    struct sof_file *file;
    pthread_mutex_t lock; /* guards pos; never held while calling into another object */
    bool lock_ready;
    uint64_t pos;
};

#include "filestream_object.h"

#define COPY_CHUNK (64u * 1024u)
#define MAX_OFFSET ((uint64_t)INT64_MAX)

/* ---- the shared file --------------------------------------------------------------------- */

static void file_unref(struct sof_file *f)
{
    if (f == NULL || atomic_fetch_sub_explicit(&f->refs, 1, memory_order_acq_rel) != 1)
        return;
    struct sof_open *o = &f->o;
    if (o->delete_on_release && o->path != NULL) {
        struct stat now;
        if (stat(o->path, &now) == 0 && now.st_dev == o->dev && now.st_ino == o->ino)
            unlink(o->path);
    }
    mapirt_share_drop(o->share, o->mode);
    if (o->fd >= 0)
        close(o->fd);
    mapirt_free(o->path);
    mapirt_free(f);
}

static bool can_read(const struct filestream *s)
{
    return (s->file->o.mode & (STGM_WRITE | STGM_READWRITE)) != STGM_WRITE;
}

static bool can_write(const struct filestream *s)
{
    return (s->file->o.mode & (STGM_WRITE | STGM_READWRITE)) != STGM_READ;
}

/* A failed read or write, in storage codes. */
static HRESULT io_error(int err, HRESULT otherwise)
{
    switch (err) {
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
        return STG_E_MEDIUMFULL;
    case EBADF:
    case EACCES:
    case EPERM:
    case EROFS:
        return STG_E_ACCESSDENIED;
    case ENOMEM:
        return STG_E_INSUFFICIENTMEMORY;
    default:
        return otherwise;
    }
}

/* Reads up to n bytes at *pos (advanced) into buf: S_OK with *got < n at the end of the file. */
static HRESULT read_at(int fd, uint64_t *pos, BYTE *buf, size_t n, size_t *got)
{
    *got = 0;
    while (*got < n && *pos < MAX_OFFSET) {
        size_t want = n - *got;
        if (want > MAX_OFFSET - *pos)
            want = (size_t)(MAX_OFFSET - *pos);
        ssize_t r = pread(fd, buf + *got, want, (off_t)*pos);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return io_error(errno, STG_E_READFAULT);
        }
        if (r == 0)
            break;
        *got += (size_t)r;
        *pos += (uint64_t)r;
    }
    return S_OK;
}

/* ---- IStream ----------------------------------------------------------------------------- */

static void filestream_destroy(struct filestream *self)
{
    if (self->lock_ready)
        pthread_mutex_destroy(&self->lock);
    file_unref(self->file);
}

static HRESULT filestream_Read(struct filestream *self, void *pv, ULONG cb, ULONG *pcbRead)
{
    size_t got = 0;
    HRESULT hr = STG_E_ACCESSDENIED;

    if (can_read(self)) {
        pthread_mutex_lock(&self->lock);
        hr = read_at(self->file->o.fd, &self->pos, pv, cb, &got);
        pthread_mutex_unlock(&self->lock);
    }
    if (pcbRead != NULL)
        *pcbRead = (ULONG)got;
    return hr;
}

static HRESULT filestream_Write(struct filestream *self, const void *pv, ULONG cb,
                                ULONG *pcbWritten)
{
    ULONG done = 0;
    HRESULT hr = S_OK;

    if (!can_write(self)) {
        hr = STG_E_ACCESSDENIED;
        goto out;
    }
    pthread_mutex_lock(&self->lock);
    if (cb > MAX_OFFSET - self->pos)
        hr = STG_E_MEDIUMFULL;
    while (hr == S_OK && done < cb) {
        ssize_t w = pwrite(self->file->o.fd, (const BYTE *)pv + done, cb - done,
                           (off_t)self->pos);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            hr = io_error(errno, STG_E_WRITEFAULT);
            break;
        }
        done += (ULONG)w;
        self->pos += (uint64_t)w;
    }
    pthread_mutex_unlock(&self->lock);
out:
    if (pcbWritten != NULL)
        *pcbWritten = done;
    return hr;
}

static HRESULT filestream_Seek(struct filestream *self, LARGE_INTEGER dlibMove, DWORD dwOrigin,
                               ULARGE_INTEGER *plibNewPosition)
{
    HRESULT hr = S_OK;
    int64_t base;
    struct stat st;

    pthread_mutex_lock(&self->lock);
    switch (dwOrigin) {
    case STREAM_SEEK_SET:
        base = 0;
        break;
    case STREAM_SEEK_CUR:
        base = (int64_t)self->pos;
        break;
    case STREAM_SEEK_END:
        if (fstat(self->file->o.fd, &st) != 0) {
            hr = io_error(errno, STG_E_SEEKERROR);
            goto out;
        }
        base = (int64_t)st.st_size;
        break;
    default:
        hr = STG_E_INVALIDFUNCTION;
        goto out;
    }
    /* Before the start, or past what an offset can hold: refused, the pointer stays. */
    int64_t to;
    if (__builtin_add_overflow(base, dlibMove.QuadPart, &to) || to < 0) {
        hr = STG_E_INVALIDFUNCTION;
        goto out;
    }
    self->pos = (uint64_t)to;
    if (plibNewPosition != NULL)
        plibNewPosition->QuadPart = self->pos;
out:
    pthread_mutex_unlock(&self->lock);
    return hr;
}

static HRESULT filestream_SetSize(struct filestream *self, ULARGE_INTEGER libNewSize)
{
    if (!can_write(self))
        return STG_E_ACCESSDENIED;
    if (libNewSize.QuadPart > MAX_OFFSET)
        return STG_E_MEDIUMFULL;
    while (ftruncate(self->file->o.fd, (off_t)libNewSize.QuadPart) != 0) {
        if (errno != EINTR)
            return io_error(errno, STG_E_WRITEFAULT);
    }
    return S_OK;
}

static HRESULT filestream_CopyTo(struct filestream *self, IStream *pstm, ULARGE_INTEGER cb,
                                 ULARGE_INTEGER *pcbRead, ULARGE_INTEGER *pcbWritten)
{
    uint64_t read = 0, written = 0;
    HRESULT hr = S_OK;
    BYTE *buf = NULL;

    if (!can_read(self)) {
        hr = STG_E_ACCESSDENIED;
        goto out;
    }
    size_t size = cb.QuadPart < COPY_CHUNK ? (size_t)cb.QuadPart : COPY_CHUNK;
    if (size == 0)
        goto out;
    buf = mapirt_malloc(size);
    if (buf == NULL) {
        hr = STG_E_INSUFFICIENTMEMORY;
        goto out;
    }
    /* One chunk at a time: read under the lock, write to the destination without it (the
     * destination may be this very stream, or a clone of it). */
    while (read < cb.QuadPart) {
        size_t want = cb.QuadPart - read < size ? (size_t)(cb.QuadPart - read) : size, got;
        pthread_mutex_lock(&self->lock);
        hr = read_at(self->file->o.fd, &self->pos, buf, want, &got);
        pthread_mutex_unlock(&self->lock);
        if (FAILED(hr) || got == 0)
            break;
        read += got;
        ULONG put = 0;
        hr = pstm->lpVtbl->Write(pstm, buf, (ULONG)got, &put);
        written += put;
        if (FAILED(hr))
            break;
        if (put < got) {
            hr = STG_E_MEDIUMFULL;
            break;
        }
    }
    mapirt_free(buf);
out:
    if (pcbRead != NULL)
        pcbRead->QuadPart = read;
    if (pcbWritten != NULL)
        pcbWritten->QuadPart = written;
    return hr;
}

static HRESULT filestream_Commit(struct filestream *self, DWORD grfCommitFlags)
{
    if (grfCommitFlags & ~(DWORD)(STGC_OVERWRITE | STGC_ONLYIFCURRENT |
                                  STGC_DANGEROUSLYCOMMITMERELYTODISKCACHE | STGC_CONSOLIDATE))
        return STG_E_INVALIDFLAG;
    /* Direct mode: the data is already in the file; Commit makes it durable, unless the caller
     * asked for no more than the disk cache. */
    if (!can_write(self) || (grfCommitFlags & STGC_DANGEROUSLYCOMMITMERELYTODISKCACHE))
        return S_OK;
    while (fdatasync(self->file->o.fd) != 0) {
        if (errno == EINVAL || errno == EROFS)
            break; /* a special file that cannot be synchronised: nothing to make durable */
        if (errno != EINTR)
            return io_error(errno, STG_E_WRITEFAULT);
    }
    return S_OK;
}

static HRESULT filestream_Revert(struct filestream *self)
{
    (void)self;
    return S_OK; /* direct mode: nothing is pending */
}

static HRESULT filestream_LockRegion(struct filestream *self, ULARGE_INTEGER libOffset,
                                     ULARGE_INTEGER cb, DWORD dwLockType)
{
    (void)self, (void)libOffset, (void)cb, (void)dwLockType;
    return STG_E_INVALIDFUNCTION; /* IStream's answer when region locking is not offered */
}

static HRESULT filestream_UnlockRegion(struct filestream *self, ULARGE_INTEGER libOffset,
                                       ULARGE_INTEGER cb, DWORD dwLockType)
{
    (void)self, (void)libOffset, (void)cb, (void)dwLockType;
    return STG_E_INVALIDFUNCTION;
}

static FILETIME filetime_of(struct timespec ts)
{
    uint64_t t = 0;
    FILETIME ft;
    if (ts.tv_sec >= -11644473600LL)
        t = (uint64_t)(ts.tv_sec + 11644473600LL) * 10000000u + (uint64_t)ts.tv_nsec / 100u;
    ft.dwLowDateTime = (DWORD)t;
    ft.dwHighDateTime = (DWORD)(t >> 32);
    return ft;
}

static HRESULT filestream_Stat(struct filestream *self, STATSTG *pstatstg, DWORD grfStatFlag)
{
    struct sof_open *o = &self->file->o;
    struct statx sx;

    if (grfStatFlag & ~(DWORD)(STATFLAG_NONAME | STATFLAG_NOOPEN))
        return STG_E_INVALIDFLAG;
    if (statx(o->fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS | STATX_BTIME, &sx) != 0)
        return io_error(errno, STG_E_ACCESSDENIED);
    STATSTG st;
    memset(&st, 0, sizeof(st));
    if (!(grfStatFlag & STATFLAG_NONAME)) {
        size_t units = strlen(o->path) + 1;
        if (o->alloc((ULONG)(units * sizeof(WCHAR)), (LPVOID *)&st.pwcsName) != S_OK ||
            st.pwcsName == NULL)
            return STG_E_INSUFFICIENTMEMORY;
        mapirt_str_a_to_w_into(o->path, st.pwcsName);
    }
    st.type = STGTY_STREAM;
    st.cbSize.QuadPart = sx.stx_size;
    st.mtime = filetime_of((struct timespec){sx.stx_mtime.tv_sec, sx.stx_mtime.tv_nsec});
    st.atime = filetime_of((struct timespec){sx.stx_atime.tv_sec, sx.stx_atime.tv_nsec});
    /* Creation time where the file system keeps it; else the last status change. */
    struct statx_timestamp c = (sx.stx_mask & STATX_BTIME) ? sx.stx_btime : sx.stx_ctime;
    st.ctime = filetime_of((struct timespec){c.tv_sec, c.tv_nsec});
    st.grfMode = o->mode;
    st.grfLocksSupported = 0;
    *pstatstg = st;
    return S_OK;
}

static struct filestream *stream_on(struct sof_file *f, uint64_t pos)
{
    struct filestream *s = filestream_new();
    if (s == NULL)
        return NULL;
    if (pthread_mutex_init(&s->lock, NULL) != 0) {
        filestream_release(s);
        return NULL;
    }
    s->lock_ready = true;
    atomic_fetch_add_explicit(&f->refs, 1, memory_order_relaxed);
    s->file = f;
    s->pos = pos;
    return s;
}

static HRESULT filestream_Clone(struct filestream *self, IStream **ppstm)
{
    pthread_mutex_lock(&self->lock);
    uint64_t pos = self->pos;
    pthread_mutex_unlock(&self->lock);
    struct filestream *c = stream_on(self->file, pos);
    if (c == NULL)
        return STG_E_INSUFFICIENTMEMORY;
    *ppstm = filestream_as_IStream(c);
    return S_OK;
}

struct filestream *mapirt_filestream_alloc(void)
{
    struct sof_file *f = mapirt_malloc(sizeof(*f));
    if (f == NULL)
        return NULL;
    memset(f, 0, sizeof(*f));
    atomic_init(&f->refs, 1);
    f->o.fd = -1;
    struct filestream *s = stream_on(f, 0);
    file_unref(f); /* the stream holds it now, or nothing does */
    return s;
}

IStream *mapirt_filestream_attach(struct filestream *s, const struct sof_open *o)
{
    s->file->o = *o;
    return filestream_as_IStream(s);
}

void mapirt_filestream_discard(struct filestream *s)
{
    filestream_release(s);
}
