/* store.h: what the store commands (ls, show, cat, import) share: a session, a store of it,
 * and PATHs that name folders and messages in it (path.c); restrictions from text
 * (restrict.c); a progress bar (progress.c). Each function that can fail prints its error
 * (out.c's conventions) and returns EXIT_FAIL or EXIT_USAGE, else EXIT_OK. */
#ifndef MAPIRT_STORE_H
#define MAPIRT_STORE_H

#include <stdint.h>

#include "cli.h"

/* The --store option every store command takes (an opt initializer). */
#define STORE_OPT \
    { \
        "store", "NAME", \
            "the message store to use, by display name or entry ID in hex (default: the " \
            "profile's default store)", \
            0 \
    }

typedef struct store {
    LPMAPISESSION session;
    LPMDB mdb;
    char name[256]; /* the store's display name */
} store;

/* Logs on to the command's profile (--profile, MAPIRT_PROFILE, else the default profile) with
 * MAPI_NO_MAIL and opens --store (else the default store), for writing when write is set. */
int store_open(const ctx *c, int write, store *st);
void store_close(store *st);

/* What a PATH names. */
typedef struct target {
    LPMAPIFOLDER folder; /* the folder (a message's own folder when it was named by path) */
    LPMESSAGE msg; /* NULL for a folder */
    char label[512]; /* the path as the user gave it, for errors */
} target;

/* PATH: a folder path under the IPM subtree ("Inbox/Sub", display names without case, "\/"
 * for a '/' in a name, "\\" for a backslash), FOLDER/#N (row N, from 1, of the folder's
 * contents table in its own order, as `ls` numbers it), or an entry ID in hex (a folder or a
 * message), also as the first segment of a path that goes on from that folder
 * ("<hex>/Sub/#2"). NULL or "" or "/" is the IPM subtree itself. flags: MAPI_MODIFY or 0. A path
 * that names no folder or row is MAPI_E_NOT_FOUND. */
int path_open(const ctx *c, store *st, const char *path, ULONG flags, target *out);
/* The folder PATH names (a message path is an error). */
int path_open_folder(const ctx *c, store *st, const char *path, ULONG flags, target *out);
void target_close(target *t);
/* Opens the command's store (read-only) and what PATH names, calls fn on it and closes both:
 * fn's exit code, or the failure to open. */
int path_run(const ctx *c, const char *path, int (*fn)(const ctx *c, target *tg, void *arg),
    void *arg);
/* The folder PATH names, creating the folders of the path that do not exist yet
 * (CreateFolder with OPEN_IF_EXISTS, FOLDER_GENERIC); a hex entry ID must exist. */
int path_make_folder(const ctx *c, store *st, const char *path, target *out);

/* Every row of the folder's contents table in its own order: the entry IDs `#N` counts
 * (assoc: the associated contents). */
int folder_entryids(LPMAPIFOLDER f, int assoc, const char *label, LPSRowSet *rows);

/* A tag from a property name for use on the command line; a string property names its 8-bit
 * (UTF-8) variant. 0 and a usage error when unknown. */
int cli_tag(const ctx *c, const char *what, const char *name, ULONG *tag);

/* ---- restrict.c ---- */

/* Parses the restriction grammar (restrict.c's opening comment) into a restriction allocated
 * with MAPIAllocateBuffer (*out; free with MAPIFreeBuffer). A mistake is a usage error naming
 * its column. */
int restriction_parse(const ctx *c, const char *text, LPSRestriction *out);

/* ---- progress.c: a progress bar on stderr when it is a terminal, else silent
 * (MAPIRT_PROGRESS=0 or 1 overrides) ---- */
typedef struct progress progress;
/* what: a few words ("importing"); total: the number of steps, 0 when unknown. Never NULL. */
progress *progress_start(const char *what, uint64_t total);
/* done steps so far; redraws at most ten times a second. */
void progress_update(progress *p, uint64_t done);
/* Clears the bar's line so that a message can be written to stderr; the next update draws
 * the bar again under it. */
void progress_clear(progress *p);
/* Draws the final state, ends the line and frees p (NULL is fine). */
void progress_end(progress *p);

#endif
