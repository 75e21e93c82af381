/* tablerow.c: the values of table rows as a view sees them (multi-valued instance columns,
 * PR_INSTANCE_KEY) and how two values order.
 *
 * Instance keys: a row without expansion shows its stored PR_INSTANCE_KEY if it has one, else
 * a generated 4-byte key (a serial number never reused in the table). A view that expands
 * multi-valued columns appends the 4-byte instance number to that key, so every instance has
 * its own key, stable while the row and the view's columns stay. */
#include <string.h>

#include "table_internal.h"

const SPropValue *tbl_find(const SPropValue *props, ULONG c, ULONG tag)
{
    if (PROP_TYPE(tag) == PT_UNSPECIFIED) {
        for (ULONG i = 0; i < c; i++)
            if (PROP_ID(props[i].ulPropTag) == PROP_ID(tag) &&
                PROP_TYPE(props[i].ulPropTag) != PT_ERROR)
                return &props[i];
        return NULL;
    }
    for (ULONG i = 0; i < c; i++)
        if (props[i].ulPropTag == tag)
            return &props[i];
    return NULL;
}

const SPropValue *tbl_find_hint(const SPropValue *props, ULONG c, ULONG tag, ULONG *hint)
{
    const SPropValue *p;

    if (*hint < c && props[*hint].ulPropTag == tag)
        return &props[*hint];
    p = tbl_find(props, c, tag);
    if (p)
        *hint = (ULONG)(p - props);
    return p;
}

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
static ULONG slot_count(const tbl_view *v, const SPropValue *props, ULONG c, ULONG j,
    const SPropValue **mv)
{
    const SPropValue *p = tbl_find(props, c, v->mvi[j]);
    ULONG n = p ? tbl_mv_count(p) : 0;

    if (mv)
        *mv = p;
    return n ? n : 1;
}

ULONG tbl_instances(const tbl_view *v, const SPropValue *props, ULONG c)
{
    uint64_t n = 1;

    for (ULONG j = 0; j < v->nmvi; j++) {
        n *= slot_count(v, props, c, j, NULL);
        if (n > TBL_MAX_INSTANCES)
            return 0;
    }
    return (ULONG)n;
}

/* The value of expansion slot j in instance ord (ord is a mixed-radix number, slot 0 most
 * significant). NULL when the row has no value for the slot. */
static const SPropValue *slot_value(const tbl_view *v, const tbl_vrow *vr, ULONG j,
    SPropValue *out)
{
    const SPropValue *mv;
    ULONG stride = 1, cnt;

    for (ULONG k = j + 1; k < v->nmvi; k++)
        stride *= slot_count(v, vr->props, vr->c, k, NULL);
    cnt = slot_count(v, vr->props, vr->c, j, &mv);
    if (!mv || tbl_mv_count(mv) == 0)
        return NULL;
    tbl_mv_elem(mv, (vr->ord / stride) % cnt, out);
    return out;
}

void tbl_base_key(const tbl_vrow *vr, const BYTE **pb, ULONG *cb)
{
    const tbl_row *r = vr->row;
    const SPropValue *k = tbl_find(vr->props, vr->c, PR_INSTANCE_KEY);

    if (k && k->Value.bin.cb <= TBL_IKEY_MAX && (k->Value.bin.lpb || !k->Value.bin.cb)) {
        *pb = k->Value.bin.lpb;
        *cb = k->Value.bin.cb;
    } else {
        *pb = r->ikey;
        *cb = sizeof(r->ikey);
    }
}

const SPropValue *tbl_instance_key(const tbl_view *v, const tbl_vrow *vr, tbl_val *s)
{
    const BYTE *pb;
    ULONG cb;

    tbl_base_key(vr, &pb, &cb);
    memset(&s->v, 0, sizeof(s->v));
    s->v.ulPropTag = PR_INSTANCE_KEY;
    if (v->nmvi == 0) {
        /* Without expansion a row is one instance: its stored key, if any, is the key. */
        s->v.Value.bin.cb = cb;
        s->v.Value.bin.lpb = (LPBYTE)pb;
        return &s->v;
    }
    if (cb)
        memcpy(s->buf, pb, cb);
    for (int i = 0; i < 4; i++)
        s->buf[cb + i] = (BYTE)(vr->ord >> (8 * i));
    s->v.Value.bin.cb = cb + 4;
    s->v.Value.bin.lpb = s->buf;
    return &s->v;
}

const SPropValue *tbl_value(const tbl_view *v, const tbl_vrow *vr, ULONG tag, tbl_val *s,
    ULONG *hint)
{
    const SPropValue *p;

    if (tag == PR_INSTANCE_KEY)
        return tbl_instance_key(v, vr, s);
    if (TBL_IS_MVI(tag)) {
        ULONG mvtag = TBL_MV_TAG(tag);
        for (ULONG j = 0; j < v->nmvi; j++)
            if (v->mvi[j] == mvtag)
                return slot_value(v, vr, j, &s->v);
        /* Not expanded in this view (a restriction on an instance column the view does not
         * show): the whole property, which restrictions test value by value. */
        return tbl_find(vr->props, vr->c, mvtag);
    }
    p = hint ? tbl_find_hint(vr->props, vr->c, tag, hint) : tbl_find(vr->props, vr->c, tag);
    if (p)
        return p;
    if (PROP_TYPE(tag) != PT_ERROR)
        p = tbl_find(vr->props, vr->c, PROP_TAG(PT_ERROR, PROP_ID(tag)));
    return p;
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
