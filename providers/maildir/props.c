/* props.c: reading a message's strings and binaries whatever their size or string type.
 *
 * A store may answer GetProps with MAPI_E_NOT_ENOUGH_MEMORY for a large value (the body of a
 * long message) and give it through OpenProperty as an IStream instead; both are read here. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include <mapirt/strconv.h>

#include "xp.h"

/* The whole of a property through OpenProperty(IID_IStream), NUL-terminated (malloc). */
static void *read_stream(LPMAPIPROP prop, ULONG tag, size_t *cb)
{
    LPSTREAM st = NULL;
    if (FAILED(prop->lpVtbl->OpenProperty(prop, tag, &IID_IStream, 0, 0, (LPUNKNOWN *)&st)) ||
        !st)
        return NULL;
    size_t n = 0, cap = 65536;
    char *buf = malloc(cap + 2);
    while (buf) {
        ULONG got = 0;
        if (FAILED(st->lpVtbl->Read(st, buf + n, (ULONG)(cap - n), &got)) || got == 0)
            break;
        n += got;
        if (n == cap) {
            char *b = realloc(buf, cap * 2 + 2);
            if (!b) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = b;
            cap *= 2;
        }
    }
    st->lpVtbl->Release(st);
    if (buf) {
        buf[n] = buf[n + 1] = '\0'; /* room for a UTF-16 NUL too */
        *cb = n;
    }
    return buf;
}

/* One property's value: *v (free with MAPIFreeBuffer) or NULL; *big set when it is only
 * reachable as a stream. */
static LPSPropValue get_one(LPMAPIPROP prop, ULONG tag, int *big)
{
    SizedSPropTagArray(1, t) = {1, {tag}};
    ULONG c = 0;
    LPSPropValue v = NULL;
    *big = 0;
    HRESULT hr = prop->lpVtbl->GetProps(prop, (LPSPropTagArray)&t, 0, &c, &v);
    if (FAILED(hr) || !v)
        return NULL;
    if (PROP_TYPE(v[0].ulPropTag) == PT_ERROR) {
        *big = v[0].Value.err == MAPI_E_NOT_ENOUGH_MEMORY;
        MAPIFreeBuffer(v);
        return NULL;
    }
    return v;
}

static char *utf8_of(const WCHAR *w)
{
    LPSTR a = NULL;
    if (FAILED(mapirt_str_w_to_a(w, NULL, &a)))
        return NULL;
    char *r = strdup(a);
    MAPIFreeBuffer(a);
    return r;
}

char *xp_get_string(LPMAPIPROP prop, ULONG id)
{
    int big;
    LPSPropValue v = get_one(prop, PROP_TAG(PT_STRING8, id), &big);
    if (v) {
        char *s = strdup(v->Value.lpszA);
        MAPIFreeBuffer(v);
        return s;
    }
    size_t cb;
    if (big)
        return read_stream(prop, PROP_TAG(PT_STRING8, id), &cb);
    v = get_one(prop, PROP_TAG(PT_UNICODE, id), &big);
    if (v) {
        char *r = utf8_of(v->Value.lpszW);
        MAPIFreeBuffer(v);
        return r;
    }
    if (big) {
        WCHAR *w = read_stream(prop, PROP_TAG(PT_UNICODE, id), &cb);
        char *r = w ? utf8_of(w) : NULL;
        free(w);
        return r;
    }
    return NULL;
}

void *xp_get_binary(LPMAPIPROP prop, ULONG tag, size_t *cb)
{
    int big;
    LPSPropValue v = get_one(prop, tag, &big);
    if (v) {
        void *b = malloc(v->Value.bin.cb + 1);
        if (b) {
            memcpy(b, v->Value.bin.lpb, v->Value.bin.cb);
            *cb = v->Value.bin.cb;
        }
        MAPIFreeBuffer(v);
        return b;
    }
    return big ? read_stream(prop, tag, cb) : NULL;
}
