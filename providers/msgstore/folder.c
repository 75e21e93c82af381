/* folder.c: IMAPIFolder. Folders are not transacted (MAPI): SetProps and DeleteProps write
 * through at once, and SaveChanges has nothing left to do. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mapirt/strconv.h>

#include "ms.h"
#include "ms_folder_object.h"

HRESULT ms_message_create(struct ms_store *s, sqlite3_int64 folder, int assoc,
                          LPMESSAGE *out);

static void ms_folder_destroy(struct ms_folder *self)
{
    mapirt_propbag_destroy(self->bag);
    if (self->store)
        ms_store_release(self->store);
}

static HRESULT folder_computed(struct ms_folder *f)
{
    struct ms_store *s = f->store;
    SPropValue v[8];
    BYTE eid[MS_EID_OBJECT], peid[MS_EID_OBJECT];
    ULONG n = 0;
    sqlite3_int64 parent = 0;
    int count = 0, unread = 0, assoc = 0, sub = 0;
    pthread_mutex_lock(&s->db->lock);
    sqlite3_stmt *st = ms_db_stmt(
        s->db, "SELECT parent,"
               " (SELECT count(*) FROM messages WHERE folder = o.id AND assoc = 0),"
               " (SELECT count(*) FROM messages WHERE folder = o.id AND assoc = 0"
               "   AND (flags & 1) = 0),"
               " (SELECT count(*) FROM messages WHERE folder = o.id AND assoc = 1),"
               " EXISTS(SELECT 1 FROM objects c WHERE c.parent = o.id AND c.kind = 3)"
               " FROM objects o WHERE id = ?");
    if (st) {
        sqlite3_bind_int64(st, 1, f->id);
        if (sqlite3_step(st) == SQLITE_ROW) {
            parent = sqlite3_column_int64(st, 0);
            count = sqlite3_column_int(st, 1);
            unread = sqlite3_column_int(st, 2);
            assoc = sqlite3_column_int(st, 3);
            sub = sqlite3_column_int(st, 4);
        }
        sqlite3_reset(st);
    }
    pthread_mutex_unlock(&s->db->lock);
    memset(v, 0, sizeof v);
    ms_eid_object(&s->db->uid, MAPI_FOLDER, f->id, eid);
    v[n].ulPropTag = PR_ENTRYID;
    v[n].Value.bin.cb = MS_EID_OBJECT;
    v[n++].Value.bin.lpb = eid;
    v[n].ulPropTag = PR_RECORD_KEY;
    v[n].Value.bin.cb = MS_EID_OBJECT;
    v[n++].Value.bin.lpb = eid;
    /* The root is its own parent. */
    ms_eid_object(&s->db->uid, MAPI_FOLDER, parent ? parent : f->id, peid);
    v[n].ulPropTag = PR_PARENT_ENTRYID;
    v[n].Value.bin.cb = MS_EID_OBJECT;
    v[n++].Value.bin.lpb = peid;
    v[n].ulPropTag = PR_OBJECT_TYPE;
    v[n++].Value.l = MAPI_FOLDER;
    v[n].ulPropTag = PR_CONTENT_COUNT;
    v[n++].Value.l = count;
    v[n].ulPropTag = PR_CONTENT_UNREAD;
    v[n++].Value.l = unread;
    v[n].ulPropTag = PR_ASSOC_CONTENT_COUNT;
    v[n++].Value.l = assoc;
    v[n].ulPropTag = PR_SUBFOLDERS;
    v[n++].Value.b = (unsigned short)sub;
    HRESULT hr = mapirt_propbag_put(f->bag, n, v, IPROP_READONLY);
    if (SUCCEEDED(hr)) {
        SPropValue sv[2];
        memset(sv, 0, sizeof sv);
        sv[0].ulPropTag = PR_STORE_ENTRYID;
        sv[0].Value.bin.cb = s->cbeid;
        sv[0].Value.bin.lpb = (LPBYTE)s->eid;
        sv[1].ulPropTag = PR_STORE_RECORD_KEY;
        sv[1].Value.bin.cb = 16;
        sv[1].Value.bin.lpb = s->db->uid.ab;
        hr = mapirt_propbag_put(f->bag, 2, sv, IPROP_READONLY);
    }
    return hr;
}

HRESULT ms_folder_open(struct ms_store *s, sqlite3_int64 id, int writable, struct ms_folder **out)
{
    struct ms_folder *f = ms_folder_new();
    HRESULT hr;
    if (f == NULL)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    ms_store_addref(s);
    f->store = s;
    f->id = id;
    f->writable = writable;
    mapirt_lasterror_allocators(ms_folder_lasterror(f), s->alloc, s->more, s->freebuf);
    if (FAILED(hr = mapirt_propbag_create(s->alloc, s->more, s->freebuf, "msgstore folder",
                                          &f->bag)))
        goto fail;
    mapirt_propbag_attach(f->bag, (LPUNKNOWN)ms_folder_as_IMAPIFolder(f), ms_folder_lasterror(f));
    pthread_mutex_lock(&s->db->lock);
    hr = ms_props_load(s->db, id, f->bag, NULL, s->alloc, s->more, s->freebuf);
    pthread_mutex_unlock(&s->db->lock);
    if (FAILED(hr) || FAILED(hr = folder_computed(f)))
        goto fail;
    if (!writable)
        mapirt_propbag_HrSetObjAccess(f->bag, IPROP_READONLY);
    *out = f;
    return S_OK;
fail:
    ms_folder_release(f);
    return hr;
}

/* Writes the bag's changes to the folder's row (folders are not transacted). */
static HRESULT write_through(struct ms_folder *f)
{
    struct ms_store *s = f->store;
    pthread_mutex_lock(&s->db->lock);
    int rc = ms_db_begin(s->db);
    HRESULT hr = rc == SQLITE_OK ? ms_props_save(s->db, f->id, f->bag, s->freebuf) : ms_db_hr(rc);
    if (SUCCEEDED(hr) && (rc = ms_db_commit(s->db)) != SQLITE_OK)
        hr = ms_db_hr(rc);
    if (FAILED(hr))
        ms_db_rollback(s->db);
    pthread_mutex_unlock(&s->db->lock);
    if (FAILED(hr))
        return ms_folder_fail(f, hr, "writing the folder's properties failed");
    sqlite3_int64 parent = 0;
    LPSPropValue pv;
    if (SUCCEEDED(HrGetOneProp((LPMAPIPROP)ms_folder_as_IMAPIFolder(f), PR_PARENT_ENTRYID, &pv))) {
        ms_eid e;
        if (SUCCEEDED(ms_eid_parse(pv->Value.bin.cb, (LPENTRYID)pv->Value.bin.lpb, &e)))
            parent = e.id;
        s->freebuf(pv);
    }
    ms_store_notify_object(s, fnevObjectModified, MAPI_FOLDER, f->id, parent, 0);
    if (parent && parent != f->id)
        ms_tables_changed(s, parent, MS_TABLE_HIERARCHY, f->id, 0);
    return S_OK;
}

static HRESULT ms_folder_SetProps(struct ms_folder *self, ULONG cValues, LPSPropValue lpPropArray,
                                  LPSPropProblemArray *lppProblems)
{
    HRESULT hr;
    if (FAILED(hr = ms_store_check(self->store)))
        return hr;
    if (FAILED(hr = mapirt_propbag_SetProps(self->bag, cValues, lpPropArray, lppProblems)))
        return hr;
    return write_through(self);
}

static HRESULT ms_folder_DeleteProps(struct ms_folder *self, LPSPropTagArray lpPropTagArray,
                                     LPSPropProblemArray *lppProblems)
{
    HRESULT hr;
    if (FAILED(hr = ms_store_check(self->store)))
        return hr;
    if (FAILED(hr = mapirt_propbag_DeleteProps(self->bag, lpPropTagArray, lppProblems)))
        return hr;
    return write_through(self);
}

static HRESULT ms_folder_SaveChanges(struct ms_folder *self, ULONG ulFlags)
{
    (void)ulFlags;
    return ms_store_check(self->store);
}

static HRESULT ms_folder_GetContentsTable(struct ms_folder *self, ULONG ulFlags,
                                          LPMAPITABLE *lppTable)
{
    HRESULT hr;
    if (FAILED(hr = ms_store_check(self->store)))
        return hr;
    hr = ms_sqltable_open(self->store, self->id, (ulFlags & MAPI_ASSOCIATED) != 0, ulFlags,
                          lppTable);
    return FAILED(hr) ? ms_folder_fail(self, hr, "GetContentsTable failed") : S_OK;
}

static HRESULT ms_folder_GetHierarchyTable(struct ms_folder *self, ULONG ulFlags,
                                           LPMAPITABLE *lppTable)
{
    HRESULT hr;
    if (FAILED(hr = ms_store_check(self->store)))
        return hr;
    if (ulFlags & CONVENIENT_DEPTH)
        return ms_folder_fail(self, MAPI_E_TOO_COMPLEX,
                              "GetHierarchyTable: CONVENIENT_DEPTH is not supported yet");
    hr = ms_tables_open(self->store, self->id, MS_TABLE_HIERARCHY, ulFlags, lppTable);
    return FAILED(hr) ? ms_folder_fail(self, hr, "GetHierarchyTable failed") : S_OK;
}

static HRESULT ms_folder_OpenEntry(struct ms_folder *self, ULONG cbEntryID, LPENTRYID lpEntryID,
                                   LPCIID lpInterface, ULONG ulFlags, ULONG *lpulObjType,
                                   LPUNKNOWN *lppUnk)
{
    return IMsgStore_OpenEntry(ms_store_as_IMsgStore(self->store), cbEntryID, lpEntryID,
                               lpInterface, ulFlags, lpulObjType, lppUnk);
}

static HRESULT ms_folder_CreateMessage(struct ms_folder *self, LPCIID lpInterface, ULONG ulFlags,
                                       LPMESSAGE *lppMessage)
{
    HRESULT hr;
    if (FAILED(hr = ms_store_check(self->store)))
        return hr;
    if (lpInterface && memcmp(lpInterface, &IID_IMessage, sizeof(IID)) &&
        memcmp(lpInterface, &IID_IMAPIProp, sizeof(IID)) &&
        memcmp(lpInterface, &IID_IUnknown, sizeof(IID)))
        return ms_folder_fail(self, MAPI_E_INTERFACE_NOT_SUPPORTED,
                              "CreateMessage: a message answers IMessage");
    return ms_message_create(self->store, self->id, (ulFlags & MAPI_ASSOCIATED) != 0,
                             lppMessage);
}

/* The folder's name as UTF-8 (owned is to be freed with MAPIFreeBuffer). */
static const char *name_utf8(LPTSTR s, ULONG flags, char **owned)
{
    *owned = NULL;
    if (s == NULL)
        return NULL;
    if (!(flags & MAPI_UNICODE))
        return (const char *)s;
    if (mapirt_str_w_to_a((const WCHAR *)s, NULL, owned) != S_OK)
        return NULL;
    return *owned;
}

static HRESULT ms_folder_CreateFolder(struct ms_folder *self, ULONG ulFolderType,
                                      LPTSTR lpszFolderName, LPTSTR lpszFolderComment,
                                      LPCIID lpInterface, ULONG ulFlags, LPMAPIFOLDER *lppFolder)
{
    struct ms_store *s = self->store;
    char *on = NULL, *oc = NULL;
    HRESULT hr;
    (void)lpInterface;
    if (FAILED(hr = ms_store_check(s)))
        return hr;
    if (ulFolderType == FOLDER_SEARCH)
        return ms_folder_fail(self, MAPI_E_NO_SUPPORT, "CreateFolder: no search folders yet");
    if (ulFolderType != FOLDER_GENERIC)
        return ms_folder_fail(self, MAPI_E_INVALID_PARAMETER,
                              "CreateFolder: only FOLDER_GENERIC folders can be created");
    const char *name = name_utf8(lpszFolderName, ulFlags, &on);
    const char *comment = name_utf8(lpszFolderComment, ulFlags, &oc);
    if (name == NULL || (lpszFolderComment && comment == NULL)) {
        MAPIFreeBuffer(on);
        MAPIFreeBuffer(oc);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    if (*name == 0) {
        MAPIFreeBuffer(on);
        MAPIFreeBuffer(oc);
        return ms_folder_fail(self, MAPI_E_INVALID_PARAMETER, "CreateFolder: an empty name");
    }
    sqlite3_int64 existing = 0, id = 0;
    pthread_mutex_lock(&s->db->lock);
    int rc = ms_db_begin(s->db);
    /* Sibling names are unique, compared without case. */
    sqlite3_stmt *st = rc == SQLITE_OK
        ? ms_db_stmt(s->db, "SELECT o.id FROM objects o JOIN props p ON p.obj = o.id"
                            " AND p.id = 0x3001 WHERE o.parent = ? AND o.kind = 3"
                            " AND p.val = ? COLLATE NOCASE")
        : NULL;
    if (st) {
        sqlite3_bind_int64(st, 1, self->id);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) == SQLITE_ROW)
            existing = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
    }
    if (rc == SQLITE_OK && existing == 0) {
        SPropValue v[4];
        memset(v, 0, sizeof v);
        v[0].ulPropTag = PR_DISPLAY_NAME_A;
        v[0].Value.lpszA = (LPSTR)name;
        v[1].ulPropTag = PR_FOLDER_TYPE;
        v[1].Value.l = FOLDER_GENERIC;
        v[2].ulPropTag = PR_COMMENT_A;
        v[2].Value.lpszA = (LPSTR)comment;
        rc = ms_db_new_object(s->db, MAPI_FOLDER, self->id, &id);
        sqlite3_stmt *ins = ms_db_stmt(s->db, "INSERT INTO props(obj, id, type, val)"
                                              " VALUES(?, ?, ?, ?)");
        for (int i = 0; rc == SQLITE_OK && ins && i < (comment ? 3 : 2); i++) {
            sqlite3_reset(ins);
            sqlite3_bind_int64(ins, 1, id);
            sqlite3_bind_int(ins, 2, (int)PROP_ID(v[i].ulPropTag));
            sqlite3_bind_int(ins, 3, (int)PROP_TYPE(v[i].ulPropTag));
            ms_bind_value(ins, 4, &v[i]);
            rc = sqlite3_step(ins);
            rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
        }
        if (ins)
            sqlite3_reset(ins);
        if (rc == SQLITE_OK)
            rc = ms_db_commit(s->db);
    }
    if (rc != SQLITE_OK || existing)
        ms_db_rollback(s->db);
    pthread_mutex_unlock(&s->db->lock);
    MAPIFreeBuffer(on);
    MAPIFreeBuffer(oc);
    if (rc != SQLITE_OK)
        return ms_folder_fail(self, ms_db_hr(rc), "CreateFolder: writing the store failed");
    if (existing) {
        if (!(ulFlags & OPEN_IF_EXISTS))
            return ms_folder_fail(self, MAPI_E_COLLISION,
                                  "CreateFolder: a subfolder of that name exists");
        id = existing;
    } else {
        ms_store_notify_object(s, fnevObjectCreated, MAPI_FOLDER, id, self->id, 0);
        ms_tables_changed(s, self->id, MS_TABLE_HIERARCHY, id, 0);
    }
    struct ms_folder *f;
    if (FAILED(hr = ms_folder_open(s, id, 1, &f)))
        return hr;
    *lppFolder = ms_folder_as_IMAPIFolder(f);
    return S_OK;
}

/* Deletes message ids of this folder (or its subtree for a folder), notifying. */
static HRESULT ms_folder_DeleteMessages(struct ms_folder *self, LPENTRYLIST lpMsgList,
                                        ULONG_PTR ulUIParam, LPMAPIPROGRESS lpProgress,
                                        ULONG ulFlags)
{
    struct ms_store *s = self->store;
    HRESULT hr;
    int partial = 0;
    (void)ulUIParam;
    (void)lpProgress;
    (void)ulFlags;
    if (FAILED(hr = ms_store_check(s)))
        return hr;
    sqlite3_int64 *gone = calloc(lpMsgList->cValues + 1, sizeof *gone);
    ULONG ngone = 0;
    if (gone == NULL)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    pthread_mutex_lock(&s->db->lock);
    int rc = ms_db_begin(s->db);
    for (ULONG i = 0; rc == SQLITE_OK && i < lpMsgList->cValues; i++) {
        ms_eid e;
        const SBinary *b = &lpMsgList->lpbin[i];
        if (FAILED(ms_eid_parse(b->cb, (LPENTRYID)b->lpb, &e)) || e.type != MAPI_MESSAGE ||
            memcmp(e.uid.ab, s->db->uid.ab, 16)) {
            partial = 1;
            continue;
        }
        sqlite3_stmt *st = ms_db_stmt(s->db, "DELETE FROM objects WHERE id = ? AND id IN "
                                             "(SELECT id FROM messages WHERE folder = ?)");
        if (st == NULL) {
            rc = sqlite3_errcode(s->db->db);
            break;
        }
        sqlite3_bind_int64(st, 1, e.id);
        sqlite3_bind_int64(st, 2, self->id);
        rc = sqlite3_step(st);
        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
        if (sqlite3_changes(s->db->db))
            gone[ngone++] = e.id;
        else
            partial = 1;
        sqlite3_reset(st);
    }
    if (rc == SQLITE_OK)
        rc = ms_db_commit(s->db);
    else
        ms_db_rollback(s->db);
    pthread_mutex_unlock(&s->db->lock);
    if (rc != SQLITE_OK) {
        free(gone);
        return ms_folder_fail(self, ms_db_hr(rc), "DeleteMessages: writing the store failed");
    }
    for (ULONG i = 0; i < ngone; i++) {
        ms_store_notify_object(s, fnevObjectDeleted, MAPI_MESSAGE, gone[i], self->id, 0);
        ms_tables_changed(s, self->id, MS_TABLE_CONTENTS, gone[i], 1);
        ms_tables_changed(s, self->id, MS_TABLE_ASSOC, gone[i], 1);
    }
    free(gone);
    return partial ? MAPI_W_PARTIAL_COMPLETION : S_OK;
}

static HRESULT ms_folder_DeleteFolder(struct ms_folder *self, ULONG cbEntryID,
                                      LPENTRYID lpEntryID, ULONG_PTR ulUIParam,
                                      LPMAPIPROGRESS lpProgress, ULONG ulFlags)
{
    struct ms_store *s = self->store;
    ms_eid e;
    HRESULT hr;
    (void)ulUIParam;
    (void)lpProgress;
    if (FAILED(hr = ms_store_check(s)))
        return hr;
    if (FAILED(ms_eid_parse(cbEntryID, lpEntryID, &e)) || e.type != MAPI_FOLDER ||
        memcmp(e.uid.ab, s->db->uid.ab, 16))
        return ms_folder_fail(self, MAPI_E_INVALID_ENTRYID,
                              "DeleteFolder: not a folder entry ID of this store");
    if (e.id < MS_OBJ_FIRST_FREE)
        return ms_folder_fail(self, MAPI_E_NO_ACCESS,
                              "DeleteFolder: a standard folder cannot be deleted");
    int children = 0, found = 0;
    pthread_mutex_lock(&s->db->lock);
    int rc = ms_db_begin(s->db);
    sqlite3_stmt *st = rc == SQLITE_OK
        ? ms_db_stmt(s->db, "SELECT EXISTS(SELECT 1 FROM objects WHERE parent = ?1 AND kind = 3)"
                            " OR EXISTS(SELECT 1 FROM messages WHERE folder = ?1),"
                            " EXISTS(SELECT 1 FROM objects WHERE id = ?1 AND parent = ?2"
                            " AND kind = 3)")
        : NULL;
    if (st) {
        sqlite3_bind_int64(st, 1, e.id);
        sqlite3_bind_int64(st, 2, self->id);
        if (sqlite3_step(st) == SQLITE_ROW) {
            children = sqlite3_column_int(st, 0);
            found = sqlite3_column_int(st, 1);
        }
        sqlite3_reset(st);
    }
    if (rc == SQLITE_OK && found && (!children || (ulFlags & DEL_FOLDERS && ulFlags & DEL_MESSAGES))) {
        /* Messages of the subtree go with it (ON DELETE CASCADE reaches objects, not the
         * `messages` rows' folder column: those are objects too). */
        st = ms_db_stmt(s->db, "DELETE FROM objects WHERE id = ?");
        sqlite3_bind_int64(st, 1, e.id);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        rc = rc == SQLITE_DONE ? ms_db_commit(s->db) : rc;
    }
    if (rc != SQLITE_OK || !found || children)
        ms_db_rollback(s->db);
    pthread_mutex_unlock(&s->db->lock);
    if (rc != SQLITE_OK)
        return ms_folder_fail(self, ms_db_hr(rc), "DeleteFolder: writing the store failed");
    if (!found)
        return ms_folder_fail(self, MAPI_E_NOT_FOUND, "DeleteFolder: no such subfolder");
    if (children && !(ulFlags & DEL_FOLDERS && ulFlags & DEL_MESSAGES))
        return ms_folder_fail(self, MAPI_E_HAS_FOLDERS,
                              "DeleteFolder: the folder has contents (DEL_FOLDERS|DEL_MESSAGES)");
    ms_store_notify_object(s, fnevObjectDeleted, MAPI_FOLDER, e.id, self->id, 0);
    ms_tables_changed(s, self->id, MS_TABLE_HIERARCHY, e.id, 1);
    return S_OK;
}

/* ---- named properties (named.c) ---------------------------------------------------------- */

static HRESULT ms_folder_GetIDsFromNames(struct ms_folder *self, ULONG cPropNames,
                                    LPMAPINAMEID *lppPropNames, ULONG ulFlags,
                                    LPSPropTagArray *lppPropTags)
{
    return ms_named_ids(self->store, cPropNames, lppPropNames, ulFlags, lppPropTags);
}

static HRESULT ms_folder_GetNamesFromIDs(struct ms_folder *self, LPSPropTagArray *lppPropTags,
                                    LPGUID lpPropSetGuid, ULONG ulFlags, ULONG *lpcPropNames,
                                    LPMAPINAMEID **lpppPropNames)
{
    return ms_named_names(self->store, lppPropTags, lpPropSetGuid, ulFlags, lpcPropNames,
                          lpppPropNames);
}

/* ---- moving, copying, flags ------------------------------------------------------------------ */

/* The folder of this store an IMAPIFolder is; S_FALSE for another store's folder (or any
 * object that is not this store's folder), which MAPI's generic copies handle through the
 * public interfaces (IMAPISupport::CopyMessages, CopyFolder). */
static HRESULT dest_of(struct ms_folder *self, LPVOID dest, sqlite3_int64 *id)
{
    LPSPropValue v = NULL;
    ms_eid e;
    if (dest == NULL)
        return ms_folder_fail(self, MAPI_E_INVALID_PARAMETER, "no destination folder");
    HRESULT hr = HrGetOneProp((LPMAPIPROP)dest, PR_ENTRYID, &v);
    if (FAILED(hr))
        return ms_folder_fail(self, MAPI_E_INVALID_PARAMETER,
                              "the destination has no PR_ENTRYID");
    hr = ms_eid_parse(v->Value.bin.cb, (LPENTRYID)v->Value.bin.lpb, &e);
    MAPIFreeBuffer(v);
    if (FAILED(hr) || e.type != MAPI_FOLDER || memcmp(e.uid.ab, self->store->db->uid.ab, 16))
        return S_FALSE;
    *id = e.id;
    return S_OK;
}

/* A message entry ID of this store whose message is in this folder (its assoc flag too). */
static int own_message(struct ms_folder *self, const SBinary *b, sqlite3_int64 *id, int *assoc)
{
    ms_eid e;
    ms_db *d = self->store->db;
    if (FAILED(ms_eid_parse(b->cb, (LPENTRYID)b->lpb, &e)) || e.type != MAPI_MESSAGE ||
        memcmp(e.uid.ab, d->uid.ab, 16))
        return 0;
    sqlite3_stmt *st = ms_db_stmt(d, "SELECT assoc FROM messages WHERE id = ? AND folder = ?");
    if (st == NULL)
        return 0;
    sqlite3_bind_int64(st, 1, e.id);
    sqlite3_bind_int64(st, 2, self->id);
    int found = sqlite3_step(st) == SQLITE_ROW;
    if (found)
        *assoc = sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    *id = e.id;
    return found;
}

/* A generic copy's result, with the support object's GetLastError text as the folder's. */
static HRESULT delegated(struct ms_folder *self, HRESULT hr)
{
    if (SUCCEEDED(hr))
        return hr;
    LPMAPISUP sup = self->store->sup;
    LPMAPIERROR e = NULL;
    char text[600];
    if (SUCCEEDED(sup->lpVtbl->GetLastError(sup, hr, 0, &e)) && e && e->lpszError)
        snprintf(text, sizeof text, "%s", (const char *)e->lpszError);
    else
        snprintf(text, sizeof text, "MAPI's copy into another store failed (0x%08X)",
                 (unsigned)hr);
    self->store->freebuf(e);
    return mapirt_lasterror_setf(ms_folder_lasterror(self), hr, 0, 0, "%s", text);
}

static HRESULT ms_folder_CopyMessages(struct ms_folder *self, LPENTRYLIST lpMsgList,
                                      LPCIID lpInterface, LPVOID lpDestFolder,
                                      ULONG_PTR ulUIParam, LPMAPIPROGRESS lpProgress,
                                      ULONG ulFlags)
{
    struct ms_store *s = self->store;
    sqlite3_int64 dest;
    HRESULT hr;
    int partial = 0, move = (ulFlags & MESSAGE_MOVE) != 0;
    (void)lpInterface;
    (void)ulUIParam;
    (void)lpProgress;
    if (FAILED(hr = ms_store_check(s)) || FAILED(hr = dest_of(self, lpDestFolder, &dest)))
        return hr;
    if (hr == S_FALSE) /* another store's folder */
        return delegated(self, s->sup->lpVtbl->CopyMessages(
                                   s->sup, &IID_IMAPIFolder, ms_folder_as_IMAPIFolder(self),
                                   lpMsgList, &IID_IMAPIFolder, lpDestFolder, ulUIParam,
                                   lpProgress, ulFlags));
    ULONG n = lpMsgList->cValues;
    sqlite3_int64 *from = calloc(n + 1, sizeof *from), *to = calloc(n + 1, sizeof *to);
    int *assoc = calloc(n + 1, sizeof *assoc);
    if (!from || !to || !assoc) {
        free(from), free(to), free(assoc);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    ULONG done = 0;
    pthread_mutex_lock(&s->db->lock);
    int rc = ms_db_begin(s->db);
    for (ULONG i = 0; rc == SQLITE_OK && i < n; i++) {
        sqlite3_int64 id;
        if (!own_message(self, &lpMsgList->lpbin[i], &id, &assoc[done])) {
            partial = 1;
            continue;
        }
        from[done] = id;
        if (move) {
            to[done] = id;
            rc = dest == self->id ? SQLITE_OK : ms_move_object(s->db, id, dest);
        } else {
            rc = ms_copy_tree(s->db, id, dest, 0, &to[done], 0);
        }
        done++;
    }
    if (rc == SQLITE_OK)
        rc = ms_db_commit(s->db);
    else
        ms_db_rollback(s->db);
    pthread_mutex_unlock(&s->db->lock);
    if (rc == SQLITE_OK) {
        for (ULONG i = 0; i < done; i++) {
            int kind = assoc[i] ? MS_TABLE_ASSOC : MS_TABLE_CONTENTS;
            ms_store_notify_object(s, move ? fnevObjectMoved : fnevObjectCopied, MAPI_MESSAGE,
                                   to[i], dest, self->id);
            if (move)
                ms_tables_changed(s, self->id, kind, from[i], 1);
            ms_tables_changed(s, dest, kind, to[i], 0);
        }
    }
    free(from), free(to), free(assoc);
    if (rc != SQLITE_OK)
        return ms_folder_fail(self, ms_db_hr(rc), "CopyMessages: writing the store failed;"
                                                  " nothing was copied or moved");
    return partial ? MAPI_W_PARTIAL_COMPLETION : S_OK;
}

static HRESULT ms_folder_CopyFolder(struct ms_folder *self, ULONG cbEntryID, LPENTRYID lpEntryID,
                                    LPCIID lpInterface, LPVOID lpDestFolder,
                                    LPTSTR lpszNewFolderName, ULONG_PTR ulUIParam,
                                    LPMAPIPROGRESS lpProgress, ULONG ulFlags)
{
    struct ms_store *s = self->store;
    sqlite3_int64 dest, id = 0;
    ms_eid e;
    HRESULT hr;
    int move = (ulFlags & FOLDER_MOVE) != 0;
    (void)lpInterface;
    (void)ulUIParam;
    (void)lpProgress;
    if (FAILED(hr = ms_store_check(s)) || FAILED(hr = dest_of(self, lpDestFolder, &dest)))
        return hr;
    if (FAILED(ms_eid_parse(cbEntryID, lpEntryID, &e)) || e.type != MAPI_FOLDER ||
        memcmp(e.uid.ab, s->db->uid.ab, 16))
        return ms_folder_fail(self, MAPI_E_INVALID_ENTRYID,
                              "CopyFolder: not a folder entry ID of this store");
    if (move && e.id < MS_OBJ_FIRST_FREE)
        return ms_folder_fail(self, MAPI_E_NO_ACCESS, "CopyFolder: a standard folder stays");
    if (hr == S_FALSE) /* another store's folder: MAPI's generic copy */
        return delegated(self, s->sup->lpVtbl->CopyFolder(
                                   s->sup, &IID_IMAPIFolder, ms_folder_as_IMAPIFolder(self),
                                   cbEntryID, lpEntryID, &IID_IMAPIFolder, lpDestFolder,
                                   lpszNewFolderName, ulUIParam, lpProgress, ulFlags));
    char *owned = NULL;
    const char *name = NULL;
    if (lpszNewFolderName) {
        name = name_utf8(lpszNewFolderName, ulFlags, &owned);
        if (name == NULL)
            return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    int found = 0, within = 0, clash = 0;
    pthread_mutex_lock(&s->db->lock);
    int rc = ms_db_begin(s->db);
    sqlite3_stmt *st = rc == SQLITE_OK
        ? ms_db_stmt(s->db, "SELECT (SELECT val FROM props WHERE obj = ?1 AND id = 0x3001)"
                            " FROM objects WHERE id = ?1 AND parent = ?2 AND kind = 3")
        : NULL;
    char *oldname = NULL;
    if (st) {
        sqlite3_bind_int64(st, 1, e.id);
        sqlite3_bind_int64(st, 2, self->id);
        if (sqlite3_step(st) == SQLITE_ROW) {
            found = 1;
            const char *t = (const char *)sqlite3_column_text(st, 0);
            oldname = strdup(t ? t : "");
        }
        sqlite3_reset(st);
    }
    if (rc == SQLITE_OK && found)
        rc = ms_is_within(s->db, dest, e.id, &within);
    const char *final = name ? name : oldname;
    if (rc == SQLITE_OK && found && !within && final) {
        st = ms_db_stmt(s->db, "SELECT 1 FROM objects o JOIN props p ON p.obj = o.id AND"
                               " p.id = 0x3001 WHERE o.parent = ? AND o.kind = 3 AND o.id <> ?"
                               " AND p.val = ? COLLATE NOCASE");
        if (st) {
            sqlite3_bind_int64(st, 1, dest);
            sqlite3_bind_int64(st, 2, e.id);
            sqlite3_bind_text(st, 3, final, -1, SQLITE_TRANSIENT);
            clash = sqlite3_step(st) == SQLITE_ROW;
            sqlite3_reset(st);
        }
    }
    if (rc == SQLITE_OK && found && !within && !clash) {
        if (move) {
            id = e.id;
            rc = ms_move_object(s->db, e.id, dest);
        } else {
            rc = ms_copy_tree(s->db, e.id, dest, (ulFlags & COPY_SUBFOLDERS) != 0, &id, 0);
        }
        if (rc == SQLITE_OK && name) {
            st = ms_db_stmt(s->db, "INSERT OR REPLACE INTO props(obj, id, type, val)"
                                   " VALUES(?, 0x3001, 30, ?)");
            if (st) {
                sqlite3_bind_int64(st, 1, id);
                sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
                rc = sqlite3_step(st);
                rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
                sqlite3_reset(st);
            }
        }
        if (rc == SQLITE_OK)
            rc = ms_db_commit(s->db);
    }
    if (rc != SQLITE_OK || !found || within || clash)
        ms_db_rollback(s->db);
    pthread_mutex_unlock(&s->db->lock);
    free(oldname);
    MAPIFreeBuffer(owned);
    if (rc != SQLITE_OK)
        return ms_folder_fail(self, ms_db_hr(rc), "CopyFolder: writing the store failed");
    if (!found)
        return ms_folder_fail(self, MAPI_E_NOT_FOUND, "CopyFolder: no such subfolder here");
    if (within)
        return ms_folder_fail(self, MAPI_E_FOLDER_CYCLE,
                              "CopyFolder: the destination is the folder or inside it");
    if (clash)
        return ms_folder_fail(self, MAPI_E_COLLISION,
                              "CopyFolder: the destination has a subfolder of that name");
    ms_store_notify_object(s, move ? fnevObjectMoved : fnevObjectCopied, MAPI_FOLDER, id, dest,
                           self->id);
    if (move)
        ms_tables_changed(s, self->id, MS_TABLE_HIERARCHY, e.id, 1);
    ms_tables_changed(s, dest, MS_TABLE_HIERARCHY, id, 0);
    return S_OK;
}

static HRESULT ms_folder_SetReadFlags(struct ms_folder *self, LPENTRYLIST lpMsgList,
                                      ULONG_PTR ulUIParam, LPMAPIPROGRESS lpProgress,
                                      ULONG ulFlags)
{
    struct ms_store *s = self->store;
    HRESULT hr;
    int partial = 0;
    (void)ulUIParam;
    (void)lpProgress;
    if (FAILED(hr = ms_store_check(s)))
        return hr;
    if ((ulFlags & CLEAR_READ_FLAG) && (ulFlags & (SUPPRESS_RECEIPT | GENERATE_RECEIPT_ONLY)))
        return ms_folder_fail(self, MAPI_E_INVALID_PARAMETER,
                              "SetReadFlags: CLEAR_READ_FLAG with a receipt flag");
    if (ulFlags & GENERATE_RECEIPT_ONLY)
        return S_OK; /* this store sends no receipts */
    LONG set = (ulFlags & CLEAR_READ_FLAG) ? 0 : MSGFLAG_READ;
    LONG clear = ((ulFlags & CLEAR_READ_FLAG) ? MSGFLAG_READ : 0) |
                 ((ulFlags & CLEAR_RN_PENDING) ? MSGFLAG_RN_PENDING : 0) |
                 ((ulFlags & CLEAR_NRN_PENDING) ? MSGFLAG_NRN_PENDING : 0);
    sqlite3_int64 *ids = NULL;
    size_t n = 0;
    pthread_mutex_lock(&s->db->lock);
    int rc = ms_db_begin(s->db);
    if (rc == SQLITE_OK && lpMsgList == NULL) {
        /* Every message of the folder (not the associated ones). */
        sqlite3_stmt *st = ms_db_stmt(s->db, "SELECT id FROM messages WHERE folder = ?"
                                             " AND assoc = 0");
        if (st == NULL)
            rc = sqlite3_errcode(s->db->db);
        else {
            sqlite3_bind_int64(st, 1, self->id);
            while (sqlite3_step(st) == SQLITE_ROW) {
                sqlite3_int64 *m = realloc(ids, (n + 1) * sizeof *m);
                if (m == NULL) {
                    rc = SQLITE_NOMEM;
                    break;
                }
                ids = m;
                ids[n++] = sqlite3_column_int64(st, 0);
            }
            sqlite3_reset(st);
        }
    } else if (rc == SQLITE_OK) {
        ids = calloc(lpMsgList->cValues + 1, sizeof *ids);
        if (ids == NULL)
            rc = SQLITE_NOMEM;
        for (ULONG i = 0; ids && i < lpMsgList->cValues; i++) {
            int assoc;
            if (own_message(self, &lpMsgList->lpbin[i], &ids[n], &assoc))
                n++;
            else
                partial = 1;
        }
    }
    for (size_t i = 0; rc == SQLITE_OK && i < n; i++)
        rc = ms_set_flags(s->db, ids[i], set, clear);
    if (rc == SQLITE_OK)
        rc = ms_db_commit(s->db);
    else
        ms_db_rollback(s->db);
    pthread_mutex_unlock(&s->db->lock);
    if (rc == SQLITE_OK)
        for (size_t i = 0; i < n; i++) {
            ms_store_notify_object(s, fnevObjectModified, MAPI_MESSAGE, ids[i], self->id, 0);
            ms_tables_changed(s, self->id, MS_TABLE_CONTENTS, ids[i], 0);
        }
    free(ids);
    if (rc != SQLITE_OK)
        return ms_folder_fail(self, ms_db_hr(rc), "SetReadFlags: writing the store failed");
    return partial ? MAPI_W_PARTIAL_COMPLETION : S_OK;
}

static HRESULT message_status(struct ms_folder *self, ULONG cb, LPENTRYID eid, ULONG status,
                              ULONG mask, ULONG *old)
{
    struct ms_store *s = self->store;
    HRESULT hr;
    sqlite3_int64 id;
    int assoc;
    ULONG was = 0;
    SBinary b = {cb, (LPBYTE)eid};
    if (FAILED(hr = ms_store_check(s)))
        return hr;
    pthread_mutex_lock(&s->db->lock);
    int rc = mask ? ms_db_begin(s->db) : SQLITE_OK;
    int found = rc == SQLITE_OK && own_message(self, &b, &id, &assoc);
    if (found)
        rc = ms_set_status(s->db, id, status, mask, &was);
    if (mask) {
        if (rc == SQLITE_OK && found)
            rc = ms_db_commit(s->db);
        else
            ms_db_rollback(s->db);
    }
    pthread_mutex_unlock(&s->db->lock);
    if (!found)
        return ms_folder_fail(self, MAPI_E_NOT_FOUND, "no such message in this folder");
    if (rc != SQLITE_OK)
        return ms_folder_fail(self, ms_db_hr(rc), "writing the message status failed");
    if (old)
        *old = was;
    if (mask)
        ms_tables_changed(s, self->id, assoc ? MS_TABLE_ASSOC : MS_TABLE_CONTENTS, id, 0);
    return S_OK;
}

static HRESULT ms_folder_GetMessageStatus(struct ms_folder *self, ULONG cbEntryID,
                                          LPENTRYID lpEntryID, ULONG ulFlags,
                                          ULONG *lpulMessageStatus)
{
    (void)ulFlags;
    return message_status(self, cbEntryID, lpEntryID, 0, 0, lpulMessageStatus);
}

static HRESULT ms_folder_SetMessageStatus(struct ms_folder *self, ULONG cbEntryID,
                                          LPENTRYID lpEntryID, ULONG ulNewStatus,
                                          ULONG ulNewStatusMask, ULONG *lpulOldStatus)
{
    return message_status(self, cbEntryID, lpEntryID, ulNewStatus, ulNewStatusMask,
                          lpulOldStatus);
}

static HRESULT ms_folder_EmptyFolder(struct ms_folder *self, ULONG_PTR ulUIParam,
                                     LPMAPIPROGRESS lpProgress, ULONG ulFlags)
{
    struct ms_store *s = self->store;
    HRESULT hr;
    (void)ulUIParam;
    (void)lpProgress;
    if (FAILED(hr = ms_store_check(s)))
        return hr;
    if (!self->writable)
        return ms_folder_fail(self, MAPI_E_NO_ACCESS, "EmptyFolder: the folder is read-only");
    int partial = 0;
    pthread_mutex_lock(&s->db->lock);
    int rc = ms_db_begin(s->db);
    /* Messages (associated ones with DEL_ASSOCIATED), then subfolders with what they hold;
     * the standard folders stay, as they must exist. */
    sqlite3_stmt *st = rc == SQLITE_OK
        ? ms_db_stmt(s->db, "DELETE FROM objects WHERE id IN (SELECT id FROM messages"
                            " WHERE folder = ? AND (assoc = 0 OR ?))")
        : NULL;
    if (st) {
        sqlite3_bind_int64(st, 1, self->id);
        sqlite3_bind_int(st, 2, (ulFlags & DEL_ASSOCIATED) != 0);
        rc = sqlite3_step(st);
        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
        sqlite3_reset(st);
    }
    st = rc == SQLITE_OK ? ms_db_stmt(s->db, "DELETE FROM objects WHERE parent = ? AND kind = 3"
                                             " AND id >= ?")
                         : NULL;
    if (st) {
        sqlite3_bind_int64(st, 1, self->id);
        sqlite3_bind_int64(st, 2, MS_OBJ_FIRST_FREE);
        rc = sqlite3_step(st);
        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
        sqlite3_reset(st);
    }
    st = rc == SQLITE_OK ? ms_db_stmt(s->db, "SELECT EXISTS(SELECT 1 FROM objects WHERE"
                                             " parent = ? AND kind = 3)")
                         : NULL;
    if (st) {
        sqlite3_bind_int64(st, 1, self->id);
        if (sqlite3_step(st) == SQLITE_ROW)
            partial = sqlite3_column_int(st, 0);
        sqlite3_reset(st);
    }
    if (rc == SQLITE_OK)
        rc = ms_db_commit(s->db);
    else
        ms_db_rollback(s->db);
    pthread_mutex_unlock(&s->db->lock);
    if (rc != SQLITE_OK)
        return ms_folder_fail(self, ms_db_hr(rc), "EmptyFolder: writing the store failed");
    /* The views re-read (a folder's worth of row deletions would be one notification each). */
    ms_sqltables_changed(s, self->id, 0);
    ms_sqltables_changed(s, self->id, 1);
    ms_tables_changed(s, MS_OBJ_ROOT, MS_TABLE_HIERARCHY, self->id, 0);
    ms_store_notify_object(s, fnevObjectModified, MAPI_FOLDER, self->id, 0, 0);
    return partial ? MAPI_W_PARTIAL_COMPLETION : S_OK;
}
