/* test_proputil.c: property lookup, HrGetOneProp/HrSetOneProp/FPropExists against a fake
 * IMAPIProp, HrQueryAllRows against a fake IMAPITable, row-set freeing, reference helpers, hex
 * strings, FEqualNames and FILETIME arithmetic. */
#include <mapix.h>
#include <mapiutil.h>
#include <mapicode.h>

#include <criterion/criterion.h>
#include <string.h>

#include <mapirt/testhooks.h>

#include "oom.h"

/* ---- a fake IMAPIProp holding a few values ---- */

struct fake_prop {
    IMAPIProp iface;
    SPropValue props[4];
    ULONG nprops;
    ULONG refs;
    ULONG last_flags;
    HRESULT fail;
};

static struct fake_prop *fp(IMAPIProp *p)
{
    return (struct fake_prop *)p;
}

static ULONG fake_AddRef(IMAPIProp *This)
{
    return ++fp(This)->refs;
}

static ULONG fake_Release(IMAPIProp *This)
{
    return --fp(This)->refs;
}

static HRESULT fake_GetProps(IMAPIProp *This, LPSPropTagArray tags, ULONG flags, ULONG *count,
                             LPSPropValue *out)
{
    struct fake_prop *f = fp(This);
    f->last_flags = flags;
    if (f->fail)
        return f->fail;
    LPSPropValue v;
    HRESULT hr = MAPIAllocateBuffer(tags->cValues * sizeof(SPropValue), (void **)&v);
    if (FAILED(hr))
        return hr;
    bool missing = false;
    for (ULONG i = 0; i < tags->cValues; i++) {
        ULONG j;
        for (j = 0; j < f->nprops && f->props[j].ulPropTag != tags->aulPropTag[i]; j++)
            ;
        if (j < f->nprops) {
            hr = PropCopyMore(&v[i], &f->props[j], MAPIAllocateMore, v);
            if (FAILED(hr)) {
                MAPIFreeBuffer(v);
                return hr;
            }
        } else {
            v[i].ulPropTag = PROP_TAG(PT_ERROR, PROP_ID(tags->aulPropTag[i]));
            v[i].Value.err = MAPI_E_NOT_FOUND;
            missing = true;
        }
    }
    *count = tags->cValues;
    *out = v;
    return missing ? MAPI_W_ERRORS_RETURNED : S_OK;
}

static HRESULT fake_GetPropList(IMAPIProp *This, ULONG flags, LPSPropTagArray *out)
{
    struct fake_prop *f = fp(This);
    f->last_flags = flags;
    if (f->fail)
        return f->fail;
    LPSPropTagArray t;
    HRESULT hr = MAPIAllocateBuffer(CbNewSPropTagArray(f->nprops), (void **)&t);
    if (FAILED(hr))
        return hr;
    t->cValues = f->nprops;
    for (ULONG i = 0; i < f->nprops; i++)
        t->aulPropTag[i] = f->props[i].ulPropTag;
    *out = t;
    return S_OK;
}

static HRESULT fake_SetProps(IMAPIProp *This, ULONG count, LPSPropValue props,
                             LPSPropProblemArray *problems)
{
    struct fake_prop *f = fp(This);
    if (f->fail)
        return f->fail;
    if (count == 1 && PROP_ID(props[0].ulPropTag) == 0x6666) {
        LPSPropProblemArray pa;
        HRESULT hr = MAPIAllocateBuffer(CbNewSPropProblemArray(1), (void **)&pa);
        if (FAILED(hr))
            return hr;
        pa->cProblem = 1;
        pa->aProblem[0] = (SPropProblem){0, props[0].ulPropTag, MAPI_E_NO_ACCESS};
        *problems = pa;
        return S_OK;
    }
    f->props[f->nprops++] = props[0];
    if (problems != NULL)
        *problems = NULL;
    return S_OK;
}

static const IMAPIPropVtbl fake_prop_vtbl = {
    .AddRef = fake_AddRef, .Release = fake_Release, .GetProps = fake_GetProps,
    .GetPropList = fake_GetPropList, .SetProps = fake_SetProps,
};

static void fake_prop_init(struct fake_prop *f)
{
    memset(f, 0, sizeof(*f));
    f->iface.lpVtbl = (void *)&fake_prop_vtbl;
    f->props[0] = (SPropValue){PROP_TAG(PT_STRING8, 0x3001), 0, {.lpszA = "Display"}};
    f->props[1] = (SPropValue){PROP_TAG(PT_LONG, 0x0FFE), 0, {.l = 5}};
    f->props[2] = (SPropValue){PROP_TAG(PT_UNICODE, 0x3004), 0, {.lpszW = u"comment"}};
    f->nprops = 3;
    f->refs = 1;
}

Test(proputil, find_props)
{
    SPropValue a[] = {
        {PROP_TAG(PT_LONG, 0x1000), 0, {.l = 1}},
        {PROP_TAG(PT_STRING8, 0x2000), 0, {.lpszA = "x"}},
        {PROP_TAG(PT_UNICODE, 0x2000), 0, {.lpszW = u"y"}},
    };
    cr_assert_eq(PpropFindProp(a, 3, PROP_TAG(PT_UNICODE, 0x2000)), &a[2]);
    cr_assert_eq(PpropFindProp(a, 3, PROP_TAG(PT_UNSPECIFIED, 0x2000)), &a[1], "ID only");
    cr_assert_null(PpropFindProp(a, 3, PROP_TAG(PT_LONG, 0x2000)), "type must match");
    cr_assert_null(PpropFindProp(a, 2, PROP_TAG(PT_UNICODE, 0x2000)), "cValues bounds the search");
    cr_assert_null(PpropFindProp(NULL, 3, PROP_TAG(PT_LONG, 0x1000)));
    cr_assert_eq(LpValFindProp(PROP_TAG(PT_BINARY, 0x1000), 3, a), &a[0], "LpValFindProp: ID only");
    cr_assert_eq(LpValFindProp(PROP_TAG(PT_UNICODE, 0x2000), 3, a), &a[1]);
    cr_assert_null(LpValFindProp(PROP_TAG(PT_LONG, 0x3000), 3, a));
    cr_assert_null(LpValFindProp(PROP_TAG(PT_LONG, 0x1000), 0, a));
    cr_assert_null(LpValFindProp(PROP_TAG(PT_LONG, 0x1000), 3, NULL));
}

Test(proputil, get_set_exists)
{
    struct fake_prop f;
    fake_prop_init(&f);
    IMAPIProp *obj = &f.iface;
    LPSPropValue v = NULL;
    cr_assert_eq(HrGetOneProp(obj, PROP_TAG(PT_LONG, 0x0FFE), &v), S_OK);
    cr_assert_eq(v->Value.l, 5);
    cr_assert_eq(f.last_flags, 0);
    MAPIFreeBuffer(v);
    cr_assert_eq(HrGetOneProp(obj, PROP_TAG(PT_UNICODE, 0x3004), &v), S_OK);
    cr_assert_eq(f.last_flags, MAPI_UNICODE, "a PT_UNICODE request asks for Unicode");
    MAPIFreeBuffer(v);
    v = (LPSPropValue)1;
    cr_assert_eq(HrGetOneProp(obj, PROP_TAG(PT_LONG, 0x0E08), &v), MAPI_E_NOT_FOUND);
    cr_assert_eq(v, (LPSPropValue)1, "no result on failure");
    cr_assert_eq(HrGetOneProp(NULL, PROP_TAG(PT_LONG, 0x0FFE), &v), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(HrGetOneProp(obj, PROP_TAG(PT_LONG, 0x0FFE), NULL), MAPI_E_INVALID_PARAMETER);
    f.fail = MAPI_E_NO_ACCESS;
    cr_assert_eq(HrGetOneProp(obj, PROP_TAG(PT_LONG, 0x0FFE), &v), MAPI_E_NO_ACCESS);
    cr_assert_not(FPropExists(obj, PROP_TAG(PT_LONG, 0x0FFE)));
    f.fail = S_OK;

    cr_assert(FPropExists(obj, PROP_TAG(PT_LONG, 0x0FFE)));
    cr_assert(FPropExists(obj, PROP_TAG(PT_UNSPECIFIED, 0x3001)));
    cr_assert_not(FPropExists(obj, PROP_TAG(PT_BINARY, 0x3001)));
    cr_assert_not(FPropExists(obj, PROP_TAG(PT_LONG, 0x7777)));
    cr_assert_not(FPropExists(NULL, PROP_TAG(PT_LONG, 0x0FFE)));

    SPropValue nv = {PROP_TAG(PT_LONG, 0x1234), 0, {.l = 42}};
    cr_assert_eq(HrSetOneProp(obj, &nv), S_OK);
    cr_assert_eq(HrGetOneProp(obj, PROP_TAG(PT_LONG, 0x1234), &v), S_OK);
    cr_assert_eq(v->Value.l, 42);
    MAPIFreeBuffer(v);
    SPropValue ro = {PROP_TAG(PT_LONG, 0x6666), 0, {.l = 1}};
    cr_assert_eq(HrSetOneProp(obj, &ro), MAPI_E_NO_ACCESS, "a problem entry becomes the result");
    cr_assert_eq(HrSetOneProp(NULL, &ro), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(HrSetOneProp(obj, NULL), MAPI_E_INVALID_PARAMETER);
    f.fail = MAPI_E_CALL_FAILED;
    cr_assert_eq(HrSetOneProp(obj, &nv), MAPI_E_CALL_FAILED);

    f.fail = S_OK;
    unsigned long oom_points;
    HRESULT hr;
    OOM_LOOP(hr, hr = HrGetOneProp(obj, PROP_TAG(PT_STRING8, 0x3001), &v), MAPIFreeBuffer(v));
    cr_assert_eq(oom_points, 2);
    OOM_LOOP(hr, (hr = HrSetOneProp(obj, &ro), hr = hr == MAPI_E_NO_ACCESS ? S_OK : hr), (void)0);
    MAPIRT_LEAK_CHECK();
}

Test(proputil, add_ref_release)
{
    struct fake_prop f;
    fake_prop_init(&f);
    cr_assert_eq(UlAddRef(&f.iface), 2);
    cr_assert_eq(UlAddRef(&f.iface), 3);
    cr_assert_eq(UlRelease(&f.iface), 2);
    cr_assert_eq(f.refs, 2);
    cr_assert_eq(UlAddRef(NULL), 0);
    cr_assert_eq(UlRelease(NULL), 0);
}

/* ---- a fake IMAPITable of nrows rows, served at most `batch` rows per QueryRows ---- */

struct fake_table {
    IMAPITable iface;
    ULONG nrows, pos, batch;
    int setcols, restricts, sorts, seeks;
    HRESULT fail_setcols, fail_query;
};

static struct fake_table *ft(IMAPITable *t)
{
    return (struct fake_table *)t;
}

static HRESULT tbl_SetColumns(IMAPITable *This, LPSPropTagArray cols, ULONG flags)
{
    (void)cols;
    (void)flags;
    ft(This)->setcols++;
    return ft(This)->fail_setcols;
}

static HRESULT tbl_Restrict(IMAPITable *This, LPSRestriction r, ULONG flags)
{
    (void)r;
    (void)flags;
    ft(This)->restricts++;
    return S_OK;
}

static HRESULT tbl_SortTable(IMAPITable *This, LPSSortOrderSet s, ULONG flags)
{
    (void)s;
    (void)flags;
    ft(This)->sorts++;
    return S_OK;
}

static HRESULT tbl_SeekRow(IMAPITable *This, BOOKMARK b, LONG n, LONG *sought)
{
    cr_assert_eq(b, BOOKMARK_BEGINNING);
    cr_assert_eq(n, 0);
    ft(This)->pos = 0;
    ft(This)->seeks++;
    if (sought != NULL)
        *sought = 0;
    return S_OK;
}

static HRESULT tbl_QueryRows(IMAPITable *This, LONG count, ULONG flags, LPSRowSet *out)
{
    (void)flags;
    struct fake_table *t = ft(This);
    if (t->fail_query)
        return t->fail_query;
    cr_assert_gt(count, 0);
    ULONG n = t->nrows - t->pos;
    if (n > (ULONG)count)
        n = (ULONG)count;
    if (n > t->batch)
        n = t->batch;
    LPSRowSet rs;
    HRESULT hr = MAPIAllocateBuffer(CbNewSRowSet(n), (void **)&rs);
    if (FAILED(hr))
        return hr;
    rs->cRows = 0;
    for (ULONG i = 0; i < n; i++) {
        LPSPropValue p;
        hr = MAPIAllocateBuffer(sizeof(SPropValue), (void **)&p);
        if (FAILED(hr)) {
            FreeProws(rs);
            return hr;
        }
        p->ulPropTag = PROP_TAG(PT_LONG, 0x3000);
        p->Value.l = (LONG)(t->pos + i);
        rs->aRow[i] = (SRow){0, 1, p};
        rs->cRows++;
    }
    t->pos += n;
    *out = rs;
    return S_OK;
}

static const IMAPITableVtbl fake_table_vtbl = {
    .SetColumns = tbl_SetColumns, .Restrict = tbl_Restrict, .SortTable = tbl_SortTable,
    .SeekRow = tbl_SeekRow, .QueryRows = tbl_QueryRows,
};

static void fake_table_init(struct fake_table *t, ULONG nrows, ULONG batch)
{
    memset(t, 0, sizeof(*t));
    t->iface.lpVtbl = (void *)&fake_table_vtbl;
    t->nrows = nrows;
    t->batch = batch;
    t->pos = 7; /* HrQueryAllRows must seek to the beginning */
}

Test(proputil, query_all_rows)
{
    struct fake_table t;
    fake_table_init(&t, 1300, 97);
    LPSRowSet rows = NULL;
    SPropTagArray cols = {1, {PROP_TAG(PT_LONG, 0x3000)}};
    SRestriction res = {RES_EXIST, {.resExist = {0, PROP_TAG(PT_LONG, 0x3000), 0}}};
    SSortOrderSet sos = {1, 0, 0, {{PROP_TAG(PT_LONG, 0x3000), TABLE_SORT_ASCEND}}};
    cr_assert_eq(HrQueryAllRows(&t.iface, &cols, &res, &sos, 0, &rows), S_OK);
    cr_assert_eq(t.setcols, 1);
    cr_assert_eq(t.restricts, 1);
    cr_assert_eq(t.sorts, 1);
    cr_assert_eq(t.seeks, 1);
    cr_assert_eq(rows->cRows, 1300);
    for (ULONG i = 0; i < rows->cRows; i++)
        cr_assert_eq(rows->aRow[i].lpProps[0].Value.l, (LONG)i);
    FreeProws(rows);

    fake_table_init(&t, 50, 1000);
    cr_assert_eq(HrQueryAllRows(&t.iface, NULL, NULL, NULL, 50, &rows), S_OK);
    cr_assert_eq(t.setcols + t.restricts + t.sorts, 0, "NULL arguments leave the view alone");
    cr_assert_eq(rows->cRows, 50);
    FreeProws(rows);
    fake_table_init(&t, 51, 1000);
    rows = (LPSRowSet)1;
    cr_assert_eq(HrQueryAllRows(&t.iface, NULL, NULL, NULL, 50, &rows), MAPI_E_TABLE_TOO_BIG);
    cr_assert_eq(rows, (LPSRowSet)1);
    fake_table_init(&t, 0, 10);
    cr_assert_eq(HrQueryAllRows(&t.iface, NULL, NULL, NULL, 0, &rows), S_OK);
    cr_assert_eq(rows->cRows, 0);
    FreeProws(rows);

    rows = (LPSRowSet)1;
    cr_assert_eq(HrQueryAllRows(NULL, NULL, NULL, NULL, 0, &rows), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(HrQueryAllRows(&t.iface, NULL, NULL, NULL, 0, NULL), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(HrQueryAllRows(&t.iface, NULL, NULL, NULL, -1, &rows), MAPI_E_INVALID_PARAMETER);
    fake_table_init(&t, 10, 10);
    t.fail_setcols = MAPI_E_BAD_COLUMN;
    cr_assert_eq(HrQueryAllRows(&t.iface, &cols, NULL, NULL, 0, &rows), MAPI_E_BAD_COLUMN);
    fake_table_init(&t, 10, 10);
    t.fail_query = MAPI_E_BUSY;
    cr_assert_eq(HrQueryAllRows(&t.iface, NULL, NULL, NULL, 0, &rows), MAPI_E_BUSY);
    cr_assert_eq(rows, (LPSRowSet)1);

    unsigned long oom_points;
    HRESULT hr;
    OOM_LOOP(hr, (fake_table_init(&t, 700, 300), hr = HrQueryAllRows(&t.iface, NULL, NULL, NULL, 0, &rows)),
             { cr_assert_eq(rows->cRows, 700); FreeProws(rows); });
    cr_assert_gt(oom_points, 700, "every row allocation was a failure point");
    MAPIRT_LEAK_CHECK();
}

Test(proputil, free_rows_and_adrlists)
{
    LPSRowSet rs;
    cr_assert_eq(MAPIAllocateBuffer(CbNewSRowSet(3), (void **)&rs), S_OK);
    rs->cRows = 3;
    for (int i = 0; i < 3; i++) {
        rs->aRow[i].cValues = 1;
        cr_assert_eq(MAPIAllocateBuffer(sizeof(SPropValue) * 2, (void **)&rs->aRow[i].lpProps), S_OK);
    }
    SRow *rows = rs->aRow; /* rows past MAPI_DIM are in bounds of the allocation */
    rows[1].lpProps[0].ulPropTag = PR_NULL;
    FreeProws(rs);
    FreeProws(NULL);
    LPADRLIST al;
    cr_assert_eq(MAPIAllocateBuffer(CbNewADRLIST(2), (void **)&al), S_OK);
    al->cEntries = 2;
    cr_assert_eq(MAPIAllocateBuffer(64, (void **)&al->aEntries[0].rgPropVals), S_OK);
    ADRENTRY *entries = al->aEntries;
    entries[1].rgPropVals = NULL;
    FreePadrlist(al);
    FreePadrlist(NULL);
    MAPIRT_LEAK_CHECK();
}

Test(proputil, hex)
{
    BYTE in[] = {0x00, 0x1f, 0xA0, 0xff, 0x5c};
    char out[16];
    memset(out, 'x', sizeof(out));
    HexFromBin(in, sizeof(in), out);
    cr_assert_str_eq(out, "001FA0FF5C");
    HexFromBin(in, 0, out);
    cr_assert_str_eq(out, "");
    HexFromBin(in, -3, out);
    cr_assert_str_eq(out, "");
    HexFromBin(NULL, 4, out);
    cr_assert_str_eq(out, "");
    HexFromBin(in, 2, NULL);

    BYTE back[8];
    memset(back, 0xEE, sizeof(back));
    cr_assert(FBinFromHex("001FA0FF5C", back));
    cr_assert_eq(memcmp(back, in, sizeof(in)), 0);
    cr_assert_eq(back[5], 0xEE);
    cr_assert(FBinFromHex("0a0B", back));
    cr_assert_eq(back[0], 0x0A);
    cr_assert_eq(back[1], 0x0B);
    memset(back, 0xEE, sizeof(back));
    cr_assert_not(FBinFromHex("ABC", back), "odd length");
    cr_assert_not(FBinFromHex("ABZZ", back), "not hex");
    cr_assert_not(FBinFromHex("AB CD", back));
    cr_assert_eq(back[0], 0xEE, "nothing written for bad input");
    cr_assert(FBinFromHex("", back));
    cr_assert_not(FBinFromHex(NULL, back));
    cr_assert_not(FBinFromHex("00", NULL));
}

Test(proputil, equal_names)
{
    GUID g1 = {1, 2, 3, {4}}, g1b = g1, g2 = {9, 2, 3, {4}};
    MAPINAMEID a = {&g1, MNID_ID, {.lID = 0x8100}}, b = {&g1b, MNID_ID, {.lID = 0x8100}};
    cr_assert(FEqualNames(&a, &b));
    b.Kind.lID = 0x8101;
    cr_assert_not(FEqualNames(&a, &b));
    b.Kind.lID = 0x8100;
    b.lpguid = &g2;
    cr_assert_not(FEqualNames(&a, &b));
    MAPINAMEID s1 = {&g1, MNID_STRING, {.lpwstrName = u"Keywords"}};
    MAPINAMEID s2 = {&g1b, MNID_STRING, {.lpwstrName = u"Keywords"}};
    cr_assert(FEqualNames(&s1, &s2));
    s2.Kind.lpwstrName = u"keywords";
    cr_assert_not(FEqualNames(&s1, &s2), "names compare exactly");
    cr_assert_not(FEqualNames(&a, &s1), "different kinds");
    MAPINAMEID n1 = {NULL, MNID_ID, {.lID = 1}}, n2 = {NULL, MNID_ID, {.lID = 1}};
    cr_assert(FEqualNames(&n1, &n2));
    n2.lpguid = &g1;
    cr_assert_not(FEqualNames(&n1, &n2));
    cr_assert(FEqualNames(&a, &a));
    cr_assert_not(FEqualNames(&a, NULL));
    cr_assert_not(FEqualNames(NULL, &a));
}

static ULONGLONG ft64(FILETIME f)
{
    return ((ULONGLONG)f.dwHighDateTime << 32) | f.dwLowDateTime;
}

static FILETIME mkft(ULONGLONG v)
{
    FILETIME f = {(DWORD)v, (DWORD)(v >> 32)};
    return f;
}

Test(proputil, filetime_arithmetic)
{
    cr_assert_eq(ft64(FtAddFt(mkft(0xFFFFFFFFull), mkft(1))), 0x100000000ull, "carry into high word");
    cr_assert_eq(ft64(FtAddFt(mkft(~0ull), mkft(2))), 1, "wraps modulo 2^64");
    cr_assert_eq(ft64(FtSubFt(mkft(0x100000000ull), mkft(1))), 0xFFFFFFFFull);
    cr_assert_eq(ft64(FtSubFt(mkft(0), mkft(1))), ~0ull);
    cr_assert_eq(ft64(FtNegFt(mkft(5))), (ULONGLONG)-5);
    cr_assert_eq(ft64(FtNegFt(mkft(0))), 0);
    cr_assert_eq(ft64(FtMulDw(10000, mkft(0x123456789ull))), 0x123456789ull * 10000);
    cr_assert_eq(ft64(FtMulDwDw(0xFFFFFFFFu, 0xFFFFFFFFu)), 0xFFFFFFFE00000001ull);
    WORD carry = 0;
    cr_assert_eq(ft64(FtAdcFt(mkft(~0ull), mkft(1), &carry)), 0);
    cr_assert_eq(carry, 1);
    cr_assert_eq(ft64(FtAdcFt(mkft(5), mkft(6), &carry)), 12, "carry in is added");
    cr_assert_eq(carry, 0);
    carry = 1;
    cr_assert_eq(ft64(FtAdcFt(mkft(~0ull), mkft(0), &carry)), 0);
    cr_assert_eq(carry, 1, "carry in alone can carry out");
    cr_assert_eq(ft64(FtAdcFt(mkft(7), mkft(8), NULL)), 15);
}
