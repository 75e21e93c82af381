/* tests/runtime/session/test_sess_threads.c: sessions from several threads at once. Workers
 * log on (some to the process's shared session, some to sessions of their own), use what the
 * session offers (the status table and the provider's status object, the message store table
 * and the store, OpenEntry of an address book entry) and log off, while another thread edits
 * the profile (IMsgServiceAdmin: services created and deleted, a section's property set).
 * Nothing may fail but what the races allow (a store opened on a session another thread is
 * ending answers MAPI_E_END_OF_SESSION), nothing may crash, and ThreadSanitizer must see no race.
 * configure: also under ThreadSanitizer (tests/runtime/tsan stands in for Criterion). */
#define _DEFAULT_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "sessend.h"

#define WORKERS 4
#define ROUNDS 12

static atomic_int failures, uses, edits;
static atomic_int stop;

static void fail(const char *what, HRESULT hr)
{
    fprintf(stderr, "%s: 0x%08X\n", what, (unsigned)hr);
    atomic_fetch_add(&failures, 1);
}

/* One use of a session: every call either works or, on a shared session that another thread's
 * last Logoff is ending, answers MAPI_E_END_OF_SESSION. */
static void use(LPMAPISESSION s, int shared)
{
    LPMDB mdb = NULL;
    LPMAPISTATUS st = NULL;
    LPUNKNOWN ada = NULL;
    BYTE eid[23];
    ULONG type = 0;
    HRESULT hr;
#define CHECK(what, expr)                                                                          \
    do {                                                                                           \
        hr = (expr);                                                                               \
        if (FAILED(hr) && !(shared && hr == MAPI_E_END_OF_SESSION))                               \
            fail(what, hr);                                                                        \
    } while (0)
    CHECK("OpenMsgStore", open_msgstore(s, 0, &mdb));
    if (mdb) {
        LPSPropValue v = NULL;
        CHECK("store GetProps", HrGetOneProp((LPMAPIPROP)mdb, PR_DISPLAY_NAME_A, &v));
        MAPIFreeBuffer(v);
        mdb->lpVtbl->Release(mdb);
    }
    CHECK("provider status object", open_status_obj(s, MAPI_AB_PROVIDER, "Acme Directory", &st));
    if (st) {
        CHECK("ValidateState", st->lpVtbl->ValidateState(st, 0, 0));
        st->lpVtbl->Release(st);
    }
    ab_eid("ada", eid);
    CHECK("OpenEntry", s->lpVtbl->OpenEntry(s, sizeof eid, (LPENTRYID)eid, NULL, 0, &type, &ada));
    if (ada) {
        LPSPropValue v = NULL;
        CHECK("entry GetProps", HrGetOneProp((LPMAPIPROP)ada, PR_DISPLAY_NAME_A, &v));
        MAPIFreeBuffer(v);
        ada->lpVtbl->Release(ada);
    }
#undef CHECK
    atomic_fetch_add(&uses, 1);
}

static void *worker(void *arg)
{
    int id = (int)(intptr_t)arg;
    for (int i = 0; i < ROUNDS; i++) {
        int shared = (id + i) % 2 == 0;
        LPMAPISESSION s = NULL;
        HRESULT hr = MAPILogonEx(0, (LPTSTR) "Work", NULL,
                                 shared ? MAPI_ALLOW_OTHERS : MAPI_NEW_SESSION, &s);
        if (FAILED(hr)) {
            fail("MAPILogonEx", hr);
            continue;
        }
        use(s, shared);
        if (i % 3 == 2) {
            s->lpVtbl->Release(s); /* without Logoff: the same, silently */
            continue;
        }
        hr = s->lpVtbl->Logoff(s, 0, 0, 0);
        if (FAILED(hr))
            fail("Logoff", hr);
        s->lpVtbl->Release(s);
    }
    return NULL;
}

/* Edits the profile while the workers use it: a service that fails to load comes and goes (a
 * logon meanwhile shows it failed or does not see it), and the Acme service's section changes. */
static void *editor(void *arg)
{
    (void)arg;
    while (!atomic_load(&stop)) {
        LPPROFADMIN pa = NULL;
        LPSERVICEADMIN sa = NULL;
        if (FAILED(MAPIAdminProfiles(0, &pa)))
            continue;
        if (SUCCEEDED(pa->lpVtbl->AdminServices(pa, (LPTSTR) "Work", NULL, 0, 0, &sa))) {
            MAPIUID uid;
            if (SUCCEEDED(sa->lpVtbl->CreateMsgService(sa, (LPTSTR) "NOENTRY", NULL, 0, 0))) {
                LPMAPITABLE t = NULL;
                LPSRowSet rows = NULL;
                if (SUCCEEDED(sa->lpVtbl->GetMsgServiceTable(sa, 0, &t)) &&
                    SUCCEEDED(HrQueryAllRows(t, NULL, NULL, NULL, 0, &rows))) {
                    for (ULONG r = 0; r < rows->cRows; r++) {
                        const SPropValue *n = col(&rows->aRow[r], PR_SERVICE_NAME_A);
                        const SPropValue *u = col(&rows->aRow[r], PR_SERVICE_UID);
                        if (n && u && strcmp(n->Value.lpszA, "NOENTRY") == 0 &&
                            u->Value.bin.cb == sizeof uid) {
                            memcpy(&uid, u->Value.bin.lpb, sizeof uid);
                            sa->lpVtbl->DeleteMsgService(sa, &uid);
                        }
                        if (n && u && strcmp(n->Value.lpszA, "ACME") == 0 &&
                            u->Value.bin.cb == sizeof uid) {
                            LPPROFSECT ps = NULL;
                            memcpy(&uid, u->Value.bin.lpb, sizeof uid);
                            if (SUCCEEDED(sa->lpVtbl->OpenProfileSection(sa, &uid, NULL,
                                                                         MAPI_MODIFY, &ps))) {
                                SPropValue c;
                                c.ulPropTag = PR_COMMENT_A;
                                c.dwAlignPad = 0;
                                c.Value.lpszA = (LPSTR) "edited while in use";
                                ps->lpVtbl->SetProps(ps, 1, &c, NULL);
                                ps->lpVtbl->SaveChanges(ps, 0);
                                ps->lpVtbl->Release(ps);
                            }
                        }
                    }
                }
                if (rows)
                    FreeProws(rows);
                if (t)
                    t->lpVtbl->Release(t);
                atomic_fetch_add(&edits, 1);
            }
            sa->lpVtbl->Release(sa);
        }
        pa->lpVtbl->Release(pa);
    }
    return NULL;
}

Test(sess_threads, logons_uses_and_logoffs_while_the_profile_changes)
{
    sess_setup();
    pthread_t w[WORKERS], ed;
    cr_assert_eq(pthread_create(&ed, NULL, editor, NULL), 0);
    for (int i = 0; i < WORKERS; i++)
        cr_assert_eq(pthread_create(&w[i], NULL, worker, (void *)(intptr_t)i), 0);
    for (int i = 0; i < WORKERS; i++)
        pthread_join(w[i], NULL);
    atomic_store(&stop, 1);
    pthread_join(ed, NULL);
    cr_expect_eq(atomic_load(&failures), 0, "see the lines above");
    cr_expect_eq(atomic_load(&uses), WORKERS * ROUNDS);
    cr_expect_gt(atomic_load(&edits), 0, "the profile was edited meanwhile");
    sess_teardown();
}

/* MAPIUninitialize while other threads are inside their sessions: they see
 * MAPI_E_END_OF_SESSION (or finish first), never a provider that has gone. */
static void *busy(void *arg)
{
    LPMAPISESSION s = arg;
    while (!atomic_load(&stop)) {
        BYTE eid[23];
        ULONG type = 0;
        LPUNKNOWN ada = NULL;
        ab_eid("ada", eid);
        HRESULT hr = s->lpVtbl->OpenEntry(s, sizeof eid, (LPENTRYID)eid, NULL, 0, &type, &ada);
        if (ada) {
            LPSPropValue v = NULL;
            HRESULT h2 = HrGetOneProp((LPMAPIPROP)ada, PR_DISPLAY_NAME_A, &v);
            if (FAILED(h2) && h2 != MAPI_E_END_OF_SESSION)
                fail("GetProps", h2);
            MAPIFreeBuffer(v);
            ada->lpVtbl->Release(ada);
        }
        if (hr == MAPI_E_END_OF_SESSION)
            break;
        if (FAILED(hr))
            fail("OpenEntry", hr);
    }
    return NULL;
}

Test(sess_threads, uninitialize_under_calls_in_flight)
{
    sess_setup();
    LPMAPISESSION s[2];
    pthread_t t[2];
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(MAPILogonEx(0, (LPTSTR) "Work", NULL, MAPI_NEW_SESSION, &s[i]), S_OK);
        cr_assert_eq(pthread_create(&t[i], NULL, busy, s[i]), 0);
    }
    usleep(20 * 1000);
    MAPIUninitialize(); /* ends both sessions under their callers */
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    atomic_store(&stop, 1);
    for (int i = 0; i < 2; i++)
        s[i]->lpVtbl->Release(s[i]);
    cr_expect_eq(atomic_load(&failures), 0, "see the lines above");
    cr_assert_eq(MAPIInitialize(NULL), S_OK);
    sess_teardown();
}
