/* sofopen.c: OpenStreamOnFile and OpenStreamOnFileW (mapiutil.h): the file a stream is opened
 * on, by name or as a new temporary file, under the documented STGM_* modes.
 *
 * Names are UTF-8 (OpenStreamOnFile's 8-bit strings, as everywhere in mapirt) or UTF-16
 * converted to UTF-8 (OpenStreamOnFileW). A temporary file is `<prefix>HHHH.TMP` (HHHH four
 * upper-case hex digits, prefix "SOF" unless given, at most three characters) in the directory
 * named, else in $TMPDIR, else /tmp; it is created new, readable and writable by its owner only.
 *
 * Share modes hold between the streams of this process (sharemode.c): an open that conflicts
 * fails with MAPI_E_NO_ACCESS, as Windows' sharing violation does, before STGM_CREATE truncates
 * anything. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
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
#include <mapirt/mapiutil_impl.h>
#include <mapirt/strconv.h>

#include "stream_internal.h"

#define ACCESS_BITS (STGM_WRITE | STGM_READWRITE)
#define SHARE_BITS 0x70u
#define TEMP_NAMES 0x10000u           /* HHHH */

HRESULT mapirt_sof_error(int err)
{
    switch (err) {
    case ENOENT:
    case ENOTDIR:
    case ENAMETOOLONG:
    case ELOOP:
        return MAPI_E_NOT_FOUND;
    case EACCES:
    case EPERM:
    case EROFS:
    case EISDIR:
    case ETXTBSY:
    case EAGAIN:
        return MAPI_E_NO_ACCESS;
    case EEXIST:
        return MAPI_E_COLLISION;
    case ENOSPC:
    case EDQUOT:
        return MAPI_E_NOT_ENOUGH_DISK;
    case ENOMEM:
        return MAPI_E_NOT_ENOUGH_MEMORY;
    case EMFILE:
    case ENFILE:
        return MAPI_E_NOT_ENOUGH_RESOURCES;
    case EIO:
        return MAPI_E_DISK_ERROR;
    default:
        return MAPI_E_CALL_FAILED;
    }
}

/* Characters (code points) of a UTF-8 string. */
static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* A private-heap "dir/name", dir made absolute against the working directory; NULL with *err
 * (ENOMEM, or why the working directory is unknown). */
static char *path_join(const char *dir, const char *name, int *err)
{
    char *cwd = NULL;
    size_t cwdlen = 0;

    if (dir[0] != '/') {
        for (size_t size = 256;; size *= 2) {
            cwd = mapirt_malloc(size);
            if (cwd == NULL) {
                *err = ENOMEM;
                return NULL;
            }
            if (getcwd(cwd, size) != NULL)
                break;
            *err = errno;
            mapirt_free(cwd);
            cwd = NULL;
            if (*err != ERANGE)
                return NULL;
        }
        cwdlen = strlen(cwd);
    }
    size_t dirlen = strlen(dir), namelen = name ? strlen(name) : 0;
    char *p = mapirt_malloc(cwdlen + dirlen + namelen + 3);
    if (p == NULL)
        *err = ENOMEM;
    else {
        size_t at = 0;
        if (cwd != NULL) {
            memcpy(p, cwd, cwdlen);
            at = cwdlen;
            if (at == 0 || p[at - 1] != '/')
                p[at++] = '/';
        }
        memcpy(p + at, dir, dirlen);
        at += dirlen;
        if (name != NULL) {
            if (at == 0 || p[at - 1] != '/')
                p[at++] = '/';
            memcpy(p + at, name, namelen);
            at += namelen;
        }
        p[at] = '\0';
    }
    mapirt_free(cwd);
    return p;
}

/* Opens path as mode says; the descriptor, or -1 with *err. Only regular files: a directory
 * or a device is MAPI_E_NO_ACCESS (a FIFO would block the open). A file this call created is
 * removed again when the call fails after all. */
static int open_named(const char *path, ULONG mode, struct stat *st, struct sof_share **share,
                      int *err)
{
    ULONG access = mode & ACCESS_BITS;
    int flags = O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
                (access == STGM_READ ? O_RDONLY : access == STGM_WRITE ? O_WRONLY : O_RDWR);
    bool created = false;
    int fd = open(path, flags);
    if (fd < 0 && errno == ENOENT && (mode & STGM_CREATE)) {
        fd = open(path, flags | O_CREAT | O_EXCL, 0666);
        created = fd >= 0;
        if (fd < 0 && errno == EEXIST)
            fd = open(path, flags); /* created meanwhile by someone else */
    }
    if (fd < 0) {
        *err = errno;
        return -1;
    }
    if (fstat(fd, st) != 0)
        *err = errno;
    else if (!S_ISREG(st->st_mode))
        *err = S_ISDIR(st->st_mode) ? EISDIR : EACCES;
    else
        *err = mapirt_share_take(st->st_dev, st->st_ino, mode, share);
    /* STGM_CREATE replaces the contents, once the share modes allow it. */
    if (*err == 0 && (mode & STGM_CREATE) && !created && ftruncate(fd, 0) != 0) {
        *err = errno;
        mapirt_share_drop(*share, mode);
        *share = NULL;
    }
    if (*err != 0) {
        close(fd);
        if (created)
            unlink(path);
        return -1;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return fd;
}

/* Creates a new `<prefix>HHHH.TMP` in dir; the descriptor and *path, or -1 with *err. */
static int open_unique(const char *dir, const char *prefix, ULONG mode, char **path,
                       struct stat *st, struct sof_share **share, int *err)
{
    ULONG access = mode & ACCESS_BITS;
    int flags = O_CLOEXEC | O_NOCTTY | O_CREAT | O_EXCL |
                (access == STGM_READ ? O_RDONLY : access == STGM_WRITE ? O_WRONLY : O_RDWR);
    char name[3 * 4 + 9 + 1]; /* three UTF-8 characters, HHHH.TMP */
    uint16_t start = 0;

    if (getrandom(&start, sizeof(start), GRND_NONBLOCK) != sizeof(start))
        start = (uint16_t)(getpid() ^ (uintptr_t)&start);
    for (unsigned i = 0; i < TEMP_NAMES; i++) {
        snprintf(name, sizeof(name), "%s%04X.TMP", prefix, (unsigned)(uint16_t)(start + i));
        char *p = path_join(dir, name, err);
        if (p == NULL)
            return -1;
        int fd = open(p, flags, 0600);
        if (fd >= 0) {
            *err = fstat(fd, st) != 0 ? errno : 0;
            if (*err == 0) /* a new file: only memory can fail */
                *err = mapirt_share_take(st->st_dev, st->st_ino, mode, share);
            *path = p;
            return fd;
        }
        *err = errno;
        mapirt_free(p);
        if (*err != EEXIST)
            return -1;
    }
    return -1; /* every name is taken: EEXIST, MAPI_E_COLLISION */
}

/* The common part; names are UTF-8. */
static HRESULT open_stream(LPALLOCATEBUFFER alloc, LPFREEBUFFER freebuf, ULONG ulFlags,
                           const char *name, const char *prefix, LPSTREAM *lppStream)
{
    ULONG access = ulFlags & ACCESS_BITS, share = ulFlags & SHARE_BITS;
    bool unique = (ulFlags & SOF_UNIQUEFILENAME) != 0;
    int err = 0;

    /* The modes the flag check lets through but that mean nothing together. */
    if (access == ACCESS_BITS || share > STGM_SHARE_DENY_NONE)
        return MAPI_E_INVALID_PARAMETER;
    if ((ulFlags & STGM_CREATE) && access == STGM_READ)
        return MAPI_E_INVALID_PARAMETER; /* a file is created for writing */
    if (name == NULL && !unique &&
        (ulFlags & (STGM_CREATE | STGM_DELETEONRELEASE)) !=
            (STGM_CREATE | STGM_DELETEONRELEASE))
        return MAPI_E_INVALID_PARAMETER; /* a nameless file must be new and temporary */
    if (!unique && name != NULL && *name == '\0')
        return MAPI_E_NOT_FOUND; /* no file has an empty name */
    if (unique || name == NULL) {
        if (prefix == NULL)
            prefix = "SOF";
        if (utf8_chars(prefix) > 3 || strchr(prefix, '/') != NULL)
            return MAPI_E_INVALID_PARAMETER;
    }

    /* Everything that can run out of memory after the file is touched is allocated first. */
    struct filestream *s = mapirt_filestream_alloc();
    if (s == NULL)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    struct sof_open o = {.fd = -1, .mode = ulFlags & ~(ULONG)SOF_UNIQUEFILENAME,
                         .delete_on_release = (ulFlags & STGM_DELETEONRELEASE) != 0,
                         .alloc = alloc, .free = freebuf};
    struct stat st;
    if (unique || name == NULL) {
        const char *dir = name != NULL && *name ? name : getenv("TMPDIR");
        if (dir == NULL || *dir == '\0')
            dir = "/tmp";
        o.fd = open_unique(dir, prefix, ulFlags, &o.path, &st, &o.share, &err);
        o.mode |= STGM_CREATE;
    } else {
        o.path = path_join(name, NULL, &err);
        if (o.path != NULL)
            o.fd = open_named(o.path, ulFlags, &st, &o.share, &err);
    }
    if (o.fd < 0 || err != 0) { /* no share taken */
        if (o.fd >= 0) {
            close(o.fd);
            if (unique || name == NULL)
                unlink(o.path);
        }
        mapirt_free(o.path);
        mapirt_filestream_discard(s);
        return mapirt_sof_error(err);
    }
    o.dev = st.st_dev;
    o.ino = st.st_ino;
    *lppStream = mapirt_filestream_attach(s, &o);
    return S_OK;
}

HRESULT OpenStreamOnFile(LPALLOCATEBUFFER lpAllocateBuffer, LPFREEBUFFER lpFreeBuffer,
                         ULONG ulFlags, LPTSTR lpszFileName, LPTSTR lpszPrefix,
                         LPSTREAM *lppStream)
{
    HRESULT hr = OpenStreamOnFile_check_inline(lpAllocateBuffer, lpFreeBuffer, ulFlags,
                                               lpszFileName, lpszPrefix, lppStream);
    if (FAILED(hr))
        return hr;
    return open_stream(lpAllocateBuffer, lpFreeBuffer, ulFlags, (const char *)lpszFileName,
                       (const char *)lpszPrefix, lppStream);
}

HRESULT OpenStreamOnFileW(LPALLOCATEBUFFER lpAllocateBuffer, LPFREEBUFFER lpFreeBuffer,
                          ULONG ulFlags, LPCWSTR lpszFileName, LPCWSTR lpszPrefix,
                          LPSTREAM *lppStream)
{
    HRESULT hr = OpenStreamOnFileW_check_inline(lpAllocateBuffer, lpFreeBuffer, ulFlags,
                                                lpszFileName, lpszPrefix, lppStream);
    if (FAILED(hr))
        return hr;
    char *name = NULL, *prefix = NULL;
    if ((lpszFileName != NULL && (name = mapirt_str_w_to_a_dup(lpszFileName)) == NULL) ||
        (lpszPrefix != NULL && (prefix = mapirt_str_w_to_a_dup(lpszPrefix)) == NULL))
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
    else
        hr = open_stream(lpAllocateBuffer, lpFreeBuffer, ulFlags, name, prefix, lppStream);
    mapirt_free(name);
    mapirt_free(prefix);
    return hr;
}
