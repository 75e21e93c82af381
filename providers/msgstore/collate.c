/* collate.c: the runtime's string order and matching inside SQLite, so that a contents table run
 * in SQL (sqltable.c, sqlwhere.c) sorts and filters exactly as the runtime's in-memory engine.
 *
 * Collation MAPIRT orders UTF-8 text as LPropCompareProp orders two PT_STRING8 values (what the
 * in-memory engine sorts and compares with): code points with Unicode's simple case folding
 * first, then exactly, so only identical strings are equal. ASCII pairs are compared here
 * without copying (most subjects and names); anything else goes through LPropCompareProp itself.
 * The subject index is built with it (db.c, schema 2), so a sort by subject still reads the
 * index. Function mapirt_contains(text, pattern, fuzzy) is FPropContainsProp, the test of
 * RES_CONTENT, for every fuzzy level. Both are deterministic: SQLite may use them in indexes. */
#include <stdlib.h>
#include <string.h>

#include "ms.h"

/* Text as a NUL-terminated string: into buf when it fits, else on the heap (*heap). */
static char *terminated(const void *p, int n, char *buf, size_t cb, char **heap)
{
    *heap = NULL;
    char *s = buf;
    if ((size_t)n >= cb && (s = *heap = malloc((size_t)n + 1)) == NULL)
        return NULL;
    if (n)
        memcpy(s, p, (size_t)n);
    s[n] = '\0';
    return s;
}

/* ASCII text in LPropCompareProp's order: folded (ASCII) first, then exactly; 2 when either side
 * has a byte above 0x7F, which needs the general comparison. */
static int ascii_cmp(const unsigned char *a, int na, const unsigned char *b, int nb)
{
    int exact = 0, n = na < nb ? na : nb;
    for (int i = 0; i < n; i++) {
        unsigned ca = a[i], cb = b[i];
        if (ca >= 0x80 || cb >= 0x80)
            return 2;
        if (ca != cb) {
            unsigned la = ca - 'A' < 26u ? ca + 32 : ca, lb = cb - 'A' < 26u ? cb + 32 : cb;
            if (la != lb)
                return la < lb ? -1 : 1;
            if (!exact)
                exact = ca < cb ? -1 : 1;
        }
    }
    for (int i = n; i < na; i++)
        if (a[i] >= 0x80)
            return 2;
    for (int i = n; i < nb; i++)
        if (b[i] >= 0x80)
            return 2;
    if (na != nb)
        return na < nb ? -1 : 1; /* a proper prefix folds before every longer string */
    return exact;
}

static int collate(void *unused, int na, const void *a, int nb, const void *b)
{
    (void)unused;
    int c = ascii_cmp(a, na, b, nb);
    if (c != 2)
        return c;
    char ba[256], bb[256], *ha, *hb;
    char *sa = terminated(a, na, ba, sizeof ba, &ha), *sb = terminated(b, nb, bb, sizeof bb, &hb);
    if (sa == NULL || sb == NULL) {
        /* No memory for a copy: bytewise, which is at least a consistent order for this pair. */
        free(ha);
        free(hb);
        c = memcmp(a, b, (size_t)(na < nb ? na : nb));
        return c ? c : (na > nb) - (na < nb);
    }
    SPropValue va, vb;
    memset(&va, 0, sizeof va);
    memset(&vb, 0, sizeof vb);
    va.ulPropTag = vb.ulPropTag = PR_SUBJECT_A;
    va.Value.lpszA = sa;
    vb.Value.lpszA = sb;
    LONG r = LPropCompareProp(&va, &vb);
    free(ha);
    free(hb);
    return (r > 0) - (r < 0);
}

static void contains(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    if (sqlite3_value_type(argv[0]) != SQLITE_TEXT || sqlite3_value_type(argv[1]) != SQLITE_TEXT) {
        sqlite3_result_int(ctx, 0); /* a row without the property never matches */
        return;
    }
    const unsigned char *t = sqlite3_value_text(argv[0]), *p = sqlite3_value_text(argv[1]);
    if (t == NULL || p == NULL) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    SPropValue v, pat;
    memset(&v, 0, sizeof v);
    memset(&pat, 0, sizeof pat);
    v.ulPropTag = pat.ulPropTag = PR_SUBJECT_A;
    v.Value.lpszA = (LPSTR)t;
    pat.Value.lpszA = (LPSTR)p;
    sqlite3_result_int(ctx, FPropContainsProp(&v, &pat, (ULONG)sqlite3_value_int64(argv[2])) != 0);
}

int ms_collate_register(sqlite3 *db)
{
    int rc = sqlite3_create_collation_v2(db, "MAPIRT", SQLITE_UTF8, NULL, collate, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function_v2(db, "mapirt_contains", 3,
            SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
            contains, NULL, NULL, NULL);
    return rc;
}
