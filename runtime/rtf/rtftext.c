/* rtftext.c: plain text to RTF, for RTFSync (the other way is rtfread.c). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <mapirt/alloc.h>

#include "rtf_internal.h"

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
