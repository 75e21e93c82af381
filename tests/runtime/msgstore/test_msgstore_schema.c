/* tests/runtime/msgstore/test_msgstore_schema.c: a store of schema 1 (subjects indexed with
 * SQLite's ASCII-only NOCASE, no descending-time index, no lock holders, delivery keys or change
 * log) is migrated through schemas 2 and 3 at its first
 * logon by this provider: the subject index is rebuilt in the runtime's order (collation MAPIRT),
 * the descending-time index made, the messages kept, and sorts served by the new index answer
 * in the runtime's order.
 * configure: link -rdynamic -ldl */
#define _DEFAULT_SOURCE
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <limits.h>
#include <sqlite3.h>
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

TestSuite(msgstore_schema, .init = setup, .fini = teardown, .timeout = 60);

static int user_version(sqlite3 *db)
{
    sqlite3_stmt *st;
    int v = -1;
    cr_assert_eq(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void index_sql(sqlite3 *db, const char *name, char *out, size_t cb)
{
    sqlite3_stmt *st;
    out[0] = 0;
    cr_assert_eq(sqlite3_prepare_v2(db, "SELECT sql FROM sqlite_schema WHERE name = ?", -1, &st,
                                    NULL), SQLITE_OK);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        snprintf(out, cb, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
}

Test(msgstore_schema, a_schema_1_store_is_migrated_and_keeps_its_messages)
{
    static const char *subjects[] = {"Äb", "äa", "Zebra", "apfel", "ÄA"};
    logon l;
    cr_assert_eq(do_logon(&l, path, 0, NULL), S_OK);
    LPMAPIFOLDER inbox = open_inbox(l.mdb);
    for (int i = 0; i < 5; i++) {
        LPMESSAGE m = new_message(inbox, subjects[i]);
        cr_assert_eq(m->lpVtbl->SaveChanges(m, 0), S_OK);
        m->lpVtbl->Release(m);
    }
    inbox->lpVtbl->Release(inbox);
    logoff(&l);

    /* Back to schema 1, as the previous version of the provider left its stores. */
    sqlite3 *db;
    char sql[512];
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    cr_assert_eq(user_version(db), 3);
    cr_assert_eq(sqlite3_exec(db,
                              "DROP INDEX messages_subject; DROP INDEX messages_time_desc;"
                              "CREATE INDEX messages_subject ON messages(folder, assoc, subject"
                              " COLLATE NOCASE);"
                              "ALTER TABLE outgoing DROP COLUMN owner;"
                              "DROP TABLE deliveries; DROP TABLE changes;"
                              "PRAGMA user_version = 1",
                              NULL, NULL, NULL),
                 SQLITE_OK, "%s", sqlite3_errmsg(db));
    sqlite3_close(db);

    cr_assert_eq(do_logon(&l, path, 0, NULL), S_OK);
    inbox = open_inbox(l.mdb);
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    SizedSPropTagArray(1, cols) = {1, {PR_SUBJECT_A}};
    SizedSSortOrderSet(1, by) = {1, 0, 0, {{PR_SUBJECT_A, TABLE_SORT_ASCEND}}};
    cr_assert_eq(inbox->lpVtbl->GetContentsTable(inbox, 0, &t), S_OK);
    cr_assert_eq(t->lpVtbl->SetColumns(t, (LPSPropTagArray)&cols, 0), S_OK);
    cr_assert_eq(t->lpVtbl->SortTable(t, (LPSSortOrderSet)&by, 0), S_OK);
    cr_assert_eq(t->lpVtbl->QueryRows(t, 10, 0, &rows), S_OK);
    /* Folded first (apfel, zebra, äa = ÄA, äb), then exactly (ÄA before äa: U+00C4 < U+00E4). */
    static const char *want[] = {"apfel", "Zebra", "ÄA", "äa", "Äb"};
    cr_assert_eq(rows->cRows, 5, "the messages are kept");
    for (ULONG i = 0; i < 5; i++)
        cr_expect_str_eq(rows->aRow[i].lpProps[0].Value.lpszA, want[i], "row %u", i);
    FreeProws(rows);
    t->lpVtbl->Release(t);
    inbox->lpVtbl->Release(inbox);
    logoff(&l);

    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    cr_expect_eq(user_version(db), 3, "the first logon migrated the store");
    index_sql(db, "messages_subject", sql, sizeof sql);
    cr_expect_not_null(strstr(sql, "COLLATE MAPIRT"), "subject index: %s", sql);
    index_sql(db, "messages_time_desc", sql, sizeof sql);
    cr_expect_not_null(strstr(sql, "delivery_time DESC"), "time index: '%s'", sql);
    sqlite3_close(db);
}
