/* runtime/notify/advisesink.c: HrAllocAdviseSink, HrThisThreadAdviseSink, HrDispatchNotifications.
 *
 * Windows MAPI moves notifications for a HrThisThreadAdviseSink wrapper onto the registering
 * thread by posting to a hidden window, so they arrive while that thread pumps its message
 * loop. Linux has no such loop. Here every thread that wraps a sink owns a queue: a
 * notification that reaches the wrapper on another thread is deep-copied into that queue,
 * and the registering thread receives it when it calls HrDispatchNotifications. On the
 * registering thread itself the wrapper delivers at once (the reference allows delivery
 * "during processing of a call to any MAPI method"), unless earlier notifications are still
 * queued, in which case it queues behind them to keep the order. When the registering thread
 * exits, its queue is discarded and later notifications to its wrappers are dropped.
 */
#include <pthread.h>
#include <stdatomic.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapiutil.h>

#include <mapirt/init.h>
#include <mapirt/mapiutil_impl.h>

#include <mapirt/alloc.h>
#include "notify_internal.h"

/* ---- HrAllocAdviseSink -------------------------------------------------------------- */

struct cb_sink {
    LPNOTIFCALLBACK fn;
    LPVOID ctx;
};

#include "cb_sink_object.h"

static void cb_sink_destroy(struct cb_sink *self)
{
    (void)self;
}

static ULONG cb_sink_OnNotify(struct cb_sink *self, ULONG cNotif, LPNOTIFICATION lpNotifications)
{
    /* A provider callback's CALLBACK_DISCONTINUE travels back through OnNotify's result. */
    return (ULONG)self->fn(self->ctx, cNotif, lpNotifications);
}

HRESULT HrAllocAdviseSink(LPNOTIFCALLBACK lpfnCallback, LPVOID lpvContext,
                          LPMAPIADVISESINK *lppAdviseSink)
{
    struct cb_sink *s;
    HRESULT hr;

    if (lppAdviseSink)
        *lppAdviseSink = NULL;
    hr = HrAllocAdviseSink_check_inline(lpfnCallback, lpvContext, lppAdviseSink);
    if (FAILED(hr))
        return hr;
    s = cb_sink_new();
    if (!s)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    s->fn = lpfnCallback;
    s->ctx = lpvContext;
    *lppAdviseSink = cb_sink_as_IMAPIAdviseSink(s);
    return S_OK;
}

/* ---- HrThisThreadAdviseSink --------------------------------------------------------- */

struct tt_sink {
    LPMAPIADVISESINK inner;
    struct tt_queue *q;
};

#include "tt_sink_object.h"

struct tt_job {
    struct tt_job *next;
    struct tt_sink *sink; /* referenced */
    ULONG cNotif;
    NOTIFICATION *notifs;
};

/* One per thread that wrapped a sink; referenced by the thread and by each wrapper. */
struct tt_queue {
    pthread_mutex_t mu;
    atomic_uint refs;
    pthread_t owner;
    int dead; /* the owner thread has exited */
    struct tt_job *head, *tail;
};

static pthread_once_t g_tt_once = PTHREAD_ONCE_INIT;
static pthread_key_t g_tt_key;
static int g_tt_key_ok;

static void tt_queue_unref(struct tt_queue *q)
{
    if (atomic_fetch_sub(&q->refs, 1) == 1) {
        pthread_mutex_destroy(&q->mu);
        mapirt_free(q);
    }
}

static void tt_jobs_free(struct tt_job *j)
{
    while (j) {
        struct tt_job *next = j->next;
        mapirt_free(j->notifs);
        tt_sink_release(j->sink);
        mapirt_free(j);
        j = next;
    }
}

static void tt_thread_exit(void *arg)
{
    struct tt_queue *q = arg;
    struct tt_job *jobs;

    pthread_mutex_lock(&q->mu);
    q->dead = 1;
    jobs = q->head;
    q->head = q->tail = NULL;
    pthread_mutex_unlock(&q->mu);
    tt_jobs_free(jobs);
    tt_queue_unref(q);
}

static void tt_key_init(void) { g_tt_key_ok = pthread_key_create(&g_tt_key, tt_thread_exit) == 0; }

static struct tt_queue *tt_current(int create)
{
    struct tt_queue *q;

    pthread_once(&g_tt_once, tt_key_init);
    if (!g_tt_key_ok)
        return NULL;
    q = pthread_getspecific(g_tt_key);
    if (q || !create)
        return q;
    q = mapirt_calloc(1, sizeof(*q));
    if (!q)
        return NULL;
    if (pthread_mutex_init(&q->mu, NULL) != 0) {
        mapirt_free(q);
        return NULL;
    }
    atomic_init(&q->refs, 1);
    q->owner = pthread_self();
    if (pthread_setspecific(g_tt_key, q) != 0) {
        pthread_mutex_destroy(&q->mu);
        mapirt_free(q);
        return NULL;
    }
    return q;
}

static void tt_sink_destroy(struct tt_sink *self)
{
    if (self->inner)
        self->inner->lpVtbl->Release(self->inner);
    if (self->q)
        tt_queue_unref(self->q);
}

static ULONG tt_sink_OnNotify(struct tt_sink *s, ULONG cNotif, LPNOTIFICATION lpNotifications)
{
    struct tt_queue *q = s->q;
    struct tt_job *j;

    pthread_mutex_lock(&q->mu);
    if (q->dead) {
        pthread_mutex_unlock(&q->mu);
        return 0;
    }
    if (!q->head && pthread_equal(pthread_self(), q->owner)) {
        pthread_mutex_unlock(&q->mu);
        return s->inner->lpVtbl->OnNotify(s->inner, cNotif, lpNotifications);
    }
    pthread_mutex_unlock(&q->mu);

    /* OnNotify has no way to report failure; without memory the notification is lost, as it
     * would be when a Windows message cannot be posted. */
    j = mapirt_calloc(1, sizeof(*j));
    if (!j)
        return 0;
    if (FAILED(mapirt_notif_dup(cNotif, lpNotifications, &j->notifs))) {
        mapirt_free(j);
        return 0;
    }
    j->cNotif = cNotif;
    j->sink = s;
    tt_sink_addref(s);
    pthread_mutex_lock(&q->mu);
    if (q->dead) {
        pthread_mutex_unlock(&q->mu);
        tt_jobs_free(j);
        return 0;
    }
    if (q->tail)
        q->tail->next = j;
    else
        q->head = j;
    q->tail = j;
    pthread_mutex_unlock(&q->mu);
    return 0;
}

HRESULT HrThisThreadAdviseSink(LPMAPIADVISESINK lpAdviseSink, LPMAPIADVISESINK *lppAdviseSink)
{
    struct tt_queue *q;
    struct tt_sink *s;
    HRESULT hr;

    if (lppAdviseSink)
        *lppAdviseSink = NULL;
    hr = HrThisThreadAdviseSink_check_inline(lpAdviseSink, lppAdviseSink);
    if (FAILED(hr))
        return hr;
    s = tt_sink_new();
    if (!s)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    q = tt_current(1);
    if (!q) {
        tt_sink_release(s);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    atomic_fetch_add(&q->refs, 1);
    s->inner = lpAdviseSink;
    lpAdviseSink->lpVtbl->AddRef(lpAdviseSink);
    s->q = q;
    *lppAdviseSink = tt_sink_as_IMAPIAdviseSink(s);
    return S_OK;
}

HRESULT HrDispatchNotifications(ULONG ulFlags)
{
    struct tt_queue *q;
    struct tt_job *jobs, *j;

    HRESULT hr = HrDispatchNotifications_check_inline(ulFlags);

    if (FAILED(hr))
        return hr;
    if (!mapirt_is_initialized())
        return MAPI_E_NOT_INITIALIZED;
    mapirt_dispatcher_flush();
    q = tt_current(0);
    if (!q)
        return S_OK;
    /* Only what is queued now: notifications raised by these callbacks wait for the next
     * call, so a callback that keeps notifying cannot make this loop forever. */
    pthread_mutex_lock(&q->mu);
    jobs = q->head;
    q->head = q->tail = NULL;
    pthread_mutex_unlock(&q->mu);
    for (j = jobs; j; j = j->next)
        j->sink->inner->lpVtbl->OnNotify(j->sink->inner, j->cNotif, j->notifs);
    tt_jobs_free(jobs);
    return S_OK;
}
