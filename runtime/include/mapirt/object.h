/* mapirt/object.h: how handwritten objects are put together from generated defaults.
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
 *     v->iface.lpVtbl = MAPIRT_VTBL(view_vtbl);
 */
#ifndef MAPIRT_OBJECT_H
#define MAPIRT_OBJECT_H

#include <stdatomic.h>
#include <stddef.h>
#include <mapirt/impl.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Copies `impl` (size bytes of function pointers) into `out`, taking every slot that is NULL in
 * `impl` from `defaults`. */
void mapirt_vtbl_fill(void *out, const void *impl, const void *defaults, size_t size);

/* The vtable pointer an object of this implementation should carry. Later layers (parameter
 * validation, call tracing) are chosen here, so objects never name them. */
#define MAPIRT_VTBL(name) (name##_get())

#define MAPIRT_DEFINE_VTBL(I, name, ...)                                                          \
    static const I##Vtbl name##_impl = {__VA_ARGS__};                                             \
    static I##Vtbl name##_full;                                                                   \
    __attribute__((constructor)) static void name##_init(void)                                    \
    {                                                                                             \
        mapirt_vtbl_fill(&name##_full, &name##_impl, &I##_default_vtbl, sizeof(I##Vtbl));         \
    }                                                                                             \
    static const I##Vtbl *name##_get(void) { return &name##_full; }

/* Atomic reference count for objects. */
typedef struct { atomic_uint n; } mapirt_ref;
static inline void mapirt_ref_init(mapirt_ref *r) { atomic_init(&r->n, 1); }
static inline ULONG mapirt_ref_inc(mapirt_ref *r) { return atomic_fetch_add(&r->n, 1) + 1; }
/* Returns the new count; the caller destroys the object when it returns 0. */
static inline ULONG mapirt_ref_dec(mapirt_ref *r) { return atomic_fetch_sub(&r->n, 1) - 1; }

#ifdef __cplusplus
}
#endif
#endif
