/* sort.c: sort orders, the order of a view, and building a view's rows.
 *
 * A view's order is total: its sort keys, then table position, then instance number. Missing
 * values sort after every present value in both directions (SSortOrder: "all NULL entries
 * positioned last"). Categorised sorts are refused with MAPI_E_TOO_COMPLEX, as IMAPITable
 * allows: an in-memory table has no category rows. tbl_vrow_cmp compares two rows value by
 * value (binary searches and the few rows of a change); sorting a whole view goes through
 * sort keys (sortkey.c), which order the same way. */
#include <stdlib.h>
#include <string.h>

#include "table_internal.h"

#define CMP3(x, y) (((x) > (y)) - ((x) < (y)))

/* A view orders by the same single-valued, comparable types an index can key on. */
static bool sortable_type(ULONG type)
{
    return tbl_index_type_ok(type & ~TBL_MVI_BITS);
}

HRESULT tbl_sort_compile(const SSortOrderSet *s, tbl_sort *out)
{
    out->n = 0;
    out->keys = NULL;
    if (!s)
        return S_OK;
    if (FBadSortOrderSet((LPSSortOrderSet)s))
        return MAPI_E_INVALID_PARAMETER;
    /* Categories need heading rows and expand/collapse state: not an in-memory table's. */
    if (s->cCategories || s->cExpanded)
        return MAPI_E_TOO_COMPLEX;
    for (ULONG i = 0; i < s->cSorts; i++) {
        ULONG tag = s->aSort[i].ulPropTag, type = PROP_TYPE(tag);
        if (s->aSort[i].ulOrder != TABLE_SORT_ASCEND && s->aSort[i].ulOrder != TABLE_SORT_DESCEND)
            return MAPI_E_TOO_COMPLEX; /* TABLE_SORT_COMBINE / CATEG_MAX / CATEG_MIN: categories */
        if ((type & MV_INSTANCE) && !(type & MV_FLAG))
            return MAPI_E_INVALID_PARAMETER;
        if (!sortable_type(type))
            return MAPI_E_TOO_COMPLEX;
    }
    if (s->cSorts == 0)
        return S_OK;
    out->keys = mapirt_malloc(s->cSorts * sizeof(SSortOrder));
    if (!out->keys)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    memcpy(out->keys, s->aSort, s->cSorts * sizeof(SSortOrder));
    out->n = s->cSorts;
    return S_OK;
}

void tbl_sort_clear(tbl_sort *s)
{
    mapirt_free(s->keys);
    s->keys = NULL;
    s->n = 0;
}

static void add_mvi(ULONG *set, ULONG *n, ULONG tag)
{
    if (!TBL_IS_MVI(tag))
        return;
    for (ULONG i = 0; i < *n; i++)
        if (set[i] == TBL_MV_TAG(tag))
            return;
    set[(*n)++] = TBL_MV_TAG(tag);
}

HRESULT tbl_mvi_compute(const SPropTagArray *cols, const tbl_sort *s, ULONG **out, ULONG *n)
{
    ULONG total = (cols ? cols->cValues : 0) + s->n, cnt = 0;
    ULONG *set;

    *out = NULL;
    *n = 0;
    for (ULONG i = 0; cols && i < cols->cValues; i++)
        if (TBL_IS_MVI(cols->aulPropTag[i]))
            cnt++;
    for (ULONG i = 0; i < s->n; i++)
        if (TBL_IS_MVI(s->keys[i].ulPropTag))
            cnt++;
    if (cnt == 0)
        return S_OK;
    set = mapirt_malloc(total * sizeof(ULONG));
    if (!set)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    cnt = 0;
    for (ULONG i = 0; cols && i < cols->cValues; i++)
        add_mvi(set, &cnt, cols->aulPropTag[i]);
    for (ULONG i = 0; i < s->n; i++)
        add_mvi(set, &cnt, s->keys[i].ulPropTag);
    *out = set;
    *n = cnt;
    return S_OK;
}

const SPropValue *tbl_sort_value(const tbl_view *v, const tbl_vrow *vr, ULONG k, tbl_val *s)
{
    ULONG tag = v->sort.keys[k].ulPropTag;
    const SPropValue *p;

    if (tag == PR_INSTANCE_KEY) {
        /* The instance number is the last tie-break anyway; the base key is enough. */
        BYTE gen[4];
        const BYTE *pb;
        ULONG cb;
        tbl_base_key(v->t, vr, gen, &pb, &cb);
        memset(&s->v, 0, sizeof(s->v));
        if (cb)
            memcpy(s->buf, pb, cb);
        s->v.ulPropTag = PR_INSTANCE_KEY;
        s->v.Value.bin.cb = cb;
        s->v.Value.bin.lpb = cb ? s->buf : NULL;
        return &s->v;
    }
    p = tbl_value(v, vr, tag, s);
    if (!p || PROP_TYPE(p->ulPropTag) != PROP_TYPE(TBL_IS_MVI(tag) ? TBL_SV_TAG(tag) : tag))
        return NULL;
    return p;
}

static int tie_break(const tbl_data *t, const tbl_vrow *a, const tbl_vrow *b)
{
    uint32_t pa = tbl_row_at(t, a->id)->pos, pb = tbl_row_at(t, b->id)->pos;

    if (pa != pb)
        return pa < pb ? -1 : 1;
    return (a->ord > b->ord) - (a->ord < b->ord);
}

static int key_cmp(const SSortOrder *key, const SPropValue *pa, const SPropValue *pb)
{
    int c;

    if (!pa || !pb)
        return pa == pb ? 0 : (pa ? -1 : 1);
    c = PROP_TYPE(pa->ulPropTag) == PT_LONG ? CMP3(pa->Value.l, pb->Value.l) : tbl_prop_cmp(pa, pb);
    return key->ulOrder == TABLE_SORT_DESCEND ? -c : c;
}

int tbl_vrow_cmp(const tbl_view *v, const tbl_vrow *a, const tbl_vrow *b)
{
    for (ULONG k = 0; k < v->sort.n; k++) {
        tbl_val sa, sb;
        int c = key_cmp(&v->sort.keys[k], tbl_sort_value(v, a, k, &sa),
            tbl_sort_value(v, b, k, &sb));
        if (c)
            return c;
    }
    return tie_break(v->t, a, b);
}

ULONG tbl_lower_bound(const tbl_view *v, const tbl_vrow *x)
{
    ULONG lo = 0, hi = v->n;

    while (lo < hi) {
        ULONG mid = lo + (hi - lo) / 2;
        if (tbl_vrow_cmp(v, &v->rows[mid], x) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void tbl_sort_rows_ws(const tbl_view *v, tbl_vrow *rows, ULONG n, tbl_vrow *ws)
{
    /* Bottom-up merge sort: what a change adds is usually a handful of rows. */
    tbl_vrow *src = rows, *dst = ws;

    for (ULONG w = 1; w < n; w *= 2) {
        for (ULONG lo = 0; lo < n; lo += 2 * w) {
            ULONG mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            ULONG i = lo, j = mid, o = lo;
            while (i < mid && j < hi)
                dst[o++] = tbl_vrow_cmp(v, &src[j], &src[i]) < 0 ? src[j++] : src[i++];
            while (i < mid)
                dst[o++] = src[i++];
            while (j < hi)
                dst[o++] = src[j++];
        }
        tbl_vrow *tmp = src;
        src = dst;
        dst = tmp;
    }
    if (src != rows)
        memcpy(rows, src, n * sizeof(*rows));
}

HRESULT tbl_build_rows(const tbl_view *v, tbl_vrow **out, ULONG *nout, ULONG *cap)
{
    const tbl_data *t = v->t;
    uint64_t total = 0;
    tbl_vrow *rows;
    ULONG n = 0;
    HRESULT hr;

    *out = NULL;
    *nout = 0;
    *cap = 0;
    if (v->nmvi) {
        for (ULONG i = 0; i < t->norder; i++) {
            if (t->order[i] == TBL_NO_ROW)
                continue;
            ULONG c = tbl_instances(v, tbl_rec_of(t, tbl_row_at(t, t->order[i])));
            if (c == 0)
                return MAPI_E_TABLE_TOO_BIG;
            total += c;
        }
    } else {
        total = t->nrows;
    }
    if (total > 0xFFFFFFF0u / sizeof(tbl_vrow))
        return MAPI_E_TABLE_TOO_BIG;
    rows = mapirt_malloc(total ? (size_t)total * sizeof(tbl_vrow) : sizeof(tbl_vrow));
    if (!rows)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    for (ULONG i = 0; i < t->norder; i++) {
        tbl_rid id = t->order[i];
        if (id == TBL_NO_ROW)
            continue;
        ULONG c = v->nmvi ? tbl_instances(v, tbl_rec_of(t, tbl_row_at(t, id))) : 1;
        for (ULONG ord = 0; ord < c; ord++) {
            tbl_vrow vr = tbl_mkvrow(id, ord);
            if (!v->res || tbl_res_eval(v, v->res, &vr))
                rows[n++] = vr;
        }
    }
    /* Table order is already the order of an unsorted view. */
    if (v->sort.n) {
        hr = tbl_sort_rows(v, rows, n);
        if (FAILED(hr)) {
            mapirt_free(rows);
            return hr;
        }
    }
    *out = rows;
    *nout = n;
    *cap = total ? (ULONG)total : 1;
    return S_OK;
}
