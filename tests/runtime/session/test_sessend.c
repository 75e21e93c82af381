/* tests/runtime/session/test_sessend.c: the end of a session. Objects handed out before Logoff
 * (the provider's store, its status object, what OpenEntry opened, the session's tables)
 * answer MAPI_E_END_OF_SESSION afterwards instead of reaching a provider that has logged off;
 * they and the session can be released in any order; a call in flight inside a provider holds
 * Logoff back until it returns (the fence), and a provider calling its support object while it
 * logs off is answered, not left waiting. */
#define _DEFAULT_SOURCE
#include <pthread.h>
#include <unistd.h>

#include "sessend.h"

TestSuite(sessend, .init = sess_setup, .fini = sess_teardown);

static void expect_ended(HRESULT hr, LPUNKNOWN obj, const char *what)
{
    cr_expect_eq(hr, MAPI_E_END_OF_SESSION, "%s after Logoff: 0x%08X", what, (unsigned)hr);
    LPMAPIERROR e = NULL;
    IMAPIProp *p = (IMAPIProp *)obj; /* GetLastError is every one's fourth method */
    cr_expect_eq(p->lpVtbl->GetLastError(p, MAPI_E_END_OF_SESSION, 0, &e), S_OK);
    cr_expect(e && e->lpszError && strstr((const char *)e->lpszError, "logged off"),
              "%s: GetLastError says why", what);
    MAPIFreeBuffer(e);
}

Test(sessend, objects_handed_out_answer_end_of_session)
{
    LPMAPISESSION s = logon("Work", MAPI_NEW_SESSION);
    LPMDB mdb = NULL;
    LPMAPISTATUS st = NULL;
    LPUNKNOWN ada = NULL;
    LPMAPITABLE t = NULL;
    BYTE eid[23];
    ULONG type = 0;
    ab_eid("ada", eid);
    cr_assert_eq(open_msgstore(s, 0, &mdb), S_OK);
    cr_assert_eq(open_status_obj(s, MAPI_AB_PROVIDER, "Acme Directory", &st), S_OK);
    cr_assert_eq(s->lpVtbl->OpenEntry(s, sizeof eid, (LPENTRYID)eid, NULL, 0, &type, &ada), S_OK);
    cr_assert_eq(s->lpVtbl->GetStatusTable(s, 0, &t), S_OK);
    LPSPropValue v = NULL;
    cr_expect_eq(HrGetOneProp((LPMAPIPROP)mdb, PR_DISPLAY_NAME_A, &v), S_OK);
    MAPIFreeBuffer(v);
    cr_expect_eq(st->lpVtbl->ValidateState(st, 0, 0), S_OK);

    cr_assert_eq(s->lpVtbl->Logoff(s, 0, 0, 0), S_OK);
    cr_expect_eq(ms_stats()->logoffs, 1);

    v = NULL;
    expect_ended(HrGetOneProp((LPMAPIPROP)mdb, PR_DISPLAY_NAME_A, &v), (LPUNKNOWN)mdb, "store");
    cr_expect_null(v);
    ULONG flags = 0;
    expect_ended(mdb->lpVtbl->StoreLogoff(mdb, &flags), (LPUNKNOWN)mdb, "StoreLogoff");
    expect_ended(st->lpVtbl->ValidateState(st, 0, 0), (LPUNKNOWN)st, "provider status object");
    expect_ended(HrGetOneProp((LPMAPIPROP)ada, PR_DISPLAY_NAME_A, &v), ada, "OpenEntry's object");
    ULONG n = 0;
    expect_ended(t->lpVtbl->GetRowCount(t, 0, &n), (LPUNKNOWN)t, "status table");
    LPUNKNOWN prop = NULL;
    cr_expect_eq(ada->lpVtbl->QueryInterface(ada, &IID_IMAPIProp, (void **)&prop),
                 MAPI_E_END_OF_SESSION, "a new interface is not asked of the provider either");

    /* the session first, then what it handed out: all safe, each released once */
    s->lpVtbl->Release(s);
    t->lpVtbl->Release(t);
    ada->lpVtbl->Release(ada);
    st->lpVtbl->Release(st);
    int before = ms_stats()->store_releases;
    mdb->lpVtbl->Release(mdb);
    cr_expect_eq(ms_stats()->store_releases, before + 1, "the provider's store is released");
}

Test(sessend, session_released_without_logoff_before_its_store)
{
    LPMAPISESSION s = logon("Work", MAPI_NEW_SESSION);
    LPMDB mdb = NULL, again = NULL;
    cr_assert_eq(open_msgstore(s, MDB_WRITE, &mdb), S_OK);
    cr_assert_eq(open_msgstore(s, 0, &again), S_OK);
    cr_expect_eq(mdb, again, "the same store is the same object (one proxy)");
    again->lpVtbl->Release(again);
    s->lpVtbl->Release(s); /* ends the session: its last handle went */
    cr_expect_eq(ms_stats()->logoffs, 1);
    LPSPropValue v = NULL;
    cr_expect_eq(HrGetOneProp((LPMAPIPROP)mdb, PR_DISPLAY_NAME_A, &v), MAPI_E_END_OF_SESSION);
    mdb->lpVtbl->Release(mdb);
    cr_expect_eq(ms_stats()->store_releases, 1);
    /* and a new session of the same profile works as the first did */
    s = logon("Work", MAPI_NEW_SESSION);
    cr_assert_eq(open_msgstore(s, 0, &mdb), S_OK);
    cr_expect_eq(HrGetOneProp((LPMAPIPROP)mdb, PR_DISPLAY_NAME_A, &v), S_OK);
    MAPIFreeBuffer(v);
    mdb->lpVtbl->Release(mdb);
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
}

struct opener {
    LPMAPISESSION s;
    HRESULT hr;
    LPUNKNOWN obj;
};

static void *open_zed(void *arg)
{
    struct opener *o = arg;
    BYTE eid[23];
    ULONG type = 0;
    ab_eid("zed", eid);
    o->hr = o->s->lpVtbl->OpenEntry(o->s, sizeof eid, (LPENTRYID)eid, NULL, 0, &type, &o->obj);
    return NULL;
}

static void *logoff(void *arg)
{
    LPMAPISESSION s = arg;
    s->lpVtbl->Logoff(s, 0, 0, 0);
    return NULL;
}

Test(sessend, logoff_waits_for_a_call_in_flight)
{
    void (*block)(int) = (void (*)(int))provider_fn("acmeab.so", "acmeab_block");
    int (*waiting)(void) = (int (*)(void))provider_fn("acmeab.so", "acmeab_waiting");
    LPMAPISESSION s = logon("Work", MAPI_NEW_SESSION);
    struct opener o = {s, E_FAIL, NULL};
    pthread_t a, b;
    block(1);
    cr_assert_eq(pthread_create(&a, NULL, open_zed, &o), 0);
    for (int i = 0; i < 5000 && !waiting(); i++)
        usleep(1000);
    cr_assert(waiting(), "the provider's OpenEntry is in flight");
    cr_assert_eq(pthread_create(&b, NULL, logoff, s), 0);
    usleep(200 * 1000);
    cr_expect_eq(ab_stats()->logoffs, 0, "Logoff has not reached the provider meanwhile");
    block(0);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    cr_expect_eq(o.hr, S_OK);
    cr_expect_eq(ab_stats()->logoffs, 1);
    cr_expect_eq(ab_stats()->calls_after_logoff, 0);
    if (o.obj) {
        LPSPropValue v = NULL;
        cr_expect_eq(HrGetOneProp((LPMAPIPROP)o.obj, PR_DISPLAY_NAME_A, &v),
                     MAPI_E_END_OF_SESSION, "opened in time, used too late");
        o.obj->lpVtbl->Release(o.obj);
    }
    s->lpVtbl->Release(s);
}

Test(sessend, calls_after_the_end_do_not_wait)
{
    /* every method of the handle, through the fence that has closed, answers at once */
    LPMAPISESSION s = logon("Work", MAPI_NEW_SESSION);
    LPMAPITABLE t = NULL;
    cr_assert_eq(s->lpVtbl->Logoff(s, 0, 0, 0), S_OK);
    cr_expect_eq(s->lpVtbl->GetStatusTable(s, 0, &t), MAPI_E_END_OF_SESSION);
    cr_expect_eq(s->lpVtbl->Logoff(s, 0, 0, 0), MAPI_E_END_OF_SESSION);
    s->lpVtbl->Release(s);
    /* MAPIUninitialize with a store still held: the store answers, its release is safe */
    s = logon("Work", MAPI_NEW_SESSION);
    LPMDB mdb = NULL;
    cr_assert_eq(open_msgstore(s, 0, &mdb), S_OK);
    MAPIUninitialize();
    LPSPropValue v = NULL;
    cr_expect_eq(HrGetOneProp((LPMAPIPROP)mdb, PR_DISPLAY_NAME_A, &v), MAPI_E_END_OF_SESSION);
    mdb->lpVtbl->Release(mdb);
    s->lpVtbl->Release(s);
    cr_assert_eq(MAPIInitialize(NULL), S_OK); /* for the fixture's MAPIUninitialize */
}
