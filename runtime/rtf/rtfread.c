/* rtfread.c: the text of an RTF document, three ways: what a reader of the RTF sees (RTFSync's
 * PR_BODY), or the HTML or plain text a \fromhtml1 / \fromtext document encapsulates
 * ([MS-OXRTFEX] 2.2.3.2 and 2.2.3.3), and which of these a document is (2.2.3.1).
 *
 * The reader follows the RTF 1.9 grammar far enough to find text: control words, control
 * symbols, groups and destinations; it lays nothing out. Bytes (\'hh and literal text) are
 * decoded in the code page of the current font (the font table's \fcharset or \cpg), else the
 * document's \ansicpg; bytes inside {\*\htmltag} in the document's code page, as 2.2.3.2 says. */
#include <mapinls.h>

#include <iconv.h>

#include <stdbool.h>
#include <string.h>

#include <mapirt/alloc.h>

#include "rtf_internal.h"
#include "text/text_internal.h"

#define MAX_DEPTH 256
#define MAX_FONTS 1024
#define KIND_TOKENS 10 /* 2.2.3.1: \fromhtml1 / \fromtext among the first ten tokens */

struct wbuf {
    WCHAR *p;
    size_t n, cap;
    bool failed;
};

static void wput(struct wbuf *b, WCHAR c)
{
    if (b->failed)
        return;
    if (b->n + 2 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        WCHAR *p = mapirt_realloc(b->p, cap * sizeof(WCHAR));
        if (p == NULL) {
            b->failed = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    b->p[b->n++] = c;
}

/* Destinations whose content is not text. */
static bool skipped_destination(const char *word)
{
    static const char *const skip[] = {
        "fonttbl", "colortbl", "stylesheet", "info", "pict", "object", "header", "footer",
        "headerl", "headerr", "headerf", "footerl", "footerr", "footerf", "listtable",
        "listoverridetable", "rsidtbl", "generator", "xmlnstbl", "themedata", "colorschememapping",
        "latentstyles", "datastore", "mmathPr", "filetbl", "revtbl", "pgdsctbl", "fldinst",
    };
    for (size_t i = 0; i < sizeof(skip) / sizeof(*skip); i++)
        if (strcmp(word, skip[i]) == 0)
            return true;
    return false;
}

/* Control words that stand for a character. */
static WCHAR char_word(const char *word)
{
    static const struct { const char *w; WCHAR c; } map[] = {
        {"tab", '\t'},         {"cell", '\t'},        {"emdash", 0x2014},    {"endash", 0x2013},
        {"bullet", 0x2022},    {"lquote", 0x2018},    {"rquote", 0x2019},    {"ldblquote", 0x201C},
        {"rdblquote", 0x201D}, {"emspace", 0x2003},   {"enspace", 0x2002},   {"qmspace", 0x2005},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(*map); i++)
        if (strcmp(word, map[i].w) == 0)
            return map[i].c;
    return 0;
}

/* \fcharsetN -> Windows code page; 0: the document's own (DEFAULT_CHARSET, SYMBOL_CHARSET and
 * the unknown). ANSI_CHARSET (0) is Western, cp1252, whatever \ansicpg says. */
static unsigned charset_code_page(long cs)
{
    static const struct { int cs; unsigned cp; } map[] = {
        {0, 1252},    {77, 10000},  {78, 10001},  {128, 932},  {129, 949},  {130, 1361}, {134, 936},
        {136, 950},   {161, 1253},  {162, 1254}, {163, 1258}, {177, 1255}, {178, 1256},
        {186, 1257},  {204, 1251},  {222, 874},  {238, 1250}, {255, 437},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(*map); i++)
        if (map[i].cs == cs)
            return map[i].cp;
    return 0;
}

/* Whether iconv can decode code page cp. */
static bool known_code_page(long cp)
{
    char name[32];
    const char *cs = cp > 0 ? mapirt_codepage_name((unsigned)cp, name, sizeof(name)) : NULL;
    iconv_t cd = cs ? iconv_open("UTF-16LE", cs) : (iconv_t)-1;
    if (cd == (iconv_t)-1)
        return false;
    iconv_close(cd);
    return true;
}

struct group {
    bool skip;     /* a destination whose content is not wanted */
    bool suppress; /* \htmlrtf: RTF that is not part of the encapsulated content */
    bool tag;      /* {\*\htmltag}: encapsulated HTML, in the document's code page */
    bool star;     /* after {\*: the destination word decides */
    bool fonttbl;  /* the font table */
    int uc;        /* \ucN: fallback characters after \uN */
    unsigned cp;   /* code page of the current font */
};

struct font {
    long num;
    unsigned cp; /* 0: the document's */
};

/* Bytes of text between control words, decoded together so that a double-byte character is
 * never split. */
struct run {
    char *p;
    int n, cap;
    unsigned cp;
};

struct reader {
    enum rtf_read how;
    struct group g[MAX_DEPTH];
    int depth;
    unsigned doccp; /* \ansicpg (or the caller's default) */
    long deff;
    struct font *fonts;
    int nfonts;
    int pending_skip; /* fallback characters still to skip after \uN */
    struct run run;
    struct wbuf out;
};

static void run_flush(struct reader *r)
{
    struct run *run = &r->run;
    if (run->n == 0 || r->out.failed) {
        run->n = 0;
        return;
    }
    int need = MNLS_MultiByteToWideChar(run->cp, 0, run->p, run->n, NULL, 0);
    WCHAR *tmp = need > 0 ? mapirt_malloc((size_t)need * sizeof(WCHAR)) : NULL;
    if (tmp == NULL || MNLS_MultiByteToWideChar(run->cp, 0, run->p, run->n, tmp, need) != need)
        r->out.failed = true; /* the code page is known good: only memory can be missing */
    for (int i = 0; i < need && !r->out.failed; i++)
        wput(&r->out, tmp[i]);
    mapirt_free(tmp);
    run->n = 0;
}

/* Whether text in the current group is wanted. */
static bool wanted(const struct reader *r)
{
    const struct group *g = &r->g[r->depth];
    return !g->skip && (r->how == RTF_READ_TEXT || g->tag || !g->suppress);
}

static void put_char(struct reader *r, WCHAR c)
{
    run_flush(r);
    if (wanted(r))
        wput(&r->out, c);
}

static void put_byte(struct reader *r, char c)
{
    if (r->pending_skip > 0) {
        r->pending_skip--;
        return;
    }
    if (!wanted(r))
        return;
    const struct group *g = &r->g[r->depth];
    unsigned cp = g->tag ? r->doccp : g->cp;
    struct run *run = &r->run;
    if (run->n > 0 && run->cp != cp)
        run_flush(r);
    run->cp = cp;
    if (run->n == run->cap) {
        int cap = run->cap ? run->cap * 2 : 64;
        char *p = mapirt_realloc(run->p, (size_t)cap);
        if (p == NULL) {
            r->out.failed = true;
            return;
        }
        run->p = p;
        run->cap = cap;
    }
    run->p[run->n++] = c;
}

static unsigned font_code_page(const struct reader *r, long num)
{
    for (int i = 0; i < r->nfonts; i++)
        if (r->fonts[i].num == num)
            return r->fonts[i].cp ? r->fonts[i].cp : r->doccp;
    return r->doccp;
}

/* Inside the font table: \fN starts a definition, \fcharsetN / \cpgN give its code page. */
static void font_word(struct reader *r, const char *word, long num)
{
    if (strcmp(word, "f") == 0) {
        if (r->nfonts >= MAX_FONTS)
            return;
        if (r->fonts == NULL) {
            r->fonts = mapirt_malloc(MAX_FONTS * sizeof(*r->fonts));
            if (r->fonts == NULL) {
                r->out.failed = true;
                return;
            }
        }
        r->fonts[r->nfonts].num = num;
        r->fonts[r->nfonts].cp = 0;
        r->nfonts++;
    } else if (r->nfonts > 0 && (strcmp(word, "fcharset") == 0 || strcmp(word, "cpg") == 0)) {
        unsigned cp = word[1] == 'c' ? charset_code_page(num) : (unsigned)num;
        if (cp != 0 && known_code_page(cp))
            r->fonts[r->nfonts - 1].cp = cp;
    }
}

static void control_word(struct reader *r, const char *word, bool has_num, long num)
{
    struct group *g = &r->g[r->depth];

    run_flush(r);
    if (g->star) {
        /* {\*\dest}: a destination this reader skips, unless it holds encapsulated HTML. */
        g->star = false;
        g->skip = true;
        if (strcmp(word, "htmltag") == 0 && r->how == RTF_READ_FROMHTML) {
            g->skip = r->g[r->depth - 1].skip;
            g->tag = true;
        }
        return;
    }
    if (g->fonttbl) {
        if (has_num)
            font_word(r, word, num);
        return;
    }
    if (strcmp(word, "fonttbl") == 0) {
        g->skip = g->fonttbl = true;
    } else if (skipped_destination(word)) {
        g->skip = true;
    } else if (strcmp(word, "ansicpg") == 0 && has_num) {
        if (known_code_page(num))
            r->doccp = g->cp = (unsigned)num;
    } else if (strcmp(word, "deff") == 0 && has_num) {
        r->deff = num;
    } else if (strcmp(word, "f") == 0 && has_num) {
        g->cp = font_code_page(r, num);
    } else if (strcmp(word, "plain") == 0) {
        g->cp = font_code_page(r, r->deff);
    } else if (strcmp(word, "htmlrtf") == 0) {
        g->suppress = !has_num || num != 0;
    } else if (strcmp(word, "uc") == 0 && has_num) {
        g->uc = (int)(num < 0 ? 0 : num);
    } else if (strcmp(word, "u") == 0 && has_num) {
        put_char(r, (WCHAR)(num < 0 ? num + 65536 : num));
        r->pending_skip = g->uc;
    } else if (strcmp(word, "par") == 0 || strcmp(word, "line") == 0 ||
               strcmp(word, "sect") == 0 || strcmp(word, "row") == 0) {
        put_char(r, '\r');
        put_char(r, '\n');
    } else {
        WCHAR c = char_word(word);
        if (c != 0)
            put_char(r, c);
    }
}

WCHAR *mapirt_rtf_read(const BYTE *rtf, size_t cb, enum rtf_read how, unsigned default_cp,
                       size_t *len, unsigned *doc_cp)
{
    struct reader r;
    memset(&r, 0, sizeof(r));
    r.how = how;
    r.doccp = default_cp != 0 && known_code_page(default_cp) ? default_cp : 1252;
    r.g[0].uc = 1;
    r.g[0].cp = r.doccp;
    const char *p = (const char *)rtf, *end = p + cb;

    while (p < end && *p != 0 && !r.out.failed) {
        char c = *p++;
        if (c == '{') {
            run_flush(&r);
            if (r.depth + 1 < MAX_DEPTH) {
                r.g[r.depth + 1] = r.g[r.depth];
                r.g[r.depth + 1].tag = r.g[r.depth].tag && !r.g[r.depth].skip;
                r.depth++;
            }
            if (p + 1 < end && p[0] == '\\' && p[1] == '*') {
                r.g[r.depth].star = true;
                p += 2;
            }
            continue;
        }
        if (c == '}') {
            run_flush(&r);
            if (r.depth > 0)
                r.depth--;
            r.pending_skip = 0;
            continue;
        }
        if (c == '\r' || c == '\n')
            continue; /* line breaks in RTF source are not text */
        if (c != '\\') {
            put_byte(&r, c);
            continue;
        }
        if (p >= end)
            break;
        c = *p++;
        /* Control symbols. */
        if (c == '\\' || c == '{' || c == '}') {
            put_byte(&r, c);
            continue;
        }
        if (c == '\'') {
            int v = 0;
            for (int k = 0; k < 2 && p < end; k++, p++) {
                char h = *p;
                int d = h >= '0' && h <= '9'                                ? h - '0'
                        : (h | 0x20) >= 'a' && (h | 0x20) <= 'f' ? (h | 0x20) - 'a' + 10
                                                                            : -1;
                if (d < 0)
                    break;
                v = v * 16 + d;
            }
            put_byte(&r, (char)v);
            continue;
        }
        if (c == '~') {
            put_char(&r, 0x00A0);
            continue;
        }
        if (c == '_') {
            put_char(&r, 0x2011);
            continue;
        }
        if (c == '\r' || c == '\n') { /* \<newline> is \par */
            put_char(&r, '\r');
            put_char(&r, '\n');
            continue;
        }
        if (!((c | 0x20) >= 'a' && (c | 0x20) <= 'z'))
            continue; /* \- \| \: and the like: nothing to show */
        /* A control word: letters, an optional signed number, an optional space. */
        char word[32];
        int nw = 0;
        word[nw++] = c;
        while (p < end && ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z')) {
            if (nw < (int)sizeof(word) - 1)
                word[nw++] = *p;
            p++;
        }
        word[nw] = 0;
        bool has_num = false, neg = false;
        long num = 0;
        if (p < end && *p == '-') {
            neg = true;
            p++;
        }
        while (p < end && *p >= '0' && *p <= '9') {
            has_num = true;
            if (num < 100000000)
                num = num * 10 + (*p - '0');
            p++;
        }
        if (neg)
            num = -num;
        if (p < end && *p == ' ')
            p++;
        if (strcmp(word, "bin") == 0 && has_num) {
            /* \binN: N bytes of binary data, never text. */
            run_flush(&r);
            p += num > 0 && num < end - p ? num : num > 0 ? end - p : 0;
            continue;
        }
        control_word(&r, word, has_num, num);
    }
    run_flush(&r);
    mapirt_free(r.run.p);
    mapirt_free(r.fonts);
    size_t n = r.out.n;
    wput(&r.out, 0);
    if (r.out.failed) {
        mapirt_free(r.out.p);
        return NULL;
    }
    if (len != NULL)
        *len = n;
    if (doc_cp != NULL)
        *doc_cp = r.doccp;
    return r.out.p;
}

WCHAR *mapirt_rtf_to_text(const BYTE *rtf, size_t cb)
{
    return mapirt_rtf_read(rtf, cb, RTF_READ_TEXT, 0, NULL, NULL);
}

enum rtf_kind mapirt_rtf_kind(const BYTE *rtf, size_t cb)
{
    /* Tokens are group starts and control words, wherever they are; the rest is passed over. */
    const char *p = (const char *)rtf, *end = p + cb;
    int tokens = 0;
    while (p < end && tokens < KIND_TOKENS) {
        char c = *p++;
        if (c == '{') {
            tokens++;
            continue;
        }
        if (c != '\\' || p >= end)
            continue;
        if (!((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z')) {
            p++; /* a control symbol */
            continue;
        }
        char word[16];
        int nw = 0;
        while (p < end && ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z')) {
            if (nw < (int)sizeof(word) - 1)
                word[nw++] = *p;
            p++;
        }
        word[nw] = 0;
        long num = -1;
        if (p < end && *p >= '0' && *p <= '9')
            for (num = 0; p < end && *p >= '0' && *p <= '9'; p++)
                num = num < 100000 ? num * 10 + (*p - '0') : num;
        tokens++;
        if (strcmp(word, "fromhtml") == 0 && num != 0)
            return RTF_KIND_HTML;
        if (strcmp(word, "fromtext") == 0)
            return RTF_KIND_TEXT;
    }
    return RTF_KIND_RTF;
}
