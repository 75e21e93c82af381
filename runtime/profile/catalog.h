/* catalog.h (internal): the message-service catalog, MAPI's MAPISVC.INF.
 *
 * The catalog is read from one or more files in MAPISVC.INF format (catalog_locate.c says
 * which) and parsed whole into an immutable structure (catalog_parse.c, catalog_value.c): the
 * [Services], [Default Services] and [Help File Mappings] entries of every file, and each
 * service's section with its provider sections and extra sections, their property lines
 * already converted to SPropValues. Loading either gives a complete catalog or an error
 * "file:line: problem" and nothing.
 *
 * Format accepted (SPEC §13.5; decisions in docs/decisions.md):
 *   ; comment            (also #)
 *   [Section Name]       names compare case-insensitively (ASCII), as Windows INI files
 *   Key=Value            spaces around key and value are dropped
 * In a service section: Providers=<section>, ... (at least one), Sections=<section>, ...
 * and property lines. In a provider section: property lines only. In an extra section:
 * property lines and UID=<32 hex digits>. A property line's key is a tag name from the
 * generated vocabulary (PR_DISPLAY_NAME is PT_STRING8, PR_DISPLAY_NAME_W PT_UNICODE) or an
 * 8-hex-digit tag (6600001E); its value is read by the tag's type (catalog_value.c). */
#ifndef MAPIRT_PROFILE_CATALOG_H
#define MAPIRT_PROFILE_CATALOG_H

#include <stdatomic.h>

#include <mapidefs.h>

#include "mem/arena.h"

typedef enum mapirt_catalog_role {
    MAPIRT_SECTION_UNUSED = 0, /* referenced by nothing */
    MAPIRT_SECTION_SERVICE,
    MAPIRT_SECTION_PROVIDER,
    MAPIRT_SECTION_EXTRA
} mapirt_catalog_role;

typedef struct mapirt_catalog_section {
    const char *name;
    const char *file; /* where its [header] is */
    unsigned line;
    mapirt_catalog_role role;
    ULONG cValues; /* property lines, in file order */
    SPropValue *lpProps;
    int has_uid; /* UID= (extra sections only) */
    MAPIUID uid;
    ULONG cProviders; /* service sections: Providers=, in order */
    struct mapirt_catalog_section **providers;
    ULONG cExtras; /* service sections: Sections=, in order */
    struct mapirt_catalog_section **extras;
} mapirt_catalog_section;

typedef struct mapirt_catalog_service {
    const char *name;    /* the [Services] key: PR_SERVICE_NAME */
    const char *display; /* the [Services] value: display name when the section has none */
    const char *help;    /* its [Help File Mappings] value, or NULL */
    const char *file;    /* where the [Services] entry is */
    unsigned line;
    int is_default; /* listed in [Default Services] */
    const mapirt_catalog_section *section;
} mapirt_catalog_service;

typedef struct mapirt_catalog {
    ULONG cServices; /* [Services] in file order, files in load order */
    const mapirt_catalog_service *services;
    ULONG cDefaults; /* [Default Services] in the same order */
    const mapirt_catalog_service **defaults;
    ULONG cSections; /* every section but the three global ones, in file order */
    const mapirt_catalog_section *const *sections;
    ULONG cFiles; /* the files it was read from, in order */
    const char **files;
    mapirt_arena arena; /* owns everything above */
    _Atomic unsigned refs; /* mapirt_catalog_addref / mapirt_catalog_free */
} mapirt_catalog;

/* One input to the parser: text (need not be NUL-terminated) and the name errors cite. */
typedef struct mapirt_catalog_text {
    const char *file;
    const char *text;
    size_t len;
} mapirt_catalog_text;

/* Parses the inputs, in order, into one catalog. On failure returns MAPI_E_CORRUPT_DATA (or
 * MAPI_E_NOT_ENOUGH_MEMORY), writes "file:line: problem" into err (cberr bytes, always
 * terminated when cberr > 0) and sets *out to NULL. */
HRESULT mapirt_catalog_parse(const mapirt_catalog_text *texts, ULONG count,
                             mapirt_catalog **out, char *err, size_t cberr);

/* The catalog as its files are now (catalog_cache.c): finds them (catalog_locate.c), reads and
 * parses them, or hands out the catalog parsed last when the same files are there unchanged
 * (the list of files, and each file's identity, size, modification and change times; while a
 * file is younger than the timestamps' granularity can tell, its bytes are compared too). So a
 * fragment installed, removed or edited is seen by the next call. Errors as for
 * mapirt_catalog_parse, plus MAPI_E_NOT_FOUND when MAPIRT_SERVICES names nothing and
 * MAPI_E_DISK_ERROR / MAPI_E_NO_ACCESS when a file cannot be read ("path: reason"); a failed
 * load is never kept. The catalog is shared and immutable: release it with mapirt_catalog_free.
 * Thread-safe. */
HRESULT mapirt_catalog_load(mapirt_catalog **out, char *err, size_t cberr);

/* How many times mapirt_catalog_load parsed, and read a file, so far (for the tests). */
void mapirt_catalog_cache_counts(unsigned long *parses, unsigned long *files_read);

/* Catalogs are reference counted (a parse returns one reference): addref takes another, free
 * drops one and frees the catalog with the last. NULL is ignored. */
void mapirt_catalog_addref(mapirt_catalog *cat);
void mapirt_catalog_free(mapirt_catalog *cat);

/* Lookups by name (case-insensitive, ASCII), NULL when absent. */
const mapirt_catalog_service *mapirt_catalog_service_find(const mapirt_catalog *cat,
                                                          const char *name);
const mapirt_catalog_section *mapirt_catalog_section_find(const mapirt_catalog *cat,
                                                          const char *name);
/* The value of a property line of a section (by property ID), or NULL. */
const SPropValue *mapirt_catalog_prop(const mapirt_catalog_section *sec, ULONG ulPropTag);

/* ---- catalog_value.c ---- */

/* Converts the text of a property line for tag into *out, allocating from the arena. `role`
 * selects how symbolic PR_RESOURCE_FLAGS values are read (SERVICE_* in a service section).
 * Returns NULL on success, or a static description of the problem ("out of memory" for
 * allocation failure, which *oom also reports). */
const char *mapirt_catalog_value(mapirt_arena *a, ULONG ulPropTag, mapirt_catalog_role role,
                                 const char *text, SPropValue *out, int *oom);

/* Reads "<name>" / "<name>|<name>|0x10" as a PT_LONG for tag (flag names through the
 * vocabulary). Returns NULL or a problem as above (no allocation). */
const char *mapirt_catalog_long(ULONG ulPropTag, mapirt_catalog_role role, const char *text,
                                LONG *out);

/* ---- catalog_locate.c ---- */

/* The catalog files to read: with MAPIRT_SERVICES set, that file, or every *.inf of that
 * directory (sorted by name); otherwise <libdir>/mapirt/mapisvc.inf and every *.inf of
 * <libdir>/mapirt/mapisvc.d/ (sorted), where <libdir> is the directory libmapirt was loaded
 * from. A missing default catalog is not an error (the list is then shorter). The list and its
 * strings come from the arena. */
HRESULT mapirt_catalog_files(mapirt_arena *a, const char ***paths, ULONG *count, char *err,
                             size_t cberr);

struct stat;
/* Reads a catalog file whole into *text (mapirt_malloc; NUL-terminated, *len bytes), with the
 * file's status when it was opened in *st. Errors as mapirt_catalog_load's. */
HRESULT mapirt_catalog_read_file(const char *path, char **text, size_t *len, struct stat *st,
                                 char *err, size_t cberr);

#endif
