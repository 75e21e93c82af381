/* mapirt/lasterror.h: what GetLastError reports, for every object of the runtime and for
 * objects built with the object layer (docs/objects.md).
 *
 * An object keeps one record: the last failure it wants to explain (a code and a text), set by
 * its methods (mapirt_lasterror_set / _setf) and by the generated validation layer when it
 * refuses a call (which method, which parameter, why). GetLastError(hResult, ulFlags, lpp)
 * answers from it (mapirt_lasterror_get), with one contract for every object:
 *  - the record holds hResult: a MAPIERROR with ulVersion = MAPI_ERROR_VERSION, lpszError (the
 *    text), lpszComponent (the object's component name), ulLowLevelError and ulContext (0 unless
 *    the method gave them); strings are UTF-16 with MAPI_UNICODE, else 8-bit (UTF-8);
 *  - otherwise (another code, S_OK, nothing recorded): S_OK with *lpp = NULL, as the reference
 *    allows;
 *  - the structure comes from the object's allocators (MAPIAllocateBuffer/More unless the
 *    object was given others, as CreateIProp and CreateTable are), one block and its strings
 *    chained to it (MAPIFreeBuffer frees all);
 *  - NULL lpp is MAPI_E_INVALID_PARAMETER and a flag other than MAPI_UNICODE is
 *    MAPI_E_UNKNOWN_FLAGS: the generated check function of GetLastError answers those before
 *    the record is read (the object layer calls it).
 * A record is safe to use from several threads at once; it never calls into another object. */
#ifndef MAPIRT_LASTERROR_H
#define MAPIRT_LASTERROR_H

#include <mapirt/decls.h>
#include <stddef.h>
#include <stdint.h>

#include <mapidefs.h>

MAPIRT_BEGIN_DECLS

struct mapirt_check_site;

/* Embedded in the object (zeroed memory is a valid empty record once init ran). */
typedef struct mapirt_lasterror {
    int lock;            /* a spin lock (__atomic builtins): held only to copy a few words */
    HRESULT hr;          /* 0: nothing recorded */
    const char *text;    /* static text, or `owned` */
    char *owned;         /* formatted text (runtime heap) */
    const struct mapirt_check_site *site; /* a refusal of the validation layer, formatted later */
    uint64_t value;
    ULONG lowlevel, context;
    const char *component;
    ALLOCATEBUFFER *alloc;
    ALLOCATEMORE *more;
    FREEBUFFER *freebuf;
} mapirt_lasterror;

/* component: a static string naming the object in MAPIERROR.lpszComponent. The allocators are
 * MAPIAllocateBuffer/More/MAPIFreeBuffer until mapirt_lasterror_allocators is called. */
void mapirt_lasterror_init(mapirt_lasterror *e, const char *component);
void mapirt_lasterror_fini(mapirt_lasterror *e);
/* The allocators GetLastError's structure comes from (all three, or NULL for MAPI's). */
void mapirt_lasterror_allocators(mapirt_lasterror *e, ALLOCATEBUFFER *alloc, ALLOCATEMORE *more,
                                 FREEBUFFER *freebuf);

/* Records hr with a static text and returns hr. */
HRESULT mapirt_lasterror_set(mapirt_lasterror *e, HRESULT hr, const char *text);
/* The same with a formatted text (copied: it may name a provider, a file and a line) and the
 * low-level error and context MAPIERROR carries. Without memory the format itself is kept. */
HRESULT mapirt_lasterror_setf(mapirt_lasterror *e, HRESULT hr, ULONG lowlevel, ULONG context,
                              const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Records the calling thread's last refusal by a generated check function (hr must be the code
 * it returned; otherwise a generic text is recorded) and returns hr. */
HRESULT mapirt_lasterror_refused(mapirt_lasterror *e, HRESULT hr);
/* Forgets the record. */
void mapirt_lasterror_clear(mapirt_lasterror *e);
/* Whether the record holds hResult (a failure). */
int mapirt_lasterror_holds(mapirt_lasterror *e, HRESULT hResult);

/* GetLastError's body: see the contract above (ulFlags already checked). */
HRESULT mapirt_lasterror_get(mapirt_lasterror *e, HRESULT hResult, ULONG ulFlags,
                             LPMAPIERROR *lppMAPIError);

/* The text the record holds for hResult, formatted into buf (for logs and tests); NULL when it
 * holds no failure with that code. */
const char *mapirt_lasterror_text(mapirt_lasterror *e, HRESULT hResult, char *buf, size_t size);

MAPIRT_END_DECLS
#endif
