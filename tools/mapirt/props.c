/* props.c: property names and values on the command line and in the output, through the
 * generated vocabulary (<mapirt/vocab.h>) and the catalog's value reader (<mapirt/catalog.h>). */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapix.h>

#include <mapirt/catalog.h>
#include <mapirt/strconv.h>
#include <mapirt/vocab.h>

#include "cli.h"

static int hex_tag(const char *s, ULONG *out)
{
    char *end;
    const char *p = s;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        p += 2;
    else if (strlen(p) != 8)
        return 0;
    if (!*p || strlen(p) > 8)
        return 0;
    errno = 0;
    unsigned long v = strtoul(p, &end, 16);
    if (errno || *end)
        return 0;
    *out = (ULONG)v;
    return 1;
}

int prop_parse_tag(const char *name, ULONG *tag, const char **problem)
{
    ULONG t;
    if (hex_tag(name, &t)) {
        *tag = t;
        return 1;
    }
    t = mapirt_tag_from_name(name);
    if (t == PR_NULL && strcmp(name, "PR_NULL") != 0) {
        *problem = "unknown property name (mapirt vocab tag NAME looks names up)";
        return 0;
    }
    *tag = t;
    return 1;
}

int prop_parse_assignment(const ctx *c, const char *text, void *parent, SPropValue *out)
{
    const char *eq = strchr(text, '=');
    const char *problem = NULL;
    char name[256], err[256];
    ULONG tag;
    if (!eq || eq == text || (size_t)(eq - text) >= sizeof name)
        return usage_error(c, "--set '%s': expected PROPERTY=VALUE", text);
    memcpy(name, text, (size_t)(eq - text));
    name[eq - text] = '\0';
    if (!prop_parse_tag(name, &tag, &problem))
        return usage_error(c, "--set '%s': '%s': %s", text, name, problem);
    HRESULT hr = mapirt_prop_from_text(tag, eq + 1, parent, out, err, sizeof err);
    if (hr == MAPI_E_NOT_ENOUGH_MEMORY)
        return fail_hr(hr, NULL, "--set '%s'", text);
    if (hr != S_OK) {
        char tn[64];
        return usage_error(c, "--set '%s': not a value of %s (%s): %s", text, name,
            prop_type_name(tag, tn, sizeof tn), err);
    }
    return EXIT_OK;
}

const char *prop_name(ULONG tag, char *buf, size_t cb)
{
    const char *n = mapirt_tag_name(tag);
    ULONG type = PROP_TYPE(tag);
    if (!n && type == PT_ERROR) {
        /* an error in place of a value: name it after the property it stands for */
        static const ULONG types[] = {PT_UNICODE, PT_STRING8, PT_LONG, PT_BINARY, PT_BOOLEAN,
            PT_SYSTIME, PT_I8, PT_CLSID, PT_MV_UNICODE, PT_MV_BINARY,
            PT_MV_LONG, PT_OBJECT, PT_I2, PT_DOUBLE};
        for (size_t i = 0; !n && i < sizeof types / sizeof types[0]; i++)
            if ((n = mapirt_tag_name(PROP_TAG(types[i], PROP_ID(tag)))) != NULL)
                type = types[i];
    }
    if (!n) {
        snprintf(buf, cb, "0x%08X", (unsigned)tag);
        return buf;
    }
    size_t len = strlen(n);
    int str = (type & ~(ULONG)MV_FLAG) == PT_UNICODE || (type & ~(ULONG)MV_FLAG) == PT_STRING8;
    if (str && len > 2 && (strcmp(n + len - 2, "_W") == 0 || strcmp(n + len - 2, "_A") == 0))
        len -= 2;
    snprintf(buf, cb, "%.*s", (int)len, n);
    return buf;
}

const char *prop_type_name(ULONG tag, char *buf, size_t cb)
{
    const char *n = mapirt_proptype_name(PROP_TYPE(tag));
    if (n)
        return n;
    snprintf(buf, cb, "0x%04X", (unsigned)PROP_TYPE(tag));
    return buf;
}

void hex_bytes(sbuf *b, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sb_putf(b, "%02x", ((const unsigned char *)p)[i]);
}

static void guid_text(sbuf *b, const GUID *g)
{
    sb_putf(b, "{%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x}", (unsigned)g->Data1,
        g->Data2, g->Data3, g->Data4[0], g->Data4[1], g->Data4[2], g->Data4[3], g->Data4[4],
        g->Data4[5], g->Data4[6], g->Data4[7]);
}

static void time_text(sbuf *b, const FILETIME *ft)
{
    uint64_t v = (uint64_t)ft->dwHighDateTime << 32 | ft->dwLowDateTime;
    int64_t secs = (int64_t)(v / 10000000u) - 11644473600LL;
    time_t t = (time_t)secs;
    struct tm tm;
    char buf[64];
    if (!gmtime_r(&t, &tm) || !strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm)) {
        sb_putf(b, "0x%016llx", (unsigned long long)v);
        return;
    }
    sb_putf(b, "%sZ", buf);
}

static void wide_text(sbuf *b, const WCHAR *w)
{
    void *parent = NULL;
    LPSTR a = NULL;
    if (w && MAPIAllocateBuffer(1, &parent) == S_OK && mapirt_str_w_to_a(w, parent, &a) == S_OK)
        sb_puts(b, a);
    else
        sb_puts(b, "(not UTF-16)");
    if (parent)
        MAPIFreeBuffer(parent);
}

/* One element of base type `type` at p (for PT_CLSID, p is the GUID itself). json: as a JSON
 * value. tag: for the flag set of PT_LONG values. */
static int g_service; /* PR_RESOURCE_FLAGS of a service: SERVICE_* flags */

static const mapirt_flagset *flagset_of(ULONG tag)
{
    if (g_service && PROP_ID(tag) == PROP_ID(PR_RESOURCE_FLAGS))
        return mapirt_flagset_find("ServiceResourceFlags");
    return mapirt_flagset_for_tag(tag);
}

static void elem(sbuf *b, ULONG tag, ULONG type, const void *p, int json)
{
    sbuf s = {0};
    int quoted = 0;
    switch (type) {
    case PT_I2:
        sb_putf(b, "%d", *(const short *)p);
        return;
    case PT_LONG: {
        LONG v = *(const LONG *)p;
        const mapirt_flagset *set = flagset_of(tag);
        if (json || !set) {
            sb_putf(b, json ? "%ld" : "%ld", (long)v);
            return;
        }
        char buf[1024];
        mapirt_flags_decode(set, (ULONG)v, buf, sizeof buf);
        if (strcmp(buf, "0") == 0 || buf[0] == '0')
            sb_puts(b, buf);
        else
            sb_putf(b, "%s (0x%08X)", buf, (unsigned)v);
        return;
    }
    case PT_R4:
        sb_putf(b, "%g", (double)*(const float *)p);
        return;
    case PT_DOUBLE:
    case PT_APPTIME:
        sb_putf(b, "%.17g", *(const double *)p);
        return;
    case PT_CURRENCY: {
        long long v = ((const CURRENCY *)p)->int64;
        sb_putf(b, "%s%lld.%04lld", v < 0 ? "-" : "", llabs(v) / 10000, llabs(v) % 10000);
        return;
    }
    case PT_I8:
        sb_putf(b, "%lld", (long long)((const LARGE_INTEGER *)p)->QuadPart);
        return;
    case PT_BOOLEAN:
        sb_puts(b, *(const unsigned short *)p ? (json ? "true" : "TRUE") : (json ? "false" : "FALSE"));
        return;
    case PT_ERROR: {
        SCODE sc = *(const SCODE *)p;
        const char *n = mapirt_scode_name(sc);
        if (json) {
            sb_puts(b, "{\"error\": ");
            json_quote(b, n ? n : "unknown");
            sb_putf(b, ", \"scode\": %lu}", (unsigned long)(ULONG)sc);
        } else if (n)
            sb_putf(b, "(error %s)", n);
        else
            sb_putf(b, "(error 0x%08X)", (unsigned)sc);
        return;
    }
    case PT_STRING8:
        sb_puts(&s, *(const LPSTR *)p ? *(const LPSTR *)p : "");
        quoted = 1;
        break;
    case PT_UNICODE:
        wide_text(&s, *(const LPWSTR *)p);
        quoted = 1;
        break;
    case PT_SYSTIME:
        time_text(&s, p);
        quoted = 1;
        break;
    case PT_CLSID:
        guid_text(&s, p);
        quoted = 1;
        break;
    case PT_BINARY: {
        const SBinary *bin = p;
        hex_bytes(&s, bin->lpb, bin->cb);
        quoted = 1;
        break;
    }
    case PT_OBJECT:
        sb_puts(&s, "(object)");
        quoted = 1;
        break;
    case PT_NULL:
        sb_puts(b, json ? "null" : "(null)");
        return;
    default:
        sb_putf(&s, "(type 0x%04X)", (unsigned)type);
        quoted = 1;
        break;
    }
    if (quoted && json)
        json_quote(b, sb_str(&s));
    else
        sb_puts(b, sb_str(&s));
    sb_free(&s);
}

static void value(sbuf *b, const SPropValue *pv, int json)
{
    ULONG type = PROP_TYPE(pv->ulPropTag);
    if (!(type & MV_FLAG)) {
        const void *p = type == PT_CLSID ? (const void *)pv->Value.lpguid : (const void *)&pv->Value;
        if (type == PT_CLSID && !p) {
            sb_puts(b, json ? "null" : "(null)");
            return;
        }
        elem(b, pv->ulPropTag, type, p, json);
        return;
    }
    ULONG base = type & ~(ULONG)MV_FLAG;
    size_t size;
    switch (base) {
    case PT_I2:
        size = sizeof(short);
        break;
    case PT_LONG:
        size = sizeof(LONG);
        break;
    case PT_R4:
        size = sizeof(float);
        break;
    case PT_DOUBLE:
    case PT_APPTIME:
        size = sizeof(double);
        break;
    case PT_CURRENCY:
        size = sizeof(CURRENCY);
        break;
    case PT_I8:
        size = sizeof(LARGE_INTEGER);
        break;
    case PT_SYSTIME:
        size = sizeof(FILETIME);
        break;
    case PT_STRING8:
        size = sizeof(LPSTR);
        break;
    case PT_UNICODE:
        size = sizeof(LPWSTR);
        break;
    case PT_BINARY:
        size = sizeof(SBinary);
        break;
    case PT_CLSID:
        size = sizeof(GUID);
        break;
    default:
        sb_puts(b, json ? "null" : "(unknown)");
        return;
    }
    /* every multi-valued member of the union is {ULONG cValues; T *lpX} */
    ULONG n = pv->Value.MVl.cValues;
    const char *arr = (const char *)pv->Value.MVl.lpl;
    sb_puts(b, json ? "[" : "");
    for (ULONG i = 0; i < n && arr; i++) {
        if (i)
            sb_puts(b, ", ");
        elem(b, pv->ulPropTag, base, arr + i * size, json);
    }
    sb_puts(b, json ? "]" : "");
}

void prop_text(sbuf *b, const SPropValue *pv)
{
    value(b, pv, 0);
}

void prop_text_service(sbuf *b, const SPropValue *pv)
{
    g_service = 1;
    value(b, pv, 0);
    g_service = 0;
}

void prop_json_value(sbuf *b, const SPropValue *pv)
{
    value(b, pv, 1);
}

void json_props(const char *key, ULONG n, const SPropValue *pv)
{
    json_begin_object(key);
    for (ULONG i = 0; i < n; i++) {
        char nb[64];
        sbuf v = {0};
        if (pv[i].ulPropTag == PR_NULL ||
            (PROP_TYPE(pv[i].ulPropTag) == PT_ERROR && pv[i].Value.err == MAPI_E_NOT_FOUND))
            continue; /* a column the row does not have: absent, as in the text tables */
        prop_json_value(&v, &pv[i]);
        json_raw(prop_name(pv[i].ulPropTag, nb, sizeof nb), sb_str(&v));
        sb_free(&v);
    }
    json_end();
}

void print_props(int indent, int service, ULONG n, const SPropValue *pv)
{
    int wn = 0, wt = 0;
    for (ULONG i = 0; i < n; i++) {
        char nb[64], tb[32];
        int a = (int)strlen(prop_name(pv[i].ulPropTag, nb, sizeof nb));
        int t = (int)strlen(prop_type_name(pv[i].ulPropTag, tb, sizeof tb));
        wn = a > wn ? a : wn;
        wt = t > wt ? t : wt;
    }
    for (ULONG i = 0; i < n; i++) {
        char nb[64], tb[32];
        sbuf v = {0};
        if (pv[i].ulPropTag == PR_NULL)
            continue;
        if (service)
            prop_text_service(&v, &pv[i]);
        else
            prop_text(&v, &pv[i]);
        printf("%*s%-*s  %-*s  %s\n", indent, "", wn, prop_name(pv[i].ulPropTag, nb, sizeof nb),
            wt, prop_type_name(pv[i].ulPropTag, tb, sizeof tb), sb_str(&v));
        sb_free(&v);
    }
}

const SPropValue *row_prop(const SRow *row, ULONG tag)
{
    for (ULONG i = 0; i < row->cValues; i++)
        if (row->lpProps[i].ulPropTag == tag)
            return &row->lpProps[i];
    return NULL;
}
