/* runtime/session/abprefs.c: the address book's settings, kept in the profile as MAPI keeps
 * them (PR_AB_SEARCH_PATH, PR_AB_DEFAULT_PAB, PR_AB_DEFAULT_DIR in the global profile section,
 * docs/decisions.md), so they outlast the session and need no SaveChanges: GetPAB/SetPAB,
 * Get/SetDefaultDir, Get/SetSearchPath. Without a saved search path, the path is every container
 * of the root's hierarchy (CONVENIENT_DEPTH) whose PR_CONTAINER_FLAGS has AB_RECIPIENTS. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "addrbook_internal.h"

/* Exchange's global profile section (pbGlobalProfileSectionGuid): the address book's settings. */
static const MAPIUID AB_SECTION = {{0x13, 0xDB, 0xB0, 0xC8, 0xAA, 0x05, 0x10, 0x1A, 0x9B, 0xB0,
                                    0x00, 0xAA, 0x00, 0x2F, 0xC4, 0x5A}};

/* ---- settings kept in the profile ---- */

/* A property of the address book's section (MAPIAllocateBuffer), or MAPI_E_NOT_FOUND. */
static HRESULT pref_get(mapirt_sess *s, ULONG tag, LPSPropValue *out)
{
    ULONG n = 0;
    LPSPropValue v = NULL;
    char err[256];
    HRESULT hr = mapirt_profstore_get_props(s->ps, s->id, &AB_SECTION, &n, &v, err, sizeof err);
    if (hr == MAPI_E_NOT_FOUND)
        return MAPI_E_NOT_FOUND;
    if (FAILED(hr))
        return hr;
    LPSPropValue f = PpropFindProp(v, n, tag);
    if (!f || (PROP_TYPE(tag) == PT_BINARY && f->Value.bin.cb == 0)) {
        MAPIFreeBuffer(v);
        return MAPI_E_NOT_FOUND;
    }
    LPSPropValue one = NULL;
    hr = ScDupPropset(1, f, MAPIAllocateBuffer, &one);
    MAPIFreeBuffer(v);
    if (FAILED(hr))
        return hr;
    *out = one;
    return S_OK;
}

static HRESULT pref_set(struct addrbook *self, const SPropValue *v)
{
    char err[512] = "";
    HRESULT hr = mapirt_profstore_set_props(self->sess->ps, self->sess->id, &AB_SECTION, 1, v, err,
                                            sizeof err);
    return FAILED(hr) ? mapirt_ab_failf(addrbook_lasterror(self), hr, "the profile cannot be changed: %s",
                              err)
                      : S_OK;
}

/* The entry ID of a property as the caller's own copy (0/NULL when absent). */
static HRESULT get_eid(struct addrbook *self, ULONG tag, ULONG *lpcb, LPENTRYID *lpp)
{
    HRESULT hr = mapirt_ab_usable(self);
    if (FAILED(hr))
        return hr;
    LPSPropValue v = NULL;
    hr = pref_get(self->sess, tag, &v);
    *lpcb = 0;
    *lpp = NULL;
    if (hr == MAPI_E_NOT_FOUND)
        return S_OK;
    if (FAILED(hr))
        return addrbook_fail(self, hr, "the profile cannot be read");
    void *b = NULL;
    if (MAPIAllocateBuffer(v->Value.bin.cb, &b) != S_OK) {
        MAPIFreeBuffer(v);
        return addrbook_fail(self, MAPI_E_NOT_ENOUGH_MEMORY, "out of memory");
    }
    memcpy(b, v->Value.bin.lpb, v->Value.bin.cb);
    *lpcb = v->Value.bin.cb;
    *lpp = b;
    MAPIFreeBuffer(v);
    return S_OK;
}

/* A container entry ID for SetPAB / SetDefaultDir: it must open as an address book container. */
static HRESULT set_container(struct addrbook *self, ULONG tag, ULONG cb, LPENTRYID eid,
                             const char *method)
{
    HRESULT hr = mapirt_ab_usable(self);
    if (FAILED(hr))
        return hr;
    ULONG type = 0;
    LPUNKNOWN u = NULL;
    if (cb == 0)
        return mapirt_ab_failf(addrbook_lasterror(self), MAPI_E_INVALID_PARAMETER,
                     "%s: the root container cannot be chosen", method);
    hr = addrbook_OpenEntry(self, cb, eid, NULL, 0, &type, &u);
    if (FAILED(hr))
        return hr;
    u->lpVtbl->Release(u);
    if (type != MAPI_ABCONT)
        return mapirt_ab_failf(addrbook_lasterror(self), MAPI_E_INVALID_PARAMETER,
                     "%s: the entry ID is not an address book container's", method);
    SPropValue v;
    v.ulPropTag = tag;
    v.dwAlignPad = 0;
    v.Value.bin.cb = cb;
    v.Value.bin.lpb = (LPBYTE)eid;
    return pref_set(self, &v);
}

HRESULT addrbook_GetPAB(struct addrbook *self, ULONG *lpcbEntryID, LPENTRYID *lppEntryID)
{
    return get_eid(self, PR_AB_DEFAULT_PAB, lpcbEntryID, lppEntryID);
}

HRESULT addrbook_SetPAB(struct addrbook *self, ULONG cbEntryID, LPENTRYID lpEntryID)
{
    return set_container(self, PR_AB_DEFAULT_PAB, cbEntryID, lpEntryID, "SetPAB");
}

/* The search path's entry IDs: the saved one, or the default (see the top of the file). */
HRESULT mapirt_ab_search_eids(struct addrbook *self, LPSPropValue *out)
{
    LPSPropValue v = NULL;
    HRESULT hr = pref_get(self->sess, PR_AB_SEARCH_PATH, &v);
    if (hr != MAPI_E_NOT_FOUND) {
        if (SUCCEEDED(hr))
            *out = v;
        return hr;
    }
    LPTABLEDATA td = NULL;
    hr = mapirt_ab_hierarchy(self->sess, CONVENIENT_DEPTH, &td);
    if (FAILED(hr))
        return hr;
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    SizedSPropTagArray(2, cols) = {2, {PR_ENTRYID, PR_CONTAINER_FLAGS}};
    hr = td->lpVtbl->HrGetView(td, NULL, NULL, 0, &t);
    td->lpVtbl->Release(td);
    if (SUCCEEDED(hr)) {
        hr = HrQueryAllRows(t, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows);
        t->lpVtbl->Release(t);
    }
    if (FAILED(hr))
        return hr;
    if (MAPIAllocateBuffer(sizeof *v, (void **)&v) != S_OK ||
        MAPIAllocateMore((rows->cRows + 1) * sizeof(SBinary), v,
                         (void **)&v->Value.MVbin.lpbin) != S_OK) {
        MAPIFreeBuffer(v);
        FreeProws(rows);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    v->ulPropTag = PR_AB_SEARCH_PATH;
    v->Value.MVbin.cValues = 0;
    for (ULONG i = 0; i < rows->cRows; i++) {
        const SPropValue *e = &rows->aRow[i].lpProps[0], *f = &rows->aRow[i].lpProps[1];
        if (e->ulPropTag != PR_ENTRYID || f->ulPropTag != PR_CONTAINER_FLAGS ||
            !(f->Value.l & AB_RECIPIENTS))
            continue;
        SBinary *b = &v->Value.MVbin.lpbin[v->Value.MVbin.cValues];
        if (MAPIAllocateMore(e->Value.bin.cb + 1, v, (void **)&b->lpb) != S_OK) {
            hr = MAPI_E_NOT_ENOUGH_MEMORY;
            break;
        }
        memcpy(b->lpb, e->Value.bin.lpb, e->Value.bin.cb);
        b->cb = e->Value.bin.cb;
        v->Value.MVbin.cValues++;
    }
    FreeProws(rows);
    if (FAILED(hr)) {
        MAPIFreeBuffer(v);
        return hr;
    }
    *out = v;
    return S_OK;
}

HRESULT addrbook_GetDefaultDir(struct addrbook *self, ULONG *lpcbEntryID,
                               LPENTRYID *lppEntryID)
{
    HRESULT hr = get_eid(self, PR_AB_DEFAULT_DIR, lpcbEntryID, lppEntryID);
    if (FAILED(hr) || *lpcbEntryID)
        return hr;
    /* none chosen: the first container of the search path */
    LPSPropValue path = NULL;
    hr = mapirt_ab_search_eids(self, &path);
    if (FAILED(hr))
        return addrbook_fail(self, hr, "GetDefaultDir: the search path cannot be built");
    if (path->Value.MVbin.cValues) {
        const SBinary *b = &path->Value.MVbin.lpbin[0];
        void *p = NULL;
        if (MAPIAllocateBuffer(b->cb, &p) != S_OK) {
            MAPIFreeBuffer(path);
            return addrbook_fail(self, MAPI_E_NOT_ENOUGH_MEMORY, "out of memory");
        }
        memcpy(p, b->lpb, b->cb);
        *lpcbEntryID = b->cb;
        *lppEntryID = p;
    }
    MAPIFreeBuffer(path);
    return S_OK;
}

HRESULT addrbook_SetDefaultDir(struct addrbook *self, ULONG cbEntryID,
                               LPENTRYID lpEntryID)
{
    return set_container(self, PR_AB_DEFAULT_DIR, cbEntryID, lpEntryID, "SetDefaultDir");
}

HRESULT addrbook_GetSearchPath(struct addrbook *self, ULONG ulFlags,
                               LPSRowSet *lppSearchPath)
{
    HRESULT hr = mapirt_ab_usable(self);
    if (FAILED(hr))
        return hr;
    LPSPropValue path = NULL;
    hr = mapirt_ab_search_eids(self, &path);
    if (FAILED(hr))
        return addrbook_fail(self, hr, "GetSearchPath: the search path cannot be built");
    ULONG n = path->Value.MVbin.cValues;
    LPSRowSet rows = NULL;
    if (MAPIAllocateBuffer(CbNewSRowSet(n), (void **)&rows) != S_OK) {
        MAPIFreeBuffer(path);
        return addrbook_fail(self, MAPI_E_NOT_ENOUGH_MEMORY, "out of memory");
    }
    rows->cRows = 0;
    int wide = (ulFlags & MAPI_UNICODE) != 0;
    SizedSPropTagArray(3, tags) = {3, {PR_ENTRYID, wide ? PR_DISPLAY_NAME_W : PR_DISPLAY_NAME_A,
                                       PR_DISPLAY_TYPE}};
    for (ULONG i = 0; i < n; i++) {
        /* containers that cannot be opened now (their provider is gone) are left out */
        const SBinary *b = &path->Value.MVbin.lpbin[i];
        ULONG type = 0, c = 0;
        LPUNKNOWN u = NULL;
        LPSPropValue v = NULL;
        if (b->cb == 0 ||
            FAILED(addrbook_OpenEntry(self, b->cb, (LPENTRYID)b->lpb, NULL, 0, &type, &u)))
            continue;
        HRESULT h = ((LPMAPIPROP)u)->lpVtbl->GetProps((LPMAPIPROP)u, (LPSPropTagArray)&tags,
                                                      ulFlags & MAPI_UNICODE, &c, &v);
        u->lpVtbl->Release(u);
        if (FAILED(h) || c != 3)
            continue;
        /* PR_ENTRYID first, as SetSearchPath wants it back; the one the path holds */
        v[0].ulPropTag = PR_ENTRYID;
        if (MAPIAllocateMore(b->cb, v, (void **)&v[0].Value.bin.lpb) != S_OK) {
            MAPIFreeBuffer(v);
            continue;
        }
        memcpy(v[0].Value.bin.lpb, b->lpb, b->cb);
        v[0].Value.bin.cb = b->cb;
        rows->aRow[rows->cRows].ulAdrEntryPad = 0;
        rows->aRow[rows->cRows].cValues = c;
        rows->aRow[rows->cRows].lpProps = v;
        rows->cRows++;
    }
    MAPIFreeBuffer(path);
    *lppSearchPath = rows;
    return S_OK;
}

HRESULT addrbook_SetSearchPath(struct addrbook *self, ULONG ulFlags,
                               LPSRowSet lpSearchPath)
{
    (void)ulFlags;
    HRESULT hr = mapirt_ab_usable(self);
    if (FAILED(hr))
        return hr;
    for (ULONG i = 0; i < lpSearchPath->cRows; i++) {
        const SRow *r = &lpSearchPath->aRow[i];
        if (r->cValues == 0 || !r->lpProps || r->lpProps[0].ulPropTag != PR_ENTRYID)
            return addrbook_fail(self, MAPI_E_MISSING_REQUIRED_COLUMN,
                                 "SetSearchPath: every row's first column must be PR_ENTRYID");
    }
    SPropValue v;
    v.ulPropTag = PR_AB_SEARCH_PATH;
    v.dwAlignPad = 0;
    v.Value.MVbin.cValues = lpSearchPath->cRows;
    SBinary one;
    v.Value.MVbin.lpbin = lpSearchPath->cRows
                              ? mapirt_calloc(lpSearchPath->cRows, sizeof(SBinary))
                              : &one;
    if (!v.Value.MVbin.lpbin)
        return addrbook_fail(self, MAPI_E_NOT_ENOUGH_MEMORY, "out of memory");
    for (ULONG i = 0; i < lpSearchPath->cRows; i++)
        v.Value.MVbin.lpbin[i] = lpSearchPath->aRow[i].lpProps[0].Value.bin;
    if (lpSearchPath->cRows == 0) {
        /* an empty path is kept as one empty entry ID (a multi-valued property has values) */
        one.cb = 0;
        one.lpb = NULL;
        v.Value.MVbin.cValues = 1;
    }
    hr = pref_set(self, &v);
    if (lpSearchPath->cRows)
        mapirt_free(v.Value.MVbin.lpbin);
    return hr;
}
