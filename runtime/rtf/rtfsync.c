/* rtfsync.c: RTFSync keeps a message's plain text (PR_BODY) and its compressed RTF
 * (PR_RTF_COMPRESSED) saying the same thing. RTF_SYNC_RTF_CHANGED: the RTF is the truth and
 * the text is derived from it; RTF_SYNC_BODY_CHANGED: the text is, and a minimal RTF document
 * is written for it (both flags: the RTF wins). With neither, the text is compared with what
 * the last synchronisation recorded (PR_RTF_SYNC_BODY_CRC / _COUNT) and the RTF is rebuilt if
 * it changed since. Afterwards PR_RTF_IN_SYNC is TRUE and the PR_RTF_SYNC_* properties
 * describe the text; the caller saves the message. Only IMAPIProp methods are called, so any
 * message implementation works (docs/decisions.md). */
#include <mapiutil.h>

#include <stdbool.h>
#include <string.h>

#include <mapirt/alloc.h>
#include <mapirt/strconv.h>

#include "rtf_internal.h"

#define SYNC_TAG_CHARS 40 /* significant characters kept in PR_RTF_SYNC_BODY_TAG */

static bool significant(WCHAR c)
{
    return !(c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0x00A0);
}

/* The RTF_SYNC_* properties of a text: CRC and count of its significant (non-white)
 * characters, the first of them as the tag. */
struct sync_info {
    ULONG crc, count;
    char tag[SYNC_TAG_CHARS + 1];
};

static void describe(const WCHAR *text, struct sync_info *si)
{
    memset(si, 0, sizeof(*si));
    size_t t = 0;
    for (const WCHAR *p = text; p && *p; p++) {
        if (!significant(*p))
            continue;
        BYTE b[2] = {(BYTE)*p, (BYTE)(*p >> 8)};
        si->crc = mapirt_rtf_crc(si->crc, b, 2);
        si->count++;
        if (t < SYNC_TAG_CHARS)
            si->tag[t++] = *p < 0x80 ? (char)*p : '?';
    }
}

/* A property of the message, or NULL when it has none (MAPI_E_NOT_FOUND). */
static HRESULT get_prop(LPMESSAGE msg, ULONG tag, LPSPropValue *out)
{
    SizedSPropTagArray(1, tags) = {1, {tag}};
    ULONG c = 0;
    LPSPropValue v = NULL;
    HRESULT hr = msg->lpVtbl->GetProps(msg, (LPSPropTagArray)&tags, 0, &c, &v);
    if (FAILED(hr))
        return hr;
    *out = NULL;
    if (c == 1 && v[0].ulPropTag == tag) {
        *out = v;
        return S_OK;
    }
    hr = c == 1 && PROP_TYPE(v[0].ulPropTag) == PT_ERROR && v[0].Value.err != MAPI_E_NOT_FOUND
             ? v[0].Value.err
             : S_OK;
    MAPIFreeBuffer(v);
    return hr;
}

/* The whole of a binary property: from GetProps, or through its stream when the value is too
 * large for GetProps (MAPI_E_NOT_ENOUGH_MEMORY in the value). */
static HRESULT read_binary(LPMESSAGE msg, ULONG tag, BYTE **data, size_t *cb)
{
    *data = NULL;
    *cb = 0;
    SizedSPropTagArray(1, tags) = {1, {tag}};
    ULONG c = 0;
    LPSPropValue v = NULL;
    HRESULT hr = msg->lpVtbl->GetProps(msg, (LPSPropTagArray)&tags, 0, &c, &v);
    if (FAILED(hr))
        return hr;
    if (c == 1 && v[0].ulPropTag == tag) {
        hr = S_OK;
        if (v[0].Value.bin.cb && (*data = mapirt_malloc(v[0].Value.bin.cb)) == NULL)
            hr = MAPI_E_NOT_ENOUGH_MEMORY;
        else if (v[0].Value.bin.cb) {
            memcpy(*data, v[0].Value.bin.lpb, v[0].Value.bin.cb);
            *cb = v[0].Value.bin.cb;
        }
        MAPIFreeBuffer(v);
        return hr;
    }
    bool big = c == 1 && v[0].Value.err == MAPI_E_NOT_ENOUGH_MEMORY;
    hr = c == 1 && v[0].Value.err != MAPI_E_NOT_FOUND && !big ? v[0].Value.err : MAPI_E_NOT_FOUND;
    MAPIFreeBuffer(v);
    if (!big)
        return hr;
    LPSTREAM s = NULL;
    hr = msg->lpVtbl->OpenProperty(msg, tag, &IID_IStream, 0, 0, (LPUNKNOWN *)&s);
    if (FAILED(hr))
        return hr;
    size_t cap = 0, n = 0;
    BYTE *buf = NULL;
    for (;;) {
        if (n + 65536 > cap) {
            BYTE *nb = mapirt_realloc(buf, cap = cap ? cap * 2 : 65536 * 2);
            if (nb == NULL) {
                hr = MAPI_E_NOT_ENOUGH_MEMORY;
                break;
            }
            buf = nb;
        }
        ULONG got = 0;
        hr = s->lpVtbl->Read(s, buf + n, 65536, &got);
        if (FAILED(hr) || got == 0)
            break;
        n += got;
    }
    s->lpVtbl->Release(s);
    if (FAILED(hr)) {
        mapirt_free(buf);
        return hr;
    }
    *data = buf;
    *cb = n;
    return S_OK;
}

static HRESULT write_props(LPMESSAGE msg, SPropValue *v, ULONG n)
{
    LPSPropProblemArray problems = NULL;
    HRESULT hr = msg->lpVtbl->SetProps(msg, n, v, &problems);
    if (SUCCEEDED(hr) && problems != NULL) {
        if (problems->cProblem > 0)
            hr = problems->aProblem[0].scode;
        MAPIFreeBuffer(problems);
    }
    return hr;
}

static HRESULT set_sync(LPMESSAGE msg, const WCHAR *text)
{
    struct sync_info si;
    describe(text, &si);
    SPropValue v[6];
    memset(v, 0, sizeof(v));
    v[0].ulPropTag = PR_RTF_IN_SYNC;
    v[0].Value.b = TRUE;
    v[1].ulPropTag = PR_RTF_SYNC_BODY_CRC;
    v[1].Value.l = (LONG)si.crc;
    v[2].ulPropTag = PR_RTF_SYNC_BODY_COUNT;
    v[2].Value.l = (LONG)si.count;
    v[3].ulPropTag = PR_RTF_SYNC_BODY_TAG_A;
    v[3].Value.lpszA = si.tag;
    v[4].ulPropTag = PR_RTF_SYNC_PREFIX_COUNT;
    v[4].Value.l = 0;
    v[5].ulPropTag = PR_RTF_SYNC_TRAILING_COUNT;
    v[5].Value.l = 0;
    return write_props(msg, v, 6);
}

/* The text from the RTF. */
static HRESULT body_from_rtf(LPMESSAGE msg)
{
    BYTE *z = NULL, *rtf = NULL;
    size_t nz = 0, nrtf = 0;
    HRESULT hr = read_binary(msg, PR_RTF_COMPRESSED, &z, &nz);
    if (FAILED(hr))
        return hr;
    hr = mapirt_rtf_decompress(z, nz, &rtf, &nrtf);
    mapirt_free(z);
    if (FAILED(hr))
        return hr;
    WCHAR *text = mapirt_rtf_to_text(rtf, nrtf);
    mapirt_free(rtf);
    if (text == NULL)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    SPropValue v;
    memset(&v, 0, sizeof(v));
    v.ulPropTag = PR_BODY_W;
    v.Value.lpszW = text;
    hr = write_props(msg, &v, 1);
    if (SUCCEEDED(hr))
        hr = set_sync(msg, text);
    mapirt_free(text);
    return hr;
}

/* The RTF from the text. */
static HRESULT rtf_from_body(LPMESSAGE msg, const WCHAR *text)
{
    size_t nrtf = 0, nz = 0;
    BYTE *rtf = mapirt_text_to_rtf(text, &nrtf), *z = NULL;
    if (rtf == NULL)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    HRESULT hr = mapirt_rtf_compress(rtf, nrtf, &z, &nz);
    mapirt_free(rtf);
    if (FAILED(hr))
        return hr;
    SPropValue v;
    memset(&v, 0, sizeof(v));
    v.ulPropTag = PR_RTF_COMPRESSED;
    v.Value.bin.cb = (ULONG)nz;
    v.Value.bin.lpb = z;
    hr = write_props(msg, &v, 1);
    mapirt_free(z);
    if (SUCCEEDED(hr))
        hr = set_sync(msg, text);
    return hr;
}

HRESULT RTFSync(LPMESSAGE lpMessage, ULONG ulFlags, BOOL *lpfMessageUpdated)
{
    if (lpMessage == NULL || lpfMessageUpdated == NULL)
        return MAPI_E_INVALID_PARAMETER;
    if (ulFlags & ~(ULONG)(RTF_SYNC_RTF_CHANGED | RTF_SYNC_BODY_CHANGED))
        return MAPI_E_UNKNOWN_FLAGS;
    *lpfMessageUpdated = FALSE;
    HRESULT hr;
    if (ulFlags & RTF_SYNC_RTF_CHANGED) {
        hr = body_from_rtf(lpMessage);
        if (SUCCEEDED(hr))
            *lpfMessageUpdated = TRUE;
        return hr;
    }
    LPSPropValue body = NULL;
    hr = get_prop(lpMessage, PR_BODY_W, &body);
    if (FAILED(hr))
        return hr;
    const WCHAR *text = body ? body->Value.lpszW : u"";
    bool rebuild = (ulFlags & RTF_SYNC_BODY_CHANGED) != 0;
    if (!rebuild) {
        /* Has the text changed since the last synchronisation? */
        LPSPropValue crc = NULL, count = NULL;
        struct sync_info si;
        describe(text, &si);
        hr = get_prop(lpMessage, PR_RTF_SYNC_BODY_CRC, &crc);
        if (SUCCEEDED(hr))
            hr = get_prop(lpMessage, PR_RTF_SYNC_BODY_COUNT, &count);
        rebuild = SUCCEEDED(hr) && (crc == NULL || count == NULL || (ULONG)crc->Value.l != si.crc ||
                                    (ULONG)count->Value.l != si.count);
        MAPIFreeBuffer(crc);
        MAPIFreeBuffer(count);
    }
    if (SUCCEEDED(hr) && rebuild) {
        hr = rtf_from_body(lpMessage, text);
        if (SUCCEEDED(hr))
            *lpfMessageUpdated = TRUE;
    }
    MAPIFreeBuffer(body);
    return hr;
}
