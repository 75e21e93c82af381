/* deliver.c: `mapirt deliver`: one pass of the spooler now (IMAPIStatus::FlushQueues): the
 * transports are polled and what waits in their incoming Maildirs is delivered into the Inbox
 * of the default store (messages queued for sending go out too); then what arrived is listed.
 *
 * "What arrived" is what the Inbox received since the command started. The spooler delivers at
 * logon already, before a client of that session could look, so the Inbox is looked at first
 * from a session without mail (MAPI_NO_MAIL: no spooler): the messages of the current second
 * are noted there, and the list is what has a PR_MESSAGE_DELIVERY_TIME from that second on
 * (the resolution transports write it with), less those. */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapitags.h>
#include <mapiutil.h>
#include <mapix.h>

#include "admin.h"
#include "cli.h"
#include "mail.h"

static FILETIME filetime_of(time_t t)
{
    unsigned long long v = (unsigned long long)t * 10000000ULL + 116444736000000000ULL;
    FILETIME ft = {(DWORD)v, (DWORD)(v >> 32)};
    return ft;
}

/* The transports' status rows (what each did: "Ready: N sent, N received, N set aside"). */
static int transports(LPMAPISESSION s, LPSRowSet *out)
{
    LPMAPITABLE t = NULL;
    HRESULT hr = s->lpVtbl->GetStatusTable(s, 0, &t);
    if (hr != S_OK)
        return fail_hr(hr, LAST_ERROR(s, hr), "reading the status table");
    SizedSPropTagArray(3, cols) = {3, {PR_DISPLAY_NAME_A, PR_STATUS_CODE, PR_STATUS_STRING_A}};
    SPropValue ty = {.ulPropTag = PR_RESOURCE_TYPE, .Value.l = MAPI_TRANSPORT_PROVIDER};
    SRestriction r = {.rt = RES_PROPERTY};
    r.res.resProperty.relop = RELOP_EQ;
    r.res.resProperty.ulPropTag = PR_RESOURCE_TYPE;
    r.res.resProperty.lpProp = &ty;
    hr = HrQueryAllRows(t, (LPSPropTagArray)&cols, &r, NULL, 0, out);
    int rc = hr == S_OK ? EXIT_OK : fail_hr(hr, LAST_ERROR(t, hr), "reading the status table");
    t->lpVtbl->Release(t);
    return rc;
}

/* The Inbox's messages delivered at `since` or later (a restriction on its contents table),
 * oldest first, with cols. */
static int arrivals(LPMDB mdb, FILETIME since, LPSPropTagArray cols, LPSRowSet *rows,
    char **inbox_name)
{
    LPMAPIFOLDER inbox = NULL;
    LPMAPITABLE t = NULL;
    char *name = NULL;
    *rows = NULL;
    int rc = mail_open_folder(mdb, 0, &inbox, &name);
    if (rc == EXIT_OK) {
        HRESULT hr = inbox->lpVtbl->GetContentsTable(inbox, 0, &t);
        if (FAILED(hr))
            rc = fail_hr(hr, LAST_ERROR(inbox, hr), "reading the Inbox");
    }
    if (rc == EXIT_OK) {
        SPropValue v = {.ulPropTag = PR_MESSAGE_DELIVERY_TIME, .Value.ft = since};
        SRestriction r = {.rt = RES_PROPERTY};
        r.res.resProperty.relop = RELOP_GE;
        r.res.resProperty.ulPropTag = PR_MESSAGE_DELIVERY_TIME;
        r.res.resProperty.lpProp = &v;
        SizedSSortOrderSet(1, order) = {1, 0, 0, {{PR_MESSAGE_DELIVERY_TIME, TABLE_SORT_ASCEND}}};
        HRESULT hr = HrQueryAllRows(t, cols, &r, (LPSSortOrderSet)&order, 0, rows);
        if (FAILED(hr))
            rc = fail_hr(hr, LAST_ERROR(t, hr), "reading the Inbox");
    }
    if (t)
        t->lpVtbl->Release(t);
    if (inbox)
        inbox->lpVtbl->Release(inbox);
    if (inbox_name && rc == EXIT_OK)
        *inbox_name = name;
    else
        MAPIFreeBuffer(name);
    return rc;
}

/* What the Inbox holds of the current second before this command's spooler runs. */
static int before(const ctx *c, FILETIME since, LPSRowSet *rows)
{
    LPMAPISESSION s = NULL;
    LPMDB mdb = NULL;
    HRESULT hr = MAPILogonEx(0, (LPTSTR)c->profile, NULL,
        MAPI_EXTENDED | MAPI_NEW_SESSION | MAPI_NO_MAIL | (c->profile ? 0 : MAPI_USE_DEFAULT),
        &s);
    if (FAILED(hr))
        return fail_hr(hr, NULL, "logging on to %s%s%s",
            c->profile ? "profile '" : "the default profile", c->profile ? c->profile : "",
            c->profile ? "'" : "");
    SizedSPropTagArray(1, cols) = {1, {PR_ENTRYID}};
    int rc = mail_default_store(s, &mdb);
    if (rc == EXIT_OK)
        rc = arrivals(mdb, since, (LPSPropTagArray)&cols, rows, NULL);
    if (mdb)
        mdb->lpVtbl->Release(mdb);
    return mail_logoff(s, rc);
}

static int seen(const SRowSet *old, const SRow *r)
{
    const SPropValue *e = row_prop(r, PR_ENTRYID);
    for (ULONG i = 0; e && old && i < old->cRows; i++) {
        const SPropValue *o = row_prop(&old->aRow[i], PR_ENTRYID);
        if (o && o->Value.bin.cb == e->Value.bin.cb &&
            memcmp(o->Value.bin.lpb, e->Value.bin.lpb, e->Value.bin.cb) == 0)
            return 1;
    }
    return 0;
}

static int run_deliver(ctx *c)
{
    LPMAPISESSION s = NULL;
    LPMDB mdb = NULL;
    LPSRowSet rows = NULL, xp = NULL, old = NULL;
    char *inbox_name = NULL;
    FILETIME start = filetime_of(time(NULL));
    SizedSPropTagArray(6, cols) = {6, {PR_MESSAGE_DELIVERY_TIME, PR_SENDER_NAME_A,
                                          PR_SENDER_EMAIL_ADDRESS_A, PR_SUBJECT_A,
                                          PR_MESSAGE_CLASS_A, PR_ENTRYID}};
    int rc = before(c, start, &old);
    if (rc == EXIT_OK)
        rc = mail_logon(c, &s);
    if (rc == EXIT_OK)
        rc = mail_transport_ready(s, "delivering");
    if (rc == EXIT_OK)
        rc = mail_default_store(s, &mdb);
    if (rc == EXIT_OK)
        rc = mail_flush(s);
    if (rc == EXIT_OK)
        rc = arrivals(mdb, start, (LPSPropTagArray)&cols, &rows, &inbox_name);
    if (rc == EXIT_OK) { /* less what was there before */
        ULONG k = 0;
        for (ULONG i = 0; i < rows->cRows; i++) {
            if (seen(old, &rows->aRow[i]))
                MAPIFreeBuffer(rows->aRow[i].lpProps);
            else
                rows->aRow[k++] = rows->aRow[i];
        }
        rows->cRows = k;
    }
    if (rc == EXIT_OK)
        rc = transports(s, &xp);
    if (rc == EXIT_OK && c->json) {
        json_begin_object(NULL);
        json_string("folder", inbox_name ? inbox_name : "Inbox");
        json_begin_array("messages");
        for (ULONG i = 0; i < rows->cRows; i++)
            json_props(NULL, rows->aRow[i].cValues, rows->aRow[i].lpProps);
        json_end();
        json_begin_array("transports");
        for (ULONG i = 0; i < xp->cRows; i++)
            json_props(NULL, xp->aRow[i].cValues, xp->aRow[i].lpProps);
        json_end();
        json_end();
        json_finish();
    } else if (rc == EXIT_OK) {
        static const char *const heads[] = {"RECEIVED", "FROM", "SUBJECT"};
        static const ULONG tags[] = {PR_MESSAGE_DELIVERY_TIME, PR_SENDER_NAME_A, PR_SUBJECT_A};
        printf("%u new message%s in %s\n", (unsigned)rows->cRows, rows->cRows == 1 ? "" : "s",
            inbox_name ? inbox_name : "the Inbox");
        if (rows->cRows) {
            table *tb = table_new(3, heads, heads);
            sbuf b = {0};
            for (ULONG i = 0; i < rows->cRows; i++) {
                table_row(tb);
                for (int k = 0; k < 3; k++) {
                    const SPropValue *p = row_prop(&rows->aRow[i], tags[k]);
                    b.len = 0;
                    if (p)
                        prop_text(&b, p);
                    table_cell(tb, k, p ? sb_str(&b) : NULL, NULL);
                }
            }
            sb_free(&b);
            table_print(tb, 0);
        }
        for (ULONG i = 0; i < xp->cRows; i++) {
            const SPropValue *n = row_prop(&xp->aRow[i], PR_DISPLAY_NAME_A);
            const SPropValue *st = row_prop(&xp->aRow[i], PR_STATUS_STRING_A);
            printf("%s: %s\n", n ? n->Value.lpszA : "transport", st ? st->Value.lpszA : "-");
        }
    }
    if (rows)
        FreeProws(rows);
    if (old)
        FreeProws(old);
    if (xp)
        FreeProws(xp);
    MAPIFreeBuffer(inbox_name);
    if (mdb)
        mdb->lpVtbl->Release(mdb);
    return mail_logoff(s, rc);
}

static const cmd DELIVER_CMDS[] = {
    {NULL, "", 0, 0, "poll the transports now and list what arrived",
        "Logs on, runs one pass of the spooler (IMAPIStatus::FlushQueues): every transport is "
        "polled and its incoming mail (the Maildir transport: the files in new/ of its incoming "
        "Maildir) is delivered into the Inbox of the default store; messages waiting in the "
        "outgoing queue are sent. Then lists the messages the Inbox received since the command "
        "started (non-delivery reports too), oldest first, and each transport's status (a file "
        "that is not mail is set aside, and counted there), and logs off.",
        NULL, CMD_JSON | CMD_PROFILE | CMD_MAPI, run_deliver},
    {0},
};

const group deliver_group = {"deliver", "deliver incoming mail", DELIVER_CMDS};
