/* storage.c: MapStorageSCode (OLE storage status -> the MAPI status a caller expects) and
 * GetTnefStreamCodepage (the attOemCodepage attribute of a TNEF stream, [MS-OXTNEF]). */
#include <imessage.h>
#include <tnef.h>

#include <string.h>

SCODE MapStorageSCode(SCODE StgSCode)
{
    static const struct { SCODE stg, mapi; } map[] = {
        {STG_E_INSUFFICIENTMEMORY, MAPI_E_NOT_ENOUGH_MEMORY},
        {E_OUTOFMEMORY, MAPI_E_NOT_ENOUGH_MEMORY},
        {STG_E_ACCESSDENIED, MAPI_E_NO_ACCESS},
        {STG_E_SHAREVIOLATION, MAPI_E_NO_ACCESS},
        {STG_E_LOCKVIOLATION, MAPI_E_NO_ACCESS},
        {STG_E_DISKISWRITEPROTECTED, MAPI_E_NO_ACCESS},
        {STG_E_FILENOTFOUND, MAPI_E_NOT_FOUND},
        {STG_E_PATHNOTFOUND, MAPI_E_NOT_FOUND},
        {STG_E_FILEALREADYEXISTS, MAPI_E_COLLISION},
        {STG_E_MEDIUMFULL, MAPI_E_NOT_ENOUGH_DISK},
        {STG_E_TOOMANYOPENFILES, MAPI_E_NOT_ENOUGH_RESOURCES},
        {STG_E_INVALIDPARAMETER, MAPI_E_INVALID_PARAMETER},
        {STG_E_INVALIDPOINTER, MAPI_E_INVALID_PARAMETER},
        {STG_E_INVALIDNAME, MAPI_E_INVALID_PARAMETER},
        {STG_E_INVALIDFLAG, MAPI_E_UNKNOWN_FLAGS},
        {STG_E_INVALIDFUNCTION, MAPI_E_NO_SUPPORT},
        {STG_E_UNIMPLEMENTEDFUNCTION, MAPI_E_NO_SUPPORT},
        {STG_E_DOCFILECORRUPT, MAPI_E_CORRUPT_DATA},
        {STG_E_INVALIDHEADER, MAPI_E_CORRUPT_DATA},
        {STG_E_OLDFORMAT, MAPI_E_VERSION},
        {STG_E_OLDDLL, MAPI_E_VERSION},
        {STG_E_READFAULT, MAPI_E_DISK_ERROR},
        {STG_E_WRITEFAULT, MAPI_E_DISK_ERROR},
        {STG_E_SEEKERROR, MAPI_E_DISK_ERROR},
        {STG_E_REVERTED, MAPI_E_OBJECT_DELETED},
        {STG_E_NOTCURRENT, MAPI_E_OBJECT_CHANGED},
        {STG_E_CANTSAVE, MAPI_E_CALL_FAILED},
    };
    /* Success codes, and MAPI's own codes, pass through. */
    if (StgSCode >= 0 || (StgSCode & 0x7FFF0000) == 0x00040000)
        return StgSCode;
    for (size_t i = 0; i < sizeof(map) / sizeof(*map); i++)
        if (map[i].stg == StgSCode)
            return map[i].mapi;
    return MAPI_E_CALL_FAILED;
}

/* Reads exactly n bytes; false at a short read or an error. */
static HRESULT read_exact(LPSTREAM s, void *buf, ULONG n)
{
    ULONG got = 0;
    HRESULT hr = s->lpVtbl->Read(s, buf, n, &got);
    if (FAILED(hr))
        return MAPI_E_NOT_ENOUGH_DISK;
    return got == n ? S_OK : MAPI_E_CORRUPT_DATA;
}

static ULONG le32(const BYTE *p)
{
    return (ULONG)p[0] | (ULONG)p[1] << 8 | (ULONG)p[2] << 16 | (ULONG)p[3] << 24;
}

HRESULT GetTnefStreamCodepage(LPSTREAM lpStream, ULONG *lpulCodepage, ULONG *lpulSubCodepage)
{
    if (lpStream == NULL || lpulCodepage == NULL || lpulSubCodepage == NULL)
        return MAPI_E_INVALID_PARAMETER;
    /* Signature (4), key (2), then attributes: level (1), id (4), length (4), data, checksum
     * (2). Writers put the code page near the start, but any attribute may come first: the
     * others are skipped by seeking, never read. */
    BYTE head[6];
    HRESULT hr = read_exact(lpStream, head, sizeof(head));
    if (FAILED(hr))
        return hr;
    if (le32(head) != TNEF_SIGNATURE)
        return MAPI_E_CORRUPT_DATA;
    for (;;) {
        BYTE att[9];
        ULONG got = 0;
        if (FAILED(lpStream->lpVtbl->Read(lpStream, att, sizeof(att), &got)))
            return MAPI_E_NOT_ENOUGH_DISK;
        if (got == 0)
            break; /* the end of the stream: no code page attribute */
        if (got != sizeof(att) || (att[0] != LVL_MESSAGE && att[0] != LVL_ATTACHMENT))
            return MAPI_E_CORRUPT_DATA;
        ULONG id = le32(att + 1), len = le32(att + 5);
        if (id == attOemCodepage) {
            BYTE cp[8];
            if (len < sizeof(cp))
                return MAPI_E_CORRUPT_DATA;
            hr = read_exact(lpStream, cp, sizeof(cp));
            if (FAILED(hr))
                return hr;
            *lpulCodepage = le32(cp);
            *lpulSubCodepage = le32(cp + 4);
            return S_OK;
        }
        /* Skip the data and its checksum. */
        LARGE_INTEGER skip;
        skip.QuadPart = (LONGLONG)len + 2;
        if (FAILED(lpStream->lpVtbl->Seek(lpStream, skip, STREAM_SEEK_CUR, NULL)))
            return MAPI_E_NOT_ENOUGH_DISK;
    }
    /* Absent: MAPI's documented default. */
    *lpulCodepage = 437;
    *lpulSubCodepage = 0;
    return S_OK;
}
