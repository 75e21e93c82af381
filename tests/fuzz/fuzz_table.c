/* tests/fuzz/fuzz_table.c: sequences of ITableData and IMAPITable calls against a model.
 *
 * The model is an array of rows in table order (HrModifyRow replaces in place or appends,
 * HrInsertRow places, deletions close the gap) and, for an unsorted view, a cursor position
 * that moves as docs/decisions.md and runtime/table/ say: rows inserted or deleted before it
 * shift it, a deleted row under it leaves it on the next one, and a cursor at the beginning
 * stays at the beginning. A second view sorted on a column must hold the same rows in order. */
#include <mapicode.h>
#include <mapidefs.h>
#include <mapiguid.h>
#include <mapiutil.h>
#include <mapix.h>

#include "fuzz.h"

#define T_ID PROP_TAG(PT_LONG, 0x6700)
#define T_VAL PROP_TAG(PT_LONG, 0x6701)
#define T_NAME PROP_TAG(PT_STRING8, 0x6702)
#define MAXROWS 24
#define MAXOPS 64

struct mrow {
    LONG id, val;
};

struct model {
    struct mrow rows[MAXROWS];
    ULONG n, cur;
};

static int find(const struct model *m, LONG id)
{
    for (ULONG i = 0; i < m->n; i++)
        if (m->rows[i].id == id)
            return (int)i;
    return -1;
}

static void m_insert(struct model *m, ULONG at, LONG id, LONG val)
{
    memmove(&m->rows[at + 1], &m->rows[at], (m->n - at) * sizeof(struct mrow));
    m->rows[at] = (struct mrow){id, val};
    m->n++;
    if (m->cur != 0 && at <= m->cur)
        m->cur++;
}

static void m_delete(struct model *m, ULONG at)
{
    memmove(&m->rows[at], &m->rows[at + 1], (m->n - at - 1) * sizeof(struct mrow));
    m->n--;
    if (at < m->cur)
        m->cur--;
}

static SRow make_row(SPropValue *p, LONG id, LONG val)
{
    p[0].ulPropTag = T_ID;
    p[0].Value.l = id;
    p[1].ulPropTag = T_VAL;
    p[1].Value.l = val;
    p[2].ulPropTag = T_NAME;
    p[2].Value.lpszA = "row";
    return (SRow){0, 3, p};
}

static SPropValue key(LONG id)
{
    SPropValue k;
    memset(&k, 0, sizeof(k));
    k.ulPropTag = T_ID;
    k.Value.l = id;
    return k;
}

static void check_all(LPTABLEDATA td, LPMAPITABLE v, LPMAPITABLE sorted, const struct model *m)
{
    for (ULONG i = 0; i <= m->n; i++) {
        LPSRow r = NULL;
        FZ_CHECK(td->lpVtbl->HrEnumRow(td, i, &r) == S_OK, "HrEnumRow");
        if (i == m->n) {
            FZ_CHECK(r == NULL, "HrEnumRow past the end gave a row");
            break;
        }
        FZ_CHECK(r != NULL, "HrEnumRow %lu: no row", (unsigned long)i);
        const SPropValue *id = PpropFindProp(r->lpProps, r->cValues, T_ID);
        const SPropValue *val = PpropFindProp(r->lpProps, r->cValues, T_VAL);
        FZ_CHECK(id && id->Value.l == m->rows[i].id, "row %lu: id", (unsigned long)i);
        FZ_CHECK(val && val->Value.l == m->rows[i].val, "row %lu: value", (unsigned long)i);
        MAPIFreeBuffer(r);
    }
    ULONG count = 0, pos = 0, num, den;
    FZ_CHECK(v->lpVtbl->GetRowCount(v, 0, &count) == S_OK && count == m->n,
             "view has %lu rows, the model %lu", (unsigned long)count, (unsigned long)m->n);
    FZ_CHECK(v->lpVtbl->QueryPosition(v, &pos, &num, &den) == S_OK, "QueryPosition");
    FZ_CHECK(pos == m->cur, "cursor at %lu, the model at %lu", (unsigned long)pos,
             (unsigned long)m->cur);
    /* The sorted view: every row, values ascending. */
    FZ_CHECK(sorted->lpVtbl->SeekRow(sorted, BOOKMARK_BEGINNING, 0, NULL) == S_OK, "SeekRow");
    LPSRowSet rows = NULL;
    FZ_CHECK(sorted->lpVtbl->QueryRows(sorted, MAXROWS + 1, 0, &rows) == S_OK, "QueryRows");
    FZ_CHECK(rows->cRows == m->n, "sorted view has %lu rows, the model %lu",
             (unsigned long)rows->cRows, (unsigned long)m->n);
    for (ULONG i = 0; i < rows->cRows; i++) {
        LONG id = rows->aRow[i].lpProps[0].Value.l, val = rows->aRow[i].lpProps[1].Value.l;
        int at = find(m, id);
        FZ_CHECK(at >= 0 && m->rows[at].val == val, "sorted view: row %ld", (long)id);
        if (i > 0)
            FZ_CHECK(rows->aRow[i - 1].lpProps[1].Value.l <= val, "sorted view out of order");
    }
    FreeProws(rows);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz f;
    fz_init(&f, data, size);
    struct model m = {.n = 0, .cur = 0};
    SizedSPropTagArray(3, cols) = {3, {T_ID, T_VAL, T_NAME}};
    LPTABLEDATA td = NULL;
    FZ_CHECK(CreateTable(&IID_IMAPITableData, MAPIAllocateBuffer, MAPIAllocateMore,
                         MAPIFreeBuffer, NULL, TBLTYPE_DYNAMIC, T_ID, (LPSPropTagArray)&cols,
                         &td) == S_OK, "CreateTable");
    LPMAPITABLE v = NULL, sorted = NULL;
    SizedSSortOrderSet(1, by_val) = {1, 0, 0, {{T_VAL, TABLE_SORT_ASCEND}}};
    SizedSPropTagArray(2, scols) = {2, {T_ID, T_VAL}};
    FZ_CHECK(td->lpVtbl->HrGetView(td, NULL, NULL, 0, &v) == S_OK, "HrGetView");
    FZ_CHECK(td->lpVtbl->HrGetView(td, (LPSSortOrderSet)&by_val, NULL, 0, &sorted) == S_OK,
             "HrGetView sorted");
    FZ_CHECK(sorted->lpVtbl->SetColumns(sorted, (LPSPropTagArray)&scols, 0) == S_OK, "SetColumns");

    for (int op = 0; op < MAXOPS && fz_more(&f); op++) {
        uint8_t k = fz_u8(&f) % 11;
        LONG id = (LONG)fz_below(&f, 12), val = (LONG)fz_below(&f, 5);
        SPropValue p[3], kv = key(id);
        SRow row = make_row(p, id, val);
        HRESULT hr;
        int at = find(&m, id);
        switch (k) {
        case 0: /* HrModifyRow */
            if (at < 0 && m.n == MAXROWS)
                break;
            FZ_CHECK(td->lpVtbl->HrModifyRow(td, &row) == S_OK, "HrModifyRow");
            if (at >= 0)
                m.rows[at].val = val;
            else
                m_insert(&m, m.n, id, val);
            break;
        case 1: { /* HrInsertRow */
            ULONG where = fz_below(&f, m.n + 2);
            if (m.n == MAXROWS)
                break;
            hr = td->lpVtbl->HrInsertRow(td, where, &row);
            if (at >= 0 || where > m.n) {
                FZ_CHECK(hr == MAPI_E_INVALID_PARAMETER, "HrInsertRow: 0x%08lx",
                         (unsigned long)(ULONG)hr);
            } else {
                FZ_CHECK(hr == S_OK, "HrInsertRow refused");
                m_insert(&m, where, id, val);
            }
            break;
        }
        case 2: /* HrDeleteRow */
            hr = td->lpVtbl->HrDeleteRow(td, &kv);
            FZ_CHECK(hr == (at >= 0 ? S_OK : MAPI_E_NOT_FOUND), "HrDeleteRow: 0x%08lx",
                     (unsigned long)(ULONG)hr);
            if (at >= 0)
                m_delete(&m, (ULONG)at);
            break;
        case 3: { /* HrDeleteRows, maybe naming a row twice */
            LONG id2 = (LONG)fz_below(&f, 12);
            SPropValue p2[3];
            struct { ULONG cRows; SRow aRow[2]; } set = {2, {row, make_row(p2, id2, 0)}};
            ULONG n = 99, expect = 0;
            FZ_CHECK(td->lpVtbl->HrDeleteRows(td, 0, (LPSRowSet)&set, &n) == S_OK, "HrDeleteRows");
            if (at >= 0)
                m_delete(&m, (ULONG)at), expect++;
            int at2 = find(&m, id2);
            if (at2 >= 0)
                m_delete(&m, (ULONG)at2), expect++;
            FZ_CHECK(n == expect, "HrDeleteRows deleted %lu, the model %lu", (unsigned long)n,
                     (unsigned long)expect);
            break;
        }
        case 4: { /* HrQueryRow */
            LPSRow r = NULL;
            ULONG where = 999;
            hr = td->lpVtbl->HrQueryRow(td, &kv, &r, &where);
            FZ_CHECK(hr == (at >= 0 ? S_OK : MAPI_E_NOT_FOUND), "HrQueryRow");
            if (at >= 0)
                FZ_CHECK(where == (ULONG)at, "HrQueryRow at %lu, the model %d", (unsigned long)where, at);
            MAPIFreeBuffer(r);
            break;
        }
        case 5: /* HrNotify */
            hr = td->lpVtbl->HrNotify(td, 0, 3, p);
            FZ_CHECK(hr == (at >= 0 ? S_OK : MAPI_E_NOT_FOUND), "HrNotify");
            break;
        case 6: { /* SeekRow */
            static const BOOKMARK origins[] = {BOOKMARK_BEGINNING, BOOKMARK_CURRENT, BOOKMARK_END};
            int o = (int)fz_below(&f, 3);
            LONG delta = (LONG)fz_below(&f, 9) - 4, sought = 0;
            FZ_CHECK(v->lpVtbl->SeekRow(v, origins[o], delta, &sought) == S_OK, "SeekRow");
            int64_t from = o == 0 ? 0 : o == 1 ? (int64_t)m.cur : (int64_t)m.n, to = from + delta;
            to = to < 0 ? 0 : to > (int64_t)m.n ? (int64_t)m.n : to;
            FZ_CHECK(sought == (LONG)(to - from), "SeekRow sought %ld, the model %ld",
                     (long)sought, (long)(to - from));
            m.cur = (ULONG)to;
            break;
        }
        case 7: { /* QueryRows forwards */
            LONG want = 1 + (LONG)fz_below(&f, 4);
            LPSRowSet rows = NULL;
            FZ_CHECK(v->lpVtbl->QueryRows(v, want, 0, &rows) == S_OK, "QueryRows");
            ULONG expect = m.n - m.cur < (ULONG)want ? m.n - m.cur : (ULONG)want;
            FZ_CHECK(rows->cRows == expect, "QueryRows gave %lu rows, the model %lu",
                     (unsigned long)rows->cRows, (unsigned long)expect);
            for (ULONG i = 0; i < rows->cRows; i++) {
                const SPropValue *rid = PpropFindProp(rows->aRow[i].lpProps, rows->aRow[i].cValues, T_ID);
                FZ_CHECK(rid && rid->Value.l == m.rows[m.cur + i].id, "QueryRows row %lu",
                         (unsigned long)i);
            }
            m.cur += rows->cRows;
            FreeProws(rows);
            break;
        }
        case 8: { /* HrDeleteRows(TAD_ALL_ROWS) */
            ULONG n = 99;
            FZ_CHECK(td->lpVtbl->HrDeleteRows(td, TAD_ALL_ROWS, NULL, &n) == S_OK, "TAD_ALL_ROWS");
            FZ_CHECK(n == m.n, "TAD_ALL_ROWS deleted %lu of %lu", (unsigned long)n, (unsigned long)m.n);
            m.n = m.cur = 0;
            break;
        }
        case 9: { /* HrModifyRows: two rows with distinct IDs */
            LONG id2 = (id + 1 + (LONG)fz_below(&f, 11)) % 12;
            SPropValue p2[3];
            struct { ULONG cRows; SRow aRow[2]; } set = {2, {row, make_row(p2, id2, val + 1)}};
            int at2 = find(&m, id2);
            if (m.n + (at < 0) + (at2 < 0) > MAXROWS)
                break;
            FZ_CHECK(td->lpVtbl->HrModifyRows(td, 0, (LPSRowSet)&set) == S_OK, "HrModifyRows");
            if (at >= 0)
                m.rows[at].val = val;
            else
                m_insert(&m, m.n, id, val);
            at2 = find(&m, id2);
            if (at2 >= 0)
                m.rows[at2].val = val + 1;
            else
                m_insert(&m, m.n, id2, val + 1);
            break;
        }
        default: /* a key of the wrong tag is refused everywhere */
            kv.ulPropTag = T_VAL;
            FZ_CHECK(td->lpVtbl->HrDeleteRow(td, &kv) == MAPI_E_INVALID_PARAMETER, "bad key");
            break;
        }
        check_all(td, v, sorted, &m);
    }
    v->lpVtbl->Release(v);
    sorted->lpVtbl->Release(sorted);
    td->lpVtbl->Release(td);
    fz_free_all(&f);
    return 0;
}
