/* services.h (internal): the message services and providers of a profile, as IProfAdmin,
 * IMsgServiceAdmin and IProviderAdmin change them: created from the service catalog, copied,
 * deleted, the primary identity and the transport order. Each function works inside one store
 * transaction (store.h), so a compound change is whole or absent; calling a service's
 * ServiceEntry is the caller's part (it must run outside the transaction: the service opens
 * profile sections itself).
 *
 * What a created service holds (SPEC §13): its section has the catalog's service section
 * properties plus PR_SERVICE_NAME, PR_SERVICE_UID, PR_DISPLAY_NAME (the catalog's, else the
 * caller's, else the [Services] text), PR_RESOURCE_FLAGS (0 when the catalog gives none) and
 * PR_SERVICE_EXTRA_UIDS (the extra sections' UIDs end to end) when it has extra sections; each
 * provider section has the catalog's provider properties plus PR_PROVIDER_UID, PR_SERVICE_UID,
 * PR_SERVICE_NAME and PR_RESOURCE_FLAGS; an extra section has its catalog properties and
 * PR_SERVICE_UID, under the catalog's UID= when it gives one. New UIDs are random (NewUID). */
#ifndef MAPIRT_PROFILE_SERVICES_H
#define MAPIRT_PROFILE_SERVICES_H

#include "catalog.h"
#include "store.h"

/* A fresh, random MAPIUID (IMAPISupport::NewUID). */
HRESULT mapirt_new_uid(MAPIUID *uid);

/* Adds the catalog's service `name` to a profile (CreateMsgService before its ServiceEntry).
 * display (UTF-8, may be NULL) names it when the catalog does not. MAPI_E_NOT_FOUND when the
 * catalog has no such service, MAPI_E_NO_ACCESS for a second copy of a SERVICE_SINGLE_COPY
 * service. The new service becomes the primary identity when the profile has none and it can
 * supply one; otherwise its providers lose STATUS_PRIMARY_IDENTITY. */
HRESULT mapirt_svc_create(mapirt_ps_tx *tx, mapirt_profile_id id, const mapirt_catalog *cat,
                          const char *name, const char *display, MAPIUID *uid);

/* Copies a service of profile `from` with its providers and extra sections into profile `to`
 * of the same store (CopyMsgService; `to` may be `from`), as the two steps below do. */
HRESULT mapirt_svc_copy(mapirt_ps_tx *tx, mapirt_profile_id from, const MAPIUID *service,
                        mapirt_profile_id to, MAPIUID *uid);

/* The same in two steps, for a copy into another store (services_copy.c): an image of the
 * service with every property of its sections, read in one store's transaction, then written
 * as a new service of profile `to` in another's. The image holds no reference to the store it
 * was read from. Both: new UIDs for the service and its providers; an extra section keeps its
 * UID unless the destination has a section of that UID already; MAPI_E_NOT_FOUND when the
 * service or the destination profile does not exist (or is pending deletion), MAPI_E_NO_ACCESS
 * for a second copy of a SERVICE_SINGLE_COPY service. */
typedef struct mapirt_svc_image mapirt_svc_image;
HRESULT mapirt_svc_image_read(mapirt_ps_tx *tx, mapirt_profile_id from, const MAPIUID *service,
                              mapirt_svc_image **out);
HRESULT mapirt_svc_image_write(mapirt_ps_tx *tx, const mapirt_svc_image *img,
                               mapirt_profile_id to, MAPIUID *uid);
void mapirt_svc_image_free(mapirt_svc_image *img);

/* Deletes a service and its sections; when it supplied the primary identity, the next service
 * able to supply one takes the role. */
HRESULT mapirt_svc_delete(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *service);

/* Adds a provider to a service from the catalog's provider section `section`, with extra
 * properties on top (IProviderAdmin::CreateProvider before its ServiceEntry). */
HRESULT mapirt_svc_provider_create(mapirt_ps_tx *tx, mapirt_profile_id id,
                                   const MAPIUID *service, const mapirt_catalog *cat,
                                   const char *section, ULONG cValues, const SPropValue *lpProps,
                                   MAPIUID *uid);

/* SetPrimaryIdentity: service (NULL clears) supplies the identity: it gets
 * SERVICE_PRIMARY_IDENTITY and its providers able to supply one (those without
 * STATUS_NO_PRIMARY_IDENTITY) STATUS_PRIMARY_IDENTITY; every other service and provider loses
 * the flag. MAPI_E_NOT_FOUND, or MAPI_E_NO_ACCESS for a SERVICE_NO_PRIMARY_IDENTITY service. */
HRESULT mapirt_svc_set_identity(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *service);

/* MsgServiceTransportOrder: the complete list of the profile's transports, first to last.
 * MAPI_E_BUSY when the count differs from the number of transports, MAPI_E_NOT_FOUND when a UID
 * is not one of them (or is given twice). */
HRESULT mapirt_svc_transport_order(mapirt_ps_tx *tx, mapirt_profile_id id, ULONG cUID,
                                   const MAPIUID *uids);

/* The service a provider or extra section belongs to (MAPI_E_NOT_FOUND). */
HRESULT mapirt_svc_of_provider(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *provider,
                               MAPIUID *service, int *kind);

/* ---- table rows (rows.c) ------------------------------------------------------------- */

/* Rows as QueryRows returns them (free with FreeProws): the profile table (PR_DISPLAY_NAME,
 * PR_DEFAULT_PROFILE, PR_INSTANCE_KEY; application profiles only with MAPI_APP_PROFILE), the
 * message service table and the provider tables (see rows.c for their columns). String columns
 * are PT_UNICODE with MAPI_UNICODE in ulFlags, else PT_STRING8. */
HRESULT mapirt_rows_profiles(mapirt_ps_tx *tx, ULONG ulFlags, LPSRowSet *out);
HRESULT mapirt_rows_services(mapirt_ps_tx *tx, mapirt_profile_id id, ULONG ulFlags,
                             LPSRowSet *out);
/* service NULL: every provider of the profile (IMsgServiceAdmin::GetProviderTable); else the
 * providers and extra sections of that service (IProviderAdmin::GetProviderTable). */
HRESULT mapirt_rows_providers(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *service,
                              ULONG ulFlags, LPSRowSet *out);

#endif
