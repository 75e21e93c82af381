/* mapirt/propstore.h: the property storage behind every property-bearing runtime object
 * (IPropData from CreateIProp, profile sections, status objects, store objects).
 *
 * A bag holds at most one value per property ID, each with an IPROP_* access level
 * (IPROP_READONLY / IPROP_READWRITE) and status (IPROP_CLEAN / IPROP_DIRTY), plus an
 * object-wide access level. Its functions are the bodies of the IMAPIProp and IPropData
 * methods, with their documented arguments, checks and return codes, so an object embeds a
 * bag and forwards its methods (see MAPIRT_PROPBAG_FORWARDERS below). Memory handed to
 * callers comes from the bag's allocators (MAPIAllocateBuffer/More unless the bag was created
 * with others, as CreateIProp allows). Every function is thread-safe; none holds the bag's
 * lock while calling another object.
 *
 * Choices where the reference leaves room:
 *  - GetProps/GetPropList: strings whose width the caller did not fix (NULL tag array or
 *    PT_UNSPECIFIED) are returned as PT_UNICODE with MAPI_UNICODE and PT_STRING8 without it;
 *    a requested string type differing from the stored one is converted. A missing property
 *    or one of another (non-string) type comes back as PT_ERROR (same ID) with
 *    MAPI_E_NOT_FOUND. PT_OBJECT properties (HrAddObjProps) appear in GetPropList only; asked
 *    for explicitly, GetProps returns them as PT_ERROR with MAPI_E_NO_SUPPORT.
 *  - OpenProperty: no property is available as an object or stream here: MAPI_E_NOT_FOUND
 *    when the property is absent and MAPI_CREATE is not set, otherwise MAPI_E_NO_SUPPORT.
 *  - DeleteProps: a property that does not exist is reported as MAPI_E_NOT_FOUND in the
 *    problem array. A deleted property is remembered (IPROP_DIRTY) for HrGetPropAccess until
 *    HrSetPropAccess marks it IPROP_CLEAN or it is set again.
 *  - HrGetPropAccess reports the access level and the status of each property
 *    (e.g. IPROP_READWRITE|IPROP_DIRTY); a deleted property reports IPROP_DIRTY alone. With a
 *    caller-supplied tag array it stores 0 in place of deleted or unknown properties and
 *    returns that same array; with NULL it allocates the array.
 *  - CopyTo/CopyProps copy through the destination's IMAPIProp vtable (any implementation),
 *    never through a progress UI: MAPI_DIALOG and the progress object are accepted and unused.
 *    PT_OBJECT properties are not copied.
 */
#ifndef MAPIRT_PROPSTORE_H
#define MAPIRT_PROPSTORE_H

#include <mapirt/decls.h>
#include <mapidefs.h>
#include <mapiutil.h>

MAPIRT_BEGIN_DECLS

typedef struct mapirt_propbag mapirt_propbag;

/* Creates an empty read/write bag. NULL allocators select MAPIAllocateBuffer,
 * MAPIAllocateMore and MAPIFreeBuffer (all three or none). `component` names the owner in
 * GetLastError's MAPIERROR (a static string; NULL gives "mapirt"). */
HRESULT mapirt_propbag_create(ALLOCATEBUFFER *lpAllocateBuffer, ALLOCATEMORE *lpAllocateMore,
                              FREEBUFFER *lpFreeBuffer, const char *component,
                              mapirt_propbag **out);
void mapirt_propbag_destroy(mapirt_propbag *bag);

/* ---- for the owning object: no access checks ---------------------------------------- */

/* Stores copies of the values (PT_ERROR and PT_NULL skipped) with the given access level
 * (IPROP_READONLY for properties the owner computes) and status IPROP_CLEAN. */
HRESULT mapirt_propbag_put(mapirt_propbag *bag, ULONG cValues, const SPropValue *lpProps,
                           ULONG ulAccess);
/* Removes a property by ID regardless of its access level (nothing is remembered). */
void mapirt_propbag_remove(mapirt_propbag *bag, ULONG ulPropTag);
/* Nonzero if the object-wide access level is IPROP_READWRITE. */
int mapirt_propbag_writable(mapirt_propbag *bag);
/* Records the error GetLastError reports for hr (msg: a static string). */
void mapirt_propbag_set_error(mapirt_propbag *bag, HRESULT hr, const char *msg);

/* ---- IMAPIProp method bodies ------------------------------------------------------- */

HRESULT mapirt_propbag_get_last_error(mapirt_propbag *bag, HRESULT hResult, ULONG ulFlags,
                                      LPMAPIERROR *lppMAPIError);
HRESULT mapirt_propbag_save_changes(mapirt_propbag *bag, ULONG ulFlags);
HRESULT mapirt_propbag_get_props(mapirt_propbag *bag, LPSPropTagArray lpPropTagArray,
                                 ULONG ulFlags, ULONG *lpcValues, LPSPropValue *lppPropArray);
HRESULT mapirt_propbag_get_prop_list(mapirt_propbag *bag, ULONG ulFlags,
                                     LPSPropTagArray *lppPropTagArray);
HRESULT mapirt_propbag_open_property(mapirt_propbag *bag, ULONG ulPropTag, LPCIID lpiid,
                                     ULONG ulInterfaceOptions, ULONG ulFlags, LPUNKNOWN *lppUnk);
HRESULT mapirt_propbag_set_props(mapirt_propbag *bag, ULONG cValues, LPSPropValue lpPropArray,
                                 LPSPropProblemArray *lppProblems);
HRESULT mapirt_propbag_delete_props(mapirt_propbag *bag, LPSPropTagArray lpPropTagArray,
                                    LPSPropProblemArray *lppProblems);
/* `self` is the object that owns the bag (any of its interface pointers): copying onto
 * itself is refused with MAPI_E_NO_ACCESS as the reference requires. */
HRESULT mapirt_propbag_copy_to(mapirt_propbag *bag, LPUNKNOWN self, ULONG ciidExclude,
                               LPCIID rgiidExclude, LPSPropTagArray lpExcludeProps,
                               ULONG_PTR ulUIParam, LPMAPIPROGRESS lpProgress,
                               LPCIID lpInterface, LPVOID lpDestObj, ULONG ulFlags,
                               LPSPropProblemArray *lppProblems);
HRESULT mapirt_propbag_copy_props(mapirt_propbag *bag, LPUNKNOWN self,
                                  LPSPropTagArray lpIncludeProps, ULONG_PTR ulUIParam,
                                  LPMAPIPROGRESS lpProgress, LPCIID lpInterface,
                                  LPVOID lpDestObj, ULONG ulFlags,
                                  LPSPropProblemArray *lppProblems);

/* ---- IPropData method bodies ------------------------------------------------------- */

HRESULT mapirt_propbag_set_obj_access(mapirt_propbag *bag, ULONG ulAccess);
HRESULT mapirt_propbag_set_prop_access(mapirt_propbag *bag, LPSPropTagArray lpPropTagArray,
                                       ULONG *rgulAccess);
HRESULT mapirt_propbag_get_prop_access(mapirt_propbag *bag, LPSPropTagArray *lppPropTagArray,
                                       ULONG **lprgulAccess);
HRESULT mapirt_propbag_add_obj_props(mapirt_propbag *bag, LPSPropTagArray lpPropTagArray,
                                     LPSPropProblemArray *lppProblems);

/* Defines static IMAPIProp methods named prefix_GetLastError ... prefix_CopyProps for
 * interface I (IMAPIProp or any interface derived from it) implemented by struct type T
 * whose member `bag` (a mapirt_propbag *) holds the properties; MAPIRT_PROPBAG_SLOTS(prefix)
 * then names them in a MAPIRT_DEFINE_VTBL list:
 *
 *     struct profsect { IProfSect iface; mapirt_ref ref; mapirt_propbag *bag; };
 *     MAPIRT_PROPBAG_FORWARDERS(ps, IProfSect, struct profsect, bag)
 *     MAPIRT_DEFINE_VTBL(IProfSect, ps_vtbl, .AddRef = ps_AddRef, .Release = ps_Release,
 *                        MAPIRT_PROPBAG_SLOTS(ps));
 *
 * GetNamesFromIDs/GetIDsFromNames are left to the generated MAPI_E_NO_SUPPORT stubs. */
#define MAPIRT_PROPBAG_BAG_(T, member, This) (((T *)(void *)(This))->member)
#define MAPIRT_PROPBAG_FORWARDERS(prefix, I, T, member)                                       \
    static HRESULT prefix##_GetLastError(I *This, HRESULT hResult, ULONG ulFlags,             \
                                         LPMAPIERROR *lppMAPIError)                           \
    {                                                                                         \
        return mapirt_propbag_get_last_error(MAPIRT_PROPBAG_BAG_(T, member, This), hResult,   \
                                             ulFlags, lppMAPIError);                          \
    }                                                                                         \
    static HRESULT prefix##_SaveChanges(I *This, ULONG ulFlags)                               \
    {                                                                                         \
        return mapirt_propbag_save_changes(MAPIRT_PROPBAG_BAG_(T, member, This), ulFlags);    \
    }                                                                                         \
    static HRESULT prefix##_GetProps(I *This, LPSPropTagArray lpPropTagArray, ULONG ulFlags,  \
                                     ULONG *lpcValues, LPSPropValue *lppPropArray)            \
    {                                                                                         \
        return mapirt_propbag_get_props(MAPIRT_PROPBAG_BAG_(T, member, This), lpPropTagArray, \
                                        ulFlags, lpcValues, lppPropArray);                    \
    }                                                                                         \
    static HRESULT prefix##_GetPropList(I *This, ULONG ulFlags,                               \
                                        LPSPropTagArray *lppPropTagArray)                     \
    {                                                                                         \
        return mapirt_propbag_get_prop_list(MAPIRT_PROPBAG_BAG_(T, member, This), ulFlags,    \
                                            lppPropTagArray);                                 \
    }                                                                                         \
    static HRESULT prefix##_OpenProperty(I *This, ULONG ulPropTag, LPCIID lpiid,              \
                                         ULONG ulInterfaceOptions, ULONG ulFlags,             \
                                         LPUNKNOWN *lppUnk)                                   \
    {                                                                                         \
        return mapirt_propbag_open_property(MAPIRT_PROPBAG_BAG_(T, member, This), ulPropTag,  \
                                            lpiid, ulInterfaceOptions, ulFlags, lppUnk);      \
    }                                                                                         \
    static HRESULT prefix##_SetProps(I *This, ULONG cValues, LPSPropValue lpPropArray,        \
                                     LPSPropProblemArray *lppProblems)                        \
    {                                                                                         \
        return mapirt_propbag_set_props(MAPIRT_PROPBAG_BAG_(T, member, This), cValues,        \
                                        lpPropArray, lppProblems);                            \
    }                                                                                         \
    static HRESULT prefix##_DeleteProps(I *This, LPSPropTagArray lpPropTagArray,              \
                                        LPSPropProblemArray *lppProblems)                     \
    {                                                                                         \
        return mapirt_propbag_delete_props(MAPIRT_PROPBAG_BAG_(T, member, This),              \
                                           lpPropTagArray, lppProblems);                      \
    }                                                                                         \
    static HRESULT prefix##_CopyTo(I *This, ULONG ciidExclude, LPCIID rgiidExclude,           \
                                   LPSPropTagArray lpExcludeProps, ULONG_PTR ulUIParam,       \
                                   LPMAPIPROGRESS lpProgress, LPCIID lpInterface,             \
                                   LPVOID lpDestObj, ULONG ulFlags,                           \
                                   LPSPropProblemArray *lppProblems)                          \
    {                                                                                         \
        return mapirt_propbag_copy_to(MAPIRT_PROPBAG_BAG_(T, member, This), (LPUNKNOWN)This,  \
                                      ciidExclude, rgiidExclude, lpExcludeProps, ulUIParam,   \
                                      lpProgress, lpInterface, lpDestObj, ulFlags,            \
                                      lppProblems);                                           \
    }                                                                                         \
    static HRESULT prefix##_CopyProps(I *This, LPSPropTagArray lpIncludeProps,                \
                                      ULONG_PTR ulUIParam, LPMAPIPROGRESS lpProgress,         \
                                      LPCIID lpInterface, LPVOID lpDestObj, ULONG ulFlags,    \
                                      LPSPropProblemArray *lppProblems)                       \
    {                                                                                         \
        return mapirt_propbag_copy_props(MAPIRT_PROPBAG_BAG_(T, member, This),                \
                                         (LPUNKNOWN)This, lpIncludeProps, ulUIParam,          \
                                         lpProgress, lpInterface, lpDestObj, ulFlags,         \
                                         lppProblems);                                        \
    }

#define MAPIRT_PROPBAG_SLOTS(prefix)                                                          \
    .GetLastError = prefix##_GetLastError, .SaveChanges = prefix##_SaveChanges,               \
    .GetProps = prefix##_GetProps, .GetPropList = prefix##_GetPropList,                       \
    .OpenProperty = prefix##_OpenProperty, .SetProps = prefix##_SetProps,                     \
    .DeleteProps = prefix##_DeleteProps, .CopyTo = prefix##_CopyTo,                           \
    .CopyProps = prefix##_CopyProps

MAPIRT_END_DECLS
#endif
