/* The generated validation and tracing layers, on a handwritten IMAPISession stand-in: bad
 * arguments are refused with the documented code before the implementation runs; traced calls
 * produce one decoded line each. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>

#include <mapicode.h>
#include <mapix.h>
#include <mapirt/trace.h>

static int reached;

struct fake_session {
    int unused;
};

#include "fake_session_object.h"

static void fake_session_destroy(struct fake_session *self)
{
    (void)self;
}

static HRESULT fake_session_Logoff(struct fake_session *self, ULONG_PTR ui, ULONG flags,
                                   ULONG reserved)
{
    (void)self, (void)ui, (void)flags, (void)reserved;
    reached++;
    return S_OK;
}

static HRESULT fake_session_GetMsgStoresTable(struct fake_session *self, ULONG flags,
                                              LPMAPITABLE *lpp)
{
    (void)self, (void)flags;
    reached++;
    *lpp = NULL;
    return MAPI_E_NOT_FOUND;
}

static HRESULT fake_session_SetDefaultStore(struct fake_session *self, ULONG flags, ULONG cb,
                                            LPENTRYID eid)
{
    (void)self, (void)flags, (void)cb, (void)eid;
    reached++;
    return S_OK;
}

static HRESULT fake_session_CompareEntryIDs(struct fake_session *self, ULONG cb1, LPENTRYID e1,
                                            ULONG cb2, LPENTRYID e2, ULONG flags, ULONG *result)
{
    (void)self, (void)flags;
    reached++;
    *result = cb1 == cb2 && memcmp(e1, e2, cb1) == 0;
    return S_OK;
}

static HRESULT fake_session_QueryIdentity(struct fake_session *self, ULONG *lpcb,
                                          LPENTRYID *lppEntryID)
{
    (void)self;
    reached++;
    *lpcb = 0;
    *lppEntryID = NULL;
    return MAPI_W_NO_SERVICE;
}

/* Objects made by a test, released by its fini. */
static IMAPISession *made[16];
static int nmade;

/* An object whose vtable is chosen now: plain (0) or validated, traced when the filter says. */
static IMAPISession *make(unsigned flags)
{
    struct fake_session *o = fake_session_new_with(flags | MAPIRT_OBJECT_TRACE);
    cr_assert_not_null(o);
    cr_assert_lt(nmade, 16);
    return made[nmade++] = fake_session_as_IMAPISession(o);
}

static void release_made(void)
{
    while (nmade > 0) {
        IMAPISession *o = made[--nmade];
        IMAPISession_Release(o);
    }
}

static const void *plain_vtbl = &fake_session_IMAPISession_vtbl;

static IMAPISession *plain, *checked;

static void setup(void)
{
    mapirt_trace_configure(NULL, NULL);
    plain = make(0);
    checked = make(MAPIRT_OBJECT_VALIDATE);
    reached = 0;
}

TestSuite(validation, .init = setup, .fini = release_made);

Test(validation, good_calls_reach_the_implementation)
{
    BYTE a[20] = {0}, b[20] = {0};
    ULONG same = 0;
    cr_expect_eq(IMAPISession_Logoff(checked, 0, MAPI_LOGOFF_UI, 0), S_OK);
    cr_expect_eq(IMAPISession_SetDefaultStore(checked, MAPI_DEFAULT_STORE, 0, NULL), S_OK);
    cr_expect_eq(IMAPISession_CompareEntryIDs(checked, 20, (LPENTRYID)a, 20, (LPENTRYID)b, 0,
                                              &same), S_OK);
    cr_expect_eq(same, 1);
    cr_expect_eq(reached, 3);
}

Test(validation, unknown_flag_bits_are_refused)
{
    cr_expect_eq(IMAPISession_Logoff(checked, 0, 0x100, 0), MAPI_E_UNKNOWN_FLAGS);
    cr_expect_eq(IMAPISession_GetMsgStoresTable(checked, 0x1, &(LPMAPITABLE){NULL}),
                 MAPI_E_UNKNOWN_FLAGS);
    cr_expect_eq(reached, 0);
    cr_expect_eq(IMAPISession_Logoff(plain, 0, 0x100, 0), S_OK, "plain vtable: no checks");
    cr_expect_eq(reached, 1);
}

Test(validation, reserved_parameters_must_be_zero)
{
    cr_expect_eq(IMAPISession_Logoff(checked, 0, 0, 1), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(reached, 0);
}

Test(validation, reserved_flag_words_refuse_every_bit)
{
    BYTE a[20] = {0};
    ULONG same;
    cr_expect_eq(IMAPISession_CompareEntryIDs(checked, 20, (LPENTRYID)a, 20, (LPENTRYID)a, 7,
                                              &same), MAPI_E_UNKNOWN_FLAGS);
    cr_expect_eq(IMAPISession_AdminServices(checked, 0x80000000u, &(LPSERVICEADMIN){NULL}),
                 MAPI_E_UNKNOWN_FLAGS);
    cr_expect_eq(reached, 0);
}

Test(validation, out_pointers_must_not_be_null)
{
    BYTE a[20] = {0};
    ULONG cb;
    cr_expect_eq(IMAPISession_GetMsgStoresTable(checked, 0, NULL), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(IMAPISession_CompareEntryIDs(checked, 20, (LPENTRYID)a, 20, (LPENTRYID)a, 0,
                                              NULL), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(IMAPISession_QueryIdentity(checked, &cb, NULL), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(IMAPISession_QueryIdentity(checked, NULL, NULL), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(reached, 0);
}

Test(validation, in_pointers_without_unique_must_not_be_null)
{
    BYTE a[20] = {0};
    ULONG same;
    cr_expect_eq(IMAPISession_CompareEntryIDs(checked, 20, NULL, 20, (LPENTRYID)a, 0, &same),
                 MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(reached, 0);
}

Test(validation, values_outside_a_valueset_are_refused)
{
    cr_expect_eq(IMAPISession_SetDefaultStore(checked, 0, 0, NULL), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(IMAPISession_SetDefaultStore(checked, 6, 0, NULL), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(IMAPISession_SetDefaultStore(checked, 7, 0, NULL), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(reached, 0);
    cr_expect_eq(IMAPISession_SetDefaultStore(checked, MAPI_SECONDARY_STORE, 0, NULL), S_OK);
    cr_expect_eq(reached, 1);
}

Test(validation, query_interface_checks_its_arguments)
{
    void *pv;
    cr_expect_eq(IMAPISession_QueryInterface(checked, NULL, &pv), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(IMAPISession_QueryInterface(checked, &IID_IMAPISession, NULL),
                 MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(IMAPISession_QueryInterface(checked, &IID_IMAPISession, &pv), S_OK);
    cr_expect_eq(pv, checked);
    IMAPISession_Release((IMAPISession *)pv); /* the reference QueryInterface took */
}

Test(validation, unimplemented_slots_still_answer_no_support)
{
    cr_expect_eq(IMAPISession_AdminServices(checked, 0, &(LPSERVICEADMIN){NULL}),
                 MAPI_E_NO_SUPPORT);
    cr_expect_eq(IMAPISession_AdminServices(checked, 0, NULL), MAPI_E_INVALID_PARAMETER);
}

/* ---- tracing ---- */

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    static char buf[16384];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static char trace_path[64];

static void trace_setup(void)
{
    snprintf(trace_path, sizeof trace_path, "/tmp/mapirt-trace-%d.log", (int)getpid());
    unlink(trace_path);
    reached = 0;
}

static void trace_teardown(void)
{
    mapirt_trace_configure(NULL, NULL);
    unlink(trace_path);
    release_made();
}

TestSuite(tracing, .init = trace_setup, .fini = trace_teardown);

Test(tracing, off_means_the_plain_vtable)
{
    cr_assert_eq(mapirt_trace_configure(NULL, NULL), 0);
    cr_expect_eq(mapirt_trace_enabled(), 0);
    cr_expect_eq((const void *)make(0)->lpVtbl, plain_vtbl);
}

Test(tracing, calls_are_logged_with_decoded_arguments_and_results)
{
    cr_assert_eq(mapirt_trace_configure("1", trace_path), 0);
    IMAPISession *s = make(MAPIRT_OBJECT_VALIDATE);
    BYTE eid[6] = {0, 0, 0, 0, 0xAB, 0xCD};
    ULONG same = 0, cb = 1;
    LPENTRYID id = (LPENTRYID)eid;
    LPMAPITABLE t = NULL;
    IMAPISession_Logoff(s, 0, MAPI_LOGOFF_SHARED | MAPI_LOGOFF_UI, 0);
    IMAPISession_GetMsgStoresTable(s, MAPI_UNICODE, &t);
    IMAPISession_CompareEntryIDs(s, 6, id, 6, id, 0, &same);
    IMAPISession_Logoff(s, 0, 0x100, 0);
    IMAPISession_QueryIdentity(s, &cb, &id);
    cr_expect_eq(reached, 4);
    mapirt_trace_configure(NULL, NULL);
    const char *log = read_all(trace_path);
    cr_expect(strstr(log, "IMAPISession::Logoff(ulUIParam=0, ulFlags=MAPI_LOGOFF_SHARED | "
                          "MAPI_LOGOFF_UI, ulReserved=0) -> S_OK") != NULL, "%s", log);
    cr_expect(strstr(log, "IMAPISession::GetMsgStoresTable(ulFlags=MAPI_UNICODE, lppTable=0x") != NULL, "%s", log);
    cr_expect(strstr(log, ") -> MAPI_E_NOT_FOUND {*lppTable=NULL}") != NULL, "%s", log);
    cr_expect(strstr(log, "lpEntryID1=[6]00000000ABCD") != NULL, "%s", log);
    cr_expect(strstr(log, "-> S_OK {*lpulResult=1}") != NULL, "%s", log);
    cr_expect(strstr(log, "ulFlags=0x00000100, ulReserved=0) -> MAPI_E_UNKNOWN_FLAGS") != NULL,
              "the validation result is traced: %s", log);
    cr_expect(strstr(log, "-> MAPI_W_NO_SERVICE {*lpcbEntryID=0, *lppEntryID=NULL}") != NULL, "%s", log);
    int lines = 0;
    for (const char *p = log; *p; p++)
        lines += *p == '\n';
    cr_expect_eq(lines, 5);
}

Test(tracing, filter_by_interface)
{
    cr_assert_eq(mapirt_trace_configure("IMAPITable,IMsgStore", trace_path), 0);
    IMAPISession *s = make(0);
    cr_expect_eq((const void *)s->lpVtbl, plain_vtbl,
                 "an interface outside the filter gets the plain vtable");
    cr_assert_eq(mapirt_trace_configure("IMAPITable,IMAPISession", trace_path), 0);
    cr_expect_neq((const void *)make(0)->lpVtbl, plain_vtbl);
    cr_assert_eq(mapirt_trace_configure("IMAPITable", trace_path), 0);
    IMAPISession_Logoff(s, 0, 0, 0);
    mapirt_trace_configure(NULL, NULL);
    cr_expect_eq(reached, 1);
    cr_expect_str_eq(read_all(trace_path), "");
}

Test(tracing, unopenable_file_leaves_tracing_off)
{
    cr_expect_eq(mapirt_trace_configure("1", "/nonexistent-dir/x/trace.log"), -1);
    cr_expect_eq(mapirt_trace_enabled(), 0);
}

static void *trace_worker(void *arg)
{
    IMAPISession *s = arg;
    for (int i = 0; i < 200; i++)
        IMAPISession_Logoff(s, (ULONG_PTR)i, MAPI_LOGOFF_UI, 0);
    return NULL;
}

Test(tracing, lines_from_threads_do_not_interleave)
{
    enum { THREADS = 4 };
    pthread_t th[THREADS];
    IMAPISession *obj[THREADS];
    cr_assert_eq(mapirt_trace_configure("IMAPISession", trace_path), 0);
    for (int i = 0; i < THREADS; i++) {
        obj[i] = make(MAPIRT_OBJECT_VALIDATE);
        cr_assert_eq(pthread_create(&th[i], NULL, trace_worker, obj[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    mapirt_trace_configure(NULL, NULL);
    FILE *f = fopen(trace_path, "r");
    cr_assert_not_null(f);
    char line[512];
    int n = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        n++;
        cr_assert(strncmp(line, "mapirt[", 7) == 0, "line %d: %s", n, line);
        cr_assert(strstr(line, "] IMAPISession::Logoff(ulUIParam=") != NULL, "line %d: %s", n, line);
        cr_assert(strstr(line, ", ulFlags=MAPI_LOGOFF_UI, ulReserved=0) -> S_OK ") != NULL,
                  "line %d: %s", n, line);
        size_t len = strlen(line);
        cr_assert(len > 4 && strcmp(line + len - 3, "us\n") == 0, "line %d: %s", n, line);
    }
    fclose(f);
    cr_expect_eq(n, THREADS * 200);
}
