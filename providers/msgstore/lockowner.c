/* lockowner.c: who holds a message of the outgoing queue, so that a lock dies with its holder.
 *
 * SetLockState(MSG_LOCKED) writes the holder into outgoing.owner as
 * "BOOTID/PID/STARTTIME/CONNECTION": the kernel's boot id, the process id and the process's
 * start time (field 22 of /proc/PID/stat, clock ticks since boot), and the random id of the
 * store connection. A pid alone is reused; a pid with its start time names one process of one
 * boot. A holder is gone when the machine rebooted since (another boot id), or no process
 * PID runs, or the one that runs started at another time. Its locks are then taken back
 * (locked = 0) by the next reader of the queue, so a spooler killed with -9 in the middle of a
 * send leaves the message for the next spooler instead of locked forever.
 *
 * Limits (docs/decisions.md): processes in other pid namespaces (containers) sharing a store
 * see each other's pids as not running; a lock taken by a store of schema version 1 has no owner
 * and is taken back at once. */
#define _GNU_SOURCE
/* first: <fcntl.h> of _GNU_SOURCE defines LOCK_WRITE, a name <objidl.h> declares */
#include "ms.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The boot id (36 characters), or "" when the kernel does not say. */
static void boot_id(char *out, size_t cb)
{
    out[0] = '\0';
    FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
    if (!f)
        return;
    if (fgets(out, (int)cb, f) == NULL)
        out[0] = '\0';
    fclose(f);
    out[strcspn(out, "\n")] = '\0';
}

/* The start time of process pid (clock ticks after boot), or 0 when it does not run. */
static unsigned long long start_time(long pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    /* the command name (field 2) is in parentheses and may hold spaces: count after the last ')' */
    char *p = strrchr(buf, ')');
    if (!p)
        return 0;
    p++;
    for (int field = 3; field < 22 && p; field++)
        p = strchr(p + 1, ' ');
    return p ? strtoull(p + 1, NULL, 10) : 0;
}

void ms_lock_owner(const ms_db *d, char *out, size_t cb)
{
    char boot[64];
    boot_id(boot, sizeof boot);
    long pid = (long)getpid();
    char conn[33];
    for (int i = 0; i < 16; i++)
        snprintf(conn + 2 * i, 3, "%02x", d->conn[i]);
    snprintf(out, cb, "%s/%ld/%llu/%s", boot, pid, start_time(pid), conn);
}

int ms_lock_owner_alive(const char *owner)
{
    if (owner == NULL)
        return 0;
    char boot[64], theirs[64];
    long pid = 0;
    unsigned long long started = 0;
    const char *slash = strchr(owner, '/');
    if (!slash || (size_t)(slash - owner) >= sizeof theirs ||
        sscanf(slash, "/%ld/%llu/", &pid, &started) != 2 || pid <= 0)
        return 0;
    memcpy(theirs, owner, (size_t)(slash - owner));
    theirs[slash - owner] = '\0';
    boot_id(boot, sizeof boot);
    if (strcmp(boot, theirs) != 0)
        return 0; /* rebooted since: every process of then is gone */
    return started != 0 && start_time(pid) == started;
}

int ms_lock_reclaim(ms_db *d, sqlite3_int64 msg)
{
    sqlite3_stmt *st = ms_db_stmt(d, msg ? "SELECT msg, owner FROM outgoing WHERE locked AND msg = ?"
                                         : "SELECT msg, owner FROM outgoing WHERE locked");
    if (!st)
        return sqlite3_errcode(d->db);
    if (msg)
        sqlite3_bind_int64(st, 1, msg);
    sqlite3_int64 dead[64];
    char *owners[64];
    int n = 0, rc;
    while (n < 64 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *o = (const char *)sqlite3_column_text(st, 1);
        if (ms_lock_owner_alive(o))
            continue;
        dead[n] = sqlite3_column_int64(st, 0);
        owners[n++] = o ? strdup(o) : NULL;
    }
    sqlite3_reset(st);
    rc = SQLITE_OK;
    for (int i = 0; i < n; i++) {
        /* only if it is still that holder's: another spooler may have taken it meanwhile */
        st = ms_db_stmt(d, "UPDATE outgoing SET locked = 0, owner = NULL WHERE msg = ? AND "
                           "locked AND owner IS ?");
        if (st && rc == SQLITE_OK) {
            sqlite3_bind_int64(st, 1, dead[i]);
            sqlite3_bind_text(st, 2, owners[i], -1, SQLITE_STATIC);
            rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(d->db);
            sqlite3_reset(st);
        }
        free(owners[i]);
    }
    return rc;
}
