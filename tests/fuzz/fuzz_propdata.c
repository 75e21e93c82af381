/* tests/fuzz/fuzz_propdata.c: sequences of IPropData calls against a model.
 *
 * The model keeps, per property ID, whether the property is there, deleted (remembered for
 * HrGetPropAccess) or absent, its tag, value and access word, and the object's own access. It
 * follows docs/decisions.md and native MAPI: PR_NULL and PT_ERROR values are skipped, PT_NULL
 * with an ID and PT_OBJECT refuse the call, read-only properties become problems, deleting a
 * property that is not there is no problem, an access word names one level and one status and
 * is set whatever the object's own access. */
#include <mapicode.h>
#include <mapidefs.h>
#include <mapiguid.h>
#include <mapiutil.h>
#include <mapix.h>

#include "fuzz.h"

#define NIDS 6
#define ID0 0x6600
#define ACCESS_BITS (IPROP_READONLY | IPROP_READWRITE | IPROP_CLEAN | IPROP_DIRTY)

enum { ABSENT, LIVE, DELETED };

struct mprop {
    int state;
    ULONG tag, access;
    LONG l;
    char s[8];
    LONG mv[2];
    ULONG nmv;
};

struct model {
    bool readonly;
    struct mprop p[NIDS];
};

static const char alphabet[] = "xyZ";

static bool same(const struct mprop *m, const SPropValue *v)
{
    if (v->ulPropTag != m->tag)
        return false;
    switch (PROP_TYPE(m->tag)) {
    case PT_LONG: return v->Value.l == m->l;
    case PT_STRING8: return strcmp(v->Value.lpszA, m->s) == 0;
    case PT_MV_LONG:
        if (v->Value.MVl.cValues != m->nmv)
            return false;
        for (ULONG i = 0; i < m->nmv; i++)
            if (v->Value.MVl.lpl[i] != m->mv[i])
                return false;
        return true;
    default: return false;
    }
}

static void check_all(LPPROPDATA obj, const struct model *m)
{
    ULONG live = 0, entries = 0;
    for (int i = 0; i < NIDS; i++) {
        live += m->p[i].state == LIVE;
        entries += m->p[i].state != ABSENT;
    }
    ULONG c = 0;
    LPSPropValue vals = NULL;
    HRESULT hr = obj->lpVtbl->GetProps(obj, NULL, 0, &c, &vals);
    FZ_CHECK(hr == S_OK, "GetProps(NULL): 0x%08lx", (unsigned long)(ULONG)hr);
    FZ_CHECK(c == live, "GetProps: %lu values, the model %lu", (unsigned long)c, (unsigned long)live);
    for (int i = 0, k = 0; i < NIDS; i++)
        if (m->p[i].state == LIVE) {
            FZ_CHECK(same(&m->p[i], &vals[k]), "GetProps: value of ID %d", i);
            k++;
        }
    MAPIFreeBuffer(vals);

    LPSPropTagArray tags = NULL;
    FZ_CHECK(obj->lpVtbl->GetPropList(obj, 0, &tags) == S_OK, "GetPropList");
    FZ_CHECK(tags->cValues == live, "GetPropList: %lu tags", (unsigned long)tags->cValues);
    MAPIFreeBuffer(tags);

    LPSPropTagArray all = NULL;
    ULONG *acc = NULL;
    FZ_CHECK(obj->lpVtbl->HrGetPropAccess(obj, &all, &acc) == S_OK, "HrGetPropAccess");
    FZ_CHECK(all->cValues == entries, "HrGetPropAccess: %lu entries, the model %lu",
             (unsigned long)all->cValues, (unsigned long)entries);
    for (int i = 0, k = 0; i < NIDS; i++) {
        if (m->p[i].state == ABSENT)
            continue;
        FZ_CHECK((&all->aulPropTag[0])[k] == m->p[i].tag, "HrGetPropAccess: tag of ID %d", i);
        FZ_CHECK(acc[k] == m->p[i].access, "HrGetPropAccess: access of ID %d is 0x%lx, the model "
                 "0x%lx", i, (unsigned long)acc[k], (unsigned long)m->p[i].access);
        k++;
    }
    MAPIFreeBuffer(all);
    MAPIFreeBuffer(acc);
}

static void make_value(fz *f, SPropValue *v, int *id_out)
{
    uint8_t k = fz_u8(f);
    int id = (int)fz_below(f, NIDS);
    *id_out = id;
    memset(v, 0, sizeof(*v));
    switch (k % 10) {
    case 0: case 1: case 2:
        v->ulPropTag = PROP_TAG(PT_LONG, ID0 + id);
        v->Value.l = (LONG)fz_below(f, 100);
        break;
    case 3: case 4:
        v->ulPropTag = PROP_TAG(PT_STRING8, ID0 + id);
        v->Value.lpszA = fz_str(f, 6, alphabet);
        break;
    case 5: {
        v->ulPropTag = PROP_TAG(PT_MV_LONG, ID0 + id);
        ULONG n = fz_below(f, 3);
        v->Value.MVl.cValues = n;
        v->Value.MVl.lpl = n ? fz_alloc(f, n * sizeof(LONG)) : NULL;
        for (ULONG i = 0; i < n; i++)
            v->Value.MVl.lpl[i] = (LONG)fz_below(f, 100);
        break;
    }
    case 6: v->ulPropTag = PR_NULL; *id_out = -1; break;
    case 7: v->ulPropTag = PROP_TAG(PT_ERROR, ID0 + id); *id_out = -1; break;
    case 8: v->ulPropTag = PROP_TAG(0x0077, ID0 + id); *id_out = -2; break; /* unknown type */
    default:
        v->ulPropTag = PROP_TAG(fz_bool(f) ? PT_NULL : PT_OBJECT, ID0 + id);
        *id_out = -3; /* refuses the call */
        break;
    }
}

static void op_set_props(fz *f, LPPROPDATA obj, struct model *m)
{
    SPropValue v[3];
    int ids[3];
    ULONG n = 1 + fz_below(f, 3);
    bool refused = false, want = fz_bool(f);
    for (ULONG i = 0; i < n; i++) {
        make_value(f, &v[i], &ids[i]);
        refused = refused || ids[i] == -3;
    }
    LPSPropProblemArray probs = NULL;
    HRESULT hr = obj->lpVtbl->SetProps(obj, n, v, want ? &probs : NULL);
    if (refused) {
        FZ_CHECK(hr == MAPI_E_INVALID_PARAMETER && !probs, "SetProps of PT_NULL/PT_OBJECT: 0x%08lx",
                 (unsigned long)(ULONG)hr);
        return;
    }
    if (m->readonly) {
        FZ_CHECK(hr == MAPI_E_NO_ACCESS, "SetProps on a read-only object: 0x%08lx",
                 (unsigned long)(ULONG)hr);
        return;
    }
    FZ_CHECK(hr == S_OK, "SetProps: 0x%08lx", (unsigned long)(ULONG)hr);
    /* problems are decided on the state before the call */
    ULONG nprob = 0;
    bool ro_before[NIDS];
    for (int i = 0; i < NIDS; i++)
        ro_before[i] = m->p[i].state == LIVE && (m->p[i].access & IPROP_READONLY);
    for (ULONG i = 0; i < n; i++) {
        SCODE expect = 0;
        if (ids[i] == -2)
            expect = MAPI_E_INVALID_TYPE;
        else if (ids[i] >= 0 && ro_before[ids[i]])
            expect = MAPI_E_NO_ACCESS;
        if (expect) {
            if (want) {
                FZ_CHECK(probs && nprob < probs->cProblem, "SetProps: problem %lu missing",
                         (unsigned long)i);
                const SPropProblem *pr = &(&probs->aProblem[0])[nprob];
                FZ_CHECK(pr->ulIndex == i && pr->ulPropTag == v[i].ulPropTag && pr->scode == expect,
                         "SetProps: problem %lu", (unsigned long)nprob);
            }
            nprob++;
            continue;
        }
        if (ids[i] < 0)
            continue;
        struct mprop *p = &m->p[ids[i]];
        ULONG level = p->state == LIVE ? (p->access & (IPROP_READONLY | IPROP_READWRITE))
                                       : IPROP_READWRITE;
        p->state = LIVE;
        p->tag = v[i].ulPropTag;
        p->access = level | IPROP_DIRTY;
        switch (PROP_TYPE(p->tag)) {
        case PT_LONG: p->l = v[i].Value.l; break;
        case PT_STRING8: snprintf(p->s, sizeof p->s, "%s", v[i].Value.lpszA); break;
        default:
            p->nmv = v[i].Value.MVl.cValues;
            for (ULONG j = 0; j < p->nmv; j++)
                p->mv[j] = v[i].Value.MVl.lpl[j];
        }
    }
    if (want)
        FZ_CHECK(nprob ? probs && probs->cProblem == nprob : probs == NULL,
                 "SetProps: %lu problems expected", (unsigned long)nprob);
    MAPIFreeBuffer(probs);
}

static void op_delete_props(fz *f, LPPROPDATA obj, struct model *m)
{
    SizedSPropTagArray(3, t);
    int ids[3];
    t.cValues = 1 + fz_below(f, 3);
    for (ULONG i = 0; i < t.cValues; i++) {
        ids[i] = (int)fz_below(f, NIDS);
        t.aulPropTag[i] = PROP_TAG(fz_bool(f) ? PT_LONG : PT_UNSPECIFIED, ID0 + ids[i]);
    }
    bool want = fz_bool(f);
    LPSPropProblemArray probs = NULL;
    HRESULT hr = obj->lpVtbl->DeleteProps(obj, (LPSPropTagArray)&t, want ? &probs : NULL);
    if (m->readonly) {
        FZ_CHECK(hr == MAPI_E_NO_ACCESS && !probs, "DeleteProps on a read-only object");
        return;
    }
    FZ_CHECK(hr == S_OK, "DeleteProps: 0x%08lx", (unsigned long)(ULONG)hr);
    ULONG nprob = 0;
    for (ULONG i = 0; i < t.cValues; i++) {
        struct mprop *p = &m->p[ids[i]];
        if (p->state != LIVE)
            continue;
        if (p->access & IPROP_READONLY) {
            if (want) {
                FZ_CHECK(probs && nprob < probs->cProblem, "DeleteProps: problem missing");
                const SPropProblem *pr = &(&probs->aProblem[0])[nprob];
                FZ_CHECK(pr->ulIndex == i && pr->scode == MAPI_E_NO_ACCESS, "DeleteProps: problem");
            }
            nprob++;
            continue;
        }
        p->state = DELETED;
        p->access = IPROP_DIRTY;
    }
    if (want)
        FZ_CHECK(nprob ? probs && probs->cProblem == nprob : probs == NULL,
                 "DeleteProps: %lu problems expected", (unsigned long)nprob);
    MAPIFreeBuffer(probs);
}

static bool word_ok(ULONG a)
{
    ULONG level = a & (IPROP_READONLY | IPROP_READWRITE), status = a & (IPROP_CLEAN | IPROP_DIRTY);
    return (level == IPROP_READONLY || level == IPROP_READWRITE) &&
           (status == IPROP_CLEAN || status == IPROP_DIRTY);
}

static void op_set_prop_access(fz *f, LPPROPDATA obj, struct model *m)
{
    SizedSPropTagArray(2, t);
    ULONG words[2];
    int ids[2];
    t.cValues = 1 + fz_below(f, 2);
    HRESULT expect = S_OK;
    for (ULONG i = 0; i < t.cValues; i++) {
        ids[i] = (int)fz_below(f, NIDS);
        t.aulPropTag[i] = PROP_TAG(PT_LONG, ID0 + ids[i]);
        uint8_t w = fz_u8(f);
        words[i] = w & 0x20 ? (ULONG)w : (w & 0xF);
        if (expect == S_OK && (words[i] & ~(ULONG)ACCESS_BITS))
            expect = MAPI_E_UNKNOWN_FLAGS;
        else if (expect == S_OK && !word_ok(words[i]))
            expect = MAPI_E_INVALID_PARAMETER;
    }
    HRESULT hr = obj->lpVtbl->HrSetPropAccess(obj, (LPSPropTagArray)&t, words);
    FZ_CHECK(hr == expect, "HrSetPropAccess: 0x%08lx, the model 0x%08lx", (unsigned long)(ULONG)hr,
             (unsigned long)(ULONG)expect);
    if (hr != S_OK)
        return;
    for (ULONG i = 0; i < t.cValues; i++) {
        struct mprop *p = &m->p[ids[i]];
        if (p->state == DELETED && (words[i] & IPROP_CLEAN))
            p->state = ABSENT; /* a deletion marked clean is forgotten */
        else if (p->state == LIVE)
            p->access = words[i];
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz f;
    fz_init(&f, data, size);
    struct model m;
    memset(&m, 0, sizeof(m));
    LPPROPDATA obj = NULL;
    FZ_CHECK(CreateIProp(&IID_IMAPIPropData, MAPIAllocateBuffer, MAPIAllocateMore, MAPIFreeBuffer,
                         NULL, &obj) == S_OK, "CreateIProp");
    for (int op = 0; op < 48 && fz_more(&f); op++) {
        switch (fz_u8(&f) % 5) {
        case 0: case 1: op_set_props(&f, obj, &m); break;
        case 2: op_delete_props(&f, obj, &m); break;
        case 3: op_set_prop_access(&f, obj, &m); break;
        default:
            m.readonly = fz_bool(&f);
            FZ_CHECK(obj->lpVtbl->HrSetObjAccess(obj, m.readonly ? IPROP_READONLY : IPROP_READWRITE)
                     == S_OK, "HrSetObjAccess");
            break;
        }
        check_all(obj, &m);
    }
    obj->lpVtbl->Release(obj);
    fz_free_all(&f);
    return 0;
}
