/* tests/runtime/msgstore/test_msgstore_table.c: a folder's contents table run in SQLite
 * (providers/msgstore/sqltable.c): paging, sorts and restrictions pushed down to SQL, the
 * same answers as the runtime's in-memory engine (which the table falls back to for what SQL
 * cannot say), FindRow, SeekRow, bookmarks and TABLE_CHANGED notifications.
 * configure: link -rdynamic -ldl */
#define _DEFAULT_SOURCE
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
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

TestSuite(msgstore_table, .init = setup, .fini = teardown);

#define N 240
#define TAG_ALL PROP_TAG(PT_LONG, 0x6810) /* every message has it: forces the in-memory engine */

static const char *const WORDS[] = {"Budget", "budget review", "Lunch", "Ärger im Büro",
                                    "ärger", "Re: Budget", "Zebra", "apple"};

/* N messages: subject from WORDS, delivery time i minutes (shuffled), every third read. */
static void fill(LPMAPIFOLDER f)
{
    for (int i = 0; i < N; i++) {
        LPMESSAGE m = NULL;
        cr_assert_eq(f->lpVtbl->CreateMessage(f, NULL, 0, &m), S_OK);
        SPropValue v[5];
        memset(v, 0, sizeof v);
        char subj[64];
        snprintf(subj, sizeof subj, "%s %03d", WORDS[i % 8], (i * 7) % N);
        v[0].ulPropTag = PR_SUBJECT_A;
        v[0].Value.lpszA = subj;
        uint64_t t = 133000000000000000ull + (uint64_t)((i * 97) % N) * 600000000ull;
        v[1].ulPropTag = PR_MESSAGE_DELIVERY_TIME;
        v[1].Value.ft.dwLowDateTime = (DWORD)t;
        v[1].Value.ft.dwHighDateTime = (DWORD)(t >> 32);
        v[2].ulPropTag = PR_MESSAGE_FLAGS;
        v[2].Value.l = i % 3 == 0 ? MSGFLAG_READ : 0;
        v[3].ulPropTag = TAG_ALL;
        v[3].Value.l = i;
        v[4].ulPropTag = PR_SENDER_NAME_A;
        v[4].Value.lpszA = i % 2 ? "Alice" : "Bob";
        cr_assert_eq(m->lpVtbl->SetProps(m, 5, v, NULL), S_OK);
        cr_assert_eq(m->lpVtbl->SaveChanges(m, 0), S_OK);
        m->lpVtbl->Release(m);
    }
}

/* Every row's TAG_ALL, in table order, read in pages of 50. */
static int read_all(LPMAPITABLE t, LONG *out)
{
    SizedSPropTagArray(2, cols) = {2, {TAG_ALL, PR_SUBJECT_A}};
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
        for (ULONG i = 0; i < rows->cRows; i++) {
            cr_assert_eq(rows->aRow[i].lpProps[0].ulPropTag, TAG_ALL);
            out[n++] = rows->aRow[i].lpProps[0].Value.l;
        }
        FreeProws(rows);
    }
    ULONG count = 0;
    cr_assert_eq(t->lpVtbl->GetRowCount(t, 0, &count), S_OK);
    cr_assert_eq(count, (ULONG)n);
    return n;
}

/* The rows a restriction and a sort give, in SQL and in the in-memory engine (the same
 * restriction ANDed with RES_EXIST on a property SQL has no column for). */
static void same_answers(LPMAPIFOLDER f, LPSRestriction res, LPSSortOrderSet sort)
{
    LPMAPITABLE sql = NULL, mem = NULL;
    LONG a[N], b[N];
    cr_assert_eq(f->lpVtbl->GetContentsTable(f, 0, &sql), S_OK);
    cr_assert_eq(f->lpVtbl->GetContentsTable(f, 0, &mem), S_OK);
    SRestriction parts[2], both;
    parts[0].rt = RES_EXIST;
    parts[0].res.resExist.ulReserved1 = 0;
    parts[0].res.resExist.ulPropTag = TAG_ALL;
    parts[0].res.resExist.ulReserved2 = 0;
    if (res)
        parts[1] = *res;
    both.rt = RES_AND;
    both.res.resAnd.cRes = res ? 2 : 1;
    both.res.resAnd.lpRes = parts;
    if (res)
        cr_assert_eq(sql->lpVtbl->Restrict(sql, res, 0), S_OK);
    cr_assert_eq(mem->lpVtbl->Restrict(mem, &both, 0), S_OK);
    if (sort) {
        cr_assert_eq(sql->lpVtbl->SortTable(sql, sort, 0), S_OK);
        cr_assert_eq(mem->lpVtbl->SortTable(mem, sort, 0), S_OK);
    }
    int na = read_all(sql, a), nb = read_all(mem, b);
    cr_assert_eq(na, nb, "SQL %d rows, in memory %d", na, nb);
    if (sort) {
        for (int i = 0; i < na; i++)
            cr_assert_eq(a[i], b[i], "row %d: SQL %d, in memory %d", i, a[i], b[i]);
    } else {
        /* Unsorted: the same set. */
        long sa = 0, sb = 0;
        for (int i = 0; i < na; i++)
            sa += a[i] * 31 + 1, sb += b[i] * 31 + 1;
        cr_assert_eq(sa, sb);
    }
    sql->lpVtbl->Release(sql);
    mem->lpVtbl->Release(mem);
}

static SRestriction content(ULONG tag, const char *s, ULONG fuzzy, SPropValue *v)
{
    SRestriction r;
    memset(v, 0, sizeof *v);
    v->ulPropTag = tag;
    v->Value.lpszA = (LPSTR)s;
    r.rt = RES_CONTENT;
    r.res.resContent.ulFuzzyLevel = fuzzy;
    r.res.resContent.ulPropTag = tag;
    r.res.resContent.lpProp = v;
    return r;
}

Test(msgstore_table, sql_and_the_in_memory_engine_agree)
{
    logon l;
    cr_assert_eq(do_logon(&l, path, 0, NULL), S_OK);
    LPMAPIFOLDER inbox = open_inbox(l.mdb);
    fill(inbox);
    SizedSSortOrderSet(1, bytime) = {1, 0, 0, {{PR_MESSAGE_DELIVERY_TIME, TABLE_SORT_DESCEND}}};
    SizedSSortOrderSet(1, bysubj) = {1, 0, 0, {{PR_SUBJECT_A, TABLE_SORT_ASCEND}}};
    SizedSSortOrderSet(2, two) = {2, 0, 0, {{PR_SENDER_NAME_A, TABLE_SORT_ASCEND},
                                            {PR_MESSAGE_DELIVERY_TIME, TABLE_SORT_ASCEND}}};
    same_answers(inbox, NULL, NULL);
    same_answers(inbox, NULL, (LPSSortOrderSet)&bytime);
    same_answers(inbox, NULL, (LPSSortOrderSet)&two);
    SPropValue v;
    SRestriction r = content(PR_SUBJECT_A, "budget", FL_SUBSTRING | FL_IGNORECASE, &v);
    same_answers(inbox, &r, (LPSSortOrderSet)&bytime);
    r = content(PR_SUBJECT_A, "Budget", FL_PREFIX, &v);
    same_answers(inbox, &r, (LPSSortOrderSet)&bytime);
    r = content(PR_SUBJECT_A, "ärger", FL_PREFIX | FL_IGNORECASE, &v); /* non-ASCII: in memory */
    same_answers(inbox, &r, (LPSSortOrderSet)&bytime);
    SRestriction unread;
    unread.rt = RES_BITMASK;
    unread.res.resBitMask.relBMR = BMR_EQZ;
    unread.res.resBitMask.ulPropTag = PR_MESSAGE_FLAGS;
    unread.res.resBitMask.ulMask = MSGFLAG_READ;
    same_answers(inbox, &unread, (LPSSortOrderSet)&bytime);
    SRestriction notr;
    notr.rt = RES_NOT;
    notr.res.resNot.ulReserved = 0;
    notr.res.resNot.lpRes = &unread;
    same_answers(inbox, &notr, (LPSSortOrderSet)&bytime);
    SPropValue when;
    memset(&when, 0, sizeof when);
    when.ulPropTag = PR_MESSAGE_DELIVERY_TIME;
    uint64_t t = 133000000000000000ull + 100ull * 600000000ull;
    when.Value.ft.dwLowDateTime = (DWORD)t;
    when.Value.ft.dwHighDateTime = (DWORD)(t >> 32);
    SRestriction after;
    after.rt = RES_PROPERTY;
    after.res.resProperty.relop = RELOP_GE;
    after.res.resProperty.ulPropTag = PR_MESSAGE_DELIVERY_TIME;
    after.res.resProperty.lpProp = &when;
    SRestriction andr[2] = {after, unread}, both;
    both.rt = RES_AND;
    both.res.resAnd.cRes = 2;
    both.res.resAnd.lpRes = andr;
    same_answers(inbox, &both, (LPSSortOrderSet)&bytime);
    /* Strings ordered without case first (the in-memory engine's rule), here in SQL. */
    SPropValue lunch;
    memset(&lunch, 0, sizeof lunch);
    lunch.ulPropTag = PR_SUBJECT_A;
    lunch.Value.lpszA = "lunch 1";
    SRestriction below;
    below.rt = RES_PROPERTY;
    below.res.resProperty.relop = RELOP_LT;
    below.res.resProperty.ulPropTag = PR_SUBJECT_A;
    below.res.resProperty.lpProp = &lunch;
    same_answers(inbox, &below, NULL);
    inbox->lpVtbl->Release(inbox);
    logoff(&l);
    (void)bysubj;
}

Test(msgstore_table, cursor_findrow_bookmarks_and_notifications)
{
    logon l;
    cr_assert_eq(do_logon(&l, path, 0, NULL), S_OK);
    LPMAPIFOLDER inbox = open_inbox(l.mdb);
    fill(inbox);
    LPMAPITABLE t = NULL;
    cr_assert_eq(inbox->lpVtbl->GetContentsTable(inbox, 0, &t), S_OK);
    SizedSSortOrderSet(1, bytime) = {1, 0, 0, {{PR_MESSAGE_DELIVERY_TIME, TABLE_SORT_ASCEND}}};
    cr_assert_eq(t->lpVtbl->SortTable(t, (LPSSortOrderSet)&bytime, 0), S_OK);
    SizedSPropTagArray(2, cols) = {2, {TAG_ALL, PR_ENTRYID}};
    cr_assert_eq(t->lpVtbl->SetColumns(t, (LPSPropTagArray)&cols, 0), S_OK);
    LONG sought = 0;
    cr_assert_eq(t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, 100, &sought), S_OK);
    cr_expect_eq(sought, 100);
    BOOKMARK bk;
    cr_assert_eq(t->lpVtbl->CreateBookmark(t, &bk), S_OK);
    cr_assert_eq(t->lpVtbl->SeekRow(t, BOOKMARK_END, -10, &sought), S_OK);
    cr_expect_eq(sought, -10);
    ULONG row, num, den;
    cr_assert_eq(t->lpVtbl->QueryPosition(t, &row, &num, &den), S_OK);
    cr_expect_eq(row, N - 10);
    cr_expect_eq(den, N);
    LPSRowSet rows = NULL;
    cr_assert_eq(t->lpVtbl->QueryRows(t, -5, 0, &rows), S_OK, "backwards: five rows before");
    cr_expect_eq(rows->cRows, 5);
    FreeProws(rows);
    cr_assert_eq(t->lpVtbl->SeekRow(t, bk, 0, &sought), S_OK);
    cr_assert_eq(t->lpVtbl->QueryRows(t, 1, TBL_NOADVANCE, &rows), S_OK);
    /* Delivery time i*97 % N minutes: the row at 100 minutes is message i with i*97%N == 100. */
    LONG i100 = -1;
    for (int i = 0; i < N; i++)
        if ((i * 97) % N == 100)
            i100 = i;
    cr_expect_eq(rows->aRow[0].lpProps[0].Value.l, i100);
    FreeProws(rows);
    /* A seek not asked how far it went, past the end: nothing to read, the cursor at the end. */
    cr_assert_eq(t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, N + 500, NULL), S_OK);
    cr_assert_eq(t->lpVtbl->QueryRows(t, 10, 0, &rows), S_OK);
    cr_expect_eq(rows->cRows, 0);
    FreeProws(rows);
    cr_assert_eq(t->lpVtbl->QueryPosition(t, &row, &num, &den), S_OK);
    cr_expect_eq(row, N);
    cr_assert_eq(t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, N - 3, NULL), S_OK);
    cr_assert_eq(t->lpVtbl->QueryRows(t, 10, 0, &rows), S_OK);
    cr_expect_eq(rows->cRows, 3);
    FreeProws(rows);
    cr_assert_eq(t->lpVtbl->FreeBookmark(t, bk), S_OK);
    cr_expect_eq(t->lpVtbl->SeekRow(t, bk, 0, NULL), MAPI_E_INVALID_BOOKMARK);
    /* FindRow: the first unread row from the start, then backwards from the end. */
    SRestriction unread;
    unread.rt = RES_BITMASK;
    unread.res.resBitMask.relBMR = BMR_EQZ;
    unread.res.resBitMask.ulPropTag = PR_MESSAGE_FLAGS;
    unread.res.resBitMask.ulMask = MSGFLAG_READ;
    cr_assert_eq(t->lpVtbl->FindRow(t, &unread, BOOKMARK_BEGINNING, 0), S_OK);
    cr_assert_eq(t->lpVtbl->QueryRows(t, 1, 0, &rows), S_OK);
    cr_expect_neq(rows->aRow[0].lpProps[0].Value.l % 3, 0);
    FreeProws(rows);
    cr_assert_eq(t->lpVtbl->FindRow(t, &unread, BOOKMARK_END, DIR_BACKWARD), S_OK);
    cr_assert_eq(t->lpVtbl->QueryPosition(t, &row, &num, &den), S_OK);
    cr_expect_lt(row, N);
    SPropValue nope;
    memset(&nope, 0, sizeof nope);
    nope.ulPropTag = PR_SUBJECT_A;
    nope.Value.lpszA = "no such subject";
    SRestriction none;
    none.rt = RES_PROPERTY;
    none.res.resProperty.relop = RELOP_EQ;
    none.res.resProperty.ulPropTag = PR_SUBJECT_A;
    none.res.resProperty.lpProp = &nope;
    cr_expect_eq(t->lpVtbl->FindRow(t, &none, BOOKMARK_BEGINNING, 0), MAPI_E_NOT_FOUND);
    /* A new message: the view hears TABLE_CHANGED and counts it. */
    struct recsink *rs = recsink_new();
    ULONG_PTR conn = 0;
    cr_assert_eq(t->lpVtbl->Advise(t, fnevTableModified, recsink_as_IMAPIAdviseSink(rs), &conn),
                 S_OK);
    LPMESSAGE m = new_message(inbox, "one more");
    cr_assert_eq(m->lpVtbl->SaveChanges(m, 0), S_OK);
    m->lpVtbl->Release(m);
    cr_expect_geq(rs->n, 1);
    cr_expect_eq(rs->events[0], fnevTableModified);
    ULONG count = 0;
    cr_assert_eq(t->lpVtbl->GetRowCount(t, 0, &count), S_OK);
    cr_expect_eq(count, N + 1);
    cr_assert_eq(t->lpVtbl->Unadvise(t, conn), S_OK);
    recsink_release(rs);
    t->lpVtbl->Release(t);
    inbox->lpVtbl->Release(inbox);
    logoff(&l);
}
