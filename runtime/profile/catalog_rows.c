/* catalog_rows.c: the public face of the service catalog (<mapirt/catalog.h>): its services as
 * rows, and the catalog's value reader for any caller that has a property value as text. */
#include <stdio.h>
#include <string.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapitags.h>
#include <mapiutil.h>
#include <mapix.h>

#include <mapirt/catalog.h>
#include <mapirt/strconv.h>

#include "catalog.h"
#include "mem/arena.h"

/* A MAPIERROR holding text, or NULL when memory is short (the code still says what failed). */
static LPMAPIERROR make_error(const char *text)
{
    LPMAPIERROR e = NULL;
    size_t n = strlen(text) + 1;
    static const char component[] = "mapirt service catalog";
    if (MAPIAllocateBuffer(sizeof *e, (void **)&e) != S_OK)
        return NULL;
    memset(e, 0, sizeof *e);
    e->ulVersion = MAPI_ERROR_VERSION;
    if (MAPIAllocateMore((ULONG)n, e, (void **)&e->lpszError) != S_OK ||
        MAPIAllocateMore(sizeof component, e, (void **)&e->lpszComponent) != S_OK) {
        MAPIFreeBuffer(e);
        return NULL;
    }
    memcpy(e->lpszError, text, n);
    memcpy(e->lpszComponent, component, sizeof component);
    return e;
}

static HRESULT put_string(SPropValue *pv, ULONG id, const char *s, int wide, void *parent)
{
    if (!wide) {
        size_t n = strlen(s) + 1;
        pv->ulPropTag = PROP_TAG(PT_STRING8, id);
        if (MAPIAllocateMore((ULONG)n, parent, (void **)&pv->Value.lpszA) != S_OK)
            return MAPI_E_NOT_ENOUGH_MEMORY;
        memcpy(pv->Value.lpszA, s, n);
        return S_OK;
    }
    pv->ulPropTag = PROP_TAG(PT_UNICODE, id);
    return mapirt_str_a_to_w(s, parent, &pv->Value.lpszW);
}

/* One service as a row: the two names, then the section's property lines (its own display
 * name, if any, is the second column rather than a repeat). */
static HRESULT service_row(const mapirt_catalog_service *svc, int wide, SRow *row)
{
    const mapirt_catalog_section *sec = svc->section;
    const SPropValue *disp = sec ? mapirt_catalog_prop(sec, PR_DISPLAY_NAME_A) : NULL;
    ULONG n = 2 + (sec ? sec->cValues : 0);
    SPropValue *pv = NULL;
    HRESULT hr;

    if (MAPIAllocateBuffer(n * (ULONG)sizeof *pv, (void **)&pv) != S_OK)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    memset(pv, 0, n * sizeof *pv);
    row->lpProps = pv;
    row->cValues = 0;
    hr = put_string(&pv[0], PROP_ID(PR_SERVICE_NAME_A), svc->name, wide, pv);
    if (hr == S_OK && disp && PROP_TYPE(disp->ulPropTag) == PT_UNICODE && wide)
        hr = PropCopyMore(&pv[1], (LPSPropValue)disp, MAPIAllocateMore, pv);
    else if (hr == S_OK && disp && PROP_TYPE(disp->ulPropTag) == PT_UNICODE) {
        LPSTR a = NULL;
        hr = mapirt_str_w_to_a(disp->Value.lpszW, pv, &a);
        pv[1].ulPropTag = PR_DISPLAY_NAME_A;
        pv[1].Value.lpszA = a;
    } else if (hr == S_OK)
        hr = put_string(&pv[1], PROP_ID(PR_DISPLAY_NAME_A),
            disp ? disp->Value.lpszA : svc->display, wide, pv);
    ULONG k = 2;
    for (ULONG i = 0; hr == S_OK && sec && i < sec->cValues; i++) {
        if (PROP_ID(sec->lpProps[i].ulPropTag) == PROP_ID(PR_DISPLAY_NAME_A) ||
            PROP_ID(sec->lpProps[i].ulPropTag) == PROP_ID(PR_SERVICE_NAME_A))
            continue;
        hr = PropCopyMore(&pv[k++], &sec->lpProps[i], MAPIAllocateMore, pv);
    }
    row->cValues = k;
    return hr == S_OK ? S_OK : MAPI_E_NOT_ENOUGH_MEMORY;
}

HRESULT mapirt_catalog_services(ULONG ulFlags, LPSRowSet *lppRows, LPMAPIERROR *lppMAPIError)
{
    mapirt_catalog *cat = NULL;
    char err[512];
    HRESULT hr;

    if (lppMAPIError)
        *lppMAPIError = NULL;
    if (!lppRows)
        return MAPI_E_INVALID_PARAMETER;
    *lppRows = NULL;
    if (ulFlags & ~(ULONG)(MAPI_DEFAULT_SERVICES | MAPI_UNICODE))
        return MAPI_E_UNKNOWN_FLAGS;
    hr = mapirt_catalog_load(&cat, err, sizeof err);
    if (hr != S_OK) {
        if (lppMAPIError)
            *lppMAPIError = make_error(err);
        return hr;
    }
    int defaults = (ulFlags & MAPI_DEFAULT_SERVICES) != 0;
    ULONG n = defaults ? cat->cDefaults : cat->cServices;
    LPSRowSet rows = NULL;
    if (MAPIAllocateBuffer(CbNewSRowSet(n), (void **)&rows) != S_OK) {
        mapirt_catalog_free(cat);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    memset(rows, 0, CbNewSRowSet(n));
    for (ULONG i = 0; hr == S_OK && i < n; i++) {
        hr = service_row(defaults ? cat->defaults[i] : &cat->services[i],
            (ulFlags & MAPI_UNICODE) != 0, &rows->aRow[i]);
        rows->cRows = i + 1;
    }
    mapirt_catalog_free(cat);
    if (hr != S_OK) {
        FreeProws(rows);
        return hr;
    }
    *lppRows = rows;
    return S_OK;
}

HRESULT mapirt_prop_from_text(ULONG ulPropTag, const char *lpszText, LPVOID lpObject,
    LPSPropValue lpProp, char *err, size_t cberr)
{
    mapirt_arena a = MAPIRT_ARENA_INIT;
    SPropValue tmp;
    int oom = 0;

    if (cberr)
        err[0] = '\0';
    if (!lpszText || !lpObject || !lpProp)
        return MAPI_E_INVALID_PARAMETER;
    const char *problem = mapirt_catalog_value(&a, ulPropTag, MAPIRT_SECTION_UNUSED, lpszText,
        &tmp, &oom);
    HRESULT hr = S_OK;
    if (problem) {
        hr = oom ? MAPI_E_NOT_ENOUGH_MEMORY : MAPI_E_INVALID_PARAMETER;
        if (cberr)
            snprintf(err, cberr, "%s", problem);
    } else if (PropCopyMore(lpProp, &tmp, MAPIAllocateMore, lpObject) != S_OK) {
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
        if (cberr)
            snprintf(err, cberr, "out of memory");
    }
    mapirt_arena_free(&a);
    return hr;
}
