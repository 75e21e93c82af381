/* tableupdate.c: carrying a change of an ITableData into every open view.
 *
 * A change is prepared before the table is touched: for every view, the positions of the rows
 * it removes are found by binary search (the old values are still in place), and everything
 * the update will need is allocated. Then the table changes and each view is updated without
 * any allocation: removed rows are squeezed out, the visible instances of new and modified rows
 * are sorted and slid into place, and the cursor and bookmarks are carried along: a mark on a
 * deleted row moves to the next row (bookmarks then report MAPI_W_POSITION_CHANGED once), a
 * mark on a modified row follows it to its new place.
 *
 * Notifications: up to TBL_MAX_EVENTS row events per view and change, TABLE_ROW_DELETED first
 * and then TABLE_ROW_ADDED / TABLE_ROW_MODIFIED in view order; more than that, or no memory to
 * describe them, becomes one TABLE_CHANGED. TABLE_ROW_DELETED carries no row and a PR_NULL
 * propPrior, as TABLE_NOTIFICATION documents. They are delivered after the table lock is
 * released, so two changes made at the same time by two threads may be reported in either
 * order (MAPI allows late and out-of-order table notifications). */
#include <stdlib.h>
#include <string.h>

#include "table_internal.h"

/* Upper bound of rows one change may add to one view. */
#define TBL_MAX_BATCH ((uint64_t)0x0FFFFFFF)

void tbl_change_release(tbl_change *c)
{
    for (ULONG i = 0; i < c->npreps; i++) {
        mapirt_free(c->preps[i].rm);
        mapirt_free(c->preps[i].ins);
        mapirt_free(c->preps[i].ipos);
        mapirt_free(c->preps[i].ws);
    }
    mapirt_free(c->preps);
    c->preps = NULL;
    c->npreps = 0;
}

static HRESULT prepare_view(tbl_vprep *p, const tbl_rid *old, ULONG nold,
    const tbl_newrec *neu, ULONG nneu)
{
    tbl_view *v = p->view;
    const tbl_data *t = v->t;
    uint64_t bound = 0;

    if (nold) {
        for (ULONG i = 0; i < nold; i++) {
            ULONG cnt = tbl_instances(v, tbl_rec_of(t, tbl_row_at(t, old[i])));
            bound += cnt ? cnt : 1;
        }
        if (bound > TBL_MAX_BATCH)
            return MAPI_E_TABLE_TOO_BIG;
        p->rm = mapirt_malloc((size_t)bound * sizeof(ULONG));
        if (!p->rm)
            return MAPI_E_NOT_ENOUGH_MEMORY;
        for (ULONG i = 0; i < nold; i++) {
            ULONG cnt = tbl_instances(v, tbl_rec_of(t, tbl_row_at(t, old[i])));
            for (ULONG ord = 0; ord < cnt; ord++) {
                tbl_vrow vr = tbl_mkvrow(old[i], ord);
                ULONG at = tbl_lower_bound(v, &vr);
                if (at < v->n && v->rows[at].id == old[i] && v->rows[at].ord == ord)
                    p->rm[p->nrm++] = at;
            }
        }
    }
    if (nneu) {
        bound = 0;
        for (ULONG i = 0; i < nneu; i++) {
            tbl_rec rec = {t->shapes[neu[i].shape], tbl_arena_at(&t->arena, neu[i].ref)};
            ULONG cnt = tbl_instances(v, rec);
            if (cnt == 0)
                return MAPI_E_TABLE_TOO_BIG;
            bound += cnt;
        }
        if (bound > TBL_MAX_BATCH || v->n + bound > TBL_MAX_BATCH)
            return MAPI_E_TABLE_TOO_BIG;
        p->ins = mapirt_malloc((size_t)bound * sizeof(tbl_vrow));
        p->ipos = mapirt_malloc((size_t)bound * sizeof(ULONG));
        if (!p->ins || !p->ipos)
            return MAPI_E_NOT_ENOUGH_MEMORY;
        if (bound > 1) {
            p->ws = mapirt_malloc((size_t)bound * sizeof(tbl_vrow));
            if (!p->ws)
                return MAPI_E_NOT_ENOUGH_MEMORY;
        }
        p->capins = (ULONG)bound;
        if (v->n + bound > v->cap) {
            uint64_t cap = (uint64_t)v->cap * 2 > v->n + bound ? (uint64_t)v->cap * 2 : v->n + bound;
            if (cap > TBL_MAX_BATCH)
                cap = v->n + bound;
            tbl_vrow *rows = mapirt_realloc(v->rows, (size_t)cap * sizeof(tbl_vrow));
            if (!rows)
                return MAPI_E_NOT_ENOUGH_MEMORY;
            v->rows = rows;
            v->cap = (ULONG)cap;
        }
    }
    return S_OK;
}

HRESULT tbl_change_prepare(tbl_data *t, tbl_change *c, const tbl_rid *old, ULONG nold,
    const tbl_newrec *neu, ULONG nneu)
{
    ULONG nv = 0, nl = 0;
    HRESULT hr;

    memset(c, 0, sizeof(*c));
    for (tbl_view *v = t->views; v; v = v->next) {
        nv++;
        if (v->nsinks)
            nl++;
    }
    if (nv == 0)
        return S_OK;
    c->preps = mapirt_calloc(nv, sizeof(tbl_vprep));
    if (!c->preps)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    if (nl) {
        c->pend = mapirt_calloc(nl, sizeof(tbl_pending));
        if (!c->pend) {
            tbl_change_release(c);
            return MAPI_E_NOT_ENOUGH_MEMORY;
        }
    }
    for (tbl_view *v = t->views; v; v = v->next) {
        tbl_vprep *p = &c->preps[c->npreps++];
        p->view = v;
        if (v->nsinks)
            p->pend = &c->pend[c->npend++];
        hr = prepare_view(p, old, nold, neu, nneu);
        if (FAILED(hr)) {
            tbl_change_release(c);
            mapirt_free(c->pend);
            c->pend = NULL;
            c->npend = 0;
            return hr;
        }
    }
    return S_OK;
}

/* ---- notifications -------------------------------------------------------------------- */

/* Describes one row event in pd; false when out of memory. */
static bool add_event(tbl_data *t, tbl_view *v, tbl_pending *pd, ULONG event,
    const tbl_vrow *vr, const tbl_vrow *prior)
{
    ULONG ncols = event == TABLE_ROW_DELETED ? 0 : v->cols->cValues;
    ULONG nvals = ncols + 1 + (prior ? 1 : 0), cb = 0;
    SPropValue *vals;
    tbl_val *scratch;
    NOTIFICATION *n;
    void *buf = NULL;

    /* One block for the values and the scratch their synthesized parts live in. */
    vals = mapirt_malloc(nvals * (sizeof(SPropValue) + sizeof(tbl_val)));
    if (!vals)
        return false;
    scratch = (tbl_val *)(vals + nvals);
    if (ncols)
        tbl_view_columns(v, vr, vals, scratch, NULL);
    vals[ncols] = *tbl_instance_key(v, vr, &scratch[ncols]);
    if (prior)
        vals[ncols + 1] = *tbl_instance_key(v, prior, &scratch[ncols + 1]);
    if (FAILED(ScCountProps((int)nvals, vals, &cb)) || FAILED(t->alloc(cb, &buf)) ||
        FAILED(ScCopyProps((int)nvals, vals, buf, NULL))) {
        if (buf)
            t->freebuf(buf);
        mapirt_free(vals);
        return false;
    }
    mapirt_free(vals);
    vals = buf;

    n = &pd->notif[pd->n];
    memset(n, 0, sizeof(*n));
    n->ulEventType = fnevTableModified;
    n->info.tab.ulTableEvent = event;
    n->info.tab.hResult = S_OK;
    n->info.tab.propIndex = vals[ncols];
    if (prior)
        n->info.tab.propPrior = vals[ncols + 1];
    else
        n->info.tab.propPrior.ulPropTag = PR_NULL;
    n->info.tab.row.cValues = ncols;
    n->info.tab.row.lpProps = ncols ? vals : NULL;
    pd->bufs[pd->n++] = buf;
    return true;
}

static void drop_events(tbl_data *t, tbl_pending *pd, ULONG whole)
{
    for (ULONG i = 0; i < pd->n; i++)
        t->freebuf(pd->bufs[i]);
    pd->n = 0;
    pd->whole = whole;
}

static bool same_vrow(const tbl_vrow *a, const tbl_vrow *b)
{
    return a->id == b->id && a->ord == b->ord;
}

static void collect(tbl_data *t, tbl_vprep *p, const tbl_vrow *gone, ULONG m)
{
    tbl_view *v = p->view;
    tbl_pending *pd = p->pend;
    ULONG events = m;
    bool ok = true;

    if (p->nrm > TBL_MAX_EVENTS || m > TBL_MAX_EVENTS) {
        pd->whole = TABLE_CHANGED;
        return;
    }
    for (ULONG g = 0; g < p->nrm; g++) {
        bool back = false;
        for (ULONG j = 0; j < m && !back; j++)
            back = same_vrow(&gone[g], &p->ins[j]);
        if (!back)
            events++;
    }
    if (events > TBL_MAX_EVENTS) {
        pd->whole = TABLE_CHANGED;
        return;
    }
    for (ULONG g = 0; g < p->nrm && ok; g++) {
        bool back = false;
        for (ULONG j = 0; j < m && !back; j++)
            back = same_vrow(&gone[g], &p->ins[j]);
        if (!back)
            ok = add_event(t, v, pd, TABLE_ROW_DELETED, &gone[g], NULL);
    }
    for (ULONG j = 0; j < m && ok; j++) {
        ULONG at = p->ipos[j] + j;
        bool back = false;
        for (ULONG g = 0; g < p->nrm && !back; g++)
            back = same_vrow(&gone[g], &p->ins[j]);
        ok = add_event(t, v, pd, back ? TABLE_ROW_MODIFIED : TABLE_ROW_ADDED, &v->rows[at],
            at ? &v->rows[at - 1] : NULL);
    }
    if (!ok)
        drop_events(t, pd, TABLE_CHANGED);
}

/* ---- updating one view ---------------------------------------------------------------- */

static int cmp_ulong(const void *a, const void *b)
{
    ULONG x = *(const ULONG *)a, y = *(const ULONG *)b;
    return (x > y) - (x < y);
}

/* Number of entries of the sorted a[0..n) below x (or_equal: at most x). */
static ULONG count_below(const ULONG *a, ULONG n, ULONG x, bool or_equal)
{
    ULONG lo = 0, hi = n;

    while (lo < hi) {
        ULONG mid = lo + (hi - lo) / 2;
        if (a[mid] < x || (or_equal && a[mid] == x))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void remove_rows(tbl_vprep *p, tbl_vrow *gone)
{
    tbl_view *v = p->view;
    ULONG w;

    qsort(p->rm, p->nrm, sizeof(ULONG), cmp_ulong);
    for (ULONG k = 0; k < p->nrm && k < TBL_MAX_EVENTS + 1; k++)
        gone[k] = v->rows[p->rm[k]];
    for (ULONG i = 0; i < v->nmarks; i++) {
        tbl_mark *mk = &v->marks[i];
        ULONG below = count_below(p->rm, p->nrm, mk->pos, false);
        if (mk->pos < v->n && below < p->nrm && p->rm[below] == mk->pos) {
            const tbl_vrow *vr = &v->rows[mk->pos];
            if (tbl_row_at(v->t, vr->id)->state == TBL_ROW_MODIFIED) {
                mk->follow = vr->id;
                mk->follow_ord = vr->ord;
            } else {
                mk->moved = true;
            }
        }
        mk->pos -= below;
    }
    w = p->rm[0];
    for (ULONG k = 0; k < p->nrm; k++) {
        ULONG from = p->rm[k] + 1, to = k + 1 < p->nrm ? p->rm[k + 1] : v->n;
        memmove(&v->rows[w], &v->rows[from], (to - from) * sizeof(tbl_vrow));
        w += to - from;
    }
    v->n = w;
}

/* at_begin: the cursor was at the beginning before the change (see below). */
static void insert_rows(tbl_vprep *p, ULONG m, bool at_begin)
{
    tbl_view *v = p->view;
    ULONG hi = v->n;

    if (m > 1)
        tbl_sort_rows_ws(v, p->ins, m, p->ws);
    for (ULONG j = 0; j < m; j++)
        p->ipos[j] = tbl_lower_bound(v, &p->ins[j]);
    /* A mark stays on its row when rows arrive before it, except the cursor at the beginning
     * (BOOKMARK_BEGINNING, as on an empty table): it stays at the beginning, so the next
     * QueryRows reads the new rows. */
    for (ULONG i = at_begin ? 1 : 0; i < v->nmarks; i++)
        v->marks[i].pos += count_below(p->ipos, m, v->marks[i].pos, true);
    for (ULONG j = m; j-- > 0;) {
        ULONG lo = p->ipos[j];
        memmove(&v->rows[lo + j + 1], &v->rows[lo], (hi - lo) * sizeof(tbl_vrow));
        v->rows[lo + j] = p->ins[j];
        hi = lo;
    }
    v->n += m;
}

static void follow_marks(tbl_view *v)
{
    for (ULONG i = 0; i < v->nmarks; i++) {
        tbl_mark *mk = &v->marks[i];
        if (mk->follow == TBL_NO_ROW)
            continue;
        tbl_vrow target = tbl_mkvrow(mk->follow, mk->follow_ord);
        ULONG at = tbl_lower_bound(v, &target);
        if (at < v->n && same_vrow(&v->rows[at], &target))
            mk->pos = at;
        else
            mk->moved = true; /* the row left the view: the mark stays on the next one */
        mk->follow = TBL_NO_ROW;
    }
}

static void apply_view(tbl_data *t, tbl_vprep *p, const tbl_rid *rows, ULONG nrows)
{
    tbl_view *v = p->view;
    tbl_vrow gone[TBL_MAX_EVENTS + 1];
    ULONG m = 0;
    /* Decided before rows go: a cursor that removals bring to position 0 is on a row. */
    bool at_begin = v->marks[0].pos == 0;

    if (p->nrm)
        remove_rows(p, gone);
    for (ULONG i = 0; i < nrows; i++) {
        ULONG cnt = tbl_instances(v, tbl_rec_of(t, tbl_row_at(t, rows[i])));
        for (ULONG ord = 0; ord < cnt && m < p->capins; ord++) {
            tbl_vrow vr = tbl_mkvrow(rows[i], ord);
            if (!v->res || tbl_res_eval(v, v->res, &vr))
                p->ins[m++] = vr;
        }
    }
    if (m)
        insert_rows(p, m, at_begin);
    follow_marks(v);
    if (p->pend && tbl_view_tryref(v)) {
        p->pend->view = v;
        collect(t, p, gone, m);
    }
}

void tbl_change_apply(tbl_data *t, tbl_change *c, const tbl_rid *rows, ULONG nrows)
{
    for (ULONG i = 0; i < c->npreps; i++) {
        tbl_vprep *p = &c->preps[i];
        if (c->reload) {
            tbl_view *v = p->view;
            v->n = 0;
            v->nmarks = 1; /* TABLE_RELOAD: every bookmark is invalid */
            v->marks[0].pos = 0;
            if (p->pend && tbl_view_tryref(v)) {
                p->pend->view = v;
                p->pend->whole = TABLE_RELOAD;
            }
            continue;
        }
        apply_view(t, p, rows, nrows);
    }
}

void tbl_change_touch(tbl_data *t, tbl_change *c, tbl_rid row)
{
    for (ULONG i = 0; i < c->npreps; i++) {
        tbl_vprep *p = &c->preps[i];
        tbl_view *v = p->view;
        ULONG at[TBL_MAX_EVENTS + 1], n = 0;
        bool ok = true;

        if (!p->pend || !tbl_view_tryref(v))
            continue;
        p->pend->view = v;
        for (ULONG k = 0; k < v->n && n <= TBL_MAX_EVENTS; k++)
            if (v->rows[k].id == row)
                at[n++] = k;
        if (n > TBL_MAX_EVENTS) {
            p->pend->whole = TABLE_CHANGED;
            continue;
        }
        for (ULONG k = 0; k < n && ok; k++)
            ok = add_event(t, v, p->pend, TABLE_ROW_MODIFIED, &v->rows[at[k]],
                at[k] ? &v->rows[at[k] - 1] : NULL);
        if (!ok)
            drop_events(t, p->pend, TABLE_CHANGED);
    }
}

void tbl_change_fire(tbl_data *t, tbl_change *c)
{
    for (ULONG i = 0; i < c->npend; i++) {
        tbl_pending *pd = &c->pend[i];
        tbl_view *v = pd->view;
        if (!v)
            continue;
        if (pd->whole) {
            NOTIFICATION n;
            memset(&n, 0, sizeof(n));
            n.ulEventType = fnevTableModified;
            n.info.tab.ulTableEvent = pd->whole;
            n.info.tab.propIndex.ulPropTag = PR_NULL;
            n.info.tab.propPrior.ulPropTag = PR_NULL;
            mapirt_advise_fire(v->advise, 1, &n);
        } else if (pd->n) {
            mapirt_advise_fire(v->advise, pd->n, pd->notif);
        }
        for (ULONG k = 0; k < pd->n; k++)
            t->freebuf(pd->bufs[k]);
        tbl_view_release(v);
    }
    mapirt_free(c->pend);
    c->pend = NULL;
    c->npend = 0;
}
