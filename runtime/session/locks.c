/* runtime/session/locks.c: the session's locks 1b (store_mu) and 2 (tbl_mu) with the
 * notifications they hold back (session_internal.h, "Locks").
 *
 * A table change made under tbl_mu tells the views' sinks; a sink may open a store (store_mu)
 * or change a table again, and a store's first open holds store_mu while its provider's Logon
 * changes the status table (tbl_mu): delivered under tbl_mu, that sink would take the locks
 * the other way round from the store open and the two could wait for each other. So sinks
 * never run under either lock: while a thread holds one, the notifications it causes wait on
 * the session's queue (<mapirt/notifyq.h>) and the unlock that leaves it holding neither
 * delivers them, in the order the changes were made. */
#include <mapirt/notifyq.h>

#include "session_internal.h"

/* The queue is made with the tables (statustab.c) and goes with them: without one (a session
 * being made or unmade) nothing is held back. */
void mapirt_tbl_lock(mapirt_sess *s)
{
    pthread_mutex_lock(&s->tbl_mu);
    if (s->notifyq)
        mapirt_notifyq_hold(s->notifyq);
}

void mapirt_tbl_unlock(mapirt_sess *s)
{
    mapirt_notifyq *q = s->notifyq;
    pthread_mutex_unlock(&s->tbl_mu);
    if (q)
        mapirt_notifyq_release(q); /* the last hold delivers, outside the lock */
}

void mapirt_store_lock(mapirt_sess *s)
{
    pthread_mutex_lock(&s->store_mu);
    if (s->notifyq)
        mapirt_notifyq_hold(s->notifyq);
}

void mapirt_store_unlock(mapirt_sess *s)
{
    mapirt_notifyq *q = s->notifyq;
    pthread_mutex_unlock(&s->store_mu);
    if (q)
        mapirt_notifyq_release(q); /* the last hold delivers, outside the lock */
}
