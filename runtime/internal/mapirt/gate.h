/* mapirt/gate.h: a calls-in-flight fence with a kill switch (internal: not installed, not
 * exported).
 *
 * A gate counts the calls that are inside some code (a session's methods, a provider's objects
 * reached through proxies). Closing it is one-way: calls that try to enter afterwards are turned
 * away (the caller answers MAPI_E_END_OF_SESSION or does what is safe without the gate), and
 * mapirt_gate_close returns once every call that had entered has left, so the code behind the
 * gate can then be torn down (providers logged off, modules unloaded) with nobody inside.
 *
 * Re-entry: a thread that closes a gate from inside calls it entered itself (a client's
 * Logoff from a notification sink called during a session method) waits only for the other
 * threads' calls: each call's frame is linked on the entering thread's stack, so the closer
 * knows how many of the calls in flight are its own.
 *
 * Deadlock rule: mapirt_gate_close waits holding no lock of its own, and callers must hold no
 * lock that a call inside the gate may take (session.mu, tbl_mu, g_logon_mu, the tables' locks
 * are never held by the closer: runtime/session/session_internal.h). Entering never blocks, so
 * code behind a closed gate that calls back into it (a provider calling its support object
 * while it logs off) is turned away at once, never left waiting.
 *
 * The one wait that could still close a circle is a thread waiting for a gate while it is itself
 * inside another gate that somebody else is closing (two threads, each inside a call of one
 * session, each ending the other's: each waits for the other to leave). So a closer inside a
 * gate of another owner does not wait: it shuts the gate (mapirt_gate_shut: nothing enters any
 * more) and hands the rest of its work to mapirt_gate_defer, which runs it when the thread
 * leaves its outermost gate, inside none; a thread that waits then is inside no gate, so
 * nobody waits for it and the waits form no circle.
 *
 * Gates are reference counted (proxies hold them past the end of their session); the optional
 * fini callback runs at the last release (the provider's gate drops its module reference). */
#ifndef MAPIRT_GATE_H
#define MAPIRT_GATE_H

#include <mapidefs.h>
#include <mapirt/iface.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mapirt_gate mapirt_gate;

/* One call in flight: lives on the caller's stack between enter and leave (the proxies' frame,
 * <mapirt/iface.h>: `gate` is the mapirt_gate). */
typedef mapirt_call_frame mapirt_gate_frame;

/* A new open gate with one reference; fini(ctx) runs at its last release (may be NULL). */
HRESULT mapirt_gate_new(void (*fini)(void *), void *ctx, mapirt_gate **out);
void mapirt_gate_addref(mapirt_gate *g);
void mapirt_gate_release(mapirt_gate *g);

/* Counts a call in: 1 when it may go on (leave with mapirt_gate_leave), 0 when the gate is
 * closed (nothing to leave). Never blocks. */
int mapirt_gate_enter(mapirt_gate *g, mapirt_gate_frame *f);
void mapirt_gate_leave(mapirt_gate_frame *f);

/* Closes the gate and waits until no call of another thread is inside. Idempotent: a second
 * close (from anywhere) waits the same way. */
void mapirt_gate_close(mapirt_gate *g);
int mapirt_gate_closed(const mapirt_gate *g);
/* Closes the gate without waiting: calls that try to enter are turned away from now on. */
void mapirt_gate_shut(mapirt_gate *g);

/* Whose gate it is (a session: its own gate and its providers' share the owner); NULL until
 * set. Set once, before the gate is used by other threads. */
void mapirt_gate_set_owner(mapirt_gate *g, const void *owner);
/* Nonzero when the calling thread is inside a gate whose owner is not `owner` (then waiting for
 * owner's gates could wait for a thread that waits for this one). */
int mapirt_gate_inside_other(const void *owner);

/* Work put off until the calling thread leaves its outermost gate (then inside none): `fn(ctx)`
 * runs there, in the order deferred, on this thread. The task lives in the caller's memory
 * until it runs. A thread inside no gate runs it at once. */
typedef struct mapirt_gate_task {
    void (*fn)(void *ctx);
    void *ctx;
    struct mapirt_gate_task *next;
} mapirt_gate_task;
void mapirt_gate_defer(mapirt_gate_task *t, void (*fn)(void *), void *ctx);

/* Nonzero while the calling thread is inside any gate (then it may be running provider code
 * further up its stack: runtime/spi/loader.c does not unmap what it released meanwhile). */
int mapirt_gate_inside(void);

/* ---- proxies with a kill switch (runtime/core/proxy.c, <mapirt/proxy.h>) ---- */

/* mapirt_proxy_wrap, always making a proxy (even with no flags), whose calls (those returning
 * an HRESULT, and QueryInterface) enter gate: once it is closed they answer
 * MAPI_E_END_OF_SESSION without reaching the inner object, and GetLastError says why. The
 * interface pointers such a proxy returns are proxies on the same gate. The proxy holds a
 * reference on the gate. An interface outside idl/ cannot be proxied: inner itself is handed
 * out, as proxies hand out such interfaces (docs/decisions.md, "Proxies"). */
HRESULT mapirt_proxy_wrap_gated(REFIID riid, LPUNKNOWN inner, ULONG ulFlags, mapirt_gate *gate,
                                LPUNKNOWN *out);
/* The interface an object of MAPI type `type` is handed out as when no IID was asked for
 * (MAPI_STORE: IMsgStore, MAPI_STATUS: IMAPIStatus, ...), or NULL. */
const IID *mapirt_objtype_iid(ULONG type);
/* The kill switch of a proxy's pointer, or NULL (no proxy, or one without). */
mapirt_gate *mapirt_proxy_gate(LPUNKNOWN p);

#ifdef __cplusplus
}
#endif
#endif
