/* catfixture.h: helpers for the catalog tests: parse text, write files into a temporary
 * directory. */
#ifndef TESTS_PROFILE_CATFIXTURE_H
#define TESTS_PROFILE_CATFIXTURE_H

#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "profile/catalog.h"

/* Parses one text named `file`; err receives the message. */
static inline HRESULT parse1(const char *file, const char *text, mapirt_catalog **cat, char *err,
                             size_t cberr)
{
    mapirt_catalog_text t = {file, text, strlen(text)};
    return mapirt_catalog_parse(&t, 1, cat, err, cberr);
}

/* A fresh directory under /tmp (removed by the test's rm_tree). */
static inline void make_tmpdir(char *out, size_t cb)
{
    snprintf(out, cb, "/tmp/mapirt-test-XXXXXX");
    cr_assert_not_null(mkdtemp(out));
}

static inline void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
}

static inline void rm_tree(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "chmod -R u+rwx '%s' 2>/dev/null; rm -rf '%s'", dir, dir);
    if (system(cmd) != 0)
        cr_log_warn("could not remove %s", dir);
}

#endif
