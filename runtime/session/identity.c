/* runtime/session/identity.c: IMAPISession::QueryIdentity (SPEC §12.3; §19.14 decided in
 * docs/decisions.md).
 *
 *  1. the status row whose PR_RESOURCE_FLAGS has STATUS_PRIMARY_IDENTITY (the profile's
 *     primary identity service's providers carry it: SetPrimaryIdentity), in provider order:
 *     its PR_IDENTITY_ENTRYID;
 *  2. that row without PR_IDENTITY_ENTRYID: a one-off entry ID made from its
 *     PR_IDENTITY_DISPLAY (else PR_DISPLAY_NAME), address type "MAPIRT", no address;
 *  3. no such row: the first row (provider order) with a PR_IDENTITY_ENTRYID;
 *  4. none: MAPI_W_NO_SERVICE and a fixed one-off entry ID for "Unknown user". */
#include <string.h>

#include <mapicode.h>
#include <mapiutil.h>
#include <mapix.h>

#include <mapirt/alloc.h>
#include <mapirt/strconv.h>

#include "session_handle.h"
#include "session_internal.h"

static const BYTE one_off_uid[16] = {0x81, 0x2b, 0x1f, 0xa4, 0xbe, 0xa3, 0x10, 0x19,
                                     0x9d, 0x6e, 0x00, 0xdd, 0x01, 0x0f, 0x54, 0x02};

/* A Unicode one-off entry ID ([MS-OXCDATA] 2.2.5.1): flags, MAPI_ONE_OFF_UID, version 0, flags
 * MAPI_ONE_OFF_UNICODE | MAPI_ONE_OFF_NO_RICH_INFO, then display name, address type and
 * address as NUL-terminated UTF-16LE. */
static HRESULT one_off(const char *name, ULONG *lpcb, LPENTRYID *out)
{
    WCHAR *w = mapirt_str_a_to_w_dup(name);
    if (!w)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    static const char type[] = "MAPIRT";
    size_t nw = 0;
    while (w[nw])
        nw++;
    ULONG cb = (ULONG)(4 + 16 + 2 + 2 + (nw + 1) * 2 + (sizeof type) * 2 + 2);
    BYTE *b = NULL;
    if (MAPIAllocateBuffer(cb, (void **)&b) != S_OK) {
        mapirt_free(w);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    memset(b, 0, cb);
    memcpy(b + 4, one_off_uid, 16);
    ULONG f = MAPI_ONE_OFF_UNICODE | MAPI_ONE_OFF_NO_RICH_INFO;
    b[22] = (BYTE)f;
    b[23] = (BYTE)(f >> 8);
    BYTE *p = b + 24;
    for (size_t i = 0; i <= nw; i++, p += 2) {
        p[0] = (BYTE)w[i];
        p[1] = (BYTE)(w[i] >> 8);
    }
    for (size_t i = 0; i < sizeof type; i++, p += 2)
        p[0] = (BYTE)type[i];
    /* the address: an empty string (already zero) */
    mapirt_free(w);
    *lpcb = cb;
    *out = (LPENTRYID)b;
    return S_OK;
}

static const SPropValue *find(const SPropValue *v, ULONG n, ULONG id)
{
    for (ULONG i = 0; i < n; i++)
        if (PROP_ID(v[i].ulPropTag) == id && PROP_TYPE(v[i].ulPropTag) != PT_ERROR)
            return &v[i];
    return NULL;
}

static HRESULT copy_eid(const SPropValue *v, ULONG *lpcb, LPENTRYID *out)
{
    void *b = NULL;
    if (MAPIAllocateBuffer(v->Value.bin.cb ? v->Value.bin.cb : 1, &b) != S_OK)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    if (v->Value.bin.cb)
        memcpy(b, v->Value.bin.lpb, v->Value.bin.cb);
    *lpcb = v->Value.bin.cb;
    *out = b;
    return S_OK;
}

/* A string value as UTF-8 (mapirt_free). */
static char *text_of(const SPropValue *v)
{
    return PROP_TYPE(v->ulPropTag) == PT_UNICODE ? mapirt_str_w_to_a_dup(v->Value.lpszW)
                                                 : mapirt_strdup(v->Value.lpszA);
}

HRESULT mapirt_query_identity(mapirt_sess *s, ULONG *lpcb, LPENTRYID *lppEntryID)
{
    HRESULT hr = MAPI_W_NO_SERVICE;
    int primary_found = 0, first_found = 0;
    ULONG primary_i = 0, first_i = 0;
    pthread_mutex_lock(&s->mu);
    for (ULONG i = 0; i < s->nprov && !primary_found; i++) {
        mapirt_provider *p = &s->provs[i];
        if (p->state != MAPIRT_PROV_ACTIVE || !p->has_row)
            continue;
        ULONG flags = p->section_flags;
        const SPropValue *f = find(p->row, p->crow, PROP_ID(PR_RESOURCE_FLAGS));
        if (f)
            flags |= f->Value.ul;
        if (flags & STATUS_PRIMARY_IDENTITY) {
            primary_found = 1;
            primary_i = i;
        } else if (!first_found && find(p->row, p->crow, PROP_ID(PR_IDENTITY_ENTRYID))) {
            first_found = 1;
            first_i = i;
        }
    }
    if (primary_found || first_found) {
        mapirt_provider *p = &s->provs[primary_found ? primary_i : first_i];
        const SPropValue *e = find(p->row, p->crow, PROP_ID(PR_IDENTITY_ENTRYID));
        if (e)
            hr = copy_eid(e, lpcb, lppEntryID);
        else {
            const SPropValue *d = find(p->row, p->crow, PROP_ID(PR_IDENTITY_DISPLAY));
            if (!d)
                d = find(p->row, p->crow, PROP_ID(PR_DISPLAY_NAME));
            char *name = d ? text_of(d) : mapirt_strdup(p->display);
            hr = name ? one_off(name, lpcb, lppEntryID) : MAPI_E_NOT_ENOUGH_MEMORY;
            mapirt_free(name);
        }
    }
    pthread_mutex_unlock(&s->mu);
    if (hr == MAPI_W_NO_SERVICE) {
        HRESULT ohr = one_off("Unknown user", lpcb, lppEntryID);
        if (FAILED(ohr))
            return ohr;
    }
    return hr;
}
