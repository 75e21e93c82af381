/* out.c: how `mapirt` prints: errors, growing strings, JSON and aligned tables. */
#define _DEFAULT_SOURCE
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mapicode.h>
#include <mapix.h>

#include <mapirt/vocab.h>

#include "cli.h"

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fputs("mapirt: out of memory\n", stderr);
        exit(EXIT_FAIL);
    }
    return q;
}

/* ---- errors ---- */

static LPMAPIERROR g_lasterr;

LPMAPIERROR *lasterr_slot_(void)
{
    if (g_lasterr)
        MAPIFreeBuffer(g_lasterr);
    g_lasterr = NULL;
    return &g_lasterr;
}

LPMAPIERROR lasterr_take_(void)
{
    LPMAPIERROR e = g_lasterr;
    g_lasterr = NULL;
    return e;
}

/* Errors are composed first and written with one call: another process writing the same
 * stderr (`mapirt trace` follows a command's trace there) never splits a line. */
static void put_err(sbuf *b)
{
    fputs(sb_str(b), stderr);
    fflush(stderr);
    sb_free(b);
}

static void sb_vputf(sbuf *b, const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0)
        return;
    char *tmp = xrealloc(NULL, (size_t)n + 1);
    vsnprintf(tmp, (size_t)n + 1, fmt, ap);
    sb_puts(b, tmp);
    free(tmp);
}

static int vfail(HRESULT hr, const char *text, const char *what, va_list ap)
{
    sbuf b = {0};
    const char *name = mapirt_scode_name(hr);
    if (!text || !*text)
        text = name ? mapirt_scode_description(hr) : "not a status code mapirt knows";
    sb_puts(&b, "mapirt: ");
    sb_vputf(&b, what, ap);
    sb_putf(&b, ": %s (0x%08X): %s\n", name ? name : "unknown status", (unsigned)hr, text);
    put_err(&b);
    return EXIT_FAIL;
}

int fail_hr(HRESULT hr, LPMAPIERROR err, const char *what, ...)
{
    va_list ap;
    va_start(ap, what);
    vfail(hr, err && err->lpszError ? (const char *)err->lpszError : NULL, what, ap);
    va_end(ap);
    if (err)
        MAPIFreeBuffer(err);
    return EXIT_FAIL;
}

int fail_text(HRESULT hr, const char *text, const char *what, ...)
{
    va_list ap;
    va_start(ap, what);
    vfail(hr, text, what, ap);
    va_end(ap);
    return EXIT_FAIL;
}

int fail_msg(const char *what, ...)
{
    va_list ap;
    sbuf b = {0};
    sb_puts(&b, "mapirt: ");
    va_start(ap, what);
    sb_vputf(&b, what, ap);
    va_end(ap);
    sb_puts(&b, "\n");
    put_err(&b);
    return EXIT_FAIL;
}

int usage_error(const ctx *c, const char *what, ...)
{
    va_list ap;
    sbuf b = {0};
    char prefix[128];
    if (c && c->cmd && c->cmd->name)
        snprintf(prefix, sizeof prefix, "mapirt %s %s", c->grp->name, c->cmd->name);
    else if (c && c->grp)
        snprintf(prefix, sizeof prefix, "mapirt %s", c->grp->name);
    else
        snprintf(prefix, sizeof prefix, "mapirt");
    sb_putf(&b, "%s: ", prefix);
    va_start(ap, what);
    sb_vputf(&b, what, ap);
    va_end(ap);
    sb_putf(&b, "\nTry '%s --help'.\n", prefix);
    put_err(&b);
    return EXIT_USAGE;
}

/* ---- strings ---- */

void sb_putf(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (b->len + (size_t)n + 1 > b->cap) {
        b->cap = (b->len + (size_t)n + 1) * 2;
        b->s = xrealloc(b->s, b->cap);
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void sb_puts(sbuf *b, const char *s)
{
    sb_putf(b, "%s", s);
}

void sb_free(sbuf *b)
{
    free(b->s);
    memset(b, 0, sizeof *b);
}

const char *sb_str(sbuf *b)
{
    return b->s ? b->s : "";
}

/* ---- JSON ---- */

static struct {
    int depth;
    int first[64]; /* no member written yet at this depth */
    char close[64]; /* the bracket that closes this depth */
} js = {0, {1}, {0}};

void json_quote(sbuf *b, const char *s)
{
    sb_puts(b, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':
            sb_puts(b, "\\\"");
            break;
        case '\\':
            sb_puts(b, "\\\\");
            break;
        case '\n':
            sb_puts(b, "\\n");
            break;
        case '\r':
            sb_puts(b, "\\r");
            break;
        case '\t':
            sb_puts(b, "\\t");
            break;
        default:
            if (*p < 0x20)
                sb_putf(b, "\\u%04x", *p);
            else
                sb_putf(b, "%c", *p);
        }
    }
    sb_puts(b, "\"");
}

static int js_compact; /* one line: JSON Lines */

void json_compact(int on)
{
    js_compact = on;
}

static void member(const char *key)
{
    int d = js.depth;
    if (d > 0 && js_compact)
        fputs(js.first[d] ? "" : ", ", stdout);
    else if (d > 0)
        fputs(js.first[d] ? "\n" : ",\n", stdout);
    js.first[d] = 0;
    for (int i = 0; i < d && !js_compact; i++)
        fputs("  ", stdout);
    if (key) {
        sbuf b = {0};
        json_quote(&b, key);
        printf("%s: ", sb_str(&b));
        sb_free(&b);
    }
}

static void open_(const char *key, const char *bracket)
{
    member(key);
    fputs(bracket, stdout);
    if (js.depth < 63)
        js.depth++;
    js.first[js.depth] = 1;
    js.close[js.depth] = bracket[0] == '{' ? '}' : ']';
}

void json_begin_object(const char *key)
{
    open_(key, "{");
}
void json_begin_array(const char *key)
{
    open_(key, "[");
}

void json_end(void)
{
    int empty = js.first[js.depth];
    char close = js.close[js.depth];
    js.depth--;
    if (!empty && !js_compact) {
        fputc('\n', stdout);
        for (int i = 0; i < js.depth; i++)
            fputs("  ", stdout);
    }
    fputc(close, stdout);
}

void json_raw(const char *key, const char *text)
{
    member(key);
    fputs(text, stdout);
}

void json_string(const char *key, const char *value)
{
    sbuf b = {0};
    json_quote(&b, value);
    json_raw(key, sb_str(&b));
    sb_free(&b);
}

void json_number(const char *key, long long value)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", value);
    json_raw(key, buf);
}

void json_bool(const char *key, int value)
{
    json_raw(key, value ? "true" : "false");
}

void json_finish(void)
{
    fputc('\n', stdout);
    fflush(stdout);
}

/* ---- tables ---- */

struct table {
    int ncols;
    const char *const *headers, *const *keys;
    int nrows;
    char **text, **json; /* nrows * ncols cells */
};

table *table_new(int ncols, const char *const *headers, const char *const *keys)
{
    table *t = xrealloc(NULL, sizeof *t);
    memset(t, 0, sizeof *t);
    t->ncols = ncols;
    t->headers = headers;
    t->keys = keys;
    return t;
}

void table_row(table *t)
{
    size_t n = (size_t)(t->nrows + 1) * (size_t)t->ncols;
    t->text = xrealloc(t->text, n * sizeof *t->text);
    t->json = xrealloc(t->json, n * sizeof *t->json);
    for (int i = 0; i < t->ncols; i++)
        t->text[t->nrows * t->ncols + i] = t->json[t->nrows * t->ncols + i] = NULL;
    t->nrows++;
}

void table_cell(table *t, int col, const char *text, const char *json)
{
    size_t i = (size_t)(t->nrows - 1) * (size_t)t->ncols + (size_t)col;
    t->text[i] = text ? strdup(text) : NULL;
    t->json[i] = json ? strdup(json) : NULL;
}

/* Display width of UTF-8 text: one column per code point (enough for names and mail). */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

static void text_table(FILE *out, table *t);
static void free_table(table *t);

void table_fprint(FILE *out, table *t)
{
    text_table(out, t);
}

void table_print(table *t, int json)
{
    if (!json) {
        text_table(stdout, t);
        return;
    }
    {
        json_begin_array(NULL);
        for (int r = 0; r < t->nrows; r++) {
            json_begin_object(NULL);
            for (int c = 0; c < t->ncols; c++)
                if (t->json[r * t->ncols + c])
                    json_raw(t->keys[c], t->json[r * t->ncols + c]);
            json_end();
        }
        json_end();
        json_finish();
    }
    free_table(t);
}

static void text_table(FILE *out, table *t)
{
    {
        size_t *w = xrealloc(NULL, (size_t)t->ncols * sizeof *w);
        for (int c = 0; c < t->ncols; c++) {
            w[c] = width(t->headers[c]);
            for (int r = 0; r < t->nrows; r++) {
                const char *s = t->text[r * t->ncols + c];
                size_t cw = width(s ? s : "-");
                if (cw > w[c])
                    w[c] = cw;
            }
        }
        for (int r = -1; r < t->nrows; r++)
            for (int c = 0; c < t->ncols; c++) {
                const char *s = r < 0 ? t->headers[c] : t->text[r * t->ncols + c];
                if (!s)
                    s = "-";
                if (c == t->ncols - 1)
                    fprintf(out, "%s\n", s);
                else
                    fprintf(out, "%s%*s", s, (int)(w[c] - width(s) + 2), "");
            }
        free(w);
    }
    free_table(t);
}

static void free_table(table *t)
{
    for (int i = 0; i < t->nrows * t->ncols; i++) {
        free(t->text[i]);
        free(t->json[i]);
    }
    free(t->text);
    free(t->json);
    free(t);
}
