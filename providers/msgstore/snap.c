/* snap.c: snapshots of saved attachments and embedded messages (ms.h), and writing them into
 * the store when the message that holds them is saved. An object written from a snapshot is
 * rewritten whole, in place: its row keeps its id, so the committed chunks a snapshot still
 * refers to (big values not changed) stay where they are. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "ms.h"

ms_snap *ms_snap_ref(ms_snap *s)
{
    if (s)
        atomic_fetch_add((_Atomic int *)&s->refs, 1);
    return s;
}

void ms_atts_clear(ms_db *d, ms_atts *a)
{
    for (size_t i = 0; i < a->n; i++)
        ms_snap_unref(d, a->v[i].snap);
    free(a->v);
    memset(a, 0, sizeof *a);
}

HRESULT ms_atts_copy(const ms_atts *from, ms_atts *to)
{
    *to = *from;
    to->v = NULL;
    if (from->n) {
        if ((to->v = malloc(from->n * sizeof *to->v)) == NULL) {
            to->n = 0;
            return MAPI_E_NOT_ENOUGH_MEMORY;
        }
        memcpy(to->v, from->v, from->n * sizeof *to->v);
        for (size_t i = 0; i < to->n; i++)
            ms_snap_ref(to->v[i].snap);
    }
    return S_OK;
}

HRESULT ms_atts_load(ms_db *d, sqlite3_int64 id, ms_atts *a)
{
    HRESULT hr = S_OK;
    a->next_num = 0;
    if (id) {
        sqlite3_stmt *st = ms_db_stmt(d, "SELECT num FROM objects WHERE parent = ? AND kind = ?"
                                         " ORDER BY num");
        if (st == NULL)
            return ms_db_hr(sqlite3_errcode(d->db));
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int(st, 2, MAPI_ATTACH);
        while (sqlite3_step(st) == SQLITE_ROW) {
            ms_attrec *n = realloc(a->v, (a->n + 1) * sizeof *n);
            if (n == NULL) {
                hr = MAPI_E_NOT_ENOUGH_MEMORY;
                break;
            }
            a->v = n;
            memset(&a->v[a->n], 0, sizeof a->v[0]);
            a->v[a->n].num = (ULONG)sqlite3_column_int64(st, 0);
            if (a->v[a->n].num >= a->next_num)
                a->next_num = a->v[a->n].num + 1;
            a->n++;
        }
        sqlite3_reset(st);
    }
    a->loaded = SUCCEEDED(hr);
    return hr;
}

void ms_snap_unref(ms_db *d, ms_snap *s)
{
    if (s == NULL || atomic_fetch_sub((_Atomic int *)&s->refs, 1) != 1)
        return;
    MAPIFreeBuffer(s->props);
    ms_bigs_clear(d, &s->bigs);
    ms_snap_unref(d, s->emb);
    for (ULONG i = 0; i < s->nrecips; i++)
        MAPIFreeBuffer(s->recips[i]);
    free(s->recips);
    free(s->recip_counts);
    ms_atts_clear(d, &s->atts);
    free(s);
}

/* The properties of a bag the caller set (not those the provider computes), as one
 * allocation. */
static HRESULT snap_props(mapirt_propbag *bag, ULONG *n, LPSPropValue *out)
{
    LPSPropTagArray all = NULL, mine = NULL;
    ULONG *access = NULL, c = 0;
    LPSPropValue v = NULL;
    HRESULT hr = mapirt_propbag_HrGetPropAccess(bag, &all, &access);
    *n = 0;
    *out = NULL;
    if (FAILED(hr))
        return hr;
    if (MAPIAllocateBuffer(CbNewSPropTagArray(all->cValues), (void **)&mine) != S_OK) {
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
        goto done;
    }
    mine->cValues = 0;
    for (ULONG i = 0; i < all->cValues; i++)
        if ((access[i] & IPROP_READWRITE) && PROP_TYPE(all->aulPropTag[i]) != PT_OBJECT)
            mine->aulPropTag[mine->cValues++] = all->aulPropTag[i];
    if (mine->cValues == 0)
        goto done;
    if (FAILED(hr = mapirt_propbag_GetProps(bag, mine, 0, &c, &v)))
        goto done;
    BYTE *enc;
    size_t cb;
    /* Through the encoding: one allocation, as the store would read it back. */
    if (SUCCEEDED(hr = ms_row_encode(c, v, &enc, &cb))) {
        hr = ms_row_decode(enc, cb, MAPIAllocateBuffer, MAPIAllocateMore, n, out);
        free(enc);
    }
done:
    MAPIFreeBuffer(v);
    MAPIFreeBuffer(mine);
    MAPIFreeBuffer(all);
    MAPIFreeBuffer(access);
    return hr;
}

static ms_snap *snap_new(void)
{
    ms_snap *s = calloc(1, sizeof *s);
    if (s)
        s->refs = 1;
    return s;
}

HRESULT ms_snap_of_attach(struct ms_attach *a, ms_snap **out)
{
    ms_db *d = a->store->db;
    ms_snap *s = snap_new();
    HRESULT hr;
    if (s == NULL)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    s->base = a->dbid;
    if (FAILED(hr = snap_props(a->bag, &s->nprops, &s->props)))
        goto fail;
    pthread_mutex_lock(&d->lock);
    hr = ms_bigs_dup(d, &a->bigs, &s->bigs);
    pthread_mutex_unlock(&d->lock);
    if (FAILED(hr))
        goto fail;
    s->emb_changed = a->emb_changed;
    s->emb = ms_snap_ref(a->emb);
    *out = s;
    return S_OK;
fail:
    ms_snap_unref(d, s);
    return hr;
}

HRESULT ms_snap_of_message(struct ms_message *m, ms_snap **out)
{
    ms_db *d = m->store->db;
    ms_snap *s = snap_new();
    HRESULT hr;
    if (s == NULL)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    s->base = m->id;
    if (FAILED(hr = ms_message_load_recips(m)) || FAILED(hr = ms_message_load_atts(m)) ||
        FAILED(hr = snap_props(m->bag, &s->nprops, &s->props)))
        goto fail;
    pthread_mutex_lock(&d->lock);
    hr = ms_bigs_dup(d, &m->bigs, &s->bigs);
    pthread_mutex_unlock(&d->lock);
    if (FAILED(hr) || FAILED(hr = ms_atts_copy(&m->atts, &s->atts)))
        goto fail;
    if (m->nrecips) {
        s->recips = calloc(m->nrecips, sizeof *s->recips);
        s->recip_counts = calloc(m->nrecips, sizeof *s->recip_counts);
        if (s->recips == NULL || s->recip_counts == NULL) {
            hr = MAPI_E_NOT_ENOUGH_MEMORY;
            goto fail;
        }
        for (ULONG i = 0; i < m->nrecips; i++) {
            BYTE *enc;
            size_t cb;
            if (FAILED(hr = ms_row_encode(m->recip_counts[i], m->recips[i], &enc, &cb)))
                goto fail;
            hr = ms_row_decode(enc, cb, MAPIAllocateBuffer, MAPIAllocateMore,
                               &s->recip_counts[i], &s->recips[i]);
            free(enc);
            if (FAILED(hr))
                goto fail;
            s->nrecips = i + 1;
        }
    }
    *out = s;
    return S_OK;
fail:
    ms_snap_unref(d, s);
    return hr;
}

HRESULT ms_snap_load_attach(ms_snap *sn, struct ms_attach *a)
{
    ms_db *d = a->store->db;
    HRESULT hr = sn->nprops ? mapirt_propbag_put(a->bag, sn->nprops, sn->props, IPROP_READWRITE)
                            : S_OK;
    if (FAILED(hr))
        return hr;
    pthread_mutex_lock(&d->lock);
    hr = ms_bigs_dup(d, &sn->bigs, &a->bigs);
    pthread_mutex_unlock(&d->lock);
    a->dbid = sn->base;
    a->emb_changed = sn->emb_changed;
    a->emb = ms_snap_ref(sn->emb);
    return hr;
}

HRESULT ms_snap_load_message(ms_snap *sn, struct ms_message *m)
{
    ms_db *d = m->store->db;
    HRESULT hr = sn->nprops ? mapirt_propbag_put(m->bag, sn->nprops, sn->props, IPROP_READWRITE)
                            : S_OK;
    if (FAILED(hr))
        return hr;
    pthread_mutex_lock(&d->lock);
    hr = ms_bigs_dup(d, &sn->bigs, &m->bigs);
    pthread_mutex_unlock(&d->lock);
    if (FAILED(hr) || FAILED(hr = ms_atts_copy(&sn->atts, &m->atts)))
        return hr;
    m->id = sn->base;
    m->recips_loaded = 1;
    for (ULONG i = 0; i < sn->nrecips; i++) {
        BYTE *enc;
        size_t cb;
        LPSPropValue p;
        ULONG c;
        if (FAILED(hr = ms_row_encode(sn->recip_counts[i], sn->recips[i], &enc, &cb)))
            return hr;
        hr = ms_row_decode(enc, cb, m->store->alloc, m->store->more, &c, &p);
        free(enc);
        if (FAILED(hr))
            return hr;
        LPSPropValue *nr = realloc(m->recips, (m->nrecips + 1) * sizeof *nr);
        ULONG *nc = nr ? realloc(m->recip_counts, (m->nrecips + 1) * sizeof *nc) : NULL;
        if (nr)
            m->recips = nr;
        if (nc == NULL) {
            m->store->freebuf(p);
            return MAPI_E_NOT_ENOUGH_MEMORY;
        }
        m->recip_counts = nc;
        m->recips[m->nrecips] = p;
        m->recip_counts[m->nrecips++] = c;
        for (ULONG k = 0; k < c; k++)
            if (p[k].ulPropTag == PR_ROWID && (ULONG)p[k].Value.l >= m->next_rowid)
                m->next_rowid = (ULONG)p[k].Value.l + 1;
    }
    return S_OK;
}

/* ---- writing -------------------------------------------------------------------------------- */

static int step(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

int ms_write_recips(ms_db *d, sqlite3_int64 id, ULONG n, LPSPropValue *recips, ULONG *counts)
{
    sqlite3_stmt *st = ms_db_stmt(d, "DELETE FROM recipients WHERE msg = ?");
    if (st == NULL)
        return sqlite3_errcode(d->db);
    sqlite3_bind_int64(st, 1, id);
    int rc = step(st);
    for (ULONG i = 0; rc == SQLITE_OK && i < n; i++) {
        BYTE *enc;
        size_t cb;
        LONG row = (LONG)i;
        for (ULONG k = 0; k < counts[i]; k++)
            if (recips[i][k].ulPropTag == PR_ROWID)
                row = recips[i][k].Value.l;
        if (FAILED(ms_row_encode(counts[i], recips[i], &enc, &cb)))
            return SQLITE_NOMEM;
        st = ms_db_stmt(d, "INSERT INTO recipients(msg, row, props) VALUES(?, ?, ?)");
        if (st == NULL) {
            free(enc);
            return sqlite3_errcode(d->db);
        }
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int(st, 2, row);
        sqlite3_bind_blob64(st, 3, enc, cb, free);
        rc = step(st);
    }
    return rc;
}

/* Rewrites the properties of obj from a snapshot. */
static int write_props(ms_db *d, sqlite3_int64 obj, ms_snap *sn)
{
    sqlite3_stmt *st = ms_db_stmt(d, "DELETE FROM props WHERE obj = ?");
    if (st == NULL)
        return sqlite3_errcode(d->db);
    sqlite3_bind_int64(st, 1, obj);
    int rc = step(st);
    st = ms_db_stmt(d, "INSERT OR REPLACE INTO props(obj, id, type, val, big)"
                       " VALUES(?, ?, ?, ?, NULL)");
    for (ULONG i = 0; rc == SQLITE_OK && i < sn->nprops; i++) {
        const SPropValue *p = &sn->props[i];
        ULONG t = PROP_TYPE(p->ulPropTag);
        if (t == PT_ERROR || t == PT_OBJECT)
            continue;
        if (st == NULL)
            return sqlite3_errcode(d->db);
        sqlite3_bind_int64(st, 1, obj);
        sqlite3_bind_int(st, 2, (int)PROP_ID(p->ulPropTag));
        sqlite3_bind_int(st, 3, (int)t);
        if ((rc = ms_bind_value(st, 4, p)) != SQLITE_OK)
            break;
        rc = step(st);
        sqlite3_clear_bindings(st);
    }
    if (rc == SQLITE_OK)
        rc = ms_bigs_save(d, obj, &sn->bigs, 1);
    if (rc == SQLITE_OK) {
        /* Chunks of values no longer there. */
        st = ms_db_stmt(d, "DELETE FROM streams WHERE obj = ?1 AND id NOT IN"
                           " (SELECT id FROM props WHERE obj = ?1 AND big IS NOT NULL)");
        if (st == NULL)
            return sqlite3_errcode(d->db);
        sqlite3_bind_int64(st, 1, obj);
        rc = step(st);
    }
    return rc;
}

static int child(ms_db *d, sqlite3_int64 parent, int kind, sqlite3_int64 num,
                 sqlite3_int64 *id)
{
    sqlite3_stmt *st = ms_db_stmt(d, kind == MAPI_ATTACH
                                         ? "SELECT id FROM objects WHERE parent = ? AND kind = ?"
                                           " AND num = ?"
                                         : "SELECT id FROM objects WHERE parent = ? AND kind = ?");
    if (st == NULL)
        return sqlite3_errcode(d->db);
    sqlite3_bind_int64(st, 1, parent);
    sqlite3_bind_int(st, 2, kind);
    if (kind == MAPI_ATTACH)
        sqlite3_bind_int64(st, 3, num);
    *id = 0;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int delete_object(ms_db *d, sqlite3_int64 id)
{
    sqlite3_stmt *st = ms_db_stmt(d, "DELETE FROM objects WHERE id = ?");
    if (st == NULL)
        return sqlite3_errcode(d->db);
    sqlite3_bind_int64(st, 1, id);
    return step(st);
}

static int write_message(ms_db *d, sqlite3_int64 obj, ms_snap *sn)
{
    int rc = write_props(d, obj, sn);
    if (rc == SQLITE_OK)
        rc = ms_write_recips(d, obj, sn->nrecips, sn->recips, sn->recip_counts);
    for (size_t i = 0; rc == SQLITE_OK && i < sn->atts.n; i++)
        if (sn->atts.v[i].deleted || sn->atts.v[i].snap)
            rc = ms_snap_write_attach(d, obj, &sn->atts.v[i]);
    return rc;
}

int ms_snap_write_attach(ms_db *d, sqlite3_int64 msgobj, const ms_attrec *rec)
{
    sqlite3_int64 id, emb;
    int rc = child(d, msgobj, MAPI_ATTACH, rec->num, &id);
    if (rc != SQLITE_OK)
        return rc;
    if (rec->deleted)
        return id ? delete_object(d, id) : SQLITE_OK;
    if (id == 0) {
        if ((rc = ms_db_new_object(d, MAPI_ATTACH, msgobj, &id)) != SQLITE_OK)
            return rc;
        sqlite3_stmt *st = ms_db_stmt(d, "UPDATE objects SET num = ? WHERE id = ?");
        if (st == NULL)
            return sqlite3_errcode(d->db);
        sqlite3_bind_int64(st, 1, rec->num);
        sqlite3_bind_int64(st, 2, id);
        if ((rc = step(st)) != SQLITE_OK)
            return rc;
    }
    ms_snap *sn = rec->snap;
    if ((rc = write_props(d, id, sn)) != SQLITE_OK || !sn->emb_changed)
        return rc;
    if ((rc = child(d, id, MAPI_MESSAGE, 0, &emb)) != SQLITE_OK)
        return rc;
    /* A new embedded message (or none) replaces the old one; a changed one is rewritten. */
    if (emb && (sn->emb == NULL || sn->emb->base != emb)) {
        if ((rc = delete_object(d, emb)) != SQLITE_OK)
            return rc;
        emb = 0;
    }
    if (sn->emb == NULL)
        return SQLITE_OK;
    if (emb == 0 && (rc = ms_db_new_object(d, MAPI_MESSAGE, id, &emb)) != SQLITE_OK)
        return rc;
    return write_message(d, emb, sn->emb);
}
