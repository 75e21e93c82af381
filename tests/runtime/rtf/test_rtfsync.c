/* test_rtfsync.c: RTF to text and back, and RTFSync on a property object standing in for a
 * message: the text from the RTF, the RTF from the text, change detection through the
 * PR_RTF_SYNC_* properties, bad arguments and out-of-memory. */
#include <mapiutil.h>
#include <mapicode.h>
#include <mapiguid.h>

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include <mapirt/alloc.h>
#include <mapirt/strconv.h>
#include <mapirt/testhooks.h>

#include "oom.h"
#include "rtf/rtf_internal.h"

static void expect_text(const char *rtf, const WCHAR *want)
{
    WCHAR *t = mapirt_rtf_to_text((const BYTE *)rtf, strlen(rtf));
    cr_assert_not_null(t);
    char *a = mapirt_str_w_to_a_dup(t), *w = mapirt_str_w_to_a_dup(want);
    cr_assert_str_eq(a, w, "text of %s", rtf);
    mapirt_free(a);
    mapirt_free(w);
    mapirt_free(t);
}

Test(rtftext, reads_the_text)
{
    expect_text("{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n", u"hello world");
    expect_text("{\\rtf1{\\fonttbl{\\f0 Arial;}}{\\colortbl;\\red0\\green0\\blue0;}"
                "{\\*\\generator Riched20;}one\\par two\\tab three}",
                u"one\r\ntwo\tthree");
    expect_text("{\\rtf1\\ansi\\ansicpg1252 caf\\'e9 \\{x\\} \\\\ end}", u"caf\u00e9 {x} \\ end");
    expect_text("{\\rtf1\\ansi\\ansicpg1251 \\'c6}", u"\u0416");
    expect_text("{\\rtf1\\uc1 a\\u8364?b\\u-4064?c}", u"a\u20acb\uf020c");
    expect_text("{\\rtf1\\uc2 \\u20013\\'3f\\'3fx}", u"\u4e2dx");
    expect_text("{\\rtf1 {\\*\\unknowndest skipped}{\\pict 0102}kept\\line}", u"kept\r\n");
    expect_text("", u"");
    expect_text("{{{{unbalanced", u"unbalanced");
}

Test(rtftext, code_pages)
{
    /* A double-byte code page: the pair is decoded together, however long the run. */
    char buf[1024] = "{\\rtf1\\ansi\\ansicpg932 ";
    for (int i = 0; i < 70; i++)
        strcat(buf, "\\'82\\'a0");
    strcat(buf, "}");
    WCHAR *t = mapirt_rtf_to_text((const BYTE *)buf, strlen(buf));
    cr_assert_not_null(t);
    cr_assert_eq(mapirt_wcslen(t), 70);
    for (int i = 0; i < 70; i++)
        cr_assert_eq(t[i], 0x3042);
    mapirt_free(t);
    /* A code page nobody knows: Windows-1252, RTF's default. */
    expect_text("{\\rtf1\\ansicpg99999 \\'80}", u"\u20ac");
}

Test(rtftext, random_input_never_crashes)
{
    static const char alphabet[] = "{}\\'0123456789abcdefuc*par -\r\n";
    char buf[256];
    srand(7);
    for (int k = 0; k < 3000; k++) {
        size_t n = (size_t)rand() % sizeof(buf);
        for (size_t i = 0; i < n; i++)
            buf[i] = k % 2 ? (char)rand() : alphabet[rand() % (sizeof(alphabet) - 1)];
        WCHAR *t = mapirt_rtf_to_text((const BYTE *)buf, n);
        cr_assert_not_null(t);
        mapirt_free(t);
    }
    MAPIRT_LEAK_CHECK();
}

Test(rtftext, out_of_memory_is_null)
{
    static const char rtf[] = "{\\rtf1\\ansi\\ansicpg1252 caf\\'e9\\par second line}";
    for (unsigned long n = 1;; n++) {
        mapirt_test_fail_alloc(n);
        WCHAR *t = mapirt_rtf_to_text((const BYTE *)rtf, sizeof(rtf) - 1);
        unsigned long left = mapirt_test_fail_alloc_pending();
        mapirt_test_fail_alloc(0);
        if (left != 0) {
            cr_assert_not_null(t);
            mapirt_free(t);
            break;
        }
        cr_assert_null(t, "allocation %lu failed but a text came back", n);
    }
    MAPIRT_LEAK_CHECK();
}

Test(rtftext, writes_rtf_that_reads_back)
{
    const WCHAR *text = u"Line 1\r\nTabs\there {braces} \\ and \u00e9\u4e2d\r\nend";
    size_t cb;
    BYTE *rtf = mapirt_text_to_rtf(text, &cb);
    cr_assert_not_null(rtf);
    cr_assert_eq(memcmp(rtf, "{\\rtf1", 6), 0);
    WCHAR *back = mapirt_rtf_to_text(rtf, cb);
    cr_assert_eq(mapirt_wcscmp(back, text), 0);
    mapirt_free(back);
    mapirt_free(rtf);
}

static LPMESSAGE new_message(void)
{
    LPPROPDATA pd = NULL;
    cr_assert_eq(CreateIProp(&IID_IMAPIPropData, MAPIAllocateBuffer, MAPIAllocateMore,
                             MAPIFreeBuffer, NULL, &pd), S_OK);
    /* RTFSync calls IMAPIProp methods only, at the same slots in IMessage. */
    return (LPMESSAGE)pd;
}

static WCHAR *body_of(LPMESSAGE m)
{
    LPSPropValue v = NULL;
    cr_assert_eq(HrGetOneProp((LPMAPIPROP)m, PR_BODY_W, &v), S_OK);
    WCHAR *w = mapirt_wcsdup(v->Value.lpszW);
    MAPIFreeBuffer(v);
    return w;
}

Test(rtfsync, text_from_rtf)
{
    static const BYTE lzfu[] = {
        0x2d, 0x00, 0x00, 0x00, 0x2b, 0x00, 0x00, 0x00, 0x4c, 0x5a, 0x46, 0x75, 0xf1, 0xc5, 0xc7,
        0xa7, 0x03, 0x00, 0x0a, 0x00, 0x72, 0x63, 0x70, 0x67, 0x31, 0x32, 0x35, 0x42, 0x32, 0x0a,
        0xf3, 0x20, 0x68, 0x65, 0x6c, 0x09, 0x00, 0x20, 0x62, 0x77, 0x05, 0xb0, 0x6c, 0x64, 0x7d,
        0x0a, 0x80, 0x0f, 0xa0};
    LPMESSAGE m = new_message();
    SPropValue v = {PR_RTF_COMPRESSED, 0, {0}};
    v.Value.bin.cb = sizeof(lzfu);
    v.Value.bin.lpb = (LPBYTE)lzfu;
    cr_assert_eq(HrSetOneProp((LPMAPIPROP)m, &v), S_OK);
    BOOL updated = FALSE;
    cr_assert_eq(RTFSync(m, RTF_SYNC_RTF_CHANGED, &updated), S_OK);
    cr_assert(updated);
    WCHAR *b = body_of(m);
    cr_assert_eq(mapirt_wcscmp(b, u"hello world"), 0);
    mapirt_free(b);
    LPSPropValue p = NULL;
    cr_assert_eq(HrGetOneProp((LPMAPIPROP)m, PR_RTF_IN_SYNC, &p), S_OK);
    cr_assert(p->Value.b);
    MAPIFreeBuffer(p);
    cr_assert_eq(HrGetOneProp((LPMAPIPROP)m, PR_RTF_SYNC_BODY_COUNT, &p), S_OK);
    cr_assert_eq(p->Value.l, 10, "significant characters of \"hello world\"");
    MAPIFreeBuffer(p);
    /* Nothing changed since: no update. */
    cr_assert_eq(RTFSync(m, 0, &updated), S_OK);
    cr_assert_not(updated);
    m->lpVtbl->Release(m);
    MAPIRT_LEAK_CHECK();
}

Test(rtfsync, rtf_from_text_and_change_detection)
{
    LPMESSAGE m = new_message();
    SPropValue v = {PR_BODY_W, 0, {0}};
    v.Value.lpszW = u"first draft";
    cr_assert_eq(HrSetOneProp((LPMAPIPROP)m, &v), S_OK);
    BOOL updated = FALSE;
    cr_assert_eq(RTFSync(m, RTF_SYNC_BODY_CHANGED, &updated), S_OK);
    cr_assert(updated);
    LPSPropValue z = NULL;
    cr_assert_eq(HrGetOneProp((LPMAPIPROP)m, PR_RTF_COMPRESSED, &z), S_OK);
    BYTE *rtf;
    size_t n;
    cr_assert_eq(mapirt_rtf_decompress(z->Value.bin.lpb, z->Value.bin.cb, &rtf, &n), S_OK);
    WCHAR *t = mapirt_rtf_to_text(rtf, n);
    cr_assert_eq(mapirt_wcscmp(t, u"first draft"), 0);
    mapirt_free(t);
    mapirt_free(rtf);
    MAPIFreeBuffer(z);
    cr_assert_eq(RTFSync(m, 0, &updated), S_OK);
    cr_assert_not(updated, "in sync");
    /* The text changes behind RTFSync's back: a flagless call notices. */
    v.Value.lpszW = u"second draft";
    cr_assert_eq(HrSetOneProp((LPMAPIPROP)m, &v), S_OK);
    cr_assert_eq(RTFSync(m, 0, &updated), S_OK);
    cr_assert(updated);
    m->lpVtbl->Release(m);
    MAPIRT_LEAK_CHECK();
}

Test(rtfsync, bad_input)
{
    LPMESSAGE m = new_message();
    BOOL updated = 7;
    cr_assert_eq(RTFSync(NULL, 0, &updated), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(RTFSync(m, 0, NULL), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(RTFSync(m, 0x10, &updated), MAPI_E_UNKNOWN_FLAGS);
    cr_assert_eq(updated, 7);
    /* No RTF to read; corrupt RTF. */
    cr_assert_eq(RTFSync(m, RTF_SYNC_RTF_CHANGED, &updated), MAPI_E_NOT_FOUND);
    BYTE junk[20] = {0};
    SPropValue v = {PR_RTF_COMPRESSED, 0, {0}};
    v.Value.bin.cb = sizeof(junk);
    v.Value.bin.lpb = junk;
    cr_assert_eq(HrSetOneProp((LPMAPIPROP)m, &v), S_OK);
    cr_assert_eq(RTFSync(m, RTF_SYNC_RTF_CHANGED, &updated), MAPI_E_CORRUPT_DATA);
    cr_assert_not(updated);
    m->lpVtbl->Release(m);
    MAPIRT_LEAK_CHECK();
}

Test(rtfsync, out_of_memory)
{
    unsigned long oom_points = 0;
    LPMESSAGE m = new_message();
    BOOL updated;
    HRESULT hr;
    SPropValue v = {PR_BODY_W, 0, {0}};
    v.Value.lpszW = u"some text";
    cr_assert_eq(HrSetOneProp((LPMAPIPROP)m, &v), S_OK);
    /* RTF_SYNC_BODY_CHANGED rebuilds whatever an earlier, failed run left. */
    OOM_LOOP(hr, hr = RTFSync(m, RTF_SYNC_BODY_CHANGED, &updated), (void)0);
    cr_assert_gt(oom_points, 3);
    cr_assert(updated);
    m->lpVtbl->Release(m);
    MAPIRT_LEAK_CHECK();
}
