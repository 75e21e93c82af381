/* storefixture.h: a profile store in a fresh temporary directory, and small helpers around the
 * store's transactions for the store tests. */
#ifndef TESTS_PROFILE_STOREFIXTURE_H
#define TESTS_PROFILE_STOREFIXTURE_H

#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapiguid.h>
#include <mapitags.h>
#include <mapix.h>

#include "catfixture.h"
#include "profile/store.h"

#define AT(arr, i) ((&(arr)[0])[i])

static char g_dir[64];
static char g_db[128];

static inline mapirt_profstore *open_store(void)
{
    mapirt_profstore *ps = NULL;
    char err[512];
    HRESULT hr = mapirt_profstore_open(g_db, &ps, err, sizeof err);
    cr_assert_eq(hr, S_OK, "open %s: 0x%08x %s", g_db, (unsigned)hr, err);
    return ps;
}

static inline void store_setup(void)
{
    make_tmpdir(g_dir, sizeof g_dir);
    snprintf(g_db, sizeof g_db, "%s/profiles.db", g_dir);
}

static inline void store_teardown(void)
{
    rm_tree(g_dir);
}

static inline MAPIUID uid_of(BYTE b)
{
    MAPIUID u;
    memset(&u, b, sizeof u);
    return u;
}

static inline mapirt_profile_id create(mapirt_profstore *ps, const char *name)
{
    mapirt_profile_id id = 0;
    char err[256];
    HRESULT hr = mapirt_profstore_create_profile(ps, name, 0, &id, err, sizeof err);
    cr_assert_eq(hr, S_OK, "create %s: 0x%08x %s", name, (unsigned)hr, err);
    return id;
}

static inline void set_long(mapirt_profstore *ps, mapirt_profile_id id, const MAPIUID *uid,
                            ULONG tag, LONG value)
{
    SPropValue v = {.ulPropTag = tag};
    v.Value.l = value;
    char err[256];
    HRESULT hr = mapirt_profstore_set_props(ps, id, uid, 1, &v, err, sizeof err);
    cr_assert_eq(hr, S_OK, "set: 0x%08x %s", (unsigned)hr, err);
}

/* The value of tag in a section, or -1 when it is absent. */
static inline LONG get_long(mapirt_profstore *ps, mapirt_profile_id id, const MAPIUID *uid,
                            ULONG tag)
{
    ULONG c;
    LPSPropValue v;
    char err[256];
    HRESULT hr = mapirt_profstore_get_props(ps, id, uid, &c, &v, err, sizeof err);
    cr_assert_eq(hr, S_OK, "get: 0x%08x %s", (unsigned)hr, err);
    LONG r = -1;
    for (ULONG i = 0; i < c; i++)
        if (v[i].ulPropTag == tag)
            r = v[i].Value.l;
    MAPIFreeBuffer(v);
    return r;
}

#endif
