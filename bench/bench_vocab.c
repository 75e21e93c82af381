/* bench_vocab.c: the vocabulary lookups of <mapirt/vocab.h> over every entry of the generated
 * tables, in a shuffled order: tag -> name (mapirt_tag_name, a binary search), name -> tag
 * (mapirt_tag_from_name, a perfect hash) and status code -> name (mapirt_scode_name), each
 * against a linear scan of the same table written here (what a table without an index costs).
 * Goal: >= 20 M lookups/s per core for tag -> name and name -> tag. Run with an optimised,
 * unsanitised build:
 *   bench_vocab [lookups]      (per direction and run; default 20000000)
 * One thread, so every rate is per core. Prints both rates and their ratio (median and range of
 * 5 runs); exits 1 when a goal is missed. Independent lookups let the CPU overlap consecutive
 * ones (throughput); a second, dependent mode makes each lookup's key wait for the previous
 * lookup's result (the next key's index depends on it through a zero the compiler cannot see),
 * which is the latency of one isolated lookup, as a caller that branches on each result sees. */
#define _POSIX_C_SOURCE 200809L
#include <mapidefs.h>
#include <mapirt/vocab.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GOAL 20e6 /* lookups per second */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Keeps the compiler from dropping lookups whose results are never read. */
static volatile uintptr_t sink;

/* Deterministic shuffle (xorshift64*), so every run looks the entries up in the same order. */
static uint64_t rng = 0x9E3779B97F4A7C15u;
static unsigned below(unsigned n)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (unsigned)((rng * 0x2545F4914F6CDD1Du) >> 33) % n;
}

static void shuffle(void *base, unsigned n, size_t size)
{
    char tmp[sizeof(void *) > sizeof(ULONG) ? sizeof(void *) : sizeof(ULONG)];
    char *a = base;
    for (unsigned i = n; i > 1; i--) {
        unsigned j = below(i);
        memcpy(tmp, a + (i - 1) * size, size);
        memcpy(a + (i - 1) * size, a + j * size, size);
        memcpy(a + j * size, tmp, size);
    }
}

/* ---- the baselines: linear scans of the same generated tables ---- */

static const char *linear_tag_name(ULONG tag)
{
    for (unsigned i = 0; i < mapirt_tag_row_count; i++)
        if (mapirt_tag_rows[i].tag == tag)
            return mapirt_tag_rows[i].name; /* the first row of a tag is its canonical name */
    return NULL;
}

static ULONG linear_tag_from_name(const char *name)
{
    for (unsigned i = 0; mapirt_name_rows[i].name != NULL; i++)
        if (strcmp(mapirt_name_rows[i].name, name) == 0)
            return mapirt_name_rows[i].tag;
    return PR_NULL;
}

static const char *linear_scode_name(HRESULT hr)
{
    for (unsigned i = 0; i < mapirt_scode_row_count; i++)
        if (mapirt_scode_rows[i].value == (ULONG)hr)
            return mapirt_scode_rows[i].name;
    return NULL;
}

/* ---- timed loops: `passes` times over the shuffled keys; returns seconds ---- */

static double run_tag_name(const ULONG *keys, unsigned n, long passes, int linear)
{
    uintptr_t acc = 0;
    double t0 = now();
    for (long p = 0; p < passes; p++)
        for (unsigned i = 0; i < n; i++)
            acc += (uintptr_t)(linear ? linear_tag_name(keys[i]) : mapirt_tag_name(keys[i]));
    double t = now() - t0;
    sink = acc;
    return t;
}

static double run_name_tag(char *const *keys, unsigned n, long passes, int linear)
{
    uintptr_t acc = 0;
    double t0 = now();
    for (long p = 0; p < passes; p++)
        for (unsigned i = 0; i < n; i++)
            acc += linear ? linear_tag_from_name(keys[i]) : mapirt_tag_from_name(keys[i]);
    double t = now() - t0;
    sink = acc;
    return t;
}

static double run_scode_name(const HRESULT *keys, unsigned n, long passes, int linear)
{
    uintptr_t acc = 0;
    double t0 = now();
    for (long p = 0; p < passes; p++)
        for (unsigned i = 0; i < n; i++)
            acc += (uintptr_t)(linear ? linear_scode_name(keys[i]) : mapirt_scode_name(keys[i]));
    double t = now() - t0;
    sink = acc;
    return t;
}

/* Dependent lookups: the index of the next key takes the previous result AND zero, a zero read
 * from a volatile so that the compiler keeps the dependency and the CPU must wait for it. */
static volatile uintptr_t volatile_zero;

static double chase_tag_name(const ULONG *keys, unsigned n, long passes)
{
    uintptr_t z = volatile_zero, dep = 0, acc = 0;
    double t0 = now();
    for (long p = 0; p < passes; p++)
        for (unsigned i = 0; i < n; i++) {
            const char *r = mapirt_tag_name(keys[i + dep]);
            dep = (uintptr_t)r & z;
            acc += (uintptr_t)r;
        }
    double t = now() - t0;
    sink = acc;
    return t;
}

static double chase_name_tag(char *const *keys, unsigned n, long passes)
{
    uintptr_t z = volatile_zero, dep = 0, acc = 0;
    double t0 = now();
    for (long p = 0; p < passes; p++)
        for (unsigned i = 0; i < n; i++) {
            ULONG r = mapirt_tag_from_name(keys[i + dep]);
            dep = r & z;
            acc += r;
        }
    double t = now() - t0;
    sink = acc;
    return t;
}

static double chase_scode_name(const HRESULT *keys, unsigned n, long passes)
{
    uintptr_t z = volatile_zero, dep = 0, acc = 0;
    double t0 = now();
    for (long p = 0; p < passes; p++)
        for (unsigned i = 0; i < n; i++) {
            const char *r = mapirt_scode_name(keys[i + dep]);
            dep = (uintptr_t)r & z;
            acc += (uintptr_t)r;
        }
    double t = now() - t0;
    sink = acc;
    return t;
}

enum { TAG_NAME, NAME_TAG, SCODE_NAME, KINDS };

struct keys {
    ULONG *tags;
    char **names;
    HRESULT *scodes;
    unsigned n[KINDS];
};

static double run(const struct keys *k, int kind, long passes, int linear)
{
    switch (kind) {
    case TAG_NAME:
        return run_tag_name(k->tags, k->n[kind], passes, linear);
    case NAME_TAG:
        return run_name_tag(k->names, k->n[kind], passes, linear);
    default:
        return run_scode_name(k->scodes, k->n[kind], passes, linear);
    }
}

static double chase(const struct keys *k, int kind, long passes)
{
    switch (kind) {
    case TAG_NAME:
        return chase_tag_name(k->tags, k->n[kind], passes);
    case NAME_TAG:
        return chase_name_tag(k->names, k->n[kind], passes);
    default:
        return chase_scode_name(k->scodes, k->n[kind], passes);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

#define RUNS 5

/* Every key of every table, shuffled. Names are copied so that the lookups compare the caller's
 * strings with the table's, as a real caller's would. Each lookup is checked once against the
 * linear scan before anything is timed. */
static void make_keys(struct keys *k)
{
    unsigned names = 0;
    while (mapirt_name_rows[names].name != NULL)
        names++;
    k->n[TAG_NAME] = mapirt_tag_row_count;
    k->n[NAME_TAG] = names;
    k->n[SCODE_NAME] = mapirt_scode_row_count;
    k->tags = malloc(sizeof *k->tags * k->n[TAG_NAME]);
    k->names = malloc(sizeof *k->names * names);
    k->scodes = malloc(sizeof *k->scodes * k->n[SCODE_NAME]);
    if (k->tags == NULL || k->names == NULL || k->scodes == NULL)
        abort();
    for (unsigned i = 0; i < k->n[TAG_NAME]; i++)
        k->tags[i] = mapirt_tag_rows[i].tag;
    for (unsigned i = 0; i < names; i++)
        if ((k->names[i] = strdup(mapirt_name_rows[i].name)) == NULL)
            abort();
    for (unsigned i = 0; i < k->n[SCODE_NAME]; i++)
        k->scodes[i] = (HRESULT)mapirt_scode_rows[i].value;
    shuffle(k->tags, k->n[TAG_NAME], sizeof *k->tags);
    shuffle(k->names, names, sizeof *k->names);
    shuffle(k->scodes, k->n[SCODE_NAME], sizeof *k->scodes);

    for (unsigned i = 0; i < k->n[TAG_NAME]; i++)
        if (mapirt_tag_name(k->tags[i]) == NULL ||
            strcmp(mapirt_tag_name(k->tags[i]), linear_tag_name(k->tags[i])) != 0) {
            fprintf(stderr, "tag 0x%08X: lookups disagree\n", (unsigned)k->tags[i]);
            exit(2);
        }
    for (unsigned i = 0; i < names; i++)
        if (mapirt_tag_from_name(k->names[i]) != linear_tag_from_name(k->names[i])) {
            fprintf(stderr, "%s: lookups disagree\n", k->names[i]);
            exit(2);
        }
    for (unsigned i = 0; i < k->n[SCODE_NAME]; i++)
        if (mapirt_scode_name(k->scodes[i]) == NULL ||
            strcmp(mapirt_scode_name(k->scodes[i]), linear_scode_name(k->scodes[i])) != 0) {
            fprintf(stderr, "scode 0x%08X: lookups disagree\n", (unsigned)k->scodes[i]);
            exit(2);
        }
}

int main(int argc, char **argv)
{
    static const char *const label[KINDS] = {"tag -> name", "name -> tag", "scode -> name"};
    /* A linear scan costs about half a table per lookup, so it is run on a fraction of the
     * lookups: the rates, not the totals, are compared. */
    static const long linear_share[KINDS] = {100, 1000, 50};
    long lookups = argc > 1 ? atol(argv[1]) : 20000000;
    struct keys k;
    make_keys(&k);

    double rate[KINDS][RUNS], linear_rate[KINDS][RUNS], lat[KINDS][RUNS];
    long passes[KINDS], linear_passes[KINDS];
    for (int kind = 0; kind < KINDS; kind++) {
        passes[kind] = lookups / k.n[kind] > 0 ? lookups / k.n[kind] : 1;
        linear_passes[kind] = passes[kind] / linear_share[kind] > 0 ? passes[kind] / linear_share[kind] : 1;
        run(&k, kind, passes[kind] / 10 + 1, 0); /* warm up caches and branch predictors */
        run(&k, kind, linear_passes[kind] / 10 + 1, 1);
        chase(&k, kind, passes[kind] / 10 + 1);
    }
    for (int r = 0; r < RUNS; r++)
        for (int kind = 0; kind < KINDS; kind++) {
            double looked = (double)passes[kind] * k.n[kind];
            rate[kind][r] = looked / run(&k, kind, passes[kind], 0);
            linear_rate[kind][r] =
                (double)linear_passes[kind] * k.n[kind] / run(&k, kind, linear_passes[kind], 1);
            lat[kind][r] = chase(&k, kind, passes[kind]) * 1e9 / looked;
        }
    for (int kind = 0; kind < KINDS; kind++) {
        qsort(rate[kind], RUNS, sizeof(double), cmp_double);
        qsort(linear_rate[kind], RUNS, sizeof(double), cmp_double);
        qsort(lat[kind], RUNS, sizeof(double), cmp_double);
    }

    int ok = 1;
    printf("%-14s %7s %22s %12s %8s %26s\n", "lookup", "entries", "mapirt M/s (range)",
        "linear M/s", "ratio", "dependent ns/lookup (range)");
    for (int kind = 0; kind < KINDS; kind++) {
        double m = rate[kind][RUNS / 2], lm = linear_rate[kind][RUNS / 2];
        printf("%-14s %7u %8.1f (%5.1f-%5.1f) %12.2f %7.0fx %12.1f (%4.1f-%4.1f)", label[kind],
            k.n[kind], m / 1e6, rate[kind][0] / 1e6, rate[kind][RUNS - 1] / 1e6, lm / 1e6, m / lm,
            lat[kind][RUNS / 2], lat[kind][0], lat[kind][RUNS - 1]);
        if (kind == SCODE_NAME) {
            printf("   (no goal)\n");
            continue;
        }
        printf("   goal >= %.0f M/s: %s\n", GOAL / 1e6, m >= GOAL ? "met" : "NOT met");
        ok &= m >= GOAL;
    }
    printf("(one thread: rates are per core; %ld lookups per direction and run, median of %d)\n",
           lookups, RUNS);
    return ok ? 0 : 1;
}
