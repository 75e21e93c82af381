/* arena.h: a bump allocator on the runtime's private heap, for data built once and freed whole
 * (a parsed service catalog). Every block is 16-byte aligned; allocation failures come from
 * mapirt_malloc, so the failing-allocation test hook reaches them. */
#ifndef MAPIRT_MEM_ARENA_H
#define MAPIRT_MEM_ARENA_H

#include <stddef.h>

typedef struct mapirt_arena {
    struct arena_chunk *head;
    size_t used, cap; /* within head */
} mapirt_arena;

#define MAPIRT_ARENA_INIT {NULL, 0, 0}

/* size bytes (zero-filled), or NULL when out of memory. */
void *mapirt_arena_alloc(mapirt_arena *a, size_t size);
/* A copy of n bytes of s with a NUL added. */
char *mapirt_arena_strndup(mapirt_arena *a, const char *s, size_t n);
void mapirt_arena_free(mapirt_arena *a);

#endif
