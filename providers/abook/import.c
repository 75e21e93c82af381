/* import.c: a vCard file into the book. The whole file is parsed first, then every contact is
 * written in one transaction: a file with one bad line adds nothing, and a process killed
 * during the import leaves the book as it was. A contact becomes a mail user (address type
 * SMTP) with its preferred EMAIL as PR_EMAIL_ADDRESS and every address in
 * PR_CONTACT_EMAIL_ADDRESSES; a contact without EMAIL is not a recipient and is skipped; a
 * contact already in the book (same name and address, ignoring case) is not added twice. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ab.h"
#include "vcard.h"

#define VC_MAX_FILE (64u << 20)

static HRESULT read_file(const char *path, char **out, size_t *len, char *err, size_t cberr)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        snprintf(err, cberr, "%s: %s", path, strerror(e));
        return e == ENOENT ? MAPI_E_NOT_FOUND : e == EACCES ? MAPI_E_NO_ACCESS
                                                            : MAPI_E_DISK_ERROR;
    }
    if (!S_ISREG(sb.st_mode) || (uint64_t)sb.st_size > VC_MAX_FILE) {
        close(fd);
        snprintf(err, cberr, "%s: %s", path,
                 S_ISREG(sb.st_mode) ? "larger than 64 MiB: not a contact file"
                                     : "not a regular file");
        return MAPI_E_CORRUPT_DATA;
    }
    char *b = malloc((size_t)sb.st_size + 1);
    size_t got = 0;
    if (!b) {
        close(fd);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    while (got < (size_t)sb.st_size) {
        ssize_t r = read(fd, b + got, (size_t)sb.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    b[got] = 0;
    *out = b;
    *len = got;
    return S_OK;
}

static void add_str(SPropValue *v, ULONG *n, ULONG tag, char *s)
{
    if (!s || !*s)
        return;
    v[*n].ulPropTag = tag;
    v[*n].dwAlignPad = 0;
    v[(*n)++].Value.lpszA = s;
}

HRESULT ab_import_vcard(ab_db *d, const char *path, ULONG *imported, char *err, size_t cberr)
{
    char *data = NULL;
    size_t len = 0;
    vc_card *cards = NULL;
    size_t n = 0;
    *imported = 0;
    HRESULT hr = read_file(path, &data, &len, err, cberr);
    if (FAILED(hr))
        return hr;
    if (vc_parse(data, len, path, &cards, &n, err, cberr) != 0) {
        free(data);
        return MAPI_E_CORRUPT_DATA;
    }
    free(data);
    ab_row *rows = NULL;
    size_t nrows = 0;
    pthread_mutex_lock(&d->lock);
    int rc = ab_db_begin(d);
    hr = rc == SQLITE_OK ? ab_db_rows(d, &rows, &nrows) : ab_db_hr(rc);
    if (FAILED(hr))
        snprintf(err, cberr, "%s: %s", d->path, sqlite3_errmsg(d->db));
    for (size_t i = 0; SUCCEEDED(hr) && i < n; i++) {
        vc_card *c = &cards[i];
        if (!c->nemails)
            continue;
        char given_family[1024];
        const char *name = c->fn;
        if (!name || !*name) {
            snprintf(given_family, sizeof given_family, "%s%s%s", c->given ? c->given : "",
                     c->given && c->family && *c->given && *c->family ? " " : "",
                     c->family ? c->family : "");
            name = *given_family ? given_family : c->emails[0];
        }
        int dup = 0;
        for (size_t r = 0; r < nrows && !dup; r++)
            dup = ab_match(rows[r].name, name, 1) && ab_match(rows[r].email, c->emails[0], 1);
        if (dup)
            continue;
        SPropValue v[12];
        ULONG k = 0;
        memset(v, 0, sizeof v);
        add_str(v, &k, PR_DISPLAY_NAME_A, (char *)name);
        add_str(v, &k, PR_ADDRTYPE_A, (char *)"SMTP");
        add_str(v, &k, PR_EMAIL_ADDRESS_A, c->emails[0]);
        add_str(v, &k, PR_GIVEN_NAME_A, c->given);
        add_str(v, &k, PR_SURNAME_A, c->family);
        add_str(v, &k, PR_COMPANY_NAME_A, c->org);
        add_str(v, &k, PR_TITLE_A, c->title);
        add_str(v, &k, PR_COMMENT_A, c->note);
        add_str(v, &k, PR_BUSINESS_TELEPHONE_NUMBER_A, c->tel_work);
        add_str(v, &k, PR_HOME_TELEPHONE_NUMBER_A, c->tel_home);
        add_str(v, &k, PR_MOBILE_TELEPHONE_NUMBER_A, c->tel_cell);
        v[k].ulPropTag = PR_CONTACT_EMAIL_ADDRESSES_A;
        v[k].Value.MVszA.cValues = (ULONG)c->nemails;
        v[k++].Value.MVszA.lppszA = c->emails;
        sqlite3_int64 id = 0;
        char msg[512];
        hr = ab_db_put(d, &id, MAPI_MAILUSER, 0, k, v, msg, sizeof msg);
        if (FAILED(hr))
            snprintf(err, cberr, "%s:%u: cannot add the contact: %s", path, c->line, msg);
        else
            (*imported)++;
    }
    if (SUCCEEDED(hr) && (rc = ab_db_commit(d)) != SQLITE_OK) {
        hr = ab_db_hr(rc);
        snprintf(err, cberr, "%s: %s", d->path, sqlite3_errmsg(d->db));
    }
    if (FAILED(hr)) {
        ab_db_rollback(d);
        *imported = 0;
    }
    pthread_mutex_unlock(&d->lock);
    ab_rows_free(rows, nrows);
    vc_free(cards, n);
    return hr;
}
