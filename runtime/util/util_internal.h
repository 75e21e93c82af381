/* util_internal.h: what the util area shares with its tests. */
#ifndef MAPIRT_UTIL_INTERNAL_H
#define MAPIRT_UTIL_INTERNAL_H

#include <mapiutil.h>

/* ScUNCFromLocalPath / ScLocalPathFromUNC against a given /proc/self/mountinfo text. */
SCODE mapirt_unc_from_local(const char *mountinfo, const char *local, char *unc, UINT cch);
SCODE mapirt_local_from_unc(const char *mountinfo, const char *unc, char *local, UINT cch);

#endif
