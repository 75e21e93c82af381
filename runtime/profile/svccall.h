/* svccall.h (internal): calling a message service's ServiceEntry (svcsupport.c). */
#ifndef MAPIRT_PROFILE_SVCCALL_H
#define MAPIRT_PROFILE_SVCCALL_H

#include <mapispi.h>

#include "store.h"

/* Calls the service's ServiceEntry with ulContext (MSG_SERVICE_*), ulFlags and the properties,
 * passing a support object (its OpenProfileSection opens the service's sections, NULL its own,
 * with full access) and the service's IProviderAdmin. *called (optional) tells whether the
 * service has an entry point at all (none: S_OK, nothing called; a failure with *called 0 is
 * one of finding it). The service's failure is returned with its MAPIERROR's text in err
 * ("service 'ACME': text"). The IProviderAdmin the entry gets makes no ServiceEntry call of its
 * own while the call runs (mapirt_provadmin_in_entry), whichever thread uses it. */
HRESULT mapirt_service_call(mapirt_profstore *ps, mapirt_profile_id id, const MAPIUID *service,
                            ULONG_PTR ulUIParam, ULONG ulFlags, ULONG ulContext, ULONG cValues,
                            LPSPropValue lpProps, int *called, char *err, size_t cberr);

/* Whether this thread is inside a ServiceEntry call of that service (of that profile of that
 * store) made by mapirt_service_call: an IProviderAdmin::CreateProvider or DeleteProvider the
 * service makes from there does not call the entry point again (svcsupport.c). */
int mapirt_service_call_running(mapirt_profstore *ps, mapirt_profile_id id,
                                const MAPIUID *service);

#endif
