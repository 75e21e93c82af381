/* tests/runtime/spool/test_spoolsup.c: MAPI's support side of sending and copying
 * (runtime/session/supcopy.c, recips.c, runtime/spool/sentmail.c) reached as a client reaches
 * it, through MAPILogonEx on the bundled providers: two SQLite stores ("Personal Folders", the
 * default, and "Archive"), the personal address book and the Maildir transport, all loaded
 * with dlopen from build/mapirt/providers and working on files in a temporary directory.
 *
 *   - SubmitMessage: the store's ExpandRecips (the address book's distribution lists, nested,
 *     duplicates) and PrepareSubmit (unresolved recipients refused and nothing changed,
 *     PR_RESPONSIBILITY cleared, PR_CLIENT_SUBMIT_TIME set);
 *   - IMAPIFolder::CopyMessages and CopyFolder between folders of one store (the store's SQL)
 *     and between the two stores (MAPI's generic copies: big properties, recipients,
 *     attachments, embedded messages; MESSAGE_MOVE, COPY_SUBFOLDERS, FOLDER_MOVE);
 *   - DoSentMail with PR_SENTMAIL_ENTRYID in the other store (the sent message moved across);
 *   - StatusRecips (a transport's report, made by the spooler into a non-delivery report);
 *   - ReadReceipt (the store's SetReadFlag on a message asking for one, sent by the spooler);
 *   - preprocessors (tests/providers/preproc) registered through the test transport acmexp's
 *     support object: run by the spooler before the Maildir transport sends, their extra
 *     message sent too, their information removed after sending; a failing one (or one whose
 *     function is missing) stops the message with a non-delivery report naming it;
 *   - RegisterPreprocessor with ExpandRecips' NEEDS_PREPROCESSING, CompleteMsg and
 *     OpenTemplateID, called through the support objects of the test providers (acmexp,
 *     acmems, acmeab) loaded beside the bundled ones.
 * configure: link -rdynamic -ldl
 * configure: pkg gmime-3.0 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <dlfcn.h>
#include <gmime/gmime.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapiguid.h>
#include <mapitags.h>
#include <mapiutil.h>
#include <mapix.h>

#include "../profile/storefixture.h"
#include "spoolfixture.h"

static char g_archive[256];

/* The profile "Mail": both stores, the address book, the transport. */
static void sup_setup(void)
{
    store_setup();
    setenv("MAPIRT_PROFILES", g_db, 1);
    snprintf(g_out, sizeof g_out, "%s/outgoing", g_dir);
    snprintf(g_in, sizeof g_in, "%s/incoming", g_dir);
    snprintf(g_storedb, sizeof g_storedb, "%s/store.db", g_dir);
    snprintf(g_archive, sizeof g_archive, "%s/archive.db", g_dir);
    char cat[8192], path[300], prov[PATH_MAX], test_prov[PATH_MAX], both[2 * PATH_MAX + 2];
    snprintf(cat, sizeof cat,
             "[Services]\nMSGSTORE=Personal Folders\nARCHIVE=Archive\nMAILDIR=Maildir Mail\n"
             "MAPIRT_PAB=Personal Address Book\nREPSTORE=Reports\nACMEXP=Acme Transport\n"
             "ACMEMS=Acme Store\nACMEAB=Acme Directory\n"
             "[MSGSTORE]\nProviders=MSGSTORE MS\n"
             "[MSGSTORE MS]\nPR_PROVIDER_DLL_NAME=MSGSTORE.DLL\n"
             "PR_RESOURCE_TYPE=MAPI_STORE_PROVIDER\nPR_DISPLAY_NAME=Personal Folders\n"
             "PR_RESOURCE_FLAGS=STATUS_DEFAULT_STORE\n6700001E=%s\n"
             "[ARCHIVE]\nProviders=ARCHIVE MS\n"
             "[ARCHIVE MS]\nPR_PROVIDER_DLL_NAME=MSGSTORE.DLL\n"
             "PR_RESOURCE_TYPE=MAPI_STORE_PROVIDER\nPR_DISPLAY_NAME=Archive\n6700001E=%s\n"
             "[MAILDIR]\nPR_SERVICE_DLL_NAME=MAILDIR.DLL\nPR_SERVICE_ENTRY_NAME=ServiceEntry\n"
             "Providers=MAILDIR XP\n"
             "[MAILDIR XP]\nPR_PROVIDER_DLL_NAME=MAILDIR.DLL\n"
             "PR_RESOURCE_TYPE=MAPI_TRANSPORT_PROVIDER\nPR_DISPLAY_NAME=Maildir\n"
             "6710001E=%s\n6711001E=%s\n6712001E=Me Myself\n6713001E=me@example.net\n"
             "[MAPIRT_PAB]\nPR_DISPLAY_NAME=Personal Address Book\n"
             "PR_SERVICE_DLL_NAME=abook.dll\nPR_SERVICE_ENTRY_NAME=ServiceEntry\n"
             "Providers=MAPIRT_PAB AB\n"
             "[MAPIRT_PAB AB]\nPR_PROVIDER_DLL_NAME=abook.dll\n"
             "PR_RESOURCE_TYPE=MAPI_AB_PROVIDER\nPR_DISPLAY_NAME=Personal Address Book\n"
             /* the profile "Reports": a store and the test transport acmexp */
             "[REPSTORE]\nProviders=REPSTORE MS\n"
             "[REPSTORE MS]\nPR_PROVIDER_DLL_NAME=MSGSTORE.DLL\n"
             "PR_RESOURCE_TYPE=MAPI_STORE_PROVIDER\nPR_DISPLAY_NAME=Reports\n"
             "PR_RESOURCE_FLAGS=STATUS_DEFAULT_STORE\n6700001E=%s/reports.db\n"
             "[ACMEXP]\nProviders=ACMEXP XP\n"
             "[ACMEXP XP]\nPR_PROVIDER_DLL_NAME=ACMEXP.DLL\n"
             "PR_RESOURCE_TYPE=MAPI_TRANSPORT_PROVIDER\nPR_DISPLAY_NAME=Acme Transport\n"
             "[ACMEMS]\nProviders=ACMEMS MS\n"
             "[ACMEMS MS]\nPR_PROVIDER_DLL_NAME=ACMEMS.DLL\n"
             "PR_RESOURCE_TYPE=MAPI_STORE_PROVIDER\nPR_DISPLAY_NAME=Acme Store\n"
             "[ACMEAB]\nPR_SERVICE_DLL_NAME=ACMEAB.DLL\nProviders=ACMEAB AB\n"
             "[ACMEAB AB]\nPR_PROVIDER_DLL_NAME=ACMEAB.DLL\n"
             "PR_RESOURCE_TYPE=MAPI_AB_PROVIDER\nPR_DISPLAY_NAME=Acme Directory\n",
             g_storedb, g_archive, g_out, g_in, g_dir);
    write_file(g_dir, "mapisvc.inf", cat);
    snprintf(path, sizeof path, "%s/mapisvc.inf", g_dir);
    setenv("MAPIRT_SERVICES", path, 1);
    snprintf(path, sizeof path, "%s/xdg", g_dir);
    setenv("XDG_DATA_HOME", path, 1);
    cr_assert_not_null(realpath("build/mapirt/providers", prov), "build the providers (ninja)");
    cr_assert_not_null(realpath("build/tests/providers", test_prov), "build the test providers");
    snprintf(both, sizeof both, "%s:%s", prov, test_prov);
    setenv("MAPIRT_PROVIDER_PATH", both, 1);
    setenv("MAPIRT_SPOOL_POLL_MS", "60000", 1);
    cr_assert_eq(MAPIInitialize(NULL), S_OK);
    LPPROFADMIN pa;
    LPSERVICEADMIN sa;
    cr_assert_eq(MAPIAdminProfiles(0, &pa), S_OK);
    cr_assert_eq(pa->lpVtbl->CreateProfile(pa, (LPTSTR) "Mail", NULL, 0, 0), S_OK);
    cr_assert_eq(pa->lpVtbl->AdminServices(pa, (LPTSTR) "Mail", NULL, 0, 0, &sa), S_OK);
    static const char *const svcs[] = {"MSGSTORE", "ARCHIVE", "MAILDIR", "MAPIRT_PAB"};
    for (int i = 0; i < 4; i++)
        cr_assert_eq(sa->lpVtbl->CreateMsgService(sa, (LPTSTR)svcs[i], NULL, 0, 0), S_OK,
                     "%s", svcs[i]);
    sa->lpVtbl->Release(sa);
    pa->lpVtbl->Release(pa);
    g_mime_init();
    static const char *const subs[] = {"", "/tmp", "/new", "/cur"};
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s%s", g_in, subs[i]);
        mkdir(path, 0700);
    }
}

TestSuite(spoolsup, .init = sup_setup, .fini = spool_teardown, .timeout = 120);

/* A session without the spooler: submitted messages stay queued where the test reads them. */
static LPMAPISESSION logon_quiet(void)
{
    LPMAPISESSION s = NULL;
    HRESULT hr = MAPILogonEx(0, (LPTSTR) "Mail", NULL,
                             MAPI_EXPLICIT_PROFILE | MAPI_NEW_SESSION | MAPI_NO_MAIL, &s);
    cr_assert(SUCCEEDED(hr), "MAPILogonEx: 0x%08X", (unsigned)hr);
    return s;
}

static void logoff(LPMAPISESSION s)
{
    cr_expect_eq(s->lpVtbl->Logoff(s, 0, 0, 0), S_OK);
    s->lpVtbl->Release(s);
}

static LPMDB open_store_named(LPMAPISESSION s, const char *name)
{
    LPMAPITABLE t = NULL;
    cr_assert_eq(s->lpVtbl->GetMsgStoresTable(s, 0, &t), S_OK);
    LPSRowSet rows = all_rows_of(t);
    LPMDB mdb = NULL;
    for (ULONG i = 0; i < rows->cRows && !mdb; i++) {
        const SPropValue *n = row_col(&rows->aRow[i], PR_DISPLAY_NAME_A);
        const SPropValue *e = row_col(&rows->aRow[i], PR_ENTRYID);
        if (n && e && strcmp(n->Value.lpszA, name) == 0)
            cr_assert_eq(s->lpVtbl->OpenMsgStore(s, 0, e->Value.bin.cb,
                                                 (LPENTRYID)e->Value.bin.lpb, NULL, MDB_WRITE,
                                                 &mdb), S_OK);
    }
    FreeProws(rows);
    cr_assert_not_null(mdb, "the store %s", name);
    return mdb;
}

/* A folder under the store's IPM subtree (made when absent). */
static LPMAPIFOLDER subfolder(LPMAPIFOLDER parent, const char *name)
{
    LPMAPIFOLDER f = NULL;
    cr_assert_eq(parent->lpVtbl->CreateFolder(parent, FOLDER_GENERIC, (LPTSTR)name, NULL, NULL,
                                              OPEN_IF_EXISTS, &f), S_OK, "%s", name);
    return f;
}

static LPMAPIFOLDER ipm_folder(LPMDB mdb, const char *name)
{
    LPMAPIFOLDER root = store_folder(mdb, PR_IPM_SUBTREE_ENTRYID);
    LPMAPIFOLDER f = subfolder(root, name);
    root->lpVtbl->Release(root);
    return f;
}

static ULONG count_of(LPMAPIFOLDER f, int hierarchy)
{
    LPMAPITABLE t = NULL;
    ULONG n = 0;
    cr_assert_eq(hierarchy ? f->lpVtbl->GetHierarchyTable(f, 0, &t)
                           : f->lpVtbl->GetContentsTable(f, 0, &t), S_OK);
    cr_assert_eq(t->lpVtbl->GetRowCount(t, 0, &n), S_OK);
    t->lpVtbl->Release(t);
    return n;
}

/* The entry IDs of a folder's messages (or subfolders), in table order. */
static LPSRowSet entries_of(LPMAPIFOLDER f, int hierarchy)
{
    LPMAPITABLE t = NULL;
    cr_assert_eq(hierarchy ? f->lpVtbl->GetHierarchyTable(f, 0, &t)
                           : f->lpVtbl->GetContentsTable(f, 0, &t), S_OK);
    SizedSPropTagArray(3, cols) = {3, {PR_ENTRYID, PR_SUBJECT_A, PR_DISPLAY_NAME_A}};
    cr_assert_eq(t->lpVtbl->SetColumns(t, (LPSPropTagArray)&cols, 0), S_OK);
    return all_rows_of(t);
}

static LPMAPIFOLDER open_child(LPMAPIFOLDER parent, const char *name)
{
    LPSRowSet rows = entries_of(parent, 1);
    LPMAPIFOLDER f = NULL;
    for (ULONG i = 0; i < rows->cRows && !f; i++) {
        const SPropValue *n = row_col(&rows->aRow[i], PR_DISPLAY_NAME_A);
        if (n && strcmp(n->Value.lpszA, name) == 0) {
            const SBinary *e = &rows->aRow[i].lpProps[0].Value.bin;
            ULONG type = 0;
            cr_assert_eq(parent->lpVtbl->OpenEntry(parent, e->cb, (LPENTRYID)e->lpb, NULL,
                                                   MAPI_MODIFY, &type, (LPUNKNOWN *)&f), S_OK);
        }
    }
    FreeProws(rows);
    return f;
}

static LPMESSAGE open_msg(LPMAPIFOLDER f, const SRow *r)
{
    const SPropValue *e = row_col(r, PR_ENTRYID);
    cr_assert_not_null(e);
    ULONG type = 0;
    LPMESSAGE m = NULL;
    cr_assert_eq(f->lpVtbl->OpenEntry(f, e->Value.bin.cb, (LPENTRYID)e->Value.bin.lpb, NULL, 0,
                                      &type, (LPUNKNOWN *)&m), S_OK);
    cr_assert_eq(type, MAPI_MESSAGE);
    return m;
}

/* The whole value of a property through OpenProperty(IID_IStream) (malloc, *n bytes). */
static BYTE *read_stream(LPMAPIPROP obj, ULONG tag, ULONG *n)
{
    LPSTREAM st = NULL;
    cr_assert_eq(obj->lpVtbl->OpenProperty(obj, tag, &IID_IStream, 0, 0, (LPUNKNOWN *)&st), S_OK,
                 "stream of 0x%08X", tag);
    size_t cap = 1 << 16, len = 0;
    BYTE *b = malloc(cap);
    for (;;) {
        if (len == cap)
            b = realloc(b, cap *= 2);
        ULONG got = 0;
        cr_assert_eq(st->lpVtbl->Read(st, b + len, (ULONG)(cap - len), &got), S_OK);
        if (got == 0)
            break;
        len += got;
    }
    st->lpVtbl->Release(st);
    *n = (ULONG)len;
    return b;
}

static void set_string(LPMAPIPROP obj, ULONG tag, const char *v)
{
    SPropValue p;
    memset(&p, 0, sizeof p);
    p.ulPropTag = tag;
    p.Value.lpszA = (LPSTR)v;
    cr_assert_eq(obj->lpVtbl->SetProps(obj, 1, &p, NULL), S_OK);
}

#define BIG_BODY 40000
#define BIG_ATTACH 100000

static char *big_text(void)
{
    char *t = malloc(BIG_BODY + 1);
    for (int i = 0; i < BIG_BODY; i++)
        t[i] = (char)('a' + i % 26);
    t[BIG_BODY] = 0;
    return t;
}

static BYTE *big_bytes(void)
{
    BYTE *b = malloc(BIG_ATTACH);
    for (int i = 0; i < BIG_ATTACH; i++)
        b[i] = (BYTE)(i * 7 + 3);
    return b;
}

/* A message in f with a big body, two recipients, a small and a big attachment and an
 * embedded message: everything a copy across stores must carry. */
static void make_rich_message(LPMAPIFOLDER f, const char *subject)
{
    LPMESSAGE m = NULL;
    cr_assert_eq(f->lpVtbl->CreateMessage(f, NULL, 0, &m), S_OK);
    set_string((LPMAPIPROP)m, PR_SUBJECT_A, subject);
    set_string((LPMAPIPROP)m, PR_MESSAGE_CLASS_A, "IPM.Note");
    char *body = big_text();
    set_string((LPMAPIPROP)m, PR_BODY_A, body);
    free(body);
    add_recipient(m, "Ada", "ada@example.org", "SMTP", MAPI_TO);
    add_recipient(m, "Bob", "bob@example.org", "SMTP", MAPI_CC);
    ULONG num = 0;
    LPATTACH a = NULL;
    SPropValue v[3];
    memset(v, 0, sizeof v);
    cr_assert_eq(m->lpVtbl->CreateAttach(m, NULL, 0, &num, &a), S_OK);
    v[0].ulPropTag = PR_ATTACH_METHOD;
    v[0].Value.l = ATTACH_BY_VALUE;
    v[1].ulPropTag = PR_ATTACH_LONG_FILENAME_A;
    v[1].Value.lpszA = "small.txt";
    v[2].ulPropTag = PR_ATTACH_DATA_BIN;
    v[2].Value.bin.cb = 5;
    v[2].Value.bin.lpb = (LPBYTE) "small";
    cr_assert_eq(a->lpVtbl->SetProps(a, 3, v, NULL), S_OK);
    cr_assert_eq(a->lpVtbl->SaveChanges(a, 0), S_OK);
    a->lpVtbl->Release(a);
    cr_assert_eq(m->lpVtbl->CreateAttach(m, NULL, 0, &num, &a), S_OK);
    BYTE *big = big_bytes();
    v[1].Value.lpszA = "big.bin";
    v[2].Value.bin.cb = BIG_ATTACH;
    v[2].Value.bin.lpb = big;
    cr_assert_eq(a->lpVtbl->SetProps(a, 3, v, NULL), S_OK);
    free(big);
    cr_assert_eq(a->lpVtbl->SaveChanges(a, 0), S_OK);
    a->lpVtbl->Release(a);
    cr_assert_eq(m->lpVtbl->CreateAttach(m, NULL, 0, &num, &a), S_OK);
    v[0].Value.l = ATTACH_EMBEDDED_MSG;
    v[1].Value.lpszA = "forwarded";
    cr_assert_eq(a->lpVtbl->SetProps(a, 2, v, NULL), S_OK);
    LPMESSAGE em = NULL;
    cr_assert_eq(a->lpVtbl->OpenProperty(a, PR_ATTACH_DATA_OBJ, &IID_IMessage, 0,
                                         MAPI_CREATE | MAPI_MODIFY, (LPUNKNOWN *)&em), S_OK);
    set_string((LPMAPIPROP)em, PR_SUBJECT_A, "the embedded one");
    add_recipient(em, "Cy", "cy@example.org", "SMTP", MAPI_TO);
    cr_assert_eq(em->lpVtbl->SaveChanges(em, 0), S_OK);
    em->lpVtbl->Release(em);
    cr_assert_eq(a->lpVtbl->SaveChanges(a, 0), S_OK);
    a->lpVtbl->Release(a);
    cr_assert_eq(m->lpVtbl->SaveChanges(m, 0), S_OK);
    m->lpVtbl->Release(m);
}

static LPSRowSet attachments_of(LPMESSAGE m)
{
    LPMAPITABLE t = NULL;
    cr_assert_eq(m->lpVtbl->GetAttachmentTable(m, 0, &t), S_OK);
    SizedSPropTagArray(3, cols) = {3, {PR_ATTACH_NUM, PR_ATTACH_METHOD,
                                       PR_ATTACH_LONG_FILENAME_A}};
    cr_assert_eq(t->lpVtbl->SetColumns(t, (LPSPropTagArray)&cols, 0), S_OK);
    return all_rows_of(t);
}

/* What make_rich_message made, found whole in m (of any store). */
static void expect_rich_message(LPMESSAGE m, const char *subject)
{
    char *subj = get_string(m, PR_SUBJECT_A);
    cr_expect_str_eq(subj, subject);
    free(subj);
    ULONG n = 0;
    BYTE *body = read_stream((LPMAPIPROP)m, PR_BODY_A, &n);
    char *want = big_text();
    cr_expect_eq(n, BIG_BODY, "the big body arrives whole (%lu bytes)", (unsigned long)n);
    cr_expect(n == BIG_BODY && memcmp(body, want, n) == 0);
    free(body);
    free(want);
    LPSRowSet r = recipients(m);
    cr_expect_eq(r->cRows, 2, "both recipients");
    for (ULONG i = 0; i < r->cRows; i++)
        cr_expect_not_null(row_col(&r->aRow[i], PR_ENTRYID));
    FreeProws(r);
    LPSRowSet at = attachments_of(m);
    cr_assert_eq(at->cRows, 3, "all three attachments");
    for (ULONG i = 0; i < at->cRows; i++) {
        const char *name = at->aRow[i].lpProps[2].Value.lpszA;
        LPATTACH a = NULL;
        cr_assert_eq(m->lpVtbl->OpenAttach(m, (ULONG)at->aRow[i].lpProps[0].Value.l, NULL, 0,
                                           &a), S_OK);
        if (strcmp(name, "big.bin") == 0) {
            BYTE *b = read_stream((LPMAPIPROP)a, PR_ATTACH_DATA_BIN, &n);
            BYTE *w = big_bytes();
            cr_expect(n == BIG_ATTACH && memcmp(b, w, n) == 0, "the big attachment whole");
            free(b);
            free(w);
        } else if (strcmp(name, "small.txt") == 0) {
            LPSPropValue v = NULL;
            cr_assert_eq(HrGetOneProp((LPMAPIPROP)a, PR_ATTACH_DATA_BIN, &v), S_OK);
            cr_expect(v->Value.bin.cb == 5 && memcmp(v->Value.bin.lpb, "small", 5) == 0);
            MAPIFreeBuffer(v);
        } else {
            cr_expect_str_eq(name, "forwarded");
            LPMESSAGE em = NULL;
            cr_assert_eq(a->lpVtbl->OpenProperty(a, PR_ATTACH_DATA_OBJ, &IID_IMessage, 0, 0,
                                                 (LPUNKNOWN *)&em), S_OK);
            char *es = get_string(em, PR_SUBJECT_A);
            cr_expect_str_eq(es, "the embedded one");
            free(es);
            LPSRowSet er = recipients(em);
            cr_expect_eq(er->cRows, 1);
            FreeProws(er);
            em->lpVtbl->Release(em);
        }
        a->lpVtbl->Release(a);
    }
    FreeProws(at);
}

static SBinary eid_of(LPMAPIPROP obj)
{
    LPSPropValue v = NULL;
    cr_assert_eq(HrGetOneProp(obj, PR_ENTRYID, &v), S_OK);
    SBinary b = {v->Value.bin.cb, malloc(v->Value.bin.cb)};
    memcpy(b.lpb, v->Value.bin.lpb, b.cb);
    MAPIFreeBuffer(v);
    return b;
}

/* ---- copying messages ---- */

Test(spoolsup, copy_messages_between_folders_and_between_stores)
{
    LPMAPISESSION s = logon_quiet();
    LPMDB a = open_default_store(s), b = open_store_named(s, "Archive");
    LPMAPIFOLDER work = ipm_folder(a, "Work"), keep = ipm_folder(a, "Keep");
    LPMAPIFOLDER far = ipm_folder(b, "Far");
    make_rich_message(work, "first");
    make_rich_message(work, "second");
    LPSRowSet rows = entries_of(work, 0);
    cr_assert_eq(rows->cRows, 2);
    SBinary first = rows->aRow[0].lpProps[0].Value.bin, second = AT(rows->aRow, 1).lpProps[0].Value.bin;
    if (strcmp(rows->aRow[0].lpProps[1].Value.lpszA, "first") != 0) {
        SBinary t = first;
        first = second;
        second = t;
    }

    /* within the store: a copy, then a move */
    ENTRYLIST one = {1, &first};
    cr_assert_eq(work->lpVtbl->CopyMessages(work, &one, NULL, keep, 0, NULL, 0), S_OK);
    cr_expect_eq(count_of(work, 0), 2);
    cr_expect_eq(count_of(keep, 0), 1);

    /* across stores: a copy keeps the source and carries everything */
    cr_assert_eq(work->lpVtbl->CopyMessages(work, &one, NULL, far, 0, NULL, 0), S_OK);
    cr_expect_eq(count_of(work, 0), 2, "a copy leaves the source");
    LPSRowSet fr = entries_of(far, 0);
    cr_assert_eq(fr->cRows, 1);
    LPMESSAGE m = open_msg(far, &fr->aRow[0]);
    expect_rich_message(m, "first");
    SBinary copied = eid_of((LPMAPIPROP)m);
    m->lpVtbl->Release(m);
    FreeProws(fr);
    ULONG res = 1;
    cr_expect_eq(s->lpVtbl->CompareEntryIDs(s, copied.cb, (LPENTRYID)copied.lpb, first.cb,
                                            (LPENTRYID)first.lpb, 0, &res), S_OK);
    cr_expect_eq(res, 0, "the copy is a new message of the other store");
    free(copied.lpb);

    /* across stores with MESSAGE_MOVE: gone from the source */
    ENTRYLIST two = {1, &second};
    cr_assert_eq(work->lpVtbl->CopyMessages(work, &two, NULL, far, 0, NULL, MESSAGE_MOVE), S_OK);
    cr_expect_eq(count_of(work, 0), 1, "moved out of the source store");
    cr_expect_eq(count_of(far, 0), 2);
    ULONG type = 0;
    LPUNKNOWN gone = NULL;
    cr_expect_eq(s->lpVtbl->OpenEntry(s, second.cb, (LPENTRYID)second.lpb, NULL, 0, &type, &gone),
                 MAPI_E_NOT_FOUND, "the moved message's old entry ID");

    /* within the store, a move keeps the entry ID */
    cr_assert_eq(work->lpVtbl->CopyMessages(work, &one, NULL, keep, 0, NULL, MESSAGE_MOVE), S_OK);
    cr_expect_eq(count_of(work, 0), 0);
    cr_expect_eq(count_of(keep, 0), 2);
    cr_expect_eq(s->lpVtbl->OpenEntry(s, first.cb, (LPENTRYID)first.lpb, NULL, 0, &type, &gone),
                 S_OK);
    gone->lpVtbl->Release(gone);
    FreeProws(rows);
    far->lpVtbl->Release(far);
    keep->lpVtbl->Release(keep);
    work->lpVtbl->Release(work);
    b->lpVtbl->Release(b);
    a->lpVtbl->Release(a);
    logoff(s);
}

/* ---- copying folders ---- */

static void small_message(LPMAPIFOLDER f, const char *subject)
{
    LPMESSAGE m = NULL;
    cr_assert_eq(f->lpVtbl->CreateMessage(f, NULL, 0, &m), S_OK);
    set_string((LPMAPIPROP)m, PR_SUBJECT_A, subject);
    add_recipient(m, "Ada", "ada@example.org", "SMTP", MAPI_TO);
    cr_assert_eq(m->lpVtbl->SaveChanges(m, 0), S_OK);
    m->lpVtbl->Release(m);
}

Test(spoolsup, copy_folder_between_stores_with_subfolders_and_move)
{
    LPMAPISESSION s = logon_quiet();
    LPMDB a = open_default_store(s), b = open_store_named(s, "Archive");
    LPMAPIFOLDER aroot = store_folder(a, PR_IPM_SUBTREE_ENTRYID);
    LPMAPIFOLDER broot = store_folder(b, PR_IPM_SUBTREE_ENTRYID);
    LPMAPIFOLDER proj = subfolder(aroot, "Projects");
    small_message(proj, "plan");
    small_message(proj, "budget");
    LPMAPIFOLDER old = subfolder(proj, "Old");
    small_message(old, "history");
    LPMAPIFOLDER deep = subfolder(old, "Older");
    small_message(deep, "ancient");
    deep->lpVtbl->Release(deep);
    old->lpVtbl->Release(old);
    SBinary pe = eid_of((LPMAPIPROP)proj);

    /* the folder and its messages only */
    cr_assert_eq(aroot->lpVtbl->CopyFolder(aroot, pe.cb, (LPENTRYID)pe.lpb, NULL, broot, NULL, 0,
                                           NULL, 0), S_OK);
    LPMAPIFOLDER c = open_child(broot, "Projects");
    cr_assert_not_null(c, "the copy, under its own name");
    cr_expect_eq(count_of(c, 0), 2);
    cr_expect_eq(count_of(c, 1), 0, "no subfolders without COPY_SUBFOLDERS");
    c->lpVtbl->Release(c);

    /* COPY_SUBFOLDERS, under a new name: the whole tree */
    cr_assert_eq(aroot->lpVtbl->CopyFolder(aroot, pe.cb, (LPENTRYID)pe.lpb, NULL, broot,
                                           (LPTSTR) "Projects 2", 0, NULL, COPY_SUBFOLDERS),
                 S_OK);
    c = open_child(broot, "Projects 2");
    cr_assert_not_null(c);
    cr_expect_eq(count_of(c, 0), 2);
    LPMAPIFOLDER co = open_child(c, "Old");
    cr_assert_not_null(co, "the subfolder came along");
    cr_expect_eq(count_of(co, 0), 1);
    LPMAPIFOLDER cod = open_child(co, "Older");
    cr_assert_not_null(cod, "and its own subfolder");
    LPSRowSet r = entries_of(cod, 0);
    cr_assert_eq(r->cRows, 1);
    cr_expect_str_eq(r->aRow[0].lpProps[1].Value.lpszA, "ancient");
    LPMESSAGE m = open_msg(cod, &r->aRow[0]);
    LPSRowSet rr = recipients(m);
    cr_expect_eq(rr->cRows, 1, "messages keep their recipients");
    FreeProws(rr);
    m->lpVtbl->Release(m);
    FreeProws(r);
    cod->lpVtbl->Release(cod);
    co->lpVtbl->Release(co);
    c->lpVtbl->Release(c);
    LPMAPIFOLDER still = open_child(aroot, "Projects");
    cr_expect_not_null(still, "copies leave the source");
    if (still)
        still->lpVtbl->Release(still);

    /* a standard folder cannot move: refused before anything is copied */
    LPMAPIFOLDER inbox = store_folder(a, INBOX);
    SBinary ie = eid_of((LPMAPIPROP)inbox);
    LPSPropValue parent = NULL;
    cr_assert_eq(HrGetOneProp((LPMAPIPROP)inbox, PR_PARENT_ENTRYID, &parent), S_OK);
    ULONG type = 0;
    LPMAPIFOLDER ip = NULL;
    cr_assert_eq(s->lpVtbl->OpenEntry(s, parent->Value.bin.cb, (LPENTRYID)parent->Value.bin.lpb,
                                      NULL, MAPI_MODIFY, &type, (LPUNKNOWN *)&ip), S_OK);
    ULONG before = count_of(broot, 1);
    cr_expect_eq(ip->lpVtbl->CopyFolder(ip, ie.cb, (LPENTRYID)ie.lpb, NULL, broot, NULL, 0, NULL,
                                        FOLDER_MOVE), MAPI_E_NO_ACCESS);
    cr_expect_eq(count_of(broot, 1), before, "nothing was copied");
    ip->lpVtbl->Release(ip);
    MAPIFreeBuffer(parent);
    inbox->lpVtbl->Release(inbox);
    free(ie.lpb);

    /* FOLDER_MOVE across stores: the tree arrives, the source is gone */
    proj->lpVtbl->Release(proj);
    cr_assert_eq(aroot->lpVtbl->CopyFolder(aroot, pe.cb, (LPENTRYID)pe.lpb, NULL, broot,
                                           (LPTSTR) "Moved", 0, NULL,
                                           FOLDER_MOVE | COPY_SUBFOLDERS), S_OK);
    still = open_child(aroot, "Projects");
    cr_expect_null(still, "moved out of the source store");
    if (still)
        still->lpVtbl->Release(still);
    c = open_child(broot, "Moved");
    cr_assert_not_null(c);
    cr_expect_eq(count_of(c, 0), 2);
    cr_expect_eq(count_of(c, 1), 1);
    c->lpVtbl->Release(c);
    LPUNKNOWN u = NULL;
    cr_expect_eq(s->lpVtbl->OpenEntry(s, pe.cb, (LPENTRYID)pe.lpb, NULL, 0, &type, &u),
                 MAPI_E_NOT_FOUND);
    free(pe.lpb);
    broot->lpVtbl->Release(broot);
    aroot->lpVtbl->Release(aroot);
    b->lpVtbl->Release(b);
    a->lpVtbl->Release(a);
    logoff(s);
}

/* ---- PrepareSubmit ---- */

static void add_unresolved(LPMESSAGE m, const char *name)
{
    LPADRLIST al = NULL;
    cr_assert_eq(MAPIAllocateBuffer(CbNewADRLIST(1), (void **)&al), S_OK);
    al->cEntries = 1;
    cr_assert_eq(MAPIAllocateBuffer(2 * sizeof(SPropValue), (void **)&al->aEntries[0].rgPropVals),
                 S_OK);
    LPSPropValue v = al->aEntries[0].rgPropVals;
    memset(v, 0, 2 * sizeof *v);
    al->aEntries[0].cValues = 2;
    v[0].ulPropTag = PR_DISPLAY_NAME_A;
    v[0].Value.lpszA = (LPSTR)name;
    v[1].ulPropTag = PR_RECIPIENT_TYPE;
    v[1].Value.l = MAPI_TO;
    cr_assert_eq(m->lpVtbl->ModifyRecipients(m, MODRECIP_ADD, al), S_OK);
    FreePadrlist(al);
}

/* The recipients of m with every column they have. */
static LPSRowSet all_recipients(LPMESSAGE m)
{
    LPMAPITABLE t = NULL;
    cr_assert_eq(m->lpVtbl->GetRecipientTable(m, 0, &t), S_OK);
    LPSPropTagArray all = NULL;
    cr_assert_eq(t->lpVtbl->QueryColumns(t, TBL_ALL_COLUMNS, &all), S_OK);
    cr_assert_eq(t->lpVtbl->SetColumns(t, all, 0), S_OK);
    MAPIFreeBuffer(all);
    return all_rows_of(t);
}

Test(spoolsup, submit_refuses_an_unresolved_recipient_and_changes_nothing)
{
    LPMAPISESSION s = logon_quiet();
    LPMDB mdb = open_default_store(s);
    LPMESSAGE m = new_outgoing(mdb, "half addressed", "body");
    add_recipient(m, "Ada", "ada@example.org", "SMTP", MAPI_TO);
    add_unresolved(m, "Bob Nobody");
    cr_assert_eq(m->lpVtbl->SubmitMessage(m, 0), MAPI_E_NOT_FOUND);
    LPMAPIERROR err = NULL;
    cr_assert_eq(m->lpVtbl->GetLastError(m, MAPI_E_NOT_FOUND, 0, &err), S_OK);
    cr_assert_not_null(err);
    cr_expect(strstr((char *)err->lpszError, "Bob Nobody") &&
                  strstr((char *)err->lpszError, "not resolved"),
              "GetLastError names the recipient: %s", (char *)err->lpszError);
    MAPIFreeBuffer(err);
    cr_expect_eq(queue_count(mdb), 0, "nothing queued");
    LPSRowSet r = all_recipients(m);
    cr_assert_eq(r->cRows, 2, "both recipients still there");
    for (ULONG i = 0; i < r->cRows; i++)
        cr_expect_null(row_col(&r->aRow[i], PR_RESPONSIBILITY), "recipients untouched");
    /* the message is still open for writing (the reference: "the message remains open"):
     * resolved, it goes */
    ULONG rowid = 0;
    for (ULONG i = 0; i < r->cRows; i++)
        if (!row_col(&r->aRow[i], PR_ENTRYID))
            rowid = (ULONG)row_col(&r->aRow[i], PR_ROWID)->Value.l;
    FreeProws(r);
    LPADRLIST al = NULL;
    cr_assert_eq(MAPIAllocateBuffer(CbNewADRLIST(1), (void **)&al), S_OK);
    al->cEntries = 1;
    cr_assert_eq(MAPIAllocateBuffer(1 * sizeof(SPropValue), (void **)&al->aEntries[0].rgPropVals),
                 S_OK);
    al->aEntries[0].cValues = 1;
    al->aEntries[0].rgPropVals[0].ulPropTag = PR_ROWID;
    al->aEntries[0].rgPropVals[0].Value.l = (LONG)rowid;
    cr_assert_eq(m->lpVtbl->ModifyRecipients(m, MODRECIP_REMOVE, al), S_OK);
    FreePadrlist(al);
    add_recipient(m, "Bob Nobody", "bob@example.org", "SMTP", MAPI_TO);
    cr_assert_eq(m->lpVtbl->SubmitMessage(m, 0), S_OK);
    m->lpVtbl->Release(m);
    cr_expect_eq(queue_count(mdb), 1);
    mdb->lpVtbl->Release(mdb);
    logoff(s);
}

static FILETIME now_ft(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    unsigned long long ft =
        ((unsigned long long)ts.tv_sec + 11644473600ULL) * 10000000ULL + ts.tv_nsec / 100;
    FILETIME f = {(DWORD)ft, (DWORD)(ft >> 32)};
    return f;
}

static unsigned long long ft64(FILETIME f)
{
    return ((unsigned long long)f.dwHighDateTime << 32) | f.dwLowDateTime;
}

Test(spoolsup, prepare_submit_hands_every_recipient_back_to_the_spooler)
{
    LPMAPISESSION s = logon_quiet();
    LPMDB mdb = open_default_store(s);
    LPMESSAGE m = new_outgoing(mdb, "resent", "body");
    add_recipient(m, "Ada", "ada@example.org", "SMTP", MAPI_TO);
    /* as a message left by an earlier attempt: taken, submitted, with a property of its own */
    LPSRowSet r = all_recipients(m);
    cr_assert_eq(r->cRows, 1);
    LPADRLIST al = NULL;
    cr_assert_eq(MAPIAllocateBuffer(CbNewADRLIST(1), (void **)&al), S_OK);
    al->cEntries = 1;
    ULONG c = r->aRow[0].cValues;
    cr_assert_eq(MAPIAllocateBuffer((c + 2) * sizeof(SPropValue),
                                    (void **)&al->aEntries[0].rgPropVals), S_OK);
    LPSPropValue v = al->aEntries[0].rgPropVals;
    ULONG k = 0;
    for (ULONG i = 0; i < c; i++)
        if (PROP_TYPE(r->aRow[0].lpProps[i].ulPropTag) != PT_ERROR)
            cr_assert_eq(PropCopyMore(&v[k++], &r->aRow[0].lpProps[i], MAPIAllocateMore, v),
                         S_OK);
    for (ULONG i = 0; i < k; i++)
        if (v[i].ulPropTag == PR_RECIPIENT_TYPE)
            v[i].Value.l = MAPI_TO | MAPI_SUBMITTED;
    memset(&v[k], 0, 2 * sizeof *v);
    v[k].ulPropTag = PR_RESPONSIBILITY;
    v[k++].Value.b = TRUE;
    v[k].ulPropTag = PR_TRANSMITABLE_DISPLAY_NAME_A;
    v[k++].Value.lpszA = "Ada L.";
    al->aEntries[0].cValues = k;
    cr_assert_eq(m->lpVtbl->ModifyRecipients(m, MODRECIP_MODIFY, al), S_OK);
    FreePadrlist(al);
    FreeProws(r);
    cr_assert_eq(m->lpVtbl->SaveChanges(m, KEEP_OPEN_READWRITE), S_OK);
    SBinary eid = eid_of((LPMAPIPROP)m);
    FILETIME before = now_ft();
    cr_assert_eq(m->lpVtbl->SubmitMessage(m, 0), S_OK);
    FILETIME after = now_ft();
    m->lpVtbl->Release(m);

    ULONG type = 0;
    cr_assert_eq(mdb->lpVtbl->OpenEntry(mdb, eid.cb, (LPENTRYID)eid.lpb, NULL, 0, &type,
                                        (LPUNKNOWN *)&m), S_OK);
    r = all_recipients(m);
    cr_assert_eq(r->cRows, 1);
    const SPropValue *resp = row_col(&r->aRow[0], PR_RESPONSIBILITY);
    cr_assert_not_null(resp);
    cr_expect_eq(resp->Value.b, FALSE, "no transport has taken it in this submission");
    cr_expect_eq(row_col(&r->aRow[0], PR_RECIPIENT_TYPE)->Value.l, MAPI_TO,
                 "MAPI_SUBMITTED cleared");
    const SPropValue *own = row_col(&r->aRow[0], PR_TRANSMITABLE_DISPLAY_NAME_A);
    cr_assert_not_null(own, "the recipient's other properties stay");
    cr_expect_str_eq(own->Value.lpszA, "Ada L.");
    cr_expect_not_null(row_col(&r->aRow[0], PR_ENTRYID));
    FreeProws(r);
    LPSPropValue t = NULL;
    cr_assert_eq(HrGetOneProp((LPMAPIPROP)m, PR_CLIENT_SUBMIT_TIME, &t), S_OK);
    cr_expect(ft64(t->Value.ft) >= ft64(before) && ft64(t->Value.ft) <= ft64(after),
              "PR_CLIENT_SUBMIT_TIME is the submission's");
    MAPIFreeBuffer(t);
    m->lpVtbl->Release(m);
    mdb->lpVtbl->Release(mdb);
    logoff(s);

    /* the spooler sends it to Ada: had PR_RESPONSIBILITY stayed TRUE, no transport would
     * (the spooler serves the stores open in the session) */
    s = logon_mail();
    mdb = open_default_store(s);
    flush(s);
    cr_expect_eq(list_dir(g_out, "new", NULL, 0), 1, "sent to the recipient");
    cr_expect_eq(folder_count(mdb, INBOX), 0, "and no report of non-delivery");
    mdb->lpVtbl->Release(mdb);
    free(eid.lpb);
    logoff(s);
}

/* ---- DoSentMail into another store ---- */

Test(spoolsup, sent_mail_moves_into_a_folder_of_another_store)
{
    LPMAPISESSION s = logon_mail();
    LPMDB a = open_default_store(s), b = open_store_named(s, "Archive");
    LPMAPIFOLDER sent = ipm_folder(b, "Sent Archive");
    LPSPropValue se = NULL;
    cr_assert_eq(HrGetOneProp((LPMAPIPROP)sent, PR_ENTRYID, &se), S_OK);
    LPMESSAGE m = new_outgoing(a, "archived when sent", "body");
    se->ulPropTag = PR_SENTMAIL_ENTRYID;
    cr_assert_eq(m->lpVtbl->SetProps(m, 1, se, NULL), S_OK);
    MAPIFreeBuffer(se);
    add_recipient(m, "Ada", "ada@example.org", "SMTP", MAPI_TO);
    ULONG num = 0;
    LPATTACH at = NULL;
    cr_assert_eq(m->lpVtbl->CreateAttach(m, NULL, 0, &num, &at), S_OK);
    SPropValue v[2];
    memset(v, 0, sizeof v);
    v[0].ulPropTag = PR_ATTACH_LONG_FILENAME_A;
    v[0].Value.lpszA = "notes.txt";
    v[1].ulPropTag = PR_ATTACH_DATA_BIN;
    v[1].Value.bin.cb = 5;
    v[1].Value.bin.lpb = (LPBYTE) "notes";
    cr_assert_eq(at->lpVtbl->SetProps(at, 2, v, NULL), S_OK);
    cr_assert_eq(at->lpVtbl->SaveChanges(at, 0), S_OK);
    at->lpVtbl->Release(at);
    cr_assert_eq(m->lpVtbl->SubmitMessage(m, 0), S_OK);
    m->lpVtbl->Release(m);
    flush(s);
    cr_expect_eq(list_dir(g_out, "new", NULL, 0), 1, "sent");
    cr_expect_eq(folder_count(a, PR_IPM_OUTBOX_ENTRYID), 0, "out of the Outbox");
    cr_expect_eq(folder_count(a, PR_IPM_SENTMAIL_ENTRYID), 0, "not in this store's Sent Items");
    cr_expect_eq(queue_count(a), 0);
    LPSRowSet rows = entries_of(sent, 0);
    cr_assert_eq(rows->cRows, 1, "in the other store's folder");
    m = open_msg(sent, &rows->aRow[0]);
    char *subj = get_string(m, PR_SUBJECT_A);
    cr_expect_str_eq(subj, "archived when sent");
    free(subj);
    LPSRowSet r = recipients(m);
    cr_expect_eq(r->cRows, 1);
    FreeProws(r);
    LPSRowSet atts = attachments_of(m);
    cr_expect_eq(atts->cRows, 1, "with its attachment");
    FreeProws(atts);
    LPSPropValue flags = NULL;
    cr_assert_eq(HrGetOneProp((LPMAPIPROP)m, PR_MESSAGE_FLAGS, &flags), S_OK);
    cr_expect_eq(flags->Value.l & (MSGFLAG_SUBMIT | MSGFLAG_UNSENT), 0, "sent, not unsent");
    MAPIFreeBuffer(flags);
    m->lpVtbl->Release(m);
    FreeProws(rows);
    sent->lpVtbl->Release(sent);
    b->lpVtbl->Release(b);
    a->lpVtbl->Release(a);
    logoff(s);
}

/* ---- ExpandRecips: the address book's distribution lists ---- */

static LPABCONT open_pab(LPADRBOOK ab)
{
    ULONG type = 0;
    LPABCONT root = NULL, pab = NULL;
    cr_assert_eq(ab->lpVtbl->OpenEntry(ab, 0, NULL, NULL, 0, &type, (LPUNKNOWN *)&root), S_OK);
    LPMAPITABLE h = NULL;
    cr_assert_eq(root->lpVtbl->GetHierarchyTable(root, 0, &h), S_OK);
    LPSRowSet rows = all_rows_of(h);
    cr_assert_geq(rows->cRows, 1);
    const SPropValue *e = row_col(&rows->aRow[0], PR_ENTRYID);
    cr_assert_eq(ab->lpVtbl->OpenEntry(ab, e->Value.bin.cb, (LPENTRYID)e->Value.bin.lpb, NULL,
                                       MAPI_MODIFY, &type, (LPUNKNOWN *)&pab), S_OK);
    FreeProws(rows);
    root->lpVtbl->Release(root);
    return pab;
}

static SBinary template_for(LPABCONT pab, LONG dt)
{
    LPMAPITABLE t = NULL;
    SBinary out = {0, NULL};
    cr_assert_eq(pab->lpVtbl->OpenProperty(pab, PR_CREATE_TEMPLATES, &IID_IMAPITable, 0, 0,
                                           (LPUNKNOWN *)&t), S_OK);
    LPSRowSet rows = all_rows_of(t);
    for (ULONG i = 0; i < rows->cRows; i++) {
        const SPropValue *d = row_col(&rows->aRow[i], PR_DISPLAY_TYPE);
        const SPropValue *e = row_col(&rows->aRow[i], PR_ENTRYID);
        if (d && e && d->Value.l == dt) {
            out.cb = e->Value.bin.cb;
            out.lpb = malloc(out.cb);
            memcpy(out.lpb, e->Value.bin.lpb, out.cb);
        }
    }
    FreeProws(rows);
    cr_assert_not_null(out.lpb);
    return out;
}

static SBinary pab_user(LPABCONT pab, const char *name, const char *addr)
{
    SBinary tpl = template_for(pab, DT_MAILUSER);
    LPMAPIPROP p = NULL;
    cr_assert_eq(pab->lpVtbl->CreateEntry(pab, tpl.cb, (LPENTRYID)tpl.lpb, 0, &p), S_OK);
    free(tpl.lpb);
    set_string(p, PR_DISPLAY_NAME_A, name);
    set_string(p, PR_EMAIL_ADDRESS_A, addr);
    cr_assert_eq(p->lpVtbl->SaveChanges(p, KEEP_OPEN_READWRITE), S_OK);
    SBinary e = eid_of(p);
    p->lpVtbl->Release(p);
    return e;
}

static SBinary pab_list(LPABCONT pab, const char *name, SBinary *members, ULONG n)
{
    SBinary tpl = template_for(pab, DT_PRIVATE_DISTLIST);
    LPDISTLIST dl = NULL;
    cr_assert_eq(pab->lpVtbl->CreateEntry(pab, tpl.cb, (LPENTRYID)tpl.lpb, 0,
                                          (LPMAPIPROP *)&dl), S_OK);
    free(tpl.lpb);
    set_string((LPMAPIPROP)dl, PR_DISPLAY_NAME_A, name);
    cr_assert_eq(dl->lpVtbl->SaveChanges(dl, KEEP_OPEN_READWRITE), S_OK);
    ENTRYLIST el = {n, members};
    cr_assert_eq(dl->lpVtbl->CopyEntries(dl, &el, 0, NULL, 0), S_OK);
    cr_assert_eq(dl->lpVtbl->SaveChanges(dl, KEEP_OPEN_READWRITE), S_OK);
    SBinary e = eid_of((LPMAPIPROP)dl);
    dl->lpVtbl->Release(dl);
    return e;
}

/* A recipient from an address book entry, as a client adds one it picked from the book. */
static void add_entry(LPMESSAGE m, LPADRBOOK ab, const SBinary *eid, LONG kind)
{
    ULONG type = 0;
    LPMAPIPROP e = NULL;
    cr_assert_eq(ab->lpVtbl->OpenEntry(ab, eid->cb, (LPENTRYID)eid->lpb, NULL, 0, &type,
                                       (LPUNKNOWN *)&e), S_OK);
    SizedSPropTagArray(5, tags) = {5, {PR_DISPLAY_NAME_A, PR_ADDRTYPE_A, PR_EMAIL_ADDRESS_A,
                                       PR_OBJECT_TYPE, PR_ENTRYID}};
    ULONG c = 0;
    LPSPropValue v = NULL;
    cr_assert(SUCCEEDED(e->lpVtbl->GetProps(e, (LPSPropTagArray)&tags, 0, &c, &v)));
    e->lpVtbl->Release(e);
    LPADRLIST al = NULL;
    cr_assert_eq(MAPIAllocateBuffer(CbNewADRLIST(1), (void **)&al), S_OK);
    al->cEntries = 1;
    cr_assert_eq(MAPIAllocateBuffer(6 * sizeof(SPropValue), (void **)&al->aEntries[0].rgPropVals),
                 S_OK);
    LPSPropValue r = al->aEntries[0].rgPropVals;
    ULONG k = 0;
    for (ULONG i = 0; i < c; i++)
        if (PROP_TYPE(v[i].ulPropTag) != PT_ERROR)
            cr_assert_eq(PropCopyMore(&r[k++], &v[i], MAPIAllocateMore, r), S_OK);
    memset(&r[k], 0, sizeof *r);
    r[k].ulPropTag = PR_RECIPIENT_TYPE;
    r[k++].Value.l = kind;
    al->aEntries[0].cValues = k;
    MAPIFreeBuffer(v);
    cr_assert_eq(m->lpVtbl->ModifyRecipients(m, MODRECIP_ADD, al), S_OK);
    FreePadrlist(al);
}

static int has_address(LPSRowSet r, const char *addr, LONG kind)
{
    int n = 0;
    for (ULONG i = 0; i < r->cRows; i++) {
        const SPropValue *a = row_col(&r->aRow[i], PR_EMAIL_ADDRESS_A);
        const SPropValue *k = row_col(&r->aRow[i], PR_RECIPIENT_TYPE);
        n += a && k && strcmp(a->Value.lpszA, addr) == 0 && k->Value.l == kind;
    }
    return n;
}

Test(spoolsup, submit_expands_the_address_books_lists)
{
    LPMAPISESSION s = logon_quiet();
    LPADRBOOK ab = NULL;
    cr_assert_eq(s->lpVtbl->OpenAddressBook(s, 0, NULL, AB_NO_DIALOG, &ab), S_OK);
    LPABCONT pab = open_pab(ab);
    SBinary one = pab_user(pab, "One", "one@example.org");
    SBinary two = pab_user(pab, "Two", "two@example.org");
    SBinary three = pab_user(pab, "Three", "three@example.org");
    SBinary inner_m[2] = {two, three};
    SBinary inner = pab_list(pab, "Inner", inner_m, 2);
    SBinary team_m[2] = {one, inner};
    SBinary team = pab_list(pab, "Team", team_m, 2);
    SBinary dup = pab_list(pab, "Just Two", &two, 1);

    LPMDB mdb = open_default_store(s);
    LPMESSAGE m = new_outgoing(mdb, "to the team", "body");
    add_entry(m, ab, &team, MAPI_TO);  /* One, and through Inner Two and Three */
    add_entry(m, ab, &two, MAPI_CC);   /* Two directly: stays once, as CC */
    add_entry(m, ab, &dup, MAPI_BCC);  /* a list of Two alone: adds nobody */
    add_entry(m, ab, &inner, MAPI_TO); /* a list met again through Team: expanded once */
    cr_assert_eq(m->lpVtbl->SaveChanges(m, KEEP_OPEN_READWRITE), S_OK);
    SBinary eid = eid_of((LPMAPIPROP)m);
    cr_assert_eq(m->lpVtbl->SubmitMessage(m, 0), S_OK);
    m->lpVtbl->Release(m);

    ULONG type = 0;
    cr_assert_eq(mdb->lpVtbl->OpenEntry(mdb, eid.cb, (LPENTRYID)eid.lpb, NULL, 0, &type,
                                        (LPUNKNOWN *)&m), S_OK);
    LPSRowSet r = all_recipients(m);
    cr_expect_eq(r->cRows, 3, "One, Two, Three and no list");
    cr_expect_eq(has_address(r, "one@example.org", MAPI_TO), 1);
    cr_expect_eq(has_address(r, "two@example.org", MAPI_CC), 1, "the direct recipient wins");
    cr_expect_eq(has_address(r, "three@example.org", MAPI_TO), 1);
    for (ULONG i = 0; i < r->cRows; i++) {
        const SPropValue *o = row_col(&r->aRow[i], PR_OBJECT_TYPE);
        cr_expect(!o || o->Value.l != MAPI_DISTLIST, "no list is left");
        cr_expect_not_null(row_col(&r->aRow[i], PR_ENTRYID), "members are resolved");
    }
    FreeProws(r);
    m->lpVtbl->Release(m);
    mdb->lpVtbl->Release(mdb);
    pab->lpVtbl->Release(pab);
    ab->lpVtbl->Release(ab);
    logoff(s);

    /* and the transport writes the members' addresses */
    s = logon_mail();
    mdb = open_default_store(s);
    flush(s);
    mdb->lpVtbl->Release(mdb);
    char names[2][512], path[PATH_MAX];
    cr_assert_eq(list_dir(g_out, "new", names, 2), 1);
    snprintf(path, sizeof path, "%s/new/%s", g_out, names[0]);
    GMimeMessage *g = parse_file(path);
    cr_expect_eq(internet_address_list_length(
                     g_mime_message_get_addresses(g, GMIME_ADDRESS_TYPE_TO)), 2);
    cr_expect_eq(internet_address_list_length(
                     g_mime_message_get_addresses(g, GMIME_ADDRESS_TYPE_CC)), 1);
    g_object_unref(g);
    free(one.lpb), free(two.lpb), free(three.lpb), free(inner.lpb), free(team.lpb);
    free(dup.lpb), free(eid.lpb);
    logoff(s);
}

/* A function of a test provider the session loaded. */
static void *loaded_fn(const char *file, const char *fn)
{
    char so[PATH_MAX + 32], rel[64];
    snprintf(rel, sizeof rel, "build/tests/providers/%s", file);
    cr_assert_not_null(realpath(rel, so));
    void *h = dlopen(so, RTLD_NOW | RTLD_NOLOAD);
    cr_assert_not_null(h, "the session loaded %s: %s", file, dlerror());
    void *f = dlsym(h, fn);
    dlclose(h); /* the session's reference keeps it loaded */
    cr_assert_not_null(f, "%s", fn);
    return f;
}

static void make_profile(const char *name, const char *const *svcs)
{
    LPPROFADMIN pa;
    LPSERVICEADMIN sa;
    cr_assert_eq(MAPIAdminProfiles(0, &pa), S_OK);
    cr_assert_eq(pa->lpVtbl->CreateProfile(pa, (LPTSTR)name, NULL, 0, 0), S_OK);
    cr_assert_eq(pa->lpVtbl->AdminServices(pa, (LPTSTR)name, NULL, 0, 0, &sa), S_OK);
    for (int i = 0; svcs[i]; i++)
        cr_assert_eq(sa->lpVtbl->CreateMsgService(sa, (LPTSTR)svcs[i], NULL, 0, 0), S_OK, "%s",
                     svcs[i]);
    sa->lpVtbl->Release(sa);
    pa->lpVtbl->Release(pa);
}

/* ---- StatusRecips: a transport's report, made by the spooler ---- */

Test(spoolsup, status_recips_becomes_a_non_delivery_report)
{
    static const char *const svcs[] = {"REPSTORE", "ACMEXP", NULL};
    make_profile("Reports", svcs);
    LPMAPISESSION s = NULL;
    cr_assert_eq(MAPILogonEx(0, (LPTSTR) "Reports", NULL,
                             MAPI_EXPLICIT_PROFILE | MAPI_NEW_SESSION, &s), S_OK);
    LPMDB mdb = open_default_store(s);
    LPMAPIFOLDER sent = store_folder(mdb, PR_IPM_SENTMAIL_ENTRYID);
    LPMESSAGE m = NULL;
    cr_assert_eq(sent->lpVtbl->CreateMessage(sent, NULL, 0, &m), S_OK);
    set_string((LPMAPIPROP)m, PR_SUBJECT_A, "went out");
    set_string((LPMAPIPROP)m, PR_MESSAGE_CLASS_A, "IPM.Note");
    add_recipient(m, "Ada", "ada@example.org", "SMTP", MAPI_TO);
    add_recipient(m, "Bob", "bob@example.org", "SMTP", MAPI_TO);
    cr_assert_eq(m->lpVtbl->SaveChanges(m, KEEP_OPEN_READWRITE), S_OK);

    /* the transport learnt that Bob's copy failed and Ada's arrived */
    LPMAPISUP (*get)(void) = (LPMAPISUP(*)(void))loaded_fn("acmexp.so", "acmexp_support");
    cr_assert_not_null(get);
    LPMAPISUP sup = get();
    cr_assert_not_null(sup);
    LPADRLIST al = NULL;
    cr_assert_eq(MAPIAllocateBuffer(CbNewADRLIST(2), (void **)&al), S_OK);
    al->cEntries = 2;
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(MAPIAllocateBuffer(5 * sizeof(SPropValue),
                                        (void **)&AT(al->aEntries, i).rgPropVals), S_OK);
        memset(AT(al->aEntries, i).rgPropVals, 0, 5 * sizeof(SPropValue));
    }
    LPSPropValue bob = al->aEntries[0].rgPropVals, ada = AT(al->aEntries, 1).rgPropVals;
    bob[0].ulPropTag = PR_DISPLAY_NAME_A;
    bob[0].Value.lpszA = "Bob";
    bob[1].ulPropTag = PR_EMAIL_ADDRESS_A;
    bob[1].Value.lpszA = "bob@example.org";
    bob[2].ulPropTag = PR_NDR_REASON_CODE;
    bob[2].Value.l = 7; /* the transport's own reason */
    bob[3].ulPropTag = PR_NDR_DIAG_CODE;
    bob[3].Value.l = 3;
    bob[4].ulPropTag = PR_REPORT_TEXT_A;
    bob[4].Value.lpszA = "mailbox full";
    al->aEntries[0].cValues = 5;
    ada[0].ulPropTag = PR_DISPLAY_NAME_A;
    ada[0].Value.lpszA = "Ada";
    ada[1].ulPropTag = PR_DELIVER_TIME;
    ada[1].Value.ft = now_ft();
    AT(al->aEntries, 1).cValues = 2;
    cr_assert_eq(sup->lpVtbl->StatusRecips(sup, m, al), S_OK); /* MAPI frees the list */
    m->lpVtbl->Release(m);
    sent->lpVtbl->Release(sent);
    flush(s);

    LPSRowSet rows = inbox_rows(mdb);
    cr_assert_eq(rows->cRows, 1, "one report, in the default store's Inbox");
    cr_expect_str_eq(row_col(&rows->aRow[0], PR_MESSAGE_CLASS_A)->Value.lpszA,
                     "REPORT.IPM.Note.NDR");
    cr_expect_str_eq(row_col(&rows->aRow[0], PR_SUBJECT_A)->Value.lpszA, "Undeliverable: went out");
    LPMESSAGE ndr = open_row(mdb, &rows->aRow[0]);
    LPSRowSet rr = all_recipients(ndr);
    cr_assert_eq(rr->cRows, 1, "Bob only: Ada was delivered");
    cr_expect_str_eq(row_col(&rr->aRow[0], PR_DISPLAY_NAME_A)->Value.lpszA, "Bob");
    cr_expect_eq(row_col(&rr->aRow[0], PR_NDR_REASON_CODE)->Value.l, 7, "the transport's reason");
    cr_expect_eq(row_col(&rr->aRow[0], PR_NDR_DIAG_CODE)->Value.l, 3);
    cr_expect_str_eq(row_col(&rr->aRow[0], PR_REPORT_TEXT_A)->Value.lpszA, "mailbox full");
    FreeProws(rr);
    ndr->lpVtbl->Release(ndr);
    FreeProws(rows);

    mdb->lpVtbl->Release(mdb);
    logoff(s);
}

/* ---- preprocessors: registered by a transport, run by the spooler ---- */

struct preproc_stats {
    int stamps, unstamps, fails, args_ok, info_seen_by_unstamp;
};

/* The profile "Pre": the store, the Maildir transport (first: it sends SMTP) and acmexp, whose
 * support object registers the preprocessor named (REMOVEPREPROCESSINFO rm, or none). */
static LPMAPISESSION preproc_logon(const char *name, const char *fn, const char *rm)
{
    static int made;
    static const char *const svcs[] = {"MSGSTORE", "MAILDIR", "ACMEXP", NULL};
    if (!made++)
        make_profile("Pre", svcs);
    LPMAPISESSION s = NULL;
    cr_assert_eq(MAPILogonEx(0, (LPTSTR) "Pre", NULL, MAPI_EXPLICIT_PROFILE | MAPI_NEW_SESSION,
                             &s), S_OK);
    LPMAPISUP xp = ((LPMAPISUP(*)(void))loaded_fn("acmexp.so", "acmexp_support"))();
    cr_assert_not_null(xp);
    cr_assert_eq(xp->lpVtbl->RegisterPreprocessor(xp, NULL, (LPTSTR) "SMTP", (LPTSTR)name,
                                                  (LPSTR)fn, (LPSTR)rm, 0), S_OK);
    return s;
}

static void submit_to_ada(LPMDB mdb, const char *subject)
{
    LPMESSAGE m = new_outgoing(mdb, subject, "body");
    add_recipient(m, "Ada", "ada@example.org", "SMTP", MAPI_TO);
    cr_assert_eq(m->lpVtbl->SubmitMessage(m, 0), S_OK);
    m->lpVtbl->Release(m);
}

static int sent_subject(const char *subject)
{
    char names[8][512];
    int n = list_dir(g_out, "new", names, 8), hit = 0;
    for (int i = 0; i < n && i < 8; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/new/%s", g_out, names[i]);
        GMimeMessage *gm = parse_file(path);
        const char *sj = g_mime_message_get_subject(gm);
        hit += sj && strcmp(sj, subject) == 0;
        g_object_unref(gm);
    }
    return hit;
}

Test(spoolsup, preprocessor_runs_before_sending_and_cleans_up_after)
{
    LPMAPISESSION s = preproc_logon("PREPROC.DLL", "AcmeStamp", "AcmeUnstamp");
    /* held loaded here: the spooler unloads the library once the message is sent */
    char so[PATH_MAX];
    cr_assert_not_null(realpath("build/tests/providers/preproc.so", so));
    void *h = dlopen(so, RTLD_NOW);
    cr_assert_not_null(h, "%s", dlerror());
    struct preproc_stats *st = ((struct preproc_stats * (*)(void)) dlsym(h, "preproc_stats"))();
    LPMDB mdb = open_default_store(s);
    submit_to_ada(mdb, "hello");
    flush(s);

    cr_expect_eq(st->stamps, 1, "PREPROCESSMESSAGE ran once");
    cr_expect(st->args_ok, "session, message, address book, folder, allocators, outs given");
    cr_expect_eq(st->unstamps, 1, "REMOVEPREPROCESSINFO ran after sending");
    cr_expect(st->info_seen_by_unstamp, "on the preprocessed message");
    cr_expect_eq(list_dir(g_out, "new", NULL, 0), 2, "the message and the preprocessor's one");
    cr_expect_eq(sent_subject("[stamped] hello"), 1, "sent as the preprocessor left it");
    cr_expect_eq(sent_subject("copy: hello"), 1, "the preprocessor's message sent too");
    cr_expect_eq(queue_count(mdb), 0);
    cr_expect_eq(folder_count(mdb, PR_IPM_OUTBOX_ENTRYID), 0,
                 "the extra message deleted once sent (its PR_DELETE_AFTER_SUBMIT)");
    LPSRowSet rows = folder_rows(mdb, PR_IPM_SENTMAIL_ENTRYID);
    cr_assert_eq(rows->cRows, 1);
    cr_expect_str_eq(row_col(&rows->aRow[0], PR_SUBJECT_A)->Value.lpszA, "[stamped] hello");
    LPMESSAGE m = open_row(mdb, &rows->aRow[0]);
    SizedSPropTagArray(2, t) = {2, {PROP_TAG(PT_LONG, 0x6690), PR_SUBMIT_FLAGS}};
    ULONG c = 0;
    LPSPropValue v = NULL;
    cr_assert(SUCCEEDED(m->lpVtbl->GetProps(m, (LPSPropTagArray)&t, 0, &c, &v)));
    cr_expect_eq(PROP_TYPE(v[0].ulPropTag), PT_ERROR, "the preprocessor's information removed");
    cr_expect(PROP_TYPE(v[1].ulPropTag) == PT_ERROR || !(v[1].Value.l & SUBMITFLAG_PREPROCESS),
              "SUBMITFLAG_PREPROCESS cleared");
    MAPIFreeBuffer(v);
    m->lpVtbl->Release(m);
    FreeProws(rows);
    cr_expect_eq(folder_count(mdb, INBOX), 0, "no report");

    /* a message to an address type without a preprocessor is not preprocessed */
    LPMESSAGE x = new_outgoing(mdb, "by fax", "body");
    add_recipient(x, "Fax", "+1 555 0100", "FAX", MAPI_TO);
    cr_assert_eq(x->lpVtbl->SubmitMessage(x, 0), S_OK);
    x->lpVtbl->Release(x);
    flush(s);
    cr_expect_eq(st->stamps, 1, "FAX has no preprocessor");
    mdb->lpVtbl->Release(mdb);
    logoff(s);
    dlclose(h);
}

static void expect_stopped_by(const char *fn, const char *text)
{
    LPMAPISESSION s = preproc_logon("PREPROC.DLL", fn, NULL);
    LPMDB mdb = open_default_store(s);
    submit_to_ada(mdb, "doomed");
    flush(s);
    cr_expect_eq(list_dir(g_out, "new", NULL, 0), 0, "%s: nothing sent", fn);
    cr_expect_eq(queue_count(mdb), 0, "%s: finished, not retried", fn);
    LPSRowSet rows = inbox_rows(mdb);
    cr_assert_eq(rows->cRows, 1, "%s: one non-delivery report", fn);
    cr_expect_str_eq(row_col(&rows->aRow[0], PR_MESSAGE_CLASS_A)->Value.lpszA,
                     "REPORT.IPM.Note.NDR");
    LPMESSAGE ndr = open_row(mdb, &rows->aRow[0]);
    LPSRowSet rr = all_recipients(ndr);
    cr_assert_eq(rr->cRows, 1);
    const SPropValue *why = row_col(&rr->aRow[0], PR_REPORT_TEXT_A);
    cr_assert_not_null(why);
    cr_expect(strstr(why->Value.lpszA, text) != NULL, "%s", why->Value.lpszA);
    FreeProws(rr);
    ndr->lpVtbl->Release(ndr);
    FreeProws(rows);
    /* the report is the record: the spooler's status row says it only until a pass ends
     * without a problem (the pass SubmitMessage started may already have been followed) */
    mdb->lpVtbl->Release(mdb);
    logoff(s);
}

Test(spoolsup, failing_preprocessor_stops_the_message_with_a_report)
{
    expect_stopped_by("AcmeFail", "PREPROC.DLL!AcmeFail failed (0x80004005)");
}

Test(spoolsup, missing_preprocessor_function_stops_the_message_with_a_report)
{
    expect_stopped_by("AcmeNoSuchFunction", "exports no function AcmeNoSuchFunction");
}

/* ---- ReadReceipt: the store's SetReadFlag on a message that asks for one ---- */

static SBinary received(LPMDB mdb, const char *subject, BOOL asks)
{
    LPMAPIFOLDER inbox = store_folder(mdb, INBOX);
    LPMESSAGE m = NULL;
    cr_assert_eq(inbox->lpVtbl->CreateMessage(inbox, NULL, 0, &m), S_OK);
    set_string((LPMAPIPROP)m, PR_SUBJECT_A, subject);
    set_string((LPMAPIPROP)m, PR_MESSAGE_CLASS_A, "IPM.Note");
    SPropValue v[2];
    memset(v, 0, sizeof v);
    v[0].ulPropTag = PR_READ_RECEIPT_REQUESTED;
    v[0].Value.b = asks;
    v[1].ulPropTag = PR_SENDER_ENTRYID;
    v[1].Value.bin = one_off("Sender", "SMTP", "sender@example.org");
    cr_assert_eq(m->lpVtbl->SetProps(m, 2, v, NULL), S_OK);
    MAPIFreeBuffer(v[1].Value.bin.lpb);
    cr_assert_eq(m->lpVtbl->SaveChanges(m, KEEP_OPEN_READWRITE), S_OK);
    SBinary e = eid_of((LPMAPIPROP)m);
    m->lpVtbl->Release(m);
    inbox->lpVtbl->Release(inbox);
    return e;
}

static LPMESSAGE open_eid(LPMDB mdb, const SBinary *e)
{
    ULONG type = 0;
    LPMESSAGE m = NULL;
    cr_assert_eq(mdb->lpVtbl->OpenEntry(mdb, e->cb, (LPENTRYID)e->lpb, NULL, 0, &type,
                                        (LPUNKNOWN *)&m), S_OK);
    return m;
}

Test(spoolsup, read_receipt_goes_to_the_sender_once)
{
    LPMAPISESSION s = logon_mail();
    LPMDB mdb = open_default_store(s);
    SBinary asks = received(mdb, "please confirm", TRUE);
    SBinary quiet = received(mdb, "no receipt", FALSE);
    SBinary suppressed = received(mdb, "suppressed", TRUE);

    LPMESSAGE m = open_eid(mdb, &asks);
    cr_assert_eq(m->lpVtbl->SetReadFlag(m, 0), S_OK);
    cr_assert_eq(m->lpVtbl->SetReadFlag(m, 0), S_OK); /* read already: no second receipt */
    m->lpVtbl->Release(m);
    m = open_eid(mdb, &quiet);
    cr_assert_eq(m->lpVtbl->SetReadFlag(m, 0), S_OK);
    m->lpVtbl->Release(m);
    m = open_eid(mdb, &suppressed);
    cr_assert_eq(m->lpVtbl->SetReadFlag(m, SUPPRESS_RECEIPT), S_OK);
    m->lpVtbl->Release(m);
    flush(s);

    char names[4][512], path[PATH_MAX];
    cr_assert_eq(list_dir(g_out, "new", names, 4), 1, "one receipt, for the message that asked");
    snprintf(path, sizeof path, "%s/new/%s", g_out, names[0]);
    GMimeMessage *g = parse_file(path);
    cr_expect_str_eq(g_mime_message_get_subject(g), "Read: please confirm");
    InternetAddressList *to = g_mime_message_get_addresses(g, GMIME_ADDRESS_TYPE_TO);
    cr_assert_eq(internet_address_list_length(to), 1);
    cr_expect_str_eq(internet_address_mailbox_get_addr(
                         INTERNET_ADDRESS_MAILBOX(internet_address_list_get_address(to, 0))),
                     "sender@example.org", "to the sender's address");
    g_object_unref(g);
    cr_expect_eq(folder_count(mdb, PR_IPM_OUTBOX_ENTRYID), 0, "the sent receipt is not kept");
    cr_expect_eq(folder_count(mdb, INBOX), 3, "no report of non-delivery");
    free(asks.lpb), free(quiet.lpb), free(suppressed.lpb);
    mdb->lpVtbl->Release(mdb);
    logoff(s);
}

/* ---- the support methods providers call, on the real store's messages ---- */

static LPMESSAGE outbox_message(LPMDB mdb, const char *subject, const char *type, ULONG tag,
                                SBinary *eid)
{
    LPMESSAGE m = new_outgoing(mdb, subject, "body"); /* PR_SENTMAIL_ENTRYID: Sent Items */
    add_recipient(m, "Fax Desk", "+1 555 0100", type, MAPI_TO);
    if (tag) {
        SPropValue v;
        memset(&v, 0, sizeof v);
        v.ulPropTag = tag;
        v.Value.b = TRUE;
        cr_assert_eq(m->lpVtbl->SetProps(m, 1, &v, NULL), S_OK);
    }
    cr_assert_eq(m->lpVtbl->SaveChanges(m, KEEP_OPEN_READWRITE), S_OK);
    *eid = eid_of((LPMAPIPROP)m);
    return m;
}

Test(spoolsup, complete_msg_preprocessors_and_templates_through_providers_support)
{
    static const char *const svcs[] = {"REPSTORE", "ACMEMS", "ACMEXP", "MAPIRT_PAB", "ACMEAB",
                                       NULL};
    make_profile("Support", svcs);
    LPMAPISESSION s = NULL;
    cr_assert_eq(MAPILogonEx(0, (LPTSTR) "Support", NULL,
                             MAPI_EXPLICIT_PROFILE | MAPI_NEW_SESSION, &s), S_OK);
    LPMDB mdb = open_default_store(s);
    LPMDB acme = open_store_named(s, "Acme Store"); /* a store logs on when first opened */
    LPMAPISUP ms = ((LPMAPISUP(*)(void))loaded_fn("acmems.so", "acmems_support"))();
    LPMAPISUP xp = ((LPMAPISUP(*)(void))loaded_fn("acmexp.so", "acmexp_support"))();
    LPMAPISUP ab = ((LPMAPISUP(*)(void))loaded_fn("acmeab.so", "acmeab_support"))();
    cr_assert(ms && xp && ab);

    /* RegisterPreprocessor (a transport's), then ExpandRecips (a store's) on a message with a
     * recipient of that address type: it needs preprocessing; one without does not */
    cr_assert_eq(xp->lpVtbl->RegisterPreprocessor(xp, NULL, (LPTSTR) "FAX", (LPTSTR) "acmexp.dll",
                                                  (LPSTR) "Preprocess", NULL, 0), S_OK);
    SBinary fe, se;
    LPMESSAGE fax = outbox_message(mdb, "by fax", "fax", 0, &fe); /* types match without case */
    LPMESSAGE smtp = outbox_message(mdb, "by mail", "SMTP", 0, &se);
    ULONG flags = 0;
    cr_assert_eq(ms->lpVtbl->ExpandRecips(ms, fax, &flags), S_OK);
    cr_expect_eq(flags, NEEDS_SPOOLER | NEEDS_PREPROCESSING);
    cr_assert_eq(ms->lpVtbl->ExpandRecips(ms, smtp, &flags), S_OK);
    cr_expect_eq(flags, NEEDS_SPOOLER);
    /* PrepareSubmit answers the same (the store queues SUBMITFLAG_PREPROCESS from it) */
    cr_assert_eq(ms->lpVtbl->PrepareSubmit(ms, fax, &flags), S_OK);
    cr_expect_eq(flags, NEEDS_PREPROCESSING);
    cr_assert_eq(ms->lpVtbl->PrepareSubmit(ms, smtp, &flags), S_OK);
    cr_expect_eq(flags, 0);
    cr_expect_eq(xp->lpVtbl->RegisterPreprocessor(xp, NULL, (LPTSTR) "", (LPTSTR) "acmexp.dll",
                                                  (LPSTR) "Preprocess", NULL, 0),
                 MAPI_E_INVALID_PARAMETER);
    fax->lpVtbl->Release(fax);
    smtp->lpVtbl->Release(smtp);

    /* CompleteMsg: the sent-mail processing of a store's tightly coupled transport: moved to
     * PR_SENTMAIL_ENTRYID, or deleted with PR_DELETE_AFTER_SUBMIT */
    SBinary de;
    LPMESSAGE del = outbox_message(mdb, "deleted", "SMTP", PR_DELETE_AFTER_SUBMIT, &de);
    del->lpVtbl->Release(del);
    cr_expect_eq(folder_count(mdb, PR_IPM_OUTBOX_ENTRYID), 3);
    cr_assert_eq(ms->lpVtbl->CompleteMsg(ms, 0, fe.cb, (LPENTRYID)fe.lpb), S_OK);
    cr_assert_eq(ms->lpVtbl->CompleteMsg(ms, 0, de.cb, (LPENTRYID)de.lpb), S_OK);
    cr_expect_eq(folder_count(mdb, PR_IPM_OUTBOX_ENTRYID), 1, "only the one not completed");
    LPSRowSet rows = folder_rows(mdb, PR_IPM_SENTMAIL_ENTRYID);
    cr_assert_eq(rows->cRows, 1, "moved to Sent Items");
    cr_expect_str_eq(row_col(&rows->aRow[0], PR_SUBJECT_A)->Value.lpszA, "by fax");
    FreeProws(rows);
    ULONG type = 0;
    LPUNKNOWN u = NULL;
    cr_expect_eq(mdb->lpVtbl->OpenEntry(mdb, de.cb, (LPENTRYID)de.lpb, NULL, 0, &type, &u),
                 MAPI_E_NOT_FOUND, "deleted after submit");
    cr_expect_eq(ms->lpVtbl->CompleteMsg(ms, 0, de.cb, (LPENTRYID)de.lpb), MAPI_E_NOT_FOUND);

    /* OpenTemplateID (an address book provider's): routed by the template's MAPIUID to the
     * provider that made it; the bundled book answers as a non-foreign provider does */
    LPADRBOOK book = NULL;
    cr_assert_eq(s->lpVtbl->OpenAddressBook(s, 0, NULL, AB_NO_DIALOG, &book), S_OK);
    LPABCONT pab = open_pab(book);
    SBinary tpl = template_for(pab, DT_MAILUSER);
    LPPROPDATA data = NULL;
    cr_assert_eq(CreateIProp(&IID_IMAPIPropData, MAPIAllocateBuffer, MAPIAllocateMore,
                             MAPIFreeBuffer, NULL, &data), S_OK);
    LPMAPIPROP out = NULL;
    cr_expect_eq(ab->lpVtbl->OpenTemplateID(ab, tpl.cb, (LPENTRYID)tpl.lpb, 0, (LPMAPIPROP)data,
                                            NULL, &out, NULL), MAPI_E_NO_SUPPORT);
    LPMAPIERROR err = NULL;
    cr_assert_eq(ab->lpVtbl->GetLastError(ab, MAPI_E_NO_SUPPORT, 0, &err), S_OK);
    cr_expect(err && strstr((char *)err->lpszError, "template's provider"), "%s",
              err ? (char *)err->lpszError : "");
    MAPIFreeBuffer(err);
    tpl.lpb[5] ^= 0xFF; /* a MAPIUID no provider of the session registered */
    cr_expect_eq(ab->lpVtbl->OpenTemplateID(ab, tpl.cb, (LPENTRYID)tpl.lpb, 0, (LPMAPIPROP)data,
                                            NULL, &out, NULL), MAPI_E_UNKNOWN_ENTRYID);
    cr_expect_null(out);
    data->lpVtbl->Release(data);
    free(tpl.lpb);
    pab->lpVtbl->Release(pab);
    book->lpVtbl->Release(book);
    free(fe.lpb), free(se.lpb), free(de.lpb);
    acme->lpVtbl->Release(acme);
    mdb->lpVtbl->Release(mdb);
    logoff(s);
}
