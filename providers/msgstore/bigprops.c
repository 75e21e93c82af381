/* bigprops.c: the big properties of an open message or attachment (ms.h), kept out of its
 * property bag, and the IMAPIProp methods that see the bag and the list as one set. */
#include <stdlib.h>
#include <string.h>

#include "ms.h"

HRESULT ms_bigs_load(ms_db *d, sqlite3_int64 obj, ms_bigs *b)
{
    sqlite3_stmt *st = ms_db_stmt(d, "SELECT id, type, big FROM props "
                                     "WHERE obj = ? AND big IS NOT NULL");
    HRESULT hr = S_OK;
    if (st == NULL)
        return ms_db_hr(sqlite3_errcode(d->db));
    sqlite3_bind_int64(st, 1, obj);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        ms_big *n = realloc(b->v, (b->n + 1) * sizeof *n);
        if (n == NULL) {
            hr = MAPI_E_NOT_ENOUGH_MEMORY;
            break;
        }
        b->v = n;
        ms_big *e = &b->v[b->n++];
        e->tag = PROP_TAG((ULONG)sqlite3_column_int(st, 1), (ULONG)sqlite3_column_int(st, 0));
        e->size = sqlite3_column_int64(st, 2);
        e->stage = 0;
        e->src = obj;
        e->dirty = 0;
    }
    if (SUCCEEDED(hr) && rc != SQLITE_DONE)
        hr = ms_db_hr(rc);
    sqlite3_reset(st);
    return hr;
}

void ms_bigs_clear(ms_db *d, ms_bigs *b)
{
    pthread_mutex_lock(&d->lock);
    for (size_t i = 0; i < b->n; i++)
        if (b->v[i].stage)
            ms_stage_unref(d, b->v[i].stage);
    pthread_mutex_unlock(&d->lock);
    free(b->v);
    b->v = NULL;
    b->n = 0;
}

HRESULT ms_bigs_dup(ms_db *d, const ms_bigs *from, ms_bigs *to)
{
    to->n = 0;
    to->v = NULL;
    if (from->n == 0)
        return S_OK;
    if ((to->v = malloc(from->n * sizeof *to->v)) == NULL)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    memcpy(to->v, from->v, from->n * sizeof *to->v);
    to->n = from->n;
    for (size_t i = 0; i < to->n; i++)
        if (to->v[i].stage)
            ms_stage_ref_(d, to->v[i].stage);
    return S_OK;
}

static ms_big *find_any(ms_bigs *b, ULONG propid)
{
    for (size_t i = 0; i < b->n; i++)
        if (PROP_ID(b->v[i].tag) == propid)
            return &b->v[i];
    return NULL;
}

ms_big *ms_bigs_find(ms_bigs *b, ULONG propid)
{
    ms_big *e = find_any(b, propid);
    return e && e->size >= 0 ? e : NULL;
}

HRESULT ms_bigs_set(ms_db *d, ms_bigs *b, ULONG tag, sqlite3_int64 stage, sqlite3_int64 size)
{
    ms_big *e = find_any(b, PROP_ID(tag));
    if (e == NULL) {
        if (size < 0)
            return S_OK;
        ms_big *n = realloc(b->v, (b->n + 1) * sizeof *n);
        if (n == NULL)
            return MAPI_E_NOT_ENOUGH_MEMORY;
        b->v = n;
        e = &b->v[b->n++];
        memset(e, 0, sizeof *e);
    }
    pthread_mutex_lock(&d->lock);
    if (stage)
        ms_stage_ref_(d, stage);
    if (e->stage)
        ms_stage_unref(d, e->stage);
    pthread_mutex_unlock(&d->lock);
    e->tag = tag;
    e->stage = size < 0 ? 0 : stage;
    e->size = size;
    e->src = 0;
    e->dirty = 1;
    return S_OK;
}

static int exec_obj_prop(ms_db *d, const char *sql, sqlite3_int64 obj, ULONG propid)
{
    sqlite3_stmt *st = ms_db_stmt(d, sql);
    if (st == NULL)
        return sqlite3_errcode(d->db);
    sqlite3_bind_int64(st, 1, obj);
    sqlite3_bind_int(st, 2, (int)propid);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int ms_bigs_save(ms_db *d, sqlite3_int64 obj, ms_bigs *b, int full)
{
    int rc = SQLITE_OK;
    for (size_t i = 0; rc == SQLITE_OK && i < b->n; i++) {
        ms_big *e = &b->v[i];
        ULONG id = PROP_ID(e->tag);
        if (!e->dirty && !full)
            continue;
        if (e->size < 0 || e->stage || e->src != obj) {
            rc = exec_obj_prop(d, "DELETE FROM props WHERE obj = ? AND id = ?", obj, id);
            if (rc == SQLITE_OK)
                rc = exec_obj_prop(d, "DELETE FROM streams WHERE obj = ? AND id = ?", obj, id);
        }
        if (rc != SQLITE_OK || e->size < 0)
            continue;
        if (e->stage) {
            rc = ms_stage_to_db(d, e->stage, obj, id);
        } else if (e->src != obj) {
            sqlite3_stmt *st = ms_db_stmt(d, "INSERT INTO streams(obj, id, seq, data) "
                                             "SELECT ?1, id, seq, data FROM streams "
                                             "WHERE obj = ?2 AND id = ?3");
            if (st == NULL)
                return sqlite3_errcode(d->db);
            sqlite3_bind_int64(st, 1, obj);
            sqlite3_bind_int64(st, 2, e->src);
            sqlite3_bind_int(st, 3, (int)id);
            rc = sqlite3_step(st);
            sqlite3_reset(st);
            rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
        }
        if (rc != SQLITE_OK)
            break;
        sqlite3_stmt *st = ms_db_stmt(d, "INSERT OR REPLACE INTO props(obj, id, type, val, big)"
                                         " VALUES(?, ?, ?, NULL, ?)");
        if (st == NULL)
            return sqlite3_errcode(d->db);
        sqlite3_bind_int64(st, 1, obj);
        sqlite3_bind_int(st, 2, (int)id);
        sqlite3_bind_int(st, 3, (int)PROP_TYPE(e->tag));
        sqlite3_bind_int64(st, 4, e->size);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    return rc;
}

void ms_bigs_saved(ms_db *d, sqlite3_int64 obj, ms_bigs *b)
{
    size_t k = 0;
    for (size_t i = 0; i < b->n; i++) {
        ms_big e = b->v[i];
        if (e.size < 0)
            continue;
        if (e.stage)
            ms_stage_unref(d, e.stage);
        e.stage = 0;
        e.src = obj;
        e.dirty = 0;
        b->v[k++] = e;
    }
    b->n = k;
}

/* ---- IMAPIProp over both ------------------------------------------------------------------- */

static ULONG width(ULONG tag, ULONG flags)
{
    ULONG t = PROP_TYPE(tag);
    if (t == PT_STRING8 || t == PT_UNICODE)
        return CHANGE_PROP_TYPE(tag, (flags & MAPI_UNICODE) ? PT_UNICODE : PT_STRING8);
    return tag;
}

static size_t live(ms_bigs *b)
{
    size_t n = 0;
    for (size_t i = 0; i < b->n; i++)
        n += b->v[i].size >= 0;
    return n;
}

HRESULT ms_item_GetPropList(struct ms_store *s, mapirt_propbag *bag, ms_bigs *b, ULONG flags,
                            LPSPropTagArray *out)
{
    LPSPropTagArray l = NULL, n;
    HRESULT hr = mapirt_propbag_GetPropList(bag, flags, &l);
    size_t extra = live(b);
    if (FAILED(hr) || extra == 0) {
        *out = l;
        return hr;
    }
    if (s->alloc(CbNewSPropTagArray(l->cValues + extra), (void **)&n) != S_OK) {
        s->freebuf(l);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    memcpy(n->aulPropTag, l->aulPropTag, l->cValues * sizeof(ULONG));
    n->cValues = l->cValues;
    for (size_t i = 0; i < b->n; i++)
        if (b->v[i].size >= 0)
            n->aulPropTag[n->cValues++] = width(b->v[i].tag, flags);
    s->freebuf(l);
    *out = n;
    return S_OK;
}

HRESULT ms_item_GetProps(struct ms_store *s, mapirt_propbag *bag, ms_bigs *b,
                         LPSPropTagArray tags, ULONG flags, ULONG *count, LPSPropValue *out)
{
    LPSPropTagArray all = NULL;
    HRESULT hr;
    if (live(b) == 0)
        return mapirt_propbag_GetProps(bag, tags, flags, count, out);
    if (tags == NULL) {
        if (FAILED(hr = ms_item_GetPropList(s, bag, b, flags, &all)))
            return hr;
        tags = all;
    }
    hr = mapirt_propbag_GetProps(bag, tags, flags, count, out);
    if (SUCCEEDED(hr)) {
        for (ULONG i = 0; i < *count; i++) {
            SPropValue *v = &(*out)[i];
            ms_big *e = ms_bigs_find(b, PROP_ID(tags->aulPropTag[i]));
            ULONG want = PROP_TYPE(tags->aulPropTag[i]), have = e ? PROP_TYPE(e->tag) : 0;
            int strings = (want == PT_STRING8 || want == PT_UNICODE) &&
                          (have == PT_STRING8 || have == PT_UNICODE);
            /* Too big for GetProps: OpenProperty reads it (docs/decisions.md). */
            if (e && PROP_TYPE(v->ulPropTag) == PT_ERROR &&
                (want == have || want == PT_UNSPECIFIED || strings)) {
                v->Value.err = MAPI_E_NOT_ENOUGH_MEMORY;
                hr = MAPI_W_ERRORS_RETURNED;
            }
        }
    }
    if (all)
        s->freebuf(all);
    return hr;
}

HRESULT ms_item_SetProps(struct ms_store *s, mapirt_propbag *bag, ms_bigs *b, ULONG c,
                         LPSPropValue v, LPSPropProblemArray *problems)
{
    LPSPropProblemArray pr = NULL;
    HRESULT hr = mapirt_propbag_SetProps(bag, c, v, &pr);
    if (SUCCEEDED(hr)) {
        /* A value set replaces the big value of the same property. */
        for (ULONG i = 0; i < c; i++) {
            int failed = 0;
            for (ULONG k = 0; pr && k < pr->cProblem; k++)
                failed |= pr->aProblem[k].ulIndex == i;
            if (!failed && ms_bigs_find(b, PROP_ID(v[i].ulPropTag)))
                ms_bigs_set(s->db, b, v[i].ulPropTag, 0, -1);
        }
    }
    if (problems)
        *problems = pr;
    else if (pr)
        s->freebuf(pr);
    return hr;
}

HRESULT ms_item_DeleteProps(struct ms_store *s, mapirt_propbag *bag, ms_bigs *b,
                            LPSPropTagArray tags, LPSPropProblemArray *problems)
{
    if (live(b) == 0)
        return mapirt_propbag_DeleteProps(bag, tags, problems);
    if (!mapirt_propbag_writable(bag))
        return MAPI_E_NO_ACCESS;
    LPSPropTagArray rest;
    ULONG *map;
    HRESULT hr;
    if (s->alloc(CbNewSPropTagArray(tags->cValues), (void **)&rest) != S_OK)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    if ((map = malloc((tags->cValues + 1) * sizeof *map)) == NULL) {
        s->freebuf(rest);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    rest->cValues = 0;
    for (ULONG i = 0; i < tags->cValues; i++) {
        if (ms_bigs_find(b, PROP_ID(tags->aulPropTag[i]))) {
            ms_bigs_set(s->db, b, tags->aulPropTag[i], 0, -1);
            continue;
        }
        map[rest->cValues] = i;
        rest->aulPropTag[rest->cValues++] = tags->aulPropTag[i];
    }
    LPSPropProblemArray pr = NULL;
    hr = mapirt_propbag_DeleteProps(bag, rest, problems ? &pr : NULL);
    if (pr) {
        for (ULONG k = 0; k < pr->cProblem; k++)
            pr->aProblem[k].ulIndex = map[pr->aProblem[k].ulIndex];
        *problems = pr;
    }
    free(map);
    s->freebuf(rest);
    return hr;
}
