/* mapirt/proxy.h: validation and tracing around objects the runtime did not build.
 *
 * The runtime's own objects carry their layers in their vtables (<mapirt/object.h>). An object
 * that comes from elsewhere (a provider's logon, folder or table, loaded from another shared
 * object) is wrapped instead: a proxy is a small object whose vtables are the generated
 * validating and tracing wrappers over generated forwarders to the inner object.
 *
 *  - QueryInterface is forwarded to the inner object and what it returns is wrapped too, and so
 *    are the interface pointers the inner object's methods return (`[out]` interface pointers
 *    and `[out, iid_is(riid)]` results): a caller that starts on a proxy stays on proxies.
 *  - Identity: all proxies of one inner object with the same flags are one proxy, so
 *    QueryInterface(IID_IUnknown) through any of them returns the same pointer, as COM requires;
 *    that pointer is not the inner object's (mapirt_proxy_inner gives that one).
 *  - A proxy holds one reference on each inner interface it forwards to; its last Release drops
 *    them all.
 *  - GetLastError through a proxy explains the proxy's own refusals (validation), else asks the
 *    inner object.
 *  - Interfaces outside idl/ are not known to the runtime: their pointers are handed out as the
 *    inner object returned them, unwrapped.
 * docs/decisions.md ("Proxies") has the rules a caller can notice. */
#ifndef MAPIRT_PROXY_H
#define MAPIRT_PROXY_H

#include <mapirt/decls.h>
#include <unknwn.h>

MAPIRT_BEGIN_DECLS

#define MAPIRT_PROXY_VALIDATE 0x1u /* the generated validation layer checks every call */
#define MAPIRT_PROXY_TRACE 0x2u    /* traced when the trace filter names the interface */

/* *out: a pointer of interface riid to inner, with its own reference (the caller keeps its
 * reference to inner). When neither validation nor tracing applies (no MAPIRT_PROXY_VALIDATE,
 * and no MAPIRT_PROXY_TRACE or the trace filter does not name riid's interface), or riid is not
 * an interface of idl/, that is inner itself: same pointer, same vtable, no cost. inner must be
 * a pointer of interface riid. MAPI_E_INVALID_PARAMETER for NULL arguments,
 * MAPI_E_UNKNOWN_FLAGS for other flags, MAPI_E_NOT_ENOUGH_MEMORY. */
HRESULT mapirt_proxy_wrap(REFIID riid, LPUNKNOWN inner, ULONG ulFlags, LPUNKNOWN *out);

/* The inner object's IUnknown identity when p is a proxy's pointer (any interface), else p.
 * No reference is taken. */
LPUNKNOWN mapirt_proxy_inner(LPUNKNOWN p);

/* Nonzero when p is an interface pointer of a proxy. */
int mapirt_is_proxy(LPUNKNOWN p);

MAPIRT_END_DECLS
#endif
