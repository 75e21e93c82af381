/* runtime/prop/propobj.c: the IMAPIProp methods of a property bag that are not plain storage:
 * GetLastError, SaveChanges, OpenProperty, CopyTo and CopyProps. */
#include <stdint.h>
#include <string.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapiguid.h>
#include <mapiutil.h>
#include <mapix.h>

#include <mapirt/alloc.h>
#include "propstore_internal.h"

#define ULONG_LIMIT 0xFFFFFFFFu

/* ---- GetLastError ------------------------------------------------------------------ */

/* The recorded texts are ASCII, so widening is a plain copy. */
static HRESULT dup_text(mapirt_propbag *bag, const char *s, int wide, LPVOID parent,
                        LPTSTR *out)
{
    size_t n = strlen(s) + 1;
    void *dst = NULL;

    if (FAILED(bag->more((ULONG)(wide ? n * sizeof(WCHAR) : n), parent, &dst)) || !dst)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    if (wide) {
        WCHAR *w = dst;
        for (size_t i = 0; i < n; i++)
            w[i] = (WCHAR)(unsigned char)s[i];
    } else {
        memcpy(dst, s, n);
    }
    *out = dst;
    return S_OK;
}

HRESULT mapirt_propbag_get_last_error(mapirt_propbag *bag, HRESULT hResult, ULONG ulFlags,
                                      LPMAPIERROR *lppMAPIError)
{
    LPMAPIERROR err = NULL;
    const char *msg;
    HRESULT last;
    int wide = (ulFlags & MAPI_UNICODE) != 0;

    if (!bag || !lppMAPIError)
        return MAPI_E_INVALID_PARAMETER;
    *lppMAPIError = NULL;
    if (ulFlags & ~MAPI_UNICODE)
        return MAPI_E_UNKNOWN_FLAGS;
    pthread_mutex_lock(&bag->mu);
    last = bag->last_hr;
    msg = bag->last_msg;
    pthread_mutex_unlock(&bag->mu);
    /* Nothing recorded for this code: S_OK with no structure, as the reference allows. */
    if (!msg || last != hResult)
        return S_OK;
    if (FAILED(bag->alloc(sizeof(MAPIERROR), (LPVOID *)&err)) || !err)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    memset(err, 0, sizeof(*err));
    err->ulVersion = MAPI_ERROR_VERSION;
    if (FAILED(dup_text(bag, msg, wide, err, &err->lpszError)) ||
        FAILED(dup_text(bag, bag->component, wide, err, &err->lpszComponent))) {
        bag->freebuf(err);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    *lppMAPIError = err;
    return S_OK;
}

/* ---- SaveChanges, OpenProperty ----------------------------------------------------- */

HRESULT mapirt_propbag_save_changes(mapirt_propbag *bag, ULONG ulFlags)
{
    if (!bag)
        return MAPI_E_INVALID_PARAMETER;
    if (ulFlags & ~(KEEP_OPEN_READONLY | KEEP_OPEN_READWRITE | FORCE_SAVE | MAPI_DEFERRED_ERRORS))
        return mapirt_propbag_fail(bag, MAPI_E_UNKNOWN_FLAGS, "SaveChanges: unknown flags");
    /* Not transacted: every change is already in effect. */
    return S_OK;
}

HRESULT mapirt_propbag_open_property(mapirt_propbag *bag, ULONG ulPropTag, LPCIID lpiid,
                                     ULONG ulInterfaceOptions, ULONG ulFlags, LPUNKNOWN *lppUnk)
{
    int found;
    ULONG i;

    (void)ulInterfaceOptions;
    if (!bag || !lppUnk)
        return MAPI_E_INVALID_PARAMETER;
    *lppUnk = NULL;
    if (!lpiid || PROP_TYPE(ulPropTag) == PT_UNSPECIFIED)
        return mapirt_propbag_fail(bag, MAPI_E_INVALID_PARAMETER,
                                   "OpenProperty: an interface and a typed tag are required");
    if (ulFlags & ~(MAPI_CREATE | MAPI_MODIFY | MAPI_DEFERRED_ERRORS))
        return mapirt_propbag_fail(bag, MAPI_E_UNKNOWN_FLAGS, "OpenProperty: unknown flags");
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

#define COPY_FLAGS (MAPI_MOVE | MAPI_NOREPLACE | MAPI_DIALOG | MAPI_DECLINE_OK)

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
    same = ua && ua == ub;
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
    if (ulFlags & ~COPY_FLAGS)
        return mapirt_propbag_fail(bag, MAPI_E_UNKNOWN_FLAGS, "copy: unknown flags");
    if (!lpInterface || !lpDestObj)
        return mapirt_propbag_fail(bag, MAPI_E_INVALID_PARAMETER,
                                   "copy: destination and its interface are required");
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

HRESULT mapirt_propbag_copy_to(mapirt_propbag *bag, LPUNKNOWN self, ULONG ciidExclude,
                               LPCIID rgiidExclude, LPSPropTagArray lpExcludeProps,
                               ULONG_PTR ulUIParam, LPMAPIPROGRESS lpProgress,
                               LPCIID lpInterface, LPVOID lpDestObj, ULONG ulFlags,
                               LPSPropProblemArray *lppProblems)
{
    (void)ulUIParam;
    (void)lpProgress;
    if (!bag)
        return MAPI_E_INVALID_PARAMETER;
    if (lppProblems)
        *lppProblems = NULL;
    if ((ciidExclude && !rgiidExclude) ||
        (lpExcludeProps && (lpExcludeProps->cValues == 0 || has_pr_null(lpExcludeProps))))
        return mapirt_propbag_fail(bag, MAPI_E_INVALID_PARAMETER, "CopyTo: bad exclusions");
    /* Every property of a bag belongs to IMAPIProp: excluding it (or IUnknown) excludes all
     * the interfaces the object knows. */
    for (ULONG i = 0; i < ciidExclude; i++)
        if (!memcmp(&rgiidExclude[i], &IID_IMAPIProp, sizeof(IID)) ||
            !memcmp(&rgiidExclude[i], &IID_IUnknown, sizeof(IID)))
            return mapirt_propbag_fail(bag, MAPI_E_INTERFACE_NOT_SUPPORTED,
                                       "CopyTo: every interface is excluded");
    return copy_common(bag, self, NULL, lpExcludeProps, lpInterface, lpDestObj, ulFlags,
                       lppProblems);
}

HRESULT mapirt_propbag_copy_props(mapirt_propbag *bag, LPUNKNOWN self,
                                  LPSPropTagArray lpIncludeProps, ULONG_PTR ulUIParam,
                                  LPMAPIPROGRESS lpProgress, LPCIID lpInterface,
                                  LPVOID lpDestObj, ULONG ulFlags,
                                  LPSPropProblemArray *lppProblems)
{
    (void)ulUIParam;
    (void)lpProgress;
    if (!bag)
        return MAPI_E_INVALID_PARAMETER;
    if (lppProblems)
        *lppProblems = NULL;
    if (!lpIncludeProps || lpIncludeProps->cValues == 0 || has_pr_null(lpIncludeProps))
        return mapirt_propbag_fail(bag, MAPI_E_INVALID_PARAMETER, "CopyProps: bad tag array");
    return copy_common(bag, self, lpIncludeProps, NULL, lpInterface, lpDestObj, ulFlags,
                       lppProblems);
}
