/* abfixture.h: a profile with mapirt's personal address book, built as a user builds one: the
 * catalog fragment the build stages (build/mapirt/mapisvc.d/abook.inf), a profile made with
 * MAPI_DEFAULT_SERVICES, the service configured with the user's name and address, and
 * MAPILogonEx loading build/mapirt/providers/abook.so with dlopen. Every test has its own
 * temporary directory (profiles, XDG_DATA_HOME with the address book's SQLite file). */
#ifndef TESTS_ABOOK_ABFIXTURE_H
#define TESTS_ABOOK_ABFIXTURE_H

#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif
#include <criterion/criterion.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapiguid.h>
#include <mapitags.h>
#include <mapiutil.h>
#include <mapix.h>

#define PR_AB_PATH_A PROP_TAG(PT_STRING8, 0x6710)
#define PR_AB_IMPORT_VCARD_A PROP_TAG(PT_STRING8, 0x6711)
#define PR_AB_IMPORTED PROP_TAG(PT_LONG, 0x6712)
#define PR_AB_EXPANDED_MEMBERS PROP_TAG(PT_MV_BINARY, 0x6713)

static char g_tmp[256];

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
    (void)sb;
    (void)flag;
    (void)f;
    return remove(p);
}

static inline void write_text(const char *name, const char *text, char *path, size_t cb)
{
    snprintf(path, cb, "%s/%s", g_tmp, name);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

/* The service's UID in profile name (the first service). */
static inline MAPIUID service_uid(const char *profile)
{
    LPPROFADMIN pa;
    LPSERVICEADMIN sa;
    LPMAPITABLE t;
    LPSRowSet rows = NULL;
    MAPIUID u;
    cr_assert_eq(MAPIAdminProfiles(0, &pa), S_OK);
    cr_assert_eq(pa->lpVtbl->AdminServices(pa, (LPTSTR)profile, NULL, 0, 0, &sa), S_OK);
    cr_assert_eq(sa->lpVtbl->GetMsgServiceTable(sa, 0, &t), S_OK);
    SizedSPropTagArray(2, cols) = {2, {PR_SERVICE_UID, PR_SERVICE_NAME_A}};
    cr_assert_eq(HrQueryAllRows(t, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows), S_OK);
    cr_assert_eq(rows->cRows, 1, "the default services are the address book alone");
    cr_assert_str_eq(rows->aRow[0].lpProps[1].Value.lpszA, "MAPIRT_PAB");
    memcpy(u.ab, rows->aRow[0].lpProps[0].Value.bin.lpb, 16);
    FreeProws(rows);
    t->lpVtbl->Release(t);
    sa->lpVtbl->Release(sa);
    pa->lpVtbl->Release(pa);
    return u;
}

/* ConfigureMsgService on the profile's address book; the GetLastError text into err. */
static inline HRESULT configure(const char *profile, ULONG c, LPSPropValue v, char *err,
                                size_t cberr)
{
    LPPROFADMIN pa;
    LPSERVICEADMIN sa;
    MAPIUID u = service_uid(profile);
    cr_assert_eq(MAPIAdminProfiles(0, &pa), S_OK);
    cr_assert_eq(pa->lpVtbl->AdminServices(pa, (LPTSTR)profile, NULL, 0, 0, &sa), S_OK);
    HRESULT hr = sa->lpVtbl->ConfigureMsgService(sa, &u, 0, 0, c, v);
    if (err) {
        err[0] = 0;
        LPMAPIERROR e = NULL;
        if (FAILED(hr) && sa->lpVtbl->GetLastError(sa, hr, 0, &e) == S_OK && e &&
            e->lpszError)
            snprintf(err, cberr, "%s", (char *)e->lpszError);
        MAPIFreeBuffer(e);
    }
    sa->lpVtbl->Release(sa);
    pa->lpVtbl->Release(pa);
    return hr;
}

static inline void ab_setup(void)
{
    char path[PATH_MAX], dir[PATH_MAX + 32];
    snprintf(g_tmp, sizeof g_tmp, "/tmp/abook-test-XXXXXX");
    cr_assert_not_null(mkdtemp(g_tmp));
    snprintf(path, sizeof path, "%s/profiles.db", g_tmp);
    setenv("MAPIRT_PROFILES", path, 1);
    cr_assert_not_null(realpath("build/mapirt/mapisvc.d/abook.inf", path),
                       "the build stages the catalog fragment");
    setenv("MAPIRT_SERVICES", path, 1);
    cr_assert_not_null(realpath("build/mapirt/providers", path));
    setenv("MAPIRT_PROVIDER_PATH", path, 1);
    snprintf(dir, sizeof dir, "%s/data", g_tmp);
    setenv("XDG_DATA_HOME", dir, 1);
    cr_assert_eq(MAPIInitialize(NULL), S_OK);
    LPPROFADMIN pa;
    cr_assert_eq(MAPIAdminProfiles(0, &pa), S_OK);
    cr_assert_eq(pa->lpVtbl->CreateProfile(pa, (LPTSTR) "P", NULL, 0, MAPI_DEFAULT_SERVICES),
                 S_OK);
    pa->lpVtbl->Release(pa);
    SPropValue v[2];
    memset(v, 0, sizeof v);
    v[0].ulPropTag = PR_DISPLAY_NAME_A;
    v[0].Value.lpszA = (LPSTR) "Ada Lovelace";
    v[1].ulPropTag = PR_EMAIL_ADDRESS_A;
    v[1].Value.lpszA = (LPSTR) "ada@example.org";
    char err[512];
    cr_assert_eq(configure("P", 2, v, err, sizeof err), S_OK, "%s", err);
}

static inline void ab_teardown(void)
{
    MAPIUninitialize();
    nftw(g_tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static inline LPMAPISESSION ab_logon(void)
{
    LPMAPISESSION s = NULL;
    HRESULT hr = MAPILogonEx(0, (LPTSTR) "P", NULL, MAPI_EXTENDED | MAPI_NO_MAIL, &s);
    cr_assert_eq(hr, S_OK, "MAPILogonEx: 0x%08X", (unsigned)hr);
    return s;
}

static inline const SPropValue *col(const SRow *r, ULONG tag)
{
    for (ULONG i = 0; i < r->cValues; i++)
        if (r->lpProps[i].ulPropTag == tag)
            return &r->lpProps[i];
    return NULL;
}

/* The address book's status row (a copy: FreeProws(*rows) after use). */
static inline const SRow *ab_status_row(LPMAPISESSION s, LPSRowSet *rows)
{
    LPMAPITABLE t;
    cr_assert_eq(s->lpVtbl->GetStatusTable(s, 0, &t), S_OK);
    cr_assert_eq(HrQueryAllRows(t, NULL, NULL, NULL, 0, rows), S_OK);
    t->lpVtbl->Release(t);
    for (ULONG i = 0; i < (*rows)->cRows; i++) {
        const SPropValue *d = col(&(*rows)->aRow[i], PR_PROVIDER_DLL_NAME_A);
        const SPropValue *ty = col(&(*rows)->aRow[i], PR_RESOURCE_TYPE);
        if (d && ty && ty->Value.l == MAPI_AB_PROVIDER && strstr(d->Value.lpszA, "abook"))
            return &(*rows)->aRow[i];
    }
    cr_assert_fail("no status row of the address book");
    return NULL;
}

/* The PAB container, reached as a client reaches it: the root container (its entry ID made
 * from the MAPIUID the provider registered, read from the identity's entry ID), its
 * hierarchy table, the PAB's row. */
static inline LPABCONT open_pab(LPMAPISESSION s)
{
    LPSRowSet rows;
    const SRow *r = ab_status_row(s, &rows);
    const SPropValue *id = col(r, PR_IDENTITY_ENTRYID);
    cr_assert_not_null(id);
    BYTE root[32];
    memset(root, 0, sizeof root);
    memcpy(root + 4, id->Value.bin.lpb + 4, 16);
    root[20] = 1;
    root[21] = MAPI_ABCONT;
    FreeProws(rows);
    ULONG type;
    LPABCONT rc;
    cr_assert_eq(s->lpVtbl->OpenEntry(s, sizeof root, (LPENTRYID)root, NULL, 0, &type,
                                      (LPUNKNOWN *)&rc), S_OK);
    cr_assert_eq(type, MAPI_ABCONT);
    LPMAPITABLE h;
    cr_assert_eq(rc->lpVtbl->GetHierarchyTable(rc, 0, &h), S_OK);
    LPSRowSet hr = NULL;
    cr_assert_eq(HrQueryAllRows(h, NULL, NULL, NULL, 0, &hr), S_OK);
    cr_assert_eq(hr->cRows, 1);
    const SPropValue *flags = col(&hr->aRow[0], PR_CONTAINER_FLAGS);
    cr_assert(flags && (flags->Value.l & AB_RECIPIENTS) && (flags->Value.l & AB_MODIFIABLE));
    const SPropValue *e = col(&hr->aRow[0], PR_ENTRYID);
    LPABCONT pab;
    cr_assert_eq(s->lpVtbl->OpenEntry(s, e->Value.bin.cb, (LPENTRYID)e->Value.bin.lpb, NULL,
                                      MAPI_MODIFY, &type, (LPUNKNOWN *)&pab), S_OK);
    FreeProws(hr);
    h->lpVtbl->Release(h);
    rc->lpVtbl->Release(rc);
    return pab;
}

/* The template entry ID of the one-off table row whose PR_DISPLAY_TYPE is dt (copied). */
static inline SBinary template_of(LPABCONT pab, LONG dt)
{
    LPMAPITABLE t;
    LPSRowSet rows = NULL;
    SBinary out = {0, NULL};
    cr_assert_eq(pab->lpVtbl->OpenProperty(pab, PR_CREATE_TEMPLATES, &IID_IMAPITable, 0, 0,
                                           (LPUNKNOWN *)&t), S_OK);
    cr_assert_eq(HrQueryAllRows(t, NULL, NULL, NULL, 0, &rows), S_OK);
    for (ULONG i = 0; i < rows->cRows; i++) {
        const SPropValue *d = col(&rows->aRow[i], PR_DISPLAY_TYPE);
        const SPropValue *e = col(&rows->aRow[i], PR_ENTRYID);
        if (d && e && d->Value.l == dt) {
            out.cb = e->Value.bin.cb;
            out.lpb = malloc(out.cb);
            memcpy(out.lpb, e->Value.bin.lpb, out.cb);
        }
    }
    FreeProws(rows);
    t->lpVtbl->Release(t);
    cr_assert_not_null(out.lpb);
    return out;
}

/* Creates and saves a mail user; its entry ID (malloc) in *eid when eid is not NULL. */
static inline HRESULT add_user(LPABCONT pab, const char *name, const char *email, ULONG flags,
                               SBinary *eid)
{
    SBinary tpl = template_of(pab, DT_MAILUSER);
    LPMAPIPROP p;
    HRESULT hr = pab->lpVtbl->CreateEntry(pab, tpl.cb, (LPENTRYID)tpl.lpb, flags, &p);
    free(tpl.lpb);
    cr_assert_eq(hr, S_OK);
    SPropValue v[2];
    memset(v, 0, sizeof v);
    v[0].ulPropTag = PR_DISPLAY_NAME_A;
    v[0].Value.lpszA = (LPSTR)name;
    v[1].ulPropTag = PR_EMAIL_ADDRESS_A;
    v[1].Value.lpszA = (LPSTR)email;
    cr_assert_eq(p->lpVtbl->SetProps(p, 2, v, NULL), S_OK);
    hr = p->lpVtbl->SaveChanges(p, KEEP_OPEN_READWRITE);
    if (SUCCEEDED(hr) && eid) {
        LPSPropValue e;
        cr_assert_eq(HrGetOneProp(p, PR_ENTRYID, &e), S_OK);
        eid->cb = e->Value.bin.cb;
        eid->lpb = malloc(eid->cb);
        memcpy(eid->lpb, e->Value.bin.lpb, eid->cb);
        MAPIFreeBuffer(e);
    }
    p->lpVtbl->Release(p);
    return hr;
}

static inline ULONG count_rows(LPMAPICONTAINER c)
{
    LPMAPITABLE t;
    ULONG n = 0;
    cr_assert_eq(c->lpVtbl->GetContentsTable(c, 0, &t), S_OK);
    cr_assert_eq(t->lpVtbl->GetRowCount(t, 0, &n), S_OK);
    t->lpVtbl->Release(t);
    return n;
}

#endif
