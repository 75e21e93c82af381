/* restrict.c: restrictions for IMAPITable::Restrict and FindRow, checked and compiled once,
 * then evaluated in memory for each row.
 *
 * Choices where MAPI leaves the result undefined or to the table:
 *  - A property, content, compare, bitmask or size restriction on a property the row does not
 *    have (or has only as a PT_ERROR value) is false, whatever the operator; use RES_NOT or
 *    RES_EXIST to test for absence.
 *  - A multi-valued property tested against a single value matches when any of its values
 *    does; tested against a multi-valued constant it is compared as an ordered tuple. An
 *    MVI_FLAG tag tests the instance value of the row when the view expands that column, and
 *    any value otherwise.
 *  - RELOP_RE takes the constant as a POSIX extended regular expression and matches it anywhere
 *    in the string value; only string properties accept it. Both are UTF-8 (8-bit strings are
 *    UTF-8 in mapirt) and the expression is compiled and run in the C.UTF-8 locale, whatever
 *    the program's locale, so "." matches one character. An invalid expression is
 *    MAPI_E_INVALID_PARAMETER.
 *  - RES_SUBRESTRICTION needs recipient or attachment sub-objects, which rows of an in-memory
 *    table do not have: MAPI_E_TOO_COMPLEX, as SSubRestriction documents for such tables.
 *  - RES_COMMENT is not itself a condition: it stands for its lpRes (true when it has none). */
/* newlocale / uselocale */
#define _POSIX_C_SOURCE 200809L

#include <locale.h>
#include <pthread.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include <mapirt/strconv.h>

#include "table_internal.h"

/* Restrictions nested deeper than this are refused rather than risking the stack. */
#define RES_MAX_DEPTH 128

#define FL_LEVEL_MASK ((ULONG)0x0000FFFF)
#define FL_KNOWN_FLAGS (FL_IGNORECASE | FL_IGNORENONSPACE | FL_LOOSE)

struct tbl_res {
    ULONG rt;
    ULONG op; /* relop, fuzzy level or relBMR */
    ULONG tag, tag2;
    ULONG arg; /* bit mask or byte count */
    ULONG nkids;
    tbl_res *kids;
    SPropValue *val; /* the constant, one mapirt_malloc block */
    regex_t *re;
};

static void res_free_node(tbl_res *r)
{
    for (ULONG i = 0; i < r->nkids; i++)
        res_free_node(&r->kids[i]);
    mapirt_free(r->kids);
    mapirt_free(r->val);
    if (r->re) {
        regfree(r->re);
        mapirt_free(r->re);
    }
}

void tbl_res_free(tbl_res *r)
{
    if (r) {
        res_free_node(r);
        mapirt_free(r);
    }
}

static HRESULT copy_value(const SPropValue *src, SPropValue **out)
{
    ULONG cb = 0;
    void *buf;

    if (FAILED(ScCountProps(1, (LPSPropValue)src, &cb)))
        return MAPI_E_INVALID_PARAMETER;
    buf = mapirt_malloc(cb);
    if (!buf)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    if (FAILED(ScCopyProps(1, (LPSPropValue)src, buf, NULL))) {
        mapirt_free(buf);
        return MAPI_E_INVALID_PARAMETER;
    }
    *out = buf;
    return S_OK;
}

static bool comparable_type(ULONG type)
{
    switch (type & ~TBL_MVI_BITS) {
    case PT_NULL:
    case PT_OBJECT:
    case PT_UNSPECIFIED:
        return false;
    default:
        return true;
    }
}

static bool is_string_type(ULONG type)
{
    return type == PT_STRING8 || type == PT_UNICODE;
}

static locale_t g_utf8 = (locale_t)0;
static pthread_once_t g_utf8_once = PTHREAD_ONCE_INIT;

static void utf8_init(void)
{
    /* Without C.UTF-8 (not Debian), expressions work on bytes in the current locale. */
    g_utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

/* Switches this thread to the UTF-8 locale; returns what to restore. */
static locale_t enter_utf8(void)
{
    pthread_once(&g_utf8_once, utf8_init);
    return g_utf8 ? uselocale(g_utf8) : (locale_t)0;
}

static void leave_utf8(locale_t old)
{
    if (old)
        uselocale(old);
}

static HRESULT compile_regex(tbl_res *r)
{
    char *pattern;
    int rc;

    if (PROP_TYPE(r->val->ulPropTag) == PT_UNICODE)
        pattern = mapirt_str_w_to_a_dup(r->val->Value.lpszW);
    else
        pattern = mapirt_strdup(r->val->Value.lpszA);
    if (!pattern)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    r->re = mapirt_malloc(sizeof(regex_t));
    if (!r->re) {
        mapirt_free(pattern);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    locale_t old = enter_utf8();
    rc = regcomp(r->re, pattern, REG_EXTENDED | REG_NOSUB);
    leave_utf8(old);
    mapirt_free(pattern);
    if (rc != 0) {
        mapirt_free(r->re);
        r->re = NULL;
        return rc == REG_ESPACE ? MAPI_E_NOT_ENOUGH_MEMORY : MAPI_E_INVALID_PARAMETER;
    }
    return S_OK;
}

static HRESULT compile(const SRestriction *in, tbl_res *r, int depth);

static HRESULT compile_kids(const SRestriction *kids, ULONG n, tbl_res *r, int depth)
{
    HRESULT hr;

    if (n == 0)
        return S_OK;
    if (!kids)
        return MAPI_E_INVALID_PARAMETER;
    r->kids = mapirt_calloc(n, sizeof(tbl_res));
    if (!r->kids)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    for (ULONG i = 0; i < n; i++) {
        r->nkids = i + 1; /* so that a failure frees exactly what was compiled */
        hr = compile(&kids[i], &r->kids[i], depth + 1);
        if (FAILED(hr))
            return hr;
    }
    return S_OK;
}

static HRESULT compile_property(const SPropertyRestriction *p, tbl_res *r)
{
    ULONG type, vtype;
    HRESULT hr;

    if (!p->lpProp)
        return MAPI_E_INVALID_PARAMETER;
    if (p->relop > RELOP_RE)
        return MAPI_E_INVALID_PARAMETER;
    type = PROP_TYPE(p->ulPropTag);
    vtype = PROP_TYPE(p->lpProp->ulPropTag);
    if ((type & MV_INSTANCE) && !(type & MV_FLAG))
        return MAPI_E_INVALID_PARAMETER;
    if (!comparable_type(type))
        return MAPI_E_TOO_COMPLEX;
    /* The constant has the property's type, or the single type of a multi-valued one. */
    if (vtype != (type & ~TBL_MVI_BITS) && !(vtype == type && !(type & MV_INSTANCE)))
        return MAPI_E_TOO_COMPLEX;
    if (p->relop == RELOP_RE && !is_string_type(vtype))
        return MAPI_E_TOO_COMPLEX;
    r->op = p->relop;
    r->tag = p->ulPropTag;
    hr = copy_value(p->lpProp, &r->val);
    if (SUCCEEDED(hr) && p->relop == RELOP_RE)
        hr = compile_regex(r);
    return hr;
}

static HRESULT compile_content(const SContentRestriction *p, tbl_res *r)
{
    ULONG type, vtype;

    if (!p->lpProp)
        return MAPI_E_INVALID_PARAMETER;
    if ((p->ulFuzzyLevel & FL_LEVEL_MASK) > FL_PREFIX ||
        (p->ulFuzzyLevel & ~(FL_LEVEL_MASK | FL_KNOWN_FLAGS)))
        return MAPI_E_INVALID_PARAMETER;
    type = PROP_TYPE(p->ulPropTag);
    vtype = PROP_TYPE(p->lpProp->ulPropTag);
    if ((type & MV_INSTANCE) && !(type & MV_FLAG))
        return MAPI_E_INVALID_PARAMETER;
    if (vtype != (type & ~TBL_MVI_BITS) ||
        !(vtype == PT_STRING8 || vtype == PT_UNICODE || vtype == PT_BINARY))
        return MAPI_E_TOO_COMPLEX;
    r->op = p->ulFuzzyLevel;
    r->tag = p->ulPropTag;
    return copy_value(p->lpProp, &r->val);
}

static HRESULT compile(const SRestriction *in, tbl_res *r, int depth)
{
    if (depth > RES_MAX_DEPTH)
        return MAPI_E_TOO_COMPLEX;
    r->rt = in->rt;
    switch (in->rt) {
    case RES_AND:
        return compile_kids(in->res.resAnd.lpRes, in->res.resAnd.cRes, r, depth);
    case RES_OR:
        return compile_kids(in->res.resOr.lpRes, in->res.resOr.cRes, r, depth);
    case RES_NOT:
        if (!in->res.resNot.lpRes)
            return MAPI_E_INVALID_PARAMETER;
        return compile_kids(in->res.resNot.lpRes, 1, r, depth);
    case RES_COMMENT:
        if (in->res.resComment.cValues && !in->res.resComment.lpProp)
            return MAPI_E_INVALID_PARAMETER;
        return in->res.resComment.lpRes ? compile_kids(in->res.resComment.lpRes, 1, r, depth)
                                        : S_OK;
    case RES_CONTENT:
        return compile_content(&in->res.resContent, r);
    case RES_PROPERTY:
        return compile_property(&in->res.resProperty, r);
    case RES_COMPAREPROPS: {
        const SComparePropsRestriction *p = &in->res.resCompareProps;
        if (p->relop > RELOP_RE)
            return MAPI_E_INVALID_PARAMETER;
        if (PROP_TYPE(p->ulPropTag1) != PROP_TYPE(p->ulPropTag2) ||
            !comparable_type(PROP_TYPE(p->ulPropTag1)) || p->relop == RELOP_RE)
            return MAPI_E_TOO_COMPLEX;
        r->op = p->relop;
        r->tag = p->ulPropTag1;
        r->tag2 = p->ulPropTag2;
        return S_OK;
    }
    case RES_BITMASK: {
        const SBitMaskRestriction *p = &in->res.resBitMask;
        if (p->relBMR != BMR_EQZ && p->relBMR != BMR_NEZ)
            return MAPI_E_INVALID_PARAMETER;
        if ((PROP_TYPE(p->ulPropTag) & ~TBL_MVI_BITS) != PT_LONG)
            return MAPI_E_TOO_COMPLEX;
        r->op = p->relBMR;
        r->tag = p->ulPropTag;
        r->arg = p->ulMask;
        return S_OK;
    }
    case RES_SIZE: {
        const SSizeRestriction *p = &in->res.resSize;
        if (p->relop > RELOP_RE)
            return MAPI_E_INVALID_PARAMETER;
        if (p->relop == RELOP_RE)
            return MAPI_E_TOO_COMPLEX; /* a pattern on a byte count means nothing */
        r->op = p->relop;
        r->tag = p->ulPropTag;
        r->arg = p->cb;
        return S_OK;
    }
    case RES_EXIST: {
        const SExistRestriction *p = &in->res.resExist;
        if (p->ulReserved1 || p->ulReserved2)
            return MAPI_E_INVALID_PARAMETER;
        if (PROP_TYPE(p->ulPropTag) == PT_OBJECT)
            return MAPI_E_TOO_COMPLEX; /* SExistRestriction excludes sub-object properties */
        r->tag = p->ulPropTag;
        return S_OK;
    }
    case RES_SUBRESTRICTION:
        return MAPI_E_TOO_COMPLEX;
    default:
        return MAPI_E_INVALID_PARAMETER;
    }
}

HRESULT tbl_res_compile(const SRestriction *in, tbl_res **out)
{
    tbl_res *r;
    HRESULT hr;

    *out = NULL;
    if (!in || FBadRestriction((LPSRestriction)in))
        return MAPI_E_INVALID_PARAMETER;
    r = mapirt_calloc(1, sizeof(*r));
    if (!r)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    hr = compile(in, r, 0);
    if (FAILED(hr)) {
        tbl_res_free(r);
        return hr;
    }
    *out = r;
    return S_OK;
}

/* ---- evaluation ----------------------------------------------------------------------- */

static bool relop_holds(ULONG relop, int c)
{
    switch (relop) {
    case RELOP_LT:
        return c < 0;
    case RELOP_LE:
        return c <= 0;
    case RELOP_GT:
        return c > 0;
    case RELOP_GE:
        return c >= 0;
    case RELOP_EQ:
        return c == 0;
    case RELOP_NE:
        return c != 0;
    default:
        return false;
    }
}

/* UTF-16 to UTF-8 for regexec, into buf when it fits, else onto the heap (*heap to free). */
static const char *utf8_of(const WCHAR *w, char *buf, size_t cap, char **heap)
{
    size_t o = 0;

    *heap = NULL;
    for (size_t i = 0; w[i]; i++) {
        uint32_t cp = w[i];
        if (cp >= 0xD800 && cp < 0xDC00 && w[i + 1] >= 0xDC00 && w[i + 1] < 0xE000) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (w[i + 1] - 0xDC00);
            i++;
        } else if (cp >= 0xD800 && cp < 0xE000) {
            cp = 0xFFFD;
        }
        if (o + 5 > cap) {
            *heap = mapirt_str_w_to_a_dup(w);
            return *heap;
        }
        if (cp < 0x80) {
            buf[o++] = (char)cp;
        } else if (cp < 0x800) {
            buf[o++] = (char)(0xC0 | (cp >> 6));
            buf[o++] = (char)(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            buf[o++] = (char)(0xE0 | (cp >> 12));
            buf[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            buf[o++] = (char)(0x80 | (cp & 0x3F));
        } else {
            buf[o++] = (char)(0xF0 | (cp >> 18));
            buf[o++] = (char)(0x80 | ((cp >> 12) & 0x3F));
            buf[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            buf[o++] = (char)(0x80 | (cp & 0x3F));
        }
    }
    buf[o] = '\0';
    return buf;
}

static bool regex_matches(const regex_t *re, const SPropValue *p)
{
    char buf[512], *heap;
    const char *s;
    bool m;

    if (PROP_TYPE(p->ulPropTag) == PT_STRING8) {
        s = p->Value.lpszA;
        heap = NULL;
    } else if (PROP_TYPE(p->ulPropTag) == PT_UNICODE && p->Value.lpszW) {
        /* Out of memory for a very long value: that row does not match. */
        s = utf8_of(p->Value.lpszW, buf, sizeof(buf), &heap);
    } else {
        return false;
    }
    if (s) {
        locale_t old = enter_utf8();
        m = regexec(re, s, 0, NULL, 0) == 0;
        leave_utf8(old);
    } else {
        m = false;
    }
    mapirt_free(heap);
    return m;
}

/* One value against the constant of a property restriction. */
static bool property_holds(const tbl_res *r, const SPropValue *p)
{
    if (PROP_TYPE(p->ulPropTag) != PROP_TYPE(r->val->ulPropTag))
        return false;
    if (r->op == RELOP_RE)
        return regex_matches(r->re, p);
    return relop_holds(r->op, tbl_prop_cmp(p, r->val));
}

/* Applies test to p, or to each value of p when p is multi-valued and the constant is not. */
static bool any_value(const tbl_res *r, const SPropValue *p,
    bool (*test)(const tbl_res *, const SPropValue *))
{
    ULONG type = PROP_TYPE(p->ulPropTag);

    if ((type & MV_FLAG) && !(r->val && PROP_TYPE(r->val->ulPropTag) == type)) {
        for (ULONG k = 0, n = tbl_mv_count(p); k < n; k++) {
            SPropValue e;
            tbl_mv_elem(p, k, &e);
            if (test(r, &e))
                return true;
        }
        return false;
    }
    return test(r, p);
}

static bool content_holds(const tbl_res *r, const SPropValue *p)
{
    if (PROP_TYPE(p->ulPropTag) != PROP_TYPE(r->val->ulPropTag))
        return false;
    return FPropContainsProp((LPSPropValue)p, r->val, r->op) != 0;
}

static bool bitmask_holds(const tbl_res *r, const SPropValue *p)
{
    if (PROP_TYPE(p->ulPropTag) != PT_LONG)
        return false;
    bool zero = ((ULONG)p->Value.l & r->arg) == 0;
    return r->op == BMR_EQZ ? zero : !zero;
}

/* A usable value of tag: present and not a stored error (unless errors are asked for). */
static const SPropValue *value_of(const tbl_view *v, const tbl_vrow *vr, ULONG tag, tbl_val *s)
{
    const SPropValue *p = tbl_value(v, vr, tag, s);

    if (p && PROP_TYPE(p->ulPropTag) == PT_ERROR && PROP_TYPE(tag) != PT_ERROR)
        return NULL;
    return p;
}

bool tbl_res_eval(const tbl_view *v, const tbl_res *r, const tbl_vrow *vr)
{
    const SPropValue *p, *q;
    tbl_val s, s2;

    switch (r->rt) {
    case RES_AND:
        for (ULONG i = 0; i < r->nkids; i++)
            if (!tbl_res_eval(v, &r->kids[i], vr))
                return false;
        return true;
    case RES_OR:
        for (ULONG i = 0; i < r->nkids; i++)
            if (tbl_res_eval(v, &r->kids[i], vr))
                return true;
        return false;
    case RES_NOT:
        return !tbl_res_eval(v, &r->kids[0], vr);
    case RES_COMMENT:
        return r->nkids == 0 || tbl_res_eval(v, &r->kids[0], vr);
    case RES_CONTENT:
        p = value_of(v, vr, r->tag, &s);
        return p && any_value(r, p, content_holds);
    case RES_PROPERTY:
        p = value_of(v, vr, r->tag, &s);
        return p && any_value(r, p, property_holds);
    case RES_COMPAREPROPS:
        p = value_of(v, vr, r->tag, &s);
        q = value_of(v, vr, r->tag2, &s2);
        return p && q && PROP_TYPE(p->ulPropTag) == PROP_TYPE(q->ulPropTag) &&
               relop_holds(r->op, tbl_prop_cmp(p, q));
    case RES_BITMASK:
        p = value_of(v, vr, r->tag, &s);
        return p && any_value(r, p, bitmask_holds);
    case RES_SIZE: {
        p = value_of(v, vr, r->tag, &s);
        if (!p)
            return false;
        ULONG cb = UlPropSize((LPSPropValue)p);
        return relop_holds(r->op, (cb > r->arg) - (cb < r->arg));
    }
    case RES_EXIST:
        return value_of(v, vr, r->tag, &s) != NULL;
    default:
        return false;
    }
}
