/* runtime/session/mapistatus.c: MAPI's own status objects (mapistatus.idl, SPEC §10.4).
 *
 * The object holds a read-only copy of its status row taken when it is opened. Methods:
 *   ValidateState   every object: MAPI_E_END_OF_SESSION once the session ended; for a
 *                   provider that failed, its logon error (it is still not usable); S_OK else
 *                   (validating providers' resources and relogging transports: next part);
 *   FlushQueues     the spooler's: runs a whole spooler pass (outgoing queues, then polling
 *                   the transports) and returns when it ends (S_OK with no spooler running);
 *                   others MAPI_E_NO_SUPPORT, as PR_RESOURCE_METHODS says;
 *   SettingsDialog, ChangePassword: MAPI_E_NO_SUPPORT (none of MAPI's objects has them). */
#include <mapicode.h>
#include <mapix.h>

#include <mapirt/propstore.h>

#include "session_internal.h"
#include "spool/spool.h"

/* How long FlushQueues waits for the spooler's pass. */
#define MAPIRT_FLUSH_TIMEOUT_MS 120000

struct mapistatus {
    mapirt_propbag *bag;
    mapirt_sess *sess; /* a reference */
    ULONG rowid;
};

#include "mapistatus_object.h"

static void mapistatus_destroy(struct mapistatus *self)
{
    mapirt_propbag_destroy(self->bag);
    if (self->sess)
        mapirt_sess_release(self->sess);
}

/* [fenced]: counted in on the session's gate (session_internal.h). */
static int mapistatus_fence_enter(struct mapistatus *self, mapirt_call_frame *f)
{
    return mapirt_gate_enter(self->sess->gate, f);
}

static void mapistatus_fence_leave(struct mapistatus *self, mapirt_call_frame *f)
{
    (void)self;
    mapirt_gate_leave(f);
}

static HRESULT mapistatus_ValidateState(struct mapistatus *self, ULONG_PTR ulUIParam,
                                        ULONG ulFlags)
{
    (void)ulUIParam;
    (void)ulFlags;
    mapirt_sess *s = self->sess;
    HRESULT hr = S_OK;
    pthread_mutex_lock(&s->mu);
    if (s->ended)
        hr = MAPI_E_END_OF_SESSION;
    else if (self->rowid >= MAPIRT_ROW_PROVIDER) {
        mapirt_provider *p = &s->provs[self->rowid - MAPIRT_ROW_PROVIDER];
        if (p->state == MAPIRT_PROV_FAILED || p->state == MAPIRT_PROV_DISABLED)
            hr = p->error;
    }
    pthread_mutex_unlock(&s->mu);
    if (hr == MAPI_E_END_OF_SESSION)
        return mapistatus_fail(self, hr, "the session has logged off");
    if (FAILED(hr))
        return mapistatus_fail(self, hr, "the provider failed to log on (see PR_STATUS_STRING)");
    return S_OK;
}

static HRESULT mapistatus_SettingsDialog(struct mapistatus *self, ULONG_PTR ulUIParam,
                                         ULONG ulFlags)
{
    (void)ulUIParam;
    (void)ulFlags;
    return mapistatus_fail(self, MAPI_E_NO_SUPPORT, "MAPI's status objects have no settings");
}

static HRESULT mapistatus_ChangePassword(struct mapistatus *self, LPTSTR lpOldPass,
                                         LPTSTR lpNewPass, ULONG ulFlags)
{
    (void)lpOldPass;
    (void)lpNewPass;
    (void)ulFlags;
    return mapistatus_fail(self, MAPI_E_NO_SUPPORT, "MAPI's status objects have no password");
}

static HRESULT mapistatus_FlushQueues(struct mapistatus *self, ULONG_PTR ulUIParam,
                                      ULONG cbTargetTransport, LPENTRYID lpTargetTransport,
                                      ULONG ulFlags)
{
    (void)ulUIParam;
    (void)cbTargetTransport;
    (void)lpTargetTransport;
    (void)ulFlags;
    if (self->rowid != MAPIRT_ROW_SPOOLER)
        return mapistatus_fail(self, MAPI_E_NO_SUPPORT, "only the spooler flushes queues");
    pthread_mutex_lock(&self->sess->mu);
    int ended = self->sess->ended;
    pthread_mutex_unlock(&self->sess->mu);
    if (ended)
        return mapistatus_fail(self, MAPI_E_END_OF_SESSION, "the session has logged off");
    HRESULT hr = mapirt_spool_flush(self->sess, MAPIRT_FLUSH_TIMEOUT_MS);
    if (hr == MAPI_E_TIMEOUT)
        return mapistatus_fail(self, hr, "the spooler's pass did not end in time");
    return S_OK; /* MAPI_E_NOT_FOUND: no spooler, nothing queued */
}

HRESULT mapirt_mapistatus_create(mapirt_sess *s, ULONG rowid, LPCIID iid, LPUNKNOWN *out)
{
    ULONG n = 0;
    LPSPropValue v = NULL;
    HRESULT hr = mapirt_status_row_props(s, rowid, &n, &v);
    if (FAILED(hr))
        return hr == MAPI_E_NOT_FOUND ? MAPI_E_UNKNOWN_ENTRYID : hr;
    struct mapistatus *st = mapistatus_new();
    if (!st) {
        MAPIFreeBuffer(v);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    mapirt_sess_addref(s);
    st->sess = s;
    st->rowid = rowid;
    hr = mapirt_propbag_create(NULL, NULL, NULL, NULL, &st->bag);
    if (SUCCEEDED(hr)) {
        mapirt_propbag_attach(st->bag, mapistatus_as_IUnknown(st), mapistatus_lasterror(st));
        hr = mapirt_propbag_put(st->bag, n, v, IPROP_READONLY);
    }
    if (SUCCEEDED(hr))
        hr = mapirt_propbag_HrSetObjAccess(st->bag, IPROP_READONLY);
    MAPIFreeBuffer(v);
    if (SUCCEEDED(hr))
        hr = mapistatus_as_IUnknown(st)->lpVtbl->QueryInterface(
            mapistatus_as_IUnknown(st), iid ? iid : &IID_IMAPIStatus, (void **)out);
    mapistatus_release(st);
    return hr;
}
