/* simplemapi.c: Simple MAPI (mapi.h). Sending and reading mail needs a session with a
 * transport and a store, which mapirt does not have yet: every call answers Simple MAPI's
 * MAPI_E_NOT_SUPPORTED (26), and ScMAPIXFromSMAPI MAPI_E_NO_SUPPORT, without touching its
 * outputs (docs/decisions.md). The entry points exist so Simple MAPI clients link and can
 * report the error. */
#include <mapi.h>

ULONG MAPILogon(ULONG_PTR ulUIParam, LPSTR lpszProfileName, LPSTR lpszPassword, FLAGS flFlags,
                ULONG ulReserved, LPLHANDLE lplhSession)
{
    (void)ulUIParam, (void)lpszProfileName, (void)lpszPassword, (void)flFlags, (void)ulReserved,
        (void)lplhSession;
    return MAPI_E_NOT_SUPPORTED;
}

ULONG MAPILogoff(LHANDLE lhSession, ULONG_PTR ulUIParam, FLAGS flFlags, ULONG ulReserved)
{
    (void)lhSession, (void)ulUIParam, (void)flFlags, (void)ulReserved;
    return MAPI_E_NOT_SUPPORTED;
}

ULONG MAPISendMail(LHANDLE lhSession, ULONG_PTR ulUIParam, lpMapiMessage lpMessage, FLAGS flFlags,
                   ULONG ulReserved)
{
    (void)lhSession, (void)ulUIParam, (void)lpMessage, (void)flFlags, (void)ulReserved;
    return MAPI_E_NOT_SUPPORTED;
}

ULONG MAPISendDocuments(ULONG_PTR ulUIParam, LPSTR lpszDelimChar, LPSTR lpszFilePaths,
                        LPSTR lpszFileNames, ULONG ulReserved)
{
    (void)ulUIParam, (void)lpszDelimChar, (void)lpszFilePaths, (void)lpszFileNames,
        (void)ulReserved;
    return MAPI_E_NOT_SUPPORTED;
}

ULONG MAPIFindNext(LHANDLE lhSession, ULONG_PTR ulUIParam, LPSTR lpszMessageType,
                   LPSTR lpszSeedMessageID, FLAGS flFlags, ULONG ulReserved, LPSTR lpszMessageID)
{
    (void)lhSession, (void)ulUIParam, (void)lpszMessageType, (void)lpszSeedMessageID,
        (void)flFlags, (void)ulReserved, (void)lpszMessageID;
    return MAPI_E_NOT_SUPPORTED;
}

ULONG MAPIReadMail(LHANDLE lhSession, ULONG_PTR ulUIParam, LPSTR lpszMessageID, FLAGS flFlags,
                   ULONG ulReserved, lpMapiMessage *lppMessage)
{
    (void)lhSession, (void)ulUIParam, (void)lpszMessageID, (void)flFlags, (void)ulReserved,
        (void)lppMessage;
    return MAPI_E_NOT_SUPPORTED;
}

ULONG MAPISaveMail(LHANDLE lhSession, ULONG_PTR ulUIParam, lpMapiMessage lpMessage, FLAGS flFlags,
                   ULONG ulReserved, LPSTR lpszMessageID)
{
    (void)lhSession, (void)ulUIParam, (void)lpMessage, (void)flFlags, (void)ulReserved,
        (void)lpszMessageID;
    return MAPI_E_NOT_SUPPORTED;
}

ULONG MAPIDeleteMail(LHANDLE lhSession, ULONG_PTR ulUIParam, LPSTR lpszMessageID, FLAGS flFlags,
                     ULONG ulReserved)
{
    (void)lhSession, (void)ulUIParam, (void)lpszMessageID, (void)flFlags, (void)ulReserved;
    return MAPI_E_NOT_SUPPORTED;
}

ULONG MAPIAddress(LHANDLE lhSession, ULONG_PTR ulUIParam, LPSTR lpszCaption, ULONG nEditFields,
                  LPSTR lpszLabels, ULONG nRecips, lpMapiRecipDesc lpRecips, FLAGS flFlags,
                  ULONG ulReserved, LPULONG lpnNewRecips, lpMapiRecipDesc *lppNewRecips)
{
    (void)lhSession, (void)ulUIParam, (void)lpszCaption, (void)nEditFields, (void)lpszLabels,
        (void)nRecips, (void)lpRecips, (void)flFlags, (void)ulReserved, (void)lpnNewRecips,
        (void)lppNewRecips;
    return MAPI_E_NOT_SUPPORTED;
}

ULONG MAPIDetails(LHANDLE lhSession, ULONG_PTR ulUIParam, lpMapiRecipDesc lpRecip, FLAGS flFlags,
                  ULONG ulReserved)
{
    (void)lhSession, (void)ulUIParam, (void)lpRecip, (void)flFlags, (void)ulReserved;
    return MAPI_E_NOT_SUPPORTED;
}

ULONG MAPIResolveName(LHANDLE lhSession, ULONG_PTR ulUIParam, LPSTR lpszName, FLAGS flFlags,
                      ULONG ulReserved, lpMapiRecipDesc *lppRecip)
{
    (void)lhSession, (void)ulUIParam, (void)lpszName, (void)flFlags, (void)ulReserved,
        (void)lppRecip;
    return MAPI_E_NOT_SUPPORTED;
}

SCODE ScMAPIXFromSMAPI(LHANDLE lhSimpleSession, ULONG ulFlags, LPCIID lpInterface,
                       LPMAPISESSION *lppMAPISession)
{
    (void)lhSimpleSession, (void)ulFlags, (void)lpInterface, (void)lppMAPISession;
    return MAPI_E_NO_SUPPORT;
}
