/* mapirt/catalog.h: what the message-service catalog offers, and property values from text.
 *
 * MAPI has no call that lists MAPISVC.INF: clients read the file. mapirt's catalog is several
 * files (docs/decisions.md, "Profiles and the service catalog"), so the library answers instead,
 * reading them exactly as IMsgServiceAdmin::CreateMsgService does. The value reader is the one
 * catalog property lines go through, so a value written on a command line means what it would
 * mean in MAPISVC.INF. */
#ifndef MAPIRT_CATALOG_H
#define MAPIRT_CATALOG_H

#include <mapirt/decls.h>
#include <stddef.h>
#include <mapidefs.h>

MAPIRT_BEGIN_DECLS

/* The services of the catalog, one row each in catalog order: PR_SERVICE_NAME (the [Services]
 * key), PR_DISPLAY_NAME (the section's, else the [Services] text), then every property line of
 * the service's section. ulFlags: MAPI_DEFAULT_SERVICES lists only [Default Services];
 * MAPI_UNICODE gives the first two columns as PT_UNICODE. Free the rows with FreeProws.
 * A catalog that cannot be read or parsed is refused whole (MAPI_E_CORRUPT_DATA,
 * MAPI_E_NOT_FOUND, MAPI_E_DISK_ERROR, MAPI_E_NO_ACCESS, as CreateMsgService refuses it) and,
 * when lppMAPIError is not NULL, *lppMAPIError says where ("file:line: problem"; free it with
 * MAPIFreeBuffer). */
HRESULT mapirt_catalog_services(ULONG ulFlags, LPSRowSet *lppRows, LPMAPIERROR *lppMAPIError);

/* Reads text as a value of the property ulPropTag, as a MAPISVC.INF property line is read
 * (runtime/profile/catalog_value.c: flag names joined by '|' for PT_LONG, TRUE/FALSE, hex bytes,
 * {GUID}s, commas between the values of a PT_MV_* property, ...). Out-of-line data is allocated
 * with MAPIAllocateMore on lpObject. MAPI_E_INVALID_PARAMETER when the text is not such a value
 * (err, cberr bytes, says why), MAPI_E_NOT_ENOUGH_MEMORY. */
HRESULT mapirt_prop_from_text(ULONG ulPropTag, const char *lpszText, LPVOID lpObject,
    LPSPropValue lpProp, char *err, size_t cberr);

MAPIRT_END_DECLS
#endif
