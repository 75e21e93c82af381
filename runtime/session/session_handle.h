/* session_handle.h (internal): the client's handle (coclass session, session.c) and the
 * functions of the session proper that work on handles (logon.c, logoff.c, identity.c,
 * defstore.c). */
#ifndef MAPIRT_SESSION_HANDLE_H
#define MAPIRT_SESSION_HANDLE_H

#include "session_internal.h"

/* A registration forwarded to a provider's logon (IMAPISession::Advise with an entry ID). */
struct session_fwd {
    ULONG_PTR ours, theirs;
    ULONG index; /* the provider */
};

struct session {
    mapirt_sess *sess;         /* a reference */
    mapirt_advise_list *sinks; /* session-level registrations (no entry ID) */
    atomic_int copy_target;    /* registered as CopyMsgService's destination (copytarget.h) */
    /* ---- under sess->mu ---- */
    int loggedoff;
    struct session_fwd *fwd;
    ULONG nfwd, cfwd;
};

HRESULT mapirt_session_new(mapirt_sess *s, struct session **out);
IMAPISession *mapirt_session_iface(struct session *h);
void mapirt_session_release_handle(struct session *h);
/* A reference unless the handle is being destroyed (1 taken, 0 not). */
int mapirt_session_tryref(struct session *h);
mapirt_lasterror *mapirt_session_lasterror(struct session *h);

/* Attaches a handle to the session proper (one more client of it). */
HRESULT mapirt_session_attach(struct session *h);
/* Logoff of one handle (logoff.c): its registrations end, its session-level sinks hear
 * fnevExtended (when notify), MAPI_LOGOFF_SHARED tells the other handles of a shared session,
 * and the last handle to go ends the session proper. */
void mapirt_session_detach(struct session *h, ULONG ulFlags, int notify);

/* IMAPISession::QueryIdentity (identity.c). */
HRESULT mapirt_query_identity(mapirt_sess *s, ULONG *lpcb, LPENTRYID *lppEntryID);
/* IMAPISession::SetDefaultStore (defstore.c). */
HRESULT mapirt_set_default_store(mapirt_sess *s, ULONG ulFlags, ULONG cb, LPENTRYID eid,
                                 char *err, size_t cberr);

/* The event MAPI sends session-level sinks at logoff (EXTENDED_NOTIFICATION.ulEvent). */
#define MAPIRT_EXTENDED_LOGOFF 0x00000001u
/* ... and to the other handles of a shared session logged off with MAPI_LOGOFF_SHARED. */
#define MAPIRT_EXTENDED_LOGOFF_SHARED 0x00000002u

#endif
