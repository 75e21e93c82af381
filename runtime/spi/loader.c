/* loader.c: loading provider shared objects (loader.h).
 *
 * dlopen flags: RTLD_NOW, so that a provider with a missing symbol fails here with dlerror()'s
 * message instead of crashing at its first call; RTLD_LOCAL, so that two providers exporting the
 * same helper names do not bind to each other's. Not RTLD_DEEPBIND: it gives the provider its own
 * resolution of libstdc++'s and libc's symbols (operator new, iostreams), which breaks C++
 * providers; with plain RTLD_LOCAL, C++ providers get their static constructors at load,
 * destructors at unload, and RTTI and exceptions work (libstdc++ compares type_info by name).
 * Modules are shared process-wide by file (device and inode), counted, and closed with the last
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
#include <mapirt/gate.h>

#include "core/location.h"
#include "loader.h"

struct mapirt_module {
    unsigned refs; /* under modules_mu */
    void *handle;
    char *path;
    dev_t dev; /* the file's identity: how a module is found again */
    ino_t ino;
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
                   size_t cb, struct stat *st)
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
    return stat(path, st) == 0 && S_ISREG(st->st_mode);
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
    char dirs[8192], path[PATH_MAX];
    struct stat st;
    int ncand = mapirt_dllname_candidates(dllname, cand, err, cberr);

    *out = NULL;
    if (ncand == 0)
        return MAPI_E_INVALID_PARAMETER;
    size_t nd = search_dirs(dirs, sizeof dirs);
    int found = 0;
    for (size_t off = 0; off < nd && !found; off += strlen(dirs + off) + 1)
        found = find_in(dirs + off, cand, ncand, path, sizeof path, &st);
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

    /* found again by the file's identity, as the dynamic linker does: a file reached through
     * two names (a symbolic link, two provider directories) is one module, and no path needs
     * resolving */
    pthread_mutex_lock(&modules_mu);
    for (mapirt_module *m = modules; m; m = m->next)
        if (m->dev == st.st_dev && m->ino == st.st_ino) {
            m->refs++;
            pthread_mutex_unlock(&modules_mu);
            *out = m;
            return S_OK;
        }
    mapirt_module *m = mapirt_calloc(1, sizeof *m);
    if (!m || !(m->path = mapirt_strdup(path))) {
        pthread_mutex_unlock(&modules_mu);
        mapirt_free(m);
        put_err(err, cberr, "out of memory loading %s%s", path, "");
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    dlerror();
    m->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!m->handle) {
        const char *why = dlerror();
        pthread_mutex_unlock(&modules_mu);
        put_err(err, cberr, "cannot load %s: %s", path, why ? why : "unknown error");
        mapirt_free(m->path);
        mapirt_free(m);
        return MAPI_E_CALL_FAILED;
    }
    m->refs = 1;
    m->dev = st.st_dev;
    m->ino = st.st_ino;
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

/* References dropped by mapirt_module_release_later. A thread's own drops wait in its `pending`
 * list (it may still be running the module's code further up its stack: the provider's Release
 * that dropped the reference has not returned yet); the thread moves them to the graveyard
 * itself at a point where it runs none of it (mapirt_module_reap called outside any gate, or
 * its exit), and only graveyard entries are unmapped. So no thread unmaps a module another
 * thread is still returning through, however the two interleave. */
static mapirt_module **graveyard; /* under modules_mu */
static size_t ngrave, cgrave;

struct pending {
    mapirt_module **m;
    size_t n, c;
};
static _Thread_local struct pending t_pending;
static pthread_key_t pending_key;
static pthread_once_t pending_once = PTHREAD_ONCE_INIT;

/* Moves the calling thread's drops to the graveyard. Without room they stay where they are
 * (the module stays mapped: the safe side). */
static void settle(struct pending *p)
{
    pthread_mutex_lock(&modules_mu);
    if (ngrave + p->n > cgrave) {
        size_t n = cgrave ? cgrave : 8;
        while (n < ngrave + p->n)
            n *= 2;
        mapirt_module **g = mapirt_realloc(graveyard, n * sizeof *g);
        if (!g) {
            pthread_mutex_unlock(&modules_mu);
            return;
        }
        graveyard = g;
        cgrave = n;
    }
    for (size_t i = 0; i < p->n; i++)
        graveyard[ngrave++] = p->m[i];
    pthread_mutex_unlock(&modules_mu);
    mapirt_free(p->m);
    p->m = NULL;
    p->n = p->c = 0;
}

/* A thread that ends has left every provider's code. */
static void pending_exit(void *p)
{
    settle(p);
}

static void pending_init(void)
{
    pthread_key_create(&pending_key, pending_exit);
}

void mapirt_module_release_later(mapirt_module *m)
{
    struct pending *p = &t_pending;
    if (!m)
        return;
    pthread_once(&pending_once, pending_init);
    if (p->n == p->c) {
        size_t n = p->c ? p->c * 2 : 8;
        mapirt_module **g = mapirt_realloc(p->m, n * sizeof *g);
        if (!g)
            return; /* no room to defer: keep the module loaded for good rather than early */
        p->m = g;
        p->c = n;
    }
    p->m[p->n++] = m;
    pthread_setspecific(pending_key, p); /* so that pending_exit runs */
}

void mapirt_module_reap(void)
{
    if (t_pending.n && !mapirt_gate_inside())
        settle(&t_pending);
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
