/* send.c: `mapirt send`: a message created in the Outbox of the default store, its recipients
 * resolved through the session's address book, submitted, and followed through the spooler
 * until a transport took it (or did not): what a mail client does, through the public API.
 *
 * Everything that can be refused is checked before the message exists (options, the body, the
 * attachments, every recipient), and the message is created transacted: a failure before
 * SubmitMessage leaves nothing behind. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapiguid.h>
#include <mapitags.h>
#include <mapiutil.h>
#include <mapix.h>

#include "cli.h"
#include "mail.h"

typedef struct send_state {
    char *body; /* UTF-8, or NULL */
    size_t cbbody;
    int natt;
    int *fds; /* the attachments, open */
    const char **names;
    LPADRLIST recips;
    LPADRBOOK ab;
    LPSPropValue sender; /* PR_SENDER_* and PR_SENT_REPRESENTING_*, or NULL */
    ULONG nsender;
} send_state;

/* ---- what is read before logging on ---- */

static int utf8_valid(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        size_t k = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1
                              : (c & 0xF0) == 0xE0   ? 2
                              : (c & 0xF8) == 0xF0   ? 3
                                                     : 9;
        if (c == 0 || k == 9 || (k == 1 && c < 0xC2) || i + k >= n + (k == 0))
            return 0;
        for (size_t j = 1; j <= k; j++)
            if ((s[i + j] & 0xC0) != 0x80)
                return 0;
        i += k + 1;
    }
    return 1;
}

static int read_body(const char *path, send_state *st)
{
    int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    const char *shown = fd == STDIN_FILENO ? "standard input" : path;
    if (fd < 0)
        return fail_msg("reading the body: %s: %s", path, strerror(errno));
    size_t cap = 4096;
    st->body = malloc(cap);
    for (ssize_t got = 1; st->body && got > 0;) {
        if (st->cbbody + 1 >= cap) {
            char *b = realloc(st->body, cap *= 2);
            if (!b) {
                free(st->body);
                st->body = NULL;
                break;
            }
            st->body = b;
        }
        got = read(fd, st->body + st->cbbody, cap - 1 - st->cbbody);
        if (got < 0 && errno == EINTR)
            got = 1;
        else if (got < 0) {
            int e = errno;
            if (fd != STDIN_FILENO)
                close(fd);
            return fail_msg("reading the body: %s: %s", shown, strerror(e));
        } else
            st->cbbody += (size_t)got;
    }
    if (fd != STDIN_FILENO)
        close(fd);
    if (!st->body)
        return fail_msg("reading the body: out of memory");
    st->body[st->cbbody] = '\0';
    if (!utf8_valid((const unsigned char *)st->body, st->cbbody))
        return fail_msg("reading the body: %s is not UTF-8 text (or holds a NUL byte)", shown);
    return EXIT_OK;
}

static int open_attachments(const ctx *c, send_state *st)
{
    st->natt = opt_count(c, "attach");
    st->fds = calloc((size_t)st->natt + 1, sizeof *st->fds);
    st->names = calloc((size_t)st->natt + 1, sizeof *st->names);
    if (!st->fds || !st->names)
        return fail_msg("out of memory");
    for (int i = 0; i < st->natt; i++)
        st->fds[i] = -1;
    for (int i = 0; i < st->natt; i++) {
        const char *path = opt_at(c, "attach", i);
        struct stat sb;
        st->fds[i] = open(path, O_RDONLY | O_CLOEXEC);
        if (st->fds[i] < 0)
            return fail_msg("attaching %s: %s", path, strerror(errno));
        if (fstat(st->fds[i], &sb) != 0 || !S_ISREG(sb.st_mode))
            return fail_msg("attaching %s: not a regular file", path);
        const char *slash = strrchr(path, '/');
        st->names[i] = slash ? slash + 1 : path;
    }
    return EXIT_OK;
}

/* ---- recipients ---- */

/* "Name <addr>" -> "Name [SMTP:addr]" (MAPI's one-off syntax, which ResolveName makes a one-off
 * of without asking a provider); other text as it is. Allocated on parent. */
static char *recipient_text(const char *in, void *parent)
{
    const char *lt = strrchr(in, '<');
    size_t n = strlen(in);
    char *out = NULL;
    if (lt && n > 2 && in[n - 1] == '>' && strchr(lt, '@')) {
        const char *end = lt;
        while (end > in && end[-1] == ' ')
            end--;
        size_t cb = n + 16;
        if (MAPIAllocateMore((ULONG)cb, parent, (void **)&out) != S_OK)
            return NULL;
        if (end == in) /* "<addr>" */
            snprintf(out, cb, "%.*s [SMTP:%.*s]", (int)(n - 2 - (size_t)(lt - in)), lt + 1,
                (int)(n - 2 - (size_t)(lt - in)), lt + 1);
        else
            snprintf(out, cb, "%.*s [SMTP:%.*s]", (int)(end - in), in,
                (int)(n - 2 - (size_t)(lt - in)), lt + 1);
        return out;
    }
    if (MAPIAllocateMore((ULONG)n + 1, parent, (void **)&out) != S_OK)
        return NULL;
    memcpy(out, in, n + 1);
    return out;
}

/* An Internet address as the Maildir transport takes one: local@domain, no spaces. */
static int looks_like_address(const char *s)
{
    const char *at = strchr(s, '@');
    return at && at != s && at[1] && !strchr(at + 1, '@') && !strpbrk(s, " \t<>[]");
}

/* One recipient through IAddrBook::ResolveName; the entry is appended to st->recips. */
static int resolve_one(LPADRBOOK ab, const char *text, ULONG type, send_state *st)
{
    LPADRLIST al = NULL;
    HRESULT hr = MAPIAllocateBuffer(CbNewADRLIST(1), (void **)&al);
    if (hr == S_OK) {
        memset(al, 0, CbNewADRLIST(1));
        hr = MAPIAllocateBuffer(2 * sizeof(SPropValue), (void **)&al->aEntries[0].rgPropVals);
    }
    if (hr != S_OK) {
        MAPIFreeBuffer(al);
        return fail_hr(hr, NULL, "resolving recipient '%s'", text);
    }
    al->cEntries = 1;
    for (int attempt = 0; attempt < 2; attempt++) {
        LPSPropValue v = al->aEntries[0].rgPropVals;
        memset(v, 0, 2 * sizeof *v);
        al->aEntries[0].cValues = 2;
        v[0].ulPropTag = PR_DISPLAY_NAME_A;
        if (attempt == 0)
            v[0].Value.lpszA = recipient_text(text, v);
        else if (MAPIAllocateMore((ULONG)(2 * strlen(text) + 16), v,
                     (void **)&v[0].Value.lpszA) == S_OK)
            /* unresolved but an address: an SMTP one-off */
            sprintf(v[0].Value.lpszA, "%s [SMTP:%s]", text, text);
        else
            v[0].Value.lpszA = NULL;
        v[1].ulPropTag = PR_RECIPIENT_TYPE;
        v[1].Value.l = (LONG)type;
        if (!v[0].Value.lpszA) {
            FreePadrlist(al);
            return fail_hr(MAPI_E_NOT_ENOUGH_MEMORY, NULL, "resolving recipient '%s'", text);
        }
        hr = ab->lpVtbl->ResolveName(ab, 0, 0, NULL, al);
        if (hr == MAPI_E_NOT_FOUND && attempt == 0 && looks_like_address(text))
            continue;
        break;
    }
    if (hr != S_OK) {
        LPMAPIERROR e = LAST_ERROR(ab, hr);
        char why[1024];
        snprintf(why, sizeof why, "%s%s",
            e && e->lpszError ? (const char *)e->lpszError : "the address book resolves no entry",
            hr == MAPI_E_NOT_FOUND         ? "; and it is not an Internet address (local@domain)"
            : hr == MAPI_E_AMBIGUOUS_RECIP ? "; give the whole name or the address"
                                           : "");
        if (e)
            MAPIFreeBuffer(e);
        FreePadrlist(al);
        return fail_text(hr, why, "resolving recipient '%s'", text);
    }
    /* moved into the list of all recipients: its props block goes with it */
    st->recips->aEntries[st->recips->cEntries++] = al->aEntries[0];
    MAPIFreeBuffer(al);
    return EXIT_OK;
}

static int resolve_all(const ctx *c, LPMAPISESSION s, send_state *st)
{
    static const struct {
        const char *opt;
        ULONG type;
    } kinds[] = {{"to", MAPI_TO}, {"cc", MAPI_CC}, {"bcc", MAPI_BCC}};
    int n = opt_count(c, "to") + opt_count(c, "cc") + opt_count(c, "bcc");
    HRESULT hr = s->lpVtbl->OpenAddressBook(s, 0, NULL, AB_NO_DIALOG, &st->ab);
    if (FAILED(hr)) /* MAPI_W_ERRORS_RETURNED: a book failed, the others still answer */
        return fail_hr(hr, LAST_ERROR(s, hr), "opening the address book");
    LPADRBOOK ab = st->ab;
    hr = MAPIAllocateBuffer(CbNewADRLIST((ULONG)n), (void **)&st->recips);
    int rc = hr == S_OK ? EXIT_OK : fail_hr(hr, NULL, "resolving the recipients");
    if (rc == EXIT_OK)
        memset(st->recips, 0, CbNewADRLIST((ULONG)n));
    for (size_t k = 0; rc == EXIT_OK && k < sizeof kinds / sizeof kinds[0]; k++)
        for (int i = 0; rc == EXIT_OK && i < opt_count(c, kinds[k].opt); i++)
            rc = resolve_one(ab, opt_at(c, kinds[k].opt, i), kinds[k].type, st);
    return rc;
}

/* The sender, as a client sets it: the session's primary identity (QueryIdentity, opened
 * through the address book), when it is an Internet address; else the transport says who
 * (the Maildir transport: its configured user). */
static void find_sender(LPMAPISESSION s, send_state *st)
{
    ULONG cb = 0, type = 0, n = 0, cbcopy = 0;
    LPENTRYID eid = NULL;
    LPMAILUSER u = NULL;
    LPSPropValue v = NULL;
    SPropValue set[10];
    SizedSPropTagArray(5, tags) = {5, {PR_DISPLAY_NAME_A, PR_EMAIL_ADDRESS_A, PR_ADDRTYPE_A,
                                          PR_ENTRYID, PR_SEARCH_KEY}};
    static const ULONG sender[5] = {PR_SENDER_NAME_A, PR_SENDER_EMAIL_ADDRESS_A,
        PR_SENDER_ADDRTYPE_A, PR_SENDER_ENTRYID, PR_SENDER_SEARCH_KEY};
    static const ULONG repr[5] = {PR_SENT_REPRESENTING_NAME_A,
        PR_SENT_REPRESENTING_EMAIL_ADDRESS_A, PR_SENT_REPRESENTING_ADDRTYPE_A,
        PR_SENT_REPRESENTING_ENTRYID, PR_SENT_REPRESENTING_SEARCH_KEY};
    if (FAILED(s->lpVtbl->QueryIdentity(s, &cb, &eid)))
        return;
    if (st->ab->lpVtbl->OpenEntry(st->ab, cb, eid, NULL, 0, &type, (LPUNKNOWN *)&u) == S_OK &&
        SUCCEEDED(u->lpVtbl->GetProps(u, (LPSPropTagArray)&tags, 0, &n, &v)) &&
        PROP_TYPE(v[1].ulPropTag) == PT_STRING8 && PROP_TYPE(v[2].ulPropTag) == PT_STRING8 &&
        strcasecmp(v[2].Value.lpszA, "SMTP") == 0) {
        ULONG k = 0;
        for (ULONG i = 0; i < 5; i++)
            if (PROP_TYPE(v[i].ulPropTag) != PT_ERROR) {
                set[k] = v[i];
                set[k++].ulPropTag = sender[i];
                set[k] = v[i];
                set[k++].ulPropTag = repr[i];
            }
        /* one block of its own, so that v can go */
        if (ScCountProps((int)k, set, &cbcopy) == S_OK &&
            MAPIAllocateBuffer(cbcopy, (void **)&st->sender) == S_OK) {
            if (ScCopyProps((int)k, set, st->sender, NULL) == S_OK)
                st->nsender = k;
            else {
                MAPIFreeBuffer(st->sender);
                st->sender = NULL;
            }
        }
    }
    MAPIFreeBuffer(v);
    if (u)
        u->lpVtbl->Release(u);
    MAPIFreeBuffer(eid);
}

/* ---- the message ---- */

static int write_attachment(LPMESSAGE m, send_state *st, int i)
{
    ULONG num = 0;
    LPATTACH a = NULL;
    LPSTREAM stm = NULL;
    const char *what = st->names[i];
    HRESULT hr = m->lpVtbl->CreateAttach(m, NULL, 0, &num, &a);
    if (FAILED(hr))
        return fail_hr(hr, LAST_ERROR(m, hr), "attaching %s", what);
    SPropValue v[3];
    memset(v, 0, sizeof v);
    v[0].ulPropTag = PR_ATTACH_METHOD;
    v[0].Value.l = ATTACH_BY_VALUE;
    v[1].ulPropTag = PR_ATTACH_LONG_FILENAME_A;
    v[1].Value.lpszA = (LPSTR)st->names[i];
    v[2].ulPropTag = PR_DISPLAY_NAME_A;
    v[2].Value.lpszA = (LPSTR)st->names[i];
    hr = a->lpVtbl->SetProps(a, 3, v, NULL);
    int rc = FAILED(hr) ? fail_hr(hr, LAST_ERROR(a, hr), "attaching %s", what) : EXIT_OK;
    if (rc == EXIT_OK) {
        /* streamed: a large file is never in memory whole */
        hr = a->lpVtbl->OpenProperty(a, PR_ATTACH_DATA_BIN, &IID_IStream, 0,
            MAPI_CREATE | MAPI_MODIFY, (LPUNKNOWN *)&stm);
        if (FAILED(hr))
            rc = fail_hr(hr, LAST_ERROR(a, hr), "attaching %s: opening its data stream", what);
    }
    static char buf[65536];
    for (ssize_t got = 1; rc == EXIT_OK && got > 0;) {
        got = read(st->fds[i], buf, sizeof buf);
        if (got < 0 && errno == EINTR) {
            got = 1;
            continue;
        }
        if (got < 0)
            rc = fail_msg("attaching %s: reading it: %s", what, strerror(errno));
        else if (got > 0) {
            ULONG w = 0;
            hr = stm->lpVtbl->Write(stm, buf, (ULONG)got, &w);
            if (FAILED(hr) || w != (ULONG)got)
                rc = fail_hr(FAILED(hr) ? hr : MAPI_E_DISK_ERROR, NULL,
                    "attaching %s: writing its data", what);
        }
    }
    if (rc == EXIT_OK && FAILED(hr = stm->lpVtbl->Commit(stm, 0)))
        rc = fail_hr(hr, NULL, "attaching %s: writing its data", what);
    if (stm)
        stm->lpVtbl->Release(stm);
    if (rc == EXIT_OK && FAILED(hr = a->lpVtbl->SaveChanges(a, 0)))
        rc = fail_hr(hr, LAST_ERROR(a, hr), "attaching %s", what);
    a->lpVtbl->Release(a);
    return rc;
}

/* Creates the message in the Outbox and submits it; *eid gets its entry ID. */
static int compose(const ctx *c, LPMDB mdb, send_state *st, LPSBinary eid)
{
    LPMAPIFOLDER outbox = NULL;
    LPMESSAGE m = NULL;
    LPSPropValue sent = NULL;
    char *name = NULL;
    ULONG n = 0;
    int rc = mail_open_folder(mdb, PR_IPM_OUTBOX_ENTRYID, &outbox, &name);
    MAPIFreeBuffer(name);
    if (rc != EXIT_OK)
        return rc;
    HRESULT hr = outbox->lpVtbl->CreateMessage(outbox, NULL, 0, &m);
    if (FAILED(hr))
        rc = fail_hr(hr, LAST_ERROR(outbox, hr), "creating a message in the Outbox");
    outbox->lpVtbl->Release(outbox);
    if (rc != EXIT_OK)
        return rc;
    SPropValue v[4];
    ULONG k = 0;
    memset(v, 0, sizeof v);
    v[k].ulPropTag = PR_MESSAGE_CLASS_A;
    v[k++].Value.lpszA = "IPM.Note";
    v[k].ulPropTag = PR_SUBJECT_A;
    v[k++].Value.lpszA = (LPSTR)opt_get(c, "subject");
    if (st->body) {
        v[k].ulPropTag = PR_BODY_A;
        v[k++].Value.lpszA = st->body;
    }
    /* sent mail moves to Sent Items, as a client asks (DoSentMail) */
    SizedSPropTagArray(1, sm) = {1, {PR_IPM_SENTMAIL_ENTRYID}};
    if (mdb->lpVtbl->GetProps(mdb, (LPSPropTagArray)&sm, 0, &n, &sent) == S_OK) {
        v[k].ulPropTag = PR_SENTMAIL_ENTRYID;
        v[k++].Value.bin = sent[0].Value.bin;
    }
    hr = m->lpVtbl->SetProps(m, k, v, NULL);
    if (SUCCEEDED(hr) && st->sender)
        hr = m->lpVtbl->SetProps(m, st->nsender, st->sender, NULL);
    MAPIFreeBuffer(sent);
    if (FAILED(hr))
        rc = fail_hr(hr, LAST_ERROR(m, hr), "writing the message");
    for (int i = 0; rc == EXIT_OK && i < st->natt; i++)
        rc = write_attachment(m, st, i);
    if (rc == EXIT_OK && FAILED(hr = m->lpVtbl->ModifyRecipients(m, 0, st->recips)))
        rc = fail_hr(hr, LAST_ERROR(m, hr), "writing the recipients");
    if (rc == EXIT_OK && FAILED(hr = m->lpVtbl->SubmitMessage(m, 0)))
        rc = fail_hr(hr, LAST_ERROR(m, hr), "submitting the message");
    if (rc == EXIT_OK) {
        SizedSPropTagArray(1, et) = {1, {PR_ENTRYID}};
        LPSPropValue e = NULL;
        hr = m->lpVtbl->GetProps(m, (LPSPropTagArray)&et, 0, &n, &e);
        if (hr != S_OK || MAPIAllocateBuffer(e[0].Value.bin.cb, (void **)&eid->lpb) != S_OK)
            rc = fail_hr(hr == S_OK ? MAPI_E_NOT_ENOUGH_MEMORY : hr, LAST_ERROR(m, hr),
                "reading the submitted message's entry ID");
        else {
            eid->cb = e[0].Value.bin.cb;
            memcpy(eid->lpb, e[0].Value.bin.lpb, eid->cb);
        }
        MAPIFreeBuffer(e);
    }
    /* not submitted: released unsaved, so nothing is left in the Outbox */
    m->lpVtbl->Release(m);
    return rc;
}

/* ---- after the spooler's pass ---- */

static const char *rtype_name(LONG t)
{
    return t == MAPI_TO ? "To" : t == MAPI_CC ? "Cc"
                             : t == MAPI_BCC  ? "Bcc"
                                              : "?";
}

/* The spooler could not hand it to a transport: the submission is withdrawn, so that a later
 * session does not send what this command reported as failed; the message stays in the
 * Outbox. A pass may hold it locked for a moment: tried for up to 5 s. */
static void withdraw(LPMDB mdb, const SBinary *eid)
{
    for (int i = 0; i < 50; i++) {
        HRESULT hr = mdb->lpVtbl->AbortSubmit(mdb, eid->cb, (LPENTRYID)eid->lpb, 0);
        if (hr != MAPI_E_UNABLE_TO_ABORT)
            return;
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

static int report(const ctx *c, LPMAPISESSION s, LPMDB mdb, const SBinary *eid)
{
    ULONG type = 0, n = 0;
    LPMESSAGE m = NULL;
    LPSPropValue v = NULL;
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    const char *subject = opt_get(c, "subject");
    HRESULT hr = mdb->lpVtbl->OpenEntry(mdb, eid->cb, (LPENTRYID)eid->lpb, NULL, 0, &type,
        (LPUNKNOWN *)&m);
    if (FAILED(hr))
        return fail_hr(hr, LAST_ERROR(mdb, hr), "opening the sent message");
    SizedSPropTagArray(3, tags) = {3, {PR_MESSAGE_FLAGS, PR_MAILDIR_FILE_A, PR_PARENT_ENTRYID}};
    hr = m->lpVtbl->GetProps(m, (LPSPropTagArray)&tags, 0, &n, &v);
    int rc = FAILED(hr) ? fail_hr(hr, LAST_ERROR(m, hr), "reading the sent message") : EXIT_OK;
    if (rc == EXIT_OK && PROP_TYPE(v[0].ulPropTag) == PT_LONG && (v[0].Value.l & MSGFLAG_SUBMIT)) {
        char why[1024];
        mail_spooler_text(s, why, sizeof why);
        MAPIFreeBuffer(v);
        m->lpVtbl->Release(m);
        withdraw(mdb, eid);
        return fail_text(MAPI_E_CALL_FAILED, why,
            "sending \"%s\": no transport took it (it stays in the Outbox, not submitted)",
            subject);
    }
    if (rc == EXIT_OK && FAILED(hr = m->lpVtbl->GetRecipientTable(m, 0, &t)))
        rc = fail_hr(hr, LAST_ERROR(m, hr), "reading the sent message's recipients");
    SizedSPropTagArray(5, cols) = {5, {PR_RECIPIENT_TYPE, PR_DISPLAY_NAME_A, PR_EMAIL_ADDRESS_A,
                                          PR_ADDRTYPE_A, PR_RESPONSIBILITY}};
    if (rc == EXIT_OK)
        hr = HrQueryAllRows(t, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows);
    if (rc == EXIT_OK && FAILED(hr))
        rc = fail_hr(hr, LAST_ERROR(t, hr), "reading the sent message's recipients");
    if (t)
        t->lpVtbl->Release(t);
    const char *file = v && PROP_TYPE(v[1].ulPropTag) == PT_STRING8 ? v[1].Value.lpszA : NULL;
    char *folder = NULL;
    if (rc == EXIT_OK && v && PROP_TYPE(v[2].ulPropTag) == PT_BINARY) {
        LPMAPIFOLDER f = NULL;
        LPSPropValue d = NULL;
        SizedSPropTagArray(1, dn) = {1, {PR_DISPLAY_NAME_A}};
        if (mdb->lpVtbl->OpenEntry(mdb, v[2].Value.bin.cb, (LPENTRYID)v[2].Value.bin.lpb, NULL,
                0, &type, (LPUNKNOWN *)&f) == S_OK) {
            if (f->lpVtbl->GetProps(f, (LPSPropTagArray)&dn, 0, &n, &d) == S_OK &&
                MAPIAllocateBuffer((ULONG)strlen(d[0].Value.lpszA) + 1, (void **)&folder) == S_OK)
                strcpy(folder, d[0].Value.lpszA);
            MAPIFreeBuffer(d);
            f->lpVtbl->Release(f);
        }
    }
    ULONG undelivered = 0;
    for (ULONG i = 0; rc == EXIT_OK && i < rows->cRows; i++) {
        const SPropValue *r = row_prop(&rows->aRow[i], PR_RESPONSIBILITY);
        undelivered += !(r && r->Value.b);
    }
    if (rc == EXIT_OK) {
        sbuf hex = {0};
        hex_bytes(&hex, eid->lpb, eid->cb);
        if (c->json) {
            json_begin_object(NULL);
            json_string("PR_SUBJECT", subject);
            json_string("PR_ENTRYID", sb_str(&hex));
            if (folder)
                json_string("folder", folder);
            if (file)
                json_string("file", file);
            json_begin_array("recipients");
            for (ULONG i = 0; i < rows->cRows; i++)
                json_props(NULL, rows->aRow[i].cValues, rows->aRow[i].lpProps);
            json_end();
            json_end();
            json_finish();
        } else {
            static const char *const heads[] = {"", "NAME", "ADDRESS", "STATUS"};
            table *tb = table_new(4, heads, heads);
            for (ULONG i = 0; i < rows->cRows; i++) {
                const SRow *r = &rows->aRow[i];
                const SPropValue *ty = row_prop(r, PR_RECIPIENT_TYPE);
                const SPropValue *nm = row_prop(r, PR_DISPLAY_NAME_A);
                const SPropValue *ad = row_prop(r, PR_EMAIL_ADDRESS_A);
                const SPropValue *at = row_prop(r, PR_ADDRTYPE_A);
                const SPropValue *re = row_prop(r, PR_RESPONSIBILITY);
                char addr[1024];
                snprintf(addr, sizeof addr, "%s:%s", at ? at->Value.lpszA : "?",
                    ad ? ad->Value.lpszA : "?");
                table_row(tb);
                table_cell(tb, 0, rtype_name(ty ? ty->Value.l : 0), NULL);
                table_cell(tb, 1, nm ? nm->Value.lpszA : NULL, NULL);
                table_cell(tb, 2, addr, NULL);
                table_cell(tb, 3,
                    re && re->Value.b ? "sent" : "not delivered (a report is in the Inbox)",
                    NULL);
            }
            printf("sent \"%s\"%s%s\n", subject, folder ? ", kept in " : "",
                folder ? folder : "");
            table_print(tb, 0);
            if (file)
                printf("file: %s\n", file);
        }
        sb_free(&hex);
        if (undelivered) {
            char why[1024];
            mail_spooler_text(s, why, sizeof why);
            rc = fail_text(MAPI_E_NOT_FOUND,
                "no transport takes their address type or address; the non-delivery report "
                "in the Inbox says which",
                "sending \"%s\": %u of %u recipient(s) not delivered", subject,
                (unsigned)undelivered, (unsigned)rows->cRows);
        }
    }
    MAPIFreeBuffer(folder);
    if (rows)
        FreeProws(rows);
    MAPIFreeBuffer(v);
    m->lpVtbl->Release(m);
    return rc;
}

static int run_send(ctx *c)
{
    send_state st = {0};
    LPMAPISESSION s = NULL;
    LPMDB mdb = NULL;
    SBinary eid = {0, NULL};
    if (opt_count(c, "to") == 0)
        return usage_error(c, "--to is needed (a recipient)");
    if (!opt_get(c, "subject"))
        return usage_error(c, "--subject is needed");
    if (!utf8_valid((const unsigned char *)opt_get(c, "subject"), strlen(opt_get(c, "subject"))))
        return usage_error(c, "--subject is not UTF-8 text");
    int rc = EXIT_OK;
    if (opt_get(c, "body"))
        rc = read_body(opt_get(c, "body"), &st);
    if (rc == EXIT_OK)
        rc = open_attachments(c, &st);
    if (rc == EXIT_OK)
        rc = mail_logon(c, &s);
    if (rc == EXIT_OK)
        rc = mail_transport_ready(s, "sending");
    if (rc == EXIT_OK)
        rc = resolve_all(c, s, &st);
    if (rc == EXIT_OK)
        find_sender(s, &st);
    if (rc == EXIT_OK)
        rc = mail_default_store(s, &mdb);
    if (rc == EXIT_OK)
        rc = compose(c, mdb, &st, &eid);
    /* the store is open in the session: this pass sends what it queued */
    if (rc == EXIT_OK && (rc = mail_flush(s)) != EXIT_OK)
        withdraw(mdb, &eid);
    if (rc == EXIT_OK)
        rc = report(c, s, mdb, &eid);
    MAPIFreeBuffer(eid.lpb);
    if (mdb)
        mdb->lpVtbl->Release(mdb);
    if (st.ab)
        st.ab->lpVtbl->Release(st.ab);
    rc = mail_logoff(s, rc);
    if (st.recips)
        FreePadrlist(st.recips);
    MAPIFreeBuffer(st.sender);
    for (int i = 0; st.fds && i < st.natt; i++)
        if (st.fds[i] >= 0)
            close(st.fds[i]);
    free(st.fds);
    free(st.names);
    free(st.body);
    return rc;
}

static const opt SEND_OPTS[] = {
    {"to", "ADDR", "a recipient: a name or address the address book resolves, an Internet "
                   "address, or 'Name <local@domain>' (repeatable)",
        1},
    {"cc", "ADDR", "a copy recipient, as --to (repeatable)", 1},
    {"bcc", "ADDR", "a blind copy recipient, as --to (repeatable)", 1},
    {"subject", "TEXT", "the subject (needed)", 0},
    {"body", "FILE", "the text of the message (UTF-8), from FILE, or - for standard input", 0},
    {"attach", "FILE", "attach FILE by value, named by its base name (repeatable)", 1},
    {NULL, NULL, NULL, 0},
};

static const cmd SEND_CMDS[] = {
    {NULL, "", 0, 0, "send a message through the profile's transports",
        "Logs on, resolves every recipient with the session's address book (IAddrBook::"
        "ResolveName; a name it does not know that is an Internet address becomes an SMTP "
        "one-off; an ambiguous or unknown name is an error and nothing is created), creates the "
        "message in the Outbox of the default store with its attachments, submits it, and waits "
        "for one pass of the spooler (IMAPIStatus::FlushQueues) before logging off. Prints each "
        "recipient with what happened to it, the folder the message was kept in (Sent Items) "
        "and the file the Maildir transport wrote. Exit status 1 when a recipient was not "
        "delivered (the spooler's non-delivery report is in the Inbox) or no transport took the "
        "message (it is then withdrawn from submission and stays in the Outbox).",
        SEND_OPTS, CMD_JSON | CMD_PROFILE | CMD_MAPI, run_send},
    {0},
};

const group send_group = {"send", "send mail", SEND_CMDS};
