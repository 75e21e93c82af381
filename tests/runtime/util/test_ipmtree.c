/* test_ipmtree.c: HrValidateIPMSubtree against a store written the way a provider writes one
 * (only the methods it calls): the minimum and the full folder sets, nothing recreated when
 * valid, a vanished folder recreated with MAPI_FORCE_CREATE, bad arguments, out-of-memory; every
 * folder reference it takes is given back. */
#include <mapiutil.h>
#include <mapicode.h>

#include <criterion/criterion.h>
#include <string.h>

#include <mapirt/testhooks.h>

#include "oom.h"

#define MAXF 16

/* The store's folders: folder i is the object folders[i].obj (the store holds one reference). */
struct folder {
    struct tfolder *obj;
    int parent, gone;
    char name[32];
};

struct tfolder {
    int id;
};

struct tstore {
    int unused;
};

#include "tfolder_object.h"
#include "tstore_object.h"

static struct folder folders[MAXF];
static int nfolders, creates;
static IMsgStore *store;
static LONG store_mask;
static SBinary store_eids[8];
static ULONG store_eid_tags[8];
static int nstore_eids;
static SBinary inbox_eid;
static BYTE eid_bytes[MAXF][6];

static SBinary eid_of(int id)
{
    BYTE *b = eid_bytes[id];
    memset(b, 0, 4);
    b[4] = 'F';
    b[5] = (BYTE)id;
    SBinary s = {6, b};
    return s;
}

static int id_of(ULONG cb, const BYTE *p)
{
    if (cb != 6 || p[4] != 'F' || p[5] >= nfolders || folders[p[5]].gone)
        return -1;
    return p[5];
}

static HRESULT bin_prop(ULONG tag, SBinary b, LPSPropValue v, void *parent)
{
    v->ulPropTag = tag;
    v->Value.bin.cb = b.cb;
    HRESULT hr = MAPIAllocateMore(b.cb, parent, (LPVOID *)&v->Value.bin.lpb);
    if (SUCCEEDED(hr))
        memcpy(v->Value.bin.lpb, b.lpb, b.cb);
    return hr;
}

static void tfolder_destroy(struct tfolder *self)
{
    (void)self;
}

static void tstore_destroy(struct tstore *self)
{
    (void)self;
}

/* A new folder (the store's reference), or NULL without memory. */
static struct folder *add_folder(int parent, const char *name)
{
    cr_assert_lt(nfolders, MAXF);
    struct tfolder *obj = tfolder_new();
    if (obj == NULL)
        return NULL;
    struct folder *f = &folders[nfolders];
    memset(f, 0, sizeof(*f));
    obj->id = nfolders++;
    f->obj = obj;
    f->parent = parent;
    strcpy(f->name, name);
    return f;
}

static HRESULT tfolder_CreateFolder(struct tfolder *self, ULONG type, LPTSTR name,
                                    LPTSTR comment, LPCIID iid, ULONG flags, LPMAPIFOLDER *out)
{
    (void)type, (void)comment, (void)iid;
    for (int i = 0; i < nfolders; i++)
        if (!folders[i].gone && folders[i].parent == self->id &&
            strcmp(folders[i].name, name) == 0) {
            if (!(flags & OPEN_IF_EXISTS))
                return MAPI_E_COLLISION;
            tfolder_addref(folders[i].obj);
            *out = tfolder_as_IMAPIFolder(folders[i].obj);
            return S_OK;
        }
    struct folder *f = add_folder(self->id, name);
    if (f == NULL)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    creates++;
    tfolder_addref(f->obj);
    *out = tfolder_as_IMAPIFolder(f->obj);
    return S_OK;
}

static HRESULT tfolder_GetProps(struct tfolder *self, LPSPropTagArray tags, ULONG flags,
                                ULONG *pc, LPSPropValue *pv)
{
    (void)flags;
    cr_assert_eq(tags->aulPropTag[0], PR_ENTRYID);
    LPSPropValue v;
    HRESULT hr = MAPIAllocateBuffer(sizeof(SPropValue), (LPVOID *)&v);
    if (FAILED(hr))
        return hr;
    hr = bin_prop(PR_ENTRYID, eid_of(self->id), v, v);
    if (FAILED(hr)) {
        MAPIFreeBuffer(v);
        return hr;
    }
    *pc = 1;
    *pv = v;
    return S_OK;
}

static HRESULT tstore_GetProps(struct tstore *self, LPSPropTagArray tags, ULONG flags, ULONG *pc,
                          LPSPropValue *pv)
{
    (void)self, (void)flags;
    LPSPropValue v;
    HRESULT hr = MAPIAllocateBuffer(tags->cValues * sizeof(SPropValue), (LPVOID *)&v);
    if (FAILED(hr))
        return hr;
    for (ULONG i = 0; i < tags->cValues; i++) {
        ULONG t = tags->aulPropTag[i];
        v[i].ulPropTag = CHANGE_PROP_TYPE(t, PT_ERROR);
        v[i].Value.err = MAPI_E_NOT_FOUND;
        if (t == PR_VALID_FOLDER_MASK && store_mask >= 0) {
            v[i].ulPropTag = t;
            v[i].Value.l = store_mask;
        }
        for (int k = 0; k < nstore_eids; k++)
            if (store_eid_tags[k] == t && (hr = bin_prop(t, store_eids[k], &v[i], v)) != S_OK) {
                MAPIFreeBuffer(v);
                return hr;
            }
    }
    *pc = tags->cValues;
    *pv = v;
    return MAPI_W_ERRORS_RETURNED;
}

static SBinary keep(SBinary b)
{
    static BYTE pool[64][6];
    static int used;
    BYTE *p = pool[used++ % 64];
    memcpy(p, b.lpb, b.cb);
    SBinary s = {b.cb, p};
    return s;
}

static HRESULT tstore_SetProps(struct tstore *self, ULONG c, LPSPropValue v, LPSPropProblemArray *pp)
{
    (void)self;
    if (pp)
        *pp = NULL;
    for (ULONG i = 0; i < c; i++) {
        if (v[i].ulPropTag == PR_VALID_FOLDER_MASK) {
            store_mask = v[i].Value.l;
            continue;
        }
        cr_assert_eq(PROP_TYPE(v[i].ulPropTag), PT_BINARY);
        cr_assert_neq(PROP_ID(v[i].ulPropTag), PROP_ID_NULL, "the Inbox is not a property");
        int k = 0;
        while (k < nstore_eids && store_eid_tags[k] != v[i].ulPropTag)
            k++;
        store_eid_tags[k] = v[i].ulPropTag;
        store_eids[k] = keep(v[i].Value.bin);
        if (k == nstore_eids)
            nstore_eids++;
    }
    return S_OK;
}

static HRESULT tstore_OpenEntry(struct tstore *self, ULONG cb, LPENTRYID eid, LPCIID iid, ULONG flags,
                           ULONG *type, LPUNKNOWN *out)
{
    (void)self, (void)iid, (void)flags;
    int id = cb == 0 ? 0 : id_of(cb, (const BYTE *)eid);
    if (id < 0)
        return MAPI_E_NOT_FOUND;
    *type = MAPI_FOLDER;
    tfolder_addref(folders[id].obj);
    *out = (LPUNKNOWN)tfolder_as_IMAPIFolder(folders[id].obj);
    return S_OK;
}

static HRESULT tstore_GetReceiveFolder(struct tstore *self, LPTSTR cls, ULONG flags, ULONG *pcb,
                                  LPENTRYID *peid, LPTSTR *explicit_cls)
{
    (void)self, (void)cls, (void)flags, (void)explicit_cls;
    if (inbox_eid.cb == 0)
        return MAPI_E_NOT_FOUND;
    HRESULT hr = MAPIAllocateBuffer(inbox_eid.cb, (LPVOID *)peid);
    if (FAILED(hr))
        return hr;
    memcpy(*peid, inbox_eid.lpb, inbox_eid.cb);
    *pcb = inbox_eid.cb;
    return S_OK;
}

static HRESULT tstore_SetReceiveFolder(struct tstore *self, LPTSTR cls, ULONG flags, ULONG cb,
                                  LPENTRYID eid)
{
    (void)self, (void)flags;
    cr_assert_str_eq(cls, "IPM");
    SBinary b = {cb, (LPBYTE)eid};
    inbox_eid = keep(b);
    return S_OK;
}

/* Gives back the previous test's store (every folder must hold only the store's reference
 * again: HrValidateIPMSubtree releases what it opens) and makes an empty one: the root folder. */
static void release_store(void)
{
    for (int i = 0; i < nfolders; i++) {
        cr_expect_eq(tfolder_refs(folders[i].obj), 1, "folder %d (%s) kept %lu references", i,
                     folders[i].name, (unsigned long)tfolder_refs(folders[i].obj) - 1);
        tfolder_release(folders[i].obj);
    }
    nfolders = 0;
    if (store != NULL)
        store->lpVtbl->Release(store);
    store = NULL;
}

static void empty_store(void)
{
    release_store();
    memset(folders, 0, sizeof(folders));
    cr_assert_not_null(add_folder(-1, "")); /* the root */
    creates = 0;
    store_mask = -1;
    nstore_eids = 0;
    inbox_eid.cb = 0;
    struct tstore *t = tstore_new();
    cr_assert_not_null(t);
    store = tstore_as_IMsgStore(t);
}

static int find(const char *name, int parent)
{
    for (int i = 0; i < nfolders; i++)
        if (!folders[i].gone && folders[i].parent == parent && strcmp(folders[i].name, name) == 0)
            return i;
    return -1;
}

Test(ipmtree, minimum_then_full_then_nothing)
{
    empty_store();
    ULONG c = 0;
    LPSPropValue v = NULL;
    cr_assert_eq(HrValidateIPMSubtree(store, 0, &c, &v, NULL), S_OK);
    int ipm = find("IPM Subtree", 0);
    cr_assert_geq(ipm, 1);
    cr_assert_geq(find("Search Root", 0), 1);
    cr_assert_geq(find("Deleted Items", ipm), 1);
    cr_assert_eq(creates, 3);
    cr_assert_eq(store_mask, FOLDER_IPM_SUBTREE_VALID | FOLDER_FINDER_VALID |
                                 FOLDER_IPM_WASTEBASKET_VALID);
    cr_assert_eq(c, 4);
    cr_assert_eq(v[0].ulPropTag, PR_VALID_FOLDER_MASK);
    cr_assert_not_null(PpropFindProp(v, c, PR_IPM_SUBTREE_ENTRYID));
    MAPIFreeBuffer(v);

    LPMAPIERROR err = (LPMAPIERROR)0x1;
    cr_assert_eq(HrValidateIPMSubtree(store, MAPI_FULL_IPM_TREE, &c, &v, &err), S_OK);
    cr_assert_null(err);
    cr_assert_eq(creates, 8, "the three valid folders are kept, five are new");
    cr_assert_geq(find("Inbox", ipm), 1);
    cr_assert_geq(find("Outbox", ipm), 1);
    cr_assert_geq(find("Sent Items", ipm), 1);
    cr_assert_geq(find("Folder Views", 0), 1);
    cr_assert_geq(find("Common Views", 0), 1);
    cr_assert_eq(store_mask, 0xFF);
    LPSPropValue inbox = PpropFindProp(v, c, PROP_TAG(PT_BINARY, PROP_ID_NULL));
    cr_assert_not_null(inbox, "the Inbox comes back under PROP_TAG(PT_BINARY, PROP_ID_NULL)");
    cr_assert_eq(id_of(inbox->Value.bin.cb, inbox->Value.bin.lpb), find("Inbox", ipm));
    cr_assert_eq(id_of(inbox_eid.cb, inbox_eid.lpb), find("Inbox", ipm), "receive folder set");
    MAPIFreeBuffer(v);

    cr_assert_eq(HrValidateIPMSubtree(store, MAPI_FULL_IPM_TREE, NULL, NULL, NULL), S_OK);
    cr_assert_eq(creates, 8);
    release_store();
    MAPIRT_LEAK_CHECK();
}

Test(ipmtree, force_create_replaces_a_vanished_folder)
{
    empty_store();
    cr_assert_eq(HrValidateIPMSubtree(store, MAPI_FULL_IPM_TREE, NULL, NULL, NULL), S_OK);
    int ipm = find("IPM Subtree", 0);
    folders[find("Deleted Items", ipm)].gone = 1;
    /* Without MAPI_FORCE_CREATE the store's mask is trusted. */
    cr_assert_eq(HrValidateIPMSubtree(store, MAPI_FULL_IPM_TREE, NULL, NULL, NULL), S_OK);
    cr_assert_eq(find("Deleted Items", ipm), -1);
    cr_assert_eq(HrValidateIPMSubtree(store, MAPI_FULL_IPM_TREE | MAPI_FORCE_CREATE, NULL, NULL,
                                      NULL), S_OK);
    cr_assert_geq(find("Deleted Items", ipm), 1);
    cr_assert_eq(creates, 9);
    release_store();
    MAPIRT_LEAK_CHECK();
}

Test(ipmtree, bad_arguments)
{
    empty_store();
    ULONG c;
    LPSPropValue v;
    cr_assert_eq(HrValidateIPMSubtree(NULL, 0, &c, &v, NULL), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(HrValidateIPMSubtree(store, 0x100, &c, &v, NULL), MAPI_E_UNKNOWN_FLAGS);
    cr_assert_eq(HrValidateIPMSubtree(store, 0, NULL, &v, NULL), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(creates, 0);
    release_store();
    MAPIRT_LEAK_CHECK();
}

Test(ipmtree, out_of_memory)
{
    /* Each run starts from an empty store built before the failure is armed; the store's own
     * allocations (a new folder object) fail too, as a provider's would. */
    unsigned long n;
    ULONG c;
    LPSPropValue v = NULL;
    for (n = 1;; n++) {
        empty_store();
        mapirt_test_fail_alloc(n);
        HRESULT hr = HrValidateIPMSubtree(store, MAPI_FULL_IPM_TREE, &c, &v, NULL);
        OOM_STEP(hr, n, MAPI_E_NOT_ENOUGH_MEMORY);
    }
    MAPIFreeBuffer(v);
    cr_assert_gt(n, 5);
    release_store();
    MAPIRT_LEAK_CHECK();
}
