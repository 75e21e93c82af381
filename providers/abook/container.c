/* container.c: the two containers of a book. The root (what IABLogon::OpenEntry opens for a
 * NULL entry ID) has the PAB as its one subcontainer and no recipients; the PAB holds every
 * mail user and list. Container properties are read-only; their entries change through
 * CreateEntry (then the entry's SaveChanges), CopyEntries and DeleteEntries. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include <mapirt/strconv.h>

#include "ab.h"

#include "ab_container_object.h"

static void ab_container_destroy(struct ab_container *self)
{
    mapirt_propbag_destroy(self->bag);
    if (self->logon)
        ab_logon_release(self->logon);
}

/* The container's properties (or the hierarchy row of the PAB) into v; memory on parent. */
static ULONG container_props(struct ab_logon *l, sqlite3_int64 id, ULONG flags, void *parent,
                             SPropValue *v, int row)
{
    ULONG n = 0;
    int pab = id == AB_PAB;
    const char *name = pab ? l->name : "mapirt address books";
    v[n].ulPropTag = PR_ENTRYID;
    if (ab_logon_eid(l, MAPI_ABCONT, id, parent, &v[n].Value.bin) == S_OK) {
        n++;
        v[n].ulPropTag = PR_RECORD_KEY;
        v[n].Value.bin = v[n - 1].Value.bin;
        n++;
    }
    v[n].ulPropTag = PR_OBJECT_TYPE;
    v[n++].Value.l = MAPI_ABCONT;
    v[n].ulPropTag = PR_DISPLAY_TYPE;
    v[n++].Value.l = pab ? DT_MODIFIABLE : DT_NOT_SPECIFIC;
    v[n].ulPropTag = PR_CONTAINER_FLAGS;
    v[n++].Value.l = pab ? AB_RECIPIENTS | AB_MODIFIABLE : AB_SUBCONTAINERS | AB_UNMODIFIABLE;
    v[n].ulPropTag = PR_DEPTH;
    v[n++].Value.l = 0;
    v[n].ulPropTag = PR_AB_PROVIDER_ID;
    v[n].Value.bin.cb = 16;
    v[n++].Value.bin.lpb = (LPBYTE)ab_provider_uid.ab;
    if (flags & MAPI_UNICODE) {
        WCHAR *w = ab_a2w(name);
        size_t k = w ? mapirt_wcslen(w) + 1 : 0;
        if (w && l->more((ULONG)(k * sizeof(WCHAR)), parent, (void **)&v[n].Value.lpszW) == S_OK) {
            memcpy(v[n].Value.lpszW, w, k * sizeof(WCHAR));
            v[n++].ulPropTag = PR_DISPLAY_NAME_W;
        }
        free(w);
    } else if (l->more((ULONG)strlen(name) + 1, parent, (void **)&v[n].Value.lpszA) == S_OK) {
        strcpy(v[n].Value.lpszA, name);
        v[n++].ulPropTag = PR_DISPLAY_NAME_A;
    }
    if (row) {
        static const BYTE key[8] = {1};
        v[n].ulPropTag = PR_INSTANCE_KEY;
        v[n].Value.bin.cb = 8;
        v[n++].Value.bin.lpb = (LPBYTE)key;
    }
    return n;
}

HRESULT ab_container_open(struct ab_logon *l, sqlite3_int64 id, LPUNKNOWN *out)
{
    struct ab_container *c = ab_container_new();
    if (!c)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    ab_logon_addref(l);
    c->logon = l;
    c->id = id;
    HRESULT hr = mapirt_propbag_create(l->alloc, l->more, l->freebuf, "abook container", &c->bag);
    if (SUCCEEDED(hr)) {
        mapirt_propbag_attach(c->bag, ab_container_as_IUnknown(c), ab_container_lasterror(c));
        LPSPropValue v;
        if (l->alloc(12 * sizeof *v, (void **)&v) != S_OK)
            hr = MAPI_E_NOT_ENOUGH_MEMORY;
        else {
            memset(v, 0, 12 * sizeof *v);
            /* stored as UTF-16: the bag gives either width */
            ULONG n = container_props(l, id, MAPI_UNICODE, v, v, 0);
            hr = mapirt_propbag_put(c->bag, n, v, IPROP_READONLY);
            l->freebuf(v);
        }
    }
    if (SUCCEEDED(hr))
        hr = mapirt_propbag_HrSetObjAccess(c->bag, IPROP_READONLY);
    if (FAILED(hr)) {
        ab_container_release(c);
        return hr;
    }
    *out = (LPUNKNOWN)ab_container_as_IABContainer(c);
    return S_OK;
}

static HRESULT read_only(struct ab_container *self)
{
    return ab_container_fail(self, MAPI_E_NO_ACCESS,
                             "the container's properties are read-only");
}

static HRESULT ab_container_SetProps(struct ab_container *self, ULONG c, LPSPropValue v,
                                     LPSPropProblemArray *p)
{
    (void)c;
    (void)v;
    (void)p;
    return read_only(self);
}

static HRESULT ab_container_DeleteProps(struct ab_container *self, LPSPropTagArray t,
                                        LPSPropProblemArray *p)
{
    (void)t;
    (void)p;
    return read_only(self);
}

static HRESULT ab_container_SaveChanges(struct ab_container *self, ULONG ulFlags)
{
    (void)ulFlags;
    return read_only(self);
}

static HRESULT ab_container_OpenProperty(struct ab_container *self, ULONG ulPropTag,
                                         LPCIID lpiid, ULONG ulInterfaceOptions, ULONG ulFlags,
                                         LPUNKNOWN *lppUnk)
{
    /* PR_CREATE_TEMPLATES: the one-off table, as IABLogon::GetOneOffTable gives it */
    if (ulPropTag == PR_CREATE_TEMPLATES && self->id == AB_PAB) {
        if (!IsEqualIID(lpiid, &IID_IMAPITable))
            return ab_container_fail(self, MAPI_E_INTERFACE_NOT_SUPPORTED,
                                     "OpenProperty: PR_CREATE_TEMPLATES is an IMAPITable");
        IABLogon *lg = ab_logon_as_IABLogon(self->logon);
        return lg->lpVtbl->GetOneOffTable(lg, ulInterfaceOptions & MAPI_UNICODE,
                                          (LPMAPITABLE *)lppUnk);
    }
    return mapirt_propbag_OpenProperty(self->bag, ulPropTag, lpiid, ulInterfaceOptions, ulFlags,
                                       lppUnk);
}

static HRESULT ab_container_GetContentsTable(struct ab_container *self, ULONG ulFlags,
                                             LPMAPITABLE *lppTable)
{
    if (self->id == AB_PAB)
        return ab_logon_contents(self->logon, ulFlags, lppTable);
    ULONG cols[AB_NCOLS];
    ab_cols(ulFlags, cols);
    return ab_table_of(self->logon, AB_NCOLS, cols, NULL, 0, lppTable);
}

static HRESULT ab_container_GetHierarchyTable(struct ab_container *self, ULONG ulFlags,
                                              LPMAPITABLE *lppTable)
{
    struct ab_logon *l = self->logon;
    ULONG wide = ulFlags & MAPI_UNICODE;
    ULONG cols[9] = {PR_ENTRYID, PR_RECORD_KEY, PR_OBJECT_TYPE, PR_DISPLAY_TYPE,
                     PR_CONTAINER_FLAGS, PR_DEPTH, PR_AB_PROVIDER_ID,
                     wide ? PR_DISPLAY_NAME_W : PR_DISPLAY_NAME_A, PR_INSTANCE_KEY};
    if (self->id != AB_ROOT)
        return ab_table_of(l, 9, cols, NULL, 0, lppTable); /* the PAB has no subcontainers */
    LPSPropValue v;
    if (l->alloc(12 * sizeof *v, (void **)&v) != S_OK)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    memset(v, 0, 12 * sizeof *v);
    SRow row;
    row.ulAdrEntryPad = 0;
    row.cValues = container_props(l, AB_PAB, wide, v, v, 1);
    row.lpProps = v;
    HRESULT hr = ab_table_of(l, 9, cols, &row, 1, lppTable);
    l->freebuf(v);
    return hr;
}

static HRESULT ab_container_OpenEntry(struct ab_container *self, ULONG cbEntryID,
                                      LPENTRYID lpEntryID, LPCIID lpInterface, ULONG ulFlags,
                                      ULONG *lpulObjType, LPUNKNOWN *lppUnk)
{
    return ab_logon_open(self->logon, cbEntryID, lpEntryID, lpInterface, ulFlags, lpulObjType,
                         lppUnk, ab_container_lasterror(self));
}

static HRESULT not_pab(struct ab_container *self, const char *what)
{
    (void)what;
    return ab_container_fail(self, MAPI_E_NO_SUPPORT,
                             "the root container holds no entries: use the PAB container");
}

static HRESULT ab_container_CreateEntry(struct ab_container *self, ULONG cbEntryID,
                                        LPENTRYID lpEntryID, ULONG ulCreateFlags,
                                        LPMAPIPROP *lppMAPIPropEntry)
{
    ab_eid e;
    if (self->id != AB_PAB)
        return not_pab(self, "CreateEntry");
    if (FAILED(ab_eid_parse(cbEntryID, lpEntryID, &e)) || e.kind != AB_EID_TEMPLATE ||
        memcmp(e.uid.ab, self->logon->db->uid.ab, 16) != 0)
        return ab_container_fail(self, MAPI_E_INVALID_ENTRYID,
                                 "CreateEntry: not a template of this address book's one-off "
                                 "table");
    return ab_entry_open(self->logon, e.type, 0, 1, ulCreateFlags, (LPUNKNOWN *)lppMAPIPropEntry);
}

/* Creates one entry of the PAB from a source entry ID (CopyEntries). */
static HRESULT copy_one(struct ab_container *self, ULONG cb, LPENTRYID eid, ULONG flags)
{
    struct ab_logon *l = self->logon;
    ULONG c = 0, type = 0;
    LPSPropValue v = NULL;
    sqlite3_int64 ours = 0;
    HRESULT hr = ab_source_props(l, cb, eid, &c, &v, &type, &ours);
    if (FAILED(hr))
        return hr;
    LPUNKNOWN u = NULL;
    hr = ab_entry_open(l, type, 0, 1, flags, &u);
    if (SUCCEEDED(hr)) {
        LPMAPIPROP p = (LPMAPIPROP)u;
        c = ab_strip_computed(v, c);
        if (type == MAPI_DISTLIST && ours) {
            /* a list of this book copied: the copy has the same members */
            struct ab_distlist *dl = ab_distlist_from_IDistList((LPDISTLIST)u);
            ab_member *m = NULL;
            size_t n = 0;
            pthread_mutex_lock(&l->db->lock);
            hr = ab_db_members(l->db, ours, &m, &n);
            pthread_mutex_unlock(&l->db->lock);
            for (size_t i = 0; SUCCEEDED(hr) && i < n; i++)
                hr = ab_distlist_add(dl, &m[i]);
            ab_members_free(m, n);
        }
        if (SUCCEEDED(hr))
            hr = p->lpVtbl->SetProps(p, c, v, NULL);
        if (SUCCEEDED(hr))
            hr = p->lpVtbl->SaveChanges(p, 0);
        p->lpVtbl->Release(p);
    }
    l->freebuf(v);
    return hr;
}

static HRESULT ab_container_CopyEntries(struct ab_container *self, LPENTRYLIST lpEntries,
                                        ULONG_PTR ulUIParam, LPMAPIPROGRESS lpProgress,
                                        ULONG ulFlags)
{
    (void)ulUIParam;
    (void)lpProgress; /* no progress UI: docs/decisions.md */
    if (self->id != AB_PAB)
        return not_pab(self, "CopyEntries");
    ULONG failed = 0;
    HRESULT last = S_OK;
    for (ULONG i = 0; i < lpEntries->cValues; i++) {
        SBinary *b = &lpEntries->lpbin[i];
        HRESULT hr = copy_one(self, b->cb, (LPENTRYID)b->lpb, ulFlags);
        if (hr == MAPI_E_NOT_ENOUGH_MEMORY || hr == MAPI_E_DISK_ERROR)
            return ab_container_fail(self, hr, "CopyEntries: stopped (no memory or disk)");
        if (FAILED(hr)) {
            failed++;
            last = hr;
        }
    }
    if (failed) {
        mapirt_lasterror_setf(ab_container_lasterror(self), MAPI_W_PARTIAL_COMPLETION,
                              (ULONG)last, 0,
                              "CopyEntries: %u of %u entries not copied (last error 0x%08X)",
                              (unsigned)failed, (unsigned)lpEntries->cValues, (unsigned)last);
        return MAPI_W_PARTIAL_COMPLETION;
    }
    return S_OK;
}

static HRESULT ab_container_DeleteEntries(struct ab_container *self, LPENTRYLIST lpEntries,
                                          ULONG ulFlags)
{
    (void)ulFlags;
    struct ab_logon *l = self->logon;
    if (self->id != AB_PAB)
        return not_pab(self, "DeleteEntries");
    sqlite3_int64 *gone = calloc(lpEntries->cValues ? lpEntries->cValues : 1, sizeof *gone);
    ULONG *types = calloc(lpEntries->cValues ? lpEntries->cValues : 1, sizeof *types);
    ULONG ngone = 0, skipped = 0;
    const char *why = NULL;
    if (!gone || !types) {
        free(gone);
        free(types);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    pthread_mutex_lock(&l->db->lock);
    int rc = ab_db_begin(l->db);
    HRESULT hr = rc == SQLITE_OK ? S_OK : ab_db_hr(rc);
    for (ULONG i = 0; SUCCEEDED(hr) && i < lpEntries->cValues; i++) {
        ab_eid e;
        ab_row r;
        SBinary *b = &lpEntries->lpbin[i];
        if (FAILED(ab_eid_parse(b->cb, (LPENTRYID)b->lpb, &e)) || e.kind != AB_EID_OBJECT ||
            e.type == MAPI_ABCONT || memcmp(e.uid.ab, l->db->uid.ab, 16) != 0) {
            skipped++;
            why = "an entry ID is not one of this container's entries";
            continue;
        }
        HRESULT rh = ab_db_row(l->db, e.id, &r);
        if (rh == MAPI_E_NOT_FOUND) {
            skipped++;
            why = "an entry was already deleted";
            continue;
        }
        if (FAILED(rh)) {
            hr = rh;
            break;
        }
        int identity = r.identity;
        types[ngone] = r.type;
        ab_row_free(&r);
        if (identity) {
            skipped++;
            why = "the user's own entry (the profile's identity) is changed with "
                  "ConfigureMsgService, not deleted";
            continue;
        }
        if (FAILED(hr = ab_db_delete(l->db, e.id)))
            break;
        gone[ngone++] = e.id;
    }
    if (SUCCEEDED(hr) && (rc = ab_db_commit(l->db)) != SQLITE_OK)
        hr = ab_db_hr(rc);
    if (FAILED(hr)) {
        ab_db_rollback(l->db);
        ngone = 0;
    }
    pthread_mutex_unlock(&l->db->lock);
    for (ULONG i = 0; i < ngone; i++) {
        ab_logon_row_changed(l, gone[i], 0);
        ab_logon_notify(l, fnevObjectDeleted, types[i], gone[i]);
    }
    free(gone);
    free(types);
    if (FAILED(hr))
        return ab_container_fail(self, hr, "DeleteEntries: the address book cannot be written");
    if (skipped) {
        mapirt_lasterror_setf(ab_container_lasterror(self), MAPI_W_PARTIAL_COMPLETION, 0, 0,
                              "DeleteEntries: %u entries not deleted: %s", (unsigned)skipped,
                              why);
        return MAPI_W_PARTIAL_COMPLETION;
    }
    return S_OK;
}
