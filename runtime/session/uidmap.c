/* uidmap.c: the session's map from MAPIUID to the providers that registered it
 * (IMAPISupport::SetProviderUID), for routing entry IDs (SPEC §7.2) in constant time.
 *
 * A chained hash table whose buckets keep registrations in the order they were made, so the
 * first provider to register a UID is the one found (MAPI sends a request to the first logon
 * object that registered the UID). The table doubles when it holds more entries than buckets.
 * Not locked: the session's lock (sess->mu) covers it. */
#include <string.h>

#include <mapicode.h>

#include <mapirt/alloc.h>

#include "session_internal.h"

typedef struct uid_entry {
    MAPIUID uid;
    ULONG index;
    struct uid_entry *next; /* the bucket's later registrations */
} uid_entry;

struct mapirt_uidmap {
    uid_entry **buckets;
    ULONG nbuckets; /* a power of two */
    ULONG count;
};

/* FNV-1a over the 16 bytes: UIDs are random or hard-coded constants, both spread well. */
static ULONG hash_uid(const MAPIUID *u)
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < 16; i++) {
        h ^= u->ab[i];
        h *= 16777619u;
    }
    return h;
}

HRESULT mapirt_uidmap_create(mapirt_uidmap **out)
{
    mapirt_uidmap *m = mapirt_calloc(1, sizeof *m);
    if (!m || !(m->buckets = mapirt_calloc(16, sizeof *m->buckets))) {
        mapirt_free(m);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    m->nbuckets = 16;
    *out = m;
    return S_OK;
}

void mapirt_uidmap_destroy(mapirt_uidmap *m)
{
    if (!m)
        return;
    for (ULONG b = 0; b < m->nbuckets; b++)
        for (uid_entry *e = m->buckets[b], *n; e; e = n) {
            n = e->next;
            mapirt_free(e);
        }
    mapirt_free(m->buckets);
    mapirt_free(m);
}

/* Doubles the buckets, keeping each bucket's order (entries are appended in list order). */
static void grow(mapirt_uidmap *m)
{
    ULONG n = m->nbuckets * 2;
    uid_entry **b = mapirt_calloc(n, sizeof *b);
    if (!b)
        return; /* longer chains, still correct */
    uid_entry **tails = mapirt_calloc(n, sizeof *tails);
    if (!tails) {
        mapirt_free(b);
        return;
    }
    for (ULONG i = 0; i < m->nbuckets; i++)
        for (uid_entry *e = m->buckets[i], *next; e; e = next) {
            next = e->next;
            ULONG h = hash_uid(&e->uid) & (n - 1);
            e->next = NULL;
            if (tails[h])
                tails[h]->next = e;
            else
                b[h] = e;
            tails[h] = e;
        }
    mapirt_free(tails);
    mapirt_free(m->buckets);
    m->buckets = b;
    m->nbuckets = n;
}

HRESULT mapirt_uidmap_add(mapirt_uidmap *m, const MAPIUID *uid, ULONG index)
{
    uid_entry *e = mapirt_calloc(1, sizeof *e);
    if (!e)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    e->uid = *uid;
    e->index = index;
    uid_entry **pp = &m->buckets[hash_uid(uid) & (m->nbuckets - 1)];
    while (*pp)
        pp = &(*pp)->next;
    *pp = e;
    if (++m->count > m->nbuckets)
        grow(m);
    return S_OK;
}

void mapirt_uidmap_remove_provider(mapirt_uidmap *m, ULONG index)
{
    for (ULONG b = 0; b < m->nbuckets; b++)
        for (uid_entry **pp = &m->buckets[b]; *pp;) {
            if ((*pp)->index == index) {
                uid_entry *e = *pp;
                *pp = e->next;
                mapirt_free(e);
                m->count--;
            } else
                pp = &(*pp)->next;
        }
}

long mapirt_uidmap_find(const mapirt_uidmap *m, const MAPIUID *uid)
{
    for (const uid_entry *e = m->buckets[hash_uid(uid) & (m->nbuckets - 1)]; e; e = e->next)
        if (memcmp(e->uid.ab, uid->ab, 16) == 0)
            return (long)e->index;
    return -1;
}

ULONG mapirt_uidmap_count(const mapirt_uidmap *m)
{
    return m->count;
}
