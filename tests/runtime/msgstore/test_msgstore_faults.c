/* tests/runtime/msgstore/test_msgstore_faults.c: the store on a full disk and out of memory.
 *
 * A full disk is RLIMIT_FSIZE (works as root, in CI and in a plain container, with no mount):
 * the kernel refuses writes past the limit with EFBIG, as a full file system refuses them with
 * ENOSPC; the store must answer MAPI_E_NOT_ENOUGH_DISK (IStream: STG_E_MEDIUMFULL), keep
 * nothing of the failed call, lose nothing saved before, and work again once there is room,
 * after a reopen too. Only the soft limit is lowered, so the test can raise it again.
 * Out of memory: SQLite's allocations fail one by one (SQLITE_CONFIG_MALLOC, as the profile
 * store's test does), then the runtime's (mapirt_test_fail_alloc, through which the provider
 * allocates: this binary is linked -rdynamic, so the provider binds to its runtime).
 * configure: link -rdynamic -ldl */
#define _DEFAULT_SOURCE
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <limits.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapiguid.h>
#include <mapispi.h>
#include <mapitags.h>
#include <mapiutil.h>
#include <mapix.h>
#include <mapirt/notify.h>
#include <mapirt/testhooks.h>

#include "msfixture.h"

TestSuite(msgstore_faults, .init = setup, .fini = teardown, .timeout = 240);

/* ---- a full disk ---------------------------------------------------------------------------- */

static rlim_t file_size(const char *suffix)
{
    char p[PATH_MAX + 64];
    struct stat st;
    snprintf(p, sizeof p, "%s%s", path, suffix);
    return stat(p, &st) == 0 ? (rlim_t)st.st_size : 0;
}

/* Lowers the soft file size limit to `limit` bytes (0: no file grows at all). */
static void disk_full(rlim_t limit)
{
    struct rlimit rl;
    cr_assert_eq(getrlimit(RLIMIT_FSIZE, &rl), 0);
    rl.rlim_cur = limit;
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
}

static void disk_room(void)
{
    struct rlimit rl;
    cr_assert_eq(getrlimit(RLIMIT_FSIZE, &rl), 0);
    rl.rlim_cur = rl.rlim_max;
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
}

static ULONG folder_count(LPMAPIFOLDER f, const char *name)
{
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    SizedSPropTagArray(1, cols) = {1, {PR_DISPLAY_NAME_A}};
    cr_assert_eq(f->lpVtbl->GetHierarchyTable(f, 0, &t), S_OK);
    cr_assert_eq(HrQueryAllRows(t, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows), S_OK);
    ULONG n = 0;
    for (ULONG i = 0; i < rows->cRows; i++)
        n += rows->aRow[i].lpProps[0].ulPropTag == PR_DISPLAY_NAME_A &&
             strcmp(rows->aRow[i].lpProps[0].Value.lpszA, name) == 0;
    FreeProws(rows);
    t->lpVtbl->Release(t);
    return n;
}

/* The subjects of a folder's messages, sorted, joined with '|'. */
static void subjects(LPMAPIFOLDER f, char *out, size_t cb)
{
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    SizedSPropTagArray(1, cols) = {1, {PR_SUBJECT_A}};
    SizedSSortOrderSet(1, by) = {1, 0, 0, {{PR_SUBJECT_A, TABLE_SORT_ASCEND}}};
    cr_assert_eq(f->lpVtbl->GetContentsTable(f, 0, &t), S_OK);
    cr_assert_eq(HrQueryAllRows(t, (LPSPropTagArray)&cols, NULL, (LPSSortOrderSet)&by, 0, &rows),
        S_OK);
    out[0] = 0;
    for (ULONG i = 0; i < rows->cRows; i++) {
        const SPropValue *v = &rows->aRow[i].lpProps[0];
        strncat(out, v->ulPropTag == PR_SUBJECT_A ? v->Value.lpszA : "?", cb - strlen(out) - 1);
        strncat(out, "|", cb - strlen(out) - 1);
    }
    FreeProws(rows);
    t->lpVtbl->Release(t);
}

static const char *last_error(LPMAPIPROP p, HRESULT hr, char *buf, size_t cb)
{
    LPMAPIERROR e = NULL;
    buf[0] = 0;
    if (p->lpVtbl->GetLastError(p, hr, 0, &e) == S_OK && e && e->lpszError)
        snprintf(buf, cb, "%s", (char *)e->lpszError);
    MAPIFreeBuffer(e);
    return buf;
}

/* 3 MB of a pattern that says where each byte is. */
#define BIG (3u << 20)
static BYTE *pattern(void)
{
    BYTE *b = malloc(BIG);
    cr_assert_not_null(b);
    for (size_t i = 0; i < BIG; i++)
        b[i] = (BYTE)(i * 7 + (i >> 16));
    return b;
}

static HRESULT write_stream(LPMESSAGE m, const BYTE *data, size_t n, HRESULT *first_fail)
{
    LPSTREAM st = NULL;
    HRESULT hr = m->lpVtbl->OpenProperty(m, PR_BODY_A, &IID_IStream, STGM_READWRITE,
        MAPI_CREATE | MAPI_MODIFY, (LPUNKNOWN *)&st);
    cr_assert_eq(hr, S_OK);
    *first_fail = S_OK;
    for (size_t off = 0; off < n && SUCCEEDED(hr); off += 65536) {
        ULONG w = 0;
        hr = st->lpVtbl->Write(st, data + off, 65536, &w);
    }
    if (SUCCEEDED(hr))
        hr = st->lpVtbl->Commit(st, 0);
    *first_fail = hr;
    st->lpVtbl->Release(st);
    return hr;
}

static void check_body(LPMESSAGE m, const BYTE *want)
{
    LPSTREAM st = NULL;
    cr_assert_eq(m->lpVtbl->OpenProperty(m, PR_BODY_A, &IID_IStream, STGM_READ, 0,
                     (LPUNKNOWN *)&st),
        S_OK);
    BYTE *got = malloc(BIG + 16);
    cr_assert_not_null(got);
    ULONG total = 0, r = 0;
    do {
        cr_assert_eq(st->lpVtbl->Read(st, got + total, BIG + 16 - total, &r), S_OK);
        total += r;
    } while (r > 0 && total < BIG + 16);
    cr_expect_eq(total, BIG);
    cr_expect(memcmp(got, want, BIG) == 0, "the body read back is the one written");
    free(got);
    st->lpVtbl->Release(st);
}

static LPMESSAGE open_by_subject(LPMDB mdb, LPMAPIFOLDER f, const char *subject)
{
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    SizedSPropTagArray(2, cols) = {2, {PR_ENTRYID, PR_SUBJECT_A}};
    cr_assert_eq(f->lpVtbl->GetContentsTable(f, 0, &t), S_OK);
    cr_assert_eq(HrQueryAllRows(t, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows), S_OK);
    LPMESSAGE m = NULL;
    for (ULONG i = 0; i < rows->cRows && !m; i++)
        if (rows->aRow[i].lpProps[1].ulPropTag == PR_SUBJECT_A &&
            strcmp(rows->aRow[i].lpProps[1].Value.lpszA, subject) == 0) {
            ULONG type = 0;
            SBinary *e = &rows->aRow[i].lpProps[0].Value.bin;
            cr_assert_eq(mdb->lpVtbl->OpenEntry(mdb, e->cb, (LPENTRYID)e->lpb, NULL, MAPI_MODIFY,
                             &type, (LPUNKNOWN *)&m),
                S_OK);
        }
    FreeProws(rows);
    t->lpVtbl->Release(t);
    cr_assert_not_null(m, "no message '%s'", subject);
    return m;
}

Test(msgstore_faults, a_full_disk_is_reported_and_loses_nothing)
{
    char err[1024], before[4096], after[4096];
    signal(SIGXFSZ, SIG_IGN);
    BYTE *body = pattern();
    logon l;
    cr_assert_eq(do_logon(&l, path, 0, NULL), S_OK);
    LPMAPIFOLDER inbox = open_inbox(l.mdb);
    LPMESSAGE kept = new_message(inbox, "kept");
    cr_assert_eq(kept->lpVtbl->SaveChanges(kept, KEEP_OPEN_READWRITE), S_OK);
    subjects(inbox, before, sizeof before);

    /* No room at all: a folder, a new message, a change to a saved one. */
    disk_full(0);
    LPMAPIFOLDER sub = NULL;
    HRESULT hr = inbox->lpVtbl->CreateFolder(inbox, FOLDER_GENERIC, (LPTSTR) "Never", NULL, NULL,
        0, &sub);
    disk_room();
    cr_expect_eq(hr, MAPI_E_NOT_ENOUGH_DISK, "CreateFolder: 0x%08X (%s)", (unsigned)hr,
        last_error((LPMAPIPROP)inbox, hr, err, sizeof err));
    cr_log_info("CreateFolder on a full disk: %s", err);
    if (sub)
        sub->lpVtbl->Release(sub);
    LPMESSAGE m = new_message(inbox, "new on a full disk");
    disk_full(0);
    hr = m->lpVtbl->SaveChanges(m, KEEP_OPEN_READWRITE);
    disk_room();
    cr_expect_eq(hr, MAPI_E_NOT_ENOUGH_DISK, "SaveChanges: 0x%08X (%s)", (unsigned)hr,
        last_error((LPMAPIPROP)m, hr, err, sizeof err));
    SPropValue v;
    memset(&v, 0, sizeof v);
    v.ulPropTag = PR_SUBJECT_A;
    v.Value.lpszA = "kept, changed";
    cr_assert_eq(kept->lpVtbl->SetProps(kept, 1, &v, NULL), S_OK);
    disk_full(0);
    hr = kept->lpVtbl->SaveChanges(kept, KEEP_OPEN_READWRITE);
    disk_room();
    cr_expect_eq(hr, MAPI_E_NOT_ENOUGH_DISK, "SaveChanges of a change: 0x%08X", (unsigned)hr);
    cr_expect_eq(folder_count(inbox, "Never"), 0, "a failed CreateFolder left a folder");
    subjects(inbox, after, sizeof after);
    cr_expect_str_eq(after, before, "a failed SaveChanges changed the folder");

    /* Room for small writes, not for 3 MB: a stream write, then a save of a committed one. */
    rlim_t small = file_size("") > file_size("-wal") ? file_size("") : file_size("-wal");
    small += 256 * 1024;
    LPMESSAGE big = new_message(inbox, "big on a full disk");
    disk_full(small);
    HRESULT whr;
    hr = write_stream(big, body, BIG, &whr);
    disk_room();
    cr_expect_eq(hr, STG_E_MEDIUMFULL, "a stream write past the room: 0x%08X", (unsigned)hr);
    big->lpVtbl->Release(big);
    big = new_message(inbox, "big");
    hr = write_stream(big, body, BIG, &whr);
    cr_assert_eq(hr, S_OK, "with room the stream takes it: 0x%08X (%s)", (unsigned)hr,
        last_error((LPMAPIPROP)big, hr, err, sizeof err));
    disk_full(small);
    hr = big->lpVtbl->SaveChanges(big, KEEP_OPEN_READWRITE);
    disk_room();
    cr_expect_eq(hr, MAPI_E_NOT_ENOUGH_DISK, "SaveChanges of 3 MB: 0x%08X (%s)", (unsigned)hr,
        last_error((LPMAPIPROP)big, hr, err, sizeof err));
    subjects(inbox, after, sizeof after);
    cr_expect_str_eq(after, before, "a failed SaveChanges changed the folder");

    /* With room again, the same objects save what they hold. */
    cr_expect_eq(m->lpVtbl->SaveChanges(m, 0), S_OK);
    cr_expect_eq(kept->lpVtbl->SaveChanges(kept, 0), S_OK);
    cr_expect_eq(big->lpVtbl->SaveChanges(big, 0), S_OK);
    m->lpVtbl->Release(m);
    kept->lpVtbl->Release(kept);
    big->lpVtbl->Release(big);
    inbox->lpVtbl->Release(inbox);
    logoff(&l);

    /* Reopened: everything saved is there, whole. */
    cr_assert_eq(do_logon(&l, path, 0, NULL), S_OK);
    inbox = open_inbox(l.mdb);
    subjects(inbox, after, sizeof after);
    cr_expect_str_eq(after, "big|kept, changed|new on a full disk|");
    cr_expect_eq(folder_count(inbox, "Never"), 0);
    big = open_by_subject(l.mdb, inbox, "big");
    check_body(big, body);
    big->lpVtbl->Release(big);
    inbox->lpVtbl->Release(inbox);
    logoff(&l);
    free(body);
}

/* ---- out of memory -------------------------------------------------------------------------- */

static sqlite3_mem_methods real_mem;
static long sql_countdown; /* 0: disarmed; n: the n-th allocation from now fails */

static void *fail_malloc(int n)
{
    if (sql_countdown > 0 && --sql_countdown == 0)
        return NULL;
    return real_mem.xMalloc(n);
}

static void *fail_realloc(void *p, int n)
{
    if (sql_countdown > 0 && --sql_countdown == 0)
        return NULL;
    return real_mem.xRealloc(p, n);
}

static void hook_sqlite(void)
{
    sqlite3_shutdown();
    sqlite3_mem_methods m;
    cr_assert_eq(sqlite3_config(SQLITE_CONFIG_GETMALLOC, &real_mem), SQLITE_OK);
    m = real_mem;
    m.xMalloc = fail_malloc;
    m.xRealloc = fail_realloc;
    cr_assert_eq(sqlite3_config(SQLITE_CONFIG_MALLOC, &m), SQLITE_OK);
    cr_assert_eq(sqlite3_initialize(), SQLITE_OK);
}

/* Every message of a folder has its subject and sender (none half-saved); their number. */
static ULONG whole_messages(LPMAPIFOLDER f)
{
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    SizedSPropTagArray(2, cols) = {2, {PR_SUBJECT_A, PR_SENDER_NAME_A}};
    cr_assert_eq(f->lpVtbl->GetContentsTable(f, 0, &t), S_OK);
    cr_assert_eq(HrQueryAllRows(t, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows), S_OK);
    ULONG n = rows->cRows;
    for (ULONG i = 0; i < n; i++) {
        cr_assert_eq(rows->aRow[i].lpProps[0].ulPropTag, PR_SUBJECT_A);
        cr_assert_eq(rows->aRow[i].lpProps[1].ulPropTag, PR_SENDER_NAME_A,
            "'%s' was saved without its sender", rows->aRow[i].lpProps[0].Value.lpszA);
        cr_assert_str_eq(rows->aRow[i].lpProps[1].Value.lpszA, "Ärger");
    }
    FreeProws(rows);
    t->lpVtbl->Release(t);
    return n;
}

static ULONG folders_named(LPMAPIFOLDER f, const char *prefix)
{
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    SizedSPropTagArray(1, cols) = {1, {PR_DISPLAY_NAME_A}};
    cr_assert_eq(f->lpVtbl->GetHierarchyTable(f, 0, &t), S_OK);
    cr_assert_eq(HrQueryAllRows(t, (LPSPropTagArray)&cols, NULL, NULL, 0, &rows), S_OK);
    ULONG n = 0;
    for (ULONG i = 0; i < rows->cRows; i++)
        n += strncmp(rows->aRow[i].lpProps[0].Value.lpszA, prefix, strlen(prefix)) == 0;
    FreeProws(rows);
    t->lpVtbl->Release(t);
    return n;
}

/* One allocation failing at a time, SQLite's (sql) or the runtime's: SaveChanges of a new
 * message and CreateFolder either fail with MAPI_E_NOT_ENOUGH_MEMORY having written nothing or
 * succeed having written everything (an allocation for a notification or a live table may fail
 * after the commit: the save stands), and the store goes on working, after a reopen too. */
static void out_of_memory(int sql)
{
    char err[1024], subj[32];
    logon l;
    cr_assert_eq(do_logon(&l, path, 0, NULL), S_OK);
    LPMAPIFOLDER inbox = open_inbox(l.mdb);
    ULONG saved = 0, failed = 0;
    for (unsigned long n = 1;; n++) {
        snprintf(subj, sizeof subj, "m%lu", n);
        LPMESSAGE m = new_message(inbox, subj);
        SPropValue v;
        memset(&v, 0, sizeof v);
        v.ulPropTag = PR_SENDER_NAME_A;
        v.Value.lpszA = "Ärger";
        cr_assert_eq(m->lpVtbl->SetProps(m, 1, &v, NULL), S_OK);
        if (sql)
            sql_countdown = (long)n;
        else
            mapirt_test_fail_alloc(n);
        HRESULT hr = m->lpVtbl->SaveChanges(m, KEEP_OPEN_READWRITE);
        int reached = sql ? sql_countdown == 0 : mapirt_test_fail_alloc_pending() == 0;
        sql_countdown = 0;
        mapirt_test_fail_alloc(0);
        cr_assert(hr == S_OK || hr == MAPI_E_NOT_ENOUGH_MEMORY,
            "allocation %lu: 0x%08X (%s)", n, (unsigned)hr,
            last_error((LPMAPIPROP)m, hr, err, sizeof err));
        m->lpVtbl->Release(m);
        if (hr == S_OK)
            saved++;
        else
            failed++;
        cr_assert_eq(whole_messages(inbox), saved, "allocation %lu: 0x%08X", n, (unsigned)hr);
        if (!reached) {
            cr_assert_eq(hr, S_OK, "run without failure: 0x%08X", (unsigned)hr);
            break;
        }
    }
    cr_expect_gt(failed, 0, "no allocation failure reached SaveChanges' caller");
    cr_log_info("SaveChanges: %u failures answered, %u saves stood", failed, saved);

    ULONG made = 0;
    failed = 0;
    for (unsigned long n = 1;; n++) {
        LPMAPIFOLDER sub = NULL;
        snprintf(subj, sizeof subj, "Made %lu", n);
        if (sql)
            sql_countdown = (long)n;
        else
            mapirt_test_fail_alloc(n);
        HRESULT hr = inbox->lpVtbl->CreateFolder(inbox, FOLDER_GENERIC, (LPTSTR)subj, NULL, NULL,
            0, &sub);
        int reached = sql ? sql_countdown == 0 : mapirt_test_fail_alloc_pending() == 0;
        sql_countdown = 0;
        mapirt_test_fail_alloc(0);
        cr_assert(hr == S_OK || hr == MAPI_E_NOT_ENOUGH_MEMORY,
            "CreateFolder, allocation %lu: 0x%08X (%s)", n, (unsigned)hr,
            last_error((LPMAPIPROP)inbox, hr, err, sizeof err));
        if (hr == S_OK) {
            made++;
            sub->lpVtbl->Release(sub);
        } else {
            failed++;
            cr_assert_null(sub);
        }
        cr_assert_eq(folders_named(inbox, "Made "), made, "allocation %lu", n);
        if (!reached)
            break;
    }
    cr_expect_gt(failed, 0, "no allocation failure reached CreateFolder's caller");
    inbox->lpVtbl->Release(inbox);
    logoff(&l);
    /* Reopened, the store has exactly what succeeded. */
    cr_assert_eq(do_logon(&l, path, 0, NULL), S_OK);
    inbox = open_inbox(l.mdb);
    cr_expect_eq(whole_messages(inbox), saved);
    cr_expect_eq(folders_named(inbox, "Made "), made);
    inbox->lpVtbl->Release(inbox);
    logoff(&l);
}

Test(msgstore_faults, sqlite_out_of_memory_at_every_allocation)
{
    hook_sqlite();
    out_of_memory(1);
}

Test(msgstore_faults, runtime_out_of_memory_at_every_allocation)
{
    out_of_memory(0);
}
