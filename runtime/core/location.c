/* location.c: the library's own directory, as $ORIGIN is for the dynamic linker (dladdr is a
 * GNU extension, hence _GNU_SOURCE). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "location.h"

int mapirt_library_dir(char *buf, size_t cb)
{
    Dl_info info;
    char real[PATH_MAX];

    /* any function of this library identifies the object it was loaded from; realpath gives
     * the link's target, so a lib/libmapirt.so.0 reached through a symlink elsewhere still
     * finds lib/mapirt/. Linked into the executable, dladdr names it by argv[0] (or not at
     * all), which need not be a path: the kernel's link then says where it is. */
    if (!dladdr((void *)(size_t)&mapirt_library_dir, &info))
        return -1;
    if (!info.dli_fname || !strchr(info.dli_fname, '/') || !realpath(info.dli_fname, real)) {
        ssize_t n = readlink("/proc/self/exe", real, sizeof real - 1);
        if (n <= 0)
            return -1;
        real[n] = '\0';
    }
    char *slash = strrchr(real, '/');
    if (!slash)
        return -1;
    *(slash == real ? slash + 1 : slash) = '\0';
    if (strlen(real) + 1 > cb)
        return -1;
    memcpy(buf, real, strlen(real) + 1);
    return 0;
}

int mapirt_data_path(const char *rel, char *buf, size_t cb)
{
    char dir[PATH_MAX];
    if (mapirt_library_dir(dir, sizeof dir) != 0)
        return -1;
    int n = snprintf(buf, cb, "%s/mapirt/%s", dir, rel);
    return n < 0 || (size_t)n >= cb ? -1 : 0;
}
