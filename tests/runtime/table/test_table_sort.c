/* tests/runtime/table/test_table_sort.c: a sorted view's order against LPropCompareProp.
 *
 * A view sorts many rows through sort keys (runtime/table/sortkey.c: strings folded once per
 * row, a radix sort over the key bytes) and places the rows of a change by binary search with a
 * value-by-value comparison; both must give the order MAPI defines: each key compared as
 * LPropCompareProp compares (strings ignoring case by Unicode simple folding, then exactly),
 * descending keys reversed, missing values last in both directions, then table order. Random
 * rows of every kind of value the keys handle (mixed case, non-ASCII, malformed UTF-8, lone
 * surrogates, shared starts longer than 8 bytes, NaN and -0, binaries with zero bytes,
 * duplicates, missing values) are sorted both ways and checked against a plain sort with
 * LPropCompareProp. */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <stdlib.h>
#include <string.h>

#include "tablefixture.h"

#define NKEYS_MAX 3

static uint64_t rng;
static unsigned rnd(unsigned n)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (unsigned)((rng * 0x2545F4914F6CDD1Du) >> 33) % n;
}

/* Pieces strings are made of: ASCII of both cases, letters whose folding is not ASCII's
 * (Kelvin sign, final sigma, capital sharp s, dotted I, Deseret), malformed UTF-8. */
static const char *const pieces[] = {"a", "A", "b", "B", "z", "Z", "@", "[", " ", "~", "\x7f", "é", "É", "ß",
    "\xe1\xba\x9e", "\xe2\x84\xaa", "k", "K", "\xcf\x82", "\xcf\x83", "\xce\xa3", "\xc4\xb0",
    "i", "\xf0\x90\x90\x80", "\xf0\x90\x90\xa8", "\x80", "\xc0\x80", "\xed\xa0\x80", "\xff",
    "\xe2\x82", "re: status of project "};

static char *rand_a(void)
{
    char buf[256];
    size_t o = 0;
    unsigned n = rnd(7);
    if (rnd(3) == 0) {
        strcpy(buf, "re: status of project ");
        o = strlen(buf);
    }
    for (unsigned i = 0; i < n; i++) {
        const char *p = pieces[rnd(sizeof(pieces) / sizeof(pieces[0]))];
        if (o + strlen(p) + 1 >= sizeof(buf))
            break;
        memcpy(buf + o, p, strlen(p));
        o += strlen(p);
    }
    buf[o] = 0;
    return strdup(buf);
}

static WCHAR *rand_w(void)
{
    static const WCHAR units[] = {'a', 'A', 'b', 0xE9, 0xC9, 0x3A3, 0x3C3, 0x3C2, 0x212A, 'k',
        0xD800, 0xDC00, 0xDBFF, 0xDFFF, 0xE000, 0xFFFD, 0xFFFF, ' '};
    WCHAR *w = malloc(64 * sizeof(WCHAR));
    unsigned n = rnd(8), o = 0;
    if (rnd(3) == 0)
        for (const char *p = "re: status of "; *p; p++)
            w[o++] = (WCHAR)*p;
    for (unsigned i = 0; i < n; i++)
        w[o++] = units[rnd(sizeof(units) / sizeof(units[0]))];
    w[o] = 0;
    return w;
}

struct trow {
    SPropValue p[8];
    ULONG c;
    BYTE bin[6];
};

static void make_row(struct trow *r, LONG id)
{
    const double dbls[] = {0.0, -0.0, 1.5, -1.5, 1e300, -1e300, __builtin_nan(""), 2.0};
    memset(r, 0, sizeof(*r));
    r->p[r->c].ulPropTag = T_ID;
    r->p[r->c++].Value.l = id;
    if (rnd(8)) {
        r->p[r->c].ulPropTag = T_NAME;
        r->p[r->c++].Value.lpszA = rand_a();
    }
    if (rnd(8)) {
        r->p[r->c].ulPropTag = T_WNAME;
        r->p[r->c++].Value.lpszW = rand_w();
    }
    if (rnd(8)) {
        r->p[r->c].ulPropTag = T_NUM;
        r->p[r->c++].Value.l = (LONG)rnd(5) - 2 + (rnd(10) == 0 ? 0x7FFFFFF0 : 0);
    }
    if (rnd(8)) {
        r->p[r->c].ulPropTag = T_DBL;
        r->p[r->c++].Value.dbl = dbls[rnd(8)];
    }
    if (rnd(8)) {
        ULONG cb = rnd(4);
        for (ULONG i = 0; i < cb; i++)
            r->bin[i] = (BYTE)(rnd(3) == 0 ? 0 : rnd(3) == 0 ? 0xFF : 'a' + rnd(2));
        r->p[r->c].ulPropTag = T_BIN;
        r->p[r->c].Value.bin.cb = cb;
        r->p[r->c++].Value.bin.lpb = cb ? r->bin : NULL;
    }
    if (rnd(8)) {
        r->p[r->c].ulPropTag = T_I8;
        r->p[r->c++].Value.li.QuadPart = rnd(4) == 0 ? INT64_MIN + rnd(3) : (LONGLONG)rnd(4) - 2;
    }
    if (rnd(8)) {
        r->p[r->c].ulPropTag = T_BOOL;
        r->p[r->c++].Value.b = (unsigned short)rnd(3);
    }
}

static void free_row(struct trow *r)
{
    for (ULONG i = 0; i < r->c; i++)
        if (r->p[i].ulPropTag == T_NAME || r->p[i].ulPropTag == T_WNAME)
            free(r->p[i].Value.lpszA);
}

/* The reference order. */
static const SSortOrder *ref_keys;
static ULONG ref_nkeys;
static struct trow *ref_rows;

static int ref_cmp(const void *x, const void *y)
{
    LONG a = *(const LONG *)x, b = *(const LONG *)y;
    for (ULONG k = 0; k < ref_nkeys; k++) {
        ULONG tag = ref_keys[k].ulPropTag;
        const SPropValue *pa = PpropFindProp(ref_rows[a].p, ref_rows[a].c, tag);
        const SPropValue *pb = PpropFindProp(ref_rows[b].p, ref_rows[b].c, tag);
        int c;
        if (!pa || !pb) {
            c = pa == pb ? 0 : pa ? -1 : 1; /* missing last, whatever the direction */
        } else {
            LONG l = LPropCompareProp((LPSPropValue)pa, (LPSPropValue)pb);
            c = (l > 0) - (l < 0);
            if (ref_keys[k].ulOrder == TABLE_SORT_DESCEND)
                c = -c;
        }
        if (c)
            return c;
    }
    return (a > b) - (a < b); /* table order: ids were added in order */
}

static void check_view(LPMAPITABLE v, const LONG *want, ULONG n, const char *what)
{
    LPSRowSet rows = NULL;
    cr_assert_eq(v->lpVtbl->SeekRow(v, BOOKMARK_BEGINNING, 0, NULL), S_OK);
    cr_assert_eq(v->lpVtbl->QueryRows(v, (LONG)n + 1, 0, &rows), S_OK);
    cr_assert_eq(rows->cRows, n, "%s: %lu rows, want %lu", what, (unsigned long)rows->cRows,
        (unsigned long)n);
    for (ULONG i = 0; i < n; i++) {
        const SPropValue *id = fx_prop(&rows->aRow[i], T_ID);
        cr_assert_not_null(id);
        cr_assert_eq(id->Value.l, want[i], "%s: row %lu is id %ld, want %ld", what,
            (unsigned long)i, (long)id->Value.l, (long)want[i]);
    }
    FreeProws(rows);
}

static void round_trip(unsigned n, unsigned seed)
{
    static const ULONG tags[] = {T_NAME, T_WNAME, T_NUM, T_DBL, T_BIN, T_I8, T_BOOL};
    SizedSPropTagArray(1, idcol) = {1, {T_ID}};
    struct trow *rows = calloc(n ? n : 1, sizeof(*rows));
    LONG *want = calloc(n ? n : 1, sizeof(LONG));
    rng = 0x9E3779B97F4A7C15u ^ seed;

    /* first half in one call (sorted through keys), the rest one by one into a sorted view
     * (placed by binary search) */
    for (unsigned i = 0; i < n; i++)
        make_row(&rows[i], (LONG)i);
    for (int round = 0; round < 6; round++) {
        SizedSSortOrderSet(NKEYS_MAX, s);
        s.cSorts = 1 + rnd(NKEYS_MAX);
        s.cCategories = s.cExpanded = 0;
        for (ULONG k = 0; k < s.cSorts; k++) {
            s.aSort[k].ulPropTag = tags[rnd(sizeof(tags) / sizeof(tags[0]))];
            s.aSort[k].ulOrder = rnd(2) ? TABLE_SORT_DESCEND : TABLE_SORT_ASCEND;
        }
        if (round == 0)
            s.aSort[0].ulPropTag = T_NAME, s.cSorts = 1;
        ref_keys = s.aSort;
        ref_nkeys = s.cSorts;
        ref_rows = rows;

        LPTABLEDATA t = fx_table();
        unsigned half = n / 2;
        SRowSet *set = malloc(CbNewSRowSet(half ? half : 1));
        set->cRows = half;
        for (unsigned i = 0; i < half; i++)
            set->aRow[i] = (SRow){0, rows[i].c, rows[i].p};
        if (half)
            cr_assert_eq(t->lpVtbl->HrModifyRows(t, 0, set), S_OK);
        free(set);
        LPMAPITABLE v = NULL;
        cr_assert_eq(t->lpVtbl->HrGetView(t, (LPSSortOrderSet)&s, NULL, 0, &v), S_OK);
        cr_assert_eq(v->lpVtbl->SetColumns(v, (LPSPropTagArray)&idcol, 0), S_OK);
        for (unsigned i = 0; i < half; i++)
            want[i] = (LONG)i;
        qsort(want, half, sizeof(LONG), ref_cmp);
        check_view(v, want, half, "sorted in one go");
        for (unsigned i = half; i < n; i++) {
            SRow r = {0, rows[i].c, rows[i].p};
            cr_assert_eq(t->lpVtbl->HrModifyRow(t, &r), S_OK);
        }
        for (unsigned i = 0; i < n; i++)
            want[i] = (LONG)i;
        qsort(want, n, sizeof(LONG), ref_cmp);
        check_view(v, want, n, "rows added one by one");
        /* sorting again from scratch gives the same */
        cr_assert_eq(v->lpVtbl->SortTable(v, (LPSSortOrderSet)&s, 0), S_OK);
        check_view(v, want, n, "sorted again");
        v->lpVtbl->Release(v);
        t->lpVtbl->Release(t);
    }
    for (unsigned i = 0; i < n; i++)
        free_row(&rows[i]);
    free(rows);
    free(want);
}

Test(table_sort, small_groups)
{
    for (unsigned n = 0; n < 40; n++)
        round_trip(n, n);
}

Test(table_sort, radix_groups_and_deep_keys)
{
    round_trip(300, 1);
    round_trip(1500, 2);
}

/* Many rows with one string: the keys are all equal, so the order is decided exactly (case)
 * and then by table order, in a group far too big for insertion. */
Test(table_sort, long_runs_of_equal_keys)
{
    LPTABLEDATA td = fx_table();
    enum { n = 3000 };
    static const char *const names[] = {"same", "SAME", "Same", "sAme"};
    for (unsigned i = 0; i < n; i++)
        cr_assert_eq(fx_put(td, (LONG)i, names[(i * 7) % 4], (LONG)(i % 3)), S_OK);
    SizedSSortOrderSet(1, by_name) = {1, 0, 0, {{T_NAME, TABLE_SORT_DESCEND}}};
    SizedSSortOrderSet(2, by_num) = {2, 0, 0, {{T_NUM, TABLE_SORT_ASCEND}, {T_NAME, TABLE_SORT_ASCEND}}};
    LPMAPITABLE v = NULL;
    cr_assert_eq(td->lpVtbl->HrGetView(td, (LPSSortOrderSet)&by_name, NULL, 0, &v), S_OK);
    LPSRowSet rows = NULL;
    cr_assert_eq(HrQueryAllRows(v, NULL, NULL, NULL, 0, &rows), S_OK);
    cr_assert_eq(rows->cRows, n);
    for (ULONG i = 1; i < n; i++) {
        const SPropValue *a = fx_prop(&rows->aRow[i - 1], T_NAME), *b = fx_prop(&rows->aRow[i], T_NAME);
        LONG c = LPropCompareProp((LPSPropValue)a, (LPSPropValue)b);
        cr_assert_geq(c, 0, "descending: %s before %s", a->Value.lpszA, b->Value.lpszA);
        if (c == 0)
            cr_assert_lt(fx_prop(&rows->aRow[i - 1], T_ID)->Value.l,
                fx_prop(&rows->aRow[i], T_ID)->Value.l, "equal names keep table order");
    }
    const SRow *first = &rows->aRow[0], *last = first + (n - 1);
    cr_assert_str_eq(fx_prop(first, T_NAME)->Value.lpszA, "same");
    cr_assert_str_eq(fx_prop(last, T_NAME)->Value.lpszA, "SAME");
    FreeProws(rows);
    cr_assert_eq(v->lpVtbl->SortTable(v, (LPSSortOrderSet)&by_num, 0), S_OK);
    cr_assert_eq(HrQueryAllRows(v, NULL, NULL, NULL, 0, &rows), S_OK);
    for (ULONG i = 1; i < n; i++) {
        LONG na = fx_prop(&rows->aRow[i - 1], T_NUM)->Value.l;
        LONG nb = fx_prop(&rows->aRow[i], T_NUM)->Value.l;
        cr_assert_leq(na, nb);
        if (na == nb) {
            LONG c = LPropCompareProp((LPSPropValue)fx_prop(&rows->aRow[i - 1], T_NAME),
                (LPSPropValue)fx_prop(&rows->aRow[i], T_NAME));
            cr_assert_leq(c, 0);
            if (c == 0)
                cr_assert_lt(fx_prop(&rows->aRow[i - 1], T_ID)->Value.l,
                    fx_prop(&rows->aRow[i], T_ID)->Value.l);
        }
    }
    FreeProws(rows);
    v->lpVtbl->Release(v);
    td->lpVtbl->Release(td);
}
