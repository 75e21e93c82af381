/* tests/runtime/spool/test_maildir.c: the spooler with the bundled SQLite store and Maildir
 * transport, end to end through MAPILogonEx: the providers are loaded with dlopen from
 * build/mapirt/providers as a session loads them, the Maildirs and the store are real files in
 * a temporary directory, and what the transport writes is read back with GMime.
 * configure: link -rdynamic -ldl
 * configure: pkg gmime-3.0
 *
 * -rdynamic: the providers link libmapirt; exporting the test's (sanitized) runtime makes them
 * use that one copy, as they use the session's libmapirt in a real process. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <gmime/gmime.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapiguid.h>
#include <mapitags.h>
#include <mapiutil.h>
#include <mapix.h>

#include "../profile/storefixture.h"
#include "spoolfixture.h"

#ifndef PR_INTERNET_MESSAGE_ID_A
#define PR_INTERNET_MESSAGE_ID_A PROP_TAG(PT_STRING8, 0x1035)
#endif

TestSuite(maildir, .init = spool_setup, .fini = spool_teardown, .timeout = 120);

Test(maildir, send_writes_mime_that_gmime_reads_back)
{
    LPMAPISESSION s = logon_mail();
    LPMDB mdb = open_default_store(s);
    LPMESSAGE m = new_outgoing(mdb, "Grüße aus Zürich ✓", "Hallo Ada,\nschöne Grüße.\n");
    add_recipient(m, "Ada Lovelace", "ada@example.org", "SMTP", MAPI_TO);
    add_recipient(m, "Bjørn Ødegård", "bjorn@example.org", "SMTP", MAPI_CC);
    cr_assert_eq(m->lpVtbl->SubmitMessage(m, 0), S_OK);
    m->lpVtbl->Release(m);
    flush(s);

    char names[8][512];
    cr_assert_eq(list_dir(g_out, "new", names, 8), 1, "one file in outgoing/new");
    cr_expect_eq(list_dir(g_out, "tmp", NULL, 0), 0, "nothing left in tmp/");
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/new/%s", g_out, names[0]);
    /* headers are 7-bit: the non-ASCII subject and names are RFC 2047 encoded */
    char *raw = slurp(path);
    char *end = strstr(raw, "\n\n");
    cr_assert_not_null(end);
    for (char *p = raw; p < end; p++)
        cr_expect((unsigned char)*p < 0x80, "8-bit byte in the headers at %ld", (long)(p - raw));
    cr_expect_not_null(strstr(raw, "=?"), "an encoded word in the headers");
    free(raw);

    GMimeMessage *g = parse_file(path);
    cr_expect_str_eq(g_mime_message_get_subject(g), "Grüße aus Zürich ✓");
    InternetAddressList *to = g_mime_message_get_addresses(g, GMIME_ADDRESS_TYPE_TO);
    InternetAddressList *cc = g_mime_message_get_addresses(g, GMIME_ADDRESS_TYPE_CC);
    cr_assert_eq(internet_address_list_length(to), 1);
    cr_assert_eq(internet_address_list_length(cc), 1);
    cr_expect_str_eq(internet_address_mailbox_get_addr(
                         INTERNET_ADDRESS_MAILBOX(internet_address_list_get_address(to, 0))),
                     "ada@example.org");
    cr_expect_str_eq(internet_address_get_name(internet_address_list_get_address(cc, 0)),
                     "Bjørn Ødegård");
    InternetAddressList *from = g_mime_message_get_from(g);
    cr_expect_str_eq(internet_address_mailbox_get_addr(
                         INTERNET_ADDRESS_MAILBOX(internet_address_list_get_address(from, 0))),
                     "me@example.net", "the configured sender");
    cr_expect_not_null(g_mime_message_get_message_id(g));
    cr_expect_not_null(g_mime_message_get_date(g));
    GMimeObject *body = g_mime_message_get_mime_part(g);
    cr_assert(GMIME_IS_TEXT_PART(body));
    char *text = g_mime_text_part_get_text(GMIME_TEXT_PART(body));
    cr_expect_str_eq(text, "Hallo Ada,\nschöne Grüße.\n");
    g_free(text);
    g_object_unref(g);

    /* sent: out of the Outbox and the queue, into Sent Items (PR_SENTMAIL_ENTRYID) */
    cr_expect_eq(folder_count(mdb, PR_IPM_OUTBOX_ENTRYID), 0);
    cr_expect_eq(folder_count(mdb, PR_IPM_SENTMAIL_ENTRYID), 1);
    cr_expect_eq(queue_count(mdb), 0);
    LPSRowSet st = status_rows(s);
    const SRow *xp = find_row(st, PR_RESOURCE_TYPE, MAPI_TRANSPORT_PROVIDER);
    cr_assert_not_null(xp);
    const SPropValue *code = row_col(xp, PR_STATUS_CODE);
    cr_assert_not_null(code);
    cr_expect(code->Value.l & STATUS_INBOUND_ENABLED);
    cr_expect(code->Value.l & STATUS_OUTBOUND_ENABLED);
    cr_expect(code->Value.l & STATUS_AVAILABLE);
    const SRow *sp = find_row(st, PR_RESOURCE_TYPE, MAPI_SPOOLER);
    cr_expect_not_null(strstr(row_col(sp, PR_STATUS_STRING_A)->Value.lpszA, "1 sent"),
                       "%s", row_col(sp, PR_STATUS_STRING_A)->Value.lpszA);
    FreeProws(st);
    mdb->lpVtbl->Release(mdb);
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
}

Test(maildir, delete_after_submit_deletes)
{
    LPMAPISESSION s = logon_mail();
    LPMDB mdb = open_default_store(s);
    LPMESSAGE m = new_outgoing(mdb, "gone", "body");
    SPropValue v = {.ulPropTag = PR_DELETE_AFTER_SUBMIT, .Value.b = TRUE};
    cr_assert_eq(m->lpVtbl->SetProps(m, 1, &v, NULL), S_OK);
    add_recipient(m, "Ada", "ada@example.org", "SMTP", MAPI_TO);
    cr_assert_eq(m->lpVtbl->SubmitMessage(m, 0), S_OK);
    m->lpVtbl->Release(m);
    flush(s);
    cr_expect_eq(list_dir(g_out, "new", NULL, 0), 1);
    cr_expect_eq(folder_count(mdb, PR_IPM_OUTBOX_ENTRYID), 0);
    cr_expect_eq(folder_count(mdb, PR_IPM_SENTMAIL_ENTRYID), 0);
    mdb->lpVtbl->Release(mdb);
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
}

Test(maildir, submit_without_recipients_fails_and_queues_nothing)
{
    LPMAPISESSION s = logon_mail();
    LPMDB mdb = open_default_store(s);
    LPMESSAGE m = new_outgoing(mdb, "nobody", "body");
    cr_expect_eq(m->lpVtbl->SubmitMessage(m, 0), MAPI_E_NO_RECIPIENTS);
    m->lpVtbl->Release(m);
    cr_expect_eq(queue_count(mdb), 0);
    mdb->lpVtbl->Release(mdb);
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
}

Test(maildir, attachments_are_encoded)
{
    LPMAPISESSION s = logon_mail();
    LPMDB mdb = open_default_store(s);
    LPMESSAGE m = new_outgoing(mdb, "with attachment", "see attached");
    ULONG num = 0;
    LPATTACH a = NULL;
    HRESULT hr = m->lpVtbl->CreateAttach(m, NULL, 0, &num, &a);
    if (hr == MAPI_E_NO_SUPPORT) {
        m->lpVtbl->Release(m);
        mdb->lpVtbl->Release(mdb);
        s->lpVtbl->Logoff(s, 0, 0, 0);
        s->lpVtbl->Release(s);
        cr_skip_test("the store has no attachments yet (branch msgstore, part 2)");
    }
    cr_assert_eq(hr, S_OK);
    static const BYTE data[] = {0, 1, 2, 0xff, 'P', 'K'};
    SPropValue v[3];
    memset(v, 0, sizeof v);
    v[0].ulPropTag = PR_ATTACH_METHOD;
    v[0].Value.l = ATTACH_BY_VALUE;
    v[1].ulPropTag = PR_ATTACH_LONG_FILENAME_A;
    v[1].Value.lpszA = "Übersicht.bin";
    v[2].ulPropTag = PR_ATTACH_DATA_BIN;
    v[2].Value.bin.cb = sizeof data;
    v[2].Value.bin.lpb = (LPBYTE)data;
    cr_assert_eq(a->lpVtbl->SetProps(a, 3, v, NULL), S_OK);
    cr_assert_eq(a->lpVtbl->SaveChanges(a, 0), S_OK);
    a->lpVtbl->Release(a);
    add_recipient(m, "Ada", "ada@example.org", "SMTP", MAPI_TO);
    cr_assert_eq(m->lpVtbl->SubmitMessage(m, 0), S_OK);
    m->lpVtbl->Release(m);
    flush(s);
    char names[2][512], path[PATH_MAX];
    cr_assert_eq(list_dir(g_out, "new", names, 2), 1);
    snprintf(path, sizeof path, "%s/new/%s", g_out, names[0]);
    GMimeMessage *g = parse_file(path);
    GMimeObject *top = g_mime_message_get_mime_part(g);
    cr_assert(GMIME_IS_MULTIPART(top));
    GMimeObject *att = g_mime_multipart_get_part(GMIME_MULTIPART(top), 1);
    cr_expect_str_eq(g_mime_part_get_filename(GMIME_PART(att)), "Übersicht.bin");
    GMimeStream *mem = g_mime_stream_mem_new();
    g_mime_data_wrapper_write_to_stream(g_mime_part_get_content(GMIME_PART(att)), mem);
    GByteArray *b = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
    cr_expect_eq(b->len, sizeof data);
    cr_expect_eq(memcmp(b->data, data, sizeof data), 0);
    g_object_unref(mem);
    g_object_unref(g);
    mdb->lpVtbl->Release(mdb);
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
}

Test(maildir, ndr_for_recipients_no_transport_takes)
{
    LPMAPISESSION s = logon_mail();
    LPMDB mdb = open_default_store(s);
    LPMESSAGE m = new_outgoing(mdb, "mixed", "body");
    add_recipient(m, "Ada", "ada@example.org", "SMTP", MAPI_TO);
    add_recipient(m, "Old Boss", "c=us;a=;p=acme;s=boss", "X400", MAPI_TO);
    add_recipient(m, "Broken", "not an address", "SMTP", MAPI_CC);
    cr_assert_eq(m->lpVtbl->SubmitMessage(m, 0), S_OK);
    m->lpVtbl->Release(m);
    struct sink *k = watch_new_mail(mdb);
    flush(s);
    /* Ada's copy was written, with Ada alone */
    char names[2][512], path[PATH_MAX];
    cr_assert_eq(list_dir(g_out, "new", names, 2), 1);
    snprintf(path, sizeof path, "%s/new/%s", g_out, names[0]);
    GMimeMessage *g = parse_file(path);
    cr_expect_eq(internet_address_list_length(
                     g_mime_message_get_addresses(g, GMIME_ADDRESS_TYPE_TO)), 1);
    cr_expect_eq(internet_address_list_length(
                     g_mime_message_get_addresses(g, GMIME_ADDRESS_TYPE_CC)), 0);
    g_object_unref(g);
    /* the other two are reported */
    LPSRowSet rows = inbox_rows(mdb);
    cr_assert_eq(rows->cRows, 1);
    cr_expect_str_eq(row_col(&rows->aRow[0], PR_MESSAGE_CLASS_A)->Value.lpszA,
                     "REPORT.IPM.Note.NDR");
    cr_expect_str_eq(row_col(&rows->aRow[0], PR_SUBJECT_A)->Value.lpszA, "Undeliverable: mixed");
    LPMESSAGE ndr = open_row(mdb, &rows->aRow[0]);
    LPSRowSet rr = recipients(ndr);
    cr_assert_eq(rr->cRows, 2);
    for (ULONG i = 0; i < 2; i++) {
        cr_expect_not_null(row_col(&rr->aRow[i], PR_NDR_REASON_CODE));
        cr_expect_not_null(row_col(&rr->aRow[i], PR_REPORT_TEXT_A));
    }
    FreeProws(rr);
    ndr->lpVtbl->Release(ndr);
    FreeProws(rows);
    cr_expect_eq(sink_count(k), 1, "a new-mail notification for the report");
    sink_end(mdb, k);
    mdb->lpVtbl->Release(mdb);
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
}

Test(maildir, deliver_into_inbox_with_notification)
{
    drop_incoming("one", "From: =?UTF-8?Q?J=C3=BCrgen?= <jurgen@example.de>\n"
                         "To: Me <me@example.net>, Other <other@example.net>\n"
                         "Cc: cc@example.net\n"
                         "Subject: =?UTF-8?B?w5xiZXIgZGllIEJyw7xja2U=?=\n"
                         "Date: Tue, 01 Dec 2026 10:00:00 +0100\n"
                         "Message-ID: <abc@example.de>\n"
                         "MIME-Version: 1.0\n"
                         "Content-Type: text/plain; charset=iso-8859-1\n"
                         "Content-Transfer-Encoding: quoted-printable\n\n"
                         "Gr=FC=DFe\n");
    LPMAPISESSION s = logon_mail();
    LPMDB mdb = open_default_store(s);
    struct sink *k = watch_new_mail(mdb);
    flush(s);
    LPSRowSet rows = inbox_rows(mdb);
    cr_assert_eq(rows->cRows, 1);
    cr_expect_str_eq(row_col(&rows->aRow[0], PR_SUBJECT_A)->Value.lpszA, "Über die Brücke");
    LPMESSAGE m = open_row(mdb, &rows->aRow[0]);
    char *body = get_string(m, PR_BODY_A);
    cr_expect_str_eq(body, "Grüße\n", "the body in UTF-8 whatever its charset");
    free(body);
    char *sender = get_string(m, PR_SENDER_EMAIL_ADDRESS_A);
    cr_expect_str_eq(sender, "jurgen@example.de");
    free(sender);
    char *mid = get_string(m, PR_INTERNET_MESSAGE_ID_A);
    cr_expect_str_eq(mid, "<abc@example.de>");
    free(mid);
    LPSRowSet rr = recipients(m);
    cr_expect_eq(rr->cRows, 3);
    FreeProws(rr);
    m->lpVtbl->Release(m);
    FreeProws(rows);
    cr_expect_eq(sink_count(k), 1, "fnevNewMail on the store");
    sink_end(mdb, k);
    /* the file went to cur/ with Maildir's info suffix */
    char names[2][512];
    cr_expect_eq(list_dir(g_in, "new", NULL, 0), 0);
    cr_assert_eq(list_dir(g_in, "cur", names, 2), 1);
    cr_expect_not_null(strstr(names[0], "one:2,"), "%s", names[0]);
    mdb->lpVtbl->Release(mdb);
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
}

Test(maildir, malformed_file_is_set_aside_not_dropped)
{
    static const char junk[] = "\x01\x02 this is not mail at all\n\x7f\x03 binary junk\n";
    drop_incoming("1bad", junk);
    drop_incoming("2good", "From: a@example.org\nSubject: fine\n\nok\n");
    LPMAPISESSION s = logon_mail();
    LPMDB mdb = open_default_store(s);
    flush(s);
    LPSRowSet rows = inbox_rows(mdb);
    cr_expect_eq(rows->cRows, 1, "the good file is delivered after the bad one");
    FreeProws(rows);
    char names[2][512], path[PATH_MAX];
    cr_expect_eq(list_dir(g_in, "new", NULL, 0), 0);
    cr_assert_eq(list_dir(g_in, ".bad", names, 2), 1, "the bad file is kept in .bad/");
    snprintf(path, sizeof path, "%s/.bad/%s", g_in, names[0]);
    char *kept = slurp(path);
    cr_expect_str_eq(kept, junk, "kept byte for byte");
    free(kept);
    LPSRowSet st = status_rows(s);
    const SRow *xp = find_row(st, PR_RESOURCE_TYPE, MAPI_TRANSPORT_PROVIDER);
    const char *text = row_col(xp, PR_STATUS_STRING_A)->Value.lpszA;
    cr_expect_not_null(strstr(text, ".bad"), "the status row says so: %s", text);
    cr_expect(row_col(xp, PR_STATUS_CODE)->Value.l & STATUS_INBOUND_ENABLED, "still enabled");
    FreeProws(st);
    mdb->lpVtbl->Release(mdb);
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
}

/* A process delivering N files is killed with -9 in the middle: every message in the Inbox is
 * whole, no file is lost, and the next session delivers the rest, each file exactly once. */
Test(maildir, kill_during_delivery_loses_nothing)
{
    enum { N = 200 };
    char name[32], text[256];
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "%04d", i);
        snprintf(text, sizeof text, "From: a@example.org\nTo: me@example.net\nSubject: n%04d\n\n"
                                    "body %04d\n", i, i);
        drop_incoming(name, text);
    }
    MAPIUninitialize(); /* the child starts its own */
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        if (MAPIInitialize(NULL) != S_OK)
            _exit(2);
        LPMAPISESSION s = NULL;
        if (MAPILogonEx(0, (LPTSTR) "Mail", NULL, MAPI_EXPLICIT_PROFILE | MAPI_NEW_SESSION, &s))
            _exit(3);
        LPMDB mdb = open_default_store(s);
        (void)mdb;
        flush(s);
        _exit(0);
    }
    /* wait until some are delivered, then kill */
    for (int i = 0; i < 6000 && list_dir(g_in, "cur", NULL, 0) < N / 4; i++)
        usleep(5000);
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    int cur = list_dir(g_in, "cur", NULL, 0), left = list_dir(g_in, "new", NULL, 0);
    cr_expect_eq(cur + left, N, "no file lost: %d in cur, %d in new", cur, left);
    cr_assert_eq(MAPIInitialize(NULL), S_OK);
    LPMAPISESSION s = logon_mail();
    LPMDB mdb = open_default_store(s);
    LPSRowSet rows = inbox_rows(mdb);
    /* at least what reached cur/, at most one more (saved, killed before the rename) */
    cr_expect(rows->cRows >= (ULONG)cur && rows->cRows <= (ULONG)cur + 1,
              "%u in the Inbox, %d files in cur", (unsigned)rows->cRows, cur);
    for (ULONG i = 0; i < rows->cRows; i++) {
        LPMESSAGE m = open_row(mdb, &rows->aRow[i]);
        char *subj = get_string(m, PR_SUBJECT_A), *body = get_string(m, PR_BODY_A);
        cr_assert_not_null(subj);
        cr_assert_not_null(body, "message %s is whole", subj);
        cr_expect_eq(strncmp(body + 5, subj + 1, 4), 0, "%s / %s", subj, body);
        LPSRowSet rr = recipients(m);
        cr_expect_eq(rr->cRows, 1);
        FreeProws(rr);
        free(subj);
        free(body);
        m->lpVtbl->Release(m);
    }
    FreeProws(rows);
    flush(s); /* the rest, and the one saved before the kill only moves to cur/ */
    rows = inbox_rows(mdb);
    cr_expect_eq(rows->cRows, N, "each file exactly once: %u", (unsigned)rows->cRows);
    FreeProws(rows);
    cr_expect_eq(list_dir(g_in, "new", NULL, 0), 0);
    mdb->lpVtbl->Release(mdb);
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
}

Test(maildir, service_entry_configures_paths)
{
    LPPROFADMIN pa;
    LPSERVICEADMIN sa;
    cr_assert_eq(MAPIAdminProfiles(0, &pa), S_OK);
    cr_assert_eq(pa->lpVtbl->AdminServices(pa, (LPTSTR) "Mail", NULL, 0, 0, &sa), S_OK);
    LPMAPITABLE t = NULL;
    cr_assert_eq(sa->lpVtbl->GetMsgServiceTable(sa, 0, &t), S_OK);
    LPSRowSet rows = NULL;
    cr_assert_eq(HrQueryAllRows(t, NULL, NULL, NULL, 0, &rows), S_OK);
    t->lpVtbl->Release(t);
    const SRow *svc = NULL;
    for (ULONG i = 0; i < rows->cRows; i++) {
        const SPropValue *n = row_col(&rows->aRow[i], PR_SERVICE_NAME_A);
        if (n && strcmp(n->Value.lpszA, "MAILDIR") == 0)
            svc = &rows->aRow[i];
    }
    cr_assert_not_null(svc);
    const SPropValue *uid = row_col(svc, PR_SERVICE_UID);
    SPropValue v = {.ulPropTag = PROP_TAG(PT_STRING8, 0x6710), .Value.lpszA = "relative/path"};
    cr_expect_eq(sa->lpVtbl->ConfigureMsgService(sa, (LPMAPIUID)uid->Value.bin.lpb, 0, 0, 1, &v),
                 MAPI_E_INVALID_PARAMETER, "a relative Maildir is refused");
    char other[PATH_MAX];
    snprintf(other, sizeof other, "%s/elsewhere", g_dir);
    v.Value.lpszA = other;
    cr_expect_eq(sa->lpVtbl->ConfigureMsgService(sa, (LPMAPIUID)uid->Value.bin.lpb, 0, 0, 1, &v),
                 S_OK);
    FreeProws(rows);
    sa->lpVtbl->Release(sa);
    pa->lpVtbl->Release(pa);
    /* the provider section's value (set by the catalog here) still wins over the service's */
    LPMAPISESSION s = logon_mail();
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
    struct stat st;
    cr_expect_neq(stat(other, &st), 0, "the provider's own section decides first");
}
