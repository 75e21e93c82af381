/* sharemode.c: STGM_SHARE_* among the file streams of this process.
 *
 * Windows refuses an open whose access another open denies, or that denies an access another
 * open has (a sharing violation). POSIX has no mandatory sharing, and its advisory locks need
 * the very access a share mode may deny (a write lock needs a descriptor open for writing), so
 * the rule is kept here, exactly, between the streams of this process: every file (device and
 * inode) that streams have open has one entry counting its readers, writers and the opens that
 * deny reading or writing. Other processes are not stopped (docs/decisions.md). */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>

#include <mapiutil.h>

#include <mapirt/alloc.h>

#include "stream_internal.h"

struct sof_share {
    struct sof_share *next;
    dev_t dev;
    ino_t ino;
    unsigned readers, writers, deny_read, deny_write;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct sof_share *files;

struct access {
    bool read, write, deny_read, deny_write;
};

static struct access access_of(ULONG mode)
{
    ULONG a = mode & (STGM_WRITE | STGM_READWRITE), share = mode & 0x70u;
    /* No share mode is STGM_SHARE_DENY_NONE, as COM documents. */
    struct access r = {a != STGM_WRITE, a != STGM_READ,
                       share == STGM_SHARE_EXCLUSIVE || share == STGM_SHARE_DENY_READ,
                       share == STGM_SHARE_EXCLUSIVE || share == STGM_SHARE_DENY_WRITE};
    return r;
}

int mapirt_share_take(dev_t dev, ino_t ino, ULONG mode, struct sof_share **out)
{
    struct access a = access_of(mode);
    struct sof_share *e;
    int err = 0;

    pthread_mutex_lock(&lock);
    for (e = files; e != NULL && (e->dev != dev || e->ino != ino); e = e->next)
        ;
    if (e != NULL && ((a.read && e->deny_read) || (a.write && e->deny_write) ||
                      (a.deny_read && e->readers) || (a.deny_write && e->writers))) {
        err = EAGAIN;
        goto out;
    }
    if (e == NULL) {
        e = mapirt_calloc(1, sizeof(*e));
        if (e == NULL) {
            err = ENOMEM;
            goto out;
        }
        e->dev = dev;
        e->ino = ino;
        e->next = files;
        files = e;
    }
    e->readers += a.read;
    e->writers += a.write;
    e->deny_read += a.deny_read;
    e->deny_write += a.deny_write;
    *out = e;
out:
    pthread_mutex_unlock(&lock);
    return err;
}

void mapirt_share_drop(struct sof_share *e, ULONG mode)
{
    struct access a = access_of(mode);

    if (e == NULL)
        return;
    pthread_mutex_lock(&lock);
    e->readers -= a.read;
    e->writers -= a.write;
    e->deny_read -= a.deny_read;
    e->deny_write -= a.deny_write;
    if (e->readers + e->writers + e->deny_read + e->deny_write == 0) {
        struct sof_share **p = &files;
        while (*p != e)
            p = &(*p)->next;
        *p = e->next;
        mapirt_free(e);
    }
    pthread_mutex_unlock(&lock);
}
