/* profile.c: `mapirt profile`: the profiles of the store, through IProfAdmin, and `show`, a
 * profile as a tree of its sections through IMsgServiceAdmin, IProviderAdmin and IProfSect. */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <string.h>

#include <mapicode.h>
#include <mapiguid.h>
#include <mapitags.h>
#include <mapiutil.h>
#include <mapix.h>

#include "cli.h"
#include "admin.h"

int open_profadmin(LPPROFADMIN *pa)
{
    HRESULT hr = MAPIAdminProfiles(0, pa);
    if (hr != S_OK)
        return fail_hr(hr, NULL, "opening the profile store");
    return EXIT_OK;
}

int open_svcadmin(LPPROFADMIN pa, const char *profile, LPSERVICEADMIN *sa)
{
    HRESULT hr = pa->lpVtbl->AdminServices(pa, (LPTSTR)profile, NULL, 0, 0, sa);
    if (hr != S_OK)
        return fail_hr(hr, LAST_ERROR(pa, hr), "opening profile '%s'", profile);
    return EXIT_OK;
}

int table_rows(LPMAPITABLE t, const char *what, LPSRowSet *rows)
{
    HRESULT hr = HrQueryAllRows(t, NULL, NULL, NULL, 0, rows);
    if (hr != S_OK)
        return fail_hr(hr, LAST_ERROR(t, hr), "reading %s", what);
    return EXIT_OK;
}

static char *json_of(const SPropValue *pv, sbuf *b)
{
    b->len = 0;
    if (!pv)
        return NULL;
    prop_json_value(b, pv);
    return b->s;
}

static int run_list(ctx *c)
{
    LPPROFADMIN pa = NULL;
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    int rc = open_profadmin(&pa);
    if (rc)
        return rc;
    HRESULT hr = pa->lpVtbl->GetProfileTable(pa, 0, &t);
    if (hr != S_OK)
        rc = fail_hr(hr, LAST_ERROR(pa, hr), "reading the profile table");
    else
        rc = table_rows(t, "the profile table", &rows);
    if (rc == EXIT_OK) {
        static const char *const heads[] = {"PROFILE", "DEFAULT"};
        static const char *const keys[] = {"PR_DISPLAY_NAME", "PR_DEFAULT_PROFILE"};
        table *tb = table_new(2, heads, keys);
        sbuf b = {0};
        for (ULONG i = 0; i < rows->cRows; i++) {
            const SPropValue *n = row_prop(&rows->aRow[i], PR_DISPLAY_NAME_A);
            const SPropValue *d = row_prop(&rows->aRow[i], PR_DEFAULT_PROFILE);
            table_row(tb);
            table_cell(tb, 0, n ? n->Value.lpszA : NULL, json_of(n, &b));
            table_cell(tb, 1, d && d->Value.b ? "yes" : "no", d ? json_of(d, &b) : "false");
        }
        sb_free(&b);
        table_print(tb, c->json);
    }
    FreeProws(rows);
    if (t)
        t->lpVtbl->Release(t);
    pa->lpVtbl->Release(pa);
    return rc;
}

static int run_create(ctx *c)
{
    const char *name = c->argv[0];
    int nsvc = opt_count(c, "service"), defaults = opt_count(c, "default-services") > 0;
    LPPROFADMIN pa = NULL;
    LPSERVICEADMIN sa = NULL;
    if (nsvc && defaults)
        return usage_error(c, "--default-services and --service exclude each other");
    int rc = open_profadmin(&pa);
    if (rc)
        return rc;
    HRESULT hr = pa->lpVtbl->CreateProfile(pa, (LPTSTR)name, NULL, 0,
        defaults ? MAPI_DEFAULT_SERVICES : 0);
    if (hr != S_OK) {
        rc = fail_hr(hr, LAST_ERROR(pa, hr), "creating profile '%s'", name);
        pa->lpVtbl->Release(pa);
        return rc;
    }
    if (nsvc)
        rc = open_svcadmin(pa, name, &sa);
    for (int i = 0; rc == EXIT_OK && i < nsvc; i++) {
        const char *svc = opt_at(c, "service", i);
        hr = sa->lpVtbl->CreateMsgService(sa, (LPTSTR)svc, NULL, 0, 0);
        if (hr != S_OK)
            rc = fail_hr(hr, LAST_ERROR(sa, hr), "adding service '%s' to profile '%s'", svc,
                name);
    }
    if (rc == EXIT_OK && opt_count(c, "default")) {
        hr = pa->lpVtbl->SetDefaultProfile(pa, (LPTSTR)name, 0);
        if (hr != S_OK)
            rc = fail_hr(hr, LAST_ERROR(pa, hr), "making '%s' the default profile", name);
    }
    if (sa)
        sa->lpVtbl->Release(sa);
    if (rc != EXIT_OK) /* all or nothing: the profile goes again */
        pa->lpVtbl->DeleteProfile(pa, (LPTSTR)name, 0);
    pa->lpVtbl->Release(pa);
    return rc;
}

/* delete, copy, rename and default NAME: one IProfAdmin call each. */
static int profadmin_call(ctx *c, int which)
{
    LPPROFADMIN pa = NULL;
    int rc = open_profadmin(&pa);
    if (rc)
        return rc;
    LPTSTR a = (LPTSTR)c->argv[0], b = c->argc > 1 ? (LPTSTR)c->argv[1] : NULL;
    HRESULT hr;
    switch (which) {
    case 'd':
        hr = pa->lpVtbl->DeleteProfile(pa, a, 0);
        if (hr != S_OK)
            rc = fail_hr(hr, LAST_ERROR(pa, hr), "deleting profile '%s'", (char *)a);
        break;
    case 'c':
        hr = pa->lpVtbl->CopyProfile(pa, a, NULL, b, 0, 0);
        if (hr != S_OK)
            rc = fail_hr(hr, LAST_ERROR(pa, hr), "copying profile '%s' to '%s'", (char *)a,
                (char *)b);
        break;
    case 'r':
        hr = pa->lpVtbl->RenameProfile(pa, a, NULL, b, 0, 0);
        if (hr != S_OK)
            rc = fail_hr(hr, LAST_ERROR(pa, hr), "renaming profile '%s' to '%s'", (char *)a,
                (char *)b);
        break;
    }
    pa->lpVtbl->Release(pa);
    return rc;
}

static int run_delete(ctx *c)
{
    return profadmin_call(c, 'd');
}
static int run_copy(ctx *c)
{
    return profadmin_call(c, 'c');
}
static int run_rename(ctx *c)
{
    return profadmin_call(c, 'r');
}

static int run_default(ctx *c)
{
    LPPROFADMIN pa = NULL;
    int clear = opt_count(c, "clear") > 0;
    if (clear && c->argc)
        return usage_error(c, "--clear takes no profile name");
    int rc = open_profadmin(&pa);
    if (rc)
        return rc;
    if (c->argc || clear) {
        HRESULT hr = pa->lpVtbl->SetDefaultProfile(pa, clear ? NULL : (LPTSTR)c->argv[0], 0);
        if (hr != S_OK)
            rc = clear ? fail_hr(hr, LAST_ERROR(pa, hr), "clearing the default profile")
                       : fail_hr(hr, LAST_ERROR(pa, hr), "making '%s' the default profile",
                             c->argv[0]);
    } else {
        ctx plain = *c;
        plain.profile = NULL; /* the default itself, not MAPIRT_PROFILE */
        const char *name = ctx_profile(&plain, NULL, pa);
        if (!name)
            rc = EXIT_FAIL;
        else if (c->json) {
            json_begin_object(NULL);
            json_string("PR_DISPLAY_NAME", name);
            json_end();
            json_finish();
        } else
            printf("%s\n", name);
    }
    pa->lpVtbl->Release(pa);
    return rc;
}

/* ---- show ---- */

/* The properties of a section: GetProps(NULL) through the section's own object. */
static int section_props(LPPROFSECT ps, const char *what, ULONG *n, LPSPropValue *pv)
{
    HRESULT hr = ps->lpVtbl->GetProps(ps, NULL, 0, n, pv);
    if (FAILED(hr))
        return fail_hr(hr, LAST_ERROR(ps, hr), "reading %s", what);
    return EXIT_OK;
}

static const char *str_of(const SRow *row, ULONG tag)
{
    const SPropValue *p = row_prop(row, tag);
    return p ? p->Value.lpszA : "";
}

static void show_section(ctx *c, int indent, const char *json_key, ULONG n, LPSPropValue pv)
{
    if (c->json)
        json_props(json_key, n, pv);
    else
        print_props(indent, 0, n, pv);
}

static int show_providers(ctx *c, LPSERVICEADMIN sa, LPMAPIUID svc, const char *svcname)
{
    LPPROVIDERADMIN pv = NULL;
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    HRESULT hr = sa->lpVtbl->AdminProviders(sa, svc, 0, &pv);
    if (hr != S_OK)
        return fail_hr(hr, LAST_ERROR(sa, hr), "opening the providers of service '%s'", svcname);
    int rc = EXIT_OK;
    hr = pv->lpVtbl->GetProviderTable(pv, 0, &t);
    if (hr != S_OK)
        rc = fail_hr(hr, LAST_ERROR(pv, hr), "reading the providers of service '%s'", svcname);
    else
        rc = table_rows(t, "the provider table", &rows);
    if (c->json)
        json_begin_array("providers");
    for (ULONG i = 0; rc == EXIT_OK && i < rows->cRows; i++) {
        const SRow *r = &rows->aRow[i];
        const SPropValue *uid = row_prop(r, PR_PROVIDER_UID);
        const SPropValue *type = row_prop(r, PR_RESOURCE_TYPE);
        LPPROFSECT ps = NULL;
        ULONG n = 0;
        LPSPropValue props = NULL;
        if (!uid || uid->Value.bin.cb != sizeof(MAPIUID))
            continue;
        hr = pv->lpVtbl->OpenProfileSection(pv, (LPMAPIUID)uid->Value.bin.lpb, NULL, 0, &ps);
        if (hr != S_OK) {
            rc = fail_hr(hr, LAST_ERROR(pv, hr), "opening a provider section of service '%s'",
                svcname);
            break;
        }
        rc = section_props(ps, "a provider section", &n, &props);
        if (rc == EXIT_OK) {
            if (c->json) {
                json_begin_object(NULL);
                json_props("properties", n, props);
                json_end();
            } else {
                sbuf b = {0};
                hex_bytes(&b, uid->Value.bin.lpb, uid->Value.bin.cb);
                if (type && PROP_TYPE(type->ulPropTag) == PT_LONG) {
                    sbuf tt = {0};
                    prop_text(&tt, type);
                    printf("    %s \"%s\" %s  %s\n", "provider",
                        str_of(r, PR_DISPLAY_NAME_A), sb_str(&tt), sb_str(&b));
                    sb_free(&tt);
                } else
                    printf("    section %s\n", sb_str(&b));
                sb_free(&b);
                show_section(c, 6, NULL, n, props);
            }
        }
        MAPIFreeBuffer(props);
        ps->lpVtbl->Release(ps);
    }
    if (c->json)
        json_end();
    FreeProws(rows);
    if (t)
        t->lpVtbl->Release(t);
    pv->lpVtbl->Release(pv);
    return rc;
}

static int run_show(ctx *c)
{
    const char *name = c->argv[0];
    LPPROFADMIN pa = NULL;
    LPSERVICEADMIN sa = NULL;
    LPPROFSECT ps = NULL;
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    ULONG n = 0;
    LPSPropValue props = NULL;
    int rc = open_profadmin(&pa);
    if (rc)
        return rc;
    rc = open_svcadmin(pa, name, &sa);
    if (rc == EXIT_OK) {
        HRESULT hr = sa->lpVtbl->OpenProfileSection(sa, (LPMAPIUID)&MUID_PROFILE_INSTANCE, NULL,
            0, &ps);
        if (hr != S_OK)
            rc = fail_hr(hr, LAST_ERROR(sa, hr), "opening the profile section of '%s'", name);
    }
    if (rc == EXIT_OK)
        rc = section_props(ps, "the profile section", &n, &props);
    if (rc == EXIT_OK) {
        HRESULT hr = sa->lpVtbl->GetMsgServiceTable(sa, 0, &t);
        if (hr != S_OK)
            rc = fail_hr(hr, LAST_ERROR(sa, hr), "reading the services of '%s'", name);
        else
            rc = table_rows(t, "the service table", &rows);
    }
    if (rc == EXIT_OK) {
        if (c->json) {
            json_begin_object(NULL);
            json_string("PR_PROFILE_NAME", name);
            json_props("properties", n, props);
            json_begin_array("services");
        } else {
            printf("profile \"%s\"\n", name);
            print_props(2, 0, n, props);
        }
        for (ULONG i = 0; rc == EXIT_OK && i < rows->cRows; i++) {
            const SRow *r = &rows->aRow[i];
            const SPropValue *uid = row_prop(r, PR_SERVICE_UID);
            LPPROFSECT ss = NULL;
            ULONG sn = 0;
            LPSPropValue sp = NULL;
            if (!uid || uid->Value.bin.cb != sizeof(MAPIUID))
                continue;
            const char *svcname = str_of(r, PR_SERVICE_NAME_A);
            HRESULT hr = sa->lpVtbl->OpenProfileSection(sa, (LPMAPIUID)uid->Value.bin.lpb, NULL,
                0, &ss);
            if (hr != S_OK) {
                rc = fail_hr(hr, LAST_ERROR(sa, hr), "opening the section of service '%s'",
                    svcname);
                break;
            }
            rc = section_props(ss, "a service section", &sn, &sp);
            if (rc == EXIT_OK) {
                if (c->json) {
                    json_begin_object(NULL);
                    json_props("properties", sn, sp);
                } else {
                    sbuf b = {0};
                    hex_bytes(&b, uid->Value.bin.lpb, uid->Value.bin.cb);
                    printf("  service %s \"%s\"  %s\n", svcname, str_of(r, PR_DISPLAY_NAME_A),
                        sb_str(&b));
                    sb_free(&b);
                    print_props(4, 1, sn, sp);
                }
                rc = show_providers(c, sa, (LPMAPIUID)uid->Value.bin.lpb, svcname);
                if (c->json)
                    json_end();
            }
            MAPIFreeBuffer(sp);
            ss->lpVtbl->Release(ss);
        }
        if (c->json) {
            json_end();
            json_end();
            if (rc == EXIT_OK)
                json_finish();
        }
    }
    MAPIFreeBuffer(props);
    FreeProws(rows);
    if (t)
        t->lpVtbl->Release(t);
    if (ps)
        ps->lpVtbl->Release(ps);
    if (sa)
        sa->lpVtbl->Release(sa);
    pa->lpVtbl->Release(pa);
    return rc;
}

static const opt CREATE_OPTS[] = {
    {"default-services", NULL, "add the catalog's [Default Services]", 0},
    {"service", "SERVICE", "add the catalog's service SERVICE (repeatable)", 1},
    {"default", NULL, "make it the default profile", 0},
    {NULL, NULL, NULL, 0},
};

static const opt DEFAULT_OPTS[] = {
    {"clear", NULL, "leave no profile the default", 0},
    {NULL, NULL, NULL, 0},
};

static const cmd PROFILE_CMDS[] = {
    {"list", "", 0, 0, "list the profiles", NULL, NULL, CMD_JSON | CMD_MAPI, run_list},
    {"create", "NAME", 1, 1, "create a profile",
        "With --default-services or --service, the services are added and configured by their "
        "ServiceEntry; if any refuses, the profile is deleted again and nothing is left.",
        CREATE_OPTS, CMD_MAPI, run_create},
    {"delete", "NAME", 1, 1, "delete a profile",
        "Each service is told first (MSG_SERVICE_DELETE). A profile in use is deleted when its "
        "last session ends; its name is free at once.",
        NULL, CMD_MAPI | CMD_PROFILE_OPERAND, run_delete},
    {"copy", "OLD NEW", 2, 2, "copy a profile, services and all", NULL, NULL, CMD_MAPI | CMD_PROFILE_OPERAND,
        run_copy},
    {"rename", "OLD NEW", 2, 2, "rename a profile", NULL, NULL, CMD_MAPI | CMD_PROFILE_OPERAND,
        run_rename},
    {"default", "[NAME]", 0, 1, "print the default profile, or make NAME the default", NULL,
        DEFAULT_OPTS, CMD_JSON | CMD_MAPI | CMD_PROFILE_OPERAND, run_default},
    {"show", "NAME", 1, 1, "print a profile as a tree: its sections, services and providers",
        "Every section's properties are printed by name, with their type and their value decoded "
        "(flags by name). Secure properties are not shown.",
        NULL, CMD_JSON | CMD_MAPI | CMD_PROFILE_OPERAND, run_show},
    {0},
};

const group profile_group = {"profile", "the profiles of the profile store", PROFILE_CMDS};
