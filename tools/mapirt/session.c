/* session.c: `mapirt session [PROFILE]`: logs on (MAPILogonEx), prints the status table, the
 * message store table and the primary identity, and logs off; with --watch it keeps the
 * session and prints the session's, the status table's and the store table's notifications as
 * they arrive, until Ctrl-C. */
#define _DEFAULT_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <mapicode.h>
#include <mapitags.h>
#include <mapiutil.h>
#include <mapix.h>

#include <mapirt/vocab.h>

#include "admin.h"
#include "cli.h"

static volatile sig_atomic_t g_stop;
static int g_json_watch; /* notifications as JSON Lines */

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

/* The rows of a session table as an aligned table or a JSON array of objects. */
static void print_rows(ctx *c, const char *title, const char *json_key, const SRowSet *rows,
    int ncols, const char *const *heads, const ULONG *tags)
{
    if (c->json) {
        json_begin_array(json_key);
        for (ULONG i = 0; i < rows->cRows; i++)
            json_props(NULL, rows->aRow[i].cValues, rows->aRow[i].lpProps);
        json_end();
        return;
    }
    table *t = table_new(ncols, heads, heads);
    sbuf b = {0};
    for (ULONG i = 0; i < rows->cRows; i++) {
        table_row(t);
        for (int k = 0; k < ncols; k++) {
            const SPropValue *p = row_prop(&rows->aRow[i], tags[k]);
            b.len = 0;
            if (p)
                prop_text(&b, p);
            table_cell(t, k, p ? sb_str(&b) : NULL, NULL);
        }
    }
    sb_free(&b);
    printf("%s\n", title);
    table_print(t, 0);
}

static int query_table(LPMAPISESSION s, int status, LPMAPITABLE *t, LPSRowSet *rows)
{
    HRESULT hr = status ? s->lpVtbl->GetStatusTable(s, 0, t) : s->lpVtbl->GetMsgStoresTable(s, 0, t);
    if (hr != S_OK)
        return fail_hr(hr, LAST_ERROR(s, hr), "reading the %s table",
            status ? "status" : "message store");
    return table_rows(*t, status ? "the status table" : "the message store table", rows);
}

static int print_identity(ctx *c, LPMAPISESSION s, const SRowSet *status)
{
    ULONG cb = 0;
    LPENTRYID eid = NULL;
    HRESULT hr = s->lpVtbl->QueryIdentity(s, &cb, &eid);
    if (FAILED(hr))
        return fail_hr(hr, LAST_ERROR(s, hr), "querying the primary identity");
    const char *display = NULL;
    for (ULONG i = 0; i < status->cRows; i++) {
        const SPropValue *f = row_prop(&status->aRow[i], PR_RESOURCE_FLAGS);
        const SPropValue *d = row_prop(&status->aRow[i], PR_IDENTITY_DISPLAY_A);
        if (f && (f->Value.l & STATUS_PRIMARY_IDENTITY) && d)
            display = d->Value.lpszA;
    }
    sbuf hex = {0};
    hex_bytes(&hex, eid, cb);
    if (c->json) {
        json_begin_object("identity");
        if (display)
            json_string("PR_IDENTITY_DISPLAY", display);
        json_string("PR_IDENTITY_ENTRYID", sb_str(&hex));
        json_end();
    } else
        printf("\nprimary identity: %s  %s%s\n", display ? display : "(no display name)",
            sb_str(&hex), hr == MAPI_W_NO_SERVICE ? " (MAPI_W_NO_SERVICE)" : "");
    sb_free(&hex);
    MAPIFreeBuffer(eid);
    return EXIT_OK;
}

/* ---- --watch ---- */

static LONG notif_cb(LPVOID context, ULONG n, LPNOTIFICATION notifs)
{
    const char *source = context;
    for (ULONG i = 0; i < n; i++) {
        const NOTIFICATION *nt = &notifs[i];
        char ev[256];
        mapirt_flags_decode(mapirt_flagset_find("NotificationEvents"), nt->ulEventType, ev,
            sizeof ev);
        if (g_json_watch) {
            printf("{\"source\": \"%s\", \"event\": \"%s\"", source, ev);
            if (nt->ulEventType == fnevTableModified) {
                printf(", \"table_event\": %lu", (unsigned long)nt->info.tab.ulTableEvent);
                if (nt->info.tab.row.cValues) {
                    sbuf b = {0};
                    printf(", \"row\": {");
                    for (ULONG k = 0; k < nt->info.tab.row.cValues; k++) {
                        char nb[64];
                        b.len = 0;
                        prop_json_value(&b, &nt->info.tab.row.lpProps[k]);
                        printf("%s\"%s\": %s", k ? ", " : "",
                            prop_name(nt->info.tab.row.lpProps[k].ulPropTag, nb, sizeof nb),
                            sb_str(&b));
                    }
                    printf("}");
                    sb_free(&b);
                }
            } else if (nt->ulEventType == fnevExtended) {
                printf(", \"extended_event\": %lu", (unsigned long)nt->info.ext.ulEvent);
            } else if (nt->ulEventType == fnevCriticalError) {
                printf(", \"scode\": \"%s\"", mapirt_scode_name(nt->info.err.scode)
                                                  ? mapirt_scode_name(nt->info.err.scode)
                                                  : "unknown");
            }
            printf("}\n");
        } else {
            printf("%s: %s", source, ev);
            if (nt->ulEventType == fnevTableModified) {
                static const char *const names[] = {
                    [TABLE_CHANGED] = "TABLE_CHANGED", [TABLE_ERROR] = "TABLE_ERROR", [TABLE_ROW_ADDED] = "TABLE_ROW_ADDED", [TABLE_ROW_DELETED] = "TABLE_ROW_DELETED", [TABLE_ROW_MODIFIED] = "TABLE_ROW_MODIFIED", [TABLE_SORT_DONE] = "TABLE_SORT_DONE", [TABLE_RESTRICT_DONE] = "TABLE_RESTRICT_DONE", [TABLE_SETCOL_DONE] = "TABLE_SETCOL_DONE", [TABLE_RELOAD] = "TABLE_RELOAD"};
                ULONG te = nt->info.tab.ulTableEvent;
                printf(" %s", te < sizeof names / sizeof names[0] && names[te] ? names[te] : "?");
                const SPropValue *d = row_prop(&nt->info.tab.row, PR_DISPLAY_NAME_A);
                const SPropValue *st = row_prop(&nt->info.tab.row, PR_STATUS_CODE);
                if (d)
                    printf(" \"%s\"", d->Value.lpszA);
                if (st) {
                    sbuf b = {0};
                    prop_text(&b, st);
                    printf(" %s", sb_str(&b));
                    sb_free(&b);
                }
            } else if (nt->ulEventType == fnevExtended) {
                printf(" %lu%s", (unsigned long)nt->info.ext.ulEvent,
                    nt->info.ext.ulEvent == 1 ? " (logoff)" : "");
            } else if (nt->ulEventType == fnevCriticalError) {
                const char *nm = mapirt_scode_name(nt->info.err.scode);
                printf(" %s", nm ? nm : "unknown");
            }
            printf("\n");
        }
    }
    fflush(stdout);
    return 0;
}

static int watch(LPMAPISESSION s, LPMAPITABLE status, LPMAPITABLE stores)
{
    LPMAPIADVISESINK sinks[3] = {NULL, NULL, NULL};
    ULONG_PTR conns[3] = {0, 0, 0};
    static char src_session[] = "session", src_status[] = "status table",
                src_stores[] = "message store table";
    int rc = EXIT_OK;
    HRESULT hr = HrAllocAdviseSink(notif_cb, src_session, &sinks[0]);
    if (hr == S_OK)
        hr = HrAllocAdviseSink(notif_cb, src_status, &sinks[1]);
    if (hr == S_OK)
        hr = HrAllocAdviseSink(notif_cb, src_stores, &sinks[2]);
    if (hr != S_OK)
        rc = fail_hr(hr, NULL, "making an advise sink");
    if (rc == EXIT_OK) {
        hr = s->lpVtbl->Advise(s, 0, NULL, fnevCriticalError | fnevExtended, sinks[0], &conns[0]);
        if (hr != S_OK)
            rc = fail_hr(hr, LAST_ERROR(s, hr), "subscribing to the session's notifications");
    }
    if (rc == EXIT_OK) {
        hr = status->lpVtbl->Advise(status, fnevTableModified, sinks[1], &conns[1]);
        if (hr != S_OK)
            rc = fail_hr(hr, LAST_ERROR(status, hr), "subscribing to the status table");
    }
    if (rc == EXIT_OK) {
        hr = stores->lpVtbl->Advise(stores, fnevTableModified, sinks[2], &conns[2]);
        if (hr != S_OK)
            rc = fail_hr(hr, LAST_ERROR(stores, hr), "subscribing to the message store table");
    }
    if (rc == EXIT_OK) {
        if (!g_json_watch)
            printf("\nwatching (Ctrl-C to log off)\n");
        fflush(stdout);
        while (!g_stop) {
            HrDispatchNotifications(0);
            struct timespec ts = {0, 100 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        HrDispatchNotifications(0);
    }
    if (conns[1])
        status->lpVtbl->Unadvise(status, conns[1]);
    if (conns[2])
        stores->lpVtbl->Unadvise(stores, conns[2]);
    /* log off with the session's sink still there: it hears the logoff (fnevExtended) */
    hr = s->lpVtbl->Logoff(s, 0, 0, 0);
    if (hr != S_OK && rc == EXIT_OK)
        rc = fail_hr(hr, LAST_ERROR(s, hr), "logging off");
    HrDispatchNotifications(0);
    for (int i = 0; i < 3; i++)
        if (sinks[i])
            sinks[i]->lpVtbl->Release(sinks[i]);
    return rc;
}

static int run_session(ctx *c)
{
    const char *profile = c->argc ? c->argv[0] : c->profile;
    ULONG flags = MAPI_EXTENDED | (profile ? 0 : MAPI_USE_DEFAULT);
    const mapirt_flagset *set = mapirt_flagset_find("LogonFlags");
    for (int i = 0; i < opt_count(c, "flag"); i++) {
        ULONG v;
        const char *name = opt_at(c, "flag", i);
        if (!set || !mapirt_flagset_member(set, name, &v))
            return usage_error(c, "--flag %s: not a MAPILogonEx flag (mapirt vocab flags "
                                  "LogonFlags 0xFFFFFFFF lists them)",
                name);
        flags |= v;
    }
    LPMAPISESSION s = NULL;
    LPMAPITABLE status = NULL, stores = NULL;
    LPSRowSet srows = NULL, mrows = NULL;
    int watched = 0;
    if (opt_count(c, "watch")) {
        /* before anything is printed: a reader may interrupt as soon as it sees output */
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
    }
    HRESULT hr = MAPILogonEx(0, (LPTSTR)profile, NULL, flags, &s);
    if (FAILED(hr))
        return fail_hr(hr, NULL, "logging on to %s%s%s", profile ? "profile '" : "the default profile",
            profile ? profile : "", profile ? "'" : "");
    int rc = query_table(s, 1, &status, &srows);
    if (rc == EXIT_OK)
        rc = query_table(s, 0, &stores, &mrows);
    if (rc == EXIT_OK) {
        static const char *const sheads[] = {"DISPLAY NAME", "TYPE", "DLL", "STATUS", "FLAGS"};
        static const ULONG stags[] = {PR_DISPLAY_NAME_A, PR_RESOURCE_TYPE, PR_PROVIDER_DLL_NAME_A,
            PR_STATUS_CODE, PR_RESOURCE_FLAGS};
        static const char *const mheads[] = {"DISPLAY NAME", "PROVIDER", "DEFAULT", "ENTRYID"};
        static const ULONG mtags[] = {PR_DISPLAY_NAME_A, PR_PROVIDER_DISPLAY_A, PR_DEFAULT_STORE,
            PR_ENTRYID};
        for (ULONG i = 0; hr == S_OK && i < srows->cRows; i++) {
            /* a provider that failed (MAPI's own rows say how MAPI runs: the spooler's is
             * STATUS_FAILURE under MAPI_NO_MAIL) */
            const SPropValue *st = row_prop(&srows->aRow[i], PR_STATUS_CODE);
            const SPropValue *ty = row_prop(&srows->aRow[i], PR_RESOURCE_TYPE);
            int provider = ty && (ty->Value.l == MAPI_STORE_PROVIDER ||
                                     ty->Value.l == MAPI_AB_PROVIDER ||
                                     ty->Value.l == MAPI_TRANSPORT_PROVIDER);
            if (provider && st && (st->Value.l & STATUS_FAILURE))
                hr = MAPI_W_ERRORS_RETURNED; /* the session's GetLastError says which and why */
        }
        if (hr != S_OK) { /* a warning: the session is there, a provider is not */
            LPMAPIERROR e = LAST_ERROR(s, hr);
            const char *name = mapirt_scode_name(hr);
            fprintf(stderr, "mapirt: warning: logging on: %s (0x%08X): %s\n",
                name ? name : "warning", (unsigned)hr,
                e && e->lpszError ? (const char *)e->lpszError : mapirt_scode_description(hr));
            if (e)
                MAPIFreeBuffer(e);
        }
        if (c->json && opt_count(c, "watch"))
            json_compact(1); /* the session, then each notification: one object a line */
        if (c->json)
            json_begin_object(NULL);
        print_rows(c, "status table", "status", srows, 5, sheads, stags);
        if (!c->json)
            printf("\n");
        print_rows(c, "message store table", "stores", mrows, 4, mheads, mtags);
        rc = print_identity(c, s, srows);
        if (c->json) {
            json_end();
            json_finish();
        }
    }
    if (rc == EXIT_OK && opt_count(c, "watch")) {
        g_json_watch = c->json;
        rc = watch(s, status, stores);
        watched = 1;
    }
    FreeProws(srows);
    FreeProws(mrows);
    if (status)
        status->lpVtbl->Release(status);
    if (stores)
        stores->lpVtbl->Release(stores);
    if (!watched) {
        hr = s->lpVtbl->Logoff(s, 0, 0, 0);
        if (hr != S_OK && rc == EXIT_OK)
            rc = fail_hr(hr, LAST_ERROR(s, hr), "logging off");
    }
    s->lpVtbl->Release(s);
    return rc;
}

static const opt SESSION_OPTS[] = {
    {"flag", "NAME", "a MAPILogonEx flag by name (MAPI_NO_MAIL, MAPI_NEW_SESSION, ...; repeatable)",
        1},
    {"watch", NULL, "stay logged on and print notifications until Ctrl-C", 0},
    {NULL, NULL, NULL, 0},
};

static const cmd SESSION_CMDS[] = {
    {NULL, "[PROFILE]", 0, 1, "log on to a profile and print its session",
        "Logs on with MAPILogonEx (MAPI_EXTENDED, and the flags given), prints the status table, "
        "the message store table and the primary identity, and logs off. Without a profile the "
        "session is of --profile, $MAPIRT_PROFILE or the default profile (MAPI_USE_DEFAULT). "
        "A logon that succeeds with a warning (MAPI_W_ERRORS_RETURNED: a provider failed) still "
        "prints the session; the failed provider's row says why. With --watch, the session's, the "
        "status table's and the store table's notifications are printed as they arrive, until "
        "Ctrl-C or SIGTERM, then the session logs off. With --watch --json the output is JSON "
        "Lines: the session as one object on the first line, then one object a notification.",
        SESSION_OPTS, CMD_JSON | CMD_PROFILE | CMD_PROFILE_OPERAND | CMD_MAPI,
        run_session},
    {0},
};

const group session_group = {"session", "MAPI sessions", SESSION_CMDS};
