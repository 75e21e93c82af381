/* runtime/session/abroot.c: the address book's root container (coclass abroot, the
 * IABContainer OpenEntry gives for no entry ID): its hierarchy table lists the containers of
 * every address book provider's root, in provider order; it has no contents. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "addrbook_internal.h"

#include "abroot_object.h"

static int abroot_fence_enter(struct abroot *self, mapirt_call_frame *f)
{
    return mapirt_gate_enter(self->sess->gate, f);
}

static void abroot_fence_leave(struct abroot *self, mapirt_call_frame *f)
{
    (void)self;
    mapirt_gate_leave(f);
}

/* ---- the root container ---- */

static void abroot_destroy(struct abroot *self)
{
    mapirt_propbag_destroy(self->bag);
    if (self->ab)
        self->ab->lpVtbl->Release(self->ab);
    if (self->sess)
        mapirt_sess_release(self->sess);
}

/* The root container of address book provider p (its IABLogon::OpenEntry with no entry ID). */
static HRESULT provider_root(mapirt_provider *p, LPABCONT *out)
{
    ULONG type = 0;
    LPUNKNOWN u = NULL;
    HRESULT hr = mapirt_logon_open_entry(p, 0, NULL, &IID_IABContainer, 0, &type, &u);
    if (FAILED(hr))
        return hr;
    *out = (LPABCONT)u;
    return S_OK;
}

/* The mapirt_ab_hierarchy of every provider's root in one ITableData (rows as the providers give them,
 * PR_INSTANCE_KEY ours). */
HRESULT mapirt_ab_hierarchy(mapirt_sess *s, ULONG ulFlags, LPTABLEDATA *out)
{
    int wide = (ulFlags & MAPI_UNICODE) != 0;
    SizedSPropTagArray(8, cols) = {8, {wide ? PR_DISPLAY_NAME_W : PR_DISPLAY_NAME_A, PR_ENTRYID,
                                       PR_OBJECT_TYPE, PR_DISPLAY_TYPE, PR_CONTAINER_FLAGS,
                                       PR_DEPTH, PR_AB_PROVIDER_ID, PR_INSTANCE_KEY}};
    LPTABLEDATA td = NULL;
    HRESULT hr = CreateTable(&IID_IMAPITableData, MAPIAllocateBuffer, MAPIAllocateMore,
                             MAPIFreeBuffer, NULL, TBLTYPE_DYNAMIC, PR_INSTANCE_KEY,
                             (LPSPropTagArray)&cols, &td);
    if (FAILED(hr))
        return hr;
    for (ULONG i = 0; SUCCEEDED(hr) && i < s->nprov; i++) {
        mapirt_provider *p = &s->provs[i];
        LPABCONT root = NULL;
        if (p->kind != MAPIRT_PROV_AB || FAILED(provider_root(p, &root)))
            continue;
        LPMAPITABLE t = NULL;
        HRESULT h = root->lpVtbl->GetHierarchyTable(
            root, ulFlags & (CONVENIENT_DEPTH | MAPI_UNICODE), &t);
        root->lpVtbl->Release(root);
        if (FAILED(h))
            continue;
        LPSRowSet rows = NULL;
        if (SUCCEEDED(HrQueryAllRows(t, NULL, NULL, NULL, 0, &rows))) {
            for (ULONG r = 0; SUCCEEDED(hr) && r < rows->cRows; r++) {
                /* PR_AB_PROVIDER_ID: the provider's section UID when it gave none */
                SRow *row = &rows->aRow[r];
                LPSPropValue v = NULL;
                if (MAPIAllocateBuffer((row->cValues + 1) * sizeof *v, (void **)&v) != S_OK) {
                    hr = MAPI_E_NOT_ENOUGH_MEMORY;
                    break;
                }
                memcpy(v, row->lpProps, row->cValues * sizeof *v);
                SRow copy = {0, row->cValues, v};
                if (!PpropFindProp(row->lpProps, row->cValues, PR_AB_PROVIDER_ID)) {
                    v[copy.cValues].ulPropTag = PR_AB_PROVIDER_ID;
                    v[copy.cValues].dwAlignPad = 0;
                    v[copy.cValues].Value.bin.cb = sizeof p->uid;
                    v[copy.cValues++].Value.bin.lpb = p->uid.ab;
                }
                hr = mapirt_row_with_key(td, &copy, i, r);
                MAPIFreeBuffer(v);
            }
            FreeProws(rows);
        }
        t->lpVtbl->Release(t);
    }
    if (FAILED(hr)) {
        td->lpVtbl->Release(td);
        return hr;
    }
    *out = td;
    return S_OK;
}

static HRESULT abroot_GetHierarchyTable(struct abroot *self, ULONG ulFlags, LPMAPITABLE *lppTable)
{
    if (mapirt_ab_ended(self->sess))
        return abroot_fail(self, MAPI_E_END_OF_SESSION, "the session has been logged off");
    LPTABLEDATA td = NULL;
    HRESULT hr = mapirt_ab_hierarchy(self->sess, ulFlags, &td);
    if (SUCCEEDED(hr)) {
        hr = td->lpVtbl->HrGetView(td, NULL, NULL, 0, lppTable);
        td->lpVtbl->Release(td);
    }
    return FAILED(hr) ? abroot_fail(self, hr, "GetHierarchyTable: the table cannot be built") : hr;
}

static HRESULT abroot_GetContentsTable(struct abroot *self, ULONG ulFlags, LPMAPITABLE *lppTable)
{
    (void)ulFlags;
    (void)lppTable;
    return abroot_fail(self, MAPI_E_NO_SUPPORT,
                       "the address book's root container holds containers only: open one of "
                       "its mapirt_ab_hierarchy table's rows");
}

static HRESULT abroot_OpenEntry(struct abroot *self, ULONG cbEntryID, LPENTRYID lpEntryID,
                                LPCIID lpInterface, ULONG ulFlags, ULONG *lpulObjType,
                                LPUNKNOWN *lppUnk)
{
    return self->ab->lpVtbl->OpenEntry(self->ab, cbEntryID, lpEntryID, lpInterface, ulFlags,
                                       lpulObjType, lppUnk);
}

static HRESULT abroot_ResolveNames(struct abroot *self, LPSPropTagArray lpPropTagArray,
                                   ULONG ulFlags, LPADRLIST lpAdrList, LPFlagList lpFlagList)
{
    (void)lpPropTagArray;
    (void)ulFlags;
    (void)lpAdrList;
    (void)lpFlagList;
    return abroot_fail(self, MAPI_E_NO_SUPPORT,
                       "the root container resolves nothing: IAddrBook::ResolveName searches "
                       "the containers of the search path");
}

HRESULT mapirt_ab_root_open(struct addrbook *ab, LPCIID iid, ULONG *lpulObjType, LPUNKNOWN *lppUnk)
{
    struct abroot *r = abroot_new();
    if (!r)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    mapirt_sess_addref(ab->sess);
    r->sess = ab->sess;
    r->ab = addrbook_as_IAddrBook(ab);
    addrbook_addref(ab);
    HRESULT hr = mapirt_propbag_create(NULL, NULL, NULL, "address book root", &r->bag);
    if (SUCCEEDED(hr)) {
        mapirt_propbag_attach(r->bag, abroot_as_IUnknown(r), abroot_lasterror(r));
        SPropValue v[4];
        memset(v, 0, sizeof v);
        v[0].ulPropTag = PR_OBJECT_TYPE;
        v[0].Value.l = MAPI_ABCONT;
        v[1].ulPropTag = PR_DISPLAY_TYPE;
        v[1].Value.l = DT_NOT_SPECIFIC;
        v[2].ulPropTag = PR_CONTAINER_FLAGS;
        v[2].Value.l = AB_SUBCONTAINERS | AB_UNMODIFIABLE;
        v[3].ulPropTag = PR_DISPLAY_NAME_A;
        v[3].Value.lpszA = (LPSTR) "";
        hr = mapirt_propbag_put(r->bag, 4, v, IPROP_READONLY);
    }
    if (SUCCEEDED(hr))
        hr = mapirt_propbag_HrSetObjAccess(r->bag, IPROP_READONLY);
    return mapirt_sess_give_out(hr, abroot_as_IUnknown(r), (LPUNKNOWN)abroot_as_IABContainer(r),
                                &IID_IABContainer, iid, MAPI_ABCONT, lpulObjType, lppUnk);
}
