/* bench_session.c: the session layer against its floors, side by side.
 *
 *  1. logon + logoff: MAPILogonEx of a profile with the three test providers (address book and
 *     transport logged on at logon, the store opened with OpenMsgStore), then Logoff and
 *     Release; warm (the providers' shared objects stay loaded: the benchmark holds them).
 *     Floor: what any runtime must do to reach the same providers: dlopen of the three shared
 *     objects, their entry points (ABProviderInit, MSProviderInit, XPProviderInit), the
 *     providers' Release, dlclose. Goal: under 1 ms.
 *  2. OpenEntry routing: IMAPISession::OpenEntry of an address book entry + Release, with the
 *     provider having registered 1 and 1,000 MAPIUIDs. Goal: the same cost (ratio ≤ 1.2).
 *     The object comes back as a proxy on the provider's kill switch (what Logoff revokes):
 *     its cost is shown by a call through it (ValidateState on the provider's status object)
 *     against the same call on the provider's object itself.
 *  3. GetStatusTable + QueryRows of every row + FreeProws + Release, with 100 provider rows
 *     (a service of 100 address book providers) plus MAPI's 3. Floor: the same rows in a
 *     CreateTable ITableData, HrGetView + QueryRows + FreeProws + Release.
 *   bench_session [cycles]      (default 500 for 1, 20x that for 2, cycles/4 for 3)
 * Medians and ranges over 7 runs, in µs or ns of CPU time (the process's: the machine is
 * shared, and wall-clock figures there measure the neighbours) per operation. Exit status: 0 goals met,
 * 1 a goal missed, 2 something answered wrongly.
 * configure: link -ldl */
#define _DEFAULT_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mapicode.h>
#include <mapiguid.h>
#include <mapispi.h>
#include <mapiutil.h>
#include <mapix.h>

#include <mapirt/proxy.h>

#define RUNS 7

static char g_provdir[PATH_MAX + 256];
static int g_bad;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts); /* CPU time: the machine is shared */
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int dcmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median, min and max of RUNS per-operation times. */
struct fig {
    double med, lo, hi;
};

static struct fig figure(double *t)
{
    qsort(t, RUNS, sizeof *t, dcmp);
    return (struct fig){t[RUNS / 2], t[0], t[RUNS - 1]};
}

static void check(HRESULT hr, const char *what)
{
    if (FAILED(hr)) {
        fprintf(stderr, "bench_session: %s: 0x%08X\n", what, (unsigned)hr);
        exit(2);
    }
}

/* ---- setup: a profile store and a catalog in a temporary directory ---- */

static const char CATALOG[] =
    "[Services]\nACME=Acme Mail\nACME1000=Acme 1000\nMANY=Many\n"
    "[ACME]\nProviders=ACME AB, ACME MS, ACME XP\n"
    "[ACME AB]\nPR_PROVIDER_DLL_NAME=ACMEAB.DLL\nPR_RESOURCE_TYPE=MAPI_AB_PROVIDER\n"
    "PR_DISPLAY_NAME=Acme Directory\nPR_RESOURCE_FLAGS=STATUS_PRIMARY_IDENTITY\n"
    "[ACME MS]\nPR_PROVIDER_DLL_NAME=ACMEMS.DLL\nPR_RESOURCE_TYPE=MAPI_STORE_PROVIDER\n"
    "PR_DISPLAY_NAME=Acme Store\nPR_RESOURCE_FLAGS=STATUS_DEFAULT_STORE\n"
    "[ACME XP]\nPR_PROVIDER_DLL_NAME=ACMEXP.DLL\nPR_RESOURCE_TYPE=MAPI_TRANSPORT_PROVIDER\n"
    "PR_DISPLAY_NAME=Acme Transport\n"
    "[ACME1000]\nProviders=ACME1000 AB\n"
    "[ACME1000 AB]\nPR_PROVIDER_DLL_NAME=ACMEAB.DLL\nPR_RESOURCE_TYPE=MAPI_AB_PROVIDER\n"
    "PR_DISPLAY_NAME=Acme Directory\n66220003=999\n";

static void write_catalog(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(2);
    }
    fputs(CATALOG, f);
    /* MANY: one service of 100 address book providers */
    fputs("[MANY]\nProviders=", f);
    for (int i = 0; i < 100; i++)
        fprintf(f, "%sMANY AB %d", i ? ", " : "", i);
    fputs("\n", f);
    for (int i = 0; i < 100; i++)
        fprintf(f, "[MANY AB %d]\nPR_PROVIDER_DLL_NAME=ACMEAB.DLL\n"
                   "PR_RESOURCE_TYPE=MAPI_AB_PROVIDER\nPR_DISPLAY_NAME=Directory %d\n", i, i);
    fclose(f);
}

static void make_profile(const char *name, const char *service)
{
    LPPROFADMIN pa;
    LPSERVICEADMIN sa;
    check(MAPIAdminProfiles(0, &pa), "MAPIAdminProfiles");
    check(pa->lpVtbl->CreateProfile(pa, (LPTSTR)name, NULL, 0, 0), "CreateProfile");
    check(pa->lpVtbl->AdminServices(pa, (LPTSTR)name, NULL, 0, 0, &sa), "AdminServices");
    check(sa->lpVtbl->CreateMsgService(sa, (LPTSTR)service, NULL, 0, 0), service);
    sa->lpVtbl->Release(sa);
    pa->lpVtbl->Release(pa);
}

static LPMAPISESSION logon(const char *profile)
{
    LPMAPISESSION s = NULL;
    check(MAPILogonEx(0, (LPTSTR)profile, NULL, MAPI_NEW_SESSION | MAPI_EXPLICIT_PROFILE, &s),
          profile);
    return s;
}

static LPSRowSet rows_of(LPMAPITABLE t)
{
    LPSRowSet rows = NULL;
    check(HrQueryAllRows(t, NULL, NULL, NULL, 0, &rows), "QueryRows");
    return rows;
}

static void open_store(LPMAPISESSION s)
{
    LPMAPITABLE t;
    LPMDB mdb;
    check(s->lpVtbl->GetMsgStoresTable(s, 0, &t), "GetMsgStoresTable");
    LPSRowSet rows = rows_of(t);
    LPSPropValue e = PpropFindProp(rows->aRow[0].lpProps, rows->aRow[0].cValues, PR_ENTRYID);
    check(s->lpVtbl->OpenMsgStore(s, 0, e->Value.bin.cb, (LPENTRYID)e->Value.bin.lpb, NULL, 0,
                                  &mdb), "OpenMsgStore");
    mdb->lpVtbl->Release(mdb);
    FreeProws(rows);
    t->lpVtbl->Release(t);
}

/* ---- 1. logon + logoff against dlopen + entry points ---- */

static void cycle(void)
{
    LPMAPISESSION s = logon("Work");
    open_store(s);
    check(s->lpVtbl->Logoff(s, 0, 0, 0), "Logoff");
    s->lpVtbl->Release(s);
}

static void cycle_no_store(void)
{
    LPMAPISESSION s = logon("Work");
    check(s->lpVtbl->Logoff(s, 0, 0, 0), "Logoff");
    s->lpVtbl->Release(s);
}

static void floor_cycle(void)
{
    static const char *const files[3] = {"acmeab.so", "acmems.so", "acmexp.so"};
    static const char *const entries[3] = {"ABProviderInit", "MSProviderInit",
                                           "XPProviderInit"};
    for (int i = 0; i < 3; i++) {
        char path[2 * PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", g_provdir, files[i]);
        void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        ABPROVIDERINIT *init = h ? (ABPROVIDERINIT *)(size_t)dlsym(h, entries[i]) : NULL;
        ULONG ver = 0;
        LPUNKNOWN obj = NULL;
        if (!init || FAILED(init((HINSTANCE)h, MAPIGetDefaultMalloc(), MAPIAllocateBuffer,
                                 MAPIAllocateMore, MAPIFreeBuffer, 0, CURRENT_SPI_VERSION, &ver,
                                 (LPABPROVIDER *)(void *)&obj)) || !obj) {
            fprintf(stderr, "bench_session: the floor cannot load %s\n", path);
            exit(2);
        }
        obj->lpVtbl->Release(obj);
        dlclose(h);
    }
}

static struct fig time_it(void (*fn)(void), int n)
{
    double t[RUNS];
    for (int r = 0; r < RUNS; r++) {
        double t0 = now();
        for (int i = 0; i < n; i++)
            fn();
        t[r] = (now() - t0) / n;
    }
    return figure(t);
}

/* ---- 2. OpenEntry routing ---- */

static LPMAPISESSION g_s;
static BYTE g_ada[23] = {0, 0, 0, 0, 0xac, 0x3e, 0xab, 0x01, 0x11, 0x22, 0x33, 0x44,
                         0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 'a', 'd', 'a'};

static void open_entry(void)
{
    ULONG type = 0;
    LPUNKNOWN u = NULL;
    check(g_s->lpVtbl->OpenEntry(g_s, sizeof g_ada, (LPENTRYID)g_ada, NULL, 0, &type, &u),
          "OpenEntry");
    u->lpVtbl->Release(u);
}

static LPMAPISTATUS g_status;

static void validate_state(void)
{
    for (int i = 0; i < 100; i++)
        g_status->lpVtbl->ValidateState(g_status, 0, 0);
}

static LPMAPISTATUS provider_status(LPMAPISESSION s)
{
    LPMAPITABLE t;
    check(s->lpVtbl->GetStatusTable(s, 0, &t), "GetStatusTable");
    LPSRowSet rows = rows_of(t);
    LPMAPISTATUS st = NULL;
    for (ULONG i = 0; i < rows->cRows && !st; i++) {
        LPSPropValue ty = PpropFindProp(rows->aRow[i].lpProps, rows->aRow[i].cValues,
                                        PR_RESOURCE_TYPE);
        LPSPropValue e = PpropFindProp(rows->aRow[i].lpProps, rows->aRow[i].cValues,
                                       PR_ENTRYID);
        ULONG type;
        if (ty && e && ty->Value.l == MAPI_AB_PROVIDER)
            check(s->lpVtbl->OpenEntry(s, e->Value.bin.cb, (LPENTRYID)e->Value.bin.lpb, NULL, 0,
                                       &type, (LPUNKNOWN *)&st), "OpenEntry(status row)");
    }
    FreeProws(rows);
    t->lpVtbl->Release(t);
    if (!st)
        check(MAPI_E_NOT_FOUND, "the provider's status row");
    return st;
}

/* ---- 3. the status table with 100 provider rows ---- */

static LPTABLEDATA g_td;

static void status_query(void)
{
    LPMAPITABLE t;
    check(g_s->lpVtbl->GetStatusTable(g_s, 0, &t), "GetStatusTable");
    LPSRowSet rows = NULL;
    check(t->lpVtbl->QueryRows(t, 1000, 0, &rows), "QueryRows");
    if (rows->cRows != 103)
        g_bad = 1;
    FreeProws(rows);
    t->lpVtbl->Release(t);
}

static void td_query(void)
{
    LPMAPITABLE t;
    check(g_td->lpVtbl->HrGetView(g_td, NULL, NULL, 0, &t), "HrGetView");
    LPSRowSet rows = NULL;
    check(t->lpVtbl->QueryRows(t, 1000, 0, &rows), "QueryRows");
    if (rows->cRows != 103)
        g_bad = 1;
    FreeProws(rows);
    t->lpVtbl->Release(t);
}

static void row(const char *what, struct fig a, const char *base, struct fig b, double scale,
                const char *unit)
{
    printf("  %-44s %8.2f %s (%.2f–%.2f)   %-22s %8.2f %s (%.2f–%.2f)   ratio %.2f\n", what,
           a.med * scale, unit, a.lo * scale, a.hi * scale, base, b.med * scale, unit,
           b.lo * scale, b.hi * scale, a.med / b.med);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 500;
    int missed = 0;
    struct stat sb;
    char dir[32], path[2 * PATH_MAX], exe[PATH_MAX], real[PATH_MAX];
    /* on tmpfs when there is one: providers write their sections at each logon, and a disk's
     * fsyncs would be all the figure shows */
    snprintf(dir, sizeof dir, "%s/bench_sessionXXXXXX",
             stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode) ? "/dev/shm" : "/tmp");
    if (n <= 0 || !mkdtemp(dir))
        return 2;
    ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (k <= 0)
        return 2;
    exe[k] = '\0';
    *strrchr(exe, '/') = '\0';
    snprintf(g_provdir, sizeof g_provdir, "%s/../tests/providers", exe);
    if (!realpath(g_provdir, real)) {
        fprintf(stderr, "bench_session: no %s (run ninja first)\n", g_provdir);
        return 2;
    }
    strcpy(g_provdir, real);
    setenv("MAPIRT_PROVIDER_PATH", g_provdir, 1);
    snprintf(path, sizeof path, "%s/mapisvc.inf", dir);
    write_catalog(path);
    setenv("MAPIRT_SERVICES", path, 1);
    snprintf(path, sizeof path, "%s/profiles.db", dir);
    setenv("MAPIRT_PROFILES", path, 1);
    check(MAPIInitialize(NULL), "MAPIInitialize");
    make_profile("Work", "ACME");
    make_profile("Thousand", "ACME1000");
    make_profile("Many", "MANY");
    /* held for the whole run: warm logons find the modules loaded */
    void *keep[3];
    const char *files[3] = {"acmeab.so", "acmems.so", "acmexp.so"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", g_provdir, files[i]);
        keep[i] = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    }

    printf("bench_session: medians (ranges) of %d runs\n", RUNS);
    for (int i = 0; i < 50; i++)
        cycle();
    struct fig lg = time_it(cycle, n), l2 = time_it(cycle_no_store, n),
               fl = time_it(floor_cycle, n);
    row("logon + OpenMsgStore + logoff, 3 providers", lg, "dlopen + entry points", fl, 1e6, "µs");
    row("logon + logoff (AB, XP; store not opened)", l2, "dlopen + entry points", fl, 1e6, "µs");
    if (lg.med >= 1e-3)
        missed = 1;

    /* routing: both sessions open, runs interleaved so that load drifts hit both alike */
    struct fig one, many, px, raw;
    LPMAPISESSION s1 = logon("Work"), s1000 = logon("Thousand");
    {
        double t1[RUNS], tn[RUNS];
        for (int r = 0; r < RUNS; r++) {
            for (int w = 0; w < 2; w++) {
                g_s = w ? s1000 : s1;
                double t0 = now();
                for (int i = 0; i < n * 20; i++)
                    open_entry();
                (w ? tn : t1)[r] = (now() - t0) / (n * 20);
            }
        }
        one = figure(t1);
        many = figure(tn);
    }
    g_s = s1000;
    g_s->lpVtbl->Logoff(g_s, 0, 0, 0);
    g_s->lpVtbl->Release(g_s);
    g_s = s1;
    g_status = provider_status(g_s);
    px = time_it(validate_state, n * 20);
    LPMAPISTATUS proxy = g_status;
    LPUNKNOWN inner = mapirt_proxy_inner((LPUNKNOWN)proxy);
    check(inner->lpVtbl->QueryInterface(inner, &IID_IMAPIStatus, (void **)&g_status),
          "the provider's own status object");
    raw = time_it(validate_state, n * 20);
    g_status->lpVtbl->Release(g_status);
    proxy->lpVtbl->Release(proxy);
    g_s->lpVtbl->Logoff(g_s, 0, 0, 0);
    g_s->lpVtbl->Release(g_s);
    row("OpenEntry + Release, 1,000 registered UIDs", many, "1 registered UID", one, 1e9, "ns");
    if (many.med > one.med * 1.2)
        missed = 1;
    row("ValidateState through the revocable proxy", (struct fig){px.med / 100, px.lo / 100,
                                                                   px.hi / 100},
        "the provider's object", (struct fig){raw.med / 100, raw.lo / 100, raw.hi / 100}, 1e9,
        "ns");

    g_s = logon("Many");
    LPMAPITABLE t;
    check(g_s->lpVtbl->GetStatusTable(g_s, 0, &t), "GetStatusTable");
    LPSRowSet rows = rows_of(t);
    t->lpVtbl->Release(t);
    if (rows->cRows != 103) {
        fprintf(stderr, "bench_session: %u status rows, not 103\n", rows->cRows);
        return 2;
    }
    static SizedSPropTagArray(1, key_cols) = {1, {PR_INSTANCE_KEY}};
    check(CreateTable(&IID_IMAPITableData, MAPIAllocateBuffer, MAPIAllocateMore, MAPIFreeBuffer,
                      NULL, TBLTYPE_DYNAMIC, PR_INSTANCE_KEY, (LPSPropTagArray)&key_cols, &g_td),
          "CreateTable");
    for (ULONG i = 0; i < rows->cRows; i++)
        check(g_td->lpVtbl->HrModifyRow(g_td, &rows->aRow[i]), "HrModifyRow");
    FreeProws(rows);
    struct fig st = time_it(status_query, n / 4 ? n / 4 : 1), td = time_it(td_query, n / 4 ? n / 4 : 1);
    row("GetStatusTable + QueryRows, 103 rows", st, "CreateTable view", td, 1e6, "µs");
    g_td->lpVtbl->Release(g_td);
    g_s->lpVtbl->Logoff(g_s, 0, 0, 0);
    g_s->lpVtbl->Release(g_s);

    MAPIUninitialize();
    for (int i = 0; i < 3; i++)
        if (keep[i])
            dlclose(keep[i]);
    snprintf(path, sizeof path, "rm -rf '%s'", dir);
    if (system(path) != 0)
        return 2;
    if (g_bad)
        return 2;
    printf("goals: logon+logoff < 1 ms %s; OpenEntry with 1,000 UIDs within 1.2x of 1 UID %s\n",
           lg.med < 1e-3 ? "met" : "MISSED", many.med <= one.med * 1.2 ? "met" : "MISSED");
    return missed;
}
