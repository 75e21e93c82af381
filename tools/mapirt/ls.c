/* ls.c: `mapirt ls [PATH]`: the folder tree of a store, or a folder's contents table with the
 * columns, restriction, sort order and row limit asked for; each row carries its number #N
 * (the row's place in the folder's own order, so that FOLDER/#N names it in `show` and `cat`
 * whatever the listing's order) and, in JSON, its entry ID. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapitags.h>
#include <mapiutil.h>
#include <mapix.h>

#include "groups.h"
#include "store.h"

/* Frees a table that will not be printed (out.c frees a table as it prints it). */
static void discard(table *t)
{
    FILE *null = fopen("/dev/null", "w");
    if (null) {
        table_fprint(null, t);
        fclose(null);
    }
}

/* ---- the folder tree ---- */

typedef struct tree {
    const ctx *c;
    store *st;
    table *t;
} tree;

static void escape_name(sbuf *b, const char *name)
{
    for (const char *p = name; *p; p++) {
        if (*p == '/' || *p == '\\')
            sb_puts(b, "\\");
        sb_putf(b, "%c", *p);
    }
}

static void num_cell(table *t, int col, const SPropValue *v)
{
    char buf[32];
    if (!v || PROP_TYPE(v->ulPropTag) != PT_LONG) {
        table_cell(t, col, NULL, NULL);
        return;
    }
    snprintf(buf, sizeof buf, "%ld", (long)v->Value.l);
    table_cell(t, col, buf, buf);
}

static int walk_tree(tree *tr, LPMAPIFOLDER f, const char *path, int depth)
{
    static const SizedSPropTagArray(5, cols) = {5, {PR_DISPLAY_NAME_A, PR_ENTRYID,
                                                       PR_CONTENT_COUNT, PR_CONTENT_UNREAD, PR_SUBFOLDERS}};
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    HRESULT hr = f->lpVtbl->GetHierarchyTable(f, 0, &t);
    if (hr != S_OK)
        return fail_hr(hr, LAST_ERROR(f, hr), "reading the subfolders of '%s'", *path ? path : "/");
    hr = HrQueryAllRows(t, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows);
    if (hr != S_OK) {
        int rc = fail_hr(hr, LAST_ERROR(t, hr), "reading the subfolders of '%s'", *path ? path : "/");
        t->lpVtbl->Release(t);
        return rc;
    }
    t->lpVtbl->Release(t);
    int rc = EXIT_OK;
    for (ULONG i = 0; rc == EXIT_OK && i < rows->cRows; i++) {
        const SRow *r = &rows->aRow[i];
        const SPropValue *n = row_prop(r, PR_DISPLAY_NAME_A), *e = row_prop(r, PR_ENTRYID);
        const SPropValue *sub = row_prop(r, PR_SUBFOLDERS);
        const char *name = n ? n->Value.lpszA : "";
        sbuf child = {0}, text = {0}, js = {0}, hex = {0};
        if (*path)
            sb_putf(&child, "%s/", path);
        escape_name(&child, name);
        table_row(tr->t);
        sb_putf(&text, "%*s%s", 2 * depth, "", name);
        json_quote(&js, name);
        table_cell(tr->t, 0, sb_str(&text), sb_str(&js));
        num_cell(tr->t, 1, row_prop(r, PR_CONTENT_COUNT));
        num_cell(tr->t, 2, row_prop(r, PR_CONTENT_UNREAD));
        js.len = 0;
        json_quote(&js, sb_str(&child));
        if (tr->c->json)
            table_cell(tr->t, 3, NULL, sb_str(&js));
        if (e && tr->c->json) {
            js.len = 0;
            hex_bytes(&hex, e->Value.bin.lpb, e->Value.bin.cb);
            json_quote(&js, sb_str(&hex));
            table_cell(tr->t, 4, NULL, sb_str(&js));
        }
        if (e && (!sub || sub->Value.b)) {
            ULONG type = 0;
            LPMAPIFOLDER cf = NULL;
            hr = tr->st->mdb->lpVtbl->OpenEntry(tr->st->mdb, e->Value.bin.cb,
                (LPENTRYID)e->Value.bin.lpb, NULL, 0, &type, (LPUNKNOWN *)&cf);
            if (hr != S_OK)
                rc = fail_hr(hr, LAST_ERROR(tr->st->mdb, hr), "opening folder '%s'", sb_str(&child));
            else {
                rc = walk_tree(tr, cf, sb_str(&child), depth + 1);
                cf->lpVtbl->Release(cf);
            }
        }
        sb_free(&child);
        sb_free(&text);
        sb_free(&js);
        sb_free(&hex);
    }
    FreeProws(rows);
    return rc;
}

static int print_tree(const ctx *c, store *st, target *tg)
{
    static const char *const heads[] = {"FOLDER", "MESSAGES", "UNREAD", "", ""};
    static const char *const keys[] = {"PR_DISPLAY_NAME", "PR_CONTENT_COUNT", "PR_CONTENT_UNREAD",
        "path", "PR_ENTRYID"};
    tree tr = {c, st, table_new(c->json ? 5 : 3, heads, keys)};
    const char *base = c->argc && strcmp(c->argv[0], "/") != 0 ? c->argv[0] : "";
    int rc = walk_tree(&tr, tg->folder, base, 0);
    if (rc == EXIT_OK)
        table_print(tr.t, c->json);
    else
        discard(tr.t);
    return rc;
}

/* ---- the contents table ---- */

/* "PR_MESSAGE_DELIVERY_TIME" -> "MESSAGE DELIVERY TIME" */
static char *header_of(const char *name)
{
    const char *p = strncmp(name, "PR_", 3) == 0 ? name + 3 : name;
    char *h = strdup(p);
    for (char *q = h; q && *q; q++)
        if (*q == '_')
            *q = ' ';
    return h;
}

/* The value as one line of a table cell: control characters as spaces. */
static void cell_text(sbuf *b, const SPropValue *v)
{
    prop_text(b, v);
    for (size_t i = 0; i < b->len; i++)
        if ((unsigned char)b->s[i] < 0x20)
            b->s[i] = ' ';
}

typedef struct rowid {
    const SBinary *eid;
    ULONG row;
} rowid;

static int cmp_bin(const SBinary *a, const SBinary *b)
{
    if (a->cb != b->cb)
        return a->cb < b->cb ? -1 : 1;
    return memcmp(a->lpb, b->lpb, a->cb);
}

static int cmp_rowid(const void *a, const void *b)
{
    return cmp_bin(((const rowid *)a)->eid, ((const rowid *)b)->eid);
}

static int parse_columns(const ctx *c, SPropTagArray **cols)
{
    static const ULONG defaults[] = {PR_MESSAGE_DELIVERY_TIME, PR_SENDER_NAME_A, PR_SUBJECT_A};
    const char *spec = opt_get(c, "columns");
    ULONG n = 0;
    *cols = malloc(sizeof(SPropTagArray) + 64 * sizeof(ULONG));
    if (!*cols)
        return fail_msg("out of memory");
    (*cols)->aulPropTag[n++] = PR_ENTRYID;
    if (!spec)
        for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
            (*cols)->aulPropTag[n++] = defaults[i];
    else {
        char *copy = strdup(spec), *save = NULL;
        for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            while (*tok == ' ')
                tok++;
            if (n == 64) {
                free(copy);
                return usage_error(c, "--columns: at most 63 columns");
            }
            int rc = cli_tag(c, "--columns", tok, &(*cols)->aulPropTag[n]);
            if (rc != EXIT_OK) {
                free(copy);
                return rc;
            }
            n++;
        }
        free(copy);
        if (n == 1)
            return usage_error(c, "--columns: no property named");
    }
    (*cols)->cValues = n;
    return EXIT_OK;
}

static int parse_sort(const ctx *c, LPSSortOrderSet *out)
{
    ULONG n = 0;
    *out = NULL;
    for (int i = 0; i < opt_count(c, "sort"); i++)
        for (const char *p = opt_at(c, "sort", i); p; p = strchr(p + 1, ','))
            n++;
    if (!n)
        return EXIT_OK;
    if (MAPIAllocateBuffer(CbNewSSortOrderSet(n), (void **)out) != S_OK)
        return fail_msg("out of memory");
    (*out)->cSorts = 0;
    (*out)->cCategories = (*out)->cExpanded = 0;
    for (int i = 0; i < opt_count(c, "sort"); i++) {
        char *copy = strdup(opt_at(c, "sort", i)), *save = NULL;
        for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            ULONG order = TABLE_SORT_ASCEND, tag;
            if (*tok == '-' || *tok == '+')
                order = *tok++ == '-' ? TABLE_SORT_DESCEND : TABLE_SORT_ASCEND;
            int rc = cli_tag(c, "--sort", tok, &tag);
            if (rc != EXIT_OK) {
                free(copy);
                MAPIFreeBuffer(*out);
                *out = NULL;
                return rc;
            }
            (*out)->aSort[(*out)->cSorts].ulPropTag = tag;
            (*out)->aSort[(*out)->cSorts++].ulOrder = order;
        }
        free(copy);
    }
    return EXIT_OK;
}

static int list_contents(const ctx *c, target *tg)
{
    SPropTagArray *cols = NULL;
    LPSRestriction res = NULL;
    LPSSortOrderSet sort = NULL;
    LPMAPITABLE t = NULL;
    LPSRowSet order = NULL;
    rowid *ids = NULL;
    long limit = -1;
    int assoc = opt_count(c, "assoc") > 0;
    int rc = parse_columns(c, &cols);
    if (rc == EXIT_OK && opt_get(c, "limit")) {
        char *end;
        errno = 0;
        limit = strtol(opt_get(c, "limit"), &end, 10);
        if (errno || *end || limit < 0 || end == opt_get(c, "limit"))
            rc = usage_error(c, "--limit '%s': not a number of rows", opt_get(c, "limit"));
    }
    if (rc == EXIT_OK && opt_get(c, "restrict"))
        rc = restriction_parse(c, opt_get(c, "restrict"), &res);
    if (rc == EXIT_OK)
        rc = parse_sort(c, &sort);
    HRESULT hr = S_OK;
    if (rc == EXIT_OK) {
        hr = tg->folder->lpVtbl->GetContentsTable(tg->folder, assoc ? MAPI_ASSOCIATED : 0, &t);
        if (hr != S_OK)
            rc = fail_hr(hr, LAST_ERROR(tg->folder, hr), "reading the contents of '%s'", tg->label);
    }
    if (rc == EXIT_OK && (hr = t->lpVtbl->SetColumns(t, cols, 0)) != S_OK)
        rc = fail_hr(hr, LAST_ERROR(t, hr), "choosing the columns of '%s'", tg->label);
    if (rc == EXIT_OK && res && (hr = t->lpVtbl->Restrict(t, res, 0)) != S_OK)
        rc = fail_hr(hr, LAST_ERROR(t, hr), "restricting the contents of '%s'", tg->label);
    if (rc == EXIT_OK && sort && (hr = t->lpVtbl->SortTable(t, sort, 0)) != S_OK)
        rc = fail_hr(hr, LAST_ERROR(t, hr), "sorting the contents of '%s'", tg->label);
    /* the rows' numbers in the folder's own order, when this listing has another */
    if (rc == EXIT_OK && (res || sort)) {
        rc = folder_entryids(tg->folder, assoc, tg->label, &order);
        if (rc == EXIT_OK) {
            ids = calloc(order->cRows + 1, sizeof *ids);
            ULONG k = 0;
            for (ULONG i = 0; ids && i < order->cRows; i++) {
                const SPropValue *e = row_prop(&order->aRow[i], PR_ENTRYID);
                if (e)
                    ids[k++] = (rowid){&e->Value.bin, i + 1};
            }
            if (ids)
                qsort(ids, k, sizeof *ids, cmp_rowid);
            if (!ids)
                rc = fail_msg("out of memory");
        }
    }
    const char **heads = NULL, **keys = NULL;
    table *out = NULL;
    if (rc == EXIT_OK) {
        int ncols = (int)cols->cValues + 1; /* #N, the columns, then PR_ENTRYID for JSON */
        heads = calloc((size_t)ncols, sizeof *heads);
        keys = calloc((size_t)ncols, sizeof *keys);
        heads[0] = "#";
        keys[0] = "row";
        for (ULONG i = 1; i < cols->cValues; i++) {
            char nb[64];
            keys[i] = strdup(prop_name(cols->aulPropTag[i], nb, sizeof nb));
            heads[i] = header_of(keys[i]);
        }
        heads[ncols - 1] = "ENTRYID";
        keys[ncols - 1] = "PR_ENTRYID";
        out = table_new(c->json ? ncols : ncols - 1, heads, keys);
        ULONG seen = 0;
        while (rc == EXIT_OK && (limit < 0 || (long)seen < limit)) {
            LPSRowSet rows = NULL;
            long want = limit < 0 || limit - (long)seen > 500 ? 500 : limit - (long)seen;
            hr = t->lpVtbl->QueryRows(t, want, 0, &rows);
            if (hr != S_OK) {
                rc = fail_hr(hr, LAST_ERROR(t, hr), "reading the contents of '%s'", tg->label);
                break;
            }
            if (rows->cRows == 0) {
                FreeProws(rows);
                break;
            }
            for (ULONG r = 0; r < rows->cRows; r++) {
                const SRow *row = &rows->aRow[r];
                sbuf b = {0}, j = {0};
                ULONG num = seen + r + 1;
                const SPropValue *e = row_prop(row, PR_ENTRYID);
                if (ids && e) {
                    rowid key = {&e->Value.bin, 0};
                    const rowid *hit = bsearch(&key, ids, order->cRows, sizeof *ids, cmp_rowid);
                    num = hit ? hit->row : 0;
                }
                table_row(out);
                sb_putf(&b, "#%lu", (unsigned long)num);
                sb_putf(&j, "%lu", (unsigned long)num);
                table_cell(out, 0, sb_str(&b), sb_str(&j));
                for (ULONG k = 1; k < cols->cValues; k++) {
                    const SPropValue *v = &row->lpProps[k];
                    b.len = j.len = 0;
                    if (PROP_TYPE(v->ulPropTag) == PT_ERROR && v->Value.err == MAPI_E_NOT_FOUND) {
                        table_cell(out, (int)k, NULL, NULL);
                        continue;
                    }
                    cell_text(&b, v);
                    prop_json_value(&j, v);
                    table_cell(out, (int)k, sb_str(&b), sb_str(&j));
                }
                if (c->json && e) {
                    b.len = j.len = 0;
                    hex_bytes(&b, e->Value.bin.lpb, e->Value.bin.cb);
                    json_quote(&j, sb_str(&b));
                    table_cell(out, ncols - 1, NULL, sb_str(&j));
                }
                sb_free(&b);
                sb_free(&j);
            }
            seen += rows->cRows;
            FreeProws(rows);
        }
        if (rc == EXIT_OK)
            table_print(out, c->json);
        else
            discard(out);
        for (ULONG i = 1; i < cols->cValues; i++) {
            free((void *)keys[i]);
            free((void *)heads[i]);
        }
    }
    free(heads);
    free(keys);
    free(ids);
    if (order)
        FreeProws(order);
    if (t)
        t->lpVtbl->Release(t);
    MAPIFreeBuffer(res);
    MAPIFreeBuffer(sort);
    free(cols);
    return rc;
}

static int run_ls(ctx *c)
{
    store st;
    target tg;
    int rc = store_open(c, 0, &st);
    if (rc != EXIT_OK)
        return rc;
    const char *path = c->argc ? c->argv[0] : NULL;
    int contents = path && strcmp(path, "/") != 0 && !opt_count(c, "tree");
    if (!contents && (opt_get(c, "columns") || opt_get(c, "restrict") || opt_count(c, "sort") ||
                         opt_get(c, "limit") || opt_count(c, "assoc"))) {
        store_close(&st);
        return usage_error(c, "--columns, --restrict, --sort, --limit and --assoc list a "
                              "folder's contents: name the folder");
    }
    rc = path_open_folder(c, &st, path, 0, &tg);
    if (rc == EXIT_OK) {
        rc = contents ? list_contents(c, &tg) : print_tree(c, &st, &tg);
        target_close(&tg);
    }
    store_close(&st);
    return rc;
}

static const opt LS_OPTS[] = {
    {"columns", "PROP,...",
        "the columns of the contents table, by property name (default: the delivery time, "
        "the sender's name and the subject)",
        0},
    {"restrict", "EXPR", "only the rows that match EXPR: PROP = VALUE (also != < <= > >=), "
                         "PROP ~ \"text\" (substring, any case), exists PROP, and, or, not, "
                         "parentheses",
        0},
    {"sort", "[-]PROP,...", "sort by these properties, '-' for descending (repeatable)", 1},
    {"limit", "N", "at most N rows", 0},
    {"assoc", NULL, "list the associated contents (FAI) instead", 0},
    {"tree", NULL, "print the folder tree under PATH instead of its contents", 0},
    STORE_OPT,
    {NULL, NULL, NULL, 0},
};

static const cmd LS_CMDS[] = {
    {NULL, "[PATH]", 0, 1, "list a store's folders or a folder's messages",
        "Without PATH (or with --tree), prints the folder tree under the store's IPM subtree "
        "(or under PATH): each folder with its message and unread counts. With PATH, prints the "
        "folder's contents table. PATH is a folder path from the IPM subtree, display names "
        "separated by '/' and compared without case ('Inbox/Reports'; '\\/' is a '/' in a "
        "name), or a folder's entry ID in hex. Each row is numbered #N by its place in the "
        "folder's own order, whatever --sort and --restrict do, and FOLDER/#N names that "
        "message in mapirt show and mapirt cat. --restrict values are read by the property's "
        "type (numbers, flag names joined by '|', TRUE/FALSE, hex bytes; times as "
        "2026-12-06T08:30:00Z, UTC); strings are quoted with \"...\". A mistake in it is a "
        "usage error that names its column. The session logs on with MAPI_NO_MAIL.",
        LS_OPTS, CMD_JSON | CMD_PROFILE | CMD_MAPI, run_ls},
    {0},
};

const group ls_group = {"ls", "list folders and messages", LS_CMDS};
