/* runtime/session/support.c: IMAPISupport, one object per provider logon (support.idl).
 *
 * The flavour is the provider's kind; each method checks that it belongs to it (SPEC §4.5) and
 * answers MAPI_E_NO_SUPPORT otherwise. The object references the session (its memory) and the
 * provider's module: a store the client keeps past Logoff keeps its support object, so the
 * provider's code stays mapped while the provider can still run (no dlclose under a live
 * vtable). The last release comes from inside the provider (its Release), so the module
 * reference is dropped later (mapirt_module_release_later), never under the provider's stack.
 *
 * Once its provider has logged off the object is detached: methods that change the session
 * answer MAPI_E_END_OF_SESSION, while those a provider calls while tearing down (Unsubscribe,
 * StoreLogoffTransports, ModifyStatusRow, GetMemAllocRoutines) still succeed.
 *
 * Keyed subscriptions (Subscribe/Notify) live in one process-wide list, as MAPI's notification
 * engine is not per session: two sessions that opened the same store hear each other's
 * changes. Each support object remembers its connections and ends those left at its end. */
#include <pthread.h>
#include <string.h>

#include <mapicode.h>
#include <mapiguid.h>
#include <mapiutil.h>
#include <mapix.h>

#include <mapirt/alloc.h>

#include "profile/profsect.h"
#include "profile/services.h"
#include "profile/svccall.h"
#include "support_internal.h"
#include "spool/spool.h"

#include "support_object.h"

/* ---- the process-wide keyed subscriptions ---- */

static pthread_mutex_t g_sub_mu = PTHREAD_MUTEX_INITIALIZER;
static mapirt_advise_list *g_subs; /* created on first use, kept for the process */

static mapirt_advise_list *subs(void)
{
    pthread_mutex_lock(&g_sub_mu);
    if (!g_subs && FAILED(mapirt_advise_list_create(&g_subs)))
        g_subs = NULL;
    mapirt_advise_list *l = g_subs;
    pthread_mutex_unlock(&g_sub_mu);
    return l;
}

static void support_destroy(struct support *self)
{
    mapirt_advise_list *l = self->nconns ? subs() : NULL;
    for (ULONG i = 0; l && i < self->nconns; i++)
        mapirt_advise_remove(l, self->conns[i]);
    mapirt_free(self->conns);
    if (self->sess)
        mapirt_sess_release(self->sess);
    /* the provider may be releasing us from its own code: unmap it later */
    mapirt_module_release_later(self->module);
}

/* [fenced]: counted in on the session's gate (session_internal.h); once it is closed the
 * bodies see the session ended and answer as they do after it. */
static int support_fence_enter(struct support *self, mapirt_call_frame *f)
{
    return mapirt_gate_enter(self->sess->gate, f);
}

static void support_fence_leave(struct support *self, mapirt_call_frame *f)
{
    (void)self;
    mapirt_gate_leave(f);
}

int mapirt_sup_in_flavour(struct support *self, unsigned mask)
{
    return (mask & (1u << self->kind)) != 0;
}

static const char *flavour_name(mapirt_prov_kind k)
{
    return k == MAPIRT_PROV_AB ? "address book" : k == MAPIRT_PROV_MS ? "message store"
                                                                      : "transport";
}

HRESULT mapirt_sup_not_in_flavour(struct support *self, const char *method)
{
    return mapirt_lasterror_setf(support_lasterror(self), MAPI_E_NO_SUPPORT, 0, 0,
        "IMAPISupport::%s is not available to %s providers", method,
        flavour_name(self->kind));
}

/* The provider record while the provider is logged on (under sess->mu), else NULL. */
mapirt_provider *mapirt_sup_live(struct support *self)
{
    pthread_mutex_lock(&self->sess->mu);
    mapirt_provider *p = self->sess->ended ? NULL : self->p;
    pthread_mutex_unlock(&self->sess->mu);
    return p;
}

HRESULT mapirt_sup_ended(struct support *self)
{
    return support_fail(self, MAPI_E_END_OF_SESSION,
        "the provider's logon has ended (its session logged off)");
}

static HRESULT support_GetMemAllocRoutines(struct support *self,
    LPALLOCATEBUFFER *lpAllocateBuffer,
    LPALLOCATEMORE *lpAllocateMore,
    LPFREEBUFFER *lpFreeBuffer)
{
    (void)self;
    if (lpAllocateBuffer)
        *lpAllocateBuffer = MAPIAllocateBuffer;
    if (lpAllocateMore)
        *lpAllocateMore = MAPIAllocateMore;
    if (lpFreeBuffer)
        *lpFreeBuffer = MAPIFreeBuffer;
    return S_OK;
}

/* ---- notifications ---- */

static HRESULT support_Subscribe(struct support *self, LPNOTIFKEY lpKey, ULONG ulEventMask,
    ULONG ulFlags, LPMAPIADVISESINK lpAdviseSink,
    ULONG_PTR *lpulConnection)
{
    if (lpKey->cb == 0 || ulEventMask == 0)
        return support_fail(self, MAPI_E_INVALID_PARAMETER,
            "Subscribe: an empty key or event mask");
    mapirt_advise_list *l = subs();
    if (!l)
        return support_fail(self, MAPI_E_NOT_ENOUGH_MEMORY, "out of memory");
    pthread_mutex_lock(&g_sub_mu);
    if (self->nconns == self->cconns) {
        ULONG n = self->cconns ? self->cconns * 2 : 4;
        ULONG_PTR *c = mapirt_realloc(self->conns, n * sizeof *c);
        if (!c) {
            pthread_mutex_unlock(&g_sub_mu);
            return support_fail(self, MAPI_E_NOT_ENOUGH_MEMORY, "out of memory");
        }
        self->conns = c;
        self->cconns = n;
    }
    pthread_mutex_unlock(&g_sub_mu);
    ULONG_PTR conn;
    HRESULT hr = mapirt_advise_add_key(l, lpKey->cb, lpKey->ab, ulEventMask, ulFlags,
        lpAdviseSink, &conn);
    if (FAILED(hr))
        return support_fail(self, hr, "Subscribe failed");
    pthread_mutex_lock(&g_sub_mu);
    self->conns[self->nconns++] = conn;
    pthread_mutex_unlock(&g_sub_mu);
    *lpulConnection = conn;
    return S_OK;
}

static HRESULT support_Unsubscribe(struct support *self, ULONG_PTR ulConnection)
{
    int mine = 0;
    pthread_mutex_lock(&g_sub_mu);
    for (ULONG i = 0; i < self->nconns; i++)
        if (self->conns[i] == ulConnection) {
            self->conns[i] = self->conns[--self->nconns];
            mine = 1;
            break;
        }
    pthread_mutex_unlock(&g_sub_mu);
    if (!mine)
        return support_fail(self, MAPI_E_NOT_FOUND,
            "Unsubscribe: no such connection made through this object");
    return mapirt_advise_remove(subs(), ulConnection);
}

static HRESULT support_Notify(struct support *self, LPNOTIFKEY lpKey, ULONG cNotification,
    LPNOTIFICATION lpNotifications, ULONG *lpulFlags)
{
    if (cNotification == 0)
        return support_fail(self, MAPI_E_INVALID_PARAMETER, "Notify: no notification");
    mapirt_advise_list *l = subs();
    if (!l)
        return support_fail(self, MAPI_E_NOT_ENOUGH_MEMORY, "out of memory");
    return mapirt_advise_fire_key(l, lpKey->cb, lpKey->ab, cNotification, lpNotifications,
        lpulFlags);
}

/* ---- status row, profile, UIDs ---- */

static HRESULT support_ModifyStatusRow(struct support *self, ULONG cValues,
    LPSPropValue lpColumnVals, ULONG ulFlags)
{
    mapirt_provider *p = mapirt_sup_live(self);
    if (!p)
        return S_OK; /* a provider updating its row while logging off: the row is gone */
    if (cValues == 0)
        return support_fail(self, MAPI_E_INVALID_PARAMETER, "ModifyStatusRow: no columns");
    HRESULT hr = mapirt_status_modify(self->sess, p, cValues, lpColumnVals, ulFlags);
    return FAILED(hr) ? support_fail(self, hr, "ModifyStatusRow: the row cannot be stored") : hr;
}

static HRESULT support_OpenProfileSection(struct support *self, LPMAPIUID lpUid, ULONG ulFlags,
    LPPROFSECT *lppProfileObj)
{
    char err[512] = "";
    /* its own section belongs to the provider: another holder's lock does not stand in its
     * way (the client cannot open a provider's section without MAPI_FORCE_ACCESS either) */
    int own = !lpUid || memcmp(lpUid->ab, self->provider_uid.ab, 16) == 0;
    HRESULT hr = mapirt_profsect_open(self->sess->ps, self->sess->id,
        own ? &self->provider_uid : lpUid,
        ulFlags | (own ? MAPI_FORCE_ACCESS : 0), lppProfileObj,
        err, sizeof err);
    if (FAILED(hr))
        return mapirt_lasterror_setf(support_lasterror(self), hr, 0, 0, "%s",
            err[0] ? err : "cannot open the profile section");
    return S_OK;
}

static HRESULT support_NewUID(struct support *self, LPMAPIUID lpMuid)
{
    HRESULT hr = mapirt_new_uid(lpMuid);
    return FAILED(hr) ? support_fail(self, hr, "no random bytes for a new UID") : S_OK;
}

static HRESULT support_SetProviderUID(struct support *self, LPMAPIUID lpProviderID,
    ULONG ulFlags)
{
    (void)ulFlags;
    if (!mapirt_sup_in_flavour(self, SUP_AB | SUP_MS))
        return mapirt_sup_not_in_flavour(self, "SetProviderUID");
    HRESULT hr = S_OK;
    pthread_mutex_lock(&self->sess->mu);
    if (self->sess->ended || !self->p)
        hr = MAPI_E_END_OF_SESSION;
    else
        hr = mapirt_uidmap_add(self->sess->uids, lpProviderID, self->p->index);
    pthread_mutex_unlock(&self->sess->mu);
    return hr == MAPI_E_END_OF_SESSION ? mapirt_sup_ended(self)
           : FAILED(hr)                ? support_fail(self, hr, "out of memory")
                                       : S_OK;
}

/* ---- reaching objects through the session ---- */

static HRESULT support_CompareEntryIDs(struct support *self, ULONG cbEntry1,
    LPENTRYID lpEntry1, ULONG cbEntry2, LPENTRYID lpEntry2,
    ULONG ulCompareFlags, ULONG *lpulResult)
{
    if (!mapirt_sup_live(self))
        return mapirt_sup_ended(self);
    HRESULT hr = mapirt_sess_compare(self->sess, cbEntry1, lpEntry1, cbEntry2, lpEntry2,
        ulCompareFlags, lpulResult);
    return FAILED(hr) ? support_fail(self, hr, "CompareEntryIDs: no provider knows these IDs")
                      : hr;
}

static HRESULT support_OpenEntry(struct support *self, ULONG cbEntryID, LPENTRYID lpEntryID,
    LPCIID lpInterface, ULONG ulOpenFlags, ULONG *lpulObjType,
    LPUNKNOWN *lppUnk)
{
    char err[512] = "";
    if (!mapirt_sup_live(self))
        return mapirt_sup_ended(self);
    HRESULT hr = mapirt_sess_open_entry(self->sess, cbEntryID, lpEntryID, lpInterface,
        ulOpenFlags, lpulObjType, lppUnk, err, sizeof err);
    if (FAILED(hr))
        return mapirt_lasterror_setf(support_lasterror(self), hr, 0, 0, "%s",
            err[0] ? err : "OpenEntry failed");
    return hr;
}

/* ---- MakeInvalid: a vtable whose methods all fail, over a provider's object ---- */

/* Objects invalidated here have at most this many methods. */
#define MAKEINVALID_MAX 128

typedef void (*any_fn)(void);

static ULONG *invalid_refs(void *obj)
{
    return (ULONG *)(void *)((char *)obj + sizeof(void *));
}

static HRESULT invalid_method(void *This)
{
    (void)This;
    return MAPI_E_INVALID_OBJECT;
}

static ULONG invalid_addref(void *This)
{
    return __atomic_add_fetch(invalid_refs(This), 1, __ATOMIC_ACQ_REL);
}

static ULONG invalid_release(void *This)
{
    ULONG n = __atomic_sub_fetch(invalid_refs(This), 1, __ATOMIC_ACQ_REL);
    if (n == 0)
        MAPIFreeBuffer(This); /* as MAPI does: the provider allocated it with MAPIAllocateBuffer */
    return n;
}

static any_fn invalid_vtbl[MAKEINVALID_MAX];
static pthread_once_t invalid_once = PTHREAD_ONCE_INIT;

static void invalid_init(void)
{
    for (int i = 0; i < MAKEINVALID_MAX; i++)
        invalid_vtbl[i] = (any_fn)invalid_method;
    invalid_vtbl[1] = (any_fn)invalid_addref;
    invalid_vtbl[2] = (any_fn)invalid_release;
}

static HRESULT support_MakeInvalid(struct support *self, ULONG ulFlags, LPVOID lpObject,
    ULONG ulRefCount, ULONG cMethods)
{
    (void)ulFlags;
    if (cMethods < 3 || cMethods > MAKEINVALID_MAX)
        return mapirt_lasterror_setf(support_lasterror(self), MAPI_E_INVALID_PARAMETER, 0, 0,
            "MakeInvalid: cMethods is %u (3 to %u)", cMethods,
            MAKEINVALID_MAX);
    pthread_once(&invalid_once, invalid_init);
    /* the object keeps its first 16 bytes: the vtable pointer, then the count MAPI keeps */
    any_fn *vt = invalid_vtbl;
    memcpy(lpObject, &vt, sizeof vt);
    __atomic_store_n(invalid_refs(lpObject), ulRefCount ? ulRefCount : 1, __ATOMIC_RELEASE);
    return S_OK;
}

/* ---- stores ---- */

static HRESULT support_ModifyProfile(struct support *self, ULONG ulFlags)
{
    if (!mapirt_sup_in_flavour(self, SUP_MS))
        return mapirt_sup_not_in_flavour(self, "ModifyProfile");
    mapirt_provider *p = mapirt_sup_live(self);
    if (!p)
        return mapirt_sup_ended(self);
    if (ulFlags & MDB_TEMPORARY)
        return S_OK; /* a temporary store stays out of the profile */
    /* the store's section becomes permanent: it joins the message store table */
    ULONG n = 0;
    LPSPropValue v = NULL;
    char err[512] = "";
    HRESULT hr = mapirt_profstore_get_props(self->sess->ps, self->sess->id, &p->uid, &n, &v, err,
        sizeof err);
    ULONG flags = 0;
    for (ULONG i = 0; SUCCEEDED(hr) && i < n; i++)
        if (v[i].ulPropTag == PR_RESOURCE_FLAGS)
            flags = v[i].Value.ul;
    MAPIFreeBuffer(v);
    if (SUCCEEDED(hr) && (flags & STATUS_TEMP_SECTION)) {
        SPropValue f;
        f.ulPropTag = PR_RESOURCE_FLAGS;
        f.dwAlignPad = 0;
        f.Value.ul = flags & ~(ULONG)STATUS_TEMP_SECTION;
        hr = mapirt_profstore_set_props(self->sess->ps, self->sess->id, &p->uid, 1, &f, err,
            sizeof err);
        if (SUCCEEDED(hr)) {
            pthread_mutex_lock(&self->sess->mu);
            p->section_flags &= ~(ULONG)STATUS_TEMP_SECTION;
            pthread_mutex_unlock(&self->sess->mu);
            hr = mapirt_stores_refresh(self->sess, p);
        }
    }
    if (FAILED(hr))
        return mapirt_lasterror_setf(support_lasterror(self), hr, 0, 0, "ModifyProfile: %s",
            err[0] ? err : "the profile cannot be changed");
    return S_OK;
}

static HRESULT support_StoreLogoffTransports(struct support *self, ULONG *lpulFlags)
{
    if (!mapirt_sup_in_flavour(self, SUP_MS))
        return mapirt_sup_not_in_flavour(self, "StoreLogoffTransports");
    /* no transport holds messages of a store until the spooler exists (a later issue): every
     * kind of logoff is complete at once */
    *lpulFlags = LOGOFF_COMPLETE;
    return S_OK;
}

/* ---- the spooler ---- */

static HRESULT support_SpoolerYield(struct support *self, ULONG ulFlags)
{
    (void)ulFlags;
    if (!mapirt_sup_in_flavour(self, SUP_XP))
        return mapirt_sup_not_in_flavour(self, "SpoolerYield");
    return mapirt_sup_live(self) ? S_OK : mapirt_sup_ended(self); /* the spooler runs no other work to yield to */
}

static HRESULT support_SpoolerNotify(struct support *self, ULONG ulFlags, LPVOID lpvData)
{
    (void)lpvData;
    if (!mapirt_sup_in_flavour(self, SUP_MS | SUP_XP))
        return mapirt_sup_not_in_flavour(self, "SpoolerNotify");
    HRESULT hr = S_OK;
    mapirt_sess *s = self->sess;
    pthread_mutex_lock(&s->mu);
    if (s->ended || !self->p)
        hr = MAPI_E_END_OF_SESSION;
    else {
        if (s->nspool == s->cspool) {
            ULONG n = s->cspool ? s->cspool * 2 : 8;
            mapirt_spooler_request *r = mapirt_realloc(s->spool, n * sizeof *r);
            if (r) {
                s->spool = r;
                s->cspool = n;
            }
        }
        if (s->nspool < s->cspool) {
            s->spool[s->nspool].provider = self->p->index;
            s->spool[s->nspool].flags = ulFlags;
            s->nspool++;
        } else
            hr = MAPI_E_NOT_ENOUGH_MEMORY;
    }
    pthread_mutex_unlock(&s->mu);
    if (hr == MAPI_E_END_OF_SESSION)
        return mapirt_sup_ended(self);
    if (FAILED(hr))
        return support_fail(self, hr, "out of memory");
    mapirt_spool_kick(s);
    return S_OK;
}

/* A store's SubmitMessage asks first: NEEDS_PREPROCESSING when a recipient's address type has
 * a registered preprocessor (runtime/spool/sentmail.c). The message must have a recipient
 * (MAPI_E_NO_RECIPIENTS otherwise, as MAPI's SubmitMessage answers). */
static HRESULT support_PrepareSubmit(struct support *self, LPMESSAGE lpMessage, ULONG *lpulFlags)
{
    if (!mapirt_sup_in_flavour(self, SUP_MS))
        return mapirt_sup_not_in_flavour(self, "PrepareSubmit");
    if (!mapirt_sup_live(self))
        return mapirt_sup_ended(self);
    char err[256] = "";
    HRESULT hr = mapirt_spool_prepare_submit(self->sess, lpMessage, lpulFlags, err, sizeof err);
    /* err is on this stack: the record keeps a copy (_fail keeps only static texts) */
    return FAILED(hr) ? mapirt_lasterror_setf(support_lasterror(self), hr, 0, 0, "%s", err)
                      : S_OK;
}

/* A store's FinishedMsg hands the sent message here: deleted (PR_DELETE_AFTER_SUBMIT), moved
 * to PR_SENTMAIL_ENTRYID, or left where it is (runtime/spool/sentmail.c). */
static HRESULT support_DoSentMail(struct support *self, ULONG ulFlags, LPMESSAGE lpMessage)
{
    if (!mapirt_sup_in_flavour(self, SUP_MS))
        return mapirt_sup_not_in_flavour(self, "DoSentMail");
    if (!mapirt_sup_live(self))
        return mapirt_sup_ended(self);
    char err[512] = "";
    HRESULT hr = mapirt_spool_sent_mail(self->sess, ulFlags, lpMessage, err, sizeof err);
    /* err is on this stack: the record keeps a copy (_fail keeps only static texts) */
    return FAILED(hr) ? mapirt_lasterror_setf(support_lasterror(self), hr, 0, 0, "%s", err)
                      : S_OK;
}

/* ---- life ---- */

HRESULT mapirt_support_create(mapirt_sess *s, mapirt_provider *p, struct support **out)
{
    struct support *sup = support_new();
    if (!sup)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    mapirt_sess_addref(s);
    sup->sess = s;
    sup->p = p;
    sup->kind = p->kind;
    sup->provider_uid = p->uid;
    if (p->module) {
        mapirt_module_addref(p->module);
        sup->module = p->module;
    }
    *out = sup;
    return S_OK;
}

IMAPISupport *mapirt_support_iface(struct support *sup)
{
    return support_as_IMAPISupport(sup);
}

void mapirt_support_release(struct support *sup)
{
    if (sup)
        support_release(sup);
}

void mapirt_support_detach(struct support *sup)
{
    pthread_mutex_lock(&sup->sess->mu);
    sup->p = NULL;
    pthread_mutex_unlock(&sup->sess->mu);
}
