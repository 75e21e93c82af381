/* strconv.c: 8-bit (UTF-8) <-> UTF-16 conversion through iconv, and the ordinal string
 * comparison MAPI's property utilities use. The choices are explained in mapirt/strconv.h. */
#include <mapix.h>
#include <mapicode.h>

#include <errno.h>
#include <iconv.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <mapirt/alloc.h>
#include <mapirt/strconv.h>

#include <mapirt/fold.h>

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define UTF16_NATIVE "UTF-16LE"
#else
#define UTF16_NATIVE "UTF-16BE"
#endif

/* ---- iconv descriptors: one pair per thread, since a descriptor carries shift state and may
 * not be used by two threads at once, and iconv_open is too slow to pay on every string. ---- */

struct conv_pair {
    iconv_t to_w;
    iconv_t to_a;
};

static pthread_key_t conv_key;
static pthread_once_t conv_once = PTHREAD_ONCE_INIT;
static bool conv_key_ok;

static void conv_pair_free(void *p)
{
    struct conv_pair *c = p;
    if (c->to_w != (iconv_t)-1)
        iconv_close(c->to_w);
    if (c->to_a != (iconv_t)-1)
        iconv_close(c->to_a);
    free(c);
}

static void conv_key_init(void)
{
    conv_key_ok = pthread_key_create(&conv_key, conv_pair_free) == 0;
}

static iconv_t conv_open(bool to_wide)
{
    return to_wide ? iconv_open(UTF16_NATIVE, "UTF-8") : iconv_open("UTF-8", UTF16_NATIVE);
}

/* A descriptor for this thread; *owned tells the caller to close it (no per-thread cache). */
static iconv_t conv_get(bool to_wide, bool *owned)
{
    *owned = false;
    pthread_once(&conv_once, conv_key_init);
    struct conv_pair *c = conv_key_ok ? pthread_getspecific(conv_key) : NULL;
    if (c == NULL && conv_key_ok) {
        /* Plain malloc: a cache is not an allocation the failing-allocation hook should hit,
         * or the count of allocations would depend on which thread converted first. */
        c = malloc(sizeof(*c));
        if (c != NULL) {
            c->to_w = conv_open(true);
            c->to_a = conv_open(false);
            if (pthread_setspecific(conv_key, c) != 0) {
                conv_pair_free(c);
                c = NULL;
            }
        }
    }
    iconv_t cd = c == NULL ? (iconv_t)-1 : (to_wide ? c->to_w : c->to_a);
    if (cd == (iconv_t)-1) {
        cd = conv_open(to_wide);
        *owned = cd != (iconv_t)-1;
    }
    return cd;
}

static const char replacement_utf8[3] = {(char)0xEF, (char)0xBF, (char)0xBD};
static const WCHAR replacement_utf16 = 0xFFFD;

/* Converts inlen bytes into out (room for the worst case, see the callers); returns the number
 * of bytes written, or (size_t)-1 when no converter could be opened. Bytes the converter
 * rejects are replaced by U+FFFD, one code unit of input at a time. */
static size_t convert(bool to_wide, const char *in, size_t inlen, char *out)
{
    bool owned;
    iconv_t cd = conv_get(to_wide, &owned);
    if (cd == (iconv_t)-1)
        return (size_t)-1;
    iconv(cd, NULL, NULL, NULL, NULL);
    char *inp = (char *)in, *outp = out;
    size_t inleft = inlen, outleft = (size_t)-1 / 2; /* room was sized by the caller */
    size_t unit = to_wide ? 1 : 2;
    while (inleft > 0) {
        if (iconv(cd, &inp, &inleft, &outp, &outleft) != (size_t)-1)
            break;
        if (errno != EILSEQ && errno != EINVAL)
            break;
        if (to_wide) {
            memcpy(outp, &replacement_utf16, sizeof(replacement_utf16));
            outp += sizeof(replacement_utf16);
        } else {
            memcpy(outp, replacement_utf8, sizeof(replacement_utf8));
            outp += sizeof(replacement_utf8);
        }
        size_t skip = inleft < unit ? inleft : unit;
        inp += skip;
        inleft -= skip;
        iconv(cd, NULL, NULL, NULL, NULL);
    }
    if (owned)
        iconv_close(cd);
    return (size_t)(outp - out);
}

/* Worst cases: every UTF-8 byte yields at most one UTF-16 unit (4-byte sequences yield two
 * units), every UTF-16 unit at most three UTF-8 bytes (a pair yields four); replacements keep
 * within both bounds. */
static bool a_to_w_room(size_t len, size_t *bytes)
{
    size_t units;
    return !__builtin_add_overflow(len, 1, &units) &&
           !__builtin_mul_overflow(units, sizeof(WCHAR), bytes);
}

static bool w_to_a_room(size_t len, size_t *bytes)
{
    size_t b;
    return !__builtin_mul_overflow(len, 3, &b) && !__builtin_add_overflow(b, 1, bytes);
}

static HRESULT mapi_alloc(size_t bytes, void *parent, void **out)
{
    if (bytes > 0xFFFFFFFFu)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    return parent == NULL ? MAPIAllocateBuffer((ULONG)bytes, out)
                          : MAPIAllocateMore((ULONG)bytes, parent, out);
}

HRESULT mapirt_str_a_to_w(const char *in, void *parent, LPWSTR *out)
{
    if (in == NULL || out == NULL)
        return MAPI_E_INVALID_PARAMETER;
    size_t len = strlen(in), room;
    if (!a_to_w_room(len, &room))
        return MAPI_E_NOT_ENOUGH_MEMORY;
    void *buf;
    HRESULT hr = mapi_alloc(room, parent, &buf);
    if (FAILED(hr))
        return hr;
    size_t n = convert(true, in, len, buf);
    if (n == (size_t)-1) {
        if (parent == NULL)
            MAPIFreeBuffer(buf);
        return MAPI_E_CALL_FAILED;
    }
    ((WCHAR *)buf)[n / sizeof(WCHAR)] = 0;
    *out = buf;
    return S_OK;
}

HRESULT mapirt_str_w_to_a(const WCHAR *in, void *parent, LPSTR *out)
{
    if (in == NULL || out == NULL)
        return MAPI_E_INVALID_PARAMETER;
    size_t len = mapirt_wcslen(in), room;
    if (!w_to_a_room(len, &room))
        return MAPI_E_NOT_ENOUGH_MEMORY;
    void *buf;
    HRESULT hr = mapi_alloc(room, parent, &buf);
    if (FAILED(hr))
        return hr;
    size_t n = convert(false, (const char *)in, len * sizeof(WCHAR), buf);
    if (n == (size_t)-1) {
        if (parent == NULL)
            MAPIFreeBuffer(buf);
        return MAPI_E_CALL_FAILED;
    }
    ((char *)buf)[n] = 0;
    *out = buf;
    return S_OK;
}

size_t mapirt_str_a_to_w_into(const char *in, WCHAR *out)
{
    size_t len = strlen(in);
    size_t n = convert(true, in, len, (char *)out);

    if (n == (size_t)-1) {
        /* No converter: the bytes as code units (exact for ASCII, which every text of the
         * runtime is). */
        for (n = 0; n < len; n++)
            out[n] = (WCHAR)(unsigned char)in[n];
        out[len] = 0;
        return len;
    }
    out[n / sizeof(WCHAR)] = 0;
    return n / sizeof(WCHAR);
}

WCHAR *mapirt_str_a_to_w_dup(const char *in)
{
    size_t room;
    if (in == NULL || !a_to_w_room(strlen(in), &room))
        return NULL;
    WCHAR *buf = mapirt_malloc(room);
    if (buf == NULL)
        return NULL;
    size_t n = convert(true, in, strlen(in), (char *)buf);
    if (n == (size_t)-1) {
        mapirt_free(buf);
        return NULL;
    }
    buf[n / sizeof(WCHAR)] = 0;
    return buf;
}

char *mapirt_str_w_to_a_dup(const WCHAR *in)
{
    size_t room;
    if (in == NULL || !w_to_a_room(mapirt_wcslen(in), &room))
        return NULL;
    char *buf = mapirt_malloc(room);
    if (buf == NULL)
        return NULL;
    size_t n = convert(false, (const char *)in, mapirt_wcslen(in) * sizeof(WCHAR), buf);
    if (n == (size_t)-1) {
        mapirt_free(buf);
        return NULL;
    }
    buf[n] = 0;
    return buf;
}

size_t mapirt_wcslen(const WCHAR *s)
{
    size_t n = 0;
    while (s[n] != 0)
        n++;
    return n;
}

int mapirt_wcscmp(const WCHAR *a, const WCHAR *b)
{
    while (*a != 0 && *a == *b) {
        a++;
        b++;
    }
    return (*a > *b) - (*a < *b);
}

WCHAR *mapirt_wcsdup(const WCHAR *s)
{
    if (s == NULL)
        return NULL;
    size_t bytes = (mapirt_wcslen(s) + 1) * sizeof(WCHAR);
    WCHAR *d = mapirt_malloc(bytes);
    if (d != NULL)
        memcpy(d, s, bytes);
    return d;
}

/* ---- code points ---- */

#define CP_END 0xFFFFFFFFu

/* Walks a NUL-terminated string of either width as code points. Bytes that are not valid
 * UTF-8 come out as U+DC80..U+DCFF (each stands for itself, so the order stays total). */
struct cp_iter {
    const unsigned char *a;
    const WCHAR *w;
    ULONG flags;
};

static uint32_t utf8_next(const unsigned char **pp)
{
    const unsigned char *p = *pp;
    uint32_t c = p[0];
    if (c < 0x80) {
        *pp = p + 1;
        return c;
    }
    int n;
    uint32_t min;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 1;
        min = 0x80;
        c &= 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 2;
        min = 0x800;
        c &= 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 3;
        min = 0x10000;
        c &= 0x07;
    } else {
        goto bad;
    }
    for (int i = 1; i <= n; i++) {
        if ((p[i] & 0xC0) != 0x80) /* also stops at the terminating NUL */
            goto bad;
        c = (c << 6) | (p[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        goto bad;
    *pp = p + n + 1;
    return c;
bad:
    *pp = p + 1;
    return 0xDC00u + p[0];
}

static uint32_t cp_raw(struct cp_iter *it)
{
    if (it->a != NULL) {
        if (*it->a == 0)
            return CP_END;
        return utf8_next(&it->a);
    }
    uint32_t c = *it->w;
    if (c == 0)
        return CP_END;
    it->w++;
    if (c >= 0xD800 && c <= 0xDBFF && *it->w >= 0xDC00 && *it->w <= 0xDFFF) {
        c = 0x10000 + ((c - 0xD800) << 10) + (*it->w - 0xDC00);
        it->w++;
    } else if (c >= 0xD800 && c <= 0xDFFF) {
        c = 0xFFFD; /* an unpaired surrogate reads as conversion makes it (found by fuzzing) */
    }
    return c;
}

static bool is_nonspacing(uint32_t c)
{
    return (c >= 0x0300 && c <= 0x036F) || (c >= 0x1AB0 && c <= 0x1AFF) ||
           (c >= 0x1DC0 && c <= 0x1DFF) || (c >= 0x20D0 && c <= 0x20FF) ||
           (c >= 0xFE20 && c <= 0xFE2F);
}

/* Base letters of U+00C0..U+017F ('.': no canonical decomposition to a base letter). */
static const char base_letters[] =
    "AAAAAA.CEEEEIIII.NOOOOO..UUUUY.."
    "aaaaaa.ceeeeiiii.nooooo..uuuuy.y"
    "AaAaAaCcCcCcCcDd..EeEeEeEeEeGgGg"
    "GgGgHh..IiIiIiIiI...JjKk.LlLlLl."
    "...NnNnNn...OoOoOo..RrRrRrSsSsSs"
    "SsTtTt..UuUuUuUuUuUuWwYyYZzZzZz.";
_Static_assert(sizeof(base_letters) == 0x180 - 0xC0 + 1, "one entry per code point");

static uint32_t base_letter(uint32_t c)
{
    if (c >= 0xC0 && c < 0x180 && base_letters[c - 0xC0] != '.')
        return (unsigned char)base_letters[c - 0xC0];
    return c;
}

static uint32_t cp_next(struct cp_iter *it)
{
    bool nonspace = (it->flags & (FL_IGNORENONSPACE | FL_LOOSE)) != 0;
    bool nocase = (it->flags & (FL_IGNORECASE | FL_LOOSE)) != 0;
    for (;;) {
        uint32_t c = cp_raw(it);
        if (c == CP_END)
            return c;
        if (nonspace) {
            if (is_nonspacing(c))
                continue;
            c = base_letter(c);
        }
        return nocase ? mapirt_fold(c) : c;
    }
}

static void cp_init(struct cp_iter *it, const void *s, bool wide, ULONG flags)
{
    it->a = wide ? NULL : s;
    it->w = wide ? s : NULL;
    it->flags = flags;
}

int mapirt_str_compare(const void *a, bool a_wide, const void *b, bool b_wide, ULONG ulFlags)
{
    if (a == NULL || b == NULL)
        return (a != NULL) - (b != NULL);
    struct cp_iter ia, ib;
    cp_init(&ia, a, a_wide, ulFlags);
    cp_init(&ib, b, b_wide, ulFlags);
    for (;;) {
        uint32_t ca = cp_next(&ia), cb = cp_next(&ib);
        if (ca != cb) /* CP_END is the largest value: a proper prefix must sort first */
            return ca == CP_END ? -1 : cb == CP_END ? 1 : (ca < cb ? -1 : 1);
        if (ca == CP_END)
            return 0;
    }
}

/* Does needle match hay at hay's current position? *at_end tells whether hay ran out, which
 * ends a substring search early. */
static bool match_here(struct cp_iter hay, struct cp_iter needle, bool whole, bool *at_end)
{
    *at_end = false;
    for (;;) {
        uint32_t cn = cp_next(&needle);
        uint32_t ch = cp_next(&hay);
        if (cn == CP_END)
            return !whole || ch == CP_END;
        if (ch == CP_END) {
            *at_end = true;
            return false;
        }
        if (ch != cn)
            return false;
    }
}

bool mapirt_str_contains(const void *hay, bool hay_wide, const void *needle, bool needle_wide,
                         ULONG ulFuzzyLevel)
{
    if (hay == NULL || needle == NULL)
        return false;
    ULONG mode = ulFuzzyLevel & 0xFFFF;
    ULONG flags = ulFuzzyLevel & 0xFFFF0000u;
    struct cp_iter ih, in;
    cp_init(&ih, hay, hay_wide, flags);
    cp_init(&in, needle, needle_wide, flags);
    bool at_end;
    if (mode == FL_PREFIX)
        return match_here(ih, in, false, &at_end);
    if (mode != FL_SUBSTRING)
        return match_here(ih, in, true, &at_end);
    for (;;) {
        if (match_here(ih, in, false, &at_end))
            return true;
        if (at_end || cp_next(&ih) == CP_END)
            return false;
    }
}
