/* prop_internal.h: property-value plumbing shared by the property utilities (propcopy.c,
 * propcompare.c, validate.c, notifcopy.c). */
#ifndef MAPIRT_PROP_INTERNAL_H
#define MAPIRT_PROP_INTERNAL_H

#include <mapix.h>
#include <mapiutil.h>
#include <mapicode.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MAPIRT_ALIGN8(n) (((n) + 7u) & ~(size_t)7u)

/* The type a value is stored as. A value whose tag carries MV_INSTANCE is one instance of a
 * multi-valued column (a table row expanded with MVI_FLAG), so it holds a single value. */
static inline ULONG mapirt_value_type(ULONG ulPropTag)
{
    ULONG t = PROP_TYPE(ulPropTag);
    if (t & MV_INSTANCE)
        t &= ~(ULONG)(MV_FLAG | MV_INSTANCE);
    return t;
}

/* Type of a tag with MV_INSTANCE removed (for comparing the types of two tags). */
static inline ULONG mapirt_tag_type(ULONG ulPropTag)
{
    return PROP_TYPE(ulPropTag) & ~(ULONG)MV_INSTANCE;
}

/* True for every type a value may have (see mapirt_value_type), single or multi-valued. */
bool mapirt_type_known(ULONG type);

/* The one definition of a valid property tag, used by every validator that judges a whole tag
 * (FBadRestriction, ScCountProps and the copies, SetProps, Restrict): PR_NULL, or an ID other
 * than 0 (PROP_ID_NULL) and 0xFFFF (PROP_ID_INVALID) with a type FBadPropTag accepts (a known
 * type, or MV_INSTANCE on a known multi-valued type). FBadPropTag and FBadProp judge the type
 * and the value only, as native MAPI does (docs/decisions.md). */
bool mapirt_tag_valid(ULONG ulPropTag);

struct mapirt_reloc;

/* The one check of a value that is copied, stored or compared (ScCountProps and the copies,
 * restriction constants): a valid tag (mapirt_tag_valid) whose type holds a value (not
 * PT_UNSPECIFIED, PT_NULL only as PR_NULL), and the pointers the type needs. *out receives the
 * bytes of its out-of-line data as mapirt_prop_data_size counts them. MAPI_E_INVALID_PARAMETER
 * for a bad tag or value, MAPI_E_NOT_ENOUGH_MEMORY on size overflow. */
SCODE mapirt_prop_check(const SPropValue *p, const struct mapirt_reloc *rl, size_t *out);

/* Where the data of a property array really is while its pointers are expressed relative to
 * old_base (ScRelocProps): a pointer p resolves to real + (p - old); NULL stays NULL. */
struct mapirt_reloc {
    uintptr_t old_base;
    uintptr_t new_base;
    uintptr_t real_base;
};

/* Bytes of out-of-line data of one value (strings, binaries, arrays), each piece rounded up to
 * 8 bytes, as mapirt_prop_copy_data lays them out. rl (may be NULL) says how to read pointers.
 * MAPI_E_INVALID_PARAMETER for a missing pointer (an empty multi-valued property, count 0,
 * needs none), MAPI_E_NO_SUPPORT for an unknown type, MAPI_E_NOT_ENOUGH_MEMORY on size overflow. */
SCODE mapirt_prop_data_size(const SPropValue *p, const struct mapirt_reloc *rl, size_t *out);

/* Copies src into *dst, its data to *cursor (advanced past it). src must have passed
 * mapirt_prop_data_size; dst may be src. */
void mapirt_prop_copy_data(SPropValue *dst, const SPropValue *src, char **cursor);

/* Rewrites the pointers of one value (validated with the same rl) from old_base to new_base. */
void mapirt_prop_reloc(SPropValue *p, const struct mapirt_reloc *rl);

static inline const void *mapirt_reloc_read(const struct mapirt_reloc *rl, const void *p)
{
    if (rl == NULL || p == NULL)
        return p;
    return (const void *)(rl->real_base + ((uintptr_t)p - rl->old_base));
}

static inline void *mapirt_reloc_move(const struct mapirt_reloc *rl, const void *p)
{
    if (p == NULL)
        return NULL;
    return (void *)(rl->new_base + ((uintptr_t)p - rl->old_base));
}

#endif
