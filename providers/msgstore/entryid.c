/* entryid.c: the provider's entry IDs (layout in ms.h). */
#include <string.h>

#include "ms.h"

#define MS_EID_VERSION 1

HRESULT ms_eid_parse(ULONG cb, const ENTRYID *eid, ms_eid *out)
{
    const BYTE *b = (const BYTE *)eid;
    memset(out, 0, sizeof *out);
    if (eid == NULL || cb < MS_EID_HEADER || b[20] != MS_EID_VERSION || b[22] || b[23])
        return MAPI_E_INVALID_ENTRYID;
    memcpy(out->uid.ab, b + 4, 16);
    out->type = b[21];
    switch (out->type) {
    case MAPI_FOLDER:
    case MAPI_MESSAGE:
        if (cb != MS_EID_OBJECT)
            return MAPI_E_INVALID_ENTRYID;
        uint64_t id = 0;
        for (int i = 7; i >= 0; i--)
            id = id << 8 | b[MS_EID_HEADER + i];
        if (id == 0 || id > INT64_MAX)
            return MAPI_E_INVALID_ENTRYID;
        out->id = (sqlite3_int64)id;
        return S_OK;
    case MAPI_STORE:
        /* The path, NUL-terminated, ends the entry ID. */
        if (cb < MS_EID_HEADER + 2 || b[cb - 1] != 0 ||
            memchr(b + MS_EID_HEADER, 0, cb - MS_EID_HEADER) != b + cb - 1)
            return MAPI_E_INVALID_ENTRYID;
        out->path = (const char *)b + MS_EID_HEADER;
        return S_OK;
    default:
        return MAPI_E_INVALID_ENTRYID;
    }
}

static void header(const MAPIUID *uid, ULONG type, BYTE *out)
{
    memset(out, 0, MS_EID_HEADER);
    memcpy(out + 4, uid->ab, 16);
    out[20] = MS_EID_VERSION;
    out[21] = (BYTE)type;
}

void ms_eid_object(const MAPIUID *uid, ULONG type, sqlite3_int64 id, BYTE *out)
{
    header(uid, type, out);
    for (int i = 0; i < 8; i++)
        out[MS_EID_HEADER + i] = (BYTE)((uint64_t)id >> (8 * i));
}

HRESULT ms_eid_store(const MAPIUID *uid, const char *path, ALLOCATEBUFFER *alloc,
                     ALLOCATEMORE *more, void *parent, ULONG *cb, LPENTRYID *out)
{
    size_t n = MS_EID_HEADER + strlen(path) + 1;
    BYTE *b;
    if (n > 0x10000)
        return MAPI_E_INVALID_PARAMETER;
    if ((parent ? more((ULONG)n, parent, (void **)&b) : alloc((ULONG)n, (void **)&b)) != S_OK)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    header(uid, MAPI_STORE, b);
    memcpy(b + MS_EID_HEADER, path, n - MS_EID_HEADER);
    *cb = (ULONG)n;
    *out = (LPENTRYID)b;
    return S_OK;
}

void ms_notif_key(const MAPIUID *uid, sqlite3_int64 id, BYTE out[24])
{
    memcpy(out, uid->ab, 16);
    for (int i = 0; i < 8; i++)
        out[16 + i] = (BYTE)((uint64_t)id >> (8 * i));
}
