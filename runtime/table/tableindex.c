/* tableindex.c: the hash of an ITableData's rows on their index column.
 *
 * Open addressing with linear probing over row pointers; a deleted row leaves a tombstone
 * until the next rehash. Index values are equal when their bytes are (strings without their
 * terminator, PT_BOOLEAN as 0 or 1), so lookups never depend on locale or case. Growing
 * happens only in tbl_index_reserve, before a change starts, so inserting cannot fail. */
#include <string.h>

#include <mapirt/strconv.h>

#include "table_internal.h"

#define TBL_TOMB ((tbl_row *)(uintptr_t)1)

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
    return h;
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

tbl_row *tbl_index_find(const tbl_data *t, const SPropValue *key, uint32_t h)
{
    if (t->hcap == 0)
        return NULL;
    for (ULONG i = h & (t->hcap - 1);; i = (i + 1) & (t->hcap - 1)) {
        tbl_row *r = t->hash[i];
        if (!r)
            return NULL;
        if (r != TBL_TOMB && r->hash == h && key_equal(r->key, key))
            return r;
    }
}

/* Room for extra more rows without growing inside a change. */
HRESULT tbl_index_reserve(tbl_data *t, ULONG extra)
{
    uint64_t live = (uint64_t)t->nrows + extra;
    ULONG cap = 16;
    tbl_row **slots;

    if (((uint64_t)t->hused + extra) * 4 <= (uint64_t)t->hcap * 3)
        return S_OK;
    while ((uint64_t)cap < live * 2) {
        if (cap >= 0x80000000u)
            return MAPI_E_TABLE_TOO_BIG;
        cap *= 2;
    }
    slots = mapirt_calloc(cap, sizeof(tbl_row *));
    if (!slots)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    for (ULONG k = 0; k < t->nrows; k++) {
        ULONG i = t->rows[k]->hash & (cap - 1);
        while (slots[i])
            i = (i + 1) & (cap - 1);
        slots[i] = t->rows[k];
    }
    mapirt_free(t->hash);
    t->hash = slots;
    t->hcap = cap;
    t->hused = t->nrows;
    return S_OK;
}

void tbl_index_insert(tbl_data *t, tbl_row *r)
{
    ULONG i = r->hash & (t->hcap - 1);

    while (t->hash[i] && t->hash[i] != TBL_TOMB)
        i = (i + 1) & (t->hcap - 1);
    if (!t->hash[i])
        t->hused++;
    t->hash[i] = r;
}

void tbl_index_remove(tbl_data *t, const tbl_row *r)
{
    for (ULONG i = r->hash & (t->hcap - 1);; i = (i + 1) & (t->hcap - 1)) {
        if (t->hash[i] == r) {
            t->hash[i] = TBL_TOMB;
            return;
        }
    }
}
