/* runtime/prop/propstore_internal.h: the property bag's layout, shared by propstore.c (storage,
 * GetProps/SetProps/DeleteProps/access) and propobj.c (CopyTo/CopyProps, GetLastError,
 * OpenProperty, SaveChanges). */
#ifndef MAPIRT_PROPSTORE_INTERNAL_H
#define MAPIRT_PROPSTORE_INTERNAL_H

#include <pthread.h>

#include <mapirt/propstore.h>

#define IPROP_ACCESS_MASK (IPROP_READONLY | IPROP_READWRITE)
#define IPROP_STATUS_MASK (IPROP_CLEAN | IPROP_DIRTY)

struct prop_entry {
    ULONG tag;          /* as stored; for a deleted property, the tag it had */
    ULONG access;       /* one IPROP_ACCESS_MASK bit | one IPROP_STATUS_MASK bit */
    int deleted;        /* remembered for HrGetPropAccess only */
    LPSPropValue value; /* own allocation from the bag's allocators; NULL for PT_OBJECT */
};

struct mapirt_propbag {
    pthread_mutex_t mu;
    ALLOCATEBUFFER *alloc;
    ALLOCATEMORE *more;
    FREEBUFFER *freebuf;
    int readonly;
    struct prop_entry *v; /* sorted by property ID, one entry per ID */
    ULONG n, cap;
    mapirt_lasterror *err; /* the owner's record (mapirt_propbag_attach), else own_err */
    mapirt_lasterror own_err;
    LPUNKNOWN owner; /* the owning object's identity, or NULL */
};

/* Records the error for GetLastError and returns hr (never takes the bag's lock). */
static inline HRESULT mapirt_propbag_fail(mapirt_propbag *bag, HRESULT hr, const char *msg)
{
    return mapirt_lasterror_set(bag->err, hr, msg);
}

/* GetProps' core, under the caller's lock. With keep_types, properties whose type the
 * caller left open keep their stored string type (copies must not lose the width). */
HRESULT mapirt_propbag_values_locked(mapirt_propbag *bag, LPSPropTagArray tags, ULONG flags,
                                     int keep_types, ULONG *lpc, LPSPropValue *lpp,
                                     int *errors);

/* Turns the live property with this ID into a remembered deletion. Under the lock. */
void mapirt_propbag_tombstone_locked(mapirt_propbag *bag, ULONG id);

/* Index of the entry with property ID id, or of where it would be inserted. */
ULONG mapirt_propbag_find_locked(const mapirt_propbag *bag, ULONG id, int *found);

/* The live (not deleted) entry with property ID id, or NULL. Under the lock. */
struct prop_entry *mapirt_propbag_find_live(mapirt_propbag *bag, ULONG id);

/* PT_STRING8 or PT_UNICODE, single- or multi-valued. */
static inline int mapirt_prop_is_string_type(ULONG type)
{
    ULONG t = type & ~MV_FLAG;
    return t == PT_STRING8 || t == PT_UNICODE;
}

#endif
