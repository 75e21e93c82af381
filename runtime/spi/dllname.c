/* dllname.c: from a DLL name written for Windows to the file names of a Linux shared object.
 *
 * MAPI stores base names ("MSPST.DLL") and inserts "32" before the first '.' when it loads them
 * (MSPST32.DLL); profiles written by hand sometimes already carry the "32". A Linux provider is
 * built as <name>.so or lib<name>.so, with or without the 32. Only the final extension is
 * dropped (".dll", ".so", any case), and names never carry a directory: '/', '\\', and names
 * that are "." or ".." or contain ".." are refused (loader.h). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "loader.h"

static int refuse(char *err, size_t cberr, const char *why, const char *name)
{
    if (err && cberr)
        snprintf(err, cberr, "provider DLL name '%.100s' %s", name, why);
    return 0;
}

int mapirt_dllname_candidates(const char *dllname, char out[][MAPIRT_DLLNAME_MAX], char *err,
                              size_t cberr)
{
    char base[MAPIRT_DLLNAME_MAX - 16];
    size_t n = dllname ? strlen(dllname) : 0;

    if (n == 0)
        return refuse(err, cberr, "is empty", "");
    if (n >= sizeof base)
        return refuse(err, cberr, "is too long", dllname);
    if (strchr(dllname, '/') || strchr(dllname, '\\') || strchr(dllname, ':'))
        return refuse(err, cberr, "must be a file name without a directory", dllname);
    if (strstr(dllname, ".."))
        return refuse(err, cberr, "must not contain '..'", dllname);
    for (size_t i = 0; i < n; i++)
        if (iscntrl((unsigned char)dllname[i]) || dllname[i] == ' ')
            return refuse(err, cberr, "contains a control character or a space", dllname);
    memcpy(base, dllname, n + 1);
    char *dot = strrchr(base, '.');
    if (dot && (strcasecmp(dot, ".dll") == 0 || strcasecmp(dot, ".so") == 0))
        *dot = '\0';
    n = strlen(base);
    if (n == 0 || (n >= 3 && strncasecmp(base, "lib", 3) == 0 && n == 3))
        return refuse(err, cberr, "has no base name", dllname);

    int k = 0;
    snprintf(out[k++], MAPIRT_DLLNAME_MAX, "%s.so", base);
    snprintf(out[k++], MAPIRT_DLLNAME_MAX, "lib%s.so", base);
    if (n > 2 && strcmp(base + n - 2, "32") == 0) {
        base[n - 2] = '\0';
        snprintf(out[k++], MAPIRT_DLLNAME_MAX, "%s.so", base);
        snprintf(out[k++], MAPIRT_DLLNAME_MAX, "lib%s.so", base);
    } else {
        snprintf(out[k++], MAPIRT_DLLNAME_MAX, "%s32.so", base);
        snprintf(out[k++], MAPIRT_DLLNAME_MAX, "lib%s32.so", base);
    }
    return k;
}
