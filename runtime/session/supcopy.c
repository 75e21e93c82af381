/* runtime/session/supcopy.c: MAPI's generic copies, which store providers call instead of
 * writing their own (IMAPISupport::DoCopyTo, DoCopyProps, CopyMessages, CopyFolder). They work
 * through the objects' public interfaces only, so any provider's objects (or two providers'
 * objects) can be copied; no progress is shown (the progress object and MAPI_DIALOG are
 * accepted and not used).
 *
 *   DoCopyProps  GetProps of the included properties, SetProps on the destination (with
 *                MAPI_NOREPLACE the destination's existing properties stay), DeleteProps on the
 *                source with MAPI_MOVE; problems come back in one SPropProblemArray. A value
 *                too big for GetProps (MAPI_E_NOT_ENOUGH_MEMORY) is copied through streams.
 *   DoCopyTo     every property of GetPropList but the excluded ones, PT_OBJECT ones and the
 *                source's identity (entry ID, record key, parent, store, attachment number),
 *                as DoCopyProps; an IMessage source also copies its recipients and its
 *                attachments (embedded messages whole) unless PR_MESSAGE_RECIPIENTS /
 *                PR_MESSAGE_ATTACHMENTS is excluded.
 *   CopyMessages each message: OpenEntry in the source, CreateMessage in the destination,
 *                DoCopyTo (not the source's CopyTo: a store's may know only its own kind),
 *                SaveChanges; MESSAGE_MOVE then deletes the sources, only when all were copied.
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

/* What a copy of a message or attachment never takes: the source's identity, which the
 * destination computes for itself. */
static const SizedSPropTagArray(10, identity) = {
    10, {PR_ENTRYID, PR_RECORD_KEY, PR_PARENT_ENTRYID, PR_STORE_ENTRYID, PR_STORE_RECORD_KEY,
         PR_INSTANCE_KEY, PR_OBJECT_TYPE, PR_MAPPING_SIGNATURE, PR_STORE_SUPPORT_MASK,
         PR_ATTACH_NUM}};

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

/* One property too big for GetProps, copied through streams (OpenProperty(IID_IStream) on
 * both objects, IStream::CopyTo, Commit). tag may carry any type: the stream is asked for as
 * binary, then Unicode, then 8-bit. Fails (nothing is silently dropped) when the source gives
 * no stream of it. */
HRESULT mapirt_copy_big_prop(LPMAPIPROP from, LPMAPIPROP to, ULONG tag, char *err, size_t cberr)
{
    static const ULONG types[3] = {PT_BINARY, PT_UNICODE, PT_STRING8};
    ULONG ids[4], nid = 0, type = PROP_TYPE(tag);
    if (type == PT_BINARY || type == PT_UNICODE || type == PT_STRING8)
        ids[nid++] = tag; /* its own type first */
    for (int k = 0; k < 3; k++)
        if (types[k] != type)
            ids[nid++] = PROP_TAG(types[k], PROP_ID(tag));
    HRESULT hr = MAPI_E_NOT_FOUND;
    for (ULONG k = 0; k < nid && FAILED(hr); k++) {
        LPSTREAM a = NULL, b = NULL;
        hr = from->lpVtbl->OpenProperty(from, ids[k], &IID_IStream, 0, 0, (LPUNKNOWN *)&a);
        if (FAILED(hr))
            continue;
        hr = to->lpVtbl->OpenProperty(to, ids[k], &IID_IStream, 0, MAPI_CREATE | MAPI_MODIFY,
                                      (LPUNKNOWN *)&b);
        if (SUCCEEDED(hr)) {
            ULARGE_INTEGER all = {.QuadPart = ~0ULL};
            hr = a->lpVtbl->CopyTo(a, b, all, NULL, NULL);
            if (SUCCEEDED(hr))
                hr = b->lpVtbl->Commit(b, 0);
            b->lpVtbl->Release(b);
        }
        a->lpVtbl->Release(a);
    }
    if (FAILED(hr))
        snprintf(err, cberr, "property 0x%04X is too big to copy whole and no stream of it "
                             "could be copied (0x%08X)", (unsigned)PROP_ID(tag), (unsigned)hr);
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
    /* absent values are not copied; too big for GetProps (MAPI_E_NOT_ENOUGH_MEMORY), they go
     * through streams after the rest; MAPI_NOREPLACE keeps the destination's */
    LPSPropValue have = NULL;
    ULONG nh = 0;
    if ((ulFlags & MAPI_NOREPLACE) && FAILED(dest->lpVtbl->GetProps(dest, tags, 0, &nh, &have)))
        have = NULL;
    ULONG k = 0, nbig = 0;
    ULONG *big = mapirt_calloc(n + 1, sizeof *big);
    if (!big) {
        MAPIFreeBuffer(have);
        MAPIFreeBuffer(v);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    for (ULONG i = 0; i < n; i++) {
        if (have && i < nh && (PROP_TYPE(have[i].ulPropTag) != PT_ERROR ||
                               have[i].Value.err == MAPI_E_NOT_ENOUGH_MEMORY))
            continue;
        if (PROP_TYPE(v[i].ulPropTag) == PT_ERROR) {
            if (v[i].Value.err == MAPI_E_NOT_ENOUGH_MEMORY && tags && i < tags->cValues)
                big[nbig++] = tags->aulPropTag[i];
            else if (v[i].Value.err == MAPI_E_NOT_ENOUGH_MEMORY)
                big[nbig++] = v[i].ulPropTag;
            continue;
        }
        v[k++] = v[i];
    }
    MAPIFreeBuffer(have);
    LPSPropProblemArray probs = NULL;
    hr = k ? dest->lpVtbl->SetProps(dest, k, v, &probs) : S_OK;
    if (FAILED(hr))
        snprintf(err, cberr, "the destination's SetProps failed (0x%08X)", (unsigned)hr);
    for (ULONG i = 0; SUCCEEDED(hr) && i < nbig; i++)
        hr = mapirt_copy_big_prop(src, dest, big[i], err, cberr);
    mapirt_free(big);
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

/* The attachments of src added to dest (each saved into dest; dest itself is not saved),
 * embedded messages copied whole. */
static HRESULT copy_attachments(LPMESSAGE src, LPMESSAGE dest, char *err, size_t cberr)
{
    LPMAPITABLE t = NULL;
    HRESULT hr = src->lpVtbl->GetAttachmentTable(src, 0, &t);
    if (hr == MAPI_E_NO_SUPPORT)
        return S_OK; /* a store without attachments has none to copy */
    if (FAILED(hr)) {
        snprintf(err, cberr, "the source's attachment table cannot be opened (0x%08X)",
                 (unsigned)hr);
        return hr;
    }
    SizedSPropTagArray(2, cols) = {2, {PR_ATTACH_NUM, PR_ATTACH_METHOD}};
    LPSRowSet rows = NULL;
    hr = HrQueryAllRows(t, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows);
    t->lpVtbl->Release(t);
    if (FAILED(hr))
        return hr;
    for (ULONG i = 0; SUCCEEDED(hr) && i < rows->cRows; i++) {
        const SPropValue *num = &rows->aRow[i].lpProps[0];
        const SPropValue *how = &rows->aRow[i].lpProps[1];
        if (num->ulPropTag != PR_ATTACH_NUM)
            continue;
        LPATTACH a = NULL, b = NULL;
        ULONG nb = 0;
        hr = src->lpVtbl->OpenAttach(src, (ULONG)num->Value.l, NULL, 0, &a);
        if (SUCCEEDED(hr))
            hr = dest->lpVtbl->CreateAttach(dest, NULL, 0, &nb, &b);
        if (SUCCEEDED(hr))
            hr = mapirt_do_copy_to(&IID_IAttachment, a, 0, NULL, (LPSPropTagArray)&identity,
                                   &IID_IAttachment, b, 0, NULL, err, cberr);
        if (SUCCEEDED(hr) && how->ulPropTag == PR_ATTACH_METHOD &&
            how->Value.l == ATTACH_EMBEDDED_MSG) {
            LPMESSAGE em = NULL, em2 = NULL;
            hr = a->lpVtbl->OpenProperty(a, PR_ATTACH_DATA_OBJ, &IID_IMessage, 0, 0,
                                         (LPUNKNOWN *)&em);
            if (SUCCEEDED(hr))
                hr = b->lpVtbl->OpenProperty(b, PR_ATTACH_DATA_OBJ, &IID_IMessage, 0,
                                             MAPI_CREATE | MAPI_MODIFY, (LPUNKNOWN *)&em2);
            if (SUCCEEDED(hr))
                hr = mapirt_do_copy_to(&IID_IMessage, em, 0, NULL, (LPSPropTagArray)&identity,
                                       &IID_IMessage, em2, 0, NULL, err, cberr);
            if (SUCCEEDED(hr))
                hr = em2->lpVtbl->SaveChanges(em2, 0);
            if (em2)
                em2->lpVtbl->Release(em2);
            if (em)
                em->lpVtbl->Release(em);
        }
        if (SUCCEEDED(hr))
            hr = b->lpVtbl->SaveChanges(b, 0);
        if (FAILED(hr) && !err[0])
            snprintf(err, cberr, "attachment %ld cannot be copied (0x%08X)", (long)num->Value.l,
                     (unsigned)hr);
        if (b)
            b->lpVtbl->Release(b);
        if (a)
            a->lpVtbl->Release(a);
    }
    FreeProws(rows);
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
        if (PROP_TYPE(t) == PT_OBJECT || tag_in(lpExcludeProps, t) ||
            tag_in((const SPropTagArray *)&identity, t))
            continue;
        all->aulPropTag[k++] = t;
    }
    all->cValues = k;
    hr = k ? copy_values(src, all, lpDestObj, ulFlags, lppProblems, err, cberr) : S_OK;
    MAPIFreeBuffer(all);
    int msg = lpSrcInterface && IsEqualIID(lpSrcInterface, &IID_IMessage) &&
              !iid_in(ciidExclude, rgiidExclude, &IID_IMessage);
    if (SUCCEEDED(hr) && msg && !tag_in(lpExcludeProps, PR_MESSAGE_RECIPIENTS)) {
        hr = copy_recips(lpSrcObj, lpDestObj);
        if (FAILED(hr))
            snprintf(err, cberr, "the recipients cannot be copied (0x%08X)", (unsigned)hr);
    }
    if (SUCCEEDED(hr) && msg && !tag_in(lpExcludeProps, PR_MESSAGE_ATTACHMENTS))
        hr = copy_attachments(lpSrcObj, lpDestObj, err, cberr);
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
        /* MAPI's own copy (properties, big ones by stream, recipients, attachments): a
         * provider's CopyTo may well be this store's generic one, which knows no other store */
        if (SUCCEEDED(hr))
            hr = mapirt_do_copy_to(&IID_IMessage, m, 0, NULL, (LPSPropTagArray)&identity,
                                   &IID_IMessage, n, 0, NULL, err, cberr);
        if (SUCCEEDED(hr))
            hr = n->lpVtbl->SaveChanges(n, 0);
        if (FAILED(hr)) {
            char why[256];
            snprintf(why, sizeof why, "%s", err);
            snprintf(err, cberr, "message %u cannot be copied into the destination (0x%08X)%s%s",
                     (unsigned)i, (unsigned)hr, why[0] ? ": " : "", why);
        }
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
