/* test_entryid.c: entry IDs as strings, compound entry IDs and message IDs through a session's
 * message store table, WrapStoreEntryID's layout, conversation indexes and CIFS path mapping. */
#include <mapiutil.h>
#include <mapicode.h>

#include <criterion/criterion.h>
#include <string.h>

#include <mapirt/testhooks.h>

#include "oom.h"
#include "util/util_internal.h"

static const BYTE store_eid[] = {0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 'S'};
static const BYTE store_key[] = {0xAA, 0xBB, 0xCC};
static const BYTE store_search[] = {0x51, 0x52};
static const BYTE msg_eid[] = {0, 0, 0, 0, 9, 9, 9, 9, 'M', 'S', 'G'};

/* A session whose only method is GetMsgStoresTable: one store row. */
static LPTABLEDATA stores;

struct storesession {
    int unused;
};

#include "storesession_object.h"

static void storesession_destroy(struct storesession *self)
{
    (void)self;
}

static HRESULT storesession_GetMsgStoresTable(struct storesession *self, ULONG ulFlags,
                                              LPMAPITABLE *lppTable)
{
    (void)self;
    (void)ulFlags;
    return stores->lpVtbl->HrGetView(stores, NULL, NULL, 0, lppTable);
}

/* The session; the caller releases it (and `stores`). */
static IMAPISession *fake_session(void)
{
    SizedSPropTagArray(4, cols) = {4, {PR_ROWID, PR_ENTRYID, PR_RECORD_KEY, PR_SEARCH_KEY}};
    cr_assert_eq(CreateTable(&IID_IMAPITableData, MAPIAllocateBuffer, MAPIAllocateMore,
                             MAPIFreeBuffer, NULL, TBLTYPE_DYNAMIC, PR_ROWID,
                             (LPSPropTagArray)&cols, &stores), S_OK);
    SPropValue p[4];
    memset(p, 0, sizeof(p));
    p[0].ulPropTag = PR_ROWID;
    p[1].ulPropTag = PR_ENTRYID;
    p[1].Value.bin.cb = sizeof(store_eid);
    p[1].Value.bin.lpb = (LPBYTE)store_eid;
    p[2].ulPropTag = PR_RECORD_KEY;
    p[2].Value.bin.cb = sizeof(store_key);
    p[2].Value.bin.lpb = (LPBYTE)store_key;
    p[3].ulPropTag = PR_SEARCH_KEY;
    p[3].Value.bin.cb = sizeof(store_search);
    p[3].Value.bin.lpb = (LPBYTE)store_search;
    SRow row = {0, 4, p};
    cr_assert_eq(stores->lpVtbl->HrModifyRow(stores, &row), S_OK);
    struct storesession *ss = storesession_new();
    cr_assert_not_null(ss);
    return storesession_as_IMAPISession(ss);
}

Test(entryid, string_form_round_trips)
{
    LPTSTR sz;
    cr_assert_eq(HrSzFromEntryID(sizeof(msg_eid), (LPENTRYID)msg_eid, &sz), S_OK);
    cr_assert_str_eq(sz, "00000000090909094D5347");
    ULONG cb;
    LPENTRYID eid;
    cr_assert_eq(HrEntryIDFromSz(sz, &cb, &eid), S_OK);
    cr_assert_eq(cb, sizeof(msg_eid));
    cr_assert_arr_eq(eid, msg_eid, cb);
    MAPIFreeBuffer(eid);
    MAPIFreeBuffer(sz);
    cr_assert_eq(HrEntryIDFromSz("0G", &cb, &eid), MAPI_E_INVALID_ENTRYID);
    cr_assert_eq(HrEntryIDFromSz("000", &cb, &eid), MAPI_E_INVALID_ENTRYID);
    cr_assert_eq(HrEntryIDFromSz(NULL, &cb, &eid), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(HrSzFromEntryID(4, NULL, &sz), MAPI_E_INVALID_PARAMETER);
    MAPIRT_LEAK_CHECK();
}

Test(entryid, compose_and_decompose)
{
    IMAPISession *s = fake_session();
    ULONG cb, cbS, cbM;
    LPENTRYID eid, se, me;
    cr_assert_eq(HrComposeEID(s, sizeof(store_key), (LPBYTE)store_key, sizeof(msg_eid),
                              (LPENTRYID)msg_eid, &cb, &eid), S_OK);
    cr_assert_eq(HrDecomposeEID(s, cb, eid, &cbS, &se, &cbM, &me), S_OK);
    cr_assert_eq(cbS, sizeof(store_eid));
    cr_assert_arr_eq(se, store_eid, cbS);
    cr_assert_eq(cbM, sizeof(msg_eid));
    cr_assert_arr_eq(me, msg_eid, cbM);
    MAPIFreeBuffer(se);
    MAPIFreeBuffer(me);
    MAPIFreeBuffer(eid);
    /* A plain entry ID decomposes to itself and no store. */
    cr_assert_eq(HrDecomposeEID(s, sizeof(msg_eid), (LPENTRYID)msg_eid, &cbS, &se, &cbM, &me),
                 S_OK);
    cr_assert_eq(cbS, 0);
    cr_assert_null(se);
    cr_assert_arr_eq(me, msg_eid, cbM);
    MAPIFreeBuffer(me);
    /* An unknown store key: MAPI_E_NOT_FOUND. */
    BYTE other[] = {1};
    cr_assert_eq(HrComposeEID(s, 1, other, sizeof(msg_eid), (LPENTRYID)msg_eid, &cb, &eid), S_OK);
    cr_assert_eq(HrDecomposeEID(s, cb, eid, &cbS, &se, &cbM, &me), MAPI_E_NOT_FOUND);
    MAPIFreeBuffer(eid);
    /* Without a store key the message's own entry ID comes back. */
    cr_assert_eq(HrComposeEID(s, 0, NULL, sizeof(msg_eid), (LPENTRYID)msg_eid, &cb, &eid), S_OK);
    cr_assert_arr_eq(eid, msg_eid, sizeof(msg_eid));
    MAPIFreeBuffer(eid);
    cr_assert_eq(HrComposeEID(s, 1, other, 4, NULL, &cb, &eid), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(HrDecomposeEID(s, 4, NULL, &cbS, &se, &cbM, &me), MAPI_E_INVALID_PARAMETER);
    s->lpVtbl->Release(s);
    stores->lpVtbl->Release(stores);
    MAPIRT_LEAK_CHECK();
}

Test(entryid, message_ids_use_the_search_key)
{
    IMAPISession *s = fake_session();
    LPTSTR id;
    cr_assert_eq(HrComposeMsgID(s, sizeof(store_search), (LPBYTE)store_search, sizeof(msg_eid),
                                (LPENTRYID)msg_eid, &id), S_OK);
    ULONG cbS, cbM;
    LPENTRYID se, me;
    cr_assert_eq(HrDecomposeMsgID(s, id, &cbS, &se, &cbM, &me), S_OK);
    cr_assert_arr_eq(se, store_eid, sizeof(store_eid));
    cr_assert_arr_eq(me, msg_eid, sizeof(msg_eid));
    MAPIFreeBuffer(se);
    MAPIFreeBuffer(me);
    MAPIFreeBuffer(id);
    cr_assert_eq(HrDecomposeMsgID(s, "XYZ", &cbS, &se, &cbM, &me), MAPI_E_INVALID_ENTRYID);
    s->lpVtbl->Release(s);
    stores->lpVtbl->Release(stores);
    MAPIRT_LEAK_CHECK();
}

Test(entryid, compound_out_of_memory)
{
    IMAPISession *s = fake_session();
    unsigned long oom_points = 0;
    ULONG cb, cbS, cbM;
    LPENTRYID eid, se, me;
    cr_assert_eq(HrComposeEID(s, sizeof(store_key), (LPBYTE)store_key, sizeof(msg_eid),
                              (LPENTRYID)msg_eid, &cb, &eid), S_OK);
    HRESULT hr;
    OOM_LOOP(hr, hr = HrDecomposeEID(s, cb, eid, &cbS, &se, &cbM, &me),
             (MAPIFreeBuffer(se), MAPIFreeBuffer(me)));
    cr_assert_gt(oom_points, 2);
    MAPIFreeBuffer(eid);
    s->lpVtbl->Release(s);
    stores->lpVtbl->Release(stores);
    MAPIRT_LEAK_CHECK();
}

Test(entryid, wrapped_store_entry_id_layout)
{
    ULONG cb;
    LPENTRYID w;
    cr_assert_eq(WrapStoreEntryID(0, "emsmdb.dll", sizeof(store_eid), (LPENTRYID)store_eid, &cb,
                                  &w), S_OK);
    /* [MS-OXCDATA] 2.2.4.3: flags, the wrap UID, version 0, flag 0, the DLL name padded to
     * 14 bytes, then the wrapped ID at offset 36. */
    static const BYTE head[] = {0, 0, 0, 0, 0x38, 0xA1, 0xBB, 0x10, 0x05, 0xE5, 0x10, 0x1A,
                                0xA1, 0xBB, 0x08, 0x00, 0x2B, 0x2A, 0x56, 0xC2, 0, 0,
                                'e', 'm', 's', 'm', 'd', 'b', '.', 'd', 'l', 'l', 0, 0, 0, 0};
    cr_assert_eq(cb, sizeof(head) + sizeof(store_eid));
    cr_assert_arr_eq(w, head, sizeof(head));
    cr_assert_arr_eq((BYTE *)w + 36, store_eid, sizeof(store_eid));
    MAPIFreeBuffer(w);
    cr_assert_eq(WrapStoreEntryID(MAPI_UNICODE, (LPTSTR)u"mspst.dll", 4, (LPENTRYID)store_eid,
                                  &cb, &w), S_OK);
    cr_assert_eq(cb, 32 + 4, "22 + \"mspst.dll\" and its terminator is 32, already aligned");
    cr_assert_str_eq((char *)w + 22, "mspst.dll");
    MAPIFreeBuffer(w);
    cr_assert_eq(WrapStoreEntryID(0x1, "x", 4, (LPENTRYID)store_eid, &cb, &w), MAPI_E_UNKNOWN_FLAGS);
    cr_assert_eq(WrapStoreEntryID(0, NULL, 4, (LPENTRYID)store_eid, &cb, &w),
                 MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(WrapStoreEntryID(0, "x", 0, (LPENTRYID)store_eid, &cb, &w),
                 MAPI_E_INVALID_PARAMETER);
    MAPIRT_LEAK_CHECK();
}

Test(convindex, header_then_response_blocks)
{
    ULONG cb, cb2;
    LPBYTE idx, reply;
    cr_assert_eq(ScCreateConversationIndex(0, NULL, &cb, &idx), S_OK);
    cr_assert_eq(cb, 22);
    cr_assert_eq(idx[0], 0x01);
    cr_assert_eq(idx[6 + 6] >> 4, 4, "a random (version 4) GUID");
    cr_assert_eq(ScCreateConversationIndex(cb, idx, &cb2, &reply), S_OK);
    cr_assert_eq(cb2, 27);
    cr_assert_arr_eq(reply, idx, 22);
    cr_assert_eq(reply[22] & 0x80, 0, "a reply within a second: the short time form");
    cr_assert_eq(reply[26] & 0x0F, 0, "first response: sequence 0");
    LPBYTE third;
    ULONG cb3;
    cr_assert_eq(ScCreateConversationIndex(cb2, reply, &cb3, &third), S_OK);
    cr_assert_eq(cb3, 32);
    cr_assert_eq(third[31] & 0x0F, 1);
    /* Two new conversations differ. */
    LPBYTE other;
    cr_assert_eq(ScCreateConversationIndex(0, NULL, &cb, &other), S_OK);
    cr_assert_neq(memcmp(other + 6, idx + 6, 16), 0);
    MAPIFreeBuffer(other);
    cr_assert_eq(ScCreateConversationIndex(21, idx, &cb, &other), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(ScCreateConversationIndex(23, idx, &cb, &other), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(ScCreateConversationIndex(22, NULL, &cb, &other), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(ScCreateConversationIndex(0, NULL, NULL, &other), MAPI_E_INVALID_PARAMETER);
    mapirt_test_fail_alloc(1);
    cr_assert_eq(ScCreateConversationIndex(0, NULL, &cb, &other), MAPI_E_NOT_ENOUGH_MEMORY);
    mapirt_test_fail_alloc(0);
    MAPIFreeBuffer(idx);
    MAPIFreeBuffer(reply);
    MAPIFreeBuffer(third);
    MAPIRT_LEAK_CHECK();
}

static const char mounts[] =
    "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
    "40 22 0:50 / /mnt/share rw,relatime shared:20 - cifs //FILESRV/Public rw,vers=3.0\n"
    "41 22 0:51 /team/docs /home/me/team\\040docs rw - smb3 //nas/data rw\n";

Test(uncpath, local_paths_on_shares_have_unc_names)
{
    char out[128];
    cr_assert_eq(mapirt_unc_from_local(mounts, "/mnt/share/dir/a.pst", out, sizeof(out)), S_OK);
    cr_assert_str_eq(out, "\\\\FILESRV\\Public\\dir\\a.pst");
    cr_assert_eq(mapirt_unc_from_local(mounts, "/home/me/team docs/x", out, sizeof(out)), S_OK);
    cr_assert_str_eq(out, "\\\\nas\\data\\team\\docs\\x");
    cr_assert_eq(mapirt_unc_from_local(mounts, "/mnt/shared/x", out, sizeof(out)), S_OK);
    cr_assert_str_eq(out, "/mnt/shared/x", "not under the mount point: unchanged");
    cr_assert_eq(mapirt_unc_from_local(mounts, "/mnt/share/dir/a.pst", out, 10), MAPI_E_TOO_BIG);
    cr_assert_eq(mapirt_unc_from_local(mounts, NULL, out, 10), MAPI_E_INVALID_PARAMETER);
}

Test(uncpath, unc_names_map_to_their_mount)
{
    char out[128];
    cr_assert_eq(mapirt_local_from_unc(mounts, "\\\\filesrv\\public\\dir\\a.pst", out, sizeof(out)), S_OK);
    cr_assert_str_eq(out, "/mnt/share/dir/a.pst");
    cr_assert_eq(mapirt_local_from_unc(mounts, "//nas/data/team/docs/x", out, sizeof(out)), S_OK);
    cr_assert_str_eq(out, "/home/me/team docs/x");
    cr_assert_eq(mapirt_local_from_unc(mounts, "\\\\nas\\data\\other", out, sizeof(out)),
                 MAPI_E_NOT_FOUND, "the share is mounted, but not that directory");
    cr_assert_eq(mapirt_local_from_unc(mounts, "\\\\x\\y\\z", out, sizeof(out)), MAPI_E_NOT_FOUND);
    cr_assert_eq(mapirt_local_from_unc(mounts, "\\\\server", out, sizeof(out)),
                 MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(mapirt_local_from_unc(mounts, "/tmp/a", out, sizeof(out)), S_OK);
    cr_assert_str_eq(out, "/tmp/a");
    cr_assert_eq(mapirt_local_from_unc(mounts, "\\\\filesrv\\public\\dir\\a.pst", out, 5), MAPI_E_TOO_BIG);
    /* The exported functions read this process's mounts. */
    cr_assert_eq(ScUNCFromLocalPath("/tmp", out, sizeof(out)), S_OK);
    cr_assert_str_eq(out, "/tmp");
}
