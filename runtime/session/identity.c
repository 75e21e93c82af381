/* runtime/session/identity.c: IMAPISession::QueryIdentity (SPEC §12.3; §19.14 decided in
 * docs/decisions.md).
 *
 *  1. the status row whose PR_RESOURCE_FLAGS has STATUS_PRIMARY_IDENTITY (the profile's
 *     primary identity service's providers carry it: SetPrimaryIdentity), in provider order:
 *     its PR_IDENTITY_ENTRYID;
 *  2. that row without PR_IDENTITY_ENTRYID: a one-off entry ID made from its
 *     PR_IDENTITY_DISPLAY (else PR_DISPLAY_NAME), address type "MAPIRT", the provider's UID
 *     in hex as the address;
 *  3. no such row: the first row (provider order) with a PR_IDENTITY_ENTRYID;
 *  4. none: MAPI_W_NO_SERVICE and a fixed one-off entry ID for "Unknown user" (address
 *     "unknown"). */
#include <string.h>

#include <mapicode.h>
#include <mapiutil.h>
#include <mapix.h>

#include <mapirt/alloc.h>
#include <mapirt/strconv.h>

#include "session_handle.h"
#include "session_internal.h"

/* A Unicode one-off entry ID without rich information (mapirt_oneoff_make), address type
 * "MAPIRT": the address is the identity's provider UID in hex (one-off entry IDs need one), or
 * "unknown" for the stand-in of a profile with no identity. */
static HRESULT one_off(const char *name, const MAPIUID *provider, ULONG *lpcb, LPENTRYID *out)
{
    static const char HEX[] = "0123456789abcdef";
    char addr[33] = "unknown";
    if (provider) {
        for (int i = 0; i < 16; i++) {
            addr[2 * i] = HEX[provider->ab[i] >> 4];
            addr[2 * i + 1] = HEX[provider->ab[i] & 15];
        }
        addr[32] = '\0';
    }
    WCHAR *w = mapirt_str_a_to_w_dup(name), *t = mapirt_str_a_to_w_dup("MAPIRT"),
          *a = mapirt_str_a_to_w_dup(addr);
    HRESULT hr = MAPI_E_NOT_ENOUGH_MEMORY;
    if (w && t && a)
        hr = mapirt_oneoff_make(w, t, a, MAPI_UNICODE | MAPI_SEND_NO_RICH_INFO, NULL, lpcb, out);
    mapirt_free(w);
    mapirt_free(t);
    mapirt_free(a);
    return hr;
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
            hr = name ? one_off(name, &p->uid, lpcb, lppEntryID) : MAPI_E_NOT_ENOUGH_MEMORY;
            mapirt_free(name);
        }
    }
    pthread_mutex_unlock(&s->mu);
    if (hr == MAPI_W_NO_SERVICE) {
        HRESULT ohr = one_off("Unknown user", NULL, lpcb, lppEntryID);
        if (FAILED(ohr))
            return ohr;
    }
    return hr;
}
