/* props.c: an object's properties between its `props` rows and the property bag its open
 * instance works on. Opening loads the rows into the bag (clean); SaveChanges writes back what
 * the bag marks dirty (set or deleted) and marks it clean, inside the caller's transaction. */
#include <stdlib.h>
#include <string.h>

#include <mapirt/strconv.h>

#include "ms.h"

/* One scan of the object's rows: small values into bag, big ones listed as tags (big) and/or
 * as committed entries of bigs. */
static HRESULT load(ms_db *d, sqlite3_int64 id, mapirt_propbag *bag, LPSPropTagArray *big,
                    ms_bigs *bigs, ALLOCATEBUFFER *alloc, ALLOCATEMORE *more, FREEBUFFER *freebuf);

HRESULT ms_props_load(ms_db *d, sqlite3_int64 id, mapirt_propbag *bag, LPSPropTagArray *big,
                      ALLOCATEBUFFER *alloc, ALLOCATEMORE *more, FREEBUFFER *freebuf)
{
    return load(d, id, bag, big, NULL, alloc, more, freebuf);
}

HRESULT ms_props_load_item(ms_db *d, sqlite3_int64 id, mapirt_propbag *bag, ms_bigs *bigs,
                           ALLOCATEBUFFER *alloc, ALLOCATEMORE *more, FREEBUFFER *freebuf)
{
    return load(d, id, bag, NULL, bigs, alloc, more, freebuf);
}

static HRESULT load(ms_db *d, sqlite3_int64 id, mapirt_propbag *bag, LPSPropTagArray *big,
                    ms_bigs *bigs, ALLOCATEBUFFER *alloc, ALLOCATEMORE *more, FREEBUFFER *freebuf)
{
    sqlite3_stmt *st =
        ms_db_stmt(d, "SELECT id, type, val, big FROM props WHERE obj = ? ORDER BY id");
    LPSPropValue v = NULL;
    ULONG n = 0, cap = 0, nbig = 0;
    ULONG bigtags[64];
    HRESULT hr = S_OK;
    int rc;
    if (st == NULL)
        return ms_db_hr(sqlite3_errcode(d->db));
    sqlite3_bind_int64(st, 1, id);
    void *block = NULL;
    if (alloc(1, &block) != S_OK) {
        sqlite3_reset(st);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        ULONG tag = PROP_TAG((ULONG)sqlite3_column_int(st, 1), (ULONG)sqlite3_column_int(st, 0));
        if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
            if (nbig < sizeof bigtags / sizeof bigtags[0])
                bigtags[nbig++] = tag;
            if (bigs) {
                ms_big *nb = realloc(bigs->v, (bigs->n + 1) * sizeof *nb);
                if (nb == NULL) {
                    hr = MAPI_E_NOT_ENOUGH_MEMORY;
                    break;
                }
                bigs->v = nb;
                nb[bigs->n++] = (ms_big){tag, sqlite3_column_int64(st, 3), 0, id, 0};
            }
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            LPSPropValue nv = realloc(v, cap * sizeof *v);
            if (nv == NULL) {
                hr = MAPI_E_NOT_ENOUGH_MEMORY;
                break;
            }
            v = nv;
        }
        if ((hr = ms_column_value(st, 2, tag, more, block, &v[n])) != S_OK)
            break;
        n++;
    }
    sqlite3_reset(st);
    if (hr == S_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        hr = ms_db_hr(rc);
    if (hr == S_OK && n)
        hr = mapirt_propbag_put(bag, n, v, IPROP_READWRITE);
    free(v);
    freebuf(block);
    if (hr == S_OK && big) {
        *big = NULL;
        if (nbig) {
            if (alloc(CbNewSPropTagArray(nbig), (void **)big) != S_OK)
                return MAPI_E_NOT_ENOUGH_MEMORY;
            (*big)->cValues = nbig;
            memcpy((*big)->aulPropTag, bigtags, nbig * sizeof(ULONG));
        }
    }
    return hr;
}

static int delete_prop(ms_db *d, sqlite3_int64 obj, ULONG tag)
{
    sqlite3_stmt *st = ms_db_stmt(d, "DELETE FROM props WHERE obj = ? AND id = ?");
    if (st == NULL)
        return sqlite3_errcode(d->db);
    sqlite3_bind_int64(st, 1, obj);
    sqlite3_bind_int(st, 2, (int)PROP_ID(tag));
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return rc;
    st = ms_db_stmt(d, "DELETE FROM streams WHERE obj = ? AND id = ?");
    if (st == NULL)
        return sqlite3_errcode(d->db);
    sqlite3_bind_int64(st, 1, obj);
    sqlite3_bind_int(st, 2, (int)PROP_ID(tag));
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* A big value's stored bytes (ms.h: the value in its own type, no NUL). */
static void big_bytes(const SPropValue *p, const BYTE **data, size_t *size)
{
    switch (PROP_TYPE(p->ulPropTag)) {
    case PT_BINARY:
        *data = p->Value.bin.lpb;
        *size = p->Value.bin.cb;
        break;
    case PT_STRING8:
        *data = (const BYTE *)p->Value.lpszA;
        *size = strlen(p->Value.lpszA);
        break;
    default:
        *data = (const BYTE *)p->Value.lpszW;
        *size = mapirt_wcslen(p->Value.lpszW) * sizeof(WCHAR);
        break;
    }
}

static int is_big(const SPropValue *p)
{
    ULONG t = PROP_TYPE(p->ulPropTag);
    return (t == PT_BINARY || t == PT_STRING8 || t == PT_UNICODE) && ms_value_size(p) >= MS_BIG_PROP;
}

HRESULT ms_props_save(ms_db *d, sqlite3_int64 id, mapirt_propbag *bag, FREEBUFFER *freebuf)
{
    LPSPropTagArray all = NULL, dirty = NULL;
    ULONG *access = NULL;
    LPSPropValue vals = NULL;
    ULONG nvals = 0, ndirty = 0;
    HRESULT hr = mapirt_propbag_HrGetPropAccess(bag, &all, &access);
    int rc = SQLITE_OK;
    if (FAILED(hr))
        return hr;
    for (ULONG i = 0; i < all->cValues; i++)
        ndirty += (access[i] & IPROP_DIRTY) != 0;
    if (ndirty == 0)
        goto done;
    if ((dirty = malloc(CbNewSPropTagArray(ndirty))) == NULL) {
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
        goto done;
    }
    dirty->cValues = 0;
    for (ULONG i = 0; i < all->cValues; i++) {
        if (!(access[i] & IPROP_DIRTY))
            continue;
        if (!(access[i] & (IPROP_READONLY | IPROP_READWRITE))) {
            if ((rc = delete_prop(d, id, all->aulPropTag[i])) != SQLITE_OK)
                goto done;
        } else {
            dirty->aulPropTag[dirty->cValues++] = all->aulPropTag[i];
        }
    }
    if (dirty->cValues) {
        hr = mapirt_propbag_GetProps(bag, dirty, 0, &nvals, &vals);
        if (FAILED(hr))
            goto done;
        hr = S_OK;
        sqlite3_stmt *st = ms_db_stmt(
            d, "INSERT OR REPLACE INTO props(obj, id, type, val, big) VALUES(?, ?, ?, ?, ?)");
        if (st == NULL) {
            rc = sqlite3_errcode(d->db);
            goto done;
        }
        for (ULONG i = 0; i < nvals; i++) {
            const SPropValue *p = &vals[i];
            if (PROP_TYPE(p->ulPropTag) == PT_ERROR || PROP_TYPE(p->ulPropTag) == PT_OBJECT)
                continue;
            int big = is_big(p);
            if ((rc = delete_prop(d, id, p->ulPropTag)) != SQLITE_OK)
                goto done;
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            sqlite3_bind_int64(st, 1, id);
            sqlite3_bind_int(st, 2, (int)PROP_ID(p->ulPropTag));
            sqlite3_bind_int(st, 3, (int)PROP_TYPE(p->ulPropTag));
            const BYTE *data = NULL;
            size_t size = 0;
            if (big) {
                big_bytes(p, &data, &size);
                sqlite3_bind_int64(st, 5, (sqlite3_int64)size);
            }
            else if ((rc = ms_bind_value(st, 4, p)) != SQLITE_OK)
                goto done;
            rc = sqlite3_step(st);
            sqlite3_reset(st);
            if (rc != SQLITE_DONE)
                goto done;
            rc = big ? ms_stream_store(d, id, p->ulPropTag, data, size) : SQLITE_OK;
            if (rc != SQLITE_OK)
                goto done;
        }
    }
done:
    if (hr == S_OK && rc != SQLITE_OK && rc != SQLITE_DONE)
        hr = ms_db_hr(rc);
    if (hr == S_OK) {
        /* Seen: deletions are forgotten, values become clean. */
        for (ULONG i = 0; i < all->cValues; i++)
            access[i] = (access[i] & (IPROP_READONLY | IPROP_READWRITE) ? access[i] & (IPROP_READONLY | IPROP_READWRITE) : IPROP_READWRITE) | IPROP_CLEAN;
        if (all->cValues)
            mapirt_propbag_HrSetPropAccess(bag, all, access);
    }
    free(dirty);
    freebuf(vals);
    freebuf(all);
    freebuf(access);
    return hr;
}

int ms_props_copy(ms_db *d, sqlite3_int64 from, sqlite3_int64 to)
{
    sqlite3_stmt *st = ms_db_stmt(d, "INSERT OR REPLACE INTO props(obj, id, type, val, big) "
                                     "SELECT ?, id, type, val, big FROM props WHERE obj = ?");
    if (st == NULL)
        return sqlite3_errcode(d->db);
    sqlite3_bind_int64(st, 1, to);
    sqlite3_bind_int64(st, 2, from);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return rc;
    st = ms_db_stmt(d, "INSERT INTO streams(obj, id, seq, data) "
                       "SELECT ?, id, seq, data FROM streams WHERE obj = ?");
    if (st == NULL)
        return sqlite3_errcode(d->db);
    sqlite3_bind_int64(st, 1, to);
    sqlite3_bind_int64(st, 2, from);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}
