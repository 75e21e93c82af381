/* seclock.c: the process's table of open profile sections (seclock.h). One entry per section
 * with its count of readers and writers; entries go when their last holder drops them. */
#include <pthread.h>
#include <string.h>

#include <mapicode.h>

#include <mapirt/alloc.h>

#include "seclock.h"

struct entry {
    struct entry *next;
    char *path;
    mapirt_profile_id id;
    MAPIUID uid;
    unsigned readers, writers;
};

/* a holder's handle: its entry and what it holds */
struct mapirt_seclock {
    struct entry *entry;
    int write;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct entry *entries;

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
        e->next = entries;
        entries = e;
    }
    if (write)
        e->writers++;
    else
        e->readers++;
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
        mapirt_free(e->path);
        mapirt_free(e);
    }
    pthread_mutex_unlock(&mu);
    mapirt_free(h);
}
