/* mapirt/decls.h: brackets for the declarations of mapirt's own public headers.
 *
 *     MAPIRT_BEGIN_DECLS
 *     HRESULT mapirt_something(...);
 *     MAPIRT_END_DECLS
 *
 * C linkage under C++, and default visibility: libmapirt is built with -fvisibility=hidden, so
 * what a public header declares is exactly what the library exports (tools/exports.py writes the
 * version script from the same headers). The generated MAPI headers carry the same pragmas. */
#ifndef MAPIRT_DECLS_H
#define MAPIRT_DECLS_H

#if defined(__GNUC__)
#define MAPIRT_VISIBILITY_PUSH_ _Pragma("GCC visibility push(default)")
#define MAPIRT_VISIBILITY_POP_ _Pragma("GCC visibility pop")
#else
#define MAPIRT_VISIBILITY_PUSH_
#define MAPIRT_VISIBILITY_POP_
#endif

#ifdef __cplusplus
#define MAPIRT_BEGIN_DECLS extern "C" { MAPIRT_VISIBILITY_PUSH_
#define MAPIRT_END_DECLS MAPIRT_VISIBILITY_POP_ }
#else
#define MAPIRT_BEGIN_DECLS MAPIRT_VISIBILITY_PUSH_
#define MAPIRT_END_DECLS MAPIRT_VISIBILITY_POP_
#endif

#endif
