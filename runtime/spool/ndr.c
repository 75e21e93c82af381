/* ndr.c: non-delivery reports and new-mail notifications (spool.h).
 *
 * A report is a REPORT.IPM.Note.NDR message in the receive folder of that class (the Inbox
 * unless one is set), from "MAPI Spooler", subject "Undeliverable: <subject>", its recipients
 * those of the original that were not delivered, each with PR_NDR_REASON_CODE
 * (MAPI_REASON_TRANSFER_IMPOSSIBLE), PR_NDR_DIAG_CODE and PR_REPORT_TEXT saying why; the body
 * lists them for a person. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <mapiutil.h>

#include <mapirt/alloc.h>

#include "session/session_internal.h"
#include "spool.h"

/* MS-OXCMSG / the MAPI reference (MinGW's headers lack them). */
#ifndef MAPI_REASON_TRANSFER_IMPOSSIBLE
#define MAPI_REASON_TRANSFER_IMPOSSIBLE 1
#endif

static FILETIME now_ft(void)
{
    unsigned long long t = ((unsigned long long)time(NULL) + 11644473600ULL) * 10000000ULL;
    FILETIME ft = {(DWORD)t, (DWORD)(t >> 32)};
    return ft;
}

static char *get_str(LPMESSAGE m, ULONG tag_a)
{
    SizedSPropTagArray(1, t) = {1, {tag_a}};
    ULONG c = 0;
    LPSPropValue v = NULL;
    char *s = NULL;
    if (SUCCEEDED(m->lpVtbl->GetProps(m, (LPSPropTagArray)&t, 0, &c, &v)) &&
        v[0].ulPropTag == tag_a)
        s = mapirt_strdup(v[0].Value.lpszA);
    MAPIFreeBuffer(v);
    return s;
}

static const char *row_name(const SRow *r)
{
    for (ULONG i = 0; i < r->cValues; i++)
        if (r->lpProps[i].ulPropTag == PR_DISPLAY_NAME_A)
            return r->lpProps[i].Value.lpszA;
    return "(no name)";
}

static const char *row_addr(const SRow *r)
{
    for (ULONG i = 0; i < r->cValues; i++)
        if (r->lpProps[i].ulPropTag == PR_EMAIL_ADDRESS_A)
            return r->lpProps[i].Value.lpszA;
    return "";
}

HRESULT mapirt_spool_ndr(LPMDB mdb, LPMESSAGE msg, LPSRowSet rows, const char *const *why,
                         char *err, size_t cberr)
{
    ULONG cb = 0, type = 0;
    LPENTRYID eid = NULL;
    LPMAPIFOLDER f = NULL;
    LPMESSAGE r = NULL;
    HRESULT hr = mdb->lpVtbl->GetReceiveFolder(mdb, (LPTSTR) "REPORT.IPM.Note.NDR", 0, &cb, &eid,
                                                NULL);
    if (SUCCEEDED(hr))
        hr = mdb->lpVtbl->OpenEntry(mdb, cb, eid, NULL, MAPI_MODIFY, &type, (LPUNKNOWN *)&f);
    MAPIFreeBuffer(eid);
    if (SUCCEEDED(hr))
        hr = f->lpVtbl->CreateMessage(f, NULL, 0, &r);
    if (FAILED(hr)) {
        snprintf(err, cberr, "the receive folder for reports cannot take one (0x%08X)",
                 (unsigned)hr);
        if (f)
            f->lpVtbl->Release(f);
        return hr;
    }
    char *subject = get_str(msg, PR_SUBJECT_A), *cls = get_str(msg, PR_MESSAGE_CLASS_A);
    char rsubject[1024], body[8192];
    snprintf(rsubject, sizeof rsubject, "Undeliverable: %s", subject ? subject : "");
    size_t n = (size_t)snprintf(body, sizeof body,
                                "Your message \"%s\" did not reach these recipients:\n\n",
                                subject ? subject : "");
    ULONG nfail = 0;
    for (ULONG i = 0; i < rows->cRows; i++)
        if (why[i]) {
            nfail++;
            if (n < sizeof body)
                n += (size_t)snprintf(body + n, sizeof body - n, "  %s <%s>: %s\n",
                                      row_name(&rows->aRow[i]), row_addr(&rows->aRow[i]), why[i]);
        }
    FILETIME now = now_ft();
    SPropValue v[12];
    ULONG k = 0;
    memset(v, 0, sizeof v);
    v[k].ulPropTag = PR_MESSAGE_CLASS_A;
    v[k++].Value.lpszA = "REPORT.IPM.Note.NDR";
    v[k].ulPropTag = PR_SUBJECT_A;
    v[k++].Value.lpszA = rsubject;
    v[k].ulPropTag = PR_ORIGINAL_SUBJECT_A;
    v[k++].Value.lpszA = subject ? subject : "";
    v[k].ulPropTag = PR_ORIG_MESSAGE_CLASS_A;
    v[k++].Value.lpszA = cls ? cls : "IPM.Note";
    v[k].ulPropTag = PR_BODY_A;
    v[k++].Value.lpszA = body;
    v[k].ulPropTag = PR_REPORT_TEXT_A;
    v[k++].Value.lpszA = body;
    v[k].ulPropTag = PR_SENDER_NAME_A;
    v[k++].Value.lpszA = "MAPI Spooler";
    v[k].ulPropTag = PR_MESSAGE_FLAGS;
    v[k++].Value.l = 0;
    v[k].ulPropTag = PR_REPORT_TIME;
    v[k++].Value.ft = now;
    v[k].ulPropTag = PR_MESSAGE_DELIVERY_TIME;
    v[k++].Value.ft = now;
    v[k].ulPropTag = PR_CLIENT_SUBMIT_TIME;
    v[k++].Value.ft = now;
    hr = r->lpVtbl->SetProps(r, k, v, NULL);
    /* the undelivered recipients, each with its reason */
    LPADRLIST al = NULL;
    if (SUCCEEDED(hr))
        hr = MAPIAllocateBuffer(CbNewADRLIST(nfail), (void **)&al);
    if (SUCCEEDED(hr)) {
        memset(al, 0, CbNewADRLIST(nfail));
        for (ULONG i = 0; i < rows->cRows && SUCCEEDED(hr); i++) {
            if (!why[i])
                continue;
            const SRow *row = &rows->aRow[i];
            ADRENTRY *e = &al->aEntries[al->cEntries];
            if (FAILED(hr = MAPIAllocateBuffer((row->cValues + 3) * sizeof(SPropValue),
                                               (void **)&e->rgPropVals)))
                break;
            al->cEntries++;
            ULONG m = 0;
            for (ULONG j = 0; j < row->cValues; j++) {
                ULONG tag = row->lpProps[j].ulPropTag;
                /* a reason a transport gave (StatusRecips) is kept, else the spooler's */
                if (PROP_TYPE(tag) == PT_ERROR || tag == PR_ROWID || tag == PR_INSTANCE_KEY ||
                    tag == PR_RESPONSIBILITY || PROP_ID(tag) == PROP_ID(PR_REPORT_TEXT))
                    continue;
                e->rgPropVals[m++] = row->lpProps[j]; /* values still point into rows */
            }
            if (!PpropFindProp(row->lpProps, row->cValues, PR_NDR_REASON_CODE)) {
                e->rgPropVals[m].ulPropTag = PR_NDR_REASON_CODE;
                e->rgPropVals[m++].Value.l = MAPI_REASON_TRANSFER_IMPOSSIBLE;
            }
            if (!PpropFindProp(row->lpProps, row->cValues, PR_NDR_DIAG_CODE)) {
                e->rgPropVals[m].ulPropTag = PR_NDR_DIAG_CODE;
                e->rgPropVals[m++].Value.l = MAPI_DIAG_NO_DIAGNOSTIC;
            }
            e->rgPropVals[m].ulPropTag = PR_REPORT_TEXT_A;
            e->rgPropVals[m++].Value.lpszA = (LPSTR)why[i];
            e->cValues = m;
        }
        if (SUCCEEDED(hr))
            hr = r->lpVtbl->ModifyRecipients(r, MODRECIP_ADD, al);
        FreePadrlist(al);
    }
    if (SUCCEEDED(hr))
        hr = r->lpVtbl->SaveChanges(r, KEEP_OPEN_READWRITE);
    if (SUCCEEDED(hr))
        mapirt_spool_newmail(mdb, r);
    else
        snprintf(err, cberr, "writing the report failed (0x%08X)", (unsigned)hr);
    mapirt_free(subject);
    mapirt_free(cls);
    r->lpVtbl->Release(r);
    f->lpVtbl->Release(f);
    return hr;
}

void mapirt_spool_newmail(LPMDB mdb, LPMESSAGE msg)
{
    SizedSPropTagArray(4, t) = {4, {PR_ENTRYID, PR_PARENT_ENTRYID, PR_MESSAGE_CLASS_A,
                                    PR_MESSAGE_FLAGS}};
    ULONG c = 0;
    LPSPropValue v = NULL;
    if (FAILED(msg->lpVtbl->GetProps(msg, (LPSPropTagArray)&t, 0, &c, &v)) ||
        v[0].ulPropTag != PR_ENTRYID) {
        MAPIFreeBuffer(v);
        return;
    }
    NOTIFICATION n;
    memset(&n, 0, sizeof n);
    n.ulEventType = fnevNewMail;
    n.info.newmail.cbEntryID = v[0].Value.bin.cb;
    n.info.newmail.lpEntryID = (LPENTRYID)v[0].Value.bin.lpb;
    if (v[1].ulPropTag == PR_PARENT_ENTRYID) {
        n.info.newmail.cbParentID = v[1].Value.bin.cb;
        n.info.newmail.lpParentID = (LPENTRYID)v[1].Value.bin.lpb;
    }
    n.info.newmail.lpszMessageClass =
        (LPTSTR)(v[2].ulPropTag == PR_MESSAGE_CLASS_A ? v[2].Value.lpszA : "IPM.Note");
    n.info.newmail.ulMessageFlags = v[3].ulPropTag == PR_MESSAGE_FLAGS ? v[3].Value.ul : 0;
    mdb->lpVtbl->NotifyNewMail(mdb, &n);
    MAPIFreeBuffer(v);
}
