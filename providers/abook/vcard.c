/* vcard.c: the vCard reader (vcard.h). Debian's vCard libraries were judged unfit
 * (docs/decisions.md: libvformat and libvc are unmaintained and 2.1/3.0-only, libbelcard is
 * C++ and reports no line numbers), so this is ours: a content line is
 *     [group "."] name *(";" param) ":" value
 * after unfolding (a line break followed by one space or tab is removed), parameters are
 * name["=" value *("," value)] with DQUOTE-quoted values, and text values are unescaped
 * (\\ \, \; \n \N). Every problem stops the parse with "file:line: ..." naming the physical
 * line where the logical line started. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vcard.h"

typedef struct parser {
    const char *file;
    char *err;
    size_t cberr;
    unsigned line;
} parser;

static int fail(parser *p, unsigned line, const char *what)
{
    snprintf(p->err, p->cberr, "%s:%u: %s", p->file, line, what);
    return -1;
}

/* Length of a valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t k;
    unsigned min;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        k = 2, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
        k = 3, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
        k = 4, min = 0x10000;
    else
        return 0;
    if (n < k)
        return 0;
    unsigned cp = c & (0x7f >> k);
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return k;
}

/* ---- a content line ---- */

typedef struct param {
    char *name;
    char *value; /* all values joined with ',' (quotes removed) */
} param;

typedef struct cline {
    char *name;
    param *params;
    size_t nparams;
    char *value;
} cline;

static void cline_free(cline *c)
{
    free(c->name);
    for (size_t i = 0; i < c->nparams; i++) {
        free(c->params[i].name);
        free(c->params[i].value);
    }
    free(c->params);
    free(c->value);
    memset(c, 0, sizeof *c);
}

static int is_name_char(char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
           ch == '-';
}

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = 0;
    }
    return d;
}

static int parse_line(parser *p, const char *s, size_t n, cline *out)
{
    size_t i = 0, start;
    memset(out, 0, sizeof *out);
    /* [group "."] name */
    start = i;
    while (i < n && is_name_char(s[i]))
        i++;
    if (i < n && s[i] == '.' && i > start) {
        start = ++i;
        while (i < n && is_name_char(s[i]))
            i++;
    }
    if (i == start)
        return fail(p, p->line, "a content line must start with a property name");
    if (i >= n || (s[i] != ';' && s[i] != ':'))
        return fail(p, p->line, "the property name is followed by neither ';' nor ':' "
                                "(no ':' before the value?)");
    if (!(out->name = dup_n(s + start, i - start)))
        return fail(p, p->line, "out of memory");
    while (i < n && s[i] == ';') {
        i++;
        start = i;
        while (i < n && is_name_char(s[i]))
            i++;
        if (i == start)
            return fail(p, p->line, "a parameter has no name");
        param *np = realloc(out->params, (out->nparams + 1) * sizeof *np);
        if (!np)
            return fail(p, p->line, "out of memory");
        out->params = np;
        param *pp = &out->params[out->nparams++];
        pp->name = dup_n(s + start, i - start);
        pp->value = NULL;
        if (!pp->name)
            return fail(p, p->line, "out of memory");
        if (i < n && s[i] == '=') {
            char *v = malloc(n - i + 1);
            size_t k = 0;
            if (!v)
                return fail(p, p->line, "out of memory");
            pp->value = v;
            do {
                i++;
                if (i < n && s[i] == '"') {
                    i++;
                    while (i < n && s[i] != '"')
                        v[k++] = s[i++];
                    if (i >= n) {
                        v[k] = 0;
                        return fail(p, p->line, "a quoted parameter value has no closing '\"'");
                    }
                    i++;
                } else
                    while (i < n && s[i] != ',' && s[i] != ';' && s[i] != ':' && s[i] != '"')
                        v[k++] = s[i++];
                if (i < n && s[i] == '"') {
                    v[k] = 0;
                    return fail(p, p->line, "a '\"' inside an unquoted parameter value");
                }
                if (i < n && s[i] == ',')
                    v[k++] = ',';
            } while (i < n && s[i] == ',');
            v[k] = 0;
        }
    }
    if (i >= n || s[i] != ':')
        return fail(p, p->line, "no ':' before the value");
    i++;
    if (!(out->value = dup_n(s + i, n - i)))
        return fail(p, p->line, "out of memory");
    return 0;
}

static const char *param_value(const cline *c, const char *name)
{
    for (size_t i = 0; i < c->nparams; i++)
        if (strcasecmp(c->params[i].name, name) == 0)
            return c->params[i].value ? c->params[i].value : "";
    return NULL;
}

/* Whether a TYPE parameter (any of them; vCard 2.1-style bare names too) lists t. */
static int has_type(const cline *c, const char *t)
{
    size_t tl = strlen(t);
    for (size_t i = 0; i < c->nparams; i++) {
        const param *pp = &c->params[i];
        if (!pp->value) {
            if (strcasecmp(pp->name, t) == 0)
                return 1;
            continue;
        }
        if (strcasecmp(pp->name, "TYPE") != 0)
            continue;
        for (const char *v = pp->value; *v;) {
            size_t l = strcspn(v, ",");
            if (l == tl && strncasecmp(v, t, tl) == 0)
                return 1;
            v += l + (v[l] == ',');
        }
    }
    return 0;
}

/* Unescapes component `which` of a structured value (';'-separated; -1: the whole value). */
static char *text_value(const char *v, int which)
{
    char *out = malloc(strlen(v) + 1);
    size_t k = 0;
    int comp = 0;
    if (!out)
        return NULL;
    for (const char *s = v; *s; s++) {
        char ch = *s;
        if (ch == '\\' && s[1]) {
            s++;
            ch = (*s == 'n' || *s == 'N') ? '\n' : *s;
        } else if (ch == ';' && which >= 0) {
            comp++;
            continue;
        }
        if (which < 0 || comp == which)
            out[k++] = ch;
    }
    out[k] = 0;
    return out;
}

static void card_free(vc_card *c)
{
    free(c->fn);
    free(c->family);
    free(c->given);
    for (size_t i = 0; i < c->nemails; i++)
        free(c->emails[i]);
    free(c->emails);
    free(c->tel_work);
    free(c->tel_home);
    free(c->tel_cell);
    free(c->org);
    free(c->title);
    free(c->note);
}

void vc_free(vc_card *cards, size_t n)
{
    for (size_t i = 0; cards && i < n; i++)
        card_free(&cards[i]);
    free(cards);
}

/* Replaces *slot with a text value (the first one wins for TEL kinds and single fields). */
static int set_text(parser *p, char **slot, const char *v, int which, int replace)
{
    if (*slot && !replace)
        return 0;
    char *t = text_value(v, which);
    if (!t)
        return fail(p, p->line, "out of memory");
    free(*slot);
    *slot = t;
    return 0;
}

static int is_pref(const cline *c)
{
    const char *pref = param_value(c, "PREF");
    return has_type(c, "pref") || (pref && strcmp(pref, "1") == 0);
}

static int apply(parser *p, vc_card *card, const cline *c)
{
    const char *charset = param_value(c, "CHARSET");
    const char *enc = param_value(c, "ENCODING");
    const char *n = c->name;
    int text = !strcasecmp(n, "FN") || !strcasecmp(n, "N") || !strcasecmp(n, "EMAIL") ||
               !strcasecmp(n, "TEL") || !strcasecmp(n, "ORG") || !strcasecmp(n, "TITLE") ||
               !strcasecmp(n, "NOTE");
    if (!text)
        return 0; /* checked for syntax, not kept */
    if (charset && strcasecmp(charset, "UTF-8") != 0) {
        char msg[160];
        snprintf(msg, sizeof msg, "%s: CHARSET=%.40s is not supported (vCard 3.0 and 4.0 "
                                  "files are UTF-8)", n, charset);
        return fail(p, p->line, msg);
    }
    if (enc) {
        char msg[160];
        snprintf(msg, sizeof msg, "%s: ENCODING=%.40s is not supported for text", n, enc);
        return fail(p, p->line, msg);
    }
    if (!strcasecmp(n, "FN"))
        return set_text(p, &card->fn, c->value, -1, 0);
    if (!strcasecmp(n, "N"))
        return set_text(p, &card->family, c->value, 0, 0) ||
               set_text(p, &card->given, c->value, 1, 0);
    if (!strcasecmp(n, "ORG"))
        return set_text(p, &card->org, c->value, 0, 0);
    if (!strcasecmp(n, "TITLE"))
        return set_text(p, &card->title, c->value, -1, 0);
    if (!strcasecmp(n, "NOTE"))
        return set_text(p, &card->note, c->value, -1, 0);
    if (!strcasecmp(n, "TEL")) {
        const char *v = c->value;
        if (strncasecmp(v, "tel:", 4) == 0)
            v += 4;
        char **slot = has_type(c, "cell") ? &card->tel_cell
                    : has_type(c, "home") ? &card->tel_home : &card->tel_work;
        return set_text(p, slot, v, -1, is_pref(c));
    }
    /* EMAIL */
    char *e = text_value(c->value, -1);
    if (!e)
        return fail(p, p->line, "out of memory");
    if (!*e || strchr(e, '\n')) {
        free(e);
        return fail(p, p->line, "EMAIL: an empty address or one with a line break");
    }
    if (card->nemails >= VC_MAX_EMAILS) {
        free(e);
        return fail(p, p->line, "EMAIL: more addresses than a contact can hold");
    }
    char **ne = realloc(card->emails, (card->nemails + 1) * sizeof *ne);
    if (!ne) {
        free(e);
        return fail(p, p->line, "out of memory");
    }
    card->emails = ne;
    if (is_pref(c)) {
        memmove(ne + 1, ne, card->nemails * sizeof *ne);
        ne[0] = e;
    } else
        ne[card->nemails] = e;
    card->nemails++;
    return 0;
}

/* One logical (unfolded) line, begun at physical line `line`. */
typedef struct state {
    vc_card *cards;
    size_t n;
    int in_card;
    int version; /* 0 none yet, 3 or 4 */
} state;

static int logical(parser *p, state *st, const char *s, size_t n)
{
    cline c;
    if (n == 0)
        return 0; /* blank lines are tolerated anywhere */
    if (parse_line(p, s, n, &c) != 0) {
        cline_free(&c);
        return -1;
    }
    int rc = 0;
    if (!strcasecmp(c.name, "BEGIN")) {
        if (strcasecmp(c.value, "VCARD") != 0)
            rc = fail(p, p->line, st->in_card ? "BEGIN inside a vCard (nested objects are "
                                                "not supported)"
                                              : "BEGIN of something other than a VCARD");
        else if (st->in_card)
            rc = fail(p, p->line, "BEGIN:VCARD inside a vCard (the previous one has no "
                                  "END:VCARD)");
        else {
            vc_card *nc = realloc(st->cards, (st->n + 1) * sizeof *nc);
            if (!nc)
                rc = fail(p, p->line, "out of memory");
            else {
                st->cards = nc;
                memset(&nc[st->n], 0, sizeof *nc);
                nc[st->n++].line = p->line;
                st->in_card = 1;
                st->version = 0;
            }
        }
    } else if (!st->in_card) {
        rc = fail(p, p->line, "a content line outside BEGIN:VCARD ... END:VCARD");
    } else if (!strcasecmp(c.name, "END")) {
        if (strcasecmp(c.value, "VCARD") != 0)
            rc = fail(p, p->line, "END of something other than a VCARD");
        else if (!st->version)
            rc = fail(p, p->line, "the vCard has no VERSION");
        else
            st->in_card = 0;
    } else if (!strcasecmp(c.name, "VERSION")) {
        if (!strcmp(c.value, "3.0"))
            st->version = 3;
        else if (!strcmp(c.value, "4.0"))
            st->version = 4;
        else {
            char msg[120];
            snprintf(msg, sizeof msg, "VERSION %.20s is not supported (3.0 and 4.0 are)",
                     c.value);
            rc = fail(p, p->line, msg);
        }
    } else
        rc = apply(p, &st->cards[st->n - 1], &c);
    cline_free(&c);
    return rc;
}

int vc_parse(const char *data, size_t len, const char *file, vc_card **cards, size_t *n,
             char *err, size_t cberr)
{
    parser p = {file, err, cberr, 1};
    state st = {NULL, 0, 0, 0};
    char *buf = NULL;
    size_t blen = 0, cap = 0;
    unsigned phys = 1, begin = 1;
    size_t i = 0;
    int rc = 0, have = 0;
    *cards = NULL;
    *n = 0;
    if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
        i = 3;
    while (i <= len && rc == 0) {
        /* one physical line [i, e) */
        size_t e = i;
        while (e < len && data[e] != '\n' && data[e] != '\r')
            e++;
        for (size_t k = i; k < e && rc == 0;) {
            size_t l = data[k] ? utf8_len((const unsigned char *)data + k, e - k) : 0;
            if (!l) {
                p.line = phys;
                rc = fail(&p, phys, data[k] ? "not UTF-8 (vCard 3.0 and 4.0 files are UTF-8)"
                                            : "a NUL byte");
            }
            k += l ? l : 1;
        }
        if (rc)
            break;
        int cont = e > i && (data[i] == ' ' || data[i] == '\t') && have;
        if (!cont) {
            p.line = begin;
            if (have)
                rc = logical(&p, &st, buf ? buf : "", blen);
            blen = 0;
            begin = phys;
        }
        if (rc)
            break;
        size_t from = cont ? i + 1 : i;
        if (blen + (e - from) > VC_MAX_LINE) {
            rc = fail(&p, begin, "a content line longer than 1 MiB");
            break;
        }
        if (blen + (e - from) + 1 > cap) {
            size_t ncap = (blen + (e - from) + 1) * 2;
            char *nb = realloc(buf, ncap);
            if (!nb) {
                rc = fail(&p, begin, "out of memory");
                break;
            }
            buf = nb;
            cap = ncap;
        }
        memcpy(buf + blen, data + from, e - from);
        blen += e - from;
        have = 1;
        if (e >= len) {
            p.line = begin;
            rc = logical(&p, &st, buf, blen);
            break;
        }
        /* CRLF, LF or CR ends the line */
        i = e + 1;
        if (data[e] == '\r' && i < len && data[i] == '\n')
            i++;
        phys++;
    }
    free(buf);
    if (rc == 0 && st.in_card)
        rc = fail(&p, st.cards[st.n - 1].line, "BEGIN:VCARD has no END:VCARD");
    if (rc) {
        vc_free(st.cards, st.n);
        return -1;
    }
    *cards = st.cards;
    *n = st.n;
    return 0;
}
