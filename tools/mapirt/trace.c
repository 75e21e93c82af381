/* trace.c: `mapirt trace -- COMMAND ...`: runs a command with MAPI call tracing on
 * (<mapirt/trace.h>: MAPIRT_TRACE, MAPIRT_TRACE_FILE) and follows its trace as it is written.
 *
 * The command writes its trace into a temporary file; this process reads the file while the
 * command runs, so a long-running command (`mapirt session --watch`) is traced live, and the
 * command's own stdout and stderr stay as they are. Each line of the runtime's trace is
 *   mapirt[TID] IFACE::METHOD(ARGS) -> RESULT {OUTS} 1.5us
 * which is passed on as it is, or with --json as one JSON object per call (JSON Lines, so that
 * it streams). --errors keeps the failed calls only; --summary adds a table of the calls per
 * method. The exit status is the command's (128 + N when signal N ended it). */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <mapirt/vocab.h>

#include "cli.h"

/* One parsed trace line; pointers into the line, which is cut into pieces. */
typedef struct call {
    long tid;
    char *iface, *method, *args, *result, *outs;
    double us;
    int failed;
} call;

/* Splits a trace line; 0 when it is not one (passed on as text). */
static int parse_call(char *line, call *c)
{
    char *p, *end;
    memset(c, 0, sizeof *c);
    if (strncmp(line, "mapirt[", 7) != 0)
        return 0;
    c->tid = strtol(line + 7, &end, 10);
    if (end[0] != ']' || end[1] != ' ')
        return 0;
    c->iface = end + 2;
    if (!(p = strstr(c->iface, "::")))
        return 0;
    *p = '\0';
    c->method = p + 2;
    if (!(p = strchr(c->method, '(')))
        return 0;
    *p = '\0';
    c->args = ++p;
    /* the argument list ends at the ')' that closes it, outside quoted strings */
    int depth = 1, quoted = 0;
    for (; *p && depth; p++) {
        if (quoted) {
            if (*p == '\\' && p[1])
                p++;
            else if (*p == '"')
                quoted = 0;
        } else if (*p == '"')
            quoted = 1;
        else if (*p == '(')
            depth++;
        else if (*p == ')')
            depth--;
    }
    if (depth || strncmp(p, " -> ", 4) != 0)
        return 0;
    p[-1] = '\0';
    c->result = p + 4;
    char *last = strrchr(c->result, ' ');
    if (!last || strcmp(last + strlen(last) - 2, "us") != 0)
        return 0;
    *last = '\0';
    c->us = strtod(last + 1, NULL);
    if ((p = strstr(c->result, " {")) && p[strlen(p) - 1] == '}') {
        *p = '\0';
        c->outs = p + 2;
        c->outs[strlen(c->outs) - 1] = '\0';
    }
    c->failed = strncmp(c->result, "MAPI_E_", 7) == 0 || strncmp(c->result, "E_", 2) == 0 ||
                (strncmp(c->result, "0x", 2) == 0 && strtoul(c->result, NULL, 16) >> 31);
    return 1;
}

typedef struct stat_row {
    char name[160];
    unsigned long calls, failed;
    double us;
} stat_row;

typedef struct follower {
    FILE *out;
    int json, errors_only, summary;
    stat_row *stats;
    size_t nstats;
    sbuf pending; /* a line not yet complete */
} follower;

static void count(follower *f, const call *c)
{
    char name[160];
    snprintf(name, sizeof name, "%s::%s", c->iface, c->method);
    size_t i;
    for (i = 0; i < f->nstats && strcmp(f->stats[i].name, name) != 0; i++)
        ;
    if (i == f->nstats) {
        stat_row *s = realloc(f->stats, (f->nstats + 1) * sizeof *s);
        if (!s)
            return;
        f->stats = s;
        memset(&s[i], 0, sizeof s[i]);
        snprintf(s[i].name, sizeof s[i].name, "%s", name);
        f->nstats++;
    }
    f->stats[i].calls++;
    f->stats[i].failed += c->failed != 0;
    f->stats[i].us += c->us;
}

static void emit(follower *f, char *line)
{
    sbuf copy = {0};
    call c;
    sb_puts(&copy, line);
    int ok = parse_call(copy.s, &c);
    if (ok && f->summary)
        count(f, &c);
    if (f->errors_only && (!ok || !c.failed)) {
        sb_free(&copy);
        return;
    }
    if (f->json && ok) {
        sbuf j = {0};
        sb_putf(&j, "{\"thread\": %ld, \"interface\": ", c.tid);
        json_quote(&j, c.iface);
        sb_puts(&j, ", \"method\": ");
        json_quote(&j, c.method);
        sb_puts(&j, ", \"arguments\": ");
        json_quote(&j, c.args);
        sb_puts(&j, ", \"result\": ");
        json_quote(&j, c.result);
        if (c.outs) {
            sb_puts(&j, ", \"outputs\": ");
            json_quote(&j, c.outs);
        }
        sb_putf(&j, ", \"failed\": %s, \"microseconds\": %.1f}", c.failed ? "true" : "false",
            c.us);
        fprintf(f->out, "%s\n", sb_str(&j));
        sb_free(&j);
    } else if (!f->json)
        fprintf(f->out, "%s\n", line);
    fflush(f->out);
    sb_free(&copy);
}

/* Passes on every complete line read so far. */
static void drain(follower *f, int fd, int final)
{
    char buf[8192];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] != '\n') {
                sb_putf(&f->pending, "%c", buf[i]);
                continue;
            }
            emit(f, f->pending.s ? f->pending.s : (char *)"");
            f->pending.len = 0;
            if (f->pending.s)
                f->pending.s[0] = '\0';
        }
    }
    if (final && f->pending.len)
        emit(f, f->pending.s);
}

static void print_summary(follower *f)
{
    static const char *const heads[] = {"METHOD", "CALLS", "FAILED", "TOTAL_US", "MEAN_US"};
    table *t = f->json ? NULL : table_new(5, heads, heads);
    for (size_t i = 0; i < f->nstats; i++) {
        const stat_row *s = &f->stats[i];
        char a[32], b[32], c[32], d[32];
        snprintf(a, sizeof a, "%lu", s->calls);
        snprintf(b, sizeof b, "%lu", s->failed);
        snprintf(c, sizeof c, "%.1f", s->us);
        snprintf(d, sizeof d, "%.1f", s->us / (double)s->calls);
        if (f->json) { /* one line per method, as the calls are */
            sbuf q = {0};
            json_quote(&q, s->name);
            fprintf(f->out,
                "{\"summary\": %s, \"calls\": %s, \"failed\": %s, \"total_us\": %s, "
                "\"mean_us\": %s}\n",
                sb_str(&q), a, b, c, d);
            sb_free(&q);
            continue;
        }
        table_row(t);
        table_cell(t, 0, s->name, NULL);
        table_cell(t, 1, a, NULL);
        table_cell(t, 2, b, NULL);
        table_cell(t, 3, c, NULL);
        table_cell(t, 4, d, NULL);
    }
    if (t)
        table_fprint(f->out, t);
    fflush(f->out);
}

static int run_trace(ctx *c)
{
    const char *filter = opt_get(c, "interfaces"), *output = opt_get(c, "output");
    char path[] = "/tmp/mapirt-trace-XXXXXX";
    follower f = {0};
    f.json = c->json;
    f.errors_only = opt_count(c, "errors") > 0;
    f.summary = opt_count(c, "summary") > 0;
    f.out = stderr;
    if (output && !(f.out = fopen(output, "w")))
        return fail_msg("opening '%s': %s", output, strerror(errno));
    int fd = mkstemp(path);
    if (fd < 0)
        return fail_msg("creating a trace file in /tmp: %s", strerror(errno));
    pid_t pid = fork();
    if (pid < 0) {
        unlink(path);
        return fail_msg("starting '%s': %s", c->argv[0], strerror(errno));
    }
    if (pid == 0) {
        close(fd);
        setenv("MAPIRT_TRACE", filter ? filter : "1", 1);
        setenv("MAPIRT_TRACE_FILE", path, 1);
        execvp(c->argv[0], c->argv);
        fprintf(stderr, "mapirt: running '%s': %s\n", c->argv[0], strerror(errno));
        _exit(127);
    }
    /* Ctrl-C is for the command: we stay to pass on the rest of its trace */
    signal(SIGINT, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);
    int status = 0;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        drain(&f, fd, r == pid);
        if (r == pid || (r < 0 && errno != EINTR))
            break;
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (f.summary)
        print_summary(&f);
    close(fd);
    unlink(path);
    sb_free(&f.pending);
    free(f.stats);
    if (output && fclose(f.out) != 0)
        return fail_msg("writing '%s': %s", output, strerror(errno));
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WIFEXITED(status) ? WEXITSTATUS(status) : EXIT_FAIL;
}

static const opt TRACE_OPTS[] = {
    {"interfaces", "IFACE,...", "trace only these interfaces (IMAPISession,IMAPITable)", 0},
    {"errors", NULL, "pass on only the calls that failed", 0},
    {"summary", NULL, "end with a table of calls, failures and time per method", 0},
    {"output", "FILE", "write the trace to FILE instead of stderr", 0},
    {NULL, NULL, NULL, 0},
};

static const cmd TRACE_CMDS[] = {
    {NULL, "-- COMMAND [ARG...]", 1, -1, "run a command with MAPI call tracing on",
        "Every call of a MAPI interface the command makes is written as it returns: arguments "
        "(tags and flags by name, strings quoted), the result by name, [out] values and the time. "
        "The exit status is the command's. With --json each call is one JSON object per line.",
        TRACE_OPTS, CMD_JSON | CMD_EXEC, run_trace},
    {0},
};

const group trace_group = {"trace", "MAPI call tracing", TRACE_CMDS};
