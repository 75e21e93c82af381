/* test_mnls.c: the MNLS_ functions of mapinls.h (and the lstrlenW-style redirection), and
 * IsBadBoundedStringPtr: conversions in UTF-8 and other code pages with Windows' counting
 * rules, comparison flags, bad and unreadable input. */
#define _GNU_SOURCE
#include <mapinls.h>
#include <mapiwin.h>
#include <mapicode.h>

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <mapirt/testhooks.h>

#include "oom.h"

Test(mnls, redirected_wide_string_calls)
{
    WCHAR buf[16];
    /* mapinls.h makes the Win32 names call the MNLS_ functions. */
    cr_assert_eq(lstrlenW(u"h\u00e9llo"), 5);
    cr_assert_eq(lstrlenW(NULL), 0);
    cr_assert_eq(lstrcpyW(buf, u"abc"), buf);
    cr_assert_eq(lstrcmpW(buf, u"abc"), 0);
    cr_assert_lt(lstrcmpW(u"abc", u"abd"), 0);
    cr_assert_gt(lstrcmpW(u"b", u"abc"), 0);
    cr_assert_lt(lstrcmpW(NULL, u""), 0);
    cr_assert_eq(lstrcmpW(NULL, NULL), 0);
    cr_assert_null(lstrcpyW(NULL, u"x"));
    cr_assert_eq(MNLS_GetACP(), 65001);
}

Test(mnls, user_lcid_follows_the_environment)
{
    setenv("LC_ALL", "de_DE.UTF-8", 1);
    cr_assert_eq(MNLS_GetUserDefaultLCID(), 0x0407);
    setenv("LC_ALL", "en_GB.UTF-8", 1);
    cr_assert_eq(MNLS_GetUserDefaultLCID(), 0x0809);
    setenv("LC_ALL", "C", 1);
    cr_assert_eq(MNLS_GetUserDefaultLCID(), 0x0409);
    unsetenv("LC_ALL");
}

Test(mnls, multibyte_to_wide_counting_rules)
{
    const char *s = "gr\xC3\xBC\xC3\x9F \xF0\x9D\x84\x9E"; /* "grüß " + U+1D11E (a pair) */
    WCHAR w[16];
    /* -1: terminator included in the count and the output. */
    cr_assert_eq(MNLS_MultiByteToWideChar(CP_ACP, 0, s, -1, NULL, 0), 8);
    cr_assert_eq(MNLS_MultiByteToWideChar(CP_ACP, 0, s, -1, w, 16), 8);
    const WCHAR expect[] = {'g', 'r', 0xFC, 0xDF, ' ', 0xD834, 0xDD1E, 0};
    cr_assert_arr_eq(w, expect, sizeof(expect));
    /* An explicit count: no terminator. */
    cr_assert_eq(MNLS_MultiByteToWideChar(65001, 0, "abc", 2, w, 16), 2);
    cr_assert_eq(w[1], 'b');
    /* Too small a buffer: 0, nothing beyond it written. */
    w[2] = 0x1234;
    cr_assert_eq(MNLS_MultiByteToWideChar(CP_ACP, 0, s, -1, w, 2), 0);
    cr_assert_eq(w[2], 0x1234);
    /* Invalid UTF-8: U+FFFD, or failure with MB_ERR_INVALID_CHARS. */
    cr_assert_eq(MNLS_MultiByteToWideChar(CP_ACP, 0, "a\xFF" "b", 3, w, 16), 3);
    cr_assert_eq(w[1], 0xFFFD);
    cr_assert_eq(MNLS_MultiByteToWideChar(CP_ACP, 8, "a\xFF" "b", 3, w, 16), 0);
    /* Bad arguments. */
    cr_assert_eq(MNLS_MultiByteToWideChar(CP_ACP, 0, NULL, -1, w, 16), 0);
    cr_assert_eq(MNLS_MultiByteToWideChar(CP_ACP, 0, "x", 0, w, 16), 0);
    cr_assert_eq(MNLS_MultiByteToWideChar(CP_ACP, 0, "x", -2, w, 16), 0);
    cr_assert_eq(MNLS_MultiByteToWideChar(CP_ACP, 0, "x", 1, NULL, 4), 0);
    cr_assert_eq(MNLS_MultiByteToWideChar(1200, 0, "x", 1, w, 4), 0);
    cr_assert_eq(MNLS_MultiByteToWideChar(CP_ACP, 0x100, "x", 1, w, 4), 0);
}

Test(mnls, other_code_pages)
{
    WCHAR w[8];
    /* Windows-1252: 0x80 is the euro sign. */
    cr_assert_eq(MNLS_MultiByteToWideChar(1252, 0, "\x80" "A", 2, w, 8), 2);
    cr_assert_eq(w[0], 0x20AC);
    char a[8];
    BOOL used = FALSE;
    cr_assert_eq(MNLS_WideCharToMultiByte(1252, 0, u"\u20ac\u4e2d!", 3, a, 8, NULL, &used), 3);
    cr_assert_eq((unsigned char)a[0], 0x80);
    cr_assert_eq(a[1], '?', "an unmappable character becomes the default character");
    cr_assert(used);
    cr_assert_eq(MNLS_WideCharToMultiByte(28591, 0, u"\u4e2d", 1, a, 8, "*", &used), 1);
    cr_assert_eq(a[0], '*');
    /* Windows-1251 Cyrillic. */
    cr_assert_eq(MNLS_WideCharToMultiByte(1251, 0, u"\u0416", 1, a, 8, NULL, NULL), 1);
    cr_assert_eq((unsigned char)a[0], 0xC6);
}

Test(mnls, wide_to_multibyte_utf8)
{
    char a[16];
    cr_assert_eq(MNLS_WideCharToMultiByte(CP_ACP, 0, u"gr\u00fc\u00df", -1, NULL, 0, NULL, NULL), 7);
    cr_assert_eq(MNLS_WideCharToMultiByte(CP_ACP, 0, u"gr\u00fc\u00df", -1, a, 16, NULL, NULL), 7);
    cr_assert_str_eq(a, "gr\xC3\xBC\xC3\x9F");
    /* A lone surrogate becomes U+FFFD in UTF-8. */
    const WCHAR lone[] = {'x', 0xD800, 'y'};
    cr_assert_eq(MNLS_WideCharToMultiByte(65001, 0, lone, 3, a, 16, NULL, NULL), 5);
    cr_assert_eq(memcmp(a, "x\xEF\xBF\xBDy", 5), 0);
    cr_assert_eq(MNLS_WideCharToMultiByte(65001, 0x80, lone, 3, a, 16, NULL, NULL), 0);
    /* UTF-8 takes no default character; too small a buffer fails. */
    BOOL used;
    cr_assert_eq(MNLS_WideCharToMultiByte(CP_ACP, 0, u"x", 1, a, 16, "?", NULL), 0);
    cr_assert_eq(MNLS_WideCharToMultiByte(CP_ACP, 0, u"x", 1, a, 16, NULL, &used), 0);
    cr_assert_eq(MNLS_WideCharToMultiByte(CP_ACP, 0, u"\u00fc", 1, a, 1, NULL, NULL), 0);
    cr_assert_eq(MNLS_WideCharToMultiByte(CP_ACP, 0, NULL, 1, a, 16, NULL, NULL), 0);
}

Test(mnls, compare_string_flags)
{
    cr_assert_eq(MNLS_CompareStringW(0x0409, 0, u"abc", -1, u"abc", -1), 2);
    cr_assert_eq(MNLS_CompareStringW(0x0409, 0, u"abc", -1, u"abd", -1), 1);
    cr_assert_eq(MNLS_CompareStringW(0x0409, 0, u"b", -1, u"abd", -1), 3);
    cr_assert_eq(MNLS_CompareStringW(0x0409, 0, u"ABC", -1, u"abc", -1), 1);
    cr_assert_eq(MNLS_CompareStringW(0x0409, NORM_IGNORECASE, u"\u00c9T\u00c9", -1, u"\u00e9t\u00e9", -1), 2);
    cr_assert_eq(MNLS_CompareStringW(0x0409, NORM_IGNORENONSPACE, u"\u00e9t\u00e9", -1, u"ete", -1), 2);
    cr_assert_eq(MNLS_CompareStringW(0x0409, NORM_IGNORESYMBOLS, u"a-b c!", -1, u"abc", -1), 2);
    cr_assert_eq(MNLS_CompareStringW(0x0409, NORM_IGNOREWIDTH, u"\uff21\uff22", -1, u"AB", -1), 2);
    cr_assert_eq(MNLS_CompareStringW(0x0409, NORM_IGNOREKANATYPE, u"\u3042", -1, u"\u30a2", -1), 2);
    /* Counted strings compare only their counts. */
    cr_assert_eq(MNLS_CompareStringW(0x0409, 0, u"abcdef", 3, u"abcxyz", 3), 2);
    cr_assert_eq(MNLS_CompareStringA(0x0409, NORM_IGNORECASE, "Gr\xC3\x9C\xC3\x9F", -1, "gr\xC3\xBC\xC3\x9F", -1), 2);
    cr_assert_eq(MNLS_CompareStringA(0x0409, 0, "abc", 0, "", -1), 2);
    /* Bad input: 0. */
    cr_assert_eq(MNLS_CompareStringW(0x0409, 0x40000000, u"a", -1, u"a", -1), 0);
    cr_assert_eq(MNLS_CompareStringW(0x0409, 0, NULL, -1, u"a", -1), 0);
    cr_assert_eq(MNLS_CompareStringA(0x0409, 0, "a", -7, "a", -1), 0);
}

Test(mnls, out_of_memory_fails_cleanly)
{
    WCHAR w[8];
    for (unsigned long n = 1; n < 6; n++) {
        mapirt_test_fail_alloc(n);
        int r = MNLS_MultiByteToWideChar(CP_ACP, 0, "abc", -1, w, 8);
        unsigned long left = mapirt_test_fail_alloc_pending();
        mapirt_test_fail_alloc(0);
        cr_assert_eq(r, left ? 4 : 0);
        mapirt_test_fail_alloc(n);
        r = MNLS_CompareStringA(0, 0, "abc", -1, "abd", -1);
        left = mapirt_test_fail_alloc_pending();
        mapirt_test_fail_alloc(0);
        cr_assert_eq(r, left ? 1 : 0);
    }
    MAPIRT_LEAK_CHECK();
}

/* A string that runs into a page with no access. */
static char *guarded(const char *text, size_t *page)
{
    *page = (size_t)sysconf(_SC_PAGESIZE);
    char *m = mmap(NULL, 2 * *page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(m, MAP_FAILED);
    cr_assert_eq(mprotect(m + *page, *page, PROT_NONE), 0);
    size_t n = strlen(text);
    memcpy(m + *page - n, text, n); /* no terminator before the guard page */
    return m;
}

Test(badstr, unreadable_memory_is_reported_without_a_fault)
{
    size_t page;
    char *m = guarded("abcd", &page);
    const char *s = m + page - 4;
    cr_assert(IsBadBoundedStringPtr(s, 100), "runs into the guard page");
    cr_assert(IsBadBoundedStringPtr(s, 4), "no terminator within 4 characters");
    m[page - 1] = 0;
    cr_assert_not(IsBadBoundedStringPtr(s, 100));
    cr_assert(IsBadBoundedStringPtr(NULL, 10));
    cr_assert(IsBadBoundedStringPtr(m + page, 10));
    /* Win32's IsBadStringPtrW: readable up to the terminator or ucchMax is enough. */
    const WCHAR *w = (const WCHAR *)(m + page - 4);
    m[page - 1] = 'z';
    cr_assert_not(MNLS_IsBadStringPtrW(w, 2));
    cr_assert(MNLS_IsBadStringPtrW(w, 3));
    cr_assert(MNLS_IsBadStringPtrW(NULL, 3));
    cr_assert_not(MNLS_IsBadStringPtrW(u"ok", 100));
    munmap(m, 2 * page);
}
