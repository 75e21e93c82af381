/* test_szutil.c: UFromSz, UlFromSzHex (runtime/text/szutil.c) and IsBadBoundedStringPtr (mapiwin.h), with
 * the values MAPI32 gives and bad input. */
#include <mapiutil.h>
#include <mapiwin.h>

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
    cr_assert_eq(UFromSz((LPCTSTR) "4294967296"), 4294967295u, "saturates past UINT_MAX");
    cr_assert_eq(UFromSz((LPCTSTR) "99999999999999999999"), 4294967295u);
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
