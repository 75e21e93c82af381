/* tests/runtime/prop/test_propdata.c: CreateIProp / IPropData and the property bag beneath it
 * (mapirt/propstore.h).
 * configure: also under ThreadSanitizer (tests/runtime/tsan stands in for Criterion). */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapiguid.h>
#include <mapiutil.h>
#include <mapix.h>

#include <mapirt/propstore.h>
#include <mapirt/testhooks.h>

#include "oom.h"

/* Element i of a MAPI_DIM trailing array: clang rejects constant indexes past its declared
 * single element. */
#define AT(arr, i) ((&(arr)[0])[i])

#define P_LONG PROP_TAG(PT_LONG, 0x6601)
#define P_STR8 PROP_TAG(PT_STRING8, 0x6602)
#define P_UNI PROP_TAG(PT_UNICODE, 0x6603)
#define P_BIN PROP_TAG(PT_BINARY, 0x6604)
#define P_BOOL PROP_TAG(PT_BOOLEAN, 0x6605)
#define P_MVSTR8 PROP_TAG(PT_MV_STRING8, 0x6606)
#define P_MVLONG PROP_TAG(PT_MV_LONG, 0x6607)
#define P_OBJ PROP_TAG(PT_OBJECT, 0x6608)
#define P_I8 PROP_TAG(PT_I8, 0x6609)
#define P_DBL PROP_TAG(PT_DOUBLE, 0x660A)
#define P_GUID PROP_TAG(PT_CLSID, 0x660B)
#define P_TIME PROP_TAG(PT_SYSTIME, 0x660C)
#define P_I2 PROP_TAG(PT_I2, 0x660D)
#define P_R4 PROP_TAG(PT_R4, 0x660E)
#define P_CUR PROP_TAG(PT_CURRENCY, 0x660F)
#define P_APPT PROP_TAG(PT_APPTIME, 0x6610)
#define P_MVBIN PROP_TAG(PT_MV_BINARY, 0x6611)
#define P_MVUNI PROP_TAG(PT_MV_UNICODE, 0x6612)
#define P_MISSING PROP_TAG(PT_LONG, 0x6700)

static LPSPropTagArray mktags(ULONG n, ...)
{
    LPSPropTagArray t = calloc(1, CbNewSPropTagArray(n ? n : 1));
    va_list ap;
    va_start(ap, n);
    t->cValues = n;
    for (ULONG i = 0; i < n; i++)
        t->aulPropTag[i] = va_arg(ap, ULONG);
    va_end(ap);
    return t;
}

static LPPROPDATA new_prop(void)
{
    LPPROPDATA p = NULL;
    cr_assert_eq(CreateIProp(&IID_IMAPIPropData, MAPIAllocateBuffer, MAPIAllocateMore,
                             MAPIFreeBuffer, NULL, &p),
                 S_OK);
    cr_assert_not_null(p);
    return p;
}

static SPropValue long_val(ULONG tag, LONG v)
{
    SPropValue p;
    memset(&p, 0, sizeof(p));
    p.ulPropTag = tag;
    p.Value.l = v;
    return p;
}

static SPropValue str8_val(ULONG tag, const char *s)
{
    SPropValue p;
    memset(&p, 0, sizeof(p));
    p.ulPropTag = tag;
    p.Value.lpszA = (LPSTR)s;
    return p;
}

static SPropValue uni_val(ULONG tag, const WCHAR *s)
{
    SPropValue p;
    memset(&p, 0, sizeof(p));
    p.ulPropTag = tag;
    p.Value.lpszW = (LPWSTR)s;
    return p;
}

static LONG get_long(LPPROPDATA p, ULONG tag)
{
    LPSPropTagArray t = mktags(1, tag);
    ULONG c = 0;
    LPSPropValue v = NULL;
    cr_assert_eq(p->lpVtbl->GetProps(p, t, 0, &c, &v), S_OK);
    cr_assert_eq(c, 1);
    cr_assert_eq(v[0].ulPropTag, tag);
    LONG r = v[0].Value.l;
    MAPIFreeBuffer(v);
    free(t);
    return r;
}

static int has_prop(LPPROPDATA p, ULONG tag)
{
    LPSPropTagArray t = mktags(1, tag);
    ULONG c = 0;
    LPSPropValue v = NULL;
    HRESULT hr = p->lpVtbl->GetProps(p, t, 0, &c, &v);
    cr_assert(hr == S_OK || hr == MAPI_W_ERRORS_RETURNED);
    int r = PROP_TYPE(v[0].ulPropTag) != PT_ERROR;
    MAPIFreeBuffer(v);
    free(t);
    return r;
}

/* ---- CreateIProp ------------------------------------------------------------------ */

Test(propdata, create_arguments)
{
    LPPROPDATA p = (LPPROPDATA)1;

    cr_expect_eq(CreateIProp(NULL, MAPIAllocateBuffer, MAPIAllocateMore, MAPIFreeBuffer, NULL,
                             NULL),
                 MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(CreateIProp(NULL, NULL, MAPIAllocateMore, MAPIFreeBuffer, NULL, &p),
                 MAPI_E_INVALID_PARAMETER);
    cr_expect_null(p);
    cr_expect_eq(CreateIProp(NULL, MAPIAllocateBuffer, NULL, MAPIFreeBuffer, NULL, &p),
                 MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(CreateIProp(NULL, MAPIAllocateBuffer, MAPIAllocateMore, NULL, NULL, &p),
                 MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(CreateIProp(NULL, MAPIAllocateBuffer, MAPIAllocateMore, MAPIFreeBuffer,
                             (LPVOID)1, &p),
                 MAPI_E_INVALID_PARAMETER, "lpvReserved must be zero");
    cr_expect_eq(CreateIProp(&IID_IMAPITable, MAPIAllocateBuffer, MAPIAllocateMore,
                             MAPIFreeBuffer, NULL, &p),
                 MAPI_E_INTERFACE_NOT_SUPPORTED);
    cr_assert_eq(CreateIProp(NULL, MAPIAllocateBuffer, MAPIAllocateMore, MAPIFreeBuffer, NULL,
                             &p),
                 S_OK, "NULL interface means IPropData");
    p->lpVtbl->Release(p);
    cr_assert_eq(CreateIProp(&IID_IMAPIProp, MAPIAllocateBuffer, MAPIAllocateMore,
                             MAPIFreeBuffer, NULL, &p),
                 S_OK);
    p->lpVtbl->Release(p);
    MAPIRT_LEAK_CHECK();
}

Test(propdata, query_interface_and_refcount)
{
    LPPROPDATA p = new_prop();
    LPUNKNOWN u = NULL;

    cr_assert_eq(p->lpVtbl->QueryInterface(p, &IID_IMAPIPropData, (void **)&u), S_OK);
    cr_expect_eq((void *)u, (void *)p);
    cr_assert_eq(p->lpVtbl->QueryInterface(p, &IID_IMAPIProp, (void **)&u), S_OK);
    cr_assert_eq(p->lpVtbl->QueryInterface(p, &IID_IUnknown, (void **)&u), S_OK);
    cr_expect_eq(p->lpVtbl->QueryInterface(p, &IID_IMAPITable, (void **)&u),
                 MAPI_E_INTERFACE_NOT_SUPPORTED);
    cr_expect_eq(p->lpVtbl->AddRef(p), 5);
    cr_expect_eq(p->lpVtbl->Release(p), 4);
    cr_expect_eq(p->lpVtbl->Release(p), 3);
    cr_expect_eq(p->lpVtbl->Release(p), 2);
    cr_expect_eq(p->lpVtbl->Release(p), 1);
    cr_expect_eq(p->lpVtbl->Release(p), 0);
    MAPIRT_LEAK_CHECK();
}

Test(propdata, create_oom)
{
    LPPROPDATA p = NULL;
    unsigned long n;
    HRESULT hr;

    for (n = 1;; n++) {
        mapirt_test_fail_alloc(n);
        hr = CreateIProp(NULL, MAPIAllocateBuffer, MAPIAllocateMore, MAPIFreeBuffer, NULL, &p);
        OOM_STEP(hr, n, MAPI_E_NOT_ENOUGH_MEMORY);
        cr_assert_null(p);
    }
    cr_expect_eq(n, 3, "object and bag");
    p->lpVtbl->Release(p);
    MAPIRT_LEAK_CHECK();
}

/* ---- SetProps / GetProps round trips ---------------------------------------------- */

Test(propdata, every_type_round_trips)
{
    LPPROPDATA p = new_prop();
    static const WCHAR wide[] = u"wide \u00e9";
    BYTE bin[3] = {0, 1, 255};
    GUID guid = {0x12345678, 0x1234, 0x5678, {1, 2, 3, 4, 5, 6, 7, 8}};
    LPSTR mvs[2] = {"one", "two"};
    LONG mvl[3] = {1, -2, 3};
    SBinary mvb[2] = {{3, bin}, {0, NULL}};
    LPWSTR mvw[1] = {(LPWSTR)wide};
    SPropValue v[18];
    memset(v, 0, sizeof(v));
    v[0] = long_val(P_LONG, -7);
    v[1] = str8_val(P_STR8, "narrow");
    v[2] = uni_val(P_UNI, wide);
    v[3].ulPropTag = P_BIN;
    v[3].Value.bin.cb = 3;
    v[3].Value.bin.lpb = bin;
    v[4].ulPropTag = P_BOOL;
    v[4].Value.b = 1;
    v[5].ulPropTag = P_MVSTR8;
    v[5].Value.MVszA.cValues = 2;
    v[5].Value.MVszA.lppszA = mvs;
    v[6].ulPropTag = P_MVLONG;
    v[6].Value.MVl.cValues = 3;
    v[6].Value.MVl.lpl = mvl;
    v[7].ulPropTag = P_I8;
    v[7].Value.li.QuadPart = 0x123456789LL;
    v[8].ulPropTag = P_DBL;
    v[8].Value.dbl = 2.5;
    v[9].ulPropTag = P_GUID;
    v[9].Value.lpguid = &guid;
    v[10].ulPropTag = P_TIME;
    v[10].Value.ft.dwLowDateTime = 11;
    v[10].Value.ft.dwHighDateTime = 22;
    v[11].ulPropTag = P_I2;
    v[11].Value.i = -3;
    v[12].ulPropTag = P_R4;
    v[12].Value.flt = 1.5f;
    v[13].ulPropTag = P_CUR;
    v[13].Value.cur.int64 = 10000;
    v[14].ulPropTag = P_APPT;
    v[14].Value.at = 3.25;
    v[15].ulPropTag = P_MVBIN;
    v[15].Value.MVbin.cValues = 2;
    v[15].Value.MVbin.lpbin = mvb;
    v[16].ulPropTag = P_MVUNI;
    v[16].Value.MVszW.cValues = 1;
    v[16].Value.MVszW.lppszW = mvw;
    v[17] = long_val(PR_NULL, 0);
    LPSPropProblemArray probs = (LPSPropProblemArray)1;

    cr_assert_eq(p->lpVtbl->SetProps(p, 18, v, &probs), S_OK);
    cr_expect_null(probs, "no problems");

    LPSPropTagArray t = mktags(17, P_LONG, P_STR8, P_UNI, P_BIN, P_BOOL, P_MVSTR8, P_MVLONG,
                               P_I8, P_DBL, P_GUID, P_TIME, P_I2, P_R4, P_CUR, P_APPT, P_MVBIN,
                               P_MVUNI);
    ULONG c = 0;
    LPSPropValue r = NULL;
    cr_assert_eq(p->lpVtbl->GetProps(p, t, 0, &c, &r), S_OK);
    cr_assert_eq(c, 17);
    for (ULONG i = 0; i < 17; i++)
        cr_expect_eq(r[i].ulPropTag, t->aulPropTag[i], "tag %u", i);
    cr_expect_eq(r[0].Value.l, -7);
    cr_expect_str_eq(r[1].Value.lpszA, "narrow");
    cr_expect_eq(memcmp(r[2].Value.lpszW, wide, sizeof(wide)), 0);
    cr_expect_eq(r[3].Value.bin.cb, 3);
    cr_expect_eq(memcmp(r[3].Value.bin.lpb, bin, 3), 0);
    cr_expect_neq(r[3].Value.bin.lpb, bin, "stored as a copy");
    cr_expect_eq(r[4].Value.b, 1);
    cr_expect_eq(r[5].Value.MVszA.cValues, 2);
    cr_expect_str_eq(r[5].Value.MVszA.lppszA[1], "two");
    cr_expect_eq(r[6].Value.MVl.lpl[1], -2);
    cr_expect_eq(r[7].Value.li.QuadPart, 0x123456789LL);
    cr_expect_eq(r[8].Value.dbl, 2.5);
    cr_expect_eq(memcmp(r[9].Value.lpguid, &guid, sizeof(GUID)), 0);
    cr_expect_eq(r[10].Value.ft.dwHighDateTime, 22);
    cr_expect_eq(r[11].Value.i, -3);
    cr_expect_eq(r[12].Value.flt, 1.5f);
    cr_expect_eq(r[13].Value.cur.int64, 10000);
    cr_expect_eq(r[14].Value.at, 3.25);
    cr_expect_eq(r[15].Value.MVbin.lpbin[0].cb, 3);
    cr_expect_eq(r[15].Value.MVbin.lpbin[1].cb, 0);
    cr_expect_eq(memcmp(r[16].Value.MVszW.lppszW[0], wide, sizeof(wide)), 0);
    MAPIFreeBuffer(r);
    free(t);
    p->lpVtbl->Release(p);
    MAPIRT_LEAK_CHECK();
}

Test(propdata, get_props_missing_unspecified_and_conversion)
{
    LPPROPDATA p = new_prop();
    SPropValue v[3] = {long_val(P_LONG, 5), str8_val(P_STR8, "caf\xc3\xa9"),
                       uni_val(P_UNI, u"\u00fcber")};
    cr_assert_eq(p->lpVtbl->SetProps(p, 3, v, NULL), S_OK);

    LPSPropTagArray t = mktags(6, P_LONG, P_MISSING, CHANGE_PROP_TYPE(P_STR8, PT_UNSPECIFIED),
                               CHANGE_PROP_TYPE(P_STR8, PT_UNICODE),
                               CHANGE_PROP_TYPE(P_UNI, PT_STRING8),
                               CHANGE_PROP_TYPE(P_LONG, PT_BINARY));
    ULONG c;
    LPSPropValue r;
    cr_assert_eq(p->lpVtbl->GetProps(p, t, 0, &c, &r), MAPI_W_ERRORS_RETURNED);
    cr_assert_eq(c, 6);
    cr_expect_eq(r[0].Value.l, 5);
    cr_expect_eq(r[1].ulPropTag, PROP_TAG(PT_ERROR, 0x6700), "missing: PT_ERROR, same ID");
    cr_expect_eq(r[1].Value.err, MAPI_E_NOT_FOUND);
    cr_expect_eq(r[2].ulPropTag, P_STR8, "PT_UNSPECIFIED without MAPI_UNICODE: 8-bit");
    cr_expect_str_eq(r[2].Value.lpszA, "caf\xc3\xa9");
    cr_expect_eq(r[3].ulPropTag, CHANGE_PROP_TYPE(P_STR8, PT_UNICODE));
    cr_expect_eq(memcmp(r[3].Value.lpszW, u"caf\u00e9", 5 * sizeof(WCHAR)), 0,
                 "UTF-8 converted to UTF-16");
    cr_expect_eq(r[4].ulPropTag, CHANGE_PROP_TYPE(P_UNI, PT_STRING8));
    cr_expect_str_eq(r[4].Value.lpszA, "\xc3\xbc" "ber");
    cr_expect_eq(r[5].ulPropTag, CHANGE_PROP_TYPE(P_LONG, PT_ERROR), "type mismatch");
    cr_expect_eq(r[5].Value.err, MAPI_E_NOT_FOUND);
    MAPIFreeBuffer(r);

    /* PT_UNSPECIFIED with MAPI_UNICODE: strings come back wide. */
    LPSPropTagArray t2 = mktags(2, CHANGE_PROP_TYPE(P_STR8, PT_UNSPECIFIED),
                                CHANGE_PROP_TYPE(P_LONG, PT_UNSPECIFIED));
    cr_assert_eq(p->lpVtbl->GetProps(p, t2, MAPI_UNICODE, &c, &r), S_OK);
    cr_expect_eq(r[0].ulPropTag, CHANGE_PROP_TYPE(P_STR8, PT_UNICODE));
    cr_expect_eq(r[0].Value.lpszW[3], 0x00e9);
    cr_expect_eq(r[1].ulPropTag, P_LONG, "non-strings keep their type");
    MAPIFreeBuffer(r);
    free(t);
    free(t2);
    p->lpVtbl->Release(p);
    MAPIRT_LEAK_CHECK();
}

Test(propdata, get_props_all)
{
    LPPROPDATA p = new_prop();
    ULONG c = 99;
    LPSPropValue r = (LPSPropValue)1;

    cr_assert_eq(p->lpVtbl->GetProps(p, NULL, 0, &c, &r), S_OK);
    cr_expect_eq(c, 0, "empty object");
    cr_expect_null(r);

    SPropValue v[3] = {uni_val(P_UNI, u"x"), long_val(P_LONG, 1), str8_val(P_STR8, "y")};
    cr_assert_eq(p->lpVtbl->SetProps(p, 3, v, NULL), S_OK);
    LPSPropTagArray obj = mktags(1, P_OBJ);
    cr_assert_eq(p->lpVtbl->HrAddObjProps(p, obj, NULL), S_OK);

    cr_assert_eq(p->lpVtbl->GetProps(p, NULL, 0, &c, &r), S_OK);
    cr_assert_eq(c, 3, "PT_OBJECT properties are not returned by value");
    cr_expect_eq(r[0].ulPropTag, P_LONG, "ordered by property ID");
    cr_expect_eq(r[1].ulPropTag, P_STR8);
    cr_expect_eq(r[2].ulPropTag, CHANGE_PROP_TYPE(P_UNI, PT_STRING8), "8-bit without flag");
    cr_expect_str_eq(r[2].Value.lpszA, "x");
    MAPIFreeBuffer(r);
    cr_assert_eq(p->lpVtbl->GetProps(p, NULL, MAPI_UNICODE, &c, &r), S_OK);
    cr_expect_eq(r[1].ulPropTag, CHANGE_PROP_TYPE(P_STR8, PT_UNICODE));
    cr_expect_eq(r[1].Value.lpszW[0], u'y');
    cr_expect_eq(r[2].ulPropTag, P_UNI);
    MAPIFreeBuffer(r);
    free(obj);
    p->lpVtbl->Release(p);
    MAPIRT_LEAK_CHECK();
}

Test(propdata, get_props_bad_arguments)
{
    LPPROPDATA p = new_prop();
    ULONG c;
    LPSPropValue r;
    LPSPropTagArray empty = mktags(0), t = mktags(1, P_LONG);

    cr_expect_eq(p->lpVtbl->GetProps(p, t, 0x1, &c, &r), MAPI_E_UNKNOWN_FLAGS);
    cr_expect_eq(p->lpVtbl->GetProps(p, empty, 0, &c, &r), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(p->lpVtbl->GetProps(p, t, 0, NULL, &r), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(p->lpVtbl->GetProps(p, t, 0, &c, NULL), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(p->lpVtbl->GetPropList(p, 0x2, (LPSPropTagArray *)&r), MAPI_E_UNKNOWN_FLAGS);
    cr_expect_eq(p->lpVtbl->GetPropList(p, 0, NULL), MAPI_E_INVALID_PARAMETER);
    free(empty);
    free(t);
    p->lpVtbl->Release(p);
    MAPIRT_LEAK_CHECK();
}

Test(propdata, get_props_oom)
{
    LPPROPDATA p = new_prop();
    SPropValue v[2] = {str8_val(P_STR8, "abc"), uni_val(P_UNI, u"def")};
    cr_assert_eq(p->lpVtbl->SetProps(p, 2, v, NULL), S_OK);
    LPSPropTagArray t = mktags(3, P_LONG, CHANGE_PROP_TYPE(P_STR8, PT_UNICODE),
                               CHANGE_PROP_TYPE(P_UNI, PT_STRING8));
    ULONG c;
    LPSPropValue r;
    unsigned long n;
    HRESULT hr;

    for (n = 1;; n++) {
        r = (LPSPropValue)1;
        mapirt_test_fail_alloc(n);
        hr = p->lpVtbl->GetProps(p, t, 0, &c, &r);
        OOM_STEP(hr, n, MAPI_E_NOT_ENOUGH_MEMORY);
        cr_assert_null(r);
    }
    cr_expect_eq(hr, MAPI_W_ERRORS_RETURNED);
    cr_expect_gt(n, 4, "array plus two conversions with temporaries");
    MAPIFreeBuffer(r);
    for (n = 1;; n++) {
        mapirt_test_fail_alloc(n);
        hr = p->lpVtbl->GetPropList(p, 0, (LPSPropTagArray *)&r);
        OOM_STEP(hr, n, MAPI_E_NOT_ENOUGH_MEMORY);
    }
    MAPIFreeBuffer(r);
    free(t);
    p->lpVtbl->Release(p);
    MAPIRT_LEAK_CHECK();
}

Test(propdata, get_prop_list)
{
    LPPROPDATA p = new_prop();
    LPSPropTagArray l = NULL;

    cr_assert_eq(p->lpVtbl->GetPropList(p, 0, &l), S_OK);
    cr_expect_eq(l->cValues, 0);
    MAPIFreeBuffer(l);

    SPropValue v[3] = {uni_val(P_UNI, u"x"), long_val(P_LONG, 1), str8_val(P_STR8, "y")};
    LPSPropTagArray obj = mktags(1, P_OBJ);
    cr_assert_eq(p->lpVtbl->SetProps(p, 3, v, NULL), S_OK);
    cr_assert_eq(p->lpVtbl->HrAddObjProps(p, obj, NULL), S_OK);
    cr_assert_eq(p->lpVtbl->GetPropList(p, MAPI_UNICODE, &l), S_OK);
    cr_assert_eq(l->cValues, 4);
    cr_expect_eq(l->aulPropTag[0], P_LONG);
    cr_expect_eq(AT(l->aulPropTag, 1), CHANGE_PROP_TYPE(P_STR8, PT_UNICODE));
    cr_expect_eq(AT(l->aulPropTag, 2), P_UNI);
    cr_expect_eq(AT(l->aulPropTag, 3), P_OBJ, "object properties are listed");
    MAPIFreeBuffer(l);
    cr_assert_eq(p->lpVtbl->GetPropList(p, 0, &l), S_OK);
    cr_expect_eq(AT(l->aulPropTag, 2), CHANGE_PROP_TYPE(P_UNI, PT_STRING8));
    MAPIFreeBuffer(l);
    free(obj);
    p->lpVtbl->Release(p);
    MAPIRT_LEAK_CHECK();
}

/* ---- SetProps rules ----------------------------------------------------------------- */

Test(propdata, set_props_bad_arguments)
{
    LPPROPDATA p = new_prop();
    SPropValue v = long_val(P_LONG, 1);
    LPSPropProblemArray probs = (LPSPropProblemArray)1;

    cr_expect_eq(p->lpVtbl->SetProps(p, 0, &v, &probs), MAPI_E_INVALID_PARAMETER);
    cr_expect_null(probs);
    cr_expect_eq(p->lpVtbl->SetProps(p, 1, NULL, NULL), MAPI_E_INVALID_PARAMETER);

    SPropValue bad[2] = {long_val(P_LONG, 1), long_val(P_OBJ, 0)};
    cr_expect_eq(p->lpVtbl->SetProps(p, 2, bad, NULL), MAPI_E_INVALID_PARAMETER, "PT_OBJECT");
    cr_expect_not(has_prop(p, P_LONG), "nothing stored when the call fails");

    SPropValue mv0;
    memset(&mv0, 0, sizeof(mv0));
    mv0.ulPropTag = P_MVLONG;
    mv0.Value.MVl.cValues = 1;
    mv0.Value.MVl.lpl = NULL;
    cr_expect_eq(p->lpVtbl->SetProps(p, 1, &mv0, NULL), MAPI_E_INVALID_PARAMETER,
                 "multi-valued with values but no array");
    SPropValue nullstr = str8_val(P_STR8, NULL);
    cr_expect_eq(p->lpVtbl->SetProps(p, 1, &nullstr, NULL), MAPI_E_INVALID_PARAMETER);
    SPropValue nullbin;
    memset(&nullbin, 0, sizeof(nullbin));
    nullbin.ulPropTag = P_BIN;
    nullbin.Value.bin.cb = 4;
    cr_expect_eq(p->lpVtbl->SetProps(p, 1, &nullbin, NULL), MAPI_E_INVALID_PARAMETER);
    LPSTR mvs[2] = {"a", NULL};
    SPropValue nullmv;
    memset(&nullmv, 0, sizeof(nullmv));
    nullmv.ulPropTag = P_MVSTR8;
    nullmv.Value.MVszA.cValues = 2;
    nullmv.Value.MVszA.lppszA = mvs;
    cr_expect_eq(p->lpVtbl->SetProps(p, 1, &nullmv, NULL), MAPI_E_INVALID_PARAMETER);
    p->lpVtbl->Release(p);
    MAPIRT_LEAK_CHECK();
}

Test(propdata, set_props_problems_and_ignored_values)
{
    LPPROPDATA p = new_prop();
    LPSPropProblemArray probs = NULL;
    SPropValue ro = long_val(P_LONG, 1);
    cr_assert_eq(p->lpVtbl->SetProps(p, 1, &ro, NULL), S_OK);
    LPSPropTagArray t = mktags(1, P_LONG);
    ULONG acc = IPROP_READONLY | IPROP_DIRTY;
    cr_assert_eq(p->lpVtbl->HrSetPropAccess(p, t, &acc), S_OK);

    SPropValue v[5];
    v[0] = long_val(P_LONG, 2);                            /* read-only */
    v[1] = long_val(PROP_TAG(PT_ERROR, 0x6620), 0);        /* ignored */
    v[2] = long_val(PR_NULL, 0);                           /* ignored */
    v[3] = long_val(PROP_TAG(0x0077, 0x6621), 0);          /* unknown type */
    v[4] = str8_val(P_STR8, "stored");
    cr_assert_eq(p->lpVtbl->SetProps(p, 5, v, &probs), S_OK);
    cr_assert_not_null(probs);
    cr_assert_eq(probs->cProblem, 2);
    cr_expect_eq(probs->aProblem[0].ulIndex, 0);
    cr_expect_eq(probs->aProblem[0].ulPropTag, P_LONG);
    cr_expect_eq(probs->aProblem[0].scode, MAPI_E_NO_ACCESS);
    cr_expect_eq(AT(probs->aProblem, 1).ulIndex, 3);
    cr_expect_eq(AT(probs->aProblem, 1).scode, MAPI_E_INVALID_TYPE);
    MAPIFreeBuffer(probs);
    cr_expect_eq(get_long(p, P_LONG), 1, "read-only value unchanged");
    cr_expect(has_prop(p, P_STR8));
    cr_expect_not(has_prop(p, PROP_TAG(PT_ERROR, 0x6620)));

    /* Same ID, new type: replaces the value. */
    SPropValue retype = str8_val(CHANGE_PROP_TYPE(P_STR8, PT_LONG), NULL);
    retype.Value.l = 42;
    cr_assert_eq(p->lpVtbl->SetProps(p, 1, &retype, NULL), S_OK);
    cr_expect_eq(get_long(p, CHANGE_PROP_TYPE(P_STR8, PT_LONG)), 42);
    cr_expect_not(has_prop(p, P_STR8));

    /* Without a problem pointer the problems are simply not reported. */
    cr_assert_eq(p->lpVtbl->SetProps(p, 1, &v[0], NULL), S_OK);
    free(t);
    p->lpVtbl->Release(p);
    MAPIRT_LEAK_CHECK();
}

Test(propdata, read_only_object_and_last_error)
{
    LPPROPDATA p = new_prop();
    SPropValue v = long_val(P_LONG, 1);
    LPMAPIERROR err = NULL;
    LPSPropTagArray t = mktags(1, P_LONG);

    cr_assert_eq(p->lpVtbl->SetProps(p, 1, &v, NULL), S_OK);
    cr_expect_eq(p->lpVtbl->HrSetObjAccess(p, 0x100), MAPI_E_UNKNOWN_FLAGS);
    cr_expect_eq(p->lpVtbl->HrSetObjAccess(p, IPROP_READONLY | IPROP_READWRITE),
                 MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(p->lpVtbl->HrSetObjAccess(p, 0), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(p->lpVtbl->HrSetObjAccess(p, IPROP_CLEAN), MAPI_E_UNKNOWN_FLAGS,
                 "a property status bit is not an object access flag");
    cr_assert_eq(p->lpVtbl->HrSetObjAccess(p, IPROP_READONLY), S_OK);

    v.Value.l = 2;
    cr_expect_eq(p->lpVtbl->SetProps(p, 1, &v, NULL), MAPI_E_NO_ACCESS);
    cr_expect_eq(p->lpVtbl->DeleteProps(p, t, NULL), MAPI_E_NO_ACCESS);
    cr_expect_eq(p->lpVtbl->HrAddObjProps(p, (LPSPropTagArray)&(SPropTagArray){1, {P_OBJ}},
                                          NULL),
                 MAPI_E_NO_ACCESS);
    cr_expect_eq(get_long(p, P_LONG), 1, "reading still works");

    cr_assert_eq(p->lpVtbl->GetLastError(p, MAPI_E_NO_ACCESS, 0, &err), S_OK);
    cr_assert_not_null(err);
    cr_expect_eq(err->ulVersion, MAPI_ERROR_VERSION);
    cr_expect_not_null(strstr((char *)err->lpszError, "read-only"));
    cr_expect_str_eq((char *)err->lpszComponent, "IPropData");
    MAPIFreeBuffer(err);
    cr_assert_eq(p->lpVtbl->GetLastError(p, MAPI_E_NO_ACCESS, MAPI_UNICODE, &err), S_OK);
    cr_expect_eq(((WCHAR *)err->lpszComponent)[0], u'I');
    cr_expect_eq(((WCHAR *)err->lpszComponent)[1], u'P');
    MAPIFreeBuffer(err);
    err = (LPMAPIERROR)1;
    cr_assert_eq(p->lpVtbl->GetLastError(p, MAPI_E_CALL_FAILED, 0, &err), S_OK);
    cr_expect_null(err, "nothing recorded for another code");
    cr_expect_eq(p->lpVtbl->GetLastError(p, MAPI_E_NO_ACCESS, 1, &err), MAPI_E_UNKNOWN_FLAGS);
    cr_expect_eq(p->lpVtbl->GetLastError(p, MAPI_E_NO_ACCESS, 0, NULL), MAPI_E_INVALID_PARAMETER);

    cr_assert_eq(p->lpVtbl->HrSetObjAccess(p, IPROP_READWRITE), S_OK);
    cr_expect_eq(p->lpVtbl->SetProps(p, 1, &v, NULL), S_OK);
    cr_expect_eq(get_long(p, P_LONG), 2);
    free(t);
    p->lpVtbl->Release(p);
    MAPIRT_LEAK_CHECK();
}

Test(propdata, last_error_oom)
{
    LPPROPDATA p = new_prop();
    LPMAPIERROR err;
    unsigned long n;
    HRESULT hr;

    cr_assert_eq(p->lpVtbl->SetProps(p, 0, NULL, NULL), MAPI_E_INVALID_PARAMETER);
    for (n = 1;; n++) {
        err = (LPMAPIERROR)1;
        mapirt_test_fail_alloc(n);
        hr = p->lpVtbl->GetLastError(p, MAPI_E_INVALID_PARAMETER, 0, &err);
        OOM_STEP(hr, n, MAPI_E_NOT_ENOUGH_MEMORY);
        cr_assert_null(err);
    }
    cr_expect_eq(n, 4, "structure and two strings");
    cr_assert_not_null(err);
    MAPIFreeBuffer(err);
    p->lpVtbl->Release(p);
    MAPIRT_LEAK_CHECK();
}

Test(propdata, set_props_oom_changes_nothing)
{
    LPPROPDATA p = new_prop();
    SPropValue first[2] = {long_val(P_LONG, 1), str8_val(P_STR8, "old")};
    cr_assert_eq(p->lpVtbl->SetProps(p, 2, first, NULL), S_OK);
    LPSPropTagArray t = mktags(1, P_LONG);
    ULONG acc = IPROP_READONLY | IPROP_DIRTY;
    cr_assert_eq(p->lpVtbl->HrSetPropAccess(p, t, &acc), S_OK);

    BYTE bin[2] = {1, 2};
    SPropValue v[4] = {long_val(P_LONG, 9), str8_val(P_STR8, "new"), uni_val(P_UNI, u"w")};
    v[3].ulPropTag = P_BIN;
    v[3].Value.bin.cb = 2;
    v[3].Value.bin.lpb = bin;
    LPSPropProblemArray probs;
    unsigned long n;
    HRESULT hr;

    for (n = 1;; n++) {
        probs = (LPSPropProblemArray)1;
        mapirt_test_fail_alloc(n);
        hr = p->lpVtbl->SetProps(p, 4, v, &probs);
        OOM_STEP(hr, n, MAPI_E_NOT_ENOUGH_MEMORY);
        cr_assert_null(probs);
        LPSPropTagArray l;
        cr_assert_eq(p->lpVtbl->GetPropList(p, 0, &l), S_OK);
        cr_assert_eq(l->cValues, 2, "failure at allocation %lu added properties", n);
        MAPIFreeBuffer(l);
        LPSPropTagArray ts = mktags(1, P_STR8);
        ULONG c;
        LPSPropValue r;
        cr_assert_eq(p->lpVtbl->GetProps(p, ts, 0, &c, &r), S_OK);
        cr_assert_str_eq(r[0].Value.lpszA, "old", "failure at %lu changed a value", n);
        MAPIFreeBuffer(r);
        free(ts);
    }
    cr_expect_gt(n, 6, "plan, room, problems and three value copies");
    cr_assert_not_null(probs);
    cr_expect_eq(probs->cProblem, 1);
    MAPIFreeBuffer(probs);
    cr_expect(has_prop(p, P_UNI));
    free(t);
    p->lpVtbl->Release(p);
    MAPIRT_LEAK_CHECK();
}

/* ---- DeleteProps and the access methods --------------------------------------------- */

Test(propdata, delete_props)
{
    LPPROPDATA p = new_prop();
    SPropValue v[3] = {long_val(P_LONG, 1), str8_val(P_STR8, "s"), uni_val(P_UNI, u"u")};
    LPSPropProblemArray probs = NULL;
    LPSPropTagArray empty = mktags(0);

    cr_assert_eq(p->lpVtbl->SetProps(p, 3, v, NULL), S_OK);
    LPSPropTagArray ro = mktags(1, P_UNI);
    ULONG acc = IPROP_READONLY | IPROP_DIRTY;
    cr_assert_eq(p->lpVtbl->HrSetPropAccess(p, ro, &acc), S_OK);

    cr_expect_eq(p->lpVtbl->DeleteProps(p, NULL, &probs), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(p->lpVtbl->DeleteProps(p, empty, &probs), MAPI_E_INVALID_PARAMETER);
    cr_expect_null(probs);

    /* Types are ignored: only the IDs count. A missing property is no problem (native). */
    LPSPropTagArray del = mktags(3, CHANGE_PROP_TYPE(P_LONG, PT_UNSPECIFIED), P_MISSING, P_UNI);
    cr_assert_eq(p->lpVtbl->DeleteProps(p, del, &probs), S_OK);
    cr_assert_not_null(probs);
    cr_assert_eq(probs->cProblem, 1);
    cr_expect_eq(probs->aProblem[0].ulIndex, 2);
    cr_expect_eq(probs->aProblem[0].ulPropTag, P_UNI);
    cr_expect_eq(probs->aProblem[0].scode, MAPI_E_NO_ACCESS);
    MAPIFreeBuffer(probs);
    cr_expect_not(has_prop(p, P_LONG));
    cr_expect(has_prop(p, P_UNI));
    cr_expect(has_prop(p, P_STR8));

    LPSPropTagArray l;
    cr_assert_eq(p->lpVtbl->GetPropList(p, 0, &l), S_OK);
    cr_expect_eq(l->cValues, 2, "deleted property no longer listed");
    MAPIFreeBuffer(l);

    /* OOM on the problem array changes nothing. */
    LPSPropTagArray del2 = mktags(2, P_STR8, P_UNI);
    mapirt_test_fail_alloc(1);
    cr_expect_eq(p->lpVtbl->DeleteProps(p, del2, &probs), MAPI_E_NOT_ENOUGH_MEMORY);
    mapirt_test_fail_alloc(0);
    cr_expect(has_prop(p, P_STR8));
    cr_assert_eq(p->lpVtbl->DeleteProps(p, del2, NULL), S_OK);
    cr_expect_not(has_prop(p, P_STR8));
    free(empty);
    free(ro);
    free(del);
    free(del2);
    p->lpVtbl->Release(p);
    MAPIRT_LEAK_CHECK();
}

Test(propdata, prop_access)
{
    LPPROPDATA p = new_prop();
    SPropValue v[2] = {long_val(P_LONG, 1), str8_val(P_STR8, "s")};
    LPSPropTagArray all = NULL;
    ULONG *acc = NULL;

    cr_assert_eq(p->lpVtbl->SetProps(p, 2, v, NULL), S_OK);
    cr_assert_eq(p->lpVtbl->HrGetPropAccess(p, &all, &acc), S_OK);
    cr_assert_eq(all->cValues, 2);
    cr_expect_eq(acc[0], IPROP_READWRITE | IPROP_DIRTY, "set by a client: dirty");
    MAPIFreeBuffer(all);
    MAPIFreeBuffer(acc);

    LPSPropTagArray t = mktags(2, P_LONG, P_STR8);
    ULONG bad1[2] = {IPROP_READONLY | IPROP_READWRITE, 0};
    ULONG bad2[2] = {IPROP_CLEAN | IPROP_DIRTY, 0};
    ULONG bad3[2] = {0x10, 0};
    cr_expect_eq(p->lpVtbl->HrSetPropAccess(p, t, bad1), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(p->lpVtbl->HrSetPropAccess(p, t, bad2), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(p->lpVtbl->HrSetPropAccess(p, t, bad3), MAPI_E_UNKNOWN_FLAGS);
    cr_expect_eq(p->lpVtbl->HrSetPropAccess(p, NULL, bad3), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(p->lpVtbl->HrSetPropAccess(p, t, NULL), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(p->lpVtbl->HrGetPropAccess(p, NULL, &acc), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(p->lpVtbl->HrGetPropAccess(p, &all, NULL), MAPI_E_INVALID_PARAMETER);

    ULONG set[2] = {IPROP_READONLY | IPROP_CLEAN, IPROP_READWRITE | IPROP_CLEAN};
    cr_assert_eq(p->lpVtbl->HrSetPropAccess(p, t, set), S_OK);
    LPSPropTagArray q = t;
    cr_assert_eq(p->lpVtbl->HrGetPropAccess(p, &q, &acc), S_OK);
    cr_expect_eq(q, t, "a given array is filled in place");
    cr_expect_eq(acc[0], IPROP_READONLY | IPROP_CLEAN);
    cr_expect_eq(acc[1], IPROP_READWRITE | IPROP_CLEAN);
    MAPIFreeBuffer(acc);

    /* Modify and delete: dirty, and the deletion is remembered. */
    SPropValue s2 = str8_val(P_STR8, "t");
    cr_assert_eq(p->lpVtbl->SetProps(p, 1, &s2, NULL), S_OK);
    LPSPropTagArray d = mktags(1, P_STR8);
    cr_assert_eq(p->lpVtbl->DeleteProps(p, d, NULL), S_OK);
    LPSPropTagArray q2 = mktags(3, P_LONG, P_STR8, P_MISSING);
    LPSPropTagArray q2p = q2;
    cr_assert_eq(p->lpVtbl->HrGetPropAccess(p, &q2p, &acc), S_OK);
    cr_expect_eq(q2->aulPropTag[0], P_LONG);
    cr_expect_eq(AT(q2->aulPropTag, 1), 0, "deleted: tag set to 0");
    cr_expect_eq(acc[1], IPROP_DIRTY);
    cr_expect_eq(AT(q2->aulPropTag, 2), 0, "unknown: tag set to 0");
    cr_expect_eq(acc[2], 0);
    MAPIFreeBuffer(acc);
    all = NULL;
    cr_assert_eq(p->lpVtbl->HrGetPropAccess(p, &all, &acc), S_OK);
    cr_assert_eq(all->cValues, 2, "NULL: deleted properties included");
    cr_expect_eq(AT(all->aulPropTag, 1), P_STR8);
    cr_expect_eq(acc[1], IPROP_DIRTY);
    MAPIFreeBuffer(all);
    MAPIFreeBuffer(acc);

    /* Marking the deletion clean forgets it. */
    ULONG clean = IPROP_READWRITE | IPROP_CLEAN;
    cr_assert_eq(p->lpVtbl->HrSetPropAccess(p, d, &clean), S_OK);
    all = NULL;
    cr_assert_eq(p->lpVtbl->HrGetPropAccess(p, &all, &acc), S_OK);
    cr_expect_eq(all->cValues, 1);
    MAPIFreeBuffer(all);
    MAPIFreeBuffer(acc);

    /* OOM: both allocations. */
    for (unsigned long n = 1; n <= 2; n++) {
        all = NULL;
        acc = (ULONG *)1;
        mapirt_test_fail_alloc(n);
        cr_expect_eq(p->lpVtbl->HrGetPropAccess(p, &all, &acc), MAPI_E_NOT_ENOUGH_MEMORY);
        mapirt_test_fail_alloc(0);
        cr_expect_null(all);
        cr_expect_null(acc);
    }
    free(t);
    free(d);
    free(q2);
    p->lpVtbl->Release(p);
    MAPIRT_LEAK_CHECK();
}

Test(propdata, add_obj_props)
{
    LPPROPDATA p = new_prop();
    LPSPropTagArray mixed = mktags(2, P_OBJ, P_LONG), empty = mktags(0);
    LPSPropProblemArray probs = NULL;

    cr_expect_eq(p->lpVtbl->HrAddObjProps(p, mixed, &probs), MAPI_E_INVALID_TYPE);
    cr_expect_eq(p->lpVtbl->HrAddObjProps(p, NULL, &probs), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(p->lpVtbl->HrAddObjProps(p, empty, &probs), MAPI_E_INVALID_PARAMETER);

    /* An existing read-only property with the same ID: partial completion. */
    SPropValue v = long_val(PROP_TAG(PT_LONG, 0x6630), 1);
    cr_assert_eq(p->lpVtbl->SetProps(p, 1, &v, NULL), S_OK);
    LPSPropTagArray rot = mktags(1, v.ulPropTag);
    ULONG ro = IPROP_READONLY | IPROP_DIRTY;
    cr_assert_eq(p->lpVtbl->HrSetPropAccess(p, rot, &ro), S_OK);
    LPSPropTagArray objs = mktags(2, P_OBJ, PROP_TAG(PT_OBJECT, 0x6630));
    cr_assert_eq(p->lpVtbl->HrAddObjProps(p, objs, &probs), MAPI_W_PARTIAL_COMPLETION);
    cr_assert_not_null(probs);
    cr_expect_eq(probs->cProblem, 1);
    cr_expect_eq(probs->aProblem[0].ulIndex, 1);
    cr_expect_eq(probs->aProblem[0].scode, MAPI_E_NO_ACCESS);
    MAPIFreeBuffer(probs);

    LPSPropTagArray t = mktags(1, P_OBJ);
    ULONG c;
    LPSPropValue r;
    cr_assert_eq(p->lpVtbl->GetProps(p, t, 0, &c, &r), MAPI_W_ERRORS_RETURNED);
    cr_expect_eq(r[0].ulPropTag, PROP_TAG(PT_ERROR, PROP_ID(P_OBJ)));
    cr_expect_eq(r[0].Value.err, MAPI_E_NO_SUPPORT, "use OpenProperty for objects");
    MAPIFreeBuffer(r);
    LPUNKNOWN u = (LPUNKNOWN)1;
    cr_expect_eq(p->lpVtbl->OpenProperty(p, P_OBJ, &IID_IMAPITable, 0, 0, &u),
                 MAPI_E_NO_SUPPORT);
    cr_expect_null(u);

    /* Adding again changes nothing; OOM of the room changes nothing. */
    cr_assert_eq(p->lpVtbl->HrAddObjProps(p, t, NULL), S_OK);
    LPSPropTagArray other = mktags(1, PROP_TAG(PT_OBJECT, 0x6631));
    mapirt_test_fail_alloc(1);
    HRESULT hr = p->lpVtbl->HrAddObjProps(p, other, NULL);
    mapirt_test_fail_alloc(0);
    LPSPropTagArray l;
    cr_assert_eq(p->lpVtbl->GetPropList(p, 0, &l), S_OK);
    if (hr == MAPI_E_NOT_ENOUGH_MEMORY)
        cr_expect_eq(l->cValues, 2);
    else
        cr_expect_eq(hr, S_OK, "room was already there");
    MAPIFreeBuffer(l);
    free(mixed);
    free(empty);
    free(rot);
    free(objs);
    free(t);
    free(other);
    p->lpVtbl->Release(p);
    MAPIRT_LEAK_CHECK();
}

Test(propdata, open_property_and_save_changes)
{
    LPPROPDATA p = new_prop();
    LPUNKNOWN u = (LPUNKNOWN)1;
    SPropValue v = long_val(P_LONG, 1);

    cr_assert_eq(p->lpVtbl->SetProps(p, 1, &v, NULL), S_OK);
    cr_expect_eq(p->lpVtbl->OpenProperty(p, P_LONG, NULL, 0, 0, &u), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(u, (LPUNKNOWN)1, "refused by the validation layer before the object runs");
    cr_expect_eq(p->lpVtbl->OpenProperty(p, P_LONG, &IID_IMAPITable, 0, 0, NULL),
                 MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(p->lpVtbl->OpenProperty(p, CHANGE_PROP_TYPE(P_LONG, PT_UNSPECIFIED),
                                         &IID_IMAPITable, 0, 0, &u),
                 MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(p->lpVtbl->OpenProperty(p, P_LONG, &IID_IMAPITable, 0, 0x100, &u),
                 MAPI_E_UNKNOWN_FLAGS);
    cr_expect_eq(p->lpVtbl->OpenProperty(p, P_MISSING, &IID_IMAPITable, 0, 0, &u),
                 MAPI_E_NOT_FOUND);
    cr_expect_eq(p->lpVtbl->OpenProperty(p, P_MISSING, &IID_IMAPITable, 0,
                                         MAPI_CREATE | MAPI_MODIFY, &u),
                 MAPI_E_NO_SUPPORT);
    cr_expect_eq(p->lpVtbl->OpenProperty(p, P_LONG, &IID_IMAPITable, 0, 0, &u),
                 MAPI_E_NO_SUPPORT);

    cr_expect_eq(p->lpVtbl->SaveChanges(p, 0), S_OK);
    cr_expect_eq(p->lpVtbl->SaveChanges(p, KEEP_OPEN_READWRITE | FORCE_SAVE), S_OK);
    cr_expect_eq(p->lpVtbl->SaveChanges(p, 0x1000), MAPI_E_UNKNOWN_FLAGS);
    cr_expect_eq(get_long(p, P_LONG), 1);

    LPSPropTagArray names = NULL;
    ULONG cn;
    LPMAPINAMEID *pn;
    cr_expect_eq(p->lpVtbl->GetNamesFromIDs(p, &names, NULL, 0, &cn, &pn), MAPI_E_NO_SUPPORT);
    p->lpVtbl->Release(p);
    MAPIRT_LEAK_CHECK();
}

/* ---- CopyTo / CopyProps ------------------------------------------------------------- */

Test(propdata, copy_to_another_propdata)
{
    LPPROPDATA src = new_prop(), dst = new_prop();
    SPropValue v[3] = {long_val(P_LONG, 1), str8_val(P_STR8, "s"), uni_val(P_UNI, u"u")};
    SPropValue existing[2] = {long_val(P_LONG, 100), long_val(P_I8, 0)};
    LPSPropProblemArray probs = (LPSPropProblemArray)1;

    cr_assert_eq(src->lpVtbl->SetProps(src, 3, v, NULL), S_OK);
    cr_assert_eq(dst->lpVtbl->SetProps(dst, 2, existing, NULL), S_OK);
    cr_assert_eq(src->lpVtbl->CopyTo(src, 0, NULL, NULL, 0, NULL, &IID_IMAPIPropData, dst, 0,
                                     &probs),
                 S_OK);
    cr_expect_null(probs);
    cr_expect_eq(get_long(dst, P_LONG), 1, "overwritten by default");
    cr_expect(has_prop(dst, P_UNI), "wide string copied with its type");
    cr_expect(has_prop(dst, P_I8), "untouched properties stay");
    cr_expect(has_prop(src, P_LONG), "copy keeps the source");

    /* Exclusions, by ID whatever the type. */
    LPPROPDATA dst2 = new_prop();
    LPSPropTagArray ex = mktags(1, CHANGE_PROP_TYPE(P_STR8, PT_LONG));
    cr_assert_eq(src->lpVtbl->CopyTo(src, 0, NULL, ex, 0, NULL, &IID_IMAPIProp, dst2, 0, NULL),
                 S_OK);
    cr_expect_not(has_prop(dst2, P_STR8));
    cr_expect(has_prop(dst2, P_LONG));

    /* MAPI_NOREPLACE keeps the destination's values. */
    SPropValue keep = long_val(P_LONG, 55);
    cr_assert_eq(dst2->lpVtbl->SetProps(dst2, 1, &keep, NULL), S_OK);
    cr_assert_eq(src->lpVtbl->CopyTo(src, 0, NULL, NULL, 0, NULL, &IID_IMAPIProp, dst2,
                                     MAPI_NOREPLACE, NULL),
                 S_OK);
    cr_expect_eq(get_long(dst2, P_LONG), 55);
    cr_expect(has_prop(dst2, P_STR8), "missing ones are still copied");

    /* MAPI_MOVE removes what was copied, except what the destination refused. */
    LPPROPDATA dst3 = new_prop();
    SPropValue lock = long_val(P_LONG, 7);
    cr_assert_eq(dst3->lpVtbl->SetProps(dst3, 1, &lock, NULL), S_OK);
    LPSPropTagArray lt = mktags(1, P_LONG);
    ULONG ro = IPROP_READONLY | IPROP_DIRTY;
    cr_assert_eq(dst3->lpVtbl->HrSetPropAccess(dst3, lt, &ro), S_OK);
    cr_assert_eq(src->lpVtbl->CopyTo(src, 0, NULL, NULL, 0, NULL, &IID_IMAPIProp, dst3,
                                     MAPI_MOVE, &probs),
                 S_OK);
    cr_assert_not_null(probs);
    cr_assert_eq(probs->cProblem, 1);
    cr_expect_eq(probs->aProblem[0].ulPropTag, P_LONG);
    cr_expect_eq(probs->aProblem[0].scode, MAPI_E_NO_ACCESS);
    MAPIFreeBuffer(probs);
    cr_expect(has_prop(src, P_LONG), "refused by the destination: stays");
    cr_expect_not(has_prop(src, P_STR8), "moved");
    cr_expect_not(has_prop(src, P_UNI), "moved");
    cr_expect(has_prop(dst3, P_STR8));

    free(ex);
    free(lt);
    src->lpVtbl->Release(src);
    dst->lpVtbl->Release(dst);
    dst2->lpVtbl->Release(dst2);
    dst3->lpVtbl->Release(dst3);
    MAPIRT_LEAK_CHECK();
}

Test(propdata, copy_errors)
{
    LPPROPDATA src = new_prop(), dst = new_prop();
    SPropValue v = long_val(P_LONG, 1);
    IID ex[1];
    LPSPropTagArray empty = mktags(0), withnull = mktags(2, P_LONG, PR_NULL);

    cr_assert_eq(src->lpVtbl->SetProps(src, 1, &v, NULL), S_OK);
    cr_expect_eq(src->lpVtbl->CopyTo(src, 0, NULL, NULL, 0, NULL, NULL, dst, 0, NULL),
                 MAPI_E_INVALID_PARAMETER, "interface required");
    cr_expect_eq(src->lpVtbl->CopyTo(src, 0, NULL, NULL, 0, NULL, &IID_IMAPIProp, NULL, 0, NULL),
                 MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(src->lpVtbl->CopyTo(src, 0, NULL, NULL, 0, NULL, &IID_IMAPIProp, dst, 0x100,
                                     NULL),
                 MAPI_E_UNKNOWN_FLAGS);
    cr_expect_eq(src->lpVtbl->CopyTo(src, 1, NULL, NULL, 0, NULL, &IID_IMAPIProp, dst, 0, NULL),
                 MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(src->lpVtbl->CopyTo(src, 0, NULL, empty, 0, NULL, &IID_IMAPIProp, dst, 0, NULL),
                 MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(src->lpVtbl->CopyTo(src, 0, NULL, withnull, 0, NULL, &IID_IMAPIProp, dst, 0,
                                     NULL),
                 MAPI_E_INVALID_PARAMETER);
    memcpy(&ex[0], &IID_IMAPIProp, sizeof(IID));
    cr_expect_eq(src->lpVtbl->CopyTo(src, 1, ex, NULL, 0, NULL, &IID_IMAPIProp, dst, 0, NULL),
                 MAPI_E_INTERFACE_NOT_SUPPORTED);
    memcpy(&ex[0], &IID_IMAPIPropData, sizeof(IID));
    cr_expect_eq(src->lpVtbl->CopyTo(src, 1, ex, NULL, 0, NULL, &IID_IMAPIProp, dst, 0, NULL),
                 S_OK, "IPropData excluded: the IMAPIProp properties still copy");
    cr_expect_eq(src->lpVtbl->CopyTo(src, 0, NULL, NULL, 0, NULL, &IID_IMAPITable, dst, 0, NULL),
                 MAPI_E_INTERFACE_NOT_SUPPORTED);
    cr_expect_eq(src->lpVtbl->CopyTo(src, 0, NULL, NULL, 0, NULL, &IID_IMAPIProp, src, 0, NULL),
                 MAPI_E_NO_ACCESS, "onto itself");
    cr_expect_eq(src->lpVtbl->CopyProps(src, NULL, 0, NULL, &IID_IMAPIProp, dst, 0, NULL),
                 MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(src->lpVtbl->CopyProps(src, withnull, 0, NULL, &IID_IMAPIProp, dst, 0, NULL),
                 MAPI_E_INVALID_PARAMETER);

    /* A read-only destination refuses the whole SetProps: the error comes back. */
    cr_assert_eq(dst->lpVtbl->HrSetObjAccess(dst, IPROP_READONLY), S_OK);
    cr_expect_eq(src->lpVtbl->CopyTo(src, 0, NULL, NULL, 0, NULL, &IID_IMAPIProp, dst, 0, NULL),
                 MAPI_E_NO_ACCESS);
    /* Moving out of a read-only source is refused up front. */
    cr_assert_eq(dst->lpVtbl->HrSetObjAccess(dst, IPROP_READWRITE), S_OK);
    cr_assert_eq(src->lpVtbl->HrSetObjAccess(src, IPROP_READONLY), S_OK);
    cr_expect_eq(src->lpVtbl->CopyTo(src, 0, NULL, NULL, 0, NULL, &IID_IMAPIProp, dst, MAPI_MOVE,
                                     NULL),
                 MAPI_E_NO_ACCESS);
    cr_expect_eq(src->lpVtbl->CopyTo(src, 0, NULL, NULL, 0, NULL, &IID_IMAPIProp, dst, 0, NULL),
                 S_OK, "copying from a read-only object is fine");
    free(empty);
    free(withnull);
    src->lpVtbl->Release(src);
    dst->lpVtbl->Release(dst);
    MAPIRT_LEAK_CHECK();
}

Test(propdata, copy_props_selected)
{
    LPPROPDATA src = new_prop(), dst = new_prop();
    SPropValue v[3] = {long_val(P_LONG, 1), str8_val(P_STR8, "s"), uni_val(P_UNI, u"u")};
    LPSPropProblemArray probs = NULL;

    cr_assert_eq(src->lpVtbl->SetProps(src, 3, v, NULL), S_OK);
    LPSPropTagArray inc = mktags(3, P_MISSING, CHANGE_PROP_TYPE(P_UNI, PT_UNSPECIFIED), P_LONG);
    cr_assert_eq(src->lpVtbl->CopyProps(src, inc, 0, NULL, &IID_IMAPIPropData, dst, MAPI_MOVE,
                                        &probs),
                 S_OK);
    cr_assert_not_null(probs);
    cr_assert_eq(probs->cProblem, 1);
    cr_expect_eq(probs->aProblem[0].ulIndex, 0, "index into the include array");
    cr_expect_eq(probs->aProblem[0].ulPropTag, P_MISSING);
    cr_expect_eq(probs->aProblem[0].scode, MAPI_E_NOT_FOUND);
    MAPIFreeBuffer(probs);
    cr_expect(has_prop(dst, P_UNI), "PT_UNSPECIFIED keeps the stored width");
    cr_expect_eq(get_long(dst, P_LONG), 1);
    cr_expect_not(has_prop(dst, P_STR8), "not included");
    cr_expect_not(has_prop(src, P_LONG), "moved");
    cr_expect(has_prop(src, P_STR8));
    free(inc);
    src->lpVtbl->Release(src);
    dst->lpVtbl->Release(dst);
    MAPIRT_LEAK_CHECK();
}

/* A foreign IMAPIProp: the copy must go through its vtable. */
struct fake_prop {
    int setprops_calls;
    ULONG last_count;
    ULONG last_tags[16];
    HRESULT setprops_result;
};

#include "fake_prop_object.h"

static void fake_prop_destroy(struct fake_prop *f)
{
    (void)f;
}

static HRESULT fake_prop_SetProps(struct fake_prop *f, ULONG c, LPSPropValue v,
                                  LPSPropProblemArray *pp)
{
    f->setprops_calls++;
    f->last_count = c;
    for (ULONG i = 0; i < c && i < 16; i++)
        f->last_tags[i] = v[i].ulPropTag;
    if (pp)
        *pp = NULL;
    return f->setprops_result;
}

static HRESULT fake_prop_GetPropList(struct fake_prop *f, ULONG flags, LPSPropTagArray *out)
{
    (void)f;
    (void)flags;
    cr_assert_eq(MAPIAllocateBuffer(CbNewSPropTagArray(1), (LPVOID *)out), S_OK);
    (*out)->cValues = 1;
    (*out)->aulPropTag[0] = PROP_TAG(PT_BOOLEAN, PROP_ID(P_STR8));
    return S_OK;
}

Test(propdata, copy_through_foreign_vtable)
{
    LPPROPDATA src = new_prop();
    struct fake_prop *fp = fake_prop_new();
    SPropValue v[2] = {long_val(P_LONG, 1), str8_val(P_STR8, "s")};

    cr_assert_not_null(fp);
    LPMAPIPROP dest = fake_prop_as_IMAPIProp(fp);
    cr_assert_eq(src->lpVtbl->SetProps(src, 2, v, NULL), S_OK);
    cr_assert_eq(src->lpVtbl->CopyTo(src, 0, NULL, NULL, 0, NULL, &IID_IMAPIProp, dest,
                                     MAPI_NOREPLACE, NULL),
                 S_OK);
    cr_expect_eq(fp->setprops_calls, 1);
    cr_expect_eq(fp->last_count, 1, "the ID the destination lists is not replaced");
    cr_expect_eq(fp->last_tags[0], P_LONG);

    fp->setprops_result = MAPI_E_CALL_FAILED;
    cr_expect_eq(src->lpVtbl->CopyTo(src, 0, NULL, NULL, 0, NULL, &IID_IMAPIProp, dest,
                                     MAPI_MOVE, NULL),
                 MAPI_E_CALL_FAILED);
    cr_expect(has_prop(src, P_LONG), "a failed move keeps the source");
    LPMAPIERROR err = NULL;
    cr_assert_eq(src->lpVtbl->GetLastError(src, MAPI_E_CALL_FAILED, 0, &err), S_OK);
    cr_expect_not_null(err);
    MAPIFreeBuffer(err);
    src->lpVtbl->Release(src);
    dest->lpVtbl->Release(dest);
    MAPIRT_LEAK_CHECK();
}

Test(propdata, copy_oom)
{
    LPPROPDATA src = new_prop();
    SPropValue v[3] = {long_val(P_LONG, 1), str8_val(P_STR8, "s"), uni_val(P_UNI, u"u")};
    unsigned long n;
    HRESULT hr;

    cr_assert_eq(src->lpVtbl->SetProps(src, 3, v, NULL), S_OK);
    for (n = 1;; n++) {
        LPPROPDATA dst = new_prop();
        LPSPropProblemArray probs = (LPSPropProblemArray)1;
        mapirt_test_fail_alloc(n);
        hr = src->lpVtbl->CopyTo(src, 0, NULL, NULL, 0, NULL, &IID_IMAPIProp, dst,
                                 MAPI_MOVE | MAPI_NOREPLACE, &probs);
        unsigned long left = mapirt_test_fail_alloc_pending();
        mapirt_test_fail_alloc(0);
        if (left) {
            cr_assert_eq(hr, S_OK);
            cr_expect_null(probs);
            cr_expect(has_prop(dst, P_UNI));
            dst->lpVtbl->Release(dst);
            break;
        }
        cr_assert_eq(hr, MAPI_E_NOT_ENOUGH_MEMORY);
        cr_assert_null(probs);
        cr_assert(has_prop(src, P_LONG), "a failed move keeps the source (n=%lu)", n);
        cr_assert(has_prop(src, P_UNI));
        dst->lpVtbl->Release(dst);
    }
    cr_expect_gt(n, 5);
    cr_expect_not(has_prop(src, P_LONG), "moved at last");
    src->lpVtbl->Release(src);
    MAPIRT_LEAK_CHECK();
}

/* ---- custom allocators --------------------------------------------------------------- */

static atomic_int g_buffers, g_mores, g_frees;

static SCODE count_alloc(ULONG cb, LPVOID *pp)
{
    atomic_fetch_add(&g_buffers, 1);
    return MAPIAllocateBuffer(cb, pp);
}

static SCODE count_more(ULONG cb, LPVOID parent, LPVOID *pp)
{
    atomic_fetch_add(&g_mores, 1);
    return MAPIAllocateMore(cb, parent, pp);
}

static ULONG count_free(LPVOID p)
{
    atomic_fetch_add(&g_frees, 1);
    return MAPIFreeBuffer(p);
}

Test(propdata, uses_the_given_allocators)
{
    LPPROPDATA p = NULL;
    SPropValue v = str8_val(P_STR8, "abc");
    LPSPropTagArray t = mktags(1, P_STR8);
    ULONG c;
    LPSPropValue r;

    cr_assert_eq(CreateIProp(NULL, count_alloc, count_more, count_free, NULL, &p), S_OK);
    cr_assert_eq(p->lpVtbl->SetProps(p, 1, &v, NULL), S_OK);
    int before = atomic_load(&g_buffers), more_before = atomic_load(&g_mores);
    cr_assert_eq(p->lpVtbl->GetProps(p, t, 0, &c, &r), S_OK);
    cr_expect_eq(atomic_load(&g_buffers), before + 1);
    cr_expect_gt(atomic_load(&g_mores), more_before, "string data chained with AllocateMore");
    cr_expect_str_eq(r[0].Value.lpszA, "abc");
    MAPIFreeBuffer(r);
    int frees = atomic_load(&g_frees);
    p->lpVtbl->Release(p);
    cr_expect_gt(atomic_load(&g_frees), frees, "stored values freed with the given FreeBuffer");
    free(t);
    MAPIRT_LEAK_CHECK();
}

/* ---- the bag's own API, as runtime objects use it ------------------------------------ */

Test(propstore, owner_api)
{
    mapirt_propbag *bag = NULL;
    SPropValue v[2] = {long_val(P_LONG, 3), str8_val(P_STR8, "computed")};
    LPSPropProblemArray probs = NULL;

    cr_expect_eq(mapirt_propbag_create(MAPIAllocateBuffer, NULL, NULL, NULL, &bag),
                 MAPI_E_INVALID_PARAMETER, "all allocators or none");
    cr_expect_eq(mapirt_propbag_create(NULL, NULL, NULL, NULL, NULL), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(mapirt_propbag_create(NULL, NULL, NULL, "status", &bag), S_OK);
    cr_expect(mapirt_propbag_writable(bag));
    cr_expect_eq(mapirt_propbag_put(bag, 2, v, 0), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(mapirt_propbag_put(bag, 2, v, IPROP_READONLY), S_OK);

    SPropValue w = long_val(P_LONG, 4);
    cr_assert_eq(mapirt_propbag_SetProps(bag, 1, &w, &probs), S_OK);
    cr_assert_not_null(probs);
    cr_expect_eq(probs->aProblem[0].scode, MAPI_E_NO_ACCESS, "owner-computed: read-only");
    MAPIFreeBuffer(probs);

    LPSPropTagArray all = NULL;
    ULONG *acc = NULL;
    cr_assert_eq(mapirt_propbag_HrGetPropAccess(bag, &all, &acc), S_OK);
    cr_expect_eq(acc[0], IPROP_READONLY | IPROP_CLEAN);
    MAPIFreeBuffer(all);
    MAPIFreeBuffer(acc);

    mapirt_propbag_remove(bag, P_LONG);
    ULONG c;
    LPSPropValue r;
    cr_assert_eq(mapirt_propbag_GetProps(bag, NULL, 0, &c, &r), S_OK);
    cr_expect_eq(c, 1);
    cr_expect_str_eq(r[0].Value.lpszA, "computed");
    MAPIFreeBuffer(r);

    mapirt_lasterror_set(mapirt_propbag_lasterror(bag), MAPI_E_CALL_FAILED, "custom failure");
    LPMAPIERROR err;
    cr_assert_eq(mapirt_lasterror_get(mapirt_propbag_lasterror(bag), MAPI_E_CALL_FAILED, 0, &err),
                 S_OK);
    cr_expect_str_eq((char *)err->lpszError, "custom failure");
    cr_expect_str_eq((char *)err->lpszComponent, "status");
    MAPIFreeBuffer(err);

    for (unsigned long n = 1; n <= 3; n++) {
        mapirt_test_fail_alloc(n);
        HRESULT hr = mapirt_propbag_put(bag, 2, v, IPROP_READWRITE);
        mapirt_test_fail_alloc(0);
        cr_expect(hr == MAPI_E_NOT_ENOUGH_MEMORY || hr == S_OK);
    }
    mapirt_propbag_destroy(bag);
    mapirt_propbag_destroy(NULL);
    MAPIRT_LEAK_CHECK();
}

/* ---- concurrent use of one object ---------------------------------------------------- */

static void *hammer(void *arg)
{
    LPPROPDATA p = arg;
    LPSPropTagArray t = mktags(2, P_LONG, P_STR8);
    for (int i = 0; i < 300; i++) {
        SPropValue v[2] = {long_val(P_LONG, i), str8_val(P_STR8, "x")};
        cr_assert_eq(p->lpVtbl->SetProps(p, 2, v, NULL), S_OK);
        ULONG c;
        LPSPropValue r;
        HRESULT hr = p->lpVtbl->GetProps(p, t, MAPI_UNICODE, &c, &r);
        cr_assert(hr == S_OK || hr == MAPI_W_ERRORS_RETURNED);
        MAPIFreeBuffer(r);
        if (i % 50 == 0)
            cr_assert_eq(p->lpVtbl->DeleteProps(p, t, NULL), S_OK);
    }
    free(t);
    return NULL;
}

Test(propdata, concurrent_access)
{
    LPPROPDATA p = new_prop();
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, hammer, p), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    cr_expect(has_prop(p, P_STR8));
    p->lpVtbl->Release(p);
    MAPIRT_LEAK_CHECK();
}
