/* runtime/session/addrbook.c: MAPI's integrated address book (coclass addrbook, IAddrBook)
 * and its root container (coclass abroot), over the session's address book providers.
 *
 * Address book providers are logged on at MAPILogonEx (SPEC §19.27); IMAPISession::
 * OpenAddressBook and IMAPISupport::OpenAddressBook each hand out a new addrbook over the
 * session proper. Entry IDs are routed by their MAPIUID (mapirt_route) to the provider's
 * IABLogon; one-off entry IDs (oneoff.c) are MAPI's own. The root container (OpenEntry with no
 * entry ID) lists in its hierarchy table the containers of every provider's root, in provider
 * order; it has no contents.
 *
 * The search path, the PAB and the default directory live in the profile, as MAPI keeps them
 * (PR_AB_SEARCH_PATH, PR_AB_DEFAULT_PAB, PR_AB_DEFAULT_DIR in the global profile section,
 * docs/decisions.md), so they outlast the session and need no SaveChanges. Without a saved
 * search path, the path is every container of the root's hierarchy (CONVENIENT_DEPTH) whose
 * PR_CONTAINER_FLAGS has AB_RECIPIENTS, in hierarchy order.
 *
 * ResolveName (resolve.c would be its own file if it grew): for each unresolved ADRENTRY, the
 * one-off syntax "Name[TYPE:address]" becomes a one-off recipient; the others go to each
 * container of the search path in turn (IABContainer::ResolveNames with a FlagList), and an
 * entry a container marks MAPI_AMBIGUOUS is not offered to later containers. The result:
 * MAPI_E_AMBIGUOUS_RECIP if any entry is ambiguous, else MAPI_E_NOT_FOUND if any is left
 * unresolved, else S_OK; resolved entries are rewritten either way.
 *
 * After the session ended every method answers MAPI_E_END_OF_SESSION. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <mapicode.h>
#include <mapiguid.h>
#include <mapiutil.h>
#include <mapix.h>

#include <mapirt/alloc.h>
#include <mapirt/propstore.h>
#include <mapirt/strconv.h>

#include "session_internal.h"

struct ab_fwd {
    ULONG_PTR ours, theirs;
    ULONG index;
};

struct addrbook {
    mapirt_sess *sess; /* a reference */
    mapirt_propbag *bag;
    pthread_mutex_t mu; /* fwd (a leaf lock) */
    struct ab_fwd *fwd;
    ULONG nfwd, cfwd;
};

struct abroot {
    mapirt_sess *sess; /* a reference */
    mapirt_propbag *bag;
    LPADRBOOK ab;      /* a reference: OpenEntry goes through it */
};

#include "abroot_object.h"
#include "addrbook_object.h"

/* [fenced]: counted in on the session's gate (session_internal.h), as the session's other
 * objects are. */
static int addrbook_fence_enter(struct addrbook *self, mapirt_call_frame *f)
{
    return mapirt_gate_enter(self->sess->gate, f);
}

static void addrbook_fence_leave(struct addrbook *self, mapirt_call_frame *f)
{
    (void)self;
    mapirt_gate_leave(f);
}

static int abroot_fence_enter(struct abroot *self, mapirt_call_frame *f)
{
    return mapirt_gate_enter(self->sess->gate, f);
}

static void abroot_fence_leave(struct abroot *self, mapirt_call_frame *f)
{
    (void)self;
    mapirt_gate_leave(f);
}

/* Exchange's global profile section (pbGlobalProfileSectionGuid): the address book's settings. */
static const MAPIUID AB_SECTION = {{0x13, 0xDB, 0xB0, 0xC8, 0xAA, 0x05, 0x10, 0x1A, 0x9B, 0xB0,
                                    0x00, 0xAA, 0x00, 0x2F, 0xC4, 0x5A}};

static HRESULT failf(mapirt_lasterror *rec, HRESULT hr, const char *fmt, const char *arg)
{
    return mapirt_lasterror_setf(rec, hr, 0, 0, fmt, arg ? arg : "");
}

static int ended_sess(mapirt_sess *s)
{
    pthread_mutex_lock(&s->mu);
    int e = s->ended;
    pthread_mutex_unlock(&s->mu);
    return e;
}

/* ---- rows with keys of ours ---- */

HRESULT mapirt_row_with_key(LPTABLEDATA td, const SRow *row, ULONG provider, ULONG n)
{
    BYTE key[8];
    for (int i = 0; i < 4; i++) {
        key[i] = (BYTE)(provider >> (8 * i));
        key[4 + i] = (BYTE)(n >> (8 * i));
    }
    LPSPropValue v = NULL;
    if (MAPIAllocateBuffer((row->cValues + 1) * sizeof *v, (void **)&v) != S_OK)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    ULONG c = 0;
    for (ULONG i = 0; i < row->cValues; i++)
        if (PROP_ID(row->lpProps[i].ulPropTag) != PROP_ID(PR_INSTANCE_KEY))
            v[c++] = row->lpProps[i];
    v[c].ulPropTag = PR_INSTANCE_KEY;
    v[c].dwAlignPad = 0;
    v[c].Value.bin.cb = sizeof key;
    v[c++].Value.bin.lpb = key;
    SRow r = {0, c, v};
    HRESULT hr = td->lpVtbl->HrModifyRow(td, &r);
    MAPIFreeBuffer(v);
    return hr;
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

/* The hierarchy of every provider's root in one ITableData (rows as the providers give them,
 * PR_INSTANCE_KEY ours). */
static HRESULT hierarchy(mapirt_sess *s, ULONG ulFlags, LPTABLEDATA *out)
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
    if (ended_sess(self->sess))
        return abroot_fail(self, MAPI_E_END_OF_SESSION, "the session has been logged off");
    LPTABLEDATA td = NULL;
    HRESULT hr = hierarchy(self->sess, ulFlags, &td);
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
                       "its hierarchy table's rows");
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

static HRESULT root_open(struct addrbook *ab, LPCIID iid, ULONG *lpulObjType, LPUNKNOWN *lppUnk)
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
    if (SUCCEEDED(hr) && iid && !IsEqualIID(iid, &IID_IABContainer)) {
        LPUNKNOWN q = NULL;
        hr = abroot_as_IUnknown(r)->lpVtbl->QueryInterface(abroot_as_IUnknown(r), iid,
                                                            (void **)&q);
        abroot_release(r);
        if (FAILED(hr))
            return hr;
        *lppUnk = q;
    } else if (SUCCEEDED(hr))
        *lppUnk = (LPUNKNOWN)abroot_as_IABContainer(r);
    else {
        abroot_release(r);
        return hr;
    }
    *lpulObjType = MAPI_ABCONT;
    return S_OK;
}

/* ---- IAddrBook ---- */

static void addrbook_destroy(struct addrbook *self)
{
    /* registrations the client left: the providers end them */
    for (ULONG i = 0; self->sess && i < self->nfwd; i++) {
        LPUNKNOWN l = mapirt_logon_ref(&self->sess->provs[self->fwd[i].index]);
        if (l) {
            ((IABLogon *)l)->lpVtbl->Unadvise((IABLogon *)l, self->fwd[i].theirs);
            l->lpVtbl->Release(l);
        }
    }
    mapirt_free(self->fwd);
    mapirt_propbag_destroy(self->bag);
    pthread_mutex_destroy(&self->mu);
    if (self->sess)
        mapirt_sess_release(self->sess);
}

static HRESULT usable(struct addrbook *self)
{
    return ended_sess(self->sess)
               ? addrbook_fail(self, MAPI_E_END_OF_SESSION, "the session has been logged off")
               : S_OK;
}

/* The address book provider an entry ID belongs to, or NULL. */
static mapirt_provider *ab_provider(mapirt_sess *s, ULONG cb, const ENTRYID *eid)
{
    mapirt_provider *p = mapirt_route(s, cb, eid);
    return p && p->kind == MAPIRT_PROV_AB ? p : NULL;
}

static HRESULT addrbook_OpenEntry(struct addrbook *self, ULONG cbEntryID, LPENTRYID lpEntryID,
                                  LPCIID lpInterface, ULONG ulFlags, ULONG *lpulObjType,
                                  LPUNKNOWN *lppUnk)
{
    HRESULT hr = usable(self);
    if (FAILED(hr))
        return hr;
    if (!lpEntryID || cbEntryID == 0) {
        hr = root_open(self, lpInterface, lpulObjType, lppUnk);
        return FAILED(hr) ? addrbook_fail(self, hr, "OpenEntry: the root container") : hr;
    }
    if (cbEntryID < 4 + 16)
        return addrbook_fail(self, MAPI_E_INVALID_ENTRYID,
                             "OpenEntry: the entry ID is too short for a MAPIUID");
    if (mapirt_oneoff_is(cbEntryID, lpEntryID)) {
        hr = mapirt_oneoff_open(cbEntryID, lpEntryID, lpInterface, lpulObjType, lppUnk);
        return FAILED(hr) ? addrbook_fail(self, hr, "OpenEntry: a malformed one-off entry ID")
                          : hr;
    }
    mapirt_provider *p = ab_provider(self->sess, cbEntryID, lpEntryID);
    if (!p)
        return addrbook_fail(self, MAPI_E_UNKNOWN_ENTRYID,
                             "OpenEntry: no address book provider of this session registered "
                             "the entry ID's MAPIUID");
    hr = mapirt_logon_open_entry(p, cbEntryID, lpEntryID, lpInterface, ulFlags, lpulObjType,
                                 lppUnk);
    if (FAILED(hr)) {
        char who[400];
        mapirt_provider_name(p, who, sizeof who);
        return failf(addrbook_lasterror(self), hr, "OpenEntry: %s refused the entry ID", who);
    }
    return hr;
}

static HRESULT compare(mapirt_sess *s, ULONG cb1, LPENTRYID e1, ULONG cb2, LPENTRYID e2,
                       ULONG *lpulResult)
{
    if (cb1 < 20 || cb2 < 20 || !e1 || !e2)
        return MAPI_E_INVALID_ENTRYID;
    int o1 = mapirt_oneoff_is(cb1, e1), o2 = mapirt_oneoff_is(cb2, e2);
    if (o1 || o2) {
        mapirt_oneoff a, b;
        if (!o1 || !o2) {
            *lpulResult = FALSE;
            return S_OK;
        }
        if (FAILED(mapirt_oneoff_parse(cb1, e1, &a)))
            return MAPI_E_INVALID_ENTRYID;
        if (FAILED(mapirt_oneoff_parse(cb2, e2, &b))) {
            mapirt_oneoff_free(&a);
            return MAPI_E_INVALID_ENTRYID;
        }
        *lpulResult = mapirt_oneoff_equal(&a, &b);
        mapirt_oneoff_free(&a);
        mapirt_oneoff_free(&b);
        return S_OK;
    }
    mapirt_provider *p1 = ab_provider(s, cb1, e1), *p2 = ab_provider(s, cb2, e2);
    if (!p1 || !p2)
        return MAPI_E_UNKNOWN_ENTRYID;
    if (p1 != p2) {
        *lpulResult = FALSE;
        return S_OK;
    }
    return mapirt_logon_compare(p1, cb1, e1, cb2, e2, 0, lpulResult);
}

static HRESULT addrbook_CompareEntryIDs(struct addrbook *self, ULONG cbEntryID1,
                                        LPENTRYID lpEntryID1, ULONG cbEntryID2,
                                        LPENTRYID lpEntryID2, ULONG ulFlags, ULONG *lpulResult)
{
    (void)ulFlags;
    HRESULT hr = usable(self);
    if (FAILED(hr))
        return hr;
    hr = compare(self->sess, cbEntryID1, lpEntryID1, cbEntryID2, lpEntryID2, lpulResult);
    if (hr == MAPI_E_INVALID_ENTRYID)
        return addrbook_fail(self, hr, "CompareEntryIDs: an entry ID is too short or malformed");
    if (hr == MAPI_E_UNKNOWN_ENTRYID)
        return addrbook_fail(self, hr, "CompareEntryIDs: no address book provider of this "
                                       "session knows one of the entry IDs");
    return FAILED(hr) ? addrbook_fail(self, hr, "CompareEntryIDs: the provider failed") : hr;
}

/* Connection numbers handed out here (the provider's are kept beside them). */
static atomic_ulong g_conn = 0;

static HRESULT addrbook_Advise(struct addrbook *self, ULONG cbEntryID, LPENTRYID lpEntryID,
                               ULONG ulEventMask, LPMAPIADVISESINK lpAdviseSink,
                               ULONG_PTR *lpulConnection)
{
    HRESULT hr = usable(self);
    if (FAILED(hr))
        return hr;
    if (!lpEntryID || cbEntryID == 0)
        return addrbook_fail(self, MAPI_E_INVALID_PARAMETER,
                             "Advise: the address book registers for an entry, not for itself");
    if (ulEventMask == 0)
        return addrbook_fail(self, MAPI_E_INVALID_PARAMETER, "Advise: no events");
    if (cbEntryID < 4 + 16)
        return addrbook_fail(self, MAPI_E_INVALID_ENTRYID, "Advise: the entry ID is too short");
    if (mapirt_oneoff_is(cbEntryID, lpEntryID))
        return addrbook_fail(self, MAPI_E_NO_SUPPORT,
                             "Advise: a one-off recipient never changes: nothing to report");
    mapirt_provider *p = ab_provider(self->sess, cbEntryID, lpEntryID);
    LPUNKNOWN l = p ? mapirt_logon_ref(p) : NULL;
    if (!l)
        return addrbook_fail(self, MAPI_E_UNKNOWN_ENTRYID,
                             "Advise: no address book provider of this session knows the entry");
    pthread_mutex_lock(&self->mu);
    if (self->nfwd == self->cfwd) {
        ULONG n = self->cfwd ? self->cfwd * 2 : 4;
        struct ab_fwd *f = mapirt_realloc(self->fwd, n * sizeof *f);
        if (f) {
            self->fwd = f;
            self->cfwd = n;
        }
    }
    int room = self->nfwd < self->cfwd;
    pthread_mutex_unlock(&self->mu);
    if (!room) {
        l->lpVtbl->Release(l);
        return addrbook_fail(self, MAPI_E_NOT_ENOUGH_MEMORY, "out of memory");
    }
    ULONG_PTR theirs = 0;
    hr = ((IABLogon *)l)->lpVtbl->Advise((IABLogon *)l, cbEntryID, lpEntryID, ulEventMask,
                                          lpAdviseSink, &theirs);
    l->lpVtbl->Release(l);
    if (FAILED(hr))
        return addrbook_fail(self, hr, "Advise: the provider refused the registration");
    ULONG_PTR ours = (ULONG_PTR)atomic_fetch_add(&g_conn, 1) + 1;
    pthread_mutex_lock(&self->mu);
    self->fwd[self->nfwd].ours = ours;
    self->fwd[self->nfwd].theirs = theirs;
    self->fwd[self->nfwd].index = p->index;
    self->nfwd++;
    pthread_mutex_unlock(&self->mu);
    *lpulConnection = ours;
    return S_OK;
}

static HRESULT addrbook_Unadvise(struct addrbook *self, ULONG_PTR ulConnection)
{
    struct ab_fwd f = {0, 0, 0};
    int found = 0;
    pthread_mutex_lock(&self->mu);
    for (ULONG i = 0; i < self->nfwd; i++)
        if (self->fwd[i].ours == ulConnection) {
            f = self->fwd[i];
            self->fwd[i] = self->fwd[--self->nfwd];
            found = 1;
            break;
        }
    pthread_mutex_unlock(&self->mu);
    if (!found)
        return addrbook_fail(self, MAPI_E_NOT_FOUND, "Unadvise: no such connection");
    LPUNKNOWN l = mapirt_logon_ref(&self->sess->provs[f.index]);
    if (!l)
        return S_OK; /* the provider logged off: its registrations went with it */
    HRESULT hr = ((IABLogon *)l)->lpVtbl->Unadvise((IABLogon *)l, f.theirs);
    l->lpVtbl->Release(l);
    return FAILED(hr) ? addrbook_fail(self, hr, "Unadvise: the provider failed") : hr;
}

static HRESULT addrbook_CreateOneOff(struct addrbook *self, LPTSTR lpszName, LPTSTR lpszAdrType,
                                     LPTSTR lpszAddress, ULONG ulFlags, ULONG *lpcbEntryID,
                                     LPENTRYID *lppEntryID)
{
    HRESULT hr = mapirt_oneoff_make(lpszName, lpszAdrType, lpszAddress, ulFlags, NULL,
                                    lpcbEntryID, lppEntryID);
    if (hr == MAPI_E_INVALID_PARAMETER)
        return addrbook_fail(self, hr, "CreateOneOff: the address type and the address must "
                                       "not be empty");
    return FAILED(hr) ? addrbook_fail(self, hr, "CreateOneOff failed") : hr;
}

/* ---- UI: none ---- */

static HRESULT no_ui(struct addrbook *self, const char *method)
{
    return failf(addrbook_lasterror(self), MAPI_E_NO_SUPPORT,
                 "IAddrBook::%s shows a dialog, and mapirt has no UI", method);
}

static HRESULT addrbook_NewEntry(struct addrbook *self, ULONG_PTR ulUIParam, ULONG ulFlags,
                                 ULONG cbEIDContainer, LPENTRYID lpEIDContainer,
                                 ULONG cbEIDNewEntryTpl, LPENTRYID lpEIDNewEntryTpl,
                                 ULONG *lpcbEIDNewEntry, LPENTRYID *lppEIDNewEntry)
{
    (void)ulUIParam, (void)ulFlags, (void)cbEIDContainer, (void)lpEIDContainer;
    (void)cbEIDNewEntryTpl, (void)lpEIDNewEntryTpl, (void)lpcbEIDNewEntry, (void)lppEIDNewEntry;
    return no_ui(self, "NewEntry");
}

static HRESULT addrbook_Address(struct addrbook *self, ULONG_PTR *lpulUIParam,
                                LPADRPARM lpAdrParms, LPADRLIST *lppAdrList)
{
    (void)lpulUIParam, (void)lpAdrParms, (void)lppAdrList;
    return no_ui(self, "Address");
}

static HRESULT addrbook_Details(struct addrbook *self, ULONG_PTR *lpulUIParam,
                                LPFNDISMISS lpfnDismiss, LPVOID lpvDismissContext,
                                ULONG cbEntryID, LPENTRYID lpEntryID,
                                LPFNBUTTON lpfButtonCallback, LPVOID lpvButtonContext,
                                LPTSTR lpszButtonText, ULONG ulFlags)
{
    (void)lpulUIParam, (void)lpfnDismiss, (void)lpvDismissContext, (void)cbEntryID;
    (void)lpEntryID, (void)lpfButtonCallback, (void)lpvButtonContext, (void)lpszButtonText;
    (void)ulFlags;
    return no_ui(self, "Details");
}

static HRESULT addrbook_RecipOptions(struct addrbook *self, ULONG_PTR ulUIParam, ULONG ulFlags,
                                     LPADRENTRY lpRecip)
{
    (void)ulUIParam, (void)ulFlags, (void)lpRecip;
    return no_ui(self, "RecipOptions");
}

/* Deprecated with QueryDefaultMessageOpt (api-elements-deprecated-in-this-edition.md): no
 * transport offers per-recipient options, so there are none. */
static HRESULT addrbook_QueryDefaultRecipOpt(struct addrbook *self, LPTSTR lpszAdrType,
                                             ULONG ulFlags, ULONG *lpcValues,
                                             LPSPropValue *lppOptions)
{
    (void)lpszAdrType, (void)ulFlags;
    HRESULT hr = usable(self);
    if (FAILED(hr))
        return hr;
    *lpcValues = 0;
    *lppOptions = NULL;
    return S_OK;
}

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
    return FAILED(hr) ? failf(addrbook_lasterror(self), hr, "the profile cannot be changed: %s",
                              err)
                      : S_OK;
}

/* The entry ID of a property as the caller's own copy (0/NULL when absent). */
static HRESULT get_eid(struct addrbook *self, ULONG tag, ULONG *lpcb, LPENTRYID *lpp)
{
    HRESULT hr = usable(self);
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
    HRESULT hr = usable(self);
    if (FAILED(hr))
        return hr;
    ULONG type = 0;
    LPUNKNOWN u = NULL;
    if (cb == 0)
        return failf(addrbook_lasterror(self), MAPI_E_INVALID_PARAMETER,
                     "%s: the root container cannot be chosen", method);
    hr = addrbook_OpenEntry(self, cb, eid, NULL, 0, &type, &u);
    if (FAILED(hr))
        return hr;
    u->lpVtbl->Release(u);
    if (type != MAPI_ABCONT)
        return failf(addrbook_lasterror(self), MAPI_E_INVALID_PARAMETER,
                     "%s: the entry ID is not an address book container's", method);
    SPropValue v;
    v.ulPropTag = tag;
    v.dwAlignPad = 0;
    v.Value.bin.cb = cb;
    v.Value.bin.lpb = (LPBYTE)eid;
    return pref_set(self, &v);
}

static HRESULT addrbook_GetPAB(struct addrbook *self, ULONG *lpcbEntryID, LPENTRYID *lppEntryID)
{
    return get_eid(self, PR_AB_DEFAULT_PAB, lpcbEntryID, lppEntryID);
}

static HRESULT addrbook_SetPAB(struct addrbook *self, ULONG cbEntryID, LPENTRYID lpEntryID)
{
    return set_container(self, PR_AB_DEFAULT_PAB, cbEntryID, lpEntryID, "SetPAB");
}

/* The search path's entry IDs: the saved one, or the default (see the top of the file). */
static HRESULT search_eids(struct addrbook *self, LPSPropValue *out)
{
    LPSPropValue v = NULL;
    HRESULT hr = pref_get(self->sess, PR_AB_SEARCH_PATH, &v);
    if (hr != MAPI_E_NOT_FOUND) {
        if (SUCCEEDED(hr))
            *out = v;
        return hr;
    }
    LPTABLEDATA td = NULL;
    hr = hierarchy(self->sess, CONVENIENT_DEPTH, &td);
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

static HRESULT addrbook_GetDefaultDir(struct addrbook *self, ULONG *lpcbEntryID,
                                      LPENTRYID *lppEntryID)
{
    HRESULT hr = get_eid(self, PR_AB_DEFAULT_DIR, lpcbEntryID, lppEntryID);
    if (FAILED(hr) || *lpcbEntryID)
        return hr;
    /* none chosen: the first container of the search path */
    LPSPropValue path = NULL;
    hr = search_eids(self, &path);
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

static HRESULT addrbook_SetDefaultDir(struct addrbook *self, ULONG cbEntryID,
                                      LPENTRYID lpEntryID)
{
    return set_container(self, PR_AB_DEFAULT_DIR, cbEntryID, lpEntryID, "SetDefaultDir");
}

static HRESULT addrbook_GetSearchPath(struct addrbook *self, ULONG ulFlags,
                                      LPSRowSet *lppSearchPath)
{
    HRESULT hr = usable(self);
    if (FAILED(hr))
        return hr;
    LPSPropValue path = NULL;
    hr = search_eids(self, &path);
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

static HRESULT addrbook_SetSearchPath(struct addrbook *self, ULONG ulFlags,
                                      LPSRowSet lpSearchPath)
{
    (void)ulFlags;
    HRESULT hr = usable(self);
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

/* ---- ResolveName ---- */

/* The display name an entry asks for, as UTF-8 (mapirt heap), or NULL. */
static char *entry_name(const ADRENTRY *a)
{
    for (ULONG i = 0; i < a->cValues; i++) {
        if (a->rgPropVals[i].ulPropTag == PR_DISPLAY_NAME_A)
            return mapirt_strdup(a->rgPropVals[i].Value.lpszA);
        if (a->rgPropVals[i].ulPropTag == PR_DISPLAY_NAME_W)
            return mapirt_str_w_to_a_dup(a->rgPropVals[i].Value.lpszW);
    }
    return NULL;
}

static int has_eid(const ADRENTRY *a)
{
    return PpropFindProp(a->rgPropVals, a->cValues, PR_ENTRYID) != NULL;
}

/* "Display name[TYPE:address]" (one-off-addresses.md): the entry becomes a one-off
 * recipient. 1 when it was one, 0 when the text has another form, <0 on error. */
static HRESULT resolve_oneoff(ADRENTRY *a, const char *text, ULONG ulFlags, int *done)
{
    *done = 0;
    const char *open = strchr(text, '['), *close = open ? strrchr(text, ']') : NULL;
    const char *colon = open ? strchr(open, ':') : NULL;
    if (!open || !close || !colon || colon > close || colon == open + 1 || colon + 1 == close)
        return S_OK;
    for (const char *c = close + 1; *c; c++)
        if (*c != ' ' && *c != '\t')
            return S_OK; /* anything after ']' means it is not a custom recipient */
    size_t nn = (size_t)(open - text);
    while (nn && (text[nn - 1] == ' ' || text[nn - 1] == '\t'))
        nn--;
    char *name = mapirt_malloc(nn + 1), *type = mapirt_malloc((size_t)(colon - open)),
         *addr = mapirt_malloc((size_t)(close - colon));
    HRESULT hr = S_OK;
    if (!name || !type || !addr)
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
    else {
        memcpy(name, text, nn);
        name[nn] = 0;
        memcpy(type, open + 1, (size_t)(colon - open - 1));
        type[colon - open - 1] = 0;
        memcpy(addr, colon + 1, (size_t)(close - colon - 1));
        addr[close - colon - 1] = 0;
    }
    ULONG cb = 0;
    LPENTRYID eid = NULL;
    if (SUCCEEDED(hr))
        hr = mapirt_oneoff_make(name[0] ? name : addr, type, addr, 0, NULL, &cb, &eid);
    ULONG n = 0;
    LPSPropValue v = NULL;
    if (SUCCEEDED(hr))
        hr = mapirt_oneoff_props(cb, eid, &n, &v);
    MAPIFreeBuffer(eid);
    mapirt_free(name);
    mapirt_free(type);
    mapirt_free(addr);
    if (FAILED(hr))
        return hr;
    if (ulFlags & MAPI_UNICODE) {
        /* the caller asked for UTF-16 strings */
        LPSPropValue w = NULL;
        if (MAPIAllocateBuffer(n * sizeof *w, (void **)&w) != S_OK) {
            MAPIFreeBuffer(v);
            return MAPI_E_NOT_ENOUGH_MEMORY;
        }
        for (ULONG i = 0; SUCCEEDED(hr) && i < n; i++) {
            w[i] = v[i];
            if (PROP_TYPE(v[i].ulPropTag) == PT_STRING8) {
                w[i].ulPropTag = PROP_TAG(PT_UNICODE, PROP_ID(v[i].ulPropTag));
                hr = mapirt_str_a_to_w(v[i].Value.lpszA, w, &w[i].Value.lpszW);
            } else if (PROP_TYPE(v[i].ulPropTag) == PT_BINARY)
                hr = PropCopyMore(&w[i], &v[i], MAPIAllocateMore, w);
        }
        MAPIFreeBuffer(v);
        if (FAILED(hr)) {
            MAPIFreeBuffer(w);
            return hr;
        }
        v = w;
    }
    /* the caller's other properties stay (PR_RECIPIENT_TYPE above all), as a provider's
     * ResolveNames keeps them: the one-off's own columns first */
    LPSPropValue m = NULL;
    ULONG k = 0;
    if (MAPIAllocateBuffer((n + a->cValues) * sizeof *m, (void **)&m) != S_OK) {
        MAPIFreeBuffer(v);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    for (ULONG i = 0; SUCCEEDED(hr) && i < n; i++)
        hr = PropCopyMore(&m[k++], &v[i], MAPIAllocateMore, m);
    for (ULONG i = 0; SUCCEEDED(hr) && i < a->cValues; i++) {
        ULONG tag = a->rgPropVals[i].ulPropTag;
        int mine = PROP_TYPE(tag) == PT_ERROR;
        for (ULONG j = 0; !mine && j < n; j++)
            mine = PROP_ID(v[j].ulPropTag) == PROP_ID(tag);
        if (!mine)
            hr = PropCopyMore(&m[k++], &a->rgPropVals[i], MAPIAllocateMore, m);
    }
    MAPIFreeBuffer(v);
    if (FAILED(hr)) {
        MAPIFreeBuffer(m);
        return hr;
    }
    MAPIFreeBuffer(a->rgPropVals);
    a->rgPropVals = m;
    a->cValues = k;
    *done = 1;
    return S_OK;
}

static HRESULT addrbook_ResolveName(struct addrbook *self, ULONG_PTR ulUIParam, ULONG ulFlags,
                                    LPTSTR lpszNewEntryTitle, LPADRLIST lpAdrList)
{
    (void)ulUIParam;
    (void)lpszNewEntryTitle; /* titles a dialog: there is none */
    HRESULT hr = usable(self);
    if (FAILED(hr))
        return hr;
    ULONG n = lpAdrList->cEntries;
    LPFlagList fl = mapirt_calloc(1, offsetof(FlagList, ulFlag) + (n ? n : 1) * sizeof(ULONG));
    if (!fl)
        return addrbook_fail(self, MAPI_E_NOT_ENOUGH_MEMORY, "out of memory");
    fl->cFlags = n;
    ULONG pending = 0;
    for (ULONG i = 0; i < n && SUCCEEDED(hr); i++) {
        ADRENTRY *a = &lpAdrList->aEntries[i];
        if (has_eid(a)) {
            fl->ulFlag[i] = MAPI_RESOLVED; /* resolved before */
            continue;
        }
        char *text = entry_name(a);
        int done = 0;
        if (text)
            hr = resolve_oneoff(a, text, ulFlags, &done);
        mapirt_free(text);
        fl->ulFlag[i] = done ? MAPI_RESOLVED : MAPI_UNRESOLVED;
        pending += !done && text;
    }
    if (FAILED(hr)) {
        mapirt_free(fl);
        return addrbook_fail(self, hr, "ResolveName: out of memory");
    }
    LPSPropValue path = NULL;
    if (pending && FAILED(hr = search_eids(self, &path))) {
        mapirt_free(fl);
        return addrbook_fail(self, hr, "ResolveName: the search path cannot be built");
    }
    char failed[400] = "";
    for (ULONG k = 0; pending && k < path->Value.MVbin.cValues; k++) {
        const SBinary *b = &path->Value.MVbin.lpbin[k];
        ULONG type = 0;
        LPUNKNOWN u = NULL;
        if (b->cb == 0 || FAILED(addrbook_OpenEntry(self, b->cb, (LPENTRYID)b->lpb,
                                                    &IID_IABContainer, 0, &type, &u)))
            continue;
        LPABCONT c = (LPABCONT)u;
        HRESULT h = c->lpVtbl->ResolveNames(c, NULL, ulFlags & MAPI_UNICODE, lpAdrList, fl);
        c->lpVtbl->Release(c);
        if (FAILED(h) && h != MAPI_E_NO_SUPPORT && !failed[0])
            snprintf(failed, sizeof failed, "a container's ResolveNames failed (0x%08X)",
                     (unsigned)h);
        pending = 0;
        for (ULONG i = 0; i < n; i++)
            pending += fl->ulFlag[i] == MAPI_UNRESOLVED;
    }
    MAPIFreeBuffer(path);
    ULONG ambiguous = 0, unresolved = 0;
    for (ULONG i = 0; i < n; i++) {
        ambiguous += fl->ulFlag[i] == MAPI_AMBIGUOUS;
        unresolved += fl->ulFlag[i] == MAPI_UNRESOLVED;
    }
    mapirt_free(fl);
    char text[600];
    if (ambiguous) {
        snprintf(text, sizeof text, "ResolveName: %u name(s) match several entries of one "
                                    "container", (unsigned)ambiguous);
        return failf(addrbook_lasterror(self), MAPI_E_AMBIGUOUS_RECIP, "%s", text);
    }
    if (unresolved) {
        snprintf(text, sizeof text, "ResolveName: %u name(s) match no entry of the search "
                                    "path%s%s", (unsigned)unresolved, failed[0] ? "; " : "",
                 failed);
        return failf(addrbook_lasterror(self), MAPI_E_NOT_FOUND, "%s", text);
    }
    return S_OK;
}

/* ---- PrepareRecips ---- */

/* The one-off recipient's columns asked for first, then what the entry had. */
static HRESULT prepare_oneoff(ADRENTRY *a, const SBinary *eid, LPSPropTagArray tags,
                              ULONG ulFlags)
{
    ULONG n = 0;
    LPSPropValue mine = NULL;
    HRESULT hr = mapirt_oneoff_props(eid->cb, (LPENTRYID)eid->lpb, &n, &mine);
    if (FAILED(hr))
        return hr;
    ULONG want = tags ? tags->cValues : 0;
    LPSPropValue v = NULL;
    if (MAPIAllocateBuffer((want + a->cValues) * sizeof *v + 1, (void **)&v) != S_OK) {
        MAPIFreeBuffer(mine);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    ULONG c = 0;
    for (ULONG i = 0; SUCCEEDED(hr) && i < want; i++) {
        ULONG tag = tags->aulPropTag[i];
        const SPropValue *f = PpropFindProp(mine, n, PROP_TAG(PT_UNSPECIFIED, PROP_ID(tag)));
        if (!f) {
            f = PpropFindProp(a->rgPropVals, a->cValues, tag);
            if (!f) {
                v[c].ulPropTag = PROP_TAG(PT_ERROR, PROP_ID(tag));
                v[c].dwAlignPad = 0;
                v[c++].Value.err = MAPI_E_NOT_FOUND;
                continue;
            }
        }
        if (PROP_TYPE(f->ulPropTag) == PT_STRING8 &&
            (PROP_TYPE(tag) == PT_UNICODE ||
             (PROP_TYPE(tag) == PT_UNSPECIFIED && (ulFlags & MAPI_UNICODE)))) {
            v[c] = *f;
            v[c].ulPropTag = PROP_TAG(PT_UNICODE, PROP_ID(tag));
            hr = mapirt_str_a_to_w(f->Value.lpszA, v, &v[c++].Value.lpszW);
        } else
            hr = PropCopyMore(&v[c++], (LPSPropValue)f, MAPIAllocateMore, v);
    }
    for (ULONG i = 0; SUCCEEDED(hr) && i < a->cValues; i++) {
        int dup = 0;
        for (ULONG k = 0; k < c; k++)
            dup |= PROP_ID(v[k].ulPropTag) == PROP_ID(a->rgPropVals[i].ulPropTag);
        if (!dup)
            hr = PropCopyMore(&v[c++], &a->rgPropVals[i], MAPIAllocateMore, v);
    }
    MAPIFreeBuffer(mine);
    if (FAILED(hr)) {
        MAPIFreeBuffer(v);
        return hr;
    }
    MAPIFreeBuffer(a->rgPropVals);
    a->rgPropVals = v;
    a->cValues = c;
    return S_OK;
}

static HRESULT addrbook_PrepareRecips(struct addrbook *self, ULONG ulFlags,
                                      LPSPropTagArray lpPropTagArray, LPADRLIST lpRecipList)
{
    HRESULT hr = usable(self);
    if (FAILED(hr))
        return hr;
    mapirt_sess *s = self->sess;
    ULONG n = lpRecipList->cEntries;
    for (ULONG i = 0; i < n; i++)
        if (!has_eid(&lpRecipList->aEntries[i]))
            return addrbook_fail(self, MAPI_E_INVALID_PARAMETER,
                                 "PrepareRecips: a recipient has no PR_ENTRYID (resolve it "
                                 "first)");
    /* one-offs here; the others, a list per provider, to its IABLogon::PrepareRecips */
    LPADRLIST sub = mapirt_calloc(1, CbNewADRLIST(n ? n : 1));
    ULONG *from = mapirt_calloc(n ? n : 1, sizeof *from);
    if (!sub || !from) {
        mapirt_free(sub);
        mapirt_free(from);
        return addrbook_fail(self, MAPI_E_NOT_ENOUGH_MEMORY, "out of memory");
    }
    char err[400] = "";
    for (ULONG i = 0; SUCCEEDED(hr) && i < n; i++) {
        ADRENTRY *a = &lpRecipList->aEntries[i];
        const SPropValue *e = PpropFindProp(a->rgPropVals, a->cValues, PR_ENTRYID);
        if (mapirt_oneoff_is(e->Value.bin.cb, (LPENTRYID)e->Value.bin.lpb)) {
            SBinary copy = e->Value.bin; /* a->rgPropVals is replaced under it */
            BYTE *keep = mapirt_malloc(copy.cb ? copy.cb : 1);
            if (!keep) {
                hr = MAPI_E_NOT_ENOUGH_MEMORY;
                break;
            }
            memcpy(keep, copy.lpb, copy.cb);
            copy.lpb = keep;
            hr = prepare_oneoff(a, &copy, lpPropTagArray, ulFlags);
            mapirt_free(keep);
            if (hr == MAPI_E_INVALID_ENTRYID)
                snprintf(err, sizeof err, "PrepareRecips: recipient %u has a malformed one-off "
                                          "entry ID", (unsigned)i);
        }
    }
    for (ULONG pi = 0; SUCCEEDED(hr) && pi < s->nprov; pi++) {
        mapirt_provider *p = &s->provs[pi];
        if (p->kind != MAPIRT_PROV_AB)
            continue;
        sub->cEntries = 0;
        for (ULONG i = 0; i < n; i++) {
            ADRENTRY *a = &lpRecipList->aEntries[i];
            const SPropValue *e = PpropFindProp(a->rgPropVals, a->cValues, PR_ENTRYID);
            if (e->Value.bin.cb >= 20 &&
                ab_provider(s, e->Value.bin.cb, (LPENTRYID)e->Value.bin.lpb) == p) {
                from[sub->cEntries] = i;
                sub->aEntries[sub->cEntries++] = *a;
            }
        }
        if (!sub->cEntries)
            continue;
        LPUNKNOWN l = mapirt_logon_ref(p);
        if (!l)
            continue;
        hr = ((IABLogon *)l)->lpVtbl->PrepareRecips((IABLogon *)l, ulFlags, lpPropTagArray,
                                                     sub);
        l->lpVtbl->Release(l);
        /* the provider may have replaced the entries' arrays: take them back either way */
        for (ULONG k = 0; k < sub->cEntries; k++)
            lpRecipList->aEntries[from[k]] = sub->aEntries[k];
        if (FAILED(hr)) {
            mapirt_provider_name(p, err, sizeof err);
            mapirt_textf(err + strlen(err), sizeof err - strlen(err),
                         ": PrepareRecips failed (0x%08X)", (unsigned)hr);
        }
    }
    mapirt_free(sub);
    mapirt_free(from);
    if (FAILED(hr))
        return failf(addrbook_lasterror(self), hr, "%s", err[0] ? err : "PrepareRecips failed");
    return S_OK;
}

/* ---- creation ---- */

HRESULT mapirt_addrbook_create(mapirt_sess *s, LPCIID iid, LPADRBOOK *out)
{
    struct addrbook *ab = addrbook_new();
    if (!ab)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    pthread_mutex_init(&ab->mu, NULL);
    mapirt_sess_addref(s);
    ab->sess = s;
    HRESULT hr = mapirt_propbag_create(NULL, NULL, NULL, "IAddrBook", &ab->bag);
    if (SUCCEEDED(hr)) {
        mapirt_propbag_attach(ab->bag, addrbook_as_IUnknown(ab), addrbook_lasterror(ab));
        SPropValue v;
        v.ulPropTag = PR_OBJECT_TYPE;
        v.dwAlignPad = 0;
        v.Value.l = MAPI_ADDRBOOK;
        hr = mapirt_propbag_put(ab->bag, 1, &v, IPROP_READONLY);
    }
    if (SUCCEEDED(hr))
        hr = mapirt_propbag_HrSetObjAccess(ab->bag, IPROP_READONLY);
    if (FAILED(hr)) {
        addrbook_release(ab);
        return hr;
    }
    if (iid && !IsEqualIID(iid, &IID_IAddrBook)) {
        LPUNKNOWN u = addrbook_as_IUnknown(ab);
        hr = u->lpVtbl->QueryInterface(u, iid, (void **)out);
        addrbook_release(ab);
        return hr;
    }
    *out = addrbook_as_IAddrBook(ab);
    return S_OK;
}

void mapirt_addrbook_failures(mapirt_sess *s, char *buf, size_t cb)
{
    buf[0] = 0;
    pthread_mutex_lock(&s->mu);
    for (ULONG i = 0; i < s->nprov; i++) {
        mapirt_provider *p = &s->provs[i];
        if (p->kind != MAPIRT_PROV_AB ||
            (p->state != MAPIRT_PROV_FAILED && p->state != MAPIRT_PROV_DISABLED))
            continue;
        size_t at = strlen(buf);
        mapirt_textf(buf + at, cb - at, "%s%s", at ? "; " : "",
                     p->error_text[0] ? p->error_text : p->display);
    }
    pthread_mutex_unlock(&s->mu);
}
