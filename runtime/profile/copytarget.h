/* copytarget.h (internal): the objects of this runtime that stand for one profile of one
 * profile store, so that IMsgServiceAdmin::CopyMsgService can tell where a destination object
 * it is given copies to (copytarget.c). A message service administration object registers
 * itself when made (svcadmin.c); a session does the same with MAPIRT_TARGET_SESSION (CopyMsgService
 * with lpInterfaceDst NULL or IID_IMAPISession copies into the session's profile). Objects are
 * known by their identity (the IUnknown pointer QueryInterface(IID_IUnknown) returns) and must
 * remove themselves before they are freed. */
#ifndef MAPIRT_PROFILE_COPYTARGET_H
#define MAPIRT_PROFILE_COPYTARGET_H

#include "store.h"

typedef enum mapirt_target_kind {
    MAPIRT_TARGET_SVCADMIN, /* IMsgServiceAdmin */
    MAPIRT_TARGET_SESSION   /* IMAPISession */
} mapirt_target_kind;

/* Registers `identity` as standing for profile `id` of `ps` (the registry keeps no reference to
 * either: the object holds its store). MAPI_E_NOT_ENOUGH_MEMORY. */
HRESULT mapirt_copytarget_add(const void *identity, mapirt_target_kind kind, mapirt_profstore *ps,
                              mapirt_profile_id id);
/* Removes it (nothing when it is not registered). */
void mapirt_copytarget_remove(const void *identity);
/* The profile `identity` of that kind stands for: 1 with *ps (a new reference) and *id, or 0. */
int mapirt_copytarget_find(const void *identity, mapirt_target_kind kind, mapirt_profstore **ps,
                           mapirt_profile_id *id);

#endif
