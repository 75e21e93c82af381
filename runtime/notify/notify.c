/* runtime/notify/notify.c: advise lists and the notification dispatcher thread.
 *
 * Registrations live in a doubly linked list under the list's mutex. Sinks are always called
 * with the mutex released, so a callback may advise, unadvise, fire or destroy the same list.
 * An entry being delivered to is pinned by its `busy` count: removing it only marks it dead
 * and the delivering thread unlinks it and releases the sink once the call returns. A pinned
 * entry stays linked, so a delivery loop can always continue from it.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapispi.h> /* NOTIFY_SYNC, NOTIFY_CANCELED, CALLBACK_DISCONTINUE */
#include <mapiutil.h>

#include <mapirt/mapispi_impl.h>
#include <mapirt/notify.h>

#include <mapirt/alloc.h>
#include <mapirt/notifyq.h>
#include "notify_internal.h"

struct advise_entry {
    struct advise_entry *prev, *next;
    ULONG_PTR conn;
    ULONG mask;
    ULONG flags;
    LPMAPIADVISESINK sink;
    unsigned busy;
    int dead;
    int keyed;
    ULONG cbKey;
    BYTE key[];
};

struct mapirt_advise_list {
    pthread_mutex_t mu;
    atomic_uint refs; /* the owner, every delivery in progress and every queued job */
    struct advise_entry *head;
    ULONG live;
};

/* Which registrations a delivery reaches. */
enum deliver_filter { DELIVER_PLAIN, DELIVER_KEY_ALL, DELIVER_KEY_SYNC, DELIVER_KEY_ASYNC };

static atomic_uintptr_t g_next_conn = 1;

static ULONG_PTR new_connection(void)
{
    ULONG_PTR c;
    do
        c = atomic_fetch_add(&g_next_conn, 1);
    while (c == 0);
    return c;
}

static void list_ref(mapirt_advise_list *l) { atomic_fetch_add(&l->refs, 1); }

static void list_unref(mapirt_advise_list *l)
{
    if (atomic_fetch_sub(&l->refs, 1) == 1) {
        pthread_mutex_destroy(&l->mu);
        mapirt_free(l);
    }
}

static void unlink_entry(mapirt_advise_list *l, struct advise_entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        l->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    e->prev = e->next = NULL;
}

/* Entries whose sink must be released once the list mutex is dropped. */
static void release_graveyard(struct advise_entry *grave)
{
    while (grave) {
        struct advise_entry *next = grave->next;
        grave->sink->lpVtbl->Release(grave->sink);
        mapirt_free(grave);
        grave = next;
    }
}

HRESULT mapirt_advise_list_create(mapirt_advise_list **out)
{
    mapirt_advise_list *l;

    if (!out)
        return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    l = mapirt_calloc(1, sizeof(*l));
    if (!l)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    if (pthread_mutex_init(&l->mu, NULL) != 0) {
        mapirt_free(l);
        return MAPI_E_NOT_ENOUGH_RESOURCES;
    }
    atomic_init(&l->refs, 1);
    *out = l;
    return S_OK;
}

void mapirt_advise_list_destroy(mapirt_advise_list *l)
{
    struct advise_entry *e, *next, *grave = NULL;

    if (!l)
        return;
    pthread_mutex_lock(&l->mu);
    for (e = l->head; e; e = next) {
        next = e->next;
        if (e->dead)
            continue;
        e->dead = 1;
        l->live--;
        if (e->busy == 0) {
            unlink_entry(l, e);
            e->next = grave;
            grave = e;
        }
    }
    pthread_mutex_unlock(&l->mu);
    release_graveyard(grave);
    list_unref(l);
}

static HRESULT add_entry(mapirt_advise_list *l, ULONG cbKey, const BYTE *lpbKey, int keyed,
                         ULONG ulEventMask, ULONG ulFlags, LPMAPIADVISESINK sink,
                         ULONG_PTR *lpulConnection)
{
    struct advise_entry *e;

    if (!l || !sink || !lpulConnection || ulEventMask == 0)
        return MAPI_E_INVALID_PARAMETER;
    e = mapirt_calloc(1, sizeof(*e) + cbKey);
    if (!e)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    e->conn = new_connection();
    e->mask = ulEventMask;
    e->flags = ulFlags;
    e->sink = sink;
    e->keyed = keyed;
    e->cbKey = cbKey;
    if (cbKey)
        memcpy(e->key, lpbKey, cbKey);
    sink->lpVtbl->AddRef(sink);

    /* New entries go to the head: a sink advised from inside a callback does not receive the
     * notification being delivered, which keeps a self-advising sink from looping forever. */
    pthread_mutex_lock(&l->mu);
    e->next = l->head;
    if (l->head)
        l->head->prev = e;
    l->head = e;
    l->live++;
    pthread_mutex_unlock(&l->mu);
    *lpulConnection = e->conn;
    return S_OK;
}

HRESULT mapirt_advise_add(mapirt_advise_list *l, ULONG ulEventMask, LPMAPIADVISESINK sink,
                          ULONG_PTR *lpulConnection)
{
    return add_entry(l, 0, NULL, 0, ulEventMask, 0, sink, lpulConnection);
}

HRESULT mapirt_advise_add_key(mapirt_advise_list *l, ULONG cbKey, const BYTE *lpbKey,
                              ULONG ulEventMask, ULONG ulFlags, LPMAPIADVISESINK sink,
                              ULONG_PTR *lpulConnection)
{
    if (cbKey == 0 || !lpbKey)
        return MAPI_E_INVALID_PARAMETER;
    if (ulFlags & ~MAPIRT_FLAGSET_SubscribeFlags)
        return MAPI_E_UNKNOWN_FLAGS;
    return add_entry(l, cbKey, lpbKey, 1, ulEventMask, ulFlags, sink, lpulConnection);
}

HRESULT mapirt_advise_remove(mapirt_advise_list *l, ULONG_PTR ulConnection)
{
    struct advise_entry *e;

    if (!l)
        return MAPI_E_INVALID_PARAMETER;
    if (ulConnection == 0)
        return MAPI_E_NOT_FOUND;
    pthread_mutex_lock(&l->mu);
    for (e = l->head; e; e = e->next)
        if (e->conn == ulConnection && !e->dead)
            break;
    if (!e) {
        pthread_mutex_unlock(&l->mu);
        return MAPI_E_NOT_FOUND;
    }
    e->dead = 1;
    l->live--;
    if (e->busy) {
        /* The delivering thread releases it when OnNotify returns. */
        pthread_mutex_unlock(&l->mu);
        return S_OK;
    }
    unlink_entry(l, e);
    pthread_mutex_unlock(&l->mu);
    e->next = NULL;
    release_graveyard(e);
    return S_OK;
}

ULONG mapirt_advise_count(mapirt_advise_list *l)
{
    ULONG n;

    if (!l)
        return 0;
    pthread_mutex_lock(&l->mu);
    n = l->live;
    pthread_mutex_unlock(&l->mu);
    return n;
}

static int entry_selected(const struct advise_entry *e, enum deliver_filter filter, ULONG cbKey,
                          const BYTE *key)
{
    if (e->dead)
        return 0;
    if (filter == DELIVER_PLAIN)
        return !e->keyed;
    if (!e->keyed || e->cbKey != cbKey || memcmp(e->key, key, cbKey) != 0)
        return 0;
    if (filter == DELIVER_KEY_SYNC)
        return (e->flags & NOTIFY_SYNC) != 0;
    if (filter == DELIVER_KEY_ASYNC)
        return (e->flags & NOTIFY_SYNC) == 0;
    return 1;
}

/* Calls the sink once per run of consecutive notifications its mask accepts, so the common
 * case (everything matches) is one OnNotify with the caller's array and no copying. Returns
 * nonzero if the sink asked to discontinue. */
static int call_sink(LPMAPIADVISESINK sink, ULONG mask, ULONG cNotif, LPNOTIFICATION n)
{
    ULONG i = 0;
    int discontinue = 0;

    while (i < cNotif) {
        ULONG start, len;
        while (i < cNotif && !(n[i].ulEventType & mask))
            i++;
        start = i;
        while (i < cNotif && (n[i].ulEventType & mask))
            i++;
        len = i - start;
        if (len && sink->lpVtbl->OnNotify(sink, len, n + start) == CALLBACK_DISCONTINUE)
            discontinue = 1;
    }
    return discontinue;
}

static int any_match(ULONG mask, ULONG cNotif, const NOTIFICATION *n)
{
    for (ULONG i = 0; i < cNotif; i++)
        if (n[i].ulEventType & mask)
            return 1;
    return 0;
}

/* Synchronous delivery on the calling thread. With stop_on_discontinue, a sink returning
 * CALLBACK_DISCONTINUE ends the delivery (IMAPISupport::Notify); returns nonzero then. */
static int deliver(mapirt_advise_list *l, enum deliver_filter filter, ULONG cbKey,
                   const BYTE *key, ULONG cNotif, LPNOTIFICATION n, int stop_on_discontinue)
{
    struct advise_entry *e, *next, *grave = NULL;
    int canceled = 0;

    list_ref(l);
    pthread_mutex_lock(&l->mu);
    for (e = l->head; e; e = next) {
        if (!entry_selected(e, filter, cbKey, key) || !any_match(e->mask, cNotif, n)) {
            next = e->next;
            continue;
        }
        e->busy++;
        pthread_mutex_unlock(&l->mu);
        int stop = call_sink(e->sink, e->mask, cNotif, n);
        pthread_mutex_lock(&l->mu);
        e->busy--;
        next = e->next;
        if (e->dead && e->busy == 0) {
            unlink_entry(l, e);
            e->next = grave;
            grave = e;
        }
        if (stop && stop_on_discontinue) {
            canceled = 1;
            break;
        }
    }
    pthread_mutex_unlock(&l->mu);
    release_graveyard(grave);
    list_unref(l);
    return canceled;
}

/* ---- dispatcher thread -------------------------------------------------------------- */

struct job {
    struct job *next;
    mapirt_advise_list *list; /* referenced */
    enum deliver_filter filter;
    ULONG cNotif;
    NOTIFICATION *notifs; /* mapirt_notif_dup copy */
    ULONG cbKey;
    BYTE key[];
};

struct mapirt_dispatcher {
    pthread_t thread;
    pthread_cond_t work;  /* a job arrived or stop was requested */
    pthread_cond_t done;  /* `completed` advanced */
    struct job *head, *tail;
    unsigned long long queued, completed;
    int stop;
    unsigned refs; /* the thread, the global pointer or its detacher, flush waiters */
};

/* Guards g_disp and every field of every dispatcher. */
static pthread_mutex_t g_dmu = PTHREAD_MUTEX_INITIALIZER;
static struct mapirt_dispatcher *g_disp;
static atomic_int g_disp_active;

static void dispatcher_unref_locked(struct mapirt_dispatcher *d)
{
    if (--d->refs == 0) {
        pthread_cond_destroy(&d->work);
        pthread_cond_destroy(&d->done);
        mapirt_free(d);
    }
}

static void job_free(struct job *j)
{
    list_unref(j->list);
    mapirt_free(j->notifs);
    mapirt_free(j);
}

static void *dispatcher_main(void *arg)
{
    struct mapirt_dispatcher *d = arg;

    pthread_mutex_lock(&g_dmu);
    for (;;) {
        while (!d->head && !d->stop)
            pthread_cond_wait(&d->work, &g_dmu);
        if (!d->head)
            break;
        struct job *j = d->head;
        d->head = j->next;
        if (!d->head)
            d->tail = NULL;
        pthread_mutex_unlock(&g_dmu);
        deliver(j->list, j->filter, j->cbKey, j->key, j->cNotif, j->notifs, 0);
        job_free(j);
        pthread_mutex_lock(&g_dmu);
        d->completed++;
        pthread_cond_broadcast(&d->done);
    }
    dispatcher_unref_locked(d);
    pthread_mutex_unlock(&g_dmu);
    return NULL;
}

HRESULT mapirt_dispatcher_start(void)
{
    struct mapirt_dispatcher *d;

    pthread_mutex_lock(&g_dmu);
    if (g_disp) {
        pthread_mutex_unlock(&g_dmu);
        return S_OK;
    }
    pthread_mutex_unlock(&g_dmu);

    d = mapirt_calloc(1, sizeof(*d));
    if (!d)
        return MAPI_E_INVALID_OBJECT;
    if (pthread_cond_init(&d->work, NULL) != 0) {
        mapirt_free(d);
        return MAPI_E_INVALID_OBJECT;
    }
    if (pthread_cond_init(&d->done, NULL) != 0) {
        pthread_cond_destroy(&d->work);
        mapirt_free(d);
        return MAPI_E_INVALID_OBJECT;
    }
    d->refs = 2;
    if (pthread_create(&d->thread, NULL, dispatcher_main, d) != 0) {
        pthread_cond_destroy(&d->work);
        pthread_cond_destroy(&d->done);
        mapirt_free(d);
        return MAPI_E_INVALID_OBJECT;
    }
    pthread_mutex_lock(&g_dmu);
    if (g_disp) {
        /* Lost a race with another starter (init.c serialises starts, but stay correct). */
        d->stop = 1;
        pthread_cond_signal(&d->work);
        pthread_mutex_unlock(&g_dmu);
        pthread_join(d->thread, NULL);
        pthread_mutex_lock(&g_dmu);
        dispatcher_unref_locked(d);
        pthread_mutex_unlock(&g_dmu);
        return S_OK;
    }
    g_disp = d;
    atomic_store(&g_disp_active, 1);
    pthread_mutex_unlock(&g_dmu);
    return S_OK;
}

struct mapirt_dispatcher *mapirt_dispatcher_detach(void)
{
    struct mapirt_dispatcher *d;

    pthread_mutex_lock(&g_dmu);
    d = g_disp;
    g_disp = NULL;
    atomic_store(&g_disp_active, 0);
    if (d) {
        d->stop = 1;
        pthread_cond_signal(&d->work);
    }
    pthread_mutex_unlock(&g_dmu);
    return d;
}

void mapirt_dispatcher_join(struct mapirt_dispatcher *d)
{
    if (!d)
        return;
    if (pthread_equal(pthread_self(), d->thread)) {
        /* Last MAPIUninitialize from inside a callback: the thread drains its queue after
         * this callback returns and exits on its own. */
        pthread_detach(d->thread);
    } else {
        pthread_join(d->thread, NULL);
    }
    pthread_mutex_lock(&g_dmu);
    dispatcher_unref_locked(d);
    pthread_mutex_unlock(&g_dmu);
}

int mapirt_dispatcher_running(void) { return atomic_load(&g_disp_active); }

void mapirt_dispatcher_flush(void)
{
    struct mapirt_dispatcher *d;

    pthread_mutex_lock(&g_dmu);
    d = g_disp;
    if (!d || pthread_equal(pthread_self(), d->thread)) {
        pthread_mutex_unlock(&g_dmu);
        return;
    }
    d->refs++;
    unsigned long long target = d->queued;
    while (d->completed < target)
        pthread_cond_wait(&d->done, &g_dmu);
    dispatcher_unref_locked(d);
    pthread_mutex_unlock(&g_dmu);
}

HRESULT mapirt_notif_dup(ULONG cNotif, const NOTIFICATION *src, NOTIFICATION **out)
{
    ULONG cb = 0;
    SCODE sc;
    void *buf;

    *out = NULL;
    sc = ScCountNotifications((int)cNotif, (LPNOTIFICATION)src, &cb);
    if (FAILED(sc))
        return sc;
    buf = mapirt_malloc(cb ? cb : 1);
    if (!buf)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    sc = ScCopyNotifications((int)cNotif, (LPNOTIFICATION)src, buf, &cb);
    if (FAILED(sc)) {
        mapirt_free(buf);
        return sc;
    }
    *out = buf;
    return S_OK;
}

/* Queues a delivery to the dispatcher. Returns S_FALSE when no dispatcher is running (the
 * caller then delivers synchronously). */
static HRESULT enqueue(mapirt_advise_list *l, enum deliver_filter filter, ULONG cbKey,
                       const BYTE *key, ULONG cNotif, LPNOTIFICATION n)
{
    struct job *j;
    HRESULT hr;

    if (!atomic_load(&g_disp_active))
        return S_FALSE;
    j = mapirt_calloc(1, sizeof(*j) + cbKey);
    if (!j)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    hr = mapirt_notif_dup(cNotif, n, &j->notifs);
    if (FAILED(hr)) {
        mapirt_free(j);
        return hr;
    }
    j->filter = filter;
    j->cNotif = cNotif;
    j->cbKey = cbKey;
    if (cbKey)
        memcpy(j->key, key, cbKey);
    j->list = l;
    list_ref(l);

    pthread_mutex_lock(&g_dmu);
    struct mapirt_dispatcher *d = g_disp;
    if (!d) {
        pthread_mutex_unlock(&g_dmu);
        job_free(j);
        return S_FALSE;
    }
    if (d->tail)
        d->tail->next = j;
    else
        d->head = j;
    d->tail = j;
    d->queued++;
    pthread_cond_signal(&d->work);
    pthread_mutex_unlock(&g_dmu);
    return S_OK;
}

/* ---- queues held by a thread (<mapirt/notifyq.h>) ---------------------------------------- */

struct mapirt_notifyq {
    pthread_mutex_t mu; /* a leaf: never held while a sink runs */
    struct job *head, *tail;
    int draining;
};

/* The queues this thread holds, innermost last. */
#define HELD_MAX 4
static _Thread_local struct {
    mapirt_notifyq *q;
    unsigned depth;
} t_held[HELD_MAX];
static _Thread_local unsigned t_nheld, t_overflow;

HRESULT mapirt_notifyq_create(mapirt_notifyq **out)
{
    mapirt_notifyq *q = mapirt_calloc(1, sizeof *q);
    if (!q)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    pthread_mutex_init(&q->mu, NULL);
    *out = q;
    return S_OK;
}

void mapirt_notifyq_destroy(mapirt_notifyq *q)
{
    if (!q)
        return;
    for (struct job *j = q->head, *next; j; j = next) {
        next = j->next;
        job_free(j);
    }
    pthread_mutex_destroy(&q->mu);
    mapirt_free(q);
}

void mapirt_notifyq_hold(mapirt_notifyq *q)
{
    for (unsigned i = 0; i < t_nheld; i++)
        if (t_held[i].q == q) {
            t_held[i].depth++;
            return;
        }
    if (t_nheld == HELD_MAX) {
        t_overflow++; /* more queues than anyone nests: this one delivers at once */
        return;
    }
    t_held[t_nheld].q = q;
    t_held[t_nheld].depth = 1;
    t_nheld++;
}

static void drain(mapirt_notifyq *q)
{
    pthread_mutex_lock(&q->mu);
    if (q->draining) {
        pthread_mutex_unlock(&q->mu); /* the thread draining it delivers ours too, in order */
        return;
    }
    q->draining = 1;
    struct job *j;
    while ((j = q->head) != NULL) {
        q->head = j->next;
        if (!q->head)
            q->tail = NULL;
        pthread_mutex_unlock(&q->mu);
        deliver(j->list, j->filter, j->cbKey, j->key, j->cNotif, j->notifs, 0);
        job_free(j);
        pthread_mutex_lock(&q->mu);
    }
    q->draining = 0;
    pthread_mutex_unlock(&q->mu);
}

void mapirt_notifyq_release(mapirt_notifyq *q)
{
    for (unsigned i = t_nheld; i-- > 0;)
        if (t_held[i].q == q) {
            if (--t_held[i].depth)
                return;
            for (t_nheld--; i < t_nheld; i++)
                t_held[i] = t_held[i + 1];
            drain(q);
            return;
        }
    if (t_overflow)
        t_overflow--;
}

/* Queues a plain delivery on the innermost queue the thread holds: S_FALSE when it holds none. */
static HRESULT hold_back(mapirt_advise_list *l, ULONG cNotif, LPNOTIFICATION n)
{
    if (!t_nheld)
        return S_FALSE;
    mapirt_notifyq *q = t_held[t_nheld - 1].q;
    struct job *j = mapirt_calloc(1, sizeof(*j));
    if (!j)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    HRESULT hr = mapirt_notif_dup(cNotif, n, &j->notifs);
    if (FAILED(hr)) {
        mapirt_free(j);
        return hr;
    }
    j->filter = DELIVER_PLAIN;
    j->cNotif = cNotif;
    j->list = l;
    list_ref(l);
    pthread_mutex_lock(&q->mu);
    if (q->tail)
        q->tail->next = j;
    else
        q->head = j;
    q->tail = j;
    pthread_mutex_unlock(&q->mu);
    return S_OK;
}

HRESULT mapirt_advise_fire(mapirt_advise_list *l, ULONG cNotif, LPNOTIFICATION lpNotif)
{
    HRESULT hr;

    if (!l || cNotif == 0 || !lpNotif)
        return MAPI_E_INVALID_PARAMETER;
    hr = enqueue(l, DELIVER_PLAIN, 0, NULL, cNotif, lpNotif);
    if (hr == S_FALSE)
        hr = hold_back(l, cNotif, lpNotif);
    if (hr == S_FALSE)
        deliver(l, DELIVER_PLAIN, 0, NULL, cNotif, lpNotif, 0);
    else if (FAILED(hr))
        return hr;
    return S_OK;
}

HRESULT mapirt_advise_fire_key(mapirt_advise_list *l, ULONG cbKey, const BYTE *lpbKey,
                               ULONG cNotif, LPNOTIFICATION lpNotif, ULONG *lpulFlags)
{
    HRESULT hr;
    int canceled;

    if (!l || cbKey == 0 || !lpbKey || cNotif == 0 || !lpNotif)
        return MAPI_E_INVALID_PARAMETER;
    if (lpulFlags)
        *lpulFlags = 0;
    if (!atomic_load(&g_disp_active)) {
        canceled = deliver(l, DELIVER_KEY_ALL, cbKey, lpbKey, cNotif, lpNotif, 1);
    } else {
        /* NOTIFY_SYNC subscribers first, on this thread, then the rest through the queue;
         * a cancel from a synchronous sink stops the asynchronous part too. */
        canceled = deliver(l, DELIVER_KEY_SYNC, cbKey, lpbKey, cNotif, lpNotif, 1);
        if (!canceled) {
            hr = enqueue(l, DELIVER_KEY_ASYNC, cbKey, lpbKey, cNotif, lpNotif);
            if (hr == S_FALSE)
                canceled = deliver(l, DELIVER_KEY_ASYNC, cbKey, lpbKey, cNotif, lpNotif, 1);
            else if (FAILED(hr))
                return hr;
        }
    }
    if (canceled && lpulFlags)
        *lpulFlags = NOTIFY_CANCELED;
    return S_OK;
}
