/* bench_getoneprop.c: HrGetOneProp on a property object (CreateIProp, then one SetProps of
 * alternately PT_LONG and PT_UNICODE values) against a direct scan of an SPropValue array holding
 * the same values (a PpropFindProp-style loop written here), for random tags that are all
 * present, at 10, 30 and 200 properties. HrGetOneProp's result is allocated with
 * MAPIAllocateBuffer and freed by the caller with MAPIFreeBuffer; both are in the timed loop,
 * being part of what the API costs its caller. A batch row asks GetProps for 8 tags at once (one
 * call, one buffer, one free) against 8 scans of the array, per property. No goal: the ratios are
 * reported. Run with an optimised, unsanitised build:
 *   bench_getoneprop [lookups]      (per variant and run; default 2000000)
 * Prints the median ns per property and the range over 7 interleaved runs, and the ratio of
 * medians; the runtime's own PpropFindProp is shown for information. */
#define _POSIX_C_SOURCE 200809L
#include <mapix.h>
#include <mapiutil.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NPROPS 200 /* the most properties a run uses */
#define BATCH 8 /* tags per GetProps call */
#define RUNS 7
#define NKEYS 4096 /* random lookup sequence, replayed; a power of two */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Keeps the compiler from dropping lookups whose results are never read. */
static volatile uintptr_t sink;

static uint64_t rng = 0x9E3779B97F4A7C15u; /* xorshift64*: the same sequence on every run */
static unsigned below(unsigned n)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (unsigned)((rng * 0x2545F4914F6CDD1Du) >> 33) % n;
}

static unsigned nprops; /* properties of this run */
static SPropValue props[NPROPS];
static WCHAR text[NPROPS][24];
static ULONG keys[NKEYS];

/* Reads the value the way a caller would, so that a copy is really made and used. */
static uintptr_t use(const SPropValue *v)
{
    return PROP_TYPE(v->ulPropTag) == PT_LONG ? (uintptr_t)v->Value.l : (uintptr_t)v->Value.lpszW[6];
}

static int same_text(const WCHAR *a, const WCHAR *b)
{
    while (*a != 0 && *a == *b)
        a++, b++;
    return *a == *b;
}

/* The baseline: what a caller holding the values in an array does. */
static const SPropValue *scan(const SPropValue *a, ULONG c, ULONG tag)
{
    for (ULONG i = 0; i < c; i++)
        if (a[i].ulPropTag == tag)
            return &a[i];
    return NULL;
}

static double run_hrgetoneprop(LPMAPIPROP obj, long n)
{
    uintptr_t acc = 0;
    double t0 = now();
    for (long i = 0; i < n; i++) {
        LPSPropValue v = NULL;
        if (HrGetOneProp(obj, keys[i & (NKEYS - 1)], &v) != S_OK)
            abort();
        acc += use(v);
        MAPIFreeBuffer(v);
    }
    double t = now() - t0;
    sink = acc;
    return t;
}

static const SPropValue *runtime_find(const SPropValue *a, ULONG c, ULONG tag)
{
    return PpropFindProp((LPSPropValue)a, c, tag);
}

/* A lookup over the caller's own array: the baseline scan, or the runtime's PpropFindProp. */
static double run_array_lookup(long n, const SPropValue *(*find)(const SPropValue *, ULONG, ULONG))
{
    uintptr_t acc = 0;
    double t0 = now();
    for (long i = 0; i < n; i++) {
        const SPropValue *v = find(props, nprops, keys[i & (NKEYS - 1)]);
        if (v == NULL)
            abort();
        acc += use(v);
    }
    double t = now() - t0;
    sink = acc;
    return t;
}

/* nprops properties with ids in a shuffled order (the array is in the caller's order, not
 * sorted), alternately PT_LONG and PT_UNICODE, set on a new CreateIProp object. */
static LPMAPIPROP make_object(void)
{
    ULONG ids[NPROPS];
    for (unsigned i = 0; i < nprops; i++)
        ids[i] = 0x6000 + 3 * i;
    for (unsigned i = nprops; i > 1; i--) {
        unsigned j = below(i);
        ULONG t = ids[i - 1];
        ids[i - 1] = ids[j];
        ids[j] = t;
    }
    for (unsigned i = 0; i < nprops; i++) {
        memset(&props[i], 0, sizeof props[i]);
        if (i % 2 == 0) {
            props[i].ulPropTag = PROP_TAG(PT_LONG, ids[i]);
            props[i].Value.l = (LONG)(i * 7);
        } else {
            char s[24];
            snprintf(s, sizeof s, "value %u", i);
            for (unsigned k = 0; k < sizeof s && (text[i][k] = (WCHAR)s[k]) != 0; k++)
                ;
            props[i].ulPropTag = PROP_TAG(PT_UNICODE, ids[i]);
            props[i].Value.lpszW = text[i];
        }
    }

    LPPROPDATA pd = NULL;
    LPSPropProblemArray problems = NULL;
    if (CreateIProp(&IID_IMAPIPropData, MAPIAllocateBuffer, MAPIAllocateMore, MAPIFreeBuffer,
                    NULL, &pd) != S_OK ||
        IPropData_SetProps(pd, nprops, props, &problems) != S_OK ||
        (problems != NULL && problems->cProblem != 0)) {
        fprintf(stderr, "cannot build the property object\n");
        exit(2);
    }
    MAPIFreeBuffer(problems);
    return (LPMAPIPROP)pd;
}

/* GetProps of BATCH tags at a time (keys taken in order), reading every value, freeing the
 * result: per property. */
static double run_getprops(LPMAPIPROP obj, long n)
{
    uintptr_t acc = 0;
    SizedSPropTagArray(BATCH, tags);
    tags.cValues = BATCH;
    double t0 = now();
    for (long i = 0; i < n; i += BATCH) {
        ULONG c = 0;
        LPSPropValue v = NULL;
        memcpy(tags.aulPropTag, &keys[i & (NKEYS - 1)], sizeof(ULONG) * BATCH);
        if (FAILED(obj->lpVtbl->GetProps(obj, (LPSPropTagArray)&tags, 0, &c, &v)) || c != BATCH)
            abort();
        for (ULONG k = 0; k < c; k++)
            acc += use(&v[k]);
        MAPIFreeBuffer(v);
    }
    double t = now() - t0;
    sink = acc;
    return t;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Sorts v; returns the median. */
static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(double), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

enum { V_GET, V_SCAN, V_FIND, V_BATCH, VARIANTS };

static int run_size(unsigned np, long n)
{
    nprops = np;
    LPMAPIPROP obj = make_object();
    for (unsigned i = 0; i < NKEYS; i++)
        keys[i] = props[below(nprops)].ulPropTag;
    /* Both sides must return the same values before either is timed. */
    for (unsigned i = 0; i < NKEYS; i++) {
        LPSPropValue v = NULL;
        const SPropValue *w = scan(props, nprops, keys[i]);
        if (HrGetOneProp(obj, keys[i], &v) != S_OK || w == NULL || v->ulPropTag != w->ulPropTag ||
            (PROP_TYPE(w->ulPropTag) == PT_LONG
                 ? v->Value.l != w->Value.l
                 : !same_text(v->Value.lpszW, w->Value.lpszW))) {
            fprintf(stderr, "HrGetOneProp(0x%08X) disagrees with the array\n", (unsigned)keys[i]);
            return 2;
        }
        MAPIFreeBuffer(v);
    }

    run_hrgetoneprop(obj, n / 10 + 1); /* warm up the heap and the caches */
    run_array_lookup(n / 10 + 1, scan);
    run_array_lookup(n / 10 + 1, runtime_find);
    run_getprops(obj, n / 10 + BATCH);
    double t[VARIANTS][RUNS], med[VARIANTS];
    for (int r = 0; r < RUNS; r++) {
        /* interleaved, the order turned round every other run */
        for (int k = 0; k < VARIANTS; k++) {
            int v = r % 2 ? VARIANTS - 1 - k : k;
            double x = v == V_GET    ? run_hrgetoneprop(obj, n)
                       : v == V_SCAN ? run_array_lookup(n, scan)
                       : v == V_FIND ? run_array_lookup(n, runtime_find)
                                     : run_getprops(obj, n);
            t[v][r] = x * 1e9 / n;
        }
    }
    obj->lpVtbl->Release(obj);
    for (int k = 0; k < VARIANTS; k++)
        med[k] = median(t[k], RUNS);

    static const char *const name[VARIANTS] = {"HrGetOneProp + MAPIFreeBuffer",
        "array scan (baseline)", "PpropFindProp (runtime, info)", "GetProps of 8, per property"};
    printf("== %u properties, random present tags; median (range) of %d runs, ns/property\n", np,
        RUNS);
    for (int k = 0; k < VARIANTS; k++)
        printf("  %-30s %6.1f (%5.1f - %5.1f)\n", name[k], med[k], t[k][0], t[k][RUNS - 1]);
    printf("  ratio HrGetOneProp / scan %.2f; GetProps of 8 / scan %.2f\n", med[V_GET] / med[V_SCAN],
        med[V_BATCH] / med[V_SCAN]);
    printf("  | %u | %.1f | %.1f | %.2f | %.1f | %.2f |\n", np, med[V_GET], med[V_SCAN],
        med[V_GET] / med[V_SCAN], med[V_BATCH], med[V_BATCH] / med[V_SCAN]);
    return 0;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 2000000;
    static const unsigned sizes[] = {10, 30, 200};
    n = (n + BATCH - 1) / BATCH * BATCH;
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
        if (run_size(sizes[i], n))
            return 2;
    return 0;
}
