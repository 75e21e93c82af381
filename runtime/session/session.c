/* runtime/session/session.c: IMAPISession (session.idl), the client's handle on a session.
 *
 * Each MAPILogonEx hands out its own handle; the handles of a shared session share one
 * session proper (session_internal.h). After the handle's Logoff, or once the session proper
 * ended (MAPIUninitialize), every method answers MAPI_E_END_OF_SESSION: only Release is left.
 * Session-level Advise registrations (no entry ID) belong to the handle; registrations with an
 * entry ID are forwarded to the provider that registered its MAPIUID, and Unadvise finds them
 * again by the connection number the handle gave. */
#include <stdio.h>
#include <string.h>

#include <mapicode.h>
#include <mapiguid.h>
#include <mapiutil.h>
#include <mapix.h>

#include <mapirt/alloc.h>
#include <mapirt/strconv.h>

#include "profile/copytarget.h"
#include "profile/profsect.h"
#include "profile/svcadmin.h"
#include "session_internal.h"
#include "session_handle.h"

#include "session_object.h"

/* Until its Logoff (or Release) a handle stands for its profile as the destination of
 * IMsgServiceAdmin::CopyMsgService (lpInterfaceDst NULL or IID_IMAPISession). */
static void copy_target_end(struct session *self)
{
    if (atomic_exchange(&self->copy_target, 0))
        mapirt_copytarget_remove(session_as_IUnknown(self));
}

static void session_destroy(struct session *self)
{
    copy_target_end(self);
    if (self->sess && !self->loggedoff)
        mapirt_session_detach(self, 0, 0); /* released without Logoff: the same, silently */
    mapirt_advise_list_destroy(self->sinks);
    mapirt_free(self->fwd);
    if (self->sess)
        mapirt_sess_release(self->sess);
}

/* [fenced]: counted in on the session's gate (session_internal.h). */
static int session_fence_enter(struct session *self, mapirt_call_frame *f)
{
    return mapirt_gate_enter(self->sess->gate, f);
}

static void session_fence_leave(struct session *self, mapirt_call_frame *f)
{
    (void)self;
    mapirt_gate_leave(f);
}

/* MAPI_E_END_OF_SESSION when the handle logged off or its session ended. */
static HRESULT usable(struct session *self)
{
    int ok;
    pthread_mutex_lock(&self->sess->mu);
    ok = !self->loggedoff && !self->sess->ended;
    pthread_mutex_unlock(&self->sess->mu);
    return ok ? S_OK
              : session_fail(self, MAPI_E_END_OF_SESSION, "the session has been logged off");
}

static HRESULT failf(struct session *self, HRESULT hr, const char *text)
{
    return mapirt_lasterror_setf(session_lasterror(self), hr, 0, 0, "%s", text);
}

/* A view of one of the session's tables, on the session's kill switch: it answers
 * MAPI_E_END_OF_SESSION once the session ended. */
static HRESULT table_out(struct session *self, int stores, ULONG ulFlags, LPMAPITABLE *out)
{
    LPMAPITABLE view = NULL;
    HRESULT hr = stores ? mapirt_stores_view(self->sess, ulFlags, &view)
                        : mapirt_status_view(self->sess, ulFlags, &view);
    if (SUCCEEDED(hr))
        hr = mapirt_sess_hand_out(self->sess, &IID_IMAPITable, (LPUNKNOWN)view,
                                  (LPUNKNOWN *)out);
    return hr;
}

static HRESULT session_GetMsgStoresTable(struct session *self, ULONG ulFlags,
                                         LPMAPITABLE *lppTable)
{
    HRESULT hr = usable(self);
    if (SUCCEEDED(hr) && FAILED(hr = table_out(self, 1, ulFlags, lppTable)))
        return session_fail(self, hr, "the message store table cannot be opened");
    return hr;
}

static HRESULT session_GetStatusTable(struct session *self, ULONG ulFlags, LPMAPITABLE *lppTable)
{
    HRESULT hr = usable(self);
    if (SUCCEEDED(hr) && FAILED(hr = table_out(self, 0, ulFlags, lppTable)))
        return session_fail(self, hr, "the status table cannot be opened");
    return hr;
}

/* The store provider an entry ID names (wrapped or the store's own), or NULL. */
static mapirt_provider *store_of(struct session *self, ULONG cb, LPENTRYID eid, ULONG *cbInner,
                                 LPENTRYID *inner)
{
    MAPIUID section;
    const BYTE *in;
    mapirt_provider *p = mapirt_route(self->sess, cb, eid);
    *cbInner = cb;
    *inner = eid;
    if (p && mapirt_store_eid_unwrap(cb, eid, &section, cbInner, &in))
        *inner = (LPENTRYID)(uintptr_t)in;
    return p && p->kind == MAPIRT_PROV_MS ? p : NULL;
}

static HRESULT session_OpenMsgStore(struct session *self, ULONG_PTR ulUIParam, ULONG cbEntryID,
                                    LPENTRYID lpEntryID, LPCIID lpInterface, ULONG ulFlags,
                                    LPMDB *lppMDB)
{
    HRESULT hr = usable(self);
    if (FAILED(hr))
        return hr;
    if (cbEntryID < 4 + 16)
        return failf(self, MAPI_E_INVALID_ENTRYID, "OpenMsgStore: the entry ID is too short");
    ULONG cb;
    LPENTRYID inner;
    mapirt_provider *p = store_of(self, cbEntryID, lpEntryID, &cb, &inner);
    if (!p)
        return failf(self, MAPI_E_NOT_FOUND,
                     "OpenMsgStore: no store of this session's profile has this entry ID");
    LPMDB mdb = NULL;
    hr = mapirt_store_open(self->sess, p, ulUIParam, cb, inner, ulFlags, &mdb);
    if (FAILED(hr)) {
        char text[600];
        pthread_mutex_lock(&self->sess->mu);
        snprintf(text, sizeof text, "OpenMsgStore: %s",
                 p->error_text[0] ? p->error_text : "the store cannot be opened");
        pthread_mutex_unlock(&self->sess->mu);
        return failf(self, hr, text);
    }
    LPUNKNOWN out = NULL;
    if (FAILED(hr = mapirt_provider_hand_out(self->sess, p, &IID_IMsgStore, MAPI_STORE,
                                             (LPUNKNOWN)mdb, &out)))
        return failf(self, hr, "OpenMsgStore: the store's provider has logged off");
    if (lpInterface && !IsEqualIID(lpInterface, &IID_IMsgStore)) {
        hr = out->lpVtbl->QueryInterface(out, lpInterface, (void **)lppMDB);
        out->lpVtbl->Release(out);
        return hr;
    }
    *lppMDB = (LPMDB)out;
    return S_OK;
}

static HRESULT session_OpenProfileSection(struct session *self, LPMAPIUID lpUID,
                                          LPCIID lpInterface, ULONG ulFlags,
                                          LPPROFSECT *lppProfSect)
{
    HRESULT hr = usable(self);
    if (FAILED(hr))
        return hr;
    if (lpInterface && !IsEqualIID(lpInterface, &IID_IProfSect) &&
        !IsEqualIID(lpInterface, &IID_IMAPIProp) && !IsEqualIID(lpInterface, &IID_IUnknown))
        return session_fail(self, MAPI_E_INTERFACE_NOT_SUPPORTED,
                            "OpenProfileSection: a profile section is an IProfSect");
    /* providers' sections belong to them: MAPI_FORCE_ACCESS to open one writable */
    if ((ulFlags & MAPI_MODIFY) && !(ulFlags & MAPI_FORCE_ACCESS) &&
        mapirt_uidmap_find(self->sess->sections, lpUID) >= 0)
        return session_fail(self, MAPI_E_NO_ACCESS,
                            "OpenProfileSection: a provider's section needs MAPI_FORCE_ACCESS");
    char err[512] = "";
    hr = mapirt_profsect_open(self->sess->ps, self->sess->id, lpUID, ulFlags, lppProfSect, err,
                              sizeof err);
    if (FAILED(hr))
        return failf(self, hr, err[0] ? err : "the profile section cannot be opened");
    return hr;
}

static HRESULT session_OpenEntry(struct session *self, ULONG cbEntryID, LPENTRYID lpEntryID,
                                 LPCIID lpInterface, ULONG ulFlags, ULONG *lpulObjType,
                                 LPUNKNOWN *lppUnk)
{
    HRESULT hr = usable(self);
    char err[600] = "";
    if (FAILED(hr))
        return hr;
    hr = mapirt_sess_open_entry(self->sess, cbEntryID, lpEntryID, lpInterface, ulFlags,
                                lpulObjType, lppUnk, err, sizeof err);
    if (FAILED(hr))
        return failf(self, hr, err[0] ? err : "OpenEntry: the provider refused");
    return hr;
}

static HRESULT session_CompareEntryIDs(struct session *self, ULONG cbEntryID1,
                                       LPENTRYID lpEntryID1, ULONG cbEntryID2,
                                       LPENTRYID lpEntryID2, ULONG ulFlags, ULONG *lpulResult)
{
    HRESULT hr = usable(self);
    if (FAILED(hr))
        return hr;
    hr = mapirt_sess_compare(self->sess, cbEntryID1, lpEntryID1, cbEntryID2, lpEntryID2, ulFlags,
                             lpulResult);
    if (hr == MAPI_E_INVALID_ENTRYID)
        return session_fail(self, hr, "CompareEntryIDs: an entry ID is too short");
    if (hr == MAPI_E_UNKNOWN_ENTRYID)
        return session_fail(self, hr, "CompareEntryIDs: no provider of this session knows one "
                                      "of the entry IDs");
    return hr;
}

/* Connection numbers of forwarded registrations: the high bit keeps them apart from the
 * advise lists' own numbers (which count up from 1). */
static atomic_ulong g_fwd_conn = 0;

static HRESULT session_Advise(struct session *self, ULONG cbEntryID, LPENTRYID lpEntryID,
                              ULONG ulEventMask, LPMAPIADVISESINK lpAdviseSink,
                              ULONG_PTR *lpulConnection)
{
    HRESULT hr = usable(self);
    if (FAILED(hr))
        return hr;
    if (ulEventMask == 0)
        return session_fail(self, MAPI_E_INVALID_PARAMETER, "Advise: no events");
    if (!lpEntryID) {
        hr = mapirt_advise_add(self->sinks, ulEventMask, lpAdviseSink, lpulConnection);
        return FAILED(hr) ? session_fail(self, hr, "Advise failed") : hr;
    }
    if (cbEntryID < 4 + 16)
        return session_fail(self, MAPI_E_INVALID_ENTRYID, "Advise: the entry ID is too short");
    mapirt_provider *p = mapirt_route(self->sess, cbEntryID, lpEntryID);
    if (!p)
        return session_fail(self, MAPI_E_UNKNOWN_ENTRYID,
                            "Advise: no provider of this session knows the entry ID");
    if (p->kind == MAPIRT_PROV_XP)
        return session_fail(self, MAPI_E_NO_SUPPORT, "Advise: transports take no registrations");
    pthread_mutex_lock(&self->sess->mu);
    LPUNKNOWN l = p->state == MAPIRT_PROV_ACTIVE ? p->logon : NULL;
    if (l)
        l->lpVtbl->AddRef(l);
    if (self->nfwd == self->cfwd) {
        ULONG n = self->cfwd ? self->cfwd * 2 : 4;
        struct session_fwd *f = mapirt_realloc(self->fwd, n * sizeof *f);
        if (f) {
            self->fwd = f;
            self->cfwd = n;
        }
    }
    int room = self->nfwd < self->cfwd;
    pthread_mutex_unlock(&self->sess->mu);
    if (!l)
        return session_fail(self, MAPI_E_UNKNOWN_ENTRYID, "Advise: the provider is not logged on");
    if (!room) {
        l->lpVtbl->Release(l);
        return session_fail(self, MAPI_E_NOT_ENOUGH_MEMORY, "out of memory");
    }
    ULONG_PTR theirs = 0;
    if (p->kind == MAPIRT_PROV_AB)
        hr = ((IABLogon *)l)->lpVtbl->Advise((IABLogon *)l, cbEntryID, lpEntryID, ulEventMask,
                                              lpAdviseSink, &theirs);
    else
        hr = ((IMSLogon *)l)->lpVtbl->Advise((IMSLogon *)l, cbEntryID, lpEntryID, ulEventMask,
                                              lpAdviseSink, &theirs);
    l->lpVtbl->Release(l);
    if (FAILED(hr))
        return session_fail(self, hr, "Advise: the provider refused the registration");
    ULONG_PTR ours = (ULONG_PTR)(atomic_fetch_add(&g_fwd_conn, 1) + 1) |
                     ((ULONG_PTR)1 << (sizeof(ULONG_PTR) * 8 - 1));
    pthread_mutex_lock(&self->sess->mu);
    self->fwd[self->nfwd].ours = ours;
    self->fwd[self->nfwd].theirs = theirs;
    self->fwd[self->nfwd].index = p->index;
    self->nfwd++;
    pthread_mutex_unlock(&self->sess->mu);
    *lpulConnection = ours;
    return S_OK;
}

/* Ends a forwarded registration (sess->mu not held). */
static HRESULT unadvise_fwd(mapirt_sess *s, struct session_fwd f)
{
    mapirt_provider *p = &s->provs[f.index];
    pthread_mutex_lock(&s->mu);
    LPUNKNOWN l = p->state == MAPIRT_PROV_ACTIVE ? p->logon : NULL;
    if (l)
        l->lpVtbl->AddRef(l);
    pthread_mutex_unlock(&s->mu);
    if (!l)
        return S_OK; /* the provider logged off: its registrations went with it */
    HRESULT hr = p->kind == MAPIRT_PROV_AB
                     ? ((IABLogon *)l)->lpVtbl->Unadvise((IABLogon *)l, f.theirs)
                     : ((IMSLogon *)l)->lpVtbl->Unadvise((IMSLogon *)l, f.theirs);
    l->lpVtbl->Release(l);
    return hr;
}

static HRESULT session_Unadvise(struct session *self, ULONG_PTR ulConnection)
{
    HRESULT hr = usable(self);
    if (FAILED(hr))
        return hr;
    struct session_fwd f = {0, 0, 0};
    int found = 0;
    pthread_mutex_lock(&self->sess->mu);
    for (ULONG i = 0; i < self->nfwd; i++)
        if (self->fwd[i].ours == ulConnection) {
            f = self->fwd[i];
            self->fwd[i] = self->fwd[--self->nfwd];
            found = 1;
            break;
        }
    pthread_mutex_unlock(&self->sess->mu);
    if (found)
        return unadvise_fwd(self->sess, f);
    hr = mapirt_advise_remove(self->sinks, ulConnection);
    return FAILED(hr) ? session_fail(self, hr, "Unadvise: no such connection") : hr;
}

static HRESULT session_QueryIdentity(struct session *self, ULONG *lpcbEntryID,
                                     LPENTRYID *lppEntryID)
{
    HRESULT hr = usable(self);
    if (FAILED(hr))
        return hr;
    hr = mapirt_query_identity(self->sess, lpcbEntryID, lppEntryID);
    return FAILED(hr) ? session_fail(self, hr, "QueryIdentity failed") : hr;
}

static HRESULT session_SetDefaultStore(struct session *self, ULONG ulFlags, ULONG cbEntryID,
                                       LPENTRYID lpEntryID)
{
    char err[512] = "";
    HRESULT hr = usable(self);
    if (FAILED(hr))
        return hr;
    hr = mapirt_set_default_store(self->sess, ulFlags, cbEntryID, lpEntryID, err, sizeof err);
    return FAILED(hr) ? failf(self, hr, err[0] ? err : "SetDefaultStore failed") : hr;
}

static HRESULT session_AdminServices(struct session *self, ULONG ulFlags,
                                     LPSERVICEADMIN *lppServiceAdmin)
{
    (void)ulFlags;
    HRESULT hr = usable(self);
    if (FAILED(hr))
        return hr;
    hr = mapirt_svcadmin_create(self->sess->ps, self->sess->id, lppServiceAdmin);
    return FAILED(hr) ? session_fail(self, hr, "AdminServices failed") : hr;
}

static HRESULT session_Logoff(struct session *self, ULONG_PTR ulUIParam, ULONG ulFlags,
                              ULONG ulReserved)
{
    (void)ulUIParam; /* MAPI_LOGOFF_UI: there is nothing to show */
    (void)ulReserved;
    pthread_mutex_lock(&self->sess->mu);
    int done = self->loggedoff;
    pthread_mutex_unlock(&self->sess->mu);
    if (done)
        return session_fail(self, MAPI_E_END_OF_SESSION, "the session has been logged off");
    copy_target_end(self);
    mapirt_session_detach(self, ulFlags, 1);
    return S_OK;
}

/* ---- the address book, address types, deprecated and form methods (part 2) ---- */

static HRESULT session_OpenAddressBook(struct session *self, ULONG_PTR ulUIParam,
                                       LPCIID lpInterface, ULONG ulFlags, LPADRBOOK *lppAdrBook)
{
    (void)ulUIParam;
    (void)ulFlags; /* AB_NO_DIALOG: there is never a dialog */
    HRESULT hr = usable(self);
    if (FAILED(hr))
        return hr;
    hr = mapirt_addrbook_create(self->sess, lpInterface, lppAdrBook);
    if (FAILED(hr))
        return session_fail(self, hr, "OpenAddressBook: the address book cannot be made");
    /* a valid address book always; the warning names the providers that did not log on */
    char failed[900];
    mapirt_addrbook_failures(self->sess, failed, sizeof failed);
    if (failed[0])
        return mapirt_lasterror_setf(session_lasterror(self), MAPI_W_ERRORS_RETURNED, 0, 0,
                                     "OpenAddressBook: address book providers that could not "
                                     "log on: %s", failed);
    return S_OK;
}

/* Deprecated (api-elements-deprecated-in-this-edition.md): MAPI answers MAPI_E_NOT_FOUND. */
static HRESULT session_MessageOptions(struct session *self, ULONG_PTR ulUIParam, ULONG ulFlags,
                                      LPTSTR lpszAdrType, LPMESSAGE lpMessage)
{
    (void)ulUIParam, (void)ulFlags, (void)lpszAdrType, (void)lpMessage;
    HRESULT hr = usable(self);
    if (FAILED(hr))
        return hr;
    return session_fail(self, MAPI_E_NOT_FOUND,
                        "MessageOptions is deprecated: no transport offers message options");
}

/* Deprecated: no property array. */
static HRESULT session_QueryDefaultMessageOpt(struct session *self, LPTSTR lpszAdrType,
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

/* The address types of the active transports (IXPLogon::AddressTypes, whose flags say whether
 * its strings are UTF-16), in transport order, each once (compared without case; the first
 * spelling stays). One MAPIAllocateBuffer block, NULL after the last. */
static HRESULT session_EnumAdrTypes(struct session *self, ULONG ulFlags, ULONG *lpcAdrTypes,
                                    LPTSTR **lpppszAdrTypes)
{
    HRESULT hr = usable(self);
    if (FAILED(hr))
        return hr;
    mapirt_sess *s = self->sess;
    int wide = (ulFlags & MAPI_UNICODE) != 0;
    char **all = NULL; /* UTF-8 copies */
    ULONG n = 0, cap = 0;
    for (ULONG i = 0; SUCCEEDED(hr) && i < s->nprov; i++) {
        LPUNKNOWN l = s->provs[i].kind == MAPIRT_PROV_XP ? mapirt_logon_ref(&s->provs[i]) : NULL;
        if (!l)
            continue;
        IXPLogon *x = (IXPLogon *)l;
        ULONG fl = 0, ct = 0, cu = 0;
        LPTSTR *types = NULL;
        LPMAPIUID *uids = NULL;
        if (FAILED(x->lpVtbl->AddressTypes(x, &fl, &ct, &types, &cu, &uids)) || !types)
            ct = 0;
        for (ULONG k = 0; SUCCEEDED(hr) && k < ct; k++) {
            if (!types[k])
                continue;
            char *t = (fl & MAPI_UNICODE) ? mapirt_str_w_to_a_dup((const WCHAR *)types[k])
                                          : mapirt_strdup((const char *)types[k]);
            int dup = !t;
            for (ULONG j = 0; t && !dup && j < n; j++)
                dup = mapirt_str_compare(all[j], false, t, false, FL_IGNORECASE) == 0;
            if (dup) {
                hr = t ? S_OK : MAPI_E_NOT_ENOUGH_MEMORY;
                mapirt_free(t);
                continue;
            }
            if (n == cap) {
                cap = cap ? cap * 2 : 8;
                char **a = mapirt_realloc(all, cap * sizeof *a);
                if (!a) {
                    mapirt_free(t);
                    hr = MAPI_E_NOT_ENOUGH_MEMORY;
                    break;
                }
                all = a;
            }
            all[n++] = t;
        }
        l->lpVtbl->Release(l); /* the transport's array is not used past here */
    }
    size_t bytes = (n + 1) * sizeof(LPTSTR);
    for (ULONG i = 0; i < n; i++)
        bytes += (strlen(all[i]) + 1) * (wide ? sizeof(WCHAR) : 1);
    LPTSTR *out = NULL;
    if (SUCCEEDED(hr) && MAPIAllocateBuffer((ULONG)bytes, (void **)&out) != S_OK)
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
    if (SUCCEEDED(hr)) {
        char *at = (char *)(out + n + 1);
        for (ULONG i = 0; i < n; i++) {
            out[i] = (LPTSTR)at;
            if (wide)
                at += (mapirt_str_a_to_w_into(all[i], (WCHAR *)(void *)at) + 1) * sizeof(WCHAR);
            else {
                size_t cb = strlen(all[i]) + 1;
                memcpy(at, all[i], cb);
                at += cb;
            }
        }
        out[n] = NULL;
        *lpcAdrTypes = n;
        *lpppszAdrTypes = out;
    }
    for (ULONG i = 0; i < n; i++)
        mapirt_free(all[i]);
    mapirt_free(all);
    return FAILED(hr) ? session_fail(self, hr, "EnumAdrTypes: out of memory") : S_OK;
}

static HRESULT session_ShowForm(struct session *self, ULONG_PTR ulUIParam, LPMDB lpMsgStore,
                                LPMAPIFOLDER lpParentFolder, LPCIID lpInterface,
                                ULONG_PTR ulMessageToken, LPMESSAGE lpMessageSent,
                                ULONG ulFlags, ULONG ulMessageStatus, ULONG ulMessageFlags,
                                ULONG ulAccess, LPSTR lpszMessageClass)
{
    (void)ulUIParam, (void)lpMsgStore, (void)lpParentFolder, (void)lpInterface;
    (void)ulMessageToken, (void)lpMessageSent, (void)ulFlags, (void)ulMessageStatus;
    (void)ulMessageFlags, (void)ulAccess, (void)lpszMessageClass;
    return session_fail(self, MAPI_E_NO_SUPPORT,
                        "ShowForm: mapirt has no forms and no UI to show one");
}

static HRESULT session_PrepareForm(struct session *self, LPCIID lpInterface,
                                   LPMESSAGE lpMessage, ULONG_PTR *lpulMessageToken)
{
    (void)lpInterface, (void)lpMessage, (void)lpulMessageToken;
    return session_fail(self, MAPI_E_NO_SUPPORT,
                        "PrepareForm: mapirt has no forms (ShowForm is not supported)");
}

/* ---- for logon.c / logoff.c ---- */

HRESULT mapirt_session_new(mapirt_sess *s, struct session **out)
{
    struct session *h = session_new();
    if (!h)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    HRESULT hr = mapirt_advise_list_create(&h->sinks);
    if (FAILED(hr)) {
        session_release(h);
        return hr;
    }
    mapirt_sess_addref(s);
    h->sess = s;
    hr = mapirt_copytarget_add(session_as_IUnknown(h), MAPIRT_TARGET_SESSION, s->ps, s->id);
    if (FAILED(hr)) {
        session_release(h);
        return hr;
    }
    atomic_store(&h->copy_target, 1);
    *out = h;
    return S_OK;
}

IMAPISession *mapirt_session_iface(struct session *h)
{
    return session_as_IMAPISession(h);
}

void mapirt_session_release_handle(struct session *h)
{
    session_release(h);
}

int mapirt_session_tryref(struct session *h)
{
    return session_tryref(h);
}

mapirt_lasterror *mapirt_session_lasterror(struct session *h)
{
    return session_lasterror(h);
}

HRESULT mapirt_sess_give_out(HRESULT hr, LPUNKNOWN unk, LPUNKNOWN own, LPCIID own_iid,
                             LPCIID iid, ULONG type, ULONG *lpulObjType, LPUNKNOWN *lppUnk)
{
    if (SUCCEEDED(hr) && iid && !IsEqualIID(iid, own_iid)) {
        LPUNKNOWN q = NULL;
        hr = unk->lpVtbl->QueryInterface(unk, iid, (void **)&q);
        unk->lpVtbl->Release(unk);
        if (FAILED(hr))
            return hr;
        *lppUnk = q;
    } else if (SUCCEEDED(hr))
        *lppUnk = own;
    else {
        unk->lpVtbl->Release(unk);
        return hr;
    }
    *lpulObjType = type;
    return S_OK;
}
