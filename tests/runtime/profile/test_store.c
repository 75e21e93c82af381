/* tests/runtime/profile/test_store.c: the profile store (runtime/profile/store_*.c): where it
 * lives and with which modes, profiles (create, find, list, rename, copy, default, delete),
 * sections with every property type, services and providers, a live view shared by two
 * connections, schema versions, out of memory at every allocation. */
#include "storefixture.h"

#include <sys/stat.h>
#include <sqlite3.h>

#include <mapiutil.h>
#include <mapirt/alloc.h>

#include "oom.h"

TestSuite(store, .init = store_setup, .fini = store_teardown);

Test(store, files_and_directories_are_private)
{
    char cfg[128], path[300], err[256];
    mode_t old = umask(0);
    snprintf(cfg, sizeof cfg, "%s/cfg", g_dir);
    setenv("XDG_CONFIG_HOME", cfg, 1);
    unsetenv("MAPIRT_PROFILES");
    cr_assert_eq(mapirt_profstore_default_path(path, sizeof path, err, sizeof err), S_OK);
    char want[256];
    snprintf(want, sizeof want, "%s/mapirt/profiles.db", cfg);
    cr_expect_str_eq(path, want);
    mapirt_profstore *ps;
    cr_assert_eq(mapirt_profstore_open(NULL, &ps, err, sizeof err), S_OK, "%s", err);
    cr_expect_str_eq(mapirt_profstore_path(ps), want);
    create(ps, "Private");
    struct stat st;
    cr_assert_eq(stat(want, &st), 0);
    cr_expect_eq(st.st_mode & 0777, 0600, "database mode %o", st.st_mode & 0777);
    snprintf(path, sizeof path, "%s-wal", want);
    if (stat(path, &st) == 0)
        cr_expect_eq(st.st_mode & 0777, 0600, "WAL mode %o", st.st_mode & 0777);
    snprintf(path, sizeof path, "%s/mapirt", cfg);
    cr_assert_eq(stat(path, &st), 0);
    cr_expect_eq(st.st_mode & 0777, 0700, "directory mode %o", st.st_mode & 0777);
    cr_assert_eq(stat(cfg, &st), 0);
    cr_expect_eq(st.st_mode & 0777, 0700, "created parent mode %o", st.st_mode & 0777);
    mapirt_profstore_release(ps);
    umask(old);
}

Test(store, where_the_store_is)
{
    char path[256], err[256], want[256];
    setenv("MAPIRT_PROFILES", g_db, 1);
    cr_assert_eq(mapirt_profstore_default_path(path, sizeof path, err, sizeof err), S_OK);
    cr_expect_str_eq(path, g_db, "a file path is used as it is");
    setenv("MAPIRT_PROFILES", g_dir, 1);
    cr_assert_eq(mapirt_profstore_default_path(path, sizeof path, err, sizeof err), S_OK);
    cr_expect_str_eq(path, g_db, "a directory holds profiles.db");
    unsetenv("MAPIRT_PROFILES");
    setenv("XDG_CONFIG_HOME", "relative/dir", 1);
    setenv("HOME", g_dir, 1);
    cr_assert_eq(mapirt_profstore_default_path(path, sizeof path, err, sizeof err), S_OK);
    snprintf(want, sizeof want, "%s/.config/mapirt/profiles.db", g_dir);
    cr_expect_str_eq(path, want, "a relative XDG_CONFIG_HOME is ignored");
}

Test(store, profile_lifecycle)
{
    mapirt_profstore *ps = open_store();
    char err[256];
    mapirt_profile_info info;
    mapirt_profile_id a = create(ps, "Outlook");
    mapirt_profile_id b = create(ps, "Zoë Ünicode");
    cr_expect_neq(a, b);

    cr_assert_eq(mapirt_profstore_find_profile(ps, "OUTLOOK", &info, err, sizeof err), S_OK);
    cr_expect_eq(info.id, a);
    cr_expect_str_eq(info.name, "Outlook");
    cr_assert_eq(mapirt_profstore_find_profile(ps, "zoë ünicode", &info, err, sizeof err), S_OK);
    cr_expect_str_eq(info.name, "Zoë Ünicode");
    cr_expect_eq(mapirt_profstore_find_profile(ps, "nobody", &info, err, sizeof err),
                 MAPI_E_NOT_FOUND);
    cr_expect_str_eq(err, "there is no profile 'nobody'");
    cr_expect_eq(mapirt_profstore_find_profile(ps, " bad/name", &info, err, sizeof err),
                 MAPI_E_NOT_FOUND, "an invalid name names no profile");

    cr_expect_eq(mapirt_profstore_create_profile(ps, "outlook", 0, NULL, err, sizeof err),
                 MAPI_E_NO_ACCESS);
    cr_expect_str_eq(err, "a profile named 'outlook' already exists ('Outlook')");
    cr_expect_eq(mapirt_profstore_create_profile(ps, "bad/name", 0, NULL, err, sizeof err),
                 MAPI_E_INVALID_PARAMETER);
    mapirt_profstore_release(ps);
}

struct ctx {
    mapirt_profile_id id, id2;
    const char *name;
    mapirt_profile_info *list;
    ULONG n;
    HRESULT hr;
};

static HRESULT do_list(mapirt_ps_tx *tx, void *p)
{
    struct ctx *c = p;
    return mapirt_ps_profile_list(tx, &c->list, &c->n);
}
static HRESULT do_rename(mapirt_ps_tx *tx, void *p)
{
    struct ctx *c = p;
    return mapirt_ps_profile_rename(tx, c->id, c->name);
}
static HRESULT do_copy(mapirt_ps_tx *tx, void *p)
{
    struct ctx *c = p;
    return mapirt_ps_profile_copy(tx, c->id, c->name, 0, &c->id2);
}
static HRESULT do_default(mapirt_ps_tx *tx, void *p)
{
    struct ctx *c = p;
    return mapirt_ps_profile_set_default(tx, c->id);
}
static HRESULT do_delete(mapirt_ps_tx *tx, void *p)
{
    struct ctx *c = p;
    return mapirt_ps_profile_delete(tx, c->id);
}
static HRESULT do_mark(mapirt_ps_tx *tx, void *p)
{
    struct ctx *c = p;
    return mapirt_ps_profile_mark_deleted(tx, c->id, 1);
}
static HRESULT do_get(mapirt_ps_tx *tx, void *p)
{
    struct ctx *c = p;
    return mapirt_ps_profile_get(tx, c->id, c->list);
}
static HRESULT do_create_app(mapirt_ps_tx *tx, void *p)
{
    struct ctx *c = p;
    return mapirt_ps_profile_create(tx, c->name, 1, &c->id);
}

static ULONG list_names(mapirt_profstore *ps, char names[][80])
{
    struct ctx c = {0};
    cr_assert_eq(mapirt_profstore_read(ps, do_list, &c, NULL, 0), S_OK);
    for (ULONG i = 0; i < c.n; i++)
        snprintf(names[i], 80, "%s%s", c.list[i].name, c.list[i].is_default ? "*" : "");
    mapirt_free(c.list);
    return c.n;
}

Test(store, list_rename_copy_default_delete)
{
    mapirt_profstore *ps = open_store();
    char err[256], names[8][80];
    mapirt_profile_id a = create(ps, "beta");
    mapirt_profile_id b = create(ps, "Alpha");
    cr_assert_eq(list_names(ps, names), 2);
    cr_expect_str_eq(names[0], "Alpha", "listed by name without case");
    cr_expect_str_eq(names[1], "beta");

    struct ctx c = {.id = a, .name = "ALPHA"};
    cr_expect_eq(mapirt_profstore_write(ps, do_rename, &c, err, sizeof err), MAPI_E_NO_ACCESS);
    c.name = "BETA";
    cr_expect_eq(mapirt_profstore_write(ps, do_rename, &c, err, sizeof err), S_OK,
                 "a change of case only: %s", err);
    c.name = "Gamma";
    cr_expect_eq(mapirt_profstore_write(ps, do_rename, &c, err, sizeof err), S_OK);

    /* default: one at a time */
    c.id = b;
    cr_expect_eq(mapirt_profstore_write(ps, do_default, &c, err, sizeof err), S_OK);
    c.id = a;
    cr_expect_eq(mapirt_profstore_write(ps, do_default, &c, err, sizeof err), S_OK);
    cr_assert_eq(list_names(ps, names), 2);
    cr_expect_str_eq(names[0], "Alpha");
    cr_expect_str_eq(names[1], "Gamma*");
    c.id = 0;
    cr_expect_eq(mapirt_profstore_write(ps, do_default, &c, err, sizeof err), S_OK);
    list_names(ps, names);
    cr_expect_str_eq(names[1], "Gamma");

    /* an application profile cannot be the default */
    c.name = "App";
    cr_assert_eq(mapirt_profstore_write(ps, do_create_app, &c, err, sizeof err), S_OK);
    cr_expect_eq(mapirt_profstore_write(ps, do_default, &c, err, sizeof err), MAPI_E_CALL_FAILED);
    cr_expect_str_eq(err, "'App' is an application profile, which cannot be the default");

    /* a copy has everything and its own search key */
    MAPIUID u = uid_of(7);
    set_long(ps, a, &u, PROP_TAG(PT_LONG, 0x6600), 42);
    c.id = a;
    c.name = "Copy";
    cr_assert_eq(mapirt_profstore_write(ps, do_copy, &c, err, sizeof err), S_OK, "%s", err);
    cr_expect_eq(get_long(ps, c.id2, &u, PROP_TAG(PT_LONG, 0x6600)), 42);
    MAPIUID inst;
    memcpy(&inst, &MUID_PROFILE_INSTANCE, 16);
    ULONG n1, n2;
    LPSPropValue p1, p2;
    cr_assert_eq(mapirt_profstore_get_props(ps, a, &inst, &n1, &p1, err, sizeof err), S_OK);
    cr_assert_eq(mapirt_profstore_get_props(ps, c.id2, &inst, &n2, &p2, err, sizeof err), S_OK);
    cr_assert_eq(n1, 1);
    cr_assert_eq(n2, 1);
    cr_expect_eq(p1[0].ulPropTag, PR_SEARCH_KEY);
    cr_expect_eq(p1[0].Value.bin.cb, 16);
    cr_expect_neq(memcmp(p1[0].Value.bin.lpb, p2[0].Value.bin.lpb, 16), 0);
    MAPIFreeBuffer(p1);
    MAPIFreeBuffer(p2);
    c.name = "copy";
    cr_expect_eq(mapirt_profstore_write(ps, do_copy, &c, err, sizeof err), MAPI_E_NO_ACCESS);

    /* marked for deletion: hidden, name free again; then deleted for good */
    c.id = a;
    cr_expect_eq(mapirt_profstore_write(ps, do_mark, &c, err, sizeof err), S_OK);
    cr_expect_eq(list_names(ps, names), 3);
    mapirt_profile_info info;
    cr_expect_eq(mapirt_profstore_find_profile(ps, "gamma", &info, err, sizeof err),
                 MAPI_E_NOT_FOUND);
    c.list = &info;
    cr_assert_eq(mapirt_profstore_read(ps, do_get, &c, err, sizeof err), S_OK);
    cr_expect(info.delete_pending);
    mapirt_profile_id again = create(ps, "Gamma");
    cr_expect_neq(again, a);
    cr_expect_eq(get_long(ps, a, &u, PROP_TAG(PT_LONG, 0x6600)), 42,
                 "a profile pending deletion keeps its sections for its sessions");
    cr_expect_eq(mapirt_profstore_write(ps, do_delete, &c, err, sizeof err), S_OK);
    cr_expect_eq(mapirt_profstore_write(ps, do_delete, &c, err, sizeof err), MAPI_E_NOT_FOUND);
    ULONG n;
    LPSPropValue v;
    cr_expect_eq(mapirt_profstore_get_props(ps, a, &u, &n, &v, err, sizeof err),
                 MAPI_E_NOT_FOUND, "the sections went with it");
    mapirt_profstore_release(ps);
}

Test(store, search_keys_are_never_reused)
{
    mapirt_profstore *ps = open_store();
    MAPIUID inst;
    memcpy(&inst, &MUID_PROFILE_INSTANCE, 16);
    BYTE seen[20][16];
    for (int i = 0; i < 20; i++) {
        mapirt_profile_id id = create(ps, "Same");
        ULONG n;
        LPSPropValue v;
        cr_assert_eq(mapirt_profstore_get_props(ps, id, &inst, &n, &v, NULL, 0), S_OK);
        memcpy(seen[i], v[0].Value.bin.lpb, 16);
        MAPIFreeBuffer(v);
        for (int j = 0; j < i; j++)
            cr_expect_neq(memcmp(seen[i], seen[j], 16), 0);
        struct ctx c = {.id = id};
        cr_assert_eq(mapirt_profstore_write(ps, do_delete, &c, NULL, 0), S_OK);
    }
    sqlite3 *db;
    cr_assert_eq(sqlite3_open(g_db, &db), SQLITE_OK);
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(db, "SELECT count(*) FROM issued_search_key", -1, &st, NULL),
                 SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    cr_expect_eq(sqlite3_column_int(st, 0), 20, "every key issued is remembered");
    sqlite3_finalize(st);
    sqlite3_close(db);
    mapirt_profstore_release(ps);
}

Test(store, every_property_type_round_trips)
{
    mapirt_profstore *ps = open_store();
    mapirt_profile_id id = create(ps, "Types");
    MAPIUID u = uid_of(0x42);
    static char *strs[] = {"one", "", "drei"};
    static WCHAR w1[] = {'h', 0xE9, 0xD83D, 0xDE00, 0}, w2[] = {0}, lone[] = {0xD800, 'x', 0};
    static WCHAR *wstrs[] = {w1, w2, lone};
    static BYTE b1[] = {1, 2, 3};
    static SBinary bins[] = {{3, b1}, {0, NULL}};
    static LONG longs[] = {1, -2, 0x7FFFFFFF};
    static GUID guids[2] = {{1, 2, 3, {4, 5, 6, 7, 8, 9, 10, 11}}, {0}};
    static double dbls[] = {1.5, -0.25};
    SPropValue in[] = {
        {.ulPropTag = PROP_TAG(PT_I2, 0x6600), .Value.i = -7},
        {.ulPropTag = PROP_TAG(PT_LONG, 0x6601), .Value.l = -123456},
        {.ulPropTag = PROP_TAG(PT_R4, 0x6602), .Value.flt = 1.25f},
        {.ulPropTag = PROP_TAG(PT_DOUBLE, 0x6603), .Value.dbl = 3.5},
        {.ulPropTag = PROP_TAG(PT_CURRENCY, 0x6604), .Value.cur.int64 = -99},
        {.ulPropTag = PROP_TAG(PT_APPTIME, 0x6605), .Value.at = 2.75},
        {.ulPropTag = PROP_TAG(PT_BOOLEAN, 0x6606), .Value.b = 1},
        {.ulPropTag = PROP_TAG(PT_I8, 0x6607), .Value.li.QuadPart = -(1LL << 40)},
        {.ulPropTag = PROP_TAG(PT_STRING8, 0x6608), .Value.lpszA = "Grüße"},
        {.ulPropTag = PROP_TAG(PT_UNICODE, 0x6609), .Value.lpszW = w1},
        {.ulPropTag = PROP_TAG(PT_SYSTIME, 0x660A), .Value.ft = {0xFFFFFFFFu, 0x01D00000u}},
        {.ulPropTag = PROP_TAG(PT_CLSID, 0x660B), .Value.lpguid = &guids[0]},
        {.ulPropTag = PROP_TAG(PT_BINARY, 0x660C), .Value.bin = {3, b1}},
        {.ulPropTag = PROP_TAG(PT_BINARY, 0x660D), .Value.bin = {0, NULL}},
        {.ulPropTag = PROP_TAG(PT_MV_STRING8, 0x660E), .Value.MVszA = {3, strs}},
        {.ulPropTag = PROP_TAG(PT_MV_UNICODE, 0x660F), .Value.MVszW = {3, wstrs}},
        {.ulPropTag = PROP_TAG(PT_MV_BINARY, 0x6610), .Value.MVbin = {2, bins}},
        {.ulPropTag = PROP_TAG(PT_MV_LONG, 0x6611), .Value.MVl = {3, longs}},
        {.ulPropTag = PROP_TAG(PT_MV_CLSID, 0x6612), .Value.MVguid = {2, guids}},
        {.ulPropTag = PROP_TAG(PT_MV_DOUBLE, 0x6613), .Value.MVdbl = {2, dbls}},
        {.ulPropTag = PROP_TAG(PT_MV_LONG, 0x6614), .Value.MVl = {0, NULL}},
        {.ulPropTag = PROP_TAG(PT_UNICODE, 0x6615), .Value.lpszW = lone},
        {.ulPropTag = PROP_TAG(PT_BINARY, PROP_ID_SECURE_MIN), .Value.bin = {3, b1}},
    };
    const ULONG n = sizeof in / sizeof in[0];
    char err[256];
    cr_assert_eq(mapirt_profstore_set_props(ps, id, &u, n, in, err, sizeof err), S_OK, "%s", err);
    ULONG c;
    LPSPropValue out;
    cr_assert_eq(mapirt_profstore_get_props(ps, id, &u, &c, &out, err, sizeof err), S_OK, "%s",
                 err);
    cr_assert_eq(c, n);
    for (ULONG i = 0; i < n; i++) {
        cr_expect_eq(out[i].ulPropTag, in[i].ulPropTag, "%u", i);
        cr_expect_eq(LPropCompareProp(&out[i], &in[i]), 0, "value %u (0x%08x)", i,
                     (unsigned)in[i].ulPropTag);
    }
    cr_expect(MAPIRT_PROP_IS_SECURE(out[n - 1].ulPropTag));
    cr_expect_not(MAPIRT_PROP_IS_SECURE(out[0].ulPropTag));
    MAPIFreeBuffer(out);

    /* replacing a value changes its type too; deleting counts what was missing */
    SPropValue s = {.ulPropTag = PROP_TAG(PT_STRING8, 0x6600), .Value.lpszA = "now a string"};
    cr_assert_eq(mapirt_profstore_set_props(ps, id, &u, 1, &s, err, sizeof err), S_OK);
    SizedSPropTagArray(2, del) = {2, {PROP_TAG(PT_LONG, 0x6601), PROP_TAG(PT_LONG, 0x6700)}};
    ULONG missing = 99;
    cr_assert_eq(mapirt_profstore_delete_props(ps, id, &u, (LPSPropTagArray)&del, &missing, err,
                                               sizeof err),
                 S_OK);
    cr_expect_eq(missing, 1);
    cr_assert_eq(mapirt_profstore_get_props(ps, id, &u, &c, &out, err, sizeof err), S_OK);
    cr_expect_eq(c, n - 1);
    cr_expect_eq(out[0].ulPropTag, PROP_TAG(PT_STRING8, 0x6600));
    cr_expect_str_eq(out[0].Value.lpszA, "now a string");
    MAPIFreeBuffer(out);
    mapirt_profstore_release(ps);
}

Test(store, a_refused_value_changes_nothing)
{
    mapirt_profstore *ps = open_store();
    mapirt_profile_id id = create(ps, "AllOrNothing");
    MAPIUID u = uid_of(1);
    set_long(ps, id, &u, PROP_TAG(PT_LONG, 0x6600), 1);
    char err[256];
    SPropValue v[3] = {
        {.ulPropTag = PROP_TAG(PT_LONG, 0x6600), .Value.l = 2},
        {.ulPropTag = PROP_TAG(PT_LONG, 0x6601), .Value.l = 3},
        {.ulPropTag = PROP_TAG(PT_OBJECT, 0x6602)},
    };
    cr_expect_eq(mapirt_profstore_set_props(ps, id, &u, 3, v, err, sizeof err),
                 MAPI_E_INVALID_TYPE);
    cr_expect_str_eq(err, "property 0x6602000D: this type cannot be stored");
    v[2].ulPropTag = PROP_TAG(PT_LONG, 0x8001);
    cr_expect_eq(mapirt_profstore_set_props(ps, id, &u, 3, v, err, sizeof err),
                 MAPI_E_INVALID_PARAMETER);
    v[2].ulPropTag = PROP_TAG(PT_STRING8, 0x6602);
    v[2].Value.lpszA = NULL; /* fails while binding, after earlier rows were written */
    cr_expect_eq(mapirt_profstore_set_props(ps, id, &u, 3, v, err, sizeof err),
                 MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(get_long(ps, id, &u, PROP_TAG(PT_LONG, 0x6600)), 1, "rolled back");
    cr_expect_eq(get_long(ps, id, &u, PROP_TAG(PT_LONG, 0x6601)), -1);
    ULONG c;
    LPSPropValue out;
    MAPIUID none = uid_of(9);
    cr_expect_eq(mapirt_profstore_get_props(ps, id, &none, &c, &out, err, sizeof err),
                 MAPI_E_NOT_FOUND);
    mapirt_profstore_release(ps);
}

struct svc_ctx {
    mapirt_profile_id id;
    mapirt_ps_service *svcs;
    mapirt_ps_provider *provs;
    ULONG ns, np;
};

static HRESULT build_services(mapirt_ps_tx *tx, void *p)
{
    struct svc_ctx *c = p;
    MAPIUID s1 = uid_of(0x10), s2 = uid_of(0x20);
    MAPIUID a = uid_of(0x11), b = uid_of(0x12), e = uid_of(0x13), d = uid_of(0x21);
    HRESULT hr;
    if (FAILED(hr = mapirt_ps_service_add(tx, c->id, &s1, "ONE")) ||
        FAILED(hr = mapirt_ps_service_add(tx, c->id, &s2, "TWO")) ||
        FAILED(hr = mapirt_ps_provider_add(tx, c->id, &s1, &a, MAPIRT_PS_PROVIDER)) ||
        FAILED(hr = mapirt_ps_provider_add(tx, c->id, &s1, &e, MAPIRT_PS_EXTRA)) ||
        FAILED(hr = mapirt_ps_provider_add(tx, c->id, &s2, &d, MAPIRT_PS_PROVIDER)) ||
        FAILED(hr = mapirt_ps_provider_add(tx, c->id, &s1, &b, MAPIRT_PS_PROVIDER)))
        return hr;
    return S_OK;
}

static HRESULT read_services(mapirt_ps_tx *tx, void *p)
{
    struct svc_ctx *c = p;
    HRESULT hr = mapirt_ps_service_list(tx, c->id, &c->svcs, &c->ns);
    if (SUCCEEDED(hr))
        hr = mapirt_ps_provider_list(tx, c->id, NULL, &c->provs, &c->np);
    return hr;
}

static HRESULT reorder(mapirt_ps_tx *tx, void *p)
{
    struct svc_ctx *c = p;
    MAPIUID order[2] = {uid_of(0x12), uid_of(0x21)};
    return mapirt_ps_provider_reorder(tx, c->id, 2, order);
}

static HRESULT delete_service(mapirt_ps_tx *tx, void *p)
{
    struct svc_ctx *c = p;
    MAPIUID s1 = uid_of(0x10);
    return mapirt_ps_service_delete(tx, c->id, &s1);
}

static HRESULT bad_provider(mapirt_ps_tx *tx, void *p)
{
    struct svc_ctx *c = p;
    MAPIUID s = uid_of(0x77), a = uid_of(0x78);
    return mapirt_ps_provider_add(tx, c->id, &s, &a, MAPIRT_PS_PROVIDER);
}

Test(store, services_and_providers_in_profile_order)
{
    mapirt_profstore *ps = open_store();
    struct svc_ctx c = {.id = create(ps, "Services")};
    char err[256];
    cr_assert_eq(mapirt_profstore_write(ps, build_services, &c, err, sizeof err), S_OK, "%s",
                 err);
    cr_assert_eq(mapirt_profstore_read(ps, read_services, &c, err, sizeof err), S_OK, "%s", err);
    cr_assert_eq(c.ns, 2);
    cr_expect_str_eq(c.svcs[0].name, "ONE");
    cr_expect_str_eq(c.svcs[1].name, "TWO");
    cr_assert_eq(c.np, 4);
    BYTE want_uid[] = {0x11, 0x13, 0x21, 0x12};
    LONG want_ord[] = {0, -1, 1, 2};
    for (int i = 0; i < 4; i++) {
        cr_expect_eq(c.provs[i].uid.ab[0], want_uid[i], "%d", i);
        cr_expect_eq((LONG)c.provs[i].order, want_ord[i], "ordinal of %d", i);
    }
    cr_expect_eq(c.provs[1].kind, MAPIRT_PS_EXTRA);
    cr_expect_eq(c.provs[2].service.ab[0], 0x20);
    mapirt_free(c.svcs);
    mapirt_free(c.provs);

    cr_assert_eq(mapirt_profstore_write(ps, reorder, &c, err, sizeof err), S_OK, "%s", err);
    cr_assert_eq(mapirt_profstore_read(ps, read_services, &c, err, sizeof err), S_OK);
    BYTE reordered[] = {0x12, 0x21, 0x11, 0x13};
    for (int i = 0; i < 4; i++)
        cr_expect_eq(c.provs[i].uid.ab[0], reordered[i], "%d", i);
    mapirt_free(c.svcs);
    mapirt_free(c.provs);

    cr_expect_eq(mapirt_profstore_write(ps, bad_provider, &c, err, sizeof err), MAPI_E_NOT_FOUND);
    cr_expect_str_eq(err, "the profile has no such message service");

    MAPIUID a = uid_of(0x11);
    set_long(ps, c.id, &a, PROP_TAG(PT_LONG, 0x6600), 5);
    cr_assert_eq(mapirt_profstore_write(ps, delete_service, &c, err, sizeof err), S_OK, "%s", err);
    cr_assert_eq(mapirt_profstore_read(ps, read_services, &c, err, sizeof err), S_OK);
    cr_expect_eq(c.ns, 1);
    cr_expect_eq(c.np, 1);
    mapirt_free(c.svcs);
    mapirt_free(c.provs);
    ULONG n;
    LPSPropValue v;
    cr_expect_eq(mapirt_profstore_get_props(ps, c.id, &a, &n, &v, err, sizeof err),
                 MAPI_E_NOT_FOUND, "a deleted service's provider sections are gone");
    cr_expect_eq(mapirt_profstore_write(ps, delete_service, &c, err, sizeof err),
                 MAPI_E_NOT_FOUND);
    mapirt_profstore_release(ps);
}

Test(store, two_connections_see_each_others_changes_at_once)
{
    mapirt_profstore *a = open_store(), *b = open_store();
    mapirt_profile_id id = create(a, "Live");
    MAPIUID u = uid_of(3);
    set_long(a, id, &u, PROP_TAG(PT_LONG, 0x6600), 1);
    cr_expect_eq(get_long(b, id, &u, PROP_TAG(PT_LONG, 0x6600)), 1);
    set_long(b, id, &u, PROP_TAG(PT_LONG, 0x6600), 2);
    cr_expect_eq(get_long(a, id, &u, PROP_TAG(PT_LONG, 0x6600)), 2);

    /* a profile deleted through one connection: the other's writes say so */
    struct ctx c = {.id = id};
    cr_assert_eq(mapirt_profstore_write(b, do_delete, &c, NULL, 0), S_OK);
    SPropValue v = {.ulPropTag = PROP_TAG(PT_LONG, 0x6600)};
    char err[256];
    cr_expect_eq(mapirt_profstore_set_props(a, id, &u, 1, &v, err, sizeof err), MAPI_E_NOT_FOUND);
    cr_expect_str_eq(err, "there is no profile with this identifier (it was deleted)");
    mapirt_profstore_release(a);
    mapirt_profstore_release(b);
}

static void exec_sql(const char *path, const char *sql)
{
    sqlite3 *db;
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
    sqlite3_close(db);
}

Test(store, schema_versions_and_foreign_files)
{
    mapirt_profstore *ps = open_store();
    mapirt_profstore_release(ps);
    char err[512], want[512];
    exec_sql(g_db, "PRAGMA user_version = 99");
    cr_expect_eq(mapirt_profstore_open(g_db, &ps, err, sizeof err), MAPI_E_VERSION);
    snprintf(want, sizeof want,
             "%s was written by a newer mapirt (profile store schema 99; this library knows up "
             "to %d)",
             g_db, MAPIRT_PROFSTORE_SCHEMA);
    cr_expect_str_eq(err, want);
    cr_expect_null(ps);

    char other[128];
    snprintf(other, sizeof other, "%s/other.db", g_dir);
    exec_sql(other, "CREATE TABLE t(x)");
    cr_expect_eq(mapirt_profstore_open(other, &ps, err, sizeof err), MAPI_E_CORRUPT_DATA);
    snprintf(want, sizeof want, "%s is not a mapirt profile store", other);
    cr_expect_str_eq(err, want);

    snprintf(other, sizeof other, "%s/garbage.db", g_dir);
    write_file(g_dir, "garbage.db", "this is not a database, not even close to one........"
                                    "..........................................................");
    cr_expect_eq(mapirt_profstore_open(other, &ps, err, sizeof err), MAPI_E_CORRUPT_DATA);
    cr_expect(strstr(err, "garbage.db: file is not a database") != NULL, "%s", err);
}

Test(store, out_of_memory_at_every_allocation)
{
    mapirt_profstore *ps = open_store();
    unsigned long oom_points;
    HRESULT hr;
    mapirt_profile_id id = 0;
    int round = 0;
    char name[32];
    /* each attempt uses a fresh name: a failed one must have left nothing behind */
    OOM_LOOP(hr,
             (snprintf(name, sizeof name, "P%d", round++),
              hr = mapirt_profstore_create_profile(ps, name, 0, &id, NULL, 0)),
             (void)0);
    char names[64][80];
    ULONG n = list_names(ps, names);
    cr_expect_eq(n, 1, "only the successful attempt created a profile (%u)", n);

    MAPIUID u = uid_of(5);
    static BYTE b[] = {1, 2};
    static SBinary bins[] = {{2, b}, {2, b}};
    SPropValue v[] = {{.ulPropTag = PROP_TAG(PT_MV_BINARY, 0x6600), .Value.MVbin = {2, bins}},
                      {.ulPropTag = PROP_TAG(PT_STRING8, 0x6601), .Value.lpszA = "x"}};
    OOM_LOOP(hr, hr = mapirt_profstore_set_props(ps, id, &u, 2, v, NULL, 0), (void)0);
    ULONG c;
    LPSPropValue out = NULL;
    OOM_LOOP(hr, hr = mapirt_profstore_get_props(ps, id, &u, &c, &out, NULL, 0),
             MAPIFreeBuffer(out));
    cr_expect_geq(oom_points, 3);
    struct ctx cx = {0};
    OOM_LOOP(hr, hr = mapirt_profstore_read(ps, do_list, &cx, NULL, 0), mapirt_free(cx.list));
    mapirt_profstore_release(ps);
    MAPIRT_LEAK_CHECK();
}

/* Whether `needle` appears anywhere in the file (database, WAL). */
static int file_contains(const char *path, const char *needle)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(buf + i, needle, k) == 0)
            return 1;
    return 0;
}

Test(store, secure_properties_are_sealed)
{
    mapirt_profstore *ps = open_store();
    mapirt_profile_id id = create(ps, "Secrets");
    MAPIUID u = uid_of(0x51), other = uid_of(0x52);
    SPropValue v[3] = {
        {.ulPropTag = PROP_TAG(PT_STRING8, PROP_ID_SECURE_MIN), .Value.lpszA = "hunter2-password"},
        {.ulPropTag = PROP_TAG(PT_BINARY, PROP_ID_SECURE_MAX),
         .Value.bin = {16, (LPBYTE) "token-0123456789"}},
        {.ulPropTag = PROP_TAG(PT_STRING8, 0x6600), .Value.lpszA = "public-value"},
    };
    char err[256];
    cr_assert_eq(mapirt_profstore_set_props(ps, id, &u, 3, v, err, sizeof err), S_OK, "%s", err);
    ULONG n;
    LPSPropValue out;
    cr_assert_eq(mapirt_profstore_get_props(ps, id, &u, &n, &out, err, sizeof err), S_OK);
    cr_assert_eq(n, 3);
    cr_expect_str_eq(out[1].Value.lpszA, "hunter2-password");
    cr_expect_eq(memcmp(out[2].Value.bin.lpb, "token-0123456789", 16), 0);
    MAPIFreeBuffer(out);

    /* nothing of them in clear on disk; the key beside the store is private */
    char path[300];
    snprintf(path, sizeof path, "%s-wal", g_db);
    cr_expect(file_contains(path, "public-value") || file_contains(g_db, "public-value"),
              "the scan sees ordinary values");
    cr_expect_not(file_contains(path, "hunter2") || file_contains(g_db, "hunter2"));
    cr_expect_not(file_contains(path, "token-0123") || file_contains(g_db, "token-0123"));
    snprintf(path, sizeof path, "%s.key", g_db);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_expect_eq(st.st_mode & 0777, 0600);
    cr_expect_eq(st.st_size, 32);

    /* a copied profile reads them */
    struct ctx c = {.id = id, .name = "Secrets Copy"};
    cr_assert_eq(mapirt_profstore_write(ps, do_copy, &c, err, sizeof err), S_OK, "%s", err);
    cr_assert_eq(mapirt_profstore_get_props(ps, c.id2, &u, &n, &out, err, sizeof err), S_OK);
    cr_expect_eq(n, 3);
    MAPIFreeBuffer(out);

    /* a sealed value moved to another section does not open there */
    set_long(ps, id, &other, PROP_TAG(PT_LONG, 0x6600), 1);
    mapirt_profstore_release(ps);
    char sql[300];
    snprintf(sql, sizeof sql,
             "INSERT INTO prop SELECT profile, X'%s', id, type, value FROM prop WHERE id = %d",
             "52525252525252525252525252525252", PROP_ID_SECURE_MIN);
    exec_sql(g_db, sql);
    ps = open_store();
    cr_assert_eq(mapirt_profstore_get_props(ps, id, &other, &n, &out, err, sizeof err), S_OK);
    cr_expect_eq(n, 1, "the moved secret is left out");
    MAPIFreeBuffer(out);
    mapirt_profstore_release(ps);

    /* without its key file the store keeps its other properties */
    snprintf(path, sizeof path, "%s.key", g_db);
    cr_assert_eq(unlink(path), 0);
    ps = open_store();
    cr_assert_eq(mapirt_profstore_get_props(ps, id, &u, &n, &out, err, sizeof err), S_OK);
    cr_expect_eq(n, 1);
    cr_expect_str_eq(out[0].Value.lpszA, "public-value");
    MAPIFreeBuffer(out);
    mapirt_profstore_release(ps);

    /* a damaged key file is an error, not a silent new key */
    write_file(g_dir, "profiles.db.key", "short");
    mapirt_profstore *bad;
    cr_expect_eq(mapirt_profstore_open(g_db, &bad, err, sizeof err), MAPI_E_CORRUPT_DATA);
    cr_expect(strstr(err, "is not a profile store key") != NULL, "%s", err);
}
