/* acmeab.h: what the provider's two files share (acmeab.c: the provider, its logon and its
 * status object; abdir.c: its directory of containers, users and distribution lists). */
#ifndef ACMEAB_H
#define ACMEAB_H

#include <mapidefs.h>
#include <mapispi.h>

#define HIDDEN __attribute__((visibility("hidden")))

HIDDEN extern LPALLOCATEBUFFER g_alloc;
HIDDEN extern LPALLOCATEMORE g_more;
HIDDEN extern LPFREEBUFFER g_free;
HIDDEN extern const MAPIUID AB_UID;

/* An entry ID of ours: 4 flag bytes, AB_UID, a 3-letter tag. */
#define ACME_EID_SIZE 23
HIDDEN void acme_eid(const char *tag, BYTE out[ACME_EID_SIZE]);
/* The directory entry an entry ID names (NULL when none); cb 0 / NULL is the root container. */
struct acme_entry;
HIDDEN const struct acme_entry *acme_find(ULONG cb, const ENTRYID *eid);
HIDDEN const struct acme_entry *acme_root(void);
/* GetProps of an entry (NULL tags: its default columns; MAPI_UNICODE for those). */
HIDDEN HRESULT acme_props(const struct acme_entry *e, const SPropTagArray *tags, ULONG flags,
                          ULONG *pc, LPSPropValue *pp);
/* Opens an entry: IMailUser, IDistList or IABContainer. */
HIDDEN HRESULT acme_open(const struct acme_entry *e, LPCIID iid, ULONG *type, LPUNKNOWN *out);

#endif
