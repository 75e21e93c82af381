/* Lookups over the generated vocabulary tables (gen/src/mapirt_vocab.c). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <mapirt/vocab.h>

/* Must match tools/idlc/vocab.py: slot = fmix64(fnv1a64(key) + disp[h % nbuckets]) % size. */
static uint64_t fnv1a64(const char *s)
{
    uint64_t h = 0xCBF29CE484222325u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001B3u;
    return h;
}

static uint64_t fmix64(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xFF51AFD7ED558CCDu;
    k ^= k >> 33;
    k *= 0xC4CEB9FE1A85EC53u;
    k ^= k >> 33;
    return k;
}

static int hash_slot(const mapirt_hash *h, const char *key)
{
    if (key == NULL || h->size == 0 || h->nbuckets == 0)
        return -1;
    uint64_t v = fnv1a64(key);
    return h->slots[fmix64(v + h->disp[v % h->nbuckets]) % h->size];
}

/* Index of the first row whose key is >= key, in a table sorted by key; every generated row type
 * starts with its ULONG key (tag, type, status code), so one search serves them all. */
static unsigned lower_bound(const void *rows, unsigned count, size_t stride, ULONG key)
{
    unsigned lo = 0, hi = count;
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        ULONG k;
        memcpy(&k, (const char *)rows + (size_t)mid * stride, sizeof k);
        if (k < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static const mapirt_tag_row *find_tag(ULONG tag)
{
    /* first row of the tag: its canonical name */
    unsigned i = lower_bound(mapirt_tag_rows, mapirt_tag_row_count, sizeof mapirt_tag_rows[0], tag);
    return i < mapirt_tag_row_count && mapirt_tag_rows[i].tag == tag ? &mapirt_tag_rows[i] : NULL;
}

const char *mapirt_tag_name(ULONG ulPropTag)
{
    const mapirt_tag_row *r = find_tag(ulPropTag);
    return r ? r->name : NULL;
}

const char *mapirt_tag_pidtag(ULONG ulPropTag)
{
    const mapirt_tag_row *r = find_tag(ulPropTag);
    return r ? r->pidtag : NULL;
}

ULONG mapirt_tag_from_name(const char *name)
{
    int i = hash_slot(&mapirt_name_hash, name);
    if (i >= 0 && strcmp(mapirt_name_rows[i].name, name) == 0)
        return mapirt_name_rows[i].tag;
    return 0x00000001u; /* PR_NULL */
}

const char *mapirt_proptype_name(ULONG ulPropType)
{
    unsigned i = lower_bound(mapirt_ptype_rows, mapirt_ptype_row_count, sizeof mapirt_ptype_rows[0],
                             ulPropType);
    return i < mapirt_ptype_row_count && mapirt_ptype_rows[i].type == ulPropType
               ? mapirt_ptype_rows[i].name : NULL;
}

static const mapirt_scode_row *find_scode(HRESULT hr)
{
    ULONG v = (ULONG)hr;
    unsigned i = lower_bound(mapirt_scode_rows, mapirt_scode_row_count, sizeof mapirt_scode_rows[0], v);
    return i < mapirt_scode_row_count && mapirt_scode_rows[i].value == v ? &mapirt_scode_rows[i] : NULL;
}

const char *mapirt_scode_name(HRESULT hr)
{
    const mapirt_scode_row *r = find_scode(hr);
    return r ? r->name : NULL;
}

const char *mapirt_scode_description(HRESULT hr)
{
    const mapirt_scode_row *r = find_scode(hr);
    return r ? r->description : NULL;
}

const mapirt_flagset *mapirt_flagset_find(const char *name)
{
    int i = hash_slot(&mapirt_flagset_hash, name);
    if (i >= 0 && strcmp(mapirt_flagsets[i].name, name) == 0)
        return &mapirt_flagsets[i];
    return NULL;
}

const mapirt_flagset *mapirt_flagset_for_tag(ULONG ulPropTag)
{
    const mapirt_tag_row *r = find_tag(ulPropTag);
    return r && r->flagset >= 0 ? &mapirt_flagsets[r->flagset] : NULL;
}

int mapirt_flagset_member(const mapirt_flagset *set, const char *name, ULONG *value)
{
    if (set == NULL || name == NULL)
        return 0;
    for (unsigned i = 0; i < set->count; i++)
        if (strcmp(set->members[i].name, name) == 0) {
            *value = set->members[i].value;
            return 1;
        }
    return 0;
}

int mapirt_flag_from_name(const char *name, ULONG *value)
{
    /* Every flag set sits in exactly one slot of the name hash: walking the slots visits each. */
    for (unsigned s = 0; s < mapirt_flagset_hash.size; s++) {
        int i = mapirt_flagset_hash.slots[s];
        if (i >= 0 && mapirt_flagset_member(&mapirt_flagsets[i], name, value))
            return 1;
    }
    return 0;
}

/* Appends to buf as snprintf would, tracking the length the whole text needs. */
static void append(char *buf, size_t cb, size_t *len, const char *text)
{
    size_t n = strlen(text);
    if (*len < cb) {
        size_t room = cb - *len - 1;
        memcpy(buf + *len, text, n < room ? n : room);
        buf[*len + (n < room ? n : room)] = '\0';
    }
    *len += n;
}

size_t mapirt_flags_decode(const mapirt_flagset *set, ULONG value, char *buf, size_t cb)
{
    char hex[16];
    size_t len = 0;
    if (buf != NULL && cb > 0)
        buf[0] = '\0';
    else
        cb = 0;
    if (set != NULL && set->is_values) {
        for (unsigned i = 0; i < set->count; i++)
            if (set->members[i].value == value) {
                append(buf, cb, &len, set->members[i].name);
                return len;
            }
    } else if (set != NULL) {
        ULONG rest = value;
        unsigned picked[32], n = 0; /* each pick takes at least one new bit: at most 32 */
        if (value == 0) {
            append(buf, cb, &len, "0");
            return len;
        }
        /* Members are sorted by value; walking from the largest takes a multi-bit name before
         * the single bits it contains. Names are then printed smallest first. */
        for (unsigned i = set->count; i-- > 0 && n < 32;) {
            ULONG v = set->members[i].value;
            if (v != 0 && (rest & v) == v) {
                picked[n++] = i;
                rest &= ~v;
            }
        }
        while (n-- > 0) {
            if (len > 0)
                append(buf, cb, &len, " | ");
            append(buf, cb, &len, set->members[picked[n]].name);
        }
        if (rest == 0)
            return len;
        if (len > 0)
            append(buf, cb, &len, " | ");
        value = rest;
    }
    snprintf(hex, sizeof hex, "0x%08X", value);
    append(buf, cb, &len, hex);
    return len;
}
