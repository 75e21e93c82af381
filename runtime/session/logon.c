/* runtime/session/logon.c: MAPILogonEx (SPEC §3, §4.1; choices in docs/decisions.md).
 *
 * Selection (SPEC §3.4): without MAPI_NEW_SESSION an existing shared session is attached to
 * (name and password ignored). Otherwise the profile is the name given; else the default
 * profile with MAPI_USE_DEFAULT; else, with MAPI_LOGON_UI and without MAPI_EXPLICIT_PROFILE, the
 * default profile too (where Windows shows its profile chooser: console clients written for
 * Windows run headless); else MAPI_E_LOGON_FAILED. An unknown profile, no default profile, an
 * application profile without MAPI_APP_PROFILE and a password (MAPI profiles have none: only
 * NULL or "" is accepted, with or without MAPI_PASSWORD_UI, there being no dialog to ask
 * again) are MAPI_E_LOGON_FAILED. MAPI_LOGON_UI with MAPI_PASSWORD_UI is
 * MAPI_E_INVALID_PARAMETER (the reference makes them exclusive).
 *
 * The logon lock is process-wide and held for the whole logon, providers' logons included, as
 * MAPI's logon mutex is; with MAPI_TIMEOUT_SHORT a logon waits for it at most
 * MAPIRT_LOGON_TIMEOUT_SHORT_MS and then fails with MAPI_E_TIMEOUT.
 *
 * A shared session (MAPI_ALLOW_OTHERS) is shared within this process only: there is no
 * cross-process session object. The first shared session stays the process's shared session
 * until it ends; MAPI_ALLOW_OTHERS on a later new session while one exists makes no second.
 *
 * Starting providers (SPEC §4.1, §19.27): MAPI_SERVICE_UI_ALWAYS first calls every service's
 * ServiceEntry with MSG_SERVICE_CONFIGURE and SERVICE_UI_ALWAYS (there is no dialog: the service
 * answers as it can; MAPI_E_USER_CANCEL from one cancels the logon); then address book providers
 * log on (at logon, not at OpenAddressBook: §19.27), then transports (unless MAPI_NO_MAIL)
 * with LOGON_NO_INBOUND | LOGON_NO_OUTBOUND and then TransportNotify(NOTIFY_BEGIN_INBOUND |
 * NOTIFY_BEGIN_OUTBOUND); stores log on when first opened. A provider that fails does not fail
 * the logon: its row in the status table and the session's GetLastError(MAPI_W_ERRORS_RETURNED)
 * say which service, which provider and why. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <mapicode.h>
#include <mapiutil.h>
#include <mapix.h>

#include <mapirt/alloc.h>
#include <mapirt/init.h>
#include <mapirt/mapix_impl.h>
#include <mapirt/strconv.h>

#include "profile/svccall.h"
#include "session_handle.h"
#include "session_internal.h"
#include "spool/spool.h"

#define MAPIRT_LOGON_TIMEOUT_SHORT_MS 2000

static pthread_mutex_t g_logon_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_shared_mu = PTHREAD_MUTEX_INITIALIZER;
static mapirt_sess *g_shared; /* under g_shared_mu; no reference */
static atomic_uint g_serial;

void mapirt_shared_forget(mapirt_sess *s)
{
    pthread_mutex_lock(&g_shared_mu);
    if (g_shared == s)
        g_shared = NULL;
    pthread_mutex_unlock(&g_shared_mu);
}

static HRESULT lock_logon(ULONG flags)
{
    if (!(flags & MAPI_TIMEOUT_SHORT)) {
        pthread_mutex_lock(&g_logon_mu);
        return S_OK;
    }
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += MAPIRT_LOGON_TIMEOUT_SHORT_MS / 1000;
    until.tv_nsec += (MAPIRT_LOGON_TIMEOUT_SHORT_MS % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    return pthread_mutex_timedlock(&g_logon_mu, &until) == 0 ? S_OK : MAPI_E_TIMEOUT;
}

/* ---- reading the profile ---- */

struct read_ctx {
    mapirt_profile_id id;
    mapirt_provider *provs;
    ULONG n;
};

static void str_of(const SPropValue *v, ULONG n, ULONG tag_a, char *buf, size_t cb)
{
    buf[0] = '\0';
    for (ULONG i = 0; i < n; i++) {
        if (PROP_ID(v[i].ulPropTag) != PROP_ID(tag_a))
            continue;
        if (PROP_TYPE(v[i].ulPropTag) == PT_STRING8)
            mapirt_textf(buf, cb, "%s", v[i].Value.lpszA);
        else if (PROP_TYPE(v[i].ulPropTag) == PT_UNICODE) {
            char *a = mapirt_str_w_to_a_dup(v[i].Value.lpszW);
            if (a)
                mapirt_textf(buf, cb, "%s", a);
            mapirt_free(a);
        }
    }
}

static ULONG long_of(const SPropValue *v, ULONG n, ULONG tag, ULONG dflt)
{
    for (ULONG i = 0; i < n; i++)
        if (v[i].ulPropTag == tag)
            return v[i].Value.ul;
    return dflt;
}

static HRESULT read_providers(mapirt_ps_tx *tx, void *p)
{
    struct read_ctx *c = p;
    mapirt_ps_provider *list = NULL;
    ULONG n = 0;
    HRESULT hr = mapirt_ps_provider_list(tx, c->id, NULL, &list, &n);
    if (FAILED(hr))
        return hr;
    c->provs = mapirt_calloc(n ? n : 1, sizeof *c->provs);
    if (!c->provs) {
        mapirt_free(list);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    for (ULONG i = 0; i < n && SUCCEEDED(hr); i++) {
        if (list[i].kind != MAPIRT_PS_PROVIDER)
            continue;
        ULONG nv = 0;
        LPSPropValue v = NULL;
        mapirt_ps_service svc;
        if (FAILED(hr = mapirt_ps_props_get(tx, c->id, &list[i].uid, &nv, &v)))
            break;
        ULONG type = long_of(v, nv, PR_RESOURCE_TYPE, 0);
        mapirt_provider *q = &c->provs[c->n];
        q->kind = type == MAPI_AB_PROVIDER      ? MAPIRT_PROV_AB
                  : type == MAPI_STORE_PROVIDER ? MAPIRT_PROV_MS
                                                : MAPIRT_PROV_XP;
        /* spooler hooks belong to the spooler (a later issue) */
        if (type == MAPI_AB_PROVIDER || type == MAPI_STORE_PROVIDER ||
            type == MAPI_TRANSPORT_PROVIDER) {
            q->index = c->n;
            q->uid = list[i].uid;
            q->service = list[i].service;
            str_of(v, nv, PR_PROVIDER_DLL_NAME_A, q->dll, sizeof q->dll);
            str_of(v, nv, PR_DISPLAY_NAME_A, q->display, sizeof q->display);
            str_of(v, nv, PR_PROVIDER_DISPLAY_A, q->provider_display, sizeof q->provider_display);
            q->section_flags = long_of(v, nv, PR_RESOURCE_FLAGS, 0);
            if (SUCCEEDED(mapirt_ps_service_get(tx, c->id, &list[i].service, &svc)))
                mapirt_textf(q->service_name, sizeof q->service_name, "%s", svc.name);
            c->n++;
        }
        MAPIFreeBuffer(v);
    }
    mapirt_free(list);
    return hr;
}

/* ---- the session proper ---- */

static HRESULT sess_create(mapirt_profstore *ps, const mapirt_profile_info *info, ULONG flags,
                           mapirt_sess **out, char *err, size_t cberr)
{
    mapirt_sess *s = mapirt_calloc(1, sizeof *s);
    if (!s)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    atomic_init(&s->refs, 1);
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&s->tbl_mu, &a);
    pthread_mutex_init(&s->store_mu, &a);
    pthread_mutexattr_destroy(&a);
    pthread_mutex_init(&s->mu, NULL);
    mapirt_profstore_addref(ps);
    s->ps = ps;
    s->id = info->id;
    snprintf(s->profile, sizeof s->profile, "%s", info->name);
    s->logon_flags = flags;
    s->serial = atomic_fetch_add(&g_serial, 1) + 1;
    struct read_ctx c = {info->id, NULL, 0};
    HRESULT hr = mapirt_gate_new(NULL, NULL, &s->gate);
    if (SUCCEEDED(hr))
        mapirt_gate_set_owner(s->gate, s); /* and its providers' gates (logoff.c) */
    if (SUCCEEDED(hr))
        hr = mapirt_uidmap_create(&s->uids);
    if (SUCCEEDED(hr))
        hr = mapirt_uidmap_create(&s->sections);
    if (SUCCEEDED(hr))
        hr = mapirt_profile_use_begin(ps, info->id, &s->use, err, cberr);
    if (SUCCEEDED(hr))
        hr = mapirt_profstore_read(ps, read_providers, &c, err, cberr);
    s->provs = c.provs;
    s->nprov = c.n;
    s->ended = 0;
    int seen_default = 0;
    for (ULONG i = 0; SUCCEEDED(hr) && i < s->nprov; i++) {
        mapirt_provider *p = &s->provs[i];
        p->sess = s;
        hr = mapirt_uidmap_add(s->sections, &p->uid, i);
        if (p->kind == MAPIRT_PROV_MS) {
            /* the default store: the first store of the profile flagged so (SPEC §8.2) */
            p->dyn_flags = p->section_flags & MAPIRT_STORE_FLAGS & ~(ULONG)STATUS_DEFAULT_STORE;
            if ((p->section_flags & STATUS_DEFAULT_STORE) && !seen_default) {
                p->dyn_flags |= STATUS_DEFAULT_STORE;
                seen_default = 1;
            }
        }
    }
    if (SUCCEEDED(hr))
        hr = mapirt_tables_create(s);
    if (SUCCEEDED(hr))
        hr = mapirt_status_refresh_mapi(s);
    for (ULONG i = 0; SUCCEEDED(hr) && i < s->nprov; i++)
        hr = mapirt_stores_refresh(s, &s->provs[i]);
    if (FAILED(hr)) {
        if (hr == MAPI_E_NOT_ENOUGH_MEMORY && !err[0])
            snprintf(err, cberr, "out of memory");
        mapirt_sess_release(s);
        return hr;
    }
    *out = s;
    return S_OK;
}

/* MAPI_SERVICE_UI_ALWAYS: each service is asked to configure itself, in profile order. */
static HRESULT configure_services(mapirt_sess *s, ULONG_PTR ui, char *err, size_t cberr)
{
    for (ULONG i = 0; i < s->nprov; i++) {
        int first = 1;
        for (ULONG j = 0; j < i && first; j++)
            first = memcmp(s->provs[j].service.ab, s->provs[i].service.ab, 16) != 0;
        if (!first)
            continue;
        char e[512] = "";
        HRESULT hr = mapirt_service_call(s->ps, s->id, &s->provs[i].service, ui,
                                         SERVICE_UI_ALWAYS, MSG_SERVICE_CONFIGURE, 0, NULL, NULL,
                                         e, sizeof e);
        if (hr == MAPI_E_USER_CANCEL) {
            snprintf(err, cberr, "%s", e);
            return hr;
        }
        if (FAILED(hr))
            mapirt_provider_failed(s, &s->provs[i], hr, e);
    }
    return S_OK;
}

static HRESULT start(mapirt_sess *s, ULONG_PTR ui, char *err, size_t cberr)
{
    if (s->logon_flags & MAPI_SERVICE_UI_ALWAYS) {
        HRESULT hr = configure_services(s, ui, err, cberr);
        if (FAILED(hr))
            return hr;
    }
    static const mapirt_prov_kind order[] = {MAPIRT_PROV_AB, MAPIRT_PROV_XP};
    for (int k = 0; k < 2; k++) {
        if (order[k] == MAPIRT_PROV_XP && (s->logon_flags & MAPI_NO_MAIL))
            break;
        for (ULONG i = 0; i < s->nprov; i++) {
            mapirt_provider *p = &s->provs[i];
            pthread_mutex_lock(&s->mu);
            int go = p->kind == order[k] && p->state == MAPIRT_PROV_IDLE;
            pthread_mutex_unlock(&s->mu);
            if (go)
                mapirt_provider_start(s, p, ui);
        }
    }
    /* transports logged on: the spooler starts (none without MAPI_NO_MAIL or a transport) */
    HRESULT hr = mapirt_spool_start(s);
    if (FAILED(hr))
        snprintf(err, cberr, "the spooler could not start");
    return hr;
}

/* ---- MAPILogonEx ---- */

static HRESULT find_profile(mapirt_profstore *ps, const char *name, int use_default,
                            mapirt_profile_info *info, char *err, size_t cberr);

HRESULT MAPILogonEx(ULONG_PTR ulUIParam, LPTSTR lpszProfileName, LPTSTR lpszPassword,
                    ULONG ulFlags, LPMAPISESSION *lppSession)
{
    HRESULT hr = MAPILogonEx_check_inline(ulUIParam, lpszProfileName, lpszPassword, ulFlags,
                                          lppSession);
    if (FAILED(hr))
        return hr;
    *lppSession = NULL;
    if (!mapirt_is_initialized())
        return MAPI_E_NOT_INITIALIZED;
    if ((ulFlags & MAPI_LOGON_UI) && (ulFlags & MAPI_PASSWORD_UI))
        return MAPI_E_INVALID_PARAMETER;
    int wide = (ulFlags & MAPI_UNICODE) != 0;
    if (FAILED(hr = lock_logon(ulFlags)))
        return hr;
    mapirt_module_reap();

    struct session *h = NULL;
    /* 1. the shared session, unless a new one is asked for */
    if (!(ulFlags & MAPI_NEW_SESSION)) {
        pthread_mutex_lock(&g_shared_mu);
        mapirt_sess *sh = g_shared;
        if (sh)
            mapirt_sess_addref(sh);
        pthread_mutex_unlock(&g_shared_mu);
        if (sh) {
            hr = mapirt_session_new(sh, &h);
            if (SUCCEEDED(hr) && FAILED(mapirt_session_attach(h))) {
                mapirt_session_release_handle(h);
                h = NULL; /* it ended meanwhile: log on anew */
            }
            mapirt_sess_release(sh);
            if (FAILED(hr) || h) {
                pthread_mutex_unlock(&g_logon_mu);
                if (h)
                    *lppSession = mapirt_session_iface(h);
                return hr;
            }
        }
    }

    /* 2. which profile */
    char *name = NULL, err[1024] = "";
    if (lpszProfileName && (wide ? ((const WCHAR *)(const void *)lpszProfileName)[0] != 0
                                 : lpszProfileName[0] != 0)) {
        name = wide ? mapirt_str_w_to_a_dup((const WCHAR *)(const void *)lpszProfileName)
                    : mapirt_strdup((const char *)lpszProfileName);
        if (!name) {
            pthread_mutex_unlock(&g_logon_mu);
            return MAPI_E_NOT_ENOUGH_MEMORY;
        }
    }
    int use_default = !name && ((ulFlags & MAPI_USE_DEFAULT) ||
                                ((ulFlags & MAPI_LOGON_UI) && !(ulFlags & MAPI_EXPLICIT_PROFILE)));
    int password = lpszPassword && (wide ? ((const WCHAR *)(const void *)lpszPassword)[0] != 0
                                         : lpszPassword[0] != 0);
    mapirt_profstore *ps = NULL;
    mapirt_profile_info info;
    mapirt_sess *s = NULL;
    if (!name && !use_default)
        hr = MAPI_E_LOGON_FAILED; /* no name, no default allowed, no dialog to ask */
    else if (password)
        hr = MAPI_E_LOGON_FAILED; /* MAPI profiles have no passwords */
    else
        hr = mapirt_profstore_open_default(&ps, err, sizeof err);
    if (SUCCEEDED(hr))
        hr = find_profile(ps, name, use_default, &info, err, sizeof err);
    if (SUCCEEDED(hr) && info.is_app && !(ulFlags & MAPI_APP_PROFILE))
        hr = MAPI_E_LOGON_FAILED;
    /* 3. the session and its providers */
    if (SUCCEEDED(hr))
        hr = sess_create(ps, &info, ulFlags, &s, err, sizeof err);
    if (SUCCEEDED(hr))
        hr = start(s, ulUIParam, err, sizeof err);
    if (SUCCEEDED(hr))
        hr = mapirt_session_new(s, &h);
    if (SUCCEEDED(hr))
        hr = mapirt_session_attach(h);
    if (SUCCEEDED(hr)) {
        if (ulFlags & MAPI_ALLOW_OTHERS) {
            pthread_mutex_lock(&g_shared_mu);
            if (!g_shared) {
                g_shared = s;
                s->shared = 1;
            }
            pthread_mutex_unlock(&g_shared_mu);
        }
        mapirt_sessions_add(s);
        pthread_mutex_lock(&s->mu);
        if (s->logon_errors[0])
            mapirt_lasterror_setf(mapirt_session_lasterror(h), MAPI_W_ERRORS_RETURNED, 0, 0,
                                  "%s", s->logon_errors);
        pthread_mutex_unlock(&s->mu);
    }
    if (FAILED(hr) && h) {
        mapirt_session_release_handle(h); /* ends the session it alone used */
        h = NULL;
    }
    if (s)
        mapirt_sess_release(s);
    if (ps)
        mapirt_profstore_release(ps);
    mapirt_free(name);
    pthread_mutex_unlock(&g_logon_mu);
    if (FAILED(hr))
        return hr == MAPI_E_NOT_FOUND ? MAPI_E_LOGON_FAILED : hr;
    *lppSession = mapirt_session_iface(h);
    return S_OK;
}

/* ---- finding the profile ---- */

struct find_ctx {
    const char *name;
    int use_default;
    mapirt_profile_info *info;
};

static HRESULT find_in(mapirt_ps_tx *tx, void *p)
{
    struct find_ctx *c = p;
    if (c->name)
        return mapirt_ps_profile_find(tx, c->name, c->info);
    mapirt_profile_info *all = NULL;
    ULONG n = 0;
    HRESULT hr = mapirt_ps_profile_list(tx, &all, &n);
    if (FAILED(hr))
        return hr;
    hr = mapirt_ps_fail(tx, MAPI_E_NOT_FOUND, "there is no default profile");
    for (ULONG i = 0; i < n; i++)
        if (all[i].is_default) {
            *c->info = all[i];
            hr = S_OK;
            break;
        }
    mapirt_free(all);
    return hr;
}

static HRESULT find_profile(mapirt_profstore *ps, const char *name, int use_default,
                            mapirt_profile_info *info, char *err, size_t cberr)
{
    struct find_ctx c = {name, use_default, info};
    return mapirt_profstore_read(ps, find_in, &c, err, cberr);
}
