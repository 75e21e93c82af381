/* runtime/session/support_internal.h: what the files of the support object share (support.c:
 * the object, notifications, status row, profile, entry IDs, stores, the spooler;
 * supservices.c: what it does through the session's other services: the address book,
 * one-offs, copies, sending, UI). */
#ifndef MAPIRT_SESSION_SUPPORT_INTERNAL_H
#define MAPIRT_SESSION_SUPPORT_INTERNAL_H

#include <pthread.h>

#include "session_internal.h"

struct support {
    mapirt_sess *sess; /* a reference */
    mapirt_provider *p; /* NULL once detached (under sess->mu) */
    mapirt_prov_kind kind;
    MAPIUID provider_uid;
    mapirt_module *module; /* a reference */
    ULONG_PTR *conns; /* keyed subscriptions made here (under g_sub_mu) */
    ULONG nconns, cconns;
};

#include "support_decl.h"

/* Flavour masks (SPEC §4.5). */
#define SUP_AB (1u << MAPIRT_PROV_AB)
#define SUP_MS (1u << MAPIRT_PROV_MS)
#define SUP_XP (1u << MAPIRT_PROV_XP)

/* Whether the provider's kind is one of mask. */
int mapirt_sup_in_flavour(struct support *self, unsigned mask);
/* MAPI_E_NO_SUPPORT, recorded: method is not for this provider's kind. */
HRESULT mapirt_sup_not_in_flavour(struct support *self, const char *method);
/* The provider record while the provider is logged on (under sess->mu), else NULL. */
mapirt_provider *mapirt_sup_live(struct support *self);
/* MAPI_E_END_OF_SESSION, recorded. */
HRESULT mapirt_sup_ended(struct support *self);

#endif
