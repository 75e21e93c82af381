/* catalog_cache.c: the parsed service catalog, kept between uses (mapirt_catalog_load).
 *
 * CreateProfile, CreateMsgService and CreateProvider each need the catalog; parsing it every
 * time costs more than the store's own work. The catalog parsed last is kept with what it was
 * made from: the list of files (MAPIRT_SERVICES or the default file plus the mapisvc.d/ listing,
 * in order) and, for each file, its device, inode, size, modification and change times as
 * fstat saw them when the file was read. A load lists and stats the files again, and hands out
 * the kept catalog when all of that is equal; otherwise it reads and parses anew. So a fragment
 * installed or removed changes the listing, an edit in place changes the times or size, a
 * replacement by rename changes the inode: each is seen by the next call.
 *
 * Timestamps have a granularity (the kernel's clock tick, or seconds on some file systems), so
 * a file written twice within one tick, keeping its size, can keep its times. A catalog read
 * while one of its files was younger than RACY_SECONDS is "racy" (the word is git's, for the
 * same problem): its bytes are kept and each use reads the files and compares them, until a
 * use finds them all older, which makes the times trustworthy from then on.
 *
 * A failed load is not kept: a malformed catalog is parsed (and refused) again by every call,
 * and the last good one is never handed out in its place. Two threads missing at once may both
 * parse; the later result replaces the earlier. The kept catalog holds one reference and is
 * replaced, never changed: callers keep theirs for as long as they need it. */
#define _DEFAULT_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <sys/types.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <mapicode.h>

#include <mapirt/alloc.h>

#include "catalog.h"

#define RACY_SECONDS 2

struct file_id {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime, ctime;
};

struct kept {
    mapirt_catalog *cat;
    ULONG n;
    char **paths;
    struct file_id *ids;
    char **texts; /* while racy */
    size_t *lens;
    int racy;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct kept *kept; /* guarded by mu */
static atomic_ulong parses, files_read;

void mapirt_catalog_cache_counts(unsigned long *nparses, unsigned long *nread)
{
    *nparses = atomic_load(&parses);
    *nread = atomic_load(&files_read);
}

static void id_of(const struct stat *st, struct file_id *id)
{
    memset(id, 0, sizeof *id);
    id->dev = st->st_dev;
    id->ino = st->st_ino;
    id->size = st->st_size;
    id->mtime = st->st_mtim;
    id->ctime = st->st_ctim;
}

static int same_time(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

static int same_id(const struct file_id *a, const struct file_id *b)
{
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           same_time(&a->mtime, &b->mtime) && same_time(&a->ctime, &b->ctime);
}

/* Whether a file changed at `t` could change again without its times showing it, as seen
 * from `now` (taken before the file was read). */
static int young(const struct timespec *t, const struct timespec *now)
{
    return t->tv_sec >= now->tv_sec - RACY_SECONDS;
}

static int any_young(const struct file_id *ids, ULONG n, const struct timespec *now)
{
    for (ULONG i = 0; i < n; i++)
        if (young(&ids[i].mtime, now) || young(&ids[i].ctime, now))
            return 1;
    return 0;
}

static void kept_free(struct kept *k)
{
    if (!k)
        return;
    for (ULONG i = 0; i < k->n; i++) {
        mapirt_free(k->paths ? k->paths[i] : NULL);
        mapirt_free(k->texts ? k->texts[i] : NULL);
    }
    mapirt_free(k->paths);
    mapirt_free(k->texts);
    mapirt_free(k->lens);
    mapirt_free(k->ids);
    mapirt_catalog_free(k->cat);
    mapirt_free(k);
}

static int same_paths(const struct kept *k, const char *const *paths, ULONG n)
{
    if (k->n != n)
        return 0;
    for (ULONG i = 0; i < n; i++)
        if (strcmp(k->paths[i], paths[i]) != 0)
            return 0;
    return 1;
}

/* The kept catalog (a new reference) when it was made from these files as they are now:
 * `ids` from stat, and (texts non-NULL) the bytes just read, which a racy one is compared with.
 * Clears the racy mark once the bytes matched and every file has grown old. Under mu. */
static mapirt_catalog *lookup(const char *const *paths, ULONG n, const struct file_id *ids,
                              char *const *texts, const size_t *lens, const struct timespec *now)
{
    if (!kept || !same_paths(kept, paths, n))
        return NULL;
    for (ULONG i = 0; i < n; i++)
        if (!same_id(&kept->ids[i], &ids[i]))
            return NULL;
    if (kept->racy) {
        if (!texts)
            return NULL;
        for (ULONG i = 0; i < n; i++)
            if (kept->lens[i] != lens[i] || memcmp(kept->texts[i], texts[i], lens[i]) != 0)
                return NULL;
        if (!any_young(ids, n, now)) {
            for (ULONG i = 0; i < n; i++) {
                mapirt_free(kept->texts[i]);
                kept->texts[i] = NULL;
            }
            kept->racy = 0;
        }
    }
    mapirt_catalog_addref(kept->cat);
    return kept->cat;
}

/* Keeps cat (taking a reference) as made from these files; `texts` are taken over when the
 * catalog is racy (set to NULL here), left to the caller otherwise. Out of memory keeps
 * nothing and is reported like any other allocation failure of the load. */
static HRESULT keep(mapirt_catalog *cat, const char *const *paths, ULONG n,
                 const struct file_id *ids, char **texts, const size_t *lens,
                 const struct timespec *now)
{
    struct kept *k = mapirt_calloc(1, sizeof *k);
    if (!k)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    k->n = n;
    k->paths = mapirt_calloc(n + 1, sizeof *k->paths);
    k->ids = mapirt_calloc(n + 1, sizeof *k->ids);
    k->texts = mapirt_calloc(n + 1, sizeof *k->texts);
    k->lens = mapirt_calloc(n + 1, sizeof *k->lens);
    int ok = k->paths && k->ids && k->texts && k->lens;
    for (ULONG i = 0; ok && i < n; i++)
        ok = (k->paths[i] = mapirt_strdup(paths[i])) != NULL;
    if (!ok) {
        k->n = k->paths ? n : 0;
        kept_free(k);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    memcpy(k->ids, ids, n * sizeof *ids);
    k->racy = any_young(ids, n, now);
    if (k->racy)
        for (ULONG i = 0; i < n; i++) {
            k->texts[i] = texts[i];
            k->lens[i] = lens[i];
            texts[i] = NULL;
        }
    mapirt_catalog_addref(cat);
    k->cat = cat;
    pthread_mutex_lock(&mu);
    struct kept *old = kept;
    kept = k;
    pthread_mutex_unlock(&mu);
    kept_free(old);
    return S_OK;
}

HRESULT mapirt_catalog_load(mapirt_catalog **out, char *err, size_t cberr)
{
    mapirt_arena a = MAPIRT_ARENA_INIT;
    const char **paths = NULL;
    ULONG n = 0;
    struct timespec now;
    HRESULT hr;

    *out = NULL;
    if (cberr)
        err[0] = '\0';
    clock_gettime(CLOCK_REALTIME, &now);
    hr = mapirt_catalog_files(&a, &paths, &n, err, cberr);
    if (FAILED(hr)) {
        mapirt_arena_free(&a);
        return hr;
    }
    struct file_id *ids = mapirt_calloc(n + 1, sizeof *ids);
    char **texts = mapirt_calloc(n + 1, sizeof *texts);
    size_t *lens = mapirt_calloc(n + 1, sizeof *lens);
    mapirt_catalog_text *in = mapirt_calloc(n + 1, sizeof *in);
    if (!ids || !texts || !lens || !in) {
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
        if (cberr)
            snprintf(err, cberr, "out of memory while reading the service catalog");
        goto done;
    }

    /* the files as they are now: unchanged (and not racy) is the kept catalog */
    int stat_ok = 1;
    for (ULONG i = 0; i < n && stat_ok; i++) {
        struct stat st;
        if ((stat_ok = stat(paths[i], &st) == 0))
            id_of(&st, &ids[i]);
    }
    if (stat_ok) {
        pthread_mutex_lock(&mu);
        *out = lookup(paths, n, ids, NULL, NULL, &now);
        pthread_mutex_unlock(&mu);
        if (*out)
            goto done;
    }

    /* read them: a racy kept catalog is still theirs when the bytes are the same */
    for (ULONG i = 0; i < n && SUCCEEDED(hr); i++) {
        struct stat st;
        hr = mapirt_catalog_read_file(paths[i], &texts[i], &lens[i], &st, err, cberr);
        atomic_fetch_add(&files_read, 1);
        if (SUCCEEDED(hr)) {
            id_of(&st, &ids[i]);
            in[i].file = paths[i];
            in[i].text = texts[i];
            in[i].len = lens[i];
        }
    }
    if (FAILED(hr))
        goto done;
    pthread_mutex_lock(&mu);
    *out = lookup(paths, n, ids, texts, lens, &now);
    pthread_mutex_unlock(&mu);
    if (*out)
        goto done;
    atomic_fetch_add(&parses, 1);
    hr = mapirt_catalog_parse(in, n, out, err, cberr);
    if (SUCCEEDED(hr) && FAILED(hr = keep(*out, paths, n, ids, texts, lens, &now))) {
        mapirt_catalog_free(*out);
        *out = NULL;
        if (cberr)
            snprintf(err, cberr, "out of memory while reading the service catalog");
    }

done:
    for (ULONG i = 0; texts && i < n; i++)
        mapirt_free(texts[i]);
    mapirt_free(texts);
    mapirt_free(lens);
    mapirt_free(ids);
    mapirt_free(in);
    mapirt_arena_free(&a);
    return hr;
}
