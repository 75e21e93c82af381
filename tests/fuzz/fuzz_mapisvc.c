/* tests/fuzz/fuzz_mapisvc.c: the MAPISVC.INF parser (runtime/profile/catalog_parse.c,
 * catalog_value.c) fed arbitrary text, as one to three catalog files (the input is cut at its
 * first NUL bytes; later NULs stay in the text).
 *
 * Checked on every input:
 *   - a failure is MAPI_E_CORRUPT_DATA with no catalog, and its message starts with
 *     "FILE:LINE: " naming one of the inputs and a line that file has;
 *   - the result (code and message) does not depend on the size of the message buffer: a
 *     short buffer gets a prefix of the same message;
 *   - a success is a catalog whose parts agree with each other (every service's section is a
 *     service section, providers and extra sections have their roles, default services are
 *     flagged, required properties are present, section names are unique), and that
 *     round-trips: written back as one MAPISVC.INF file (writer below) and parsed again it gives
 *     the same model, and writing that gives the same bytes.
 * Leaks (a half-built catalog left behind) are caught by LeakSanitizer. */
#include <math.h>
#include <stdarg.h>
#include <strings.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapitags.h>

#include <mapirt/alloc.h>
#include <mapirt/strconv.h>

#include "fuzz.h"
#include "profile/catalog.h"

/* ---- a growable text buffer ---- */

typedef struct buf {
    char *p;
    size_t n, cap;
} buf;

static void put(buf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p)
            abort();
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void puts_(buf *b, const char *s)
{
    put(b, s, strlen(s));
}

static void putf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(buf *b, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    FZ_CHECK(n >= 0 && (size_t)n < sizeof tmp, "formatted value too long");
    put(b, tmp, (size_t)n);
}

static void hex(buf *b, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        putf(b, "%02X", ((const BYTE *)p)[i]);
}

/* ---- writing a catalog back as MAPISVC.INF ----
 * Lines end in CRLF: the parser drops one CR before LF, so a value that itself ends in CR
 * (kept by the parser: only blanks are trimmed from [Services] values) survives. Property
 * keys are written as 8-hex-digit tags and numbers in forms that cannot be mistaken for
 * another: 0x-prefixed hexadecimal (8 plain hex digits would be little-endian bytes), a
 * negative PT_I8 in decimal, floating point in C99 hexadecimal (exact). */

static void element(buf *b, ULONG type, const void *arr, size_t i)
{
    switch (type) {
    case PT_I2:
        putf(b, "0x%04X", (unsigned)(uint16_t)((const short *)arr)[i]);
        break;
    case PT_LONG:
        putf(b, "0x%08X", (unsigned)(uint32_t)((const LONG *)arr)[i]);
        break;
    case PT_I8: {
        long long v = ((const LARGE_INTEGER *)arr)[i].QuadPart;
        if (v < 0)
            putf(b, "%lld", v);
        else
            putf(b, "0x%llX", v);
        break;
    }
    case PT_R4:
        putf(b, "%a", (double)((const float *)arr)[i]);
        break;
    case PT_DOUBLE:
        putf(b, "%a", ((const double *)arr)[i]);
        break;
    case PT_STRING8:
        puts_(b, ((const LPSTR *)arr)[i]);
        break;
    case PT_UNICODE: {
        char *a = mapirt_str_w_to_a_dup(((const LPWSTR *)arr)[i]);
        FZ_CHECK(a != NULL, "out of memory");
        puts_(b, a);
        mapirt_free(a);
        break;
    }
    case PT_BINARY: {
        const SBinary *bin = &((const SBinary *)arr)[i];
        hex(b, bin->lpb, bin->cb);
        break;
    }
    case PT_CLSID:
        hex(b, &((const GUID *)arr)[i], sizeof(GUID));
        break;
    default:
        FZ_CHECK(0, "the parser accepted type 0x%04X", (unsigned)type);
    }
}

static void value(buf *b, const SPropValue *v)
{
    ULONG t = PROP_TYPE(v->ulPropTag);
    if (t == PT_BOOLEAN) {
        FZ_CHECK(v->Value.b == 0 || v->Value.b == 1, "boolean %u", (unsigned)v->Value.b);
        puts_(b, v->Value.b ? "TRUE" : "FALSE");
        return;
    }
    if (!(t & MV_FLAG)) {
        /* a single value is the first element of a one-element array of it */
        const void *p = t == PT_STRING8 ? (const void *)&v->Value.lpszA
                      : t == PT_UNICODE ? (const void *)&v->Value.lpszW
                      : t == PT_CLSID   ? (const void *)v->Value.lpguid
                                        : (const void *)&v->Value;
        element(b, t, p, 0);
        return;
    }
    ULONG n = v->Value.MVl.cValues;
    FZ_CHECK(n >= 1, "multi-valued property with no values");
    for (ULONG i = 0; i < n; i++) {
        if (i)
            puts_(b, ",");
        element(b, t & ~(ULONG)MV_FLAG, v->Value.MVl.lpl, i);
    }
}

static void names(buf *b, const char *key, mapirt_catalog_section *const *v, ULONG n)
{
    if (!n)
        return;
    puts_(b, key);
    for (ULONG i = 0; i < n; i++) {
        puts_(b, i ? ", " : "=");
        puts_(b, v[i]->name);
    }
    puts_(b, "\r\n");
}

static void write_catalog(buf *b, const mapirt_catalog *c)
{
    puts_(b, "[Services]\r\n");
    for (ULONG i = 0; i < c->cServices; i++)
        puts_(b, c->services[i].name), puts_(b, "="), puts_(b, c->services[i].display),
            puts_(b, "\r\n");
    puts_(b, "[Default Services]\r\n");
    for (ULONG i = 0; i < c->cDefaults; i++)
        puts_(b, c->defaults[i]->name), puts_(b, "=x\r\n");
    puts_(b, "[Help File Mappings]\r\n");
    for (ULONG i = 0; i < c->cServices; i++)
        if (c->services[i].help)
            puts_(b, c->services[i].name), puts_(b, "="), puts_(b, c->services[i].help),
                puts_(b, "\r\n");
    for (ULONG i = 0; i < c->cSections; i++) {
        const mapirt_catalog_section *s = c->sections[i];
        puts_(b, "["), puts_(b, s->name), puts_(b, "]\r\n");
        names(b, "Providers", s->providers, s->cProviders);
        names(b, "Sections", s->extras, s->cExtras);
        if (s->has_uid) {
            puts_(b, "UID=");
            hex(b, &s->uid, sizeof s->uid);
            puts_(b, "\r\n");
        }
        for (ULONG k = 0; k < s->cValues; k++) {
            putf(b, "%08X=", (unsigned)s->lpProps[k].ulPropTag);
            value(b, &s->lpProps[k]);
            puts_(b, "\r\n");
        }
    }
}

/* ---- the model's own consistency ---- */

static const mapirt_catalog_section *section_named(const mapirt_catalog *c, const char *name)
{
    const mapirt_catalog_section *found = NULL;
    for (ULONG i = 0; i < c->cSections; i++)
        if (strcasecmp(c->sections[i]->name, name) == 0) {
            FZ_CHECK(!found, "two sections named [%s]", name);
            found = c->sections[i];
        }
    return found;
}

static void check_model(const mapirt_catalog *c)
{
    for (ULONG i = 0; i < c->cSections; i++)
        section_named(c, c->sections[i]->name);
    ULONG ndef = 0;
    for (ULONG i = 0; i < c->cServices; i++) {
        const mapirt_catalog_service *s = &c->services[i];
        FZ_CHECK(section_named(c, s->name) == s->section, "service %s has another section",
                 s->name);
        FZ_CHECK(s->section->role == MAPIRT_SECTION_SERVICE, "service %s: role %d", s->name,
                 s->section->role);
        FZ_CHECK(s->section->cProviders >= 1, "service %s without providers", s->name);
        FZ_CHECK(mapirt_catalog_service_find(c, s->name) == s, "lookup of %s", s->name);
        ndef += s->is_default;
        for (ULONG j = 0; j < i; j++)
            FZ_CHECK(strcasecmp(c->services[j].name, s->name) != 0, "service %s twice", s->name);
    }
    FZ_CHECK(ndef == c->cDefaults, "%u flagged defaults, %u listed", (unsigned)ndef,
             (unsigned)c->cDefaults);
    for (ULONG i = 0; i < c->cDefaults; i++)
        FZ_CHECK(c->defaults[i]->is_default, "default %s not flagged", c->defaults[i]->name);
    for (ULONG i = 0; i < c->cSections; i++) {
        const mapirt_catalog_section *s = c->sections[i];
        FZ_CHECK(s->role >= MAPIRT_SECTION_UNUSED && s->role <= MAPIRT_SECTION_EXTRA, "role");
        FZ_CHECK(s->role == MAPIRT_SECTION_SERVICE || (!s->cProviders && !s->cExtras),
                 "[%s] lists sections but is no service", s->name);
        FZ_CHECK(!s->has_uid || s->role == MAPIRT_SECTION_EXTRA, "UID= in [%s]", s->name);
        for (ULONG k = 0; k < s->cProviders; k++)
            FZ_CHECK(s->providers[k]->role == MAPIRT_SECTION_PROVIDER, "provider role");
        for (ULONG k = 0; k < s->cExtras; k++)
            FZ_CHECK(s->extras[k]->role == MAPIRT_SECTION_EXTRA, "extra role");
        for (ULONG k = 0; k < s->cValues; k++) {
            ULONG id = PROP_ID(s->lpProps[k].ulPropTag);
            FZ_CHECK(id != 0 && id < 0x8000, "property ID 0x%04X stored", (unsigned)id);
            for (ULONG j = 0; j < k; j++)
                FZ_CHECK(PROP_ID(s->lpProps[j].ulPropTag) != id, "0x%04X twice", (unsigned)id);
        }
        if (s->role == MAPIRT_SECTION_PROVIDER) {
            const SPropValue *dll = mapirt_catalog_prop(s, PR_PROVIDER_DLL_NAME_A);
            const SPropValue *type = mapirt_catalog_prop(s, PR_RESOURCE_TYPE);
            FZ_CHECK(dll && (PROP_TYPE(dll->ulPropTag) == PT_STRING8 ||
                             PROP_TYPE(dll->ulPropTag) == PT_UNICODE),
                     "provider [%s] without a DLL name", s->name);
            FZ_CHECK(type && PROP_TYPE(type->ulPropTag) == PT_LONG, "provider [%s] type",
                     s->name);
        }
    }
}

/* ---- equality of two models (names, roles, values; not where things were written) ---- */

static int same_value(const SPropValue *a, const SPropValue *b);

static int same_elem(ULONG t, const void *x, const void *y, size_t i)
{
    switch (t) {
    case PT_I2: return ((const short *)x)[i] == ((const short *)y)[i];
    case PT_LONG: return ((const LONG *)x)[i] == ((const LONG *)y)[i];
    case PT_I8:
        return ((const LARGE_INTEGER *)x)[i].QuadPart == ((const LARGE_INTEGER *)y)[i].QuadPart;
    case PT_R4: {
        float a = ((const float *)x)[i], b = ((const float *)y)[i];
        return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
    }
    case PT_DOUBLE: {
        double a = ((const double *)x)[i], b = ((const double *)y)[i];
        return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
    }
    case PT_STRING8: return strcmp(((const LPSTR *)x)[i], ((const LPSTR *)y)[i]) == 0;
    case PT_UNICODE: return mapirt_wcscmp(((const LPWSTR *)x)[i], ((const LPWSTR *)y)[i]) == 0;
    case PT_BINARY: {
        const SBinary *a = &((const SBinary *)x)[i], *b = &((const SBinary *)y)[i];
        return a->cb == b->cb && (!a->cb || memcmp(a->lpb, b->lpb, a->cb) == 0);
    }
    case PT_CLSID: return memcmp(&((const GUID *)x)[i], &((const GUID *)y)[i], sizeof(GUID)) == 0;
    default: return 0;
    }
}

static int same_value(const SPropValue *a, const SPropValue *b)
{
    ULONG t = PROP_TYPE(a->ulPropTag);
    if (a->ulPropTag != b->ulPropTag)
        return 0;
    if (t == PT_BOOLEAN)
        return a->Value.b == b->Value.b;
    if (!(t & MV_FLAG)) {
        const void *x = t == PT_STRING8 ? (const void *)&a->Value.lpszA
                      : t == PT_UNICODE ? (const void *)&a->Value.lpszW
                      : t == PT_CLSID   ? (const void *)a->Value.lpguid
                                        : (const void *)&a->Value;
        const void *y = t == PT_STRING8 ? (const void *)&b->Value.lpszA
                      : t == PT_UNICODE ? (const void *)&b->Value.lpszW
                      : t == PT_CLSID   ? (const void *)b->Value.lpguid
                                        : (const void *)&b->Value;
        return same_elem(t, x, y, 0);
    }
    if (a->Value.MVl.cValues != b->Value.MVl.cValues)
        return 0;
    for (ULONG i = 0; i < a->Value.MVl.cValues; i++)
        if (!same_elem(t & ~(ULONG)MV_FLAG, a->Value.MVl.lpl, b->Value.MVl.lpl, i))
            return 0;
    return 1;
}

static int same_opt(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void same_model(const mapirt_catalog *a, const mapirt_catalog *b)
{
    FZ_CHECK(a->cServices == b->cServices, "%u services, then %u", (unsigned)a->cServices,
             (unsigned)b->cServices);
    for (ULONG i = 0; i < a->cServices; i++) {
        const mapirt_catalog_service *x = &a->services[i], *y = &b->services[i];
        FZ_CHECK(strcmp(x->name, y->name) == 0, "service %u: %s, then %s", (unsigned)i, x->name,
                 y->name);
        FZ_CHECK(strcmp(x->display, y->display) == 0, "service %s display", x->name);
        FZ_CHECK(same_opt(x->help, y->help), "service %s help", x->name);
        FZ_CHECK(x->is_default == y->is_default, "service %s default", x->name);
        FZ_CHECK(strcmp(x->section->name, y->section->name) == 0, "service %s section",
                 x->name);
    }
    FZ_CHECK(a->cDefaults == b->cDefaults, "defaults");
    for (ULONG i = 0; i < a->cDefaults; i++)
        FZ_CHECK(strcmp(a->defaults[i]->name, b->defaults[i]->name) == 0, "default %u",
                 (unsigned)i);
    FZ_CHECK(a->cSections == b->cSections, "%u sections, then %u", (unsigned)a->cSections,
             (unsigned)b->cSections);
    for (ULONG i = 0; i < a->cSections; i++) {
        const mapirt_catalog_section *x = a->sections[i], *y = b->sections[i];
        FZ_CHECK(strcmp(x->name, y->name) == 0, "section %u: [%s], then [%s]", (unsigned)i,
                 x->name, y->name);
        FZ_CHECK(x->role == y->role, "[%s] role %d, then %d", x->name, x->role, y->role);
        FZ_CHECK(x->has_uid == y->has_uid &&
                     (!x->has_uid || memcmp(&x->uid, &y->uid, sizeof x->uid) == 0),
                 "[%s] UID", x->name);
        FZ_CHECK(x->cProviders == y->cProviders && x->cExtras == y->cExtras, "[%s] lists",
                 x->name);
        for (ULONG k = 0; k < x->cProviders; k++)
            FZ_CHECK(strcmp(x->providers[k]->name, y->providers[k]->name) == 0,
                     "[%s] provider %u", x->name, (unsigned)k);
        for (ULONG k = 0; k < x->cExtras; k++)
            FZ_CHECK(strcmp(x->extras[k]->name, y->extras[k]->name) == 0, "[%s] extra %u",
                     x->name, (unsigned)k);
        FZ_CHECK(x->cValues == y->cValues, "[%s] %u values, then %u", x->name,
                 (unsigned)x->cValues, (unsigned)y->cValues);
        for (ULONG k = 0; k < x->cValues; k++)
            FZ_CHECK(same_value(&x->lpProps[k], &y->lpProps[k]), "[%s] value of 0x%08X",
                     x->name, (unsigned)x->lpProps[k].ulPropTag);
    }
}

/* ---- an error names a file and one of its lines ---- */

static void check_error(const char *err, const mapirt_catalog_text *t, ULONG n)
{
    for (ULONG i = 0; i < n; i++) {
        size_t fl = strlen(t[i].file);
        if (strncmp(err, t[i].file, fl) != 0 || err[fl] != ':')
            continue;
        char *end;
        unsigned long line = strtoul(err + fl + 1, &end, 10);
        FZ_CHECK(end != err + fl + 1 && end[0] == ':' && end[1] == ' ' && end[2],
                 "no 'file:line: problem' in \"%s\"", err);
        unsigned long lines = 1;
        for (size_t k = 0; k < t[i].len; k++)
            lines += t[i].text[k] == '\n';
        FZ_CHECK(line >= 1 && line <= lines, "line %lu of a %lu-line file: \"%s\"", line, lines,
                 err);
        return;
    }
    FZ_CHECK(0, "the error names no input file: \"%s\"", err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const FILES[] = {"a.inf", "mapisvc.d/b.inf", "mapisvc.d/c.inf"};
    mapirt_catalog_text t[3];
    ULONG n = size ? 1 + data[0] % 3 : 1;
    const char *p = (const char *)data + (size ? 1 : 0);
    const char *end = (const char *)data + size;
    for (ULONG i = 0; i < n; i++) {
        const char *nul = i + 1 < n ? memchr(p, '\0', (size_t)(end - p)) : NULL;
        t[i].file = FILES[i];
        t[i].text = p;
        t[i].len = nul ? (size_t)(nul - p) : (size_t)(end - p);
        p = nul ? nul + 1 : end;
    }

    char err[600], small[24];
    mapirt_catalog *cat = (mapirt_catalog *)1;
    HRESULT hr = mapirt_catalog_parse(t, n, &cat, err, sizeof err);
    mapirt_catalog *cat2 = (mapirt_catalog *)1;
    size_t cbsmall = 1 + size % (sizeof small - 1);
    HRESULT hr2 = mapirt_catalog_parse(t, n, &cat2, small, cbsmall);
    FZ_CHECK(hr == hr2, "0x%08X with a %zu-byte message buffer, 0x%08X with %zu",
             (unsigned)hr, sizeof err, (unsigned)hr2, cbsmall);
    FZ_CHECK(strlen(small) < cbsmall && strncmp(small, err, strlen(small)) == 0,
             "\"%s\" is not the start of \"%s\"", small, err);
    mapirt_catalog_free(cat2);

    if (FAILED(hr)) {
        FZ_CHECK(hr == MAPI_E_CORRUPT_DATA, "parse failed with 0x%08X: %s", (unsigned)hr, err);
        FZ_CHECK(cat == NULL, "a catalog beside a failure");
        check_error(err, t, n);
        return 0;
    }
    FZ_CHECK(hr == S_OK && cat != NULL, "0x%08X without a catalog", (unsigned)hr);
    FZ_CHECK(cat->cFiles == n, "%u files recorded of %u", (unsigned)cat->cFiles, (unsigned)n);
    check_model(cat);

    buf w1 = {NULL, 0, 0}, w2 = {NULL, 0, 0};
    write_catalog(&w1, cat);
    mapirt_catalog_text again = {"again.inf", w1.p, w1.n};
    mapirt_catalog *back = NULL;
    hr = mapirt_catalog_parse(&again, 1, &back, err, sizeof err);
    FZ_CHECK(hr == S_OK, "the written catalog does not parse: %s\n%s", err, w1.p);
    same_model(cat, back);
    write_catalog(&w2, back);
    FZ_CHECK(w1.n == w2.n && memcmp(w1.p, w2.p, w1.n) == 0, "written twice, two texts");
    mapirt_catalog_free(back);
    mapirt_catalog_free(cat);
    free(w1.p);
    free(w2.p);
    return 0;
}
