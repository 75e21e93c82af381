/* deliverykey.c: what makes inbound delivery exactly-once, and the test hook that proves it.
 *
 * Before the first SaveChanges of a message made from the file NAME of new/, the transport sets
 * the string named property "mapirt:DeliveryKey" of PS_PUBLIC_STRINGS to "maildir:NAME"
 * (Maildir names are unique per delivery). A store that keeps delivery keys (the bundled SQLite
 * store, providers/msgstore/delivery.c) refuses a second message with a key it has, with
 * MAPI_E_COLLISION: the file was delivered before, by a process killed before the file left
 * new/, and only needs moving to cur/. A store that does not keep them saves it again
 * (at-least-once, as before). */
#define _GNU_SOURCE
#include "xp.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const WCHAR KEY_NAME[] = {'m', 'a', 'p', 'i', 'r', 't', ':', 'D', 'e', 'l', 'i', 'v',
    'e', 'r', 'y', 'K', 'e', 'y', 0};

HRESULT xp_set_delivery_key(LPMESSAGE msg, const char *name)
{
    MAPINAMEID id;
    LPMAPINAMEID ids[1] = {&id};
    LPSPropTagArray tags = NULL;
    memset(&id, 0, sizeof id);
    id.lpguid = (LPGUID)&PS_PUBLIC_STRINGS;
    id.ulKind = MNID_STRING;
    id.Kind.lpwstrName = (LPWSTR)KEY_NAME;
    HRESULT hr = msg->lpVtbl->GetIDsFromNames(msg, 1, ids, MAPI_CREATE, &tags);
    if (hr != S_OK || !tags || tags->cValues != 1 || PROP_TYPE(tags->aulPropTag[0]) == PT_ERROR) {
        MAPIFreeBuffer(tags);
        return FAILED(hr) ? hr : MAPI_E_CALL_FAILED;
    }
    char key[1100];
    snprintf(key, sizeof key, "maildir:%s", name);
    SPropValue v;
    memset(&v, 0, sizeof v);
    v.ulPropTag = PROP_TAG(PT_STRING8, PROP_ID(tags->aulPropTag[0]));
    v.Value.lpszA = key;
    MAPIFreeBuffer(tags);
    LPSPropProblemArray probs = NULL;
    hr = msg->lpVtbl->SetProps(msg, 1, &v, &probs);
    MAPIFreeBuffer(probs);
    return hr;
}

void xp_test_point(const char *point)
{
    /* tests only: MAPIRT_MAILDIR_KILL_AT=point kills the process there, as a crash would */
    const char *at = getenv("MAPIRT_MAILDIR_KILL_AT");
    if (at && strcmp(at, point) == 0)
        raise(SIGKILL);
}
