/* sqlwhere.c: MAPI restrictions as SQL over the columns of `messages` (db.c), for the contents
 * tables run in SQLite (sqltable.c). A restriction is translated only where SQL means what
 * MAPI means (docs/decisions.md); anything else marks the translation bad, and the table
 * falls back to the in-memory engine. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mapirt/strconv.h>

#include "ms.h"

/* The properties with a column of `messages`. */
const struct ms_mirror MS_MIRRORS[] = {
    {0x0E06, "delivery_time", 0}, /* PR_MESSAGE_DELIVERY_TIME */
    {0x0037, "subject", 1},       /* PR_SUBJECT */
    {0x0C1A, "sender", 1},        /* PR_SENDER_NAME */
    {0x001A, "message_class", 1}, /* PR_MESSAGE_CLASS */
    {0x0E07, "flags", 0},         /* PR_MESSAGE_FLAGS */
    {0x0E17, "status", 0},        /* PR_MSG_STATUS */
    {0x0E08, "size", 0},          /* PR_MESSAGE_SIZE */
};

const struct ms_mirror *ms_mirror_of(ULONG tag)
{
    static const ULONG types[MS_NMIRRORS] = {PT_SYSTIME, PT_STRING8, PT_STRING8, PT_STRING8,
                                          PT_LONG, PT_LONG, PT_LONG};
    for (size_t i = 0; i < MS_NMIRRORS; i++) {
        ULONG t = PROP_TYPE(tag);
        if (MS_MIRRORS[i].id != PROP_ID(tag))
            continue;
        if (t == types[i] || (types[i] == PT_STRING8 && t == PT_UNICODE))
            return &MS_MIRRORS[i];
    }
    return NULL;
}

void ms_sql_emit(ms_sqlbuf *b, const char *s)
{
    size_t k = strlen(s);
    if (b->bad)
        return;
    if (b->n + k + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        while (cap < b->n + k + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (p == NULL) {
            b->bad = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, k + 1);
    b->n += k;
}

static void param(ms_sqlbuf *b, int kind, sqlite3_int64 i, const char *s)
{
    if (b->bad)
        return;
    ms_sqlparam *n = realloc(b->params, (b->nparams + 1) * sizeof *n);
    if (n == NULL) {
        b->bad = 1;
        return;
    }
    b->params = n;
    n[b->nparams].kind = kind;
    n[b->nparams].i = i;
    n[b->nparams].s = s ? strdup(s) : NULL;
    if (s && n[b->nparams].s == NULL) {
        b->bad = 1;
        return;
    }
    b->nparams++;
    ms_sql_emit(b, "?");
}

void ms_sql_free_params(ms_sqlparam *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(p[i].s);
    free(p);
}

/* A value of a mirrored column as a parameter (strings as UTF-8). */
static void value(ms_sqlbuf *b, const struct ms_mirror *m, const SPropValue *v)
{
    if (!m->text) {
        ULONG t = PROP_TYPE(v->ulPropTag);
        if (t == PT_SYSTIME)
            param(b, 1, (sqlite3_int64)((uint64_t)v->Value.ft.dwHighDateTime << 32 |
                                        v->Value.ft.dwLowDateTime), NULL);
        else if (t == PT_LONG)
            param(b, 1, v->Value.l, NULL);
        else
            b->bad = 1;
        return;
    }
    char *owned = NULL;
    const char *s;
    if (PROP_TYPE(v->ulPropTag) == PT_STRING8)
        s = v->Value.lpszA;
    else if (PROP_TYPE(v->ulPropTag) == PT_UNICODE &&
             mapirt_str_w_to_a(v->Value.lpszW, NULL, &owned) == S_OK)
        s = owned;
    else
        s = NULL;
    if (s == NULL)
        b->bad = 1;
    else
        param(b, 2, 0, s);
    MAPIFreeBuffer(owned);
}

/* The restriction as SQL, each leaf false (never NULL) for a row without the property, as
 * MAPI evaluates it. */
void ms_sql_where(ms_sqlbuf *b, const SRestriction *r, int depth)
{
    if (b->bad || depth > 64) {
        b->bad = 1;
        return;
    }
    switch (r->rt) {
    case RES_AND:
    case RES_OR:
        if (r->res.resAnd.cRes == 0) {
            ms_sql_emit(b, r->rt == RES_AND ? "1" : "0");
            return;
        }
        ms_sql_emit(b, "(");
        for (ULONG i = 0; i < r->res.resAnd.cRes; i++) {
            if (i)
                ms_sql_emit(b, r->rt == RES_AND ? " AND " : " OR ");
            ms_sql_where(b, &r->res.resAnd.lpRes[i], depth + 1);
        }
        ms_sql_emit(b, ")");
        return;
    case RES_NOT:
        ms_sql_emit(b, "NOT ");
        ms_sql_where(b, r->res.resNot.lpRes, depth + 1);
        return;
    case RES_EXIST: {
        const struct ms_mirror *m = ms_mirror_of(r->res.resExist.ulPropTag);
        if (m == NULL) {
            b->bad = 1;
            return;
        }
        ms_sql_emit(b, "(");
        ms_sql_emit(b, m->col);
        ms_sql_emit(b, " IS NOT NULL)");
        return;
    }
    case RES_BITMASK: {
        const struct ms_mirror *m = ms_mirror_of(r->res.resBitMask.ulPropTag);
        if (m == NULL || m->text || PROP_TYPE(r->res.resBitMask.ulPropTag) != PT_LONG) {
            b->bad = 1;
            return;
        }
        ms_sql_emit(b, "coalesce((");
        ms_sql_emit(b, m->col);
        ms_sql_emit(b, " & ");
        param(b, 1, (sqlite3_int64)r->res.resBitMask.ulMask, NULL);
        ms_sql_emit(b, r->res.resBitMask.relBMR == BMR_EQZ ? ") = 0, 0)" : ") <> 0, 0)");
        return;
    }
    case RES_PROPERTY: {
        static const char *const ops[] = {"<", "<=", ">", ">=", "=", "<>"};
        const struct ms_mirror *m = ms_mirror_of(r->res.resProperty.ulPropTag);
        ULONG op = r->res.resProperty.relop;
        if (m == NULL || op > RELOP_NE || r->res.resProperty.lpProp == NULL ||
            !ms_mirror_of(r->res.resProperty.lpProp->ulPropTag)) {
            b->bad = 1;
            return;
        }
        /* Strings in the runtime's order (collation MAPIRT, collate.c): folded first, then
         * exactly, so equality is exact; the subject index is built in that order. */
        ms_sql_emit(b, "coalesce(");
        ms_sql_emit(b, m->col);
        ms_sql_emit(b, m->text ? " COLLATE MAPIRT " : " ");
        ms_sql_emit(b, ops[op]);
        ms_sql_emit(b, " ");
        value(b, m, r->res.resProperty.lpProp);
        ms_sql_emit(b, ", 0)");
        return;
    }
    case RES_CONTENT: {
        /* FPropContainsProp itself (mapirt_contains, collate.c): every fuzzy level means in SQL
         * what it means to the in-memory engine. */
        const struct ms_mirror *m = ms_mirror_of(r->res.resContent.ulPropTag);
        if (m == NULL || !m->text || r->res.resContent.lpProp == NULL) {
            b->bad = 1;
            return;
        }
        ms_sql_emit(b, "coalesce(mapirt_contains(");
        ms_sql_emit(b, m->col);
        ms_sql_emit(b, ", ");
        value(b, m, r->res.resContent.lpProp);
        ms_sql_emit(b, ", ");
        param(b, 1, (sqlite3_int64)r->res.resContent.ulFuzzyLevel, NULL);
        ms_sql_emit(b, "), 0)");
        return;
    }
    default:
        b->bad = 1;
        return;
    }
}

/* A copy of a restriction SQL could say (those kinds only), allocated on parent: kept to hand
 * to the in-memory engine if a later sort needs it. */
HRESULT ms_sql_copy_res(const SRestriction *src, SRestriction *dst, void *parent)
{
    *dst = *src;
    switch (src->rt) {
    case RES_AND:
    case RES_OR:
        if (src->res.resAnd.cRes == 0)
            return S_OK;
        if (MAPIAllocateMore(src->res.resAnd.cRes * sizeof(SRestriction), parent,
                             (void **)&dst->res.resAnd.lpRes) != S_OK)
            return MAPI_E_NOT_ENOUGH_MEMORY;
        for (ULONG i = 0; i < src->res.resAnd.cRes; i++)
            if (FAILED(ms_sql_copy_res(&src->res.resAnd.lpRes[i], &dst->res.resAnd.lpRes[i], parent)))
                return MAPI_E_NOT_ENOUGH_MEMORY;
        return S_OK;
    case RES_NOT:
        if (MAPIAllocateMore(sizeof(SRestriction), parent, (void **)&dst->res.resNot.lpRes) != S_OK)
            return MAPI_E_NOT_ENOUGH_MEMORY;
        return ms_sql_copy_res(src->res.resNot.lpRes, dst->res.resNot.lpRes, parent);
    case RES_PROPERTY:
    case RES_CONTENT: {
        LPSPropValue *at = src->rt == RES_PROPERTY ? &dst->res.resProperty.lpProp
                                                   : &dst->res.resContent.lpProp;
        LPSPropValue from = *at;
        if (MAPIAllocateMore(sizeof(SPropValue), parent, (void **)at) != S_OK)
            return MAPI_E_NOT_ENOUGH_MEMORY;
        return PropCopyMore(*at, from, MAPIAllocateMore, parent) == S_OK ? S_OK
                                                                         : MAPI_E_NOT_ENOUGH_MEMORY;
    }
    default:
        return S_OK;
    }
}

