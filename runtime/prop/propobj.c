/* runtime/prop/propobj.c: the IMAPIProp methods of a property bag that are not plain storage:
 * SaveChanges, OpenProperty, CopyTo, CopyProps and the named-property methods. */
#include <stdint.h>
#include <string.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapiguid.h>
#include <mapiutil.h>
#include <mapix.h>

#include <mapirt/alloc.h>
#include <mapirt/mapidefs_impl.h>
#include <mapirt/proxy.h>
#include "propstore_internal.h"

#define ULONG_LIMIT 0xFFFFFFFFu

/* ---- SaveChanges, OpenProperty ----------------------------------------------------- */

HRESULT mapirt_propbag_SaveChanges(mapirt_propbag *bag, ULONG ulFlags)
{
    /* IMAPIProp documents these for messages only; this is no message. */
    if (ulFlags & MAPIRT_FLAGSET_MessageSaveFlags)
        return mapirt_propbag_fail(bag, MAPI_E_UNKNOWN_FLAGS,
                                   "SaveChanges: SPAMFILTER_ONSAVE, ITEMPROC_FORCE and "
                                   "NON_EMS_XP_SAVE apply to messages only");
    /* Not transacted: every change is already in effect. */
    return S_OK;
}

HRESULT mapirt_propbag_OpenProperty(mapirt_propbag *bag, ULONG ulPropTag, LPCIID lpiid,
                                    ULONG ulInterfaceOptions, ULONG ulFlags, LPUNKNOWN *lppUnk)
{
    int found;
    ULONG i;

    (void)ulInterfaceOptions;
    (void)lpiid;
    *lppUnk = NULL;
    if (PROP_TYPE(ulPropTag) == PT_UNSPECIFIED)
        return mapirt_propbag_fail(bag, MAPI_E_INVALID_PARAMETER,
                                   "OpenProperty: a typed tag is required");
    pthread_mutex_lock(&bag->mu);
    int readonly = bag->readonly;
    i = mapirt_propbag_find_locked(bag, PROP_ID(ulPropTag), &found);
    found = found && !bag->v[i].deleted;
    pthread_mutex_unlock(&bag->mu);
    if ((ulFlags & (MAPI_CREATE | MAPI_MODIFY)) && readonly)
        return mapirt_propbag_fail(bag, MAPI_E_NO_ACCESS, "OpenProperty: the object is read-only");
    if (!found && !(ulFlags & MAPI_CREATE))
        return mapirt_propbag_fail(bag, MAPI_E_NOT_FOUND, "OpenProperty: no such property");
    return mapirt_propbag_fail(bag, MAPI_E_NO_SUPPORT,
                               "OpenProperty: properties are not available as objects");
}

/* ---- CopyTo, CopyProps ------------------------------------------------------------- */

/* Whether a and b are one object; a proxy (<mapirt/proxy.h>) counts as the object it wraps. */
static int same_object(LPUNKNOWN a, LPUNKNOWN b)
{
    LPUNKNOWN ua = NULL, ub = NULL;
    int same;

    if (a == b)
        return 1;
    if (FAILED(a->lpVtbl->QueryInterface(a, &IID_IUnknown, (void **)&ua)))
        ua = NULL;
    if (FAILED(b->lpVtbl->QueryInterface(b, &IID_IUnknown, (void **)&ub)))
        ub = NULL;
    same = ua && ub && mapirt_proxy_inner(ua) == mapirt_proxy_inner(ub);
    if (ua)
        ua->lpVtbl->Release(ua);
    if (ub)
        ub->lpVtbl->Release(ub);
    return same;
}

/* The destination's IMAPIProp, reached through the interface the caller named. */
static HRESULT resolve_dest(LPUNKNOWN self, LPCIID lpInterface, LPVOID lpDestObj,
                            LPMAPIPROP *out)
{
    LPUNKNOWN dest = lpDestObj, typed = NULL;
    LPMAPIPROP prop = NULL;
    HRESULT hr;

    *out = NULL;
    hr = dest->lpVtbl->QueryInterface(dest, lpInterface, (void **)&typed);
    if (FAILED(hr) || !typed)
        return MAPI_E_INTERFACE_NOT_SUPPORTED;
    hr = typed->lpVtbl->QueryInterface(typed, &IID_IMAPIProp, (void **)&prop);
    typed->lpVtbl->Release(typed);
    if (FAILED(hr) || !prop)
        return MAPI_E_INTERFACE_NOT_SUPPORTED;
    if (self && same_object(self, (LPUNKNOWN)prop)) {
        prop->lpVtbl->Release(prop);
        return MAPI_E_NO_ACCESS;
    }
    *out = prop;
    return S_OK;
}

static int tag_listed(LPSPropTagArray list, ULONG tag)
{
    if (!list)
        return 0;
    for (ULONG i = 0; i < list->cValues; i++)
        if (PROP_ID(list->aulPropTag[i]) == PROP_ID(tag))
            return 1;
    return 0;
}

/* CopyProps when include is set, CopyTo (with its exclusions) otherwise. */
static HRESULT copy_common(mapirt_propbag *bag, LPUNKNOWN self, LPSPropTagArray include,
                           LPSPropTagArray exclude, LPCIID lpInterface, LPVOID lpDestObj,
                           ULONG ulFlags, LPSPropProblemArray *lppProblems)
{
    LPMAPIPROP dest = NULL;
    LPSPropValue snap = NULL, send = NULL;
    ULONG nsnap = 0, nsend = 0, *origin = NULL;
    LPSPropTagArray existing = NULL;
    LPSPropProblemArray merged = NULL, dprob = NULL;
    HRESULT hr;
    int errors;

    if (lppProblems)
        *lppProblems = NULL;
    if ((ulFlags & MAPI_MOVE) && !mapirt_propbag_writable(bag))
        return mapirt_propbag_fail(bag, MAPI_E_NO_ACCESS,
                                   "copy: cannot move from a read-only object");
    hr = resolve_dest(self, lpInterface, lpDestObj, &dest);
    if (FAILED(hr))
        return mapirt_propbag_fail(bag, hr, hr == MAPI_E_NO_ACCESS
                                                ? "copy: source and destination are the same"
                                                : "copy: destination lacks the interface");

    pthread_mutex_lock(&bag->mu);
    hr = mapirt_propbag_values_locked(bag, include, 0, 1, &nsnap, &snap, &errors);
    pthread_mutex_unlock(&bag->mu);
    if (FAILED(hr))
        goto out;

    if (ulFlags & MAPI_NOREPLACE) {
        hr = dest->lpVtbl->GetPropList(dest, 0, &existing);
        if (FAILED(hr))
            goto out;
    }
    if (nsnap) {
        send = mapirt_calloc(nsnap, sizeof(*send));
        origin = mapirt_calloc(nsnap, sizeof(*origin));
        if (!send || !origin) {
            hr = MAPI_E_NOT_ENOUGH_MEMORY;
            goto out;
        }
    }
    /* Problems: ours (missing properties) plus at most one per value sent, allocated before
     * the destination changes so that running out of memory cannot follow a partial copy. */
    if (lppProblems && nsnap) {
        if (FAILED(bag->alloc(CbNewSPropProblemArray(2 * nsnap), (LPVOID *)&merged)) ||
            !merged) {
            hr = MAPI_E_NOT_ENOUGH_MEMORY;
            goto out;
        }
        merged->cProblem = 0;
    }
    for (ULONG i = 0; i < nsnap; i++) {
        ULONG tag = snap[i].ulPropTag;
        if (PROP_TYPE(tag) == PT_ERROR) {
            if (merged) {
                merged->aProblem[merged->cProblem].ulIndex = i;
                merged->aProblem[merged->cProblem].ulPropTag = include->aulPropTag[i];
                merged->aProblem[merged->cProblem].scode = snap[i].Value.err;
                merged->cProblem++;
            }
            continue;
        }
        if (tag_listed(exclude, tag) || tag_listed(existing, tag))
            continue;
        send[nsend] = snap[i];
        origin[nsend] = i;
        nsend++;
    }
    if (nsend) {
        /* Problems are always requested: a move must keep what the destination refused. */
        hr = dest->lpVtbl->SetProps(dest, nsend, send, &dprob);
        if (FAILED(hr))
            goto out;
    }
    if (dprob && merged) {
        /* A destination reporting more problems than values sent is not trusted further. */
        for (ULONG k = 0; k < dprob->cProblem && merged->cProblem < 2 * nsnap; k++) {
            SPropProblem p = dprob->aProblem[k];
            if (p.ulIndex < nsend)
                p.ulIndex = origin[p.ulIndex];
            merged->aProblem[merged->cProblem++] = p;
        }
    }
    if (ulFlags & MAPI_MOVE) {
        pthread_mutex_lock(&bag->mu);
        for (ULONG j = 0; j < nsend; j++) {
            int failed = 0, found;
            for (ULONG k = 0; dprob && k < dprob->cProblem; k++)
                if (dprob->aProblem[k].ulIndex == j)
                    failed = 1;
            ULONG at = mapirt_propbag_find_locked(bag, PROP_ID(send[j].ulPropTag), &found);
            /* Read-only properties stay: moving must not bypass their protection. */
            if (!failed && found && !(bag->v[at].access & IPROP_READONLY))
                mapirt_propbag_tombstone_locked(bag, PROP_ID(send[j].ulPropTag));
        }
        pthread_mutex_unlock(&bag->mu);
    }
    if (merged && merged->cProblem == 0) {
        bag->freebuf(merged);
        merged = NULL;
    }
    if (lppProblems) {
        *lppProblems = merged;
        merged = NULL;
    }
    hr = S_OK;
out:
    if (FAILED(hr))
        mapirt_propbag_fail(bag, hr, hr == MAPI_E_NOT_ENOUGH_MEMORY
                                         ? "copy: out of memory"
                                         : "copy: the destination refused the properties");
    if (merged)
        bag->freebuf(merged);
    MAPIFreeBuffer(dprob);
    MAPIFreeBuffer(existing);
    mapirt_free(send);
    mapirt_free(origin);
    if (snap)
        bag->freebuf(snap);
    dest->lpVtbl->Release(dest);
    return hr;
}

static int has_pr_null(LPSPropTagArray tags)
{
    for (ULONG i = 0; i < tags->cValues; i++)
        if (tags->aulPropTag[i] == PR_NULL)
            return 1;
    return 0;
}

HRESULT mapirt_propbag_CopyTo(mapirt_propbag *bag, ULONG ciidExclude, LPCIID rgiidExclude,
                              LPSPropTagArray lpExcludeProps, ULONG_PTR ulUIParam,
                              LPMAPIPROGRESS lpProgress, LPCIID lpInterface, LPVOID lpDestObj,
                              ULONG ulFlags, LPSPropProblemArray *lppProblems)
{
    (void)ulUIParam;
    (void)lpProgress;
    if (lppProblems)
        *lppProblems = NULL;
    if (lpExcludeProps && (lpExcludeProps->cValues == 0 || has_pr_null(lpExcludeProps)))
        return mapirt_propbag_fail(bag, MAPI_E_INVALID_PARAMETER, "CopyTo: bad exclusions");
    /* Every property of a bag belongs to IMAPIProp: excluding it (or IUnknown) excludes all
     * the interfaces the object knows. */
    for (ULONG i = 0; i < ciidExclude; i++)
        if (!memcmp(&rgiidExclude[i], &IID_IMAPIProp, sizeof(IID)) ||
            !memcmp(&rgiidExclude[i], &IID_IUnknown, sizeof(IID)))
            return mapirt_propbag_fail(bag, MAPI_E_INTERFACE_NOT_SUPPORTED,
                                       "CopyTo: every interface is excluded");
    return copy_common(bag, bag->owner, NULL, lpExcludeProps, lpInterface, lpDestObj, ulFlags,
                       lppProblems);
}

HRESULT mapirt_propbag_CopyProps(mapirt_propbag *bag, LPSPropTagArray lpIncludeProps,
                                 ULONG_PTR ulUIParam, LPMAPIPROGRESS lpProgress,
                                 LPCIID lpInterface, LPVOID lpDestObj, ULONG ulFlags,
                                 LPSPropProblemArray *lppProblems)
{
    (void)ulUIParam;
    (void)lpProgress;
    if (lppProblems)
        *lppProblems = NULL;
    if (lpIncludeProps->cValues == 0 || has_pr_null(lpIncludeProps))
        return mapirt_propbag_fail(bag, MAPI_E_INVALID_PARAMETER, "CopyProps: bad tag array");
    return copy_common(bag, bag->owner, lpIncludeProps, NULL, lpInterface, lpDestObj, ulFlags,
                       lppProblems);
}

/* ---- named properties: none ------------------------------------------------------------ */

HRESULT mapirt_propbag_GetNamesFromIDs(mapirt_propbag *bag, LPSPropTagArray *lppPropTags,
                                       LPGUID lpPropSetGuid, ULONG ulFlags,
                                       ULONG *lpcPropNames, LPMAPINAMEID **lpppPropNames)
{
    (void)lppPropTags, (void)lpPropSetGuid, (void)ulFlags, (void)lpcPropNames,
        (void)lpppPropNames;
    return mapirt_propbag_fail(bag, MAPI_E_NO_SUPPORT,
                               "GetNamesFromIDs: the object has no named properties");
}

HRESULT mapirt_propbag_GetIDsFromNames(mapirt_propbag *bag, ULONG cPropNames,
                                       LPMAPINAMEID *lppPropNames, ULONG ulFlags,
                                       LPSPropTagArray *lppPropTags)
{
    (void)cPropNames, (void)lppPropNames, (void)ulFlags, (void)lppPropTags;
    return mapirt_propbag_fail(bag, MAPI_E_NO_SUPPORT,
                               "GetIDsFromNames: the object has no named properties");
}
