/* provadmin.h (internal): the IProviderAdmin of one message service (provadmin.c). */
#ifndef MAPIRT_PROFILE_PROVADMIN_H
#define MAPIRT_PROFILE_PROVADMIN_H

#include <mapidefs.h>

#include "store.h"

/* MAPI_E_NOT_FOUND when the profile has no such service. */
HRESULT mapirt_provadmin_create(mapirt_profstore *ps, mapirt_profile_id id,
                                const MAPIUID *service, LPPROVIDERADMIN *out, char *err,
                                size_t cberr);

#endif
