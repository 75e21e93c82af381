/* idle.c: MAPI's idle engine (MAPIInitIdle, FtgRegisterIdleRoutine and friends). On Windows the
 * routines ran from the message loop when the user was idle; here one engine thread owned by
 * the init count calls them: the enabled routine of highest priority whose time has come, one
 * at a time, again every csecIdle hundredths of a second (at least one). FIROWAIT delays the
 * first call by csecIdle, FIRODISABLED registers it disabled, FIROONCEONLY deregisters it after
 * one call. A routine's return value is not used (docs/decisions.md).
 *
 * Locking: one mutex guards the list; routines are called with it released. Deregistering the
 * routine that is running waits for it to return (unless the routine deregisters itself), so a
 * caller may free lpvIdleParam as soon as DeregisterIdleRoutine returns. */
#define _GNU_SOURCE
#include <mapiutil.h>

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <mapirt/alloc.h>

struct routine {
    struct routine *next;
    PFNIDLE fn;
    LPVOID pv;
    short pri;
    ULONG csec;
    USHORT iro;
    bool enabled;
    bool removed; /* deregistered while running: freed when it returns */
    struct timespec due;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;    /* the engine thread waits here */
static pthread_cond_t returned = PTHREAD_COND_INITIALIZER; /* a routine call finished */
static unsigned init_count;
static uintptr_t generation; /* of the current engine: an old thread still ending sees it moved */
static bool stopping, have_thread;
static pthread_t engine;
static struct routine *routines, *running;

static struct timespec after(ULONG csec)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_sec += csec / 100;
    t.tv_nsec += (long)(csec % 100) * 10000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

static int ts_cmp(struct timespec a, struct timespec b)
{
    return a.tv_sec != b.tv_sec ? (a.tv_sec < b.tv_sec ? -1 : 1)
                                : (a.tv_nsec < b.tv_nsec ? -1 : a.tv_nsec > b.tv_nsec);
}

static void unlink_routine(struct routine *r)
{
    for (struct routine **p = &routines; *p; p = &(*p)->next)
        if (*p == r) {
            *p = r->next;
            return;
        }
}

static struct routine *find(FTG ftg)
{
    for (struct routine *r = routines; r; r = r->next)
        if (r == ftg && !r->removed)
            return r;
    return NULL;
}

static void *engine_main(void *arg)
{
    uintptr_t gen = (uintptr_t)arg;
    pthread_mutex_lock(&lock);
    while (!stopping && gen == generation) {
        struct timespec now = after(0);
        struct routine *pick = NULL, *soonest = NULL;
        for (struct routine *r = routines; r; r = r->next) {
            if (!r->enabled || r->removed)
                continue;
            if (ts_cmp(r->due, now) <= 0) {
                if (pick == NULL || r->pri > pick->pri ||
                    (r->pri == pick->pri && ts_cmp(r->due, pick->due) < 0))
                    pick = r;
            } else if (soonest == NULL || ts_cmp(r->due, soonest->due) < 0) {
                soonest = r;
            }
        }
        if (pick == NULL) {
            if (soonest == NULL)
                pthread_cond_wait(&wake, &lock);
            else
                pthread_cond_timedwait(&wake, &lock, &soonest->due);
            continue;
        }
        running = pick;
        PFNIDLE fn = pick->fn;
        LPVOID pv = pick->pv;
        pthread_mutex_unlock(&lock);
        fn(pv);
        pthread_mutex_lock(&lock);
        running = NULL;
        if (pick->removed || (pick->iro & FIROONCEONLY)) {
            unlink_routine(pick);
            mapirt_free(pick);
        } else {
            pick->due = after(pick->csec ? pick->csec : 1);
        }
        pthread_cond_broadcast(&returned);
    }
    pthread_mutex_unlock(&lock);
    return NULL;
}

/* Waits are on CLOCK_MONOTONIC: a change of the wall clock must not stall or rush routines.
 * Done once, before the engine's first use of the condition. */
static pthread_once_t clock_once = PTHREAD_ONCE_INIT;

static void use_monotonic_clock(void)
{
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_destroy(&wake);
    pthread_cond_init(&wake, &a);
    pthread_condattr_destroy(&a);
}

LONG MAPIInitIdle(LPVOID lpvReserved)
{
    if (lpvReserved != NULL)
        return -1;
    pthread_once(&clock_once, use_monotonic_clock);
    pthread_mutex_lock(&lock);
    LONG rc = 0;
    if (init_count == 0) {
        stopping = false;
        generation++;
        if (pthread_create(&engine, NULL, engine_main, (void *)generation) != 0)
            rc = -1;
        else
            have_thread = true;
    }
    if (rc == 0)
        init_count++;
    pthread_mutex_unlock(&lock);
    return rc;
}

void MAPIDeinitIdle(void)
{
    pthread_mutex_lock(&lock);
    if (init_count == 0 || --init_count > 0) {
        pthread_mutex_unlock(&lock);
        return;
    }
    stopping = true;
    pthread_cond_broadcast(&wake);
    bool self = have_thread && pthread_equal(engine, pthread_self());
    pthread_t t = engine;
    have_thread = false;
    pthread_mutex_unlock(&lock);
    /* From a routine itself the thread cannot join itself: it ends after the routine returns. */
    if (self)
        pthread_detach(t);
    else
        pthread_join(t, NULL);
    pthread_mutex_lock(&lock);
    for (struct routine *r = routines, *next; r; r = next) {
        next = r->next;
        if (r != running) {
            unlink_routine(r);
            mapirt_free(r);
        } else {
            r->removed = true;
        }
    }
    pthread_mutex_unlock(&lock);
}

FTG FtgRegisterIdleRoutine(PFNIDLE lpfnIdle, LPVOID lpvIdleParam, short priIdle, ULONG csecIdle,
                           USHORT iroIdle)
{
    const USHORT known = FIROWAIT | FIROINTERVAL | FIROPERBLOCK | FIRODISABLED | FIROONCEONLY;
    if (lpfnIdle == NULL || (iroIdle & ~known) != 0)
        return FTGNULL;
    struct routine *r = mapirt_calloc(1, sizeof(*r));
    if (r == NULL)
        return FTGNULL;
    r->fn = lpfnIdle;
    r->pv = lpvIdleParam;
    r->pri = priIdle;
    r->csec = csecIdle;
    r->iro = iroIdle;
    r->enabled = !(iroIdle & FIRODISABLED);
    r->due = after(iroIdle & FIROWAIT ? csecIdle : 0);
    pthread_mutex_lock(&lock);
    if (init_count == 0) {
        /* The engine must be initialised first (MAPIInitIdle). */
        pthread_mutex_unlock(&lock);
        mapirt_free(r);
        return FTGNULL;
    }
    r->next = routines;
    routines = r;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&lock);
    return r;
}

void DeregisterIdleRoutine(FTG ftg)
{
    pthread_mutex_lock(&lock);
    struct routine *r = find(ftg);
    if (r != NULL) {
        if (r == running) {
            r->removed = true;
            if (!(have_thread && pthread_equal(engine, pthread_self())))
                while (running == r)
                    pthread_cond_wait(&returned, &lock);
        } else {
            unlink_routine(r);
            mapirt_free(r);
        }
    }
    pthread_mutex_unlock(&lock);
}

void EnableIdleRoutine(FTG ftg, BOOL fEnable)
{
    pthread_mutex_lock(&lock);
    struct routine *r = find(ftg);
    if (r != NULL) {
        bool was = r->enabled;
        r->enabled = fEnable != 0;
        if (r->enabled && !was)
            r->due = after(r->iro & FIROWAIT ? r->csec : 0);
        pthread_cond_signal(&wake);
    }
    pthread_mutex_unlock(&lock);
}

void ChangeIdleRoutine(FTG ftg, PFNIDLE lpfnIdle, LPVOID lpvIdleParam, short priIdle,
                       ULONG csecIdle, USHORT iroIdle, USHORT ircIdle)
{
    pthread_mutex_lock(&lock);
    struct routine *r = find(ftg);
    if (r != NULL) {
        if ((ircIdle & FIRCPFN) && lpfnIdle != NULL)
            r->fn = lpfnIdle;
        if (ircIdle & FIRCPV)
            r->pv = lpvIdleParam;
        if (ircIdle & FIRCPRI)
            r->pri = priIdle;
        if (ircIdle & FIRCCSEC) {
            r->csec = csecIdle;
            r->due = after(csecIdle);
        }
        if (ircIdle & FIRCIRO) {
            r->iro = iroIdle;
            r->enabled = !(iroIdle & FIRODISABLED);
        }
        pthread_cond_signal(&wake);
    }
    pthread_mutex_unlock(&lock);
}
