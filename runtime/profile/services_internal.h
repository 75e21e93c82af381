/* services_internal.h: what services.c, services_copy.c, services_identity.c and
 * services_order.c share. */
#ifndef MAPIRT_PROFILE_SERVICES_INTERNAL_H
#define MAPIRT_PROFILE_SERVICES_INTERNAL_H

#include "services.h"

/* The value of tag's property ID in v, or NULL. */
const SPropValue *mapirt_svc_find(const SPropValue *v, ULONG n, ULONG tag);
/* Its PT_LONG value, 0 when absent or of another type. */
LONG mapirt_svc_long_of(const SPropValue *v, ULONG n, ULONG tag);
/* PR_RESOURCE_FLAGS and PR_RESOURCE_TYPE of a section (0 when absent; either may be NULL). */
HRESULT mapirt_svc_section_longs(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *uid,
                                 LONG *flags, LONG *type);
HRESULT mapirt_svc_set_flags(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *uid,
                             LONG flags);
/* A fresh UID, or the transaction's failure. */
HRESULT mapirt_svc_new_uid(mapirt_ps_tx *tx, MAPIUID *uid);
/* Writes `base` with `extra` on top (a value of `extra` replaces the one of its ID in `base`)
 * into a section. */
HRESULT mapirt_svc_put_section(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *uid,
                               const SPropValue *base, ULONG nb, const SPropValue *extra,
                               ULONG ne);
/* MAPI_E_NO_ACCESS when `flags` has SERVICE_SINGLE_COPY and the profile has a service `name`. */
HRESULT mapirt_svc_single_copy_check(mapirt_ps_tx *tx, mapirt_profile_id id, const char *name,
                                     LONG flags);

/* services_identity.c: after a service arrived, it supplies the identity when nobody else does
 * and it can; else neither it nor its providers claim it. Also whether a service can. */
HRESULT mapirt_svc_settle_identity(mapirt_ps_tx *tx, mapirt_profile_id id,
                                   const MAPIUID *service);
HRESULT mapirt_svc_can_supply(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *service,
                              int *yes);

/* services_order.c: new providers of `service` placed before a trailing run of
 * STATUS_XP_PREFER_LAST transports (new prefer-last ones last). */
HRESULT mapirt_svc_place_new(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *service);

#endif
