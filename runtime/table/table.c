/* table.c: CreateTable and the ITableData object (rows kept in memory, views over them).
 *
 * Rows are private copies of the caller's values, encoded compactly (tablestore.c), kept in
 * table order (the HrEnumRow order: insertion order, HrInsertRow placing a row at a chosen
 * position) and in a hash on the index column, whose values are unique. Every change is checked and fully
 * prepared (copies made, room reserved in the table and in every view) before anything
 * changes, so a failing call leaves the table and its views as they were.
 *
 * Choices left open by the reference:
 *  - ulTableType is only reported by IMAPITable::GetStatus; views always follow the data.
 *  - HrInsertRow(uliRow) gives the new row position uliRow (0 = first, n = last).
 *  - HrDeleteRows without TAD_ALL_ROWS sends row events like the other bulk calls (up to
 *    eight per view, else one TABLE_CHANGED); with TAD_ALL_ROWS, TABLE_RELOAD.
 *  - HrNotify on a row that does not exist is MAPI_E_NOT_FOUND.
 *  - "Reserved, must be zero" flag words that are not zero give MAPI_E_UNKNOWN_FLAGS (the
 *    validation layer: NoFlags in idl/mapiutil.idl). */
#include <stdlib.h>
#include <string.h>

#include "table_internal.h"
#include "tbl_data_object.h"
#include <mapirt/mapiutil_impl.h>

/* ---- rows ----------------------------------------------------------------------------- */

/* An SRow for the caller: the SRow and its values in one MAPI buffer, values in the order the
 * row was given. */
static HRESULT row_for_caller(tbl_data *t, const tbl_row *r, LPSRow *out)
{
    tbl_rec rec = tbl_rec_of(t, r);
    LPSRow row = NULL;
    SPropValue *vals, *props = NULL;
    ULONG cb = 0, n = rec.sh->n;

    vals = mapirt_malloc((n ? n : 1) * sizeof(SPropValue));
    if (!vals)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    for (ULONG i = 0; i < n; i++)
        tbl_rec_get(rec, i, &vals[i]);
    if (FAILED(ScCountProps((int)n, vals, &cb)) ||
        FAILED(t->alloc(sizeof(SRow), (void **)&row)) || FAILED(t->more(cb, row, (void **)&props)) ||
        FAILED(ScCopyProps((int)n, vals, props, NULL))) {
        if (row)
            t->freebuf(row);
        mapirt_free(vals);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    mapirt_free(vals);
    row->ulAdrEntryPad = 0;
    row->cValues = n;
    row->lpProps = props;
    *out = row;
    return S_OK;
}

static bool has_col(const tbl_data *t, const ULONG *extra, ULONG nextra, ULONG tag)
{
    for (ULONG i = 0; i < t->ncols; i++)
        if (t->cols[i] == tag)
            return true;
    for (ULONG i = 0; i < nextra; i++)
        if (extra[i] == tag)
            return true;
    return false;
}

/* Tags of a shape the table has not listed as columns yet, appended to *cols (*n of *cap). */
static HRESULT new_columns(const tbl_data *t, const tbl_shape *sh, ULONG **cols, ULONG *n,
    ULONG *cap)
{
    for (ULONG k = 0; k < sh->n; k++) {
        ULONG tag = sh->tags[k];
        if (PROP_TYPE(tag) == PT_ERROR || PROP_TYPE(tag) == PT_NULL || has_col(t, *cols, *n, tag))
            continue;
        if (*n == *cap) {
            ULONG c = *cap ? *cap * 2 : 16;
            ULONG *nc = mapirt_realloc(*cols, c * sizeof(ULONG));
            if (!nc)
                return MAPI_E_NOT_ENOUGH_MEMORY;
            *cols = nc;
            *cap = c;
        }
        (*cols)[(*n)++] = tag;
    }
    return S_OK;
}

/* ---- changes -------------------------------------------------------------------------- */

/* One row of an HrModifyRow(s) / HrInsertRow call, as encoded. */
struct item {
    tbl_newrec rec; /* owned until committed */
    uint32_t hash; /* of its index value */
    tbl_rid row; /* the row it replaces (TBL_NO_ROW: none before the change) */
};

static SPropValue item_key(const tbl_data *t, const struct item *it)
{
    SPropValue k;
    tbl_rec rec = {t->shapes[it->rec.shape], tbl_arena_at(&t->arena, it->rec.ref)};
    tbl_rec_key(rec, &k);
    return k;
}

/* HrModifyRow(s) (insert < 0) and HrInsertRow (insert = position). Lock held; drops it.
 *
 * Rows are encoded straight from the caller's values into the arena (no second copy of the
 * caller's row set is made), then everything the change needs is reserved, then it is made:
 * a row whose index value exists gets the new values (the last one wins when the call names
 * it twice), any other row is appended (or placed at the position). */
static HRESULT upsert(tbl_data *t, const SRow *in, ULONG n, int64_t insert)
{
    struct item *items = NULL;
    tbl_newrec *neu = NULL;
    tbl_rid *ids = NULL; /* the rows the change modifies, then those it adds */
    ULONG nold = 0, nfresh = 0, nitems = 0, nnew = 0, nnewcols = 0, capnewcols = 0;
    ULONG *newcols = NULL, last_shape = 0;
    tbl_change c = {0};
    HRESULT hr = S_OK;
    bool committed = false;

    for (ULONG i = 0; i < n; i++)
        if ((in[i].cValues && !in[i].lpProps) ||
            !tbl_key_ok(t, PpropFindProp(in[i].lpProps, in[i].cValues, t->index_tag)))
            hr = MAPI_E_INVALID_PARAMETER;
    if (FAILED(hr)) {
        pthread_mutex_unlock(&t->lock);
        return hr;
    }
    items = mapirt_malloc(n * sizeof(*items));
    ids = mapirt_malloc(n * sizeof(*ids));
    if (t->views)
        neu = mapirt_malloc(n * sizeof(*neu)); /* only views look at the new values */
    if (!items || !ids || (t->views && !neu)) {
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
        goto out;
    }
    for (ULONG i = 0; i < n; i++) {
        struct item *it = &items[i];
        hr = tbl_store_encode(t, in[i].lpProps, in[i].cValues, &it->rec);
        if (FAILED(hr))
            goto out;
        nitems++;
        if (neu)
            neu[i] = it->rec;
        SPropValue k = item_key(t, it);
        it->hash = tbl_key_hash(&k);
        it->row = tbl_index_find(t, &k, it->hash);
        if (it->row != TBL_NO_ROW && insert >= 0) {
            hr = MAPI_E_INVALID_PARAMETER; /* HrInsertRow: the index value is taken */
            goto out;
        }
        if (it->row == TBL_NO_ROW) {
            nfresh++;
        } else if (tbl_row_at(t, it->row)->state == TBL_ROW_STABLE) {
            tbl_row_at(t, it->row)->state = TBL_ROW_MODIFIED;
            ids[nold++] = it->row;
        }
        /* Rows of one call mostly share their shape: its columns are looked at once. */
        if (it->rec.shape != last_shape) {
            last_shape = it->rec.shape;
            if (FAILED(hr = new_columns(t, t->shapes[last_shape], &newcols, &nnewcols,
                           &capnewcols)))
                goto out;
        }
    }
    if (nnewcols && t->ncols + nnewcols > t->capcols) {
        ULONG *cols = mapirt_realloc(t->cols, (t->ncols + nnewcols) * sizeof(ULONG));
        if (!cols) {
            hr = MAPI_E_NOT_ENOUGH_MEMORY;
            goto out;
        }
        t->cols = cols;
        t->capcols = t->ncols + nnewcols;
    }
    if (insert >= 0 && t->norder != t->nrows)
        tbl_order_compact(t); /* positions are row numbers from here on */
    if (FAILED(hr = tbl_store_reserve(t, nfresh)) || FAILED(hr = tbl_index_reserve(t, nfresh)) ||
        FAILED(hr = tbl_change_prepare(t, &c, ids, nold, neu, n)))
        goto out;

    /* Nothing below can fail. */
    for (ULONG i = 0; i < n; i++) {
        struct item *it = &items[i];
        tbl_row *r;
        if (it->row == TBL_NO_ROW) {
            SPropValue k = item_key(t, it);
            it->row = tbl_index_find(t, &k, it->hash); /* named earlier in the same call? */
        }
        if (it->row != TBL_NO_ROW) {
            /* The row takes the new values; the item keeps the ones they replace until the
             * views are done with the change. */
            tbl_newrec mine = it->rec;
            r = tbl_row_at(t, it->row);
            it->rec.ref = r->val;
            it->rec.shape = r->shape;
            r->val = mine.ref;
            r->shape = mine.shape;
            continue;
        } else {
            tbl_rid id = tbl_slot_take(t);
            r = tbl_row_at(t, id);
            r->serial = t->next_serial++;
            r->state = TBL_ROW_NEW;
            if (insert >= 0) {
                ULONG at = (ULONG)insert;
                memmove(&t->order[at + 1], &t->order[at], (t->norder - at) * sizeof(tbl_rid));
                t->order[at] = id;
                t->norder++;
                for (ULONG k = at; k < t->norder; k++)
                    tbl_row_at(t, t->order[k])->pos = k;
            } else {
                r->pos = t->norder;
                t->order[t->norder++] = id;
            }
            t->nrows++;
            tbl_index_insert(t, id, it->hash);
            ids[nold + nnew++] = id;
            it->row = id;
        }
        r->val = it->rec.ref;
        r->shape = it->rec.shape;
        it->rec.ref = 0;
        it->rec.shape = 0; /* now the row's */
    }
    if (nnewcols)
        memcpy(&t->cols[t->ncols], newcols, nnewcols * sizeof(ULONG));
    t->ncols += nnewcols;
    tbl_change_apply(t, &c, ids, nold + nnew);
    for (ULONG i = 0; i < nold + nnew; i++)
        tbl_row_at(t, ids[i])->state = TBL_ROW_STABLE;
    nold = 0;
    committed = true;

out:
    for (ULONG i = 0; i < nold; i++)
        tbl_row_at(t, ids[i])->state = TBL_ROW_STABLE;
    /* Records not taken by a row: the replaced values after a change, everything after a
     * failure. */
    for (ULONG i = 0; i < nitems; i++)
        if (items[i].rec.shape)
            tbl_store_drop(t, items[i].rec.shape, items[i].rec.ref);
    if (committed)
        tbl_store_compact(t);
    tbl_change_release(&c);
    pthread_mutex_unlock(&t->lock);
    tbl_change_fire(t, &c);
    mapirt_free(items);
    mapirt_free(neu);
    mapirt_free(ids);
    mapirt_free(newcols);
    return hr;
}

/* Deletes victims[0..n) (distinct, marked TBL_ROW_DELETED). Lock held; drops it. */
static HRESULT delete_rows(tbl_data *t, tbl_rid *victims, ULONG n)
{
    tbl_change c;
    HRESULT hr;

    hr = tbl_change_prepare(t, &c, victims, n, NULL, 0);
    if (FAILED(hr)) {
        for (ULONG i = 0; i < n; i++)
            tbl_row_at(t, victims[i])->state = TBL_ROW_STABLE;
        pthread_mutex_unlock(&t->lock);
        return hr;
    }
    tbl_change_apply(t, &c, NULL, 0);
    /* Table order keeps a tombstone: no renumbering of the rows that follow. */
    for (ULONG i = 0; i < n; i++) {
        tbl_row *r = tbl_row_at(t, victims[i]);
        SPropValue k;
        tbl_rec_key(tbl_rec_of(t, r), &k);
        tbl_index_remove(t, victims[i], tbl_key_hash(&k));
        t->order[r->pos] = TBL_NO_ROW;
        tbl_store_drop(t, r->shape, r->val);
        tbl_slot_free(t, victims[i]);
    }
    t->nrows -= n;
    if (t->norder - t->nrows > t->nrows)
        tbl_order_compact(t);
    tbl_store_compact(t);
    tbl_change_release(&c);
    pthread_mutex_unlock(&t->lock);
    tbl_change_fire(t, &c);
    return S_OK;
}

/* ---- ITableData ----------------------------------------------------------------------- */

/* Views hold references on their table, so none is left. */
static void tbl_data_destroy(tbl_data *t)
{
    tbl_store_clear(t);
    mapirt_free(t->hash);
    mapirt_free(t->cols);
    if (t->lock_ok)
        pthread_mutex_destroy(&t->lock);
}

static HRESULT tbl_data_HrGetView(tbl_data *t, LPSSortOrderSet lpSSortOrderSet,
    CALLERRELEASE *lpfCallerRelease, ULONG_PTR ulCallerData, LPMAPITABLE *lppMAPITable)
{
    tbl_view *v;
    HRESULT hr;

    pthread_mutex_lock(&t->lock);
    hr = tbl_view_create(t, lpSSortOrderSet, lpfCallerRelease, ulCallerData, &v);
    pthread_mutex_unlock(&t->lock);
    if (SUCCEEDED(hr))
        *lppMAPITable = tbl_view_as_IMAPITable(v);
    return hr;
}

static HRESULT tbl_data_HrModifyRow(tbl_data *t, LPSRow lpSRow)
{
    pthread_mutex_lock(&t->lock);
    return upsert(t, lpSRow, 1, -1);
}

static HRESULT tbl_data_HrModifyRows(tbl_data *t, ULONG ulFlags, LPSRowSet lpSRowSet)
{
    (void)ulFlags;
    if (lpSRowSet->cRows == 0)
        return S_OK;
    pthread_mutex_lock(&t->lock);
    return upsert(t, lpSRowSet->aRow, lpSRowSet->cRows, -1);
}

static HRESULT tbl_data_HrInsertRow(tbl_data *t, ULONG uliRow, LPSRow lpSRow)
{
    pthread_mutex_lock(&t->lock);
    if (uliRow > t->nrows) {
        pthread_mutex_unlock(&t->lock);
        return MAPI_E_INVALID_PARAMETER;
    }
    return upsert(t, lpSRow, 1, uliRow);
}

static HRESULT tbl_data_HrDeleteRow(tbl_data *t, LPSPropValue lpSPropValue)
{
    tbl_rid r;

    if (!tbl_key_ok(t, lpSPropValue))
        return MAPI_E_INVALID_PARAMETER;
    pthread_mutex_lock(&t->lock);
    r = tbl_index_find(t, lpSPropValue, tbl_key_hash(lpSPropValue));
    if (r == TBL_NO_ROW) {
        pthread_mutex_unlock(&t->lock);
        return MAPI_E_NOT_FOUND;
    }
    tbl_row_at(t, r)->state = TBL_ROW_DELETED;
    return delete_rows(t, &r, 1);
}

static HRESULT delete_all(tbl_data *t, ULONG *cRowsDeleted)
{
    tbl_change c;
    ULONG n;
    HRESULT hr;

    pthread_mutex_lock(&t->lock);
    hr = tbl_change_prepare(t, &c, NULL, 0, NULL, 0);
    if (FAILED(hr)) {
        pthread_mutex_unlock(&t->lock);
        return hr;
    }
    c.reload = true;
    tbl_change_apply(t, &c, NULL, 0);
    tbl_change_release(&c);
    n = t->nrows;
    tbl_store_clear(t);
    mapirt_free(t->hash);
    t->hash = NULL;
    t->hcap = t->hused = 0;
    pthread_mutex_unlock(&t->lock);
    tbl_change_fire(t, &c);
    *cRowsDeleted = n;
    return S_OK;
}

static HRESULT tbl_data_HrDeleteRows(tbl_data *t, ULONG ulFlags, LPSRowSet lprowsetToDelete,
    ULONG *cRowsDeleted)
{
    tbl_rid *victims;
    ULONG n = 0;

    if (!(ulFlags & TAD_ALL_ROWS) && !lprowsetToDelete)
        return MAPI_E_INVALID_PARAMETER;
    if (ulFlags & TAD_ALL_ROWS)
        return delete_all(t, cRowsDeleted);
    for (ULONG i = 0; i < lprowsetToDelete->cRows; i++) {
        const SRow *row = &lprowsetToDelete->aRow[i];
        if ((row->cValues && !row->lpProps) ||
            !tbl_key_ok(t, PpropFindProp(row->lpProps, row->cValues, t->index_tag)))
            return MAPI_E_INVALID_PARAMETER;
    }
    victims = mapirt_malloc((lprowsetToDelete->cRows ? lprowsetToDelete->cRows : 1) *
                            sizeof(tbl_rid));
    if (!victims)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    pthread_mutex_lock(&t->lock);
    for (ULONG i = 0; i < lprowsetToDelete->cRows; i++) {
        const SRow *row = &lprowsetToDelete->aRow[i];
        const SPropValue *key = PpropFindProp(row->lpProps, row->cValues, t->index_tag);
        tbl_rid r = tbl_index_find(t, key, tbl_key_hash(key));
        /* Rows that are not there are skipped, as documented; duplicates count once. */
        if (r != TBL_NO_ROW && tbl_row_at(t, r)->state == TBL_ROW_STABLE) {
            tbl_row_at(t, r)->state = TBL_ROW_DELETED;
            victims[n++] = r;
        }
    }
    if (n == 0) {
        pthread_mutex_unlock(&t->lock);
        mapirt_free(victims);
        *cRowsDeleted = 0;
        return S_OK;
    }
    HRESULT hr = delete_rows(t, victims, n);
    mapirt_free(victims);
    if (SUCCEEDED(hr))
        *cRowsDeleted = n;
    return hr;
}

static HRESULT tbl_data_HrQueryRow(tbl_data *t, LPSPropValue lpsPropValue, LPSRow *lppSRow,
    ULONG *lpuliRow)
{
    tbl_rid r;
    HRESULT hr;

    if (!tbl_key_ok(t, lpsPropValue))
        return MAPI_E_INVALID_PARAMETER;
    pthread_mutex_lock(&t->lock);
    r = tbl_index_find(t, lpsPropValue, tbl_key_hash(lpsPropValue));
    if (r == TBL_NO_ROW) {
        pthread_mutex_unlock(&t->lock);
        return MAPI_E_NOT_FOUND;
    }
    if (lpuliRow && t->norder != t->nrows)
        tbl_order_compact(t); /* the row number is its position */
    hr = row_for_caller(t, tbl_row_at(t, r), lppSRow);
    if (SUCCEEDED(hr) && lpuliRow)
        *lpuliRow = tbl_row_at(t, r)->pos;
    pthread_mutex_unlock(&t->lock);
    return hr;
}

static HRESULT tbl_data_HrEnumRow(tbl_data *t, ULONG ulRowNumber, LPSRow *lppSRow)
{
    HRESULT hr = S_OK;

    pthread_mutex_lock(&t->lock);
    if (t->norder != t->nrows)
        tbl_order_compact(t);
    if (ulRowNumber < t->nrows)
        hr = row_for_caller(t, tbl_row_at(t, t->order[ulRowNumber]), lppSRow);
    else
        *lppSRow = NULL; /* past the end: S_OK and no row, as documented */
    pthread_mutex_unlock(&t->lock);
    return hr;
}

static HRESULT tbl_data_HrNotify(tbl_data *t, ULONG ulFlags, ULONG cValues,
    LPSPropValue lpSPropValue)
{
    const SPropValue *key;
    tbl_change c;
    tbl_rid r;
    HRESULT hr;

    (void)ulFlags;
    if ((cValues && !lpSPropValue) ||
        !tbl_key_ok(t, key = PpropFindProp(lpSPropValue, cValues, t->index_tag)))
        return MAPI_E_INVALID_PARAMETER;
    pthread_mutex_lock(&t->lock);
    r = tbl_index_find(t, key, tbl_key_hash(key));
    if (r == TBL_NO_ROW) {
        pthread_mutex_unlock(&t->lock);
        return MAPI_E_NOT_FOUND;
    }
    hr = tbl_change_prepare(t, &c, NULL, 0, NULL, 0);
    if (SUCCEEDED(hr)) {
        tbl_change_touch(t, &c, r);
        tbl_change_release(&c);
    }
    pthread_mutex_unlock(&t->lock);
    if (SUCCEEDED(hr))
        tbl_change_fire(t, &c);
    return hr;
}

SCODE CreateTable(LPCIID lpInterface, ALLOCATEBUFFER *lpAllocateBuffer,
    ALLOCATEMORE *lpAllocateMore, FREEBUFFER *lpFreeBuffer, LPVOID lpvReserved,
    ULONG ulTableType, ULONG ulPropTagIndexColumn,
    LPSPropTagArray lpSPropTagArrayColumns, LPTABLEDATA *lppTableData)
{
    tbl_data *t;
    HRESULT hr;

    hr = CreateTable_check_inline(lpInterface, lpAllocateBuffer, lpAllocateMore, lpFreeBuffer,
        lpvReserved, ulTableType, ulPropTagIndexColumn, lpSPropTagArrayColumns, lppTableData);
    if (FAILED(hr))
        return hr;
    if (lpInterface && memcmp(lpInterface, &IID_IMAPITableData, sizeof(IID)) != 0)
        return MAPI_E_INTERFACE_NOT_SUPPORTED;
    if (!tbl_index_type_ok(PROP_TYPE(ulPropTagIndexColumn)) ||
        FBadColumnSet(lpSPropTagArrayColumns))
        return MAPI_E_INVALID_PARAMETER;
    t = tbl_data_new();
    if (!t)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    t->ncols = t->capcols = lpSPropTagArrayColumns->cValues;
    t->cols = mapirt_malloc((t->ncols ? t->ncols : 1) * sizeof(ULONG));
    if (!t->cols || pthread_mutex_init(&t->lock, NULL) != 0) {
        tbl_data_release(t);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    t->lock_ok = true;
    if (t->ncols)
        memcpy(t->cols, lpSPropTagArrayColumns->aulPropTag, t->ncols * sizeof(ULONG));
    mapirt_lasterror_allocators(tbl_data_lasterror(t), lpAllocateBuffer, lpAllocateMore,
        lpFreeBuffer);
    t->alloc = lpAllocateBuffer;
    t->more = lpAllocateMore;
    t->freebuf = lpFreeBuffer;
    t->type = ulTableType;
    t->index_tag = ulPropTagIndexColumn;
    t->next_serial = 1;
    t->freeslot = TBL_NO_ROW;
    *lppTableData = tbl_data_as_ITableData(t);
    return S_OK;
}
