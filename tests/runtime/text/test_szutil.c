/* test_szutil.c: UFromSz, UlFromSzHex, SwapPword, SwapPlong, CbOfEncoded and
 * IsBadBoundedStringPtr (runtime/text/szutil.c), with the values MAPI32 gives and bad input. */
#include <mapiutil.h>

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

Test(szutil, ufromsz_reads_leading_decimal_digits)
{
    cr_assert_eq(UFromSz((LPCTSTR) "105679"), 105679u);
    cr_assert_eq(UFromSz((LPCTSTR) "42abc"), 42u);
    cr_assert_eq(UFromSz((LPCTSTR) "007"), 7u);
    cr_assert_eq(UFromSz((LPCTSTR) "4294967295"), 4294967295u);
}

Test(szutil, ufromsz_bad_input_is_zero)
{
    cr_assert_eq(UFromSz((LPCTSTR) " 4"), 0u, "no leading blanks");
    cr_assert_eq(UFromSz((LPCTSTR) "-4"), 0u, "no sign");
    cr_assert_eq(UFromSz((LPCTSTR) ""), 0u);
    cr_assert_eq(UFromSz(NULL), 0u);
    cr_assert_eq(UFromSz((LPCTSTR) "4294967296"), 0u, "wraps past UINT_MAX");
}

Test(szutil, ulfromszhex_reads_leading_hex_digits)
{
    cr_assert_eq(UlFromSzHex((LPCTSTR) "fF"), 0xFFu);
    cr_assert_eq(UlFromSzHex((LPCTSTR) "DEADbeef"), 0xDEADBEEFu);
    cr_assert_eq(UlFromSzHex((LPCTSTR) "10g"), 0x10u);
}

Test(szutil, ulfromszhex_bad_input_is_zero)
{
    cr_assert_eq(UlFromSzHex((LPCTSTR) " c"), 0u);
    cr_assert_eq(UlFromSzHex((LPCTSTR) "0x10"), 0u, "no prefix");
    cr_assert_eq(UlFromSzHex((LPCTSTR) "g"), 0u);
    cr_assert_eq(UlFromSzHex(NULL), 0u);
    cr_assert_eq(UlFromSzHex((LPCTSTR) "123456789"), 0x23456789u, "keeps the low 32 bits");
}

Test(szutil, swappword_swaps_only_the_counted_words)
{
    USHORT w[3] = {0xff01, 0x10ff, 0x2001};
    SwapPword(w, 2);
    cr_assert_eq(w[0], 0x01ff);
    cr_assert_eq(w[1], 0xff10);
    cr_assert_eq(w[2], 0x2001, "the third word is not counted");
    SwapPword(w, 0);
    cr_assert_eq(w[0], 0x01ff);
    SwapPword(NULL, 5); /* nothing to swap: no crash */
}

Test(szutil, swapplong_swaps_only_the_counted_longs)
{
    ULONG l[3] = {0xffff0001, 0x1000ffff, 0x20000001};
    SwapPlong(l, 2);
    cr_assert_eq(l[0], 0x0100ffffu);
    cr_assert_eq(l[1], 0xffff0010u);
    cr_assert_eq(l[2], 0x20000001u);
    SwapPlong(NULL, 3);
}

Test(szutil, swaps_work_on_unaligned_arrays)
{
    unsigned char buf[1 + 2 * sizeof(ULONG)] = {0, 1, 2, 3, 4, 5, 6, 7, 8};
    SwapPlong((ULONG *)(void *)(buf + 1), 2);
    const unsigned char want[] = {0, 4, 3, 2, 1, 8, 7, 6, 5};
    cr_assert_arr_eq(buf, want, sizeof want);
    SwapPword((USHORT *)(void *)(buf + 1), 1);
    cr_assert_eq(buf[1], 3);
    cr_assert_eq(buf[2], 4);
}

Test(szutil, cbofencoded_is_three_bytes_per_four_characters_rounded_up_plus_one_group)
{
    char buf[130];
    for (unsigned n = 0; n < 129; n++) {
        memset(buf, '?', n);
        buf[n] = '\0';
        cr_assert_eq(CbOfEncoded(buf), (((n | 3) >> 2) + 1) * 3, "length %u", n);
    }
    cr_assert_eq(CbOfEncoded(""), 3u);
    cr_assert_eq(CbOfEncoded("abcd"), 6u);
    cr_assert_eq(CbOfEncoded(NULL), 0u);
}

Test(szutil, isbadboundedstringptr_checks_the_terminator_within_the_bound)
{
    cr_assert_eq(IsBadBoundedStringPtr(NULL, 0), TRUE);
    cr_assert_eq(IsBadBoundedStringPtr(NULL, 100), TRUE);
    cr_assert_eq(IsBadBoundedStringPtr("TEST", 4), TRUE, "no room for the terminator");
    cr_assert_eq(IsBadBoundedStringPtr("TEST", 5), FALSE);
    cr_assert_eq(IsBadBoundedStringPtr("", 1), FALSE);
    cr_assert_eq(IsBadBoundedStringPtr("", 0), TRUE);
}

Test(szutil, isbadboundedstringptr_reads_no_further_than_the_bound)
{
    /* Exactly cchMax bytes, no terminator, heap-allocated so that AddressSanitizer would report
     * a read past them. */
    char *p = malloc(8);
    cr_assert_not_null(p);
    memset(p, 'x', 8);
    cr_assert_eq(IsBadBoundedStringPtr(p, 8), TRUE);
    p[7] = '\0';
    cr_assert_eq(IsBadBoundedStringPtr(p, 8), FALSE);
    cr_assert_eq(IsBadBoundedStringPtr(p, 7), TRUE);
    free(p);
}
