/* mem_internal.h: what memory.c shares with the other allocators of the runtime (malloc.c). */
#ifndef MAPIRT_MEM_INTERNAL_H
#define MAPIRT_MEM_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>

/* Countdown of mapirt_test_fail_alloc(); 0 when disarmed. */
extern atomic_ulong mapirt_fail_countdown_ __attribute__((visibility("hidden")));

bool mapirt_fail_alloc_slow_(void) __attribute__((visibility("hidden")));

/* True when this allocation must fail. Kept to one relaxed load on the common path because it
 * sits in front of every MAPIAllocateBuffer/More. */
static inline bool mapirt_alloc_should_fail(void)
{
    if (__builtin_expect(atomic_load_explicit(&mapirt_fail_countdown_, memory_order_relaxed) == 0, 1))
        return false;
    return mapirt_fail_alloc_slow_();
}

/* Reading a header in front of a pointer that may not be ours is deliberate (that is how foreign
 * pointers are told apart), so AddressSanitizer must not instrument those loads. */
#if defined(__SANITIZE_ADDRESS__)
#define MAPIRT_NO_ASAN __attribute__((no_sanitize_address, noinline))
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MAPIRT_NO_ASAN __attribute__((no_sanitize("address"), noinline))
#endif
#endif
#ifndef MAPIRT_NO_ASAN
#define MAPIRT_NO_ASAN
#endif

#endif
