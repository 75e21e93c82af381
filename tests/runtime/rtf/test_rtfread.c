/* test_rtfread.c: the RTF reader's three readings and the recognition of encapsulated content
 * ([MS-OXRTFEX] 2.2.3): \fromhtml1 and \fromtext among the first ten tokens only, the font
 * table's code pages, \htmlrtf, {\*\htmltag} and {\*\mhtmltag}, \bin, random input in every
 * mode and running out of memory. */
#include <mapiutil.h>
#include <mapicode.h>

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include <mapirt/alloc.h>
#include <mapirt/strconv.h>
#include <mapirt/testhooks.h>

#include "oom.h"
#include "rtf/rtf_internal.h"

static enum rtf_kind kind(const char *rtf)
{
    return mapirt_rtf_kind((const BYTE *)rtf, strlen(rtf));
}

Test(rtfread, recognises_encapsulation_in_the_first_ten_tokens)
{
    cr_assert_eq(kind("{\\rtf1\\ansi\\ansicpg1252\\fromhtml1 \\deff0"), RTF_KIND_HTML);
    cr_assert_eq(kind("{\\rtf1\\ansi\\fromtext \\deff0"), RTF_KIND_TEXT);
    cr_assert_eq(kind("{\\rtf1\\ansi\\fromhtml0 x}"), RTF_KIND_RTF, "\\fromhtml0 is not HTML");
    cr_assert_eq(kind("{\\rtf1\\ansi\\deff0 hello}"), RTF_KIND_RTF);
    cr_assert_eq(kind(""), RTF_KIND_RTF);
    /* Tokens are group starts and control words, wherever they stand; text and control
     * symbols are not counted. */
    cr_assert_eq(kind("{\\rtf1{\\a{\\b\\c\\d\\e\\fromhtml1"), RTF_KIND_HTML, "the tenth");
    cr_assert_eq(kind("{\\rtf1{\\a{\\b\\c\\d\\e\\f\\fromhtml1"), RTF_KIND_RTF,
                 "the eleventh is too late");
    cr_assert_eq(kind("{\\rtf1 lots of text \\{ \\' \\fromtext"), RTF_KIND_TEXT);
}

static void expect(enum rtf_read how, unsigned cp, const char *rtf, const WCHAR *want)
{
    size_t n = 0;
    WCHAR *t = mapirt_rtf_read((const BYTE *)rtf, strlen(rtf), how, cp, &n, NULL);
    cr_assert_not_null(t);
    cr_assert_eq(n, mapirt_wcslen(t));
    char *a = mapirt_str_w_to_a_dup(t), *w = mapirt_str_w_to_a_dup(want);
    cr_assert_str_eq(a, w, "reading %d of %s", (int)how, rtf);
    mapirt_free(a);
    mapirt_free(w);
    mapirt_free(t);
}

Test(rtfread, font_code_pages)
{
    static const char rtf[] =
        "{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\fswiss Arial;}"
        "{\\f1\\fcharset204{\\*\\panose 020b0604020202020204}Arial Cyr;}{\\f2\\fcharset128 MS "
        "Gothic;}{\\f3\\cpg1253 Greek;}{\\f4\\fcharset2 Symbol;}}"
        "\\f1 \\'e0\\f0 \\'e0{\\f2 \\'82\\'a0}\\'e0\\f3 \\'e1\\plain \\'e0\\f4 \\'e0\\f9 \\'e0}";
    /* f1 cp1251, f0 the document's, f2 cp932 (a pair), f3 cp1253, \plain back to \deff0, the
     * symbol charset and an undefined font fall back to the document's code page. */
    expect(RTF_READ_TEXT, 0, rtf, u"\u0430\u00e0\u3042\u00e0\u03b1\u00e0\u00e0\u00e0");
    /* No \ansicpg: the caller's default; then 1252. */
    expect(RTF_READ_TEXT, 1251, "{\\rtf1 \\'e0}", u"\u0430");
    expect(RTF_READ_TEXT, 0, "{\\rtf1 \\'e0}", u"\u00e0");
    expect(RTF_READ_TEXT, 4242, "{\\rtf1 \\'e0}", u"\u00e0");
}

Test(rtfread, readings_of_an_encapsulating_document)
{
    static const char rtf[] =
        "{\\rtf1\\ansi\\ansicpg1251\\fromhtml1 {\\fonttbl{\\f0 Arial;}{\\f1\\fcharset0 Arial;}}"
        "{\\*\\htmltag64}{\\*\\htmltag4 <p>}{\\*\\mhtmltag4 cid:original}"
        "{\\htmlrtf \\f1 \\'e9\\htmlrtf0 \\'e0}"
        "{\\*\\htmltag84 &amp;}\\htmlrtf &\\htmlrtf0{\\*\\htmltag {\\f1 \\'e0}}"
        "{\\*\\htmltag </p>\\par}\\htmlrtf\\par\\htmlrtf0{\\pict\\bin4 {}\\x}end}";
    /* The HTML: tags (\'e0 inside one in the document's code page, whatever the font; outside
     * in the font's, \fcharset0 being Western), the text outside \htmlrtf; no \mhtmltag,
     * nothing \htmlrtf hides, nothing of the picture. */
    expect(RTF_READ_FROMHTML, 0, rtf, u"<p>\u00e0&amp;\u0430</p>\r\nend");
    /* What an RTF reader shows: everything but the tags. */
    expect(RTF_READ_TEXT, 0, rtf, u"\u00e9\u00e0&\r\nend");
    /* \fromtext: the text outside \htmlrtf. */
    expect(RTF_READ_FROMTEXT, 0, "{\\rtf1\\fromtext one{\\htmlrtf \\b\\'e9\\htmlrtf0 two}\\par}",
           u"onetwo\r\n");
}

Test(rtfread, random_input_never_crashes)
{
    static const char alphabet[] = "{}\\'0123456789abcdefuc*par -\r\nhtmltagrfbinfonttbl";
    char buf[256];
    srand(11);
    for (int k = 0; k < 3000; k++) {
        size_t n = (size_t)rand() % sizeof(buf);
        for (size_t i = 0; i < n; i++)
            buf[i] = k % 2 ? (char)rand() : alphabet[rand() % (sizeof(alphabet) - 1)];
        for (int how = RTF_READ_TEXT; how <= RTF_READ_FROMHTML; how++) {
            size_t len;
            WCHAR *t = mapirt_rtf_read((const BYTE *)buf, n, (enum rtf_read)how, 0, &len, NULL);
            cr_assert_not_null(t);
            mapirt_free(t);
        }
        (void)mapirt_rtf_kind((const BYTE *)buf, n);
    }
    MAPIRT_LEAK_CHECK();
}

Test(rtfread, out_of_memory_is_null)
{
    static const char rtf[] = "{\\rtf1\\ansi\\fromhtml1{\\fonttbl{\\f0\\fcharset204 A;}}\\f0 "
                              "{\\*\\htmltag <b>}caf\\'e9\\par second line}";
    for (int how = RTF_READ_TEXT; how <= RTF_READ_FROMHTML; how++) {
        unsigned long points = 0;
        for (unsigned long n = 1;; n++) {
            mapirt_test_fail_alloc(n);
            WCHAR *t = mapirt_rtf_read((const BYTE *)rtf, sizeof(rtf) - 1, (enum rtf_read)how, 0,
                                       NULL, NULL);
            unsigned long left = mapirt_test_fail_alloc_pending();
            mapirt_test_fail_alloc(0);
            if (left != 0) {
                cr_assert_not_null(t);
                mapirt_free(t);
                break;
            }
            cr_assert_null(t, "allocation %lu failed but a text came back", n);
            points++;
        }
        cr_assert_gt(points, 2);
    }
    MAPIRT_LEAK_CHECK();
}
