/* tests/runtime/profile/test_copyservice.c: IMsgServiceAdmin::CopyMsgService
 * (runtime/profile/svcadmin.c, services_copy.c, copytarget.c) into the same profile, another
 * profile of the store, a profile of another store (secure properties sealed again there) and a
 * session of this runtime (lpInterfaceDst NULL); every documented error and the argument errors,
 * each leaving both profiles as they were; the ServiceEntry not called (as documented) except
 * for the property sheet SERVICE_UI_ALWAYS asks for, whose refusal takes the copy back; and
 * failures injected in the middle of a copy (a SQLite trigger, every allocation failing) that
 * leave nothing half-copied. */
#include "storefixture.h"

#include <dlfcn.h>
#include <limits.h>
#include <sqlite3.h>

#include <mapiutil.h>

#include "oom.h"
#include "profile/copytarget.h"

#define SECRET PROP_TAG(PT_STRING8, PROP_ID_SECURE_MIN)
#define MARK PROP_TAG(PT_LONG, 0x6650)
#define CANCEL_SHEET PROP_TAG(PT_LONG, 0x6624) /* acmesvc: the "user" cancels its sheet */

static const BYTE FIXED[16] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
                               0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};

static LPPROFADMIN g_pa;
static LPSERVICEADMIN g_sa;

static void setup(void)
{
    store_setup();
    setenv("MAPIRT_PROFILES", g_db, 1);
    char cat[160], prov[PATH_MAX];
    snprintf(cat, sizeof cat, "%s/mapisvc.inf", g_dir);
    write_file(g_dir, "mapisvc.inf",
               "[Services]\nSTORE=Store Service\nSINGLE=Single\nACME=Acme\n"
               "[STORE]\nProviders=STORE MS\nSections=STORE Extra\n"
               "[STORE MS]\nPR_DISPLAY_NAME=Folders\nPR_PROVIDER_DLL_NAME=store.dll\n"
               "PR_RESOURCE_TYPE=MAPI_STORE_PROVIDER\n"
               "[STORE Extra]\nUID=0123456789abcdef0123456789abcdef\n66010003=1\n"
               "[SINGLE]\nPR_RESOURCE_FLAGS=SERVICE_SINGLE_COPY\nProviders=STORE MS\n"
               "[ACME]\nPR_SERVICE_DLL_NAME=ACMESVC.DLL\nProviders=STORE MS\n");
    setenv("MAPIRT_SERVICES", cat, 1);
    cr_assert_not_null(realpath("build/tests/providers", prov));
    setenv("MAPIRT_PROVIDER_PATH", prov, 1);
    cr_assert_eq(MAPIInitialize(NULL), S_OK);
    cr_assert_eq(MAPIAdminProfiles(0, &g_pa), S_OK);
    cr_assert_eq(g_pa->lpVtbl->CreateProfile(g_pa, (LPTSTR) "Source", NULL, 0, 0), S_OK);
    cr_assert_eq(g_pa->lpVtbl->AdminServices(g_pa, (LPTSTR) "Source", NULL, 0, 0, &g_sa), S_OK);
}

static void teardown(void)
{
    g_sa->lpVtbl->Release(g_sa);
    g_pa->lpVtbl->Release(g_pa);
    MAPIUninitialize();
    store_teardown();
}

TestSuite(copyservice, .init = setup, .fini = teardown, .timeout = 120);

static MAPIUID make_service(LPSERVICEADMIN sa, const char *name)
{
    IMsgServiceAdmin2 *sa2;
    MAPIUID u;
    cr_assert_eq(sa->lpVtbl->QueryInterface(sa, &IID_IMsgServiceAdmin2, (void **)&sa2), S_OK);
    cr_assert_eq(sa2->lpVtbl->CreateMsgServiceEx(sa2, (LPTSTR)name, NULL, 0, 0, &u), S_OK);
    sa2->lpVtbl->Release(sa2);
    return u;
}

/* The UIDs in a column of a table (at most max); the number of rows. */
static ULONG uids(LPMAPITABLE t, ULONG tag, MAPIUID *out, ULONG max)
{
    LPSRowSet rows;
    ULONG n = 0;
    cr_assert_eq(HrQueryAllRows(t, NULL, NULL, NULL, 0, &rows), S_OK);
    t->lpVtbl->Release(t);
    for (ULONG i = 0; i < rows->cRows; i++)
        for (ULONG k = 0; k < rows->aRow[i].cValues && n < max; k++)
            if (rows->aRow[i].lpProps[k].ulPropTag == tag)
                memcpy(&out[n++], rows->aRow[i].lpProps[k].Value.bin.lpb, sizeof(MAPIUID));
    ULONG count = rows->cRows;
    FreeProws(rows);
    return count;
}

static ULONG services(LPSERVICEADMIN sa, MAPIUID *out, ULONG max)
{
    LPMAPITABLE t;
    cr_assert_eq(sa->lpVtbl->GetMsgServiceTable(sa, 0, &t), S_OK);
    return uids(t, PR_SERVICE_UID, out, max);
}

static ULONG providers(LPSERVICEADMIN sa, MAPIUID *out, ULONG max)
{
    LPMAPITABLE t;
    cr_assert_eq(sa->lpVtbl->GetProviderTable(sa, 0, &t), S_OK);
    return uids(t, PR_PROVIDER_UID, out, max);
}

/* Services and providers of a profile, as one number to compare before and after. */
static ULONG census(LPSERVICEADMIN sa)
{
    MAPIUID u;
    return services(sa, &u, 0) * 100 + providers(sa, &u, 0);
}

static void set_prop(LPSERVICEADMIN sa, const MAPIUID *u, const SPropValue *v)
{
    LPPROFSECT s;
    cr_assert_eq(sa->lpVtbl->OpenProfileSection(sa, (LPMAPIUID)u, NULL,
                                                MAPI_MODIFY | MAPI_FORCE_ACCESS, &s),
                 S_OK);
    cr_assert_eq(s->lpVtbl->SetProps(s, 1, (LPSPropValue)v, NULL), S_OK);
    s->lpVtbl->Release(s);
}

/* A property of a section asked for by tag (secure ones are only given that way), or NULL. */
static LPSPropValue get_prop(LPSERVICEADMIN sa, const MAPIUID *u, ULONG tag)
{
    LPPROFSECT s;
    if (sa->lpVtbl->OpenProfileSection(sa, (LPMAPIUID)u, NULL, MAPI_FORCE_ACCESS, &s) != S_OK)
        return NULL;
    SizedSPropTagArray(1, tags) = {1, {tag}};
    ULONG n;
    LPSPropValue v = NULL;
    HRESULT hr = s->lpVtbl->GetProps(s, (LPSPropTagArray)&tags, 0, &n, &v);
    s->lpVtbl->Release(s);
    if (hr != S_OK) {
        MAPIFreeBuffer(v);
        return NULL;
    }
    return v;
}

/* The extra-section UIDs a service's section lists (PR_SERVICE_EXTRA_UIDS); how many. */
static ULONG extras_of(LPSERVICEADMIN sa, const MAPIUID *svc, MAPIUID *out, ULONG max)
{
    LPSPropValue v = get_prop(sa, svc, PR_SERVICE_EXTRA_UIDS);
    if (!v)
        return 0;
    ULONG n = v->Value.bin.cb / (ULONG)sizeof(MAPIUID);
    memcpy(out, v->Value.bin.lpb, (n < max ? n : max) * sizeof(MAPIUID));
    MAPIFreeBuffer(v);
    return n;
}

static const char *last_error(LPSERVICEADMIN sa, HRESULT hr, char *buf, size_t cb)
{
    LPMAPIERROR e = NULL;
    buf[0] = 0;
    if (sa->lpVtbl->GetLastError(sa, hr, 0, &e) == S_OK && e && e->lpszError)
        snprintf(buf, cb, "%s", (const char *)e->lpszError);
    MAPIFreeBuffer(e);
    return buf;
}

/* The source: a STORE service with a secret in its section and a mark on its provider. */
static MAPIUID source_service(void)
{
    MAPIUID svc = make_service(g_sa, "STORE"), prov;
    SPropValue secret = {.ulPropTag = SECRET, .Value.lpszA = "hunter2"};
    set_prop(g_sa, &svc, &secret);
    cr_assert_eq(providers(g_sa, &prov, 1), 1);
    SPropValue mark = {.ulPropTag = MARK, .Value.l = 77};
    set_prop(g_sa, &prov, &mark);
    return svc;
}

/* The last service of dst is a whole copy of source_service()'s. */
static MAPIUID expect_copied(LPSERVICEADMIN dst, ULONG nservices)
{
    MAPIUID s[4], p[4];
    cr_assert_eq(services(dst, s, 4), nservices);
    cr_assert_eq(providers(dst, p, 4), nservices);
    MAPIUID svc = s[nservices - 1];
    LPSPropValue v = get_prop(dst, &svc, SECRET);
    cr_assert_not_null(v, "the secure property came along");
    cr_expect_str_eq(v->Value.lpszA, "hunter2");
    MAPIFreeBuffer(v);
    v = get_prop(dst, &svc, PR_SERVICE_NAME_A);
    cr_assert_not_null(v);
    cr_expect_str_eq(v->Value.lpszA, "STORE");
    MAPIFreeBuffer(v);
    v = get_prop(dst, &p[nservices - 1], MARK);
    cr_assert_not_null(v, "the provider's section came along");
    cr_expect_eq(v->Value.l, 77);
    MAPIFreeBuffer(v);
    v = get_prop(dst, &p[nservices - 1], PR_SERVICE_UID);
    cr_assert_not_null(v);
    cr_expect_eq(memcmp(v->Value.bin.lpb, &svc, 16), 0, "pointing at its new service");
    MAPIFreeBuffer(v);
    v = get_prop(dst, &p[nservices - 1], PR_PROVIDER_UID);
    cr_assert_not_null(v);
    cr_expect_eq(memcmp(v->Value.bin.lpb, &p[nservices - 1], 16), 0, "with its new UID");
    MAPIFreeBuffer(v);
    MAPIUID extra;
    cr_assert_eq(extras_of(dst, &svc, &extra, 1), 1, "the extra section is listed");
    v = get_prop(dst, &extra, PROP_TAG(PT_LONG, 0x6601));
    cr_assert_not_null(v, "the extra section came along");
    cr_expect_eq(v->Value.l, 1);
    MAPIFreeBuffer(v);
    return svc;
}

static LPSERVICEADMIN admin_of(LPPROFADMIN pa, const char *profile)
{
    LPSERVICEADMIN sa;
    cr_assert_eq(pa->lpVtbl->CreateProfile(pa, (LPTSTR)profile, NULL, 0, 0), S_OK);
    cr_assert_eq(pa->lpVtbl->AdminServices(pa, (LPTSTR)profile, NULL, 0, 0, &sa), S_OK);
    return sa;
}

/* A profile administration object on the store `other.db` beside the fixture's. */
static LPPROFADMIN other_store(void)
{
    char other[160];
    LPPROFADMIN pa;
    snprintf(other, sizeof other, "%s/other.db", g_dir);
    setenv("MAPIRT_PROFILES", other, 1);
    cr_assert_eq(MAPIAdminProfiles(0, &pa), S_OK);
    setenv("MAPIRT_PROFILES", g_db, 1);
    return pa;
}

static HRESULT copy(const MAPIUID *svc, LPSERVICEADMIN dst, ULONG flags)
{
    return g_sa->lpVtbl->CopyMsgService(g_sa, (LPMAPIUID)svc, NULL, NULL, &IID_IMsgServiceAdmin,
                                        dst, 0, flags);
}

/* ---- where a copy goes ---- */

Test(copyservice, into_the_same_profile)
{
    MAPIUID svc = source_service(), s[2], e[2];
    cr_assert_eq(copy(&svc, g_sa, 0), S_OK);
    MAPIUID dup = expect_copied(g_sa, 2);
    services(g_sa, s, 2);
    cr_expect_neq(memcmp(&s[0], &s[1], 16), 0, "under a new UID");
    cr_assert_eq(extras_of(g_sa, &svc, &e[0], 1), 1);
    cr_assert_eq(extras_of(g_sa, &dup, &e[1], 1), 1);
    cr_expect_eq(memcmp(&e[0], FIXED, 16), 0);
    cr_expect_neq(memcmp(&e[1], FIXED, 16), 0, "the profile has the fixed UID: a new one");
    MAPIUID p[2];
    providers(g_sa, p, 2);
    cr_expect_neq(memcmp(&p[0], &p[1], 16), 0, "providers under new UIDs");
}

Test(copyservice, into_another_profile_of_the_store)
{
    MAPIUID svc = source_service(), e[2];
    LPSERVICEADMIN dst = admin_of(g_pa, "Other");
    cr_assert_eq(copy(&svc, dst, 0), S_OK);
    MAPIUID first = expect_copied(dst, 1);
    cr_assert_eq(extras_of(dst, &first, &e[0], 1), 1);
    cr_expect_eq(memcmp(&e[0], FIXED, 16), 0, "the extra section keeps its fixed UID");
    /* IMsgServiceAdmin2 names the same destination */
    cr_assert_eq(g_sa->lpVtbl->CopyMsgService(g_sa, &svc, NULL, NULL, &IID_IMsgServiceAdmin2,
                                              dst, 0, 0),
                 S_OK);
    MAPIUID second = expect_copied(dst, 2);
    cr_assert_eq(extras_of(dst, &second, &e[1], 1), 1);
    cr_expect_neq(memcmp(&e[1], FIXED, 16), 0, "a second copy cannot have it too");
    cr_expect_eq(census(g_sa), 101, "the source is as it was");
    dst->lpVtbl->Release(dst);
}

Test(copyservice, into_a_profile_of_another_store)
{
    MAPIUID svc = source_service();
    MAPIUID single = make_service(g_sa, "SINGLE");
    LPPROFADMIN pa2 = other_store();
    LPSERVICEADMIN dst = admin_of(pa2, "Elsewhere");

    cr_assert_eq(copy(&svc, dst, 0), S_OK);
    expect_copied(dst, 1);
    cr_assert_eq(copy(&single, dst, 0), S_OK);
    char text[512];
    HRESULT hr = copy(&single, dst, 0);
    cr_expect_eq(hr, MAPI_E_NO_ACCESS, "SERVICE_SINGLE_COPY holds in the other store");
    cr_expect(strstr(last_error(g_sa, hr, text, sizeof text), "SINGLE") != NULL, "%s", text);
    cr_expect_eq(census(dst), 202, "a failed copy added nothing");
    cr_expect_eq(census(g_sa), 202, "and the source is as it was");
    dst->lpVtbl->Release(dst);
    pa2->lpVtbl->Release(pa2);
}

/* ---- a session of this runtime, as the session layer registers one ---- */

struct fake_session {
    IUnknown unk;
    ULONG refs;
};

static HRESULT STDMETHODCALLTYPE fake_qi(IUnknown *This, REFIID riid, void **ppv)
{
    if (memcmp(riid, &IID_IUnknown, sizeof(IID)) != 0)
        return *ppv = NULL, E_NOINTERFACE;
    This->lpVtbl->AddRef(This);
    *ppv = This;
    return S_OK;
}

static ULONG STDMETHODCALLTYPE fake_addref(IUnknown *This)
{
    return ++((struct fake_session *)(void *)This)->refs;
}

static ULONG STDMETHODCALLTYPE fake_release(IUnknown *This)
{
    return --((struct fake_session *)(void *)This)->refs;
}

static IUnknownVtbl fake_vtbl = {fake_qi, fake_addref, fake_release};

Test(copyservice, into_a_session)
{
    MAPIUID svc = source_service();
    cr_assert_eq(g_pa->lpVtbl->CreateProfile(g_pa, (LPTSTR) "Logged On", NULL, 0, 0), S_OK);
    struct fake_session session = {{&fake_vtbl}, 1};
    cr_expect_eq(g_sa->lpVtbl->CopyMsgService(g_sa, &svc, NULL, NULL, NULL, &session.unk, 0, 0),
                 MAPI_E_NO_SUPPORT, "not a session of this runtime");

    mapirt_profstore *ps = open_store();
    mapirt_profile_info info;
    cr_assert_eq(mapirt_profstore_find_profile(ps, "Logged On", &info, NULL, 0), S_OK);
    cr_assert_eq(mapirt_copytarget_add(&session.unk, MAPIRT_TARGET_SESSION, ps, info.id), S_OK);
    cr_assert_eq(g_sa->lpVtbl->CopyMsgService(g_sa, &svc, NULL, NULL, NULL, &session.unk, 0, 0),
                 S_OK);
    cr_assert_eq(g_sa->lpVtbl->CopyMsgService(g_sa, &svc, NULL, NULL, &IID_IMAPISession,
                                              &session.unk, 0, 0),
                 S_OK);
    cr_expect_eq(g_sa->lpVtbl->CopyMsgService(g_sa, &svc, NULL, NULL, &IID_IMsgServiceAdmin,
                                              &session.unk, 0, 0),
                 MAPI_E_NO_SUPPORT, "a session is not a message service administration object");
    cr_expect_eq(copy(&svc, (LPSERVICEADMIN)(void *)&session.unk, 0), MAPI_E_NO_SUPPORT);
    cr_expect_eq(g_sa->lpVtbl->CopyMsgService(g_sa, &svc, NULL, NULL, NULL, g_sa, 0, 0),
                 MAPI_E_NO_SUPPORT, "an administration object is not a session");
    mapirt_copytarget_remove(&session.unk);
    cr_expect_eq(session.refs, 1, "every reference taken was given back");
    cr_expect_eq(g_sa->lpVtbl->CopyMsgService(g_sa, &svc, NULL, NULL, NULL, &session.unk, 0, 0),
                 MAPI_E_NO_SUPPORT, "a session gone is no destination");

    LPSERVICEADMIN dst;
    cr_assert_eq(g_pa->lpVtbl->AdminServices(g_pa, (LPTSTR) "Logged On", NULL, 0, 0, &dst), S_OK);
    expect_copied(dst, 2);
    dst->lpVtbl->Release(dst);
    mapirt_profstore_release(ps);
}

/* ---- errors: each leaves both profiles as they were ---- */

Test(copyservice, documented_errors)
{
    MAPIUID svc = source_service();
    MAPIUID single = make_service(g_sa, "SINGLE");
    char text[512];
    HRESULT hr = copy(&single, g_sa, 0);
    cr_expect_eq(hr, MAPI_E_NO_ACCESS, "a single-copy service already in the profile");
    MAPIUID none;
    memset(&none, 7, sizeof none);
    hr = copy(&none, g_sa, 0);
    cr_expect_eq(hr, MAPI_E_NOT_FOUND, "no such service");
    cr_expect(strstr(last_error(g_sa, hr, text, sizeof text), "service") != NULL, "%s", text);
    /* a provider's UID is not a service's */
    MAPIUID p;
    providers(g_sa, &p, 1);
    cr_expect_eq(copy(&p, g_sa, 0), MAPI_E_NOT_FOUND);
    cr_expect_eq(census(g_sa), 202);
    (void)svc;
}

Test(copyservice, argument_errors)
{
    MAPIUID svc = source_service();
    char text[512];
    HRESULT hr = g_sa->lpVtbl->CopyMsgService(g_sa, &svc, NULL, &IID_IMAPIProp, NULL, g_sa, 0, 0);
    cr_expect_eq(hr, MAPI_E_INTERFACE_NOT_SUPPORTED, "only IProfSect is copied");
    cr_expect(strstr(last_error(g_sa, hr, text, sizeof text), "IProfSect") != NULL, "%s", text);
    cr_expect_eq(g_sa->lpVtbl->CopyMsgService(g_sa, &svc, NULL, &IID_IProfSect,
                                              &IID_IMsgServiceAdmin, g_sa, 0, 0),
                 S_OK, "IID_IProfSect named is the default");
    cr_expect_eq(g_sa->lpVtbl->CopyMsgService(g_sa, &svc, NULL, NULL, &IID_IMAPITable, g_sa, 0, 0),
                 MAPI_E_INTERFACE_NOT_SUPPORTED, "into a session or an administration object");
    cr_expect_eq(copy(&svc, (LPSERVICEADMIN)(void *)g_pa, 0), MAPI_E_NO_SUPPORT,
                 "a profile administration object is no destination");
    cr_expect_eq(g_sa->lpVtbl->CopyMsgService(g_sa, NULL, NULL, NULL, &IID_IMsgServiceAdmin, g_sa,
                                              0, 0),
                 MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(g_sa->lpVtbl->CopyMsgService(g_sa, &svc, NULL, NULL, &IID_IMsgServiceAdmin, NULL,
                                              0, 0),
                 MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(copy(&svc, g_sa, MAPI_DIALOG), MAPI_E_UNKNOWN_FLAGS);
    cr_expect_eq(census(g_sa), 202, "only the one good copy");
}

Test(copyservice, a_deleted_destination_profile_is_not_found)
{
    MAPIUID svc = source_service();
    LPSERVICEADMIN dst = admin_of(g_pa, "Doomed");
    cr_assert_eq(g_pa->lpVtbl->DeleteProfile(g_pa, (LPTSTR) "Doomed", 0), S_OK);
    char text[512];
    HRESULT hr = copy(&svc, dst, 0);
    cr_expect_eq(hr, MAPI_E_NOT_FOUND);
    cr_expect(strstr(last_error(g_sa, hr, text, sizeof text), "destination profile") != NULL,
              "%s", text);
    /* nothing was written under the deleted profile's identifier either */
    sqlite3 *db;
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_open(g_db, &db), SQLITE_OK);
    cr_assert_eq(sqlite3_prepare_v2(db,
                                    "SELECT count(*) FROM service WHERE profile NOT IN "
                                    "(SELECT id FROM profile)",
                                    -1, &st, NULL),
                 SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    cr_expect_eq(sqlite3_column_int(st, 0), 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    dst->lpVtbl->Release(dst);
}

/* ---- the service's entry point ---- */

struct acme_call {
    unsigned long calls;
    ULONG context, flags, cValues;
};

/* acmesvc's record of its calls: the same loaded object the runtime's loader opens. */
static const struct acme_call *acme(void **handle)
{
    char path[PATH_MAX];
    cr_assert_not_null(realpath("build/tests/providers/acmesvc.so", path));
    cr_assert_not_null(*handle = dlopen(path, RTLD_NOW), "%s", dlerror());
    const struct acme_call *(*last)(void) =
        (const struct acme_call *(*)(void))(size_t)dlsym(*handle, "acmesvc_last");
    cr_assert_not_null(last);
    return last();
}

Test(copyservice, the_entry_point_is_called_only_for_the_property_sheet)
{
    void *h;
    const struct acme_call *last = acme(&h);
    MAPIUID svc = make_service(g_sa, "ACME");
    unsigned long calls = last->calls;
    cr_assert_eq(last->context, MSG_SERVICE_CREATE);
    LPSERVICEADMIN dst = admin_of(g_pa, "Other");

    cr_assert_eq(copy(&svc, dst, SERVICE_UI_ALLOWED), S_OK);
    cr_expect_eq(last->calls, calls, "a copy does not call ServiceEntry");
    LPSPropValue v = get_prop(dst, &svc, PR_COMMENT_A);
    cr_expect_null(v, "the copy has a new UID");
    MAPIFreeBuffer(v);
    MAPIUID s[2];
    cr_assert_eq(services(dst, s, 2), 1);
    v = get_prop(dst, &s[0], PR_COMMENT_A);
    cr_assert_not_null(v, "the original's configuration came along");
    cr_expect_str_eq(v->Value.lpszA, "created by acmesvc");
    MAPIFreeBuffer(v);

    char text[512];
    HRESULT hr = copy(&svc, dst, SERVICE_UI_ALWAYS);
    cr_assert_eq(hr, S_OK, "0x%08x %s", (unsigned)hr, last_error(g_sa, hr, text, sizeof text));
    cr_expect_eq(last->calls, calls + 1, "SERVICE_UI_ALWAYS: the property sheet");
    cr_expect_eq(last->context, MSG_SERVICE_CONFIGURE);
    cr_expect_eq(last->flags & (SERVICE_UI_ALWAYS | SERVICE_UI_ALLOWED), SERVICE_UI_ALWAYS);
    cr_expect_eq(last->cValues, 0);
    cr_expect_eq(services(dst, s, 2), 2);

    /* the user cancels the sheet: the copy goes again, the original stays */
    SPropValue cancel = {.ulPropTag = CANCEL_SHEET, .Value.l = 1};
    set_prop(g_sa, &svc, &cancel);
    hr = copy(&svc, dst, SERVICE_UI_ALWAYS);
    cr_expect_eq(hr, MAPI_E_USER_CANCEL);
    cr_expect(strstr(last_error(g_sa, hr, text, sizeof text), "cancelled") != NULL, "%s", text);
    cr_expect_eq(last->calls, calls + 2);
    cr_expect_eq(census(dst), 202, "the refused copy is gone");
    cr_expect_eq(census(g_sa), 101);

    /* a service without an entry point has no sheet to show: the copy stands */
    MAPIUID plain = make_service(g_sa, "STORE");
    hr = copy(&plain, dst, SERVICE_UI_ALWAYS);
    cr_assert_eq(hr, S_OK, "%s", last_error(g_sa, hr, text, sizeof text));
    cr_expect_eq(census(dst), 303);
    dst->lpVtbl->Release(dst);
    dlclose(h);
}

/* ---- failures in the middle of a copy ---- */

/* Makes every write of the provider's MARK property fail in the store at path: the copy has
 * by then written its service, the service's section and the provider's row. */
static void arm_trigger(const char *path, int on)
{
    sqlite3 *db;
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    const char *sql = on ? "CREATE TRIGGER injected BEFORE INSERT ON prop WHEN new.id = 26192 "
                           "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
                         : "DROP TRIGGER injected";
    char *msg = NULL;
    cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, &msg), SQLITE_OK, "%s", msg ? msg : "");
    sqlite3_close(db);
}

Test(copyservice, a_failure_mid_copy_leaves_nothing)
{
    cr_assert_eq(PROP_ID(MARK), 26192);
    MAPIUID svc = source_service();
    LPSERVICEADMIN same = admin_of(g_pa, "Other");
    LPPROFADMIN pa2 = other_store();
    LPSERVICEADMIN far = admin_of(pa2, "Elsewhere");
    char other[160];
    snprintf(other, sizeof other, "%s/other.db", g_dir);

    arm_trigger(g_db, 1);
    arm_trigger(other, 1);
    cr_expect(FAILED(copy(&svc, g_sa, 0)));
    cr_expect(FAILED(copy(&svc, same, 0)));
    cr_expect(FAILED(copy(&svc, far, 0)));
    cr_expect_eq(census(g_sa), 101);
    cr_expect_eq(census(same), 0);
    cr_expect_eq(census(far), 0);
    MAPIUID extra;
    memcpy(&extra, FIXED, 16);
    LPSPropValue v = get_prop(far, &extra, PROP_TAG(PT_LONG, 0x6601));
    cr_expect_null(v, "no extra section left behind");
    MAPIFreeBuffer(v);

    arm_trigger(g_db, 0);
    arm_trigger(other, 0);
    cr_assert_eq(copy(&svc, same, 0), S_OK);
    cr_assert_eq(copy(&svc, far, 0), S_OK);
    expect_copied(same, 1);
    expect_copied(far, 1);
    far->lpVtbl->Release(far);
    pa2->lpVtbl->Release(pa2);
    same->lpVtbl->Release(same);
}

/* Every allocation of a copy failing in turn: MAPI_E_NOT_ENOUGH_MEMORY and nothing written. */
static void every_allocation(const MAPIUID *svc, LPSERVICEADMIN dst, ULONG before)
{
    unsigned long n;
    for (n = 1;; n++) {
        mapirt_test_fail_alloc(n);
        HRESULT hr = copy(svc, dst, 0);
        OOM_STEP(hr, n, MAPI_E_NOT_ENOUGH_MEMORY);
        cr_assert_eq(census(dst), before, "allocation %lu: a failed copy left something", n);
        cr_assert_eq(census(g_sa), 101);
    }
    cr_expect_gt(n, 5, "the copy allocates");
    cr_expect_eq(census(dst), before + 101);
}

Test(copyservice, out_of_memory_at_every_allocation)
{
    MAPIUID svc = source_service();
    LPSERVICEADMIN same = admin_of(g_pa, "Other");
    LPPROFADMIN pa2 = other_store();
    LPSERVICEADMIN far = admin_of(pa2, "Elsewhere");
    every_allocation(&svc, same, 0);
    every_allocation(&svc, far, 0);
    expect_copied(same, 1);
    expect_copied(far, 1);
    far->lpVtbl->Release(far);
    pa2->lpVtbl->Release(pa2);
    same->lpVtbl->Release(same);
    MAPIRT_LEAK_CHECK();
}
