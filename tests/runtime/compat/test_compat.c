/* test_compat.c: the entry points mapirt does not support answer their documented code and
 * leave outputs alone; MapStorageSCode; GetTnefStreamCodepage over a TNEF stream; the OIDs
 * and pinstX; mapidbg.h's functions. */
#define USES_OID_TNEF
#define USES_OID_MIMETAG
#include <abhelp.h>
#include <imessage.h>
#include <mapi.h>
#include <mapidbg.h>
#include <mapiform.h>
#include <mapioid.h>
#include <mapiwin.h>
#include <mapiwz.h>
#include <tnef.h>

#include <criterion/criterion.h>
#include <string.h>

#include <mapirt/testhooks.h>

#include "memstream.h"
#include "oom.h"

#define UNTOUCHED ((void *)0x5a5a)

Test(compat, simple_mapi_is_not_supported_yet)
{
    LHANDLE h = 7;
    lpMapiMessage msg = UNTOUCHED;
    cr_assert_eq(MAPILogon(0, "p", NULL, MAPI_LOGON_UI, 0, &h), MAPI_E_NOT_SUPPORTED);
    cr_assert_eq(h, 7);
    cr_assert_eq(MAPILogoff(h, 0, 0, 0), MAPI_E_NOT_SUPPORTED);
    cr_assert_eq(MAPISendMail(h, 0, NULL, 0, 0), MAPI_E_NOT_SUPPORTED);
    cr_assert_eq(MAPISendDocuments(0, ";", "/tmp/a", NULL, 0), MAPI_E_NOT_SUPPORTED);
    cr_assert_eq(MAPIFindNext(h, 0, NULL, NULL, 0, 0, NULL), MAPI_E_NOT_SUPPORTED);
    cr_assert_eq(MAPIReadMail(h, 0, "id", 0, 0, &msg), MAPI_E_NOT_SUPPORTED);
    cr_assert_eq(msg, UNTOUCHED);
    cr_assert_eq(MAPISaveMail(h, 0, NULL, 0, 0, NULL), MAPI_E_NOT_SUPPORTED);
    cr_assert_eq(MAPIDeleteMail(h, 0, "id", 0, 0), MAPI_E_NOT_SUPPORTED);
    cr_assert_eq(MAPIAddress(h, 0, NULL, 0, NULL, 0, NULL, 0, 0, NULL, NULL), MAPI_E_NOT_SUPPORTED);
    cr_assert_eq(MAPIDetails(h, 0, NULL, 0, 0), MAPI_E_NOT_SUPPORTED);
    cr_assert_eq(MAPIResolveName(h, 0, "x", 0, 0, NULL), MAPI_E_NOT_SUPPORTED);
    LPMAPISESSION s = UNTOUCHED;
    cr_assert_eq(ScMAPIXFromSMAPI(h, 0, NULL, &s), MAPI_E_NO_SUPPORT);
    cr_assert_eq(s, UNTOUCHED);
}

Test(compat, unsupported_entry_points)
{
    void *out = UNTOUCHED;
    ULONG ul = 3;
    cr_assert_eq(MAPIOpenFormMgr(NULL, (LPMAPIFORMMGR *)&out), MAPI_E_NO_SUPPORT);
    cr_assert_eq(MAPIOpenLocalFormContainer((LPMAPIFORMCONTAINER *)&out), MAPI_E_NO_SUPPORT);
    cr_assert_eq(LaunchWizard(NULL, 0, NULL, 0, NULL), MAPI_E_NO_SUPPORT);
    cr_assert_eq(BuildDisplayTable(MAPIAllocateBuffer, MAPIAllocateMore, MAPIFreeBuffer, NULL,
                                   NULL, 0, NULL, 0, (LPMAPITABLE *)&out, NULL), MAPI_E_NO_SUPPORT);
    cr_assert_eq(HrIStorageFromStream(NULL, NULL, 0, (LPSTORAGE *)&out), MAPI_E_NO_SUPPORT);
    cr_assert_eq(OpenIMsgSession(NULL, 0, (LPMSGSESS *)&out), MAPI_E_NO_SUPPORT);
    CloseIMsgSession(NULL);
    cr_assert_eq(OpenIMsgOnIStg(NULL, MAPIAllocateBuffer, MAPIAllocateMore, MAPIFreeBuffer, NULL,
                                NULL, NULL, NULL, 0, 0, (LPMESSAGE *)&out), MAPI_E_NO_SUPPORT);
    cr_assert_eq(GetAttribIMsgOnIStg(NULL, NULL, (LPSPropAttrArray *)&out), MAPI_E_NO_SUPPORT);
    cr_assert_eq(SetAttribIMsgOnIStg(NULL, NULL, NULL, NULL), MAPI_E_NO_SUPPORT);
    cr_assert_eq(OpenTnefStream(NULL, NULL, "x", 0, NULL, 0, (LPITNEF *)&out), MAPI_E_NO_SUPPORT);
    cr_assert_eq(OpenTnefStreamEx(NULL, NULL, "x", 0, NULL, 0, NULL, (LPITNEF *)&out),
                 MAPI_E_NO_SUPPORT);
    cr_assert_eq(HrOpenABEntryWithExchangeContext(NULL, NULL, NULL, 0, NULL, NULL, 0, &ul,
                                                  (LPUNKNOWN *)&out), MAPI_E_NO_SUPPORT);
    cr_assert_eq(HrDoABDetailsWithExchangeContext(NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL,
                                                  NULL, NULL, NULL, 0), MAPI_E_NO_SUPPORT);
    cr_assert_eq(HrDoABDetailsWithProviderUID(NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL,
                                              NULL, 0), MAPI_E_NO_SUPPORT);
    cr_assert_eq(HrOpenABEntryUsingDefaultContext(NULL, NULL, 0, NULL, NULL, 0, &ul,
                                                  (LPUNKNOWN *)&out), MAPI_E_NO_SUPPORT);
    cr_assert_eq(HrOpenABEntryWithProviderUID(NULL, NULL, 0, NULL, NULL, 0, &ul,
                                              (LPUNKNOWN *)&out), MAPI_E_NO_SUPPORT);
    cr_assert_eq(HrOpenABEntryWithProviderUIDSupport(NULL, NULL, 0, NULL, NULL, 0, &ul,
                                                     (LPUNKNOWN *)&out), MAPI_E_NO_SUPPORT);
    cr_assert_eq(HrOpenABEntryWithResolvedRow(NULL, NULL, 0, NULL, NULL, 0, &ul,
                                              (LPUNKNOWN *)&out), MAPI_E_NO_SUPPORT);
    cr_assert_eq(HrCompareABEntryIDsWithExchangeContext(NULL, NULL, NULL, 0, NULL, 0, NULL, 0, &ul),
                 MAPI_E_NO_SUPPORT);
    cr_assert_eq(HrOpenABEntryWithSupport(NULL, 0, NULL, NULL, 0, &ul, (LPUNKNOWN *)&out),
                 MAPI_E_NO_SUPPORT);
    cr_assert_eq(HrGetGALFromEmsmdbUID(NULL, NULL, NULL, &ul, (LPENTRYID *)&out), MAPI_E_NO_SUPPORT);
    cr_assert_eq(out, UNTOUCHED);
    cr_assert_eq(ul, 3);
}

Test(compat, map_storage_scode)
{
    cr_assert_eq(MapStorageSCode(S_OK), S_OK);
    cr_assert_eq(MapStorageSCode(STG_E_INSUFFICIENTMEMORY), MAPI_E_NOT_ENOUGH_MEMORY);
    cr_assert_eq(MapStorageSCode(STG_E_ACCESSDENIED), MAPI_E_NO_ACCESS);
    cr_assert_eq(MapStorageSCode(STG_E_FILENOTFOUND), MAPI_E_NOT_FOUND);
    cr_assert_eq(MapStorageSCode(STG_E_MEDIUMFULL), MAPI_E_NOT_ENOUGH_DISK);
    cr_assert_eq(MapStorageSCode(STG_E_DOCFILECORRUPT), MAPI_E_CORRUPT_DATA);
    cr_assert_eq(MapStorageSCode(MAPI_E_NOT_FOUND), MAPI_E_NOT_FOUND, "MAPI codes pass through");
    cr_assert_eq(MapStorageSCode(STG_E_UNKNOWN), MAPI_E_CALL_FAILED);
}

static size_t put_att(BYTE *p, BYTE level, ULONG id, const void *data, ULONG len)
{
    p[0] = level;
    memcpy(p + 1, &id, 4);
    memcpy(p + 5, &len, 4);
    memcpy(p + 9, data, len);
    memset(p + 9 + len, 0, 2); /* checksum, not checked here */
    return 11 + len;
}

Test(compat, tnef_stream_codepage)
{
    BYTE buf[128];
    size_t n = 0;
    ULONG sig = TNEF_SIGNATURE, ver = 0x00010000, cp[2] = {1252, 7};
    memcpy(buf, &sig, 4);
    buf[4] = 0x12;
    buf[5] = 0x34;
    n = 6;
    n += put_att(buf + n, LVL_MESSAGE, attTnefVersion, &ver, 4);
    n += put_att(buf + n, LVL_MESSAGE, attOemCodepage, cp, 8);
    ULONG c = 0, sub = 0;
    struct memstream *m = memstream_over(buf, n);
    cr_assert_eq(GetTnefStreamCodepage(memstream_stream(m), &c, &sub), S_OK);
    cr_assert_eq(c, 1252);
    cr_assert_eq(sub, 7);
    memstream_release(m);
    /* Without the attribute: 437 and 0, as MAPI documents. */
    m = memstream_over(buf, 6 + 15);
    cr_assert_eq(GetTnefStreamCodepage(memstream_stream(m), &c, &sub), S_OK);
    cr_assert_eq(c, 437);
    cr_assert_eq(sub, 0);
    memstream_release(m);
    /* Not TNEF, cut short, unreadable. */
    BYTE junk[8] = "notTNEF";
    m = memstream_over(junk, 8);
    cr_assert_eq(GetTnefStreamCodepage(memstream_stream(m), &c, &sub), MAPI_E_CORRUPT_DATA);
    memstream_release(m);
    m = memstream_over(buf, 6 + 15 + 12);
    cr_assert_eq(GetTnefStreamCodepage(memstream_stream(m), &c, &sub), MAPI_E_CORRUPT_DATA);
    memstream_release(m);
    m = memstream_over(buf, n);
    m->read_error = STG_E_READFAULT;
    cr_assert_eq(GetTnefStreamCodepage(memstream_stream(m), &c, &sub), MAPI_E_NOT_ENOUGH_DISK);
    memstream_release(m);
    cr_assert_eq(GetTnefStreamCodepage(NULL, &c, &sub), MAPI_E_INVALID_PARAMETER);
    MAPIRT_LEAK_CHECK();
}

Test(compat, object_identifiers_and_instance_data)
{
    static const BYTE tnef[] = {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x14, 0x03, 0x0A, 0x01};
    cr_assert_eq(CB_OID_TNEF, 9);
    cr_assert_arr_eq(OID_TNEF, tnef, CB_OID_TNEF);
    cr_assert_eq(OID_MIMETAG[8], 0x04);
    cr_assert_eq(ScSetInstanceGlobals(&pinstX), 0);
    cr_assert_eq(PvGetInstanceGlobals(), &pinstX);
    pinstX = NULL;
}

Test(mapidbg, names_and_allocators)
{
    cr_assert_str_eq(SzDecodeScodeFn(MAPI_E_NOT_FOUND), "MAPI_E_NOT_FOUND");
    cr_assert_str_eq(SzDecodeScodeFn(0x12345678), "0x12345678");
    cr_assert_str_eq(SzDecodeUlPropTypeFn(PT_LONG), "PT_LONG");
    cr_assert_str_eq(SzDecodeUlPropTagFn(PR_SUBJECT_W), "PR_SUBJECT_W");
    cr_assert_eq(UlPropTagFromSzFn("PR_SUBJECT_W"), PR_SUBJECT_W);
    cr_assert_eq(UlPropTagFromSzFn("0x0037001F"), PR_SUBJECT_W);
    cr_assert_eq(UlPropTagFromSzFn("nonsense"), PR_NULL);
    cr_assert_eq(ScodeFromSzFn("MAPI_E_NO_SUPPORT"), MAPI_E_NO_SUPPORT);
    cr_assert_eq(ScodeFromSzFn("0x80040102"), MAPI_E_NO_SUPPORT);
    SCODE allowed[] = {MAPI_E_NOT_FOUND, S_OK};
    cr_assert_eq(ScCheckScFn(MAPI_E_NOT_FOUND, allowed, "x", __FILE__, __LINE__), MAPI_E_NOT_FOUND);
    cr_assert_eq(ScCheckScFn(MAPI_E_CALL_FAILED, allowed, "x", __FILE__, __LINE__),
                 MAPI_E_CALL_FAILED);
    cr_assert_eq(DebugTrapFn(0, __FILE__, __LINE__, "value %d", 5), 0);
    cr_assert_eq(DebugTraceFn("~trace %s\n", "line"), 0);
    char *v = VMAlloc(10);
    cr_assert_not_null(v);
    memset(v, 1, 10);
    cr_assert_eq(VMGetSize(v), 10);
    v = VMRealloc(v, 5000);
    cr_assert_eq(VMGetSize(v), 5000);
    cr_assert_eq(v[9], 1);
    VMFree(v);
    VMFree(NULL);
    LPMALLOC m = MAPIGetDefaultMalloc();
    cr_assert_eq(DBGMEM_EncapsulateFn(m, "test", 0), m);
    DBGMEM_ShutdownFn(m);
    DBGMEM_SetFailureAtFn(m, 1);
    LPVOID p;
    cr_assert_eq(MAPIAllocateBuffer(4, &p), MAPI_E_NOT_ENOUGH_MEMORY);
    MAPIRT_LEAK_CHECK();
}
