/* mapirt/fold.h (runtime/internal): Unicode simple case folding of one code point (internal).
 *
 * FL_IGNORECASE compares strings through it (runtime/text/strconv.c), and table sort keys build
 * on it: two code points are equal ignoring case exactly when they fold to the same one. The
 * table is Unicode's CaseFolding.txt, status C and S (tools/casefold.py). */
#ifndef MAPIRT_FOLD_H
#define MAPIRT_FOLD_H

#include <stdint.h>

/* The simple case folding of cp (cp itself when Unicode lists none, or cp is not a code point). */
uint32_t mapirt_fold(uint32_t cp);

/* Where cp stands among the code points that fold as it does (its class: mapirt_fold(cp) and
 * every code point folding to it): its rank in code point order, and in *bits the bits every
 * rank of the class fits in (0 when cp is alone in its class, 1 or 2 otherwise). Strings equal
 * ignoring case compare exactly as the sequences of their ranks do. */
uint32_t mapirt_fold_rank(uint32_t cp, unsigned *bits);

#endif
