/* entry.c: mail users, and what they share with lists: opening an entry into a property bag,
 * the computed properties, and SaveChanges (one transaction: the row, every property, a list's
 * members; duplicate checks of CreateEntry's flags; no loop of lists). Nothing an entry object
 * changes is visible to anyone before its SaveChanges. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mapirt/strconv.h>

#include "ab.h"

#include "ab_mailuser_object.h"

static void entry_fini(ab_entry *e)
{
    if (e->join)
        ab_distlist_release(e->join);
    if (e->logon)
        ab_logon_release(e->logon);
}

static void ab_mailuser_destroy(struct ab_mailuser *self)
{
    mapirt_propbag_destroy(self->bag);
    entry_fini(&self->e);
}

static int computed(ULONG tag)
{
    switch (PROP_ID(tag)) {
    case PROP_ID(PR_ENTRYID):
    case PROP_ID(PR_RECORD_KEY):
    case PROP_ID(PR_SEARCH_KEY):
    case PROP_ID(PR_OBJECT_TYPE):
    case PROP_ID(PR_DISPLAY_TYPE):
    case PROP_ID(PR_INSTANCE_KEY):
    case PROP_ID(PR_TEMPLATEID):
    case PROP_ID(PR_AB_EXPANDED_MEMBERS):
        return 1;
    default:
        return PROP_TYPE(tag) == PT_ERROR || PROP_TYPE(tag) == PT_OBJECT ||
               PROP_TYPE(tag) == PT_NULL;
    }
}

ULONG ab_strip_computed(LPSPropValue v, ULONG c)
{
    ULONG k = 0;
    for (ULONG i = 0; i < c; i++)
        if (!computed(v[i].ulPropTag))
            v[k++] = v[i];
    return k;
}

/* Puts the computed properties of a saved entry into its bag (read-only). */
static HRESULT put_computed(ab_entry *e, mapirt_propbag *bag)
{
    struct ab_logon *l = e->logon;
    SPropValue v[6];
    BYTE eid[AB_EID_SIZE];
    ULONG n = 0;
    memset(v, 0, sizeof v);
    v[n].ulPropTag = PR_OBJECT_TYPE;
    v[n++].Value.l = (LONG)e->type;
    v[n].ulPropTag = PR_DISPLAY_TYPE;
    v[n++].Value.l = e->type == MAPI_DISTLIST ? DT_PRIVATE_DISTLIST : DT_MAILUSER;
    if (e->type == MAPI_DISTLIST) {
        v[n].ulPropTag = PR_ADDRTYPE_A;
        v[n++].Value.lpszA = (LPSTR) "MAPIPDL";
    }
    void *block = NULL;
    if (e->id) {
        ab_eid_make(&l->db->uid, e->type, AB_EID_OBJECT, e->id, eid);
        v[n].ulPropTag = PR_ENTRYID;
        v[n].Value.bin.cb = AB_EID_SIZE;
        v[n++].Value.bin.lpb = eid;
        v[n].ulPropTag = PR_RECORD_KEY;
        v[n].Value.bin = v[n - 1].Value.bin;
        n++;
        ULONG c = 0;
        LPSPropValue cur = NULL;
        SizedSPropTagArray(2, tags) = {2, {PR_ADDRTYPE_A, PR_EMAIL_ADDRESS_A}};
        if (e->type == MAPI_MAILUSER &&
            SUCCEEDED(mapirt_propbag_GetProps(bag, (LPSPropTagArray)&tags, 0, &c, &cur)) &&
            cur[0].ulPropTag == PR_ADDRTYPE_A && cur[1].ulPropTag == PR_EMAIL_ADDRESS_A &&
            l->alloc(1, &block) == S_OK &&
            ab_search_key(cur[0].Value.lpszA, cur[1].Value.lpszA, l->more, block,
                          &v[n].Value.bin) == S_OK)
            v[n++].ulPropTag = PR_SEARCH_KEY;
        else {
            v[n].ulPropTag = PR_SEARCH_KEY;
            v[n].Value.bin = v[n - 2].Value.bin;
            n++;
        }
        if (cur)
            l->freebuf(cur);
    }
    HRESULT hr = mapirt_propbag_put(bag, n, v, IPROP_READONLY);
    if (block)
        l->freebuf(block);
    return hr;
}

HRESULT ab_entry_open(struct ab_logon *l, ULONG type, sqlite3_int64 id, int writable,
                      ULONG create_flags, LPUNKNOWN *out)
{
    mapirt_propbag *bag = NULL;
    ab_entry *e;
    LPUNKNOWN u;
    struct ab_mailuser *mu = NULL;
    struct ab_distlist *dl = NULL;
    HRESULT hr;
    if (type == MAPI_MAILUSER) {
        if (!(mu = ab_mailuser_new()))
            return MAPI_E_NOT_ENOUGH_MEMORY;
        e = &mu->e;
        u = (LPUNKNOWN)ab_mailuser_as_IMailUser(mu);
        hr = mapirt_propbag_create(l->alloc, l->more, l->freebuf, "abook mail user", &mu->bag);
        if (SUCCEEDED(hr)) {
            bag = mu->bag;
            mapirt_propbag_attach(bag, ab_mailuser_as_IUnknown(mu), ab_mailuser_lasterror(mu));
        }
    } else {
        if (!(dl = ab_distlist_make()))
            return MAPI_E_NOT_ENOUGH_MEMORY;
        e = &dl->e;
        u = (LPUNKNOWN)ab_distlist_as_IDistList(dl);
        hr = dl->mlock_ok ? S_OK : MAPI_E_NOT_ENOUGH_MEMORY;
        if (SUCCEEDED(hr))
            hr = mapirt_propbag_create(l->alloc, l->more, l->freebuf, "abook distribution list",
                                       &dl->bag);
        if (SUCCEEDED(hr)) {
            bag = dl->bag;
            mapirt_propbag_attach(bag, ab_distlist_as_IUnknown(dl), ab_distlist_lasterror(dl));
        }
    }
    ab_logon_addref(l);
    e->logon = l;
    e->type = type;
    e->id = id;
    e->writable = writable;
    e->create_flags = create_flags;
    if (SUCCEEDED(hr) && id) {
        ULONG c = 0;
        LPSPropValue v = NULL;
        ab_row r;
        pthread_mutex_lock(&l->db->lock);
        hr = ab_db_row(l->db, id, &r);
        if (SUCCEEDED(hr)) {
            e->identity = r.identity;
            ab_row_free(&r);
            hr = ab_db_props(l->db, id, l->alloc, l->more, &c, &v);
        }
        if (SUCCEEDED(hr) && dl)
            hr = ab_db_members(l->db, id, &dl->members, &dl->nmembers);
        pthread_mutex_unlock(&l->db->lock);
        if (SUCCEEDED(hr) && c)
            hr = mapirt_propbag_put(bag, c, v, IPROP_READWRITE);
        if (v)
            l->freebuf(v);
    } else if (SUCCEEDED(hr) && type == MAPI_MAILUSER) {
        /* the one-off template is an Internet address */
        SPropValue t;
        memset(&t, 0, sizeof t);
        t.ulPropTag = PR_ADDRTYPE_A;
        t.Value.lpszA = (LPSTR) "SMTP";
        hr = mapirt_propbag_put(bag, 1, &t, IPROP_READWRITE);
    }
    if (SUCCEEDED(hr))
        hr = put_computed(e, bag);
    if (SUCCEEDED(hr) && dl && id) {
        /* the members reached through nested lists, each mail user once */
        sqlite3_int64 *ids = NULL;
        size_t n = 0;
        pthread_mutex_lock(&l->db->lock);
        hr = ab_db_expand(l->db, id, &ids, &n);
        pthread_mutex_unlock(&l->db->lock);
        SBinary *bins = NULL;
        BYTE *eids = NULL;
        if (SUCCEEDED(hr) && (!(bins = calloc(n + 1, sizeof *bins)) ||
                              !(eids = malloc((n + 1) * AB_EID_SIZE))))
            hr = MAPI_E_NOT_ENOUGH_MEMORY;
        if (SUCCEEDED(hr)) {
            for (size_t i = 0; i < n; i++) {
                ab_eid_make(&l->db->uid, MAPI_MAILUSER, AB_EID_OBJECT, ids[i],
                            eids + i * AB_EID_SIZE);
                bins[i].cb = AB_EID_SIZE;
                bins[i].lpb = eids + i * AB_EID_SIZE;
            }
            SPropValue x;
            memset(&x, 0, sizeof x);
            x.ulPropTag = PR_AB_EXPANDED_MEMBERS;
            x.Value.MVbin.cValues = (ULONG)n;
            x.Value.MVbin.lpbin = bins;
            hr = mapirt_propbag_put(bag, 1, &x, IPROP_READONLY);
        }
        free(ids);
        free(bins);
        free(eids);
    }
    if (SUCCEEDED(hr) && !writable)
        hr = mapirt_propbag_HrSetObjAccess(bag, IPROP_READONLY);
    if (FAILED(hr)) {
        u->lpVtbl->Release(u);
        return hr;
    }
    *out = u;
    return S_OK;
}

/* Whether a and b are equal ignoring case (both may be NULL: not equal). */
static int same(const char *a, const char *b)
{
    return a && b && ab_match(a, b, 1);
}

/* The entry a new one duplicates under flags (0: none). */
static sqlite3_int64 duplicate(ab_db *d, ULONG type, ULONG flags, const char *name,
                               const char *email)
{
    ab_row *r = NULL;
    size_t n = 0;
    sqlite3_int64 found = 0;
    if (!(flags & (CREATE_CHECK_DUP_STRICT | CREATE_CHECK_DUP_LOOSE)) ||
        FAILED(ab_db_rows(d, &r, &n)))
        return 0;
    for (size_t i = 0; i < n && !found; i++) {
        if (r[i].type != type)
            continue;
        int nm = same(r[i].name, name);
        int em = type == MAPI_MAILUSER && same(r[i].email, email);
        /* strict: the same name and the same address; loose: either one */
        if ((flags & CREATE_CHECK_DUP_STRICT) ? nm && (type == MAPI_DISTLIST || em) : nm || em)
            found = r[i].id;
    }
    ab_rows_free(r, n);
    return found;
}

HRESULT ab_entry_save(ab_entry *e, mapirt_propbag *bag, mapirt_lasterror *err)
{
    struct ab_logon *l = e->logon;
    char msg[512] = "";
    ULONG c = 0;
    LPSPropValue v = NULL;
    if (!e->writable)
        return mapirt_lasterror_set(err, MAPI_E_NO_ACCESS,
                                    "SaveChanges: the entry was opened read-only");
    HRESULT hr = mapirt_propbag_GetProps(bag, NULL, MAPI_UNICODE, &c, &v);
    if (FAILED(hr))
        return mapirt_lasterror_set(err, hr, "SaveChanges: cannot read the entry's properties");
    c = ab_strip_computed(v, c);
    char *name = ab_prop_str(ab_find(v, c, PR_DISPLAY_NAME_W));
    char *email = ab_prop_str(ab_find(v, c, PR_EMAIL_ADDRESS_W));
    char *atype = ab_prop_str(ab_find(v, c, PR_ADDRTYPE_W));
    struct ab_distlist *dl = NULL;
    ab_member *mem = NULL;
    size_t nmem = 0;
    if (e->type == MAPI_MAILUSER && (!email || !*email || !atype || !*atype)) {
        hr = mapirt_lasterror_set(err, MAPI_E_INVALID_PARAMETER,
                                  "SaveChanges: a mail user needs PR_EMAIL_ADDRESS and "
                                  "PR_ADDRTYPE");
        goto out;
    }
    if (!name || !*name) {
        if (e->type == MAPI_DISTLIST) {
            hr = mapirt_lasterror_set(err, MAPI_E_INVALID_PARAMETER,
                                      "SaveChanges: a distribution list needs PR_DISPLAY_NAME");
            goto out;
        }
        /* a mail user without a name is shown by its address */
        SPropValue dn;
        memset(&dn, 0, sizeof dn);
        dn.ulPropTag = PR_DISPLAY_NAME_A;
        dn.Value.lpszA = email;
        if (FAILED(hr = mapirt_propbag_put(bag, 1, &dn, IPROP_READWRITE)))
            goto out;
        l->freebuf(v);
        v = NULL;
        if (FAILED(hr = mapirt_propbag_GetProps(bag, NULL, MAPI_UNICODE, &c, &v)))
            goto out;
        c = ab_strip_computed(v, c);
        free(name);
        name = strdup(email);
    }
    if (e->type == MAPI_DISTLIST) {
        /* the members as they are now (a copy: the list may change while we write) */
        dl = (struct ab_distlist *)((char *)e - offsetof(struct ab_distlist, e));
        pthread_mutex_lock(&dl->mlock);
        mem = calloc(dl->nmembers + 1, sizeof *mem);
        if (mem)
            for (size_t i = 0; i < dl->nmembers; i++) {
                mem[i] = dl->members[i];
                mem[i].name = mem[i].addrtype = mem[i].email = NULL;
                mem[i].eid = NULL;
                if (dl->members[i].name)
                    mem[i].name = strdup(dl->members[i].name);
                if (dl->members[i].addrtype)
                    mem[i].addrtype = strdup(dl->members[i].addrtype);
                if (dl->members[i].email)
                    mem[i].email = strdup(dl->members[i].email);
                if (dl->members[i].eid && (mem[i].eid = malloc(dl->members[i].cbeid)))
                    memcpy(mem[i].eid, dl->members[i].eid, dl->members[i].cbeid);
                nmem++;
            }
        pthread_mutex_unlock(&dl->mlock);
        if (!mem) {
            hr = MAPI_E_NOT_ENOUGH_MEMORY;
            goto out;
        }
    }
    int created = e->id == 0;
    sqlite3_int64 id = e->id;
    pthread_mutex_lock(&l->db->lock);
    int rc = ab_db_begin(l->db);
    if (rc != SQLITE_OK) {
        hr = ab_db_hr(rc);
        snprintf(msg, sizeof msg, "%s: %s", l->db->path, sqlite3_errmsg(l->db->db));
    }
    if (SUCCEEDED(hr) && created) {
        sqlite3_int64 dup = duplicate(l->db, e->type, e->create_flags, name, email);
        if (dup && !(e->create_flags & CREATE_REPLACE)) {
            hr = MAPI_E_COLLISION;
            snprintf(msg, sizeof msg, "SaveChanges: '%s' is already in the address book", name);
        } else if (dup) {
            ab_row r;
            id = dup; /* CREATE_REPLACE: the new entry takes the old one's place */
            if (SUCCEEDED(ab_db_row(l->db, dup, &r))) {
                e->identity = r.identity;
                ab_row_free(&r);
            }
        }
    }
    /* no list may contain itself, directly or through others (checked against what is
     * committed, inside this transaction) */
    for (size_t i = 0; SUCCEEDED(hr) && dl && id && i < nmem; i++)
        if (mem[i].entry && (mem[i].entry == id || ab_db_reaches(l->db, mem[i].entry, id))) {
            hr = MAPI_E_INVALID_PARAMETER;
            snprintf(msg, sizeof msg, "SaveChanges: a member list contains '%s': the list "
                                      "would contain itself", name);
        }
    if (SUCCEEDED(hr))
        hr = ab_db_put(l->db, &id, e->type, e->identity, c, v, msg, sizeof msg);
    if (SUCCEEDED(hr) && dl && FAILED(hr = ab_db_put_members(l->db, id, mem, nmem)))
        snprintf(msg, sizeof msg, "%s: cannot write the members: %s", l->db->path,
                 sqlite3_errmsg(l->db->db));
    if (SUCCEEDED(hr) && (rc = ab_db_commit(l->db)) != SQLITE_OK) {
        hr = ab_db_hr(rc);
        snprintf(msg, sizeof msg, "%s: %s", l->db->path, sqlite3_errmsg(l->db->db));
    }
    if (FAILED(hr))
        ab_db_rollback(l->db);
    pthread_mutex_unlock(&l->db->lock);
    if (FAILED(hr)) {
        mapirt_lasterror_setf(err, hr, 0, 0, "%s", msg[0] ? msg : "SaveChanges failed");
        goto out;
    }
    e->id = id;
    put_computed(e, bag);
    ab_logon_row_changed(l, id, 1);
    ab_logon_notify(l, created ? fnevObjectCreated : fnevObjectModified, e->type, id);
    if (e->identity)
        ab_logon_status_row(l);
    if (created && e->join) {
        ab_member m;
        memset(&m, 0, sizeof m);
        m.entry = id;
        ab_distlist_add(e->join, &m);
    }
out:
    ab_members_free(mem, nmem);
    free(name);
    free(email);
    free(atype);
    if (v)
        l->freebuf(v);
    return hr;
}

HRESULT ab_mailuser_SaveChanges(struct ab_mailuser *self, ULONG ulFlags)
{
    HRESULT hr = ab_entry_save(&self->e, self->bag, ab_mailuser_lasterror(self));
    if (SUCCEEDED(hr) && (ulFlags & KEEP_OPEN_READONLY)) {
        self->e.writable = 0;
        mapirt_propbag_HrSetObjAccess(self->bag, IPROP_READONLY);
    }
    return hr;
}

/* ---- properties of any source entry (CopyEntries) ---- */

HRESULT ab_source_props(struct ab_logon *l, ULONG cb, LPENTRYID eid, ULONG *c,
                        LPSPropValue *props, ULONG *type, sqlite3_int64 *ours)
{
    ab_eid e;
    *c = 0;
    *props = NULL;
    *ours = 0;
    if (SUCCEEDED(ab_eid_parse(cb, eid, &e)) && memcmp(e.uid.ab, l->db->uid.ab, 16) == 0) {
        ab_row r;
        if (e.kind != AB_EID_OBJECT || e.type == MAPI_ABCONT)
            return MAPI_E_INVALID_ENTRYID;
        pthread_mutex_lock(&l->db->lock);
        HRESULT hr = ab_db_row(l->db, e.id, &r);
        if (SUCCEEDED(hr)) {
            *type = r.type;
            ab_row_free(&r);
            hr = ab_db_props(l->db, e.id, l->alloc, l->more, c, props);
        }
        pthread_mutex_unlock(&l->db->lock);
        if (SUCCEEDED(hr))
            *ours = e.id;
        return hr;
    }
    if (ab_is_oneoff(cb, eid)) {
        char *s[3];
        if (FAILED(ab_oneoff_parse(cb, eid, &s[0], &s[1], &s[2])))
            return MAPI_E_INVALID_ENTRYID;
        LPSPropValue v;
        HRESULT hr = MAPI_E_NOT_ENOUGH_MEMORY;
        static const ULONG tags[3] = {PR_DISPLAY_NAME_A, PR_ADDRTYPE_A, PR_EMAIL_ADDRESS_A};
        if (l->alloc(3 * sizeof *v, (void **)&v) == S_OK) {
            memset(v, 0, 3 * sizeof *v);
            hr = S_OK;
            for (int i = 0; i < 3 && hr == S_OK; i++) {
                v[i].ulPropTag = tags[i];
                hr = l->more((ULONG)strlen(s[i]) + 1, v, (void **)&v[i].Value.lpszA);
                if (hr == S_OK)
                    strcpy(v[i].Value.lpszA, s[i]);
            }
            if (hr == S_OK) {
                *props = v;
                *c = 3;
                *type = MAPI_MAILUSER;
            } else
                l->freebuf(v);
        }
        for (int i = 0; i < 3; i++)
            free(s[i]);
        return hr;
    }
    /* another provider's entry: through MAPI */
    ULONG t = 0;
    LPUNKNOWN u = NULL;
    HRESULT hr = l->sup->lpVtbl->OpenEntry(l->sup, cb, eid, NULL, 0, &t, &u);
    if (FAILED(hr))
        return hr;
    if (t != MAPI_MAILUSER) {
        u->lpVtbl->Release(u);
        return MAPI_E_NO_SUPPORT; /* another provider's list cannot be copied here */
    }
    LPMAPIPROP p = (LPMAPIPROP)u;
    LPSPropValue v = NULL;
    hr = p->lpVtbl->GetProps(p, NULL, MAPI_UNICODE, c, &v);
    p->lpVtbl->Release(p);
    if (FAILED(hr))
        return hr;
    *props = v;
    *type = MAPI_MAILUSER;
    return S_OK;
}
