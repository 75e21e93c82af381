/* rtftext.c: RTF to plain text and plain text to RTF, for RTFSync. The reader follows the RTF
 * 1.9 grammar far enough to find the text: control words, control symbols, groups and
 * destinations; it does not lay anything out. */
#include <mapinls.h>

#include <iconv.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <mapirt/alloc.h>

#include "rtf_internal.h"
#include "text/text_internal.h"

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

#define MAX_DEPTH 256

struct group {
    bool skip;   /* inside a destination whose text is not wanted */
    int uc;      /* \ucN: fallback characters after \uN */
};

/* Bytes of text between control words, decoded together so that a double-byte character is
 * never split. */
struct run {
    char *p;
    int n, cap;
};

static void run_put(struct run *r, struct wbuf *out, char c)
{
    if (r->n == r->cap) {
        int cap = r->cap ? r->cap * 2 : 64;
        char *p = mapirt_realloc(r->p, (size_t)cap);
        if (p == NULL) {
            out->failed = true;
            return;
        }
        r->p = p;
        r->cap = cap;
    }
    r->p[r->n++] = c;
}

/* Appends the run decoded from code page cp (one iconv knows: see code_page()). */
static void run_flush(struct run *r, struct wbuf *out, unsigned cp)
{
    if (r->n == 0 || out->failed) {
        r->n = 0;
        return;
    }
    int need = MNLS_MultiByteToWideChar(cp, 0, r->p, r->n, NULL, 0);
    WCHAR *tmp = need > 0 ? mapirt_malloc((size_t)need * sizeof(WCHAR)) : NULL;
    if (tmp == NULL || MNLS_MultiByteToWideChar(cp, 0, r->p, r->n, tmp, need) != need)
        out->failed = true; /* the code page is known good: only memory can be missing */
    for (int i = 0; i < need && !out->failed; i++)
        wput(out, tmp[i]);
    mapirt_free(tmp);
    r->n = 0;
}

/* \ansicpgN's code page if the conversion library knows it, else Windows-1252 (the default
 * of RTF), so that decoding text can then fail only for want of memory. */
static unsigned code_page(long n)
{
    char name[32];
    const char *cs = n > 0 ? mapirt_codepage_name((unsigned)n, name, sizeof(name)) : NULL;
    iconv_t cd = cs ? iconv_open("UTF-16LE", cs) : (iconv_t)-1;
    if (cd == (iconv_t)-1)
        return 1252;
    iconv_close(cd);
    return (unsigned)n;
}

WCHAR *mapirt_rtf_to_text(const BYTE *rtf, size_t cb)
{
    struct wbuf out = {0};
    struct group stack[MAX_DEPTH];
    int depth = 0;
    stack[0].skip = false;
    stack[0].uc = 1;
    unsigned cp = 1252;
    int pending_skip = 0; /* fallback characters still to skip after \uN */
    struct run run = {0};
    const char *p = (const char *)rtf, *end = p + cb;
#define FLUSH() run_flush(&run, &out, cp)
#define EMIT_BYTE(c)                                                                              \
    do {                                                                                          \
        if (pending_skip > 0)                                                                     \
            pending_skip--;                                                                       \
        else if (!stack[depth].skip)                                                              \
            run_put(&run, &out, (char)(c));                                                       \
    } while (0)
    while (p < end && *p != 0) {
        char c = *p++;
        if (c == '{') {
            FLUSH();
            if (depth + 1 < MAX_DEPTH) {
                stack[depth + 1] = stack[depth];
                depth++;
            }
            /* {\* ...}: an optional destination this reader does not know. */
            if (p + 1 < end && p[0] == '\\' && p[1] == '*')
                stack[depth].skip = true;
            continue;
        }
        if (c == '}') {
            FLUSH();
            if (depth > 0)
                depth--;
            pending_skip = 0;
            continue;
        }
        if (c == '\r' || c == '\n')
            continue; /* line breaks in RTF source are not text */
        if (c != '\\') {
            EMIT_BYTE(c);
            continue;
        }
        if (p >= end)
            break;
        c = *p++;
        /* Control symbols. */
        if (c == '\\' || c == '{' || c == '}') {
            EMIT_BYTE(c);
            continue;
        }
        if (c == '\'') {
            int v = 0, k = 0;
            for (; k < 2 && p < end; k++, p++) {
                char h = *p;
                int d = h >= '0' && h <= '9' ? h - '0' : (h | 0x20) >= 'a' && (h | 0x20) <= 'f' ? (h | 0x20) - 'a' + 10 : -1;
                if (d < 0)
                    break;
                v = v * 16 + d;
            }
            EMIT_BYTE(v);
            continue;
        }
        if (c == '~') {
            FLUSH();
            if (!stack[depth].skip)
                wput(&out, 0x00A0);
            continue;
        }
        if (c == '_') {
            FLUSH();
            if (!stack[depth].skip)
                wput(&out, 0x2011);
            continue;
        }
        if (c == '\r' || c == '\n') { /* \<newline> is \par */
            FLUSH();
            if (!stack[depth].skip) {
                wput(&out, '\r');
                wput(&out, '\n');
            }
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
        FLUSH();
        if (skipped_destination(word)) {
            stack[depth].skip = true;
        } else if (strcmp(word, "ansicpg") == 0 && has_num) {
            cp = code_page(num);
        } else if (strcmp(word, "uc") == 0 && has_num) {
            stack[depth].uc = (int)(num < 0 ? 0 : num);
        } else if (strcmp(word, "u") == 0 && has_num) {
            if (!stack[depth].skip)
                wput(&out, (WCHAR)(num < 0 ? num + 65536 : num));
            pending_skip = stack[depth].uc;
        } else if (stack[depth].skip) {
            continue;
        } else if (strcmp(word, "par") == 0 || strcmp(word, "line") == 0 ||
                   strcmp(word, "sect") == 0 || strcmp(word, "row") == 0) {
            wput(&out, '\r');
            wput(&out, '\n');
        } else if (strcmp(word, "tab") == 0 || strcmp(word, "cell") == 0) {
            wput(&out, '\t');
        } else if (strcmp(word, "emdash") == 0) {
            wput(&out, 0x2014);
        } else if (strcmp(word, "endash") == 0) {
            wput(&out, 0x2013);
        } else if (strcmp(word, "bullet") == 0) {
            wput(&out, 0x2022);
        } else if (strcmp(word, "lquote") == 0) {
            wput(&out, 0x2018);
        } else if (strcmp(word, "rquote") == 0) {
            wput(&out, 0x2019);
        } else if (strcmp(word, "ldblquote") == 0) {
            wput(&out, 0x201C);
        } else if (strcmp(word, "rdblquote") == 0) {
            wput(&out, 0x201D);
        }
    }
    FLUSH();
#undef FLUSH
#undef EMIT_BYTE
    mapirt_free(run.p);
    wput(&out, 0);
    if (out.failed) {
        mapirt_free(out.p);
        return NULL;
    }
    return out.p;
}

struct bbuf {
    BYTE *p;
    size_t n, cap;
    bool failed;
};

static void bput(struct bbuf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (b->n + n + 1 > cap)
            cap *= 2;
        BYTE *p = mapirt_realloc(b->p, cap);
        if (p == NULL) {
            b->failed = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
}

BYTE *mapirt_text_to_rtf(const WCHAR *text, size_t *cb)
{
    static const char head[] = "{\\rtf1\\ansi\\ansicpg1252\\fromtext \\deff0{\\fonttbl\r\n"
                               "{\\f0\\fswiss Arial;}\r\n}\r\n\\uc1\\pard\\plain\\f0\\fs20 ";
    struct bbuf b = {0};
    bput(&b, head, sizeof(head) - 1);
    for (const WCHAR *t = text; t != NULL && *t; t++) {
        WCHAR c = *t;
        char tmp[16];
        if (c == '\r' && t[1] == '\n')
            continue; /* the \n that follows ends the paragraph */
        if (c == '\n' || c == '\r')
            bput(&b, "\\par\r\n", 6);
        else if (c == '\t')
            bput(&b, "\\tab ", 5);
        else if (c == '\\' || c == '{' || c == '}') {
            tmp[0] = '\\';
            tmp[1] = (char)c;
            bput(&b, tmp, 2);
        } else if (c < 0x80) {
            tmp[0] = (char)c;
            bput(&b, tmp, 1);
        } else {
            /* \uN takes a signed 16-bit number; '?' is the fallback \uc1 announces. */
            int n = snprintf(tmp, sizeof(tmp), "\\u%d?", c > 32767 ? (int)c - 65536 : (int)c);
            bput(&b, tmp, (size_t)n);
        }
    }
    bput(&b, "\r\n}", 3);
    if (b.failed) {
        mapirt_free(b.p);
        return NULL;
    }
    *cb = b.n;
    return b.p;
}
