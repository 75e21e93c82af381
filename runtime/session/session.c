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

#include "profile/profsect.h"
#include "profile/svcadmin.h"
#include "session_internal.h"
#include "session_handle.h"

#include "session_object.h"

static void session_destroy(struct session *self)
{
    if (self->sess && !self->loggedoff)
        mapirt_session_detach(self, 0, 0); /* released without Logoff: the same, silently */
    mapirt_advise_list_destroy(self->sinks);
    mapirt_free(self->fwd);
    if (self->sess)
        mapirt_sess_release(self->sess);
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

static HRESULT session_GetMsgStoresTable(struct session *self, ULONG ulFlags,
                                         LPMAPITABLE *lppTable)
{
    HRESULT hr = usable(self);
    if (SUCCEEDED(hr) && FAILED(hr = mapirt_stores_view(self->sess, ulFlags, lppTable)))
        return session_fail(self, hr, "the message store table cannot be opened");
    return hr;
}

static HRESULT session_GetStatusTable(struct session *self, ULONG ulFlags, LPMAPITABLE *lppTable)
{
    HRESULT hr = usable(self);
    if (SUCCEEDED(hr) && FAILED(hr = mapirt_status_view(self->sess, ulFlags, lppTable)))
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
    if (lpInterface && !IsEqualIID(lpInterface, &IID_IMsgStore)) {
        hr = mdb->lpVtbl->QueryInterface(mdb, lpInterface, (void **)lppMDB);
        mdb->lpVtbl->Release(mdb);
        return hr;
    }
    *lppMDB = mdb;
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
    mapirt_session_detach(self, ulFlags, 1);
    return S_OK;
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
