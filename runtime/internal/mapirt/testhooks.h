/* mapirt/testhooks.h: hooks that let tests drive the runtime into its error paths (internal: not
 * installed and not exported by libmapirt.so; tests link the static sanitized archive).
 *
 * Not for production use: a program that never calls these pays one relaxed atomic load per
 * allocation and nothing else. */
#ifndef MAPIRT_TESTHOOKS_H
#define MAPIRT_TESTHOOKS_H

#ifdef __cplusplus
extern "C" {
#endif

/* Makes the n-th next allocation fail (n = 1: the very next one), then disarms itself; n = 0
 * disarms. Counted allocations: MAPIAllocateBuffer, MAPIAllocateMore, the default IMalloc's
 * Alloc/Realloc and the runtime's private mapirt_malloc/calloc/realloc/strdup (mapirt/alloc.h).
 * Frees are never counted. The counter is process-wide and atomic, so a test that arms it should
 * not run allocating threads it does not control. */
void mapirt_test_fail_alloc(unsigned long n);

/* Counted allocations still to go before the armed failure (0 when disarmed): lets a test see
 * whether the code under test reached the failure point at all. */
unsigned long mapirt_test_fail_alloc_pending(void);

#ifdef __cplusplus
}
#endif
#endif
