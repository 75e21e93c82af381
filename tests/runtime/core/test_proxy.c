/* tests/runtime/core/test_proxy.c: proxies (<mapirt/proxy.h>) around an object the runtime did
 * not build: no cost when nothing applies, validation and its GetLastError, tracing of a call,
 * QueryInterface and returned interface pointers staying on proxies, COM identity, and the
 * references a proxy holds. */
#include <criterion/criterion.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <mapicode.h>
#include <mapix.h>

#include <mapirt/proxy.h>
#include <mapirt/trace.h>

#include "oom.h"

static atomic_int reached, destroyed;

struct provtable {
    ULONG rows;
};

#include "provtable_object.h"

static void provtable_destroy(struct provtable *self)
{
    (void)self;
    atomic_fetch_add(&destroyed, 1);
}

static HRESULT provtable_GetRowCount(struct provtable *self, ULONG ulFlags, ULONG *lpulCount)
{
    (void)ulFlags;
    atomic_fetch_add(&reached, 1);
    *lpulCount = self->rows;
    return S_OK;
}

struct provobj {
    int unused;
};

#include "provobj_object.h"

static void provobj_destroy(struct provobj *self)
{
    (void)self;
    atomic_fetch_add(&destroyed, 1);
}

static HRESULT provobj_ValidateState(struct provobj *self, ULONG_PTR ulUIParam, ULONG ulFlags)
{
    (void)ulUIParam;
    atomic_fetch_add(&reached, 1);
    if (ulFlags & SUPPRESS_UI)
        return provobj_fail(self, MAPI_E_BUSY, "provider: busy");
    return S_OK;
}

/* Hands out a new table for IID_IMAPITable, as a provider hands out folders and tables. */
static HRESULT provobj_OpenProperty(struct provobj *self, ULONG ulPropTag, LPCIID lpiid,
                                    ULONG ulInterfaceOptions, ULONG ulFlags, LPUNKNOWN *lppUnk)
{
    (void)self, (void)ulPropTag, (void)ulInterfaceOptions, (void)ulFlags;
    atomic_fetch_add(&reached, 1);
    *lppUnk = NULL;
    if (lpiid == NULL || memcmp(lpiid, &IID_IMAPITable, sizeof(IID)) != 0)
        return MAPI_E_INTERFACE_NOT_SUPPORTED;
    struct provtable *t = provtable_new();
    if (t == NULL)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    t->rows = 3;
    *lppUnk = (LPUNKNOWN)provtable_as_IMAPITable(t);
    return S_OK;
}

static HRESULT provobj_GetMax(struct provobj *self, ULONG *lpulMax)
{
    (void)self;
    atomic_fetch_add(&reached, 1);
    *lpulMax = 9;
    return S_OK;
}

struct provfolder {
    int unused;
};

#include "provfolder_object.h"

static void provfolder_destroy(struct provfolder *self)
{
    (void)self;
    atomic_fetch_add(&destroyed, 1);
}

struct provcont {
    int unused;
};

#include "provcont_object.h"

static void provcont_destroy(struct provcont *self)
{
    (void)self;
}

static HRESULT provcont_OpenEntry(struct provcont *self, ULONG cbEntryID, LPENTRYID lpEntryID,
                                  LPCIID lpInterface, ULONG ulFlags, ULONG *lpulObjType,
                                  LPUNKNOWN *lppUnk)
{
    (void)self, (void)cbEntryID, (void)lpEntryID, (void)lpInterface, (void)ulFlags;
    struct provfolder *f = provfolder_new_with(0);
    if (f == NULL)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    *lpulObjType = MAPI_FOLDER;
    *lppUnk = (LPUNKNOWN)provfolder_as_IMAPIFolder(f);
    return S_OK;
}

static struct provobj *inner_obj;

static IMAPIStatus *inner(void)
{
    return provobj_as_IMAPIStatus(inner_obj);
}

static IMAPIStatus *wrap(IMAPIStatus *p, ULONG flags)
{
    LPUNKNOWN out = NULL;
    cr_assert_eq(mapirt_proxy_wrap(&IID_IMAPIStatus, (LPUNKNOWN)p, flags, &out), S_OK);
    return (IMAPIStatus *)out;
}

static char trace_path[64];

static void setup(void)
{
    mapirt_trace_configure(NULL, NULL);
    atomic_store(&reached, 0);
    atomic_store(&destroyed, 0);
    inner_obj = provobj_new();
    cr_assert_not_null(inner_obj);
    snprintf(trace_path, sizeof trace_path, "/tmp/mapirt-proxy-%d.log", (int)getpid());
    unlink(trace_path);
}

static void teardown(void)
{
    mapirt_trace_configure(NULL, NULL);
    unlink(trace_path);
}

TestSuite(proxy, .init = setup, .fini = teardown);

Test(proxy, nothing_to_apply_means_the_object_itself)
{
    IMAPIStatus *p = wrap(inner(), 0);
    cr_expect_eq(p, inner(), "the same pointer");
    cr_expect_eq((const void *)p->lpVtbl, (const void *)&provobj_IMAPIStatus_vtbl,
                 "the same vtable");
    cr_expect_eq(provobj_refs(inner_obj), 2, "with a reference of its own");
    IMAPIStatus_Release(p);
    p = wrap(inner(), MAPIRT_PROXY_TRACE); /* tracing is off */
    cr_expect_eq(p, inner());
    cr_expect_not(mapirt_is_proxy((LPUNKNOWN)p));
    IMAPIStatus_Release(p);
    LPUNKNOWN out = NULL;
    cr_expect_eq(mapirt_proxy_wrap(&IID_IMAPIStatus, (LPUNKNOWN)inner(), 0x10, &out),
                 MAPI_E_UNKNOWN_FLAGS);
    cr_expect_eq(mapirt_proxy_wrap(NULL, (LPUNKNOWN)inner(), 0, &out), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(mapirt_proxy_wrap(&IID_IMAPIStatus, NULL, 0, &out), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(mapirt_proxy_wrap(&IID_IMAPIStatus, (LPUNKNOWN)inner(), 0, NULL),
                 MAPI_E_INVALID_PARAMETER);
    provobj_release(inner_obj);
    MAPIRT_LEAK_CHECK();
}

Test(proxy, validation_refuses_and_explains)
{
    IMAPIStatus *p = wrap(inner(), MAPIRT_PROXY_VALIDATE);
    LPMAPIERROR err = NULL;

    cr_assert_neq(p, inner());
    cr_expect(mapirt_is_proxy((LPUNKNOWN)p));
    cr_expect_eq(IMAPIStatus_ValidateState(p, 0, 0x100), MAPI_E_UNKNOWN_FLAGS);
    cr_expect_eq(atomic_load(&reached), 0, "the provider never saw the call");
    cr_assert_eq(IMAPIStatus_GetLastError(p, MAPI_E_UNKNOWN_FLAGS, 0, &err), S_OK);
    cr_assert_not_null(err);
    cr_expect(strstr((char *)err->lpszError,
                     "IMAPIStatus::ValidateState: ulFlags has unknown flags 0x00000100") != NULL,
              "%s", (char *)err->lpszError);
    MAPIFreeBuffer(err);
    cr_assert_eq(IMAPIStatus_GetLastError(p, MAPI_E_UNKNOWN_FLAGS, MAPI_UNICODE, &err), S_OK);
    cr_expect_eq(((WCHAR *)err->lpszError)[0], u'I');
    MAPIFreeBuffer(err);

    /* A failure of the provider itself: GetLastError goes on to the provider. */
    cr_expect_eq(IMAPIStatus_ValidateState(p, 0, SUPPRESS_UI), MAPI_E_BUSY);
    cr_expect_eq(atomic_load(&reached), 1);
    cr_assert_eq(IMAPIStatus_GetLastError(p, MAPI_E_BUSY, 0, &err), S_OK);
    cr_assert_not_null(err);
    cr_expect_str_eq((char *)err->lpszError, "provider: busy");
    cr_expect_str_eq((char *)err->lpszComponent, "test provider");
    MAPIFreeBuffer(err);
    cr_expect_eq(IMAPIStatus_ValidateState(p, 0, 0), S_OK);
    IMAPIStatus_Release(p);
    provobj_release(inner_obj);
    MAPIRT_LEAK_CHECK();
}

Test(proxy, query_interface_keeps_proxies_and_identity)
{
    IMAPIStatus *p = wrap(inner(), MAPIRT_PROXY_VALIDATE);
    IMAPIProgress *pg = NULL;
    IUnknown *u1 = NULL, *u2 = NULL, *raw = NULL;
    ULONG max = 0;

    cr_assert_eq(IMAPIStatus_QueryInterface(p, &IID_IMAPIProgress, (void **)&pg), S_OK);
    cr_expect(mapirt_is_proxy((LPUNKNOWN)pg), "QueryInterface's result is wrapped too");
    cr_expect_neq((void *)pg, (void *)provobj_as_IMAPIProgress(inner_obj));
    cr_expect_eq(IMAPIProgress_GetMax(pg, &max), S_OK);
    cr_expect_eq(max, 9);
    cr_expect_eq(IMAPIProgress_GetMax(pg, NULL), MAPI_E_INVALID_PARAMETER, "validated");

    cr_assert_eq(IMAPIStatus_QueryInterface(p, &IID_IUnknown, (void **)&u1), S_OK);
    cr_assert_eq(IMAPIProgress_QueryInterface(pg, &IID_IUnknown, (void **)&u2), S_OK);
    cr_expect_eq(u1, u2, "one identity through every interface of the proxy");
    cr_expect(mapirt_is_proxy(u1));
    cr_expect_eq(mapirt_proxy_inner(u1), (LPUNKNOWN)provobj_as_IUnknown(inner_obj));
    cr_expect_eq(mapirt_proxy_inner((LPUNKNOWN)pg), (LPUNKNOWN)provobj_as_IUnknown(inner_obj));
    cr_expect_eq(mapirt_proxy_inner((LPUNKNOWN)inner()), (LPUNKNOWN)inner());

    /* Wrapping the same object again with the same flags gives the same proxy. */
    IMAPIStatus *again = wrap(inner(), MAPIRT_PROXY_VALIDATE);
    cr_assert_eq(IMAPIStatus_QueryInterface(again, &IID_IUnknown, (void **)&raw), S_OK);
    cr_expect_eq(raw, u1);
    cr_expect_eq((void *)again, (void *)p);
    IUnknown_Release(raw);
    IMAPIStatus_Release(again);

    cr_expect_eq(IMAPIStatus_QueryInterface(p, &IID_IMAPITable, (void **)&raw),
                 MAPI_E_INTERFACE_NOT_SUPPORTED);
    IUnknown_Release(u1);
    IUnknown_Release(u2);
    IMAPIProgress_Release(pg);
    IMAPIStatus_Release(p);
    provobj_release(inner_obj);
    MAPIRT_LEAK_CHECK();
}

Test(proxy, release_frees_both)
{
    IMAPIStatus *p = wrap(inner(), MAPIRT_PROXY_VALIDATE);
    IMAPIProgress *pg = NULL;

    cr_expect_gt(provobj_refs(inner_obj), 1, "the proxy holds the provider");
    cr_assert_eq(IMAPIStatus_QueryInterface(p, &IID_IMAPIProgress, (void **)&pg), S_OK);
    provobj_release(inner_obj); /* the caller lets go of the provider: the proxy keeps it */
    cr_expect_eq(atomic_load(&destroyed), 0);
    IMAPIProgress_Release(pg);
    cr_expect_eq(atomic_load(&destroyed), 0);
    IMAPIStatus_Release(p);
    cr_expect_eq(atomic_load(&destroyed), 1, "the last Release of the proxy frees the provider");
    MAPIRT_LEAK_CHECK();
}

Test(proxy, returned_interfaces_are_wrapped)
{
    IMAPIStatus *p = wrap(inner(), MAPIRT_PROXY_VALIDATE);
    LPUNKNOWN u = NULL;
    IMAPITable *t;
    ULONG n = 0;

    cr_assert_eq(IMAPIStatus_OpenProperty(p, PR_DISPLAY_NAME_A, &IID_IMAPITable, 0, 0, &u),
                 S_OK);
    t = (IMAPITable *)u;
    cr_expect(mapirt_is_proxy(u), "a table handed out by the provider is wrapped");
    cr_expect_eq(IMAPITable_GetRowCount(t, 0, &n), S_OK);
    cr_expect_eq(n, 3);
    cr_expect_eq(IMAPITable_GetRowCount(t, 1, &n), MAPI_E_UNKNOWN_FLAGS, "and validated");
    IMAPITable_Release(t);
    cr_expect_eq(atomic_load(&destroyed), 1, "the table went with its proxy");
    IMAPIStatus_Release(p);
    provobj_release(inner_obj);
    MAPIRT_LEAK_CHECK();
}

static const char *read_log(void)
{
    static char buf[8192];
    FILE *f = fopen(trace_path, "r");
    cr_assert_not_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

Test(proxy, traces_a_provider_object)
{
    /* As MAPIRT_TRACE=IMAPIStatus,IMAPITable would: a provider's status object and the table
     * it hands out are traced, its IMAPIProgress is not. */
    cr_assert_eq(mapirt_trace_configure("IMAPIStatus,IMAPITable", trace_path), 0);
    IMAPIStatus *p = wrap(inner(), MAPIRT_PROXY_TRACE);
    IMAPIProgress *pg = NULL;
    LPUNKNOWN u = NULL;
    ULONG n = 0;

    cr_assert_neq(p, inner());
    cr_expect_eq(IMAPIStatus_ValidateState(p, 7, SUPPRESS_UI), MAPI_E_BUSY);
    cr_assert_eq(IMAPIStatus_OpenProperty(p, PR_DISPLAY_NAME_A, &IID_IMAPITable, 0, 0, &u),
                 S_OK);
    cr_expect_eq(IMAPITable_GetRowCount((IMAPITable *)u, 0, &n), S_OK);
    cr_assert_eq(IMAPIStatus_QueryInterface(p, &IID_IMAPIProgress, (void **)&pg), S_OK);
    cr_expect_eq(IMAPIProgress_GetMax(pg, &n), S_OK);
    mapirt_trace_configure(NULL, NULL);
    const char *log = read_log();
    cr_expect(strstr(log, "IMAPIStatus::ValidateState(ulUIParam=7, ulFlags=SUPPRESS_UI) -> "
                          "MAPI_E_BUSY") != NULL, "%s", log);
    cr_expect(strstr(log, "IMAPITable::GetRowCount(ulFlags=0, lpulCount=0x") != NULL, "%s", log);
    cr_expect(strstr(log, "-> S_OK {*lpulCount=3}") != NULL, "%s", log);
    cr_expect(strstr(log, "IMAPIProgress") == NULL, "not in the filter: %s", log);
    IMAPIProgress_Release(pg);
    IUnknown_Release(u);
    IMAPIStatus_Release(p);
    provobj_release(inner_obj);
    MAPIRT_LEAK_CHECK();
}

Test(proxy, objects_opened_without_an_iid_are_wrapped_by_their_type)
{
    /* MAPIRT_TRACE=IMAPIContainer,IMAPIFolder: the folder a provider's container opens (with a
     * NULL interface: lpulObjType says MAPI_FOLDER) is traced and validated too. */
    cr_assert_eq(mapirt_trace_configure("IMAPIContainer,IMAPIFolder", trace_path), 0);
    struct provcont *c = provcont_new_with(0);
    LPUNKNOWN out = NULL, u = NULL;
    ULONG type = 0, n = 0;
    LPSPropValue v = NULL;

    cr_assert_not_null(c);
    cr_assert_eq(mapirt_proxy_wrap(&IID_IMAPIContainer, (LPUNKNOWN)provcont_as_IMAPIContainer(c),
                                   MAPIRT_PROXY_VALIDATE | MAPIRT_PROXY_TRACE, &out),
                 S_OK);
    IMAPIContainer *pc = (IMAPIContainer *)out;
    cr_assert_eq(IMAPIContainer_OpenEntry(pc, 0, NULL, NULL, 0, &type, &u), S_OK);
    cr_expect_eq(type, MAPI_FOLDER);
    cr_expect(mapirt_is_proxy(u), "the folder is handed out behind a proxy");
    IMAPIFolder *f = (IMAPIFolder *)u;
    cr_expect_eq(IMAPIFolder_GetProps(f, NULL, 0x10, &n, &v), MAPI_E_UNKNOWN_FLAGS);
    cr_expect_eq(IMAPIFolder_GetProps(f, NULL, 0, &n, &v), MAPI_E_NO_SUPPORT);
    mapirt_trace_configure(NULL, NULL);
    const char *log = read_log();
    cr_expect(strstr(log, "IMAPIContainer::OpenEntry(") != NULL, "%s", log);
    cr_expect(strstr(log, "IMAPIFolder::GetProps(lpPropTagArray=NULL, ulFlags=0, ") != NULL,
              "%s", log);
    IMAPIFolder_Release(f);
    cr_expect_eq(atomic_load(&destroyed), 1);
    IMAPIContainer_Release(pc);
    provcont_release(c);
    provobj_release(inner_obj);
    MAPIRT_LEAK_CHECK();
}

Test(proxy, wrapping_without_memory)
{
    LPUNKNOWN out = NULL;
    unsigned long oom_points;
    HRESULT hr;

    OOM_LOOP(hr, hr = mapirt_proxy_wrap(&IID_IMAPIStatus, (LPUNKNOWN)inner(),
                                        MAPIRT_PROXY_VALIDATE, &out),
             IUnknown_Release(out));
    cr_expect_gt(oom_points, 0);
    cr_expect_eq(provobj_refs(inner_obj), 1, "every failed wrapping let go of the provider");
    provobj_release(inner_obj);
    MAPIRT_LEAK_CHECK();
}
