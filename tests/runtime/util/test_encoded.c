/* test_encoded.c: CbOfEncoded (runtime/util/encoded.c). */
#include <mapiutil.h>

#include <criterion/criterion.h>
#include <string.h>

Test(encoded, cbofencoded_is_three_bytes_per_four_characters_rounded_up_plus_one_group)
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
