/* tests/fuzz/fuzz_props.c: property value arrays and their copies.
 *
 * The input builds an array of property values, good and bad (any tag, NULL pointers, empty
 * and NULL multi-valued arrays). Checked against a model written here from the documented rules
 * (docs/decisions.md): which values FBadProp and ScCountProps accept; that ScCopyProps writes
 * exactly the bytes ScCountProps counts; that every copy (ScCopyProps, ScDupPropset,
 * PropCopyMore, ScRelocProps to another address) holds equal values; that comparison is
 * reflexive and antisymmetric. */
#include <mapicode.h>
#include <mapidefs.h>
#include <mapiutil.h>
#include <mapix.h>

#include "fuzz.h"

#define MAXV 6

static const ULONG types[] = {
    PT_UNSPECIFIED, PT_NULL, PT_I2, PT_LONG, PT_R4, PT_DOUBLE, PT_CURRENCY, PT_APPTIME, PT_ERROR,
    PT_BOOLEAN, PT_OBJECT, PT_I8, PT_STRING8, PT_UNICODE, PT_SYSTIME, PT_CLSID, PT_BINARY,
    PT_MV_I2, PT_MV_LONG, PT_MV_R4, PT_MV_DOUBLE, PT_MV_CURRENCY, PT_MV_APPTIME, PT_MV_I8,
    PT_MV_STRING8, PT_MV_UNICODE, PT_MV_SYSTIME, PT_MV_CLSID, PT_MV_BINARY,
    MV_FLAG | PT_BOOLEAN, MV_FLAG | PT_NULL, 0x0008, 0x0077};
#define NTYPES (sizeof(types) / sizeof(types[0]))

/* ---- the model ------------------------------------------------------------------------- */

static bool base_known(ULONG t)
{
    switch (t) {
    case PT_UNSPECIFIED: case PT_NULL: case PT_I2: case PT_LONG: case PT_R4: case PT_DOUBLE:
    case PT_CURRENCY: case PT_APPTIME: case PT_ERROR: case PT_BOOLEAN: case PT_OBJECT: case PT_I8:
    case PT_STRING8: case PT_UNICODE: case PT_SYSTIME: case PT_CLSID: case PT_BINARY:
        return true;
    default:
        return false;
    }
}

/* A type FBadPropTag accepts: a known type; multi-valued only where an array type exists;
 * MV_INSTANCE only on such a multi-valued type. */
static bool type_ok(ULONG t)
{
    if (t & MV_INSTANCE) {
        if (!(t & MV_FLAG))
            return false;
        t &= ~(ULONG)MV_INSTANCE;
    }
    if (!(t & MV_FLAG))
        return base_known(t);
    switch (t & ~(ULONG)MV_FLAG) {
    case PT_I2: case PT_LONG: case PT_R4: case PT_DOUBLE: case PT_CURRENCY: case PT_APPTIME:
    case PT_I8: case PT_STRING8: case PT_UNICODE: case PT_SYSTIME: case PT_CLSID: case PT_BINARY:
        return true;
    default:
        return false;
    }
}

/* Pointers the value's type needs (an instance value is one value of the base type). */
static bool pointers_ok(const SPropValue *p)
{
    ULONG t = PROP_TYPE(p->ulPropTag);
    if (t & MV_INSTANCE)
        t &= ~(ULONG)(MV_INSTANCE | MV_FLAG);
    const union _PV *v = &p->Value;
    switch (t) {
    case PT_STRING8: return v->lpszA != NULL;
    case PT_UNICODE: return v->lpszW != NULL;
    case PT_CLSID: return v->lpguid != NULL;
    case PT_BINARY: return v->bin.cb == 0 || v->bin.lpb != NULL;
    default: break;
    }
    if (!(t & MV_FLAG))
        return true;
    ULONG n = v->MVl.cValues;
    if (n == 0)
        return true;
    if (v->MVl.lpl == NULL)
        return false;
    for (ULONG i = 0; i < n; i++) {
        if (t == PT_MV_STRING8 && v->MVszA.lppszA[i] == NULL)
            return false;
        if (t == PT_MV_UNICODE && v->MVszW.lppszW[i] == NULL)
            return false;
        if (t == PT_MV_BINARY && v->MVbin.lpbin[i].cb && !v->MVbin.lpbin[i].lpb)
            return false;
    }
    return true;
}

static bool model_fbadprop(const SPropValue *p)
{
    return !type_ok(PROP_TYPE(p->ulPropTag)) || !pointers_ok(p);
}

static bool model_countable(const SPropValue *p)
{
    ULONG tag = p->ulPropTag, t = PROP_TYPE(tag), id = PROP_ID(tag);
    if (tag == PR_NULL)
        return true;
    if (id == 0 || id == 0xFFFF || t == PT_UNSPECIFIED || t == PT_NULL)
        return false;
    return type_ok(t) && pointers_ok(p);
}

/* Deep equality of two values of the same (valid) tag. */
static bool same_value(const SPropValue *a, const SPropValue *b)
{
    if (a->ulPropTag != b->ulPropTag)
        return false;
    ULONG t = PROP_TYPE(a->ulPropTag);
    if (t & MV_INSTANCE)
        t &= ~(ULONG)(MV_INSTANCE | MV_FLAG);
    const union _PV *x = &a->Value, *y = &b->Value;
    switch (t) {
    case PT_I2: case PT_BOOLEAN: return x->i == y->i;
    case PT_LONG: case PT_ERROR: case PT_R4: return x->l == y->l;
    case PT_DOUBLE: case PT_APPTIME: case PT_CURRENCY: case PT_I8: case PT_SYSTIME:
        return x->li.QuadPart == y->li.QuadPart;
    case PT_STRING8: return strcmp(x->lpszA, y->lpszA) == 0;
    case PT_UNICODE: {
        size_t i = 0;
        for (; x->lpszW[i] && x->lpszW[i] == y->lpszW[i]; i++)
            ;
        return x->lpszW[i] == y->lpszW[i];
    }
    case PT_CLSID: return memcmp(x->lpguid, y->lpguid, sizeof(GUID)) == 0;
    case PT_BINARY:
        return x->bin.cb == y->bin.cb && (x->bin.cb == 0 || !memcmp(x->bin.lpb, y->bin.lpb, x->bin.cb));
    case PT_NULL: case PT_OBJECT: return true;
    default: break;
    }
    ULONG n = x->MVl.cValues;
    if (n != y->MVl.cValues)
        return false;
    for (ULONG i = 0; i < n; i++) {
        SPropValue ea = {.ulPropTag = PROP_TAG(t & ~(ULONG)MV_FLAG, 1)}, eb = ea;
        switch (t) {
        case PT_MV_I2: ea.Value.i = x->MVi.lpi[i]; eb.Value.i = y->MVi.lpi[i]; break;
        case PT_MV_LONG: ea.Value.l = x->MVl.lpl[i]; eb.Value.l = y->MVl.lpl[i]; break;
        case PT_MV_R4: ea.Value.flt = x->MVflt.lpflt[i]; eb.Value.flt = y->MVflt.lpflt[i]; break;
        case PT_MV_DOUBLE: case PT_MV_APPTIME:
            ea.Value.dbl = x->MVdbl.lpdbl[i]; eb.Value.dbl = y->MVdbl.lpdbl[i]; break;
        case PT_MV_CURRENCY: ea.Value.cur = x->MVcur.lpcur[i]; eb.Value.cur = y->MVcur.lpcur[i]; break;
        case PT_MV_I8: ea.Value.li = x->MVli.lpli[i]; eb.Value.li = y->MVli.lpli[i]; break;
        case PT_MV_SYSTIME: ea.Value.ft = x->MVft.lpft[i]; eb.Value.ft = y->MVft.lpft[i]; break;
        case PT_MV_CLSID: ea.Value.lpguid = &x->MVguid.lpguid[i]; eb.Value.lpguid = &y->MVguid.lpguid[i]; break;
        case PT_MV_STRING8: ea.Value.lpszA = x->MVszA.lppszA[i]; eb.Value.lpszA = y->MVszA.lppszA[i]; break;
        case PT_MV_UNICODE: ea.Value.lpszW = x->MVszW.lppszW[i]; eb.Value.lpszW = y->MVszW.lppszW[i]; break;
        case PT_MV_BINARY: ea.Value.bin = x->MVbin.lpbin[i]; eb.Value.bin = y->MVbin.lpbin[i]; break;
        default: return false;
        }
        if (!same_value(&ea, &eb))
            return false;
    }
    return true;
}

/* ---- building values from the input ---------------------------------------------------- */

static const char *const strings[] = {"", "a", "B", "abc", "ABC", "\xc3\xa9t\xc3\xa9", "\xff\xfe"};

static void fill_single(fz *f, ULONG t, union _PV *v)
{
    switch (t) {
    case PT_STRING8:
        v->lpszA = fz_u8(f) % 8 == 0 ? NULL
                 : fz_bool(f) ? (LPSTR)strings[fz_below(f, 7)] : fz_str(f, 12, NULL);
        break;
    case PT_UNICODE: v->lpszW = fz_u8(f) % 8 == 0 ? NULL : fz_wstr(f, 8); break;
    case PT_CLSID:
        v->lpguid = fz_u8(f) % 8 == 0 ? NULL : fz_alloc(f, sizeof(GUID));
        if (v->lpguid)
            v->lpguid->Data1 = fz_u32(f);
        break;
    case PT_BINARY:
        v->bin.cb = fz_below(f, 6);
        v->bin.lpb = fz_u8(f) % 8 == 0 ? NULL : fz_alloc(f, v->bin.cb);
        for (ULONG i = 0; v->bin.lpb && i < v->bin.cb; i++)
            v->bin.lpb[i] = fz_u8(f);
        break;
    default:
        v->li.LowPart = fz_u32(f);
        v->li.HighPart = (LONG)fz_u32(f);
        break;
    }
}

static size_t elem_size(ULONG t)
{
    switch (t & ~(ULONG)MV_FLAG) {
    case PT_I2: return sizeof(short);
    case PT_LONG: case PT_R4: return 4;
    case PT_STRING8: case PT_UNICODE: return sizeof(void *);
    case PT_BINARY: return sizeof(SBinary);
    case PT_CLSID: return sizeof(GUID);
    default: return 8;
    }
}

static void fill(fz *f, SPropValue *p)
{
    uint8_t k = fz_u8(f);
    ULONG t = types[k % NTYPES];
    if (k >= 240 && (t & MV_FLAG))
        t |= MV_INSTANCE;
    uint8_t idk = fz_u8(f);
    ULONG id = idk < 8 ? 0 : idk < 16 ? 0xFFFF : 0x6600 + (idk % 8);
    memset(p, 0, sizeof(*p));
    p->ulPropTag = fz_u8(f) == 0xFF ? PR_NULL : PROP_TAG(t, id);
    if (t & MV_INSTANCE) {
        fill_single(f, t & ~(ULONG)(MV_FLAG | MV_INSTANCE), &p->Value);
        return;
    }
    if (!(t & MV_FLAG)) {
        fill_single(f, t, &p->Value);
        return;
    }
    ULONG n = fz_below(f, 4);
    p->Value.MVl.cValues = n;
    if (n == 0 && fz_bool(f))
        return; /* empty: no array */
    if (fz_u8(f) % 16 == 0) {
        p->Value.MVl.lpl = NULL;
        return;
    }
    char *arr = fz_alloc(f, n * elem_size(t));
    p->Value.MVl.lpl = (LONG *)arr;
    for (ULONG i = 0; i < n; i++) {
        union _PV one;
        memset(&one, 0, sizeof(one));
        ULONG bt = t & ~(ULONG)MV_FLAG;
        fill_single(f, bt, &one);
        switch (bt) {
        case PT_STRING8: case PT_UNICODE: ((void **)arr)[i] = one.lpszA; break;
        case PT_BINARY: ((SBinary *)arr)[i] = one.bin; break;
        case PT_CLSID:
            if (one.lpguid)
                ((GUID *)arr)[i] = *one.lpguid;
            break;
        default: memcpy(arr + i * elem_size(t), &one, elem_size(t)); break;
        }
    }
}

/* ---- the target ------------------------------------------------------------------------ */

static void check_copies(const SPropValue *src, int n, ULONG cb)
{
    /* ScCopyProps writes exactly cb bytes. */
    unsigned char *buf = malloc((size_t)cb + 64);
    memset(buf, 0xCC, (size_t)cb + 64);
    ULONG got = 0;
    FZ_CHECK(ScCopyProps(n, (LPSPropValue)src, buf, &got) == S_OK, "ScCopyProps refused");
    FZ_CHECK(got == cb, "ScCopyProps %lu bytes, ScCountProps %lu", (unsigned long)got,
             (unsigned long)cb);
    for (int i = 0; i < 64; i++)
        FZ_CHECK(buf[cb + i] == 0xCC, "ScCopyProps wrote past its count");
    for (int i = 0; i < n; i++)
        FZ_CHECK(same_value(&src[i], &((SPropValue *)buf)[i]), "ScCopyProps value %d differs", i);

    /* Moved to another address and relocated there. */
    unsigned char *moved = malloc((size_t)cb + 1);
    memcpy(moved, buf, cb);
    memset(buf, 0xDD, cb); /* the old block must not be read */
    ULONG relcb = 0;
    FZ_CHECK(ScRelocProps(n, (LPSPropValue)moved, buf, moved, &relcb) == S_OK, "ScRelocProps");
    FZ_CHECK(relcb == cb, "ScRelocProps counted %lu of %lu", (unsigned long)relcb,
             (unsigned long)cb);
    for (int i = 0; i < n; i++)
        FZ_CHECK(same_value(&src[i], &((SPropValue *)moved)[i]), "relocated value %d differs", i);
    free(moved);
    free(buf);

    LPSPropValue dup = NULL;
    FZ_CHECK(ScDupPropset(n, (LPSPropValue)src, MAPIAllocateBuffer, &dup) == S_OK, "ScDupPropset");
    for (int i = 0; i < n; i++) {
        FZ_CHECK(same_value(&src[i], &dup[i]), "ScDupPropset value %d differs", i);
        /* comparison: reflexive */
        FZ_CHECK(LPropCompareProp(&dup[i], (LPSPropValue)&src[i]) == 0, "value %d unequal to its copy", i);
    }
    MAPIFreeBuffer(dup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz f;
    fz_init(&f, data, size);
    SPropValue v[MAXV];
    int n = (int)fz_below(&f, MAXV + 1);
    for (int i = 0; i < n; i++)
        fill(&f, &v[i]);

    bool all_countable = true;
    for (int i = 0; i < n; i++) {
        FZ_CHECK((FBadProp(&v[i]) != 0) == model_fbadprop(&v[i]), "FBadProp on tag 0x%08lx",
                 (unsigned long)v[i].ulPropTag);
        ULONG one = 0xFFFFFFFF;
        SCODE sc = ScCountProps(1, &v[i], &one);
        FZ_CHECK((sc == S_OK) == model_countable(&v[i]), "ScCountProps on tag 0x%08lx: 0x%08lx",
                 (unsigned long)v[i].ulPropTag, (unsigned long)(ULONG)sc);
        FZ_CHECK(sc == S_OK || one == 0xFFFFFFFF, "ScCountProps wrote the count on failure");
        all_countable = all_countable && sc == S_OK;
        (void)UlPropSize(&v[i]);

        if (sc == S_OK) {
            LPSPropValue holder = NULL;
            MAPIAllocateBuffer(sizeof(SPropValue), (void **)&holder);
            FZ_CHECK(PropCopyMore(holder, &v[i], MAPIAllocateMore, holder) == S_OK, "PropCopyMore");
            FZ_CHECK(same_value(&v[i], holder), "PropCopyMore value differs");
            MAPIFreeBuffer(holder);
        }
    }
    ULONG cb = 0xFFFFFFFF;
    SCODE sc = ScCountProps(n, v, &cb);
    FZ_CHECK((sc == S_OK) == all_countable, "ScCountProps of the array: 0x%08lx", (unsigned long)(ULONG)sc);
    if (sc == S_OK)
        check_copies(v, n, cb);
    else
        FZ_CHECK(ScDupPropset(n, v, MAPIAllocateBuffer, &(LPSPropValue){NULL}) != S_OK,
                 "ScDupPropset accepts what ScCountProps refuses");

    /* Comparison of countable pairs of one type: antisymmetric. */
    for (int i = 0; i + 1 < n; i++) {
        if (!model_countable(&v[i]) || !model_countable(&v[i + 1]))
            continue;
        LONG ab = LPropCompareProp(&v[i], &v[i + 1]), ba = LPropCompareProp(&v[i + 1], &v[i]);
        FZ_CHECK((ab > 0) - (ab < 0) == -((ba > 0) - (ba < 0)), "LPropCompareProp not antisymmetric");
    }
    fz_free_all(&f);
    return 0;
}
