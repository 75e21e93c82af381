/* tests/runtime/text/test_fold.c: FL_IGNORECASE's folding against Unicode's own data.
 *
 * Every code point is checked against /usr/share/unicode/CaseFolding.txt (Debian's unicode-data,
 * installed by tools/install-deps): status C and S, the simple case folding, identity otherwise.
 * The older hand-written ranges missed 24 Greek and 76 Cyrillic letters (U+0490, U+04D8, ...). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mapirt/alloc.h>
#include <mapirt/strconv.h>
#include <mapiutil.h>

#include <mapirt/fold.h>

#define MAX_CP 0x110000

static uint32_t *expected_folding(void)
{
    uint32_t *map = malloc(MAX_CP * sizeof(uint32_t));
    cr_assert_not_null(map);
    for (uint32_t c = 0; c < MAX_CP; c++)
        map[c] = c;
    FILE *f = fopen("/usr/share/unicode/CaseFolding.txt", "r");
    cr_assert_not_null(f, "CaseFolding.txt missing: run tools/install-deps (unicode-data)");
    char line[512];
    unsigned n = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned from, to;
        char status;
        if (sscanf(line, "%x; %c; %x;", &from, &status, &to) == 3 &&
            (status == 'C' || status == 'S')) {
            cr_assert_lt(from, MAX_CP);
            map[from] = to;
            n++;
        }
    }
    fclose(f);
    cr_assert_gt(n, 1000);
    return map;
}

Test(fold, every_code_point_matches_unicode_simple_case_folding)
{
    uint32_t *map = expected_folding();
    unsigned wrong = 0;
    for (uint32_t c = 0; c < MAX_CP; c++) {
        if (mapirt_fold(c) != map[c] && wrong++ < 10)
            cr_log_error("U+%04X folds to U+%04X, Unicode says U+%04X", c, mapirt_fold(c),
                         map[c]);
    }
    cr_expect_eq(wrong, 0, "%u code points fold wrongly", wrong);
    free(map);
}

Test(fold, greek_and_cyrillic_compare_ignoring_case)
{
    /* U+0490 GHE WITH UPTURN, U+04D8 SCHWA, U+04E8 BARRED O, U+049A KA WITH DESCENDER,
     * U+04AE STRAIGHT U, U+0370 HETA, U+03D8 ARCHAIC KOPPA, U+03E2 SHEI */
    const WCHAR upper[] = {0x490, 0x4D8, 0x4E8, 0x49A, 0x4AE, 0x370, 0x3D8, 0x3E2, 0};
    const WCHAR lower[] = {0x491, 0x4D9, 0x4E9, 0x49B, 0x4AF, 0x371, 0x3D9, 0x3E3, 0};
    cr_expect_eq(mapirt_str_compare(upper, true, lower, true, FL_IGNORECASE), 0);
    cr_expect_neq(mapirt_str_compare(upper, true, lower, true, 0), 0);
}

Test(fold, out_of_range_values_fold_to_themselves)
{
    cr_expect_eq(mapirt_fold(0x110000), 0x110000);
    cr_expect_eq(mapirt_fold(0xFFFFFFFF), 0xFFFFFFFF);
}

/* Found by fuzzing (tests/fuzz/fuzz_text.c): a UTF-16 string with an unpaired surrogate compared
 * unequal to its own 8-bit conversion, where the surrogate becomes U+FFFD. */
Test(fold, unpaired_surrogate_compares_as_its_conversion)
{
    const WCHAR lone[] = {u'a', 0xD800, u'b', 0};
    char *a = mapirt_str_w_to_a_dup(lone);
    cr_assert_str_eq(a, "a\xEF\xBF\xBD" "b");
    cr_expect_eq(mapirt_str_compare(lone, true, a, false, 0), 0);
    mapirt_free(a);
}

/* The rank of a code point among those that fold as it does (what table sort keys order
 * strings equal ignoring case by): its place in code point order within the class, in as many
 * bits as the class's largest rank needs, for every code point against Unicode's own data. */
Test(fold, rank_is_the_place_in_code_point_order_within_the_folding_class)
{
    uint32_t *map = expected_folding();
    unsigned *size = calloc(MAX_CP, sizeof(unsigned));
    cr_assert_not_null(size);
    for (uint32_t c = 0; c < MAX_CP; c++)
        if (map[c] != c)
            size[map[c]]++; /* members besides the folding itself */
    unsigned *seen = calloc(MAX_CP, sizeof(unsigned));
    cr_assert_not_null(seen);
    unsigned wrong = 0, classes = 0;
    for (uint32_t c = 0; c < MAX_CP; c++) {
        uint32_t f = map[c];
        unsigned members = size[f] + 1, want_bits = 0, want_rank = 0, bits = 99;
        if (members > 1) {
            /* code point order: the class's members below c were seen before it */
            want_rank = seen[f]++;
            want_bits = members > 2 ? 2 : 1;
            classes += c == f;
        }
        uint32_t rank = mapirt_fold_rank(c, &bits);
        if ((rank != want_rank || bits != want_bits) && wrong++ < 10)
            cr_log_error("U+%04X: rank %u in %u bits, expected %u in %u", c, rank, bits,
                want_rank, want_bits);
    }
    cr_expect_eq(wrong, 0, "%u code points ranked wrongly", wrong);
    cr_expect_gt(classes, 1000);
    /* a class of four: theta */
    unsigned b;
    cr_expect_eq(mapirt_fold_rank(0x398, &b), 0);
    cr_expect_eq(mapirt_fold_rank(0x3F4, &b), 3);
    cr_expect_eq(b, 2);
    cr_expect_eq(mapirt_fold_rank('K', &b), 0);
    cr_expect_eq(mapirt_fold_rank(0x212A, &b), 2);
    cr_expect_eq(mapirt_fold_rank(0x110000, &b), 0);
    cr_expect_eq(b, 0);
    free(seen);
    free(size);
    free(map);
}
