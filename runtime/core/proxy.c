/* runtime/core/proxy.c: proxies around objects the runtime did not build (<mapirt/proxy.h>).
 *
 * A proxy is one identity (the IUnknown face, first member) and a list of faces, one per
 * interface obtained through it; each face is { vtable; the inner object's pointer of that
 * interface; ... }, and its vtable is that interface's generated forwarders, or the validating /
 * tracing layers over them (I_info.proxy_vtbl). One reference count covers the proxy and all of
 * its faces, as for any COM object.
 *
 * Identity: a process-wide map from (inner identity, flags, gate) to the live proxy makes every
 * wrapping of one object with the same flags and kill switch return the same proxy
 * (docs/decisions.md).
 *
 * Kill switch: a proxy made by mapirt_proxy_wrap_gated holds a gate (<mapirt/gate.h>); its
 * forwarders enter the gate around each call into the inner object, so once the gate is closed
 * the proxy answers MAPI_E_END_OF_SESSION and the closer knows no call is still inside. Its
 * children (interfaces its methods return) share the gate.
 *
 * Locks: `map_lock` (the identity map), then a proxy's `lock` (its faces); never held while
 * calling into an inner object. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <mapicode.h>
#include <mapiguid.h>
#include <mapix.h>

#include <mapirt/alloc.h>
#include <mapirt/gate.h>
#include <mapirt/iface.h>
#include <mapirt/lasterror.h>
#include <mapirt/proxy.h>
#include <mapirt/trace.h>

/* The registry of idl/'s interfaces, sorted by IID (generated into gen/src/mapirt_gen.c). */
extern const mapirt_iface_info *const mapirt_iface_registry[] __attribute__((visibility("hidden")));
extern const unsigned mapirt_iface_registry_count __attribute__((visibility("hidden")));

#define FLAGS_KNOWN (MAPIRT_PROXY_VALIDATE | MAPIRT_PROXY_TRACE)

struct proxy;

struct face {
    const void *lpVtbl;
    IUnknown *inner; /* the inner object's pointer of this interface, referenced */
    struct proxy *px;
    const mapirt_iface_info *info;
    struct face *next;
};
_Static_assert(offsetof(struct face, inner) == sizeof(void *),
               "the generated forwarders read the inner pointer right after the vtable");

struct proxy {
    struct face unk; /* first: the proxy's identity */
    atomic_uint ref;
    unsigned flags;
    mapirt_gate *gate;    /* the kill switch (a reference), or NULL */
    pthread_mutex_t lock; /* faces */
    mapirt_lasterror err; /* the proxy's own refusals */
    struct proxy *map_next;
};

static const mapirt_iface_info *iface_find(const IID *iid)
{
    unsigned lo = 0, hi = mapirt_iface_registry_count;

    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        int c = memcmp(iid, mapirt_iface_registry[mid]->iid, sizeof(IID));
        if (c == 0)
            return mapirt_iface_registry[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* The vtable a face of `info` gets under these flags (decided when the face is made). */
static const void *face_vtbl(const mapirt_iface_info *info, unsigned flags)
{
    unsigned k = 0;

    if (flags & MAPIRT_PROXY_VALIDATE)
        k |= 1;
    if ((flags & MAPIRT_PROXY_TRACE) && mapirt_trace_wants(info->name))
        k |= 2;
    return info->proxy_vtbl[k];
}

/* ---- the identity map --------------------------------------------------------------------- */

static pthread_mutex_t map_lock = PTHREAD_MUTEX_INITIALIZER;
static struct proxy *map_head[64];

static unsigned map_slot(const IUnknown *inner, unsigned flags)
{
    uintptr_t h = (uintptr_t)inner >> 4;
    return (unsigned)((h ^ (h >> 7) ^ flags) & 63);
}

/* A live proxy of inner with these flags and gate, referenced; NULL when there is none. */
static struct proxy *map_find(IUnknown *inner, unsigned flags, mapirt_gate *gate)
{
    struct proxy *px;

    for (px = map_head[map_slot(inner, flags)]; px; px = px->map_next) {
        if (px->unk.inner != inner || px->flags != flags || px->gate != gate)
            continue;
        unsigned cur = atomic_load(&px->ref);
        while (cur != 0)
            if (atomic_compare_exchange_weak(&px->ref, &cur, cur + 1))
                return px;
    }
    return NULL;
}

static void map_remove(struct proxy *px)
{
    struct proxy **pp = &map_head[map_slot(px->unk.inner, px->flags)];

    for (; *pp; pp = &(*pp)->map_next) {
        if (*pp == px) {
            *pp = px->map_next;
            return;
        }
    }
}

/* ---- proxies ------------------------------------------------------------------------------ */

static struct proxy *proxy_of(const void *This)
{
    return ((const struct face *)This)->px;
}

static void proxy_destroy(struct proxy *px)
{
    pthread_mutex_lock(&map_lock);
    map_remove(px);
    pthread_mutex_unlock(&map_lock);
    for (struct face *f = px->unk.next, *next; f; f = next) {
        next = f->next;
        f->inner->lpVtbl->Release(f->inner);
        mapirt_free(f);
    }
    px->unk.inner->lpVtbl->Release(px->unk.inner);
    mapirt_gate_release(px->gate); /* after the inner object: it may hold the module */
    pthread_mutex_destroy(&px->lock);
    mapirt_lasterror_fini(&px->err);
    mapirt_free(px);
}

uint32_t mapirt_proxy_AddRef(void *This)
{
    return atomic_fetch_add_explicit(&proxy_of(This)->ref, 1, memory_order_relaxed) + 1;
}

uint32_t mapirt_proxy_Release(void *This)
{
    struct proxy *px = proxy_of(This);
    unsigned n = atomic_fetch_sub_explicit(&px->ref, 1, memory_order_acq_rel) - 1;

    if (n == 0)
        proxy_destroy(px);
    return n;
}

struct mapirt_lasterror *mapirt_proxy_errof(const void *This)
{
    return &proxy_of(This)->err;
}

/* The face of `info`, made from `raw` (a referenced pointer of that interface to the inner
 * object, given up to this function) if the proxy has none yet. Takes no reference on px. */
static struct face *face_get(struct proxy *px, const mapirt_iface_info *info, IUnknown *raw,
                             HRESULT *hr)
{
    struct face *f, *made = NULL;

    *hr = S_OK;
    pthread_mutex_lock(&px->lock);
    for (f = &px->unk; f; f = f->next)
        if (f->info == info)
            break;
    if (f == NULL) {
        made = mapirt_calloc(1, sizeof(*made));
        if (made != NULL) {
            made->lpVtbl = face_vtbl(info, px->flags);
            made->inner = raw;
            made->px = px;
            made->info = info;
            made->next = px->unk.next;
            px->unk.next = made;
            raw = NULL;
        }
        f = made;
    }
    pthread_mutex_unlock(&px->lock);
    if (raw != NULL)
        raw->lpVtbl->Release(raw); /* the face had it already, or no memory */
    if (f == NULL)
        *hr = MAPI_E_NOT_ENOUGH_MEMORY;
    return f;
}

/* A new proxy of the object whose identity is unk (referenced, given up), one reference. */
static struct proxy *proxy_new(IUnknown *unk, unsigned flags, mapirt_gate *gate,
                               const mapirt_iface_info *unk_info)
{
    struct proxy *px = mapirt_calloc(1, sizeof(*px));

    if (px == NULL)
        return NULL;
    if (pthread_mutex_init(&px->lock, NULL) != 0) {
        mapirt_free(px);
        return NULL;
    }
    px->unk.lpVtbl = face_vtbl(unk_info, flags);
    px->unk.inner = unk;
    px->unk.px = px;
    px->unk.info = unk_info;
    atomic_init(&px->ref, 1);
    px->flags = flags;
    px->gate = gate;
    if (gate)
        mapirt_gate_addref(gate);
    mapirt_lasterror_init(&px->err, gate ? "mapirt session" : "mapirt validation");
    return px;
}

/* The proxy of inner's identity under these flags: the live one, or a new one. Referenced. */
static HRESULT proxy_for(IUnknown *inner, unsigned flags, mapirt_gate *gate, struct proxy **out)
{
    const mapirt_iface_info *unk_info = iface_find(&IID_IUnknown);
    IUnknown *unk = NULL;
    struct proxy *px;
    HRESULT hr;

    hr = inner->lpVtbl->QueryInterface(inner, &IID_IUnknown, (void **)&unk);
    if (FAILED(hr) || unk == NULL)
        return FAILED(hr) ? hr : MAPI_E_INTERFACE_NOT_SUPPORTED;
    pthread_mutex_lock(&map_lock);
    px = map_find(unk, flags, gate);
    if (px == NULL && unk_info != NULL && (px = proxy_new(unk, flags, gate, unk_info)) != NULL) {
        unsigned slot = map_slot(unk, flags);
        px->map_next = map_head[slot];
        map_head[slot] = px;
        unk = NULL; /* the proxy holds it */
    }
    pthread_mutex_unlock(&map_lock);
    if (unk != NULL)
        unk->lpVtbl->Release(unk);
    if (px == NULL)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    *out = px;
    return S_OK;
}

/* A referenced face of px for interface `info`, from `raw` (referenced, given up). */
static HRESULT proxy_face(struct proxy *px, const mapirt_iface_info *info, IUnknown *raw,
                          void **out)
{
    HRESULT hr;
    struct face *f;

    if (info == px->unk.info) {
        raw->lpVtbl->Release(raw);
        mapirt_proxy_AddRef(px);
        *out = &px->unk;
        return S_OK;
    }
    f = face_get(px, info, raw, &hr);
    if (f == NULL)
        return hr;
    mapirt_proxy_AddRef(px);
    *out = f;
    return S_OK;
}

static HRESULT wrap(const mapirt_iface_info *info, IUnknown *inner, unsigned flags,
                    mapirt_gate *gate, void **out)
{
    struct proxy *px;
    HRESULT hr = proxy_for(inner, flags, gate, &px);

    if (FAILED(hr))
        return hr;
    inner->lpVtbl->AddRef(inner);
    hr = proxy_face(px, info, inner, out);
    mapirt_proxy_Release(&px->unk);
    return hr;
}

HRESULT mapirt_proxy_wrap(REFIID riid, LPUNKNOWN inner, ULONG ulFlags, LPUNKNOWN *out)
{
    const mapirt_iface_info *info;

    if (out == NULL)
        return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    if (riid == NULL || inner == NULL)
        return MAPI_E_INVALID_PARAMETER;
    if (ulFlags & ~FLAGS_KNOWN)
        return MAPI_E_UNKNOWN_FLAGS;
    info = iface_find(riid);
    if (info == NULL || !((ulFlags & MAPIRT_PROXY_VALIDATE) ||
                          ((ulFlags & MAPIRT_PROXY_TRACE) && mapirt_trace_wants(info->name)))) {
        inner->lpVtbl->AddRef(inner);
        *out = inner;
        return S_OK;
    }
    return wrap(info, inner, ulFlags, NULL, (void **)out);
}

HRESULT mapirt_proxy_wrap_gated(REFIID riid, LPUNKNOWN inner, ULONG ulFlags, mapirt_gate *gate,
                                LPUNKNOWN *out)
{
    const mapirt_iface_info *info;

    if (gate == NULL)
        return mapirt_proxy_wrap(riid, inner, ulFlags, out);
    if (out == NULL)
        return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    if (riid == NULL || inner == NULL)
        return MAPI_E_INVALID_PARAMETER;
    if (ulFlags & ~FLAGS_KNOWN)
        return MAPI_E_UNKNOWN_FLAGS;
    info = iface_find(riid);
    if (info == NULL) {
        inner->lpVtbl->AddRef(inner);
        *out = inner; /* not an interface of idl/: nothing to wrap it with */
        return S_OK;
    }
    return wrap(info, inner, ulFlags, gate, (void **)out);
}

/* ---- the kill switch ---------------------------------------------------------------------- */

int32_t mapirt_proxy_enter(void *This, mapirt_call_frame *f)
{
    struct proxy *px = proxy_of(This);

    f->gate = NULL;
    if (px->gate == NULL || mapirt_gate_enter(px->gate, f))
        return S_OK;
    return mapirt_lasterror_setf(&px->err, MAPI_E_END_OF_SESSION, 0, 0,
                                 "the session this object was opened through has logged off "
                                 "(its provider's logon has ended)");
}

void mapirt_proxy_leave(mapirt_call_frame *f)
{
    if (f->gate != NULL)
        mapirt_gate_leave(f);
}

int32_t mapirt_proxy_QueryInterface(void *This, const void *riid, void **ppv)
{
    struct proxy *px = proxy_of(This);
    const mapirt_iface_info *info;
    IUnknown *raw = NULL;
    HRESULT hr;

    if (ppv == NULL)
        return MAPI_E_INVALID_PARAMETER;
    *ppv = NULL;
    if (riid == NULL)
        return MAPI_E_INVALID_PARAMETER;
    info = iface_find(riid);
    if (info != NULL) {
        struct face *f;
        pthread_mutex_lock(&px->lock);
        for (f = &px->unk; f; f = f->next)
            if (f->info == info)
                break;
        pthread_mutex_unlock(&px->lock);
        if (f != NULL) { /* faces live as long as the proxy */
            mapirt_proxy_AddRef(px);
            *ppv = f;
            return S_OK;
        }
    }
    mapirt_call_frame f;
    if ((hr = mapirt_proxy_enter(This, &f)) < 0)
        return hr;
    hr = px->unk.inner->lpVtbl->QueryInterface(px->unk.inner, riid, (void **)&raw);
    if (FAILED(hr) || raw == NULL) {
        mapirt_proxy_leave(&f);
        return FAILED(hr) ? hr : MAPI_E_INTERFACE_NOT_SUPPORTED;
    }
    if (info == NULL) {
        mapirt_proxy_leave(&f);
        *ppv = raw; /* not an interface of idl/: nothing to wrap it with */
        return hr;
    }
    hr = proxy_face(px, info, raw, ppv);
    mapirt_proxy_leave(&f);
    return hr;
}

int mapirt_proxy_own_error(void *This, int32_t hResult, uint32_t ulFlags, void *lppMAPIError,
                           int32_t *hr)
{
    struct proxy *px = proxy_of(This);

    if (!mapirt_lasterror_holds(&px->err, hResult))
        return 0;
    *hr = mapirt_lasterror_get(&px->err, hResult, ulFlags, (LPMAPIERROR *)lppMAPIError);
    return 1;
}

void mapirt_proxy_failed(void *This, int32_t hr)
{
    struct proxy *px = proxy_of(This);

    if (mapirt_lasterror_holds(&px->err, hr))
        mapirt_lasterror_clear(&px->err);
}

/* The interface an object of MAPI type `type` is returned as when no IID was asked for
 * (IMAPIContainer::OpenEntry and the other OpenEntry methods). */
const IID *mapirt_objtype_iid(ULONG type)
{
    switch (type) {
    case MAPI_STORE: return &IID_IMsgStore;
    case MAPI_ADDRBOOK: return &IID_IAddrBook;
    case MAPI_FOLDER: return &IID_IMAPIFolder;
    case MAPI_ABCONT: return &IID_IABContainer;
    case MAPI_MESSAGE: return &IID_IMessage;
    case MAPI_MAILUSER: return &IID_IMailUser;
    case MAPI_ATTACH: return &IID_IAttachment;
    case MAPI_DISTLIST: return &IID_IDistList;
    case MAPI_PROFSECT: return &IID_IProfSect;
    case MAPI_STATUS: return &IID_IMAPIStatus;
    case MAPI_SESSION: return &IID_IMAPISession;
    default: return NULL; /* MAPI_FORMINFO and others: not an interface of idl/ */
    }
}

int32_t mapirt_proxy_wrap_out(void *This, const void *iid, const uint32_t *objtype, void **slot)
{
    struct proxy *px = proxy_of(This);
    const mapirt_iface_info *info;
    IUnknown *raw = *slot;
    void *wrapped = NULL;
    HRESULT hr;

    if (iid == NULL && objtype != NULL)
        iid = mapirt_objtype_iid(*objtype);
    if (iid == NULL || raw == NULL || (info = iface_find(iid)) == NULL)
        return S_OK;
    if ((IUnknown *)raw == (IUnknown *)&px->unk || mapirt_is_proxy(raw))
        return S_OK; /* already a proxy */
    hr = wrap(info, raw, px->flags, px->gate, &wrapped);
    raw->lpVtbl->Release(raw);
    *slot = wrapped;
    return hr;
}

/* ---- recognising proxies ------------------------------------------------------------------ */

/* Every proxy vtable, sorted, for a binary search (made once). */
static const void **proxy_vtbls;
static unsigned nproxy_vtbls;
static pthread_once_t proxy_vtbls_once = PTHREAD_ONCE_INIT;

static int ptr_cmp(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)*(const void *const *)a, y = (uintptr_t)*(const void *const *)b;
    return x < y ? -1 : x > y;
}

static void proxy_vtbls_init(void)
{
    /* plain calloc: kept for the process, outside the counted (and failure-injected) heap */
    const void **v = calloc(mapirt_iface_registry_count * 4u + 1, sizeof *v);
    if (v == NULL)
        return; /* mapirt_is_proxy falls back to the linear search */
    for (unsigned i = 0; i < mapirt_iface_registry_count; i++)
        for (int k = 0; k < 4; k++)
            v[nproxy_vtbls++] = mapirt_iface_registry[i]->proxy_vtbl[k];
    qsort(v, nproxy_vtbls, sizeof *v, ptr_cmp);
    proxy_vtbls = v;
}

int mapirt_is_proxy(LPUNKNOWN p)
{
    if (p == NULL)
        return 0;
    const void *vtbl = p->lpVtbl;
    pthread_once(&proxy_vtbls_once, proxy_vtbls_init);
    if (proxy_vtbls != NULL)
        return bsearch(&vtbl, proxy_vtbls, nproxy_vtbls, sizeof *proxy_vtbls, ptr_cmp) != NULL;
    for (unsigned i = 0; i < mapirt_iface_registry_count; i++)
        for (int k = 0; k < 4; k++)
            if (mapirt_iface_registry[i]->proxy_vtbl[k] == vtbl)
                return 1;
    return 0;
}

mapirt_gate *mapirt_proxy_gate(LPUNKNOWN p)
{
    return mapirt_is_proxy(p) ? ((struct face *)(void *)p)->px->gate : NULL;
}

LPUNKNOWN mapirt_proxy_inner(LPUNKNOWN p)
{
    return mapirt_is_proxy(p) ? ((struct face *)(void *)p)->px->unk.inner : p;
}
