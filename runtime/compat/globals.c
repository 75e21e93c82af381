/* globals.c: the data mapiwin.h and mapioid.h declare: pinstX (a provider's per-process
 * instance data, one per process as a Win32 DLL's data segment) and the MAPI object
 * identifiers (defined weakly here, as a client's own INITOID definitions are). */
#define INITOID
#define USES_OID_TNEF
#define USES_OID_OLE
#define USES_OID_OLE1
#define USES_OID_OLE1_STORAGE
#define USES_OID_OLE2
#define USES_OID_OLE2_STORAGE
#define USES_OID_MAC_BINARY
#define USES_OID_MIMETAG
#include <mapioid.h>
#include <mapiwin.h>

LPVOID pinstX = NULL;
