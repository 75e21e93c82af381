/* sort.c: sort orders, the order of a view, and sorting.
 *
 * A view's order is total: its sort keys, then table position, then instance number. Missing
 * values sort after every present value in both directions (SSortOrder: "all NULL entries
 * positioned last"). Categorised sorts are refused with MAPI_E_TOO_COMPLEX, as IMAPITable
 * allows: an in-memory table has no category rows. Sorting resolves every key of every row
 * once, then merge-sorts compact entries, so a comparison never looks a property up or copies
 * a value. */
#include <stdlib.h>
#include <string.h>

#include <mapirt/strconv.h>

#include <mapirt/fold.h>

#include "table_internal.h"

#define CMP3(x, y) (((x) > (y)) - ((x) < (y)))

/* A view orders by the same single-valued, comparable types an index can key on. */
static bool sortable_type(ULONG type)
{
    return tbl_index_type_ok(type & ~TBL_MVI_BITS);
}

HRESULT tbl_sort_compile(const SSortOrderSet *s, tbl_sort *out)
{
    out->n = 0;
    out->keys = NULL;
    if (!s)
        return S_OK;
    if (FBadSortOrderSet((LPSSortOrderSet)s))
        return MAPI_E_INVALID_PARAMETER;
    /* Categories need heading rows and expand/collapse state: not an in-memory table's. */
    if (s->cCategories || s->cExpanded)
        return MAPI_E_TOO_COMPLEX;
    for (ULONG i = 0; i < s->cSorts; i++) {
        ULONG tag = s->aSort[i].ulPropTag, type = PROP_TYPE(tag);
        if (s->aSort[i].ulOrder != TABLE_SORT_ASCEND && s->aSort[i].ulOrder != TABLE_SORT_DESCEND)
            return MAPI_E_TOO_COMPLEX; /* TABLE_SORT_COMBINE / CATEG_MAX / CATEG_MIN: categories */
        if ((type & MV_INSTANCE) && !(type & MV_FLAG))
            return MAPI_E_INVALID_PARAMETER;
        if (!sortable_type(type))
            return MAPI_E_TOO_COMPLEX;
    }
    if (s->cSorts == 0)
        return S_OK;
    out->keys = mapirt_malloc(s->cSorts * sizeof(SSortOrder));
    if (!out->keys)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    memcpy(out->keys, s->aSort, s->cSorts * sizeof(SSortOrder));
    out->n = s->cSorts;
    return S_OK;
}

void tbl_sort_clear(tbl_sort *s)
{
    mapirt_free(s->keys);
    s->keys = NULL;
    s->n = 0;
}

static void add_mvi(ULONG *set, ULONG *n, ULONG tag)
{
    if (!TBL_IS_MVI(tag))
        return;
    for (ULONG i = 0; i < *n; i++)
        if (set[i] == TBL_MV_TAG(tag))
            return;
    set[(*n)++] = TBL_MV_TAG(tag);
}

HRESULT tbl_mvi_compute(const SPropTagArray *cols, const tbl_sort *s, ULONG **out, ULONG *n)
{
    ULONG total = (cols ? cols->cValues : 0) + s->n, cnt = 0;
    ULONG *set;

    *out = NULL;
    *n = 0;
    for (ULONG i = 0; cols && i < cols->cValues; i++)
        if (TBL_IS_MVI(cols->aulPropTag[i]))
            cnt++;
    for (ULONG i = 0; i < s->n; i++)
        if (TBL_IS_MVI(s->keys[i].ulPropTag))
            cnt++;
    if (cnt == 0)
        return S_OK;
    set = mapirt_malloc(total * sizeof(ULONG));
    if (!set)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    cnt = 0;
    for (ULONG i = 0; cols && i < cols->cValues; i++)
        add_mvi(set, &cnt, cols->aulPropTag[i]);
    for (ULONG i = 0; i < s->n; i++)
        add_mvi(set, &cnt, s->keys[i].ulPropTag);
    *out = set;
    *n = cnt;
    return S_OK;
}

/* A sort key of vr, or NULL when missing (absent, an error value, or of another type). */
static const SPropValue *sort_value(const tbl_view *v, const tbl_vrow *vr, ULONG tag, tbl_val *s,
    ULONG *hint)
{
    const SPropValue *p;

    if (tag == PR_INSTANCE_KEY) {
        /* The instance number is the last tie-break anyway; the base key is enough and its
         * bytes live as long as the row. */
        const BYTE *pb;
        ULONG cb;
        tbl_base_key(vr, &pb, &cb);
        memset(&s->v, 0, sizeof(s->v));
        s->v.ulPropTag = PR_INSTANCE_KEY;
        s->v.Value.bin.cb = cb;
        s->v.Value.bin.lpb = (LPBYTE)pb;
        return &s->v;
    }
    p = tbl_value(v, vr, tag, s, hint);
    if (!p || PROP_TYPE(p->ulPropTag) != PROP_TYPE(TBL_IS_MVI(tag) ? TBL_SV_TAG(tag) : tag))
        return NULL;
    return p;
}

static int tie_break(const tbl_vrow *a, const tbl_vrow *b)
{
    if (a->row->pos != b->row->pos)
        return a->row->pos < b->row->pos ? -1 : 1;
    return (a->ord > b->ord) - (a->ord < b->ord);
}

static int key_cmp(const SSortOrder *key, const SPropValue *pa, const SPropValue *pb)
{
    int c;

    if (!pa || !pb)
        return pa == pb ? 0 : (pa ? -1 : 1);
    c = PROP_TYPE(pa->ulPropTag) == PT_LONG ? CMP3(pa->Value.l, pb->Value.l) : tbl_prop_cmp(pa, pb);
    return key->ulOrder == TABLE_SORT_DESCEND ? -c : c;
}

int tbl_vrow_cmp(const tbl_view *v, const tbl_vrow *a, const tbl_vrow *b)
{
    for (ULONG k = 0; k < v->sort.n; k++) {
        tbl_val sa, sb;
        ULONG tag = v->sort.keys[k].ulPropTag;
        int c = key_cmp(&v->sort.keys[k], sort_value(v, a, tag, &sa, NULL),
            sort_value(v, b, tag, &sb, NULL));
        if (c)
            return c;
    }
    return tie_break(a, b);
}

ULONG tbl_lower_bound(const tbl_view *v, const tbl_vrow *x)
{
    ULONG lo = 0, hi = v->n;

    while (lo < hi) {
        ULONG mid = lo + (hi - lo) / 2;
        if (tbl_vrow_cmp(v, &v->rows[mid], x) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* ---- sorting many rows ---------------------------------------------------------------- */

/* Sorting resolves every key of every row once and packs what it can of the leading keys into
 * a 64-bit prefix that orders like the full comparison: integer keys take just the bits their
 * range of values needs (value minus the minimum, or maximum minus value when descending, all
 * ones for a missing value), strings then take their first ASCII characters case-folded. Rows
 * with different prefixes are ordered by one integer comparison; only equal prefixes fall back
 * to comparing the resolved values. */
struct sort_ent {
    uint64_t prefix;
    uint32_t idx;
};

struct sort_ctx {
    const tbl_view *v;
    const tbl_vrow *rows;
    const SPropValue *keys; /* n * K resolved keys; tag PR_NULL marks a missing one */
    ULONG k;
};

static int resolved_cmp(const struct sort_ctx *c, uint32_t ia, uint32_t ib)
{
    const SPropValue *ka = c->keys + (size_t)ia * c->k, *kb = c->keys + (size_t)ib * c->k;

    for (ULONG i = 0; i < c->k; i++) {
        const SPropValue *pa = ka[i].ulPropTag == PR_NULL ? NULL : &ka[i];
        const SPropValue *pb = kb[i].ulPropTag == PR_NULL ? NULL : &kb[i];
        int r = key_cmp(&c->v->sort.keys[i], pa, pb);
        if (r)
            return r;
    }
    return tie_break(&c->rows[ia], &c->rows[ib]);
}

static inline bool ent_less(const struct sort_ctx *c, const struct sort_ent *a,
    const struct sort_ent *b)
{
    if (a->prefix != b->prefix)
        return a->prefix < b->prefix;
    return resolved_cmp(c, a->idx, b->idx) < 0;
}

/* Bottom-up merge sort of e[0..n) (tmp is scratch of the same size). */
static void merge_sort(const struct sort_ctx *c, struct sort_ent *e, struct sort_ent *tmp, ULONG n)
{
    struct sort_ent *src = e, *dst = tmp;

    for (ULONG w = 1; w < n; w *= 2) {
        for (ULONG lo = 0; lo < n; lo += 2 * w) {
            ULONG mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            ULONG i = lo, j = mid, o = lo;
            while (i < mid && j < hi)
                dst[o++] = ent_less(c, &src[j], &src[i]) ? src[j++] : src[i++];
            while (i < mid)
                dst[o++] = src[i++];
            while (j < hi)
                dst[o++] = src[j++];
        }
        struct sort_ent *t = src;
        src = dst;
        dst = t;
    }
    if (src != e)
        memcpy(e, src, n * sizeof(*e));
}

/* The type of the values a sort key yields: single for an instance column, multi-valued
 * (and so never part of a prefix) for a whole multi-valued column. */
static ULONG value_type(ULONG tag)
{
    return TBL_IS_MVI(tag) ? PROP_TYPE(TBL_SV_TAG(tag)) : PROP_TYPE(tag);
}

/* Integer-like values as unsigned numbers in the same order. */
static bool as_ordered_u64(const SPropValue *p, uint64_t *u)
{
    switch (PROP_TYPE(p->ulPropTag)) {
    case PT_I2:
        *u = (uint64_t)(int64_t)p->Value.i ^ 0x8000000000000000ull;
        return true;
    case PT_LONG:
        *u = (uint64_t)(int64_t)p->Value.l ^ 0x8000000000000000ull;
        return true;
    case PT_BOOLEAN:
        *u = p->Value.b != 0;
        return true;
    case PT_I8:
        *u = (uint64_t)p->Value.li.QuadPart ^ 0x8000000000000000ull;
        return true;
    case PT_CURRENCY:
        *u = (uint64_t)p->Value.cur.int64 ^ 0x8000000000000000ull;
        return true;
    case PT_SYSTIME:
        *u = ((uint64_t)p->Value.ft.dwHighDateTime << 32) | p->Value.ft.dwLowDateTime;
        return true;
    default:
        return false;
    }
}

struct key_range {
    bool ints, any;
    uint64_t lo, hi;
    unsigned width; /* bits of an encoded value, 1..64 */
};

static unsigned bit_length(uint64_t x)
{
    return x ? 64 - (unsigned)__builtin_clzll(x) : 0;
}

/* The next code point of an 8-bit (UTF-8) or UTF-16 string, as mapirt_str_compare reads it;
 * a malformed sequence yields some value >= 0x80 (strconv.c makes it U+DCxx). */
static uint32_t next_cp(const SPropValue *p, size_t *i)
{
    if (PROP_TYPE(p->ulPropTag) == PT_UNICODE) {
        const WCHAR *w = p->Value.lpszW;
        uint32_t c = w[(*i)++];
        if (c >= 0xD800 && c <= 0xDBFF && w[*i] >= 0xDC00 && w[*i] <= 0xDFFF)
            c = 0x10000 + ((c - 0xD800) << 10) + (w[(*i)++] - 0xDC00);
        return c;
    }
    const unsigned char *a = (const unsigned char *)p->Value.lpszA + *i;
    uint32_t c = a[0], min;
    int n;
    if (c < 0x80) {
        (*i)++;
        return c;
    }
    if (c >= 0xC2 && c <= 0xDF)
        n = 1, min = 0x80, c &= 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 2, min = 0x800, c &= 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 3, min = 0x10000, c &= 0x07;
    else
        return 0xFFFD;
    for (int k = 1; k <= n; k++) {
        if ((a[k] & 0xC0) != 0x80)
            return 0xFFFD;
        c = (c << 6) | (a[k] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0xFFFD;
    *i += (size_t)n + 1;
    return c;
}

/* Up to `chars` leading characters of a string case-folded (mapirt_fold), 0 after its
 * end, and 0xFF from the first character that does not fold to ASCII on: it orders above
 * every ASCII one, and what follows it is left to the full comparison. */
static uint64_t string_field(const SPropValue *p, unsigned chars)
{
    bool end = p->Value.lpszA == NULL, high = false;
    uint64_t f = 0;
    size_t i = 0;

    for (unsigned k = 0; k < chars; k++) {
        uint32_t ch = 0;
        if (high) {
            ch = 0xFF;
        } else if (!end) {
            ch = next_cp(p, &i);
            if (ch == 0)
                end = true;
            else if (ch - 'A' < 26u)
                ch += 32; /* mapirt_fold's ASCII part, without the call */
            else if (ch >= 0x80 && (ch = mapirt_fold(ch)) >= 0x80)
                ch = 0xFF, high = true;
        }
        f = (f << 8) | ch;
    }
    return f;
}

static uint64_t make_prefix(const struct sort_ctx *c, const struct key_range *kr,
    const SPropValue *keys)
{
    uint64_t prefix = 0;
    unsigned left = 64;

    for (ULONG k = 0; k < c->k && k < 8 && left; k++) {
        const SPropValue *p = keys[k].ulPropTag == PR_NULL ? NULL : &keys[k];
        bool desc = c->v->sort.keys[k].ulOrder == TABLE_SORT_DESCEND;
        uint64_t f, ones;
        unsigned w;

        if (kr[k].ints) {
            if (!kr[k].any)
                continue; /* missing everywhere: decides nothing */
            uint64_t u = 0;
            w = kr[k].width;
            ones = w == 64 ? UINT64_MAX : ((uint64_t)1 << w) - 1;
            if (p && as_ordered_u64(p, &u))
                f = desc ? kr[k].hi - u : u - kr[k].lo;
            else
                f = ones; /* above every encoded value: the range leaves it free */
            if (w > left) {
                /* Only the top bits fit: they still order, but ties must go to the full
                 * comparison, so nothing may follow. */
                f >>= w - left;
                w = left;
                left = 0;
            } else {
                left -= w;
            }
            prefix = w == 64 ? f : (prefix << w) | f;
            continue;
        }
        ULONG type = value_type(c->v->sort.keys[k].ulPropTag);
        if ((type != PT_STRING8 && type != PT_UNICODE) || left < 8)
            break;
        w = left - left % 8;
        ones = w == 64 ? UINT64_MAX : ((uint64_t)1 << w) - 1;
        f = p ? string_field(p, w / 8) : ones;
        if (p && desc)
            f = ~f & ones;
        prefix = w == 64 ? f : (prefix << w) | f;
        left -= w;
        break; /* a string prefix is partial: nothing may follow */
    }
    return left == 64 ? 0 : (left ? prefix << left : prefix);
}

size_t tbl_sort_ws_size(const tbl_view *v, ULONG n)
{
    return (size_t)n * (v->sort.n * sizeof(SPropValue) + sizeof(tbl_vrow) +
                           2 * sizeof(struct sort_ent));
}

void tbl_sort_rows_ws(const tbl_view *v, tbl_vrow *rows, ULONG n, void *ws)
{
    struct sort_ctx c = {v, rows, NULL, v->sort.n};
    /* the 8-byte aligned parts first */
    SPropValue *keys = ws;
    struct sort_ent *ent = (struct sort_ent *)(keys + (size_t)n * c.k);
    tbl_vrow *out = (tbl_vrow *)(ent + 2 * (size_t)n);
    struct key_range kr[8];
    ULONG hints[16] = {0}, nkr = c.k < 8 ? c.k : 8;

    if (n < 2)
        return;
    c.keys = keys;
    memset(kr, 0, sizeof(kr));
    for (ULONG k = 0; k < nkr; k++) {
        switch (value_type(v->sort.keys[k].ulPropTag)) {
        case PT_I2:
        case PT_LONG:
        case PT_BOOLEAN:
        case PT_I8:
        case PT_CURRENCY:
        case PT_SYSTIME:
            kr[k].ints = true;
            break;
        default:
            break;
        }
    }
    for (ULONG i = 0; i < n; i++) {
        SPropValue *rk = &keys[(size_t)i * c.k];
        for (ULONG k = 0; k < c.k; k++) {
            tbl_val s;
            uint64_t u;
            const SPropValue *p = sort_value(v, &rows[i], v->sort.keys[k].ulPropTag, &s,
                k < 16 ? &hints[k] : NULL);
            if (p)
                rk[k] = *p; /* whatever p points to lives in the row, not in s */
            else
                rk[k].ulPropTag = PR_NULL;
            if (k < nkr && kr[k].ints && p && as_ordered_u64(p, &u)) {
                if (!kr[k].any || u < kr[k].lo)
                    kr[k].lo = u;
                if (!kr[k].any || u > kr[k].hi)
                    kr[k].hi = u;
                kr[k].any = true;
            }
        }
    }
    for (ULONG k = 0; k < nkr; k++) {
        /* values 0 .. hi - lo, and all ones above them for a missing value */
        uint64_t span = kr[k].hi - kr[k].lo;
        kr[k].width = span == UINT64_MAX ? 64 : bit_length(span + 1);
        if (kr[k].width == 64 && span >= UINT64_MAX - 1)
            kr[k].ints = false; /* no value left for "missing": this key ends the prefix */
    }
    /* keys beyond the eighth never reach the prefix */
    for (ULONG i = 0; i < n; i++) {
        ent[i].prefix = c.k ? make_prefix(&c, kr, &keys[(size_t)i * c.k]) : 0;
        ent[i].idx = i;
    }
    merge_sort(&c, ent, ent + n, n);
    for (ULONG i = 0; i < n; i++)
        out[i] = rows[ent[i].idx];
    memcpy(rows, out, n * sizeof(tbl_vrow));
}

HRESULT tbl_sort_rows(const tbl_view *v, tbl_vrow *rows, ULONG n)
{
    void *ws;

    if (n < 2)
        return S_OK;
    ws = mapirt_malloc(tbl_sort_ws_size(v, n));
    if (!ws)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    tbl_sort_rows_ws(v, rows, n, ws);
    mapirt_free(ws);
    return S_OK;
}

HRESULT tbl_build_rows(const tbl_view *v, tbl_vrow **out, ULONG *nout, ULONG *cap)
{
    const tbl_data *t = v->t;
    uint64_t total = 0;
    tbl_vrow *rows;
    ULONG n = 0;
    HRESULT hr;

    *out = NULL;
    *nout = 0;
    *cap = 0;
    for (ULONG i = 0; i < t->nrows; i++) {
        ULONG c = v->nmvi ? tbl_instances(v, t->rows[i]->lpProps, t->rows[i]->cValues) : 1;
        if (c == 0)
            return MAPI_E_TABLE_TOO_BIG;
        total += c;
    }
    if (total > 0xFFFFFFF0u / sizeof(tbl_vrow))
        return MAPI_E_TABLE_TOO_BIG;
    rows = mapirt_malloc(total ? (size_t)total * sizeof(tbl_vrow) : sizeof(tbl_vrow));
    if (!rows)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    for (ULONG i = 0; i < t->nrows; i++) {
        tbl_row *r = t->rows[i];
        ULONG c = v->nmvi ? tbl_instances(v, r->lpProps, r->cValues) : 1;
        for (ULONG ord = 0; ord < c; ord++) {
            tbl_vrow vr = tbl_mkvrow(r, ord);
            if (!v->res || tbl_res_eval(v, v->res, &vr))
                rows[n++] = vr;
        }
    }
    /* Table order is already the order of an unsorted view. */
    if (v->sort.n) {
        hr = tbl_sort_rows(v, rows, n);
        if (FAILED(hr)) {
            mapirt_free(rows);
            return hr;
        }
    }
    *out = rows;
    *nout = n;
    *cap = total ? (ULONG)total : 1;
    return S_OK;
}
