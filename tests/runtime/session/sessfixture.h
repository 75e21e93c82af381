/* sessfixture.h: a profile store, a catalog of the test services (tests/providers/) and a
 * profile "Work" holding them, for the session tests; providers are loaded with dlopen from
 * build/tests/providers. */
#ifndef TESTS_SESSION_SESSFIXTURE_H
#define TESTS_SESSION_SESSFIXTURE_H

#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif
#include <dlfcn.h>
#include <limits.h>

#include <mapiutil.h>

#include "../profile/storefixture.h"

static const char SESS_CATALOG[] =
    "[Services]\nACME=Acme Mail\nFAILING=Failing\nUNCONF=Unconfigured\nFAILONE=Fail One\n"
    "BADVER=Bad Version\nNOENTRY=No Entry\nNEVERCONF=Never Configured\nSLOW=Slow\n"
    "[ACME]\nPR_SERVICE_DLL_NAME=ACMEAB.DLL\nPR_RESOURCE_FLAGS=SERVICE_PRIMARY_IDENTITY\n"
    "Providers=ACME AB, ACME MS, ACME XP\n"
    "[ACME AB]\nPR_PROVIDER_DLL_NAME=ACMEAB.DLL\nPR_RESOURCE_TYPE=MAPI_AB_PROVIDER\n"
    "PR_DISPLAY_NAME=Acme Directory\nPR_RESOURCE_FLAGS=STATUS_PRIMARY_IDENTITY\n"
    "[ACME MS]\nPR_PROVIDER_DLL_NAME=ACMEMS.DLL\nPR_RESOURCE_TYPE=MAPI_STORE_PROVIDER\n"
    "PR_DISPLAY_NAME=Acme Store\nPR_PROVIDER_DISPLAY=Acme Message Store\n"
    "PR_RESOURCE_FLAGS=STATUS_DEFAULT_STORE|STATUS_NO_PRIMARY_IDENTITY\n"
    "[ACME XP]\nPR_PROVIDER_DLL_NAME=ACMEXP.DLL\nPR_RESOURCE_TYPE=MAPI_TRANSPORT_PROVIDER\n"
    "PR_DISPLAY_NAME=Acme Transport\nPR_RESOURCE_FLAGS=STATUS_NO_PRIMARY_IDENTITY\n"
    "[FAILING]\nPR_SERVICE_DLL_NAME=ACMEAB.DLL\nProviders=FAILING AB, FAILING XP\n"
    "[FAILING AB]\nPR_PROVIDER_DLL_NAME=ACMEAB.DLL\nPR_RESOURCE_TYPE=MAPI_AB_PROVIDER\n"
    "PR_DISPLAY_NAME=Failing Directory\n66200003=1\n"
    "[FAILING XP]\nPR_PROVIDER_DLL_NAME=ACMEXP.DLL\nPR_RESOURCE_TYPE=MAPI_TRANSPORT_PROVIDER\n"
    "PR_DISPLAY_NAME=Failing Transport\n"
    "[UNCONF]\nPR_SERVICE_DLL_NAME=ACMEAB.DLL\nProviders=UNCONF AB\n"
    "[UNCONF AB]\nPR_PROVIDER_DLL_NAME=ACMEAB.DLL\nPR_RESOURCE_TYPE=MAPI_AB_PROVIDER\n"
    "PR_DISPLAY_NAME=Unconfigured Directory\n66200003=2\n"
    "[NEVERCONF]\nPR_SERVICE_DLL_NAME=ACMEAB.DLL\nProviders=NEVERCONF AB\n"
    "[NEVERCONF AB]\nPR_PROVIDER_DLL_NAME=ACMEAB.DLL\nPR_RESOURCE_TYPE=MAPI_AB_PROVIDER\n"
    "PR_DISPLAY_NAME=Never Configured\n66200003=4\n"
    "[FAILONE]\nProviders=FAILONE AB, FAILONE XP\n"
    "[FAILONE AB]\nPR_PROVIDER_DLL_NAME=ACMEAB.DLL\nPR_RESOURCE_TYPE=MAPI_AB_PROVIDER\n"
    "PR_DISPLAY_NAME=Fail One Directory\n66200003=3\n"
    "[FAILONE XP]\nPR_PROVIDER_DLL_NAME=ACMEXP.DLL\nPR_RESOURCE_TYPE=MAPI_TRANSPORT_PROVIDER\n"
    "PR_DISPLAY_NAME=Fail One Transport\n"
    "[BADVER]\nProviders=BADVER AB\n"
    "[BADVER AB]\nPR_PROVIDER_DLL_NAME=BADVER.DLL\nPR_RESOURCE_TYPE=MAPI_AB_PROVIDER\n"
    "PR_DISPLAY_NAME=Bad Version\n"
    "[NOENTRY]\nProviders=NOENTRY AB\n"
    "[NOENTRY AB]\nPR_PROVIDER_DLL_NAME=NOENTRY.DLL\nPR_RESOURCE_TYPE=MAPI_AB_PROVIDER\n"
    "PR_DISPLAY_NAME=No Entry\n"
    "[SLOW]\nProviders=SLOW AB\n"
    "[SLOW AB]\nPR_PROVIDER_DLL_NAME=ACMEAB.DLL\nPR_RESOURCE_TYPE=MAPI_AB_PROVIDER\n"
    "PR_DISPLAY_NAME=Slow Directory\n66200003=5\n";

static char g_provdir[PATH_MAX];

/* The test provider's own module (the same one the session loads), for its stats. */
static inline void *provider_module(const char *file)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", g_provdir, file);
    void *h = dlopen(path, RTLD_NOW);
    cr_assert_not_null(h, "%s", dlerror());
    return h;
}

static inline void *provider_fn(const char *file, const char *fn)
{
    void *h = provider_module(file);
    void *f = dlsym(h, fn);
    cr_assert_not_null(f, "%s", fn);
    return f; /* the handle stays open: the stats stay readable */
}

/* A profile with the given services (NULL-terminated names). */
static inline void make_profile(const char *name, int is_default, const char *const *services)
{
    LPPROFADMIN pa;
    LPSERVICEADMIN sa;
    cr_assert_eq(MAPIAdminProfiles(0, &pa), S_OK);
    cr_assert_eq(pa->lpVtbl->CreateProfile(pa, (LPTSTR)name, NULL, 0, 0), S_OK);
    cr_assert_eq(pa->lpVtbl->AdminServices(pa, (LPTSTR)name, NULL, 0, 0, &sa), S_OK);
    for (const char *const *s = services; s && *s; s++)
        cr_assert_eq(sa->lpVtbl->CreateMsgService(sa, (LPTSTR)*s, NULL, 0, 0), S_OK, "%s", *s);
    sa->lpVtbl->Release(sa);
    if (is_default)
        cr_assert_eq(pa->lpVtbl->SetDefaultProfile(pa, (LPTSTR)name, 0), S_OK);
    pa->lpVtbl->Release(pa);
}

static inline void sess_setup(void)
{
    store_setup();
    setenv("MAPIRT_PROFILES", g_db, 1);
    char cat[160];
    snprintf(cat, sizeof cat, "%s/mapisvc.inf", g_dir);
    write_file(g_dir, "mapisvc.inf", SESS_CATALOG);
    setenv("MAPIRT_SERVICES", cat, 1);
    cr_assert_not_null(realpath("build/tests/providers", g_provdir),
                       "build the test providers (ninja test-providers)");
    setenv("MAPIRT_PROVIDER_PATH", g_provdir, 1);
    /* kept loaded by the test, so that their counters outlive the sessions' unloading */
    provider_module("acmeab.so");
    provider_module("acmems.so");
    provider_module("acmexp.so");
    provider_module("badver.so");
    cr_assert_eq(MAPIInitialize(NULL), S_OK);
    static const char *const acme[] = {"ACME", NULL};
    make_profile("Work", 1, acme);
}

static inline void sess_teardown(void)
{
    MAPIUninitialize();
    store_teardown();
}

static inline LPMAPISESSION logon(const char *profile, ULONG flags)
{
    LPMAPISESSION s = NULL;
    HRESULT hr = MAPILogonEx(0, (LPTSTR)profile, NULL, flags, &s);
    cr_assert_eq(hr, S_OK, "MAPILogonEx(%s): 0x%08X", profile ? profile : "NULL", (unsigned)hr);
    return s;
}

static inline LPSRowSet all_rows(LPMAPITABLE t)
{
    LPSRowSet rows = NULL;
    cr_assert_eq(HrQueryAllRows(t, NULL, NULL, NULL, 0, &rows), S_OK);
    return rows;
}

static inline const SPropValue *col(const SRow *r, ULONG tag)
{
    for (ULONG i = 0; i < r->cValues; i++)
        if (r->lpProps[i].ulPropTag == tag)
            return &r->lpProps[i];
    return NULL;
}

/* The status row whose PR_RESOURCE_TYPE is type and (optionally) display name is name. */
static inline const SRow *status_row(LPSRowSet rows, ULONG type, const char *name)
{
    for (ULONG i = 0; i < rows->cRows; i++) {
        const SPropValue *t = col(&rows->aRow[i], PR_RESOURCE_TYPE);
        const SPropValue *n = col(&rows->aRow[i], PR_DISPLAY_NAME_A);
        if (t && t->Value.l == (LONG)type && (!name || (n && strcmp(n->Value.lpszA, name) == 0)))
            return &rows->aRow[i];
    }
    return NULL;
}

#endif
