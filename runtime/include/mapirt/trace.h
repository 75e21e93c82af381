/* mapirt/trace.h: call tracing. Every generated interface has a tracing wrapper vtable
 * (I_trace_vtbl); objects created while tracing is on get it as an outer layer (see
 * MAPIRT_DEFINE_VTBL), objects created while it is off get the plain vtable: zero cost.
 *
 * Turn it on with the environment (read at the first MAPI call of the process):
 *   MAPIRT_TRACE=1                      trace every interface
 *   MAPIRT_TRACE=IMAPISession,IMAPITable  trace only these
 *   MAPIRT_TRACE_FILE=/path/to/log      append there instead of stderr
 * or with mapirt_trace_configure(). One line per call, written whole (threads never
 * interleave within a line):
 *   mapirt[tid] IMAPIProgress::GetMax(lpulMax=0x7ffc...) -> S_OK {*lpulMax=100} 0.3us */
#ifndef MAPIRT_TRACE_H
#define MAPIRT_TRACE_H

#include <mapirt/decls.h>
#include <stddef.h>
#include <stdint.h>
#include <uchar.h>

MAPIRT_BEGIN_DECLS

/* filter: NULL or "" turns tracing off; "1", "*" or "all" traces every interface; otherwise a
 * comma-separated list of interface names. path: NULL for stderr. Returns 0, or -1 when the file
 * cannot be opened (tracing is then left off). Affects objects created afterwards. */
int mapirt_trace_configure(const char *filter, const char *path);
/* Non-zero while tracing is on. */
int mapirt_trace_enabled(void);
/* Non-zero while tracing is on for interface `iface` (the filter); objects of that interface
 * created now get the tracing layer. */
int mapirt_trace_wants(const char *iface);

/* ---- used by the generated tracing wrappers ---- */
typedef struct mapirt_trace {
    char buf[1536];
    size_t len;
    size_t call_end; /* length of "iface::method(args)" */
    int nargs;
    uint64_t start_ns;
} mapirt_trace;

int mapirt_trace_begin(mapirt_trace *t, const char *iface, const char *method, const void *obj);
void mapirt_trace_int(mapirt_trace *t, const char *name, long long v);
void mapirt_trace_uint(mapirt_trace *t, const char *name, unsigned long long v);
void mapirt_trace_float(mapirt_trace *t, const char *name, double v);
void mapirt_trace_flags(mapirt_trace *t, const char *name, uint32_t v, const char *set);
void mapirt_trace_tag(mapirt_trace *t, const char *name, uint32_t tag);
void mapirt_trace_tags(mapirt_trace *t, const char *name, const void *tags /* SPropTagArray */);
void mapirt_trace_bytes(mapirt_trace *t, const char *name, const void *p, size_t cb);
void mapirt_trace_stra(mapirt_trace *t, const char *name, const char *s);
void mapirt_trace_strw(mapirt_trace *t, const char *name, const char16_t *s);
void mapirt_trace_strt(mapirt_trace *t, const char *name, const void *s, int wide);
void mapirt_trace_iid(mapirt_trace *t, const char *name, const void *iid);
void mapirt_trace_ptr(mapirt_trace *t, const char *name, const void *p);
void mapirt_trace_text(mapirt_trace *t, const char *name, const char *text);
void mapirt_trace_call(mapirt_trace *t);
void mapirt_trace_out_int(mapirt_trace *t, const char *name, const void *p);
void mapirt_trace_out_uint(mapirt_trace *t, const char *name, const void *p);
void mapirt_trace_out_ptr(mapirt_trace *t, const char *name, const void *p);
void mapirt_trace_end_hr(mapirt_trace *t, int32_t hr);
void mapirt_trace_end_value(mapirt_trace *t, unsigned long long v);
void mapirt_trace_end_void(mapirt_trace *t);

MAPIRT_END_DECLS
#endif
