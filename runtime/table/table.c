/* table.c: CreateTable and the ITableData object (rows kept in memory, views over them).
 *
 * Rows are private copies of the caller's SRow, one block each, kept in table order (the
 * HrEnumRow order: insertion order, HrInsertRow placing a row at a chosen position) and in a
 * hash on the index column, whose values are unique. Every change is checked and fully
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

static HRESULT copy_props(const SPropValue *props, ULONG c, SPropValue **out)
{
    ULONG cb = 0;
    void *buf;

    if (FAILED(ScCountProps((int)c, (LPSPropValue)props, &cb)))
        return MAPI_E_INVALID_PARAMETER;
    buf = mapirt_malloc(cb ? cb : 1);
    if (!buf)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    if (c && FAILED(ScCopyProps((int)c, (LPSPropValue)props, buf, NULL))) {
        mapirt_free(buf);
        return MAPI_E_INVALID_PARAMETER;
    }
    *out = buf;
    return S_OK;
}

static void free_row(tbl_row *r)
{
    mapirt_free(r->lpProps);
    mapirt_free(r);
}

/* An SRow for the caller: the SRow and its values in one MAPI buffer. */
static HRESULT row_for_caller(tbl_data *t, const tbl_row *r, LPSRow *out)
{
    LPSRow row = NULL;
    void *props = NULL;
    ULONG cb = 0;

    if (FAILED(ScCountProps((int)r->cValues, r->lpProps, &cb)) ||
        FAILED(t->alloc(sizeof(SRow), (void **)&row)) || FAILED(t->more(cb, row, &props)) ||
        FAILED(ScCopyProps((int)r->cValues, r->lpProps, props, NULL))) {
        if (row)
            t->freebuf(row);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    row->ulAdrEntryPad = 0;
    row->cValues = r->cValues;
    row->lpProps = props;
    *out = row;
    return S_OK;
}

static HRESULT reserve_rows(tbl_data *t, ULONG extra)
{
    uint64_t need = (uint64_t)t->nrows + extra;
    tbl_row **rows;
    uint64_t cap;

    if (need <= t->caprows)
        return S_OK;
    if (need > 0x0FFFFFFF)
        return MAPI_E_TABLE_TOO_BIG;
    cap = t->caprows * 2 > need ? t->caprows * 2 : need;
    if (cap < 16)
        cap = 16;
    rows = mapirt_realloc(t->rows, (size_t)cap * sizeof(tbl_row *));
    if (!rows)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    t->rows = rows;
    t->caprows = (ULONG)cap;
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

/* ---- changes -------------------------------------------------------------------------- */

struct item {
    SPropValue *props; /* owned until committed */
    ULONG c;
    const SPropValue *key;
    uint32_t hash;
    SPropValue *replaced; /* values this item displaced, freed after the change */
};

/* HrModifyRow(s) (insert < 0) and HrInsertRow (insert = position). Lock held; drops it. */
static HRESULT upsert(tbl_data *t, const SRow *in, ULONG n, int64_t insert)
{
    struct item *items = NULL;
    tbl_propset *neu = NULL;
    tbl_row **old = NULL, **fresh = NULL, **touched = NULL;
    ULONG nold = 0, nfresh = 0, used = 0, ntouched = 0, nnewcols = 0, *newcols = NULL;
    tbl_change c = {0};
    HRESULT hr = S_OK;

    for (ULONG i = 0; i < n; i++)
        if ((in[i].cValues && !in[i].lpProps) ||
            !tbl_key_ok(t, tbl_find(in[i].lpProps, in[i].cValues, t->index_tag))) {
            pthread_mutex_unlock(&t->lock);
            return MAPI_E_INVALID_PARAMETER;
        }
    items = mapirt_calloc(n, sizeof(*items));
    neu = mapirt_calloc(n, sizeof(*neu));
    old = mapirt_calloc(n, sizeof(*old));
    fresh = mapirt_calloc(n, sizeof(*fresh));
    touched = mapirt_calloc(n, sizeof(*touched));
    if (!items || !neu || !old || !fresh || !touched) {
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
        goto out;
    }
    for (ULONG i = 0; i < n; i++) {
        hr = copy_props(in[i].lpProps, in[i].cValues, &items[i].props);
        if (FAILED(hr))
            goto out;
        items[i].c = in[i].cValues;
        items[i].key = tbl_find(items[i].props, items[i].c, t->index_tag);
        items[i].hash = tbl_key_hash(items[i].key);
        neu[i].props = items[i].props;
        neu[i].c = items[i].c;
    }
    for (ULONG i = 0; i < n; i++) {
        tbl_row *r = tbl_index_find(t, items[i].key, items[i].hash);
        if (r && insert >= 0) {
            hr = MAPI_E_INVALID_PARAMETER; /* HrInsertRow: the index value is taken */
            goto out;
        }
        if (r && r->state == TBL_ROW_STABLE) {
            r->state = TBL_ROW_MODIFIED;
            old[nold++] = r;
        } else if (!r) {
            fresh[nfresh] = mapirt_calloc(1, sizeof(tbl_row));
            if (!fresh[nfresh]) {
                hr = MAPI_E_NOT_ENOUGH_MEMORY;
                goto out;
            }
            nfresh++;
        }
        for (ULONG k = 0; k < items[i].c; k++) {
            ULONG tag = items[i].props[k].ulPropTag;
            if (PROP_TYPE(tag) == PT_ERROR || PROP_TYPE(tag) == PT_NULL ||
                has_col(t, newcols, nnewcols, tag))
                continue;
            if (!newcols && !(newcols = mapirt_malloc(sizeof(ULONG) * 64)))
                goto nomem;
            if (nnewcols && nnewcols % 64 == 0) {
                ULONG *nc = mapirt_realloc(newcols, sizeof(ULONG) * (nnewcols + 64));
                if (!nc)
                    goto nomem;
                newcols = nc;
            }
            newcols[nnewcols++] = tag;
        }
    }
    if (nnewcols && t->ncols + nnewcols > t->capcols) {
        ULONG *cols = mapirt_realloc(t->cols, (t->ncols + nnewcols) * sizeof(ULONG));
        if (!cols)
            goto nomem;
        t->cols = cols;
        t->capcols = t->ncols + nnewcols;
    }
    if (FAILED(hr = reserve_rows(t, nfresh)) || FAILED(hr = tbl_index_reserve(t, nfresh)) ||
        FAILED(hr = tbl_change_prepare(t, &c, old, nold, neu, n)))
        goto out;

    /* Nothing below can fail. */
    for (ULONG i = 0; i < n; i++) {
        tbl_row *r = tbl_index_find(t, items[i].key, items[i].hash);
        if (r) {
            items[i].replaced = r->lpProps;
        } else {
            r = fresh[used++];
            r->serial = t->next_serial++;
            for (int b = 0; b < 4; b++)
                r->ikey[b] = (BYTE)(r->serial >> (8 * b));
            r->state = TBL_ROW_NEW;
            r->hash = items[i].hash;
            r->key = items[i].key;
            if (insert >= 0) {
                ULONG at = (ULONG)insert;
                memmove(&t->rows[at + 1], &t->rows[at], (t->nrows - at) * sizeof(tbl_row *));
                t->rows[at] = r;
                t->nrows++;
                for (ULONG k = at; k < t->nrows; k++)
                    t->rows[k]->pos = k;
            } else {
                r->pos = t->nrows;
                t->rows[t->nrows++] = r;
            }
            tbl_index_insert(t, r);
            touched[ntouched++] = r;
        }
        r->lpProps = items[i].props;
        r->cValues = items[i].c;
        r->key = items[i].key;
        items[i].props = NULL;
    }
    for (ULONG i = 0; i < nold; i++)
        touched[ntouched++] = old[i];
    if (nnewcols)
        memcpy(&t->cols[t->ncols], newcols, nnewcols * sizeof(ULONG));
    t->ncols += nnewcols;
    tbl_change_apply(t, &c, touched, ntouched);
    for (ULONG i = 0; i < ntouched; i++)
        touched[i]->state = TBL_ROW_STABLE;
    nold = 0;
    goto out;

nomem:
    hr = MAPI_E_NOT_ENOUGH_MEMORY;
out:
    for (ULONG i = 0; i < nold; i++)
        old[i]->state = TBL_ROW_STABLE;
    tbl_change_release(&c);
    pthread_mutex_unlock(&t->lock);
    tbl_change_fire(t, &c);
    for (ULONG i = 0; items && i < n; i++) {
        mapirt_free(items[i].props);
        mapirt_free(items[i].replaced);
    }
    for (ULONG i = used; fresh && i < nfresh; i++)
        mapirt_free(fresh[i]);
    mapirt_free(items);
    mapirt_free(neu);
    mapirt_free(old);
    mapirt_free(fresh);
    mapirt_free(touched);
    mapirt_free(newcols);
    return hr;
}

/* Deletes victims[0..n) (distinct, marked TBL_ROW_DELETED). Lock held; drops it. */
static HRESULT delete_rows(tbl_data *t, tbl_row **victims, ULONG n)
{
    tbl_change c;
    HRESULT hr;
    ULONG w = 0;

    hr = tbl_change_prepare(t, &c, victims, n, NULL, 0);
    if (FAILED(hr)) {
        for (ULONG i = 0; i < n; i++)
            victims[i]->state = TBL_ROW_STABLE;
        pthread_mutex_unlock(&t->lock);
        return hr;
    }
    for (ULONG i = 0; i < n; i++)
        tbl_index_remove(t, victims[i]);
    for (ULONG i = 0; i < t->nrows; i++) {
        if (t->rows[i]->state == TBL_ROW_DELETED)
            continue;
        t->rows[w] = t->rows[i];
        t->rows[w]->pos = w;
        w++;
    }
    t->nrows = w;
    tbl_change_apply(t, &c, NULL, 0);
    tbl_change_release(&c);
    pthread_mutex_unlock(&t->lock);
    tbl_change_fire(t, &c);
    for (ULONG i = 0; i < n; i++)
        free_row(victims[i]);
    return S_OK;
}

/* ---- ITableData ----------------------------------------------------------------------- */

/* Views hold references on their table, so none is left. */
static void tbl_data_destroy(tbl_data *t)
{
    for (ULONG i = 0; i < t->nrows; i++)
        free_row(t->rows[i]);
    mapirt_free(t->rows);
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
    tbl_row *r;

    if (!tbl_key_ok(t, lpSPropValue))
        return MAPI_E_INVALID_PARAMETER;
    pthread_mutex_lock(&t->lock);
    r = tbl_index_find(t, lpSPropValue, tbl_key_hash(lpSPropValue));
    if (!r) {
        pthread_mutex_unlock(&t->lock);
        return MAPI_E_NOT_FOUND;
    }
    r->state = TBL_ROW_DELETED;
    return delete_rows(t, &r, 1);
}

static HRESULT delete_all(tbl_data *t, ULONG *cRowsDeleted)
{
    tbl_change c;
    tbl_row **rows;
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
    rows = t->rows;
    n = t->nrows;
    t->rows = NULL;
    t->nrows = t->caprows = 0;
    if (t->hash)
        memset(t->hash, 0, t->hcap * sizeof(tbl_row *));
    t->hused = 0;
    pthread_mutex_unlock(&t->lock);
    tbl_change_fire(t, &c);
    for (ULONG i = 0; i < n; i++)
        free_row(rows[i]);
    mapirt_free(rows);
    *cRowsDeleted = n;
    return S_OK;
}

static HRESULT tbl_data_HrDeleteRows(tbl_data *t, ULONG ulFlags, LPSRowSet lprowsetToDelete,
    ULONG *cRowsDeleted)
{
    tbl_row **victims;
    ULONG n = 0;

    if (!(ulFlags & TAD_ALL_ROWS) && !lprowsetToDelete)
        return MAPI_E_INVALID_PARAMETER;
    if (ulFlags & TAD_ALL_ROWS)
        return delete_all(t, cRowsDeleted);
    for (ULONG i = 0; i < lprowsetToDelete->cRows; i++) {
        const SRow *row = &lprowsetToDelete->aRow[i];
        if ((row->cValues && !row->lpProps) ||
            !tbl_key_ok(t, tbl_find(row->lpProps, row->cValues, t->index_tag)))
            return MAPI_E_INVALID_PARAMETER;
    }
    victims = mapirt_malloc((lprowsetToDelete->cRows ? lprowsetToDelete->cRows : 1) *
                            sizeof(tbl_row *));
    if (!victims)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    pthread_mutex_lock(&t->lock);
    for (ULONG i = 0; i < lprowsetToDelete->cRows; i++) {
        const SRow *row = &lprowsetToDelete->aRow[i];
        const SPropValue *key = tbl_find(row->lpProps, row->cValues, t->index_tag);
        tbl_row *r = tbl_index_find(t, key, tbl_key_hash(key));
        /* Rows that are not there are skipped, as documented; duplicates count once. */
        if (r && r->state == TBL_ROW_STABLE) {
            r->state = TBL_ROW_DELETED;
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
    tbl_row *r;
    HRESULT hr;

    if (!tbl_key_ok(t, lpsPropValue))
        return MAPI_E_INVALID_PARAMETER;
    pthread_mutex_lock(&t->lock);
    r = tbl_index_find(t, lpsPropValue, tbl_key_hash(lpsPropValue));
    if (!r) {
        pthread_mutex_unlock(&t->lock);
        return MAPI_E_NOT_FOUND;
    }
    hr = row_for_caller(t, r, lppSRow);
    if (SUCCEEDED(hr) && lpuliRow)
        *lpuliRow = r->pos;
    pthread_mutex_unlock(&t->lock);
    return hr;
}

static HRESULT tbl_data_HrEnumRow(tbl_data *t, ULONG ulRowNumber, LPSRow *lppSRow)
{
    HRESULT hr = S_OK;

    pthread_mutex_lock(&t->lock);
    if (ulRowNumber < t->nrows)
        hr = row_for_caller(t, t->rows[ulRowNumber], lppSRow);
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
    tbl_row *r;
    HRESULT hr;

    (void)ulFlags;
    if (!tbl_key_ok(t, key = tbl_find(lpSPropValue, cValues, t->index_tag)))
        return MAPI_E_INVALID_PARAMETER;
    pthread_mutex_lock(&t->lock);
    r = tbl_index_find(t, key, tbl_key_hash(key));
    if (!r) {
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
    *lppTableData = tbl_data_as_ITableData(t);
    return S_OK;
}
