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
 * The search path, the PAB and the default directory live in the profile (abprefs.c);
 * ResolveName and PrepareRecips are abresolve.c; the root container is abroot.c.
 *
 * After the session ended every method answers MAPI_E_END_OF_SESSION. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "addrbook_internal.h"

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

HRESULT mapirt_ab_failf(mapirt_lasterror *rec, HRESULT hr, const char *fmt, const char *arg)
{
    return mapirt_lasterror_setf(rec, hr, 0, 0, fmt, arg ? arg : "");
}

int mapirt_ab_ended(mapirt_sess *s)
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

HRESULT mapirt_ab_usable(struct addrbook *self)
{
    return mapirt_ab_ended(self->sess)
               ? addrbook_fail(self, MAPI_E_END_OF_SESSION, "the session has been logged off")
               : S_OK;
}

/* The address book provider an entry ID belongs to, or NULL. */
mapirt_provider *mapirt_ab_provider(mapirt_sess *s, ULONG cb, const ENTRYID *eid)
{
    mapirt_provider *p = mapirt_route(s, cb, eid);
    return p && p->kind == MAPIRT_PROV_AB ? p : NULL;
}

HRESULT addrbook_OpenEntry(struct addrbook *self, ULONG cbEntryID, LPENTRYID lpEntryID,
                           LPCIID lpInterface, ULONG ulFlags, ULONG *lpulObjType,
                           LPUNKNOWN *lppUnk)
{
    HRESULT hr = mapirt_ab_usable(self);
    if (FAILED(hr))
        return hr;
    if (!lpEntryID || cbEntryID == 0) {
        hr = mapirt_ab_root_open(self, lpInterface, lpulObjType, lppUnk);
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
    mapirt_provider *p = mapirt_ab_provider(self->sess, cbEntryID, lpEntryID);
    if (!p)
        return addrbook_fail(self, MAPI_E_UNKNOWN_ENTRYID,
                             "OpenEntry: no address book provider of this session registered "
                             "the entry ID's MAPIUID");
    hr = mapirt_logon_open_entry(p, cbEntryID, lpEntryID, lpInterface, ulFlags, lpulObjType,
                                 lppUnk);
    if (FAILED(hr)) {
        char who[400];
        mapirt_provider_name(p, who, sizeof who);
        return mapirt_ab_failf(addrbook_lasterror(self), hr, "OpenEntry: %s refused the entry ID", who);
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
    mapirt_provider *p1 = mapirt_ab_provider(s, cb1, e1), *p2 = mapirt_ab_provider(s, cb2, e2);
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
    HRESULT hr = mapirt_ab_usable(self);
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
    HRESULT hr = mapirt_ab_usable(self);
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
    mapirt_provider *p = mapirt_ab_provider(self->sess, cbEntryID, lpEntryID);
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
    return mapirt_ab_failf(addrbook_lasterror(self), MAPI_E_NO_SUPPORT,
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
    HRESULT hr = mapirt_ab_usable(self);
    if (FAILED(hr))
        return hr;
    *lpcValues = 0;
    *lppOptions = NULL;
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
