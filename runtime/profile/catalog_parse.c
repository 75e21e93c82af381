/* catalog_parse.c: MAPISVC.INF text -> mapirt_catalog (catalog.h).
 *
 * Two passes. The first reads every input line by line into raw sections (the three global
 * sections merge across inputs; any other section name may appear once in the whole catalog).
 * The second gives each section its role from [Services] and the Providers= / Sections= lists,
 * checks the references, and converts the property lines with catalog_value.c. The first
 * problem found ends the parse; the catalog under construction lives in one arena and is freed
 * with it, so a failed parse leaves nothing behind. */
#include <ctype.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistr.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapitags.h>

#include <mapirt/alloc.h>
#include <mapirt/vocab.h>

#include "catalog.h"

struct raw_line {
    const char *key, *value;
    const char *file;
    unsigned line;
    struct raw_line *next;
};

enum { SEC_PLAIN, SEC_SERVICES, SEC_DEFAULTS, SEC_HELP };

struct raw_section {
    mapirt_catalog_section *sec; /* the output section (PLAIN only) */
    struct raw_line *lines, **tail;
    ULONG nlines;
    struct raw_section *hash_next;
};

#define NBUCKETS 256u

struct parser {
    mapirt_arena *a;
    char *err;
    size_t cberr;
    HRESULT hr;
    /* global sections, merged */
    struct raw_line *glob[4], **gtail[4];
    ULONG nglob[4];
    /* plain sections in order of appearance */
    struct raw_section **plain;
    ULONG nplain, capplain;
    struct raw_section *bucket[NBUCKETS];
};

static HRESULT fail(struct parser *p, HRESULT hr, const char *file, unsigned line,
                    const char *fmt, ...)
{
    if (p->cberr) {
        int n = snprintf(p->err, p->cberr, "%s:%u: ", file, line);
        if (n >= 0 && (size_t)n < p->cberr) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(p->err + n, p->cberr - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return p->hr = hr;
}

static HRESULT oom(struct parser *p)
{
    if (p->cberr)
        snprintf(p->err, p->cberr, "out of memory while reading the service catalog");
    return p->hr = MAPI_E_NOT_ENOUGH_MEMORY;
}

static unsigned name_hash(const char *s)
{
    unsigned h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)tolower((unsigned char)*s)) * 16777619u;
    return h % NBUCKETS;
}

static struct raw_section *find_plain(struct parser *p, const char *name)
{
    for (struct raw_section *r = p->bucket[name_hash(name)]; r; r = r->hash_next)
        if (strcasecmp(r->sec->name, name) == 0)
            return r;
    return NULL;
}

static void trim(const char **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t'))
        (*s)++, (*n)--;
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
        (*n)--;
}

/* Starts a section from "[name]"; *cur receives where its lines go (NULL: a global one). */
static HRESULT open_section(struct parser *p, const char *file, unsigned line, const char *s,
                            size_t n, struct raw_section **cur, int *kind)
{
    const char *close = memchr(s, ']', n);
    if (!close)
        return fail(p, MAPI_E_CORRUPT_DATA, file, line, "section header without ']'");
    const char *rest = close + 1;
    size_t rn = n - (size_t)(rest - s);
    trim(&rest, &rn);
    if (rn)
        return fail(p, MAPI_E_CORRUPT_DATA, file, line, "text after the section header");
    const char *name = s + 1;
    size_t nn = (size_t)(close - name);
    trim(&name, &nn);
    if (nn == 0)
        return fail(p, MAPI_E_CORRUPT_DATA, file, line, "empty section name");
    if (memchr(name, '[', nn))
        return fail(p, MAPI_E_CORRUPT_DATA, file, line, "'[' inside a section name");
    char *copy = mapirt_arena_strndup(p->a, name, nn);
    if (!copy)
        return oom(p);
    *cur = NULL;
    if (strcasecmp(copy, "Services") == 0)
        *kind = SEC_SERVICES;
    else if (strcasecmp(copy, "Default Services") == 0)
        *kind = SEC_DEFAULTS;
    else if (strcasecmp(copy, "Help File Mappings") == 0)
        *kind = SEC_HELP;
    else {
        *kind = SEC_PLAIN;
        struct raw_section *prev = find_plain(p, copy);
        if (prev)
            return fail(p, MAPI_E_CORRUPT_DATA, file, line,
                        "section [%s] is already defined at %s:%u", copy, prev->sec->file,
                        prev->sec->line);
        struct raw_section *r = mapirt_arena_alloc(p->a, sizeof *r);
        mapirt_catalog_section *sec = mapirt_arena_alloc(p->a, sizeof *sec);
        if (!r || !sec)
            return oom(p);
        sec->name = copy;
        sec->file = file;
        sec->line = line;
        r->sec = sec;
        r->tail = &r->lines;
        unsigned h = name_hash(copy);
        r->hash_next = p->bucket[h];
        p->bucket[h] = r;
        if (p->nplain == p->capplain) {
            ULONG cap = p->capplain ? p->capplain * 2 : 16;
            struct raw_section **v = mapirt_arena_alloc(p->a, cap * sizeof *v);
            if (!v)
                return oom(p);
            if (p->nplain)
                memcpy(v, p->plain, p->nplain * sizeof *v);
            p->plain = v;
            p->capplain = cap;
        }
        p->plain[p->nplain++] = r;
        *cur = r;
    }
    return S_OK;
}

static HRESULT read_text(struct parser *p, const mapirt_catalog_text *t)
{
    const char *s = t->text, *end = t->text + t->len;
    unsigned line = 0;
    struct raw_section *cur = NULL;
    int kind = -1; /* no section yet */

    if (t->len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
        s += 3;
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
        const char *l = s;
        s = nl ? nl + 1 : end;
        line++;
        if (n && l[n - 1] == '\r')
            n--;
        if (memchr(l, '\0', n))
            return fail(p, MAPI_E_CORRUPT_DATA, t->file, line, "NUL byte in the line");
        if (u8_check((const uint8_t *)l, n))
            return fail(p, MAPI_E_CORRUPT_DATA, t->file, line, "text is not valid UTF-8");
        trim(&l, &n);
        if (n == 0 || l[0] == ';' || l[0] == '#')
            continue;
        if (l[0] == '[') {
            HRESULT hr = open_section(p, t->file, line, l, n, &cur, &kind);
            if (FAILED(hr))
                return hr;
            continue;
        }
        const char *eq = memchr(l, '=', n);
        if (!eq)
            return fail(p, MAPI_E_CORRUPT_DATA, t->file, line,
                        "expected [section] or key=value, found '%.*s'", (int)(n > 60 ? 60 : n), l);
        if (kind < 0)
            return fail(p, MAPI_E_CORRUPT_DATA, t->file, line, "key=value before any [section]");
        const char *k = l, *v = eq + 1;
        size_t kn = (size_t)(eq - l), vn = n - kn - 1;
        trim(&k, &kn);
        trim(&v, &vn);
        if (kn == 0)
            return fail(p, MAPI_E_CORRUPT_DATA, t->file, line, "empty key before '='");
        struct raw_line *rl = mapirt_arena_alloc(p->a, sizeof *rl);
        if (!rl || !(rl->key = mapirt_arena_strndup(p->a, k, kn)) ||
            !(rl->value = mapirt_arena_strndup(p->a, v, vn)))
            return oom(p);
        rl->file = t->file;
        rl->line = line;
        if (cur) {
            *cur->tail = rl;
            cur->tail = &rl->next;
            cur->nlines++;
        } else {
            if (!p->gtail[kind])
                p->gtail[kind] = &p->glob[kind];
            *p->gtail[kind] = rl;
            p->gtail[kind] = &rl->next;
            p->nglob[kind]++;
        }
    }
    return S_OK;
}

/* ---- second pass ---------------------------------------------------------------------- */

static const char *const ROLE_NAME[] = {"unused", "service", "provider", "extra"};

/* A comma-separated list of section names into sections, each given `role`. */
static HRESULT section_list(struct parser *p, const struct raw_line *rl, mapirt_catalog_role role,
                            mapirt_catalog_section ***out, ULONG *count)
{
    ULONG n = 1;
    for (const char *c = rl->value; *c; c++)
        n += *c == ',';
    mapirt_catalog_section **v = mapirt_arena_alloc(p->a, n * sizeof *v);
    if (!v)
        return oom(p);
    const char *s = rl->value;
    for (ULONG i = 0; i < n; i++) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        const char *name = s;
        trim(&name, &len);
        s = comma ? comma + 1 : s + strlen(s);
        if (len == 0)
            return fail(p, MAPI_E_CORRUPT_DATA, rl->file, rl->line, "empty name in the %s= list",
                        rl->key);
        char *copy = mapirt_arena_strndup(p->a, name, len);
        if (!copy)
            return oom(p);
        struct raw_section *r = find_plain(p, copy);
        if (!r)
            return fail(p, MAPI_E_CORRUPT_DATA, rl->file, rl->line,
                        "%s= names [%s], which is not defined", rl->key, copy);
        if (r->sec->role != MAPIRT_SECTION_UNUSED && r->sec->role != role)
            return fail(p, MAPI_E_CORRUPT_DATA, rl->file, rl->line,
                        "[%s] is used as a %s section and cannot also be a %s section", copy,
                        ROLE_NAME[r->sec->role], ROLE_NAME[role]);
        for (ULONG j = 0; j < i; j++)
            if (v[j] == r->sec)
                return fail(p, MAPI_E_CORRUPT_DATA, rl->file, rl->line,
                            "[%s] is listed twice", copy);
        r->sec->role = role;
        v[i] = r->sec;
    }
    *out = v;
    *count = n;
    return S_OK;
}

static int is_hex8(const char *s)
{
    if (strlen(s) != 8)
        return 0;
    for (int i = 0; i < 8; i++)
        if (!isxdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

/* The property lines of a section into sec->lpProps. */
static HRESULT convert_props(struct parser *p, struct raw_section *r)
{
    mapirt_catalog_section *sec = r->sec;
    ULONG n = 0;

    sec->lpProps = mapirt_arena_alloc(p->a, (r->nlines ? r->nlines : 1) * sizeof(SPropValue));
    if (!sec->lpProps)
        return oom(p);
    for (struct raw_line *rl = r->lines; rl; rl = rl->next) {
        if (strcasecmp(rl->key, "Providers") == 0 || strcasecmp(rl->key, "Sections") == 0) {
            if (sec->role != MAPIRT_SECTION_SERVICE)
                return fail(p, MAPI_E_CORRUPT_DATA, rl->file, rl->line,
                            "%s= belongs in a service section; [%s] is not listed in [Services]",
                            rl->key, sec->name);
            continue; /* read by the caller */
        }
        if (strcasecmp(rl->key, "UID") == 0) {
            if (sec->role != MAPIRT_SECTION_EXTRA)
                return fail(p, MAPI_E_CORRUPT_DATA, rl->file, rl->line,
                            "UID= is only allowed in a section named by a service's Sections=");
            if (sec->has_uid)
                return fail(p, MAPI_E_CORRUPT_DATA, rl->file, rl->line, "UID= given twice");
            if (strlen(rl->value) != 32)
                return fail(p, MAPI_E_CORRUPT_DATA, rl->file, rl->line,
                            "UID= needs 32 hex digits, found '%.40s'", rl->value);
            for (int i = 0; i < 32; i += 2) {
                char b[3] = {rl->value[i], rl->value[i + 1], 0};
                if (!isxdigit((unsigned char)b[0]) || !isxdigit((unsigned char)b[1]))
                    return fail(p, MAPI_E_CORRUPT_DATA, rl->file, rl->line,
                                "UID= needs 32 hex digits, found '%.40s'", rl->value);
                sec->uid.ab[i / 2] = (BYTE)strtoul(b, NULL, 16);
            }
            sec->has_uid = 1;
            continue;
        }
        ULONG tag;
        if (is_hex8(rl->key)) {
            tag = (ULONG)strtoul(rl->key, NULL, 16);
        } else {
            tag = mapirt_tag_from_name(rl->key);
            if (tag == PR_NULL)
                return fail(p, MAPI_E_CORRUPT_DATA, rl->file, rl->line,
                            "unknown property name '%s' (a PR_ name or an 8-hex-digit tag)",
                            rl->key);
        }
        if (PROP_ID(tag) == 0 || PROP_ID(tag) == PROP_ID_INVALID)
            return fail(p, MAPI_E_CORRUPT_DATA, rl->file, rl->line,
                        "%s: property ID 0x%04X is not a storable property", rl->key,
                        (unsigned)PROP_ID(tag));
        if (PROP_ID(tag) >= 0x8000)
            return fail(p, MAPI_E_CORRUPT_DATA, rl->file, rl->line,
                        "%s: named-property IDs (0x8000 and above) cannot be stored in a profile "
                        "section", rl->key);
        for (ULONG i = 0; i < n; i++)
            if (PROP_ID(sec->lpProps[i].ulPropTag) == PROP_ID(tag))
                return fail(p, MAPI_E_CORRUPT_DATA, rl->file, rl->line,
                            "%s: property 0x%04X is already set in this section", rl->key,
                            (unsigned)PROP_ID(tag));
        int nomem;
        const char *problem = mapirt_catalog_value(p->a, tag, sec->role, rl->value,
                                                   &sec->lpProps[n], &nomem);
        if (nomem)
            return oom(p);
        if (problem) {
            const char *tn = mapirt_proptype_name(PROP_TYPE(tag));
            return fail(p, MAPI_E_CORRUPT_DATA, rl->file, rl->line, "%s=%.60s: %s (%s)",
                        rl->key, rl->value, problem, tn ? tn : "unknown type");
        }
        n++;
    }
    sec->cValues = n;
    return S_OK;
}

static const SPropValue *find_prop(const mapirt_catalog_section *sec, ULONG id)
{
    for (ULONG i = 0; i < sec->cValues; i++)
        if (PROP_ID(sec->lpProps[i].ulPropTag) == id)
            return &sec->lpProps[i];
    return NULL;
}

static int is_string(const SPropValue *v)
{
    return v && (PROP_TYPE(v->ulPropTag) == PT_STRING8 || PROP_TYPE(v->ulPropTag) == PT_UNICODE);
}

static HRESULT check_required(struct parser *p, const mapirt_catalog_section *sec)
{
    if (sec->role == MAPIRT_SECTION_PROVIDER) {
        const SPropValue *dll = find_prop(sec, PROP_ID(PR_PROVIDER_DLL_NAME));
        const SPropValue *type = find_prop(sec, PROP_ID(PR_RESOURCE_TYPE));
        if (!is_string(dll))
            return fail(p, MAPI_E_CORRUPT_DATA, sec->file, sec->line,
                        "provider section [%s] needs PR_PROVIDER_DLL_NAME (a string)", sec->name);
        if (!type || PROP_TYPE(type->ulPropTag) != PT_LONG)
            return fail(p, MAPI_E_CORRUPT_DATA, sec->file, sec->line,
                        "provider section [%s] needs PR_RESOURCE_TYPE", sec->name);
        ULONG t = (ULONG)type->Value.l;
        if (t != MAPI_STORE_PROVIDER && t != MAPI_AB_PROVIDER && t != MAPI_TRANSPORT_PROVIDER &&
            t != MAPI_HOOK_PROVIDER)
            return fail(p, MAPI_E_CORRUPT_DATA, sec->file, sec->line,
                        "provider section [%s]: PR_RESOURCE_TYPE must be MAPI_STORE_PROVIDER, "
                        "MAPI_AB_PROVIDER, MAPI_TRANSPORT_PROVIDER or MAPI_HOOK_PROVIDER",
                        sec->name);
    }
    if (sec->role == MAPIRT_SECTION_SERVICE) {
        const SPropValue *entry = find_prop(sec, PROP_ID(PR_SERVICE_ENTRY_NAME));
        const SPropValue *dll = find_prop(sec, PROP_ID(PR_SERVICE_DLL_NAME));
        if (entry && !is_string(dll))
            return fail(p, MAPI_E_CORRUPT_DATA, sec->file, sec->line,
                        "service section [%s] names PR_SERVICE_ENTRY_NAME but no "
                        "PR_SERVICE_DLL_NAME", sec->name);
        if (dll && !is_string(dll))
            return fail(p, MAPI_E_CORRUPT_DATA, sec->file, sec->line,
                        "service section [%s]: PR_SERVICE_DLL_NAME must be a string", sec->name);
    }
    return S_OK;
}

static HRESULT build(struct parser *p, mapirt_catalog *cat)
{
    HRESULT hr;
    ULONG ns = p->nglob[SEC_SERVICES];
    mapirt_catalog_service *svc = mapirt_arena_alloc(p->a, (ns ? ns : 1) * sizeof *svc);
    if (!svc)
        return oom(p);

    /* [Services]: one service per key, each with its section */
    ULONG i = 0;
    for (struct raw_line *rl = p->glob[SEC_SERVICES]; rl; rl = rl->next, i++) {
        for (ULONG j = 0; j < i; j++)
            if (strcasecmp(svc[j].name, rl->key) == 0)
                return fail(p, MAPI_E_CORRUPT_DATA, rl->file, rl->line,
                            "service '%s' is already listed in [Services] at %s:%u", rl->key,
                            svc[j].file, svc[j].line);
        struct raw_section *r = find_plain(p, rl->key);
        if (!r)
            return fail(p, MAPI_E_CORRUPT_DATA, rl->file, rl->line,
                        "service '%s' has no section [%s]", rl->key, rl->key);
        r->sec->role = MAPIRT_SECTION_SERVICE;
        svc[i].name = rl->key;
        svc[i].display = rl->value;
        svc[i].file = rl->file;
        svc[i].line = rl->line;
        svc[i].section = r->sec;
    }
    /* Providers= and Sections= of every service section */
    for (i = 0; i < ns; i++) {
        struct raw_section *r = find_plain(p, svc[i].name);
        mapirt_catalog_section *sec = r->sec;
        const struct raw_line *prov = NULL, *extra = NULL;
        for (struct raw_line *rl = r->lines; rl; rl = rl->next) {
            const struct raw_line **slot = strcasecmp(rl->key, "Providers") == 0 ? &prov
                                         : strcasecmp(rl->key, "Sections") == 0  ? &extra
                                                                                 : NULL;
            if (!slot)
                continue;
            if (*slot)
                return fail(p, MAPI_E_CORRUPT_DATA, rl->file, rl->line,
                            "%s= is given twice (first at line %u)", rl->key, (*slot)->line);
            *slot = rl;
        }
        if (!prov)
            return fail(p, MAPI_E_CORRUPT_DATA, sec->file, sec->line,
                        "service section [%s] has no Providers= line", sec->name);
        if (FAILED(hr = section_list(p, prov, MAPIRT_SECTION_PROVIDER, &sec->providers,
                                     &sec->cProviders)))
            return hr;
        if (extra && FAILED(hr = section_list(p, extra, MAPIRT_SECTION_EXTRA, &sec->extras,
                                              &sec->cExtras)))
            return hr;
    }
    /* [Default Services] */
    ULONG nd = p->nglob[SEC_DEFAULTS];
    const mapirt_catalog_service **defs = mapirt_arena_alloc(p->a, (nd ? nd : 1) * sizeof *defs);
    if (!defs)
        return oom(p);
    i = 0;
    for (struct raw_line *rl = p->glob[SEC_DEFAULTS]; rl; rl = rl->next, i++) {
        mapirt_catalog_service *s = NULL;
        for (ULONG j = 0; j < ns && !s; j++)
            if (strcasecmp(svc[j].name, rl->key) == 0)
                s = &svc[j];
        if (!s)
            return fail(p, MAPI_E_CORRUPT_DATA, rl->file, rl->line,
                        "default service '%s' is not listed in [Services]", rl->key);
        if (s->is_default)
            return fail(p, MAPI_E_CORRUPT_DATA, rl->file, rl->line,
                        "service '%s' is listed twice in [Default Services]", rl->key);
        s->is_default = 1;
        defs[i] = s;
    }
    /* [Help File Mappings] (MAPI's own key is MAPI: keys need not be services) */
    i = 0;
    for (struct raw_line *rl = p->glob[SEC_HELP]; rl; rl = rl->next, i++) {
        ULONG k = 0;
        for (struct raw_line *o = p->glob[SEC_HELP]; o != rl; o = o->next, k++)
            if (strcasecmp(o->key, rl->key) == 0)
                return fail(p, MAPI_E_CORRUPT_DATA, rl->file, rl->line,
                            "'%s' is already mapped in [Help File Mappings] at %s:%u", rl->key,
                            o->file, o->line);
        for (ULONG j = 0; j < ns; j++)
            if (strcasecmp(svc[j].name, rl->key) == 0)
                svc[j].help = rl->value;
    }
    /* property lines of every section, then what each role requires */
    const mapirt_catalog_section **secs =
        mapirt_arena_alloc(p->a, (p->nplain ? p->nplain : 1) * sizeof *secs);
    if (!secs)
        return oom(p);
    for (i = 0; i < p->nplain; i++) {
        if (FAILED(hr = convert_props(p, p->plain[i])) ||
            FAILED(hr = check_required(p, p->plain[i]->sec)))
            return hr;
        secs[i] = p->plain[i]->sec;
    }
    cat->cServices = ns;
    cat->services = svc;
    cat->cDefaults = nd;
    cat->defaults = defs;
    cat->cSections = p->nplain;
    cat->sections = secs;
    return S_OK;
}

HRESULT mapirt_catalog_parse(const mapirt_catalog_text *texts, ULONG count,
                             mapirt_catalog **out, char *err, size_t cberr)
{
    mapirt_arena a = MAPIRT_ARENA_INIT;
    struct parser p;
    HRESULT hr = S_OK;

    if (out)
        *out = NULL;
    if (cberr)
        err[0] = '\0';
    if (!out || (count && !texts))
        return MAPI_E_INVALID_PARAMETER;
    memset(&p, 0, sizeof p);
    p.a = &a;
    p.err = err;
    p.cberr = cberr;

    mapirt_catalog *cat = mapirt_arena_alloc(&a, sizeof *cat);
    const char **files = mapirt_arena_alloc(&a, (count ? count : 1) * sizeof *files);
    if (!cat || !files) {
        hr = oom(&p);
        goto done;
    }
    for (ULONG i = 0; i < count && SUCCEEDED(hr); i++) {
        files[i] = mapirt_arena_strndup(&a, texts[i].file, strlen(texts[i].file));
        if (!files[i])
            hr = oom(&p);
        else {
            mapirt_catalog_text t = texts[i];
            t.file = files[i];
            hr = read_text(&p, &t);
        }
    }
    if (SUCCEEDED(hr))
        hr = build(&p, cat);
    if (SUCCEEDED(hr)) {
        cat->cFiles = count;
        cat->files = files;
        atomic_init(&cat->refs, 1);
        /* the arena owns the catalog struct itself: move the arena's head into it last */
        cat->arena = a;
        *out = cat;
        return S_OK;
    }
done:
    mapirt_arena_free(&a);
    return hr;
}

void mapirt_catalog_addref(mapirt_catalog *cat)
{
    if (cat)
        atomic_fetch_add(&cat->refs, 1);
}

void mapirt_catalog_free(mapirt_catalog *cat)
{
    if (cat && atomic_fetch_sub(&cat->refs, 1) == 1) {
        mapirt_arena a = cat->arena;
        mapirt_arena_free(&a);
    }
}

const mapirt_catalog_service *mapirt_catalog_service_find(const mapirt_catalog *cat,
                                                          const char *name)
{
    for (ULONG i = 0; cat && name && i < cat->cServices; i++)
        if (strcasecmp(cat->services[i].name, name) == 0)
            return &cat->services[i];
    return NULL;
}

const mapirt_catalog_section *mapirt_catalog_section_find(const mapirt_catalog *cat,
                                                          const char *name)
{
    for (ULONG i = 0; cat && name && i < cat->cSections; i++)
        if (strcasecmp(cat->sections[i]->name, name) == 0)
            return cat->sections[i];
    return NULL;
}

const SPropValue *mapirt_catalog_prop(const mapirt_catalog_section *sec, ULONG ulPropTag)
{
    return sec ? find_prop(sec, PROP_ID(ulPropTag)) : NULL;
}
