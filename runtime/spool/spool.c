/* spool.c: the spooler's thread and its passes (spool.h; docs/spooler.md).
 *
 * Outbound, per store open in the session, in the order of its outgoing queue (submit time):
 * lock the message (SetLockState), give it to each active transport in profile order whose
 * AddressTypes covers a recipient still without PR_RESPONSIBILITY (SubmitMessage, EndMessage;
 * the transport marks what it took, and the message is saved after each so that a retry never
 * sends twice), then non-delivery report the recipients no transport took, then FinishedMsg
 * (the store unqueues it and DoSentMail moves or deletes it). A transport that fails leaves the
 * message unlocked in the queue for the next pass, and the status row says why.
 *
 * A message queued with SUBMITFLAG_PREPROCESS first goes to the preprocessors registered for
 * its recipients' address types (preproc.c): the messages they make are sent, the flag is
 * cleared, and after the message is sent their REMOVEPREPROCESSINFO functions run. A
 * preprocessor that fails stops the message: every recipient gets a non-delivery report
 * naming the preprocessor, and the message is finished unsent.
 *
 * Inbound, per active transport that polls: while Poll says mail waits, a new message in the
 * default store's receive folder for IPM.Note goes to StartMessage; saved by the transport, it
 * is announced (NotifyNewMail); not saved, there was nothing left, unless Poll still says mail
 * waits (the transport finished a delivery a crash interrupted): then it is asked again, up to
 * 8 unsaved answers in a row. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <mapiutil.h>

#include <mapirt/alloc.h>
#include <mapirt/strconv.h>

#include "session/session_internal.h"
#include "spool.h"

struct mapirt_spool {
    mapirt_sess *sess;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;   /* a pass is wanted (thread waits) */
    pthread_cond_t done; /* a pass ended (flushers wait) */
    unsigned poll_ms;
    /* ---- under mu ---- */
    int stop;
    unsigned long wanted, finished; /* pass generations */
    unsigned long sent, received, ndrs;
    ULONG code;
    char problem[512];
    char shown[512]; /* the row's text as last published (the thread only) */
};

static pthread_mutex_t g_spool_mu = PTHREAD_MUTEX_INITIALIZER; /* sess->spooler pointer */

static struct mapirt_spool *spool_of(mapirt_sess *s)
{
    pthread_mutex_lock(&g_spool_mu);
    struct mapirt_spool *sp = s->spooler;
    pthread_mutex_unlock(&g_spool_mu);
    return sp;
}

static void problem(struct mapirt_spool *sp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void problem(struct mapirt_spool *sp, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&sp->mu);
    vsnprintf(sp->problem, sizeof sp->problem, fmt, ap);
    pthread_mutex_unlock(&sp->mu);
    va_end(ap);
}

static void mapirt_spool_row_of(struct mapirt_spool *sp, ULONG *code, char *text, size_t cb);

/* ---- what the session has: transports and stores, each with a reference ---- */

typedef struct xp_ref {
    IXPLogon *logon;
    char **types; /* lower-cased copies of its address types */
    ULONG ntypes;
    ULONG index;
} xp_ref;

static void xps_free(xp_ref *x, ULONG n)
{
    for (ULONG i = 0; i < n; i++) {
        for (ULONG k = 0; k < x[i].ntypes; k++)
            mapirt_free(x[i].types[k]);
        mapirt_free(x[i].types);
        x[i].logon->lpVtbl->Release(x[i].logon);
    }
    mapirt_free(x);
}

static xp_ref *transports(mapirt_sess *s, ULONG *n)
{
    *n = 0;
    xp_ref *x = mapirt_calloc(s->nprov ? s->nprov : 1, sizeof *x);
    if (!x)
        return NULL;
    pthread_mutex_lock(&s->mu);
    for (ULONG i = 0; i < s->nprov && !s->ended; i++) {
        mapirt_provider *p = &s->provs[i];
        if (p->kind != MAPIRT_PROV_XP || p->state != MAPIRT_PROV_ACTIVE || !p->logon)
            continue;
        x[*n].logon = (IXPLogon *)p->logon;
        x[*n].logon->lpVtbl->AddRef(x[*n].logon);
        x[*n].index = i;
        ++*n;
    }
    pthread_mutex_unlock(&s->mu);
    for (ULONG i = 0; i < *n; i++) {
        ULONG flags = 0, ct = 0, cu = 0;
        LPTSTR *types = NULL;
        LPMAPIUID *uids = NULL;
        if (FAILED(x[i].logon->lpVtbl->AddressTypes(x[i].logon, &flags, &ct, &types, &cu,
                                                    &uids)) || !types)
            continue;
        x[i].types = mapirt_calloc(ct ? ct : 1, sizeof *x[i].types);
        for (ULONG k = 0; x[i].types && k < ct; k++)
            if (types[k] && (x[i].types[x[i].ntypes] = mapirt_strdup((char *)types[k])))
                x[i].ntypes++;
    }
    return x;
}

static int takes(const xp_ref *x, const char *type)
{
    for (ULONG k = 0; type && k < x->ntypes; k++)
        if (strcasecmp(x->types[k], type) == 0)
            return 1;
    return 0;
}

/* The stores open in the session (their IMsgStore, referenced). */
static LPMDB *stores(mapirt_sess *s, ULONG *n)
{
    *n = 0;
    LPMDB *m = mapirt_calloc(s->nprov ? s->nprov : 1, sizeof *m);
    if (!m)
        return NULL;
    pthread_mutex_lock(&s->mu);
    for (ULONG i = 0; i < s->nprov && !s->ended; i++)
        if (s->provs[i].kind == MAPIRT_PROV_MS && s->provs[i].mdb) {
            m[*n] = s->provs[i].mdb;
            m[*n]->lpVtbl->AddRef(m[*n]);
            ++*n;
        }
    pthread_mutex_unlock(&s->mu);
    return m;
}

/* The default store, opened (logged on) when it is not yet. */
static LPMDB default_store(mapirt_sess *s)
{
    mapirt_provider *def = NULL;
    pthread_mutex_lock(&s->mu);
    for (ULONG i = 0; i < s->nprov && !s->ended; i++) {
        mapirt_provider *p = &s->provs[i];
        if (p->kind == MAPIRT_PROV_MS &&
            ((p->dyn_flags | p->section_flags) & STATUS_DEFAULT_STORE) &&
            (p->state == MAPIRT_PROV_ACTIVE || p->state == MAPIRT_PROV_IDLE)) {
            def = p;
            break;
        }
    }
    pthread_mutex_unlock(&s->mu);
    LPMDB mdb = NULL;
    if (def && FAILED(mapirt_store_open(s, def, 0, 0, NULL, MDB_WRITE, &mdb)))
        mdb = NULL;
    return mdb;
}

static int stopping(struct mapirt_spool *sp)
{
    pthread_mutex_lock(&sp->mu);
    int st = sp->stop;
    pthread_mutex_unlock(&sp->mu);
    return st;
}

/* ---- outbound ---- */

static const SPropValue *col(const SRow *r, ULONG tag)
{
    for (ULONG i = 0; i < r->cValues; i++)
        if (r->lpProps[i].ulPropTag == tag)
            return &r->lpProps[i];
    return NULL;
}

/* A string column of a row as UTF-8 (mapirt_free), either string type. */
static char *col_str(const SRow *r, ULONG id)
{
    for (ULONG i = 0; i < r->cValues; i++) {
        const SPropValue *v = &r->lpProps[i];
        if (PROP_ID(v->ulPropTag) != id)
            continue;
        if (PROP_TYPE(v->ulPropTag) == PT_STRING8)
            return mapirt_strdup(v->Value.lpszA);
        if (PROP_TYPE(v->ulPropTag) == PT_UNICODE)
            return mapirt_str_w_to_a_dup(v->Value.lpszW);
    }
    return NULL;
}

static HRESULT recipient_rows(LPMESSAGE msg, LPSRowSet *rows)
{
    LPMAPITABLE t = NULL;
    HRESULT hr = msg->lpVtbl->GetRecipientTable(msg, 0, &t);
    if (FAILED(hr))
        return hr;
    hr = HrQueryAllRows(t, NULL, NULL, NULL, 0, rows);
    t->lpVtbl->Release(t);
    return hr;
}

static int responsible(const SRow *r)
{
    const SPropValue *v = col(r, PR_RESPONSIBILITY);
    return v && v->Value.b;
}

/* Gives msg to each transport in profile order that delivers to one of its recipients still
 * without PR_RESPONSIBILITY; saved after each. 0 when one failed (the status row says which). */
static int to_transports(struct mapirt_spool *sp, LPMESSAGE msg, xp_ref *xps, ULONG nxp)
{
    LPSRowSet rows = NULL;
    HRESULT hr = S_OK;
    int ok = 1;
    for (ULONG i = 0; i < nxp && ok; i++) {
        if (FAILED(hr = recipient_rows(msg, &rows)))
            break;
        int wanted = 0;
        for (ULONG r = 0; r < rows->cRows && !wanted; r++) {
            char *t = col_str(&rows->aRow[r], PROP_ID(PR_ADDRTYPE));
            wanted = !responsible(&rows->aRow[r]) && takes(&xps[i], t);
            mapirt_free(t);
        }
        FreeProws(rows);
        rows = NULL;
        if (!wanted)
            continue;
        ULONG_PTR ref = 0;
        ULONG ret = 0, endflags = 0;
        hr = xps[i].logon->lpVtbl->SubmitMessage(xps[i].logon, 0, msg, &ref, &ret);
        if (SUCCEEDED(hr))
            hr = xps[i].logon->lpVtbl->EndMessage(xps[i].logon, ref, &endflags);
        if (SUCCEEDED(hr))
            hr = msg->lpVtbl->SaveChanges(msg, KEEP_OPEN_READWRITE);
        if (FAILED(hr)) {
            char name[256];
            mapirt_provider_name(&sp->sess->provs[xps[i].index], name, sizeof name);
            problem(sp, "Sending failed in %s (0x%08X); the message stays queued", name,
                    (unsigned)hr);
            ok = 0;
        }
    }
    return ok && SUCCEEDED(hr);
}

static LONG submit_flags(LPMESSAGE msg)
{
    SizedSPropTagArray(1, t) = {1, {PR_SUBMIT_FLAGS}};
    ULONG c = 0;
    LPSPropValue v = NULL;
    LONG f = 0;
    if (SUCCEEDED(msg->lpVtbl->GetProps(msg, (LPSPropTagArray)&t, 0, &c, &v)) &&
        v[0].ulPropTag == PR_SUBMIT_FLAGS)
        f = v[0].Value.l;
    MAPIFreeBuffer(v);
    return f;
}

/* The preprocessors of a message queued with SUBMITFLAG_PREPROCESS (preproc.c): 1 when they
 * ran (the messages they made are sent, the flag is cleared), 1 with failed[] set when one
 * failed (the message is not sent: every recipient gets a report saying which), 0 when the
 * message must wait for a later pass. */
static int preprocess(struct mapirt_spool *sp, LPMDB mdb, LPMESSAGE msg, mapirt_preproc *run,
                      xp_ref *xps, ULONG nxp, char *failed, size_t cbfailed)
{
    ULONG nextra = 0;
    LPMESSAGE *extra = NULL;
    char err[512] = "";
    HRESULT hr = mapirt_preproc_run(sp->sess, mdb, msg, run, &nextra, &extra, err, sizeof err);
    if (FAILED(hr)) {
        snprintf(failed, cbfailed, "%s", err);
        problem(sp, "A message was not sent: %s", err);
    }
    /* the messages they made: sent as they are (no SubmitMessage, the reference), then
     * handled as sent mail (PR_DELETE_AFTER_SUBMIT, PR_SENTMAIL_ENTRYID) */
    for (ULONG i = 0; i < nextra; i++) {
        if (SUCCEEDED(hr) && to_transports(sp, extra[i], xps, nxp)) {
            char e2[512] = "";
            if (FAILED(mapirt_spool_sent_mail(sp->sess, 0, extra[i], e2, sizeof e2)))
                problem(sp, "A preprocessor's message was sent but not filed: %s", e2);
            pthread_mutex_lock(&sp->mu);
            sp->sent++;
            pthread_mutex_unlock(&sp->mu);
        }
        extra[i]->lpVtbl->Release(extra[i]);
    }
    mapirt_free(extra);
    if (FAILED(hr))
        return 1;
    SPropValue v;
    memset(&v, 0, sizeof v);
    v.ulPropTag = PR_SUBMIT_FLAGS;
    v.Value.l = submit_flags(msg) & ~(LONG)SUBMITFLAG_PREPROCESS;
    if (FAILED(hr = msg->lpVtbl->SetProps(msg, 1, &v, NULL)) ||
        FAILED(hr = msg->lpVtbl->SaveChanges(msg, KEEP_OPEN_READWRITE))) {
        problem(sp, "A preprocessed message cannot be saved (0x%08X); it stays queued",
                (unsigned)hr);
        return 0;
    }
    return 1;
}

/* One queued message of mdb: 1 when finished, 0 when left for a later pass. */
static int send_one(struct mapirt_spool *sp, LPMDB mdb, const SBinary *eid, xp_ref *xps,
                    ULONG nxp)
{
    ULONG type = 0;
    LPMESSAGE msg = NULL;
    HRESULT hr = mdb->lpVtbl->OpenEntry(mdb, eid->cb, (LPENTRYID)eid->lpb, NULL, MAPI_MODIFY,
                                        &type, (LPUNKNOWN *)&msg);
    if (FAILED(hr) || type != MAPI_MESSAGE) {
        if (msg)
            msg->lpVtbl->Release(msg);
        problem(sp, "A queued message cannot be opened (0x%08X)", (unsigned)hr);
        return 0;
    }
    if (FAILED(mdb->lpVtbl->SetLockState(mdb, msg, MSG_LOCKED))) {
        msg->lpVtbl->Release(msg); /* aborted meanwhile: nothing to do */
        return 0;
    }
    LPSRowSet rows = NULL;
    mapirt_preproc run;
    memset(&run, 0, sizeof run);
    char failed[512] = "";
    int ok = 1;
    if (submit_flags(msg) & SUBMITFLAG_PREPROCESS)
        ok = preprocess(sp, mdb, msg, &run, xps, nxp, failed, sizeof failed);
    ok = ok && (failed[0] || to_transports(sp, msg, xps, nxp));
    if (ok && run.n) {
        /* sent: the preprocessors' REMOVEPREPROCESSINFO, kept before sent-mail processing */
        mapirt_preproc_done(&run, failed[0] ? NULL : msg);
        if (!failed[0] && FAILED(hr = msg->lpVtbl->SaveChanges(msg, KEEP_OPEN_READWRITE)))
            problem(sp, "A sent message cannot be saved after its preprocessors' clean-up "
                    "(0x%08X)", (unsigned)hr);
    }
    if (ok && SUCCEEDED(hr = recipient_rows(msg, &rows))) {
        /* what no transport took gets a report: the message is finished either way (a failed
         * preprocessor: every recipient, the message is not sent) */
        ULONG nleft = 0;
        const char **why = mapirt_calloc(rows->cRows + 1, sizeof *why);
        for (ULONG r = 0; why && r < rows->cRows; r++)
            if (!responsible(&rows->aRow[r])) {
                why[r] = failed[0] ? failed
                                   : "no transport of this profile delivers to this address";
                nleft++;
            }
        if (nleft && why) {
            char err[256] = "";
            LPMDB into = default_store(sp->sess);
            if (FAILED(hr = mapirt_spool_ndr(into ? into : mdb, msg, rows, why, err,
                                              sizeof err))) {
                problem(sp, "A non-delivery report could not be made: %s", err);
                ok = 0;
            } else {
                pthread_mutex_lock(&sp->mu);
                sp->ndrs++;
                pthread_mutex_unlock(&sp->mu);
            }
            if (into)
                into->lpVtbl->Release(into);
        } else if (!why)
            ok = 0;
        mapirt_free(why);
        FreeProws(rows);
    } else if (ok)
        ok = 0;
    if (ok && FAILED(hr = mdb->lpVtbl->FinishedMsg(mdb, 0, eid->cb, (LPENTRYID)eid->lpb))) {
        problem(sp, "FinishedMsg failed (0x%08X)", (unsigned)hr);
        ok = 0;
    }
    if (!ok)
        mdb->lpVtbl->SetLockState(mdb, msg, MSG_UNLOCKED);
    mapirt_preproc_done(&run, NULL); /* not sent: the libraries only unloaded */
    msg->lpVtbl->Release(msg);
    if (ok && !failed[0]) {
        pthread_mutex_lock(&sp->mu);
        sp->sent++;
        pthread_mutex_unlock(&sp->mu);
    }
    return ok;
}

static void outbound(struct mapirt_spool *sp, LPMDB mdb, xp_ref *xps, ULONG nxp)
{
    LPMAPITABLE q = NULL;
    LPSRowSet rows = NULL;
    if (FAILED(mdb->lpVtbl->GetOutgoingQueue(mdb, 0, &q)))
        return; /* a store without a queue sends nothing */
    HRESULT hr = HrQueryAllRows(q, NULL, NULL, NULL, 0, &rows);
    q->lpVtbl->Release(q);
    if (FAILED(hr))
        return;
    for (ULONG i = 0; i < rows->cRows && !stopping(sp); i++) {
        const SPropValue *eid = col(&rows->aRow[i], PR_ENTRYID);
        const SPropValue *sf = col(&rows->aRow[i], PR_SUBMIT_FLAGS);
        if (!eid || (sf && (sf->Value.l & SUBMITFLAG_LOCKED)))
            continue; /* another spooler holds it */
        send_one(sp, mdb, &eid->Value.bin, xps, nxp);
    }
    FreeProws(rows);
}

/* ---- inbound ---- */

static void inbound(struct mapirt_spool *sp, xp_ref *xps, ULONG nxp)
{
    LPMDB mdb = NULL;
    LPMAPIFOLDER inbox = NULL;
    for (ULONG i = 0; i < nxp && !stopping(sp); i++) {
        ULONG incoming = 0;
        if (FAILED(xps[i].logon->lpVtbl->Poll(xps[i].logon, &incoming)) || !incoming)
            continue;
        if (!inbox) {
            ULONG cb = 0, type = 0;
            LPENTRYID eid = NULL;
            if (!(mdb = default_store(sp->sess))) {
                problem(sp, "Mail is waiting but the profile has no default store to take it");
                return;
            }
            HRESULT hr = mdb->lpVtbl->GetReceiveFolder(mdb, (LPTSTR) "IPM.Note", 0, &cb, &eid,
                                                        NULL);
            if (SUCCEEDED(hr))
                hr = mdb->lpVtbl->OpenEntry(mdb, cb, eid, NULL, MAPI_MODIFY, &type,
                                            (LPUNKNOWN *)&inbox);
            MAPIFreeBuffer(eid);
            if (FAILED(hr)) {
                problem(sp, "The receive folder for IPM.Note cannot be opened (0x%08X)",
                        (unsigned)hr);
                mdb->lpVtbl->Release(mdb);
                return;
            }
        }
        /* an unsaved message with success and mail still waiting: the transport finished
         * something else (a file delivered before a crash); ask again, a few times at most */
        int idle = 0;
        while (!stopping(sp)) {
            LPMESSAGE msg = NULL;
            if (FAILED(inbox->lpVtbl->CreateMessage(inbox, NULL, 0, &msg)))
                break;
            ULONG_PTR ref = 0;
            HRESULT hr = xps[i].logon->lpVtbl->StartMessage(xps[i].logon, 0, msg, &ref);
            SizedSPropTagArray(1, t) = {1, {PR_ENTRYID}};
            ULONG c = 0;
            LPSPropValue v = NULL;
            int saved = SUCCEEDED(hr) &&
                        SUCCEEDED(msg->lpVtbl->GetProps(msg, (LPSPropTagArray)&t, 0, &c, &v)) &&
                        v[0].ulPropTag == PR_ENTRYID;
            MAPIFreeBuffer(v);
            if (saved) {
                mapirt_spool_newmail(mdb, msg);
                pthread_mutex_lock(&sp->mu);
                sp->received++;
                pthread_mutex_unlock(&sp->mu);
            }
            msg->lpVtbl->Release(msg);
            if (FAILED(hr)) {
                char name[256];
                mapirt_provider_name(&sp->sess->provs[xps[i].index], name, sizeof name);
                problem(sp, "Receiving failed in %s (0x%08X)", name, (unsigned)hr);
            }
            if (saved) {
                idle = 0;
                continue;
            }
            incoming = 0;
            if (FAILED(hr) || ++idle > 8 ||
                FAILED(xps[i].logon->lpVtbl->Poll(xps[i].logon, &incoming)) || !incoming)
                break;
        }
    }
    if (inbox)
        inbox->lpVtbl->Release(inbox);
    if (mdb)
        mdb->lpVtbl->Release(mdb);
}

/* The reports transports asked for (StatusRecips), into the default store. */
static void status_reports(struct mapirt_spool *sp)
{
    mapirt_report *r = NULL;
    ULONG n = 0;
    mapirt_spool_take_reports(sp->sess, &r, &n);
    LPMDB into = n ? default_store(sp->sess) : NULL;
    for (ULONG i = 0; i < n; i++) {
        char err[512] = "";
        int made = 0;
        HRESULT hr = into ? mapirt_spool_report(sp->sess, into, &r[i], &made, err, sizeof err)
                          : MAPI_E_NOT_FOUND;
        if (FAILED(hr))
            problem(sp, "A report a transport asked for could not be made: %s",
                    into ? err : "the profile has no default store");
        else if (made) {
            pthread_mutex_lock(&sp->mu);
            sp->ndrs++;
            pthread_mutex_unlock(&sp->mu);
        }
        mapirt_report_free(&r[i]);
    }
    mapirt_free(r);
    if (into)
        into->lpVtbl->Release(into);
}

static void pass(struct mapirt_spool *sp)
{
    mapirt_sess *s = sp->sess;
    pthread_mutex_lock(&s->mu);
    s->nspool = 0; /* every request is answered by this pass */
    pthread_mutex_unlock(&s->mu);
    pthread_mutex_lock(&sp->mu);
    sp->problem[0] = '\0';
    pthread_mutex_unlock(&sp->mu);
    ULONG nxp = 0, nms = 0;
    xp_ref *xps = transports(s, &nxp);
    LPMDB *ms = stores(s, &nms);
    for (ULONG i = 0; xps && ms && i < nms && !stopping(sp); i++)
        outbound(sp, ms[i], xps, nxp);
    if (!stopping(sp))
        status_reports(sp);
    if (xps && !stopping(sp))
        inbound(sp, xps, nxp);
    for (ULONG i = 0; ms && i < nms; i++)
        ms[i]->lpVtbl->Release(ms[i]);
    mapirt_free(ms);
    if (xps)
        xps_free(xps, nxp);
    /* the spooler's row, when its text changed and the session still lives (no notification of
     * the status table after the session's logoff notification) */
    ULONG code = 0;
    char text[512] = "";
    mapirt_spool_row_of(sp, &code, text, sizeof text);
    pthread_mutex_lock(&s->mu);
    int live = !s->ended;
    pthread_mutex_unlock(&s->mu);
    if (live && strcmp(text, sp->shown) != 0) {
        memcpy(sp->shown, text, sizeof text);
        mapirt_status_refresh_mapi_rows(s, MAPIRT_ROW_SPOOLER, MAPIRT_ROW_SPOOLER);
    }
}

static void *run(void *arg)
{
    struct mapirt_spool *sp = arg;
    pthread_mutex_lock(&sp->mu);
    while (!sp->stop) {
        if (sp->wanted == sp->finished) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += sp->poll_ms / 1000;
            until.tv_nsec += (long)(sp->poll_ms % 1000) * 1000000L;
            if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
            }
            if (pthread_cond_timedwait(&sp->cv, &sp->mu, &until) == ETIMEDOUT)
                sp->wanted++;
            continue;
        }
        unsigned long gen = sp->wanted;
        pthread_mutex_unlock(&sp->mu);
        pass(sp);
        pthread_mutex_lock(&sp->mu);
        sp->finished = gen;
        pthread_cond_broadcast(&sp->done);
    }
    sp->finished = sp->wanted;
    pthread_cond_broadcast(&sp->done);
    pthread_mutex_unlock(&sp->mu);
    return NULL;
}

HRESULT mapirt_spool_start(mapirt_sess *s)
{
    if (s->logon_flags & MAPI_NO_MAIL)
        return S_OK;
    int any = 0;
    pthread_mutex_lock(&s->mu);
    for (ULONG i = 0; i < s->nprov; i++)
        any |= s->provs[i].kind == MAPIRT_PROV_XP && s->provs[i].state == MAPIRT_PROV_ACTIVE;
    pthread_mutex_unlock(&s->mu);
    if (!any || spool_of(s))
        return S_OK;
    struct mapirt_spool *sp = mapirt_calloc(1, sizeof *sp);
    if (!sp)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    sp->sess = s;
    const char *e = getenv("MAPIRT_SPOOL_POLL_MS");
    long ms = e ? strtol(e, NULL, 10) : 0;
    sp->poll_ms = ms > 0 && ms < 3600000 ? (unsigned)ms : 1000;
    sp->code = STATUS_AVAILABLE;
    sp->wanted = 1; /* a first pass at once */
    pthread_mutex_init(&sp->mu, NULL);
    pthread_cond_init(&sp->cv, NULL);
    pthread_cond_init(&sp->done, NULL);
    ULONG code = 0;
    mapirt_spool_row_of(sp, &code, sp->shown, sizeof sp->shown); /* before the thread reads it */
    if (pthread_create(&sp->thread, NULL, run, sp) != 0) {
        pthread_mutex_destroy(&sp->mu);
        pthread_cond_destroy(&sp->cv);
        pthread_cond_destroy(&sp->done);
        mapirt_free(sp);
        return MAPI_E_CALL_FAILED;
    }
    pthread_mutex_lock(&g_spool_mu);
    s->spooler = sp;
    pthread_mutex_unlock(&g_spool_mu);
    mapirt_status_refresh_mapi_rows(s, MAPIRT_ROW_SPOOLER, MAPIRT_ROW_SPOOLER);
    return S_OK;
}

void mapirt_spool_stop(mapirt_sess *s)
{
    pthread_mutex_lock(&g_spool_mu);
    struct mapirt_spool *sp = s->spooler;
    s->spooler = NULL;
    pthread_mutex_unlock(&g_spool_mu);
    if (!sp)
        return;
    pthread_mutex_lock(&sp->mu);
    sp->stop = 1;
    pthread_cond_broadcast(&sp->cv);
    pthread_mutex_unlock(&sp->mu);
    if (pthread_equal(pthread_self(), sp->thread)) {
        /* ended from inside a pass (a provider ending the session): let the thread go */
        pthread_detach(sp->thread);
        return; /* its memory is kept: the thread still reads it */
    }
    pthread_join(sp->thread, NULL);
    pthread_mutex_destroy(&sp->mu);
    pthread_cond_destroy(&sp->cv);
    pthread_cond_destroy(&sp->done);
    mapirt_free(sp);
}

void mapirt_spool_kick(mapirt_sess *s)
{
    pthread_mutex_lock(&g_spool_mu);
    struct mapirt_spool *sp = s->spooler;
    if (sp) {
        pthread_mutex_lock(&sp->mu);
        if (sp->wanted == sp->finished)
            sp->wanted++;
        pthread_cond_broadcast(&sp->cv);
        pthread_mutex_unlock(&sp->mu);
    }
    pthread_mutex_unlock(&g_spool_mu);
}

HRESULT mapirt_spool_flush(mapirt_sess *s, unsigned timeout_ms)
{
    pthread_mutex_lock(&g_spool_mu);
    struct mapirt_spool *sp = s->spooler;
    if (!sp) {
        pthread_mutex_unlock(&g_spool_mu);
        return MAPI_E_NOT_FOUND;
    }
    pthread_mutex_lock(&sp->mu);
    pthread_mutex_unlock(&g_spool_mu);
    /* a pass that starts after now: one already running may have missed what was asked */
    unsigned long want = ++sp->wanted;
    pthread_cond_broadcast(&sp->cv);
    HRESULT hr = S_OK;
    if (pthread_equal(pthread_self(), sp->thread)) {
        pthread_mutex_unlock(&sp->mu);
        return S_OK;
    }
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    while (sp->finished < want && !sp->stop)
        if (pthread_cond_timedwait(&sp->done, &sp->mu, &until) == ETIMEDOUT) {
            hr = MAPI_E_TIMEOUT;
            break;
        }
    pthread_mutex_unlock(&sp->mu);
    return hr;
}

static void mapirt_spool_row_of(struct mapirt_spool *sp, ULONG *code, char *text, size_t cb)
{
    pthread_mutex_lock(&sp->mu);
    *code = sp->code;
    if (sp->problem[0])
        snprintf(text, cb, "%s", sp->problem);
    else
        snprintf(text, cb, "Running: %lu sent, %lu received, %lu non-delivery reports",
                 sp->sent, sp->received, sp->ndrs);
    pthread_mutex_unlock(&sp->mu);
}

int mapirt_spool_row(mapirt_sess *s, ULONG *code, char *text, size_t cb)
{
    pthread_mutex_lock(&g_spool_mu);
    struct mapirt_spool *sp = s->spooler;
    if (sp)
        mapirt_spool_row_of(sp, code, text, cb);
    pthread_mutex_unlock(&g_spool_mu);
    return sp != NULL;
}
