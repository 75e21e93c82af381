/* outlook.c: the Outlook-only entry points of <mapioutlook.h>, answering as the MAPI reference
 * says they answer outside Outlook and without an Exchange server (mapirt is neither):
 *   HrOpenOfflineObj      MAPI_E_NOT_FOUND ("only works ... inside the Outlook process")
 *   HrCreateOfflineObj    MAPI_E_NO_SUPPORT (there is no connection state to track)
 *   GetDefCachedMode(...) FALSE, not by policy (no Exchange store, so nothing is cached)
 *   HrCreateNewWrappedObject  MAPI_E_NO_SUPPORT (no ANSI/Unicode degradation layer)
 *   HrGetAutoDiscoverXML  MAPI_E_NOT_FOUND ("not connected to a Microsoft Exchange server"),
 *                         E_INVALIDARG for an address that is not one, *ppXmlStream NULL
 *   MAPICrashRecovery     nothing: mapirt's stores write through transactions, so there is no
 *                         shared memory to bring to disk and nothing to lock
 * Arguments are checked first (the generated check functions), so a bad call is told so. */
#include <mapioutlook.h>
#include <mapicode.h>

#include <stdbool.h>
#include <string.h>

#include <mapirt/mapioutlook_impl.h>

HRESULT HrOpenOfflineObj(ULONG ulReserved, LPCWSTR pwszProfileNameIn, const GUID *pGUID,
                         const GUID *pReserved, IMAPIOfflineMgr **ppOfflineObj)
{
    HRESULT hr = HrOpenOfflineObj_check_inline(ulReserved, pwszProfileNameIn, pGUID, pReserved,
                                               ppOfflineObj);
    if (FAILED(hr))
        return hr;
    if (memcmp(pGUID, &GUID_GlobalState, sizeof(GUID)) != 0)
        return MAPI_E_INVALID_PARAMETER; /* the reference: "It must be GUID_GlobalState" */
    *ppOfflineObj = NULL;
    return MAPI_E_NOT_FOUND;
}

HRESULT HrCreateOfflineObj(ULONG ulFlags, MAPIOFFLINE_CREATEINFO *pCreateInfo,
                           IMAPIOfflineMgr **ppOffline)
{
    HRESULT hr = HrCreateOfflineObj_check_inline(ulFlags, pCreateInfo, ppOffline);
    if (FAILED(hr))
        return hr;
    if (pCreateInfo->ulSize < sizeof(*pCreateInfo))
        return MAPI_E_INVALID_PARAMETER;
    return MAPI_E_NO_SUPPORT;
}

BOOL GetDefCachedMode(BOOL *pfPolicy)
{
    if (pfPolicy != NULL)
        *pfPolicy = FALSE;
    return FALSE;
}

BOOL GetDefCachedModeDownloadPubFoldFavs(BOOL *pfPolicy)
{
    if (pfPolicy != NULL)
        *pfPolicy = FALSE;
    return FALSE;
}

HRESULT HrCreateNewWrappedObject(LPVOID pvUnwrapped, ULONG ulUnwrappedFlags,
                                 ULONG ulWrappedFlags, const IID *pIID,
                                 const ULONG *pulReserved, BOOL fCheckWrap, LPVOID *ppvWrapped)
{
    HRESULT hr = HrCreateNewWrappedObject_check_inline(pvUnwrapped, ulUnwrappedFlags,
                                                       ulWrappedFlags, pIID, pulReserved,
                                                       fCheckWrap, ppvWrapped);
    if (FAILED(hr))
        return hr;
    return MAPI_E_NO_SUPPORT;
}

/* local@domain: one '@', something on both sides, no blanks. */
static bool smtp_address(const WCHAR *a)
{
    int at = -1, n = 0;
    for (; a[n] != 0; n++) {
        if (a[n] == '@') {
            if (at >= 0)
                return false;
            at = n;
        } else if (a[n] <= ' ') {
            return false;
        }
    }
    return at > 0 && at < n - 1;
}

HRESULT HrGetAutoDiscoverXML(const WCHAR *pwzAddress, const WCHAR *pwzPassword,
                             HANDLE hCancelEvent, ULONG ulFlags, IStream **ppXmlStream)
{
    HRESULT hr = HrGetAutoDiscoverXML_check_inline(pwzAddress, pwzPassword, hCancelEvent,
                                                   ulFlags, ppXmlStream);
    if (FAILED(hr))
        return hr;
    *ppXmlStream = NULL;
    if (pwzAddress == NULL || !smtp_address(pwzAddress))
        return E_INVALIDARG;
    return MAPI_E_NOT_FOUND;
}

void MAPICrashRecovery(ULONG ulFlags)
{
    (void)ulFlags;
}
