/* seclock.c: open profile sections, for OpenProfileSection's rule (seclock.h), in this process
 * and across processes.
 *
 * In the process: a table with one entry per open section and its count of readers and writers;
 * entries go when their last holder drops them. The rule is decided here first, exactly (also
 * for MAPI_FORCE_ACCESS, which counts its holder but ignores the others).
 *
 * Across processes: each entry holds an open-file-description lock (F_OFD_SETLK) on one byte of
 * "<store>.lock", the file inuse.c marks profiles in use with: a read lock while the process has
 * the section open only for reading, a write lock while it has it open for writing. The byte is
 * at LOCK_BASE + a 61-bit hash of the profile ID and the section UID, far above the bytes
 * inuse.c uses (one per profile ID). Two sections sharing a byte (about one chance in 2^61 per
 * pair) would only exclude each other as if they were one. The kernel releases the locks of a
 * process that ends, however it ends, so a crash never leaves a section locked. Each entry has
 * its own open file description: OFD locks of two descriptions conflict even in one process, so
 * entries never merge locks; a child forked without exec shares the parent's descriptions, and
 * with them its locks, as it shares its open files.
 *
 * A non-forced open that the other processes' locks refuse is MAPI_E_NO_ACCESS, and the table
 * is left as it was. A forced open takes the lock it needs if it can, else keeps what the entry
 * had (the other process's holder is not disturbed; later opens elsewhere see the weaker lock):
 * MAPI_FORCE_ACCESS is the caller taking responsibility, across processes too. When the lock
 * file cannot be opened or written (a read-only store's directory), the rule holds within the
 * process only; the store then refuses writes anyway.
 *
 * Lock order: mu, then no other lock (fcntl calls here never wait). */
#define _GNU_SOURCE
/* The MAPI headers come before <fcntl.h>: with _GNU_SOURCE it defines LOCK_WRITE, a name
 * objidl.h's LOCKTYPE enumeration also uses. */
#include <mapicode.h>

#include "seclock.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <mapirt/alloc.h>

#define LOCK_BASE ((off_t)1 << 62)

enum { HELD_NONE, HELD_READ, HELD_WRITE };

struct entry {
    struct entry *next;
    char *path;
    mapirt_profile_id id;
    MAPIUID uid;
    unsigned readers, writers;
    int fd;   /* on <store>.lock, or -1 (none could be opened) */
    int held; /* HELD_*: what fd's lock on the section's byte is now */
};

/* a holder's handle: its entry and what it holds */
struct mapirt_seclock {
    struct entry *entry;
    int write;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct entry *entries;

/* splitmix64's finaliser: every input bit moves every output bit */
static uint64_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static off_t byte_of(mapirt_profile_id id, const MAPIUID *uid)
{
    uint64_t a, b;
    memcpy(&a, uid->ab, 8);
    memcpy(&b, uid->ab + 8, 8);
    uint64_t h = mix(mix(mix((uint64_t)id) ^ a) ^ b);
    return LOCK_BASE + (off_t)(h >> 3); /* 61 bits: LOCK_BASE + h stays below 2^63 - 1 */
}

static int open_lockfile(const char *store_path)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s.lock", store_path) >= (int)sizeof path)
        return -1;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW); /* a read-only store */
    return fd;
}

/* Sets the entry's lock to `want` (never waits). 0 on success; -1 when another process's lock
 * is in the way (EAGAIN) or the lock cannot be had at all (the entry then has none). */
static int set_lock(struct entry *e, int want)
{
    if (e->fd < 0 || e->held == want)
        return 0;
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = want == HELD_WRITE ? F_WRLCK : want == HELD_READ ? F_RDLCK : F_UNLCK;
    fl.l_whence = SEEK_SET;
    fl.l_start = byte_of(e->id, &e->uid);
    fl.l_len = 1;
    int rc;
    do
        rc = fcntl(e->fd, F_OFD_SETLK, &fl);
    while (rc != 0 && errno == EINTR);
    if (rc == 0) {
        e->held = want;
        return 0;
    }
    if (errno == EAGAIN || errno == EACCES)
        return -1;
    /* no locking to be had here (EBADF: a lock file opened read-only cannot hold a write lock;
     * ENOLCK, EINVAL on file systems without OFD locks): the process's own rule still holds */
    close(e->fd);
    e->fd = -1;
    e->held = HELD_NONE;
    return 0;
}

static int wanted(const struct entry *e)
{
    return e->writers ? HELD_WRITE : e->readers ? HELD_READ : HELD_NONE;
}

static void entry_free(struct entry *e)
{
    if (e->fd >= 0)
        close(e->fd); /* drops the lock */
    mapirt_free(e->path);
    mapirt_free(e);
}

HRESULT mapirt_seclock_take(const char *store_path, mapirt_profile_id id, const MAPIUID *uid,
                            int write, int force, mapirt_seclock **out)
{
    mapirt_seclock *h = mapirt_malloc(sizeof *h);
    if (!h)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    pthread_mutex_lock(&mu);
    struct entry *e = entries;
    while (e && !(e->id == id && memcmp(&e->uid, uid, sizeof *uid) == 0 &&
                  strcmp(e->path, store_path) == 0))
        e = e->next;
    if (e && !force && (e->writers || (write && e->readers))) {
        pthread_mutex_unlock(&mu);
        mapirt_free(h);
        return MAPI_E_NO_ACCESS;
    }
    int created = 0;
    if (!e) {
        e = mapirt_calloc(1, sizeof *e);
        if (!e || !(e->path = mapirt_strdup(store_path))) {
            pthread_mutex_unlock(&mu);
            mapirt_free(e);
            mapirt_free(h);
            return MAPI_E_NOT_ENOUGH_MEMORY;
        }
        e->id = id;
        e->uid = *uid;
        e->fd = open_lockfile(store_path);
        e->held = HELD_NONE;
        created = 1;
    }
    if (write)
        e->writers++;
    else
        e->readers++;
    if (set_lock(e, wanted(e)) != 0) {
        if (force) {
            /* past the rule: keep what the entry had, or at least share a read lock */
            if (e->held == HELD_NONE)
                set_lock(e, HELD_READ);
        } else {
            if (write)
                e->writers--;
            else
                e->readers--;
            pthread_mutex_unlock(&mu);
            if (created)
                entry_free(e);
            mapirt_free(h);
            return MAPI_E_NO_ACCESS;
        }
    }
    if (created) {
        e->next = entries;
        entries = e;
    }
    pthread_mutex_unlock(&mu);
    h->entry = e;
    h->write = write;
    *out = h;
    return S_OK;
}

void mapirt_seclock_drop(mapirt_seclock *h)
{
    if (!h)
        return;
    pthread_mutex_lock(&mu);
    struct entry *e = h->entry;
    if (h->write)
        e->writers--;
    else
        e->readers--;
    if (!e->readers && !e->writers) {
        for (struct entry **pp = &entries; *pp; pp = &(*pp)->next)
            if (*pp == e) {
                *pp = e->next;
                break;
            }
        pthread_mutex_unlock(&mu);
        entry_free(e);
    } else {
        /* a downgrade (write to read) always succeeds; a forced holder's entry may get the lock
         * it could not have before */
        set_lock(e, wanted(e));
        pthread_mutex_unlock(&mu);
    }
    mapirt_free(h);
}
