/* runtime/session/supcopy.c: MAPI's generic copies, which store providers call instead of
 * writing their own (IMAPISupport::DoCopyTo, DoCopyProps, CopyMessages, CopyFolder). They work
 * through the objects' public interfaces only, so any provider's objects (or two providers'
 * objects) can be copied; no progress is shown (the progress object and MAPI_DIALOG are
 * accepted and not used).
 *
 *   DoCopyProps  GetProps of the included properties, SetProps on the destination (with
 *                MAPI_NOREPLACE the destination's existing properties stay), DeleteProps on the
 *                source with MAPI_MOVE; problems come back in one SPropProblemArray.
 *   DoCopyTo     every property of GetPropList but the excluded ones and PT_OBJECT ones, as
 *                DoCopyProps; an IMessage source also copies its recipients (unless
 *                PR_MESSAGE_RECIPIENTS is excluded). Attachments are not copied (docs/sessions.md).
 *   CopyMessages each message: OpenEntry in the source, CreateMessage in the destination,
 *                IMessage::CopyTo, SaveChanges; MESSAGE_MOVE then deletes the sources.
 *   CopyFolder   CreateFolder (OPEN_IF_EXISTS) under the destination, the folder's messages
 *                with CopyMessages, its subfolders with COPY_SUBFOLDERS, then FOLDER_MOVE
 *                deletes the source folder. */
#include <stdio.h>
#include <string.h>

#include <mapicode.h>
#include <mapiguid.h>
#include <mapiutil.h>
#include <mapix.h>

#include <mapirt/alloc.h>

#include "session_internal.h"

static int tag_in(const SPropTagArray *t, ULONG tag)
{
    for (ULONG i = 0; t && i < t->cValues; i++)
        if (PROP_ID(t->aulPropTag[i]) == PROP_ID(tag))
            return 1;
    return 0;
}

static int iid_in(ULONG n, LPCIID list, const IID *iid)
{
    for (ULONG i = 0; list && i < n; i++)
        if (IsEqualIID(&list[i], iid))
            return 1;
    return 0;
}

/* The recipients of src added to dest. */
static HRESULT copy_recips(LPMESSAGE src, LPMESSAGE dest)
{
    LPMAPITABLE t = NULL;
    HRESULT hr = src->lpVtbl->GetRecipientTable(src, 0, &t);
    if (FAILED(hr))
        return hr;
    LPSRowSet rows = NULL;
    hr = HrQueryAllRows(t, NULL, NULL, NULL, 0, &rows);
    t->lpVtbl->Release(t);
    if (FAILED(hr))
        return hr;
    /* an SRowSet is an ADRLIST with the same layout */
    if (rows->cRows)
        hr = dest->lpVtbl->ModifyRecipients(dest, MODRECIP_ADD, (LPADRLIST)rows);
    FreeProws(rows);
    return hr;
}

static HRESULT copy_values(LPMAPIPROP src, LPSPropTagArray tags, LPMAPIPROP dest, ULONG ulFlags,
                           LPSPropProblemArray *lppProblems, char *err, size_t cberr)
{
    ULONG n = 0;
    LPSPropValue v = NULL;
    HRESULT hr = src->lpVtbl->GetProps(src, tags, 0, &n, &v);
    if (FAILED(hr)) {
        snprintf(err, cberr, "the source's GetProps failed (0x%08X)", (unsigned)hr);
        return hr;
    }
    /* PT_ERROR values (absent, too big) are not copied; MAPI_NOREPLACE keeps the destination's */
    LPSPropValue have = NULL;
    ULONG nh = 0;
    if ((ulFlags & MAPI_NOREPLACE) && FAILED(dest->lpVtbl->GetProps(dest, tags, 0, &nh, &have)))
        have = NULL;
    ULONG k = 0;
    for (ULONG i = 0; i < n; i++) {
        if (PROP_TYPE(v[i].ulPropTag) == PT_ERROR)
            continue;
        if (have && i < nh && PROP_TYPE(have[i].ulPropTag) != PT_ERROR)
            continue;
        v[k++] = v[i];
    }
    MAPIFreeBuffer(have);
    LPSPropProblemArray probs = NULL;
    hr = k ? dest->lpVtbl->SetProps(dest, k, v, &probs) : S_OK;
    if (FAILED(hr))
        snprintf(err, cberr, "the destination's SetProps failed (0x%08X)", (unsigned)hr);
    if (SUCCEEDED(hr) && (ulFlags & MAPI_MOVE) && k) {
        LPSPropTagArray del = NULL;
        if (MAPIAllocateBuffer(CbNewSPropTagArray(k), (void **)&del) == S_OK) {
            del->cValues = k;
            for (ULONG i = 0; i < k; i++)
                del->aulPropTag[i] = v[i].ulPropTag;
            src->lpVtbl->DeleteProps(src, del, NULL);
            MAPIFreeBuffer(del);
        }
    }
    MAPIFreeBuffer(v);
    if (lppProblems)
        *lppProblems = probs;
    else
        MAPIFreeBuffer(probs);
    return hr;
}

HRESULT mapirt_do_copy_props(LPCIID lpSrcInterface, LPVOID lpSrcObj,
                             LPSPropTagArray lpIncludeProps, LPCIID lpDestInterface,
                             LPVOID lpDestObj, ULONG ulFlags, LPSPropProblemArray *lppProblems,
                             char *err, size_t cberr)
{
    (void)lpSrcInterface;
    (void)lpDestInterface; /* every interface copied here derives from IMAPIProp */
    if (lppProblems)
        *lppProblems = NULL;
    if (lpSrcObj == lpDestObj) {
        snprintf(err, cberr, "an object cannot be copied onto itself");
        return MAPI_E_NO_ACCESS;
    }
    return copy_values(lpSrcObj, lpIncludeProps, lpDestObj, ulFlags, lppProblems, err, cberr);
}

HRESULT mapirt_do_copy_to(LPCIID lpSrcInterface, LPVOID lpSrcObj, ULONG ciidExclude,
                          LPCIID rgiidExclude, LPSPropTagArray lpExcludeProps,
                          LPCIID lpDestInterface, LPVOID lpDestObj, ULONG ulFlags,
                          LPSPropProblemArray *lppProblems, char *err, size_t cberr)
{
    (void)lpDestInterface;
    if (lppProblems)
        *lppProblems = NULL;
    if (lpSrcObj == lpDestObj) {
        snprintf(err, cberr, "an object cannot be copied onto itself");
        return MAPI_E_NO_ACCESS;
    }
    LPMAPIPROP src = lpSrcObj;
    LPSPropTagArray all = NULL;
    HRESULT hr = src->lpVtbl->GetPropList(src, 0, &all);
    if (FAILED(hr)) {
        snprintf(err, cberr, "the source's GetPropList failed (0x%08X)", (unsigned)hr);
        return hr;
    }
    ULONG k = 0;
    for (ULONG i = 0; i < all->cValues; i++) {
        ULONG t = all->aulPropTag[i];
        if (PROP_TYPE(t) == PT_OBJECT || tag_in(lpExcludeProps, t))
            continue;
        all->aulPropTag[k++] = t;
    }
    all->cValues = k;
    hr = k ? copy_values(src, all, lpDestObj, ulFlags, lppProblems, err, cberr) : S_OK;
    MAPIFreeBuffer(all);
    if (SUCCEEDED(hr) && lpSrcInterface && IsEqualIID(lpSrcInterface, &IID_IMessage) &&
        !iid_in(ciidExclude, rgiidExclude, &IID_IMessage) &&
        !tag_in(lpExcludeProps, PR_MESSAGE_RECIPIENTS)) {
        hr = copy_recips(lpSrcObj, lpDestObj);
        if (FAILED(hr))
            snprintf(err, cberr, "the recipients cannot be copied (0x%08X)", (unsigned)hr);
    }
    return hr;
}

HRESULT mapirt_copy_messages(LPMAPIFOLDER src, LPENTRYLIST lpMsgList, LPMAPIFOLDER dest,
                             ULONG ulFlags, char *err, size_t cberr)
{
    if (src == dest && (ulFlags & MESSAGE_MOVE))
        return S_OK; /* moving into the same folder changes nothing */
    HRESULT hr = S_OK;
    for (ULONG i = 0; SUCCEEDED(hr) && i < lpMsgList->cValues; i++) {
        const SBinary *b = &lpMsgList->lpbin[i];
        ULONG type = 0;
        LPMESSAGE m = NULL, n = NULL;
        hr = src->lpVtbl->OpenEntry(src, b->cb, (LPENTRYID)b->lpb, &IID_IMessage, 0, &type,
                                    (LPUNKNOWN *)&m);
        if (FAILED(hr)) {
            snprintf(err, cberr, "message %u cannot be opened in the source folder (0x%08X)",
                     (unsigned)i, (unsigned)hr);
            break;
        }
        hr = dest->lpVtbl->CreateMessage(dest, NULL, 0, &n);
        if (SUCCEEDED(hr))
            hr = m->lpVtbl->CopyTo(m, 0, NULL, NULL, 0, NULL, &IID_IMessage, n, 0, NULL);
        if (SUCCEEDED(hr))
            hr = n->lpVtbl->SaveChanges(n, 0);
        if (FAILED(hr))
            snprintf(err, cberr, "message %u cannot be copied into the destination (0x%08X)",
                     (unsigned)i, (unsigned)hr);
        if (n)
            n->lpVtbl->Release(n);
        m->lpVtbl->Release(m);
    }
    if (SUCCEEDED(hr) && (ulFlags & MESSAGE_MOVE)) {
        hr = src->lpVtbl->DeleteMessages(src, lpMsgList, 0, NULL, 0);
        if (FAILED(hr))
            snprintf(err, cberr, "the moved messages cannot be deleted from the source "
                                 "(0x%08X)", (unsigned)hr);
    }
    return hr;
}

/* The entry IDs of a table's rows as an ENTRYLIST in one MAPIAllocateBuffer block. */
static HRESULT entry_list(LPMAPITABLE t, LPENTRYLIST *out)
{
    SizedSPropTagArray(1, cols) = {1, {PR_ENTRYID}};
    LPSRowSet rows = NULL;
    HRESULT hr = HrQueryAllRows(t, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows);
    if (FAILED(hr))
        return hr;
    LPENTRYLIST l = NULL;
    if (MAPIAllocateBuffer(sizeof *l, (void **)&l) != S_OK ||
        MAPIAllocateMore((rows->cRows + 1) * sizeof(SBinary), l, (void **)&l->lpbin) != S_OK)
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
    if (SUCCEEDED(hr)) {
        l->cValues = 0;
        for (ULONG i = 0; SUCCEEDED(hr) && i < rows->cRows; i++) {
            const SPropValue *v = &rows->aRow[i].lpProps[0];
            if (v->ulPropTag != PR_ENTRYID)
                continue;
            SBinary *b = &l->lpbin[l->cValues];
            if (MAPIAllocateMore(v->Value.bin.cb + 1, l, (void **)&b->lpb) != S_OK)
                hr = MAPI_E_NOT_ENOUGH_MEMORY;
            else {
                memcpy(b->lpb, v->Value.bin.lpb, v->Value.bin.cb);
                b->cb = v->Value.bin.cb;
                l->cValues++;
            }
        }
    }
    FreeProws(rows);
    if (FAILED(hr)) {
        MAPIFreeBuffer(l);
        return hr;
    }
    *out = l;
    return S_OK;
}

HRESULT mapirt_copy_folder(LPMAPIFOLDER src, ULONG cbEntryID, LPENTRYID lpEntryID,
                           LPMAPIFOLDER dest, const void *lpszNewFolderName, ULONG ulFlags,
                           char *err, size_t cberr)
{
    ULONG type = 0;
    LPMAPIFOLDER f = NULL, nf = NULL;
    HRESULT hr = src->lpVtbl->OpenEntry(src, cbEntryID, lpEntryID, &IID_IMAPIFolder, 0, &type,
                                        (LPUNKNOWN *)&f);
    if (FAILED(hr)) {
        snprintf(err, cberr, "the folder cannot be opened in the source (0x%08X)", (unsigned)hr);
        return hr;
    }
    /* the new folder's name: the one given, else the folder's own */
    LPSPropValue name = NULL;
    ULONG n = 0;
    SizedSPropTagArray(2, tags) = {2, {(ulFlags & MAPI_UNICODE) ? PR_DISPLAY_NAME_W
                                                                 : PR_DISPLAY_NAME_A,
                                       (ulFlags & MAPI_UNICODE) ? PR_COMMENT_W : PR_COMMENT_A}};
    const void *fname = lpszNewFolderName, *comment = NULL;
    if (SUCCEEDED(f->lpVtbl->GetProps(f, (LPSPropTagArray)&tags, ulFlags & MAPI_UNICODE, &n,
                                      &name))) {
        if (!fname && PROP_TYPE(name[0].ulPropTag) != PT_ERROR)
            fname = (ulFlags & MAPI_UNICODE) ? (const void *)name[0].Value.lpszW
                                             : (const void *)name[0].Value.lpszA;
        if (PROP_TYPE(name[1].ulPropTag) != PT_ERROR)
            comment = (ulFlags & MAPI_UNICODE) ? (const void *)name[1].Value.lpszW
                                               : (const void *)name[1].Value.lpszA;
    }
    if (!fname) {
        snprintf(err, cberr, "the folder has no name and none was given");
        hr = MAPI_E_INVALID_PARAMETER;
    } else
        hr = dest->lpVtbl->CreateFolder(dest, FOLDER_GENERIC, (LPTSTR)fname, (LPTSTR)comment,
                                        NULL, OPEN_IF_EXISTS | (ulFlags & MAPI_UNICODE), &nf);
    MAPIFreeBuffer(name);
    if (FAILED(hr) && !err[0])
        snprintf(err, cberr, "the destination's CreateFolder failed (0x%08X)", (unsigned)hr);
    LPMAPITABLE t = NULL;
    LPENTRYLIST l = NULL;
    if (SUCCEEDED(hr) && SUCCEEDED(f->lpVtbl->GetContentsTable(f, 0, &t))) {
        hr = entry_list(t, &l);
        t->lpVtbl->Release(t);
        if (SUCCEEDED(hr) && l->cValues)
            hr = mapirt_copy_messages(f, l, nf, 0, err, cberr);
        MAPIFreeBuffer(l);
        l = NULL;
    }
    if (SUCCEEDED(hr) && (ulFlags & COPY_SUBFOLDERS) &&
        SUCCEEDED(f->lpVtbl->GetHierarchyTable(f, 0, &t))) {
        hr = entry_list(t, &l);
        t->lpVtbl->Release(t);
        for (ULONG i = 0; SUCCEEDED(hr) && i < l->cValues; i++)
            hr = mapirt_copy_folder(f, l->lpbin[i].cb, (LPENTRYID)l->lpbin[i].lpb, nf, NULL,
                                    (ulFlags & (COPY_SUBFOLDERS | MAPI_UNICODE)), err, cberr);
        MAPIFreeBuffer(l);
    }
    if (nf)
        nf->lpVtbl->Release(nf);
    f->lpVtbl->Release(f);
    if (SUCCEEDED(hr) && (ulFlags & FOLDER_MOVE)) {
        hr = src->lpVtbl->DeleteFolder(src, cbEntryID, lpEntryID, 0, NULL,
                                       DEL_FOLDERS | DEL_MESSAGES);
        if (FAILED(hr))
            snprintf(err, cberr, "the moved folder cannot be deleted from the source (0x%08X)",
                     (unsigned)hr);
    }
    return hr;
}
