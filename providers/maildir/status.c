/* status.c: the transport's status object (IXPLogon::OpenStatusEntry): the status row's
 * properties as they were when it was opened, read-only; ValidateState checks the Maildirs
 * again; FlushQueues asks the spooler to run now (SpoolerNotify NOTIFY_NEWMAIL for inbound, as
 * a transport tells it mail is waiting). */
#include <string.h>

#include "xp.h"

#include "xp_status_object.h"

static void xp_status_destroy(struct xp_status *self)
{
    mapirt_propbag_destroy(self->bag);
    if (self->logon)
        xp_logon_release(self->logon);
}

HRESULT xp_status_create(struct xp_logon *l, LPMAPISTATUS *out)
{
    struct xp_status *st = xp_status_new();
    if (!st)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    xp_logon_addref(l);
    st->logon = l;
    mapirt_lasterror_allocators(xp_status_lasterror(st), l->alloc, l->more, l->freebuf);
    ULONG c = 0;
    LPSPropValue v = NULL;
    HRESULT hr = mapirt_propbag_create(l->alloc, l->more, l->freebuf, "maildir status", &st->bag);
    if (SUCCEEDED(hr)) {
        mapirt_propbag_attach(st->bag, xp_status_as_IUnknown(st), xp_status_lasterror(st));
        hr = xp_logon_row(l, &c, &v);
    }
    if (SUCCEEDED(hr)) {
        SPropValue ot;
        memset(&ot, 0, sizeof ot);
        ot.ulPropTag = PR_OBJECT_TYPE;
        ot.Value.l = MAPI_STATUS;
        hr = mapirt_propbag_put(st->bag, c, v, IPROP_READONLY);
        if (SUCCEEDED(hr))
            hr = mapirt_propbag_put(st->bag, 1, &ot, IPROP_READONLY);
        l->freebuf(v);
    }
    if (FAILED(hr)) {
        xp_status_release(st);
        return hr;
    }
    *out = xp_status_as_IMAPIStatus(st);
    return S_OK;
}

static HRESULT xp_status_ValidateState(struct xp_status *self, ULONG_PTR ulUIParam,
                                       ULONG ulFlags)
{
    IXPLogon *l = xp_logon_as_IXPLogon(self->logon);
    return l->lpVtbl->ValidateState(l, ulUIParam, ulFlags);
}

static HRESULT xp_status_SettingsDialog(struct xp_status *self, ULONG_PTR ulUIParam,
                                        ULONG ulFlags)
{
    (void)ulUIParam;
    (void)ulFlags;
    return xp_status_fail(self, MAPI_E_NO_SUPPORT,
                          "no settings dialog: configure the service with ConfigureMsgService");
}

static HRESULT xp_status_ChangePassword(struct xp_status *self, LPTSTR lpOldPass,
                                        LPTSTR lpNewPass, ULONG ulFlags)
{
    (void)lpOldPass;
    (void)lpNewPass;
    (void)ulFlags;
    return xp_status_fail(self, MAPI_E_NO_SUPPORT, "a Maildir has no password");
}

static HRESULT xp_status_FlushQueues(struct xp_status *self, ULONG_PTR ulUIParam,
                                     ULONG cbTargetTransport, LPENTRYID lpTargetTransport,
                                     ULONG ulFlags)
{
    (void)ulUIParam;
    (void)cbTargetTransport;
    (void)lpTargetTransport;
    LPMAPISUP sup = self->logon->sup;
    ULONG f = (ulFlags & FLUSH_UPLOAD) ? NOTIFY_READYTOSEND : 0;
    if (!(ulFlags & FLUSH_UPLOAD) || (ulFlags & FLUSH_DOWNLOAD))
        f |= NOTIFY_NEWMAIL;
    return sup->lpVtbl->SpoolerNotify(sup, f, NULL);
}
