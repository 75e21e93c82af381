/* maildemo: mail on the bundled providers, end to end, in a fresh directory (printed, kept):
 * a profile with the catalog's default services (MAPI_DEFAULT_SERVICES: the SQLite store and the
 * Maildir transport), a logon, the status table and the message stores, a message with an
 * attachment submitted from the Outbox, the file the transport wrote into the outgoing Maildir,
 * one file delivered from the incoming Maildir, and the Inbox. Exit status 0 when every step
 * did what it should. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapiguid.h>
#include <mapitags.h>
#include <mapiutil.h>
#include <mapix.h>

#define CHECK(expr)                                                                                \
    do {                                                                                           \
        HRESULT hr_ = (expr);                                                                      \
        if (FAILED(hr_)) {                                                                         \
            fprintf(stderr, "maildemo: %s failed: 0x%08X\n", #expr, (unsigned)hr_);               \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

static const SPropValue *col(const SRow *r, ULONG tag)
{
    for (ULONG i = 0; i < r->cValues; i++)
        if (r->lpProps[i].ulPropTag == tag)
            return &r->lpProps[i];
    return NULL;
}

static const char *str(const SRow *r, ULONG tag)
{
    const SPropValue *v = col(r, tag);
    return v ? v->Value.lpszA : "";
}

static LPSRowSet rows_of(LPMAPITABLE t)
{
    LPSRowSet rows = NULL;
    CHECK(HrQueryAllRows(t, NULL, NULL, NULL, 0, &rows));
    t->lpVtbl->Release(t);
    return rows;
}

static LPMAPIFOLDER open_folder(LPMDB mdb, ULONG tag, const char *cls)
{
    ULONG cb = 0, type = 0, c = 0;
    LPENTRYID eid = NULL;
    LPSPropValue v = NULL;
    LPMAPIFOLDER f = NULL;
    if (cls) {
        CHECK(mdb->lpVtbl->GetReceiveFolder(mdb, (LPTSTR)cls, 0, &cb, &eid, NULL));
    } else {
        SizedSPropTagArray(1, t) = {1, {tag}};
        CHECK(mdb->lpVtbl->GetProps(mdb, (LPSPropTagArray)&t, 0, &c, &v));
        cb = v[0].Value.bin.cb;
        eid = (LPENTRYID)v[0].Value.bin.lpb;
    }
    CHECK(mdb->lpVtbl->OpenEntry(mdb, cb, eid, NULL, MAPI_MODIFY, &type, (LPUNKNOWN *)&f));
    MAPIFreeBuffer(cls ? (void *)eid : (void *)v);
    return f;
}

static void flush(LPMAPISESSION s)
{
    LPMAPITABLE t = NULL;
    CHECK(s->lpVtbl->GetStatusTable(s, 0, &t));
    LPSRowSet rows = rows_of(t);
    for (ULONG i = 0; i < rows->cRows; i++) {
        const SPropValue *ty = col(&rows->aRow[i], PR_RESOURCE_TYPE);
        const SPropValue *e = col(&rows->aRow[i], PR_ENTRYID);
        if (ty && ty->Value.l == MAPI_SPOOLER && e) {
            ULONG type;
            LPMAPISTATUS st = NULL;
            CHECK(s->lpVtbl->OpenEntry(s, e->Value.bin.cb, (LPENTRYID)e->Value.bin.lpb, NULL, 0,
                                       &type, (LPUNKNOWN *)&st));
            CHECK(st->lpVtbl->FlushQueues(st, 0, 0, NULL, 0));
            st->lpVtbl->Release(st);
        }
    }
    FreeProws(rows);
}

static int show_file(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096 + 256];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        printf("  %s:\n", path);
        FILE *f = fopen(path, "r");
        char line[200];
        for (int k = 0; f && k < 14 && fgets(line, sizeof line, f); k++)
            printf("    | %s", line);
        if (f)
            fclose(f);
        n++;
    }
    if (d)
        closedir(d);
    return n;
}

int main(void)
{
    char root[] = "/tmp/maildemo.XXXXXX";
    if (!mkdtemp(root))
        return 1;
    char path[4096];
    snprintf(path, sizeof path, "%s/profiles.db", root);
    setenv("MAPIRT_PROFILES", path, 1);
    setenv("XDG_DATA_HOME", root, 1); /* where the default services keep their files */
    printf("maildemo: everything lives in %s\n", root);
    CHECK(MAPIInitialize(NULL));
    LPPROFADMIN pa;
    CHECK(MAPIAdminProfiles(0, &pa));
    CHECK(pa->lpVtbl->CreateProfile(pa, (LPTSTR) "Demo", NULL, 0, MAPI_DEFAULT_SERVICES));
    pa->lpVtbl->Release(pa);
    LPMAPISESSION s = NULL;
    CHECK(MAPILogonEx(0, (LPTSTR) "Demo", NULL, MAPI_EXPLICIT_PROFILE | MAPI_NEW_SESSION, &s));

    LPMAPITABLE t = NULL;
    CHECK(s->lpVtbl->GetMsgStoresTable(s, 0, &t));
    LPSRowSet stores = rows_of(t);
    printf("message stores:\n");
    LPMDB mdb = NULL;
    for (ULONG i = 0; i < stores->cRows; i++) {
        const SPropValue *d = col(&stores->aRow[i], PR_DEFAULT_STORE);
        printf("  %s%s\n", str(&stores->aRow[i], PR_DISPLAY_NAME_A),
               d && d->Value.b ? " (default)" : "");
        const SPropValue *e = col(&stores->aRow[i], PR_ENTRYID);
        if (d && d->Value.b && e)
            CHECK(s->lpVtbl->OpenMsgStore(s, 0, e->Value.bin.cb, (LPENTRYID)e->Value.bin.lpb,
                                          NULL, MDB_WRITE, &mdb));
    }
    FreeProws(stores);
    if (!mdb) {
        fprintf(stderr, "maildemo: no default store\n");
        return 1;
    }

    /* a message with an attachment, submitted from the Outbox */
    LPMAPIFOLDER outbox = open_folder(mdb, PR_IPM_OUTBOX_ENTRYID, NULL);
    LPMESSAGE m = NULL;
    CHECK(outbox->lpVtbl->CreateMessage(outbox, NULL, 0, &m));
    SPropValue v[3];
    memset(v, 0, sizeof v);
    v[0].ulPropTag = PR_SUBJECT_A;
    v[0].Value.lpszA = "Grüße from mapirt";
    v[1].ulPropTag = PR_BODY_A;
    v[1].Value.lpszA = "Sent through the spooler and the Maildir transport.\n";
    v[2].ulPropTag = PR_MESSAGE_CLASS_A;
    v[2].Value.lpszA = "IPM.Note";
    CHECK(m->lpVtbl->SetProps(m, 3, v, NULL));
    ULONG num;
    LPATTACH a = NULL;
    CHECK(m->lpVtbl->CreateAttach(m, NULL, 0, &num, &a));
    v[0].ulPropTag = PR_ATTACH_METHOD;
    v[0].Value.l = ATTACH_BY_VALUE;
    v[1].ulPropTag = PR_ATTACH_LONG_FILENAME_A;
    v[1].Value.lpszA = "notes.txt";
    v[2].ulPropTag = PR_ATTACH_DATA_BIN;
    v[2].Value.bin.cb = 19;
    v[2].Value.bin.lpb = (LPBYTE) "attached, in base64";
    CHECK(a->lpVtbl->SetProps(a, 3, v, NULL));
    CHECK(a->lpVtbl->SaveChanges(a, 0));
    a->lpVtbl->Release(a);
    /* a recipient is sent to once resolved: its entry ID, here the address book's one-off for
     * an Internet address (IAddrBook::ResolveName gives the same to "Name [SMTP:address]") */
    LPADRBOOK ab = NULL;
    ULONG cbeid = 0;
    LPENTRYID eid = NULL;
    CHECK(s->lpVtbl->OpenAddressBook(s, 0, NULL, AB_NO_DIALOG, &ab));
    CHECK(ab->lpVtbl->CreateOneOff(ab, (LPTSTR) "Ada Lovelace", (LPTSTR) "SMTP",
                                   (LPTSTR) "ada@example.org", 0, &cbeid, &eid));
    ab->lpVtbl->Release(ab);
    LPADRLIST al = NULL;
    CHECK(MAPIAllocateBuffer(CbNewADRLIST(1), (void **)&al));
    al->cEntries = 1;
    al->aEntries[0].cValues = 5;
    CHECK(MAPIAllocateBuffer(5 * sizeof(SPropValue), (void **)&al->aEntries[0].rgPropVals));
    LPSPropValue r = al->aEntries[0].rgPropVals;
    memset(r, 0, 5 * sizeof *r);
    r[0].ulPropTag = PR_DISPLAY_NAME_A;
    r[0].Value.lpszA = "Ada Lovelace";
    r[1].ulPropTag = PR_EMAIL_ADDRESS_A;
    r[1].Value.lpszA = "ada@example.org";
    r[2].ulPropTag = PR_ADDRTYPE_A;
    r[2].Value.lpszA = "SMTP";
    r[3].ulPropTag = PR_RECIPIENT_TYPE;
    r[3].Value.l = MAPI_TO;
    r[4].ulPropTag = PR_ENTRYID;
    r[4].Value.bin.cb = cbeid;
    r[4].Value.bin.lpb = (LPBYTE)eid;
    CHECK(m->lpVtbl->ModifyRecipients(m, MODRECIP_ADD, al));
    FreePadrlist(al);
    MAPIFreeBuffer(eid);
    CHECK(m->lpVtbl->SubmitMessage(m, 0));
    m->lpVtbl->Release(m);
    outbox->lpVtbl->Release(outbox);
    flush(s);
    printf("the outgoing Maildir:\n");
    snprintf(path, sizeof path, "%s/mapirt/Maildir/outgoing/new", root);
    int sent = show_file(path);

    /* one file delivered */
    char in[4096];
    snprintf(in, sizeof in, "%s/mapirt/Maildir/incoming/new/1.demo", root);
    FILE *f = fopen(in, "w");
    if (!f)
        return 1;
    fputs("From: Ada Lovelace <ada@example.org>\nTo: you@example.net\n"
          "Subject: =?UTF-8?Q?Re:_Gr=C3=BC=C3=9Fe?=\nDate: Tue, 01 Dec 2026 10:00:00 +0000\n\n"
          "Thank you.\n", f);
    fclose(f);
    flush(s);

    CHECK(s->lpVtbl->GetStatusTable(s, 0, &t));
    LPSRowSet st = rows_of(t);
    printf("status table:\n");
    for (ULONG i = 0; i < st->cRows; i++)
        printf("  %-22s %s\n", str(&st->aRow[i], PR_DISPLAY_NAME_A),
               str(&st->aRow[i], PR_STATUS_STRING_A));
    FreeProws(st);

    LPMAPIFOLDER inbox = open_folder(mdb, 0, "IPM.Note");
    CHECK(inbox->lpVtbl->GetContentsTable(inbox, 0, &t));
    LPSRowSet msgs = rows_of(t);
    printf("the Inbox:\n");
    for (ULONG i = 0; i < msgs->cRows; i++)
        printf("  %-24s %s\n", str(&msgs->aRow[i], PR_SENDER_NAME_A),
               str(&msgs->aRow[i], PR_SUBJECT_A));
    int received = (int)msgs->cRows;
    FreeProws(msgs);
    inbox->lpVtbl->Release(inbox);
    mdb->lpVtbl->Release(mdb);
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
    MAPIUninitialize();
    printf("maildemo: %s\n", sent == 1 && received == 1 ? "sent one, received one" : "FAILED");
    return sent == 1 && received == 1 ? 0 : 1;
}
