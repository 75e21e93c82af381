/* table_internal.h: what the files of the in-memory table share. Not part of any public header.
 *
 *   table.c        CreateTable, ITableData         tableindex.c  the hash on the index column
 *   tablestore.c   rows, shapes, the value arena   tablerow.c    values as a view sees them
 *   tableupdate.c  carrying changes into views     tableview.c   IMAPITable object, advise
 *   tablecursor.c  cursor, bookmarks, FindRow      tablequery.c  columns, Restrict, sort, rows
 *   restrict.c     restrictions                    sort.c        sort orders, the view's order
 *   sortkey.c      sort keys and sorting many rows
 *
 * Model. An ITableData (struct tbl_data) owns its rows. A row (struct tbl_row, 16 bytes in a
 * page of row slots, named by its row id) holds its place in table order (HrEnumRow order), a
 * serial number and a reference to its values: a record in the table's value arena, encoded
 * compactly against a shape (the row's list of property tags, shared by every row that has the
 * same list), so a row of five values and a short string takes some 30 bytes where an SPropValue
 * array took 100. Rows are kept in table order (an array of row ids with tombstones) and in a
 * hash on the index column. Every view (struct tbl_view, the IMAPITable returned by HrGetView)
 * keeps its own array of visible rows (struct tbl_vrow: a row id plus, for multi-valued instance
 * columns, which combination of values it shows) in the view's total order: the sort keys, then
 * table position, then instance number. Because that order is total, any row of a view can be
 * found by binary search, which is how changes reach the views without rescanning them.
 *
 * Locking. One mutex per table guards the table and all of its views: views read the table's
 * rows, and every change must reach every view atomically. Notifications are collected under
 * the lock and delivered after it is released, so a sink may call back into the table or a
 * view from OnNotify. Values read from a row point into the value arena: they stay valid while
 * the lock is held and the row is not changed (the arena is compacted only at the end of a
 * change). */
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
/* Most rows a table holds (MAPI_E_TABLE_TOO_BIG beyond); row ids and positions stay below it. */
#define TBL_MAX_ROWS 0x0FFFFFF0u

typedef struct tbl_data tbl_data;
typedef struct tbl_view tbl_view;
typedef struct tbl_res tbl_res;

/* A row id: the index of the row's slot (tbl_row_at). */
typedef uint32_t tbl_rid;
#define TBL_NO_ROW UINT32_MAX

/* A record in the value arena: chunk number in the high 16 bits, offset / 4 in the low 16. */
typedef uint32_t tbl_ref;

typedef struct tbl_row {
    tbl_ref val; /* the row's values (next free slot while the slot is free) */
    uint32_t pos; /* place in table order: rows further on have larger ones (tbl_data.order) */
    uint32_t serial; /* unique in the table, never reused: the generated instance key */
    uint32_t shape : 24; /* the shape its values are encoded against */
    uint32_t state : 8; /* TBL_ROW_* */
} tbl_row;

enum {
    TBL_ROW_STABLE = 0,
    TBL_ROW_MODIFIED, /* inside one change: the change replaces its values */
    TBL_ROW_DELETED, /* inside one change: the change removes it */
    TBL_ROW_NEW, /* inside one change: the change adds it */
    TBL_ROW_FREE /* the slot holds no row */
};

/* Row slots come in pages of this many, so that a row's address never changes. */
#define TBL_PAGE_BITS 10
#define TBL_PAGE_ROWS (1u << TBL_PAGE_BITS)

/* A shape: the tags of a row in the caller's order, and where each value lives in a record.
 * A record is the fixed-size values at their offsets, then the variable-size ones (strings,
 * binaries) one after the other, each a length (LEB128) and its bytes (tablestore.c). */
typedef struct tbl_shape {
    ULONG n; /* values */
    ULONG *tags;
    uint32_t *where; /* per value: offset of a fixed-size value, or TBL_VAR | its var number */
    uint32_t fixed; /* bytes of the fixed-size part */
    uint32_t nvar; /* variable-size values */
    uint32_t refs; /* records encoded against it */
    uint32_t hash; /* of the tag list */
    uint32_t *lookup; /* open addressing on the tag: value index + 1, 0 empty */
    uint32_t lmask;
    uint32_t nboxes; /* values kept out of line (multi-valued), freed with the record */
    int32_t key; /* index of the index column, -1 if the shape has none */
    ULONG id;
} tbl_shape;

#define TBL_VAR 0x80000000u

/* A row's values: a shape and a record. */
typedef struct tbl_rec {
    const tbl_shape *sh;
    const BYTE *p;
} tbl_rec;

/* The value arena: records packed in chunks, 4-byte aligned. Deleted and replaced records are
 * garbage until the arena is compacted, which copies the live ones in table order. */
typedef struct tbl_arena {
    BYTE **chunks;
    uint32_t *csize; /* bytes of each chunk */
    uint32_t nchunks, capchunks;
    uint32_t cur, used; /* the chunk records are appended to, and bytes used in it */
    size_t live, garbage; /* bytes of records in use, and of records no longer used */
} tbl_arena;

/* One row of a view: a row id and, when the view expands multi-valued instance columns, which
 * combination of values it shows (a mixed-radix number, 0 without expansion). */
typedef struct tbl_vrow {
    tbl_rid id;
    ULONG ord;
} tbl_vrow;

static inline tbl_vrow tbl_mkvrow(tbl_rid id, ULONG ord)
{
    tbl_vrow vr = {id, ord};
    return vr;
}

/* A cursor or bookmark position: an index into the view's rows (n = after the last row). */
typedef struct tbl_mark {
    BOOKMARK id; /* the bookmark's number; BOOKMARK_CURRENT for the cursor (slot 0) */
    ULONG pos;
    bool moved; /* its row went away: the next use reports MAPI_W_POSITION_CHANGED */
    /* scratch of one change: the modified row the mark sat on, to follow it to its new place */
    tbl_rid follow;
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

    tbl_row **pages; /* row slots; page 0 grows up to a full page, then pages are added */
    ULONG npages, cappages, page0cap;
    ULONG nslots; /* ids below this have been handed out */
    tbl_rid freeslot; /* free slots, linked through val */

    tbl_rid *order; /* table order; TBL_NO_ROW where a deleted row was */
    ULONG norder, caporder;
    ULONG nrows; /* live rows (norder less the tombstones) */

    uint32_t *hash; /* open addressing on the index value (tableindex.c) */
    ULONG hcap, hused; /* hused counts live slots and tombstones */
    ULONG next_serial;

    tbl_shape **shapes; /* by id; NULL for an unused id */
    ULONG nshapes, capshapes;
    uint32_t *shash; /* open addressing over shape ids by their tags */
    ULONG shcap, shused;
    tbl_arena arena;

    ULONG *cols; /* available columns: creation set plus every tag rows brought since */
    ULONG ncols, capcols;

    tbl_view *views; /* open views, doubly linked */
};

/* What QueryRows and notifications need to read one shape's rows for a view's columns:
 * where each column is in the shape (value index, or one of TBL_COL_*). Rebuilt when a row of
 * another shape comes. */
enum { TBL_COL_MISSING = -1, TBL_COL_SLOW = -2, TBL_COL_NULL = -3 };
typedef struct tbl_plan {
    const tbl_shape *sh;
    ULONG ncols;
    int32_t *at;
} tbl_plan;

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

/* ---- row storage (tablestore.c) ------------------------------------------------------- */

static inline tbl_row *tbl_row_at(const tbl_data *t, tbl_rid id)
{
    return &t->pages[id >> TBL_PAGE_BITS][id & (TBL_PAGE_ROWS - 1)];
}

static inline const BYTE *tbl_arena_at(const tbl_arena *a, tbl_ref ref)
{
    return a->chunks[ref >> 16] + ((size_t)(ref & 0xFFFF) << 2);
}

static inline tbl_rec tbl_rec_of(const tbl_data *t, const tbl_row *r)
{
    tbl_rec rec = {t->shapes[r->shape], tbl_arena_at(&t->arena, r->val)};
    return rec;
}

/* Rows read in a view's order are read at random: these ask for a row's slot, then (once the
 * slot is there) its record, a few rows ahead. */
static inline void tbl_prefetch_slot(const tbl_data *t, tbl_rid id)
{
    __builtin_prefetch(tbl_row_at(t, id));
}

static inline void tbl_prefetch_rec(const tbl_data *t, tbl_rid id)
{
    const BYTE *p = tbl_arena_at(&t->arena, tbl_row_at(t, id)->val);
    __builtin_prefetch(p);
    __builtin_prefetch(p + 32); /* a record of a few dozen bytes may straddle two lines */
}

/* A record being added: encoded, not yet any row's. */
typedef struct tbl_newrec {
    tbl_ref ref;
    ULONG shape;
} tbl_newrec;

/* Checks the values of a row (as ScCountProps) and encodes them into the arena: finds or makes
 * their shape, reserves the record, copies out-of-line values. MAPI_E_INVALID_PARAMETER for
 * bad values, MAPI_E_NOT_ENOUGH_MEMORY, MAPI_E_TABLE_TOO_BIG. On failure nothing is held. */
HRESULT tbl_store_encode(tbl_data *t, const SPropValue *props, ULONG c, tbl_newrec *out);
/* Lets go of a record no row uses any more (its shape reference, its boxes; its bytes become
 * garbage). */
void tbl_store_drop(tbl_data *t, ULONG shape, tbl_ref ref);
/* Room for extra more rows: slots and table order. */
HRESULT tbl_store_reserve(tbl_data *t, ULONG extra);
/* A slot for a new row (after tbl_store_reserve: cannot fail). */
tbl_rid tbl_slot_take(tbl_data *t);
/* Returns a row's slot (its values already dropped). */
void tbl_slot_free(tbl_data *t, tbl_rid id);
/* Squeezes deleted rows out of table order so that positions are row numbers again. */
void tbl_order_compact(tbl_data *t);
/* Copies live records together when garbage outweighs them; does nothing without memory. */
void tbl_store_compact(tbl_data *t);
/* Frees every row, record and shape (TAD_ALL_ROWS, destruction). */
void tbl_store_clear(tbl_data *t);

/* Index of tag in the shape (exact tag), or -1. */
int tbl_shape_find(const tbl_shape *sh, ULONG tag);
/* Value i of a record. Pointers in *out point into the record. */
void tbl_rec_get(tbl_rec rec, ULONG i, SPropValue *out);
/* The value with exactly this tag (PT_UNSPECIFIED matches any type of the id but PT_ERROR). */
bool tbl_rec_find(tbl_rec rec, ULONG tag, SPropValue *out);
/* The index value of a record (its shape has one). */
void tbl_rec_key(tbl_rec rec, SPropValue *out);

/* ---- rows and values (tablerow.c) ------------------------------------------------------ */

/* Number of values of a multi-valued property. */
ULONG tbl_mv_count(const SPropValue *mv);
/* Value k of a multi-valued property as a single value. */
void tbl_mv_elem(const SPropValue *mv, ULONG k, SPropValue *out);
/* Rows a record makes in view v (1 without expansion); 0 when it would exceed
 * TBL_MAX_INSTANCES. */
ULONG tbl_instances(const tbl_view *v, tbl_rec rec);
/* The value of tag in vr as view v shows it: the instance value of an expanded multi-valued
 * column, the instance key for PR_INSTANCE_KEY, a stored PT_ERROR value for a missing tag when
 * the row has one. NULL when the row has no such value; else it is in *scratch. */
const SPropValue *tbl_value(const tbl_view *v, const tbl_vrow *vr, ULONG tag, tbl_val *scratch);
/* The instance key of vr without its instance number: the stored PR_INSTANCE_KEY if short
 * enough, else the generated one (in *gen). */
void tbl_base_key(const tbl_data *t, const tbl_vrow *vr, BYTE gen[4], const BYTE **pb, ULONG *cb);
/* PR_INSTANCE_KEY of vr in v (always present). */
const SPropValue *tbl_instance_key(const tbl_view *v, const tbl_vrow *vr, tbl_val *scratch);

/* Orders two values of the same type the way LPropCompareProp does (mapirt_prop_compare:
 * multi-valued ones element by element, a shorter prefix first), integers without a call. */
int tbl_prop_cmp(const SPropValue *a, const SPropValue *b);

/* ---- sorting (sort.c, sortkey.c) ------------------------------------------------------- */

/* Checks an SSortOrderSet for a view and copies it. NULL or zero keys make an unsorted view. */
HRESULT tbl_sort_compile(const SSortOrderSet *s, tbl_sort *out);
void tbl_sort_clear(tbl_sort *s);
/* The multi-valued tags rows expand on for this column set and sort order. */
HRESULT tbl_mvi_compute(const SPropTagArray *cols, const tbl_sort *s, ULONG **out, ULONG *n);
/* A sort key of vr, or NULL when missing (absent, an error value, or of another type). */
const SPropValue *tbl_sort_value(const tbl_view *v, const tbl_vrow *vr, ULONG k, tbl_val *s);
/* The view's total order. */
int tbl_vrow_cmp(const tbl_view *v, const tbl_vrow *a, const tbl_vrow *b);
/* First index in v->rows[0..n) whose row is not before x. */
ULONG tbl_lower_bound(const tbl_view *v, const tbl_vrow *x);
/* Sorts rows[0..n) in v's order through sort keys (sortkey.c); allocates its workspace, and
 * moves the rows only once nothing can fail (on failure they are as they were). */
HRESULT tbl_sort_rows(const tbl_view *v, tbl_vrow *rows, ULONG n);
/* Sorts rows[0..n) in v's order by comparison, in a caller's workspace of n rows: what a change
 * uses for the rows it adds, where nothing may fail. */
void tbl_sort_rows_ws(const tbl_view *v, tbl_vrow *rows, ULONG n, tbl_vrow *ws);
/* Computes the rows of v under its restriction, expansion and sort, from scratch, into a new
 * array (*out with *nout rows and room for *cap; mapirt_malloc). v->t's lock is held; v is read
 * only for those three, which the caller may have swapped in temporarily. */
HRESULT tbl_build_rows(const tbl_view *v, tbl_vrow **out, ULONG *nout, ULONG *cap);

/* ---- restrictions (restrict.c) --------------------------------------------------------- */

/* Checks a restriction and compiles it for evaluation. MAPI_E_INVALID_PARAMETER for malformed
 * input, MAPI_E_TOO_COMPLEX for what an in-memory table cannot evaluate. */
HRESULT tbl_res_compile(const SRestriction *r, tbl_res **out);
void tbl_res_free(tbl_res *r);
bool tbl_res_eval(const tbl_view *v, const tbl_res *r, const tbl_vrow *vr);

/* ---- the index (tableindex.c) --------------------------------------------------------- */

/* Types an index column may have (single values that compare by content). */
bool tbl_index_type_ok(ULONG type);
/* The one check of an index value a caller names a row by (HrModifyRow(s), HrInsertRow,
 * HrDeleteRow(s), HrQueryRow, HrNotify): present, tagged with the index column, and readable
 * (FBadProp: a string present, a binary's bytes when cb > 0). */
bool tbl_key_ok(const tbl_data *t, const SPropValue *key);
uint32_t tbl_key_hash(const SPropValue *key);
/* The row whose index value equals key (h = tbl_key_hash(key)), or TBL_NO_ROW. */
tbl_rid tbl_index_find(const tbl_data *t, const SPropValue *key, uint32_t h);
/* Room for extra more rows, so that the inserts of the next change cannot fail. */
HRESULT tbl_index_reserve(tbl_data *t, ULONG extra);
void tbl_index_insert(tbl_data *t, tbl_rid id, uint32_t h);
void tbl_index_remove(tbl_data *t, tbl_rid id, uint32_t h);

/* ---- views (tableview.c, tablecursor.c, tablequery.c) ---------------------------------- */

/* A new view of t (lock held), linked into t's list and holding a reference to t. */
HRESULT tbl_view_create(tbl_data *t, const SSortOrderSet *sort, CALLERRELEASE *cb,
    ULONG_PTR data, tbl_view **out);
/* Builds the column values of vr for QueryRows and notifications: vals[i] for column i
 * (scratch: one per column). plan (may be NULL) caches where the columns are in a shape. */
void tbl_view_columns(const tbl_view *v, const tbl_vrow *vr, SPropValue *vals, tbl_val *scratch,
    tbl_plan *plan);

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
    tbl_vrow *ws; /* ...and the workspace to sort them */
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

/* Prepares every view for a change: old[] are the rows the change modifies or deletes (still
 * holding their current values), neu[] the records of the rows it adds or modifies. */
HRESULT tbl_change_prepare(tbl_data *t, tbl_change *c, const tbl_rid *old, ULONG nold,
    const tbl_newrec *neu, ULONG nneu);
/* Applies the prepared change to every view once the table holds the new state: removes the
 * recorded positions, inserts the visible instances of rows[0..nrows) (the new and modified
 * rows, each once) and collects notifications. Cannot fail. */
void tbl_change_apply(tbl_data *t, tbl_change *c, const tbl_rid *rows, ULONG nrows);
/* TABLE_ROW_MODIFIED for every visible instance of row, without a change (HrNotify). */
void tbl_change_touch(tbl_data *t, tbl_change *c, tbl_rid row);
/* Frees the preparation (not the notifications); lock held. */
void tbl_change_release(tbl_change *c);
/* Delivers and frees the collected notifications and drops the view references; call
 * without the lock. */
void tbl_change_fire(tbl_data *t, tbl_change *c);

#endif
