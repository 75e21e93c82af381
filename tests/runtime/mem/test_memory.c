/* test_memory.c: MAPIAllocateBuffer/More/FreeBuffer, the private heap, the failing-allocation
 * hook and the default IMalloc. Leaks are caught by LeakSanitizer (build with
 * -fsanitize=address). */
#include <mapix.h>
#include <mapiutil.h>
#include <mapicode.h>

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <mapirt/alloc.h>
#include <mapirt/testhooks.h>

#include "oom.h"

static bool aligned16(const void *p)
{
    return ((uintptr_t)p & 15) == 0;
}

Test(memory, allocate_buffer_returns_aligned_writable_block)
{
    for (ULONG cb = 0; cb < 100; cb += 7) {
        void *p = (void *)1;
        cr_assert_eq(MAPIAllocateBuffer(cb, &p), S_OK);
        cr_assert_not_null(p);
        cr_assert(aligned16(p), "block %p not 16-byte aligned", p);
        memset(p, 0xAB, cb);
        cr_assert_eq(MAPIFreeBuffer(p), 0);
    }
    MAPIRT_LEAK_CHECK();
}

Test(memory, null_out_pointer_is_invalid)
{
    void *parent;
    cr_assert_eq(MAPIAllocateBuffer(10, NULL), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(MAPIAllocateBuffer(10, &parent), S_OK);
    cr_assert_eq(MAPIAllocateMore(10, parent, NULL), MAPI_E_INVALID_PARAMETER);
    MAPIFreeBuffer(parent);
    MAPIRT_LEAK_CHECK();
}

/* Makes n children of parent, checks their contents, and forgets them: after this only the
 * parent's lists know them, which is what lets LeakSanitizer see a child the free missed. */
__attribute__((noinline)) static void make_children(void *parent, int n)
{
    void *child[200];
    for (int i = 0; i < n; i++) {
        cr_assert_eq(MAPIAllocateMore((ULONG)i * 3, parent, &child[i]), S_OK);
        cr_assert(aligned16(child[i]));
        memset(child[i], i, (size_t)i * 3);
    }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < i * 3; j++)
            cr_assert_eq(((unsigned char *)child[i])[j], (unsigned char)i);
    memset(child, 0, sizeof(child));
    __asm__ volatile("" : : "r"(child) : "memory");
}

/* Overwrites the stack below the caller, where dead pointers could keep leaks "reachable". */
__attribute__((noinline)) static void scrub_stack(void)
{
    volatile char junk[16384];
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = 0;
}

Test(memory, children_are_freed_with_parent)
{
    void *parent;
    cr_assert_eq(MAPIAllocateBuffer(64, &parent), S_OK);
    make_children(parent, 200);
    cr_assert_eq(MAPIFreeBuffer(parent), 0);
    scrub_stack();
    MAPIRT_LEAK_CHECK(); /* every child must have gone with the parent */
}

Test(memory, child_of_child_is_freed_with_root)
{
    void *root, *c1, *c2, *c3;
    cr_assert_eq(MAPIAllocateBuffer(8, &root), S_OK);
    cr_assert_eq(MAPIAllocateMore(16, root, &c1), S_OK);
    cr_assert_eq(MAPIAllocateMore(16, c1, &c2), S_OK);
    cr_assert_eq(MAPIAllocateMore(16, c2, &c3), S_OK);
    strcpy(c3, "still alive");
    cr_assert_str_eq(c3, "still alive");
    MAPIFreeBuffer(root);
    MAPIRT_LEAK_CHECK();
}

Test(memory, foreign_parent_is_rejected)
{
    static _Alignas(16) unsigned char area[256];
    void *child = (void *)1;
    cr_assert_eq(MAPIAllocateMore(8, NULL, &child), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(MAPIAllocateMore(8, area + 64, &child), MAPI_E_INVALID_PARAMETER);
    memset(area, 0xFF, sizeof(area));
    cr_assert_eq(MAPIAllocateMore(8, area + 128, &child), MAPI_E_INVALID_PARAMETER);

    void *heap = malloc(64);
    cr_assert_eq(MAPIAllocateMore(8, heap, &child), MAPI_E_INVALID_PARAMETER);
    free(heap);

    void *root;
    cr_assert_eq(MAPIAllocateBuffer(32, &root), S_OK);
    cr_assert_eq(MAPIAllocateMore(8, (char *)root + 1, &child), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(MAPIAllocateMore(8, (char *)root + 16, &child), MAPI_E_INVALID_PARAMETER);
    /* a copy of a block's header does not make another address a block */
    void *copy = malloc(128);
    memcpy(copy, (char *)root - 32, 64);
    cr_assert_eq(MAPIAllocateMore(8, (char *)copy + 32, &child), MAPI_E_INVALID_PARAMETER);
    free(copy);
    cr_assert_eq(child, (void *)1, "out pointer written on failure");
    MAPIFreeBuffer(root);
    MAPIRT_LEAK_CHECK();
}

Test(memory, free_buffer_edge_cases)
{
    static _Alignas(16) unsigned char area[128];
    cr_assert_eq(MAPIFreeBuffer(NULL), 0);
    cr_assert_eq(MAPIFreeBuffer(area + 32), 0);
    cr_assert_eq(MAPIFreeBuffer(area + 33), 0);

    void *root, *child;
    cr_assert_eq(MAPIAllocateBuffer(32, &root), S_OK);
    cr_assert_eq(MAPIAllocateMore(32, root, &child), S_OK);
    /* a child goes with its parent: freeing it alone leaves it usable */
    cr_assert_eq(MAPIFreeBuffer(child), 0);
    memset(child, 1, 32);
    cr_assert_eq(MAPIFreeBuffer(root), 0);
    MAPIRT_LEAK_CHECK();
}

Test(memory, fail_hook_fails_exactly_the_nth_allocation)
{
    void *a = NULL, *b = NULL, *c = (void *)1;
    mapirt_test_fail_alloc(3);
    cr_assert_eq(mapirt_test_fail_alloc_pending(), 3);
    cr_assert_eq(MAPIAllocateBuffer(8, &a), S_OK);
    cr_assert_eq(MAPIAllocateMore(8, a, &b), S_OK);
    cr_assert_eq(mapirt_test_fail_alloc_pending(), 1);
    cr_assert_eq(MAPIAllocateMore(8, a, &c), MAPI_E_NOT_ENOUGH_MEMORY);
    cr_assert_null(c);
    cr_assert_eq(mapirt_test_fail_alloc_pending(), 0);
    /* one-shot: the next allocation succeeds again */
    cr_assert_eq(MAPIAllocateMore(8, a, &c), S_OK);
    MAPIFreeBuffer(a);

    mapirt_test_fail_alloc(1);
    cr_assert_eq(MAPIAllocateBuffer(8, &a), MAPI_E_NOT_ENOUGH_MEMORY);
    cr_assert_null(a);

    mapirt_test_fail_alloc(2);
    void *m = mapirt_malloc(4);
    cr_assert_not_null(m);
    cr_assert_null(mapirt_calloc(1, 4));
    mapirt_free(m);

    mapirt_test_fail_alloc(5);
    mapirt_test_fail_alloc(0);
    cr_assert_eq(mapirt_test_fail_alloc_pending(), 0);
    cr_assert_eq(MAPIAllocateBuffer(8, &a), S_OK);
    MAPIFreeBuffer(a);
    MAPIRT_LEAK_CHECK();
}

Test(memory, private_heap)
{
    char *p = mapirt_malloc(0);
    cr_assert_not_null(p);
    mapirt_free(p);

    unsigned char *z = mapirt_calloc(16, 4);
    cr_assert_not_null(z);
    for (int i = 0; i < 64; i++)
        cr_assert_eq(z[i], 0);
    mapirt_free(z);
    cr_assert_null(mapirt_calloc(SIZE_MAX / 2, 4), "calloc size overflow must fail");

    char *r = mapirt_malloc(4);
    memcpy(r, "abc", 4);
    r = mapirt_realloc(r, 4096);
    cr_assert_str_eq(r, "abc");
    mapirt_test_fail_alloc(1);
    cr_assert_null(mapirt_realloc(r, 8192));
    cr_assert_str_eq(r, "abc", "failed realloc must leave the block alone");
    mapirt_free(r);

    char *d = mapirt_strdup("hello");
    cr_assert_str_eq(d, "hello");
    mapirt_free(d);
    cr_assert_null(mapirt_strdup(NULL));
    mapirt_test_fail_alloc(1);
    cr_assert_null(mapirt_strdup("x"));
    mapirt_free(NULL);
    MAPIRT_LEAK_CHECK();
}

#define THREADS 8
#define PER_THREAD 2000

struct thread_arg {
    void *parent;
    int id;
    void *blocks[PER_THREAD];
    SCODE sc;
};

static void *more_worker(void *p)
{
    struct thread_arg *a = p;
    a->sc = S_OK;
    for (int i = 0; i < PER_THREAD; i++) {
        SCODE sc = MAPIAllocateMore(24, a->parent, &a->blocks[i]);
        if (sc != S_OK) {
            a->sc = sc;
            return NULL;
        }
        memset(a->blocks[i], a->id, 24);
    }
    return NULL;
}

Test(memory, concurrent_allocate_more_on_one_parent)
{
    void *parent;
    cr_assert_eq(MAPIAllocateBuffer(16, &parent), S_OK);
    static struct thread_arg args[THREADS];
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++) {
        args[i].parent = parent;
        args[i].id = i + 1;
        cr_assert_eq(pthread_create(&th[i], NULL, more_worker, &args[i]), 0);
    }
    /* the allocating thread extends the same parent meanwhile (its own, lock-free list) */
    static struct thread_arg mine;
    mine.parent = parent;
    mine.id = 0x5A;
    more_worker(&mine);
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    cr_assert_eq(mine.sc, S_OK);
    for (int j = 0; j < PER_THREAD; j++)
        cr_assert_eq(((unsigned char *)mine.blocks[j])[23], 0x5A);
    for (int i = 0; i < THREADS; i++) {
        cr_assert_eq(args[i].sc, S_OK);
        for (int j = 0; j < PER_THREAD; j++)
            for (int k = 0; k < 24; k++)
                cr_assert_eq(((unsigned char *)args[i].blocks[j])[k], (unsigned char)(i + 1));
    }
    /* every one of the children hangs off the parent only: LeakSanitizer reports any that the
     * free missed */
    memset(args, 0, sizeof(args));
    memset(&mine, 0, sizeof(mine));
    MAPIFreeBuffer(parent);
    scrub_stack();
    MAPIRT_LEAK_CHECK();
}

Test(imalloc, default_malloc_methods)
{
    IMalloc *m = MAPIGetDefaultMalloc();
    cr_assert_not_null(m);
    cr_assert_eq(MAPIGetDefaultMalloc(), m);

    void *p = m->lpVtbl->Alloc(m, 100);
    cr_assert_not_null(p);
    cr_assert(aligned16(p));
    cr_assert_eq(m->lpVtbl->GetSize(m, p), 100);
    cr_assert_eq(m->lpVtbl->DidAlloc(m, p), 1);
    memcpy(p, "imalloc", 8);
    p = m->lpVtbl->Realloc(m, p, 5000);
    cr_assert_not_null(p);
    cr_assert_str_eq(p, "imalloc");
    cr_assert_eq(m->lpVtbl->GetSize(m, p), 5000);
    cr_assert_null(m->lpVtbl->Realloc(m, p, 0), "Realloc to 0 frees");

    void *q = m->lpVtbl->Realloc(m, NULL, 10);
    cr_assert_not_null(q);
    cr_assert_eq(m->lpVtbl->GetSize(m, q), 10);

    static _Alignas(16) unsigned char area[64];
    cr_assert_eq(m->lpVtbl->DidAlloc(m, area + 32), 0);
    cr_assert_eq(m->lpVtbl->DidAlloc(m, NULL), -1);
    cr_assert_eq(m->lpVtbl->GetSize(m, NULL), (SIZE_T)-1);
    cr_assert_eq(m->lpVtbl->GetSize(m, area + 32), (SIZE_T)-1);
    cr_assert_null(m->lpVtbl->Realloc(m, area + 32, 10));
    m->lpVtbl->Free(m, area + 32); /* not ours: ignored */
    m->lpVtbl->Free(m, NULL);
    m->lpVtbl->HeapMinimize(m);

    void *mapi;
    cr_assert_eq(MAPIAllocateBuffer(16, &mapi), S_OK);
    cr_assert_eq(m->lpVtbl->DidAlloc(m, mapi), 0, "a MAPI buffer is not an IMalloc block");
    MAPIFreeBuffer(mapi);

    mapirt_test_fail_alloc(1);
    cr_assert_null(m->lpVtbl->Alloc(m, 10));
    mapirt_test_fail_alloc(1);
    cr_assert_null(m->lpVtbl->Realloc(m, q, 100000));
    cr_assert_eq(m->lpVtbl->GetSize(m, q), 10, "failed Realloc keeps the block");
    cr_assert_eq(m->lpVtbl->DidAlloc(m, q), 1);
    m->lpVtbl->Free(m, q);

    void *obj = NULL;
    cr_assert_eq(m->lpVtbl->QueryInterface(m, &IID_IMalloc, &obj), S_OK);
    cr_assert_eq(obj, m);
    cr_assert_eq(m->lpVtbl->QueryInterface(m, &IID_IUnknown, &obj), S_OK);
    cr_assert_eq(obj, m);
    cr_assert_geq(m->lpVtbl->AddRef(m), 1);
    cr_assert_geq(m->lpVtbl->Release(m), 1);
    MAPIRT_LEAK_CHECK();
}
