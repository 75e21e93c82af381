/* tests/runtime/abook/test_abook.c: the personal address book (providers/abook/) end to end:
 * a profile made with MAPI_DEFAULT_SERVICES from the staged catalog fragment, MAPILogonEx
 * loading build/mapirt/providers/abook.so with dlopen, real SQLite files in a temporary
 * directory, a child process killed with -9 in the middle of saving.
 * configure: link -rdynamic -ldl
 *
 * -rdynamic: the provider links libmapirt; exporting the test's (sanitized) runtime makes the
 * provider use that one copy, as it uses the session's libmapirt in a real process. */
#define _DEFAULT_SOURCE
#define _XOPEN_SOURCE 700
#include <signal.h>
#include <sys/wait.h>

#include "abfixture.h"

TestSuite(abook, .init = ab_setup, .fini = ab_teardown, .timeout = 60);

/* ---- identity ---- */

Test(abook, primary_identity_is_the_configured_user)
{
    LPMAPISESSION s = ab_logon();
    LPSRowSet rows;
    const SRow *r = ab_status_row(s, &rows);
    const SPropValue *f = col(r, PR_RESOURCE_FLAGS);
    cr_assert(f && (f->Value.l & STATUS_PRIMARY_IDENTITY), "the row is the primary identity's");
    const SPropValue *d = col(r, PR_IDENTITY_DISPLAY_A);
    cr_assert(d && strcmp(d->Value.lpszA, "Ada Lovelace") == 0);
    const SPropValue *k = col(r, PR_IDENTITY_SEARCH_KEY);
    cr_assert(k && strcmp((char *)k->Value.bin.lpb, "SMTP:ADA@EXAMPLE.ORG") == 0);
    const SPropValue *st = col(r, PR_STATUS_CODE);
    cr_assert(st && st->Value.l == STATUS_AVAILABLE);
    const SPropValue *e = col(r, PR_IDENTITY_ENTRYID);
    cr_assert_not_null(e);

    ULONG cb, eq = 0, type;
    LPENTRYID id;
    cr_assert_eq(s->lpVtbl->QueryIdentity(s, &cb, &id), S_OK);
    cr_assert_eq(s->lpVtbl->CompareEntryIDs(s, cb, id, e->Value.bin.cb,
                                            (LPENTRYID)e->Value.bin.lpb, 0, &eq), S_OK);
    cr_assert(eq, "QueryIdentity answers the address book's identity entry");
    LPMAILUSER u;
    cr_assert_eq(s->lpVtbl->OpenEntry(s, cb, id, NULL, 0, &type, (LPUNKNOWN *)&u), S_OK);
    cr_assert_eq(type, MAPI_MAILUSER);
    LPSPropValue v;
    cr_assert_eq(HrGetOneProp((LPMAPIPROP)u, PR_EMAIL_ADDRESS_A, &v), S_OK);
    cr_assert_str_eq(v->Value.lpszA, "ada@example.org");
    MAPIFreeBuffer(v);
    u->lpVtbl->Release(u);
    MAPIFreeBuffer(id);
    FreeProws(rows);

    /* reconfigured: the same entry, the new address, the row follows at the next logon */
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
    SPropValue nv;
    memset(&nv, 0, sizeof nv);
    nv.ulPropTag = PR_EMAIL_ADDRESS_A;
    nv.Value.lpszA = (LPSTR) "ada@analytical.engine";
    cr_assert_eq(configure("P", 1, &nv, NULL, 0), S_OK);
    s = ab_logon();
    r = ab_status_row(s, &rows);
    k = col(r, PR_IDENTITY_SEARCH_KEY);
    cr_assert(k && strcmp((char *)k->Value.bin.lpb, "SMTP:ADA@ANALYTICAL.ENGINE") == 0);
    LPABCONT pab = open_pab(s);
    cr_assert_eq(count_rows((LPMAPICONTAINER)pab), 1, "reconfiguring made no second entry");
    /* the identity is not deleted from under the profile */
    ENTRYLIST el = {1, NULL};
    SBinary b = col(r, PR_IDENTITY_ENTRYID)->Value.bin;
    el.lpbin = &b;
    cr_assert_eq(pab->lpVtbl->DeleteEntries(pab, &el, 0), MAPI_W_PARTIAL_COMPLETION);
    cr_assert_eq(count_rows((LPMAPICONTAINER)pab), 1);
    FreeProws(rows);
    pab->lpVtbl->Release(pab);
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
}

/* ---- create, read, update, delete ---- */

Test(abook, entries_are_created_saved_changed_and_deleted)
{
    LPMAPISESSION s = ab_logon();
    LPABCONT pab = open_pab(s);
    LPMAPITABLE live;
    cr_assert_eq(pab->lpVtbl->GetContentsTable(pab, MAPI_UNICODE, &live), S_OK);

    SBinary tpl = template_of(pab, DT_MAILUSER);
    LPMAPIPROP p;
    cr_assert_eq(pab->lpVtbl->CreateEntry(pab, tpl.cb, (LPENTRYID)tpl.lpb, 0, &p), S_OK);
    free(tpl.lpb);
    SPropValue v[3];
    memset(v, 0, sizeof v);
    v[0].ulPropTag = PR_DISPLAY_NAME_W;
    static const WCHAR grace[] = {'G', 'r', 'a', 'c', 'e', ' ', 'H', 0xf6, 'p', 'p', 'e', 'r', 0};
    v[0].Value.lpszW = (LPWSTR)grace;
    v[1].ulPropTag = PR_EMAIL_ADDRESS_A;
    v[1].Value.lpszA = (LPSTR) "grace@navy.mil";
    v[2].ulPropTag = PR_BUSINESS_TELEPHONE_NUMBER_A;
    v[2].Value.lpszA = (LPSTR) "+1 555 0100";
    cr_assert_eq(p->lpVtbl->SetProps(p, 3, v, NULL), S_OK);
    cr_assert_eq(count_rows((LPMAPICONTAINER)pab), 1, "nothing is visible before SaveChanges");
    cr_assert_eq(p->lpVtbl->SaveChanges(p, KEEP_OPEN_READWRITE), S_OK);
    ULONG n = 0;
    cr_assert_eq(live->lpVtbl->GetRowCount(live, 0, &n), S_OK);
    cr_assert_eq(n, 2, "an open contents table follows");
    LPSPropValue e;
    cr_assert_eq(HrGetOneProp(p, PR_ENTRYID, &e), S_OK);
    p->lpVtbl->Release(p);
    live->lpVtbl->Release(live);
    pab->lpVtbl->Release(pab);
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);

    /* another session: it was saved, with every property */
    s = ab_logon();
    pab = open_pab(s);
    ULONG type;
    LPMAILUSER u;
    cr_assert_eq(pab->lpVtbl->OpenEntry(pab, e->Value.bin.cb, (LPENTRYID)e->Value.bin.lpb, NULL,
                                        MAPI_MODIFY, &type, (LPUNKNOWN *)&u), S_OK);
    SizedSPropTagArray(5, tags) = {5, {PR_DISPLAY_NAME_A, PR_EMAIL_ADDRESS_A, PR_ADDRTYPE_A,
                                       PR_BUSINESS_TELEPHONE_NUMBER_A, PR_SEARCH_KEY}};
    ULONG c;
    LPSPropValue got;
    cr_assert_eq(u->lpVtbl->GetProps(u, (LPSPropTagArray)&tags, 0, &c, &got), S_OK);
    cr_assert_str_eq(got[0].Value.lpszA, "Grace H\xc3\xb6pper");
    cr_assert_str_eq(got[1].Value.lpszA, "grace@navy.mil");
    cr_assert_str_eq(got[2].Value.lpszA, "SMTP");
    cr_assert_str_eq(got[3].Value.lpszA, "+1 555 0100");
    cr_assert_str_eq((char *)got[4].Value.bin.lpb, "SMTP:GRACE@NAVY.MIL");
    MAPIFreeBuffer(got);
    /* changed, not saved: nothing; saved: there */
    SPropValue t;
    memset(&t, 0, sizeof t);
    t.ulPropTag = PR_EMAIL_ADDRESS_A;
    t.Value.lpszA = (LPSTR) "grace@example.mil";
    cr_assert_eq(u->lpVtbl->SetProps(u, 1, &t, NULL), S_OK);
    cr_assert_eq(u->lpVtbl->SaveChanges(u, 0), S_OK);
    u->lpVtbl->Release(u);
    cr_assert_eq(pab->lpVtbl->OpenEntry(pab, e->Value.bin.cb, (LPENTRYID)e->Value.bin.lpb, NULL,
                                        0, &type, (LPUNKNOWN *)&u), S_OK);
    LPSPropValue one;
    cr_assert_eq(HrGetOneProp((LPMAPIPROP)u, PR_EMAIL_ADDRESS_A, &one), S_OK);
    cr_assert_str_eq(one->Value.lpszA, "grace@example.mil");
    MAPIFreeBuffer(one);
    cr_assert_eq(u->lpVtbl->SetProps(u, 1, &t, NULL), MAPI_E_NO_ACCESS, "opened read-only");
    u->lpVtbl->Release(u);

    /* duplicates: strict refuses the same name and address, CREATE_REPLACE replaces */
    cr_assert_eq(add_user(pab, "Grace H\xc3\xb6pper", "GRACE@example.mil",
                          CREATE_CHECK_DUP_STRICT, NULL), MAPI_E_COLLISION);
    cr_assert_eq(add_user(pab, "Grace H\xc3\xb6pper", "GRACE@example.mil",
                          CREATE_CHECK_DUP_STRICT | CREATE_REPLACE, NULL), S_OK);
    cr_assert_eq(count_rows((LPMAPICONTAINER)pab), 2);
    cr_assert_eq(add_user(pab, "Grace H\xc3\xb6pper", "other@example.mil", 0, NULL), S_OK,
                 "no check asked: a second entry");
    cr_assert_eq(count_rows((LPMAPICONTAINER)pab), 3);

    /* deleted: gone from the table, the entry ID opens nothing */
    ENTRYLIST el = {1, &e->Value.bin};
    cr_assert_eq(pab->lpVtbl->DeleteEntries(pab, &el, 0), S_OK);
    cr_assert_eq(count_rows((LPMAPICONTAINER)pab), 2);
    cr_assert_eq(pab->lpVtbl->OpenEntry(pab, e->Value.bin.cb, (LPENTRYID)e->Value.bin.lpb, NULL,
                                        0, &type, (LPUNKNOWN *)&u), MAPI_E_NOT_FOUND);
    cr_assert_eq(pab->lpVtbl->DeleteEntries(pab, &el, 0), MAPI_W_PARTIAL_COMPLETION);
    MAPIFreeBuffer(e);
    pab->lpVtbl->Release(pab);
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
}

Test(abook, copy_entries_takes_one_offs_and_own_entries)
{
    LPMAPISESSION s = ab_logon();
    LPABCONT pab = open_pab(s);
    LPENTRYID oo;
    ULONG cboo;
    /* a one-off entry ID as a message's recipient would carry (Unicode flavour) */
    static const BYTE hdr[24] = {0, 0, 0, 0, 0x81, 0x2b, 0x1f, 0xa4, 0xbe, 0xa3, 0x10, 0x19,
                                 0x9d, 0x6e, 0x00, 0xdd, 0x01, 0x0f, 0x54, 0x02, 0, 0,
                                 0x00, 0x80};
    const char *parts[3] = {"Linus", "SMTP", "linus@example.org"};
    BYTE buf[256];
    size_t k = 24;
    memcpy(buf, hdr, 24);
    for (int i = 0; i < 3; i++) {
        for (const char *c = parts[i]; *c; c++) {
            buf[k++] = (BYTE)*c;
            buf[k++] = 0;
        }
        buf[k++] = 0;
        buf[k++] = 0;
    }
    oo = (LPENTRYID)buf;
    cboo = (ULONG)k;
    SBinary own;
    cr_assert_eq(add_user(pab, "Ken", "ken@example.org", 0, &own), S_OK);
    SBinary bins[3] = {{cboo, (LPBYTE)oo}, {own.cb, own.lpb}, {5, (LPBYTE) "junk!"}};
    ENTRYLIST el = {3, bins};
    cr_assert_eq(pab->lpVtbl->CopyEntries(pab, &el, 0, NULL, 0), MAPI_W_PARTIAL_COMPLETION,
                 "the bad one is reported, the others copied");
    cr_assert_eq(count_rows((LPMAPICONTAINER)pab), 4);
    free(own.lpb);
    pab->lpVtbl->Release(pab);
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
}

/* ---- ResolveNames ---- */

static LPADRLIST adrlist(const char *const *names, ULONG n)
{
    LPADRLIST a;
    cr_assert_eq(MAPIAllocateBuffer(CbNewADRLIST(n), (void **)&a), S_OK);
    a->cEntries = n;
    for (ULONG i = 0; i < n; i++) {
        LPSPropValue v;
        cr_assert_eq(MAPIAllocateBuffer(2 * sizeof *v, (void **)&v), S_OK);
        memset(v, 0, 2 * sizeof *v);
        v[0].ulPropTag = PR_DISPLAY_NAME_A;
        cr_assert_eq(MAPIAllocateMore((ULONG)strlen(names[i]) + 1, v,
                                      (void **)&v[0].Value.lpszA), S_OK);
        strcpy(v[0].Value.lpszA, names[i]);
        v[1].ulPropTag = PR_RECIPIENT_TYPE;
        v[1].Value.l = MAPI_CC;
        a->aEntries[i].ulReserved1 = 0;
        a->aEntries[i].cValues = 2;
        a->aEntries[i].rgPropVals = v;
    }
    return a;
}

Test(abook, resolve_names_follows_the_flag_list)
{
    LPMAPISESSION s = ab_logon();
    LPABCONT pab = open_pab(s);
    cr_assert_eq(add_user(pab, "Alan Turing", "alan@bletchley.uk", 0, NULL), S_OK);
    cr_assert_eq(add_user(pab, "Alan Kay", "kay@parc.com", 0, NULL), S_OK);
    cr_assert_eq(add_user(pab, "Grace Hopper", "grace@navy.mil", 0, NULL), S_OK);
    cr_assert_eq(add_user(pab, "\xc3\x89mile Borel", "borel@ens.fr", 0, NULL), S_OK);
    static const char *const names[] = {"grace", "alan", "alan kay", "GRACE@NAVY.MIL", "zzz",
                                        "hopper", "Ada", "\xc3\xa9MILE", "kay@"};
    ULONG n = sizeof names / sizeof names[0];
    LPADRLIST a = adrlist(names, n);
    LPFlagList fl;
    cr_assert_eq(MAPIAllocateBuffer((ULONG)(sizeof(ULONG) * (n + 1)), (void **)&fl), S_OK);
    fl->cFlags = n;
    for (ULONG i = 0; i < n; i++)
        fl->ulFlag[i] = MAPI_UNRESOLVED;
    (&fl->ulFlag[0])[6] = MAPI_RESOLVED; /* resolved by an earlier container: left alone */
    SizedSPropTagArray(3, tags) = {3, {PR_DISPLAY_NAME_A, PR_EMAIL_ADDRESS_A, PR_ENTRYID}};
    cr_assert_eq(pab->lpVtbl->ResolveNames(pab, (LPSPropTagArray)&tags, 0, a, fl), S_OK);
    static const ULONG want[] = {MAPI_RESOLVED, MAPI_AMBIGUOUS, MAPI_RESOLVED, MAPI_RESOLVED,
                                 MAPI_UNRESOLVED, MAPI_RESOLVED, MAPI_RESOLVED, MAPI_RESOLVED,
                                 MAPI_RESOLVED};
    static const char *const addr[] = {"grace@navy.mil", NULL, "kay@parc.com",
                                       "grace@navy.mil", NULL, "grace@navy.mil", NULL,
                                       "borel@ens.fr", "kay@parc.com"};
    for (ULONG i = 0; i < n; i++) {
        cr_assert_eq(fl->ulFlag[i], want[i], "'%s': flag %u", names[i], (unsigned)fl->ulFlag[i]);
        if (!addr[i])
            continue;
        ADRENTRY *e = &a->aEntries[i];
        const SPropValue *em = NULL, *rt = NULL, *id = NULL;
        for (ULONG k = 0; k < e->cValues; k++) {
            if (e->rgPropVals[k].ulPropTag == PR_EMAIL_ADDRESS_A)
                em = &e->rgPropVals[k];
            if (e->rgPropVals[k].ulPropTag == PR_RECIPIENT_TYPE)
                rt = &e->rgPropVals[k];
            if (e->rgPropVals[k].ulPropTag == PR_ENTRYID)
                id = &e->rgPropVals[k];
        }
        cr_assert(em && strcmp(em->Value.lpszA, addr[i]) == 0, "'%s' resolved to its entry",
                  names[i]);
        cr_assert(rt && rt->Value.l == MAPI_CC, "the caller's PR_RECIPIENT_TYPE is kept");
        cr_assert(id && id->Value.bin.cb == 32);
    }
    cr_assert_eq((&a->aEntries[0])[4].cValues, 2, "unresolved: untouched");
    FreePadrlist(a);

    /* a FlagList that does not match the ADRLIST */
    a = adrlist(names, 1);
    fl->cFlags = 2;
    cr_assert_eq(pab->lpVtbl->ResolveNames(pab, NULL, 0, a, fl), MAPI_E_INVALID_PARAMETER);
    /* Unicode and the default columns */
    fl->cFlags = 1;
    fl->ulFlag[0] = MAPI_UNRESOLVED;
    cr_assert_eq(pab->lpVtbl->ResolveNames(pab, NULL, MAPI_UNICODE, a, fl), S_OK);
    cr_assert_eq(fl->ulFlag[0], MAPI_RESOLVED);
    int wide = 0;
    for (ULONG k = 0; k < a->aEntries[0].cValues; k++)
        wide |= a->aEntries[0].rgPropVals[k].ulPropTag == PR_EMAIL_ADDRESS_W;
    cr_assert(wide, "MAPI_UNICODE gives PT_UNICODE strings");
    FreePadrlist(a);
    MAPIFreeBuffer(fl);
    pab->lpVtbl->Release(pab);
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
}

/* ---- distribution lists ---- */

static LPDISTLIST new_list(LPABCONT pab, const char *name, SBinary *eid)
{
    SBinary tpl = template_of(pab, DT_PRIVATE_DISTLIST);
    LPDISTLIST dl;
    cr_assert_eq(pab->lpVtbl->CreateEntry(pab, tpl.cb, (LPENTRYID)tpl.lpb, 0,
                                          (LPMAPIPROP *)&dl), S_OK);
    free(tpl.lpb);
    SPropValue v;
    memset(&v, 0, sizeof v);
    v.ulPropTag = PR_DISPLAY_NAME_A;
    v.Value.lpszA = (LPSTR)name;
    cr_assert_eq(dl->lpVtbl->SetProps(dl, 1, &v, NULL), S_OK);
    cr_assert_eq(dl->lpVtbl->SaveChanges(dl, KEEP_OPEN_READWRITE), S_OK);
    LPSPropValue e;
    cr_assert_eq(HrGetOneProp((LPMAPIPROP)dl, PR_ENTRYID, &e), S_OK);
    eid->cb = e->Value.bin.cb;
    eid->lpb = malloc(eid->cb);
    memcpy(eid->lpb, e->Value.bin.lpb, eid->cb);
    MAPIFreeBuffer(e);
    return dl;
}

static HRESULT add_members(LPDISTLIST dl, SBinary *m, ULONG n)
{
    ENTRYLIST el = {n, m};
    return dl->lpVtbl->CopyEntries(dl, &el, 0, NULL, 0);
}

static ULONG expanded(LPABCONT pab, SBinary *eid)
{
    ULONG type;
    LPDISTLIST dl;
    LPSPropValue v;
    cr_assert_eq(pab->lpVtbl->OpenEntry(pab, eid->cb, (LPENTRYID)eid->lpb, NULL, 0, &type,
                                        (LPUNKNOWN *)&dl), S_OK);
    cr_assert_eq(type, MAPI_DISTLIST);
    cr_assert_eq(HrGetOneProp((LPMAPIPROP)dl, PR_AB_EXPANDED_MEMBERS, &v), S_OK);
    ULONG n = v->Value.MVbin.cValues;
    MAPIFreeBuffer(v);
    dl->lpVtbl->Release(dl);
    return n;
}

Test(abook, nested_lists_expand_without_loops)
{
    LPMAPISESSION s = ab_logon();
    LPABCONT pab = open_pab(s);
    SBinary u[3], la, lb, lc;
    cr_assert_eq(add_user(pab, "One", "one@example.org", 0, &u[0]), S_OK);
    cr_assert_eq(add_user(pab, "Two", "two@example.org", 0, &u[1]), S_OK);
    cr_assert_eq(add_user(pab, "Three", "three@example.org", 0, &u[2]), S_OK);
    LPDISTLIST a = new_list(pab, "Team A", &la);
    LPDISTLIST b = new_list(pab, "Team B", &lb);
    LPDISTLIST c = new_list(pab, "Team C", &lc);
    /* A = {One, B, C}; B = {Two, C}; C = {Two, Three}: a diamond */
    cr_assert_eq(add_members(c, &u[1], 2), S_OK);
    cr_assert_eq(c->lpVtbl->SaveChanges(c, KEEP_OPEN_READWRITE), S_OK);
    SBinary bm[2] = {u[1], lc};
    cr_assert_eq(add_members(b, bm, 2), S_OK);
    cr_assert_eq(b->lpVtbl->SaveChanges(b, KEEP_OPEN_READWRITE), S_OK);
    SBinary am[3] = {u[0], lb, lc};
    cr_assert_eq(add_members(a, am, 3), S_OK);
    cr_assert_eq(a->lpVtbl->SaveChanges(a, KEEP_OPEN_READWRITE), S_OK);
    cr_assert_eq(count_rows((LPMAPICONTAINER)a), 3, "the list's own members");
    cr_assert_eq(expanded(pab, &la), 3, "One, Two, Three, each once");
    cr_assert_eq(expanded(pab, &lb), 2);

    /* loops: C may not contain A (A reaches C), A may not contain itself */
    cr_assert_eq(add_members(c, &la, 1), MAPI_W_PARTIAL_COMPLETION);
    LPMAPIERROR err = NULL;
    cr_assert_eq(c->lpVtbl->GetLastError(c, MAPI_W_PARTIAL_COMPLETION, 0, &err), S_OK);
    cr_assert(err && strstr((char *)err->lpszError, "itself"), "%s",
              err ? (char *)err->lpszError : "");
    MAPIFreeBuffer(err);
    cr_assert_eq(add_members(a, &la, 1), MAPI_W_PARTIAL_COMPLETION);
    cr_assert_eq(count_rows((LPMAPICONTAINER)c), 2, "refused members were not added");
    /* the check is made again at SaveChanges against what others committed: B, opened
     * before C joined it... here: C opened writable, then A saved with C; C adds B which
     * reaches C */
    cr_assert_eq(add_members(c, &lb, 1), MAPI_W_PARTIAL_COMPLETION);

    /* a member deleted from the book leaves its lists */
    ENTRYLIST el = {1, &u[1]};
    cr_assert_eq(pab->lpVtbl->DeleteEntries(pab, &el, 0), S_OK);
    cr_assert_eq(expanded(pab, &la), 2);

    /* CreateEntry on a list: a new mail user of the book that joins the list */
    SBinary tpl = template_of(pab, DT_MAILUSER);
    LPMAPIPROP p;
    cr_assert_eq(b->lpVtbl->CreateEntry(b, tpl.cb, (LPENTRYID)tpl.lpb, 0, &p), S_OK);
    free(tpl.lpb);
    SPropValue v[2];
    memset(v, 0, sizeof v);
    v[0].ulPropTag = PR_DISPLAY_NAME_A;
    v[0].Value.lpszA = (LPSTR) "Four";
    v[1].ulPropTag = PR_EMAIL_ADDRESS_A;
    v[1].Value.lpszA = (LPSTR) "four@example.org";
    cr_assert_eq(p->lpVtbl->SetProps(p, 2, v, NULL), S_OK);
    cr_assert_eq(p->lpVtbl->SaveChanges(p, 0), S_OK);
    p->lpVtbl->Release(p);
    cr_assert_eq(b->lpVtbl->SaveChanges(b, KEEP_OPEN_READWRITE), S_OK);
    cr_assert_eq(expanded(pab, &lb), 2, "Three (through C) and Four");
    a->lpVtbl->Release(a);
    b->lpVtbl->Release(b);
    c->lpVtbl->Release(c);
    for (int i = 0; i < 3; i++)
        free(u[i].lpb);
    free(la.lpb);
    free(lb.lpb);
    free(lc.lpb);
    pab->lpVtbl->Release(pab);
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
}

/* ---- bad entry IDs ---- */

Test(abook, bad_entry_ids_get_the_documented_errors)
{
    LPMAPISESSION s = ab_logon();
    LPABCONT pab = open_pab(s);
    SBinary mine;
    cr_assert_eq(add_user(pab, "Eve", "eve@example.org", 0, &mine), S_OK);
    ULONG type, eq;
    LPUNKNOWN u = NULL;
    BYTE b[64];
    /* too short, a wrong version, an unknown type, a container that does not exist */
    cr_assert_eq(pab->lpVtbl->OpenEntry(pab, 5, (LPENTRYID) "short", NULL, 0, &type, &u),
                 MAPI_E_INVALID_ENTRYID);
    memcpy(b, mine.lpb, mine.cb);
    b[20] = 9;
    cr_assert_eq(pab->lpVtbl->OpenEntry(pab, mine.cb, (LPENTRYID)b, NULL, 0, &type, &u),
                 MAPI_E_INVALID_ENTRYID);
    memcpy(b, mine.lpb, mine.cb);
    b[21] = MAPI_FOLDER;
    cr_assert_eq(pab->lpVtbl->OpenEntry(pab, mine.cb, (LPENTRYID)b, NULL, 0, &type, &u),
                 MAPI_E_INVALID_ENTRYID);
    memcpy(b, mine.lpb, mine.cb);
    b[21] = MAPI_DISTLIST; /* the entry is a mail user */
    cr_assert_eq(pab->lpVtbl->OpenEntry(pab, mine.cb, (LPENTRYID)b, NULL, 0, &type, &u),
                 MAPI_E_INVALID_ENTRYID);
    memcpy(b, mine.lpb, mine.cb);
    b[24] = 0x7f; /* an id never given */
    cr_assert_eq(pab->lpVtbl->OpenEntry(pab, mine.cb, (LPENTRYID)b, NULL, 0, &type, &u),
                 MAPI_E_NOT_FOUND);
    memcpy(b, mine.lpb, mine.cb);
    b[5] ^= 0xff; /* another book's MAPIUID: the session routes it nowhere */
    cr_assert_eq(pab->lpVtbl->OpenEntry(pab, mine.cb, (LPENTRYID)b, NULL, 0, &type, &u),
                 MAPI_E_UNKNOWN_ENTRYID);
    cr_assert_eq(s->lpVtbl->OpenEntry(s, mine.cb, (LPENTRYID)b, NULL, 0, &type, &u),
                 MAPI_E_UNKNOWN_ENTRYID);
    /* a short-term copy (abFlags set) is the same entry */
    memcpy(b, mine.lpb, mine.cb);
    b[0] = 0xff;
    cr_assert_eq(s->lpVtbl->CompareEntryIDs(s, mine.cb, (LPENTRYID)b, mine.cb,
                                            (LPENTRYID)mine.lpb, 0, &eq), S_OK);
    cr_assert(eq);
    /* the wrong interface; CreateEntry with an entry that is not a template */
    cr_assert_eq(pab->lpVtbl->OpenEntry(pab, mine.cb, (LPENTRYID)mine.lpb, &IID_IDistList, 0,
                                        &type, &u), MAPI_E_INTERFACE_NOT_SUPPORTED);
    LPMAPIPROP p;
    cr_assert_eq(pab->lpVtbl->CreateEntry(pab, mine.cb, (LPENTRYID)mine.lpb, 0, &p),
                 MAPI_E_INVALID_ENTRYID);
    LPMAPIERROR err = NULL;
    cr_assert_eq(pab->lpVtbl->GetLastError(pab, MAPI_E_INVALID_ENTRYID, 0, &err), S_OK);
    cr_assert(err && strstr((char *)err->lpszError, "template"));
    MAPIFreeBuffer(err);
    /* a mail user needs an address */
    SBinary tpl = template_of(pab, DT_MAILUSER);
    cr_assert_eq(pab->lpVtbl->CreateEntry(pab, tpl.cb, (LPENTRYID)tpl.lpb, 0, &p), S_OK);
    free(tpl.lpb);
    cr_assert_eq(p->lpVtbl->SaveChanges(p, 0), MAPI_E_INVALID_PARAMETER);
    p->lpVtbl->Release(p);
    free(mine.lpb);
    pab->lpVtbl->Release(pab);
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
}

/* ---- kill -9 during SaveChanges ---- */

/* A child saves entries of 20 properties, each holding the entry's number, until it is
 * killed with -9; then every entry in the book must be whole and the book must open. */
Test(abook, kill_9_during_save_changes_leaves_whole_entries)
{
    int pipefd[2];
    cr_assert_eq(pipe(pipefd), 0);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        close(pipefd[0]);
        LPMAPISESSION cs = NULL;
        if (MAPILogonEx(0, (LPTSTR) "P", NULL, MAPI_EXTENDED | MAPI_NO_MAIL, &cs) != S_OK)
            _exit(2);
        LPABCONT pab = open_pab(cs);
        SBinary tpl = template_of(pab, DT_MAILUSER);
        for (LONG i = 1;; i++) {
            LPMAPIPROP p;
            SPropValue v[22];
            char email[64];
            if (pab->lpVtbl->CreateEntry(pab, tpl.cb, (LPENTRYID)tpl.lpb, 0, &p) != S_OK)
                _exit(3);
            snprintf(email, sizeof email, "user%ld@example.org", (long)i);
            memset(v, 0, sizeof v);
            for (int k = 0; k < 20; k++) {
                v[k].ulPropTag = PROP_TAG(PT_LONG, 0x6800 + k);
                v[k].Value.l = i;
            }
            v[20].ulPropTag = PR_EMAIL_ADDRESS_A;
            v[20].Value.lpszA = email;
            v[21].ulPropTag = PR_DISPLAY_NAME_A;
            v[21].Value.lpszA = email;
            if (p->lpVtbl->SetProps(p, 22, v, NULL) != S_OK || p->lpVtbl->SaveChanges(p, 0) != S_OK)
                _exit(4);
            p->lpVtbl->Release(p);
            if (i == 20 && write(pipefd[1], "x", 1) != 1)
                _exit(5);
        }
    }
    close(pipefd[1]);
    char x;
    cr_assert_eq(read(pipefd[0], &x, 1), 1, "the child saved its first entries");
    usleep(30000);
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    cr_assert(WIFSIGNALED(status));
    close(pipefd[0]);

    LPMAPISESSION s = ab_logon();
    LPABCONT pab = open_pab(s);
    LPMAPITABLE t;
    LPSRowSet rows = NULL;
    cr_assert_eq(pab->lpVtbl->GetContentsTable(pab, 0, &t), S_OK);
    SizedSPropTagArray(2, cols) = {2, {PR_ENTRYID, PR_EMAIL_ADDRESS_A}};
    cr_assert_eq(HrQueryAllRows(t, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows), S_OK);
    cr_assert_geq(rows->cRows, 21, "the identity and at least 20 saved entries");
    for (ULONG r = 0; r < rows->cRows; r++) {
        ULONG ot;
        LPMAPIPROP u;
        SBinary *b = &rows->aRow[r].lpProps[0].Value.bin;
        if (strcmp(rows->aRow[r].lpProps[1].Value.lpszA, "ada@example.org") == 0)
            continue;
        cr_assert_eq(pab->lpVtbl->OpenEntry(pab, b->cb, (LPENTRYID)b->lpb, NULL, 0, &ot,
                                            (LPUNKNOWN *)&u), S_OK);
        SizedSPropTagArray(20, tags);
        tags.cValues = 20;
        for (int k = 0; k < 20; k++)
            tags.aulPropTag[k] = PROP_TAG(PT_LONG, 0x6800 + k);
        ULONG n;
        LPSPropValue v;
        cr_assert_eq(u->lpVtbl->GetProps(u, (LPSPropTagArray)&tags, 0, &n, &v), S_OK,
                     "all 20 properties are there");
        char want[64];
        snprintf(want, sizeof want, "user%ld@example.org", (long)v[0].Value.l);
        cr_assert_str_eq(rows->aRow[r].lpProps[1].Value.lpszA, want);
        for (int k = 1; k < 20; k++)
            cr_assert_eq(v[k].Value.l, v[0].Value.l);
        MAPIFreeBuffer(v);
        u->lpVtbl->Release(u);
    }
    FreeProws(rows);
    t->lpVtbl->Release(t);
    pab->lpVtbl->Release(pab);
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
}

/* ---- vCard import ---- */

static const char GOOD_VCF[] =
    "\xef\xbb\xbf"
    "BEGIN:VCARD\r\n"
    "VERSION:3.0\r\n"
    "FN:Margaret\r\n"
    "  Hamilton\r\n"
    "N:Hamilton;Margaret;;;\r\n"
    "EMAIL;TYPE=INTERNET:mh@example.org\r\n"
    "EMAIL;TYPE=INTERNET,PREF:margaret@apollo.nasa\r\n"
    "TEL;TYPE=WORK,VOICE:+1 555 0199\r\n"
    "TEL;TYPE=CELL:+1 555 0111\r\n"
    "ORG:MIT Instrumentation Lab;Software\r\n"
    "NOTE:Wrote the AGC software\\, and\\nmore\r\n"
    "item1.X-ABLabel:ignored\r\n"
    "END:VCARD\r\n"
    "\r\n"
    "BEGIN:VCARD\n"
    "VERSION:4.0\n"
    "FN;CHARSET=UTF-8:Jos\xc3\xa9 Garc\xc3\xad" "a\n"
    "EMAIL;PREF=1:jose@example.es\n"
    "TEL;VALUE=uri;TYPE=home:tel:+34-555-0100\n"
    "PHOTO;ENCODING=b;TYPE=JPEG:AAAA\n"
    "END:VCARD\n"
    "BEGIN:VCARD\n"
    "VERSION:4.0\n"
    "FN:No Address\n"
    "END:VCARD\n";

static LONG find_props(LPABCONT pab, const char *email, ULONG n, const ULONG *tags,
                       LPSPropValue *out)
{
    LPMAPITABLE t;
    LPSRowSet rows = NULL;
    LONG found = 0;
    cr_assert_eq(pab->lpVtbl->GetContentsTable(pab, 0, &t), S_OK);
    SizedSPropTagArray(2, cols) = {2, {PR_ENTRYID, PR_EMAIL_ADDRESS_A}};
    cr_assert_eq(HrQueryAllRows(t, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows), S_OK);
    for (ULONG r = 0; r < rows->cRows; r++) {
        if (PROP_TYPE(rows->aRow[r].lpProps[1].ulPropTag) != PT_STRING8 ||
            strcmp(rows->aRow[r].lpProps[1].Value.lpszA, email) != 0)
            continue;
        ULONG ot, c;
        LPMAPIPROP u;
        SBinary *b = &rows->aRow[r].lpProps[0].Value.bin;
        cr_assert_eq(pab->lpVtbl->OpenEntry(pab, b->cb, (LPENTRYID)b->lpb, NULL, 0, &ot,
                                            (LPUNKNOWN *)&u), S_OK);
        LPSPropTagArray ta;
        MAPIAllocateBuffer(CbNewSPropTagArray(n), (void **)&ta);
        ta->cValues = n;
        memcpy(ta->aulPropTag, tags, n * sizeof(ULONG));
        u->lpVtbl->GetProps(u, ta, 0, &c, out);
        MAPIFreeBuffer(ta);
        u->lpVtbl->Release(u);
        found++;
    }
    FreeProws(rows);
    t->lpVtbl->Release(t);
    return found;
}

Test(abook, vcard_import_adds_every_contact)
{
    char path[PATH_MAX + 64], err[512];
    write_text("contacts.vcf", GOOD_VCF, path, sizeof path);
    SPropValue v;
    memset(&v, 0, sizeof v);
    v.ulPropTag = PR_AB_IMPORT_VCARD_A;
    v.Value.lpszA = path;
    cr_assert_eq(configure("P", 1, &v, err, sizeof err), S_OK, "%s", err);
    /* the same file again adds nothing twice */
    cr_assert_eq(configure("P", 1, &v, err, sizeof err), S_OK, "%s", err);
    LPMAPISESSION s = ab_logon();
    LPABCONT pab = open_pab(s);
    cr_assert_eq(count_rows((LPMAPICONTAINER)pab), 3, "Ada, Margaret, José; no address: skipped");
    static const ULONG tags[] = {PR_DISPLAY_NAME_A, PR_GIVEN_NAME_A, PR_SURNAME_A,
                                 PR_BUSINESS_TELEPHONE_NUMBER_A, PR_MOBILE_TELEPHONE_NUMBER_A,
                                 PR_COMPANY_NAME_A, PR_COMMENT_A, PR_CONTACT_EMAIL_ADDRESSES_A};
    LPSPropValue p = NULL;
    cr_assert_eq(find_props(pab, "margaret@apollo.nasa", 8, tags, &p), 1,
                 "the preferred address is the entry's");
    cr_assert_str_eq(p[0].Value.lpszA, "Margaret Hamilton", "folded: one space removed");
    cr_assert_str_eq(p[1].Value.lpszA, "Margaret");
    cr_assert_str_eq(p[2].Value.lpszA, "Hamilton");
    cr_assert_str_eq(p[3].Value.lpszA, "+1 555 0199");
    cr_assert_str_eq(p[4].Value.lpszA, "+1 555 0111");
    cr_assert_str_eq(p[5].Value.lpszA, "MIT Instrumentation Lab");
    cr_assert_str_eq(p[6].Value.lpszA, "Wrote the AGC software, and\nmore");
    cr_assert_eq(p[7].Value.MVszA.cValues, 2);
    cr_assert_str_eq(p[7].Value.MVszA.lppszA[1], "mh@example.org");
    MAPIFreeBuffer(p);
    static const ULONG t2[] = {PR_DISPLAY_NAME_A, PR_HOME_TELEPHONE_NUMBER_A};
    cr_assert_eq(find_props(pab, "jose@example.es", 2, t2, &p), 1);
    cr_assert_str_eq(p[0].Value.lpszA, "Jos\xc3\xa9 Garc\xc3\xad" "a");
    cr_assert_str_eq(p[1].Value.lpszA, "+34-555-0100");
    MAPIFreeBuffer(p);
    pab->lpVtbl->Release(pab);
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
}

Test(abook, malformed_vcard_names_file_and_line_and_imports_nothing)
{
    static const struct {
        const char *text;
        unsigned line;
        const char *what;
    } bad[] = {
        {"BEGIN:VCARD\nVERSION:3.0\nFN:A\nEMAIL:a@x\nEND:VCARD\n"
         "BEGIN:VCARD\nVERSION:3.0\nFN:B\nEMAIL b@x\nEND:VCARD\n", 9, "':'"},
        {"BEGIN:VCARD\nVERSION:2.1\nFN:A\nEND:VCARD\n", 2, "VERSION 2.1"},
        {"BEGIN:VCARD\nVERSION:3.0\nFN;CHARSET=ISO-8859-1:A\nEND:VCARD\n", 3, "CHARSET"},
        {"BEGIN:VCARD\nVERSION:3.0\nFN:\xe9t\xe9\nEND:VCARD\n", 3, "UTF-8"},
        {"BEGIN:VCARD\nVERSION:3.0\nFN:A\nEMAIL:a@x\n", 1, "no END"},
        {"FN:A\n", 1, "outside"},
        {"BEGIN:VCARD\nVERSION:3.0\nEMAIL;TYPE=\"work:a@x\nEND:VCARD\n", 3, "closing"},
        {"BEGIN:VCARD\nFN:A\nEND:VCARD\n", 3, "no VERSION"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char path[PATH_MAX + 64], err[512], want[PATH_MAX + 96], name[32];
        snprintf(name, sizeof name, "bad%zu.vcf", i);
        write_text(name, bad[i].text, path, sizeof path);
        SPropValue v;
        memset(&v, 0, sizeof v);
        v.ulPropTag = PR_AB_IMPORT_VCARD_A;
        v.Value.lpszA = path;
        cr_assert_eq(configure("P", 1, &v, err, sizeof err), MAPI_E_CORRUPT_DATA, "case %zu", i);
        snprintf(want, sizeof want, "%s:%u: ", path, bad[i].line);
        cr_assert(strstr(err, want) && strstr(err, bad[i].what), "case %zu: '%s' (want %s... %s)",
                  i, err, want, bad[i].what);
    }
    LPMAPISESSION s = ab_logon();
    LPABCONT pab = open_pab(s);
    cr_assert_eq(count_rows((LPMAPICONTAINER)pab), 1, "the first good card was not imported");
    pab->lpVtbl->Release(pab);
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
    /* a file that does not exist */
    SPropValue v;
    memset(&v, 0, sizeof v);
    v.ulPropTag = PR_AB_IMPORT_VCARD_A;
    v.Value.lpszA = (LPSTR) "/nonexistent/contacts.vcf";
    char err[512];
    cr_assert_eq(configure("P", 1, &v, err, sizeof err), MAPI_E_NOT_FOUND);
    cr_assert(strstr(err, "/nonexistent/contacts.vcf"), "%s", err);
}

Test(abook, one_off_table_and_status_object)
{
    LPMAPISESSION s = ab_logon();
    LPABCONT pab = open_pab(s);
    SBinary t = template_of(pab, DT_PRIVATE_DISTLIST);
    free(t.lpb);
    /* the root container holds no recipients */
    LPSRowSet rows;
    const SRow *r = ab_status_row(s, &rows);
    const SPropValue *e = col(r, PR_ENTRYID);
    ULONG type;
    LPMAPISTATUS st;
    cr_assert_eq(s->lpVtbl->OpenEntry(s, e->Value.bin.cb, (LPENTRYID)e->Value.bin.lpb, NULL, 0,
                                      &type, (LPUNKNOWN *)&st), S_OK);
    cr_assert_eq(type, MAPI_STATUS);
    LPSPropValue v;
    cr_assert_eq(HrGetOneProp((LPMAPIPROP)st, PR_IDENTITY_DISPLAY_A, &v), S_OK);
    cr_assert_str_eq(v->Value.lpszA, "Ada Lovelace");
    MAPIFreeBuffer(v);
    cr_assert_eq(st->lpVtbl->ValidateState(st, 0, 0), S_OK);
    st->lpVtbl->Release(st);
    FreeProws(rows);
    pab->lpVtbl->Release(pab);
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
}
