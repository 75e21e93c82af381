/* runtime/notify/notify_internal.h: the notification dispatcher, shared by notify.c, advisesink.c
 * and init.c. Not part of any public header. */
#ifndef MAPIRT_NOTIFY_INTERNAL_H
#define MAPIRT_NOTIFY_INTERNAL_H

#include <mapidefs.h>

struct mapirt_dispatcher;

/* Starts the dispatcher thread if none is running. MAPI_E_INVALID_OBJECT when the thread
 * cannot be created (the code MAPIInitialize documents for this step). */
HRESULT mapirt_dispatcher_start(void);

/* Stops accepting new work and returns the running dispatcher (NULL if none); after this,
 * firing delivers synchronously again. Cheap: safe to call under the init lock. */
struct mapirt_dispatcher *mapirt_dispatcher_detach(void);

/* Lets a detached dispatcher drain its queue and joins its thread (or, when called from the
 * dispatcher thread itself, lets it finish on its own). Call without holding any lock a
 * notification callback might take. NULL is a no-op. */
void mapirt_dispatcher_join(struct mapirt_dispatcher *d);

int mapirt_dispatcher_running(void);

/* Waits until everything queued to the dispatcher before the call has been delivered. A
 * no-op on the dispatcher thread itself or when no dispatcher runs. */
void mapirt_dispatcher_flush(void);

/* Deep copy of a notification array into one block from mapirt_malloc (freed with
 * mapirt_free). */
HRESULT mapirt_notif_dup(ULONG cNotif, const NOTIFICATION *src, NOTIFICATION **out);

#endif
