/* mail.c: the session steps `mapirt send` and `mapirt deliver` share (mail.h). */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <string.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapitags.h>
#include <mapiutil.h>
#include <mapix.h>

#include "admin.h"
#include "cli.h"
#include "mail.h"

int mail_logon(const ctx *c, LPMAPISESSION *s)
{
    const char *profile = c->profile;
    ULONG flags = MAPI_EXTENDED | MAPI_NEW_SESSION | (profile ? 0 : MAPI_USE_DEFAULT);
    *s = NULL;
    HRESULT hr = MAPILogonEx(0, (LPTSTR)profile, NULL, flags, s);
    if (FAILED(hr))
        return fail_hr(hr, NULL, "logging on to %s%s%s",
            profile ? "profile '" : "the default profile", profile ? profile : "",
            profile ? "'" : "");
    return EXIT_OK;
}

/* The session's status-table row of resource type `type` (the first), or NULL. */
static LPSRowSet status_rows(LPMAPISESSION s)
{
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    if (s->lpVtbl->GetStatusTable(s, 0, &t) != S_OK)
        return NULL;
    if (HrQueryAllRows(t, NULL, NULL, NULL, 0, &rows) != S_OK)
        rows = NULL;
    t->lpVtbl->Release(t);
    return rows;
}

static const SRow *row_of_type(const SRowSet *rows, ULONG type)
{
    for (ULONG i = 0; rows && i < rows->cRows; i++) {
        const SPropValue *ty = row_prop(&rows->aRow[i], PR_RESOURCE_TYPE);
        if (ty && (ULONG)ty->Value.l == type)
            return &rows->aRow[i];
    }
    return NULL;
}

int mail_default_store(LPMAPISESSION s, LPMDB *mdb)
{
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    *mdb = NULL;
    HRESULT hr = s->lpVtbl->GetMsgStoresTable(s, 0, &t);
    if (hr != S_OK)
        return fail_hr(hr, LAST_ERROR(s, hr), "reading the message store table");
    int rc = table_rows(t, "the message store table", &rows);
    t->lpVtbl->Release(t);
    if (rc != EXIT_OK)
        return rc;
    const SPropValue *eid = NULL;
    for (ULONG i = 0; i < rows->cRows; i++) {
        const SPropValue *d = row_prop(&rows->aRow[i], PR_DEFAULT_STORE);
        if (d && d->Value.b)
            eid = row_prop(&rows->aRow[i], PR_ENTRYID);
    }
    if (!eid)
        rc = fail_text(MAPI_E_NOT_FOUND, "the profile has no default message store",
            "opening the default store");
    else {
        hr = s->lpVtbl->OpenMsgStore(s, 0, eid->Value.bin.cb, (LPENTRYID)eid->Value.bin.lpb,
            NULL, MDB_WRITE | MDB_NO_DIALOG, mdb);
        if (FAILED(hr))
            rc = fail_hr(hr, LAST_ERROR(s, hr), "opening the default store");
    }
    FreeProws(rows);
    return rc;
}

int mail_open_folder(LPMDB mdb, ULONG tag, LPMAPIFOLDER *f, char **name)
{
    ULONG cb = 0, type = 0, n = 0;
    LPENTRYID eid = NULL;
    LPSPropValue v = NULL;
    HRESULT hr;
    const char *what = tag == PR_IPM_OUTBOX_ENTRYID     ? "the Outbox"
                       : tag == PR_IPM_SENTMAIL_ENTRYID ? "the Sent Items folder"
                                                        : "the Inbox";
    *f = NULL;
    *name = NULL;
    if (tag == 0) {
        hr = mdb->lpVtbl->GetReceiveFolder(mdb, (LPTSTR) "IPM.Note", 0, &cb, &eid, NULL);
        if (FAILED(hr))
            return fail_hr(hr, LAST_ERROR(mdb, hr), "finding %s", what);
    } else {
        SizedSPropTagArray(1, tags) = {1, {tag}};
        hr = mdb->lpVtbl->GetProps(mdb, (LPSPropTagArray)&tags, 0, &n, &v);
        if (hr != S_OK || PROP_TYPE(v[0].ulPropTag) != PT_BINARY) {
            MAPIFreeBuffer(v);
            return fail_hr(hr == S_OK ? MAPI_E_NOT_FOUND : hr, LAST_ERROR(mdb, hr), "finding %s",
                what);
        }
        cb = v[0].Value.bin.cb;
        eid = (LPENTRYID)v[0].Value.bin.lpb;
    }
    hr = mdb->lpVtbl->OpenEntry(mdb, cb, eid, NULL, MAPI_MODIFY, &type, (LPUNKNOWN *)f);
    MAPIFreeBuffer(tag == 0 ? (void *)eid : (void *)v);
    if (FAILED(hr))
        return fail_hr(hr, LAST_ERROR(mdb, hr), "opening %s", what);
    SizedSPropTagArray(1, dn) = {1, {PR_DISPLAY_NAME_A}};
    v = NULL;
    if ((*f)->lpVtbl->GetProps(*f, (LPSPropTagArray)&dn, 0, &n, &v) == S_OK &&
        MAPIAllocateBuffer((ULONG)strlen(v[0].Value.lpszA) + 1, (void **)name) == S_OK)
        strcpy(*name, v[0].Value.lpszA);
    MAPIFreeBuffer(v);
    return EXIT_OK;
}

void mail_spooler_text(LPMAPISESSION s, char *buf, size_t cb)
{
    LPSRowSet rows = status_rows(s);
    const SRow *r = row_of_type(rows, MAPI_SPOOLER);
    const SPropValue *t = r ? row_prop(r, PR_STATUS_STRING_A) : NULL;
    snprintf(buf, cb, "%s", t ? t->Value.lpszA : "");
    if (rows)
        FreeProws(rows);
}

int mail_transport_ready(LPMAPISESSION s, const char *what)
{
    LPSRowSet rows = status_rows(s);
    char why[1024] = "the profile has no transport (mapirt service add PROFILE MAILDIR adds one)";
    int ready = 0;
    for (ULONG i = 0; rows && i < rows->cRows; i++) {
        const SRow *r = &rows->aRow[i];
        const SPropValue *ty = row_prop(r, PR_RESOURCE_TYPE);
        const SPropValue *code = row_prop(r, PR_STATUS_CODE);
        const SPropValue *name = row_prop(r, PR_DISPLAY_NAME_A);
        const SPropValue *text = row_prop(r, PR_STATUS_STRING_A);
        if (!ty || ty->Value.l != MAPI_TRANSPORT_PROVIDER)
            continue;
        if (code && !(code->Value.l & STATUS_FAILURE))
            ready = 1;
        else
            snprintf(why, sizeof why, "the transport '%s' failed: %s",
                name ? name->Value.lpszA : "?", text ? text->Value.lpszA : "(no status text)");
    }
    if (rows)
        FreeProws(rows);
    if (!rows)
        return fail_msg("%s: reading the status table failed", what);
    return ready ? EXIT_OK : fail_text(MAPI_E_NOT_FOUND, why, "%s: no transport", what);
}

int mail_flush(LPMAPISESSION s)
{
    LPSRowSet rows = status_rows(s);
    const SRow *r = row_of_type(rows, MAPI_SPOOLER);
    const SPropValue *eid = r ? row_prop(r, PR_ENTRYID) : NULL;
    const SPropValue *code = r ? row_prop(r, PR_STATUS_CODE) : NULL;
    const SPropValue *text = r ? row_prop(r, PR_STATUS_STRING_A) : NULL;
    int rc = EXIT_OK;
    if (!rows)
        rc = fail_msg("reading the status table failed");
    else if (!eid || (code && (code->Value.l & STATUS_FAILURE)))
        /* the spooler runs only when a transport is active and the logon allows mail */
        rc = fail_text(MAPI_E_NOT_INITIALIZED,
            text ? text->Value.lpszA : "the session has no spooler",
            "the spooler is not running (does the profile have a transport?)");
    else {
        ULONG type = 0;
        LPMAPISTATUS st = NULL;
        HRESULT hr = s->lpVtbl->OpenEntry(s, eid->Value.bin.cb, (LPENTRYID)eid->Value.bin.lpb,
            NULL, 0, &type, (LPUNKNOWN *)&st);
        if (FAILED(hr))
            rc = fail_hr(hr, LAST_ERROR(s, hr), "opening the spooler's status object");
        else {
            hr = st->lpVtbl->FlushQueues(st, 0, 0, NULL, 0);
            if (FAILED(hr))
                rc = fail_hr(hr, LAST_ERROR(st, hr), "running the spooler (FlushQueues)");
            st->lpVtbl->Release(st);
        }
    }
    if (rows)
        FreeProws(rows);
    return rc;
}

int mail_logoff(LPMAPISESSION s, int rc)
{
    if (!s)
        return rc;
    HRESULT hr = s->lpVtbl->Logoff(s, 0, 0, 0);
    if (hr != S_OK && rc == EXIT_OK)
        rc = fail_hr(hr, LAST_ERROR(s, hr), "logging off");
    s->lpVtbl->Release(s);
    return rc;
}
