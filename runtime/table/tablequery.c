/* tablequery.c: what a view shows: SetColumns, QueryColumns, Restrict, SortTable,
 * QuerySortOrder and QueryRows.
 *
 * Restrict and SortTable rebuild the view's rows (restrict.c, sort.c) and install them only
 * when everything succeeded, so a failing call leaves the previous restriction or order in
 * force. QueryRows returns exactly the current columns, a missing value as PT_ERROR with
 * MAPI_E_NOT_FOUND, each row's values in their own MAPI buffer (FreeProws frees them). */
#include <stdlib.h>
#include <string.h>

#include "prop/prop_internal.h"
#include "table_internal.h"

/* Where each column of v is in shape sh. */
static void plan_for(const tbl_view *v, const tbl_shape *sh, tbl_plan *plan)
{
    plan->sh = sh;
    for (ULONG i = 0; i < v->cols->cValues; i++) {
        ULONG tag = v->cols->aulPropTag[i];
        int at;
        if (PROP_TYPE(tag) == PT_NULL)
            at = TBL_COL_NULL;
        else if (tag == PR_INSTANCE_KEY || TBL_IS_MVI(tag) || PROP_TYPE(tag) == PT_UNSPECIFIED)
            at = TBL_COL_SLOW;
        else if ((at = tbl_shape_find(sh, tag)) < 0 && PROP_TYPE(tag) != PT_ERROR &&
                 (at = tbl_shape_find(sh, PROP_TAG(PT_ERROR, PROP_ID(tag)))) < 0)
            at = TBL_COL_MISSING; /* else a stored error value stands for it (tbl_value) */
        plan->at[i] = at;
    }
}

void tbl_view_columns(const tbl_view *v, const tbl_vrow *vr, SPropValue *vals, tbl_val *scratch,
    tbl_plan *plan)
{
    tbl_rec rec = tbl_rec_of(v->t, tbl_row_at(v->t, vr->id));

    if (plan && plan->sh != rec.sh)
        plan_for(v, rec.sh, plan);
    for (ULONG i = 0; i < v->cols->cValues; i++) {
        ULONG tag = v->cols->aulPropTag[i];
        int at = plan ? plan->at[i] : TBL_COL_SLOW;
        const SPropValue *p;

        if (at >= 0) {
            tbl_rec_get(rec, (ULONG)at, &vals[i]);
            continue;
        }
        memset(&vals[i], 0, sizeof(vals[i]));
        if (at == TBL_COL_NULL || PROP_TYPE(tag) == PT_NULL) {
            /* A reserved slot (SetColumns with PR_NULL) comes back as it went in. */
            vals[i].ulPropTag = tag;
            continue;
        }
        p = at == TBL_COL_MISSING ? NULL : tbl_value(v, vr, tag, &scratch[i]);
        if (p) {
            vals[i] = *p;
        } else {
            vals[i].ulPropTag = CHANGE_PROP_TYPE(tag, PT_ERROR);
            vals[i].Value.err = MAPI_E_NOT_FOUND;
        }
    }
}

/* Installs freshly built rows; the cursor goes back to the start and bookmarks die (Restrict,
 * SortTable and an expansion-changing SetColumns all document that). */
static void install_rows(tbl_view *v, tbl_vrow *rows, ULONG n, ULONG cap)
{
    mapirt_free(v->rows);
    v->rows = rows;
    v->n = n;
    v->cap = cap;
    tbl_discard_bookmarks(v);
}

static bool same_mvi(const ULONG *a, ULONG na, const ULONG *b, ULONG nb)
{
    return na == nb && (na == 0 || memcmp(a, b, na * sizeof(ULONG)) == 0);
}

static HRESULT copy_tags(const SPropTagArray *src, LPSPropTagArray *out)
{
    LPSPropTagArray a = mapirt_malloc(CbNewSPropTagArray(src->cValues));

    if (!a)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    a->cValues = src->cValues;
    memcpy(a->aulPropTag, src->aulPropTag, src->cValues * sizeof(ULONG));
    *out = a;
    return S_OK;
}

/* ---- columns -------------------------------------------------------------------------- */

HRESULT tbl_view_SetColumns(tbl_view *v, LPSPropTagArray lpPropTagArray, ULONG ulFlags)
{
    LPSPropTagArray cols, old_cols;
    ULONG *mvi, nmvi, *old_mvi, old_nmvi, n, cap;
    tbl_vrow *rows;
    HRESULT hr;

    (void)ulFlags; /* TBL_ASYNC, TBL_BATCH: the work is done before the call returns */
    TBL_LOCK(v);
    if (lpPropTagArray->cValues == 0 || FBadColumnSet(lpPropTagArray))
        return tbl_unlock_fail(v, MAPI_E_INVALID_PARAMETER, "SetColumns: bad column set");
    for (ULONG i = 0; i < lpPropTagArray->cValues; i++) {
        ULONG type = PROP_TYPE(lpPropTagArray->aulPropTag[i]);
        if ((type & MV_INSTANCE) && !(type & MV_FLAG))
            return tbl_unlock_fail(v, MAPI_E_INVALID_PARAMETER, "SetColumns: MV_INSTANCE without MV_FLAG");
    }
    hr = copy_tags(lpPropTagArray, &cols);
    if (FAILED(hr))
        return tbl_unlock_fail(v, hr, "SetColumns: out of memory");
    hr = tbl_mvi_compute(cols, &v->sort, &mvi, &nmvi);
    if (FAILED(hr)) {
        mapirt_free(cols);
        return tbl_unlock_fail(v, hr, "SetColumns: out of memory");
    }
    old_cols = v->cols;
    if (same_mvi(mvi, nmvi, v->mvi, v->nmvi)) {
        /* Same rows, other columns: cursor and bookmarks stay. */
        v->cols = cols;
        mapirt_free(old_cols);
        mapirt_free(mvi);
        TBL_UNLOCK(v);
        return S_OK;
    }
    old_mvi = v->mvi;
    old_nmvi = v->nmvi;
    v->mvi = mvi;
    v->nmvi = nmvi;
    hr = tbl_build_rows(v, &rows, &n, &cap);
    if (FAILED(hr)) {
        v->mvi = old_mvi;
        v->nmvi = old_nmvi;
        mapirt_free(mvi);
        mapirt_free(cols);
        return tbl_unlock_fail(v, hr, "SetColumns: cannot expand the multi-valued columns");
    }
    v->cols = cols;
    mapirt_free(old_cols);
    mapirt_free(old_mvi);
    install_rows(v, rows, n, cap);
    TBL_UNLOCK(v);
    return S_OK;
}

HRESULT tbl_view_QueryColumns(tbl_view *v, ULONG ulFlags, LPSPropTagArray *lpPropTagArray)
{
    tbl_data *t = v->t;
    LPSPropTagArray a;
    const ULONG *tags;
    ULONG n;

    TBL_LOCK(v);
    if (ulFlags & TBL_ALL_COLUMNS) {
        tags = t->cols;
        n = t->ncols;
    } else {
        tags = v->cols->aulPropTag;
        n = v->cols->cValues;
    }
    if (FAILED(t->alloc(CbNewSPropTagArray(n), (void **)&a)))
        return tbl_unlock_fail(v, MAPI_E_NOT_ENOUGH_MEMORY, "QueryColumns: out of memory");
    a->cValues = n;
    if (n)
        memcpy(a->aulPropTag, tags, n * sizeof(ULONG));
    *lpPropTagArray = a;
    TBL_UNLOCK(v);
    return S_OK;
}

HRESULT tbl_view_Restrict(tbl_view *v, LPSRestriction lpRestriction, ULONG ulFlags)
{
    tbl_res *res = NULL, *old;
    tbl_vrow *rows;
    ULONG n, cap;
    HRESULT hr;

    (void)ulFlags; /* TBL_ASYNC, TBL_BATCH: the work is done before the call returns */
    TBL_LOCK(v);
    if (lpRestriction) {
        hr = tbl_res_compile(lpRestriction, &res);
        if (FAILED(hr))
            return tbl_unlock_fail(v, hr, "Restrict: restriction not supported");
    }
    old = v->res;
    v->res = res;
    hr = tbl_build_rows(v, &rows, &n, &cap);
    if (FAILED(hr)) {
        v->res = old;
        tbl_res_free(res);
        return tbl_unlock_fail(v, hr, "Restrict: cannot build the view");
    }
    tbl_res_free(old);
    install_rows(v, rows, n, cap);
    TBL_UNLOCK(v);
    return S_OK;
}

HRESULT tbl_view_SortTable(tbl_view *v, LPSSortOrderSet lpSortCriteria, ULONG ulFlags)
{
    tbl_sort sort, old;
    ULONG *mvi, nmvi, *old_mvi, old_nmvi, n, cap;
    tbl_vrow *rows;
    HRESULT hr;

    (void)ulFlags; /* TBL_ASYNC, TBL_BATCH: the work is done before the call returns */
    TBL_LOCK(v);
    hr = tbl_sort_compile(lpSortCriteria, &sort);
    if (FAILED(hr))
        return tbl_unlock_fail(v, hr, "SortTable: sort order not supported");
    hr = tbl_mvi_compute(v->cols, &sort, &mvi, &nmvi);
    if (FAILED(hr)) {
        tbl_sort_clear(&sort);
        return tbl_unlock_fail(v, hr, "SortTable: out of memory");
    }
    /* Build under the new order; on failure the old one stays in effect, as MAPI requires. */
    bool same_rows = same_mvi(mvi, nmvi, v->mvi, v->nmvi);
    old = v->sort;
    old_mvi = v->mvi;
    old_nmvi = v->nmvi;
    v->sort = sort;
    v->mvi = mvi;
    v->nmvi = nmvi;
    rows = NULL;
    if (same_rows)
        /* The same rows in another order: sorted where they are (tbl_sort_rows moves them
         * only once nothing can fail), without filtering the table again. */
        hr = tbl_sort_rows(v, v->rows, v->n);
    else
        hr = tbl_build_rows(v, &rows, &n, &cap);
    if (FAILED(hr)) {
        v->sort = old;
        v->mvi = old_mvi;
        v->nmvi = old_nmvi;
        tbl_sort_clear(&sort);
        mapirt_free(mvi);
        return tbl_unlock_fail(v, hr, "SortTable: cannot sort the view");
    }
    tbl_sort_clear(&old);
    mapirt_free(old_mvi);
    if (rows)
        install_rows(v, rows, n, cap);
    else
        tbl_discard_bookmarks(v);
    TBL_UNLOCK(v);
    return S_OK;
}

HRESULT tbl_view_QuerySortOrder(tbl_view *v, LPSSortOrderSet *lppSortCriteria)
{
    LPSSortOrderSet s;

    TBL_LOCK(v);
    if (FAILED(v->t->alloc(CbNewSSortOrderSet(v->sort.n), (void **)&s)))
        return tbl_unlock_fail(v, MAPI_E_NOT_ENOUGH_MEMORY, "QuerySortOrder: out of memory");
    s->cSorts = v->sort.n;
    s->cCategories = 0;
    s->cExpanded = 0;
    if (v->sort.n)
        memcpy(s->aSort, v->sort.keys, v->sort.n * sizeof(SSortOrder));
    *lppSortCriteria = s;
    TBL_UNLOCK(v);
    return S_OK;
}

/* ---- reading -------------------------------------------------------------------------- */

static void free_rowset(tbl_data *t, LPSRowSet set)
{
    for (ULONG i = 0; i < set->cRows; i++)
        t->freebuf(set->aRow[i].lpProps);
    t->freebuf(set);
}

HRESULT tbl_view_QueryRows(tbl_view *v, LONG lRowCount, ULONG ulFlags, LPSRowSet *lppRows)
{
    tbl_data *t = v->t;
    ULONG cur, start, count, ncols, newpos;
    SPropValue *vals = NULL;
    tbl_val *scratch;
    tbl_plan plan = {0};
    LPSRowSet set;

    TBL_LOCK(v);
    if (lRowCount == 0)
        return tbl_unlock_fail(v, MAPI_E_INVALID_PARAMETER, "QueryRows: zero row count");
    cur = v->marks[0].pos;
    if (lRowCount > 0) {
        start = cur;
        count = (ULONG)lRowCount < v->n - cur ? (ULONG)lRowCount : v->n - cur;
        newpos = (ulFlags & TBL_NOADVANCE) ? cur : cur + count;
    } else {
        /* The reference: a negative count moves the start back, then rows are read forwards;
         * the cursor ends after the last row read, or with TBL_NOADVANCE on the first one. */
        ULONG back = 0u - (ULONG)lRowCount; /* |lRowCount|, even for the most negative */
        start = cur > back ? cur - back : 0;
        count = cur - start;
        newpos = (ulFlags & TBL_NOADVANCE) ? start : cur;
    }
    ncols = v->cols->cValues;
    if (FAILED(t->alloc(CbNewSRowSet(count), (void **)&set)))
        return tbl_unlock_fail(v, MAPI_E_NOT_ENOUGH_MEMORY, "QueryRows: out of memory");
    set->cRows = 0;
    if (count && ncols) {
        vals = mapirt_calloc(ncols, sizeof(SPropValue) + sizeof(tbl_val) + sizeof(int32_t));
        if (!vals) {
            free_rowset(t, set);
            return tbl_unlock_fail(v, MAPI_E_NOT_ENOUGH_MEMORY, "QueryRows: out of memory");
        }
    }
    /* Only with rows to read is there scratch space (pointer arithmetic on NULL is undefined). */
    scratch = vals ? (tbl_val *)(vals + ncols) : NULL;
    plan.ncols = ncols;
    plan.at = vals ? (int32_t *)(scratch + ncols) : NULL;
    for (ULONG i = 0; i < count; i++) {
        char *props = NULL;
        size_t cb = (size_t)ncols * sizeof(SPropValue);
        if (i + 32 < count)
            tbl_prefetch_slot(t, v->rows[start + i + 32].id);
        if (i + 16 < count)
            tbl_prefetch_rec(t, v->rows[start + i + 16].id);
        if (ncols) {
            /* The values as the view shows them, pointing into the rows; then their sizes and
             * one copy into the caller's buffer, laid out as ScCopyProps lays it out. */
            tbl_view_columns(v, &v->rows[start + i], vals, scratch, &plan);
            for (ULONG k = 0; k < ncols; k++) {
                size_t n = 0;
                mapirt_prop_data_size(&vals[k], NULL, &n);
                cb += n;
            }
            if (cb > 0xFFFFFFFFu || FAILED(t->alloc((ULONG)cb, (void **)&props))) {
                mapirt_free(vals);
                free_rowset(t, set);
                return tbl_unlock_fail(v, MAPI_E_NOT_ENOUGH_MEMORY, "QueryRows: out of memory");
            }
            char *cursor = props + (size_t)ncols * sizeof(SPropValue);
            for (ULONG k = 0; k < ncols; k++)
                mapirt_prop_copy_data((SPropValue *)props + k, &vals[k], &cursor);
        }
        set->aRow[i].ulAdrEntryPad = 0;
        set->aRow[i].cValues = ncols;
        set->aRow[i].lpProps = (LPSPropValue)props;
        set->cRows = i + 1;
    }
    mapirt_free(vals);
    v->marks[0].pos = newpos;
    *lppRows = set;
    TBL_UNLOCK(v);
    return S_OK;
}
