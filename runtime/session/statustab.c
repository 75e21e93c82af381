/* runtime/session/statustab.c: the session's status table (SPEC §9) and the helpers both
 * tables share (rowbuild.h-style helpers kept static here and in storetab.c).
 *
 * Rows live in two ITableData (CreateTable), one with 8-bit and one with UTF-16 string columns,
 * so that GetStatusTable(MAPI_UNICODE) and GetStatusTable(0) both get their own width; every
 * change goes to both, and each notifies its advised views (TABLE_ROW_ADDED / MODIFIED /
 * DELETED). A row is rebuilt whole from the session's state on every change, under
 * sess->tbl_mu (so rows reach the tables in the order the changes happened), and handed to the
 * tables without sess->mu held.
 *
 * Rows: MAPI's own three (subsystem: the profile's name; spooler: STATUS_FAILURE with
 * MAPI_NO_MAIL; the integrated address book) and one per provider that made one with
 * ModifyStatusRow, or that failed (made by MAPI: STATUS_FAILURE and the error in
 * PR_STATUS_STRING). MAPI computes PR_ENTRYID, PR_INSTANCE_KEY, PR_OBJECT_TYPE, PR_ROWID,
 * PR_RESOURCE_TYPE, PR_PROVIDER_DLL_NAME and PR_RESOURCE_FLAGS (the section's static and
 * modifiable flags and the session's dynamic ones, whatever the provider's row says), and
 * fills PR_DISPLAY_NAME, PR_PROVIDER_DISPLAY, PR_STATUS_CODE and PR_RESOURCE_METHODS from the
 * profile when the provider's row omits them. */
#include <string.h>

#include <mapicode.h>
#include <mapiutil.h>
#include <mapix.h>

#include <mapirt/alloc.h>
#include <mapirt/notifyq.h>
#include <mapirt/strconv.h>

#include "session_internal.h"
#include "spool/spool.h"
#include "tables_internal.h"

static const ULONG status_cols_a[] = {
    PR_DISPLAY_NAME_A, PR_PROVIDER_DISPLAY_A, PR_PROVIDER_DLL_NAME_A, PR_RESOURCE_TYPE,
    PR_RESOURCE_FLAGS, PR_RESOURCE_METHODS, PR_STATUS_CODE, PR_STATUS_STRING_A, PR_ENTRYID,
    PR_INSTANCE_KEY, PR_OBJECT_TYPE, PR_ROWID, PR_IDENTITY_DISPLAY_A, PR_IDENTITY_ENTRYID,
    PR_IDENTITY_SEARCH_KEY};
#define NSTATUS_COLS (sizeof status_cols_a / sizeof status_cols_a[0])

static const ULONG store_cols_a[] = {PR_DEFAULT_STORE,   PR_DISPLAY_NAME_A, PR_ENTRYID,
                                     PR_INSTANCE_KEY,    PR_MDB_PROVIDER,   PR_OBJECT_TYPE,
                                     PR_PROVIDER_DISPLAY_A, PR_RECORD_KEY, PR_RESOURCE_FLAGS,
                                     PR_RESOURCE_TYPE};
#define NSTORE_COLS (sizeof store_cols_a / sizeof store_cols_a[0])

/* ---- the row builder (tables_internal.h) ---- */

HRESULT mapirt_rb_init(mapirt_rowbuf *rb, ULONG max, int wide)
{
    memset(rb, 0, sizeof *rb);
    rb->wide = wide;
    rb->max = max;
    if (MAPIAllocateBuffer(max * sizeof(SPropValue), (void **)&rb->v) != S_OK)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    return S_OK;
}

void mapirt_rb_free(mapirt_rowbuf *rb)
{
    MAPIFreeBuffer(rb->v);
    rb->v = NULL;
}

/* The slot for a property ID (replacing a value of the same ID). */
static SPropValue *slot(mapirt_rowbuf *rb, ULONG tag)
{
    for (ULONG i = 0; i < rb->n; i++)
        if (PROP_ID(rb->v[i].ulPropTag) == PROP_ID(tag))
            return &rb->v[i];
    if (rb->n == rb->max) {
        rb->oom = 1;
        return NULL;
    }
    return &rb->v[rb->n++];
}

int mapirt_rb_has(const mapirt_rowbuf *rb, ULONG tag)
{
    for (ULONG i = 0; i < rb->n; i++)
        if (PROP_ID(rb->v[i].ulPropTag) == PROP_ID(tag))
            return 1;
    return 0;
}

void mapirt_rb_long(mapirt_rowbuf *rb, ULONG tag, ULONG value)
{
    SPropValue *v = slot(rb, tag);
    if (v) {
        v->ulPropTag = tag;
        v->dwAlignPad = 0;
        v->Value.ul = value;
    }
}

void mapirt_rb_bool(mapirt_rowbuf *rb, ULONG tag, int value)
{
    SPropValue *v = slot(rb, tag);
    if (v) {
        v->ulPropTag = tag;
        v->dwAlignPad = 0;
        v->Value.b = value ? 1 : 0;
    }
}

void mapirt_rb_bin(mapirt_rowbuf *rb, ULONG tag, ULONG cb, const void *data)
{
    SPropValue *v = slot(rb, tag);
    void *p = NULL;
    if (!v)
        return;
    if (MAPIAllocateMore(cb ? cb : 1, rb->v, &p) != S_OK) {
        rb->oom = 1;
        v->ulPropTag = PROP_TAG(PT_ERROR, PROP_ID(tag));
        v->Value.err = MAPI_E_NOT_ENOUGH_MEMORY;
        return;
    }
    if (cb)
        memcpy(p, data, cb);
    v->ulPropTag = tag;
    v->dwAlignPad = 0;
    v->Value.bin.cb = cb;
    v->Value.bin.lpb = p;
}

void mapirt_rb_str(mapirt_rowbuf *rb, ULONG tag_a, const char *utf8)
{
    SPropValue *v = slot(rb, tag_a);
    void *p = NULL;
    if (!v)
        return;
    size_t n = strlen(utf8) + 1;
    if (MAPIAllocateMore((ULONG)(rb->wide ? n * sizeof(WCHAR) : n), rb->v, &p) != S_OK) {
        rb->oom = 1;
        v->ulPropTag = PROP_TAG(PT_ERROR, PROP_ID(tag_a));
        v->Value.err = MAPI_E_NOT_ENOUGH_MEMORY;
        return;
    }
    if (rb->wide) {
        mapirt_str_a_to_w_into(utf8, p);
        v->ulPropTag = PROP_TAG(PT_UNICODE, PROP_ID(tag_a));
        v->Value.lpszW = p;
    } else {
        memcpy(p, utf8, n);
        v->ulPropTag = PROP_TAG(PT_STRING8, PROP_ID(tag_a));
        v->Value.lpszA = p;
    }
    v->dwAlignPad = 0;
}

void mapirt_rb_copy(mapirt_rowbuf *rb, const SPropValue *src)
{
    ULONG t = PROP_TYPE(src->ulPropTag);
    if (t == PT_STRING8 || t == PT_UNICODE) {
        char *a = t == PT_STRING8 ? mapirt_strdup(src->Value.lpszA)
                                  : mapirt_str_w_to_a_dup(src->Value.lpszW);
        if (!a) {
            rb->oom = 1;
            return;
        }
        mapirt_rb_str(rb, src->ulPropTag, a);
        mapirt_free(a);
        return;
    }
    if (t == PT_BINARY) {
        mapirt_rb_bin(rb, src->ulPropTag, src->Value.bin.cb, src->Value.bin.lpb);
        return;
    }
    if (t == PT_LONG || t == PT_BOOLEAN || t == PT_I2 || t == PT_ERROR || t == PT_R4 ||
        t == PT_DOUBLE || t == PT_I8 || t == PT_SYSTIME || t == PT_CURRENCY || t == PT_APPTIME) {
        SPropValue *v = slot(rb, src->ulPropTag);
        if (v)
            *v = *src;
        return;
    }
    /* other types (multi-valued, GUIDs) are copied whole */
    SPropValue *v = slot(rb, src->ulPropTag);
    if (v && PropCopyMore(v, (LPSPropValue)src, MAPIAllocateMore, rb->v) != S_OK) {
        v->ulPropTag = PROP_TAG(PT_ERROR, PROP_ID(src->ulPropTag));
        v->Value.err = MAPI_E_NOT_ENOUGH_MEMORY;
    }
}

/* ---- the tables ---- */

static HRESULT make(const ULONG *cols_a, ULONG n, int wide, LPTABLEDATA *out)
{
    SizedSPropTagArray(16, cols);
    cols.cValues = n;
    for (ULONG i = 0; i < n; i++) {
        ULONG t = cols_a[i];
        cols.aulPropTag[i] =
            wide && PROP_TYPE(t) == PT_STRING8 ? PROP_TAG(PT_UNICODE, PROP_ID(t)) : t;
    }
    return CreateTable(&IID_IMAPITableData, MAPIAllocateBuffer, MAPIAllocateMore,
                       MAPIFreeBuffer, NULL, TBLTYPE_DYNAMIC, PR_INSTANCE_KEY,
                       (LPSPropTagArray)&cols, out);
}

HRESULT mapirt_tables_create(mapirt_sess *s)
{
    HRESULT hr = mapirt_notifyq_create(&s->notifyq); /* locks.c */
    for (int w = 0; w < 2 && SUCCEEDED(hr); w++) {
        hr = make(status_cols_a, NSTATUS_COLS, w, &s->status_td[w]);
        if (SUCCEEDED(hr))
            hr = make(store_cols_a, NSTORE_COLS, w, &s->stores_td[w]);
    }
    return hr;
}

void mapirt_tables_destroy(mapirt_sess *s)
{
    for (int w = 0; w < 2; w++) {
        if (s->status_td[w])
            s->status_td[w]->lpVtbl->Release(s->status_td[w]);
        if (s->stores_td[w])
            s->stores_td[w]->lpVtbl->Release(s->stores_td[w]);
        s->status_td[w] = s->stores_td[w] = NULL;
    }
    mapirt_notifyq_destroy(s->notifyq);
    s->notifyq = NULL;
}

HRESULT mapirt_table_put(LPTABLEDATA td, mapirt_rowbuf *rb)
{
    if (!td)
        return MAPI_E_END_OF_SESSION;
    if (rb->oom)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    SRow row = {0, rb->n, rb->v};
    return td->lpVtbl->HrModifyRow(td, &row);
}

HRESULT mapirt_table_drop(LPTABLEDATA td, ULONG cbKey, const void *key)
{
    if (!td)
        return S_OK;
    SPropValue k;
    k.ulPropTag = PR_INSTANCE_KEY;
    k.dwAlignPad = 0;
    k.Value.bin.cb = cbKey;
    k.Value.bin.lpb = (LPBYTE)(uintptr_t)key;
    HRESULT hr = td->lpVtbl->HrDeleteRow(td, &k);
    return hr == MAPI_E_NOT_FOUND ? S_OK : hr;
}

/* ---- status rows ---- */

static void row_key(ULONG rowid, BYTE key[4])
{
    key[0] = (BYTE)rowid;
    key[1] = (BYTE)(rowid >> 8);
    key[2] = (BYTE)(rowid >> 16);
    key[3] = (BYTE)(rowid >> 24);
}

/* The columns MAPI computes for every row. */
static void computed(mapirt_sess *s, mapirt_rowbuf *rb, ULONG rowid)
{
    BYTE eid[MAPIRT_STATUS_EID_SIZE], key[4];
    mapirt_status_eid(s, rowid, eid);
    row_key(rowid, key);
    mapirt_rb_bin(rb, PR_ENTRYID, sizeof eid, eid);
    mapirt_rb_bin(rb, PR_INSTANCE_KEY, sizeof key, key);
    mapirt_rb_long(rb, PR_OBJECT_TYPE, MAPI_STATUS);
    mapirt_rb_long(rb, PR_ROWID, rowid);
}

/* One of MAPI's own rows (rowid 1..3) into rb. */
static void mapi_row(mapirt_sess *s, ULONG rowid, mapirt_rowbuf *rb)
{
    int nomail = (s->logon_flags & MAPI_NO_MAIL) != 0;
    computed(s, rb, rowid);
    mapirt_rb_str(rb, PR_PROVIDER_DLL_NAME_A, "libmapirt.so");
    mapirt_rb_long(rb, PR_RESOURCE_FLAGS, 0);
    if (rowid == MAPIRT_ROW_SUBSYSTEM) {
        mapirt_rb_str(rb, PR_DISPLAY_NAME_A, s->profile);
        mapirt_rb_str(rb, PR_PROVIDER_DISPLAY_A, "MAPI Subsystem");
        mapirt_rb_long(rb, PR_RESOURCE_TYPE, MAPI_SUBSYSTEM);
        mapirt_rb_long(rb, PR_RESOURCE_METHODS, STATUS_VALIDATE_STATE);
        mapirt_rb_long(rb, PR_STATUS_CODE, STATUS_AVAILABLE);
    } else if (rowid == MAPIRT_ROW_SPOOLER) {
        mapirt_rb_str(rb, PR_DISPLAY_NAME_A, "MAPI Spooler");
        mapirt_rb_str(rb, PR_PROVIDER_DISPLAY_A, "MAPI Spooler");
        mapirt_rb_long(rb, PR_RESOURCE_TYPE, MAPI_SPOOLER);
        mapirt_rb_long(rb, PR_RESOURCE_METHODS, STATUS_VALIDATE_STATE | STATUS_FLUSH_QUEUES);
        ULONG code = STATUS_AVAILABLE;
        char text[512];
        if (nomail)
            mapirt_rb_str(rb, PR_STATUS_STRING_A,
                          "not started: the session logged on with MAPI_NO_MAIL");
        else if (mapirt_spool_row(s, &code, text, sizeof text))
            mapirt_rb_str(rb, PR_STATUS_STRING_A, text);
        mapirt_rb_long(rb, PR_STATUS_CODE, nomail ? STATUS_FAILURE : code);
    } else {
        mapirt_rb_str(rb, PR_DISPLAY_NAME_A, "MAPI Address Book");
        mapirt_rb_str(rb, PR_PROVIDER_DISPLAY_A, "MAPI Address Book");
        mapirt_rb_long(rb, PR_RESOURCE_TYPE, MAPI_AB);
        mapirt_rb_long(rb, PR_RESOURCE_METHODS, STATUS_VALIDATE_STATE);
        mapirt_rb_long(rb, PR_STATUS_CODE, STATUS_AVAILABLE);
    }
}

static ULONG resource_type(mapirt_prov_kind k)
{
    return k == MAPIRT_PROV_AB ? MAPI_AB_PROVIDER : k == MAPIRT_PROV_MS
                                                        ? MAPI_STORE_PROVIDER
                                                        : MAPI_TRANSPORT_PROVIDER;
}

/* A provider's row into rb (sess->mu held); 0 when it has none. */
static int provider_row(mapirt_sess *s, mapirt_provider *p, mapirt_rowbuf *rb)
{
    int failed = p->state == MAPIRT_PROV_FAILED || p->state == MAPIRT_PROV_DISABLED;
    if (!(p->state == MAPIRT_PROV_ACTIVE && p->has_row) && !failed)
        return 0;
    ULONG given_flags = 0;
    for (ULONG i = 0; p->has_row && i < p->crow; i++) {
        if (p->row[i].ulPropTag == PR_RESOURCE_FLAGS)
            given_flags = p->row[i].Value.ul;
        else
            mapirt_rb_copy(rb, &p->row[i]);
    }
    computed(s, rb, MAPIRT_ROW_PROVIDER + p->index);
    mapirt_rb_long(rb, PR_RESOURCE_TYPE, resource_type(p->kind));
    mapirt_rb_str(rb, PR_PROVIDER_DLL_NAME_A, p->dll);
    mapirt_rb_long(rb, PR_RESOURCE_FLAGS,
                   ((given_flags | p->section_flags) & ~(ULONG)MAPIRT_STORE_FLAGS) |
                       p->dyn_flags);
    if (!mapirt_rb_has(rb, PR_DISPLAY_NAME_A))
        mapirt_rb_str(rb, PR_DISPLAY_NAME_A, p->display);
    if (!mapirt_rb_has(rb, PR_PROVIDER_DISPLAY_A))
        mapirt_rb_str(rb, PR_PROVIDER_DISPLAY_A,
                      p->provider_display[0] ? p->provider_display : p->display);
    if (failed) {
        mapirt_rb_long(rb, PR_STATUS_CODE, STATUS_FAILURE);
        mapirt_rb_str(rb, PR_STATUS_STRING_A, p->error_text);
    } else if (!mapirt_rb_has(rb, PR_STATUS_CODE))
        mapirt_rb_long(rb, PR_STATUS_CODE, STATUS_AVAILABLE);
    if (!mapirt_rb_has(rb, PR_RESOURCE_METHODS))
        mapirt_rb_long(rb, PR_RESOURCE_METHODS, 0);
    return 1;
}

HRESULT mapirt_status_refresh_mapi(mapirt_sess *s)
{
    return mapirt_status_refresh_mapi_rows(s, MAPIRT_ROW_SUBSYSTEM, MAPIRT_ROW_AB);
}

HRESULT mapirt_status_refresh_mapi_rows(mapirt_sess *s, ULONG first, ULONG last)
{
    HRESULT hr = S_OK;
    mapirt_tbl_lock(s);
    for (int w = 0; w < 2 && SUCCEEDED(hr); w++)
        for (ULONG r = first; r <= last && SUCCEEDED(hr); r++) {
            mapirt_rowbuf rb;
            if (FAILED(hr = mapirt_rb_init(&rb, 16, w)))
                break;
            mapi_row(s, r, &rb);
            hr = mapirt_table_put(s->status_td[w], &rb);
            mapirt_rb_free(&rb);
        }
    mapirt_tbl_unlock(s);
    return hr;
}

HRESULT mapirt_status_refresh(mapirt_sess *s, mapirt_provider *p)
{
    HRESULT hr = S_OK;
    BYTE key[4];
    row_key(MAPIRT_ROW_PROVIDER + p->index, key);
    mapirt_tbl_lock(s);
    for (int w = 0; w < 2 && SUCCEEDED(hr); w++) {
        mapirt_rowbuf rb;
        pthread_mutex_lock(&s->mu);
        hr = mapirt_rb_init(&rb, p->crow + 24, w);
        int has = SUCCEEDED(hr) && !s->ended && provider_row(s, p, &rb);
        pthread_mutex_unlock(&s->mu);
        if (SUCCEEDED(hr))
            hr = has ? mapirt_table_put(s->status_td[w], &rb)
                     : mapirt_table_drop(s->status_td[w], sizeof key, key);
        mapirt_rb_free(&rb);
    }
    mapirt_tbl_unlock(s);
    return hr;
}

HRESULT mapirt_status_modify(mapirt_sess *s, mapirt_provider *p, ULONG cValues,
                             const SPropValue *lpProps, ULONG ulFlags)
{
    /* the new row, merged into the old one with STATUSROW_UPDATE */
    LPSPropValue merged = NULL;
    ULONG n = 0;
    pthread_mutex_lock(&s->mu);
    ULONG max = cValues + ((ulFlags & STATUSROW_UPDATE) && p->has_row ? p->crow : 0);
    mapirt_rowbuf rb;
    HRESULT hr = mapirt_rb_init(&rb, max ? max : 1, 0);
    if (SUCCEEDED(hr)) {
        /* strings are kept as given (either width): the tables convert each to their own */
        if ((ulFlags & STATUSROW_UPDATE) && p->has_row)
            for (ULONG i = 0; i < p->crow; i++)
                if (PROP_TYPE(p->row[i].ulPropTag) != PT_ERROR)
                    *slot(&rb, p->row[i].ulPropTag) = p->row[i];
        for (ULONG i = 0; i < cValues; i++) {
            SPropValue *v = slot(&rb, lpProps[i].ulPropTag);
            if (v)
                *v = lpProps[i];
        }
        n = rb.n;
        hr = ScDupPropset((int)n, rb.v, MAPIAllocateBuffer, &merged);
    }
    if (SUCCEEDED(hr)) {
        MAPIFreeBuffer(p->row);
        p->row = merged;
        p->crow = n;
        p->has_row = 1;
    }
    pthread_mutex_unlock(&s->mu);
    mapirt_rb_free(&rb);
    if (FAILED(hr))
        return hr;
    return mapirt_status_refresh(s, p);
}

HRESULT mapirt_status_view(mapirt_sess *s, ULONG ulFlags, LPMAPITABLE *out)
{
    LPTABLEDATA td = s->status_td[(ulFlags & MAPI_UNICODE) ? 1 : 0];
    return td ? td->lpVtbl->HrGetView(td, NULL, NULL, 0, out) : MAPI_E_END_OF_SESSION;
}

HRESULT mapirt_status_row_props(mapirt_sess *s, ULONG rowid, ULONG *cValues,
                                LPSPropValue *lppProps)
{
    BYTE key[4];
    row_key(rowid, key);
    SPropValue k;
    k.ulPropTag = PR_INSTANCE_KEY;
    k.dwAlignPad = 0;
    k.Value.bin.cb = sizeof key;
    k.Value.bin.lpb = key;
    LPSRow row = NULL;
    ULONG at = 0;
    LPTABLEDATA td = s->status_td[0];
    if (!td)
        return MAPI_E_END_OF_SESSION;
    HRESULT hr = td->lpVtbl->HrQueryRow(td, &k, &row, &at);
    if (FAILED(hr))
        return hr;
    /* the row's values are chained to the SRow: a block of their own for the caller */
    hr = ScDupPropset((int)row->cValues, row->lpProps, MAPIAllocateBuffer, lppProps);
    if (SUCCEEDED(hr))
        *cValues = row->cValues;
    MAPIFreeBuffer(row);
    return hr;
}
