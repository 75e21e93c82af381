/* test_byteorder.c: SwapPword and SwapPlong (runtime/util/byteorder.c), with the values MAPI32
 * gives, unaligned arrays and bad input. */
#include <mapiutil.h>

#include <criterion/criterion.h>
#include <string.h>

Test(byteorder, swappword_swaps_only_the_counted_words)
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

Test(byteorder, swapplong_swaps_only_the_counted_longs)
{
    ULONG l[3] = {0xffff0001, 0x1000ffff, 0x20000001};
    SwapPlong(l, 2);
    cr_assert_eq(l[0], 0x0100ffffu);
    cr_assert_eq(l[1], 0xffff0010u);
    cr_assert_eq(l[2], 0x20000001u);
    SwapPlong(NULL, 3);
}

Test(byteorder, swaps_work_on_unaligned_arrays)
{
    unsigned char buf[1 + 2 * sizeof(ULONG)] = {0, 1, 2, 3, 4, 5, 6, 7, 8};
    SwapPlong((ULONG *)(void *)(buf + 1), 2);
    const unsigned char want[] = {0, 4, 3, 2, 1, 8, 7, 6, 5};
    cr_assert_arr_eq(buf, want, sizeof want);
    SwapPword((USHORT *)(void *)(buf + 1), 1);
    cr_assert_eq(buf[1], 3);
    cr_assert_eq(buf[2], 4);
}
