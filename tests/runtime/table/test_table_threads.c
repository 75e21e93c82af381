/* tests/runtime/table/test_table_threads.c: one table changed, read and watched from several threads
 * at once: writers modify, insert and delete rows; readers open, sort, restrict, read and close
 * views, and share one long-lived view; an adviser advises and unadvises sinks that call back
 * into the view. Each run is bounded in time (RUN_MS, longer on a loaded machine: running()). Meant to be clean under
 * -fsanitize=thread as well as under AddressSanitizer.
 * configure: also under ThreadSanitizer (tests/runtime/tsan stands in for Criterion). */
/* rand_r, clock_gettime, nanosleep */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tablefixture.h"

#define RUN_MS 400
#define NIDS 300

struct stress {
    LPTABLEDATA td;
    LPMAPITABLE shared;
    struct timespec end;
    atomic_long notifs;
    atomic_long callbacks;
    atomic_long reads;
    atomic_long changes;
    atomic_int failures;
};

/* Each run lasts RUN_MS and until every thread has done enough to assert on (a loaded machine
 * may not schedule some threads within RUN_MS), but never past HARD_MS. */
#define HARD_MS 60000
#define MIN_CHANGES 100
#define MIN_READS 10

static bool before(const struct timespec *now, const struct timespec *t, long extra_ms)
{
    long long a = (long long)now->tv_sec * 1000 + now->tv_nsec / 1000000;
    long long b = (long long)t->tv_sec * 1000 + t->tv_nsec / 1000000 + extra_ms;
    return a < b;
}

static bool running(const struct stress *s)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (before(&now, &s->end, 0))
        return true;
    bool enough = atomic_load(&s->changes) > MIN_CHANGES && atomic_load(&s->reads) > MIN_READS &&
                  atomic_load(&s->notifs) > 0;
    return !enough && before(&now, &s->end, HARD_MS - RUN_MS);
}

static _Atomic int first_line;
static _Atomic HRESULT first_hr;

#define check(s, hr, ok2) check_at(s, hr, ok2, __LINE__)
static void check_at(struct stress *s, HRESULT hr, HRESULT ok2, int line)
{
    /* warnings such as MAPI_W_POSITION_CHANGED are expected when rows vanish under a bookmark */
    if (FAILED(hr) && hr != ok2) {
        int zero = 0;
        if (atomic_compare_exchange_strong(&first_line, &zero, line))
            atomic_store(&first_hr, hr);
        atomic_fetch_add(&s->failures, 1);
    }
}

static void *writer(void *arg)
{
    struct stress *s = arg;
    unsigned seed = (unsigned)(uintptr_t)&seed;

    while (running(s)) {
        LONG id = (LONG)(rand_r(&seed) % NIDS);
        switch (rand_r(&seed) % 8) {
        case 0:
        case 1:
        case 2:
            check(s, fx_put(s->td, id, (rand_r(&seed) & 1) ? "x" : NULL, (LONG)(rand_r(&seed) % 100)), S_OK);
            break;
        case 3:
            check(s, fx_del(s->td, id), MAPI_E_NOT_FOUND);
            break;
        case 4: {
            SPropValue p[12][2];
            SRowSet *set;
            if (FAILED(MAPIAllocateBuffer(CbNewSRowSet(12), (void **)&set)))
                break;
            set->cRows = 12;
            for (int i = 0; i < 12; i++) {
                memset(p[i], 0, sizeof(p[i]));
                p[i][0].ulPropTag = T_ID;
                p[i][0].Value.l = (LONG)(rand_r(&seed) % NIDS);
                p[i][1].ulPropTag = T_NUM;
                p[i][1].Value.l = (LONG)(rand_r(&seed) % 100);
                set->aRow[i] = (SRow){0, 2, p[i]};
            }
            ULONG n;
            if (rand_r(&seed) & 1)
                check(s, s->td->lpVtbl->HrModifyRows(s->td, 0, set), S_OK);
            else
                check(s, s->td->lpVtbl->HrDeleteRows(s->td, 0, set, &n), S_OK);
            MAPIFreeBuffer(set);
            break;
        }
        case 5: {
            SPropValue p = {T_ID, 0, {.l = id}};
            SRow row = {0, 1, &p};
            check(s, s->td->lpVtbl->HrInsertRow(s->td, 0, &row), MAPI_E_INVALID_PARAMETER);
            break;
        }
        case 6: {
            SPropValue p = {T_ID, 0, {.l = id}};
            check(s, s->td->lpVtbl->HrNotify(s->td, 0, 1, &p), MAPI_E_NOT_FOUND);
            break;
        }
        default: {
            LPSRow row = NULL;
            check(s, s->td->lpVtbl->HrEnumRow(s->td, (ULONG)id, &row), S_OK);
            MAPIFreeBuffer(row);
            break;
        }
        }
        atomic_fetch_add(&s->changes, 1);
    }
    return NULL;
}

static void read_some(struct stress *s, LPMAPITABLE v, unsigned *seed)
{
    LPSRowSet rows = NULL;
    BOOKMARK bk;
    SPropValue lim = {T_NUM, 0, {.l = (LONG)(rand_r(seed) % 100)}};
    SRestriction r = {RES_PROPERTY, {.resProperty = {RELOP_GE, T_NUM, &lim}}};

    check(s, v->lpVtbl->SeekRow(v, BOOKMARK_BEGINNING, (LONG)(rand_r(seed) % 50), NULL), S_OK);
    LONG count = (LONG)(rand_r(seed) % 40) - 20;
    check(s, v->lpVtbl->QueryRows(v, count ? count : 1, 0, &rows), S_OK);
    FreeProws(rows);
    if (v->lpVtbl->CreateBookmark(v, &bk) == S_OK) {
        check(s, v->lpVtbl->FindRow(v, &r, bk, rand_r(seed) & 1 ? DIR_BACKWARD : 0), MAPI_E_NOT_FOUND);
        HRESULT hr = v->lpVtbl->SeekRow(v, bk, 1, NULL);
        check(s, hr, MAPI_W_POSITION_CHANGED);
        check(s, v->lpVtbl->FreeBookmark(v, bk), S_OK);
    }
    atomic_fetch_add(&s->reads, 1);
}

static void *reader(void *arg)
{
    struct stress *s = arg;
    unsigned seed = (unsigned)(uintptr_t)&seed;

    while (running(s)) {
        LPMAPITABLE v = NULL;
        SizedSSortOrderSet(2, sort) = {2, 0, 0, {{T_NUM, TABLE_SORT_DESCEND}, {T_ID, TABLE_SORT_ASCEND}}};
        if (FAILED(s->td->lpVtbl->HrGetView(s->td, (rand_r(&seed) & 1) ? (LPSSortOrderSet)&sort : NULL,
                NULL, 0, &v))) {
            atomic_fetch_add(&s->failures, 1);
            continue;
        }
        for (int i = 0; i < 5 && running(s); i++) {
            SPropValue lim = {T_NUM, 0, {.l = (LONG)(rand_r(&seed) % 100)}};
            SRestriction r = {RES_PROPERTY, {.resProperty = {RELOP_LT, T_NUM, &lim}}};
            switch (rand_r(&seed) % 4) {
            case 0:
                check(s, v->lpVtbl->Restrict(v, &r, 0), S_OK);
                break;
            case 1:
                check(s, v->lpVtbl->SortTable(v, (LPSSortOrderSet)&sort, 0), S_OK);
                break;
            default:
                break;
            }
            read_some(s, v, &seed);
            read_some(s, s->shared, &seed);
        }
        v->lpVtbl->Release(v);
    }
    return NULL;
}

static LONG count_cb(LPVOID ctx, ULONG c, LPNOTIFICATION n)
{
    struct stress *s = ctx;
    ULONG rows;
    for (ULONG i = 0; i < c; i++)
        if (n[i].ulEventType != fnevTableModified)
            atomic_fetch_add(&s->failures, 1);
    atomic_fetch_add(&s->notifs, (long)c);
    atomic_fetch_add(&s->callbacks, 1);
    /* calling back into the view from OnNotify must work */
    if (s->shared->lpVtbl->GetRowCount(s->shared, 0, &rows) != S_OK)
        atomic_fetch_add(&s->failures, 1);
    return 0;
}

static void *adviser(void *arg)
{
    struct stress *s = arg;
    ULONG_PTR conns[4] = {0};
    unsigned seed = (unsigned)(uintptr_t)&seed;

    while (running(s)) {
        int k = (int)(rand_r(&seed) % 4);
        if (conns[k]) {
            check(s, s->shared->lpVtbl->Unadvise(s->shared, conns[k]), S_OK);
            conns[k] = 0;
        } else {
            LPMAPIADVISESINK sink;
            if (HrAllocAdviseSink(count_cb, s, &sink) != S_OK) {
                atomic_fetch_add(&s->failures, 1);
                continue;
            }
            check(s, s->shared->lpVtbl->Advise(s->shared, fnevTableModified, sink, &conns[k]), S_OK);
            sink->lpVtbl->Release(sink);
        }
        struct timespec ts = {0, 200000};
        nanosleep(&ts, NULL);
    }
    for (int k = 0; k < 4; k++)
        if (conns[k])
            check(s, s->shared->lpVtbl->Unadvise(s->shared, conns[k]), S_OK);
    return NULL;
}

/* After the storm: the shared view holds exactly the table's rows matching its restriction,
 * in its order. */
static void verify_shared(struct stress *s)
{
    LONG in_table[NIDS];
    int n = 0;
    for (ULONG i = 0;; i++) {
        LPSRow row = NULL;
        cr_assert_eq(s->td->lpVtbl->HrEnumRow(s->td, i, &row), S_OK);
        if (!row)
            break;
        const SPropValue *num = fx_prop(row, T_NUM);
        if (num && num->Value.l >= 20)
            in_table[n++] = fx_prop(row, T_ID)->Value.l;
        MAPIFreeBuffer(row);
    }
    LPSRowSet rows;
    cr_assert_eq(s->shared->lpVtbl->SeekRow(s->shared, BOOKMARK_BEGINNING, 0, NULL), S_OK);
    cr_assert_eq(s->shared->lpVtbl->QueryRows(s->shared, 10000, 0, &rows), S_OK);
    cr_assert_eq((int)rows->cRows, n, "view %u rows, table %d", rows->cRows, n);
    LONG prev_num = 1000, prev_id = -1;
    for (ULONG i = 0; i < rows->cRows; i++) {
        LONG id = fx_prop(&rows->aRow[i], T_ID)->Value.l;
        LONG num = fx_prop(&rows->aRow[i], T_NUM)->Value.l;
        cr_assert(num < prev_num || (num == prev_num && id > prev_id), "order broken at %u", i);
        bool found = false;
        for (int k = 0; k < n && !found; k++)
            found = in_table[k] == id;
        cr_assert(found, "row %d is not in the table", (int)id);
        prev_num = num;
        prev_id = id;
    }
    FreeProws(rows);
}

/* With dispatcher set, notifications go through the dispatcher thread
 * (MAPI_MULTITHREAD_NOTIFICATIONS); MAPIUninitialize drains it before s goes away. */
static void storm(bool dispatcher)
{
    MAPIINIT_0 init = {MAPI_INIT_VERSION, MAPI_MULTITHREAD_NOTIFICATIONS};
    struct stress s;
    SizedSSortOrderSet(2, sort) = {2, 0, 0, {{T_NUM, TABLE_SORT_DESCEND}, {T_ID, TABLE_SORT_ASCEND}}};
    SPropValue lim = {T_NUM, 0, {.l = 20}};
    SRestriction r = {RES_PROPERTY, {.resProperty = {RELOP_GE, T_NUM, &lim}}};
    pthread_t th[5];
    void *(*fn[5])(void *) = {writer, writer, reader, reader, adviser};

    memset(&s, 0, sizeof(s));
    if (dispatcher)
        cr_assert_eq(MAPIInitialize(&init), S_OK);
    s.td = fx_table();
    for (int i = 0; i < 200; i++)
        cr_assert_eq(fx_put(s.td, i, "init", i % 100), S_OK);
    cr_assert_eq(s.td->lpVtbl->HrGetView(s.td, (LPSSortOrderSet)&sort, NULL, 0, &s.shared), S_OK);
    cr_assert_eq(s.shared->lpVtbl->Restrict(s.shared, &r, 0), S_OK);
    clock_gettime(CLOCK_MONOTONIC, &s.end);
    s.end.tv_nsec += RUN_MS * 1000000L;
    s.end.tv_sec += s.end.tv_nsec / 1000000000L;
    s.end.tv_nsec %= 1000000000L;
    for (int i = 0; i < 5; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, fn[i], &s), 0);
    for (int i = 0; i < 5; i++)
        pthread_join(th[i], NULL);
    if (dispatcher)
        MAPIUninitialize();
    cr_assert_eq(atomic_load(&s.failures), 0, "first failure: line %d, 0x%08x",
        atomic_load(&first_line), (unsigned)atomic_load(&first_hr));
    cr_assert_gt(atomic_load(&s.changes), MIN_CHANGES);
    cr_assert_gt(atomic_load(&s.reads), MIN_READS);
    cr_assert_gt(atomic_load(&s.notifs), 0, "sinks were notified");
    verify_shared(&s);
    s.shared->lpVtbl->Release(s.shared);
    cr_assert_eq(s.td->lpVtbl->Release(s.td), 0);
}

Test(table_threads, synchronous_notifications)
{
    storm(false);
}

Test(table_threads, dispatcher_notifications)
{
    storm(true);
}
