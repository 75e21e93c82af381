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

static tbl_view *view_of(IMAPITable *This)
{
    return (tbl_view *)This;
}

/* Records the error for GetLastError; v->t->lock is held. */
static HRESULT fail(tbl_view *v, HRESULT hr, const char *msg)
{
    v->last_hr = hr;
    v->last_msg = msg;
    return hr;
}

#define LOCK(v) pthread_mutex_lock(&(v)->t->lock)
#define UNLOCK(v) pthread_mutex_unlock(&(v)->t->lock)

static HRESULT unlock_fail(tbl_view *v, HRESULT hr, const char *msg)
{
    fail(v, hr, msg);
    UNLOCK(v);
    return hr;
}

bool tbl_view_tryref(tbl_view *v)
{
    unsigned cur = atomic_load(&v->ref.n);

    while (cur != 0)
        if (atomic_compare_exchange_weak(&v->ref.n, &cur, cur + 1))
            return true;
    return false;
}

void tbl_view_columns(const tbl_view *v, const tbl_vrow *vr, SPropValue *vals, tbl_val *scratch,
                      ULONG *hints)
{
    for (ULONG i = 0; i < v->cols->cValues; i++) {
        ULONG tag = v->cols->aulPropTag[i];
        const SPropValue *p;

        memset(&vals[i], 0, sizeof(vals[i]));
        if (PROP_TYPE(tag) == PT_NULL) {
            /* A reserved slot (SetColumns with PR_NULL) comes back as it went in. */
            vals[i].ulPropTag = tag;
            continue;
        }
        p = tbl_value(v, vr, tag, &scratch[i], hints ? &hints[i] : NULL);
        if (p) {
            vals[i] = *p;
        } else {
            vals[i].ulPropTag = CHANGE_PROP_TYPE(tag, PT_ERROR);
            vals[i].Value.err = MAPI_E_NOT_FOUND;
        }
    }
}

static void discard_bookmarks(tbl_view *v)
{
    v->nmarks = 1;
    v->marks[0].pos = 0;
    v->marks[0].moved = false;
}

/* Position of bkOrigin; *mk receives the bookmark's mark (NULL for the predefined ones). */
static HRESULT origin(tbl_view *v, BOOKMARK bk, ULONG *pos, tbl_mark **mk)
{
    *mk = NULL;
    switch (bk) {
    case BOOKMARK_BEGINNING: *pos = 0; return S_OK;
    case BOOKMARK_CURRENT: *pos = v->marks[0].pos; return S_OK;
    case BOOKMARK_END: *pos = v->n; return S_OK;
    default:
        for (ULONG i = 1; i < v->nmarks; i++) {
            if (v->marks[i].id == bk) {
                *mk = &v->marks[i];
                *pos = v->marks[i].pos;
                return S_OK;
            }
        }
        return MAPI_E_INVALID_BOOKMARK;
    }
}

/* MAPI_W_POSITION_CHANGED once for a bookmark whose row went away since its last use. */
static HRESULT consume_moved(tbl_mark *mk)
{
    if (mk && mk->moved) {
        mk->moved = false;
        return MAPI_W_POSITION_CHANGED;
    }
    return S_OK;
}

/* Installs freshly built rows; the cursor goes back to the start and bookmarks die (Restrict,
 * SortTable and an expansion-changing SetColumns all document that). */
static void install_rows(tbl_view *v, tbl_vrow *rows, ULONG n, ULONG cap)
{
    mapirt_free(v->rows);
    v->rows = rows;
    v->n = n;
    v->cap = cap;
    discard_bookmarks(v);
}

static const tbl_vrow *old_rows_of(const tbl_view *v)
{
    return v->rows;
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

/* ---- IUnknown ------------------------------------------------------------------------- */

static ULONG view_AddRef(IMAPITable *This)
{
    return mapirt_ref_inc(&view_of(This)->ref);
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
    tbl_view *v = view_of(This);
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
    tbl_view *v = view_of(This);
    tbl_data *t = v->t;
    const char *msg;
    LPMAPIERROR e = NULL;
    bool wide = (ulFlags & MAPI_UNICODE) != 0;
    void *s1 = NULL, *s2 = NULL;

    if (ulFlags & ~MAPI_UNICODE)
        return MAPI_E_UNKNOWN_FLAGS;
    if (!lppMAPIError)
        return MAPI_E_INVALID_PARAMETER;
    LOCK(v);
    msg = v->last_hr == hResult && FAILED(hResult) ? v->last_msg : NULL;
    UNLOCK(v);
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
    tbl_view *v = view_of(This);
    HRESULT hr;

    LOCK(v);
    if (!lpAdviseSink || !lpulConnection)
        return unlock_fail(v, MAPI_E_INVALID_PARAMETER, "Advise: NULL sink or connection");
    /* Tables report nothing but fnevTableModified. */
    if (ulEventMask != fnevTableModified)
        return unlock_fail(v, MAPI_E_INVALID_PARAMETER, "Advise: event mask must be fnevTableModified");
    hr = mapirt_advise_add(v->advise, ulEventMask, lpAdviseSink, lpulConnection);
    if (FAILED(hr))
        return unlock_fail(v, hr, "Advise: cannot register the sink");
    v->nsinks++;
    UNLOCK(v);
    return S_OK;
}

static HRESULT view_Unadvise(IMAPITable *This, ULONG_PTR ulConnection)
{
    tbl_view *v = view_of(This);
    /* Outside the lock: removing releases the sink, whose Release may call back into us. */
    HRESULT hr = mapirt_advise_remove(v->advise, ulConnection);

    LOCK(v);
    if (FAILED(hr))
        return unlock_fail(v, hr, "Unadvise: unknown connection");
    if (v->nsinks)
        v->nsinks--;
    UNLOCK(v);
    return S_OK;
}

static HRESULT view_GetStatus(IMAPITable *This, ULONG *lpulTableStatus, ULONG *lpulTableType)
{
    tbl_view *v = view_of(This);

    LOCK(v);
    if (!lpulTableStatus || !lpulTableType)
        return unlock_fail(v, MAPI_E_INVALID_PARAMETER, "GetStatus: NULL output");
    *lpulTableStatus = TBLSTAT_COMPLETE;
    *lpulTableType = v->t->type;
    UNLOCK(v);
    return S_OK;
}

static HRESULT view_WaitForCompletion(IMAPITable *This, ULONG ulFlags, ULONG ulTimeout,
                                      ULONG *lpulTableStatus)
{
    tbl_view *v = view_of(This);

    (void)ulTimeout;
    LOCK(v);
    if (ulFlags)
        return unlock_fail(v, MAPI_E_UNKNOWN_FLAGS, "WaitForCompletion: flags must be zero");
    if (lpulTableStatus)
        *lpulTableStatus = TBLSTAT_COMPLETE;
    UNLOCK(v);
    return S_OK;
}

static HRESULT view_Abort(IMAPITable *This)
{
    (void)This;
    return S_OK;
}

/* ---- columns -------------------------------------------------------------------------- */

static HRESULT view_SetColumns(IMAPITable *This, LPSPropTagArray lpPropTagArray, ULONG ulFlags)
{
    tbl_view *v = view_of(This);
    LPSPropTagArray cols, old_cols;
    ULONG *mvi, nmvi, *old_mvi, old_nmvi, n, cap;
    tbl_vrow *rows;
    HRESULT hr;

    LOCK(v);
    if (ulFlags & ~(TBL_ASYNC | TBL_BATCH))
        return unlock_fail(v, MAPI_E_UNKNOWN_FLAGS, "SetColumns: unknown flags");
    if (!lpPropTagArray || lpPropTagArray->cValues == 0 || FBadColumnSet(lpPropTagArray))
        return unlock_fail(v, MAPI_E_INVALID_PARAMETER, "SetColumns: bad column set");
    for (ULONG i = 0; i < lpPropTagArray->cValues; i++) {
        ULONG type = PROP_TYPE(lpPropTagArray->aulPropTag[i]);
        if ((type & MV_INSTANCE) && !(type & MV_FLAG))
            return unlock_fail(v, MAPI_E_INVALID_PARAMETER, "SetColumns: MV_INSTANCE without MV_FLAG");
    }
    hr = copy_tags(lpPropTagArray, &cols);
    if (FAILED(hr))
        return unlock_fail(v, hr, "SetColumns: out of memory");
    hr = tbl_mvi_compute(cols, &v->sort, &mvi, &nmvi);
    if (FAILED(hr)) {
        mapirt_free(cols);
        return unlock_fail(v, hr, "SetColumns: out of memory");
    }
    old_cols = v->cols;
    if (same_mvi(mvi, nmvi, v->mvi, v->nmvi)) {
        /* Same rows, other columns: cursor and bookmarks stay. */
        v->cols = cols;
        mapirt_free(old_cols);
        mapirt_free(mvi);
        UNLOCK(v);
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
        return unlock_fail(v, hr, "SetColumns: cannot expand the multi-valued columns");
    }
    v->cols = cols;
    mapirt_free(old_cols);
    mapirt_free(old_mvi);
    install_rows(v, rows, n, cap);
    UNLOCK(v);
    return S_OK;
}

static HRESULT view_QueryColumns(IMAPITable *This, ULONG ulFlags, LPSPropTagArray *lpPropTagArray)
{
    tbl_view *v = view_of(This);
    tbl_data *t = v->t;
    LPSPropTagArray a;
    const ULONG *tags;
    ULONG n;

    LOCK(v);
    if (ulFlags & ~TBL_ALL_COLUMNS)
        return unlock_fail(v, MAPI_E_UNKNOWN_FLAGS, "QueryColumns: unknown flags");
    if (!lpPropTagArray)
        return unlock_fail(v, MAPI_E_INVALID_PARAMETER, "QueryColumns: NULL output");
    if (ulFlags & TBL_ALL_COLUMNS) {
        tags = t->cols;
        n = t->ncols;
    } else {
        tags = v->cols->aulPropTag;
        n = v->cols->cValues;
    }
    if (FAILED(t->alloc(CbNewSPropTagArray(n), (void **)&a)))
        return unlock_fail(v, MAPI_E_NOT_ENOUGH_MEMORY, "QueryColumns: out of memory");
    a->cValues = n;
    if (n)
        memcpy(a->aulPropTag, tags, n * sizeof(ULONG));
    *lpPropTagArray = a;
    UNLOCK(v);
    return S_OK;
}

/* ---- positioning ---------------------------------------------------------------------- */

static HRESULT view_GetRowCount(IMAPITable *This, ULONG ulFlags, ULONG *lpulCount)
{
    tbl_view *v = view_of(This);

    LOCK(v);
    if (ulFlags)
        return unlock_fail(v, MAPI_E_UNKNOWN_FLAGS, "GetRowCount: flags must be zero");
    if (!lpulCount)
        return unlock_fail(v, MAPI_E_INVALID_PARAMETER, "GetRowCount: NULL output");
    *lpulCount = v->n;
    UNLOCK(v);
    return S_OK;
}

static HRESULT view_SeekRow(IMAPITable *This, BOOKMARK bkOrigin, LONG lRowCount,
                            LONG *lplRowsSought)
{
    tbl_view *v = view_of(This);
    tbl_mark *mk;
    ULONG from;
    int64_t to;
    HRESULT hr;

    LOCK(v);
    hr = origin(v, bkOrigin, &from, &mk);
    if (FAILED(hr))
        return unlock_fail(v, hr, "SeekRow: unknown bookmark");
    to = (int64_t)from + lRowCount;
    if (to < 0)
        to = 0;
    if (to > (int64_t)v->n)
        to = v->n;
    v->marks[0].pos = (ULONG)to;
    if (lplRowsSought)
        *lplRowsSought = (LONG)(to - (int64_t)from);
    hr = consume_moved(mk);
    UNLOCK(v);
    return hr;
}

static HRESULT view_SeekRowApprox(IMAPITable *This, ULONG ulNumerator, ULONG ulDenominator)
{
    tbl_view *v = view_of(This);

    LOCK(v);
    if (ulDenominator == 0 || ulNumerator > ulDenominator)
        return unlock_fail(v, MAPI_E_INVALID_PARAMETER, "SeekRowApprox: bad fraction");
    v->marks[0].pos = (ULONG)((uint64_t)v->n * ulNumerator / ulDenominator);
    UNLOCK(v);
    return S_OK;
}

static HRESULT view_QueryPosition(IMAPITable *This, ULONG *lpulRow, ULONG *lpulNumerator,
                                  ULONG *lpulDenominator)
{
    tbl_view *v = view_of(This);

    LOCK(v);
    if (!lpulRow || !lpulNumerator || !lpulDenominator)
        return unlock_fail(v, MAPI_E_INVALID_PARAMETER, "QueryPosition: NULL output");
    *lpulRow = v->marks[0].pos;
    *lpulNumerator = v->marks[0].pos;
    *lpulDenominator = v->n ? v->n : 1;
    UNLOCK(v);
    return S_OK;
}

static HRESULT view_CreateBookmark(IMAPITable *This, BOOKMARK *lpbkPosition)
{
    tbl_view *v = view_of(This);
    BOOKMARK id;
    bool taken;

    LOCK(v);
    if (!lpbkPosition)
        return unlock_fail(v, MAPI_E_INVALID_PARAMETER, "CreateBookmark: NULL output");
    if (v->nmarks > TBL_MAX_BOOKMARKS)
        return unlock_fail(v, MAPI_E_UNABLE_TO_COMPLETE, "CreateBookmark: too many bookmarks");
    if (v->nmarks == v->capmarks) {
        ULONG cap = v->capmarks * 2;
        tbl_mark *m = mapirt_realloc(v->marks, cap * sizeof(tbl_mark));
        if (!m)
            return unlock_fail(v, MAPI_E_NOT_ENOUGH_MEMORY, "CreateBookmark: out of memory");
        v->marks = m;
        v->capmarks = cap;
    }
    /* Numbers are not reused soon, so a freed bookmark stays invalid. */
    do {
        id = v->next_bk++;
        if (id <= BOOKMARK_END)
            continue;
        taken = false;
        for (ULONG i = 1; i < v->nmarks && !taken; i++)
            taken = v->marks[i].id == id;
    } while (id <= BOOKMARK_END || taken);
    v->marks[v->nmarks] = (tbl_mark){.id = id, .pos = v->marks[0].pos};
    v->nmarks++;
    *lpbkPosition = id;
    UNLOCK(v);
    return S_OK;
}

static HRESULT view_FreeBookmark(IMAPITable *This, BOOKMARK bkPosition)
{
    tbl_view *v = view_of(This);

    if (bkPosition <= BOOKMARK_END)
        return S_OK; /* the predefined bookmarks are never freed */
    LOCK(v);
    for (ULONG i = 1; i < v->nmarks; i++) {
        if (v->marks[i].id == bkPosition) {
            v->marks[i] = v->marks[--v->nmarks];
            UNLOCK(v);
            return S_OK;
        }
    }
    return unlock_fail(v, MAPI_E_INVALID_BOOKMARK, "FreeBookmark: unknown bookmark");
}

/* ---- finding, restricting, sorting ---------------------------------------------------- */

static HRESULT view_FindRow(IMAPITable *This, LPSRestriction lpRestriction, BOOKMARK bkOrigin,
                            ULONG ulFlags)
{
    tbl_view *v = view_of(This);
    tbl_res *res;
    tbl_mark *mk;
    ULONG from;
    HRESULT hr;

    LOCK(v);
    if (ulFlags & ~DIR_BACKWARD)
        return unlock_fail(v, MAPI_E_UNKNOWN_FLAGS, "FindRow: unknown flags");
    if (!lpRestriction)
        return unlock_fail(v, MAPI_E_INVALID_PARAMETER, "FindRow: NULL restriction");
    hr = origin(v, bkOrigin, &from, &mk);
    if (FAILED(hr))
        return unlock_fail(v, hr, "FindRow: unknown bookmark");
    hr = tbl_res_compile(lpRestriction, &res);
    if (FAILED(hr))
        return unlock_fail(v, hr, "FindRow: restriction not supported");
    hr = MAPI_E_NOT_FOUND;
    if (ulFlags & DIR_BACKWARD) {
        /* Backwards the search starts with the row before the origin. */
        for (ULONG i = from; i-- > 0;) {
            if (tbl_res_eval(v, res, &v->rows[i])) {
                v->marks[0].pos = i;
                hr = S_OK;
                break;
            }
        }
    } else {
        for (ULONG i = from; i < v->n; i++) {
            if (tbl_res_eval(v, res, &v->rows[i])) {
                v->marks[0].pos = i;
                hr = S_OK;
                break;
            }
        }
    }
    tbl_res_free(res);
    if (hr == S_OK)
        hr = consume_moved(mk);
    else
        fail(v, hr, "FindRow: no row matches");
    UNLOCK(v);
    return hr;
}

static HRESULT view_Restrict(IMAPITable *This, LPSRestriction lpRestriction, ULONG ulFlags)
{
    tbl_view *v = view_of(This);
    tbl_res *res = NULL, *old;
    tbl_vrow *rows;
    ULONG n, cap;
    HRESULT hr;

    LOCK(v);
    if (ulFlags & ~(TBL_ASYNC | TBL_BATCH))
        return unlock_fail(v, MAPI_E_UNKNOWN_FLAGS, "Restrict: unknown flags");
    if (lpRestriction) {
        hr = tbl_res_compile(lpRestriction, &res);
        if (FAILED(hr))
            return unlock_fail(v, hr, "Restrict: restriction not supported");
    }
    old = v->res;
    v->res = res;
    hr = tbl_build_rows(v, &rows, &n, &cap);
    if (FAILED(hr)) {
        v->res = old;
        tbl_res_free(res);
        return unlock_fail(v, hr, "Restrict: cannot build the view");
    }
    tbl_res_free(old);
    install_rows(v, rows, n, cap);
    UNLOCK(v);
    return S_OK;
}

static HRESULT view_SortTable(IMAPITable *This, LPSSortOrderSet lpSortCriteria, ULONG ulFlags)
{
    tbl_view *v = view_of(This);
    tbl_sort sort, old;
    ULONG *mvi, nmvi, *old_mvi, old_nmvi, n, cap;
    tbl_vrow *rows;
    HRESULT hr;

    LOCK(v);
    if (ulFlags & ~(TBL_ASYNC | TBL_BATCH))
        return unlock_fail(v, MAPI_E_UNKNOWN_FLAGS, "SortTable: unknown flags");
    if (!lpSortCriteria)
        return unlock_fail(v, MAPI_E_INVALID_PARAMETER, "SortTable: NULL sort order");
    hr = tbl_sort_compile(lpSortCriteria, &sort);
    if (FAILED(hr))
        return unlock_fail(v, hr, "SortTable: sort order not supported");
    hr = tbl_mvi_compute(v->cols, &sort, &mvi, &nmvi);
    if (FAILED(hr)) {
        tbl_sort_clear(&sort);
        return unlock_fail(v, hr, "SortTable: out of memory");
    }
    /* Build under the new order; on failure the old one stays in effect, as MAPI requires. */
    bool same_rows = same_mvi(mvi, nmvi, v->mvi, v->nmvi);
    old = v->sort;
    old_mvi = v->mvi;
    old_nmvi = v->nmvi;
    v->sort = sort;
    v->mvi = mvi;
    v->nmvi = nmvi;
    if (same_rows) {
        /* The same rows in another order: no need to filter the table again. */
        cap = v->n ? v->n : 1;
        n = v->n;
        rows = mapirt_malloc(cap * sizeof(tbl_vrow));
        hr = rows ? S_OK : MAPI_E_NOT_ENOUGH_MEMORY;
        if (rows) {
            memcpy(rows, old_rows_of(v), n * sizeof(tbl_vrow));
            hr = tbl_sort_rows(v, rows, n);
            if (FAILED(hr)) {
                mapirt_free(rows);
                rows = NULL;
            }
        }
    } else {
        hr = tbl_build_rows(v, &rows, &n, &cap);
    }
    if (FAILED(hr)) {
        v->sort = old;
        v->mvi = old_mvi;
        v->nmvi = old_nmvi;
        tbl_sort_clear(&sort);
        mapirt_free(mvi);
        return unlock_fail(v, hr, "SortTable: cannot sort the view");
    }
    tbl_sort_clear(&old);
    mapirt_free(old_mvi);
    install_rows(v, rows, n, cap);
    UNLOCK(v);
    return S_OK;
}

static HRESULT view_QuerySortOrder(IMAPITable *This, LPSSortOrderSet *lppSortCriteria)
{
    tbl_view *v = view_of(This);
    LPSSortOrderSet s;

    LOCK(v);
    if (!lppSortCriteria)
        return unlock_fail(v, MAPI_E_INVALID_PARAMETER, "QuerySortOrder: NULL output");
    if (FAILED(v->t->alloc(CbNewSSortOrderSet(v->sort.n), (void **)&s)))
        return unlock_fail(v, MAPI_E_NOT_ENOUGH_MEMORY, "QuerySortOrder: out of memory");
    s->cSorts = v->sort.n;
    s->cCategories = 0;
    s->cExpanded = 0;
    if (v->sort.n)
        memcpy(s->aSort, v->sort.keys, v->sort.n * sizeof(SSortOrder));
    *lppSortCriteria = s;
    UNLOCK(v);
    return S_OK;
}

/* ---- reading -------------------------------------------------------------------------- */

static void free_rowset(tbl_data *t, LPSRowSet set)
{
    for (ULONG i = 0; i < set->cRows; i++)
        t->freebuf(set->aRow[i].lpProps);
    t->freebuf(set);
}

static HRESULT view_QueryRows(IMAPITable *This, LONG lRowCount, ULONG ulFlags, LPSRowSet *lppRows)
{
    tbl_view *v = view_of(This);
    tbl_data *t = v->t;
    ULONG cur, start, count, ncols, newpos;
    SPropValue *vals = NULL;
    tbl_val *scratch;
    ULONG *hints;
    LPSRowSet set;

    LOCK(v);
    if (ulFlags & ~TBL_NOADVANCE)
        return unlock_fail(v, MAPI_E_UNKNOWN_FLAGS, "QueryRows: unknown flags");
    if (lRowCount == 0 || !lppRows)
        return unlock_fail(v, MAPI_E_INVALID_PARAMETER, "QueryRows: zero row count or NULL output");
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
        return unlock_fail(v, MAPI_E_NOT_ENOUGH_MEMORY, "QueryRows: out of memory");
    set->cRows = 0;
    if (count && ncols) {
        vals = mapirt_calloc(ncols, sizeof(SPropValue) + sizeof(tbl_val) + sizeof(ULONG));
        if (!vals) {
            free_rowset(t, set);
            return unlock_fail(v, MAPI_E_NOT_ENOUGH_MEMORY, "QueryRows: out of memory");
        }
    }
    scratch = (tbl_val *)(vals + ncols);
    hints = (ULONG *)(scratch + ncols);
    for (ULONG i = 0; i < count; i++) {
        void *props = NULL;
        ULONG cb = 0;
        if (ncols) {
            tbl_view_columns(v, &v->rows[start + i], vals, scratch, hints);
            if (FAILED(ScCountProps((int)ncols, vals, &cb)) || FAILED(t->alloc(cb, &props)) ||
                FAILED(ScCopyProps((int)ncols, vals, props, NULL))) {
                if (props)
                    t->freebuf(props);
                mapirt_free(vals);
                free_rowset(t, set);
                return unlock_fail(v, MAPI_E_NOT_ENOUGH_MEMORY, "QueryRows: out of memory");
            }
        }
        set->aRow[i].ulAdrEntryPad = 0;
        set->aRow[i].cValues = ncols;
        set->aRow[i].lpProps = props;
        set->cRows = i + 1;
    }
    mapirt_free(vals);
    v->marks[0].pos = newpos;
    *lppRows = set;
    UNLOCK(v);
    return S_OK;
}

/* ---- categories: none (see the top of the file) --------------------------------------- */

static HRESULT view_ExpandRow(IMAPITable *This, ULONG cbInstanceKey, LPBYTE pbInstanceKey,
                              ULONG ulRowCount, ULONG ulFlags, LPSRowSet *lppRows,
                              ULONG *lpulMoreRows)
{
    tbl_view *v = view_of(This);

    (void)cbInstanceKey, (void)pbInstanceKey, (void)ulRowCount, (void)ulFlags, (void)lppRows,
        (void)lpulMoreRows;
    LOCK(v);
    return unlock_fail(v, MAPI_E_NO_SUPPORT, "ExpandRow: the table has no categories");
}

static HRESULT view_CollapseRow(IMAPITable *This, ULONG cbInstanceKey, LPBYTE pbInstanceKey,
                                ULONG ulFlags, ULONG *lpulRowCount)
{
    tbl_view *v = view_of(This);

    (void)cbInstanceKey, (void)pbInstanceKey, (void)ulFlags, (void)lpulRowCount;
    LOCK(v);
    return unlock_fail(v, MAPI_E_NO_SUPPORT, "CollapseRow: the table has no categories");
}

static HRESULT view_GetCollapseState(IMAPITable *This, ULONG ulFlags, ULONG cbInstanceKey,
                                     LPBYTE lpbInstanceKey, ULONG *lpcbCollapseState,
                                     LPBYTE *lppbCollapseState)
{
    tbl_view *v = view_of(This);

    (void)ulFlags, (void)cbInstanceKey, (void)lpbInstanceKey, (void)lpcbCollapseState,
        (void)lppbCollapseState;
    LOCK(v);
    return unlock_fail(v, MAPI_E_NO_SUPPORT, "GetCollapseState: the table has no categories");
}

static HRESULT view_SetCollapseState(IMAPITable *This, ULONG ulFlags, ULONG cbCollapseState,
                                     LPBYTE pbCollapseState, BOOKMARK *lpbkLocation)
{
    tbl_view *v = view_of(This);

    (void)ulFlags, (void)cbCollapseState, (void)pbCollapseState, (void)lpbkLocation;
    LOCK(v);
    return unlock_fail(v, MAPI_E_NO_SUPPORT, "SetCollapseState: the table has no categories");
}

MAPIRT_DEFINE_VTBL(IMAPITable, view_vtbl,
    .AddRef = view_AddRef,
    .Release = view_Release,
    .GetLastError = view_GetLastError,
    .Advise = view_Advise,
    .Unadvise = view_Unadvise,
    .GetStatus = view_GetStatus,
    .SetColumns = view_SetColumns,
    .QueryColumns = view_QueryColumns,
    .GetRowCount = view_GetRowCount,
    .SeekRow = view_SeekRow,
    .SeekRowApprox = view_SeekRowApprox,
    .QueryPosition = view_QueryPosition,
    .FindRow = view_FindRow,
    .Restrict = view_Restrict,
    .CreateBookmark = view_CreateBookmark,
    .FreeBookmark = view_FreeBookmark,
    .SortTable = view_SortTable,
    .QuerySortOrder = view_QuerySortOrder,
    .QueryRows = view_QueryRows,
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
    v->iface.lpVtbl = MAPIRT_VTBL(view_vtbl);
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
