/* propcompare.c: LPropCompareProp, FPropCompareProp, FPropContainsProp and the extended forms
 * in mapirt/proputil.h.
 *
 * Orderings (the reference leaves them to the implementation; these are consistent across calls):
 *   - integers, currency and 64-bit values are signed; PT_SYSTIME is an unsigned 64-bit count;
 *     PT_BOOLEAN orders FALSE before TRUE (any nonzero value is TRUE);
 *   - floating point: numeric, with NaN equal to NaN and below every number;
 *   - strings: by code point ignoring case first (mapirt/strconv.h), then exactly, so "apple" <
 *     "Banana" < "banana", and only identical strings are equal;
 *   - PT_BINARY: bytewise, a proper prefix first; PT_CLSID: bytewise over the 16 bytes;
 *   - PT_ERROR: by SCODE as an unsigned number; PT_NULL, PT_OBJECT and PT_UNSPECIFIED values
 *     have no content and are equal;
 *   - multi-valued: element by element, then the shorter list first;
 *   - values of different types (LPropCompareProp does not support that) order by type. */
#include <regex.h>
#include <string.h>

#include <mapirt/alloc.h>
#include <mapirt/proputil.h>
#include <mapirt/strconv.h>

#include "prop_internal.h"

static bool is_string(ULONG type)
{
    return type == PT_STRING8 || type == PT_UNICODE;
}

static int sign3(int c)
{
    return (c > 0) - (c < 0);
}

#define CMP(x, y) (((x) > (y)) - ((x) < (y)))

static int cmp_double(double a, double b)
{
    bool na = a != a, nb = b != b;
    if (na || nb)
        return na && nb ? 0 : (na ? -1 : 1);
    return CMP(a, b);
}

static int cmp_bytes(const BYTE *a, ULONG na, const BYTE *b, ULONG nb)
{
    if (a == NULL)
        na = 0;
    if (b == NULL)
        nb = 0;
    ULONG n = na < nb ? na : nb;
    int c = n == 0 ? 0 : memcmp(a, b, n);
    return c != 0 ? sign3(c) : CMP(na, nb);
}

static int cmp_string(const void *a, bool aw, const void *b, bool bw, ULONG flags)
{
    int c = mapirt_str_compare(a, aw, b, bw, flags | FL_IGNORECASE);
    if (c != 0 || (flags & (FL_IGNORECASE | FL_LOOSE)) != 0)
        return c;
    return mapirt_str_compare(a, aw, b, bw, flags);
}

BOOL mapirt_prop_mv_element(const SPropValue *mv, ULONG i, SPropValue *out)
{
    ULONG type = mapirt_value_type(mv->ulPropTag);
    if (!(type & MV_FLAG) || i >= mv->Value.MVl.cValues || mv->Value.MVl.lpl == NULL)
        return FALSE;
    ULONG base = type & ~(ULONG)MV_FLAG;
    const union _PV *v = &mv->Value;
    SPropValue e;
    memset(&e, 0, sizeof(e));
    e.ulPropTag = PROP_TAG(base, PROP_ID(mv->ulPropTag));
    switch (base) {
    case PT_I2: e.Value.i = v->MVi.lpi[i]; break;
    case PT_LONG: e.Value.l = v->MVl.lpl[i]; break;
    case PT_R4: e.Value.flt = v->MVflt.lpflt[i]; break;
    case PT_DOUBLE: e.Value.dbl = v->MVdbl.lpdbl[i]; break;
    case PT_APPTIME: e.Value.at = v->MVat.lpat[i]; break;
    case PT_CURRENCY: e.Value.cur = v->MVcur.lpcur[i]; break;
    case PT_SYSTIME: e.Value.ft = v->MVft.lpft[i]; break;
    case PT_I8: e.Value.li = v->MVli.lpli[i]; break;
    case PT_STRING8: e.Value.lpszA = v->MVszA.lppszA[i]; break;
    case PT_UNICODE: e.Value.lpszW = v->MVszW.lppszW[i]; break;
    case PT_BINARY: e.Value.bin = v->MVbin.lpbin[i]; break;
    case PT_CLSID: e.Value.lpguid = &v->MVguid.lpguid[i]; break;
    default: return FALSE;
    }
    *out = e;
    return TRUE;
}

/* Compares two single values of the same type (strings: of either width). */
static int cmp_single(const SPropValue *a, const SPropValue *b, ULONG type, ULONG flags)
{
    const union _PV *x = &a->Value, *y = &b->Value;
    switch (type) {
    case PT_I2: return CMP(x->i, y->i);
    case PT_LONG: return CMP(x->l, y->l);
    case PT_BOOLEAN: return CMP(x->b != 0, y->b != 0);
    case PT_R4: return cmp_double(x->flt, y->flt);
    case PT_DOUBLE: return cmp_double(x->dbl, y->dbl);
    case PT_APPTIME: return cmp_double(x->at, y->at);
    case PT_CURRENCY: return CMP(x->cur.int64, y->cur.int64);
    case PT_I8: return CMP(x->li.QuadPart, y->li.QuadPart);
    case PT_SYSTIME: {
        uint64_t ta = ((uint64_t)x->ft.dwHighDateTime << 32) | x->ft.dwLowDateTime;
        uint64_t tb = ((uint64_t)y->ft.dwHighDateTime << 32) | y->ft.dwLowDateTime;
        return CMP(ta, tb);
    }
    case PT_ERROR: return CMP((ULONG)x->err, (ULONG)y->err);
    case PT_CLSID:
        if (x->lpguid == NULL || y->lpguid == NULL)
            return CMP(x->lpguid != NULL, y->lpguid != NULL);
        return sign3(memcmp(x->lpguid, y->lpguid, sizeof(GUID)));
    case PT_BINARY: return cmp_bytes(x->bin.lpb, x->bin.cb, y->bin.lpb, y->bin.cb);
    case PT_STRING8: case PT_UNICODE:
        return cmp_string(x->lpszA, mapirt_value_type(a->ulPropTag) == PT_UNICODE, y->lpszA,
                          mapirt_value_type(b->ulPropTag) == PT_UNICODE, flags);
    default:
        return 0;
    }
}

static int cmp_mv(const SPropValue *a, const SPropValue *b, ULONG flags)
{
    ULONG na = a->Value.MVl.lpl == NULL ? 0 : a->Value.MVl.cValues;
    ULONG nb = b->Value.MVl.lpl == NULL ? 0 : b->Value.MVl.cValues;
    ULONG n = na < nb ? na : nb;
    for (ULONG i = 0; i < n; i++) {
        SPropValue ea, eb;
        if (!mapirt_prop_mv_element(a, i, &ea) || !mapirt_prop_mv_element(b, i, &eb))
            break;
        int c = cmp_single(&ea, &eb, mapirt_value_type(ea.ulPropTag), flags);
        if (c != 0)
            return c;
    }
    return CMP(na, nb);
}

/* Strings of the two widths are one type for comparison purposes. */
static ULONG cmp_class(ULONG type)
{
    if (type == PT_UNICODE)
        return PT_STRING8;
    if (type == PT_MV_UNICODE)
        return PT_MV_STRING8;
    return type;
}

LONG mapirt_prop_compare(const SPropValue *a, const SPropValue *b, ULONG ulFlags)
{
    if (a == NULL || b == NULL)
        return CMP(a != NULL, b != NULL);
    ULONG ta = mapirt_value_type(a->ulPropTag), tb = mapirt_value_type(b->ulPropTag);
    if (cmp_class(ta) != cmp_class(tb))
        return CMP(ta, tb);
    if (ta & MV_FLAG)
        return cmp_mv(a, b, ulFlags);
    return cmp_single(a, b, ta, ulFlags);
}

LONG LPropCompareProp(LPSPropValue lpSPropValueA, LPSPropValue lpSPropValueB)
{
    if (lpSPropValueA == NULL || lpSPropValueB == NULL)
        return CMP(lpSPropValueA != NULL, lpSPropValueB != NULL);
    ULONG ta = mapirt_value_type(lpSPropValueA->ulPropTag);
    ULONG tb = mapirt_value_type(lpSPropValueB->ulPropTag);
    if (ta != tb)
        return CMP(ta, tb);
    return mapirt_prop_compare(lpSPropValueA, lpSPropValueB, 0);
}

/* RELOP_RE: POSIX extended syntax on the UTF-8 form of both strings; the pattern is searched
 * for (anchor it with ^...$ to match whole values). An invalid pattern matches nothing. */
static BOOL regex_match(const SPropValue *value, const SPropValue *pattern, ULONG flags)
{
    const void *sv = value->Value.lpszA, *sp = pattern->Value.lpszA;
    if (sv == NULL || sp == NULL)
        return FALSE;
    char *v8 = NULL, *p8 = NULL;
    if (mapirt_value_type(value->ulPropTag) == PT_UNICODE && (v8 = mapirt_str_w_to_a_dup(sv)) == NULL)
        return FALSE;
    if (mapirt_value_type(pattern->ulPropTag) == PT_UNICODE &&
        (p8 = mapirt_str_w_to_a_dup(sp)) == NULL) {
        mapirt_free(v8);
        return FALSE;
    }
    regex_t re;
    int cflags = REG_EXTENDED | REG_NOSUB | ((flags & (FL_IGNORECASE | FL_LOOSE)) ? REG_ICASE : 0);
    BOOL match = FALSE;
    if (regcomp(&re, p8 != NULL ? p8 : sp, cflags) == 0) {
        match = regexec(&re, v8 != NULL ? v8 : sv, 0, NULL, 0) == 0;
        regfree(&re);
    }
    mapirt_free(v8);
    mapirt_free(p8);
    return match;
}

static BOOL relop_single(const SPropValue *a, ULONG relop, const SPropValue *b, ULONG flags)
{
    if (relop == RELOP_RE) {
        if (!is_string(mapirt_value_type(a->ulPropTag)) || !is_string(mapirt_value_type(b->ulPropTag)))
            return FALSE;
        return regex_match(a, b, flags);
    }
    LONG c = mapirt_prop_compare(a, b, flags);
    switch (relop) {
    case RELOP_LT: return c < 0;
    case RELOP_LE: return c <= 0;
    case RELOP_GT: return c > 0;
    case RELOP_GE: return c >= 0;
    case RELOP_EQ: return c == 0;
    case RELOP_NE: return c != 0;
    default: return FALSE;
    }
}

BOOL mapirt_prop_relop(const SPropValue *a, ULONG ulRelOp, const SPropValue *b, ULONG ulFlags)
{
    if (a == NULL || b == NULL || ulRelOp > RELOP_RE)
        return FALSE;
    ULONG ta = cmp_class(mapirt_value_type(a->ulPropTag));
    ULONG tb = cmp_class(mapirt_value_type(b->ulPropTag));
    if (ta == tb) {
        if ((ta & MV_FLAG) && ulRelOp == RELOP_RE)
            return FALSE;
        return relop_single(a, ulRelOp, b, ulFlags);
    }
    if ((ta & MV_FLAG) && (ta & ~(ULONG)MV_FLAG) == tb) {
        SPropValue e;
        for (ULONG i = 0; mapirt_prop_mv_element(a, i, &e); i++)
            if (relop_single(&e, ulRelOp, b, ulFlags))
                return TRUE;
    }
    return FALSE;
}

BOOL FPropCompareProp(LPSPropValue lpSPropValue1, ULONG ulRelOp, LPSPropValue lpSPropValue2)
{
    if (lpSPropValue1 == NULL || lpSPropValue2 == NULL)
        return FALSE;
    if (mapirt_value_type(lpSPropValue1->ulPropTag) != mapirt_value_type(lpSPropValue2->ulPropTag))
        return FALSE;
    return mapirt_prop_relop(lpSPropValue1, ulRelOp, lpSPropValue2, 0);
}

static BOOL contains_single(const SPropValue *dst, const SPropValue *src, ULONG fuzzy)
{
    ULONG td = mapirt_value_type(dst->ulPropTag), ts = mapirt_value_type(src->ulPropTag);
    if (is_string(td) && is_string(ts))
        return mapirt_str_contains(dst->Value.lpszA, td == PT_UNICODE, src->Value.lpszA,
                                   ts == PT_UNICODE, fuzzy);
    if (td != PT_BINARY || ts != PT_BINARY)
        return FALSE;
    /* The case and nonspace bits mean nothing for bytes. */
    const BYTE *h = dst->Value.bin.lpb, *n = src->Value.bin.lpb;
    ULONG hn = h == NULL ? 0 : dst->Value.bin.cb, nn = n == NULL ? 0 : src->Value.bin.cb;
    switch (fuzzy & 0xFFFF) {
    case FL_PREFIX:
        return nn <= hn && (nn == 0 || memcmp(h, n, nn) == 0);
    case FL_SUBSTRING:
        if (nn == 0)
            return TRUE;
        for (ULONG i = 0; nn <= hn && i <= hn - nn; i++)
            if (h[i] == n[0] && memcmp(h + i, n, nn) == 0)
                return TRUE;
        return FALSE;
    default:
        return nn == hn && (nn == 0 || memcmp(h, n, nn) == 0);
    }
}

BOOL mapirt_prop_contains(const SPropValue *dst, const SPropValue *src, ULONG ulFuzzyLevel)
{
    if (dst == NULL || src == NULL)
        return FALSE;
    if (mapirt_value_type(dst->ulPropTag) & MV_FLAG) {
        SPropValue e;
        for (ULONG i = 0; mapirt_prop_mv_element(dst, i, &e); i++)
            if (contains_single(&e, src, ulFuzzyLevel))
                return TRUE;
        return FALSE;
    }
    return contains_single(dst, src, ulFuzzyLevel);
}

BOOL FPropContainsProp(LPSPropValue lpSPropValueDst, LPSPropValue lpSPropValueSrc,
                       ULONG ulFuzzyLevel)
{
    if (lpSPropValueDst == NULL || lpSPropValueSrc == NULL)
        return FALSE;
    ULONG td = mapirt_value_type(lpSPropValueDst->ulPropTag);
    if (td != mapirt_value_type(lpSPropValueSrc->ulPropTag))
        return FALSE;
    if (td != PT_STRING8 && td != PT_UNICODE && td != PT_BINARY)
        return FALSE;
    return contains_single(lpSPropValueDst, lpSPropValueSrc, ulFuzzyLevel);
}
