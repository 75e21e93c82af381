/* submit.c: the store's side of sending: IMessage::SubmitMessage and the outgoing queue the
 * spooler works through (IMsgStore::GetOutgoingQueue, SetLockState, FinishedMsg, AbortSubmit)
 * and NotifyNewMail for what it delivers (SPEC.md §4; docs/spooler.md).
 *
 * The queue is the `outgoing` table (db.c): one row per submitted message, its submit time
 * and whether the spooler holds it (locked). SubmitMessage writes the message and its queue
 * row in the same transaction (message.c's SaveChanges, with `submitting` set), so a crash
 * leaves a message either submitted and queued or not submitted at all. A locked row names its
 * holder (lockowner.c): a lock whose holder is gone is taken back by the next reader of the
 * queue, and a lock a live holder has is not taken (MAPI_E_BUSY). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mapirt/strconv.h>

#include "ms.h"

/* Now as a FILETIME count of 100 ns (the queue's order, ties by message id). */
static sqlite3_int64 now_filetime(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ((sqlite3_int64)ts.tv_sec + 11644473600LL) * 10000000LL + ts.tv_nsec / 100;
}

int ms_outgoing_enqueue(ms_db *d, sqlite3_int64 msg)
{
    sqlite3_stmt *st = ms_db_stmt(d, "INSERT OR REPLACE INTO outgoing(msg, submitted, locked) "
                                     "VALUES(?, ?, 0)");
    if (!st)
        return SQLITE_ERROR;
    sqlite3_bind_int64(st, 1, msg);
    sqlite3_bind_int64(st, 2, now_filetime());
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The object id of one of this store's messages named by an entry ID, or 0. */
static sqlite3_int64 message_id(struct ms_store *s, ULONG cb, LPENTRYID eid)
{
    ms_eid e;
    if (FAILED(ms_eid_parse(cb, eid, &e)) || e.type != MAPI_MESSAGE ||
        memcmp(e.uid.ab, s->db->uid.ab, sizeof e.uid.ab) != 0)
        return 0;
    return e.id;
}

static sqlite3_int64 message_id_of(struct ms_store *s, LPMESSAGE m)
{
    SizedSPropTagArray(1, t) = {1, {PR_ENTRYID}};
    ULONG c = 0;
    LPSPropValue v = NULL;
    sqlite3_int64 id = 0;
    if (SUCCEEDED(m->lpVtbl->GetProps(m, (LPSPropTagArray)&t, 0, &c, &v)) &&
        v[0].ulPropTag == PR_ENTRYID)
        id = message_id(s, v[0].Value.bin.cb, (LPENTRYID)v[0].Value.bin.lpb);
    s->freebuf(v);
    return id;
}

/* Sets or clears bits of PR_MESSAGE_FLAGS (and deletes PR_SUBMIT_FLAGS when clearing the
 * submit bit) on an open message, then saves it. */
static HRESULT change_flags(LPMESSAGE m, LONG set, LONG clear, ALLOCATEBUFFER *a,
                            FREEBUFFER *f)
{
    (void)a;
    SizedSPropTagArray(1, t) = {1, {PR_MESSAGE_FLAGS}};
    ULONG c = 0;
    LPSPropValue v = NULL;
    HRESULT hr = m->lpVtbl->GetProps(m, (LPSPropTagArray)&t, 0, &c, &v);
    if (FAILED(hr))
        return hr;
    LONG flags = v[0].ulPropTag == PR_MESSAGE_FLAGS ? v[0].Value.l : 0;
    f(v);
    SPropValue nv;
    memset(&nv, 0, sizeof nv);
    nv.ulPropTag = PR_MESSAGE_FLAGS;
    nv.Value.l = (flags | set) & ~clear;
    if (FAILED(hr = m->lpVtbl->SetProps(m, 1, &nv, NULL)))
        return hr;
    if (clear & MSGFLAG_SUBMIT) {
        SizedSPropTagArray(1, d) = {1, {PR_SUBMIT_FLAGS}};
        m->lpVtbl->DeleteProps(m, (LPSPropTagArray)&d, NULL);
    }
    return m->lpVtbl->SaveChanges(m, KEEP_OPEN_READWRITE);
}

/* The support object's GetLastError text for hr (why MAPI refused), into why. */
static void support_says(struct ms_store *s, HRESULT hr, const char *what, char *why, size_t cb)
{
    LPMAPIERROR e = NULL;
    if (SUCCEEDED(s->sup->lpVtbl->GetLastError(s->sup, hr, 0, &e)) && e && e->lpszError)
        snprintf(why, cb, "SubmitMessage: %s", (const char *)e->lpszError);
    else
        snprintf(why, cb, "SubmitMessage: %s failed (0x%08X)", what, (unsigned)hr);
    s->freebuf(e);
}

HRESULT ms_submit_message(struct ms_store *s, LPMESSAGE m, int *submitting, ULONG flags,
                          char *why, size_t cbwhy)
{
    HRESULT hr;
    if (FAILED(hr = ms_store_check(s)))
        return hr;
    if (flags & ~(ULONG)FORCE_SUBMIT)
        return MAPI_E_UNKNOWN_FLAGS;
    /* MAPI's part first, as the reference asks: ExpandRecips "one of the first calls"
     * (personal distribution lists replaced by their members), then PrepareSubmit (every
     * recipient resolved, none yet taken by a transport); it says how to queue */
    ULONG expand = 0, prep = 0;
    if (FAILED(hr = s->sup->lpVtbl->ExpandRecips(s->sup, m, &expand))) {
        support_says(s, hr, "ExpandRecips", why, cbwhy);
        return hr;
    }
    if (FAILED(hr = s->sup->lpVtbl->PrepareSubmit(s->sup, m, &prep))) {
        support_says(s, hr, "PrepareSubmit", why, cbwhy);
        return hr;
    }
    SPropValue v[3];
    memset(v, 0, sizeof v);
    SizedSPropTagArray(1, t) = {1, {PR_MESSAGE_FLAGS}};
    ULONG c = 0;
    LPSPropValue cur = NULL;
    if (FAILED(hr = m->lpVtbl->GetProps(m, (LPSPropTagArray)&t, 0, &c, &cur)))
        return hr;
    LONG mf = cur[0].ulPropTag == PR_MESSAGE_FLAGS ? cur[0].Value.l : 0;
    s->freebuf(cur);
    sqlite3_int64 ft = now_filetime();
    v[0].ulPropTag = PR_MESSAGE_FLAGS;
    v[0].Value.l = mf | MSGFLAG_SUBMIT | MSGFLAG_UNSENT;
    v[1].ulPropTag = PR_SUBMIT_FLAGS;
    /* PrepareSubmit's NEEDS_PREPROCESSING: the spooler runs the preprocessors first */
    v[1].Value.l = (prep & NEEDS_PREPROCESSING) ? SUBMITFLAG_PREPROCESS : 0;
    v[2].ulPropTag = PR_CLIENT_SUBMIT_TIME;
    v[2].Value.ft.dwLowDateTime = (DWORD)ft;
    v[2].Value.ft.dwHighDateTime = (DWORD)((unsigned long long)ft >> 32);
    if (FAILED(hr = m->lpVtbl->SetProps(m, 3, v, NULL)))
        return hr;
    /* saved with its queue row in one transaction; closed for writing, as MAPI says */
    *submitting = 1;
    hr = m->lpVtbl->SaveChanges(m, 0);
    *submitting = 0;
    if (FAILED(hr))
        return hr;
    /* the spooler's outgoing-queue scan picks it up; tell it to look now */
    s->sup->lpVtbl->SpoolerNotify(s->sup, NOTIFY_READYTOSEND, NULL);
    return S_OK;
}

HRESULT ms_store_outgoing_queue(struct ms_store *s, ULONG flags, LPMAPITABLE *out)
{
    SizedSPropTagArray(5, cols) = {5, {PR_INSTANCE_KEY, PR_ENTRYID, PR_CLIENT_SUBMIT_TIME,
                                       PR_SUBMIT_FLAGS, PR_MESSAGE_FLAGS}};
    LPTABLEDATA td = NULL;
    HRESULT hr;
    if (FAILED(hr = ms_store_check(s)))
        return hr;
    if (flags & ~(ULONG)MAPI_UNICODE)
        return MAPI_E_UNKNOWN_FLAGS;
    if ((hr = CreateTable(&IID_IMAPITableData, s->alloc, s->more, s->freebuf, NULL,
                          TBLTYPE_SNAPSHOT, PR_INSTANCE_KEY, (LPSPropTagArray)&cols, &td)) != S_OK)
        return hr;
    pthread_mutex_lock(&s->db->lock);
    /* locks of spoolers that died are free again (a failure leaves them shown as locked) */
    ms_lock_reclaim(s->db, 0);
    sqlite3_stmt *st = ms_db_stmt(s->db,
                                  "SELECT o.msg, o.submitted, o.locked, m.flags FROM outgoing o"
                                  " JOIN messages m ON m.id = o.msg ORDER BY o.submitted, o.msg");
    while (st && SUCCEEDED(hr) && sqlite3_step(st) == SQLITE_ROW) {
        SPropValue v[5];
        BYTE eid[MS_EID_OBJECT];
        sqlite3_int64 id = sqlite3_column_int64(st, 0), ft = sqlite3_column_int64(st, 1);
        memset(v, 0, sizeof v);
        ms_eid_object(&s->db->uid, MAPI_MESSAGE, id, eid);
        v[0].ulPropTag = PR_INSTANCE_KEY;
        v[0].Value.bin.cb = sizeof id;
        v[0].Value.bin.lpb = (LPBYTE)&id;
        v[1].ulPropTag = PR_ENTRYID;
        v[1].Value.bin.cb = MS_EID_OBJECT;
        v[1].Value.bin.lpb = eid;
        v[2].ulPropTag = PR_CLIENT_SUBMIT_TIME;
        v[2].Value.ft.dwLowDateTime = (DWORD)ft;
        v[2].Value.ft.dwHighDateTime = (DWORD)((unsigned long long)ft >> 32);
        v[3].ulPropTag = PR_SUBMIT_FLAGS;
        v[3].Value.l = sqlite3_column_int(st, 2) ? SUBMITFLAG_LOCKED : 0;
        v[4].ulPropTag = PR_MESSAGE_FLAGS;
        v[4].Value.l = sqlite3_column_int(st, 3);
        SRow r = {0, 5, v};
        hr = td->lpVtbl->HrModifyRow(td, &r);
    }
    if (st)
        sqlite3_reset(st);
    else
        hr = MAPI_E_CALL_FAILED;
    pthread_mutex_unlock(&s->db->lock);
    if (SUCCEEDED(hr))
        hr = td->lpVtbl->HrGetView(td, NULL, NULL, 0, out);
    td->lpVtbl->Release(td);
    return hr;
}

/* One UPDATE/DELETE on the queue row of msg: MAPI_E_NOT_IN_QUEUE when it has none. */
static HRESULT queue_exec(struct ms_store *s, const char *sql, sqlite3_int64 msg, int arg)
{
    pthread_mutex_lock(&s->db->lock);
    sqlite3_stmt *st = ms_db_stmt(s->db, sql);
    int rc = SQLITE_ERROR, changed = 0;
    if (st) {
        sqlite3_bind_int64(st, 1, msg);
        if (sqlite3_bind_parameter_count(st) > 1)
            sqlite3_bind_int(st, 2, arg);
        rc = sqlite3_step(st);
        changed = sqlite3_changes(s->db->db);
        sqlite3_reset(st);
    }
    pthread_mutex_unlock(&s->db->lock);
    if (rc != SQLITE_DONE)
        return ms_db_hr(rc) == S_OK ? MAPI_E_CALL_FAILED : ms_db_hr(rc);
    return changed ? S_OK : MAPI_E_NOT_IN_QUEUE;
}

HRESULT ms_store_set_lock_state(struct ms_store *s, LPMESSAGE m, ULONG state)
{
    HRESULT hr;
    if (FAILED(hr = ms_store_check(s)))
        return hr;
    if (state != MSG_LOCKED && state != MSG_UNLOCKED)
        return MAPI_E_INVALID_PARAMETER;
    sqlite3_int64 id = message_id_of(s, m);
    if (!id)
        return MAPI_E_INVALID_PARAMETER;
    if (state == MSG_UNLOCKED)
        return queue_exec(s, "UPDATE outgoing SET locked = 0, owner = NULL WHERE msg = ?", id, 0);
    /* Locked: by this connection, unless a holder that still runs has it. One transaction, so
     * that two spoolers (two processes) never both take it. */
    char me[160];
    ms_lock_owner(s->db, me, sizeof me);
    pthread_mutex_lock(&s->db->lock);
    int rc = ms_db_begin(s->db);
    if (rc == SQLITE_OK)
        rc = ms_lock_reclaim(s->db, id);
    sqlite3_stmt *st = rc == SQLITE_OK ? ms_db_stmt(s->db, "UPDATE outgoing SET locked = 1, "
                                                           "owner = ?2 WHERE msg = ?1 AND "
                                                           "(locked = 0 OR owner = ?2)")
                                       : NULL;
    int changed = 0;
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_text(st, 2, me, -1, SQLITE_STATIC);
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(s->db->db);
        changed = sqlite3_changes(s->db->db);
        sqlite3_reset(st);
    } else if (rc == SQLITE_OK) {
        rc = sqlite3_errcode(s->db->db);
    }
    int queued = changed;
    if (rc == SQLITE_OK && !changed) {
        st = ms_db_stmt(s->db, "SELECT 1 FROM outgoing WHERE msg = ?");
        if (st) {
            sqlite3_bind_int64(st, 1, id);
            queued = sqlite3_step(st) == SQLITE_ROW;
            sqlite3_reset(st);
        }
    }
    rc = ms_db_end(s->db, rc);
    pthread_mutex_unlock(&s->db->lock);
    if (rc != SQLITE_OK)
        return ms_db_hr(rc) == S_OK ? MAPI_E_CALL_FAILED : ms_db_hr(rc);
    if (!changed)
        return queued ? MAPI_E_BUSY : MAPI_E_NOT_IN_QUEUE;
    return S_OK;
}

HRESULT ms_store_finished_msg(struct ms_store *s, ULONG flags, ULONG cb, LPENTRYID eid)
{
    HRESULT hr;
    (void)flags;
    if (FAILED(hr = ms_store_check(s)))
        return hr;
    sqlite3_int64 id = message_id(s, cb, eid);
    if (!id)
        return MAPI_E_INVALID_ENTRYID;
    LPUNKNOWN u = NULL;
    ULONG type = 0;
    if (FAILED(hr = ms_store_open(s, MAPI_MESSAGE, id, NULL, MAPI_MODIFY, &type, &u)))
        return hr;
    LPMESSAGE m = (LPMESSAGE)u;
    /* sent: out of the queue, no longer unsent; then MAPI moves or deletes it */
    if (SUCCEEDED(hr = queue_exec(s, "DELETE FROM outgoing WHERE msg = ?", id, 0)) ||
        hr == MAPI_E_NOT_IN_QUEUE)
        hr = change_flags(m, MSGFLAG_READ, MSGFLAG_SUBMIT | MSGFLAG_UNSENT, s->alloc, s->freebuf);
    if (SUCCEEDED(hr))
        hr = s->sup->lpVtbl->DoSentMail(s->sup, 0, m);
    m->lpVtbl->Release(m);
    return hr;
}

HRESULT ms_store_abort_submit(struct ms_store *s, ULONG cb, LPENTRYID eid, ULONG flags)
{
    HRESULT hr;
    (void)flags;
    if (FAILED(hr = ms_store_check(s)))
        return hr;
    sqlite3_int64 id = message_id(s, cb, eid);
    if (!id)
        return MAPI_E_INVALID_ENTRYID;
    /* a message the spooler holds cannot be taken back (one whose spooler died can) */
    pthread_mutex_lock(&s->db->lock);
    ms_lock_reclaim(s->db, id);
    pthread_mutex_unlock(&s->db->lock);
    hr = queue_exec(s, "DELETE FROM outgoing WHERE msg = ? AND locked = 0", id, 0);
    if (hr == MAPI_E_NOT_IN_QUEUE) {
        int locked = queue_exec(s, "UPDATE outgoing SET locked = locked WHERE msg = ?", id, 0) ==
                     S_OK;
        return locked ? MAPI_E_UNABLE_TO_ABORT : MAPI_E_NOT_IN_QUEUE;
    }
    if (FAILED(hr))
        return hr;
    LPUNKNOWN u = NULL;
    ULONG type = 0;
    if (SUCCEEDED(ms_store_open(s, MAPI_MESSAGE, id, NULL, MAPI_MODIFY, &type, &u))) {
        change_flags((LPMESSAGE)u, 0, MSGFLAG_SUBMIT, s->alloc, s->freebuf);
        u->lpVtbl->Release(u);
    }
    return S_OK;
}

HRESULT ms_store_notify_new_mail(struct ms_store *s, LPNOTIFICATION n)
{
    HRESULT hr;
    if (FAILED(hr = ms_store_check(s)))
        return hr;
    if (!n || n->ulEventType != fnevNewMail)
        return MAPI_E_INVALID_PARAMETER;
    sqlite3_int64 folder = 0;
    ms_eid e;
    if (n->info.newmail.lpParentID &&
        SUCCEEDED(ms_eid_parse(n->info.newmail.cbParentID, n->info.newmail.lpParentID, &e)) &&
        e.type == MAPI_FOLDER)
        folder = e.id;
    /* to the other processes' subscribers (the class as UTF-8) */
    sqlite3_int64 msg = 0;
    if (n->info.newmail.lpEntryID &&
        SUCCEEDED(ms_eid_parse(n->info.newmail.cbEntryID, n->info.newmail.lpEntryID, &e)) &&
        e.type == MAPI_MESSAGE)
        msg = e.id;
    if (msg) {
        LPSTR cls = NULL;
        if (n->info.newmail.lpszMessageClass && (n->info.newmail.ulFlags & MAPI_UNICODE) &&
            FAILED(mapirt_str_w_to_a((const WCHAR *)n->info.newmail.lpszMessageClass, NULL,
                                     &cls)))
            cls = NULL;
        ms_xproc_newmail(s, msg, folder, n->info.newmail.ulFlags, n->info.newmail.ulMessageFlags,
                         cls ? cls
                         : (n->info.newmail.ulFlags & MAPI_UNICODE)
                             ? NULL
                             : (const char *)n->info.newmail.lpszMessageClass);
        MAPIFreeBuffer(cls);
    }
    /* to the store's subscribers and the folder's */
    sqlite3_int64 ids[3] = {MS_OBJ_STORE, folder, 0};
    ms_store_notify(s, ids, 1, n);
    return S_OK;
}

HRESULT ms_read_receipt(struct ms_store *s, LPMESSAGE m, ULONG flags, char *why, size_t cbwhy)
{
    LPUNKNOWN u = NULL;
    ULONG type = 0;
    LPMESSAGE empty = NULL;
    /* the report is written in the Outbox, which it leaves when sent (PR_DELETE_AFTER_SUBMIT) */
    HRESULT hr = ms_store_open(s, MAPI_FOLDER, MS_OBJ_OUTBOX, NULL, MAPI_MODIFY, &type, &u);
    if (SUCCEEDED(hr))
        hr = ((LPMAPIFOLDER)u)->lpVtbl->CreateMessage((LPMAPIFOLDER)u, NULL, 0, &empty);
    if (FAILED(hr))
        snprintf(why, cbwhy, "SetReadFlag: the Outbox cannot take the read receipt (0x%08X)",
                 (unsigned)hr);
    else if (FAILED(hr = s->sup->lpVtbl->ReadReceipt(s->sup, flags, m, &empty)))
        support_says(s, hr, "ReadReceipt", why, cbwhy);
    if (empty)
        empty->lpVtbl->Release(empty);
    if (u)
        u->lpVtbl->Release(u);
    return hr;
}
