/* svcentry.h (internal): a message service's entry point (MSGSERVICEENTRY), found from its
 * profile section: PR_SERVICE_DLL_NAME through the provider loader (spi/loader.h), then the
 * export PR_SERVICE_ENTRY_NAME names ("ServiceEntry" when the DLL is named but the entry is
 * not). A service with no PR_SERVICE_DLL_NAME has no entry point, which is fine: there is
 * nothing to call. */
#ifndef MAPIRT_PROFILE_SVCENTRY_H
#define MAPIRT_PROFILE_SVCENTRY_H

#include <mapispi.h>

#include "spi/loader.h"
#include "store.h"

typedef struct mapirt_svcentry {
    mapirt_module *module; /* NULL when the service has no entry point */
    MSGSERVICEENTRY *entry;
} mapirt_svcentry;

/* Reads the service's section and loads its entry point. MAPI_E_NOT_FOUND when the service is
 * not in the profile, or its DLL or export cannot be found (err says which); the loader's codes
 * otherwise. Release with mapirt_svcentry_release. */
HRESULT mapirt_svcentry_load(mapirt_profstore *ps, mapirt_profile_id id, const MAPIUID *service,
                             mapirt_svcentry *out, char *err, size_t cberr);
void mapirt_svcentry_release(mapirt_svcentry *e);

#endif
