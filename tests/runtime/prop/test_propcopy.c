/* test_propcopy.c: UlPropSize, PropCopyMore, ScCountProps, ScCopyProps, ScRelocProps,
 * ScDupPropset over every property type. */
#include <mapix.h>
#include <mapiutil.h>
#include <mapicode.h>

#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include <mapirt/alloc.h>
#include <mapirt/strconv.h>
#include <mapirt/testhooks.h>

#include "oom.h"
#include "propfixture.h"

static bool inside(const void *p, const char *lo, const char *hi)
{
    return (const char *)p >= lo && (const char *)p < hi;
}

/* Every pointer of v (and of its elements) lies in [lo, hi); and none is shared with src. */
static void check_deep(const SPropValue *v, const SPropValue *src, const char *lo, const char *hi)
{
    ULONG t = PROP_TYPE(v->ulPropTag);
    const union _PV *x = &v->Value;
    cr_assert_eq(v->ulPropTag, src->ulPropTag);
    cr_assert_eq(LPropCompareProp((LPSPropValue)v, (LPSPropValue)src), 0,
                 "copy of tag 0x%08x differs", v->ulPropTag);
    if (t & MV_INSTANCE)
        t = PT_STRING8;
    switch (t) {
    case PT_STRING8: case PT_UNICODE: case PT_CLSID:
        cr_assert(inside(x->lpszA, lo, hi), "tag 0x%08x points outside", v->ulPropTag);
        break;
    case PT_BINARY:
        if (x->bin.cb > 0)
            cr_assert(inside(x->bin.lpb, lo, hi));
        else
            cr_assert_null(x->bin.lpb);
        break;
    case PT_MV_STRING8: case PT_MV_UNICODE:
        cr_assert(inside(x->MVszA.lppszA, lo, hi));
        for (ULONG i = 0; i < x->MVszA.cValues; i++)
            cr_assert(inside(x->MVszA.lppszA[i], lo, hi));
        break;
    case PT_MV_BINARY:
        cr_assert(inside(x->MVbin.lpbin, lo, hi));
        for (ULONG i = 0; i < x->MVbin.cValues; i++)
            if (x->MVbin.lpbin[i].cb > 0)
                cr_assert(inside(x->MVbin.lpbin[i].lpb, lo, hi));
        break;
    default:
        if (t & MV_FLAG)
            cr_assert(inside(x->MVl.lpl, lo, hi));
        break;
    }
}

Test(propcopy, count_props_sizes)
{
    SPropValue p[2];
    ULONG cb = 0;
    memset(p, 0, sizeof(p));
    p[0].ulPropTag = PROP_TAG(PT_LONG, 0x6001);
    cr_assert_eq(ScCountProps(1, p, &cb), S_OK);
    cr_assert_eq(cb, sizeof(SPropValue));
    p[0].ulPropTag = PROP_TAG(PT_STRING8, 0x6001);
    p[0].Value.lpszA = "abc";
    cr_assert_eq(ScCountProps(1, p, &cb), S_OK);
    cr_assert_eq(cb, sizeof(SPropValue) + 8);
    p[1].ulPropTag = PROP_TAG(PT_BINARY, 0x6002);
    p[1].Value.bin.cb = 9;
    p[1].Value.bin.lpb = fx_bin;
    cr_assert_eq(ScCountProps(2, p, &cb), S_OK);
    cr_assert_eq(cb, 2 * sizeof(SPropValue) + 8 + 16);
    LPSTR two[] = {"a", "bb"};
    p[0].ulPropTag = PROP_TAG(PT_MV_STRING8, 0x6001);
    p[0].Value.MVszA.cValues = 2;
    p[0].Value.MVszA.lppszA = two;
    cr_assert_eq(ScCountProps(1, p, &cb), S_OK);
    cr_assert_eq(cb, sizeof(SPropValue) + 16 + 8 + 8);
    cr_assert_eq(ScCountProps(1, p, NULL), S_OK, "NULL lpcb validates only");
    cr_assert_eq(ScCountProps(0, NULL, &cb), S_OK);
    cr_assert_eq(cb, 0);
}

Test(propcopy, count_props_rejects_bad_values)
{
    SPropValue p;
    ULONG cb = 77;
    cr_assert_eq(ScCountProps(-1, &p, &cb), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(ScCountProps(1, NULL, &cb), MAPI_E_INVALID_PARAMETER);
    struct { ULONG tag; } bad[] = {
        {PROP_TAG(PT_LONG, PROP_ID_INVALID)}, {PROP_TAG(PT_LONG, PROP_ID_NULL)},
        {PROP_TAG(0x0008, 0x6000)}, {PROP_TAG(MV_FLAG | PT_NULL, 0x6000)},
        {PROP_TAG(MV_FLAG | PT_BOOLEAN, 0x6000)}, {PROP_TAG(0x0103, 0x6000)},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&p, 0, sizeof(p));
        p.ulPropTag = bad[i].tag;
        cr_assert_eq(ScCountProps(1, &p, &cb), MAPI_E_INVALID_PARAMETER, "tag 0x%08x", bad[i].tag);
    }
    /* missing pointers */
    ULONG null_ptr_types[] = {PT_STRING8, PT_UNICODE, PT_CLSID, PT_MV_I2, PT_MV_LONG, PT_MV_STRING8,
                              PT_MV_UNICODE, PT_MV_BINARY, PT_MV_CLSID, PT_MV_SYSTIME};
    for (size_t i = 0; i < sizeof(null_ptr_types) / sizeof(ULONG); i++) {
        memset(&p, 0, sizeof(p));
        p.ulPropTag = PROP_TAG(null_ptr_types[i], 0x6000);
        if (null_ptr_types[i] & MV_FLAG)
            p.Value.MVl.cValues = 1;
        cr_assert_eq(ScCountProps(1, &p, &cb), MAPI_E_INVALID_PARAMETER, "type 0x%x", null_ptr_types[i]);
    }
    memset(&p, 0, sizeof(p));
    p.ulPropTag = PROP_TAG(PT_BINARY, 0x6000);
    p.Value.bin.cb = 3;
    cr_assert_eq(ScCountProps(1, &p, &cb), MAPI_E_INVALID_PARAMETER);
    /* a multi-valued property with values needs its array */
    p.ulPropTag = PROP_TAG(PT_MV_LONG, 0x6000);
    p.Value.MVl.cValues = 1;
    p.Value.MVl.lpl = NULL;
    cr_assert_eq(ScCountProps(1, &p, &cb), MAPI_E_INVALID_PARAMETER);
    /* an element of a string list missing */
    LPSTR holes[] = {"x", NULL};
    p.ulPropTag = PROP_TAG(PT_MV_STRING8, 0x6000);
    p.Value.MVszA.cValues = 2;
    p.Value.MVszA.lppszA = holes;
    cr_assert_eq(ScCountProps(1, &p, &cb), MAPI_E_INVALID_PARAMETER);
    SBinary bholes[] = {{2, NULL}};
    p.ulPropTag = PROP_TAG(PT_MV_BINARY, 0x6000);
    p.Value.MVbin.cValues = 1;
    p.Value.MVbin.lpbin = bholes;
    cr_assert_eq(ScCountProps(1, &p, &cb), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(cb, 77, "lpcb written on failure");
    /* PR_NULL is the documented placeholder and is fine */
    memset(&p, 0, sizeof(p));
    p.ulPropTag = PR_NULL;
    cr_assert_eq(ScCountProps(1, &p, &cb), S_OK);
    cr_assert_eq(cb, sizeof(SPropValue));
}

Test(propcopy, copy_props_all_types)
{
    SPropValue src[FIXTURE_MAX];
    int n = fixture_all_types(src);
    ULONG need = 0, used = 0;
    cr_assert_eq(ScCountProps(n, src, &need), S_OK);
    char *buf = malloc(need + 64);
    memset(buf, 0xCC, need + 64);
    cr_assert_eq(ScCopyProps(n, src, buf, &used), S_OK);
    cr_assert_eq(used, need);
    for (int i = 0; i < 64; i++)
        cr_assert_eq((unsigned char)buf[need + i], 0xCC, "ScCopyProps wrote past ScCountProps' size");
    SPropValue *dst = (SPropValue *)buf;
    for (int i = 0; i < n; i++)
        check_deep(&dst[i], &src[i], buf, buf + need);
    cr_assert_eq(ScCopyProps(n, src, buf, NULL), S_OK);
    free(buf);
}

Test(propcopy, copy_props_bad_arguments_write_nothing)
{
    SPropValue src[FIXTURE_MAX];
    int n = fixture_all_types(src);
    char buf[64];
    ULONG cb = 5;
    cr_assert_eq(ScCopyProps(n, src, NULL, &cb), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(ScCopyProps(-2, src, buf, &cb), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(ScCopyProps(2, NULL, buf, &cb), MAPI_E_INVALID_PARAMETER);
    src[n - 2].Value.MVbin.lpbin = NULL;
    memset(buf, 0x5A, sizeof(buf));
    cr_assert_eq(ScCopyProps(n, src, buf, &cb), MAPI_E_INVALID_PARAMETER);
    for (size_t i = 0; i < sizeof(buf); i++)
        cr_assert_eq((unsigned char)buf[i], 0x5A);
    cr_assert_eq(cb, 5);
}

Test(propcopy, reloc_props_move_and_via_zero_base)
{
    SPropValue src[FIXTURE_MAX];
    int n = fixture_all_types(src);
    ULONG need, cb = 0;
    cr_assert_eq(ScCountProps(n, src, &need), S_OK);
    char *b1 = malloc(need), *b2 = malloc(need), *b3 = malloc(need);
    cr_assert_eq(ScCopyProps(n, src, b1, NULL), S_OK);

    /* moved block: pointers still relative to b1, data now at b2 */
    memcpy(b2, b1, need);
    memset(b1, 0, need);
    cr_assert_eq(ScRelocProps(n, (LPSPropValue)b2, b1, b2, &cb), S_OK);
    cr_assert_eq(cb, need);
    for (int i = 0; i < n; i++)
        check_deep(&((SPropValue *)b2)[i], &src[i], b2, b2 + need);

    /* to offsets (base 0) in place, as before writing to disk ... */
    cr_assert_eq(ScRelocProps(n, (LPSPropValue)b2, b2, NULL, &cb), S_OK);
    cr_assert_eq(cb, need);
    SPropValue *off = (SPropValue *)b2;
    cr_assert_lt((uintptr_t)off[10].Value.lpszA, need, "string pointer not turned into an offset");
    /* ... and back from offsets after "reading" into another buffer */
    memcpy(b3, b2, need);
    cr_assert_eq(ScRelocProps(n, (LPSPropValue)b3, NULL, b3, NULL), S_OK);
    for (int i = 0; i < n; i++)
        check_deep(&((SPropValue *)b3)[i], &src[i], b3, b3 + need);

    cr_assert_eq(ScRelocProps(-1, (LPSPropValue)b3, NULL, b3, NULL), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(ScRelocProps(1, NULL, NULL, b3, NULL), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(ScRelocProps(0, NULL, NULL, b3, &cb), S_OK);
    cr_assert_eq(cb, 0);
    /* an unknown type stops the relocation before anything is changed */
    SPropValue *p3 = (SPropValue *)b3;
    LPSTR before = p3[10].Value.lpszA;
    p3[n - 1].ulPropTag = PROP_TAG(0x0009, 0x6000);
    cr_assert_eq(ScRelocProps(n, p3, b3, b2, NULL), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(p3[10].Value.lpszA, before);
    free(b1);
    free(b2);
    free(b3);
}

Test(propcopy, dup_propset)
{
    SPropValue src[FIXTURE_MAX];
    int n = fixture_all_types(src);
    LPSPropValue dup = NULL;
    cr_assert_eq(ScDupPropset(n, src, MAPIAllocateBuffer, &dup), S_OK);
    ULONG need;
    ScCountProps(n, src, &need);
    for (int i = 0; i < n; i++)
        check_deep(&dup[i], &src[i], (char *)dup, (char *)dup + need);
    MAPIFreeBuffer(dup);

    LPSPropValue keep = (LPSPropValue)1;
    cr_assert_eq(ScDupPropset(n, src, NULL, &keep), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(ScDupPropset(n, src, MAPIAllocateBuffer, NULL), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(ScDupPropset(-1, src, MAPIAllocateBuffer, &keep), MAPI_E_INVALID_PARAMETER);
    src[3].ulPropTag = PROP_TAG(PT_LONG, PROP_ID_INVALID);
    cr_assert_eq(ScDupPropset(n, src, MAPIAllocateBuffer, &keep), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(keep, (LPSPropValue)1);

    n = fixture_all_types(src);
    unsigned long oom_points;
    HRESULT hr;
    OOM_LOOP(hr, hr = ScDupPropset(n, src, MAPIAllocateBuffer, &dup), MAPIFreeBuffer(dup));
    cr_assert_eq(oom_points, 1, "ScDupPropset makes exactly one allocation");
    MAPIRT_LEAK_CHECK();
}

Test(propcopy, prop_copy_more_every_type)
{
    SPropValue src[FIXTURE_MAX];
    int n = fixture_all_types(src);
    for (int i = 0; i < n; i++) {
        void *parent;
        cr_assert_eq(MAPIAllocateBuffer(sizeof(SPropValue), &parent), S_OK);
        SPropValue *dst = parent;
        cr_assert_eq(PropCopyMore(dst, &src[i], MAPIAllocateMore, parent), S_OK);
        /* the copy's data lives in one child of parent, so not at the source addresses */
        check_deep(dst, &src[i], (const char *)(uintptr_t)1, (const char *)UINTPTR_MAX);
        if (PROP_TYPE(src[i].ulPropTag) == PT_STRING8)
            cr_assert_neq(dst->Value.lpszA, src[i].Value.lpszA);
        MAPIFreeBuffer(parent);
    }
    MAPIRT_LEAK_CHECK();
}

Test(propcopy, prop_copy_more_errors_and_oom)
{
    SPropValue src[FIXTURE_MAX], dst;
    int n = fixture_all_types(src);
    void *parent;
    cr_assert_eq(MAPIAllocateBuffer(8, &parent), S_OK);
    cr_assert_eq(PropCopyMore(NULL, &src[0], MAPIAllocateMore, parent), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(PropCopyMore(&dst, NULL, MAPIAllocateMore, parent), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(PropCopyMore(&dst, &src[0], NULL, parent), MAPI_E_INVALID_PARAMETER);
    SPropValue unknown = {PROP_TAG(0x0015, 0x6000), 0, {0}};
    cr_assert_eq(PropCopyMore(&dst, &unknown, MAPIAllocateMore, parent), MAPI_E_NO_SUPPORT);
    SPropValue nullstr = {PROP_TAG(PT_UNICODE, 0x6000), 0, {0}};
    cr_assert_eq(PropCopyMore(&dst, &nullstr, MAPIAllocateMore, parent), MAPI_E_INVALID_PARAMETER);
    /* a string needs a parent the allocator accepts */
    cr_assert_eq(PropCopyMore(&dst, &src[10], MAPIAllocateMore, NULL), MAPI_E_INVALID_PARAMETER);
    /* copying onto the source itself */
    SPropValue self = src[11];
    cr_assert_eq(PropCopyMore(&self, &self, MAPIAllocateMore, parent), S_OK);
    cr_assert_neq(self.Value.lpszW, fx_unicode);
    cr_assert_eq(mapirt_wcscmp(self.Value.lpszW, fx_unicode), 0);

    unsigned long oom_points;
    HRESULT hr;
    for (int i = 0; i < n; i++) {
        ULONG t = PROP_TYPE(src[i].ulPropTag);
        bool allocates = (t & MV_FLAG) || t == PT_STRING8 || t == PT_UNICODE || t == PT_CLSID ||
                         (t == PT_BINARY && src[i].Value.bin.cb > 0);
        OOM_LOOP(hr, hr = PropCopyMore(&dst, &src[i], MAPIAllocateMore, parent), (void)0);
        cr_assert_eq(oom_points, allocates ? 1 : 0, "tag 0x%08x", src[i].ulPropTag);
    }
    MAPIFreeBuffer(parent);
    MAPIRT_LEAK_CHECK();
}

Test(propcopy, ul_prop_size)
{
    SPropValue src[FIXTURE_MAX];
    fixture_all_types(src);
    ULONG expect[] = {
        2, 4, 4, 8, 8, 8, 4, 2, 0, 8,         /* I2 LONG R4 DOUBLE CURRENCY APPTIME ERROR BOOLEAN OBJECT I8 */
        sizeof(fx_str8), sizeof(fx_unicode), 8, 16, sizeof(fx_bin), 0, 0, /* ... PR_NULL */
        6, 8, 8, 24, 16, 8, 16, 16,           /* MV I2 LONG R4 DOUBLE CURRENCY APPTIME SYSTIME I8 */
        4 + 1 + sizeof(fx_s3), sizeof(fx_w1) + sizeof(fx_w2), 6, 32, sizeof(fx_s3),
    };
    for (size_t i = 0; i < sizeof(expect) / sizeof(expect[0]); i++)
        cr_assert_eq(UlPropSize(&src[i]), expect[i], "tag 0x%08x: %u", src[i].ulPropTag,
                     UlPropSize(&src[i]));
    cr_assert_eq(UlPropSize(NULL), 0);
    SPropValue nullstr = {PROP_TAG(PT_STRING8, 0x6000), 0, {0}};
    cr_assert_eq(UlPropSize(&nullstr), 0);
}
