/* mapirt-vocab: MAPI's vocabulary from the command line, through <mapirt/vocab.h>.
 *
 *   mapirt-vocab tag 0x3001001F          PR_DISPLAY_NAME_W (PidTagDisplayName), PT_UNICODE
 *   mapirt-vocab tag PidTagDisplayName   0x3001001F ...
 *   mapirt-vocab scode 0x8004010F        MAPI_E_NOT_FOUND: <description>
 *   mapirt-vocab scode MAPI_E_NOT_FOUND  (names are looked up too)
 *   mapirt-vocab flags LogonFlags 0x29   MAPI_LOGON_UI | MAPI_ALLOW_OTHERS | MAPI_EXTENDED
 *   mapirt-vocab flags PR_RESOURCE_FLAGS 0x4   (the set a property is decoded with)
 *
 * Exit status: 0 found, 1 unknown, 2 usage. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mapirt/vocab.h>

static int number(const char *s, ULONG *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 0);
    if (errno != 0 || end == s || *end != '\0' || v > 0xFFFFFFFFul)
        return 0;
    *out = (ULONG)v;
    return 1;
}

static int tag(const char *arg)
{
    ULONG t;
    if (!number(arg, &t)) {
        t = mapirt_tag_from_name(arg);
        if (t == 0x00000001u && strcmp(arg, "PR_NULL") != 0) {
            fprintf(stderr, "mapirt-vocab: unknown property name '%s'\n", arg);
            return 1;
        }
    }
    const char *name = mapirt_tag_name(t), *pidtag = mapirt_tag_pidtag(t);
    const char *type = mapirt_proptype_name(t & 0xFFFFu);
    printf("0x%08X %s%s%s%s %s\n", (unsigned)t, name ? name : "(unnamed)", pidtag ? " (" : "",
           pidtag ? pidtag : "", pidtag ? ")" : "", type ? type : "(unknown type)");
    return name != NULL ? 0 : 1;
}

static int scode(const char *arg)
{
    ULONG v;
    if (!number(arg, &v)) {
        for (unsigned i = 0; i < mapirt_scode_row_count; i++)
            if (strcmp(mapirt_scode_rows[i].name, arg) == 0) {
                v = mapirt_scode_rows[i].value;
                goto found;
            }
        fprintf(stderr, "mapirt-vocab: unknown status code '%s'\n", arg);
        return 1;
    }
found:;
    const char *name = mapirt_scode_name((HRESULT)v);
    printf("0x%08X %s: %s\n", (unsigned)v, name ? name : "(unknown)",
           name ? mapirt_scode_description((HRESULT)v) : "not a code mapirt knows");
    return name != NULL ? 0 : 1;
}

static int flags(const char *set_name, const char *arg)
{
    ULONG v;
    const mapirt_flagset *set = mapirt_flagset_find(set_name);
    if (set == NULL) {
        ULONG t = mapirt_tag_from_name(set_name);
        set = t != 0x00000001u ? mapirt_flagset_for_tag(t) : NULL;
    }
    if (set == NULL) {
        fprintf(stderr, "mapirt-vocab: no flag set or decoded property '%s'\n", set_name);
        return 1;
    }
    if (!number(arg, &v)) {
        fprintf(stderr, "mapirt-vocab: '%s' is not a number\n", arg);
        return 2;
    }
    char buf[1024];
    mapirt_flags_decode(set, v, buf, sizeof buf);
    printf("%s\n", buf);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "tag") == 0)
        return tag(argv[2]);
    if (argc == 3 && strcmp(argv[1], "scode") == 0)
        return scode(argv[2]);
    if (argc == 4 && strcmp(argv[1], "flags") == 0)
        return flags(argv[2], argv[3]);
    fprintf(stderr, "usage: mapirt-vocab tag TAG|NAME\n"
                    "       mapirt-vocab scode CODE|NAME\n"
                    "       mapirt-vocab flags SET|PR_NAME VALUE\n");
    return 2;
}
