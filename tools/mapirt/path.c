/* path.c: the session and store the store commands work in, and the PATHs that name folders
 * and messages in it (store.h).
 * configure: pkg glib-2.0
 *
 * A folder path is walked from the store's IPM subtree through hierarchy tables, a display
 * name at a time, compared after Unicode case folding (GLib's g_utf8_casefold), so "inbox"
 * is the Inbox. FOLDER/#N counts rows of the contents table in the folder's own order, the
 * numbers `mapirt ls FOLDER` prints. */
#define _DEFAULT_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <glib.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapitags.h>
#include <mapiutil.h>
#include <mapix.h>

#include "admin.h"
#include "store.h"

static int is_hex_id(const char *s);

int store_open(const ctx *c, int write, store *st)
{
    memset(st, 0, sizeof *st);
    const char *profile = c->profile;
    ULONG flags = MAPI_EXTENDED | MAPI_NO_MAIL | MAPI_NEW_SESSION |
                  (profile ? MAPI_EXPLICIT_PROFILE : MAPI_USE_DEFAULT);
    HRESULT hr = MAPILogonEx(0, (LPTSTR)profile, NULL, flags, &st->session);
    if (FAILED(hr))
        return fail_hr(hr, NULL, "logging on to %s%s%s", profile ? "profile '" : "the default profile",
            profile ? profile : "", profile ? "'" : "");
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    hr = st->session->lpVtbl->GetMsgStoresTable(st->session, 0, &t);
    if (hr != S_OK) {
        fail_hr(hr, LAST_ERROR(st->session, hr), "reading the message store table");
        store_close(st);
        return EXIT_FAIL;
    }
    int rc = table_rows(t, "the message store table", &rows);
    t->lpVtbl->Release(t);
    if (rc != EXIT_OK) {
        store_close(st);
        return rc;
    }
    const char *want = opt_get(c, "store");
    const SPropValue *eid = NULL;
    int matches = 0;
    for (ULONG i = 0; i < rows->cRows; i++) {
        const SPropValue *n = row_prop(&rows->aRow[i], PR_DISPLAY_NAME_A);
        const SPropValue *d = row_prop(&rows->aRow[i], PR_DEFAULT_STORE);
        const SPropValue *e = row_prop(&rows->aRow[i], PR_ENTRYID);
        int match = 0;
        if (!want)
            match = d && d->Value.b;
        else if (e && is_hex_id(want) && strlen(want) == 2 * (size_t)e->Value.bin.cb) {
            sbuf hex = {0};
            hex_bytes(&hex, e->Value.bin.lpb, e->Value.bin.cb);
            match = strcasecmp(sb_str(&hex), want) == 0;
            sb_free(&hex);
        } else
            match = n && strcasecmp(n->Value.lpszA, want) == 0;
        if (match && e) {
            if (!eid)
                snprintf(st->name, sizeof st->name, "%s", n ? n->Value.lpszA : "(no name)");
            eid = eid ? eid : e;
            matches++;
        }
    }
    if (matches > 1 && want) {
        FreeProws(rows);
        store_close(st);
        return usage_error(c, "--store '%s' names %d stores of the profile: give the store's entry "
                              "ID (mapirt session lists them)",
            want, matches);
    }
    if (!eid) {
        if (want)
            rc = fail_text(MAPI_E_NOT_FOUND, "the profile has no store of that name (mapirt "
                                             "session lists them)",
                "opening store '%s'", want);
        else
            rc = fail_text(MAPI_E_NOT_FOUND, "the profile has no default store",
                "opening the default store");
    } else {
        hr = st->session->lpVtbl->OpenMsgStore(st->session, 0, eid->Value.bin.cb,
            (LPENTRYID)eid->Value.bin.lpb, NULL, MDB_NO_DIALOG | (write ? MDB_WRITE : 0), &st->mdb);
        if (FAILED(hr))
            rc = fail_hr(hr, LAST_ERROR(st->session, hr), "opening store '%s'", st->name);
    }
    FreeProws(rows);
    if (rc != EXIT_OK)
        store_close(st);
    return rc;
}

void store_close(store *st)
{
    if (st->mdb) {
        ULONG f = LOGOFF_ORDERLY;
        st->mdb->lpVtbl->StoreLogoff(st->mdb, &f);
        st->mdb->lpVtbl->Release(st->mdb);
    }
    if (st->session) {
        st->session->lpVtbl->Logoff(st->session, 0, 0, 0);
        st->session->lpVtbl->Release(st->session);
    }
    memset(st, 0, sizeof *st);
}

void target_close(target *t)
{
    if (t->msg)
        t->msg->lpVtbl->Release(t->msg);
    if (t->folder)
        t->folder->lpVtbl->Release(t->folder);
    t->msg = NULL;
    t->folder = NULL;
}

int cli_tag(const ctx *c, const char *what, const char *name, ULONG *tag)
{
    const char *problem = NULL;
    if (!prop_parse_tag(name, tag, &problem))
        return usage_error(c, "%s '%s': %s", what, name, problem);
    if (PROP_TYPE(*tag) == PT_UNICODE)
        *tag = CHANGE_PROP_TYPE(*tag, PT_STRING8);
    else if (PROP_TYPE(*tag) == PT_MV_UNICODE)
        *tag = CHANGE_PROP_TYPE(*tag, PT_MV_STRING8);
    return EXIT_OK;
}

static int is_hex_id(const char *s)
{
    size_t n = strlen(s);
    if (n < 32 || n % 2)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

static int same_name(const char *a, const char *b)
{
    gchar *fa = g_utf8_casefold(a, -1), *fb = g_utf8_casefold(b, -1);
    int same = strcmp(fa, fb) == 0;
    g_free(fa);
    g_free(fb);
    return same;
}

/* The child of f named name (NULL f: not found). */
static int open_child(store *st, LPMAPIFOLDER f, const char *name, ULONG flags, const char *label,
    LPMAPIFOLDER *child)
{
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    static const SizedSPropTagArray(2, cols) = {2, {PR_DISPLAY_NAME_A, PR_ENTRYID}};
    HRESULT hr = f->lpVtbl->GetHierarchyTable(f, 0, &t);
    if (hr != S_OK)
        return fail_hr(hr, LAST_ERROR(f, hr), "reading the subfolders on the way to '%s'", label);
    hr = HrQueryAllRows(t, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows);
    if (hr != S_OK) {
        int rc = fail_hr(hr, LAST_ERROR(t, hr), "reading the subfolders on the way to '%s'", label);
        t->lpVtbl->Release(t);
        return rc;
    }
    t->lpVtbl->Release(t);
    const SPropValue *eid = NULL;
    for (ULONG i = 0; i < rows->cRows && !eid; i++) {
        const SPropValue *n = row_prop(&rows->aRow[i], PR_DISPLAY_NAME_A);
        if (n && same_name(n->Value.lpszA, name))
            eid = row_prop(&rows->aRow[i], PR_ENTRYID);
    }
    int rc = EXIT_OK;
    if (!eid) {
        char text[1024];
        snprintf(text, sizeof text, "there is no folder '%s' in store '%s'", name, st->name);
        rc = fail_text(MAPI_E_NOT_FOUND, text, "opening '%s'", label);
    } else {
        ULONG type = 0;
        hr = st->mdb->lpVtbl->OpenEntry(st->mdb, eid->Value.bin.cb, (LPENTRYID)eid->Value.bin.lpb,
            NULL, flags, &type, (LPUNKNOWN *)child);
        if (hr != S_OK)
            rc = fail_hr(hr, LAST_ERROR(st->mdb, hr), "opening folder '%s' of '%s'", name, label);
    }
    FreeProws(rows);
    return rc;
}

int folder_entryids(LPMAPIFOLDER f, int assoc, const char *label, LPSRowSet *rows)
{
    LPMAPITABLE t = NULL;
    static const SizedSPropTagArray(1, cols) = {1, {PR_ENTRYID}};
    HRESULT hr = f->lpVtbl->GetContentsTable(f, assoc ? MAPI_ASSOCIATED : 0, &t);
    if (hr != S_OK)
        return fail_hr(hr, LAST_ERROR(f, hr), "reading the contents of '%s'", label);
    hr = HrQueryAllRows(t, (LPSPropTagArray)&cols, NULL, NULL, 0, rows);
    int rc = hr == S_OK ? EXIT_OK : fail_hr(hr, LAST_ERROR(t, hr), "reading the contents of '%s'", label);
    t->lpVtbl->Release(t);
    return rc;
}

static int open_by_id(store *st, const char *hex, ULONG flags, target *out)
{
    ULONG cb = (ULONG)strlen(hex) / 2, type = 0;
    LPBYTE eid = NULL;
    LPUNKNOWN obj = NULL;
    if (MAPIAllocateBuffer(cb, (void **)&eid) != S_OK)
        return fail_msg("out of memory");
    FBinFromHex((LPTSTR)hex, eid);
    HRESULT hr = st->mdb->lpVtbl->OpenEntry(st->mdb, cb, (LPENTRYID)eid, NULL, flags, &type, &obj);
    MAPIFreeBuffer(eid);
    if (hr != S_OK)
        return fail_hr(hr, LAST_ERROR(st->mdb, hr), "opening entry %s", hex);
    if (type == MAPI_FOLDER)
        out->folder = (LPMAPIFOLDER)obj;
    else if (type == MAPI_MESSAGE)
        out->msg = (LPMESSAGE)obj;
    else {
        obj->lpVtbl->Release(obj);
        return fail_text(MAPI_E_INVALID_ENTRYID, "it is neither a folder nor a message",
            "opening entry %s", hex);
    }
    return EXIT_OK;
}

/* Splits the next segment of *p into seg (unescaping "\/" and "\\"); 0 at the end. */
static int next_segment(const char **p, char *seg, size_t cb)
{
    while (**p == '/')
        (*p)++;
    if (!**p)
        return 0;
    size_t n = 0;
    for (; **p && **p != '/'; (*p)++) {
        char ch = **p;
        if (ch == '\\' && ((*p)[1] == '/' || (*p)[1] == '\\'))
            ch = *++*p;
        if (n + 1 < cb)
            seg[n++] = ch;
    }
    seg[n] = '\0';
    return 1;
}

int path_open(const ctx *c, store *st, const char *path, ULONG flags, target *out)
{
    (void)c;
    memset(out, 0, sizeof *out);
    snprintf(out->label, sizeof out->label, "%s", path && *path ? path : "/");
    const char *p = path ? path : "";
    char seg[512];
    const char *rest = p;
    if (next_segment(&rest, seg, sizeof seg) && is_hex_id(seg)) {
        /* an entry ID, alone or as the folder the rest of the path starts from */
        int rc = open_by_id(st, seg, flags, out);
        if (rc == EXIT_OK && out->msg && *rest) {
            target_close(out);
            return fail_text(MAPI_E_INVALID_PARAMETER, "a message has no folders or rows",
                "opening '%s'", out->label);
        }
        if (rc != EXIT_OK || !*rest)
            return rc;
        p = rest;
    } else {
        LPSPropValue v = NULL;
        ULONG n = 0, type = 0;
        SizedSPropTagArray(1, tags) = {1, {PR_IPM_SUBTREE_ENTRYID}};
        HRESULT hr = st->mdb->lpVtbl->GetProps(st->mdb, (LPSPropTagArray)&tags, 0, &n, &v);
        if (hr != S_OK) {
            int rc = fail_hr(hr == MAPI_W_ERRORS_RETURNED ? MAPI_E_NOT_FOUND : hr,
                LAST_ERROR(st->mdb, hr), "finding the IPM subtree of store '%s'", st->name);
            MAPIFreeBuffer(v);
            return rc;
        }
        hr = st->mdb->lpVtbl->OpenEntry(st->mdb, v->Value.bin.cb, (LPENTRYID)v->Value.bin.lpb,
            NULL, flags, &type, (LPUNKNOWN *)&out->folder);
        MAPIFreeBuffer(v);
        if (hr != S_OK)
            return fail_hr(hr, LAST_ERROR(st->mdb, hr), "opening the IPM subtree of store '%s'",
                st->name);
    }
    HRESULT hr;
    ULONG type = 0;
    while (next_segment(&p, seg, sizeof seg)) {
        if (seg[0] == '#' && !*p) {
            char *end;
            long row = strtol(seg + 1, &end, 10);
            if (seg[1] == '\0' || *end || row < 1) {
                fail_text(MAPI_E_NOT_FOUND, "a message is #N, N a row number from 1",
                    "opening '%s'", out->label);
                target_close(out);
                return EXIT_FAIL;
            }
            LPSRowSet rows = NULL;
            int rc = folder_entryids(out->folder, 0, out->label, &rows);
            if (rc != EXIT_OK) {
                target_close(out);
                return rc;
            }
            if ((ULONG)row > rows->cRows) {
                char text[128];
                snprintf(text, sizeof text, "the folder has %lu messages",
                    (unsigned long)rows->cRows);
                FreeProws(rows);
                fail_text(MAPI_E_NOT_FOUND, text, "opening '%s'", out->label);
                target_close(out);
                return EXIT_FAIL;
            }
            const SPropValue *eid = row_prop(&rows->aRow[row - 1], PR_ENTRYID);
            hr = eid ? st->mdb->lpVtbl->OpenEntry(st->mdb, eid->Value.bin.cb,
                           (LPENTRYID)eid->Value.bin.lpb, NULL, flags, &type, (LPUNKNOWN *)&out->msg)
                     : MAPI_E_NOT_FOUND;
            FreeProws(rows);
            if (hr != S_OK) {
                fail_hr(hr, LAST_ERROR(st->mdb, hr), "opening '%s'", out->label);
                target_close(out);
                return EXIT_FAIL;
            }
            return EXIT_OK;
        }
        LPMAPIFOLDER child = NULL;
        int rc = open_child(st, out->folder, seg, flags, out->label, &child);
        out->folder->lpVtbl->Release(out->folder);
        out->folder = child;
        if (rc != EXIT_OK)
            return rc;
    }
    return EXIT_OK;
}

int path_run(const ctx *c, const char *path, int (*fn)(const ctx *c, target *tg, void *arg),
    void *arg)
{
    store st;
    target tg;
    int rc = store_open(c, 0, &st);
    if (rc != EXIT_OK)
        return rc;
    rc = path_open(c, &st, path, 0, &tg);
    if (rc == EXIT_OK) {
        rc = fn(c, &tg, arg);
        target_close(&tg);
    }
    store_close(&st);
    return rc;
}

int path_open_folder(const ctx *c, store *st, const char *path, ULONG flags, target *out)
{
    int rc = path_open(c, st, path, flags, out);
    if (rc == EXIT_OK && out->msg) {
        target_close(out);
        return fail_text(MAPI_E_INVALID_PARAMETER, "it names a message, not a folder",
            "opening folder '%s'", out->label);
    }
    return rc;
}

int path_make_folder(const ctx *c, store *st, const char *path, target *out)
{
    const char *p = path ? path : "";
    char seg[512];
    const char *rest = p;
    int rc;
    if (next_segment(&rest, seg, sizeof seg) && is_hex_id(seg)) {
        rc = path_open_folder(c, st, seg, MAPI_MODIFY, out);
        p = rest;
    } else
        rc = path_open_folder(c, st, NULL, MAPI_MODIFY, out);
    snprintf(out->label, sizeof out->label, "%s", path && *path ? path : "/");
    while (rc == EXIT_OK && next_segment(&p, seg, sizeof seg)) {
        LPMAPIFOLDER child = NULL;
        HRESULT hr = out->folder->lpVtbl->CreateFolder(out->folder, FOLDER_GENERIC, (LPTSTR)seg,
            NULL, NULL, OPEN_IF_EXISTS, &child);
        if (hr != S_OK)
            rc = fail_hr(hr, LAST_ERROR(out->folder, hr), "opening or creating folder '%s' of '%s'",
                seg, out->label);
        out->folder->lpVtbl->Release(out->folder);
        out->folder = child;
    }
    return rc;
}
