/* sessend.h: what the end-of-session tests share: the acmeab provider's counters, its
 * blocking entry ("zed", held in OpenEntry while acmeab_block(1)), and ways to reach the
 * objects a session hands out (the store, a provider's status object, an address book entry). */
#ifndef TESTS_SESSION_SESSEND_H
#define TESTS_SESSION_SESSEND_H

#include "sessfixture.h"

struct acmeab_stats {
    int inits, logons, logoffs, shutdowns, provider_releases, configures;
    HINSTANCE instance;
    ULONG mapi_version, logon_flags;
    int malloc_ok;
    int calls_after_logoff;
};

struct acmems_stats {
    int inits, logons, logoffs, shutdowns, store_releases, storelogoffs;
    HINSTANCE instance;
    ULONG logon_flags, cb_entryid, logoff_transport_flags;
};

static inline struct acmeab_stats *ab_stats(void)
{
    return ((struct acmeab_stats * (*)(void)) provider_fn("acmeab.so", "acmeab_stats"))();
}

static inline struct acmems_stats *ms_stats(void)
{
    return ((struct acmems_stats * (*)(void)) provider_fn("acmems.so", "acmems_stats_get"))();
}

/* An address book entry of acmeab: "ada" opens at once, "zed" waits while blocked. */
static inline void ab_eid(const char *who, BYTE out[23])
{
    static const BYTE uid[16] = {0xac, 0x3e, 0xab, 0x01, 0x11, 0x22, 0x33, 0x44,
                                 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc};
    memset(out, 0, 4);
    memcpy(out + 4, uid, 16);
    memcpy(out + 20, who, 3);
}

/* Opens the profile's store through the message store table. */
static inline HRESULT open_msgstore(LPMAPISESSION s, ULONG flags, LPMDB *out)
{
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    HRESULT hr = s->lpVtbl->GetMsgStoresTable(s, 0, &t);
    if (SUCCEEDED(hr))
        hr = HrQueryAllRows(t, NULL, NULL, NULL, 0, &rows);
    if (t)
        t->lpVtbl->Release(t);
    if (SUCCEEDED(hr) && rows->cRows == 0)
        hr = MAPI_E_NOT_FOUND;
    if (SUCCEEDED(hr)) {
        const SPropValue *e = col(&rows->aRow[0], PR_ENTRYID);
        hr = s->lpVtbl->OpenMsgStore(s, 0, e->Value.bin.cb, (LPENTRYID)e->Value.bin.lpb, NULL,
                                     flags, out);
    }
    if (rows)
        FreeProws(rows);
    return hr;
}

/* Opens the status object of the status row of this resource type and display name. */
static inline HRESULT open_status_obj(LPMAPISESSION s, ULONG type, const char *name,
                                  LPMAPISTATUS *out)
{
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    HRESULT hr = s->lpVtbl->GetStatusTable(s, 0, &t);
    if (SUCCEEDED(hr))
        hr = HrQueryAllRows(t, NULL, NULL, NULL, 0, &rows);
    if (t)
        t->lpVtbl->Release(t);
    const SRow *r = SUCCEEDED(hr) ? status_row(rows, type, name) : NULL;
    if (SUCCEEDED(hr) && !r)
        hr = MAPI_E_NOT_FOUND;
    if (SUCCEEDED(hr)) {
        const SPropValue *e = col(r, PR_ENTRYID);
        ULONG ot = 0;
        hr = s->lpVtbl->OpenEntry(s, e->Value.bin.cb, (LPENTRYID)e->Value.bin.lpb, NULL, 0, &ot,
                                  (LPUNKNOWN *)out);
    }
    if (rows)
        FreeProws(rows);
    return hr;
}

#endif
