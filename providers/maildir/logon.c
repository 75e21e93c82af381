/* logon.c: IXPLogon, one per TransportLogon.
 *
 * Outbound: the spooler hands each submitted message to SubmitMessage, which writes one MIME
 * file for the recipients this transport takes (address type SMTP) into the outgoing Maildir
 * and marks them PR_RESPONSIBILITY (mime_out.c); EndMessage has nothing left to do (no
 * deferred sending). Inbound: Poll says whether the incoming Maildir's new/ has a file;
 * StartMessage fills the message the spooler made in the receive folder from the oldest one,
 * saves it, and then moves the file to cur/ — so a crash leaves the file in new/ (delivered
 * again, never lost). A file that is not mail goes to .bad/ with a status-row note and the next
 * file is tried (README.md). */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xp.h"

#include "xp_logon_object.h"

static void xp_logon_destroy(struct xp_logon *self)
{
    xp_config_free(&self->cfg);
    xp_listing_free(&self->pending);
    if (self->sup)
        self->sup->lpVtbl->Release(self->sup);
    if (self->prov)
        xp_provider_release(self->prov);
    pthread_mutex_destroy(&self->lock);
}

static const char *display_name(void)
{
    return "Maildir";
}

HRESULT xp_logon_row(struct xp_logon *l, ULONG *c, LPSPropValue *out)
{
    LPSPropValue v = NULL;
    enum { N = 7 };
    HRESULT hr = l->alloc(N * sizeof *v, (void **)&v);
    if (FAILED(hr))
        return hr;
    memset(v, 0, N * sizeof *v);
    pthread_mutex_lock(&l->lock);
    ULONG code = l->status;
    char text[sizeof l->text];
    memcpy(text, l->text, sizeof text);
    pthread_mutex_unlock(&l->lock);
    const char *strs[4] = {display_name(), XP_PROVIDER_DISPLAY, text, l->cfg.outgoing};
    ULONG tags[4] = {PR_DISPLAY_NAME_A, PR_PROVIDER_DISPLAY_A, PR_STATUS_STRING_A,
                     PR_RESOURCE_PATH_A};
    for (int i = 0; i < 4; i++) {
        v[i].ulPropTag = tags[i];
        size_t n = strlen(strs[i]) + 1;
        if (FAILED(hr = l->more((ULONG)n, v, (void **)&v[i].Value.lpszA))) {
            l->freebuf(v);
            return hr;
        }
        memcpy(v[i].Value.lpszA, strs[i], n);
    }
    v[4].ulPropTag = PR_STATUS_CODE;
    v[4].Value.l = (LONG)code;
    v[5].ulPropTag = PR_RESOURCE_METHODS;
    v[5].Value.l = STATUS_VALIDATE_STATE | STATUS_FLUSH_QUEUES;
    v[6].ulPropTag = PR_RESOURCE_FLAGS;
    v[6].Value.l = 0;
    *c = N;
    *out = v;
    return S_OK;
}

void xp_logon_publish(struct xp_logon *l)
{
    ULONG c = 0;
    LPSPropValue v = NULL;
    if (FAILED(xp_logon_row(l, &c, &v)))
        return;
    /* PR_RESOURCE_FLAGS and PR_RESOURCE_PATH are MAPI's or ours to keep: send the rest */
    l->sup->lpVtbl->ModifyStatusRow(l->sup, c - 1, v, STATUSROW_UPDATE);
    l->freebuf(v);
}

void xp_logon_note(struct xp_logon *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&l->lock);
    vsnprintf(l->text, sizeof l->text, fmt, ap);
    pthread_mutex_unlock(&l->lock);
    va_end(ap);
    xp_logon_publish(l);
}

/* The row's text after a success: the counters, unless a problem is being reported. */
static void ready(struct xp_logon *l, int clear_problem)
{
    pthread_mutex_lock(&l->lock);
    if (clear_problem || !l->text[0] || strncmp(l->text, "Ready", 5) == 0)
        snprintf(l->text, sizeof l->text, "Ready: %lu sent, %lu received, %lu set aside",
                 l->sent, l->received, l->bad);
    pthread_mutex_unlock(&l->lock);
    xp_logon_publish(l);
}

HRESULT xp_logon_start(struct xp_provider *p, LPMAPISUP sup, ULONG flags, struct xp_logon **out,
                       char *err, size_t cberr)
{
    struct xp_logon *l = xp_logon_new();
    if (!l) {
        snprintf(err, cberr, "out of memory");
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    pthread_mutex_init(&l->lock, NULL);
    xp_provider_addref(p);
    l->prov = p;
    l->alloc = p->alloc;
    l->more = p->more;
    l->freebuf = p->freebuf;
    mapirt_lasterror_allocators(xp_logon_lasterror(l), p->alloc, p->more, p->freebuf);
    HRESULT hr = xp_config_read(sup, &l->cfg, err, cberr);
    if (SUCCEEDED(hr) && (xp_maildir_make(l->cfg.outgoing, err, cberr) ||
                          xp_maildir_make(l->cfg.incoming, err, cberr)))
        hr = MAPI_E_LOGON_FAILED;
    if (FAILED(hr)) {
        xp_logon_release(l);
        return hr;
    }
    sup->lpVtbl->AddRef(sup);
    l->sup = sup;
    l->adrtypes[0] = XP_ADDRTYPE;
    l->status = STATUS_AVAILABLE | ((flags & LOGON_NO_INBOUND) ? 0 : STATUS_INBOUND_ENABLED) |
                ((flags & LOGON_NO_OUTBOUND) ? 0 : STATUS_OUTBOUND_ENABLED);
    ULONG c = 0;
    LPSPropValue v = NULL;
    ready(l, 1); /* the text; the row itself is added just below */
    if (SUCCEEDED(hr = xp_logon_row(l, &c, &v))) {
        hr = sup->lpVtbl->ModifyStatusRow(sup, c, v, 0);
        l->freebuf(v);
    }
    if (FAILED(hr)) {
        snprintf(err, cberr, "its status row could not be added (0x%08X)", (unsigned)hr);
        xp_logon_release(l);
        return hr;
    }
    *out = l;
    return S_OK;
}

static HRESULT xp_logon_AddressTypes(struct xp_logon *self, ULONG *lpulFlags, ULONG *lpcAdrType,
                                     LPTSTR **lpppAdrTypeArray, ULONG *lpcMAPIUID,
                                     LPMAPIUID **lpppUIDArray)
{
    /* the arrays stay ours and valid until TransportLogoff, as the SPI says */
    *lpulFlags = 0;
    *lpcAdrType = 1;
    *lpppAdrTypeArray = (LPTSTR *)self->adrtypes;
    *lpcMAPIUID = 0;
    *lpppUIDArray = NULL;
    return S_OK;
}

static HRESULT xp_logon_RegisterOptions(struct xp_logon *self, ULONG *lpulFlags,
                                        ULONG *lpcOptions, LPOPTIONDATA *lppOptions)
{
    (void)self;
    *lpulFlags = 0;
    *lpcOptions = 0;
    *lppOptions = NULL;
    return S_OK;
}

static HRESULT xp_logon_TransportNotify(struct xp_logon *self, ULONG *lpulFlags,
                                        LPVOID *lppvData)
{
    (void)lppvData;
    ULONG f = *lpulFlags;
    pthread_mutex_lock(&self->lock);
    ULONG s = self->status;
    if (f & NOTIFY_BEGIN_INBOUND)
        s |= STATUS_INBOUND_ENABLED;
    if (f & NOTIFY_END_INBOUND)
        s &= ~(ULONG)STATUS_INBOUND_ENABLED;
    if (f & NOTIFY_BEGIN_OUTBOUND)
        s |= STATUS_OUTBOUND_ENABLED;
    if (f & NOTIFY_END_OUTBOUND)
        s &= ~(ULONG)STATUS_OUTBOUND_ENABLED;
    if (f & NOTIFY_BEGIN_INBOUND_FLUSH)
        s |= STATUS_INBOUND_FLUSH;
    if (f & NOTIFY_END_INBOUND_FLUSH)
        s &= ~(ULONG)STATUS_INBOUND_FLUSH;
    if (f & NOTIFY_BEGIN_OUTBOUND_FLUSH)
        s |= STATUS_OUTBOUND_FLUSH;
    if (f & NOTIFY_END_OUTBOUND_FLUSH)
        s &= ~(ULONG)STATUS_OUTBOUND_FLUSH;
    int changed = s != self->status;
    self->status = s;
    pthread_mutex_unlock(&self->lock);
    /* NOTIFY_ABORT_DEFERRED / NOTIFY_CANCEL_MESSAGE: nothing is ever deferred here */
    if (changed)
        xp_logon_publish(self);
    return S_OK;
}

static HRESULT xp_logon_Idle(struct xp_logon *self, ULONG ulFlags)
{
    (void)self;
    (void)ulFlags;
    return S_OK;
}

static HRESULT xp_logon_TransportLogoff(struct xp_logon *self, ULONG ulFlags)
{
    (void)ulFlags;
    pthread_mutex_lock(&self->lock);
    self->logged_off = 1;
    pthread_mutex_unlock(&self->lock);
    return S_OK;
}

static int ended(struct xp_logon *l)
{
    pthread_mutex_lock(&l->lock);
    int e = l->logged_off;
    pthread_mutex_unlock(&l->lock);
    return e;
}

static HRESULT xp_logon_SubmitMessage(struct xp_logon *self, ULONG ulFlags, LPMESSAGE lpMessage,
                                      ULONG_PTR *lpulMsgRef, ULONG *lpulReturnParm)
{
    (void)ulFlags;
    *lpulReturnParm = 0;
    *lpulMsgRef = 0;
    if (ended(self))
        return xp_logon_fail(self, MAPI_E_END_OF_SESSION, "the transport has logged off");
    char err[1024] = "";
    ULONG taken = 0;
    HRESULT hr = xp_send(self, lpMessage, &taken, err, sizeof err);
    if (FAILED(hr)) {
        xp_logon_note(self, "Sending failed: %s", err);
        return mapirt_lasterror_setf(xp_logon_lasterror(self), hr, 0, 0, "%s", err);
    }
    pthread_mutex_lock(&self->lock);
    *lpulMsgRef = ++self->next_ref;
    if (taken)
        self->sent++;
    pthread_mutex_unlock(&self->lock);
    if (taken)
        ready(self, 0);
    return S_OK;
}

static HRESULT xp_logon_EndMessage(struct xp_logon *self, ULONG_PTR ulMsgRef,
                                   ULONG *lpulFlags)
{
    (void)self;
    (void)ulMsgRef;
    *lpulFlags = 0; /* sent: nothing deferred, nothing to resend */
    return S_OK;
}

static HRESULT xp_logon_Poll(struct xp_logon *self, ULONG *lpulIncoming)
{
    pthread_mutex_lock(&self->lock);
    int on = (self->status & STATUS_INBOUND_ENABLED) && !self->logged_off;
    pthread_mutex_unlock(&self->lock);
    *lpulIncoming = on && xp_maildir_has_new(self->cfg.incoming) ? 1 : 0;
    return S_OK;
}

static HRESULT xp_logon_StartMessage(struct xp_logon *self, ULONG ulFlags, LPMESSAGE lpMessage,
                                     ULONG_PTR *lpulMsgRef)
{
    (void)ulFlags;
    *lpulMsgRef = 0;
    if (ended(self))
        return xp_logon_fail(self, MAPI_E_END_OF_SESSION, "the transport has logged off");
    const char *dir = self->cfg.incoming;
    char name[1024], path[4096 + 1024], err[1024];
    while (xp_maildir_next(dir, &self->pending, name, sizeof name)) {
        snprintf(path, sizeof path, "%s/new/%s", dir, name);
        err[0] = '\0';
        HRESULT hr = xp_receive(self, path, lpMessage, err, sizeof err);
        if (hr == MAPI_E_NOT_FOUND)
            continue; /* taken meanwhile by another reader of the Maildir */
        if (hr == MAPI_E_CORRUPT_DATA) {
            /* not mail: kept aside for a person to look at, never dropped, never fatal */
            int e = xp_maildir_set_aside(dir, name);
            pthread_mutex_lock(&self->lock);
            self->bad++;
            pthread_mutex_unlock(&self->lock);
            if (e)
                xp_logon_note(self, "%s/new/%s is not a mail message (%s) and could not be "
                                    "moved aside: %s", dir, name, err, strerror(e));
            else
                xp_logon_note(self, "Moved %s/new/%s to %s/.bad/: %s", dir, name, dir, err);
            if (e)
                return xp_logon_fail(self, MAPI_E_DISK_ERROR, "a malformed file is stuck");
            continue; /* xp_receive decides before it touches the message: try the next */
        }
        if (FAILED(hr)) {
            xp_logon_note(self, "Receiving %s failed: %s", name, err);
            return mapirt_lasterror_setf(xp_logon_lasterror(self), hr, 0, 0, "%s", err);
        }
        if (FAILED(hr = lpMessage->lpVtbl->SaveChanges(lpMessage, KEEP_OPEN_READWRITE))) {
            xp_logon_note(self, "Saving the message of %s failed (0x%08X); the file stays in "
                                "new/", name, (unsigned)hr);
            return hr;
        }
        /* saved: only now may the file leave new/ (a crash before this delivers it again) */
        int e = xp_maildir_to_cur(dir, name, "");
        pthread_mutex_lock(&self->lock);
        *lpulMsgRef = ++self->next_ref;
        self->received++;
        pthread_mutex_unlock(&self->lock);
        if (e)
            xp_logon_note(self, "Delivered %s but could not move it to cur/: %s", name,
                          strerror(e));
        else
            ready(self, 0);
        return S_OK;
    }
    return S_OK; /* nothing to receive: the message is not saved */
}

static HRESULT xp_logon_OpenStatusEntry(struct xp_logon *self, LPCIID lpInterface,
                                        ULONG ulFlags, ULONG *lpulObjType,
                                        LPMAPISTATUS *lppEntry)
{
    (void)ulFlags;
    if (lpInterface && memcmp(lpInterface, &IID_IMAPIStatus, sizeof(IID)) &&
        memcmp(lpInterface, &IID_IMAPIProp, sizeof(IID)) &&
        memcmp(lpInterface, &IID_IUnknown, sizeof(IID)))
        return xp_logon_fail(self, MAPI_E_INTERFACE_NOT_SUPPORTED,
                             "the status object is an IMAPIStatus");
    HRESULT hr = xp_status_create(self, lppEntry);
    if (SUCCEEDED(hr))
        *lpulObjType = MAPI_STATUS;
    return hr;
}

static HRESULT xp_logon_ValidateState(struct xp_logon *self, ULONG_PTR ulUIParam, ULONG ulFlags)
{
    (void)ulUIParam;
    (void)ulFlags;
    char err[1024] = "";
    if (xp_maildir_make(self->cfg.outgoing, err, sizeof err) ||
        xp_maildir_make(self->cfg.incoming, err, sizeof err)) {
        xp_logon_note(self, "%s", err);
        return mapirt_lasterror_setf(xp_logon_lasterror(self), MAPI_E_DISK_ERROR, 0, 0, "%s",
                                     err);
    }
    ready(self, 1);
    return S_OK;
}

static HRESULT xp_logon_FlushQueues(struct xp_logon *self, ULONG_PTR ulUIParam,
                                    ULONG cbTargetTransport, LPENTRYID lpTargetTransport,
                                    ULONG ulFlags)
{
    (void)self;
    (void)ulUIParam;
    (void)cbTargetTransport;
    (void)lpTargetTransport;
    (void)ulFlags;
    return S_OK; /* nothing is held back: SubmitMessage writes at once, Poll looks every time */
}
