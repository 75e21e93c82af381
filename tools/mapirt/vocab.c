/* vocab.c: `mapirt vocab`: MAPI's vocabulary by name and by number (<mapirt/vocab.h>).
 *
 *   mapirt vocab tag 0x3001001F          0x3001001F PR_DISPLAY_NAME_W (PidTagDisplayName) PT_UNICODE
 *   mapirt vocab tag PidTagDisplayName   (names are looked up too)
 *   mapirt vocab scode 0x8004010F        0x8004010F MAPI_E_NOT_FOUND: <description>
 *   mapirt vocab flags LogonFlags 0x29   MAPI_LOGON_UI | MAPI_ALLOW_OTHERS | MAPI_EXTENDED
 *
 * Exit status: 0 found, 1 unknown, 2 usage. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mapirt/vocab.h>

#include "cli.h"

static int number(const char *s, ULONG *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 0);
    if (errno != 0 || end == s || *end != '\0' || v > 0xFFFFFFFFul || s[0] == '-')
        return 0;
    *out = (ULONG)v;
    return 1;
}

static int run_tag(ctx *c)
{
    const char *arg = c->argv[0];
    ULONG t;
    if (!number(arg, &t)) {
        t = mapirt_tag_from_name(arg);
        if (t == PR_NULL && strcmp(arg, "PR_NULL") != 0)
            return fail_msg("unknown property name '%s'", arg);
    }
    const char *name = mapirt_tag_name(t), *pidtag = mapirt_tag_pidtag(t);
    const char *type = mapirt_proptype_name(PROP_TYPE(t));
    if (c->json) {
        char hex[16];
        snprintf(hex, sizeof hex, "0x%08X", (unsigned)t);
        json_begin_object(NULL);
        json_string("tag", hex);
        if (name)
            json_string("name", name);
        if (pidtag)
            json_string("pidtag", pidtag);
        if (type)
            json_string("type", type);
        json_end();
        json_finish();
    } else
        printf("0x%08X %s%s%s%s %s\n", (unsigned)t, name ? name : "(unnamed)",
            pidtag ? " (" : "", pidtag ? pidtag : "", pidtag ? ")" : "",
            type ? type : "(unknown type)");
    return name ? EXIT_OK : EXIT_FAIL;
}

static int run_scode(ctx *c)
{
    const char *arg = c->argv[0];
    ULONG v;
    if (!number(arg, &v)) {
        unsigned i;
        for (i = 0; i < mapirt_scode_row_count; i++)
            if (strcmp(mapirt_scode_rows[i].name, arg) == 0)
                break;
        if (i == mapirt_scode_row_count)
            return fail_msg("unknown status code '%s'", arg);
        v = mapirt_scode_rows[i].value;
    }
    const char *name = mapirt_scode_name((HRESULT)v);
    const char *desc = name ? mapirt_scode_description((HRESULT)v) : "not a code mapirt knows";
    if (c->json) {
        char hex[16];
        snprintf(hex, sizeof hex, "0x%08X", (unsigned)v);
        json_begin_object(NULL);
        json_string("scode", hex);
        if (name)
            json_string("name", name);
        json_string("description", desc);
        json_end();
        json_finish();
    } else
        printf("0x%08X %s: %s\n", (unsigned)v, name ? name : "(unknown)", desc);
    return name ? EXIT_OK : EXIT_FAIL;
}

static int run_flags(ctx *c)
{
    const char *set_name = c->argv[0];
    ULONG v;
    const mapirt_flagset *set = mapirt_flagset_find(set_name);
    if (!set) {
        ULONG t = mapirt_tag_from_name(set_name);
        set = t != PR_NULL ? mapirt_flagset_for_tag(t) : NULL;
    }
    if (!number(c->argv[1], &v))
        return usage_error(c, "'%s' is not a number", c->argv[1]);
    if (!set)
        return fail_msg("no flag set or decoded property '%s'", set_name);
    char buf[1024];
    mapirt_flags_decode(set, v, buf, sizeof buf);
    if (c->json) {
        json_begin_object(NULL);
        json_string("set", set->name);
        json_number("value", v);
        json_begin_array("names");
        for (unsigned i = 0; i < set->count; i++) {
            ULONG m = set->members[i].value;
            if (set->is_values ? m == v : (m != 0 && (v & m) == m))
                json_string(NULL, set->members[i].name);
        }
        json_end();
        json_string("text", buf);
        json_end();
        json_finish();
    } else
        printf("%s\n", buf);
    return EXIT_OK;
}

static const cmd VOCAB_CMDS[] = {
    {"tag", "TAG|NAME", 1, 1, "a property tag's names and type, or a name's tag",
        "TAG is a number (0x3001001F); NAME is PR_DISPLAY_NAME_W, PR_DISPLAY_NAME (the 8-bit tag) "
        "or PidTagDisplayName (the UTF-16 tag). Exit status 1 when it is unknown.",
        NULL, CMD_JSON, run_tag},
    {"scode", "CODE|NAME", 1, 1, "a status code's name and description",
        "CODE is a number (0x8004010F), NAME a code's name (MAPI_E_NOT_FOUND).", NULL, CMD_JSON,
        run_scode},
    {"flags", "SET|PROPERTY VALUE", 2, 2, "a value decoded by a flag set",
        "SET is a flag or value set of the IDL (LogonFlags), or a property whose values it decodes "
        "(PR_RESOURCE_FLAGS).",
        NULL, CMD_JSON, run_flags},
    {0},
};

const group vocab_group = {"vocab", "MAPI's vocabulary: property tags, status codes, flags",
    VOCAB_CMDS};
