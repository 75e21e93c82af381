/* table_internal.h: what the files of the in-memory table share. Not part of any public header.
 *
 *   table.c        CreateTable, ITableData         tableindex.c  the hash on the index column
 *   tableupdate.c  carrying changes into views     tablerow.c    values as a view sees them
 *   tableview.c    IMAPITable object, advise       tablecursor.c cursor, bookmarks, FindRow
 *   tablequery.c   columns, Restrict, sort, rows   restrict.c    restrictions
 *   sort.c         sort orders and sorting
 *
 * Model. An ITableData (struct tbl_data) owns its rows (struct tbl_row, each a private copy of
 * the caller's SRow in one block), kept in table order (HrEnumRow order) and in a hash on the
 * index column. Every view (struct tbl_view, the IMAPITable returned by HrGetView) keeps its own
 * array of visible rows (struct tbl_vrow: a table row plus, for multi-valued instance columns,
 * which combination of values it shows) in the view's total order: the sort keys, then table
 * position, then instance number. Because that order is total, any row of a view can be found
 * by binary search, which is how changes reach the views without rescanning them.
 *
 * Locking. One mutex per table guards the table and all of its views: views read the table's
 * rows, and every change must reach every view atomically. Notifications are collected under
 * the lock and delivered after it is released, so a sink may call back into the table or a
 * view from OnNotify. */
#ifndef MAPIRT_TABLE_INTERNAL_H
#define MAPIRT_TABLE_INTERNAL_H

#include <mapidefs.h>
#include <mapicode.h>
#include <mapix.h>
#include <mapiutil.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <mapirt/alloc.h>
#include <mapirt/notify.h>
#include <mapirt/proputil.h>

/* MV_FLAG | MV_INSTANCE: a multi-valued column shown one value per row. */
#define TBL_MVI_BITS ((ULONG)MVI_FLAG)
#define TBL_IS_MVI(tag) ((PROP_TYPE(tag) & TBL_MVI_BITS) == TBL_MVI_BITS)
/* A multi-valued property tag without the instance bit (what rows store). */
#define TBL_MV_TAG(tag) ((ULONG)(tag) & ~(ULONG)MV_INSTANCE)
/* The single-valued tag of one instance of a multi-valued column. */
#define TBL_SV_TAG(tag) ((ULONG)(tag) & ~(ULONG)TBL_MVI_BITS)

/* Longest stored PR_INSTANCE_KEY kept as the base of expanded instance keys; longer ones fall
 * back to the generated key so that every key fits a fixed scratch buffer. */
#define TBL_IKEY_MAX 64
/* Bookmarks per view (MAPI lets a table cap them; beyond it CreateBookmark fails with
 * MAPI_E_UNABLE_TO_COMPLETE). Slot 0 of the mark array is the cursor. */
#define TBL_MAX_BOOKMARKS 255
/* Rows one table row may expand to through multi-valued instance columns. */
#define TBL_MAX_INSTANCES 65536u
/* Row events one change sends to one view before they are replaced by a single TABLE_CHANGED
 * (HrModifyRows documents eight). */
#define TBL_MAX_EVENTS 8

typedef struct tbl_data tbl_data;
typedef struct tbl_view tbl_view;
typedef struct tbl_res tbl_res;

typedef struct tbl_row {
    ULONG cValues;
    LPSPropValue lpProps; /* one mapirt_malloc block: values and everything they point to */
    const SPropValue *key; /* the index column, inside lpProps */
    uint32_t hash; /* of the index value */
    ULONG pos; /* index in tbl_data.rows: table order */
    ULONG serial; /* unique in the table, never reused: the generated instance key */
    BYTE ikey[4]; /* serial, little-endian: storage the generated key points to */
    BYTE state; /* TBL_ROW_*: bookkeeping inside one change */
} tbl_row;

enum {
    TBL_ROW_STABLE = 0,
    TBL_ROW_MODIFIED,
    TBL_ROW_DELETED,
    TBL_ROW_NEW
};

/* One row of a view. ord numbers the combination of multi-valued instance values (0 when the
 * view expands nothing). props/c repeat the row's values so that reading a view row touches
 * one block instead of two; a change of the values always replaces the view rows of the table
 * row, so the copy never goes stale. */
typedef struct tbl_vrow {
    tbl_row *row;
    const SPropValue *props;
    ULONG c;
    ULONG ord;
} tbl_vrow;

static inline tbl_vrow tbl_mkvrow(tbl_row *r, ULONG ord)
{
    tbl_vrow vr = {r, r->lpProps, r->cValues, ord};
    return vr;
}

/* A cursor or bookmark position: an index into the view's rows (n = after the last row). */
typedef struct tbl_mark {
    BOOKMARK id; /* the bookmark's number; BOOKMARK_CURRENT for the cursor (slot 0) */
    ULONG pos;
    bool moved; /* its row went away: the next use reports MAPI_W_POSITION_CHANGED */
    /* scratch of one change: the modified row the mark sat on, to follow it to its new place */
    tbl_row *follow;
    ULONG follow_ord;
} tbl_mark;

typedef struct tbl_sort {
    ULONG n;
    SSortOrder *keys; /* mapirt_malloc; NULL when n == 0 */
} tbl_sort;

/* The ITableData (coclass tbl_data, table.idl). */
struct tbl_data {
    pthread_mutex_t lock;
    bool lock_ok; /* initialised (the destroy hook may run on a half-built table) */
    ALLOCATEBUFFER *alloc;
    ALLOCATEMORE *more;
    FREEBUFFER *freebuf;
    ULONG type; /* TBLTYPE_*, reported by GetStatus */
    ULONG index_tag;

    tbl_row **rows; /* table order */
    ULONG nrows, caprows;
    tbl_row **hash; /* open addressing on the index value (tableindex.c) */
    ULONG hcap, hused; /* hused counts live slots and tombstones */
    ULONG next_serial;

    ULONG *cols; /* available columns: creation set plus every tag rows brought since */
    ULONG ncols, capcols;

    tbl_view *views; /* open views, doubly linked */
};

/* An IMAPITable view (coclass tbl_view, table.idl). */
struct tbl_view {
    tbl_data *t; /* referenced */
    tbl_view *next, *prev;
    CALLERRELEASE *on_release;
    ULONG_PTR caller_data;
    mapirt_advise_list *advise;
    ULONG nsinks;

    LPSPropTagArray cols; /* current column set (mapirt_malloc) */
    tbl_sort sort;
    tbl_res *res; /* NULL: no restriction */
    ULONG *mvi; /* multi-valued tags (without MV_INSTANCE) the rows expand on */
    ULONG nmvi;

    tbl_vrow *rows;
    ULONG n, cap;
    tbl_mark *marks; /* marks[0] is the cursor */
    ULONG nmarks, capmarks;
    BOOKMARK next_bk;
};

/* The generated object layer: tbl_data_as_ITableData(), tbl_view_release(), tbl_view_tryref(),
 * tbl_view_lasterror() and the prototypes of the view's methods written outside tableview.c. */
#include "tbl_data_decl.h"
#include "tbl_view_decl.h"

/* A value as a view sees it, with room for a synthesized instance key. */
typedef struct tbl_val {
    SPropValue v;
    BYTE buf[TBL_IKEY_MAX + 4];
} tbl_val;

/* ---- rows and values (tablerow.c) ------------------------------------------------------ */

/* The value with exactly this tag (PT_UNSPECIFIED matches any type of the id), else NULL. */
const SPropValue *tbl_find(const SPropValue *props, ULONG c, ULONG tag);
/* The same, trying position *hint first and leaving the position found there: rows of one
 * table mostly share their layout, so looking up the same tag row after row rarely scans. */
const SPropValue *tbl_find_hint(const SPropValue *props, ULONG c, ULONG tag, ULONG *hint);
/* Number of values of a multi-valued property. */
ULONG tbl_mv_count(const SPropValue *mv);
/* Value k of a multi-valued property as a single value. */
void tbl_mv_elem(const SPropValue *mv, ULONG k, SPropValue *out);
/* Rows a table row with these values makes in view v (1 without expansion); 0 when it would
 * exceed TBL_MAX_INSTANCES. */
ULONG tbl_instances(const tbl_view *v, const SPropValue *props, ULONG c);
/* The value of tag in vr as view v shows it: the instance value of an expanded multi-valued
 * column, the instance key for PR_INSTANCE_KEY, a stored PT_ERROR value for a missing tag when
 * the row has one. NULL when the row has no such value. May point into *scratch. hint (may be
 * NULL) as for tbl_find_hint. */
const SPropValue *tbl_value(const tbl_view *v, const tbl_vrow *vr, ULONG tag, tbl_val *scratch,
    ULONG *hint);
/* The instance key of vr without its instance number: the stored PR_INSTANCE_KEY if short
 * enough, else the generated one. */
void tbl_base_key(const tbl_vrow *vr, const BYTE **pb, ULONG *cb);
/* PR_INSTANCE_KEY of vr in v (always present). */
const SPropValue *tbl_instance_key(const tbl_view *v, const tbl_vrow *vr, tbl_val *scratch);

/* Orders two values of the same type the way LPropCompareProp does (mapirt_prop_compare:
 * multi-valued ones element by element, a shorter prefix first), integers without a call. */
int tbl_prop_cmp(const SPropValue *a, const SPropValue *b);

/* ---- sorting (sort.c) ------------------------------------------------------------------ */

/* Checks an SSortOrderSet for a view and copies it. NULL or zero keys make an unsorted view. */
HRESULT tbl_sort_compile(const SSortOrderSet *s, tbl_sort *out);
void tbl_sort_clear(tbl_sort *s);
/* The multi-valued tags rows expand on for this column set and sort order. */
HRESULT tbl_mvi_compute(const SPropTagArray *cols, const tbl_sort *s, ULONG **out, ULONG *n);
/* The view's total order. */
int tbl_vrow_cmp(const tbl_view *v, const tbl_vrow *a, const tbl_vrow *b);
/* First index in v->rows[0..n) whose row is not before x. */
ULONG tbl_lower_bound(const tbl_view *v, const tbl_vrow *x);
/* Sorts rows[0..n) in v's order; allocates its workspace. */
HRESULT tbl_sort_rows(const tbl_view *v, tbl_vrow *rows, ULONG n);
/* The same in a caller's workspace of tbl_sort_ws_size(v, n) bytes (8-byte aligned). */
size_t tbl_sort_ws_size(const tbl_view *v, ULONG n);
void tbl_sort_rows_ws(const tbl_view *v, tbl_vrow *rows, ULONG n, void *ws);
/* Computes the rows of v under its restriction, expansion and sort, from scratch, into a new
 * array (*out with *nout rows and room for *cap; mapirt_malloc). v->t's lock is held; v is read
 * only for those three, which the caller may have swapped in temporarily. */
HRESULT tbl_build_rows(const tbl_view *v, tbl_vrow **out, ULONG *nout, ULONG *cap);

/* ---- restrictions (restrict.c) --------------------------------------------------------- */

/* Checks a restriction and compiles it for evaluation. MAPI_E_INVALID_PARAMETER for malformed
 * input, MAPI_E_TOO_COMPLEX for what an in-memory table cannot evaluate. */
HRESULT tbl_res_compile(const SRestriction *r, tbl_res **out);
void tbl_res_free(tbl_res *r);
/* r is not const: it remembers where rows keep the properties it tests (see tbl_find_hint);
 * the table lock serialises its users. */
bool tbl_res_eval(const tbl_view *v, tbl_res *r, const tbl_vrow *vr);

/* ---- the index (tableindex.c) --------------------------------------------------------- */

/* Types an index column may have (single values that compare by content). */
bool tbl_index_type_ok(ULONG type);
/* The one check of an index value a caller names a row by (HrModifyRow(s), HrInsertRow,
 * HrDeleteRow(s), HrQueryRow, HrNotify): present, tagged with the index column, and readable
 * (FBadProp: a string present, a binary's bytes when cb > 0). */
bool tbl_key_ok(const tbl_data *t, const SPropValue *key);
uint32_t tbl_key_hash(const SPropValue *key);
/* The row whose index value equals key (h = tbl_key_hash(key)), or NULL. */
tbl_row *tbl_index_find(const tbl_data *t, const SPropValue *key, uint32_t h);
/* Room for extra more rows, so that the inserts of the next change cannot fail. */
HRESULT tbl_index_reserve(tbl_data *t, ULONG extra);
void tbl_index_insert(tbl_data *t, tbl_row *r);
void tbl_index_remove(tbl_data *t, const tbl_row *r);

/* ---- views (tableview.c, tablecursor.c, tablequery.c) ---------------------------------- */

/* A new view of t (lock held), linked into t's list and holding a reference to t. */
HRESULT tbl_view_create(tbl_data *t, const SSortOrderSet *sort, CALLERRELEASE *cb,
    ULONG_PTR data, tbl_view **out);
/* Builds the column values of vr for QueryRows and notifications: vals[i] for column i.
 * hints (one per column, zeroed before the first row; may be NULL) speed up row after row. */
void tbl_view_columns(const tbl_view *v, const tbl_vrow *vr, SPropValue *vals, tbl_val *scratch,
    ULONG *hints);

#define TBL_LOCK(v) pthread_mutex_lock(&(v)->t->lock)
#define TBL_UNLOCK(v) pthread_mutex_unlock(&(v)->t->lock)

/* Records an error for GetLastError and returns it. */
static inline HRESULT tbl_fail(tbl_view *v, HRESULT hr, const char *msg)
{
    return mapirt_lasterror_set(tbl_view_lasterror(v), hr, msg);
}

/* The same, then drops the lock. */
static inline HRESULT tbl_unlock_fail(tbl_view *v, HRESULT hr, const char *msg)
{
    tbl_fail(v, hr, msg);
    TBL_UNLOCK(v);
    return hr;
}

/* Forgets every bookmark and puts the cursor at the start. */
void tbl_discard_bookmarks(tbl_view *v);

/* ---- changes (tableupdate.c) ----------------------------------------------------------- */

/* Notifications one change produced for one view, delivered after the table lock is dropped. */
typedef struct tbl_pending {
    tbl_view *view; /* referenced */
    ULONG n;
    ULONG whole; /* 0, or TABLE_CHANGED / TABLE_RELOAD replacing the row events */
    NOTIFICATION notif[TBL_MAX_EVENTS];
    void *bufs[TBL_MAX_EVENTS];
} tbl_pending;

/* What one view must do for one change; prepared (all allocation done) before the table
 * changes, so that the change itself cannot fail half way. */
typedef struct tbl_vprep {
    tbl_view *view;
    ULONG *rm; /* positions of the view rows of modified and deleted table rows */
    ULONG nrm;
    tbl_vrow *ins; /* room for the instances of new and modified rows... */
    ULONG *ipos; /* ...their insertion points... */
    void *ws; /* ...and the workspace to sort them */
    ULONG capins;
    tbl_pending *pend; /* NULL when nobody listens */
} tbl_vprep;

typedef struct tbl_change {
    tbl_vprep *preps;
    ULONG npreps;
    tbl_pending *pend;
    ULONG npend;
    bool reload; /* TAD_ALL_ROWS: the views are emptied and told TABLE_RELOAD */
} tbl_change;

/* Values of a row about to enter the table. */
typedef struct tbl_propset {
    const SPropValue *props;
    ULONG c;
} tbl_propset;

/* Prepares every view for a change: old[] are the table rows the change modifies or deletes
 * (still holding their current values), neu[] the values of the rows it adds or modifies. */
HRESULT tbl_change_prepare(tbl_data *t, tbl_change *c, tbl_row *const *old, ULONG nold,
    const tbl_propset *neu, ULONG nneu);
/* Applies the prepared change to every view once the table holds the new state: removes the
 * recorded positions, inserts the visible instances of rows[0..nrows) (the new and modified
 * rows, each once) and collects notifications. Cannot fail. */
void tbl_change_apply(tbl_data *t, tbl_change *c, tbl_row *const *rows, ULONG nrows);
/* TABLE_ROW_MODIFIED for every visible instance of row, without a change (HrNotify). */
void tbl_change_touch(tbl_data *t, tbl_change *c, const tbl_row *row);
/* Frees the preparation (not the notifications); lock held. */
void tbl_change_release(tbl_change *c);
/* Delivers and frees the collected notifications and drops the view references; call
 * without the lock. */
void tbl_change_fire(tbl_data *t, tbl_change *c);

#endif
