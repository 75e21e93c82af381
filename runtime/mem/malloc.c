/* malloc.c: the process-wide IMalloc returned by MAPIGetDefaultMalloc.
 *
 * Providers receive it in their XXProviderInit call and use it for memory whose lifetime is not
 * tied to a MAPI buffer. Blocks carry a small header holding their size, so GetSize and DidAlloc
 * can answer without a global registry. */
#include <mapix.h>
#include <mapiutil.h>

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem_internal.h"

struct default_malloc {
    char unused; /* the allocator keeps no state: block sizes live in the blocks */
};

#include "default_malloc_object.h"

#define MALLOC_TAG ((uintptr_t)0x4d41504952544d41ull) /* "MAPIRTMA" */

struct malloc_hdr {
    uintptr_t tag; /* MALLOC_TAG ^ header address */
    size_t size;
};
_Static_assert(sizeof(struct malloc_hdr) == 16, "IMalloc blocks must stay 16-byte aligned");

static MAPIRT_NO_ASAN uintptr_t malloc_read_tag(const struct malloc_hdr *h)
{
    return *(volatile const uintptr_t *)&h->tag;
}

/* The header of p when p is a live block of this allocator, else NULL. */
static struct malloc_hdr *malloc_hdr_of(void *p)
{
    if (p == NULL || ((uintptr_t)p & 15) != 0)
        return NULL;
    struct malloc_hdr *h = (struct malloc_hdr *)p - 1;
    return malloc_read_tag(h) == (MALLOC_TAG ^ (uintptr_t)h) ? h : NULL;
}

static void *default_malloc_Alloc(struct default_malloc *self, SIZE_T cb)
{
    (void)self;
    size_t total;
    if (__builtin_add_overflow(sizeof(struct malloc_hdr), (size_t)cb, &total))
        return NULL;
    if (mapirt_alloc_should_fail())
        return NULL;
    struct malloc_hdr *h = malloc(total);
    if (h == NULL)
        return NULL;
    h->tag = MALLOC_TAG ^ (uintptr_t)h;
    h->size = cb;
    return h + 1;
}

static void default_malloc_Free(struct default_malloc *self, void *pv)
{
    (void)self;
    struct malloc_hdr *h = malloc_hdr_of(pv);
    if (h == NULL)
        return; /* NULL or not ours: freeing it would corrupt someone else's heap */
    h->tag = 0;
    free(h);
}

static void *default_malloc_Realloc(struct default_malloc *self, void *pv, SIZE_T cb)
{
    if (pv == NULL)
        return default_malloc_Alloc(self, cb);
    struct malloc_hdr *h = malloc_hdr_of(pv);
    if (h == NULL)
        return NULL;
    if (cb == 0) {
        default_malloc_Free(self, pv);
        return NULL;
    }
    size_t total;
    if (__builtin_add_overflow(sizeof(struct malloc_hdr), (size_t)cb, &total))
        return NULL;
    if (mapirt_alloc_should_fail())
        return NULL;
    /* realloc may move the header, which invalidates the address-bound tag: clear it first so
     * that a failed realloc is the only path that must restore it. */
    h->tag = 0;
    struct malloc_hdr *n = realloc(h, total);
    if (n == NULL) {
        h->tag = MALLOC_TAG ^ (uintptr_t)h;
        return NULL;
    }
    n->tag = MALLOC_TAG ^ (uintptr_t)n;
    n->size = cb;
    return n + 1;
}

static SIZE_T default_malloc_GetSize(struct default_malloc *self, void *pv)
{
    (void)self;
    struct malloc_hdr *h = malloc_hdr_of(pv);
    return h == NULL ? (SIZE_T)-1 : (SIZE_T)h->size;
}

static int default_malloc_DidAlloc(struct default_malloc *self, void *pv)
{
    (void)self;
    if (pv == NULL)
        return -1;
    return malloc_hdr_of(pv) != NULL ? 1 : 0;
}

static void default_malloc_HeapMinimize(struct default_malloc *self)
{
    (void)self; /* glibc returns memory to the system on its own */
}

LPMALLOC MAPIGetDefaultMalloc(void)
{
    return default_malloc_as_IMalloc(default_malloc_static());
}
