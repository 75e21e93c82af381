/* entryid.c: entry IDs as strings (HrSzFromEntryID / HrEntryIDFromSz), compound entry IDs that
 * name a message together with its store (HrComposeEID / HrDecomposeEID and the string forms
 * HrComposeMsgID / HrDecomposeMsgID), and WrapStoreEntryID.
 *
 * MAPI documents what these do, not the bytes: mapirt's string form is upper-case hex, and its
 * compound entry ID is {0000, MAPIRT compound UID, ULONG key size, store key, message entry ID}
 * (docs/decisions.md). Decomposition finds the store's entry ID by its record key (or search
 * key, for message IDs) in the session's message store table, so it works with any session.
 * WrapStoreEntryID writes the wrapped form [MS-OXCDATA] 2.2.4.3 describes. */
#include <mapiutil.h>

#include <string.h>

#include <mapirt/alloc.h>
#include <mapirt/strconv.h>

/* {6d617069-7274-4345-4944-2d636f6d706f} ("mapirtCEID-compo"): marks mapirt's compound IDs. */
static const BYTE compound_uid[16] = {0x6d, 0x61, 0x70, 0x69, 0x72, 0x74, 0x43, 0x45,
                                      0x49, 0x44, 0x2d, 0x63, 0x6f, 0x6d, 0x70, 0x6f};
/* MUID_STORE_WRAP_GUID of [MS-OXCDATA] 2.2.4.3. */
static const BYTE store_wrap_uid[16] = {0x38, 0xA1, 0xBB, 0x10, 0x05, 0xE5, 0x10, 0x1A,
                                        0xA1, 0xBB, 0x08, 0x00, 0x2B, 0x2A, 0x56, 0xC2};
#define COMPOUND_HEAD (4u + 16u + 4u)

HRESULT HrSzFromEntryID(ULONG cb, LPENTRYID lpEntryID, LPTSTR *lpsz)
{
    if (lpsz == NULL || (cb != 0 && lpEntryID == NULL) || cb > 0x7FFFFFFEu / 2)
        return MAPI_E_INVALID_PARAMETER;
    LPTSTR s;
    SCODE sc = MAPIAllocateBuffer(cb * 2 + 1, (LPVOID *)&s);
    if (sc != S_OK)
        return sc;
    HexFromBin((LPBYTE)lpEntryID, (int)cb, s);
    *lpsz = s;
    return S_OK;
}

HRESULT HrEntryIDFromSz(LPTSTR lpsz, ULONG *lpcb, LPENTRYID *lppEntryID)
{
    if (lpsz == NULL || lpcb == NULL || lppEntryID == NULL)
        return MAPI_E_INVALID_PARAMETER;
    size_t n = strlen(lpsz);
    if (n % 2 != 0 || n / 2 > 0xFFFFFFFFu)
        return MAPI_E_INVALID_ENTRYID;
    LPENTRYID eid;
    SCODE sc = MAPIAllocateBuffer((ULONG)(n / 2), (LPVOID *)&eid);
    if (sc != S_OK)
        return sc;
    if (!FBinFromHex(lpsz, (LPBYTE)eid)) {
        MAPIFreeBuffer(eid);
        return MAPI_E_INVALID_ENTRYID;
    }
    *lpcb = (ULONG)(n / 2);
    *lppEntryID = eid;
    return S_OK;
}

static HRESULT copy_eid(ULONG cb, const void *src, ULONG *lpcb, LPENTRYID *lpp)
{
    LPENTRYID p;
    SCODE sc = MAPIAllocateBuffer(cb, (LPVOID *)&p);
    if (sc != S_OK)
        return sc;
    if (cb)
        memcpy(p, src, cb);
    *lpcb = cb;
    *lpp = p;
    return S_OK;
}

/* The compound ID of (store key, message entry ID) in a new MAPI buffer. */
static HRESULT compose(ULONG cbKey, const BYTE *key, ULONG cbMsg, LPENTRYID msg, ULONG *lpcb,
                       LPENTRYID *lpp)
{
    if ((cbKey != 0 && key == NULL) || (cbMsg != 0 && msg == NULL) || lpcb == NULL || lpp == NULL)
        return MAPI_E_INVALID_PARAMETER;
    if ((uint64_t)COMPOUND_HEAD + cbKey + cbMsg > 0xFFFFFFFFu)
        return MAPI_E_INVALID_PARAMETER;
    ULONG cb = COMPOUND_HEAD + cbKey + cbMsg;
    BYTE *p;
    SCODE sc = MAPIAllocateBuffer(cb, (LPVOID *)&p);
    if (sc != S_OK)
        return sc;
    memset(p, 0, 4);
    memcpy(p + 4, compound_uid, 16);
    memcpy(p + 20, &cbKey, 4);
    if (cbKey)
        memcpy(p + COMPOUND_HEAD, key, cbKey);
    if (cbMsg)
        memcpy(p + COMPOUND_HEAD + cbKey, msg, cbMsg);
    *lpcb = cb;
    *lpp = (LPENTRYID)p;
    return S_OK;
}

/* Splits a compound ID; false when eid is not one of ours. */
static bool split(ULONG cb, const BYTE *eid, ULONG *cbKey, const BYTE **key, ULONG *cbMsg,
                  const BYTE **msg)
{
    if (eid == NULL || cb < COMPOUND_HEAD || memcmp(eid + 4, compound_uid, 16) != 0)
        return false;
    ULONG k;
    memcpy(&k, eid + 20, 4);
    if (k > cb - COMPOUND_HEAD)
        return false;
    *cbKey = k;
    *key = eid + COMPOUND_HEAD;
    *cbMsg = cb - COMPOUND_HEAD - k;
    *msg = eid + COMPOUND_HEAD + k;
    return true;
}

static bool bin_eq(const SPropValue *v, ULONG tag, ULONG cb, const BYTE *p)
{
    return v->ulPropTag == tag && v->Value.bin.cb == cb &&
           (cb == 0 || memcmp(v->Value.bin.lpb, p, cb) == 0);
}

/* The entry ID of the session's store whose record key (or, by_search, search key) is key. */
static HRESULT store_by_key(LPMAPISESSION session, bool by_search, ULONG cbKey, const BYTE *key,
                            ULONG *lpcb, LPENTRYID *lpp)
{
    if (session == NULL)
        return MAPI_E_INVALID_PARAMETER;
    LPMAPITABLE table = NULL;
    HRESULT hr = session->lpVtbl->GetMsgStoresTable(session, 0, &table);
    if (FAILED(hr))
        return hr;
    SizedSPropTagArray(3, cols) = {3, {PR_ENTRYID, PR_RECORD_KEY, PR_SEARCH_KEY}};
    LPSRowSet rows = NULL;
    hr = HrQueryAllRows(table, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows);
    table->lpVtbl->Release(table);
    if (FAILED(hr))
        return hr;
    hr = MAPI_E_NOT_FOUND;
    for (ULONG i = 0; i < rows->cRows && hr == MAPI_E_NOT_FOUND; i++) {
        const SPropValue *v = rows->aRow[i].lpProps;
        if (rows->aRow[i].cValues < 3 || v[0].ulPropTag != PR_ENTRYID)
            continue;
        if (bin_eq(&v[1], PR_RECORD_KEY, cbKey, key) ||
            (by_search && bin_eq(&v[2], PR_SEARCH_KEY, cbKey, key)))
            hr = copy_eid(v[0].Value.bin.cb, v[0].Value.bin.lpb, lpcb, lpp);
    }
    FreeProws(rows);
    return hr;
}

HRESULT HrComposeEID(LPMAPISESSION lpSession, ULONG cbStoreRecordKey, LPBYTE lpStoreRecordKey,
                     ULONG cbMsgEntryID, LPENTRYID lpMsgEntryID, ULONG *lpcbEID,
                     LPENTRYID *lppEntryID)
{
    (void)lpSession; /* composing needs only the bytes */
    if (lpcbEID == NULL || lppEntryID == NULL || (cbMsgEntryID != 0 && lpMsgEntryID == NULL))
        return MAPI_E_INVALID_PARAMETER;
    /* Without a store the object's own entry ID is already the answer. */
    if (cbStoreRecordKey == 0 || lpStoreRecordKey == NULL)
        return copy_eid(cbMsgEntryID, lpMsgEntryID, lpcbEID, lppEntryID);
    return compose(cbStoreRecordKey, lpStoreRecordKey, cbMsgEntryID, lpMsgEntryID, lpcbEID,
                   lppEntryID);
}

static HRESULT decompose(LPMAPISESSION session, bool by_search, ULONG cb, const BYTE *eid,
                         ULONG *lpcbStore, LPENTRYID *lppStore, ULONG *lpcbMsg, LPENTRYID *lppMsg)
{
    if (lpcbStore == NULL || lppStore == NULL || lpcbMsg == NULL || lppMsg == NULL ||
        (cb != 0 && eid == NULL))
        return MAPI_E_INVALID_PARAMETER;
    ULONG cbKey, cbMsg;
    const BYTE *key, *msg;
    if (!split(cb, eid, &cbKey, &key, &cbMsg, &msg)) {
        /* Not compound: the object is not in a store; its entry ID is returned as is. */
        HRESULT hr = copy_eid(cb, eid, lpcbMsg, lppMsg);
        if (SUCCEEDED(hr)) {
            *lpcbStore = 0;
            *lppStore = NULL;
        }
        return hr;
    }
    ULONG cbS;
    LPENTRYID store;
    HRESULT hr = store_by_key(session, by_search, cbKey, key, &cbS, &store);
    if (FAILED(hr))
        return hr;
    hr = copy_eid(cbMsg, msg, lpcbMsg, lppMsg);
    if (FAILED(hr)) {
        MAPIFreeBuffer(store);
        return hr;
    }
    *lpcbStore = cbS;
    *lppStore = store;
    return S_OK;
}

HRESULT HrDecomposeEID(LPMAPISESSION lpSession, ULONG cbEntryID, LPENTRYID lpEntryID,
                       ULONG *lpcbStoreEntryID, LPENTRYID *lppStoreEntryID,
                       ULONG *lpcbMsgEntryID, LPENTRYID *lppMsgEntryID)
{
    return decompose(lpSession, false, cbEntryID, (const BYTE *)lpEntryID, lpcbStoreEntryID,
                     lppStoreEntryID, lpcbMsgEntryID, lppMsgEntryID);
}

HRESULT HrComposeMsgID(LPMAPISESSION lpSession, ULONG cbStoreSearchKey, LPBYTE pStoreSearchKey,
                       ULONG cbMsgEntryID, LPENTRYID lpMsgEntryID, LPTSTR *lpszMsgID)
{
    (void)lpSession;
    if (lpszMsgID == NULL)
        return MAPI_E_INVALID_PARAMETER;
    ULONG cb;
    LPENTRYID eid;
    HRESULT hr = cbStoreSearchKey == 0 || pStoreSearchKey == NULL
                     ? (cbMsgEntryID != 0 && lpMsgEntryID == NULL
                            ? MAPI_E_INVALID_PARAMETER
                            : copy_eid(cbMsgEntryID, lpMsgEntryID, &cb, &eid))
                     : compose(cbStoreSearchKey, pStoreSearchKey, cbMsgEntryID, lpMsgEntryID, &cb,
                               &eid);
    if (FAILED(hr))
        return hr;
    hr = HrSzFromEntryID(cb, eid, lpszMsgID);
    MAPIFreeBuffer(eid);
    return hr;
}

HRESULT HrDecomposeMsgID(LPMAPISESSION lpSession, LPTSTR lpszMsgID, ULONG *lpcbStoreEntryID,
                         LPENTRYID *lppStoreEntryID, ULONG *lppcbMsgEntryID,
                         LPENTRYID *lppMsgEntryID)
{
    if (lpcbStoreEntryID == NULL || lppStoreEntryID == NULL || lppcbMsgEntryID == NULL ||
        lppMsgEntryID == NULL)
        return MAPI_E_INVALID_PARAMETER;
    ULONG cb;
    LPENTRYID eid;
    HRESULT hr = HrEntryIDFromSz(lpszMsgID, &cb, &eid);
    if (FAILED(hr))
        return hr;
    hr = decompose(lpSession, true, cb, (const BYTE *)eid, lpcbStoreEntryID, lppStoreEntryID,
                   lppcbMsgEntryID, lppMsgEntryID);
    MAPIFreeBuffer(eid);
    return hr;
}

HRESULT WrapStoreEntryID(ULONG ulFlags, LPTSTR lpszDLLName, ULONG cbOrigEntry,
                         LPENTRYID lpOrigEntry, ULONG *lpcbWrappedEntry,
                         LPENTRYID *lppWrappedEntry)
{
    if (ulFlags & ~(ULONG)MAPI_UNICODE)
        return MAPI_E_UNKNOWN_FLAGS;
    if (lpszDLLName == NULL || lpcbWrappedEntry == NULL || lppWrappedEntry == NULL ||
        cbOrigEntry == 0 || lpOrigEntry == NULL)
        return MAPI_E_INVALID_PARAMETER;
    char *name = NULL;
    const char *dll = (const char *)lpszDLLName;
    if (ulFlags & MAPI_UNICODE) {
        if ((name = mapirt_str_w_to_a_dup((const WCHAR *)lpszDLLName)) == NULL)
            return MAPI_E_NOT_ENOUGH_MEMORY;
        dll = name;
    }
    /* Flags, provider UID, version, flag, the NUL-terminated DLL name padded with zeros so
     * that the wrapped entry ID starts on a 4-byte boundary, then the wrapped entry ID. */
    size_t head = 4 + 16 + 1 + 1 + strlen(dll) + 1;
    head = (head + 3) & ~(size_t)3;
    HRESULT hr = S_OK;
    BYTE *p = NULL;
    if ((uint64_t)head + cbOrigEntry > 0xFFFFFFFFu)
        hr = MAPI_E_INVALID_PARAMETER;
    else
        hr = MAPIAllocateBuffer((ULONG)(head + cbOrigEntry), (LPVOID *)&p);
    if (hr == S_OK) {
        memset(p, 0, head);
        memcpy(p + 4, store_wrap_uid, 16);
        memcpy(p + 22, dll, strlen(dll));
        memcpy(p + head, lpOrigEntry, cbOrigEntry);
        *lpcbWrappedEntry = (ULONG)(head + cbOrigEntry);
        *lppWrappedEntry = (LPENTRYID)p;
    }
    mapirt_free(name);
    return hr;
}
