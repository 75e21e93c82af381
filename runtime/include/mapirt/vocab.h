/* mapirt/vocab.h: MAPI's vocabulary by name, backed by tables generated from idl/.
 *
 * Every lookup reads static const tables (sorted, or perfect-hashed at generation time): no
 * allocation, no locks, safe from any thread. Names are returned as static strings. */
#ifndef MAPIRT_VOCAB_H
#define MAPIRT_VOCAB_H

#include <mapirt/decls.h>
#include <stddef.h>
#include <mapidefs.h>

MAPIRT_BEGIN_DECLS

/* Property tag -> its name ("PR_DISPLAY_NAME_W"), or NULL when unknown. For a tag with several
 * names the canonical one is returned. */
const char *mapirt_tag_name(ULONG ulPropTag);
/* Property tag -> its MS-OXPROPS canonical name ("PidTagDisplayName"), or NULL. */
const char *mapirt_tag_pidtag(ULONG ulPropTag);
/* "PR_DISPLAY_NAME_W", "PR_DISPLAY_NAME" (the 8-bit tag, as C code without UNICODE sees it) or
 * "PidTagDisplayName" (the UTF-16 tag for string properties) -> tag; PR_NULL when unknown. */
ULONG mapirt_tag_from_name(const char *name);
/* Property type (PROP_TYPE of a tag) -> "PT_LONG", "PT_MV_UNICODE", ...; NULL when unknown. */
const char *mapirt_proptype_name(ULONG ulPropType);
/* Status code -> "MAPI_E_NOT_FOUND" / its one-line description; NULL when unknown. */
const char *mapirt_scode_name(HRESULT hr);
const char *mapirt_scode_description(HRESULT hr);

/* A named set of flags or values declared in IDL with `flagset` / `valueset`. */
typedef struct mapirt_flag { ULONG value; const char *name; } mapirt_flag;
typedef struct mapirt_flagset {
    const char *name;
    int is_values; /* valueset: the value is one of the members, not a combination */
    unsigned count;
    const mapirt_flag *members; /* sorted by value */
} mapirt_flagset;

/* The set called `name` ("LogonFlags"), or NULL. */
const mapirt_flagset *mapirt_flagset_find(const char *name);
/* The flag set a property's value is decoded with (PR_RESOURCE_FLAGS -> ResourceFlags), or NULL. */
const mapirt_flagset *mapirt_flagset_for_tag(ULONG ulPropTag);
/* The value of the member called `name` of `set` (exact spelling): 1 and *value set when found,
 * else 0. */
int mapirt_flagset_member(const mapirt_flagset *set, const char *name, ULONG *value);
/* The same over every flag set and value set (a scan: for parsing configuration, not for hot
 * paths). IDL names are unique, so a name has one value. */
int mapirt_flag_from_name(const char *name, ULONG *value);
/* Writes `value` decoded by `set` into buf ("MAPI_LOGON_UI | MAPI_EXTENDED | 0x00100000" for a
 * flagset; "MAPI_DEFAULT_STORE" or "0x00000009" for a valueset; "0" for no bits). Returns the
 * length the full text needs (like snprintf); buf is always terminated when cb > 0. A NULL set
 * prints the value in hex. */
size_t mapirt_flags_decode(const mapirt_flagset *set, ULONG value, char *buf, size_t cb);

/* ---- generated tables (gen/src/mapirt_vocab.c); used by the lookups above ---- */
typedef struct mapirt_tag_row { ULONG tag; int flagset; const char *name; const char *pidtag; } mapirt_tag_row;
typedef struct mapirt_name_row { const char *name; ULONG tag; } mapirt_name_row;
typedef struct mapirt_scode_row { ULONG value; const char *name; const char *description; } mapirt_scode_row;
typedef struct mapirt_ptype_row { ULONG type; const char *name; } mapirt_ptype_row;
typedef struct mapirt_hash { unsigned size, nbuckets; const unsigned *disp; const int *slots; } mapirt_hash;

extern const mapirt_tag_row mapirt_tag_rows[];
extern const unsigned mapirt_tag_row_count;
extern const mapirt_name_row mapirt_name_rows[];
extern const mapirt_hash mapirt_name_hash;
extern const mapirt_scode_row mapirt_scode_rows[];
extern const unsigned mapirt_scode_row_count;
extern const mapirt_ptype_row mapirt_ptype_rows[];
extern const unsigned mapirt_ptype_row_count;
extern const mapirt_flagset mapirt_flagsets[];
extern const mapirt_hash mapirt_flagset_hash;

MAPIRT_END_DECLS
#endif
