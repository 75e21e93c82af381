/* runtime/prop/propdata.c: CreateIProp and the IPropData object, a property bag behind the
 * IMAPIProp and IPropData vtables. Named properties are not supported (the generated stubs
 * answer GetNamesFromIDs/GetIDsFromNames with MAPI_E_NO_SUPPORT, which the reference allows
 * for objects without named-property support). */
#include <string.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapiguid.h>
#include <mapiutil.h>

#include <mapirt/object.h>
#include <mapirt/propstore.h>

#include <mapirt/alloc.h>

struct propdata {
    IPropData iface;
    mapirt_ref ref;
    mapirt_propbag *bag;
};

static ULONG pd_AddRef(IPropData *This) { return mapirt_ref_inc(&((struct propdata *)This)->ref); }

static ULONG pd_Release(IPropData *This)
{
    struct propdata *pd = (struct propdata *)This;
    ULONG n = mapirt_ref_dec(&pd->ref);

    if (n == 0) {
        mapirt_propbag_destroy(pd->bag);
        mapirt_free(pd);
    }
    return n;
}

MAPIRT_PROPBAG_FORWARDERS(pd, IPropData, struct propdata, bag)

static HRESULT pd_HrSetObjAccess(IPropData *This, ULONG ulAccess)
{
    return mapirt_propbag_set_obj_access(((struct propdata *)This)->bag, ulAccess);
}

static HRESULT pd_HrSetPropAccess(IPropData *This, LPSPropTagArray lpPropTagArray,
                                  ULONG *rgulAccess)
{
    return mapirt_propbag_set_prop_access(((struct propdata *)This)->bag, lpPropTagArray,
                                          rgulAccess);
}

static HRESULT pd_HrGetPropAccess(IPropData *This, LPSPropTagArray *lppPropTagArray,
                                  ULONG **lprgulAccess)
{
    return mapirt_propbag_get_prop_access(((struct propdata *)This)->bag, lppPropTagArray,
                                          lprgulAccess);
}

static HRESULT pd_HrAddObjProps(IPropData *This, LPSPropTagArray lpPropTagArray,
                                LPSPropProblemArray *lppProblems)
{
    return mapirt_propbag_add_obj_props(((struct propdata *)This)->bag, lpPropTagArray,
                                        lppProblems);
}

MAPIRT_DEFINE_VTBL(IPropData, pd_vtbl, .AddRef = pd_AddRef, .Release = pd_Release,
                   MAPIRT_PROPBAG_SLOTS(pd), .HrSetObjAccess = pd_HrSetObjAccess,
                   .HrSetPropAccess = pd_HrSetPropAccess, .HrGetPropAccess = pd_HrGetPropAccess,
                   .HrAddObjProps = pd_HrAddObjProps)

SCODE CreateIProp(LPCIID lpInterface, ALLOCATEBUFFER *lpAllocateBuffer,
                  ALLOCATEMORE *lpAllocateMore, FREEBUFFER *lpFreeBuffer, LPVOID lpvReserved,
                  LPPROPDATA *lppPropData)
{
    struct propdata *pd;
    HRESULT hr;

    if (!lppPropData)
        return MAPI_E_INVALID_PARAMETER;
    *lppPropData = NULL;
    if (!lpAllocateBuffer || !lpAllocateMore || !lpFreeBuffer || lpvReserved)
        return MAPI_E_INVALID_PARAMETER;
    /* IID_IMAPIPropData is the documented one; the interfaces it derives from name the same
     * object and are accepted too. */
    if (lpInterface && memcmp(lpInterface, &IID_IMAPIPropData, sizeof(IID)) &&
        memcmp(lpInterface, &IID_IMAPIProp, sizeof(IID)) &&
        memcmp(lpInterface, &IID_IUnknown, sizeof(IID)))
        return MAPI_E_INTERFACE_NOT_SUPPORTED;
    pd = mapirt_calloc(1, sizeof(*pd));
    if (!pd)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    hr = mapirt_propbag_create(lpAllocateBuffer, lpAllocateMore, lpFreeBuffer, "IPropData",
                               &pd->bag);
    if (FAILED(hr)) {
        mapirt_free(pd);
        return hr;
    }
    pd->iface.lpVtbl = MAPIRT_VTBL_VALIDATED(pd_vtbl);
    mapirt_ref_init(&pd->ref);
    *lppPropData = &pd->iface;
    return S_OK;
}
