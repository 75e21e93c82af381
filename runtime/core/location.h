/* location.h (internal): where libmapirt itself lives, the anchor for the files it ships
 * (service catalog, providers) when no variable names them: <libdir>/mapirt/. */
#ifndef MAPIRT_CORE_LOCATION_H
#define MAPIRT_CORE_LOCATION_H

#include <stddef.h>

/* Writes the directory holding the object libmapirt's code was loaded from (the shared
 * library; the executable when the runtime is linked statically) into buf. Returns 0, or -1
 * when it cannot be found or does not fit. */
int mapirt_library_dir(char *buf, size_t cb);

/* <libdir>/mapirt/<rel> into buf; 0 or -1 as above. */
int mapirt_data_path(const char *rel, char *buf, size_t cb);

#endif
