/* nosupport.c: the declared entry points mapirt deliberately does not support, each answering
 * MAPI_E_NO_SUPPORT and leaving its outputs alone (docs/decisions.md lists them):
 *   forms and the profile wizard (no form registry, no UI): MAPIOpenFormMgr,
 *     MAPIOpenLocalFormContainer, LaunchWizard, BuildDisplayTable;
 *   Exchange's address-book helpers (abhelp.h; no Exchange provider);
 *   IMessage on IStorage (imessage.h) and TNEF (tnef.h) until the .msg and TNEF layer exists,
 *     and HrIStorageFromStream (no compound-file storage yet). */
#include <abhelp.h>
#include <imessage.h>
#include <mapiform.h>
#include <mapiwz.h>
#include <tnef.h>

HRESULT MAPIOpenFormMgr(LPMAPISESSION pSession, LPMAPIFORMMGR *ppmgr)
{
    (void)pSession, (void)ppmgr;
    return MAPI_E_NO_SUPPORT;
}

HRESULT MAPIOpenLocalFormContainer(LPMAPIFORMCONTAINER *ppfcnt)
{
    (void)ppfcnt;
    return MAPI_E_NO_SUPPORT;
}

HRESULT LaunchWizard(HWND hParentWnd, ULONG ulFlags, LPCTSTR *lppszServiceNameToAdd,
                     ULONG cbBufferMax, LPTSTR lpszNewProfileName)
{
    (void)hParentWnd, (void)ulFlags, (void)lppszServiceNameToAdd, (void)cbBufferMax,
        (void)lpszNewProfileName;
    return MAPI_E_NO_SUPPORT;
}

HRESULT BuildDisplayTable(LPALLOCATEBUFFER lpAllocateBuffer, LPALLOCATEMORE lpAllocateMore,
                          LPFREEBUFFER lpFreeBuffer, LPMALLOC lpMalloc, HINSTANCE hInstance,
                          UINT cPages, LPDTPAGE lpPage, ULONG ulFlags, LPMAPITABLE *lppTable,
                          LPTABLEDATA *lppTblData)
{
    (void)lpAllocateBuffer, (void)lpAllocateMore, (void)lpFreeBuffer, (void)lpMalloc,
        (void)hInstance, (void)cPages, (void)lpPage, (void)ulFlags, (void)lppTable,
        (void)lppTblData;
    return MAPI_E_NO_SUPPORT;
}

HRESULT HrIStorageFromStream(LPUNKNOWN lpUnkIn, LPCIID lpInterface, ULONG ulFlags,
                             LPSTORAGE *lppStorageOut)
{
    (void)lpUnkIn, (void)lpInterface, (void)ulFlags, (void)lppStorageOut;
    return MAPI_E_NO_SUPPORT;
}

/* ---- abhelp.h ---- */

HRESULT HrOpenABEntryWithExchangeContext(LPMAPISESSION pmsess, const MAPIUID *pEmsmdbUID,
                                         LPADRBOOK pAddrBook, ULONG cbEntryID,
                                         LPENTRYID lpEntryID, LPCIID lpInterface, ULONG ulFlags,
                                         ULONG *lpulObjType, LPUNKNOWN *lppUnk)
{
    (void)pmsess, (void)pEmsmdbUID, (void)pAddrBook, (void)cbEntryID, (void)lpEntryID,
        (void)lpInterface, (void)ulFlags, (void)lpulObjType, (void)lppUnk;
    return MAPI_E_NO_SUPPORT;
}

HRESULT HrDoABDetailsWithExchangeContext(LPMAPISESSION pmsess, const MAPIUID *pEmsmdbUID,
                                         LPADRBOOK pAddrBook, ULONG_PTR *lpulUIParam,
                                         LPFNDISMISS lpfnDismiss, LPVOID lpvDismissContext,
                                         ULONG cbEntryID, LPENTRYID lpEntryID,
                                         LPFNBUTTON lpfButtonCallback, LPVOID lpvButtonContext,
                                         LPTSTR lpszButtonText, ULONG ulFlags)
{
    (void)pmsess, (void)pEmsmdbUID, (void)pAddrBook, (void)lpulUIParam, (void)lpfnDismiss,
        (void)lpvDismissContext, (void)cbEntryID, (void)lpEntryID, (void)lpfButtonCallback,
        (void)lpvButtonContext, (void)lpszButtonText, (void)ulFlags;
    return MAPI_E_NO_SUPPORT;
}

HRESULT HrDoABDetailsWithProviderUID(const MAPIUID *pEmsabpUID, LPADRBOOK pAddrBook,
                                     ULONG_PTR *lpulUIParam, LPFNDISMISS lpfnDismiss,
                                     LPVOID lpvDismissContext, ULONG cbEntryID,
                                     LPENTRYID lpEntryID, LPFNBUTTON lpfButtonCallback,
                                     LPVOID lpvButtonContext, LPTSTR lpszButtonText,
                                     ULONG ulFlags)
{
    (void)pEmsabpUID, (void)pAddrBook, (void)lpulUIParam, (void)lpfnDismiss,
        (void)lpvDismissContext, (void)cbEntryID, (void)lpEntryID, (void)lpfButtonCallback,
        (void)lpvButtonContext, (void)lpszButtonText, (void)ulFlags;
    return MAPI_E_NO_SUPPORT;
}

HRESULT HrOpenABEntryUsingDefaultContext(LPMAPISESSION pmsess, LPADRBOOK pAddrBook,
                                         ULONG cbEntryID, LPENTRYID lpEntryID,
                                         LPCIID lpInterface, ULONG ulFlags, ULONG *lpulObjType,
                                         LPUNKNOWN *lppUnk)
{
    (void)pmsess, (void)pAddrBook, (void)cbEntryID, (void)lpEntryID, (void)lpInterface,
        (void)ulFlags, (void)lpulObjType, (void)lppUnk;
    return MAPI_E_NO_SUPPORT;
}

HRESULT HrOpenABEntryWithProviderUID(const MAPIUID *pEmsabpUID, LPADRBOOK pAddrBook,
                                     ULONG cbEntryID, LPENTRYID lpEntryID, LPCIID lpInterface,
                                     ULONG ulFlags, ULONG *lpulObjType, LPUNKNOWN *lppUnk)
{
    (void)pEmsabpUID, (void)pAddrBook, (void)cbEntryID, (void)lpEntryID, (void)lpInterface,
        (void)ulFlags, (void)lpulObjType, (void)lppUnk;
    return MAPI_E_NO_SUPPORT;
}

HRESULT HrOpenABEntryWithProviderUIDSupport(const MAPIUID *pEmsabpUID, LPMAPISUP lpSup,
                                            ULONG cbEntryID, LPENTRYID lpEntryID,
                                            LPCIID lpInterface, ULONG ulFlags,
                                            ULONG *lpulObjType, LPUNKNOWN *lppUnk)
{
    (void)pEmsabpUID, (void)lpSup, (void)cbEntryID, (void)lpEntryID, (void)lpInterface,
        (void)ulFlags, (void)lpulObjType, (void)lppUnk;
    return MAPI_E_NO_SUPPORT;
}

HRESULT HrOpenABEntryWithResolvedRow(LPSRow prwResolved, LPADRBOOK pAddrBook, ULONG cbEntryID,
                                     LPENTRYID lpEntryID, LPCIID lpInterface, ULONG ulFlags,
                                     ULONG *lpulObjType, LPUNKNOWN *lppUnk)
{
    (void)prwResolved, (void)pAddrBook, (void)cbEntryID, (void)lpEntryID, (void)lpInterface,
        (void)ulFlags, (void)lpulObjType, (void)lppUnk;
    return MAPI_E_NO_SUPPORT;
}

HRESULT HrCompareABEntryIDsWithExchangeContext(LPMAPISESSION pmsess, const MAPIUID *pEmsmdbUID,
                                               LPADRBOOK pAddrBook, ULONG cbEntryID1,
                                               LPENTRYID lpEntryID1, ULONG cbEntryID2,
                                               LPENTRYID lpEntryID2, ULONG ulFlags,
                                               ULONG *lpulResult)
{
    (void)pmsess, (void)pEmsmdbUID, (void)pAddrBook, (void)cbEntryID1, (void)lpEntryID1,
        (void)cbEntryID2, (void)lpEntryID2, (void)ulFlags, (void)lpulResult;
    return MAPI_E_NO_SUPPORT;
}

HRESULT HrOpenABEntryWithSupport(LPMAPISUP lpSup, ULONG cbEntryID, LPENTRYID lpEntryID,
                                 LPCIID lpInterface, ULONG ulFlags, ULONG *lpulObjType,
                                 LPUNKNOWN *lppUnk)
{
    (void)lpSup, (void)cbEntryID, (void)lpEntryID, (void)lpInterface, (void)ulFlags,
        (void)lpulObjType, (void)lppUnk;
    return MAPI_E_NO_SUPPORT;
}

HRESULT HrGetGALFromEmsmdbUID(LPMAPISESSION pSess, LPADRBOOK lpAdrBook, const MAPIUID *pEmsmdbUID,
                              ULONG *lpcbeid, LPENTRYID *lppeid)
{
    (void)pSess, (void)lpAdrBook, (void)pEmsmdbUID, (void)lpcbeid, (void)lppeid;
    return MAPI_E_NO_SUPPORT;
}

/* ---- imessage.h ---- */

SCODE OpenIMsgSession(LPMALLOC lpMalloc, ULONG ulFlags, LPMSGSESS *lppMsgSess)
{
    (void)lpMalloc, (void)ulFlags, (void)lppMsgSess;
    return MAPI_E_NO_SUPPORT;
}

void CloseIMsgSession(LPMSGSESS lpMsgSess)
{
    (void)lpMsgSess; /* no session can have been opened */
}

SCODE OpenIMsgOnIStg(LPMSGSESS lpMsgSess, LPALLOCATEBUFFER lpAllocateBuffer,
                     LPALLOCATEMORE lpAllocateMore, LPFREEBUFFER lpFreeBuffer, LPMALLOC lpMalloc,
                     LPVOID lpMapiSup, LPSTORAGE lpStg, MSGCALLRELEASE *lpfMsgCallRelease,
                     ULONG ulCallerData, ULONG ulFlags, LPMESSAGE *lppMsg)
{
    (void)lpMsgSess, (void)lpAllocateBuffer, (void)lpAllocateMore, (void)lpFreeBuffer,
        (void)lpMalloc, (void)lpMapiSup, (void)lpStg, (void)lpfMsgCallRelease,
        (void)ulCallerData, (void)ulFlags, (void)lppMsg;
    return MAPI_E_NO_SUPPORT;
}

HRESULT GetAttribIMsgOnIStg(LPVOID lpObject, LPSPropTagArray lpPropTagArray,
                            LPSPropAttrArray *lppPropAttrArray)
{
    (void)lpObject, (void)lpPropTagArray, (void)lppPropAttrArray;
    return MAPI_E_NO_SUPPORT;
}

HRESULT SetAttribIMsgOnIStg(LPVOID lpObject, LPSPropTagArray lpPropTags,
                            LPSPropAttrArray lpPropAttrs, LPSPropProblemArray *lppPropProblems)
{
    (void)lpObject, (void)lpPropTags, (void)lpPropAttrs, (void)lppPropProblems;
    return MAPI_E_NO_SUPPORT;
}

/* ---- tnef.h ---- */

HRESULT OpenTnefStream(LPVOID lpvSupport, LPSTREAM lpStream, LPTSTR lpszStreamName,
                       ULONG ulFlags, LPMESSAGE lpMessage, WORD wKeyVal, LPITNEF *lppTNEF)
{
    (void)lpvSupport, (void)lpStream, (void)lpszStreamName, (void)ulFlags, (void)lpMessage,
        (void)wKeyVal, (void)lppTNEF;
    return MAPI_E_NO_SUPPORT;
}

HRESULT OpenTnefStreamEx(LPVOID lpvSupport, LPSTREAM lpStream, LPTSTR lpszStreamName,
                         ULONG ulFlags, LPMESSAGE lpMessage, WORD wKeyVal,
                         LPADRBOOK lpAdressBook, LPITNEF *lppTNEF)
{
    (void)lpvSupport, (void)lpStream, (void)lpszStreamName, (void)ulFlags, (void)lpMessage,
        (void)wKeyVal, (void)lpAdressBook, (void)lppTNEF;
    return MAPI_E_NO_SUPPORT;
}
