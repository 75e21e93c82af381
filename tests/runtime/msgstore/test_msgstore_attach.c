/* tests/runtime/msgstore/test_msgstore_attach.c: attachments, embedded messages, property
 * streams and named properties of the bundled message store (providers/msgstore/), through the
 * provider loaded with dlopen (msfixture.h).
 * configure: link -rdynamic -ldl */
#define _DEFAULT_SOURCE
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapiguid.h>
#include <mapispi.h>
#include <mapitags.h>
#include <mapiutil.h>
#include <mapix.h>
#include <mapirt/notify.h>

#include "msfixture.h"

/* The live heap, where the sanitizer's allocator tells it (ASan's quarantine keeps freed memory
 * resident, so the resident size says nothing there); else the peak resident size. */
#if defined(__has_include)
#if __has_include(<sanitizer/allocator_interface.h>)
#include <sanitizer/allocator_interface.h>
#define LIVE_HEAP() __sanitizer_get_current_allocated_bytes()
#endif
#endif
#ifndef LIVE_HEAP
static size_t rss_bytes(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (size_t)ru.ru_maxrss * 1024;
}
#define LIVE_HEAP() rss_bytes()
#endif
static size_t heap_peak;

static void note_heap(void)
{
    size_t now = LIVE_HEAP();
    if (now > heap_peak)
        heap_peak = now;
}

TestSuite(msgstore_attach, .init = setup, .fini = teardown);

/* GetLastError's text for the call that just failed with hr contains want. */
static void expect_last_error(LPMAPIPROP obj, HRESULT hr, const char *want)
{
    LPMAPIERROR e = NULL;
    cr_assert_eq(obj->lpVtbl->GetLastError(obj, hr, 0, &e), S_OK);
    cr_assert_not_null(e);
    cr_expect(e->lpszError && strstr((char *)e->lpszError, want), "'%s' has no '%s'",
              e->lpszError ? (char *)e->lpszError : "(null)", want);
    MAPIFreeBuffer(e);
}

static BYTE pattern(uint64_t i, unsigned seed)
{
    return (BYTE)((i * 2654435761u) >> 13 ^ seed);
}

/* Writes size bytes of the pattern to a stream in pieces of step bytes. */
static void write_pattern(LPSTREAM st, uint64_t size, ULONG step, unsigned seed)
{
    BYTE *buf = malloc(step);
    cr_assert_not_null(buf);
    for (uint64_t at = 0; at < size;) {
        ULONG n = size - at < step ? (ULONG)(size - at) : step, w = 0;
        for (ULONG k = 0; k < n; k++)
            buf[k] = pattern(at + k, seed);
        cr_assert_eq(st->lpVtbl->Write(st, buf, n, &w), S_OK);
        cr_assert_eq(w, n);
        at += n;
        note_heap();
    }
    free(buf);
}

/* Reads the whole stream and checks it is the pattern of size bytes. */
static void check_pattern(LPSTREAM st, uint64_t size, unsigned seed)
{
    BYTE buf[40000];
    uint64_t at = 0;
    for (;;) {
        ULONG got = 0;
        cr_assert_eq(st->lpVtbl->Read(st, buf, sizeof buf, &got), S_OK);
        if (got == 0)
            break;
        for (ULONG k = 0; k < got; k++)
            if (buf[k] != pattern(at + k, seed))
                cr_assert_fail("byte %llu differs", (unsigned long long)(at + k));
        at += got;
        note_heap();
    }
    cr_assert_eq(at, size);
}

static LPSTREAM open_stream(LPMAPIPROP obj, ULONG tag, ULONG flags)
{
    LPUNKNOWN u = NULL;
    HRESULT hr = obj->lpVtbl->OpenProperty(obj, tag, &IID_IStream, 0, flags, &u);
    cr_assert_eq(hr, S_OK, "OpenProperty 0x%08X: 0x%08X", tag, (unsigned)hr);
    return (LPSTREAM)u;
}

static LPMESSAGE reopen(LPMDB mdb, SBinary *eid, ULONG flags)
{
    ULONG ot = 0;
    LPUNKNOWN u = NULL;
    cr_assert_eq(mdb->lpVtbl->OpenEntry(mdb, eid->cb, (LPENTRYID)eid->lpb, NULL, flags, &ot, &u),
                 S_OK);
    cr_assert_eq(ot, MAPI_MESSAGE);
    return (LPMESSAGE)u;
}

static void set_string(LPMAPIPROP obj, ULONG tag, const char *s)
{
    SPropValue v;
    memset(&v, 0, sizeof v);
    v.ulPropTag = tag;
    v.Value.lpszA = (LPSTR)s;
    cr_assert_eq(obj->lpVtbl->SetProps(obj, 1, &v, NULL), S_OK);
}

static ULONG attach_count(LPMESSAGE m)
{
    LPMAPITABLE t = NULL;
    ULONG n = 0;
    cr_assert_eq(m->lpVtbl->GetAttachmentTable(m, 0, &t), S_OK);
    cr_assert_eq(t->lpVtbl->GetRowCount(t, 0, &n), S_OK);
    t->lpVtbl->Release(t);
    return n;
}

Test(msgstore_attach, attachments_are_saved_with_their_message_and_only_then)
{
    logon l;
    cr_assert_eq(do_logon(&l, path, 0, NULL), S_OK);
    LPMAPIFOLDER inbox = open_inbox(l.mdb);
    LPMESSAGE m = new_message(inbox, "with attachments");
    ULONG num = 99, num2 = 99;
    LPATTACH a = NULL, b = NULL;
    cr_assert_eq(m->lpVtbl->CreateAttach(m, NULL, 0, &num, &a), S_OK);
    cr_expect_eq(num, 0);
    set_string((LPMAPIPROP)a, PR_ATTACH_LONG_FILENAME_A, "report.pdf");
    SPropValue v[2];
    memset(v, 0, sizeof v);
    v[0].ulPropTag = PR_ATTACH_METHOD;
    v[0].Value.l = ATTACH_BY_VALUE;
    v[1].ulPropTag = PR_ATTACH_DATA_BIN;
    v[1].Value.bin.cb = 5;
    v[1].Value.bin.lpb = (LPBYTE) "%PDF-";
    cr_assert_eq(a->lpVtbl->SetProps(a, 2, v, NULL), S_OK);
    cr_expect_eq(attach_count(m), 0, "not in the message before the attachment's SaveChanges");
    cr_assert_eq(a->lpVtbl->SaveChanges(a, KEEP_OPEN_READWRITE), S_OK);
    cr_expect_eq(attach_count(m), 1);
    /* A second one released without SaveChanges is gone. */
    cr_assert_eq(m->lpVtbl->CreateAttach(m, NULL, 0, &num2, &b), S_OK);
    cr_expect_eq(num2, 1);
    b->lpVtbl->Release(b);
    cr_expect_eq(attach_count(m), 1);
    a->lpVtbl->Release(a);
    cr_assert_eq(m->lpVtbl->SaveChanges(m, KEEP_OPEN_READWRITE), S_OK);
    LPSPropValue has = prop((LPMAPIPROP)m, PR_HASATTACH);
    cr_expect(has->Value.b);
    MAPIFreeBuffer(has);
    LPSPropValue eid = prop((LPMAPIPROP)m, PR_ENTRYID);
    m->lpVtbl->Release(m);

    m = reopen(l.mdb, &eid->Value.bin, MAPI_MODIFY);
    LPSPropValue flags = prop((LPMAPIPROP)m, PR_MESSAGE_FLAGS);
    cr_expect(flags->Value.l & MSGFLAG_HASATTACH);
    MAPIFreeBuffer(flags);
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    cr_assert_eq(m->lpVtbl->GetAttachmentTable(m, 0, &t), S_OK);
    SizedSPropTagArray(3, cols) = {3, {PR_ATTACH_NUM, PR_ATTACH_LONG_FILENAME_A,
                                       PR_ATTACH_METHOD}};
    cr_assert_eq(HrQueryAllRows(t, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows), S_OK);
    cr_assert_eq(rows->cRows, 1);
    cr_expect_eq(rows->aRow[0].lpProps[0].Value.l, 0);
    cr_expect_str_eq(rows->aRow[0].lpProps[1].Value.lpszA, "report.pdf");
    cr_expect_eq(rows->aRow[0].lpProps[2].Value.l, ATTACH_BY_VALUE);
    FreeProws(rows);
    t->lpVtbl->Release(t);
    cr_assert_eq(m->lpVtbl->OpenAttach(m, 0, NULL, 0, &a), S_OK);
    LPSPropValue data = prop((LPMAPIPROP)a, PR_ATTACH_DATA_BIN);
    cr_expect_eq(data->Value.bin.cb, 5);
    cr_expect_eq(memcmp(data->Value.bin.lpb, "%PDF-", 5), 0);
    MAPIFreeBuffer(data);
    cr_expect_eq(a->lpVtbl->SetProps(a, 2, v, NULL), MAPI_E_NO_ACCESS, "opened read-only");
    a->lpVtbl->Release(a);
    LPATTACH none = NULL;
    cr_expect_eq(m->lpVtbl->OpenAttach(m, 7, NULL, 0, &none), MAPI_E_NOT_FOUND);
    /* Deleting is transacted too. */
    cr_assert_eq(m->lpVtbl->DeleteAttach(m, 0, 0, NULL, 0), S_OK);
    cr_expect_eq(attach_count(m), 0);
    cr_expect_eq(m->lpVtbl->DeleteAttach(m, 0, 0, NULL, 0), MAPI_E_NOT_FOUND);
    LPMESSAGE other = reopen(l.mdb, &eid->Value.bin, 0);
    cr_expect_eq(attach_count(other), 1, "another instance still has it");
    other->lpVtbl->Release(other);
    cr_assert_eq(m->lpVtbl->SaveChanges(m, 0), S_OK);
    m->lpVtbl->Release(m);
    m = reopen(l.mdb, &eid->Value.bin, 0);
    cr_expect_eq(attach_count(m), 0);
    has = prop((LPMAPIPROP)m, PR_HASATTACH);
    cr_expect_not(has->Value.b);
    MAPIFreeBuffer(has);
    m->lpVtbl->Release(m);
    MAPIFreeBuffer(eid);
    inbox->lpVtbl->Release(inbox);
    logoff(&l);
}

Test(msgstore_attach, embedded_messages_nest_and_save_into_their_attachment)
{
    logon l;
    cr_assert_eq(do_logon(&l, path, 0, NULL), S_OK);
    LPMAPIFOLDER inbox = open_inbox(l.mdb);
    LPMESSAGE m = new_message(inbox, "outer");
    ULONG num;
    LPATTACH a = NULL;
    cr_assert_eq(m->lpVtbl->CreateAttach(m, NULL, 0, &num, &a), S_OK);
    SPropValue v;
    memset(&v, 0, sizeof v);
    v.ulPropTag = PR_ATTACH_METHOD;
    v.Value.l = ATTACH_EMBEDDED_MSG;
    cr_assert_eq(a->lpVtbl->SetProps(a, 1, &v, NULL), S_OK);
    LPUNKNOWN u = NULL;
    cr_expect_eq(a->lpVtbl->OpenProperty(a, PR_ATTACH_DATA_OBJ, &IID_IMessage, 0, 0, &u),
                 MAPI_E_NOT_FOUND, "no embedded message yet");
    expect_last_error((LPMAPIPROP)a, MAPI_E_NOT_FOUND, "OpenProperty: no embedded message");
    cr_expect_eq(a->lpVtbl->OpenProperty(a, PR_ATTACH_NUM, &IID_IStream, 0, 0, &u),
                 MAPI_E_INTERFACE_NOT_SUPPORTED);
    expect_last_error((LPMAPIPROP)a, MAPI_E_INTERFACE_NOT_SUPPORTED,
                      "OpenProperty: only PT_BINARY, PT_STRING8 and PT_UNICODE properties open"
                      " as streams");
    cr_expect_eq(a->lpVtbl->OpenProperty(a, PR_ATTACH_DATA_BIN, &IID_IStream, 0, 0, &u),
                 MAPI_E_NOT_FOUND);
    expect_last_error((LPMAPIPROP)a, MAPI_E_NOT_FOUND, "OpenProperty: no such property");
    cr_assert_eq(a->lpVtbl->OpenProperty(a, PR_ATTACH_DATA_OBJ, &IID_IMessage, 0,
                                         MAPI_CREATE | MAPI_MODIFY, &u), S_OK);
    LPMESSAGE inner = (LPMESSAGE)u;
    set_string((LPMAPIPROP)inner, PR_SUBJECT_A, "inner");
    LPSPropValue none = NULL;
    cr_expect_eq(HrGetOneProp((LPMAPIPROP)inner, PR_ENTRYID, &none), MAPI_E_NOT_FOUND,
                 "an embedded message has no entry ID");
    /* The inner message has an attachment of its own, with a big value. */
    LPATTACH ia = NULL;
    ULONG inum;
    cr_assert_eq(inner->lpVtbl->CreateAttach(inner, NULL, 0, &inum, &ia), S_OK);
    LPSTREAM st = open_stream((LPMAPIPROP)ia, PR_ATTACH_DATA_BIN, MAPI_CREATE | MAPI_MODIFY);
    write_pattern(st, 300000, 7000, 3);
    cr_assert_eq(st->lpVtbl->Commit(st, 0), S_OK);
    st->lpVtbl->Release(st);
    cr_assert_eq(ia->lpVtbl->SaveChanges(ia, 0), S_OK);
    ia->lpVtbl->Release(ia);
    cr_assert_eq(inner->lpVtbl->SaveChanges(inner, 0), S_OK);
    inner->lpVtbl->Release(inner);
    cr_assert_eq(a->lpVtbl->SaveChanges(a, 0), S_OK);
    a->lpVtbl->Release(a);
    cr_assert_eq(m->lpVtbl->SaveChanges(m, KEEP_OPEN_READONLY), S_OK);
    LPSPropValue eid = prop((LPMAPIPROP)m, PR_ENTRYID);
    m->lpVtbl->Release(m);

    /* Reopened: outer -> attachment -> inner -> its attachment -> the bytes. */
    m = reopen(l.mdb, &eid->Value.bin, MAPI_MODIFY);
    cr_assert_eq(m->lpVtbl->OpenAttach(m, num, NULL, MAPI_MODIFY, &a), S_OK);
    cr_assert_eq(a->lpVtbl->OpenProperty(a, PR_ATTACH_DATA_OBJ, &IID_IMessage, 0, MAPI_MODIFY,
                                         &u), S_OK);
    inner = (LPMESSAGE)u;
    LPSPropValue subj = prop((LPMAPIPROP)inner, PR_SUBJECT_A);
    cr_expect_str_eq(subj->Value.lpszA, "inner");
    MAPIFreeBuffer(subj);
    cr_assert_eq(inner->lpVtbl->OpenAttach(inner, inum, NULL, 0, &ia), S_OK);
    st = open_stream((LPMAPIPROP)ia, PR_ATTACH_DATA_BIN, 0);
    check_pattern(st, 300000, 3);
    st->lpVtbl->Release(st);
    ia->lpVtbl->Release(ia);
    /* Changing the inner subject reaches the store only with the outer SaveChanges. */
    set_string((LPMAPIPROP)inner, PR_SUBJECT_A, "inner, changed");
    cr_assert_eq(inner->lpVtbl->SaveChanges(inner, 0), S_OK);
    inner->lpVtbl->Release(inner);
    cr_assert_eq(a->lpVtbl->SaveChanges(a, 0), S_OK);
    a->lpVtbl->Release(a);
    LPMESSAGE other = reopen(l.mdb, &eid->Value.bin, 0);
    cr_assert_eq(other->lpVtbl->OpenAttach(other, num, NULL, 0, &a), S_OK);
    cr_assert_eq(a->lpVtbl->OpenProperty(a, PR_ATTACH_DATA_OBJ, &IID_IMessage, 0, 0, &u), S_OK);
    subj = prop((LPMAPIPROP)u, PR_SUBJECT_A);
    cr_expect_str_eq(subj->Value.lpszA, "inner", "not saved yet");
    MAPIFreeBuffer(subj);
    u->lpVtbl->Release(u);
    a->lpVtbl->Release(a);
    other->lpVtbl->Release(other);
    cr_assert_eq(m->lpVtbl->SaveChanges(m, 0), S_OK);
    m->lpVtbl->Release(m);
    m = reopen(l.mdb, &eid->Value.bin, 0);
    cr_assert_eq(m->lpVtbl->OpenAttach(m, num, NULL, 0, &a), S_OK);
    cr_assert_eq(a->lpVtbl->OpenProperty(a, PR_ATTACH_DATA_OBJ, &IID_IMessage, 0, 0, &u), S_OK);
    subj = prop((LPMAPIPROP)u, PR_SUBJECT_A);
    cr_expect_str_eq(subj->Value.lpszA, "inner, changed");
    MAPIFreeBuffer(subj);
    inner = (LPMESSAGE)u;
    cr_expect_eq(attach_count(inner), 1, "the inner attachment survived the rewrite");
    cr_assert_eq(inner->lpVtbl->OpenAttach(inner, inum, NULL, 0, &ia), S_OK);
    st = open_stream((LPMAPIPROP)ia, PR_ATTACH_DATA_BIN, 0);
    check_pattern(st, 300000, 3);
    st->lpVtbl->Release(st);
    ia->lpVtbl->Release(ia);
    inner->lpVtbl->Release(inner);
    a->lpVtbl->Release(a);
    m->lpVtbl->Release(m);
    /* Only the outer message is in the folder. */
    cr_expect_eq(row_count((LPMAPICONTAINER)inbox, 0, 0), 1);
    MAPIFreeBuffer(eid);
    inbox->lpVtbl->Release(inbox);
    logoff(&l);
}

Test(msgstore_attach, streams_are_transacted_with_the_message)
{
    logon l;
    cr_assert_eq(do_logon(&l, path, 0, NULL), S_OK);
    LPMAPIFOLDER inbox = open_inbox(l.mdb);
    LPMESSAGE m = new_message(inbox, "body");
    /* A big binary value, written in pieces that straddle the chunks. */
    LPSTREAM st = open_stream((LPMAPIPROP)m, PROP_TAG(PT_BINARY, 0x6801),
                              MAPI_CREATE | MAPI_MODIFY);
    write_pattern(st, 1000003, 10007, 1);
    STATSTG ss;
    cr_assert_eq(st->lpVtbl->Stat(st, &ss, STATFLAG_NONAME), S_OK);
    cr_expect_eq(ss.cbSize.QuadPart, 1000003);
    /* Overwrite a range in the middle, then the end. */
    LARGE_INTEGER at = {.QuadPart = 65530};
    cr_assert_eq(st->lpVtbl->Seek(st, at, STREAM_SEEK_SET, NULL), S_OK);
    BYTE x[20];
    for (int i = 0; i < 20; i++)
        x[i] = pattern(65530 + i, 1);
    cr_assert_eq(st->lpVtbl->Write(st, x, 20, NULL), S_OK);
    cr_assert_eq(st->lpVtbl->Commit(st, 0), S_OK);
    st->lpVtbl->Release(st);
    /* GetProps says the value is too big for it; GetPropList lists it. */
    LPSPropValue big = NULL;
    cr_expect_eq(HrGetOneProp((LPMAPIPROP)m, PROP_TAG(PT_BINARY, 0x6801), &big),
                 MAPI_E_NOT_ENOUGH_MEMORY);
    LPSPropTagArray list = NULL;
    cr_assert_eq(m->lpVtbl->GetPropList(m, 0, &list), S_OK);
    int listed = 0;
    for (ULONG i = 0; i < list->cValues; i++)
        listed |= list->aulPropTag[i] == PROP_TAG(PT_BINARY, 0x6801);
    cr_expect(listed);
    MAPIFreeBuffer(list);
    /* A small body through a stream lands where GetProps reads it. */
    st = open_stream((LPMAPIPROP)m, PR_BODY_A, MAPI_CREATE | MAPI_MODIFY);
    cr_assert_eq(st->lpVtbl->Write(st, "Hello, world", 12, NULL), S_OK);
    st->lpVtbl->Release(st); /* the last Release commits */
    LPSPropValue body = prop((LPMAPIPROP)m, PR_BODY_A);
    cr_expect_str_eq(body->Value.lpszA, "Hello, world");
    MAPIFreeBuffer(body);
    cr_assert_eq(m->lpVtbl->SaveChanges(m, KEEP_OPEN_READWRITE), S_OK);
    LPSPropValue eid = prop((LPMAPIPROP)m, PR_ENTRYID);

    /* Changed and committed, not saved: another instance reads the saved value. */
    st = open_stream((LPMAPIPROP)m, PROP_TAG(PT_BINARY, 0x6801), MAPI_MODIFY);
    ULARGE_INTEGER small = {.QuadPart = 100};
    cr_assert_eq(st->lpVtbl->SetSize(st, small), S_OK);
    cr_assert_eq(st->lpVtbl->Commit(st, 0), S_OK);
    st->lpVtbl->Release(st);
    LPMESSAGE other = reopen(l.mdb, &eid->Value.bin, 0);
    st = open_stream((LPMAPIPROP)other, PROP_TAG(PT_BINARY, 0x6801), 0);
    check_pattern(st, 1000003, 1);
    /* Read-only stream: no writes; past the end: nothing, S_OK; before the start: refused. */
    cr_expect_eq(st->lpVtbl->Write(st, "x", 1, NULL), STG_E_ACCESSDENIED);
    ULONG got = 5;
    BYTE b[4];
    cr_expect_eq(st->lpVtbl->Read(st, b, 4, &got), S_OK);
    cr_expect_eq(got, 0);
    LARGE_INTEGER back = {.QuadPart = -1};
    cr_expect_eq(st->lpVtbl->Seek(st, back, STREAM_SEEK_SET, NULL), STG_E_INVALIDFUNCTION);
    LARGE_INTEGER far = {.QuadPart = 5000000};
    cr_expect_eq(st->lpVtbl->Seek(st, far, STREAM_SEEK_SET, NULL), S_OK);
    cr_expect_eq(st->lpVtbl->Read(st, b, 4, &got), S_OK);
    cr_expect_eq(got, 0);
    st->lpVtbl->Release(st);
    /* Wrong types and missing properties. */
    LPUNKNOWN u = NULL;
    cr_expect_eq(((LPMAPIPROP)other)->lpVtbl->OpenProperty((LPMAPIPROP)other, PR_MESSAGE_FLAGS,
                                                           &IID_IStream, 0, 0, &u),
                 MAPI_E_INTERFACE_NOT_SUPPORTED);
    expect_last_error((LPMAPIPROP)other, MAPI_E_INTERFACE_NOT_SUPPORTED,
                      "OpenProperty: only PT_BINARY, PT_STRING8 and PT_UNICODE properties open"
                      " as streams");
    cr_expect_eq(((LPMAPIPROP)other)->lpVtbl->OpenProperty((LPMAPIPROP)other, PROP_TAG(PT_STRING8, 0x1013),
                                                           &IID_IStream, 0, 0, &u),
                 MAPI_E_NOT_FOUND);
    expect_last_error((LPMAPIPROP)other, MAPI_E_NOT_FOUND, "OpenProperty: no such property");
    cr_expect_eq(((LPMAPIPROP)other)->lpVtbl->OpenProperty((LPMAPIPROP)other, PR_BODY_A,
                                                           &IID_IStream, 0, MAPI_MODIFY, &u),
                 MAPI_E_NO_ACCESS, "the message is read-only");
    cr_expect_eq(((LPMAPIPROP)other)->lpVtbl->OpenProperty((LPMAPIPROP)other, PR_BODY_A,
                                                           &IID_IMAPITable, 0, 0, &u),
                 MAPI_E_INTERFACE_NOT_SUPPORTED);
    cr_expect_null(u);
    other->lpVtbl->Release(other);
    cr_assert_eq(m->lpVtbl->SaveChanges(m, 0), S_OK);
    m->lpVtbl->Release(m);
    m = reopen(l.mdb, &eid->Value.bin, 0);
    LPSPropValue now = prop((LPMAPIPROP)m, PROP_TAG(PT_BINARY, 0x6801));
    cr_expect_eq(now->Value.bin.cb, 100, "cut to 100 bytes, it is small again");
    for (ULONG i = 0; i < 100; i++)
        cr_assert_eq(now->Value.bin.lpb[i], pattern(i, 1));
    MAPIFreeBuffer(now);
    m->lpVtbl->Release(m);
    MAPIFreeBuffer(eid);
    inbox->lpVtbl->Release(inbox);
    logoff(&l);
}

Test(msgstore_attach, a_big_unicode_body_reads_in_either_width)
{
    logon l;
    cr_assert_eq(do_logon(&l, path, 0, NULL), S_OK);
    LPMAPIFOLDER inbox = open_inbox(l.mdb);
    LPMESSAGE m = new_message(inbox, "unicode");
    /* "é" then U+1F600 (a surrogate pair), repeated past several chunks. */
    static const WCHAR unit[] = {'a', 0xE9, 0xD83D, 0xDE00, 'z'};
    size_t reps = 30000, n = reps * 5;
    WCHAR *w = malloc((n + 1) * sizeof *w);
    cr_assert_not_null(w);
    for (size_t i = 0; i < n; i++)
        w[i] = unit[i % 5];
    w[n] = 0;
    LPSTREAM st = open_stream((LPMAPIPROP)m, PR_BODY_W, MAPI_CREATE | MAPI_MODIFY);
    /* An odd piece size: surrogate pairs are cut between writes and between chunks. */
    for (size_t at = 0; at < n * 2;) {
        ULONG k = n * 2 - at < 999 ? (ULONG)(n * 2 - at) : 999;
        cr_assert_eq(st->lpVtbl->Write(st, (BYTE *)w + at, k, NULL), S_OK);
        at += k;
    }
    st->lpVtbl->Release(st);
    cr_assert_eq(m->lpVtbl->SaveChanges(m, KEEP_OPEN_READONLY), S_OK);
    st = open_stream((LPMAPIPROP)m, PR_BODY_A, 0);
    STATSTG ss;
    cr_assert_eq(st->lpVtbl->Stat(st, &ss, STATFLAG_NONAME), S_OK);
    /* a (1) + é (2) + U+1F600 (4) + z (1) = 8 UTF-8 bytes a repetition */
    cr_expect_eq(ss.cbSize.QuadPart, reps * 8);
    char *utf8 = malloc(reps * 8 + 1);
    ULONG got = 0;
    cr_assert_eq(st->lpVtbl->Read(st, utf8, (ULONG)(reps * 8), &got), S_OK);
    cr_assert_eq(got, reps * 8);
    for (size_t i = 0; i < reps; i++)
        cr_assert_eq(memcmp(utf8 + i * 8, "a\xC3\xA9\xF0\x9F\x98\x80z", 8), 0, "at %zu", i);
    free(utf8);
    st->lpVtbl->Release(st);
    st = open_stream((LPMAPIPROP)m, PR_BODY_W, 0);
    WCHAR *back = malloc(n * 2 + 2);
    cr_assert_eq(st->lpVtbl->Read(st, back, (ULONG)(n * 2 + 2), &got), S_OK);
    cr_expect_eq(got, n * 2);
    cr_expect_eq(memcmp(back, w, n * 2), 0);
    free(back);
    st->lpVtbl->Release(st);
    free(w);
    m->lpVtbl->Release(m);
    inbox->lpVtbl->Release(inbox);
    logoff(&l);
}

Test(msgstore_attach, named_properties_have_one_mapping_per_store)
{
    logon l;
    cr_assert_eq(do_logon(&l, path, 0, NULL), S_OK);
    static GUID set = {0x00062004, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}};
    MAPINAMEID byid = {&set, MNID_ID, {.lID = 0x8083}};
    MAPINAMEID byname = {&set, MNID_STRING, {.lpwstrName = (LPWSTR)u"Keywords"}};
    MAPINAMEID tagged = {(LPGUID)&PS_MAPI, MNID_ID, {.lID = 0x0037}};
    LPMAPINAMEID names[3] = {&byid, &byname, &tagged};
    LPSPropTagArray tags = NULL;
    cr_expect_eq(l.mdb->lpVtbl->GetIDsFromNames(l.mdb, 3, names, 0, &tags),
                 MAPI_W_ERRORS_RETURNED, "not created yet");
    cr_expect_eq(tags->aulPropTag[0], PROP_TAG(PT_ERROR, 0));
    cr_expect_eq(*(tags->aulPropTag + 2), PROP_TAG(PT_UNSPECIFIED, 0x0037), "PS_MAPI: the tag");
    MAPIFreeBuffer(tags);
    cr_assert_eq(l.mdb->lpVtbl->GetIDsFromNames(l.mdb, 3, names, MAPI_CREATE, &tags), S_OK);
    ULONG id0 = PROP_ID(tags->aulPropTag[0]), id1 = PROP_ID(tags->aulPropTag[1]);
    cr_expect_geq(id0, 0x8000);
    cr_expect_geq(id1, 0x8000);
    cr_expect_neq(id0, id1);
    MAPIFreeBuffer(tags);
    /* The same from a folder, a message and an attachment, and after logging on again. */
    LPMAPIFOLDER inbox = open_inbox(l.mdb);
    LPMESSAGE m = new_message(inbox, "named");
    ULONG num = 0;
    LPATTACH a = NULL;
    cr_assert_eq(m->lpVtbl->CreateAttach(m, NULL, 0, &num, &a), S_OK);
    LPMAPIPROP objs[3] = {(LPMAPIPROP)inbox, (LPMAPIPROP)m, (LPMAPIPROP)a};
    for (int k = 0; k < 3; k++) {
        cr_assert_eq(objs[k]->lpVtbl->GetIDsFromNames(objs[k], 2, names, 0, &tags), S_OK);
        cr_expect_eq(PROP_ID(tags->aulPropTag[0]), id0, "object %d", k);
        cr_expect_eq(PROP_ID(tags->aulPropTag[1]), id1, "object %d", k);
        ULONG cn = 0;
        LPMAPINAMEID *back = NULL;
        cr_assert_eq(objs[k]->lpVtbl->GetNamesFromIDs(objs[k], &tags, NULL, 0, &cn, &back), S_OK);
        cr_assert_eq(cn, 2);
        cr_expect_eq(back[0]->Kind.lID, 0x8083, "object %d", k);
        MAPIFreeBuffer(back);
        MAPIFreeBuffer(tags);
    }
    a->lpVtbl->Release(a);
    m->lpVtbl->Release(m);
    inbox->lpVtbl->Release(inbox);
    logoff(&l);
    cr_assert_eq(do_logon(&l, path, 0, NULL), S_OK);
    SizedSPropTagArray(3, ask) = {3, {PROP_TAG(PT_LONG, id0), PROP_TAG(PT_UNICODE, id1),
                                      PROP_TAG(PT_LONG, 0xFFF0)}};
    LPSPropTagArray askp = (LPSPropTagArray)&ask;
    ULONG c = 0;
    LPMAPINAMEID *out = NULL;
    cr_assert_eq(l.mdb->lpVtbl->GetNamesFromIDs(l.mdb, &askp, NULL, 0, &c, &out),
                 MAPI_W_ERRORS_RETURNED, "0xFFF0 has no name");
    cr_assert_eq(c, 3);
    cr_expect_eq(out[0]->ulKind, MNID_ID);
    cr_expect_eq(out[0]->Kind.lID, 0x8083);
    cr_expect_eq(memcmp(out[0]->lpguid, &set, sizeof set), 0);
    cr_expect_eq(out[1]->ulKind, MNID_STRING);
    cr_expect_eq(memcmp(out[1]->Kind.lpwstrName, u"Keywords", 18), 0);
    cr_expect_null(out[2]);
    MAPIFreeBuffer(out);
    /* All names. */
    LPSPropTagArray all = NULL;
    cr_assert_eq(l.mdb->lpVtbl->GetNamesFromIDs(l.mdb, &all, NULL, 0, &c, &out), S_OK);
    cr_expect_eq(c, 2);
    cr_expect_eq(all->cValues, 2);
    MAPIFreeBuffer(out);
    MAPIFreeBuffer(all);
    all = NULL;
    cr_assert_eq(l.mdb->lpVtbl->GetNamesFromIDs(l.mdb, &all, NULL, MAPI_NO_STRINGS, &c, &out),
                 S_OK);
    cr_expect_eq(c, 1);
    MAPIFreeBuffer(out);
    MAPIFreeBuffer(all);
    logoff(&l);
}

/* A child writes messages each with a 1 MB attachment, through a stream, until it is killed
 * with -9 (mostly in the middle of a stream write); every message in the store is then whole. */
Test(msgstore_attach, kill_9_during_a_stream_write_loses_nothing_saved)
{
    logon l;
    cr_assert_eq(do_logon(&l, path, 0, NULL), S_OK);
    logoff(&l);
    int pipefd[2];
    cr_assert_eq(pipe(pipefd), 0);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        logon c;
        close(pipefd[0]);
        if (do_logon(&c, path, 0, NULL) != S_OK)
            _exit(2);
        LPMAPIFOLDER inbox = open_inbox(c.mdb);
        for (unsigned i = 1;; i++) {
            LPMESSAGE m = NULL;
            LPATTACH a = NULL;
            LPUNKNOWN u = NULL;
            ULONG num;
            SPropValue v;
            memset(&v, 0, sizeof v);
            v.ulPropTag = PROP_TAG(PT_LONG, 0x6800);
            v.Value.l = (LONG)i;
            if (inbox->lpVtbl->CreateMessage(inbox, NULL, 0, &m) != S_OK ||
                m->lpVtbl->SetProps(m, 1, &v, NULL) != S_OK ||
                m->lpVtbl->CreateAttach(m, NULL, 0, &num, &a) != S_OK ||
                a->lpVtbl->OpenProperty(a, PR_ATTACH_DATA_BIN, &IID_IStream, 0,
                                        MAPI_CREATE | MAPI_MODIFY, &u) != S_OK)
                _exit(3);
            LPSTREAM st = (LPSTREAM)u;
            BYTE buf[8192];
            for (uint64_t at = 0; at < 1000000; at += sizeof buf) {
                for (size_t k = 0; k < sizeof buf; k++)
                    buf[k] = pattern(at + k, i);
                ULONG n = 1000000 - at < sizeof buf ? (ULONG)(1000000 - at) : sizeof buf;
                if (st->lpVtbl->Write(st, buf, n, NULL) != S_OK)
                    _exit(4);
            }
            st->lpVtbl->Release(st);
            if (a->lpVtbl->SaveChanges(a, 0) != S_OK || m->lpVtbl->SaveChanges(m, 0) != S_OK)
                _exit(5);
            a->lpVtbl->Release(a);
            m->lpVtbl->Release(m);
            if (i == 3 && write(pipefd[1], "x", 1) != 1)
                _exit(6);
        }
    }
    close(pipefd[1]);
    char x;
    cr_assert_eq(read(pipefd[0], &x, 1), 1, "the child saved its first messages");
    usleep(150000);
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    cr_assert(WIFSIGNALED(status));
    close(pipefd[0]);

    cr_assert_eq(do_logon(&l, path, 0, NULL), S_OK, "the store opens after the kill");
    LPMAPIFOLDER inbox = open_inbox(l.mdb);
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    cr_assert_eq(inbox->lpVtbl->GetContentsTable(inbox, 0, &t), S_OK);
    SizedSPropTagArray(1, cols) = {1, {PR_ENTRYID}};
    cr_assert_eq(HrQueryAllRows(t, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows), S_OK);
    cr_expect_geq(rows->cRows, 3);
    for (ULONG r = 0; r < rows->cRows; r++) {
        LPMESSAGE m = reopen(l.mdb, &rows->aRow[r].lpProps[0].Value.bin, 0);
        LPSPropValue n = prop((LPMAPIPROP)m, PROP_TAG(PT_LONG, 0x6800));
        LPATTACH a = NULL;
        cr_assert_eq(m->lpVtbl->OpenAttach(m, 0, NULL, 0, &a), S_OK, "the attachment is there");
        LPSTREAM st = open_stream((LPMAPIPROP)a, PR_ATTACH_DATA_BIN, 0);
        check_pattern(st, 1000000, (unsigned)n->Value.l);
        st->lpVtbl->Release(st);
        a->lpVtbl->Release(a);
        MAPIFreeBuffer(n);
        m->lpVtbl->Release(m);
    }
    FreeProws(rows);
    t->lpVtbl->Release(t);
    inbox->lpVtbl->Release(inbox);
    logoff(&l);
}

/* A 100 MB attachment goes in and out through streams without the process growing by anything
 * near its size (a child, so that its peak resident size is its own). */
Test(msgstore_attach, a_100_mb_attachment_is_never_in_memory_whole, .timeout = 300)
{
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        logon l;
        if (do_logon(&l, path, 0, NULL) != S_OK)
            _exit(2);
        LPMAPIFOLDER inbox = open_inbox(l.mdb);
        LPMESSAGE m = new_message(inbox, "big");
        LPATTACH a = NULL;
        LPUNKNOWN u = NULL;
        ULONG num;
        if (m->lpVtbl->CreateAttach(m, NULL, 0, &num, &a) != S_OK ||
            a->lpVtbl->OpenProperty(a, PR_ATTACH_DATA_BIN, &IID_IStream, 0,
                                    MAPI_CREATE | MAPI_MODIFY, &u) != S_OK)
            _exit(3);
        size_t before = LIVE_HEAP();
        heap_peak = before;
        const uint64_t size = 100u << 20;
        write_pattern((LPSTREAM)u, size, 1 << 16, 9);
        u->lpVtbl->Release(u);
        if (a->lpVtbl->SaveChanges(a, 0) != S_OK || m->lpVtbl->SaveChanges(m, KEEP_OPEN_READONLY)
            != S_OK)
            _exit(4);
        a->lpVtbl->Release(a);
        if (m->lpVtbl->OpenAttach(m, num, NULL, 0, &a) != S_OK ||
            a->lpVtbl->OpenProperty(a, PR_ATTACH_DATA_BIN, &IID_IStream, 0, 0, &u) != S_OK)
            _exit(5);
        check_pattern((LPSTREAM)u, size, 9);
        u->lpVtbl->Release(u);
        a->lpVtbl->Release(a);
        m->lpVtbl->Release(m);
        inbox->lpVtbl->Release(inbox);
        logoff(&l);
        fprintf(stderr, "100 MB attachment: the heap grew by %zu KB at most\n",
                (heap_peak - before) / 1024);
        _exit(heap_peak - before < 16u << 20 ? 0 : 7);
    }
    int status;
    waitpid(pid, &status, 0);
    cr_assert(WIFEXITED(status));
    cr_assert_eq(WEXITSTATUS(status), 0, "the child failed at step %d (7: its heap grew by 16 MB"
                                         " or more)", WEXITSTATUS(status));
}
