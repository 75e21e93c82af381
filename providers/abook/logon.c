/* logon.c: IABLogon (one per logged-on address book), its status object and row, entry IDs,
 * notifications and the live contents table of the PAB. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mapirt/strconv.h>

#include "ab.h"

#include "ab_logon_object.h"

const char *ab_login_name(void);

static void ab_logon_destroy(struct ab_logon *self)
{
    ab_live *t = self->tables;
    while (t) {
        ab_live *next = t->next;
        t->data->lpVtbl->Release(t->data);
        free(t);
        t = next;
    }
    if (self->tlock_ok)
        pthread_mutex_destroy(&self->tlock);
    ab_db_close(self->db);
    free(self->name);
    if (self->sup)
        self->sup->lpVtbl->Release(self->sup); /* last: MAPI may unload us after it */
}

HRESULT ab_logon_create(struct ab_provider *p, LPMAPISUP sup, ab_db *db, const char *name,
                        struct ab_logon **out)
{
    struct ab_logon *l = ab_logon_new();
    if (!l)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    if (pthread_mutex_init(&l->tlock, NULL) != 0 || !(l->name = strdup(name))) {
        ab_logon_release(l);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    l->tlock_ok = 1;
    l->alloc = p->alloc;
    l->more = p->more;
    l->freebuf = p->freebuf;
    l->db = db;
    sup->lpVtbl->AddRef(sup);
    l->sup = sup;
    *out = l;
    return S_OK;
}

HRESULT ab_logon_eid(struct ab_logon *l, ULONG type, sqlite3_int64 id, void *parent,
                     SBinary *out)
{
    BYTE *b;
    HRESULT hr = parent ? l->more(AB_EID_SIZE, parent, (void **)&b)
                        : l->alloc(AB_EID_SIZE, (void **)&b);
    if (hr != S_OK)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    ab_eid_make(&l->db->uid, type, AB_EID_OBJECT, id, b);
    out->cb = AB_EID_SIZE;
    out->lpb = b;
    return S_OK;
}

HRESULT ab_search_key(const char *type, const char *addr, ALLOCATEMORE *more, void *parent,
                      SBinary *out)
{
    size_t n = strlen(type) + 1 + strlen(addr) + 1;
    char *k;
    if (more((ULONG)n, parent, (void **)&k) != S_OK)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    snprintf(k, n, "%s:%s", type, addr);
    for (char *c = k; *c; c++)
        if (*c >= 'a' && *c <= 'z')
            *c = (char)(*c - 'a' + 'A');
    out->cb = (ULONG)n;
    out->lpb = (LPBYTE)k;
    return S_OK;
}

/* ---- the status row and object ---- */

/* The identity's name, search key and entry ID into v (from index *n), memory on parent. */
static void identity_props(struct ab_logon *l, LPSPropValue v, ULONG *n, void *parent)
{
    sqlite3_int64 id;
    ab_row r;
    memset(&r, 0, sizeof r);
    pthread_mutex_lock(&l->db->lock);
    id = ab_db_identity(l->db);
    if (id && FAILED(ab_db_row(l->db, id, &r)))
        id = 0;
    pthread_mutex_unlock(&l->db->lock);
    if (!id) {
        /* no identity configured: the login's name, no entry (the session makes a one-off) */
        const char *who = ab_login_name();
        char *s;
        if (l->more((ULONG)strlen(who) + 1, parent, (void **)&s) == S_OK) {
            strcpy(s, who);
            v[*n].ulPropTag = PR_IDENTITY_DISPLAY_A;
            v[(*n)++].Value.lpszA = s;
        }
        return;
    }
    char *s;
    if (l->more((ULONG)strlen(r.name) + 1, parent, (void **)&s) == S_OK) {
        strcpy(s, r.name);
        v[*n].ulPropTag = PR_IDENTITY_DISPLAY_A;
        v[(*n)++].Value.lpszA = s;
    }
    if (ab_logon_eid(l, MAPI_MAILUSER, id, parent, &v[*n].Value.bin) == S_OK)
        v[(*n)++].ulPropTag = PR_IDENTITY_ENTRYID;
    if (r.addrtype && r.email &&
        ab_search_key(r.addrtype, r.email, l->more, parent, &v[*n].Value.bin) == S_OK)
        v[(*n)++].ulPropTag = PR_IDENTITY_SEARCH_KEY;
    ab_row_free(&r);
}

/* The row's properties: one allocation. */
static HRESULT status_props(struct ab_logon *l, LPSPropValue *out, ULONG *c)
{
    LPSPropValue v;
    if (l->alloc(12 * sizeof *v, (void **)&v) != S_OK)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    memset(v, 0, 12 * sizeof *v);
    ULONG n = 0;
    v[n].ulPropTag = PR_DISPLAY_NAME_A;
    v[n++].Value.lpszA = l->name;
    v[n].ulPropTag = PR_PROVIDER_DISPLAY_A;
    v[n++].Value.lpszA = (LPSTR)AB_PROVIDER_DISPLAY;
    v[n].ulPropTag = PR_STATUS_CODE;
    v[n++].Value.l = STATUS_AVAILABLE;
    v[n].ulPropTag = PR_STATUS_STRING_A;
    v[n++].Value.lpszA = (LPSTR) "Available";
    v[n].ulPropTag = PR_RESOURCE_METHODS;
    v[n++].Value.l = STATUS_VALIDATE_STATE;
    v[n].ulPropTag = PR_RESOURCE_FLAGS;
    v[n++].Value.l = STATUS_PRIMARY_IDENTITY;
    identity_props(l, v, &n, v);
    *out = v;
    *c = n;
    return S_OK;
}

HRESULT ab_logon_status_row(struct ab_logon *l)
{
    LPSPropValue v;
    ULONG n;
    HRESULT hr = status_props(l, &v, &n);
    if (FAILED(hr))
        return hr;
    hr = l->sup->lpVtbl->ModifyStatusRow(l->sup, n, v, 0);
    l->freebuf(v);
    return hr;
}

struct ab_status {
    mapirt_propbag *bag;
    struct ab_logon *logon;
};

#include "ab_status_object.h"

static void ab_status_destroy(struct ab_status *self)
{
    mapirt_propbag_destroy(self->bag);
    if (self->logon)
        ab_logon_release(self->logon);
}

static HRESULT ab_status_ValidateState(struct ab_status *self, ULONG_PTR ulUIParam,
                                       ULONG ulFlags)
{
    (void)ulUIParam;
    (void)ulFlags;
    /* the identity may have been reconfigured: the row follows */
    return ab_logon_status_row(self->logon);
}

static HRESULT ab_status_SaveChanges(struct ab_status *self, ULONG ulFlags)
{
    (void)ulFlags;
    return ab_status_fail(self, MAPI_E_NO_ACCESS, "the status object is read-only");
}

static HRESULT ab_status_SetProps(struct ab_status *self, ULONG c, LPSPropValue v,
                                  LPSPropProblemArray *p)
{
    (void)c;
    (void)v;
    (void)p;
    return ab_status_fail(self, MAPI_E_NO_ACCESS, "the status object is read-only");
}

static HRESULT ab_status_DeleteProps(struct ab_status *self, LPSPropTagArray t,
                                     LPSPropProblemArray *p)
{
    (void)t;
    (void)p;
    return ab_status_fail(self, MAPI_E_NO_ACCESS, "the status object is read-only");
}

static HRESULT ab_logon_OpenStatusEntry(struct ab_logon *self, LPCIID lpInterface, ULONG ulFlags,
                                 ULONG *lpulObjType, LPMAPISTATUS *lppEntry)
{
    (void)ulFlags;
    if (lpInterface && !IsEqualIID(lpInterface, &IID_IMAPIStatus) &&
        !IsEqualIID(lpInterface, &IID_IMAPIProp) && !IsEqualIID(lpInterface, &IID_IUnknown))
        return ab_logon_fail(self, MAPI_E_INTERFACE_NOT_SUPPORTED,
                             "OpenStatusEntry: the status object is an IMAPIStatus");
    struct ab_status *s = ab_status_new();
    if (!s)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    HRESULT hr = mapirt_propbag_create(self->alloc, self->more, self->freebuf, "abook status",
                                       &s->bag);
    if (FAILED(hr)) {
        ab_status_release(s);
        return hr;
    }
    mapirt_propbag_attach(s->bag, ab_status_as_IUnknown(s), ab_status_lasterror(s));
    ab_logon_addref(self);
    s->logon = self;
    LPSPropValue v;
    ULONG n;
    if (SUCCEEDED(hr = status_props(self, &v, &n))) {
        SPropValue extra[2];
        memset(extra, 0, sizeof extra);
        extra[0].ulPropTag = PR_OBJECT_TYPE;
        extra[0].Value.l = MAPI_STATUS;
        extra[1].ulPropTag = PR_RESOURCE_TYPE;
        extra[1].Value.l = MAPI_AB_PROVIDER;
        hr = mapirt_propbag_put(s->bag, n, v, IPROP_READONLY);
        if (SUCCEEDED(hr))
            hr = mapirt_propbag_put(s->bag, 2, extra, IPROP_READONLY);
        self->freebuf(v);
    }
    if (FAILED(hr)) {
        ab_status_release(s);
        return hr;
    }
    *lpulObjType = MAPI_STATUS;
    *lppEntry = ab_status_as_IMAPIStatus(s);
    return S_OK;
}

/* ---- IABLogon ---- */

static HRESULT ab_logon_Logoff(struct ab_logon *self, ULONG ulFlags)
{
    (void)ulFlags;
    self->logged_off = 1;
    return S_OK;
}

HRESULT ab_logon_open(struct ab_logon *l, ULONG cb, LPENTRYID eid, LPCIID iid, ULONG flags,
                      ULONG *type, LPUNKNOWN *out, mapirt_lasterror *err)
{
    ab_eid e;
    HRESULT hr;
    if (cb == 0 || eid == NULL) {
        e.type = MAPI_ABCONT;
        e.id = AB_ROOT;
        e.kind = AB_EID_OBJECT;
    } else if (FAILED(ab_eid_parse(cb, eid, &e)))
        return mapirt_lasterror_set(err, MAPI_E_INVALID_ENTRYID,
                                    "OpenEntry: not an entry ID of this address book");
    else if (memcmp(e.uid.ab, l->db->uid.ab, 16) != 0)
        return mapirt_lasterror_set(err, MAPI_E_UNKNOWN_ENTRYID,
                                    "OpenEntry: the entry ID belongs to another address book");
    else if (e.kind == AB_EID_TEMPLATE)
        return mapirt_lasterror_set(err, MAPI_E_INVALID_ENTRYID,
                                    "OpenEntry: a template ID is for CreateEntry");
    static const IID *const ok_cont[] = {&IID_IABContainer, &IID_IMAPIContainer, NULL};
    static const IID *const ok_user[] = {&IID_IMailUser, NULL};
    static const IID *const ok_list[] = {&IID_IDistList, &IID_IMAPIContainer, NULL};
    const IID *const *ok = e.type == MAPI_ABCONT ? ok_cont
                         : e.type == MAPI_MAILUSER ? ok_user : ok_list;
    if (iid && !IsEqualIID(iid, &IID_IUnknown) && !IsEqualIID(iid, &IID_IMAPIProp)) {
        int found = 0;
        for (int i = 0; ok[i]; i++)
            found |= IsEqualIID(iid, ok[i]);
        if (!found)
            return mapirt_lasterror_set(err, MAPI_E_INTERFACE_NOT_SUPPORTED,
                                        "OpenEntry: the object does not have that interface");
    }
    LPUNKNOWN u = NULL;
    if (e.type == MAPI_ABCONT)
        hr = ab_container_open(l, e.id, &u);
    else {
        ab_row r;
        pthread_mutex_lock(&l->db->lock);
        hr = ab_db_row(l->db, e.id, &r);
        pthread_mutex_unlock(&l->db->lock);
        if (hr == MAPI_E_NOT_FOUND)
            return mapirt_lasterror_set(err, MAPI_E_NOT_FOUND,
                                        "OpenEntry: the entry was deleted");
        if (FAILED(hr))
            return mapirt_lasterror_set(err, hr, "OpenEntry: cannot read the address book");
        ULONG t = r.type;
        ab_row_free(&r);
        if (t != e.type)
            return mapirt_lasterror_set(err, MAPI_E_INVALID_ENTRYID,
                                        "OpenEntry: the entry ID names another kind of entry");
        hr = ab_entry_open(l, t, e.id, (flags & (MAPI_MODIFY | MAPI_BEST_ACCESS)) != 0, 0, &u);
    }
    if (FAILED(hr))
        return mapirt_lasterror_set(err, hr, "OpenEntry failed");
    if (iid && !IsEqualIID(iid, &IID_IUnknown)) {
        LPUNKNOWN q = NULL;
        hr = u->lpVtbl->QueryInterface(u, iid, (void **)&q);
        u->lpVtbl->Release(u);
        if (FAILED(hr))
            return mapirt_lasterror_set(err, hr, "OpenEntry: the object does not have that "
                                                 "interface");
        u = q;
    }
    *type = e.type;
    *out = u;
    return S_OK;
}

static HRESULT ab_logon_OpenEntry(struct ab_logon *self, ULONG cbEntryID, LPENTRYID lpEntryID,
                           LPCIID lpInterface, ULONG ulFlags, ULONG *lpulObjType,
                           LPUNKNOWN *lppUnk)
{
    return ab_logon_open(self, cbEntryID, lpEntryID, lpInterface, ulFlags, lpulObjType, lppUnk,
                         ab_logon_lasterror(self));
}

static HRESULT ab_logon_CompareEntryIDs(struct ab_logon *self, ULONG cbEntryID1, LPENTRYID lpEntryID1,
                                 ULONG cbEntryID2, LPENTRYID lpEntryID2, ULONG ulFlags,
                                 ULONG *lpulResult)
{
    (void)ulFlags;
    ab_eid a, b;
    if (FAILED(ab_eid_parse(cbEntryID1, lpEntryID1, &a)) ||
        FAILED(ab_eid_parse(cbEntryID2, lpEntryID2, &b)))
        return ab_logon_fail(self, MAPI_E_UNKNOWN_ENTRYID,
                             "CompareEntryIDs: an entry ID is not one of this address book's");
    /* abFlags are not compared: a short-term and a long-term ID of one entry are equal */
    *lpulResult = memcmp(a.uid.ab, b.uid.ab, 16) == 0 && a.type == b.type && a.kind == b.kind &&
                  a.id == b.id;
    return S_OK;
}

/* The notification key of an object: its entry ID without abFlags. */
static void notif_key(const MAPIUID *uid, ULONG type, sqlite3_int64 id, BYTE key[4 + AB_EID_SIZE])
{
    ULONG cb = AB_EID_SIZE;
    memcpy(key, &cb, 4);
    ab_eid_make(uid, type, AB_EID_OBJECT, id, key + 4);
}

static HRESULT ab_logon_Advise(struct ab_logon *self, ULONG cbEntryID, LPENTRYID lpEntryID,
                        ULONG ulEventMask, LPMAPIADVISESINK lpAdviseSink,
                        ULONG_PTR *lpulConnection)
{
    ab_eid e;
    BYTE key[4 + AB_EID_SIZE];
    if (cbEntryID == 0 || !lpEntryID) {
        e.type = MAPI_ABCONT;
        e.id = AB_ROOT;
    } else if (FAILED(ab_eid_parse(cbEntryID, lpEntryID, &e)) || e.kind != AB_EID_OBJECT ||
               memcmp(e.uid.ab, self->db->uid.ab, 16) != 0)
        return ab_logon_fail(self, MAPI_E_INVALID_ENTRYID,
                             "Advise: not an entry ID of this address book");
    notif_key(&self->db->uid, e.type, e.id, key);
    return self->sup->lpVtbl->Subscribe(self->sup, (LPNOTIFKEY)(void *)key, ulEventMask, 0,
                                        lpAdviseSink, lpulConnection);
}

static HRESULT ab_logon_Unadvise(struct ab_logon *self, ULONG_PTR ulConnection)
{
    return self->sup->lpVtbl->Unsubscribe(self->sup, ulConnection);
}

void ab_logon_notify(struct ab_logon *l, ULONG event, ULONG type, sqlite3_int64 id)
{
    BYTE eid[AB_EID_SIZE], parent[AB_EID_SIZE];
    BYTE key[4 + AB_EID_SIZE];
    NOTIFICATION n;
    ULONG flags = 0;
    memset(&n, 0, sizeof n);
    ab_eid_make(&l->db->uid, type, AB_EID_OBJECT, id, eid);
    ab_eid_make(&l->db->uid, MAPI_ABCONT, AB_EID_OBJECT, AB_PAB, parent);
    n.ulEventType = event;
    n.info.obj.cbEntryID = AB_EID_SIZE;
    n.info.obj.lpEntryID = (LPENTRYID)eid;
    n.info.obj.ulObjType = type;
    n.info.obj.cbParentID = AB_EID_SIZE;
    n.info.obj.lpParentID = (LPENTRYID)parent;
    notif_key(&l->db->uid, type, id, key);
    l->sup->lpVtbl->Notify(l->sup, (LPNOTIFKEY)(void *)key, 1, &n, &flags);
    /* the container hears about its entries too */
    notif_key(&l->db->uid, MAPI_ABCONT, AB_PAB, key);
    flags = 0;
    l->sup->lpVtbl->Notify(l->sup, (LPNOTIFKEY)(void *)key, 1, &n, &flags);
}

static HRESULT ab_logon_OpenTemplateID(struct ab_logon *self, ULONG cbTemplateID,
                                LPENTRYID lpTemplateID, ULONG ulTemplateFlags,
                                LPMAPIPROP lpMAPIPropData, LPCIID lpInterface,
                                LPMAPIPROP *lppMAPIPropNew, LPMAPIPROP lpMAPIPropSibling)
{
    (void)cbTemplateID;
    (void)lpTemplateID;
    (void)ulTemplateFlags;
    (void)lpMAPIPropData;
    (void)lpInterface;
    (void)lpMAPIPropSibling;
    if (lppMAPIPropNew)
        *lppMAPIPropNew = NULL;
    /* Only foreign providers binding their code to copies in a host's containers implement it;
     * this book's entries carry no code of their own (docs/decisions.md). */
    return ab_logon_fail(self, MAPI_E_NO_SUPPORT,
                         "OpenTemplateID: this address book is not a foreign provider");
}

/* ---- tables ---- */

static const ULONG std_cols[AB_NCOLS] = {
    PR_DISPLAY_NAME_W, PR_EMAIL_ADDRESS_W, PR_ADDRTYPE_W, PR_ENTRYID, PR_INSTANCE_KEY,
    PR_RECORD_KEY, PR_SEARCH_KEY, PR_OBJECT_TYPE, PR_DISPLAY_TYPE,
    PR_TRANSMITABLE_DISPLAY_NAME_W, PR_SEND_RICH_INFO};

void ab_cols(ULONG flags, ULONG tags[AB_NCOLS])
{
    for (int i = 0; i < AB_NCOLS; i++)
        tags[i] = PROP_TYPE(std_cols[i]) == PT_UNICODE && !(flags & MAPI_UNICODE)
                      ? CHANGE_PROP_TYPE(std_cols[i], PT_STRING8) : std_cols[i];
}

/* A string column: UTF-8 r as PT_STRING8 or PT_UNICODE on parent. */
static void str_col(struct ab_logon *l, ULONG tag, const char *s, void *parent, SPropValue *v)
{
    if (!s) {
        v->ulPropTag = PROP_TAG(PT_ERROR, PROP_ID(tag));
        v->Value.err = MAPI_E_NOT_FOUND;
        return;
    }
    v->ulPropTag = tag;
    if (PROP_TYPE(tag) == PT_UNICODE) {
        WCHAR *w = ab_a2w(s);
        size_t n = w ? mapirt_wcslen(w) + 1 : 0;
        if (w && l->more((ULONG)(n * sizeof(WCHAR)), parent, (void **)&v->Value.lpszW) == S_OK)
            memcpy(v->Value.lpszW, w, n * sizeof(WCHAR));
        else {
            v->ulPropTag = PROP_TAG(PT_ERROR, PROP_ID(tag));
            v->Value.err = MAPI_E_NOT_ENOUGH_MEMORY;
        }
        free(w);
    } else if (l->more((ULONG)strlen(s) + 1, parent, (void **)&v->Value.lpszA) == S_OK)
        strcpy(v->Value.lpszA, s);
    else {
        v->ulPropTag = PROP_TAG(PT_ERROR, PROP_ID(tag));
        v->Value.err = MAPI_E_NOT_ENOUGH_MEMORY;
    }
}

HRESULT ab_row_props(struct ab_logon *l, const ab_row *r, ULONG flags, LPSPropValue *out,
                     ULONG *c)
{
    ULONG tags[AB_NCOLS];
    LPSPropValue v;
    ab_cols(flags, tags);
    if (l->alloc(AB_NCOLS * sizeof *v, (void **)&v) != S_OK)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    memset(v, 0, AB_NCOLS * sizeof *v);
    int list = r->type == MAPI_DISTLIST;
    str_col(l, tags[0], r->name, v, &v[0]);
    str_col(l, tags[1], list ? NULL : r->email, v, &v[1]);
    str_col(l, tags[2], list ? "MAPIPDL" : r->addrtype, v, &v[2]);
    v[3].ulPropTag = PR_ENTRYID;
    HRESULT hr = ab_logon_eid(l, r->type, r->id, v, &v[3].Value.bin);
    BYTE *ik = NULL;
    if (SUCCEEDED(hr) && l->more(8, v, (void **)&ik) != S_OK)
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
    if (FAILED(hr)) {
        l->freebuf(v);
        return hr;
    }
    for (int i = 0; i < 8; i++)
        ik[i] = (BYTE)((uint64_t)r->id >> (8 * i));
    v[4].ulPropTag = PR_INSTANCE_KEY;
    v[4].Value.bin.cb = 8;
    v[4].Value.bin.lpb = ik;
    v[5].ulPropTag = PR_RECORD_KEY;
    v[5].Value.bin = v[3].Value.bin;
    v[6].ulPropTag = PR_SEARCH_KEY;
    if (!list && r->addrtype && r->email)
        hr = ab_search_key(r->addrtype, r->email, l->more, v, &v[6].Value.bin);
    else
        v[6].Value.bin = v[3].Value.bin;
    if (FAILED(hr)) {
        l->freebuf(v);
        return hr;
    }
    v[7].ulPropTag = PR_OBJECT_TYPE;
    v[7].Value.l = (LONG)r->type;
    v[8].ulPropTag = PR_DISPLAY_TYPE;
    v[8].Value.l = list ? DT_PRIVATE_DISTLIST : DT_MAILUSER;
    str_col(l, tags[9], r->name, v, &v[9]);
    v[10].ulPropTag = PR_SEND_RICH_INFO;
    v[10].Value.b = 0;
    *out = v;
    *c = AB_NCOLS;
    return S_OK;
}

static void live_released(ULONG_PTR data, LPTABLEDATA td, LPMAPITABLE view)
{
    (void)td;
    (void)view;
    ab_live *t = (ab_live *)data;
    /* the logon is found through the table's record: see ab_logon_contents */
    struct ab_logon *l = *(struct ab_logon **)(t + 1);
    int found = 0;
    pthread_mutex_lock(&l->tlock);
    for (ab_live **p = &l->tables; *p; p = &(*p)->next)
        if (*p == t) {
            *p = t->next;
            found = 1;
            break;
        }
    pthread_mutex_unlock(&l->tlock);
    if (found) {
        t->data->lpVtbl->Release(t->data);
        free(t);
    }
    ab_logon_release(l);
}

HRESULT ab_logon_contents(struct ab_logon *l, ULONG flags, LPMAPITABLE *out)
{
    SizedSPropTagArray(AB_NCOLS, cols);
    LPTABLEDATA td;
    cols.cValues = AB_NCOLS;
    ab_cols(flags, cols.aulPropTag);
    HRESULT hr = CreateTable(&IID_IMAPITableData, l->alloc, l->more, l->freebuf, NULL,
                             TBLTYPE_DYNAMIC, PR_INSTANCE_KEY, (LPSPropTagArray)&cols, &td);
    if (FAILED(hr))
        return hr;
    /* the record and, after it, the logon it belongs to (referenced while the view lives) */
    ab_live *t = calloc(1, sizeof *t + sizeof(struct ab_logon *));
    if (!t) {
        td->lpVtbl->Release(td);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    *(struct ab_logon **)(t + 1) = l;
    t->flags = flags;
    t->data = td;
    /* rows read and the table registered under the database lock: a save committed meanwhile
     * is in the rows read or reported to the table afterwards */
    ab_row *rows = NULL;
    size_t n = 0;
    pthread_mutex_lock(&l->db->lock);
    hr = ab_db_rows(l->db, &rows, &n);
    if (SUCCEEDED(hr)) {
        pthread_mutex_lock(&l->tlock);
        t->next = l->tables;
        l->tables = t;
        pthread_mutex_unlock(&l->tlock);
    }
    pthread_mutex_unlock(&l->db->lock);
    LPSRowSet set = NULL;
    if (SUCCEEDED(hr) && n) {
        if (l->alloc(CbNewSRowSet((ULONG)n), (void **)&set) != S_OK)
            hr = MAPI_E_NOT_ENOUGH_MEMORY;
        else {
            set->cRows = 0;
            for (size_t i = 0; i < n && SUCCEEDED(hr); i++) {
                SRow *r = &set->aRow[set->cRows];
                r->ulAdrEntryPad = 0;
                if (SUCCEEDED(hr = ab_row_props(l, &rows[i], flags, &r->lpProps, &r->cValues)))
                    set->cRows++;
            }
        }
    }
    ab_rows_free(rows, n);
    if (SUCCEEDED(hr) && set && set->cRows)
        hr = td->lpVtbl->HrModifyRows(td, 0, set);
    if (set)
        FreeProws(set);
    if (SUCCEEDED(hr)) {
        ab_logon_addref(l);
        hr = td->lpVtbl->HrGetView(td, NULL, live_released, (ULONG_PTR)t, out);
        if (FAILED(hr))
            ab_logon_release(l);
    }
    if (FAILED(hr)) {
        pthread_mutex_lock(&l->tlock);
        for (ab_live **p = &l->tables; *p; p = &(*p)->next)
            if (*p == t) {
                *p = t->next;
                break;
            }
        pthread_mutex_unlock(&l->tlock);
        td->lpVtbl->Release(td);
        free(t);
    }
    return hr;
}

void ab_logon_row_changed(struct ab_logon *l, sqlite3_int64 id, int exists)
{
    LPTABLEDATA tds[64];
    ULONG flags[64];
    int n = 0;
    pthread_mutex_lock(&l->tlock);
    for (ab_live *t = l->tables; t && n < 64; t = t->next) {
        t->data->lpVtbl->AddRef(t->data);
        flags[n] = t->flags;
        tds[n++] = t->data;
    }
    pthread_mutex_unlock(&l->tlock);
    ab_row r;
    memset(&r, 0, sizeof r);
    if (exists) {
        pthread_mutex_lock(&l->db->lock);
        if (FAILED(ab_db_row(l->db, id, &r)))
            exists = 0;
        pthread_mutex_unlock(&l->db->lock);
    }
    for (int i = 0; i < n; i++) {
        if (exists) {
            SRow row;
            row.ulAdrEntryPad = 0;
            if (SUCCEEDED(ab_row_props(l, &r, flags[i], &row.lpProps, &row.cValues))) {
                tds[i]->lpVtbl->HrModifyRow(tds[i], &row);
                l->freebuf(row.lpProps);
            }
        } else {
            BYTE key[8];
            SPropValue k;
            for (int b = 0; b < 8; b++)
                key[b] = (BYTE)((uint64_t)id >> (8 * b));
            k.ulPropTag = PR_INSTANCE_KEY;
            k.dwAlignPad = 0;
            k.Value.bin.cb = 8;
            k.Value.bin.lpb = key;
            tds[i]->lpVtbl->HrDeleteRow(tds[i], &k);
        }
        tds[i]->lpVtbl->Release(tds[i]);
    }
    ab_row_free(&r);
}

HRESULT ab_table_of(struct ab_logon *l, ULONG ncols, const ULONG *cols, LPSRow rows, ULONG n,
                    LPMAPITABLE *out)
{
    LPSPropTagArray tags;
    LPTABLEDATA td = NULL;
    if (l->alloc(CbNewSPropTagArray(ncols), (void **)&tags) != S_OK)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    tags->cValues = ncols;
    memcpy(tags->aulPropTag, cols, ncols * sizeof(ULONG));
    HRESULT hr = CreateTable(&IID_IMAPITableData, l->alloc, l->more, l->freebuf, NULL,
                             TBLTYPE_SNAPSHOT, PR_INSTANCE_KEY, tags, &td);
    l->freebuf(tags);
    for (ULONG i = 0; SUCCEEDED(hr) && i < n; i++)
        hr = td->lpVtbl->HrModifyRow(td, &rows[i]);
    if (SUCCEEDED(hr))
        hr = td->lpVtbl->HrGetView(td, NULL, NULL, 0, out);
    if (td)
        td->lpVtbl->Release(td); /* the view keeps the data */
    return hr;
}

static HRESULT ab_logon_GetOneOffTable(struct ab_logon *self, ULONG ulFlags, LPMAPITABLE *lppTable)
{
    /* the templates CreateEntry takes: an Internet (SMTP) address and a personal list */
    static const struct {
        const char *name;
        ULONG type;
        const char *addrtype;
    } tpl[2] = {{"Internet Address", MAPI_MAILUSER, "SMTP"},
                {"Personal Distribution List", MAPI_DISTLIST, "MAPIPDL"}};
    ULONG wide = ulFlags & MAPI_UNICODE;
    ULONG cols[7] = {wide ? PR_DISPLAY_NAME_W : PR_DISPLAY_NAME_A, PR_ENTRYID, PR_DEPTH,
                     PR_SELECTABLE, wide ? PR_ADDRTYPE_W : PR_ADDRTYPE_A, PR_DISPLAY_TYPE,
                     PR_INSTANCE_KEY};
    SRow rows[2];
    SPropValue v[2][7];
    BYTE eids[2][AB_EID_SIZE];
    BYTE keys[2][4];
    memset(v, 0, sizeof v);
    for (int i = 0; i < 2; i++) {
        rows[i].ulAdrEntryPad = 0;
        rows[i].cValues = 7;
        rows[i].lpProps = v[i];
        ab_eid_make(&self->db->uid, tpl[i].type, AB_EID_TEMPLATE, 0, eids[i]);
        /* strings set below point at static text or converted copies owned by this frame */
        v[i][1].ulPropTag = PR_ENTRYID;
        v[i][1].Value.bin.cb = AB_EID_SIZE;
        v[i][1].Value.bin.lpb = eids[i];
        v[i][2].ulPropTag = PR_DEPTH;
        v[i][3].ulPropTag = PR_SELECTABLE;
        v[i][3].Value.b = 1;
        v[i][5].ulPropTag = PR_DISPLAY_TYPE;
        v[i][5].Value.l = tpl[i].type == MAPI_DISTLIST ? DT_PRIVATE_DISTLIST : DT_MAILUSER;
        memset(keys[i], 0, 4);
        keys[i][0] = (BYTE)(i + 1);
        v[i][6].ulPropTag = PR_INSTANCE_KEY;
        v[i][6].Value.bin.cb = 4;
        v[i][6].Value.bin.lpb = keys[i];
    }
    WCHAR *w[4] = {NULL, NULL, NULL, NULL};
    for (int i = 0; i < 2; i++) {
        v[i][0].ulPropTag = cols[0];
        v[i][4].ulPropTag = cols[4];
        if (wide) {
            w[2 * i] = ab_a2w(tpl[i].name);
            w[2 * i + 1] = ab_a2w(tpl[i].addrtype);
            v[i][0].Value.lpszW = w[2 * i];
            v[i][4].Value.lpszW = w[2 * i + 1];
        } else {
            v[i][0].Value.lpszA = (LPSTR)tpl[i].name;
            v[i][4].Value.lpszA = (LPSTR)tpl[i].addrtype;
        }
    }
    HRESULT hr = (wide && (!w[0] || !w[1] || !w[2] || !w[3]))
                     ? MAPI_E_NOT_ENOUGH_MEMORY
                     : ab_table_of(self, 7, cols, rows, 2, lppTable);
    for (int i = 0; i < 4; i++)
        free(w[i]);
    return hr;
}
