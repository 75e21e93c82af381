/* tableindex.c: the hash of an ITableData's rows on their index column.
 *
 * Open addressing with linear probing over 32-bit slots (row id and a few bits of the hash);
 * a deleted row leaves a tombstone until the next rehash. Index values are equal when their bytes are (strings without their
 * terminator, PT_BOOLEAN as 0 or 1), so lookups never depend on locale or case. Growing
 * happens only in tbl_index_reserve, before a change starts, so inserting cannot fail. */
#include <string.h>

#include <mapirt/strconv.h>

#include "table_internal.h"

bool tbl_index_type_ok(ULONG type)
{
    switch (type) {
    case PT_I2:
    case PT_LONG:
    case PT_R4:
    case PT_DOUBLE:
    case PT_CURRENCY:
    case PT_APPTIME:
    case PT_ERROR:
    case PT_BOOLEAN:
    case PT_I8:
    case PT_STRING8:
    case PT_UNICODE:
    case PT_SYSTIME:
    case PT_CLSID:
    case PT_BINARY:
        return true;
    default:
        return false;
    }
}

bool tbl_key_ok(const tbl_data *t, const SPropValue *key)
{
    return key && key->ulPropTag == t->index_tag && !FBadProp((LPSPropValue)key);
}

/* The bytes that identify an index value (equal bytes, equal value). */
static void key_bytes(const SPropValue *p, const void **b, size_t *n, unsigned short *tmp)
{
    static const char empty[1] = "";

    switch (PROP_TYPE(p->ulPropTag)) {
    case PT_I2:
        *b = &p->Value.i;
        *n = sizeof(p->Value.i);
        break;
    case PT_BOOLEAN:
        *tmp = p->Value.b != 0;
        *b = tmp;
        *n = sizeof(*tmp);
        break;
    case PT_LONG:
        *b = &p->Value.l;
        *n = sizeof(p->Value.l);
        break;
    case PT_ERROR:
        *b = &p->Value.err;
        *n = sizeof(p->Value.err);
        break;
    case PT_R4:
        *b = &p->Value.flt;
        *n = sizeof(p->Value.flt);
        break;
    case PT_DOUBLE:
        *b = &p->Value.dbl;
        *n = sizeof(p->Value.dbl);
        break;
    case PT_APPTIME:
        *b = &p->Value.at;
        *n = sizeof(p->Value.at);
        break;
    case PT_CURRENCY:
        *b = &p->Value.cur;
        *n = sizeof(p->Value.cur);
        break;
    case PT_I8:
        *b = &p->Value.li;
        *n = sizeof(p->Value.li);
        break;
    case PT_SYSTIME:
        *b = &p->Value.ft;
        *n = sizeof(p->Value.ft);
        break;
    case PT_STRING8:
        *b = p->Value.lpszA ? (const void *)p->Value.lpszA : empty;
        *n = p->Value.lpszA ? strlen(p->Value.lpszA) : 0;
        break;
    case PT_UNICODE:
        *b = p->Value.lpszW ? (const void *)p->Value.lpszW : empty;
        *n = p->Value.lpszW ? mapirt_wcslen(p->Value.lpszW) * sizeof(WCHAR) : 0;
        break;
    case PT_BINARY:
        *b = p->Value.bin.cb ? (const void *)p->Value.bin.lpb : empty;
        *n = p->Value.bin.cb;
        break;
    case PT_CLSID:
        *b = p->Value.lpguid ? (const void *)p->Value.lpguid : empty;
        *n = p->Value.lpguid ? sizeof(GUID) : 0;
        break;
    default:
        *b = empty;
        *n = 0;
        break;
    }
}

uint32_t tbl_key_hash(const SPropValue *p)
{
    const unsigned char *b;
    unsigned short tmp;
    uint32_t h = 2166136261u; /* FNV-1a */
    size_t n;

    key_bytes(p, (const void **)&b, &n, &tmp);
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 16777619u;
    /* spread every byte over every bit (the index uses the high bits, fingerprints the low) */
    h ^= h >> 16;
    h *= 0x85EBCA6Bu;
    h ^= h >> 13;
    h *= 0xC2B2AE35u;
    return h ^ (h >> 16);
}

static bool key_equal(const SPropValue *a, const SPropValue *b)
{
    const void *pa, *pb;
    size_t na, nb;
    unsigned short ta, tb;

    key_bytes(a, &pa, &na, &ta);
    key_bytes(b, &pb, &nb, &tb);
    return na == nb && memcmp(pa, pb, na) == 0;
}

/* A slot: 0 empty, 1 a tombstone, else the row id + 2 with the low four bits of the hash above
 * it, so that most probes that miss never read a row. The table has any size (not a power of
 * two: it holds 4/3 of the rows, not up to 8/3); a hash picks its first slot by its high bits. */
#define SLOT_EMPTY 0u
#define SLOT_TOMB 1u
#define SLOT_ID(s) (((s) & 0x0FFFFFFFu) - 2)
#define SLOT_FP(h) (((h) & 0xFu) << 28)
#define SLOT_MAKE(id, h) (SLOT_FP(h) | ((id) + 2))

static inline ULONG first_slot(uint32_t h, ULONG cap)
{
    return (ULONG)(((uint64_t)h * cap) >> 32);
}

static inline ULONG next_slot(ULONG i, ULONG cap)
{
    return i + 1 == cap ? 0 : i + 1;
}

static uint32_t row_hash(const tbl_data *t, tbl_rid id)
{
    SPropValue k;
    tbl_rec_key(tbl_rec_of(t, tbl_row_at(t, id)), &k);
    return tbl_key_hash(&k);
}

tbl_rid tbl_index_find(const tbl_data *t, const SPropValue *key, uint32_t h)
{
    if (t->hcap == 0)
        return TBL_NO_ROW;
    for (ULONG i = first_slot(h, t->hcap);; i = next_slot(i, t->hcap)) {
        uint32_t s = t->hash[i];
        if (s == SLOT_EMPTY)
            return TBL_NO_ROW;
        if (s != SLOT_TOMB && (s & 0xF0000000u) == SLOT_FP(h)) {
            SPropValue k;
            tbl_rec_key(tbl_rec_of(t, tbl_row_at(t, SLOT_ID(s))), &k);
            if (key_equal(&k, key))
                return SLOT_ID(s);
        }
    }
}

/* Room for extra more rows without growing inside a change (load at most 3/4). */
HRESULT tbl_index_reserve(tbl_data *t, ULONG extra)
{
    uint64_t live = (uint64_t)t->nrows + extra, cap;
    uint32_t *slots;

    if (((uint64_t)t->hused + extra) * 4 <= (uint64_t)t->hcap * 3)
        return S_OK;
    /* 4/3 of the rows, and half as much again when growing one row at a time */
    cap = live * 4 / 3 + 1;
    if (extra < live / 2)
        cap += cap / 2;
    if (cap < 16)
        cap = 16;
    if (cap > 0x7FFFFFFFu)
        return MAPI_E_TABLE_TOO_BIG;
    slots = mapirt_calloc((size_t)cap, sizeof(uint32_t));
    if (!slots)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    for (ULONG k = 0; k < t->norder; k++) {
        tbl_rid id = t->order[k];
        if (id == TBL_NO_ROW)
            continue;
        uint32_t h = row_hash(t, id);
        ULONG i = first_slot(h, (ULONG)cap);
        while (slots[i])
            i = next_slot(i, (ULONG)cap);
        slots[i] = SLOT_MAKE(id, h);
    }
    mapirt_free(t->hash);
    t->hash = slots;
    t->hcap = (ULONG)cap;
    t->hused = t->nrows;
    return S_OK;
}

void tbl_index_insert(tbl_data *t, tbl_rid id, uint32_t h)
{
    ULONG i = first_slot(h, t->hcap);

    while (t->hash[i] != SLOT_EMPTY && t->hash[i] != SLOT_TOMB)
        i = next_slot(i, t->hcap);
    if (t->hash[i] == SLOT_EMPTY)
        t->hused++;
    t->hash[i] = SLOT_MAKE(id, h);
}

void tbl_index_remove(tbl_data *t, tbl_rid id, uint32_t h)
{
    for (ULONG i = first_slot(h, t->hcap);; i = next_slot(i, t->hcap)) {
        if (t->hash[i] == SLOT_MAKE(id, h)) {
            t->hash[i] = SLOT_TOMB;
            return;
        }
    }
}
