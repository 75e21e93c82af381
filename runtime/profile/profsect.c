/* runtime/profile/profsect.c: IProfSect (profsect.idl) over the property bag and the store.
 *
 * The bag holds the section as it was read at open, plus the object's own changes: a change
 * saved elsewhere afterwards is seen by sections opened afterwards (docs/decisions.md, "Live
 * profiles"). SetProps and DeleteProps apply to the bag (which checks access and reports
 * problems) and then commit what it accepted to the store in one transaction; when the commit
 * fails the bag is put back as it was and the store's code is returned, so the object never
 * shows a change the store does not hold. Secure properties (PROP_ID_SECURE_MIN..MAX) are left
 * out of GetProps(NULL) and GetPropList and given when asked for by tag. Named-property IDs
 * (0x8000 and above) cannot be set: each is a problem (MAPI_E_UNEXPECTED_ID). */
#include <stdio.h>
#include <string.h>

#include <mapicode.h>
#include <mapitags.h>
#include <mapiutil.h>
#include <mapix.h>

#include <mapirt/alloc.h>
#include <mapirt/propstore.h>

#include "profsect.h"
#include "seclock.h"

struct profsect {
    mapirt_propbag *bag;
    mapirt_profstore *ps;
    mapirt_profile_id id;
    MAPIUID uid;
    mapirt_seclock *lock;
};

#include "profsect_object.h"

static void profsect_destroy(struct profsect *self)
{
    mapirt_propbag_destroy(self->bag);
    mapirt_seclock_drop(self->lock);
    if (self->ps)
        mapirt_profstore_release(self->ps);
}

static int computed(ULONG tag)
{
    return PROP_ID(tag) == PROP_ID(PR_PROFILE_NAME) || PROP_ID(tag) == PROP_ID(PR_OBJECT_TYPE);
}

/* ---- reading: secure properties only when asked for ---- */

static HRESULT public_tags(struct profsect *self, ULONG ulFlags, LPSPropTagArray *out)
{
    LPSPropTagArray all;
    HRESULT hr = mapirt_propbag_GetPropList(self->bag, ulFlags, &all);
    if (FAILED(hr))
        return hr;
    ULONG k = 0;
    for (ULONG i = 0; i < all->cValues; i++)
        if (!MAPIRT_PROP_IS_SECURE((&all->aulPropTag[0])[i]))
            (&all->aulPropTag[0])[k++] = (&all->aulPropTag[0])[i];
    all->cValues = k;
    *out = all;
    return S_OK;
}

static HRESULT profsect_GetPropList(struct profsect *self, ULONG ulFlags,
                                    LPSPropTagArray *lppPropTagArray)
{
    return public_tags(self, ulFlags, lppPropTagArray);
}

static HRESULT profsect_GetProps(struct profsect *self, LPSPropTagArray lpPropTagArray,
                                 ULONG ulFlags, ULONG *lpcValues, LPSPropValue *lppPropArray)
{
    if (lpPropTagArray)
        return mapirt_propbag_GetProps(self->bag, lpPropTagArray, ulFlags, lpcValues,
                                       lppPropArray);
    LPSPropTagArray tags;
    HRESULT hr = public_tags(self, ulFlags, &tags);
    if (FAILED(hr))
        return hr;
    if (tags->cValues == 0) {
        MAPIFreeBuffer(tags);
        /* an empty tag array is refused: ask the bag for everything (there is nothing secure
         * left out in that case only when the section is empty of public properties) */
        *lpcValues = 0;
        return MAPIAllocateBuffer(sizeof(SPropValue), (void **)lppPropArray) == S_OK
                   ? S_OK
                   : MAPI_E_NOT_ENOUGH_MEMORY;
    }
    hr = mapirt_propbag_GetProps(self->bag, tags, ulFlags, lpcValues, lppPropArray);
    MAPIFreeBuffer(tags);
    return hr;
}

/* ---- writing: the bag, then the store ---- */

/* The bag's values for these tags before a change (PT_ERROR where absent). */
static HRESULT snapshot(struct profsect *self, LPSPropTagArray tags, ULONG *n, LPSPropValue *v)
{
    return mapirt_propbag_GetProps(self->bag, tags, 0, n, v) == MAPI_E_NOT_ENOUGH_MEMORY
               ? MAPI_E_NOT_ENOUGH_MEMORY
               : S_OK;
}

static void restore(struct profsect *self, ULONG n, LPSPropValue before)
{
    for (ULONG i = 0; i < n; i++) {
        if (PROP_TYPE(before[i].ulPropTag) == PT_ERROR)
            mapirt_propbag_remove(self->bag, before[i].ulPropTag);
        else
            mapirt_propbag_put(self->bag, 1, &before[i], IPROP_READWRITE);
    }
}

static int in_problems(const LPSPropProblemArray p, ULONG index)
{
    for (ULONG i = 0; p && i < p->cProblem; i++)
        if ((&p->aProblem[0])[i].ulIndex == index)
            return 1;
    return 0;
}

/* Adds a problem for every named-property ID to the bag's array. */
static HRESULT named_problems(ULONG cValues, const SPropValue *v, LPSPropProblemArray *pp)
{
    ULONG named = 0, have = *pp ? (*pp)->cProblem : 0;
    for (ULONG i = 0; i < cValues; i++)
        named += PROP_ID(v[i].ulPropTag) >= 0x8000;
    if (!named)
        return S_OK;
    LPSPropProblemArray p;
    if (MAPIAllocateBuffer(CbNewSPropProblemArray(have + named), (void **)&p) != S_OK)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    p->cProblem = 0;
    for (ULONG i = 0; i < have; i++)
        (&p->aProblem[0])[p->cProblem++] = (&(*pp)->aProblem[0])[i];
    for (ULONG i = 0; i < cValues; i++)
        if (PROP_ID(v[i].ulPropTag) >= 0x8000) {
            SPropProblem *q = &(&p->aProblem[0])[p->cProblem++];
            q->ulIndex = i;
            q->ulPropTag = v[i].ulPropTag;
            q->scode = MAPI_E_UNEXPECTED_ID;
        }
    MAPIFreeBuffer(*pp);
    *pp = p;
    return S_OK;
}

struct write_ctx {
    struct profsect *self;
    ULONG n;
    const SPropValue *values;
    const SPropTagArray *tags;
};

static HRESULT write_values(mapirt_ps_tx *tx, void *p)
{
    struct write_ctx *c = p;
    return mapirt_ps_props_set(tx, c->self->id, &c->self->uid, c->n, c->values);
}

static HRESULT write_deletes(mapirt_ps_tx *tx, void *p)
{
    struct write_ctx *c = p;
    return mapirt_ps_props_delete(tx, c->self->id, &c->self->uid, c->tags, NULL);
}

static HRESULT profsect_SetProps(struct profsect *self, ULONG cValues, LPSPropValue lpPropArray,
                                 LPSPropProblemArray *lppProblems)
{
    if (!mapirt_propbag_writable(self->bag))
        return mapirt_propbag_SetProps(self->bag, cValues, lpPropArray, lppProblems);
    /* named IDs and values the store cannot hold become PR_NULL for the bag (skipped) */
    SPropValue *v = mapirt_calloc(cValues ? cValues : 1, sizeof *v);
    LPSPropTagArray tags = mapirt_calloc(1, CbNewSPropTagArray(cValues ? cValues : 1));
    if (!v || !tags) {
        mapirt_free(v);
        mapirt_free(tags);
        return profsect_fail(self, MAPI_E_NOT_ENOUGH_MEMORY, "out of memory");
    }
    for (ULONG i = 0; i < cValues; i++) {
        v[i] = lpPropArray[i];
        if (PROP_ID(v[i].ulPropTag) >= 0x8000) {
            v[i].ulPropTag = PR_NULL;
        }
        (&tags->aulPropTag[0])[i] = PROP_TAG(PT_UNSPECIFIED, PROP_ID(v[i].ulPropTag));
    }
    tags->cValues = cValues;
    ULONG nb = 0;
    LPSPropValue before = NULL;
    LPSPropProblemArray problems = NULL;
    HRESULT hr = snapshot(self, tags, &nb, &before);
    if (SUCCEEDED(hr))
        hr = mapirt_propbag_SetProps(self->bag, cValues, v, &problems);
    if (SUCCEEDED(hr)) {
        /* what the bag accepted goes to the store, in one transaction */
        ULONG k = 0;
        for (ULONG i = 0; i < cValues; i++) {
            ULONG t = PROP_TYPE(v[i].ulPropTag);
            if (v[i].ulPropTag == PR_NULL || in_problems(problems, i) || computed(v[i].ulPropTag) ||
                t == PT_ERROR || t == PT_NULL || t == PT_OBJECT)
                continue;
            v[k++] = v[i];
        }
        char err[512] = "";
        struct write_ctx c = {self, k, v, NULL};
        if (k)
            hr = mapirt_profstore_write(self->ps, write_values, &c, err, sizeof err);
        if (FAILED(hr)) {
            restore(self, nb, before);
            mapirt_lasterror_setf(profsect_lasterror(self), hr, 0, 0, "%s", err);
        }
    }
    if (SUCCEEDED(hr) && FAILED(hr = named_problems(cValues, lpPropArray, &problems)))
        restore(self, nb, before);
    MAPIFreeBuffer(before);
    mapirt_free(v);
    mapirt_free(tags);
    if (FAILED(hr)) {
        MAPIFreeBuffer(problems);
        return hr;
    }
    if (lppProblems)
        *lppProblems = problems;
    else
        MAPIFreeBuffer(problems);
    return S_OK;
}

static HRESULT profsect_DeleteProps(struct profsect *self, LPSPropTagArray lpPropTagArray,
                                    LPSPropProblemArray *lppProblems)
{
    if (!mapirt_propbag_writable(self->bag))
        return mapirt_propbag_DeleteProps(self->bag, lpPropTagArray, lppProblems);
    ULONG nb = 0;
    LPSPropValue before = NULL;
    LPSPropProblemArray problems = NULL;
    HRESULT hr = snapshot(self, lpPropTagArray, &nb, &before);
    if (SUCCEEDED(hr))
        hr = mapirt_propbag_DeleteProps(self->bag, lpPropTagArray, &problems);
    if (SUCCEEDED(hr)) {
        LPSPropTagArray del = mapirt_calloc(1, CbNewSPropTagArray(lpPropTagArray->cValues + 1));
        if (!del)
            hr = MAPI_E_NOT_ENOUGH_MEMORY;
        else {
            for (ULONG i = 0; i < lpPropTagArray->cValues; i++) {
                ULONG tag = (&lpPropTagArray->aulPropTag[0])[i];
                if (!in_problems(problems, i) && !computed(tag) && PROP_ID(tag) < 0x8000)
                    (&del->aulPropTag[0])[del->cValues++] = tag;
            }
            char err[512] = "";
            struct write_ctx c = {self, 0, NULL, del};
            if (del->cValues)
                hr = mapirt_profstore_write(self->ps, write_deletes, &c, err, sizeof err);
            if (FAILED(hr))
                mapirt_lasterror_setf(profsect_lasterror(self), hr, 0, 0, "%s", err);
            mapirt_free(del);
        }
        if (FAILED(hr))
            restore(self, nb, before);
    }
    MAPIFreeBuffer(before);
    if (FAILED(hr)) {
        MAPIFreeBuffer(problems);
        return hr;
    }
    if (lppProblems)
        *lppProblems = problems;
    else
        MAPIFreeBuffer(problems);
    return S_OK;
}

/* ---- opening ---- */

struct open_ctx {
    mapirt_profile_id id;
    const MAPIUID *uid;
    int create;
    ULONG n;
    LPSPropValue props;
    mapirt_profile_info info;
};

static HRESULT read_section(mapirt_ps_tx *tx, void *p)
{
    struct open_ctx *c = p;
    HRESULT hr = mapirt_ps_profile_get(tx, c->id, &c->info);
    if (SUCCEEDED(hr) && c->create)
        hr = mapirt_ps_section_create(tx, c->id, c->uid);
    if (SUCCEEDED(hr))
        hr = mapirt_ps_props_get(tx, c->id, c->uid, &c->n, &c->props);
    return hr;
}

HRESULT mapirt_profsect_open(mapirt_profstore *ps, mapirt_profile_id id, const MAPIUID *uid,
                             ULONG ulFlags, LPPROFSECT *out, char *err, size_t cberr)
{
    int write = (ulFlags & MAPI_MODIFY) != 0;
    struct profsect *s = profsect_new();
    HRESULT hr;
    if (!s)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    mapirt_profstore_addref(ps);
    s->ps = ps;
    s->id = id;
    s->uid = *uid;
    if (FAILED(hr = mapirt_seclock_take(mapirt_profstore_path(ps), id, uid, write,
                                        (ulFlags & MAPI_FORCE_ACCESS) != 0, &s->lock))) {
        if (hr == MAPI_E_NO_ACCESS && err && cberr)
            snprintf(err, cberr, "the profile section is open %s elsewhere",
                     write ? "" : "for writing");
        profsect_release(s);
        return hr;
    }
    struct open_ctx c = {id, uid, write, 0, NULL, {0}};
    hr = write ? mapirt_profstore_write(ps, read_section, &c, err, cberr)
               : mapirt_profstore_read(ps, read_section, &c, err, cberr);
    if (SUCCEEDED(hr))
        hr = mapirt_propbag_create(NULL, NULL, NULL, NULL, &s->bag);
    if (SUCCEEDED(hr)) {
        mapirt_propbag_attach(s->bag, profsect_as_IUnknown(s), profsect_lasterror(s));
        SPropValue fixed[2];
        memset(fixed, 0, sizeof fixed);
        fixed[0].ulPropTag = PR_PROFILE_NAME_A;
        fixed[0].Value.lpszA = c.info.name;
        fixed[1].ulPropTag = PR_OBJECT_TYPE;
        fixed[1].Value.l = MAPI_PROFSECT;
        hr = mapirt_propbag_put(s->bag, c.n, c.props, IPROP_READWRITE);
        if (SUCCEEDED(hr))
            hr = mapirt_propbag_put(s->bag, 2, fixed, IPROP_READONLY);
        if (SUCCEEDED(hr) && !write)
            hr = mapirt_propbag_HrSetObjAccess(s->bag, IPROP_READONLY);
    }
    MAPIFreeBuffer(c.props);
    if (FAILED(hr)) {
        profsect_release(s);
        return hr;
    }
    *out = profsect_as_IProfSect(s);
    return S_OK;
}
