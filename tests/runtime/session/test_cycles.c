/* tests/runtime/session/test_cycles.c: logging on and off again and again leaves resident
 * memory where it was. Each cycle logs on to a profile with three providers (address book and
 * transport at logon, the store opened), reads the status table and logs off; resident memory
 * (/proc/self/statm) is read after a warm-up and again after the cycles.
 *
 * Built twice. Plain (build/tests/plain_test_cycles, optimised, the library's own objects):
 * 10,000 cycles, growth allowed CYCLES_SLACK_KB (40 bytes a cycle: any per-cycle leak of a
 * provider record, a support object or a proxy is larger). Under AddressSanitizer: 1,000 cycles
 * (each is ~10 times slower there) with the allocator's quarantine cut to 1 MB (by default it
 * keeps 256 MB of freed memory out of use, which would read as growth) and more slack for the
 * sanitizer's own bookkeeping; LeakSanitizer checks what is left at exit besides.
 * configure: also unsanitized */
#define _DEFAULT_SOURCE
#include <sys/stat.h>
#include <unistd.h>

#include "sessend.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

#ifdef UNDER_ASAN
#define CYCLES 1000
#define WARMUP 200
#define CYCLES_SLACK_KB 2048
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "quarantine_size_mb=1";
}
#else
#define CYCLES 10000
#define WARMUP 200
#define CYCLES_SLACK_KB 400
#endif

static long rss_kb(void)
{
    long size = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    cr_assert_not_null(f);
    cr_assert_eq(fscanf(f, "%ld %ld", &size, &resident), 2);
    fclose(f);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static void cycle(void)
{
    LPMAPISESSION s = NULL;
    LPMDB mdb = NULL;
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    cr_assert_eq(MAPILogonEx(0, (LPTSTR) "Work", NULL, MAPI_NEW_SESSION, &s), S_OK);
    cr_assert_eq(open_msgstore(s, 0, &mdb), S_OK);
    cr_assert_eq(s->lpVtbl->GetStatusTable(s, 0, &t), S_OK);
    cr_assert_eq(t->lpVtbl->QueryRows(t, 10, 0, &rows), S_OK);
    FreeProws(rows);
    t->lpVtbl->Release(t);
    mdb->lpVtbl->Release(mdb);
    cr_assert_eq(s->lpVtbl->Logoff(s, 0, 0, 0), S_OK);
    s->lpVtbl->Release(s);
}

/* On tmpfs when there is one: providers write their profile sections at each logon, and the
 * fsyncs of a shared disk would make the run minutes long without measuring anything of ours. */
static void setup(void)
{
    struct stat st;
    sess_setup_in(stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp");
}

Test(cycles, logon_logoff_without_growth, .init = setup, .fini = sess_teardown, .timeout = 120)
{
    for (int i = 0; i < WARMUP; i++)
        cycle();
    long before = rss_kb();
    for (int i = 0; i < CYCLES; i++)
        cycle();
    long after = rss_kb();
    cr_expect_leq(after - before, CYCLES_SLACK_KB,
                  "resident memory grew by %ld KB over %d cycles (from %ld KB)", after - before,
                  CYCLES, before);
    cr_expect_eq(ms_stats()->logons, WARMUP + CYCLES);
    cr_expect_eq(ms_stats()->store_releases, WARMUP + CYCLES);
}
