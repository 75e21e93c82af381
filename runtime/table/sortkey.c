/* sortkey.c: sorting a view's rows through sort keys.
 *
 * Every row gets one byte string, its sort key, built once per sort from all of the view's sort
 * columns, such that comparing two keys byte by byte (memcmp) orders the rows exactly as
 * tbl_vrow_cmp does. A string column contributes its code points case-folded (mapirt_fold, the
 * Unicode simple folding FL_IGNORECASE uses) as UTF-8, which orders bytewise as the code points
 * do, then a 0 byte, then the code points as they are, then a 0 byte: "ignoring case first, then
 * exactly". Case is folded and characters decoded once per row instead of once per comparison
 * and per character. The other columns: integers as big-endian numbers in as few bytes as the
 * range of the sorted values needs, floating point as ordered 64-bit patterns, binaries with
 * their 0 bytes escaped and a terminator, multi-valued values element by element. A descending
 * column has its bytes inverted. Every column's encoding is prefix-free, so that keys compare as
 * the columns do one after the other; a column some row lacks gets a leading presence byte (0
 * present, 1 missing: missing values last in both directions).
 *
 * Sorting: each entry holds the next 8 bytes of its key as a number; entries are sorted on that
 * number (radix sort), then every run of equal numbers loads the following 8 bytes and is sorted
 * again, until keys differ or end. So strings that share a long start ("re: status of project")
 * cost a few cheap passes, not a byte-by-byte comparison each time two of them meet, and the
 * key bytes are read once per 8 instead of once per comparison. Rows whose keys are equal are
 * ordered by the last string column compared exactly (the key of the last column stops at the
 * folded part, as nothing follows it), then by table position and instance number. */
#include <stdlib.h>
#include <string.h>

#include <mapirt/fold.h>
#include <mapirt/strconv.h>

#include "table_internal.h"

/* ---- the plan: how each sort column is encoded ----------------------------------------- */

struct kcol {
    ULONG tag, type; /* type: of the values (single for an instance column) */
    bool desc, slow; /* slow: read through tbl_sort_value (instance keys, instance columns) */
    bool ints; /* range-coded integer */
    bool presence; /* some row lacks it: a presence byte leads */
    bool exact; /* strings: the exact part follows the folded one */
    bool any; /* ints: some row has it */
    uint64_t lo, hi; /* ints: range of the values present */
    unsigned width; /* ints: bytes of a code; code hi - lo + 1 means missing */
};

struct kctx {
    const tbl_view *v;
    const tbl_data *t;
    ULONG k;
    struct kcol *col;
    const tbl_shape *sh; /* the shape at[] was computed for */
    int32_t *at; /* where each column is in sh, -1 missing */
    bool fallback; /* the last column is a string whose key holds the folded part only */
};

static bool int_type(ULONG type)
{
    switch (type) {
    case PT_I2:
    case PT_LONG:
    case PT_BOOLEAN:
    case PT_I8:
    case PT_CURRENCY:
    case PT_SYSTIME:
    case PT_ERROR:
        return true;
    default:
        return false;
    }
}

/* Integer-like values as unsigned numbers in the same order. */
static uint64_t ordered_u64(const SPropValue *p)
{
    switch (PROP_TYPE(p->ulPropTag)) {
    case PT_I2:
        return (uint64_t)(int64_t)p->Value.i ^ 0x8000000000000000ull;
    case PT_LONG:
        return (uint64_t)(int64_t)p->Value.l ^ 0x8000000000000000ull;
    case PT_BOOLEAN:
        return p->Value.b != 0;
    case PT_I8:
        return (uint64_t)p->Value.li.QuadPart ^ 0x8000000000000000ull;
    case PT_CURRENCY:
        return (uint64_t)p->Value.cur.int64 ^ 0x8000000000000000ull;
    case PT_SYSTIME:
        return ((uint64_t)p->Value.ft.dwHighDateTime << 32) | p->Value.ft.dwLowDateTime;
    default: /* PT_ERROR */
        return (ULONG)p->Value.err;
    }
}

/* Floating point as unsigned numbers in cmp_double's order: NaN (all equal) below everything,
 * -0 equal to +0. */
static uint64_t ordered_dbl(double d)
{
    uint64_t u;

    if (d != d)
        return 0;
    if (d == 0)
        d = 0;
    memcpy(&u, &d, sizeof(u));
    return (u & 0x8000000000000000ull) ? ~u : u | 0x8000000000000000ull;
}

/* The value of column k of vr, or NULL when missing. */
static const SPropValue *col_value(struct kctx *c, const tbl_vrow *vr, ULONG k, tbl_val *s)
{
    const struct kcol *col = &c->col[k];

    if (col->slow)
        return tbl_sort_value(c->v, vr, k, s);
    tbl_rec rec = tbl_rec_of(c->t, tbl_row_at(c->t, vr->id));
    if (rec.sh != c->sh) {
        c->sh = rec.sh;
        for (ULONG i = 0; i < c->k; i++)
            c->at[i] = c->col[i].slow ? -1 : tbl_shape_find(rec.sh, c->col[i].tag);
    }
    if (c->at[k] < 0)
        return NULL;
    tbl_rec_get(rec, (ULONG)c->at[k], &s->v);
    return &s->v;
}

/* ---- encoding ------------------------------------------------------------------------- */

static BYTE *put_cp(BYTE *o, uint32_t c)
{
    /* UTF-8, also for surrogate code points (malformed input reads as U+DC80..U+DCFF), so the
     * bytes order as the code points do. */
    if (c < 0x80) {
        *o++ = (BYTE)c;
    } else if (c < 0x800) {
        *o++ = (BYTE)(0xC0 | (c >> 6));
        *o++ = (BYTE)(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        *o++ = (BYTE)(0xE0 | (c >> 12));
        *o++ = (BYTE)(0x80 | ((c >> 6) & 0x3F));
        *o++ = (BYTE)(0x80 | (c & 0x3F));
    } else {
        *o++ = (BYTE)(0xF0 | (c >> 18));
        *o++ = (BYTE)(0x80 | ((c >> 12) & 0x3F));
        *o++ = (BYTE)(0x80 | ((c >> 6) & 0x3F));
        *o++ = (BYTE)(0x80 | (c & 0x3F));
    }
    return o;
}

/* The next code point of UTF-8 text exactly as mapirt_str_compare reads it (a malformed byte
 * is U+DC00 plus the byte); *s != 0. */
static uint32_t next_a(const unsigned char **ps)
{
    const unsigned char *p = *ps;
    uint32_t c = p[0], min;
    int n;

    if (c < 0x80) {
        *ps = p + 1;
        return c;
    }
    if (c >= 0xC2 && c <= 0xDF)
        n = 1, min = 0x80, c &= 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 2, min = 0x800, c &= 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 3, min = 0x10000, c &= 0x07;
    else
        goto bad;
    for (int i = 1; i <= n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            goto bad;
        c = (c << 6) | (p[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        goto bad;
    *ps = p + n + 1;
    return c;
bad:
    *ps = p + 1;
    return 0xDC00u + p[0];
}

/* The same for UTF-16 (an unpaired surrogate reads as U+FFFD); *w != 0. */
static uint32_t next_w(const WCHAR **pw)
{
    const WCHAR *w = *pw;
    uint32_t c = *w++;

    if (c >= 0xD800 && c <= 0xDBFF && *w >= 0xDC00 && *w <= 0xDFFF) {
        c = 0x10000 + ((c - 0xD800) << 10) + (*w - 0xDC00);
        w++;
    } else if (c >= 0xD800 && c <= 0xDFFF) {
        c = 0xFFFD;
    }
    *pw = w;
    return c;
}

static BYTE *put_string(BYTE *o, const SPropValue *p, bool exact)
{
    for (int pass = 0; pass < (exact ? 2 : 1); pass++) {
        if (PROP_TYPE(p->ulPropTag) == PT_UNICODE) {
            const WCHAR *w = p->Value.lpszW;
            while (*w) {
                uint32_t c = *w;
                if (c < 0x80) {
                    *o++ = (BYTE)(pass == 0 && c - 'A' < 26u ? c + 32 : c);
                    w++;
                    continue;
                }
                c = next_w(&w);
                o = put_cp(o, pass == 0 ? mapirt_fold(c) : c);
            }
        } else {
            const unsigned char *a = (const unsigned char *)p->Value.lpszA;
            while (*a) {
                uint32_t c = *a;
                if (c < 0x80) {
                    *o++ = (BYTE)(pass == 0 && c - 'A' < 26u ? c + 32 : c);
                    a++;
                    continue;
                }
                c = next_a(&a);
                o = put_cp(o, pass == 0 ? mapirt_fold(c) : c);
            }
        }
        *o++ = 0;
    }
    return o;
}

static BYTE *put_binary(BYTE *o, const BYTE *b, ULONG cb)
{
    for (ULONG i = 0; i < cb; i++) {
        *o++ = b[i];
        if (b[i] == 0)
            *o++ = 0xFF;
    }
    *o++ = 0;
    *o++ = 0;
    return o;
}

static BYTE *put_be(BYTE *o, uint64_t x, unsigned bytes)
{
    while (bytes--)
        *o++ = (BYTE)(x >> (8 * bytes));
    return o;
}

/* One single value in full (multi-valued elements, and columns that are not range-coded). */
static BYTE *put_single(BYTE *o, const SPropValue *p, bool exact)
{
    switch (PROP_TYPE(p->ulPropTag)) {
    case PT_I2:
        return put_be(o, (uint16_t)p->Value.i ^ 0x8000u, 2);
    case PT_BOOLEAN:
        return put_be(o, p->Value.b != 0, 1);
    case PT_LONG:
        return put_be(o, (uint32_t)p->Value.l ^ 0x80000000u, 4);
    case PT_ERROR:
        return put_be(o, (ULONG)p->Value.err, 4);
    case PT_I8:
    case PT_CURRENCY:
    case PT_SYSTIME:
        return put_be(o, ordered_u64(p), 8);
    case PT_R4:
        return put_be(o, ordered_dbl(p->Value.flt), 8);
    case PT_DOUBLE:
        return put_be(o, ordered_dbl(p->Value.dbl), 8);
    case PT_APPTIME:
        return put_be(o, ordered_dbl(p->Value.at), 8);
    case PT_CLSID:
        if (!p->Value.lpguid) {
            *o++ = 0;
            return o;
        }
        *o++ = 1;
        memcpy(o, p->Value.lpguid, sizeof(GUID));
        return o + sizeof(GUID);
    case PT_STRING8:
    case PT_UNICODE:
        return put_string(o, p, exact);
    case PT_BINARY:
        return put_binary(o, p->Value.bin.lpb, p->Value.bin.lpb ? p->Value.bin.cb : 0);
    default:
        return o; /* no content (PT_NULL, PT_OBJECT): all equal */
    }
}

static size_t single_bound(const SPropValue *p)
{
    switch (PROP_TYPE(p->ulPropTag)) {
    case PT_STRING8:
        return 2 * (4 * strlen(p->Value.lpszA) + 1);
    case PT_UNICODE:
        return 2 * (4 * mapirt_wcslen(p->Value.lpszW) + 1);
    case PT_BINARY:
        return 2 * (size_t)p->Value.bin.cb + 2;
    default:
        return 17;
    }
}

/* A multi-valued value: each element behind a 1, then a 0 (a shorter list first). */
static BYTE *put_mv(BYTE *o, const SPropValue *p)
{
    for (ULONG i = 0, n = tbl_mv_count(p); i < n && p->Value.MVl.lpl; i++) {
        SPropValue e;
        tbl_mv_elem(p, i, &e);
        *o++ = 1;
        o = put_single(o, &e, true);
    }
    *o++ = 0;
    return o;
}

static size_t mv_bound(const SPropValue *p)
{
    size_t b = 1;
    for (ULONG i = 0, n = tbl_mv_count(p); i < n && p->Value.MVl.lpl; i++) {
        SPropValue e;
        tbl_mv_elem(p, i, &e);
        b += 1 + single_bound(&e);
    }
    return b;
}

/* ---- the plan ------------------------------------------------------------------------- */

static void plan_columns(struct kctx *c, const tbl_vrow *rows, ULONG n)
{
    const tbl_view *v = c->v;

    for (ULONG k = 0; k < c->k; k++) {
        struct kcol *col = &c->col[k];
        ULONG tag = v->sort.keys[k].ulPropTag;
        memset(col, 0, sizeof(*col));
        col->tag = tag;
        col->type = TBL_IS_MVI(tag) ? PROP_TYPE(TBL_SV_TAG(tag)) : PROP_TYPE(tag);
        col->desc = v->sort.keys[k].ulOrder == TABLE_SORT_DESCEND;
        col->slow = tag == PR_INSTANCE_KEY || TBL_IS_MVI(tag);
        col->ints = int_type(col->type);
        col->exact = true;
    }
    /* The last column needs no exact part when it is a single string: ties look it up. */
    if (c->k) {
        struct kcol *last = &c->col[c->k - 1];
        if (last->type == PT_STRING8 || last->type == PT_UNICODE) {
            last->exact = false;
            c->fallback = true;
        }
    }
    /* Ranges of the integer columns and which columns some row lacks. */
    for (ULONG i = 0; i < n; i++) {
        for (ULONG k = 0; k < c->k; k++) {
            struct kcol *col = &c->col[k];
            tbl_val s;
            const SPropValue *p = col_value(c, &rows[i], k, &s);
            if (!p) {
                col->presence = true;
                continue;
            }
            if (!col->ints)
                continue;
            uint64_t u = ordered_u64(p);
            if (!col->any || u < col->lo)
                col->lo = u;
            if (!col->any || u > col->hi)
                col->hi = u;
            col->any = true;
        }
    }
    for (ULONG k = 0; k < c->k; k++) {
        struct kcol *col = &c->col[k];
        if (!col->ints)
            continue;
        if (!col->any) {
            col->width = 0; /* missing everywhere: decides nothing */
            col->hi = UINT64_MAX; /* code hi - lo + 1 = 0 */
            col->lo = 0;
            continue;
        }
        uint64_t span = col->hi - col->lo;
        if (span == UINT64_MAX) {
            /* every 64-bit pattern in use: no code left for "missing"; full width behind a
             * presence byte instead */
            col->ints = false;
            continue;
        }
        uint64_t top = span + (col->presence ? 1 : 0);
        col->width = 1;
        while (col->width < 8 && (top >> (8 * col->width)) != 0)
            col->width++;
    }
}

/* ---- the key buffer ------------------------------------------------------------------- */

/* Keys longer than the 8 bytes an entry holds, one after the other: a 32-bit length, then the
 * whole key, 4-byte aligned. Shorter keys are not stored at all. */
struct kbuf {
    BYTE *p;
    size_t len, cap;
    BYTE *tmp; /* where a key is built */
    size_t tmpcap;
};

static bool room(BYTE **p, size_t *cap, size_t need)
{
    if (need <= *cap)
        return true;
    size_t c = *cap ? *cap : 4096;
    while (c < need)
        c *= 2;
    BYTE *q = mapirt_realloc(*p, c);
    if (!q)
        return false;
    *p = q;
    *cap = c;
    return true;
}

#define NO_KEY UINT32_MAX /* the entry's prefix is the whole key */

struct ent {
    uint64_t prefix; /* 8 bytes of the key from the current depth, big-endian */
    uint32_t off; /* the stored key / 4, or NO_KEY */
    uint32_t idx; /* the row, in the caller's array */
};

static inline uint64_t load_prefix(const BYTE *k, uint32_t len, uint32_t depth)
{
    uint64_t x = 0;

    if (len >= depth + 8) {
        memcpy(&x, k + depth, 8);
        return __builtin_bswap64(x);
    }
    for (uint32_t i = depth; i < len; i++)
        x |= (uint64_t)k[i] << (56 - 8 * (i - depth));
    return x;
}

/* Builds the key of vr: its first 8 bytes into e->prefix, the whole key into b when longer.
 * False without memory. */
static bool build_key(struct kctx *c, struct kbuf *b, const tbl_vrow *vr, struct ent *e)
{
    tbl_val vals[4], *s = vals;
    const SPropValue *pv[4], **pp = pv;
    size_t bound = 8;
    bool ok = false;

    if (c->k > 4) {
        s = mapirt_malloc(c->k * (sizeof(tbl_val) + sizeof(SPropValue *)));
        if (!s)
            return false;
        pp = (const SPropValue **)(s + c->k);
    }
    for (ULONG k = 0; k < c->k; k++) {
        const SPropValue *p = col_value(c, vr, k, &s[k]);
        pp[k] = p;
        bound += 10;
        if (p && !c->col[k].ints)
            bound += (c->col[k].type & MV_FLAG) ? mv_bound(p) : single_bound(p);
    }
    if (room(&b->tmp, &b->tmpcap, bound)) {
        BYTE *o = b->tmp;
        for (ULONG k = 0; k < c->k; k++) {
            const struct kcol *col = &c->col[k];
            const SPropValue *p = pp[k];
            if (col->ints) {
                uint64_t code = !p ? col->hi - col->lo + 1
                                : col->desc ? col->hi - ordered_u64(p)
                                            : ordered_u64(p) - col->lo;
                o = put_be(o, code, col->width);
                continue;
            }
            if (col->presence)
                *o++ = p ? 0 : 1;
            if (!p)
                continue;
            BYTE *seg = o;
            o = (col->type & MV_FLAG) ? put_mv(o, p) : put_single(o, p, col->exact);
            if (col->desc)
                for (BYTE *q = seg; q < o; q++)
                    *q = (BYTE)~*q;
        }
        uint32_t len = (uint32_t)(o - b->tmp);
        e->prefix = load_prefix(b->tmp, len, 0);
        e->off = NO_KEY;
        ok = true;
        if (len > 8) {
            size_t at = b->len, end = (at + 4 + len + 3) & ~(size_t)3;
            if (end > ((size_t)UINT32_MAX << 2) - 4 || !room(&b->p, &b->cap, end)) {
                ok = false;
            } else {
                memcpy(b->p + at, &len, 4);
                memcpy(b->p + at + 4, b->tmp, len);
                e->off = (uint32_t)(at >> 2);
                b->len = end;
            }
        }
    }
    if (s != vals)
        mapirt_free(s);
    return ok;
}

static inline const BYTE *key_at(const struct kbuf *b, const struct ent *e, uint32_t *len)
{
    const BYTE *k = b->p + ((size_t)e->off << 2);
    memcpy(len, k, 4);
    return k + 4;
}

/* ---- sorting the entries -------------------------------------------------------------- */

/* Sorting is a most-significant-byte-first radix sort, in place (American flag sort), over the
 * 8 bytes of each entry's prefix; a group of entries whose 8 bytes are all equal loads the next
 * 8 bytes of its keys and goes on, and small groups are finished by insertion. Depth is where in
 * the keys the prefixes were loaded from; TIES marks a group of equal keys whose prefixes now
 * hold table position and instance number. */
#define TIES UINT32_MAX

struct sorter {
    struct kctx *c;
    const struct kbuf *b;
    const tbl_vrow *rows;
    struct ent *e;
    struct frame {
        uint32_t lo, n, depth;
        uint32_t byte; /* 0..7: the prefix byte this group is split on next */
    } *stack;
    uint32_t top;
};

/* The order of rows whose keys are equal: the last column exactly when its key holds only the
 * folded string, then table position, then instance number. */
static int tie_cmp(struct kctx *c, const tbl_vrow *rows, const struct ent *a, const struct ent *b)
{
    const tbl_vrow *ra = &rows[a->idx], *rb = &rows[b->idx];

    if (c->fallback) {
        tbl_val sa, sb;
        ULONG k = c->k - 1;
        const SPropValue *pa = col_value(c, ra, k, &sa), *pb = col_value(c, rb, k, &sb);
        if (pa && pb) {
            int r = mapirt_str_compare(pa->Value.lpszA, PROP_TYPE(pa->ulPropTag) == PT_UNICODE,
                pb->Value.lpszA, PROP_TYPE(pb->ulPropTag) == PT_UNICODE, 0);
            if (r)
                return (r > 0) == c->col[k].desc ? -1 : 1;
        }
    }
    uint32_t pa = tbl_row_at(c->t, ra->id)->pos, pb = tbl_row_at(c->t, rb->id)->pos;
    if (pa != pb)
        return pa < pb ? -1 : 1;
    return (ra->ord > rb->ord) - (ra->ord < rb->ord);
}

/* Two entries of one group (equal key bytes before depth), in full. */
static int ent_cmp(struct sorter *s, const struct ent *a, const struct ent *b, uint32_t depth)
{
    if (a->prefix != b->prefix)
        return a->prefix < b->prefix ? -1 : 1;
    if (depth == TIES)
        return 0; /* same position and instance: cannot happen */
    if (a->off != NO_KEY) {
        uint32_t la, lb;
        const BYTE *ka = key_at(s->b, a, &la), *kb = key_at(s->b, b, &lb);
        uint32_t from = depth + 8, to = la < lb ? la : lb;
        if (to > from) {
            int r = memcmp(ka + from, kb + from, to - from);
            if (r)
                return r;
        }
        if (la != lb) /* cannot happen: keys are prefix-free */
            return la < lb ? -1 : 1;
    }
    return tie_cmp(s->c, s->rows, a, b);
}

static void insertion(struct sorter *s, struct ent *a, uint32_t n, uint32_t depth)
{
    for (uint32_t i = 1; i < n; i++) {
        struct ent x = a[i];
        uint32_t j = i;
        while (j > 0 && ent_cmp(s, &a[j - 1], &x, depth) > 0) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = x;
    }
}

/* Equal keys: by the exact last column when there is one (heapsort: in place, n log n), else
 * by position and instance number through the prefixes. */
static void sift(struct sorter *s, struct ent *a, uint32_t root, uint32_t n)
{
    for (;;) {
        uint32_t child = 2 * root + 1;
        if (child >= n)
            return;
        if (child + 1 < n && tie_cmp(s->c, s->rows, &a[child], &a[child + 1]) < 0)
            child++;
        if (tie_cmp(s->c, s->rows, &a[root], &a[child]) >= 0)
            return;
        struct ent t = a[root];
        a[root] = a[child];
        a[child] = t;
        root = child;
    }
}

static void push(struct sorter *s, uint32_t lo, uint32_t n, uint32_t depth, uint32_t byte)
{
    s->stack[s->top++] = (struct frame){lo, n, depth, byte};
}

/* A group whose prefixes are equal through all 8 bytes. */
static void next_depth(struct sorter *s, uint32_t lo, uint32_t n, uint32_t depth)
{
    struct ent *a = s->e + lo;
    uint32_t len = 0;

    if (depth != TIES && a[0].off != NO_KEY)
        key_at(s->b, &a[0], &len);
    if (depth != TIES && len > depth + 8) {
        for (uint32_t i = 0; i < n; i++) {
            uint32_t l;
            const BYTE *k = key_at(s->b, &a[i], &l);
            a[i].prefix = load_prefix(k, l, depth + 8);
        }
        push(s, lo, n, depth + 8, 0);
        return;
    }
    if (depth == TIES)
        return; /* cannot happen: positions differ */
    /* The keys are equal. */
    if (s->c->fallback) {
        if (n < 16) {
            for (uint32_t i = 1; i < n; i++) {
                struct ent x = a[i];
                uint32_t j = i;
                while (j > 0 && tie_cmp(s->c, s->rows, &a[j - 1], &x) > 0) {
                    a[j] = a[j - 1];
                    j--;
                }
                a[j] = x;
            }
            return;
        }
        for (uint32_t i = n / 2; i-- > 0;)
            sift(s, a, i, n);
        for (uint32_t end = n; end-- > 1;) {
            struct ent t = a[0];
            a[0] = a[end];
            a[end] = t;
            sift(s, a, 0, end);
        }
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        const tbl_vrow *r = &s->rows[a[i].idx];
        a[i].prefix = ((uint64_t)tbl_row_at(s->c->t, r->id)->pos << 32) | r->ord;
    }
    push(s, lo, n, TIES, 0);
}

static void sort_entries(struct sorter *s)
{
    uint32_t count[256], next[256], start[256];

    while (s->top) {
        struct frame f = s->stack[--s->top];
        struct ent *a = s->e + f.lo;
        unsigned shift = 56 - 8 * f.byte;

        if (f.n < 32) {
            insertion(s, a, f.n, f.depth);
            continue;
        }
        memset(count, 0, sizeof(count));
        for (uint32_t i = 0; i < f.n; i++)
            count[(a[i].prefix >> shift) & 0xFF]++;
        if (count[(a[0].prefix >> shift) & 0xFF] == f.n) {
            /* every entry has the same byte here */
            if (f.byte < 7)
                push(s, f.lo, f.n, f.depth, f.byte + 1);
            else
                next_depth(s, f.lo, f.n, f.depth);
            continue;
        }
        uint32_t sum = 0;
        for (unsigned d = 0; d < 256; d++) {
            next[d] = sum;
            sum += count[d];
        }
        /* place every entry in its bucket, cycle by cycle */
        memcpy(start, next, sizeof(start));
        for (unsigned d = 0; d < 256; d++) {
            uint32_t end = start[d] + count[d];
            while (next[d] < end) {
                struct ent x = a[next[d]];
                unsigned dig = (x.prefix >> shift) & 0xFF;
                while (dig != d) {
                    struct ent y = a[next[dig]];
                    a[next[dig]++] = x;
                    x = y;
                    dig = (x.prefix >> shift) & 0xFF;
                }
                a[next[d]++] = x;
            }
        }
        for (unsigned d = 0; d < 256; d++) {
            if (count[d] < 2)
                continue;
            if (f.byte < 7)
                push(s, f.lo + start[d], count[d], f.depth, f.byte + 1);
            else
                next_depth(s, f.lo + start[d], count[d], f.depth);
        }
    }
}

/* ---- entry point ---------------------------------------------------------------------- */

HRESULT tbl_sort_rows(const tbl_view *v, tbl_vrow *rows, ULONG n)
{
    struct kctx c = {0};
    struct kbuf b = {0};
    struct sorter s = {0};
    struct ent *e = NULL;
    HRESULT hr = MAPI_E_NOT_ENOUGH_MEMORY;

    if (n < 2)
        return S_OK;
    e = mapirt_malloc((size_t)n * sizeof(struct ent));
    /* Pending groups are disjoint and hold two entries or more; a split pushes at most 256. */
    s.stack = mapirt_malloc(((size_t)n / 2 + 257) * sizeof(*s.stack));
    if (!e || !s.stack)
        goto out;
    c.v = v;
    c.t = v->t;
    c.k = v->sort.n;
    if (c.k == 0) {
        /* Table order: position, then instance number. */
        for (ULONG i = 0; i < n; i++) {
            e[i].prefix = ((uint64_t)tbl_row_at(v->t, rows[i].id)->pos << 32) | rows[i].ord;
            e[i].off = NO_KEY;
            e[i].idx = i;
        }
        s.c = &c;
        s.rows = rows;
        s.e = e;
        s.b = &b;
        s.top = 0;
        push(&s, 0, n, TIES, 0);
        goto sort;
    }
    c.col = mapirt_calloc(c.k, sizeof(struct kcol) + sizeof(int32_t));
    if (!c.col)
        goto out;
    c.at = (int32_t *)(c.col + c.k);
    plan_columns(&c, rows, n);
    for (ULONG i = 0; i < n; i++) {
        if (!build_key(&c, &b, &rows[i], &e[i]))
            goto out;
        e[i].idx = i;
    }
    s.c = &c;
    s.b = &b;
    s.rows = rows;
    s.e = e;
    push(&s, 0, n, 0, 0);
sort:
    sort_entries(&s);
    /* Put the rows in the entries' order, in place, cycle by cycle. */
    for (ULONG i = 0; i < n; i++) {
        if (e[i].idx == UINT32_MAX)
            continue;
        tbl_vrow first = rows[i];
        ULONG j = i;
        for (;;) {
            uint32_t k = e[j].idx;
            e[j].idx = UINT32_MAX;
            if (k == i) {
                rows[j] = first;
                break;
            }
            rows[j] = rows[k];
            j = k;
        }
    }
    hr = S_OK;
out:
    mapirt_free(c.col);
    mapirt_free(e);
    mapirt_free(s.stack);
    mapirt_free(b.p);
    mapirt_free(b.tmp);
    return hr;
}
