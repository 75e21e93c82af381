/* tests/runtime/profile/test_services.c: message services and providers made from the catalog
 * (runtime/profile/services.c) and the rows of the profile, service and provider tables
 * (rows.c): what a created service holds, single-copy services, the primary identity, the
 * transport order, copies, CreateProvider, and out of memory at every allocation. */
#include "storefixture.h"

#include <mapiutil.h>
#include <mapirt/alloc.h>
#include <mapirt/strconv.h>

#include "oom.h"
#include "profile/services.h"

static const char CATALOG[] =
    "[Services]\n"
    "ACME=Acme Mail\n"
    "OTHERID=Other Identity\n"
    "XPLAST=Late Transport\n"
    "XP=Plain Transport\n"
    "NOID=No Identity\n"
    "[Default Services]\n"
    "ACME=Acme Mail\n"
    "[ACME]\n"
    "PR_SERVICE_DLL_NAME=ACMESVC.DLL\n"
    "PR_SERVICE_ENTRY_NAME=ServiceEntry\n"
    "PR_SERVICE_SUPPORT_FILES=ACMESVC.DLL, ACMEAB.DLL\n"
    "PR_RESOURCE_FLAGS=SERVICE_SINGLE_COPY|SERVICE_PRIMARY_IDENTITY\n"
    "Providers=ACME AB, ACME Store\n"
    "Sections=ACME Extra\n"
    "[ACME AB]\n"
    "PR_DISPLAY_NAME=Acme Directory\n"
    "PR_PROVIDER_DISPLAY=Acme Address Book\n"
    "PR_PROVIDER_DLL_NAME=ACMEAB.DLL\n"
    "PR_RESOURCE_TYPE=MAPI_AB_PROVIDER\n"
    "PR_RESOURCE_FLAGS=STATUS_PRIMARY_IDENTITY\n"
    "[ACME Store]\n"
    "PR_DISPLAY_NAME_W=Acme Földers\n"
    "PR_PROVIDER_DLL_NAME=ACMEMS.DLL\n"
    "PR_RESOURCE_TYPE=MAPI_STORE_PROVIDER\n"
    "PR_RESOURCE_FLAGS=STATUS_DEFAULT_STORE|STATUS_NO_PRIMARY_IDENTITY\n"
    "[ACME Extra]\n"
    "UID=00112233445566778899AABBCCDDEEFF\n"
    "66010003=7\n"
    "[OTHERID]\n"
    "PR_DISPLAY_NAME=Other\n"
    "Providers=OTHERID AB\n"
    "[OTHERID AB]\n"
    "PR_PROVIDER_DLL_NAME=OTHER.DLL\n"
    "PR_RESOURCE_TYPE=MAPI_AB_PROVIDER\n"
    "PR_RESOURCE_FLAGS=STATUS_PRIMARY_IDENTITY\n"
    "[XPLAST]\n"
    "Providers=XPLAST XP\n"
    "PR_RESOURCE_FLAGS=SERVICE_NO_PRIMARY_IDENTITY\n"
    "[XPLAST XP]\n"
    "PR_PROVIDER_DLL_NAME=LATE.DLL\n"
    "PR_RESOURCE_TYPE=MAPI_TRANSPORT_PROVIDER\n"
    "PR_RESOURCE_FLAGS=STATUS_XP_PREFER_LAST|STATUS_NO_PRIMARY_IDENTITY\n"
    "[XP]\n"
    "Providers=XP XP\n"
    "PR_RESOURCE_FLAGS=SERVICE_NO_PRIMARY_IDENTITY\n"
    "[XP XP]\n"
    "PR_PROVIDER_DLL_NAME=PLAIN.DLL\n"
    "PR_RESOURCE_TYPE=MAPI_TRANSPORT_PROVIDER\n"
    "PR_RESOURCE_FLAGS=STATUS_NO_PRIMARY_IDENTITY\n"
    "[NOID]\n"
    "Providers=NOID MS\n"
    "PR_RESOURCE_FLAGS=SERVICE_NO_PRIMARY_IDENTITY\n"
    "[NOID MS]\n"
    "PR_PROVIDER_DLL_NAME=NOID.DLL\n"
    "PR_RESOURCE_TYPE=MAPI_STORE_PROVIDER\n"
    "PR_RESOURCE_FLAGS=STATUS_NO_PRIMARY_IDENTITY\n"
    "[Spare Store]\n"
    "PR_DISPLAY_NAME=Spare\n"
    "PR_PROVIDER_DLL_NAME=SPARE.DLL\n"
    "PR_RESOURCE_TYPE=MAPI_STORE_PROVIDER\n";

static mapirt_catalog *g_cat;
static mapirt_profstore *g_ps;
static mapirt_profile_id g_id;

static void setup(void)
{
    store_setup();
    char err[256];
    cr_assert_eq(parse1("services.inf", CATALOG, &g_cat, err, sizeof err), S_OK, "%s", err);
    g_ps = open_store();
    g_id = create(g_ps, "Services");
}

static void teardown(void)
{
    mapirt_profstore_release(g_ps);
    mapirt_catalog_free(g_cat);
    store_teardown();
}

TestSuite(services, .init = setup, .fini = teardown);

struct op {
    const char *name;
    MAPIUID uid, uid2;
    ULONG flags, count;
    const MAPIUID *list;
    LPSRowSet rows;
    mapirt_profile_id to;
};

static HRESULT do_create(mapirt_ps_tx *tx, void *p)
{
    struct op *o = p;
    return mapirt_svc_create(tx, g_id, g_cat, o->name, NULL, &o->uid);
}
static HRESULT do_delete(mapirt_ps_tx *tx, void *p)
{
    struct op *o = p;
    return mapirt_svc_delete(tx, g_id, &o->uid);
}
static HRESULT do_identity(mapirt_ps_tx *tx, void *p)
{
    struct op *o = p;
    return mapirt_svc_set_identity(tx, g_id, o->name ? &o->uid : NULL);
}
static HRESULT do_order(mapirt_ps_tx *tx, void *p)
{
    struct op *o = p;
    return mapirt_svc_transport_order(tx, g_id, o->count, o->list);
}
static HRESULT do_services(mapirt_ps_tx *tx, void *p)
{
    struct op *o = p;
    return mapirt_rows_services(tx, g_id, o->flags, &o->rows);
}
static HRESULT do_providers(mapirt_ps_tx *tx, void *p)
{
    struct op *o = p;
    return mapirt_rows_providers(tx, g_id, o->name ? &o->uid : NULL, o->flags, &o->rows);
}
static HRESULT do_profiles(mapirt_ps_tx *tx, void *p)
{
    struct op *o = p;
    return mapirt_rows_profiles(tx, o->flags, &o->rows);
}
static HRESULT do_copy(mapirt_ps_tx *tx, void *p)
{
    struct op *o = p;
    return mapirt_svc_copy(tx, g_id, &o->uid, o->to, &o->uid2);
}
static HRESULT do_provider(mapirt_ps_tx *tx, void *p)
{
    struct op *o = p;
    SPropValue extra = {.ulPropTag = PROP_TAG(PT_LONG, 0x6620), .Value.l = 99};
    return mapirt_svc_provider_create(tx, g_id, &o->uid, g_cat, o->name, 1, &extra, &o->uid2);
}

static MAPIUID make(const char *name)
{
    struct op o = {.name = name};
    char err[256];
    HRESULT hr = mapirt_profstore_write(g_ps, do_create, &o, err, sizeof err);
    cr_assert_eq(hr, S_OK, "create %s: 0x%08x %s", name, (unsigned)hr, err);
    return o.uid;
}

static const SPropValue *col(const SRow *row, ULONG tag)
{
    for (ULONG i = 0; i < row->cValues; i++)
        if (row->lpProps[i].ulPropTag == tag)
            return &row->lpProps[i];
    return NULL;
}

static LONG flags_of(const MAPIUID *uid)
{
    return get_long(g_ps, g_id, uid, PR_RESOURCE_FLAGS);
}

Test(services, a_created_service_holds_the_catalog_and_its_identifiers)
{
    MAPIUID su = make("acme");
    struct op o = {.flags = 0};
    cr_assert_eq(mapirt_profstore_read(g_ps, do_services, &o, NULL, 0), S_OK);
    cr_assert_eq(o.rows->cRows, 1);
    const SRow *row = &o.rows->aRow[0];
    cr_expect_str_eq(col(row, PR_SERVICE_NAME_A)->Value.lpszA, "ACME", "the [Services] key");
    cr_expect_str_eq(col(row, PR_DISPLAY_NAME_A)->Value.lpszA, "Acme Mail",
                     "the [Services] text when the section has no name");
    cr_expect_str_eq(col(row, PR_SERVICE_DLL_NAME_A)->Value.lpszA, "ACMESVC.DLL");
    cr_expect_str_eq(col(row, PR_SERVICE_ENTRY_NAME)->Value.lpszA, "ServiceEntry");
    cr_expect_eq(col(row, PR_SERVICE_SUPPORT_FILES_A)->Value.MVszA.cValues, 2);
    cr_expect_eq(memcmp(col(row, PR_SERVICE_UID)->Value.bin.lpb, &su, 16), 0);
    cr_expect_eq(memcmp(col(row, PR_INSTANCE_KEY)->Value.bin.lpb, &su, 16), 0);
    cr_expect_eq((ULONG)col(row, PR_RESOURCE_FLAGS)->Value.l,
                 SERVICE_SINGLE_COPY | SERVICE_PRIMARY_IDENTITY);
    FreeProws(o.rows);

    /* the same in the UTF-16 API; PR_SERVICE_ENTRY_NAME is 8-bit only */
    o.flags = MAPI_UNICODE;
    cr_assert_eq(mapirt_profstore_read(g_ps, do_services, &o, NULL, 0), S_OK);
    row = &o.rows->aRow[0];
    cr_expect_not_null(col(row, PR_SERVICE_NAME_W));
    cr_expect_not_null(col(row, PR_DISPLAY_NAME_W));
    cr_expect_not_null(col(row, PR_SERVICE_SUPPORT_FILES_W));
    cr_expect_not_null(col(row, PR_SERVICE_ENTRY_NAME));
    cr_expect_null(col(row, PR_DISPLAY_NAME_A));
    FreeProws(o.rows);

    /* its providers and extra section */
    o.name = "x";
    o.uid = su;
    o.flags = MAPI_UNICODE;
    cr_assert_eq(mapirt_profstore_read(g_ps, do_providers, &o, NULL, 0), S_OK);
    cr_assert_eq(o.rows->cRows, 3);
    row = &o.rows->aRow[0];
    cr_expect_eq(col(row, PR_RESOURCE_TYPE)->Value.l, MAPI_AB_PROVIDER);
    cr_expect_eq(col(row, PR_PROVIDER_ORDINAL)->Value.l, 0);
    char *pd = mapirt_str_w_to_a_dup(col(row, PR_PROVIDER_DISPLAY_W)->Value.lpszW);
    cr_expect_str_eq(pd, "Acme Address Book");
    mapirt_free(pd);
    cr_expect_eq((ULONG)col(row, PR_RESOURCE_FLAGS)->Value.l, STATUS_PRIMARY_IDENTITY,
                 "the identity provider of the identity service");
    const SRow *store = &o.rows->aRow[1];
    cr_expect_eq(col(store, PR_PROVIDER_ORDINAL)->Value.l, 1);
    cr_expect_eq(col(store, PR_DISPLAY_NAME_W)->Value.lpszW[6], 0x00F6, "UTF-16 kept");
    const SRow *extra = o.rows->aRow + 2;
    cr_expect_not_null(col(extra, CHANGE_PROP_TYPE(PR_RESOURCE_TYPE, PT_ERROR)),
                       "an extra section's row has PR_RESOURCE_TYPE as PT_ERROR");
    cr_expect_eq(col(extra, PR_PROVIDER_UID)->Value.bin.lpb[0], 0x00, "the catalog's UID=");
    cr_expect_eq(col(extra, PR_PROVIDER_UID)->Value.bin.lpb[15], 0xFF);
    FreeProws(o.rows);

    /* the profile-wide table lists providers only */
    o.name = NULL;
    o.flags = 0;
    cr_assert_eq(mapirt_profstore_read(g_ps, do_providers, &o, NULL, 0), S_OK);
    cr_expect_eq(o.rows->cRows, 2);
    cr_expect_str_eq(col(&o.rows->aRow[1], PR_DISPLAY_NAME_A)->Value.lpszA, "Acme Földers");
    cr_expect_str_eq(col(&o.rows->aRow[1], PR_SERVICE_NAME_A)->Value.lpszA, "ACME");
    FreeProws(o.rows);

    /* the service section links its extra section */
    ULONG n;
    LPSPropValue v;
    cr_assert_eq(mapirt_profstore_get_props(g_ps, g_id, &su, &n, &v, NULL, 0), S_OK);
    const SPropValue *eu = NULL;
    for (ULONG i = 0; i < n; i++)
        if (v[i].ulPropTag == PR_SERVICE_EXTRA_UIDS)
            eu = &v[i];
    cr_assert_not_null(eu);
    cr_expect_eq(eu->Value.bin.cb, 16);
    cr_expect_eq(eu->Value.bin.lpb[1], 0x11);
    MAPIFreeBuffer(v);
    MAPIUID ex = {{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC,
                   0xDD, 0xEE, 0xFF}};
    cr_expect_eq(get_long(g_ps, g_id, &ex, PROP_TAG(PT_LONG, 0x6601)), 7);
}

Test(services, single_copy_and_unknown_services)
{
    make("ACME");
    struct op o = {.name = "ACME"};
    char err[256];
    cr_expect_eq(mapirt_profstore_write(g_ps, do_create, &o, err, sizeof err), MAPI_E_NO_ACCESS);
    cr_expect_str_eq(err, "message service 'ACME' allows one copy per profile and the profile "
                          "has it");
    o.name = "NOPE";
    cr_expect_eq(mapirt_profstore_write(g_ps, do_create, &o, err, sizeof err), MAPI_E_NOT_FOUND);
    cr_expect_str_eq(err, "there is no message service 'NOPE' in the service catalog");
    make("XP");
    make("XP"); /* not single-copy */
}

Test(services, the_primary_identity)
{
    MAPIUID acme = make("ACME");
    MAPIUID other = make("OTHERID");
    MAPIUID noid = make("NOID");
    struct op o = {.name = NULL};
    cr_assert_eq(mapirt_profstore_read(g_ps, do_providers, &o, NULL, 0), S_OK);
    cr_assert_eq(o.rows->cRows, 4);
    MAPIUID ab, store, other_ab;
    memcpy(&ab, col(&o.rows->aRow[0], PR_PROVIDER_UID)->Value.bin.lpb, 16);
    memcpy(&store, col(&o.rows->aRow[1], PR_PROVIDER_UID)->Value.bin.lpb, 16);
    memcpy(&other_ab, col(o.rows->aRow + 2, PR_PROVIDER_UID)->Value.bin.lpb, 16);
    FreeProws(o.rows);

    cr_expect(flags_of(&acme) & SERVICE_PRIMARY_IDENTITY, "the first capable service has it");
    cr_expect(flags_of(&ab) & STATUS_PRIMARY_IDENTITY);
    cr_expect_not(flags_of(&store) & STATUS_PRIMARY_IDENTITY, "a provider that cannot");
    cr_expect_not(flags_of(&other) & SERVICE_PRIMARY_IDENTITY, "one identity per profile");
    cr_expect_not(flags_of(&other_ab) & STATUS_PRIMARY_IDENTITY);

    char err[256];
    o.name = "x";
    o.uid = other;
    cr_assert_eq(mapirt_profstore_write(g_ps, do_identity, &o, err, sizeof err), S_OK, "%s", err);
    cr_expect(flags_of(&other) & SERVICE_PRIMARY_IDENTITY);
    cr_expect(flags_of(&other_ab) & STATUS_PRIMARY_IDENTITY);
    cr_expect_not(flags_of(&acme) & SERVICE_PRIMARY_IDENTITY);
    cr_expect_not(flags_of(&ab) & STATUS_PRIMARY_IDENTITY);
    cr_expect(flags_of(&acme) & SERVICE_SINGLE_COPY, "other flags are kept");

    o.uid = noid;
    cr_expect_eq(mapirt_profstore_write(g_ps, do_identity, &o, err, sizeof err), MAPI_E_NO_ACCESS);
    cr_expect_str_eq(err, "message service 'NOID' cannot supply the primary identity "
                          "(SERVICE_NO_PRIMARY_IDENTITY)");
    o.uid = uid_of(0xEE);
    cr_expect_eq(mapirt_profstore_write(g_ps, do_identity, &o, err, sizeof err), MAPI_E_NOT_FOUND);

    /* deleting the identity service passes the role on */
    o.uid = other;
    cr_assert_eq(mapirt_profstore_write(g_ps, do_delete, &o, err, sizeof err), S_OK, "%s", err);
    cr_expect(flags_of(&acme) & SERVICE_PRIMARY_IDENTITY, "the next capable service");
    cr_expect(flags_of(&ab) & STATUS_PRIMARY_IDENTITY);

    o.name = NULL; /* clear */
    cr_assert_eq(mapirt_profstore_write(g_ps, do_identity, &o, err, sizeof err), S_OK);
    cr_expect_not(flags_of(&acme) & SERVICE_PRIMARY_IDENTITY);
    cr_expect_not(flags_of(&ab) & STATUS_PRIMARY_IDENTITY);
}

static ULONG transports(MAPIUID *out)
{
    struct op o = {.name = NULL};
    cr_assert_eq(mapirt_profstore_read(g_ps, do_providers, &o, NULL, 0), S_OK);
    /* sorted by PR_PROVIDER_ORDINAL, as a client finds the transport order */
    ULONG n = 0;
    for (LONG want = 0; want < (LONG)o.rows->cRows; want++)
        for (ULONG i = 0; i < o.rows->cRows; i++) {
            const SRow *r = &o.rows->aRow[i];
            if (col(r, PR_PROVIDER_ORDINAL)->Value.l == want &&
                col(r, PR_RESOURCE_TYPE)->Value.l == MAPI_TRANSPORT_PROVIDER)
                memcpy(&out[n++], col(r, PR_PROVIDER_UID)->Value.bin.lpb, 16);
        }
    FreeProws(o.rows);
    return n;
}

static MAPIUID first_provider(const MAPIUID *service)
{
    struct op o = {.name = "x", .uid = *service};
    cr_assert_eq(mapirt_profstore_read(g_ps, do_providers, &o, NULL, 0), S_OK);
    MAPIUID u;
    memcpy(&u, col(&o.rows->aRow[0], PR_PROVIDER_UID)->Value.bin.lpb, 16);
    FreeProws(o.rows);
    return u;
}

Test(services, the_transport_order)
{
    MAPIUID late = first_provider((MAPIUID[]){make("XPLAST")});
    MAPIUID a = first_provider((MAPIUID[]){make("XP")});
    make("ACME");
    MAPIUID b = first_provider((MAPIUID[]){make("XP")});
    MAPIUID t[4];
    cr_assert_eq(transports(t), 3);
    cr_expect_eq(memcmp(&t[0], &a, 16), 0, "order of addition...");
    cr_expect_eq(memcmp(&t[1], &b, 16), 0);
    cr_expect_eq(memcmp(&t[2], &late, 16), 0, "...but STATUS_XP_PREFER_LAST goes last");

    char err[256];
    MAPIUID want[3] = {late, b, a};
    struct op o = {.count = 2, .list = want};
    cr_expect_eq(mapirt_profstore_write(g_ps, do_order, &o, err, sizeof err), MAPI_E_BUSY);
    cr_expect_str_eq(err, "the transport order names 2 transports; the profile has 3");
    MAPIUID wrong[3] = {late, b, uid_of(1)};
    o.count = 3;
    o.list = wrong;
    cr_expect_eq(mapirt_profstore_write(g_ps, do_order, &o, err, sizeof err), MAPI_E_NOT_FOUND);
    MAPIUID twice[3] = {late, b, b};
    o.list = twice;
    cr_expect_eq(mapirt_profstore_write(g_ps, do_order, &o, err, sizeof err), MAPI_E_NOT_FOUND);
    o.list = want;
    cr_assert_eq(mapirt_profstore_write(g_ps, do_order, &o, err, sizeof err), S_OK, "%s", err);
    cr_assert_eq(transports(t), 3);
    for (int i = 0; i < 3; i++)
        cr_expect_eq(memcmp(&t[i], &want[i], 16), 0, "%d: an explicit order wins", i);
}

Test(services, copying_a_service)
{
    MAPIUID acme = make("ACME");
    mapirt_profile_id other = create(g_ps, "Other");
    struct op o = {.uid = acme, .to = other};
    char err[256];
    cr_assert_eq(mapirt_profstore_write(g_ps, do_copy, &o, err, sizeof err), S_OK, "%s", err);
    cr_expect_neq(memcmp(&o.uid2, &acme, 16), 0, "a new service UID");
    cr_expect_eq(get_long(g_ps, other, &o.uid2, PR_RESOURCE_FLAGS),
                 (LONG)(SERVICE_SINGLE_COPY | SERVICE_PRIMARY_IDENTITY),
                 "the only service of its profile supplies the identity");
    MAPIUID ex = {{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC,
                   0xDD, 0xEE, 0xFF}};
    cr_expect_eq(get_long(g_ps, other, &ex, PROP_TAG(PT_LONG, 0x6601)), 7,
                 "the extra section keeps its fixed UID in another profile");
    o.to = other;
    cr_expect_eq(mapirt_profstore_write(g_ps, do_copy, &o, err, sizeof err), MAPI_E_NO_ACCESS,
                 "single copy");
    MAPIUID xp = make("XP");
    o.uid = xp;
    o.to = g_id;
    cr_assert_eq(mapirt_profstore_write(g_ps, do_copy, &o, err, sizeof err), S_OK, "%s", err);
    MAPIUID p1 = first_provider(&o.uid2), p2 = first_provider(&xp);
    cr_expect_neq(memcmp(&p1, &p2, 16), 0, "a copy in the same profile gets new provider UIDs");
}

Test(services, create_provider)
{
    MAPIUID xp = make("XP");
    struct op o = {.uid = xp, .name = "Spare Store"};
    char err[256];
    cr_assert_eq(mapirt_profstore_write(g_ps, do_provider, &o, err, sizeof err), S_OK, "%s", err);
    cr_expect_eq(get_long(g_ps, g_id, &o.uid2, PROP_TAG(PT_LONG, 0x6620)), 99, "given properties");
    cr_expect_eq(get_long(g_ps, g_id, &o.uid2, PR_RESOURCE_TYPE), MAPI_STORE_PROVIDER);
    o.name = "ACME"; /* a service section is not a provider */
    cr_expect_eq(mapirt_profstore_write(g_ps, do_provider, &o, err, sizeof err), MAPI_E_NOT_FOUND);
    cr_expect_str_eq(err, "there is no provider section [ACME] in the service catalog");
    o.name = "Spare Store";
    o.uid = uid_of(0x99);
    cr_expect_eq(mapirt_profstore_write(g_ps, do_provider, &o, err, sizeof err), MAPI_E_NOT_FOUND);
}

Test(services, the_profile_table)
{
    struct op o = {.flags = 0};
    char err[256];
    static const char APPNAME[] = "App Only";
    (void)APPNAME;
    cr_assert_eq(mapirt_profstore_read(g_ps, do_profiles, &o, err, sizeof err), S_OK);
    cr_assert_eq(o.rows->cRows, 1);
    cr_expect_str_eq(col(&o.rows->aRow[0], PR_DISPLAY_NAME_A)->Value.lpszA, "Services");
    cr_expect_eq(col(&o.rows->aRow[0], PR_DEFAULT_PROFILE)->Value.b, 0);
    cr_expect_eq(col(&o.rows->aRow[0], PR_INSTANCE_KEY)->Value.bin.cb, 16);
    FreeProws(o.rows);
    o.flags = MAPI_UNICODE | MAPI_APP_PROFILE;
    cr_assert_eq(mapirt_profstore_read(g_ps, do_profiles, &o, err, sizeof err), S_OK);
    cr_expect_not_null(col(&o.rows->aRow[0], PR_DISPLAY_NAME_W));
    FreeProws(o.rows);
}

Test(services, out_of_memory_at_every_allocation)
{
    unsigned long oom_points;
    HRESULT hr;
    struct op o = {.name = "ACME"};
    OOM_LOOP(hr, hr = mapirt_profstore_write(g_ps, do_create, &o, NULL, 0),
             hr = mapirt_profstore_write(g_ps, do_delete, &o, NULL, 0));
    cr_assert_eq(hr, S_OK);
    cr_expect_gt(oom_points, 10);
    /* every failed attempt rolled back: a single-copy service can be created once more */
    cr_assert_eq(mapirt_profstore_write(g_ps, do_create, &o, NULL, 0), S_OK);
    struct op r = {.flags = MAPI_UNICODE};
    OOM_LOOP(hr, hr = mapirt_profstore_read(g_ps, do_services, &r, NULL, 0), FreeProws(r.rows));
    r.name = "x";
    r.uid = o.uid;
    OOM_LOOP(hr, hr = mapirt_profstore_read(g_ps, do_providers, &r, NULL, 0), FreeProws(r.rows));
    MAPIRT_LEAK_CHECK();
}
