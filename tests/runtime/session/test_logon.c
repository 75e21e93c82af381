/* tests/runtime/session/test_logon.c: MAPILogonEx end to end with the test providers loaded by
 * dlopen (tests/providers/acmeab, acmems, acmexp, badver, noentry): profile selection, shared
 * sessions, errors, the logon order and the SPI calls, the failure policy. */
#include "sessfixture.h"

#include <pthread.h>
#include <unistd.h>

TestSuite(logon, .init = sess_setup, .fini = sess_teardown);

struct acmeab_stats {
    int inits, logons, logoffs, shutdowns, provider_releases, configures;
    HINSTANCE instance;
    ULONG mapi_version, logon_flags;
    int malloc_ok;
};
struct acmexp_stats {
    int inits, logons, notifies, logoffs, shutdowns;
    ULONG logon_flags, notify_flags;
    HRESULT setuid;
};

static struct acmeab_stats *ab(void)
{
    return ((struct acmeab_stats * (*)(void)) provider_fn("acmeab.so", "acmeab_stats"))();
}
static struct acmexp_stats *xp(void)
{
    return ((struct acmexp_stats * (*)(void)) provider_fn("acmexp.so", "acmexp_stats_get"))();
}

Test(logon, named_profile_starts_ab_and_transport_with_a_real_instance)
{
    LPMAPISESSION s = logon("Work", MAPI_EXTENDED | MAPI_NEW_SESSION);
    cr_expect_eq(ab()->inits, 1);
    cr_expect_eq(ab()->logons, 1);
    cr_expect_not_null(ab()->instance, "hInstance is never NULL");
    cr_expect_eq(ab()->mapi_version, (ULONG)CURRENT_SPI_VERSION);
    cr_expect(ab()->logon_flags & AB_NO_DIALOG);
    cr_expect_eq(xp()->logons, 1);
    cr_expect_eq(xp()->logon_flags & (LOGON_NO_INBOUND | LOGON_NO_OUTBOUND),
                 LOGON_NO_INBOUND | LOGON_NO_OUTBOUND, "transports start without traffic");
    cr_expect_eq(xp()->notifies, 1);
    cr_expect_eq(xp()->notify_flags, NOTIFY_BEGIN_INBOUND | NOTIFY_BEGIN_OUTBOUND);
    cr_expect_eq(xp()->setuid, MAPI_E_NO_SUPPORT, "SetProviderUID is not a transport's");
    cr_expect_eq(s->lpVtbl->Logoff(s, 0, 0, 0), S_OK);
    cr_expect_eq(ab()->logoffs, 1);
    cr_expect_eq(ab()->shutdowns, 1);
    cr_expect_eq(xp()->logoffs, 1);
    cr_expect_eq(xp()->shutdowns, 1);
    cr_expect_eq(s->lpVtbl->Logoff(s, 0, 0, 0), MAPI_E_END_OF_SESSION);
    LPMAPITABLE t;
    cr_expect_eq(s->lpVtbl->GetStatusTable(s, 0, &t), MAPI_E_END_OF_SESSION);
    s->lpVtbl->Release(s);
}

Test(logon, selection_rules)
{
    LPMAPISESSION s = NULL;
    cr_expect_eq(MAPILogonEx(0, NULL, NULL, MAPI_NEW_SESSION, &s), MAPI_E_LOGON_FAILED,
                 "no name, no default allowed, no dialog");
    s = logon(NULL, MAPI_NEW_SESSION | MAPI_USE_DEFAULT);
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
    s = logon(NULL, MAPI_NEW_SESSION | MAPI_LOGON_UI); /* headless: the default profile */
    s->lpVtbl->Release(s);
    cr_expect_eq(MAPILogonEx(0, NULL, NULL, MAPI_NEW_SESSION | MAPI_LOGON_UI |
                             MAPI_EXPLICIT_PROFILE, &s), MAPI_E_LOGON_FAILED);
    cr_expect_eq(MAPILogonEx(0, (LPTSTR) "Nope", NULL, MAPI_NEW_SESSION, &s),
                 MAPI_E_LOGON_FAILED, "unknown profile");
    cr_expect_eq(MAPILogonEx(0, (LPTSTR) "Work", (LPTSTR) "secret", MAPI_NEW_SESSION, &s),
                 MAPI_E_LOGON_FAILED, "profiles have no password");
    cr_expect_eq(MAPILogonEx(0, (LPTSTR) "Work", NULL,
                             MAPI_NEW_SESSION | MAPI_LOGON_UI | MAPI_PASSWORD_UI, &s),
                 MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(MAPILogonEx(0, (LPTSTR) "Work", NULL, 0x04000000, &s), MAPI_E_UNKNOWN_FLAGS);
    cr_expect_eq(MAPILogonEx(0, (LPTSTR) "Work", NULL, 0, NULL), MAPI_E_INVALID_PARAMETER);
    WCHAR w[] = {'W', 'o', 'r', 'k', 0};
    cr_expect_eq(MAPILogonEx(0, (LPTSTR)w, NULL, MAPI_NEW_SESSION | MAPI_UNICODE, &s), S_OK);
    s->lpVtbl->Release(s);
}

Test(logon, no_default_profile)
{
    LPPROFADMIN pa;
    cr_assert_eq(MAPIAdminProfiles(0, &pa), S_OK);
    cr_assert_eq(pa->lpVtbl->DeleteProfile(pa, (LPTSTR) "Work", 0), S_OK);
    pa->lpVtbl->Release(pa);
    LPMAPISESSION s = NULL;
    cr_expect_eq(MAPILogonEx(0, NULL, NULL, MAPI_USE_DEFAULT, &s), MAPI_E_LOGON_FAILED);
}

Test(logon, not_initialized)
{
    MAPIUninitialize();
    LPMAPISESSION s = NULL;
    cr_expect_eq(MAPILogonEx(0, (LPTSTR) "Work", NULL, 0, &s), MAPI_E_NOT_INITIALIZED);
    cr_assert_eq(MAPIInitialize(NULL), S_OK);
}

Test(logon, shared_session)
{
    LPMAPISESSION a = logon("Work", MAPI_NEW_SESSION | MAPI_ALLOW_OTHERS);
    LPMAPISESSION b = logon(NULL, 0); /* attaches: name and password ignored */
    cr_expect_neq(a, b, "each client has its own handle");
    cr_expect_eq(ab()->logons, 1, "one session: providers logged on once");
    LPMAPISESSION c = logon("Work", MAPI_NEW_SESSION); /* a new one */
    cr_expect_eq(ab()->logons, 2);
    cr_expect_eq(a->lpVtbl->Logoff(a, 0, 0, 0), S_OK);
    cr_expect_eq(ab()->logoffs, 0, "b still uses the shared session");
    LPMAPITABLE t;
    cr_expect_eq(b->lpVtbl->GetStatusTable(b, 0, &t), S_OK);
    t->lpVtbl->Release(t);
    cr_expect_eq(b->lpVtbl->Logoff(b, 0, 0, 0), S_OK);
    cr_expect_eq(ab()->logoffs, 1, "the last client ended it");
    a->lpVtbl->Release(a);
    b->lpVtbl->Release(b);
    LPMAPISESSION d = NULL;
    cr_expect_eq(MAPILogonEx(0, NULL, NULL, 0, &d), MAPI_E_LOGON_FAILED,
                 "no shared session any more");
    c->lpVtbl->Release(c);
}

static ULONG g_events[4], g_nevents;
static ULONG on_notify(LPVOID ctx, ULONG n, LPNOTIFICATION notif)
{
    (void)ctx;
    for (ULONG i = 0; i < n && g_nevents < 4; i++)
        if (notif[i].ulEventType == fnevExtended)
            g_events[g_nevents++] = notif[i].info.ext.ulEvent;
    return 0;
}

Test(logon, logoff_shared_tells_the_others)
{
    LPMAPISESSION a = logon("Work", MAPI_NEW_SESSION | MAPI_ALLOW_OTHERS);
    LPMAPISESSION b = logon(NULL, 0);
    LPMAPIADVISESINK sink;
    ULONG_PTR conn;
    cr_assert_eq(HrAllocAdviseSink((LPNOTIFCALLBACK)on_notify, NULL, &sink), S_OK);
    cr_assert_eq(b->lpVtbl->Advise(b, 0, NULL, fnevExtended | fnevCriticalError, sink, &conn),
                 S_OK);
    sink->lpVtbl->Release(sink);
    cr_expect_eq(a->lpVtbl->Logoff(a, 0, MAPI_LOGOFF_SHARED, 0), S_OK);
    cr_expect_eq(g_nevents, 1);
    cr_expect_eq(g_events[0], 2u, "MAPIRT_EXTENDED_LOGOFF_SHARED");
    cr_expect_eq(b->lpVtbl->Logoff(b, 0, 0, 0), S_OK);
    cr_expect_eq(g_nevents, 2);
    cr_expect_eq(g_events[1], 1u, "its own logoff: MAPIRT_EXTENDED_LOGOFF");
    a->lpVtbl->Release(a);
    b->lpVtbl->Release(b);
}

static void *slow_logon(void *arg)
{
    (void)arg;
    LPMAPISESSION s = NULL;
    HRESULT hr = MAPILogonEx(0, (LPTSTR) "Slow", NULL, MAPI_NEW_SESSION, &s);
    if (s)
        s->lpVtbl->Release(s);
    return (void *)(intptr_t)hr;
}

Test(logon, timeout_short_when_the_logon_lock_is_held)
{
    static const char *const slow[] = {"SLOW", NULL};
    make_profile("Slow", 0, slow);
    void (*block)(int) = (void (*)(int))provider_fn("acmeab.so", "acmeab_block");
    int (*waiting)(void) = (int (*)(void))provider_fn("acmeab.so", "acmeab_waiting");
    block(1);
    pthread_t th;
    pthread_create(&th, NULL, slow_logon, NULL);
    while (!waiting())
        usleep(1000);
    LPMAPISESSION s = NULL;
    cr_expect_eq(MAPILogonEx(0, (LPTSTR) "Work", NULL, MAPI_NEW_SESSION | MAPI_TIMEOUT_SHORT, &s),
                 MAPI_E_TIMEOUT);
    block(0);
    void *res;
    pthread_join(th, &res);
    cr_expect_eq((HRESULT)(intptr_t)res, S_OK);
    s = logon("Work", MAPI_NEW_SESSION | MAPI_TIMEOUT_SHORT);
    s->lpVtbl->Release(s);
}

/* The status row of a provider (by display name) and its PR_STATUS_STRING. */
static void expect_failed(LPMAPISESSION s, ULONG type, const char *name, const char *text)
{
    LPMAPITABLE t;
    cr_assert_eq(s->lpVtbl->GetStatusTable(s, 0, &t), S_OK);
    LPSRowSet rows = all_rows(t);
    const SRow *r = status_row(rows, type, name);
    cr_assert_not_null(r, "a row for %s", name);
    cr_expect_eq(col(r, PR_STATUS_CODE)->Value.l, STATUS_FAILURE, "%s", name);
    const SPropValue *str = col(r, PR_STATUS_STRING_A);
    cr_assert_not_null(str);
    cr_expect(strstr(str->Value.lpszA, text) != NULL, "%s: %s", name, str->Value.lpszA);
    FreeProws(rows);
    t->lpVtbl->Release(t);
}

Test(logon, failure_disables_the_service_and_names_why)
{
    static const char *const svcs[] = {"ACME", "FAILING", NULL};
    make_profile("Mixed", 0, svcs);
    LPMAPISESSION s = logon("Mixed", MAPI_NEW_SESSION);
    expect_failed(s, MAPI_AB_PROVIDER, "Failing Directory",
                  "the directory server is unreachable");
    expect_failed(s, MAPI_TRANSPORT_PROVIDER, "Failing Transport", "disabled for this session");
    cr_expect_eq(xp()->logons, 1, "only ACME's transport: FAILING's was never called");
    LPMAPIERROR e = NULL;
    cr_assert_eq(s->lpVtbl->GetLastError(s, MAPI_W_ERRORS_RETURNED, 0, &e), S_OK);
    cr_assert_not_null(e);
    cr_expect(strstr((char *)e->lpszError, "Failing Directory") &&
                  strstr((char *)e->lpszError, "FAILING") &&
                  strstr((char *)e->lpszError, "MAPI_E_LOGON_FAILED") &&
                  strstr((char *)e->lpszError, "unreachable"),
              "%s", (char *)e->lpszError);
    MAPIFreeBuffer(e);
    s->lpVtbl->Release(s);
}

Test(logon, unconfigured_is_configured_by_the_service_and_retried)
{
    static const char *const svcs[] = {"UNCONF", "NEVERCONF", NULL};
    make_profile("Unconf", 0, svcs);
    LPMAPISESSION s = logon("Unconf", MAPI_NEW_SESSION);
    cr_expect_eq(ab()->configures, 2, "MSG_SERVICE_CONFIGURE for each");
    cr_expect_eq(ab()->logons, 4, "each logged on twice");
    LPMAPITABLE t;
    cr_assert_eq(s->lpVtbl->GetStatusTable(s, 0, &t), S_OK);
    LPSRowSet rows = all_rows(t);
    const SRow *r = status_row(rows, MAPI_AB_PROVIDER, "Acme Directory");
    cr_expect_not_null(r, "the retried provider is up");
    FreeProws(rows);
    t->lpVtbl->Release(t);
    expect_failed(s, MAPI_AB_PROVIDER, "Never Configured", "MAPI_E_UNCONFIGURED");
    s->lpVtbl->Release(s);
}

Test(logon, failoneprovider_keeps_the_service)
{
    static const char *const svcs[] = {"FAILONE", NULL};
    make_profile("One", 0, svcs);
    LPMAPISESSION s = logon("One", MAPI_NEW_SESSION);
    expect_failed(s, MAPI_AB_PROVIDER, "Fail One Directory", "a password is needed");
    cr_expect_eq(xp()->logons, 1, "the service's transport still started");
    s->lpVtbl->Release(s);
}

Test(logon, bad_spi_version_and_missing_entry_point)
{
    static const char *const svcs[] = {"BADVER", "NOENTRY", "ACME", NULL};
    make_profile("Bad", 0, svcs);
    LPMAPISESSION s = logon("Bad", MAPI_NEW_SESSION);
    expect_failed(s, MAPI_AB_PROVIDER, "Bad Version", "MAPI_E_VERSION");
    expect_failed(s, MAPI_AB_PROVIDER, "No Entry", "exports no ABProviderInit");
    int (*released)(void) = (int (*)(void))provider_fn("badver.so", "badver_released");
    cr_expect_eq(released(), 1, "the too-old provider object is released at once");
    cr_expect_eq(ab()->logons, 1, "ACME still logged on");
    s->lpVtbl->Release(s);
}

Test(logon, no_mail)
{
    LPMAPISESSION s = logon("Work", MAPI_NEW_SESSION | MAPI_NO_MAIL);
    cr_expect_eq(xp()->logons, 0, "no transport");
    LPMAPITABLE t;
    cr_assert_eq(s->lpVtbl->GetStatusTable(s, 0, &t), S_OK);
    LPSRowSet rows = all_rows(t);
    cr_expect_null(status_row(rows, MAPI_TRANSPORT_PROVIDER, NULL));
    const SRow *sp = status_row(rows, MAPI_SPOOLER, NULL);
    cr_assert_not_null(sp);
    cr_expect_eq(col(sp, PR_STATUS_CODE)->Value.l, STATUS_FAILURE);
    FreeProws(rows);
    t->lpVtbl->Release(t);
    s->lpVtbl->Release(s);
}

struct many {
    int ok;
};
static void *many_logons(void *arg)
{
    struct many *m = arg;
    for (int i = 0; i < 10; i++) {
        LPMAPISESSION s = NULL;
        if (MAPILogonEx(0, (LPTSTR) "Work", NULL, MAPI_NEW_SESSION, &s) != S_OK)
            return NULL;
        LPMAPITABLE t;
        if (s->lpVtbl->GetMsgStoresTable(s, 0, &t) == S_OK) {
            ULONG n = 0;
            t->lpVtbl->GetRowCount(t, 0, &n);
            m->ok += n == 1;
            t->lpVtbl->Release(t);
        }
        s->lpVtbl->Logoff(s, 0, 0, 0);
        s->lpVtbl->Release(s);
    }
    return NULL;
}

Test(logon, several_sessions_from_several_threads)
{
    pthread_t th[4];
    struct many m[4] = {{0}};
    for (int i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, many_logons, &m[i]);
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        cr_expect_eq(m[i].ok, 10);
    }
}

Test(logon, uninitialize_with_sessions_open)
{
    LPMAPISESSION s = logon("Work", MAPI_NEW_SESSION);
    MAPIUninitialize();
    cr_expect_eq(ab()->logoffs, 1, "the last MAPIUninitialize logged the providers off");
    LPMAPITABLE t;
    cr_expect_eq(s->lpVtbl->GetStatusTable(s, 0, &t), MAPI_E_END_OF_SESSION);
    s->lpVtbl->Release(s);
    cr_assert_eq(MAPIInitialize(NULL), S_OK);
}
