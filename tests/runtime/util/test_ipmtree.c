/* test_ipmtree.c: HrValidateIPMSubtree against a store written the way a provider writes one
 * (only the methods it calls): the minimum and the full folder sets, nothing recreated when
 * valid, a vanished folder recreated with MAPI_FORCE_CREATE, bad arguments, out-of-memory. */
#include <mapiutil.h>
#include <mapicode.h>

#include <criterion/criterion.h>
#include <string.h>

#include <mapirt/object.h>
#include <mapirt/testhooks.h>

#include "oom.h"

#define MAXF 16

struct folder {
    IMAPIFolder iface;
    int id, parent, gone;
    char name[32];
};

static struct folder folders[MAXF];
static int nfolders, creates;
static IMsgStore store;
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

static HRESULT f_CreateFolder(IMAPIFolder *This, ULONG type, LPTSTR name, LPTSTR comment,
                              LPCIID iid, ULONG flags, LPMAPIFOLDER *out)
{
    (void)type, (void)comment, (void)iid;
    struct folder *p = (struct folder *)This;
    for (int i = 0; i < nfolders; i++)
        if (!folders[i].gone && folders[i].parent == p->id && strcmp(folders[i].name, name) == 0) {
            if (!(flags & OPEN_IF_EXISTS))
                return MAPI_E_COLLISION;
            *out = &folders[i].iface;
            return S_OK;
        }
    cr_assert_lt(nfolders, MAXF);
    struct folder *f = &folders[nfolders];
    f->id = nfolders++;
    f->parent = p->id;
    strcpy(f->name, name);
    f->iface.lpVtbl = folders[0].iface.lpVtbl;
    creates++;
    *out = &f->iface;
    return S_OK;
}

static HRESULT f_GetProps(IMAPIFolder *This, LPSPropTagArray tags, ULONG flags, ULONG *pc,
                          LPSPropValue *pv)
{
    (void)flags;
    cr_assert_eq(tags->aulPropTag[0], PR_ENTRYID);
    LPSPropValue v;
    HRESULT hr = MAPIAllocateBuffer(sizeof(SPropValue), (LPVOID *)&v);
    if (FAILED(hr))
        return hr;
    hr = bin_prop(PR_ENTRYID, eid_of(((struct folder *)This)->id), v, v);
    if (FAILED(hr)) {
        MAPIFreeBuffer(v);
        return hr;
    }
    *pc = 1;
    *pv = v;
    return S_OK;
}

MAPIRT_DEFINE_VTBL(IMAPIFolder, folder_vtbl, .CreateFolder = f_CreateFolder,
                   .GetProps = f_GetProps);

static HRESULT s_GetProps(IMsgStore *This, LPSPropTagArray tags, ULONG flags, ULONG *pc,
                          LPSPropValue *pv)
{
    (void)This, (void)flags;
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

static HRESULT s_SetProps(IMsgStore *This, ULONG c, LPSPropValue v, LPSPropProblemArray *pp)
{
    (void)This;
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

static HRESULT s_OpenEntry(IMsgStore *This, ULONG cb, LPENTRYID eid, LPCIID iid, ULONG flags,
                           ULONG *type, LPUNKNOWN *out)
{
    (void)This, (void)iid, (void)flags;
    int id = cb == 0 ? 0 : id_of(cb, (const BYTE *)eid);
    if (id < 0)
        return MAPI_E_NOT_FOUND;
    *type = MAPI_FOLDER;
    *out = (LPUNKNOWN)&folders[id].iface;
    return S_OK;
}

static HRESULT s_GetReceiveFolder(IMsgStore *This, LPTSTR cls, ULONG flags, ULONG *pcb,
                                  LPENTRYID *peid, LPTSTR *explicit_cls)
{
    (void)This, (void)cls, (void)flags, (void)explicit_cls;
    if (inbox_eid.cb == 0)
        return MAPI_E_NOT_FOUND;
    HRESULT hr = MAPIAllocateBuffer(inbox_eid.cb, (LPVOID *)peid);
    if (FAILED(hr))
        return hr;
    memcpy(*peid, inbox_eid.lpb, inbox_eid.cb);
    *pcb = inbox_eid.cb;
    return S_OK;
}

static HRESULT s_SetReceiveFolder(IMsgStore *This, LPTSTR cls, ULONG flags, ULONG cb,
                                  LPENTRYID eid)
{
    (void)This, (void)flags;
    cr_assert_str_eq(cls, "IPM");
    SBinary b = {cb, (LPBYTE)eid};
    inbox_eid = keep(b);
    return S_OK;
}

MAPIRT_DEFINE_VTBL(IMsgStore, store_vtbl, .GetProps = s_GetProps, .SetProps = s_SetProps,
                   .OpenEntry = s_OpenEntry, .GetReceiveFolder = s_GetReceiveFolder,
                   .SetReceiveFolder = s_SetReceiveFolder);

static void empty_store(void)
{
    memset(folders, 0, sizeof(folders));
    nfolders = 1; /* the root */
    folders[0].iface.lpVtbl = MAPIRT_VTBL(folder_vtbl);
    creates = 0;
    store_mask = -1;
    nstore_eids = 0;
    inbox_eid.cb = 0;
    store.lpVtbl = MAPIRT_VTBL(store_vtbl);
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
    cr_assert_eq(HrValidateIPMSubtree(&store, 0, &c, &v, NULL), S_OK);
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
    cr_assert_eq(HrValidateIPMSubtree(&store, MAPI_FULL_IPM_TREE, &c, &v, &err), S_OK);
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

    cr_assert_eq(HrValidateIPMSubtree(&store, MAPI_FULL_IPM_TREE, NULL, NULL, NULL), S_OK);
    cr_assert_eq(creates, 8);
    MAPIRT_LEAK_CHECK();
}

Test(ipmtree, force_create_replaces_a_vanished_folder)
{
    empty_store();
    cr_assert_eq(HrValidateIPMSubtree(&store, MAPI_FULL_IPM_TREE, NULL, NULL, NULL), S_OK);
    int ipm = find("IPM Subtree", 0);
    folders[find("Deleted Items", ipm)].gone = 1;
    /* Without MAPI_FORCE_CREATE the store's mask is trusted. */
    cr_assert_eq(HrValidateIPMSubtree(&store, MAPI_FULL_IPM_TREE, NULL, NULL, NULL), S_OK);
    cr_assert_eq(find("Deleted Items", ipm), -1);
    cr_assert_eq(HrValidateIPMSubtree(&store, MAPI_FULL_IPM_TREE | MAPI_FORCE_CREATE, NULL, NULL,
                                      NULL), S_OK);
    cr_assert_geq(find("Deleted Items", ipm), 1);
    cr_assert_eq(creates, 9);
    MAPIRT_LEAK_CHECK();
}

Test(ipmtree, bad_arguments)
{
    empty_store();
    ULONG c;
    LPSPropValue v;
    cr_assert_eq(HrValidateIPMSubtree(NULL, 0, &c, &v, NULL), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(HrValidateIPMSubtree(&store, 0x100, &c, &v, NULL), MAPI_E_UNKNOWN_FLAGS);
    cr_assert_eq(HrValidateIPMSubtree(&store, 0, NULL, &v, NULL), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(creates, 0);
}

Test(ipmtree, out_of_memory)
{
    unsigned long oom_points = 0;
    ULONG c;
    LPSPropValue v = NULL;
    HRESULT hr;
    OOM_LOOP(hr, (empty_store(), hr = HrValidateIPMSubtree(&store, MAPI_FULL_IPM_TREE, &c, &v,
                                                           NULL)),
             MAPIFreeBuffer(v));
    cr_assert_gt(oom_points, 5);
    MAPIRT_LEAK_CHECK();
}
