/* bench_table.c: the in-memory table (CreateTable, IMAPITable) against SQLite, side by side, on
 * data whose size and shape are parameters, with the same semantics on both sides.
 *
 * One query: a restriction on an integer (num >= 250, three rows in four), a sort (by group,
 * then by name descending; or by name alone), and every column of every row read. On the table:
 * HrGetView, Restrict, SortTable, QueryRows of everything, FreeProws, Release. On SQLite (in
 * memory, temp_store=MEMORY and a cache big enough that its sorter never spills): prepare,
 * step through the rows, finalize. Both ends tie-break by row number, so both give one order,
 * checked through a checksum of the row ids in result order.
 *
 * The table compares strings ignoring case by Unicode simple case folding, then exactly. SQLite
 * runs it two ways, both reported:
 *   nocase  ORDER BY name COLLATE NOCASE, name: SQLite's NOCASE folds ASCII letters only, so this
 *           is the same order on ASCII data and a cheaper, different one on non-ASCII data
 *           (checksums are not compared there);
 *   ufold   ORDER BY name COLLATE ufold: a collation calling mapirt_str_compare (FL_IGNORECASE,
 *           then exact), the table's own comparison: the same order on every data set.
 * and each both without copying (step, read every column) and with copying every row out into
 * its own malloc'd block, kept until the end and then freed, as QueryRows + FreeProws must.
 *
 * Every run is repeated, the two sides interleaved in one process, and reported as median and
 * range, never best-of-N. Loading (building the caller's SRowSet and HrModifyRows; binds and
 * steps inside one transaction) is timed too, and memory is counted through malloc itself
 * (this program replaces malloc with a counting wrapper around glibc's): bytes per row held
 * after loading, and the peak while loading, beyond what the caller holds.
 *
 *   bench_table                      the standard matrix (bench/README.md)
 *   bench_table --quick              the matrix without the 1,000,000-row cells
 *   bench_table [--rows N,N..] [--len N] [--prefix S] [--case lower|mixed|title]
 *               [--nonascii F] [--dup F] [--query grp|name] [--reps N] [--clock wall|cpu]
 *
 * Exit status: 0 every table/SQLite ratio <= 1, 1 a ratio is above 1, 2 results differ where
 * the semantics are the same.
 * configure: link -lsqlite3 */
#define _GNU_SOURCE
#include <mapix.h>
#include <mapiutil.h>
#include <mapirt/strconv.h>

#include <malloc.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define T_ID PROP_TAG(PT_LONG, 0x6700)
#define T_NAME PROP_TAG(PT_STRING8, 0x6701)
#define T_NUM PROP_TAG(PT_LONG, 0x6702)
#define T_GRP PROP_TAG(PT_LONG, 0x6703)
#define T_WHEN PROP_TAG(PT_SYSTIME, 0x6704)

/* ---- memory: a counting malloc --------------------------------------------------------- */

/* glibc lets a program replace malloc (its manual, "Replacing malloc"); these forward to
 * glibc's own and count what is live, chunk headers included, when counting is on. */
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

static bool counting;
static long long live_bytes, peak_bytes;

static size_t chunk(void *p)
{
    return p ? malloc_usable_size(p) + sizeof(size_t) : 0;
}

static void *counted(void *p)
{
    if (counting && p) {
        live_bytes += (long long)chunk(p);
        if (live_bytes > peak_bytes)
            peak_bytes = live_bytes;
    }
    return p;
}

void *malloc(size_t n)
{
    return counted(__libc_malloc(n));
}

void *calloc(size_t a, size_t b)
{
    return counted(__libc_calloc(a, b));
}

void free(void *p)
{
    if (counting && p)
        live_bytes -= (long long)chunk(p);
    __libc_free(p);
}

void *realloc(void *p, size_t n)
{
    if (counting && p)
        live_bytes -= (long long)chunk(p);
    return counted(__libc_realloc(p, n));
}

void *memalign(size_t a, size_t n)
{
    return counted(__libc_memalign(a, n));
}

void *aligned_alloc(size_t a, size_t n)
{
    return counted(__libc_memalign(a, n));
}

int posix_memalign(void **out, size_t a, size_t n)
{
    void *p = counted(__libc_memalign(a, n));
    if (!p)
        return 12; /* ENOMEM */
    *out = p;
    return 0;
}

static void count_from_zero(void)
{
    live_bytes = peak_bytes = 0;
    counting = true;
}

/* ---- data ------------------------------------------------------------------------------ */

struct shape {
    const char *label;
    int len; /* characters of the varying part */
    const char *prefix; /* shared start */
    const char *kase; /* lower, mixed (random per letter), title (each word capitalised) */
    double nonascii; /* share of rows with non-ASCII letters */
    double dup; /* share of rows repeating an earlier row's string */
};

struct row {
    int id, num, grp;
    long long when;
    char *name;
};

static uint64_t rng_state;
static uint32_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545F4914F6CDD1Du) >> 32);
}

static double unit(void)
{
    return rnd() / 4294967296.0;
}

/* Letters whose case Unicode folds (both cases), from Latin-1, Latin Extended-A, Greek and
 * Cyrillic, as UTF-8. */
static const char *const wide_lower[] = {"é", "ö", "ñ", "ç", "ł", "α", "ω", "ж", "я", "ß"};
static const char *const wide_upper[] = {"É", "Ö", "Ñ", "Ç", "Ł", "Α", "Ω", "Ж", "Я", "ß"};

static char *make_name(const struct shape *s)
{
    static const char *syll[] = {"ka", "lo", "mi", "ne", "su", "ta", "ro", "vi", "de", "po",
        "ra", "tu", "be", "go", "si", "an"};
    char buf[1024];
    size_t o = strlen(s->prefix);
    bool wide = s->nonascii > 0 && unit() < s->nonascii, word_start = true;

    memcpy(buf, s->prefix, o);
    for (int chars = 0; chars < s->len && o + 8 < sizeof(buf);) {
        if (chars > 0 && s->len > 12 && rnd() % 7 == 0) {
            buf[o++] = ' ';
            chars++;
            word_start = true;
            continue;
        }
        bool upper = strcmp(s->kase, "mixed") == 0 ? rnd() % 2
                     : strcmp(s->kase, "title") == 0 ? word_start
                                                      : false;
        if (wide && rnd() % 4 == 0) {
            const char *w = (upper ? wide_upper : wide_lower)[rnd() % 10];
            memcpy(buf + o, w, strlen(w));
            o += strlen(w);
            chars++;
        } else {
            const char *sy = syll[rnd() % 16];
            for (int k = 0; k < 2 && chars < s->len; k++, chars++) {
                char ch = sy[k];
                buf[o++] = upper && k == 0 ? (char)(ch - 32) : ch;
            }
        }
        word_start = false;
    }
    buf[o] = 0;
    return strdup(buf);
}

static struct row *make_rows(const struct shape *s, int n)
{
    struct row *r = malloc(sizeof(*r) * (size_t)n);
    rng_state = 0x9E3779B97F4A7C15u ^ (uint64_t)n;
    for (int i = 0; i < n; i++) {
        r[i].id = i;
        r[i].num = (int)(rnd() % 1000);
        r[i].grp = (int)(rnd() % 100);
        r[i].when = 130000000000000000LL + (long long)(rnd() % 1000000) * 10000000LL;
        if (i > 0 && s->dup > 0 && unit() < s->dup)
            r[i].name = strdup(r[rnd() % (unsigned)i].name);
        else
            r[i].name = make_name(s);
    }
    return r;
}

static void free_rows(struct row *r, int n)
{
    for (int i = 0; i < n; i++)
        free(r[i].name);
    free(r);
}

static bool ascii_only(const struct row *r, int n)
{
    for (int i = 0; i < n; i++)
        for (const unsigned char *p = (const unsigned char *)r[i].name; *p; p++)
            if (*p >= 0x80)
                return false;
    return true;
}

/* ---- timing ---------------------------------------------------------------------------- */

/* Wall time by default; --clock cpu times the process's CPU (user + system: page faults
 * included), which other processes sharing the cores disturb far less. Both sides run in this
 * one thread either way. */
static clockid_t bench_clock = CLOCK_MONOTONIC;

static double now(void)
{
    struct timespec ts;
    clock_gettime(bench_clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(double), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double loadavg(void)
{
    double l = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &l) != 1)
            l = -1;
        fclose(f);
    }
    return l;
}

/* ---- the table ------------------------------------------------------------------------- */

struct load {
    double seconds, bytes_per_row, peak_per_row;
};

static LPTABLEDATA load_table(const struct row *r, int n, struct load *ld)
{
    SizedSPropTagArray(5, cols) = {5, {T_ID, T_NAME, T_NUM, T_GRP, T_WHEN}};
    LPTABLEDATA td;

    count_from_zero();
    double t0 = now();
    if (CreateTable(NULL, MAPIAllocateBuffer, MAPIAllocateMore, MAPIFreeBuffer, NULL,
            TBLTYPE_DYNAMIC, T_ID, (LPSPropTagArray)&cols, &td) != S_OK)
        abort();
    /* The caller's row set, as a provider builds it... */
    SRowSet *set = malloc(CbNewSRowSet(n));
    SPropValue *p = calloc((size_t)n * 5, sizeof(SPropValue));
    set->cRows = (ULONG)n;
    for (int i = 0; i < n; i++) {
        SPropValue *q = &p[i * 5];
        q[0].ulPropTag = T_ID;
        q[0].Value.l = r[i].id;
        q[1].ulPropTag = T_NAME;
        q[1].Value.lpszA = r[i].name;
        q[2].ulPropTag = T_NUM;
        q[2].Value.l = r[i].num;
        q[3].ulPropTag = T_GRP;
        q[3].Value.l = r[i].grp;
        q[4].ulPropTag = T_WHEN;
        q[4].Value.ft.dwLowDateTime = (ULONG)r[i].when;
        q[4].Value.ft.dwHighDateTime = (ULONG)(r[i].when >> 32);
        set->aRow[i] = (SRow){0, 5, q};
    }
    /* ...and what the table takes on top of it. */
    long long caller = live_bytes;
    peak_bytes = live_bytes;
    if (td->lpVtbl->HrModifyRows(td, 0, set) != S_OK)
        abort();
    long long peak = peak_bytes - caller;
    free(p);
    free(set);
    ld->seconds = now() - t0;
    ld->bytes_per_row = (double)live_bytes / n;
    ld->peak_per_row = (double)peak / n;
    counting = false;
    return td;
}

struct query {
    bool by_name; /* sort by name only, else by group then name descending */
};

static uint64_t mix(uint64_t h, uint64_t x)
{
    return (h ^ x) * 0x100000001B3ull;
}

static double query_table(LPTABLEDATA td, const struct query *q, uint64_t *sum, double *view_bpr,
    int n)
{
    SizedSSortOrderSet(2, by_grp) = {2, 0, 0, {{T_GRP, TABLE_SORT_ASCEND}, {T_NAME, TABLE_SORT_DESCEND}}};
    SizedSSortOrderSet(1, by_name) = {1, 0, 0, {{T_NAME, TABLE_SORT_ASCEND}}};
    SPropValue lim = {T_NUM, 0, {.l = 250}};
    SRestriction res = {RES_PROPERTY, {.resProperty = {RELOP_GE, T_NUM, &lim}}};
    LPMAPITABLE v;
    LPSRowSet rows;
    uint64_t h = 14695981039346656037ull;

    double t0 = now();
    count_from_zero();
    if (td->lpVtbl->HrGetView(td, NULL, NULL, 0, &v) != S_OK)
        abort();
    if (v->lpVtbl->Restrict(v, &res, 0) != S_OK ||
        v->lpVtbl->SortTable(v, q->by_name ? (LPSSortOrderSet)&by_name : (LPSSortOrderSet)&by_grp,
            0) != S_OK)
        abort();
    counting = false;
    *view_bpr = (double)live_bytes / n;
    if (v->lpVtbl->QueryRows(v, 0x7fffffff, 0, &rows) != S_OK)
        abort();
    for (ULONG i = 0; i < rows->cRows; i++) {
        const SPropValue *pv = rows->aRow[i].lpProps;
        h = mix(h, (uint64_t)pv[0].Value.l * 1000003u + (unsigned char)pv[1].Value.lpszA[0]);
        h = mix(h, (uint64_t)pv[2].Value.l + pv[3].Value.l + pv[4].Value.ft.dwLowDateTime);
    }
    FreeProws(rows);
    v->lpVtbl->Release(v);
    double t = now() - t0;
    *sum = h;
    return t;
}

/* ---- SQLite ---------------------------------------------------------------------------- */

/* The table's comparison: ignoring case by Unicode simple folding, then exactly. SQLite hands
 * a collation counted strings; mapirt_str_compare wants terminated ones, hence the copies. */
static int ufold(void *arg, int na, const void *a, int nb, const void *b)
{
    char sa[512], sb[512], *ha = NULL, *hb = NULL;
    char *pa = sa, *pb = sb;
    (void)arg;
    if ((size_t)na >= sizeof(sa))
        pa = ha = malloc((size_t)na + 1);
    if ((size_t)nb >= sizeof(sb))
        pb = hb = malloc((size_t)nb + 1);
    memcpy(pa, a, (size_t)na);
    pa[na] = 0;
    memcpy(pb, b, (size_t)nb);
    pb[nb] = 0;
    int c = mapirt_str_compare(pa, false, pb, false, FL_IGNORECASE);
    if (c == 0)
        c = mapirt_str_compare(pa, false, pb, false, 0);
    free(ha);
    free(hb);
    return c;
}

static sqlite3 *load_sqlite(const struct row *r, int n, struct load *ld)
{
    sqlite3 *db;
    sqlite3_stmt *st;

    count_from_zero();
    double t0 = now();
    if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
        sqlite3_exec(db,
            "PRAGMA temp_store = MEMORY; PRAGMA cache_size = -2000000; "
            "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, num INTEGER, grp INTEGER, "
            "whn INTEGER); BEGIN",
            NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_create_collation(db, "ufold", SQLITE_UTF8, NULL, ufold) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT INTO t VALUES (?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
        abort();
    for (int i = 0; i < n; i++) {
        sqlite3_bind_int(st, 1, r[i].id);
        sqlite3_bind_text(st, 2, r[i].name, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 3, r[i].num);
        sqlite3_bind_int(st, 4, r[i].grp);
        sqlite3_bind_int64(st, 5, r[i].when);
        if (sqlite3_step(st) != SQLITE_DONE)
            abort();
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    ld->seconds = now() - t0;
    ld->bytes_per_row = (double)live_bytes / n;
    ld->peak_per_row = (double)peak_bytes / n;
    counting = false;
    return db;
}

/* A row copied out, as QueryRows hands one to its caller. */
struct out_row {
    int id, num, grp;
    long long when;
    char name[];
};

static double query_sqlite(sqlite3 *db, const struct query *q, bool nocase, bool copy, int n,
    uint64_t *sum)
{
    char sql[256];
    sqlite3_stmt *st;
    uint64_t h = 14695981039346656037ull;
    struct out_row **out = NULL;
    long k = 0;
    const char *coll = nocase ? "COLLATE NOCASE" : "COLLATE ufold";

    if (q->by_name)
        snprintf(sql, sizeof(sql),
            "SELECT id, name, num, grp, whn FROM t WHERE num >= 250 ORDER BY name %s%s, id",
            coll, nocase ? ", name" : "");
    else
        snprintf(sql, sizeof(sql),
            "SELECT id, name, num, grp, whn FROM t WHERE num >= 250 ORDER BY grp, name %s "
            "DESC%s, id",
            coll, nocase ? ", name DESC" : "");
    double t0 = now();
    if (copy)
        out = malloc(sizeof(*out) * (size_t)n);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        abort();
    while (sqlite3_step(st) == SQLITE_ROW) {
        int id = sqlite3_column_int(st, 0), num = sqlite3_column_int(st, 2),
            grp = sqlite3_column_int(st, 3);
        long long when = sqlite3_column_int64(st, 4);
        const unsigned char *name = sqlite3_column_text(st, 1);
        if (copy) {
            int len = sqlite3_column_bytes(st, 1);
            struct out_row *o = malloc(sizeof(*o) + (size_t)len + 1);
            o->id = id, o->num = num, o->grp = grp, o->when = when;
            memcpy(o->name, name, (size_t)len + 1);
            out[k] = o;
            id = o->id, num = o->num, grp = o->grp, when = o->when;
            name = (const unsigned char *)o->name;
        }
        k++;
        h = mix(h, (uint64_t)id * 1000003u + name[0]);
        h = mix(h, (uint64_t)num + grp + (ULONG)when);
    }
    sqlite3_finalize(st);
    if (copy) {
        for (long i = 0; i < k; i++)
            free(out[i]);
        free(out);
    }
    double t = now() - t0;
    *sum = h;
    return t;
}

/* ---- one cell of the matrix ------------------------------------------------------------ */

enum { SIDE_TABLE, SIDE_NOCASE, SIDE_NOCASE_COPY, SIDE_UFOLD, SIDE_UFOLD_COPY, SIDES };
static const char *const side_name[SIDES] = {"table (QueryRows copies)", "sqlite nocase",
    "sqlite nocase + copy", "sqlite ufold", "sqlite ufold + copy"};

static int worst = 0; /* exit status */

static void run_cell(const struct shape *s, int n, const struct query *q, int reps)
{
    struct load lt, ls;
    double times[SIDES][32], med[SIDES], lo[SIDES], hi[SIDES], view_bpr = 0;
    uint64_t sums[SIDES] = {0};
    double la0 = loadavg();

    if (reps > 32)
        reps = 32;
    struct row *r = make_rows(s, n);
    bool ascii = ascii_only(r, n);
    LPTABLEDATA td = load_table(r, n, &lt);
    sqlite3 *db = load_sqlite(r, n, &ls);
    free_rows(r, n);

    for (int i = 0; i < reps; i++) {
        /* interleaved, and the order turned round every other run */
        for (int k = 0; k < SIDES; k++) {
            int side = i % 2 ? SIDES - 1 - k : k;
            uint64_t sum;
            double t;
            if (side == SIDE_TABLE)
                t = query_table(td, q, &sum, &view_bpr, n);
            else
                t = query_sqlite(db, q, side <= SIDE_NOCASE_COPY, side == SIDE_NOCASE_COPY ||
                                         side == SIDE_UFOLD_COPY, n, &sum);
            times[side][i] = t;
            sums[side] = sum;
        }
    }
    for (int k = 0; k < SIDES; k++) {
        double v[32];
        memcpy(v, times[k], sizeof(double) * (size_t)reps);
        med[k] = median(v, reps);
        lo[k] = v[0];
        hi[k] = v[reps - 1];
    }
    printf("\n== %d rows, %s: len %d, prefix \"%s\", case %s, non-ASCII %.0f%%, duplicates "
           "%.0f%%; sort by %s; %d runs; load average %.1f -> %.1f\n",
        n, s->label, s->len, s->prefix, s->kase, s->nonascii * 100, s->dup * 100,
        q->by_name ? "name" : "group, name desc", reps, la0, loadavg());
    printf("  %-26s %10s %19s %8s\n", "", "median ms", "range ms", "table/x");
    for (int k = 0; k < SIDES; k++) {
        const char *note = "";
        bool same = k == SIDE_TABLE || k >= SIDE_UFOLD || ascii;
        if (!same)
            note = "  (ASCII-only fold: another order)";
        else if (sums[k] != sums[SIDE_TABLE]) {
            note = "  RESULTS DIFFER";
            worst = 2;
        }
        if (k == SIDE_TABLE)
            printf("  %-26s %10.1f %8.1f - %8.1f\n", side_name[k], med[k] * 1e3, lo[k] * 1e3,
                hi[k] * 1e3);
        else
            printf("  %-26s %10.1f %8.1f - %8.1f %8.2f%s\n", side_name[k], med[k] * 1e3,
                lo[k] * 1e3, hi[k] * 1e3, med[SIDE_TABLE] / med[k], note);
        if (k != SIDE_TABLE && med[SIDE_TABLE] > med[k] && worst == 0)
            worst = 1;
    }
    printf("  load: table %.1f ms, %.1f B/row held, peak %.1f B/row beyond the caller's rows; "
           "sqlite %.1f ms, %.1f B/row, peak %.1f B/row; ratio of bytes %.2f\n",
        lt.seconds * 1e3, lt.bytes_per_row, lt.peak_per_row, ls.seconds * 1e3,
        ls.bytes_per_row, ls.peak_per_row, lt.bytes_per_row / ls.bytes_per_row);
    printf("  the sorted view: %.1f B/row of the table\n", view_bpr);
    /* one line for bench/README.md's matrix */
    printf("  | %d | %s | %s | %.1f | %.2f | %.2f | %.2f | %.2f | %.0f / %.0f |\n", n, s->label,
        q->by_name ? "name" : "grp, name", med[SIDE_TABLE] * 1e3,
        med[SIDE_TABLE] / med[SIDE_NOCASE], med[SIDE_TABLE] / med[SIDE_NOCASE_COPY],
        med[SIDE_TABLE] / med[SIDE_UFOLD], med[SIDE_TABLE] / med[SIDE_UFOLD_COPY],
        lt.bytes_per_row, ls.bytes_per_row);
    fflush(stdout);
    td->lpVtbl->Release(td);
    sqlite3_close(db);
}

/* ---- the matrix ------------------------------------------------------------------------ */

static const struct shape matrix_shapes[] = {
    {"names", 6, "", "lower", 0, 0}, /* the benchmark's historical data */
    {"subjects", 40, "re: status of project ", "title", 0, 0},
    {"subjects, non-ASCII", 40, "re: status of project ", "mixed", 0.3, 0},
    {"names, mixed case, duplicates", 8, "", "mixed", 0, 0.5},
};

int main(int argc, char **argv)
{
    struct shape one = {"custom", 6, "", "lower", 0, 0};
    struct query q = {false};
    int sizes[8] = {10000, 100000, 1000000}, nsizes = 3, reps = 0;
    bool custom = false, quick = false, only_query = false;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--quick") == 0) {
            quick = true;
        } else if (strcmp(a, "--rows") == 0 && v) {
            nsizes = 0;
            for (char *p = argv[++i]; *p && nsizes < 8;) {
                sizes[nsizes++] = (int)strtol(p, &p, 10);
                if (*p == ',')
                    p++;
            }
        } else if (strcmp(a, "--len") == 0 && v) {
            one.len = atoi(argv[++i]), custom = true;
        } else if (strcmp(a, "--prefix") == 0 && v) {
            one.prefix = argv[++i], custom = true;
        } else if (strcmp(a, "--case") == 0 && v) {
            one.kase = argv[++i], custom = true;
        } else if (strcmp(a, "--nonascii") == 0 && v) {
            one.nonascii = atof(argv[++i]), custom = true;
        } else if (strcmp(a, "--dup") == 0 && v) {
            one.dup = atof(argv[++i]), custom = true;
        } else if (strcmp(a, "--query") == 0 && v) {
            q.by_name = strcmp(argv[++i], "name") == 0, only_query = true;
        } else if (strcmp(a, "--clock") == 0 && v) {
            bench_clock = strcmp(argv[++i], "cpu") == 0 ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC;
        } else if (strcmp(a, "--reps") == 0 && v) {
            reps = atoi(argv[++i]);
        } else {
            fprintf(stderr, "usage: see the opening comment of bench/bench_table.c\n");
            return 2;
        }
    }
    if (quick && nsizes == 3)
        nsizes = 2;
    printf("bench_table: %s; SQLite %s; %s time; table/x below 1 means the table is faster\n",
        custom ? "one shape" : "the standard matrix", sqlite3_libversion(),
        bench_clock == CLOCK_MONOTONIC ? "wall" : "CPU");
    printf("  | rows | data | sort | table ms | /nocase | /nocase+copy | /ufold | /ufold+copy | "
           "B/row table / sqlite |\n");
    for (int si = 0; si < nsizes; si++) {
        int n = sizes[si], r = reps ? reps : n >= 1000000 ? 3 : n >= 100000 ? 5 : 9;
        if (custom) {
            run_cell(&one, n, &q, r);
            continue;
        }
        for (size_t k = 0; k < sizeof(matrix_shapes) / sizeof(matrix_shapes[0]); k++)
            for (int by = 0; by < 2; by++) {
                struct query mq = {by == 1};
                if (only_query && mq.by_name != q.by_name)
                    continue;
                run_cell(&matrix_shapes[k], n, &mq, r);
            }
    }
    return worst;
}
