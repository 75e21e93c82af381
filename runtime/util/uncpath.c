/* uncpath.c: ScUNCFromLocalPath and ScLocalPathFromUNC. Linux reaches Windows shares through
 * CIFS mounts, so a local path under a cifs/smb3 mount point has the UNC name
 * \\server\share\path of that mount, and a UNC name maps back to wherever its share is
 * mounted (/proc/self/mountinfo says both). A local path on no share is its own answer; a UNC
 * name whose share is not mounted is MAPI_E_NOT_FOUND (docs/decisions.md). */
#define _GNU_SOURCE
#include <mapiutil.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <mapirt/alloc.h>

#include "util_internal.h"

struct share {
    char point[1024]; /* mount point */
    char root[1024];  /* directory of the share that is mounted there, "/" for all of it */
    char source[512]; /* //server/share */
};

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
    char *d = s;
    for (; *s; s++) {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
            s[3] >= '0' && s[3] <= '7') {
            *d++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
            s += 3;
        } else {
            *d++ = *s;
        }
    }
    *d = 0;
}

/* Calls fn for every CIFS mount in the text until it returns nonzero; returns that value. */
static int each_share(const char *mountinfo, int (*fn)(const struct share *, void *), void *ctx)
{
    int r = 0;
    const char *line = mountinfo;
    struct share *sh = mapirt_malloc(sizeof(*sh));
    if (sh == NULL)
        return -1;
    while (r == 0 && line != NULL && *line) {
        const char *eol = strchr(line, '\n');
        size_t n = eol ? (size_t)(eol - line) : strlen(line);
        char buf[4096];
        if (n < sizeof(buf)) {
            memcpy(buf, line, n);
            buf[n] = 0;
            char *f[12] = {0}, *save = NULL;
            int k = 0;
            for (char *t = strtok_r(buf, " ", &save); t != NULL && k < 12;
                 t = strtok_r(NULL, " ", &save)) {
                /* Skip the optional fields: keep 0-5, then what follows "-". */
                if (k == 6 && strcmp(t, "-") != 0)
                    continue;
                f[k++] = t;
            }
            if (k >= 9 && (strcmp(f[7], "cifs") == 0 || strcmp(f[7], "smb3") == 0) &&
                strlen(f[4]) < sizeof(sh->point) && strlen(f[3]) < sizeof(sh->root) &&
                strlen(f[8]) < sizeof(sh->source)) {
                strcpy(sh->point, f[4]);
                strcpy(sh->root, f[3]);
                strcpy(sh->source, f[8]);
                unescape(sh->point);
                unescape(sh->root);
                unescape(sh->source);
                for (char *c = sh->source; *c; c++)
                    if (*c == '\\')
                        *c = '/';
                r = fn(sh, ctx);
            }
        }
        line = eol ? eol + 1 : NULL;
    }
    mapirt_free(sh);
    return r;
}

/* Length of the mount point if it is a directory prefix of path, else 0. */
static size_t under(const char *point, const char *path)
{
    size_t n = strlen(point);
    if (n > 1 && point[n - 1] == '/')
        n--;
    if (strncmp(point, path, n) != 0 || (path[n] != 0 && path[n] != '/'))
        return 0;
    return n ? n : 1;
}

static SCODE put(char *out, UINT cch, const char *a, const char *b, const char *c, char from,
                 char to)
{
    size_t na = strlen(a), nb = strlen(b), nc = strlen(c);
    if (na + nb + nc + 1 > cch)
        return MAPI_E_TOO_BIG;
    memcpy(out, a, na);
    memcpy(out + na, b, nb);
    memcpy(out + na + nb, c, nc + 1);
    for (char *p = out + (na == 2 && a[0] == '\\' ? 2 : 0); *p; p++)
        if (*p == from)
            *p = to;
    return S_OK;
}

struct to_unc { const char *local; const struct share *best; size_t best_len; struct share hit; };

static int pick_mount(const struct share *sh, void *ctx)
{
    struct to_unc *t = ctx;
    size_t n = under(sh->point, t->local);
    if (n > t->best_len) {
        t->hit = *sh;
        t->best = &t->hit;
        t->best_len = n;
    }
    return 0;
}

SCODE mapirt_unc_from_local(const char *mountinfo, const char *local, char *unc, UINT cch)
{
    if (local == NULL || unc == NULL)
        return MAPI_E_INVALID_PARAMETER;
    struct to_unc *t = mapirt_calloc(1, sizeof(*t));
    if (t == NULL)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    t->local = local;
    SCODE sc;
    if (each_share(mountinfo, pick_mount, t) < 0)
        sc = MAPI_E_NOT_ENOUGH_MEMORY;
    else if (t->best == NULL)
        sc = put(unc, cch, "", "", local, 0, 0); /* not on a share: the path itself */
    else {
        /* \\server\share + the mounted directory + the rest, with backslashes. */
        const char *rest = local + t->best_len;
        const char *root = strcmp(t->best->root, "/") == 0 ? "" : t->best->root;
        char head[1024 + 512];
        snprintf(head, sizeof(head), "%s%s", t->best->source, root);
        sc = put(unc, cch, "\\\\", head + 2, rest, '/', '\\');
    }
    mapirt_free(t);
    return sc;
}

struct to_local { const char *server_share; size_t ss_len; const char *rest; char *out; UINT cch; SCODE sc; };

static int match_share(const struct share *sh, void *ctx)
{
    struct to_local *t = ctx;
    /* Server and share names are case-insensitive; the mounted directory must be a prefix of
     * what follows them. */
    if (strlen(sh->source) != t->ss_len || strncasecmp(sh->source, t->server_share, t->ss_len) != 0)
        return 0;
    size_t n = strcmp(sh->root, "/") == 0 ? 0 : strlen(sh->root);
    if (n && (strncasecmp(sh->root, t->rest, n) != 0 || (t->rest[n] && t->rest[n] != '/')))
        return 0;
    t->sc = put(t->out, t->cch, strcmp(sh->point, "/") == 0 ? "" : sh->point, "", t->rest + n,
                0, 0);
    return 1;
}

SCODE mapirt_local_from_unc(const char *mountinfo, const char *unc, char *local, UINT cch)
{
    if (unc == NULL || local == NULL)
        return MAPI_E_INVALID_PARAMETER;
    if (!((unc[0] == '\\' || unc[0] == '/') && (unc[1] == '\\' || unc[1] == '/')))
        return put(local, cch, "", "", unc, 0, 0); /* already local */
    /* //server/share/rest with either slash. */
    char *s = mapirt_malloc(strlen(unc) + 1);
    if (s == NULL)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    strcpy(s, unc);
    for (char *p = s; *p; p++)
        if (*p == '\\')
            *p = '/';
    char *server_end = strchr(s + 2, '/');
    SCODE sc = MAPI_E_INVALID_PARAMETER;
    if (server_end != NULL && server_end > s + 2 && server_end[1] != 0 && server_end[1] != '/') {
        char *share_end = strchr(server_end + 1, '/');
        size_t ss = share_end ? (size_t)(share_end - s) : strlen(s);
        struct to_local t = {s, ss, s + ss, local, cch, MAPI_E_NOT_FOUND};
        int r = each_share(mountinfo, match_share, &t);
        sc = r < 0 ? MAPI_E_NOT_ENOUGH_MEMORY : t.sc;
    }
    mapirt_free(s);
    return sc;
}

static char *read_mountinfo(void)
{
    FILE *f = fopen("/proc/self/mountinfo", "r");
    if (f == NULL)
        return NULL;
    size_t cap = 8192, n = 0;
    char *buf = mapirt_malloc(cap);
    while (buf != NULL) {
        n += fread(buf + n, 1, cap - n - 1, f);
        if (n < cap - 1)
            break;
        char *b = mapirt_realloc(buf, cap * 2);
        if (b == NULL) {
            mapirt_free(buf);
            buf = NULL;
            break;
        }
        buf = b;
        cap *= 2;
    }
    fclose(f);
    if (buf != NULL)
        buf[n] = 0;
    return buf;
}

SCODE ScUNCFromLocalPath(LPSTR lpszLocal, LPSTR lpszUNC, UINT cchUNC)
{
    if (lpszLocal == NULL || lpszUNC == NULL)
        return MAPI_E_INVALID_PARAMETER;
    char *mi = read_mountinfo();
    SCODE sc = mapirt_unc_from_local(mi ? mi : "", lpszLocal, lpszUNC, cchUNC);
    mapirt_free(mi);
    return sc;
}

SCODE ScLocalPathFromUNC(LPSTR lpszUNC, LPSTR lpszLocal, UINT cchLocal)
{
    if (lpszUNC == NULL || lpszLocal == NULL)
        return MAPI_E_INVALID_PARAMETER;
    char *mi = read_mountinfo();
    SCODE sc = mapirt_local_from_unc(mi ? mi : "", lpszUNC, lpszLocal, cchLocal);
    mapirt_free(mi);
    return sc;
}
