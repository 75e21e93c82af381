/* Call tracing: formatting of the generated wrappers' arguments and the line writer. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <mapidefs.h>
#include <mapirt/trace.h>
#include <mapirt/vocab.h>

static pthread_once_t env_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t config_lock = PTHREAD_MUTEX_INITIALIZER;
/* Nonzero while tracing is on (mapirt_trace_active() reads it inline in every tracing wrapper). */
int mapirt_trace_on_;
static char filter[512]; /* ",IMAPISession,IMAPITable," or "*" */
static FILE *out;        /* NULL: stderr */

static void configure_locked(const char *f, const char *path)
{
    FILE *fp = NULL;
    if (out != NULL)
        fclose(out);
    out = NULL;
    __atomic_store_n(&mapirt_trace_on_, 0, __ATOMIC_SEQ_CST);
    if (f == NULL || *f == '\0' || strcmp(f, "0") == 0)
        return;
    if (path != NULL && *path != '\0') {
        fp = fopen(path, "ae");
        if (fp == NULL)
            return;
        setvbuf(fp, NULL, _IOLBF, 0);
    }
    out = fp;
    if (strcmp(f, "1") == 0 || strcmp(f, "*") == 0 || strcmp(f, "all") == 0)
        snprintf(filter, sizeof filter, "*");
    else
        snprintf(filter, sizeof filter, ",%s,", f);
    __atomic_store_n(&mapirt_trace_on_, 1, __ATOMIC_SEQ_CST);
}

static void read_env(void)
{
    pthread_mutex_lock(&config_lock);
    configure_locked(getenv("MAPIRT_TRACE"), getenv("MAPIRT_TRACE_FILE"));
    pthread_mutex_unlock(&config_lock);
}

int mapirt_trace_configure(const char *f, const char *path)
{
    pthread_once(&env_once, read_env);
    pthread_mutex_lock(&config_lock);
    configure_locked(f, path);
    int ok = (f == NULL || *f == '\0' || strcmp(f, "0") == 0) ||
             __atomic_load_n(&mapirt_trace_on_, __ATOMIC_SEQ_CST);
    pthread_mutex_unlock(&config_lock);
    return ok ? 0 : -1;
}

int mapirt_trace_enabled(void)
{
    pthread_once(&env_once, read_env);
    return __atomic_load_n(&mapirt_trace_on_, __ATOMIC_RELAXED);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

__attribute__((format(printf, 2, 3))) static void put(mapirt_trace *t, const char *fmt, ...)
{
    if (t->len >= sizeof t->buf - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->buf + t->len, sizeof t->buf - t->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        t->len = t->len + (size_t)n < sizeof t->buf ? t->len + (size_t)n : sizeof t->buf - 1;
}

static void arg(mapirt_trace *t, const char *name)
{
    put(t, "%s%s=", t->nargs++ ? ", " : "", name);
}

int mapirt_trace_wants(const char *iface)
{
    if (!mapirt_trace_enabled())
        return 0;
    char key[160];
    snprintf(key, sizeof key, ",%s,", iface);
    pthread_mutex_lock(&config_lock);
    int hit = __atomic_load_n(&mapirt_trace_on_, __ATOMIC_SEQ_CST) &&
              (filter[0] == '*' || strstr(filter, key) != NULL);
    pthread_mutex_unlock(&config_lock);
    return hit;
}

int mapirt_trace_begin(mapirt_trace *t, const char *iface, const char *method, const void *obj)
{
    /* The interface filter was applied when the object chose its vtable (mapirt_trace_wants);
     * here only "is tracing still on" is asked, so a traced call costs no lookup. */
    if (!__atomic_load_n(&mapirt_trace_on_, __ATOMIC_RELAXED))
        return 0;
    t->len = 0;
    t->nargs = 0;
    t->start_ns = 0;
    put(t, "mapirt[%ld] %s::%s(", (long)syscall(SYS_gettid), iface, method);
    (void)obj;
    return 1;
}

void mapirt_trace_int(mapirt_trace *t, const char *name, long long v) { arg(t, name); put(t, "%lld", v); }
void mapirt_trace_uint(mapirt_trace *t, const char *name, unsigned long long v)
{
    arg(t, name);
    put(t, v < 10 ? "%llu" : "0x%llX", v);
}
void mapirt_trace_float(mapirt_trace *t, const char *name, double v) { arg(t, name); put(t, "%g", v); }

void mapirt_trace_flags(mapirt_trace *t, const char *name, uint32_t v, const char *set)
{
    char text[512];
    mapirt_flags_decode(mapirt_flagset_find(set), v, text, sizeof text);
    arg(t, name);
    put(t, "%s", text);
}

static void tag_text(mapirt_trace *t, ULONG tag)
{
    const char *n = mapirt_tag_name(tag);
    if (n != NULL)
        put(t, "%s", n);
    else
        put(t, "0x%08X", tag);
}

void mapirt_trace_tag(mapirt_trace *t, const char *name, uint32_t tag)
{
    arg(t, name);
    tag_text(t, tag);
}

void mapirt_trace_tags(mapirt_trace *t, const char *name, const void *p)
{
    const SPropTagArray *tags = p;
    arg(t, name);
    if (tags == NULL) {
        put(t, "NULL");
        return;
    }
    put(t, "{");
    for (ULONG i = 0; i < tags->cValues && i < 32; i++) {
        put(t, i ? ", " : "");
        tag_text(t, tags->aulPropTag[i]);
    }
    put(t, tags->cValues > 32 ? ", ...}" : "}");
}

void mapirt_trace_bytes(mapirt_trace *t, const char *name, const void *p, size_t cb)
{
    const unsigned char *b = p;
    arg(t, name);
    if (b == NULL) {
        put(t, "NULL");
        return;
    }
    put(t, "[%zu]", cb);
    for (size_t i = 0; i < cb && i < 64; i++)
        put(t, "%02X", b[i]);
    if (cb > 64)
        put(t, "...");
}

static void quoted_byte(mapirt_trace *t, unsigned c)
{
    if (c == '"' || c == '\\')
        put(t, "\\%c", (char)c);
    else if (c >= 32 && c < 127)
        put(t, "%c", (char)c);
    else
        put(t, "\\x%02X", c);
}

void mapirt_trace_stra(mapirt_trace *t, const char *name, const char *s)
{
    arg(t, name);
    if (s == NULL) {
        put(t, "NULL");
        return;
    }
    put(t, "\"");
    for (size_t i = 0; s[i] && i < 200; i++)
        quoted_byte(t, (unsigned char)s[i]);
    put(t, "\"");
}

void mapirt_trace_strw(mapirt_trace *t, const char *name, const char16_t *s)
{
    arg(t, name);
    if (s == NULL) {
        put(t, "NULL");
        return;
    }
    put(t, "L\"");
    for (size_t i = 0; s[i] && i < 200; i++) {
        if (s[i] < 128)
            quoted_byte(t, s[i]);
        else
            put(t, "\\u%04X", (unsigned)s[i]);
    }
    put(t, "\"");
}

void mapirt_trace_strt(mapirt_trace *t, const char *name, const void *s, int wide)
{
    if (wide)
        mapirt_trace_strw(t, name, s);
    else
        mapirt_trace_stra(t, name, s);
}

void mapirt_trace_iid(mapirt_trace *t, const char *name, const void *iid)
{
    const unsigned char *g = iid;
    arg(t, name);
    if (g == NULL) {
        put(t, "NULL");
        return;
    }
    unsigned d1 = (unsigned)g[0] | (unsigned)g[1] << 8 | (unsigned)g[2] << 16 | (unsigned)g[3] << 24;
    put(t, "{%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X}", d1, g[4] | g[5] << 8,
        g[6] | g[7] << 8, g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
}

void mapirt_trace_ptr(mapirt_trace *t, const char *name, const void *p)
{
    arg(t, name);
    if (p == NULL)
        put(t, "NULL");
    else
        put(t, "%p", p);
}

void mapirt_trace_text(mapirt_trace *t, const char *name, const char *text)
{
    arg(t, name);
    put(t, "%s", text);
}

void mapirt_trace_call(mapirt_trace *t)
{
    put(t, ")");
    t->call_end = t->len;
    t->nargs = 0;
    t->start_ns = now_ns();
}

static void out_open(mapirt_trace *t, const char *name)
{
    put(t, "%s*%s=", t->nargs++ ? ", " : " {", name);
}

void mapirt_trace_out_int(mapirt_trace *t, const char *name, const void *p)
{
    if (p == NULL)
        return;
    long long v = 0;
    memcpy(&v, p, 4); /* [out] integers of MAPI are 32-bit (LONG) */
    out_open(t, name);
    put(t, "%d", (int)(int32_t)v);
}

void mapirt_trace_out_uint(mapirt_trace *t, const char *name, const void *p)
{
    if (p == NULL)
        return;
    ULONG v;
    memcpy(&v, p, sizeof v);
    out_open(t, name);
    put(t, v < 10 ? "%u" : "0x%X", v);
}

void mapirt_trace_out_ptr(mapirt_trace *t, const char *name, const void *p)
{
    if (p == NULL)
        return;
    const void *v;
    memcpy(&v, p, sizeof v);
    out_open(t, name);
    if (v == NULL)
        put(t, "NULL");
    else
        put(t, "%p", v);
}

static void finish(mapirt_trace *t)
{
    uint64_t ns = now_ns() - t->start_ns;
    if (t->nargs)
        put(t, "}");
    put(t, " %.1fus\n", (double)ns / 1000.0);
    if (t->buf[t->len - 1] != '\n') /* truncated: still end the line */
        t->buf[t->len - 1] = '\n';
    pthread_mutex_lock(&config_lock);
    FILE *fp = out != NULL ? out : stderr;
    fwrite(t->buf, 1, t->len, fp); /* the whole line at once, under the lock */
    fflush(fp);
    pthread_mutex_unlock(&config_lock);
}

/* The [out] values were appended after the call; the result goes between them. */
static void end_with(mapirt_trace *t, const char *result)
{
    char after[sizeof t->buf];
    size_t n = t->len - t->call_end;
    memcpy(after, t->buf + t->call_end, n);
    after[n] = '\0';
    t->len = t->call_end;
    t->buf[t->len] = '\0';
    put(t, " -> %s%s", result, after);
    finish(t);
}

void mapirt_trace_end_hr(mapirt_trace *t, int32_t hr)
{
    char hex[16];
    const char *n = mapirt_scode_name(hr);
    if (n == NULL) {
        snprintf(hex, sizeof hex, "0x%08X", (unsigned)hr);
        n = hex;
    }
    end_with(t, n);
}

void mapirt_trace_end_value(mapirt_trace *t, unsigned long long v)
{
    char text[32];
    snprintf(text, sizeof text, "%llu", v);
    end_with(t, text);
}

void mapirt_trace_end_void(mapirt_trace *t) { finish(t); }
