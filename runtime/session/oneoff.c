/* oneoff.c: one-off entry IDs (IAddrBook::CreateOneOff, IMAPISupport::CreateOneOff), the
 * recipient IAddrBook::OpenEntry opens from one (coclass oneoff_user), and the one-off table
 * (IMAPISupport::GetOneOffTable).
 *
 * The format is MAPI's (one-off-entry-identifiers.md, [MS-OXCDATA] 2.2.5.1): 4 zero flag
 * bytes, MAPI_ONE_OFF_UID, a 16-bit version (0) and 16-bit flags (MAPI_ONE_OFF_UNICODE,
 * MAPI_ONE_OFF_NO_RICH_INFO), little-endian, then the display name, the address type and the
 * address, each NUL-terminated, UTF-16LE when MAPI_ONE_OFF_UNICODE is set and 8-bit (UTF-8 in
 * mapirt) otherwise. Anyone can make one without MAPI, so parsing trusts nothing: every string
 * must end inside the ID, the address type and address must not be empty. */
#include <string.h>

#include <mapicode.h>
#include <mapiguid.h>
#include <mapiutil.h>
#include <mapix.h>

#include <mapirt/alloc.h>
#include <mapirt/propstore.h>
#include <mapirt/strconv.h>

#include "session_internal.h"

struct oneoff_user {
    mapirt_propbag *bag;
};

#include "oneoff_user_object.h"

static const BYTE one_off_uid[16] = MAPI_ONE_OFF_UID;
#define HEAD (4 + 16 + 2 + 2)

/* ---- encoding ---- */

static size_t wlen(const WCHAR *s)
{
    return s ? mapirt_wcslen(s) : 0;
}

static int ieq(const char *a, const char *b)
{
    return mapirt_str_compare(a, false, b, false, FL_IGNORECASE) == 0;
}

HRESULT mapirt_oneoff_make(const void *name, const void *adrtype, const void *address,
                           ULONG ulFlags, void *parent, ULONG *lpcb, LPENTRYID *lppEntryID)
{
    int wide = (ulFlags & MAPI_UNICODE) != 0;
    size_t n1, n2, n3, unit = wide ? sizeof(WCHAR) : 1;
    if (!adrtype || !address)
        return MAPI_E_INVALID_PARAMETER;
    if (wide) {
        n1 = wlen(name) + 1;
        n2 = wlen(adrtype) + 1;
        n3 = wlen(address) + 1;
    } else {
        n1 = (name ? strlen(name) : 0) + 1;
        n2 = strlen(adrtype) + 1;
        n3 = strlen(address) + 1;
    }
    if (n2 == 1 || n3 == 1)
        return MAPI_E_INVALID_PARAMETER; /* a one-off needs a type and an address */
    /* MAPI_SEND_NO_RICH_INFO, or an Internet address, which gets no TNEF */
    int norich = (ulFlags & MAPI_SEND_NO_RICH_INFO) != 0;
    if (!norich) {
        char *t = wide ? mapirt_str_w_to_a_dup(adrtype) : NULL;
        norich = ieq(wide ? (t ? t : "") : adrtype, "SMTP");
        mapirt_free(t);
    }
    size_t cb = HEAD + (n1 + n2 + n3) * unit;
    if (cb > 0x7fffffff)
        return MAPI_E_INVALID_PARAMETER;
    void *p = NULL;
    if ((parent ? MAPIAllocateMore((ULONG)cb, parent, &p) : MAPIAllocateBuffer((ULONG)cb, &p)) !=
        S_OK)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    BYTE *b = p;
    memset(b, 0, 4);
    memcpy(b + 4, one_off_uid, 16);
    ULONG fl = (wide ? MAPI_ONE_OFF_UNICODE : 0) | (norich ? MAPI_ONE_OFF_NO_RICH_INFO : 0);
    b[20] = b[21] = 0;
    b[22] = (BYTE)fl;
    b[23] = (BYTE)(fl >> 8);
    BYTE *o = b + HEAD;
    const void *strs[3] = {name, adrtype, address};
    size_t lens[3] = {n1, n2, n3};
    for (int i = 0; i < 3; i++) {
        if (!wide) {
            if (strs[i])
                memcpy(o, strs[i], lens[i]);
            else
                *o = 0;
            o += lens[i];
            continue;
        }
        const WCHAR *w = strs[i];
        for (size_t k = 0; k < lens[i]; k++) {
            WCHAR c = w ? w[k] : 0;
            *o++ = (BYTE)c;
            *o++ = (BYTE)(c >> 8);
        }
    }
    *lpcb = (ULONG)cb;
    *lppEntryID = (LPENTRYID)b;
    return S_OK;
}

/* ---- parsing ---- */

int mapirt_oneoff_is(ULONG cb, const ENTRYID *eid)
{
    return eid && cb >= HEAD && memcmp((const BYTE *)eid + 4, one_off_uid, 16) == 0;
}

/* One string at *pos (8-bit or UTF-16LE) as UTF-8 on the runtime heap, or NULL when it does
 * not end inside the ID. */
static char *take(const BYTE *b, ULONG cb, ULONG *pos, int wide)
{
    ULONG i = *pos;
    if (!wide) {
        while (i < cb && b[i])
            i++;
        if (i >= cb)
            return NULL;
        char *s = mapirt_malloc(i - *pos + 1);
        if (s)
            memcpy(s, b + *pos, i - *pos + 1);
        *pos = i + 1;
        return s;
    }
    while (i + 1 < cb && (b[i] || b[i + 1]))
        i += 2;
    if (i + 1 >= cb)
        return NULL;
    ULONG n = (i - *pos) / 2;
    WCHAR *w = mapirt_malloc((n + 1) * sizeof(WCHAR));
    if (!w)
        return NULL;
    for (ULONG k = 0; k < n; k++)
        w[k] = (WCHAR)(b[*pos + 2 * k] | b[*pos + 2 * k + 1] << 8);
    w[n] = 0;
    char *s = mapirt_str_w_to_a_dup(w);
    mapirt_free(w);
    *pos = i + 2;
    return s;
}

void mapirt_oneoff_free(mapirt_oneoff *o)
{
    mapirt_free(o->name);
    mapirt_free(o->type);
    mapirt_free(o->address);
    memset(o, 0, sizeof *o);
}

HRESULT mapirt_oneoff_parse(ULONG cb, const ENTRYID *eid, mapirt_oneoff *out)
{
    const BYTE *b = (const BYTE *)eid;
    memset(out, 0, sizeof *out);
    if (!mapirt_oneoff_is(cb, eid) || b[20] || b[21])
        return MAPI_E_INVALID_ENTRYID;
    out->flags = (ULONG)b[22] | (ULONG)b[23] << 8;
    int wide = (out->flags & MAPI_ONE_OFF_UNICODE) != 0;
    ULONG pos = HEAD;
    out->name = take(b, cb, &pos, wide);
    out->type = out->name ? take(b, cb, &pos, wide) : NULL;
    out->address = out->type ? take(b, cb, &pos, wide) : NULL;
    if (!out->address || !out->type[0] || !out->address[0]) {
        mapirt_oneoff_free(out);
        return MAPI_E_INVALID_ENTRYID;
    }
    return S_OK;
}

int mapirt_oneoff_equal(const mapirt_oneoff *a, const mapirt_oneoff *b)
{
    return ieq(a->type, b->type) && ieq(a->address, b->address);
}

/* ---- the recipient ---- */

static void oneoff_user_destroy(struct oneoff_user *self)
{
    mapirt_propbag_destroy(self->bag);
}

/* "TYPE:ADDRESS" in upper case, MAPI's search key of a one-off recipient. */
static HRESULT search_key(const mapirt_oneoff *o, void *parent, SBinary *out)
{
    size_t nt = strlen(o->type), na = strlen(o->address);
    char *k;
    if (MAPIAllocateMore((ULONG)(nt + na + 2), parent, (void **)&k) != S_OK)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    memcpy(k, o->type, nt);
    k[nt] = ':';
    memcpy(k + nt + 1, o->address, na + 1);
    for (char *c = k; *c; c++)
        if (*c >= 'a' && *c <= 'z')
            *c = (char)(*c - 'a' + 'A');
    out->cb = (ULONG)(nt + na + 2);
    out->lpb = (LPBYTE)k;
    return S_OK;
}

HRESULT mapirt_oneoff_props(ULONG cb, const ENTRYID *eid, ULONG *lpcValues,
                            LPSPropValue *lppProps)
{
    mapirt_oneoff o;
    HRESULT hr = mapirt_oneoff_parse(cb, eid, &o);
    if (FAILED(hr))
        return hr;
    enum { N = 10 };
    LPSPropValue v = NULL;
    if (MAPIAllocateBuffer(N * sizeof *v, (void **)&v) != S_OK) {
        mapirt_oneoff_free(&o);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    memset(v, 0, N * sizeof *v);
    /* no display name: the address is shown, as ResolveName does for one-off addresses */
    const char *name = o.name[0] ? o.name : o.address;
    ULONG n = 0;
    v[n].ulPropTag = PR_DISPLAY_NAME_A;
    v[n++].Value.lpszA = (LPSTR)name;
    v[n].ulPropTag = PR_TRANSMITABLE_DISPLAY_NAME_A;
    v[n++].Value.lpszA = (LPSTR)name;
    v[n].ulPropTag = PR_ADDRTYPE_A;
    v[n++].Value.lpszA = o.type;
    v[n].ulPropTag = PR_EMAIL_ADDRESS_A;
    v[n++].Value.lpszA = o.address;
    v[n].ulPropTag = PR_ENTRYID;
    v[n].Value.bin.cb = cb;
    v[n++].Value.bin.lpb = (LPBYTE)eid;
    v[n].ulPropTag = PR_RECORD_KEY;
    v[n].Value.bin.cb = cb;
    v[n++].Value.bin.lpb = (LPBYTE)eid;
    v[n].ulPropTag = PR_OBJECT_TYPE;
    v[n++].Value.l = MAPI_MAILUSER;
    v[n].ulPropTag = PR_DISPLAY_TYPE;
    v[n++].Value.l = DT_MAILUSER;
    v[n].ulPropTag = PR_SEND_RICH_INFO;
    v[n++].Value.b = (o.flags & MAPI_ONE_OFF_NO_RICH_INFO) ? FALSE : TRUE;
    v[n].ulPropTag = PR_SEARCH_KEY;
    hr = search_key(&o, v, &v[n++].Value.bin);
    /* the strings point into o: copy the whole array into one buffer */
    LPSPropValue out = NULL;
    if (SUCCEEDED(hr))
        hr = ScDupPropset((int)n, v, MAPIAllocateBuffer, &out);
    MAPIFreeBuffer(v);
    mapirt_oneoff_free(&o);
    if (FAILED(hr))
        return hr;
    *lpcValues = n;
    *lppProps = out;
    return S_OK;
}

HRESULT mapirt_oneoff_open(ULONG cb, const ENTRYID *eid, LPCIID iid, ULONG *lpulObjType,
                           LPUNKNOWN *lppUnk)
{
    ULONG n = 0;
    LPSPropValue v = NULL;
    HRESULT hr = mapirt_oneoff_props(cb, eid, &n, &v);
    if (FAILED(hr))
        return hr;
    struct oneoff_user *u = oneoff_user_new();
    if (!u) {
        MAPIFreeBuffer(v);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    hr = mapirt_propbag_create(NULL, NULL, NULL, "one-off recipient", &u->bag);
    if (SUCCEEDED(hr)) {
        mapirt_propbag_attach(u->bag, oneoff_user_as_IUnknown(u), oneoff_user_lasterror(u));
        hr = mapirt_propbag_put(u->bag, n, v, IPROP_READONLY);
    }
    if (SUCCEEDED(hr))
        hr = mapirt_propbag_HrSetObjAccess(u->bag, IPROP_READONLY);
    MAPIFreeBuffer(v);
    return mapirt_sess_give_out(hr, oneoff_user_as_IUnknown(u),
                                (LPUNKNOWN)oneoff_user_as_IMailUser(u), &IID_IMailUser, iid,
                                MAPI_MAILUSER, lpulObjType, lppUnk);
}

/* ---- the one-off table ---- */

/* The templates every address book provider offers (IABLogon::GetOneOffTable), one table;
 * providers that offer none (MAPI_E_NO_SUPPORT) add nothing. */
HRESULT mapirt_oneoff_table(mapirt_sess *s, ULONG ulFlags, LPMAPITABLE *out)
{
    int wide = (ulFlags & MAPI_UNICODE) != 0;
    SizedSPropTagArray(7, cols) = {7, {wide ? PR_DISPLAY_NAME_W : PR_DISPLAY_NAME_A, PR_ENTRYID,
                                       PR_DEPTH, PR_SELECTABLE,
                                       wide ? PR_ADDRTYPE_W : PR_ADDRTYPE_A, PR_DISPLAY_TYPE,
                                       PR_INSTANCE_KEY}};
    LPTABLEDATA td = NULL;
    HRESULT hr = CreateTable(&IID_IMAPITableData, MAPIAllocateBuffer, MAPIAllocateMore,
                             MAPIFreeBuffer, NULL, TBLTYPE_DYNAMIC, PR_INSTANCE_KEY,
                             (LPSPropTagArray)&cols, &td);
    if (FAILED(hr))
        return hr;
    for (ULONG i = 0; SUCCEEDED(hr) && i < s->nprov; i++) {
        mapirt_provider *p = &s->provs[i];
        if (p->kind != MAPIRT_PROV_AB)
            continue;
        LPUNKNOWN l = mapirt_logon_ref(p);
        if (!l)
            continue;
        LPMAPITABLE t = NULL;
        HRESULT h = ((IABLogon *)l)->lpVtbl->GetOneOffTable((IABLogon *)l, ulFlags, &t);
        l->lpVtbl->Release(l);
        if (FAILED(h))
            continue;
        LPSRowSet rows = NULL;
        if (SUCCEEDED(HrQueryAllRows(t, NULL, NULL, NULL, 0, &rows))) {
            for (ULONG r = 0; SUCCEEDED(hr) && r < rows->cRows; r++)
                hr = mapirt_row_with_key(td, &rows->aRow[r], i, r);
            FreeProws(rows);
        }
        t->lpVtbl->Release(t);
    }
    if (SUCCEEDED(hr))
        hr = td->lpVtbl->HrGetView(td, NULL, NULL, 0, out);
    td->lpVtbl->Release(td);
    return hr;
}
