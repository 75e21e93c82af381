/* vcard.h: a small vCard 3.0 (RFC 2426) / 4.0 (RFC 6350) reader for the address book's import:
 * line folding, escaping, groups and parameters (quoted values included), UTF-8 only, and the
 * properties an address book entry keeps (FN, N, EMAIL, TEL, ORG, TITLE, NOTE). Self-contained
 * (no MAPI), so that the fuzz target and the tests build it alone. */
#ifndef AB_VCARD_H
#define AB_VCARD_H

#include <stddef.h>

typedef struct vc_card {
    unsigned line;          /* the line of its BEGIN:VCARD */
    char *fn;               /* formatted name (NULL when absent) */
    char *family, *given;   /* N's first two components */
    char **emails;          /* preferred first */
    size_t nemails;
    char *tel_work, *tel_home, *tel_cell;
    char *org, *title, *note;
} vc_card;

/* Limits: what a contact file never needs and a hostile one would use to exhaust memory. */
#define VC_MAX_LINE (1u << 20)   /* bytes in one unfolded content line */
#define VC_MAX_EMAILS 64

/* Parses a whole file (len bytes, any NULs refused). On success 0 and the cards (vc_free);
 * on the first problem -1, nothing returned, and err holds "file:line: what is wrong". */
int vc_parse(const char *data, size_t len, const char *file, vc_card **cards, size_t *n,
             char *err, size_t cberr);
void vc_free(vc_card *cards, size_t n);

#endif
