/* service.c: `mapirt service`: a profile's message services, through IMsgServiceAdmin(2).
 *
 * A service is named by its PR_SERVICE_NAME (without case) or, when a profile holds several
 * copies, by its PR_SERVICE_UID in hex. Every --set is read before anything is changed, and a
 * service added with --set whose configuration is refused is deleted again: a command either
 * does everything or changes nothing. */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <mapicode.h>
#include <mapiguid.h>
#include <mapitags.h>
#include <mapiutil.h>
#include <mapix.h>

#include "admin.h"
#include "cli.h"

static char *json_of(const SPropValue *pv, sbuf *b)
{
    b->len = 0;
    if (!pv)
        return NULL;
    prop_json_value(b, pv);
    return b->s;
}

static char *text_of(const SPropValue *pv, sbuf *b)
{
    b->len = 0;
    if (!pv)
        return NULL;
    prop_text_service(b, pv);
    return b->s;
}

/* The operands [PROFILE] SERVICE: the profile (operand, --profile, MAPIRT_PROFILE, default). */
static const char *profile_of(ctx *c, LPPROFADMIN pa, int nservice_args)
{
    return ctx_profile(c, c->argc > nservice_args ? c->argv[0] : NULL, pa);
}

static int service_rows(LPSERVICEADMIN sa, const char *profile, LPMAPITABLE *t, LPSRowSet *rows)
{
    HRESULT hr = sa->lpVtbl->GetMsgServiceTable(sa, 0, t);
    if (hr != S_OK)
        return fail_hr(hr, LAST_ERROR(sa, hr), "reading the services of '%s'", profile);
    return table_rows(*t, "the service table", rows);
}

/* The UID of the service `which` names in the profile. */
static int find_service(ctx *c, LPSERVICEADMIN sa, const char *profile, const char *which, MAPIUID *uid)
{
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    int found = 0, rc = service_rows(sa, profile, &t, &rows);
    for (ULONG i = 0; rc == EXIT_OK && i < rows->cRows; i++) {
        const SPropValue *n = row_prop(&rows->aRow[i], PR_SERVICE_NAME_A);
        const SPropValue *u = row_prop(&rows->aRow[i], PR_SERVICE_UID);
        if (!u || u->Value.bin.cb != sizeof *uid)
            continue;
        sbuf hex = {0};
        hex_bytes(&hex, u->Value.bin.lpb, u->Value.bin.cb);
        if ((n && strcasecmp(n->Value.lpszA, which) == 0) ||
            strcasecmp(sb_str(&hex), which) == 0) {
            found++;
            memcpy(uid, u->Value.bin.lpb, sizeof *uid);
        }
        sb_free(&hex);
    }
    FreeProws(rows);
    if (t)
        t->lpVtbl->Release(t);
    if (rc == EXIT_OK && found == 0)
        rc = fail_text(MAPI_E_NOT_FOUND, "the profile has no such service (mapirt service list)",
            "service '%s' of profile '%s'", which, profile);
    if (rc == EXIT_OK && found > 1)
        rc = usage_error(c, "profile '%s' has %d services '%s': name one by its UID (mapirt "
                            "service list)",
            profile, found, which);
    return rc;
}

/* Every --set, read before anything changes; the values live on *parent. */
static int read_sets(ctx *c, void **parent, ULONG *n, LPSPropValue *props)
{
    int count = opt_count(c, "set");
    *n = 0;
    *props = NULL;
    *parent = NULL;
    if (count == 0)
        return EXIT_OK;
    if (MAPIAllocateBuffer((ULONG)count * (ULONG)sizeof(SPropValue), parent) != S_OK)
        return fail_hr(MAPI_E_NOT_ENOUGH_MEMORY, NULL, "reading --set");
    *props = *parent;
    for (int i = 0; i < count; i++) {
        int rc = prop_parse_assignment(c, opt_at(c, "set", i), *parent, &(*props)[i]);
        if (rc != EXIT_OK) {
            MAPIFreeBuffer(*parent);
            *parent = NULL;
            return rc;
        }
    }
    *n = (ULONG)count;
    return EXIT_OK;
}

static int run_list(ctx *c)
{
    LPPROFADMIN pa = NULL;
    LPSERVICEADMIN sa = NULL;
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    int rc = open_profadmin(&pa);
    if (rc)
        return rc;
    const char *profile = ctx_profile(c, c->argc ? c->argv[0] : NULL, pa);
    rc = profile ? open_svcadmin(pa, profile, &sa) : EXIT_FAIL;
    if (rc == EXIT_OK)
        rc = service_rows(sa, profile, &t, &rows);
    if (rc == EXIT_OK) {
        static const char *const heads[] = {"SERVICE", "DISPLAY NAME", "UID", "FLAGS"};
        static const char *const keys[] = {"PR_SERVICE_NAME", "PR_DISPLAY_NAME", "PR_SERVICE_UID",
            "PR_RESOURCE_FLAGS"};
        static const ULONG tags[] = {PR_SERVICE_NAME_A, PR_DISPLAY_NAME_A, PR_SERVICE_UID,
            PR_RESOURCE_FLAGS};
        table *tb = table_new(4, heads, keys);
        sbuf j = {0}, x = {0};
        for (ULONG i = 0; i < rows->cRows; i++) {
            table_row(tb);
            for (int k = 0; k < 4; k++) {
                const SPropValue *p = row_prop(&rows->aRow[i], tags[k]);
                table_cell(tb, k, text_of(p, &x), json_of(p, &j));
            }
        }
        sb_free(&j);
        sb_free(&x);
        table_print(tb, c->json);
    }
    FreeProws(rows);
    if (t)
        t->lpVtbl->Release(t);
    if (sa)
        sa->lpVtbl->Release(sa);
    pa->lpVtbl->Release(pa);
    return rc;
}

static int run_add(ctx *c)
{
    const char *svc = c->argv[c->argc - 1], *display = opt_get(c, "display-name");
    LPPROFADMIN pa = NULL;
    LPSERVICEADMIN sa = NULL;
    LPSERVICEADMIN2 sa2 = NULL;
    void *parent = NULL;
    ULONG n = 0;
    LPSPropValue props = NULL;
    MAPIUID uid;
    int rc = read_sets(c, &parent, &n, &props);
    if (rc)
        return rc;
    rc = open_profadmin(&pa);
    const char *profile = rc == EXIT_OK ? profile_of(c, pa, 1) : NULL;
    if (rc == EXIT_OK && !profile)
        rc = EXIT_FAIL;
    if (rc == EXIT_OK)
        rc = open_svcadmin(pa, profile, &sa);
    if (rc == EXIT_OK) {
        HRESULT hr = sa->lpVtbl->QueryInterface(sa, &IID_IMsgServiceAdmin2, (void **)&sa2);
        if (hr != S_OK)
            rc = fail_hr(hr, LAST_ERROR(sa, hr), "IMsgServiceAdmin2 of profile '%s'", profile);
    }
    if (rc == EXIT_OK) {
        HRESULT hr = sa2->lpVtbl->CreateMsgServiceEx(sa2, (LPTSTR)svc, (LPTSTR)display, 0, 0,
            &uid);
        if (hr != S_OK)
            rc = fail_hr(hr, LAST_ERROR(sa2, hr), "adding service '%s' to profile '%s'", svc,
                profile);
    }
    if (rc == EXIT_OK && n) {
        HRESULT hr = sa->lpVtbl->ConfigureMsgService(sa, &uid, 0, 0, n, props);
        if (hr != S_OK) {
            rc = fail_hr(hr, LAST_ERROR(sa, hr), "configuring service '%s' of profile '%s'", svc,
                profile);
            sa->lpVtbl->DeleteMsgService(sa, &uid); /* all or nothing */
        }
    }
    if (rc == EXIT_OK) {
        sbuf hex = {0};
        hex_bytes(&hex, &uid, sizeof uid);
        if (c->json) {
            json_begin_object(NULL);
            json_string("PR_SERVICE_NAME", svc);
            json_string("PR_SERVICE_UID", sb_str(&hex));
            json_end();
            json_finish();
        } else
            printf("%s\n", sb_str(&hex));
        sb_free(&hex);
    }
    if (sa2)
        sa2->lpVtbl->Release(sa2);
    if (sa)
        sa->lpVtbl->Release(sa);
    if (pa)
        pa->lpVtbl->Release(pa);
    MAPIFreeBuffer(parent);
    return rc;
}

/* remove and configure: find the service, then one call. */
static int on_service(ctx *c, int configure)
{
    const char *which = c->argv[c->argc - 1];
    LPPROFADMIN pa = NULL;
    LPSERVICEADMIN sa = NULL;
    void *parent = NULL;
    ULONG n = 0;
    LPSPropValue props = NULL;
    MAPIUID uid;
    if (configure && opt_count(c, "set") == 0)
        return usage_error(c, "nothing to configure: give --set PROPERTY=VALUE");
    int rc = configure ? read_sets(c, &parent, &n, &props) : EXIT_OK;
    if (rc)
        return rc;
    rc = open_profadmin(&pa);
    const char *profile = rc == EXIT_OK ? profile_of(c, pa, 1) : NULL;
    if (rc == EXIT_OK && !profile)
        rc = EXIT_FAIL;
    if (rc == EXIT_OK)
        rc = open_svcadmin(pa, profile, &sa);
    if (rc == EXIT_OK)
        rc = find_service(c, sa, profile, which, &uid);
    if (rc == EXIT_OK) {
        HRESULT hr = configure ? sa->lpVtbl->ConfigureMsgService(sa, &uid, 0, 0, n, props)
                               : sa->lpVtbl->DeleteMsgService(sa, &uid);
        if (hr != S_OK)
            rc = fail_hr(hr, LAST_ERROR(sa, hr), "%s service '%s' of profile '%s'",
                configure ? "configuring" : "removing", which, profile);
    }
    if (sa)
        sa->lpVtbl->Release(sa);
    if (pa)
        pa->lpVtbl->Release(pa);
    MAPIFreeBuffer(parent);
    return rc;
}

static int run_remove(ctx *c)
{
    return on_service(c, 0);
}
static int run_configure(ctx *c)
{
    return on_service(c, 1);
}

#define SET_HELP \
    "set a property: PR_NAME, PidTagName or a hex tag, and a value read by the property's " \
    "type as in MAPISVC.INF (repeatable)"

static const opt ADD_OPTS[] = {
    {"display-name", "TEXT", "the service's display name when the catalog gives none", 0},
    {"set", "PROP=VALUE", SET_HELP, 1},
    {NULL, NULL, NULL, 0},
};

static const opt CONFIGURE_OPTS[] = {
    {"set", "PROP=VALUE", SET_HELP, 1},
    {NULL, NULL, NULL, 0},
};

static const cmd SERVICE_CMDS[] = {
    {"list", "[PROFILE]", 0, 1, "list a profile's message services", NULL, NULL,
        CMD_JSON | CMD_PROFILE | CMD_PROFILE_OPERAND | CMD_MAPI, run_list},
    {"add", "[PROFILE] SERVICE", 1, 2, "add a service of the catalog to a profile",
        "Prints the new service's UID. With --set, the service's ServiceEntry is then called to "
        "configure it (MSG_SERVICE_CONFIGURE); if it refuses, the service is removed again.",
        ADD_OPTS, CMD_JSON | CMD_PROFILE | CMD_PROFILE_OPERAND | CMD_MAPI, run_add},
    {"remove", "[PROFILE] SERVICE", 1, 2, "remove a service from a profile",
        "SERVICE is the service's name, or its UID when the profile holds several copies.", NULL,
        CMD_PROFILE | CMD_PROFILE_OPERAND | CMD_MAPI, run_remove},
    {"configure", "[PROFILE] SERVICE", 1, 2, "configure a service through its ServiceEntry",
        "Calls IMsgServiceAdmin::ConfigureMsgService with the properties given (no UI): the "
        "service checks and stores them. A service without an entry point is "
        "MAPI_E_NOT_INITIALIZED.",
        CONFIGURE_OPTS, CMD_PROFILE | CMD_PROFILE_OPERAND | CMD_MAPI, run_configure},
    {0},
};

const group service_group = {"service", "the message services of a profile", SERVICE_CMDS};
