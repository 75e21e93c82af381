/* location.c: the library's own directory, as $ORIGIN is for the dynamic linker (dladdr is a
 * GNU extension, hence _GNU_SOURCE). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "location.h"

static char g_dir[PATH_MAX];
static int g_dir_ok;
static pthread_once_t g_dir_once = PTHREAD_ONCE_INIT;

static int find_dir(char *real)
{
    Dl_info info;

    /* any function of this library identifies the object it was loaded from; realpath gives
     * the link's target, so a lib/libmapirt.so.0 reached through a symlink elsewhere still
     * finds lib/mapirt/. Linked into the executable, dladdr names it by argv[0] (or not at
     * all), which need not be a path: the kernel's link then says where it is. */
    if (!dladdr((void *)(size_t)&mapirt_library_dir, &info))
        return -1;
    if (!info.dli_fname || !strchr(info.dli_fname, '/') || !realpath(info.dli_fname, real)) {
        ssize_t n = readlink("/proc/self/exe", real, PATH_MAX - 1);
        if (n <= 0)
            return -1;
        real[n] = '\0';
    }
    char *slash = strrchr(real, '/');
    if (!slash)
        return -1;
    *(slash == real ? slash + 1 : slash) = '\0';
    return 0;
}

static void find_once(void)
{
    g_dir_ok = find_dir(g_dir) == 0;
}

/* Found once: where the library was loaded from does not change while it is loaded (and
 * dladdr plus realpath were a dozen system calls at every provider load). */
int mapirt_library_dir(char *buf, size_t cb)
{
    pthread_once(&g_dir_once, find_once);
    if (!g_dir_ok || strlen(g_dir) + 1 > cb)
        return -1;
    memcpy(buf, g_dir, strlen(g_dir) + 1);
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
