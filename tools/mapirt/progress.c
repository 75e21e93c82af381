/* progress.c: a progress bar for long work (store.h), on stderr, only when stderr is a
 * terminal: a pipe or a file gets nothing, so scripts and logs stay clean. MAPIRT_PROGRESS=0
 * turns it off on a terminal too, =1 draws it on anything (for tests).
 *
 *   importing  [##########..........]  5120/10000  51%  2310/s
 *
 * The line is redrawn in place (CR) at most ten times a second, and ended with a newline by
 * progress_end, so the next message starts on a line of its own. */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store.h"

struct progress {
    int on;
    char what[48];
    uint64_t total, done;
    double start, last; /* seconds, CLOCK_MONOTONIC */
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void draw(progress *p)
{
    char line[160];
    double secs = now() - p->start;
    unsigned long rate = secs > 0 ? (unsigned long)((double)p->done / secs) : 0;
    int n;
    if (p->total) {
        char bar[21];
        uint64_t filled = p->done >= p->total ? 20 : p->done * 20 / p->total;
        memset(bar, '#', (size_t)filled);
        memset(bar + filled, '.', (size_t)(20 - filled));
        bar[20] = '\0';
        n = snprintf(line, sizeof line, "\r%s  [%s]  %llu/%llu  %3u%%  %lu/s", p->what, bar,
            (unsigned long long)p->done, (unsigned long long)p->total,
            (unsigned)(p->done >= p->total ? 100 : p->done * 100 / p->total), rate);
    } else
        n = snprintf(line, sizeof line, "\r%s  %llu  %lu/s", p->what, (unsigned long long)p->done,
            rate);
    if (n > 0)
        fwrite(line, 1, strlen(line), stderr);
    fflush(stderr);
}

progress *progress_start(const char *what, uint64_t total)
{
    progress *p = calloc(1, sizeof *p);
    if (!p) {
        fputs("mapirt: out of memory\n", stderr);
        exit(EXIT_FAIL);
    }
    const char *env = getenv("MAPIRT_PROGRESS");
    p->on = env && *env ? strcmp(env, "0") != 0 : isatty(STDERR_FILENO);
    snprintf(p->what, sizeof p->what, "%s", what);
    p->total = total;
    p->start = now();
    p->last = 0;
    return p;
}

void progress_update(progress *p, uint64_t done)
{
    p->done = done;
    if (!p->on)
        return;
    double t = now();
    if (t - p->last < 0.1)
        return;
    p->last = t;
    draw(p);
}

void progress_clear(progress *p)
{
    if (p && p->on) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        p->last = 0; /* the next update redraws */
    }
}

void progress_end(progress *p)
{
    if (!p)
        return;
    if (p->on) {
        draw(p);
        fputc('\n', stderr);
        fflush(stderr);
    }
    free(p);
}
