/* rows.c: the rows of the profile table, the message service table and the provider tables
 * (services.h), built from the store for ITableData.
 *
 *   profile table   PR_DISPLAY_NAME, PR_DEFAULT_PROFILE, PR_INSTANCE_KEY (profile-tables.md)
 *   service table   PR_DISPLAY_NAME, PR_INSTANCE_KEY (= PR_SERVICE_UID), PR_RESOURCE_FLAGS,
 *                   PR_SERVICE_DLL_NAME, PR_SERVICE_ENTRY_NAME (always 8-bit), PR_SERVICE_NAME,
 *                   PR_SERVICE_SUPPORT_FILES, PR_SERVICE_UID, PR_EMSMDB_SECTION_UID when set
 *                   (message-service-tables.md)
 *   provider tables PR_INSTANCE_KEY (= the section's UID), PR_DISPLAY_NAME,
 *                   PR_PROVIDER_DISPLAY, PR_PROVIDER_DLL_NAME, PR_PROVIDER_ORDINAL,
 *                   PR_PROVIDER_UID, PR_RESOURCE_FLAGS, PR_RESOURCE_TYPE, PR_SERVICE_NAME,
 *                   PR_SERVICE_UID (provider-tables.md); an extra section's row has
 *                   PR_RESOURCE_TYPE and PR_PROVIDER_ORDINAL as PT_ERROR, which is how the
 *                   reference tells them apart
 * A column whose property the section lacks is left out of the row (the table then answers
 * PT_ERROR / MAPI_E_NOT_FOUND for it). */
#include <string.h>

#include <mapicode.h>
#include <mapiguid.h>
#include <mapitags.h>
#include <mapiutil.h>
#include <mapix.h>

#include <mapirt/alloc.h>
#include <mapirt/strconv.h>

#include "services.h"
#include "svcadmin.h"
#include "store_internal.h"

#define PR_EMSMDB_SECTION_UID_TAG PROP_TAG(PT_BINARY, 0x3D15)

static const SPropValue *find(const SPropValue *v, ULONG n, ULONG tag)
{
    for (ULONG i = 0; i < n; i++)
        if (PROP_ID(v[i].ulPropTag) == PROP_ID(tag))
            return &v[i];
    return NULL;
}

/* Copies src (any string type, single or multi-valued) as `want` (a string tag) into dst. */
static HRESULT put_string(void *parent, SPropValue *dst, ULONG want, const SPropValue *src)
{
    ULONG st = PROP_TYPE(src->ulPropTag), wt = PROP_TYPE(want);
    dst->ulPropTag = want;
    if (st == wt)
        return PropCopyMore(dst, (LPSPropValue)src, MAPIAllocateMore, parent) == S_OK
                   ? (dst->ulPropTag = want, S_OK)
                   : MAPI_E_NOT_ENOUGH_MEMORY;
    if (st == PT_STRING8 && wt == PT_UNICODE)
        return mapirt_str_a_to_w(src->Value.lpszA, parent, &dst->Value.lpszW);
    if (st == PT_UNICODE && wt == PT_STRING8)
        return mapirt_str_w_to_a(src->Value.lpszW, parent, &dst->Value.lpszA);
    if ((st == PT_MV_STRING8 || st == PT_MV_UNICODE) &&
        (wt == PT_MV_STRING8 || wt == PT_MV_UNICODE)) {
        ULONG n = src->Value.MVl.cValues;
        void **arr;
        if (MAPIAllocateMore((n ? n : 1) * (ULONG)sizeof(void *), parent, (void **)&arr) != S_OK)
            return MAPI_E_NOT_ENOUGH_MEMORY;
        for (ULONG i = 0; i < n; i++) {
            HRESULT hr = st == PT_MV_STRING8
                             ? mapirt_str_a_to_w((&src->Value.MVszA.lppszA[0])[i], parent,
                                                 (LPWSTR *)&arr[i])
                             : mapirt_str_w_to_a((&src->Value.MVszW.lppszW[0])[i], parent,
                                                 (LPSTR *)&arr[i]);
            if (FAILED(hr))
                return hr;
        }
        dst->Value.MVl.cValues = n;
        dst->Value.MVl.lpl = (LONG *)arr;
        return S_OK;
    }
    return MAPI_E_INVALID_TYPE;
}

struct row_builder {
    SPropValue *v;
    ULONG n;
};

/* Adds column `tag` from the section's properties when present (strings converted to the
 * width of tag's type). */
static HRESULT column(struct row_builder *r, ULONG tag, const SPropValue *props, ULONG np)
{
    const SPropValue *src = find(props, np, tag);
    if (!src)
        return S_OK;
    ULONG t = PROP_TYPE(tag) & ~(ULONG)MV_FLAG;
    SPropValue *dst = &r->v[r->n];
    HRESULT hr;
    if (t == PT_STRING8 || t == PT_UNICODE) {
        ULONG st = PROP_TYPE(src->ulPropTag) & ~(ULONG)MV_FLAG;
        if ((st != PT_STRING8 && st != PT_UNICODE) ||
            ((PROP_TYPE(tag) & MV_FLAG) != (PROP_TYPE(src->ulPropTag) & MV_FLAG)))
            return S_OK; /* a value of another type: left out */
        hr = put_string(r->v, dst, tag, src);
    } else {
        if (PROP_TYPE(src->ulPropTag) != PROP_TYPE(tag))
            return S_OK;
        hr = PropCopyMore(dst, (LPSPropValue)src, MAPIAllocateMore, r->v) == S_OK
                 ? S_OK
                 : MAPI_E_NOT_ENOUGH_MEMORY;
    }
    if (SUCCEEDED(hr))
        r->n++;
    return hr;
}

static HRESULT value(struct row_builder *r, const SPropValue *v)
{
    if (PropCopyMore(&r->v[r->n], (LPSPropValue)v, MAPIAllocateMore, r->v) != S_OK)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    r->n++;
    return S_OK;
}

static HRESULT new_rowset(ULONG n, LPSRowSet *out)
{
    LPSRowSet rs;
    if (MAPIAllocateBuffer(CbNewSRowSet(n ? n : 1), (void **)&rs) != S_OK)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    memset(rs, 0, CbNewSRowSet(n ? n : 1));
    *out = rs;
    return S_OK;
}

static HRESULT new_row(LPSRowSet rs, ULONG ncols, struct row_builder *r)
{
    if (MAPIAllocateBuffer(ncols * (ULONG)sizeof(SPropValue), (void **)&r->v) != S_OK)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    memset(r->v, 0, ncols * sizeof(SPropValue));
    r->n = 0;
    SRow *row = &(&rs->aRow[0])[rs->cRows++];
    row->lpProps = r->v;
    return S_OK;
}

static ULONG stringy(ULONG tag, ULONG ulFlags)
{
    ULONG t = PROP_TYPE(tag) & ~(ULONG)MV_FLAG, mv = PROP_TYPE(tag) & MV_FLAG;
    if (t != PT_STRING8 && t != PT_UNICODE)
        return tag;
    return CHANGE_PROP_TYPE(tag, ((ulFlags & MAPI_UNICODE) ? PT_UNICODE : PT_STRING8) | mv);
}

static HRESULT done(mapirt_ps_tx *tx, HRESULT hr, LPSRowSet rs, LPSRowSet *out)
{
    if (FAILED(hr)) {
        FreeProws(rs);
        return hr == MAPI_E_NOT_ENOUGH_MEMORY ? mapirt_ps_oom(tx) : hr;
    }
    *out = rs;
    return S_OK;
}

HRESULT mapirt_rows_profiles(mapirt_ps_tx *tx, ULONG ulFlags, LPSRowSet *out)
{
    mapirt_profile_info *p;
    ULONG n;
    LPSRowSet rs;
    HRESULT hr = mapirt_ps_profile_list(tx, &p, &n);
    if (FAILED(hr))
        return hr;
    if (FAILED(hr = new_rowset(n, &rs))) {
        mapirt_free(p);
        return mapirt_ps_oom(tx);
    }
    for (ULONG i = 0; i < n && SUCCEEDED(hr); i++) {
        struct row_builder r;
        if (p[i].is_app && !(ulFlags & MAPI_APP_PROFILE))
            continue;
        if (FAILED(hr = new_row(rs, 3, &r)))
            break;
        SPropValue name = {.ulPropTag = PR_DISPLAY_NAME_A};
        name.Value.lpszA = p[i].name;
        SPropValue def = {.ulPropTag = PR_DEFAULT_PROFILE};
        def.Value.b = (unsigned short)(p[i].is_default != 0);
        SPropValue key = {.ulPropTag = PR_INSTANCE_KEY};
        key.Value.bin.cb = sizeof p[i].search_key;
        key.Value.bin.lpb = p[i].search_key;
        if (SUCCEEDED(hr = column(&r, stringy(PR_DISPLAY_NAME_A, ulFlags), &name, 1)) &&
            SUCCEEDED(hr = value(&r, &def)))
            hr = value(&r, &key);
        (&rs->aRow[0])[rs->cRows - 1].cValues = r.n;
    }
    mapirt_free(p);
    return done(tx, hr, rs, out);
}

HRESULT mapirt_rows_services(mapirt_ps_tx *tx, mapirt_profile_id id, ULONG ulFlags,
                             LPSRowSet *out)
{
    static const ULONG COLS[] = {PR_DISPLAY_NAME_A, PR_RESOURCE_FLAGS, PR_SERVICE_DLL_NAME_A,
                                 PR_SERVICE_ENTRY_NAME, PR_SERVICE_NAME_A,
                                 PR_SERVICE_SUPPORT_FILES_A, PR_SERVICE_UID,
                                 PR_EMSMDB_SECTION_UID_TAG};
    mapirt_ps_service *s;
    ULONG n;
    LPSRowSet rs;
    HRESULT hr = mapirt_ps_service_list(tx, id, &s, &n);
    if (FAILED(hr))
        return hr;
    if (FAILED(hr = new_rowset(n, &rs))) {
        mapirt_free(s);
        return mapirt_ps_oom(tx);
    }
    for (ULONG i = 0; i < n && SUCCEEDED(hr); i++) {
        ULONG np;
        LPSPropValue props;
        struct row_builder r;
        if (FAILED(hr = mapirt_ps_props_get(tx, id, &s[i].uid, &np, &props)))
            break;
        if (SUCCEEDED(hr = new_row(rs, 10, &r))) {
            SPropValue key = {.ulPropTag = PR_INSTANCE_KEY};
            key.Value.bin.cb = sizeof s[i].uid;
            key.Value.bin.lpb = s[i].uid.ab;
            hr = value(&r, &key);
            for (size_t c = 0; c < sizeof COLS / sizeof COLS[0] && SUCCEEDED(hr); c++)
                hr = column(&r, c == 3 ? COLS[c] : stringy(COLS[c], ulFlags), props, np);
            (&rs->aRow[0])[rs->cRows - 1].cValues = r.n;
        }
        MAPIFreeBuffer(props);
    }
    mapirt_free(s);
    return done(tx, hr, rs, out);
}

HRESULT mapirt_rows_providers(mapirt_ps_tx *tx, mapirt_profile_id id, const MAPIUID *service,
                              ULONG ulFlags, LPSRowSet *out)
{
    static const ULONG COLS[] = {PR_DISPLAY_NAME_A,     PR_PROVIDER_DISPLAY_A,
                                 PR_PROVIDER_DLL_NAME_A, PR_RESOURCE_FLAGS,
                                 PR_SERVICE_NAME_A,      PR_SERVICE_UID};
    mapirt_ps_provider *p;
    ULONG n;
    LPSRowSet rs;
    HRESULT hr = mapirt_ps_provider_list(tx, id, service, &p, &n);
    if (FAILED(hr))
        return hr;
    if (FAILED(hr = new_rowset(n, &rs))) {
        mapirt_free(p);
        return mapirt_ps_oom(tx);
    }
    for (ULONG i = 0; i < n && SUCCEEDED(hr); i++) {
        ULONG np;
        LPSPropValue props;
        struct row_builder r;
        /* the profile-wide table lists providers only */
        if (!service && p[i].kind != MAPIRT_PS_PROVIDER)
            continue;
        if (FAILED(hr = mapirt_ps_props_get(tx, id, &p[i].uid, &np, &props)))
            break;
        if (SUCCEEDED(hr = new_row(rs, 12, &r))) {
            SPropValue key = {.ulPropTag = PR_INSTANCE_KEY};
            key.Value.bin.cb = sizeof p[i].uid;
            key.Value.bin.lpb = p[i].uid.ab;
            SPropValue puid = key;
            puid.ulPropTag = PR_PROVIDER_UID;
            SPropValue suid = {.ulPropTag = PR_SERVICE_UID};
            suid.Value.bin.cb = sizeof p[i].service;
            suid.Value.bin.lpb = p[i].service.ab;
            SPropValue ord = {.ulPropTag = PR_PROVIDER_ORDINAL};
            ord.Value.l = (LONG)p[i].order;
            SPropValue missing_type = {.ulPropTag = CHANGE_PROP_TYPE(PR_RESOURCE_TYPE, PT_ERROR)};
            missing_type.Value.err = MAPI_E_NOT_FOUND;
            SPropValue missing_ord = {.ulPropTag = CHANGE_PROP_TYPE(PR_PROVIDER_ORDINAL, PT_ERROR)};
            missing_ord.Value.err = MAPI_E_NOT_FOUND;
            int extra = p[i].kind == MAPIRT_PS_EXTRA;
            hr = value(&r, &key);
            if (SUCCEEDED(hr))
                hr = value(&r, extra ? &missing_ord : &ord);
            if (SUCCEEDED(hr))
                hr = value(&r, &puid);
            if (SUCCEEDED(hr) && extra)
                hr = value(&r, &missing_type);
            else if (SUCCEEDED(hr))
                hr = column(&r, PR_RESOURCE_TYPE, props, np);
            for (size_t c = 0; c < sizeof COLS / sizeof COLS[0] && SUCCEEDED(hr); c++)
                if (COLS[c] != PR_SERVICE_UID)
                    hr = column(&r, stringy(COLS[c], ulFlags), props, np);
            if (SUCCEEDED(hr) && !find(r.v, r.n, PR_SERVICE_UID))
                hr = value(&r, &suid);
            (&rs->aRow[0])[rs->cRows - 1].cValues = r.n;
        }
        MAPIFreeBuffer(props);
    }
    mapirt_free(p);
    return done(tx, hr, rs, out);
}

HRESULT mapirt_rows_table(LPSRowSet rows, const SPropTagArray *cols, ULONG index,
                          LPMAPITABLE *out)
{
    LPTABLEDATA td = NULL;
    HRESULT hr = CreateTable(&IID_IMAPITableData, MAPIAllocateBuffer, MAPIAllocateMore,
                             MAPIFreeBuffer, NULL, TBLTYPE_SNAPSHOT, index,
                             (LPSPropTagArray)cols, &td);
    if (SUCCEEDED(hr) && rows->cRows)
        hr = td->lpVtbl->HrModifyRows(td, 0, rows);
    if (SUCCEEDED(hr))
        hr = td->lpVtbl->HrGetView(td, NULL, NULL, 0, out);
    if (td)
        td->lpVtbl->Release(td);
    FreeProws(rows);
    return hr;
}
