/* test_idle.c: the idle engine: routines run on the engine thread by priority and interval,
 * disabled ones do not, FIROONCEONLY runs once, deregistration waits for a running routine,
 * changes apply, bad handles and arguments are harmless.
 * configure: also under ThreadSanitizer */
#include <mapiutil.h>
#include <mapicode.h>

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include <mapirt/testhooks.h>

#include "oom.h"

static void sleep_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

/* Polls until cond holds, for up to five seconds. */
#define EVENTUALLY(cond)                                                                      \
    do {                                                                                      \
        int waited_ = 0;                                                                      \
        while (!(cond) && waited_ < 5000) {                                                   \
            sleep_ms(2);                                                                      \
            waited_ += 2;                                                                     \
        }                                                                                     \
        cr_assert(cond, "timed out waiting for " #cond);                                      \
    } while (0)

struct counter {
    atomic_int calls;
    pthread_t thread;
    atomic_int order; /* stamped from a shared sequence on the first call */
};

static atomic_int sequence;

static BOOL count_call(LPVOID pv)
{
    struct counter *c = pv;
    if (atomic_fetch_add(&c->calls, 1) == 0) {
        c->thread = pthread_self();
        atomic_store(&c->order, atomic_fetch_add(&sequence, 1) + 1);
    }
    return FALSE;
}

Test(idle, routines_run_on_the_engine_thread)
{
    cr_assert_eq(MAPIInitIdle(NULL), 0);
    struct counter c = {0};
    FTG f = FtgRegisterIdleRoutine(count_call, &c, PRIUSER, 1, FIROINTERVAL);
    cr_assert_not_null(f);
    EVENTUALLY(atomic_load(&c.calls) >= 3);
    cr_assert_not(pthread_equal(c.thread, pthread_self()));
    DeregisterIdleRoutine(f);
    int n = atomic_load(&c.calls);
    sleep_ms(50);
    cr_assert_eq(atomic_load(&c.calls), n, "no call after DeregisterIdleRoutine returned");
    MAPIDeinitIdle();
    MAPIRT_LEAK_CHECK();
}

struct slow {
    atomic_int entered, finished;
};

static BOOL slow_call(LPVOID pv)
{
    struct slow *s = pv;
    atomic_store(&s->entered, 1);
    sleep_ms(100);
    atomic_store(&s->finished, 1);
    return FALSE;
}

Test(idle, higher_priority_first_and_disabled_never)
{
    cr_assert_eq(MAPIInitIdle(NULL), 0);
    struct counter lo = {0}, hi = {0}, off = {0};
    struct slow blocker = {0};
    atomic_store(&sequence, 0);
    /* Registered while the blocker holds the engine, so both are due when it returns. */
    FTG k = FtgRegisterIdleRoutine(slow_call, &blocker, 0, 0, FIROONCEONLY);
    EVENTUALLY(atomic_load(&blocker.entered));
    FTG a = FtgRegisterIdleRoutine(count_call, &lo, -5, 100, FIROINTERVAL);
    FTG b = FtgRegisterIdleRoutine(count_call, &hi, 5, 100, FIROINTERVAL);
    FTG c = FtgRegisterIdleRoutine(count_call, &off, 9, 0, FIRODISABLED);
    cr_assert(k && a && b && c);
    EVENTUALLY(atomic_load(&lo.calls) >= 1 && atomic_load(&hi.calls) >= 1);
    cr_assert(atomic_load(&hi.order) < atomic_load(&lo.order), "the higher priority ran first");
    cr_assert_eq(atomic_load(&off.calls), 0);
    EnableIdleRoutine(c, TRUE);
    EVENTUALLY(atomic_load(&off.calls) >= 1);
    EnableIdleRoutine(c, FALSE);
    DeregisterIdleRoutine(a);
    DeregisterIdleRoutine(b);
    DeregisterIdleRoutine(c);
    MAPIDeinitIdle();
    MAPIRT_LEAK_CHECK();
}

Test(idle, once_only_and_wait)
{
    cr_assert_eq(MAPIInitIdle(NULL), 0);
    struct counter once = {0}, late = {0};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    FTG f = FtgRegisterIdleRoutine(count_call, &once, 0, 0, FIROONCEONLY);
    FTG w = FtgRegisterIdleRoutine(count_call, &late, 0, 20, FIROWAIT);
    cr_assert(f && w);
    EVENTUALLY(atomic_load(&late.calls) >= 1);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    cr_assert(ms >= 190, "FIROWAIT: the first call comes after csecIdle (%ld ms)", ms);
    cr_assert_eq(atomic_load(&once.calls), 1);
    DeregisterIdleRoutine(f); /* already gone: harmless */
    DeregisterIdleRoutine(w);
    MAPIDeinitIdle();
    MAPIRT_LEAK_CHECK();
}

Test(idle, deregistration_waits_for_a_running_routine)
{
    cr_assert_eq(MAPIInitIdle(NULL), 0);
    struct slow s = {0};
    FTG f = FtgRegisterIdleRoutine(slow_call, &s, 0, 1, 0);
    EVENTUALLY(atomic_load(&s.entered));
    DeregisterIdleRoutine(f);
    cr_assert(atomic_load(&s.finished), "returned while the routine was still running");
    MAPIDeinitIdle();
    MAPIRT_LEAK_CHECK();
}

static FTG self_ftg;
static atomic_int self_calls;

static BOOL deregister_self(LPVOID pv)
{
    (void)pv;
    atomic_fetch_add(&self_calls, 1);
    DeregisterIdleRoutine(self_ftg); /* from the routine itself: must not wait for itself */
    return FALSE;
}

Test(idle, routine_deregisters_itself)
{
    cr_assert_eq(MAPIInitIdle(NULL), 0);
    self_ftg = FtgRegisterIdleRoutine(deregister_self, NULL, 0, 0, FIRODISABLED);
    EnableIdleRoutine(self_ftg, TRUE);
    EVENTUALLY(atomic_load(&self_calls) == 1);
    sleep_ms(30);
    cr_assert_eq(atomic_load(&self_calls), 1);
    MAPIDeinitIdle();
    MAPIRT_LEAK_CHECK();
}

Test(idle, change_routine)
{
    cr_assert_eq(MAPIInitIdle(NULL), 0);
    struct counter a = {0}, b = {0};
    FTG f = FtgRegisterIdleRoutine(count_call, &a, 0, 1000, FIROWAIT);
    ChangeIdleRoutine(f, NULL, &b, 0, 1, 0, FIRCPV | FIRCCSEC);
    EVENTUALLY(atomic_load(&b.calls) >= 1);
    cr_assert_eq(atomic_load(&a.calls), 0);
    ChangeIdleRoutine(f, NULL, NULL, 0, 0, FIRODISABLED, FIRCIRO);
    int n = atomic_load(&b.calls);
    sleep_ms(40);
    cr_assert(atomic_load(&b.calls) <= n + 1, "disabled by FIRCIRO");
    DeregisterIdleRoutine(f);
    MAPIDeinitIdle();
    MAPIRT_LEAK_CHECK();
}

Test(idle, bad_use_is_harmless)
{
    struct counter c = {0};
    cr_assert_null(FtgRegisterIdleRoutine(count_call, &c, 0, 0, 0), "not initialised");
    cr_assert_neq(MAPIInitIdle((LPVOID)1), 0);
    cr_assert_eq(MAPIInitIdle(NULL), 0);
    cr_assert_eq(MAPIInitIdle(NULL), 0, "counted");
    cr_assert_null(FtgRegisterIdleRoutine(NULL, &c, 0, 0, 0));
    cr_assert_null(FtgRegisterIdleRoutine(count_call, &c, 0, 0, 0x8000));
    int junk;
    DeregisterIdleRoutine(&junk);
    EnableIdleRoutine(&junk, TRUE);
    ChangeIdleRoutine(&junk, count_call, NULL, 0, 0, 0, FIRCPFN);
    DeregisterIdleRoutine(NULL);
    mapirt_test_fail_alloc(1);
    cr_assert_null(FtgRegisterIdleRoutine(count_call, &c, 0, 0, 0));
    mapirt_test_fail_alloc(0);
    MAPIDeinitIdle();
    FTG f = FtgRegisterIdleRoutine(count_call, &c, 0, 0, 0);
    cr_assert_not_null(f, "still initialised once");
    MAPIDeinitIdle(); /* frees the registered routine */
    MAPIDeinitIdle(); /* one too many: ignored */
    cr_assert_null(FtgRegisterIdleRoutine(count_call, &c, 0, 0, 0));
    MAPIRT_LEAK_CHECK();
}
