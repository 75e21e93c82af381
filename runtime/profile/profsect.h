/* profsect.h (internal): opening a profile section as an IProfSect (profsect.c). */
#ifndef MAPIRT_PROFILE_PROFSECT_H
#define MAPIRT_PROFILE_PROFSECT_H

#include <mapidefs.h>

#include "store.h"

/* Opens section `uid` of profile `id`. ulFlags: MAPI_MODIFY (read-write; a missing section is
 * created), MAPI_FORCE_ACCESS (past another holder's lock), MAPI_DEFERRED_ERRORS (ignored).
 * MAPI_E_NOT_FOUND for a missing section opened read-only, MAPI_E_NO_ACCESS when the locking
 * rule refuses (seclock.h). The section holds what the store holds now, plus PR_PROFILE_NAME
 * and PR_OBJECT_TYPE (MAPI_PROFSECT), both read-only. */
HRESULT mapirt_profsect_open(mapirt_profstore *ps, mapirt_profile_id id, const MAPIUID *uid,
                             ULONG ulFlags, LPPROFSECT *out, char *err, size_t cberr);

#endif
