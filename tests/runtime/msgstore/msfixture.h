/* tests/runtime/msgstore/msfixture.h: what the message store tests share: the provider loaded
 * with dlopen from build/mapirt/providers/msgstore.so as the session loads it, a fake support
 * object in place of a session's (test_msgstore.idl), a recording sink, a fresh directory per
 * test, and helpers. Include once per test file, after the Criterion and MAPI headers. */
#ifndef MSFIXTURE_H
#define MSFIXTURE_H

#define MSFIX_UNUSED __attribute__((unused))

/* ---- the fake support object ------------------------------------------------------------- */

struct fakesup {
    LPPROPDATA section;
    mapirt_advise_list *subs;
    MAPIUID uids[8];
    ULONG nuids;
    ULONG status_cvalues;
    int status_rows;
};

#include "fakesup_object.h"

static void fakesup_destroy(struct fakesup *self)
{
    if (self->section)
        self->section->lpVtbl->Release(self->section);
    mapirt_advise_list_destroy(self->subs);
}

static HRESULT fakesup_GetMemAllocRoutines(struct fakesup *self, LPALLOCATEBUFFER *a,
                                           LPALLOCATEMORE *m, LPFREEBUFFER *f)
{
    (void)self;
    *a = MAPIAllocateBuffer;
    *m = MAPIAllocateMore;
    *f = MAPIFreeBuffer;
    return S_OK;
}

static HRESULT fakesup_Subscribe(struct fakesup *self, LPNOTIFKEY key, ULONG mask, ULONG flags,
                                 LPMAPIADVISESINK sink, ULONG_PTR *conn)
{
    return mapirt_advise_add_key(self->subs, key->cb, key->ab, mask, flags | NOTIFY_SYNC, sink,
                                 conn);
}

static HRESULT fakesup_Unsubscribe(struct fakesup *self, ULONG_PTR conn)
{
    return mapirt_advise_remove(self->subs, conn);
}

static HRESULT fakesup_Notify(struct fakesup *self, LPNOTIFKEY key, ULONG c, LPNOTIFICATION n,
                              ULONG *flags)
{
    return mapirt_advise_fire_key(self->subs, key->cb, key->ab, c, n, flags);
}

static HRESULT fakesup_ModifyStatusRow(struct fakesup *self, ULONG c, LPSPropValue v, ULONG f)
{
    (void)v;
    (void)f;
    self->status_rows++;
    self->status_cvalues = c;
    return S_OK;
}

static HRESULT fakesup_OpenProfileSection(struct fakesup *self, LPMAPIUID uid, ULONG flags,
                                          LPPROFSECT *out)
{
    (void)flags;
    if (uid)
        return MAPI_E_NOT_FOUND;
    self->section->lpVtbl->AddRef(self->section);
    *out = (LPPROFSECT)self->section; /* IProfSect adds nothing to IMAPIProp */
    return S_OK;
}

static HRESULT fakesup_SetProviderUID(struct fakesup *self, LPMAPIUID uid, ULONG flags)
{
    (void)flags;
    if (self->nuids < 8)
        self->uids[self->nuids++] = *uid;
    return S_OK;
}

static MSFIX_UNUSED struct fakesup *new_support(const char *path)
{
    struct fakesup *s = fakesup_new();
    cr_assert_not_null(s);
    cr_assert_eq(CreateIProp(&IID_IMAPIPropData, MAPIAllocateBuffer, MAPIAllocateMore,
                             MAPIFreeBuffer, NULL, &s->section), S_OK);
    cr_assert_eq(mapirt_advise_list_create(&s->subs), S_OK);
    if (path) {
        SPropValue v;
        memset(&v, 0, sizeof v);
        v.ulPropTag = PROP_TAG(PT_STRING8, 0x6700);
        v.Value.lpszA = (LPSTR)path;
        cr_assert_eq(s->section->lpVtbl->SetProps(s->section, 1, &v, NULL), S_OK);
    }
    return s;
}

/* ---- a recording sink ----------------------------------------------------------------------- */

struct recsink {
    ULONG events[64];
    ULONG objtypes[64];
    int n;
};

#include "recsink_object.h"

static void recsink_destroy(struct recsink *self)
{
    (void)self;
}

static ULONG recsink_OnNotify(struct recsink *self, ULONG c, LPNOTIFICATION n)
{
    for (ULONG i = 0; i < c && self->n < 64; i++) {
        self->objtypes[self->n] = n[i].info.obj.ulObjType;
        self->events[self->n++] = n[i].ulEventType;
    }
    return 0;
}

/* ---- the provider ------------------------------------------------------------------------- */

static void *module;
static MSPROVIDERINIT *init_fn;
static char dir[PATH_MAX];
static char path[PATH_MAX + 32];

static MSFIX_UNUSED void setup(void)
{
    char so[PATH_MAX];
    cr_assert_not_null(realpath("build/mapirt/providers/msgstore.so", so), "ninja first");
    module = dlopen(so, RTLD_NOW | RTLD_LOCAL);
    cr_assert_not_null(module, "%s", dlerror());
    init_fn = (MSPROVIDERINIT *)dlsym(module, "MSProviderInit");
    cr_assert_not_null(init_fn);
    snprintf(dir, sizeof dir, "/tmp/msgstore-test-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/sub/store.db", dir);
}

static MSFIX_UNUSED void teardown(void)
{
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

typedef struct logon {
    LPMSPROVIDER prov;
    struct fakesup *sup;
    LPMSLOGON mslogon;
    LPMDB mdb;
} logon;

static MSFIX_UNUSED HRESULT do_logon(logon *l, const char *p, ULONG cbeid, LPENTRYID eid)
{
    ULONG ver = 0, cbsec = 7;
    LPBYTE sec = (LPBYTE)1;
    LPMAPIERROR err = NULL;
    memset(l, 0, sizeof *l);
    cr_assert_eq(init_fn(NULL, MAPIGetDefaultMalloc(), MAPIAllocateBuffer, MAPIAllocateMore,
                         MAPIFreeBuffer, 0, CURRENT_SPI_VERSION, &ver, &l->prov), S_OK);
    cr_expect_eq(ver, CURRENT_SPI_VERSION);
    l->sup = new_support(p);
    HRESULT hr = l->prov->lpVtbl->Logon(l->prov, fakesup_as_IMAPISupport(l->sup), 0, NULL, cbeid,
                                        eid, 0, NULL, &cbsec, &sec, &err, &l->mslogon, &l->mdb);
    if (FAILED(hr)) {
        cr_expect_not_null(err, "a failed logon explains itself");
        if (err) {
            cr_log_info("logon: %s", (char *)err->lpszError);
            MAPIFreeBuffer(err);
        }
    } else {
        cr_expect_eq(cbsec, 0);
        cr_expect_null(sec);
    }
    return hr;
}

static MSFIX_UNUSED void logoff(logon *l)
{
    ULONG f = 0;
    if (l->mslogon) {
        cr_expect_eq(l->mslogon->lpVtbl->Logoff(l->mslogon, &f), S_OK);
        l->mslogon->lpVtbl->Release(l->mslogon);
    }
    if (l->mdb)
        l->mdb->lpVtbl->Release(l->mdb);
    f = 0;
    cr_expect_eq(l->prov->lpVtbl->Shutdown(l->prov, &f), S_OK);
    l->prov->lpVtbl->Release(l->prov);
    fakesup_release(l->sup);
}

static MSFIX_UNUSED LPSPropValue prop(LPMAPIPROP obj, ULONG tag)
{
    LPSPropValue v = NULL;
    HRESULT hr = HrGetOneProp(obj, tag, &v);
    cr_assert_eq(hr, S_OK, "property 0x%08X: 0x%08X", tag, (unsigned)hr);
    return v;
}

static MSFIX_UNUSED LPMAPIFOLDER open_folder(LPMDB mdb, ULONG tag)
{
    LPSPropValue eid = prop((LPMAPIPROP)mdb, tag);
    ULONG type = 0;
    LPUNKNOWN u = NULL;
    cr_assert_eq(mdb->lpVtbl->OpenEntry(mdb, eid->Value.bin.cb, (LPENTRYID)eid->Value.bin.lpb,
                                        NULL, MAPI_MODIFY, &type, &u), S_OK);
    cr_expect_eq(type, MAPI_FOLDER);
    MAPIFreeBuffer(eid);
    return (LPMAPIFOLDER)u;
}

static MSFIX_UNUSED LPMAPIFOLDER open_inbox(LPMDB mdb)
{
    ULONG cb = 0;
    LPENTRYID eid = NULL;
    ULONG type = 0;
    LPUNKNOWN u = NULL;
    cr_assert_eq(mdb->lpVtbl->GetReceiveFolder(mdb, (LPTSTR) "IPM.Note", 0, &cb, &eid, NULL),
                 S_OK);
    cr_assert_eq(mdb->lpVtbl->OpenEntry(mdb, cb, eid, NULL, MAPI_MODIFY, &type, &u), S_OK);
    MAPIFreeBuffer(eid);
    return (LPMAPIFOLDER)u;
}

static MSFIX_UNUSED ULONG row_count(LPMAPICONTAINER c, ULONG flags, int hierarchy)
{
    LPMAPITABLE t = NULL;
    ULONG n = 0;
    HRESULT hr = hierarchy ? c->lpVtbl->GetHierarchyTable(c, flags, &t)
                           : c->lpVtbl->GetContentsTable(c, flags, &t);
    cr_assert_eq(hr, S_OK);
    cr_assert_eq(t->lpVtbl->GetRowCount(t, 0, &n), S_OK);
    t->lpVtbl->Release(t);
    return n;
}

static MSFIX_UNUSED LPMESSAGE new_message(LPMAPIFOLDER f, const char *subject)
{
    LPMESSAGE m = NULL;
    cr_assert_eq(f->lpVtbl->CreateMessage(f, NULL, 0, &m), S_OK);
    SPropValue v[2];
    memset(v, 0, sizeof v);
    v[0].ulPropTag = PR_SUBJECT_A;
    v[0].Value.lpszA = (LPSTR)subject;
    v[1].ulPropTag = PR_MESSAGE_CLASS_A;
    v[1].Value.lpszA = "IPM.Note";
    cr_assert_eq(m->lpVtbl->SetProps(m, 2, v, NULL), S_OK);
    return m;
}

#endif
