/* bench_getoneprop.c: HrGetOneProp on a property object holding 200 properties (CreateIProp,
 * then SetProps of 100 PT_LONG and 100 PT_UNICODE values) against a direct scan of an
 * SPropValue array holding the same 200 values (a PpropFindProp-style loop written here), for
 * random tags that are all present. HrGetOneProp's result is allocated with MAPIAllocateBuffer
 * and freed by the caller with MAPIFreeBuffer; both are in the timed loop, being part of what
 * the API costs its caller. No goal: the ratio is reported. Run with an optimised, unsanitised
 * build:
 *   bench_getoneprop [lookups]      (per variant and run; default 2000000)
 * Prints ns per lookup and the ratio; the runtime's own PpropFindProp is shown for information. */
#define _POSIX_C_SOURCE 200809L
#include <mapix.h>
#include <mapiutil.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NPROPS 200
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
        const SPropValue *v = find(props, NPROPS, keys[i & (NKEYS - 1)]);
        if (v == NULL)
            abort();
        acc += use(v);
    }
    double t = now() - t0;
    sink = acc;
    return t;
}

/* 200 properties with ids in a shuffled order (the array is in the caller's order, not sorted),
 * alternately PT_LONG and PT_UNICODE, set on a new CreateIProp object. */
static LPMAPIPROP make_object(void)
{
    ULONG ids[NPROPS];
    for (unsigned i = 0; i < NPROPS; i++)
        ids[i] = 0x6000 + 3 * i;
    for (unsigned i = NPROPS; i > 1; i--) {
        unsigned j = below(i);
        ULONG t = ids[i - 1];
        ids[i - 1] = ids[j];
        ids[j] = t;
    }
    for (unsigned i = 0; i < NPROPS; i++) {
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
        IPropData_SetProps(pd, NPROPS, props, &problems) != S_OK ||
        (problems != NULL && problems->cProblem != 0)) {
        fprintf(stderr, "cannot build the property object\n");
        exit(2);
    }
    MAPIFreeBuffer(problems);
    return (LPMAPIPROP)pd;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 2000000;
    LPMAPIPROP obj = make_object();
    for (unsigned i = 0; i < NKEYS; i++)
        keys[i] = props[below(NPROPS)].ulPropTag;
    /* Both sides must return the same values before either is timed. */
    for (unsigned i = 0; i < NKEYS; i++) {
        LPSPropValue v = NULL;
        const SPropValue *w = scan(props, NPROPS, keys[i]);
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
    double best_get = 1e9, best_scan = 1e9, best_find = 1e9;
    for (int r = 0; r < 5; r++) {
        double a = run_hrgetoneprop(obj, n), b = run_array_lookup(n, scan),
               c = run_array_lookup(n, runtime_find);
        if (a < best_get)
            best_get = a;
        if (b < best_scan)
            best_scan = b;
        if (c < best_find)
            best_find = c;
    }
    obj->lpVtbl->Release(obj);

    printf("HrGetOneProp + MAPIFreeBuffer  %6.1f ns/lookup\n", best_get * 1e9 / n);
    printf("array scan (baseline)          %6.1f ns/lookup\n", best_scan * 1e9 / n);
    printf("PpropFindProp (runtime, info)  %6.1f ns/lookup\n", best_find * 1e9 / n);
    printf("ratio HrGetOneProp / scan %.2f (no goal; %d properties, random present tags, best of 5)\n",
           best_get / best_scan, NPROPS);
    return 0;
}
