/* tests/fuzz/fuzz_restrict.c: restrictions, checked against an evaluator written here.
 *
 * The input builds a few rows (an ID, two numbers A and B and a string S, each possibly
 * missing) and a restriction tree of every kind the in-memory table evaluates, with now and then
 * a malformed node (unknown type, bad operator, a tag with ID 0 or 0xFFFF, a missing pointer).
 * Checked: FBadRestriction and Restrict agree on what is malformed; a well-formed restriction
 * selects exactly the rows this file's evaluator selects, in table order; FindRow finds the
 * first of them.
 *
 * The evaluator follows the documented semantics (runtime/table/restrict.c, docs/decisions.md):
 * a test on a missing property is false; strings compare ignoring case first, then exactly;
 * content restrictions match the whole string, a prefix or a substring. */
#include <mapicode.h>
#include <mapidefs.h>
#include <mapiguid.h>
#include <mapiutil.h>
#include <mapix.h>

#include "fuzz.h"

#define T_ID PROP_TAG(PT_LONG, 0x6700)
#define T_A PROP_TAG(PT_LONG, 0x6701)
#define T_B PROP_TAG(PT_LONG, 0x6702)
#define T_S PROP_TAG(PT_STRING8, 0x6703)
#define MAXROWS 8
#define MAXDEPTH 4

struct row {
    bool has_a, has_b, has_s;
    LONG a, b;
    const char *s;
};

/* ---- the model ------------------------------------------------------------------------- */

static int fold(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int cmp_nocase(const char *a, const char *b)
{
    for (;; a++, b++) {
        int x = fold((unsigned char)*a), y = fold((unsigned char)*b);
        if (x != y || x == 0)
            return (x > y) - (x < y);
    }
}

static int cmp_str(const char *a, const char *b)
{
    int c = cmp_nocase(a, b);
    if (c != 0)
        return c;
    c = strcmp(a, b);
    return (c > 0) - (c < 0);
}

static bool relop(int c, ULONG op)
{
    switch (op) {
    case RELOP_LT: return c < 0;
    case RELOP_LE: return c <= 0;
    case RELOP_GT: return c > 0;
    case RELOP_GE: return c >= 0;
    case RELOP_EQ: return c == 0;
    case RELOP_NE: return c != 0;
    default: abort();
    }
}

static bool starts(const char *h, const char *n, bool nocase)
{
    for (; *n; h++, n++)
        if (!*h || (nocase ? fold((unsigned char)*h) != fold((unsigned char)*n) : *h != *n))
            return false;
    return true;
}

static bool contains(const char *h, const char *n, ULONG fuzzy)
{
    bool nocase = (fuzzy & FL_IGNORECASE) != 0;
    switch (fuzzy & 0xFFFF) {
    case FL_PREFIX:
        return starts(h, n, nocase);
    case FL_SUBSTRING:
        for (;; h++) {
            if (starts(h, n, nocase))
                return true;
            if (!*h)
                return false;
        }
    default:
        return strlen(h) == strlen(n) && starts(h, n, nocase);
    }
}

static bool get_long(const struct row *r, ULONG tag, LONG *v, LONG id)
{
    if (tag == T_ID)
        return *v = id, true;
    if (tag == T_A)
        return *v = r->a, r->has_a;
    if (tag == T_B)
        return *v = r->b, r->has_b;
    return false;
}

static bool eval(const SRestriction *x, const struct row *r, LONG id)
{
    LONG a, b;
    switch (x->rt) {
    case RES_AND:
        for (ULONG i = 0; i < x->res.resAnd.cRes; i++)
            if (!eval(&x->res.resAnd.lpRes[i], r, id))
                return false;
        return true;
    case RES_OR:
        for (ULONG i = 0; i < x->res.resOr.cRes; i++)
            if (eval(&x->res.resOr.lpRes[i], r, id))
                return true;
        return false;
    case RES_NOT:
        return !eval(x->res.resNot.lpRes, r, id);
    case RES_EXIST: {
        ULONG t = x->res.resExist.ulPropTag;
        return t == T_ID || (t == T_A && r->has_a) || (t == T_B && r->has_b) ||
               (t == T_S && r->has_s);
    }
    case RES_PROPERTY: {
        const SPropertyRestriction *p = &x->res.resProperty;
        if (p->ulPropTag == T_S)
            return r->has_s && relop(cmp_str(r->s, p->lpProp->Value.lpszA), p->relop);
        if (!get_long(r, p->ulPropTag, &a, id))
            return false;
        b = p->lpProp->Value.l;
        return relop((a > b) - (a < b), p->relop);
    }
    case RES_CONTENT: {
        const SContentRestriction *c = &x->res.resContent;
        return r->has_s && contains(r->s, c->lpProp->Value.lpszA, c->ulFuzzyLevel);
    }
    case RES_BITMASK: {
        const SBitMaskRestriction *m = &x->res.resBitMask;
        if (!get_long(r, m->ulPropTag, &a, id))
            return false;
        return (m->relBMR == BMR_EQZ) == (((ULONG)a & m->ulMask) == 0);
    }
    case RES_COMPAREPROPS: {
        const SComparePropsRestriction *c = &x->res.resCompareProps;
        if (!get_long(r, c->ulPropTag1, &a, id) || !get_long(r, c->ulPropTag2, &b, id))
            return false;
        return relop((a > b) - (a < b), c->relop);
    }
    default:
        abort();
    }
}

/* ---- building restrictions from the input ---------------------------------------------- */

static const char alphabet[] = "aAbB";
static const ULONG long_tags[] = {T_ID, T_A, T_B};

/* Fills x; *bad is set when a malformed node was built on purpose. */
static void build(fz *f, SRestriction *x, int depth, bool *bad)
{
    uint8_t k = fz_u8(f);
    memset(x, 0, sizeof(*x));
    if (k >= 250) { /* malformed on purpose */
        *bad = true;
        switch (k) {
        case 250: x->rt = 0x77; return;
        case 251:
            x->rt = RES_PROPERTY;
            x->res.resProperty.relop = 7;
            x->res.resProperty.ulPropTag = T_A;
            x->res.resProperty.lpProp = fz_alloc(f, sizeof(SPropValue));
            x->res.resProperty.lpProp->ulPropTag = T_A;
            return;
        case 252: case 253: {
            x->rt = RES_PROPERTY;
            x->res.resProperty.relop = RELOP_EQ;
            x->res.resProperty.ulPropTag = T_A;
            SPropValue *v = fz_alloc(f, sizeof(SPropValue));
            v->ulPropTag = PROP_TAG(PT_LONG, k == 252 ? 0 : 0xFFFF);
            x->res.resProperty.lpProp = v;
            return;
        }
        case 254: x->rt = RES_NOT; return; /* lpRes NULL */
        default:
            x->rt = RES_EXIST;
            x->res.resExist.ulPropTag = PROP_TAG(PT_LONG, 0);
            return;
        }
    }
    switch (depth >= MAXDEPTH ? 3 + k % 5 : k % 8) {
    case 0: case 1: {
        ULONG n = fz_below(f, 4);
        x->rt = k % 8 == 0 ? RES_AND : RES_OR;
        SRestriction *kids = n ? fz_alloc(f, n * sizeof(SRestriction)) : NULL;
        for (ULONG i = 0; i < n; i++)
            build(f, &kids[i], depth + 1, bad);
        x->res.resAnd.cRes = n;
        x->res.resAnd.lpRes = kids;
        return;
    }
    case 2:
        x->rt = RES_NOT;
        x->res.resNot.lpRes = fz_alloc(f, sizeof(SRestriction));
        build(f, x->res.resNot.lpRes, depth + 1, bad);
        return;
    case 3:
        x->rt = RES_EXIST;
        x->res.resExist.ulPropTag = fz_bool(f) ? T_S : long_tags[fz_below(f, 3)];
        return;
    case 4: {
        x->rt = RES_PROPERTY;
        SPropValue *v = fz_alloc(f, sizeof(SPropValue));
        x->res.resProperty.relop = fz_below(f, 6);
        if (fz_bool(f)) {
            x->res.resProperty.ulPropTag = v->ulPropTag = T_S;
            v->Value.lpszA = fz_str(f, 3, alphabet);
        } else {
            x->res.resProperty.ulPropTag = long_tags[fz_below(f, 3)];
            v->ulPropTag = T_A;
            v->Value.l = (LONG)fz_below(f, 9) - 4;
        }
        x->res.resProperty.lpProp = v;
        return;
    }
    case 5: {
        x->rt = RES_CONTENT;
        static const ULONG levels[] = {FL_FULLSTRING, FL_SUBSTRING, FL_PREFIX};
        x->res.resContent.ulFuzzyLevel = levels[fz_below(f, 3)] | (fz_bool(f) ? FL_IGNORECASE : 0);
        x->res.resContent.ulPropTag = T_S;
        SPropValue *v = fz_alloc(f, sizeof(SPropValue));
        v->ulPropTag = T_S;
        v->Value.lpszA = fz_str(f, 3, alphabet);
        x->res.resContent.lpProp = v;
        return;
    }
    case 6:
        x->rt = RES_BITMASK;
        x->res.resBitMask.relBMR = fz_bool(f) ? BMR_EQZ : BMR_NEZ;
        x->res.resBitMask.ulPropTag = long_tags[fz_below(f, 3)];
        x->res.resBitMask.ulMask = fz_u8(f);
        return;
    default:
        x->rt = RES_COMPAREPROPS;
        x->res.resCompareProps.relop = fz_below(f, 6);
        x->res.resCompareProps.ulPropTag1 = long_tags[fz_below(f, 3)];
        x->res.resCompareProps.ulPropTag2 = long_tags[fz_below(f, 3)];
        return;
    }
}

/* ---- the target ------------------------------------------------------------------------ */


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz f;
    fz_init(&f, data, size);
    struct row rows[MAXROWS];
    ULONG nrows = fz_below(&f, MAXROWS + 1);
    SizedSPropTagArray(4, cols) = {4, {T_ID, T_A, T_B, T_S}};
    LPTABLEDATA td = NULL;
    FZ_CHECK(CreateTable(&IID_IMAPITableData, MAPIAllocateBuffer, MAPIAllocateMore,
                         MAPIFreeBuffer, NULL, TBLTYPE_DYNAMIC, T_ID, (LPSPropTagArray)&cols,
                         &td) == S_OK, "CreateTable");
    for (ULONG i = 0; i < nrows; i++) {
        struct row *r = &rows[i];
        uint8_t m = fz_u8(&f);
        r->has_a = m & 1;
        r->has_b = m & 2;
        r->has_s = m & 4;
        r->a = (LONG)fz_below(&f, 9) - 4;
        r->b = (LONG)fz_below(&f, 9) - 4;
        r->s = fz_str(&f, 3, alphabet);
        SPropValue p[4];
        ULONG n = 0;
        p[n].ulPropTag = T_ID;
        p[n++].Value.l = (LONG)i;
        if (r->has_a)
            p[n].ulPropTag = T_A, p[n++].Value.l = r->a;
        if (r->has_b)
            p[n].ulPropTag = T_B, p[n++].Value.l = r->b;
        if (r->has_s)
            p[n].ulPropTag = T_S, p[n++].Value.lpszA = (LPSTR)r->s;
        SRow row = {0, n, p};
        FZ_CHECK(td->lpVtbl->HrModifyRow(td, &row) == S_OK, "HrModifyRow");
    }
    bool bad = false;
    SRestriction res;
    build(&f, &res, 0, &bad);

    LPMAPITABLE v = NULL;
    FZ_CHECK(td->lpVtbl->HrGetView(td, NULL, NULL, 0, &v) == S_OK, "HrGetView");
    bool fbad = FBadRestriction(&res) != 0;
    HRESULT hr = v->lpVtbl->Restrict(v, &res, 0);
    FZ_CHECK(!bad || fbad, "FBadRestriction accepts a malformed restriction");
    FZ_CHECK(!fbad || hr == MAPI_E_INVALID_PARAMETER,
             "FBadRestriction refuses what Restrict takes (0x%08lx)", (unsigned long)(ULONG)hr);
    FZ_CHECK(fbad || hr != MAPI_E_INVALID_PARAMETER,
             "Restrict refuses what FBadRestriction accepts");
    if (!bad) {
        FZ_CHECK(hr == S_OK, "Restrict refused a well-formed restriction: 0x%08lx",
                 (unsigned long)(ULONG)hr);
        LPSRowSet got = NULL;
        FZ_CHECK(v->lpVtbl->QueryRows(v, MAXROWS + 1, 0, &got) == S_OK, "QueryRows");
        ULONG k = 0;
        LONG first = -1;
        for (ULONG i = 0; i < nrows; i++) {
            if (!eval(&res, &rows[i], (LONG)i))
                continue;
            if (first < 0)
                first = (LONG)i;
            FZ_CHECK(k < got->cRows, "row %lu matches but the view ends", (unsigned long)i);
            FZ_CHECK(got->aRow[k].lpProps[0].Value.l == (LONG)i,
                     "view row %lu is id %ld, the model says %lu", (unsigned long)k,
                     (long)got->aRow[k].lpProps[0].Value.l, (unsigned long)i);
            k++;
        }
        FZ_CHECK(k == got->cRows, "the view has %lu rows, the model %lu",
                 (unsigned long)got->cRows, (unsigned long)k);
        FreeProws(got);

        /* FindRow over the unrestricted view finds the first match. */
        LPMAPITABLE all = NULL;
        FZ_CHECK(td->lpVtbl->HrGetView(td, NULL, NULL, 0, &all) == S_OK, "HrGetView");
        hr = all->lpVtbl->FindRow(all, &res, BOOKMARK_BEGINNING, 0);
        FZ_CHECK((hr == S_OK) == (first >= 0), "FindRow: 0x%08lx", (unsigned long)(ULONG)hr);
        if (first >= 0) {
            ULONG pos = 0, num, den;
            all->lpVtbl->QueryPosition(all, &pos, &num, &den);
            FZ_CHECK(pos == (ULONG)first, "FindRow at %lu, the model %ld", (unsigned long)pos,
                     (long)first);
        }
        all->lpVtbl->Release(all);
    }
    v->lpVtbl->Release(v);
    td->lpVtbl->Release(td);
    fz_free_all(&f);
    return 0;
}
