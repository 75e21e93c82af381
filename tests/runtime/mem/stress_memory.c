/* stress_memory.c: concurrent MAPIAllocateMore on one parent, for ThreadSanitizer. Criterion does
 * not run under TSan (its arena setup fails), so this is a plain program:
 *   gcc -fsanitize=thread ... tests/runtime/mem/stress_memory.c runtime/mem/memory.c && ./a.out
 * Exit status 0 and no TSan report means the children lists are race-free.
 * configure: ThreadSanitizer stress program. */
#define _POSIX_C_SOURCE 200809L
#include <mapix.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define THREADS 6
#define ROUNDS 50
#define PER_ROUND 200

static void *parent;
static pthread_barrier_t barrier;
static int failures;

static void *worker(void *arg)
{
    unsigned char id = (unsigned char)(uintptr_t)arg;
    for (int r = 0; r < ROUNDS; r++) {
        pthread_barrier_wait(&barrier); /* parent is fresh */
        void *mine[PER_ROUND];
        for (int i = 0; i < PER_ROUND; i++) {
            if (MAPIAllocateMore(16, parent, &mine[i]) != S_OK) {
                __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
                mine[i] = NULL;
                continue;
            }
            memset(mine[i], id, 16);
        }
        for (int i = 0; i < PER_ROUND; i++)
            if (mine[i] != NULL && ((unsigned char *)mine[i])[15] != id)
                __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
        pthread_barrier_wait(&barrier); /* main frees parent */
    }
    return NULL;
}

int main(void)
{
    pthread_t th[THREADS];
    pthread_barrier_init(&barrier, NULL, THREADS + 1);
    for (int i = 0; i < THREADS; i++)
        pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)(i + 1));
    for (int r = 0; r < ROUNDS; r++) {
        if (MAPIAllocateBuffer(8, &parent) != S_OK)
            return 2;
        pthread_barrier_wait(&barrier);
        void *own;
        for (int i = 0; i < PER_ROUND; i++) /* the owner thread pushes at the same time */
            if (MAPIAllocateMore(8, parent, &own) != S_OK)
                failures++;
        pthread_barrier_wait(&barrier);
        MAPIFreeBuffer(parent);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    printf("tsan_memory: %d threads x %d rounds x %d children, %d failures\n", THREADS + 1, ROUNDS,
           PER_ROUND, failures);
    return failures == 0 ? 0 : 1;
}
