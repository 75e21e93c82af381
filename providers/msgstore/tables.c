/* tables.c: folder contents and hierarchy tables. For now each is an in-memory table of the
 * runtime (CreateTable) filled from the `messages` columns and the folder rows, and kept up to
 * date while it has views: a message saved or deleted updates the rows of every live table of
 * its folder, which notifies the views (TABLE_ROW_ADDED/MODIFIED/DELETED). README.md gives the
 * plan for the SQL-backed contents table that replaces this for large folders. */
#include <stdlib.h>
#include <string.h>

#include <mapirt/strconv.h>

#include "ms.h"

static const ULONG CONTENTS_COLS[] = {PR_INSTANCE_KEY, PR_ENTRYID, PR_RECORD_KEY,
                                      PR_OBJECT_TYPE, PR_SUBJECT_W, PR_SENDER_NAME_W,
                                      PR_MESSAGE_DELIVERY_TIME, PR_MESSAGE_CLASS_W,
                                      PR_MESSAGE_FLAGS, PR_MSG_STATUS, PR_MESSAGE_SIZE};
static const ULONG HIERARCHY_COLS[] = {PR_INSTANCE_KEY, PR_ENTRYID, PR_RECORD_KEY,
                                       PR_OBJECT_TYPE, PR_DISPLAY_NAME_W, PR_FOLDER_TYPE,
                                       PR_CONTENT_COUNT, PR_CONTENT_UNREAD, PR_SUBFOLDERS,
                                       PR_CONTAINER_CLASS_W};
#define NCONTENTS (sizeof CONTENTS_COLS / sizeof CONTENTS_COLS[0])
#define NHIERARCHY (sizeof HIERARCHY_COLS / sizeof HIERARCHY_COLS[0])

static ULONG col_tag(ULONG tag, ULONG flags)
{
    if (PROP_TYPE(tag) == PT_UNICODE && !(flags & MAPI_UNICODE))
        return CHANGE_PROP_TYPE(tag, PT_STRING8);
    return tag;
}

static void text_col(struct ms_store *s, sqlite3_stmt *st, int col, ULONG tag, ULONG flags,
                     void *parent, SPropValue *v)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL) {
        v->ulPropTag = PROP_TAG(PT_ERROR, PROP_ID(tag));
        v->Value.err = MAPI_E_NOT_FOUND;
        return;
    }
    if (FAILED(ms_column_value(st, col, col_tag(tag, flags), s->more, parent, v))) {
        v->ulPropTag = PROP_TAG(PT_ERROR, PROP_ID(tag));
        v->Value.err = MAPI_E_NOT_ENOUGH_MEMORY;
    }
}

/* The row of object id for a table of kind (one allocation, for HrModifyRow). */
static HRESULT make_row(struct ms_store *s, int kind, sqlite3_int64 id, ULONG flags, LPSRow row)
{
    int hier = kind == MS_TABLE_HIERARCHY;
    ULONG n = hier ? NHIERARCHY : NCONTENTS, extra = 0;
    LPSPropValue v;
    sqlite3_stmt *st;
    if (!hier) {
        /* A message's row holds all its properties (big ones excepted), so that restrictions
         * and sorts on any of them work here: this is the engine the SQL table falls back to
         * (sqltable.c). */
        st = ms_db_stmt(s->db, "SELECT count(*) FROM props WHERE obj = ? AND big IS NULL");
        if (st == NULL)
            return ms_db_hr(sqlite3_errcode(s->db->db));
        sqlite3_bind_int64(st, 1, id);
        if (sqlite3_step(st) == SQLITE_ROW)
            extra = (ULONG)sqlite3_column_int(st, 0);
        sqlite3_reset(st);
    }
    if (s->alloc((n + extra) * sizeof *v, (void **)&v) != S_OK)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    memset(v, 0, (n + extra) * sizeof *v);
    if (hier)
        st = ms_db_stmt(s->db,
                        "SELECT (SELECT val FROM props WHERE obj = o.id AND id = 0x3001),"
                        " (SELECT val FROM props WHERE obj = o.id AND id = 0x3601),"
                        " (SELECT count(*) FROM messages WHERE folder = o.id AND assoc = 0),"
                        " (SELECT count(*) FROM messages WHERE folder = o.id AND assoc = 0"
                        "   AND (flags & 1) = 0),"
                        " EXISTS(SELECT 1 FROM objects c WHERE c.parent = o.id AND c.kind = 3),"
                        " (SELECT val FROM props WHERE obj = o.id AND id = 0x3613)"
                        " FROM objects o WHERE o.id = ?");
    else
        st = ms_db_stmt(s->db, "SELECT subject, sender, delivery_time, message_class, flags,"
                               " status, size FROM messages WHERE id = ?");
    if (st == NULL) {
        s->freebuf(v);
        return ms_db_hr(sqlite3_errcode(s->db->db));
    }
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_reset(st);
        s->freebuf(v);
        return MAPI_E_NOT_FOUND;
    }
    BYTE *key;
    if (s->more(8, v, (void **)&key) != S_OK) {
        sqlite3_reset(st);
        s->freebuf(v);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    for (int i = 0; i < 8; i++)
        key[i] = (BYTE)((uint64_t)id >> (8 * i));
    v[0].ulPropTag = PR_INSTANCE_KEY;
    v[0].Value.bin.cb = 8;
    v[0].Value.bin.lpb = key;
    v[1].ulPropTag = PR_ENTRYID;
    ms_store_eid(s, hier ? MAPI_FOLDER : MAPI_MESSAGE, id, v, &v[1].Value.bin);
    v[2].ulPropTag = PR_RECORD_KEY;
    v[2].Value.bin = v[1].Value.bin;
    v[3].ulPropTag = PR_OBJECT_TYPE;
    v[3].Value.l = hier ? MAPI_FOLDER : MAPI_MESSAGE;
    if (hier) {
        text_col(s, st, 0, PR_DISPLAY_NAME_W, flags, v, &v[4]);
        v[5].ulPropTag = PR_FOLDER_TYPE;
        v[5].Value.l = sqlite3_column_int(st, 1);
        v[6].ulPropTag = PR_CONTENT_COUNT;
        v[6].Value.l = sqlite3_column_int(st, 2);
        v[7].ulPropTag = PR_CONTENT_UNREAD;
        v[7].Value.l = sqlite3_column_int(st, 3);
        v[8].ulPropTag = PR_SUBFOLDERS;
        v[8].Value.b = (unsigned short)sqlite3_column_int(st, 4);
        text_col(s, st, 5, PR_CONTAINER_CLASS_W, flags, v, &v[9]);
    } else {
        text_col(s, st, 0, PR_SUBJECT_W, flags, v, &v[4]);
        text_col(s, st, 1, PR_SENDER_NAME_W, flags, v, &v[5]);
        if (sqlite3_column_type(st, 2) == SQLITE_NULL) {
            v[6].ulPropTag = PROP_TAG(PT_ERROR, PROP_ID(PR_MESSAGE_DELIVERY_TIME));
            v[6].Value.err = MAPI_E_NOT_FOUND;
        } else {
            ms_column_value(st, 2, PR_MESSAGE_DELIVERY_TIME, s->more, v, &v[6]);
        }
        text_col(s, st, 3, PR_MESSAGE_CLASS_W, flags, v, &v[7]);
        v[8].ulPropTag = PR_MESSAGE_FLAGS;
        v[8].Value.l = sqlite3_column_int(st, 4);
        v[9].ulPropTag = PR_MSG_STATUS;
        v[9].Value.l = sqlite3_column_int(st, 5);
        v[10].ulPropTag = PR_MESSAGE_SIZE;
        v[10].Value.l = sqlite3_column_int(st, 6);
    }
    sqlite3_reset(st);
    if (extra) {
        st = ms_db_stmt(s->db, "SELECT id, type, val FROM props WHERE obj = ? AND big IS NULL");
        if (st == NULL) {
            s->freebuf(v);
            return ms_db_hr(sqlite3_errcode(s->db->db));
        }
        sqlite3_bind_int64(st, 1, id);
        ULONG k = n;
        while (k < n + extra && sqlite3_step(st) == SQLITE_ROW) {
            ULONG tag = PROP_TAG((ULONG)sqlite3_column_int(st, 1),
                                 (ULONG)sqlite3_column_int(st, 0));
            int dup = 0;
            for (ULONG i = 0; i < n; i++)
                dup |= PROP_ID(v[i].ulPropTag) == PROP_ID(tag);
            if (dup)
                continue;
            if (PROP_TYPE(tag) == PT_UNICODE && !(flags & MAPI_UNICODE))
                tag = CHANGE_PROP_TYPE(tag, PT_STRING8);
            if (SUCCEEDED(ms_column_value(st, 2, tag, s->more, v, &v[k])))
                k++;
        }
        sqlite3_reset(st);
        n = k;
    }
    row->ulAdrEntryPad = 0;
    row->cValues = n;
    row->lpProps = v;
    return S_OK;
}

/* A view went: the table is dropped with its last view. */
static void view_released(ULONG_PTR data, LPTABLEDATA td, LPMAPITABLE view)
{
    ms_live_table *t = (ms_live_table *)data;
    struct ms_store *s = t->store;
    (void)td;
    (void)view;
    if (s == NULL) {
        if (--t->views == 0) {
            t->data->lpVtbl->Release(t->data);
            free(t);
        }
        return;
    }
    pthread_mutex_lock(&s->tlock);
    int last = --t->views == 0;
    if (last)
        for (ms_live_table **p = &s->tables; *p; p = &(*p)->next)
            if (*p == t) {
                *p = t->next;
                break;
            }
    pthread_mutex_unlock(&s->tlock);
    if (last) {
        t->data->lpVtbl->Release(t->data);
        free(t);
    }
}

HRESULT ms_tables_open(struct ms_store *s, sqlite3_int64 folder, int kind, ULONG flags,
                       LPMAPITABLE *out)
{
    int hier = kind == MS_TABLE_HIERARCHY;
    ULONG n = hier ? NHIERARCHY : NCONTENTS;
    SizedSPropTagArray(16, cols);
    LPTABLEDATA td;
    HRESULT hr;
    cols.cValues = n;
    for (ULONG i = 0; i < n; i++)
        cols.aulPropTag[i] = col_tag(hier ? HIERARCHY_COLS[i] : CONTENTS_COLS[i], flags);
    if ((hr = CreateTable(&IID_IMAPITableData, s->alloc, s->more, s->freebuf, NULL,
                          TBLTYPE_DYNAMIC, PR_INSTANCE_KEY, (LPSPropTagArray)&cols, &td)) != S_OK)
        return hr;
    ms_live_table *t = calloc(1, sizeof *t);
    if (t == NULL) {
        td->lpVtbl->Release(td);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    t->store = s;
    t->folder = folder;
    t->kind = kind;
    t->flags = flags;
    t->data = td;
    /* Rows are read and the table registered under the database lock, so that a save that
     * commits meanwhile is either in the rows read or reported to the table afterwards. */
    pthread_mutex_lock(&s->db->lock);
    sqlite3_stmt *st =
        hier ? ms_db_stmt(s->db, "SELECT id FROM objects WHERE parent = ? AND kind = 3")
             : ms_db_stmt(s->db, "SELECT id FROM messages WHERE folder = ? AND assoc = ?"
                                 " ORDER BY id");
    sqlite3_int64 *ids = NULL;
    size_t nids = 0, cap = 0;
    if (st) {
        sqlite3_bind_int64(st, 1, folder);
        if (!hier)
            sqlite3_bind_int(st, 2, kind == MS_TABLE_ASSOC);
        while (sqlite3_step(st) == SQLITE_ROW) {
            if (nids == cap) {
                cap = cap ? cap * 2 : 64;
                sqlite3_int64 *ni = realloc(ids, cap * sizeof *ids);
                if (ni == NULL) {
                    hr = MAPI_E_NOT_ENOUGH_MEMORY;
                    break;
                }
                ids = ni;
            }
            ids[nids++] = sqlite3_column_int64(st, 0);
        }
        sqlite3_reset(st);
    }
    LPSRowSet rows = NULL;
    if (SUCCEEDED(hr) && nids) {
        if (s->alloc(CbNewSRowSet((ULONG)nids), (void **)&rows) != S_OK) {
            hr = MAPI_E_NOT_ENOUGH_MEMORY;
        } else {
            rows->cRows = 0;
            for (size_t i = 0; i < nids && SUCCEEDED(hr); i++)
                if (SUCCEEDED(hr = make_row(s, kind, ids[i], flags, &rows->aRow[rows->cRows])))
                    rows->cRows++;
        }
    }
    if (SUCCEEDED(hr)) {
        pthread_mutex_lock(&s->tlock);
        t->next = s->tables;
        s->tables = t;
        t->views = 1;
        pthread_mutex_unlock(&s->tlock);
    }
    pthread_mutex_unlock(&s->db->lock);
    free(ids);
    if (SUCCEEDED(hr) && rows && rows->cRows)
        hr = td->lpVtbl->HrModifyRows(td, 0, rows);
    if (rows)
        FreeProws(rows);
    if (SUCCEEDED(hr))
        hr = td->lpVtbl->HrGetView(td, NULL, view_released, (ULONG_PTR)t, out);
    if (FAILED(hr)) {
        pthread_mutex_lock(&s->tlock);
        for (ms_live_table **p = &s->tables; *p; p = &(*p)->next)
            if (*p == t) {
                *p = t->next;
                break;
            }
        pthread_mutex_unlock(&s->tlock);
        td->lpVtbl->Release(td);
        free(t);
    }
    return hr;
}

void ms_tables_changed(struct ms_store *s, sqlite3_int64 folder, int kind, sqlite3_int64 id,
                       int deleted)
{
    /* Take the tables (with a reference to their data) first: no lock is held while the
     * tables notify their views. */
    LPTABLEDATA tds[32];
    ULONG flags[32];
    int n = 0;
    ms_xproc_table(s, folder, kind, id, deleted); /* and to the other processes */
    if (kind != MS_TABLE_HIERARCHY) {
        ms_xproc_quiet(1); /* the event above replays this too */
        ms_sqltables_changed(s, folder, kind == MS_TABLE_ASSOC);
        ms_xproc_quiet(-1);
    }
    pthread_mutex_lock(&s->tlock);
    for (ms_live_table *t = s->tables; t && n < 32; t = t->next)
        if (t->folder == folder && t->kind == kind) {
            t->data->lpVtbl->AddRef(t->data);
            flags[n] = t->flags;
            tds[n++] = t->data;
        }
    pthread_mutex_unlock(&s->tlock);
    for (int i = 0; i < n; i++) {
        if (deleted) {
            BYTE key[8];
            SPropValue k;
            for (int b = 0; b < 8; b++)
                key[b] = (BYTE)((uint64_t)id >> (8 * b));
            k.ulPropTag = PR_INSTANCE_KEY;
            k.dwAlignPad = 0;
            k.Value.bin.cb = 8;
            k.Value.bin.lpb = key;
            tds[i]->lpVtbl->HrDeleteRow(tds[i], &k);
        } else {
            SRow row;
            pthread_mutex_lock(&s->db->lock);
            HRESULT hr = make_row(s, kind, id, flags[i], &row);
            pthread_mutex_unlock(&s->db->lock);
            if (SUCCEEDED(hr)) {
                tds[i]->lpVtbl->HrModifyRow(tds[i], &row);
                s->freebuf(row.lpProps);
            }
        }
        tds[i]->lpVtbl->Release(tds[i]);
    }
}
