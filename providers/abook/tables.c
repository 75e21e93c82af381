/* tables.c: the address book's tables: the standard columns, an entry's row, the live
 * contents table of the PAB (one ITableData per logon, kept while a view is open and changed
 * as entries are saved and deleted) and the fixed tables of a few rows (hierarchies, a list's
 * contents, the one-off templates). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mapirt/strconv.h>

#include "ab.h"

static const ULONG std_cols[AB_NCOLS] = {
    PR_DISPLAY_NAME_W, PR_EMAIL_ADDRESS_W, PR_ADDRTYPE_W, PR_ENTRYID, PR_INSTANCE_KEY,
    PR_RECORD_KEY, PR_SEARCH_KEY, PR_OBJECT_TYPE, PR_DISPLAY_TYPE,
    PR_TRANSMITABLE_DISPLAY_NAME_W, PR_SEND_RICH_INFO};

void ab_cols(ULONG flags, ULONG tags[AB_NCOLS])
{
    for (int i = 0; i < AB_NCOLS; i++)
        tags[i] = PROP_TYPE(std_cols[i]) == PT_UNICODE && !(flags & MAPI_UNICODE)
                      ? CHANGE_PROP_TYPE(std_cols[i], PT_STRING8) : std_cols[i];
}

/* A string column: UTF-8 r as PT_STRING8 or PT_UNICODE on parent. */
static void str_col(struct ab_logon *l, ULONG tag, const char *s, void *parent, SPropValue *v)
{
    if (!s) {
        v->ulPropTag = PROP_TAG(PT_ERROR, PROP_ID(tag));
        v->Value.err = MAPI_E_NOT_FOUND;
        return;
    }
    v->ulPropTag = tag;
    if (PROP_TYPE(tag) == PT_UNICODE) {
        WCHAR *w = ab_a2w(s);
        size_t n = w ? mapirt_wcslen(w) + 1 : 0;
        if (w && l->more((ULONG)(n * sizeof(WCHAR)), parent, (void **)&v->Value.lpszW) == S_OK)
            memcpy(v->Value.lpszW, w, n * sizeof(WCHAR));
        else {
            v->ulPropTag = PROP_TAG(PT_ERROR, PROP_ID(tag));
            v->Value.err = MAPI_E_NOT_ENOUGH_MEMORY;
        }
        free(w);
    } else if (l->more((ULONG)strlen(s) + 1, parent, (void **)&v->Value.lpszA) == S_OK)
        strcpy(v->Value.lpszA, s);
    else {
        v->ulPropTag = PROP_TAG(PT_ERROR, PROP_ID(tag));
        v->Value.err = MAPI_E_NOT_ENOUGH_MEMORY;
    }
}

HRESULT ab_row_props(struct ab_logon *l, const ab_row *r, ULONG flags, LPSPropValue *out,
                     ULONG *c)
{
    ULONG tags[AB_NCOLS];
    LPSPropValue v;
    ab_cols(flags, tags);
    if (l->alloc(AB_NCOLS * sizeof *v, (void **)&v) != S_OK)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    memset(v, 0, AB_NCOLS * sizeof *v);
    int list = r->type == MAPI_DISTLIST;
    str_col(l, tags[0], r->name, v, &v[0]);
    str_col(l, tags[1], list ? NULL : r->email, v, &v[1]);
    str_col(l, tags[2], list ? "MAPIPDL" : r->addrtype, v, &v[2]);
    v[3].ulPropTag = PR_ENTRYID;
    HRESULT hr = ab_logon_eid(l, r->type, r->id, v, &v[3].Value.bin);
    BYTE *ik = NULL;
    if (SUCCEEDED(hr) && l->more(8, v, (void **)&ik) != S_OK)
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
    if (FAILED(hr)) {
        l->freebuf(v);
        return hr;
    }
    for (int i = 0; i < 8; i++)
        ik[i] = (BYTE)((uint64_t)r->id >> (8 * i));
    v[4].ulPropTag = PR_INSTANCE_KEY;
    v[4].Value.bin.cb = 8;
    v[4].Value.bin.lpb = ik;
    v[5].ulPropTag = PR_RECORD_KEY;
    v[5].Value.bin = v[3].Value.bin;
    v[6].ulPropTag = PR_SEARCH_KEY;
    if (!list && r->addrtype && r->email)
        hr = ab_search_key(r->addrtype, r->email, l->more, v, &v[6].Value.bin);
    else
        v[6].Value.bin = v[3].Value.bin;
    if (FAILED(hr)) {
        l->freebuf(v);
        return hr;
    }
    v[7].ulPropTag = PR_OBJECT_TYPE;
    v[7].Value.l = (LONG)r->type;
    v[8].ulPropTag = PR_DISPLAY_TYPE;
    v[8].Value.l = list ? DT_PRIVATE_DISTLIST : DT_MAILUSER;
    str_col(l, tags[9], r->name, v, &v[9]);
    v[10].ulPropTag = PR_SEND_RICH_INFO;
    v[10].Value.b = 0;
    *out = v;
    *c = AB_NCOLS;
    return S_OK;
}

static void live_released(ULONG_PTR data, LPTABLEDATA td, LPMAPITABLE view)
{
    (void)td;
    (void)view;
    ab_live *t = (ab_live *)data;
    /* the logon is found through the table's record: see ab_logon_contents */
    struct ab_logon *l = *(struct ab_logon **)(t + 1);
    int found = 0;
    pthread_mutex_lock(&l->tlock);
    for (ab_live **p = &l->tables; *p; p = &(*p)->next)
        if (*p == t) {
            *p = t->next;
            found = 1;
            break;
        }
    pthread_mutex_unlock(&l->tlock);
    if (found) {
        t->data->lpVtbl->Release(t->data);
        free(t);
    }
    ab_logon_release(l);
}

HRESULT ab_logon_contents(struct ab_logon *l, ULONG flags, LPMAPITABLE *out)
{
    SizedSPropTagArray(AB_NCOLS, cols);
    LPTABLEDATA td;
    cols.cValues = AB_NCOLS;
    ab_cols(flags, cols.aulPropTag);
    HRESULT hr = CreateTable(&IID_IMAPITableData, l->alloc, l->more, l->freebuf, NULL,
                             TBLTYPE_DYNAMIC, PR_INSTANCE_KEY, (LPSPropTagArray)&cols, &td);
    if (FAILED(hr))
        return hr;
    /* the record and, after it, the logon it belongs to (referenced while the view lives) */
    ab_live *t = calloc(1, sizeof *t + sizeof(struct ab_logon *));
    if (!t) {
        td->lpVtbl->Release(td);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    *(struct ab_logon **)(t + 1) = l;
    t->flags = flags;
    t->data = td;
    /* rows read and the table registered under the database lock: a save committed meanwhile
     * is in the rows read or reported to the table afterwards */
    ab_row *rows = NULL;
    size_t n = 0;
    pthread_mutex_lock(&l->db->lock);
    hr = ab_db_rows(l->db, &rows, &n);
    if (SUCCEEDED(hr)) {
        pthread_mutex_lock(&l->tlock);
        t->next = l->tables;
        l->tables = t;
        pthread_mutex_unlock(&l->tlock);
    }
    pthread_mutex_unlock(&l->db->lock);
    LPSRowSet set = NULL;
    if (SUCCEEDED(hr) && n) {
        if (l->alloc(CbNewSRowSet((ULONG)n), (void **)&set) != S_OK)
            hr = MAPI_E_NOT_ENOUGH_MEMORY;
        else {
            set->cRows = 0;
            for (size_t i = 0; i < n && SUCCEEDED(hr); i++) {
                SRow *r = &set->aRow[set->cRows];
                r->ulAdrEntryPad = 0;
                if (SUCCEEDED(hr = ab_row_props(l, &rows[i], flags, &r->lpProps, &r->cValues)))
                    set->cRows++;
            }
        }
    }
    ab_rows_free(rows, n);
    if (SUCCEEDED(hr) && set && set->cRows)
        hr = td->lpVtbl->HrModifyRows(td, 0, set);
    if (set)
        FreeProws(set);
    if (SUCCEEDED(hr)) {
        ab_logon_addref(l);
        hr = td->lpVtbl->HrGetView(td, NULL, live_released, (ULONG_PTR)t, out);
        if (FAILED(hr))
            ab_logon_release(l);
    }
    if (FAILED(hr)) {
        pthread_mutex_lock(&l->tlock);
        for (ab_live **p = &l->tables; *p; p = &(*p)->next)
            if (*p == t) {
                *p = t->next;
                break;
            }
        pthread_mutex_unlock(&l->tlock);
        td->lpVtbl->Release(td);
        free(t);
    }
    return hr;
}

void ab_logon_row_changed(struct ab_logon *l, sqlite3_int64 id, int exists)
{
    LPTABLEDATA tds[64];
    ULONG flags[64];
    int n = 0;
    pthread_mutex_lock(&l->tlock);
    for (ab_live *t = l->tables; t && n < 64; t = t->next) {
        t->data->lpVtbl->AddRef(t->data);
        flags[n] = t->flags;
        tds[n++] = t->data;
    }
    pthread_mutex_unlock(&l->tlock);
    ab_row r;
    memset(&r, 0, sizeof r);
    if (exists) {
        pthread_mutex_lock(&l->db->lock);
        if (FAILED(ab_db_row(l->db, id, &r)))
            exists = 0;
        pthread_mutex_unlock(&l->db->lock);
    }
    for (int i = 0; i < n; i++) {
        if (exists) {
            SRow row;
            row.ulAdrEntryPad = 0;
            if (SUCCEEDED(ab_row_props(l, &r, flags[i], &row.lpProps, &row.cValues))) {
                tds[i]->lpVtbl->HrModifyRow(tds[i], &row);
                l->freebuf(row.lpProps);
            }
        } else {
            BYTE key[8];
            SPropValue k;
            for (int b = 0; b < 8; b++)
                key[b] = (BYTE)((uint64_t)id >> (8 * b));
            k.ulPropTag = PR_INSTANCE_KEY;
            k.dwAlignPad = 0;
            k.Value.bin.cb = 8;
            k.Value.bin.lpb = key;
            tds[i]->lpVtbl->HrDeleteRow(tds[i], &k);
        }
        tds[i]->lpVtbl->Release(tds[i]);
    }
    ab_row_free(&r);
}

HRESULT ab_table_of(struct ab_logon *l, ULONG ncols, const ULONG *cols, LPSRow rows, ULONG n,
                    LPMAPITABLE *out)
{
    LPSPropTagArray tags;
    LPTABLEDATA td = NULL;
    if (l->alloc(CbNewSPropTagArray(ncols), (void **)&tags) != S_OK)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    tags->cValues = ncols;
    memcpy(tags->aulPropTag, cols, ncols * sizeof(ULONG));
    HRESULT hr = CreateTable(&IID_IMAPITableData, l->alloc, l->more, l->freebuf, NULL,
                             TBLTYPE_SNAPSHOT, PR_INSTANCE_KEY, tags, &td);
    l->freebuf(tags);
    for (ULONG i = 0; SUCCEEDED(hr) && i < n; i++)
        hr = td->lpVtbl->HrModifyRow(td, &rows[i]);
    if (SUCCEEDED(hr))
        hr = td->lpVtbl->HrGetView(td, NULL, NULL, 0, out);
    if (td)
        td->lpVtbl->Release(td); /* the view keeps the data */
    return hr;
}

