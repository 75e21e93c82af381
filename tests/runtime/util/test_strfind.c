/* test_strfind.c: SzFindCh/SzFindLastCh/SzFindSz, ScBinFromHexBounded, GetInstance. */
#include <mapiutil.h>
#include <mapicode.h>

#include <criterion/criterion.h>
#include <string.h>

Test(strfind, find_characters_and_substrings)
{
    char s[] = "a/b/c\xC3\xBC" "d\xC3\xBC";
    cr_assert_eq(SzFindCh(s, '/'), s + 1);
    cr_assert_eq(SzFindLastCh(s, '/'), s + 3);
    cr_assert_eq(SzFindCh(s, 'z'), NULL);
    cr_assert_eq(SzFindCh(s, 0), s + strlen(s), "the terminator is found, as strchr does");
    /* A character above 0x7F is a code point, found as UTF-8. */
    cr_assert_eq(SzFindCh(s, 0xFC), s + 5);
    cr_assert_eq(SzFindLastCh(s, 0xFC), s + 8);
    cr_assert_eq(SzFindCh(s, 0x20AC), NULL);
    cr_assert_eq(SzFindSz(s, "b/c"), s + 2);
    cr_assert_eq(SzFindSz(s, ""), s);
    cr_assert_eq(SzFindSz(s, "cd"), NULL);
    cr_assert_null(SzFindCh(NULL, 'a'));
    cr_assert_null(SzFindLastCh(NULL, 'a'));
    cr_assert_null(SzFindSz(NULL, "a"));
    cr_assert_null(SzFindSz(s, NULL));
}

Test(strfind, bounded_hex)
{
    BYTE b[4] = {9, 9, 9, 9};
    cr_assert_eq(ScBinFromHexBounded("0aFf10", b, 4), S_OK);
    cr_assert_eq(b[0], 0x0A);
    cr_assert_eq(b[1], 0xFF);
    cr_assert_eq(b[2], 0x10);
    cr_assert_eq(b[3], 9);
    /* Only the first cb bytes are converted. */
    cr_assert_eq(ScBinFromHexBounded("112233445566", b, 2), S_OK);
    cr_assert_eq(b[1], 0x22);
    cr_assert_eq(b[2], 0x10);
    memset(b, 9, 4);
    cr_assert_eq(ScBinFromHexBounded("12x4", b, 4), MAPI_E_CALL_FAILED);
    cr_assert_eq(ScBinFromHexBounded("123", b, 4), MAPI_E_CALL_FAILED);
    cr_assert_eq(b[0], 9, "nothing written on bad input");
    cr_assert_eq(ScBinFromHexBounded(NULL, b, 4), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(ScBinFromHexBounded("12", NULL, 1), MAPI_E_INVALID_PARAMETER);
}

Test(strfind, get_instance)
{
    LPSTR strs[] = {"zero", "one"};
    SPropValue mv = {PROP_TAG(PT_MV_STRING8 | MV_INSTANCE, 0x6700), 0, {0}};
    mv.Value.MVszA.cValues = 2;
    mv.Value.MVszA.lppszA = strs;
    SPropValue sv = {0};
    GetInstance(&mv, &sv, 1);
    cr_assert_eq(sv.ulPropTag, PROP_TAG(PT_STRING8, 0x6700));
    cr_assert_str_eq(sv.Value.lpszA, "one");
    LONG longs[] = {5, 6, 7};
    SPropValue mvl = {PROP_TAG(PT_MV_LONG, 0x6701), 0, {0}};
    mvl.Value.MVl.cValues = 3;
    mvl.Value.MVl.lpl = longs;
    GetInstance(&mvl, &sv, 2);
    cr_assert_eq(sv.ulPropTag, PROP_TAG(PT_LONG, 0x6701));
    cr_assert_eq(sv.Value.l, 7);
    /* Out of range or not multi-valued: untouched. */
    GetInstance(&mvl, &sv, 3);
    cr_assert_eq(sv.Value.l, 7);
    SPropValue single = {PR_SUBJECT_A, 0, {0}};
    GetInstance(&single, &sv, 0);
    cr_assert_eq(sv.ulPropTag, PROP_TAG(PT_LONG, 0x6701));
    GetInstance(NULL, &sv, 0);
    GetInstance(&mv, NULL, 0);
}
