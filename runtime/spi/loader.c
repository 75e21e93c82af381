/* loader.c: loading provider shared objects (loader.h).
 *
 * dlopen flags: RTLD_NOW, so that a provider with a missing symbol fails here with dlerror()'s
 * message instead of crashing at its first call; RTLD_LOCAL, so that two providers exporting the
 * same helper names do not bind to each other's. Not RTLD_DEEPBIND: it gives the provider its own
 * resolution of libstdc++'s and libc's symbols (operator new, iostreams), which breaks C++
 * providers; with plain RTLD_LOCAL, C++ providers get their static constructors at load,
 * destructors at unload, and RTTI and exceptions work (libstdc++ compares type_info by name).
 * Modules are shared process-wide by resolved path, counted, and closed with the last
 * reference. */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <mapicode.h>

#include <mapirt/alloc.h>

#include "core/location.h"
#include "loader.h"

struct mapirt_module {
    unsigned refs; /* under modules_mu */
    void *handle;
    char *path;
    struct mapirt_module *next;
};

static pthread_mutex_t modules_mu = PTHREAD_MUTEX_INITIALIZER;
static struct mapirt_module *modules;

static void put_err(char *err, size_t cberr, const char *fmt, const char *a, const char *b)
{
    if (err && cberr)
        snprintf(err, cberr, fmt, a, b);
}

/* Looks in one directory for the first candidate present (names compared without case). */
static int find_in(const char *dir, char cand[][MAPIRT_DLLNAME_MAX], int ncand, char *path,
                   size_t cb)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int best = ncand;
    char found[NAME_MAX + 1] = "";
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        for (int i = 0; i < best; i++)
            if (strcasecmp(e->d_name, cand[i]) == 0) {
                best = i;
                snprintf(found, sizeof found, "%s", e->d_name);
                break;
            }
    closedir(d);
    if (best == ncand)
        return 0;
    if (snprintf(path, cb, "%s/%s", dir, found) >= (int)cb)
        return 0;
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The provider directories in search order, as one string of NUL-separated entries. */
static size_t search_dirs(char *buf, size_t cb)
{
    size_t n = 0;
    const char *env = getenv("MAPIRT_PROVIDER_PATH");
    if (env) {
        const char *s = env;
        while (*s) {
            const char *colon = strchr(s, ':');
            size_t len = colon ? (size_t)(colon - s) : strlen(s);
            /* relative entries would depend on the current directory: ignored */
            if (len && s[0] == '/' && n + len + 1 < cb) {
                memcpy(buf + n, s, len);
                buf[n + len] = '\0';
                n += len + 1;
            }
            s += len + (colon ? 1 : 0);
        }
    }
    char def[PATH_MAX];
    if (mapirt_data_path("providers", def, sizeof def) == 0 && n + strlen(def) + 1 < cb) {
        memcpy(buf + n, def, strlen(def) + 1);
        n += strlen(def) + 1;
    }
    return n;
}

HRESULT mapirt_module_load(const char *dllname, mapirt_module **out, char *err, size_t cberr)
{
    char cand[MAPIRT_DLLNAME_CANDIDATES][MAPIRT_DLLNAME_MAX];
    char dirs[8192], path[PATH_MAX], real[PATH_MAX];
    int ncand = mapirt_dllname_candidates(dllname, cand, err, cberr);

    *out = NULL;
    if (ncand == 0)
        return MAPI_E_INVALID_PARAMETER;
    size_t nd = search_dirs(dirs, sizeof dirs);
    int found = 0;
    for (size_t off = 0; off < nd && !found; off += strlen(dirs + off) + 1)
        found = find_in(dirs + off, cand, ncand, path, sizeof path);
    if (!found) {
        if (err && cberr) {
            int w = snprintf(err, cberr, "no shared object for provider DLL '%s' (tried %s",
                             dllname, cand[0]);
            for (int i = 1; i < ncand && w > 0 && (size_t)w < cberr; i++)
                w += snprintf(err + w, cberr - (size_t)w, ", %s", cand[i]);
            if (w > 0 && (size_t)w < cberr)
                w += snprintf(err + w, cberr - (size_t)w, " in");
            for (size_t off = 0; off < nd && w > 0 && (size_t)w < cberr;
                 off += strlen(dirs + off) + 1)
                w += snprintf(err + w, cberr - (size_t)w, " %s", dirs + off);
            if (w > 0 && (size_t)w < cberr)
                snprintf(err + w, cberr - (size_t)w, "%s)", nd ? "" : " no provider directory");
        }
        return MAPI_E_NOT_FOUND;
    }
    if (!realpath(path, real))
        snprintf(real, sizeof real, "%s", path);

    pthread_mutex_lock(&modules_mu);
    for (mapirt_module *m = modules; m; m = m->next)
        if (strcmp(m->path, real) == 0) {
            m->refs++;
            pthread_mutex_unlock(&modules_mu);
            *out = m;
            return S_OK;
        }
    mapirt_module *m = mapirt_calloc(1, sizeof *m);
    if (!m || !(m->path = mapirt_strdup(real))) {
        pthread_mutex_unlock(&modules_mu);
        mapirt_free(m);
        put_err(err, cberr, "out of memory loading %s%s", real, "");
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    dlerror();
    m->handle = dlopen(real, RTLD_NOW | RTLD_LOCAL);
    if (!m->handle) {
        const char *why = dlerror();
        pthread_mutex_unlock(&modules_mu);
        put_err(err, cberr, "cannot load %s: %s", real, why ? why : "unknown error");
        mapirt_free(m->path);
        mapirt_free(m);
        return MAPI_E_CALL_FAILED;
    }
    m->refs = 1;
    m->next = modules;
    modules = m;
    pthread_mutex_unlock(&modules_mu);
    *out = m;
    return S_OK;
}

void mapirt_module_addref(mapirt_module *m)
{
    pthread_mutex_lock(&modules_mu);
    m->refs++;
    pthread_mutex_unlock(&modules_mu);
}

void mapirt_module_release(mapirt_module *m)
{
    if (!m)
        return;
    pthread_mutex_lock(&modules_mu);
    if (--m->refs > 0) {
        pthread_mutex_unlock(&modules_mu);
        return;
    }
    for (mapirt_module **pp = &modules; *pp; pp = &(*pp)->next)
        if (*pp == m) {
            *pp = m->next;
            break;
        }
    /* closed under the lock: a concurrent load of the same file must not find it half gone */
    dlclose(m->handle);
    pthread_mutex_unlock(&modules_mu);
    mapirt_free(m->path);
    mapirt_free(m);
}

/* References dropped by mapirt_module_release_later, waiting for mapirt_module_reap. */
static mapirt_module **graveyard; /* under modules_mu */
static size_t ngrave, cgrave;

void mapirt_module_release_later(mapirt_module *m)
{
    if (!m)
        return;
    pthread_mutex_lock(&modules_mu);
    if (ngrave == cgrave) {
        size_t n = cgrave ? cgrave * 2 : 8;
        mapirt_module **g = mapirt_realloc(graveyard, n * sizeof *g);
        if (!g) {
            /* no room to defer: keep the module loaded for good rather than unmap it early */
            pthread_mutex_unlock(&modules_mu);
            return;
        }
        graveyard = g;
        cgrave = n;
    }
    graveyard[ngrave++] = m;
    pthread_mutex_unlock(&modules_mu);
}

void mapirt_module_reap(void)
{
    for (;;) {
        pthread_mutex_lock(&modules_mu);
        mapirt_module *m = ngrave ? graveyard[--ngrave] : NULL;
        if (!ngrave) {
            mapirt_free(graveyard);
            graveyard = NULL;
            cgrave = 0;
        }
        pthread_mutex_unlock(&modules_mu);
        if (!m)
            return;
        mapirt_module_release(m);
    }
}

void *mapirt_module_symbol(mapirt_module *m, const char *name)
{
    return m && name ? dlsym(m->handle, name) : NULL;
}

const char *mapirt_module_path(const mapirt_module *m)
{
    return m->path;
}

HINSTANCE mapirt_module_instance(const mapirt_module *m)
{
    return (HINSTANCE)m->handle;
}
