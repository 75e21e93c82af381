/* memory.c: MAPIAllocateBuffer / MAPIAllocateMore / MAPIFreeBuffer, the runtime's private heap
 * (mapirt/alloc.h) and the failing-allocation test hook (mapirt/testhooks.h).
 *
 * Every MAPI block is one malloc: a header (48 bytes for a MAPIAllocateBuffer root, 32 for a
 * MAPIAllocateMore child) followed by the caller's bytes. A root heads singly linked lists of its
 * children, threaded through the children's headers, so freeing the root walks them once.
 * Several threads may extend one parent at once: see struct root_hdr. */
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

/* "MAPIRTBR" / "MAPIRTBC", xor-ed with the block's own address so that a copied header (memcpy
 * of a block, a stale stack buffer) does not look valid at another place. */
#define MEM_TAG_ROOT ((uintptr_t)0x4d41504952544252ull)
#define MEM_TAG_CHILD ((uintptr_t)0x4d41504952544243ull)

/* The tag is the last word before the caller's bytes in both header kinds, so a pointer's kind
 * is read from the same place whatever it is. */
struct child_hdr {
    struct root_hdr *root;  /* the block it is freed with */
    struct child_hdr *next; /* next older child in the same list */
    uintptr_t pad;
    uintptr_t tag;
};

/* Children made by the thread that allocated the root (by far the common case) go on `owned`
 * with plain stores; children made by any other thread go on `shared` with a compare-and-swap.
 * At most one live thread matches `owner`, so `owned` never has two writers, and the atomic
 * instruction is paid only by cross-thread use. */
struct root_hdr {
    _Atomic(struct child_hdr *) shared;
    struct child_hdr *owned;
    const void *owner;
    size_t size;
    uintptr_t pad;
    uintptr_t tag;
};

/* MAPI values include doubles, 64-bit integers and GUIDs; 16 covers every one of them (and
 * SSE loads of them). malloc already guarantees max_align_t, so the header sizes keep it. */
_Static_assert(sizeof(struct child_hdr) % 16 == 0, "MAPI blocks must stay 16-byte aligned");
_Static_assert(sizeof(struct root_hdr) % 16 == 0, "MAPI blocks must stay 16-byte aligned");
_Static_assert(alignof(max_align_t) >= 16, "malloc must return 16-byte aligned memory");

/* One byte per thread whose address identifies the thread (initial-exec: no __tls_get_addr
 * call on the allocation path). */
static _Thread_local char thread_marker __attribute__((tls_model("initial-exec")));

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

static MAPIRT_NO_ASAN uintptr_t read_tag(const void *p)
{
    return ((volatile const uintptr_t *)p)[-1];
}

static inline struct root_hdr *root_hdr_of(void *p)
{
    return (struct root_hdr *)p - 1;
}

static inline struct child_hdr *child_hdr_of(void *p)
{
    return (struct child_hdr *)p - 1;
}

/* The root block p belongs to, or NULL when p is not a live MAPI block. */
static struct root_hdr *root_of(void *p)
{
    if (p == NULL || ((uintptr_t)p & 15) != 0)
        return NULL;
    uintptr_t tag = read_tag(p);
    if (tag == (MEM_TAG_ROOT ^ (uintptr_t)p))
        return root_hdr_of(p);
    if (tag == (MEM_TAG_CHILD ^ (uintptr_t)p))
        return child_hdr_of(p)->root;
    return NULL;
}

/* malloc of header + cb, NULL on overflow or (test hook) injected failure. */
static void *mem_new(size_t header, ULONG cb)
{
    size_t total;
    if (__builtin_add_overflow(header, (size_t)cb, &total))
        return NULL;
    if (mapirt_alloc_should_fail())
        return NULL;
    return malloc(total);
}

SCODE MAPIAllocateBuffer(ULONG cbSize, LPVOID *lppBuffer)
{
    if (lppBuffer == NULL)
        return MAPI_E_INVALID_PARAMETER;
    struct root_hdr *h = mem_new(sizeof(*h), cbSize);
    if (h == NULL) {
        *lppBuffer = NULL;
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    atomic_init(&h->shared, NULL);
    h->owned = NULL;
    h->owner = &thread_marker;
    h->size = cbSize;
    h->tag = MEM_TAG_ROOT ^ (uintptr_t)(h + 1);
    *lppBuffer = h + 1;
    return S_OK;
}

SCODE MAPIAllocateMore(ULONG cbSize, LPVOID lpObject, LPVOID *lppBuffer)
{
    if (lppBuffer == NULL)
        return MAPI_E_INVALID_PARAMETER;
    /* A child of a child is accepted and hung on the common root: it is then freed with the
     * buffer the caller ultimately frees, which is what such a caller expects. */
    struct root_hdr *root = root_of(lpObject);
    if (root == NULL)
        return MAPI_E_INVALID_PARAMETER;
    struct child_hdr *h = mem_new(sizeof(*h), cbSize);
    if (h == NULL) {
        *lppBuffer = NULL;
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    h->root = root;
    h->tag = MEM_TAG_CHILD ^ (uintptr_t)(h + 1);
    if (root->owner == &thread_marker) {
        h->next = root->owned;
        root->owned = h;
    } else {
        struct child_hdr *head = atomic_load_explicit(&root->shared, memory_order_relaxed);
        do {
            h->next = head;
        } while (!atomic_compare_exchange_weak_explicit(&root->shared, &head, h,
                                                        memory_order_release,
                                                        memory_order_relaxed));
    }
    *lppBuffer = h + 1;
    return S_OK;
}

static void free_children(struct child_hdr *c)
{
    while (c != NULL) {
        struct child_hdr *next = c->next;
        c->tag = 0;
        free(c);
        c = next;
    }
}

ULONG MAPIFreeBuffer(LPVOID lpBuffer)
{
    if (lpBuffer == NULL || ((uintptr_t)lpBuffer & 15) != 0)
        return S_OK;
    /* Children go with their root, and the reference allows S_OK for pointers MAPI did not
     * allocate: both are left alone rather than handed to free(). */
    if (read_tag(lpBuffer) != (MEM_TAG_ROOT ^ (uintptr_t)lpBuffer))
        return S_OK;
    struct root_hdr *h = root_hdr_of(lpBuffer);
    free_children(h->owned);
    free_children(atomic_load_explicit(&h->shared, memory_order_acquire));
    h->tag = 0;
    free(h);
    return S_OK;
}

static void rehome_children(struct child_hdr *c, struct root_hdr *root)
{
    for (; c != NULL; c = c->next)
        c->root = root;
}

SCODE MAPIReallocateBuffer(LPVOID lpBuffer, ULONG ulSize, LPVOID *lppResult)
{
    if (lppResult == NULL)
        return MAPI_E_INVALID_PARAMETER;
    if (lpBuffer == NULL)
        return MAPIAllocateBuffer(ulSize, lppResult);
    /* Only a root can move: a child's address is part of its root's lists. */
    if (((uintptr_t)lpBuffer & 15) != 0 || read_tag(lpBuffer) != (MEM_TAG_ROOT ^ (uintptr_t)lpBuffer))
        return MAPI_E_INVALID_PARAMETER;
    struct root_hdr *old = root_hdr_of(lpBuffer);
    /* A new block and a copy rather than realloc(): on failure the old block and its tag
     * stay exactly as they were. */
    struct root_hdr *h = mem_new(sizeof(*h), ulSize);
    if (h == NULL)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    struct child_hdr *shared = atomic_load_explicit(&old->shared, memory_order_acquire);
    atomic_init(&h->shared, shared);
    h->owned = old->owned;
    h->owner = old->owner;
    h->size = ulSize;
    h->tag = MEM_TAG_ROOT ^ (uintptr_t)(h + 1);
    memcpy(h + 1, lpBuffer, old->size < ulSize ? old->size : ulSize);
    rehome_children(h->owned, h);
    rehome_children(shared, h);
    old->tag = 0;
    free(old);
    *lppResult = h + 1;
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
