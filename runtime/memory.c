/* memory.c: MAPIAllocateBuffer / MAPIAllocateMore / MAPIFreeBuffer, the runtime's private heap
 * (mapirt/alloc.h) and the failing-allocation test hook (mapirt/testhooks.h).
 *
 * Every MAPI block is one malloc: a 32-byte header followed by the caller's bytes. A
 * MAPIAllocateBuffer block (a root) heads a singly linked list of its MAPIAllocateMore children,
 * threaded through the children's headers and pushed with a compare-and-swap, so several threads
 * may extend one parent at once without a lock, and freeing the root walks the list once. */
#include <mapix.h>
#include <mapicode.h>

#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mapirt/alloc.h>
#include <mapirt/testhooks.h>

#include "mem_internal.h"

/* "MAPIRTBR" / "MAPIRTBC", xor-ed with the header's own address so that a copied header (memcpy
 * of a block, a stale stack buffer) does not look valid at another place. */
#define MEM_TAG_ROOT ((uintptr_t)0x4d41504952544252ull)
#define MEM_TAG_CHILD ((uintptr_t)0x4d41504952544243ull)

struct mem_hdr {
    uintptr_t tag;
    struct mem_hdr *root;               /* child: the root it is freed with; root: itself */
    _Atomic(struct mem_hdr *) link;     /* root: newest child; child: next older sibling */
    size_t size;                        /* caller's byte count */
};

/* MAPI values include doubles, 64-bit integers and GUIDs; 16 covers every one of them (and
 * SSE loads of them). malloc already guarantees max_align_t, so the header size keeps it. */
_Static_assert(sizeof(struct mem_hdr) % 16 == 0, "MAPI blocks must stay 16-byte aligned");
_Static_assert(alignof(max_align_t) >= 16, "malloc must return 16-byte aligned memory");

atomic_ulong mapirt_fail_countdown_;

void mapirt_test_fail_alloc(unsigned long n)
{
    atomic_store(&mapirt_fail_countdown_, n);
}

unsigned long mapirt_test_fail_alloc_pending(void)
{
    return atomic_load(&mapirt_fail_countdown_);
}

bool mapirt_fail_alloc_slow_(void)
{
    unsigned long cur = atomic_load(&mapirt_fail_countdown_);
    while (cur != 0) {
        if (atomic_compare_exchange_weak(&mapirt_fail_countdown_, &cur, cur - 1))
            return cur == 1;
    }
    return false;
}

static inline struct mem_hdr *hdr_of(void *p)
{
    return (struct mem_hdr *)p - 1;
}

static MAPIRT_NO_ASAN uintptr_t read_tag(const struct mem_hdr *h)
{
    return *(volatile const uintptr_t *)&h->tag;
}

/* The root block p belongs to, or NULL when p is not a live MAPI block. */
static struct mem_hdr *root_of(void *p)
{
    if (p == NULL || ((uintptr_t)p & 15) != 0)
        return NULL;
    struct mem_hdr *h = hdr_of(p);
    uintptr_t tag = read_tag(h);
    if (tag == (MEM_TAG_ROOT ^ (uintptr_t)h))
        return h;
    if (tag == (MEM_TAG_CHILD ^ (uintptr_t)h))
        return h->root;
    return NULL;
}

static struct mem_hdr *mem_new(ULONG cb)
{
    size_t total;
    if (__builtin_add_overflow(sizeof(struct mem_hdr), (size_t)cb, &total))
        return NULL;
    if (mapirt_alloc_should_fail())
        return NULL;
    struct mem_hdr *h = malloc(total);
    if (h != NULL)
        h->size = cb;
    return h;
}

SCODE MAPIAllocateBuffer(ULONG cbSize, LPVOID *lppBuffer)
{
    if (lppBuffer == NULL)
        return MAPI_E_INVALID_PARAMETER;
    struct mem_hdr *h = mem_new(cbSize);
    if (h == NULL) {
        *lppBuffer = NULL;
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    h->tag = MEM_TAG_ROOT ^ (uintptr_t)h;
    h->root = h;
    atomic_init(&h->link, NULL);
    *lppBuffer = h + 1;
    return S_OK;
}

SCODE MAPIAllocateMore(ULONG cbSize, LPVOID lpObject, LPVOID *lppBuffer)
{
    if (lppBuffer == NULL)
        return MAPI_E_INVALID_PARAMETER;
    /* A child of a child is accepted and hung on the common root: it is then freed with the
     * buffer the caller ultimately frees, which is what such a caller expects. */
    struct mem_hdr *root = root_of(lpObject);
    if (root == NULL)
        return MAPI_E_INVALID_PARAMETER;
    struct mem_hdr *h = mem_new(cbSize);
    if (h == NULL) {
        *lppBuffer = NULL;
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    h->tag = MEM_TAG_CHILD ^ (uintptr_t)h;
    h->root = root;
    struct mem_hdr *head = atomic_load_explicit(&root->link, memory_order_relaxed);
    do {
        atomic_store_explicit(&h->link, head, memory_order_relaxed);
    } while (!atomic_compare_exchange_weak_explicit(&root->link, &head, h, memory_order_release,
                                                    memory_order_relaxed));
    *lppBuffer = h + 1;
    return S_OK;
}

ULONG MAPIFreeBuffer(LPVOID lpBuffer)
{
    if (lpBuffer == NULL || ((uintptr_t)lpBuffer & 15) != 0)
        return S_OK;
    struct mem_hdr *h = hdr_of(lpBuffer);
    /* Children go with their root, and the reference allows S_OK for pointers MAPI did not
     * allocate: both are left alone rather than handed to free(). */
    if (read_tag(h) != (MEM_TAG_ROOT ^ (uintptr_t)h))
        return S_OK;
    struct mem_hdr *c = atomic_load_explicit(&h->link, memory_order_acquire);
    while (c != NULL) {
        struct mem_hdr *next = atomic_load_explicit(&c->link, memory_order_relaxed);
        c->tag = 0;
        free(c);
        c = next;
    }
    h->tag = 0;
    free(h);
    return S_OK;
}

/* ---- the runtime's private heap ---- */

void *mapirt_malloc(size_t size)
{
    if (mapirt_alloc_should_fail())
        return NULL;
    return malloc(size == 0 ? 1 : size);
}

void *mapirt_calloc(size_t count, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(count, size, &total))
        return NULL;
    if (mapirt_alloc_should_fail())
        return NULL;
    return calloc(total == 0 ? 1 : total, 1);
}

void *mapirt_realloc(void *ptr, size_t size)
{
    if (mapirt_alloc_should_fail())
        return NULL;
    return realloc(ptr, size == 0 ? 1 : size);
}

void mapirt_free(void *ptr)
{
    free(ptr);
}

char *mapirt_strdup(const char *s)
{
    if (s == NULL)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = mapirt_malloc(n);
    if (d != NULL)
        memcpy(d, s, n);
    return d;
}
