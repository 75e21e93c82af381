/* sqltable.c: the contents table of a folder, run in SQLite: the restriction becomes a WHERE
 * clause and the sort an ORDER BY over the columns of `messages` (db.c), served by the indexes
 * on (folder, assoc, delivery_time) and (folder, assoc, subject); QueryRows reads one page
 * (LIMIT/OFFSET) and GetRowCount counts in SQL. Nothing is loaded whole.
 *
 * Strings sort and match in the runtime's order (collate.c), so SQL answers as the in-memory
 * engine would. What SQL cannot say as MAPI means it (restrictions on properties that have no
 * column, regular expressions, categorized sorts) sends the table
 * to the runtime's in-memory engine: it loads the folder (tables.c) and every call is passed to
 * that view from then on (docs/decisions.md). Column values that are not in `messages` are read
 * from `props` for the rows of a page only.
 *
 * Any change to the folder reaches the views as TABLE_CHANGED (positions are kept as row
 * numbers). Locks: self->lock, then the store's db lock; neither is held while a sink runs. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mapirt/notify.h>
#include <mapirt/strconv.h>

#include "ms.h"

/* ---- the table object ------------------------------------------------------------------------ */

struct ms_sqltable {
    struct ms_store *store;
    sqlite3_int64 folder;
    int assoc;
    ULONG flags;
    pthread_mutex_t lock;
    int lock_ok;
    LPSPropTagArray cols;   /* malloc */
    LPSSortOrderSet sort;   /* malloc; NULL: none */
    char *order;            /* ORDER BY clause */
    char *where;            /* restriction clause */
    ms_sqlparam *params;
    size_t nparams;
    LONG count;             /* -1: to count */
    ULONG pos;
    int unchecked;          /* pos came from a SeekRow that was not asked how far it went */
    ULONG marks[32];        /* bookmarks (0: free) */
    int nmarks;
    LPSRestriction res;     /* the restriction in force (MAPIAllocateBuffer), or NULL */
    LPMAPITABLE fallback;   /* the in-memory engine, once SQL cannot say what was asked */
    mapirt_advise_list *sinks;
    struct ms_sqltable *next; /* the store's list (under tlock) */
};

#include "ms_sqltable_object.h"

static void unlink_table(struct ms_sqltable *t)
{
    struct ms_store *s = t->store;
    pthread_mutex_lock(&s->tlock);
    for (struct ms_sqltable **p = &s->sqltables; *p; p = &(*p)->next)
        if (*p == t) {
            *p = t->next;
            break;
        }
    pthread_mutex_unlock(&s->tlock);
}

static void ms_sqltable_destroy(struct ms_sqltable *self)
{
    if (self->store) {
        unlink_table(self);
        ms_store_release(self->store);
    }
    if (self->fallback)
        self->fallback->lpVtbl->Release(self->fallback);
    mapirt_advise_list_destroy(self->sinks);
    MAPIFreeBuffer(self->res);
    free(self->cols);
    free(self->sort);
    free(self->order);
    free(self->where);
    ms_sql_free_params(self->params, self->nparams);
    if (self->lock_ok)
        pthread_mutex_destroy(&self->lock);
}

void ms_sqltables_changed(struct ms_store *s, sqlite3_int64 folder, int assoc)
{
    ms_xproc_sqltable(s, folder, assoc); /* and to the other processes */
    struct ms_sqltable *hit[32];
    int n = 0;
    pthread_mutex_lock(&s->tlock);
    for (struct ms_sqltable *t = s->sqltables; t && n < 32; t = t->next)
        if (t->folder == folder && t->assoc == assoc && ms_sqltable_tryref(t))
            hit[n++] = t;
    pthread_mutex_unlock(&s->tlock);
    for (int i = 0; i < n; i++) {
        NOTIFICATION nf;
        memset(&nf, 0, sizeof nf);
        nf.ulEventType = fnevTableModified;
        nf.info.tab.ulTableEvent = TABLE_CHANGED;
        nf.info.tab.propIndex.ulPropTag = PR_NULL;
        nf.info.tab.propPrior.ulPropTag = PR_NULL;
        pthread_mutex_lock(&hit[i]->lock);
        hit[i]->count = -1;
        pthread_mutex_unlock(&hit[i]->lock);
        if (hit[i]->fallback == NULL)
            mapirt_advise_fire(hit[i]->sinks, 1, &nf);
        ms_sqltable_release(hit[i]);
    }
}

/* Switches to the in-memory engine with the current columns, restriction and sort. */
static HRESULT fall_back(struct ms_sqltable *t, const SRestriction *res)
{
    LPMAPITABLE v;
    HRESULT hr = ms_tables_open(t->store, t->folder, t->assoc ? MS_TABLE_ASSOC : MS_TABLE_CONTENTS,
                                t->flags, &v);
    if (FAILED(hr))
        return hr;
    if (SUCCEEDED(hr = v->lpVtbl->SetColumns(v, t->cols, 0)) &&
        (res == NULL || SUCCEEDED(hr = v->lpVtbl->Restrict(v, (LPSRestriction)res, 0))) &&
        (t->sort == NULL || SUCCEEDED(hr = v->lpVtbl->SortTable(v, t->sort, 0)))) {
        t->fallback = v;
        return S_OK;
    }
    v->lpVtbl->Release(v);
    return hr;
}

#define FALLBACK(call)                                                                        \
    do {                                                                                      \
        if (self->fallback)                                                                   \
            return self->fallback->lpVtbl->call;                                              \
    } while (0)

static int prepare(struct ms_sqltable *t, const char *select, const char *tail, sqlite3_stmt **st)
{
    size_t n = strlen(select) + strlen(t->where) + strlen(t->order) + strlen(tail) + 128;
    char *sql = malloc(n);
    if (sql == NULL)
        return SQLITE_NOMEM;
    snprintf(sql, n, "%s FROM messages WHERE folder = ?1 AND assoc = ?2 AND (%s) %s", select,
             t->where, tail);
    int rc = sqlite3_prepare_v2(t->store->db->db, sql, -1, st, NULL);
    free(sql);
    if (rc != SQLITE_OK)
        return rc;
    sqlite3_bind_int64(*st, 1, t->folder);
    sqlite3_bind_int(*st, 2, t->assoc);
    for (size_t i = 0; i < t->nparams; i++) {
        if (t->params[i].kind == 1)
            sqlite3_bind_int64(*st, (int)i + 3, t->params[i].i);
        else
            sqlite3_bind_text(*st, (int)i + 3, t->params[i].s, -1, SQLITE_STATIC);
    }
    return SQLITE_OK;
}

/* The number of rows (counted again after a change). Under self->lock. */
static HRESULT count_rows(struct ms_sqltable *t)
{
    if (t->count >= 0)
        return S_OK;
    sqlite3_stmt *st;
    pthread_mutex_lock(&t->store->db->lock);
    int rc = prepare(t, "SELECT count(*)", "", &st);
    if (rc == SQLITE_OK) {
        if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            t->count = (LONG)sqlite3_column_int64(st, 0);
            rc = SQLITE_OK;
        }
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&t->store->db->lock);
    return ms_db_hr(rc);
}

/* min(limit, the number of rows) without counting them all (a cursor near the top of a big
 * folder never pays for its size). Under self->lock. */
static HRESULT rows_upto(struct ms_sqltable *t, ULONG limit, ULONG *out)
{
    if (t->count >= 0) {
        *out = (ULONG)t->count < limit ? (ULONG)t->count : limit;
        return S_OK;
    }
    sqlite3_stmt *st;
    char tail[48];
    snprintf(tail, sizeof tail, "LIMIT %u)", limit);
    pthread_mutex_lock(&t->store->db->lock);
    int rc = prepare(t, "SELECT count(*) FROM (SELECT 1", tail, &st);
    if (rc == SQLITE_OK) {
        if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            *out = (ULONG)sqlite3_column_int64(st, 0);
            rc = SQLITE_OK;
        }
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&t->store->db->lock);
    return ms_db_hr(rc);
}

/* A cursor SeekRow moved without counting: brought back within the rows. Under self->lock. */
static HRESULT settle(struct ms_sqltable *t)
{
    ULONG have;
    if (!t->unchecked)
        return S_OK;
    HRESULT hr = rows_upto(t, t->pos, &have);
    if (SUCCEEDED(hr)) {
        t->pos = have;
        t->unchecked = 0;
    }
    return hr;
}

HRESULT ms_sqltable_open(struct ms_store *s, sqlite3_int64 folder, int assoc, ULONG flags,
                         LPMAPITABLE *out)
{
    static const ULONG cols[] = {PR_INSTANCE_KEY, PR_ENTRYID, PR_RECORD_KEY, PR_OBJECT_TYPE,
                                 PR_SUBJECT_W, PR_SENDER_NAME_W, PR_MESSAGE_DELIVERY_TIME,
                                 PR_MESSAGE_CLASS_W, PR_MESSAGE_FLAGS, PR_MSG_STATUS,
                                 PR_MESSAGE_SIZE};
    const size_t ncols = sizeof cols / sizeof cols[0];
    struct ms_sqltable *t = ms_sqltable_new();
    if (t == NULL)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    ms_store_addref(s);
    t->store = s;
    t->folder = folder;
    t->assoc = assoc;
    t->flags = flags & MAPI_UNICODE;
    t->count = -1;
    mapirt_lasterror_allocators(ms_sqltable_lasterror(t), s->alloc, s->more, s->freebuf);
    if (pthread_mutex_init(&t->lock, NULL) != 0 || (t->lock_ok = 1, 0) ||
        mapirt_advise_list_create(&t->sinks) != S_OK ||
        (t->cols = malloc(CbNewSPropTagArray(ncols))) == NULL ||
        (t->order = strdup("ORDER BY id")) == NULL || (t->where = strdup("1")) == NULL) {
        ms_sqltable_release(t);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    t->cols->cValues = (ULONG)ncols;
    for (size_t i = 0; i < ncols; i++)
        t->cols->aulPropTag[i] = PROP_TYPE(cols[i]) == PT_UNICODE && !(flags & MAPI_UNICODE)
                                     ? CHANGE_PROP_TYPE(cols[i], PT_STRING8)
                                     : cols[i];
    pthread_mutex_lock(&s->tlock);
    t->next = s->sqltables;
    s->sqltables = t;
    pthread_mutex_unlock(&s->tlock);
    *out = ms_sqltable_as_IMAPITable(t);
    return S_OK;
}

static HRESULT ms_sqltable_Advise(struct ms_sqltable *self, ULONG ulEventMask,
                                  LPMAPIADVISESINK lpAdviseSink, ULONG_PTR *lpulConnection)
{
    FALLBACK(Advise(self->fallback, ulEventMask, lpAdviseSink, lpulConnection));
    return mapirt_advise_add(self->sinks, ulEventMask, lpAdviseSink, lpulConnection);
}

static HRESULT ms_sqltable_Unadvise(struct ms_sqltable *self, ULONG_PTR ulConnection)
{
    FALLBACK(Unadvise(self->fallback, ulConnection));
    return mapirt_advise_remove(self->sinks, ulConnection);
}

static HRESULT ms_sqltable_GetStatus(struct ms_sqltable *self, ULONG *lpulTableStatus,
                                     ULONG *lpulTableType)
{
    FALLBACK(GetStatus(self->fallback, lpulTableStatus, lpulTableType));
    *lpulTableStatus = TBLSTAT_COMPLETE;
    *lpulTableType = TBLTYPE_DYNAMIC;
    return S_OK;
}

static HRESULT ms_sqltable_SetColumns(struct ms_sqltable *self, LPSPropTagArray lpPropTagArray,
                                      ULONG ulFlags)
{
    FALLBACK(SetColumns(self->fallback, lpPropTagArray, ulFlags));
    LPSPropTagArray c = malloc(CbNewSPropTagArray(lpPropTagArray->cValues));
    if (c == NULL)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    memcpy(c, lpPropTagArray, CbNewSPropTagArray(lpPropTagArray->cValues));
    pthread_mutex_lock(&self->lock);
    free(self->cols);
    self->cols = c;
    pthread_mutex_unlock(&self->lock);
    return S_OK;
}

static HRESULT ms_sqltable_QueryColumns(struct ms_sqltable *self, ULONG ulFlags,
                                        LPSPropTagArray *lpPropTagArray)
{
    FALLBACK(QueryColumns(self->fallback, ulFlags, lpPropTagArray));
    LPSPropTagArray c;
    pthread_mutex_lock(&self->lock);
    ULONG cb = CbNewSPropTagArray(self->cols->cValues);
    HRESULT hr = self->store->alloc(cb, (void **)&c);
    if (SUCCEEDED(hr))
        memcpy(c, self->cols, cb);
    pthread_mutex_unlock(&self->lock);
    if (FAILED(hr))
        return MAPI_E_NOT_ENOUGH_MEMORY;
    *lpPropTagArray = c;
    return S_OK;
}

static HRESULT ms_sqltable_GetRowCount(struct ms_sqltable *self, ULONG ulFlags, ULONG *lpulCount)
{
    FALLBACK(GetRowCount(self->fallback, ulFlags, lpulCount));
    pthread_mutex_lock(&self->lock);
    HRESULT hr = count_rows(self);
    if (SUCCEEDED(hr))
        *lpulCount = (ULONG)self->count;
    pthread_mutex_unlock(&self->lock);
    return FAILED(hr) ? ms_sqltable_fail(self, hr, "GetRowCount: reading the folder failed") : S_OK;
}

/* The row a bookmark names (under self->lock). */
static HRESULT origin(struct ms_sqltable *t, BOOKMARK bk, ULONG *pos)
{
    HRESULT hr = settle(t);
    if (FAILED(hr))
        return hr;
    if (bk == BOOKMARK_BEGINNING)
        *pos = 0;
    else if (bk == BOOKMARK_CURRENT)
        *pos = t->pos;
    else if (bk == BOOKMARK_END)
        *pos = (ULONG)t->count;
    else if (bk >= 3 && bk - 3 < 32 && t->marks[bk - 3])
        *pos = t->marks[bk - 3] - 1;
    else
        return MAPI_E_INVALID_BOOKMARK;
    if (*pos > (ULONG)t->count)
        *pos = (ULONG)t->count;
    return S_OK;
}

static HRESULT ms_sqltable_SeekRow(struct ms_sqltable *self, BOOKMARK bkOrigin, LONG lRowCount,
                                   LONG *lplRowsSought)
{
    FALLBACK(SeekRow(self->fallback, bkOrigin, lRowCount, lplRowsSought));
    ULONG from = 0;
    HRESULT hr = S_OK;
    pthread_mutex_lock(&self->lock);
    if (bkOrigin != BOOKMARK_BEGINNING && FAILED(hr = settle(self))) {
        pthread_mutex_unlock(&self->lock);
        return hr;
    }
    /* Forward from the top or the cursor: only the rows up to the target are counted, and not
     * even those when the caller does not ask how far the cursor went (the next QueryRows
     * finds out: a page at a depth costs one OFFSET, as the SQL query alone). */
    if (bkOrigin == BOOKMARK_BEGINNING || bkOrigin == BOOKMARK_CURRENT) {
        from = bkOrigin == BOOKMARK_BEGINNING ? 0 : self->pos;
        if (lRowCount > 0 && lplRowsSought == NULL) {
            uint64_t want = (uint64_t)from + (ULONG)lRowCount;
            self->pos = want > 0xFFFFFFFFu ? 0xFFFFFFFFu : (ULONG)want;
            self->unchecked = 1;
            pthread_mutex_unlock(&self->lock);
            return S_OK;
        }
        self->unchecked = 0;
        if (lRowCount > 0) {
            ULONG have = 0;
            uint64_t want = (uint64_t)from + (ULONG)lRowCount;
            hr = rows_upto(self, want > 0xFFFFFFFFu ? 0xFFFFFFFFu : (ULONG)want, &have);
            if (SUCCEEDED(hr) && have < from)
                from = have; /* rows went away under the cursor */
            if (SUCCEEDED(hr)) {
                self->pos = have;
                if (lplRowsSought)
                    *lplRowsSought = (LONG)(have - from);
            }
            pthread_mutex_unlock(&self->lock);
            return hr;
        }
    }
    hr = count_rows(self);
    if (SUCCEEDED(hr))
        hr = origin(self, bkOrigin, &from);
    if (SUCCEEDED(hr)) {
        int64_t to = (int64_t)from + lRowCount;
        if (to < 0)
            to = 0;
        if (to > self->count)
            to = self->count;
        self->pos = (ULONG)to;
        if (lplRowsSought)
            *lplRowsSought = (LONG)(to - (int64_t)from);
    }
    pthread_mutex_unlock(&self->lock);
    return hr;
}

static HRESULT ms_sqltable_SeekRowApprox(struct ms_sqltable *self, ULONG ulNumerator,
                                         ULONG ulDenominator)
{
    FALLBACK(SeekRowApprox(self->fallback, ulNumerator, ulDenominator));
    if (ulDenominator == 0 || ulNumerator > ulDenominator)
        return ms_sqltable_fail(self, MAPI_E_INVALID_PARAMETER, "SeekRowApprox: bad fraction");
    pthread_mutex_lock(&self->lock);
    HRESULT hr = count_rows(self);
    if (SUCCEEDED(hr))
        self->pos = (ULONG)((uint64_t)self->count * ulNumerator / ulDenominator);
    pthread_mutex_unlock(&self->lock);
    return hr;
}

static HRESULT ms_sqltable_QueryPosition(struct ms_sqltable *self, ULONG *lpulRow,
                                         ULONG *lpulNumerator, ULONG *lpulDenominator)
{
    FALLBACK(QueryPosition(self->fallback, lpulRow, lpulNumerator, lpulDenominator));
    pthread_mutex_lock(&self->lock);
    HRESULT hr = count_rows(self);
    if (SUCCEEDED(hr))
        hr = settle(self);
    if (SUCCEEDED(hr)) {
        *lpulRow = self->pos;
        *lpulNumerator = self->pos;
        *lpulDenominator = self->count ? (ULONG)self->count : 1;
    }
    pthread_mutex_unlock(&self->lock);
    return hr;
}

static HRESULT ms_sqltable_CreateBookmark(struct ms_sqltable *self, BOOKMARK *lpbkPosition)
{
    FALLBACK(CreateBookmark(self->fallback, lpbkPosition));
    pthread_mutex_lock(&self->lock);
    settle(self);
    for (int i = 0; i < 32; i++)
        if (self->marks[i] == 0) {
            self->marks[i] = self->pos + 1;
            *lpbkPosition = (BOOKMARK)(i + 3);
            pthread_mutex_unlock(&self->lock);
            return S_OK;
        }
    pthread_mutex_unlock(&self->lock);
    return ms_sqltable_fail(self, MAPI_E_UNABLE_TO_COMPLETE, "CreateBookmark: 32 are in use");
}

static HRESULT ms_sqltable_FreeBookmark(struct ms_sqltable *self, BOOKMARK bkPosition)
{
    FALLBACK(FreeBookmark(self->fallback, bkPosition));
    if (bkPosition < 3)
        return S_OK;
    if (bkPosition - 3 >= 32 || self->marks[bkPosition - 3] == 0)
        return MAPI_E_INVALID_BOOKMARK;
    self->marks[bkPosition - 3] = 0;
    return S_OK;
}

static HRESULT ms_sqltable_Restrict(struct ms_sqltable *self, LPSRestriction lpRestriction,
                                    ULONG ulFlags)
{
    FALLBACK(Restrict(self->fallback, lpRestriction, ulFlags));
    ms_sqlbuf b = {0};
    if (lpRestriction)
        ms_sql_where(&b, lpRestriction, 0);
    else
        ms_sql_emit(&b, "1");
    pthread_mutex_lock(&self->lock);
    HRESULT hr = S_OK;
    if (b.bad) {
        free(b.p);
        ms_sql_free_params(b.params, b.nparams);
        hr = fall_back(self, lpRestriction);
    } else {
        LPSRestriction keep = NULL;
        if (lpRestriction &&
            (MAPIAllocateBuffer(sizeof *keep, (void **)&keep) != S_OK ||
             FAILED(ms_sql_copy_res(lpRestriction, keep, keep)))) {
            MAPIFreeBuffer(keep);
            free(b.p);
            ms_sql_free_params(b.params, b.nparams);
            pthread_mutex_unlock(&self->lock);
            return MAPI_E_NOT_ENOUGH_MEMORY;
        }
        MAPIFreeBuffer(self->res);
        self->res = keep;
        free(self->where);
        ms_sql_free_params(self->params, self->nparams);
        self->where = b.p;
        self->params = b.params;
        self->nparams = b.nparams;
        self->count = -1;
        self->pos = 0;
        self->unchecked = 0;
        memset(self->marks, 0, sizeof self->marks);
    }
    pthread_mutex_unlock(&self->lock);
    return FAILED(hr) ? ms_sqltable_fail(self, hr, "Restrict failed") : S_OK;
}

static HRESULT ms_sqltable_SortTable(struct ms_sqltable *self, LPSSortOrderSet lpSortCriteria,
                                     ULONG ulFlags)
{
    FALLBACK(SortTable(self->fallback, lpSortCriteria, ulFlags));
    ms_sqlbuf b = {0};
    size_t cb = CbSSortOrderSet(lpSortCriteria);
    LPSSortOrderSet copy = malloc(cb);
    if (copy == NULL)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    memcpy(copy, lpSortCriteria, cb);
    ms_sql_emit(&b, "ORDER BY ");
    if (lpSortCriteria->cCategories)
        b.bad = 1;
    for (ULONG i = 0; i < lpSortCriteria->cSorts && !b.bad; i++) {
        const SSortOrder *o = &lpSortCriteria->aSort[i];
        const struct ms_mirror *m = ms_mirror_of(o->ulPropTag);
        if (m == NULL || (o->ulOrder != TABLE_SORT_ASCEND && o->ulOrder != TABLE_SORT_DESCEND)) {
            b.bad = 1;
            break;
        }
        /* As the in-memory engine: strings in the runtime's order (collate.c), rows without
         * the property last in both directions (SQLite reads an index twice for NULLS LAST). */
        ms_sql_emit(&b, m->col);
        ms_sql_emit(&b, m->text ? " COLLATE MAPIRT" : "");
        ms_sql_emit(&b, o->ulOrder == TABLE_SORT_DESCEND ? " DESC, " : " NULLS LAST, ");
    }
    /* Equal keys keep the order of arrival in both directions, as the in-memory engine's. */
    ms_sql_emit(&b, "id");
    pthread_mutex_lock(&self->lock);
    free(self->sort);
    self->sort = copy;
    HRESULT hr = S_OK;
    if (b.bad) {
        free(b.p);
        hr = fall_back(self, self->res);
    } else {
        free(self->order);
        self->order = b.p;
        self->pos = 0;
        self->unchecked = 0;
        memset(self->marks, 0, sizeof self->marks);
    }
    pthread_mutex_unlock(&self->lock);
    return FAILED(hr) ? ms_sqltable_fail(self, hr, "SortTable failed") : S_OK;
}

static HRESULT ms_sqltable_QuerySortOrder(struct ms_sqltable *self,
                                          LPSSortOrderSet *lppSortCriteria)
{
    FALLBACK(QuerySortOrder(self->fallback, lppSortCriteria));
    LPSSortOrderSet s;
    static const SSortOrderSet none = {0, 0, 0, {{0, 0}}};
    pthread_mutex_lock(&self->lock);
    const SSortOrderSet *cur = self->sort ? self->sort : &none;
    ULONG cb = CbSSortOrderSet(cur);
    HRESULT hr = self->store->alloc(cb, (void **)&s);
    if (SUCCEEDED(hr))
        memcpy(s, cur, cb);
    pthread_mutex_unlock(&self->lock);
    if (FAILED(hr))
        return MAPI_E_NOT_ENOUGH_MEMORY;
    *lppSortCriteria = s;
    return S_OK;
}

/* One column of a row: from the `messages` columns, computed, or read from `props`. */
static void column(struct ms_sqltable *t, sqlite3_stmt *st, sqlite3_int64 id, ULONG tag,
                   void *parent, SPropValue *v)
{
    struct ms_store *s = t->store;
    ms_db *d = s->db;
    const struct ms_mirror *m = ms_mirror_of(tag);
    memset(v, 0, sizeof *v);
    v->ulPropTag = PROP_TAG(PT_ERROR, PROP_ID(tag));
    v->Value.err = MAPI_E_NOT_FOUND;
    if (tag == PR_INSTANCE_KEY) {
        BYTE *key;
        if (s->more(8, parent, (void **)&key) != S_OK)
            return;
        for (int i = 0; i < 8; i++)
            key[i] = (BYTE)((uint64_t)id >> (8 * i));
        v->ulPropTag = tag;
        v->Value.bin.cb = 8;
        v->Value.bin.lpb = key;
        return;
    }
    if (tag == PR_ENTRYID || tag == PR_RECORD_KEY) {
        if (SUCCEEDED(ms_store_eid(s, MAPI_MESSAGE, id, parent, &v->Value.bin)))
            v->ulPropTag = tag;
        return;
    }
    if (tag == PR_OBJECT_TYPE) {
        v->ulPropTag = tag;
        v->Value.l = MAPI_MESSAGE;
        return;
    }
    if (m) {
        int col = 1 + (int)(m - MS_MIRRORS);
        if (sqlite3_column_type(st, col) == SQLITE_NULL)
            return;
        if (FAILED(ms_column_value(st, col, tag, s->more, parent, v))) {
            v->ulPropTag = PROP_TAG(PT_ERROR, PROP_ID(tag));
            v->Value.err = MAPI_E_NOT_ENOUGH_MEMORY;
        }
        return;
    }
    sqlite3_stmt *p = ms_db_stmt(d, "SELECT type, val, big FROM props WHERE obj = ? AND id = ?");
    if (p == NULL)
        return;
    sqlite3_bind_int64(p, 1, id);
    sqlite3_bind_int(p, 2, (int)PROP_ID(tag));
    if (sqlite3_step(p) == SQLITE_ROW) {
        ULONG have = (ULONG)sqlite3_column_int(p, 0), want = PROP_TYPE(tag);
        int strings = (have == PT_STRING8 || have == PT_UNICODE) &&
                      (want == PT_STRING8 || want == PT_UNICODE);
        if (have == want || strings || want == PT_UNSPECIFIED) {
            if (sqlite3_column_type(p, 2) != SQLITE_NULL) {
                v->Value.err = MAPI_E_NOT_ENOUGH_MEMORY; /* a big value: OpenProperty reads it */
            } else {
                ULONG t2 = want == PT_UNSPECIFIED ? PROP_TAG(have, PROP_ID(tag)) : tag;
                if (FAILED(ms_column_value(p, 1, t2, s->more, parent, v))) {
                    v->ulPropTag = PROP_TAG(PT_ERROR, PROP_ID(tag));
                    v->Value.err = MAPI_E_NOT_ENOUGH_MEMORY;
                }
            }
        }
    }
    sqlite3_reset(p);
}

static HRESULT ms_sqltable_QueryRows(struct ms_sqltable *self, LONG lRowCount, ULONG ulFlags,
                                     LPSRowSet *lppRows)
{
    FALLBACK(QueryRows(self->fallback, lRowCount, ulFlags, lppRows));
    struct ms_store *s = self->store;
    if (lRowCount == 0)
        return ms_sqltable_fail(self, MAPI_E_INVALID_PARAMETER, "QueryRows: zero row count");
    pthread_mutex_lock(&self->lock);
    if (lRowCount < 0 && FAILED(settle(self))) {
        pthread_mutex_unlock(&self->lock);
        return ms_sqltable_fail(self, MAPI_E_CALL_FAILED, "QueryRows: reading the folder failed");
    }
    /* No count: the page's LIMIT says how many rows there are from here. */
    ULONG cur = self->pos, start, count, newpos;
    if (self->count >= 0 && cur > (ULONG)self->count)
        cur = (ULONG)self->count;
    if (lRowCount > 0) {
        start = cur;
        count = (ULONG)lRowCount;
        if (count > 4096)
            count = 4096; /* fewer rows than asked, as MAPI allows: the caller asks again */
        newpos = cur;
    } else {
        /* As the in-memory engine: the start moves back, the rows are read forwards. */
        ULONG back = 0u - (ULONG)lRowCount;
        start = cur > back ? cur - back : 0;
        count = cur - start;
        newpos = (ulFlags & TBL_NOADVANCE) ? start : cur;
    }
    LPSRowSet set;
    if (s->alloc(CbNewSRowSet(count), (void **)&set) != S_OK) {
        pthread_mutex_unlock(&self->lock);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    set->cRows = 0;
    if (count) {
        ULONG ncols = self->cols->cValues;
        pthread_mutex_lock(&s->db->lock);
        sqlite3_stmt *st = NULL;
        size_t n = strlen(self->order) + 64;
        char *tail = malloc(n);
        int rc = tail ? SQLITE_OK : SQLITE_NOMEM;
        if (tail) {
            /* One page: LIMIT/OFFSET after the ORDER BY. */
            snprintf(tail, n, "%s LIMIT %u OFFSET %u", self->order, count, start);
            rc = prepare(self, "SELECT id, delivery_time, subject, sender, message_class,"
                               " flags, status, size", tail, &st);
            free(tail);
        }
        while (rc == SQLITE_OK && set->cRows < count) {
            int r = sqlite3_step(st);
            if (r != SQLITE_ROW) {
                rc = r == SQLITE_DONE ? SQLITE_OK : r;
                break;
            }
            LPSPropValue v;
            if (s->alloc((ncols ? ncols : 1) * sizeof *v, (void **)&v) != S_OK) {
                rc = SQLITE_NOMEM;
                break;
            }
            sqlite3_int64 id = sqlite3_column_int64(st, 0);
            for (ULONG c = 0; c < ncols; c++)
                column(self, st, id, self->cols->aulPropTag[c], v, &v[c]);
            set->aRow[set->cRows].ulAdrEntryPad = 0;
            set->aRow[set->cRows].cValues = ncols;
            set->aRow[set->cRows++].lpProps = v;
        }
        if (st)
            sqlite3_finalize(st);
        pthread_mutex_unlock(&s->db->lock);
        if (rc != SQLITE_OK) {
            FreeProws(set);
            pthread_mutex_unlock(&self->lock);
            return ms_sqltable_fail(self, ms_db_hr(rc), "QueryRows: reading the folder failed");
        }
        if (lRowCount > 0 && !(ulFlags & TBL_NOADVANCE))
            newpos = start + set->cRows;
    }
    if (self->unchecked && lRowCount > 0 && set->cRows > 0)
        self->unchecked = 0; /* rows at the cursor: it was within the table */
    self->pos = newpos;
    if (self->unchecked && lRowCount > 0)
        settle(self); /* nothing at the cursor: it was past the end */
    pthread_mutex_unlock(&self->lock);
    *lppRows = set;
    return S_OK;
}

static HRESULT ms_sqltable_FindRow(struct ms_sqltable *self, LPSRestriction lpRestriction,
                                   BOOKMARK bkOrigin, ULONG ulFlags)
{
    FALLBACK(FindRow(self->fallback, lpRestriction, bkOrigin, ulFlags));
    ms_sqlbuf b = {0};
    ULONG from;
    ms_sql_where(&b, lpRestriction, 0);
    if (b.bad) {
        free(b.p);
        ms_sql_free_params(b.params, b.nparams);
        return ms_sqltable_fail(self, MAPI_E_TOO_COMPLEX,
                                "FindRow: the restriction names properties the folder's SQL"
                                " columns do not hold (Restrict with it instead)");
    }
    pthread_mutex_lock(&self->lock);
    HRESULT hr = count_rows(self);
    if (SUCCEEDED(hr))
        hr = origin(self, bkOrigin, &from);
    if (FAILED(hr)) {
        pthread_mutex_unlock(&self->lock);
        free(b.p);
        ms_sql_free_params(b.params, b.nparams);
        return hr;
    }
    /* The row number of the first match from the origin, in the table's order. Parameters of
     * the search follow those of the restriction. */
    size_t n = strlen(b.p) + strlen(self->order) + 256;
    char *select = malloc(n), *tail = malloc(64);
    int rc = select && tail ? SQLITE_OK : SQLITE_NOMEM;
    sqlite3_stmt *st = NULL;
    if (rc == SQLITE_OK) {
        /* Renumber the search's parameters after the table's own. */
        size_t base = self->nparams + 3;
        ms_sqlbuf nb = {0};
        for (const char *p = b.p; *p; p++) {
            char one[24];
            if (*p == '?') {
                snprintf(one, sizeof one, "?%zu", base++);
            } else {
                one[0] = *p;
                one[1] = 0;
            }
            ms_sql_emit(&nb, one);
        }
        if (nb.bad)
            rc = SQLITE_NOMEM;
        else
            snprintf(select, n, "SELECT rn FROM (SELECT row_number() OVER (%s) - 1 AS rn, %s"
                                " AS hit", self->order, nb.p);
        free(nb.p);
        snprintf(tail, 64, ") WHERE hit AND rn %s %u ORDER BY rn %s LIMIT 1",
                 (ulFlags & DIR_BACKWARD) ? "<" : ">=", from,
                 (ulFlags & DIR_BACKWARD) ? "DESC" : "");
    }
    pthread_mutex_lock(&self->store->db->lock);
    if (rc == SQLITE_OK)
        rc = prepare(self, select, tail, &st);
    for (size_t i = 0; rc == SQLITE_OK && i < b.nparams; i++) {
        int k = (int)(self->nparams + 3 + i);
        if (b.params[i].kind == 1)
            sqlite3_bind_int64(st, k, b.params[i].i);
        else
            sqlite3_bind_text(st, k, b.params[i].s, -1, SQLITE_STATIC);
    }
    hr = MAPI_E_NOT_FOUND;
    if (rc == SQLITE_OK) {
        int r = sqlite3_step(st);
        if (r == SQLITE_ROW) {
            self->pos = (ULONG)sqlite3_column_int64(st, 0);
            hr = S_OK;
        } else if (r != SQLITE_DONE) {
            hr = ms_db_hr(r);
        }
    } else {
        hr = ms_db_hr(rc);
    }
    if (st)
        sqlite3_finalize(st);
    pthread_mutex_unlock(&self->store->db->lock);
    pthread_mutex_unlock(&self->lock);
    free(select);
    free(tail);
    free(b.p);
    ms_sql_free_params(b.params, b.nparams);
    return hr;
}

static HRESULT ms_sqltable_Abort(struct ms_sqltable *self)
{
    FALLBACK(Abort(self->fallback));
    return S_OK; /* nothing runs in the background */
}

static HRESULT ms_sqltable_WaitForCompletion(struct ms_sqltable *self, ULONG ulFlags,
                                             ULONG ulTimeout, ULONG *lpulTableStatus)
{
    FALLBACK(WaitForCompletion(self->fallback, ulFlags, ulTimeout, lpulTableStatus));
    if (lpulTableStatus)
        *lpulTableStatus = TBLSTAT_COMPLETE;
    return S_OK;
}
