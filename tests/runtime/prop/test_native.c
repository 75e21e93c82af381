/* tests/runtime/prop/test_native.c: property utilities and IPropData where native MAPI's
 * behaviour was measured (Wine's conformance suite, which runs against Windows' mapi32), and the
 * one definition of a valid property tag that every validator shares. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapiguid.h>
#include <mapiutil.h>
#include <mapix.h>

#define AT(arr, i) ((&(arr)[0])[i])

static const ULONG mv_types[] = {PT_MV_I2,      PT_MV_LONG,    PT_MV_R4,      PT_MV_DOUBLE,
                                 PT_MV_CURRENCY, PT_MV_APPTIME, PT_MV_SYSTIME, PT_MV_STRING8,
                                 PT_MV_UNICODE, PT_MV_BINARY,  PT_MV_CLSID,   PT_MV_I8};
#define N_MV (sizeof(mv_types) / sizeof(mv_types[0]))

static LPPROPDATA new_prop(void)
{
    LPPROPDATA p = NULL;
    cr_assert_eq(CreateIProp(&IID_IMAPIPropData, MAPIAllocateBuffer, MAPIAllocateMore,
                             MAPIFreeBuffer, NULL, &p),
                 S_OK);
    return p;
}

static LPSPropTagArray tags1(ULONG tag)
{
    LPSPropTagArray t = malloc(CbNewSPropTagArray(1));
    t->cValues = 1;
    t->aulPropTag[0] = tag;
    return t;
}

/* ---- an empty multi-valued property (count 0, no array) is a value ------------------------ */

Test(native, empty_multivalued_is_valid)
{
    for (size_t i = 0; i < N_MV; i++) {
        SPropValue v;
        memset(&v, 0, sizeof(v));
        v.ulPropTag = PROP_TAG(mv_types[i], 0x6700);
        cr_expect_eq(FBadProp(&v), 0, "FBadProp, type 0x%lx", (unsigned long)mv_types[i]);

        ULONG cb = 0xFFFFFFFF;
        cr_expect_eq(ScCountProps(1, &v, &cb), S_OK, "ScCountProps, type 0x%lx",
                     (unsigned long)mv_types[i]);
        cr_expect_eq(cb, sizeof(SPropValue));

        SPropValue *copy = NULL;
        cr_assert_eq(MAPIAllocateBuffer(sizeof(SPropValue), (void **)&copy), S_OK);
        memset(copy, 0xAB, sizeof(*copy));
        cr_expect_eq(PropCopyMore(copy, &v, MAPIAllocateMore, copy), S_OK, "PropCopyMore");
        cr_expect_eq(copy->ulPropTag, v.ulPropTag);
        cr_expect_eq(copy->Value.MVl.cValues, 0);
        MAPIFreeBuffer(copy);

        SPropValue buf[2];
        cr_expect_eq(ScCopyProps(1, &v, buf, &cb), S_OK, "ScCopyProps");
        cr_expect_eq(buf[0].Value.MVl.cValues, 0);

        LPSPropValue dup = NULL;
        cr_expect_eq(ScDupPropset(1, &v, MAPIAllocateBuffer, &dup), S_OK, "ScDupPropset");
        cr_expect_eq(dup->ulPropTag, v.ulPropTag);
        MAPIFreeBuffer(dup);
    }
}

/* ---- ScCountProps: only types that hold a value, count untouched otherwise ---------------- */

Test(native, count_props_refuses_types_without_value)
{
    /* Native refuses every type it cannot size (Wine's test_ScCountProps, ID 1). */
    const ULONG refused[] = {PT_UNSPECIFIED, PT_NULL,      0x0008,       0x0077,
                             MV_FLAG | PT_BOOLEAN, MV_FLAG | PT_NULL, MV_FLAG | PT_OBJECT,
                             MV_FLAG | PT_ERROR, MV_FLAG | PT_UNSPECIFIED};
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        SPropValue v;
        memset(&v, 0, sizeof(v));
        v.ulPropTag = PROP_TAG(refused[i], 1);
        ULONG cb = 0xFFFFFFFF;
        cr_expect_eq(ScCountProps(1, &v, &cb), MAPI_E_INVALID_PARAMETER, "type 0x%lx",
                     (unsigned long)refused[i]);
        cr_expect_eq(cb, 0xFFFFFFFF, "count left untouched, type 0x%lx",
                     (unsigned long)refused[i]);
    }
    /* PR_NULL is the placeholder of a missing column and is counted. */
    SPropValue n;
    memset(&n, 0, sizeof(n));
    n.ulPropTag = PR_NULL;
    ULONG cb = 0;
    cr_expect_eq(ScCountProps(1, &n, &cb), S_OK);
    cr_expect_eq(cb, sizeof(SPropValue));
}

/* ---- IPropData ---------------------------------------------------------------------------- */

Test(native, set_props_pt_null_with_an_id_is_invalid)
{
    LPPROPDATA p = new_prop();
    LPSPropProblemArray probs = (LPSPropProblemArray)1;
    SPropValue v;
    memset(&v, 0, sizeof(v));
    v.ulPropTag = PROP_TAG(PT_NULL, 0x01);
    cr_expect_eq(p->lpVtbl->SetProps(p, 1, &v, &probs), MAPI_E_INVALID_PARAMETER);
    cr_expect_null(probs);
    v.ulPropTag = PR_NULL; /* ignored */
    cr_expect_eq(p->lpVtbl->SetProps(p, 1, &v, &probs), S_OK);
    cr_expect_null(probs);
    p->lpVtbl->Release(p);
}

Test(native, set_prop_access_needs_one_level_and_one_status)
{
    LPPROPDATA p = new_prop();
    SPropValue v = {.ulPropTag = PR_IMPORTANCE, .Value.l = 1};
    cr_assert_eq(p->lpVtbl->SetProps(p, 1, &v, NULL), S_OK);
    LPSPropTagArray t = tags1(PR_IMPORTANCE);
    const ULONG bad[] = {0, IPROP_READWRITE, IPROP_CLEAN, IPROP_READONLY, IPROP_DIRTY};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ULONG a = bad[i];
        cr_expect_eq(p->lpVtbl->HrSetPropAccess(p, t, &a), MAPI_E_INVALID_PARAMETER,
                     "access word 0x%lx", (unsigned long)a);
    }
    ULONG a = IPROP_READWRITE | IPROP_CLEAN;
    cr_expect_eq(p->lpVtbl->HrSetPropAccess(p, t, &a), S_OK);

    /* The object's own access does not apply. */
    cr_assert_eq(p->lpVtbl->HrSetObjAccess(p, IPROP_READONLY), S_OK);
    a = IPROP_READONLY | IPROP_DIRTY;
    cr_expect_eq(p->lpVtbl->HrSetPropAccess(p, t, &a), S_OK, "works on a read-only object");
    LPSPropTagArray q = t;
    ULONG *acc = NULL;
    cr_assert_eq(p->lpVtbl->HrGetPropAccess(p, &q, &acc), S_OK);
    cr_expect_eq(acc[0], IPROP_READONLY | IPROP_DIRTY);
    MAPIFreeBuffer(acc);
    free(t);
    p->lpVtbl->Release(p);
}

Test(native, delete_props_of_missing_property_has_no_problem_array)
{
    LPPROPDATA p = new_prop();
    LPSPropTagArray t = tags1(PR_RESPONSE_REQUESTED);
    LPSPropProblemArray probs = (LPSPropProblemArray)1;
    cr_expect_eq(p->lpVtbl->DeleteProps(p, t, &probs), S_OK);
    cr_expect_null(probs);
    free(t);
    p->lpVtbl->Release(p);
}

/* Found by fuzzing: a repeated live read/write tag plus a missing one wrote two problems into an
 * array sized for one (AddressSanitizer reports the heap overflow). */
Test(native, delete_props_repeated_tag_does_not_overflow_problems)
{
    LPPROPDATA p = new_prop();
    SPropValue v = {.ulPropTag = PROP_TAG(PT_LONG, 0x6601), .Value.l = 1};
    cr_assert_eq(p->lpVtbl->SetProps(p, 1, &v, NULL), S_OK);
    LPSPropTagArray t = malloc(CbNewSPropTagArray(3));
    t->cValues = 3;
    t->aulPropTag[0] = PROP_TAG(PT_LONG, 0x6601);
    AT(t->aulPropTag, 1) = PROP_TAG(PT_LONG, 0x6601);
    AT(t->aulPropTag, 2) = PROP_TAG(PT_LONG, 0x6602);
    LPSPropProblemArray probs = NULL;
    cr_expect_eq(p->lpVtbl->DeleteProps(p, t, &probs), S_OK);
    cr_expect_null(probs, "nothing read-only was named");
    MAPIFreeBuffer(probs);
    free(t);
    p->lpVtbl->Release(p);
}

/* ---- one definition of a valid property tag ------------------------------------------------ */

/* Restrict copies the restriction's constants with the copies' rule, so FBadRestriction must
 * refuse what Restrict refuses (found by fuzzing FBadRestriction against Restrict). */
Test(native, fbadrestriction_agrees_with_restrict)
{
    const ULONG tags[] = {PROP_TAG(PT_LONG, 0), PROP_TAG(PT_LONG, 0xFFFF),
                          PROP_TAG(PT_NULL, 0x6600), PROP_TAG(PT_UNSPECIFIED, 0x6600),
                          PROP_TAG(PT_LONG, 0x6600)};
    const bool ok[] = {false, false, false, false, true};
    LPTABLEDATA td = NULL;
    SizedSPropTagArray(1, cols) = {1, {PR_INSTANCE_KEY}};
    cr_assert_eq(CreateTable(&IID_IMAPITableData, MAPIAllocateBuffer, MAPIAllocateMore,
                             MAPIFreeBuffer, NULL, TBLTYPE_DYNAMIC, PR_INSTANCE_KEY,
                             (LPSPropTagArray)&cols, &td),
                 S_OK);
    LPMAPITABLE view = NULL;
    cr_assert_eq(td->lpVtbl->HrGetView(td, NULL, NULL, 0, &view), S_OK);
    for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
        SPropValue c = {.ulPropTag = tags[i], .Value.l = 5};
        SRestriction r = {.rt = RES_PROPERTY};
        r.res.resProperty.relop = RELOP_EQ;
        r.res.resProperty.ulPropTag = PROP_TAG(PT_LONG, 0x6600);
        r.res.resProperty.lpProp = &c;
        HRESULT hr = view->lpVtbl->Restrict(view, &r, 0);
        cr_expect_eq(FBadRestriction(&r) == 0, ok[i], "FBadRestriction, constant tag 0x%08lx",
                     (unsigned long)tags[i]);
        cr_expect_eq(hr != MAPI_E_INVALID_PARAMETER, ok[i], "Restrict, constant tag 0x%08lx",
                     (unsigned long)tags[i]);
        /* the same tag as the restricted property */
        r.res.resProperty.ulPropTag = tags[i];
        c.ulPropTag = PROP_TAG(PT_LONG, 0x6600);
        if (i < 2) /* IDs 0 and 0xFFFF */
            cr_expect_neq(FBadRestriction(&r), 0, "restricted tag 0x%08lx",
                          (unsigned long)tags[i]);
    }
    view->lpVtbl->Release(view);
    td->lpVtbl->Release(td);
}

Test(native, mv_instance_needs_an_existing_multivalued_type)
{
    SPropValue v;
    memset(&v, 0, sizeof(v));
    ULONG cb = 0xFFFFFFFF;
    /* MV_FLAG | PT_BOOLEAN does not exist, so neither does its instance type. */
    v.ulPropTag = PROP_TAG(MV_FLAG | PT_BOOLEAN | MV_INSTANCE, 0x6600);
    cr_expect_eq(ScCountProps(1, &v, &cb), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(cb, 0xFFFFFFFF);
    cr_expect_neq(FBadPropTag(v.ulPropTag), 0);
    v.ulPropTag = PROP_TAG(PT_MV_LONG | MV_INSTANCE, 0x6600); /* one instance: a PT_LONG */
    cr_expect_eq(ScCountProps(1, &v, &cb), S_OK);
    cr_expect_eq(cb, sizeof(SPropValue));
}

/* Native FBadProp and FBadPropTag judge the type and value only: ID 0 is not refused there
 * (Wine's test_FBadProp runs PROP_TAG(type, 0) through native FBadProp). */
Test(native, fbadprop_does_not_judge_the_id)
{
    SPropValue v = {.ulPropTag = PROP_TAG(PT_LONG, 0)};
    cr_expect_eq(FBadProp(&v), 0);
    cr_expect_eq(FBadPropTag(PT_LONG), 0);
    ULONG cb = 0xFFFFFFFF;
    cr_expect_eq(ScCountProps(1, &v, &cb), MAPI_E_INVALID_PARAMETER, "ScCountProps does");
}

Test(native, set_props_stores_an_empty_multivalued_property)
{
    LPPROPDATA p = new_prop();
    SPropValue v;
    memset(&v, 0, sizeof(v));
    v.ulPropTag = PROP_TAG(PT_MV_STRING8, 0x6610);
    cr_expect_eq(p->lpVtbl->SetProps(p, 1, &v, NULL), S_OK);
    LPSPropTagArray t = tags1(v.ulPropTag);
    ULONG c = 0;
    LPSPropValue r = NULL;
    cr_assert_eq(p->lpVtbl->GetProps(p, t, 0, &c, &r), S_OK);
    cr_expect_eq(r[0].ulPropTag, v.ulPropTag);
    cr_expect_eq(r[0].Value.MVszA.cValues, 0);
    MAPIFreeBuffer(r);
    free(t);
    p->lpVtbl->Release(p);
}
