/* groups.h: the command groups, one file each. */
#ifndef MAPIRT_GROUPS_H
#define MAPIRT_GROUPS_H

#include "cli.h"

extern const group profile_group; /* profile.c */
extern const group service_group; /* service.c */
extern const group catalog_group; /* catalog.c */
extern const group vocab_group; /* vocab.c */
extern const group trace_group; /* trace.c */
extern const group session_group; /* session.c */
extern const group ls_group; /* ls.c */
extern const group import_group; /* import.c */
extern const group show_group; /* show.c */
extern const group cat_group; /* cat.c */
extern const group send_group; /* send.c */
extern const group deliver_group; /* deliver.c */

#endif
