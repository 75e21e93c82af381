/* ms.h: what the files of the message store provider share (never installed).
 *
 * The provider is built as a third party builds one: the public MAPI headers, <mapirt/...>
 * for the object layer and the property bag, -lmapirt, -lsqlite3. One SQLite database is one
 * store (db.c: schema, migrations, WAL); every object with properties (the store itself,
 * folders, messages, attachments) is a row of `objects` with its properties in `props`, and
 * the properties that contents tables sort and filter on are mirrored into indexed columns of
 * `messages` (schema.sql in db.c, README.md).
 *
 * Locks: each store has one connection and one mutex (ms_db.lock), held only around SQL; no
 * call into another object (a sink, the support object, a table) is made while it is held. */
#ifndef MS_H
#define MS_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapiguid.h>
#include <mapispi.h>
#include <mapitags.h>
#include <mapiutil.h>
#include <mapix.h>
#include <mapirt/lasterror.h>
#include <mapirt/propstore.h>

#define MS_EXPORT __attribute__((visibility("default")))

/* The profile section properties of a store (provider-private range 0x6600-0x67FF). */
#define PR_MS_STORE_PATH_W PROP_TAG(PT_UNICODE, 0x6700)
#define PR_MS_STORE_PATH_A PROP_TAG(PT_STRING8, 0x6700)

/* The provider's display name and the status row's text. */
#define MS_PROVIDER_DISPLAY "mapirt SQLite message store"

/* The store of a provider whose profile section names none (provider.c): one file per provider
 * instance under the XDG data directory, msgstore/<provider UID>.db (docs/decisions.md). Logon
 * and ServiceEntry both choose it here, in a buffer of MS_PATH_CB bytes. 0, or -1 as
 * mapirt_user_data_path. */
#define MS_PATH_CB 4096
int ms_default_store_path(const BYTE uid[16], char *out, size_t cb);

/* Properties at least this large (bytes) are kept out of the property row: stored in chunks of
 * `streams`, reachable with OpenProperty, and GetProps answers MAPI_E_NOT_ENOUGH_MEMORY for
 * them (docs/decisions.md). */
#define MS_BIG_PROP 16384
#define MS_CHUNK 65536

struct ms_store;

/* ---- the database (db.c) ------------------------------------------------------------------- */

/* Well-known objects of every store, created at its first logon (their ids are fixed). */
enum {
    MS_OBJ_STORE = 1,
    MS_OBJ_ROOT = 2,
    MS_OBJ_IPM_SUBTREE = 3,
    MS_OBJ_INBOX = 4,
    MS_OBJ_OUTBOX = 5,
    MS_OBJ_SENT = 6,
    MS_OBJ_DELETED = 7,
    MS_OBJ_FIRST_FREE = 16
};

/* A staged value: the chunks of a stream's content in the connection's TEMP table `stage`,
 * which lives in a temporary file (never whole in memory) and vanishes with the process, so a
 * kill in the middle of a stream write leaves nothing behind in the store. Stages are shared
 * read-only by reference count (a committed stream, the snapshot of a saved attachment). */
typedef struct ms_stage_ref {
    sqlite3_int64 h;
    int refs;
} ms_stage_ref;

typedef struct ms_db {
    sqlite3 *db;
    pthread_mutex_t lock;
    char *path;
    MAPIUID uid; /* the store's identity: registered with SetProviderUID, in every entry ID */
    ms_stage_ref *stages; /* under lock */
    size_t nstages, capstages;
    sqlite3_int64 next_stage;
    BYTE conn[16]; /* random: this connection, as lock owner and origin of changes */
    ULONG delivery_key_id; /* named property ID of the delivery key, once known (delivery.c) */
} ms_db;

/* Opens (creating and migrating as needed) the store at path. err gets a sentence naming the
 * file on failure: MAPI_E_NOT_FOUND when it does not exist and create is 0,
 * MAPI_E_CORRUPT_STORE for a file that is not a store or a newer schema, MAPI_E_NO_ACCESS,
 * MAPI_E_DISK_ERROR, MAPI_E_CALL_FAILED. */
HRESULT ms_db_open(const char *path, int create, ms_db **out, char *err, size_t cberr);
void ms_db_close(ms_db *d);
/* The MAPI code for a SQLite result (SQLITE_FULL: MAPI_E_NOT_ENOUGH_DISK, ...). */
HRESULT ms_db_hr(int rc);
/* BEGIN IMMEDIATE / COMMIT / ROLLBACK under the caller's hold of d->lock. */
int ms_db_begin(ms_db *d);
int ms_db_commit(ms_db *d);
void ms_db_rollback(ms_db *d);
/* The VFS every store connection uses (vfs.c): SQLite's default one, with writes refused for
 * want of room (ENOSPC, EFBIG, EDQUOT) reported as SQLITE_FULL. NULL: the default VFS. */
#define MS_VFS_NAME "mapirt-ms"
const char *ms_vfs(void);
/* Registers collation MAPIRT and function mapirt_contains on a connection (collate.c): the
 * runtime's string order and RES_CONTENT test in SQL. */
int ms_collate_register(sqlite3 *db);
/* Ends the transaction: commits when rc is SQLITE_OK (returning how that went), else rolls
 * back and returns rc. */
int ms_db_end(ms_db *d, int rc);
/* Runs a statement that returns no rows with n integer parameters (?1..?n); an SQLite code. */
int ms_db_exec_ids(ms_db *d, const char *sql, int n, const sqlite3_int64 *ids);
/* A prepared statement (cached per connection). */
sqlite3_stmt *ms_db_stmt(ms_db *d, const char *sql);
/* A new object row; its id in *id. */
int ms_db_new_object(ms_db *d, int kind, sqlite3_int64 parent, sqlite3_int64 *id);

/* ---- property values in SQL (codec.c) ------------------------------------------------------ */

/* Binds the value of p to parameter i (strings as UTF-8 TEXT, integers, reals, blobs). */
int ms_bind_value(sqlite3_stmt *st, int i, const SPropValue *p);
/* Reads column col of a row stored for tag into *out, allocated with more on parent. */
HRESULT ms_column_value(sqlite3_stmt *st, int col, ULONG tag, ALLOCATEMORE *more, void *parent,
                        SPropValue *out);
/* The encoded size of a value (what decides whether it is big). */
size_t ms_value_size(const SPropValue *p);
/* Loads every property of object id (big ones excepted, listed in *big) into bag as
 * IPROP_CLEAN / IPROP_READWRITE, under d->lock. */
HRESULT ms_props_load(ms_db *d, sqlite3_int64 id, mapirt_propbag *bag, LPSPropTagArray *big,
                      ALLOCATEBUFFER *alloc, ALLOCATEMORE *more, FREEBUFFER *freebuf);
/* ms_props_load and ms_bigs_load in one scan of the object's rows (opening a message). */
struct ms_bigs;
HRESULT ms_props_load_item(ms_db *d, sqlite3_int64 id, mapirt_propbag *bag, struct ms_bigs *bigs,
                           ALLOCATEBUFFER *alloc, ALLOCATEMORE *more, FREEBUFFER *freebuf);
/* Writes the dirty properties of bag (set or deleted since the last call) to object id and
 * marks them clean; inside the caller's transaction. The value of a big property is written
 * in chunks to `streams`. */
HRESULT ms_props_save(ms_db *d, sqlite3_int64 id, mapirt_propbag *bag, FREEBUFFER *freebuf);
/* Copies every property row (and stream chunk) of object from to object to. */
int ms_props_copy(ms_db *d, sqlite3_int64 from, sqlite3_int64 to);

/* ---- entry IDs (entryid.c) ----------------------------------------------------------------- *
 * A long-term entry ID of this provider:
 *   abFlags[4] (0)  MAPIUID of the store [16]  version (1)  object type (MAPI_STORE,
 *   MAPI_FOLDER, MAPI_MESSAGE)  2 zero bytes  then: the object id (int64, little-endian) for
 *   folders and messages, the store's path (UTF-8, NUL-terminated) for the store.
 * The MAPIUID leads the provider data, where the session routes by it (SPEC.md 7.1). */
#define MS_EID_HEADER 24
#define MS_EID_OBJECT (MS_EID_HEADER + 8)

typedef struct ms_eid {
    MAPIUID uid;
    ULONG type;
    sqlite3_int64 id;    /* folders and messages */
    const char *path;    /* the store: into the entry ID */
} ms_eid;

/* Parses an entry ID: MAPI_E_INVALID_ENTRYID when it is not one of this provider's (too short,
 * unknown version or type, a path without its NUL), with abFlags ignored (short-term IDs
 * equal long-term ones here). */
HRESULT ms_eid_parse(ULONG cb, const ENTRYID *eid, ms_eid *out);
/* An object's entry ID into out (MS_EID_OBJECT bytes). */
void ms_eid_object(const MAPIUID *uid, ULONG type, sqlite3_int64 id, BYTE *out);
/* A store's entry ID allocated with alloc (or more on parent when parent is not NULL). */
HRESULT ms_eid_store(const MAPIUID *uid, const char *path, ALLOCATEBUFFER *alloc,
                     ALLOCATEMORE *more, void *parent, ULONG *cb, LPENTRYID *out);
/* The notification key of an object (the store's uid and the id): 24 bytes. */
void ms_notif_key(const MAPIUID *uid, sqlite3_int64 id, BYTE out[24]);

/* ---- recipient rows and other property sets in one BLOB (codec.c) ---- */
HRESULT ms_row_encode(ULONG c, const SPropValue *props, BYTE **out, size_t *cb);
/* The props array is one alloc block, its values chained with more. */
HRESULT ms_row_decode(const void *data, size_t cb, ALLOCATEBUFFER *alloc, ALLOCATEMORE *more,
                      ULONG *c, LPSPropValue *props);

/* ---- big properties in chunks (stage.c) ------------------------------------------------ *
 * A big value's bytes are the value in its own type: PT_BINARY as is, PT_STRING8 as UTF-8,
 * PT_UNICODE as UTF-16LE, no terminating NUL. Every function here runs under d->lock. */
/* Replaces the chunks of (obj, tag) by size bytes of data (inside the caller's transaction). */
int ms_stream_store(ms_db *d, sqlite3_int64 obj, ULONG tag, const BYTE *data, size_t size);
/* A new, empty stage with one reference (0 without memory). */
sqlite3_int64 ms_stage_new(ms_db *d);
void ms_stage_ref_(ms_db *d, sqlite3_int64 h);
void ms_stage_unref(ms_db *d, sqlite3_int64 h);
/* Whether h has more than one reference (a writer must copy it first). */
int ms_stage_shared(ms_db *d, sqlite3_int64 h);
/* Copies chunks into stage dst (empty): from another stage, or from the committed value of
 * (obj, propid). */
int ms_stage_copy_stage(ms_db *d, sqlite3_int64 dst, sqlite3_int64 src);
int ms_stage_copy_db(ms_db *d, sqlite3_int64 dst, sqlite3_int64 obj, ULONG propid);
/* Copies stage h into the committed chunks of (obj, propid), replacing them (in a
 * transaction). */
int ms_stage_to_db(ms_db *d, sqlite3_int64 h, sqlite3_int64 obj, ULONG propid);
/* Appends size bytes at chunk seq onwards (the stage holds whole chunks before). */
int ms_stage_put(ms_db *d, sqlite3_int64 h, sqlite3_int64 seq, const BYTE *data, size_t size);
/* The bytes of chunk seq of a stage (src_stage != 0) or of (obj, propid); *n 0 if none. */
int ms_chunk_read(ms_db *d, sqlite3_int64 stage, sqlite3_int64 obj, ULONG propid,
                  sqlite3_int64 seq, BYTE *out, size_t *n);
int ms_chunk_write(ms_db *d, sqlite3_int64 stage, sqlite3_int64 seq, const BYTE *data,
                   size_t n);
/* Drops the chunks of a stage from seq on. */
int ms_stage_truncate(ms_db *d, sqlite3_int64 h, sqlite3_int64 seq);

/* ---- properties kept out of the bag (bigprops.c) ---------------------------------------- *
 * An open message or attachment holds its big properties (MS_BIG_PROP bytes or more) as a
 * list: each value is either committed (the chunks of `src` in the store) or staged (a stage
 * of its own or shared), or deleted; dirty ones are written by ms_bigs_save. */
typedef struct ms_big {
    ULONG tag;            /* the stored type */
    sqlite3_int64 size;   /* bytes; -1: deleted */
    sqlite3_int64 stage;  /* 0: committed in src */
    sqlite3_int64 src;
    int dirty;
} ms_big;

typedef struct ms_bigs {
    ms_big *v;
    size_t n;
} ms_bigs;

/* The big properties of object obj (under d->lock). */
HRESULT ms_bigs_load(ms_db *d, sqlite3_int64 obj, ms_bigs *b);
/* Releases the stages the list references (takes d->lock). */
void ms_bigs_clear(ms_db *d, ms_bigs *b);
/* A copy sharing the stages (under d->lock). */
HRESULT ms_bigs_dup(ms_db *d, const ms_bigs *from, ms_bigs *to);
/* The live entry for a property ID (NULL if none or deleted). */
ms_big *ms_bigs_find(ms_bigs *b, ULONG propid);
/* Sets (stage != 0: takes a reference) or deletes (size < 0) the value of tag. */
HRESULT ms_bigs_set(ms_db *d, ms_bigs *b, ULONG tag, sqlite3_int64 stage, sqlite3_int64 size);
/* Writes the dirty entries to object obj, inside the caller's transaction. full: every entry
 * (an object rewritten whole), not only the dirty ones. */
int ms_bigs_save(ms_db *d, sqlite3_int64 obj, ms_bigs *b, int full);
/* After a committed save to obj: entries become committed and clean, deleted ones go. */
void ms_bigs_saved(ms_db *d, sqlite3_int64 obj, ms_bigs *b);

/* IMAPIProp over a bag and its big properties: GetProps answers MAPI_E_NOT_ENOUGH_MEMORY for a
 * big one (OpenProperty reads it), GetPropList lists them, SetProps and DeleteProps replace or
 * drop them. */
HRESULT ms_item_GetProps(struct ms_store *s, mapirt_propbag *bag, ms_bigs *b,
                         LPSPropTagArray tags, ULONG flags, ULONG *count, LPSPropValue *out);
HRESULT ms_item_GetPropList(struct ms_store *s, mapirt_propbag *bag, ms_bigs *b, ULONG flags,
                            LPSPropTagArray *out);
HRESULT ms_item_SetProps(struct ms_store *s, mapirt_propbag *bag, ms_bigs *b, ULONG c,
                         LPSPropValue v, LPSPropProblemArray *problems);
HRESULT ms_item_DeleteProps(struct ms_store *s, mapirt_propbag *bag, ms_bigs *b,
                            LPSPropTagArray tags, LPSPropProblemArray *problems);

/* ---- streams (stream.c) ----------------------------------------------------------------- *
 * OpenProperty's IStream on a PT_BINARY, PT_STRING8 or PT_UNICODE property of a message or
 * attachment. A writable stream works on a stage of its own; Commit (or the last Release of a
 * stream with uncommitted writes) gives the value to its object, whose SaveChanges stores it. */
typedef struct ms_item_ref {
    LPUNKNOWN owner;      /* referenced while the stream lives */
    struct ms_store *store;
    mapirt_propbag *bag;
    ms_bigs *bigs;
    int *dirty;           /* set when a commit changed the object (may be NULL) */
} ms_item_ref;

HRESULT ms_stream_open(const ms_item_ref *item, ULONG tag, ULONG flags, int writable,
                       LPSTREAM *out);
/* What OpenProperty's caller is told when ms_stream_open fails with hr. */
const char *ms_stream_open_error(HRESULT hr);

/* ---- named properties (named.c): one mapping per store, in `named_props` ---------------- */
/* Every object's GetIDsFromNames and GetNamesFromIDs (delegated to in msgstore.idl). */
HRESULT ms_named_GetIDsFromNames(struct ms_store *s, ULONG c, LPMAPINAMEID *names, ULONG flags,
                                 LPSPropTagArray *out);
HRESULT ms_named_GetNamesFromIDs(struct ms_store *s, LPSPropTagArray *tags, LPGUID guid,
                                 ULONG flags, ULONG *count, LPMAPINAMEID **out);

/* ---- the objects ------------------------------------------------------------------------ */

/* The provider's own MAPIUID (PR_MDB_PROVIDER): what kind of store this is. Each store's
 * entry IDs carry the store's MAPIUID instead (ms_db.uid), so the session routes by store. */
extern const MAPIUID ms_provider_uid;

struct ms_provider {
    HINSTANCE instance;
    LPMALLOC malloc;
    ALLOCATEBUFFER *alloc;
    ALLOCATEMORE *more;
    FREEBUFFER *freebuf;
    pthread_mutex_t lock; /* the list of logged-on stores */
    struct ms_store **stores;
    size_t nstores;
    int lock_ok;
};
#include "ms_provider_decl.h"

/* A table of the store kept up to date while it has views (folder contents, hierarchy). */
typedef struct ms_live_table {
    struct ms_live_table *next;
    struct ms_store *store;
    sqlite3_int64 folder;
    int kind; /* MS_TABLE_* */
    ULONG flags;
    LPTABLEDATA data;
    ULONG views;
} ms_live_table;

enum { MS_TABLE_CONTENTS = 1, MS_TABLE_ASSOC = 2, MS_TABLE_HIERARCHY = 3 };

struct ms_store {
    mapirt_propbag *bag;
    ms_db *db;
    struct ms_provider *prov;
    LPMAPISUP sup;
    ALLOCATEBUFFER *alloc;
    ALLOCATEMORE *more;
    FREEBUFFER *freebuf;
    ULONG cbeid;          /* the store's entry ID, as PR_STORE_ENTRYID gives it */
    LPENTRYID eid;
    ULONG logoff_flags;   /* StoreLogoff's, for StoreLogoffTransports */
    int logoff_asked, logged_off;
    pthread_mutex_t tlock; /* live tables; after ms_db.lock when both are held */
    ms_live_table *tables;
    struct ms_sqltable *sqltables; /* contents tables run in SQL (sqltable.c) */
    struct ms_xproc *xproc; /* notifications to and from other processes (xproc.c) */
};
#include "ms_store_decl.h"

/* Whether the store was logged off (every method then fails with MAPI_E_LOGON_FAILED... ). */
HRESULT ms_store_check(struct ms_store *s);
/* Sends cNotif notifications to the subscribers of each key (object ids; 0 ends the list). */
void ms_store_notify(struct ms_store *s, const sqlite3_int64 *ids, ULONG cNotif,
                     LPNOTIFICATION notif);
/* Object notification (fnevObjectCreated/Modified/Deleted/Moved/Copied) about object id of type
 * type in folder parent, sent to the object, its folder, and the store. */
void ms_store_notify_object(struct ms_store *s, ULONG event, ULONG type, sqlite3_int64 id,
                            sqlite3_int64 parent, sqlite3_int64 oldparent);
/* Opens an object of the store by id (folder or message), checking it exists. */
HRESULT ms_store_open(struct ms_store *s, ULONG type, sqlite3_int64 id, LPCIID iid, ULONG flags,
                      ULONG *objtype, LPUNKNOWN *out);
/* Entry ID of object id (type) as an SBinary allocated on parent (or alone when NULL). */
HRESULT ms_store_eid(struct ms_store *s, ULONG type, sqlite3_int64 id, void *parent,
                     SBinary *out);
/* Tells the live tables of folder that a row changed (row NULL: deleted) (tables.c). */
void ms_tables_changed(struct ms_store *s, sqlite3_int64 folder, int kind, sqlite3_int64 id,
                       int deleted);
/* Builds the row of a message or folder for a live table. */
HRESULT ms_tables_row(struct ms_store *s, int kind, sqlite3_int64 id, LPSRow row);
/* Restrictions as SQL (sqlwhere.c): the properties with a column of `messages`, and a WHERE
 * clause built with its parameters (?3 on: ?1 and ?2 are the folder and assoc). */
struct ms_mirror {
    ULONG id;
    const char *col;
    int text;
};
extern const struct ms_mirror MS_MIRRORS[];
#define MS_NMIRRORS 7
const struct ms_mirror *ms_mirror_of(ULONG tag);
typedef struct ms_sqlparam {
    int kind; /* 1 integer, 2 text */
    sqlite3_int64 i;
    char *s;
} ms_sqlparam;
typedef struct ms_sqlbuf {
    char *p;
    size_t n, cap;
    ms_sqlparam *params;
    size_t nparams;
    int bad; /* not expressible, or no memory */
} ms_sqlbuf;
void ms_sql_emit(ms_sqlbuf *b, const char *s);
void ms_sql_where(ms_sqlbuf *b, const SRestriction *r, int depth);
void ms_sql_free_params(ms_sqlparam *p, size_t n);
/* A copy of a restriction ms_sql_where translated, allocated on parent (MAPIAllocateMore). */
HRESULT ms_sql_copy_res(const SRestriction *src, SRestriction *dst, void *parent);

/* A contents table run in SQLite (sqltable.c), and telling those of a folder it changed. */
HRESULT ms_sqltable_open(struct ms_store *s, sqlite3_int64 folder, int assoc, ULONG flags,
                         LPMAPITABLE *out);
void ms_sqltables_changed(struct ms_store *s, sqlite3_int64 folder, int assoc);
/* A table of the store: contents (assoc or not) or hierarchy of folder, in memory. */
HRESULT ms_tables_open(struct ms_store *s, sqlite3_int64 folder, int kind, ULONG flags,
                       LPMAPITABLE *out);

struct ms_folder {
    mapirt_propbag *bag;
    struct ms_store *store;
    sqlite3_int64 id;
    int writable;
};
#include "ms_folder_decl.h"
HRESULT ms_folder_open(struct ms_store *s, sqlite3_int64 id, int writable, struct ms_folder **out);
/* Deletes folder id just created, with everything in it, in a transaction of its own
 * (folderops.c): CreateFolder's way back when the new folder cannot be opened. */
int ms_folder_undo_create(struct ms_store *s, sqlite3_int64 id);
/* A folder name or comment as UTF-8 (owned, if set, is freed with MAPIFreeBuffer). */
const char *ms_folder_name_utf8(LPTSTR s, ULONG flags, char **owned);

/* ---- sending (submit.c) ---- */
/* Queues message msg (inside the caller's transaction). */
int ms_outgoing_enqueue(ms_db *d, sqlite3_int64 msg);
/* IMessage::SubmitMessage of m; *submitting is set while m's SaveChanges runs, so that it
 * queues the message in the same transaction (message.c). */
/* A read receipt for m (IMAPISupport::ReadReceipt, flags 0 or MAPI_NON_READ), written in the
 * Outbox and submitted; why as below. */
HRESULT ms_read_receipt(struct ms_store *s, LPMESSAGE m, ULONG flags, char *why, size_t cbwhy);
/* why: the text a failure's GetLastError gives (empty: none of its own). */
HRESULT ms_submit_message(struct ms_store *s, LPMESSAGE m, int *submitting, ULONG flags,
                          char *why, size_t cbwhy);
HRESULT ms_store_outgoing_queue(struct ms_store *s, ULONG flags, LPMAPITABLE *out);
HRESULT ms_store_set_lock_state(struct ms_store *s, LPMESSAGE m, ULONG state);
HRESULT ms_store_finished_msg(struct ms_store *s, ULONG flags, ULONG cb, LPENTRYID eid);
HRESULT ms_store_abort_submit(struct ms_store *s, ULONG cb, LPENTRYID eid, ULONG flags);
HRESULT ms_store_notify_new_mail(struct ms_store *s, LPNOTIFICATION n);

/* ---- robustness across processes (lockowner.c, delivery.c, xproc.c) ---- */
/* This connection as a lock owner: "bootid/pid/starttime/connection" (d->conn). */
void ms_lock_owner(const ms_db *d, char *out, size_t cb);
/* Whether the holder a lock owner string names still runs (NULL: no owner, so not alive). */
int ms_lock_owner_alive(const char *owner);
/* Takes back the queue locks of holders that are gone (msg 0: every row); under d->lock. */
int ms_lock_reclaim(ms_db *d, sqlite3_int64 msg);
/* Records the delivery key of new message msg (inside its SaveChanges' transaction):
 * SQLITE_CONSTRAINT when a message with that key was delivered before. */
int ms_delivery_record(ms_db *d, sqlite3_int64 msg, mapirt_propbag *bag, FREEBUFFER *f);
/* Starts and stops (writing what is queued, then joining) the change log watcher of a
 * logged-on store; free stops it too and releases it (at the store's destruction). */
HRESULT ms_xproc_start(struct ms_store *s);
void ms_xproc_stop(struct ms_store *s);
void ms_xproc_free(struct ms_store *s);
/* Tees of the in-process notifications into the change log (nothing while replaying). */
void ms_xproc_object(struct ms_store *s, ULONG event, ULONG type, sqlite3_int64 id,
                     sqlite3_int64 parent, sqlite3_int64 oldparent);
void ms_xproc_table(struct ms_store *s, sqlite3_int64 folder, int kind, sqlite3_int64 id,
                    int deleted);
void ms_xproc_sqltable(struct ms_store *s, sqlite3_int64 folder, int assoc);
void ms_xproc_newmail(struct ms_store *s, sqlite3_int64 msg, sqlite3_int64 folder, ULONG flags,
                      ULONG msgflags, const char *cls);
/* Nesting count of calls whose notifications are not logged (this thread). */
void ms_xproc_quiet(int delta);

/* ---- moving and copying inside the store (folderops.c; under d->lock, in a transaction) -- */
/* Copies object from (and its subtree: folders only when folders) under parent. */
int ms_copy_tree(ms_db *d, sqlite3_int64 from, sqlite3_int64 parent, int folders,
                 sqlite3_int64 *newid, int depth);
int ms_move_object(ms_db *d, sqlite3_int64 id, sqlite3_int64 parent);
/* Whether id is ancestor or below it. */
int ms_is_within(ms_db *d, sqlite3_int64 id, sqlite3_int64 ancestor, int *within);
/* PR_MESSAGE_FLAGS and PR_MSG_STATUS of a saved message, in its row and its property. */
int ms_set_flags(ms_db *d, sqlite3_int64 msg, LONG set, LONG clear);
int ms_set_status(ms_db *d, sqlite3_int64 msg, ULONG status, ULONG mask, ULONG *old);

/* ---- messages and attachments (message.c, attach.c, snap.c) ---------------------------- *
 * A message is a document: what changes in an open message stays in it until its
 * SaveChanges. Its attachments are saved into the message (IAttach::SaveChanges gives the
 * message a snapshot of the attachment), an embedded message into its attachment, so that only
 * the SaveChanges of the message in the folder writes the store, all in one transaction. */

/* A saved state not yet in the store: of an attachment (props, bigs, embedded message) or of
 * an embedded message (props, bigs, recipients, attachments). Shared by reference count and
 * never changed once made. */
typedef struct ms_snap ms_snap;

/* An attachment as its message holds it: unchanged (in the store), replaced by a snapshot, or
 * deleted. Attachments are told apart by PR_ATTACH_NUM (objects.num in the store). */
typedef struct ms_attrec {
    ULONG num;
    int deleted;
    ms_snap *snap;
} ms_attrec;

typedef struct ms_atts {
    int loaded;
    ms_attrec *v;
    size_t n;
    ULONG next_num;
} ms_atts;

struct ms_snap {
    int refs; /* atomic */
    sqlite3_int64 base; /* the object it was read from (0: new) */
    ULONG nprops;
    LPSPropValue props;
    ms_bigs bigs;
    /* an attachment's: its embedded message, when changed */
    int emb_changed;
    ms_snap *emb;
    /* an embedded message's */
    ULONG nrecips;
    LPSPropValue *recips;
    ULONG *recip_counts;
    ms_atts atts;
};

struct ms_attach;

struct ms_message {
    mapirt_propbag *bag;
    struct ms_store *store;
    sqlite3_int64 id;     /* its object; 0 until saved, or a new embedded message */
    sqlite3_int64 folder; /* 0 for an embedded message */
    struct ms_attach *parent; /* an embedded message's attachment (referenced) */
    int assoc;
    int writable;
    int closed;           /* saved without KEEP_OPEN_*: no more changes */
    /* Recipients: loaded on first use, written back whole when changed. */
    int recips_loaded, recips_dirty;
    ULONG nrecips;
    LPSPropValue *recips; /* each a provider allocation (ms_row_decode) */
    ULONG *recip_counts;
    ULONG next_rowid;
    ms_bigs bigs;
    ms_atts atts;
    int atts_dirty;
    int submitting; /* SubmitMessage's SaveChanges: queue it too (submit.c) */
};
#include "ms_message_decl.h"

struct ms_attach {
    mapirt_propbag *bag;
    struct ms_store *store;
    struct ms_message *msg; /* referenced */
    ULONG num;
    sqlite3_int64 dbid;     /* its row when it was read from the store */
    ms_bigs bigs;
    int writable;
    int emb_changed;
    ms_snap *emb;
};
#include "ms_attach_decl.h"

void ms_snap_unref(ms_db *d, ms_snap *s);
ms_snap *ms_snap_ref(ms_snap *s);
/* Snapshots of an open object's current state (not its computed properties). */
HRESULT ms_snap_of_message(struct ms_message *m, ms_snap **out);
HRESULT ms_snap_of_attach(struct ms_attach *a, ms_snap **out);
/* Fills an open object from a snapshot. */
HRESULT ms_snap_load_message(ms_snap *sn, struct ms_message *m);
HRESULT ms_snap_load_attach(ms_snap *sn, struct ms_attach *a);
/* Writes attachment rec of message object msgobj (inside the caller's transaction). */
int ms_snap_write_attach(ms_db *d, sqlite3_int64 msgobj, const ms_attrec *rec);
int ms_write_recips(ms_db *d, sqlite3_int64 id, ULONG n, LPSPropValue *recips, ULONG *counts);
void ms_atts_clear(ms_db *d, ms_atts *a);
HRESULT ms_atts_copy(const ms_atts *from, ms_atts *to);
/* The attachments of message object id (under d->lock). */
HRESULT ms_atts_load(ms_db *d, sqlite3_int64 id, ms_atts *a);

HRESULT ms_message_create(struct ms_store *s, sqlite3_int64 folder, int assoc, LPMESSAGE *out);
HRESULT ms_message_open(struct ms_store *s, sqlite3_int64 id, int writable, LPCIID iid,
                        LPUNKNOWN *out);
/* An attachment's embedded message: new (create), or as the attachment holds it. */
HRESULT ms_message_open_embedded(struct ms_attach *a, int create, int writable,
                                 LPMESSAGE *out);
HRESULT ms_attach_open(struct ms_message *m, ULONG num, int create, int writable,
                       LPATTACH *out);
/* Reads the recipients of a message (once). */
HRESULT ms_message_load_recips(struct ms_message *m);
HRESULT ms_message_load_atts(struct ms_message *m);
/* The attachment table of a message: a snapshot of its attachments as the message holds them. */
HRESULT ms_attach_table(struct ms_message *m, ULONG flags, LPMAPITABLE *out);

#endif
