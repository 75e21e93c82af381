/* tests/runtime/table/test_restrict.c: restrictions (IMAPITable::Restrict and FindRow), sorting and
 * multi-valued instance columns of the in-memory table views. */
/* rand_r */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "oom.h"
#include "tablefixture.h"

static unsigned long oom_points;

/* Five rows:
 * id name           num num2 wname     mv               bin      dbl  flags mvl   bool time i8
 * 1  "apple"        10  10   u"Äpfel"  {red,green}      {1,2,3}  1.5  0x1   {1,2} T    100  -5
 * 2  "Banana"       20  25   u"banane" {yellow}         {1,2}    2.5  0x3   {3}   F    200  7
 * 3  "cherry"       30  30   u"Kirsche" -               {9}      -1   0x4   {1,5} -    -    -
 * 4  "banana split" 40  -    -         {yellow,brown}   -        0    0     -     -    -    -
 * 5  -              50  40   u"café"   {Green}          {}       100  0x10  {2,2} -    -    -
 */
static LPSTR mv1[] = {"red", "green"}, mv2[] = {"yellow"}, mv4[] = {"yellow", "brown"},
             mv5[] = {"Green"};
static LONG mvl1[] = {1, 2}, mvl2[] = {3}, mvl3[] = {1, 5}, mvl5[] = {2, 2};
static BYTE bin1[] = {1, 2, 3}, bin2[] = {1, 2}, bin3[] = {9};

static void put(LPTABLEDATA td, SPropValue *p, ULONG n)
{
    SRow row = {0, n, p};
    cr_assert_eq(td->lpVtbl->HrModifyRow(td, &row), S_OK);
}

static LPTABLEDATA data(void)
{
    LPTABLEDATA td = fx_table();
    SPropValue r1[] = {
        {T_ID, 0, {.l = 1}}, {T_NAME, 0, {.lpszA = "apple"}}, {T_NUM, 0, {.l = 10}},
        {T_NUM2, 0, {.l = 10}}, {T_WNAME, 0, {.lpszW = u"\u00c4pfel"}},
        {T_MV, 0, {.MVszA = {2, mv1}}}, {T_BIN, 0, {.bin = {3, bin1}}}, {T_DBL, 0, {.dbl = 1.5}},
        {T_FLAGS, 0, {.l = 1}}, {T_MVL, 0, {.MVl = {2, mvl1}}}, {T_BOOL, 0, {.b = 1}},
        {T_TIME, 0, {.ft = {100, 0}}}, {T_I8, 0, {.li = {.QuadPart = -5}}}};
    SPropValue r2[] = {
        {T_ID, 0, {.l = 2}}, {T_NAME, 0, {.lpszA = "Banana"}}, {T_NUM, 0, {.l = 20}},
        {T_NUM2, 0, {.l = 25}}, {T_WNAME, 0, {.lpszW = u"banane"}},
        {T_MV, 0, {.MVszA = {1, mv2}}}, {T_BIN, 0, {.bin = {2, bin2}}}, {T_DBL, 0, {.dbl = 2.5}},
        {T_FLAGS, 0, {.l = 3}}, {T_MVL, 0, {.MVl = {1, mvl2}}}, {T_BOOL, 0, {.b = 0}},
        {T_TIME, 0, {.ft = {200, 0}}}, {T_I8, 0, {.li = {.QuadPart = 7}}}};
    SPropValue r3[] = {
        {T_ID, 0, {.l = 3}}, {T_NAME, 0, {.lpszA = "cherry"}}, {T_NUM, 0, {.l = 30}},
        {T_NUM2, 0, {.l = 30}}, {T_WNAME, 0, {.lpszW = u"Kirsche"}},
        {T_BIN, 0, {.bin = {1, bin3}}}, {T_DBL, 0, {.dbl = -1}}, {T_FLAGS, 0, {.l = 4}},
        {T_MVL, 0, {.MVl = {2, mvl3}}}};
    SPropValue r4[] = {
        {T_ID, 0, {.l = 4}}, {T_NAME, 0, {.lpszA = "banana split"}}, {T_NUM, 0, {.l = 40}},
        {T_MV, 0, {.MVszA = {2, mv4}}}, {T_DBL, 0, {.dbl = 0}}, {T_FLAGS, 0, {.l = 0}}};
    SPropValue r5[] = {
        {T_ID, 0, {.l = 5}}, {T_NUM, 0, {.l = 50}}, {T_NUM2, 0, {.l = 40}},
        {T_WNAME, 0, {.lpszW = u"caf\u00e9"}}, {T_MV, 0, {.MVszA = {1, mv5}}},
        {T_BIN, 0, {.bin = {0, NULL}}}, {T_DBL, 0, {.dbl = 100}}, {T_FLAGS, 0, {.l = 0x10}},
        {T_MVL, 0, {.MVl = {2, mvl5}}}};
    put(td, r1, sizeof(r1) / sizeof(r1[0]));
    put(td, r2, sizeof(r2) / sizeof(r2[0]));
    put(td, r3, sizeof(r3) / sizeof(r3[0]));
    put(td, r4, sizeof(r4) / sizeof(r4[0]));
    put(td, r5, sizeof(r5) / sizeof(r5[0]));
    return td;
}

struct fx {
    LPTABLEDATA td;
    LPMAPITABLE v;
};

static struct fx open_fx(void)
{
    struct fx f;
    f.td = data();
    f.v = fx_view(f.td);
    return f;
}

static void close_fx(struct fx *f)
{
    f->v->lpVtbl->Release(f->v);
    f->td->lpVtbl->Release(f->td);
    MAPIRT_LEAK_CHECK();
}

/* The rows matching r, checked with Restrict and with FindRow from both ends. */
static const char *match(struct fx *f, SRestriction *r)
{
    static char found[256];
    LONG first = -1, last = -1;

    /* FindRow forwards from the start and backwards from the end */
    HRESULT hr = f->v->lpVtbl->Restrict(f->v, NULL, 0);
    cr_assert_eq(hr, S_OK);
    hr = f->v->lpVtbl->FindRow(f->v, r, BOOKMARK_BEGINNING, 0);
    if (hr == S_OK)
        first = fx_current(f->v);
    else
        cr_assert_eq(hr, MAPI_E_NOT_FOUND);
    hr = f->v->lpVtbl->FindRow(f->v, r, BOOKMARK_END, DIR_BACKWARD);
    if (hr == S_OK)
        last = fx_current(f->v);
    else
        cr_assert_eq(hr, MAPI_E_NOT_FOUND);

    hr = f->v->lpVtbl->Restrict(f->v, r, TBL_BATCH);
    cr_assert_eq(hr, S_OK, "Restrict returned 0x%08x", (unsigned)hr);
    strcpy(found, fx_ids(f->v));
    if (found[0]) {
        cr_assert_eq(first, atoi(found), "FindRow forwards found %d in \"%s\"", (int)first, found);
        const char *sp = strrchr(found, ' ');
        cr_assert_eq(last, atoi(sp ? sp + 1 : found), "FindRow backwards found %d", (int)last);
    } else {
        cr_assert_eq(first, -1);
        cr_assert_eq(last, -1);
    }
    return found;
}

static SRestriction prop(ULONG relop, ULONG tag, SPropValue *val)
{
    SRestriction r = {RES_PROPERTY, {.resProperty = {relop, tag, val}}};
    return r;
}

/* ---- property restrictions ------------------------------------------------------------ */

Test(restrict, property_relops_on_numbers)
{
    struct fx f = open_fx();
    SPropValue thirty = {T_NUM, 0, {.l = 30}};
    SRestriction r;

    r = prop(RELOP_LT, T_NUM, &thirty);
    cr_assert_str_eq(match(&f, &r), "1 2");
    r = prop(RELOP_LE, T_NUM, &thirty);
    cr_assert_str_eq(match(&f, &r), "1 2 3");
    r = prop(RELOP_GT, T_NUM, &thirty);
    cr_assert_str_eq(match(&f, &r), "4 5");
    r = prop(RELOP_GE, T_NUM, &thirty);
    cr_assert_str_eq(match(&f, &r), "3 4 5");
    r = prop(RELOP_EQ, T_NUM, &thirty);
    cr_assert_str_eq(match(&f, &r), "3");
    r = prop(RELOP_NE, T_NUM, &thirty);
    cr_assert_str_eq(match(&f, &r), "1 2 4 5");
    /* a missing property satisfies no operator, not even RELOP_NE */
    r = prop(RELOP_NE, T_NUM2, &thirty);
    cr_assert_str_eq(match(&f, &r), "1 2 5");

    SPropValue d = {T_DBL, 0, {.dbl = 0}};
    r = prop(RELOP_GT, T_DBL, &d);
    cr_assert_str_eq(match(&f, &r), "1 2 5");
    SPropValue b = {T_BOOL, 0, {.b = 1}};
    r = prop(RELOP_EQ, T_BOOL, &b);
    cr_assert_str_eq(match(&f, &r), "1");
    SPropValue t = {T_TIME, 0, {.ft = {150, 0}}};
    r = prop(RELOP_GT, T_TIME, &t);
    cr_assert_str_eq(match(&f, &r), "2");
    SPropValue i8 = {T_I8, 0, {.li = {.QuadPart = 0}}};
    r = prop(RELOP_LT, T_I8, &i8);
    cr_assert_str_eq(match(&f, &r), "1");
    SPropValue bin = {T_BIN, 0, {.bin = {2, bin2}}};
    r = prop(RELOP_GE, T_BIN, &bin);
    cr_assert_str_eq(match(&f, &r), "1 2 3", "bytewise, a prefix first");
    close_fx(&f);
}

Test(restrict, property_on_strings)
{
    struct fx f = open_fx();
    SPropValue s = {T_NAME, 0, {.lpszA = "b"}};
    SRestriction r;

    r = prop(RELOP_GE, T_NAME, &s);
    cr_assert_str_eq(match(&f, &r), "2 3 4");
    s.Value.lpszA = "banana";
    r = prop(RELOP_EQ, T_NAME, &s);
    cr_assert_str_eq(match(&f, &r), "", "equality is exact");
    r = prop(RELOP_GT, T_NAME, &s);
    cr_assert_str_eq(match(&f, &r), "3 4", "\"Banana\" sorts before \"banana\"");
    SPropValue w = {T_WNAME, 0, {.lpszW = u"banane"}};
    r = prop(RELOP_EQ, T_WNAME, &w);
    cr_assert_str_eq(match(&f, &r), "2");

    s.Value.lpszA = "^b";
    r = prop(RELOP_RE, T_NAME, &s);
    cr_assert_str_eq(match(&f, &r), "4", "RELOP_RE is case-sensitive");
    s.Value.lpszA = "an+a( |$)";
    r = prop(RELOP_RE, T_NAME, &s);
    cr_assert_str_eq(match(&f, &r), "2 4");
    w.Value.lpszW = u"^caf.$";
    r = prop(RELOP_RE, T_WNAME, &w);
    cr_assert_str_eq(match(&f, &r), "5", "UTF-16 values match as UTF-8");
    close_fx(&f);
}

Test(restrict, property_on_multivalued)
{
    struct fx f = open_fx();
    SPropValue s = {T_MV1, 0, {.lpszA = "yellow"}};
    LPSTR one[] = {"yellow"};
    SPropValue tuple = {T_MV, 0, {.MVszA = {1, one}}};
    SRestriction r;

    r = prop(RELOP_EQ, T_MV, &s);
    cr_assert_str_eq(match(&f, &r), "2 4", "any value matches");
    r = prop(RELOP_EQ, T_MV, &tuple);
    cr_assert_str_eq(match(&f, &r), "2", "a multi-valued constant compares the whole list");
    r = prop(RELOP_GT, T_MV, &tuple);
    cr_assert_str_eq(match(&f, &r), "4", "longer lists with the same prefix sort after");
    s.Value.lpszA = "green";
    r = prop(RELOP_EQ, MVI_PROP(T_MV), &s);
    cr_assert_str_eq(match(&f, &r), "1", "an instance tag on an unexpanded view: any value");
    SPropValue two = {T_MVL1, 0, {.l = 2}};
    r = prop(RELOP_EQ, T_MVL, &two);
    cr_assert_str_eq(match(&f, &r), "1 5");
    close_fx(&f);
}

Test(restrict, bad_property_restrictions)
{
    struct fx f = open_fx();
    SPropValue s = {T_NAME, 0, {.lpszA = "("}}, l = {T_NUM, 0, {.l = 1}};
    SRestriction r;

    cr_assert_eq(f.v->lpVtbl->Restrict(f.v, NULL, 0), S_OK);
    r = prop(RELOP_EQ, T_ID, &l);
    cr_assert_eq(f.v->lpVtbl->Restrict(f.v, &r, 0), S_OK);
    r = prop(RELOP_EQ, T_NUM, NULL);
    cr_assert_eq(f.v->lpVtbl->Restrict(f.v, &r, 0), MAPI_E_INVALID_PARAMETER);
    r = prop(7, T_NUM, &l);
    cr_assert_eq(f.v->lpVtbl->Restrict(f.v, &r, 0), MAPI_E_INVALID_PARAMETER);
    r = prop(RELOP_EQ, PROP_TAG(0x99, 0x6000), &l);
    cr_assert_eq(f.v->lpVtbl->Restrict(f.v, &r, 0), MAPI_E_INVALID_PARAMETER, "unknown type");
    SPropValue bad = {T_NAME, 0, {.lpszA = NULL}};
    r = prop(RELOP_EQ, T_NAME, &bad);
    cr_assert_eq(f.v->lpVtbl->Restrict(f.v, &r, 0), MAPI_E_INVALID_PARAMETER, "NULL string");
    r = prop(RELOP_EQ, T_NAME, &l);
    cr_assert_eq(f.v->lpVtbl->Restrict(f.v, &r, 0), MAPI_E_TOO_COMPLEX, "types differ");
    r = prop(RELOP_RE, T_NUM, &l);
    cr_assert_eq(f.v->lpVtbl->Restrict(f.v, &r, 0), MAPI_E_TOO_COMPLEX, "RE on a number");
    r = prop(RELOP_RE, T_NAME, &s);
    cr_assert_eq(f.v->lpVtbl->Restrict(f.v, &r, 0), MAPI_E_INVALID_PARAMETER, "bad pattern");
    SPropValue mvc = {T_MV, 0, {.MVszA = {1, mv2}}};
    r = prop(RELOP_EQ, MVI_PROP(T_MV), &mvc);
    cr_assert_eq(f.v->lpVtbl->Restrict(f.v, &r, 0), MAPI_E_TOO_COMPLEX,
        "an instance column compares with one value");
    cr_assert_eq(f.v->lpVtbl->Restrict(f.v, &r, 0x100), MAPI_E_UNKNOWN_FLAGS);
    cr_assert_str_eq(fx_ids(f.v), "1", "a failed Restrict keeps the restriction in force");
    close_fx(&f);
}

/* ---- the other restriction types ------------------------------------------------------ */

static SRestriction content(ULONG fuzzy, ULONG tag, SPropValue *val)
{
    SRestriction r = {RES_CONTENT, {.resContent = {fuzzy, tag, val}}};
    return r;
}

Test(restrict, content_fuzzy_levels)
{
    struct fx f = open_fx();
    SPropValue s = {T_NAME, 0, {.lpszA = "an"}};
    SRestriction r;

    r = content(FL_SUBSTRING, T_NAME, &s);
    cr_assert_str_eq(match(&f, &r), "2 4");
    s.Value.lpszA = "ban";
    r = content(FL_PREFIX, T_NAME, &s);
    cr_assert_str_eq(match(&f, &r), "4");
    r = content(FL_PREFIX | FL_IGNORECASE, T_NAME, &s);
    cr_assert_str_eq(match(&f, &r), "2 4");
    s.Value.lpszA = "banana";
    r = content(FL_FULLSTRING, T_NAME, &s);
    cr_assert_str_eq(match(&f, &r), "");
    r = content(FL_FULLSTRING | FL_IGNORECASE, T_NAME, &s);
    cr_assert_str_eq(match(&f, &r), "2");
    SPropValue w = {T_WNAME, 0, {.lpszW = u"cafe"}};
    r = content(FL_FULLSTRING, T_WNAME, &w);
    cr_assert_str_eq(match(&f, &r), "");
    r = content(FL_FULLSTRING | FL_IGNORENONSPACE, T_WNAME, &w);
    cr_assert_str_eq(match(&f, &r), "5");
    w.Value.lpszW = u"APFEL";
    r = content(FL_FULLSTRING | FL_LOOSE, T_WNAME, &w);
    cr_assert_str_eq(match(&f, &r), "1");
    BYTE b12[] = {1, 2}, b23[] = {2, 3};
    SPropValue b = {T_BIN, 0, {.bin = {2, b12}}};
    r = content(FL_PREFIX, T_BIN, &b);
    cr_assert_str_eq(match(&f, &r), "1 2");
    b.Value.bin.lpb = b23;
    r = content(FL_SUBSTRING, T_BIN, &b);
    cr_assert_str_eq(match(&f, &r), "1");
    SPropValue ee = {T_MV1, 0, {.lpszA = "ee"}};
    r = content(FL_SUBSTRING, T_MV, &ee);
    cr_assert_str_eq(match(&f, &r), "1 5", "any value of a multi-valued property");

    r = content(FL_SUBSTRING, T_NAME, NULL);
    cr_assert_eq(f.v->lpVtbl->Restrict(f.v, &r, 0), MAPI_E_INVALID_PARAMETER);
    r = content(3, T_NAME, &s);
    cr_assert_eq(f.v->lpVtbl->Restrict(f.v, &r, 0), MAPI_E_INVALID_PARAMETER);
    SPropValue n = {T_NUM, 0, {.l = 1}};
    r = content(FL_SUBSTRING, T_NUM, &n);
    cr_assert_eq(f.v->lpVtbl->Restrict(f.v, &r, 0), MAPI_E_INVALID_PARAMETER);
    r = content(FL_SUBSTRING, T_NAME, &w);
    cr_assert_eq(f.v->lpVtbl->Restrict(f.v, &r, 0), MAPI_E_TOO_COMPLEX, "types must match");
    close_fx(&f);
}

Test(restrict, compare_bitmask_size_exist)
{
    struct fx f = open_fx();
    SRestriction r;

    r = (SRestriction){RES_COMPAREPROPS, {.resCompareProps = {RELOP_EQ, T_NUM, T_NUM2}}};
    cr_assert_str_eq(match(&f, &r), "1 3");
    r.res.resCompareProps.relop = RELOP_LT;
    cr_assert_str_eq(match(&f, &r), "2");
    r.res.resCompareProps.relop = RELOP_GT;
    cr_assert_str_eq(match(&f, &r), "5");
    r.res.resCompareProps.relop = RELOP_NE;
    cr_assert_str_eq(match(&f, &r), "2 5", "row 4 has no T_NUM2");
    r.res.resCompareProps.relop = RELOP_GE;
    cr_assert_str_eq(match(&f, &r), "1 3 5");
    r.res.resCompareProps.relop = RELOP_LE;
    cr_assert_str_eq(match(&f, &r), "1 2 3");
    r.res.resCompareProps.ulPropTag2 = T_NAME;
    cr_assert_eq(f.v->lpVtbl->Restrict(f.v, &r, 0), MAPI_E_TOO_COMPLEX);
    r.res.resCompareProps.ulPropTag2 = T_NUM2;
    r.res.resCompareProps.relop = RELOP_RE;
    cr_assert_eq(f.v->lpVtbl->Restrict(f.v, &r, 0), MAPI_E_TOO_COMPLEX);

    r = (SRestriction){RES_BITMASK, {.resBitMask = {BMR_NEZ, T_FLAGS, 0x2}}};
    cr_assert_str_eq(match(&f, &r), "2");
    r.res.resBitMask = (SBitMaskRestriction){BMR_EQZ, T_FLAGS, 0x1};
    cr_assert_str_eq(match(&f, &r), "3 4 5");
    r.res.resBitMask = (SBitMaskRestriction){BMR_NEZ, T_FLAGS, 0x5};
    cr_assert_str_eq(match(&f, &r), "1 2 3");
    r.res.resBitMask = (SBitMaskRestriction){BMR_EQZ, T_NUM2, 0x1};
    cr_assert_str_eq(match(&f, &r), "1 3 5", "a missing property matches neither");
    r.res.resBitMask = (SBitMaskRestriction){2, T_FLAGS, 1};
    cr_assert_eq(f.v->lpVtbl->Restrict(f.v, &r, 0), MAPI_E_INVALID_PARAMETER);
    r.res.resBitMask = (SBitMaskRestriction){BMR_EQZ, T_NAME, 1};
    cr_assert_eq(f.v->lpVtbl->Restrict(f.v, &r, 0), MAPI_E_TOO_COMPLEX);

    /* sizes of T_NAME: apple 6, Banana 7, cherry 7, banana split 13 */
    r = (SRestriction){RES_SIZE, {.resSize = {RELOP_GT, T_NAME, 6}}};
    cr_assert_str_eq(match(&f, &r), "2 3 4");
    r.res.resSize.relop = RELOP_EQ;
    r.res.resSize.cb = 7;
    cr_assert_str_eq(match(&f, &r), "2 3");
    r.res.resSize.relop = RELOP_LT;
    cr_assert_str_eq(match(&f, &r), "1");
    r.res.resSize.relop = RELOP_LE;
    cr_assert_str_eq(match(&f, &r), "1 2 3");
    r.res.resSize.relop = RELOP_GE;
    cr_assert_str_eq(match(&f, &r), "2 3 4");
    r.res.resSize.relop = RELOP_NE;
    cr_assert_str_eq(match(&f, &r), "1 4");
    r.res.resSize = (SSizeRestriction){RELOP_EQ, T_BIN, 0};
    cr_assert_str_eq(match(&f, &r), "5");
    r.res.resSize.relop = RELOP_RE;
    cr_assert_eq(f.v->lpVtbl->Restrict(f.v, &r, 0), MAPI_E_INVALID_PARAMETER);

    r = (SRestriction){RES_EXIST, {.resExist = {0, T_WNAME, 0}}};
    cr_assert_str_eq(match(&f, &r), "1 2 3 5");
    r.res.resExist.ulPropTag = PROP_TAG(PT_UNSPECIFIED, PROP_ID(T_WNAME));
    cr_assert_str_eq(match(&f, &r), "1 2 3 5", "PT_UNSPECIFIED: any type of the id");
    r.res.resExist.ulPropTag = T_MV;
    cr_assert_str_eq(match(&f, &r), "1 2 4 5");
    r.res.resExist.ulPropTag = PR_INSTANCE_KEY;
    cr_assert_str_eq(match(&f, &r), "1 2 3 4 5", "every row has an instance key");
    r.res.resExist.ulPropTag = PROP_TAG(PT_LONG, PROP_ID(T_WNAME));
    cr_assert_str_eq(match(&f, &r), "", "the type is part of the tag");
    r.res.resExist.ulReserved1 = 1;
    cr_assert_eq(f.v->lpVtbl->Restrict(f.v, &r, 0), MAPI_E_INVALID_PARAMETER);
    r.res.resExist = (SExistRestriction){0, PROP_TAG(PT_OBJECT, 0x3701), 0};
    cr_assert_eq(f.v->lpVtbl->Restrict(f.v, &r, 0), MAPI_E_TOO_COMPLEX);
    close_fx(&f);
}

Test(restrict, and_or_not_comment_sub)
{
    struct fx f = open_fx();
    SPropValue ten = {T_NUM, 0, {.l = 10}}, fifty = {T_NUM, 0, {.l = 50}};
    SRestriction kids[2], r, inner;

    kids[0] = prop(RELOP_GT, T_NUM, &ten);
    kids[1] = (SRestriction){RES_EXIST, {.resExist = {0, T_NAME, 0}}};
    r = (SRestriction){RES_AND, {.resAnd = {2, kids}}};
    cr_assert_str_eq(match(&f, &r), "2 3 4");
    kids[0] = prop(RELOP_EQ, T_NUM, &ten);
    kids[1] = prop(RELOP_EQ, T_NUM, &fifty);
    r = (SRestriction){RES_OR, {.resOr = {2, kids}}};
    cr_assert_str_eq(match(&f, &r), "1 5");
    r.res.resOr.cRes = 0;
    cr_assert_str_eq(match(&f, &r), "", "an empty OR is false");
    r = (SRestriction){RES_AND, {.resAnd = {0, NULL}}};
    cr_assert_str_eq(match(&f, &r), "1 2 3 4 5", "an empty AND is true");
    inner = (SRestriction){RES_EXIST, {.resExist = {0, T_NAME, 0}}};
    r = (SRestriction){RES_NOT, {.resNot = {0, &inner}}};
    cr_assert_str_eq(match(&f, &r), "5");
    SPropValue note = {PROP_TAG(PT_STRING8, 0x8001), 0, {.lpszA = "why"}};
    inner = prop(RELOP_EQ, T_NUM, &ten);
    r = (SRestriction){RES_COMMENT, {.resComment = {1, &inner, &note}}};
    cr_assert_str_eq(match(&f, &r), "1", "a comment stands for its restriction");
    r.res.resComment.lpRes = NULL;
    cr_assert_str_eq(match(&f, &r), "1 2 3 4 5", "a comment alone restricts nothing");

    r = (SRestriction){RES_SUBRESTRICTION, {.resSub = {PR_MESSAGE_RECIPIENTS, &inner}}};
    cr_assert_eq(f.v->lpVtbl->Restrict(f.v, &r, 0), MAPI_E_TOO_COMPLEX);
    cr_assert_eq(f.v->lpVtbl->FindRow(f.v, &r, BOOKMARK_BEGINNING, 0), MAPI_E_TOO_COMPLEX);
    r = (SRestriction){RES_AND, {.resAnd = {1, NULL}}};
    cr_assert_eq(f.v->lpVtbl->Restrict(f.v, &r, 0), MAPI_E_INVALID_PARAMETER);
    r = (SRestriction){RES_NOT, {.resNot = {0, NULL}}};
    cr_assert_eq(f.v->lpVtbl->Restrict(f.v, &r, 0), MAPI_E_INVALID_PARAMETER);
    r = (SRestriction){RES_COMMENT, {.resComment = {1, NULL, NULL}}};
    cr_assert_eq(f.v->lpVtbl->Restrict(f.v, &r, 0), MAPI_E_INVALID_PARAMETER);
    r.rt = 99;
    cr_assert_eq(f.v->lpVtbl->Restrict(f.v, &r, 0), MAPI_E_INVALID_PARAMETER);

    /* very deep nesting is refused, not a stack overflow */
    enum { DEPTH = 100000 };
    SRestriction *deep = calloc(DEPTH, sizeof(SRestriction));
    for (int i = 0; i < DEPTH - 1; i++)
        deep[i] = (SRestriction){RES_NOT, {.resNot = {0, &deep[i + 1]}}};
    deep[DEPTH - 1] = (SRestriction){RES_EXIST, {.resExist = {0, T_NAME, 0}}};
    HRESULT hr = f.v->lpVtbl->Restrict(f.v, deep, 0);
    cr_assert(hr == MAPI_E_TOO_COMPLEX || hr == MAPI_E_INVALID_PARAMETER);
    free(deep);
    close_fx(&f);
}

/* ---- FindRow -------------------------------------------------------------------------- */

Test(findrow, directions_and_origins)
{
    struct fx f = open_fx();
    SPropValue v = {T_NUM, 0, {.l = 30}};
    SRestriction ge = prop(RELOP_GE, T_NUM, &v), le = prop(RELOP_LE, T_NUM, &v);
    BOOKMARK bk;

    cr_assert_eq(f.v->lpVtbl->FindRow(f.v, &ge, BOOKMARK_BEGINNING, 0), S_OK);
    cr_assert_eq(fx_current(f.v), 3);
    cr_assert_eq(f.v->lpVtbl->FindRow(f.v, &ge, BOOKMARK_CURRENT, 0), S_OK);
    cr_assert_eq(fx_current(f.v), 3, "forwards, the origin row itself is a candidate");
    cr_assert_eq(f.v->lpVtbl->SeekRow(f.v, BOOKMARK_CURRENT, 1, NULL), S_OK);
    cr_assert_eq(f.v->lpVtbl->FindRow(f.v, &ge, BOOKMARK_CURRENT, 0), S_OK);
    cr_assert_eq(fx_current(f.v), 4);
    cr_assert_eq(f.v->lpVtbl->FindRow(f.v, &le, BOOKMARK_CURRENT, DIR_BACKWARD), S_OK);
    cr_assert_eq(fx_current(f.v), 3, "backwards, the search starts before the origin");
    cr_assert_eq(f.v->lpVtbl->FindRow(f.v, &le, BOOKMARK_CURRENT, DIR_BACKWARD), S_OK);
    cr_assert_eq(fx_current(f.v), 2);
    cr_assert_eq(f.v->lpVtbl->FindRow(f.v, &ge, BOOKMARK_CURRENT, DIR_BACKWARD), MAPI_E_NOT_FOUND);
    cr_assert_eq(fx_current(f.v), 2, "not found: the cursor does not move");
    cr_assert_eq(f.v->lpVtbl->FindRow(f.v, &le, BOOKMARK_END, 0), MAPI_E_NOT_FOUND);
    cr_assert_eq(f.v->lpVtbl->FindRow(f.v, &ge, BOOKMARK_BEGINNING, DIR_BACKWARD), MAPI_E_NOT_FOUND);

    cr_assert_eq(f.v->lpVtbl->SeekRow(f.v, BOOKMARK_BEGINNING, 4, NULL), S_OK);
    cr_assert_eq(f.v->lpVtbl->CreateBookmark(f.v, &bk), S_OK);
    cr_assert_eq(f.v->lpVtbl->FindRow(f.v, &le, bk, DIR_BACKWARD), S_OK);
    cr_assert_eq(fx_current(f.v), 3);
    cr_assert_eq(fx_del(f.td, 5), S_OK);
    cr_assert_eq(f.v->lpVtbl->FindRow(f.v, &ge, bk, 0), MAPI_E_NOT_FOUND,
        "the bookmark moved to the end: nothing after it");
    cr_assert_eq(f.v->lpVtbl->SeekRow(f.v, BOOKMARK_BEGINNING, 1, NULL), S_OK);
    cr_assert_eq(f.v->lpVtbl->CreateBookmark(f.v, &bk), S_OK);
    cr_assert_eq(fx_del(f.td, 2), S_OK);
    cr_assert_eq(f.v->lpVtbl->FindRow(f.v, &ge, bk, 0), MAPI_W_POSITION_CHANGED);
    cr_assert_eq(fx_current(f.v), 3);
    cr_assert_eq(f.v->lpVtbl->FreeBookmark(f.v, bk), S_OK);
    cr_assert_eq(f.v->lpVtbl->FindRow(f.v, &ge, bk, 0), MAPI_E_INVALID_BOOKMARK);

    cr_assert_eq(f.v->lpVtbl->FindRow(f.v, NULL, BOOKMARK_BEGINNING, 0), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(f.v->lpVtbl->FindRow(f.v, &ge, BOOKMARK_BEGINNING, 2), MAPI_E_UNKNOWN_FLAGS);
    SRestriction bad = prop(RELOP_EQ, T_NAME, &v);
    cr_assert_eq(f.v->lpVtbl->FindRow(f.v, &bad, BOOKMARK_BEGINNING, 0), MAPI_E_TOO_COMPLEX);
    close_fx(&f);
}

Test(findrow, by_instance_key)
{
    struct fx f = open_fx();
    BYTE key[80];
    ULONG cb = fx_key_of(f.v, 4, key);
    SPropValue k = {PR_INSTANCE_KEY, 0, {.bin = {cb, key}}};
    SRestriction r = prop(RELOP_EQ, PR_INSTANCE_KEY, &k);

    cr_assert_eq(f.v->lpVtbl->FindRow(f.v, &r, BOOKMARK_BEGINNING, 0), S_OK);
    cr_assert_eq(fx_current(f.v), 4);
    BYTE key2[80];
    cr_assert_eq(fx_key_of(f.v, 2, key2), cb);
    cr_assert_neq(memcmp(key, key2, cb), 0, "instance keys differ between rows");
    close_fx(&f);
}

/* ---- sorting -------------------------------------------------------------------------- */

static LPTABLEDATA sort_data(void)
{
    /* id: group num2, name, num */
    static const struct {
        LONG id, group;
        const char *name;
        LONG num;
    } rows[] = {
        {1, 2, "b", 5},
        {2, 1, "a", 9},
        {3, 2, "a", 7},
        {4, 1, "c", 9},
        {5, 2, "b", 1},
        {6, 1, "a", 3},
        {7, 3, NULL, 2},
        {8, 2, "b", 5},
    };
    LPTABLEDATA td = fx_table();
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        SPropValue p[4] = {{T_ID, 0, {.l = rows[i].id}}, {T_NUM2, 0, {.l = rows[i].group}},
            {T_NUM, 0, {.l = rows[i].num}}, {T_NAME, 0, {.lpszA = (LPSTR)rows[i].name}}};
        put(td, p, rows[i].name ? 4 : 3);
    }
    return td;
}

static const char *sorted(LPMAPITABLE v, ULONG n, const SSortOrder *keys)
{
    SSortOrderSet *s = calloc(1, CbNewSSortOrderSet(n));
    s->cSorts = n;
    if (n)
        memcpy(s->aSort, keys, n * sizeof(SSortOrder));
    cr_assert_eq(v->lpVtbl->SortTable(v, s, TBL_ASYNC), S_OK);
    free(s);
    return fx_ids(v);
}

Test(sort, keys_and_directions)
{
    LPTABLEDATA td = sort_data();
    LPMAPITABLE v = fx_view(td);
    LPSSortOrderSet q;

    SSortOrder k1[] = {{T_NUM2, TABLE_SORT_ASCEND}};
    cr_assert_str_eq(sorted(v, 1, k1), "2 4 6 1 3 5 8 7", "stable: ties keep table order");
    SSortOrder k2[] = {{T_NUM2, TABLE_SORT_ASCEND}, {T_NAME, TABLE_SORT_DESCEND}};
    cr_assert_str_eq(sorted(v, 2, k2), "4 2 6 1 5 8 3 7");
    SSortOrder k3[] = {{T_NUM2, TABLE_SORT_DESCEND}, {T_NAME, TABLE_SORT_ASCEND},
        {T_NUM, TABLE_SORT_DESCEND}};
    cr_assert_str_eq(sorted(v, 3, k3), "7 3 1 8 5 2 6 4");
    SSortOrder k4[] = {{T_NAME, TABLE_SORT_ASCEND}, {T_NUM, TABLE_SORT_ASCEND}};
    cr_assert_str_eq(sorted(v, 2, k4), "6 3 2 5 1 8 4 7", "a missing value sorts last");
    SSortOrder k5[] = {{T_NAME, TABLE_SORT_DESCEND}, {T_NUM, TABLE_SORT_DESCEND}};
    cr_assert_str_eq(sorted(v, 2, k5), "4 1 8 5 2 3 6 7", "last in both directions");
    cr_assert_eq(v->lpVtbl->QuerySortOrder(v, &q), S_OK);
    cr_assert_eq(q->cSorts, 2);
    cr_assert_eq(q->cCategories, 0);
    cr_assert_eq(q->aSort[0].ulPropTag, T_NAME);
    const SSortOrder *qs = q->aSort;
    cr_assert_eq(qs[1].ulOrder, TABLE_SORT_DESCEND);
    MAPIFreeBuffer(q);
    cr_assert_str_eq(sorted(v, 0, NULL), "1 2 3 4 5 6 7 8", "no keys: table order");

    /* later changes keep the order */
    cr_assert_str_eq(sorted(v, 2, k2), "4 2 6 1 5 8 3 7");
    SPropValue p[3] = {{T_ID, 0, {.l = 9}}, {T_NUM2, 0, {.l = 2}}, {T_NAME, 0, {.lpszA = "b"}}};
    put(td, p, 3);
    cr_assert_str_eq(fx_ids(v), "4 2 6 1 5 8 9 3 7", "a new row goes after its equals");
    p[0].Value.l = 1;
    p[1].Value.l = 3;
    put(td, p, 3);
    cr_assert_str_eq(fx_ids(v), "4 2 6 5 8 9 3 1 7");
    v->lpVtbl->Release(v);
    td->lpVtbl->Release(td);
    MAPIRT_LEAK_CHECK();
}

Test(sort, strings_and_types)
{
    struct fx f = open_fx();

    SSortOrder k[] = {{T_NAME, TABLE_SORT_ASCEND}};
    cr_assert_str_eq(sorted(f.v, 1, k), "1 2 4 3 5", "apple Banana \"banana split\" cherry -");
    SSortOrder w[] = {{T_WNAME, TABLE_SORT_DESCEND}};
    cr_assert_str_eq(sorted(f.v, 1, w), "1 3 5 2 4",
        "ordinal, not linguistic: \u00c4 comes after every ASCII letter");
    SSortOrder d[] = {{T_DBL, TABLE_SORT_ASCEND}};
    cr_assert_str_eq(sorted(f.v, 1, d), "3 4 1 2 5");
    SSortOrder b[] = {{T_BIN, TABLE_SORT_ASCEND}};
    cr_assert_str_eq(sorted(f.v, 1, b), "5 2 1 3 4");
    SSortOrder mv[] = {{T_MV, TABLE_SORT_ASCEND}};
    cr_assert_str_eq(sorted(f.v, 1, mv), "5 1 2 4 3", "multi-valued: as ordered lists");
    close_fx(&f);
}

Test(sort, bad_sort_orders)
{
    struct fx f = open_fx();
    SizedSSortOrderSet(2, s) = {1, 0, 0, {{T_NUM, TABLE_SORT_DESCEND}, {T_NAME, TABLE_SORT_ASCEND}}};

    cr_assert_eq(f.v->lpVtbl->SortTable(f.v, (LPSSortOrderSet)&s, 0), S_OK);
    cr_assert_str_eq(fx_ids(f.v), "5 4 3 2 1");
    cr_assert_eq(f.v->lpVtbl->SortTable(f.v, NULL, 0), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(f.v->lpVtbl->SortTable(f.v, (LPSSortOrderSet)&s, 4), MAPI_E_UNKNOWN_FLAGS);
    s.cSorts = 2;
    s.cCategories = 1;
    cr_assert_eq(f.v->lpVtbl->SortTable(f.v, (LPSSortOrderSet)&s, 0), MAPI_E_TOO_COMPLEX,
        "categories are not supported");
    s.cCategories = 0;
    s.aSort[1].ulOrder = TABLE_SORT_COMBINE;
    cr_assert_eq(f.v->lpVtbl->SortTable(f.v, (LPSSortOrderSet)&s, 0), MAPI_E_TOO_COMPLEX);
    s.aSort[1].ulOrder = 4; /* TABLE_SORT_CATEG_MAX */
    cr_assert_eq(f.v->lpVtbl->SortTable(f.v, (LPSSortOrderSet)&s, 0), MAPI_E_TOO_COMPLEX);
    s.aSort[1].ulOrder = 77;
    cr_assert_eq(f.v->lpVtbl->SortTable(f.v, (LPSSortOrderSet)&s, 0), MAPI_E_INVALID_PARAMETER);
    s.aSort[1] = (SSortOrder){PROP_TAG(PT_OBJECT, 0x3701), TABLE_SORT_ASCEND};
    cr_assert_eq(f.v->lpVtbl->SortTable(f.v, (LPSSortOrderSet)&s, 0), MAPI_E_TOO_COMPLEX);
    s.aSort[1] = (SSortOrder){PROP_TAG(PT_ERROR, 0x3701), TABLE_SORT_ASCEND};
    cr_assert_eq(f.v->lpVtbl->SortTable(f.v, (LPSSortOrderSet)&s, 0), MAPI_E_INVALID_PARAMETER);
    s.aSort[1] = (SSortOrder){PROP_TAG(0x99, 0x3701), TABLE_SORT_ASCEND};
    cr_assert_eq(f.v->lpVtbl->SortTable(f.v, (LPSSortOrderSet)&s, 0), MAPI_E_INVALID_PARAMETER);
    s.aSort[1] = (SSortOrder){PROP_TAG(PT_LONG | MV_INSTANCE, 0x3701), TABLE_SORT_ASCEND};
    cr_assert_eq(f.v->lpVtbl->SortTable(f.v, (LPSSortOrderSet)&s, 0), MAPI_E_INVALID_PARAMETER);
    s.cExpanded = 1;
    s.aSort[1] = (SSortOrder){T_NAME, TABLE_SORT_ASCEND};
    cr_assert_eq(f.v->lpVtbl->SortTable(f.v, (LPSSortOrderSet)&s, 0), MAPI_E_INVALID_PARAMETER);
    cr_assert_str_eq(fx_ids(f.v), "5 4 3 2 1", "a failed SortTable keeps the order in force");
    close_fx(&f);
}

/* ---- multi-valued instance columns ---------------------------------------------------- */

struct inst {
    LONG id;
    ULONG tag;
    char val[16];
    BYTE key[80];
    ULONG cb;
};

/* Reads rows of columns {T_ID, <instance column>, PR_INSTANCE_KEY}. */
static int read_instances(LPMAPITABLE v, struct inst *out, int max)
{
    LPSRowSet rows;
    cr_assert_eq(v->lpVtbl->SeekRow(v, BOOKMARK_BEGINNING, 0, NULL), S_OK);
    cr_assert_eq(v->lpVtbl->QueryRows(v, max, 0, &rows), S_OK);
    int n = (int)rows->cRows;
    for (int i = 0; i < n; i++) {
        const SPropValue *p = rows->aRow[i].lpProps;
        cr_assert_eq(rows->aRow[i].cValues, 3);
        out[i].id = p[0].Value.l;
        out[i].tag = p[1].ulPropTag;
        out[i].val[0] = '\0';
        if (PROP_TYPE(p[1].ulPropTag) == PT_STRING8)
            strncpy(out[i].val, p[1].Value.lpszA, sizeof(out[i].val) - 1);
        else if (PROP_TYPE(p[1].ulPropTag) == PT_LONG)
            snprintf(out[i].val, sizeof(out[i].val), "%d", (int)p[1].Value.l);
        cr_assert_eq(p[2].ulPropTag, PR_INSTANCE_KEY);
        out[i].cb = p[2].Value.bin.cb;
        memcpy(out[i].key, p[2].Value.bin.lpb, out[i].cb);
    }
    FreeProws(rows);
    return n;
}

Test(mvi, one_row_per_value)
{
    struct fx f = open_fx();
    SizedSPropTagArray(3, cols) = {3, {T_ID, MVI_PROP(T_MV), PR_INSTANCE_KEY}};
    struct inst in[16];
    BOOKMARK bk;

    cr_assert_eq(f.v->lpVtbl->CreateBookmark(f.v, &bk), S_OK);
    cr_assert_eq(f.v->lpVtbl->SetColumns(f.v, (LPSPropTagArray)&cols, 0), S_OK);
    cr_assert_eq(f.v->lpVtbl->SeekRow(f.v, bk, 0, NULL), MAPI_E_INVALID_BOOKMARK,
        "expanding rows discards bookmarks");
    cr_assert_eq(fx_count(f.v), 7);
    int n = read_instances(f.v, in, 16);
    cr_assert_eq(n, 7);
    static const struct {
        LONG id;
        const char *val;
    } want[] = {
        {1, "red"}, {1, "green"}, {2, "yellow"}, {3, NULL}, {4, "yellow"}, {4, "brown"}, {5, "Green"}};
    for (int i = 0; i < 7; i++) {
        cr_assert_eq(in[i].id, want[i].id);
        if (want[i].val) {
            cr_assert_eq(in[i].tag, T_MV1, "an instance comes as a single value");
            cr_assert_str_eq(in[i].val, want[i].val);
        } else {
            cr_assert_eq(in[i].tag, PROP_TAG(PT_ERROR, PROP_ID(T_MV)));
        }
        for (int j = 0; j < i; j++)
            cr_assert(in[i].cb != in[j].cb || memcmp(in[i].key, in[j].key, in[i].cb) != 0,
                "instance keys are distinct");
    }

    /* restriction on the instance column: only matching instances */
    SPropValue y = {T_MV1, 0, {.lpszA = "yellow"}};
    SRestriction r = prop(RELOP_EQ, MVI_PROP(T_MV), &y);
    cr_assert_eq(f.v->lpVtbl->Restrict(f.v, &r, 0), S_OK);
    cr_assert_eq(read_instances(f.v, in, 16), 2);
    cr_assert_eq(in[0].id, 2);
    cr_assert_eq(in[1].id, 4);
    cr_assert_str_eq(in[1].val, "yellow");
    cr_assert_eq(f.v->lpVtbl->Restrict(f.v, NULL, 0), S_OK);

    /* FindRow by the key of one instance */
    n = read_instances(f.v, in, 16);
    SPropValue k = {PR_INSTANCE_KEY, 0, {.bin = {in[5].cb, in[5].key}}};
    r = prop(RELOP_EQ, PR_INSTANCE_KEY, &k);
    cr_assert_eq(f.v->lpVtbl->FindRow(f.v, &r, BOOKMARK_BEGINNING, 0), S_OK);
    ULONG row, num, den;
    cr_assert_eq(f.v->lpVtbl->QueryPosition(f.v, &row, &num, &den), S_OK);
    cr_assert_eq(row, 5);

    /* sort on the instance values */
    SizedSSortOrderSet(2, s) = {2, 0, 0, {{MVI_PROP(T_MV), TABLE_SORT_ASCEND}, {T_ID, TABLE_SORT_DESCEND}}};
    cr_assert_eq(f.v->lpVtbl->SortTable(f.v, (LPSSortOrderSet)&s, 0), S_OK);
    cr_assert_eq(read_instances(f.v, in, 16), 7);
    /* strings order by code point ignoring case, then exactly: "Green" < "green" */
    const char *order[] = {"brown", "Green", "green", "red", "yellow", "yellow", ""};
    LONG ids[] = {4, 5, 1, 1, 4, 2, 3};
    for (int i = 0; i < 7; i++) {
        cr_assert_str_eq(in[i].val, order[i], "row %d", i);
        cr_assert_eq(in[i].id, ids[i], "row %d", i);
    }

    /* back to plain columns: one row per table row again */
    SizedSPropTagArray(1, plain) = {1, {T_ID}};
    SizedSSortOrderSet(1, none) = {0, 0, 0, {{0, 0}}};
    cr_assert_eq(f.v->lpVtbl->SortTable(f.v, (LPSSortOrderSet)&none, 0), S_OK);
    cr_assert_eq(f.v->lpVtbl->SetColumns(f.v, (LPSPropTagArray)&plain, 0), S_OK);
    cr_assert_eq(fx_count(f.v), 5);
    close_fx(&f);
}

Test(mvi, two_columns_multiply)
{
    struct fx f = open_fx();
    SizedSPropTagArray(3, cols) = {3, {T_ID, MVI_PROP(T_MV), MVI_PROP(T_MVL)}};

    cr_assert_eq(f.v->lpVtbl->SetColumns(f.v, (LPSPropTagArray)&cols, 0), S_OK);
    cr_assert_eq(fx_count(f.v), 4 + 1 + 2 + 2 + 2, "M*N rows for M and N values");
    SizedSSortOrderSet(1, s) = {1, 0, 0, {{MVI_PROP(T_MVL), TABLE_SORT_ASCEND}}};
    SizedSPropTagArray(1, plain) = {1, {T_ID}};
    cr_assert_eq(f.v->lpVtbl->SetColumns(f.v, (LPSPropTagArray)&plain, 0), S_OK);
    cr_assert_eq(f.v->lpVtbl->SortTable(f.v, (LPSSortOrderSet)&s, 0), S_OK);
    cr_assert_eq(fx_count(f.v), 2 + 1 + 2 + 1 + 2, "a sort on an instance column expands too");
    cr_assert_str_eq(fx_ids(f.v), "1 3 1 5 5 2 3 4", "by value, then table order; 4 has none");
    close_fx(&f);
}

Test(mvi, changes_and_notifications)
{
    struct fx f = open_fx();
    SizedSPropTagArray(3, cols) = {3, {T_ID, MVI_PROP(T_MV), PR_INSTANCE_KEY}};
    struct fx_rec rec;
    struct inst in[16];

    cr_assert_eq(f.v->lpVtbl->SetColumns(f.v, (LPSPropTagArray)&cols, 0), S_OK);
    read_instances(f.v, in, 16);
    fx_advise(f.v, &rec);
    LPSTR one[] = {"red"};
    SPropValue p[2] = {{T_ID, 0, {.l = 1}}, {T_MV, 0, {.MVszA = {1, one}}}};
    put(f.td, p, 2);
    cr_assert_eq(rec.n, 2);
    cr_assert_eq(rec.ev[0].event, TABLE_ROW_DELETED, "the \"green\" instance went away");
    cr_assert_eq(rec.ev[0].index_cb, in[1].cb);
    cr_assert_arr_eq(rec.ev[0].index, in[1].key, in[1].cb);
    cr_assert_eq(rec.ev[1].event, TABLE_ROW_MODIFIED);
    cr_assert_eq(rec.ev[1].index_cb, in[0].cb);
    cr_assert_arr_eq(rec.ev[1].index, in[0].key, in[0].cb);
    cr_assert_eq(rec.ev[1].prior_tag, PR_NULL);
    cr_assert_eq(fx_count(f.v), 6);
    close_fx(&f);
}

/* ---- out of memory -------------------------------------------------------------------- */

Test(restrict_oom, every_type)
{
    struct fx f = open_fx();
    SPropValue name = {T_NAME, 0, {.lpszA = "^[bc]"}}, num = {T_NUM, 0, {.l = 20}};
    SPropValue sub = {T_NAME, 0, {.lpszA = "an"}};
    SRestriction kids[5] = {
        prop(RELOP_RE, T_NAME, &name),
        content(FL_SUBSTRING | FL_IGNORECASE, T_NAME, &sub),
        prop(RELOP_GE, T_NUM, &num),
        {RES_BITMASK, {.resBitMask = {BMR_EQZ, T_FLAGS, 0x8}}},
        {RES_SIZE, {.resSize = {RELOP_GT, T_NAME, 1}}},
    };
    SRestriction r = {RES_AND, {.resAnd = {5, kids}}};
    HRESULT hr;

    OOM_LOOP(hr, hr = f.v->lpVtbl->Restrict(f.v, &r, 0), (void)0);
    cr_assert_gt(oom_points, 5);
    cr_assert_str_eq(fx_ids(f.v), "4");
    OOM_LOOP(hr, hr = f.v->lpVtbl->FindRow(f.v, &r, BOOKMARK_END, DIR_BACKWARD), (void)0);
    cr_assert_eq(fx_current(f.v), 4);
    close_fx(&f);
}

/* ---- sorting against a reference ------------------------------------------------------ */

#define NR 400
static SPropValue ref_props[NR][6];
static ULONG ref_count[NR];
static SSortOrder ref_keys[3];
static ULONG ref_nkeys;

static const SPropValue *ref_find(int row, ULONG tag)
{
    for (ULONG i = 0; i < ref_count[row]; i++)
        if (ref_props[row][i].ulPropTag == tag)
            return &ref_props[row][i];
    return NULL;
}

/* The documented order: each key by LPropCompareProp, missing values last either way, then
 * table order. */
static int ref_cmp(const void *x, const void *y)
{
    int a = *(const int *)x, b = *(const int *)y;
    for (ULONG k = 0; k < ref_nkeys; k++) {
        const SPropValue *pa = ref_find(a, ref_keys[k].ulPropTag);
        const SPropValue *pb = ref_find(b, ref_keys[k].ulPropTag);
        if (!pa || !pb) {
            if (pa != pb)
                return pa ? -1 : 1;
            continue;
        }
        LONG c = LPropCompareProp((LPSPropValue)pa, (LPSPropValue)pb);
        if (c)
            return ref_keys[k].ulOrder == TABLE_SORT_DESCEND ? (c > 0 ? -1 : 1) : (c > 0 ? 1 : -1);
    }
    return (a > b) - (a < b);
}

Test(sort, random_against_reference)
{
    static char names[NR][16];
    static WCHAR wnames[NR][8];
    /* U+212A and U+017F fold to ASCII 'k' and 's'; \xff is not UTF-8 at all */
    static const char *pieces[] = {"a", "B", "b", "z", "Z", "\xc3\xa9", "0", "~", "_",
        "\xe2\x84\xaa", "\xc5\xbf", "k", "S", "\xff"};
    static const LONG longs[] = {0, 1, -1, 7, 7, 0x7fffffff, (LONG)0x80000000, 100, -100};
    static const LONGLONG i8s[] = {0, 5, -5, 0x7fffffffffffffffLL, (LONGLONG)0x8000000000000000ULL};
    unsigned seed = 42;
    LPTABLEDATA td = fx_table();
    LPMAPITABLE v = fx_view(td);

    for (int i = 0; i < NR; i++) {
        SPropValue *p = ref_props[i];
        ULONG n = 0;
        p[n].ulPropTag = T_ID;
        p[n++].Value.l = i;
        if (rand_r(&seed) % 5) {
            p[n].ulPropTag = T_NUM;
            p[n++].Value.l = longs[rand_r(&seed) % 9];
        }
        if (rand_r(&seed) % 6) {
            names[i][0] = '\0';
            for (int k = (int)(rand_r(&seed) % 3); k > 0; k--)
                strcat(names[i], pieces[rand_r(&seed) % 14]);
            p[n].ulPropTag = T_NAME;
            p[n++].Value.lpszA = names[i];
        }
        if (rand_r(&seed) % 6) {
            int len = (int)(rand_r(&seed) % 4);
            for (int k = 0; k < len; k++)
                wnames[i][k] = (const WCHAR[]){u'a', u'A', u'b', u'B', 0xE9, u'~', 0x212A, 0x17F,
                    u'k', u's', 0xD800}[rand_r(&seed) % 11];
            wnames[i][len] = 0;
            p[n].ulPropTag = T_WNAME;
            p[n++].Value.lpszW = wnames[i];
        }
        if (rand_r(&seed) % 4) {
            p[n].ulPropTag = T_I8;
            p[n++].Value.li.QuadPart = i8s[rand_r(&seed) % 5];
        }
        if (rand_r(&seed) % 4) {
            p[n].ulPropTag = T_BOOL;
            p[n++].Value.b = (unsigned short)(rand_r(&seed) % 3);
        }
        ref_count[i] = n;
        put(td, p, n);
    }
    static const ULONG tags[] = {T_NUM, T_NAME, T_WNAME, T_I8, T_BOOL};
    for (int round = 0; round < 60; round++) {
        SizedSSortOrderSet(3, s);
        int order[NR];
        LONG got[NR];
        ref_nkeys = 1 + rand_r(&seed) % 3;
        s.cSorts = ref_nkeys;
        s.cCategories = s.cExpanded = 0;
        for (ULONG k = 0; k < ref_nkeys; k++) {
            ref_keys[k].ulPropTag = tags[rand_r(&seed) % 5];
            ref_keys[k].ulOrder = rand_r(&seed) % 2 ? TABLE_SORT_DESCEND : TABLE_SORT_ASCEND;
            s.aSort[k] = ref_keys[k];
        }
        for (int i = 0; i < NR; i++)
            order[i] = i;
        qsort(order, NR, sizeof(int), ref_cmp);
        cr_assert_eq(v->lpVtbl->SortTable(v, (LPSSortOrderSet)&s, 0), S_OK);
        cr_assert_eq(v->lpVtbl->SeekRow(v, BOOKMARK_BEGINNING, 0, NULL), S_OK);
        cr_assert_eq(fx_read_ids(v, got, NR), NR);
        for (int i = 0; i < NR; i++)
            cr_assert_eq(got[i], order[i], "round %d (%u keys, first 0x%08x/%u): row %d", round,
                ref_nkeys, ref_keys[0].ulPropTag, ref_keys[0].ulOrder, i);
        /* the binary search used for changes agrees too: reinserting a row keeps the order */
        LONG victim = (LONG)(rand_r(&seed) % NR);
        put(td, ref_props[victim], ref_count[victim]);
        cr_assert_eq(v->lpVtbl->SeekRow(v, BOOKMARK_BEGINNING, 0, NULL), S_OK);
        cr_assert_eq(fx_read_ids(v, got, NR), NR);
        for (int i = 0; i < NR; i++)
            cr_assert_eq(got[i], order[i], "after modifying %d: row %d", (int)victim, i);
    }
    v->lpVtbl->Release(v);
    td->lpVtbl->Release(td);
    MAPIRT_LEAK_CHECK();
}
