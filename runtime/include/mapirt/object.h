/* mapirt/object.h: the object layer (C only). An object is declared once, in IDL, as a coclass
 * (docs/idl.md); idlc generates the rest into two headers the object's C files include after
 * defining `struct NAME`:
 *
 *     NAME_object.h   in the one file that builds the object: the static prototypes of the
 *                     methods the file must write, the thunks, vtables and layers, QueryInterface
 *                     over the interface map, AddRef/Release, GetLastError, NAME_new()
 *     NAME_decl.h     in every other file of the object: NAME_as_IFoo(), NAME_from_IFoo(),
 *                     NAME_addref/release/tryref/refs(), NAME_lasterror(), NAME_fail() and the
 *                     prototypes of methods marked `extern`
 *
 * docs/objects.md says how to write one. This header holds what the generated code calls. */
#ifndef MAPIRT_OBJECT_H
#define MAPIRT_OBJECT_H

#include <mapirt/decls.h>
#ifdef __cplusplus
#error "the object layer is C; C++ code uses the generated C++ classes of the interfaces"
#endif

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <mapidefs.h>
#include <mapirt/iface.h>
#include <mapirt/lasterror.h>
#include <mapirt/trace.h>

MAPIRT_BEGIN_DECLS

/* The struct of type `type` whose member `member` is at ptr. */
#define MAPIRT_CONTAINER(ptr, type, member)                                                        \
    ((type *)(void *)((char *)(uintptr_t)(const void *)(ptr) - offsetof(type, member)))

/* NAME_new_with() flags (and mapirt_proxy_wrap's, <mapirt/proxy.h>). */
#define MAPIRT_OBJECT_VALIDATE 0x1u /* the generated validation layer checks every call */
#define MAPIRT_OBJECT_TRACE 0x2u    /* traced when the trace filter names the interface */

/* What every object carries besides its interface pointers. */
typedef struct mapirt_objhdr {
    atomic_uint ref;
    mapirt_lasterror err;
} mapirt_objhdr;

/* QueryInterface's map: where the interface pointer answering an IID lies in the object. */
typedef struct mapirt_qi_entry {
    const IID *iid;
    size_t offset;
} mapirt_qi_entry;

/* Zeroed memory for an object, from the runtime's heap (so mapirt_test_fail_alloc reaches it);
 * NULL without memory. mapirt_object_free finalises the header and frees. */
void *mapirt_object_alloc(size_t size);
void mapirt_object_free(mapirt_objhdr *hdr, void *object);

/* One reference, an empty last-error record naming `component` (a static string). */
void mapirt_objhdr_init(mapirt_objhdr *hdr, const char *component);

static inline ULONG mapirt_objhdr_addref(mapirt_objhdr *hdr)
{
    return atomic_fetch_add_explicit(&hdr->ref, 1, memory_order_relaxed) + 1;
}

/* The count after the release; 0 exactly once, when the caller must destroy the object.
 * References taken and dropped while it is being destroyed never bring it to 0 again. */
ULONG mapirt_objhdr_release(mapirt_objhdr *hdr);
/* A reference unless the object is already being destroyed: 1 taken, 0 not. */
int mapirt_objhdr_tryref(mapirt_objhdr *hdr);
/* The current count (0 once destruction started). */
ULONG mapirt_objhdr_refs(mapirt_objhdr *hdr);

/* QueryInterface over a map: *ppv = object + offset of the first entry whose IID is riid, with
 * a reference (none when hdr is NULL: a static object); MAPI_E_INVALID_PARAMETER for NULL
 * arguments, MAPI_E_INTERFACE_NOT_SUPPORTED (*ppv = NULL) for another IID. */
HRESULT mapirt_object_query(void *object, mapirt_objhdr *hdr, const mapirt_qi_entry *map,
                            size_t n, REFIID riid, void **ppv);

/* Fills an object's three layers of interface `info` (validated, traced, traced over
 * validated; each `size` bytes, MAPIRT_LAYER(I)) over its plain vtable. */
void mapirt_layers_init(void *layers, size_t size, const mapirt_iface_info *info,
                        const void *plain, mapirt_errof_fn errof);
/* The vtable a new object gets: plain, validated (MAPIRT_OBJECT_VALIDATE), traced
 * (MAPIRT_OBJECT_TRACE and the trace filter names the interface now) or both. */
const void *mapirt_layers_pick(const void *layers, size_t size, const void *plain,
                               const mapirt_iface_info *info, unsigned flags);

MAPIRT_END_DECLS

#endif
