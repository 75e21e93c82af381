/* tests/runtime/profile/test_catalog.c: the MAPISVC.INF parser (runtime/profile/catalog_*.c):
 * what a catalog holds, every kind of value, each malformed line reported with its file:line,
 * catalogs merged from fragments, out of memory at every allocation. */
#define _DEFAULT_SOURCE
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapiguid.h>
#include <mapitags.h>
#include <mapix.h>

#include "catfixture.h"
#include "oom.h"

#define AT(arr, i) ((&(arr)[0])[i])

static const char ACME[] =
    "; the Acme service of SPEC 13.5\n"
    "[Services]\n"
    "ACME=Acme Mail Service\n"
    "\n"
    "[Default Services]\n"
    "ACME=Acme Mail Service\n"
    "\n"
    "[Help File Mappings]\n"
    "ACME=ACMEHELP.HLP\n"
    "MAPI=MAPI.HLP\n"
    "\n"
    "[ACME]\n"
    "PR_DISPLAY_NAME=Acme Mail Service\n"
    "PR_SERVICE_DLL_NAME=ACMESVC.DLL\n"
    "PR_SERVICE_ENTRY_NAME=ServiceEntry\n"
    "PR_SERVICE_SUPPORT_FILES=ACMESVC.DLL, ACMEAB.DLL, ACMEMS.DLL\n"
    "PR_RESOURCE_FLAGS=SERVICE_SINGLE_COPY|SERVICE_PRIMARY_IDENTITY\n"
    "Providers=ACME AB, ACME Store\n"
    "Sections=ACME Extra\n"
    "\n"
    "[ACME AB]\n"
    "PR_DISPLAY_NAME=Acme Directory\n"
    "PR_PROVIDER_DISPLAY=Acme Address Book\n"
    "PR_PROVIDER_DLL_NAME=ACMEAB.DLL\n"
    "PR_RESOURCE_TYPE=MAPI_AB_PROVIDER\n"
    "PR_RESOURCE_FLAGS=STATUS_PRIMARY_IDENTITY\n"
    "\n"
    "[ACME Store]\r\n" /* CRLF lines as written on Windows */
    "PR_DISPLAY_NAME=Acme Folders\r\n"
    "PR_PROVIDER_DISPLAY=Acme Message Store\r\n"
    "PR_PROVIDER_DLL_NAME=ACMEMS.DLL\r\n"
    "PR_RESOURCE_TYPE=MAPI_STORE_PROVIDER\r\n"
    "PR_RESOURCE_FLAGS=STATUS_DEFAULT_STORE|STATUS_PRIMARY_IDENTITY\r\n"
    "6600001E=/var/lib/acme/store.db\r\n"
    "34140102=78b2fa70aff711cd9bc800aa002fc45a\r\n"
    "\n"
    "[ACME Extra]\n"
    "UID=0123456789ABCDEF0123456789abcdef\n"
    "66010003=01000000\n"
    "PR_COMMENT_W=été\n";

Test(catalog, the_acme_example)
{
    mapirt_catalog *cat;
    char err[256];
    cr_assert_eq(parse1("acme.inf", ACME, &cat, err, sizeof err), S_OK, "%s", err);
    cr_assert_eq(cat->cServices, 1);
    const mapirt_catalog_service *s = mapirt_catalog_service_find(cat, "acme");
    cr_assert_not_null(s, "service names compare without case");
    cr_expect_str_eq(s->name, "ACME");
    cr_expect_str_eq(s->display, "Acme Mail Service");
    cr_expect_str_eq(s->help, "ACMEHELP.HLP");
    cr_expect(s->is_default);
    cr_expect_eq(cat->cDefaults, 1);
    cr_expect_eq(cat->defaults[0], s);
    cr_expect_eq(s->line, 3);

    const mapirt_catalog_section *svc = s->section;
    cr_expect_eq(svc->role, MAPIRT_SECTION_SERVICE);
    cr_assert_eq(svc->cProviders, 2);
    cr_expect_str_eq(svc->providers[0]->name, "ACME AB");
    cr_expect_str_eq(svc->providers[1]->name, "ACME Store");
    cr_assert_eq(svc->cExtras, 1);
    cr_expect_str_eq(svc->extras[0]->name, "ACME Extra");

    const SPropValue *v = mapirt_catalog_prop(svc, PR_RESOURCE_FLAGS);
    cr_assert_not_null(v);
    cr_expect_eq((ULONG)v->Value.l, SERVICE_SINGLE_COPY | SERVICE_PRIMARY_IDENTITY,
                 "service-level names in a service section");
    v = mapirt_catalog_prop(svc, PR_SERVICE_SUPPORT_FILES);
    cr_assert_not_null(v);
    cr_expect_eq(v->ulPropTag, PR_SERVICE_SUPPORT_FILES_A);
    cr_assert_eq(v->Value.MVszA.cValues, 3);
    cr_expect_str_eq(AT(v->Value.MVszA.lppszA, 2), "ACMEMS.DLL");
    v = mapirt_catalog_prop(svc, PR_SERVICE_ENTRY_NAME);
    cr_expect_str_eq(v->Value.lpszA, "ServiceEntry");

    const mapirt_catalog_section *store = svc->providers[1];
    cr_expect_eq(store->role, MAPIRT_SECTION_PROVIDER);
    v = mapirt_catalog_prop(store, PR_RESOURCE_TYPE);
    cr_expect_eq((ULONG)v->Value.l, MAPI_STORE_PROVIDER);
    v = mapirt_catalog_prop(store, PR_RESOURCE_FLAGS);
    cr_expect_eq((ULONG)v->Value.l, STATUS_DEFAULT_STORE | STATUS_PRIMARY_IDENTITY);
    v = mapirt_catalog_prop(store, PROP_TAG(PT_STRING8, 0x6600));
    cr_expect_str_eq(v->Value.lpszA, "/var/lib/acme/store.db", "CR of CRLF is not kept");
    v = mapirt_catalog_prop(store, PR_MDB_PROVIDER);
    cr_assert_eq(v->Value.bin.cb, 16);
    cr_expect_eq(v->Value.bin.lpb[0], 0x78);
    cr_expect_eq(v->Value.bin.lpb[15], 0x5a);
    cr_expect_eq(store->line, 28);

    const mapirt_catalog_section *extra = svc->extras[0];
    cr_expect_eq(extra->role, MAPIRT_SECTION_EXTRA);
    cr_assert(extra->has_uid);
    cr_expect_eq(extra->uid.ab[0], 0x01);
    cr_expect_eq(extra->uid.ab[15], 0xef);
    v = mapirt_catalog_prop(extra, PROP_TAG(PT_LONG, 0x6601));
    cr_expect_eq(v->Value.l, 1, "8 hex digits are little-endian bytes, as MAPISVC.INF writes");
    cr_expect_eq(cat->cSections, 4);
    mapirt_catalog_free(cat);
}

/* One property line of `type` in a provider section; returns the parsed value's section. */
static const char *TEMPLATE =
    "[Services]\nS=S\n[S]\nProviders=P\n[P]\nPR_PROVIDER_DLL_NAME=p.so\n"
    "PR_RESOURCE_TYPE=MAPI_STORE_PROVIDER\n%s\n";

static HRESULT parse_line(const char *line, mapirt_catalog **cat, char *err, size_t cberr)
{
    char text[2048];
    snprintf(text, sizeof text, TEMPLATE, line);
    return parse1("t.inf", text, cat, err, cberr);
}

static const SPropValue *one(const char *line, ULONG tag, mapirt_catalog **cat)
{
    char err[256];
    cr_assert_eq(parse_line(line, cat, err, sizeof err), S_OK, "%s: %s", line, err);
    const SPropValue *v = mapirt_catalog_prop(mapirt_catalog_section_find(*cat, "P"), tag);
    cr_assert_not_null(v, "%s", line);
    cr_assert_eq(v->ulPropTag, tag, "%s", line);
    return v;
}

Test(catalog, values_of_every_type)
{
    mapirt_catalog *c;
    const SPropValue *v;
#define T(line, tag, check)                                                                    \
    do {                                                                                       \
        v = one(line, tag, &c);                                                                \
        cr_expect(check, "%s", line);                                                          \
        mapirt_catalog_free(c);                                                                \
    } while (0)
    T("66000003=0x10", PROP_TAG(PT_LONG, 0x6600), v->Value.l == 16);
    T("66000003=-5", PROP_TAG(PT_LONG, 0x6600), v->Value.l == -5);
    T("66000003=42", PROP_TAG(PT_LONG, 0x6600), v->Value.l == 42);
    T("66000003=00040000", PROP_TAG(PT_LONG, 0x6600), v->Value.l == 0x400);
    T("66000003=0xFFFFFFFF", PROP_TAG(PT_LONG, 0x6600), v->Value.l == -1);
    T("66000003=STATUS_DEFAULT_STORE | 0x100", PROP_TAG(PT_LONG, 0x6600),
      v->Value.l == (LONG)(STATUS_DEFAULT_STORE | 0x100));
    T("66000002=7", PROP_TAG(PT_I2, 0x6600), v->Value.i == 7);
    T("6600000B=TRUE", PROP_TAG(PT_BOOLEAN, 0x6600), v->Value.b == 1);
    T("6600000B=false", PROP_TAG(PT_BOOLEAN, 0x6600), v->Value.b == 0);
    T("6600000B=01000000", PROP_TAG(PT_BOOLEAN, 0x6600), v->Value.b == 1);
    T("66000014=0x100000000", PROP_TAG(PT_I8, 0x6600), v->Value.li.QuadPart == 0x100000000LL);
    T("66000005=2.5", PROP_TAG(PT_DOUBLE, 0x6600), v->Value.dbl == 2.5);
    T("66000004=0.5", PROP_TAG(PT_R4, 0x6600), v->Value.flt == 0.5f);
    T("66000004=-inf", PROP_TAG(PT_R4, 0x6600), isinf(v->Value.flt) && v->Value.flt < 0);
    T("66000004=3.4e38", PROP_TAG(PT_R4, 0x6600), v->Value.flt > 3.3e38f);
    T("6600001E=", PROP_TAG(PT_STRING8, 0x6600), v->Value.lpszA[0] == '\0');
    T("6600001F=Grüße", PROP_TAG(PT_UNICODE, 0x6600),
      v->Value.lpszW[2] == 0x00FC && v->Value.lpszW[5] == 0);
    T("PR_DISPLAY_NAME_W=Zoë", PR_DISPLAY_NAME_W, v->Value.lpszW[2] == 0x00EB);
    T("PidTagComment=x", PR_COMMENT_W, v->Value.lpszW[0] == 'x');
    T("66000102=", PROP_TAG(PT_BINARY, 0x6600), v->Value.bin.cb == 0);
    T("66000102=00ff", PROP_TAG(PT_BINARY, 0x6600),
      v->Value.bin.cb == 2 && v->Value.bin.lpb[1] == 0xFF);
    T("66000048={00020385-0000-0000-C000-000000000046}", PROP_TAG(PT_CLSID, 0x6600),
      memcmp(v->Value.lpguid, &MUID_PROFILE_INSTANCE, 16) == 0);
    T("66000048=85030200000000000c00000000000046", PROP_TAG(PT_CLSID, 0x6600),
      ((BYTE *)v->Value.lpguid)[0] == 0x85);
    T("66001003=1, 2,0x3", PROP_TAG(PT_MV_LONG, 0x6600),
      v->Value.MVl.cValues == 3 && AT(v->Value.MVl.lpl, 2) == 3);
    T("6600101F=a, é", PROP_TAG(PT_MV_UNICODE, 0x6600),
      v->Value.MVszW.cValues == 2 && AT(v->Value.MVszW.lppszW, 1)[0] == 0xE9);
    T("66001102=01,0203", PROP_TAG(PT_MV_BINARY, 0x6600),
      v->Value.MVbin.cValues == 2 && AT(v->Value.MVbin.lpbin, 1).cb == 2);
    T("66001048=00000000000000000000000000000001", PROP_TAG(PT_MV_CLSID, 0x6600),
      v->Value.MVguid.cValues == 1 && ((BYTE *)&AT(v->Value.MVguid.lpguid, 0))[15] == 1);
    T("66001014=1,2", PROP_TAG(PT_MV_I8, 0x6600), v->Value.MVli.cValues == 2);
#undef T
}

/* Each malformed input must fail with exactly this message (file:line: ...). */
struct bad {
    const char *text;
    const char *message;
};

static const struct bad BAD[] = {
    {"Key=Value\n", "bad.inf:1: key=value before any [section]"},
    {"[Services]\nnonsense\n", "bad.inf:2: expected [section] or key=value, found 'nonsense'"},
    {"[Services\n", "bad.inf:1: section header without ']'"},
    {"[Services] x\n", "bad.inf:1: text after the section header"},
    {"[ ]\n", "bad.inf:1: empty section name"},
    {"[Services]\n=x\n", "bad.inf:2: empty key before '='"},
    {"[A]\n[a]\n", "bad.inf:2: section [a] is already defined at bad.inf:1"},
    {"[Services]\nS=x\n", "bad.inf:2: service 'S' has no section [S]"},
    {"[Services]\nS=x\ns=y\n[S]\nProviders=P\n[P]\nPR_PROVIDER_DLL_NAME=p\nPR_RESOURCE_TYPE=35\n",
     "bad.inf:3: service 's' is already listed in [Services] at bad.inf:2"},
    {"[Services]\nS=x\n[S]\nPR_DISPLAY_NAME=s\n",
     "bad.inf:3: service section [S] has no Providers= line"},
    {"[Services]\nS=x\n[S]\nProviders=P, Q\n[P]\nPR_PROVIDER_DLL_NAME=p\nPR_RESOURCE_TYPE=35\n",
     "bad.inf:4: Providers= names [Q], which is not defined"},
    {"[Services]\nS=x\n[S]\nProviders=P,\n[P]\n", "bad.inf:4: empty name in the Providers= list"},
    {"[Services]\nS=x\n[S]\nProviders=P\nProviders=P\n",
     "bad.inf:5: Providers= is given twice (first at line 4)"},
    {"[Services]\nS=x\n[S]\nProviders=S\n",
     "bad.inf:4: [S] is used as a service section and cannot also be a provider section"},
    {"[Services]\nS=x\n[S]\nProviders=P,P\n[P]\n", "bad.inf:4: [P] is listed twice"},
    {"[Services]\nS=x\n[S]\nProviders=P\n[P]\nPR_RESOURCE_TYPE=MAPI_AB_PROVIDER\n",
     "bad.inf:5: provider section [P] needs PR_PROVIDER_DLL_NAME (a string)"},
    {"[Services]\nS=x\n[S]\nProviders=P\n[P]\nPR_PROVIDER_DLL_NAME=p\n",
     "bad.inf:5: provider section [P] needs PR_RESOURCE_TYPE"},
    {"[Services]\nS=x\n[S]\nProviders=P\n[P]\nPR_PROVIDER_DLL_NAME=p\nPR_RESOURCE_TYPE=MAPI_SPOOLER\n",
     "bad.inf:5: provider section [P]: PR_RESOURCE_TYPE must be MAPI_STORE_PROVIDER, "
     "MAPI_AB_PROVIDER, MAPI_TRANSPORT_PROVIDER or MAPI_HOOK_PROVIDER"},
    {"[Services]\nS=x\n[S]\nProviders=P\nPR_SERVICE_ENTRY_NAME=ServiceEntry\n[P]\n"
     "PR_PROVIDER_DLL_NAME=p\nPR_RESOURCE_TYPE=35\n",
     "bad.inf:3: service section [S] names PR_SERVICE_ENTRY_NAME but no PR_SERVICE_DLL_NAME"},
    {"[Default Services]\nX=y\n", "bad.inf:2: default service 'X' is not listed in [Services]"},
    {"[Help File Mappings]\nMAPI=a\nmapi=b\n",
     "bad.inf:3: 'mapi' is already mapped in [Help File Mappings] at bad.inf:2"},
    {"[P]\nProviders=Q\n",
     "bad.inf:2: Providers= belongs in a service section; [P] is not listed in [Services]"},
    {"[P]\nUID=00\n", "bad.inf:2: UID= is only allowed in a section named by a service's Sections="},
    {"[X]\nPR_NO_SUCH_PROPERTY=1\n",
     "bad.inf:2: unknown property name 'PR_NO_SUCH_PROPERTY' (a PR_ name or an 8-hex-digit tag)"},
    {"[X]\n80000003=1\n",
     "bad.inf:2: 80000003: named-property IDs (0x8000 and above) cannot be stored in a profile "
     "section"},
    {"[X]\n00000003=1\n", "bad.inf:2: 00000003: property ID 0x0000 is not a storable property"},
    {"[X]\nPR_DISPLAY_NAME=a\n3001001F=b\n",
     "bad.inf:3: 3001001F: property 0x3001 is already set in this section"},
    {"[X]\n66000003=NO_SUCH_FLAG\n",
     "bad.inf:2: 66000003=NO_SUCH_FLAG: unknown flag name (PT_LONG)"},
    {"[X]\n66000003=12x\n", "bad.inf:2: 66000003=12x: not a number (PT_LONG)"},
    {"[X]\n66000003=4294967296\n", "bad.inf:2: 66000003=4294967296: number out of range (PT_LONG)"},
    {"[X]\n66000003=\n", "bad.inf:2: 66000003=: empty value (PT_LONG)"},
    {"[X]\n66000004=1e300\n", "bad.inf:2: 66000004=1e300: number out of range (PT_R4)"},
    {"[X]\n66000005=1e999\n", "bad.inf:2: 66000005=1e999: bad floating-point number (PT_DOUBLE)"},
    {"[X]\n66000102=abc\n",
     "bad.inf:2: 66000102=abc: bad binary value (hex digits, two per byte) (PT_BINARY)"},
    {"[X]\n6600000B=maybe\n",
     "bad.inf:2: 6600000B=maybe: bad boolean (TRUE, FALSE or a number) (PT_BOOLEAN)"},
    {"[X]\n66000048=1234\n",
     "bad.inf:2: 66000048=1234: bad GUID (32 hex digits or "
     "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}) (PT_CLSID)"},
    {"[X]\n6600000D=x\n",
     "bad.inf:2: 6600000D=x: this property type cannot be written in a catalog (PT_OBJECT)"},
    {"[X]\n66000040=1\n",
     "bad.inf:2: 66000040=1: this property type cannot be written in a catalog (PT_SYSTIME)"},
    {"[X]\nPR_DISPLAY_NAME=\xff\n", "bad.inf:2: text is not valid UTF-8"},
    {"[Services]\nS=x\n[S]\nProviders=P\nSections=E\n[P]\nPR_PROVIDER_DLL_NAME=p\n"
     "PR_RESOURCE_TYPE=35\n[E]\nUID=0123\n",
     "bad.inf:10: UID= needs 32 hex digits, found '0123'"},
};

Test(catalog, every_malformed_line_is_reported_with_its_place)
{
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        mapirt_catalog *cat = (mapirt_catalog *)1;
        char err[512];
        HRESULT hr = parse1("bad.inf", BAD[i].text, &cat, err, sizeof err);
        cr_expect_eq(hr, MAPI_E_CORRUPT_DATA, "case %zu", i);
        cr_expect_null(cat, "case %zu: nothing is returned", i);
        cr_expect_str_eq(err, BAD[i].message, "case %zu", i);
    }
}

Test(catalog, a_nul_byte_is_reported)
{
    mapirt_catalog *cat;
    char err[256];
    mapirt_catalog_text t = {"nul.inf", "[X]\nA\0B=1\n", 10};
    cr_expect_eq(mapirt_catalog_parse(&t, 1, &cat, err, sizeof err), MAPI_E_CORRUPT_DATA);
    cr_expect_str_eq(err, "nul.inf:2: NUL byte in the line");
}

Test(catalog, fragments_merge_and_duplicates_name_both_places)
{
    static const char MAIN[] = "[Services]\n[Default Services]\n[Help File Mappings]\nMAPI=x\n";
    static const char A[] =
        "[Services]\nA=Service A\n[Default Services]\nA=Service A\n"
        "[A]\nProviders=A P\n[A P]\nPR_PROVIDER_DLL_NAME=a.so\nPR_RESOURCE_TYPE=MAPI_AB_PROVIDER\n";
    static const char B[] =
        "\xEF\xBB\xBF[Services]\nB=Service B\n[B]\nProviders=B P\n[B P]\n"
        "PR_PROVIDER_DLL_NAME=b.so\nPR_RESOURCE_TYPE=MAPI_TRANSPORT_PROVIDER\n";
    static const char B2[] = "[Services]\nb=again\n";
    mapirt_catalog_text t[] = {{"mapisvc.inf", MAIN, sizeof MAIN - 1},
                               {"mapisvc.d/a.inf", A, sizeof A - 1},
                               {"mapisvc.d/b.inf", B, sizeof B - 1},
                               {"mapisvc.d/c.inf", B2, sizeof B2 - 1}};
    mapirt_catalog *cat;
    char err[256];
    cr_assert_eq(mapirt_catalog_parse(t, 3, &cat, err, sizeof err), S_OK, "%s", err);
    cr_expect_eq(cat->cServices, 2);
    cr_expect_str_eq(cat->services[0].name, "A");
    cr_expect_str_eq(cat->services[1].name, "B");
    cr_expect_str_eq(cat->services[1].file, "mapisvc.d/b.inf", "a UTF-8 BOM is skipped");
    cr_expect_eq(cat->cDefaults, 1);
    cr_expect_eq(cat->cFiles, 3);
    mapirt_catalog_free(cat);

    cr_expect_eq(mapirt_catalog_parse(t, 4, &cat, err, sizeof err), MAPI_E_CORRUPT_DATA);
    cr_expect_str_eq(err, "mapisvc.d/c.inf:2: service 'b' is already listed in [Services] at "
                          "mapisvc.d/b.inf:2");
    cr_expect_null(cat);
}

Test(catalog, a_long_error_is_cut_but_terminated)
{
    mapirt_catalog *cat;
    char err[12];
    cr_expect_eq(parse1("a-long-file-name.inf", "junk\n", &cat, err, sizeof err),
                 MAPI_E_CORRUPT_DATA);
    cr_expect_eq(strlen(err), sizeof err - 1);
    cr_expect_eq(parse1("x.inf", "junk\n", &cat, NULL, 0), MAPI_E_CORRUPT_DATA,
                 "no message buffer is fine");
}

Test(catalog, out_of_memory_at_every_allocation)
{
    unsigned long oom_points;
    mapirt_catalog *cat = NULL;
    char err[256];
    HRESULT hr;
    OOM_LOOP(hr, hr = parse1("acme.inf", ACME, &cat, err, sizeof err), mapirt_catalog_free(cat));
    cr_expect_geq(oom_points, 3);
    MAPIRT_LEAK_CHECK();
}

Test(catalog, the_shipped_catalog_parses)
{
    FILE *f = fopen("runtime/profile/mapisvc.inf", "r");
    cr_assert_not_null(f);
    char buf[8192];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    mapirt_catalog_text t = {"runtime/profile/mapisvc.inf", buf, n};
    mapirt_catalog *cat;
    char err[256];
    cr_assert_eq(mapirt_catalog_parse(&t, 1, &cat, err, sizeof err), S_OK, "%s", err);
    mapirt_catalog_free(cat);
}
