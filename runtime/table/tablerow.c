/* tablerow.c: the values of table rows as a view sees them (multi-valued instance columns,
 * PR_INSTANCE_KEY) and how two values order.
 *
 * Instance keys: a row without expansion shows its stored PR_INSTANCE_KEY if it has one, else
 * a generated 4-byte key (a serial number never reused in the table). A view that expands
 * multi-valued columns appends the 4-byte instance number to that key, so every instance has
 * its own key, stable while the row and the view's columns stay. */
#include <string.h>

#include "table_internal.h"

ULONG tbl_mv_count(const SPropValue *mv)
{
    /* Every multi-valued member of the value union starts with its count. */
    return mv->Value.MVl.cValues;
}

void tbl_mv_elem(const SPropValue *mv, ULONG k, SPropValue *out)
{
    if (!mapirt_prop_mv_element(mv, k, out)) {
        /* not reached for values that passed ScCountProps; keep callers on safe ground */
        memset(out, 0, sizeof(*out));
        out->ulPropTag = PROP_TAG(PT_ERROR, PROP_ID(mv->ulPropTag));
        out->Value.err = MAPI_E_NOT_FOUND;
    }
}

/* Values of a multi-valued property a row has for expansion slot j (at least 1: a row without
 * the property still shows once, with the column missing). */
static ULONG slot_count(const tbl_view *v, tbl_rec rec, ULONG j, SPropValue *mv, bool *has)
{
    SPropValue tmp, *p = mv ? mv : &tmp;
    bool found = tbl_rec_find(rec, v->mvi[j], p);
    ULONG n = found ? tbl_mv_count(p) : 0;

    if (has)
        *has = found;
    return n ? n : 1;
}

ULONG tbl_instances(const tbl_view *v, tbl_rec rec)
{
    uint64_t n = 1;

    for (ULONG j = 0; j < v->nmvi; j++) {
        n *= slot_count(v, rec, j, NULL, NULL);
        if (n > TBL_MAX_INSTANCES)
            return 0;
    }
    return (ULONG)n;
}

/* The value of expansion slot j in instance ord (ord is a mixed-radix number, slot 0 most
 * significant). NULL when the row has no value for the slot. */
static const SPropValue *slot_value(const tbl_view *v, tbl_rec rec, ULONG ord, ULONG j,
    SPropValue *out)
{
    SPropValue mv;
    ULONG stride = 1, cnt;
    bool has;

    for (ULONG k = j + 1; k < v->nmvi; k++)
        stride *= slot_count(v, rec, k, NULL, NULL);
    cnt = slot_count(v, rec, j, &mv, &has);
    if (!has || tbl_mv_count(&mv) == 0)
        return NULL;
    tbl_mv_elem(&mv, (ord / stride) % cnt, out);
    return out;
}

void tbl_base_key(const tbl_data *t, const tbl_vrow *vr, BYTE gen[4], const BYTE **pb, ULONG *cb)
{
    const tbl_row *r = tbl_row_at(t, vr->id);
    SPropValue k;

    if (tbl_rec_find(tbl_rec_of(t, r), PR_INSTANCE_KEY, &k) && k.Value.bin.cb <= TBL_IKEY_MAX) {
        *pb = k.Value.bin.lpb;
        *cb = k.Value.bin.cb;
    } else {
        for (int i = 0; i < 4; i++)
            gen[i] = (BYTE)(r->serial >> (8 * i));
        *pb = gen;
        *cb = 4;
    }
}

const SPropValue *tbl_instance_key(const tbl_view *v, const tbl_vrow *vr, tbl_val *s)
{
    BYTE gen[4];
    const BYTE *pb;
    ULONG cb;

    tbl_base_key(v->t, vr, gen, &pb, &cb);
    memset(&s->v, 0, sizeof(s->v));
    s->v.ulPropTag = PR_INSTANCE_KEY;
    if (cb)
        memcpy(s->buf, pb, cb);
    /* A row is one instance without expansion: its key is the base key; an expanded view
     * appends the instance number. */
    if (v->nmvi)
        for (int i = 0; i < 4; i++)
            s->buf[cb + i] = (BYTE)(vr->ord >> (8 * i));
    s->v.Value.bin.cb = cb + (v->nmvi ? 4 : 0);
    s->v.Value.bin.lpb = s->v.Value.bin.cb ? s->buf : NULL;
    return &s->v;
}

const SPropValue *tbl_value(const tbl_view *v, const tbl_vrow *vr, ULONG tag, tbl_val *s)
{
    tbl_rec rec;

    if (tag == PR_INSTANCE_KEY)
        return tbl_instance_key(v, vr, s);
    rec = tbl_rec_of(v->t, tbl_row_at(v->t, vr->id));
    if (TBL_IS_MVI(tag)) {
        ULONG mvtag = TBL_MV_TAG(tag);
        for (ULONG j = 0; j < v->nmvi; j++)
            if (v->mvi[j] == mvtag)
                return slot_value(v, rec, vr->ord, j, &s->v);
        /* Not expanded in this view (a restriction on an instance column the view does not
         * show): the whole property, which restrictions test value by value. */
        return tbl_rec_find(rec, mvtag, &s->v) ? &s->v : NULL;
    }
    if (tbl_rec_find(rec, tag, &s->v))
        return &s->v;
    if (PROP_TYPE(tag) != PT_ERROR && tbl_rec_find(rec, PROP_TAG(PT_ERROR, PROP_ID(tag)), &s->v))
        return &s->v;
    return NULL;
}

#define CMP3(x, y) (((x) > (y)) - ((x) < (y)))

/* ASCII strings in mapirt_prop_compare's order (code points with ASCII case folded, then
 * exactly) without decoding them; 2 when a non-ASCII character needs the general path. Sorting
 * spends most of its time here. */
#define ASCII_CMP(name, T) \
    static int name(const T *a, const T *b) \
    { \
        int exact = 0; \
        for (size_t i = 0;; i++) { \
            unsigned ca = a[i], cb = b[i]; \
            if (ca >= 0x80 || cb >= 0x80) \
                return 2; \
            if (ca != cb) { \
                unsigned la = ca - 'A' < 26u ? ca + 32 : ca, lb = cb - 'A' < 26u ? cb + 32 : cb; \
                if (la != lb) \
                    return la < lb ? -1 : 1; \
                if (!exact) \
                    exact = ca < cb ? -1 : 1; \
            } \
            if (ca == 0) \
                return exact; \
        } \
    }
ASCII_CMP(ascii_cmp8, unsigned char)
ASCII_CMP(ascii_cmp16, WCHAR)

int tbl_prop_cmp(const SPropValue *a, const SPropValue *b)
{
    /* The common integer keys inline; everything else (strings, floating point, binaries,
     * multi-valued tuples) through the runtime's comparison, so that sorts, restrictions and
     * LPropCompareProp agree. */
    switch (PROP_TYPE(a->ulPropTag)) {
    case PT_I2:
        return CMP3(a->Value.i, b->Value.i);
    case PT_LONG:
        return CMP3(a->Value.l, b->Value.l);
    case PT_BOOLEAN:
        return CMP3(a->Value.b != 0, b->Value.b != 0);
    case PT_CURRENCY:
        return CMP3(a->Value.cur.int64, b->Value.cur.int64);
    case PT_I8:
        return CMP3(a->Value.li.QuadPart, b->Value.li.QuadPart);
    case PT_SYSTIME:
        return CMP3(((uint64_t)a->Value.ft.dwHighDateTime << 32) | a->Value.ft.dwLowDateTime,
            ((uint64_t)b->Value.ft.dwHighDateTime << 32) | b->Value.ft.dwLowDateTime);
    case PT_STRING8:
        if (PROP_TYPE(b->ulPropTag) == PT_STRING8 && a->Value.lpszA && b->Value.lpszA) {
            int c = ascii_cmp8((const unsigned char *)a->Value.lpszA,
                (const unsigned char *)b->Value.lpszA);
            if (c != 2)
                return c;
        }
        goto general;
    case PT_UNICODE:
        if (PROP_TYPE(b->ulPropTag) == PT_UNICODE && a->Value.lpszW && b->Value.lpszW) {
            int c = ascii_cmp16(a->Value.lpszW, b->Value.lpszW);
            if (c != 2)
                return c;
        }
        goto general;
    default:
    general : {
        LONG c = mapirt_prop_compare(a, b, 0);
        return (c > 0) - (c < 0);
    }
    }
}
