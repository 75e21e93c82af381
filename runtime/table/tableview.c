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

bool tbl_view_tryref(tbl_view *v)
{
    unsigned cur = atomic_load(&v->ref.n);

    while (cur != 0)
        if (atomic_compare_exchange_weak(&v->ref.n, &cur, cur + 1))
            return true;
    return false;
}

/* ---- IUnknown ------------------------------------------------------------------------- */

static ULONG view_AddRef(IMAPITable *This)
{
    return mapirt_ref_inc(&tbl_view_of(This)->ref);
}

static void view_destroy(tbl_view *v)
{
    tbl_data *t = v->t;

    pthread_mutex_lock(&t->lock);
    if (v->prev)
        v->prev->next = v->next;
    else
        t->views = v->next;
    if (v->next)
        v->next->prev = v->prev;
    pthread_mutex_unlock(&t->lock);

    if (v->on_release)
        v->on_release(v->caller_data, &t->iface, &v->iface);
    mapirt_advise_list_destroy(v->advise);
    mapirt_free(v->cols);
    tbl_sort_clear(&v->sort);
    tbl_res_free(v->res);
    mapirt_free(v->mvi);
    mapirt_free(v->rows);
    mapirt_free(v->marks);
    mapirt_free(v);
    t->iface.lpVtbl->Release(&t->iface);
}

static ULONG view_Release(IMAPITable *This)
{
    tbl_view *v = tbl_view_of(This);
    ULONG n = mapirt_ref_dec(&v->ref);

    if (n == 0)
        view_destroy(v);
    return n;
}

/* ---- errors, notifications, status ---------------------------------------------------- */

static HRESULT view_GetLastError(IMAPITable *This, HRESULT hResult, ULONG ulFlags,
    LPMAPIERROR *lppMAPIError)
{
    static const char component[] = "mapirt in-memory table";
    tbl_view *v = tbl_view_of(This);
    tbl_data *t = v->t;
    const char *msg;
    LPMAPIERROR e = NULL;
    bool wide = (ulFlags & MAPI_UNICODE) != 0;
    void *s1 = NULL, *s2 = NULL;

    if (ulFlags & ~MAPI_UNICODE)
        return MAPI_E_UNKNOWN_FLAGS;
    if (!lppMAPIError)
        return MAPI_E_INVALID_PARAMETER;
    TBL_LOCK(v);
    msg = v->last_hr == hResult && FAILED(hResult) ? v->last_msg : NULL;
    TBL_UNLOCK(v);
    if (!msg) {
        *lppMAPIError = NULL;
        return S_OK;
    }
    size_t l1 = strlen(msg) + 1, l2 = sizeof(component), unit = wide ? sizeof(WCHAR) : 1;
    if (FAILED(t->alloc(sizeof(MAPIERROR), (void **)&e)) ||
        FAILED(t->more((ULONG)(l1 * unit), e, &s1)) ||
        FAILED(t->more((ULONG)(l2 * unit), e, &s2))) {
        if (e)
            t->freebuf(e);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    /* The texts are ASCII: widening them needs no conversion tables. */
    if (wide) {
        for (size_t i = 0; i < l1; i++)
            ((WCHAR *)s1)[i] = (WCHAR)msg[i];
        for (size_t i = 0; i < l2; i++)
            ((WCHAR *)s2)[i] = (WCHAR)component[i];
    } else {
        memcpy(s1, msg, l1);
        memcpy(s2, component, l2);
    }
    memset(e, 0, sizeof(*e));
    e->ulVersion = 0; /* MAPI_ERROR_VERSION */
    e->lpszError = (LPTSTR)s1;
    e->lpszComponent = (LPTSTR)s2;
    *lppMAPIError = e;
    return S_OK;
}

static HRESULT view_Advise(IMAPITable *This, ULONG ulEventMask, LPMAPIADVISESINK lpAdviseSink,
    ULONG_PTR *lpulConnection)
{
    tbl_view *v = tbl_view_of(This);
    HRESULT hr;

    TBL_LOCK(v);
    if (!lpAdviseSink || !lpulConnection)
        return tbl_unlock_fail(v, MAPI_E_INVALID_PARAMETER, "Advise: NULL sink or connection");
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

static HRESULT view_Unadvise(IMAPITable *This, ULONG_PTR ulConnection)
{
    tbl_view *v = tbl_view_of(This);
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

static HRESULT view_GetStatus(IMAPITable *This, ULONG *lpulTableStatus, ULONG *lpulTableType)
{
    tbl_view *v = tbl_view_of(This);

    TBL_LOCK(v);
    if (!lpulTableStatus || !lpulTableType)
        return tbl_unlock_fail(v, MAPI_E_INVALID_PARAMETER, "GetStatus: NULL output");
    *lpulTableStatus = TBLSTAT_COMPLETE;
    *lpulTableType = v->t->type;
    TBL_UNLOCK(v);
    return S_OK;
}

static HRESULT view_WaitForCompletion(IMAPITable *This, ULONG ulFlags, ULONG ulTimeout,
    ULONG *lpulTableStatus)
{
    tbl_view *v = tbl_view_of(This);

    (void)ulTimeout;
    TBL_LOCK(v);
    if (ulFlags)
        return tbl_unlock_fail(v, MAPI_E_UNKNOWN_FLAGS, "WaitForCompletion: flags must be zero");
    if (lpulTableStatus)
        *lpulTableStatus = TBLSTAT_COMPLETE;
    TBL_UNLOCK(v);
    return S_OK;
}

static HRESULT view_Abort(IMAPITable *This)
{
    (void)This;
    return S_OK;
}

/* ---- categories: none (see the top of the file) --------------------------------------- */

static HRESULT view_ExpandRow(IMAPITable *This, ULONG cbInstanceKey, LPBYTE pbInstanceKey,
    ULONG ulRowCount, ULONG ulFlags, LPSRowSet *lppRows,
    ULONG *lpulMoreRows)
{
    tbl_view *v = tbl_view_of(This);

    (void)cbInstanceKey, (void)pbInstanceKey, (void)ulRowCount, (void)ulFlags, (void)lppRows,
        (void)lpulMoreRows;
    TBL_LOCK(v);
    return tbl_unlock_fail(v, MAPI_E_NO_SUPPORT, "ExpandRow: the table has no categories");
}

static HRESULT view_CollapseRow(IMAPITable *This, ULONG cbInstanceKey, LPBYTE pbInstanceKey,
    ULONG ulFlags, ULONG *lpulRowCount)
{
    tbl_view *v = tbl_view_of(This);

    (void)cbInstanceKey, (void)pbInstanceKey, (void)ulFlags, (void)lpulRowCount;
    TBL_LOCK(v);
    return tbl_unlock_fail(v, MAPI_E_NO_SUPPORT, "CollapseRow: the table has no categories");
}

static HRESULT view_GetCollapseState(IMAPITable *This, ULONG ulFlags, ULONG cbInstanceKey,
    LPBYTE lpbInstanceKey, ULONG *lpcbCollapseState,
    LPBYTE *lppbCollapseState)
{
    tbl_view *v = tbl_view_of(This);

    (void)ulFlags, (void)cbInstanceKey, (void)lpbInstanceKey, (void)lpcbCollapseState,
        (void)lppbCollapseState;
    TBL_LOCK(v);
    return tbl_unlock_fail(v, MAPI_E_NO_SUPPORT, "GetCollapseState: the table has no categories");
}

static HRESULT view_SetCollapseState(IMAPITable *This, ULONG ulFlags, ULONG cbCollapseState,
    LPBYTE pbCollapseState, BOOKMARK *lpbkLocation)
{
    tbl_view *v = tbl_view_of(This);

    (void)ulFlags, (void)cbCollapseState, (void)pbCollapseState, (void)lpbkLocation;
    TBL_LOCK(v);
    return tbl_unlock_fail(v, MAPI_E_NO_SUPPORT, "SetCollapseState: the table has no categories");
}

MAPIRT_DEFINE_VTBL(IMAPITable, view_vtbl,
    .AddRef = view_AddRef,
    .Release = view_Release,
    .GetLastError = view_GetLastError,
    .Advise = view_Advise,
    .Unadvise = view_Unadvise,
    .GetStatus = view_GetStatus,
    .SetColumns = tbl_view_SetColumns,
    .QueryColumns = tbl_view_QueryColumns,
    .GetRowCount = tbl_view_GetRowCount,
    .SeekRow = tbl_view_SeekRow,
    .SeekRowApprox = tbl_view_SeekRowApprox,
    .QueryPosition = tbl_view_QueryPosition,
    .FindRow = tbl_view_FindRow,
    .Restrict = tbl_view_Restrict,
    .CreateBookmark = tbl_view_CreateBookmark,
    .FreeBookmark = tbl_view_FreeBookmark,
    .SortTable = tbl_view_SortTable,
    .QuerySortOrder = tbl_view_QuerySortOrder,
    .QueryRows = tbl_view_QueryRows,
    .Abort = view_Abort,
    .ExpandRow = view_ExpandRow,
    .CollapseRow = view_CollapseRow,
    .WaitForCompletion = view_WaitForCompletion,
    .GetCollapseState = view_GetCollapseState,
    .SetCollapseState = view_SetCollapseState)

HRESULT tbl_view_create(tbl_data *t, const SSortOrderSet *sort, CALLERRELEASE *cb,
    ULONG_PTR data, tbl_view **out)
{
    tbl_view *v = mapirt_calloc(1, sizeof(*v));
    HRESULT hr;

    if (!v)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    mapirt_ref_init(&v->ref);
    v->t = t;
    v->on_release = cb;
    v->caller_data = data;
    v->next_bk = BOOKMARK_END + 1;
    v->marks = mapirt_calloc(4, sizeof(tbl_mark));
    if (!v->marks) {
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
        goto fail;
    }
    v->capmarks = 4;
    v->nmarks = 1;
    v->marks[0].id = BOOKMARK_CURRENT;
    /* A new view shows every column the table has had so far. */
    v->cols = mapirt_malloc(CbNewSPropTagArray(t->ncols));
    if (!v->cols) {
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
        goto fail;
    }
    v->cols->cValues = t->ncols;
    if (t->ncols)
        memcpy(v->cols->aulPropTag, t->cols, t->ncols * sizeof(ULONG));
    if (FAILED(hr = tbl_sort_compile(sort, &v->sort)) ||
        FAILED(hr = tbl_mvi_compute(v->cols, &v->sort, &v->mvi, &v->nmvi)) ||
        FAILED(hr = tbl_build_rows(v, &v->rows, &v->n, &v->cap)) ||
        FAILED(hr = mapirt_advise_list_create(&v->advise)))
        goto fail;
    v->iface.lpVtbl = MAPIRT_VTBL_VALIDATED(view_vtbl);
    v->next = t->views;
    if (t->views)
        t->views->prev = v;
    t->views = v;
    mapirt_ref_inc(&t->ref);
    *out = v;
    return S_OK;
fail:
    mapirt_free(v->cols);
    tbl_sort_clear(&v->sort);
    mapirt_free(v->mvi);
    mapirt_free(v->rows);
    mapirt_free(v->marks);
    mapirt_free(v);
    return hr;
}
