/* tests/runtime/tsan/criterion/criterion.h: a stand-in for <criterion/criterion.h> used only
 * to run Criterion test files under ThreadSanitizer. Criterion's own runner cannot start under
 * TSan (it aborts with "Could not initialize inheritable arena", Snaipe/Criterion#274), so a
 * TSan build puts this directory first on the include path:
 *
 *     gcc -std=c11 -fsanitize=thread -I tests/runtime/tsan ... tests/runtime/notify/test_notify.c ...
 *
 * It supports the subset of the API our tests use: Test(suite, name), cr_assert*, cr_expect*
 * with an optional printf-style message. Like Criterion, every test runs in its own forked
 * process; a test fails when an assertion fails or the process exits non-zero (TSan exits 66
 * after reporting a race). The last line has Criterion's "Synthesis" format. */
#ifndef MAPIRT_TSAN_CRITERION_H
#define MAPIRT_TSAN_CRITERION_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct crt_test {
    const char *suite, *name;
    void (*fn)(void);
};

static struct crt_test crt_tests[512];
static int crt_ntests;
static int crt_failed_expect;

static inline void crt_register(const char *suite, const char *name, void (*fn)(void))
{
    if (crt_ntests < 512)
        crt_tests[crt_ntests++] = (struct crt_test){suite, name, fn};
}

__attribute__((format(printf, 5, 6))) static inline void
crt_report(int fatal, const char *file, int line, const char *what, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s:%d: %s failed: %s", file, line, fatal ? "assertion" : "expectation",
            what);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    if (fatal) {
        fflush(stderr);
        _exit(1);
    }
    __atomic_store_n(&crt_failed_expect, 1, __ATOMIC_RELAXED);
}

#define Test(suite, name)                                                                     \
    static void crt_##suite##_##name(void);                                                   \
    __attribute__((constructor)) static void crt_reg_##suite##_##name(void)                   \
    {                                                                                         \
        crt_register(#suite, #name, crt_##suite##_##name);                                    \
    }                                                                                         \
    static void crt_##suite##_##name(void)

#define CRT_CHECK(fatal, cond, what, ...)                                                     \
    do {                                                                                      \
        if (!(cond))                                                                          \
            crt_report(fatal, __FILE__, __LINE__, what, " " __VA_ARGS__);                       \
    } while (0)

#define cr_assert(c, ...) CRT_CHECK(1, (c), #c, __VA_ARGS__)
#define cr_assert_not(c, ...) CRT_CHECK(1, !(c), "!" #c, __VA_ARGS__)
#define cr_assert_eq(a, b, ...) CRT_CHECK(1, (a) == (b), #a " == " #b, __VA_ARGS__)
#define cr_assert_neq(a, b, ...) CRT_CHECK(1, (a) != (b), #a " != " #b, __VA_ARGS__)
#define cr_assert_gt(a, b, ...) CRT_CHECK(1, (a) > (b), #a " > " #b, __VA_ARGS__)
#define cr_assert_null(a, ...) CRT_CHECK(1, (a) == NULL, #a " == NULL", __VA_ARGS__)
#define cr_assert_not_null(a, ...) CRT_CHECK(1, (a) != NULL, #a " != NULL", __VA_ARGS__)
#define cr_assert_str_eq(a, b, ...) CRT_CHECK(1, strcmp((a), (b)) == 0, #a " eq " #b, __VA_ARGS__)
#define cr_expect(c, ...) CRT_CHECK(0, (c), #c, __VA_ARGS__)
#define cr_expect_not(c, ...) CRT_CHECK(0, !(c), "!" #c, __VA_ARGS__)
#define cr_expect_eq(a, b, ...) CRT_CHECK(0, (a) == (b), #a " == " #b, __VA_ARGS__)
#define cr_expect_neq(a, b, ...) CRT_CHECK(0, (a) != (b), #a " != " #b, __VA_ARGS__)
#define cr_expect_gt(a, b, ...) CRT_CHECK(0, (a) > (b), #a " > " #b, __VA_ARGS__)
#define cr_expect_geq(a, b, ...) CRT_CHECK(0, (a) >= (b), #a " >= " #b, __VA_ARGS__)
#define cr_expect_lt(a, b, ...) CRT_CHECK(0, (a) < (b), #a " < " #b, __VA_ARGS__)
#define cr_expect_leq(a, b, ...) CRT_CHECK(0, (a) <= (b), #a " <= " #b, __VA_ARGS__)
#define cr_expect_null(a, ...) CRT_CHECK(0, (a) == NULL, #a " == NULL", __VA_ARGS__)
#define cr_expect_not_null(a, ...) CRT_CHECK(0, (a) != NULL, #a " != NULL", __VA_ARGS__)
#define cr_expect_str_eq(a, b, ...) CRT_CHECK(0, strcmp((a), (b)) == 0, #a " eq " #b, __VA_ARGS__)
#define cr_log_warn(...) (fprintf(stderr, "warning: " __VA_ARGS__), fputc('\n', stderr))

int main(int argc, char **argv)
{
    int passed = 0, failed = 0, crashed = 0;
    for (int i = 0; i < crt_ntests; i++) {
        const struct crt_test *t = &crt_tests[i];
        if (argc > 1 && !strstr(argv[1], t->name))
            continue;
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) {
            t->fn();
            exit(__atomic_load_n(&crt_failed_expect, __ATOMIC_RELAXED) ? 1 : 0);
        }
        int st = 0;
        waitpid(pid, &st, 0);
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
            passed++;
        } else if (WIFEXITED(st)) {
            failed++;
            fprintf(stderr, "[FAIL] %s::%s (exit %d)\n", t->suite, t->name, WEXITSTATUS(st));
        } else {
            crashed++;
            fprintf(stderr, "[CRASH] %s::%s (signal %d)\n", t->suite, t->name, WTERMSIG(st));
        }
    }
    fprintf(stderr, "[====] Synthesis: Tested: %d | Passing: %d | Failing: %d | Crashing: %d\n",
            passed + failed + crashed, passed, failed, crashed);
    return failed + crashed ? 1 : 0;
}

#endif
