/* inuse.h (internal): which profiles sessions are using, across processes.
 *
 * A session marks its profile in use for as long as it lives (mapirt_profile_use_begin/end).
 * DeleteProfile deletes a profile nobody uses at once, and only marks one in use for deletion
 * (mapirt_ps_profile_mark_deleted): the session that ends last deletes it.
 *
 * The mark is an open-file-description read lock (F_OFD_SETLK) on the byte at offset <profile
 * id> of "<store>.lock"; deleting takes the write lock on that byte. The kernel drops the locks
 * of a process that dies, so a crashed session never keeps a profile alive, and two sessions in
 * one process hold two locks of their own. */
#ifndef MAPIRT_PROFILE_INUSE_H
#define MAPIRT_PROFILE_INUSE_H

#include "store.h"

typedef struct mapirt_profile_use mapirt_profile_use;

/* Marks the profile in use. MAPI_E_NOT_FOUND when it is gone or pending deletion (checked
 * after the mark is taken, so a profile cannot be deleted under a session that got one). */
HRESULT mapirt_profile_use_begin(mapirt_profstore *ps, mapirt_profile_id id,
                                 mapirt_profile_use **out, char *err, size_t cberr);
/* Ends the use; when no use is left anywhere and the profile is pending deletion, deletes it
 * (a failure to do so leaves it pending: the next ending use or DeleteProfile retries). */
void mapirt_profile_use_end(mapirt_profile_use *u);

/* Deletes the profile when nobody uses it, else marks it for deletion; *deferred (optional)
 * tells which happened. What DeleteProfile does. */
HRESULT mapirt_profile_delete_or_defer(mapirt_profstore *ps, mapirt_profile_id id, int *deferred,
                                       char *err, size_t cberr);

/* Deletes every profile marked for deletion that no session uses any more (one whose last user
 * crashed, or whose last DeleteProfile lost a race). Returns how many went. */
ULONG mapirt_profile_sweep(mapirt_profstore *ps);

#endif
