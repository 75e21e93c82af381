/* delivery.c: exactly-once delivery. A transport that delivers a message it took from somewhere
 * (the Maildir transport: a file of new/) names it with a delivery key, the string named
 * property "mapirt:DeliveryKey" of PS_PUBLIC_STRINGS, before the first SaveChanges. The store
 * writes the key into `deliveries` in the transaction that creates the message; a key it has
 * seen before makes that SaveChanges fail with MAPI_E_COLLISION and write nothing. So a
 * transport killed after the save but before its own bookkeeping (the file leaving new/) finds
 * out, when it delivers the same file again, that it is already in the store.
 *
 * Keys stay after their message is deleted (a file delivered, then deleted by the user, must not
 * come back); a row is ~80 bytes. The named property is an ordinary property of the message
 * too, so any store keeps it, and a store without this table delivers at least once. */
#include <string.h>
#include <time.h>

#include "ms.h"

/* The property ID of the key in this store's mapping (0: never named, so no message has it);
 * the name is the one providers/maildir/deliverykey.c gives. */
static ULONG key_id(ms_db *d)
{
    if (d->delivery_key_id)
        return d->delivery_key_id;
    sqlite3_stmt *st = ms_db_stmt(d, "SELECT id FROM named_props WHERE guid = ? AND kind = 1 "
                                     "AND name = 'mapirt:DeliveryKey'");
    if (!st)
        return 0;
    sqlite3_bind_blob(st, 1, &PS_PUBLIC_STRINGS, sizeof(GUID), SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        d->delivery_key_id = (ULONG)sqlite3_column_int(st, 0); /* IDs are never reused */
    sqlite3_reset(st);
    return d->delivery_key_id;
}

int ms_delivery_record(ms_db *d, sqlite3_int64 msg, mapirt_propbag *bag, FREEBUFFER *f)
{
    ULONG id = key_id(d);
    if (!id)
        return SQLITE_OK;
    SizedSPropTagArray(1, t) = {1, {PROP_TAG(PT_STRING8, id)}};
    ULONG c = 0;
    LPSPropValue v = NULL;
    if (FAILED(mapirt_propbag_GetProps(bag, (LPSPropTagArray)&t, 0, &c, &v)) || !v)
        return SQLITE_OK;
    int rc = SQLITE_OK;
    if (v[0].ulPropTag == PROP_TAG(PT_STRING8, id) && v[0].Value.lpszA && *v[0].Value.lpszA) {
        sqlite3_stmt *st = ms_db_stmt(d, "INSERT INTO deliveries(key, msg, at) VALUES(?, ?, ?)");
        if (!st) {
            rc = sqlite3_errcode(d->db);
        } else {
            sqlite3_bind_text(st, 1, v[0].Value.lpszA, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 2, msg);
            sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
            rc = sqlite3_step(st);
            sqlite3_reset(st);
            rc = rc == SQLITE_DONE ? SQLITE_OK : (rc & 0xff);
        }
    }
    f(v);
    return rc;
}
