/* test_propcompare.c: LPropCompareProp, FPropCompareProp, FPropContainsProp and the extended
 * forms of mapirt/proputil.h. */
#include <mapix.h>
#include <mapiutil.h>
#include <mapicode.h>

#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include <mapirt/proputil.h>

#include "propfixture.h"

static SPropValue pv(ULONG type)
{
    SPropValue p;
    memset(&p, 0, sizeof(p));
    p.ulPropTag = PROP_TAG(type, 0x6100);
    return p;
}

static SPropValue lng(LONG v) { SPropValue p = pv(PT_LONG); p.Value.l = v; return p; }
static SPropValue s8(const char *s) { SPropValue p = pv(PT_STRING8); p.Value.lpszA = (LPSTR)s; return p; }
static SPropValue sw(const WCHAR *s) { SPropValue p = pv(PT_UNICODE); p.Value.lpszW = (LPWSTR)s; return p; }
static SPropValue bin(const void *b, ULONG cb)
{
    SPropValue p = pv(PT_BINARY);
    p.Value.bin.cb = cb;
    p.Value.bin.lpb = (LPBYTE)b;
    return p;
}

/* a < b, b > a, a == a, and LPropCompareProp's sign agrees with the expectation */
static void ordered(SPropValue a, SPropValue b, const char *what)
{
    cr_assert_lt(LPropCompareProp(&a, &b), 0, "%s: a < b", what);
    cr_assert_gt(LPropCompareProp(&b, &a), 0, "%s: b > a", what);
    cr_assert_eq(LPropCompareProp(&a, &a), 0, "%s: a == a", what);
    cr_assert(FPropCompareProp(&a, RELOP_LT, &b), "%s", what);
    cr_assert(FPropCompareProp(&a, RELOP_LE, &b), "%s", what);
    cr_assert_not(FPropCompareProp(&a, RELOP_GT, &b), "%s", what);
    cr_assert_not(FPropCompareProp(&a, RELOP_GE, &b), "%s", what);
    cr_assert_not(FPropCompareProp(&a, RELOP_EQ, &b), "%s", what);
    cr_assert(FPropCompareProp(&a, RELOP_NE, &b), "%s", what);
    cr_assert(FPropCompareProp(&b, RELOP_GT, &a), "%s", what);
    cr_assert(FPropCompareProp(&b, RELOP_GE, &a), "%s", what);
    cr_assert(FPropCompareProp(&a, RELOP_EQ, &a), "%s", what);
    cr_assert(FPropCompareProp(&a, RELOP_LE, &a), "%s", what);
    cr_assert(FPropCompareProp(&a, RELOP_GE, &a), "%s", what);
    cr_assert_not(FPropCompareProp(&a, RELOP_NE, &a), "%s", what);
}

static void equal(SPropValue a, SPropValue b, const char *what)
{
    cr_assert_eq(LPropCompareProp(&a, &b), 0, "%s", what);
    cr_assert(FPropCompareProp(&a, RELOP_EQ, &b), "%s", what);
}

Test(propcompare, scalar_types)
{
    SPropValue a, b;
    a = pv(PT_I2); b = pv(PT_I2); a.Value.i = -5; b.Value.i = 3; ordered(a, b, "I2");
    ordered(lng(-100), lng(7), "LONG");
    a = pv(PT_R4); b = pv(PT_R4); a.Value.flt = -0.5f; b.Value.flt = 0.25f; ordered(a, b, "R4");
    a = pv(PT_DOUBLE); b = pv(PT_DOUBLE); a.Value.dbl = 1e10; b.Value.dbl = 1e11; ordered(a, b, "DOUBLE");
    a.Value.dbl = NAN; ordered(a, b, "NaN first");
    b.Value.dbl = NAN; equal(a, b, "NaN == NaN");
    a = pv(PT_APPTIME); b = pv(PT_APPTIME); a.Value.at = 1.5; b.Value.at = 2; ordered(a, b, "APPTIME");
    a = pv(PT_CURRENCY); b = pv(PT_CURRENCY); a.Value.cur.int64 = -1; b.Value.cur.int64 = 1; ordered(a, b, "CURRENCY");
    a = pv(PT_I8); b = pv(PT_I8); a.Value.li.QuadPart = -(1LL << 62); b.Value.li.QuadPart = 1; ordered(a, b, "I8");
    a = pv(PT_SYSTIME); b = pv(PT_SYSTIME);
    a.Value.ft = (FILETIME){0xFFFFFFFF, 0x7FFFFFFF};
    b.Value.ft = (FILETIME){0, 0x80000000};
    ordered(a, b, "SYSTIME unsigned");
    a.Value.ft = (FILETIME){1, 5}; b.Value.ft = (FILETIME){2, 5}; ordered(a, b, "SYSTIME low part");
    a = pv(PT_BOOLEAN); b = pv(PT_BOOLEAN); a.Value.b = 0; b.Value.b = 1; ordered(a, b, "BOOLEAN");
    a.Value.b = 2; equal(a, b, "any nonzero BOOLEAN is TRUE");
    a = pv(PT_ERROR); b = pv(PT_ERROR); a.Value.err = 5; b.Value.err = MAPI_E_NOT_FOUND; ordered(a, b, "ERROR");
    a = pv(PT_NULL); b = pv(PT_NULL); equal(a, b, "NULL");
    a = pv(PT_OBJECT); b = pv(PT_OBJECT); equal(a, b, "OBJECT");
    GUID g1 = {1, 2, 3, {4}}, g2 = {1, 2, 3, {5}};
    a = pv(PT_CLSID); b = pv(PT_CLSID); a.Value.lpguid = &g1; b.Value.lpguid = &g2; ordered(a, b, "CLSID");
    GUID g3 = g1;
    b.Value.lpguid = &g3; equal(a, b, "CLSID equal");
}

Test(propcompare, strings_and_binaries)
{
    ordered(s8("apple"), s8("banana"), "STRING8");
    ordered(s8("ab"), s8("abc"), "prefix first");
    ordered(s8("apple"), s8("Banana"), "case-insensitive primary order");
    ordered(s8("Banana"), s8("banana"), "exact tie-break");
    ordered(s8(""), s8("a"), "empty first");
    equal(s8("same"), s8("same"), "STRING8 equal");
    ordered(sw(u"\u00e9a"), sw(u"\u00e9b"), "UNICODE");
    ordered(sw(u"abc"), sw(u"ABD"), "UNICODE folded");
    equal(sw(u"x\u00ff"), sw(u"x\u00ff"), "UNICODE equal");
    ordered(bin("\x01\x02", 2), bin("\x01\x03", 2), "BINARY bytes");
    ordered(bin("\x01\x02", 2), bin("\x01\x02\x00", 3), "BINARY prefix first");
    ordered(bin("\x01\xFF", 2), bin("\x02", 1), "BINARY bytewise before length");
    ordered(bin(NULL, 0), bin("\x00", 1), "BINARY empty first");
    equal(bin("abc", 3), bin("abc", 3), "BINARY equal");
}

Test(propcompare, multi_valued)
{
    LONG l1[] = {1, 2, 3}, l2[] = {1, 2, 4}, l3[] = {1, 2};
    SPropValue a = pv(PT_MV_LONG), b = pv(PT_MV_LONG);
    a.Value.MVl.cValues = 3; a.Value.MVl.lpl = l1;
    b.Value.MVl.cValues = 3; b.Value.MVl.lpl = l2;
    ordered(a, b, "MV_LONG element");
    b.Value.MVl.cValues = 2; b.Value.MVl.lpl = l3;
    ordered(b, a, "MV_LONG shorter first");
    LPSTR s1[] = {"a", "B"}, s2[] = {"a", "c"};
    a = pv(PT_MV_STRING8); b = pv(PT_MV_STRING8);
    a.Value.MVszA.cValues = 2; a.Value.MVszA.lppszA = s1;
    b.Value.MVszA.cValues = 2; b.Value.MVszA.lppszA = s2;
    ordered(a, b, "MV_STRING8");
    SPropValue all[FIXTURE_MAX], copy[FIXTURE_MAX];
    int n = fixture_all_types(all);
    fixture_all_types(copy);
    for (int i = 0; i < n; i++)
        equal(all[i], copy[i], "fixture value equals itself");
    /* MVI instance values are single values */
    SPropValue i1 = all[n - 1], i2 = all[n - 1];
    i2.Value.lpszA = "three";
    cr_assert_gt(LPropCompareProp(&i1, &i2), 0);
}

Test(propcompare, types_and_bad_arguments)
{
    SPropValue a = lng(5), b = s8("5");
    /* different types: consistent and antisymmetric, never equal */
    LONG ab = LPropCompareProp(&a, &b), ba = LPropCompareProp(&b, &a);
    cr_assert_neq(ab, 0);
    cr_assert_eq(ab > 0, ba < 0);
    cr_assert_not(FPropCompareProp(&a, RELOP_EQ, &b));
    cr_assert_not(FPropCompareProp(&a, RELOP_NE, &b), "mismatched types satisfy no relation");
    SPropValue w = sw(u"5");
    cr_assert_not(FPropCompareProp(&b, RELOP_EQ, &w), "FPropCompareProp needs identical types");
    cr_assert_not(FPropCompareProp(&a, 7, &a));
    cr_assert_not(FPropCompareProp(&a, 0xFFFFFFFF, &a));
    cr_assert_not(FPropCompareProp(NULL, RELOP_EQ, &a));
    cr_assert_not(FPropCompareProp(&a, RELOP_EQ, NULL));
    cr_assert_eq(LPropCompareProp(NULL, NULL), 0);
    cr_assert_lt(LPropCompareProp(NULL, &a), 0);
    cr_assert_gt(LPropCompareProp(&a, NULL), 0);
}

Test(propcompare, regular_expressions)
{
    SPropValue v = s8("hello world"), p = s8("^hel+o w");
    cr_assert(FPropCompareProp(&v, RELOP_RE, &p));
    p = s8("wor(ld|m)$");
    cr_assert(FPropCompareProp(&v, RELOP_RE, &p));
    p = s8("^world");
    cr_assert_not(FPropCompareProp(&v, RELOP_RE, &p));
    p = s8("(unclosed");
    cr_assert_not(FPropCompareProp(&v, RELOP_RE, &p), "an invalid pattern matches nothing");
    SPropValue wv = sw(u"caf\u00e9 au lait"), wp = sw(u"caf\u00e9 .u");
    cr_assert(FPropCompareProp(&wv, RELOP_RE, &wp));
    SPropValue l = lng(1);
    cr_assert_not(FPropCompareProp(&l, RELOP_RE, &l), "RELOP_RE is for strings only");
    /* extended: across widths and ignoring case */
    p = s8("CAF");
    cr_assert_not(mapirt_prop_relop(&wv, RELOP_RE, &p, 0));
    cr_assert(mapirt_prop_relop(&wv, RELOP_RE, &p, FL_IGNORECASE));
}

Test(propcompare, extended_relop)
{
    SPropValue a = s8("Hello"), w = sw(u"hello");
    cr_assert(mapirt_prop_relop(&a, RELOP_NE, &w, 0), "exact across widths");
    cr_assert(mapirt_prop_relop(&a, RELOP_EQ, &w, FL_IGNORECASE));
    cr_assert_eq(mapirt_prop_compare(&a, &w, FL_IGNORECASE), 0);
    cr_assert_lt(mapirt_prop_compare(&a, &w, 0), 0);
    LONG vals[] = {3, 9, 27};
    SPropValue mv = pv(PT_MV_LONG);
    mv.Value.MVl.cValues = 3;
    mv.Value.MVl.lpl = vals;
    SPropValue nine = lng(9), ten = lng(10), thirty = lng(30);
    cr_assert(mapirt_prop_relop(&mv, RELOP_EQ, &nine, 0), "any value equal");
    cr_assert_not(mapirt_prop_relop(&mv, RELOP_EQ, &ten, 0));
    cr_assert(mapirt_prop_relop(&mv, RELOP_GT, &ten, 0));
    cr_assert_not(mapirt_prop_relop(&mv, RELOP_GT, &thirty, 0));
    cr_assert_not(FPropCompareProp(&mv, RELOP_EQ, &nine), "public form needs identical types");
    SPropValue e;
    cr_assert(mapirt_prop_mv_element(&mv, 2, &e));
    cr_assert_eq(e.ulPropTag, PROP_TAG(PT_LONG, 0x6100));
    cr_assert_eq(e.Value.l, 27);
    cr_assert_not(mapirt_prop_mv_element(&mv, 3, &e));
    cr_assert_not(mapirt_prop_mv_element(&nine, 0, &e));
    cr_assert_not(mapirt_prop_relop(NULL, RELOP_EQ, &nine, 0));
    cr_assert_not(mapirt_prop_relop(&nine, 9, &nine, 0));
}

Test(propcompare, contains_strings)
{
    SPropValue d = s8("The Quick Brown Fox"), s;
    s = s8("The Quick Brown Fox"); cr_assert(FPropContainsProp(&d, &s, FL_FULLSTRING));
    s = s8("The Quick"); cr_assert_not(FPropContainsProp(&d, &s, FL_FULLSTRING));
    cr_assert(FPropContainsProp(&d, &s, FL_PREFIX));
    s = s8("Brown"); cr_assert_not(FPropContainsProp(&d, &s, FL_PREFIX));
    cr_assert(FPropContainsProp(&d, &s, FL_SUBSTRING));
    s = s8("brown"); cr_assert_not(FPropContainsProp(&d, &s, FL_SUBSTRING));
    cr_assert(FPropContainsProp(&d, &s, FL_SUBSTRING | FL_IGNORECASE));
    cr_assert(FPropContainsProp(&d, &s, FL_SUBSTRING | FL_LOOSE));
    s = s8("Quick"); cr_assert_not(FPropContainsProp(&d, &s, 3), "invalid low word: full string");
    SPropValue wd = sw(u"Na\u00efve Caf\u00e9"), ws = sw(u"CAFE");
    cr_assert_not(FPropContainsProp(&wd, &ws, FL_SUBSTRING | FL_IGNORECASE));
    cr_assert(FPropContainsProp(&wd, &ws, FL_SUBSTRING | FL_LOOSE));
    ws = sw(u"naive");
    cr_assert(FPropContainsProp(&wd, &ws, FL_PREFIX | FL_IGNORECASE | FL_IGNORENONSPACE));
    /* the public function needs equal types; the extended one compares across widths */
    SPropValue s8v = s8("Caf");
    cr_assert_not(FPropContainsProp(&wd, &s8v, FL_SUBSTRING));
    cr_assert(mapirt_prop_contains(&wd, &s8v, FL_SUBSTRING));
    SPropValue l = lng(1);
    cr_assert_not(FPropContainsProp(&l, &l, FL_FULLSTRING), "only strings and binaries");
    cr_assert_not(FPropContainsProp(NULL, &s, FL_FULLSTRING));
    cr_assert_not(FPropContainsProp(&d, NULL, FL_FULLSTRING));
}

Test(propcompare, contains_binaries_and_multivalued)
{
    SPropValue d = bin("\x01\x02\x03\x04\x05", 5), s;
    s = bin("\x01\x02\x03\x04\x05", 5); cr_assert(FPropContainsProp(&d, &s, FL_FULLSTRING));
    s = bin("\x01\x02", 2);
    cr_assert_not(FPropContainsProp(&d, &s, FL_FULLSTRING));
    cr_assert(FPropContainsProp(&d, &s, FL_PREFIX));
    cr_assert(FPropContainsProp(&d, &s, FL_PREFIX | FL_IGNORECASE), "case bits ignored for bytes");
    s = bin("\x03\x04\x05", 3);
    cr_assert_not(FPropContainsProp(&d, &s, FL_PREFIX));
    cr_assert(FPropContainsProp(&d, &s, FL_SUBSTRING));
    s = bin("\x04\x05\x06", 3); cr_assert_not(FPropContainsProp(&d, &s, FL_SUBSTRING));
    s = bin("\x01\x02\x03\x04\x05\x06", 6); cr_assert_not(FPropContainsProp(&d, &s, FL_SUBSTRING));
    s = bin(NULL, 0);
    cr_assert(FPropContainsProp(&d, &s, FL_SUBSTRING));
    cr_assert(FPropContainsProp(&d, &s, FL_PREFIX));
    cr_assert_not(FPropContainsProp(&d, &s, FL_FULLSTRING));
    SPropValue e = bin(NULL, 0);
    cr_assert(FPropContainsProp(&e, &s, FL_FULLSTRING));

    LPSTR list[] = {"red", "green", "blue"};
    SPropValue mv = pv(PT_MV_STRING8);
    mv.Value.MVszA.cValues = 3;
    mv.Value.MVszA.lppszA = list;
    SPropValue needle = s8("GRE");
    cr_assert(mapirt_prop_contains(&mv, &needle, FL_PREFIX | FL_IGNORECASE));
    cr_assert_not(mapirt_prop_contains(&mv, &needle, FL_PREFIX));
    cr_assert_not(FPropContainsProp(&mv, &needle, FL_PREFIX | FL_IGNORECASE));
}
