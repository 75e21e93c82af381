/* entryid.c: the entry IDs the session makes itself (docs/sessions.md, "Entry IDs").
 *
 * Status rows: 4 zero flag bytes, mapirt_muid_status, the session's serial and the row ID (both
 * little-endian). They are short-term in MAPI's sense (valid in this session only), which the
 * serial enforces: another session's status entry ID is MAPI_E_UNKNOWN_ENTRYID.
 *
 * Stores: the message store table lists stores that may not be logged on yet, so their
 * PR_ENTRYID cannot be the provider's own. MAPI wraps store entry IDs; mapirt's wrapping is 4
 * zero flag bytes, mapirt_muid_storewrap, the store provider's profile section UID, then the
 * provider's own store entry ID (empty until the provider has given one). OpenMsgStore unwraps
 * it to find the provider and passes the provider the inner ID (NULL when empty). */
#include <string.h>

#include <mapicode.h>
#include <mapix.h>

#include "session_internal.h"

/* "mapirt status" and "mapirt storewrp": readable in a hex dump, never a random UID's value. */
const MAPIUID mapirt_muid_status = {
    {0x6d, 0x61, 0x70, 0x69, 0x72, 0x74, 0x20, 0x73, 0x74, 0x61, 0x74, 0x75, 0x73, 0, 0, 1}};
const MAPIUID mapirt_muid_storewrap = {
    {0x6d, 0x61, 0x70, 0x69, 0x72, 0x74, 0x20, 0x73, 0x74, 0x6f, 0x72, 0x65, 0x77, 0x72, 0x70, 1}};

static void put32(BYTE *p, ULONG v)
{
    p[0] = (BYTE)v;
    p[1] = (BYTE)(v >> 8);
    p[2] = (BYTE)(v >> 16);
    p[3] = (BYTE)(v >> 24);
}

static ULONG get32(const BYTE *p)
{
    return (ULONG)p[0] | (ULONG)p[1] << 8 | (ULONG)p[2] << 16 | (ULONG)p[3] << 24;
}

void mapirt_status_eid(const mapirt_sess *s, ULONG rowid, BYTE out[MAPIRT_STATUS_EID_SIZE])
{
    memset(out, 0, 4);
    memcpy(out + 4, mapirt_muid_status.ab, 16);
    put32(out + 20, s->serial);
    put32(out + 24, rowid);
}

ULONG mapirt_status_eid_row(const mapirt_sess *s, ULONG cb, const ENTRYID *eid)
{
    const BYTE *b = (const BYTE *)eid;
    if (cb != MAPIRT_STATUS_EID_SIZE || memcmp(b + 4, mapirt_muid_status.ab, 16) != 0 ||
        get32(b + 20) != s->serial)
        return 0;
    return get32(b + 24);
}

HRESULT mapirt_store_eid_wrap(const MAPIUID *provider, ULONG cb, const BYTE *inner, void *parent,
                              SBinary *out)
{
    ULONG n = 4 + 16 + 16 + cb;
    void *p = NULL;
    if ((parent ? MAPIAllocateMore(n, parent, &p) : MAPIAllocateBuffer(n, &p)) != S_OK)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    BYTE *b = p;
    memset(b, 0, 4);
    memcpy(b + 4, mapirt_muid_storewrap.ab, 16);
    memcpy(b + 20, provider->ab, 16);
    if (cb)
        memcpy(b + 36, inner, cb);
    out->cb = n;
    out->lpb = b;
    return S_OK;
}

int mapirt_store_eid_unwrap(ULONG cb, const ENTRYID *eid, MAPIUID *provider, ULONG *cbInner,
                            const BYTE **inner)
{
    const BYTE *b = (const BYTE *)eid;
    if (!eid || cb < 36 || memcmp(b + 4, mapirt_muid_storewrap.ab, 16) != 0)
        return 0;
    memcpy(provider->ab, b + 20, 16);
    *cbInner = cb - 36;
    *inner = cb > 36 ? b + 36 : NULL;
    return 1;
}

HRESULT mapirt_eid_uid(ULONG cb, const ENTRYID *eid, MAPIUID *uid)
{
    if (!eid || cb < 4 + 16)
        return MAPI_E_INVALID_ENTRYID;
    memcpy(uid->ab, (const BYTE *)eid + 4, 16);
    return S_OK;
}
