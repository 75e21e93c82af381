/* mapirt/alloc.h: the runtime's private heap (internal: runtime/internal/ is never installed and
 * nothing declared here is exported; tests reach it through the static archive).
 *
 * Everything the runtime keeps for itself (objects, tables, queues) comes from here rather than
 * from malloc directly, so that mapirt_test_fail_alloc() (mapirt/testhooks.h) can make any of
 * those allocations fail. Memory handed to a caller comes from MAPIAllocateBuffer/More instead. */
#ifndef MAPIRT_ALLOC_H
#define MAPIRT_ALLOC_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

void *mapirt_malloc(size_t size);
/* Zero-filled; NULL when count * size overflows. */
void *mapirt_calloc(size_t count, size_t size);
/* On failure the old block is left untouched and NULL is returned. */
void *mapirt_realloc(void *ptr, size_t size);
void mapirt_free(void *ptr);
/* A private copy of a NUL-terminated string (NULL for a NULL argument or no memory). */
char *mapirt_strdup(const char *s);

#ifdef __cplusplus
}
#endif
#endif
