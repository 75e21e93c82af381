/* ipmtree.c: HrValidateIPMSubtree, which makes sure a message store has the standard IPM
 * folders: the IPM subtree, Search Root and Deleted Items always; with MAPI_FULL_IPM_TREE also
 * Folder Views, Common Views, Inbox, Outbox and Sent Items. Everything goes through the store's
 * own interface (GetProps, OpenEntry, CreateFolder with OPEN_IF_EXISTS, SetProps,
 * SetReceiveFolder), so it works with any store provider.
 *
 * A folder the store's PR_VALID_FOLDER_MASK calls valid and whose entry ID is known is kept;
 * with MAPI_FORCE_CREATE it is kept only if it still opens. The store's properties are then
 * updated (a store that computes them may refuse: that is not an error) and the Inbox becomes
 * the receive folder of IPM messages. *lppValues, when asked for, is a new MAPI buffer with
 * PR_VALID_FOLDER_MASK and each folder's entry ID, the Inbox's under PROP_TAG(PT_BINARY,
 * PROP_ID_NULL) as MAPI documents; what *lppValues held on input is neither read nor freed. */
#include <mapiutil.h>

#include <stdbool.h>
#include <string.h>

enum where { IN_ROOT, IN_IPM };

static const struct folder_spec {
    ULONG bit;
    ULONG tag; /* the store property holding its entry ID */
    const char *name;
    enum where parent;
    bool full_only;
} specs[] = {
    /* The IPM subtree first: the others below it need its entry ID. */
    {FOLDER_IPM_SUBTREE_VALID, PR_IPM_SUBTREE_ENTRYID, "IPM Subtree", IN_ROOT, false},
    {FOLDER_FINDER_VALID, PR_FINDER_ENTRYID, "Search Root", IN_ROOT, false},
    {FOLDER_IPM_WASTEBASKET_VALID, PR_IPM_WASTEBASKET_ENTRYID, "Deleted Items", IN_IPM, false},
    {FOLDER_VIEWS_VALID, PR_VIEWS_ENTRYID, "Folder Views", IN_ROOT, true},
    {FOLDER_COMMON_VIEWS_VALID, PR_COMMON_VIEWS_ENTRYID, "Common Views", IN_ROOT, true},
    {FOLDER_IPM_INBOX_VALID, PROP_TAG(PT_BINARY, PROP_ID_NULL), "Inbox", IN_IPM, true},
    {FOLDER_IPM_OUTBOX_VALID, PR_IPM_OUTBOX_ENTRYID, "Outbox", IN_IPM, true},
    {FOLDER_IPM_SENTMAIL_VALID, PR_IPM_SENTMAIL_ENTRYID, "Sent Items", IN_IPM, true},
};
#define NSPECS (sizeof(specs) / sizeof(*specs))
#define INBOX 5

struct state {
    LPMDB mdb;
    ULONG mask;
    SBinary eid[NSPECS]; /* MAPI buffers (cb 0: unknown) */
};

static HRESULT copy_bin(const SBinary *src, SBinary *dst)
{
    dst->cb = 0;
    dst->lpb = NULL;
    if (src->cb == 0)
        return S_OK;
    HRESULT hr = MAPIAllocateBuffer(src->cb, (LPVOID *)&dst->lpb);
    if (FAILED(hr))
        return hr;
    memcpy(dst->lpb, src->lpb, src->cb);
    dst->cb = src->cb;
    return S_OK;
}

/* Reads the mask, the entry IDs and the IPM receive folder from the store. */
static HRESULT read_store(struct state *st)
{
    SizedSPropTagArray(8, tags) = {8, {PR_VALID_FOLDER_MASK}};
    ULONG n = 1;
    for (size_t i = 0; i < NSPECS; i++)
        if (i != INBOX)
            tags.aulPropTag[n++] = specs[i].tag;
    ULONG cValues = 0;
    LPSPropValue v = NULL;
    HRESULT hr = st->mdb->lpVtbl->GetProps(st->mdb, (LPSPropTagArray)&tags, 0, &cValues, &v);
    if (FAILED(hr))
        return hr;
    hr = S_OK;
    if (v[0].ulPropTag == PR_VALID_FOLDER_MASK)
        st->mask = (ULONG)v[0].Value.l;
    for (size_t i = 0, k = 1; i < NSPECS && SUCCEEDED(hr); i++) {
        if (i == INBOX)
            continue;
        if (k < cValues && v[k].ulPropTag == specs[i].tag)
            hr = copy_bin(&v[k].Value.bin, &st->eid[i]);
        k++;
    }
    MAPIFreeBuffer(v);
    if (FAILED(hr))
        return hr;
    ULONG cb = 0;
    LPENTRYID inbox = NULL;
    if (SUCCEEDED(st->mdb->lpVtbl->GetReceiveFolder(st->mdb, (LPTSTR) "IPM", 0, &cb, &inbox,
                                                     NULL)) && cb != 0) {
        st->eid[INBOX].cb = cb;
        st->eid[INBOX].lpb = (LPBYTE)inbox;
    } else {
        MAPIFreeBuffer(inbox);
    }
    return S_OK;
}

static HRESULT open_folder(LPMDB mdb, const SBinary *eid, LPMAPIFOLDER *out)
{
    ULONG type = 0;
    LPUNKNOWN unk = NULL;
    HRESULT hr = mdb->lpVtbl->OpenEntry(mdb, eid ? eid->cb : 0, eid ? (LPENTRYID)eid->lpb : NULL,
                                        NULL, MAPI_MODIFY, &type, &unk);
    if (FAILED(hr))
        return hr;
    if (type != MAPI_FOLDER) {
        unk->lpVtbl->Release(unk);
        return MAPI_E_INVALID_ENTRYID;
    }
    *out = (LPMAPIFOLDER)unk;
    return S_OK;
}

/* Creates (or opens, when it exists by name) folder i and records its entry ID. */
static HRESULT make_folder(struct state *st, size_t i)
{
    LPMAPIFOLDER parent = NULL, folder = NULL;
    HRESULT hr = open_folder(st->mdb, specs[i].parent == IN_IPM ? &st->eid[0] : NULL, &parent);
    if (FAILED(hr))
        return hr;
    hr = parent->lpVtbl->CreateFolder(parent, FOLDER_GENERIC, (LPTSTR)specs[i].name, NULL, NULL,
                                      OPEN_IF_EXISTS, &folder);
    parent->lpVtbl->Release(parent);
    if (FAILED(hr))
        return hr;
    SizedSPropTagArray(1, tag) = {1, {PR_ENTRYID}};
    ULONG c = 0;
    LPSPropValue v = NULL;
    hr = folder->lpVtbl->GetProps(folder, (LPSPropTagArray)&tag, 0, &c, &v);
    folder->lpVtbl->Release(folder);
    if (SUCCEEDED(hr) && (c != 1 || v[0].ulPropTag != PR_ENTRYID))
        hr = MAPI_E_CORRUPT_STORE;
    if (SUCCEEDED(hr)) {
        MAPIFreeBuffer(st->eid[i].lpb);
        hr = copy_bin(&v[0].Value.bin, &st->eid[i]);
        if (SUCCEEDED(hr))
            st->mask |= specs[i].bit;
    }
    MAPIFreeBuffer(v);
    return hr;
}

static bool still_opens(struct state *st, size_t i)
{
    LPMAPIFOLDER f = NULL;
    if (FAILED(open_folder(st->mdb, &st->eid[i], &f)))
        return false;
    f->lpVtbl->Release(f);
    return true;
}

/* Stores the mask and the entry IDs on the store, the Inbox as receive folder for IPM, and
 * builds the caller's copy. */
static HRESULT write_back(struct state *st, bool full, ULONG *lpcValues, LPSPropValue *lppValues)
{
    SPropValue v[NSPECS + 1];
    ULONG n = 0;
    memset(v, 0, sizeof(v));
    v[n].ulPropTag = PR_VALID_FOLDER_MASK;
    v[n++].Value.l = (LONG)st->mask;
    for (size_t i = 0; i < NSPECS; i++) {
        if (i == INBOX || st->eid[i].cb == 0 || (specs[i].full_only && !full))
            continue;
        v[n].ulPropTag = specs[i].tag;
        v[n++].Value.bin = st->eid[i];
    }
    /* A store may compute these properties itself and refuse them: not an error. */
    LPSPropProblemArray problems = NULL;
    if (SUCCEEDED(st->mdb->lpVtbl->SetProps(st->mdb, n, v, &problems)))
        MAPIFreeBuffer(problems);
    if (full && st->eid[INBOX].cb != 0)
        st->mdb->lpVtbl->SetReceiveFolder(st->mdb, (LPTSTR) "IPM", 0, st->eid[INBOX].cb,
                                          (LPENTRYID)st->eid[INBOX].lpb);
    if (lppValues == NULL)
        return S_OK;
    if (full && st->eid[INBOX].cb != 0) {
        v[n].ulPropTag = specs[INBOX].tag;
        v[n++].Value.bin = st->eid[INBOX];
    }
    /* Copied by hand: the Inbox's PROP_ID_NULL tag is not one ScDupPropset accepts. */
    LPSPropValue out = NULL;
    HRESULT hr = MAPIAllocateBuffer(n * sizeof(SPropValue), (LPVOID *)&out);
    for (ULONG i = 0; i < n && SUCCEEDED(hr); i++) {
        out[i] = v[i];
        if (PROP_TYPE(v[i].ulPropTag) == PT_BINARY) {
            hr = MAPIAllocateMore(v[i].Value.bin.cb, out, (LPVOID *)&out[i].Value.bin.lpb);
            if (SUCCEEDED(hr))
                memcpy(out[i].Value.bin.lpb, v[i].Value.bin.lpb, v[i].Value.bin.cb);
        }
    }
    if (FAILED(hr)) {
        MAPIFreeBuffer(out);
        return hr;
    }
    *lppValues = out;
    if (lpcValues != NULL)
        *lpcValues = n;
    return S_OK;
}

HRESULT HrValidateIPMSubtree(LPMDB lpMDB, ULONG ulFlags, ULONG *lpcValues,
                             LPSPropValue *lppValues, LPMAPIERROR *lpperr)
{
    if (lpMDB == NULL || (lppValues != NULL && lpcValues == NULL))
        return MAPI_E_INVALID_PARAMETER;
    if (ulFlags & ~(ULONG)(MAPI_FORCE_CREATE | MAPI_FULL_IPM_TREE))
        return MAPI_E_UNKNOWN_FLAGS;
    if (lpperr != NULL)
        *lpperr = NULL; /* no extended error is produced */
    bool full = (ulFlags & MAPI_FULL_IPM_TREE) != 0, force = (ulFlags & MAPI_FORCE_CREATE) != 0;
    struct state st;
    memset(&st, 0, sizeof(st));
    st.mdb = lpMDB;
    HRESULT hr = read_store(&st);
    for (size_t i = 0; i < NSPECS && SUCCEEDED(hr); i++) {
        if (specs[i].full_only && !full)
            continue;
        bool known = st.eid[i].cb != 0 && (i == INBOX || (st.mask & specs[i].bit));
        if (known && (!force || still_opens(&st, i))) {
            st.mask |= specs[i].bit;
            continue;
        }
        st.mask &= ~specs[i].bit;
        hr = make_folder(&st, i);
    }
    if (SUCCEEDED(hr))
        hr = write_back(&st, full, lpcValues, lppValues);
    for (size_t i = 0; i < NSPECS; i++)
        MAPIFreeBuffer(st.eid[i].lpb);
    return hr;
}
