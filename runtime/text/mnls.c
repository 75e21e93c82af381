/* mnls.c: the MNLS_ functions of mapinls.h, which MAPI supplies for the Win32 wide-string and
 * code-page calls (lstrlenW, CompareStringW, MultiByteToWideChar, ...) that mapinls.h redirects
 * to them. Code pages go through iconv; the "ANSI" code page is UTF-8 (docs/decisions.md).
 * Comparison is by code point with the runtime's case folding (mapirt/strconv.h), not a
 * linguistic collation. */
#include <mapinls.h>
#include <mapicode.h>

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mapirt/alloc.h>
#include <mapirt/strconv.h>

#include "text_internal.h"

#define CP_UTF8_ 65001u
#define MB_ERR_INVALID_CHARS_ 0x00000008u
#define WC_ERR_INVALID_CHARS_ 0x00000080u
#define CSTR_LESS_THAN_ 1
#define CSTR_EQUAL_ 2
#define CSTR_GREATER_THAN_ 3
#define LINGUISTIC_IGNORECASE_ 0x00000010u
#define LINGUISTIC_IGNOREDIACRITIC_ 0x00000020u
#define SORT_STRINGSORT_ 0x00001000u

LCID MNLS_GetUserDefaultLCID(void)
{
    /* The language of the POSIX locale environment, as Windows' LCID for it. */
    static const struct { const char *prefix; LCID lcid; } map[] = {
        {"en_GB", 0x0809}, {"en_AU", 0x0C09}, {"en_CA", 0x1009}, {"en", 0x0409},
        {"de_AT", 0x0C07}, {"de_CH", 0x0807}, {"de", 0x0407}, {"fr_CA", 0x0C0C},
        {"fr_BE", 0x080C}, {"fr_CH", 0x100C}, {"fr", 0x040C}, {"es_MX", 0x080A}, {"es", 0x0C0A},
        {"it", 0x0410}, {"nl_BE", 0x0813}, {"nl", 0x0413}, {"pt_BR", 0x0416}, {"pt", 0x0816},
        {"sv", 0x041D}, {"da", 0x0406}, {"nb", 0x0414}, {"fi", 0x040B}, {"pl", 0x0415},
        {"cs", 0x0405}, {"hu", 0x040E}, {"ru", 0x0419}, {"uk", 0x0422}, {"el", 0x0408},
        {"tr", 0x041F}, {"he", 0x040D}, {"ar", 0x0401}, {"ja", 0x0411}, {"ko", 0x0412},
        {"zh_TW", 0x0404}, {"zh_HK", 0x0C04}, {"zh", 0x0804},
    };
    const char *lang = getenv("LC_ALL");
    if (lang == NULL || *lang == 0)
        lang = getenv("LC_MESSAGES");
    if (lang == NULL || *lang == 0)
        lang = getenv("LANG");
    if (lang != NULL)
        for (size_t i = 0; i < sizeof(map) / sizeof(*map); i++)
            if (strncmp(lang, map[i].prefix, strlen(map[i].prefix)) == 0)
                return map[i].lcid;
    return 0x0409; /* "C", "POSIX" and unknown languages: en-US, Windows' neutral default */
}

UINT MNLS_GetACP(void)
{
    return CP_UTF8_;
}

const char *mapirt_codepage_name(unsigned cp, char *buf, size_t cb)
{
    switch (cp) {
    case 0: case 1: case 2: case 3: case CP_UTF8_: return "UTF-8";
    case 1200: case 1201: return NULL; /* UTF-16 is not a multibyte code page */
    case 20127: return "ASCII";
    case 65000: return "UTF-7";
    case 20866: return "KOI8-R";
    case 21866: return "KOI8-U";
    case 51932: return "EUC-JP";
    case 50220: return "ISO-2022-JP";
    case 936: return "GBK";
    case 950: return "BIG5";
    case 54936: return "GB18030";
    default: break;
    }
    if (cp >= 28591 && cp <= 28605)
        snprintf(buf, cb, "ISO-8859-%u", cp - 28590);
    else
        snprintf(buf, cb, "CP%u", cp);
    return buf;
}

/* Runs iconv over all of in, growing *out. bad(in, left) is called for each sequence iconv
 * refuses and returns how many input bytes to skip (0: fail) after appending its replacement
 * through rep/nrep. Returns 0, or -1 on failure (no memory or bad input refused). */
struct growbuf { char *p; size_t n, cap; };

static int grow(struct growbuf *g, size_t more)
{
    if (g->cap - g->n >= more)
        return 0;
    size_t cap = g->cap ? g->cap * 2 : 64;
    while (cap - g->n < more)
        cap *= 2;
    char *p = mapirt_realloc(g->p, cap);
    if (p == NULL)
        return -1;
    g->p = p;
    g->cap = cap;
    return 0;
}

typedef size_t (*bad_fn)(const char *in, size_t left, const char **rep, size_t *nrep, void *ctx);

static int convert(iconv_t cd, const char *in, size_t n, struct growbuf *out, bad_fn bad, void *ctx)
{
    char *ip = (char *)in;
    size_t il = n;
    while (il > 0) {
        if (grow(out, il * 4 + 16) != 0)
            return -1;
        char *op = out->p + out->n;
        size_t ol = out->cap - out->n;
        size_t r = iconv(cd, &ip, &il, &op, &ol);
        out->n = (size_t)(op - out->p);
        if (r != (size_t)-1)
            break;
        if (errno == E2BIG)
            continue;
        /* EILSEQ, or EINVAL for a sequence cut at the end of the input. */
        const char *rep;
        size_t nrep, skip = bad(ip, il, &rep, &nrep, ctx);
        if (skip == 0 || grow(out, nrep) != 0)
            return -1;
        memcpy(out->p + out->n, rep, nrep);
        out->n += nrep;
        ip += skip;
        il -= skip;
        iconv(cd, NULL, NULL, NULL, NULL);
    }
    return 0;
}

struct mb_ctx { bool strict; };

static size_t mb_bad(const char *in, size_t left, const char **rep, size_t *nrep, void *ctx)
{
    (void)in;
    (void)left;
    static const char16_t fffd = 0xFFFD;
    if (((struct mb_ctx *)ctx)->strict)
        return 0;
    *rep = (const char *)&fffd;
    *nrep = sizeof(fffd);
    return 1;
}

int MNLS_MultiByteToWideChar(UINT uCodePage, DWORD dwFlags, LPCSTR lpMultiByteStr,
                             int cchMultiByte, LPWSTR lpWideCharStr, int cchWideChar)
{
    char name[32];
    const char *cs = mapirt_codepage_name(uCodePage, name, sizeof(name));
    if (cs == NULL || lpMultiByteStr == NULL || cchMultiByte == 0 || cchMultiByte < -1 ||
        cchWideChar < 0 || (cchWideChar > 0 && lpWideCharStr == NULL) ||
        (dwFlags & ~(DWORD)0x0F) != 0)
        return 0;
    size_t n = cchMultiByte == -1 ? strlen(lpMultiByteStr) + 1 : (size_t)cchMultiByte;
    iconv_t cd = iconv_open("UTF-16LE", cs);
    if (cd == (iconv_t)-1)
        return 0;
    struct growbuf out = {0};
    struct mb_ctx ctx = {(dwFlags & MB_ERR_INVALID_CHARS_) != 0};
    int rc = convert(cd, lpMultiByteStr, n, &out, mb_bad, &ctx);
    iconv_close(cd);
    int units = (int)(out.n / sizeof(WCHAR));
    int result = 0;
    if (rc == 0 && out.n / sizeof(WCHAR) <= 0x7FFFFFFF) {
        if (cchWideChar == 0)
            result = units;
        else if (units <= cchWideChar) {
            memcpy(lpWideCharStr, out.p, out.n);
            result = units;
        }
    }
    mapirt_free(out.p);
    return result;
}

struct wc_ctx { const char *def; size_t ndef; bool used; bool strict; bool utf8; };

static size_t wc_bad(const char *in, size_t left, const char **rep, size_t *nrep, void *ctx)
{
    struct wc_ctx *c = ctx;
    static const char fffd[] = "\xEF\xBF\xBD";
    char16_t u;
    if (left < 2)
        return 0;
    memcpy(&u, in, 2);
    size_t skip = 2;
    bool lone = u >= 0xD800 && u <= 0xDFFF;
    if (u >= 0xD800 && u <= 0xDBFF && left >= 4) {
        char16_t lo;
        memcpy(&lo, in + 2, 2);
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
            lone = false;
            skip = 4;
        }
    }
    if (c->utf8) {
        /* Only a lone surrogate fails to convert to UTF-8: U+FFFD, as Windows since Vista. */
        if (c->strict)
            return 0;
        *rep = fffd;
        *nrep = 3;
        return skip;
    }
    (void)lone;
    *rep = c->def;
    *nrep = c->ndef;
    c->used = true;
    return skip;
}

int MNLS_WideCharToMultiByte(UINT uCodePage, DWORD dwFlags, LPCWSTR lpWideCharStr,
                             int cchWideChar, LPSTR lpMultiByteStr, int cchMultiByte,
                             LPCSTR lpDefaultChar, BOOL *lpfUsedDefaultChar)
{
    char name[32];
    const char *cs = mapirt_codepage_name(uCodePage, name, sizeof(name));
    bool utf8 = cs != NULL && strcmp(cs, "UTF-8") == 0;
    if (cs == NULL || lpWideCharStr == NULL || cchWideChar == 0 || cchWideChar < -1 ||
        cchMultiByte < 0 || (cchMultiByte > 0 && lpMultiByteStr == NULL))
        return 0;
    /* Windows refuses a default character for UTF-8 (it has no unmappable characters). */
    if (utf8 && (lpDefaultChar != NULL || lpfUsedDefaultChar != NULL))
        return 0;
    size_t n = cchWideChar == -1 ? mapirt_wcslen(lpWideCharStr) + 1 : (size_t)cchWideChar;
    iconv_t cd = iconv_open(cs, "UTF-16LE");
    if (cd == (iconv_t)-1)
        return 0;
    struct wc_ctx ctx = {lpDefaultChar ? lpDefaultChar : "?", 0, false,
                         (dwFlags & WC_ERR_INVALID_CHARS_) != 0, utf8};
    ctx.ndef = strlen(ctx.def);
    struct growbuf out = {0};
    int rc = convert(cd, (const char *)lpWideCharStr, n * sizeof(WCHAR), &out, wc_bad, &ctx);
    iconv_close(cd);
    int result = 0;
    if (rc == 0 && out.n <= 0x7FFFFFFF) {
        if (cchMultiByte == 0)
            result = (int)out.n;
        else if (out.n <= (size_t)cchMultiByte) {
            memcpy(lpMultiByteStr, out.p, out.n);
            result = (int)out.n;
        }
    }
    if (result != 0 && lpfUsedDefaultChar != NULL)
        *lpfUsedDefaultChar = ctx.used;
    mapirt_free(out.p);
    return result;
}

/* A character code page cp cannot hold: an HTML numeric character reference, or '?'. */
struct enc_ctx { bool html; char ref[16]; };

static size_t enc_bad(const char *in, size_t left, const char **rep, size_t *nrep, void *ctx)
{
    struct enc_ctx *c = ctx;
    char16_t u, lo;
    uint32_t cp;
    size_t skip = 2;
    if (left < 2)
        return 0;
    memcpy(&u, in, 2);
    cp = u;
    if (u >= 0xD800 && u <= 0xDBFF && left >= 4) {
        memcpy(&lo, in + 2, 2);
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((uint32_t)(u - 0xD800) << 10) + (lo - 0xDC00);
            skip = 4;
        }
    }
    if (c->html && !(cp >= 0xD800 && cp <= 0xDFFF))
        *nrep = (size_t)snprintf(c->ref, sizeof(c->ref), "&#%u;", (unsigned)cp);
    else
        *nrep = (size_t)snprintf(c->ref, sizeof(c->ref), "?");
    *rep = c->ref;
    return skip;
}

int mapirt_codepage_encode(unsigned cp, const WCHAR *in, size_t n, bool html, char **out,
                           size_t *cbOut)
{
    char name[32];
    const char *cs = mapirt_codepage_name(cp, name, sizeof(name));
    iconv_t cd = cs ? iconv_open(cs, "UTF-16LE") : (iconv_t)-1;
    if (cd == (iconv_t)-1)
        return errno == ENOMEM ? -2 : -1;
    struct growbuf g = {0};
    struct enc_ctx ctx = {html, {0}};
    int rc = grow(&g, 1);
    if (rc == 0 && n > 0)
        rc = convert(cd, (const char *)in, n * sizeof(WCHAR), &g, enc_bad, &ctx);
    iconv_close(cd);
    if (rc != 0) {
        mapirt_free(g.p);
        return -2; /* every character converts to something: only memory can fail */
    }
    *out = g.p;
    *cbOut = g.n;
    return 0;
}

/* NORM_IGNORESYMBOLS: punctuation, symbols and spaces of ASCII, Latin-1 and General
 * Punctuation are skipped. */
static bool is_symbol(uint32_t c)
{
    if (c < 0x80)
        return !((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'));
    return (c >= 0xA0 && c <= 0xBF) || c == 0xD7 || c == 0xF7 || (c >= 0x2000 && c <= 0x206F) ||
           c == 0x3000;
}

/* A NUL-terminated copy of a counted string with NORM_IGNOREWIDTH / NORM_IGNOREKANATYPE /
 * NORM_IGNORESYMBOLS applied (a counted string ends at an embedded NUL, as lstrcmp's do). */
static WCHAR *normalized(LPCWSTR s, int cch, DWORD flags)
{
    size_t n = 0;
    if (cch < 0)
        n = mapirt_wcslen(s);
    else
        while (n < (size_t)cch && s[n] != 0)
            n++;
    WCHAR *d = mapirt_malloc((n + 1) * sizeof(WCHAR));
    if (d == NULL)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = s[i];
        if (flags & NORM_IGNOREWIDTH) {
            if (c >= 0xFF01 && c <= 0xFF5E)
                c -= 0xFEE0;
            else if (c == 0x3000)
                c = ' ';
        }
        if ((flags & NORM_IGNOREKANATYPE) && c >= 0x3041 && c <= 0x3096)
            c += 0x60; /* hiragana -> katakana */
        if ((flags & NORM_IGNORESYMBOLS) && is_symbol(c))
            continue;
        d[k++] = (WCHAR)c;
    }
    d[k] = 0;
    return d;
}

int MNLS_CompareStringW(LCID Locale, DWORD dwCmpFlags, LPCWSTR lpString1, int cchCount1,
                        LPCWSTR lpString2, int cchCount2)
{
    (void)Locale; /* one ordinal order for every locale (docs/decisions.md) */
    const DWORD known = NORM_IGNORECASE | NORM_IGNORENONSPACE | NORM_IGNORESYMBOLS |
                        NORM_IGNOREKANATYPE | NORM_IGNOREWIDTH | LINGUISTIC_IGNORECASE_ |
                        LINGUISTIC_IGNOREDIACRITIC_ | SORT_STRINGSORT_;
    if (lpString1 == NULL || lpString2 == NULL || cchCount1 < -1 || cchCount2 < -1 ||
        (dwCmpFlags & ~known) != 0)
        return 0;
    WCHAR *a = normalized(lpString1, cchCount1, dwCmpFlags);
    WCHAR *b = normalized(lpString2, cchCount2, dwCmpFlags);
    int result = 0;
    if (a != NULL && b != NULL) {
        ULONG fl = 0;
        if (dwCmpFlags & (NORM_IGNORECASE | LINGUISTIC_IGNORECASE_))
            fl |= FL_IGNORECASE;
        if (dwCmpFlags & (NORM_IGNORENONSPACE | LINGUISTIC_IGNOREDIACRITIC_))
            fl |= FL_IGNORENONSPACE;
        int c = mapirt_str_compare(a, true, b, true, fl);
        result = c < 0 ? CSTR_LESS_THAN_ : c > 0 ? CSTR_GREATER_THAN_ : CSTR_EQUAL_;
    }
    mapirt_free(a);
    mapirt_free(b);
    return result;
}

int MNLS_CompareStringA(LCID Locale, DWORD dwCmpFlags, LPCSTR lpString1, int cchCount1,
                        LPCSTR lpString2, int cchCount2)
{
    if (lpString1 == NULL || lpString2 == NULL || cchCount1 < -1 || cchCount2 < -1)
        return 0;
    WCHAR *w[2] = {NULL, NULL};
    LPCSTR s[2] = {lpString1, lpString2};
    int cch[2] = {cchCount1, cchCount2};
    int result = 0;
    for (int i = 0; i < 2; i++) {
        if (cch[i] == 0) {
            w[i] = mapirt_calloc(1, sizeof(WCHAR));
            if (w[i] == NULL)
                goto out;
            continue;
        }
        int n = MNLS_MultiByteToWideChar(0, 0, s[i], cch[i], NULL, 0);
        if (n <= 0 || (w[i] = mapirt_calloc((size_t)n + 1, sizeof(WCHAR))) == NULL ||
            MNLS_MultiByteToWideChar(0, 0, s[i], cch[i], w[i], n) != n)
            goto out;
    }
    result = MNLS_CompareStringW(Locale, dwCmpFlags, w[0], -1, w[1], -1);
out:
    mapirt_free(w[0]);
    mapirt_free(w[1]);
    return result;
}

int MNLS_lstrlenW(LPCWSTR lpString)
{
    return lpString == NULL ? 0 : (int)mapirt_wcslen(lpString);
}

int MNLS_lstrcmpW(LPCWSTR lpString1, LPCWSTR lpString2)
{
    if (lpString1 == NULL || lpString2 == NULL)
        return lpString1 == lpString2 ? 0 : lpString1 == NULL ? -1 : 1;
    int c = mapirt_wcscmp(lpString1, lpString2);
    return c < 0 ? -1 : c > 0;
}

LPWSTR MNLS_lstrcpyW(LPWSTR lpString1, LPCWSTR lpString2)
{
    if (lpString1 == NULL || lpString2 == NULL)
        return NULL;
    size_t n = mapirt_wcslen(lpString2) + 1;
    memmove(lpString1, lpString2, n * sizeof(WCHAR));
    return lpString1;
}

BOOL MNLS_IsBadStringPtrW(LPCWSTR lpsz, UINT ucchMax)
{
    /* Win32's rule: bad when any of the first ucchMax characters (or the string up to its
     * terminator, if shorter) cannot be read. */
    return !mapirt_str_readable(lpsz, sizeof(WCHAR), ucchMax, true);
}
