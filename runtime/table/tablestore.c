/* tablestore.c: how an ITableData keeps its rows: row slots, table order, shapes and the value
 * arena.
 *
 * A row's values are one record in the arena, encoded against the row's shape (its list of
 * tags, shared by every row with the same list): fixed-size values at fixed offsets (largest
 * first, so that every offset keeps its alignment), then each string or binary as its length
 * (LEB128) and its bytes, with a terminator for strings and UTF-16 kept 2-byte aligned.
 * Multi-valued values are rare in tables and hold pointers, so they are kept out of line in a
 * box (one block, as ScCopyProps lays it out) the record points to. Reading a value gives an
 * SPropValue whose pointers point into the record, so a string is never copied to be read.
 *
 * Records are appended to chunks of up to 256 KB (a larger record gets a chunk of its own); a
 * record a row no longer uses is garbage until the arena is compacted, which happens at the end
 * of a change once garbage outweighs the live records, by copying the live ones in table order
 * into fresh chunks. Row slots live in pages that never move, so a row's address is stable;
 * table order is an array of row ids in which deleted rows leave tombstones, squeezed out when
 * row numbers are needed (HrEnumRow, HrQueryRow, HrInsertRow) or when they outnumber the rows,
 * so that deleting rows one by one costs O(1) each instead of renumbering the table. */
#include <stdlib.h>
#include <string.h>

#include <mapirt/strconv.h>

#include "prop/prop_internal.h"
#include "table_internal.h"

#define CHUNK_MAX (256u * 1024u) /* offsets are stored / 4 in 16 bits */
#define CHUNK_MIN 1024u
#define MAX_CHUNKS 65536u
#define MAX_SHAPES 0x00FFFFFFu /* tbl_row.shape is 24 bits; id 0 is never used */

/* Kinds of variable-size values. */
enum { VK_A, VK_W, VK_BIN };

/* How each value of a shape is read (tbl_rec_get). */
enum { K_NONE, K_I2, K_BOOL, K_4, K_8, K_GUID, K_BOX, K_A, K_W, K_BIN };

/* ---- value classes -------------------------------------------------------------------- */

/* The type a value is stored as (one instance of a multi-valued column is a single value). */
static ULONG stored_type(ULONG tag)
{
    ULONG type = PROP_TYPE(tag);
    if (type & MV_INSTANCE)
        type &= ~(ULONG)(MV_FLAG | MV_INSTANCE);
    return type;
}

/* Bytes a fixed-size value takes in a record; -1 for a variable-size one. */
static int fixed_size(ULONG type)
{
    switch (type) {
    case PT_NULL:
    case PT_OBJECT:
    case PT_UNSPECIFIED:
        return 0;
    case PT_I2:
    case PT_BOOLEAN:
        return 2;
    case PT_LONG:
    case PT_ERROR:
    case PT_R4:
        return 4;
    case PT_DOUBLE:
    case PT_APPTIME:
    case PT_CURRENCY:
    case PT_I8:
    case PT_SYSTIME:
        return 8;
    case PT_CLSID:
        return 16;
    case PT_STRING8:
    case PT_UNICODE:
    case PT_BINARY:
        return -1;
    default:
        return 8; /* multi-valued: a pointer to its box */
    }
}

static bool is_boxed(ULONG type)
{
    return (type & MV_FLAG) != 0;
}

static unsigned leb_size(uint32_t n)
{
    unsigned k = 1;
    while (n >= 0x80) {
        n >>= 7;
        k++;
    }
    return k;
}

static BYTE *leb_put(BYTE *p, uint32_t n)
{
    while (n >= 0x80) {
        *p++ = (BYTE)(n | 0x80);
        n >>= 7;
    }
    *p++ = (BYTE)n;
    return p;
}

static uint32_t leb_get(const BYTE **pp)
{
    const BYTE *p = *pp;
    uint32_t n = 0;
    unsigned shift = 0;
    for (;;) {
        BYTE b = *p++;
        n |= (uint32_t)(b & 0x7F) << shift;
        if (!(b & 0x80))
            break;
        shift += 7;
    }
    *pp = p;
    return n;
}

/* Past one variable-size value of kind k starting at p; *data and *len receive its bytes. */
static const BYTE *var_read(const BYTE *p, unsigned k, const BYTE **data, uint32_t *len)
{
    uint32_t n = leb_get(&p);
    if (k == VK_W)
        p += (uintptr_t)p & 1;
    *data = p;
    *len = n;
    return p + n + (k == VK_A ? 1 : k == VK_W ? 2 : 0);
}

/* ---- shapes --------------------------------------------------------------------------- */

static uint32_t tags_hash(const SPropValue *props, ULONG c)
{
    uint32_t h = 2166136261u ^ c;
    for (ULONG i = 0; i < c; i++)
        h = (h ^ props[i].ulPropTag) * 16777619u;
    return h ^ (h >> 15);
}

static inline uint32_t tag_slot(ULONG tag, uint32_t mask)
{
    return ((uint32_t)tag * 0x9E3779B1u >> 7) & mask;
}

int tbl_shape_find(const tbl_shape *sh, ULONG tag)
{
    if (sh->n <= 4) {
        for (ULONG i = 0; i < sh->n; i++)
            if (sh->tags[i] == tag)
                return (int)i;
        return -1;
    }
    for (uint32_t s = tag_slot(tag, sh->lmask);; s = (s + 1) & sh->lmask) {
        uint32_t e = sh->lookup[s];
        if (e == 0)
            return -1;
        if (sh->tags[e - 1] == tag)
            return (int)e - 1;
    }
}

static bool same_tags(const tbl_shape *sh, const SPropValue *props, ULONG c)
{
    if (sh->n != c)
        return false;
    for (ULONG i = 0; i < c; i++)
        if (sh->tags[i] != props[i].ulPropTag)
            return false;
    return true;
}

static void shape_free(tbl_shape *sh)
{
    if (sh) {
        mapirt_free(sh->tags);
        mapirt_free(sh->where);
        mapirt_free(sh->lookup);
        mapirt_free(sh);
    }
}

/* The var kinds of a shape, in var order, follow its where[] (same block), then the kind of
 * every value. */
static inline const uint8_t *shape_vkinds(const tbl_shape *sh)
{
    return (const uint8_t *)(sh->where + sh->n);
}

static inline const uint8_t *shape_kinds(const tbl_shape *sh)
{
    return (const uint8_t *)(sh->where + sh->n) + sh->n;
}

static uint8_t kind_of(ULONG type)
{
    switch (type) {
    case PT_I2:
        return K_I2;
    case PT_BOOLEAN:
        return K_BOOL;
    case PT_STRING8:
        return K_A;
    case PT_UNICODE:
        return K_W;
    case PT_BINARY:
        return K_BIN;
    case PT_CLSID:
        return K_GUID;
    default:
        switch (fixed_size(type)) {
        case 0:
            return K_NONE;
        case 4:
            return K_4;
        default:
            return is_boxed(type) ? K_BOX : K_8;
        }
    }
}

static tbl_shape *shape_new(const tbl_data *t, const SPropValue *props, ULONG c, uint32_t hash)
{
    tbl_shape *sh = mapirt_calloc(1, sizeof(*sh));
    uint32_t off = 0, nvar = 0;

    if (!sh)
        return NULL;
    sh->n = c;
    sh->hash = hash;
    sh->key = -1;
    sh->tags = mapirt_malloc((c ? c : 1) * sizeof(ULONG));
    sh->where = mapirt_malloc((c ? c : 1) * (sizeof(uint32_t) + 2));
    if (c > 4) {
        uint32_t cap = 8;
        while (cap < 2 * c)
            cap *= 2;
        sh->lmask = cap - 1;
        sh->lookup = mapirt_calloc(cap, sizeof(uint32_t));
    }
    if (!sh->tags || !sh->where || (c > 4 && !sh->lookup)) {
        shape_free(sh);
        return NULL;
    }
    uint8_t *vk = (uint8_t *)(sh->where + c), *kinds = vk + c;
    /* Largest first: every fixed offset is then a multiple of its value's alignment (up to 4,
     * which records keep). */
    static const int sizes[] = {16, 8, 4, 2, 0};
    for (unsigned s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
        for (ULONG i = 0; i < c; i++)
            if (fixed_size(stored_type(props[i].ulPropTag)) == sizes[s]) {
                sh->where[i] = off;
                off += (uint32_t)sizes[s];
            }
    for (ULONG i = 0; i < c; i++) {
        ULONG type = stored_type(props[i].ulPropTag);
        sh->tags[i] = props[i].ulPropTag;
        kinds[i] = kind_of(type);
        if (fixed_size(type) < 0) {
            vk[nvar] = type == PT_STRING8 ? VK_A : type == PT_UNICODE ? VK_W : VK_BIN;
            sh->where[i] = TBL_VAR | nvar++;
        } else if (is_boxed(type)) {
            sh->nboxes++;
        }
    }
    sh->fixed = off;
    sh->nvar = nvar;
    for (ULONG i = 0; i < c && sh->lookup; i++) {
        uint32_t s = tag_slot(sh->tags[i], sh->lmask);
        bool dup = false;
        while (sh->lookup[s] && !dup) {
            dup = sh->tags[sh->lookup[s] - 1] == sh->tags[i]; /* the first one is found */
            s = (s + 1) & sh->lmask;
        }
        if (!dup)
            sh->lookup[s] = i + 1;
    }
    sh->key = tbl_shape_find(sh, t->index_tag);
    return sh;
}

/* Room for one more shape in the id table and the shape hash. */
static HRESULT shapes_reserve(tbl_data *t)
{
    if (t->nshapes + 1 >= t->capshapes) {
        ULONG cap = t->capshapes ? t->capshapes * 2 : 8;
        if (t->nshapes + 1 >= MAX_SHAPES)
            return MAPI_E_TABLE_TOO_BIG;
        tbl_shape **s = mapirt_realloc(t->shapes, cap * sizeof(*s));
        if (!s)
            return MAPI_E_NOT_ENOUGH_MEMORY;
        memset(s + t->capshapes, 0, (cap - t->capshapes) * sizeof(*s));
        t->shapes = s;
        t->capshapes = cap;
    }
    if ((t->shused + 1) * 4 > t->shcap * 3) {
        ULONG cap = t->shcap ? t->shcap * 2 : 16;
        uint32_t *h = mapirt_calloc(cap, sizeof(uint32_t));
        if (!h)
            return MAPI_E_NOT_ENOUGH_MEMORY;
        t->shused = 0;
        for (ULONG id = 1; id < t->nshapes; id++) {
            if (!t->shapes[id])
                continue;
            ULONG s = t->shapes[id]->hash & (cap - 1);
            while (h[s])
                s = (s + 1) & (cap - 1);
            h[s] = (uint32_t)id;
            t->shused++;
        }
        mapirt_free(t->shash);
        t->shash = h;
        t->shcap = cap;
    }
    return S_OK;
}

/* The shape of these tags, made if new; its reference count is raised. */
static HRESULT shape_get(tbl_data *t, const SPropValue *props, ULONG c, ULONG *out)
{
    uint32_t h = tags_hash(props, c);
    HRESULT hr;

    if (t->shcap) {
        for (ULONG s = h & (t->shcap - 1); t->shash[s]; s = (s + 1) & (t->shcap - 1)) {
            tbl_shape *sh = t->shash[s] == UINT32_MAX ? NULL : t->shapes[t->shash[s]];
            if (sh && sh->hash == h && same_tags(sh, props, c)) {
                sh->refs++;
                *out = sh->id;
                return S_OK;
            }
        }
    }
    if (FAILED(hr = shapes_reserve(t)))
        return hr;
    /* Only now: a table whose first reservation failed has no id table for its shape 0. */
    if (t->nshapes == 0)
        t->nshapes = 1; /* id 0 is never used: a record "of no shape" is no record */
    tbl_shape *sh = shape_new(t, props, c, h);
    if (!sh)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    ULONG id = 1;
    while (id < t->nshapes && t->shapes[id])
        id++;
    if (id == t->nshapes)
        t->nshapes++;
    sh->id = id;
    sh->refs = 1;
    t->shapes[id] = sh;
    ULONG s = h & (t->shcap - 1);
    while (t->shash[s] && t->shash[s] != UINT32_MAX)
        s = (s + 1) & (t->shcap - 1);
    if (!t->shash[s])
        t->shused++;
    t->shash[s] = (uint32_t)id;
    *out = id;
    return S_OK;
}

static void shape_release(tbl_data *t, ULONG id)
{
    tbl_shape *sh = t->shapes[id];

    if (--sh->refs)
        return;
    for (ULONG s = sh->hash & (t->shcap - 1);; s = (s + 1) & (t->shcap - 1))
        if (t->shash[s] == id) {
            t->shash[s] = UINT32_MAX; /* a tombstone: later shapes of the chain stay found */
            break;
        }
    t->shapes[id] = NULL;
    shape_free(sh);
}

/* ---- the arena ------------------------------------------------------------------------ */

/* size bytes (a multiple of 4) for a new record. */
static HRESULT arena_alloc(tbl_arena *a, uint32_t size, tbl_ref *out)
{
    if (a->nchunks && size <= a->csize[a->cur] - a->used) {
        *out = (a->cur << 16) | (a->used >> 2);
        a->used += size;
        a->live += size;
        return S_OK;
    }
    if (a->nchunks == MAX_CHUNKS)
        return MAPI_E_TABLE_TOO_BIG;
    if (a->nchunks == a->capchunks) {
        uint32_t cap = a->capchunks ? a->capchunks * 2 : 8;
        BYTE **c = mapirt_realloc(a->chunks, cap * sizeof(*c));
        if (!c)
            return MAPI_E_NOT_ENOUGH_MEMORY;
        a->chunks = c;
        uint32_t *s = mapirt_realloc(a->csize, cap * sizeof(*s));
        if (!s)
            return MAPI_E_NOT_ENOUGH_MEMORY;
        a->csize = s;
        a->capchunks = cap;
    }
    /* A chunk an eighth of what the table holds: the room not yet used stays under an eighth,
     * whatever the size of the table. */
    size_t want = (a->live / 8 + CHUNK_MIN - 1) & ~(size_t)(CHUNK_MIN - 1);
    if (want < CHUNK_MIN)
        want = CHUNK_MIN;
    if (want > CHUNK_MAX)
        want = CHUNK_MAX;
    if (want < size)
        want = size;
    BYTE *chunk = mapirt_malloc(want);
    if (!chunk)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    uint32_t id = a->nchunks++;
    a->chunks[id] = chunk;
    a->csize[id] = (uint32_t)want;
    if (size > CHUNK_MAX) {
        /* a record of its own: the current chunk goes on taking small ones */
        if (a->nchunks == 1)
            a->cur = id, a->used = (uint32_t)want;
    } else {
        if (a->nchunks > 1)
            a->garbage += a->csize[a->cur] - a->used; /* the tail left behind */
        a->cur = id;
        a->used = size;
    }
    a->live += size;
    *out = id << 16;
    return S_OK;
}

static void arena_free_all(tbl_arena *a)
{
    for (uint32_t i = 0; i < a->nchunks; i++)
        mapirt_free(a->chunks[i]);
    mapirt_free(a->chunks);
    mapirt_free(a->csize);
    memset(a, 0, sizeof(*a));
}

/* ---- records -------------------------------------------------------------------------- */

static SPropValue *box_of(const BYTE *slot)
{
    SPropValue *b;
    memcpy(&b, slot, sizeof(b));
    return b;
}

/* Bytes of a record: its fixed part, then its variable-size values. */
static uint32_t rec_size(const tbl_shape *sh, const BYTE *rec)
{
    const BYTE *p = rec + sh->fixed, *data;
    const uint8_t *vk = shape_vkinds(sh);
    uint32_t len;

    for (uint32_t k = 0; k < sh->nvar; k++)
        p = var_read(p, vk[k], &data, &len);
    return p == rec ? 4 : (uint32_t)((p - rec + 3) & ~(uintptr_t)3);
}

static void free_boxes(const tbl_shape *sh, const BYTE *rec)
{
    if (!sh->nboxes)
        return;
    for (ULONG i = 0; i < sh->n; i++)
        if (!(sh->where[i] & TBL_VAR) && is_boxed(stored_type(sh->tags[i])))
            mapirt_free(box_of(rec + sh->where[i]));
}

HRESULT tbl_store_encode(tbl_data *t, const SPropValue *props, ULONG c, tbl_newrec *out)
{
    size_t var = 0;
    ULONG shape;
    HRESULT hr;

    if (c && !props)
        return MAPI_E_INVALID_PARAMETER;
    /* The checks of ScCountProps, and the size of the variable-size part. */
    for (ULONG i = 0; i < c; i++) {
        size_t n;
        ULONG type = stored_type(props[i].ulPropTag);
        if (FAILED(mapirt_prop_check(&props[i], NULL, &n)))
            return MAPI_E_INVALID_PARAMETER;
        if (fixed_size(type) >= 0)
            continue;
        size_t len = type == PT_STRING8 ? strlen(props[i].Value.lpszA)
                     : type == PT_UNICODE ? mapirt_wcslen(props[i].Value.lpszW) * sizeof(WCHAR)
                                          : props[i].Value.bin.cb;
        if (len > 0x7FFFFFF0u)
            return MAPI_E_NOT_ENOUGH_MEMORY;
        var += leb_size((uint32_t)len) + 1 + len + 2; /* at most: a pad and a terminator */
    }
    if (FAILED(hr = shape_get(t, props, c, &shape)))
        return hr;
    const tbl_shape *sh = t->shapes[shape];
    size_t bound = sh->fixed + var + 3;
    if (bound > 0x7FFFFFF0u) {
        shape_release(t, shape);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    /* Boxes first: they are the allocations that can fail one by one. */
    SPropValue *boxes_stack[8], **boxes = boxes_stack;
    if (sh->nboxes > 8 && !(boxes = mapirt_calloc(sh->nboxes, sizeof(*boxes)))) {
        shape_release(t, shape);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    ULONG nb = 0;
    hr = S_OK;
    for (ULONG i = 0; i < c && SUCCEEDED(hr); i++) {
        size_t n = 0;
        if (!is_boxed(stored_type(props[i].ulPropTag)) || (sh->where[i] & TBL_VAR))
            continue;
        mapirt_prop_data_size(&props[i], NULL, &n);
        SPropValue *b = mapirt_malloc(sizeof(SPropValue) + n);
        if (!b) {
            hr = MAPI_E_NOT_ENOUGH_MEMORY;
            break;
        }
        char *cursor = (char *)(b + 1);
        mapirt_prop_copy_data(b, &props[i], &cursor);
        boxes[nb++] = b;
    }
    /* The exact size: lay the variable part out as encoding will. */
    uintptr_t at = sh->fixed;
    for (ULONG i = 0; i < c; i++) {
        ULONG type = stored_type(props[i].ulPropTag);
        if (!(sh->where[i] & TBL_VAR))
            continue;
        size_t len = type == PT_STRING8 ? strlen(props[i].Value.lpszA)
                     : type == PT_UNICODE ? mapirt_wcslen(props[i].Value.lpszW) * sizeof(WCHAR)
                                          : props[i].Value.bin.cb;
        at += leb_size((uint32_t)len);
        if (type == PT_UNICODE)
            at += at & 1;
        at += len + (type == PT_STRING8 ? 1 : type == PT_UNICODE ? 2 : 0);
    }
    uint32_t size = at == 0 ? 4 : (uint32_t)((at + 3) & ~(uintptr_t)3); /* as rec_size */
    tbl_ref ref = 0;
    if (SUCCEEDED(hr))
        hr = arena_alloc(&t->arena, size, &ref);
    if (FAILED(hr)) {
        for (ULONG k = 0; k < nb; k++)
            mapirt_free(boxes[k]);
        if (boxes != boxes_stack)
            mapirt_free(boxes);
        shape_release(t, shape);
        return hr;
    }

    BYTE *rec = (BYTE *)tbl_arena_at(&t->arena, ref), *p = rec + sh->fixed;
    nb = 0;
    for (ULONG i = 0; i < c; i++) {
        const union _PV *v = &props[i].Value;
        ULONG type = stored_type(props[i].ulPropTag);
        uint32_t w = sh->where[i];
        if (!(w & TBL_VAR)) {
            BYTE *d = rec + w;
            switch (fixed_size(type)) {
            case 0:
                break;
            case 2:
                if (type == PT_BOOLEAN) {
                    unsigned short b = v->b;
                    memcpy(d, &b, 2);
                } else {
                    memcpy(d, &v->i, 2);
                }
                break;
            case 4:
                memcpy(d, &v->l, 4); /* l, err and flt share the union's first four bytes */
                break;
            case 16:
                memcpy(d, v->lpguid, sizeof(GUID));
                break;
            default:
                if (is_boxed(type))
                    memcpy(d, &boxes[nb++], sizeof(SPropValue *));
                else
                    memcpy(d, &v->li, 8); /* every 8-byte member starts the union */
                break;
            }
            continue;
        }
        const void *src = type == PT_STRING8 ? (const void *)v->lpszA
                          : type == PT_UNICODE ? (const void *)v->lpszW
                                               : (const void *)v->bin.lpb;
        size_t len = type == PT_STRING8 ? strlen(v->lpszA)
                     : type == PT_UNICODE ? mapirt_wcslen(v->lpszW) * sizeof(WCHAR)
                                          : v->bin.cb;
        p = leb_put(p, (uint32_t)len);
        if (type == PT_UNICODE && ((uintptr_t)p & 1))
            *p++ = 0;
        if (len)
            memcpy(p, src, len);
        p += len;
        if (type == PT_STRING8)
            *p++ = 0;
        else if (type == PT_UNICODE)
            *p++ = 0, *p++ = 0;
    }
    while ((size_t)(p - rec) < size)
        *p++ = 0;
    if (boxes != boxes_stack)
        mapirt_free(boxes);
    out->ref = ref;
    out->shape = shape;
    return S_OK;
}

void tbl_store_drop(tbl_data *t, ULONG shape, tbl_ref ref)
{
    const tbl_shape *sh = t->shapes[shape];
    const BYTE *rec = tbl_arena_at(&t->arena, ref);
    uint32_t size = rec_size(sh, rec);

    free_boxes(sh, rec);
    t->arena.live -= size;
    t->arena.garbage += size;
    shape_release(t, shape);
}

void tbl_rec_get(tbl_rec rec, ULONG i, SPropValue *out)
{
    const tbl_shape *sh = rec.sh;
    uint32_t w = sh->where[i];
    uint8_t kind = shape_kinds(sh)[i];
    const BYTE *d = kind < K_A ? rec.p + w : NULL; /* a fixed value's bytes */

    out->ulPropTag = sh->tags[i];
    out->dwAlignPad = 0;
    out->Value.li.QuadPart = 0;
    switch (kind) {
    case K_NONE:
        return;
    case K_I2:
        memcpy(&out->Value.i, d, 2);
        return;
    case K_BOOL: {
        unsigned short b;
        memcpy(&b, d, 2);
        out->Value.b = b;
        return;
    }
    case K_4:
        memcpy(&out->Value.l, d, 4);
        return;
    case K_8:
        memcpy(&out->Value.li, d, 8);
        return;
    case K_GUID:
        out->Value.lpguid = (LPGUID)(uintptr_t)d;
        return;
    case K_BOX:
        *out = *box_of(d);
        return;
    default:
        break;
    }
    const uint8_t *vk = shape_vkinds(sh);
    const BYTE *p = rec.p + sh->fixed, *data = NULL;
    uint32_t len = 0;
    for (uint32_t k = 0; k <= (w & ~TBL_VAR); k++)
        p = var_read(p, vk[k], &data, &len);
    switch (vk[w & ~TBL_VAR]) {
    case VK_A:
        out->Value.lpszA = (LPSTR)(uintptr_t)data;
        break;
    case VK_W:
        out->Value.lpszW = (LPWSTR)(uintptr_t)data;
        break;
    default:
        out->Value.bin.cb = len;
        out->Value.bin.lpb = len ? (LPBYTE)(uintptr_t)data : NULL;
        break;
    }
}

bool tbl_rec_find(tbl_rec rec, ULONG tag, SPropValue *out)
{
    int i;

    if (PROP_TYPE(tag) == PT_UNSPECIFIED) {
        for (ULONG k = 0; k < rec.sh->n; k++)
            if (PROP_ID(rec.sh->tags[k]) == PROP_ID(tag) &&
                PROP_TYPE(rec.sh->tags[k]) != PT_ERROR) {
                tbl_rec_get(rec, k, out);
                return true;
            }
        return false;
    }
    i = tbl_shape_find(rec.sh, tag);
    if (i < 0)
        return false;
    tbl_rec_get(rec, (ULONG)i, out);
    return true;
}

void tbl_rec_key(tbl_rec rec, SPropValue *out)
{
    tbl_rec_get(rec, (ULONG)rec.sh->key, out);
}

/* ---- slots and table order ------------------------------------------------------------ */

HRESULT tbl_store_reserve(tbl_data *t, ULONG extra)
{
    uint64_t need = (uint64_t)t->nrows + extra;
    ULONG free_ids = 0;

    if (need > TBL_MAX_ROWS)
        return MAPI_E_TABLE_TOO_BIG;
    /* Table order first: deleted rows' tombstones go before it grows. */
    if ((uint64_t)t->norder + extra > t->caporder) {
        if (t->norder != t->nrows)
            tbl_order_compact(t);
        if ((uint64_t)t->norder + extra > t->caporder) {
            uint64_t cap = t->caporder + t->caporder / 2;
            if (cap < need)
                cap = need;
            if (cap < 16)
                cap = 16;
            if (cap > TBL_MAX_ROWS)
                cap = TBL_MAX_ROWS;
            tbl_rid *o = mapirt_realloc(t->order, (size_t)cap * sizeof(tbl_rid));
            if (!o)
                return MAPI_E_NOT_ENOUGH_MEMORY;
            t->order = o;
            t->caporder = (ULONG)cap;
        }
    }
    /* Slots: free ones first, then pages. */
    for (tbl_rid id = t->freeslot; id != TBL_NO_ROW && free_ids < extra;
         id = tbl_row_at(t, id)->val)
        free_ids++;
    uint64_t ids = (uint64_t)t->nslots + (extra - free_ids);
    ULONG pages = (ULONG)((ids + TBL_PAGE_ROWS - 1) >> TBL_PAGE_BITS);
    if (ids <= TBL_PAGE_ROWS && ids > t->page0cap) {
        /* A small table gets a small first page, grown as it fills. */
        ULONG cap = t->page0cap ? t->page0cap : 8;
        while (cap < ids)
            cap *= 2;
        if (!t->pages) {
            t->pages = mapirt_malloc(4 * sizeof(*t->pages));
            if (!t->pages)
                return MAPI_E_NOT_ENOUGH_MEMORY;
            t->cappages = 4;
        }
        tbl_row *p0 = mapirt_realloc(t->npages ? t->pages[0] : NULL, cap * sizeof(tbl_row));
        if (!p0)
            return MAPI_E_NOT_ENOUGH_MEMORY;
        t->pages[0] = p0;
        t->npages = 1;
        t->page0cap = cap;
        return S_OK;
    }
    if (pages > t->cappages) {
        ULONG cap = t->cappages ? t->cappages * 2 : 4;
        if (cap < pages)
            cap = pages;
        tbl_row **p = mapirt_realloc(t->pages, cap * sizeof(*p));
        if (!p)
            return MAPI_E_NOT_ENOUGH_MEMORY;
        t->pages = p;
        t->cappages = cap;
    }
    if (t->npages && t->page0cap < TBL_PAGE_ROWS && pages > 1) {
        tbl_row *p0 = mapirt_realloc(t->pages[0], TBL_PAGE_ROWS * sizeof(tbl_row));
        if (!p0)
            return MAPI_E_NOT_ENOUGH_MEMORY;
        t->pages[0] = p0;
        t->page0cap = TBL_PAGE_ROWS;
    }
    while (t->npages < pages) {
        tbl_row *page = mapirt_malloc(TBL_PAGE_ROWS * sizeof(tbl_row));
        if (!page)
            return MAPI_E_NOT_ENOUGH_MEMORY;
        if (t->npages == 0)
            t->page0cap = TBL_PAGE_ROWS;
        t->pages[t->npages++] = page;
    }
    return S_OK;
}

tbl_rid tbl_slot_take(tbl_data *t)
{
    tbl_rid id;

    if (t->freeslot != TBL_NO_ROW) {
        id = t->freeslot;
        t->freeslot = tbl_row_at(t, id)->val;
    } else {
        id = t->nslots++;
    }
    memset(tbl_row_at(t, id), 0, sizeof(tbl_row));
    return id;
}

void tbl_slot_free(tbl_data *t, tbl_rid id)
{
    tbl_row *r = tbl_row_at(t, id);

    r->state = TBL_ROW_FREE;
    r->val = t->freeslot;
    t->freeslot = id;
}

void tbl_order_compact(tbl_data *t)
{
    ULONG w = 0;

    for (ULONG i = 0; i < t->norder; i++) {
        tbl_rid id = t->order[i];
        if (id == TBL_NO_ROW)
            continue;
        tbl_row_at(t, id)->pos = w;
        t->order[w++] = id;
    }
    t->norder = w;
}

/* ---- compaction ----------------------------------------------------------------------- */

void tbl_store_compact(tbl_data *t)
{
    tbl_arena *a = &t->arena, na;
    uint32_t nsmall = 0, nbig = 0, used = 0;

    if (a->garbage < 64 * 1024 || a->garbage < a->live)
        return;
    /* Lay the copy out first (records in table order, packed into full-size chunks; a record
     * too big for a shared chunk keeps the chunk it has), then allocate every chunk, so that
     * running out of memory changes nothing. */
    for (ULONG i = 0; i < t->norder; i++) {
        if (t->order[i] == TBL_NO_ROW)
            continue;
        const tbl_row *r = tbl_row_at(t, t->order[i]);
        uint32_t size = rec_size(t->shapes[r->shape], tbl_arena_at(a, r->val));
        if (size > CHUNK_MAX) {
            nbig++;
        } else {
            if (nsmall == 0 || size > CHUNK_MAX - used)
                nsmall++, used = 0;
            used += size;
        }
    }
    memset(&na, 0, sizeof(na));
    na.capchunks = nsmall + nbig ? nsmall + nbig : 1;
    na.chunks = mapirt_calloc(na.capchunks, sizeof(BYTE *));
    na.csize = mapirt_calloc(na.capchunks, sizeof(uint32_t));
    if (!na.chunks || !na.csize) {
        arena_free_all(&na);
        return;
    }
    for (uint32_t i = 0; i < nsmall; i++) {
        uint32_t want = i + 1 < nsmall ? CHUNK_MAX : used < CHUNK_MIN ? CHUNK_MIN : used;
        if (!(na.chunks[i] = mapirt_malloc(want))) {
            arena_free_all(&na);
            return;
        }
        na.csize[i] = want;
        na.nchunks = i + 1;
    }
    /* Nothing below can fail. */
    na.cur = 0;
    na.used = 0;
    for (ULONG i = 0; i < t->norder; i++) {
        if (t->order[i] == TBL_NO_ROW)
            continue;
        tbl_row *r = tbl_row_at(t, t->order[i]);
        const BYTE *rec = tbl_arena_at(a, r->val);
        uint32_t size = rec_size(t->shapes[r->shape], rec);
        if (size > CHUNK_MAX) {
            uint32_t old = r->val >> 16, id = nsmall + (na.nchunks - nsmall);
            na.chunks[id] = a->chunks[old];
            na.csize[id] = a->csize[old];
            a->chunks[old] = NULL;
            na.nchunks++;
            r->val = id << 16;
            continue;
        }
        if (size > na.csize[na.cur] - na.used)
            na.cur++, na.used = 0;
        memcpy(na.chunks[na.cur] + na.used, rec, size);
        r->val = (na.cur << 16) | (na.used >> 2);
        na.used += size;
    }
    if (nsmall == 0)
        na.used = na.nchunks ? na.csize[0] : 0; /* only big chunks: none takes small records */
    na.live = a->live;
    arena_free_all(a);
    *a = na;
}

void tbl_store_clear(tbl_data *t)
{
    for (ULONG i = 0; i < t->norder; i++) {
        if (t->order[i] == TBL_NO_ROW)
            continue;
        tbl_row *r = tbl_row_at(t, t->order[i]);
        free_boxes(t->shapes[r->shape], tbl_arena_at(&t->arena, r->val));
    }
    for (ULONG i = 0; i < t->nshapes; i++)
        shape_free(t->shapes[i]);
    for (ULONG i = 0; i < t->npages; i++)
        mapirt_free(t->pages[i]);
    mapirt_free(t->pages);
    mapirt_free(t->shapes);
    mapirt_free(t->shash);
    mapirt_free(t->order);
    arena_free_all(&t->arena);
    t->pages = NULL;
    t->npages = t->cappages = t->page0cap = t->nslots = 0;
    t->freeslot = TBL_NO_ROW;
    t->shapes = NULL;
    t->nshapes = t->capshapes = 0;
    t->shash = NULL;
    t->shcap = t->shused = 0;
    t->order = NULL;
    t->norder = t->caporder = t->nrows = 0;
}
