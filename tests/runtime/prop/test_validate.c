/* test_validate.c: the FBad* validators. */
#include <mapix.h>
#include <mapiutil.h>
#include <mapicode.h>
#if __has_include(<mapival.h>)
#include <mapival.h>
#endif

#include <criterion/criterion.h>
#include <string.h>

#include "propfixture.h"

Test(validate, string_arrays)
{
    LPSTR a[] = {"x", "y"}, holes[] = {"x", NULL};
    LPWSTR w[] = {u"x"}, wholes[] = {NULL};
    cr_assert_not(FBadRglpszA(a, 2));
    cr_assert(FBadRglpszA(holes, 2));
    cr_assert_not(FBadRglpszA(holes, 1));
    cr_assert(FBadRglpszA(NULL, 1));
    cr_assert_not(FBadRglpszA(NULL, 0));
    cr_assert_not(FBadRglpszW(w, 1));
    cr_assert(FBadRglpszW(wholes, 1));
    cr_assert(FBadRglpszW(NULL, 3));
}

Test(validate, prop_tags)
{
    ULONG good[] = {PT_UNSPECIFIED, PT_NULL, PT_I2, PT_LONG, PT_R4, PT_DOUBLE, PT_CURRENCY,
                    PT_APPTIME, PT_ERROR, PT_BOOLEAN, PT_OBJECT, PT_I8, PT_STRING8, PT_UNICODE,
                    PT_SYSTIME, PT_CLSID, PT_BINARY, PT_MV_I2, PT_MV_LONG, PT_MV_R4, PT_MV_DOUBLE,
                    PT_MV_CURRENCY, PT_MV_APPTIME, PT_MV_I8, PT_MV_STRING8, PT_MV_UNICODE,
                    PT_MV_SYSTIME, PT_MV_CLSID, PT_MV_BINARY, MVI_FLAG | PT_LONG,
                    MVI_FLAG | PT_UNICODE};
    ULONG bad[] = {8, 9, 12, 14, 0x15, 0x1D, 0x20, 0x41, 0x49, 0x101, 0x103, 0xFFFF,
                   MV_FLAG | PT_NULL, MV_FLAG | PT_BOOLEAN, MV_FLAG | PT_ERROR, MV_FLAG | PT_OBJECT,
                   MV_INSTANCE | PT_LONG, MV_FLAG | PT_UNSPECIFIED};
    for (size_t i = 0; i < sizeof(good) / sizeof(ULONG); i++)
        cr_assert_not(FBadPropTag(PROP_TAG(good[i], 0x8001)), "type 0x%x", good[i]);
    for (size_t i = 0; i < sizeof(bad) / sizeof(ULONG); i++)
        cr_assert(FBadPropTag(PROP_TAG(bad[i], 0x8001)), "type 0x%x", bad[i]);
}

Test(validate, props_rows_rowsets)
{
    SPropValue all[FIXTURE_MAX];
    int n = fixture_all_types(all);
    for (int i = 0; i < n; i++)
        cr_assert_not(FBadProp(&all[i]), "fixture %d", i);
    cr_assert(FBadProp(NULL));
    SPropValue p = all[10];
    p.Value.lpszA = NULL;
    cr_assert(FBadProp(&p));
    p.ulPropTag = PROP_TAG(0x0009, 1);
    cr_assert(FBadProp(&p));

    SRow row = {0, (ULONG)n, all};
    cr_assert_not(FBadRow(&row));
    cr_assert(FBadRow(NULL));
    SRow empty = {0, 0, NULL};
    cr_assert_not(FBadRow(&empty));
    SRow lying = {0, 3, NULL};
    cr_assert(FBadRow(&lying));

    struct { ULONG cRows; SRow aRow[2]; } set = {2, {{0, (ULONG)n, all}, {0, 0, NULL}}};
    cr_assert_not(FBadRowSet((LPSRowSet)&set));
    set.aRow[1] = lying;
    cr_assert(FBadRowSet((LPSRowSet)&set));
    cr_assert(FBadRowSet(NULL));
    all[4].ulPropTag = PROP_TAG(0x0008, 0x6004);
    set.aRow[1] = empty;
    cr_assert(FBadRowSet((LPSRowSet)&set));
}

Test(validate, column_sets_and_sort_orders)
{
    struct { ULONG cValues; ULONG aulPropTag[3]; } cols = {3, {PROP_TAG(PT_LONG, 1), PR_NULL,
                                                               PROP_TAG(PT_MV_STRING8, 2) | MVI_FLAG}};
    cr_assert_not(FBadColumnSet((LPSPropTagArray)&cols), "PT_NULL columns are valid");
    cols.aulPropTag[1] = PROP_TAG(PT_ERROR, 5);
    cr_assert(FBadColumnSet((LPSPropTagArray)&cols), "PT_ERROR columns are not");
    cols.aulPropTag[1] = PROP_TAG(0x0009, 5);
    cr_assert(FBadColumnSet((LPSPropTagArray)&cols));
    cols.cValues = 0;
    cr_assert(FBadColumnSet((LPSPropTagArray)&cols));
    cr_assert(FBadColumnSet(NULL));

    struct { ULONG cSorts, cCategories, cExpanded; SSortOrder aSort[2]; } sos = {
        2, 1, 1, {{PROP_TAG(PT_STRING8, 1), TABLE_SORT_ASCEND}, {PROP_TAG(PT_LONG, 2), TABLE_SORT_DESCEND}}};
    cr_assert_not(FBadSortOrderSet((LPSSortOrderSet)&sos));
    sos.aSort[1].ulOrder = TABLE_SORT_COMBINE;
    cr_assert_not(FBadSortOrderSet((LPSSortOrderSet)&sos));
    sos.aSort[1].ulOrder = 0x10;
    cr_assert(FBadSortOrderSet((LPSSortOrderSet)&sos));
    sos.aSort[1].ulOrder = TABLE_SORT_ASCEND;
    sos.cCategories = 3;
    cr_assert(FBadSortOrderSet((LPSSortOrderSet)&sos), "more categories than sorts");
    sos.cCategories = 1;
    sos.cExpanded = 2;
    cr_assert(FBadSortOrderSet((LPSSortOrderSet)&sos), "more expanded than categories");
    sos.cExpanded = 0;
    sos.aSort[0].ulPropTag = PROP_TAG(0x0009, 1);
    cr_assert(FBadSortOrderSet((LPSSortOrderSet)&sos));
    cr_assert(FBadSortOrderSet(NULL));
}

Test(validate, entry_lists_and_names)
{
    BYTE id[] = {0, 0, 0, 0, 1, 2};
    SBinary ids[] = {{6, id}, {6, id}};
    ENTRYLIST el = {2, ids};
    cr_assert_not(FBadEntryList(&el));
    ids[1].lpb = NULL;
    cr_assert(FBadEntryList(&el));
    ids[1] = (SBinary){0, id};
    cr_assert(FBadEntryList(&el), "an empty entry ID");
    ENTRYLIST none = {0, NULL};
    cr_assert_not(FBadEntryList(&none));
    ENTRYLIST lying = {1, NULL};
    cr_assert(FBadEntryList(&lying));
    cr_assert(FBadEntryList(NULL));

    GUID g = {1, 2, 3, {4}};
    MAPINAMEID byid = {&g, MNID_ID, {.lID = 0x8001}};
    MAPINAMEID byname = {&g, MNID_STRING, {.lpwstrName = u"Keywords"}};
    LPMAPINAMEID names[] = {&byid, &byname};
    cr_assert_not(FBadRglpNameID(names, 2));
    cr_assert_not(FBadRglpNameID(NULL, 0));
    cr_assert(FBadRglpNameID(NULL, 1));
    byname.Kind.lpwstrName = NULL;
    cr_assert(FBadRglpNameID(names, 2));
    byname.Kind.lpwstrName = u"x";
    byname.ulKind = 7;
    cr_assert(FBadRglpNameID(names, 2));
    byname.ulKind = MNID_STRING;
    byid.lpguid = NULL;
    cr_assert(FBadRglpNameID(names, 2));
    LPMAPINAMEID hole[] = {NULL};
    cr_assert(FBadRglpNameID(hole, 1));
}

Test(validate, restrictions)
{
    SPropValue str = {PROP_TAG(PT_STRING8, 0x0037), 0, {.lpszA = "subject"}};
    SPropValue num = {PROP_TAG(PT_LONG, 0x0E08), 0, {.l = 10}};
    SPropValue bad = {PROP_TAG(PT_STRING8, 0x0037), 0, {.lpszA = NULL}};
    SRestriction leaves[] = {
        {RES_CONTENT, {.resContent = {FL_SUBSTRING | FL_IGNORECASE, PROP_TAG(PT_STRING8, 0x0037), &str}}},
        {RES_PROPERTY, {.resProperty = {RELOP_GE, PROP_TAG(PT_LONG, 0x0E08), &num}}},
        {RES_COMPAREPROPS, {.resCompareProps = {RELOP_EQ, PROP_TAG(PT_LONG, 1), PROP_TAG(PT_LONG, 2)}}},
        {RES_BITMASK, {.resBitMask = {BMR_NEZ, PROP_TAG(PT_LONG, 0x0E07), 4}}},
        {RES_SIZE, {.resSize = {RELOP_LT, PROP_TAG(PT_BINARY, 0x0FFF), 100}}},
        {RES_EXIST, {.resExist = {0, PROP_TAG(PT_STRING8, 0x0037), 0}}},
        {RES_CONTENT, {.resContent = {FL_PREFIX, PROP_TAG(PT_MV_UNICODE, 0x8000), &str}}},
    };
    size_t nl = sizeof(leaves) / sizeof(leaves[0]);
    for (size_t i = 0; i < nl; i++)
        cr_assert_not(FBadRestriction(&leaves[i]), "leaf %zu", i);
    SRestriction and_ = {RES_AND, {.resAnd = {(ULONG)nl, leaves}}};
    SRestriction not_ = {RES_NOT, {.resNot = {0, &and_}}};
    SRestriction or_ = {RES_OR, {.resOr = {1, &not_}}};
    SRestriction sub = {RES_SUBRESTRICTION, {.resSub = {PROP_TAG(PT_OBJECT, 0x0E12), &or_}}};
    SRestriction comment = {RES_COMMENT, {.resComment = {1, &sub, &num}}};
    cr_assert_not(FBadRestriction(&comment));
    SRestriction empty_and = {RES_AND, {.resAnd = {0, NULL}}};
    cr_assert_not(FBadRestriction(&empty_and));
    SRestriction bare_comment = {RES_COMMENT, {.resComment = {0, NULL, NULL}}};
    cr_assert_not(FBadRestriction(&bare_comment));

    SRestriction bads[] = {
        {RES_CONTENT, {.resContent = {FL_SUBSTRING, PROP_TAG(PT_LONG, 0x0E08), &num}}},
        {RES_CONTENT, {.resContent = {FL_SUBSTRING, PROP_TAG(PT_STRING8, 0x0037), &num}}},
        {RES_CONTENT, {.resContent = {FL_SUBSTRING, PROP_TAG(PT_STRING8, 0x0037), NULL}}},
        {RES_CONTENT, {.resContent = {FL_SUBSTRING, PROP_TAG(PT_STRING8, 0x0037), &bad}}},
        {RES_PROPERTY, {.resProperty = {7, PROP_TAG(PT_LONG, 0x0E08), &num}}},
        {RES_PROPERTY, {.resProperty = {RELOP_EQ, PROP_TAG(PT_LONG, 0x0E08), NULL}}},
        {RES_PROPERTY, {.resProperty = {RELOP_EQ, PROP_TAG(0x0009, 0x0E08), &num}}},
        {RES_COMPAREPROPS, {.resCompareProps = {RELOP_EQ, PROP_TAG(PT_LONG, 1), PROP_TAG(0x0009, 2)}}},
        {RES_BITMASK, {.resBitMask = {2, PROP_TAG(PT_LONG, 0x0E07), 4}}},
        {RES_SIZE, {.resSize = {RELOP_RE, PROP_TAG(PT_BINARY, 0x0FFF), 100}}},
        {RES_EXIST, {.resExist = {0, PROP_TAG(0x0009, 0x0037), 0}}},
        {RES_NOT, {.resNot = {0, NULL}}},
        {RES_AND, {.resAnd = {2, NULL}}},
        {RES_SUBRESTRICTION, {.resSub = {PROP_TAG(PT_OBJECT, 0x0E12), NULL}}},
        {RES_COMMENT, {.resComment = {1, NULL, NULL}}},
        {RES_COMMENT, {.resComment = {1, NULL, &bad}}},
        {11, {.resExist = {0, PROP_TAG(PT_LONG, 1), 0}}},
        {0xFFFFFFFF, {.resExist = {0, PROP_TAG(PT_LONG, 1), 0}}},
    };
    for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++)
        cr_assert(FBadRestriction(&bads[i]), "bad %zu", i);
    /* one bad leaf deep inside */
    leaves[3].res.resBitMask.relBMR = 9;
    cr_assert(FBadRestriction(&comment));
    cr_assert(FBadRestriction(NULL));
    /* a restriction that contains itself is rejected, not recursed into forever */
    SRestriction loop = {RES_NOT, {.resNot = {0, NULL}}};
    loop.res.resNot.lpRes = &loop;
    cr_assert(FBadRestriction(&loop));
}
