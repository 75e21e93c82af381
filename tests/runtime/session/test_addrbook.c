/* tests/runtime/session/test_addrbook.c: MAPI's IAddrBook end to end through MAPILogonEx over
 * acmeab's directory (tests/providers/acmeab/abdir.c): the root container's hierarchy,
 * OpenEntry routing and its errors, one-off entry IDs (bytes, Unicode, the recipient they
 * open, comparison), ResolveName over the search path (ambiguous, unresolved, one-off syntax,
 * the order of the path), the search path / PAB / default directory kept in the profile,
 * PrepareRecips, Advise, the UI methods and the session's other part-2 methods. */
#include "sessfixture.h"

#include <mapiguid.h>

TestSuite(addrbook, .init = sess_setup, .fini = sess_teardown);

static const BYTE AB_UID[16] = {0xac, 0x3e, 0xab, 0x01, 0x11, 0x22, 0x33, 0x44,
                                0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc};

#define SizedFlagList_(n, name) struct { ULONG cFlags; ULONG ulFlag[n]; } name

static SBinary acme(const char *tag, BYTE buf[23])
{
    memset(buf, 0, 4);
    memcpy(buf + 4, AB_UID, 16);
    memcpy(buf + 20, tag, 3);
    SBinary b = {23, buf};
    return b;
}

static LPADRBOOK open_ab(LPMAPISESSION s)
{
    LPADRBOOK ab = NULL;
    cr_assert_eq(s->lpVtbl->OpenAddressBook(s, 0, NULL, AB_NO_DIALOG, &ab), S_OK);
    cr_assert_not_null(ab);
    return ab;
}

static const char *str_prop(LPMAPIPROP p, ULONG tag, LPSPropValue *keep)
{
    SizedSPropTagArray(1, t) = {1, {tag}};
    ULONG n = 0;
    cr_assert(SUCCEEDED(p->lpVtbl->GetProps(p, (LPSPropTagArray)&t, 0, &n, keep)));
    cr_assert_eq((*keep)[0].ulPropTag, tag, "property 0x%08X missing", (unsigned)tag);
    return (*keep)[0].Value.lpszA;
}

/* A one-entry-per-name ADRLIST (each entry's values its own buffer, as MAPI wants). */
static LPADRLIST names(const char *const *n, ULONG count)
{
    LPADRLIST l = NULL;
    cr_assert_eq(MAPIAllocateBuffer(CbNewADRLIST(count), (void **)&l), S_OK);
    l->cEntries = count;
    for (ULONG i = 0; i < count; i++) {
        LPSPropValue v = NULL;
        cr_assert_eq(MAPIAllocateBuffer(2 * sizeof *v, (void **)&v), S_OK);
        v[0].ulPropTag = PR_DISPLAY_NAME_A;
        cr_assert_eq(MAPIAllocateMore((ULONG)strlen(n[i]) + 1, v, (void **)&v[0].Value.lpszA),
                     S_OK);
        strcpy(v[0].Value.lpszA, n[i]);
        v[1].ulPropTag = PR_RECIPIENT_TYPE;
        v[1].Value.l = MAPI_TO;
        (&l->aEntries[0])[i].ulReserved1 = 0;
        (&l->aEntries[0])[i].cValues = 2;
        (&l->aEntries[0])[i].rgPropVals = v;
    }
    return l;
}

static const SPropValue *entry_prop(const ADRENTRY *a, ULONG tag)
{
    return PpropFindProp(a->rgPropVals, a->cValues, tag);
}

Test(addrbook, root_container_lists_the_providers_containers)
{
    LPMAPISESSION s = logon("Work", MAPI_NEW_SESSION);
    LPADRBOOK ab = open_ab(s);
    ULONG type = 0;
    LPABCONT root = NULL;
    cr_assert_eq(ab->lpVtbl->OpenEntry(ab, 0, NULL, NULL, 0, &type, (LPUNKNOWN *)&root), S_OK);
    cr_expect_eq(type, MAPI_ABCONT);
    LPMAPITABLE t = NULL;
    cr_assert_eq(root->lpVtbl->GetHierarchyTable(root, 0, &t), S_OK);
    LPSRowSet rows = all_rows(t);
    t->lpVtbl->Release(t);
    cr_assert_eq(rows->cRows, 2);
    cr_expect_str_eq(col(&rows->aRow[0], PR_DISPLAY_NAME_A)->Value.lpszA, "Acme Directory");
    cr_expect_str_eq(col(&rows->aRow[1], PR_DISPLAY_NAME_A)->Value.lpszA, "Acme Partners");
    cr_expect(col(&rows->aRow[0], PR_CONTAINER_FLAGS)->Value.l & AB_RECIPIENTS);
    cr_expect_eq(col(&rows->aRow[0], PR_AB_PROVIDER_ID)->Value.bin.cb, 16);
    cr_expect_neq(memcmp(col(&rows->aRow[0], PR_INSTANCE_KEY)->Value.bin.lpb,
                         col(&rows->aRow[1], PR_INSTANCE_KEY)->Value.bin.lpb, 8),
                  0);
    /* a row opens its container */
    const SBinary *e = &col(&rows->aRow[1], PR_ENTRYID)->Value.bin;
    LPABCONT prt = NULL;
    cr_assert_eq(root->lpVtbl->OpenEntry(root, e->cb, (LPENTRYID)e->lpb, NULL, 0, &type,
                                         (LPUNKNOWN *)&prt),
                 S_OK);
    cr_expect_eq(type, MAPI_ABCONT);
    prt->lpVtbl->Release(prt);
    FreeProws(rows);
    /* Unicode hierarchy */
    cr_assert_eq(root->lpVtbl->GetHierarchyTable(root, MAPI_UNICODE, &t), S_OK);
    rows = all_rows(t);
    t->lpVtbl->Release(t);
    cr_expect_not_null(col(&rows->aRow[0], PR_DISPLAY_NAME_W));
    FreeProws(rows);
    cr_expect_eq(root->lpVtbl->GetContentsTable(root, 0, &t), MAPI_E_NO_SUPPORT);
    SizedADRLIST(1, al) = {0, {{0, 0, NULL}}};
    SizedFlagList_(1, fl);
    fl.cFlags = 0;
    cr_expect_eq(root->lpVtbl->ResolveNames(root, NULL, 0, (LPADRLIST)&al, (LPFlagList)&fl),
                 MAPI_E_NO_SUPPORT);
    root->lpVtbl->Release(root);
    ab->lpVtbl->Release(ab);
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
}

Test(addrbook, open_entry_routes_and_refuses)
{
    LPMAPISESSION s = logon("Work", MAPI_NEW_SESSION);
    LPADRBOOK ab = open_ab(s);
    BYTE b[23];
    SBinary ada = acme("ada", b);
    ULONG type = 0;
    LPMAPIPROP u = NULL;
    cr_assert_eq(ab->lpVtbl->OpenEntry(ab, ada.cb, (LPENTRYID)ada.lpb, NULL, 0, &type,
                                       (LPUNKNOWN *)&u),
                 S_OK);
    cr_expect_eq(type, MAPI_MAILUSER);
    LPSPropValue v = NULL;
    cr_expect_str_eq(str_prop(u, PR_EMAIL_ADDRESS_A, &v), "ada@acme.test");
    MAPIFreeBuffer(v);
    u->lpVtbl->Release(u);
    BYTE bt[23];
    SBinary team = acme("tm1", bt);
    cr_assert_eq(ab->lpVtbl->OpenEntry(ab, team.cb, (LPENTRYID)team.lpb, &IID_IDistList, 0,
                                       &type, (LPUNKNOWN *)&u),
                 S_OK);
    cr_expect_eq(type, MAPI_DISTLIST);
    u->lpVtbl->Release(u);
    /* errors: too short, nobody's UID, a store's entry ID (not an address book's) */
    cr_expect_eq(ab->lpVtbl->OpenEntry(ab, 10, (LPENTRYID)b, NULL, 0, &type, (LPUNKNOWN *)&u),
                 MAPI_E_INVALID_ENTRYID);
    BYTE other[23];
    memcpy(other, b, 23);
    other[10] ^= 0xff;
    cr_expect_eq(ab->lpVtbl->OpenEntry(ab, 23, (LPENTRYID)other, NULL, 0, &type,
                                       (LPUNKNOWN *)&u),
                 MAPI_E_UNKNOWN_ENTRYID);
    LPMAPIERROR err = NULL;
    cr_assert_eq(ab->lpVtbl->GetLastError(ab, MAPI_E_UNKNOWN_ENTRYID, 0, &err), S_OK);
    cr_assert_not_null(err);
    cr_expect(strstr(err->lpszError, "MAPIUID") != NULL, "%s", err->lpszError);
    MAPIFreeBuffer(err);
    ULONG same = 9;
    SBinary ada2 = acme("ada", other);
    cr_expect_eq(ab->lpVtbl->CompareEntryIDs(ab, ada.cb, (LPENTRYID)ada.lpb, ada2.cb,
                                             (LPENTRYID)ada2.lpb, 0, &same),
                 S_OK);
    cr_expect_eq(same, TRUE);
    cr_expect_eq(ab->lpVtbl->CompareEntryIDs(ab, ada.cb, (LPENTRYID)ada.lpb, team.cb,
                                             (LPENTRYID)team.lpb, 0, &same),
                 S_OK);
    cr_expect_eq(same, FALSE);
    cr_expect_eq(ab->lpVtbl->CompareEntryIDs(ab, 8, (LPENTRYID)ada.lpb, team.cb,
                                             (LPENTRYID)team.lpb, 0, &same),
                 MAPI_E_INVALID_ENTRYID);
    ab->lpVtbl->Release(ab);
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
}

Test(addrbook, one_off_entry_ids)
{
    LPMAPISESSION s = logon("Work", MAPI_NEW_SESSION);
    LPADRBOOK ab = open_ab(s);
    ULONG cb = 0;
    LPENTRYID eid = NULL;
    cr_assert_eq(ab->lpVtbl->CreateOneOff(ab, (LPTSTR) "Zed Zulu", (LPTSTR) "SMTP",
                                          (LPTSTR) "zed@zulu.test", 0, &cb, &eid),
                 S_OK);
    static const BYTE uid[16] = MAPI_ONE_OFF_UID;
    const BYTE *p = (const BYTE *)eid;
    cr_assert_eq(cb, 4 + 16 + 4 + sizeof "Zed Zulu" + sizeof "SMTP" + sizeof "zed@zulu.test");
    cr_expect_eq(memcmp(p + 4, uid, 16), 0);
    cr_expect_eq(p[20] | p[21] << 8, 0, "version 0");
    cr_expect_eq(p[22] | p[23] << 8, MAPI_ONE_OFF_NO_RICH_INFO, "an SMTP address gets no TNEF");
    cr_expect_str_eq((const char *)p + 24, "Zed Zulu");
    ULONG type = 0;
    LPMAPIPROP u = NULL;
    cr_assert_eq(ab->lpVtbl->OpenEntry(ab, cb, eid, NULL, 0, &type, (LPUNKNOWN *)&u), S_OK);
    cr_expect_eq(type, MAPI_MAILUSER);
    LPSPropValue v = NULL;
    cr_expect_str_eq(str_prop(u, PR_DISPLAY_NAME_A, &v), "Zed Zulu");
    MAPIFreeBuffer(v);
    cr_expect_str_eq(str_prop(u, PR_ADDRTYPE_A, &v), "SMTP");
    MAPIFreeBuffer(v);
    cr_expect_str_eq(str_prop(u, PR_EMAIL_ADDRESS_A, &v), "zed@zulu.test");
    MAPIFreeBuffer(v);
    SPropValue w = {PR_DISPLAY_NAME_A, 0, {.lpszA = (LPSTR) "x"}};
    cr_expect_eq(u->lpVtbl->SetProps(u, 1, &w, NULL), MAPI_E_NO_ACCESS, "read-only");
    u->lpVtbl->Release(u);

    /* Unicode: UTF-16 strings and MAPI_ONE_OFF_UNICODE; another type keeps rich info */
    static const WCHAR name[] = {'Z', 0x00e9, 'd', 0}, type_w[] = {'X', '4', '0', '0', 0},
                       addr[] = {'c', '=', 'u', 's', 0};
    ULONG cbw = 0;
    LPENTRYID ew = NULL;
    cr_assert_eq(ab->lpVtbl->CreateOneOff(ab, (LPTSTR)name, (LPTSTR)type_w, (LPTSTR)addr,
                                          MAPI_UNICODE, &cbw, &ew),
                 S_OK);
    p = (const BYTE *)ew;
    cr_expect_eq(cbw, 24 + 2 * (4 + 5 + 5));
    cr_expect_eq(p[22] | p[23] << 8, MAPI_ONE_OFF_UNICODE);
    cr_expect_eq(p[26] | p[27] << 8, 0x00e9);
    cr_assert_eq(ab->lpVtbl->OpenEntry(ab, cbw, ew, &IID_IMailUser, 0, &type, (LPUNKNOWN *)&u),
                 S_OK);
    cr_expect_str_eq(str_prop(u, PR_DISPLAY_NAME_A, &v), "Z\xc3\xa9" "d");
    MAPIFreeBuffer(v);
    SizedSPropTagArray(1, rich) = {1, {PR_SEND_RICH_INFO}};
    ULONG n = 0;
    cr_assert_eq(u->lpVtbl->GetProps(u, (LPSPropTagArray)&rich, 0, &n, &v), S_OK);
    cr_expect_eq(v[0].Value.b, TRUE);
    MAPIFreeBuffer(v);
    u->lpVtbl->Release(u);

    /* comparison: same type and address (any case) is the same recipient */
    ULONG cb2 = 0, same = 0;
    LPENTRYID e2 = NULL;
    cr_assert_eq(ab->lpVtbl->CreateOneOff(ab, NULL, (LPTSTR) "smtp", (LPTSTR) "ZED@zulu.test",
                                          MAPI_SEND_NO_RICH_INFO, &cb2, &e2),
                 S_OK);
    cr_expect_eq(ab->lpVtbl->CompareEntryIDs(ab, cb, eid, cb2, e2, 0, &same), S_OK);
    cr_expect_eq(same, TRUE);
    cr_expect_eq(ab->lpVtbl->CompareEntryIDs(ab, cb, eid, cbw, ew, 0, &same), S_OK);
    cr_expect_eq(same, FALSE);
    /* no display name: the address is shown */
    cr_assert_eq(ab->lpVtbl->OpenEntry(ab, cb2, e2, NULL, 0, &type, (LPUNKNOWN *)&u), S_OK);
    cr_expect_str_eq(str_prop(u, PR_DISPLAY_NAME_A, &v), "ZED@zulu.test");
    MAPIFreeBuffer(v);
    u->lpVtbl->Release(u);
    MAPIFreeBuffer(e2);

    /* malformed: a string running off the end, an empty address */
    cr_expect_eq(ab->lpVtbl->OpenEntry(ab, cb - 1, eid, NULL, 0, &type, (LPUNKNOWN *)&u),
                 MAPI_E_INVALID_ENTRYID);
    cr_expect_eq(ab->lpVtbl->CreateOneOff(ab, (LPTSTR) "x", (LPTSTR) "SMTP", (LPTSTR) "", 0,
                                          &cb2, &e2),
                 MAPI_E_INVALID_PARAMETER);
    MAPIFreeBuffer(eid);
    MAPIFreeBuffer(ew);
    ab->lpVtbl->Release(ab);
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
}

Test(addrbook, resolve_name_over_the_search_path)
{
    LPMAPISESSION s = logon("Work", MAPI_NEW_SESSION);
    LPADRBOOK ab = open_ab(s);
    static const char *const ok[] = {"Ada", "carol partner", "Zed [SMTP:zed@zulu.test]",
                                     "Team"};
    LPADRLIST l = names(ok, 4);
    cr_assert_eq(ab->lpVtbl->ResolveName(ab, 0, 0, NULL, l), S_OK);
    cr_expect_str_eq(entry_prop(&(&l->aEntries[0])[0], PR_EMAIL_ADDRESS_A)->Value.lpszA,
                     "ada@acme.test");
    cr_expect_str_eq(entry_prop(&(&l->aEntries[0])[1], PR_DISPLAY_NAME_A)->Value.lpszA,
                     "Carol Partner");
    const SPropValue *oo = entry_prop(&(&l->aEntries[0])[2], PR_ENTRYID);
    cr_assert_not_null(oo);
    static const BYTE uid[16] = MAPI_ONE_OFF_UID;
    cr_expect_eq(memcmp(oo->Value.bin.lpb + 4, uid, 16), 0, "the one-off syntax makes a one-off");
    cr_expect_str_eq(entry_prop(&(&l->aEntries[0])[2], PR_DISPLAY_NAME_A)->Value.lpszA, "Zed");
    const SPropValue *rt = entry_prop(&(&l->aEntries[0])[2], PR_RECIPIENT_TYPE);
    cr_expect(rt != NULL && rt->Value.l == MAPI_TO, "a one-off keeps the caller's recipient type");
    cr_expect_eq(entry_prop(&(&l->aEntries[0])[3], PR_OBJECT_TYPE)->Value.l, MAPI_DISTLIST);
    FreePadrlist(l);

    /* two Bobs in one container: ambiguous, the others still resolved */
    static const char *const amb[] = {"Bob", "Ada"};
    l = names(amb, 2);
    cr_expect_eq(ab->lpVtbl->ResolveName(ab, 0, 0, NULL, l), MAPI_E_AMBIGUOUS_RECIP);
    cr_expect_null(entry_prop(&(&l->aEntries[0])[0], PR_ENTRYID));
    cr_expect_not_null(entry_prop(&(&l->aEntries[0])[1], PR_ENTRYID));
    FreePadrlist(l);
    static const char *const none[] = {"Nobody At All"};
    l = names(none, 1);
    cr_expect_eq(ab->lpVtbl->ResolveName(ab, 0, 0, NULL, l), MAPI_E_NOT_FOUND);
    LPMAPIERROR err = NULL;
    cr_assert_eq(ab->lpVtbl->GetLastError(ab, MAPI_E_NOT_FOUND, 0, &err), S_OK);
    cr_expect(strstr(err->lpszError, "search path") != NULL, "%s", err->lpszError);
    MAPIFreeBuffer(err);
    FreePadrlist(l);

    /* MAPI_UNICODE: UTF-16 columns back */
    l = names(ok, 1);
    cr_assert_eq(ab->lpVtbl->ResolveName(ab, 0, MAPI_UNICODE, NULL, l), S_OK);
    cr_expect_not_null(entry_prop(&(&l->aEntries[0])[0], PR_DISPLAY_NAME_W));
    FreePadrlist(l);
    ab->lpVtbl->Release(ab);
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
}

Test(addrbook, search_path_is_kept_in_the_profile)
{
    LPMAPISESSION s = logon("Work", MAPI_NEW_SESSION);
    LPADRBOOK ab = open_ab(s);
    LPSRowSet path = NULL;
    cr_assert_eq(ab->lpVtbl->GetSearchPath(ab, 0, &path), S_OK);
    cr_assert_eq(path->cRows, 2, "default: the containers with AB_RECIPIENTS");
    cr_expect_eq((&path->aRow[0])[0].lpProps[0].ulPropTag, PR_ENTRYID);
    cr_expect_str_eq(col(&(&path->aRow[0])[0], PR_DISPLAY_NAME_A)->Value.lpszA, "Acme Directory");
    /* "Ada" is Ada Acme in the directory first; with the partners first it is Adam */
    SRow swap = (&path->aRow[0])[0];
    (&path->aRow[0])[0] = (&path->aRow[0])[1];
    (&path->aRow[0])[1] = swap;
    cr_assert_eq(ab->lpVtbl->SetSearchPath(ab, 0, path), S_OK);
    static const char *const ada[] = {"Ada"};
    LPADRLIST l = names(ada, 1);
    cr_assert_eq(ab->lpVtbl->ResolveName(ab, 0, 0, NULL, l), S_OK);
    cr_expect_str_eq(entry_prop(&(&l->aEntries[0])[0], PR_DISPLAY_NAME_A)->Value.lpszA,
                     "Adam Partner");
    FreePadrlist(l);
    /* the first column must be PR_ENTRYID */
    SPropValue bad = {PR_DISPLAY_NAME_A, 0, {.lpszA = (LPSTR) "x"}};
    SRowSet one = {1, {{0, 1, &bad}}};
    cr_expect_eq(ab->lpVtbl->SetSearchPath(ab, 0, &one), MAPI_E_MISSING_REQUIRED_COLUMN);
    FreeProws(path);
    ab->lpVtbl->Release(ab);
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);

    /* the next session reads it back from the profile */
    s = logon("Work", MAPI_NEW_SESSION);
    ab = open_ab(s);
    cr_assert_eq(ab->lpVtbl->GetSearchPath(ab, MAPI_UNICODE, &path), S_OK);
    cr_assert_eq(path->cRows, 2);
    cr_expect_not_null(col(&(&path->aRow[0])[0], PR_DISPLAY_NAME_W));
    FreeProws(path);
    /* an empty path resolves nothing */
    SRowSet empty = {0, {{0, 0, NULL}}};
    cr_assert_eq(ab->lpVtbl->SetSearchPath(ab, 0, &empty), S_OK);
    cr_assert_eq(ab->lpVtbl->GetSearchPath(ab, 0, &path), S_OK);
    cr_expect_eq(path->cRows, 0);
    FreeProws(path);
    l = names(ada, 1);
    cr_expect_eq(ab->lpVtbl->ResolveName(ab, 0, 0, NULL, l), MAPI_E_NOT_FOUND);
    FreePadrlist(l);
    ab->lpVtbl->Release(ab);
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
}

Test(addrbook, pab_and_default_dir)
{
    LPMAPISESSION s = logon("Work", MAPI_NEW_SESSION);
    LPADRBOOK ab = open_ab(s);
    ULONG cb = 7;
    LPENTRYID e = (LPENTRYID)1;
    cr_assert_eq(ab->lpVtbl->GetPAB(ab, &cb, &e), S_OK);
    cr_expect_eq(cb, 0, "no PAB chosen");
    cr_expect_null(e);
    BYTE b[23];
    SBinary dir = acme("dir", b);
    cr_assert_eq(ab->lpVtbl->GetDefaultDir(ab, &cb, &e), S_OK);
    cr_assert_eq(cb, 23, "default: the first container of the search path");
    cr_expect_eq(memcmp(e, dir.lpb, 23), 0);
    MAPIFreeBuffer(e);
    SBinary prt = acme("prt", b);
    cr_assert_eq(ab->lpVtbl->SetDefaultDir(ab, prt.cb, (LPENTRYID)prt.lpb), S_OK);
    cr_assert_eq(ab->lpVtbl->SetPAB(ab, prt.cb, (LPENTRYID)prt.lpb), S_OK);
    cr_assert_eq(ab->lpVtbl->GetDefaultDir(ab, &cb, &e), S_OK);
    cr_expect_eq(memcmp(e, prt.lpb, 23), 0);
    MAPIFreeBuffer(e);
    cr_assert_eq(ab->lpVtbl->GetPAB(ab, &cb, &e), S_OK);
    cr_expect_eq(cb, 23);
    MAPIFreeBuffer(e);
    /* a mail user is not a container */
    SBinary ada = acme("ada", b);
    cr_expect_eq(ab->lpVtbl->SetPAB(ab, ada.cb, (LPENTRYID)ada.lpb), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(ab->lpVtbl->SetDefaultDir(ab, ada.cb, (LPENTRYID)ada.lpb),
                 MAPI_E_INVALID_PARAMETER);
    ab->lpVtbl->Release(ab);
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
}

Test(addrbook, prepare_recips_puts_the_columns_first)
{
    LPMAPISESSION s = logon("Work", MAPI_NEW_SESSION);
    LPADRBOOK ab = open_ab(s);
    LPADRLIST l = NULL;
    cr_assert_eq(MAPIAllocateBuffer(CbNewADRLIST(2), (void **)&l), S_OK);
    l->cEntries = 2;
    BYTE b[23];
    SBinary ada = acme("ada", b);
    ULONG cbo = 0;
    LPENTRYID oo = NULL;
    cr_assert_eq(ab->lpVtbl->CreateOneOff(ab, (LPTSTR) "Zed", (LPTSTR) "SMTP",
                                          (LPTSTR) "zed@zulu.test", 0, &cbo, &oo),
                 S_OK);
    const SBinary ids[2] = {ada, {cbo, (LPBYTE)oo}};
    for (int i = 0; i < 2; i++) {
        LPSPropValue v = NULL;
        cr_assert_eq(MAPIAllocateBuffer(2 * sizeof *v, (void **)&v), S_OK);
        v[0].ulPropTag = PR_RECIPIENT_TYPE;
        v[0].Value.l = MAPI_CC;
        v[1].ulPropTag = PR_ENTRYID;
        cr_assert_eq(MAPIAllocateMore(ids[i].cb, v, (void **)&v[1].Value.bin.lpb), S_OK);
        memcpy(v[1].Value.bin.lpb, ids[i].lpb, ids[i].cb);
        v[1].Value.bin.cb = ids[i].cb;
        (&l->aEntries[0])[i].cValues = 2;
        (&l->aEntries[0])[i].rgPropVals = v;
    }
    MAPIFreeBuffer(oo);
    SizedSPropTagArray(2, want) = {2, {PR_DISPLAY_NAME_A, PR_EMAIL_ADDRESS_A}};
    cr_assert_eq(ab->lpVtbl->PrepareRecips(ab, 0, (LPSPropTagArray)&want, l), S_OK);
    for (int i = 0; i < 2; i++) {
        const ADRENTRY *a = &(&l->aEntries[0])[i];
        cr_assert_geq(a->cValues, 4);
        cr_expect_eq(a->rgPropVals[0].ulPropTag, PR_DISPLAY_NAME_A, "entry %d", i);
        cr_expect_eq(a->rgPropVals[1].ulPropTag, PR_EMAIL_ADDRESS_A, "entry %d", i);
        cr_expect_eq(entry_prop(a, PR_RECIPIENT_TYPE)->Value.l, MAPI_CC, "kept");
    }
    cr_expect_str_eq((&l->aEntries[0])[0].rgPropVals[1].Value.lpszA, "ada@acme.test");
    cr_expect_str_eq((&l->aEntries[0])[1].rgPropVals[0].Value.lpszA, "Zed");
    FreePadrlist(l);
    /* an unresolved recipient */
    static const char *const n[] = {"Ada"};
    l = names(n, 1);
    cr_expect_eq(ab->lpVtbl->PrepareRecips(ab, 0, NULL, l), MAPI_E_INVALID_PARAMETER);
    FreePadrlist(l);
    ab->lpVtbl->Release(ab);
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
}

static ULONG STDMETHODCALLTYPE sink_addref(IMAPIAdviseSink *This) { (void)This; return 2; }
static ULONG STDMETHODCALLTYPE sink_release(IMAPIAdviseSink *This) { (void)This; return 1; }
static HRESULT STDMETHODCALLTYPE sink_qi(IMAPIAdviseSink *This, REFIID r, void **p)
{
    (void)r;
    *p = This;
    return S_OK;
}
static ULONG STDMETHODCALLTYPE sink_notify(IMAPIAdviseSink *This, ULONG n, LPNOTIFICATION l)
{
    (void)This, (void)n, (void)l;
    return 0;
}
static const IMAPIAdviseSinkVtbl sink_vtbl = {sink_qi, sink_addref, sink_release, sink_notify};

Test(addrbook, advise_forwards_to_the_provider_and_ui_has_no_support)
{
    LPMAPISESSION s = logon("Work", MAPI_NEW_SESSION);
    LPADRBOOK ab = open_ab(s);
    IMAPIAdviseSink sink = {(IMAPIAdviseSinkVtbl *)&sink_vtbl};
    BYTE b[23];
    SBinary ada = acme("ada", b);
    ULONG_PTR conn = 0;
    cr_assert_eq(ab->lpVtbl->Advise(ab, ada.cb, (LPENTRYID)ada.lpb, fnevObjectModified, &sink,
                                    &conn),
                 S_OK);
    cr_expect_neq(conn, 0);
    cr_expect_eq(ab->lpVtbl->Unadvise(ab, conn), S_OK);
    cr_expect_eq(ab->lpVtbl->Unadvise(ab, conn), MAPI_E_NOT_FOUND);
    cr_expect_eq(ab->lpVtbl->Advise(ab, 0, NULL, fnevObjectModified, &sink, &conn),
                 MAPI_E_INVALID_PARAMETER);
    ULONG_PTR ui = 0;
    LPADRLIST l = NULL;
    ADRPARM parm;
    memset(&parm, 0, sizeof parm);
    cr_expect_eq(ab->lpVtbl->Address(ab, &ui, &parm, &l), MAPI_E_NO_SUPPORT);
    cr_expect_eq(ab->lpVtbl->Details(ab, &ui, NULL, NULL, ada.cb, (LPENTRYID)ada.lpb, NULL, NULL,
                                     NULL, 0),
                 MAPI_E_NO_SUPPORT);
    cr_expect_eq(ab->lpVtbl->NewEntry(ab, 0, 0, 0, NULL, 0, NULL, NULL, NULL), MAPI_E_NO_SUPPORT);
    LPMAPIERROR err = NULL;
    cr_assert_eq(ab->lpVtbl->GetLastError(ab, MAPI_E_NO_SUPPORT, 0, &err), S_OK);
    cr_expect(strstr(err->lpszError, "NewEntry") != NULL, "%s", err->lpszError);
    MAPIFreeBuffer(err);
    /* an address book kept past Logoff answers MAPI_E_END_OF_SESSION */
    s->lpVtbl->Logoff(s, 0, 0, 0);
    ULONG type;
    LPUNKNOWN u;
    cr_expect_eq(ab->lpVtbl->OpenEntry(ab, ada.cb, (LPENTRYID)ada.lpb, NULL, 0, &type, &u),
                 MAPI_E_END_OF_SESSION);
    ab->lpVtbl->Release(ab);
    s->lpVtbl->Release(s);
}

Test(addrbook, session_enum_adr_types_and_deprecated_methods)
{
    static const char *const two[] = {"ACME", "XP2", NULL};
    make_profile("Two", 0, two);
    LPMAPISESSION s = logon("Two", MAPI_NEW_SESSION | MAPI_EXPLICIT_PROFILE);
    ULONG n = 0;
    LPTSTR *types = NULL;
    cr_assert_eq(s->lpVtbl->EnumAdrTypes(s, 0, &n, &types), S_OK);
    cr_assert_eq(n, 3, "SMTP, X-ACME, FAX: 'smtp' of the second is the first's");
    cr_expect_str_eq((char *)types[0], "SMTP");
    cr_expect_str_eq((char *)(&types[0])[1], "X-ACME");
    cr_expect_str_eq((char *)(&types[0])[2], "FAX");
    MAPIFreeBuffer(types);
    cr_assert_eq(s->lpVtbl->EnumAdrTypes(s, MAPI_UNICODE, &n, &types), S_OK);
    cr_expect_eq(((WCHAR *)types[0])[0], 'S');
    MAPIFreeBuffer(types);
    LPSPropValue opts = (LPSPropValue)1;
    cr_expect_eq(s->lpVtbl->QueryDefaultMessageOpt(s, (LPTSTR) "SMTP", 0, &n, &opts), S_OK);
    cr_expect_eq(n, 0);
    cr_expect_null(opts);
    LPPROPDATA d = NULL;
    cr_assert_eq(CreateIProp(&IID_IMAPIPropData, MAPIAllocateBuffer, MAPIAllocateMore,
                             MAPIFreeBuffer, NULL, &d),
                 S_OK);
    cr_expect_eq(s->lpVtbl->MessageOptions(s, 0, 0, (LPTSTR) "SMTP", (LPMESSAGE)d),
                 MAPI_E_NOT_FOUND);
    ULONG_PTR token = 0;
    cr_expect_eq(s->lpVtbl->PrepareForm(s, NULL, (LPMESSAGE)d, &token), MAPI_E_NO_SUPPORT);
    d->lpVtbl->Release(d);
    cr_expect_eq(s->lpVtbl->ShowForm(s, 0, NULL, NULL, NULL, 0, NULL, 0, 0, 0, 0,
                                     (LPSTR) "IPM.Note"),
                 MAPI_E_NO_SUPPORT);
    /* with MAPI_NO_MAIL no transport is active: no address types */
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
    s = logon("Two", MAPI_NEW_SESSION | MAPI_EXPLICIT_PROFILE | MAPI_NO_MAIL);
    cr_assert_eq(s->lpVtbl->EnumAdrTypes(s, 0, &n, &types), S_OK);
    cr_expect_eq(n, 0);
    cr_expect_null(types[0]);
    MAPIFreeBuffer(types);
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
}

Test(addrbook, open_address_book_warns_about_failed_providers)
{
    static const char *const svcs[] = {"ACME", "FAILING", NULL};
    make_profile("Half", 0, svcs);
    LPMAPISESSION s = logon("Half", MAPI_NEW_SESSION | MAPI_EXPLICIT_PROFILE);
    LPADRBOOK ab = NULL;
    cr_assert_eq(s->lpVtbl->OpenAddressBook(s, 0, NULL, 0, &ab), MAPI_W_ERRORS_RETURNED);
    cr_assert_not_null(ab, "a valid address book is always returned");
    LPMAPIERROR err = NULL;
    cr_assert_eq(s->lpVtbl->GetLastError(s, MAPI_W_ERRORS_RETURNED, 0, &err), S_OK);
    cr_assert_not_null(err);
    cr_expect(strstr(err->lpszError, "unreachable") != NULL, "%s", err->lpszError);
    MAPIFreeBuffer(err);
    /* the working provider's entries still open */
    BYTE b[23];
    SBinary ada = acme("ada", b);
    ULONG type;
    LPUNKNOWN u = NULL;
    cr_expect_eq(ab->lpVtbl->OpenEntry(ab, ada.cb, (LPENTRYID)ada.lpb, NULL, 0, &type, &u),
                 S_OK);
    if (u)
        u->lpVtbl->Release(u);
    ab->lpVtbl->Release(ab);
    s->lpVtbl->Logoff(s, 0, 0, 0);
    s->lpVtbl->Release(s);
}
