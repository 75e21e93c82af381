/* ab.h: what the files of the personal address book provider share (never installed).
 *
 * Built as a third party builds a provider: the public MAPI headers, <mapirt/...> for the
 * object layer and the property bag, -lmapirt, -lsqlite3. One SQLite database (WAL) is one
 * address book: `entries` holds every mail user and distribution list with the columns tables
 * and ResolveNames read, `props` every property of an entry, `members` the members of each
 * list (schema in db.c, README.md).
 *
 * Locks: each logon has one connection and one mutex (ab_db.lock), held only around SQL; the
 * logon's `tlock` guards its list of live tables. Order: ab_db.lock, then tlock. No call into
 * another object (a sink, the support object, a table) is made while ab_db.lock is held. */
#ifndef AB_H
#define AB_H

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

#define AB_EXPORT __attribute__((visibility("default")))

/* Profile properties of the service (provider-private range 0x6600-0x67FF), written by
 * ServiceEntry into the service's profile section. */
#define PR_AB_PATH_A PROP_TAG(PT_STRING8, 0x6710)   /* the database file */
#define PR_AB_PATH_W PROP_TAG(PT_UNICODE, 0x6710)
#define PR_AB_IMPORT_VCARD_A PROP_TAG(PT_STRING8, 0x6711) /* ConfigureMsgService only */
#define PR_AB_IMPORT_VCARD_W PROP_TAG(PT_UNICODE, 0x6711)
#define PR_AB_IMPORTED PROP_TAG(PT_LONG, 0x6712)    /* entries the last import added */
/* A distribution list's members expanded through nested lists, each mail user once. */
#define PR_AB_EXPANDED_MEMBERS PROP_TAG(PT_MV_BINARY, 0x6713)

#define AB_PROVIDER_DISPLAY "mapirt personal address book"
#define AB_DEFAULT_NAME "Personal Address Book"

/* ---- entry IDs (eid.c) ----------------------------------------------------------------------
 * abFlags[4] (0)  MAPIUID of the address book [16]  version (1)  object type (MAPI_ABCONT,
 * MAPI_MAILUSER, MAPI_DISTLIST)  kind (0 an object, 1 a one-off template)  0  id (int64 LE).
 * The MAPIUID leads the provider data, where the session routes by it. */
#define AB_EID_SIZE 32
enum { AB_ROOT = 0, AB_PAB = 1 };            /* container ids */
enum { AB_EID_OBJECT = 0, AB_EID_TEMPLATE = 1 };

typedef struct ab_eid {
    MAPIUID uid;
    ULONG type;
    int kind;
    sqlite3_int64 id;
} ab_eid;

/* MAPI_E_INVALID_ENTRYID unless it is one of this layout (any MAPIUID). */
HRESULT ab_eid_parse(ULONG cb, const ENTRYID *eid, ab_eid *out);
void ab_eid_make(const MAPIUID *uid, ULONG type, int kind, sqlite3_int64 id, BYTE out[AB_EID_SIZE]);
/* A one-off entry ID ([MS-OXCDATA] 2.2.5.1) taken apart into UTF-8 strings (free). */
HRESULT ab_oneoff_parse(ULONG cb, const ENTRYID *eid, char **name, char **type, char **addr);
/* A Unicode one-off entry ID allocated with alloc. */
HRESULT ab_oneoff_make(const char *name, const char *type, const char *addr,
                       ALLOCATEBUFFER *alloc, ULONG *cb, LPENTRYID *out);
int ab_is_oneoff(ULONG cb, const ENTRYID *eid);

/* ---- strings (str.c): UTF-8 <-> UTF-16 on malloc (NULL in, or no memory: NULL) ---- */
char *ab_w2a(const WCHAR *w);
WCHAR *ab_a2w(const char *a);
char *ab_utf8(const char *a);  /* a copy with invalid UTF-8 replaced by U+FFFD */
/* A string property as UTF-8 (malloc), NULL when v is not a string. */
char *ab_prop_str(const SPropValue *v);
/* The value of tag (any string width when tag is a string) in v, or NULL. */
const SPropValue *ab_find(const SPropValue *v, ULONG c, ULONG tag);

/* ---- the database (db.c) ------------------------------------------------------------------- */

typedef struct ab_db {
    sqlite3 *db;
    pthread_mutex_t lock;
    char *path;
    MAPIUID uid;
} ab_db;

/* Opens (creating and migrating as needed) the address book at path; err gets a sentence that
 * names the file on failure: MAPI_E_CORRUPT_DATA for a file that is not an address book or has
 * a newer schema, MAPI_E_NO_ACCESS, MAPI_E_DISK_ERROR, MAPI_E_CALL_FAILED. */
HRESULT ab_db_open(const char *path, ab_db **out, char *err, size_t cberr);
void ab_db_close(ab_db *d);
HRESULT ab_db_hr(int rc);
int ab_db_begin(ab_db *d);
int ab_db_commit(ab_db *d);
void ab_db_rollback(ab_db *d);
sqlite3_stmt *ab_db_stmt(ab_db *d, const char *sql);
int ab_db_exec_id(ab_db *d, const char *sql, sqlite3_int64 id);

/* An entry's row: what tables, ResolveNames and duplicate checks read. */
typedef struct ab_row {
    sqlite3_int64 id;
    ULONG type;      /* MAPI_MAILUSER / MAPI_DISTLIST */
    char *name;      /* UTF-8, never NULL */
    char *addrtype;  /* NULL for lists */
    char *email;
    int identity;
} ab_row;
void ab_row_free(ab_row *r);
void ab_rows_free(ab_row *r, size_t n);
/* Every entry (under d->lock), or one: MAPI_E_NOT_FOUND when it does not exist. */
HRESULT ab_db_rows(ab_db *d, ab_row **out, size_t *n);
HRESULT ab_db_row(ab_db *d, sqlite3_int64 id, ab_row *out);
/* Every stored property of an entry, one allocation (alloc, chained with more). */
HRESULT ab_db_props(ab_db *d, sqlite3_int64 id, ALLOCATEBUFFER *alloc, ALLOCATEMORE *more,
                    ULONG *c, LPSPropValue *props);
/* Writes an entry inside the caller's transaction: *id 0 inserts (the new id in *id), else
 * replaces its row and properties. The row's columns come from the properties. */
HRESULT ab_db_put(ab_db *d, sqlite3_int64 *id, ULONG type, int identity, ULONG c,
                  const SPropValue *props, char *err, size_t cberr);
HRESULT ab_db_delete(ab_db *d, sqlite3_int64 id);

/* A member of a list: one of this book's entries, or a snapshot of another recipient. */
typedef struct ab_member {
    sqlite3_int64 entry;  /* 0 for a snapshot */
    char *name, *addrtype, *email;
    BYTE *eid;            /* a snapshot's entry ID */
    ULONG cbeid;
} ab_member;
void ab_members_free(ab_member *m, size_t n);
HRESULT ab_db_members(ab_db *d, sqlite3_int64 list, ab_member **out, size_t *n);
/* Replaces the members of list (inside the caller's transaction). */
HRESULT ab_db_put_members(ab_db *d, sqlite3_int64 list, const ab_member *m, size_t n);
/* Whether list `from` reaches list `to` through nested lists (the committed state). */
int ab_db_reaches(ab_db *d, sqlite3_int64 from, sqlite3_int64 to);
/* The mail users a list reaches through nested lists, each once (ids; snapshots not included). */
HRESULT ab_db_expand(ab_db *d, sqlite3_int64 list, sqlite3_int64 **ids, size_t *n);
/* The identity entry's id (0 if none). */
sqlite3_int64 ab_db_identity(ab_db *d);

/* ---- vCard import (import.c; the parser is vcard.c) ---- */
/* Imports every card of the file at path into d in one transaction; err names file:line of
 * the first problem (then nothing is imported): MAPI_E_CORRUPT_DATA, MAPI_E_NOT_FOUND,
 * MAPI_E_NO_ACCESS, MAPI_E_DISK_ERROR. */
HRESULT ab_import_vcard(ab_db *d, const char *path, ULONG *imported, char *err, size_t cberr);

/* ---- the objects ------------------------------------------------------------------------ */

/* The provider's own MAPIUID (PR_AB_PROVIDER_ID); each book's entry IDs carry its own. */
extern const MAPIUID ab_provider_uid;

struct ab_provider {
    ALLOCATEBUFFER *alloc;
    ALLOCATEMORE *more;
    FREEBUFFER *freebuf;
};
#include "ab_provider_decl.h"

/* A live contents table of the PAB (its rows follow every change made through this logon). */
typedef struct ab_live {
    struct ab_live *next;
    ULONG flags;
    LPTABLEDATA data;
} ab_live;

struct ab_logon {
    ab_db *db;
    LPMAPISUP sup;
    ALLOCATEBUFFER *alloc;
    ALLOCATEMORE *more;
    FREEBUFFER *freebuf;
    char *name;            /* the PAB container's display name (UTF-8) */
    int logged_off;
    pthread_mutex_t tlock;
    ab_live *tables;
    int tlock_ok;
};
#include "ab_logon_decl.h"

HRESULT ab_logon_create(struct ab_provider *p, LPMAPISUP sup, ab_db *db, const char *name,
                        struct ab_logon **out);
/* The status row (again, after the identity changed). */
HRESULT ab_logon_status_row(struct ab_logon *l);
/* Opens an entry of the book or a container. */
HRESULT ab_logon_open(struct ab_logon *l, ULONG cb, LPENTRYID eid, LPCIID iid, ULONG flags,
                      ULONG *type, LPUNKNOWN *out, mapirt_lasterror *err);
/* Entry ID of an object of this book as an SBinary allocated on parent (alone when NULL). */
HRESULT ab_logon_eid(struct ab_logon *l, ULONG type, sqlite3_int64 id, void *parent,
                     SBinary *out);
/* Sends an object notification (fnevObject*) about id to its subscribers and the PAB's. */
void ab_logon_notify(struct ab_logon *l, ULONG event, ULONG type, sqlite3_int64 id);
/* A PAB entry changed (deleted: 0): the live tables follow. */
void ab_logon_row_changed(struct ab_logon *l, sqlite3_int64 id, int exists);
/* The PAB's contents table (live) and the tables of rows built by the caller. */
HRESULT ab_logon_contents(struct ab_logon *l, ULONG flags, LPMAPITABLE *out);
/* A row of the standard recipient columns of an entry (allocated with l->alloc). */
HRESULT ab_row_props(struct ab_logon *l, const ab_row *r, ULONG flags, LPSPropValue *out,
                     ULONG *c);
/* The standard columns (AB_NCOLS) of a contents table, string width by flags. */
#define AB_NCOLS 11
void ab_cols(ULONG flags, ULONG tags[AB_NCOLS]);
/* A new snapshot table of rows (each row's props one allocation, taken over). */
HRESULT ab_table_of(struct ab_logon *l, ULONG ncols, const ULONG *cols, LPSRow rows, ULONG n,
                    LPMAPITABLE *out);
/* The search key of an address: "TYPE:ADDRESS" upper-cased, with its NUL. */
HRESULT ab_search_key(const char *type, const char *addr, ALLOCATEMORE *more, void *parent,
                      SBinary *out);
/* Properties of an entry from any source entry ID (ours, one-off, other providers through the
 * support object), for CopyEntries. */
HRESULT ab_source_props(struct ab_logon *l, ULONG cb, LPENTRYID eid, ULONG *c,
                        LPSPropValue *props, ULONG *type, sqlite3_int64 *ours);
/* Fills the ADRENTRY props for a resolved entry (ResolveNames, PrepareRecips). */
HRESULT ab_resolved_props(struct ab_logon *l, sqlite3_int64 id, LPSPropTagArray tags,
                          ULONG flags, ULONG *c, LPSPropValue *out);
/* Whether s matches name as ResolveNames matches (prefix, case-insensitive). */
int ab_match(const char *value, const char *text, int full);

struct ab_container {
    mapirt_propbag *bag;
    struct ab_logon *logon;
    sqlite3_int64 id;
};
#include "ab_container_decl.h"
HRESULT ab_container_open(struct ab_logon *l, sqlite3_int64 id, LPUNKNOWN *out);

/* What a mail user and a list share: their place in the book and how they were created. */
typedef struct ab_entry {
    struct ab_logon *logon;
    sqlite3_int64 id;      /* 0 until the first SaveChanges of a new entry */
    ULONG type;
    ULONG create_flags;    /* CreateEntry's CREATE_* */
    int identity;
    int writable;
    struct ab_distlist *join; /* CreateEntry on a list: the list the new entry joins */
} ab_entry;

struct ab_mailuser {
    mapirt_propbag *bag;
    ab_entry e;
};
#include "ab_mailuser_decl.h"

struct ab_distlist {
    mapirt_propbag *bag;
    ab_entry e;
    pthread_mutex_t mlock;
    int mlock_ok;
    ab_member *members;
    size_t nmembers;
};
#include "ab_distlist_decl.h"

/* A new list object (mlock_ok says whether its lock could be made). */
struct ab_distlist *ab_distlist_make(void);
/* Opens (id != 0) or creates (id == 0) an entry object. */
HRESULT ab_entry_open(struct ab_logon *l, ULONG type, sqlite3_int64 id, int writable,
                      ULONG create_flags, LPUNKNOWN *out);
/* The property list to store and the entry's row, then ab_db_put under the caller's
 * transaction, with the duplicate checks of create_flags (MAPI_E_COLLISION). */
HRESULT ab_entry_save(ab_entry *e, mapirt_propbag *bag, mapirt_lasterror *err);
/* Appends members to a list (its CopyEntries; CreateEntry's new entries). */
HRESULT ab_distlist_add(struct ab_distlist *dl, const ab_member *m);
/* Takes an entry's computed properties out of a list of values (in place); returns the count. */
ULONG ab_strip_computed(LPSPropValue v, ULONG c);

#endif
