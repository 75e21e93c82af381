/* svcadmin.h (internal): the message service administration object of a profile (svcadmin.c). */
#ifndef MAPIRT_PROFILE_SVCADMIN_H
#define MAPIRT_PROFILE_SVCADMIN_H

#include <mapix.h>

#include "store.h"

/* A new IMsgServiceAdmin on profile `id` of the store (which it references). */
HRESULT mapirt_svcadmin_create(mapirt_profstore *ps, mapirt_profile_id id,
                               LPSERVICEADMIN *out);

/* A snapshot table of `rows` (consumed: freed whatever happens) with these columns, indexed by
 * `index` (rows.c). */
HRESULT mapirt_rows_table(LPSRowSet rows, const SPropTagArray *cols, ULONG index,
                          LPMAPITABLE *out);

#endif
