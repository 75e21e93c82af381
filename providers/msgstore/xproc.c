/* xproc.c: notifications across processes. Each connection to a store (a logon in a process)
 * sends its notifications to its own subscribers at once, as before, and also appends them to
 * the store's `changes` table; a watcher thread of every other connection reads the rows it
 * did not write and replays them through the same in-process paths (ms_store_notify_object,
 * ms_tables_changed, ms_sqltables_changed, the new-mail notification), so that advise sinks and
 * contents tables of another process see object, new-mail and table events.
 *
 * Writing: the notifying thread only queues the event; the watcher writes what is queued in one
 * transaction with `synchronous = NORMAL` (no fsync: an event is news, not data; the change it
 * reports was committed, durably, before it was queued) and drops events older than
 * MS_XPROC_KEEP seconds. It gathers for MS_XPROC_GATHER_MS after a wake-up, so that a burst of
 * saves costs one round (measured: a round per save made saving 10,000 messages 1.6x slower).
 * Reading: the watcher sleeps on inotify (the store's -wal file of the
 * directory changes at every commit of any process) with a MS_XPROC_POLL_MS fallback, asks
 * `PRAGMA data_version` whether another connection committed, and if so reads the rows after
 * the last one it saw. Delays: a few milliseconds on the writer's side, the reader's wake-up
 * on the other.
 *
 * Limits (docs/decisions.md): a writer killed before its watcher wrote the queue loses those
 * events for the others (the data is in the store; their views see it at their next read); a
 * reader that stops for longer than MS_XPROC_KEEP misses the events pruned meanwhile. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "ms.h"

#define MS_XPROC_KEEP 300
#define MS_XPROC_POLL_MS 500
#define MS_XPROC_BATCH 256
#define MS_XPROC_GATHER_MS 20

enum { EV_OBJECT = 1,
    EV_TABLE = 2,
    EV_SQLTABLE = 3,
    EV_NEWMAIL = 4 };

typedef struct xev {
    int kind;
    sqlite3_int64 a, b, c, d, e;
    char *text;
} xev;

struct ms_xproc {
    struct ms_store *s;
    pthread_t th;
    int evfd, infd;
    pthread_mutex_t mu; /* q, stop */
    xev *q;
    size_t n, cap;
    int stop, joined;
    sqlite3_int64 last; /* the last row of `changes` read */
    sqlite3_int64 dv; /* PRAGMA data_version when last read */
    unsigned flushes;
};

static __thread int tl_quiet;

/* Held by a watcher while it works, and by fork(): a process that forks (tests do, and so do
 * programs that spawn helpers) must not copy SQLite's or a store's mutexes in the middle of a
 * watcher's use, or the child that opens a store waits for them forever. */
static pthread_mutex_t g_fork_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t g_fork_once = PTHREAD_ONCE_INIT;

static void fork_prepare(void)
{
    pthread_mutex_lock(&g_fork_mu);
}

static void fork_done(void)
{
    pthread_mutex_unlock(&g_fork_mu);
}

static void fork_register(void)
{
    pthread_atfork(fork_prepare, fork_done, fork_done);
}

void ms_xproc_quiet(int delta)
{
    tl_quiet += delta;
}

static void wake(struct ms_xproc *x)
{
    uint64_t one = 1;
    ssize_t r = write(x->evfd, &one, sizeof one);
    (void)r;
}

static void push(struct ms_store *s, const xev *ev)
{
    struct ms_xproc *x = s->xproc;
    if (!x || tl_quiet)
        return;
    pthread_mutex_lock(&x->mu);
    if (!x->stop && x->n == x->cap) {
        size_t nc = x->cap ? x->cap * 2 : 64;
        xev *v = realloc(x->q, nc * sizeof *v);
        if (v) {
            x->q = v;
            x->cap = nc;
        }
    }
    int queued = !x->stop && x->n < x->cap, first = x->n == 0;
    if (queued) {
        x->q[x->n] = *ev;
        x->q[x->n].text = ev->text ? strdup(ev->text) : NULL;
        x->n++;
    }
    pthread_mutex_unlock(&x->mu);
    if (queued && first) /* the watcher takes the whole queue: one wake-up per batch */
        wake(x);
}

void ms_xproc_object(struct ms_store *s, ULONG event, ULONG type, sqlite3_int64 id,
    sqlite3_int64 parent, sqlite3_int64 oldparent)
{
    xev e = {EV_OBJECT, event, type, id, parent, oldparent, NULL};
    push(s, &e);
}

void ms_xproc_table(struct ms_store *s, sqlite3_int64 folder, int kind, sqlite3_int64 id,
    int deleted)
{
    xev e = {EV_TABLE, folder, kind, id, deleted, 0, NULL};
    push(s, &e);
}

void ms_xproc_sqltable(struct ms_store *s, sqlite3_int64 folder, int assoc)
{
    xev e = {EV_SQLTABLE, folder, assoc, 0, 0, 0, NULL};
    push(s, &e);
}

void ms_xproc_newmail(struct ms_store *s, sqlite3_int64 msg, sqlite3_int64 folder, ULONG flags,
    ULONG msgflags, const char *cls)
{
    xev e = {EV_NEWMAIL, msg, folder, flags, msgflags, 0, (char *)cls};
    push(s, &e);
}

/* ---- the watcher ---- */

/* A batch of events as one row of `changes`: per event its kind (4 bytes), a..e (8 bytes each)
 * and its text's length (4 bytes, then the bytes), little-endian. One row per batch, not per
 * event: inserting a row per event cost saving 10,000 messages 20% more. */
#define EV_FIXED (4 + 5 * 8 + 4)

static void put_le(unsigned char *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static unsigned char *pack(const xev *q, size_t n, size_t *cb)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += EV_FIXED + (q[i].text ? strlen(q[i].text) : 0);
    unsigned char *b = malloc(total ? total : 1), *p = b;
    if (!b)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        size_t len = q[i].text ? strlen(q[i].text) : 0;
        const sqlite3_int64 v[5] = {q[i].a, q[i].b, q[i].c, q[i].d, q[i].e};
        put_le(p, (uint32_t)q[i].kind, 4);
        for (int k = 0; k < 5; k++)
            put_le(p + 4 + 8 * k, (uint64_t)v[k], 8);
        put_le(p + 44, len, 4);
        memcpy(p + EV_FIXED, q[i].text ? q[i].text : "", len);
        p += EV_FIXED + len;
    }
    *cb = total;
    return b;
}

/* Appends the events of a packed batch to *v (*n of *cap); a short or odd batch ends early. */
static void unpack(const unsigned char *b, size_t cb, xev **v, size_t *n, size_t *cap)
{
    while (cb >= EV_FIXED) {
        size_t len = (size_t)get_le(b + 44, 4);
        if (len > cb - EV_FIXED)
            return;
        if (*n == *cap) {
            size_t nc = *cap ? *cap * 2 : 64;
            xev *nv = realloc(*v, nc * sizeof *nv);
            if (!nv)
                return;
            *v = nv;
            *cap = nc;
        }
        xev *e = &(*v)[(*n)++];
        e->kind = (int)get_le(b, 4);
        sqlite3_int64 *f[5] = {&e->a, &e->b, &e->c, &e->d, &e->e};
        for (int k = 0; k < 5; k++)
            *f[k] = (sqlite3_int64)get_le(b + 4 + 8 * k, 8);
        e->text = len ? strndup((const char *)b + EV_FIXED, len) : NULL;
        b += EV_FIXED + len;
        cb -= EV_FIXED + len;
    }
}

/* Writes the queued events (the watcher thread). */
static void flush(struct ms_xproc *x)
{
    pthread_mutex_lock(&x->mu);
    xev *q = x->q;
    size_t n = x->n;
    x->q = NULL;
    x->n = x->cap = 0;
    pthread_mutex_unlock(&x->mu);
    if (!n)
        return;
    size_t cb = 0;
    unsigned char *blob = pack(q, n, &cb);
    for (size_t i = 0; i < n; i++)
        free(q[i].text);
    free(q);
    if (!blob)
        return; /* the others miss these events; the data itself is saved */
    ms_db *d = x->s->db;
    sqlite3_int64 now = (sqlite3_int64)time(NULL);
    pthread_mutex_lock(&d->lock);
    sqlite3_exec(d->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
    /* BEGIN, not ms_db_begin's BEGIN IMMEDIATE, which opens a write transaction on every
     * database of the connection, the temp one of staged values (stage.c) too: with it, after
     * a full disk, stream writes of the same logon failed with SQLITE_CORRUPT from the temp
     * database (test_msgstore_faults, about one run in three under load; not once in 15 with
     * BEGIN). This transaction writes the main database only. */
    int rc = sqlite3_exec(d->db, "BEGIN", NULL, NULL, NULL);
    sqlite3_stmt *st = rc == SQLITE_OK ? ms_db_stmt(d, "INSERT INTO changes(origin, at, events) "
                                                       "VALUES(?, ?, ?)")
                                       : NULL;
    if (st) {
        sqlite3_bind_blob(st, 1, d->conn, sizeof d->conn, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, now);
        sqlite3_bind_blob(st, 3, blob, (int)cb, SQLITE_STATIC);
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(d->db);
        sqlite3_reset(st);
    } else if (rc == SQLITE_OK) {
        rc = sqlite3_errcode(d->db);
    }
    if (rc == SQLITE_OK && (x->flushes++ % 64) == 0) {
        st = ms_db_stmt(d, "DELETE FROM changes WHERE at < ?");
        if (st) {
            sqlite3_bind_int64(st, 1, now - MS_XPROC_KEEP);
            sqlite3_step(st);
            sqlite3_reset(st);
        }
    }
    if (rc == SQLITE_OK)
        ms_db_commit(d);
    else
        ms_db_rollback(d); /* the others miss these events; the data itself is saved */
    sqlite3_exec(d->db, "PRAGMA synchronous = FULL", NULL, NULL, NULL);
    pthread_mutex_unlock(&d->lock);
    free(blob);
}

static sqlite3_int64 data_version(ms_db *d)
{
    sqlite3_int64 v = -1;
    sqlite3_stmt *st = ms_db_stmt(d, "PRAGMA data_version");
    if (st && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    if (st)
        sqlite3_reset(st);
    return v;
}

static void replay(struct ms_store *s, const xev *e)
{
    switch (e->kind) {
    case EV_OBJECT:
        ms_store_notify_object(s, (ULONG)e->a, (ULONG)e->b, e->c, e->d, e->e);
        break;
    case EV_TABLE:
        ms_tables_changed(s, e->a, (int)e->b, e->c, (int)e->d);
        break;
    case EV_SQLTABLE:
        ms_sqltables_changed(s, e->a, (int)e->b);
        break;
    case EV_NEWMAIL: {
        BYTE eid[MS_EID_OBJECT], peid[MS_EID_OBJECT];
        NOTIFICATION n;
        memset(&n, 0, sizeof n);
        n.ulEventType = fnevNewMail;
        ms_eid_object(&s->db->uid, MAPI_MESSAGE, e->a, eid);
        n.info.newmail.cbEntryID = MS_EID_OBJECT;
        n.info.newmail.lpEntryID = (LPENTRYID)eid;
        if (e->b) {
            ms_eid_object(&s->db->uid, MAPI_FOLDER, e->b, peid);
            n.info.newmail.cbParentID = MS_EID_OBJECT;
            n.info.newmail.lpParentID = (LPENTRYID)peid;
        }
        n.info.newmail.ulFlags = (ULONG)e->c & ~(ULONG)MAPI_UNICODE;
        n.info.newmail.ulMessageFlags = (ULONG)e->d;
        n.info.newmail.lpszMessageClass = (LPTSTR)(e->text ? e->text : "");
        sqlite3_int64 ids[3] = {MS_OBJ_STORE, e->b, 0};
        ms_store_notify(s, ids, 1, &n);
        break;
    }
    default:
        break; /* a kind a newer version writes */
    }
}

/* Reads and replays what other connections wrote since the last read (the watcher thread). */
static void read_changes(struct ms_xproc *x)
{
    ms_db *d = x->s->db;
    int more = 0;
    for (;;) {
        xev *v = NULL;
        size_t n = 0;
        pthread_mutex_lock(&d->lock);
        sqlite3_int64 dv = data_version(d);
        if (dv == x->dv && !more) {
            pthread_mutex_unlock(&d->lock);
            return;
        }
        size_t cap = 0;
        sqlite3_stmt *st = ms_db_stmt(d, "SELECT seq, origin, events FROM changes WHERE seq > ? "
                                         "ORDER BY seq LIMIT ?");
        if (st) {
            sqlite3_bind_int64(st, 1, x->last);
            sqlite3_bind_int(st, 2, MS_XPROC_BATCH);
            int got = 0;
            while (sqlite3_step(st) == SQLITE_ROW) {
                got++;
                x->last = sqlite3_column_int64(st, 0);
                if (sqlite3_column_bytes(st, 1) == (int)sizeof d->conn &&
                    memcmp(sqlite3_column_blob(st, 1), d->conn, sizeof d->conn) == 0)
                    continue; /* ours: sent in this process already */
                const unsigned char *b = sqlite3_column_blob(st, 2);
                if (b)
                    unpack(b, (size_t)sqlite3_column_bytes(st, 2), &v, &n, &cap);
            }
            sqlite3_reset(st);
            more = got == MS_XPROC_BATCH;
        } else {
            more = 0;
        }
        if (!more)
            x->dv = dv;
        pthread_mutex_unlock(&d->lock);
        /* no lock held while sinks and tables are told */
        ms_xproc_quiet(1);
        for (size_t i = 0; i < n; i++) {
            replay(x->s, &v[i]);
            free(v[i].text);
        }
        ms_xproc_quiet(-1);
        free(v);
        if (!more)
            return;
    }
}

static void *watch(void *arg)
{
    struct ms_xproc *x = arg;
    for (;;) {
        struct pollfd p[2] = {{x->evfd, POLLIN, 0}, {x->infd, POLLIN, 0}};
        int r = poll(p, x->infd >= 0 ? 2 : 1, MS_XPROC_POLL_MS);
        pthread_mutex_lock(&x->mu);
        int stopping = x->stop;
        pthread_mutex_unlock(&x->mu);
        if (r > 0 && !stopping) {
            /* gather: a burst of saves (ours or another process's) becomes one round, and a
             * busy store wakes this thread at most 1000 / MS_XPROC_GATHER_MS times a second */
            struct timespec ts = {0, MS_XPROC_GATHER_MS * 1000000L};
            nanosleep(&ts, NULL);
        }
        if (r > 0 && (p[0].revents & POLLIN)) {
            uint64_t c;
            ssize_t k = read(x->evfd, &c, sizeof c);
            (void)k;
        }
        if (r > 0 && x->infd >= 0 && (p[1].revents & POLLIN)) {
            char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
            while (read(x->infd, buf, sizeof buf) > 0)
                ; /* which file changed does not matter: data_version says whether to read */
        }
        pthread_mutex_lock(&x->mu);
        int stop = x->stop;
        pthread_mutex_unlock(&x->mu);
        pthread_mutex_lock(&g_fork_mu);
        flush(x);
        if (!stop)
            read_changes(x);
        pthread_mutex_unlock(&g_fork_mu);
        if (stop)
            break;
    }
    return NULL;
}

HRESULT ms_xproc_start(struct ms_store *s)
{
    pthread_once(&g_fork_once, fork_register);
    struct ms_xproc *x = calloc(1, sizeof *x);
    if (!x)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    x->s = s;
    x->infd = -1;
    pthread_mutex_init(&x->mu, NULL);
    if ((x->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
        pthread_mutex_destroy(&x->mu);
        free(x);
        return MAPI_E_CALL_FAILED;
    }
    /* the store's directory: its -wal file changes at every commit */
    const char *path = s->db->path, *slash = strrchr(path, '/');
    char dir[4096];
    if (slash)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path) + (slash == path), path);
    else
        snprintf(dir, sizeof dir, ".");
    if ((x->infd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK)) >= 0 &&
        inotify_add_watch(x->infd, dir, IN_MODIFY | IN_CREATE | IN_MOVED_TO) < 0) {
        close(x->infd);
        x->infd = -1; /* polling alone */
    }
    pthread_mutex_lock(&s->db->lock);
    sqlite3_stmt *st = ms_db_stmt(s->db, "SELECT coalesce(max(seq), 0) FROM changes");
    if (st && sqlite3_step(st) == SQLITE_ROW)
        x->last = sqlite3_column_int64(st, 0);
    if (st)
        sqlite3_reset(st);
    x->dv = data_version(s->db);
    pthread_mutex_unlock(&s->db->lock);
    if (pthread_create(&x->th, NULL, watch, x) != 0) {
        if (x->infd >= 0)
            close(x->infd);
        close(x->evfd);
        pthread_mutex_destroy(&x->mu);
        free(x);
        return MAPI_E_CALL_FAILED;
    }
    s->xproc = x;
    return S_OK;
}

void ms_xproc_stop(struct ms_store *s)
{
    struct ms_xproc *x = s->xproc;
    if (!x)
        return;
    pthread_mutex_lock(&x->mu);
    int join = !x->joined;
    x->stop = x->joined = 1; /* push() queues nothing from now on */
    pthread_mutex_unlock(&x->mu);
    if (join) {
        wake(x);
        pthread_join(x->th, NULL); /* it writes what is queued first */
    }
}

void ms_xproc_free(struct ms_store *s)
{
    struct ms_xproc *x = s->xproc;
    if (!x)
        return;
    ms_xproc_stop(s);
    s->xproc = NULL;
    if (x->infd >= 0)
        close(x->infd);
    close(x->evfd);
    for (size_t i = 0; i < x->n; i++)
        free(x->q[i].text);
    free(x->q);
    pthread_mutex_destroy(&x->mu);
    free(x);
}
