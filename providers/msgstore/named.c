/* named.c: named properties, one mapping per store (the `named_props` table): property IDs
 * from 0x8000 up, given out in order by GetIDsFromNames(MAPI_CREATE) and never reused. Names
 * of PS_MAPI are the tagged properties themselves (their ID is the name's lID), as MAPI
 * defines. String names compare exactly (case-sensitive), stored as UTF-8. */
#include <stdlib.h>
#include <string.h>

#include <mapirt/strconv.h>

#include "ms.h"

#define NAMED_FIRST 0x8000
#define NAMED_LAST 0xFFFE

static int is_ps_mapi(const GUID *g)
{
    return memcmp(g, &PS_MAPI, sizeof(GUID)) == 0;
}

/* The ID of a name (0 if none), creating it when asked; under d->lock. */
static int lookup(ms_db *d, const MAPINAMEID *n, const char *name, int create, ULONG *id)
{
    sqlite3_stmt *st = ms_db_stmt(d, n->ulKind == MNID_ID
                                         ? "SELECT id FROM named_props WHERE guid = ? AND kind = 0"
                                           " AND lid = ?"
                                         : "SELECT id FROM named_props WHERE guid = ? AND kind = 1"
                                           " AND name = ?");
    if (st == NULL)
        return sqlite3_errcode(d->db);
    sqlite3_bind_blob(st, 1, n->lpguid, sizeof(GUID), SQLITE_STATIC);
    if (n->ulKind == MNID_ID)
        sqlite3_bind_int64(st, 2, n->Kind.lID);
    else
        sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    *id = rc == SQLITE_ROW ? (ULONG)sqlite3_column_int(st, 0) : 0;
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return rc;
    if (*id || !create)
        return SQLITE_OK;
    st = ms_db_stmt(d, "INSERT INTO named_props(id, guid, kind, lid, name)"
                       " SELECT coalesce(max(id) + 1, ?), ?, ?, ?, ? FROM named_props");
    if (st == NULL)
        return sqlite3_errcode(d->db);
    sqlite3_bind_int(st, 1, NAMED_FIRST);
    sqlite3_bind_blob(st, 2, n->lpguid, sizeof(GUID), SQLITE_STATIC);
    sqlite3_bind_int(st, 3, n->ulKind == MNID_ID ? 0 : 1);
    if (n->ulKind == MNID_ID)
        sqlite3_bind_int64(st, 4, n->Kind.lID);
    else
        sqlite3_bind_text(st, 5, name, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return rc;
    sqlite3_int64 got = sqlite3_last_insert_rowid(d->db);
    if (got > NAMED_LAST)
        return SQLITE_FULL; /* the caller rolls back: the ID space is used up */
    *id = (ULONG)got;
    return SQLITE_OK;
}

HRESULT ms_named_GetIDsFromNames(struct ms_store *s, ULONG c, LPMAPINAMEID *names, ULONG flags,
                                 LPSPropTagArray *out)
{
    ms_db *d = s->db;
    LPSPropTagArray t = NULL;
    HRESULT hr;
    int errors = 0, rc = SQLITE_OK, create = (flags & MAPI_CREATE) != 0;
    if (FAILED(hr = ms_store_check(s)))
        return hr;
    if (names == NULL || c == 0) {
        /* Every ID the store has given out. */
        if (create)
            return ms_store_fail(s, MAPI_E_INVALID_PARAMETER,
                                 "GetIDsFromNames: MAPI_CREATE needs names");
        pthread_mutex_lock(&d->lock);
        sqlite3_stmt *st = ms_db_stmt(d, "SELECT count(*) FROM named_props");
        ULONG n = 0;
        if (st && sqlite3_step(st) == SQLITE_ROW)
            n = (ULONG)sqlite3_column_int(st, 0);
        if (st)
            sqlite3_reset(st);
        st = ms_db_stmt(d, "SELECT id FROM named_props ORDER BY id");
        if (st == NULL || s->alloc(CbNewSPropTagArray(n), (void **)&t) != S_OK) {
            pthread_mutex_unlock(&d->lock);
            return MAPI_E_NOT_ENOUGH_MEMORY;
        }
        t->cValues = 0;
        while (t->cValues < n && sqlite3_step(st) == SQLITE_ROW)
            t->aulPropTag[t->cValues++] = PROP_TAG(PT_UNSPECIFIED, sqlite3_column_int(st, 0));
        sqlite3_reset(st);
        pthread_mutex_unlock(&d->lock);
        *out = t;
        return S_OK;
    }
    if (s->alloc(CbNewSPropTagArray(c), (void **)&t) != S_OK)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    t->cValues = c;
    pthread_mutex_lock(&d->lock);
    if (create)
        rc = ms_db_begin(d);
    for (ULONG i = 0; rc == SQLITE_OK && i < c; i++) {
        const MAPINAMEID *n = names[i];
        ULONG id = 0;
        t->aulPropTag[i] = PROP_TAG(PT_ERROR, 0);
        if (n == NULL || n->lpguid == NULL || (n->ulKind != MNID_ID && n->ulKind != MNID_STRING) ||
            (n->ulKind == MNID_STRING && n->Kind.lpwstrName == NULL)) {
            errors = 1;
            continue;
        }
        if (is_ps_mapi(n->lpguid)) {
            /* PS_MAPI names the tagged properties: no mapping. */
            if (n->ulKind == MNID_ID && n->Kind.lID > 0 && n->Kind.lID < NAMED_FIRST)
                t->aulPropTag[i] = PROP_TAG(PT_UNSPECIFIED, (ULONG)n->Kind.lID);
            else
                errors = 1;
            continue;
        }
        char *name = NULL;
        if (n->ulKind == MNID_STRING &&
            mapirt_str_w_to_a(n->Kind.lpwstrName, NULL, &name) != S_OK) {
            rc = SQLITE_NOMEM;
            break;
        }
        rc = lookup(d, n, name, create, &id);
        MAPIFreeBuffer(name);
        if (id)
            t->aulPropTag[i] = PROP_TAG(PT_UNSPECIFIED, id);
        else
            errors = 1;
    }
    if (create) {
        rc = ms_db_end(d, rc);
    }
    pthread_mutex_unlock(&d->lock);
    if (rc != SQLITE_OK) {
        s->freebuf(t);
        if (rc == SQLITE_FULL)
            return ms_store_fail(s, MAPI_E_NOT_ENOUGH_RESOURCES,
                                 "GetIDsFromNames: the store's named property IDs are used up"
                                 " (or the disk is full); nothing was created");
        return ms_store_fail(s, ms_db_hr(rc), "GetIDsFromNames: reading the mapping failed");
    }
    *out = t;
    return errors ? MAPI_W_ERRORS_RETURNED : S_OK;
}

/* A MAPINAMEID for the array names, allocated on it. */
static HRESULT put_name(struct ms_store *s, void *parent, const BYTE *guid, int kind, LONG lid,
                        const char *name, LPMAPINAMEID *out)
{
    LPMAPINAMEID n;
    if (s->more(sizeof *n, parent, (void **)&n) != S_OK ||
        s->more(sizeof(GUID), parent, (void **)&n->lpguid) != S_OK)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    memcpy(n->lpguid, guid, sizeof(GUID));
    n->ulKind = kind ? MNID_STRING : MNID_ID;
    if (kind) {
        WCHAR *w;
        if (s->more((ULONG)(strlen(name) + 1) * sizeof(WCHAR), parent, (void **)&w) != S_OK)
            return MAPI_E_NOT_ENOUGH_MEMORY;
        mapirt_str_a_to_w_into(name, w);
        n->Kind.lpwstrName = w;
    } else {
        n->Kind.lID = lid;
    }
    *out = n;
    return S_OK;
}

HRESULT ms_named_GetNamesFromIDs(struct ms_store *s, LPSPropTagArray *tags, LPGUID guid,
                                 ULONG flags, ULONG *count, LPMAPINAMEID **out)
{
    ms_db *d = s->db;
    HRESULT hr;
    int errors = 0, all = *tags == NULL;
    LPSPropTagArray t = *tags;
    LPMAPINAMEID *names = NULL;
    if (FAILED(hr = ms_store_check(s)))
        return hr;
    pthread_mutex_lock(&d->lock);
    if (all) {
        /* Every name, of one property set when guid is given. */
        ULONG n = 0;
        sqlite3_stmt *st = ms_db_stmt(d, "SELECT count(*) FROM named_props");
        if (st && sqlite3_step(st) == SQLITE_ROW)
            n = (ULONG)sqlite3_column_int(st, 0);
        if (st)
            sqlite3_reset(st);
        if (s->alloc(CbNewSPropTagArray(n), (void **)&t) != S_OK) {
            pthread_mutex_unlock(&d->lock);
            return MAPI_E_NOT_ENOUGH_MEMORY;
        }
        t->cValues = 0;
        st = ms_db_stmt(d, "SELECT id, guid, kind FROM named_props ORDER BY id");
        while (st && t->cValues < n && sqlite3_step(st) == SQLITE_ROW) {
            int kind = sqlite3_column_int(st, 2);
            if (guid && memcmp(sqlite3_column_blob(st, 1), guid, sizeof(GUID)) != 0)
                continue;
            if ((kind && (flags & MAPI_NO_STRINGS)) || (!kind && (flags & MAPI_NO_IDS)))
                continue;
            t->aulPropTag[t->cValues++] = PROP_TAG(PT_UNSPECIFIED, sqlite3_column_int(st, 0));
        }
        if (st)
            sqlite3_reset(st);
    }
    if (s->alloc((t->cValues ? t->cValues : 1) * sizeof *names, (void **)&names) != S_OK) {
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
        goto fail;
    }
    for (ULONG i = 0; i < t->cValues; i++) {
        ULONG id = PROP_ID(t->aulPropTag[i]);
        names[i] = NULL;
        if (id < NAMED_FIRST) {
            if (id == 0 || (guid && !is_ps_mapi(guid)) || (flags & MAPI_NO_IDS)) {
                errors = 1;
                continue;
            }
            if (FAILED(hr = put_name(s, names, (const BYTE *)&PS_MAPI, 0, (LONG)id, NULL,
                                     &names[i])))
                goto fail;
            continue;
        }
        sqlite3_stmt *st = ms_db_stmt(d, "SELECT guid, kind, lid, name FROM named_props"
                                         " WHERE id = ?");
        if (st == NULL) {
            hr = ms_db_hr(sqlite3_errcode(d->db));
            goto fail;
        }
        sqlite3_bind_int(st, 1, (int)id);
        if (sqlite3_step(st) == SQLITE_ROW) {
            int kind = sqlite3_column_int(st, 1);
            const BYTE *g = sqlite3_column_blob(st, 0);
            if ((guid && memcmp(g, guid, sizeof(GUID)) != 0) ||
                (kind && (flags & MAPI_NO_STRINGS)) || (!kind && (flags & MAPI_NO_IDS))) {
                errors = 1;
            } else {
                hr = put_name(s, names, g, kind, (LONG)sqlite3_column_int64(st, 2),
                              (const char *)sqlite3_column_text(st, 3), &names[i]);
            }
        } else {
            errors = 1;
        }
        sqlite3_reset(st);
        if (FAILED(hr))
            goto fail;
    }
    pthread_mutex_unlock(&d->lock);
    *count = t->cValues;
    *out = names;
    if (all)
        *tags = t;
    return errors ? MAPI_W_ERRORS_RETURNED : S_OK;
fail:
    pthread_mutex_unlock(&d->lock);
    if (names)
        s->freebuf(names);
    if (all && t)
        s->freebuf(t);
    return ms_store_fail(s, hr, "GetNamesFromIDs failed");
}
