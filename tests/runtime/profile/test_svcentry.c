/* tests/runtime/profile/test_svcentry.c: a service's entry point found from its profile
 * section and the test services of tests/providers (runtime/profile/svcentry.c). */
#include "storefixture.h"

#include <limits.h>
#include <mapispi.h>

#include "profile/services.h"
#include "profile/svcentry.h"

static const char CATALOG[] =
    "[Services]\nACME=Acme\nPLAIN=No entry\nMISSING=Missing DLL\nNOEXPORT=Wrong export\n"
    "[ACME]\nPR_SERVICE_DLL_NAME=ACMESVC.DLL\nPR_SERVICE_ENTRY_NAME=ServiceEntry\nProviders=P\n"
    "[PLAIN]\nProviders=P\n"
    "[MISSING]\nPR_SERVICE_DLL_NAME=NOWHERE.DLL\nProviders=P\n"
    "[NOEXPORT]\nPR_SERVICE_DLL_NAME=acmesvc\nPR_SERVICE_ENTRY_NAME=NoSuchEntry\nProviders=P\n"
    "[P]\nPR_PROVIDER_DLL_NAME=p.dll\nPR_RESOURCE_TYPE=MAPI_STORE_PROVIDER\n";

static mapirt_catalog *g_cat;
static mapirt_profile_id g_id;

struct mk {
    const char *name;
    MAPIUID uid;
};

static HRESULT make(mapirt_ps_tx *tx, void *p)
{
    struct mk *m = p;
    return mapirt_svc_create(tx, g_id, g_cat, m->name, NULL, &m->uid);
}

static void setup(void)
{
    store_setup();
    char path[PATH_MAX], err[256];
    cr_assert_not_null(realpath("build/tests/providers", path));
    setenv("MAPIRT_PROVIDER_PATH", path, 1);
    cr_assert_eq(parse1("t.inf", CATALOG, &g_cat, err, sizeof err), S_OK, "%s", err);
}

static void teardown(void)
{
    mapirt_catalog_free(g_cat);
    store_teardown();
}

TestSuite(svcentry, .init = setup, .fini = teardown);

Test(svcentry, entry_points)
{
    mapirt_profstore *ps = open_store();
    g_id = create(ps, "Entries");
    struct mk acme = {.name = "ACME"}, plain = {.name = "PLAIN"}, missing = {.name = "MISSING"},
              noexp = {.name = "NOEXPORT"};
    char err[512];
    cr_assert_eq(mapirt_profstore_write(ps, make, &acme, NULL, 0), S_OK);
    cr_assert_eq(mapirt_profstore_write(ps, make, &plain, NULL, 0), S_OK);
    cr_assert_eq(mapirt_profstore_write(ps, make, &missing, NULL, 0), S_OK);
    cr_assert_eq(mapirt_profstore_write(ps, make, &noexp, NULL, 0), S_OK);

    mapirt_svcentry e;
    cr_assert_eq(mapirt_svcentry_load(ps, g_id, &acme.uid, &e, err, sizeof err), S_OK, "%s", err);
    cr_assert_not_null(e.entry);
    LPMAPIERROR perr;
    cr_expect_eq(e.entry(mapirt_module_instance(e.module), NULL, NULL, 0, 0, MSG_SERVICE_CREATE,
                         0, NULL, NULL, &perr),
                 S_OK);
    struct call {
        unsigned long calls;
        ULONG context;
    };
    const struct call *(*last)(void) =
        (const struct call *(*)(void))(size_t)mapirt_module_symbol(e.module, "acmesvc_last");
    cr_assert_not_null(last);
    cr_expect_eq(last()->calls, 1);
    cr_expect_eq(last()->context, MSG_SERVICE_CREATE);
    mapirt_svcentry_release(&e);

    cr_assert_eq(mapirt_svcentry_load(ps, g_id, &plain.uid, &e, err, sizeof err), S_OK);
    cr_expect_null(e.entry, "no PR_SERVICE_DLL_NAME: nothing to call");
    mapirt_svcentry_release(&e);

    cr_expect_eq(mapirt_svcentry_load(ps, g_id, &missing.uid, &e, err, sizeof err),
                 MAPI_E_NOT_FOUND);
    cr_expect(strstr(err, "no shared object for provider DLL 'NOWHERE.DLL'") == err, "%s", err);
    cr_expect_eq(mapirt_svcentry_load(ps, g_id, &noexp.uid, &e, err, sizeof err),
                 MAPI_E_NOT_FOUND);
    cr_expect(strstr(err, "acmesvc.so exports no NoSuchEntry") != NULL, "%s", err);
    MAPIUID none = uid_of(0x77);
    cr_expect_eq(mapirt_svcentry_load(ps, g_id, &none, &e, err, sizeof err), MAPI_E_NOT_FOUND);
    mapirt_profstore_release(ps);
}
