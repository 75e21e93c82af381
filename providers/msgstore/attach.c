/* attach.c: IAttach. An attachment belongs to its open message: its SaveChanges gives the
 * message a snapshot (snap.c), which the message's own SaveChanges stores; released unsaved,
 * its changes are gone. The embedded message (OpenProperty(PR_ATTACH_DATA_OBJ, IID_IMessage))
 * is saved into the attachment the same way. */
#include <stdlib.h>
#include <string.h>

#include "ms.h"
#include "ms_attach_object.h"

static void ms_attach_destroy(struct ms_attach *self)
{
    if (self->store) {
        ms_bigs_clear(self->store->db, &self->bigs);
        ms_snap_unref(self->store->db, self->emb);
    }
    mapirt_propbag_destroy(self->bag);
    if (self->msg)
        ms_message_release(self->msg);
}

/* The properties the provider computes (read-only). */
static HRESULT computed(struct ms_attach *a)
{
    SPropValue v[4];
    BYTE key[12];
    memset(v, 0, sizeof v);
    for (int i = 0; i < 8; i++)
        key[i] = (BYTE)((uint64_t)a->msg->id >> (8 * i));
    for (int i = 0; i < 4; i++)
        key[8 + i] = (BYTE)(a->num >> (8 * i));
    v[0].ulPropTag = PR_ATTACH_NUM;
    v[0].Value.l = (LONG)a->num;
    v[1].ulPropTag = PR_OBJECT_TYPE;
    v[1].Value.l = MAPI_ATTACH;
    v[2].ulPropTag = PR_RECORD_KEY;
    v[2].Value.bin.cb = sizeof key;
    v[2].Value.bin.lpb = key;
    /* The size of what it holds: its properties and big values (an estimate for strings). */
    LONG size = 0;
    LPSPropValue all = NULL;
    ULONG n = 0;
    if (SUCCEEDED(mapirt_propbag_GetProps(a->bag, NULL, MAPI_UNICODE, &n, &all))) {
        for (ULONG i = 0; i < n; i++)
            size += (LONG)ms_value_size(&all[i]);
        a->store->freebuf(all);
    }
    for (size_t i = 0; i < a->bigs.n; i++)
        if (a->bigs.v[i].size > 0)
            size += (LONG)a->bigs.v[i].size;
    v[3].ulPropTag = PR_ATTACH_SIZE;
    v[3].Value.l = size;
    return mapirt_propbag_put(a->bag, 4, v, IPROP_READONLY);
}

HRESULT ms_attach_open(struct ms_message *m, ULONG num, int create, int writable,
                       LPATTACH *out)
{
    struct ms_store *s = m->store;
    struct ms_attach *a = ms_attach_new();
    HRESULT hr;
    if (a == NULL)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    a->store = s;
    a->msg = m;
    ms_message_addref(m);
    a->num = num;
    a->writable = writable;
    mapirt_lasterror_allocators(ms_attach_lasterror(a), s->alloc, s->more, s->freebuf);
    if (FAILED(hr = mapirt_propbag_create(s->alloc, s->more, s->freebuf, "msgstore attachment",
                                          &a->bag)))
        goto fail;
    mapirt_propbag_attach(a->bag, (LPUNKNOWN)ms_attach_as_IAttach(a), ms_attach_lasterror(a));
    if (create) {
        SPropValue v;
        memset(&v, 0, sizeof v);
        v.ulPropTag = PR_RENDERING_POSITION;
        v.Value.l = -1; /* not rendered in the body, until the caller says where */
        hr = mapirt_propbag_SetProps(a->bag, 1, &v, NULL);
    } else {
        ms_attrec *rec = NULL;
        for (size_t i = 0; i < m->atts.n; i++)
            if (m->atts.v[i].num == num && !m->atts.v[i].deleted)
                rec = &m->atts.v[i];
        if (rec == NULL) {
            hr = MAPI_E_NOT_FOUND;
        } else if (rec->snap) {
            hr = ms_snap_load_attach(rec->snap, a);
        } else {
            /* As the store has it. */
            sqlite3_stmt *st;
            pthread_mutex_lock(&s->db->lock);
            st = ms_db_stmt(s->db, "SELECT id FROM objects WHERE parent = ? AND kind = ?"
                                   " AND num = ?");
            hr = MAPI_E_NOT_FOUND;
            if (st) {
                sqlite3_bind_int64(st, 1, m->id);
                sqlite3_bind_int(st, 2, MAPI_ATTACH);
                sqlite3_bind_int64(st, 3, num);
                if (sqlite3_step(st) == SQLITE_ROW) {
                    a->dbid = sqlite3_column_int64(st, 0);
                    hr = S_OK;
                }
                sqlite3_reset(st);
            }
            if (SUCCEEDED(hr))
                hr = ms_props_load(s->db, a->dbid, a->bag, NULL, s->alloc, s->more,
                                   s->freebuf);
            if (SUCCEEDED(hr))
                hr = ms_bigs_load(s->db, a->dbid, &a->bigs);
            pthread_mutex_unlock(&s->db->lock);
        }
    }
    if (SUCCEEDED(hr))
        hr = computed(a);
    if (SUCCEEDED(hr) && !writable)
        hr = mapirt_propbag_HrSetObjAccess(a->bag, IPROP_READONLY);
    if (FAILED(hr))
        goto fail;
    *out = ms_attach_as_IAttach(a);
    return S_OK;
fail:
    ms_attach_release(a);
    return hr;
}

static HRESULT ms_attach_SaveChanges(struct ms_attach *self, ULONG ulFlags)
{
    struct ms_message *m = self->msg;
    ms_snap *sn;
    HRESULT hr;
    if (FAILED(hr = ms_store_check(self->store)))
        return hr;
    if (!self->writable)
        return ms_attach_fail(self, MAPI_E_NO_ACCESS, "SaveChanges: the attachment is read-only");
    if (!m->writable || m->closed)
        return ms_attach_fail(self, MAPI_E_NO_ACCESS,
                              "SaveChanges: its message is read-only or was saved and closed");
    if (FAILED(hr = ms_message_load_atts(m)) || FAILED(hr = ms_snap_of_attach(self, &sn)))
        return ms_attach_fail(self, hr, "SaveChanges: copying the attachment failed");
    ms_attrec *rec = NULL;
    for (size_t i = 0; i < m->atts.n; i++)
        if (m->atts.v[i].num == self->num)
            rec = &m->atts.v[i];
    if (rec && rec->deleted) {
        ms_snap_unref(self->store->db, sn);
        return ms_attach_fail(self, MAPI_E_OBJECT_DELETED,
                              "SaveChanges: the attachment was deleted from its message");
    }
    if (rec == NULL) {
        ms_attrec *n = realloc(m->atts.v, (m->atts.n + 1) * sizeof *n);
        if (n == NULL) {
            ms_snap_unref(self->store->db, sn);
            return ms_attach_fail(self, MAPI_E_NOT_ENOUGH_MEMORY, "SaveChanges: out of memory");
        }
        m->atts.v = n;
        rec = &m->atts.v[m->atts.n++];
        memset(rec, 0, sizeof *rec);
        rec->num = self->num;
    }
    ms_snap_unref(self->store->db, rec->snap);
    rec->snap = sn;
    m->atts_dirty = 1;
    if (!(ulFlags & (KEEP_OPEN_READWRITE | KEEP_OPEN_READONLY)) ||
        (ulFlags & KEEP_OPEN_READONLY)) {
        self->writable = 0;
        mapirt_propbag_HrSetObjAccess(self->bag, IPROP_READONLY);
    }
    return S_OK;
}

static HRESULT ms_attach_GetProps(struct ms_attach *self, LPSPropTagArray lpPropTagArray,
                                  ULONG ulFlags, ULONG *lpcValues, LPSPropValue *lppPropArray)
{
    return ms_item_GetProps(self->store, self->bag, &self->bigs, lpPropTagArray, ulFlags,
                            lpcValues, lppPropArray);
}

static HRESULT ms_attach_GetPropList(struct ms_attach *self, ULONG ulFlags,
                                     LPSPropTagArray *lppPropTagArray)
{
    return ms_item_GetPropList(self->store, self->bag, &self->bigs, ulFlags, lppPropTagArray);
}

static HRESULT ms_attach_SetProps(struct ms_attach *self, ULONG cValues, LPSPropValue lpPropArray,
                                  LPSPropProblemArray *lppProblems)
{
    return ms_item_SetProps(self->store, self->bag, &self->bigs, cValues, lpPropArray,
                            lppProblems);
}

static HRESULT ms_attach_DeleteProps(struct ms_attach *self, LPSPropTagArray lpPropTagArray,
                                     LPSPropProblemArray *lppProblems)
{
    return ms_item_DeleteProps(self->store, self->bag, &self->bigs, lpPropTagArray,
                               lppProblems);
}

static HRESULT ms_attach_OpenProperty(struct ms_attach *self, ULONG ulPropTag, LPCIID lpiid,
                                      ULONG ulInterfaceOptions, ULONG ulFlags,
                                      LPUNKNOWN *lppUnk)
{
    HRESULT hr;
    (void)ulInterfaceOptions;
    if (FAILED(hr = ms_store_check(self->store)))
        return hr;
    int modify = (ulFlags & (MAPI_MODIFY | MAPI_CREATE)) != 0;
    if (modify && !self->writable)
        return ms_attach_fail(self, MAPI_E_NO_ACCESS, "OpenProperty: the attachment is read-only");
    if (PROP_ID(ulPropTag) == PROP_ID(PR_ATTACH_DATA_OBJ) &&
        memcmp(lpiid, &IID_IMessage, sizeof(IID)) == 0) {
        LPMESSAGE m;
        hr = ms_message_open_embedded(self, (ulFlags & MAPI_CREATE) != 0, modify, &m);
        if (FAILED(hr))
            return ms_attach_fail(self, hr, hr == MAPI_E_NOT_FOUND
                                                ? "OpenProperty: no embedded message"
                                                : "OpenProperty: opening the embedded message failed");
        *lppUnk = (LPUNKNOWN)m;
        return S_OK;
    }
    if (memcmp(lpiid, &IID_IStream, sizeof(IID)) != 0)
        return ms_attach_fail(self, MAPI_E_INTERFACE_NOT_SUPPORTED,
                              "OpenProperty: IStream, or IMessage on PR_ATTACH_DATA_OBJ");
    ms_item_ref it = {(LPUNKNOWN)ms_attach_as_IAttach(self), self->store, self->bag, &self->bigs,
                      NULL};
    hr = ms_stream_open(&it, ulPropTag, ulFlags, modify, (LPSTREAM *)lppUnk);
    if (FAILED(hr))
        return ms_attach_fail(self, hr, ms_stream_open_error(hr));
    return S_OK;
}

/* ---- the attachment table ------------------------------------------------------------------ */

static const ULONG ATTACH_COLS[] = {PR_ATTACH_NUM, PR_INSTANCE_KEY, PR_RECORD_KEY,
                                    PR_RENDERING_POSITION, PR_ATTACH_METHOD,
                                    PR_ATTACH_FILENAME_W, PR_ATTACH_LONG_FILENAME_W,
                                    PR_DISPLAY_NAME_W, PR_ATTACH_SIZE, PR_ATTACH_MIME_TAG_W,
                                    PR_ATTACH_EXTENSION_W, PR_OBJECT_TYPE};
#define NATTACH (sizeof ATTACH_COLS / sizeof ATTACH_COLS[0])

HRESULT ms_attach_table(struct ms_message *m, ULONG flags, LPMAPITABLE *out)
{
    struct ms_store *s = m->store;
    SizedSPropTagArray(NATTACH, cols);
    LPTABLEDATA td;
    HRESULT hr;
    cols.cValues = NATTACH;
    for (ULONG i = 0; i < NATTACH; i++) {
        ULONG t = ATTACH_COLS[i];
        if (PROP_TYPE(t) == PT_UNICODE && !(flags & MAPI_UNICODE))
            t = CHANGE_PROP_TYPE(t, PT_STRING8);
        cols.aulPropTag[i] = t;
    }
    if ((hr = CreateTable(&IID_IMAPITableData, s->alloc, s->more, s->freebuf, NULL,
                          TBLTYPE_SNAPSHOT, PR_INSTANCE_KEY, (LPSPropTagArray)&cols, &td)) != S_OK)
        return hr;
    for (size_t i = 0; i < m->atts.n && SUCCEEDED(hr); i++) {
        if (m->atts.v[i].deleted)
            continue;
        LPATTACH a;
        ULONG n;
        LPSPropValue v;
        /* Each row is what the attachment opened read-only answers. */
        if (FAILED(hr = ms_attach_open(m, m->atts.v[i].num, 0, 0, &a)))
            break;
        hr = ms_item_GetProps(s, ms_attach_from_IAttach(a)->bag,
                              &ms_attach_from_IAttach(a)->bigs, (LPSPropTagArray)&cols, flags,
                              &n, &v);
        a->lpVtbl->Release(a);
        if (FAILED(hr))
            break;
        ULONG num = m->atts.v[i].num;
        v[1].ulPropTag = PR_INSTANCE_KEY;
        v[1].Value.bin.cb = sizeof num;
        v[1].Value.bin.lpb = (LPBYTE)&num;
        SRow r = {0, n, v};
        hr = td->lpVtbl->HrModifyRow(td, &r);
        s->freebuf(v);
    }
    if (SUCCEEDED(hr))
        hr = td->lpVtbl->HrGetView(td, NULL, NULL, 0, out);
    td->lpVtbl->Release(td);
    return hr;
}
