/* test_outlook.c: <mapioutlook.h>'s Outlook-only entry points answer as the reference says they
 * answer outside Outlook and without an Exchange server, after checking their arguments; the
 * Offline State API's types have the reference's layout. */
#define USES_GUID_GlobalState
#define USES_IID_IMAPIOfflineMgr
#include <mapioutlook.h>
#include <mapicode.h>

#include <criterion/criterion.h>
#include <stddef.h>

#define UNTOUCHED ((void *)0x5a5a)

Test(outlook, offline_objects_exist_only_inside_outlook)
{
    IMAPIOfflineMgr *mgr = UNTOUCHED;
    cr_assert_eq(HrOpenOfflineObj(0, u"profile", &GUID_GlobalState, NULL, &mgr), MAPI_E_NOT_FOUND);
    cr_assert_null(mgr);
    mgr = UNTOUCHED;
    cr_assert_eq(HrOpenOfflineObj(1, u"profile", &GUID_GlobalState, NULL, &mgr),
                 MAPI_E_INVALID_PARAMETER, "ulReserved must be 0");
    cr_assert_eq(HrOpenOfflineObj(0, NULL, &GUID_GlobalState, NULL, &mgr),
                 MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(HrOpenOfflineObj(0, u"profile", &IID_IMAPIOfflineMgr, NULL, &mgr),
                 MAPI_E_INVALID_PARAMETER, "pGUID must be GUID_GlobalState");
    cr_assert_eq(HrOpenOfflineObj(0, u"profile", &GUID_GlobalState, &GUID_GlobalState, &mgr),
                 MAPI_E_INVALID_PARAMETER, "pReserved must be NULL");
    cr_assert_eq(HrOpenOfflineObj(0, u"profile", &GUID_GlobalState, NULL, NULL),
                 MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(mgr, UNTOUCHED);
    /* The documented GetProcAddress type matches the function. */
    HROPENOFFLINEOBJ *fn = HrOpenOfflineObj;
    cr_assert_eq(fn(0, u"p", &GUID_GlobalState, NULL, &mgr), MAPI_E_NOT_FOUND);

    MAPIOFFLINE_CREATEINFO info = {sizeof(info), 0, u"profile", MAPIOFFLINE_CAPABILITY_ONLINE,
                                   &GUID_GlobalState, NULL, NULL, NULL, NULL, NULL};
    mgr = UNTOUCHED;
    cr_assert_eq(HrCreateOfflineObj(0, &info, &mgr), MAPI_E_NO_SUPPORT);
    cr_assert_eq(HrCreateOfflineObj(1, &info, &mgr), MAPI_E_UNKNOWN_FLAGS);
    cr_assert_eq(HrCreateOfflineObj(0, NULL, &mgr), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(HrCreateOfflineObj(0, &info, NULL), MAPI_E_INVALID_PARAMETER);
    info.ulSize = 4;
    cr_assert_eq(HrCreateOfflineObj(0, &info, &mgr), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(mgr, UNTOUCHED);
}

Test(outlook, offline_state_api_layout)
{
    /* Slots as the reference orders them: IUnknown, then IMAPIOffline's four, then
     * IMAPIOfflineMgr's Advise, Unadvise and seven placeholders. */
    cr_assert_eq(offsetof(IMAPIOfflineVtbl, SetCurrentState), 3 * sizeof(void *));
    cr_assert_eq(offsetof(IMAPIOfflineVtbl, Placeholder1), 6 * sizeof(void *));
    cr_assert_eq(offsetof(IMAPIOfflineMgrVtbl, Advise), 7 * sizeof(void *));
    cr_assert_eq(sizeof(IMAPIOfflineMgrVtbl), 16 * sizeof(void *));
    cr_assert_eq(offsetof(IMAPIOfflineNotifyVtbl, Notify), 3 * sizeof(void *));
    cr_assert_eq(sizeof(MAPIOFFLINE_ADVISEINFO), 32);
    cr_assert_eq(offsetof(MAPIOFFLINE_NOTIFY, Info.StateChange.ulStateNew), 20);
    cr_assert_eq(sizeof(MAPIOFFLINE_CREATEINFO), 72);
    cr_assert_eq(GUID_GlobalState.Data1, 0xfbeffd93u);
    cr_assert_eq(IID_IMAPIOfflineMgr.Data1, 0x42175607u);
    cr_assert_eq(MAPIOFFLINE_STATE_ALL, 0x003f037f);
}

Test(outlook, cached_mode_is_off)
{
    BOOL policy = 7;
    cr_assert_eq(GetDefCachedMode(&policy), FALSE);
    cr_assert_eq(policy, FALSE);
    policy = 7;
    cr_assert_eq(GetDefCachedModeDownloadPubFoldFavs(&policy), FALSE);
    cr_assert_eq(policy, FALSE);
    cr_assert_eq(GetDefCachedMode(NULL), FALSE, "no error channel: NULL is not written");
}

Test(outlook, data_degradation_layer)
{
    int obj;
    LPVOID out = UNTOUCHED;
    ULONG reserved = 0;
    cr_assert_eq(HrCreateNewWrappedObject(&obj, 1, 2, NULL, NULL, TRUE, &out), MAPI_E_NO_SUPPORT);
    cr_assert_eq(HrCreateNewWrappedObject(NULL, 1, 2, NULL, NULL, TRUE, &out),
                 MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(HrCreateNewWrappedObject(&obj, 1, 2, NULL, &reserved, TRUE, &out),
                 MAPI_E_INVALID_PARAMETER, "pulReserved must be NULL");
    cr_assert_eq(HrCreateNewWrappedObject(&obj, 1, 2, NULL, NULL, TRUE, NULL),
                 MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(out, UNTOUCHED);
}

Test(outlook, autodiscovery_needs_an_exchange_server)
{
    IStream *xml = UNTOUCHED;
    cr_assert_eq(HrGetAutoDiscoverXML(u"user@example.com", NULL, NULL, 0, &xml),
                 MAPI_E_NOT_FOUND);
    cr_assert_null(xml, "NULL when auto-discovery fails");
    xml = UNTOUCHED;
    cr_assert_eq(HrGetAutoDiscoverXML(u"user@example.com", u"secret", NULL, 0, &xml),
                 MAPI_E_NOT_FOUND);
    static const WCHAR *const bad[] = {u"", u"user", u"@example.com", u"user@", u"a@b@c",
                                       u"us er@example.com"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        xml = UNTOUCHED;
        cr_assert_eq(HrGetAutoDiscoverXML(bad[i], NULL, NULL, 0, &xml), E_INVALIDARG, "%zu", i);
        cr_assert_null(xml);
    }
    cr_assert_eq(HrGetAutoDiscoverXML(NULL, NULL, NULL, 0, &xml), E_INVALIDARG);
    cr_assert_eq(HrGetAutoDiscoverXML(u"user@example.com", NULL, NULL, 0, NULL), E_INVALIDARG);
    cr_assert_eq(HrGetAutoDiscoverXML(u"user@example.com", NULL, NULL, 1, &xml),
                 MAPI_E_UNKNOWN_FLAGS, "ulFlags must be 0");
}

Test(outlook, crash_recovery_has_nothing_to_do)
{
    /* Any flags, in any order: the stores are already consistent on disk. */
    MAPICrashRecovery(0);
    MAPICrashRecovery(0xFFFFFFFFu);
}
