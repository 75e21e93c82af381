/* restrict.c: `--restrict TEXT`, a small language for MAPI restrictions (SRestriction).
 *
 *   expr    := term { "or" term }
 *   term    := factor { "and" factor }
 *   factor  := "not" factor | "(" expr ")" | "exists" PROP | PROP OP VALUE
 *   OP      := "=" | "!=" | "<" | "<=" | ">" | ">="      RES_PROPERTY, RELOP_EQ ... RELOP_GE
 *            | "~"                                       RES_CONTENT, FL_SUBSTRING|FL_IGNORECASE
 *   VALUE   := "text" (\" and \\ escaped) | a word (up to a space or a parenthesis)
 *
 * Keywords are case-insensitive; "and" binds tighter than "or". PROP is a property name as
 * everywhere on the command line (PR_SUBJECT, PidTagSubject, a hex tag); strings compare as
 * their 8-bit (UTF-8) variant. VALUE is read by the property's type as a MAPISVC.INF line is
 * (mapirt_prop_from_text: numbers, flag names joined by '|', TRUE/FALSE, hex bytes), except
 * times: PT_SYSTIME takes ISO 8601 UTC, "2026-12-06", "2026-12-06T08:30" or
 * "2026-12-06T08:30:00Z". "~" takes string properties only. A mistake is a usage error that
 * says which column (from 1) of the text it is at. */
#define _DEFAULT_SOURCE
#define _XOPEN_SOURCE 700
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapiutil.h>
#include <mapix.h>

#include <mapirt/catalog.h>

#include "store.h"

typedef struct parser {
    const ctx *c;
    const char *text, *p;
    void *root; /* every allocation hangs off it */
    int failed;
} parser;

static int column(const parser *ps, const char *at)
{
    return (int)(at - ps->text) + 1;
}

static LPSRestriction error_at(parser *ps, const char *at, const char *fmt, const char *arg)
{
    if (!ps->failed) {
        char msg[1024];
        snprintf(msg, sizeof msg, fmt, arg ? arg : "");
        usage_error(ps->c, "--restrict: column %d: %s", column(ps, at), msg);
    }
    ps->failed = 1;
    return NULL;
}

static void *more(parser *ps, size_t n)
{
    void *p = NULL;
    if (MAPIAllocateMore((ULONG)n, ps->root, &p) != S_OK) {
        fputs("mapirt: out of memory\n", stderr);
        exit(EXIT_FAIL);
    }
    memset(p, 0, n);
    return p;
}

static void skip_space(parser *ps)
{
    while (isspace((unsigned char)*ps->p))
        ps->p++;
}

static int is_word_char(char ch)
{
    return ch && !isspace((unsigned char)ch) && !strchr("()=!<>~\"", ch);
}

/* The keyword kw at the cursor (a whole word, any case): consumed. */
static int keyword(parser *ps, const char *kw)
{
    size_t n = strlen(kw);
    skip_space(ps);
    if (strncasecmp(ps->p, kw, n) == 0 && !is_word_char(ps->p[n])) {
        ps->p += n;
        return 1;
    }
    return 0;
}

/* A word (a property name or a bare value) into buf; NULL when there is none. */
static const char *word(parser *ps, char *buf, size_t cb)
{
    skip_space(ps);
    size_t n = 0;
    while (is_word_char(*ps->p)) {
        if (n + 1 < cb)
            buf[n++] = *ps->p;
        ps->p++;
    }
    buf[n] = '\0';
    return n ? buf : NULL;
}

static int prop_tag(parser *ps, ULONG *tag)
{
    char name[128];
    skip_space(ps);
    const char *at = ps->p;
    if (!word(ps, name, sizeof name)) {
        error_at(ps, at, *at ? "expected a property name, found '%.1s'" : "expected a property name%s",
            *at ? at : "");
        return 0;
    }
    const char *problem = NULL;
    if (!prop_parse_tag(name, tag, &problem)) {
        char msg[300];
        snprintf(msg, sizeof msg, "'%s': %s", name, problem);
        error_at(ps, at, "%s", msg);
        return 0;
    }
    if (PROP_TYPE(*tag) == PT_UNICODE)
        *tag = CHANGE_PROP_TYPE(*tag, PT_STRING8);
    else if (PROP_TYPE(*tag) == PT_MV_UNICODE)
        *tag = CHANGE_PROP_TYPE(*tag, PT_MV_STRING8);
    return 1;
}

static int parse_time(const char *s, FILETIME *ft)
{
    static const char *const formats[] = {"%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%MZ", "%Y-%m-%dT%H:%M", "%Y-%m-%d"};
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        struct tm tm;
        memset(&tm, 0, sizeof tm);
        const char *end = strptime(s, formats[i], &tm);
        if (end && !*end) {
            long long secs = (long long)timegm(&tm);
            unsigned long long t = (unsigned long long)(secs + 11644473600LL) * 10000000ULL;
            ft->dwLowDateTime = (DWORD)t;
            ft->dwHighDateTime = (DWORD)(t >> 32);
            return 1;
        }
    }
    return 0;
}

static LPSRestriction parse_expr(parser *ps);

static LPSRestriction comparison(parser *ps)
{
    ULONG tag;
    if (!prop_tag(ps, &tag))
        return NULL;
    skip_space(ps);
    const char *opat = ps->p;
    static const struct {
        const char *op;
        ULONG relop;
    } ops[] = {{"<=", RELOP_LE}, {">=", RELOP_GE}, {"!=", RELOP_NE}, {"=", RELOP_EQ},
        {"<", RELOP_LT}, {">", RELOP_GT}, {"~", (ULONG)-1}};
    size_t k = 0;
    for (; k < sizeof ops / sizeof ops[0]; k++)
        if (strncmp(ps->p, ops[k].op, strlen(ops[k].op)) == 0)
            break;
    if (k == sizeof ops / sizeof ops[0])
        return error_at(ps, opat, "expected an operator (= != < <= > >= ~)%s", NULL);
    ps->p += strlen(ops[k].op);
    ULONG type = PROP_TYPE(tag);
    if (ops[k].relop == (ULONG)-1 && type != PT_STRING8) {
        char tn[32];
        return error_at(ps, opat, "'~' needs a string property, not one of type %s",
            prop_type_name(tag, tn, sizeof tn));
    }
    if (type & MV_FLAG)
        return error_at(ps, opat, "a multi-valued property cannot be compared%s", NULL);
    skip_space(ps);
    const char *vat = ps->p;
    char *val = more(ps, strlen(ps->p) + 1);
    if (*ps->p == '"') {
        size_t n = 0;
        ps->p++;
        while (*ps->p && *ps->p != '"') {
            if (*ps->p == '\\' && (ps->p[1] == '"' || ps->p[1] == '\\'))
                ps->p++;
            val[n++] = *ps->p++;
        }
        if (*ps->p != '"')
            return error_at(ps, vat, "the string has no closing quote%s", NULL);
        ps->p++;
        val[n] = '\0';
    } else if (!word(ps, val, strlen(vat) + 1))
        return error_at(ps, vat, "expected a value after '%s'", ops[k].op);
    LPSPropValue pv = more(ps, sizeof *pv);
    pv->ulPropTag = tag;
    if (type == PT_SYSTIME) {
        if (!parse_time(val, &pv->Value.ft))
            return error_at(ps, vat, "'%.200s' is not a time (2026-12-06, 2026-12-06T08:30:00Z)", val);
    } else {
        char err[256];
        HRESULT hr = mapirt_prop_from_text(tag, val, ps->root, pv, err, sizeof err);
        if (hr != S_OK) {
            char msg[600], tn[32];
            snprintf(msg, sizeof msg, "'%.200s' is not a value of type %s: %s", val,
                prop_type_name(tag, tn, sizeof tn), err);
            return error_at(ps, vat, "%s", msg);
        }
    }
    LPSRestriction r = more(ps, sizeof *r);
    if (ops[k].relop == (ULONG)-1) {
        r->rt = RES_CONTENT;
        r->res.resContent.ulFuzzyLevel = FL_SUBSTRING | FL_IGNORECASE;
        r->res.resContent.ulPropTag = tag;
        r->res.resContent.lpProp = pv;
    } else {
        r->rt = RES_PROPERTY;
        r->res.resProperty.relop = ops[k].relop;
        r->res.resProperty.ulPropTag = tag;
        r->res.resProperty.lpProp = pv;
    }
    return r;
}

static LPSRestriction factor(parser *ps)
{
    skip_space(ps);
    const char *at = ps->p;
    if (keyword(ps, "not")) {
        LPSRestriction inner = factor(ps);
        if (!inner)
            return NULL;
        LPSRestriction r = more(ps, sizeof *r);
        r->rt = RES_NOT;
        r->res.resNot.lpRes = inner;
        return r;
    }
    if (keyword(ps, "exists")) {
        LPSRestriction r = more(ps, sizeof *r);
        r->rt = RES_EXIST;
        if (!prop_tag(ps, &r->res.resExist.ulPropTag))
            return NULL;
        return r;
    }
    if (*ps->p == '(') {
        ps->p++;
        LPSRestriction r = parse_expr(ps);
        if (!r)
            return NULL;
        skip_space(ps);
        if (*ps->p != ')') {
            char col[16];
            snprintf(col, sizeof col, "%d", column(ps, at));
            return error_at(ps, ps->p, "expected ')' to close the '(' at column %s", col);
        }
        ps->p++;
        return r;
    }
    return comparison(ps);
}

/* A chain of `sub` joined by kw ("and"/"or"): one restriction, or RES_AND/RES_OR of them. */
static LPSRestriction chain(parser *ps, const char *kw, ULONG rt, LPSRestriction (*sub)(parser *))
{
    LPSRestriction first = sub(ps), *all = NULL;
    ULONG n = 1;
    if (!first)
        return NULL;
    while (keyword(ps, kw)) {
        LPSRestriction next = sub(ps);
        if (!next)
            return NULL;
        LPSRestriction *bigger = more(ps, (n + 1) * sizeof *bigger);
        if (all)
            memcpy(bigger, all, n * sizeof *bigger);
        else
            bigger[0] = first;
        bigger[n++] = next;
        all = bigger;
    }
    if (n == 1)
        return first;
    LPSRestriction r = more(ps, sizeof *r), arr = more(ps, n * sizeof *arr);
    for (ULONG i = 0; i < n; i++)
        arr[i] = *all[i];
    r->rt = rt;
    if (rt == RES_AND) {
        r->res.resAnd.cRes = n;
        r->res.resAnd.lpRes = arr;
    } else {
        r->res.resOr.cRes = n;
        r->res.resOr.lpRes = arr;
    }
    return r;
}

static LPSRestriction term(parser *ps)
{
    return chain(ps, "and", RES_AND, factor);
}

static LPSRestriction parse_expr(parser *ps)
{
    return chain(ps, "or", RES_OR, term);
}

int restriction_parse(const ctx *c, const char *text, LPSRestriction *out)
{
    parser ps = {c, text, text, NULL, 0};
    *out = NULL;
    if (MAPIAllocateBuffer(sizeof(SRestriction), &ps.root) != S_OK)
        return fail_msg("out of memory");
    memset(ps.root, 0, sizeof(SRestriction));
    LPSRestriction r = parse_expr(&ps);
    if (r) {
        skip_space(&ps);
        if (*ps.p)
            r = error_at(&ps, ps.p, "unexpected '%s' (and, or, or the end were expected)", ps.p);
    } else if (!ps.failed)
        error_at(&ps, ps.p, "expected a restriction%s", NULL);
    if (!r) {
        MAPIFreeBuffer(ps.root);
        return EXIT_USAGE;
    }
    *(LPSRestriction)ps.root = *r;
    *out = ps.root;
    return EXIT_OK;
}
