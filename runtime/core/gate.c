/* runtime/core/gate.c: calls-in-flight fences with a kill switch (<mapirt/gate.h>).
 *
 * Entering is two sequentially consistent atomic operations (count in, then look at `closed`)
 * and closing is the mirror (set `closed`, then look at the count): whichever comes second sees
 * the other, so no call slips in unseen after a close. Leaving a closed gate wakes the closer
 * under `mu`, which the closer holds while it checks the count, so no wake-up is lost.
 *
 * Each thread keeps the frames of its calls in flight linked from `t_top` (they are on its
 * stack, innermost first): the closer subtracts its own. Work deferred with mapirt_gate_defer
 * waits on the thread's `t_tasks` list until the thread leaves its outermost frame; leaving is
 * one more thread-local load when the last frame goes. */
#include <pthread.h>
#include <stdatomic.h>

#include <mapicode.h>

#include <mapirt/alloc.h>
#include <mapirt/gate.h>

struct mapirt_gate {
    atomic_uint refs;
    atomic_uint inflight;
    atomic_int closed;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    void (*fini)(void *);
    void *ctx;
    const void *owner;
};

static _Thread_local mapirt_gate_frame *t_top __attribute__((tls_model("initial-exec")));
static _Thread_local mapirt_gate_task *t_tasks, **t_tasks_tail;

static void run_tasks(void)
{
    /* one at a time: a task that enters and leaves gates itself runs the rest from there */
    while (!t_top && t_tasks) {
        mapirt_gate_task *t = t_tasks;
        t_tasks = t->next;
        if (!t_tasks)
            t_tasks_tail = NULL;
        t->fn(t->ctx);
    }
}

HRESULT mapirt_gate_new(void (*fini)(void *), void *ctx, mapirt_gate **out)
{
    mapirt_gate *g = mapirt_calloc(1, sizeof *g);
    if (!g)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    atomic_init(&g->refs, 1);
    atomic_init(&g->inflight, 0);
    atomic_init(&g->closed, 0);
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    g->fini = fini;
    g->ctx = ctx;
    *out = g;
    return S_OK;
}

void mapirt_gate_addref(mapirt_gate *g)
{
    atomic_fetch_add_explicit(&g->refs, 1, memory_order_relaxed);
}

void mapirt_gate_release(mapirt_gate *g)
{
    if (!g || atomic_fetch_sub_explicit(&g->refs, 1, memory_order_acq_rel) != 1)
        return;
    if (g->fini)
        g->fini(g->ctx);
    pthread_cond_destroy(&g->cv);
    pthread_mutex_destroy(&g->mu);
    mapirt_free(g);
}

int mapirt_gate_enter(mapirt_gate *g, mapirt_gate_frame *f)
{
    atomic_fetch_add(&g->inflight, 1);
    if (atomic_load(&g->closed)) {
        if (atomic_fetch_sub(&g->inflight, 1) == 1) {
            pthread_mutex_lock(&g->mu);
            pthread_cond_broadcast(&g->cv);
            pthread_mutex_unlock(&g->mu);
        }
        return 0;
    }
    f->gate = g;
    f->up = t_top;
    t_top = f;
    return 1;
}

void mapirt_gate_leave(mapirt_gate_frame *f)
{
    mapirt_gate *g = (mapirt_gate *)f->gate;
    t_top = f->up;
    atomic_fetch_sub(&g->inflight, 1);
    if (atomic_load(&g->closed)) {
        pthread_mutex_lock(&g->mu);
        pthread_cond_broadcast(&g->cv);
        pthread_mutex_unlock(&g->mu);
    }
    if (!t_top && t_tasks)
        run_tasks();
}

void mapirt_gate_close(mapirt_gate *g)
{
    unsigned mine = 0;
    for (const mapirt_gate_frame *f = t_top; f; f = f->up)
        mine += f->gate == g;
    atomic_store(&g->closed, 1);
    pthread_mutex_lock(&g->mu);
    while (atomic_load(&g->inflight) > mine)
        pthread_cond_wait(&g->cv, &g->mu);
    pthread_mutex_unlock(&g->mu);
}

int mapirt_gate_closed(const mapirt_gate *g)
{
    return atomic_load(&((mapirt_gate *)(uintptr_t)g)->closed);
}

int mapirt_gate_inside(void)
{
    return t_top != NULL;
}

void mapirt_gate_shut(mapirt_gate *g)
{
    atomic_store(&g->closed, 1);
}

void mapirt_gate_set_owner(mapirt_gate *g, const void *owner)
{
    g->owner = owner;
}

int mapirt_gate_inside_other(const void *owner)
{
    /* the frames' gates live while their calls are in flight (the callers hold them) */
    for (const mapirt_gate_frame *f = t_top; f; f = f->up)
        if (((const mapirt_gate *)f->gate)->owner != owner || !owner)
            return 1;
    return 0;
}

void mapirt_gate_defer(mapirt_gate_task *t, void (*fn)(void *), void *ctx)
{
    t->fn = fn;
    t->ctx = ctx;
    t->next = NULL;
    if (!t_top) {
        fn(ctx);
        return;
    }
    if (t_tasks_tail)
        *t_tasks_tail = t;
    else
        t_tasks = t;
    t_tasks_tail = &t->next;
}
