/* test_strconv.c: UTF-8 <-> UTF-16 conversion and MAPI string comparison (mapirt/strconv.h). */
#include <mapix.h>
#include <mapicode.h>

#include <criterion/criterion.h>
#include <string.h>

#include <mapirt/alloc.h>
#include <mapirt/strconv.h>

#include <mapirt/fold.h>
#include <mapirt/testhooks.h>

#include "oom.h"

static bool wide_eq(const WCHAR *a, const WCHAR *b)
{
    return mapirt_wcscmp(a, b) == 0;
}

Test(strconv, a_to_w_and_back)
{
    /* ASCII, Latin-1, the euro sign (3 UTF-8 bytes) and a clef outside the BMP (pair). */
    const char *utf8 = "h\xC3\xA9llo \xE2\x82\xAC \xF0\x9D\x84\x9E!";
    const WCHAR expect[] = {'h', 0xE9, 'l', 'l', 'o', ' ', 0x20AC, ' ', 0xD834, 0xDD1E, '!', 0};
    LPWSTR w = NULL;
    cr_assert_eq(mapirt_str_a_to_w(utf8, NULL, &w), S_OK);
    cr_assert(wide_eq(w, expect));
    cr_assert_eq(mapirt_wcslen(w), 11);
    LPSTR a = NULL;
    cr_assert_eq(mapirt_str_w_to_a(w, NULL, &a), S_OK);
    cr_assert_str_eq(a, utf8);
    MAPIFreeBuffer(w);
    MAPIFreeBuffer(a);

    cr_assert_eq(mapirt_str_a_to_w("", NULL, &w), S_OK);
    cr_assert_eq(w[0], 0);
    MAPIFreeBuffer(w);
    MAPIRT_LEAK_CHECK();
}

Test(strconv, allocates_on_parent)
{
    void *parent;
    cr_assert_eq(MAPIAllocateBuffer(8, &parent), S_OK);
    LPWSTR w;
    LPSTR a;
    cr_assert_eq(mapirt_str_a_to_w("abc", parent, &w), S_OK);
    cr_assert_eq(mapirt_str_w_to_a(u"d\u00e9f", parent, &a), S_OK);
    cr_assert(wide_eq(w, u"abc"));
    cr_assert_str_eq(a, "d\xC3\xA9" "f");
    MAPIFreeBuffer(parent); /* frees both conversions */
    MAPIRT_LEAK_CHECK();
}

Test(strconv, bad_input_becomes_replacement_character)
{
    LPWSTR w;
    cr_assert_eq(mapirt_str_a_to_w("a\xFF" "b\xC3", NULL, &w), S_OK);
    const WCHAR expect[] = {'a', 0xFFFD, 'b', 0xFFFD, 0};
    cr_assert(wide_eq(w, expect));
    MAPIFreeBuffer(w);

    const WCHAR lone[] = {'x', 0xD800, 'y', 0xDC00, 0};
    LPSTR a;
    cr_assert_eq(mapirt_str_w_to_a(lone, NULL, &a), S_OK);
    cr_assert_str_eq(a, "x\xEF\xBF\xBDy\xEF\xBF\xBD");
    MAPIFreeBuffer(a);
    MAPIRT_LEAK_CHECK();
}

Test(strconv, bad_arguments)
{
    LPWSTR w = (LPWSTR)1;
    LPSTR a = (LPSTR)1;
    static _Alignas(16) char area[64];
    cr_assert_eq(mapirt_str_a_to_w(NULL, NULL, &w), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(mapirt_str_a_to_w("x", NULL, NULL), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(mapirt_str_a_to_w("x", area + 32, &w), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(mapirt_str_w_to_a(NULL, NULL, &a), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(mapirt_str_w_to_a(u"x", NULL, NULL), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(mapirt_str_w_to_a(u"x", area + 32, &a), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(w, (LPWSTR)1);
    cr_assert_eq(a, (LPSTR)1);
    cr_assert_null(mapirt_str_a_to_w_dup(NULL));
    cr_assert_null(mapirt_str_w_to_a_dup(NULL));
    cr_assert_null(mapirt_wcsdup(NULL));
}

Test(strconv, out_of_memory)
{
    unsigned long oom_points;
    HRESULT hr;
    LPWSTR w = NULL;
    LPSTR a = NULL;
    OOM_LOOP(hr, hr = mapirt_str_a_to_w("text", NULL, &w), MAPIFreeBuffer(w));
    cr_assert_eq(oom_points, 1);
    OOM_LOOP(hr, hr = mapirt_str_w_to_a(u"text", NULL, &a), MAPIFreeBuffer(a));
    cr_assert_eq(oom_points, 1);

    void *parent;
    cr_assert_eq(MAPIAllocateBuffer(8, &parent), S_OK);
    OOM_LOOP(hr, hr = mapirt_str_a_to_w("text", parent, &w), (void)0);
    MAPIFreeBuffer(parent);

    mapirt_test_fail_alloc(1);
    cr_assert_null(mapirt_str_a_to_w_dup("x"));
    mapirt_test_fail_alloc(1);
    cr_assert_null(mapirt_str_w_to_a_dup(u"x"));
    mapirt_test_fail_alloc(1);
    cr_assert_null(mapirt_wcsdup(u"x"));
    mapirt_test_fail_alloc(0);
    MAPIRT_LEAK_CHECK();
}

Test(strconv, private_heap_variants)
{
    WCHAR *w = mapirt_str_a_to_w_dup("\xC3\xBC" "ber");
    cr_assert(wide_eq(w, u"\u00fcber"));
    char *a = mapirt_str_w_to_a_dup(w);
    cr_assert_str_eq(a, "\xC3\xBC" "ber");
    WCHAR *d = mapirt_wcsdup(w);
    cr_assert(wide_eq(d, w));
    cr_assert_neq(d, w);
    mapirt_free(w);
    mapirt_free(a);
    mapirt_free(d);
    cr_assert_lt(mapirt_wcscmp(u"ab", u"abc"), 0);
    cr_assert_gt(mapirt_wcscmp(u"b", u"abc"), 0);
    cr_assert_eq(mapirt_wcscmp(u"", u""), 0);
    MAPIRT_LEAK_CHECK();
}

Test(strconv, compare_ordinal_and_folded)
{
    cr_assert_eq(mapirt_str_compare("abc", false, "abc", false, 0), 0);
    cr_assert_lt(mapirt_str_compare("abc", false, "abd", false, 0), 0);
    cr_assert_lt(mapirt_str_compare("ab", false, "abc", false, 0), 0);
    cr_assert_gt(mapirt_str_compare("abc", false, "ab", false, 0), 0);
    cr_assert_lt(mapirt_str_compare("ABC", false, "abc", false, 0), 0);
    cr_assert_eq(mapirt_str_compare("ABC", false, "abc", false, FL_IGNORECASE), 0);
    cr_assert_eq(mapirt_str_compare("ABC", false, u"abc", true, FL_IGNORECASE), 0);
    cr_assert_eq(mapirt_str_compare(u"abc", true, "abc", false, 0), 0);
    /* Latin-1, Latin Extended-A, Greek (with final sigma), Cyrillic, fullwidth */
    cr_assert_eq(mapirt_str_compare("\xC3\x89T\xC3\x89", false, u"\u00e9t\u00e9", true, FL_IGNORECASE), 0);
    cr_assert_eq(mapirt_str_compare(u"\u0141\u00d3D\u0179", true, u"\u0142\u00f3d\u017a", true, FL_IGNORECASE), 0);
    cr_assert_eq(mapirt_str_compare(u"\u03a3\u039f\u03a3", true, u"\u03c3\u03bf\u03c2", true, FL_IGNORECASE), 0);
    cr_assert_eq(mapirt_str_compare(u"\u041c\u0418\u0420\u0401", true, u"\u043c\u0438\u0440\u0451", true, FL_IGNORECASE), 0);
    cr_assert_eq(mapirt_str_compare(u"\uff21", true, u"\uff41", true, FL_IGNORECASE), 0);
    cr_assert_neq(mapirt_str_compare(u"\u00e9", true, u"e", true, FL_IGNORECASE), 0);
    /* nonspacing marks: precomposed and combining forms both reduce to the base letter */
    cr_assert_eq(mapirt_str_compare(u"\u00e9", true, u"e", true, FL_IGNORENONSPACE), 0);
    cr_assert_eq(mapirt_str_compare(u"e\u0301", true, u"e", true, FL_IGNORENONSPACE), 0);
    cr_assert_neq(mapirt_str_compare(u"\u00c9", true, u"e", true, FL_IGNORENONSPACE), 0);
    cr_assert_eq(mapirt_str_compare(u"\u00c9", true, u"e", true, FL_LOOSE), 0);
    /* code point order, not UTF-16 unit order: U+1D11E sorts after U+FFFD */
    cr_assert_gt(mapirt_str_compare(u"\U0001d11e", true, u"\ufffd", true, 0), 0);
    cr_assert_gt(mapirt_str_compare("\xF0\x9D\x84\x9E", false, u"\ufffd", true, 0), 0);
    /* NULL first */
    cr_assert_lt(mapirt_str_compare(NULL, false, "", false, 0), 0);
    cr_assert_gt(mapirt_str_compare("", false, NULL, true, 0), 0);
    cr_assert_eq(mapirt_str_compare(NULL, false, NULL, true, 0), 0);
    cr_assert_eq(mapirt_fold('Q'), 'q');
    cr_assert_eq(mapirt_fold(0x178), 0xFF);
    cr_assert_eq(mapirt_fold(0x130), 0x130, "simple folding has no mapping for U+0130");
    cr_assert_eq(mapirt_fold(0x4E00), 0x4E00);
}

Test(strconv, contains)
{
    cr_assert(mapirt_str_contains("hello world", false, "hello world", false, FL_FULLSTRING));
    cr_assert_not(mapirt_str_contains("hello world", false, "hello", false, FL_FULLSTRING));
    cr_assert(mapirt_str_contains("hello world", false, "hello", false, FL_PREFIX));
    cr_assert_not(mapirt_str_contains("hello world", false, "world", false, FL_PREFIX));
    cr_assert(mapirt_str_contains("hello world", false, "o w", false, FL_SUBSTRING));
    cr_assert(mapirt_str_contains("hello world", false, "world", false, FL_SUBSTRING));
    cr_assert_not(mapirt_str_contains("hello world", false, "worlds", false, FL_SUBSTRING));
    cr_assert_not(mapirt_str_contains("hello", false, "hello world", false, FL_PREFIX));
    cr_assert_not(mapirt_str_contains("hello world", false, "WORLD", false, FL_SUBSTRING));
    cr_assert(mapirt_str_contains("hello world", false, "WORLD", false, FL_SUBSTRING | FL_IGNORECASE));
    cr_assert(mapirt_str_contains(u"Caf\u00e9 cr\u00e8me", true, "CREME", false, FL_SUBSTRING | FL_LOOSE));
    cr_assert_not(mapirt_str_contains(u"Caf\u00e9 cr\u00e8me", true, "creme", false, FL_SUBSTRING | FL_IGNORECASE));
    cr_assert(mapirt_str_contains(u"Caf\u00e9 cr\u00e8me", true, "creme", false, FL_SUBSTRING | FL_IGNORENONSPACE));
    cr_assert(mapirt_str_contains("aaab", false, "aab", false, FL_SUBSTRING));
    cr_assert(mapirt_str_contains("abc", false, "", false, FL_SUBSTRING));
    cr_assert(mapirt_str_contains("abc", false, "", false, FL_PREFIX));
    cr_assert_not(mapirt_str_contains("abc", false, "", false, FL_FULLSTRING));
    cr_assert(mapirt_str_contains("", false, "", false, FL_FULLSTRING));
    /* an invalid low word means a full-string match */
    cr_assert_not(mapirt_str_contains("abc", false, "ab", false, FL_PREFIX | FL_SUBSTRING));
    cr_assert(mapirt_str_contains("abc", false, "abc", false, 7));
    cr_assert_not(mapirt_str_contains(NULL, false, "a", false, FL_SUBSTRING));
    cr_assert_not(mapirt_str_contains("a", false, NULL, false, FL_SUBSTRING));
}
