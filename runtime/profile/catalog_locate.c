/* catalog_locate.c: which files make up the service catalog, and reading one.
 *
 *   MAPIRT_SERVICES=FILE    that file alone
 *   MAPIRT_SERVICES=DIR     every *.inf in DIR, sorted by name
 *   (unset or empty)        <libdir>/mapirt/mapisvc.inf, then every *.inf in
 *                           <libdir>/mapirt/mapisvc.d/ sorted by name
 * <libdir> is where libmapirt was loaded from (core/location.c): lib/ once installed, build/
 * in the source tree, so an uninstalled library finds the catalog the build staged beside it.
 * A provider package installs one fragment into mapisvc.d/ and edits no shared file. Names
 * starting with '.' are skipped (editors' and package managers' temporary files). */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mapicode.h>
#include <mapidefs.h>

#include <mapirt/alloc.h>

#include "catalog.h"
#include "core/location.h"

/* A file larger than this is not a catalog (and would only waste memory). */
#define CATALOG_MAX_BYTES (16u << 20)

static HRESULT io_error(int e, const char *path, char *err, size_t cberr)
{
    if (cberr)
        snprintf(err, cberr, "%s: %s", path, strerror(e));
    return e == ENOENT || e == ENOTDIR ? MAPI_E_NOT_FOUND
         : e == EACCES || e == EPERM  ? MAPI_E_NO_ACCESS
         : e == ENOMEM                ? MAPI_E_NOT_ENOUGH_MEMORY
                                      : MAPI_E_DISK_ERROR;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

struct list {
    const char **v;
    ULONG n, cap;
};

static HRESULT push(mapirt_arena *a, struct list *l, const char *path)
{
    if (l->n == l->cap) {
        ULONG cap = l->cap ? l->cap * 2 : 8;
        const char **v = mapirt_arena_alloc(a, cap * sizeof *v);
        if (!v)
            return MAPI_E_NOT_ENOUGH_MEMORY;
        if (l->n)
            memcpy(v, l->v, l->n * sizeof *v);
        l->v = v;
        l->cap = cap;
    }
    if (!(l->v[l->n] = mapirt_arena_strndup(a, path, strlen(path))))
        return MAPI_E_NOT_ENOUGH_MEMORY;
    l->n++;
    return S_OK;
}

/* Appends the *.inf files of dir, sorted; a missing directory adds nothing when `optional`. */
static HRESULT add_dir(mapirt_arena *a, struct list *l, const char *dir, int optional,
                       char *err, size_t cberr)
{
    DIR *d = opendir(dir);
    if (!d) {
        if (optional && (errno == ENOENT || errno == ENOTDIR))
            return S_OK;
        return io_error(errno, dir, err, cberr);
    }
    ULONG first = l->n;
    HRESULT hr = S_OK;
    struct dirent *e;
    char path[PATH_MAX];
    errno = 0;
    while (SUCCEEDED(hr) && (e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (e->d_name[0] == '.' || n < 5 || strcmp(e->d_name + n - 4, ".inf") != 0)
            continue;
        if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path)
            continue;
        hr = push(a, l, path);
    }
    closedir(d);
    if (hr == MAPI_E_NOT_ENOUGH_MEMORY && cberr)
        snprintf(err, cberr, "out of memory while listing %s", dir);
    if (SUCCEEDED(hr))
        qsort(l->v + first, l->n - first, sizeof *l->v, by_name);
    return hr;
}

HRESULT mapirt_catalog_files(mapirt_arena *a, const char ***paths, ULONG *count, char *err,
                             size_t cberr)
{
    struct list l = {NULL, 0, 0};
    const char *env = getenv("MAPIRT_SERVICES");
    char path[PATH_MAX];
    struct stat st;
    HRESULT hr;

    if (env && env[0]) {
        if (stat(env, &st) != 0) {
            int e = errno;
            char what[PATH_MAX + 32];
            snprintf(what, sizeof what, "MAPIRT_SERVICES=%s", env);
            return io_error(e, what, err, cberr);
        }
        hr = S_ISDIR(st.st_mode) ? add_dir(a, &l, env, 0, err, cberr) : push(a, &l, env);
    } else {
        if (mapirt_data_path("mapisvc.inf", path, sizeof path) != 0) {
            if (cberr)
                snprintf(err, cberr, "cannot find the directory libmapirt was loaded from; "
                                     "set MAPIRT_SERVICES");
            return MAPI_E_NOT_FOUND;
        }
        hr = S_OK;
        if (stat(path, &st) == 0)
            hr = push(a, &l, path);
        if (SUCCEEDED(hr) && mapirt_data_path("mapisvc.d", path, sizeof path) == 0)
            hr = add_dir(a, &l, path, 1, err, cberr);
    }
    if (hr == MAPI_E_NOT_ENOUGH_MEMORY && cberr && !err[0])
        snprintf(err, cberr, "out of memory while locating the service catalog");
    if (FAILED(hr))
        return hr;
    *paths = l.v;
    *count = l.n;
    return S_OK;
}

HRESULT mapirt_catalog_read_file(const char *path, char **text, size_t *len, struct stat *stp,
                                 char *err, size_t cberr)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0)
        return io_error(errno, path, err, cberr);
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return io_error(e, path, err, cberr);
    }
    if (!S_ISREG(st.st_mode) || st.st_size > CATALOG_MAX_BYTES) {
        close(fd);
        if (cberr)
            snprintf(err, cberr, "%s: %s", path,
                     S_ISREG(st.st_mode) ? "too large for a service catalog" : "not a file");
        return MAPI_E_CORRUPT_DATA;
    }
    char *buf = mapirt_malloc((size_t)st.st_size + 1);
    if (!buf) {
        close(fd);
        if (cberr)
            snprintf(err, cberr, "out of memory while reading %s", path);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            mapirt_free(buf);
            return io_error(e, path, err, cberr);
        }
        if (r == 0)
            break; /* shrank meanwhile: parse what is there */
        got += (size_t)r;
    }
    close(fd);
    buf[got] = '\0';
    *text = buf;
    *len = got;
    if (stp)
        *stp = st;
    return S_OK;
}
