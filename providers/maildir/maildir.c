/* maildir.c: the Maildir conventions (https://cr.yp.to/proto/maildir.html), nothing else.
 *
 * A file is written in tmp/ under a unique name, fsynced, and renamed into new/: a reader never
 * sees half a message, and a crash leaves at most a stray file in tmp/ (which readers ignore).
 * A reader takes a file from new/ and moves it to cur/ with the info suffix ":2,FLAGS" once it
 * has what it needs. Names begin with the delivery time in seconds, so sorting them sorts by
 * arrival (within a second, by the microseconds and the counter that follow). */
#define _GNU_SOURCE
/* first: <fcntl.h> of _GNU_SOURCE defines LOCK_WRITE, a name <objidl.h> declares */
#include "xp.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>


static int mkdir_p(const char *path)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return ENAMETOOLONG;
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0700) != 0 && errno != EEXIST)
            return errno;
        *p = '/';
    }
    if (mkdir(buf, 0700) != 0 && errno != EEXIST)
        return errno;
    return 0;
}

int xp_maildir_make(const char *dir, char *err, size_t cberr)
{
    static const char *const subs[] = {"", "/tmp", "/new", "/cur"};
    char path[4096];
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
        snprintf(path, sizeof path, "%s%s", dir, subs[i]);
        int e = mkdir_p(path);
        struct stat st;
        if (e == 0 && stat(path, &st) != 0)
            e = errno;
        if (e == 0 && !S_ISDIR(st.st_mode))
            e = ENOTDIR;
        if (e) {
            snprintf(err, cberr, "the Maildir %s cannot be made: %s: %s", dir, path, strerror(e));
            return e;
        }
    }
    return 0;
}

void xp_maildir_unique(char *out, size_t cb)
{
    static unsigned long counter;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    unsigned rnd = 0;
    if (getrandom(&rnd, sizeof rnd, GRND_NONBLOCK) != (ssize_t)sizeof rnd)
        rnd = (unsigned)tv.tv_usec * 2654435761u;
    char host[256] = "localhost";
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = '\0';
    /* '/' and ':' cannot be in a name: Maildir writes them as \057 and \072 */
    char safe[256 * 4 + 1];
    size_t n = 0;
    for (const char *h = host; *h && n + 5 < sizeof safe; h++)
        n += (size_t)(*h == '/' ? snprintf(safe + n, 5, "\\057")
                      : *h == ':' ? snprintf(safe + n, 5, "\\072")
                                  : (safe[n] = *h, 1));
    safe[n] = '\0';
    unsigned long c = __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);
    snprintf(out, cb, "%lld.M%06ldP%dR%08xQ%lu.%.100s", (long long)tv.tv_sec, (long)tv.tv_usec,
             (int)getpid(), rnd, c, safe);
}

static int fsync_dir(const char *dir, const char *sub)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, sub);
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    int e = fsync(fd) == 0 ? 0 : errno;
    close(fd);
    return e == EINVAL ? 0 : e; /* some file systems cannot sync a directory */
}

int xp_maildir_deliver(const char *dir, int (*write)(int fd, void *ctx), void *ctx, char *name,
                       size_t cbname)
{
    char tmp[4096], dst[4096];
    int fd = -1;
    for (int attempt = 0; attempt < 8; attempt++) {
        xp_maildir_unique(name, cbname);
        snprintf(tmp, sizeof tmp, "%s/tmp/%s", dir, name);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0 || errno != EEXIST)
            break;
    }
    if (fd < 0)
        return errno;
    int e = write(fd, ctx);
    if (e == 0 && fsync(fd) != 0)
        e = errno;
    if (close(fd) != 0 && e == 0)
        e = errno;
    if (e == 0) {
        snprintf(dst, sizeof dst, "%s/new/%s", dir, name);
        /* link + unlink, as Maildir says, would refuse to replace; the name is unique anyway */
        if (rename(tmp, dst) != 0)
            e = errno;
    }
    if (e) {
        unlink(tmp);
        return e;
    }
    return fsync_dir(dir, "new");
}

static int visible(const struct dirent *d)
{
    return d->d_name[0] != '.';
}

static long long secs_of(const char *name)
{
    return strtoll(name, NULL, 10);
}

/* Maildir order: the delivery second as a number, then the rest of the name as text. */
static int by_delivery(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    long long sx = secs_of(x), sy = secs_of(y);
    return sx < sy ? -1 : sx > sy ? 1 : strcmp(x, y);
}

void xp_listing_free(xp_listing *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->names[i]);
    free(l->names);
    memset(l, 0, sizeof *l);
}

/* Reads dir/new/ into l, sorted (an unreadable directory lists nothing). */
static void rescan(const char *dir, xp_listing *l)
{
    xp_listing_free(l);
    char path[4096];
    snprintf(path, sizeof path, "%s/new", dir);
    DIR *d = opendir(path);
    if (!d)
        return;
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!visible(e))
            continue;
        if (l->n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            char **v = realloc(l->names, nc * sizeof *v);
            if (!v)
                break;
            l->names = v;
            cap = nc;
        }
        if ((l->names[l->n] = strdup(e->d_name)) != NULL)
            l->n++;
    }
    closedir(d);
    if (l->n)
        qsort(l->names, l->n, sizeof *l->names, by_delivery);
}

int xp_maildir_next(const char *dir, xp_listing *l, char *name, size_t cb)
{
    if (l->next == l->n)
        rescan(dir, l);
    while (l->next < l->n) {
        const char *n = l->names[l->next++];
        if (strlen(n) < cb) {
            snprintf(name, cb, "%s", n);
            return 1;
        }
    }
    return 0;
}

int xp_maildir_has_new(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/new", dir);
    DIR *d = opendir(path);
    if (!d)
        return 0;
    int any = 0;
    struct dirent *e;
    while (!any && (e = readdir(d)) != NULL)
        any = visible(e);
    closedir(d);
    return any;
}

int xp_maildir_to_cur(const char *dir, const char *name, const char *flags)
{
    char from[4096], to[4096];
    snprintf(from, sizeof from, "%s/new/%s", dir, name);
    snprintf(to, sizeof to, "%s/cur/%s:2,%s", dir, name, flags);
    if (rename(from, to) != 0)
        return errno;
    return fsync_dir(dir, "cur");
}

int xp_maildir_set_aside(const char *dir, const char *name)
{
    char from[4096], to[4096];
    snprintf(to, sizeof to, "%s/.bad", dir);
    if (mkdir(to, 0700) != 0 && errno != EEXIST)
        return errno;
    snprintf(from, sizeof from, "%s/new/%s", dir, name);
    snprintf(to, sizeof to, "%s/.bad/%s", dir, name);
    if (rename(from, to) != 0)
        return errno;
    return fsync_dir(dir, ".bad");
}
