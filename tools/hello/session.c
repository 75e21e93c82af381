/* tools/hello/session.c: the Quick start's session demo, a small MAPI client as one is written
 * for Windows: make sure a profile exists, log on, print the status table, the message store
 * table and the primary identity, log off.
 *
 * The profile holds the test providers' service (tests/providers: acmeab, acmems, acmexp and
 * their catalog fragment acme.inf, built by plain `ninja`). Nothing outside the build tree is
 * touched: unless the caller set them, the demo points mapirt at the build tree before
 * MAPIInitialize (docs/decisions.md, "hello"):
 *   MAPIRT_PROFILES       <build>/hello-profiles.db (not the user's ~/.config/mapirt),
 *   MAPIRT_SERVICES       <build>/tests/providers/acme.inf,
 *   MAPIRT_PROVIDER_PATH  <build>/tests/providers,
 * where <build> is the directory of the hello program. The profile "mapirt hello" is created
 * the first time and reused afterwards. */
#define _DEFAULT_SOURCE
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mapicode.h>
#include <mapiutil.h>
#include <mapix.h>

#define PROFILE "mapirt hello"

int demo_session(void);

/* name=<dir of this program>/rel, unless name is set already. */
static void default_env(const char *name, const char *rel)
{
    char exe[PATH_MAX], val[PATH_MAX + 64];
    ssize_t n;

    if (getenv(name))
        return;
    n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return;
    exe[n] = '\0';
    *strrchr(exe, '/') = '\0';
    snprintf(val, sizeof val, "%s/%s", exe, rel);
    setenv(name, val, 1);
}

/* Prints why an object refused a call (its GetLastError), as a client shows it to a user. */
static int failed(const char *what, HRESULT hr, IUnknown *obj)
{
    LPMAPIERROR e = NULL;
    IMAPIProp *p = (IMAPIProp *)obj; /* GetLastError has the same slot in every interface */

    if (obj && p->lpVtbl->GetLastError(p, hr, 0, &e) == S_OK && e && e->lpszError)
        fprintf(stderr, "hello: %s failed (0x%08X): %s\n", what, (unsigned)hr,
                (const char *)e->lpszError);
    else
        fprintf(stderr, "hello: %s failed (0x%08X)\n", what, (unsigned)hr);
    MAPIFreeBuffer(e);
    return 1;
}

/* The profile PROFILE with the Acme service, made if absent. */
static int ensure_profile(void)
{
    LPPROFADMIN pa = NULL;
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    LPSERVICEADMIN sa = NULL;
    int found = 0, err = 0;
    HRESULT hr = MAPIAdminProfiles(0, &pa);

    if (FAILED(hr))
        return failed("MAPIAdminProfiles", hr, NULL);
    hr = pa->lpVtbl->GetProfileTable(pa, 0, &t);
    if (SUCCEEDED(hr))
        hr = HrQueryAllRows(t, NULL, NULL, NULL, 0, &rows);
    for (ULONG i = 0; SUCCEEDED(hr) && i < rows->cRows; i++) {
        LPSPropValue v = PpropFindProp(rows->aRow[i].lpProps, rows->aRow[i].cValues,
                                       PR_DISPLAY_NAME_A);
        found |= v && strcmp(v->Value.lpszA, PROFILE) == 0;
    }
    if (FAILED(hr))
        err = failed("reading the profile table", hr, (IUnknown *)pa);
    else if (found)
        printf("Profile \"%s\" (in %s)\n", PROFILE, getenv("MAPIRT_PROFILES"));
    else {
        printf("Creating profile \"%s\" with the Acme test service (in %s)\n", PROFILE,
               getenv("MAPIRT_PROFILES"));
        hr = pa->lpVtbl->CreateProfile(pa, (LPTSTR)PROFILE, NULL, 0, 0);
        if (SUCCEEDED(hr))
            hr = pa->lpVtbl->AdminServices(pa, (LPTSTR)PROFILE, NULL, 0, 0, &sa);
        if (SUCCEEDED(hr) && FAILED(hr = sa->lpVtbl->CreateMsgService(sa, (LPTSTR) "ACME", NULL,
                                                                      0, 0)))
            err = failed("CreateMsgService(ACME)", hr, (IUnknown *)sa);
        else if (FAILED(hr))
            err = failed("creating the profile", hr, (IUnknown *)pa);
        if (err) /* no half-made profile is left for the next run */
            pa->lpVtbl->DeleteProfile(pa, (LPTSTR)PROFILE, 0);
    }
    if (sa)
        sa->lpVtbl->Release(sa);
    if (rows)
        FreeProws(rows);
    if (t)
        t->lpVtbl->Release(t);
    pa->lpVtbl->Release(pa);
    return err;
}

static const char *resource_type(LONG t)
{
    switch (t) {
    case MAPI_SUBSYSTEM: return "subsystem";
    case MAPI_SPOOLER: return "spooler";
    case MAPI_AB: return "address book";
    case MAPI_AB_PROVIDER: return "address book provider";
    case MAPI_STORE_PROVIDER: return "store provider";
    case MAPI_TRANSPORT_PROVIDER: return "transport provider";
    default: return "other";
    }
}

static const char *str(const SRow *r, ULONG tag)
{
    LPSPropValue v = PpropFindProp(r->lpProps, r->cValues, tag);
    return v ? v->Value.lpszA : "";
}

static LONG num(const SRow *r, ULONG tag)
{
    LPSPropValue v = PpropFindProp(r->lpProps, r->cValues, tag);
    return v ? v->Value.l : 0;
}

/* Every row of a table, with the columns asked for. */
static HRESULT rows_of(LPMAPITABLE t, const void *cols, LPSRowSet *rows)
{
    return HrQueryAllRows(t, (LPSPropTagArray)(uintptr_t)cols, NULL, NULL, 0, rows);
}

static int print_tables(LPMAPISESSION s)
{
    static const SizedSPropTagArray(4, status_cols) = {
        4, {PR_DISPLAY_NAME_A, PR_RESOURCE_TYPE, PR_STATUS_CODE, PR_PROVIDER_DLL_NAME_A}};
    static const SizedSPropTagArray(4, store_cols) = {
        4, {PR_DISPLAY_NAME_A, PR_PROVIDER_DISPLAY_A, PR_DEFAULT_STORE, PR_RESOURCE_FLAGS}};
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    HRESULT hr = s->lpVtbl->GetStatusTable(s, 0, &t);

    if (SUCCEEDED(hr))
        hr = rows_of(t, &status_cols, &rows);
    if (FAILED(hr))
        return failed("the status table", hr, (IUnknown *)s);
    printf("Status table (%u rows):\n", rows->cRows);
    for (ULONG i = 0; i < rows->cRows; i++)
        printf("  %-24s %-22s status 0x%08X  %s\n", str(&rows->aRow[i], PR_DISPLAY_NAME_A),
               resource_type(num(&rows->aRow[i], PR_RESOURCE_TYPE)),
               (unsigned)num(&rows->aRow[i], PR_STATUS_CODE),
               str(&rows->aRow[i], PR_PROVIDER_DLL_NAME_A));
    FreeProws(rows);
    t->lpVtbl->Release(t);

    rows = NULL;
    hr = s->lpVtbl->GetMsgStoresTable(s, 0, &t);
    if (SUCCEEDED(hr))
        hr = rows_of(t, &store_cols, &rows);
    if (FAILED(hr))
        return failed("the message store table", hr, (IUnknown *)s);
    printf("Message store table (%u rows):\n", rows->cRows);
    for (ULONG i = 0; i < rows->cRows; i++)
        printf("  %-24s %-22s%s\n", str(&rows->aRow[i], PR_DISPLAY_NAME_A),
               str(&rows->aRow[i], PR_PROVIDER_DISPLAY_A),
               num(&rows->aRow[i], PR_DEFAULT_STORE) ? "  (default store)" : "");
    FreeProws(rows);
    t->lpVtbl->Release(t);
    return 0;
}

static int print_identity(LPMAPISESSION s)
{
    ULONG cb = 0, type = 0;
    LPENTRYID eid = NULL;
    LPUNKNOWN who = NULL;
    LPSPropValue name = NULL;
    HRESULT hr = s->lpVtbl->QueryIdentity(s, &cb, &eid);

    if (FAILED(hr))
        return failed("QueryIdentity", hr, (IUnknown *)s);
    hr = s->lpVtbl->OpenEntry(s, cb, eid, NULL, 0, &type, &who);
    MAPIFreeBuffer(eid);
    if (FAILED(hr))
        return failed("opening the primary identity", hr, (IUnknown *)s);
    hr = HrGetOneProp((LPMAPIPROP)who, PR_DISPLAY_NAME_A, &name);
    if (SUCCEEDED(hr))
        printf("Primary identity: %s\n", name->Value.lpszA);
    else
        failed("the primary identity's name", hr, who);
    MAPIFreeBuffer(name);
    who->lpVtbl->Release(who);
    return FAILED(hr);
}

int demo_session(void)
{
    LPMAPISESSION s = NULL;
    HRESULT hr;
    int err;

    default_env("MAPIRT_PROFILES", "hello-profiles.db");
    default_env("MAPIRT_SERVICES", "tests/providers/acme.inf");
    default_env("MAPIRT_PROVIDER_PATH", "tests/providers");
    if (FAILED(hr = MAPIInitialize(NULL)))
        return failed("MAPIInitialize", hr, NULL);
    err = ensure_profile();
    if (!err && FAILED(hr = MAPILogonEx(0, (LPTSTR)PROFILE, NULL,
                                        MAPI_NEW_SESSION | MAPI_EXPLICIT_PROFILE, &s)))
        err = failed("MAPILogonEx", hr, NULL); /* MAPIRT_TRACE=1 shows each step */
    if (s) {
        printf("Logged on to \"%s\"\n", PROFILE);
        err |= print_tables(s);
        err |= print_identity(s);
        hr = s->lpVtbl->Logoff(s, 0, 0, 0);
        err |= FAILED(hr) ? failed("Logoff", hr, (IUnknown *)s) : 0;
        s->lpVtbl->Release(s);
        printf("Logged off\n");
    }
    MAPIUninitialize();
    return err;
}
