/* admin.h: the profile-administration steps profile.c and service.c share; each prints its
 * error and returns EXIT_FAIL, or EXIT_OK. */
#ifndef MAPIRT_ADMIN_H
#define MAPIRT_ADMIN_H

#include "cli.h"

int open_profadmin(LPPROFADMIN *pa);
int open_svcadmin(LPPROFADMIN pa, const char *profile, LPSERVICEADMIN *sa);
/* Every row of t (what names it in an error). */
int table_rows(LPMAPITABLE t, const char *what, LPSRowSet *rows);

#endif
