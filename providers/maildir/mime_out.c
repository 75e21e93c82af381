/* mime_out.c: a MAPI message as an RFC 5322 / MIME file, every byte of MIME by GMime.
 * configure: pkg gmime-3.0
 *
 * Headers: From (the message's sender, else the configured user), To / Cc / Bcc (the
 * recipients this transport takes; Bcc is kept so that `sendmail -t` or a Maildir-to-SMTP
 * relay reaches them, and strips it), Subject, Date (PR_CLIENT_SUBMIT_TIME, else now),
 * Message-ID (PR_INTERNET_MESSAGE_ID, else a new one). Non-ASCII display names and subjects
 * are RFC 2047 encoded by GMime, file names RFC 2231. Bodies: PR_BODY as text/plain, PR_HTML
 * as text/html (multipart/alternative when both), each in the lightest transfer encoding that
 * keeps it 7-bit clean (quoted-printable or base64); attachments (by value) follow in
 * multipart/mixed, base64. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <gmime/gmime.h>
#include <mapirt/strconv.h>

#include "xp.h"

static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void init_once(void)
{
    g_mime_init();
}

void xp_gmime_init(void)
{
    pthread_once(&g_once, init_once);
}

/* A string column of a row as UTF-8 (malloc), either string type. */
static char *row_str(const SRow *r, ULONG id)
{
    for (ULONG i = 0; i < r->cValues; i++) {
        const SPropValue *v = &r->lpProps[i];
        if (PROP_ID(v->ulPropTag) != id)
            continue;
        if (PROP_TYPE(v->ulPropTag) == PT_STRING8)
            return strdup(v->Value.lpszA);
        if (PROP_TYPE(v->ulPropTag) == PT_UNICODE) {
            LPSTR a = NULL;
            if (FAILED(mapirt_str_w_to_a(v->Value.lpszW, NULL, &a)))
                return NULL;
            char *s = strdup(a);
            MAPIFreeBuffer(a);
            return s;
        }
    }
    return NULL;
}

static const SPropValue *row_prop(const SRow *r, ULONG tag)
{
    for (ULONG i = 0; i < r->cValues; i++)
        if (r->lpProps[i].ulPropTag == tag)
            return &r->lpProps[i];
    return NULL;
}

/* An address this transport can write: one mailbox, local@domain, no spaces or controls. */
static int valid_address(const char *a)
{
    const char *at = a ? strrchr(a, '@') : NULL;
    if (!at || at == a || !at[1])
        return 0;
    for (const unsigned char *p = (const unsigned char *)a; *p; p++)
        if (*p <= ' ' || *p == 0x7f || *p == '<' || *p == '>' || *p == ',')
            return 0;
    return 1;
}

static GDateTime *filetime_to_date(const FILETIME *ft)
{
    unsigned long long t = ((unsigned long long)ft->dwHighDateTime << 32) | ft->dwLowDateTime;
    long long secs = (long long)(t / 10000000ULL) - 11644473600LL;
    GDateTime *utc = g_date_time_new_from_unix_utc(secs);
    if (!utc)
        return NULL;
    GDateTime *local = g_date_time_to_local(utc);
    g_date_time_unref(utc);
    return local;
}

static GMimeObject *text_part(const char *subtype, const char *text)
{
    GMimeTextPart *tp = g_mime_text_part_new_with_subtype(subtype);
    g_mime_text_part_set_text(tp, text);
    GMimePart *p = GMIME_PART(tp);
    g_mime_part_set_content_encoding(
        p, g_mime_part_get_best_content_encoding(p, GMIME_ENCODING_CONSTRAINT_7BIT));
    return GMIME_OBJECT(tp);
}

/* The message's attachments by value as MIME parts added to mixed. Returns the MAPI error of a
 * store that has attachments but fails to give them; a store without attachments at all
 * (MAPI_E_NO_SUPPORT) has none to add. */
static HRESULT add_attachments(LPMESSAGE msg, GMimeMultipart *mixed, int *count, char *err,
                               size_t cberr)
{
    LPMAPITABLE t = NULL;
    *count = 0;
    HRESULT hr = msg->lpVtbl->GetAttachmentTable(msg, 0, &t);
    if (hr == MAPI_E_NO_SUPPORT)
        return S_OK;
    if (FAILED(hr)) {
        snprintf(err, cberr, "the message's attachment table failed (0x%08X)", (unsigned)hr);
        return hr;
    }
    SizedSPropTagArray(1, cols) = {1, {PR_ATTACH_NUM}};
    LPSRowSet rows = NULL;
    hr = HrQueryAllRows(t, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows);
    t->lpVtbl->Release(t);
    if (FAILED(hr)) {
        snprintf(err, cberr, "reading the attachment table failed (0x%08X)", (unsigned)hr);
        return hr;
    }
    for (ULONG i = 0; i < rows->cRows && SUCCEEDED(hr); i++) {
        const SPropValue *num = row_prop(&rows->aRow[i], PR_ATTACH_NUM);
        LPATTACH att = NULL;
        if (!num)
            continue;
        if (FAILED(hr = msg->lpVtbl->OpenAttach(msg, num->Value.ul, NULL, 0, &att))) {
            snprintf(err, cberr, "attachment %lu cannot be opened (0x%08X)",
                     (unsigned long)num->Value.ul, (unsigned)hr);
            break;
        }
        LPMAPIPROP ap = (LPMAPIPROP)att;
        size_t cb = 0;
        void *data = xp_get_binary(ap, PR_ATTACH_DATA_BIN, &cb);
        char *name = xp_get_string(ap, PROP_ID(PR_ATTACH_LONG_FILENAME));
        if (!name)
            name = xp_get_string(ap, PROP_ID(PR_ATTACH_FILENAME));
        if (!name)
            name = xp_get_string(ap, PROP_ID(PR_DISPLAY_NAME));
        char *mime = xp_get_string(ap, PROP_ID(PR_ATTACH_MIME_TAG));
        if (data) {
            GMimeContentType *ct = mime ? g_mime_content_type_parse(NULL, mime) : NULL;
            GMimePart *part = ct ? g_mime_part_new_with_type(
                                       g_mime_content_type_get_media_type(ct),
                                       g_mime_content_type_get_media_subtype(ct))
                                 : g_mime_part_new_with_type("application", "octet-stream");
            if (ct)
                g_object_unref(ct);
            GMimeStream *ms = g_mime_stream_mem_new_with_buffer(data, cb);
            GMimeDataWrapper *w =
                g_mime_data_wrapper_new_with_stream(ms, GMIME_CONTENT_ENCODING_DEFAULT);
            g_mime_part_set_content(part, w);
            g_object_unref(w);
            g_object_unref(ms);
            if (name)
                g_mime_part_set_filename(part, name);
            else
                g_mime_object_set_disposition(GMIME_OBJECT(part), "attachment");
            g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
            g_mime_multipart_add(mixed, GMIME_OBJECT(part));
            g_object_unref(part);
            ++*count;
        }
        free(data);
        free(name);
        free(mime);
        att->lpVtbl->Release(att);
    }
    FreeProws(rows);
    return hr;
}

struct writing {
    GMimeObject *obj;
};

static int write_file(int fd, void *ctx)
{
    struct writing *w = ctx;
    GMimeStream *st = g_mime_stream_fs_new(fd);
    g_mime_stream_fs_set_owner(GMIME_STREAM_FS(st), FALSE);
    errno = 0;
    ssize_t n = g_mime_object_write_to_stream(w->obj, NULL, st);
    int e = n < 0 || g_mime_stream_flush(st) != 0 ? (errno ? errno : EIO) : 0;
    g_object_unref(st);
    return e;
}

/* Marks the recipients taken (their rows, with PR_RESPONSIBILITY true). */
static HRESULT mark_taken(LPMESSAGE msg, LPSRowSet rows, const char *taken, ULONG n)
{
    LPADRLIST al = NULL;
    HRESULT hr = MAPIAllocateBuffer(CbNewADRLIST(n), (void **)&al);
    if (FAILED(hr))
        return hr;
    memset(al, 0, CbNewADRLIST(n));
    for (ULONG i = 0; i < rows->cRows && SUCCEEDED(hr); i++) {
        if (!taken[i])
            continue;
        const SRow *r = &rows->aRow[i];
        ADRENTRY *e = &al->aEntries[al->cEntries];
        if (FAILED(hr = MAPIAllocateBuffer((r->cValues + 1) * sizeof(SPropValue),
                                           (void **)&e->rgPropVals)))
            break;
        al->cEntries++;
        ULONG k = 0;
        for (ULONG j = 0; j < r->cValues; j++)
            if (r->lpProps[j].ulPropTag != PR_RESPONSIBILITY &&
                PROP_TYPE(r->lpProps[j].ulPropTag) != PT_ERROR)
                e->rgPropVals[k++] = r->lpProps[j]; /* values still point into rows */
        e->rgPropVals[k].ulPropTag = PR_RESPONSIBILITY;
        e->rgPropVals[k].dwAlignPad = 0;
        e->rgPropVals[k++].Value.b = TRUE;
        e->cValues = k;
    }
    if (SUCCEEDED(hr))
        hr = msg->lpVtbl->ModifyRecipients(msg, MODRECIP_MODIFY, al);
    FreePadrlist(al);
    return hr;
}

HRESULT xp_send(struct xp_logon *l, LPMESSAGE msg, ULONG *ntaken, char *err, size_t cberr)
{
    *ntaken = 0;
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    HRESULT hr = msg->lpVtbl->GetRecipientTable(msg, 0, &t);
    if (SUCCEEDED(hr)) {
        hr = HrQueryAllRows(t, NULL, NULL, NULL, 0, &rows);
        t->lpVtbl->Release(t);
    }
    if (FAILED(hr)) {
        snprintf(err, cberr, "the message's recipients cannot be read (0x%08X)", (unsigned)hr);
        return hr;
    }
    char *taken = calloc(rows->cRows + 1, 1);
    if (!taken) {
        FreeProws(rows);
        snprintf(err, cberr, "out of memory");
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    GMimeMessage *m = g_mime_message_new(TRUE);
    ULONG n = 0;
    for (ULONG i = 0; i < rows->cRows; i++) {
        const SRow *r = &rows->aRow[i];
        const SPropValue *resp = row_prop(r, PR_RESPONSIBILITY);
        if (resp && resp->Value.b)
            continue; /* another transport has it */
        char *type = row_str(r, PROP_ID(PR_ADDRTYPE));
        char *addr = row_str(r, PROP_ID(PR_EMAIL_ADDRESS));
        char *name = row_str(r, PROP_ID(PR_DISPLAY_NAME));
        const SPropValue *rt = row_prop(r, PR_RECIPIENT_TYPE);
        if (type && strcasecmp(type, XP_ADDRTYPE) == 0 && valid_address(addr)) {
            LONG k = rt ? rt->Value.l & ~(LONG)MAPI_SUBMITTED : MAPI_TO;
            GMimeAddressType at = k == MAPI_CC    ? GMIME_ADDRESS_TYPE_CC
                                  : k == MAPI_BCC ? GMIME_ADDRESS_TYPE_BCC
                                                  : GMIME_ADDRESS_TYPE_TO;
            g_mime_message_add_mailbox(m, at, name && strcmp(name, addr) ? name : NULL, addr);
            taken[i] = 1;
            n++;
        }
        free(type);
        free(addr);
        free(name);
    }
    if (n == 0) {
        g_object_unref(m);
        free(taken);
        FreeProws(rows);
        return S_OK; /* none of these is ours */
    }

    /* From: the sender the message names (SMTP), else the configured user */
    LPMAPIPROP p = (LPMAPIPROP)msg;
    char *stype = xp_get_string(p, PROP_ID(PR_SENDER_ADDRTYPE));
    char *saddr = xp_get_string(p, PROP_ID(PR_SENDER_EMAIL_ADDRESS));
    char *sname = xp_get_string(p, PROP_ID(PR_SENDER_NAME));
    if (!saddr || !valid_address(saddr) || (stype && strcasecmp(stype, XP_ADDRTYPE) != 0)) {
        free(saddr);
        free(sname);
        saddr = strdup(l->cfg.user_address);
        sname = l->cfg.user_name ? strdup(l->cfg.user_name) : NULL;
    }
    g_mime_message_add_mailbox(m, GMIME_ADDRESS_TYPE_FROM, sname, saddr);

    char *subject = xp_get_string(p, PROP_ID(PR_SUBJECT));
    if (subject)
        g_mime_message_set_subject(m, subject, "utf-8");

    SizedSPropTagArray(1, tt) = {1, {PR_CLIENT_SUBMIT_TIME}};
    ULONG c = 0;
    LPSPropValue tv = NULL;
    GDateTime *date = NULL;
    if (SUCCEEDED(p->lpVtbl->GetProps(p, (LPSPropTagArray)&tt, 0, &c, &tv)) && tv &&
        tv[0].ulPropTag == PR_CLIENT_SUBMIT_TIME)
        date = filetime_to_date(&tv[0].Value.ft);
    MAPIFreeBuffer(tv);
    if (!date)
        date = g_date_time_new_now_local();
    g_mime_message_set_date(m, date);
    g_date_time_unref(date);

    char *mid = xp_get_string(p, PROP_ID(PR_INTERNET_MESSAGE_ID_A));
    if (mid && *mid) {
        /* stored with or without the angle brackets */
        size_t k = strlen(mid);
        char *bare = mid[0] == '<' && mid[k - 1] == '>' ? (mid[k - 1] = '\0', mid + 1) : mid;
        g_mime_message_set_message_id(m, bare);
    } else {
        const char *dom = strrchr(saddr, '@') + 1;
        char *gen = g_mime_utils_generate_message_id(dom);
        g_mime_message_set_message_id(m, gen);
        g_free(gen);
    }
    g_mime_object_set_header(GMIME_OBJECT(m), "X-Mailer", "mapirt", NULL);

    char *body = xp_get_string(p, PROP_ID(PR_BODY));
    size_t cbhtml = 0;
    char *html = xp_get_binary(p, PR_HTML, &cbhtml);
    if (html)
        html[cbhtml] = '\0';
    GMimeObject *content = NULL;
    if (body && html) {
        GMimeMultipart *alt = g_mime_multipart_new_with_subtype("alternative");
        GMimeObject *a = text_part("plain", body), *b = text_part("html", html);
        g_mime_multipart_add(alt, a);
        g_mime_multipart_add(alt, b);
        g_object_unref(a);
        g_object_unref(b);
        content = GMIME_OBJECT(alt);
    } else
        content = text_part(html ? "html" : "plain", html ? html : body ? body : "");
    GMimeMultipart *mixed = g_mime_multipart_new_with_subtype("mixed");
    g_mime_multipart_add(mixed, content);
    g_object_unref(content);
    int natt = 0;
    hr = add_attachments(msg, mixed, &natt, err, cberr);
    if (SUCCEEDED(hr)) {
        if (natt)
            g_mime_message_set_mime_part(m, GMIME_OBJECT(mixed));
        else
            g_mime_message_set_mime_part(m, g_mime_multipart_get_part(mixed, 0));
    }
    g_object_unref(mixed);

    if (SUCCEEDED(hr)) {
        struct writing w = {GMIME_OBJECT(m)};
        char fname[512];
        int e = xp_maildir_deliver(l->cfg.outgoing, write_file, &w, fname, sizeof fname);
        if (e == 0) {
            /* where it went, on the message the spooler saves (a client can show it); the
             * file is written: failing to note it loses nothing */
            char *where = g_strdup_printf("%s/new/%s", l->cfg.outgoing, fname);
            SPropValue pv = {.ulPropTag = PR_MAILDIR_FILE_A, .Value.lpszA = where};
            (void)msg->lpVtbl->SetProps(msg, 1, &pv, NULL);
            g_free(where);
        }
        if (e) {
            snprintf(err, cberr, "writing into the Maildir %s failed: %s", l->cfg.outgoing,
                     strerror(e));
            hr = e == ENOSPC || e == EDQUOT ? MAPI_E_DISK_ERROR
                 : e == EACCES || e == EPERM ? MAPI_E_NO_ACCESS
                                             : MAPI_E_DISK_ERROR;
        }
    }
    /* written: the recipients are this transport's now */
    if (SUCCEEDED(hr) && FAILED(hr = mark_taken(msg, rows, taken, n)))
        snprintf(err, cberr, "the message was written but its recipients could not be marked "
                             "(0x%08X)", (unsigned)hr);
    if (SUCCEEDED(hr))
        *ntaken = n;
    g_object_unref(m);
    free(stype);
    free(saddr);
    free(sname);
    free(subject);
    free(mid);
    free(body);
    free(html);
    free(taken);
    FreeProws(rows);
    return hr;
}
