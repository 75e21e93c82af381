/* spoolfixture.h: a profile "Mail" of the bundled SQLite store (default store) and the
 * Maildir transport, in a temporary directory (store.db, outgoing/, incoming/), providers
 * loaded from build/mapirt/providers; and the helpers the spooler tests and the delivery
 * benchmark's checks share. Include after "../profile/storefixture.h". */
#ifndef TESTS_SPOOL_SPOOLFIXTURE_H
#define TESTS_SPOOL_SPOOLFIXTURE_H

#include <dirent.h>
#include <gmime/gmime.h>
#include <pthread.h>

static char g_out[256], g_in[256], g_storedb[256];

static inline void spool_setup(void)
{
    store_setup();
    setenv("MAPIRT_PROFILES", g_db, 1);
    snprintf(g_out, sizeof g_out, "%s/outgoing", g_dir);
    snprintf(g_in, sizeof g_in, "%s/incoming", g_dir);
    snprintf(g_storedb, sizeof g_storedb, "%s/store.db", g_dir);
    char cat[4096];
    snprintf(cat, sizeof cat,
             "[Services]\nMSGSTORE=Personal Folders\nMAILDIR=Maildir Mail\n"
             "[MSGSTORE]\nProviders=MSGSTORE MS\n"
             "[MSGSTORE MS]\nPR_PROVIDER_DLL_NAME=MSGSTORE.DLL\n"
             "PR_RESOURCE_TYPE=MAPI_STORE_PROVIDER\nPR_DISPLAY_NAME=Personal Folders\n"
             "PR_RESOURCE_FLAGS=STATUS_DEFAULT_STORE\n6700001E=%s\n"
             "[MAILDIR]\nPR_SERVICE_DLL_NAME=MAILDIR.DLL\nPR_SERVICE_ENTRY_NAME=ServiceEntry\n"
             "Providers=MAILDIR XP\n"
             "[MAILDIR XP]\nPR_PROVIDER_DLL_NAME=MAILDIR.DLL\n"
             "PR_RESOURCE_TYPE=MAPI_TRANSPORT_PROVIDER\nPR_DISPLAY_NAME=Maildir\n"
             "6710001E=%s\n6711001E=%s\n6712001E=Me Myself\n6713001E=me@example.net\n",
             g_storedb, g_out, g_in);
    write_file(g_dir, "mapisvc.inf", cat);
    char path[300];
    snprintf(path, sizeof path, "%s/mapisvc.inf", g_dir);
    setenv("MAPIRT_SERVICES", path, 1);
    char prov[PATH_MAX];
    cr_assert_not_null(realpath("build/mapirt/providers", prov), "build the providers (ninja)");
    setenv("MAPIRT_PROVIDER_PATH", prov, 1);
    setenv("MAPIRT_SPOOL_POLL_MS", "60000", 1); /* passes run when the tests flush */
    cr_assert_eq(MAPIInitialize(NULL), S_OK);
    LPPROFADMIN pa;
    LPSERVICEADMIN sa;
    cr_assert_eq(MAPIAdminProfiles(0, &pa), S_OK);
    cr_assert_eq(pa->lpVtbl->CreateProfile(pa, (LPTSTR) "Mail", NULL, 0, 0), S_OK);
    cr_assert_eq(pa->lpVtbl->AdminServices(pa, (LPTSTR) "Mail", NULL, 0, 0, &sa), S_OK);
    cr_assert_eq(sa->lpVtbl->CreateMsgService(sa, (LPTSTR) "MSGSTORE", NULL, 0, 0), S_OK);
    cr_assert_eq(sa->lpVtbl->CreateMsgService(sa, (LPTSTR) "MAILDIR", NULL, 0, 0), S_OK);
    sa->lpVtbl->Release(sa);
    pa->lpVtbl->Release(pa);
    g_mime_init();
    /* the Maildirs exist before the first logon, so files can be dropped in */
    static const char *const subs[] = {"", "/tmp", "/new", "/cur"};
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s%s", g_in, subs[i]);
        mkdir(path, 0700);
    }
}

static inline void spool_teardown(void)
{
    MAPIUninitialize();
    store_teardown();
}

static inline LPMAPISESSION logon_mail(void)
{
    LPMAPISESSION s = NULL;
    HRESULT hr = MAPILogonEx(0, (LPTSTR) "Mail", NULL, MAPI_EXPLICIT_PROFILE | MAPI_NEW_SESSION,
                             &s);
    cr_assert(SUCCEEDED(hr), "MAPILogonEx: 0x%08X", (unsigned)hr);
    return s;
}

static inline const SPropValue *row_col(const SRow *r, ULONG tag)
{
    for (ULONG i = 0; r && i < r->cValues; i++)
        if (r->lpProps[i].ulPropTag == tag)
            return &r->lpProps[i];
    return NULL;
}

static inline const SRow *find_row(LPSRowSet rows, ULONG tag, LONG value)
{
    for (ULONG i = 0; i < rows->cRows; i++) {
        const SPropValue *v = row_col(&rows->aRow[i], tag);
        if (v && v->Value.l == value)
            return &rows->aRow[i];
    }
    return NULL;
}

static inline LPSRowSet all_rows_of(LPMAPITABLE t)
{
    LPSRowSet rows = NULL;
    cr_assert_eq(HrQueryAllRows(t, NULL, NULL, NULL, 0, &rows), S_OK);
    t->lpVtbl->Release(t);
    return rows;
}

static inline LPSRowSet status_rows(LPMAPISESSION s)
{
    LPMAPITABLE t = NULL;
    cr_assert_eq(s->lpVtbl->GetStatusTable(s, 0, &t), S_OK);
    return all_rows_of(t);
}

static inline LPMDB open_default_store(LPMAPISESSION s)
{
    LPMAPITABLE t = NULL;
    if (FAILED(s->lpVtbl->GetMsgStoresTable(s, 0, &t)))
        return NULL;
    LPSRowSet rows = all_rows_of(t);
    const SRow *r = NULL;
    for (ULONG i = 0; i < rows->cRows; i++) {
        const SPropValue *d = row_col(&rows->aRow[i], PR_DEFAULT_STORE);
        if (d && d->Value.b)
            r = &rows->aRow[i];
    }
    cr_assert_not_null(r, "a default store");
    const SPropValue *e = row_col(r, PR_ENTRYID);
    LPMDB mdb = NULL;
    cr_assert_eq(s->lpVtbl->OpenMsgStore(s, 0, e->Value.bin.cb, (LPENTRYID)e->Value.bin.lpb,
                                         NULL, MDB_WRITE, &mdb), S_OK);
    FreeProws(rows);
    return mdb;
}

/* The folder whose entry ID is the store's property tag, opened. */
static inline LPMAPIFOLDER store_folder(LPMDB mdb, ULONG tag)
{
    SizedSPropTagArray(1, t) = {1, {tag}};
    ULONG c = 0, type = 0;
    LPSPropValue v = NULL;
    LPMAPIFOLDER f = NULL;
    if (tag == PR_IPM_SUBTREE_ENTRYID + 1) { /* the Inbox: by receive folder */
        ULONG cb = 0;
        LPENTRYID eid = NULL;
        cr_assert_eq(mdb->lpVtbl->GetReceiveFolder(mdb, (LPTSTR) "IPM.Note", 0, &cb, &eid, NULL),
                     S_OK);
        cr_assert_eq(mdb->lpVtbl->OpenEntry(mdb, cb, eid, NULL, MAPI_MODIFY, &type,
                                            (LPUNKNOWN *)&f), S_OK);
        MAPIFreeBuffer(eid);
        return f;
    }
    cr_assert_eq(mdb->lpVtbl->GetProps(mdb, (LPSPropTagArray)&t, 0, &c, &v), S_OK);
    cr_assert_eq(v[0].ulPropTag, tag);
    cr_assert_eq(mdb->lpVtbl->OpenEntry(mdb, v[0].Value.bin.cb, (LPENTRYID)v[0].Value.bin.lpb,
                                        NULL, MAPI_MODIFY, &type, (LPUNKNOWN *)&f), S_OK);
    MAPIFreeBuffer(v);
    return f;
}
#define INBOX (PR_IPM_SUBTREE_ENTRYID + 1)

static inline LPSRowSet folder_rows(LPMDB mdb, ULONG tag)
{
    LPMAPIFOLDER f = store_folder(mdb, tag);
    LPMAPITABLE t = NULL;
    cr_assert_eq(f->lpVtbl->GetContentsTable(f, 0, &t), S_OK);
    f->lpVtbl->Release(f);
    return all_rows_of(t);
}

static inline LPSRowSet inbox_rows(LPMDB mdb)
{
    return folder_rows(mdb, INBOX);
}

static inline ULONG folder_count(LPMDB mdb, ULONG tag)
{
    LPSRowSet r = folder_rows(mdb, tag);
    ULONG n = r->cRows;
    FreeProws(r);
    return n;
}

static inline ULONG queue_count(LPMDB mdb)
{
    LPMAPITABLE t = NULL;
    cr_assert_eq(mdb->lpVtbl->GetOutgoingQueue(mdb, 0, &t), S_OK);
    LPSRowSet r = all_rows_of(t);
    ULONG n = r->cRows;
    FreeProws(r);
    return n;
}

static inline LPMESSAGE open_row(LPMDB mdb, const SRow *r)
{
    const SPropValue *e = row_col(r, PR_ENTRYID);
    cr_assert_not_null(e);
    ULONG type = 0;
    LPMESSAGE m = NULL;
    cr_assert_eq(mdb->lpVtbl->OpenEntry(mdb, e->Value.bin.cb, (LPENTRYID)e->Value.bin.lpb, NULL,
                                        0, &type, (LPUNKNOWN *)&m), S_OK);
    return m;
}

static inline LPSRowSet recipients(LPMESSAGE m)
{
    LPMAPITABLE t = NULL;
    cr_assert_eq(m->lpVtbl->GetRecipientTable(m, 0, &t), S_OK);
    return all_rows_of(t);
}

static inline char *get_string(LPMESSAGE m, ULONG tag)
{
    SizedSPropTagArray(1, t) = {1, {tag}};
    ULONG c = 0;
    LPSPropValue v = NULL;
    char *s = NULL;
    if (SUCCEEDED(m->lpVtbl->GetProps(m, (LPSPropTagArray)&t, 0, &c, &v)) &&
        v[0].ulPropTag == tag)
        s = strdup(v[0].Value.lpszA);
    MAPIFreeBuffer(v);
    return s;
}

/* A new message in the Outbox, subject and body set, sent items named for after. */
static inline LPMESSAGE new_outgoing(LPMDB mdb, const char *subject, const char *body)
{
    LPMAPIFOLDER out = store_folder(mdb, PR_IPM_OUTBOX_ENTRYID);
    LPMESSAGE m = NULL;
    cr_assert_eq(out->lpVtbl->CreateMessage(out, NULL, 0, &m), S_OK);
    out->lpVtbl->Release(out);
    SizedSPropTagArray(1, t) = {1, {PR_IPM_SENTMAIL_ENTRYID}};
    ULONG c = 0;
    LPSPropValue sent = NULL;
    cr_assert_eq(mdb->lpVtbl->GetProps(mdb, (LPSPropTagArray)&t, 0, &c, &sent), S_OK);
    SPropValue v[4];
    memset(v, 0, sizeof v);
    v[0].ulPropTag = PR_SUBJECT_A;
    v[0].Value.lpszA = (LPSTR)subject;
    v[1].ulPropTag = PR_BODY_A;
    v[1].Value.lpszA = (LPSTR)body;
    v[2].ulPropTag = PR_MESSAGE_CLASS_A;
    v[2].Value.lpszA = "IPM.Note";
    v[3] = sent[0];
    v[3].ulPropTag = PR_SENTMAIL_ENTRYID;
    cr_assert_eq(m->lpVtbl->SetProps(m, 4, v, NULL), S_OK);
    MAPIFreeBuffer(sent);
    return m;
}

/* A one-off entry ID in MAPI's format (8-bit strings), as IAddrBook::ResolveName gives an
 * Internet address; a recipient with one is resolved. */
static inline SBinary one_off(const char *name, const char *type, const char *addr)
{
    static const BYTE uid[16] = MAPI_ONE_OFF_UID;
    size_t ln = strlen(name) + 1, lt = strlen(type) + 1, la = strlen(addr) + 1;
    SBinary b = {(ULONG)(24 + ln + lt + la), NULL};
    cr_assert_eq(MAPIAllocateBuffer(b.cb, (void **)&b.lpb), S_OK);
    memset(b.lpb, 0, 24);
    memcpy(b.lpb + 4, uid, 16);
    b.lpb[22] = MAPI_ONE_OFF_NO_RICH_INFO;
    memcpy(b.lpb + 24, name, ln);
    memcpy(b.lpb + 24 + ln, type, lt);
    memcpy(b.lpb + 24 + ln + lt, addr, la);
    return b;
}

/* A recipient as a client adds one after name resolution (with its one-off entry ID). */
static inline void add_recipient(LPMESSAGE m, const char *name, const char *addr,
                                 const char *type, LONG kind)
{
    LPADRLIST al = NULL;
    cr_assert_eq(MAPIAllocateBuffer(CbNewADRLIST(1), (void **)&al), S_OK);
    al->cEntries = 1;
    cr_assert_eq(MAPIAllocateBuffer(5 * sizeof(SPropValue), (void **)&al->aEntries[0].rgPropVals),
                 S_OK);
    LPSPropValue v = al->aEntries[0].rgPropVals;
    memset(v, 0, 5 * sizeof *v);
    al->aEntries[0].cValues = 5;
    v[0].ulPropTag = PR_DISPLAY_NAME_A;
    v[0].Value.lpszA = (LPSTR)name;
    v[1].ulPropTag = PR_EMAIL_ADDRESS_A;
    v[1].Value.lpszA = (LPSTR)addr;
    v[2].ulPropTag = PR_ADDRTYPE_A;
    v[2].Value.lpszA = (LPSTR)type;
    v[3].ulPropTag = PR_RECIPIENT_TYPE;
    v[3].Value.l = kind;
    v[4].ulPropTag = PR_ENTRYID;
    v[4].Value.bin = one_off(name, type, addr);
    cr_assert_eq(m->lpVtbl->ModifyRecipients(m, MODRECIP_ADD, al), S_OK);
    MAPIFreeBuffer(v[4].Value.bin.lpb);
    FreePadrlist(al);
}

/* The spooler's status object's FlushQueues: a whole pass, waited for. */
static inline void flush(LPMAPISESSION s)
{
    LPSRowSet rows = status_rows(s);
    const SRow *r = find_row(rows, PR_RESOURCE_TYPE, MAPI_SPOOLER);
    cr_assert_not_null(r);
    const SPropValue *e = row_col(r, PR_ENTRYID);
    ULONG type = 0;
    LPMAPISTATUS st = NULL;
    cr_assert_eq(s->lpVtbl->OpenEntry(s, e->Value.bin.cb, (LPENTRYID)e->Value.bin.lpb, NULL, 0,
                                      &type, (LPUNKNOWN *)&st), S_OK);
    cr_assert_eq(st->lpVtbl->FlushQueues(st, 0, 0, NULL, 0), S_OK);
    st->lpVtbl->Release(st);
    FreeProws(rows);
}

/* Entries of dir/sub (names into names[max] when given). */
static inline int list_dir(const char *dir, const char *sub, char (*names)[512], int max)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, sub);
    DIR *d = opendir(path);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (names && n < max)
            snprintf(names[n], 512, "%s", e->d_name);
        n++;
    }
    closedir(d);
    return n;
}

static inline char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = calloc(1, (size_t)n + 1);
    cr_assert_eq(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return b;
}

static inline GMimeMessage *parse_file(const char *path)
{
    GMimeStream *st = g_mime_stream_file_open(path, "r", NULL);
    cr_assert_not_null(st);
    GMimeParser *p = g_mime_parser_new_with_stream(st);
    GMimeMessage *m = g_mime_parser_construct_message(p, NULL);
    g_object_unref(p);
    g_object_unref(st);
    cr_assert_not_null(m, "GMime reads %s", path);
    return m;
}

/* A mail file delivered into incoming/ as an MTA does (tmp/, then new/). */
static inline void drop_incoming(const char *name, const char *text)
{
    char tmp[PATH_MAX], dst[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s/tmp/%s", g_in, name);
    snprintf(dst, sizeof dst, "%s/new/%s", g_in, name);
    FILE *f = fopen(tmp, "wb");
    cr_assert_not_null(f);
    fwrite(text, 1, strlen(text), f);
    fclose(f);
    cr_assert_eq(rename(tmp, dst), 0);
}

/* fnevNewMail counting. */
struct sink {
    pthread_mutex_t mu;
    int n;
    LPMAPIADVISESINK as;
    ULONG_PTR conn;
};

static LONG STDAPICALLTYPE on_new_mail(LPVOID ctx, ULONG c, LPNOTIFICATION n)
{
    struct sink *k = ctx;
    pthread_mutex_lock(&k->mu);
    for (ULONG i = 0; i < c; i++)
        k->n += n[i].ulEventType == fnevNewMail;
    pthread_mutex_unlock(&k->mu);
    return 0;
}

static inline struct sink *watch_new_mail(LPMDB mdb)
{
    struct sink *k = calloc(1, sizeof *k);
    pthread_mutex_init(&k->mu, NULL);
    cr_assert_eq(HrAllocAdviseSink(on_new_mail, k, &k->as), S_OK);
    cr_assert_eq(mdb->lpVtbl->Advise(mdb, 0, NULL, fnevNewMail, k->as, &k->conn), S_OK);
    return k;
}

/* The notifications seen, waiting up to 5 s for the first (delivery may be asynchronous). */
static inline int sink_count(struct sink *k)
{
    for (int i = 0; i < 500; i++) {
        pthread_mutex_lock(&k->mu);
        int n = k->n;
        pthread_mutex_unlock(&k->mu);
        if (n)
            break;
        usleep(10000);
    }
    usleep(20000);
    pthread_mutex_lock(&k->mu);
    int n = k->n;
    pthread_mutex_unlock(&k->mu);
    return n;
}

static inline void sink_end(LPMDB mdb, struct sink *k)
{
    mdb->lpVtbl->Unadvise(mdb, k->conn);
    k->as->lpVtbl->Release(k->as);
    pthread_mutex_destroy(&k->mu);
    free(k);
}

#endif
