/* seclock.h (internal): who has which profile section open, for OpenProfileSection's rule:
 * many readers or one writer, in this process and across the processes using the same profile
 * store. A read-write open fails with MAPI_E_NO_ACCESS while the section is open anywhere else;
 * a read-only open fails while it is open for writing. MAPI_FORCE_ACCESS lifts the rule for one
 * open (the caller takes responsibility, as MAPI's providers and administration tools do).
 * Across processes the rule is kept with open-file-description locks on "<store>.lock", which
 * the kernel drops when a process ends (seclock.c). */
#ifndef MAPIRT_PROFILE_SECLOCK_H
#define MAPIRT_PROFILE_SECLOCK_H

#include "store.h"

typedef struct mapirt_seclock mapirt_seclock;

/* Takes the section (of the profile `id` in the store at `store_path`) for reading or, with
 * `write`, for writing; `force` ignores the other holders. MAPI_E_NO_ACCESS on conflict,
 * MAPI_E_NOT_ENOUGH_MEMORY. */
HRESULT mapirt_seclock_take(const char *store_path, mapirt_profile_id id, const MAPIUID *uid,
                            int write, int force, mapirt_seclock **out);
void mapirt_seclock_drop(mapirt_seclock *l);

#endif
