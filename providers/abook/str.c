/* str.c: strings between the widths MAPI hands over and the UTF-8 the database keeps, on the
 * C heap (the runtime's own heap is not part of its public API). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include <mapirt/strconv.h>

#include "ab.h"

char *ab_w2a(const WCHAR *w)
{
    LPSTR m = NULL;
    if (!w || mapirt_str_w_to_a(w, NULL, &m) != S_OK)
        return NULL;
    char *s = strdup(m);
    MAPIFreeBuffer(m);
    return s;
}

WCHAR *ab_a2w(const char *a)
{
    LPWSTR m = NULL;
    if (!a || mapirt_str_a_to_w(a, NULL, &m) != S_OK)
        return NULL;
    size_t n = mapirt_wcslen(m) + 1;
    WCHAR *w = malloc(n * sizeof *w);
    if (w)
        memcpy(w, m, n * sizeof *w);
    MAPIFreeBuffer(m);
    return w;
}

char *ab_utf8(const char *a)
{
    WCHAR *w = ab_a2w(a);
    char *s = ab_w2a(w);
    free(w);
    return s;
}

char *ab_prop_str(const SPropValue *v)
{
    if (!v)
        return NULL;
    if (PROP_TYPE(v->ulPropTag) == PT_UNICODE)
        return ab_w2a(v->Value.lpszW);
    if (PROP_TYPE(v->ulPropTag) == PT_STRING8)
        return ab_utf8(v->Value.lpszA);
    return NULL;
}

const SPropValue *ab_find(const SPropValue *v, ULONG c, ULONG tag)
{
    int str = PROP_TYPE(tag) == PT_UNICODE || PROP_TYPE(tag) == PT_STRING8;
    for (ULONG i = 0; v && i < c; i++) {
        if (PROP_ID(v[i].ulPropTag) != PROP_ID(tag))
            continue;
        ULONG t = PROP_TYPE(v[i].ulPropTag);
        if (t == PROP_TYPE(tag) || (str && (t == PT_UNICODE || t == PT_STRING8)))
            return &v[i];
    }
    return NULL;
}
