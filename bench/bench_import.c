/* bench_import.c: `mapirt import MAILDIR FOLDER` of N small messages (the real program, a
 * process per run: logon, GMime, one IMessage saved per file), against the floor of the store
 * benchmark (bench_msgstore.c): the same files parsed with GMime and written with raw SQLite
 * statements on the store's schema and settings (WAL, synchronous=FULL, prepared statements, one
 * transaction per message as the import's SaveChanges): the message's object row, a property
 * row per property it gets, its `messages` index row, and a `recipients` row per recipient
 * (the store's own tables, providers/msgstore/db.c). Runs alternate between the two sides; median and range of each, and the ratio.
 *   bench_import [N] [runs] [directory]   (defaults 10000, 3, /dev/shm when present, else /tmp)
 * Needs build/bin/mapirt and the staged providers (plain `ninja`).
 * configure: link -lsqlite3
 * configure: pkg gmime-3.0 */
#define _GNU_SOURCE
/* first: <fcntl.h> of _GNU_SOURCE defines LOCK_WRITE, a name <objidl.h> declares */
#include <mapix.h>

#include <fcntl.h>
#include <gmime/gmime.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#pragma GCC diagnostic ignored "-Wformat-truncation" /* paths under a short mkdtemp root */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what)
{
    fprintf(stderr, "bench_import: %s\n", what);
    exit(2);
}

static char g_root[PATH_MAX], g_exe[PATH_MAX];

/* N small mails (about 1 KB, two recipients) in MAILDIR/cur, seen. */
static void make_maildir(const char *md, int n)
{
    char p[PATH_MAX];
    static const char *const subs[] = {"", "/new", "/cur", "/tmp"};
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s%s", md, subs[i]);
        mkdir(p, 0700);
    }
    for (int i = 0; i < n; i++) {
        snprintf(p, sizeof p, "%s/cur/%010d.bench:2,S", md, i);
        FILE *f = fopen(p, "w");
        if (!f)
            die("writing a mail file failed");
        fprintf(f, "From: Sender %d <sender%d@example.org>\nTo: Ada <ada@example.net>, "
                   "Bob <bob@example.net>\nSubject: =?UTF-8?Q?Report_=C3=BC_%d?=\n"
                   "Date: Tue, 01 Dec 2026 10:00:00 +0100\nMessage-ID: <%d@example.org>\n"
                   "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n",
            i, i, i, i);
        for (int k = 0; k < 16; k++)
            fprintf(f, "Line %02d of a short message number %d.\n", k, i);
        if (fclose(f) != 0)
            die("writing a mail file failed");
    }
}

/* ---- the floor ---- */

static double floor_run(const char *md, int n, int run)
{
    char db[PATH_MAX];
    snprintf(db, sizeof db, "%s/floor%d.db", g_root, run);
    sqlite3 *d;
    if (sqlite3_open(db, &d) != SQLITE_OK)
        die("sqlite3_open");
    if (sqlite3_exec(d,
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;"
            "CREATE TABLE objects(id INTEGER PRIMARY KEY, kind INTEGER NOT NULL,"
            " parent INTEGER REFERENCES objects(id) ON DELETE CASCADE, num INTEGER);"
            "CREATE INDEX objects_parent ON objects(parent, kind, num);"
            "CREATE TABLE props(obj INTEGER NOT NULL REFERENCES objects(id) ON DELETE"
            " CASCADE, id INTEGER NOT NULL, type INTEGER NOT NULL, val, big INTEGER,"
            " PRIMARY KEY(obj, id)) WITHOUT ROWID;"
            "CREATE TABLE messages(id INTEGER PRIMARY KEY REFERENCES objects(id) ON"
            " DELETE CASCADE, folder INTEGER NOT NULL, assoc INTEGER NOT NULL DEFAULT"
            " 0, delivery_time INTEGER, subject TEXT, sender TEXT, message_class TEXT,"
            " flags INTEGER NOT NULL DEFAULT 0, status INTEGER NOT NULL DEFAULT 0,"
            " size INTEGER NOT NULL DEFAULT 0);"
            "CREATE INDEX messages_time ON messages(folder, assoc, delivery_time);"
            "CREATE INDEX messages_subject ON messages(folder, assoc, subject COLLATE NOCASE);"
            "CREATE TABLE recipients(msg INTEGER NOT NULL REFERENCES objects(id) ON DELETE"
            " CASCADE, row INTEGER NOT NULL, props BLOB NOT NULL, PRIMARY KEY(msg, row))"
            " WITHOUT ROWID;"
            "INSERT INTO objects(id, kind) VALUES(1, 3);",
            NULL, NULL, NULL) != SQLITE_OK)
        die("the floor's schema");
    sqlite3_stmt *obj, *prop, *msg, *rcpt;
    sqlite3_prepare_v2(d, "INSERT INTO recipients(msg, row, props) VALUES(?, ?, ?)", -1, &rcpt,
        NULL);
    sqlite3_prepare_v2(d, "INSERT INTO objects(kind, parent, num) VALUES(?, ?, ?)", -1, &obj, NULL);
    sqlite3_prepare_v2(d, "INSERT INTO props(obj, id, type, val) VALUES(?, ?, ?, ?)", -1, &prop,
        NULL);
    sqlite3_prepare_v2(d, "INSERT INTO messages(id, folder, delivery_time, subject, sender,"
                          " message_class, flags, size) VALUES(?, 1, ?, ?, ?, 'IPM.Note', 1, ?)",
        -1, &msg, NULL);
    double t0 = now();
    char p[PATH_MAX];
    for (int i = 0; i < n; i++) {
        snprintf(p, sizeof p, "%s/cur/%010d.bench:2,S", md, i);
        int fd = open(p, O_RDONLY | O_CLOEXEC);
        struct stat sb;
        if (fd < 0 || fstat(fd, &sb) != 0)
            die("floor: open");
        GMimeStream *st = g_mime_stream_fs_new(fd);
        GMimeParser *ps = g_mime_parser_new_with_stream(st);
        GMimeMessage *m = g_mime_parser_construct_message(ps, NULL);
        g_object_unref(ps);
        g_object_unref(st);
        if (!m)
            die("floor: GMime found no message");
        GMimeObject *top = g_mime_message_get_mime_part(m);
        char *body = GMIME_IS_TEXT_PART(top) ? g_mime_text_part_get_text(GMIME_TEXT_PART(top))
                                             : NULL;
        char *headers = g_mime_object_get_headers(GMIME_OBJECT(m), NULL);
        InternetAddress *from = internet_address_list_get_address(g_mime_message_get_from(m), 0);
        const char *fname = internet_address_get_name(from);
        const char *faddr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(from));
        const char *subject = g_mime_message_get_subject(m);
        const char *mid = g_mime_message_get_message_id(m);
        GDateTime *date = g_mime_message_get_date(m);
        sqlite3_int64 sent = date ? g_date_time_to_unix(date) : 0, got = sb.st_mtime;
        /* the properties the import sets (strings as text, times and numbers as integers) */
        struct {
            int id, type;
            const char *s;
            sqlite3_int64 v;
        } pv[] = {{0x001A, 0x1E, "IPM.Note", 0}, {0x0E07, 3, NULL, 1}, {0x0037, 0x1E, subject, 0},
            {0x0C1A, 0x1E, fname, 0}, {0x0C1F, 0x1E, faddr, 0}, {0x0C1E, 0x1E, "SMTP", 0},
            {0x0042, 0x1E, fname, 0}, {0x0065, 0x1E, faddr, 0}, {0x0064, 0x1E, "SMTP", 0},
            {0x0039, 0x40, NULL, sent}, {0x0E06, 0x40, NULL, got}, {0x1035, 0x1E, mid, 0},
            {0x007D, 0x1E, headers, 0}, {0x1000, 0x1E, body, 0}};
        sqlite3_exec(d, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        sqlite3_bind_int(obj, 1, 5);
        sqlite3_bind_int(obj, 2, 1);
        sqlite3_bind_null(obj, 3);
        sqlite3_step(obj);
        sqlite3_reset(obj);
        sqlite3_int64 id = sqlite3_last_insert_rowid(d);
        for (size_t k = 0; k < sizeof pv / sizeof pv[0]; k++) {
            sqlite3_bind_int64(prop, 1, id);
            sqlite3_bind_int(prop, 2, pv[k].id);
            sqlite3_bind_int(prop, 3, pv[k].type);
            if (pv[k].type == 0x1E)
                sqlite3_bind_text(prop, 4, pv[k].s ? pv[k].s : "", -1, SQLITE_STATIC);
            else
                sqlite3_bind_int64(prop, 4, pv[k].v);
            sqlite3_step(prop);
            sqlite3_reset(prop);
        }
        InternetAddressList *to = g_mime_message_get_addresses(m, GMIME_ADDRESS_TYPE_TO);
        for (int r = 0; r < internet_address_list_length(to); r++) {
            /* the store keeps a recipient's properties as one encoded row */
            InternetAddress *a = internet_address_list_get_address(to, r);
            char blob[512];
            int cb = snprintf(blob, sizeof blob, "%s%c%s%cSMTP%c%d", internet_address_get_name(a),
                0, internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a)), 0, 0, 1);
            sqlite3_bind_int64(rcpt, 1, id);
            sqlite3_bind_int(rcpt, 2, r);
            sqlite3_bind_blob(rcpt, 3, blob, cb, SQLITE_STATIC);
            sqlite3_step(rcpt);
            sqlite3_reset(rcpt);
        }
        sqlite3_bind_int64(msg, 1, id);
        sqlite3_bind_int64(msg, 2, got);
        sqlite3_bind_text(msg, 3, subject, -1, SQLITE_STATIC);
        sqlite3_bind_text(msg, 4, fname, -1, SQLITE_STATIC);
        sqlite3_bind_int64(msg, 5, (sqlite3_int64)sb.st_size);
        if (sqlite3_step(msg) != SQLITE_DONE)
            die("floor: insert");
        sqlite3_reset(msg);
        if (sqlite3_exec(d, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
            die("floor: commit");
        g_free(body);
        g_free(headers);
        g_object_unref(m);
    }
    double t = now() - t0;
    sqlite3_finalize(obj);
    sqlite3_finalize(prop);
    sqlite3_finalize(msg);
    sqlite3_finalize(rcpt);
    sqlite3_close(d);
    return t;
}

/* ---- mapirt import, the program ---- */

static int run(char *const argv[], int quiet)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (quiet && !freopen("/dev/null", "w", stdout))
            _exit(127);
        execv(argv[0], argv);
        _exit(127);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0)
        die("fork");
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static double mapirt_run(const char *md, int run_no)
{
    char folder[64];
    snprintf(folder, sizeof folder, "Bench/run %d", run_no);
    char *argv[] = {g_exe, "import", (char *)md, folder, NULL};
    double t0 = now();
    if (run(argv, 1) != 0)
        die("mapirt import failed");
    return now() - t0;
}

static int cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 10000, runs = argc > 2 ? atoi(argv[2]) : 3;
    const char *dir = argc > 3 ? argv[3] : access("/dev/shm", W_OK) == 0 ? "/dev/shm"
                                                                         : "/tmp";
    if (n <= 0 || runs <= 0 || runs > 50)
        die("usage: bench_import [N] [runs] [directory]");
    char self[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0)
        die("readlink /proc/self/exe");
    self[len] = '\0';
    *strrchr(self, '/') = '\0'; /* build/bench */
    snprintf(g_exe, sizeof g_exe, "%s/../bin/mapirt", self);
    snprintf(g_root, sizeof g_root, "%s/bench_import.XXXXXX", dir);
    if (!mkdtemp(g_root))
        die("mkdtemp");
    char md[PATH_MAX], path[PATH_MAX];
    snprintf(path, sizeof path, "%s/profiles.db", g_root);
    setenv("MAPIRT_PROFILES", path, 1);
    setenv("XDG_DATA_HOME", g_root, 1);
    setenv("MAPIRT_PROGRESS", "0", 1);
    unsetenv("MAPIRT_PROFILE");
    char *create[] = {g_exe, "profile", "create", "Bench", "--default-services", "--default", NULL};
    if (run(create, 1) != 0)
        die("mapirt profile create failed (is build/bin/mapirt built, with the providers?)");
    snprintf(md, sizeof md, "%s/maildir", g_root);
    make_maildir(md, n);
    g_mime_init();
    double a[50], b[50];
    for (int r = 0; r < runs; r++) {
        a[r] = mapirt_run(md, r);
        b[r] = floor_run(md, n, r);
        fprintf(stderr, "run %d: mapirt %.2f s, floor %.2f s\n", r + 1, a[r], b[r]);
    }
    qsort(a, (size_t)runs, sizeof *a, cmpd);
    qsort(b, (size_t)runs, sizeof *b, cmpd);
    double ma = a[runs / 2], mb = b[runs / 2];
    printf("mapirt import of %d small messages into %s, %d runs\n", n, dir, runs);
    printf("%-34s %10s %22s\n", "", "median s", "range s");
    printf("%-34s %10.2f %10.2f - %9.2f   %.0f us/message\n", "mapirt import (a process)", ma,
        a[0], a[runs - 1], ma * 1e6 / n);
    printf("%-34s %10.2f %10.2f - %9.2f   %.0f us/message\n", "floor: GMime + raw SQLite", mb, b[0],
        b[runs - 1], mb * 1e6 / n);
    printf("ratio %.2f\n", ma / mb);
    snprintf(path, sizeof path, "rm -rf '%s'", g_root);
    if (system(path) != 0)
        die("rm -rf failed");
    return 0;
}
