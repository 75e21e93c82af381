/* runtime/session/provider.c: loading a provider and logging it on and off (SPEC §4, §5.3).
 *
 * Start: the provider's shared object is loaded by the one loader (spi/loader.h) from its
 * PR_PROVIDER_DLL_NAME; its entry point (ABProviderInit, MSProviderInit, XPProviderInit) gets
 * the module handle as hInstance (never NULL), MAPI's default IMalloc (a static object: the
 * provider may AddRef and Release it freely), the MAPI allocators, MAPI_NT_SERVICE when the
 * client logged on with it, and CURRENT_SPI_VERSION. SPI versions (docs/decisions.md): a
 * provider reporting another major version, or a version older than PDK1_SPI_VERSION, is
 * released at once and fails with MAPI_E_VERSION; newer minor versions (0x00020003, the
 * Unicode/ANSI providers) are accepted. An entry point that is missing, fails, or succeeds
 * without a provider object fails the provider with a message, never the session.
 *
 * Failure policy (SPEC §4.6, docs/decisions.md): MAPI_E_UNCONFIGURED calls the service's
 * ServiceEntry with MSG_SERVICE_CONFIGURE and retries the logon once; MAPI_E_FAILONEPROVIDER
 * and a second MAPI_E_UNCONFIGURED fail that provider alone; any other failure disables the
 * providers of its service that have not started. A failed provider has a status row (made by
 * MAPI: STATUS_FAILURE, its error in PR_STATUS_STRING).
 *
 * No session lock is held while a provider runs. */
#define _GNU_SOURCE /* PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <mapicode.h>
#include <mapiutil.h>
#include <mapix.h>

#include <mapirt/alloc.h>
#include <mapirt/proxy.h>
#include <mapirt/strconv.h>
#include <mapirt/trace.h>
#include <mapirt/vocab.h>

#include "profile/svccall.h"
#include "session_internal.h"

void mapirt_textf(char *dst, size_t cb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, cb, fmt, ap);
    va_end(ap);
}

void mapirt_provider_name(const mapirt_provider *p, char *buf, size_t cb)
{
    snprintf(buf, cb, "provider '%s' (%s) of message service '%s'",
        p->display[0] ? p->display : "?", p->dll, p->service_name);
}

HRESULT mapirt_sess_wrap(REFIID riid, LPUNKNOWN inner, LPUNKNOWN *out)
{
    if (!mapirt_trace_enabled()) {
        inner->lpVtbl->AddRef(inner);
        *out = inner;
        return S_OK;
    }
    return mapirt_proxy_wrap(riid, inner, MAPIRT_PROXY_TRACE, out);
}

static ULONG hand_out_flags(void)
{
    return mapirt_trace_enabled() ? MAPIRT_PROXY_TRACE : 0;
}

HRESULT mapirt_provider_hand_out(mapirt_sess *s, mapirt_provider *p, LPCIID iid, ULONG objtype,
    LPUNKNOWN inner, LPUNKNOWN *out)
{
    pthread_mutex_lock(&s->mu);
    mapirt_gate *g = p->gate;
    if (g)
        mapirt_gate_addref(g);
    pthread_mutex_unlock(&s->mu);
    HRESULT hr = MAPI_E_END_OF_SESSION;
    if (!iid)
        iid = mapirt_objtype_iid(objtype);
    if (g && !iid) {
        /* no interface of idl/ to proxy it with: handed out as it is (docs/decisions.md) */
        *out = inner;
        mapirt_gate_release(g);
        return S_OK;
    }
    if (g)
        hr = mapirt_proxy_wrap_gated(iid, inner, hand_out_flags(), g, out);
    inner->lpVtbl->Release(inner);
    mapirt_gate_release(g);
    return hr;
}

HRESULT mapirt_sess_hand_out(mapirt_sess *s, LPCIID iid, LPUNKNOWN inner, LPUNKNOWN *out)
{
    HRESULT hr = mapirt_proxy_wrap_gated(iid, inner, hand_out_flags(), s->gate, out);
    inner->lpVtbl->Release(inner);
    return hr;
}

/* The provider gate's last reference: the module may go (from wherever the last proxy of the
 * provider's objects is released: later, mapirt_module_release_later). */
static void gate_fini(void *module)
{
    mapirt_module_release_later(module);
}

static const char *scode_name(HRESULT hr, char *buf, size_t cb)
{
    const char *n = mapirt_scode_name(hr);
    if (n)
        return n;
    snprintf(buf, cb, "0x%08X", (unsigned)hr);
    return buf;
}

/* The provider's MAPIERROR as UTF-8 (mapirt_free), consumed. */
static char *take_error(LPMAPIERROR e, int wide)
{
    char *text = NULL;
    if (e && e->lpszError)
        text = wide ? mapirt_str_w_to_a_dup((const WCHAR *)(const void *)e->lpszError)
                    : mapirt_strdup((const char *)e->lpszError);
    MAPIFreeBuffer(e);
    return text;
}

void mapirt_provider_failed(mapirt_sess *s, mapirt_provider *p, HRESULT hr, const char *text)
{
    char who[512], nb[16];
    mapirt_provider_name(p, who, sizeof who);
    pthread_mutex_lock(&s->mu);
    p->state = MAPIRT_PROV_FAILED;
    p->error = hr;
    mapirt_textf(p->error_text, sizeof p->error_text, "%s failed with %s: %s", who,
        scode_name(hr, nb, sizeof nb), text && text[0] ? text : "no reason given");
    int whole_service = hr != MAPI_E_FAILONEPROVIDER && hr != MAPI_E_UNCONFIGURED;
    for (ULONG i = 0; whole_service && i < s->nprov; i++) {
        mapirt_provider *q = &s->provs[i];
        if (q != p && q->state == MAPIRT_PROV_IDLE &&
            memcmp(q->service.ab, p->service.ab, 16) == 0) {
            q->state = MAPIRT_PROV_DISABLED;
            q->error = hr;
            mapirt_textf(q->error_text, sizeof q->error_text, "disabled for this session: %s",
                p->error_text);
        }
    }
    size_t used = strlen(s->logon_errors);
    if (used + 2 < sizeof s->logon_errors)
        snprintf(s->logon_errors + used, sizeof s->logon_errors - used, "%s%s",
            used ? "; " : "", p->error_text);
    pthread_mutex_unlock(&s->mu);
    mapirt_status_refresh(s, p);
    for (ULONG i = 0; whole_service && i < s->nprov; i++)
        if (s->provs[i].state == MAPIRT_PROV_DISABLED)
            mapirt_status_refresh(s, &s->provs[i]);
}

static const char *entry_name(mapirt_prov_kind k)
{
    return k == MAPIRT_PROV_AB ? "ABProviderInit" : k == MAPIRT_PROV_MS ? "MSProviderInit"
                                                                        : "XPProviderInit";
}

static const IID *provider_iid(mapirt_prov_kind k)
{
    return k == MAPIRT_PROV_AB ? &IID_IABProvider : k == MAPIRT_PROV_MS ? &IID_IMSProvider
                                                                        : &IID_IXPProvider;
}

/* Loads the module and calls the entry point: p->module, p->provider and p->sup on success. */
static HRESULT load(mapirt_sess *s, mapirt_provider *p, char *err, size_t cberr)
{
    mapirt_module *m = NULL;
    HRESULT hr = mapirt_module_load(p->dll, &m, err, cberr);
    if (FAILED(hr))
        return hr;
    /* every entry point has this signature (mapispi.h) */
    ABPROVIDERINIT *init = (ABPROVIDERINIT *)(size_t)mapirt_module_symbol(m, entry_name(p->kind));
    if (!init) {
        snprintf(err, cberr, "%s exports no %s", mapirt_module_path(m), entry_name(p->kind));
        mapirt_module_release(m);
        return MAPI_E_CALL_FAILED;
    }
    ULONG ver = 0;
    LPUNKNOWN obj = NULL;
    hr = init(mapirt_module_instance(m), MAPIGetDefaultMalloc(), MAPIAllocateBuffer,
        MAPIAllocateMore, MAPIFreeBuffer, s->logon_flags & MAPI_NT_SERVICE,
        (ULONG)CURRENT_SPI_VERSION, &ver, (LPABPROVIDER *)(void *)&obj);
    if (FAILED(hr)) {
        snprintf(err, cberr, "%s refused to initialise (SPI version offered 0x%08X)",
            entry_name(p->kind), (unsigned)CURRENT_SPI_VERSION);
        mapirt_module_release(m);
        return hr;
    }
    if (!obj) {
        snprintf(err, cberr, "%s succeeded without a provider object", entry_name(p->kind));
        mapirt_module_release(m);
        return MAPI_E_CALL_FAILED;
    }
    if ((ver >> 24) != ((ULONG)CURRENT_SPI_VERSION >> 24) || ver < (ULONG)PDK1_SPI_VERSION) {
        snprintf(err, cberr, "%s reports SPI version 0x%08X; this MAPI accepts 0x%08X and later "
                             "versions of major version %u",
            entry_name(p->kind), (unsigned)ver,
            (unsigned)PDK1_SPI_VERSION, (unsigned)((ULONG)CURRENT_SPI_VERSION >> 24));
        obj->lpVtbl->Release(obj);
        mapirt_module_release(m);
        return MAPI_E_VERSION;
    }
    LPUNKNOWN wrapped = NULL;
    hr = mapirt_sess_wrap(provider_iid(p->kind), obj, &wrapped);
    obj->lpVtbl->Release(obj);
    if (FAILED(hr)) {
        mapirt_module_release(m);
        snprintf(err, cberr, "out of memory");
        return hr;
    }
    struct support *sup = NULL;
    mapirt_gate *gate = NULL;
    p->module = m;
    mapirt_module_addref(m); /* the gate's */
    if (FAILED(hr = mapirt_gate_new(gate_fini, m, &gate)))
        mapirt_module_release(m);
    else
        mapirt_gate_set_owner(gate, s); /* the session's, as its own gate (logoff.c) */
    if (SUCCEEDED(hr) && FAILED(hr = mapirt_support_create(s, p, &sup)))
        mapirt_gate_release(gate);
    if (FAILED(hr)) {
        wrapped->lpVtbl->Release(wrapped);
        p->module = NULL;
        mapirt_module_release(m);
        snprintf(err, cberr, "out of memory");
        return hr;
    }
    pthread_mutex_lock(&s->mu);
    p->provider = wrapped;
    p->sup = sup;
    p->gate = gate;
    pthread_mutex_unlock(&s->mu);
    return S_OK;
}

/* The profile name in the width the provider is given strings (mapirt_free). */
static void *profile_name(mapirt_sess *s, int wide)
{
    return wide ? (void *)mapirt_str_a_to_w_dup(s->profile) : (void *)mapirt_strdup(s->profile);
}

/* One logon call (AB or XP); *text gets the provider's MAPIERROR. */
static HRESULT logon_once(mapirt_sess *s, mapirt_provider *p, ULONG_PTR ui, char **text)
{
    int wide = (s->logon_flags & MAPI_UNICODE) != 0;
    void *name = profile_name(s, wide);
    LPMAPIERROR perr = NULL;
    HRESULT hr;
    IMAPISupport *sup = mapirt_support_iface(p->sup);
    LPUNKNOWN logon = NULL;
    if (!name)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    if (p->kind == MAPIRT_PROV_AB) {
        IABProvider *ab = (IABProvider *)p->provider;
        ULONG cbsec = 0;
        LPBYTE sec = NULL;
        hr = ab->lpVtbl->Logon(ab, sup, ui, (LPTSTR)name,
            AB_NO_DIALOG | (wide ? MAPI_UNICODE : 0), &cbsec, &sec, &perr,
            (LPABLOGON *)(void *)&logon);
        MAPIFreeBuffer(sec);
    } else {
        IXPProvider *xp = (IXPProvider *)p->provider;
        ULONG flags = LOGON_NO_DIALOG | LOGON_NO_INBOUND | LOGON_NO_OUTBOUND |
                      (wide ? MAPI_UNICODE : 0);
        hr = xp->lpVtbl->TransportLogon(xp, sup, ui, (LPTSTR)name, &flags, &perr,
            (LPXPLOGON *)(void *)&logon);
        if (SUCCEEDED(hr))
            p->xp_flags = flags;
    }
    mapirt_free(name);
    *text = take_error(perr, wide);
    if (SUCCEEDED(hr) && !logon) {
        mapirt_free(*text);
        *text = mapirt_strdup("its logon succeeded without a logon object");
        hr = MAPI_E_CALL_FAILED;
    }
    if (SUCCEEDED(hr)) {
        pthread_mutex_lock(&s->mu);
        p->logon = logon;
        p->state = MAPIRT_PROV_ACTIVE;
        pthread_mutex_unlock(&s->mu);
    }
    return hr;
}

/* MAPI_E_UNCONFIGURED: the service configures itself (MSG_SERVICE_CONFIGURE), then one retry. */
static HRESULT configure(mapirt_sess *s, mapirt_provider *p, ULONG_PTR ui, char *err,
    size_t cberr)
{
    ULONG flags = 0;
    if (s->logon_flags & MAPI_SERVICE_UI_ALWAYS)
        flags |= SERVICE_UI_ALWAYS;
    else if (s->logon_flags & MAPI_LOGON_UI)
        flags |= SERVICE_UI_ALLOWED;
    int called = 0;
    HRESULT hr = mapirt_service_call(s->ps, s->id, &p->service, ui, flags, MSG_SERVICE_CONFIGURE,
        0, NULL, &called, err, cberr);
    if (SUCCEEDED(hr) && !called) {
        snprintf(err, cberr, "its message service has no entry point to configure it");
        return MAPI_E_UNCONFIGURED;
    }
    return hr;
}

HRESULT mapirt_provider_start(mapirt_sess *s, mapirt_provider *p, ULONG_PTR ulUIParam)
{
    char err[512] = "";
    char *text = NULL;
    HRESULT hr = load(s, p, err, sizeof err);
    if (FAILED(hr)) {
        mapirt_provider_failed(s, p, hr, err);
        return hr;
    }
    hr = logon_once(s, p, ulUIParam, &text);
    if (hr == MAPI_E_UNCONFIGURED) {
        HRESULT chr = configure(s, p, ulUIParam, err, sizeof err);
        if (SUCCEEDED(chr)) {
            mapirt_free(text);
            hr = logon_once(s, p, ulUIParam, &text);
        } else {
            char both[1024];
            snprintf(both, sizeof both, "%s; configuring it failed: %s",
                text ? text : "unconfigured", err);
            mapirt_free(text);
            text = mapirt_strdup(both);
        }
    }
    if (FAILED(hr)) {
        mapirt_provider_failed(s, p, hr, text);
        mapirt_free(text);
        mapirt_provider_stop(s, p); /* releases what load() got; keeps the FAILED state */
        return hr;
    }
    mapirt_free(text);
    if (p->kind == MAPIRT_PROV_XP) {
        /* logged on with no traffic, then let it start (SPEC §4.4) */
        IXPLogon *xl = (IXPLogon *)p->logon;
        ULONG nf = NOTIFY_BEGIN_INBOUND | NOTIFY_BEGIN_OUTBOUND;
        LPVOID data = NULL;
        xl->lpVtbl->TransportNotify(xl, &nf, &data);
    }
    mapirt_status_refresh(s, p);
    return S_OK;
}

static HRESULT store_open_locked(mapirt_sess *s, mapirt_provider *p, ULONG_PTR ulUIParam,
    ULONG cb, LPENTRYID lpEntryID, ULONG ulFlags, LPMDB *out);

HRESULT mapirt_store_open(mapirt_sess *s, mapirt_provider *p, ULONG_PTR ulUIParam, ULONG cb,
    LPENTRYID lpEntryID, ULONG ulFlags, LPMDB *out)
{
    /* one first open at a time: two threads opening one store would both load it */
    mapirt_store_lock(s);
    HRESULT hr;
    if (p->opening) {
        hr = MAPI_E_CALL_FAILED; /* its own Logon opens it again */
    } else {
        p->opening = 1;
        hr = store_open_locked(s, p, ulUIParam, cb, lpEntryID, ulFlags, out);
        p->opening = 0;
    }
    mapirt_store_unlock(s);
    return hr;
}

static HRESULT store_open_locked(mapirt_sess *s, mapirt_provider *p, ULONG_PTR ulUIParam,
    ULONG cb, LPENTRYID lpEntryID, ULONG ulFlags, LPMDB *out)
{
    char err[512] = "";
    pthread_mutex_lock(&s->mu);
    mapirt_prov_state st = p->state;
    LPMDB mdb = p->mdb;
    if (mdb)
        mdb->lpVtbl->AddRef(mdb);
    int ended = s->ended;
    pthread_mutex_unlock(&s->mu);
    if (mdb) {
        *out = mdb; /* open already: the same store (SPEC §4.4, load sequence step 2) */
        return S_OK;
    }
    if (ended)
        return MAPI_E_END_OF_SESSION;
    if (st == MAPIRT_PROV_DISABLED || st == MAPIRT_PROV_ENDED)
        return MAPI_E_CALL_FAILED;
    /* a store that failed before may be opened again: the client may have fixed its cause */
    HRESULT hr = load(s, p, err, sizeof err);
    if (FAILED(hr)) {
        mapirt_provider_failed(s, p, hr, err);
        return hr;
    }
    int wide = (s->logon_flags & MAPI_UNICODE) != 0;
    ULONG flags = MDB_NO_DIALOG | (ulFlags & (MDB_WRITE | MDB_NO_MAIL | MDB_TEMPORARY | MAPI_DEFERRED_ERRORS)) |
                  (wide ? MAPI_UNICODE : 0);
    if (s->logon_flags & MAPI_NO_MAIL)
        flags |= MDB_NO_MAIL;
    char *text = NULL;
    for (int attempt = 0; attempt < 2; attempt++) {
        IMSProvider *ms = (IMSProvider *)p->provider;
        void *name = profile_name(s, wide);
        ULONG cbsec = 0;
        LPBYTE sec = NULL;
        LPMAPIERROR perr = NULL;
        LPMSLOGON logon = NULL;
        mdb = NULL;
        if (!name) {
            hr = MAPI_E_NOT_ENOUGH_MEMORY;
            break;
        }
        hr = ms->lpVtbl->Logon(ms, mapirt_support_iface(p->sup), ulUIParam, (LPTSTR)name, cb,
            cb ? lpEntryID : NULL, flags, NULL, &cbsec, &sec, &perr, &logon,
            &mdb);
        mapirt_free(name);
        mapirt_free(text);
        text = take_error(perr, wide);
        if (SUCCEEDED(hr) && (!logon || !mdb)) {
            /* a second Logon for an open store gives no IMSLogon: we never ask for one */
            if (logon)
                logon->lpVtbl->Release(logon);
            if (mdb)
                mdb->lpVtbl->Release(mdb);
            MAPIFreeBuffer(sec);
            mapirt_free(text);
            text = mapirt_strdup("its Logon succeeded without a logon object and a store");
            hr = MAPI_E_CALL_FAILED;
            break;
        }
        if (SUCCEEDED(hr)) {
            pthread_mutex_lock(&s->mu);
            p->logon = (LPUNKNOWN)logon;
            p->mdb = mdb;
            p->spool_security = sec;
            p->cb_spool_security = cbsec;
            p->state = MAPIRT_PROV_ACTIVE;
            p->error = S_OK;
            p->error_text[0] = '\0';
            pthread_mutex_unlock(&s->mu);
            break;
        }
        MAPIFreeBuffer(sec);
        if (hr != MAPI_E_UNCONFIGURED || attempt == 1)
            break;
        if (FAILED(configure(s, p, ulUIParam, err, sizeof err)))
            break;
    }
    if (FAILED(hr)) {
        mapirt_provider_failed(s, p, hr, text);
        mapirt_free(text);
        mapirt_provider_stop(s, p);
        pthread_mutex_lock(&s->mu);
        if (p->state == MAPIRT_PROV_ENDED)
            p->state = MAPIRT_PROV_FAILED;
        pthread_mutex_unlock(&s->mu);
        return hr;
    }
    mapirt_free(text);
    mapirt_status_refresh(s, p);
    mapirt_stores_refresh(s, p);
    mdb->lpVtbl->AddRef(mdb);
    *out = mdb;
    return S_OK;
}

void mapirt_provider_stop(mapirt_sess *s, mapirt_provider *p)
{
    pthread_mutex_lock(&s->mu);
    LPUNKNOWN logon = p->logon, provider = p->provider;
    LPMDB mdb = p->mdb;
    struct support *sup = p->sup;
    mapirt_module *m = p->module;
    mapirt_gate *gate = p->gate;
    LPBYTE sec = p->spool_security;
    p->gate = NULL;
    p->logon = NULL;
    p->provider = NULL;
    p->mdb = NULL;
    p->sup = NULL;
    p->module = NULL;
    p->spool_security = NULL;
    p->cb_spool_security = 0;
    /* 1. its UIDs go, 2. its status row goes (unless it failed: the row shows why) */
    mapirt_uidmap_remove_provider(s->uids, p->index);
    int had = p->has_row;
    if (p->state == MAPIRT_PROV_ACTIVE)
        p->state = MAPIRT_PROV_ENDED;
    if (p->state == MAPIRT_PROV_ENDED) {
        MAPIFreeBuffer(p->row);
        p->row = NULL;
        p->crow = 0;
        p->has_row = 0;
    }
    pthread_mutex_unlock(&s->mu);
    /* 0. its objects handed out answer MAPI_E_END_OF_SESSION from now on, and no call is still
     * inside one when its Logoff begins (session_internal.h, "Calls in flight") */
    if (gate) {
        mapirt_gate_close(gate);
        mapirt_gate_release(gate);
    }
    if (had || p->state == MAPIRT_PROV_ENDED)
        mapirt_status_refresh(s, p);
    MAPIFreeBuffer(sec);
    /* 3. the logon object's Logoff, 4. its release */
    if (logon) {
        if (p->kind == MAPIRT_PROV_AB)
            ((IABLogon *)logon)->lpVtbl->Logoff((IABLogon *)logon, 0);
        else if (p->kind == MAPIRT_PROV_MS) {
            ULONG f = 0;
            ((IMSLogon *)logon)->lpVtbl->Logoff((IMSLogon *)logon, &f);
        } else
            ((IXPLogon *)logon)->lpVtbl->TransportLogoff((IXPLogon *)logon, 0);
        logon->lpVtbl->Release(logon);
    }
    if (mdb)
        mdb->lpVtbl->Release(mdb);
    /* 5. the provider object's Shutdown (its last call), 6. its release */
    if (provider) {
        ULONG f = 0;
        if (p->kind == MAPIRT_PROV_AB)
            ((IABProvider *)provider)->lpVtbl->Shutdown((IABProvider *)provider, &f);
        else if (p->kind == MAPIRT_PROV_MS)
            ((IMSProvider *)provider)->lpVtbl->Shutdown((IMSProvider *)provider, &f);
        else
            ((IXPProvider *)provider)->lpVtbl->Shutdown((IXPProvider *)provider, &f);
        provider->lpVtbl->Release(provider);
    }
    /* 7. our support reference; the module goes when the provider's references to it go */
    if (sup) {
        mapirt_support_detach(sup);
        mapirt_support_release(sup);
    }
    if (m)
        mapirt_module_release_later(m);
}
