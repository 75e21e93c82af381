/* proputil.c: the smaller mapiutil.h helpers: finding properties, one-property get/set, row
 * sets, reference counting, hex strings, named-property equality and FILETIME arithmetic. */
#include <string.h>

#include <mapirt/alloc.h>
#include <mapirt/strconv.h>

#include "prop_internal.h"

LPSPropValue PpropFindProp(LPSPropValue lpPropArray, ULONG cValues, ULONG ulPropTag)
{
    if (lpPropArray == NULL)
        return NULL;
    bool by_id = PROP_TYPE(ulPropTag) == PT_UNSPECIFIED;
    for (ULONG i = 0; i < cValues; i++) {
        ULONG tag = lpPropArray[i].ulPropTag;
        if (by_id ? PROP_ID(tag) == PROP_ID(ulPropTag) : tag == ulPropTag)
            return &lpPropArray[i];
    }
    return NULL;
}

LPSPropValue LpValFindProp(ULONG ulPropTag, ULONG cValues, LPSPropValue lpPropArray)
{
    /* LpValFindProp matches on the property identifier alone, whatever the types. */
    if (lpPropArray == NULL)
        return NULL;
    for (ULONG i = 0; i < cValues; i++)
        if (PROP_ID(lpPropArray[i].ulPropTag) == PROP_ID(ulPropTag))
            return &lpPropArray[i];
    return NULL;
}

static ULONG unicode_flag_for(ULONG ulPropTag)
{
    ULONG t = PROP_TYPE(ulPropTag) & ~(ULONG)MV_INSTANCE;
    return t == PT_UNICODE || t == PT_MV_UNICODE ? MAPI_UNICODE : 0;
}

HRESULT HrGetOneProp(LPMAPIPROP lpMapiProp, ULONG ulPropTag, LPSPropValue *lppProp)
{
    if (lpMapiProp == NULL || lppProp == NULL)
        return MAPI_E_INVALID_PARAMETER;
    SPropTagArray tags = {1, {ulPropTag}};
    ULONG count = 0;
    LPSPropValue props = NULL;
    HRESULT hr = lpMapiProp->lpVtbl->GetProps(lpMapiProp, &tags, unicode_flag_for(ulPropTag),
                                              &count, &props);
    if (FAILED(hr)) {
        MAPIFreeBuffer(props);
        return hr;
    }
    if (props == NULL || count != 1) {
        MAPIFreeBuffer(props);
        return MAPI_E_CALL_FAILED;
    }
    /* A missing property comes back as a PT_ERROR value with MAPI_W_ERRORS_RETURNED; the caller
     * of HrGetOneProp gets that error instead. */
    if (PROP_TYPE(props[0].ulPropTag) == PT_ERROR) {
        hr = FAILED(props[0].Value.err) ? props[0].Value.err : MAPI_E_NOT_FOUND;
        MAPIFreeBuffer(props);
        return hr;
    }
    *lppProp = props;
    return S_OK;
}

HRESULT HrSetOneProp(LPMAPIPROP lpMapiProp, LPSPropValue lpProp)
{
    if (lpMapiProp == NULL || lpProp == NULL)
        return MAPI_E_INVALID_PARAMETER;
    LPSPropProblemArray problems = NULL;
    HRESULT hr = lpMapiProp->lpVtbl->SetProps(lpMapiProp, 1, lpProp, &problems);
    if (SUCCEEDED(hr) && problems != NULL && problems->cProblem > 0)
        hr = problems->aProblem[0].scode;
    MAPIFreeBuffer(problems);
    return hr;
}

BOOL FPropExists(LPMAPIPROP lpMapiProp, ULONG ulPropTag)
{
    if (lpMapiProp == NULL)
        return FALSE;
    LPSPropTagArray tags = NULL;
    HRESULT hr = lpMapiProp->lpVtbl->GetPropList(lpMapiProp, unicode_flag_for(ulPropTag), &tags);
    if (FAILED(hr) || tags == NULL) {
        MAPIFreeBuffer(tags);
        return FALSE;
    }
    bool by_id = PROP_TYPE(ulPropTag) == PT_UNSPECIFIED;
    BOOL found = FALSE;
    for (ULONG i = 0; i < tags->cValues && !found; i++) {
        ULONG tag = tags->aulPropTag[i];
        found = by_id ? PROP_ID(tag) == PROP_ID(ulPropTag) : tag == ulPropTag;
    }
    MAPIFreeBuffer(tags);
    return found;
}

void FreeProws(LPSRowSet lpRows)
{
    if (lpRows == NULL)
        return;
    for (ULONG i = 0; i < lpRows->cRows; i++)
        MAPIFreeBuffer(lpRows->aRow[i].lpProps);
    MAPIFreeBuffer(lpRows);
}

void FreePadrlist(LPADRLIST lpAdrlist)
{
    if (lpAdrlist == NULL)
        return;
    for (ULONG i = 0; i < lpAdrlist->cEntries; i++)
        MAPIFreeBuffer(lpAdrlist->aEntries[i].rgPropVals);
    MAPIFreeBuffer(lpAdrlist);
}

/* Rows are read in batches; a table that answers a QueryRows with fewer rows than asked is
 * simply asked again until it returns none. */
#define QUERY_BATCH 512

struct row_acc {
    SRow *rows;
    ULONG count;
    ULONG cap;
};

static void acc_free(struct row_acc *acc)
{
    for (ULONG i = 0; i < acc->count; i++)
        MAPIFreeBuffer(acc->rows[i].lpProps);
    mapirt_free(acc->rows);
}

/* Moves the rows of set (and the ownership of their lpProps) into acc; frees set. */
static HRESULT acc_take(struct row_acc *acc, LPSRowSet set)
{
    if (set->cRows > acc->cap - acc->count) {
        ULONG cap = acc->cap == 0 ? QUERY_BATCH : acc->cap;
        while (set->cRows > cap - acc->count) {
            if (cap > 0x7FFFFFFFu / 2) {
                FreeProws(set);
                return MAPI_E_TABLE_TOO_BIG;
            }
            cap *= 2;
        }
        SRow *rows = mapirt_realloc(acc->rows, (size_t)cap * sizeof(SRow));
        if (rows == NULL) {
            FreeProws(set);
            return MAPI_E_NOT_ENOUGH_MEMORY;
        }
        acc->rows = rows;
        acc->cap = cap;
    }
    if (set->cRows > 0)
        memcpy(&acc->rows[acc->count], set->aRow, (size_t)set->cRows * sizeof(SRow));
    acc->count += set->cRows;
    MAPIFreeBuffer(set);
    return S_OK;
}

HRESULT HrQueryAllRows(LPMAPITABLE lpTable, LPSPropTagArray lpPropTags,
                       LPSRestriction lpRestriction, LPSSortOrderSet lpSortOrderSet,
                       LONG crowsMax, LPSRowSet *lppRows)
{
    if (lpTable == NULL || lppRows == NULL || crowsMax < 0)
        return MAPI_E_INVALID_PARAMETER;
    const IMAPITableVtbl *vt = lpTable->lpVtbl;
    HRESULT hr;
    if (lpPropTags != NULL && FAILED(hr = vt->SetColumns(lpTable, lpPropTags, 0)))
        return hr;
    if (lpRestriction != NULL && FAILED(hr = vt->Restrict(lpTable, lpRestriction, 0)))
        return hr;
    if (lpSortOrderSet != NULL && FAILED(hr = vt->SortTable(lpTable, lpSortOrderSet, 0)))
        return hr;
    if (FAILED(hr = vt->SeekRow(lpTable, BOOKMARK_BEGINNING, 0, NULL)))
        return hr;

    struct row_acc acc = {NULL, 0, 0};
    for (;;) {
        LONG want = QUERY_BATCH;
        /* Ask for one row more than allowed so that "exactly crowsMax" and "too many" differ. */
        if (crowsMax > 0 && (ULONG)crowsMax + 1 - acc.count < (ULONG)want)
            want = (LONG)((ULONG)crowsMax + 1 - acc.count);
        LPSRowSet set = NULL;
        hr = vt->QueryRows(lpTable, want, 0, &set);
        if (FAILED(hr)) {
            FreeProws(set);
            acc_free(&acc);
            return hr;
        }
        if (set == NULL) {
            acc_free(&acc);
            return MAPI_E_CALL_FAILED;
        }
        bool done = set->cRows == 0;
        hr = acc_take(&acc, set);
        if (FAILED(hr)) {
            acc_free(&acc);
            return hr;
        }
        if (crowsMax > 0 && acc.count > (ULONG)crowsMax) {
            acc_free(&acc);
            return MAPI_E_TABLE_TOO_BIG;
        }
        if (done)
            break;
    }

    LPSRowSet out = NULL;
    hr = MAPIAllocateBuffer((ULONG)CbNewSRowSet(acc.count), (void **)&out);
    if (FAILED(hr)) {
        acc_free(&acc);
        return hr;
    }
    out->cRows = acc.count;
    if (acc.count > 0)
        memcpy(out->aRow, acc.rows, (size_t)acc.count * sizeof(SRow));
    mapirt_free(acc.rows);
    *lppRows = out;
    return S_OK;
}

ULONG UlAddRef(LPVOID lpunk)
{
    if (lpunk == NULL)
        return 0;
    IUnknown *u = lpunk;
    return u->lpVtbl->AddRef(u);
}

ULONG UlRelease(LPVOID lpunk)
{
    if (lpunk == NULL)
        return 0;
    IUnknown *u = lpunk;
    return u->lpVtbl->Release(u);
}

void HexFromBin(LPBYTE lpb, int cb, LPTSTR lpsz)
{
    static const char digits[] = "0123456789ABCDEF";
    if (lpsz == NULL)
        return;
    int n = 0;
    if (lpb != NULL) {
        for (; n < cb; n++) {
            lpsz[2 * n] = digits[lpb[n] >> 4];
            lpsz[2 * n + 1] = digits[lpb[n] & 15];
        }
    }
    lpsz[2 * n] = 0;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

BOOL FBinFromHex(LPTSTR lpsz, LPBYTE lpb)
{
    if (lpsz == NULL || lpb == NULL)
        return FALSE;
    size_t len = strlen(lpsz);
    if (len % 2 != 0)
        return FALSE;
    /* Check everything before writing anything: no half-converted output on bad input. */
    for (size_t i = 0; i < len; i++)
        if (hex_value(lpsz[i]) < 0)
            return FALSE;
    for (size_t i = 0; i < len / 2; i++)
        lpb[i] = (BYTE)(hex_value(lpsz[2 * i]) << 4 | hex_value(lpsz[2 * i + 1]));
    return TRUE;
}

SCODE ScBinFromHexBounded(LPTSTR lpsz, LPBYTE lpb, ULONG cb)
{
    if (lpsz == NULL || (lpb == NULL && cb != 0))
        return MAPI_E_INVALID_PARAMETER;
    /* "The specified portion": at most cb bytes (2 * cb digits) are converted, all of them
     * checked before anything is written. */
    size_t len = strlen(lpsz);
    if (len > (size_t)cb * 2)
        len = (size_t)cb * 2;
    if (len % 2 != 0)
        return MAPI_E_CALL_FAILED;
    for (size_t i = 0; i < len; i++)
        if (hex_value(lpsz[i]) < 0)
            return MAPI_E_CALL_FAILED;
    for (size_t i = 0; i < len / 2; i++)
        lpb[i] = (BYTE)(hex_value(lpsz[2 * i]) << 4 | hex_value(lpsz[2 * i + 1]));
    return S_OK;
}

BOOL FEqualNames(LPMAPINAMEID lpName1, LPMAPINAMEID lpName2)
{
    if (lpName1 == lpName2)
        return TRUE;
    if (lpName1 == NULL || lpName2 == NULL || lpName1->ulKind != lpName2->ulKind)
        return FALSE;
    if (lpName1->lpguid != lpName2->lpguid &&
        (lpName1->lpguid == NULL || lpName2->lpguid == NULL ||
         memcmp(lpName1->lpguid, lpName2->lpguid, sizeof(GUID)) != 0))
        return FALSE;
    if (lpName1->ulKind == MNID_ID)
        return lpName1->Kind.lID == lpName2->Kind.lID;
    if (lpName1->ulKind != MNID_STRING)
        return FALSE;
    const WCHAR *a = lpName1->Kind.lpwstrName, *b = lpName2->Kind.lpwstrName;
    if (a == NULL || b == NULL)
        return a == b;
    /* Names compare exactly, as the named-property map stores them. */
    return mapirt_wcscmp(a, b) == 0;
}

static uint64_t ft_get(FILETIME ft)
{
    return ((uint64_t)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
}

static FILETIME ft_make(uint64_t v)
{
    FILETIME ft;
    ft.dwLowDateTime = (DWORD)(v & 0xFFFFFFFFu);
    ft.dwHighDateTime = (DWORD)(v >> 32);
    return ft;
}

/* FILETIME arithmetic is modulo 2^64, like the 64-bit integer operations it stands for. */
FILETIME FtAddFt(FILETIME ftAddend1, FILETIME ftAddend2)
{
    return ft_make(ft_get(ftAddend1) + ft_get(ftAddend2));
}

FILETIME FtSubFt(FILETIME ftMinuend, FILETIME ftSubtrahend)
{
    return ft_make(ft_get(ftMinuend) - ft_get(ftSubtrahend));
}

FILETIME FtMulDw(DWORD ftMultiplier, FILETIME ftMultiplicand)
{
    return ft_make(ft_get(ftMultiplicand) * ftMultiplier);
}

FILETIME FtMulDwDw(DWORD ftMultiplicand, DWORD ftMultiplier)
{
    return ft_make((uint64_t)ftMultiplicand * ftMultiplier);
}

FILETIME FtNegFt(FILETIME ft)
{
    return ft_make(0 - ft_get(ft));
}

FILETIME FtAdcFt(FILETIME ft1, FILETIME ft2, WORD *pwCarry)
{
    uint64_t a = ft_get(ft1), b = ft_get(ft2);
    uint64_t carry_in = pwCarry != NULL && *pwCarry != 0;
    uint64_t sum = a + b;
    bool carry = sum < a;
    sum += carry_in;
    carry |= carry_in != 0 && sum == 0;
    if (pwCarry != NULL)
        *pwCarry = carry;
    return ft_make(sum);
}
