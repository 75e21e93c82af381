/* test_rtfstream.c: WrapCompressedRTFStream(Ex) over a stream standing in for PR_RTF_COMPRESSED:
 * [MS-OXRTFCP]'s two examples read and written through the wrapper byte for byte, random
 * round trips, the uncompressed form, rewriting a longer value, a writer released without
 * Commit, the methods the reference leaves unsupported, corrupt values and failing streams,
 * MAPI_NATIVE_BODY's HTML and text ([MS-OXRTFEX]) in the code pages asked for, and every
 * allocation failing in turn. */
#include <mapiutil.h>
#include <mapicode.h>

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include <mapirt/alloc.h>
#include <mapirt/testhooks.h>

#include "memstream.h"
#include "oom.h"
#include "rtfcp_examples.h"
#include "rtf/rtf_internal.h"

#define UNTOUCHED ((LPSTREAM)0x5a5a)

static LPSTREAM wrap_ok(struct memstream *m, ULONG flags)
{
    LPSTREAM s = NULL;
    HRESULT hr = WrapCompressedRTFStream(memstream_stream(m), flags, &s);
    cr_assert_eq(hr, S_OK, "WrapCompressedRTFStream(0x%x) = 0x%08x", (unsigned)flags,
                 (unsigned)hr);
    cr_assert_not_null(s);
    return s;
}

/* Reads the whole stream in pieces of `step` bytes into a new malloc buffer. */
static BYTE *read_all(LPSTREAM s, size_t step, size_t *n)
{
    size_t cap = 64, len = 0;
    BYTE *p = malloc(cap);
    for (;;) {
        if (len + step > cap) {
            while (len + step > cap)
                cap *= 2;
            p = realloc(p, cap);
        }
        ULONG got = 0;
        cr_assert_eq(s->lpVtbl->Read(s, p + len, (ULONG)step, &got), S_OK);
        if (got == 0)
            break;
        len += got;
    }
    *n = len;
    return p;
}

static void write_in_pieces(LPSTREAM s, const BYTE *p, size_t n, size_t step)
{
    for (size_t at = 0; at < n; at += step) {
        ULONG put = 0, want = (ULONG)(n - at < step ? n - at : step);
        cr_assert_eq(s->lpVtbl->Write(s, p + at, want, &put), S_OK);
        cr_assert_eq(put, want);
    }
}

static void expect_reads_as(const BYTE *lzfu, size_t nz, const BYTE *rtf, size_t nr)
{
    for (size_t step = 1; step <= 64; step *= 4) {
        struct memstream *m = memstream_over(lzfu, nz);
        LPSTREAM s = wrap_ok(m, 0);
        size_t n;
        BYTE *got = read_all(s, step, &n);
        cr_assert_eq(n, nr, "read %zu bytes in steps of %zu, want %zu", n, step, nr);
        cr_assert_arr_eq(got, rtf, nr);
        free(got);
        cr_assert_eq(s->lpVtbl->Release(s), 0);
        cr_assert_eq(memstream_refs(m), 1, "the wrapper gave its reference back");
        memstream_release(m);
    }
}

static void expect_writes_as(const BYTE *rtf, size_t nr, const BYTE *lzfu, size_t nz)
{
    struct memstream *m = memstream_over(NULL, 0);
    LPSTREAM s = wrap_ok(m, MAPI_MODIFY);
    write_in_pieces(s, rtf, nr, 5);
    cr_assert_eq(m->size, 0, "nothing reaches the property before Commit");
    cr_assert_eq(s->lpVtbl->Commit(s, STGC_DEFAULT), S_OK);
    cr_assert_eq(m->size, nz, "compressed to %zu bytes, the specification has %zu", m->size, nz);
    cr_assert_arr_eq(m->data, lzfu, nz);
    cr_assert_eq(m->commits, 1, "the wrapped stream is committed");
    s->lpVtbl->Release(s);
    cr_assert_eq(m->commits, 1, "nothing left to commit at Release");
    memstream_release(m);
}

Test(rtfstream, specification_examples_read)
{
    expect_reads_as(ex1_lzfu, sizeof(ex1_lzfu), ex1_rtf, sizeof(ex1_rtf) - 1);
    expect_reads_as(ex2_lzfu, sizeof(ex2_lzfu), ex2_rtf, sizeof(ex2_rtf) - 1);
    MAPIRT_LEAK_CHECK();
}

Test(rtfstream, specification_examples_written)
{
    expect_writes_as(ex1_rtf, sizeof(ex1_rtf) - 1, ex1_lzfu, sizeof(ex1_lzfu));
    expect_writes_as(ex2_rtf, sizeof(ex2_rtf) - 1, ex2_lzfu, sizeof(ex2_lzfu));
    MAPIRT_LEAK_CHECK();
}

Test(rtfstream, random_round_trips)
{
    static const size_t sizes[] = {0, 1, 17, 206, 207, 208, 4096, 4097, 20000, 100000};
    srand(4242);
    for (size_t k = 0; k < sizeof(sizes) / sizeof(*sizes); k++) {
        for (int shape = 0; shape < 3; shape++) {
            size_t n = sizes[k];
            BYTE *rtf = malloc(n + 1);
            for (size_t i = 0; i < n; i++)
                rtf[i] = shape == 0   ? (BYTE)rand()
                         : shape == 1 ? (BYTE) "ab\\{}"[rand() % 5]
                                      : (BYTE) "{\\rtf1\\ansi\\par \\pard\\plain hello "[i % 33];
            for (int uncompressed = 0; uncompressed < 2; uncompressed++) {
                struct memstream *m = memstream_over(NULL, 0);
                LPSTREAM w = wrap_ok(m, MAPI_MODIFY | (uncompressed ? STORE_UNCOMPRESSED_RTF : 0));
                write_in_pieces(w, rtf, n, 1 + (size_t)rand() % 5000);
                cr_assert_eq(w->lpVtbl->Commit(w, STGC_DEFAULT), S_OK);
                w->lpVtbl->Release(w);
                if (uncompressed)
                    cr_assert_eq(m->size, n + 16, "STORE_UNCOMPRESSED_RTF: header and bytes");
                cr_assert_eq(memcmp(m->data + 8, uncompressed ? "MELA" : "LZFu", 4), 0);
                m->pos = 0;
                LPSTREAM r = wrap_ok(m, 0);
                size_t got;
                BYTE *back = read_all(r, 1 + (size_t)rand() % 7000, &got);
                cr_assert_eq(got, n, "size %zu shape %d", n, shape);
                if (n)
                    cr_assert_arr_eq(back, rtf, n, "size %zu shape %d differs", n, shape);
                free(back);
                r->lpVtbl->Release(r);
                memstream_release(m);
            }
            free(rtf);
        }
    }
    MAPIRT_LEAK_CHECK();
}

Test(rtfstream, rewriting_replaces_the_whole_value)
{
    /* A longer old value, after three bytes that are not the wrapper's. */
    BYTE old[600];
    memset(old, 'x', sizeof(old));
    memcpy(old, "abc", 3);
    struct memstream *m = memstream_over(old, sizeof(old));
    m->pos = 3;
    LPSTREAM w = wrap_ok(m, MAPI_MODIFY);
    write_in_pieces(w, ex1_rtf, 10, 10);
    cr_assert_eq(w->lpVtbl->Commit(w, STGC_DEFAULT), S_OK);
    /* Writing on after a Commit and committing again rewrites the whole RTF from the start. */
    write_in_pieces(w, ex1_rtf + 10, sizeof(ex1_rtf) - 1 - 10, 7);
    cr_assert_eq(w->lpVtbl->Commit(w, STGC_DEFAULT), S_OK);
    cr_assert_eq(m->commits, 2);
    cr_assert_eq(m->size, 3 + sizeof(ex1_lzfu), "the old tail is cut off");
    cr_assert_arr_eq(m->data, "abc", 3);
    cr_assert_arr_eq(m->data + 3, ex1_lzfu, sizeof(ex1_lzfu));
    w->lpVtbl->Release(w);
    memstream_release(m);
    MAPIRT_LEAK_CHECK();
}

Test(rtfstream, release_without_commit_keeps_what_was_written)
{
    struct memstream *m = memstream_over(NULL, 0);
    LPSTREAM w = wrap_ok(m, MAPI_MODIFY);
    write_in_pieces(w, ex2_rtf, sizeof(ex2_rtf) - 1, 3);
    cr_assert_eq(w->lpVtbl->Release(w), 0);
    cr_assert_eq(m->size, sizeof(ex2_lzfu));
    cr_assert_arr_eq(m->data, ex2_lzfu, sizeof(ex2_lzfu));
    cr_assert_eq(m->commits, 1);
    memstream_release(m);
    /* Nothing written: nothing done. */
    m = memstream_over(ex1_lzfu, sizeof(ex1_lzfu));
    w = wrap_ok(m, MAPI_MODIFY);
    w->lpVtbl->Release(w);
    cr_assert_eq(m->size, sizeof(ex1_lzfu));
    cr_assert_eq(m->writes, 0);
    memstream_release(m);
    MAPIRT_LEAK_CHECK();
}

Test(rtfstream, directions_and_unsupported_methods)
{
    struct memstream *m = memstream_over(ex1_lzfu, sizeof(ex1_lzfu));
    LPSTREAM r = wrap_ok(m, 0);
    ULONG n = 7;
    cr_assert_eq(r->lpVtbl->Write(r, "x", 1, &n), STG_E_ACCESSDENIED);
    cr_assert_eq(n, 0);
    cr_assert_eq(r->lpVtbl->Commit(r, STGC_DEFAULT), S_OK, "nothing to commit");
    cr_assert_eq(r->lpVtbl->Commit(r, 0x100), STG_E_INVALIDFLAG);
    LARGE_INTEGER li = {.QuadPart = 0};
    ULARGE_INTEGER uli = {.QuadPart = 0};
    STATSTG st;
    LPSTREAM c = UNTOUCHED;
    cr_assert_eq(r->lpVtbl->Seek(r, li, STREAM_SEEK_SET, NULL), MAPI_E_NO_SUPPORT);
    cr_assert_eq(r->lpVtbl->SetSize(r, uli), MAPI_E_NO_SUPPORT);
    cr_assert_eq(r->lpVtbl->Stat(r, &st, STATFLAG_NONAME), MAPI_E_NO_SUPPORT);
    cr_assert_eq(r->lpVtbl->Clone(r, &c), MAPI_E_NO_SUPPORT);
    cr_assert_eq(c, UNTOUCHED);
    cr_assert_eq(r->lpVtbl->Revert(r), MAPI_E_NO_SUPPORT);
    cr_assert_eq(r->lpVtbl->LockRegion(r, uli, uli, LOCK_WRITE), MAPI_E_NO_SUPPORT);
    cr_assert_eq(r->lpVtbl->UnlockRegion(r, uli, uli, LOCK_WRITE), MAPI_E_NO_SUPPORT);
    /* CopyTo is a read loop. */
    struct memstream *d = memstream_over(NULL, 0);
    ULARGE_INTEGER cb = {.QuadPart = 5}, rd, wr;
    cr_assert_eq(r->lpVtbl->CopyTo(r, memstream_stream(d), cb, &rd, &wr), S_OK);
    cr_assert_eq(rd.QuadPart, 5);
    cb.QuadPart = UINT64_MAX;
    cr_assert_eq(r->lpVtbl->CopyTo(r, memstream_stream(d), cb, &rd, &wr), S_OK);
    cr_assert_eq(wr.QuadPart, sizeof(ex1_rtf) - 1 - 5);
    cr_assert_eq(d->size, sizeof(ex1_rtf) - 1);
    cr_assert_arr_eq(d->data, ex1_rtf, d->size);
    d->write_error = STG_E_MEDIUMFULL;
    cr_assert_eq(r->lpVtbl->CopyTo(r, memstream_stream(d), cb, &rd, &wr), S_OK, "at the end");
    memstream_release(d);
    r->lpVtbl->Release(r);

    LPSTREAM w = wrap_ok(m, MAPI_MODIFY);
    char buf[4];
    cr_assert_eq(w->lpVtbl->Read(w, buf, sizeof(buf), &n), STG_E_ACCESSDENIED);
    cr_assert_eq(n, 0);
    cr_assert_eq(w->lpVtbl->CopyTo(w, memstream_stream(m), cb, &rd, &wr), STG_E_ACCESSDENIED);
    w->lpVtbl->Release(w);
    memstream_release(m);
    MAPIRT_LEAK_CHECK();
}

Test(rtfstream, bad_arguments_and_bad_values)
{
    struct memstream *m = memstream_over(ex1_lzfu, sizeof(ex1_lzfu));
    LPSTREAM s = UNTOUCHED;
    cr_assert_eq(WrapCompressedRTFStream(NULL, 0, &s), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(WrapCompressedRTFStream(memstream_stream(m), 0, NULL), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(WrapCompressedRTFStream(memstream_stream(m), 0x2, &s), MAPI_E_UNKNOWN_FLAGS);
    cr_assert_eq(WrapCompressedRTFStream(memstream_stream(m), MAPI_NATIVE_BODY, &s),
                 MAPI_E_UNKNOWN_FLAGS, "MAPI_NATIVE_BODY is WrapCompressedRTFStreamEx's");
    cr_assert_eq(s, UNTOUCHED);
    cr_assert_eq(m->pos, 0, "refused before reading");
    memstream_release(m);

    /* A damaged value: a byte of the compressed data changed (the CRC no longer matches). */
    BYTE bad[sizeof(ex1_lzfu)];
    memcpy(bad, ex1_lzfu, sizeof(bad));
    bad[20] ^= 0x40;
    m = memstream_over(bad, sizeof(bad));
    cr_assert_eq(WrapCompressedRTFStream(memstream_stream(m), 0, &s), MAPI_E_CORRUPT_DATA);
    cr_assert_eq(s, UNTOUCHED);
    cr_assert_eq(memstream_refs(m), 1, "no reference kept on failure");
    memstream_release(m);
    /* Cut short; not compressed RTF at all. */
    m = memstream_over(ex1_lzfu, 10);
    cr_assert_eq(WrapCompressedRTFStream(memstream_stream(m), 0, &s), MAPI_E_CORRUPT_DATA);
    memstream_release(m);
    m = memstream_over("plain text, not RTF at all", 26);
    cr_assert_eq(WrapCompressedRTFStream(memstream_stream(m), 0, &s), MAPI_E_CORRUPT_DATA);
    memstream_release(m);
    /* The property cannot be read: its error. */
    m = memstream_over(ex1_lzfu, sizeof(ex1_lzfu));
    m->read_error = STG_E_READFAULT;
    cr_assert_eq(WrapCompressedRTFStream(memstream_stream(m), 0, &s), STG_E_READFAULT);
    memstream_release(m);
    /* A stream that hands out a few bytes at a time is read to its end. */
    m = memstream_over(ex1_lzfu, sizeof(ex1_lzfu));
    m->read_chunk = 3;
    s = wrap_ok(m, 0);
    s->lpVtbl->Release(s);
    memstream_release(m);
    /* An empty property is an empty body. */
    m = memstream_over(NULL, 0);
    s = wrap_ok(m, 0);
    char c;
    ULONG n = 9;
    cr_assert_eq(s->lpVtbl->Read(s, &c, 1, &n), S_OK);
    cr_assert_eq(n, 0);
    s->lpVtbl->Release(s);
    memstream_release(m);
    MAPIRT_LEAK_CHECK();
}

Test(rtfstream, failing_property_on_commit)
{
    struct memstream *m = memstream_over(NULL, 0);
    LPSTREAM w = wrap_ok(m, MAPI_MODIFY);
    write_in_pieces(w, ex1_rtf, sizeof(ex1_rtf) - 1, 100);
    m->write_error = STG_E_MEDIUMFULL;
    cr_assert_eq(w->lpVtbl->Commit(w, STGC_DEFAULT), STG_E_MEDIUMFULL);
    m->write_error = S_OK;
    m->commit_error = STG_E_CANTSAVE;
    cr_assert_eq(w->lpVtbl->Commit(w, STGC_DEFAULT), STG_E_CANTSAVE);
    m->commit_error = S_OK;
    cr_assert_eq(w->lpVtbl->Commit(w, STGC_DEFAULT), S_OK, "the RTF is still there to commit");
    cr_assert_arr_eq(m->data, ex1_lzfu, sizeof(ex1_lzfu));
    cr_assert_eq(m->commits, 1);
    w->lpVtbl->Release(w);
    cr_assert_eq(m->commits, 1, "committed: nothing more at Release");
    memstream_release(m);
    /* A property that cannot seek is written where it stands. */
    m = memstream_over(NULL, 0);
    m->seek_error = STG_E_INVALIDFUNCTION;
    w = wrap_ok(m, MAPI_MODIFY);
    write_in_pieces(w, ex2_rtf, sizeof(ex2_rtf) - 1, 100);
    cr_assert_eq(w->lpVtbl->Commit(w, STGC_DEFAULT), S_OK);
    cr_assert_arr_eq(m->data, ex2_lzfu, sizeof(ex2_lzfu));
    w->lpVtbl->Release(w);
    memstream_release(m);
    MAPIRT_LEAK_CHECK();
}

/* ---- WrapCompressedRTFStreamEx ------------------------------------------------------------- */

static struct memstream *compressed(const char *rtf)
{
    BYTE *z;
    size_t nz;
    cr_assert_eq(mapirt_rtf_compress((const BYTE *)rtf, strlen(rtf), &z, &nz), S_OK);
    struct memstream *m = memstream_over(z, nz);
    mapirt_free(z);
    return m;
}

/* The native body of rtf with the code pages given: its bytes (NUL-terminated, malloc) and
 * type. */
static char *native(const char *rtf, ULONG in_cp, ULONG out_cp, ULONG *type)
{
    struct memstream *m = compressed(rtf);
    RTF_WCSINFO info = {sizeof(info), MAPI_NATIVE_BODY, in_cp, out_cp};
    RTF_WCSRETINFO ret = {sizeof(ret), 0};
    LPSTREAM s = NULL;
    cr_assert_eq(WrapCompressedRTFStreamEx(memstream_stream(m), &info, &s, &ret), S_OK);
    *type = ret.ulStreamFlags;
    size_t n;
    char *p = (char *)read_all(s, 1000, &n);
    p = realloc(p, n + 1);
    p[n] = '\0';
    s->lpVtbl->Release(s);
    memstream_release(m);
    return p;
}

/* [MS-OXRTFEX] 3.1's example, through its second paragraph (the list that follows it in the
 * specification is left out), with a Cyrillic letter and a character cp1251 lacks added to its
 * first tag. */
static const char html_rtf[] =
    "{\\rtf1\\ANSI\\ansicpg1251\\fromhtml1 \\deff0\r\n"
    "{\\fonttbl {\\f0\\fmodern Courier New;}{\\f1\\fswiss Arial;}{\\f2\\fswiss\\fcharset0 Arial;}}\r\n"
    "{\\colortbl\\red0\\green0\\blue0;\\red0\\green0\\blue255;}\r\n"
    "{\\*\\htmltag64}\r\n"
    "\\uc1\\pard\\plain\\deftab360 \\f0\\fs24\r\n"
    "{\\*\\htmltag <HTML><head>\\'e0\\u12354?\\par\r\n"
    "<style>\\par\r\n"
    "<!--\\par\r\n"
    "  /* Style Definitions */\\par\r\n"
    "  p.MsoNormal, li.MsoNormal \\{font-family:Arial;\\}\\par\r\n"
    "-->\\par\r\n"
    "</style>\\par\r\n"
    "\\tab <!-- This is a HTML comment.\\par\r\n"
    "</head>\\par\r\n"
    "<body>\\par\r\n"
    "<p\\par\r\n"
    "class=\"MsoNormal\">}\r\n"
    "{\\htmlrtf \\f1 \\htmlrtf0 Note the line break inside a P tag. {\\*\\htmltag <b>}{\\htmlrtf "
    "\\b \\htmlrtf0 This is a bold text{\\*\\htmltag </b>}} \\htmlrtf\\par\\htmlrtf0}\r\n"
    "\\htmlrtf \\par \\htmlrtf0\r\n"
    "{\\*\\htmltag </p>\\par\r\n"
    "<p class=\"MsoNormal\">\\par}\r\n"
    "{\\htmlrtf \\f1 \\htmlrtf0 This is a normal text with a character references:\r\n"
    "{\\*\\htmltag &nbsp;}\\htmlrtf \\'a0\\htmlrtf0  {\\*\\htmltag &lt;}\\htmlrtf <\\htmlrtf0  "
    "{\\*\\htmltag &uml;}\\htmlrtf {\\f2\\'a8}\\htmlrtf0{\\*\\htmltag <br>\\par}\\htmlrtf\\line"
    "\\htmlrtf0\r\n"
    "characters which have special meaning in RTF: \\{\\}\\\\{\\*\\htmltag <br>\\par}\\htmlrtf"
    "\\line\\htmlrtf0\\htmlrtf\\par\\htmlrtf0}\r\n"
    "{\\*\\htmltag </p>\\par\r\n"
    "</body>\\par\r\n"
    "</HTML>\\par}}\r\n";

static const char html_out[] =
    "<HTML><head>\xe0&#12354;\r\n"
    "<style>\r\n"
    "<!--\r\n"
    "  /* Style Definitions */\r\n"
    "  p.MsoNormal, li.MsoNormal {font-family:Arial;}\r\n"
    "-->\r\n"
    "</style>\r\n"
    "\t<!-- This is a HTML comment.\r\n"
    "</head>\r\n"
    "<body>\r\n"
    "<p\r\n"
    "class=\"MsoNormal\">Note the line break inside a P tag. <b>This is a bold text</b> </p>\r\n"
    "<p class=\"MsoNormal\">\r\n"
    "This is a normal text with a character references:&nbsp; &lt; &uml;<br>\r\n"
    "characters which have special meaning in RTF: {}\\<br>\r\n"
    "</p>\r\n"
    "</body>\r\n"
    "</HTML>\r\n";

Test(rtfstream_ex, native_html)
{
    ULONG type = 0;
    /* No code page asked for: the document's (\ansicpg1251); U+3042 is not in it. */
    char *html = native(html_rtf, 0, 0, &type);
    cr_assert_eq(type, MAPI_NATIVE_BODY_TYPE_HTML);
    cr_assert_str_eq(html, html_out);
    free(html);
    /* UTF-8 out: every character as itself. */
    html = native(html_rtf, 0, 65001, &type);
    cr_assert_eq(strncmp(html, "<HTML><head>\xd0\xb0\xe3\x81\x82\r\n", 19), 0, "%s", html);
    free(html);
    /* The message's code page when no output one is given. */
    html = native(html_rtf, 20127, 0, &type);
    cr_assert_eq(strncmp(html, "<HTML><head>&#1072;&#12354;\r\n", 29), 0, "%s", html);
    free(html);
    MAPIRT_LEAK_CHECK();
}

Test(rtfstream_ex, native_text_and_rtf)
{
    BYTE *rtf;
    size_t n;
    ULONG type = 0;
    static const WCHAR text[] = u"Hello\r\nWorld\t\u03c0 {x}";
    rtf = mapirt_text_to_rtf(text, &n);
    cr_assert_not_null(rtf);
    char *doc = calloc(1, n + 1);
    memcpy(doc, rtf, n);
    mapirt_free(rtf);
    char *t = native(doc, 0, 65001, &type);
    cr_assert_eq(type, MAPI_NATIVE_BODY_TYPE_PLAINTEXT);
    cr_assert_str_eq(t, "Hello\r\nWorld\t\xcf\x80 {x}");
    free(t);
    t = native(doc, 0, 1252, &type);
    cr_assert_str_eq(t, "Hello\r\nWorld\t? {x}", "what cp1252 cannot hold is '?'");
    free(t);
    free(doc);
    /* Plain RTF is its own native body. */
    t = native((const char *)ex1_rtf, 0, 0, &type);
    cr_assert_eq(type, MAPI_NATIVE_BODY_TYPE_RTF);
    cr_assert_str_eq(t, (const char *)ex1_rtf);
    free(t);
    MAPIRT_LEAK_CHECK();
}

Test(rtfstream_ex, flags_and_sizes)
{
    struct memstream *m = memstream_over(ex1_lzfu, sizeof(ex1_lzfu));
    RTF_WCSINFO info = {sizeof(info), 0, 0, 0};
    RTF_WCSRETINFO ret = {sizeof(ret), 99};
    LPSTREAM s = UNTOUCHED;
    info.ulFlags = MAPI_NATIVE_BODY | MAPI_MODIFY;
    cr_assert_eq(WrapCompressedRTFStreamEx(memstream_stream(m), &info, &s, &ret),
                 MAPI_E_INVALID_PARAMETER, "the native body is read-only");
    info.ulFlags = 0x4;
    cr_assert_eq(WrapCompressedRTFStreamEx(memstream_stream(m), &info, &s, &ret),
                 MAPI_E_UNKNOWN_FLAGS);
    info.ulFlags = 0;
    info.size = 8;
    cr_assert_eq(WrapCompressedRTFStreamEx(memstream_stream(m), &info, &s, &ret),
                 MAPI_E_INVALID_PARAMETER);
    info.size = sizeof(info);
    ret.size = 4;
    cr_assert_eq(WrapCompressedRTFStreamEx(memstream_stream(m), &info, &s, &ret),
                 MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(WrapCompressedRTFStreamEx(memstream_stream(m), NULL, &s, NULL),
                 MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(WrapCompressedRTFStreamEx(NULL, &info, &s, NULL), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(s, UNTOUCHED);
    cr_assert_eq(ret.ulStreamFlags, 99, "refused calls leave pRetInfo alone");
    /* Without MAPI_NATIVE_BODY: WrapCompressedRTFStream; pRetInfo is optional. */
    ret.size = sizeof(ret);
    cr_assert_eq(WrapCompressedRTFStreamEx(memstream_stream(m), &info, &s, &ret), S_OK);
    cr_assert_eq(ret.ulStreamFlags, MAPI_NATIVE_BODY_TYPE_RTF);
    size_t n;
    BYTE *got = read_all(s, 16, &n);
    cr_assert_eq(n, sizeof(ex1_rtf) - 1);
    free(got);
    s->lpVtbl->Release(s);
    m->pos = 0;
    info.ulFlags = MAPI_MODIFY | STORE_UNCOMPRESSED_RTF;
    cr_assert_eq(WrapCompressedRTFStreamEx(memstream_stream(m), &info, &s, NULL), S_OK);
    write_in_pieces(s, ex2_rtf, sizeof(ex2_rtf) - 1, 4);
    cr_assert_eq(s->lpVtbl->Commit(s, STGC_DEFAULT), S_OK);
    cr_assert_eq(memcmp(m->data + 8, "MELA", 4), 0);
    s->lpVtbl->Release(s);
    /* An output code page nobody knows. */
    struct memstream *h = compressed(html_rtf);
    info.ulFlags = MAPI_NATIVE_BODY;
    info.ulOutCodePage = 4242;
    cr_assert_eq(WrapCompressedRTFStreamEx(memstream_stream(h), &info, &s, &ret),
                 MAPI_E_UNKNOWN_CPID);
    memstream_release(h);
    memstream_release(m);
    MAPIRT_LEAK_CHECK();
}

/* The wrapper's calls answer STG_E_INSUFFICIENTMEMORY where OOM_LOOP expects MAPI's code. */
static HRESULT as_mapi(HRESULT hr)
{
    return hr == STG_E_INSUFFICIENTMEMORY ? MAPI_E_NOT_ENOUGH_MEMORY : hr;
}

static HRESULT write_commit(LPSTREAM w)
{
    ULONG put;
    HRESULT hr = w->lpVtbl->Write(w, ex1_rtf, sizeof(ex1_rtf) - 1, &put);
    if (SUCCEEDED(hr))
        hr = w->lpVtbl->Commit(w, STGC_DEFAULT);
    return as_mapi(hr);
}

Test(rtfstream, out_of_memory)
{
    unsigned long oom_points = 0;
    HRESULT hr;
    LPSTREAM s = NULL;
    struct memstream *m = memstream_over(ex1_lzfu, sizeof(ex1_lzfu));
    OOM_LOOP(hr, (m->pos = 0, hr = WrapCompressedRTFStream(memstream_stream(m), 0, &s)),
             s->lpVtbl->Release(s));
    cr_assert_gt(oom_points, 2);
    cr_assert_eq(memstream_refs(m), 1);
    memstream_release(m);

    struct memstream *h = compressed(html_rtf);
    RTF_WCSINFO info = {sizeof(info), MAPI_NATIVE_BODY, 0, 0};
    OOM_LOOP(hr, (h->pos = 0, hr = WrapCompressedRTFStreamEx(memstream_stream(h), &info, &s, NULL)),
             s->lpVtbl->Release(s));
    cr_assert_gt(oom_points, 4);
    memstream_release(h);

    /* Writing: the buffer that grows, the compression at Commit. Each run on a new wrapper. */
    m = memstream_over(NULL, 0);
    LPSTREAM w = NULL;
    for (unsigned long k = 1;; k++) {
        if (w != NULL)
            w->lpVtbl->Release(w);
        m->pos = m->size = 0;
        w = wrap_ok(m, MAPI_MODIFY);
        mapirt_test_fail_alloc(k);
        hr = write_commit(w);
        OOM_STEP(hr, k, MAPI_E_NOT_ENOUGH_MEMORY);
    }
    w->lpVtbl->Release(w);
    cr_assert_arr_eq(m->data, ex1_lzfu, sizeof(ex1_lzfu));
    memstream_release(m);
    MAPIRT_LEAK_CHECK();
}
