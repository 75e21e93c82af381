/* store.c: a logged-on store, IMsgStore and IMSLogon in one object (SPEC.md 4.4): its
 * properties, OpenEntry, CompareEntryIDs, Advise through the support object's notification
 * engine, receive folders, StoreLogoff and Logoff. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mapirt/strconv.h>

#include "ms.h"
#include "ms_store_object.h"

void ms_provider_forget(struct ms_provider *p, struct ms_store *s);

static void ms_store_destroy(struct ms_store *self)
{
    ms_xproc_free(self); /* before the support object goes: the watcher notifies through it */
    if (self->prov) {
        ms_provider_forget(self->prov, self);
        ms_provider_release(self->prov);
    }
    if (self->sup) {
        /* The last reference: the transports learn how the store went (StoreLogoff's flags,
         * or LOGOFF_ABORT when the client never asked). */
        ULONG f = self->logoff_asked ? self->logoff_flags : LOGOFF_ABORT;
        self->sup->lpVtbl->StoreLogoffTransports(self->sup, &f);
        self->sup->lpVtbl->Release(self->sup);
    }
    for (ms_live_table *t = self->tables, *n; t; t = n) {
        n = t->next;
        t->store = NULL; /* views still open: their release callback finds no store */
    }
    pthread_mutex_destroy(&self->tlock);
    mapirt_propbag_destroy(self->bag);
    if (self->eid && self->freebuf)
        self->freebuf(self->eid);
    ms_db_close(self->db);
}

HRESULT ms_store_check(struct ms_store *s)
{
    if (s->logged_off)
        return ms_store_fail(s, MAPI_E_LOGON_FAILED, "the store has been logged off");
    return S_OK;
}

HRESULT ms_store_eid(struct ms_store *s, ULONG type, sqlite3_int64 id, void *parent,
                     SBinary *out)
{
    BYTE *b;
    if ((parent ? s->more(MS_EID_OBJECT, parent, (void **)&b)
                : s->alloc(MS_EID_OBJECT, (void **)&b)) != S_OK)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    ms_eid_object(&s->db->uid, type, id, b);
    out->cb = MS_EID_OBJECT;
    out->lpb = b;
    return S_OK;
}

/* The computed, read-only properties of the store. */
static HRESULT store_props(struct ms_store *s, const char *name)
{
    SPropValue v[16];
    BYTE eids[5][MS_EID_OBJECT];
    static const sqlite3_int64 ids[5] = {MS_OBJ_IPM_SUBTREE, MS_OBJ_OUTBOX, MS_OBJ_SENT,
                                         MS_OBJ_DELETED, MS_OBJ_ROOT};
    static const ULONG tags[5] = {PR_IPM_SUBTREE_ENTRYID, PR_IPM_OUTBOX_ENTRYID,
                                  PR_IPM_SENTMAIL_ENTRYID, PR_IPM_WASTEBASKET_ENTRYID, 0};
    ULONG n = 0;
    memset(v, 0, sizeof v);
    for (int i = 0; i < 4; i++) {
        ms_eid_object(&s->db->uid, MAPI_FOLDER, ids[i], eids[i]);
        v[n].ulPropTag = tags[i];
        v[n].Value.bin.cb = MS_EID_OBJECT;
        v[n++].Value.bin.lpb = eids[i];
    }
    v[n].ulPropTag = PR_OBJECT_TYPE;
    v[n++].Value.l = MAPI_STORE;
    v[n].ulPropTag = PR_ENTRYID;
    v[n].Value.bin.cb = s->cbeid;
    v[n++].Value.bin.lpb = (LPBYTE)s->eid;
    v[n].ulPropTag = PR_STORE_ENTRYID;
    v[n].Value.bin.cb = s->cbeid;
    v[n++].Value.bin.lpb = (LPBYTE)s->eid;
    v[n].ulPropTag = PR_RECORD_KEY;
    v[n].Value.bin.cb = 16;
    v[n++].Value.bin.lpb = s->db->uid.ab;
    v[n].ulPropTag = PR_STORE_RECORD_KEY;
    v[n].Value.bin.cb = 16;
    v[n++].Value.bin.lpb = s->db->uid.ab;
    v[n].ulPropTag = PR_MDB_PROVIDER;
    v[n].Value.bin.cb = 16;
    v[n++].Value.bin.lpb = (LPBYTE)ms_provider_uid.ab;
    v[n].ulPropTag = PR_DISPLAY_NAME_A;
    v[n++].Value.lpszA = (LPSTR)name;
    v[n].ulPropTag = PR_PROVIDER_DISPLAY_A;
    v[n++].Value.lpszA = MS_PROVIDER_DISPLAY;
    /* What this store does today (docs/decisions.md: searches, RTF and OLE are not done). */
    v[n].ulPropTag = PR_STORE_SUPPORT_MASK;
    v[n++].Value.l = STORE_ENTRYID_UNIQUE | STORE_MODIFY_OK | STORE_CREATE_OK |
                     STORE_NOTIFY_OK | STORE_MV_PROPS_OK | STORE_RESTRICTION_OK |
                     STORE_SORT_OK | STORE_UNICODE_OK;
    v[n].ulPropTag = PR_STORE_STATE;
    v[n++].Value.l = 0;
    v[n].ulPropTag = PR_VALID_FOLDER_MASK;
    v[n++].Value.l = FOLDER_IPM_SUBTREE_VALID | FOLDER_IPM_INBOX_VALID | FOLDER_IPM_OUTBOX_VALID |
                     FOLDER_IPM_WASTEBASKET_VALID | FOLDER_IPM_SENTMAIL_VALID;
    return mapirt_propbag_put(s->bag, n, v, IPROP_READONLY);
}

HRESULT ms_store_logon(struct ms_provider *p, LPMAPISUP sup, const char *path,
                       const ms_eid *want, ULONG flags, LPSPropValue section, ULONG nsection,
                       struct ms_store **out, char *err, size_t cberr)
{
    struct ms_store *s = ms_store_new();
    HRESULT hr;
    (void)flags;
    *out = NULL;
    if (s == NULL) {
        snprintf(err, cberr, "out of memory");
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    pthread_mutex_init(&s->tlock, NULL);
    s->alloc = p->alloc;
    s->more = p->more;
    s->freebuf = p->freebuf;
    mapirt_lasterror_allocators(ms_store_lasterror(s), p->alloc, p->more, p->freebuf);
    if (FAILED(hr = ms_db_open(path, want == NULL, &s->db, err, cberr)))
        goto fail;
    if (want && memcmp(want->uid.ab, s->db->uid.ab, 16) != 0) {
        snprintf(err, cberr, "%s is not the store the entry ID names", path);
        hr = MAPI_E_NOT_FOUND;
        goto fail;
    }
    if (FAILED(hr = mapirt_propbag_create(p->alloc, p->more, p->freebuf, "msgstore", &s->bag)))
        goto fail;
    mapirt_propbag_attach(s->bag, (LPUNKNOWN)ms_store_as_IMsgStore(s), ms_store_lasterror(s));
    /* Store entry IDs go to clients wrapped by MAPI (its UID routes them to this provider). */
    ULONG cb;
    LPENTRYID raw;
    if (FAILED(hr = ms_eid_store(&s->db->uid, path, p->alloc, p->more, NULL, &cb, &raw)))
        goto fail;
    if (FAILED(sup->lpVtbl->WrapStoreEntryID(sup, cb, raw, &s->cbeid, &s->eid))) {
        s->cbeid = cb;
        s->eid = raw;
    } else {
        p->freebuf(raw);
    }
    const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    for (ULONG i = 0; i < nsection; i++)
        if (section[i].ulPropTag == PR_DISPLAY_NAME_A)
            name = section[i].Value.lpszA;
    pthread_mutex_lock(&s->db->lock);
    hr = ms_props_load(s->db, MS_OBJ_STORE, s->bag, NULL, p->alloc, p->more, p->freebuf);
    pthread_mutex_unlock(&s->db->lock);
    if (FAILED(hr) || FAILED(hr = store_props(s, name))) {
        snprintf(err, cberr, "%s: reading the store's properties failed", path);
        goto fail;
    }
    /* Entry IDs with this store's MAPIUID come here; the status row says it is available. */
    if (FAILED(hr = sup->lpVtbl->SetProviderUID(sup, &s->db->uid, 0))) {
        snprintf(err, cberr, "IMAPISupport::SetProviderUID refused the store's MAPIUID");
        goto fail;
    }
    SPropValue row[5];
    memset(row, 0, sizeof row);
    row[0].ulPropTag = PR_DISPLAY_NAME_A;
    row[0].Value.lpszA = (LPSTR)name;
    row[1].ulPropTag = PR_PROVIDER_DISPLAY_A;
    row[1].Value.lpszA = MS_PROVIDER_DISPLAY;
    row[2].ulPropTag = PR_RESOURCE_METHODS;
    row[2].Value.l = 0;
    row[3].ulPropTag = PR_STATUS_CODE;
    row[3].Value.l = STATUS_AVAILABLE;
    row[4].ulPropTag = PR_STATUS_STRING_A;
    row[4].Value.lpszA = "Available";
    sup->lpVtbl->ModifyStatusRow(sup, 5, row, 0);
    sup->lpVtbl->AddRef(sup);
    s->sup = sup;
    /* notifications of the other processes on this store; without it (no thread, no eventfd)
     * the store works, and learns of their changes only when it reads */
    ms_xproc_start(s);
    ms_provider_addref(p);
    s->prov = p;
    *out = s;
    return S_OK;
fail:
    ms_store_release(s);
    return hr;
}

/* ---- IMAPIProp --------------------------------------------------------------------------- */

static HRESULT ms_store_SaveChanges(struct ms_store *self, ULONG ulFlags)
{
    HRESULT hr;
    (void)ulFlags;
    if (FAILED(hr = ms_store_check(self)))
        return hr;
    pthread_mutex_lock(&self->db->lock);
    int rc = ms_db_begin(self->db);
    hr = rc == SQLITE_OK ? ms_props_save(self->db, MS_OBJ_STORE, self->bag, self->freebuf)
                         : ms_db_hr(rc);
    if (SUCCEEDED(hr) && (rc = ms_db_commit(self->db)) != SQLITE_OK)
        hr = ms_db_hr(rc);
    if (FAILED(hr))
        ms_db_rollback(self->db);
    pthread_mutex_unlock(&self->db->lock);
    return FAILED(hr) ? ms_store_fail(self, hr, "SaveChanges: writing the store failed") : S_OK;
}

/* ---- entry IDs, objects ------------------------------------------------------------------ */

/* The object an entry ID of this store names: MAPI_E_INVALID_ENTRYID when malformed,
 * MAPI_E_UNKNOWN_ENTRYID for another store's. */
static HRESULT parse_own(struct ms_store *s, ULONG cb, LPENTRYID eid, ms_eid *out)
{
    HRESULT hr = ms_eid_parse(cb, eid, out);
    if (FAILED(hr)) {
        /* A wrapped store entry ID comes back as MAPI gave it: compare with ours. */
        if (cb == s->cbeid && memcmp(eid, s->eid, cb) == 0) {
            memset(out, 0, sizeof *out);
            out->type = MAPI_STORE;
            out->uid = s->db->uid;
            return S_OK;
        }
        return ms_store_fail(s, hr, "the entry ID is not one of this store provider's");
    }
    if (memcmp(out->uid.ab, s->db->uid.ab, 16) != 0)
        return ms_store_fail(s, MAPI_E_UNKNOWN_ENTRYID, "the entry ID belongs to another store");
    return S_OK;
}

static HRESULT ms_store_CompareEntryIDs(struct ms_store *self, ULONG cbEntryID1,
                                        LPENTRYID lpEntryID1, ULONG cbEntryID2,
                                        LPENTRYID lpEntryID2, ULONG ulFlags, ULONG *lpulResult)
{
    ms_eid a, b;
    HRESULT hr;
    (void)ulFlags;
    if (FAILED(hr = parse_own(self, cbEntryID1, lpEntryID1, &a)) ||
        FAILED(hr = parse_own(self, cbEntryID2, lpEntryID2, &b)))
        return hr;
    *lpulResult = a.type == b.type && a.id == b.id;
    return S_OK;
}

HRESULT ms_message_open(struct ms_store *s, sqlite3_int64 id, int writable, LPCIID iid,
                        LPUNKNOWN *out);

HRESULT ms_store_open(struct ms_store *s, ULONG type, sqlite3_int64 id, LPCIID iid, ULONG flags,
                      ULONG *objtype, LPUNKNOWN *out)
{
    HRESULT hr;
    int kind = 0;
    sqlite3_stmt *st;
    pthread_mutex_lock(&s->db->lock);
    st = ms_db_stmt(s->db, "SELECT kind FROM objects WHERE id = ?");
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        if (sqlite3_step(st) == SQLITE_ROW)
            kind = sqlite3_column_int(st, 0);
        sqlite3_reset(st);
    }
    pthread_mutex_unlock(&s->db->lock);
    if (kind == 0 || (ULONG)kind != type || (kind != MAPI_FOLDER && kind != MAPI_MESSAGE))
        return ms_store_fail(s, MAPI_E_NOT_FOUND, "OpenEntry: no such object in the store");
    int writable = (flags & (MAPI_MODIFY | MAPI_BEST_ACCESS)) != 0;
    if (kind == MAPI_FOLDER) {
        struct ms_folder *f;
        if (iid && memcmp(iid, &IID_IMAPIFolder, sizeof(IID)) &&
            memcmp(iid, &IID_IMAPIContainer, sizeof(IID)) &&
            memcmp(iid, &IID_IMAPIProp, sizeof(IID)) && memcmp(iid, &IID_IUnknown, sizeof(IID)))
            return ms_store_fail(s, MAPI_E_INTERFACE_NOT_SUPPORTED,
                                 "OpenEntry: a folder answers IMAPIFolder");
        if (FAILED(hr = ms_folder_open(s, id, writable, &f)))
            return hr;
        *out = (LPUNKNOWN)ms_folder_as_IMAPIFolder(f);
        *objtype = MAPI_FOLDER;
        return S_OK;
    }
    if (FAILED(hr = ms_message_open(s, id, writable, iid, out)))
        return hr;
    *objtype = MAPI_MESSAGE;
    return S_OK;
}

static HRESULT ms_store_OpenEntry(struct ms_store *self, ULONG cbEntryID, LPENTRYID lpEntryID,
                                  LPCIID lpInterface, ULONG ulFlags, ULONG *lpulObjType,
                                  LPUNKNOWN *lppUnk)
{
    ms_eid e;
    HRESULT hr;
    *lppUnk = NULL;
    if (FAILED(hr = ms_store_check(self)))
        return hr;
    if (lpEntryID == NULL) {
        /* NULL opens the root folder (SPEC.md 7.3). */
        e.type = MAPI_FOLDER;
        e.id = MS_OBJ_ROOT;
    } else if (FAILED(hr = parse_own(self, cbEntryID, lpEntryID, &e))) {
        return hr;
    }
    if (e.type == MAPI_STORE) {
        ms_store_addref(self);
        *lppUnk = (LPUNKNOWN)ms_store_as_IMsgStore(self);
        *lpulObjType = MAPI_STORE;
        return S_OK;
    }
    return ms_store_open(self, e.type, e.id, lpInterface, ulFlags, lpulObjType, lppUnk);
}

/* ---- notifications ----------------------------------------------------------------------- */

static HRESULT ms_store_Advise(struct ms_store *self, ULONG cbEntryID, LPENTRYID lpEntryID,
                               ULONG ulEventMask, LPMAPIADVISESINK lpAdviseSink,
                               ULONG_PTR *lpulConnection)
{
    ms_eid e;
    HRESULT hr;
    BYTE key[CbNewNOTIFKEY(24)];
    LPNOTIFKEY k = (LPNOTIFKEY)key;
    if (FAILED(hr = ms_store_check(self)))
        return hr;
    if (lpEntryID == NULL) {
        e.type = MAPI_STORE;
        e.id = MS_OBJ_STORE;
    } else if (FAILED(hr = parse_own(self, cbEntryID, lpEntryID, &e))) {
        return hr;
    }
    if (e.type == MAPI_STORE)
        e.id = MS_OBJ_STORE;
    k->cb = 24;
    ms_notif_key(&self->db->uid, e.id, k->ab);
    return self->sup->lpVtbl->Subscribe(self->sup, k, ulEventMask, 0, lpAdviseSink,
                                        lpulConnection);
}

static HRESULT ms_store_Unadvise(struct ms_store *self, ULONG_PTR ulConnection)
{
    if (self->sup == NULL)
        return ms_store_fail(self, MAPI_E_NOT_FOUND, "Unadvise: the store is logged off");
    return self->sup->lpVtbl->Unsubscribe(self->sup, ulConnection);
}

void ms_store_notify(struct ms_store *s, const sqlite3_int64 *ids, ULONG cNotif,
                     LPNOTIFICATION notif)
{
    BYTE key[CbNewNOTIFKEY(24)];
    LPNOTIFKEY k = (LPNOTIFKEY)key;
    if (s->sup == NULL)
        return;
    k->cb = 24;
    for (; *ids; ids++) {
        ULONG f = 0;
        ms_notif_key(&s->db->uid, *ids, k->ab);
        s->sup->lpVtbl->Notify(s->sup, k, cNotif, notif, &f);
    }
}

void ms_store_notify_object(struct ms_store *s, ULONG event, ULONG type, sqlite3_int64 id,
                            sqlite3_int64 parent, sqlite3_int64 oldparent)
{
    ms_xproc_object(s, event, type, id, parent, oldparent); /* and to the other processes */
    BYTE eid[MS_EID_OBJECT], peid[MS_EID_OBJECT], oeid[MS_EID_OBJECT], opeid[MS_EID_OBJECT];
    NOTIFICATION n;
    memset(&n, 0, sizeof n);
    n.ulEventType = event;
    ms_eid_object(&s->db->uid, type, id, eid);
    n.info.obj.cbEntryID = MS_EID_OBJECT;
    n.info.obj.lpEntryID = (LPENTRYID)eid;
    n.info.obj.ulObjType = type;
    if (parent) {
        ms_eid_object(&s->db->uid, MAPI_FOLDER, parent, peid);
        n.info.obj.cbParentID = MS_EID_OBJECT;
        n.info.obj.lpParentID = (LPENTRYID)peid;
    }
    if (oldparent) {
        ms_eid_object(&s->db->uid, type, id, oeid);
        ms_eid_object(&s->db->uid, MAPI_FOLDER, oldparent, opeid);
        n.info.obj.cbOldID = MS_EID_OBJECT;
        n.info.obj.lpOldID = (LPENTRYID)oeid;
        n.info.obj.cbOldParentID = MS_EID_OBJECT;
        n.info.obj.lpOldParentID = (LPENTRYID)opeid;
    }
    sqlite3_int64 ids[5] = {id, parent ? parent : MS_OBJ_STORE, MS_OBJ_STORE, 0, 0};
    if (oldparent)
        ids[3] = oldparent;
    if (!parent)
        ids[1] = 0;
    else if (parent == MS_OBJ_STORE)
        ids[2] = 0;
    ms_store_notify(s, ids, 1, &n);
}

/* ---- receive folders --------------------------------------------------------------------- */

/* The message class as UTF-8 (""  for NULL), or NULL without memory (*owned to free). */
static const char *class_utf8(LPTSTR cls, ULONG flags, char **owned)
{
    *owned = NULL;
    if (cls == NULL)
        return "";
    if (!(flags & MAPI_UNICODE))
        return (const char *)cls;
    if (mapirt_str_w_to_a((const WCHAR *)cls, NULL, owned) != S_OK)
        return NULL;
    return *owned;
}

static HRESULT ms_store_SetReceiveFolder(struct ms_store *self, LPTSTR lpszMessageClass,
                                         ULONG ulFlags, ULONG cbEntryID, LPENTRYID lpEntryID)
{
    ms_eid e;
    HRESULT hr;
    char *owned;
    const char *cls;
    if (FAILED(hr = ms_store_check(self)))
        return hr;
    if (lpEntryID && (FAILED(hr = parse_own(self, cbEntryID, lpEntryID, &e)) ||
                      e.type != MAPI_FOLDER))
        return FAILED(hr) ? hr : ms_store_fail(self, MAPI_E_INVALID_ENTRYID,
                                               "SetReceiveFolder: not a folder's entry ID");
    if ((cls = class_utf8(lpszMessageClass, ulFlags, &owned)) == NULL)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    pthread_mutex_lock(&self->db->lock);
    sqlite3_stmt *st;
    if (lpEntryID == NULL) {
        /* NULL: the class falls back to the default; the default itself stays. */
        st = ms_db_stmt(self->db, "DELETE FROM receive_folders WHERE class = ? AND class <> ''");
    } else {
        st = ms_db_stmt(self->db,
                        "INSERT OR REPLACE INTO receive_folders(class, folder, modified) "
                        "SELECT ?, id, strftime('%s','now') FROM objects "
                        "WHERE id = ? AND kind = 3");
    }
    int rc = SQLITE_ERROR, changed = 0;
    if (st) {
        sqlite3_bind_text(st, 1, cls, -1, SQLITE_TRANSIENT);
        if (lpEntryID)
            sqlite3_bind_int64(st, 2, e.id);
        rc = sqlite3_step(st);
        changed = sqlite3_changes(self->db->db);
        sqlite3_reset(st);
    }
    pthread_mutex_unlock(&self->db->lock);
    MAPIFreeBuffer(owned);
    if (rc != SQLITE_DONE)
        return ms_store_fail(self, ms_db_hr(rc), "SetReceiveFolder: writing the store failed");
    if (lpEntryID && !changed)
        return ms_store_fail(self, MAPI_E_NOT_FOUND, "SetReceiveFolder: no such folder");
    return S_OK;
}

static HRESULT ms_store_GetReceiveFolder(struct ms_store *self, LPTSTR lpszMessageClass,
                                         ULONG ulFlags, ULONG *lpcbEntryID,
                                         LPENTRYID *lppEntryID, LPTSTR *lppszExplicitClass)
{
    HRESULT hr;
    char *owned;
    const char *cls;
    if (FAILED(hr = ms_store_check(self)))
        return hr;
    if ((cls = class_utf8(lpszMessageClass, ulFlags, &owned)) == NULL)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    /* The longest registered class that is the class itself or a prefix ending at a dot:
     * IPM.Note.Secure falls back to IPM.Note, then IPM, then "". */
    char *probe = strdup(cls);
    MAPIFreeBuffer(owned);
    if (probe == NULL)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    sqlite3_int64 folder = 0;
    char *found = NULL;
    pthread_mutex_lock(&self->db->lock);
    for (;;) {
        sqlite3_stmt *st =
            ms_db_stmt(self->db, "SELECT folder, class FROM receive_folders WHERE class = ?");
        if (st == NULL)
            break;
        sqlite3_bind_text(st, 1, probe, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            folder = sqlite3_column_int64(st, 0);
            found = strdup((const char *)sqlite3_column_text(st, 1));
        }
        sqlite3_reset(st);
        if (folder || *probe == 0)
            break;
        char *dot = strrchr(probe, '.');
        if (dot)
            *dot = 0;
        else
            *probe = 0;
    }
    pthread_mutex_unlock(&self->db->lock);
    free(probe);
    if (folder == 0) {
        free(found);
        return ms_store_fail(self, MAPI_E_NOT_FOUND, "GetReceiveFolder: no receive folder");
    }
    SBinary b;
    if (FAILED(hr = ms_store_eid(self, MAPI_FOLDER, folder, NULL, &b))) {
        free(found);
        return hr;
    }
    if (lppszExplicitClass) {
        *lppszExplicitClass = NULL;
        const char *f = found ? found : "";
        if (ulFlags & MAPI_UNICODE) {
            WCHAR *w;
            if (self->alloc((ULONG)(strlen(f) + 1) * sizeof(WCHAR), (void **)&w) == S_OK) {
                mapirt_str_a_to_w_into(f, w);
                *lppszExplicitClass = (LPTSTR)w;
            }
        } else {
            char *a;
            if (self->alloc((ULONG)strlen(f) + 1, (void **)&a) == S_OK) {
                strcpy(a, f);
                *lppszExplicitClass = (LPTSTR)a;
            }
        }
        if (*lppszExplicitClass == NULL) {
            free(found);
            self->freebuf(b.lpb);
            return MAPI_E_NOT_ENOUGH_MEMORY;
        }
    }
    free(found);
    *lpcbEntryID = b.cb;
    *lppEntryID = (LPENTRYID)b.lpb;
    return S_OK;
}

static HRESULT ms_store_GetReceiveFolderTable(struct ms_store *self, ULONG ulFlags,
                                              LPMAPITABLE *lppTable)
{
    SizedSPropTagArray(4, cols) = {4, {PR_INSTANCE_KEY, PR_ENTRYID, PR_RECORD_KEY,
                                       PR_MESSAGE_CLASS_A}};
    LPTABLEDATA td = NULL;
    HRESULT hr;
    if (FAILED(hr = ms_store_check(self)))
        return hr;
    if (ulFlags & MAPI_UNICODE)
        cols.aulPropTag[3] = PR_MESSAGE_CLASS_W;
    if ((hr = CreateTable(&IID_IMAPITableData, self->alloc, self->more, self->freebuf, NULL,
                          TBLTYPE_SNAPSHOT, PR_INSTANCE_KEY, (LPSPropTagArray)&cols, &td)) != S_OK)
        return ms_store_fail(self, hr, "GetReceiveFolderTable: CreateTable failed");
    pthread_mutex_lock(&self->db->lock);
    sqlite3_stmt *st = ms_db_stmt(self->db, "SELECT class, folder FROM receive_folders "
                                            "ORDER BY class");
    ULONG row = 0;
    while (st && SUCCEEDED(hr) && sqlite3_step(st) == SQLITE_ROW) {
        SPropValue v[4];
        BYTE eid[MS_EID_OBJECT];
        ULONG ik = ++row;
        memset(v, 0, sizeof v);
        ms_eid_object(&self->db->uid, MAPI_FOLDER, sqlite3_column_int64(st, 1), eid);
        v[0].ulPropTag = PR_INSTANCE_KEY;
        v[0].Value.bin.cb = sizeof ik;
        v[0].Value.bin.lpb = (LPBYTE)&ik;
        v[1].ulPropTag = PR_ENTRYID;
        v[1].Value.bin.cb = MS_EID_OBJECT;
        v[1].Value.bin.lpb = eid;
        v[2].ulPropTag = PR_RECORD_KEY;
        v[2].Value.bin.cb = MS_EID_OBJECT;
        v[2].Value.bin.lpb = eid;
        const char *c = (const char *)sqlite3_column_text(st, 0);
        WCHAR *w = NULL;
        if (ulFlags & MAPI_UNICODE) {
            w = malloc((strlen(c) + 1) * sizeof(WCHAR));
            if (w == NULL) {
                hr = MAPI_E_NOT_ENOUGH_MEMORY;
                break;
            }
            mapirt_str_a_to_w_into(c, w);
            v[3].ulPropTag = PR_MESSAGE_CLASS_W;
            v[3].Value.lpszW = w;
        } else {
            v[3].ulPropTag = PR_MESSAGE_CLASS_A;
            v[3].Value.lpszA = (LPSTR)c;
        }
        SRow r = {0, 4, v};
        hr = td->lpVtbl->HrModifyRow(td, &r);
        free(w);
    }
    if (st)
        sqlite3_reset(st);
    pthread_mutex_unlock(&self->db->lock);
    if (SUCCEEDED(hr))
        hr = td->lpVtbl->HrGetView(td, NULL, NULL, 0, lppTable);
    td->lpVtbl->Release(td);
    return FAILED(hr) ? ms_store_fail(self, hr, "GetReceiveFolderTable failed") : S_OK;
}

/* ---- logoff ------------------------------------------------------------------------------ */

static HRESULT ms_store_StoreLogoff(struct ms_store *self, ULONG *lpulFlags)
{
    /* Remembered for StoreLogoffTransports when the last reference goes (SPEC.md 5.3). */
    self->logoff_flags = *lpulFlags & (LOGOFF_NO_WAIT | LOGOFF_ORDERLY | LOGOFF_PURGE |
                                       LOGOFF_ABORT | LOGOFF_QUIET);
    self->logoff_asked = 1;
    *lpulFlags = LOGOFF_COMPLETE;
    return S_OK;
}

static HRESULT ms_store_Logoff(struct ms_store *self, ULONG *lpulFlags)
{
    (void)lpulFlags;
    /* MAPI removed the UID and the status row; the objects still open fail from now on. */
    self->logged_off = 1;
    ms_xproc_stop(self);
    if (self->prov) {
        ms_provider_forget(self->prov, self);
    }
    return S_OK;
}

/* ---- the spooler's side (submit.c) ------------------------------------------------------- */

static HRESULT ms_store_GetOutgoingQueue(struct ms_store *self, ULONG ulFlags,
                                         LPMAPITABLE *lppTable)
{
    HRESULT hr = ms_store_outgoing_queue(self, ulFlags, lppTable);
    return FAILED(hr) ? ms_store_fail(self, hr, "GetOutgoingQueue failed") : S_OK;
}

static HRESULT ms_store_SetLockState(struct ms_store *self, LPMESSAGE lpMessage,
                                     ULONG ulLockState)
{
    HRESULT hr = ms_store_set_lock_state(self, lpMessage, ulLockState);
    return FAILED(hr) ? ms_store_fail(self, hr,
                                      hr == MAPI_E_BUSY
                                          ? "SetLockState: another spooler, still running, "
                                            "holds the message"
                                          : hr == MAPI_E_NOT_IN_QUEUE
                                                ? "SetLockState: the message is not queued"
                                                : "SetLockState failed")
                      : S_OK;
}

static HRESULT ms_store_FinishedMsg(struct ms_store *self, ULONG ulFlags, ULONG cbEntryID,
                                    LPENTRYID lpEntryID)
{
    HRESULT hr = ms_store_finished_msg(self, ulFlags, cbEntryID, lpEntryID);
    return FAILED(hr) ? ms_store_fail(self, hr, "FinishedMsg failed") : S_OK;
}

static HRESULT ms_store_AbortSubmit(struct ms_store *self, ULONG cbEntryID, LPENTRYID lpEntryID,
                                    ULONG ulFlags)
{
    HRESULT hr = ms_store_abort_submit(self, cbEntryID, lpEntryID, ulFlags);
    return FAILED(hr) ? ms_store_fail(self, hr, "AbortSubmit: the message cannot be taken back")
                      : S_OK;
}

static HRESULT ms_store_NotifyNewMail(struct ms_store *self, LPNOTIFICATION lpNotification)
{
    HRESULT hr = ms_store_notify_new_mail(self, lpNotification);
    return FAILED(hr) ? ms_store_fail(self, hr, "NotifyNewMail: not a new-mail notification")
                      : S_OK;
}

/* ---- named properties (named.c) ---------------------------------------------------------- */

static HRESULT ms_store_GetIDsFromNames(struct ms_store *self, ULONG cPropNames,
                                    LPMAPINAMEID *lppPropNames, ULONG ulFlags,
                                    LPSPropTagArray *lppPropTags)
{
    return ms_named_GetIDsFromNames(self, cPropNames, lppPropNames, ulFlags, lppPropTags);
}

static HRESULT ms_store_GetNamesFromIDs(struct ms_store *self, LPSPropTagArray *lppPropTags,
                                    LPGUID lpPropSetGuid, ULONG ulFlags, ULONG *lpcPropNames,
                                    LPMAPINAMEID **lpppPropNames)
{
    return ms_named_GetNamesFromIDs(self, lppPropTags, lpPropSetGuid, ulFlags, lpcPropNames,
                          lpppPropNames);
}
