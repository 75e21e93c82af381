/* logon.c: IABLogon (one per logged-on address book), its status object and row, entry IDs
 * and notifications. The tables it and the containers hand out are tables.c. */
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
