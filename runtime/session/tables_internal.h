/* tables_internal.h (internal): building table rows for the session's tables (statustab.c,
 * storetab.c). A row is built in one MAPIAllocateBuffer block in the width of its table:
 * string values are converted to 8-bit or UTF-16 as the table wants. */
#ifndef MAPIRT_SESSION_TABLES_INTERNAL_H
#define MAPIRT_SESSION_TABLES_INTERNAL_H

#include <mapiutil.h>

typedef struct mapirt_rowbuf {
    LPSPropValue v; /* max slots; strings and binaries chained to it */
    ULONG n, max;
    int wide; /* the table's strings are UTF-16 */
    int oom;  /* something could not be stored: the row is not used */
} mapirt_rowbuf;

HRESULT mapirt_rb_init(mapirt_rowbuf *rb, ULONG max, int wide);
void mapirt_rb_free(mapirt_rowbuf *rb);
int mapirt_rb_has(const mapirt_rowbuf *rb, ULONG tag);
void mapirt_rb_long(mapirt_rowbuf *rb, ULONG tag, ULONG value);
void mapirt_rb_bool(mapirt_rowbuf *rb, ULONG tag, int value);
void mapirt_rb_bin(mapirt_rowbuf *rb, ULONG tag, ULONG cb, const void *data);
/* tag_a: the property's ID (any string type); utf8 is stored in the table's width. */
void mapirt_rb_str(mapirt_rowbuf *rb, ULONG tag_a, const char *utf8);
/* A provider's value, strings converted to the table's width. */
void mapirt_rb_copy(mapirt_rowbuf *rb, const SPropValue *src);

/* HrModifyRow of the row built (MAPI_E_NOT_ENOUGH_MEMORY when something did not fit). */
HRESULT mapirt_table_put(LPTABLEDATA td, mapirt_rowbuf *rb);
/* HrDeleteRow by instance key; S_OK when it is not there. */
HRESULT mapirt_table_drop(LPTABLEDATA td, ULONG cbKey, const void *key);

#endif
