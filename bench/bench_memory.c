/* bench_memory.c: MAPIAllocateBuffer + 8 x MAPIAllocateMore + MAPIFreeBuffer against the same
 * pattern with malloc/free (goal: within 1.5x). Run with an optimised, unsanitised build:
 *   bench_memory [iterations]
 * Prints both timings and their ratio; exits 1 when the ratio exceeds 1.5. */
#define _POSIX_C_SOURCE 200809L
#include <mapix.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Keeps the compiler from dropping allocations whose contents are never read. */
static void *volatile sink;

static double run_mapi(long iters)
{
    double t0 = now();
    for (long i = 0; i < iters; i++) {
        void *root, *child;
        if (MAPIAllocateBuffer(64, &root) != S_OK)
            abort();
        sink = root;
        for (int k = 0; k < 8; k++) {
            if (MAPIAllocateMore(32, root, &child) != S_OK)
                abort();
            sink = child;
        }
        MAPIFreeBuffer(root);
    }
    return now() - t0;
}

static double run_malloc(long iters)
{
    double t0 = now();
    for (long i = 0; i < iters; i++) {
        void *root = malloc(64), *child[8];
        if (root == NULL)
            abort();
        sink = root;
        for (int k = 0; k < 8; k++) {
            child[k] = malloc(32);
            if (child[k] == NULL)
                abort();
            sink = child[k];
        }
        for (int k = 0; k < 8; k++)
            free(child[k]);
        free(root);
    }
    return now() - t0;
}

int main(int argc, char **argv)
{
    long iters = argc > 1 ? atol(argv[1]) : 2000000;
    run_mapi(iters / 10); /* warm up the heap */
    run_malloc(iters / 10);
    double best_mapi = 1e9, best_malloc = 1e9;
    for (int r = 0; r < 5; r++) {
        double a = run_mapi(iters), b = run_malloc(iters);
        if (a < best_mapi)
            best_mapi = a;
        if (b < best_malloc)
            best_malloc = b;
    }
    double ratio = best_mapi / best_malloc;
    printf("MAPI  %.1f ns/pattern\nmalloc %.1f ns/pattern\nratio %.2f (goal <= 1.50)\n",
           best_mapi * 1e9 / iters, best_malloc * 1e9 / iters, ratio);
    return ratio <= 1.5 ? 0 : 1;
}
