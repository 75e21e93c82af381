/* loader.h (internal): the one loader of provider and service shared objects.
 *
 * A profile names a provider's code with PR_PROVIDER_DLL_NAME or PR_SERVICE_DLL_NAME, written
 * for Windows ("ACMEXP.DLL", "acmeab.dll", "MSPST32.DLL"). mapirt maps such a name to a shared
 * object by a fixed rule (dllname.c) and looks for it only in the provider directories:
 *   every absolute directory of MAPIRT_PROVIDER_PATH (colon-separated), first to last, then
 *   <libdir>/mapirt/providers, beside libmapirt (lib/mapirt/providers once installed,
 *   build/mapirt/providers in the source tree).
 * The name is matched against the directories' entries, never used as a path: a name with a
 * directory separator or ".." is refused, so nothing outside those directories is loaded.
 *
 * A module stays loaded while it has references: hold one for every object its code created
 * (provider objects, logons, sinks) and for the length of every call into it; the last release
 * unloads it. Loading the same file twice gives the same module. */
#ifndef MAPIRT_SPI_LOADER_H
#define MAPIRT_SPI_LOADER_H

#include <stddef.h>

#include <mapidefs.h>

typedef struct mapirt_module mapirt_module;

/* Loads the shared object for a profile's DLL name. MAPI_E_NOT_FOUND when no provider directory
 * has it (err lists the names and directories tried), MAPI_E_INVALID_PARAMETER for a name that
 * is not a plain file name, MAPI_E_CALL_FAILED when the dynamic linker refuses the file (err
 * carries dlerror()). */
HRESULT mapirt_module_load(const char *dllname, mapirt_module **out, char *err, size_t cberr);
void mapirt_module_addref(mapirt_module *m);
void mapirt_module_release(mapirt_module *m);
/* Drops a reference from code the module itself may be running on the current stack (a
 * provider releasing its support object from inside its own Release). The reference waits in
 * the calling thread's list until that thread reaches mapirt_module_reap outside any gate
 * (<mapirt/gate.h>: then it runs no provider code) or ends; only then may the module be
 * unmapped, by whichever thread reaps next. So no module is unmapped under any thread's feet. */
void mapirt_module_release_later(mapirt_module *m);
/* Hands the calling thread's deferred references over (unless it is inside a gate) and drops
 * every handed-over one (MAPILogonEx, Logoff and the last MAPIUninitialize call it). */
void mapirt_module_reap(void);
/* An exported function of the module (an entry point such as "ServiceEntry"), or NULL. */
void *mapirt_module_symbol(mapirt_module *m, const char *name);
/* The file loaded: the provider directory's entry as found (absolute). */
const char *mapirt_module_path(const mapirt_module *m);
/* What MAPI passes providers as hInstance: the module's handle. */
HINSTANCE mapirt_module_instance(const mapirt_module *m);

/* ---- dllname.c ---- */

#define MAPIRT_DLLNAME_CANDIDATES 4
#define MAPIRT_DLLNAME_MAX 256

/* The file names a DLL name may have on Linux, in the order they are tried (compared without
 * case): for "ACMEXP.DLL": acmexp.so, libacmexp.so, acmexp32.so, libacmexp32.so; for
 * "MSPST32.DLL" (the "32" MAPI inserts, already written): mspst32.so, libmspst32.so,
 * mspst.so, libmspst.so. Returns the number of candidates (0 with a reason in err for a name
 * that is empty, too long, or not a plain file name). */
int mapirt_dllname_candidates(const char *dllname, char out[][MAPIRT_DLLNAME_MAX], char *err,
                              size_t cberr);

#endif
