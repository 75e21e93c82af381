/* sentmail.c: IMAPISupport::PrepareSubmit and DoSentMail, MAPI's part of a store's
 * SubmitMessage and FinishedMsg (spool.h).
 *
 * DoSentMail: PR_DELETE_AFTER_SUBMIT true deletes the message; else PR_SENTMAIL_ENTRYID moves
 * it into that folder; else it stays where it is (MAPI's documented order). The move is the
 * folder's CopyMessages(MESSAGE_MOVE); a store whose folders cannot move (MAPI_E_NO_SUPPORT)
 * gets a copy made through the public interfaces (properties, recipients, attachments) and
 * then the original deleted — and when anything of the copy fails, nothing is deleted. */
#include <stdio.h>
#include <string.h>

#include <mapiutil.h>

#include "session/session_internal.h"
#include "spool.h"

HRESULT mapirt_spool_prepare_submit(mapirt_sess *s, LPMESSAGE msg, ULONG *flags, char *err,
                                    size_t cberr)
{
    (void)s;
    if (!msg || !flags) {
        snprintf(err, cberr, "PrepareSubmit: no message or no flags");
        return MAPI_E_INVALID_PARAMETER;
    }
    *flags = 0; /* no preprocessor is registered: nothing to preprocess */
    LPMAPITABLE t = NULL;
    ULONG n = 0;
    HRESULT hr = msg->lpVtbl->GetRecipientTable(msg, 0, &t);
    if (SUCCEEDED(hr)) {
        hr = t->lpVtbl->GetRowCount(t, 0, &n);
        t->lpVtbl->Release(t);
    }
    if (FAILED(hr)) {
        snprintf(err, cberr, "PrepareSubmit: the message's recipients cannot be read");
        return hr;
    }
    if (n == 0) {
        snprintf(err, cberr, "PrepareSubmit: the message has no recipients");
        return MAPI_E_NO_RECIPIENTS;
    }
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

/* Copies the properties, recipients and attachments of from into to (not saved). */
static HRESULT copy_message(LPMESSAGE from, LPMESSAGE to, char *err, size_t cberr)
{
    ULONG c = 0;
    LPSPropValue v = NULL;
    HRESULT hr = from->lpVtbl->GetProps(from, NULL, 0, &c, &v);
    if (FAILED(hr)) {
        snprintf(err, cberr, "DoSentMail: the message's properties cannot be read");
        return hr;
    }
    for (ULONG i = 0; i < c; i++) {
        if (PROP_TYPE(v[i].ulPropTag) != PT_ERROR)
            continue;
        /* too big for GetProps: copied as a stream, or the copy fails (nothing is lost) */
        ULONG tag = v[i].ulPropTag;
        LPSTREAM a = NULL, b = NULL;
        ULONG ids[] = {PROP_TAG(PT_BINARY, PROP_ID(tag)), PROP_TAG(PT_UNICODE, PROP_ID(tag)),
                       PROP_TAG(PT_STRING8, PROP_ID(tag))};
        HRESULT sh = MAPI_E_NOT_FOUND;
        for (int k = 0; k < 3 && FAILED(sh); k++) {
            sh = from->lpVtbl->OpenProperty(from, ids[k], &IID_IStream, 0, 0, (LPUNKNOWN *)&a);
            if (SUCCEEDED(sh)) {
                sh = to->lpVtbl->OpenProperty(to, ids[k], &IID_IStream, 0,
                                              MAPI_CREATE | MAPI_MODIFY, (LPUNKNOWN *)&b);
                if (SUCCEEDED(sh)) {
                    ULARGE_INTEGER all = {.QuadPart = ~0ULL};
                    sh = a->lpVtbl->CopyTo(a, b, all, NULL, NULL);
                    if (SUCCEEDED(sh))
                        sh = b->lpVtbl->Commit(b, 0);
                    b->lpVtbl->Release(b);
                }
                a->lpVtbl->Release(a);
            }
        }
        if (FAILED(sh) && v[i].Value.err == MAPI_E_NOT_ENOUGH_MEMORY) {
            MAPIFreeBuffer(v);
            snprintf(err, cberr, "DoSentMail: property 0x%04X is too big to copy and the store "
                                 "gives no stream of it", (unsigned)PROP_ID(tag));
            return sh;
        }
    }
    LPSPropProblemArray probs = NULL;
    hr = to->lpVtbl->SetProps(to, c, v, &probs); /* computed ones are refused: as wanted */
    MAPIFreeBuffer(probs);
    MAPIFreeBuffer(v);
    if (FAILED(hr)) {
        snprintf(err, cberr, "DoSentMail: the copy refused the properties");
        return hr;
    }
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    if (SUCCEEDED(hr = from->lpVtbl->GetRecipientTable(from, 0, &t))) {
        hr = HrQueryAllRows(t, NULL, NULL, NULL, 0, &rows);
        t->lpVtbl->Release(t);
    }
    if (SUCCEEDED(hr) && rows->cRows)
        hr = to->lpVtbl->ModifyRecipients(to, MODRECIP_ADD, (LPADRLIST)rows);
    if (rows)
        FreeProws(rows);
    if (FAILED(hr)) {
        snprintf(err, cberr, "DoSentMail: the recipients could not be copied");
        return hr;
    }
    LPMAPITABLE at = NULL;
    hr = from->lpVtbl->GetAttachmentTable(from, 0, &at);
    if (hr == MAPI_E_NO_SUPPORT)
        return S_OK; /* a store without attachments has none to copy */
    if (SUCCEEDED(hr)) {
        ULONG n = 0;
        hr = at->lpVtbl->GetRowCount(at, 0, &n);
        at->lpVtbl->Release(at);
        if (SUCCEEDED(hr) && n) {
            SizedSPropTagArray(1, only) = {1, {PR_MESSAGE_ATTACHMENTS}};
            hr = from->lpVtbl->CopyProps(from, (LPSPropTagArray)&only, 0, NULL, &IID_IMessage,
                                         to, 0, NULL);
        }
    }
    if (FAILED(hr))
        snprintf(err, cberr, "DoSentMail: the attachments could not be copied");
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
            LPMESSAGE copy = NULL;
            hr = dst->lpVtbl->CreateMessage(dst, NULL, 0, &copy);
            if (SUCCEEDED(hr)) {
                hr = copy_message(msg, copy, err, cberr);
                if (SUCCEEDED(hr))
                    hr = copy->lpVtbl->SaveChanges(copy, 0);
                copy->lpVtbl->Release(copy);
            }
            del = SUCCEEDED(hr); /* copied whole: now the original goes */
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
