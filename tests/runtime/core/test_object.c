/* tests/runtime/core/test_object.c: objects declared as coclasses (test_object.idl): the
 * interface map (every IID at its chain's pointer, one identity, one reference count across
 * chains), the destroy hook (once), delegation and its override, generated defaults,
 * GetLastError over the validation layer's refusals and the methods' own failures (ANSI and
 * MAPI_UNICODE), allocation failure.
 * configure: also under ThreadSanitizer (tests/runtime/tsan stands in for Criterion). */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include <mapicode.h>
#include <mapix.h>
#include <mapiutil.h>

#include <mapirt/propstore.h>
#include <mapirt/testhooks.h>

#include "oom.h"

static atomic_int destroyed, saves, validates;

struct multi {
    mapirt_propbag *bag;
    ULONG max;
    ULONG notified;
};

#include "multi_object.h"

static void multi_destroy(struct multi *self)
{
    atomic_fetch_add(&destroyed, 1);
    mapirt_propbag_destroy(self->bag);
}

static HRESULT multi_ValidateState(struct multi *self, ULONG_PTR ulUIParam, ULONG ulFlags)
{
    (void)ulUIParam;
    atomic_fetch_add(&validates, 1);
    if (ulFlags & FORCE_XP_CONNECT)
        return mapirt_lasterror_setf(multi_lasterror(self), MAPI_E_NETWORK_ERROR, 7, 42,
                                     "cannot reach %s", "server.example");
    if (ulFlags & SUPPRESS_UI)
        return multi_fail(self, MAPI_E_BUSY, "ValidateState: busy");
    return S_OK;
}

/* Listed: overrides the delegation of IMAPIProp to the bag for this one method. */
static HRESULT multi_SaveChanges(struct multi *self, ULONG ulFlags)
{
    (void)self, (void)ulFlags;
    atomic_fetch_add(&saves, 1);
    return S_OK;
}

static HRESULT multi_GetMax(struct multi *self, ULONG *lpulMax)
{
    *lpulMax = self->max;
    return S_OK;
}

static ULONG multi_OnNotify(struct multi *self, ULONG cNotif, LPNOTIFICATION lpNotifications)
{
    (void)lpNotifications;
    self->notified += cNotif;
    return 0;
}

static struct multi *make_multi(void)
{
    struct multi *m = multi_new();
    cr_assert_not_null(m);
    cr_assert_eq(mapirt_propbag_create(NULL, NULL, NULL, NULL, &m->bag), S_OK);
    mapirt_propbag_attach(m->bag, multi_as_IUnknown(m), multi_lasterror(m));
    m->max = 77;
    return m;
}

/* Every test runs in a process of its own: the counters start at zero. */

Test(object, every_iid_answers_with_its_chain)
{
    struct multi *m = make_multi();
    IMAPIStatus *st = multi_as_IMAPIStatus(m);
    void *p;

    /* One interface pointer per chain, in the declared order, the first being the identity. */
    cr_expect_eq((char *)multi_as_IMAPIProgress(m) - (char *)st, sizeof(void *));
    cr_expect_eq((char *)multi_as_IMAPIAdviseSink(m) - (char *)st, 2 * sizeof(void *));
    cr_expect_eq((void *)multi_as_IUnknown(m), (void *)st);
    cr_expect_eq((void *)multi_as_IMAPIProp(m), (void *)st);

    struct {
        const IID *iid;
        void *want;
    } map[] = {
        {&IID_IMAPIStatus, st},
        {&IID_IMAPIProp, st},
        {&IID_IUnknown, st},
        {&IID_IMAPIProgress, multi_as_IMAPIProgress(m)},
        {&IID_IMAPIAdviseSink, multi_as_IMAPIAdviseSink(m)},
    };
    IUnknown *from[] = {(IUnknown *)st, (IUnknown *)multi_as_IMAPIProgress(m),
                        (IUnknown *)multi_as_IMAPIAdviseSink(m)};
    ULONG refs = 1;
    for (size_t f = 0; f < 3; f++) {
        for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
            p = NULL;
            cr_assert_eq(from[f]->lpVtbl->QueryInterface(from[f], map[i].iid, &p), S_OK);
            cr_expect_eq(p, map[i].want, "IID %zu through chain %zu", i, f);
            cr_expect_eq(multi_refs(m), ++refs, "QueryInterface takes a reference");
        }
        p = (void *)1;
        cr_expect_eq(from[f]->lpVtbl->QueryInterface(from[f], &IID_IMAPITable, &p),
                     MAPI_E_INTERFACE_NOT_SUPPORTED);
        cr_expect_null(p);
        cr_expect_eq(from[f]->lpVtbl->QueryInterface(from[f], &IID_IUnknown, NULL),
                     MAPI_E_INVALID_PARAMETER);
    }
    cr_expect_eq(multi_refs(m), 16);
    /* AddRef and Release through any chain count on the one object. */
    cr_expect_eq(from[1]->lpVtbl->AddRef(from[1]), 17);
    for (ULONG n = 16; n > 1; n--)
        cr_expect_eq(from[n % 3]->lpVtbl->Release(from[n % 3]), n);
    cr_expect_eq(from[2]->lpVtbl->Release(from[2]), 1);
    cr_expect_eq(atomic_load(&destroyed), 0);
    cr_expect_eq(multi_from_IMAPIProgress(multi_as_IMAPIProgress(m)), m);
    cr_expect_eq(multi_from_IMAPIAdviseSink(multi_as_IMAPIAdviseSink(m)), m);
    cr_expect_eq(from[0]->lpVtbl->Release(from[0]), 0);
    cr_expect_eq(atomic_load(&destroyed), 1, "destroyed when the count reached zero");
    MAPIRT_LEAK_CHECK();
}

Test(object, calls_reach_the_bodies_of_every_chain)
{
    struct multi *m = make_multi();
    IMAPIProgress *pg = multi_as_IMAPIProgress(m);
    IMAPIAdviseSink *sink = multi_as_IMAPIAdviseSink(m);
    ULONG max = 0, min = 0;
    NOTIFICATION n[2];

    memset(n, 0, sizeof(n));
    cr_expect_eq(pg->lpVtbl->GetMax(pg, &max), S_OK);
    cr_expect_eq(max, 77);
    cr_expect_eq(pg->lpVtbl->GetMin(pg, &min), MAPI_E_NO_SUPPORT, "neither listed nor delegated");
    cr_expect_eq(sink->lpVtbl->OnNotify(sink, 2, n), 0);
    cr_expect_eq(m->notified, 2);
    multi_release(m);
    MAPIRT_LEAK_CHECK();
}

Test(object, delegation_and_override)
{
    struct multi *m = make_multi();
    IMAPIStatus *st = multi_as_IMAPIStatus(m);
    SPropValue v = {.ulPropTag = PR_DISPLAY_NAME_A, .Value.lpszA = "status"};
    LPSPropValue got = NULL;

    cr_assert_eq(st->lpVtbl->SetProps(st, 1, &v, NULL), S_OK, "delegated to the bag");
    cr_assert_eq(HrGetOneProp((LPMAPIPROP)st, PR_DISPLAY_NAME_A, &got), S_OK);
    cr_expect_str_eq(got->Value.lpszA, "status");
    MAPIFreeBuffer(got);
    cr_expect_eq(st->lpVtbl->SaveChanges(st, NON_EMS_XP_SAVE), S_OK,
                 "the listed body runs, not the bag's (which refuses message-only flags)");
    cr_expect_eq(atomic_load(&saves), 1);
    cr_expect_eq(st->lpVtbl->SettingsDialog(st, 0, 0), MAPI_E_NO_SUPPORT);
    /* The bag's CopyTo knows its owner: copying onto the same object is refused. */
    cr_expect_eq(st->lpVtbl->CopyTo(st, 0, NULL, NULL, 0, NULL, &IID_IMAPIProgress,
                                    multi_as_IMAPIProgress(m), 0, NULL),
                 MAPI_E_NO_ACCESS);
    multi_release(m);
    MAPIRT_LEAK_CHECK();
}

static void expect_error(IMAPIStatus *st, HRESULT hr, const char *text, const char *component)
{
    LPMAPIERROR err = NULL;

    cr_assert_eq(st->lpVtbl->GetLastError(st, hr, 0, &err), S_OK);
    cr_assert_not_null(err, "GetLastError explains 0x%08X", (unsigned)hr);
    cr_expect_eq(err->ulVersion, MAPI_ERROR_VERSION);
    cr_expect_str_eq((char *)err->lpszError, text);
    cr_expect_str_eq((char *)err->lpszComponent, component);
    MAPIFreeBuffer(err);

    cr_assert_eq(st->lpVtbl->GetLastError(st, hr, MAPI_UNICODE, &err), S_OK);
    cr_assert_not_null(err);
    const WCHAR *w = (const WCHAR *)err->lpszError;
    size_t i = 0;
    for (; text[i]; i++)
        cr_assert_eq(w[i], (WCHAR)text[i], "UTF-16 text differs at %zu", i);
    cr_expect_eq(w[i], 0);
    cr_expect_eq(((const WCHAR *)err->lpszComponent)[0], (WCHAR)component[0]);
    MAPIFreeBuffer(err);
}

Test(object, refusals_are_recorded_and_explained)
{
    struct multi *m = make_multi();
    IMAPIStatus *st = multi_as_IMAPIStatus(m);
    IMAPIProgress *pg = multi_as_IMAPIProgress(m);
    LPMAPIERROR err = (LPMAPIERROR)1;

    cr_expect_eq(st->lpVtbl->ValidateState(st, 0, 0x00000100), MAPI_E_UNKNOWN_FLAGS);
    cr_expect_eq(atomic_load(&validates), 0, "refused before the body");
    expect_error(st, MAPI_E_UNKNOWN_FLAGS,
                 "IMAPIStatus::ValidateState: ulFlags has unknown flags 0x00000100 "
                 "(ValidateStateFlags allows SUPPRESS_UI | REFRESH_XP_HEADER_CACHE | "
                 "PROCESS_XP_HEADER_CACHE | FORCE_XP_CONNECT | FORCE_XP_DISCONNECT | "
                 "CONFIG_CHANGED | ABORT_XP_HEADER_OPERATION | SHOW_XP_SESSION_UI)",
                 "test multi-chain object");

    /* Another chain, the same record. */
    cr_expect_eq(pg->lpVtbl->GetMax(pg, NULL), MAPI_E_INVALID_PARAMETER);
    expect_error(st, MAPI_E_INVALID_PARAMETER, "IMAPIProgress::GetMax: lpulMax must not be NULL",
                 "test multi-chain object");
    cr_expect_eq(st->lpVtbl->GetLastError(st, MAPI_E_UNKNOWN_FLAGS, 0, &err), S_OK);
    cr_expect_null(err, "only the last failure is explained");

    /* Failures of the bodies, through the same record. */
    cr_expect_eq(st->lpVtbl->ValidateState(st, 0, SUPPRESS_UI), MAPI_E_BUSY);
    expect_error(st, MAPI_E_BUSY, "ValidateState: busy", "test multi-chain object");
    cr_expect_eq(st->lpVtbl->ValidateState(st, 0, FORCE_XP_CONNECT), MAPI_E_NETWORK_ERROR);
    expect_error(st, MAPI_E_NETWORK_ERROR, "cannot reach server.example",
                 "test multi-chain object");
    cr_assert_eq(st->lpVtbl->GetLastError(st, MAPI_E_NETWORK_ERROR, 0, &err), S_OK);
    cr_expect_eq(err->ulLowLevelError, 7);
    cr_expect_eq(err->ulContext, 42);
    MAPIFreeBuffer(err);
    /* And of the bag the object delegates to. */
    cr_expect_eq(st->lpVtbl->DeleteProps(st, (LPSPropTagArray) & (SPropTagArray){0, {0}}, NULL),
                 MAPI_E_INVALID_PARAMETER);
    expect_error(st, MAPI_E_INVALID_PARAMETER, "DeleteProps: no tags", "test multi-chain object");

    /* GetLastError's own arguments, as documented. */
    cr_expect_eq(st->lpVtbl->GetLastError(st, MAPI_E_INVALID_PARAMETER, 0, NULL),
                 MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(st->lpVtbl->GetLastError(st, MAPI_E_INVALID_PARAMETER, 2, &err),
                 MAPI_E_UNKNOWN_FLAGS);
    err = (LPMAPIERROR)1;
    cr_expect_eq(st->lpVtbl->GetLastError(st, S_OK, 0, &err), S_OK);
    cr_expect_null(err);
    multi_release(m);
    MAPIRT_LEAK_CHECK();
}

Test(object, last_error_oom)
{
    struct multi *m = make_multi();
    IMAPIStatus *st = multi_as_IMAPIStatus(m);
    LPMAPIERROR err = NULL;
    unsigned long oom_points;
    HRESULT hr;

    cr_expect_eq(st->lpVtbl->ValidateState(st, 0, 0x100), MAPI_E_UNKNOWN_FLAGS);
    OOM_LOOP(hr, hr = st->lpVtbl->GetLastError(st, MAPI_E_UNKNOWN_FLAGS, MAPI_UNICODE, &err),
             MAPIFreeBuffer(err));
    cr_expect_eq(oom_points, 3, "the structure and its two strings");
    multi_release(m);
    MAPIRT_LEAK_CHECK();
}

Test(object, creation_without_memory)
{
    mapirt_test_fail_alloc(1);
    struct multi *m = multi_new();
    mapirt_test_fail_alloc(0);
    cr_expect_null(m);
    cr_expect_eq(atomic_load(&destroyed), 0, "nothing to destroy");
    MAPIRT_LEAK_CHECK();
}

/* ---- the destroy hook runs once -------------------------------------------------------- */

static atomic_int reentrant_destroys;

struct reentrant {
    int unused;
};

#include "reentrant_object.h"

static void reentrant_destroy(struct reentrant *self)
{
    IMAPIProgress *p = reentrant_as_IMAPIProgress(self);
    void *q = NULL;

    atomic_fetch_add(&reentrant_destroys, 1);
    /* A callback handed the object while it goes away may take and drop references. */
    p->lpVtbl->AddRef(p);
    p->lpVtbl->QueryInterface(p, &IID_IUnknown, &q);
    ((IUnknown *)q)->lpVtbl->Release((IUnknown *)q);
    p->lpVtbl->Release(p);
    cr_expect_eq(reentrant_tryref(self), 0, "no reference can be taken any more");
    cr_expect_eq(reentrant_refs(self), 0);
}

Test(object, destroy_runs_exactly_once)
{
    struct reentrant *r = reentrant_new();

    atomic_store(&reentrant_destroys, 0);
    cr_assert_not_null(r);
    cr_expect_eq(reentrant_tryref(r), 1);
    cr_expect_eq(reentrant_refs(r), 2);
    cr_expect_eq(reentrant_release(r), 1);
    cr_expect_eq(atomic_load(&reentrant_destroys), 0);
    cr_expect_eq(reentrant_release(r), 0);
    cr_expect_eq(atomic_load(&reentrant_destroys), 1);
    MAPIRT_LEAK_CHECK();
}

/* ---- threads ------------------------------------------------------------------------------ */

static void *churn(void *arg)
{
    struct multi *m = arg;
    IUnknown *from[] = {(IUnknown *)multi_as_IMAPIStatus(m),
                        (IUnknown *)multi_as_IMAPIProgress(m),
                        (IUnknown *)multi_as_IMAPIAdviseSink(m)};
    for (int i = 0; i < 2000; i++) {
        void *p = NULL;
        IUnknown *u = from[i % 3];
        cr_assert_eq(u->lpVtbl->QueryInterface(u, i & 1 ? &IID_IMAPIProgress : &IID_IUnknown,
                                               &p),
                     S_OK);
        ((IUnknown *)p)->lpVtbl->Release((IUnknown *)p);
        IMAPIStatus *st = multi_as_IMAPIStatus(m);
        st->lpVtbl->ValidateState(st, 0, 0x100);
    }
    return NULL;
}

Test(object, references_from_threads)
{
    struct multi *m = make_multi();
    pthread_t t[4];

    for (int i = 0; i < 4; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, churn, m), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    cr_expect_eq(multi_refs(m), 1);
    multi_release(m);
    cr_expect_eq(atomic_load(&destroyed), 1);
    MAPIRT_LEAK_CHECK();
}
