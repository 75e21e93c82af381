/* tests/runtime/msgstore/test_msgstore_tablediff.c: a differential test of the two engines a
 * folder's contents table runs on (providers/msgstore/sqltable.c and the runtime's in-memory
 * engine it falls back to): the same folder, restrictions and sorts on both, the rows compared
 * one by one. The data is made to find differences: Unicode subjects that fold alike and
 * apart (Ä/ä, Σ/σ/ς, ß, Cyrillic, CJK), exact duplicates, long shared prefixes (past the
 * collation's stack buffer), missing subjects, senders and delivery times, equal keys. The
 * in-memory engine is reached as the store reaches it: a restriction SQL has no column for
 * (RES_EXIST on a property every message has) sends the view there.
 * configure: link -rdynamic -ldl */
#define _DEFAULT_SOURCE
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapiguid.h>
#include <mapispi.h>
#include <mapitags.h>
#include <mapiutil.h>
#include <mapix.h>
#include <mapirt/notify.h>

#include "msfixture.h"

TestSuite(msgstore_tablediff, .init = setup, .fini = teardown, .timeout = 240);

#define N 160
#define TAG_ALL PROP_TAG(PT_LONG, 0x6810) /* every message has it: forces the in-memory engine */

static char long_a[400], long_b[400], long_c[400];

static const char *subjects[] = {
    "Ärger im Büro", "ärger im büro", "ÄRGER", "Apfel", "apfel", "Äpfel", "Zebra", "zebra",
    "Straße", "STRASSE", "strasse", "Σίσυφος", "σίσυφοσ", "ΣΊΣΥΦΟΣ", "Привет", "привет",
    "日本語のメール", "", "re: status of project alpha", "Re: Status of project alpha",
    "re: status of project alpha beta", "RE: STATUS", "Œuvre", "œuvre", "naïve café",
    "NAÏVE CAFÉ", "a", "A", "b", NULL /* long_a */, NULL /* long_b */, NULL /* long_c */,
    "İstanbul", "istanbul", "ǅemal", "ǆemal", "Ǆemal"};
#define NSUBJ (sizeof subjects / sizeof subjects[0])

static const char *senders[] = {"Émile Zola", "émile zola", "Bob", "bob", "Ørjan", "Zoë",
    "ZOË", "Ada"};

static void fill(LPMAPIFOLDER f)
{
    memset(long_a, 'x', 300);
    memcpy(long_b, long_a, 300);
    memcpy(long_c, long_a, 300);
    strcpy(long_a + 300, " Ärger");
    strcpy(long_b + 300, " ärger");
    strcpy(long_c + 300, " Zebra");
    subjects[29] = long_a;
    subjects[30] = long_b;
    subjects[31] = long_c;
    for (int i = 0; i < N; i++) {
        LPMESSAGE m = NULL;
        cr_assert_eq(f->lpVtbl->CreateMessage(f, NULL, 0, &m), S_OK);
        SPropValue v[6];
        ULONG n = 0;
        memset(v, 0, sizeof v);
        v[n].ulPropTag = TAG_ALL;
        v[n++].Value.l = i;
        if (i % 9 != 4) { /* every ninth has no subject; the list repeats: duplicates */
            v[n].ulPropTag = PR_SUBJECT_A;
            v[n++].Value.lpszA = (LPSTR)subjects[(i * 5) % NSUBJ];
        }
        if (i % 5 != 2) {
            v[n].ulPropTag = PR_SENDER_NAME_A;
            v[n++].Value.lpszA = (LPSTR)senders[i % 8];
        }
        if (i % 11 != 3) { /* equal times: twenty distinct values */
            uint64_t t = 133000000000000000ull + (uint64_t)((i * 7) % 20) * 600000000ull;
            v[n].ulPropTag = PR_MESSAGE_DELIVERY_TIME;
            v[n].Value.ft.dwLowDateTime = (DWORD)t;
            v[n++].Value.ft.dwHighDateTime = (DWORD)(t >> 32);
        }
        v[n].ulPropTag = PR_MESSAGE_FLAGS;
        v[n++].Value.l = i % 3 == 0 ? MSGFLAG_READ : 0;
        v[n].ulPropTag = PR_MESSAGE_CLASS_A;
        v[n++].Value.lpszA = i % 4 == 0 ? "IPM.Note.Ärger" : i % 4 == 1 ? "ipm.note"
                                                                        : "IPM.Note";
        cr_assert_eq(m->lpVtbl->SetProps(m, n, v, NULL), S_OK);
        cr_assert_eq(m->lpVtbl->SaveChanges(m, 0), S_OK);
        m->lpVtbl->Release(m);
    }
}

/* Every row's TAG_ALL in table order, read in pages of 50; the count must agree. */
static int read_all(LPMAPITABLE t, LONG *out)
{
    SizedSPropTagArray(3, cols) = {3, {TAG_ALL, PR_SUBJECT_A, PR_SENDER_NAME_A}};
    cr_assert_eq(t->lpVtbl->SetColumns(t, (LPSPropTagArray)&cols, 0), S_OK);
    cr_assert_eq(t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, 0, NULL), S_OK);
    int n = 0;
    for (;;) {
        LPSRowSet rows = NULL;
        cr_assert_eq(t->lpVtbl->QueryRows(t, 50, 0, &rows), S_OK);
        if (rows->cRows == 0) {
            FreeProws(rows);
            break;
        }
        for (ULONG i = 0; i < rows->cRows && n < N; i++)
            out[n++] = rows->aRow[i].lpProps[0].Value.l;
        FreeProws(rows);
    }
    ULONG count = 0;
    cr_assert_eq(t->lpVtbl->GetRowCount(t, 0, &count), S_OK);
    cr_assert_eq(count, (ULONG)n);
    return n;
}

static const char *subject_of(int i)
{
    return i % 9 == 4 ? "(none)" : subjects[(i * 5) % NSUBJ];
}

static int compared;

/* The rows of one restriction and sort on both engines, which must be the same rows in the same
 * order (unsorted: the same set). what names the case in a failure. */
static void same_rows(LPMAPIFOLDER f, LPSRestriction res, LPSSortOrderSet sort, const char *what)
{
    LPMAPITABLE sql = NULL, mem = NULL;
    LONG a[N], b[N];
    cr_assert_eq(f->lpVtbl->GetContentsTable(f, 0, &sql), S_OK);
    cr_assert_eq(f->lpVtbl->GetContentsTable(f, 0, &mem), S_OK);
    SRestriction parts[2], both;
    memset(parts, 0, sizeof parts);
    parts[0].rt = RES_EXIST;
    parts[0].res.resExist.ulPropTag = TAG_ALL;
    if (res)
        parts[1] = *res;
    both.rt = RES_AND;
    both.res.resAnd.cRes = res ? 2 : 1;
    both.res.resAnd.lpRes = parts;
    if (res)
        cr_assert_eq(sql->lpVtbl->Restrict(sql, res, 0), S_OK, "%s", what);
    cr_assert_eq(mem->lpVtbl->Restrict(mem, &both, 0), S_OK, "%s", what);
    if (sort) {
        cr_assert_eq(sql->lpVtbl->SortTable(sql, sort, 0), S_OK, "%s", what);
        cr_assert_eq(mem->lpVtbl->SortTable(mem, sort, 0), S_OK, "%s", what);
    }
    int na = read_all(sql, a), nb = read_all(mem, b);
    cr_assert_eq(na, nb, "%s: SQL %d rows, in memory %d", what, na, nb);
    if (sort) {
        for (int i = 0; i < na; i++)
            cr_assert_eq(a[i], b[i], "%s: row %d: SQL #%d '%s', in memory #%d '%s'", what, i,
                a[i], subject_of(a[i]), b[i], subject_of(b[i]));
    } else {
        char seen[N] = {0};
        for (int i = 0; i < na; i++)
            seen[a[i]]++;
        for (int i = 0; i < nb; i++)
            cr_assert_eq(seen[b[i]]--, 1, "%s: #%d is not in both", what, b[i]);
    }
    compared++;
    sql->lpVtbl->Release(sql);
    mem->lpVtbl->Release(mem);
}

static SRestriction content(ULONG tag, const char *s, ULONG fuzzy, SPropValue *v)
{
    SRestriction r;
    memset(&r, 0, sizeof r);
    memset(v, 0, sizeof *v);
    v->ulPropTag = tag;
    v->Value.lpszA = (LPSTR)s;
    r.rt = RES_CONTENT;
    r.res.resContent.ulFuzzyLevel = fuzzy;
    r.res.resContent.ulPropTag = tag;
    r.res.resContent.lpProp = v;
    return r;
}

static SRestriction property(ULONG tag, ULONG relop, SPropValue *v)
{
    SRestriction r;
    memset(&r, 0, sizeof r);
    r.rt = RES_PROPERTY;
    r.res.resProperty.relop = relop;
    r.res.resProperty.ulPropTag = tag;
    r.res.resProperty.lpProp = v;
    return r;
}

#define SORT1(name, t1, o1) SizedSSortOrderSet(1, name) = {1, 0, 0, {{t1, o1}}}
#define SORT2(name, t1, o1, t2, o2) SizedSSortOrderSet(2, name) = {2, 0, 0, {{t1, o1}, {t2, o2}}}

Test(msgstore_tablediff, restrictions_and_sorts_give_the_same_rows_on_both_engines)
{
    logon l;
    cr_assert_eq(do_logon(&l, path, 0, NULL), S_OK);
    LPMAPIFOLDER inbox = open_inbox(l.mdb);
    fill(inbox);

    SORT1(subj_up, PR_SUBJECT_A, TABLE_SORT_ASCEND);
    SORT1(subj_down, PR_SUBJECT_A, TABLE_SORT_DESCEND);
    SORT1(time_up, PR_MESSAGE_DELIVERY_TIME, TABLE_SORT_ASCEND);
    SORT1(time_down, PR_MESSAGE_DELIVERY_TIME, TABLE_SORT_DESCEND);
    SORT2(sender_time, PR_SENDER_NAME_A, TABLE_SORT_ASCEND, PR_MESSAGE_DELIVERY_TIME,
        TABLE_SORT_DESCEND);
    SORT2(sender_down_subj, PR_SENDER_NAME_A, TABLE_SORT_DESCEND, PR_SUBJECT_A,
        TABLE_SORT_ASCEND);
    SORT2(class_subj, PR_MESSAGE_CLASS_A, TABLE_SORT_DESCEND, PR_SUBJECT_A, TABLE_SORT_DESCEND);
    SORT2(time_subj, PR_MESSAGE_DELIVERY_TIME, TABLE_SORT_ASCEND, PR_SUBJECT_A,
        TABLE_SORT_ASCEND);
    LPSSortOrderSet sorts[] = {NULL,
        (LPSSortOrderSet)&subj_up,
        (LPSSortOrderSet)&subj_down,
        (LPSSortOrderSet)&time_up,
        (LPSSortOrderSet)&time_down,
        (LPSSortOrderSet)&sender_time,
        (LPSSortOrderSet)&sender_down_subj,
        (LPSSortOrderSet)&class_subj,
        (LPSSortOrderSet)&time_subj};
    const char *sort_names[] = {"unsorted", "subject up", "subject down", "time up",
        "time down", "sender, time down", "sender down, subject",
        "class down, subject down", "time, subject"};
    size_t nsorts = sizeof sorts / sizeof sorts[0];

    /* Restrictions: every fuzzy level on Unicode and ASCII patterns, every relop on strings. */
    static const char *patterns[] = {"ärger", "ÄRGER", "Ärger im Büro", "status", "STATUS OF",
        "re:", "straße", "σίσυφοσ", "ΣΊΣ", "привет", "日本", "",
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "naive", "ǆ"};
    static const ULONG levels[] = {FL_FULLSTRING,
        FL_PREFIX,
        FL_SUBSTRING,
        FL_FULLSTRING | FL_IGNORECASE,
        FL_PREFIX | FL_IGNORECASE,
        FL_SUBSTRING | FL_IGNORECASE,
        FL_SUBSTRING | FL_IGNORENONSPACE,
        FL_PREFIX | FL_IGNORECASE | FL_LOOSE};
    static const char *level_names[] = {"FULLSTRING", "PREFIX", "SUBSTRING",
        "FULLSTRING|IGNORECASE", "PREFIX|IGNORECASE",
        "SUBSTRING|IGNORECASE", "SUBSTRING|IGNORENONSPACE",
        "PREFIX|IGNORECASE|LOOSE"};
    char what[256];
    for (size_t p = 0; p < sizeof patterns / sizeof patterns[0]; p++)
        for (size_t k = 0; k < sizeof levels / sizeof levels[0]; k++) {
            SPropValue v;
            SRestriction r = content(PR_SUBJECT_A, patterns[p], levels[k], &v);
            snprintf(what, sizeof what, "subject %s '%s', subject up", level_names[k],
                patterns[p]);
            same_rows(inbox, &r, (LPSSortOrderSet)&subj_up, what);
            r = content(PR_SENDER_NAME_A, patterns[p], levels[k], &v);
            snprintf(what, sizeof what, "sender %s '%s', time down", level_names[k],
                patterns[p]);
            same_rows(inbox, &r, (LPSSortOrderSet)&time_down, what);
        }
    static const char *values[] = {"ärger", "Ärger im Büro", "apfel", "Apfel", "re: status",
        "zebra", "", "Σίσυφος", "émile zola", "İstanbul", "ǅemal"};
    static const char *relops[] = {"LT", "LE", "GT", "GE", "EQ", "NE"};
    for (size_t p = 0; p < sizeof values / sizeof values[0]; p++)
        for (ULONG op = RELOP_LT; op <= RELOP_NE; op++) {
            SPropValue v;
            memset(&v, 0, sizeof v);
            v.ulPropTag = PR_SUBJECT_A;
            v.Value.lpszA = (LPSTR)values[p];
            SRestriction r = property(PR_SUBJECT_A, op, &v);
            snprintf(what, sizeof what, "subject %s '%s'", relops[op], values[p]);
            same_rows(inbox, &r, (LPSSortOrderSet)&time_subj, what);
            SPropValue s = v;
            s.ulPropTag = PR_SENDER_NAME_A;
            r = property(PR_SENDER_NAME_A, op, &s);
            snprintf(what, sizeof what, "sender %s '%s'", relops[op], values[p]);
            same_rows(inbox, &r, (LPSSortOrderSet)&sender_down_subj, what);
        }
    /* Every sort, bare and under a few restrictions. */
    SRestriction exist;
    memset(&exist, 0, sizeof exist);
    exist.rt = RES_EXIST;
    exist.res.resExist.ulPropTag = PR_SENDER_NAME_A;
    SRestriction noexist;
    noexist.rt = RES_NOT;
    noexist.res.resNot.ulReserved = 0;
    noexist.res.resNot.lpRes = &exist;
    SPropValue cv;
    SRestriction ct = content(PR_SUBJECT_A, "ärger", FL_SUBSTRING | FL_IGNORECASE, &cv);
    SRestriction unread;
    memset(&unread, 0, sizeof unread);
    unread.rt = RES_BITMASK;
    unread.res.resBitMask.relBMR = BMR_EQZ;
    unread.res.resBitMask.ulPropTag = PR_MESSAGE_FLAGS;
    unread.res.resBitMask.ulMask = MSGFLAG_READ;
    SRestriction ors[2] = {ct, unread}, either;
    either.rt = RES_OR;
    either.res.resOr.cRes = 2;
    either.res.resOr.lpRes = ors;
    SRestriction *rs[] = {NULL, &exist, &noexist, &ct, &either};
    const char *rnames[] = {"no restriction", "sender exists", "no sender", "subject ~ ärger",
        "subject ~ ärger or unread"};
    for (size_t i = 0; i < sizeof rs / sizeof rs[0]; i++)
        for (size_t k = 0; k < nsorts; k++) {
            snprintf(what, sizeof what, "%s, %s", rnames[i], sort_names[k]);
            same_rows(inbox, rs[i], sorts[k], what);
        }
    cr_log_info("%d restriction/sort cases agree", compared);
    inbox->lpVtbl->Release(inbox);
    logoff(&l);
}

Test(msgstore_tablediff, categorized_sorts_answer_alike)
{
    logon l;
    cr_assert_eq(do_logon(&l, path, 0, NULL), S_OK);
    LPMAPIFOLDER inbox = open_inbox(l.mdb);
    fill(inbox);
    LPMAPITABLE sql = NULL, mem = NULL;
    cr_assert_eq(inbox->lpVtbl->GetContentsTable(inbox, 0, &sql), S_OK);
    cr_assert_eq(inbox->lpVtbl->GetContentsTable(inbox, 0, &mem), S_OK);
    SRestriction exist;
    memset(&exist, 0, sizeof exist);
    exist.rt = RES_EXIST;
    exist.res.resExist.ulPropTag = TAG_ALL;
    cr_assert_eq(mem->lpVtbl->Restrict(mem, &exist, 0), S_OK);
    SizedSSortOrderSet(2, cat) = {2, 1, 1, {{PR_SENDER_NAME_A, TABLE_SORT_ASCEND}, {PR_SUBJECT_A, TABLE_SORT_ASCEND}}};
    HRESULT a = sql->lpVtbl->SortTable(sql, (LPSSortOrderSet)&cat, 0);
    HRESULT b = mem->lpVtbl->SortTable(mem, (LPSSortOrderSet)&cat, 0);
    cr_expect_eq(a, b, "categorized sort: SQL view 0x%08X, in memory 0x%08X", (unsigned)a,
        (unsigned)b);
    sql->lpVtbl->Release(sql);
    mem->lpVtbl->Release(mem);
    inbox->lpVtbl->Release(inbox);
    logoff(&l);
}
