/* tableview.c: IMAPITable views of an ITableData (ITableData::HrGetView).
 *
 * A view holds its visible rows in its own order (see table_internal.h) and a cursor that
 * stays on its row while the data changes. Every operation is synchronous: TBL_ASYNC and
 * TBL_BATCH are accepted and the work is done before the call returns, so GetStatus always
 * reports TBLSTAT_COMPLETE, WaitForCompletion returns at once and Abort has nothing to stop
 * (S_OK). Categorised sorts are refused with MAPI_E_TOO_COMPLEX (see sort.c), so there are
 * never category rows: ExpandRow, CollapseRow, GetCollapseState and SetCollapseState return
 * MAPI_E_NO_SUPPORT, which IMAPITable documents for tables without categories. */
#include <stdlib.h>
#include <string.h>

#include "table_internal.h"
#include "tbl_view_object.h"

/* ---- lifetime --------------------------------------------------------------------------- */

static void tbl_view_destroy(tbl_view *v)
{
    tbl_data *t = v->t;

    if (t != NULL) {
        pthread_mutex_lock(&t->lock);
        if (v->prev)
            v->prev->next = v->next;
        else
            t->views = v->next;
        if (v->next)
            v->next->prev = v->prev;
        pthread_mutex_unlock(&t->lock);
        if (v->on_release)
            v->on_release(v->caller_data, tbl_data_as_ITableData(t), tbl_view_as_IMAPITable(v));
    }
    mapirt_advise_list_destroy(v->advise);
    mapirt_free(v->cols);
    tbl_sort_clear(&v->sort);
    tbl_res_free(v->res);
    mapirt_free(v->mvi);
    mapirt_free(v->rows);
    mapirt_free(v->marks);
    if (t != NULL)
        tbl_data_release(t);
}

/* ---- notifications, status ------------------------------------------------------------ */

static HRESULT tbl_view_Advise(tbl_view *v, ULONG ulEventMask, LPMAPIADVISESINK lpAdviseSink,
    ULONG_PTR *lpulConnection)
{
    HRESULT hr;

    TBL_LOCK(v);
    /* Tables report nothing but fnevTableModified. */
    if (ulEventMask != fnevTableModified)
        return tbl_unlock_fail(v, MAPI_E_INVALID_PARAMETER, "Advise: event mask must be fnevTableModified");
    hr = mapirt_advise_add(v->advise, ulEventMask, lpAdviseSink, lpulConnection);
    if (FAILED(hr))
        return tbl_unlock_fail(v, hr, "Advise: cannot register the sink");
    v->nsinks++;
    TBL_UNLOCK(v);
    return S_OK;
}

static HRESULT tbl_view_Unadvise(tbl_view *v, ULONG_PTR ulConnection)
{
    /* Outside the lock: removing releases the sink, whose Release may call back into us. */
    HRESULT hr = mapirt_advise_remove(v->advise, ulConnection);

    TBL_LOCK(v);
    if (FAILED(hr))
        return tbl_unlock_fail(v, hr, "Unadvise: unknown connection");
    if (v->nsinks)
        v->nsinks--;
    TBL_UNLOCK(v);
    return S_OK;
}

static HRESULT tbl_view_GetStatus(tbl_view *v, ULONG *lpulTableStatus, ULONG *lpulTableType)
{
    TBL_LOCK(v);
    *lpulTableStatus = TBLSTAT_COMPLETE;
    *lpulTableType = v->t->type;
    TBL_UNLOCK(v);
    return S_OK;
}

static HRESULT tbl_view_WaitForCompletion(tbl_view *v, ULONG ulFlags, ULONG ulTimeout,
    ULONG *lpulTableStatus)
{
    (void)v, (void)ulFlags, (void)ulTimeout;
    if (lpulTableStatus)
        *lpulTableStatus = TBLSTAT_COMPLETE;
    return S_OK;
}

static HRESULT tbl_view_Abort(tbl_view *v)
{
    (void)v;
    return S_OK;
}

/* ---- categories: none (see the top of the file) --------------------------------------- */

static HRESULT tbl_view_ExpandRow(tbl_view *v, ULONG cbInstanceKey, LPBYTE pbInstanceKey,
    ULONG ulRowCount, ULONG ulFlags, LPSRowSet *lppRows, ULONG *lpulMoreRows)
{
    (void)cbInstanceKey, (void)pbInstanceKey, (void)ulRowCount, (void)ulFlags, (void)lppRows,
        (void)lpulMoreRows;
    return tbl_fail(v, MAPI_E_NO_SUPPORT, "ExpandRow: the table has no categories");
}

static HRESULT tbl_view_CollapseRow(tbl_view *v, ULONG cbInstanceKey, LPBYTE pbInstanceKey,
    ULONG ulFlags, ULONG *lpulRowCount)
{
    (void)cbInstanceKey, (void)pbInstanceKey, (void)ulFlags, (void)lpulRowCount;
    return tbl_fail(v, MAPI_E_NO_SUPPORT, "CollapseRow: the table has no categories");
}

static HRESULT tbl_view_GetCollapseState(tbl_view *v, ULONG ulFlags, ULONG cbInstanceKey,
    LPBYTE lpbInstanceKey, ULONG *lpcbCollapseState, LPBYTE *lppbCollapseState)
{
    (void)ulFlags, (void)cbInstanceKey, (void)lpbInstanceKey, (void)lpcbCollapseState,
        (void)lppbCollapseState;
    return tbl_fail(v, MAPI_E_NO_SUPPORT, "GetCollapseState: the table has no categories");
}

static HRESULT tbl_view_SetCollapseState(tbl_view *v, ULONG ulFlags, ULONG cbCollapseState,
    LPBYTE pbCollapseState, BOOKMARK *lpbkLocation)
{
    (void)ulFlags, (void)cbCollapseState, (void)pbCollapseState, (void)lpbkLocation;
    return tbl_fail(v, MAPI_E_NO_SUPPORT, "SetCollapseState: the table has no categories");
}

HRESULT tbl_view_create(tbl_data *t, const SSortOrderSet *sort, CALLERRELEASE *cb,
    ULONG_PTR data, tbl_view **out)
{
    tbl_view *v = tbl_view_new();
    HRESULT hr;

    if (!v)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    v->next_bk = BOOKMARK_END + 1;
    v->marks = mapirt_calloc(4, sizeof(tbl_mark));
    if (!v->marks) {
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
        goto fail;
    }
    v->capmarks = 4;
    v->nmarks = 1;
    v->marks[0].id = BOOKMARK_CURRENT;
    v->marks[0].follow = TBL_NO_ROW;
    /* A new view shows every column the table has had so far. */
    v->cols = mapirt_malloc(CbNewSPropTagArray(t->ncols));
    if (!v->cols) {
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
        goto fail;
    }
    v->cols->cValues = t->ncols;
    if (t->ncols)
        memcpy(v->cols->aulPropTag, t->cols, t->ncols * sizeof(ULONG));
    v->t = t; /* read by tbl_build_rows; linked (and referenced) only on success */
    if (FAILED(hr = tbl_sort_compile(sort, &v->sort)) ||
        FAILED(hr = tbl_mvi_compute(v->cols, &v->sort, &v->mvi, &v->nmvi)) ||
        FAILED(hr = tbl_build_rows(v, &v->rows, &v->n, &v->cap)) ||
        FAILED(hr = mapirt_advise_list_create(&v->advise)))
        goto fail;
    mapirt_lasterror_allocators(tbl_view_lasterror(v), t->alloc, t->more, t->freebuf);
    v->on_release = cb;
    v->caller_data = data;
    v->next = t->views;
    if (t->views)
        t->views->prev = v;
    t->views = v;
    tbl_data_addref(t);
    *out = v;
    return S_OK;
fail:
    v->t = NULL; /* not linked: the destroy hook leaves the table alone */
    tbl_view_release(v);
    return hr;
}
