/* message.c: IMessage, a transacted document: SetProps, DeleteProps and ModifyRecipients
 * change only the open instance; SaveChanges writes everything in one SQLite transaction, so
 * another reader (or a crash) sees the message whole or not at all. A new message has no row
 * until its first SaveChanges. KEEP_OPEN_READWRITE keeps the instance writable,
 * KEEP_OPEN_READONLY makes it read-only, neither closes it for writing (docs/decisions.md). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mapirt/strconv.h>

#include "ms.h"

#include "ms_message_object.h"

static void free_recips(struct ms_message *m)
{
    for (ULONG i = 0; i < m->nrecips; i++)
        m->store->freebuf(m->recips[i]);
    free(m->recips);
    free(m->recip_counts);
    m->recips = NULL;
    m->recip_counts = NULL;
    m->nrecips = 0;
}

static void ms_message_destroy(struct ms_message *self)
{
    if (self->store) {
        free_recips(self);
        ms_bigs_clear(self->store->db, &self->bigs);
        ms_atts_clear(self->store->db, &self->atts);
    }
    mapirt_propbag_destroy(self->bag);
    if (self->parent)
        ms_attach_release(self->parent);
    if (self->store)
        ms_store_release(self->store);
}

/* The properties the provider computes, read-only. */
static HRESULT computed(struct ms_message *m)
{
    struct ms_store *s = m->store;
    SPropValue v[8];
    BYTE eid[MS_EID_OBJECT], peid[MS_EID_OBJECT];
    ULONG n = 0;
    memset(v, 0, sizeof v);
    v[n].ulPropTag = PR_OBJECT_TYPE;
    v[n++].Value.l = MAPI_MESSAGE;
    if (m->parent) /* an embedded message has no entry ID nor a folder */
        return mapirt_propbag_put(m->bag, n, v, IPROP_READONLY);
    ms_eid_object(&s->db->uid, MAPI_FOLDER, m->folder, peid);
    v[n].ulPropTag = PR_PARENT_ENTRYID;
    v[n].Value.bin.cb = MS_EID_OBJECT;
    v[n++].Value.bin.lpb = peid;
    v[n].ulPropTag = PR_STORE_ENTRYID;
    v[n].Value.bin.cb = s->cbeid;
    v[n++].Value.bin.lpb = (LPBYTE)s->eid;
    v[n].ulPropTag = PR_STORE_RECORD_KEY;
    v[n].Value.bin.cb = 16;
    v[n++].Value.bin.lpb = s->db->uid.ab;
    if (m->id) {
        ms_eid_object(&s->db->uid, MAPI_MESSAGE, m->id, eid);
        v[n].ulPropTag = PR_ENTRYID;
        v[n].Value.bin.cb = MS_EID_OBJECT;
        v[n++].Value.bin.lpb = eid;
        v[n].ulPropTag = PR_RECORD_KEY;
        v[n].Value.bin.cb = MS_EID_OBJECT;
        v[n++].Value.bin.lpb = eid;
    }
    return mapirt_propbag_put(m->bag, n, v, IPROP_READONLY);
}

static HRESULT make(struct ms_store *s, struct ms_message **out)
{
    struct ms_message *m = ms_message_new();
    HRESULT hr;
    if (m == NULL)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    ms_store_addref(s);
    m->store = s;
    mapirt_lasterror_allocators(ms_message_lasterror(m), s->alloc, s->more, s->freebuf);
    if (FAILED(hr = mapirt_propbag_create(s->alloc, s->more, s->freebuf, "msgstore message",
                                          &m->bag))) {
        ms_message_release(m);
        return hr;
    }
    mapirt_propbag_attach(m->bag, (LPUNKNOWN)ms_message_as_IMessage(m), ms_message_lasterror(m));
    *out = m;
    return S_OK;
}

HRESULT ms_message_create(struct ms_store *s, sqlite3_int64 folder, int assoc, LPMESSAGE *out)
{
    struct ms_message *m;
    HRESULT hr = make(s, &m);
    if (FAILED(hr))
        return hr;
    m->folder = folder;
    m->assoc = assoc;
    m->writable = 1;
    m->recips_loaded = 1;
    if (FAILED(hr = computed(m))) {
        ms_message_release(m);
        return hr;
    }
    /* A new message starts unsent (and associated when asked); these are the caller's to
     * change, so they are ordinary dirty properties. */
    SPropValue v[2];
    memset(v, 0, sizeof v);
    v[0].ulPropTag = PR_MESSAGE_FLAGS;
    v[0].Value.l = MSGFLAG_UNSENT | MSGFLAG_UNMODIFIED | (assoc ? MSGFLAG_ASSOCIATED : 0);
    v[1].ulPropTag = PR_MESSAGE_CLASS_A;
    v[1].Value.lpszA = "IPM";
    if (FAILED(hr = mapirt_propbag_SetProps(m->bag, 2, v, NULL))) {
        ms_message_release(m);
        return hr;
    }
    *out = ms_message_as_IMessage(m);
    return S_OK;
}

HRESULT ms_message_open(struct ms_store *s, sqlite3_int64 id, int writable, LPCIID iid,
                        LPUNKNOWN *out)
{
    struct ms_message *m;
    HRESULT hr;
    if (iid && memcmp(iid, &IID_IMessage, sizeof(IID)) && memcmp(iid, &IID_IMAPIProp, sizeof(IID)) &&
        memcmp(iid, &IID_IUnknown, sizeof(IID)))
        return MAPI_E_INTERFACE_NOT_SUPPORTED;
    if (FAILED(hr = make(s, &m)))
        return hr;
    m->id = id;
    m->writable = writable;
    pthread_mutex_lock(&s->db->lock);
    sqlite3_stmt *st = ms_db_stmt(s->db, "SELECT folder, assoc FROM messages WHERE id = ?");
    int found = 0;
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        if (sqlite3_step(st) == SQLITE_ROW) {
            found = 1;
            m->folder = sqlite3_column_int64(st, 0);
            m->assoc = sqlite3_column_int(st, 1);
        }
        sqlite3_reset(st);
    }
    hr = found ? ms_props_load(s->db, id, m->bag, NULL, s->alloc, s->more, s->freebuf)
               : MAPI_E_NOT_FOUND;
    if (SUCCEEDED(hr))
        hr = ms_bigs_load(s->db, id, &m->bigs);
    pthread_mutex_unlock(&s->db->lock);
    if (SUCCEEDED(hr))
        hr = computed(m);
    if (SUCCEEDED(hr) && !writable)
        hr = mapirt_propbag_HrSetObjAccess(m->bag, IPROP_READONLY);
    if (FAILED(hr)) {
        ms_message_release(m);
        return hr;
    }
    *out = (LPUNKNOWN)ms_message_as_IMessage(m);
    return S_OK;
}

/* ---- recipients ---------------------------------------------------------------------------- */

HRESULT ms_message_load_recips(struct ms_message *m)
{
    struct ms_store *s = m->store;
    HRESULT hr = S_OK;
    if (m->recips_loaded)
        return S_OK;
    pthread_mutex_lock(&s->db->lock);
    sqlite3_stmt *st = ms_db_stmt(s->db, "SELECT row, props FROM recipients WHERE msg = ? "
                                         "ORDER BY row");
    if (st == NULL)
        hr = ms_db_hr(sqlite3_errcode(s->db->db));
    else
        sqlite3_bind_int64(st, 1, m->id);
    while (SUCCEEDED(hr) && sqlite3_step(st) == SQLITE_ROW) {
        ULONG c;
        LPSPropValue p;
        hr = ms_row_decode(sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1),
                           s->alloc, s->more, &c, &p);
        if (FAILED(hr))
            break;
        LPSPropValue *nr = realloc(m->recips, (m->nrecips + 1) * sizeof *nr);
        ULONG *nc = nr ? realloc(m->recip_counts, (m->nrecips + 1) * sizeof *nc) : NULL;
        if (nr)
            m->recips = nr;
        if (!nc) {
            s->freebuf(p);
            hr = MAPI_E_NOT_ENOUGH_MEMORY;
            break;
        }
        m->recip_counts = nc;
        m->recips[m->nrecips] = p;
        m->recip_counts[m->nrecips++] = c;
        ULONG row = (ULONG)sqlite3_column_int(st, 0);
        if (row >= m->next_rowid)
            m->next_rowid = row + 1;
    }
    if (st)
        sqlite3_reset(st);
    pthread_mutex_unlock(&s->db->lock);
    if (FAILED(hr))
        free_recips(m);
    else
        m->recips_loaded = 1;
    return hr;
}

static LONG rowid_of(const SPropValue *p, ULONG c)
{
    for (ULONG i = 0; i < c; i++)
        if (p[i].ulPropTag == PR_ROWID)
            return p[i].Value.l;
    return -1;
}

/* A copy of an ADRENTRY's properties with PR_ROWID set (one provider allocation). */
static HRESULT copy_row(struct ms_message *m, const ADRENTRY *e, LONG rowid, LPSPropValue *out,
                        ULONG *count)
{
    ULONG n = 0;
    for (ULONG i = 0; i < e->cValues; i++)
        if (e->rgPropVals[i].ulPropTag != PR_ROWID &&
            PROP_TYPE(e->rgPropVals[i].ulPropTag) != PT_ERROR)
            n++;
    BYTE *enc;
    size_t cb;
    LPSPropValue tmp = malloc((n + 1) * sizeof *tmp);
    if (tmp == NULL)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    n = 0;
    for (ULONG i = 0; i < e->cValues; i++)
        if (e->rgPropVals[i].ulPropTag != PR_ROWID &&
            PROP_TYPE(e->rgPropVals[i].ulPropTag) != PT_ERROR)
            tmp[n++] = e->rgPropVals[i];
    tmp[n].ulPropTag = PR_ROWID;
    tmp[n].dwAlignPad = 0;
    tmp[n++].Value.l = rowid;
    /* Through the encoding: one allocation and the same values the store will read back. */
    HRESULT hr = ms_row_encode(n, tmp, &enc, &cb);
    free(tmp);
    if (FAILED(hr))
        return hr;
    hr = ms_row_decode(enc, cb, m->store->alloc, m->store->more, count, out);
    free(enc);
    return hr;
}

static HRESULT ms_message_ModifyRecipients(struct ms_message *self, ULONG ulFlags, LPADRLIST lpMods)
{
    HRESULT hr;
    if (FAILED(hr = ms_store_check(self->store)))
        return hr;
    if (!self->writable || self->closed)
        return ms_message_fail(self, MAPI_E_NO_ACCESS, "ModifyRecipients: read-only message");
    if ((ulFlags & (MODRECIP_ADD | MODRECIP_MODIFY | MODRECIP_REMOVE)) != 0 &&
        (ulFlags & (ulFlags - 1)) != 0)
        return ms_message_fail(self, MAPI_E_INVALID_PARAMETER,
                               "ModifyRecipients: one of MODRECIP_ADD, _MODIFY, _REMOVE");
    if (FAILED(hr = ms_message_load_recips(self)))
        return ms_message_fail(self, hr, "ModifyRecipients: reading the recipients failed");
    if (ulFlags == 0) {
        /* Replace every recipient. */
        free_recips(self);
        ulFlags = MODRECIP_ADD;
    }
    for (ULONG i = 0; i < lpMods->cEntries; i++) {
        const ADRENTRY *e = &lpMods->aEntries[i];
        LONG rowid = rowid_of(e->rgPropVals, e->cValues);
        ULONG k = 0;
        if (ulFlags & (MODRECIP_MODIFY | MODRECIP_REMOVE)) {
            while (k < self->nrecips && rowid_of(self->recips[k], self->recip_counts[k]) != rowid)
                k++;
            if (rowid < 0 || k == self->nrecips)
                return ms_message_fail(self, MAPI_E_NOT_FOUND,
                                       "ModifyRecipients: no recipient with that PR_ROWID");
        }
        if (ulFlags & MODRECIP_REMOVE) {
            self->store->freebuf(self->recips[k]);
            memmove(&self->recips[k], &self->recips[k + 1],
                    (self->nrecips - k - 1) * sizeof self->recips[0]);
            memmove(&self->recip_counts[k], &self->recip_counts[k + 1],
                    (self->nrecips - k - 1) * sizeof self->recip_counts[0]);
            self->nrecips--;
            continue;
        }
        LPSPropValue p;
        ULONG c;
        if (FAILED(hr = copy_row(self, e, ulFlags & MODRECIP_MODIFY ? rowid
                                                                  : (LONG)self->next_rowid,
                                 &p, &c)))
            return ms_message_fail(self, hr, "ModifyRecipients: out of memory");
        if (ulFlags & MODRECIP_MODIFY) {
            self->store->freebuf(self->recips[k]);
            self->recips[k] = p;
            self->recip_counts[k] = c;
            continue;
        }
        LPSPropValue *nr = realloc(self->recips, (self->nrecips + 1) * sizeof *nr);
        ULONG *nc = nr ? realloc(self->recip_counts, (self->nrecips + 1) * sizeof *nc) : NULL;
        if (nr)
            self->recips = nr;
        if (!nc) {
            self->store->freebuf(p);
            return ms_message_fail(self, MAPI_E_NOT_ENOUGH_MEMORY,
                                   "ModifyRecipients: out of memory");
        }
        self->recip_counts = nc;
        self->recips[self->nrecips] = p;
        self->recip_counts[self->nrecips++] = c;
        self->next_rowid++;
    }
    self->recips_dirty = 1;
    return S_OK;
}

static HRESULT ms_message_GetRecipientTable(struct ms_message *self, ULONG ulFlags,
                                     LPMAPITABLE *lppTable)
{
    struct ms_store *s = self->store;
    SizedSPropTagArray(6, cols) = {6, {PR_ROWID, PR_DISPLAY_NAME_W, PR_EMAIL_ADDRESS_W,
                                       PR_ADDRTYPE_W, PR_RECIPIENT_TYPE, PR_ENTRYID}};
    LPTABLEDATA td;
    HRESULT hr;
    if (FAILED(hr = ms_store_check(s)))
        return hr;
    if (FAILED(hr = ms_message_load_recips(self)))
        return ms_message_fail(self, hr, "GetRecipientTable: reading the recipients failed");
    if (!(ulFlags & MAPI_UNICODE))
        for (int i = 1; i < 4; i++)
            cols.aulPropTag[i] = CHANGE_PROP_TYPE(cols.aulPropTag[i], PT_STRING8);
    if ((hr = CreateTable(&IID_IMAPITableData, s->alloc, s->more, s->freebuf, NULL,
                          TBLTYPE_SNAPSHOT, PR_ROWID, (LPSPropTagArray)&cols, &td)) != S_OK)
        return ms_message_fail(self, hr, "GetRecipientTable: CreateTable failed");
    for (ULONG i = 0; i < self->nrecips && SUCCEEDED(hr); i++) {
        /* String columns in the width the caller asked for. */
        ULONG c = self->recip_counts[i];
        LPSPropValue v;
        if (s->alloc(c * sizeof *v, (void **)&v) != S_OK) {
            hr = MAPI_E_NOT_ENOUGH_MEMORY;
            break;
        }
        for (ULONG k = 0; k < c && SUCCEEDED(hr); k++) {
            v[k] = self->recips[i][k];
            ULONG t = PROP_TYPE(v[k].ulPropTag);
            if (t == PT_UNICODE && !(ulFlags & MAPI_UNICODE)) {
                v[k].ulPropTag = CHANGE_PROP_TYPE(v[k].ulPropTag, PT_STRING8);
                hr = mapirt_str_w_to_a(self->recips[i][k].Value.lpszW, v, &v[k].Value.lpszA);
            } else if (t == PT_STRING8 && (ulFlags & MAPI_UNICODE)) {
                v[k].ulPropTag = CHANGE_PROP_TYPE(v[k].ulPropTag, PT_UNICODE);
                hr = mapirt_str_a_to_w(self->recips[i][k].Value.lpszA, v, &v[k].Value.lpszW);
            }
        }
        SRow r = {0, c, v};
        if (SUCCEEDED(hr))
            hr = td->lpVtbl->HrModifyRow(td, &r);
        s->freebuf(v);
    }
    if (SUCCEEDED(hr))
        hr = td->lpVtbl->HrGetView(td, NULL, NULL, 0, lppTable);
    td->lpVtbl->Release(td);
    return FAILED(hr) ? ms_message_fail(self, hr, "GetRecipientTable failed") : S_OK;
}

/* ---- saving --------------------------------------------------------------------------------- */

/* The `messages` row: the properties contents tables sort and filter on. */
static int write_index_row(struct ms_message *m)
{
    static const SizedSPropTagArray(6, tags) = {6, {PR_MESSAGE_DELIVERY_TIME, PR_SUBJECT_A,
                                                    PR_SENDER_NAME_A, PR_MESSAGE_CLASS_A,
                                                    PR_MESSAGE_FLAGS, PR_MSG_STATUS}};
    struct ms_store *s = m->store;
    ULONG n;
    LPSPropValue v;
    if (FAILED(mapirt_propbag_GetProps(m->bag, (LPSPropTagArray)&tags, 0, &n, &v)))
        return SQLITE_NOMEM;
    sqlite3_stmt *st = ms_db_stmt(s->db,
                                  "INSERT OR REPLACE INTO messages(id, folder, assoc, delivery_time,"
                                  " subject, sender, message_class, flags, status, size)"
                                  " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, "
                                  " (SELECT coalesce(sum(coalesce(big, length(val))), 0)"
                                  "  FROM props WHERE obj = ?1))");
    if (st == NULL) {
        s->freebuf(v);
        return sqlite3_errcode(s->db->db);
    }
    sqlite3_bind_int64(st, 1, m->id);
    sqlite3_bind_int64(st, 2, m->folder);
    sqlite3_bind_int(st, 3, m->assoc);
    for (int i = 0; i < 4; i++)
        if (PROP_TYPE(v[i].ulPropTag) != PT_ERROR)
            ms_bind_value(st, 4 + i, &v[i]);
    sqlite3_bind_int(st, 8, PROP_TYPE(v[4].ulPropTag) == PT_LONG ? v[4].Value.l : 0);
    sqlite3_bind_int(st, 9, PROP_TYPE(v[5].ulPropTag) == PT_LONG ? v[5].Value.l : 0);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    s->freebuf(v);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* An embedded message is saved into its attachment (snap.c). */
static HRESULT save_embedded(struct ms_message *self, ULONG ulFlags)
{
    struct ms_attach *a = self->parent;
    ms_snap *sn;
    HRESULT hr;
    if (!a->writable)
        return ms_message_fail(self, MAPI_E_NO_ACCESS,
                               "SaveChanges: the attachment of this embedded message is read-only");
    if (FAILED(hr = ms_snap_of_message(self, &sn)))
        return ms_message_fail(self, hr, "SaveChanges: copying the embedded message failed");
    ms_snap_unref(self->store->db, a->emb);
    a->emb = sn;
    a->emb_changed = 1;
    if (ulFlags & KEEP_OPEN_READWRITE)
        return S_OK;
    if (!(ulFlags & KEEP_OPEN_READONLY))
        self->closed = 1;
    self->writable = 0;
    mapirt_propbag_HrSetObjAccess(self->bag, IPROP_READONLY);
    return S_OK;
}

/* PR_HASATTACH and MSGFLAG_HASATTACH follow the attachments. */
static HRESULT mark_attachments(struct ms_message *m)
{
    ULONG live = 0;
    for (size_t i = 0; i < m->atts.n; i++)
        live += !m->atts.v[i].deleted;
    SizedSPropTagArray(1, t) = {1, {PR_MESSAGE_FLAGS}};
    ULONG n;
    LPSPropValue pv;
    HRESULT hr = mapirt_propbag_GetProps(m->bag, (LPSPropTagArray)&t, 0, &n, &pv);
    if (FAILED(hr))
        return hr;
    LONG flags = PROP_TYPE(pv->ulPropTag) == PT_LONG ? pv->Value.l : 0;
    m->store->freebuf(pv);
    SPropValue v[2];
    memset(v, 0, sizeof v);
    v[0].ulPropTag = PR_MESSAGE_FLAGS;
    v[0].Value.l = live ? flags | MSGFLAG_HASATTACH : flags & ~MSGFLAG_HASATTACH;
    v[1].ulPropTag = PR_HASATTACH;
    v[1].Value.b = live != 0;
    return mapirt_propbag_SetProps(m->bag, 2, v, NULL);
}

static HRESULT ms_message_SaveChanges(struct ms_message *self, ULONG ulFlags)
{
    struct ms_store *s = self->store;
    HRESULT hr;
    int created = self->id == 0;
    if (FAILED(hr = ms_store_check(s)))
        return hr;
    if (!self->writable || self->closed)
        return ms_message_fail(self, MAPI_E_NO_ACCESS, "SaveChanges: the message is read-only");
    if (self->parent)
        return save_embedded(self, ulFlags);
    if (self->atts_dirty && FAILED(hr = mark_attachments(self)))
        return ms_message_fail(self, hr, "SaveChanges: out of memory");
    pthread_mutex_lock(&s->db->lock);
    int rc = ms_db_begin(s->db);
    sqlite3_int64 id = self->id;
    if (rc == SQLITE_OK && id) {
        /* Deleted (or moved away) by someone else since it was opened. */
        sqlite3_stmt *st = ms_db_stmt(s->db, "SELECT folder FROM messages WHERE id = ?");
        int exists = 0;
        if (st) {
            sqlite3_bind_int64(st, 1, id);
            exists = sqlite3_step(st) == SQLITE_ROW;
            if (exists)
                self->folder = sqlite3_column_int64(st, 0);
            sqlite3_reset(st);
        }
        if (!exists) {
            ms_db_rollback(s->db);
            pthread_mutex_unlock(&s->db->lock);
            return ms_message_fail(self, MAPI_E_OBJECT_DELETED,
                                   "SaveChanges: the message was deleted meanwhile");
        }
    }
    if (rc == SQLITE_OK && !id)
        rc = ms_db_new_object(s->db, MAPI_MESSAGE, self->folder, &id);
    /* Big values first: a value set in the bag since replaces a big one (and the reverse). */
    if (rc == SQLITE_OK)
        rc = ms_bigs_save(s->db, id, &self->bigs, 0);
    if (rc == SQLITE_OK) {
        self->id = id; /* write_* read it; undone below on failure */
        hr = ms_props_save(s->db, id, self->bag, s->freebuf);
        if (FAILED(hr))
            rc = hr == MAPI_E_DISK_ERROR ? SQLITE_FULL : SQLITE_ERROR;
    }
    if (rc == SQLITE_OK && self->recips_dirty)
        rc = ms_write_recips(s->db, id, self->nrecips, self->recips, self->recip_counts);
    for (size_t i = 0; rc == SQLITE_OK && self->atts_dirty && i < self->atts.n; i++)
        if (self->atts.v[i].deleted || self->atts.v[i].snap)
            rc = ms_snap_write_attach(s->db, id, &self->atts.v[i]);
    if (rc == SQLITE_OK)
        rc = write_index_row(self);
    if (rc == SQLITE_OK && self->submitting)
        rc = ms_outgoing_enqueue(s->db, id);
    if (rc == SQLITE_OK)
        rc = ms_db_commit(s->db);
    if (rc != SQLITE_OK) {
        ms_db_rollback(s->db);
        if (created)
            self->id = 0;
    } else {
        ms_bigs_saved(s->db, id, &self->bigs);
    }
    pthread_mutex_unlock(&s->db->lock);
    if (rc == SQLITE_OK) {
        /* The attachments are in the store now (snapshots are released without the lock). */
        size_t k = 0;
        for (size_t i = 0; i < self->atts.n; i++) {
            ms_attrec r = self->atts.v[i];
            ms_snap_unref(s->db, r.snap);
            r.snap = NULL;
            if (!r.deleted)
                self->atts.v[k++] = r;
        }
        self->atts.n = k;
    }
    if (rc != SQLITE_OK) {
        /* The bag's changes are still dirty: a later SaveChanges retries all of them... except
         * those ms_props_save had marked clean, which it does only after success. */
        return ms_message_fail(self, FAILED(hr) ? hr : ms_db_hr(rc),
                               "SaveChanges: writing the message failed; nothing was saved");
    }
    self->recips_dirty = 0;
    self->atts_dirty = 0;
    if (created)
        computed(self);
    if (ulFlags & KEEP_OPEN_READWRITE) {
        /* stays writable */
    } else if (ulFlags & KEEP_OPEN_READONLY) {
        self->writable = 0;
        mapirt_propbag_HrSetObjAccess(self->bag, IPROP_READONLY);
    } else {
        self->closed = 1;
        mapirt_propbag_HrSetObjAccess(self->bag, IPROP_READONLY);
    }
    ms_store_notify_object(s, created ? fnevObjectCreated : fnevObjectModified, MAPI_MESSAGE, id,
                           self->folder, 0);
    ms_tables_changed(s, self->folder, self->assoc ? MS_TABLE_ASSOC : MS_TABLE_CONTENTS, id, 0);
    if (created)
        ms_tables_changed(s, MS_OBJ_ROOT, MS_TABLE_HIERARCHY, self->folder, 0);
    return S_OK;
}

/* The read receipt of this message; a failure says so (the read flag stays as set). */
static HRESULT read_receipt(struct ms_message *self)
{
    char why[512] = "";
    HRESULT hr = ms_read_receipt(self->store, ms_message_as_IMessage(self), 0, why, sizeof why);
    if (FAILED(hr))
        return mapirt_lasterror_setf(ms_message_lasterror(self), hr, 0, 0,
                                     "%s (the read flag is set)", why);
    return S_OK;
}

static HRESULT ms_message_SetReadFlag(struct ms_message *self, ULONG ulFlags)
{
    LPSPropValue pv = NULL;
    HRESULT hr;
    if (FAILED(hr = ms_store_check(self->store)))
        return hr;
    if ((ulFlags & CLEAR_READ_FLAG) && (ulFlags & (SUPPRESS_RECEIPT | GENERATE_RECEIPT_ONLY)))
        return ms_message_fail(self, MAPI_E_INVALID_PARAMETER,
                               "SetReadFlag: CLEAR_READ_FLAG with a receipt flag");
    SizedSPropTagArray(2, t) = {2, {PR_MESSAGE_FLAGS, PR_READ_RECEIPT_REQUESTED}};
    ULONG n;
    if (FAILED(hr = mapirt_propbag_GetProps(self->bag, (LPSPropTagArray)&t, 0, &n, &pv)))
        return hr;
    LONG flags = PROP_TYPE(pv[0].ulPropTag) == PT_LONG ? pv[0].Value.l : 0;
    int asked = pv[1].ulPropTag == PR_READ_RECEIPT_REQUESTED && pv[1].Value.b;
    self->store->freebuf(pv);
    /* a read receipt when asked for, the first time the message is read (or on request with
     * GENERATE_RECEIPT_ONLY), unless SUPPRESS_RECEIPT; saved messages of a folder only */
    int receipt = asked && self->id && !self->parent && !(ulFlags & SUPPRESS_RECEIPT) &&
                  ((ulFlags & GENERATE_RECEIPT_ONLY) ||
                   (!(ulFlags & CLEAR_READ_FLAG) && !(flags & MSGFLAG_READ)));
    if (ulFlags & GENERATE_RECEIPT_ONLY)
        return receipt ? read_receipt(self) : S_OK;
    flags = (ulFlags & CLEAR_READ_FLAG) ? flags & ~MSGFLAG_READ : flags | MSGFLAG_READ;
    SPropValue v;
    memset(&v, 0, sizeof v);
    v.ulPropTag = PR_MESSAGE_FLAGS;
    v.Value.l = flags;
    /* The read flag is not transacted: it reaches the store now, for a saved message. */
    int ro = !mapirt_propbag_writable(self->bag);
    if (ro)
        mapirt_propbag_HrSetObjAccess(self->bag, IPROP_READWRITE);
    hr = mapirt_propbag_SetProps(self->bag, 1, &v, NULL);
    if (ro)
        mapirt_propbag_HrSetObjAccess(self->bag, IPROP_READONLY);
    if (FAILED(hr) || self->id == 0 || self->parent)
        return hr;
    struct ms_store *s = self->store;
    pthread_mutex_lock(&s->db->lock);
    sqlite3_stmt *st = ms_db_stmt(s->db, "UPDATE messages SET flags = ? WHERE id = ?");
    int rc = SQLITE_ERROR;
    if (st) {
        sqlite3_bind_int(st, 1, flags);
        sqlite3_bind_int64(st, 2, self->id);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
    }
    st = rc == SQLITE_DONE ? ms_db_stmt(s->db, "INSERT OR REPLACE INTO props(obj, id, type, val)"
                                               " VALUES(?, 0x0E07, 3, ?)")
                           : NULL;
    if (st) {
        sqlite3_bind_int64(st, 1, self->id);
        sqlite3_bind_int(st, 2, flags);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
    }
    pthread_mutex_unlock(&s->db->lock);
    if (rc != SQLITE_DONE)
        return ms_message_fail(self, ms_db_hr(rc), "SetReadFlag: writing the store failed");
    ms_tables_changed(s, self->folder, self->assoc ? MS_TABLE_ASSOC : MS_TABLE_CONTENTS,
                      self->id, 0);
    return receipt ? read_receipt(self) : S_OK;
}

static HRESULT ms_message_SubmitMessage(struct ms_message *self, ULONG ulFlags)
{
    if (!self->writable || self->closed)
        return ms_message_fail(self, MAPI_E_NO_ACCESS, "SubmitMessage: the message is read-only");
    char why[512] = "";
    HRESULT hr = ms_submit_message(self->store, ms_message_as_IMessage(self), &self->submitting,
                                   ulFlags, why, sizeof why);
    if (FAILED(hr) && why[0]) /* a copy: ms_message_fail keeps only static texts */
        return mapirt_lasterror_setf(ms_message_lasterror(self), hr, 0, 0, "%s", why);
    return FAILED(hr) ? ms_message_fail(self, hr, "SubmitMessage failed") : S_OK;
}

/* ---- attachments ----------------------------------------------------------------------------- */

HRESULT ms_message_load_atts(struct ms_message *m)
{
    if (m->atts.loaded)
        return S_OK;
    pthread_mutex_lock(&m->store->db->lock);
    HRESULT hr = ms_atts_load(m->store->db, m->id, &m->atts);
    pthread_mutex_unlock(&m->store->db->lock);
    return hr;
}

static HRESULT ms_message_GetAttachmentTable(struct ms_message *self, ULONG ulFlags,
                                             LPMAPITABLE *lppTable)
{
    HRESULT hr;
    if (FAILED(hr = ms_store_check(self->store)))
        return hr;
    if (FAILED(hr = ms_message_load_atts(self)) ||
        FAILED(hr = ms_attach_table(self, ulFlags, lppTable)))
        return ms_message_fail(self, hr, "GetAttachmentTable failed");
    return S_OK;
}

static HRESULT ms_message_OpenAttach(struct ms_message *self, ULONG ulAttachmentNum,
                                     LPCIID lpInterface, ULONG ulFlags, LPATTACH *lppAttach)
{
    HRESULT hr;
    if (FAILED(hr = ms_store_check(self->store)))
        return hr;
    if (lpInterface && memcmp(lpInterface, &IID_IAttachment, sizeof(IID)) &&
        memcmp(lpInterface, &IID_IMAPIProp, sizeof(IID)) &&
        memcmp(lpInterface, &IID_IUnknown, sizeof(IID)))
        return ms_message_fail(self, MAPI_E_INTERFACE_NOT_SUPPORTED,
                               "OpenAttach: an attachment answers IAttach");
    int modify = (ulFlags & MAPI_MODIFY) || ((ulFlags & MAPI_BEST_ACCESS) && self->writable);
    if (modify && (!self->writable || self->closed))
        return ms_message_fail(self, MAPI_E_NO_ACCESS, "OpenAttach: the message is read-only");
    if (FAILED(hr = ms_message_load_atts(self)))
        return ms_message_fail(self, hr, "OpenAttach: reading the attachments failed");
    hr = ms_attach_open(self, ulAttachmentNum, 0, modify, lppAttach);
    if (FAILED(hr))
        return ms_message_fail(self, hr, hr == MAPI_E_NOT_FOUND
                                             ? "OpenAttach: no attachment of that number"
                                             : "OpenAttach failed");
    return S_OK;
}

static HRESULT ms_message_CreateAttach(struct ms_message *self, LPCIID lpInterface,
                                       ULONG ulFlags, ULONG *lpulAttachmentNum,
                                       LPATTACH *lppAttach)
{
    HRESULT hr;
    (void)ulFlags;
    if (FAILED(hr = ms_store_check(self->store)))
        return hr;
    if (lpInterface && memcmp(lpInterface, &IID_IAttachment, sizeof(IID)) &&
        memcmp(lpInterface, &IID_IMAPIProp, sizeof(IID)) &&
        memcmp(lpInterface, &IID_IUnknown, sizeof(IID)))
        return ms_message_fail(self, MAPI_E_INTERFACE_NOT_SUPPORTED,
                               "CreateAttach: an attachment answers IAttach");
    if (!self->writable || self->closed)
        return ms_message_fail(self, MAPI_E_NO_ACCESS, "CreateAttach: the message is read-only");
    if (FAILED(hr = ms_message_load_atts(self)))
        return ms_message_fail(self, hr, "CreateAttach: reading the attachments failed");
    ULONG num = self->atts.next_num;
    if (FAILED(hr = ms_attach_open(self, num, 1, 1, lppAttach)))
        return ms_message_fail(self, hr, "CreateAttach failed");
    self->atts.next_num++;
    *lpulAttachmentNum = num;
    return S_OK;
}

static HRESULT ms_message_DeleteAttach(struct ms_message *self, ULONG ulAttachmentNum,
                                       ULONG_PTR ulUIParam, LPMAPIPROGRESS lpProgress,
                                       ULONG ulFlags)
{
    HRESULT hr;
    (void)ulUIParam;
    (void)lpProgress;
    (void)ulFlags;
    if (FAILED(hr = ms_store_check(self->store)))
        return hr;
    if (!self->writable || self->closed)
        return ms_message_fail(self, MAPI_E_NO_ACCESS, "DeleteAttach: the message is read-only");
    if (FAILED(hr = ms_message_load_atts(self)))
        return ms_message_fail(self, hr, "DeleteAttach: reading the attachments failed");
    for (size_t i = 0; i < self->atts.n; i++) {
        ms_attrec *r = &self->atts.v[i];
        if (r->num != ulAttachmentNum || r->deleted)
            continue;
        ms_snap_unref(self->store->db, r->snap);
        r->snap = NULL;
        r->deleted = 1;
        self->atts_dirty = 1;
        return S_OK;
    }
    return ms_message_fail(self, MAPI_E_NOT_FOUND, "DeleteAttach: no attachment of that number");
}

/* ---- properties: the bag and the big values ----------------------------------------------- */

static HRESULT ms_message_GetProps(struct ms_message *self, LPSPropTagArray lpPropTagArray,
                                   ULONG ulFlags, ULONG *lpcValues, LPSPropValue *lppPropArray)
{
    return ms_item_GetProps(self->store, self->bag, &self->bigs, lpPropTagArray, ulFlags,
                            lpcValues, lppPropArray);
}

static HRESULT ms_message_GetPropList(struct ms_message *self, ULONG ulFlags,
                                      LPSPropTagArray *lppPropTagArray)
{
    return ms_item_GetPropList(self->store, self->bag, &self->bigs, ulFlags, lppPropTagArray);
}

static HRESULT ms_message_SetProps(struct ms_message *self, ULONG cValues,
                                   LPSPropValue lpPropArray, LPSPropProblemArray *lppProblems)
{
    return ms_item_SetProps(self->store, self->bag, &self->bigs, cValues, lpPropArray,
                            lppProblems);
}

static HRESULT ms_message_DeleteProps(struct ms_message *self, LPSPropTagArray lpPropTagArray,
                                      LPSPropProblemArray *lppProblems)
{
    return ms_item_DeleteProps(self->store, self->bag, &self->bigs, lpPropTagArray,
                               lppProblems);
}

static HRESULT ms_message_OpenProperty(struct ms_message *self, ULONG ulPropTag, LPCIID lpiid,
                                       ULONG ulInterfaceOptions, ULONG ulFlags,
                                       LPUNKNOWN *lppUnk)
{
    HRESULT hr;
    if (FAILED(hr = ms_store_check(self->store)))
        return hr;
    int modify = (ulFlags & (MAPI_MODIFY | MAPI_CREATE)) != 0;
    if (modify && (!self->writable || self->closed))
        return ms_message_fail(self, MAPI_E_NO_ACCESS, "OpenProperty: the message is read-only");
    if (memcmp(lpiid, &IID_IMAPITable, sizeof(IID)) == 0) {
        if (ulPropTag == PR_MESSAGE_ATTACHMENTS)
            return ms_message_GetAttachmentTable(self, ulInterfaceOptions,
                                                 (LPMAPITABLE *)lppUnk);
        if (ulPropTag == PR_MESSAGE_RECIPIENTS)
            return ms_message_GetRecipientTable(self, ulInterfaceOptions,
                                                (LPMAPITABLE *)lppUnk);
    }
    if (memcmp(lpiid, &IID_IStream, sizeof(IID)) != 0)
        return ms_message_fail(self, MAPI_E_INTERFACE_NOT_SUPPORTED,
                               "OpenProperty: IStream, or IMAPITable on PR_MESSAGE_ATTACHMENTS"
                               " and PR_MESSAGE_RECIPIENTS");
    ms_item_ref it = {(LPUNKNOWN)ms_message_as_IMessage(self), self->store, self->bag,
                      &self->bigs, NULL};
    hr = ms_stream_open(&it, ulPropTag, ulFlags, modify, (LPSTREAM *)lppUnk);
    if (FAILED(hr))
        return ms_message_fail(self, hr, hr == MAPI_E_NOT_FOUND
                                             ? "OpenProperty: no such property"
                                         : hr == MAPI_E_INTERFACE_NOT_SUPPORTED
                                             ? "OpenProperty: only PT_BINARY, PT_STRING8 and"
                                               " PT_UNICODE properties open as streams"
                                             : "OpenProperty: opening the stream failed");
    return S_OK;
}

static HRESULT ms_message_GetIDsFromNames(struct ms_message *self, ULONG cPropNames,
                                          LPMAPINAMEID *lppPropNames, ULONG ulFlags,
                                          LPSPropTagArray *lppPropTags)
{
    return ms_named_ids(self->store, cPropNames, lppPropNames, ulFlags, lppPropTags);
}

static HRESULT ms_message_GetNamesFromIDs(struct ms_message *self, LPSPropTagArray *lppPropTags,
                                          LPGUID lpPropSetGuid, ULONG ulFlags,
                                          ULONG *lpcPropNames, LPMAPINAMEID **lpppPropNames)
{
    return ms_named_names(self->store, lppPropTags, lpPropSetGuid, ulFlags, lpcPropNames,
                          lpppPropNames);
}

/* ---- embedded messages ------------------------------------------------------------------------ */

HRESULT ms_message_open_embedded(struct ms_attach *a, int create, int writable, LPMESSAGE *out)
{
    struct ms_store *s = a->store;
    struct ms_message *m;
    HRESULT hr;
    sqlite3_int64 emb = 0;
    if (!create && !a->emb_changed) {
        /* As the store has it, if it has one. */
        pthread_mutex_lock(&s->db->lock);
        sqlite3_stmt *st = a->dbid ? ms_db_stmt(s->db, "SELECT id FROM objects"
                                                       " WHERE parent = ? AND kind = ?")
                                   : NULL;
        if (st) {
            sqlite3_bind_int64(st, 1, a->dbid);
            sqlite3_bind_int(st, 2, MAPI_MESSAGE);
            if (sqlite3_step(st) == SQLITE_ROW)
                emb = sqlite3_column_int64(st, 0);
            sqlite3_reset(st);
        }
        pthread_mutex_unlock(&s->db->lock);
        if (emb == 0)
            return MAPI_E_NOT_FOUND;
    } else if (!create && a->emb == NULL) {
        return MAPI_E_NOT_FOUND;
    }
    if (FAILED(hr = make(s, &m)))
        return hr;
    ms_attach_addref(a);
    m->parent = a;
    m->writable = writable;
    if (create) {
        m->recips_loaded = 1;
        m->atts.loaded = 1;
        SPropValue v[2];
        memset(v, 0, sizeof v);
        v[0].ulPropTag = PR_MESSAGE_FLAGS;
        v[0].Value.l = MSGFLAG_UNSENT | MSGFLAG_UNMODIFIED;
        v[1].ulPropTag = PR_MESSAGE_CLASS_A;
        v[1].Value.lpszA = "IPM";
        hr = mapirt_propbag_SetProps(m->bag, 2, v, NULL);
    } else if (emb) {
        m->id = emb;
        pthread_mutex_lock(&s->db->lock);
        hr = ms_props_load(s->db, emb, m->bag, NULL, s->alloc, s->more, s->freebuf);
        if (SUCCEEDED(hr))
            hr = ms_bigs_load(s->db, emb, &m->bigs);
        pthread_mutex_unlock(&s->db->lock);
    } else {
        hr = ms_snap_load_message(a->emb, m);
    }
    if (SUCCEEDED(hr))
        hr = computed(m);
    if (SUCCEEDED(hr) && !writable)
        hr = mapirt_propbag_HrSetObjAccess(m->bag, IPROP_READONLY);
    if (FAILED(hr)) {
        ms_message_release(m);
        return hr;
    }
    *out = ms_message_as_IMessage(m);
    return S_OK;
}
