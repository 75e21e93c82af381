/* runtime/text/fold.c: Unicode simple case folding (fold.h) over the generated table. */
#include <mapirt/fold.h>

#include <stddef.h>

#include "casefold_table.h"

#define NFOLD (sizeof(mapirt_casefold_table) / sizeof(mapirt_casefold_table[0]))

uint32_t mapirt_fold(uint32_t cp)
{
    if (cp < 0x80) /* the common case, without the search */
        return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
    if (cp < MAPIRT_FOLD_LOW)
        return mapirt_fold_low[cp];
    size_t lo = 0, hi = NFOLD;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint32_t from = mapirt_casefold_table[mid].from;
        if (from == cp)
            return mapirt_casefold_table[mid].to;
        if (from < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return cp;
}

uint32_t mapirt_fold_rank(uint32_t cp, unsigned *bits)
{
    if (cp < MAPIRT_FOLD_LOW) {
        *bits = mapirt_foldrank_low[cp] >> 2;
        return mapirt_foldrank_low[cp] & 3;
    }
    size_t lo = 0, hi = sizeof(mapirt_foldrank_table) / sizeof(mapirt_foldrank_table[0]);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint32_t e = mapirt_foldrank_table[mid];
        if (e >> 4 == cp) {
            *bits = (e >> 2) & 3;
            return e & 3;
        }
        if (e >> 4 < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    *bits = 0;
    return 0;
}
