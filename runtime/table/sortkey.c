/* sortkey.c: sorting a view's rows through sort keys.
 *
 * Every row gets one byte string, its sort key, built once per sort from the view's sort
 * columns and the row's place in table order, such that comparing two keys byte by byte orders
 * the rows exactly as tbl_vrow_cmp does. A string column is its code points case-folded
 * (mapirt_fold, the Unicode simple folding FL_IGNORECASE uses) as UTF-8, which orders bytewise as
 * the code points do, then a 0 byte, then a few bits per letter (its rank among the letters
 * that fold alike: mapirt_fold_rank) that order strings equal ignoring case exactly as the code
 * points do: "ignoring case first, then exactly". So case is folded and characters decoded once
 * per row and sort, not once per comparison and per character. The other columns: integers
 * as big-endian numbers in as few bytes as the range of the sorted values needs, floating point
 * as ordered 64-bit patterns, binaries with their 0 bytes escaped and a terminator, multi-valued
 * values element by element. A descending column has its bytes inverted. Every column's
 * encoding is prefix-free, so keys compare as the columns do one after the other; a column
 * some row lacks gets a leading presence byte (0 present, 1 missing: missing values last in
 * both directions). The key ends with the row's table position and instance number, so no two
 * keys are equal and the sort needs no comparison of its own.
 *
 * Sorting: each entry holds 16 bytes of its key; keys longer than that are kept in a buffer.
 * Entries are sorted by those bytes with a most-significant-byte-first radix sort in place
 * (American flag sort); a group whose 16 bytes are all equal loads the next 16 from the buffer
 * and goes on. Strings that share a long start ("re: status of project") cost a few counting
 * passes, not a byte-by-byte comparison each time two of them meet. */
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
    unsigned posw, ordw; /* bytes of the position and instance number that end every key */
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

/* Folded code points as UTF-8 and a 0, then the rank of every code point among those that fold
 * as it does (mapirt_fold_rank), as bits: as long as the folded part is equal, the ranks are as
 * many bits and order as the code points themselves do. */
static BYTE *put_string(BYTE *o, const SPropValue *p)
{
    bool wide = PROP_TYPE(p->ulPropTag) == PT_UNICODE;
    const unsigned char *a = (const unsigned char *)p->Value.lpszA;
    const WCHAR *w = p->Value.lpszW;

    for (;;) {
        uint32_t c = wide ? *w : *a;
        if (c == 0)
            break;
        if (c < 0x80) {
            *o++ = (BYTE)(c - 'A' < 26u ? c + 32 : c);
            wide ? (void)w++ : (void)a++;
            continue;
        }
        c = wide ? next_w(&w) : next_a(&a);
        o = put_cp(o, mapirt_fold(c));
    }
    *o++ = 0;
    uint64_t acc = 0;
    unsigned nacc = 0;
    a = (const unsigned char *)p->Value.lpszA;
    w = p->Value.lpszW;
    for (;;) {
        uint32_t c = wide ? *w : *a, rank;
        unsigned bits;
        if (c == 0)
            break;
        if (c < 0x80) {
            wide ? (void)w++ : (void)a++;
        } else {
            c = wide ? next_w(&w) : next_a(&a);
        }
        rank = mapirt_fold_rank(c, &bits);
        if (!bits)
            continue;
        acc = (acc << bits) | rank;
        nacc += bits;
        if (nacc >= 8) {
            *o++ = (BYTE)(acc >> (nacc - 8));
            nacc -= 8;
        }
    }
    if (nacc)
        *o++ = (BYTE)(acc << (8 - nacc));
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
static BYTE *put_single(BYTE *o, const SPropValue *p)
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
        return put_string(o, p);
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
        return 5 * strlen(p->Value.lpszA) + 2;
    case PT_UNICODE:
        return 5 * mapirt_wcslen(p->Value.lpszW) + 2;
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
        o = put_single(o, &e);
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

static unsigned bytes_for(uint64_t top)
{
    unsigned w = 1;
    while (w < 8 && (top >> (8 * w)) != 0)
        w++;
    return w;
}

static void plan_columns(struct kctx *c, const tbl_vrow *rows, ULONG n)
{
    const tbl_view *v = c->v;
    ULONG maxord = 0;

    for (ULONG k = 0; k < c->k; k++) {
        struct kcol *col = &c->col[k];
        ULONG tag = v->sort.keys[k].ulPropTag;
        memset(col, 0, sizeof(*col));
        col->tag = tag;
        col->type = TBL_IS_MVI(tag) ? PROP_TYPE(TBL_SV_TAG(tag)) : PROP_TYPE(tag);
        col->desc = v->sort.keys[k].ulOrder == TABLE_SORT_DESCEND;
        col->slow = tag == PR_INSTANCE_KEY || TBL_IS_MVI(tag);
        col->ints = int_type(col->type);
    }
    /* Ranges of the integer columns and which columns some row lacks. */
    for (ULONG i = 0; i < n; i++) {
        if (i + 32 < n)
            tbl_prefetch_slot(c->t, rows[i + 32].id);
        if (i + 16 < n)
            tbl_prefetch_rec(c->t, rows[i + 16].id);
        if (rows[i].ord > maxord)
            maxord = rows[i].ord;
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
        col->width = bytes_for(span + (col->presence ? 1 : 0));
    }
    c->posw = bytes_for(c->t->norder);
    c->ordw = maxord ? bytes_for(maxord) : 0;
}

/* ---- the keys ------------------------------------------------------------------------- */

#define INLINE 16 /* key bytes an entry holds */
#define NO_KEY UINT32_MAX /* the entry holds the whole key */

struct ent {
    uint64_t hi, lo; /* key bytes [depth, depth + 16), big-endian, 0 past the end */
    uint32_t off; /* the whole key in the buffer (/ 4), or NO_KEY */
    uint32_t idx; /* the row, in the caller's array */
};

/* Keys longer than an entry holds, one after the other: a 32-bit length, then the whole key,
 * 4-byte aligned. */
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

static inline uint64_t load8(const BYTE *k, uint32_t len, uint32_t at)
{
    uint64_t x = 0;

    if (len >= at + 8) {
        memcpy(&x, k + at, 8);
        return __builtin_bswap64(x);
    }
    for (uint32_t i = at; i < len; i++)
        x |= (uint64_t)k[i] << (56 - 8 * (i - at));
    return x;
}

static inline void load16(struct ent *e, const BYTE *k, uint32_t len, uint32_t depth)
{
    e->hi = load8(k, len, depth);
    e->lo = load8(k, len, depth + 8);
}

static inline const BYTE *key_at(const struct kbuf *b, const struct ent *e, uint32_t *len)
{
    const BYTE *k = b->p + ((size_t)e->off << 2);
    memcpy(len, k, 4);
    return k + 4;
}

/* Builds the key of vr: its first 16 bytes into e, the whole key into b when longer. False
 * without memory. */
static bool build_key(struct kctx *c, struct kbuf *b, const tbl_vrow *vr, struct ent *e)
{
    tbl_val vals[4], *s = vals;
    const SPropValue *pv[4], **pp = pv;
    size_t bound = 16;
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
            o = (col->type & MV_FLAG) ? put_mv(o, p) : put_single(o, p);
            if (col->desc)
                for (BYTE *q = seg; q < o; q++)
                    *q = (BYTE)~*q;
        }
        o = put_be(o, tbl_row_at(c->t, vr->id)->pos, c->posw);
        o = put_be(o, vr->ord, c->ordw);
        uint32_t len = (uint32_t)(o - b->tmp);
        load16(e, b->tmp, len, 0);
        e->off = NO_KEY;
        ok = true;
        if (len > INLINE) {
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

/* ---- sorting the entries -------------------------------------------------------------- */

struct frame {
    uint32_t lo, n, depth;
    uint32_t byte; /* 0..15: the byte of the entries' 16 this group is split on next */
};

static inline unsigned byte_of(const struct ent *e, unsigned byte)
{
    return byte < 8 ? (unsigned)(e->hi >> (56 - 8 * byte)) & 0xFF
                    : (unsigned)(e->lo >> (120 - 8 * byte)) & 0xFF;
}

static inline bool ent_less(const struct ent *a, const struct ent *b)
{
    return a->hi != b->hi ? a->hi < b->hi : a->lo != b->lo ? a->lo < b->lo : a->idx < b->idx;
}

/* Whole keys of a group that agree before depth (a small group, finished by insertion). */
static bool key_less(const struct kbuf *b, const struct ent *a, const struct ent *c,
    uint32_t depth)
{
    if (a->hi != c->hi || a->lo != c->lo || a->off == NO_KEY)
        return ent_less(a, c);
    uint32_t la, lc;
    const BYTE *ka = key_at(b, a, &la), *kc = key_at(b, c, &lc);
    uint32_t from = depth + INLINE, to = la < lc ? la : lc;
    int r = to > from ? memcmp(ka + from, kc + from, to - from) : 0;
    return r ? r < 0 : la != lc ? la < lc : a->idx < c->idx;
}

/* Most significant byte first, in place. Keys are prefix-free and unique, so a group whose
 * 16 bytes agree has more key to load; equal keys (which cannot happen) keep their order. */
static void sort_entries(const struct kbuf *b, struct ent *e, struct frame *stack, uint32_t n)
{
    uint32_t count[256], next[256], start[256], top = 0;

    stack[top++] = (struct frame){0, n, 0, 0};
    while (top) {
        struct frame f = stack[--top];
        struct ent *a = e + f.lo;

        if (f.n < 24) {
            for (uint32_t i = 1; i < f.n; i++) {
                struct ent x = a[i];
                uint32_t j = i;
                while (j > 0 && key_less(b, &x, &a[j - 1], f.depth)) {
                    a[j] = a[j - 1];
                    j--;
                }
                a[j] = x;
            }
            continue;
        }
        memset(count, 0, sizeof(count));
        for (uint32_t i = 0; i < f.n; i++)
            count[byte_of(&a[i], f.byte)]++;
        if (count[byte_of(&a[0], f.byte)] == f.n) {
            /* every entry has the same byte here */
            if (f.byte + 1 < INLINE) {
                stack[top++] = (struct frame){f.lo, f.n, f.depth, f.byte + 1};
                continue;
            }
            uint32_t len = 0;
            if (a[0].off != NO_KEY)
                key_at(b, &a[0], &len);
            if (len <= f.depth + INLINE) {
                /* equal keys: cannot happen; keep them in their order */
                for (uint32_t i = 1; i < f.n; i++) {
                    struct ent x = a[i];
                    uint32_t j = i;
                    while (j > 0 && x.idx < a[j - 1].idx) {
                        a[j] = a[j - 1];
                        j--;
                    }
                    a[j] = x;
                }
                continue;
            }
            for (uint32_t i = 0; i < f.n; i++) {
                uint32_t l;
                const BYTE *k = key_at(b, &a[i], &l);
                load16(&a[i], k, l, f.depth + INLINE);
            }
            stack[top++] = (struct frame){f.lo, f.n, f.depth + INLINE, 0};
            continue;
        }
        uint32_t sum = 0;
        for (unsigned d = 0; d < 256; d++) {
            start[d] = next[d] = sum;
            sum += count[d];
        }
        /* every entry to its bucket, cycle by cycle */
        for (unsigned d = 0; d < 256; d++) {
            uint32_t end = start[d] + count[d];
            while (next[d] < end) {
                struct ent x = a[next[d]];
                unsigned dig = byte_of(&x, f.byte);
                while (dig != d) {
                    struct ent y = a[next[dig]];
                    a[next[dig]++] = x;
                    x = y;
                    dig = byte_of(&x, f.byte);
                }
                a[next[d]++] = x;
            }
        }
        for (unsigned d = 0; d < 256; d++)
            if (count[d] > 1)
                stack[top++] = (struct frame){f.lo + start[d], count[d], f.depth, f.byte + 1};
    }
}

/* ---- entry point ---------------------------------------------------------------------- */

HRESULT tbl_sort_rows(const tbl_view *v, tbl_vrow *rows, ULONG n)
{
    struct kctx c = {0};
    struct kbuf b = {0};
    struct ent *e = NULL;
    struct frame *stack = NULL;
    HRESULT hr = MAPI_E_NOT_ENOUGH_MEMORY;

    if (n < 2)
        return S_OK;
    e = mapirt_malloc((size_t)n * sizeof(struct ent));
    /* Pending groups are disjoint and hold two entries or more; a split pushes at most 256. */
    stack = mapirt_malloc(((size_t)n / 2 + 257) * sizeof(*stack));
    c.v = v;
    c.t = v->t;
    c.k = v->sort.n;
    c.col = mapirt_calloc(c.k + 1, sizeof(struct kcol) + sizeof(int32_t));
    if (!e || !stack || !c.col)
        goto out;
    c.at = (int32_t *)(c.col + c.k + 1);
    plan_columns(&c, rows, n);
    for (ULONG i = 0; i < n; i++) {
        if (i + 32 < n)
            tbl_prefetch_slot(c.t, rows[i + 32].id);
        if (i + 16 < n)
            tbl_prefetch_rec(c.t, rows[i + 16].id);
        if (!build_key(&c, &b, &rows[i], &e[i]))
            goto out;
        e[i].idx = i;
    }
    sort_entries(&b, e, stack, n);
    /* The rows in the entries' order: gathered into the entries (whose key bytes are done
     * with), then copied back. */
    for (ULONG i = 0; i < n; i++)
        memcpy(&e[i].hi, &rows[e[i].idx], sizeof(tbl_vrow));
    for (ULONG i = 0; i < n; i++)
        memcpy(&rows[i], &e[i].hi, sizeof(tbl_vrow));
    hr = S_OK;
out:
    mapirt_free(c.col);
    mapirt_free(e);
    mapirt_free(stack);
    mapirt_free(b.p);
    mapirt_free(b.tmp);
    return hr;
}
