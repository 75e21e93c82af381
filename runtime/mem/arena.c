/* arena.c: the bump allocator of arena.h. */
#include <stdint.h>
#include <string.h>

#include <mapirt/alloc.h>

#include "arena.h"

struct arena_chunk {
    struct arena_chunk *next;
    size_t pad;
    _Alignas(16) unsigned char data[];
};

#define CHUNK 4096u

void *mapirt_arena_alloc(mapirt_arena *a, size_t size)
{
    size = (size + 15u) & ~(size_t)15u;
    if (size == 0)
        size = 16;
    if (!a->head || a->cap - a->used < size) {
        size_t cap = size > CHUNK ? size : CHUNK;
        struct arena_chunk *c;
        if (cap > SIZE_MAX - sizeof(*c))
            return NULL;
        c = mapirt_malloc(sizeof(*c) + cap);
        if (!c)
            return NULL;
        c->next = a->head;
        a->head = c;
        a->used = 0;
        a->cap = cap;
    }
    void *p = a->head->data + a->used;
    a->used += size;
    memset(p, 0, size);
    return p;
}

char *mapirt_arena_strndup(mapirt_arena *a, const char *s, size_t n)
{
    char *p = n < SIZE_MAX ? mapirt_arena_alloc(a, n + 1) : NULL;
    if (p)
        memcpy(p, s, n);
    return p;
}

void mapirt_arena_free(mapirt_arena *a)
{
    struct arena_chunk *c = a->head;
    while (c) {
        struct arena_chunk *next = c->next;
        mapirt_free(c);
        c = next;
    }
    a->head = NULL;
    a->used = a->cap = 0;
}
