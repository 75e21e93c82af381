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
#include "session_internal.h"
#include "spool/spool.h"

struct support {
    mapirt_sess *sess; /* a reference */
    mapirt_provider *p; /* NULL once detached (under sess->mu) */
    mapirt_prov_kind kind;
    MAPIUID provider_uid;
    mapirt_module *module; /* a reference */
    ULONG_PTR *conns; /* keyed subscriptions made here (under g_sub_mu) */
    ULONG nconns, cconns;
};

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

/* Flavour masks. */
#define AB (1u << MAPIRT_PROV_AB)
#define MS (1u << MAPIRT_PROV_MS)
#define XP (1u << MAPIRT_PROV_XP)

static int in_flavour(struct support *self, unsigned mask)
{
    return (mask & (1u << self->kind)) != 0;
}

static const char *flavour_name(mapirt_prov_kind k)
{
    return k == MAPIRT_PROV_AB ? "address book" : k == MAPIRT_PROV_MS ? "message store"
                                                                      : "transport";
}

static HRESULT not_in_flavour(struct support *self, const char *method)
{
    return mapirt_lasterror_setf(support_lasterror(self), MAPI_E_NO_SUPPORT, 0, 0,
        "IMAPISupport::%s is not available to %s providers", method,
        flavour_name(self->kind));
}

/* The provider record while the provider is logged on (under sess->mu), else NULL. */
static mapirt_provider *live(struct support *self)
{
    pthread_mutex_lock(&self->sess->mu);
    mapirt_provider *p = self->sess->ended ? NULL : self->p;
    pthread_mutex_unlock(&self->sess->mu);
    return p;
}

static HRESULT ended(struct support *self)
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
    mapirt_provider *p = live(self);
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
    if (!in_flavour(self, AB | MS))
        return not_in_flavour(self, "SetProviderUID");
    HRESULT hr = S_OK;
    pthread_mutex_lock(&self->sess->mu);
    if (self->sess->ended || !self->p)
        hr = MAPI_E_END_OF_SESSION;
    else
        hr = mapirt_uidmap_add(self->sess->uids, lpProviderID, self->p->index);
    pthread_mutex_unlock(&self->sess->mu);
    return hr == MAPI_E_END_OF_SESSION ? ended(self)
           : FAILED(hr)                ? support_fail(self, hr, "out of memory")
                                       : S_OK;
}

/* ---- reaching objects through the session ---- */

static HRESULT support_CompareEntryIDs(struct support *self, ULONG cbEntry1,
    LPENTRYID lpEntry1, ULONG cbEntry2, LPENTRYID lpEntry2,
    ULONG ulCompareFlags, ULONG *lpulResult)
{
    if (!live(self))
        return ended(self);
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
    if (!live(self))
        return ended(self);
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
    if (!in_flavour(self, MS))
        return not_in_flavour(self, "ModifyProfile");
    mapirt_provider *p = live(self);
    if (!p)
        return ended(self);
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
    if (!in_flavour(self, MS))
        return not_in_flavour(self, "StoreLogoffTransports");
    /* no transport holds messages of a store until the spooler exists (a later issue): every
     * kind of logoff is complete at once */
    *lpulFlags = LOGOFF_COMPLETE;
    return S_OK;
}

/* ---- the spooler ---- */

static HRESULT support_SpoolerYield(struct support *self, ULONG ulFlags)
{
    (void)ulFlags;
    if (!in_flavour(self, XP))
        return not_in_flavour(self, "SpoolerYield");
    return live(self) ? S_OK : ended(self); /* the spooler runs no other work to yield to */
}

static HRESULT support_SpoolerNotify(struct support *self, ULONG ulFlags, LPVOID lpvData)
{
    (void)lpvData;
    if (!in_flavour(self, MS | XP))
        return not_in_flavour(self, "SpoolerNotify");
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
        return ended(self);
    if (FAILED(hr))
        return support_fail(self, hr, "out of memory");
    mapirt_spool_kick(s);
    return S_OK;
}

/* A store's SubmitMessage asks first. No preprocessors are registered (RegisterPreprocessor is
 * not written), so nothing is to be preprocessed: the flags are 0. The message must have a
 * recipient (MAPI_E_NO_RECIPIENTS otherwise, as MAPI's SubmitMessage answers). */
static HRESULT support_PrepareSubmit(struct support *self, LPMESSAGE lpMessage, ULONG *lpulFlags)
{
    if (!in_flavour(self, MS))
        return not_in_flavour(self, "PrepareSubmit");
    if (!live(self))
        return ended(self);
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
    if (!in_flavour(self, MS))
        return not_in_flavour(self, "DoSentMail");
    if (!live(self))
        return ended(self);
    char err[512] = "";
    HRESULT hr = mapirt_spool_sent_mail(self->sess, ulFlags, lpMessage, err, sizeof err);
    /* err is on this stack: the record keeps a copy (_fail keeps only static texts) */
    return FAILED(hr) ? mapirt_lasterror_setf(support_lasterror(self), hr, 0, 0, "%s", err)
                      : S_OK;
}

/* ---- part 2: the address book, one-offs, copies, sending, UI ---- */

static HRESULT failtext(struct support *self, HRESULT hr, const char *what, const char *err)
{
    return mapirt_lasterror_setf(support_lasterror(self), hr, 0, 0, "%s: %s", what,
        err && err[0] ? err : "failed");
}

static HRESULT support_OpenAddressBook(struct support *self, LPCIID lpInterface, ULONG ulFlags,
    LPADRBOOK *lppAdrBook)
{
    (void)ulFlags;
    if (!live(self))
        return ended(self);
    HRESULT hr = mapirt_addrbook_create(self->sess, lpInterface, lppAdrBook);
    return FAILED(hr) ? support_fail(self, hr, "OpenAddressBook failed") : hr;
}

static HRESULT support_CreateOneOff(struct support *self, LPTSTR lpszName, LPTSTR lpszAdrType,
    LPTSTR lpszAddress, ULONG ulFlags, ULONG *lpcbEntryID,
    LPENTRYID *lppEntryID)
{
    HRESULT hr = mapirt_oneoff_make(lpszName, lpszAdrType, lpszAddress, ulFlags, NULL,
        lpcbEntryID, lppEntryID);
    return FAILED(hr) ? support_fail(self, hr, "CreateOneOff: the address type and the address "
                                               "must not be empty")
                      : hr;
}

static HRESULT support_GetOneOffTable(struct support *self, ULONG ulFlags, LPMAPITABLE *lppTable)
{
    if (!in_flavour(self, AB))
        return not_in_flavour(self, "GetOneOffTable");
    if (!live(self))
        return ended(self);
    HRESULT hr = mapirt_oneoff_table(self->sess, ulFlags, lppTable);
    return FAILED(hr) ? support_fail(self, hr, "GetOneOffTable: the table cannot be built") : hr;
}

static HRESULT no_ui(struct support *self, unsigned mask, const char *method)
{
    if (!in_flavour(self, mask))
        return not_in_flavour(self, method);
    return mapirt_lasterror_setf(support_lasterror(self), MAPI_E_NO_SUPPORT, 0, 0,
        "IMAPISupport::%s shows a dialog, and mapirt has no UI", method);
}

static HRESULT support_Address(struct support *self, ULONG_PTR *lpulUIParam,
    LPADRPARM lpAdrParms, LPADRLIST *lppAdrList)
{
    (void)lpulUIParam, (void)lpAdrParms, (void)lppAdrList;
    return no_ui(self, AB, "Address");
}

static HRESULT support_Details(struct support *self, ULONG_PTR *lpulUIParam,
    LPFNDISMISS lpfnDismiss, LPVOID lpvDismissContext,
    ULONG cbEntryID, LPENTRYID lpEntryID,
    LPFNBUTTON lpfButtonCallback, LPVOID lpvButtonContext,
    LPTSTR lpszButtonText, ULONG ulFlags)
{
    (void)lpulUIParam, (void)lpfnDismiss, (void)lpvDismissContext, (void)cbEntryID;
    (void)lpEntryID, (void)lpfButtonCallback, (void)lpvButtonContext, (void)lpszButtonText;
    (void)ulFlags;
    return no_ui(self, AB, "Details");
}

static HRESULT support_NewEntry(struct support *self, ULONG_PTR ulUIParam, ULONG ulFlags,
    ULONG cbEIDContainer, LPENTRYID lpEIDContainer,
    ULONG cbEIDNewEntryTpl, LPENTRYID lpEIDNewEntryTpl,
    ULONG *lpcbEIDNewEntry, LPENTRYID *lppEIDNewEntry)
{
    (void)ulUIParam, (void)ulFlags, (void)cbEIDContainer, (void)lpEIDContainer;
    (void)cbEIDNewEntryTpl, (void)lpEIDNewEntryTpl, (void)lpcbEIDNewEntry, (void)lppEIDNewEntry;
    return no_ui(self, AB, "NewEntry");
}

static HRESULT support_DoConfigPropsheet(struct support *self, ULONG_PTR ulUIParam,
    ULONG ulFlags, LPTSTR lpszTitle,
    LPMAPITABLE lpDisplayTable, LPMAPIPROP lpCOnfigData,
    ULONG ulTopPage)
{
    (void)ulUIParam, (void)ulFlags, (void)lpszTitle, (void)lpDisplayTable, (void)lpCOnfigData;
    (void)ulTopPage;
    return no_ui(self, AB | MS | XP, "DoConfigPropsheet");
}

static HRESULT support_DoProgressDialog(struct support *self, ULONG_PTR ulUIParam,
    ULONG ulFlags, LPMAPIPROGRESS *lppProgress)
{
    (void)ulUIParam, (void)ulFlags, (void)lppProgress;
    return no_ui(self, AB | MS, "DoProgressDialog");
}

/* A template ID names an entry of the provider that made the template: that provider's
 * IABLogon::OpenTemplateID binds the data to it. */
static HRESULT support_OpenTemplateID(struct support *self, ULONG cbTemplateID,
    LPENTRYID lpTemplateID, ULONG ulTemplateFlags,
    LPMAPIPROP lpMAPIPropData, LPCIID lpInterface,
    LPMAPIPROP *lppMAPIPropNew, LPMAPIPROP lpMAPIPropSibling)
{
    if (!in_flavour(self, AB))
        return not_in_flavour(self, "OpenTemplateID");
    if (!live(self))
        return ended(self);
    if (cbTemplateID < 4 + 16)
        return support_fail(self, MAPI_E_INVALID_ENTRYID,
            "OpenTemplateID: the template ID is too short for a MAPIUID");
    mapirt_provider *p = mapirt_route(self->sess, cbTemplateID, lpTemplateID);
    LPUNKNOWN l = p && p->kind == MAPIRT_PROV_AB ? mapirt_logon_ref(p) : NULL;
    if (!l)
        return support_fail(self, MAPI_E_UNKNOWN_ENTRYID,
            "OpenTemplateID: no address book provider of this session made the "
            "template");
    HRESULT hr = ((IABLogon *)l)->lpVtbl->OpenTemplateID((IABLogon *)l, cbTemplateID, lpTemplateID, ulTemplateFlags, lpMAPIPropData, lpInterface, lppMAPIPropNew, lpMAPIPropSibling);
    l->lpVtbl->Release(l);
    return FAILED(hr) ? support_fail(self, hr, "OpenTemplateID: the template's provider refused")
                      : hr;
}

/* ---- MAPI's generic copies (supcopy.c) ---- */

static HRESULT support_DoCopyTo(struct support *self, LPCIID lpSrcInterface, LPVOID lpSrcObj,
    ULONG ciidExclude, LPCIID rgiidExclude,
    LPSPropTagArray lpExcludeProps, ULONG_PTR ulUIParam,
    LPMAPIPROGRESS lpProgress, LPCIID lpDestInterface,
    LPVOID lpDestObj, ULONG ulFlags,
    LPSPropProblemArray *lppProblems)
{
    (void)ulUIParam, (void)lpProgress; /* no progress is shown */
    if (!in_flavour(self, MS))
        return not_in_flavour(self, "DoCopyTo");
    char err[512] = "";
    HRESULT hr = mapirt_do_copy_to(lpSrcInterface, lpSrcObj, ciidExclude, rgiidExclude,
        lpExcludeProps, lpDestInterface, lpDestObj, ulFlags,
        lppProblems, err, sizeof err);
    return FAILED(hr) ? failtext(self, hr, "DoCopyTo", err) : hr;
}

static HRESULT support_DoCopyProps(struct support *self, LPCIID lpSrcInterface, LPVOID lpSrcObj,
    LPSPropTagArray lpIncludeProps, ULONG_PTR ulUIParam,
    LPMAPIPROGRESS lpProgress, LPCIID lpDestInterface,
    LPVOID lpDestObj, ULONG ulFlags,
    LPSPropProblemArray *lppProblems)
{
    (void)ulUIParam, (void)lpProgress;
    if (!in_flavour(self, MS))
        return not_in_flavour(self, "DoCopyProps");
    char err[512] = "";
    HRESULT hr = mapirt_do_copy_props(lpSrcInterface, lpSrcObj, lpIncludeProps, lpDestInterface,
        lpDestObj, ulFlags, lppProblems, err, sizeof err);
    return FAILED(hr) ? failtext(self, hr, "DoCopyProps", err) : hr;
}

static HRESULT support_CopyMessages(struct support *self, LPCIID lpSrcInterface,
    LPVOID lpSrcFolder, LPENTRYLIST lpMsgList,
    LPCIID lpDestInterface, LPVOID lpDestFolder,
    ULONG_PTR ulUIParam, LPMAPIPROGRESS lpProgress,
    ULONG ulFlags)
{
    (void)ulUIParam, (void)lpProgress;
    if (!in_flavour(self, MS))
        return not_in_flavour(self, "CopyMessages");
    if ((lpSrcInterface && !IsEqualIID(lpSrcInterface, &IID_IMAPIFolder)) ||
        (lpDestInterface && !IsEqualIID(lpDestInterface, &IID_IMAPIFolder)))
        return support_fail(self, MAPI_E_INTERFACE_NOT_SUPPORTED,
            "CopyMessages: both folders are IMAPIFolder");
    char err[512] = "";
    HRESULT hr = mapirt_copy_messages(lpSrcFolder, lpMsgList, lpDestFolder, ulFlags, err,
        sizeof err);
    return FAILED(hr) ? failtext(self, hr, "CopyMessages", err) : hr;
}

static HRESULT support_CopyFolder(struct support *self, LPCIID lpSrcInterface,
    LPVOID lpSrcFolder, ULONG cbEntryID, LPENTRYID lpEntryID,
    LPCIID lpDestInterface, LPVOID lpDestFolder,
    LPTSTR lszNewFolderName, ULONG_PTR ulUIParam,
    LPMAPIPROGRESS lpProgress, ULONG ulFlags)
{
    (void)ulUIParam, (void)lpProgress;
    if (!in_flavour(self, MS))
        return not_in_flavour(self, "CopyFolder");
    if ((lpSrcInterface && !IsEqualIID(lpSrcInterface, &IID_IMAPIFolder)) ||
        (lpDestInterface && !IsEqualIID(lpDestInterface, &IID_IMAPIFolder)))
        return support_fail(self, MAPI_E_INTERFACE_NOT_SUPPORTED,
            "CopyFolder: both folders are IMAPIFolder");
    char err[512] = "";
    HRESULT hr = mapirt_copy_folder(lpSrcFolder, cbEntryID, lpEntryID, lpDestFolder,
        lszNewFolderName, ulFlags, err, sizeof err);
    return FAILED(hr) ? failtext(self, hr, "CopyFolder", err) : hr;
}

/* ---- sending: the support side (recips.c) ---- */

static HRESULT support_ExpandRecips(struct support *self, LPMESSAGE lpMessage, ULONG *lpulFlags)
{
    if (!in_flavour(self, MS))
        return not_in_flavour(self, "ExpandRecips");
    if (!live(self))
        return ended(self);
    char err[512] = "";
    HRESULT hr = mapirt_expand_recips(self->sess, lpMessage, lpulFlags, err, sizeof err);
    return FAILED(hr) ? failtext(self, hr, "ExpandRecips", err) : hr;
}

static HRESULT support_StatusRecips(struct support *self, LPMESSAGE lpMessage,
    LPADRLIST lpRecipList)
{
    if (!in_flavour(self, XP))
        return not_in_flavour(self, "StatusRecips");
    if (!live(self))
        return ended(self);
    char err[512] = "";
    HRESULT hr = mapirt_status_recips(self->sess, lpMessage, lpRecipList, err, sizeof err);
    return FAILED(hr) ? failtext(self, hr, "StatusRecips", err) : hr;
}

static HRESULT support_CompleteMsg(struct support *self, ULONG ulFlags, ULONG cbEntryID,
    LPENTRYID lpEntryID)
{
    (void)ulFlags;
    if (!in_flavour(self, MS))
        return not_in_flavour(self, "CompleteMsg");
    if (!live(self))
        return ended(self);
    char err[512] = "";
    ULONG type = 0;
    LPUNKNOWN u = NULL;
    HRESULT hr = mapirt_sess_open_entry(self->sess, cbEntryID, lpEntryID, &IID_IMessage,
        MAPI_MODIFY, &type, &u, err, sizeof err);
    if (SUCCEEDED(hr) && type != MAPI_MESSAGE) {
        u->lpVtbl->Release(u);
        return support_fail(self, MAPI_E_INVALID_ENTRYID,
            "CompleteMsg: the entry ID is not a message's");
    }
    if (SUCCEEDED(hr)) {
        hr = mapirt_complete_msg(self->sess, (LPMESSAGE)u, err, sizeof err);
        u->lpVtbl->Release(u);
    }
    return FAILED(hr) ? failtext(self, hr, "CompleteMsg", err) : hr;
}

static HRESULT support_ReadReceipt(struct support *self, ULONG ulFlags, LPMESSAGE lpReadMessage,
    LPMESSAGE *lppEmptyMessage)
{
    if (!in_flavour(self, MS))
        return not_in_flavour(self, "ReadReceipt");
    if (!live(self))
        return ended(self);
    char err[512] = "";
    HRESULT hr = mapirt_read_receipt(self->sess, ulFlags, lpReadMessage, lppEmptyMessage, err,
        sizeof err);
    return FAILED(hr) ? failtext(self, hr, "ReadReceipt", err) : hr;
}

static HRESULT support_RegisterPreprocessor(struct support *self, LPMAPIUID lpMuid,
    LPTSTR lpszAdrType, LPTSTR lpszDLLName,
    LPSTR lpszPreprocess,
    LPSTR lpszRemovePreprocessInfo, ULONG ulFlags)
{
    if (!in_flavour(self, XP))
        return not_in_flavour(self, "RegisterPreprocessor");
    mapirt_provider *p = live(self);
    if (!p)
        return ended(self);
    char err[512] = "";
    HRESULT hr = mapirt_spool_register_preprocessor(self->sess, p, lpMuid, lpszAdrType,
        lpszDLLName, lpszPreprocess,
        lpszRemovePreprocessInfo, ulFlags, err,
        sizeof err);
    return FAILED(hr) ? failtext(self, hr, "RegisterPreprocessor", err) : hr;
}

/* The session's wrapped form (entryid.c), which OpenMsgStore and the message store table use:
 * a store provider wraps its own entry ID; other providers wrap a store entry ID whose
 * MAPIUID a store of the session registered. */
static HRESULT support_WrapStoreEntryID(struct support *self, ULONG cbOrigEntry,
    LPENTRYID lpOrigEntry, ULONG *lpcbWrappedEntry,
    LPENTRYID *lppWrappedEntry)
{
    mapirt_provider *p = live(self);
    if (!p)
        return ended(self);
    if (cbOrigEntry < 4 + 16)
        return support_fail(self, MAPI_E_INVALID_ENTRYID,
            "WrapStoreEntryID: the entry ID is too short for a MAPIUID");
    MAPIUID sec;
    ULONG cbi;
    const BYTE *in;
    if (mapirt_store_eid_unwrap(cbOrigEntry, lpOrigEntry, &sec, &cbi, &in))
        return support_fail(self, MAPI_E_INVALID_ENTRYID,
            "WrapStoreEntryID: the entry ID is wrapped already");
    mapirt_provider *store = p->kind == MAPIRT_PROV_MS ? p
                                                       : mapirt_route(self->sess, cbOrigEntry,
                                                             lpOrigEntry);
    if (!store || store->kind != MAPIRT_PROV_MS)
        return support_fail(self, MAPI_E_INVALID_ENTRYID,
            "WrapStoreEntryID: no message store of this session knows the "
            "entry ID");
    SBinary b;
    HRESULT hr = mapirt_store_eid_wrap(&store->uid, cbOrigEntry, (const BYTE *)lpOrigEntry, NULL,
        &b);
    if (FAILED(hr))
        return support_fail(self, hr, "out of memory");
    *lpcbWrappedEntry = b.cb;
    *lppWrappedEntry = (LPENTRYID)b.lpb;
    return S_OK;
}

static HRESULT support_GetSvcConfigSupportObj(struct support *self, ULONG ulFlags,
    LPMAPISUP *lppSvcSupport)
{
    (void)ulFlags;
    mapirt_provider *p = live(self);
    if (!p)
        return ended(self);
    HRESULT hr = mapirt_svcsupport_create(self->sess->ps, self->sess->id, &p->service,
        lppSvcSupport);
    return FAILED(hr) ? support_fail(self, hr, "out of memory") : hr;
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
