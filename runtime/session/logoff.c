/* runtime/session/logoff.c: ending a session (SPEC §5) and the session proper's life.
 *
 * IMAPISession::Logoff ends one handle: its forwarded registrations are ended at the providers,
 * its session-level sinks get one fnevExtended notification (ulEvent MAPIRT_EXTENDED_LOGOFF;
 * SPEC §19.3: the method pages' fnevExtended, not a critical error), and with
 * MAPI_LOGOFF_SHARED the other handles of a shared session get fnevExtended with
 * MAPIRT_EXTENDED_LOGOFF_SHARED, asking their clients to log off too (any client may pass it,
 * SPEC §19.4). The session proper ends when its last handle logs off or is released.
 *
 * Ending (mapirt_sess_end): the session stops answering (MAPI_E_END_OF_SESSION) and waits
 * for the calls in flight to leave (session_internal.h, "Calls in flight"), then each
 * provider is stopped in the documented order (provider.c: UIDs and status row removed, the
 * logon's Logoff, Release, the provider's Shutdown, Release), transports first, then stores,
 * then address books; the tables lose their rows (advised views hear it); the profile is no
 * longer in use. The memory of the session proper stays while support objects refer to it
 * (stores the client still holds); their provider code stays mapped until they go. */
#include <string.h>

#include <mapicode.h>
#include <mapiutil.h>

#include <mapirt/alloc.h>

#include "session_handle.h"
#include "session_internal.h"
#include "spool/spool.h"

/* ---- the registry of live sessions (MAPIUninitialize ends them) ---- */

static pthread_mutex_t g_reg_mu = PTHREAD_MUTEX_INITIALIZER;
static mapirt_sess **g_reg;
static size_t g_nreg, g_creg;

void mapirt_sessions_add(mapirt_sess *s)
{
    pthread_mutex_lock(&g_reg_mu);
    if (g_nreg == g_creg) {
        size_t n = g_creg ? g_creg * 2 : 8;
        mapirt_sess **r = mapirt_realloc(g_reg, n * sizeof *r);
        if (r) {
            g_reg = r;
            g_creg = n;
        }
    }
    if (g_nreg < g_creg)
        g_reg[g_nreg++] = s; /* without room it is simply not ended by MAPIUninitialize */
    pthread_mutex_unlock(&g_reg_mu);
}

void mapirt_sessions_remove(mapirt_sess *s)
{
    pthread_mutex_lock(&g_reg_mu);
    for (size_t i = 0; i < g_nreg; i++)
        if (g_reg[i] == s) {
            g_reg[i] = g_reg[--g_nreg];
            break;
        }
    if (!g_nreg) {
        mapirt_free(g_reg);
        g_reg = NULL;
        g_creg = 0;
    }
    pthread_mutex_unlock(&g_reg_mu);
}

void mapirt_sessions_end_all(void)
{
    for (;;) {
        pthread_mutex_lock(&g_reg_mu);
        mapirt_sess *s = g_nreg ? g_reg[g_nreg - 1] : NULL;
        if (s)
            mapirt_sess_addref(s);
        pthread_mutex_unlock(&g_reg_mu);
        if (!s)
            break;
        mapirt_sess_end(s); /* removes it from the registry */
        mapirt_sess_release(s);
    }
    mapirt_module_reap();
}

/* ---- the session proper ---- */

static void end(mapirt_sess *s, int may_defer);

void mapirt_sess_addref(mapirt_sess *s)
{
    atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
}

void mapirt_sess_release(mapirt_sess *s)
{
    if (atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1)
        return;
    end(s, 0); /* a session whose handles all went without Logoff (nothing in flight: no defer,
                * as no reference is left to keep it) */
    mapirt_tables_destroy(s);
    for (ULONG i = 0; i < s->nprov; i++)
        MAPIFreeBuffer(s->provs[i].row);
    mapirt_free(s->provs);
    mapirt_uidmap_destroy(s->uids);
    mapirt_uidmap_destroy(s->sections);
    mapirt_free(s->members);
    mapirt_free(s->spool);
    mapirt_spool_free(s);
    if (s->ps)
        mapirt_profstore_release(s->ps);
    pthread_mutex_destroy(&s->mu);
    pthread_mutex_destroy(&s->tbl_mu);
    pthread_mutex_destroy(&s->store_mu);
    mapirt_gate_release(s->gate); /* the tables' proxies may keep it */
    mapirt_free(s);
}

static void empty(LPTABLEDATA td)
{
    ULONG n = 0;
    if (td)
        td->lpVtbl->HrDeleteRows(td, TAD_ALL_ROWS, NULL, &n);
}

/* The rest of the end, once the calls in flight may be waited for (see mapirt_sess_end). */
static void sess_finish(mapirt_sess *s)
{
    /* nobody is inside the session's methods from here on (session_internal.h) */
    if (s->gate)
        mapirt_gate_close(s->gate);
    mapirt_spool_stop(s); /* before the providers it calls stop */
    static const mapirt_prov_kind order[] = {MAPIRT_PROV_XP, MAPIRT_PROV_MS, MAPIRT_PROV_AB};
    for (int k = 0; k < 3; k++)
        for (ULONG i = s->nprov; i-- > 0;)
            if (s->provs[i].kind == order[k])
                mapirt_provider_stop(s, &s->provs[i]);
    mapirt_tbl_lock(s);
    for (int w = 0; w < 2; w++) {
        empty(s->status_td[w]);
        empty(s->stores_td[w]);
    }
    mapirt_tbl_unlock(s);
    mapirt_profile_use_end(s->use);
    s->use = NULL;
}

static void sess_finish_deferred(void *ctx)
{
    mapirt_sess *s = ctx;
    sess_finish(s);
    mapirt_sess_release(s); /* mapirt_sess_end's */
    mapirt_module_reap();
}

static void end(mapirt_sess *s, int may_defer)
{
    pthread_mutex_lock(&s->mu);
    int already = s->ended;
    s->ended = 1;
    pthread_mutex_unlock(&s->mu);
    /* A thread inside a call of another session (or of anything not this session's) must not
     * wait for this session's calls: one of them may be waiting for it the same way (two
     * threads each ending, from inside the other's session, the session the other is in). It
     * shuts the gate now, so the session answers MAPI_E_END_OF_SESSION at once, and the rest
     * runs when the thread leaves its outermost call (<mapirt/gate.h>, mapirt_gate_defer). */
    int defer = may_defer && mapirt_gate_inside_other(s);
    if (already) {
        /* a second ender (MAPIUninitialize while the last Logoff runs) returns once the
         * session is quiet too, unless it is inside a call (then it might be what the first
         * ender waits for) */
        if (s->gate) {
            if (defer || mapirt_gate_inside())
                mapirt_gate_shut(s->gate);
            else
                mapirt_gate_close(s->gate);
        }
        return;
    }
    if (s->gate)
        mapirt_gate_shut(s->gate);
    mapirt_shared_forget(s);
    mapirt_sessions_remove(s);
    if (defer) {
        mapirt_sess_addref(s);
        mapirt_gate_defer(&s->end_task, sess_finish_deferred, s);
        return;
    }
    sess_finish(s);
}

void mapirt_sess_end(mapirt_sess *s)
{
    end(s, 1);
}

/* ---- handles ---- */

HRESULT mapirt_session_attach(struct session *h)
{
    mapirt_sess *s = h->sess;
    HRESULT hr = S_OK;
    pthread_mutex_lock(&s->mu);
    if (s->ended)
        hr = MAPI_E_END_OF_SESSION;
    else if (s->nmembers == s->cmembers) {
        ULONG n = s->cmembers ? s->cmembers * 2 : 4;
        struct session **m = mapirt_realloc(s->members, n * sizeof *m);
        if (m) {
            s->members = m;
            s->cmembers = n;
        } else
            hr = MAPI_E_NOT_ENOUGH_MEMORY;
    }
    if (SUCCEEDED(hr))
        s->members[s->nmembers++] = h;
    pthread_mutex_unlock(&s->mu);
    return hr;
}

static void tell(mapirt_advise_list *sinks, ULONG event)
{
    NOTIFICATION n;
    memset(&n, 0, sizeof n);
    n.ulEventType = fnevExtended;
    n.info.ext.ulEvent = event;
    mapirt_advise_fire(sinks, 1, &n);
}

void mapirt_session_detach(struct session *h, ULONG ulFlags, int notify)
{
    mapirt_sess *s = h->sess;
    pthread_mutex_lock(&s->mu);
    h->loggedoff = 1;
    struct session_fwd *fwd = h->fwd;
    ULONG nfwd = h->nfwd;
    h->fwd = NULL;
    h->nfwd = h->cfwd = 0;
    /* the other handles to tell, each kept alive meanwhile */
    struct session **others = NULL;
    ULONG nothers = 0;
    for (ULONG i = 0; i < s->nmembers; i++)
        if (s->members[i] == h) {
            s->members[i] = s->members[--s->nmembers];
            break;
        }
    int last = s->nmembers == 0;
    if (notify && (ulFlags & MAPI_LOGOFF_SHARED) && s->shared && s->nmembers &&
        (others = mapirt_calloc(s->nmembers, sizeof *others)) != NULL)
        for (ULONG i = 0; i < s->nmembers; i++)
            if (mapirt_session_tryref(s->members[i])) /* not already being released */
                others[nothers++] = s->members[i];
    pthread_mutex_unlock(&s->mu);
    for (ULONG i = 0; i < nfwd; i++) {
        mapirt_provider *p = &s->provs[fwd[i].index];
        pthread_mutex_lock(&s->mu);
        LPUNKNOWN l = p->state == MAPIRT_PROV_ACTIVE ? p->logon : NULL;
        if (l)
            l->lpVtbl->AddRef(l);
        pthread_mutex_unlock(&s->mu);
        if (l) {
            if (p->kind == MAPIRT_PROV_AB)
                ((IABLogon *)l)->lpVtbl->Unadvise((IABLogon *)l, fwd[i].theirs);
            else
                ((IMSLogon *)l)->lpVtbl->Unadvise((IMSLogon *)l, fwd[i].theirs);
            l->lpVtbl->Release(l);
        }
    }
    mapirt_free(fwd);
    if (notify)
        tell(h->sinks, MAPIRT_EXTENDED_LOGOFF);
    for (ULONG i = 0; i < nothers; i++) {
        tell(others[i]->sinks, MAPIRT_EXTENDED_LOGOFF_SHARED);
        mapirt_session_release_handle(others[i]);
    }
    mapirt_free(others);
    if (last)
        mapirt_sess_end(s);
    mapirt_module_reap();
}
