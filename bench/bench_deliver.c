/* bench_deliver.c: delivering N Maildir files into the Inbox through the whole stack (a
 * session from MAPILogonEx, the spooler, the Maildir transport parsing with GMime, the SQLite
 * store saving each message, the file moved to cur/), against a raw floor with the same
 * semantics written directly: parse each file with GMime, insert its properties and recipients
 * into SQLite (WAL, synchronous=FULL, one transaction per message, as the store), rename the file
 * to cur/ and fsync the directory. Shapes: "small" (a 1 KB text mail, 2 recipients), "html"
 * (multipart/alternative, 20 KB, 10 recipients), "attach" (a 100 KB base64 attachment).
 *   bench_deliver [files] [repeats] [dir]   (defaults 1000, 5, /tmp; /dev/shm shows the CPU
 *                                            cost without the disk's fsyncs)
 * Prints the median and range of each side, per shape, and the ratio of the medians.
 * configure: link -lsqlite3
 * configure: pkg gmime-3.0 */
#define _GNU_SOURCE
/* first: <fcntl.h> of _GNU_SOURCE defines LOCK_WRITE, a name <objidl.h> declares */
#include <mapix.h>
#include <mapiutil.h>

#include <dirent.h>
#include <fcntl.h>
#include <gmime/gmime.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* every path is under a short mkdtemp directory: PATH_MAX buffers cannot truncate */
#pragma GCC diagnostic ignored "-Wformat-truncation"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what)
{
    fprintf(stderr, "bench_deliver: %s\n", what);
    exit(2);
}

static char g_root[PATH_MAX];

static void rm_rf(const char *dir)
{
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        die("rm -rf failed");
}

static void mkmaildir(const char *d)
{
    static const char *const subs[] = {"", "/tmp", "/new", "/cur"};
    char p[PATH_MAX];
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s%s", d, subs[i]);
        mkdir(p, 0700);
    }
}

/* One mail of the shape, number i, into buf (malloc'd). */
static char *make_mail(const char *shape, int i)
{
    size_t cap = 400000, n = 0;
    char *b = malloc(cap);
    int nrcpt = strcmp(shape, "small") == 0 ? 2 : 10;
    n += (size_t)snprintf(b + n, cap - n, "From: Sender %d <sender%d@example.org>\nTo: ", i, i);
    for (int r = 0; r < nrcpt; r++)
        n += (size_t)snprintf(b + n, cap - n, "%sRcpt %d <r%d@example.net>", r ? ", " : "", r,
                              r);
    n += (size_t)snprintf(b + n, cap - n,
                          "\nSubject: =?UTF-8?Q?Message_=C3=BC_%d?=\n"
                          "Date: Tue, 01 Dec 2026 10:00:00 +0100\nMessage-ID: <%d@example.org>\n"
                          "MIME-Version: 1.0\n", i, i);
    if (strcmp(shape, "small") == 0) {
        n += (size_t)snprintf(b + n, cap - n, "Content-Type: text/plain; charset=utf-8\n\n");
        for (int k = 0; k < 16; k++)
            n += (size_t)snprintf(b + n, cap - n, "Line %02d of a short message number %d.\n",
                                  k, i);
    } else if (strcmp(shape, "html") == 0) {
        n += (size_t)snprintf(b + n, cap - n,
                              "Content-Type: multipart/alternative; boundary=b\n\n--b\n"
                              "Content-Type: text/plain; charset=utf-8\n\n");
        for (int k = 0; k < 150; k++)
            n += (size_t)snprintf(b + n, cap - n, "Paragraph %03d of the text part of %d.\n", k,
                                  i);
        n += (size_t)snprintf(b + n, cap - n, "--b\nContent-Type: text/html; charset=utf-8\n\n");
        for (int k = 0; k < 150; k++)
            n += (size_t)snprintf(b + n, cap - n, "<p>Paragraph <b>%03d</b> of %d.</p>\n", k, i);
        n += (size_t)snprintf(b + n, cap - n, "--b--\n");
    } else {
        n += (size_t)snprintf(b + n, cap - n,
                              "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
                              "Content-Type: text/plain\n\nSee the attachment.\n--b\n"
                              "Content-Type: application/octet-stream\n"
                              "Content-Disposition: attachment; filename=data.bin\n"
                              "Content-Transfer-Encoding: base64\n\n");
        static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (int line = 0; line < 100 * 1024 / 57; line++) {
            for (int k = 0; k < 76; k++)
                b[n++] = b64[(line * 7 + k * 13 + i) & 63];
            b[n++] = '\n';
        }
        n += (size_t)snprintf(b + n, cap - n, "--b--\n");
    }
    b[n] = '\0';
    return b;
}

static void fill(const char *maildir, const char *shape, int files)
{
    char p[PATH_MAX];
    for (int i = 0; i < files; i++) {
        char *m = make_mail(shape, i);
        snprintf(p, sizeof p, "%s/new/%010d.bench", maildir, i);
        FILE *f = fopen(p, "wb");
        if (!f || fwrite(m, 1, strlen(m), f) != strlen(m) || fclose(f) != 0)
            die("writing a mail file failed");
        free(m);
    }
}

/* ---- the floor: GMime + SQLite + rename ---- */

static double floor_run(const char *dir, const char *shape, int files)
{
    char maildir[PATH_MAX], db[PATH_MAX];
    snprintf(maildir, sizeof maildir, "%s/floor", dir);
    snprintf(db, sizeof db, "%s/floor.db", dir);
    mkmaildir(maildir);
    fill(maildir, shape, files);
    sqlite3 *d;
    if (sqlite3_open(db, &d) != SQLITE_OK)
        die("sqlite3_open");
    sqlite3_exec(d, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                    "CREATE TABLE msg(id INTEGER PRIMARY KEY, subject TEXT, sender TEXT, "
                    "  body TEXT, html TEXT, headers TEXT, delivered INTEGER);"
                    "CREATE TABLE rcpt(msg INTEGER, row INTEGER, name TEXT, addr TEXT);"
                    "CREATE TABLE att(msg INTEGER, name TEXT, data BLOB);",
                 NULL, NULL, NULL);
    sqlite3_stmt *im, *ir, *ia;
    sqlite3_prepare_v2(d, "INSERT INTO msg(subject, sender, body, html, headers, delivered) "
                          "VALUES(?,?,?,?,?,?)", -1, &im, NULL);
    sqlite3_prepare_v2(d, "INSERT INTO rcpt VALUES(?,?,?,?)", -1, &ir, NULL);
    sqlite3_prepare_v2(d, "INSERT INTO att VALUES(?,?,?)", -1, &ia, NULL);
    char cur[PATH_MAX];
    snprintf(cur, sizeof cur, "%s/cur", maildir);
    double t0 = now();
    DIR *nd;
    char p[PATH_MAX], q[PATH_MAX + 8], newdir[PATH_MAX];
    snprintf(newdir, sizeof newdir, "%s/new", maildir);
    nd = opendir(newdir);
    struct dirent *e;
    char **names = calloc((size_t)files, sizeof *names);
    int n = 0;
    while ((e = readdir(nd)) && n < files)
        if (e->d_name[0] != '.')
            names[n++] = strdup(e->d_name);
    closedir(nd);
    for (int i = 0; i < n; i++) {
        snprintf(p, sizeof p, "%s/%s", newdir, names[i]);
        int fd = open(p, O_RDONLY);
        GMimeStream *st = g_mime_stream_fs_new(fd);
        GMimeParser *ps = g_mime_parser_new_with_stream(st);
        GMimeMessage *m = g_mime_parser_construct_message(ps, NULL);
        g_object_unref(ps);
        g_object_unref(st);
        if (!m)
            die("floor: GMime failed");
        char *body = NULL, *html = NULL;
        GMimeObject *top = g_mime_message_get_mime_part(m);
        GPtrArray *atts = g_ptr_array_new();
        GMimePartIter *it = g_mime_part_iter_new(top);
        do {
            GMimeObject *o = g_mime_part_iter_get_current(it);
            if (!o || GMIME_IS_MULTIPART(o))
                continue;
            GMimeContentType *ct = g_mime_object_get_content_type(o);
            if (GMIME_IS_TEXT_PART(o) && g_mime_content_type_is_type(ct, "text", "plain") &&
                !body)
                body = g_mime_text_part_get_text(GMIME_TEXT_PART(o));
            else if (GMIME_IS_TEXT_PART(o) && g_mime_content_type_is_type(ct, "text", "html") &&
                     !html)
                html = g_mime_text_part_get_text(GMIME_TEXT_PART(o));
            else
                g_ptr_array_add(atts, o);
        } while (g_mime_part_iter_next(it));
        g_mime_part_iter_free(it);
        if (!GMIME_IS_MULTIPART(top) && !body && GMIME_IS_TEXT_PART(top))
            body = g_mime_text_part_get_text(GMIME_TEXT_PART(top));
        char *headers = g_mime_object_get_headers(GMIME_OBJECT(m), NULL);
        sqlite3_exec(d, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        sqlite3_bind_text(im, 1, g_mime_message_get_subject(m), -1, SQLITE_STATIC);
        InternetAddressList *from = g_mime_message_get_from(m);
        sqlite3_bind_text(im, 2, internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(
                                     internet_address_list_get_address(from, 0))),
                          -1, SQLITE_STATIC);
        sqlite3_bind_text(im, 3, body, -1, SQLITE_STATIC);
        sqlite3_bind_text(im, 4, html, -1, SQLITE_STATIC);
        sqlite3_bind_text(im, 5, headers, -1, SQLITE_STATIC);
        sqlite3_bind_int64(im, 6, (sqlite3_int64)time(NULL));
        sqlite3_step(im);
        sqlite3_reset(im);
        sqlite3_int64 id = sqlite3_last_insert_rowid(d);
        InternetAddressList *to = g_mime_message_get_addresses(m, GMIME_ADDRESS_TYPE_TO);
        for (int r = 0; r < internet_address_list_length(to); r++) {
            InternetAddress *a = internet_address_list_get_address(to, r);
            sqlite3_bind_int64(ir, 1, id);
            sqlite3_bind_int(ir, 2, r);
            sqlite3_bind_text(ir, 3, internet_address_get_name(a), -1, SQLITE_STATIC);
            sqlite3_bind_text(ir, 4, internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a)),
                              -1, SQLITE_STATIC);
            sqlite3_step(ir);
            sqlite3_reset(ir);
        }
        for (guint k = 0; k < atts->len; k++) {
            GMimeObject *o = g_ptr_array_index(atts, k);
            GMimeStream *mem = g_mime_stream_mem_new();
            g_mime_data_wrapper_write_to_stream(g_mime_part_get_content(GMIME_PART(o)), mem);
            GByteArray *ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
            sqlite3_bind_int64(ia, 1, id);
            sqlite3_bind_text(ia, 2, g_mime_part_get_filename(GMIME_PART(o)), -1, SQLITE_STATIC);
            sqlite3_bind_blob(ia, 3, ba->data, (int)ba->len, SQLITE_STATIC);
            sqlite3_step(ia);
            sqlite3_reset(ia);
            g_object_unref(mem);
        }
        sqlite3_exec(d, "COMMIT", NULL, NULL, NULL);
        g_ptr_array_free(atts, TRUE);
        g_free(body);
        g_free(html);
        g_free(headers);
        g_object_unref(m);
        snprintf(q, sizeof q, "%s/%s:2,", cur, names[i]);
        if (rename(p, q) != 0)
            die("floor: rename");
        int dfd = open(cur, O_RDONLY | O_DIRECTORY);
        fsync(dfd);
        close(dfd);
        free(names[i]);
    }
    double t = now() - t0;
    free(names);
    sqlite3_finalize(im);
    sqlite3_finalize(ir);
    sqlite3_finalize(ia);
    sqlite3_close(d);
    return t;
}

/* ---- mapirt: MAPILogonEx, the spooler's FlushQueues ---- */

static int g_run;

static double mapirt_run(const char *dir, const char *shape, int files)
{
    char in[PATH_MAX], out[PATH_MAX], db[PATH_MAX], cat[8192], path[PATH_MAX], prof[32];
    snprintf(in, sizeof in, "%s/in", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    snprintf(db, sizeof db, "%s/store.db", dir);
    mkmaildir(in);
    snprintf(cat, sizeof cat,
             "[Services]\nMSGSTORE=Personal Folders\nMAILDIR=Maildir Mail\n"
             "[MSGSTORE]\nProviders=MSGSTORE MS\n[MSGSTORE MS]\nPR_PROVIDER_DLL_NAME=MSGSTORE.DLL\n"
             "PR_RESOURCE_TYPE=MAPI_STORE_PROVIDER\nPR_RESOURCE_FLAGS=STATUS_DEFAULT_STORE\n"
             "6700001E=%s\n"
             "[MAILDIR]\nProviders=MAILDIR XP\n[MAILDIR XP]\nPR_PROVIDER_DLL_NAME=MAILDIR.DLL\n"
             "PR_RESOURCE_TYPE=MAPI_TRANSPORT_PROVIDER\n6710001E=%s\n6711001E=%s\n",
             db, out, in);
    snprintf(path, sizeof path, "%s/mapisvc.inf", dir);
    FILE *f = fopen(path, "w");
    fputs(cat, f);
    fclose(f);
    setenv("MAPIRT_SERVICES", path, 1);
    snprintf(prof, sizeof prof, "Bench%d", ++g_run);
    LPPROFADMIN pa;
    LPSERVICEADMIN sa;
    if (MAPIAdminProfiles(0, &pa) || pa->lpVtbl->CreateProfile(pa, (LPTSTR)prof, NULL, 0, 0) ||
        pa->lpVtbl->AdminServices(pa, (LPTSTR)prof, NULL, 0, 0, &sa) ||
        sa->lpVtbl->CreateMsgService(sa, (LPTSTR) "MSGSTORE", NULL, 0, 0) ||
        sa->lpVtbl->CreateMsgService(sa, (LPTSTR) "MAILDIR", NULL, 0, 0))
        die("making the profile failed");
    sa->lpVtbl->Release(sa);
    pa->lpVtbl->Release(pa);
    LPMAPISESSION s = NULL;
    /* the store exists and is open before the files arrive: its first logon is not timed */
    if (MAPILogonEx(0, (LPTSTR)prof, NULL, MAPI_EXPLICIT_PROFILE | MAPI_NEW_SESSION, &s))
        die("MAPILogonEx failed");
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    s->lpVtbl->GetMsgStoresTable(s, 0, &t);
    HrQueryAllRows(t, NULL, NULL, NULL, 0, &rows);
    t->lpVtbl->Release(t);
    LPMDB mdb = NULL;
    for (ULONG i = 0; i < rows->cRows; i++)
        for (ULONG k = 0; k < rows->aRow[i].cValues; k++)
            if (rows->aRow[i].lpProps[k].ulPropTag == PR_ENTRYID && !mdb)
                s->lpVtbl->OpenMsgStore(s, 0, rows->aRow[i].lpProps[k].Value.bin.cb,
                                        (LPENTRYID)rows->aRow[i].lpProps[k].Value.bin.lpb,
                                        NULL, MDB_WRITE, &mdb);
    FreeProws(rows);
    if (!mdb)
        die("no store");
    s->lpVtbl->GetStatusTable(s, 0, &t);
    HrQueryAllRows(t, NULL, NULL, NULL, 0, &rows);
    t->lpVtbl->Release(t);
    LPMAPISTATUS st = NULL;
    for (ULONG i = 0; i < rows->cRows && !st; i++) {
        int spooler = 0;
        const SPropValue *e = NULL;
        for (ULONG k = 0; k < rows->aRow[i].cValues; k++) {
            if (rows->aRow[i].lpProps[k].ulPropTag == PR_RESOURCE_TYPE &&
                rows->aRow[i].lpProps[k].Value.l == MAPI_SPOOLER)
                spooler = 1;
            if (rows->aRow[i].lpProps[k].ulPropTag == PR_ENTRYID)
                e = &rows->aRow[i].lpProps[k];
        }
        ULONG type;
        if (spooler && e)
            s->lpVtbl->OpenEntry(s, e->Value.bin.cb, (LPENTRYID)e->Value.bin.lpb, NULL, 0, &type,
                                 (LPUNKNOWN *)&st);
    }
    FreeProws(rows);
    if (!st)
        die("no spooler status");
    fill(in, shape, files);
    double t0 = now();
    if (st->lpVtbl->FlushQueues(st, 0, 0, NULL, 0) != S_OK)
        die("FlushQueues failed");
    double took = now() - t0;
    char curdir[PATH_MAX];
    snprintf(curdir, sizeof curdir, "%s/cur", in);
    DIR *d = opendir(curdir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    if (n != files)
        die("not every file was delivered");
    st->lpVtbl->Release(st);
    mdb->lpVtbl->Release(mdb);
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
    return took;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    int files = argc > 1 ? atoi(argv[1]) : 1000, repeats = argc > 2 ? atoi(argv[2]) : 5;
    if (files <= 0 || repeats <= 0 || repeats > 50)
        die("usage: bench_deliver [files] [repeats]");
    char prov[PATH_MAX];
    if (!realpath("build/mapirt/providers", prov))
        die("run from the source tree after `ninja`");
    setenv("MAPIRT_PROVIDER_PATH", prov, 1);
    setenv("MAPIRT_SPOOL_POLL_MS", "3600000", 1);
    snprintf(g_root, sizeof g_root, "%s/bench_deliver.XXXXXX", argc > 3 ? argv[3] : "/tmp");
    if (!mkdtemp(g_root))
        die("mkdtemp");
    char profiles[PATH_MAX + 16];
    snprintf(profiles, sizeof profiles, "%s/profiles.db", g_root);
    setenv("MAPIRT_PROFILES", profiles, 1);
    g_mime_init();
    if (MAPIInitialize(NULL) != S_OK)
        die("MAPIInitialize");
    static const char *const shapes[] = {"small", "html", "attach"};
    printf("%-7s %6s  %-28s %-28s %s\n", "shape", "files", "mapirt s (median [range])",
           "floor s (median [range])", "ratio");
    for (int k = 0; k < 3; k++) {
        double a[50], b[50];
        for (int r = 0; r < repeats; r++) {
            char dir[PATH_MAX + 32];
            snprintf(dir, sizeof dir, "%s/%s%d", g_root, shapes[k], r);
            mkdir(dir, 0700);
            b[r] = floor_run(dir, shapes[k], files);
            a[r] = mapirt_run(dir, shapes[k], files);
            rm_rf(dir);
        }
        qsort(a, (size_t)repeats, sizeof *a, cmp);
        qsort(b, (size_t)repeats, sizeof *b, cmp);
        double ma = a[repeats / 2], mb = b[repeats / 2];
        printf("%-7s %6d  %6.3f [%6.3f..%6.3f]       %6.3f [%6.3f..%6.3f]       %.2fx\n",
               shapes[k], files, ma, a[0], a[repeats - 1], mb, b[0], b[repeats - 1], ma / mb);
        fflush(stdout);
    }
    MAPIUninitialize();
    rm_rf(g_root);
    return 0;
}
