/* mapirt/notifyq.h: notifications put off until a lock is let go (internal: not installed, not
 * exported).
 *
 * Sinks must not run under a lock that code they may call takes in another order: a table
 * sink that opens a store would take a session's store_mu under its tbl_mu, the wrong way
 * round (runtime/session/session_internal.h, "Locks"). So while a thread holds a queue
 * (mapirt_notifyq_hold), the plain notifications it fires (mapirt_advise_fire) are copied onto
 * that queue instead of being delivered, and the release that leaves the thread holding the
 * queue no more delivers them, on that thread, in the order they were queued: changes made
 * under one lock reach the sinks in the order they happened, whichever thread made them (one
 * thread drains a queue at a time; another that finds it draining leaves its notifications to
 * it). With MAPI_MULTITHREAD_NOTIFICATIONS notifications go to the dispatcher thread as
 * always. Keyed notifications (mapirt_advise_fire_key: NOTIFY_SYNC callers expect the sinks
 * to have run) are not queued. */
#ifndef MAPIRT_NOTIFYQ_H
#define MAPIRT_NOTIFYQ_H

#include <mapidefs.h>

typedef struct mapirt_notifyq mapirt_notifyq;

HRESULT mapirt_notifyq_create(mapirt_notifyq **out);
/* Drops what is still queued (nobody holds it any more). */
void mapirt_notifyq_destroy(mapirt_notifyq *q);
/* The calling thread holds q (nested holds count; a thread holds at most a few queues). */
void mapirt_notifyq_hold(mapirt_notifyq *q);
/* Ends one hold; the last delivers what is queued unless another thread is delivering. */
void mapirt_notifyq_release(mapirt_notifyq *q);

#endif
