/* copytarget.c: the registry of copytarget.h, a short list under a mutex (there are as many
 * entries as live administration objects and sessions). Lock order: mu, then nothing. */
#include <pthread.h>

#include <mapicode.h>

#include <mapirt/alloc.h>

#include "copytarget.h"

struct target {
    struct target *next;
    const void *identity;
    mapirt_target_kind kind;
    mapirt_profstore *ps;
    mapirt_profile_id id;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct target *targets;

HRESULT mapirt_copytarget_add(const void *identity, mapirt_target_kind kind, mapirt_profstore *ps,
                              mapirt_profile_id id)
{
    struct target *t = mapirt_malloc(sizeof *t);
    if (!t)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    t->identity = identity;
    t->kind = kind;
    t->ps = ps;
    t->id = id;
    pthread_mutex_lock(&mu);
    t->next = targets;
    targets = t;
    pthread_mutex_unlock(&mu);
    return S_OK;
}

void mapirt_copytarget_remove(const void *identity)
{
    struct target *gone = NULL;
    pthread_mutex_lock(&mu);
    for (struct target **pp = &targets; *pp; pp = &(*pp)->next)
        if ((*pp)->identity == identity) {
            gone = *pp;
            *pp = gone->next;
            break;
        }
    pthread_mutex_unlock(&mu);
    mapirt_free(gone);
}

int mapirt_copytarget_find(const void *identity, mapirt_target_kind kind, mapirt_profstore **ps,
                           mapirt_profile_id *id)
{
    int found = 0;
    pthread_mutex_lock(&mu);
    for (struct target *t = targets; t && !found; t = t->next)
        if (t->identity == identity && t->kind == kind) {
            /* the object is alive (it removes itself before it goes), so is its store */
            mapirt_profstore_addref(t->ps);
            *ps = t->ps;
            *id = t->id;
            found = 1;
        }
    pthread_mutex_unlock(&mu);
    return found;
}
