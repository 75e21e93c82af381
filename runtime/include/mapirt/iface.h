/* mapirt/iface.h: what the generated code of every interface (gen/src/NAME_wrap.c and the check
 * functions of <mapirt/NAME_impl.h>) needs from the runtime. Handwritten code does not use it:
 * objects are declared in IDL (docs/objects.md, <mapirt/object.h>), foreign objects are wrapped
 * with <mapirt/proxy.h>, errors are reported with <mapirt/lasterror.h>.
 *
 * Only plain C types appear here, so that the header depends on no generated header. */
#ifndef MAPIRT_IFACE_H
#define MAPIRT_IFACE_H

#include <mapirt/decls.h>
#include <stddef.h>
#include <stdint.h>

MAPIRT_BEGIN_DECLS

/* The shape of the generated code this runtime understands; every generated implementation
 * header refuses to compile against another one. */
#define MAPIRT_RUNTIME_FORMAT 3

struct mapirt_lasterror;
/* The last-error record of the object an interface pointer belongs to. */
typedef struct mapirt_lasterror *(*mapirt_errof_fn)(const void *This);

/* A layer: a vtable of generated wrappers preceded by three words the wrappers read just before
 * the vtable pointer of the object: where refusals are recorded, the implementation's vtable
 * (where a validating wrapper goes on) and the next vtable (where a tracing wrapper goes on:
 * the validating layer or the implementation). Every generated wrap.c asserts these offsets. */
#define MAPIRT_LAYER(I)                                                                            \
    struct {                                                                                       \
        mapirt_errof_fn errof;                                                                     \
        const I##Vtbl *impl;                                                                       \
        const I##Vtbl *next;                                                                       \
        I##Vtbl vtbl;                                                                              \
    }
#define MAPIRT_LAYER_WORDS 3

/* What the generator knows of an interface, for building layers and proxies. The vtables are
 * layer vtables: installed without their three words they would crash, so they are reachable
 * only from here, never declared as vtables. */
typedef struct mapirt_iface_info {
    const char *name;          /* "IMAPITable" */
    const void *iid;           /* const IID * */
    unsigned nslots;           /* vtable slots */
    const void *validate_vtbl; /* copied into an object's layers by mapirt_layers_init */
    const void *trace_vtbl;
    /* A proxy face's vtable, by MAPIRT_OBJECT_VALIDATE | MAPIRT_OBJECT_TRACE: forwarders,
     * validated, traced, traced over validated. */
    const void *proxy_vtbl[4];
} mapirt_iface_info;

/* ---- argument checks (generated check functions) ---------------------------------------- */

enum {
    MAPIRT_CHECK_NULL = 1,   /* a pointer that must not be NULL is */
    MAPIRT_CHECK_NULL_COUNT, /* size_is: NULL with a count above zero (value: the count) */
    MAPIRT_CHECK_RESERVED,   /* a reserved parameter is not zero (value: what it is) */
    MAPIRT_CHECK_VALUE,      /* not one of a valueset (value: what it is) */
    MAPIRT_CHECK_FLAGS       /* bits outside a flagset (value: those bits) */
};

/* Where a check refused a call: enough for GetLastError to say what and why. */
typedef struct mapirt_check_site {
    const char *iface;   /* NULL for a plain function */
    const char *method;
    const char *param;
    int kind;            /* MAPIRT_CHECK_* */
    const char *other;   /* the count parameter, or the flagset / valueset name */
    const char *allowed; /* the set's members: "A | B" or "A, B" */
} mapirt_check_site;

/* Records a refusal for the calling thread (read by mapirt_lasterror_refused) and returns hr. */
int32_t mapirt_check_refuse(const mapirt_check_site *site, uint64_t value, int32_t hr)
    __attribute__((cold));

/* The validation layer refused a call on This: records the refusal in the object's last error
 * (through the layer's errof word) and returns hr. */
int32_t mapirt_layer_refused(const void *This, int32_t hr) __attribute__((cold));

/* ---- proxy forwarders (see <mapirt/proxy.h>) -------------------------------------------- */

struct mapirt_lasterror *mapirt_proxy_errof(const void *This);
int32_t mapirt_proxy_QueryInterface(void *This, const void *riid, void **ppv);
uint32_t mapirt_proxy_AddRef(void *This);
uint32_t mapirt_proxy_Release(void *This);
/* GetLastError on a proxy: answers (returning 1, the result in *hr) when the proxy itself
 * refused the last call that failed with hResult; 0 means "ask the inner object". */
int mapirt_proxy_own_error(void *This, int32_t hResult, uint32_t ulFlags, void *lppMAPIError,
                           int32_t *hr);
/* A call through a proxy in flight: on the caller's stack between mapirt_proxy_enter and
 * mapirt_proxy_leave (proxies with a kill switch count their calls in, runtime/core/gate.c). */
typedef struct mapirt_call_frame {
    void *gate;
    struct mapirt_call_frame *up;
} mapirt_call_frame;
/* Before forwarding a call: S_OK (then mapirt_proxy_leave after it), or MAPI_E_END_OF_SESSION
 * when the proxy's kill switch was thrown (the proxy's last error says why; nothing to leave). */
int32_t mapirt_proxy_enter(void *This, mapirt_call_frame *f);
void mapirt_proxy_leave(mapirt_call_frame *f);
/* A forwarded call failed: the inner object now holds the explanation. */
void mapirt_proxy_failed(void *This, int32_t hr);
/* Replaces the interface pointer *slot that a forwarded call returned with a proxy of the same
 * kind. Its interface is iid or, when iid is NULL, the standard interface of the MAPI object type
 * *objtype (OpenEntry's lpulObjType); with neither it is left alone. On failure releases it, sets
 * it NULL and returns the error. */
int32_t mapirt_proxy_wrap_out(void *This, const void *iid, const uint32_t *objtype, void **slot);

MAPIRT_END_DECLS
#endif
