/* propfixture.h: one property value of every type, for the property-utility tests. */
#ifndef TESTS_RUNTIME_PROPFIXTURE_H
#define TESTS_RUNTIME_PROPFIXTURE_H

#include <mapix.h>
#include <string.h>

#define FIXTURE_MAX 40

static GUID fx_guid = {0x12345678, 0x9abc, 0xdef0, {1, 2, 3, 4, 5, 6, 7, 8}};
static short fx_mvi[] = {1, -2, 3};
static LONG fx_mvl[] = {100, -200};
static float fx_mvflt[] = {1.5f, -2.25f};
static double fx_mvdbl[] = {3.125, -0.5, 1e300};
static CURRENCY fx_mvcur[2];
static double fx_mvat[] = {45000.5};
static FILETIME fx_mvft[] = {{1, 2}, {3, 4}};
static LARGE_INTEGER fx_mvli[2];
static char fx_s1[] = "one", fx_s2[] = "", fx_s3[] = "three \xE2\x82\xAC";
static LPSTR fx_mvsza[] = {fx_s1, fx_s2, fx_s3};
static WCHAR fx_w1[] = u"alpha", fx_w2[] = u"\u00e9t\u00e9";
static LPWSTR fx_mvszw[] = {fx_w1, fx_w2};
static BYTE fx_b1[] = {0xde, 0xad, 0xbe, 0xef, 0x01}, fx_b2[] = {7};
static SBinary fx_mvbin[] = {{5, fx_b1}, {0, NULL}, {1, fx_b2}};
static GUID fx_mvguid[2] = {{1, 2, 3, {4}}, {5, 6, 7, {8}}};
static char fx_str8[] = "a PT_STRING8 value";
static WCHAR fx_unicode[] = u"a PT_UNICODE value \U0001d11e";
static BYTE fx_bin[] = {0, 1, 2, 3, 4, 5, 6, 7, 8};

/* Fills out[] with one value of every type (ids 0x6000 + i) and returns how many. */
static int fixture_all_types(SPropValue *out)
{
    int n = 0;
    memset(out, 0, sizeof(SPropValue) * FIXTURE_MAX);
    fx_mvcur[0].int64 = 12345;
    fx_mvcur[1].int64 = -1;
    fx_mvli[0].QuadPart = 1LL << 40;
    fx_mvli[1].QuadPart = -5;
#define FX(type) (out[n].ulPropTag = PROP_TAG((type), 0x6000 + n), &out[n++].Value)
    FX(PT_I2)->i = -7;
    FX(PT_LONG)->l = 123456;
    FX(PT_R4)->flt = 2.5f;
    FX(PT_DOUBLE)->dbl = -1.25;
    FX(PT_CURRENCY)->cur.int64 = 99999;
    FX(PT_APPTIME)->at = 40000.25;
    FX(PT_ERROR)->err = MAPI_E_NOT_FOUND;
    FX(PT_BOOLEAN)->b = 1;
    FX(PT_OBJECT)->x = 0;
    FX(PT_I8)->li.QuadPart = -(1LL << 50);
    FX(PT_STRING8)->lpszA = fx_str8;
    FX(PT_UNICODE)->lpszW = fx_unicode;
    FX(PT_SYSTIME)->ft = (FILETIME){0x89abcdef, 0x01d00000};
    FX(PT_CLSID)->lpguid = &fx_guid;
    union _PV *v = FX(PT_BINARY);
    v->bin.cb = sizeof(fx_bin);
    v->bin.lpb = fx_bin;
    v = FX(PT_BINARY);
    v->bin.cb = 0;
    v->bin.lpb = NULL;
    /* PR_NULL, the placeholder of a missing column: the only PT_NULL value copies accept
     * (PT_UNSPECIFIED and PT_NULL with an ID hold no value; test_native.c). */
    out[n].ulPropTag = PR_NULL;
    out[n++].Value.x = 0;
    v = FX(PT_MV_I2);
    v->MVi.cValues = 3;
    v->MVi.lpi = fx_mvi;
    v = FX(PT_MV_LONG);
    v->MVl.cValues = 2;
    v->MVl.lpl = fx_mvl;
    v = FX(PT_MV_R4);
    v->MVflt.cValues = 2;
    v->MVflt.lpflt = fx_mvflt;
    v = FX(PT_MV_DOUBLE);
    v->MVdbl.cValues = 3;
    v->MVdbl.lpdbl = fx_mvdbl;
    v = FX(PT_MV_CURRENCY);
    v->MVcur.cValues = 2;
    v->MVcur.lpcur = fx_mvcur;
    v = FX(PT_MV_APPTIME);
    v->MVat.cValues = 1;
    v->MVat.lpat = fx_mvat;
    v = FX(PT_MV_SYSTIME);
    v->MVft.cValues = 2;
    v->MVft.lpft = fx_mvft;
    v = FX(PT_MV_I8);
    v->MVli.cValues = 2;
    v->MVli.lpli = fx_mvli;
    v = FX(PT_MV_STRING8);
    v->MVszA.cValues = 3;
    v->MVszA.lppszA = fx_mvsza;
    v = FX(PT_MV_UNICODE);
    v->MVszW.cValues = 2;
    v->MVszW.lppszW = fx_mvszw;
    v = FX(PT_MV_BINARY);
    v->MVbin.cValues = 3;
    v->MVbin.lpbin = fx_mvbin;
    v = FX(PT_MV_CLSID);
    v->MVguid.cValues = 2;
    v->MVguid.lpguid = fx_mvguid;
    /* one instance of a multi-valued column: a single string under an MVI tag */
    out[n].ulPropTag = MVI_PROP(PROP_TAG(PT_MV_STRING8, 0x6000 + n));
    out[n++].Value.lpszA = fx_s3;
#undef FX
    return n;
}

#endif
