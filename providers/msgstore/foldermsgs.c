/* foldermsgs.c: IMAPIFolder on what a folder holds: deleting, copying and moving messages,
 * copying and moving subfolders, read flags, message status and emptying. Each call is one
 * transaction; notifications go out after it commits. The folder object itself is folder.c. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ms.h"

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

/* The messages of this folder an entry list names, in its order (with list NULL, every message
 * of the folder that is not associated); *partial is set for each entry that names none.
 * Under d->lock. Returns an SQLite code; *ids (malloc'd) is set either way. */
static int own_messages(struct ms_folder *self, LPENTRYLIST list, sqlite3_int64 **ids,
                        size_t *n, int *partial)
{
    ms_db *d = self->store->db;
    int rc = SQLITE_OK;
    *ids = NULL;
    *n = 0;
    if (list != NULL) {
        if ((*ids = calloc(list->cValues + 1, sizeof **ids)) == NULL)
            return SQLITE_NOMEM;
        for (ULONG i = 0; i < list->cValues; i++) {
            int assoc;
            if (own_message(self, &list->lpbin[i], &(*ids)[*n], &assoc))
                (*n)++;
            else
                *partial = 1;
        }
        return SQLITE_OK;
    }
    sqlite3_stmt *st = ms_db_stmt(d, "SELECT id FROM messages WHERE folder = ? AND assoc = 0");
    if (st == NULL)
        return sqlite3_errcode(d->db);
    sqlite3_bind_int64(st, 1, self->id);
    while (sqlite3_step(st) == SQLITE_ROW) {
        sqlite3_int64 *m = realloc(*ids, (*n + 1) * sizeof *m);
        if (m == NULL) {
            rc = SQLITE_NOMEM;
            break;
        }
        *ids = m;
        (*ids)[(*n)++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_reset(st);
    return rc;
}

HRESULT ms_folder_DeleteMessages(struct ms_folder *self, LPENTRYLIST lpMsgList,
                                 ULONG_PTR ulUIParam, LPMAPIPROGRESS lpProgress, ULONG ulFlags)
{
    struct ms_store *s = self->store;
    HRESULT hr;
    int partial = 0;
    (void)ulUIParam;
    (void)lpProgress;
    (void)ulFlags;
    if (FAILED(hr = ms_store_check(s)))
        return hr;
    sqlite3_int64 *gone = NULL;
    size_t named = 0, ngone = 0;
    pthread_mutex_lock(&s->db->lock);
    int rc = ms_db_begin(s->db);
    if (rc == SQLITE_OK)
        rc = own_messages(self, lpMsgList, &gone, &named, &partial);
    for (size_t i = 0; rc == SQLITE_OK && i < named; i++) {
        rc = ms_db_exec_ids(s->db, "DELETE FROM objects WHERE id = ?", 1, &gone[i]);
        if (sqlite3_changes(s->db->db))
            gone[ngone++] = gone[i];
        else
            partial = 1; /* named twice in the list: gone already */
    }
    rc = ms_db_end(s->db, rc);
    pthread_mutex_unlock(&s->db->lock);
    if (rc != SQLITE_OK) {
        free(gone);
        return ms_folder_fail(self, ms_db_hr(rc), "DeleteMessages: writing the store failed");
    }
    for (size_t i = 0; i < ngone; i++) {
        ms_store_notify_object(s, fnevObjectDeleted, MAPI_MESSAGE, gone[i], self->id, 0);
        ms_tables_changed(s, self->id, MS_TABLE_CONTENTS, gone[i], 1);
        ms_tables_changed(s, self->id, MS_TABLE_ASSOC, gone[i], 1);
    }
    free(gone);
    return partial ? MAPI_W_PARTIAL_COMPLETION : S_OK;
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

HRESULT ms_folder_CopyMessages(struct ms_folder *self, LPENTRYLIST lpMsgList,
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
    rc = ms_db_end(s->db, rc);
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

HRESULT ms_folder_CopyFolder(struct ms_folder *self, ULONG cbEntryID, LPENTRYID lpEntryID,
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
        name = ms_folder_name_utf8(lpszNewFolderName, ulFlags, &owned);
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

HRESULT ms_folder_SetReadFlags(struct ms_folder *self, LPENTRYLIST lpMsgList,
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
    if (rc == SQLITE_OK)
        rc = own_messages(self, lpMsgList, &ids, &n, &partial);
    for (size_t i = 0; rc == SQLITE_OK && i < n; i++)
        rc = ms_set_flags(s->db, ids[i], set, clear);
    rc = ms_db_end(s->db, rc);
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

HRESULT ms_folder_GetMessageStatus(struct ms_folder *self, ULONG cbEntryID,
                                   LPENTRYID lpEntryID, ULONG ulFlags,
                                   ULONG *lpulMessageStatus)
{
    (void)ulFlags;
    return message_status(self, cbEntryID, lpEntryID, 0, 0, lpulMessageStatus);
}

HRESULT ms_folder_SetMessageStatus(struct ms_folder *self, ULONG cbEntryID,
                                   LPENTRYID lpEntryID, ULONG ulNewStatus,
                                   ULONG ulNewStatusMask, ULONG *lpulOldStatus)
{
    return message_status(self, cbEntryID, lpEntryID, ulNewStatus, ulNewStatusMask,
                          lpulOldStatus);
}

HRESULT ms_folder_EmptyFolder(struct ms_folder *self, ULONG_PTR ulUIParam,
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
    sqlite3_int64 msgs[2] = {self->id, (ulFlags & DEL_ASSOCIATED) != 0};
    sqlite3_int64 subs[2] = {self->id, MS_OBJ_FIRST_FREE};
    if (rc == SQLITE_OK)
        rc = ms_db_exec_ids(s->db, "DELETE FROM objects WHERE id IN (SELECT id FROM messages"
                                   " WHERE folder = ? AND (assoc = 0 OR ?))", 2, msgs);
    if (rc == SQLITE_OK)
        rc = ms_db_exec_ids(s->db, "DELETE FROM objects WHERE parent = ? AND kind = 3"
                                   " AND id >= ?", 2, subs);
    sqlite3_stmt *st = rc == SQLITE_OK ? ms_db_stmt(s->db, "SELECT EXISTS(SELECT 1 FROM objects"
                                                           " WHERE parent = ? AND kind = 3)")
                                       : NULL;
    if (st) {
        sqlite3_bind_int64(st, 1, self->id);
        if (sqlite3_step(st) == SQLITE_ROW)
            partial = sqlite3_column_int(st, 0);
        sqlite3_reset(st);
    }
    rc = ms_db_end(s->db, rc);
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
