/* bench_table.c: an in-memory table of 100,000 rows queried through IMAPITable (Restrict,
 * SortTable on two keys, QueryRows of everything, FreeProws) against the same query on an
 * in-memory SQLite database (WHERE, ORDER BY two columns, reading every column of every row).
 * Loading the data is not timed on either side. Run with an optimised, unsanitised build:
 *   bench_table [rows] [repeats]
 * Prints the best time of each side and their ratio. Exit status (as bench/README.md): 0 the
 * table is faster, 1 it is slower, 2 the two results differ (compared through a checksum of the
 * sort keys in result order).
 * configure: link -lsqlite3 */
#define _POSIX_C_SOURCE 200809L
#include <mapix.h>
#include <mapiutil.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define T_ID PROP_TAG(PT_LONG, 0x6700)
#define T_NAME PROP_TAG(PT_STRING8, 0x6701)
#define T_NUM PROP_TAG(PT_LONG, 0x6702)
#define T_GRP PROP_TAG(PT_LONG, 0x6703)
#define T_WHEN PROP_TAG(PT_SYSTIME, 0x6704)

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct row {
    int id, num, grp;
    long long when;
    char name[16];
};

static void make_rows(struct row *r, int n)
{
    static const char *syll[] = {"ka", "lo", "mi", "ne", "su", "ta", "ro", "vi", "de", "po"};
    unsigned seed = 12345;
    for (int i = 0; i < n; i++) {
        r[i].id = i;
        r[i].num = (int)(rand_r(&seed) % 1000);
        r[i].grp = (int)(rand_r(&seed) % 100);
        r[i].when = 130000000000000000LL + (long long)(rand_r(&seed) % 1000000) * 10000000LL;
        snprintf(r[i].name, sizeof(r[i].name), "%s%s%s", syll[rand_r(&seed) % 10],
            syll[rand_r(&seed) % 10], syll[rand_r(&seed) % 10]);
    }
}

static LPTABLEDATA load_table(const struct row *r, int n)
{
    SizedSPropTagArray(5, cols) = {5, {T_ID, T_NAME, T_NUM, T_GRP, T_WHEN}};
    LPTABLEDATA td;
    SRowSet *set;
    SPropValue *p;

    if (CreateTable(NULL, MAPIAllocateBuffer, MAPIAllocateMore, MAPIFreeBuffer, NULL,
            TBLTYPE_DYNAMIC, T_ID, (LPSPropTagArray)&cols, &td) != S_OK)
        abort();
    set = malloc(CbNewSRowSet(n));
    p = calloc((size_t)n * 5, sizeof(SPropValue));
    set->cRows = (ULONG)n;
    for (int i = 0; i < n; i++) {
        SPropValue *q = &p[i * 5];
        q[0].ulPropTag = T_ID;
        q[0].Value.l = r[i].id;
        q[1].ulPropTag = T_NAME;
        q[1].Value.lpszA = (LPSTR)r[i].name;
        q[2].ulPropTag = T_NUM;
        q[2].Value.l = r[i].num;
        q[3].ulPropTag = T_GRP;
        q[3].Value.l = r[i].grp;
        q[4].ulPropTag = T_WHEN;
        q[4].Value.ft.dwLowDateTime = (ULONG)r[i].when;
        q[4].Value.ft.dwHighDateTime = (ULONG)(r[i].when >> 32);
        set->aRow[i] = (SRow){0, 5, q};
    }
    if (td->lpVtbl->HrModifyRows(td, 0, set) != S_OK)
        abort();
    free(p);
    free(set);
    return td;
}

static double query_table(LPTABLEDATA td, long *checksum)
{
    SizedSSortOrderSet(2, sort) = {2, 0, 0, {{T_GRP, TABLE_SORT_ASCEND}, {T_NAME, TABLE_SORT_DESCEND}}};
    SPropValue lim = {T_NUM, 0, {.l = 250}};
    SRestriction res = {RES_PROPERTY, {.resProperty = {RELOP_GE, T_NUM, &lim}}};
    LPMAPITABLE v;
    LPSRowSet rows;

    if (td->lpVtbl->HrGetView(td, NULL, NULL, 0, &v) != S_OK)
        abort();
    double t0 = now();
    if (v->lpVtbl->Restrict(v, &res, 0) != S_OK ||
        v->lpVtbl->SortTable(v, (LPSSortOrderSet)&sort, 0) != S_OK ||
        v->lpVtbl->QueryRows(v, 0x7fffffff, 0, &rows) != S_OK)
        abort();
    for (ULONG i = 0; i < rows->cRows; i++)
        *checksum += (rows->aRow[i].lpProps[3].Value.l * 7 + rows->aRow[i].lpProps[1].Value.lpszA[0] +
                         rows->aRow[i].lpProps[1].Value.lpszA[3]) *
                     (long)(i + 1);
    FreeProws(rows);
    double t = now() - t0;
    v->lpVtbl->Release(v);
    return t;
}

static sqlite3 *load_sqlite(const struct row *r, int n)
{
    sqlite3 *db;
    sqlite3_stmt *st;

    if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
        sqlite3_exec(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, num INTEGER, "
                         "grp INTEGER, whn INTEGER); BEGIN",
            NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT INTO t VALUES (?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
        abort();
    for (int i = 0; i < n; i++) {
        sqlite3_bind_int(st, 1, r[i].id);
        sqlite3_bind_text(st, 2, r[i].name, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 3, r[i].num);
        sqlite3_bind_int(st, 4, r[i].grp);
        sqlite3_bind_int64(st, 5, r[i].when);
        if (sqlite3_step(st) != SQLITE_DONE)
            abort();
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    return db;
}

static double query_sqlite(sqlite3 *db, long *checksum)
{
    sqlite3_stmt *st;
    long i = 0;
    double t0 = now();

    if (sqlite3_prepare_v2(db, "SELECT id, name, num, grp, whn FROM t WHERE num >= 250 "
                               "ORDER BY grp ASC, name DESC",
            -1, &st, NULL) != SQLITE_OK)
        abort();
    while (sqlite3_step(st) == SQLITE_ROW) {
        i++;
        const unsigned char *name = sqlite3_column_text(st, 1);
        /* every column is read, as QueryRows copies every column */
        (void)sqlite3_column_int(st, 0);
        (void)sqlite3_column_int(st, 2);
        (void)sqlite3_column_int64(st, 4);
        *checksum += (sqlite3_column_int(st, 3) * 7 + name[0] + name[3]) * i;
    }
    sqlite3_finalize(st);
    return now() - t0;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 100000, reps = argc > 2 ? atoi(argv[2]) : 5;
    struct row *r = malloc(sizeof(*r) * (size_t)n);
    double best_t = 1e9, best_s = 1e9;
    long ct = 0, cs = 0;

    make_rows(r, n);
    LPTABLEDATA td = load_table(r, n);
    sqlite3 *db = load_sqlite(r, n);
    for (int i = 0; i < reps; i++) {
        long a = 0, b = 0;
        double t = query_table(td, &a), s = query_sqlite(db, &b);
        if (t < best_t)
            best_t = t;
        if (s < best_s)
            best_s = s;
        ct = a;
        cs = b;
    }
    printf("rows %d: table %.1f ms, sqlite %.1f ms, ratio %.2f%s\n", n, best_t * 1e3, best_s * 1e3,
        best_t / best_s, ct == cs ? "" : " (RESULTS DIFFER)");
    td->lpVtbl->Release(td);
    sqlite3_close(db);
    free(r);
    if (ct != cs)
        return 2;
    return best_t <= best_s ? 0 : 1;
}
