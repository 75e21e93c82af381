/* provider.cpp: a third-party transport, address book, store and hook provider, a form server
 * and a small client, written as they are for Microsoft's MAPI headers: every public header in
 * the usual order, one method of each provider-side interface defined out of line with
 * Microsoft's 64-bit signature (ULONG_PTR UI parameters, connections and message references),
 * the provider entry points checked against the headers' typedefs. tests/build/
 * test_source_compat.py compiles it with and without initguid.h first and with and without
 * UNICODE, under -Wall -Wextra -Werror, and links it against libmapirt. */
#ifdef COMPAT_SIMPLE_FIRST
#include <mapi.h>
#endif
#ifdef COMPAT_INITGUID
#include <initguid.h>
#define USES_IID_IMAPITable
#define USES_IID_IXPLogon
#endif
#include <mapix.h>
#include <mapiutil.h>
#include <mapispi.h>
#include <mapidefs.h>
#include <mapicode.h>
#include <mapitags.h>
#include <mapiguid.h>
#include <mapival.h>
#include <mapiwin.h>
#include <mapinls.h>
#include <imessage.h>
#include <tnef.h>
#include <mapiform.h>
#include <mapihook.h>
#include <mapi.h>
#define USES_OID_TNEF
#include <mapioid.h>
#include <mapiwz.h>
#include <mapidbg.h>
#include <exchform.h>
#include <mspab.h>
#include <mspst.h>
#include <abhelp.h>
#include <mapioutlook.h>

#define IMPL
#define UNUSED(x) ((void)(x))

/* ---- a support object (a provider's test harness): mapispi.h's three-part method list ------ */

#include <type_traits>

class CSupportShim : public IMAPISupport {
public:
    MAPI_IUNKNOWN_METHODS(IMPL)
    MAPI_IMAPISUPPORT_METHODS1(IMPL)
    MAPI_IMAPISUPPORT_METHODS2(IMPL)
    MAPI_IMAPISUPPORT_METHODS3(IMPL)
};
static_assert(!std::is_abstract<CSupportShim>::value,
              "MAPI_IMAPISUPPORT_METHODS1..3 declare every IMAPISupport method");

/* ---- transport provider -------------------------------------------------------------------- */

class CXPProvider : public IXPProvider {
public:
    MAPI_IUNKNOWN_METHODS(IMPL)
    MAPI_IXPPROVIDER_METHODS(IMPL)
};

STDMETHODIMP CXPProvider::TransportLogon(LPMAPISUP lpMAPISup, ULONG_PTR ulUIParam,
                                         LPTSTR lpszProfileName, ULONG *lpulFlags,
                                         LPMAPIERROR *lppMAPIError, LPXPLOGON *lppXPLogon)
{
    UNUSED(lpMAPISup), UNUSED(ulUIParam), UNUSED(lpszProfileName), UNUSED(lpulFlags);
    UNUSED(lppMAPIError), UNUSED(lppXPLogon);
    return MAPI_E_NO_SUPPORT;
}

class CXPLogon : public IXPLogon {
public:
    MAPI_IUNKNOWN_METHODS(IMPL)
    MAPI_IXPLOGON_METHODS(IMPL)
    ULONG_PTR last;
};

STDMETHODIMP CXPLogon::SubmitMessage(ULONG ulFlags, LPMESSAGE lpMessage, ULONG_PTR *lpulMsgRef,
                                     ULONG *lpulReturnParm)
{
    CheckParameters_IXPLogon_SubmitMessage(this, ulFlags, lpMessage, lpulMsgRef, lpulReturnParm);
    UNUSED(ulFlags), UNUSED(lpMessage), UNUSED(lpulReturnParm);
    *lpulMsgRef = reinterpret_cast<ULONG_PTR>(this); /* a pointer: needs all 64 bits */
    return S_OK;
}

STDMETHODIMP CXPLogon::EndMessage(ULONG_PTR ulMsgRef, ULONG *lpulFlags)
{
    last = ulMsgRef;
    *lpulFlags = 0;
    return S_OK;
}

STDMETHODIMP CXPLogon::StartMessage(ULONG ulFlags, LPMESSAGE lpMessage, ULONG_PTR *lpulMsgRef)
{
    UNUSED(ulFlags), UNUSED(lpMessage);
    *lpulMsgRef = 0;
    return S_OK;
}

STDMETHODIMP CXPLogon::FlushQueues(ULONG_PTR ulUIParam, ULONG cbTargetTransport,
                                   LPENTRYID lpTargetTransport, ULONG ulFlags)
{
    UNUSED(ulUIParam), UNUSED(cbTargetTransport), UNUSED(lpTargetTransport), UNUSED(ulFlags);
    return S_OK;
}

extern "C" HRESULT XPProviderInit(HINSTANCE hInstance, LPMALLOC lpMalloc,
                                  LPALLOCATEBUFFER lpAllocateBuffer,
                                  LPALLOCATEMORE lpAllocateMore, LPFREEBUFFER lpFreeBuffer,
                                  ULONG ulFlags, ULONG ulMAPIVer, ULONG *lpulProviderVer,
                                  LPXPPROVIDER *lppXPProvider)
{
    UNUSED(hInstance), UNUSED(lpMalloc), UNUSED(lpAllocateBuffer), UNUSED(lpAllocateMore);
    UNUSED(lpFreeBuffer), UNUSED(ulFlags), UNUSED(ulMAPIVer);
    *lpulProviderVer = CURRENT_SPI_VERSION;
    *lppXPProvider = NULL;
    return MAPI_E_NO_SUPPORT;
}

/* ---- address book provider ----------------------------------------------------------------- */

class CABProvider : public IABProvider {
public:
    MAPI_IUNKNOWN_METHODS(IMPL)
    MAPI_IABPROVIDER_METHODS(IMPL)
};

STDMETHODIMP CABProvider::Logon(LPMAPISUP lpMAPISup, ULONG_PTR ulUIParam, LPTSTR lpszProfileName,
                                ULONG ulFlags, ULONG *lpulpcbSecurity, LPBYTE *lppbSecurity,
                                LPMAPIERROR *lppMAPIError, LPABLOGON *lppABLogon)
{
    UNUSED(lpMAPISup), UNUSED(ulUIParam), UNUSED(lpszProfileName), UNUSED(ulFlags);
    UNUSED(lpulpcbSecurity), UNUSED(lppbSecurity), UNUSED(lppMAPIError), UNUSED(lppABLogon);
    return MAPI_E_NO_SUPPORT;
}

class CABLogon : public IABLogon {
public:
    MAPI_IUNKNOWN_METHODS(IMPL)
    MAPI_IABLOGON_METHODS(IMPL)
};

STDMETHODIMP CABLogon::Advise(ULONG cbEntryID, LPENTRYID lpEntryID, ULONG ulEventMask,
                              LPMAPIADVISESINK lpAdviseSink, ULONG_PTR *lpulConnection)
{
    UNUSED(cbEntryID), UNUSED(lpEntryID), UNUSED(ulEventMask), UNUSED(lpAdviseSink);
    *lpulConnection = 1;
    return S_OK;
}

STDMETHODIMP CABLogon::Unadvise(ULONG_PTR ulConnection)
{
    return ulConnection == 1 ? S_OK : MAPI_E_NOT_FOUND;
}

class CABContainer : public IABContainer {
public:
    MAPI_IUNKNOWN_METHODS(IMPL)
    MAPI_IMAPIPROP_METHODS(IMPL)
    MAPI_IMAPICONTAINER_METHODS(IMPL)
    MAPI_IABCONTAINER_METHODS(IMPL)
};

STDMETHODIMP CABContainer::CopyEntries(LPENTRYLIST lpEntries, ULONG_PTR ulUIParam,
                                       LPMAPIPROGRESS lpProgress, ULONG ulFlags)
{
    UNUSED(lpEntries), UNUSED(ulUIParam), UNUSED(lpProgress), UNUSED(ulFlags);
    return MAPI_E_NO_SUPPORT;
}

class CMailUser : public IMailUser {
public:
    MAPI_IUNKNOWN_METHODS(IMPL)
    MAPI_IMAPIPROP_METHODS(IMPL)
};

STDMETHODIMP CMailUser::GetProps(LPSPropTagArray lpPropTagArray, ULONG ulFlags, ULONG *lpcValues,
                                 LPSPropValue *lppPropArray)
{
    UNUSED(lpPropTagArray), UNUSED(ulFlags), UNUSED(lpcValues), UNUSED(lppPropArray);
    return MAPI_E_NO_SUPPORT;
}

class CDistList : public IDistList {
public:
    MAPI_IUNKNOWN_METHODS(IMPL)
    MAPI_IMAPIPROP_METHODS(IMPL)
    MAPI_IMAPICONTAINER_METHODS(IMPL)
    MAPI_IDISTLIST_METHODS(IMPL)
};

STDMETHODIMP CDistList::CopyEntries(LPENTRYLIST lpEntries, ULONG_PTR ulUIParam,
                                    LPMAPIPROGRESS lpProgress, ULONG ulFlags)
{
    UNUSED(lpEntries), UNUSED(ulUIParam), UNUSED(lpProgress), UNUSED(ulFlags);
    return MAPI_E_NO_SUPPORT;
}

extern "C" HRESULT ABProviderInit(HINSTANCE hInstance, LPMALLOC lpMalloc,
                                  LPALLOCATEBUFFER lpAllocateBuffer,
                                  LPALLOCATEMORE lpAllocateMore, LPFREEBUFFER lpFreeBuffer,
                                  ULONG ulFlags, ULONG ulMAPIVer, ULONG *lpulProviderVer,
                                  LPABPROVIDER *lppABProvider)
{
    UNUSED(hInstance), UNUSED(lpMalloc), UNUSED(lpAllocateBuffer), UNUSED(lpAllocateMore);
    UNUSED(lpFreeBuffer), UNUSED(ulFlags), UNUSED(ulMAPIVer), UNUSED(lppABProvider);
    *lpulProviderVer = CURRENT_SPI_VERSION;
    return MAPI_E_NO_SUPPORT;
}

/* ---- message store provider ---------------------------------------------------------------- */

class CMSProvider : public IMSProvider {
public:
    MAPI_IUNKNOWN_METHODS(IMPL)
    MAPI_IMSPROVIDER_METHODS(IMPL)
};

STDMETHODIMP CMSProvider::Logon(LPMAPISUP lpMAPISup, ULONG_PTR ulUIParam, LPTSTR lpszProfileName,
                                ULONG cbEntryID, LPENTRYID lpEntryID, ULONG ulFlags,
                                LPCIID lpInterface, ULONG *lpcbSpoolSecurity,
                                LPBYTE *lppbSpoolSecurity, LPMAPIERROR *lppMAPIError,
                                LPMSLOGON *lppMSLogon, LPMDB *lppMDB)
{
    UNUSED(lpMAPISup), UNUSED(ulUIParam), UNUSED(lpszProfileName), UNUSED(cbEntryID);
    UNUSED(lpEntryID), UNUSED(ulFlags), UNUSED(lpInterface), UNUSED(lpcbSpoolSecurity);
    UNUSED(lppbSpoolSecurity), UNUSED(lppMAPIError), UNUSED(lppMSLogon), UNUSED(lppMDB);
    return MAPI_E_NO_SUPPORT;
}

class CMSLogon : public IMSLogon {
public:
    MAPI_IUNKNOWN_METHODS(IMPL)
    MAPI_IMSLOGON_METHODS(IMPL)
};

STDMETHODIMP CMSLogon::Unadvise(ULONG_PTR ulConnection)
{
    UNUSED(ulConnection);
    return S_OK;
}

class CMsgStore : public IMsgStore {
public:
    MAPI_IUNKNOWN_METHODS(IMPL)
    MAPI_IMAPIPROP_METHODS(IMPL)
    MAPI_IMSGSTORE_METHODS(IMPL)
};

STDMETHODIMP CMsgStore::Advise(ULONG cbEntryID, LPENTRYID lpEntryID, ULONG ulEventMask,
                               LPMAPIADVISESINK lpAdviseSink, ULONG_PTR *lpulConnection)
{
    UNUSED(cbEntryID), UNUSED(lpEntryID), UNUSED(ulEventMask), UNUSED(lpAdviseSink);
    *lpulConnection = 0;
    return MAPI_E_NO_SUPPORT;
}

STDMETHODIMP CMsgStore::CopyTo(ULONG ciidExclude, LPCIID rgiidExclude,
                               LPSPropTagArray lpExcludeProps, ULONG_PTR ulUIParam,
                               LPMAPIPROGRESS lpProgress, LPCIID lpInterface, LPVOID lpDestObj,
                               ULONG ulFlags, LPSPropProblemArray *lppProblems)
{
    UNUSED(ciidExclude), UNUSED(rgiidExclude), UNUSED(lpExcludeProps), UNUSED(ulUIParam);
    UNUSED(lpProgress), UNUSED(lpInterface), UNUSED(lpDestObj), UNUSED(ulFlags);
    UNUSED(lppProblems);
    return MAPI_E_NO_SUPPORT;
}

class CFolder : public IMAPIFolder {
public:
    MAPI_IUNKNOWN_METHODS(IMPL)
    MAPI_IMAPIPROP_METHODS(IMPL)
    MAPI_IMAPICONTAINER_METHODS(IMPL)
    MAPI_IMAPIFOLDER_METHODS(IMPL)
};

STDMETHODIMP CFolder::CopyMessages(LPENTRYLIST lpMsgList, LPCIID lpInterface, LPVOID lpDestFolder,
                                   ULONG_PTR ulUIParam, LPMAPIPROGRESS lpProgress, ULONG ulFlags)
{
    UNUSED(lpMsgList), UNUSED(lpInterface), UNUSED(lpDestFolder), UNUSED(ulUIParam);
    UNUSED(lpProgress), UNUSED(ulFlags);
    return MAPI_E_NO_SUPPORT;
}

class CMessage : public IMessage {
public:
    MAPI_IUNKNOWN_METHODS(IMPL)
    MAPI_IMAPIPROP_METHODS(IMPL)
    MAPI_IMESSAGE_METHODS(IMPL)
};

STDMETHODIMP CMessage::DeleteAttach(ULONG ulAttachmentNum, ULONG_PTR ulUIParam,
                                    LPMAPIPROGRESS lpProgress, ULONG ulFlags)
{
    UNUSED(ulAttachmentNum), UNUSED(ulUIParam), UNUSED(lpProgress), UNUSED(ulFlags);
    return MAPI_E_NO_SUPPORT;
}

class CAttach : public IAttach {
public:
    MAPI_IUNKNOWN_METHODS(IMPL)
    MAPI_IMAPIPROP_METHODS(IMPL)
};

STDMETHODIMP CAttach::SaveChanges(ULONG ulFlags)
{
    UNUSED(ulFlags);
    return S_OK;
}

class CStatus : public IMAPIStatus {
public:
    MAPI_IUNKNOWN_METHODS(IMPL)
    MAPI_IMAPIPROP_METHODS(IMPL)
    MAPI_IMAPISTATUS_METHODS(IMPL)
};

STDMETHODIMP CStatus::ValidateState(ULONG_PTR ulUIParam, ULONG ulFlags)
{
    UNUSED(ulUIParam), UNUSED(ulFlags);
    return S_OK;
}

class CTable : public IMAPITable {
public:
    MAPI_IUNKNOWN_METHODS(IMPL)
    MAPI_IMAPITABLE_METHODS(IMPL)
};

STDMETHODIMP CTable::Advise(ULONG ulEventMask, LPMAPIADVISESINK lpAdviseSink,
                            ULONG_PTR *lpulConnection)
{
    Validate_IMAPITable_Advise(this, ulEventMask, lpAdviseSink, lpulConnection);
    *lpulConnection = 0;
    return MAPI_E_NO_SUPPORT;
}

extern "C" HRESULT MSProviderInit(HINSTANCE hInstance, LPMALLOC lpMalloc,
                                  LPALLOCATEBUFFER lpAllocateBuffer,
                                  LPALLOCATEMORE lpAllocateMore, LPFREEBUFFER lpFreeBuffer,
                                  ULONG ulFlags, ULONG ulMAPIVer, ULONG *lpulProviderVer,
                                  LPMSPROVIDER *lppMSProvider)
{
    UNUSED(hInstance), UNUSED(lpMalloc), UNUSED(lpAllocateBuffer), UNUSED(lpAllocateMore);
    UNUSED(lpFreeBuffer), UNUSED(ulFlags), UNUSED(ulMAPIVer), UNUSED(lppMSProvider);
    *lpulProviderVer = CURRENT_SPI_VERSION;
    return MAPI_E_NO_SUPPORT;
}

/* ---- spooler hook, controls, progress, sinks ----------------------------------------------- */

class CHook : public ISpoolerHook {
public:
    MAPI_IUNKNOWN_METHODS(IMPL)
    MAPI_ISPOOLERHOOK_METHODS(IMPL)
};

STDMETHODIMP CHook::InboundMsgHook(LPMESSAGE lpMessage, LPMAPIFOLDER lpFolder, LPMDB lpMDB,
                                   ULONG *lpulFlags, ULONG *lpcbEntryID, LPBYTE *lppEntryID)
{
    UNUSED(lpMessage), UNUSED(lpFolder), UNUSED(lpMDB), UNUSED(lpcbEntryID), UNUSED(lppEntryID);
    *lpulFlags = HOOK_CANCEL;
    return S_OK;
}

extern "C" HRESULT HPProviderInit(LPMAPISESSION lpSession, HINSTANCE hInstance,
                                  LPALLOCATEBUFFER lpAllocateBuffer,
                                  LPALLOCATEMORE lpAllocateMore, LPFREEBUFFER lpFreeBuffer,
                                  LPMAPIUID lpSectionUID, ULONG ulFlags,
                                  LPSPOOLERHOOK *lppSpoolerHook)
{
    UNUSED(lpSession), UNUSED(hInstance), UNUSED(lpAllocateBuffer), UNUSED(lpAllocateMore);
    UNUSED(lpFreeBuffer), UNUSED(lpSectionUID), UNUSED(ulFlags), UNUSED(lppSpoolerHook);
    return MAPI_E_NO_SUPPORT;
}

class CControl : public IMAPIControl {
public:
    MAPI_IUNKNOWN_METHODS(IMPL)
    MAPI_IMAPICONTROL_METHODS(IMPL)
};

STDMETHODIMP CControl::Activate(ULONG ulFlags, ULONG_PTR ulUIParam)
{
    UNUSED(ulFlags), UNUSED(ulUIParam);
    return S_OK;
}

class CProgress : public IMAPIProgress {
public:
    MAPI_IUNKNOWN_METHODS(IMPL)
    MAPI_IMAPIPROGRESS_METHODS(IMPL)
};

STDMETHODIMP CProgress::Progress(ULONG ulValue, ULONG ulCount, ULONG ulTotal)
{
    UNUSED(ulValue), UNUSED(ulCount), UNUSED(ulTotal);
    return S_OK;
}

class CSink : public IMAPIAdviseSink {
public:
    MAPI_IUNKNOWN_METHODS(IMPL)
    MAPI_IMAPIADVISESINK_METHODS(IMPL)
};

STDMETHODIMP_(ULONG) CSink::OnNotify(ULONG cNotif, LPNOTIFICATION lpNotifications)
{
    UNUSED(lpNotifications);
    return cNotif;
}

/* The Offline State API's callback, as an Outlook add-in writes it. */
class COfflineNotify : public IMAPIOfflineNotify {
public:
    MAPI_IUNKNOWN_METHODS(IMPL)
    MAPI_IMAPIOFFLINENOTIFY_METHODS(IMPL)
};

STDMETHODIMP_(void) COfflineNotify::Notify(const MAPIOFFLINE_NOTIFY *pNotifyInfo)
{
    if (pNotifyInfo->NotifyType == MAPIOFFLINE_NOTIFY_TYPE_STATECHANGE &&
        pNotifyInfo->Info.StateChange.ulMask == MAPIOFFLINE_STATE_OFFLINE_MASK)
        UNUSED(pNotifyInfo->Info.StateChange.ulStateNew);
}

/* ---- form server ---------------------------------------------------------------------------- */

/* One object, two interfaces, as form servers are written: GetLastError is declared once. */
class CForm : public IMAPIForm, public IPersistMessage {
public:
    MAPI_IUNKNOWN_METHODS(IMPL)
    MAPI_GETLASTERROR_METHOD(IMPL)
    MAPI_IMAPIFORM_METHODS(IMPL)
    MAPI_IPERSISTMESSAGE_METHODS(IMPL)
};

STDMETHODIMP CForm::DoVerb(LONG iVerb, LPMAPIVIEWCONTEXT lpViewContext, ULONG_PTR hwndParent,
                           LPCRECT lprcPosRect)
{
    UNUSED(lpViewContext), UNUSED(hwndParent), UNUSED(lprcPosRect);
    return iVerb == EXCHIVERB_OPEN ? S_OK : MAPI_E_NO_SUPPORT;
}

STDMETHODIMP CForm::Load(LPMAPIMESSAGESITE pMessageSite, LPMESSAGE pMessage,
                         ULONG ulMessageStatus, ULONG ulMessageFlags)
{
    UNUSED(pMessageSite), UNUSED(pMessage), UNUSED(ulMessageStatus), UNUSED(ulMessageFlags);
    return S_OK;
}

class CFormFactory : public IMAPIFormFactory {
public:
    MAPI_IUNKNOWN_METHODS(IMPL)
    MAPI_GETLASTERROR_METHOD(IMPL)
    MAPI_IMAPIFORMFACTORY_METHODS(IMPL)
};

STDMETHODIMP CFormFactory::CreateClassFactory(REFCLSID clsidForm, ULONG ulFlags,
                                              LPCLASSFACTORY *lppClassFactory)
{
    UNUSED(clsidForm), UNUSED(ulFlags), UNUSED(lppClassFactory);
    return MAPI_E_NO_SUPPORT;
}

/* ---- message service entry, wizard --------------------------------------------------------- */

extern "C" HRESULT ServiceEntry(HINSTANCE hInstance, LPMALLOC lpMalloc, LPMAPISUP lpMAPISup,
                                ULONG_PTR ulUIParam, ULONG ulFlags, ULONG ulContext,
                                ULONG cValues, LPSPropValue lpProps,
                                LPPROVIDERADMIN lpProviderAdmin, LPMAPIERROR *lppMapiError)
{
    UNUSED(hInstance), UNUSED(lpMalloc), UNUSED(lpMAPISup), UNUSED(ulUIParam), UNUSED(ulFlags);
    UNUSED(cValues), UNUSED(lpProps), UNUSED(lpProviderAdmin), UNUSED(lppMapiError);
    return ulContext == MSG_SERVICE_CONFIGURE ? S_OK : MAPI_E_NO_SUPPORT;
}
static MSGSERVICEENTRY *const service_entry_has_the_sdk_type = ServiceEntry;

/* QueryInterface as providers write it (REFIID is a C++ reference here). */
static HRESULT query_interface(LPUNKNOWN self, REFIID riid, LPVOID *ppvObj)
{
    Validate_IUnknown_QueryInterface(self, riid, ppvObj);
    *ppvObj = IsEqualIID(riid, IID_IUnknown) ? self : NULL;
    return *ppvObj ? S_OK : MAPI_E_INTERFACE_NOT_SUPPORTED;
}

/* ---- a small client ------------------------------------------------------------------------- */

static HRESULT client(LPMAPISESSION session)
{
    MAPIINIT_0 init = {MAPI_INIT_VERSION, MAPI_MULTITHREAD_NOTIFICATIONS};
    HRESULT hr = MAPIInitialize(&init);
    if (FAILED(hr))
        return hr;
    LPMAPITABLE table = NULL;
    hr = session->GetMsgStoresTable(0, &table);
    if (SUCCEEDED(hr)) {
        LPSRowSet rows = NULL;
        SizedSPropTagArray(2, cols) = {2, {PR_ENTRYID, PR_DISPLAY_NAME}};
        hr = HrQueryAllRows(table, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows);
        FreeProws(rows);
        ULONG_PTR conn = 0;
        table->Advise(fnevTableModified, NULL, &conn);
        table->Unadvise(conn);
        table->Release();
    }
    LPUNKNOWN unk = NULL;
    if (session->QueryInterface(IID_IUnknown, (void **)&unk) == S_OK)
        unk->Release();
    if (query_interface(session, IID_IUnknown, (LPVOID *)&unk) != S_OK)
        return MAPI_E_CALL_FAILED;
    if (IsEqualGUID(IID_IMAPITable, IID_IXPLogon))
        return MAPI_E_CALL_FAILED;
    /* mapinls.h's redirection and the other headers' helpers. */
    WCHAR w[8];
    lstrcpyW(w, u"abc");
    Assert(lstrlenW(w) == 3);
    LPBYTE idx = NULL;
    ULONG cb = 0;
    if (ScCreateConversationIndex(0, NULL, &cb, &idx) == S_OK)
        MAPIFreeBuffer(idx);
    char unc[260];
    ScUNCFromLocalPath(const_cast<LPSTR>("/tmp"), unc, sizeof(unc));
    LHANDLE lh = lhSessionNull;
    if (MAPILogon(0, NULL, NULL, MAPI_LOGON_UI, 0, &lh) != MAPI_E_NOT_SUPPORTED)
        return MAPI_E_CALL_FAILED;
    if (memcmp(OID_TNEF, "\x2A\x86\x48\x86\xF7\x14\x03\x0A\x01", CB_OID_TNEF) != 0)
        return MAPI_E_CALL_FAILED;
    /* Streams on files and compressed RTF. */
    LPSTREAM file = NULL, rtf = NULL;
    if (OpenStreamOnFile(MAPIAllocateBuffer, MAPIFreeBuffer, SOF_UNIQUEFILENAME | STGM_CREATE |
                         STGM_READWRITE | STGM_DELETEONRELEASE, NULL, NULL, &file) == S_OK) {
        if (WrapCompressedRTFStream(file, MAPI_MODIFY, &rtf) == S_OK) {
            rtf->Write("{\\rtf1}", 7, NULL);
            rtf->Commit(STGC_DEFAULT);
            rtf->Release();
        }
        file->Release();
    }
    /* Outlook's own entry points, found the way an add-in finds them. */
    HROPENOFFLINEOBJ *open_offline = HrOpenOfflineObj;
    IMAPIOfflineMgr *offline = NULL;
    if (open_offline(0, u"profile", &GUID_GlobalState, NULL, &offline) == S_OK) {
        ULONG caps = 0;
        IMAPIOffline *state = NULL;
        if (offline->QueryInterface(IID_IMAPIOffline, (void **)&state) == S_OK) {
            state->GetCapabilities(&caps);
            state->Release();
        }
        offline->Release();
    }
    BOOL policy = FALSE;
    if (GetDefCachedMode(&policy))
        return MAPI_E_CALL_FAILED;
    UNUSED(service_entry_has_the_sdk_type);
    MAPIUninitialize();
    return S_OK;
}

extern "C" HRESULT compat_client(LPMAPISESSION session)
{
    return client(session);
}
