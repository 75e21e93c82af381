/* runtime/core/object.c: what the generated objects call (<mapirt/object.h>): their memory,
 * reference counts, QueryInterface over an interface map, and the layers (validation, tracing)
 * over their vtables. */
#include <string.h>

#include <mapicode.h>
#include <mapirt/alloc.h>
#include <mapirt/object.h>

/* A count no object reaches: set when the count first drops to zero, so that references taken
 * and dropped by the destroy hook (a callback handed the object, say) never reach zero again. */
#define REF_DYING 0x40000000u

void *mapirt_object_alloc(size_t size)
{
    return mapirt_calloc(1, size);
}

void mapirt_object_free(mapirt_objhdr *hdr, void *object)
{
    mapirt_lasterror_fini(&hdr->err);
    mapirt_free(object);
}

void mapirt_objhdr_init(mapirt_objhdr *hdr, const char *component)
{
    atomic_init(&hdr->ref, 1);
    mapirt_lasterror_init(&hdr->err, component);
}

ULONG mapirt_objhdr_release(mapirt_objhdr *hdr)
{
    unsigned n = atomic_fetch_sub_explicit(&hdr->ref, 1, memory_order_acq_rel) - 1;

    if (n == 0)
        atomic_store_explicit(&hdr->ref, REF_DYING, memory_order_relaxed);
    return n;
}

int mapirt_objhdr_tryref(mapirt_objhdr *hdr)
{
    unsigned cur = atomic_load_explicit(&hdr->ref, memory_order_relaxed);

    while (cur != 0 && cur < REF_DYING / 2)
        if (atomic_compare_exchange_weak_explicit(&hdr->ref, &cur, cur + 1, memory_order_acquire,
                                                  memory_order_relaxed))
            return 1;
    return 0;
}

ULONG mapirt_objhdr_refs(mapirt_objhdr *hdr)
{
    unsigned n = atomic_load_explicit(&hdr->ref, memory_order_relaxed);

    return n >= REF_DYING / 2 ? 0 : n;
}

HRESULT mapirt_object_query(void *object, mapirt_objhdr *hdr, const mapirt_qi_entry *map,
                            size_t n, REFIID riid, void **ppv)
{
    if (ppv == NULL)
        return MAPI_E_INVALID_PARAMETER;
    *ppv = NULL;
    if (riid == NULL)
        return MAPI_E_INVALID_PARAMETER;
    for (size_t i = 0; i < n; i++) {
        if (memcmp(map[i].iid, riid, sizeof(IID)) == 0) {
            *ppv = (char *)object + map[i].offset;
            if (hdr != NULL)
                mapirt_objhdr_addref(hdr);
            return S_OK;
        }
    }
    return MAPI_E_INTERFACE_NOT_SUPPORTED;
}

/* ---- layers --------------------------------------------------------------------------------- */

/* The three words in front of a layer's vtable (MAPIRT_LAYER). */
struct layer_words {
    mapirt_errof_fn errof;
    const void *impl;
    const void *next;
};
_Static_assert(sizeof(struct layer_words) == MAPIRT_LAYER_WORDS * sizeof(void *),
               "MAPIRT_LAYER puts three pointers before the vtable");

enum { LAYER_VALIDATED, LAYER_TRACED, LAYER_TRACED_VALIDATED };

static char *layer_at(const void *layers, size_t size, int k)
{
    return (char *)(uintptr_t)layers + (size_t)k * size;
}

void mapirt_layers_init(void *layers, size_t size, const mapirt_iface_info *info,
                        const void *plain, mapirt_errof_fn errof)
{
    size_t vt = info->nslots * sizeof(void *);
    const char *validated = layer_at(layers, size, LAYER_VALIDATED) + sizeof(struct layer_words);
    struct layer_words w[3] = {
        [LAYER_VALIDATED] = {errof, plain, plain},
        [LAYER_TRACED] = {errof, plain, plain},
        [LAYER_TRACED_VALIDATED] = {errof, plain, validated},
    };
    const void *wrappers[3] = {info->validate_vtbl, info->trace_vtbl, info->trace_vtbl};

    for (int k = 0; k < 3; k++) {
        char *at = layer_at(layers, size, k);
        memcpy(at, &w[k], sizeof(w[k]));
        memcpy(at + sizeof(w[k]), wrappers[k], vt);
    }
}

const void *mapirt_layers_pick(const void *layers, size_t size, const void *plain,
                               const mapirt_iface_info *info, unsigned flags)
{
    int validate = (flags & MAPIRT_OBJECT_VALIDATE) != 0;
    int trace = (flags & MAPIRT_OBJECT_TRACE) && mapirt_trace_wants(info->name);
    int k;

    if (!validate && !trace)
        return plain;
    k = !trace ? LAYER_VALIDATED : validate ? LAYER_TRACED_VALIDATED : LAYER_TRACED;
    return layer_at(layers, size, k) + sizeof(struct layer_words);
}

int32_t mapirt_layer_refused(const void *This, int32_t hr)
{
    const char *vtbl = *(const char *const *)This;
    struct layer_words w;

    memcpy(&w, vtbl - sizeof(w), sizeof(w));
    if (w.errof != NULL)
        mapirt_lasterror_refused(w.errof(This), hr);
    return hr;
}
