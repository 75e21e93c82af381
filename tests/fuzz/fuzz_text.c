/* tests/fuzz/fuzz_text.c: 8-bit (UTF-8) <-> UTF-16 conversion and string comparison.
 *
 * Checked with a UTF-8 / UTF-16 decoder written here: valid text round-trips exactly, invalid
 * text becomes valid text that then round-trips; a string compares equal to its conversion;
 * comparison is reflexive and antisymmetric under every flag; FL_FULLSTRING containment is
 * equality; FL_IGNORECASE equality is equality of the case-folded code points; folding is
 * idempotent. */
#include <mapicode.h>
#include <mapidefs.h>
#include <mapiutil.h>
#include <mapix.h>

#include <mapirt/strconv.h>

#include <mapirt/fold.h>

#include "fuzz.h"

/* Code points of valid UTF-8 (out, up to max); -1 when s is not valid UTF-8. */
static long utf8_decode(const unsigned char *s, uint32_t *out, long max)
{
    long n = 0;
    while (*s) {
        uint32_t c = *s;
        int len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3
                : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (len == 0)
            return -1;
        if (len > 1)
            c &= 0x3F >> (len - 1);
        for (int k = 1; k < len; k++) {
            if ((s[k] & 0xC0) != 0x80)
                return -1;
            c = (c << 6) | (s[k] & 0x3F);
        }
        static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
        if (c < min[len] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
            return -1;
        if (n < max)
            out[n] = c;
        n++;
        s += len;
    }
    return n;
}

/* Code points of UTF-16 with unpaired surrogates as U+FFFD. */
static long utf16_decode(const WCHAR *w, uint32_t *out, long max)
{
    long n = 0;
    for (size_t i = 0; w[i]; i++) {
        uint32_t c = w[i];
        if (c >= 0xD800 && c <= 0xDBFF && w[i + 1] >= 0xDC00 && w[i + 1] <= 0xDFFF) {
            c = 0x10000 + ((c - 0xD800) << 10) + (w[i + 1] - 0xDC00);
            i++;
        } else if (c >= 0xD800 && c <= 0xDFFF) {
            c = 0xFFFD;
        }
        if (n < max)
            out[n] = c;
        n++;
    }
    return n;
}

#define MAXCP 64

static int sgn(int c)
{
    return (c > 0) - (c < 0);
}

static void check_pair(const void *a, bool aw, const void *b, bool bw, ULONG flags)
{
    int ab = mapirt_str_compare(a, aw, b, bw, flags), ba = mapirt_str_compare(b, bw, a, aw, flags);
    FZ_CHECK(sgn(ab) == -sgn(ba), "comparison not antisymmetric (flags 0x%lx)", (unsigned long)flags);
    FZ_CHECK(mapirt_str_compare(a, aw, a, aw, flags) == 0, "comparison not reflexive");
    FZ_CHECK(mapirt_str_contains(a, aw, b, bw, FL_FULLSTRING | flags) == (ab == 0),
             "FL_FULLSTRING containment is not equality (flags 0x%lx)", (unsigned long)flags);
    if (ab == 0 && !(flags & (FL_IGNORENONSPACE | FL_LOOSE))) {
        FZ_CHECK(mapirt_str_contains(a, aw, b, bw, FL_PREFIX | flags), "equal but not a prefix");
        FZ_CHECK(mapirt_str_contains(a, aw, b, bw, FL_SUBSTRING | flags), "equal but not inside");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz f;
    fz_init(&f, data, size);
    char *s = fz_str(&f, 24, NULL);
    WCHAR *w16 = fz_wstr(&f, 12);
    char *t = fz_str(&f, 8, fz_bool(&f) ? "aAbB\xc3\xa9\xc3\x89" : NULL);
    uint32_t cps[MAXCP], cps2[MAXCP];

    /* 8-bit -> UTF-16 -> 8-bit */
    LPWSTR w = NULL;
    LPSTR back = NULL;
    FZ_CHECK(mapirt_str_a_to_w(s, NULL, &w) == S_OK, "a_to_w");
    FZ_CHECK(mapirt_str_w_to_a(w, NULL, &back) == S_OK, "w_to_a");
    long n = utf8_decode((const unsigned char *)s, cps, MAXCP);
    if (n >= 0) {
        FZ_CHECK(strcmp(back, s) == 0, "valid UTF-8 did not round-trip");
        long m = utf16_decode(w, cps2, MAXCP);
        FZ_CHECK(m == n && memcmp(cps, cps2, (size_t)(n < MAXCP ? n : MAXCP) * 4) == 0,
                 "UTF-16 holds other code points than the UTF-8");
    } else {
        FZ_CHECK(utf8_decode((const unsigned char *)back, cps, MAXCP) >= 0,
                 "invalid input gave invalid UTF-8");
        LPWSTR w2 = NULL;
        FZ_CHECK(mapirt_str_a_to_w(back, NULL, &w2) == S_OK, "a_to_w");
        FZ_CHECK(mapirt_wcscmp(w, w2) == 0, "the repaired text does not round-trip");
        MAPIFreeBuffer(w2);
    }
    FZ_CHECK(mapirt_str_compare(s, false, w, true, 0) == 0 || n < 0,
             "a string differs from its own conversion");

    /* UTF-16 -> 8-bit -> UTF-16: unpaired surrogates become U+FFFD */
    LPSTR a16 = NULL;
    LPWSTR w16b = NULL;
    FZ_CHECK(mapirt_str_w_to_a(w16, NULL, &a16) == S_OK, "w_to_a");
    FZ_CHECK(utf8_decode((const unsigned char *)a16, cps, MAXCP) >= 0, "w_to_a gave invalid UTF-8");
    FZ_CHECK(mapirt_str_a_to_w(a16, NULL, &w16b) == S_OK, "a_to_w");
    n = utf16_decode(w16, cps, MAXCP);
    long m = utf16_decode(w16b, cps2, MAXCP);
    FZ_CHECK(n == m && memcmp(cps, cps2, (size_t)(n < MAXCP ? n : MAXCP) * 4) == 0,
             "UTF-16 did not round-trip (surrogates aside)");
    FZ_CHECK(mapirt_str_compare(w16, true, a16, false, 0) == 0, "UTF-16 differs from its conversion");

    /* comparison */
    static const ULONG flags[] = {0, FL_IGNORECASE, FL_IGNORENONSPACE, FL_LOOSE};
    for (int i = 0; i < 4; i++) {
        check_pair(s, false, t, false, flags[i]);
        check_pair(w16, true, t, false, flags[i]);
        check_pair(s, false, w16, true, flags[i]);
    }
    /* FL_IGNORECASE equality is equality of folded code points (valid strings). */
    n = utf8_decode((const unsigned char *)s, cps, MAXCP);
    m = utf8_decode((const unsigned char *)t, cps2, MAXCP);
    if (n >= 0 && m >= 0 && n <= MAXCP && m <= MAXCP) {
        bool eq = n == m;
        for (long i = 0; eq && i < n; i++)
            eq = mapirt_fold(cps[i]) == mapirt_fold(cps2[i]);
        FZ_CHECK(eq == (mapirt_str_compare(s, false, t, false, FL_IGNORECASE) == 0),
                 "FL_IGNORECASE equality is not equality of folded code points");
    }
    /* folding is idempotent */
    uint32_t c = fz_u32(&f) % 0x110000;
    FZ_CHECK(mapirt_fold(mapirt_fold(c)) == mapirt_fold(c), "U+%04X folds twice differently",
             (unsigned)c);

    MAPIFreeBuffer(w);
    MAPIFreeBuffer(back);
    MAPIFreeBuffer(a16);
    MAPIFreeBuffer(w16b);
    fz_free_all(&f);
    return 0;
}
