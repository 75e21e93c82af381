/* validate.c: the FBad* validators of mapival.h. Each returns TRUE (nonzero) when its argument
 * is unusable. Only what can be checked without faulting is checked: NULL pointers where data is
 * required, unknown property types and operators, impossible counts. */
#include <string.h>

#if __has_include(<mapival.h>)
#include <mapival.h>
#endif

#include "prop_internal.h"

/* Restrictions nest; a cyclic or absurdly deep one is rejected rather than recursed into until
 * the stack runs out. */
#define MAX_RESTRICTION_DEPTH 256

BOOL FBadRglpszA(LPSTR *lppszA, ULONG cStrings)
{
    if (cStrings == 0)
        return FALSE;
    if (lppszA == NULL)
        return TRUE;
    for (ULONG i = 0; i < cStrings; i++)
        if (lppszA[i] == NULL)
            return TRUE;
    return FALSE;
}

BOOL FBadRglpszW(LPWSTR *lppszW, ULONG cStrings)
{
    return FBadRglpszA((LPSTR *)lppszW, cStrings);
}

bool mapirt_tag_valid(ULONG ulPropTag)
{
    if (ulPropTag == PR_NULL)
        return true;
    ULONG id = PROP_ID(ulPropTag);
    return id != PROP_ID_NULL && id != PROP_ID_INVALID && !FBadPropTag(ulPropTag);
}

ULONG FBadPropTag(ULONG ulPropTag)
{
    ULONG type = PROP_TYPE(ulPropTag);
    /* MV_INSTANCE is meaningful on a multi-valued type only (a column expanded per value). */
    if (type & MV_INSTANCE) {
        if (!(type & MV_FLAG))
            return TRUE;
        type &= ~(ULONG)MV_INSTANCE;
    }
    return !mapirt_type_known(type);
}

ULONG FBadProp(LPSPropValue lpprop)
{
    if (lpprop == NULL || FBadPropTag(lpprop->ulPropTag))
        return TRUE;
    size_t n;
    return FAILED(mapirt_prop_data_size(lpprop, NULL, &n));
}

ULONG FBadRow(LPSRow lprow)
{
    if (lprow == NULL || (lprow->cValues > 0 && lprow->lpProps == NULL))
        return TRUE;
    for (ULONG i = 0; i < lprow->cValues; i++)
        if (FBadProp(&lprow->lpProps[i]))
            return TRUE;
    return FALSE;
}

BOOL FBadRowSet(LPSRowSet lpRowSet)
{
    if (lpRowSet == NULL)
        return TRUE;
    for (ULONG i = 0; i < lpRowSet->cRows; i++)
        if (FBadRow(&lpRowSet->aRow[i]))
            return TRUE;
    return FALSE;
}

ULONG FBadColumnSet(LPSPropTagArray lpptaCols)
{
    /* An empty column set is refused too: SetColumns needs at least one column. */
    if (lpptaCols == NULL || lpptaCols->cValues == 0)
        return TRUE;
    for (ULONG i = 0; i < lpptaCols->cValues; i++) {
        ULONG tag = lpptaCols->aulPropTag[i];
        if (FBadPropTag(tag) || PROP_TYPE(tag) == PT_ERROR)
            return TRUE;
    }
    return FALSE;
}

/* TABLE_SORT_CATEG_MAX / TABLE_SORT_CATEG_MIN of Microsoft's mapidefs.h (MinGW lacks them). */
#define SORT_CATEG_MAX 0x00000004u
#define SORT_CATEG_MIN 0x00000008u

ULONG FBadSortOrderSet(LPSSortOrderSet lpsos)
{
    if (lpsos == NULL || lpsos->cCategories > lpsos->cSorts ||
        lpsos->cExpanded > lpsos->cCategories)
        return TRUE;
    for (ULONG i = 0; i < lpsos->cSorts; i++) {
        ULONG tag = lpsos->aSort[i].ulPropTag, order = lpsos->aSort[i].ulOrder;
        if (FBadPropTag(tag) || PROP_TYPE(tag) == PT_ERROR)
            return TRUE;
        if (order != TABLE_SORT_ASCEND && order != TABLE_SORT_DESCEND &&
            order != TABLE_SORT_COMBINE && order != SORT_CATEG_MAX && order != SORT_CATEG_MIN)
            return TRUE;
    }
    return FALSE;
}

BOOL FBadEntryList(LPENTRYLIST lpEntryList)
{
    if (lpEntryList == NULL || (lpEntryList->cValues > 0 && lpEntryList->lpbin == NULL))
        return TRUE;
    for (ULONG i = 0; i < lpEntryList->cValues; i++) {
        const SBinary *b = &lpEntryList->lpbin[i];
        if (b->cb == 0 || b->lpb == NULL)
            return TRUE;
    }
    return FALSE;
}

BOOL FBadRglpNameID(LPMAPINAMEID *lppNameId, ULONG cNames)
{
    if (cNames == 0)
        return FALSE;
    if (lppNameId == NULL)
        return TRUE;
    for (ULONG i = 0; i < cNames; i++) {
        const MAPINAMEID *n = lppNameId[i];
        if (n == NULL || n->lpguid == NULL)
            return TRUE;
        if (n->ulKind == MNID_STRING) {
            if (n->Kind.lpwstrName == NULL)
                return TRUE;
        } else if (n->ulKind != MNID_ID) {
            return TRUE;
        }
    }
    return FALSE;
}

/* A restriction's constant is copied by Restrict: the copies' rule decides (mapirt_prop_check). */
static bool bad_value(const SPropValue *p)
{
    size_t n;
    return FAILED(mapirt_prop_check(p, NULL, &n));
}

static bool bad_tag(ULONG tag)
{
    return !mapirt_tag_valid(tag);
}

static bool bad_restriction(const SRestriction *r, unsigned depth)
{
    if (r == NULL || depth > MAX_RESTRICTION_DEPTH)
        return true;
    switch (r->rt) {
    case RES_AND:
    case RES_OR: {
        /* SAndRestriction and SOrRestriction have the same shape */
        const SAndRestriction *a = &r->res.resAnd;
        if (a->cRes > 0 && a->lpRes == NULL)
            return true;
        for (ULONG i = 0; i < a->cRes; i++)
            if (bad_restriction(&a->lpRes[i], depth + 1))
                return true;
        return false;
    }
    case RES_NOT:
        return bad_restriction(r->res.resNot.lpRes, depth + 1);
    case RES_CONTENT: {
        const SContentRestriction *c = &r->res.resContent;
        ULONG tt = PROP_TYPE(c->ulPropTag) & ~(ULONG)(MV_FLAG | MV_INSTANCE);
        if (bad_tag(c->ulPropTag) || c->lpProp == NULL || bad_value(c->lpProp))
            return true;
        ULONG vt = mapirt_value_type(c->lpProp->ulPropTag);
        bool tag_str = tt == PT_STRING8 || tt == PT_UNICODE;
        bool val_str = vt == PT_STRING8 || vt == PT_UNICODE;
        if (tag_str)
            return !val_str;
        return tt != PT_BINARY || vt != PT_BINARY;
    }
    case RES_PROPERTY: {
        const SPropertyRestriction *p = &r->res.resProperty;
        return p->relop > RELOP_RE || bad_tag(p->ulPropTag) || p->lpProp == NULL ||
               bad_value(p->lpProp);
    }
    case RES_COMPAREPROPS: {
        const SComparePropsRestriction *c = &r->res.resCompareProps;
        return c->relop > RELOP_RE || bad_tag(c->ulPropTag1) || bad_tag(c->ulPropTag2);
    }
    case RES_BITMASK: {
        const SBitMaskRestriction *b = &r->res.resBitMask;
        return (b->relBMR != BMR_EQZ && b->relBMR != BMR_NEZ) || bad_tag(b->ulPropTag);
    }
    case RES_SIZE: {
        const SSizeRestriction *s = &r->res.resSize;
        return s->relop > RELOP_NE || bad_tag(s->ulPropTag);
    }
    case RES_EXIST:
        return bad_tag(r->res.resExist.ulPropTag);
    case RES_SUBRESTRICTION:
        return bad_tag(r->res.resSub.ulSubObject) ||
               bad_restriction(r->res.resSub.lpRes, depth + 1);
    case RES_COMMENT: {
        const SCommentRestriction *c = &r->res.resComment;
        if (c->cValues > 0 && c->lpProp == NULL)
            return true;
        for (ULONG i = 0; i < c->cValues; i++)
            if (bad_value(&c->lpProp[i]))
                return true;
        /* a comment without a restriction annotates nothing and restricts nothing */
        return c->lpRes != NULL && bad_restriction(c->lpRes, depth + 1);
    }
    default:
        return true;
    }
}

ULONG FBadRestriction(LPSRestriction lpres)
{
    return bad_restriction(lpres, 0);
}
