/* provadmin.h (internal): the IProviderAdmin of one message service (provadmin.c). */
#ifndef MAPIRT_PROFILE_PROVADMIN_H
#define MAPIRT_PROFILE_PROVADMIN_H

#include <mapidefs.h>

#include "store.h"

/* MAPI_E_NOT_FOUND when the profile has no such service. */
HRESULT mapirt_provadmin_create(mapirt_profstore *ps, mapirt_profile_id id,
                                const MAPIUID *service, LPPROVIDERADMIN *out, char *err,
                                size_t cberr);

/* Marks pa (one of mapirt_provadmin_create's) as the one a running ServiceEntry call was
 * given (on), or no longer (off): while marked, its CreateProvider and DeleteProvider do not call
 * the service's entry point with MSG_SERVICE_PROVIDER_CREATE / _DELETE, so a service answering
 * those by calling CreateProvider / DeleteProvider itself does not recurse. */
void mapirt_provadmin_in_entry(LPPROVIDERADMIN pa, int on);

#endif
