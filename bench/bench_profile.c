/* bench_profile.c: one profile's life through the profile store against the same statements
 * on raw SQLite. A cycle creates a profile with 3 services of 2 providers each (every section
 * with 5-6 properties, as CreateMsgService copies them from the catalog), reads every section
 * (11: the two well-known ones, 3 services, 6 providers) each in its own read transaction as an
 * opened profile section does, and deletes the profile. The baseline runs the same SQL on a
 * database of the same schema and settings (WAL, synchronous=FULL), with prepared statements
 * and no checks: what the store would cost if it were only its SQL.
 *   bench_profile [cycles] [directory]     (defaults: 300, /dev/shm when present, else /tmp)
 * On tmpfs, fsync is free and the ratio shows the store's own overhead; on a disk both sides
 * wait for the same three fsyncs per cycle. Prints the median and range of per-cycle times over
 * 7 runs. Exit status: 0 ratio <= 3, 1 above, 2 a result was wrong.
 * configure: internal runtime
 * configure: link -lsqlite3 */
#define _DEFAULT_SOURCE
#include <mapicode.h>
#include <mapiguid.h>
#include <mapitags.h>
#include <mapix.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mapirt/alloc.h>

#include <mapiguid.h>
#include <mapiutil.h>

#include "profile/store.h"

#define RUNS 7
#define NSVC 3
#define NPROV 2

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static MAPIUID uid_of(int a, int b)
{
    MAPIUID u;
    memset(&u, 0x5A, sizeof u);
    u.ab[0] = (BYTE)a;
    u.ab[1] = (BYTE)b;
    return u;
}

/* The properties a service or provider section gets from the catalog. */
static ULONG section_props(int provider, SPropValue *v)
{
    static BYTE mdb[16] = {0x78, 0xb2, 0xfa, 0x70};
    ULONG n = 0;
    v[n].ulPropTag = PR_DISPLAY_NAME_A;
    v[n++].Value.lpszA = provider ? "Acme Folders" : "Acme Mail Service";
    v[n].ulPropTag = provider ? PR_PROVIDER_DLL_NAME_A : PR_SERVICE_DLL_NAME_A;
    v[n++].Value.lpszA = provider ? "ACMEMS.DLL" : "ACMESVC.DLL";
    v[n].ulPropTag = PR_RESOURCE_FLAGS;
    v[n++].Value.l = provider ? STATUS_DEFAULT_STORE : SERVICE_SINGLE_COPY;
    v[n].ulPropTag = provider ? PR_RESOURCE_TYPE : PR_SERVICE_ENTRY_NAME;
    if (provider)
        v[n++].Value.l = MAPI_STORE_PROVIDER;
    else
        v[n++].Value.lpszA = "ServiceEntry";
    v[n].ulPropTag = PROP_TAG(PT_STRING8, 0x6600);
    v[n++].Value.lpszA = "/var/lib/acme/store.db";
    if (provider) {
        v[n].ulPropTag = PR_MDB_PROVIDER;
        v[n].Value.bin.cb = sizeof mdb;
        v[n++].Value.bin.lpb = mdb;
    }
    return n;
}

/* ---- through the store ---- */

struct cycle {
    mapirt_profile_id id;
    long props_read;
};

static HRESULT build(mapirt_ps_tx *tx, void *p)
{
    struct cycle *c = p;
    SPropValue v[8];
    HRESULT hr = mapirt_ps_profile_create(tx, "Bench Profile", 0, &c->id);
    for (int s = 0; s < NSVC && SUCCEEDED(hr); s++) {
        MAPIUID su = uid_of(s, 0xFF);
        hr = mapirt_ps_service_add(tx, c->id, &su, "ACME");
        if (SUCCEEDED(hr))
            hr = mapirt_ps_props_set(tx, c->id, &su, section_props(0, v), v);
        for (int k = 0; k < NPROV && SUCCEEDED(hr); k++) {
            MAPIUID pu = uid_of(s, k);
            hr = mapirt_ps_provider_add(tx, c->id, &su, &pu, MAPIRT_PS_PROVIDER);
            if (SUCCEEDED(hr))
                hr = mapirt_ps_props_set(tx, c->id, &pu, section_props(1, v), v);
        }
    }
    return hr;
}

static HRESULT layout(mapirt_ps_tx *tx, void *p)
{
    struct cycle *c = p;
    mapirt_ps_service *s;
    mapirt_ps_provider *pr;
    ULONG ns, np;
    HRESULT hr = mapirt_ps_service_list(tx, c->id, &s, &ns);
    if (FAILED(hr))
        return hr;
    hr = mapirt_ps_provider_list(tx, c->id, NULL, &pr, &np);
    if (SUCCEEDED(hr)) {
        c->props_read += ns + np;
        mapirt_free(pr);
    }
    mapirt_free(s);
    return hr;
}

static HRESULT remove_profile(mapirt_ps_tx *tx, void *p)
{
    (void)p;
    mapirt_profile_info info;
    HRESULT hr = mapirt_ps_profile_find(tx, "bench profile", &info);
    return SUCCEEDED(hr) ? mapirt_ps_profile_delete(tx, info.id) : hr;
}

static int store_cycle(mapirt_profstore *ps, struct cycle *c)
{
    MAPIUID sections[2 + NSVC * (NPROV + 1)];
    int n = 0;
    memcpy(&sections[n++], &MUID_PROFILE_INSTANCE, 16);
    sections[n++] = uid_of(0x13, 0xDB); /* any second well-known section */
    if (FAILED(mapirt_profstore_write(ps, build, c, NULL, 0)) ||
        FAILED(mapirt_profstore_read(ps, layout, c, NULL, 0)))
        return -1;
    for (int s = 0; s < NSVC; s++) {
        sections[n++] = uid_of(s, 0xFF);
        for (int k = 0; k < NPROV; k++)
            sections[n++] = uid_of(s, k);
    }
    for (int i = 0; i < n; i++) {
        ULONG cv;
        LPSPropValue v;
        HRESULT hr = mapirt_profstore_get_props(ps, c->id, &sections[i], &cv, &v, NULL, 0);
        if (hr == MAPI_E_NOT_FOUND && i == 1)
            continue; /* the stand-in for the global section */
        if (FAILED(hr))
            return -1;
        c->props_read += cv;
        MAPIFreeBuffer(v);
    }
    return FAILED(mapirt_profstore_write(ps, remove_profile, c, NULL, 0)) ? -1 : 0;
}

/* ---- through the MAPI objects (IProfAdmin, IMsgServiceAdmin, IProfSect) ---- */

static int read_uids(LPMAPITABLE t, ULONG tag, MAPIUID *out, int max)
{
    LPSRowSet rows;
    int n = 0;
    if (HrQueryAllRows(t, NULL, NULL, NULL, 0, &rows) != S_OK)
        return -1;
    for (ULONG i = 0; i < rows->cRows; i++)
        for (ULONG k = 0; k < rows->aRow[i].cValues && n < max; k++)
            if (rows->aRow[i].lpProps[k].ulPropTag == tag)
                memcpy(&out[n++], rows->aRow[i].lpProps[k].Value.bin.lpb, 16);
    FreeProws(rows);
    t->lpVtbl->Release(t);
    return n;
}

static int api_cycle(LPPROFADMIN pa, struct cycle *c)
{
    LPSERVICEADMIN sa;
    LPMAPITABLE t;
    MAPIUID sections[2 + NSVC * (NPROV + 1)];
    int n = 0;
    if (pa->lpVtbl->CreateProfile(pa, (LPTSTR) "Bench Profile", NULL, 0, 0) != S_OK ||
        pa->lpVtbl->AdminServices(pa, (LPTSTR) "Bench Profile", NULL, 0, 0, &sa) != S_OK)
        return -1;
    for (int s = 0; s < NSVC; s++)
        if (sa->lpVtbl->CreateMsgService(sa, (LPTSTR) "ACME", NULL, 0, 0) != S_OK)
            return -1;
    memcpy(&sections[n++], &MUID_PROFILE_INSTANCE, 16);
    sections[n++] = uid_of(0x13, 0xDB);
    int k;
    if (sa->lpVtbl->GetMsgServiceTable(sa, 0, &t) != S_OK ||
        (k = read_uids(t, PR_SERVICE_UID, &sections[n], NSVC)) != NSVC)
        return -1;
    n += k;
    if (sa->lpVtbl->GetProviderTable(sa, 0, &t) != S_OK ||
        (k = read_uids(t, PR_PROVIDER_UID, &sections[n], NSVC * NPROV)) != NSVC * NPROV)
        return -1;
    n += k;
    c->props_read += 2 * NSVC; /* the two tables, as the raw side's layout read counts rows */
    for (int i = 0; i < n; i++) {
        LPPROFSECT ps;
        ULONG cv;
        LPSPropValue v;
        HRESULT hr = sa->lpVtbl->OpenProfileSection(sa, &sections[i], NULL, MAPI_FORCE_ACCESS, &ps);
        if (hr == MAPI_E_NOT_FOUND && i == 1)
            continue;
        if (hr != S_OK || ps->lpVtbl->GetProps(ps, NULL, 0, &cv, &v) != S_OK)
            return -1;
        c->props_read += cv - 2; /* less PR_PROFILE_NAME and PR_OBJECT_TYPE, computed */
        MAPIFreeBuffer(v);
        ps->lpVtbl->Release(ps);
    }
    sa->lpVtbl->Release(sa);
    return pa->lpVtbl->DeleteProfile(pa, (LPTSTR) "Bench Profile", 0) == S_OK ? 0 : -1;
}

/* ---- the same statements on raw SQLite ---- */

enum {
    BEGIN_W, BEGIN_R, COMMIT, INS_PROFILE, INS_KEY, INS_SECTION, INS_PROP, INS_SERVICE,
    INS_PROVIDER, SEL_SERVICES, SEL_PROVIDERS, SEL_SECTION, SEL_PROPS, SEL_PROFILE, DEL_PROFILE,
    NSTMT
};

static const char *const SQL[NSTMT] = {
    "BEGIN IMMEDIATE", "BEGIN", "COMMIT",
    "INSERT INTO profile (name, name_key, is_app, search_key) VALUES ('Bench Profile', "
    "'bench profile', 0, ?)",
    "INSERT INTO issued_search_key VALUES (?)",
    "INSERT OR IGNORE INTO section (profile, uid) VALUES (?, ?)",
    "INSERT OR REPLACE INTO prop (profile, section, id, type, value) VALUES (?, ?, ?, ?, ?)",
    "INSERT INTO service (profile, uid, name, seq) VALUES (?, ?, 'ACME', ?)",
    "INSERT INTO provider (profile, uid, service, kind, seq) VALUES (?, ?, ?, 0, ?)",
    "SELECT uid, name FROM service WHERE profile = ? ORDER BY seq",
    "SELECT uid, service, kind, seq FROM provider WHERE profile = ? ORDER BY seq",
    "SELECT 1 FROM section WHERE profile = ? AND uid = ?",
    "SELECT id, type, value FROM prop WHERE profile = ? AND section = ? ORDER BY id",
    "SELECT id FROM profile WHERE name_key = 'bench profile'",
    "DELETE FROM profile WHERE id = ?",
};

static sqlite3_stmt *st[NSTMT];

static int run(int i)
{
    int rc = sqlite3_step(st[i]);
    sqlite3_reset(st[i]);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

static int raw_props(sqlite3_int64 id, const MAPIUID *u, int provider)
{
    SPropValue v[8];
    ULONG n = section_props(provider, v);
    if (run(INS_SECTION) != 0)
        return -1;
    for (ULONG i = 0; i < n; i++) {
        sqlite3_bind_int64(st[INS_PROP], 1, id);
        sqlite3_bind_blob(st[INS_PROP], 2, u, 16, SQLITE_STATIC);
        sqlite3_bind_int(st[INS_PROP], 3, (int)PROP_ID(v[i].ulPropTag));
        sqlite3_bind_int(st[INS_PROP], 4, (int)PROP_TYPE(v[i].ulPropTag));
        if (PROP_TYPE(v[i].ulPropTag) == PT_LONG)
            sqlite3_bind_int(st[INS_PROP], 5, v[i].Value.l);
        else if (PROP_TYPE(v[i].ulPropTag) == PT_BINARY)
            sqlite3_bind_blob(st[INS_PROP], 5, v[i].Value.bin.lpb, (int)v[i].Value.bin.cb,
                              SQLITE_STATIC);
        else
            sqlite3_bind_text(st[INS_PROP], 5, v[i].Value.lpszA, -1, SQLITE_STATIC);
        if (run(INS_PROP) != 0)
            return -1;
    }
    return 0;
}

static int raw_cycle(sqlite3 *db, struct cycle *c)
{
    BYTE key[16];
    if (getrandom(key, 16, 0) != 16 || run(BEGIN_W) != 0)
        return -1;
    sqlite3_bind_blob(st[INS_KEY], 1, key, 16, SQLITE_STATIC);
    sqlite3_bind_blob(st[INS_PROFILE], 1, key, 16, SQLITE_STATIC);
    if (run(INS_KEY) != 0 || run(INS_PROFILE) != 0)
        return -1;
    sqlite3_int64 id = sqlite3_last_insert_rowid(db);
    MAPIUID inst;
    memcpy(&inst, &MUID_PROFILE_INSTANCE, 16);
    sqlite3_bind_int64(st[INS_SECTION], 1, id);
    sqlite3_bind_blob(st[INS_SECTION], 2, &inst, 16, SQLITE_STATIC);
    sqlite3_bind_int64(st[INS_PROP], 1, id);
    sqlite3_bind_blob(st[INS_PROP], 2, &inst, 16, SQLITE_STATIC);
    sqlite3_bind_int(st[INS_PROP], 3, PROP_ID(PR_SEARCH_KEY));
    sqlite3_bind_int(st[INS_PROP], 4, PT_BINARY);
    sqlite3_bind_blob(st[INS_PROP], 5, key, 16, SQLITE_STATIC);
    if (run(INS_SECTION) != 0 || run(INS_PROP) != 0)
        return -1;
    MAPIUID glob = uid_of(0x13, 0xDB);
    sqlite3_bind_blob(st[INS_SECTION], 2, &glob, 16, SQLITE_STATIC);
    if (run(INS_SECTION) != 0)
        return -1;
    for (int s = 0; s < NSVC; s++) {
        MAPIUID su = uid_of(s, 0xFF);
        sqlite3_bind_blob(st[INS_SECTION], 2, &su, 16, SQLITE_STATIC);
        sqlite3_bind_int64(st[INS_SERVICE], 1, id);
        sqlite3_bind_blob(st[INS_SERVICE], 2, &su, 16, SQLITE_STATIC);
        sqlite3_bind_int(st[INS_SERVICE], 3, s);
        if (raw_props(id, &su, 0) != 0 || run(INS_SERVICE) != 0)
            return -1;
        for (int k = 0; k < NPROV; k++) {
            MAPIUID pu = uid_of(s, k);
            sqlite3_bind_blob(st[INS_SECTION], 2, &pu, 16, SQLITE_STATIC);
            if (raw_props(id, &pu, 1) != 0)
                return -1;
            sqlite3_bind_int64(st[INS_PROVIDER], 1, id);
            sqlite3_bind_blob(st[INS_PROVIDER], 2, &pu, 16, SQLITE_STATIC);
            sqlite3_bind_blob(st[INS_PROVIDER], 3, &su, 16, SQLITE_STATIC);
            sqlite3_bind_int(st[INS_PROVIDER], 4, s * NPROV + k);
            if (run(INS_PROVIDER) != 0)
                return -1;
        }
    }
    if (run(COMMIT) != 0)
        return -1;

    /* the layout, then every section in its own read transaction */
    if (run(BEGIN_R) != 0)
        return -1;
    for (int q = SEL_SERVICES; q <= SEL_PROVIDERS; q++) {
        sqlite3_bind_int64(st[q], 1, id);
        while (sqlite3_step(st[q]) == SQLITE_ROW)
            c->props_read++;
        sqlite3_reset(st[q]);
    }
    if (run(COMMIT) != 0)
        return -1;
    MAPIUID sections[2 + NSVC * (NPROV + 1)];
    int n = 0;
    sections[n++] = inst;
    sections[n++] = glob;
    for (int s = 0; s < NSVC; s++) {
        sections[n++] = uid_of(s, 0xFF);
        for (int k = 0; k < NPROV; k++)
            sections[n++] = uid_of(s, k);
    }
    for (int i = 0; i < n; i++) {
        if (run(BEGIN_R) != 0)
            return -1;
        sqlite3_bind_int64(st[SEL_SECTION], 1, id);
        sqlite3_bind_blob(st[SEL_SECTION], 2, &sections[i], 16, SQLITE_STATIC);
        if (run(SEL_SECTION) != 0)
            return -1;
        sqlite3_bind_int64(st[SEL_PROPS], 1, id);
        sqlite3_bind_blob(st[SEL_PROPS], 2, &sections[i], 16, SQLITE_STATIC);
        while (sqlite3_step(st[SEL_PROPS]) == SQLITE_ROW) {
            /* read every column, as a decoder must */
            volatile int pid = sqlite3_column_int(st[SEL_PROPS], 0);
            volatile int type = sqlite3_column_int(st[SEL_PROPS], 1);
            volatile const void *val = sqlite3_column_blob(st[SEL_PROPS], 2);
            (void)pid, (void)type, (void)val;
            c->props_read++;
        }
        sqlite3_reset(st[SEL_PROPS]);
        if (run(COMMIT) != 0)
            return -1;
    }

    if (run(BEGIN_W) != 0 || sqlite3_step(st[SEL_PROFILE]) != SQLITE_ROW)
        return -1;
    sqlite3_int64 found = sqlite3_column_int64(st[SEL_PROFILE], 0);
    sqlite3_reset(st[SEL_PROFILE]);
    sqlite3_bind_int64(st[DEL_PROFILE], 1, found);
    if (run(DEL_PROFILE) != 0 || run(COMMIT) != 0)
        return -1;
    return 0;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    int cycles = argc > 1 ? atoi(argv[1]) : 300;
    struct stat sb;
    const char *base = argc > 2 ? argv[2] : stat("/dev/shm", &sb) == 0 ? "/dev/shm" : "/tmp";
    char dir[256], a[300], b[300], err[512];
    snprintf(dir, sizeof dir, "%s/mapirt-bench-XXXXXX", base);
    if (cycles < 1 || !mkdtemp(dir)) {
        fprintf(stderr, "usage: bench_profile [cycles] [directory]\n");
        return 2;
    }
    snprintf(a, sizeof a, "%s/store.db", dir);
    snprintf(b, sizeof b, "%s/raw.db", dir);

    mapirt_profstore *ps, *schema;
    if (mapirt_profstore_open(a, &ps, err, sizeof err) != S_OK ||
        mapirt_profstore_open(b, &schema, err, sizeof err) != S_OK) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    mapirt_profstore_release(schema); /* the raw side uses the same schema */
    sqlite3 *db;
    if (sqlite3_open_v2(b, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
        sqlite3_exec(db, "PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL; "
                         "PRAGMA journal_mode=WAL", NULL, NULL, NULL) != SQLITE_OK)
        return 2;
    sqlite3_busy_timeout(db, 10000);
    for (int i = 0; i < NSTMT; i++)
        if (sqlite3_prepare_v3(db, SQL[i], -1, SQLITE_PREPARE_PERSISTENT, &st[i], NULL) !=
            SQLITE_OK) {
            fprintf(stderr, "%s: %s\n", SQL[i], sqlite3_errmsg(db));
            return 2;
        }

    /* the object side: its own store and a catalog of the service the others write by hand */
    char cat[300], objdb[300];
    snprintf(cat, sizeof cat, "%s/mapisvc.inf", dir);
    snprintf(objdb, sizeof objdb, "%s/objects.db", dir);
    FILE *f = fopen(cat, "w");
    if (!f)
        return 2;
    /* no PR_SERVICE_DLL_NAME: no ServiceEntry to load, so the profile layer alone is timed */
    fputs("[Services]\nACME=Acme Mail Service\n[ACME]\nPR_DISPLAY_NAME=Acme Mail Service\n"
          "PR_COMMENT=Acme\n6601001E=ServiceEntry\n6600001E=/var/lib/acme/store.db\n"
          "Providers=ACME MS, ACME MS2\n"
          "[ACME MS]\nPR_DISPLAY_NAME=Acme Folders\nPR_PROVIDER_DLL_NAME=ACMEMS.DLL\n"
          "PR_RESOURCE_TYPE=MAPI_STORE_PROVIDER\nPR_RESOURCE_FLAGS=STATUS_DEFAULT_STORE\n"
          "6600001E=/var/lib/acme/store.db\nPR_MDB_PROVIDER=78b2fa70000000000000000000000000\n"
          "[ACME MS2]\nPR_DISPLAY_NAME=Acme Folders\nPR_PROVIDER_DLL_NAME=ACMEMS.DLL\n"
          "PR_RESOURCE_TYPE=MAPI_STORE_PROVIDER\nPR_RESOURCE_FLAGS=STATUS_DEFAULT_STORE\n"
          "6600001E=/var/lib/acme/store.db\nPR_MDB_PROVIDER=78b2fa70000000000000000000000000\n",
          f);
    fclose(f);
    setenv("MAPIRT_SERVICES", cat, 1);
    setenv("MAPIRT_PROFILES", objdb, 1);
    LPPROFADMIN pa = NULL;
    if (MAPIInitialize(NULL) != S_OK || MAPIAdminProfiles(0, &pa) != S_OK)
        return 2;

    double ts[RUNS], tr[RUNS], to[RUNS];
    long read_s = 0, read_r = 0, read_o = 0;
    for (int r = 0; r < RUNS; r++) {
        struct cycle c = {0, 0};
        double t0 = now();
        for (int i = 0; i < cycles; i++)
            if (store_cycle(ps, &c) != 0) {
                fprintf(stderr, "store cycle failed\n");
                return 2;
            }
        ts[r] = (now() - t0) / cycles;
        read_s = c.props_read;
        struct cycle d = {0, 0};
        t0 = now();
        for (int i = 0; i < cycles; i++)
            if (raw_cycle(db, &d) != 0) {
                fprintf(stderr, "raw cycle failed: %s\n", sqlite3_errmsg(db));
                return 2;
            }
        tr[r] = (now() - t0) / cycles;
        read_r = d.props_read;
        struct cycle e = {0, 0};
        t0 = now();
        for (int i = 0; i < cycles; i++)
            if (api_cycle(pa, &e) != 0) {
                fprintf(stderr, "object cycle failed\n");
                return 2;
            }
        to[r] = (now() - t0) / cycles;
        read_o = e.props_read;
    }
    pa->lpVtbl->Release(pa);
    MAPIUninitialize();
    if (read_s != read_r) {
        fprintf(stderr, "the two sides read different numbers of rows: %ld vs %ld\n", read_s,
                read_r);
        return 2;
    }
    qsort(ts, RUNS, sizeof ts[0], by_value);
    qsort(tr, RUNS, sizeof tr[0], by_value);
    qsort(to, RUNS, sizeof to[0], by_value);
    double ratio = ts[RUNS / 2] / tr[RUNS / 2];
    printf("profile cycle (%d services x %d providers, %ld rows read per cycle) in %s\n", NSVC,
           NPROV, read_s / cycles, base);
    printf("  store : median %8.1f us  (range %.1f - %.1f)\n", ts[RUNS / 2] * 1e6, ts[0] * 1e6,
           ts[RUNS - 1] * 1e6);
    printf("  SQLite: median %8.1f us  (range %.1f - %.1f)\n", tr[RUNS / 2] * 1e6, tr[0] * 1e6,
           tr[RUNS - 1] * 1e6);
    printf("  objects: median %8.1f us  (range %.1f - %.1f; IProfAdmin, IMsgServiceAdmin, "
           "IProfSect, %ld rows read per cycle: the identifiers CreateMsgService adds)\n",
           to[RUNS / 2] * 1e6, to[0] * 1e6, to[RUNS - 1] * 1e6, read_o / cycles);
    double oratio = to[RUNS / 2] / tr[RUNS / 2];
    printf("  ratio : store %.2f, objects %.2f (goal <= 3)\n", ratio, oratio);
    for (int i = 0; i < NSTMT; i++)
        sqlite3_finalize(st[i]);
    sqlite3_close(db);
    mapirt_profstore_release(ps);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return ratio <= 3.0 && oratio <= 3.0 ? 0 : 1;
}
