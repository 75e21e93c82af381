/* runtime/session/supservices.c: what the support object (support.c) does for its provider
 * through the session's other services: the address book and one-offs, MAPI's generic copies
 * (supcopy.c), the sending side (recips.c), receipts, preprocessors, wrapped store entry IDs,
 * and the UI methods, which answer MAPI_E_NO_SUPPORT: there is no UI. */
#include <string.h>

#include <mapicode.h>
#include <mapiguid.h>
#include <mapiutil.h>
#include <mapix.h>

#include <mapirt/alloc.h>

#include "profile/profsect.h"
#include "profile/services.h"
#include "profile/svccall.h"
#include "spool/spool.h"
#include "support_internal.h"

static HRESULT failtext(struct support *self, HRESULT hr, const char *what, const char *err)
{
    return mapirt_lasterror_setf(support_lasterror(self), hr, 0, 0, "%s: %s", what,
        err && err[0] ? err : "failed");
}

HRESULT support_OpenAddressBook(struct support *self, LPCIID lpInterface, ULONG ulFlags,
    LPADRBOOK *lppAdrBook)
{
    (void)ulFlags;
    if (!mapirt_sup_live(self))
        return mapirt_sup_ended(self);
    HRESULT hr = mapirt_addrbook_create(self->sess, lpInterface, lppAdrBook);
    return FAILED(hr) ? support_fail(self, hr, "OpenAddressBook failed") : hr;
}

HRESULT support_CreateOneOff(struct support *self, LPTSTR lpszName, LPTSTR lpszAdrType,
    LPTSTR lpszAddress, ULONG ulFlags, ULONG *lpcbEntryID,
    LPENTRYID *lppEntryID)
{
    HRESULT hr = mapirt_oneoff_make(lpszName, lpszAdrType, lpszAddress, ulFlags, NULL,
        lpcbEntryID, lppEntryID);
    return FAILED(hr) ? support_fail(self, hr, "CreateOneOff: the address type and the address "
                                               "must not be empty")
                      : hr;
}

HRESULT support_GetOneOffTable(struct support *self, ULONG ulFlags, LPMAPITABLE *lppTable)
{
    if (!mapirt_sup_in_flavour(self, SUP_AB))
        return mapirt_sup_not_in_flavour(self, "GetOneOffTable");
    if (!mapirt_sup_live(self))
        return mapirt_sup_ended(self);
    HRESULT hr = mapirt_oneoff_table(self->sess, ulFlags, lppTable);
    return FAILED(hr) ? support_fail(self, hr, "GetOneOffTable: the table cannot be built") : hr;
}

static HRESULT no_ui(struct support *self, unsigned mask, const char *method)
{
    if (!mapirt_sup_in_flavour(self, mask))
        return mapirt_sup_not_in_flavour(self, method);
    return mapirt_lasterror_setf(support_lasterror(self), MAPI_E_NO_SUPPORT, 0, 0,
        "IMAPISupport::%s shows a dialog, and mapirt has no UI", method);
}

HRESULT support_Address(struct support *self, ULONG_PTR *lpulUIParam,
    LPADRPARM lpAdrParms, LPADRLIST *lppAdrList)
{
    (void)lpulUIParam, (void)lpAdrParms, (void)lppAdrList;
    return no_ui(self, SUP_AB, "Address");
}

HRESULT support_Details(struct support *self, ULONG_PTR *lpulUIParam,
    LPFNDISMISS lpfnDismiss, LPVOID lpvDismissContext,
    ULONG cbEntryID, LPENTRYID lpEntryID,
    LPFNBUTTON lpfButtonCallback, LPVOID lpvButtonContext,
    LPTSTR lpszButtonText, ULONG ulFlags)
{
    (void)lpulUIParam, (void)lpfnDismiss, (void)lpvDismissContext, (void)cbEntryID;
    (void)lpEntryID, (void)lpfButtonCallback, (void)lpvButtonContext, (void)lpszButtonText;
    (void)ulFlags;
    return no_ui(self, SUP_AB, "Details");
}

HRESULT support_NewEntry(struct support *self, ULONG_PTR ulUIParam, ULONG ulFlags,
    ULONG cbEIDContainer, LPENTRYID lpEIDContainer,
    ULONG cbEIDNewEntryTpl, LPENTRYID lpEIDNewEntryTpl,
    ULONG *lpcbEIDNewEntry, LPENTRYID *lppEIDNewEntry)
{
    (void)ulUIParam, (void)ulFlags, (void)cbEIDContainer, (void)lpEIDContainer;
    (void)cbEIDNewEntryTpl, (void)lpEIDNewEntryTpl, (void)lpcbEIDNewEntry, (void)lppEIDNewEntry;
    return no_ui(self, SUP_AB, "NewEntry");
}

HRESULT support_DoConfigPropsheet(struct support *self, ULONG_PTR ulUIParam,
    ULONG ulFlags, LPTSTR lpszTitle,
    LPMAPITABLE lpDisplayTable, LPMAPIPROP lpCOnfigData,
    ULONG ulTopPage)
{
    (void)ulUIParam, (void)ulFlags, (void)lpszTitle, (void)lpDisplayTable, (void)lpCOnfigData;
    (void)ulTopPage;
    return no_ui(self, SUP_AB | SUP_MS | SUP_XP, "DoConfigPropsheet");
}

HRESULT support_DoProgressDialog(struct support *self, ULONG_PTR ulUIParam,
    ULONG ulFlags, LPMAPIPROGRESS *lppProgress)
{
    (void)ulUIParam, (void)ulFlags, (void)lppProgress;
    return no_ui(self, SUP_AB | SUP_MS, "DoProgressDialog");
}

/* A template ID names an entry of the provider that made the template: that provider's
 * IABLogon::OpenTemplateID binds the data to it. */
HRESULT support_OpenTemplateID(struct support *self, ULONG cbTemplateID,
    LPENTRYID lpTemplateID, ULONG ulTemplateFlags,
    LPMAPIPROP lpMAPIPropData, LPCIID lpInterface,
    LPMAPIPROP *lppMAPIPropNew, LPMAPIPROP lpMAPIPropSibling)
{
    if (!mapirt_sup_in_flavour(self, SUP_AB))
        return mapirt_sup_not_in_flavour(self, "OpenTemplateID");
    if (!mapirt_sup_live(self))
        return mapirt_sup_ended(self);
    if (cbTemplateID < 4 + 16)
        return support_fail(self, MAPI_E_INVALID_ENTRYID,
            "OpenTemplateID: the template ID is too short for a MAPIUID");
    mapirt_provider *p = mapirt_route(self->sess, cbTemplateID, lpTemplateID);
    LPUNKNOWN l = p && p->kind == MAPIRT_PROV_AB ? mapirt_logon_ref(p) : NULL;
    if (!l)
        return support_fail(self, MAPI_E_UNKNOWN_ENTRYID,
            "OpenTemplateID: no address book provider of this session made the "
            "template");
    HRESULT hr = ((IABLogon *)l)->lpVtbl->OpenTemplateID((IABLogon *)l, cbTemplateID, lpTemplateID, ulTemplateFlags, lpMAPIPropData, lpInterface, lppMAPIPropNew, lpMAPIPropSibling);
    l->lpVtbl->Release(l);
    return FAILED(hr) ? support_fail(self, hr, "OpenTemplateID: the template's provider refused")
                      : hr;
}

/* ---- MAPI's generic copies (supcopy.c) ---- */

HRESULT support_DoCopyTo(struct support *self, LPCIID lpSrcInterface, LPVOID lpSrcObj,
    ULONG ciidExclude, LPCIID rgiidExclude,
    LPSPropTagArray lpExcludeProps, ULONG_PTR ulUIParam,
    LPMAPIPROGRESS lpProgress, LPCIID lpDestInterface,
    LPVOID lpDestObj, ULONG ulFlags,
    LPSPropProblemArray *lppProblems)
{
    (void)ulUIParam, (void)lpProgress; /* no progress is shown */
    if (!mapirt_sup_in_flavour(self, SUP_MS))
        return mapirt_sup_not_in_flavour(self, "DoCopyTo");
    char err[512] = "";
    HRESULT hr = mapirt_do_copy_to(lpSrcInterface, lpSrcObj, ciidExclude, rgiidExclude,
        lpExcludeProps, lpDestInterface, lpDestObj, ulFlags,
        lppProblems, err, sizeof err);
    return FAILED(hr) ? failtext(self, hr, "DoCopyTo", err) : hr;
}

HRESULT support_DoCopyProps(struct support *self, LPCIID lpSrcInterface, LPVOID lpSrcObj,
    LPSPropTagArray lpIncludeProps, ULONG_PTR ulUIParam,
    LPMAPIPROGRESS lpProgress, LPCIID lpDestInterface,
    LPVOID lpDestObj, ULONG ulFlags,
    LPSPropProblemArray *lppProblems)
{
    (void)ulUIParam, (void)lpProgress;
    if (!mapirt_sup_in_flavour(self, SUP_MS))
        return mapirt_sup_not_in_flavour(self, "DoCopyProps");
    char err[512] = "";
    HRESULT hr = mapirt_do_copy_props(lpSrcInterface, lpSrcObj, lpIncludeProps, lpDestInterface,
        lpDestObj, ulFlags, lppProblems, err, sizeof err);
    return FAILED(hr) ? failtext(self, hr, "DoCopyProps", err) : hr;
}

HRESULT support_CopyMessages(struct support *self, LPCIID lpSrcInterface,
    LPVOID lpSrcFolder, LPENTRYLIST lpMsgList,
    LPCIID lpDestInterface, LPVOID lpDestFolder,
    ULONG_PTR ulUIParam, LPMAPIPROGRESS lpProgress,
    ULONG ulFlags)
{
    (void)ulUIParam, (void)lpProgress;
    if (!mapirt_sup_in_flavour(self, SUP_MS))
        return mapirt_sup_not_in_flavour(self, "CopyMessages");
    if ((lpSrcInterface && !IsEqualIID(lpSrcInterface, &IID_IMAPIFolder)) ||
        (lpDestInterface && !IsEqualIID(lpDestInterface, &IID_IMAPIFolder)))
        return support_fail(self, MAPI_E_INTERFACE_NOT_SUPPORTED,
            "CopyMessages: both folders are IMAPIFolder");
    char err[512] = "";
    HRESULT hr = mapirt_copy_messages(lpSrcFolder, lpMsgList, lpDestFolder, ulFlags, err,
        sizeof err);
    return FAILED(hr) ? failtext(self, hr, "CopyMessages", err) : hr;
}

HRESULT support_CopyFolder(struct support *self, LPCIID lpSrcInterface,
    LPVOID lpSrcFolder, ULONG cbEntryID, LPENTRYID lpEntryID,
    LPCIID lpDestInterface, LPVOID lpDestFolder,
    LPTSTR lszNewFolderName, ULONG_PTR ulUIParam,
    LPMAPIPROGRESS lpProgress, ULONG ulFlags)
{
    (void)ulUIParam, (void)lpProgress;
    if (!mapirt_sup_in_flavour(self, SUP_MS))
        return mapirt_sup_not_in_flavour(self, "CopyFolder");
    if ((lpSrcInterface && !IsEqualIID(lpSrcInterface, &IID_IMAPIFolder)) ||
        (lpDestInterface && !IsEqualIID(lpDestInterface, &IID_IMAPIFolder)))
        return support_fail(self, MAPI_E_INTERFACE_NOT_SUPPORTED,
            "CopyFolder: both folders are IMAPIFolder");
    char err[512] = "";
    HRESULT hr = mapirt_copy_folder(lpSrcFolder, cbEntryID, lpEntryID, lpDestFolder,
        lszNewFolderName, ulFlags, err, sizeof err);
    return FAILED(hr) ? failtext(self, hr, "CopyFolder", err) : hr;
}

/* ---- sending: the support side (recips.c) ---- */

HRESULT support_ExpandRecips(struct support *self, LPMESSAGE lpMessage, ULONG *lpulFlags)
{
    if (!mapirt_sup_in_flavour(self, SUP_MS))
        return mapirt_sup_not_in_flavour(self, "ExpandRecips");
    if (!mapirt_sup_live(self))
        return mapirt_sup_ended(self);
    char err[512] = "";
    HRESULT hr = mapirt_expand_recips(self->sess, lpMessage, lpulFlags, err, sizeof err);
    return FAILED(hr) ? failtext(self, hr, "ExpandRecips", err) : hr;
}

HRESULT support_StatusRecips(struct support *self, LPMESSAGE lpMessage,
    LPADRLIST lpRecipList)
{
    if (!mapirt_sup_in_flavour(self, SUP_XP))
        return mapirt_sup_not_in_flavour(self, "StatusRecips");
    if (!mapirt_sup_live(self))
        return mapirt_sup_ended(self);
    char err[512] = "";
    HRESULT hr = mapirt_status_recips(self->sess, lpMessage, lpRecipList, err, sizeof err);
    return FAILED(hr) ? failtext(self, hr, "StatusRecips", err) : hr;
}

HRESULT support_CompleteMsg(struct support *self, ULONG ulFlags, ULONG cbEntryID,
    LPENTRYID lpEntryID)
{
    (void)ulFlags;
    if (!mapirt_sup_in_flavour(self, SUP_MS))
        return mapirt_sup_not_in_flavour(self, "CompleteMsg");
    if (!mapirt_sup_live(self))
        return mapirt_sup_ended(self);
    char err[512] = "";
    ULONG type = 0;
    LPUNKNOWN u = NULL;
    HRESULT hr = mapirt_sess_open_entry(self->sess, cbEntryID, lpEntryID, &IID_IMessage,
        MAPI_MODIFY, &type, &u, err, sizeof err);
    if (SUCCEEDED(hr) && type != MAPI_MESSAGE) {
        u->lpVtbl->Release(u);
        return support_fail(self, MAPI_E_INVALID_ENTRYID,
            "CompleteMsg: the entry ID is not a message's");
    }
    if (SUCCEEDED(hr)) {
        hr = mapirt_complete_msg(self->sess, (LPMESSAGE)u, err, sizeof err);
        u->lpVtbl->Release(u);
    }
    return FAILED(hr) ? failtext(self, hr, "CompleteMsg", err) : hr;
}

HRESULT support_ReadReceipt(struct support *self, ULONG ulFlags, LPMESSAGE lpReadMessage,
    LPMESSAGE *lppEmptyMessage)
{
    if (!mapirt_sup_in_flavour(self, SUP_MS))
        return mapirt_sup_not_in_flavour(self, "ReadReceipt");
    if (!mapirt_sup_live(self))
        return mapirt_sup_ended(self);
    char err[512] = "";
    HRESULT hr = mapirt_read_receipt(self->sess, ulFlags, lpReadMessage, lppEmptyMessage, err,
        sizeof err);
    return FAILED(hr) ? failtext(self, hr, "ReadReceipt", err) : hr;
}

HRESULT support_RegisterPreprocessor(struct support *self, LPMAPIUID lpMuid,
    LPTSTR lpszAdrType, LPTSTR lpszDLLName,
    LPSTR lpszPreprocess,
    LPSTR lpszRemovePreprocessInfo, ULONG ulFlags)
{
    if (!mapirt_sup_in_flavour(self, SUP_XP))
        return mapirt_sup_not_in_flavour(self, "RegisterPreprocessor");
    mapirt_provider *p = mapirt_sup_live(self);
    if (!p)
        return mapirt_sup_ended(self);
    char err[512] = "";
    HRESULT hr = mapirt_spool_register_preprocessor(self->sess, p, lpMuid, lpszAdrType,
        lpszDLLName, lpszPreprocess,
        lpszRemovePreprocessInfo, ulFlags, err,
        sizeof err);
    return FAILED(hr) ? failtext(self, hr, "RegisterPreprocessor", err) : hr;
}

/* The session's wrapped form (entryid.c), which OpenMsgStore and the message store table use:
 * a store provider wraps its own entry ID; other providers wrap a store entry ID whose
 * MAPIUID a store of the session registered. */
HRESULT support_WrapStoreEntryID(struct support *self, ULONG cbOrigEntry,
    LPENTRYID lpOrigEntry, ULONG *lpcbWrappedEntry,
    LPENTRYID *lppWrappedEntry)
{
    mapirt_provider *p = mapirt_sup_live(self);
    if (!p)
        return mapirt_sup_ended(self);
    if (cbOrigEntry < 4 + 16)
        return support_fail(self, MAPI_E_INVALID_ENTRYID,
            "WrapStoreEntryID: the entry ID is too short for a MAPIUID");
    MAPIUID sec;
    ULONG cbi;
    const BYTE *in;
    if (mapirt_store_eid_unwrap(cbOrigEntry, lpOrigEntry, &sec, &cbi, &in))
        return support_fail(self, MAPI_E_INVALID_ENTRYID,
            "WrapStoreEntryID: the entry ID is wrapped already");
    mapirt_provider *store = p->kind == MAPIRT_PROV_MS ? p
                                                       : mapirt_route(self->sess, cbOrigEntry,
                                                             lpOrigEntry);
    if (!store || store->kind != MAPIRT_PROV_MS)
        return support_fail(self, MAPI_E_INVALID_ENTRYID,
            "WrapStoreEntryID: no message store of this session knows the "
            "entry ID");
    SBinary b;
    HRESULT hr = mapirt_store_eid_wrap(&store->uid, cbOrigEntry, (const BYTE *)lpOrigEntry, NULL,
        &b);
    if (FAILED(hr))
        return support_fail(self, hr, "out of memory");
    *lpcbWrappedEntry = b.cb;
    *lppWrappedEntry = (LPENTRYID)b.lpb;
    return S_OK;
}

HRESULT support_GetSvcConfigSupportObj(struct support *self, ULONG ulFlags,
    LPMAPISUP *lppSvcSupport)
{
    (void)ulFlags;
    mapirt_provider *p = mapirt_sup_live(self);
    if (!p)
        return mapirt_sup_ended(self);
    HRESULT hr = mapirt_svcsupport_create(self->sess->ps, self->sess->id, &p->service,
        lppSvcSupport);
    return FAILED(hr) ? support_fail(self, hr, "out of memory") : hr;
}

