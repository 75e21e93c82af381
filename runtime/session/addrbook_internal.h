/* runtime/session/addrbook_internal.h: what the files of MAPI's integrated address book share
 * (addrbook.c: IAddrBook; abroot.c: the root container; abprefs.c: the settings kept in the
 * profile; abresolve.c: ResolveName and PrepareRecips). */
#ifndef MAPIRT_SESSION_ADDRBOOK_INTERNAL_H
#define MAPIRT_SESSION_ADDRBOOK_INTERNAL_H

#include <mapicode.h>
#include <mapiguid.h>
#include <mapiutil.h>
#include <mapix.h>

#include <mapirt/alloc.h>
#include <mapirt/propstore.h>
#include <mapirt/strconv.h>

#include "session_internal.h"

struct ab_fwd {
    ULONG_PTR ours, theirs;
    ULONG index;
};

struct addrbook {
    mapirt_sess *sess; /* a reference */
    mapirt_propbag *bag;
    pthread_mutex_t mu; /* fwd (a leaf lock) */
    struct ab_fwd *fwd;
    ULONG nfwd, cfwd;
};

struct abroot {
    mapirt_sess *sess; /* a reference */
    mapirt_propbag *bag;
    LPADRBOOK ab;      /* a reference: OpenEntry goes through it */
};

#include "abroot_decl.h"
#include "addrbook_decl.h"

/* Records a failure whose text is fmt with one %s (arg, "" when NULL); returns hr. */
HRESULT mapirt_ab_failf(mapirt_lasterror *rec, HRESULT hr, const char *fmt, const char *arg);
/* Whether the session has ended. */
int mapirt_ab_ended(mapirt_sess *s);
/* MAPI_E_END_OF_SESSION (recorded) once the session has ended, else S_OK. */
HRESULT mapirt_ab_usable(struct addrbook *self);
/* The address book provider an entry ID belongs to, or NULL. */
mapirt_provider *mapirt_ab_provider(mapirt_sess *s, ULONG cb, const ENTRYID *eid);
/* The root's hierarchy: every provider root's containers, in provider order (abroot.c). */
HRESULT mapirt_ab_hierarchy(mapirt_sess *s, ULONG ulFlags, LPTABLEDATA *out);
/* A new root container over ab (OpenEntry with no entry ID). */
HRESULT mapirt_ab_root_open(struct addrbook *ab, LPCIID iid, ULONG *lpulObjType,
                            LPUNKNOWN *lppUnk);
/* The search path's entry IDs, saved or computed (abprefs.c). */
HRESULT mapirt_ab_search_eids(struct addrbook *self, LPSPropValue *out);

#endif
