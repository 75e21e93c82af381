/* rtfstream.c: WrapCompressedRTFStream and WrapCompressedRTFStreamEx (mapiutil.h): the
 * uncompressed RTF of a PR_RTF_COMPRESSED stream ([MS-OXRTFCP], lzfu.c).
 *
 * The reference's stream is sequential and whole: without MAPI_MODIFY the RTF can only be read,
 * from its start to its end; with it, the whole new RTF is written and replaces the old. So a
 * reading stream decompresses the whole property when it is created (a corrupt property is
 * MAPI_E_CORRUPT_DATA from the Wrap call, where the caller checks) and a writing stream keeps
 * what it is given until Commit, which compresses it (or, with STORE_UNCOMPRESSED_RTF, stores
 * it in the uncompressed form) over the wrapped stream from where it stood when wrapped,
 * truncates what is left of the old value there and commits the wrapped stream. A writing
 * stream released with uncommitted RTF commits it then: nothing written is lost.
 *
 * WrapCompressedRTFStreamEx with MAPI_NATIVE_BODY returns the body in its native format: the
 * HTML or plain text the RTF encapsulates ([MS-OXRTFEX], rtfread.c), in the code page asked
 * for, or the RTF itself. */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <mapicode.h>
#include <mapiutil.h>

#include <mapirt/alloc.h>
#include <mapirt/mapiutil_impl.h>

#include "rtf_internal.h"
#include "text/text_internal.h"

#define READ_CHUNK 65536u

struct rtfstream {
    IStream *inner;    /* referenced */
    bool modify;       /* MAPI_MODIFY: written, else read */
    bool uncompressed; /* STORE_UNCOMPRESSED_RTF */
    bool seekable;     /* the wrapped stream told where it stood */
    ULARGE_INTEGER start;
    pthread_mutex_t lock; /* guards what follows; never held while calling another object */
    bool lock_ready;
    BYTE *data; /* reading: the content, and what was read of it */
    size_t size, pos;
    BYTE *rtf; /* writing: the RTF written so far */
    size_t len, cap;
    unsigned writes; /* Write calls so far: a Commit that raced a Write stays dirty */
    unsigned committed;
};

#include "rtfstream_object.h"

static void commit(struct rtfstream *self, DWORD flags, HRESULT *result);

static void rtfstream_destroy(struct rtfstream *self)
{
    if (self->lock_ready) {
        if (self->modify && self->writes != self->committed)
            commit(self, STGC_DEFAULT, NULL); /* the caller can no longer be told */
        pthread_mutex_destroy(&self->lock);
    }
    if (self->inner != NULL)
        self->inner->lpVtbl->Release(self->inner);
    mapirt_free(self->data);
    mapirt_free(self->rtf);
}

/* ---- reading ----------------------------------------------------------------------------- */

static HRESULT rtfstream_Read(struct rtfstream *self, void *pv, ULONG cb, ULONG *pcbRead)
{
    size_t n = 0;
    HRESULT hr = STG_E_ACCESSDENIED;

    if (!self->modify) {
        pthread_mutex_lock(&self->lock);
        n = self->size - self->pos < cb ? self->size - self->pos : cb;
        if (n > 0)
            memcpy(pv, self->data + self->pos, n);
        self->pos += n;
        pthread_mutex_unlock(&self->lock);
        hr = S_OK;
    }
    if (pcbRead != NULL)
        *pcbRead = (ULONG)n;
    return hr;
}

static HRESULT rtfstream_CopyTo(struct rtfstream *self, IStream *pstm, ULARGE_INTEGER cb,
                                ULARGE_INTEGER *pcbRead, ULARGE_INTEGER *pcbWritten)
{
    uint64_t read = 0, written = 0;
    HRESULT hr = STG_E_ACCESSDENIED;

    if (!self->modify) {
        hr = S_OK;
        /* The content never changes once read: only the pointer needs the lock. */
        while (read < cb.QuadPart) {
            pthread_mutex_lock(&self->lock);
            size_t at = self->pos, left = self->size - self->pos;
            size_t n = left < READ_CHUNK ? left : READ_CHUNK;
            if (n > cb.QuadPart - read)
                n = (size_t)(cb.QuadPart - read);
            self->pos += n;
            pthread_mutex_unlock(&self->lock);
            if (n == 0)
                break;
            read += n;
            ULONG put = 0;
            hr = pstm->lpVtbl->Write(pstm, self->data + at, (ULONG)n, &put);
            written += put;
            if (FAILED(hr))
                break;
            if (put < n) {
                hr = STG_E_MEDIUMFULL;
                break;
            }
        }
    }
    if (pcbRead != NULL)
        pcbRead->QuadPart = read;
    if (pcbWritten != NULL)
        pcbWritten->QuadPart = written;
    return hr;
}

/* ---- writing ----------------------------------------------------------------------------- */

static HRESULT rtfstream_Write(struct rtfstream *self, const void *pv, ULONG cb,
                               ULONG *pcbWritten)
{
    HRESULT hr = STG_E_ACCESSDENIED;
    ULONG done = 0;

    if (self->modify) {
        hr = S_OK;
        pthread_mutex_lock(&self->lock);
        if (self->len + cb > self->cap) {
            size_t cap = self->cap ? self->cap : 4096;
            while (cap < self->len + cb)
                cap *= 2;
            BYTE *p = mapirt_realloc(self->rtf, cap);
            if (p == NULL)
                hr = STG_E_INSUFFICIENTMEMORY;
            else {
                self->rtf = p;
                self->cap = cap;
            }
        }
        if (hr == S_OK) {
            if (cb > 0)
                memcpy(self->rtf + self->len, pv, cb);
            self->len += cb;
            self->writes++;
            done = cb;
        }
        pthread_mutex_unlock(&self->lock);
    }
    if (pcbWritten != NULL)
        *pcbWritten = done;
    return hr;
}

/* Writes all of p to s; S_OK or why not. */
static HRESULT write_all(IStream *s, const BYTE *p, size_t n)
{
    while (n > 0) {
        ULONG want = n > 0x40000000u ? 0x40000000u : (ULONG)n, put = 0;
        HRESULT hr = s->lpVtbl->Write(s, p, want, &put);
        if (FAILED(hr))
            return hr;
        if (put == 0)
            return STG_E_MEDIUMFULL;
        p += put;
        n -= put;
    }
    return S_OK;
}

/* Replaces the wrapped stream's value with the RTF written so far (compressed unless the
 * caller asked otherwise) and commits the wrapped stream; the result in *result if asked. */
static void commit(struct rtfstream *self, DWORD flags, HRESULT *result)
{
    BYTE *z = NULL;
    size_t nz = 0;

    pthread_mutex_lock(&self->lock);
    unsigned writes = self->writes;
    HRESULT hr = self->uncompressed ? mapirt_rtf_store_uncompressed(self->rtf, self->len, &z, &nz)
                                    : mapirt_rtf_compress(self->rtf, self->len, &z, &nz);
    pthread_mutex_unlock(&self->lock);
    if (hr == MAPI_E_NOT_ENOUGH_MEMORY)
        hr = STG_E_INSUFFICIENTMEMORY;
    IStream *in = self->inner;
    if (SUCCEEDED(hr) && self->seekable) {
        LARGE_INTEGER at;
        at.QuadPart = (LONGLONG)self->start.QuadPart;
        hr = in->lpVtbl->Seek(in, at, STREAM_SEEK_SET, NULL);
    }
    if (SUCCEEDED(hr))
        hr = write_all(in, z, nz);
    if (SUCCEEDED(hr)) {
        /* The old value may have been longer; a stream that cannot be cut keeps a tail that
         * the header's COMPSIZE already excludes. */
        ULARGE_INTEGER end;
        end.QuadPart = self->start.QuadPart + nz;
        (void)in->lpVtbl->SetSize(in, end);
        hr = in->lpVtbl->Commit(in, flags);
    }
    mapirt_free(z);
    if (SUCCEEDED(hr)) {
        pthread_mutex_lock(&self->lock);
        self->committed = writes;
        pthread_mutex_unlock(&self->lock);
    }
    if (result != NULL)
        *result = hr;
}

static HRESULT rtfstream_Commit(struct rtfstream *self, DWORD grfCommitFlags)
{
    HRESULT hr = S_OK;

    if (grfCommitFlags & ~(DWORD)(STGC_OVERWRITE | STGC_ONLYIFCURRENT |
                                  STGC_DANGEROUSLYCOMMITMERELYTODISKCACHE | STGC_CONSOLIDATE))
        return STG_E_INVALIDFLAG;
    if (self->modify)
        commit(self, grfCommitFlags, &hr);
    return hr;
}

/* ---- creation ---------------------------------------------------------------------------- */

/* The whole of stream s from where it stands: a new private-heap buffer. */
static HRESULT read_all(IStream *s, BYTE **out, size_t *n)
{
    size_t cap = READ_CHUNK, len = 0;
    BYTE *p = mapirt_malloc(cap);
    if (p == NULL)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    for (;;) {
        if (len == cap) {
            /* A compressed RTF states its sizes in 32 bits: anything longer is not one. */
            if (cap > UINT32_MAX) {
                mapirt_free(p);
                return MAPI_E_CORRUPT_DATA;
            }
            BYTE *q = mapirt_realloc(p, cap * 2);
            if (q == NULL) {
                mapirt_free(p);
                return MAPI_E_NOT_ENOUGH_MEMORY;
            }
            p = q;
            cap *= 2;
        }
        ULONG got = 0, want = cap - len > READ_CHUNK ? READ_CHUNK : (ULONG)(cap - len);
        HRESULT hr = s->lpVtbl->Read(s, p + len, want, &got);
        if (FAILED(hr)) {
            mapirt_free(p);
            return hr == STG_E_INSUFFICIENTMEMORY ? MAPI_E_NOT_ENOUGH_MEMORY : hr;
        }
        if (got == 0)
            break;
        len += got;
    }
    *out = p;
    *n = len;
    return S_OK;
}

/* The body in its native format: the RTF, or the HTML or text it encapsulates in code page
 * out_cp (else in_cp, else the RTF's own), bytes in *data replaced. */
static HRESULT native_body(BYTE **data, size_t *size, ULONG in_cp, ULONG out_cp, ULONG *type)
{
    enum rtf_kind kind = mapirt_rtf_kind(*data, *size);
    if (kind == RTF_KIND_RTF) {
        *type = MAPI_NATIVE_BODY_TYPE_RTF;
        return S_OK;
    }
    size_t n = 0;
    unsigned doc_cp = 0;
    WCHAR *w = mapirt_rtf_read(*data, *size,
                               kind == RTF_KIND_HTML ? RTF_READ_FROMHTML : RTF_READ_FROMTEXT,
                               in_cp, &n, &doc_cp);
    if (w == NULL)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    char *out = NULL;
    size_t cb = 0;
    int rc = mapirt_codepage_encode(out_cp ? out_cp : in_cp ? in_cp : doc_cp, w, n,
                                    kind == RTF_KIND_HTML, &out, &cb);
    mapirt_free(w);
    if (rc != 0)
        return rc == -1 ? MAPI_E_UNKNOWN_CPID : MAPI_E_NOT_ENOUGH_MEMORY;
    mapirt_free(*data);
    *data = (BYTE *)out;
    *size = cb;
    *type = kind == RTF_KIND_HTML ? MAPI_NATIVE_BODY_TYPE_HTML : MAPI_NATIVE_BODY_TYPE_PLAINTEXT;
    return S_OK;
}

/* A stream over inner (flags: MAPI_MODIFY, STORE_UNCOMPRESSED_RTF, MAPI_NATIVE_BODY); the
 * native body's type in *type. */
static HRESULT wrap(IStream *inner, ULONG flags, ULONG in_cp, ULONG out_cp, ULONG *type,
                    IStream **out)
{
    struct rtfstream *s = rtfstream_new();
    HRESULT hr;

    *type = MAPI_NATIVE_BODY_TYPE_RTF;
    if (s == NULL)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    if (pthread_mutex_init(&s->lock, NULL) != 0) {
        rtfstream_release(s);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    s->lock_ready = true;
    inner->lpVtbl->AddRef(inner);
    s->inner = inner;
    s->modify = (flags & MAPI_MODIFY) != 0;
    s->uncompressed = (flags & STORE_UNCOMPRESSED_RTF) != 0;
    if (s->modify) {
        /* Where the value starts, to write it again from there at every Commit. */
        LARGE_INTEGER zero;
        zero.QuadPart = 0;
        s->seekable = SUCCEEDED(inner->lpVtbl->Seek(inner, zero, STREAM_SEEK_CUR, &s->start));
        if (!s->seekable)
            s->start.QuadPart = 0;
        *out = rtfstream_as_IStream(s);
        return S_OK;
    }
    BYTE *z = NULL;
    size_t nz = 0;
    hr = read_all(inner, &z, &nz);
    /* An empty property is an empty body. */
    if (SUCCEEDED(hr) && nz > 0)
        hr = mapirt_rtf_decompress(z, nz, &s->data, &s->size);
    mapirt_free(z);
    if (SUCCEEDED(hr) && (flags & MAPI_NATIVE_BODY) && s->size > 0)
        hr = native_body(&s->data, &s->size, in_cp, out_cp, type);
    if (FAILED(hr)) {
        rtfstream_release(s);
        return hr;
    }
    *out = rtfstream_as_IStream(s);
    return S_OK;
}

HRESULT WrapCompressedRTFStream(LPSTREAM lpCompressedRTFStream, ULONG ulFlags,
                                LPSTREAM *lpUncompressedRTFStream)
{
    ULONG type;
    HRESULT hr = WrapCompressedRTFStream_check_inline(lpCompressedRTFStream, ulFlags,
                                                      lpUncompressedRTFStream);
    if (FAILED(hr))
        return hr;
    return wrap(lpCompressedRTFStream, ulFlags, 0, 0, &type, lpUncompressedRTFStream);
}

HRESULT WrapCompressedRTFStreamEx(LPSTREAM pCompressedRTFStream, const RTF_WCSINFO *pWCSInfo,
                                  LPSTREAM *ppUncompressedRTFStream, RTF_WCSRETINFO *pRetInfo)
{
    ULONG type;
    HRESULT hr = WrapCompressedRTFStreamEx_check_inline(pCompressedRTFStream, pWCSInfo,
                                                        ppUncompressedRTFStream, pRetInfo);
    if (FAILED(hr))
        return hr;
    /* Both structures say how large the caller's version of them is. */
    if (pWCSInfo->size < sizeof(RTF_WCSINFO) ||
        (pRetInfo != NULL && pRetInfo->size < sizeof(RTF_WCSRETINFO)))
        return MAPI_E_INVALID_PARAMETER;
    ULONG flags = pWCSInfo->ulFlags;
    if (flags & ~MAPIRT_FLAGSET_WrapCompressedRTFExFlags)
        return MAPI_E_UNKNOWN_FLAGS;
    if ((flags & MAPI_NATIVE_BODY) && (flags & MAPI_MODIFY))
        return MAPI_E_INVALID_PARAMETER; /* the native body can only be read */
    hr = wrap(pCompressedRTFStream, flags, pWCSInfo->ulInCodePage, pWCSInfo->ulOutCodePage,
              &type, ppUncompressedRTFStream);
    if (SUCCEEDED(hr) && pRetInfo != NULL)
        pRetInfo->ulStreamFlags = type;
    return hr;
}
