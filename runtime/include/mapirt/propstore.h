/* mapirt/propstore.h: the property storage behind every property-bearing runtime object
 * (IPropData from CreateIProp, profile sections, status objects, store objects).
 *
 * A bag holds at most one value per property ID, each with an IPROP_* access level
 * (IPROP_READONLY / IPROP_READWRITE) and status (IPROP_CLEAN / IPROP_DIRTY), plus an
 * object-wide access level. Its functions mapirt_propbag_<Method> are the bodies of the
 * IMAPIProp and IPropData methods, with the methods' parameters after the bag and their
 * documented return codes, so an object declared in IDL delegates to it (docs/objects.md):
 *
 *     coclass profsect { interface IProfSect; delegate IMAPIProp to mapirt_propbag(bag); }
 *
 * The arguments are those the generated validation layer lets through (every object of the
 * runtime is validated): the bodies check only what IDL cannot say. GetLastError is not the
 * bag's: the object layer answers it from the record the bag reports its failures to. Memory
 * handed to callers comes from the bag's allocators (MAPIAllocateBuffer/More unless the bag was
 * created with others, as CreateIProp allows). Every function is thread-safe; none holds the
 * bag's lock while calling another object.
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
 *  - SaveChanges: not transacted (S_OK); the flags IMAPIProp documents for messages only
 *    (MessageSaveFlags: SPAMFILTER_ONSAVE, ITEMPROC_FORCE, NON_EMS_XP_SAVE) are
 *    MAPI_E_UNKNOWN_FLAGS, as for any object that is not a message.
 *  - GetNamesFromIDs / GetIDsFromNames: no named properties: MAPI_E_NO_SUPPORT.
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
#include <mapirt/lasterror.h>

MAPIRT_BEGIN_DECLS

typedef struct mapirt_propbag mapirt_propbag;

/* Creates an empty read/write bag. NULL allocators select MAPIAllocateBuffer,
 * MAPIAllocateMore and MAPIFreeBuffer (all three or none). Until mapirt_propbag_attach, the
 * bag reports failures to a record of its own naming `component` (a static string; NULL gives
 * "mapirt"). */
HRESULT mapirt_propbag_create(ALLOCATEBUFFER *lpAllocateBuffer, ALLOCATEMORE *lpAllocateMore,
                              FREEBUFFER *lpFreeBuffer, const char *component,
                              mapirt_propbag **out);
void mapirt_propbag_destroy(mapirt_propbag *bag);
/* The object that owns the bag: its identity (copying onto itself is refused with
 * MAPI_E_NO_ACCESS, as the reference requires) and the record its GetLastError reads, which
 * the bag's failures go to from now on and whose allocators become the bag's. Neither is
 * referenced: the object outlives its bag. */
void mapirt_propbag_attach(mapirt_propbag *bag, LPUNKNOWN owner, mapirt_lasterror *err);
/* The record the bag reports failures to. */
mapirt_lasterror *mapirt_propbag_lasterror(mapirt_propbag *bag);

/* ---- for the owning object: no access checks ---------------------------------------- */

/* Stores copies of the values (PT_ERROR and PT_NULL skipped) with the given access level
 * (IPROP_READONLY for properties the owner computes) and status IPROP_CLEAN. */
HRESULT mapirt_propbag_put(mapirt_propbag *bag, ULONG cValues, const SPropValue *lpProps,
                           ULONG ulAccess);
/* Removes a property by ID regardless of its access level (nothing is remembered). */
void mapirt_propbag_remove(mapirt_propbag *bag, ULONG ulPropTag);
/* Nonzero if the object-wide access level is IPROP_READWRITE. */
int mapirt_propbag_writable(mapirt_propbag *bag);

/* ---- IMAPIProp method bodies (GetLastError is the object layer's) ------------------- */

HRESULT mapirt_propbag_SaveChanges(mapirt_propbag *bag, ULONG ulFlags);
HRESULT mapirt_propbag_GetProps(mapirt_propbag *bag, LPSPropTagArray lpPropTagArray,
                                ULONG ulFlags, ULONG *lpcValues, LPSPropValue *lppPropArray);
HRESULT mapirt_propbag_GetPropList(mapirt_propbag *bag, ULONG ulFlags,
                                   LPSPropTagArray *lppPropTagArray);
HRESULT mapirt_propbag_OpenProperty(mapirt_propbag *bag, ULONG ulPropTag, LPCIID lpiid,
                                    ULONG ulInterfaceOptions, ULONG ulFlags, LPUNKNOWN *lppUnk);
HRESULT mapirt_propbag_SetProps(mapirt_propbag *bag, ULONG cValues, LPSPropValue lpPropArray,
                                LPSPropProblemArray *lppProblems);
HRESULT mapirt_propbag_DeleteProps(mapirt_propbag *bag, LPSPropTagArray lpPropTagArray,
                                   LPSPropProblemArray *lppProblems);
HRESULT mapirt_propbag_CopyTo(mapirt_propbag *bag, ULONG ciidExclude, LPCIID rgiidExclude,
                              LPSPropTagArray lpExcludeProps, ULONG_PTR ulUIParam,
                              LPMAPIPROGRESS lpProgress, LPCIID lpInterface, LPVOID lpDestObj,
                              ULONG ulFlags, LPSPropProblemArray *lppProblems);
HRESULT mapirt_propbag_CopyProps(mapirt_propbag *bag, LPSPropTagArray lpIncludeProps,
                                 ULONG_PTR ulUIParam, LPMAPIPROGRESS lpProgress,
                                 LPCIID lpInterface, LPVOID lpDestObj, ULONG ulFlags,
                                 LPSPropProblemArray *lppProblems);
HRESULT mapirt_propbag_GetNamesFromIDs(mapirt_propbag *bag, LPSPropTagArray *lppPropTags,
                                       LPGUID lpPropSetGuid, ULONG ulFlags,
                                       ULONG *lpcPropNames, LPMAPINAMEID **lpppPropNames);
HRESULT mapirt_propbag_GetIDsFromNames(mapirt_propbag *bag, ULONG cPropNames,
                                       LPMAPINAMEID *lppPropNames, ULONG ulFlags,
                                       LPSPropTagArray *lppPropTags);

/* ---- IPropData method bodies ------------------------------------------------------- */

HRESULT mapirt_propbag_HrSetObjAccess(mapirt_propbag *bag, ULONG ulAccess);
HRESULT mapirt_propbag_HrSetPropAccess(mapirt_propbag *bag, LPSPropTagArray lpPropTagArray,
                                       ULONG *rgulAccess);
HRESULT mapirt_propbag_HrGetPropAccess(mapirt_propbag *bag, LPSPropTagArray *lppPropTagArray,
                                       ULONG **lprgulAccess);
HRESULT mapirt_propbag_HrAddObjProps(mapirt_propbag *bag, LPSPropTagArray lppPropTagArray,
                                     LPSPropProblemArray *lprgulAccess);

MAPIRT_END_DECLS
#endif
