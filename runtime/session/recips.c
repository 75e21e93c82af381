/* runtime/session/recips.c: the support side of sending (IMAPISupport::ExpandRecips,
 * PrepareSubmit, StatusRecips, CompleteMsg, DoSentMail, ReadReceipt, RegisterPreprocessor).
 * The spooler (runtime/spool/, another branch) moves the messages; what it must call here is in
 * docs/sessions.md ("For the spooler").
 *
 *   ExpandRecips   distribution lists among the recipients (PR_OBJECT_TYPE MAPI_DISTLIST) are
 *                  replaced by their members, opened through the session and expanded
 *                  recursively; a list met twice (lists that contain each other) is expanded
 *                  once, and a member already listed is not added again. Members take the
 *                  list's PR_RECIPIENT_TYPE. *lpulFlags: NEEDS_SPOOLER when there are recipients
 *                  (no transport is tightly coupled to a store), NEEDS_PREPROCESSING when a
 *                  preprocessor is registered for one of their address types.
 *   PrepareSubmit  every recipient must have an entry ID (MAPI_E_NOT_FOUND names the first that
 *                  has none); PR_RESPONSIBILITY is cleared on each, PR_CLIENT_SUBMIT_TIME set.
 *   StatusRecips   the report request is queued for the spooler with a copy of the list; the
 *                  list itself is freed on success, as the reference says.
 *   DoSentMail / CompleteMsg  PR_DELETE_AFTER_SUBMIT deletes the message, else
 *                  PR_SENTMAIL_ENTRYID moves it there; neither: it stays. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <mapicode.h>
#include <mapiguid.h>
#include <mapiutil.h>
#include <mapix.h>

#include <mapirt/alloc.h>
#include <mapirt/strconv.h>

#include "session_internal.h"
#include "spool/spool.h"

/* ---- the spooler's queues ---- */

HRESULT mapirt_spool_register_preprocessor(mapirt_sess *s, mapirt_provider *p,
    const MAPIUID *muid, const void *adrtype,
    const void *dll, const char *preprocess,
    const char *remove, ULONG ulFlags, char *err,
    size_t cberr)
{
    int wide = (ulFlags & MAPI_UNICODE) != 0;
    char *t = wide ? mapirt_str_w_to_a_dup(adrtype) : mapirt_strdup(adrtype);
    char *d = wide ? mapirt_str_w_to_a_dup(dll) : mapirt_strdup(dll);
    HRESULT hr = S_OK;
    if (!t || !d)
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
    else if (!t[0] || !d[0] || !preprocess || !preprocess[0]) {
        snprintf(err, cberr, "the address type, the library and the preprocess function must "
                             "be named");
        hr = MAPI_E_INVALID_PARAMETER;
    } else if (strlen(t) >= sizeof((mapirt_preprocessor *)0)->adrtype ||
               strlen(d) >= sizeof((mapirt_preprocessor *)0)->dll ||
               strlen(preprocess) >= sizeof((mapirt_preprocessor *)0)->preprocess ||
               (remove && strlen(remove) >= sizeof((mapirt_preprocessor *)0)->remove)) {
        snprintf(err, cberr, "a name is too long");
        hr = MAPI_E_INVALID_PARAMETER;
    }
    if (SUCCEEDED(hr)) {
        pthread_mutex_lock(&s->mu);
        mapirt_preprocessor *a = mapirt_realloc(s->preprocs, (s->npreprocs + 1) * sizeof *a);
        if (!a)
            hr = MAPI_E_NOT_ENOUGH_MEMORY;
        else {
            s->preprocs = a;
            mapirt_preprocessor *r = &a[s->npreprocs++];
            memset(r, 0, sizeof *r);
            r->provider = p->index;
            if (muid)
                r->muid = *muid;
            strcpy(r->adrtype, t);
            strcpy(r->dll, d);
            strcpy(r->preprocess, preprocess);
            if (remove)
                strcpy(r->remove, remove);
            r->flags = ulFlags;
        }
        pthread_mutex_unlock(&s->mu);
    }
    mapirt_free(t);
    mapirt_free(d);
    return hr;
}

HRESULT mapirt_spool_preprocessors(mapirt_sess *s, mapirt_preprocessor **out, ULONG *n)
{
    pthread_mutex_lock(&s->mu);
    mapirt_preprocessor *a = mapirt_malloc((s->npreprocs ? s->npreprocs : 1) * sizeof *a);
    if (a) {
        memcpy(a, s->preprocs, s->npreprocs * sizeof *a);
        *n = s->npreprocs;
    }
    pthread_mutex_unlock(&s->mu);
    if (!a)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    *out = a;
    return S_OK;
}

HRESULT mapirt_spool_take_reports(mapirt_sess *s, mapirt_report **out, ULONG *n)
{
    pthread_mutex_lock(&s->mu);
    *out = s->reports;
    *n = s->nreports;
    s->reports = NULL;
    s->nreports = 0;
    pthread_mutex_unlock(&s->mu);
    return S_OK;
}

void mapirt_report_free(mapirt_report *r)
{
    MAPIFreeBuffer(r->message.lpb);
    MAPIFreeBuffer(r->search_key.lpb);
    if (r->recips)
        FreePadrlist(r->recips);
    memset(r, 0, sizeof *r);
}

void mapirt_spool_free(mapirt_sess *s)
{
    for (ULONG i = 0; i < s->nreports; i++)
        mapirt_report_free(&s->reports[i]);
    mapirt_free(s->reports);
    mapirt_free(s->preprocs);
    s->reports = NULL;
    s->preprocs = NULL;
    s->nreports = s->npreprocs = 0;
}

static HRESULT dup_bin(const SPropValue *v, SBinary *out)
{
    out->cb = 0;
    out->lpb = NULL;
    if (!v || PROP_TYPE(v->ulPropTag) != PT_BINARY || !v->Value.bin.cb)
        return S_OK;
    if (MAPIAllocateBuffer(v->Value.bin.cb, (void **)&out->lpb) != S_OK)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    memcpy(out->lpb, v->Value.bin.lpb, v->Value.bin.cb);
    out->cb = v->Value.bin.cb;
    return S_OK;
}

HRESULT mapirt_status_recips(mapirt_sess *s, LPMESSAGE lpMessage, LPADRLIST lpRecipList,
    char *err, size_t cberr)
{
    if (!lpRecipList || lpRecipList->cEntries == 0) {
        snprintf(err, cberr, "no recipients to report on");
        return MAPI_E_INVALID_PARAMETER;
    }
    mapirt_report r;
    memset(&r, 0, sizeof r);
    SizedSPropTagArray(2, tags) = {2, {PR_ENTRYID, PR_SEARCH_KEY}};
    ULONG n = 0;
    LPSPropValue v = NULL;
    HRESULT hr = lpMessage->lpVtbl->GetProps(lpMessage, (LPSPropTagArray)&tags, 0, &n, &v);
    if (FAILED(hr)) {
        snprintf(err, cberr, "the message's GetProps failed (0x%08X)", (unsigned)hr);
        return hr;
    }
    hr = dup_bin(&v[0], &r.message);
    if (SUCCEEDED(hr))
        hr = dup_bin(&v[1], &r.search_key);
    MAPIFreeBuffer(v);
    /* a copy of the list whose entries each own their values (FreePadrlist frees them) */
    if (SUCCEEDED(hr) &&
        MAPIAllocateBuffer(CbNewADRLIST(lpRecipList->cEntries), (void **)&r.recips) != S_OK)
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
    if (SUCCEEDED(hr)) {
        r.recips->cEntries = 0;
        for (ULONG i = 0; SUCCEEDED(hr) && i < lpRecipList->cEntries; i++) {
            ADRENTRY *a = &lpRecipList->aEntries[i], *b = &r.recips->aEntries[i];
            b->ulReserved1 = 0;
            b->cValues = a->cValues;
            b->rgPropVals = NULL;
            hr = ScDupPropset((int)a->cValues, a->rgPropVals, MAPIAllocateBuffer,
                &b->rgPropVals);
            if (SUCCEEDED(hr))
                r.recips->cEntries++;
        }
    }
    pthread_mutex_lock(&s->mu);
    if (SUCCEEDED(hr)) {
        mapirt_report *q = mapirt_realloc(s->reports, (s->nreports + 1) * sizeof *q);
        if (!q)
            hr = MAPI_E_NOT_ENOUGH_MEMORY;
        else {
            s->reports = q;
            q[s->nreports++] = r;
        }
    }
    pthread_mutex_unlock(&s->mu);
    if (FAILED(hr)) {
        mapirt_report_free(&r);
        snprintf(err, cberr, "out of memory");
        return hr;
    }
    /* the reference: MAPI frees the list when StatusRecips succeeds, the whole of it (its
     * entries' values are blocks of their own, as in every ADRLIST) */
    FreePadrlist(lpRecipList);
    return S_OK;
}

/* ---- ExpandRecips ---- */

typedef struct {
    SBinary *v;
    ULONG n, cap;
} binset;

static int bin_has(const binset *s, const SBinary *b)
{
    for (ULONG i = 0; i < s->n; i++)
        if (s->v[i].cb == b->cb && memcmp(s->v[i].lpb, b->lpb, b->cb) == 0)
            return 1;
    return 0;
}

/* Adds a copy; 1 when added, 0 when present, <0 without memory. */
static int bin_add(binset *s, const SBinary *b)
{
    if (bin_has(s, b))
        return 0;
    if (s->n == s->cap) {
        ULONG c = s->cap ? s->cap * 2 : 16;
        SBinary *v = mapirt_realloc(s->v, c * sizeof *v);
        if (!v)
            return -1;
        s->v = v;
        s->cap = c;
    }
    BYTE *p = mapirt_malloc(b->cb ? b->cb : 1);
    if (!p)
        return -1;
    memcpy(p, b->lpb, b->cb);
    s->v[s->n].cb = b->cb;
    s->v[s->n++].lpb = p;
    return 1;
}

static void bin_free(binset *s)
{
    for (ULONG i = 0; i < s->n; i++)
        mapirt_free(s->v[i].lpb);
    mapirt_free(s->v);
}

typedef struct {
    mapirt_sess *s;
    binset lists, members;
    LPADRLIST add; /* members to add (each entry's values one MAPIAllocateBuffer block) */
    ULONG cap;
    LONG rtype;
} expand_ctx;

static HRESULT add_member(expand_ctx *c, const SRow *r)
{
    if (c->add->cEntries == c->cap) {
        ULONG cap = c->cap ? c->cap * 2 : 16;
        LPADRLIST l = mapirt_realloc(c->add, CbNewADRLIST(cap));
        if (!l)
            return MAPI_E_NOT_ENOUGH_MEMORY;
        c->add = l;
        c->cap = cap;
    }
    ADRENTRY *a = &c->add->aEntries[c->add->cEntries];
    LPSPropValue v = NULL;
    if (MAPIAllocateBuffer((r->cValues + 1) * sizeof *v, (void **)&v) != S_OK)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    ULONG n = 0;
    HRESULT hr = S_OK;
    for (ULONG i = 0; SUCCEEDED(hr) && i < r->cValues; i++) {
        ULONG t = r->lpProps[i].ulPropTag;
        if (PROP_TYPE(t) == PT_ERROR || PROP_ID(t) == PROP_ID(PR_ROWID) ||
            PROP_ID(t) == PROP_ID(PR_INSTANCE_KEY) || PROP_ID(t) == PROP_ID(PR_RECIPIENT_TYPE))
            continue;
        hr = PropCopyMore(&v[n++], &r->lpProps[i], MAPIAllocateMore, v);
    }
    v[n].ulPropTag = PR_RECIPIENT_TYPE;
    v[n].dwAlignPad = 0;
    v[n++].Value.l = c->rtype;
    if (FAILED(hr)) {
        MAPIFreeBuffer(v);
        return hr;
    }
    a->ulReserved1 = 0;
    a->cValues = n;
    a->rgPropVals = v;
    c->add->cEntries++;
    return S_OK;
}

/* The members of list `eid`, recursively (each list once). */
static HRESULT expand(expand_ctx *c, const SBinary *eid, char *err, size_t cberr)
{
    int added = bin_add(&c->lists, eid);
    if (added < 0)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    if (added == 0)
        return S_OK; /* met before: a loop, or the same list twice */
    ULONG type = 0;
    LPUNKNOWN u = NULL;
    HRESULT hr = mapirt_sess_open_entry(c->s, eid->cb, (LPENTRYID)eid->lpb, NULL, 0, &type, &u,
        err, cberr);
    if (FAILED(hr))
        return hr;
    LPMAPITABLE t = NULL;
    hr = type == MAPI_DISTLIST
             ? ((LPMAPICONTAINER)u)->lpVtbl->GetContentsTable((LPMAPICONTAINER)u, 0, &t)
             : MAPI_E_INVALID_ENTRYID;
    u->lpVtbl->Release(u);
    if (FAILED(hr)) {
        snprintf(err, cberr, "a distribution list's members cannot be listed (0x%08X)",
            (unsigned)hr);
        return hr;
    }
    LPSRowSet rows = NULL;
    hr = HrQueryAllRows(t, NULL, NULL, NULL, 0, &rows);
    t->lpVtbl->Release(t);
    for (ULONG i = 0; SUCCEEDED(hr) && i < rows->cRows; i++) {
        const SRow *r = &rows->aRow[i];
        const SPropValue *e = PpropFindProp(r->lpProps, r->cValues, PR_ENTRYID);
        const SPropValue *o = PpropFindProp(r->lpProps, r->cValues, PR_OBJECT_TYPE);
        if (!e)
            continue;
        if (o && o->Value.l == MAPI_DISTLIST)
            hr = expand(c, &e->Value.bin, err, cberr);
        else {
            int fresh = bin_add(&c->members, &e->Value.bin);
            hr = fresh < 0 ? MAPI_E_NOT_ENOUGH_MEMORY : fresh ? add_member(c, r)
                                                              : S_OK;
        }
    }
    if (rows)
        FreeProws(rows);
    return hr;
}

int mapirt_spool_has_preprocessor(mapirt_sess *s, const char *type)
{
    int hit = 0;
    pthread_mutex_lock(&s->mu);
    for (ULONG i = 0; !hit && i < s->npreprocs; i++)
        hit = mapirt_str_compare(s->preprocs[i].adrtype, false, type, false, FL_IGNORECASE) == 0;
    pthread_mutex_unlock(&s->mu);
    return hit;
}

HRESULT mapirt_expand_recips(mapirt_sess *s, LPMESSAGE lpMessage, ULONG *lpulFlags, char *err,
    size_t cberr)
{
    LPMAPITABLE t = NULL;
    HRESULT hr = lpMessage->lpVtbl->GetRecipientTable(lpMessage, 0, &t);
    if (FAILED(hr)) {
        snprintf(err, cberr, "the message's recipient table cannot be opened (0x%08X)",
            (unsigned)hr);
        return hr;
    }
    LPSRowSet rows = NULL;
    hr = HrQueryAllRows(t, NULL, NULL, NULL, 0, &rows);
    t->lpVtbl->Release(t);
    if (FAILED(hr))
        return hr;
    expand_ctx c;
    memset(&c, 0, sizeof c);
    c.s = s;
    c.add = mapirt_calloc(1, CbNewADRLIST(1));
    c.cap = c.add ? 1 : 0;
    LPADRLIST del = mapirt_calloc(1, CbNewADRLIST(rows->cRows ? rows->cRows : 1));
    if (!c.add || !del)
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
    /* the recipients that are not lists first: a list member already there is not added */
    for (ULONG i = 0; SUCCEEDED(hr) && i < rows->cRows; i++) {
        const SRow *r = &rows->aRow[i];
        const SPropValue *e = PpropFindProp(r->lpProps, r->cValues, PR_ENTRYID);
        const SPropValue *o = PpropFindProp(r->lpProps, r->cValues, PR_OBJECT_TYPE);
        if (e && !(o && o->Value.l == MAPI_DISTLIST) && bin_add(&c.members, &e->Value.bin) < 0)
            hr = MAPI_E_NOT_ENOUGH_MEMORY;
    }
    ULONG kept = 0, pre = 0;
    for (ULONG i = 0; SUCCEEDED(hr) && i < rows->cRows; i++) {
        SRow *r = &rows->aRow[i];
        const SPropValue *e = PpropFindProp(r->lpProps, r->cValues, PR_ENTRYID);
        const SPropValue *o = PpropFindProp(r->lpProps, r->cValues, PR_OBJECT_TYPE);
        const SPropValue *rt = PpropFindProp(r->lpProps, r->cValues, PR_RECIPIENT_TYPE);
        const SPropValue *at = PpropFindProp(r->lpProps, r->cValues, PR_ADDRTYPE_A);
        if (!(e && o && o->Value.l == MAPI_DISTLIST)) {
            kept++;
            pre |= at && mapirt_spool_has_preprocessor(s, at->Value.lpszA);
            continue;
        }
        c.rtype = rt ? rt->Value.l : (LONG)MAPI_TO;
        hr = expand(&c, &e->Value.bin, err, cberr);
        /* MODRECIP_REMOVE finds the row by PR_ROWID */
        del->aEntries[del->cEntries].cValues = r->cValues;
        del->aEntries[del->cEntries++].rgPropVals = r->lpProps;
    }
    if (SUCCEEDED(hr) && del->cEntries)
        hr = lpMessage->lpVtbl->ModifyRecipients(lpMessage, MODRECIP_REMOVE, del);
    if (SUCCEEDED(hr) && c.add->cEntries)
        hr = lpMessage->lpVtbl->ModifyRecipients(lpMessage, MODRECIP_ADD, c.add);
    if (FAILED(hr) && !err[0])
        snprintf(err, cberr, "the message's recipients cannot be changed (0x%08X)",
            (unsigned)hr);
    for (ULONG i = 0; SUCCEEDED(hr) && i < c.add->cEntries; i++) {
        const ADRENTRY *a = &c.add->aEntries[i];
        const SPropValue *at = PpropFindProp(a->rgPropVals, a->cValues, PR_ADDRTYPE_A);
        pre |= at && mapirt_spool_has_preprocessor(s, at->Value.lpszA);
    }
    if (SUCCEEDED(hr))
        *lpulFlags = ((kept + c.add->cEntries) ? NEEDS_SPOOLER : 0) |
                     (pre ? NEEDS_PREPROCESSING : 0);
    for (ULONG i = 0; c.add && i < c.add->cEntries; i++)
        MAPIFreeBuffer(c.add->aEntries[i].rgPropVals);
    mapirt_free(c.add);
    mapirt_free(del);
    bin_free(&c.lists);
    bin_free(&c.members);
    FreeProws(rows);
    return hr;
}

/* ---- CompleteMsg ---- */

HRESULT mapirt_complete_msg(mapirt_sess *s, LPMESSAGE lpMessage, char *err, size_t cberr)
{
    /* the store's own transport sent it: what is left is the sent-mail processing */
    return mapirt_spool_sent_mail(s, 0, lpMessage, err, cberr);
}

/* ---- ReadReceipt ---- */

/* The report's recipient from an entry ID: a one-off's own properties, else the entry's
 * (opened through the session: an address book entry), else the entry ID alone. One
 * MAPIAllocateBuffer block, with room for one more value. */
static HRESULT recipient_of(mapirt_sess *s, const SBinary *eid, ULONG *n, LPSPropValue *out)
{
    LPSPropValue v = NULL;
    ULONG c = 0;
    if (mapirt_oneoff_is(eid->cb, (const ENTRYID *)eid->lpb) &&
        SUCCEEDED(mapirt_oneoff_props(eid->cb, (const ENTRYID *)eid->lpb, &c, &v))) {
        /* its block has no spare value: copy into one that has */
        LPSPropValue w = NULL;
        HRESULT hr = MAPIAllocateBuffer((c + 1) * sizeof *w, (void **)&w);
        for (ULONG i = 0; SUCCEEDED(hr) && i < c; i++)
            hr = PropCopyMore(&w[i], &v[i], MAPIAllocateMore, w);
        MAPIFreeBuffer(v);
        if (FAILED(hr)) {
            MAPIFreeBuffer(w);
            return hr;
        }
        *n = c;
        *out = w;
        return S_OK;
    }
    SizedSPropTagArray(5, tags) = {5, {PR_ENTRYID, PR_DISPLAY_NAME_A, PR_ADDRTYPE_A,
                                       PR_EMAIL_ADDRESS_A, PR_SEARCH_KEY}};
    ULONG type = 0;
    LPUNKNOWN u = NULL;
    char err[128];
    LPSPropValue got = NULL;
    if (SUCCEEDED(mapirt_sess_open_entry(s, eid->cb, (LPENTRYID)eid->lpb, NULL, 0, &type, &u,
                                         err, sizeof err))) {
        if (FAILED(((LPMAPIPROP)u)->lpVtbl->GetProps((LPMAPIPROP)u, (LPSPropTagArray)&tags, 0,
                                                     &c, &got)))
            got = NULL;
        u->lpVtbl->Release(u);
    }
    HRESULT hr = MAPIAllocateBuffer((tags.cValues + 1) * sizeof *v, (void **)&v);
    if (FAILED(hr)) {
        MAPIFreeBuffer(got);
        return hr;
    }
    memset(v, 0, (tags.cValues + 1) * sizeof *v);
    SPropValue id;
    memset(&id, 0, sizeof id);
    id.ulPropTag = PR_ENTRYID;
    id.Value.bin = *eid;
    hr = PropCopyMore(&v[0], &id, MAPIAllocateMore, v);
    c = 1;
    for (ULONG i = 1; got && SUCCEEDED(hr) && i < tags.cValues; i++)
        if (PROP_TYPE(got[i].ulPropTag) != PT_ERROR)
            hr = PropCopyMore(&v[c++], &got[i], MAPIAllocateMore, v);
    MAPIFreeBuffer(got);
    if (FAILED(hr)) {
        MAPIFreeBuffer(v);
        return hr;
    }
    *n = c;
    *out = v;
    return S_OK;
}

HRESULT mapirt_read_receipt(mapirt_sess *s, ULONG ulFlags, LPMESSAGE lpReadMessage,
    LPMESSAGE *lppEmptyMessage, char *err, size_t cberr)
{
    if (!lppEmptyMessage || !*lppEmptyMessage) {
        snprintf(err, cberr, "no message to write the report into");
        return MAPI_E_INVALID_PARAMETER;
    }
    LPMESSAGE rep = *lppEmptyMessage;
    SizedSPropTagArray(6, tags) = {6, {PR_MESSAGE_CLASS_A, PR_SUBJECT_A,
                                          PR_READ_RECEIPT_ENTRYID, PR_SENDER_ENTRYID,
                                          PR_SENDER_NAME_A, PR_SEARCH_KEY}};
    ULONG n = 0;
    LPSPropValue v = NULL;
    HRESULT hr = lpReadMessage->lpVtbl->GetProps(lpReadMessage, (LPSPropTagArray)&tags, 0, &n,
        &v);
    if (FAILED(hr)) {
        snprintf(err, cberr, "the read message's GetProps failed (0x%08X)", (unsigned)hr);
        return hr;
    }
    const SPropValue *to = v[2].ulPropTag == PR_READ_RECEIPT_ENTRYID ? &v[2]
                           : v[3].ulPropTag == PR_SENDER_ENTRYID     ? &v[3]
                                                                     : NULL;
    if (!to) {
        MAPIFreeBuffer(v);
        snprintf(err, cberr, "the message names no one to send a read report to");
        return MAPI_E_INVALID_PARAMETER;
    }
    const char *cls = v[0].ulPropTag == PR_MESSAGE_CLASS_A ? v[0].Value.lpszA : "IPM.Note";
    const char *subj = v[1].ulPropTag == PR_SUBJECT_A ? v[1].Value.lpszA : "";
    int non = (ulFlags & MAPI_NON_READ) != 0;
    char *rcls = mapirt_malloc(strlen(cls) + 16), *rsubj = mapirt_malloc(strlen(subj) + 16);
    if (!rcls || !rsubj) {
        mapirt_free(rcls);
        mapirt_free(rsubj);
        MAPIFreeBuffer(v);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    sprintf(rcls, "REPORT.%s.%s", cls, non ? "IPNNRN" : "IPNRN");
    sprintf(rsubj, "%s%s", non ? "Not read: " : "Read: ", subj);
    SPropValue p[5];
    memset(p, 0, sizeof p);
    ULONG np = 0;
    p[np].ulPropTag = PR_MESSAGE_CLASS_A;
    p[np++].Value.lpszA = rcls;
    p[np].ulPropTag = PR_SUBJECT_A;
    p[np++].Value.lpszA = rsubj;
    p[np].ulPropTag = PR_ORIGINAL_SUBJECT_A;
    p[np++].Value.lpszA = (LPSTR)subj;
    if (v[5].ulPropTag == PR_SEARCH_KEY) {
        p[np].ulPropTag = PR_ORIGINAL_SEARCH_KEY;
        p[np++].Value.bin = v[5].Value.bin;
    }
    /* a report is not kept once sent */
    p[np].ulPropTag = PR_DELETE_AFTER_SUBMIT;
    p[np++].Value.b = TRUE;
    hr = rep->lpVtbl->SetProps(rep, np, p, NULL);
    if (SUCCEEDED(hr)) {
        /* the recipient with its address: the transports route by address type */
        ULONG nr = 0;
        LPSPropValue rp = NULL;
        hr = recipient_of(s, &to->Value.bin, &nr, &rp);
        if (SUCCEEDED(hr)) {
            memset(&rp[nr], 0, sizeof rp[nr]);
            rp[nr].ulPropTag = PR_RECIPIENT_TYPE;
            rp[nr++].Value.l = MAPI_TO;
            SizedADRLIST(1, al);
            al.cEntries = 1;
            al.aEntries[0].ulReserved1 = 0;
            al.aEntries[0].cValues = nr;
            al.aEntries[0].rgPropVals = rp;
            hr = rep->lpVtbl->ModifyRecipients(rep, MODRECIP_ADD, (LPADRLIST)&al);
            MAPIFreeBuffer(rp);
        }
    }
    if (SUCCEEDED(hr))
        hr = rep->lpVtbl->SubmitMessage(rep, 0);
    if (FAILED(hr))
        snprintf(err, cberr, "the report cannot be written and submitted (0x%08X)",
            (unsigned)hr);
    mapirt_free(rcls);
    mapirt_free(rsubj);
    MAPIFreeBuffer(v);
    return hr;
}
