/* mapirt/proputil.h: property-value helpers of the runtime beyond mapiutil.h.
 *
 * The mapiutil.h functions follow the MAPI reference to the letter: FPropCompareProp and
 * FPropContainsProp return FALSE when the two property types differ. Tables and restrictions need
 * a little more, and get it here:
 *   - a PT_STRING8 value compares with a PT_UNICODE value (8-bit strings are UTF-8, see
 *     mapirt/strconv.h), and PT_MV_STRING8 with PT_MV_UNICODE;
 *   - a multi-valued value on the left of mapirt_prop_relop / mapirt_prop_contains and a single
 *     value of its element type on the right: true when any element satisfies the test;
 *   - FL_IGNORECASE / FL_IGNORENONSPACE / FL_LOOSE in ulFlags for string comparisons.
 * A tag carrying MV_INSTANCE (a row expanded with MVI_FLAG) holds a single value. */
#ifndef MAPIRT_PROPUTIL_H
#define MAPIRT_PROPUTIL_H

#include <mapirt/decls.h>
#include <mapidefs.h>

MAPIRT_BEGIN_DECLS

/* Ordering of LPropCompareProp (<0, 0, >0), extended as above. Values of unrelated types order
 * by property type. */
LONG mapirt_prop_compare(const SPropValue *a, const SPropValue *b, ULONG ulFlags);

/* a ulRelOp b for RELOP_LT..RELOP_RE; FALSE for an unknown operator or incomparable types. For
 * RELOP_RE, b is a POSIX extended regular expression searched for in string a. */
BOOL mapirt_prop_relop(const SPropValue *a, ULONG ulRelOp, const SPropValue *b, ULONG ulFlags);

/* Does dst contain src under ulFuzzyLevel (SContentRestriction semantics)? */
BOOL mapirt_prop_contains(const SPropValue *dst, const SPropValue *src, ULONG ulFuzzyLevel);

/* Element i of a multi-valued value as a single value with the same property ID (no copy: it
 * points into mv). FALSE when mv is not multi-valued or i is out of range. */
BOOL mapirt_prop_mv_element(const SPropValue *mv, ULONG i, SPropValue *out);

MAPIRT_END_DECLS
#endif
