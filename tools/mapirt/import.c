/* import.c: `mapirt import MAILDIR FOLDER`: every message file of a Maildir (new/ and cur/)
 * parsed by GMime and saved into a folder of the store, one IMessage each, through the public
 * API only.
 * configure: pkg gmime-3.0
 *
 * What goes where (as the Maildir transport delivers, providers/maildir/mime_in.c): Subject ->
 * PR_SUBJECT; From -> PR_SENDER_* and PR_SENT_REPRESENTING_*; Date -> PR_CLIENT_SUBMIT_TIME;
 * the file's modification time (when it reached the Maildir) -> PR_MESSAGE_DELIVERY_TIME;
 * Message-ID -> PR_INTERNET_MESSAGE_ID; the header block -> PR_TRANSPORT_MESSAGE_HEADERS;
 * To/Cc/Bcc -> SMTP recipients; the first text/plain and text/html parts that are not
 * attachments -> PR_BODY and PR_HTML (UTF-8); every other leaf part -> an attachment by value;
 * the Maildir "S" (seen) flag -> MSGFLAG_READ. A file GMime makes no message of, or one with
 * neither From nor Date, is reported and skipped; a store that refuses a message stops the
 * import (the messages saved before it stay: each is saved on its own). */
#define _GNU_SOURCE
/* first: <fcntl.h> of _GNU_SOURCE defines LOCK_WRITE, a name <objidl.h> declares */
#include <mapicode.h>
#include <mapidefs.h>
#include <mapitags.h>
#include <mapiguid.h>
#include <mapiutil.h>
#include <mapix.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "groups.h"
#include "store.h"

/* Not in MAPI's mapitags.h (MS-OXPROPS names them) */
#ifndef PR_HTML
#define PR_HTML PROP_TAG(PT_BINARY, 0x1013)
#endif
#ifndef PR_INTERNET_MESSAGE_ID_A
#define PR_INTERNET_MESSAGE_ID_A PROP_TAG(PT_STRING8, 0x1035)
#endif

typedef struct mailfile {
    char *path;
    int seen;
} mailfile;

typedef struct files {
    mailfile *v;
    size_t n, cap;
} files;

static int cmp_file(const void *a, const void *b)
{
    return strcmp(((const mailfile *)a)->path, ((const mailfile *)b)->path);
}

/* The files of MAILDIR/sub (dot files left out); 0 when sub does not exist. */
static int list_dir(const char *maildir, const char *sub, files *fs, int *found)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/%s", maildir, sub);
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? EXIT_OK : fail_msg("reading %s: %s", dir, strerror(errno));
    *found = 1;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (fs->n == fs->cap) {
            fs->cap = fs->cap ? fs->cap * 2 : 256;
            mailfile *bigger = realloc(fs->v, fs->cap * sizeof *bigger);
            if (!bigger) {
                closedir(d);
                return fail_msg("out of memory");
            }
            fs->v = bigger;
        }
        const char *info = strstr(e->d_name, ":2,");
        mailfile *f = &fs->v[fs->n++];
        if (asprintf(&f->path, "%s/%s", dir, e->d_name) < 0) {
            closedir(d);
            return fail_msg("out of memory");
        }
        f->seen = info && strchr(info + 3, 'S') != NULL;
    }
    closedir(d);
    return EXIT_OK;
}

/* ---- one message ---- */

/* A parsed file (m), or the parts of a message being filled (body, html, atts). */
typedef struct parsed {
    GMimeMessage *m;
    char *body, *html; /* g_free */
    GPtrArray *atts; /* GMimeObject, referenced */
} parsed;

static int is_attachment(GMimeObject *o)
{
    const char *d = g_mime_object_get_disposition(o);
    return d && g_ascii_strcasecmp(d, "attachment") == 0;
}

static void walk(GMimeObject *parent, GMimeObject *part, gpointer data)
{
    (void)parent;
    parsed *p = data;
    if (GMIME_IS_MULTIPART(part))
        return;
    if (GMIME_IS_TEXT_PART(part) && !is_attachment(part)) {
        GMimeContentType *ct = g_mime_object_get_content_type(part);
        char **slot = g_mime_content_type_is_type(ct, "text", "plain")  ? &p->body
                      : g_mime_content_type_is_type(ct, "text", "html") ? &p->html
                                                                        : NULL;
        if (slot && !*slot) {
            *slot = g_mime_text_part_get_text(GMIME_TEXT_PART(part));
            return;
        }
    }
    g_ptr_array_add(p->atts, g_object_ref(part));
}

static void parsed_free(parsed *p)
{
    if (p->m)
        g_object_unref(p->m);
    g_free(p->body);
    g_free(p->html);
    if (p->atts)
        g_ptr_array_free(p->atts, TRUE);
    memset(p, 0, sizeof *p);
}

/* NULL when the file is a message, else why not. */
static const char *parse_file(const char *path, parsed *p)
{
    static char why[512];
    memset(p, 0, sizeof *p);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, sizeof why, "%s", strerror(errno));
        return why;
    }
    GMimeStream *st = g_mime_stream_fs_new(fd); /* owns fd */
    GMimeParser *parser = g_mime_parser_new_with_stream(st);
    p->m = g_mime_parser_construct_message(parser, NULL);
    g_object_unref(parser);
    g_object_unref(st);
    if (!p->m)
        return "GMime finds no message in it";
    GMimeHeaderList *h = g_mime_object_get_header_list(GMIME_OBJECT(p->m));
    if (!g_mime_header_list_contains(h, "From") && !g_mime_header_list_contains(h, "Date")) {
        parsed_free(p);
        return "it has neither a From nor a Date header";
    }
    return NULL;
}

static FILETIME filetime(long long unix_secs)
{
    unsigned long long t = (unsigned long long)(unix_secs + 11644473600LL) * 10000000ULL;
    FILETIME ft = {(DWORD)t, (DWORD)(t >> 32)};
    return ft;
}

typedef struct props {
    SPropValue v[24];
    ULONG n;
} props;

static void put_str(props *ps, ULONG tag, const char *s)
{
    if (!s)
        return;
    ps->v[ps->n].ulPropTag = tag;
    ps->v[ps->n++].Value.lpszA = (LPSTR)s;
}

static void put_time(props *ps, ULONG tag, long long secs)
{
    ps->v[ps->n].ulPropTag = tag;
    ps->v[ps->n++].Value.ft = filetime(secs);
}

/* The recipients of l (groups flattened) appended to al as kind. */
static HRESULT add_recips(LPADRLIST al, ULONG cap, InternetAddressList *l, LONG kind)
{
    for (int i = 0; l && i < internet_address_list_length(l); i++) {
        InternetAddress *a = internet_address_list_get_address(l, i);
        if (INTERNET_ADDRESS_IS_GROUP(a)) {
            HRESULT hr = add_recips(al, cap,
                internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)), kind);
            if (FAILED(hr))
                return hr;
            continue;
        }
        const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
        const char *name = internet_address_get_name(a);
        if (!addr || !*addr || al->cEntries == cap)
            continue;
        LPSPropValue v = NULL;
        HRESULT hr = MAPIAllocateBuffer(4 * sizeof *v, (void **)&v);
        if (FAILED(hr))
            return hr;
        memset(v, 0, 4 * sizeof *v);
        v[0].ulPropTag = PR_DISPLAY_NAME_A;
        v[1].ulPropTag = PR_EMAIL_ADDRESS_A;
        v[2].ulPropTag = PR_ADDRTYPE_A;
        v[3].ulPropTag = PR_RECIPIENT_TYPE;
        v[3].Value.l = kind;
        const char *strs[3] = {name && *name ? name : addr, addr, "SMTP"};
        for (int k = 0; k < 3 && SUCCEEDED(hr); k++)
            if (SUCCEEDED(hr = MAPIAllocateMore((ULONG)strlen(strs[k]) + 1, v,
                              (void **)&v[k].Value.lpszA)))
                strcpy(v[k].Value.lpszA, strs[k]);
        al->aEntries[al->cEntries].cValues = 4;
        al->aEntries[al->cEntries++].rgPropVals = v;
        if (FAILED(hr))
            return hr;
    }
    return S_OK;
}

static int count_addrs(InternetAddressList *l)
{
    int n = 0;
    for (int i = 0; l && i < internet_address_list_length(l); i++) {
        InternetAddress *a = internet_address_list_get_address(l, i);
        n += INTERNET_ADDRESS_IS_GROUP(a)
                 ? count_addrs(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)))
                 : 1;
    }
    return n;
}

static HRESULT fill(LPMESSAGE m, GMimeMessage *gm, LONG flags, long long delivered,
    const char **what, int depth);

/* A leaf part as an attachment by value; a message/rfc822 part as an embedded message
 * (ATTACH_EMBEDDED_MSG, filled as the message itself is, nested up to 16 deep). */
static HRESULT add_attachment(LPMESSAGE msg, GMimeObject *o, long long delivered,
    const char **what, int depth)
{
    GMimeMessage *inner = GMIME_IS_MESSAGE_PART(o)
                              ? g_mime_message_part_get_message(GMIME_MESSAGE_PART(o))
                              : NULL;
    ULONG num = 0;
    LPATTACH att = NULL;
    HRESULT hr = msg->lpVtbl->CreateAttach(msg, NULL, 0, &num, &att);
    if (FAILED(hr))
        return hr;
    SPropValue v[5];
    ULONG n = 0;
    memset(v, 0, sizeof v);
    if (inner && depth < 16) {
        LPMESSAGE em = NULL;
        const char *subject = g_mime_message_get_subject(inner);
        v[n].ulPropTag = PR_ATTACH_METHOD;
        v[n++].Value.l = ATTACH_EMBEDDED_MSG;
        v[n].ulPropTag = PR_DISPLAY_NAME_A;
        v[n++].Value.lpszA = (LPSTR)(subject ? subject : "");
        hr = att->lpVtbl->SetProps(att, n, v, NULL);
        if (SUCCEEDED(hr))
            hr = att->lpVtbl->OpenProperty(att, PR_ATTACH_DATA_OBJ, &IID_IMessage, 0,
                MAPI_CREATE | MAPI_MODIFY, (LPUNKNOWN *)&em);
        if (SUCCEEDED(hr)) {
            hr = fill(em, inner, MSGFLAG_READ, delivered, what, depth + 1);
            if (SUCCEEDED(hr))
                hr = em->lpVtbl->SaveChanges(em, 0);
            em->lpVtbl->Release(em);
        }
        if (SUCCEEDED(hr))
            hr = att->lpVtbl->SaveChanges(att, 0);
        att->lpVtbl->Release(att);
        return hr;
    }
    GMimeStream *mem = g_mime_stream_mem_new();
    const char *fname = NULL;
    if (GMIME_IS_PART(o)) {
        GMimeDataWrapper *w = g_mime_part_get_content(GMIME_PART(o));
        if (w)
            g_mime_data_wrapper_write_to_stream(w, mem);
        fname = g_mime_part_get_filename(GMIME_PART(o));
    } else if (inner) {
        g_mime_object_write_to_stream(GMIME_OBJECT(inner), NULL, mem);
        fname = "message.eml";
    }
    GByteArray *bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
    char *mime = g_mime_content_type_get_mime_type(g_mime_object_get_content_type(o));
    v[n].ulPropTag = PR_ATTACH_METHOD;
    v[n++].Value.l = ATTACH_BY_VALUE;
    v[n].ulPropTag = PR_ATTACH_MIME_TAG_A;
    v[n++].Value.lpszA = mime ? mime : (LPSTR) "application/octet-stream";
    if (fname) {
        v[n].ulPropTag = PR_ATTACH_LONG_FILENAME_A;
        v[n++].Value.lpszA = (LPSTR)fname;
        v[n].ulPropTag = PR_DISPLAY_NAME_A;
        v[n++].Value.lpszA = (LPSTR)fname;
    }
    v[n].ulPropTag = PR_ATTACH_DATA_BIN;
    v[n].Value.bin.cb = bytes ? bytes->len : 0;
    v[n++].Value.bin.lpb = bytes && bytes->len ? bytes->data : (LPBYTE) "";
    hr = att->lpVtbl->SetProps(att, n, v, NULL);
    if (SUCCEEDED(hr))
        hr = att->lpVtbl->SaveChanges(att, 0);
    att->lpVtbl->Release(att);
    g_free(mime);
    g_object_unref(mem);
    return hr;
}

/* The message's properties, recipients and attachments from gm (what: the step that failed). */
static HRESULT fill(LPMESSAGE m, GMimeMessage *gm, LONG flags, long long delivered,
    const char **what, int depth)
{
    parsed p = {0};
    props ps;
    memset(&ps, 0, sizeof ps);
    p.atts = g_ptr_array_new_with_free_func(g_object_unref);
    GMimeObject *top = g_mime_message_get_mime_part(gm);
    if (top && GMIME_IS_MULTIPART(top))
        g_mime_multipart_foreach(GMIME_MULTIPART(top), walk, &p);
    else if (top)
        walk(NULL, top, &p);
    put_str(&ps, PR_MESSAGE_CLASS_A, "IPM.Note");
    ps.v[ps.n].ulPropTag = PR_MESSAGE_FLAGS;
    ps.v[ps.n++].Value.l = flags;
    const char *subject = g_mime_message_get_subject(gm);
    put_str(&ps, PR_SUBJECT_A, subject ? subject : "");
    InternetAddressList *from = g_mime_message_get_from(gm);
    for (int i = 0; from && i < internet_address_list_length(from); i++) {
        InternetAddress *a = internet_address_list_get_address(from, i);
        if (!INTERNET_ADDRESS_IS_MAILBOX(a))
            continue;
        const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
        const char *name = internet_address_get_name(a);
        if (!addr || !*addr)
            continue;
        if (!name || !*name)
            name = addr;
        put_str(&ps, PR_SENDER_NAME_A, name);
        put_str(&ps, PR_SENDER_EMAIL_ADDRESS_A, addr);
        put_str(&ps, PR_SENDER_ADDRTYPE_A, "SMTP");
        put_str(&ps, PR_SENT_REPRESENTING_NAME_A, name);
        put_str(&ps, PR_SENT_REPRESENTING_EMAIL_ADDRESS_A, addr);
        put_str(&ps, PR_SENT_REPRESENTING_ADDRTYPE_A, "SMTP");
        break;
    }
    GDateTime *date = g_mime_message_get_date(gm);
    put_time(&ps, PR_CLIENT_SUBMIT_TIME, date ? g_date_time_to_unix(date) : delivered);
    put_time(&ps, PR_MESSAGE_DELIVERY_TIME, delivered);
    const char *mid = g_mime_message_get_message_id(gm);
    char *bracketed = mid ? g_strdup_printf("<%s>", mid) : NULL;
    put_str(&ps, PR_INTERNET_MESSAGE_ID_A, bracketed);
    char *headers = g_mime_object_get_headers(GMIME_OBJECT(gm), NULL);
    put_str(&ps, PR_TRANSPORT_MESSAGE_HEADERS_A, headers);
    put_str(&ps, PR_BODY_A, p.body);
    if (p.html) {
        ps.v[ps.n].ulPropTag = PR_HTML;
        ps.v[ps.n].Value.bin.cb = (ULONG)strlen(p.html);
        ps.v[ps.n++].Value.bin.lpb = (LPBYTE)p.html;
    }
    *what = "setting the message's properties";
    HRESULT hr = m->lpVtbl->SetProps(m, ps.n, ps.v, NULL);
    if (SUCCEEDED(hr)) {
        static const GMimeAddressType types[] = {GMIME_ADDRESS_TYPE_TO, GMIME_ADDRESS_TYPE_CC,
            GMIME_ADDRESS_TYPE_BCC};
        static const LONG kinds[] = {MAPI_TO, MAPI_CC, MAPI_BCC};
        ULONG cap = 0;
        for (int i = 0; i < 3; i++)
            cap += (ULONG)count_addrs(g_mime_message_get_addresses(gm, types[i]));
        LPADRLIST al = NULL;
        *what = "adding the recipients";
        if (cap && SUCCEEDED(hr = MAPIAllocateBuffer(CbNewADRLIST(cap), (void **)&al))) {
            al->cEntries = 0;
            for (int i = 0; i < 3 && SUCCEEDED(hr); i++)
                hr = add_recips(al, cap, g_mime_message_get_addresses(gm, types[i]), kinds[i]);
            if (SUCCEEDED(hr) && al->cEntries)
                hr = m->lpVtbl->ModifyRecipients(m, MODRECIP_ADD, al);
            FreePadrlist(al);
        }
    }
    for (guint i = 0; SUCCEEDED(hr) && i < p.atts->len; i++) {
        *what = "adding an attachment";
        hr = add_attachment(m, g_ptr_array_index(p.atts, i), delivered, what, depth);
    }
    g_free(bracketed);
    g_free(headers);
    parsed_free(&p);
    return hr;
}

/* Saves the message into the folder. On failure, what says which step failed and errobj holds
 * the object whose GetLastError explains it (a reference the caller releases). */
static HRESULT save(LPMAPIFOLDER folder, const mailfile *f, GMimeMessage *gm, const char **what,
    LPUNKNOWN *errobj)
{
    LPMESSAGE m = NULL;
    struct stat sb;
    *what = "creating a message";
    HRESULT hr = folder->lpVtbl->CreateMessage(folder, NULL, 0, &m);
    if (FAILED(hr)) {
        folder->lpVtbl->AddRef(folder);
        *errobj = (LPUNKNOWN)folder;
        return hr;
    }
    long long mtime = stat(f->path, &sb) == 0 ? (long long)sb.st_mtime : 0;
    hr = fill(m, gm, f->seen ? MSGFLAG_READ : 0, mtime, what, 0);
    if (SUCCEEDED(hr)) {
        *what = "saving the message";
        hr = m->lpVtbl->SaveChanges(m, 0);
    }
    if (FAILED(hr))
        *errobj = (LPUNKNOWN)m;
    else
        m->lpVtbl->Release(m);
    return hr;
}

/* ---- the command ---- */

static int run_import(ctx *c)
{
    const char *maildir = c->argv[0], *folder_path = c->argv[1];
    files fs = {0};
    int found = 0;
    int rc = list_dir(maildir, "new", &fs, &found);
    if (rc == EXIT_OK)
        rc = list_dir(maildir, "cur", &fs, &found);
    if (rc == EXIT_OK && !found)
        rc = fail_msg("importing '%s': not a Maildir (it has neither cur/ nor new/)", maildir);
    store st;
    target tg = {0};
    if (rc == EXIT_OK)
        rc = store_open(c, 1, &st);
    if (rc == EXIT_OK) {
        rc = path_make_folder(c, &st, folder_path, &tg);
        if (rc != EXIT_OK)
            store_close(&st);
    }
    if (rc != EXIT_OK) {
        for (size_t i = 0; i < fs.n; i++)
            free(fs.v[i].path);
        free(fs.v);
        return rc;
    }
    qsort(fs.v, fs.n, sizeof *fs.v, cmp_file);
    g_mime_init();
    progress *bar = progress_start("importing", fs.n);
    size_t imported = 0, skipped = 0;
    sbuf skips = {0};
    for (size_t i = 0; i < fs.n && rc == EXIT_OK; i++) {
        parsed p;
        const char *why = parse_file(fs.v[i].path, &p);
        if (why) {
            progress_clear(bar);
            fprintf(stderr, "mapirt: warning: skipped %s: %s\n", fs.v[i].path, why);
            if (c->json) {
                sb_puts(&skips, skipped ? ", {\"file\": " : "{\"file\": ");
                json_quote(&skips, fs.v[i].path);
                sb_puts(&skips, ", \"reason\": ");
                json_quote(&skips, why);
                sb_puts(&skips, "}");
            }
            skipped++;
        } else {
            const char *what = NULL;
            LPUNKNOWN errobj = NULL;
            HRESULT hr = save(tg.folder, &fs.v[i], p.m, &what, &errobj);
            if (FAILED(hr)) {
                progress_clear(bar);
                LPMAPIERROR e = NULL;
                if (errobj) {
                    LPMAPIPROP mp = (LPMAPIPROP)errobj;
                    e = LAST_ERROR(mp, hr);
                    errobj->lpVtbl->Release(errobj);
                }
                rc = fail_hr(hr, e, "importing %s into '%s': %s (%zu messages imported before it)",
                    fs.v[i].path, tg.label, what, imported);
            } else
                imported++;
            parsed_free(&p);
        }
        progress_update(bar, i + 1);
    }
    progress_end(bar);
    if (rc == EXIT_OK) {
        if (c->json) {
            json_begin_object(NULL);
            json_string("folder", tg.label);
            json_number("imported", (long long)imported);
            json_raw("skipped", skipped ? "" : "[]");
            if (skipped)
                printf("[%s]", sb_str(&skips));
            json_end();
            json_finish();
        } else {
            printf("imported %zu message%s into '%s'", imported, imported == 1 ? "" : "s",
                tg.label);
            if (skipped)
                printf(" (%zu skipped)", skipped);
            printf("\n");
        }
    }
    sb_free(&skips);
    for (size_t i = 0; i < fs.n; i++)
        free(fs.v[i].path);
    free(fs.v);
    target_close(&tg);
    store_close(&st);
    return rc;
}

static const opt IMPORT_OPTS[] = {
    STORE_OPT,
    {NULL, NULL, NULL, 0},
};

static const cmd IMPORT_CMDS[] = {
    {NULL, "MAILDIR FOLDER", 2, 2, "import a Maildir's messages into a folder",
        "Parses every file of MAILDIR/new and MAILDIR/cur (in file-name order) with GMime and "
        "saves it as a message of FOLDER, a folder path as in mapirt ls; the folders of the path "
        "that do not exist are created. Headers, bodies, recipients and attachments map as the "
        "Maildir transport delivers them; the file's modification time is the delivery time and "
        "the Maildir 'S' flag marks the message read. A file that is not a message (GMime makes "
        "none of it, or it has neither From nor Date) is reported on stderr and skipped; the "
        "import goes on and exits 0. A store that refuses a message stops the import (exit 1); "
        "each message is saved on its own, so those before it stay. A progress bar is drawn on "
        "stderr when it is a terminal.",
        IMPORT_OPTS, CMD_JSON | CMD_PROFILE | CMD_MAPI, run_import},
    {0},
};

const group import_group = {"import", "import mail into a store", IMPORT_CMDS};
