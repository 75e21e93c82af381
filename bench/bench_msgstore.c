/* bench_msgstore.c: the bundled SQLite message store (providers/msgstore/) through a real
 * session, against the same work done with raw SQLite statements on a database of the same
 * schema and settings (WAL, synchronous=FULL, prepared statements, no MAPI), side by side:
 *   1. create + save N messages of 20 properties (CreateMessage, SetProps, SaveChanges): the
 *      baseline inserts the object, its 20 property rows and its index row in one transaction;
 *   2. open the N messages by entry ID and read one property: the baseline reads every
 *      property row of the message (what opening loads);
 *   3. the contents table of a folder of F messages with realistic subjects and senders, sorted
 *      by PR_MESSAGE_DELIVERY_TIME (descending) and by PR_SUBJECT: the first page of 50 after
 *      SortTable on a new view, and pages of 50 at increasing depths; the baseline is the
 *      indexed SQL query (ORDER BY ... LIMIT 50 OFFSET k) on the store's own file.
 *   bench_msgstore [N] [F] [directory]   (defaults 10000, 100000, /dev/shm when present)
 * On tmpfs fsync is free and the ratios show the store's own cost. Median and range of RUNS.
 * Exit status: 0 goals met (1: within 2x; 3: first page < 10 ms and within 2x), 1 missed,
 * 2 a check failed.
 * configure: link -lsqlite3 */
#define _DEFAULT_SOURCE
#include <mapicode.h>
#include <mapidefs.h>
#include <mapiguid.h>
#include <mapitags.h>
#include <mapiutil.h>
#include <mapix.h>

#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RUNS 5
#define PAGE_RUNS 21 /* a page is tens of microseconds: more runs for a steady median */
#define PAGE 50

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* median, min, max of n values (sorted in place) */
static void stats(double *v, int n, double *med, double *lo, double *hi)
{
    qsort(v, (size_t)n, sizeof *v, cmpd);
    *med = v[n / 2];
    *lo = v[0];
    *hi = v[n - 1];
}

static void fail(const char *what, HRESULT hr)
{
    fprintf(stderr, "bench_msgstore: %s failed: 0x%08X\n", what, (unsigned)hr);
    exit(2);
}

#define CHECK(call)                                                                           \
    do {                                                                                      \
        HRESULT hr_ = (call);                                                                 \
        if (FAILED(hr_))                                                                      \
            fail(#call, hr_);                                                                 \
    } while (0)

/* ---- realistic data ------------------------------------------------------------------------- */

static const char *const W1[] = {"Re:", "Fwd:", "", "", "", "RE:", "", "Update:", "", ""};
static const char *const W2[] = {"Quarterly", "Weekly", "Project", "Budget", "Team", "Customer",
                                 "Release", "Invoice", "Meeting", "Design", "Security", "Travel",
                                 "Hiring", "Board", "Sales", "Support"};
static const char *const W3[] = {"review", "notes", "plan", "status", "request", "follow-up",
                                 "agenda", "report", "proposal", "summary", "approval",
                                 "question", "feedback", "schedule"};
static const char *const FIRST[] = {"Anna", "Ben", "Chloé", "David", "Elif", "Fatima", "George",
                                    "Hiroshi", "Ines", "Jonas", "Kofi", "Lena", "Mateo",
                                    "Nadia", "Olga", "Pavel", "Quinn", "Rosa", "Sven", "Tariq"};
static const char *const LAST[] = {"Müller", "Smith", "García", "Kowalski", "Nguyen", "Okafor",
                                   "Rossi", "Schmidt", "Tanaka", "Dubois"};

static unsigned rnd(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return *s >> 8;
}

static void subject_of(unsigned *s, char *out, size_t cb)
{
    const char *p = W1[rnd(s) % 10];
    snprintf(out, cb, "%s%s%s %s %u", p, *p ? " " : "", W2[rnd(s) % 16], W3[rnd(s) % 14],
             rnd(s) % 1000);
}

static void sender_of(unsigned *s, char *out, size_t cb)
{
    snprintf(out, cb, "%s %s", FIRST[rnd(s) % 20], LAST[rnd(s) % 10]);
}

/* The 20 properties of message i (strings point into bufs). */
static void props_of(unsigned i, SPropValue *v, char bufs[3][96])
{
    unsigned s = i * 2654435761u + 7;
    memset(v, 0, 20 * sizeof *v);
    subject_of(&s, bufs[0], sizeof bufs[0]);
    sender_of(&s, bufs[1], sizeof bufs[1]);
    snprintf(bufs[2], sizeof bufs[2], "%c%c@example.org", 'a' + (char)(rnd(&s) % 26),
             'a' + (char)(rnd(&s) % 26));
    /* a delivery time within about a year, in no particular order */
    uint64_t t = 133500000000000000ull + (uint64_t)(rnd(&s) % 31536000u) * 10000000ull;
    v[0].ulPropTag = PR_SUBJECT_A;
    v[0].Value.lpszA = bufs[0];
    v[1].ulPropTag = PR_SENDER_NAME_A;
    v[1].Value.lpszA = bufs[1];
    v[2].ulPropTag = PR_SENDER_EMAIL_ADDRESS_A;
    v[2].Value.lpszA = bufs[2];
    v[3].ulPropTag = PR_MESSAGE_DELIVERY_TIME;
    v[3].Value.ft.dwLowDateTime = (DWORD)t;
    v[3].Value.ft.dwHighDateTime = (DWORD)(t >> 32);
    v[4].ulPropTag = PR_CLIENT_SUBMIT_TIME;
    v[4].Value.ft = v[3].Value.ft;
    v[5].ulPropTag = PR_MESSAGE_CLASS_A;
    v[5].Value.lpszA = "IPM.Note";
    v[6].ulPropTag = PR_MESSAGE_FLAGS;
    v[6].Value.l = (rnd(&s) % 3) ? MSGFLAG_READ : 0;
    v[7].ulPropTag = PR_IMPORTANCE;
    v[7].Value.l = 1;
    v[8].ulPropTag = PR_PRIORITY;
    v[8].Value.l = 0;
    v[9].ulPropTag = PR_SENSITIVITY;
    v[9].Value.l = 0;
    for (int k = 10; k < 20; k++) {
        v[k].ulPropTag = PROP_TAG(PT_LONG, 0x6800 + k);
        v[k].Value.l = (LONG)(i + (unsigned)k);
    }
}

/* ---- the mapirt side ---------------------------------------------------------------------- */

static char g_dir[PATH_MAX];

static LPMAPISESSION session_on(const char *profile)
{
    LPPROFADMIN pa;
    LPMAPISESSION s;
    CHECK(MAPIAdminProfiles(0, &pa));
    CHECK(pa->lpVtbl->CreateProfile(pa, (LPTSTR)profile, NULL, 0, MAPI_DEFAULT_SERVICES));
    pa->lpVtbl->Release(pa);
    CHECK(MAPILogonEx(0, (LPTSTR)profile, NULL, MAPI_NEW_SESSION | MAPI_EXTENDED, &s));
    return s;
}

static LPMDB default_store(LPMAPISESSION s)
{
    LPMAPITABLE t;
    LPSRowSet rows;
    LPMDB mdb;
    SizedSPropTagArray(1, cols) = {1, {PR_ENTRYID}};
    CHECK(s->lpVtbl->GetMsgStoresTable(s, 0, &t));
    CHECK(HrQueryAllRows(t, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows));
    if (rows->cRows != 1)
        fail("one store in the profile", MAPI_E_NOT_FOUND);
    SBinary *e = &rows->aRow[0].lpProps[0].Value.bin;
    CHECK(s->lpVtbl->OpenMsgStore(s, 0, e->cb, (LPENTRYID)e->lpb, NULL, MDB_WRITE, &mdb));
    FreeProws(rows);
    t->lpVtbl->Release(t);
    return mdb;
}

static LPMAPIFOLDER new_folder(LPMDB mdb, const char *name)
{
    ULONG cb, type;
    LPENTRYID eid;
    LPMAPIFOLDER inbox, f;
    CHECK(mdb->lpVtbl->GetReceiveFolder(mdb, (LPTSTR) "IPM.Note", 0, &cb, &eid, NULL));
    CHECK(mdb->lpVtbl->OpenEntry(mdb, cb, eid, NULL, MAPI_MODIFY, &type, (LPUNKNOWN *)&inbox));
    MAPIFreeBuffer(eid);
    CHECK(inbox->lpVtbl->CreateFolder(inbox, FOLDER_GENERIC, (LPTSTR)name, NULL, NULL, 0, &f));
    inbox->lpVtbl->Release(inbox);
    return f;
}

/* Creates n messages in f; their entry IDs into eids when not NULL. Returns the seconds. */
static double create_mapi(LPMAPIFOLDER f, unsigned n, unsigned base, SBinary *eids)
{
    double t0 = now();
    for (unsigned i = 0; i < n; i++) {
        SPropValue v[20];
        char bufs[3][96];
        LPMESSAGE m;
        props_of(base + i, v, bufs);
        CHECK(f->lpVtbl->CreateMessage(f, NULL, 0, &m));
        CHECK(m->lpVtbl->SetProps(m, 20, v, NULL));
        CHECK(m->lpVtbl->SaveChanges(m, eids ? KEEP_OPEN_READONLY : 0));
        if (eids) {
            LPSPropValue e;
            CHECK(HrGetOneProp((LPMAPIPROP)m, PR_ENTRYID, &e));
            eids[i].cb = e->Value.bin.cb;
            eids[i].lpb = malloc(e->Value.bin.cb);
            memcpy(eids[i].lpb, e->Value.bin.lpb, e->Value.bin.cb);
            MAPIFreeBuffer(e);
        }
        m->lpVtbl->Release(m);
    }
    return now() - t0;
}

static double open_mapi(LPMDB mdb, unsigned n, SBinary *eids)
{
    double t0 = now();
    for (unsigned i = 0; i < n; i++) {
        ULONG type;
        LPMESSAGE m;
        LPSPropValue v;
        CHECK(mdb->lpVtbl->OpenEntry(mdb, eids[i].cb, (LPENTRYID)eids[i].lpb, NULL, 0, &type,
                                     (LPUNKNOWN *)&m));
        CHECK(HrGetOneProp((LPMAPIPROP)m, PR_SUBJECT_A, &v));
        MAPIFreeBuffer(v);
        m->lpVtbl->Release(m);
    }
    return now() - t0;
}

/* A new view of f sorted by tag, then the page at depth: the seconds of SortTable + QueryRows. */
static double page_mapi(LPMAPIFOLDER f, ULONG tag, ULONG order, ULONG depth, LPSRowSet *keep)
{
    LPMAPITABLE t;
    LPSRowSet rows;
    SizedSPropTagArray(5, cols) = {5, {PR_ENTRYID, PR_SUBJECT_A, PR_SENDER_NAME_A,
                                       PR_MESSAGE_DELIVERY_TIME, PR_MESSAGE_FLAGS}};
    SizedSSortOrderSet(1, sort) = {1, 0, 0, {{tag, order}}};
    double t0 = now();
    CHECK(f->lpVtbl->GetContentsTable(f, 0, &t));
    CHECK(t->lpVtbl->SetColumns(t, (LPSPropTagArray)&cols, 0));
    CHECK(t->lpVtbl->SortTable(t, (LPSSortOrderSet)&sort, 0));
    if (depth)
        CHECK(t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, (LONG)depth, NULL));
    CHECK(t->lpVtbl->QueryRows(t, PAGE, 0, &rows));
    double dt = now() - t0;
    if (rows->cRows != PAGE)
        fail("a full page", MAPI_E_NOT_FOUND);
    if (keep)
        *keep = rows;
    else
        FreeProws(rows);
    t->lpVtbl->Release(t);
    return dt;
}

/* ---- the raw SQLite side -------------------------------------------------------------------- */

/* The store's string order (providers/msgstore/collate.c: LPropCompareProp's order, ASCII pairs
 * compared in place), registered on the baseline's connections as MAPIRT: the store's subject
 * index is built with it, and the baseline must sort as the store does. */
static int raw_collate(void *u, int na, const void *a, int nb, const void *b)
{
    const unsigned char *x = a, *y = b;
    int exact = 0, n = na < nb ? na : nb, ascii = 1;
    (void)u;
    for (int i = 0; i < na && ascii; i++)
        ascii = x[i] < 0x80;
    for (int i = 0; i < nb && ascii; i++)
        ascii = y[i] < 0x80;
    if (ascii) {
        for (int i = 0; i < n; i++) {
            unsigned ca = x[i], cb = y[i];
            unsigned la = ca - 'A' < 26u ? ca + 32 : ca, lb = cb - 'A' < 26u ? cb + 32 : cb;
            if (la != lb)
                return la < lb ? -1 : 1;
            if (!exact && ca != cb)
                exact = ca < cb ? -1 : 1;
        }
        return na != nb ? (na < nb ? -1 : 1) : exact;
    }
    char sa[1024], sb[1024];
    SPropValue va = {.ulPropTag = PR_SUBJECT_A}, vb = {.ulPropTag = PR_SUBJECT_A};
    snprintf(sa, sizeof sa, "%.*s", na, (const char *)a);
    snprintf(sb, sizeof sb, "%.*s", nb, (const char *)b);
    va.Value.lpszA = sa;
    vb.Value.lpszA = sb;
    LONG r = LPropCompareProp(&va, &vb);
    return (r > 0) - (r < 0);
}

static sqlite3 *raw_open(const char *path)
{
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK)
        fail("sqlite3_open", MAPI_E_CALL_FAILED);
    sqlite3_create_collation(db, "MAPIRT", SQLITE_UTF8, NULL, raw_collate);
    sqlite3_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                     "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
    return db;
}

/* The store's tables, as db.c creates them (the parts this work touches). */
static void raw_schema(sqlite3 *db)
{
    if (sqlite3_exec(db,
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
                     "CREATE INDEX messages_subject ON messages(folder, assoc, subject COLLATE"
                     " MAPIRT);"
                     "CREATE INDEX messages_time_desc ON messages(folder, assoc, delivery_time"
                     " DESC, id);"
                     "INSERT INTO objects(id, kind) VALUES(1, 3);",
                     NULL, NULL, NULL) != SQLITE_OK)
        fail("the baseline schema", MAPI_E_CALL_FAILED);
}

static double create_raw(sqlite3 *db, unsigned n, unsigned base, sqlite3_int64 *ids)
{
    sqlite3_stmt *obj, *prop, *msg;
    sqlite3_prepare_v2(db, "INSERT INTO objects(kind, parent) VALUES(5, 1)", -1, &obj, NULL);
    sqlite3_prepare_v2(db, "INSERT INTO props(obj, id, type, val) VALUES(?, ?, ?, ?)", -1, &prop,
                       NULL);
    sqlite3_prepare_v2(db, "INSERT INTO messages(id, folder, delivery_time, subject, sender,"
                           " message_class, flags) VALUES(?, 1, ?, ?, ?, ?, ?)", -1, &msg, NULL);
    double t0 = now();
    for (unsigned i = 0; i < n; i++) {
        SPropValue v[20];
        char bufs[3][96];
        props_of(base + i, v, bufs);
        sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        sqlite3_step(obj);
        sqlite3_reset(obj);
        sqlite3_int64 id = sqlite3_last_insert_rowid(db);
        for (int k = 0; k < 20; k++) {
            ULONG t = PROP_TYPE(v[k].ulPropTag);
            sqlite3_bind_int64(prop, 1, id);
            sqlite3_bind_int(prop, 2, (int)PROP_ID(v[k].ulPropTag));
            sqlite3_bind_int(prop, 3, (int)t);
            if (t == PT_STRING8)
                sqlite3_bind_text(prop, 4, v[k].Value.lpszA, -1, SQLITE_STATIC);
            else if (t == PT_SYSTIME)
                sqlite3_bind_int64(prop, 4, (sqlite3_int64)((uint64_t)v[k].Value.ft.dwHighDateTime
                                                                << 32 |
                                                            v[k].Value.ft.dwLowDateTime));
            else
                sqlite3_bind_int(prop, 4, v[k].Value.l);
            sqlite3_step(prop);
            sqlite3_reset(prop);
        }
        sqlite3_bind_int64(msg, 1, id);
        sqlite3_bind_int64(msg, 2, (sqlite3_int64)((uint64_t)v[3].Value.ft.dwHighDateTime << 32 |
                                                   v[3].Value.ft.dwLowDateTime));
        sqlite3_bind_text(msg, 3, v[0].Value.lpszA, -1, SQLITE_STATIC);
        sqlite3_bind_text(msg, 4, v[1].Value.lpszA, -1, SQLITE_STATIC);
        sqlite3_bind_text(msg, 5, v[5].Value.lpszA, -1, SQLITE_STATIC);
        sqlite3_bind_int(msg, 6, v[6].Value.l);
        if (sqlite3_step(msg) != SQLITE_DONE)
            fail("the baseline insert", MAPI_E_CALL_FAILED);
        sqlite3_reset(msg);
        if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
            fail("the baseline commit", MAPI_E_CALL_FAILED);
        if (ids)
            ids[i] = id;
    }
    double dt = now() - t0;
    sqlite3_finalize(obj);
    sqlite3_finalize(prop);
    sqlite3_finalize(msg);
    return dt;
}

static double open_raw(sqlite3 *db, unsigned n, const sqlite3_int64 *ids)
{
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "SELECT id, type, val FROM props WHERE obj = ?", -1, &st, NULL);
    double t0 = now();
    long sum = 0;
    for (unsigned i = 0; i < n; i++) {
        sqlite3_bind_int64(st, 1, ids[i]);
        while (sqlite3_step(st) == SQLITE_ROW)
            sum += sqlite3_column_bytes(st, 2);
        sqlite3_reset(st);
    }
    double dt = now() - t0;
    sqlite3_finalize(st);
    if (sum == 0)
        fail("the baseline read", MAPI_E_NOT_FOUND);
    return dt;
}

/* The indexed query of a page, on the store's own file. */
static double page_raw(sqlite3 *db, sqlite3_int64 folder, const char *order, ULONG depth)
{
    char sql[512];
    sqlite3_stmt *st;
    snprintf(sql, sizeof sql,
             "SELECT id, subject, sender, delivery_time, flags FROM messages WHERE folder = ?"
             " AND assoc = 0 ORDER BY %s LIMIT %d OFFSET %u", order, PAGE, depth);
    double t0 = now();
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail("the baseline query", MAPI_E_CALL_FAILED);
    sqlite3_bind_int64(st, 1, folder);
    int rows = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        rows++;
        (void)sqlite3_column_text(st, 1);
        (void)sqlite3_column_text(st, 2);
    }
    sqlite3_finalize(st);
    double dt = now() - t0;
    if (rows != PAGE)
        fail("a full baseline page", MAPI_E_NOT_FOUND);
    return dt;
}

/* ---- main ----------------------------------------------------------------------------------- */

static int report(const char *what, double *m, double *r, int n, double per, const char *unit,
                  double goal)
{
    double mm, ml, mh, rm, rl, rh;
    stats(m, n, &mm, &ml, &mh);
    stats(r, n, &rm, &rl, &rh);
    double ratio = mm / rm;
    printf("%-44s mapirt %8.2f %s [%.2f-%.2f]  sqlite %8.2f %s [%.2f-%.2f]  ratio %.2f%s\n", what,
           mm * per, unit, ml * per, mh * per, rm * per, unit, rl * per, rh * per, ratio,
           goal > 0 ? (ratio <= goal ? "  (goal met)" : "  (GOAL MISSED)") : "");
    return goal > 0 && ratio > goal;
}

int main(int argc, char **argv)
{
    unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 10000;
    unsigned big = argc > 2 ? (unsigned)atoi(argv[2]) : 100000;
    const char *base = argc > 3 ? argv[3] : (access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    char exe[PATH_MAX], tmp[PATH_MAX + 64];
    int missed = 0;
    if (big < 2 * PAGE) {
        fprintf(stderr, "usage: bench_msgstore [N (0: skip 1 and 2)] [F >= 100] [directory]\n");
        return 2;
    }
    snprintf(g_dir, sizeof g_dir, "%s/bench_msgstore-XXXXXX", base);
    if (mkdtemp(g_dir) == NULL)
        fail("mkdtemp", MAPI_E_CALL_FAILED);
    /* The staged catalog fragment and provider beside this program's build. */
    ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (k <= 0)
        fail("readlink", MAPI_E_CALL_FAILED);
    exe[k] = 0;
    *strrchr(exe, '/') = 0;
    snprintf(tmp, sizeof tmp, "%s/../mapirt/mapisvc.d", exe);
    setenv("MAPIRT_SERVICES", tmp, 1);
    snprintf(tmp, sizeof tmp, "%s/../mapirt/providers", exe);
    char prov[PATH_MAX];
    if (realpath(tmp, prov) == NULL)
        fail("build/mapirt/providers", MAPI_E_NOT_FOUND);
    setenv("MAPIRT_PROVIDER_PATH", prov, 1);
    snprintf(tmp, sizeof tmp, "%s/profiles.db", g_dir);
    setenv("MAPIRT_PROFILES", tmp, 1);
    setenv("XDG_DATA_HOME", g_dir, 1);
    CHECK(MAPIInitialize(NULL));
    printf("bench_msgstore: N=%u, F=%u, in %s; median [min-max] of %d runs (pages: %d)\n", n,
           big, g_dir, RUNS, PAGE_RUNS);

    /* 1 and 2: a fresh store and a fresh baseline file per run. */
    double cm[RUNS], cr[RUNS], om[RUNS], orr[RUNS];
    SBinary *eids = calloc(n, sizeof *eids);
    sqlite3_int64 *ids = calloc(n, sizeof *ids);
    for (int r = 0; n && r < RUNS; r++) {
        char prof[32], fname[32];
        snprintf(prof, sizeof prof, "run%d", r);
        snprintf(fname, sizeof fname, "f%d", r);
        LPMAPISESSION s = session_on(prof);
        LPMDB mdb = default_store(s);
        LPMAPIFOLDER f = new_folder(mdb, fname);
        cm[r] = create_mapi(f, n, 0, eids);
        om[r] = open_mapi(mdb, n, eids);
        for (unsigned i = 0; i < n; i++)
            free(eids[i].lpb);
        f->lpVtbl->Release(f);
        mdb->lpVtbl->Release(mdb);
        s->lpVtbl->Logoff(s, 0, 0, 0);
        s->lpVtbl->Release(s);
        snprintf(tmp, sizeof tmp, "%s/raw%d.db", g_dir, r);
        sqlite3 *db = raw_open(tmp);
        raw_schema(db);
        cr[r] = create_raw(db, n, 0, ids);
        orr[r] = open_raw(db, n, ids);
        sqlite3_close(db);
    }
    char what[96];
    if (n) {
        snprintf(what, sizeof what, "create+save %u messages of 20 props (us/msg)", n);
        missed |= report(what, cm, cr, RUNS, 1e6 / n, "us", 2.0);
        snprintf(what, sizeof what, "open %u messages by entry ID (us/msg)", n);
        missed |= report(what, om, orr, RUNS, 1e6 / n, "us", 0);
    }

    /* 3: one folder of F messages, then pages. */
    LPMAPISESSION s = session_on("big");
    LPMDB mdb = default_store(s);
    LPMAPIFOLDER f = new_folder(mdb, "big");
    double fill = create_mapi(f, big, 1000000, NULL);
    printf("(filled the %u-message folder through MAPI in %.1f s)\n", big, fill);
    LPSPropValue path = NULL;
    sqlite3_int64 folder = 0;
    {
        LPSPropValue e;
        CHECK(HrGetOneProp((LPMAPIPROP)f, PR_ENTRYID, &e));
        for (int i = 7; i >= 0; i--)
            folder = folder << 8 | e->Value.bin.lpb[24 + i];
        MAPIFreeBuffer(e);
    }
    (void)path;
    snprintf(tmp, sizeof tmp, "ls %s/mapirt/msgstore/*.db", g_dir);
    FILE *ls = popen(tmp, "r");
    char files[8][PATH_MAX];
    int nfiles = 0;
    while (nfiles < 8 && ls && fgets(files[nfiles], PATH_MAX, ls))
        files[nfiles][strcspn(files[nfiles], "\n")] = 0, nfiles++;
    if (ls)
        pclose(ls);
    /* The big store is the newest file: the one holding the folder. */
    sqlite3 *db = NULL;
    for (int i = 0; i < nfiles && !db; i++) {
        sqlite3 *c = raw_open(files[i]);
        sqlite3_stmt *st;
        sqlite3_prepare_v2(c, "SELECT count(*) FROM messages WHERE folder = ?", -1, &st, NULL);
        sqlite3_bind_int64(st, 1, folder);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) == big)
            db = c;
        else
            sqlite3_close(c);
        sqlite3_finalize(st);
    }
    if (db == NULL)
        fail("finding the store's file", MAPI_E_NOT_FOUND);
    static const struct {
        ULONG tag, order;
        const char *sql, *name;
    } sorts[] = {
        {PR_MESSAGE_DELIVERY_TIME, TABLE_SORT_DESCEND, "delivery_time DESC, id",
         "PR_MESSAGE_DELIVERY_TIME desc"},
        {PR_SUBJECT_A, TABLE_SORT_ASCEND, "subject COLLATE MAPIRT NULLS LAST, id",
         "PR_SUBJECT"},
    };
    const ULONG depths[] = {0, 1000, big / 2};
    for (size_t si = 0; si < 2; si++) {
        for (size_t di = 0; di < 3; di++) {
            double pm[PAGE_RUNS], pr[PAGE_RUNS];
            for (int r = 0; r < PAGE_RUNS; r++) {
                LPSRowSet rows = NULL;
                pm[r] = page_mapi(f, sorts[si].tag, sorts[si].order, depths[di], &rows);
                pr[r] = page_raw(db, folder, sorts[si].sql, depths[di]);
                FreeProws(rows);
            }
            snprintf(what, sizeof what, "page of %d at row %u, %s (ms)", PAGE, depths[di],
                     sorts[si].name);
            missed |= report(what, pm, pr, PAGE_RUNS, 1e3, "ms", 2.0);
            if (di == 0) {
                double copy[PAGE_RUNS];
                memcpy(copy, pm, sizeof copy);
                double med, lo, hi;
                stats(copy, PAGE_RUNS, &med, &lo, &hi);
                if (med >= 0.010) {
                    printf("  first page took %.2f ms: GOAL MISSED (< 10 ms)\n", med * 1e3);
                    missed = 1;
                }
            }
        }
    }
    sqlite3_close(db);
    f->lpVtbl->Release(f);
    mdb->lpVtbl->Release(mdb);
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
    MAPIUninitialize();
    snprintf(tmp, sizeof tmp, "rm -rf '%s'", g_dir);
    if (system(tmp) != 0)
        fprintf(stderr, "could not remove %s\n", g_dir);
    free(eids);
    free(ids);
    return missed ? 1 : 0;
}
