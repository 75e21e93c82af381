/* tablecursor.c: where a view's cursor is and where it goes: GetRowCount, SeekRow,
 * SeekRowApprox, QueryPosition, bookmarks and FindRow.
 *
 * The cursor and the bookmarks are marks (table_internal.h): positions that tableupdate.c
 * carries along as rows come and go. A bookmark whose row was deleted moves to the next row
 * and reports MAPI_W_POSITION_CHANGED on its next use; Restrict, SortTable and a SetColumns
 * that changes the rows discard every bookmark, as the reference says. */
#include <stdlib.h>
#include <string.h>

#include "table_internal.h"

void tbl_discard_bookmarks(tbl_view *v)
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
    case BOOKMARK_BEGINNING:
        *pos = 0;
        return S_OK;
    case BOOKMARK_CURRENT:
        *pos = v->marks[0].pos;
        return S_OK;
    case BOOKMARK_END:
        *pos = v->n;
        return S_OK;
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

HRESULT tbl_view_GetRowCount(tbl_view *v, ULONG ulFlags, ULONG *lpulCount)
{
    (void)ulFlags;
    TBL_LOCK(v);
    *lpulCount = v->n;
    TBL_UNLOCK(v);
    return S_OK;
}

HRESULT tbl_view_SeekRow(tbl_view *v, BOOKMARK bkOrigin, LONG lRowCount,
    LONG *lplRowsSought)
{
    tbl_mark *mk;
    ULONG from;
    int64_t to;
    HRESULT hr;

    TBL_LOCK(v);
    hr = origin(v, bkOrigin, &from, &mk);
    if (FAILED(hr))
        return tbl_unlock_fail(v, hr, "SeekRow: unknown bookmark");
    to = (int64_t)from + lRowCount;
    if (to < 0)
        to = 0;
    if (to > (int64_t)v->n)
        to = v->n;
    v->marks[0].pos = (ULONG)to;
    if (lplRowsSought)
        *lplRowsSought = (LONG)(to - (int64_t)from);
    hr = consume_moved(mk);
    TBL_UNLOCK(v);
    return hr;
}

HRESULT tbl_view_SeekRowApprox(tbl_view *v, ULONG ulNumerator, ULONG ulDenominator)
{
    TBL_LOCK(v);
    if (ulDenominator == 0 || ulNumerator > ulDenominator)
        return tbl_unlock_fail(v, MAPI_E_INVALID_PARAMETER, "SeekRowApprox: bad fraction");
    v->marks[0].pos = (ULONG)((uint64_t)v->n * ulNumerator / ulDenominator);
    TBL_UNLOCK(v);
    return S_OK;
}

HRESULT tbl_view_QueryPosition(tbl_view *v, ULONG *lpulRow, ULONG *lpulNumerator,
    ULONG *lpulDenominator)
{
    TBL_LOCK(v);
    *lpulRow = v->marks[0].pos;
    *lpulNumerator = v->marks[0].pos;
    *lpulDenominator = v->n ? v->n : 1;
    TBL_UNLOCK(v);
    return S_OK;
}

HRESULT tbl_view_CreateBookmark(tbl_view *v, BOOKMARK *lpbkPosition)
{
    BOOKMARK id;
    bool taken;

    TBL_LOCK(v);
    if (v->nmarks > TBL_MAX_BOOKMARKS)
        return tbl_unlock_fail(v, MAPI_E_UNABLE_TO_COMPLETE, "CreateBookmark: too many bookmarks");
    if (v->nmarks == v->capmarks) {
        ULONG cap = v->capmarks * 2;
        tbl_mark *m = mapirt_realloc(v->marks, cap * sizeof(tbl_mark));
        if (!m)
            return tbl_unlock_fail(v, MAPI_E_NOT_ENOUGH_MEMORY, "CreateBookmark: out of memory");
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
    v->marks[v->nmarks] = (tbl_mark){.id = id, .pos = v->marks[0].pos, .follow = TBL_NO_ROW};
    v->nmarks++;
    *lpbkPosition = id;
    TBL_UNLOCK(v);
    return S_OK;
}

HRESULT tbl_view_FreeBookmark(tbl_view *v, BOOKMARK bkPosition)
{
    if (bkPosition <= BOOKMARK_END)
        return S_OK; /* the predefined bookmarks are never freed */
    TBL_LOCK(v);
    for (ULONG i = 1; i < v->nmarks; i++) {
        if (v->marks[i].id == bkPosition) {
            v->marks[i] = v->marks[--v->nmarks];
            TBL_UNLOCK(v);
            return S_OK;
        }
    }
    return tbl_unlock_fail(v, MAPI_E_INVALID_BOOKMARK, "FreeBookmark: unknown bookmark");
}

/* ---- FindRow ------------------------------------------------------------------------- */

HRESULT tbl_view_FindRow(tbl_view *v, LPSRestriction lpRestriction, BOOKMARK bkOrigin,
    ULONG ulFlags)
{
    tbl_res *res;
    tbl_mark *mk;
    ULONG from;
    HRESULT hr;

    TBL_LOCK(v);
    hr = origin(v, bkOrigin, &from, &mk);
    if (FAILED(hr))
        return tbl_unlock_fail(v, hr, "FindRow: unknown bookmark");
    hr = tbl_res_compile(lpRestriction, &res);
    if (FAILED(hr))
        return tbl_unlock_fail(v, hr, "FindRow: restriction not supported");
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
        tbl_fail(v, hr, "FindRow: no row matches");
    TBL_UNLOCK(v);
    return hr;
}
