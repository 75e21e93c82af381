/* mapirt/notify.h: the notification engine behind every Advise/Unadvise in the runtime.
 *
 * An advise list holds the sinks registered on one advise source (a table view, a session, a
 * store, or the support object's keyed subscriptions). Firing delivers each notification to
 * every sink whose event mask contains its ulEventType; consecutive notifications that match
 * the same sink are passed in one OnNotify call.
 *
 * Delivery is synchronous on the firing thread unless MAPIInitialize was called with
 * MAPI_MULTITHREAD_NOTIFICATIONS: then the notifications are deep-copied and queued to the
 * runtime's dispatcher thread, which delivers them in order. Keyed subscriptions made with
 * NOTIFY_SYNC are always delivered on the firing thread before fire returns.
 *
 * Lifetime rules (all functions are thread-safe):
 *  - add AddRefs the sink; remove and destroy Release it, but never while one of its OnNotify
 *    calls is running on any thread: the release then happens when that call returns. A sink
 *    may therefore unadvise or release itself, or destroy the list, from inside OnNotify.
 *  - A notification already being delivered (or queued) may still reach a sink after remove
 *    returns, as MAPI allows.
 */
#ifndef MAPIRT_NOTIFY_H
#define MAPIRT_NOTIFY_H

#include <mapirt/decls.h>
#include <mapidefs.h>

MAPIRT_BEGIN_DECLS

typedef struct mapirt_advise_list mapirt_advise_list;

/* Creates an empty advise list. */
HRESULT mapirt_advise_list_create(mapirt_advise_list **out);

/* Releases every remaining sink (deferred for sinks inside OnNotify) and frees the list once
 * no delivery or queued notification refers to it any more. NULL is a no-op. */
void mapirt_advise_list_destroy(mapirt_advise_list *l);

/* Registers sink for the fnev* events in ulEventMask (nonzero). *lpulConnection receives a
 * nonzero connection number unique within the process. */
HRESULT mapirt_advise_add(mapirt_advise_list *l, ULONG ulEventMask, LPMAPIADVISESINK sink,
                          ULONG_PTR *lpulConnection);

/* Registers sink for notifications fired with the same key (cbKey bytes at lpbKey, compared
 * bytewise; IMAPISupport::Subscribe's NOTIFKEY). ulFlags may hold NOTIFY_SYNC. Keyed
 * subscriptions are reached only by mapirt_advise_fire_key. */
HRESULT mapirt_advise_add_key(mapirt_advise_list *l, ULONG cbKey, const BYTE *lpbKey,
                              ULONG ulEventMask, ULONG ulFlags, LPMAPIADVISESINK sink,
                              ULONG_PTR *lpulConnection);

/* Ends a registration made by either add function; MAPI_E_NOT_FOUND if ulConnection is not
 * registered on this list. */
HRESULT mapirt_advise_remove(mapirt_advise_list *l, ULONG_PTR ulConnection);

/* Delivers cNotif notifications to the subscriptions made with mapirt_advise_add. */
HRESULT mapirt_advise_fire(mapirt_advise_list *l, ULONG cNotif, LPNOTIFICATION lpNotif);

/* Delivers to the subscriptions made with the same key (IMAPISupport::Notify). When a
 * synchronously called sink returns CALLBACK_DISCONTINUE, delivery stops and NOTIFY_CANCELED
 * is stored in *lpulFlags (optional; its input value is ignored). */
HRESULT mapirt_advise_fire_key(mapirt_advise_list *l, ULONG cbKey, const BYTE *lpbKey,
                               ULONG cNotif, LPNOTIFICATION lpNotif, ULONG *lpulFlags);

/* Number of live registrations (for diagnostics and tests). */
ULONG mapirt_advise_count(mapirt_advise_list *l);

MAPIRT_END_DECLS
#endif
