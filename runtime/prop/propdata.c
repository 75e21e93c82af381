/* runtime/prop/propdata.c: CreateIProp and the IPropData object (propdata.idl), a property bag
 * behind the IMAPIProp and IPropData methods. Named properties are not supported: the bag
 * answers GetNamesFromIDs/GetIDsFromNames with MAPI_E_NO_SUPPORT, which the reference allows
 * for objects without named-property support. */
#include <string.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapiguid.h>
#include <mapiutil.h>

#include <mapirt/propstore.h>

struct propdata {
    mapirt_propbag *bag;
};

#include "propdata_object.h"

static void propdata_destroy(struct propdata *self)
{
    mapirt_propbag_destroy(self->bag);
}

SCODE CreateIProp(LPCIID lpInterface, ALLOCATEBUFFER *lpAllocateBuffer,
                  ALLOCATEMORE *lpAllocateMore, FREEBUFFER *lpFreeBuffer, LPVOID lpvReserved,
                  LPPROPDATA *lppPropData)
{
    struct propdata *pd;
    HRESULT hr;

    if (lppPropData)
        *lppPropData = NULL;
    hr = CreateIProp_check_inline(lpInterface, lpAllocateBuffer, lpAllocateMore, lpFreeBuffer,
                                  lpvReserved, lppPropData);
    if (FAILED(hr))
        return hr;
    /* IID_IMAPIPropData is the documented one; the interfaces it derives from name the same
     * object and are accepted too. */
    if (lpInterface && memcmp(lpInterface, &IID_IMAPIPropData, sizeof(IID)) &&
        memcmp(lpInterface, &IID_IMAPIProp, sizeof(IID)) &&
        memcmp(lpInterface, &IID_IUnknown, sizeof(IID)))
        return MAPI_E_INTERFACE_NOT_SUPPORTED;
    pd = propdata_new();
    if (!pd)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    hr = mapirt_propbag_create(lpAllocateBuffer, lpAllocateMore, lpFreeBuffer, NULL, &pd->bag);
    if (FAILED(hr)) {
        propdata_release(pd);
        return hr;
    }
    mapirt_propbag_attach(pd->bag, propdata_as_IUnknown(pd), propdata_lasterror(pd));
    *lppPropData = propdata_as_IPropData(pd);
    return S_OK;
}
