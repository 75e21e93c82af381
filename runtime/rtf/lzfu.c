/* lzfu.c: the compressed RTF format of [MS-OXRTFCP]: a 16-byte header, then runs of one control
 * byte and eight tokens, each a literal byte or a big-endian 16-bit reference (12-bit dictionary
 * offset, 4-bit length - 2) into a 4096-byte circular dictionary that starts with a fixed
 * 207-byte RTF prefix. A reference to the current write offset ends the data. */
#include <mapicode.h>

#include <string.h>

#include <mapirt/alloc.h>

#include "rtf_internal.h"

#define DICT_SIZE 4096u
#define MAX_MATCH 17u

static const char prebuf[] =
    "{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern "
    "\\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0"
    "\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx";
#define PREBUF_LEN (sizeof(prebuf) - 1)
_Static_assert(PREBUF_LEN == 207, "[MS-OXRTFCP] 2.1.3.1.3: the initial dictionary is 207 bytes");

struct dict {
    BYTE buf[DICT_SIZE];
    unsigned write; /* next offset written */
    size_t filled; /* bytes ever written, capped at DICT_SIZE */
};

static void dict_init(struct dict *d)
{
    memset(d->buf, 0, sizeof(d->buf));
    memcpy(d->buf, prebuf, PREBUF_LEN);
    d->write = PREBUF_LEN;
    d->filled = PREBUF_LEN;
}

static inline void dict_put(struct dict *d, BYTE b)
{
    d->buf[d->write] = b;
    d->write = (d->write + 1) % DICT_SIZE;
    if (d->filled < DICT_SIZE)
        d->filled++;
}

static uint32_t crc_table[256];

__attribute__((constructor)) static void crc_table_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

uint32_t mapirt_rtf_crc(uint32_t crc, const BYTE *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        crc = crc_table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
    return crc;
}

static inline uint32_t get32(const BYTE *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void put32(BYTE *p, uint32_t v)
{
    p[0] = (BYTE)v;
    p[1] = (BYTE)(v >> 8);
    p[2] = (BYTE)(v >> 16);
    p[3] = (BYTE)(v >> 24);
}

/* A growable private-heap byte buffer. */
struct bytes {
    BYTE *p;
    size_t n, cap;
};

static int bytes_reserve(struct bytes *b, size_t more)
{
    if (b->cap - b->n >= more)
        return 1;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->n < more) {
        if (cap > SIZE_MAX / 2)
            return 0;
        cap *= 2;
    }
    BYTE *p = mapirt_realloc(b->p, cap);
    if (p == NULL)
        return 0;
    b->p = p;
    b->cap = cap;
    return 1;
}

static inline void bytes_put(struct bytes *b, BYTE v)
{
    b->p[b->n++] = v; /* callers reserve first */
}

HRESULT mapirt_rtf_decompress(const BYTE *in, size_t cb, BYTE **out, size_t *cbOut)
{
    if (in == NULL || out == NULL || cbOut == NULL)
        return MAPI_E_INVALID_PARAMETER;
    if (cb < RTF_HEADER_SIZE)
        return MAPI_E_CORRUPT_DATA;
    uint32_t compsize = get32(in), rawsize = get32(in + 4), type = get32(in + 8);
    uint32_t crc = get32(in + 12);
    /* COMPSIZE counts everything after itself; trailing bytes beyond it are ignored. */
    if (compsize < RTF_HEADER_SIZE - 4 || (size_t)compsize > cb - 4)
        return MAPI_E_CORRUPT_DATA;
    const BYTE *p = in + RTF_HEADER_SIZE, *end = in + 4 + compsize;
    struct bytes o = {0};
    if (type == RTF_COMPTYPE_UNCOMPRESSED) {
        size_t n = (size_t)(end - p);
        if (rawsize > n)
            return MAPI_E_CORRUPT_DATA; /* RAWSIZE promises more than there is */
        n = rawsize; /* RAWSIZE says how much of the data is the RTF */
        if (!bytes_reserve(&o, n ? n : 1))
            return MAPI_E_NOT_ENOUGH_MEMORY;
        memcpy(o.p, p, n);
        *out = o.p;
        *cbOut = n;
        return S_OK;
    }
    if (type != RTF_COMPTYPE_COMPRESSED || mapirt_rtf_crc(0, p, (size_t)(end - p)) != crc)
        return MAPI_E_CORRUPT_DATA;
    /* RAWSIZE is only a hint for the first allocation: a lying header cannot make us reserve
     * more than the tokens could possibly produce. */
    size_t hint = rawsize;
    if (hint > (size_t)(end - p) * 8 * MAX_MATCH)
        hint = (size_t)(end - p) * 8 * MAX_MATCH;
    if (!bytes_reserve(&o, hint ? hint : 1))
        return MAPI_E_NOT_ENOUGH_MEMORY;
    struct dict *d = mapirt_malloc(sizeof(*d));
    if (d == NULL) {
        mapirt_free(o.p);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    dict_init(d);
    HRESULT hr = S_OK;
    int ended = 0;
    while (p < end && !ended) {
        BYTE control = *p++;
        for (int bit = 0; bit < 8 && !ended; bit++) {
            if (!(control & (1u << bit))) {
                if (p >= end)
                    goto done;
                if (!bytes_reserve(&o, 1)) {
                    hr = MAPI_E_NOT_ENOUGH_MEMORY;
                    goto done;
                }
                bytes_put(&o, *p);
                dict_put(d, *p++);
                continue;
            }
            if (end - p < 2)
                goto done;
            unsigned ref = (unsigned)p[0] << 8 | p[1];
            p += 2;
            unsigned off = ref >> 4, len = (ref & 15) + 2;
            if (off == d->write) {
                ended = 1;
                break;
            }
            if (!bytes_reserve(&o, len)) {
                hr = MAPI_E_NOT_ENOUGH_MEMORY;
                goto done;
            }
            /* Byte by byte: a reference may read what it is itself writing. */
            for (unsigned i = 0; i < len; i++) {
                BYTE b = d->buf[(off + i) % DICT_SIZE];
                bytes_put(&o, b);
                dict_put(d, b);
            }
        }
    }
done:
    mapirt_free(d);
    /* The result is RAWSIZE bytes: an end marker's last reference may run past it (those bytes
     * are not the RTF, as for the uncompressed form), but a stream that ends or runs out short
     * of RAWSIZE is cut. */
    if (hr == S_OK && o.n < rawsize)
        hr = MAPI_E_CORRUPT_DATA;
    else if (hr == S_OK)
        o.n = rawsize;
    if (hr != S_OK) {
        mapirt_free(o.p);
        return hr;
    }
    *out = o.p;
    *cbOut = o.n;
    return S_OK;
}

/* [MS-OXRTFCP] 3.1.1.1.2: the longest match for `in` (at most 17 bytes), tried at every
 * dictionary offset in order from the oldest byte to the write offset; the first offset reaching
 * a length wins. Matched bytes enter the dictionary as they match, so a match may run into the
 * bytes it is producing, and later offsets are compared with the dictionary as it then is: that
 * is the specified behaviour, and the only way to produce Microsoft's exact output. memchr
 * skips offsets whose first byte cannot match. Returns the length (0: no byte matched, nothing
 * added) and the offset. */
static unsigned longest_match(struct dict *d, const BYTE *in, size_t avail, unsigned *offset)
{
    unsigned final = d->write;
    unsigned pos = d->filled < DICT_SIZE ? 0 : (d->write + 1) % DICT_SIZE;
    unsigned max = avail < MAX_MATCH ? (unsigned)avail : MAX_MATCH;
    unsigned best = 0, best_off = 0;
    while (pos != final) {
        /* Next offset whose byte equals in[0], without passing `final`. */
        unsigned stop = final > pos ? final : DICT_SIZE;
        const BYTE *hit = memchr(d->buf + pos, in[0], stop - pos);
        if (hit == NULL) {
            pos = stop % DICT_SIZE;
            continue;
        }
        pos = (unsigned)(hit - d->buf);
        unsigned len = 0, at = pos;
        while (len < max && d->buf[at] == in[len]) {
            len++;
            if (len > best)
                dict_put(d, in[len - 1]);
            at = (at + 1) % DICT_SIZE;
        }
        if (len > best) {
            best = len;
            best_off = pos;
            if (best == MAX_MATCH)
                break;
        }
        pos = (pos + 1) % DICT_SIZE;
    }
    *offset = best_off;
    return best;
}

HRESULT mapirt_rtf_compress(const BYTE *in, size_t cb, BYTE **out, size_t *cbOut)
{
    if ((in == NULL && cb != 0) || out == NULL || cbOut == NULL)
        return MAPI_E_INVALID_PARAMETER;
    if (cb > UINT32_MAX - RTF_HEADER_SIZE)
        return MAPI_E_INVALID_PARAMETER;
    struct bytes o = {0};
    struct dict *d = mapirt_malloc(sizeof(*d));
    /* Worst case: one control byte per 8 literals, plus the end reference. */
    if (d == NULL || !bytes_reserve(&o, RTF_HEADER_SIZE + cb + cb / 8 + 4)) {
        mapirt_free(d);
        mapirt_free(o.p);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    dict_init(d);
    o.n = RTF_HEADER_SIZE;
    size_t at = 0;
    for (int ended = 0; !ended;) {
        size_t control_at = o.n;
        BYTE control = 0;
        bytes_put(&o, 0);
        for (int bit = 0; bit < 8; bit++) {
            if (at >= cb) {
                unsigned ref = d->write << 4;
                control |= (BYTE)(1u << bit);
                bytes_put(&o, (BYTE)(ref >> 8));
                bytes_put(&o, (BYTE)ref);
                ended = 1;
                break;
            }
            unsigned off, len = longest_match(d, in + at, cb - at, &off);
            if (len == 0)
                dict_put(d, in[at]);
            if (len < 2) {
                bytes_put(&o, in[at]);
                at++;
                continue;
            }
            unsigned ref = off << 4 | (len - 2);
            control |= (BYTE)(1u << bit);
            bytes_put(&o, (BYTE)(ref >> 8));
            bytes_put(&o, (BYTE)ref);
            at += len;
        }
        o.p[control_at] = control;
    }
    mapirt_free(d);
    if (o.n - 4 > UINT32_MAX) {
        mapirt_free(o.p);
        return MAPI_E_INVALID_PARAMETER;
    }
    put32(o.p, (uint32_t)(o.n - 4));
    put32(o.p + 4, (uint32_t)cb);
    put32(o.p + 8, RTF_COMPTYPE_COMPRESSED);
    put32(o.p + 12, mapirt_rtf_crc(0, o.p + RTF_HEADER_SIZE, o.n - RTF_HEADER_SIZE));
    *out = o.p;
    *cbOut = o.n;
    return S_OK;
}

HRESULT mapirt_rtf_store_uncompressed(const BYTE *in, size_t cb, BYTE **out, size_t *cbOut)
{
    if ((in == NULL && cb != 0) || out == NULL || cbOut == NULL)
        return MAPI_E_INVALID_PARAMETER;
    if (cb > UINT32_MAX - RTF_HEADER_SIZE)
        return MAPI_E_INVALID_PARAMETER;
    BYTE *p = mapirt_malloc(RTF_HEADER_SIZE + cb);
    if (p == NULL)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    put32(p, (uint32_t)(cb + RTF_HEADER_SIZE - 4));
    put32(p + 4, (uint32_t)cb);
    put32(p + 8, RTF_COMPTYPE_UNCOMPRESSED);
    put32(p + 12, 0);
    if (cb)
        memcpy(p + RTF_HEADER_SIZE, in, cb);
    *out = p;
    *cbOut = RTF_HEADER_SIZE + cb;
    return S_OK;
}
