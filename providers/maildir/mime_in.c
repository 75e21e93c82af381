/* mime_in.c: a mail file parsed by GMime into a MAPI message.
 * configure: pkg gmime-3.0
 *
 * The whole file is parsed and checked first, and only then is the message touched, so a file
 * found malformed leaves the message as it was. Malformed: GMime cannot make a message of it, or
 * it has neither a From nor a Date header (RFC 5322 requires both; without either, whatever it
 * is, it is not mail). What goes where: Subject -> PR_SUBJECT; From -> PR_SENDER_* and
 * PR_SENT_REPRESENTING_*; Date -> PR_CLIENT_SUBMIT_TIME; To/Cc/Bcc -> recipients (SMTP);
 * Message-ID -> PR_INTERNET_MESSAGE_ID; the header block -> PR_TRANSPORT_MESSAGE_HEADERS; the
 * first text/plain and text/html parts that are not attachments -> PR_BODY and PR_HTML (as
 * UTF-8, whatever their charset); every other leaf part -> an attachment by value. */
#define _GNU_SOURCE
/* first: <fcntl.h> of _GNU_SOURCE defines LOCK_WRITE, a name <objidl.h> declares */
#include "xp.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gmime/gmime.h>


struct parsed {
    GMimeMessage *m;
    char *body;  /* g_free */
    char *html;  /* g_free */
    GPtrArray *atts; /* GMimeObject (referenced) */
};

static FILETIME to_filetime(long long unix_secs)
{
    unsigned long long t = (unsigned long long)(unix_secs + 11644473600LL) * 10000000ULL;
    FILETIME ft = {(DWORD)t, (DWORD)(t >> 32)};
    return ft;
}

static int is_attachment(GMimeObject *o)
{
    const char *d = g_mime_object_get_disposition(o);
    return d && g_ascii_strcasecmp(d, "attachment") == 0;
}

static void walk(GMimeObject *parent, GMimeObject *part, gpointer data)
{
    (void)parent;
    struct parsed *p = data;
    if (GMIME_IS_MULTIPART(part))
        return;
    if (GMIME_IS_TEXT_PART(part) && !is_attachment(part)) {
        GMimeContentType *ct = g_mime_object_get_content_type(part);
        if (g_mime_content_type_is_type(ct, "text", "plain") && !p->body) {
            p->body = g_mime_text_part_get_text(GMIME_TEXT_PART(part));
            return;
        }
        if (g_mime_content_type_is_type(ct, "text", "html") && !p->html) {
            p->html = g_mime_text_part_get_text(GMIME_TEXT_PART(part));
            return;
        }
    }
    g_ptr_array_add(p->atts, g_object_ref(part));
}

static void parsed_free(struct parsed *p)
{
    if (p->m)
        g_object_unref(p->m);
    g_free(p->body);
    g_free(p->html);
    if (p->atts)
        g_ptr_array_free(p->atts, TRUE);
}

static HRESULT parse(const char *path, struct parsed *p, char *err, size_t cberr)
{
    memset(p, 0, sizeof *p);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        snprintf(err, cberr, "%s: %s", path, strerror(e));
        return e == ENOENT ? MAPI_E_NOT_FOUND : e == EACCES ? MAPI_E_NO_ACCESS
                                                             : MAPI_E_DISK_ERROR;
    }
    GMimeStream *st = g_mime_stream_fs_new(fd); /* owns fd */
    GMimeParser *parser = g_mime_parser_new_with_stream(st);
    p->m = g_mime_parser_construct_message(parser, NULL);
    g_object_unref(parser);
    g_object_unref(st);
    if (!p->m) {
        snprintf(err, cberr, "GMime finds no message in it");
        return MAPI_E_CORRUPT_DATA;
    }
    GMimeHeaderList *h = g_mime_object_get_header_list(GMIME_OBJECT(p->m));
    if (!g_mime_header_list_contains(h, "From") && !g_mime_header_list_contains(h, "Date")) {
        snprintf(err, cberr, "it has neither a From nor a Date header");
        parsed_free(p);
        memset(p, 0, sizeof *p);
        return MAPI_E_CORRUPT_DATA;
    }
    p->atts = g_ptr_array_new_with_free_func(g_object_unref);
    GMimeObject *top = g_mime_message_get_mime_part(p->m);
    if (top && GMIME_IS_MULTIPART(top))
        g_mime_multipart_foreach(GMIME_MULTIPART(top), walk, p);
    else if (top)
        walk(NULL, top, p);
    return S_OK;
}

/* ---- filling the message ---- */

struct props {
    SPropValue v[24];
    ULONG n;
};

static void put_str(struct props *ps, ULONG tag, const char *s)
{
    if (!s || ps->n == sizeof ps->v / sizeof ps->v[0])
        return;
    ps->v[ps->n].ulPropTag = tag;
    ps->v[ps->n].dwAlignPad = 0;
    ps->v[ps->n++].Value.lpszA = (LPSTR)s;
}

static void put_long(struct props *ps, ULONG tag, LONG l)
{
    ps->v[ps->n].ulPropTag = tag;
    ps->v[ps->n].dwAlignPad = 0;
    ps->v[ps->n++].Value.l = l;
}

/* The first mailbox of a list (name may be NULL). */
static InternetAddressMailbox *first_mailbox(InternetAddressList *l)
{
    for (int i = 0; l && i < internet_address_list_length(l); i++) {
        InternetAddress *a = internet_address_list_get_address(l, i);
        if (INTERNET_ADDRESS_IS_MAILBOX(a))
            return INTERNET_ADDRESS_MAILBOX(a);
    }
    return NULL;
}

/* Adds the mailboxes of l (groups flattened) as recipients of type kind. */
static HRESULT add_recips(LPADRLIST *al, InternetAddressList *l, LONG kind)
{
    for (int i = 0; l && i < internet_address_list_length(l); i++) {
        InternetAddress *a = internet_address_list_get_address(l, i);
        if (INTERNET_ADDRESS_IS_GROUP(a)) {
            HRESULT hr = add_recips(al, internet_address_group_get_members(
                                            INTERNET_ADDRESS_GROUP(a)), kind);
            if (FAILED(hr))
                return hr;
            continue;
        }
        const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
        const char *name = internet_address_get_name(a);
        if (!addr || !*addr)
            continue;
        if (!name || !*name)
            name = addr;
        ULONG n = (*al)->cEntries;
        LPADRLIST bigger = NULL;
        HRESULT hr = MAPIAllocateBuffer(CbNewADRLIST(n + 1), (void **)&bigger);
        if (FAILED(hr))
            return hr;
        memcpy(bigger, *al, CbNewADRLIST(n));
        MAPIFreeBuffer(*al); /* the entries' arrays move to bigger */
        *al = bigger;
        LPSPropValue v = NULL;
        if (FAILED(hr = MAPIAllocateBuffer(4 * sizeof *v, (void **)&v)))
            return hr;
        memset(v, 0, 4 * sizeof *v);
        size_t cn = strlen(name) + 1, ca = strlen(addr) + 1;
        if (FAILED(hr = MAPIAllocateMore((ULONG)(cn + ca + 5), v, (void **)&v[0].Value.lpszA))) {
            MAPIFreeBuffer(v);
            return hr;
        }
        memcpy(v[0].Value.lpszA, name, cn);
        v[1].Value.lpszA = v[0].Value.lpszA + cn;
        memcpy(v[1].Value.lpszA, addr, ca);
        v[2].Value.lpszA = v[1].Value.lpszA + ca;
        memcpy(v[2].Value.lpszA, XP_ADDRTYPE, 5);
        v[0].ulPropTag = PR_DISPLAY_NAME_A;
        v[1].ulPropTag = PR_EMAIL_ADDRESS_A;
        v[2].ulPropTag = PR_ADDRTYPE_A;
        v[3].ulPropTag = PR_RECIPIENT_TYPE;
        v[3].Value.l = kind;
        (*al)->aEntries[n].cValues = 4;
        (*al)->aEntries[n].rgPropVals = v;
        (*al)->cEntries = n + 1;
    }
    return S_OK;
}

static HRESULT add_attachment(LPMESSAGE msg, GMimeObject *o, int *unsupported)
{
    GByteArray *bytes = NULL;
    GMimeStream *mem = g_mime_stream_mem_new();
    const char *fname = NULL;
    if (GMIME_IS_PART(o)) {
        GMimeDataWrapper *w = g_mime_part_get_content(GMIME_PART(o));
        if (w)
            g_mime_data_wrapper_write_to_stream(w, mem);
        fname = g_mime_part_get_filename(GMIME_PART(o));
    } else if (GMIME_IS_MESSAGE_PART(o)) {
        GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));
        if (inner)
            g_mime_object_write_to_stream(GMIME_OBJECT(inner), NULL, mem);
        fname = "message.eml";
    }
    bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
    char *mime = g_mime_content_type_get_mime_type(g_mime_object_get_content_type(o));
    ULONG num = 0;
    LPATTACH att = NULL;
    HRESULT hr = msg->lpVtbl->CreateAttach(msg, NULL, 0, &num, &att);
    if (hr == MAPI_E_NO_SUPPORT) {
        *unsupported = 1;
        hr = S_OK;
    } else if (SUCCEEDED(hr)) {
        SPropValue v[6];
        ULONG n = 0;
        memset(v, 0, sizeof v);
        v[n].ulPropTag = PR_ATTACH_METHOD;
        v[n++].Value.l = ATTACH_BY_VALUE;
        v[n].ulPropTag = PR_ATTACH_MIME_TAG_A;
        v[n++].Value.lpszA = mime ? mime : "application/octet-stream";
        if (fname) {
            v[n].ulPropTag = PR_ATTACH_LONG_FILENAME_A;
            v[n++].Value.lpszA = (LPSTR)fname;
            v[n].ulPropTag = PR_DISPLAY_NAME_A;
            v[n++].Value.lpszA = (LPSTR)fname;
        }
        v[n].ulPropTag = PR_ATTACH_DATA_BIN;
        v[n].Value.bin.cb = bytes ? bytes->len : 0;
        v[n++].Value.bin.lpb = bytes ? bytes->data : (LPBYTE) "";
        hr = att->lpVtbl->SetProps(att, n, v, NULL);
        if (SUCCEEDED(hr))
            hr = att->lpVtbl->SaveChanges(att, 0);
        att->lpVtbl->Release(att);
    }
    g_free(mime);
    g_object_unref(mem);
    return hr;
}

HRESULT xp_receive(struct xp_logon *l, const char *path, LPMESSAGE msg, char *err, size_t cberr)
{
    (void)l;
    struct parsed p;
    HRESULT hr = parse(path, &p, err, cberr);
    if (FAILED(hr))
        return hr;
    GMimeObject *mo = GMIME_OBJECT(p.m);
    struct props ps;
    memset(&ps, 0, sizeof ps);
    put_str(&ps, PR_MESSAGE_CLASS_A, "IPM.Note");
    put_long(&ps, PR_MESSAGE_FLAGS, 0); /* received: sent, unread */
    const char *subject = g_mime_message_get_subject(p.m);
    put_str(&ps, PR_SUBJECT_A, subject ? subject : "");
    InternetAddressMailbox *from = first_mailbox(g_mime_message_get_from(p.m));
    const char *faddr = from ? internet_address_mailbox_get_addr(from) : NULL;
    const char *fname = from ? internet_address_get_name(INTERNET_ADDRESS(from)) : NULL;
    if (faddr && *faddr) {
        if (!fname || !*fname)
            fname = faddr;
        put_str(&ps, PR_SENDER_NAME_A, fname);
        put_str(&ps, PR_SENDER_EMAIL_ADDRESS_A, faddr);
        put_str(&ps, PR_SENDER_ADDRTYPE_A, XP_ADDRTYPE);
        put_str(&ps, PR_SENT_REPRESENTING_NAME_A, fname);
        put_str(&ps, PR_SENT_REPRESENTING_EMAIL_ADDRESS_A, faddr);
        put_str(&ps, PR_SENT_REPRESENTING_ADDRTYPE_A, XP_ADDRTYPE);
    }
    GDateTime *date = g_mime_message_get_date(p.m);
    time_t now = time(NULL);
    ps.v[ps.n].ulPropTag = PR_CLIENT_SUBMIT_TIME;
    ps.v[ps.n++].Value.ft = to_filetime(date ? g_date_time_to_unix(date) : (long long)now);
    ps.v[ps.n].ulPropTag = PR_MESSAGE_DELIVERY_TIME;
    ps.v[ps.n++].Value.ft = to_filetime(now);
    const char *mid = g_mime_message_get_message_id(p.m);
    char *bracketed = mid ? g_strdup_printf("<%s>", mid) : NULL;
    put_str(&ps, PR_INTERNET_MESSAGE_ID_A, bracketed);
    char *headers = g_mime_object_get_headers(mo, NULL);
    put_str(&ps, PR_TRANSPORT_MESSAGE_HEADERS_A, headers);
    put_str(&ps, PR_BODY_A, p.body);
    if (p.html) {
        ps.v[ps.n].ulPropTag = PR_HTML;
        ps.v[ps.n].Value.bin.cb = (ULONG)strlen(p.html);
        ps.v[ps.n++].Value.bin.lpb = (LPBYTE)p.html;
    }
    LPSPropProblemArray probs = NULL;
    hr = msg->lpVtbl->SetProps(msg, ps.n, ps.v, &probs);
    MAPIFreeBuffer(probs);
    if (FAILED(hr))
        snprintf(err, cberr, "the message refused its properties (0x%08X)", (unsigned)hr);

    LPADRLIST al = NULL;
    if (SUCCEEDED(hr) && SUCCEEDED(hr = MAPIAllocateBuffer(CbNewADRLIST(0), (void **)&al))) {
        al->cEntries = 0;
        static const struct {
            GMimeAddressType t;
            LONG kind;
        } kinds[] = {{GMIME_ADDRESS_TYPE_TO, MAPI_TO},
                     {GMIME_ADDRESS_TYPE_CC, MAPI_CC},
                     {GMIME_ADDRESS_TYPE_BCC, MAPI_BCC}};
        for (size_t i = 0; i < 3 && SUCCEEDED(hr); i++)
            hr = add_recips(&al, g_mime_message_get_addresses(p.m, kinds[i].t), kinds[i].kind);
        if (SUCCEEDED(hr) && al->cEntries)
            hr = msg->lpVtbl->ModifyRecipients(msg, MODRECIP_ADD, al);
        if (FAILED(hr))
            snprintf(err, cberr, "the message refused its recipients (0x%08X)", (unsigned)hr);
    }
    if (al)
        FreePadrlist(al);

    int unsupported = 0;
    for (guint i = 0; SUCCEEDED(hr) && i < p.atts->len; i++)
        if (FAILED(hr = add_attachment(msg, g_ptr_array_index(p.atts, i), &unsupported)))
            snprintf(err, cberr, "attachment %u could not be stored (0x%08X)", i + 1,
                     (unsigned)hr);
    if (SUCCEEDED(hr) && unsupported)
        xp_logon_note(l, "The store takes no attachments: %u of %s are only in the file in cur/",
                      p.atts->len, path);
    g_free(bracketed);
    g_free(headers);
    parsed_free(&p);
    return hr;
}
