/* memstream.h: an IStream over a growable byte buffer for the tests (memstream.idl), with the
 * failures a real stream can have: a read or write error, a short read, a failing Commit.
 * Include it in one test file: it defines the object's methods (static). */
#ifndef TESTS_RUNTIME_MEMSTREAM_H
#define TESTS_RUNTIME_MEMSTREAM_H

#include <objidl.h>
#include <mapicode.h>

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

struct memstream {
    BYTE *data;
    size_t size, cap, pos;
    HRESULT read_error, write_error, seek_error, commit_error; /* returned when set */
    ULONG read_chunk; /* when non-zero, Read hands out at most this many bytes a call */
    int commits, writes;
};

#include "memstream_object.h"

static void memstream_destroy(struct memstream *m)
{
    free(m->data);
}

static HRESULT memstream_Read(struct memstream *m, void *pv, ULONG cb, ULONG *pcbRead)
{
    if (m->read_error)
        return m->read_error;
    size_t n = m->pos < m->size ? m->size - m->pos : 0;
    if (n > cb)
        n = cb;
    if (m->read_chunk && n > m->read_chunk)
        n = m->read_chunk;
    if (n > 0)
        memcpy(pv, m->data + m->pos, n);
    m->pos += n;
    if (pcbRead)
        *pcbRead = (ULONG)n;
    return S_OK;
}

static void memstream_reserve(struct memstream *m, size_t n)
{
    if (n <= m->cap)
        return;
    size_t cap = m->cap ? m->cap : 64;
    while (cap < n)
        cap *= 2;
    m->data = realloc(m->data, cap);
    cr_assert_not_null(m->data);
    memset(m->data + m->cap, 0, cap - m->cap);
    m->cap = cap;
}

static HRESULT memstream_Write(struct memstream *m, const void *pv, ULONG cb, ULONG *pcbWritten)
{
    if (m->write_error)
        return m->write_error;
    memstream_reserve(m, m->pos + cb);
    if (cb)
        memcpy(m->data + m->pos, pv, cb);
    m->pos += cb;
    if (m->pos > m->size)
        m->size = m->pos;
    m->writes++;
    if (pcbWritten)
        *pcbWritten = cb;
    return S_OK;
}

static HRESULT memstream_Seek(struct memstream *m, LARGE_INTEGER move, DWORD origin,
                              ULARGE_INTEGER *pos)
{
    if (m->seek_error)
        return m->seek_error;
    LONGLONG base = origin == STREAM_SEEK_SET ? 0
                    : origin == STREAM_SEEK_CUR ? (LONGLONG)m->pos
                    : origin == STREAM_SEEK_END ? (LONGLONG)m->size
                                                : -1;
    if (base < 0)
        return STG_E_INVALIDFUNCTION;
    if (base + move.QuadPart < 0)
        return STG_E_INVALIDFUNCTION;
    m->pos = (size_t)(base + move.QuadPart);
    if (pos)
        pos->QuadPart = m->pos;
    return S_OK;
}

static HRESULT memstream_SetSize(struct memstream *m, ULARGE_INTEGER size)
{
    if (m->write_error)
        return m->write_error;
    memstream_reserve(m, (size_t)size.QuadPart);
    if (size.QuadPart < m->size)
        memset(m->data + size.QuadPart, 0, m->size - (size_t)size.QuadPart);
    m->size = (size_t)size.QuadPart;
    return S_OK;
}

static HRESULT memstream_Commit(struct memstream *m, DWORD flags)
{
    (void)flags;
    if (m->commit_error)
        return m->commit_error;
    m->commits++;
    return S_OK;
}

static HRESULT memstream_Stat(struct memstream *m, STATSTG *st, DWORD flags)
{
    (void)flags;
    memset(st, 0, sizeof(*st));
    st->type = STGTY_STREAM;
    st->cbSize.QuadPart = m->size;
    return S_OK;
}

/* A new stream holding a copy of n bytes at p, positioned at its start. */
static inline struct memstream *memstream_over(const void *p, size_t n)
{
    struct memstream *m = memstream_new();
    cr_assert_not_null(m);
    memstream_reserve(m, n);
    if (n)
        memcpy(m->data, p, n);
    m->size = n;
    return m;
}

static inline IStream *memstream_stream(struct memstream *m)
{
    return memstream_as_IStream(m);
}
#endif
