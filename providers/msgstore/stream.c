/* stream.c: the IStream OpenProperty gives on a PT_BINARY, PT_STRING8 or PT_UNICODE property
 * of a message or attachment, read and written a chunk at a time (ms.h: stage.c), so a value
 * of any size is never in memory whole.
 *
 * A read-only stream reads the committed chunks of the store, or a stage when the value is not
 * saved yet. A writable stream works on a stage of its own, filled with the current value
 * unless MAPI_CREATE discards it. Commit hands the stage to the object (which stores it at its
 * SaveChanges) and keeps reading it; the next write copies it first. The last Release of a
 * stream with writes not committed commits them (docs/decisions.md). One chunk is cached:
 * sequential reads and writes of any size touch each chunk row once.
 *
 * IStream methods answer in COM's storage codes (STG_E_*), as every IStream does. */
#include <stdlib.h>
#include <string.h>

#include <mapirt/strconv.h>

#include "ms.h"

struct ms_stream {
    ms_item_ref item;
    ULONG tag;            /* the property as opened (its type is the stream's) */
    sqlite3_int64 stage;  /* the stage read and written; 0: the committed chunks of src */
    sqlite3_int64 src;
    uint64_t size, pos;
    int writable, dirty;
    BYTE *cache;
    sqlite3_int64 cache_seq; /* -1: nothing cached */
    size_t cache_len;
    int cache_dirty;
    pthread_mutex_t lock;
    int lock_ok;
};

#include "ms_stream_object.h"

static ms_db *db_of(struct ms_stream *s)
{
    return s->item.store->db;
}

static HRESULT stg(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK: case SQLITE_DONE: case SQLITE_ROW: return S_OK;
    case SQLITE_FULL: return STG_E_MEDIUMFULL;
    case SQLITE_NOMEM: return STG_E_INSUFFICIENTMEMORY;
    case SQLITE_READONLY: case SQLITE_PERM: return STG_E_ACCESSDENIED;
    default: return STG_E_WRITEFAULT;
    }
}

static int flush(struct ms_stream *s)
{
    int rc = SQLITE_OK;
    if (!s->cache_dirty)
        return SQLITE_OK;
    pthread_mutex_lock(&db_of(s)->lock);
    rc = ms_chunk_write(db_of(s), s->stage, s->cache_seq, s->cache, s->cache_len);
    pthread_mutex_unlock(&db_of(s)->lock);
    if (rc == SQLITE_OK)
        s->cache_dirty = 0;
    return rc;
}

static int load(struct ms_stream *s, sqlite3_int64 seq)
{
    int rc;
    if (s->cache_seq == seq)
        return SQLITE_OK;
    if ((rc = flush(s)) != SQLITE_OK)
        return rc;
    pthread_mutex_lock(&db_of(s)->lock);
    rc = ms_chunk_read(db_of(s), s->stage, s->src, PROP_ID(s->tag), seq, s->cache,
                       &s->cache_len);
    pthread_mutex_unlock(&db_of(s)->lock);
    s->cache_seq = rc == SQLITE_OK ? seq : -1;
    return rc;
}

/* Before a change: a stage shared with the object (a committed value) is copied first. */
static int own_stage(struct ms_stream *s)
{
    ms_db *d = db_of(s);
    int rc = flush(s);
    if (rc != SQLITE_OK)
        return rc;
    pthread_mutex_lock(&d->lock);
    if (ms_stage_shared(d, s->stage)) {
        sqlite3_int64 h = ms_stage_new(d);
        rc = h ? ms_stage_copy_stage(d, h, s->stage) : SQLITE_NOMEM;
        if (rc == SQLITE_OK) {
            ms_stage_unref(d, s->stage);
            s->stage = h;
        } else if (h) {
            ms_stage_unref(d, h);
        }
    }
    pthread_mutex_unlock(&d->lock);
    return rc;
}

/* Resizes the content: chunks past the end go, the last is cut or zero-filled. */
static int resize(struct ms_stream *s, uint64_t size)
{
    int rc;
    if (size < s->size) {
        sqlite3_int64 keep = (sqlite3_int64)((size + MS_CHUNK - 1) / MS_CHUNK);
        if ((rc = flush(s)) != SQLITE_OK)
            return rc;
        pthread_mutex_lock(&db_of(s)->lock);
        rc = ms_stage_truncate(db_of(s), s->stage, keep);
        pthread_mutex_unlock(&db_of(s)->lock);
        s->cache_seq = -1;
        if (rc == SQLITE_OK && size % MS_CHUNK) {
            if ((rc = load(s, (sqlite3_int64)(size / MS_CHUNK))) != SQLITE_OK)
                return rc;
            s->cache_len = size % MS_CHUNK;
            s->cache_dirty = 1;
            rc = flush(s);
        }
        if (rc == SQLITE_OK)
            s->size = size;
        return rc;
    }
    while (s->size < size) {
        sqlite3_int64 seq = (sqlite3_int64)(s->size / MS_CHUNK);
        if ((rc = load(s, seq)) != SQLITE_OK)
            return rc;
        size_t want = size - (uint64_t)seq * MS_CHUNK < MS_CHUNK
                          ? (size_t)(size - (uint64_t)seq * MS_CHUNK)
                          : MS_CHUNK;
        memset(s->cache + s->cache_len, 0, want - s->cache_len);
        s->cache_len = want;
        s->cache_dirty = 1;
        s->size = (uint64_t)seq * MS_CHUNK + want;
    }
    return flush(s);
}

static HRESULT commit(struct ms_stream *s)
{
    ms_item_ref *it = &s->item;
    ms_db *d = db_of(s);
    HRESULT hr = S_OK;
    int rc;
    if (!s->writable || !s->dirty)
        return S_OK;
    if ((rc = flush(s)) != SQLITE_OK)
        return stg(rc);
    if (s->size < MS_BIG_PROP) {
        /* A small value goes into the bag, where GetProps reads it. */
        SPropValue v;
        BYTE *buf = calloc(1, (size_t)s->size + sizeof(WCHAR));
        if (buf == NULL)
            return STG_E_INSUFFICIENTMEMORY;
        for (uint64_t at = 0; at < s->size; at += MS_CHUNK) {
            size_t n;
            pthread_mutex_lock(&d->lock);
            rc = ms_chunk_read(d, s->stage, 0, 0, (sqlite3_int64)(at / MS_CHUNK), buf + at, &n);
            pthread_mutex_unlock(&d->lock);
            if (rc != SQLITE_OK) {
                free(buf);
                return stg(rc);
            }
        }
        memset(&v, 0, sizeof v);
        v.ulPropTag = s->tag;
        if (PROP_TYPE(s->tag) == PT_BINARY) {
            v.Value.bin.cb = (ULONG)s->size;
            v.Value.bin.lpb = buf;
        } else {
            v.Value.lpszA = (LPSTR)buf; /* NUL-terminated in either width */
        }
        hr = ms_item_SetProps(it->store, it->bag, it->bigs, 1, &v, NULL);
        free(buf);
    } else {
        hr = ms_bigs_set(d, it->bigs, s->tag, s->stage, (sqlite3_int64)s->size);
        if (SUCCEEDED(hr))
            mapirt_propbag_remove(it->bag, s->tag);
    }
    if (FAILED(hr))
        return hr == MAPI_E_NOT_ENOUGH_MEMORY ? STG_E_INSUFFICIENTMEMORY : STG_E_ACCESSDENIED;
    if (it->dirty)
        *it->dirty = 1;
    s->dirty = 0;
    return S_OK;
}

static void ms_stream_destroy(struct ms_stream *self)
{
    if (self->item.owner) {
        commit(self);
        if (self->stage) {
            pthread_mutex_lock(&db_of(self)->lock);
            ms_stage_unref(db_of(self), self->stage);
            pthread_mutex_unlock(&db_of(self)->lock);
        }
        self->item.owner->lpVtbl->Release(self->item.owner);
    }
    free(self->cache);
    if (self->lock_ok)
        pthread_mutex_destroy(&self->lock);
}

static HRESULT ms_stream_Read(struct ms_stream *self, void *pv, ULONG cb, ULONG *pcbRead)
{
    ULONG got = 0;
    int rc = SQLITE_OK;
    pthread_mutex_lock(&self->lock);
    /* Past the end: S_OK with fewer bytes (none at the end), as IStream documents. */
    while (got < cb && self->pos < self->size) {
        sqlite3_int64 seq = (sqlite3_int64)(self->pos / MS_CHUNK);
        size_t off = (size_t)(self->pos % MS_CHUNK);
        if ((rc = load(self, seq)) != SQLITE_OK)
            break;
        if (off >= self->cache_len)
            break; /* the store holds less than it said: stop rather than invent bytes */
        size_t n = self->cache_len - off;
        if (n > cb - got)
            n = cb - got;
        if (n > self->size - self->pos)
            n = (size_t)(self->size - self->pos);
        memcpy((BYTE *)pv + got, self->cache + off, n);
        got += (ULONG)n;
        self->pos += n;
    }
    pthread_mutex_unlock(&self->lock);
    if (pcbRead)
        *pcbRead = got;
    return rc == SQLITE_OK ? S_OK : STG_E_READFAULT;
}

static HRESULT ms_stream_Write(struct ms_stream *self, const void *pv, ULONG cb,
                               ULONG *pcbWritten)
{
    ULONG done = 0;
    int rc = SQLITE_OK;
    if (pcbWritten)
        *pcbWritten = 0;
    if (!self->writable)
        return STG_E_ACCESSDENIED;
    if (cb == 0)
        return S_OK;
    pthread_mutex_lock(&self->lock);
    if ((rc = own_stage(self)) == SQLITE_OK && self->pos > self->size)
        rc = resize(self, self->pos);
    while (rc == SQLITE_OK && done < cb) {
        sqlite3_int64 seq = (sqlite3_int64)(self->pos / MS_CHUNK);
        size_t off = (size_t)(self->pos % MS_CHUNK);
        if ((rc = load(self, seq)) != SQLITE_OK)
            break;
        size_t n = MS_CHUNK - off;
        if (n > cb - done)
            n = cb - done;
        memcpy(self->cache + off, (const BYTE *)pv + done, n);
        if (off + n > self->cache_len)
            self->cache_len = off + n;
        self->cache_dirty = 1;
        self->dirty = 1;
        done += (ULONG)n;
        self->pos += n;
        if (self->pos > self->size)
            self->size = self->pos;
    }
    pthread_mutex_unlock(&self->lock);
    if (pcbWritten)
        *pcbWritten = done;
    return stg(rc);
}

static HRESULT ms_stream_Seek(struct ms_stream *self, LARGE_INTEGER dlibMove, DWORD dwOrigin,
                              ULARGE_INTEGER *plibNewPosition)
{
    int64_t base;
    pthread_mutex_lock(&self->lock);
    switch (dwOrigin) {
    case STREAM_SEEK_SET: base = 0; break;
    case STREAM_SEEK_CUR: base = (int64_t)self->pos; break;
    case STREAM_SEEK_END: base = (int64_t)self->size; break;
    default:
        pthread_mutex_unlock(&self->lock);
        return STG_E_INVALIDFUNCTION;
    }
    int64_t to;
    if (__builtin_add_overflow(base, dlibMove.QuadPart, &to) || to < 0) {
        pthread_mutex_unlock(&self->lock);
        return STG_E_INVALIDFUNCTION; /* before the start: refused, the pointer stays */
    }
    self->pos = (uint64_t)to;
    pthread_mutex_unlock(&self->lock);
    if (plibNewPosition)
        plibNewPosition->QuadPart = (ULONGLONG)to;
    return S_OK;
}

static HRESULT ms_stream_SetSize(struct ms_stream *self, ULARGE_INTEGER libNewSize)
{
    int rc;
    if (!self->writable)
        return STG_E_ACCESSDENIED;
    if (libNewSize.QuadPart > (ULONGLONG)INT64_MAX)
        return STG_E_INVALIDFUNCTION;
    pthread_mutex_lock(&self->lock);
    rc = own_stage(self);
    if (rc == SQLITE_OK && libNewSize.QuadPart != self->size) {
        rc = resize(self, libNewSize.QuadPart);
        self->dirty = 1;
    }
    pthread_mutex_unlock(&self->lock);
    return stg(rc);
}

static HRESULT ms_stream_CopyTo(struct ms_stream *self, IStream *pstm, ULARGE_INTEGER cb,
                                ULARGE_INTEGER *pcbRead, ULARGE_INTEGER *pcbWritten)
{
    ULONGLONG read = 0, written = 0;
    HRESULT hr = S_OK;
    BYTE *buf = malloc(MS_CHUNK);
    if (buf == NULL)
        return STG_E_INSUFFICIENTMEMORY;
    while (read < cb.QuadPart) {
        ULONG want = cb.QuadPart - read < MS_CHUNK ? (ULONG)(cb.QuadPart - read) : MS_CHUNK;
        ULONG got = 0, put = 0;
        if (FAILED(hr = ms_stream_Read(self, buf, want, &got)) || got == 0)
            break;
        read += got;
        hr = pstm->lpVtbl->Write(pstm, buf, got, &put);
        written += put;
        if (FAILED(hr))
            break;
    }
    free(buf);
    if (pcbRead)
        pcbRead->QuadPart = read;
    if (pcbWritten)
        pcbWritten->QuadPart = written;
    return hr;
}

static HRESULT ms_stream_Commit(struct ms_stream *self, DWORD grfCommitFlags)
{
    (void)grfCommitFlags;
    pthread_mutex_lock(&self->lock);
    HRESULT hr = commit(self);
    pthread_mutex_unlock(&self->lock);
    return hr;
}

static HRESULT ms_stream_Stat(struct ms_stream *self, STATSTG *pstatstg, DWORD grfStatFlag)
{
    if (grfStatFlag & ~(DWORD)(STATFLAG_NONAME | STATFLAG_NOOPEN))
        return STG_E_INVALIDFLAG;
    memset(pstatstg, 0, sizeof *pstatstg);
    /* A property stream has no name: pwcsName stays NULL whatever the flags. */
    pstatstg->type = STGTY_STREAM;
    pthread_mutex_lock(&self->lock);
    pstatstg->cbSize.QuadPart = self->size;
    pthread_mutex_unlock(&self->lock);
    pstatstg->grfMode = self->writable ? STGM_READWRITE : STGM_READ;
    return S_OK;
}

/* ---- opening ------------------------------------------------------------------------------- */

/* Converts a big string between widths, chunk by chunk, from (stage or src) into dst. A
 * sequence cut by a chunk boundary is carried over to the next chunk. */
static int convert(ms_db *d, sqlite3_int64 from_stage, sqlite3_int64 src, ULONG propid,
                   int to_wide, sqlite3_int64 dst, uint64_t *size)
{
    BYTE *in = malloc(MS_CHUNK + 8);
    BYTE out[MS_CHUNK];
    size_t carry = 0, outn = 0;
    sqlite3_int64 outseq = 0;
    int rc = SQLITE_OK;
    if (in == NULL)
        return SQLITE_NOMEM;
    *size = 0;
    for (sqlite3_int64 seq = 0;; seq++) {
        size_t n = 0;
        if ((rc = ms_chunk_read(d, from_stage, src, propid, seq, in + carry, &n)) != SQLITE_OK)
            break;
        size_t have = carry + n, use = have;
        if (n) {
            if (to_wide) {
                /* Keep an incomplete UTF-8 sequence at the end for the next chunk. */
                size_t k = have, back = 0;
                while (k > 0 && back < 3 && (in[k - 1] & 0xC0) == 0x80)
                    k--, back++;
                if (k > 0) {
                    BYTE lead = in[k - 1];
                    size_t len = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
                    if (len > back + 1)
                        use = k - 1;
                }
            } else {
                use = have & ~(size_t)1;
                if (use >= 2) {
                    WCHAR last = (WCHAR)(in[use - 2] | in[use - 1] << 8);
                    if (last >= 0xD800 && last <= 0xDBFF)
                        use -= 2; /* a high surrogate waits for its pair */
                }
            }
        } else {
            use = have; /* the end: whatever is left is converted as it is */
        }
        if (use) {
            void *conv;
            size_t convn;
            if (to_wide) {
                char *tmp = malloc(use + 1);
                if (tmp == NULL) { rc = SQLITE_NOMEM; break; }
                memcpy(tmp, in, use);
                tmp[use] = 0;
                LPWSTR w = NULL;
                conv = mapirt_str_a_to_w(tmp, NULL, &w) == S_OK ? w : NULL;
                free(tmp);
                convn = conv ? mapirt_wcslen(conv) * sizeof(WCHAR) : 0;
            } else {
                WCHAR *tmp = malloc(use + sizeof(WCHAR));
                if (tmp == NULL) { rc = SQLITE_NOMEM; break; }
                memcpy(tmp, in, use);
                tmp[use / 2] = 0;
                LPSTR a = NULL;
                conv = mapirt_str_w_to_a(tmp, NULL, &a) == S_OK ? a : NULL;
                free(tmp);
                convn = conv ? strlen(conv) : 0;
            }
            if (conv == NULL) { rc = SQLITE_NOMEM; break; }
            for (size_t at = 0; rc == SQLITE_OK && at < convn;) {
                size_t k = convn - at < MS_CHUNK - outn ? convn - at : MS_CHUNK - outn;
                memcpy(out + outn, (BYTE *)conv + at, k);
                outn += k;
                at += k;
                if (outn == MS_CHUNK) {
                    rc = ms_chunk_write(d, dst, outseq++, out, outn);
                    *size += outn;
                    outn = 0;
                }
            }
            MAPIFreeBuffer(conv);
            if (rc != SQLITE_OK)
                break;
        }
        carry = have - use;
        memmove(in, in + use, carry);
        if (n == 0)
            break;
    }
    if (rc == SQLITE_OK && outn) {
        rc = ms_chunk_write(d, dst, outseq, out, outn);
        *size += outn;
    }
    free(in);
    return rc;
}

static int is_stream_type(ULONG t)
{
    return t == PT_BINARY || t == PT_STRING8 || t == PT_UNICODE;
}

const char *ms_stream_open_error(HRESULT hr)
{
    switch (hr) {
    case MAPI_E_NOT_FOUND:
        return "OpenProperty: no such property";
    case MAPI_E_INTERFACE_NOT_SUPPORTED:
        return "OpenProperty: only PT_BINARY, PT_STRING8 and PT_UNICODE properties open as"
               " streams";
    default:
        return "OpenProperty: opening the stream failed";
    }
}

HRESULT ms_stream_open(const ms_item_ref *item, ULONG tag, ULONG flags, int writable,
                       LPSTREAM *out)
{
    ULONG type = PROP_TYPE(tag);
    ms_db *d = item->store->db;
    HRESULT hr = S_OK;
    int rc = SQLITE_OK;
    if (!is_stream_type(type))
        return MAPI_E_INTERFACE_NOT_SUPPORTED;
    struct ms_stream *s = ms_stream_new();
    if (s == NULL || (s->cache = malloc(MS_CHUNK)) == NULL ||
        pthread_mutex_init(&s->lock, NULL) != 0) {
        if (s)
            ms_stream_release(s);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    s->lock_ok = 1;
    s->cache_seq = -1;
    s->tag = tag;
    s->writable = writable;
    /* The current value: a big one, else the bag's (converted to the width asked for). */
    ms_big *e = ms_bigs_find(item->bigs, PROP_ID(tag));
    LPSPropValue small = NULL;
    if (e && PROP_TYPE(e->tag) != type &&
        !(PROP_TYPE(e->tag) != PT_BINARY && type != PT_BINARY))
        e = NULL; /* another type: not this property */
    if (e == NULL && !(flags & MAPI_CREATE)) {
        SPropTagArray one = {1, {tag}};
        ULONG n;
        hr = mapirt_propbag_GetProps(item->bag, &one, 0, &n, &small);
        if (SUCCEEDED(hr) && PROP_TYPE(small->ulPropTag) == PT_ERROR) {
            item->store->freebuf(small);
            small = NULL;
        }
        if (small == NULL) {
            ms_stream_release(s);
            return MAPI_E_NOT_FOUND;
        }
    }
    pthread_mutex_lock(&d->lock);
    if (flags & MAPI_CREATE) {
        s->stage = ms_stage_new(d);
        rc = s->stage ? SQLITE_OK : SQLITE_NOMEM;
    } else if (e && PROP_TYPE(e->tag) == type && !writable) {
        /* Read where it is. */
        s->stage = e->stage;
        s->src = e->src;
        if (s->stage)
            ms_stage_ref_(d, s->stage);
        s->size = (uint64_t)e->size;
    } else if (e) {
        s->stage = ms_stage_new(d);
        if (s->stage == 0)
            rc = SQLITE_NOMEM;
        else if (PROP_TYPE(e->tag) == type) {
            rc = e->stage ? ms_stage_copy_stage(d, s->stage, e->stage)
                          : ms_stage_copy_db(d, s->stage, e->src, PROP_ID(tag));
            s->size = (uint64_t)e->size;
        } else {
            rc = convert(d, e->stage, e->src, PROP_ID(tag), type == PT_UNICODE, s->stage,
                         &s->size);
        }
    } else {
        const BYTE *data;
        size_t n;
        if (type == PT_BINARY) {
            data = small->Value.bin.lpb;
            n = small->Value.bin.cb;
        } else if (type == PT_STRING8) {
            data = (const BYTE *)small->Value.lpszA;
            n = strlen(small->Value.lpszA);
        } else {
            data = (const BYTE *)small->Value.lpszW;
            n = mapirt_wcslen(small->Value.lpszW) * sizeof(WCHAR);
        }
        s->stage = ms_stage_new(d);
        rc = s->stage ? ms_stage_put(d, s->stage, 0, data, n) : SQLITE_NOMEM;
        s->size = n;
    }
    pthread_mutex_unlock(&d->lock);
    if (small)
        item->store->freebuf(small);
    s->item = *item;
    item->owner->lpVtbl->AddRef(item->owner);
    if (rc != SQLITE_OK) {
        s->writable = 0; /* nothing to commit */
        ms_stream_release(s);
        return ms_db_hr(rc);
    }
    /* MAPI_CREATE discards the value: the empty one is a change even if nothing is written. */
    s->dirty = writable && (flags & MAPI_CREATE);
    *out = ms_stream_as_IStream(s);
    return S_OK;
}
