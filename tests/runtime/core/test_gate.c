/* tests/runtime/core/test_gate.c: the calls-in-flight fence (<mapirt/gate.h>) and what a
 * revoked proxy does with methods that return no HRESULT: they are not forwarded once the gate
 * is closed (IMAPIAdviseSink::OnNotify answers 0 without reaching the sink), except IMalloc's
 * [unrevoked] ones (memory must stay freeable) and IUnknown's; work deferred with
 * mapirt_gate_defer runs when the thread leaves its outermost gate; mapirt_gate_inside_other
 * tells a thread inside another owner's gate. */
#include <criterion/criterion.h>
#include <stdatomic.h>
#include <stdlib.h>

#include <mapicode.h>
#include <mapix.h>

#include <mapirt/gate.h>
#include <mapirt/proxy.h>

static atomic_int notified, destroyed, allocs, frees;

struct gsink {
    int unused;
};
#include "gsink_object.h"

static void gsink_destroy(struct gsink *self)
{
    (void)self;
    atomic_fetch_add(&destroyed, 1);
}

static ULONG gsink_OnNotify(struct gsink *self, ULONG cNotif, LPNOTIFICATION lpNotifications)
{
    (void)self, (void)lpNotifications;
    atomic_fetch_add(&notified, (int)cNotif);
    return 7; /* told apart from the revoked proxy's 0 */
}

struct galloc {
    int unused;
};
#include "galloc_object.h"

static void galloc_destroy(struct galloc *self)
{
    (void)self;
    atomic_fetch_add(&destroyed, 1);
}
static void *galloc_Alloc(struct galloc *self, SIZE_T cb)
{
    (void)self;
    atomic_fetch_add(&allocs, 1);
    return malloc(cb);
}
static void *galloc_Realloc(struct galloc *self, void *pv, SIZE_T cb)
{
    (void)self;
    return realloc(pv, cb);
}
static void galloc_Free(struct galloc *self, void *pv)
{
    (void)self;
    atomic_fetch_add(&frees, 1);
    free(pv);
}
static SIZE_T galloc_GetSize(struct galloc *self, void *pv)
{
    (void)self, (void)pv;
    return 16;
}
static int galloc_DidAlloc(struct galloc *self, void *pv)
{
    (void)self, (void)pv;
    return 1;
}
static void galloc_HeapMinimize(struct galloc *self)
{
    (void)self;
}

static LPUNKNOWN wrap_gated(REFIID iid, LPUNKNOWN inner, mapirt_gate *g)
{
    LPUNKNOWN out = NULL;
    cr_assert_eq(mapirt_proxy_wrap_gated(iid, inner, 0, g, &out), S_OK);
    inner->lpVtbl->Release(inner);
    cr_assert_neq((void *)out, (void *)inner, "a proxy, even with no flags");
    return out;
}

Test(gate, a_revoked_sink_is_not_told)
{
    mapirt_gate *g = NULL;
    cr_assert_eq(mapirt_gate_new(NULL, NULL, &g), S_OK);
    struct gsink *s = gsink_new();
    cr_assert_not_null(s);
    IMAPIAdviseSink *p =
        (IMAPIAdviseSink *)wrap_gated(&IID_IMAPIAdviseSink, (LPUNKNOWN)gsink_as_IMAPIAdviseSink(s), g);
    NOTIFICATION n = {.ulEventType = fnevNewMail};
    cr_expect_eq(p->lpVtbl->OnNotify(p, 1, &n), 7, "forwarded while the gate is open");
    cr_expect_eq(atomic_load(&notified), 1);
    mapirt_gate_close(g);
    cr_expect_eq(p->lpVtbl->OnNotify(p, 1, &n), 0, "answered by the proxy once revoked");
    cr_expect_eq(atomic_load(&notified), 1, "the sink's code is not reached after the end");
    cr_expect_eq(p->lpVtbl->AddRef(p), 2, "AddRef still works");
    cr_expect_eq(p->lpVtbl->Release(p), 1);
    cr_expect_eq(p->lpVtbl->Release(p), 0, "and Release frees");
    cr_expect_eq(atomic_load(&destroyed), 1);
    mapirt_gate_release(g);
}

Test(gate, a_revoked_allocator_still_frees)
{
    mapirt_gate *g = NULL;
    cr_assert_eq(mapirt_gate_new(NULL, NULL, &g), S_OK);
    struct galloc *a = galloc_new();
    cr_assert_not_null(a);
    IMalloc *m = (IMalloc *)wrap_gated(&IID_IMalloc, (LPUNKNOWN)galloc_as_IMalloc(a), g);
    void *held = m->lpVtbl->Alloc(m, 32);
    cr_assert_not_null(held);
    mapirt_gate_close(g);
    cr_expect_eq(m->lpVtbl->GetSize(m, held), 16, "[unrevoked]: forwarded after the end");
    cr_expect_eq(m->lpVtbl->DidAlloc(m, held), 1);
    m->lpVtbl->Free(m, held);
    cr_expect_eq(atomic_load(&frees), 1, "memory the client holds can still be freed");
    m->lpVtbl->Release(m);
    cr_expect_eq(atomic_load(&destroyed), 1);
    mapirt_gate_release(g);
}

static int ran;
static void task(void *ctx)
{
    ran++;
    /* a deferred task runs inside no gate */
    cr_expect_not(mapirt_gate_inside());
    (void)ctx;
}

Test(gate, deferred_work_runs_when_the_outermost_call_leaves)
{
    mapirt_gate *a = NULL, *b = NULL;
    cr_assert_eq(mapirt_gate_new(NULL, NULL, &a), S_OK);
    cr_assert_eq(mapirt_gate_new(NULL, NULL, &b), S_OK);
    mapirt_gate_task t1, t2, t3;
    mapirt_gate_defer(&t1, task, NULL);
    cr_expect_eq(ran, 1, "inside no gate: at once");
    mapirt_gate_frame fa, fb;
    cr_assert(mapirt_gate_enter(a, &fa));
    cr_assert(mapirt_gate_enter(b, &fb));
    mapirt_gate_defer(&t2, task, NULL);
    mapirt_gate_defer(&t3, task, NULL);
    mapirt_gate_leave(&fb);
    cr_expect_eq(ran, 1, "still inside a");
    mapirt_gate_leave(&fa);
    cr_expect_eq(ran, 3, "both, on leaving the outermost");
    mapirt_gate_release(a);
    mapirt_gate_release(b);
}

Test(gate, inside_another_owners_gate)
{
    int o1, o2;
    mapirt_gate *a = NULL, *b = NULL, *c = NULL;
    cr_assert_eq(mapirt_gate_new(NULL, NULL, &a), S_OK);
    cr_assert_eq(mapirt_gate_new(NULL, NULL, &b), S_OK);
    cr_assert_eq(mapirt_gate_new(NULL, NULL, &c), S_OK);
    mapirt_gate_set_owner(a, &o1);
    mapirt_gate_set_owner(b, &o1);
    mapirt_gate_set_owner(c, &o2);
    cr_expect_not(mapirt_gate_inside_other(&o1), "inside nothing");
    mapirt_gate_frame fa, fb, fc;
    cr_assert(mapirt_gate_enter(a, &fa));
    cr_assert(mapirt_gate_enter(b, &fb));
    cr_expect_not(mapirt_gate_inside_other(&o1), "both gates are o1's");
    cr_expect(mapirt_gate_inside_other(&o2));
    cr_assert(mapirt_gate_enter(c, &fc));
    cr_expect(mapirt_gate_inside_other(&o1), "c is o2's");
    mapirt_gate_leave(&fc);
    mapirt_gate_leave(&fb);
    mapirt_gate_leave(&fa);
    /* shut: turned away at once, nothing waited for */
    mapirt_gate_shut(a);
    cr_expect(mapirt_gate_closed(a));
    cr_expect_not(mapirt_gate_enter(a, &fa));
    mapirt_gate_release(a);
    mapirt_gate_release(b);
    mapirt_gate_release(c);
}
