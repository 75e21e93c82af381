/* tablefixture.h: a small ITableData and a recording advise sink, shared by the table tests.
 *
 * Rows have an index column T_ID (PT_LONG), a name T_NAME (PT_STRING8) and a number T_NUM; the
 * tests add other columns where they need them. */
#ifndef TESTS_RUNTIME_TABLEFIXTURE_H
#define TESTS_RUNTIME_TABLEFIXTURE_H

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapiguid.h>
#include <mapitags.h>
#include <mapiutil.h>
#include <mapix.h>

#define T_ID PROP_TAG(PT_LONG, 0x6700)
#define T_NAME PROP_TAG(PT_STRING8, 0x6701)
#define T_NUM PROP_TAG(PT_LONG, 0x6702)
#define T_WNAME PROP_TAG(PT_UNICODE, 0x6703)
#define T_MV PROP_TAG(PT_MV_STRING8, 0x6704)
#define T_BIN PROP_TAG(PT_BINARY, 0x6705)
#define T_DBL PROP_TAG(PT_DOUBLE, 0x6706)
#define T_FLAGS PROP_TAG(PT_LONG, 0x6707)
#define T_MVL PROP_TAG(PT_MV_LONG, 0x6708)
#define T_NUM2 PROP_TAG(PT_LONG, 0x6709)
#define T_BOOL PROP_TAG(PT_BOOLEAN, 0x670A)
#define T_TIME PROP_TAG(PT_SYSTIME, 0x670B)
#define T_I8 PROP_TAG(PT_I8, 0x670C)
/* one value of T_MV / T_MVL (what an instance column holds) */
#define T_MV1 PROP_TAG(PT_STRING8, 0x6704)
#define T_MVL1 PROP_TAG(PT_LONG, 0x6708)

static inline LPTABLEDATA fx_table(void)
{
    SizedSPropTagArray(3, cols) = {3, {T_ID, T_NAME, T_NUM}};
    LPTABLEDATA td = NULL;
    cr_assert_eq(CreateTable(&IID_IMAPITableData, MAPIAllocateBuffer, MAPIAllocateMore,
                     MAPIFreeBuffer, NULL, TBLTYPE_DYNAMIC, T_ID,
                     (LPSPropTagArray)&cols, &td),
        S_OK);
    cr_assert_not_null(td);
    return td;
}

/* Adds or replaces row id; name NULL leaves T_NAME out. */
static inline HRESULT fx_put(LPTABLEDATA td, LONG id, const char *name, LONG num)
{
    SPropValue p[3];
    SRow row = {0, 0, p};
    memset(p, 0, sizeof(p));
    p[row.cValues].ulPropTag = T_ID;
    p[row.cValues++].Value.l = id;
    if (name) {
        p[row.cValues].ulPropTag = T_NAME;
        p[row.cValues++].Value.lpszA = (LPSTR)name;
    }
    p[row.cValues].ulPropTag = T_NUM;
    p[row.cValues++].Value.l = num;
    return td->lpVtbl->HrModifyRow(td, &row);
}

static inline HRESULT fx_del(LPTABLEDATA td, LONG id)
{
    SPropValue k;
    memset(&k, 0, sizeof(k));
    k.ulPropTag = T_ID;
    k.Value.l = id;
    return td->lpVtbl->HrDeleteRow(td, &k);
}

static inline const SPropValue *fx_prop(const SRow *row, ULONG tag)
{
    for (ULONG i = 0; i < row->cValues; i++)
        if (row->lpProps[i].ulPropTag == tag)
            return &row->lpProps[i];
    return NULL;
}

/* T_ID of every row from the cursor on (the cursor moves to the end); -1 for a row without. */
static inline int fx_read_ids(LPMAPITABLE v, LONG *out, int max)
{
    LPSRowSet rows = NULL;
    cr_assert_eq(v->lpVtbl->QueryRows(v, max, 0, &rows), S_OK);
    int n = (int)rows->cRows;
    for (int i = 0; i < n; i++) {
        const SPropValue *p = fx_prop(&rows->aRow[i], T_ID);
        out[i] = p ? p->Value.l : -1;
    }
    FreeProws(rows);
    return n;
}

/* All T_IDs of the view in order, as a string "1 2 3", leaving the cursor where it was. */
static inline const char *fx_ids(LPMAPITABLE v)
{
    static __thread char buf[4096];
    LONG ids[512];
    ULONG row, num, den;
    cr_assert_eq(v->lpVtbl->QueryPosition(v, &row, &num, &den), S_OK);
    cr_assert_eq(v->lpVtbl->SeekRow(v, BOOKMARK_BEGINNING, 0, NULL), S_OK);
    int n = fx_read_ids(v, ids, 512);
    size_t o = 0;
    buf[0] = '\0';
    for (int i = 0; i < n; i++)
        o += (size_t)snprintf(buf + o, sizeof(buf) - o, i ? " %d" : "%d", (int)ids[i]);
    cr_assert_eq(v->lpVtbl->SeekRow(v, BOOKMARK_BEGINNING, (LONG)row, NULL), S_OK);
    return buf;
}

/* T_ID of the row at the cursor, without moving it (-2 at the end). */
static inline LONG fx_current(LPMAPITABLE v)
{
    LPSRowSet rows = NULL;
    cr_assert_eq(v->lpVtbl->QueryRows(v, 1, TBL_NOADVANCE, &rows), S_OK);
    LONG id = -2;
    if (rows->cRows) {
        const SPropValue *p = fx_prop(&rows->aRow[0], T_ID);
        id = p ? p->Value.l : -1;
    }
    FreeProws(rows);
    return id;
}

static inline ULONG fx_count(LPMAPITABLE v)
{
    ULONG n = 0;
    cr_assert_eq(v->lpVtbl->GetRowCount(v, 0, &n), S_OK);
    return n;
}

static inline LPMAPITABLE fx_view(LPTABLEDATA td)
{
    LPMAPITABLE v = NULL;
    cr_assert_eq(td->lpVtbl->HrGetView(td, NULL, NULL, 0, &v), S_OK);
    return v;
}

/* ---- a sink that records table notifications ------------------------------------------ */

struct fx_event {
    ULONG event;
    HRESULT hr;
    ULONG index_tag, index_cb;
    BYTE index[80];
    ULONG prior_tag, prior_cb;
    BYTE prior[80];
    ULONG ncols;
    LONG id; /* T_ID in the row, -1 when absent */
};

struct fx_rec {
    pthread_mutex_t mu;
    int calls;
    int n;
    struct fx_event ev[64];
};

static LONG fx_rec_cb(LPVOID ctx, ULONG c, LPNOTIFICATION n)
{
    struct fx_rec *r = ctx;
    pthread_mutex_lock(&r->mu);
    r->calls++;
    for (ULONG i = 0; i < c && r->n < 64; i++) {
        struct fx_event *e = &r->ev[r->n++];
        const TABLE_NOTIFICATION *t = &n[i].info.tab;
        memset(e, 0, sizeof(*e));
        e->event = n[i].ulEventType == fnevTableModified ? t->ulTableEvent : 0;
        e->hr = t->hResult;
        e->index_tag = t->propIndex.ulPropTag;
        if (e->index_tag == PR_INSTANCE_KEY && t->propIndex.Value.bin.cb <= 80) {
            e->index_cb = t->propIndex.Value.bin.cb;
            memcpy(e->index, t->propIndex.Value.bin.lpb, e->index_cb);
        }
        e->prior_tag = t->propPrior.ulPropTag;
        if (e->prior_tag == PR_INSTANCE_KEY && t->propPrior.Value.bin.cb <= 80) {
            e->prior_cb = t->propPrior.Value.bin.cb;
            memcpy(e->prior, t->propPrior.Value.bin.lpb, e->prior_cb);
        }
        e->ncols = t->row.cValues;
        e->id = -1;
        const SPropValue *p = t->row.cValues ? fx_prop(&t->row, T_ID) : NULL;
        if (p)
            e->id = p->Value.l;
    }
    pthread_mutex_unlock(&r->mu);
    return 0;
}

/* Advises v with a new recorder; the view holds the only sink reference afterwards. */
static inline ULONG_PTR fx_advise(LPMAPITABLE v, struct fx_rec *r)
{
    LPMAPIADVISESINK sink = NULL;
    ULONG_PTR conn = 0;
    memset(r, 0, sizeof(*r));
    pthread_mutex_init(&r->mu, NULL);
    cr_assert_eq(HrAllocAdviseSink(fx_rec_cb, r, &sink), S_OK);
    cr_assert_eq(v->lpVtbl->Advise(v, fnevTableModified, sink, &conn), S_OK);
    cr_assert_neq(conn, 0);
    sink->lpVtbl->Release(sink);
    return conn;
}

/* PR_INSTANCE_KEY of the row with this T_ID in v (4 or more bytes into key; returns cb). */
static inline ULONG fx_key_of(LPMAPITABLE v, LONG id, BYTE *key)
{
    SizedSPropTagArray(2, cols) = {2, {T_ID, PR_INSTANCE_KEY}};
    LPSPropTagArray old = NULL;
    LPSRowSet rows = NULL;
    ULONG row, num, den, cb = 0;
    cr_assert_eq(v->lpVtbl->QueryColumns(v, 0, &old), S_OK);
    cr_assert_eq(v->lpVtbl->QueryPosition(v, &row, &num, &den), S_OK);
    cr_assert_eq(v->lpVtbl->SetColumns(v, (LPSPropTagArray)&cols, 0), S_OK);
    cr_assert_eq(v->lpVtbl->SeekRow(v, BOOKMARK_BEGINNING, 0, NULL), S_OK);
    cr_assert_eq(v->lpVtbl->QueryRows(v, 10000, 0, &rows), S_OK);
    for (ULONG i = 0; i < rows->cRows; i++) {
        if (rows->aRow[i].lpProps[0].Value.l == id) {
            cr_assert_eq(rows->aRow[i].lpProps[1].ulPropTag, PR_INSTANCE_KEY);
            cb = rows->aRow[i].lpProps[1].Value.bin.cb;
            memcpy(key, rows->aRow[i].lpProps[1].Value.bin.lpb, cb);
        }
    }
    FreeProws(rows);
    cr_assert_eq(v->lpVtbl->SetColumns(v, old, 0), S_OK);
    MAPIFreeBuffer(old);
    cr_assert_eq(v->lpVtbl->SeekRow(v, BOOKMARK_BEGINNING, (LONG)row, NULL), S_OK);
    cr_assert_neq(cb, 0, "row %d not in the view", (int)id);
    return cb;
}

static inline bool fx_key_is(const struct fx_event *e, LPMAPITABLE v, LONG id)
{
    BYTE key[80];
    ULONG cb = fx_key_of(v, id, key);
    return e->index_tag == PR_INSTANCE_KEY && e->index_cb == cb && memcmp(e->index, key, cb) == 0;
}

static inline bool fx_prior_is(const struct fx_event *e, LPMAPITABLE v, LONG id)
{
    if (id < 0)
        return e->prior_tag == PR_NULL;
    BYTE key[80];
    ULONG cb = fx_key_of(v, id, key);
    return e->prior_tag == PR_INSTANCE_KEY && e->prior_cb == cb && memcmp(e->prior, key, cb) == 0;
}

#endif
