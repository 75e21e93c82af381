/* runtime/prop/propstore.c: property bag storage and the GetProps, GetPropList, SetProps,
 * DeleteProps and IPropData access methods built on it (GetProps and GetPropList: propget.c).
 *
 * Every modifying method validates everything and allocates everything (value copies,
 * problem array, room in the entry array) before it changes anything, so a failure (bad
 * argument or no memory) leaves the bag exactly as it was.
 */
#include <stdint.h>
#include <string.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapiutil.h>
#include <mapix.h>

#include <mapirt/alloc.h>
#include <mapirt/mapiutil_impl.h>
#include "propstore_internal.h"
#include <mapirt/strconv.h>

#define ULONG_LIMIT 0xFFFFFFFFu

HRESULT mapirt_propbag_create(ALLOCATEBUFFER *lpAllocateBuffer, ALLOCATEMORE *lpAllocateMore,
                              FREEBUFFER *lpFreeBuffer, const char *component,
                              mapirt_propbag **out)
{
    mapirt_propbag *bag;
    int given = !!lpAllocateBuffer + !!lpAllocateMore + !!lpFreeBuffer;

    if (!out)
        return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    if (given != 0 && given != 3)
        return MAPI_E_INVALID_PARAMETER;
    bag = mapirt_calloc(1, sizeof(*bag));
    if (!bag)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    if (pthread_mutex_init(&bag->mu, NULL) != 0) {
        mapirt_free(bag);
        return MAPI_E_NOT_ENOUGH_RESOURCES;
    }
    bag->alloc = given ? lpAllocateBuffer : MAPIAllocateBuffer;
    bag->more = given ? lpAllocateMore : MAPIAllocateMore;
    bag->freebuf = given ? lpFreeBuffer : MAPIFreeBuffer;
    mapirt_lasterror_init(&bag->own_err, component);
    mapirt_lasterror_allocators(&bag->own_err, bag->alloc, bag->more, bag->freebuf);
    bag->err = &bag->own_err;
    *out = bag;
    return S_OK;
}

void mapirt_propbag_attach(mapirt_propbag *bag, LPUNKNOWN owner, mapirt_lasterror *err)
{
    bag->owner = owner;
    if (err != NULL) {
        mapirt_lasterror_allocators(err, bag->alloc, bag->more, bag->freebuf);
        bag->err = err;
    }
}

mapirt_lasterror *mapirt_propbag_lasterror(mapirt_propbag *bag)
{
    return bag->err;
}

void mapirt_propbag_destroy(mapirt_propbag *bag)
{
    if (!bag)
        return;
    for (ULONG i = 0; i < bag->n; i++)
        if (bag->v[i].value)
            bag->freebuf(bag->v[i].value);
    mapirt_free(bag->v);
    mapirt_lasterror_fini(&bag->own_err);
    pthread_mutex_destroy(&bag->mu);
    mapirt_free(bag);
}

int mapirt_propbag_writable(mapirt_propbag *bag)
{
    int w;

    if (!bag)
        return 0;
    pthread_mutex_lock(&bag->mu);
    w = !bag->readonly;
    pthread_mutex_unlock(&bag->mu);
    return w;
}

ULONG mapirt_propbag_find_locked(const mapirt_propbag *bag, ULONG id, int *found)
{
    ULONG lo = 0, hi = bag->n;

    while (lo < hi) {
        ULONG mid = lo + (hi - lo) / 2;
        ULONG mid_id = PROP_ID(bag->v[mid].tag);
        if (mid_id == id) {
            *found = 1;
            return mid;
        }
        if (mid_id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = 0;
    return lo;
}

struct prop_entry *mapirt_propbag_find_live(mapirt_propbag *bag, ULONG id)
{
    int found;
    ULONG i = mapirt_propbag_find_locked(bag, id, &found);
    return found && !bag->v[i].deleted ? &bag->v[i] : NULL;
}

static HRESULT reserve_locked(mapirt_propbag *bag, ULONG extra)
{
    ULONG cap;
    struct prop_entry *v;

    if (extra > ULONG_LIMIT - bag->n)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    if (bag->n + extra <= bag->cap)
        return S_OK;
    cap = bag->cap ? bag->cap : 8;
    while (cap < bag->n + extra)
        cap = cap > ULONG_LIMIT / 2 ? bag->n + extra : cap * 2;
    v = mapirt_realloc(bag->v, (size_t)cap * sizeof(*v));
    if (!v)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    bag->v = v;
    bag->cap = cap;
    return S_OK;
}

/* Inserts or replaces the value for its ID; never fails (room reserved beforehand). */
static void store_locked(mapirt_propbag *bag, ULONG tag, LPSPropValue value, ULONG access)
{
    int found;
    ULONG i = mapirt_propbag_find_locked(bag, PROP_ID(tag), &found);

    if (found) {
        if (bag->v[i].value)
            bag->freebuf(bag->v[i].value);
    } else {
        memmove(&bag->v[i + 1], &bag->v[i], (bag->n - i) * sizeof(bag->v[0]));
        bag->n++;
    }
    bag->v[i].tag = tag;
    bag->v[i].access = access;
    bag->v[i].deleted = 0;
    bag->v[i].value = value;
}

void mapirt_propbag_tombstone_locked(mapirt_propbag *bag, ULONG id)
{
    struct prop_entry *e = mapirt_propbag_find_live(bag, id);

    if (!e)
        return;
    if (e->value)
        bag->freebuf(e->value);
    e->value = NULL;
    e->deleted = 1;
    e->access = IPROP_DIRTY;
}

static HRESULT dup_value(mapirt_propbag *bag, const SPropValue *src, LPSPropValue *out)
{
    LPSPropValue v = NULL;
    SCODE sc;

    *out = NULL;
    sc = bag->alloc(sizeof(SPropValue), (LPVOID *)&v);
    if (FAILED(sc) || !v)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    sc = PropCopyMore(v, (LPSPropValue)src, bag->more, v);
    if (FAILED(sc)) {
        bag->freebuf(v);
        return sc;
    }
    *out = v;
    return S_OK;
}

/* ---- value classification ---------------------------------------------------------- */

static int type_storable(ULONG type)
{
    switch (type & ~MV_FLAG) {
    case PT_I2: case PT_LONG: case PT_R4: case PT_DOUBLE: case PT_CURRENCY: case PT_APPTIME:
    case PT_I8: case PT_STRING8: case PT_UNICODE: case PT_SYSTIME: case PT_CLSID:
    case PT_BINARY:
        return 1;
    case PT_BOOLEAN:
        return !(type & MV_FLAG);
    default:
        return 0;
    }
}

/* Nonzero if a pointer the value's type requires is missing (the caller's array cannot be
 * read): that makes the whole SetProps call invalid rather than one problem entry. */
static int value_pointers_bad(const SPropValue *p)
{
    ULONG type = PROP_TYPE(p->ulPropTag);

    if (type & MV_FLAG) {
        ULONG c = p->Value.MVi.cValues;
        if (c == 0)
            return 0; /* an empty multi-valued property is a value, with no array to read */
        if (!p->Value.MVi.lpi)
            return 1;
        for (ULONG i = 0; i < c; i++) {
            switch (type) {
            case PT_MV_STRING8:
                if (!p->Value.MVszA.lppszA[i])
                    return 1;
                break;
            case PT_MV_UNICODE:
                if (!p->Value.MVszW.lppszW[i])
                    return 1;
                break;
            case PT_MV_BINARY:
                if (p->Value.MVbin.lpbin[i].cb && !p->Value.MVbin.lpbin[i].lpb)
                    return 1;
                break;
            default:
                break;
            }
        }
        return 0;
    }
    switch (type) {
    case PT_STRING8:
        return !p->Value.lpszA;
    case PT_UNICODE:
        return !p->Value.lpszW;
    case PT_BINARY:
        return p->Value.bin.cb && !p->Value.bin.lpb;
    case PT_CLSID:
        return !p->Value.lpguid;
    default:
        return 0;
    }
}

enum set_action { SET_IGNORE, SET_PROBLEM, SET_STORE };

/* ---- SetProps ---------------------------------------------------------------------- */

struct set_plan {
    enum set_action action;
    SCODE problem;
    LPSPropValue copy;
};

static void free_plan(mapirt_propbag *bag, struct set_plan *plan, ULONG c)
{
    for (ULONG i = 0; i < c; i++)
        if (plan[i].copy)
            bag->freebuf(plan[i].copy);
    mapirt_free(plan);
}

static HRESULT alloc_problems(mapirt_propbag *bag, ULONG n, LPSPropProblemArray *out)
{
    LPSPropProblemArray p = NULL;

    *out = NULL;
    if ((size_t)n > (ULONG_LIMIT - offsetof(SPropProblemArray, aProblem)) / sizeof(SPropProblem))
        return MAPI_E_NOT_ENOUGH_MEMORY;
    if (FAILED(bag->alloc(CbNewSPropProblemArray(n), (LPVOID *)&p)) || !p)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    p->cProblem = 0;
    *out = p;
    return S_OK;
}

/* Appends a problem; the array was sized for `room` problems, and one more is a bug in the
 * caller's count that must not become a heap overflow. */
static void add_problem(LPSPropProblemArray p, ULONG room, ULONG index, ULONG tag, SCODE sc)
{
    if (!p || p->cProblem >= room)
        return;
    p->aProblem[p->cProblem].ulIndex = index;
    p->aProblem[p->cProblem].ulPropTag = tag;
    p->aProblem[p->cProblem].scode = sc;
    p->cProblem++;
}

HRESULT mapirt_propbag_SetProps(mapirt_propbag *bag, ULONG cValues, LPSPropValue lpPropArray,
                                LPSPropProblemArray *lppProblems)
{
    struct set_plan *plan;
    LPSPropProblemArray probs = NULL;
    ULONG nstore = 0, nprob = 0;
    const char *msg;
    HRESULT hr;

    if (lppProblems)
        *lppProblems = NULL;
    if (cValues == 0)
        return mapirt_propbag_fail(bag, MAPI_E_INVALID_PARAMETER, "SetProps: no values");
    for (ULONG i = 0; i < cValues; i++) {
        ULONG type = PROP_TYPE(lpPropArray[i].ulPropTag);
        if (type == PT_OBJECT)
            return mapirt_propbag_fail(bag, MAPI_E_INVALID_PARAMETER,
                                       "SetProps: PT_OBJECT properties cannot be set");
        /* Native: PR_NULL is a placeholder and skipped, PT_NULL with any other ID is refused. */
        if (type == PT_NULL && lpPropArray[i].ulPropTag != PR_NULL)
            return mapirt_propbag_fail(bag, MAPI_E_INVALID_PARAMETER,
                                       "SetProps: PT_NULL holds no value (only PR_NULL is skipped)");
        if (type_storable(type) && value_pointers_bad(&lpPropArray[i]))
            return mapirt_propbag_fail(bag, MAPI_E_INVALID_PARAMETER,
                                       "SetProps: malformed property value");
    }
    plan = mapirt_calloc(cValues, sizeof(*plan));
    if (!plan)
        return mapirt_propbag_fail(bag, MAPI_E_NOT_ENOUGH_MEMORY, "SetProps: out of memory");

    pthread_mutex_lock(&bag->mu);
    if (bag->readonly) {
        hr = MAPI_E_NO_ACCESS;
        msg = "SetProps: the object is read-only";
        goto fail;
    }
    for (ULONG i = 0; i < cValues; i++) {
        ULONG tag = lpPropArray[i].ulPropTag, type = PROP_TYPE(tag);
        struct prop_entry *e;
        /* The reference: PR_NULL and PT_ERROR values are skipped without a problem. */
        if (type == PT_NULL || type == PT_ERROR) {
            plan[i].action = SET_IGNORE;
        } else if (!type_storable(type) || PROP_ID(tag) == PROP_ID_NULL ||
                   PROP_ID(tag) == PROP_ID_INVALID) {
            plan[i].action = SET_PROBLEM;
            plan[i].problem = MAPI_E_INVALID_TYPE;
        } else if ((e = mapirt_propbag_find_live(bag, PROP_ID(tag))) && (e->access & IPROP_READONLY)) {
            plan[i].action = SET_PROBLEM;
            plan[i].problem = MAPI_E_NO_ACCESS;
        } else {
            plan[i].action = SET_STORE;
            nstore++;
        }
        if (plan[i].action == SET_PROBLEM)
            nprob++;
    }
    hr = reserve_locked(bag, nstore);
    if (FAILED(hr))
        goto oom;
    if (lppProblems && nprob) {
        hr = alloc_problems(bag, nprob, &probs);
        if (FAILED(hr))
            goto oom;
    }
    for (ULONG i = 0; i < cValues; i++) {
        if (plan[i].action != SET_STORE)
            continue;
        hr = dup_value(bag, &lpPropArray[i], &plan[i].copy);
        if (FAILED(hr))
            goto oom;
    }
    /* Commit: from here nothing can fail. A later value for the same ID wins. */
    for (ULONG i = 0; i < cValues; i++) {
        if (plan[i].action == SET_STORE) {
            struct prop_entry *e = mapirt_propbag_find_live(bag, PROP_ID(lpPropArray[i].ulPropTag));
            ULONG access = e ? (e->access & IPROP_ACCESS_MASK) : IPROP_READWRITE;
            store_locked(bag, lpPropArray[i].ulPropTag, plan[i].copy, access | IPROP_DIRTY);
            plan[i].copy = NULL;
        } else if (plan[i].action == SET_PROBLEM) {
            add_problem(probs, nprob, i, lpPropArray[i].ulPropTag, plan[i].problem);
        }
    }
    pthread_mutex_unlock(&bag->mu);
    free_plan(bag, plan, cValues);
    if (lppProblems)
        *lppProblems = probs;
    return S_OK;

oom:
    hr = MAPI_E_NOT_ENOUGH_MEMORY;
    msg = "SetProps: out of memory";
fail:
    pthread_mutex_unlock(&bag->mu);
    if (probs)
        bag->freebuf(probs);
    free_plan(bag, plan, cValues);
    return mapirt_propbag_fail(bag, hr, msg);
}

HRESULT mapirt_propbag_put(mapirt_propbag *bag, ULONG cValues, const SPropValue *lpProps,
                           ULONG ulAccess)
{
    LPSPropValue *copies;
    HRESULT hr = S_OK;

    if (!bag || (cValues && !lpProps))
        return MAPI_E_INVALID_PARAMETER;
    if (ulAccess != IPROP_READONLY && ulAccess != IPROP_READWRITE)
        return MAPI_E_INVALID_PARAMETER;
    for (ULONG i = 0; i < cValues; i++) {
        ULONG type = PROP_TYPE(lpProps[i].ulPropTag);
        if (type == PT_NULL || type == PT_ERROR)
            continue;
        if (!type_storable(type) || value_pointers_bad(&lpProps[i]))
            return MAPI_E_INVALID_PARAMETER;
    }
    if (cValues == 0)
        return S_OK;
    copies = mapirt_calloc(cValues, sizeof(*copies));
    if (!copies)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    pthread_mutex_lock(&bag->mu);
    hr = reserve_locked(bag, cValues);
    for (ULONG i = 0; i < cValues && SUCCEEDED(hr); i++) {
        ULONG type = PROP_TYPE(lpProps[i].ulPropTag);
        if (type != PT_NULL && type != PT_ERROR)
            hr = dup_value(bag, &lpProps[i], &copies[i]);
    }
    if (SUCCEEDED(hr)) {
        for (ULONG i = 0; i < cValues; i++) {
            if (!copies[i])
                continue;
            store_locked(bag, lpProps[i].ulPropTag, copies[i], ulAccess | IPROP_CLEAN);
            copies[i] = NULL;
        }
    }
    pthread_mutex_unlock(&bag->mu);
    for (ULONG i = 0; i < cValues; i++)
        if (copies[i])
            bag->freebuf(copies[i]);
    mapirt_free(copies);
    return hr;
}

void mapirt_propbag_remove(mapirt_propbag *bag, ULONG ulPropTag)
{
    int found;
    ULONG i;

    if (!bag)
        return;
    pthread_mutex_lock(&bag->mu);
    i = mapirt_propbag_find_locked(bag, PROP_ID(ulPropTag), &found);
    if (found) {
        if (bag->v[i].value)
            bag->freebuf(bag->v[i].value);
        memmove(&bag->v[i], &bag->v[i + 1], (bag->n - i - 1) * sizeof(bag->v[0]));
        bag->n--;
    }
    pthread_mutex_unlock(&bag->mu);
}

/* ---- DeleteProps ------------------------------------------------------------------- */

HRESULT mapirt_propbag_DeleteProps(mapirt_propbag *bag, LPSPropTagArray lpPropTagArray,
                                   LPSPropProblemArray *lppProblems)
{
    LPSPropProblemArray probs = NULL;
    ULONG nprob = 0;
    HRESULT hr;

    if (lppProblems)
        *lppProblems = NULL;
    if (lpPropTagArray->cValues == 0)
        return mapirt_propbag_fail(bag, MAPI_E_INVALID_PARAMETER, "DeleteProps: no tags");
    pthread_mutex_lock(&bag->mu);
    if (bag->readonly) {
        pthread_mutex_unlock(&bag->mu);
        return mapirt_propbag_fail(bag, MAPI_E_NO_ACCESS, "DeleteProps: the object is read-only");
    }
    /* Only read-only properties are problems: deleting a property that is not there (or is
     * named twice) is not one, as native MAPI has it. Read-only ones are never deleted, so this
     * count stays right while the loop below deletes. */
    for (ULONG i = 0; i < lpPropTagArray->cValues; i++) {
        struct prop_entry *e = mapirt_propbag_find_live(bag, PROP_ID(lpPropTagArray->aulPropTag[i]));
        if (e && (e->access & IPROP_READONLY))
            nprob++;
    }
    if (lppProblems && nprob) {
        hr = alloc_problems(bag, nprob, &probs);
        if (FAILED(hr)) {
            pthread_mutex_unlock(&bag->mu);
            return mapirt_propbag_fail(bag, hr, "DeleteProps: out of memory");
        }
    }
    for (ULONG i = 0; i < lpPropTagArray->cValues; i++) {
        ULONG tag = lpPropTagArray->aulPropTag[i];
        struct prop_entry *e = mapirt_propbag_find_live(bag, PROP_ID(tag));
        if (!e)
            continue;
        if (e->access & IPROP_READONLY)
            add_problem(probs, nprob, i, tag, MAPI_E_NO_ACCESS);
        else
            mapirt_propbag_tombstone_locked(bag, PROP_ID(tag));
    }
    pthread_mutex_unlock(&bag->mu);
    if (lppProblems)
        *lppProblems = probs;
    return S_OK;
}

/* ---- IPropData access -------------------------------------------------------------- */

HRESULT mapirt_propbag_HrSetObjAccess(mapirt_propbag *bag, ULONG ulAccess)
{
    /* The flags are ObjAccessFlags (validated): exactly one of them must be set. */
    if (ulAccess != IPROP_READONLY && ulAccess != IPROP_READWRITE)
        return mapirt_propbag_fail(bag, MAPI_E_INVALID_PARAMETER,
                                   "HrSetObjAccess: give IPROP_READONLY or IPROP_READWRITE");
    pthread_mutex_lock(&bag->mu);
    bag->readonly = ulAccess == IPROP_READONLY;
    pthread_mutex_unlock(&bag->mu);
    return S_OK;
}

/* An access word names one access level and one status (native refuses 0, a level alone and a
 * status alone with MAPI_E_INVALID_PARAMETER). */
static int access_word_bad(ULONG a)
{
    ULONG level = a & IPROP_ACCESS_MASK, status = a & IPROP_STATUS_MASK;
    return (level != IPROP_READONLY && level != IPROP_READWRITE) ||
           (status != IPROP_CLEAN && status != IPROP_DIRTY);
}

HRESULT mapirt_propbag_HrSetPropAccess(mapirt_propbag *bag, LPSPropTagArray lpPropTagArray,
                                       ULONG *rgulAccess)
{
    if (lpPropTagArray->cValues == 0)
        return mapirt_propbag_fail(bag, MAPI_E_INVALID_PARAMETER, "HrSetPropAccess: no tags");
    /* One PropAccessFlags word per tag: an array IDL's attributes cannot describe. */
    for (ULONG i = 0; i < lpPropTagArray->cValues; i++) {
        if (rgulAccess[i] & ~MAPIRT_FLAGSET_PropAccessFlags)
            return mapirt_propbag_fail(bag, MAPI_E_UNKNOWN_FLAGS,
                                       "HrSetPropAccess: unknown flags");
        if (access_word_bad(rgulAccess[i]))
            return mapirt_propbag_fail(bag, MAPI_E_INVALID_PARAMETER,
                                       "HrSetPropAccess: an access word names one level "
                                       "(IPROP_READONLY or IPROP_READWRITE) and one status "
                                       "(IPROP_CLEAN or IPROP_DIRTY)");
    }
    /* The object's own access does not apply: it is how its owner sets the access of each
     * property, and native MAPI allows it on a read-only object. */
    pthread_mutex_lock(&bag->mu);
    for (ULONG i = 0; i < lpPropTagArray->cValues; i++) {
        int found;
        ULONG k = mapirt_propbag_find_locked(bag, PROP_ID(lpPropTagArray->aulPropTag[i]), &found);
        ULONG a = rgulAccess[i];
        if (!found)
            continue; /* access is a property's attribute: nothing to attach it to */
        struct prop_entry *e = &bag->v[k];
        if (e->deleted) {
            /* Marking a deletion clean means it has been seen: forget it. */
            if (a & IPROP_CLEAN) {
                memmove(&bag->v[k], &bag->v[k + 1], (bag->n - k - 1) * sizeof(bag->v[0]));
                bag->n--;
            }
            continue;
        }
        e->access = a;
    }
    pthread_mutex_unlock(&bag->mu);
    return S_OK;
}

HRESULT mapirt_propbag_HrGetPropAccess(mapirt_propbag *bag, LPSPropTagArray *lppPropTagArray,
                                       ULONG **lprgulAccess)
{
    LPSPropTagArray tags;
    ULONG *access = NULL;
    ULONG count;

    *lprgulAccess = NULL;
    tags = *lppPropTagArray;
    if (tags && tags->cValues == 0)
        return mapirt_propbag_fail(bag, MAPI_E_INVALID_PARAMETER, "HrGetPropAccess: no tags");
    pthread_mutex_lock(&bag->mu);
    count = tags ? tags->cValues : bag->n;
    if (count > ULONG_LIMIT / sizeof(ULONG) ||
        FAILED(bag->alloc(count ? count * (ULONG)sizeof(ULONG) : 1, (LPVOID *)&access)) ||
        !access)
        goto oom;
    if (!tags) {
        if (FAILED(bag->alloc(CbNewSPropTagArray(count), (LPVOID *)&tags)) || !tags)
            goto oom;
        tags->cValues = count;
        for (ULONG i = 0; i < count; i++) {
            tags->aulPropTag[i] = bag->v[i].tag;
            access[i] = bag->v[i].access;
        }
    } else {
        for (ULONG i = 0; i < count; i++) {
            int found;
            ULONG k = mapirt_propbag_find_locked(bag, PROP_ID(tags->aulPropTag[i]), &found);
            if (!found || bag->v[k].deleted) {
                access[i] = found ? bag->v[k].access : 0;
                tags->aulPropTag[i] = 0;
            } else {
                access[i] = bag->v[k].access;
            }
        }
    }
    pthread_mutex_unlock(&bag->mu);
    *lppPropTagArray = tags;
    *lprgulAccess = access;
    return S_OK;
oom:
    pthread_mutex_unlock(&bag->mu);
    if (access)
        bag->freebuf(access);
    return mapirt_propbag_fail(bag, MAPI_E_NOT_ENOUGH_MEMORY, "HrGetPropAccess: out of memory");
}

HRESULT mapirt_propbag_HrAddObjProps(mapirt_propbag *bag, LPSPropTagArray lpPropTagArray,
                                     LPSPropProblemArray *lppProblems)
{
    LPSPropProblemArray probs = NULL;
    ULONG nprob = 0, nadd = 0;
    const char *msg;
    HRESULT hr;

    if (lppProblems)
        *lppProblems = NULL;
    if (lpPropTagArray->cValues == 0)
        return mapirt_propbag_fail(bag, MAPI_E_INVALID_PARAMETER, "HrAddObjProps: no tags");
    for (ULONG i = 0; i < lpPropTagArray->cValues; i++)
        if (PROP_TYPE(lpPropTagArray->aulPropTag[i]) != PT_OBJECT)
            return mapirt_propbag_fail(bag, MAPI_E_INVALID_TYPE,
                                       "HrAddObjProps: only PT_OBJECT properties");
    pthread_mutex_lock(&bag->mu);
    if (bag->readonly) {
        hr = MAPI_E_NO_ACCESS;
        msg = "HrAddObjProps: the object is read-only";
        goto fail;
    }
    for (ULONG i = 0; i < lpPropTagArray->cValues; i++) {
        struct prop_entry *e = mapirt_propbag_find_live(bag, PROP_ID(lpPropTagArray->aulPropTag[i]));
        if (e && (e->access & IPROP_READONLY))
            nprob++;
        else
            nadd++;
    }
    hr = reserve_locked(bag, nadd);
    if (SUCCEEDED(hr) && lppProblems && nprob)
        hr = alloc_problems(bag, nprob, &probs);
    if (FAILED(hr)) {
        msg = "HrAddObjProps: out of memory";
        goto fail;
    }
    for (ULONG i = 0; i < lpPropTagArray->cValues; i++) {
        ULONG tag = lpPropTagArray->aulPropTag[i];
        struct prop_entry *e = mapirt_propbag_find_live(bag, PROP_ID(tag));
        if (e && (e->access & IPROP_READONLY))
            add_problem(probs, nprob, i, tag, MAPI_E_NO_ACCESS);
        else if (!e || PROP_TYPE(e->tag) != PT_OBJECT)
            store_locked(bag, tag, NULL, IPROP_READWRITE | IPROP_DIRTY);
    }
    pthread_mutex_unlock(&bag->mu);
    if (lppProblems)
        *lppProblems = probs;
    return nprob ? MAPI_W_PARTIAL_COMPLETION : S_OK;
fail:
    pthread_mutex_unlock(&bag->mu);
    return mapirt_propbag_fail(bag, hr, msg);
}
