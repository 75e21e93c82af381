/* show.c: `mapirt show PATH|ENTRYID`: every property of a message (or folder) decoded by name,
 * type and value, then each recipient's and each attachment's, and the properties of embedded
 * messages, indented under their attachment.
 *
 * Values a store keeps out of GetProps because of their size (MAPI_E_NOT_ENOUGH_MEMORY in
 * place of the value: 16 KB and more in the bundled store) are not read whole: their size is
 * shown (IStream::Stat), and `mapirt cat` streams them. Text output keeps a value to one line
 * (control characters escaped, cut after 160 characters); JSON gives every value whole. */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapiguid.h>
#include <mapitags.h>
#include <mapiutil.h>
#include <mapix.h>

#include "groups.h"
#include "store.h"

#define TEXT_MAX 160
#define MAX_DEPTH 16

/* The size of a value too big for GetProps, through its stream; -1 when it cannot be opened. */
static long long big_size(LPMAPIPROP obj, ULONG tag)
{
    LPSTREAM s = NULL;
    STATSTG stat;
    long long size = -1;
    if (obj->lpVtbl->OpenProperty(obj, tag, &IID_IStream, 0, 0, (LPUNKNOWN *)&s) != S_OK)
        return -1;
    memset(&stat, 0, sizeof stat);
    if (s->lpVtbl->Stat(s, &stat, STATFLAG_NONAME) == S_OK)
        size = (long long)stat.cbSize.QuadPart;
    s->lpVtbl->Release(s);
    return size;
}

/* The real tag of a property GetProps answered with an error: its type from the prop list. */
static ULONG listed_tag(const SPropTagArray *list, ULONG tag)
{
    for (ULONG i = 0; list && i < list->cValues; i++)
        if (PROP_ID(list->aulPropTag[i]) == PROP_ID(tag))
            return list->aulPropTag[i];
    return tag;
}

static void one_line(sbuf *out, const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++, n++) {
        if (n == TEXT_MAX) {
            sb_putf(out, "... (%zu bytes)", strlen(s));
            return;
        }
        if (*p == '\n')
            sb_puts(out, "\\n");
        else if (*p == '\r')
            sb_puts(out, "\\r");
        else if (*p == '\t')
            sb_puts(out, "\\t");
        else if (*p < 0x20)
            sb_putf(out, "\\x%02x", *p);
        else
            sb_putf(out, "%c", *p);
    }
}

/* Prints (or writes as JSON members of the open object) every property of obj. */
static int print_all(const ctx *c, LPMAPIPROP obj, int indent, const char *what)
{
    ULONG n = 0;
    LPSPropValue pv = NULL;
    LPSPropTagArray list = NULL;
    HRESULT hr = obj->lpVtbl->GetProps(obj, NULL, 0, &n, &pv);
    if (FAILED(hr))
        return fail_hr(hr, LAST_ERROR(obj, hr), "reading the properties of %s", what);
    obj->lpVtbl->GetPropList(obj, 0, &list); /* only to name the type of a big value */
    if (c->json)
        json_begin_object("properties");
    int wn = 0, wt = 0;
    for (ULONG i = 0; i < n; i++) {
        char nb[64], tb[32];
        ULONG tag = PROP_TYPE(pv[i].ulPropTag) == PT_ERROR ? listed_tag(list, pv[i].ulPropTag)
                                                           : pv[i].ulPropTag;
        int a = (int)strlen(prop_name(tag, nb, sizeof nb));
        int t = (int)strlen(prop_type_name(tag, tb, sizeof tb));
        wn = a > wn ? a : wn;
        wt = t > wt ? t : wt;
    }
    for (ULONG i = 0; i < n; i++) {
        char nb[64], tb[32];
        sbuf v = {0}, line = {0};
        ULONG tag = pv[i].ulPropTag;
        int big = PROP_TYPE(tag) == PT_ERROR && pv[i].Value.err == MAPI_E_NOT_ENOUGH_MEMORY;
        if (big)
            tag = listed_tag(list, tag);
        if (big) {
            long long size = big_size(obj, tag);
            if (c->json)
                sb_putf(&v, "{\"size\": %lld}", size);
            else
                sb_putf(&line, "(%lld bytes: mapirt cat --prop %s)", size,
                    prop_name(tag, nb, sizeof nb));
        } else if (c->json)
            prop_json_value(&v, &pv[i]);
        else if (PROP_TYPE(tag) == PT_BINARY && pv[i].Value.bin.cb > TEXT_MAX / 2) {
            hex_bytes(&line, pv[i].Value.bin.lpb, TEXT_MAX / 2);
            sb_putf(&line, "... (%lu bytes)", (unsigned long)pv[i].Value.bin.cb);
        } else {
            prop_text(&v, &pv[i]);
            one_line(&line, sb_str(&v));
        }
        if (c->json)
            json_raw(prop_name(tag, nb, sizeof nb), sb_str(&v));
        else
            printf("%*s%-*s  %-*s  %s\n", indent, "", wn, prop_name(tag, nb, sizeof nb), wt,
                prop_type_name(tag, tb, sizeof tb), sb_str(&line));
        sb_free(&v);
        sb_free(&line);
    }
    if (c->json)
        json_end();
    MAPIFreeBuffer(pv);
    MAPIFreeBuffer(list);
    return EXIT_OK;
}

static int show_message(const ctx *c, LPMESSAGE m, int indent, int depth, const char *what);

static int show_recipients(const ctx *c, LPMESSAGE m, int indent, const char *what)
{
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    HRESULT hr = m->lpVtbl->GetRecipientTable(m, 0, &t);
    if (hr != S_OK)
        return fail_hr(hr, LAST_ERROR(m, hr), "reading the recipients of %s", what);
    hr = HrQueryAllRows(t, NULL, NULL, NULL, 0, &rows);
    if (hr != S_OK) {
        int rc = fail_hr(hr, LAST_ERROR(t, hr), "reading the recipients of %s", what);
        t->lpVtbl->Release(t);
        return rc;
    }
    t->lpVtbl->Release(t);
    if (c->json)
        json_begin_array("recipients");
    for (ULONG i = 0; i < rows->cRows; i++) {
        if (c->json)
            json_props(NULL, rows->aRow[i].cValues, rows->aRow[i].lpProps);
        else {
            printf("\n%*srecipient %lu\n", indent, "", (unsigned long)i + 1);
            print_props(indent + 2, 0, rows->aRow[i].cValues, rows->aRow[i].lpProps);
        }
    }
    if (c->json)
        json_end();
    FreeProws(rows);
    return EXIT_OK;
}

static int show_attachments(const ctx *c, LPMESSAGE m, int indent, int depth, const char *what)
{
    static const SizedSPropTagArray(2, cols) = {2, {PR_ATTACH_NUM, PR_ATTACH_METHOD}};
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    HRESULT hr = m->lpVtbl->GetAttachmentTable(m, 0, &t);
    if (hr != S_OK)
        return fail_hr(hr, LAST_ERROR(m, hr), "reading the attachments of %s", what);
    hr = HrQueryAllRows(t, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows);
    if (hr != S_OK) {
        int rc = fail_hr(hr, LAST_ERROR(t, hr), "reading the attachments of %s", what);
        t->lpVtbl->Release(t);
        return rc;
    }
    t->lpVtbl->Release(t);
    int rc = EXIT_OK;
    if (c->json)
        json_begin_array("attachments");
    for (ULONG i = 0; rc == EXIT_OK && i < rows->cRows; i++) {
        const SPropValue *num = row_prop(&rows->aRow[i], PR_ATTACH_NUM);
        const SPropValue *method = row_prop(&rows->aRow[i], PR_ATTACH_METHOD);
        LPATTACH a = NULL;
        char label[600];
        if (!num)
            continue;
        snprintf(label, sizeof label, "attachment %ld of %s", (long)num->Value.l, what);
        hr = m->lpVtbl->OpenAttach(m, (ULONG)num->Value.l, NULL, 0, &a);
        if (hr != S_OK) {
            rc = fail_hr(hr, LAST_ERROR(m, hr), "opening %s", label);
            break;
        }
        if (c->json)
            json_begin_object(NULL);
        else
            printf("\n%*sattachment %ld\n", indent, "", (long)num->Value.l);
        rc = print_all(c, (LPMAPIPROP)a, indent + 2, label);
        if (rc == EXIT_OK && method && method->Value.l == ATTACH_EMBEDDED_MSG) {
            LPMESSAGE inner = NULL;
            hr = a->lpVtbl->OpenProperty(a, PR_ATTACH_DATA_OBJ, &IID_IMessage, 0, 0,
                (LPUNKNOWN *)&inner);
            if (hr != S_OK)
                rc = fail_hr(hr, LAST_ERROR(a, hr), "opening the embedded message of %s", label);
            else if (depth >= MAX_DEPTH) {
                if (!c->json)
                    printf("%*s(embedded messages nest deeper than %d: not shown)\n", indent + 2,
                        "", MAX_DEPTH);
                inner->lpVtbl->Release(inner);
            } else {
                char inner_label[700];
                snprintf(inner_label, sizeof inner_label, "the message embedded in %s", label);
                if (c->json)
                    json_begin_object("message");
                else
                    printf("\n%*sembedded message\n", indent + 2, "");
                rc = show_message(c, inner, indent + 4, depth + 1, inner_label);
                if (c->json)
                    json_end();
                inner->lpVtbl->Release(inner);
            }
        }
        if (c->json)
            json_end();
        a->lpVtbl->Release(a);
    }
    if (c->json)
        json_end();
    FreeProws(rows);
    return rc;
}

static int show_message(const ctx *c, LPMESSAGE m, int indent, int depth, const char *what)
{
    int rc = print_all(c, (LPMAPIPROP)m, indent, what);
    if (rc == EXIT_OK)
        rc = show_recipients(c, m, indent, what);
    if (rc == EXIT_OK)
        rc = show_attachments(c, m, indent, depth, what);
    return rc;
}

static int show_target(const ctx *c, target *tg, void *arg)
{
    (void)arg;
    char what[600];
    snprintf(what, sizeof what, "'%s'", tg->label);
    if (c->json)
        json_begin_object(NULL);
    int rc = tg->msg ? show_message(c, tg->msg, 0, 0, what)
                     : print_all(c, (LPMAPIPROP)tg->folder, 0, what);
    if (c->json) {
        json_end();
        json_finish();
    }
    return rc;
}

static int run_show(ctx *c)
{
    return path_run(c, c->argv[0], show_target, NULL);
}

static const opt SHOW_OPTS[] = {
    STORE_OPT,
    {NULL, NULL, NULL, 0},
};

static const cmd SHOW_CMDS[] = {
    {NULL, "PATH|ENTRYID", 1, 1, "print every property of a message or folder",
        "Prints every property of the message PATH names (FOLDER/#N as mapirt ls numbers the "
        "rows, or an entry ID in hex) by name, type and decoded value, then each recipient's "
        "properties, each attachment's, and those of embedded messages under their attachment. "
        "A folder's PATH prints the folder's properties. Values too big for GetProps are shown "
        "by their size (mapirt cat prints them); the text output keeps each value to one line "
        "and cuts it after 160 characters, --json gives values whole (big ones as "
        "{\"size\": N}), with the members properties, recipients and attachments (each with its "
        "properties and, for an embedded message, message).",
        SHOW_OPTS, CMD_JSON | CMD_PROFILE | CMD_MAPI, run_show},
    {0},
};

const group show_group = {"show", "print a message's properties", SHOW_CMDS};
