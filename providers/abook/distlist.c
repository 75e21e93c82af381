/* distlist.c: personal distribution lists. A list's members are kept in the object and written
 * by its SaveChanges, like its properties: CopyEntries adds (this book's entries by reference,
 * others' as a snapshot of their name, address type, address and entry ID), DeleteEntries
 * removes, CreateEntry makes a new mail user of the book that joins the list when it is saved.
 * A list never contains itself, directly or through nested lists: CopyEntries refuses such a
 * member and SaveChanges checks again against what is committed. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "ab.h"

#include "ab_distlist_object.h"

struct ab_distlist *ab_distlist_make(void)
{
    struct ab_distlist *dl = ab_distlist_new();
    if (dl && pthread_mutex_init(&dl->mlock, NULL) == 0)
        dl->mlock_ok = 1;
    return dl;
}

static void ab_distlist_destroy(struct ab_distlist *self)
{
    mapirt_propbag_destroy(self->bag);
    ab_members_free(self->members, self->nmembers);
    if (self->mlock_ok)
        pthread_mutex_destroy(&self->mlock);
    if (self->e.join)
        ab_distlist_release(self->e.join);
    if (self->e.logon)
        ab_logon_release(self->e.logon);
}

HRESULT ab_distlist_SaveChanges(struct ab_distlist *self, ULONG ulFlags)
{
    HRESULT hr = ab_entry_save(&self->e, self->bag, ab_distlist_lasterror(self));
    if (SUCCEEDED(hr) && (ulFlags & KEEP_OPEN_READONLY)) {
        self->e.writable = 0;
        mapirt_propbag_HrSetObjAccess(self->bag, IPROP_READONLY);
    }
    return hr;
}

static int same_member(const ab_member *a, const ab_member *b)
{
    if (a->entry || b->entry)
        return a->entry == b->entry;
    return a->cbeid == b->cbeid && a->eid && b->eid && memcmp(a->eid, b->eid, a->cbeid) == 0;
}

HRESULT ab_distlist_add(struct ab_distlist *dl, const ab_member *m)
{
    ab_member c;
    memset(&c, 0, sizeof c);
    c.entry = m->entry;
    if ((m->name && !(c.name = strdup(m->name))) ||
        (m->addrtype && !(c.addrtype = strdup(m->addrtype))) ||
        (m->email && !(c.email = strdup(m->email))) ||
        (m->eid && !(c.eid = malloc(m->cbeid)))) {
        free(c.name);
        free(c.addrtype);
        free(c.email);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    if (m->eid) {
        memcpy(c.eid, m->eid, m->cbeid);
        c.cbeid = m->cbeid;
    }
    HRESULT hr = S_OK;
    pthread_mutex_lock(&dl->mlock);
    int dup = 0;
    for (size_t i = 0; i < dl->nmembers && !dup; i++)
        dup = same_member(&dl->members[i], &c);
    if (!dup) {
        ab_member *n = realloc(dl->members, (dl->nmembers + 1) * sizeof *n);
        if (n) {
            dl->members = n;
            dl->members[dl->nmembers++] = c;
        } else
            hr = MAPI_E_NOT_ENOUGH_MEMORY;
    }
    pthread_mutex_unlock(&dl->mlock);
    if (dup || FAILED(hr)) {
        free(c.name);
        free(c.addrtype);
        free(c.email);
        free(c.eid);
    }
    return hr;
}

/* The member one source entry ID makes: MAPI_E_INVALID_PARAMETER for a list that would
 * contain itself. */
static HRESULT member_of(struct ab_distlist *self, ULONG cb, LPENTRYID eid, ab_member *m,
                         const char **why)
{
    struct ab_logon *l = self->e.logon;
    ab_eid e;
    memset(m, 0, sizeof *m);
    if (SUCCEEDED(ab_eid_parse(cb, eid, &e)) && memcmp(e.uid.ab, l->db->uid.ab, 16) == 0) {
        ab_row r;
        if (e.kind != AB_EID_OBJECT || e.type == MAPI_ABCONT) {
            *why = "a container or a template cannot be a member";
            return MAPI_E_INVALID_ENTRYID;
        }
        pthread_mutex_lock(&l->db->lock);
        HRESULT hr = ab_db_row(l->db, e.id, &r);
        int loop = SUCCEEDED(hr) && self->e.id &&
                   (e.id == self->e.id || (r.type == MAPI_DISTLIST &&
                                           ab_db_reaches(l->db, e.id, self->e.id)));
        pthread_mutex_unlock(&l->db->lock);
        if (FAILED(hr)) {
            *why = "an entry is not in the address book (deleted?)";
            return hr;
        }
        ab_row_free(&r);
        if (loop) {
            *why = "the list would contain itself";
            return MAPI_E_INVALID_PARAMETER;
        }
        m->entry = e.id;
        return S_OK;
    }
    ULONG c = 0, type = 0;
    LPSPropValue v = NULL;
    sqlite3_int64 ours = 0;
    HRESULT hr = ab_source_props(l, cb, eid, &c, &v, &type, &ours);
    if (FAILED(hr)) {
        *why = "an entry ID could not be opened";
        return hr;
    }
    m->name = ab_prop_str(ab_find(v, c, PR_DISPLAY_NAME_W));
    m->addrtype = ab_prop_str(ab_find(v, c, PR_ADDRTYPE_W));
    m->email = ab_prop_str(ab_find(v, c, PR_EMAIL_ADDRESS_W));
    l->freebuf(v);
    if ((m->eid = malloc(cb)) != NULL) {
        memcpy(m->eid, eid, cb);
        m->cbeid = cb;
    }
    if (!m->eid || !m->name) {
        HRESULT bad = m->eid ? MAPI_E_INVALID_PARAMETER : MAPI_E_NOT_ENOUGH_MEMORY;
        free(m->name);
        free(m->addrtype);
        free(m->email);
        free(m->eid);
        memset(m, 0, sizeof *m);
        *why = "a member needs a display name";
        return bad;
    }
    return S_OK;
}

static HRESULT ab_distlist_CopyEntries(struct ab_distlist *self, LPENTRYLIST lpEntries,
                                       ULONG_PTR ulUIParam, LPMAPIPROGRESS lpProgress,
                                       ULONG ulFlags)
{
    (void)ulUIParam;
    (void)lpProgress;
    (void)ulFlags;
    if (!self->e.writable)
        return ab_distlist_fail(self, MAPI_E_NO_ACCESS, "CopyEntries: the list is read-only");
    ULONG failed = 0;
    const char *why = "";
    for (ULONG i = 0; i < lpEntries->cValues; i++) {
        ab_member m;
        HRESULT hr = member_of(self, lpEntries->lpbin[i].cb, (LPENTRYID)lpEntries->lpbin[i].lpb,
                               &m, &why);
        if (SUCCEEDED(hr)) {
            hr = ab_distlist_add(self, &m);
            free(m.name);
            free(m.addrtype);
            free(m.email);
            free(m.eid);
        }
        if (hr == MAPI_E_NOT_ENOUGH_MEMORY)
            return ab_distlist_fail(self, hr, "CopyEntries: no memory");
        if (FAILED(hr))
            failed++;
    }
    if (failed) {
        mapirt_lasterror_setf(ab_distlist_lasterror(self), MAPI_W_PARTIAL_COMPLETION, 0, 0,
                              "CopyEntries: %u of %u entries not added: %s", (unsigned)failed,
                              (unsigned)lpEntries->cValues, why);
        return MAPI_W_PARTIAL_COMPLETION;
    }
    return S_OK;
}

static HRESULT ab_distlist_DeleteEntries(struct ab_distlist *self, LPENTRYLIST lpEntries,
                                         ULONG ulFlags)
{
    (void)ulFlags;
    struct ab_logon *l = self->e.logon;
    if (!self->e.writable)
        return ab_distlist_fail(self, MAPI_E_NO_ACCESS, "DeleteEntries: the list is read-only");
    ULONG missing = 0;
    pthread_mutex_lock(&self->mlock);
    for (ULONG i = 0; i < lpEntries->cValues; i++) {
        SBinary *b = &lpEntries->lpbin[i];
        ab_member key;
        ab_eid e;
        memset(&key, 0, sizeof key);
        if (SUCCEEDED(ab_eid_parse(b->cb, (LPENTRYID)b->lpb, &e)) &&
            memcmp(e.uid.ab, l->db->uid.ab, 16) == 0 && e.kind == AB_EID_OBJECT)
            key.entry = e.id;
        else {
            key.eid = b->lpb;
            key.cbeid = b->cb;
        }
        int found = 0;
        for (size_t k = 0; k < self->nmembers; k++)
            if (same_member(&self->members[k], &key)) {
                ab_member gone = self->members[k];
                memmove(&self->members[k], &self->members[k + 1],
                        (self->nmembers - k - 1) * sizeof gone);
                self->nmembers--;
                free(gone.name);
                free(gone.addrtype);
                free(gone.email);
                free(gone.eid);
                found = 1;
                break;
            }
        missing += !found;
    }
    pthread_mutex_unlock(&self->mlock);
    if (missing) {
        mapirt_lasterror_setf(ab_distlist_lasterror(self), MAPI_W_PARTIAL_COMPLETION, 0, 0,
                              "DeleteEntries: %u entries are not members of the list",
                              (unsigned)missing);
        return MAPI_W_PARTIAL_COMPLETION;
    }
    return S_OK;
}

static HRESULT ab_distlist_CreateEntry(struct ab_distlist *self, ULONG cbEntryID,
                                       LPENTRYID lpEntryID, ULONG ulCreateFlags,
                                       LPMAPIPROP *lppMAPIPropEntry)
{
    struct ab_logon *l = self->e.logon;
    ab_eid e;
    if (!self->e.writable)
        return ab_distlist_fail(self, MAPI_E_NO_ACCESS, "CreateEntry: the list is read-only");
    if (FAILED(ab_eid_parse(cbEntryID, lpEntryID, &e)) || e.kind != AB_EID_TEMPLATE ||
        memcmp(e.uid.ab, l->db->uid.ab, 16) != 0 || e.type != MAPI_MAILUSER)
        return ab_distlist_fail(self, MAPI_E_INVALID_ENTRYID,
                                "CreateEntry: not a mail user template of this address book");
    LPUNKNOWN u;
    HRESULT hr = ab_entry_open(l, MAPI_MAILUSER, 0, 1, ulCreateFlags, &u);
    if (FAILED(hr))
        return ab_distlist_fail(self, hr, "CreateEntry failed");
    struct ab_mailuser *mu = ab_mailuser_from_IMailUser((LPMAILUSER)u);
    ab_distlist_addref(self);
    mu->e.join = self;
    *lppMAPIPropEntry = (LPMAPIPROP)u;
    return S_OK;
}

static HRESULT ab_distlist_OpenEntry(struct ab_distlist *self, ULONG cbEntryID,
                                     LPENTRYID lpEntryID, LPCIID lpInterface, ULONG ulFlags,
                                     ULONG *lpulObjType, LPUNKNOWN *lppUnk)
{
    struct ab_logon *l = self->e.logon;
    ab_eid e;
    if (SUCCEEDED(ab_eid_parse(cbEntryID, lpEntryID, &e)) || cbEntryID == 0)
        return ab_logon_open(l, cbEntryID, lpEntryID, lpInterface, ulFlags, lpulObjType,
                             lppUnk, ab_distlist_lasterror(self));
    /* a snapshot member: through MAPI, which routes it to its provider */
    HRESULT hr = l->sup->lpVtbl->OpenEntry(l->sup, cbEntryID, lpEntryID, lpInterface, ulFlags,
                                           lpulObjType, lppUnk);
    return FAILED(hr) ? ab_distlist_fail(self, hr, "OpenEntry: the member cannot be opened")
                      : hr;
}

static HRESULT ab_distlist_GetContentsTable(struct ab_distlist *self, ULONG ulFlags,
                                            LPMAPITABLE *lppTable)
{
    struct ab_logon *l = self->e.logon;
    ULONG cols[AB_NCOLS];
    ab_cols(ulFlags, cols);
    pthread_mutex_lock(&self->mlock);
    size_t n = self->nmembers;
    ab_row *rows = calloc(n + 1, sizeof *rows);
    BYTE **eids = calloc(n + 1, sizeof *eids);
    ULONG *cbs = calloc(n + 1, sizeof *cbs);
    HRESULT hr = rows && eids && cbs ? S_OK : MAPI_E_NOT_ENOUGH_MEMORY;
    for (size_t i = 0; SUCCEEDED(hr) && i < n; i++) {
        ab_member *m = &self->members[i];
        rows[i].id = m->entry;
        if (!m->entry) {
            rows[i].type = MAPI_MAILUSER;
            rows[i].name = strdup(m->name ? m->name : "");
            rows[i].addrtype = m->addrtype ? strdup(m->addrtype) : NULL;
            rows[i].email = m->email ? strdup(m->email) : NULL;
            if ((eids[i] = malloc(m->cbeid ? m->cbeid : 1)) != NULL && m->cbeid)
                memcpy(eids[i], m->eid, m->cbeid);
            cbs[i] = m->cbeid;
        }
    }
    pthread_mutex_unlock(&self->mlock);
    /* members of this book: their current row (one deleted meanwhile is left out) */
    pthread_mutex_lock(&l->db->lock);
    for (size_t i = 0; SUCCEEDED(hr) && i < n; i++)
        if (rows[i].id && FAILED(ab_db_row(l->db, rows[i].id, &rows[i])))
            rows[i].id = -1;
    pthread_mutex_unlock(&l->db->lock);
    SRow *set = calloc(n + 1, sizeof *set);
    ULONG k = 0;
    if (!set)
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
    for (size_t i = 0; SUCCEEDED(hr) && i < n; i++) {
        if (rows[i].id < 0)
            continue;
        if (FAILED(hr = ab_row_props(l, &rows[i], ulFlags, &set[k].lpProps, &set[k].cValues)))
            break;
        LPSPropValue v = set[k].lpProps;
        /* the instance key is the position; a snapshot keeps its own entry ID */
        for (int b = 0; b < 8; b++)
            v[4].Value.bin.lpb[b] = (BYTE)((uint64_t)(i + 1) >> (8 * b));
        if (!rows[i].id) {
            v[3].Value.bin.cb = cbs[i];
            v[3].Value.bin.lpb = eids[i];
            v[5].Value.bin = v[3].Value.bin;
        }
        k++;
    }
    if (SUCCEEDED(hr))
        hr = ab_table_of(l, AB_NCOLS, cols, set, k, lppTable);
    for (ULONG i = 0; set && i < k; i++)
        l->freebuf(set[i].lpProps);
    free(set);
    for (size_t i = 0; rows && i < n; i++) {
        ab_row_free(&rows[i]);
        if (eids)
            free(eids[i]);
    }
    free(rows);
    free(eids);
    free(cbs);
    return FAILED(hr) ? ab_distlist_fail(self, hr, "GetContentsTable failed") : S_OK;
}
