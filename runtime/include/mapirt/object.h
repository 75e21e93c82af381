/* mapirt/object.h: how handwritten objects are put together from generated defaults (C only).
 *
 * Every interface I in idl/ has, generated into <mapirt/impl.h>:
 *   const IVtbl I_default_vtbl;            every slot filled: QueryInterface walks I's
 *                                          inheritance chain, AddRef/Release treat the object
 *                                          as static (return 1), every other method returns
 *                                          MAPI_E_NO_SUPPORT (or 0 for non-HRESULT methods)
 *   HRESULT I_default_QueryInterface(I *This, REFIID riid, void **ppv);
 *
 * A handwritten object embeds the interface as its first member and declares its vtable with
 * MAPIRT_DEFINE_VTBL, naming only the methods it implements:
 *
 *     struct table_view { IMAPITable iface; mapirt_ref ref; ... };
 *     MAPIRT_DEFINE_VTBL(IMAPITable, view_vtbl,
 *         .QueryInterface = view_QueryInterface, .AddRef = view_AddRef,
 *         .Release = view_Release, .QueryRows = view_QueryRows);
 *     ...
 *     v->iface.lpVtbl = MAPIRT_VTBL_VALIDATED(view_vtbl);
 */
#ifndef MAPIRT_OBJECT_H
#define MAPIRT_OBJECT_H

#include <mapirt/decls.h>
#include <stdatomic.h>
#include <stddef.h>
#include <mapirt/impl.h>
#include <mapirt/trace.h>

#if !defined(MAPIRT_GENERATED_FORMAT) || MAPIRT_GENERATED_FORMAT != 1
#error "the generated code (gen/include/mapirt/impl.h) does not match this runtime: regenerate"
#endif

MAPIRT_BEGIN_DECLS

/* Copies `impl` (size bytes of function pointers) into `out`, taking every slot that is NULL in
 * `impl` from `defaults`. */
void mapirt_vtbl_fill(void *out, const void *impl, const void *defaults, size_t size);

/* Layers: a generated wrapper vtable (I_validate_vtbl, I_trace_vtbl) sits in a struct after two
 * pointers: the implementation's vtable (where validation forwards) and the next layer (where
 * tracing forwards: the validating layer or the implementation). The wrappers read them just
 * before the vtable the object points at. */
#define MAPIRT_LAYER(I) struct { const I##Vtbl *impl; const I##Vtbl *next; I##Vtbl vtbl; }

/* The vtable pointer a new object of this implementation should carry: the plain vtable, or,
 * while call tracing is on (mapirt/trace.h), the tracing layer over it. MAPIRT_VTBL_VALIDATED
 * adds the generated parameter validation (bad arguments are answered with
 * MAPI_E_INVALID_PARAMETER / MAPI_E_UNKNOWN_FLAGS before the implementation runs); every
 * runtime object uses it. */
#define MAPIRT_VTBL(name) (name##_get(0))
#define MAPIRT_VTBL_VALIDATED(name) (name##_get(1))

#define MAPIRT_DEFINE_VTBL(I, name, ...)                                                          \
    static const I##Vtbl name##_impl = {__VA_ARGS__};                                             \
    static I##Vtbl name##_full;                                                                   \
    static MAPIRT_LAYER(I) name##_valid, name##_trace, name##_trace_valid;                        \
    __attribute__((constructor)) static void name##_init(void)                                    \
    {                                                                                             \
        mapirt_vtbl_fill(&name##_full, &name##_impl, &I##_default_vtbl, sizeof(I##Vtbl));         \
        name##_valid.impl = name##_valid.next = &name##_full;                                     \
        name##_valid.vtbl = I##_validate_vtbl;                                                    \
        name##_trace.impl = name##_trace.next = &name##_full;                                     \
        name##_trace.vtbl = I##_trace_vtbl;                                                       \
        name##_trace_valid.impl = &name##_full;                                                   \
        name##_trace_valid.next = &name##_valid.vtbl;                                             \
        name##_trace_valid.vtbl = I##_trace_vtbl;                                                 \
    }                                                                                             \
    static inline const I##Vtbl *name##_get(int validate)                                         \
    {                                                                                             \
        if (mapirt_trace_wants(#I))                                                               \
            return validate ? &name##_trace_valid.vtbl : &name##_trace.vtbl;                      \
        return validate ? &name##_valid.vtbl : &name##_full;                                      \
    }

/* Atomic reference count for objects. */
typedef struct { atomic_uint n; } mapirt_ref;
static inline void mapirt_ref_init(mapirt_ref *r) { atomic_init(&r->n, 1); }
static inline ULONG mapirt_ref_inc(mapirt_ref *r) { return atomic_fetch_add(&r->n, 1) + 1; }
/* Returns the new count; the caller destroys the object when it returns 0. */
static inline ULONG mapirt_ref_dec(mapirt_ref *r) { return atomic_fetch_sub(&r->n, 1) - 1; }

MAPIRT_END_DECLS
#endif
