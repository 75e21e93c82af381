/* sentmail.c: IMAPISupport::PrepareSubmit and DoSentMail, MAPI's part of a store's
 * SubmitMessage and FinishedMsg (spool.h).
 *
 * PrepareSubmit: a message without recipients is MAPI_E_NO_RECIPIENTS; a recipient without
 * PR_ENTRYID (not resolved) is MAPI_E_NOT_FOUND, as IAddrBook::ResolveName answers for one it
 * cannot resolve, and the message is left as it was. Otherwise every recipient gets
 * PR_RESPONSIBILITY FALSE and loses MAPI_SUBMITTED, and the message PR_CLIENT_SUBMIT_TIME;
 * *flags is NEEDS_PREPROCESSING when a recipient's address type has a registered preprocessor
 * (the store then queues it with SUBMITFLAG_PREPROCESS; preproc.c runs them).
 *
 * DoSentMail: PR_DELETE_AFTER_SUBMIT true deletes the message; else PR_SENTMAIL_ENTRYID moves
 * it into that folder; else it stays where it is (MAPI's documented order). The move is the
 * folder's CopyMessages(MESSAGE_MOVE); a store whose folders cannot move (MAPI_E_NO_SUPPORT)
 * gets MAPI's generic move (supcopy.c: a copy through the public interfaces, properties, big
 * ones by stream, recipients, attachments, then the original deleted); when anything of the
 * copy fails, nothing is deleted. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <mapiutil.h>

#include <mapirt/alloc.h>

#include "session/session_internal.h"
#include "spool.h"

/* Every recipient with all its properties (TBL_ALL_COLUMNS): MODRECIP_MODIFY replaces a
 * recipient's properties with the row given, so a row of the default columns would lose the
 * rest. A table that cannot list its columns gives its default ones. */
static HRESULT whole_recipients(LPMESSAGE msg, LPSRowSet *rows)
{
    LPMAPITABLE t = NULL;
    HRESULT hr = msg->lpVtbl->GetRecipientTable(msg, 0, &t);
    if (FAILED(hr))
        return hr;
    LPSPropTagArray all = NULL;
    if (SUCCEEDED(t->lpVtbl->QueryColumns(t, TBL_ALL_COLUMNS, &all)) && all && all->cValues)
        t->lpVtbl->SetColumns(t, all, 0);
    MAPIFreeBuffer(all);
    hr = HrQueryAllRows(t, NULL, NULL, NULL, 0, rows);
    t->lpVtbl->Release(t);
    return hr;
}

HRESULT mapirt_spool_prepare_submit(mapirt_sess *s, LPMESSAGE msg, ULONG *flags, char *err,
                                    size_t cberr)
{
    if (!msg || !flags) {
        snprintf(err, cberr, "PrepareSubmit: no message or no flags");
        return MAPI_E_INVALID_PARAMETER;
    }
    LPSRowSet rows = NULL;
    HRESULT hr = whole_recipients(msg, &rows);
    if (FAILED(hr)) {
        snprintf(err, cberr, "PrepareSubmit: the message's recipients cannot be read (0x%08X)",
                 (unsigned)hr);
        return hr;
    }
    if (rows->cRows == 0) {
        FreeProws(rows);
        snprintf(err, cberr, "PrepareSubmit: the message has no recipients");
        return MAPI_E_NO_RECIPIENTS;
    }
    /* "by the time the message is sent", each recipient has its entry ID (name resolution,
     * IAddrBook::ResolveName); one without is what ResolveName calls unresolved */
    for (ULONG i = 0; i < rows->cRows; i++) {
        const SRow *r = &rows->aRow[i];
        const SPropValue *e = PpropFindProp(r->lpProps, r->cValues, PR_ENTRYID);
        if (e && e->Value.bin.cb)
            continue;
        const SPropValue *n = PpropFindProp(r->lpProps, r->cValues, PR_DISPLAY_NAME_A);
        snprintf(err, cberr, "PrepareSubmit: recipient %lu (%s) is not resolved: it has no "
                 "PR_ENTRYID (IAddrBook::ResolveName gives it one)", (unsigned long)i,
                 n && n->Value.lpszA ? n->Value.lpszA : "no name");
        FreeProws(rows);
        return MAPI_E_NOT_FOUND;
    }
    /* no transport has taken any recipient of this submission yet: PR_RESPONSIBILITY FALSE on
     * each (a resubmitted message keeps none from its last attempt), MAPI_SUBMITTED cleared.
     * Each row's new values hang off its original block, which FreeProws frees: orig keeps it */
    int pre = 0;
    for (ULONG i = 0; i < rows->cRows && !pre; i++) {
        const SPropValue *at = PpropFindProp(rows->aRow[i].lpProps, rows->aRow[i].cValues,
                                             PR_ADDRTYPE_A);
        pre = at && at->Value.lpszA && mapirt_spool_has_preprocessor(s, at->Value.lpszA);
    }
    LPSPropValue *orig = mapirt_calloc(rows->cRows, sizeof *orig);
    if (!orig)
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
    for (ULONG i = 0; SUCCEEDED(hr) && i < rows->cRows; i++) {
        SRow *r = &rows->aRow[i];
        LPSPropValue v = NULL;
        if (MAPIAllocateMore((r->cValues + 1) * sizeof *v, r->lpProps, (void **)&v) != S_OK) {
            hr = MAPI_E_NOT_ENOUGH_MEMORY;
            break;
        }
        ULONG n = 0;
        int resp = 0;
        for (ULONG k = 0; k < r->cValues; k++) {
            const SPropValue *p = &r->lpProps[k];
            if (PROP_TYPE(p->ulPropTag) == PT_ERROR)
                continue; /* a column this recipient lacks */
            v[n] = *p;
            if (p->ulPropTag == PR_RECIPIENT_TYPE)
                v[n].Value.l &= ~(LONG)MAPI_SUBMITTED;
            if (p->ulPropTag == PR_RESPONSIBILITY) {
                v[n].Value.b = FALSE;
                resp = 1;
            }
            n++;
        }
        if (!resp) {
            memset(&v[n], 0, sizeof *v);
            v[n].ulPropTag = PR_RESPONSIBILITY;
            v[n++].Value.b = FALSE;
        }
        orig[i] = r->lpProps;
        r->lpProps = v;
        r->cValues = n;
    }
    /* an SRowSet is an ADRLIST of the same layout; rows keep their PR_ROWID */
    if (SUCCEEDED(hr))
        hr = msg->lpVtbl->ModifyRecipients(msg, MODRECIP_MODIFY, (LPADRLIST)rows);
    for (ULONG i = 0; orig && i < rows->cRows; i++)
        if (orig[i])
            rows->aRow[i].lpProps = orig[i];
    mapirt_free(orig);
    FreeProws(rows);
    if (FAILED(hr)) {
        snprintf(err, cberr, "PrepareSubmit: the recipients cannot be updated (0x%08X)",
                 (unsigned)hr);
        return hr;
    }
    SPropValue when;
    memset(&when, 0, sizeof when);
    when.ulPropTag = PR_CLIENT_SUBMIT_TIME;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ULONGLONG ft = ((ULONGLONG)ts.tv_sec + 11644473600ULL) * 10000000ULL +
                   (ULONGLONG)ts.tv_nsec / 100;
    when.Value.ft.dwLowDateTime = (ULONG)ft;
    when.Value.ft.dwHighDateTime = (ULONG)(ft >> 32);
    if (FAILED(hr = msg->lpVtbl->SetProps(msg, 1, &when, NULL))) {
        snprintf(err, cberr, "PrepareSubmit: PR_CLIENT_SUBMIT_TIME cannot be set (0x%08X)",
                 (unsigned)hr);
        return hr;
    }
    /* a recipient's address type has a registered preprocessor: the spooler runs it first */
    *flags = pre ? NEEDS_PREPROCESSING : 0;
    return S_OK;
}

static HRESULT open_folder(LPMAPISUP sup_unused, mapirt_sess *s, const SBinary *eid,
                           LPMAPIFOLDER *out, char *err, size_t cberr)
{
    (void)sup_unused;
    ULONG type = 0;
    HRESULT hr = mapirt_sess_open_entry(s, eid->cb, (LPENTRYID)eid->lpb, NULL, MAPI_MODIFY,
                                        &type, (LPUNKNOWN *)out, err, cberr);
    if (SUCCEEDED(hr) && type != MAPI_FOLDER) {
        (*out)->lpVtbl->Release(*out);
        *out = NULL;
        snprintf(err, cberr, "DoSentMail: PR_SENTMAIL_ENTRYID is not a folder");
        return MAPI_E_INVALID_ENTRYID;
    }
    return hr;
}

HRESULT mapirt_spool_sent_mail(mapirt_sess *s, ULONG flags, LPMESSAGE msg, char *err,
                               size_t cberr)
{
    (void)flags;
    SizedSPropTagArray(4, t) = {4, {PR_DELETE_AFTER_SUBMIT, PR_SENTMAIL_ENTRYID, PR_ENTRYID,
                                    PR_PARENT_ENTRYID}};
    ULONG c = 0;
    LPSPropValue v = NULL;
    HRESULT hr = msg->lpVtbl->GetProps(msg, (LPSPropTagArray)&t, 0, &c, &v);
    if (FAILED(hr)) {
        snprintf(err, cberr, "DoSentMail: the message's properties cannot be read");
        return hr;
    }
    int del = v[0].ulPropTag == PR_DELETE_AFTER_SUBMIT && v[0].Value.b;
    int move = !del && v[1].ulPropTag == PR_SENTMAIL_ENTRYID;
    if ((!del && !move) || v[2].ulPropTag != PR_ENTRYID || v[3].ulPropTag != PR_PARENT_ENTRYID) {
        MAPIFreeBuffer(v);
        return S_OK; /* stays where it is */
    }
    LPMAPIFOLDER src = NULL, dst = NULL;
    SBinary one = v[2].Value.bin;
    ENTRYLIST list = {1, &one};
    hr = open_folder(NULL, s, &v[3].Value.bin, &src, err, cberr);
    if (SUCCEEDED(hr) && move)
        hr = open_folder(NULL, s, &v[1].Value.bin, &dst, err, cberr);
    if (SUCCEEDED(hr) && move) {
        hr = src->lpVtbl->CopyMessages(src, &list, NULL, dst, 0, NULL, MESSAGE_MOVE);
        if (hr == MAPI_E_NO_SUPPORT) {
            /* MAPI's generic move (supcopy.c): copied whole, then the original deleted; a
             * failed copy deletes nothing */
            hr = mapirt_copy_messages(src, &list, dst, MESSAGE_MOVE, err, cberr);
            del = 0;
        } else if (FAILED(hr))
            snprintf(err, cberr, "DoSentMail: moving to the sent-items folder failed");
    }
    if (SUCCEEDED(hr) && del &&
        FAILED(hr = src->lpVtbl->DeleteMessages(src, &list, 0, NULL, 0)))
        snprintf(err, cberr, "DoSentMail: deleting the sent message failed");
    if (src)
        src->lpVtbl->Release(src);
    if (dst)
        dst->lpVtbl->Release(dst);
    MAPIFreeBuffer(v);
    return hr;
}
