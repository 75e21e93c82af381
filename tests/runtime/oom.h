/* oom.h: drive a call through every allocation failure point with mapirt_test_fail_alloc.
 *
 *     OOM_LOOP(hr, hr = Call(...), cleanup-after-success);
 *
 * runs the statement with allocation n failing, n = 1, 2, ... For every n that the call reaches
 * it must return MAPI_E_NOT_ENOUGH_MEMORY (and leak nothing: LeakSanitizer checks at exit). The
 * first n the call does not reach ends the loop: that run must succeed, and `done` runs after it
 * (free the results there). The number of failure points visited is stored in oom_points, which
 * the caller declares (unsigned long). */
#ifndef TESTS_RUNTIME_OOM_H
#define TESTS_RUNTIME_OOM_H

#include <criterion/criterion.h>
#include <mapicode.h>
#include <mapirt/testhooks.h>

#define OOM_LOOP(hr, call, done)                                                                  \
    do {                                                                                          \
        for (unsigned long oom_n_ = 1;; oom_n_++) {                                               \
            mapirt_test_fail_alloc(oom_n_);                                                       \
            call;                                                                                 \
            unsigned long oom_left_ = mapirt_test_fail_alloc_pending();                           \
            mapirt_test_fail_alloc(0);                                                            \
            if (oom_left_ != 0) {                                                                 \
                cr_assert_eq((hr), S_OK, "run without failure returned 0x%08x",                   \
                             (unsigned)(hr));                                                     \
                oom_points = oom_n_ - 1;                                                          \
                done;                                                                             \
                break;                                                                            \
            }                                                                                     \
            cr_assert_eq((hr), MAPI_E_NOT_ENOUGH_MEMORY,                                          \
                         "allocation %lu failed but the call returned 0x%08x", oom_n_,            \
                         (unsigned)(hr));                                                         \
        }                                                                                         \
    } while (0)

/* Ends one step of an out-of-memory loop (allocation `n` armed before the call): when the call
 * never reached the failing allocation it must have succeeded and the loop ends; otherwise it
 * must have failed with `code`. */
#define OOM_STEP(hr, n, code)                                                                  \
    unsigned long oom_left_ = mapirt_test_fail_alloc_pending();                               \
    mapirt_test_fail_alloc(0);                                                                \
    if (oom_left_ != 0) {                                                                     \
        cr_assert(SUCCEEDED(hr), "run without failure returned 0x%08x", (unsigned)(hr));      \
        break;                                                                                \
    }                                                                                         \
    cr_assert_eq((hr), (code), "allocation %lu failed, call returned 0x%08x", (unsigned long)(n), \
                 (unsigned)(hr))

/* Fails the current test when memory allocated so far in this test process is unreachable.
 * Criterion ignores assertions in .fini hooks and the exit-time LeakSanitizer report, so tests
 * call this as their last statement. A no-op without AddressSanitizer. */
#if defined(__SANITIZE_ADDRESS__)
#define MAPIRT_HAVE_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MAPIRT_HAVE_LSAN 1
#endif
#endif
#ifdef MAPIRT_HAVE_LSAN
#include <sanitizer/lsan_interface.h>
#define MAPIRT_LEAK_CHECK() \
    cr_assert_eq(__lsan_do_recoverable_leak_check(), 0, "memory leaked (report above)")
#else
#define MAPIRT_LEAK_CHECK() ((void)0)
#endif

#endif
