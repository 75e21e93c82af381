/* runtime/prop/propget.c: a property bag's GetProps and GetPropList (storage: propstore.c).
 * A string is kept in the width it was set in and converted on the way out to the width the
 * tag asks for; asked for with PT_UNSPECIFIED, it comes in the width MAPI_UNICODE chooses.
 * Values are copied into the caller's buffer, chained with the bag's allocators. */
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

/* Converts one string into memory chained to `parent` with the bag's AllocateMore (the
 * bag's allocators may be the caller's own, so the conversion goes through a private copy).
 * Conversion never fails on content (bad sequences become U+FFFD): only memory can run out. */
static HRESULT convert_one(mapirt_propbag *bag, int to_unicode, const void *src, LPVOID parent,
                           void **out)
{
    void *tmp, *dst = NULL;
    size_t cb;

    if (to_unicode) {
        tmp = mapirt_str_a_to_w_dup(src);
        cb = tmp ? (mapirt_wcslen(tmp) + 1) * sizeof(WCHAR) : 0;
    } else {
        tmp = mapirt_str_w_to_a_dup(src);
        cb = tmp ? strlen(tmp) + 1 : 0;
    }
    if (!tmp)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    if (cb > ULONG_LIMIT || FAILED(bag->more((ULONG)cb, parent, &dst)) || !dst) {
        mapirt_free(tmp);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    memcpy(dst, tmp, cb);
    mapirt_free(tmp);
    *out = dst;
    return S_OK;
}

/* Fills *dst with the stored string value converted to the other width. Conversion errors
 * other than memory become a PT_ERROR value; running out of memory fails the call. */
static HRESULT convert_value(mapirt_propbag *bag, const SPropValue *src, ULONG want,
                             LPVOID parent, LPSPropValue dst)
{
    int to_w = (want & ~MV_FLAG) == PT_UNICODE;
    HRESULT hr;

    dst->ulPropTag = CHANGE_PROP_TYPE(src->ulPropTag, want);
    if (!(want & MV_FLAG)) {
        void *s;
        hr = convert_one(bag, to_w, to_w ? (const void *)src->Value.lpszA
                                         : (const void *)src->Value.lpszW, parent, &s);
        if (SUCCEEDED(hr)) {
            if (to_w)
                dst->Value.lpszW = s;
            else
                dst->Value.lpszA = s;
        }
    } else {
        ULONG c = src->Value.MVi.cValues;
        void **arr = NULL;
        if (FAILED(bag->more(c * (ULONG)sizeof(void *), parent, (LPVOID *)&arr)) || !arr)
            return MAPI_E_NOT_ENOUGH_MEMORY;
        hr = S_OK;
        for (ULONG i = 0; i < c && SUCCEEDED(hr); i++)
            hr = convert_one(bag, to_w, to_w ? (const void *)src->Value.MVszA.lppszA[i]
                                             : (const void *)src->Value.MVszW.lppszW[i],
                             parent, &arr[i]);
        if (to_w) {
            dst->Value.MVszW.cValues = c;
            dst->Value.MVszW.lppszW = (LPWSTR *)arr;
        } else {
            dst->Value.MVszA.cValues = c;
            dst->Value.MVszA.lppszA = (LPSTR *)arr;
        }
    }
    if (hr == MAPI_E_NOT_ENOUGH_MEMORY)
        return hr;
    if (FAILED(hr)) {
        dst->ulPropTag = CHANGE_PROP_TYPE(src->ulPropTag, PT_ERROR);
        dst->Value.err = hr;
    }
    return S_OK;
}

static ULONG string_type_for(ULONG stored, ULONG flags)
{
    ULONG width = (flags & MAPI_UNICODE) ? PT_UNICODE : PT_STRING8;
    return (stored & MV_FLAG) | width;
}

/* The value to return for one requested tag (or a stored entry when tag is PT_UNSPECIFIED). */
static HRESULT produce(mapirt_propbag *bag, ULONG tag, ULONG flags, int keep_types,
                       LPVOID parent, LPSPropValue dst, int *error)
{
    ULONG want = PROP_TYPE(tag);
    struct prop_entry *e = mapirt_propbag_find_live(bag, PROP_ID(tag));
    SCODE sc;

    if (!e || (PROP_TYPE(e->tag) == PT_OBJECT && want != PT_OBJECT && want != PT_UNSPECIFIED)) {
        sc = MAPI_E_NOT_FOUND;
        goto error;
    }
    if (PROP_TYPE(e->tag) == PT_OBJECT) {
        sc = MAPI_E_NO_SUPPORT;
        goto error;
    }
    if (want == PT_UNSPECIFIED)
        want = mapirt_prop_is_string_type(PROP_TYPE(e->tag)) && !keep_types
                   ? string_type_for(PROP_TYPE(e->tag), flags)
                   : PROP_TYPE(e->tag);
    if (want == PROP_TYPE(e->tag)) {
        sc = PropCopyMore(dst, e->value, bag->more, parent);
        return FAILED(sc) ? MAPI_E_NOT_ENOUGH_MEMORY : S_OK;
    }
    if (mapirt_prop_is_string_type(want) && mapirt_prop_is_string_type(PROP_TYPE(e->tag)) &&
        (want & MV_FLAG) == (PROP_TYPE(e->tag) & MV_FLAG)) {
        HRESULT hr = convert_value(bag, e->value, want, parent, dst);
        if (SUCCEEDED(hr) && PROP_TYPE(dst->ulPropTag) == PT_ERROR)
            *error = 1;
        return hr;
    }
    sc = MAPI_E_NOT_FOUND;
error:
    dst->ulPropTag = CHANGE_PROP_TYPE(tag, PT_ERROR);
    dst->Value.err = sc;
    *error = 1;
    return S_OK;
}

HRESULT mapirt_propbag_values_locked(mapirt_propbag *bag, LPSPropTagArray tags, ULONG flags,
                                     int keep_types, ULONG *lpc, LPSPropValue *lpp, int *errors)
{
    LPSPropValue out = NULL;
    ULONG count = 0;
    HRESULT hr = S_OK;

    *lpc = 0;
    *lpp = NULL;
    *errors = 0;
    if (tags) {
        count = tags->cValues;
    } else {
        for (ULONG i = 0; i < bag->n; i++)
            if (!bag->v[i].deleted && PROP_TYPE(bag->v[i].tag) != PT_OBJECT)
                count++;
        if (count == 0)
            return S_OK;
    }
    if (count > ULONG_LIMIT / sizeof(SPropValue))
        return MAPI_E_NOT_ENOUGH_MEMORY;
    if (FAILED(bag->alloc(count * (ULONG)sizeof(SPropValue), (LPVOID *)&out)) || !out)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    memset(out, 0, count * sizeof(SPropValue));
    if (tags) {
        for (ULONG i = 0; i < count && SUCCEEDED(hr); i++)
            hr = produce(bag, tags->aulPropTag[i], flags, keep_types, out, &out[i], errors);
    } else {
        ULONG k = 0;
        for (ULONG i = 0; i < bag->n && SUCCEEDED(hr); i++) {
            if (bag->v[i].deleted || PROP_TYPE(bag->v[i].tag) == PT_OBJECT)
                continue;
            hr = produce(bag, CHANGE_PROP_TYPE(bag->v[i].tag, PT_UNSPECIFIED), flags, keep_types,
                         out, &out[k++], errors);
        }
    }
    if (FAILED(hr)) {
        bag->freebuf(out);
        return hr;
    }
    *lpc = count;
    *lpp = out;
    return S_OK;
}

HRESULT mapirt_propbag_GetProps(mapirt_propbag *bag, LPSPropTagArray lpPropTagArray,
                                ULONG ulFlags, ULONG *lpcValues, LPSPropValue *lppPropArray)
{
    HRESULT hr;
    int errors;

    *lpcValues = 0;
    *lppPropArray = NULL;
    if (lpPropTagArray && lpPropTagArray->cValues == 0)
        return mapirt_propbag_fail(bag, MAPI_E_INVALID_PARAMETER, "GetProps: empty tag array");
    pthread_mutex_lock(&bag->mu);
    hr = mapirt_propbag_values_locked(bag, lpPropTagArray, ulFlags, 0, lpcValues, lppPropArray,
                                      &errors);
    pthread_mutex_unlock(&bag->mu);
    if (FAILED(hr))
        return mapirt_propbag_fail(bag, hr, "GetProps: out of memory");
    return errors ? MAPI_W_ERRORS_RETURNED : S_OK;
}

HRESULT mapirt_propbag_GetPropList(mapirt_propbag *bag, ULONG ulFlags,
                                   LPSPropTagArray *lppPropTagArray)
{
    LPSPropTagArray out = NULL;
    ULONG count = 0;

    *lppPropTagArray = NULL;
    pthread_mutex_lock(&bag->mu);
    for (ULONG i = 0; i < bag->n; i++)
        if (!bag->v[i].deleted)
            count++;
    if (FAILED(bag->alloc(CbNewSPropTagArray(count), (LPVOID *)&out)) || !out) {
        pthread_mutex_unlock(&bag->mu);
        return mapirt_propbag_fail(bag, MAPI_E_NOT_ENOUGH_MEMORY, "GetPropList: out of memory");
    }
    out->cValues = 0;
    for (ULONG i = 0; i < bag->n; i++) {
        ULONG tag = bag->v[i].tag;
        if (bag->v[i].deleted)
            continue;
        if (mapirt_prop_is_string_type(PROP_TYPE(tag)))
            tag = CHANGE_PROP_TYPE(tag, string_type_for(PROP_TYPE(tag), ulFlags));
        out->aulPropTag[out->cValues++] = tag;
    }
    pthread_mutex_unlock(&bag->mu);
    *lppPropTagArray = out;
    return S_OK;
}

