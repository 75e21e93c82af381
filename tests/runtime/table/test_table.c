/* tests/runtime/table/test_table.c: CreateTable, ITableData and the IMAPITable views over it
 * (columns, reading, positioning, bookmarks, notifications, errors, out of memory).
 * Restrictions, FindRow, sorting and multi-valued columns: test_restrict.c. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include <mapirt/testhooks.h>

#include "oom.h"
#include "tablefixture.h"

static unsigned long oom_points;

/* ---- CreateTable ---------------------------------------------------------------------- */

Test(table_create, bad_arguments)
{
    SizedSPropTagArray(2, cols) = {2, {T_ID, T_NAME}};
    SizedSPropTagArray(1, badcols) = {1, {PROP_TAG(PT_ERROR, 0x6000)}};
    SPropTagArray nocols = {0, {0}};
    LPSPropTagArray c = (LPSPropTagArray)&cols;
    LPTABLEDATA td = (LPTABLEDATA)0x1;
    int dummy;

    cr_assert_eq(CreateTable(NULL, MAPIAllocateBuffer, MAPIAllocateMore, MAPIFreeBuffer, NULL,
                     TBLTYPE_DYNAMIC, T_ID, c, NULL),
        MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(CreateTable(&IID_IMAPITable, MAPIAllocateBuffer, MAPIAllocateMore,
                     MAPIFreeBuffer, NULL, TBLTYPE_DYNAMIC, T_ID, c, &td),
        MAPI_E_INTERFACE_NOT_SUPPORTED);
    cr_assert_eq(CreateTable(NULL, NULL, MAPIAllocateMore, MAPIFreeBuffer, NULL, TBLTYPE_DYNAMIC,
                     T_ID, c, &td),
        MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(CreateTable(NULL, MAPIAllocateBuffer, NULL, MAPIFreeBuffer, NULL,
                     TBLTYPE_DYNAMIC, T_ID, c, &td),
        MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(CreateTable(NULL, MAPIAllocateBuffer, MAPIAllocateMore, NULL, NULL,
                     TBLTYPE_DYNAMIC, T_ID, c, &td),
        MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(CreateTable(NULL, MAPIAllocateBuffer, MAPIAllocateMore, MAPIFreeBuffer, &dummy,
                     TBLTYPE_DYNAMIC, T_ID, c, &td),
        MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(CreateTable(NULL, MAPIAllocateBuffer, MAPIAllocateMore, MAPIFreeBuffer, NULL, 3,
                     T_ID, c, &td),
        MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(CreateTable(NULL, MAPIAllocateBuffer, MAPIAllocateMore, MAPIFreeBuffer, NULL,
                     TBLTYPE_DYNAMIC, T_MVL, c, &td),
        MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(CreateTable(NULL, MAPIAllocateBuffer, MAPIAllocateMore, MAPIFreeBuffer, NULL,
                     TBLTYPE_DYNAMIC, PROP_TAG(PT_OBJECT, 0x6000), c, &td),
        MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(CreateTable(NULL, MAPIAllocateBuffer, MAPIAllocateMore, MAPIFreeBuffer, NULL,
                     TBLTYPE_DYNAMIC, PR_NULL, c, &td),
        MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(CreateTable(NULL, MAPIAllocateBuffer, MAPIAllocateMore, MAPIFreeBuffer, NULL,
                     TBLTYPE_DYNAMIC, PROP_TAG(PT_UNSPECIFIED, 0x6000), c, &td),
        MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(CreateTable(NULL, MAPIAllocateBuffer, MAPIAllocateMore, MAPIFreeBuffer, NULL,
                     TBLTYPE_DYNAMIC, T_ID, NULL, &td),
        MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(CreateTable(NULL, MAPIAllocateBuffer, MAPIAllocateMore, MAPIFreeBuffer, NULL,
                     TBLTYPE_DYNAMIC, T_ID, &nocols, &td),
        MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(CreateTable(NULL, MAPIAllocateBuffer, MAPIAllocateMore, MAPIFreeBuffer, NULL,
                     TBLTYPE_DYNAMIC, T_ID, (LPSPropTagArray)&badcols, &td),
        MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(td, (LPTABLEDATA)0x1, "failed calls must not write the output");
    MAPIRT_LEAK_CHECK();
}

Test(table_create, interfaces_and_types)
{
    SizedSPropTagArray(1, cols) = {1, {T_ID}};
    ULONG types[] = {TBLTYPE_SNAPSHOT, TBLTYPE_KEYSET, TBLTYPE_DYNAMIC};

    for (int i = 0; i < 3; i++) {
        LPTABLEDATA td = NULL;
        LPMAPITABLE v = NULL;
        void *p = NULL;
        ULONG status = 99, type = 99;
        cr_assert_eq(CreateTable(i ? &IID_IMAPITableData : NULL, MAPIAllocateBuffer,
                         MAPIAllocateMore, MAPIFreeBuffer, NULL, types[i], T_ID,
                         (LPSPropTagArray)&cols, &td),
            S_OK);
        cr_assert_eq(td->lpVtbl->QueryInterface(td, &IID_IMAPITableData, &p), S_OK);
        cr_assert_eq(p, td);
        td->lpVtbl->Release(td);
        cr_assert_eq(td->lpVtbl->QueryInterface(td, &IID_IUnknown, &p), S_OK);
        cr_assert_eq(p, td);
        td->lpVtbl->Release(td);
        cr_assert_eq(td->lpVtbl->QueryInterface(td, &IID_IMAPITable, &p), MAPI_E_INTERFACE_NOT_SUPPORTED);
        v = fx_view(td);
        cr_assert_eq(v->lpVtbl->QueryInterface(v, &IID_IMAPITable, &p), S_OK);
        cr_assert_eq(p, v);
        v->lpVtbl->Release(v);
        cr_assert_eq(v->lpVtbl->GetStatus(v, &status, &type), S_OK);
        cr_assert_eq(status, TBLSTAT_COMPLETE);
        cr_assert_eq(type, types[i]);
        v->lpVtbl->Release(v);
        cr_assert_eq(td->lpVtbl->Release(td), 0);
    }
    MAPIRT_LEAK_CHECK();
}

Test(table_create, out_of_memory)
{
    SizedSPropTagArray(3, cols) = {3, {T_ID, T_NAME, T_NUM}};
    LPTABLEDATA td = NULL;
    HRESULT hr;

    OOM_LOOP(hr, hr = CreateTable(NULL, MAPIAllocateBuffer, MAPIAllocateMore, MAPIFreeBuffer, NULL, TBLTYPE_DYNAMIC, T_ID, (LPSPropTagArray)&cols, &td),
        td->lpVtbl->Release(td));
    cr_assert_gt(oom_points, 0);
    MAPIRT_LEAK_CHECK();
}

/* ---- ITableData ----------------------------------------------------------------------- */

Test(tabledata, modify_enum_query)
{
    LPTABLEDATA td = fx_table();
    LPSRow row = NULL;
    SPropValue key;
    ULONG at = 99;

    cr_assert_eq(fx_put(td, 10, "ten", 1), S_OK);
    cr_assert_eq(fx_put(td, 20, "twenty", 2), S_OK);
    cr_assert_eq(fx_put(td, 30, NULL, 3), S_OK);
    cr_assert_eq(fx_put(td, 20, "TWENTY", 22), S_OK); /* replaces, keeps its place */

    cr_assert_eq(td->lpVtbl->HrEnumRow(td, 1, &row), S_OK);
    cr_assert_not_null(row);
    cr_assert_eq(row->cValues, 3);
    cr_assert_eq(fx_prop(row, T_ID)->Value.l, 20);
    cr_assert_str_eq(fx_prop(row, T_NAME)->Value.lpszA, "TWENTY");
    cr_assert_eq(fx_prop(row, T_NUM)->Value.l, 22);
    MAPIFreeBuffer(row);
    cr_assert_eq(td->lpVtbl->HrEnumRow(td, 2, &row), S_OK);
    cr_assert_eq(fx_prop(row, T_ID)->Value.l, 30);
    cr_assert_null(fx_prop(row, T_NAME));
    MAPIFreeBuffer(row);
    row = (LPSRow)0x1;
    cr_assert_eq(td->lpVtbl->HrEnumRow(td, 3, &row), S_OK);
    cr_assert_null(row, "past the last row: S_OK and no row");

    memset(&key, 0, sizeof(key));
    key.ulPropTag = T_ID;
    key.Value.l = 30;
    cr_assert_eq(td->lpVtbl->HrQueryRow(td, &key, &row, &at), S_OK);
    cr_assert_eq(at, 2);
    cr_assert_eq(fx_prop(row, T_NUM)->Value.l, 3);
    MAPIFreeBuffer(row);
    cr_assert_eq(td->lpVtbl->HrQueryRow(td, &key, &row, NULL), S_OK);
    MAPIFreeBuffer(row);
    key.Value.l = 31;
    cr_assert_eq(td->lpVtbl->HrQueryRow(td, &key, &row, &at), MAPI_E_NOT_FOUND);
    key.ulPropTag = T_NUM;
    cr_assert_eq(td->lpVtbl->HrQueryRow(td, &key, &row, &at), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(td->lpVtbl->HrQueryRow(td, NULL, &row, &at), MAPI_E_INVALID_PARAMETER);
    key.ulPropTag = T_ID;
    cr_assert_eq(td->lpVtbl->HrQueryRow(td, &key, NULL, &at), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(td->lpVtbl->HrEnumRow(td, 0, NULL), MAPI_E_INVALID_PARAMETER);
    td->lpVtbl->Release(td);
    MAPIRT_LEAK_CHECK();
}

Test(tabledata, rows_are_copies)
{
    LPTABLEDATA td = fx_table();
    char name[] = "original";
    SPropValue p[2];
    SRow row = {0, 2, p};
    LPSRow out = NULL;

    memset(p, 0, sizeof(p));
    p[0].ulPropTag = T_ID;
    p[0].Value.l = 1;
    p[1].ulPropTag = T_NAME;
    p[1].Value.lpszA = name;
    cr_assert_eq(td->lpVtbl->HrModifyRow(td, &row), S_OK);
    strcpy(name, "changed!");
    p[0].Value.l = 2;
    cr_assert_eq(td->lpVtbl->HrEnumRow(td, 0, &out), S_OK);
    cr_assert_eq(fx_prop(out, T_ID)->Value.l, 1);
    cr_assert_str_eq(fx_prop(out, T_NAME)->Value.lpszA, "original");
    MAPIFreeBuffer(out);
    td->lpVtbl->Release(td);
    MAPIRT_LEAK_CHECK();
}

Test(tabledata, modify_bad_arguments)
{
    LPTABLEDATA td = fx_table();
    SPropValue p[2];
    SRow row = {0, 1, p};
    SRowSet *set;

    memset(p, 0, sizeof(p));
    cr_assert_eq(td->lpVtbl->HrModifyRow(td, NULL), MAPI_E_INVALID_PARAMETER);
    p[0].ulPropTag = T_NUM;
    cr_assert_eq(td->lpVtbl->HrModifyRow(td, &row), MAPI_E_INVALID_PARAMETER, "no index column");
    row.lpProps = NULL;
    cr_assert_eq(td->lpVtbl->HrModifyRow(td, &row), MAPI_E_INVALID_PARAMETER);
    row.lpProps = p;
    p[0].ulPropTag = T_ID;
    p[1].ulPropTag = T_NAME; /* NULL string: not a valid value */
    row.cValues = 2;
    cr_assert_eq(td->lpVtbl->HrModifyRow(td, &row), MAPI_E_INVALID_PARAMETER);

    /* A set with one bad row changes nothing. */
    cr_assert_eq(MAPIAllocateBuffer(CbNewSRowSet(2), (void **)&set), S_OK);
    SPropValue good = {T_ID, 0, {.l = 5}}, bad = {T_NUM, 0, {.l = 6}};
    set->cRows = 2;
    SRow *ar = set->aRow; /* a MAPI_DIM array: index through a pointer */
    ar[0] = (SRow){0, 1, &good};
    ar[1] = (SRow){0, 1, &bad};
    cr_assert_eq(td->lpVtbl->HrModifyRows(td, 0, set), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(td->lpVtbl->HrModifyRows(td, 1, set), MAPI_E_UNKNOWN_FLAGS);
    cr_assert_eq(td->lpVtbl->HrModifyRows(td, 0, NULL), MAPI_E_INVALID_PARAMETER);
    LPSRow out = (LPSRow)0x1;
    cr_assert_eq(td->lpVtbl->HrEnumRow(td, 0, &out), S_OK);
    cr_assert_null(out, "the table must still be empty");
    set->cRows = 0;
    cr_assert_eq(td->lpVtbl->HrModifyRows(td, 0, set), S_OK);
    MAPIFreeBuffer(set);
    td->lpVtbl->Release(td);
    MAPIRT_LEAK_CHECK();
}

Test(tabledata, modify_rows_with_duplicates)
{
    LPTABLEDATA td = fx_table();
    LPMAPITABLE v = fx_view(td);
    SPropValue p[4][2];
    SRowSet *set;

    cr_assert_eq(fx_put(td, 1, "one", 1), S_OK);
    cr_assert_eq(MAPIAllocateBuffer(CbNewSRowSet(4), (void **)&set), S_OK);
    set->cRows = 4;
    LONG ids[4] = {2, 1, 2, 3}, nums[4] = {20, 10, 21, 30};
    for (int i = 0; i < 4; i++) {
        memset(p[i], 0, sizeof(p[i]));
        p[i][0].ulPropTag = T_ID;
        p[i][0].Value.l = ids[i];
        p[i][1].ulPropTag = T_NUM;
        p[i][1].Value.l = nums[i];
        set->aRow[i] = (SRow){0, 2, p[i]};
    }
    cr_assert_eq(td->lpVtbl->HrModifyRows(td, 0, set), S_OK);
    MAPIFreeBuffer(set);
    cr_assert_str_eq(fx_ids(v), "1 2 3");
    LPSRow row;
    cr_assert_eq(td->lpVtbl->HrEnumRow(td, 1, &row), S_OK);
    cr_assert_eq(fx_prop(row, T_NUM)->Value.l, 21, "the later duplicate wins");
    MAPIFreeBuffer(row);
    cr_assert_eq(td->lpVtbl->HrEnumRow(td, 0, &row), S_OK);
    cr_assert_eq(fx_prop(row, T_NUM)->Value.l, 10);
    cr_assert_null(fx_prop(row, T_NAME), "HrModifyRows replaces the whole row");
    MAPIFreeBuffer(row);
    v->lpVtbl->Release(v);
    td->lpVtbl->Release(td);
    MAPIRT_LEAK_CHECK();
}

Test(tabledata, insert_row)
{
    LPTABLEDATA td = fx_table();
    LPMAPITABLE v = fx_view(td);
    SPropValue p = {T_ID, 0, {.l = 0}};
    SRow row = {0, 1, &p};

    cr_assert_eq(fx_put(td, 1, NULL, 0), S_OK);
    cr_assert_eq(fx_put(td, 2, NULL, 0), S_OK);
    p.Value.l = 3;
    cr_assert_eq(td->lpVtbl->HrInsertRow(td, 0, &row), S_OK);
    p.Value.l = 4;
    cr_assert_eq(td->lpVtbl->HrInsertRow(td, 2, &row), S_OK);
    p.Value.l = 5;
    cr_assert_eq(td->lpVtbl->HrInsertRow(td, 4, &row), S_OK);
    cr_assert_str_eq(fx_ids(v), "3 1 4 2 5", "an unsorted view follows table order");
    p.Value.l = 6;
    cr_assert_eq(td->lpVtbl->HrInsertRow(td, 6, &row), MAPI_E_INVALID_PARAMETER);
    p.Value.l = 4;
    cr_assert_eq(td->lpVtbl->HrInsertRow(td, 0, &row), MAPI_E_INVALID_PARAMETER, "duplicate");
    cr_assert_eq(td->lpVtbl->HrInsertRow(td, 0, NULL), MAPI_E_INVALID_PARAMETER);
    p.ulPropTag = T_NUM;
    cr_assert_eq(td->lpVtbl->HrInsertRow(td, 0, &row), MAPI_E_INVALID_PARAMETER);
    cr_assert_str_eq(fx_ids(v), "3 1 4 2 5");
    LPSRow out;
    cr_assert_eq(td->lpVtbl->HrEnumRow(td, 2, &out), S_OK);
    cr_assert_eq(fx_prop(out, T_ID)->Value.l, 4);
    MAPIFreeBuffer(out);
    v->lpVtbl->Release(v);
    td->lpVtbl->Release(td);
    MAPIRT_LEAK_CHECK();
}

Test(tabledata, delete_row_and_rows)
{
    LPTABLEDATA td = fx_table();
    LPMAPITABLE v = fx_view(td);
    SPropValue k[3];
    SRow r[3];
    SRowSet *set;
    ULONG n = 99;

    for (int i = 1; i <= 6; i++)
        cr_assert_eq(fx_put(td, i, NULL, i), S_OK);
    cr_assert_eq(fx_del(td, 2), S_OK);
    cr_assert_eq(fx_del(td, 2), MAPI_E_NOT_FOUND);
    SPropValue wrong = {T_NUM, 0, {.l = 3}};
    cr_assert_eq(td->lpVtbl->HrDeleteRow(td, &wrong), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(td->lpVtbl->HrDeleteRow(td, NULL), MAPI_E_INVALID_PARAMETER);
    cr_assert_str_eq(fx_ids(v), "1 3 4 5 6");

    cr_assert_eq(MAPIAllocateBuffer(CbNewSRowSet(3), (void **)&set), S_OK);
    LONG ids[3] = {4, 99, 4};
    for (int i = 0; i < 3; i++) {
        memset(&k[i], 0, sizeof(k[i]));
        k[i].ulPropTag = T_ID;
        k[i].Value.l = ids[i];
        r[i] = (SRow){0, 1, &k[i]};
        set->aRow[i] = r[i];
    }
    set->cRows = 3;
    cr_assert_eq(td->lpVtbl->HrDeleteRows(td, 0, set, &n), S_OK);
    cr_assert_eq(n, 1, "missing rows are skipped, duplicates count once");
    cr_assert_str_eq(fx_ids(v), "1 3 5 6");
    cr_assert_eq(td->lpVtbl->HrDeleteRows(td, 0x10, set, &n), MAPI_E_UNKNOWN_FLAGS);
    cr_assert_eq(td->lpVtbl->HrDeleteRows(td, 0, NULL, &n), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(td->lpVtbl->HrDeleteRows(td, 0, set, NULL), MAPI_E_INVALID_PARAMETER);
    k[1].ulPropTag = T_NUM;
    SRow *ar = set->aRow;
    ar[1] = (SRow){0, 1, &k[1]};
    cr_assert_eq(td->lpVtbl->HrDeleteRows(td, 0, set, &n), MAPI_E_INVALID_PARAMETER);

    cr_assert_eq(td->lpVtbl->HrDeleteRows(td, TAD_ALL_ROWS, NULL, &n), S_OK);
    cr_assert_eq(n, 4);
    cr_assert_eq(fx_count(v), 0);
    cr_assert_eq(fx_put(td, 7, NULL, 7), S_OK);
    cr_assert_str_eq(fx_ids(v), "7", "the table works after TAD_ALL_ROWS");
    MAPIFreeBuffer(set);
    v->lpVtbl->Release(v);
    td->lpVtbl->Release(td);
    MAPIRT_LEAK_CHECK();
}

Test(tabledata, new_columns)
{
    LPTABLEDATA td = fx_table();
    LPMAPITABLE old = fx_view(td), fresh;
    LPSPropTagArray cols;
    SPropValue p[2] = {{T_ID, 0, {.l = 1}}, {T_DBL, 0, {.dbl = 2.5}}};
    SRow row = {0, 2, p};

    cr_assert_eq(td->lpVtbl->HrModifyRow(td, &row), S_OK);
    cr_assert_eq(fx_del(td, 1), S_OK);
    cr_assert_eq(old->lpVtbl->QueryColumns(old, 0, &cols), S_OK);
    cr_assert_eq(cols->cValues, 3, "an open view keeps its column set");
    MAPIFreeBuffer(cols);
    cr_assert_eq(old->lpVtbl->QueryColumns(old, TBL_ALL_COLUMNS, &cols), S_OK);
    cr_assert_eq(cols->cValues, 4);
    const ULONG *tags = cols->aulPropTag;
    cr_assert_eq(tags[3], T_DBL, "deleting the row keeps the column available");
    MAPIFreeBuffer(cols);
    fresh = fx_view(td);
    cr_assert_eq(fresh->lpVtbl->QueryColumns(fresh, 0, &cols), S_OK);
    cr_assert_eq(cols->cValues, 4, "a new view shows the new column");
    tags = cols->aulPropTag;
    cr_assert_eq(tags[3], T_DBL);
    MAPIFreeBuffer(cols);
    cr_assert_eq(old->lpVtbl->QueryColumns(old, 2, &cols), MAPI_E_UNKNOWN_FLAGS);
    cr_assert_eq(old->lpVtbl->QueryColumns(old, 0, NULL), MAPI_E_INVALID_PARAMETER);
    fresh->lpVtbl->Release(fresh);
    old->lpVtbl->Release(old);
    td->lpVtbl->Release(td);
    MAPIRT_LEAK_CHECK();
}

static int released;
static ULONG_PTR released_data;
static LPTABLEDATA released_td;
static LPMAPITABLE released_view;

static void on_release(ULONG_PTR data, LPTABLEDATA td, LPMAPITABLE view)
{
    released++;
    released_data = data;
    released_td = td;
    released_view = view;
    td->lpVtbl->Release(td); /* the usual use: drop the provider's own reference */
}

Test(tabledata, get_view_and_caller_release)
{
    LPTABLEDATA td = fx_table();
    LPMAPITABLE v = NULL;
    SizedSSortOrderSet(1, cat) = {1, 1, 0, {{T_NUM, TABLE_SORT_ASCEND}}};
    SizedSSortOrderSet(1, bad) = {1, 0, 0, {{T_NUM, 77}}};

    cr_assert_eq(td->lpVtbl->HrGetView(td, NULL, NULL, 0, NULL), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(td->lpVtbl->HrGetView(td, (LPSSortOrderSet)&cat, NULL, 0, &v), MAPI_E_TOO_COMPLEX);
    cr_assert_eq(td->lpVtbl->HrGetView(td, (LPSSortOrderSet)&bad, NULL, 0, &v),
        MAPI_E_INVALID_PARAMETER);
    cr_assert_null(v);
    cr_assert_eq(fx_put(td, 1, "one", 1), S_OK);
    cr_assert_eq(td->lpVtbl->HrGetView(td, NULL, on_release, 0x1234, &v), S_OK);
    released = 0;
    /* The view keeps the data alive; the callback releases the last outside reference. */
    v->lpVtbl->AddRef(v);
    cr_assert_eq(v->lpVtbl->Release(v), 1);
    cr_assert_eq(released, 0);
    cr_assert_str_eq(fx_ids(v), "1");
    cr_assert_eq(v->lpVtbl->Release(v), 0);
    cr_assert_eq(released, 1);
    cr_assert_eq(released_data, 0x1234);
    cr_assert_eq(released_td, td);
    cr_assert_eq(released_view, v);
    MAPIRT_LEAK_CHECK();
}

Test(tabledata, notify_sends_modified)
{
    LPTABLEDATA td = fx_table();
    LPMAPITABLE v = fx_view(td);
    struct fx_rec rec;
    SPropValue key[2] = {{T_NUM, 0, {.l = 0}}, {T_ID, 0, {.l = 2}}};

    for (int i = 1; i <= 3; i++)
        cr_assert_eq(fx_put(td, i, NULL, i), S_OK);
    fx_advise(v, &rec);
    cr_assert_eq(td->lpVtbl->HrNotify(td, 0, 2, key), S_OK);
    cr_assert_eq(rec.n, 1);
    cr_assert_eq(rec.ev[0].event, TABLE_ROW_MODIFIED);
    cr_assert_eq(rec.ev[0].id, 2);
    cr_assert(fx_key_is(&rec.ev[0], v, 2));
    cr_assert(fx_prior_is(&rec.ev[0], v, 1));
    cr_assert_eq(td->lpVtbl->HrNotify(td, 1, 2, key), MAPI_E_UNKNOWN_FLAGS);
    cr_assert_eq(td->lpVtbl->HrNotify(td, 0, 1, key), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(td->lpVtbl->HrNotify(td, 0, 1, NULL), MAPI_E_INVALID_PARAMETER);
    key[1].Value.l = 9;
    cr_assert_eq(td->lpVtbl->HrNotify(td, 0, 2, key), MAPI_E_NOT_FOUND);
    cr_assert_eq(rec.n, 1);
    v->lpVtbl->Release(v);
    td->lpVtbl->Release(td);
    MAPIRT_LEAK_CHECK();
}

/* ---- columns and reading -------------------------------------------------------------- */

static LPTABLEDATA five_rows(void)
{
    LPTABLEDATA td = fx_table();
    const char *names[] = {"a", "b", "c", "d", "e"};
    for (int i = 0; i < 5; i++)
        cr_assert_eq(fx_put(td, i + 1, names[i], 10 * (i + 1)), S_OK);
    return td;
}

Test(view, set_columns)
{
    LPTABLEDATA td = five_rows();
    LPMAPITABLE v = fx_view(td);
    SizedSPropTagArray(5, cols) = {5, {T_NUM, PR_NULL, T_DBL, T_ID, PROP_TAG(PT_UNSPECIFIED, 0x6701)}};
    LPSPropTagArray q;
    LPSRowSet rows;

    cr_assert_eq(fx_put(td, 3, NULL, 30), S_OK); /* row 3 loses its name */
    cr_assert_eq(v->lpVtbl->SetColumns(v, (LPSPropTagArray)&cols, TBL_BATCH), S_OK);
    cr_assert_eq(v->lpVtbl->QueryColumns(v, 0, &q), S_OK);
    cr_assert_eq(q->cValues, 5);
    cr_assert_arr_eq(q->aulPropTag, cols.aulPropTag, sizeof(ULONG) * 5);
    MAPIFreeBuffer(q);
    cr_assert_eq(v->lpVtbl->QueryRows(v, 3, 0, &rows), S_OK);
    cr_assert_eq(rows->cRows, 3);
    for (ULONG i = 0; i < 3; i++) {
        const SRow *r = &rows->aRow[i];
        cr_assert_eq(r->cValues, 5);
        cr_assert_eq(r->lpProps[0].ulPropTag, T_NUM);
        cr_assert_eq(r->lpProps[0].Value.l, 10 * (LONG)(i + 1));
        cr_assert_eq(r->lpProps[1].ulPropTag, PR_NULL);
        cr_assert_eq(r->lpProps[2].ulPropTag, PROP_TAG(PT_ERROR, 0x6706));
        cr_assert_eq(r->lpProps[2].Value.err, MAPI_E_NOT_FOUND);
        cr_assert_eq(r->lpProps[3].ulPropTag, T_ID);
        cr_assert_eq(r->lpProps[3].Value.l, (LONG)i + 1);
        if (i == 2) {
            cr_assert_eq(r->lpProps[4].ulPropTag, PROP_TAG(PT_ERROR, 0x6701));
        } else {
            cr_assert_eq(r->lpProps[4].ulPropTag, T_NAME, "PT_UNSPECIFIED takes the row's type");
            cr_assert_str_eq(r->lpProps[4].Value.lpszA, i ? "b" : "a");
        }
        /* Each row is its own MAPI buffer. */
        if (i)
            cr_assert_neq(r->lpProps, rows->aRow[i - 1].lpProps);
    }
    FreeProws(rows);

    SizedSPropTagArray(1, bad) = {1, {PROP_TAG(PT_ERROR, 1)}};
    SizedSPropTagArray(1, inst) = {1, {PROP_TAG(PT_LONG | MV_INSTANCE, 0x6700)}};
    SPropTagArray none = {0, {0}};
    cr_assert_eq(v->lpVtbl->SetColumns(v, NULL, 0), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(v->lpVtbl->SetColumns(v, &none, 0), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(v->lpVtbl->SetColumns(v, (LPSPropTagArray)&bad, 0), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(v->lpVtbl->SetColumns(v, (LPSPropTagArray)&inst, 0), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(v->lpVtbl->SetColumns(v, (LPSPropTagArray)&cols, 4), MAPI_E_UNKNOWN_FLAGS);
    cr_assert_eq(fx_current(v), 4, "SetColumns without expansion keeps the cursor");
    v->lpVtbl->Release(v);
    td->lpVtbl->Release(td);
    MAPIRT_LEAK_CHECK();
}

Test(view, query_rows_forward_and_backward)
{
    LPTABLEDATA td = five_rows();
    LPMAPITABLE v = fx_view(td);
    LONG ids[8];
    LPSRowSet rows;

    cr_assert_eq(fx_read_ids(v, ids, 2), 2);
    cr_assert_eq(ids[0], 1);
    cr_assert_eq(ids[1], 2);
    cr_assert_eq(fx_current(v), 3);
    /* Backwards: the start moves back, rows come in forward order, the cursor ends after them. */
    cr_assert_eq(v->lpVtbl->QueryRows(v, -2, 0, &rows), S_OK);
    cr_assert_eq(rows->cRows, 2);
    const SRow *ar = rows->aRow;
    cr_assert_eq(fx_prop(&ar[0], T_ID)->Value.l, 1);
    cr_assert_eq(fx_prop(&ar[1], T_ID)->Value.l, 2);
    FreeProws(rows);
    cr_assert_eq(fx_current(v), 3);
    cr_assert_eq(v->lpVtbl->QueryRows(v, -5, TBL_NOADVANCE, &rows), S_OK);
    cr_assert_eq(rows->cRows, 2, "only two rows before the cursor");
    FreeProws(rows);
    cr_assert_eq(fx_current(v), 1, "TBL_NOADVANCE leaves the cursor on the first row returned");
    cr_assert_eq(v->lpVtbl->QueryRows(v, -1, 0, &rows), S_OK);
    cr_assert_eq(rows->cRows, 0, "nothing before the first row");
    FreeProws(rows);
    cr_assert_eq(v->lpVtbl->QueryRows(v, 100, TBL_NOADVANCE, &rows), S_OK);
    cr_assert_eq(rows->cRows, 5);
    FreeProws(rows);
    cr_assert_eq(v->lpVtbl->QueryRows(v, 0x7fffffff, 0, &rows), S_OK);
    cr_assert_eq(rows->cRows, 5);
    FreeProws(rows);
    cr_assert_eq(v->lpVtbl->QueryRows(v, 3, 0, &rows), S_OK);
    cr_assert_eq(rows->cRows, 0, "nothing after the last row");
    FreeProws(rows);
    cr_assert_eq(v->lpVtbl->QueryRows(v, (LONG)0x80000000, 0, &rows), S_OK);
    cr_assert_eq(rows->cRows, 5);
    FreeProws(rows);
    cr_assert_eq(v->lpVtbl->QueryRows(v, 0, 0, &rows), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(v->lpVtbl->QueryRows(v, 1, 0, NULL), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(v->lpVtbl->QueryRows(v, 1, 2, &rows), MAPI_E_UNKNOWN_FLAGS);
    v->lpVtbl->Release(v);
    td->lpVtbl->Release(td);
    MAPIRT_LEAK_CHECK();
}

Test(view, seek_and_position)
{
    LPTABLEDATA td = five_rows();
    LPMAPITABLE v = fx_view(td);
    LONG sought = 0;
    ULONG row, num, den;

    cr_assert_eq(v->lpVtbl->SeekRow(v, BOOKMARK_BEGINNING, 2, &sought), S_OK);
    cr_assert_eq(sought, 2);
    cr_assert_eq(fx_current(v), 3);
    cr_assert_eq(v->lpVtbl->SeekRow(v, BOOKMARK_CURRENT, -1, &sought), S_OK);
    cr_assert_eq(sought, -1);
    cr_assert_eq(fx_current(v), 2);
    cr_assert_eq(v->lpVtbl->SeekRow(v, BOOKMARK_CURRENT, -10, &sought), S_OK);
    cr_assert_eq(sought, -1, "stops at the first row");
    cr_assert_eq(v->lpVtbl->SeekRow(v, BOOKMARK_END, -2, &sought), S_OK);
    cr_assert_eq(sought, -2);
    cr_assert_eq(fx_current(v), 4);
    cr_assert_eq(v->lpVtbl->SeekRow(v, BOOKMARK_CURRENT, 10, &sought), S_OK);
    cr_assert_eq(sought, 2, "stops after the last row");
    cr_assert_eq(fx_current(v), -2);
    cr_assert_eq(v->lpVtbl->SeekRow(v, BOOKMARK_END, 5, NULL), S_OK);
    cr_assert_eq(v->lpVtbl->SeekRow(v, 12345, 0, NULL), MAPI_E_INVALID_BOOKMARK);

    cr_assert_eq(v->lpVtbl->QueryPosition(v, &row, &num, &den), S_OK);
    cr_assert_eq(row, 5);
    cr_assert_eq(num, den);
    cr_assert_eq(v->lpVtbl->SeekRowApprox(v, 2, 5), S_OK);
    cr_assert_eq(fx_current(v), 3);
    cr_assert_eq(v->lpVtbl->QueryPosition(v, &row, &num, &den), S_OK);
    cr_assert_eq(row, 2);
    cr_assert_eq(num, 2);
    cr_assert_eq(den, 5);
    cr_assert_eq(v->lpVtbl->SeekRowApprox(v, 0, 7), S_OK);
    cr_assert_eq(fx_current(v), 1);
    cr_assert_eq(v->lpVtbl->SeekRowApprox(v, 9, 9), S_OK);
    cr_assert_eq(fx_current(v), -2);
    cr_assert_eq(v->lpVtbl->SeekRowApprox(v, 1, 0), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(v->lpVtbl->SeekRowApprox(v, 3, 2), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(v->lpVtbl->QueryPosition(v, NULL, &num, &den), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(v->lpVtbl->QueryPosition(v, &row, NULL, &den), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(v->lpVtbl->QueryPosition(v, &row, &num, NULL), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(v->lpVtbl->GetRowCount(v, 0, &row), S_OK);
    cr_assert_eq(row, 5);
    cr_assert_eq(v->lpVtbl->GetRowCount(v, 1, &row), MAPI_E_UNKNOWN_FLAGS);
    cr_assert_eq(v->lpVtbl->GetRowCount(v, 0, NULL), MAPI_E_INVALID_PARAMETER);

    /* An empty view: the denominator is never zero. */
    cr_assert_eq(td->lpVtbl->HrDeleteRows(td, TAD_ALL_ROWS, NULL, &row), S_OK);
    cr_assert_eq(v->lpVtbl->QueryPosition(v, &row, &num, &den), S_OK);
    cr_assert_eq(row, 0);
    cr_assert_eq(den, 1);
    v->lpVtbl->Release(v);
    td->lpVtbl->Release(td);
    MAPIRT_LEAK_CHECK();
}

Test(view, bookmarks)
{
    LPTABLEDATA td = five_rows();
    LPMAPITABLE v = fx_view(td);
    BOOKMARK b1, b2;
    LONG sought;

    cr_assert_eq(v->lpVtbl->SeekRow(v, BOOKMARK_BEGINNING, 1, NULL), S_OK);
    cr_assert_eq(v->lpVtbl->CreateBookmark(v, &b1), S_OK);
    cr_assert_gt(b1, BOOKMARK_END);
    cr_assert_eq(v->lpVtbl->SeekRow(v, BOOKMARK_END, 0, NULL), S_OK);
    cr_assert_eq(v->lpVtbl->CreateBookmark(v, &b2), S_OK);
    cr_assert_neq(b1, b2);
    cr_assert_eq(v->lpVtbl->SeekRow(v, b1, 1, &sought), S_OK);
    cr_assert_eq(sought, 1);
    cr_assert_eq(fx_current(v), 3);
    cr_assert_eq(v->lpVtbl->SeekRow(v, b2, -1, NULL), S_OK);
    cr_assert_eq(fx_current(v), 5);

    /* The bookmarked row goes away: the bookmark moves to the next row and says so once. */
    cr_assert_eq(fx_del(td, 2), S_OK);
    cr_assert_eq(v->lpVtbl->SeekRow(v, b1, 0, NULL), MAPI_W_POSITION_CHANGED);
    cr_assert_eq(fx_current(v), 3);
    cr_assert_eq(v->lpVtbl->SeekRow(v, b1, 0, NULL), S_OK);
    /* A bookmark on a modified row follows it. */
    cr_assert_eq(fx_put(td, 3, "c2", 31), S_OK);
    cr_assert_eq(v->lpVtbl->SeekRow(v, b1, 0, NULL), S_OK);
    cr_assert_eq(fx_current(v), 3);

    cr_assert_eq(v->lpVtbl->FreeBookmark(v, b1), S_OK);
    cr_assert_eq(v->lpVtbl->SeekRow(v, b1, 0, NULL), MAPI_E_INVALID_BOOKMARK);
    cr_assert_eq(v->lpVtbl->FreeBookmark(v, b1), MAPI_E_INVALID_BOOKMARK);
    cr_assert_eq(v->lpVtbl->FreeBookmark(v, BOOKMARK_BEGINNING), S_OK);
    cr_assert_eq(v->lpVtbl->FreeBookmark(v, BOOKMARK_CURRENT), S_OK);
    cr_assert_eq(v->lpVtbl->FreeBookmark(v, BOOKMARK_END), S_OK);
    cr_assert_eq(v->lpVtbl->CreateBookmark(v, NULL), MAPI_E_INVALID_PARAMETER);

    /* Restrict and SortTable discard every bookmark. */
    SizedSSortOrderSet(1, sort) = {1, 0, 0, {{T_NUM, TABLE_SORT_DESCEND}}};
    cr_assert_eq(v->lpVtbl->SortTable(v, (LPSSortOrderSet)&sort, 0), S_OK);
    cr_assert_eq(v->lpVtbl->SeekRow(v, b2, 0, NULL), MAPI_E_INVALID_BOOKMARK);
    cr_assert_eq(v->lpVtbl->CreateBookmark(v, &b2), S_OK);
    cr_assert_eq(v->lpVtbl->Restrict(v, NULL, 0), S_OK);
    cr_assert_eq(v->lpVtbl->SeekRow(v, b2, 0, NULL), MAPI_E_INVALID_BOOKMARK);
    cr_assert_eq(fx_current(v), 5, "Restrict puts the cursor at the start");

    /* A table may cap its bookmarks. */
    HRESULT hr = S_OK;
    int made = 0;
    for (int i = 0; i < 1000 && hr == S_OK; i++) {
        hr = v->lpVtbl->CreateBookmark(v, &b1);
        made += hr == S_OK;
    }
    cr_assert_eq(hr, MAPI_E_UNABLE_TO_COMPLETE);
    cr_assert_geq(made, 100);
    cr_assert_eq(v->lpVtbl->FreeBookmark(v, b1), S_OK);
    cr_assert_eq(v->lpVtbl->CreateBookmark(v, &b2), S_OK, "freeing makes room");
    cr_assert_neq(b1, b2, "numbers are not reused at once");
    v->lpVtbl->Release(v);
    td->lpVtbl->Release(td);
    MAPIRT_LEAK_CHECK();
}

/* The cursor stays on its row while rows come and go before and after it. */
static void position_kept(LPSSortOrderSet sort, ULONG expect_row)
{
    LPTABLEDATA td = fx_table();
    LPMAPITABLE v = NULL;
    BOOKMARK bk;

    cr_assert_eq(td->lpVtbl->HrGetView(td, sort, NULL, 0, &v), S_OK);
    for (int i = 1; i <= 9; i += 2)
        cr_assert_eq(fx_put(td, i, NULL, i), S_OK); /* 1 3 5 7 9 */
    cr_assert_eq(v->lpVtbl->SeekRow(v, BOOKMARK_BEGINNING, 2, NULL), S_OK);
    cr_assert_eq(fx_current(v), 5);
    cr_assert_eq(v->lpVtbl->SeekRow(v, BOOKMARK_END, 0, NULL), S_OK);
    cr_assert_eq(v->lpVtbl->CreateBookmark(v, &bk), S_OK);
    cr_assert_eq(v->lpVtbl->SeekRow(v, BOOKMARK_BEGINNING, 2, NULL), S_OK);

    cr_assert_eq(fx_put(td, 2, NULL, 2), S_OK); /* before */
    cr_assert_eq(fx_current(v), 5);
    cr_assert_eq(fx_put(td, 8, NULL, 8), S_OK); /* after */
    cr_assert_eq(fx_current(v), 5);
    cr_assert_eq(fx_del(td, 1), S_OK); /* before */
    cr_assert_eq(fx_current(v), 5);
    cr_assert_eq(fx_del(td, 9), S_OK); /* after */
    cr_assert_eq(fx_current(v), 5);
    cr_assert_eq(fx_put(td, 3, NULL, 3), S_OK); /* a modified row before */
    cr_assert_eq(fx_current(v), 5);
    cr_assert_eq(fx_put(td, 5, "x", 5), S_OK); /* the row itself */
    cr_assert_eq(fx_current(v), 5);
    cr_assert_eq(fx_del(td, 5), S_OK); /* the row itself: the next one */
    cr_assert_eq(fx_current(v), 7);
    ULONG row, num, den;
    cr_assert_eq(v->lpVtbl->QueryPosition(v, &row, &num, &den), S_OK);
    cr_assert_eq(row, expect_row);
    cr_assert_eq(v->lpVtbl->SeekRow(v, bk, 0, NULL), S_OK);
    cr_assert_eq(fx_current(v), -2, "a bookmark at the end stays at the end");
    v->lpVtbl->Release(v);
    td->lpVtbl->Release(td);
    MAPIRT_LEAK_CHECK();
}

Test(view, position_kept_unsorted)
{
    position_kept(NULL, 1); /* 3 7 2 8: new rows go to the end of table order */
}

Test(view, position_kept_sorted)
{
    SizedSSortOrderSet(1, sort) = {1, 0, 0, {{T_NUM, TABLE_SORT_ASCEND}}};
    position_kept((LPSSortOrderSet)&sort, 2); /* 2 3 7 8 */
}

Test(view, cursor_follows_a_row_that_moves)
{
    LPTABLEDATA td = fx_table();
    SizedSSortOrderSet(1, sort) = {1, 0, 0, {{T_NUM, TABLE_SORT_ASCEND}}};
    LPMAPITABLE v = NULL;

    cr_assert_eq(td->lpVtbl->HrGetView(td, (LPSSortOrderSet)&sort, NULL, 0, &v), S_OK);
    for (int i = 1; i <= 5; i++)
        cr_assert_eq(fx_put(td, i, NULL, i * 10), S_OK);
    cr_assert_eq(v->lpVtbl->SeekRow(v, BOOKMARK_BEGINNING, 1, NULL), S_OK);
    cr_assert_eq(fx_current(v), 2);
    cr_assert_eq(fx_put(td, 2, NULL, 45), S_OK);
    cr_assert_str_eq(fx_ids(v), "1 3 4 2 5");
    cr_assert_eq(fx_current(v), 2);
    ULONG row, num, den;
    cr_assert_eq(v->lpVtbl->QueryPosition(v, &row, &num, &den), S_OK);
    cr_assert_eq(row, 3);
    v->lpVtbl->Release(v);
    td->lpVtbl->Release(td);
    MAPIRT_LEAK_CHECK();
}

/* ---- notifications -------------------------------------------------------------------- */

Test(notify, row_events)
{
    LPTABLEDATA td = fx_table();
    LPMAPITABLE v = fx_view(td);
    struct fx_rec rec;

    cr_assert_eq(fx_put(td, 1, "a", 1), S_OK);
    fx_advise(v, &rec);
    cr_assert_eq(fx_put(td, 2, "b", 2), S_OK);
    cr_assert_eq(rec.n, 1);
    cr_assert_eq(rec.ev[0].event, TABLE_ROW_ADDED);
    cr_assert_eq(rec.ev[0].hr, S_OK);
    cr_assert_eq(rec.ev[0].ncols, 3, "the row comes in the view's columns");
    cr_assert_eq(rec.ev[0].id, 2);
    cr_assert(fx_key_is(&rec.ev[0], v, 2));
    cr_assert(fx_prior_is(&rec.ev[0], v, 1));

    SPropValue p = {T_ID, 0, {.l = 0}};
    SRow row = {0, 1, &p};
    cr_assert_eq(td->lpVtbl->HrInsertRow(td, 0, &row), S_OK);
    cr_assert_eq(rec.n, 2);
    cr_assert_eq(rec.ev[1].event, TABLE_ROW_ADDED);
    cr_assert_eq(rec.ev[1].id, 0);
    cr_assert(fx_prior_is(&rec.ev[1], v, -1), "the first row has PR_NULL before it");

    cr_assert_eq(fx_put(td, 2, "B", 2), S_OK);
    cr_assert_eq(rec.n, 3);
    cr_assert_eq(rec.ev[2].event, TABLE_ROW_MODIFIED);
    cr_assert_eq(rec.ev[2].id, 2);
    cr_assert(fx_key_is(&rec.ev[2], v, 2), "the instance key survives a modification");
    cr_assert(fx_prior_is(&rec.ev[2], v, 1));

    BYTE key[80];
    ULONG cb = fx_key_of(v, 1, key);
    cr_assert_eq(fx_del(td, 1), S_OK);
    cr_assert_eq(rec.n, 4);
    cr_assert_eq(rec.ev[3].event, TABLE_ROW_DELETED);
    cr_assert_eq(rec.ev[3].index_cb, cb);
    cr_assert_arr_eq(rec.ev[3].index, key, cb);
    cr_assert_eq(rec.ev[3].prior_tag, PR_NULL);
    cr_assert_eq(rec.ev[3].ncols, 0, "a deleted row carries no data");

    ULONG n;
    cr_assert_eq(td->lpVtbl->HrDeleteRows(td, TAD_ALL_ROWS, NULL, &n), S_OK);
    cr_assert_eq(rec.n, 5);
    cr_assert_eq(rec.ev[4].event, TABLE_RELOAD);
    cr_assert_eq(rec.ev[4].ncols, 0);
    v->lpVtbl->Release(v);
    td->lpVtbl->Release(td);
    MAPIRT_LEAK_CHECK();
}

Test(notify, bulk_changes)
{
    LPTABLEDATA td = fx_table();
    LPMAPITABLE v = fx_view(td);
    struct fx_rec rec;
    SPropValue p[9][2];
    SRowSet *set;

    fx_advise(v, &rec);
    cr_assert_eq(MAPIAllocateBuffer(CbNewSRowSet(9), (void **)&set), S_OK);
    for (int i = 0; i < 9; i++) {
        memset(p[i], 0, sizeof(p[i]));
        p[i][0].ulPropTag = T_ID;
        p[i][0].Value.l = i;
        p[i][1].ulPropTag = T_NUM;
        p[i][1].Value.l = i;
        set->aRow[i] = (SRow){0, 2, p[i]};
    }
    set->cRows = 8;
    cr_assert_eq(td->lpVtbl->HrModifyRows(td, 0, set), S_OK);
    cr_assert_eq(rec.n, 8, "up to eight rows: one event each");
    for (int i = 0; i < 8; i++) {
        cr_assert_eq(rec.ev[i].event, TABLE_ROW_ADDED);
        cr_assert_eq(rec.ev[i].id, i, "in view order");
        cr_assert(fx_prior_is(&rec.ev[i], v, i - 1));
    }
    set->cRows = 9;
    cr_assert_eq(td->lpVtbl->HrModifyRows(td, 0, set), S_OK);
    cr_assert_eq(rec.n, 9, "more than eight: one TABLE_CHANGED");
    cr_assert_eq(rec.ev[8].event, TABLE_CHANGED);
    cr_assert_eq(rec.ev[8].index_tag, PR_NULL);
    cr_assert_eq(fx_count(v), 9);
    ULONG n;
    set->cRows = 3;
    cr_assert_eq(td->lpVtbl->HrDeleteRows(td, 0, set, &n), S_OK);
    cr_assert_eq(n, 3);
    cr_assert_eq(rec.n, 12);
    for (int i = 9; i < 12; i++)
        cr_assert_eq(rec.ev[i].event, TABLE_ROW_DELETED);
    MAPIFreeBuffer(set);
    v->lpVtbl->Release(v);
    td->lpVtbl->Release(td);
    MAPIRT_LEAK_CHECK();
}

Test(notify, restriction_limits_events)
{
    LPTABLEDATA td = fx_table();
    LPMAPITABLE v = fx_view(td);
    struct fx_rec rec;
    SPropValue ten = {T_NUM, 0, {.l = 10}};
    SRestriction res = {RES_PROPERTY, {.resProperty = {RELOP_GE, T_NUM, &ten}}};

    cr_assert_eq(v->lpVtbl->Restrict(v, &res, 0), S_OK);
    fx_advise(v, &rec);
    cr_assert_eq(fx_put(td, 1, NULL, 5), S_OK);
    cr_assert_eq(rec.n, 0, "a row outside the restriction is not announced");
    cr_assert_eq(fx_put(td, 1, NULL, 15), S_OK);
    cr_assert_eq(rec.n, 1);
    cr_assert_eq(rec.ev[0].event, TABLE_ROW_ADDED, "a row entering the view is added");
    cr_assert_eq(fx_put(td, 1, NULL, 16), S_OK);
    cr_assert_eq(rec.ev[1].event, TABLE_ROW_MODIFIED);
    cr_assert_eq(fx_put(td, 1, NULL, 6), S_OK);
    cr_assert_eq(rec.n, 3);
    cr_assert_eq(rec.ev[2].event, TABLE_ROW_DELETED, "a row leaving the view is deleted");
    cr_assert_eq(fx_del(td, 1), S_OK);
    cr_assert_eq(rec.n, 3);
    v->lpVtbl->Release(v);
    td->lpVtbl->Release(td);
    MAPIRT_LEAK_CHECK();
}

Test(notify, advise_unadvise)
{
    LPTABLEDATA td = fx_table();
    LPMAPITABLE v = fx_view(td), other = fx_view(td);
    struct fx_rec rec, rec2;
    LPMAPIADVISESINK sink;
    ULONG_PTR conn = 0;

    cr_assert_eq(HrAllocAdviseSink(fx_rec_cb, &rec, &sink), S_OK);
    cr_assert_eq(v->lpVtbl->Advise(v, fnevObjectModified, sink, &conn), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(v->lpVtbl->Advise(v, fnevTableModified | fnevCriticalError, sink, &conn),
        MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(v->lpVtbl->Advise(v, 0, sink, &conn), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(v->lpVtbl->Advise(v, fnevTableModified, NULL, &conn), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(v->lpVtbl->Advise(v, fnevTableModified, sink, NULL), MAPI_E_INVALID_PARAMETER);
    sink->lpVtbl->Release(sink);

    ULONG_PTR c1 = fx_advise(v, &rec);
    ULONG_PTR c2 = fx_advise(other, &rec2);
    cr_assert_eq(fx_put(td, 1, NULL, 1), S_OK);
    cr_assert_eq(rec.n, 1);
    cr_assert_eq(rec2.n, 1, "every view hears about the change");
    cr_assert_eq(v->lpVtbl->Unadvise(v, c2), MAPI_E_NOT_FOUND, "a connection of another view");
    cr_assert_eq(v->lpVtbl->Unadvise(v, c1), S_OK);
    cr_assert_eq(v->lpVtbl->Unadvise(v, c1), MAPI_E_NOT_FOUND);
    cr_assert_eq(fx_put(td, 2, NULL, 2), S_OK);
    cr_assert_eq(rec.n, 1);
    cr_assert_eq(rec2.n, 2);
    other->lpVtbl->Release(other);
    v->lpVtbl->Release(v);
    td->lpVtbl->Release(td);
    MAPIRT_LEAK_CHECK();
}

/* A sink that reads the view from inside OnNotify (the table lock must not be held). */
struct reentrant {
    LPMAPITABLE v;
    ULONG seen_count;
    int calls;
};

static LONG reentrant_cb(LPVOID ctx, ULONG c, LPNOTIFICATION n)
{
    struct reentrant *r = ctx;
    (void)c, (void)n;
    r->calls++;
    r->v->lpVtbl->GetRowCount(r->v, 0, &r->seen_count);
    return 0;
}

Test(notify, sink_may_call_back)
{
    LPTABLEDATA td = fx_table();
    LPMAPITABLE v = fx_view(td);
    struct reentrant r = {v, 0, 0};
    LPMAPIADVISESINK sink;
    ULONG_PTR conn;

    cr_assert_eq(HrAllocAdviseSink(reentrant_cb, &r, &sink), S_OK);
    cr_assert_eq(v->lpVtbl->Advise(v, fnevTableModified, sink, &conn), S_OK);
    sink->lpVtbl->Release(sink);
    cr_assert_eq(fx_put(td, 1, NULL, 1), S_OK);
    cr_assert_eq(fx_put(td, 2, NULL, 2), S_OK);
    cr_assert_eq(r.calls, 2);
    cr_assert_eq(r.seen_count, 2, "the sink sees the change already made");
    v->lpVtbl->Release(v);
    td->lpVtbl->Release(td);
    MAPIRT_LEAK_CHECK();
}

/* ---- the rest of IMAPITable ----------------------------------------------------------- */

Test(view, status_errors_and_no_categories)
{
    LPTABLEDATA td = five_rows();
    LPMAPITABLE v = fx_view(td);
    LPMAPIERROR err = (LPMAPIERROR)0x1;
    ULONG status = 99;
    LPSSortOrderSet sort;

    cr_assert_eq(v->lpVtbl->GetStatus(v, NULL, &status), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(v->lpVtbl->GetStatus(v, &status, NULL), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(v->lpVtbl->Abort(v), S_OK);
    cr_assert_eq(v->lpVtbl->WaitForCompletion(v, 0, 100, &status), S_OK);
    cr_assert_eq(status, TBLSTAT_COMPLETE);
    cr_assert_eq(v->lpVtbl->WaitForCompletion(v, 0, 0xFFFFFFFF, NULL), S_OK);
    cr_assert_eq(v->lpVtbl->WaitForCompletion(v, 1, 0, NULL), MAPI_E_UNKNOWN_FLAGS);

    /* Categories are not supported: well-formed calls answer MAPI_E_NO_SUPPORT, malformed ones
     * are refused by the validation layer first. */
    ULONG more = 0, cbState = 0;
    LPBYTE state = NULL;
    BOOKMARK bk = 0;
    BYTE key[4] = {0};
    cr_assert_eq(v->lpVtbl->ExpandRow(v, 0, NULL, 0, 0, NULL, &more), MAPI_E_NO_SUPPORT);
    cr_assert_eq(v->lpVtbl->ExpandRow(v, 0, NULL, 0, 0, NULL, NULL), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(v->lpVtbl->CollapseRow(v, 4, key, 0, &more), MAPI_E_NO_SUPPORT);
    cr_assert_eq(v->lpVtbl->GetCollapseState(v, 0, 4, key, &cbState, &state), MAPI_E_NO_SUPPORT);
    cr_assert_eq(v->lpVtbl->SetCollapseState(v, 0, 4, key, &bk), MAPI_E_NO_SUPPORT);

    /* GetLastError describes the last failure, in either character width. */
    cr_assert_eq(v->lpVtbl->SeekRow(v, 777, 0, NULL), MAPI_E_INVALID_BOOKMARK);
    cr_assert_eq(v->lpVtbl->GetLastError(v, MAPI_E_INVALID_BOOKMARK, 0, &err), S_OK);
    cr_assert_not_null(err);
    cr_assert_eq(err->ulVersion, 0);
    cr_assert_not_null(strstr((char *)err->lpszError, "bookmark"));
    cr_assert_not_null(strstr((char *)err->lpszComponent, "table"));
    MAPIFreeBuffer(err);
    cr_assert_eq(v->lpVtbl->GetLastError(v, MAPI_E_INVALID_BOOKMARK, MAPI_UNICODE, &err), S_OK);
    cr_assert_not_null(err);
    const WCHAR *w = (const WCHAR *)err->lpszError;
    cr_assert_eq(w[0], (WCHAR)'S', "UTF-16 text");
    MAPIFreeBuffer(err);
    cr_assert_eq(v->lpVtbl->GetLastError(v, MAPI_E_NOT_FOUND, 0, &err), S_OK);
    cr_assert_null(err, "nothing to say about another error");
    cr_assert_eq(v->lpVtbl->GetLastError(v, S_OK, 0, &err), S_OK);
    cr_assert_null(err);
    cr_assert_eq(v->lpVtbl->GetLastError(v, MAPI_E_INVALID_BOOKMARK, 2, &err), MAPI_E_UNKNOWN_FLAGS);
    cr_assert_eq(v->lpVtbl->GetLastError(v, MAPI_E_INVALID_BOOKMARK, 0, NULL),
        MAPI_E_INVALID_PARAMETER);

    cr_assert_eq(v->lpVtbl->QuerySortOrder(v, &sort), S_OK);
    cr_assert_eq(sort->cSorts, 0);
    MAPIFreeBuffer(sort);
    cr_assert_eq(v->lpVtbl->QuerySortOrder(v, NULL), MAPI_E_INVALID_PARAMETER);
    v->lpVtbl->Release(v);
    td->lpVtbl->Release(td);
    MAPIRT_LEAK_CHECK();
}

/* ---- out of memory -------------------------------------------------------------------- */

/* A table with rows 1..5 and three views: plain, sorted descending with a restriction, and one
 * expanding a multi-valued column. */
struct oomfx {
    LPTABLEDATA td;
    LPMAPITABLE v[3];
};

static void oomfx_open(struct oomfx *f)
{
    SizedSSortOrderSet(2, sort) = {2, 0, 0, {{T_NUM, TABLE_SORT_DESCEND}, {T_ID, TABLE_SORT_ASCEND}}};
    SizedSPropTagArray(3, mvcols) = {3, {T_ID, MVI_PROP(T_MV), PR_INSTANCE_KEY}};
    SPropValue lim = {T_NUM, 0, {.l = 100}};
    SRestriction res = {RES_PROPERTY, {.resProperty = {RELOP_LT, T_NUM, &lim}}};

    f->td = five_rows();
    f->v[0] = fx_view(f->td);
    cr_assert_eq(f->td->lpVtbl->HrGetView(f->td, (LPSSortOrderSet)&sort, NULL, 0, &f->v[1]), S_OK);
    cr_assert_eq(f->v[1]->lpVtbl->Restrict(f->v[1], &res, 0), S_OK);
    f->v[2] = fx_view(f->td);
    cr_assert_eq(f->v[2]->lpVtbl->SetColumns(f->v[2], (LPSPropTagArray)&mvcols, 0), S_OK);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(f->v[i]->lpVtbl->SeekRow(f->v[i], BOOKMARK_BEGINNING, 2, NULL), S_OK);
}

static void oomfx_close(struct oomfx *f)
{
    for (int i = 0; i < 3; i++)
        f->v[i]->lpVtbl->Release(f->v[i]);
    f->td->lpVtbl->Release(f->td);
}

static void oomfx_unchanged(struct oomfx *f, const char *ids0, const char *ids1)
{
    cr_assert_str_eq(fx_ids(f->v[0]), ids0);
    cr_assert_str_eq(fx_ids(f->v[1]), ids1);
    cr_assert_eq(fx_count(f->v[2]), 5);
}

Test(table_oom, modify_row)
{
    struct oomfx f;
    HRESULT hr;
    LPSTR mv[2] = {"x", "y"};
    SPropValue p[3] = {{T_ID, 0, {.l = 9}}, {T_NUM, 0, {.l = 35}},
        {T_MV, 0, {.MVszA = {2, mv}}}};
    SRow row = {0, 3, p};

    oomfx_open(&f);
    OOM_LOOP(hr,
        if (FAILED(hr = f.td->lpVtbl->HrModifyRow(f.td, &row)))
            oomfx_unchanged(&f, "1 2 3 4 5", "5 4 3 2 1"),
        (void)0);
    cr_assert_gt(oom_points, 5);
    cr_assert_str_eq(fx_ids(f.v[0]), "1 2 3 4 5 9");
    cr_assert_str_eq(fx_ids(f.v[1]), "5 4 9 3 2 1");
    cr_assert_eq(fx_count(f.v[2]), 7, "two instances for two values");
    cr_assert_eq(fx_current(f.v[1]), 3, "the cursor stays on row 3");

    /* and a modification of an existing row */
    p[0].Value.l = 2;
    p[1].Value.l = 55;
    OOM_LOOP(hr,
        if (FAILED(hr = f.td->lpVtbl->HrModifyRow(f.td, &row)))
            cr_assert_str_eq(fx_ids(f.v[1]), "5 4 9 3 2 1"),
        (void)0);
    cr_assert_str_eq(fx_ids(f.v[1]), "2 5 4 9 3 1");
    oomfx_close(&f);
    MAPIRT_LEAK_CHECK();
}

Test(table_oom, modify_rows_insert_delete)
{
    struct oomfx f;
    HRESULT hr;
    SPropValue p[3][2];
    SRowSet *set;
    ULONG n;

    oomfx_open(&f);
    cr_assert_eq(MAPIAllocateBuffer(CbNewSRowSet(3), (void **)&set), S_OK);
    for (int i = 0; i < 3; i++) {
        memset(p[i], 0, sizeof(p[i]));
        p[i][0].ulPropTag = T_ID;
        p[i][0].Value.l = i == 0 ? 3 : 10 + i;
        p[i][1].ulPropTag = T_NUM;
        p[i][1].Value.l = 7 + i;
        set->aRow[i] = (SRow){0, 2, p[i]};
    }
    set->cRows = 3;
    OOM_LOOP(hr,
        if (FAILED(hr = f.td->lpVtbl->HrModifyRows(f.td, 0, set)))
            oomfx_unchanged(&f, "1 2 3 4 5", "5 4 3 2 1"),
        (void)0);
    cr_assert_gt(oom_points, 5);
    cr_assert_str_eq(fx_ids(f.v[0]), "1 2 3 4 5 11 12");
    cr_assert_str_eq(fx_ids(f.v[1]), "5 4 2 1 12 11 3");

    SPropValue ins = {T_ID, 0, {.l = 20}};
    SRow r = {0, 1, &ins};
    OOM_LOOP(hr,
        if (FAILED(hr = f.td->lpVtbl->HrInsertRow(f.td, 1, &r)))
            cr_assert_str_eq(fx_ids(f.v[0]), "1 2 3 4 5 11 12"),
        (void)0);
    cr_assert_str_eq(fx_ids(f.v[0]), "1 20 2 3 4 5 11 12");

    OOM_LOOP(hr,
        if (FAILED(hr = fx_del(f.td, 4)))
            cr_assert_str_eq(fx_ids(f.v[0]), "1 20 2 3 4 5 11 12"),
        (void)0);
    cr_assert_gt(oom_points, 0);
    cr_assert_str_eq(fx_ids(f.v[0]), "1 20 2 3 5 11 12");

    set->cRows = 2; /* rows 3 and 11 */
    OOM_LOOP(hr,
        if (FAILED(hr = f.td->lpVtbl->HrDeleteRows(f.td, 0, set, &n)))
            cr_assert_str_eq(fx_ids(f.v[0]), "1 20 2 3 5 11 12"),
        cr_assert_eq(n, 2));
    cr_assert_str_eq(fx_ids(f.v[0]), "1 20 2 5 12");
    cr_assert_str_eq(fx_ids(f.v[1]), "5 2 1 12", "20 has no T_NUM: outside T_NUM < 100");

    OOM_LOOP(hr, hr = f.td->lpVtbl->HrDeleteRows(f.td, TAD_ALL_ROWS, NULL, &n), cr_assert_eq(n, 5));
    cr_assert_eq(fx_count(f.v[1]), 0);
    MAPIFreeBuffer(set);
    oomfx_close(&f);
    MAPIRT_LEAK_CHECK();
}

Test(table_oom, reads)
{
    struct oomfx f;
    HRESULT hr;
    LPSRow row;
    SPropValue key = {T_ID, 0, {.l = 3}};
    ULONG at;
    LPMAPITABLE v;
    SizedSSortOrderSet(1, sort) = {1, 0, 0, {{T_NAME, TABLE_SORT_DESCEND}}};

    oomfx_open(&f);
    OOM_LOOP(hr, hr = f.td->lpVtbl->HrQueryRow(f.td, &key, &row, &at), MAPIFreeBuffer(row));
    cr_assert_gt(oom_points, 0);
    OOM_LOOP(hr, hr = f.td->lpVtbl->HrEnumRow(f.td, 4, &row), MAPIFreeBuffer(row));
    cr_assert_gt(oom_points, 0);
    OOM_LOOP(hr, hr = f.td->lpVtbl->HrGetView(f.td, (LPSSortOrderSet)&sort, NULL, 0, &v),
        v->lpVtbl->Release(v));
    cr_assert_gt(oom_points, 3);
    oomfx_close(&f);
    MAPIRT_LEAK_CHECK();
}

Test(table_oom, view_methods)
{
    struct oomfx f;
    HRESULT hr;
    LPMAPITABLE v;
    LPSRowSet rows;
    LPSPropTagArray cols;
    LPSSortOrderSet so;
    BOOKMARK bk[8];
    LPMAPIERROR err;
    SizedSPropTagArray(2, mvcols) = {2, {MVI_PROP(T_MV), T_ID}};
    SizedSSortOrderSet(2, sort) = {2, 0, 0, {{T_NAME, TABLE_SORT_ASCEND}, {T_ID, TABLE_SORT_ASCEND}}};
    char pat[] = "^[a-c]$";
    SPropValue re = {T_NAME, 0, {.lpszA = pat}};
    SRestriction res = {RES_PROPERTY, {.resProperty = {RELOP_RE, T_NAME, &re}}};

    oomfx_open(&f);
    v = f.v[1];
    OOM_LOOP(hr, hr = v->lpVtbl->QueryRows(v, 10, TBL_NOADVANCE, &rows), FreeProws(rows));
    cr_assert_gt(oom_points, 2);
    OOM_LOOP(hr, hr = v->lpVtbl->QueryColumns(v, TBL_ALL_COLUMNS, &cols), MAPIFreeBuffer(cols));
    OOM_LOOP(hr, hr = v->lpVtbl->QuerySortOrder(v, &so), MAPIFreeBuffer(so));
    OOM_LOOP(hr,
        if (FAILED(hr = v->lpVtbl->SortTable(v, (LPSSortOrderSet)&sort, 0)))
            cr_assert_str_eq(fx_ids(v), "5 4 3 2 1", "the old order stays"),
        (void)0);
    cr_assert_gt(oom_points, 1);
    cr_assert_str_eq(fx_ids(v), "1 2 3 4 5");
    OOM_LOOP(hr,
        if (FAILED(hr = v->lpVtbl->Restrict(v, &res, 0)))
            cr_assert_str_eq(fx_ids(v), "1 2 3 4 5"),
        (void)0);
    cr_assert_gt(oom_points, 2);
    cr_assert_str_eq(fx_ids(v), "1 2 3");
    OOM_LOOP(hr, hr = v->lpVtbl->FindRow(v, &res, BOOKMARK_BEGINNING, 0), (void)0);
    cr_assert_gt(oom_points, 1);
    OOM_LOOP(hr,
        if (FAILED(hr = v->lpVtbl->SetColumns(v, (LPSPropTagArray)&mvcols, 0)))
            cr_assert_eq(fx_count(v), 3),
        (void)0);
    cr_assert_gt(oom_points, 1);
    cr_assert_eq(fx_count(v), 3);
    for (int i = 0; i < 8; i++) /* past the first growth of the bookmark array */
        OOM_LOOP(hr, hr = v->lpVtbl->CreateBookmark(v, &bk[i]), (void)0);
    cr_assert_eq(v->lpVtbl->SeekRow(v, 999, 0, NULL), MAPI_E_INVALID_BOOKMARK);
    OOM_LOOP(hr, hr = v->lpVtbl->GetLastError(v, MAPI_E_INVALID_BOOKMARK, MAPI_UNICODE, &err),
        MAPIFreeBuffer(err));
    cr_assert_gt(oom_points, 1);
    struct fx_rec rec;
    LPMAPIADVISESINK sink;
    ULONG_PTR conn;
    memset(&rec, 0, sizeof(rec));
    pthread_mutex_init(&rec.mu, NULL);
    cr_assert_eq(HrAllocAdviseSink(fx_rec_cb, &rec, &sink), S_OK);
    OOM_LOOP(hr, hr = v->lpVtbl->Advise(v, fnevTableModified, sink, &conn), (void)0);
    sink->lpVtbl->Release(sink);
    cr_assert_eq(fx_put(f.td, 2, "b", 3), S_OK);
    cr_assert_eq(rec.n, 1);
    oomfx_close(&f);
    MAPIRT_LEAK_CHECK();
}

/* With a listener, running out of memory while describing a change (after the change is made)
 * turns the row events into one TABLE_CHANGED instead of failing the call. */
Test(table_oom, notifications_degrade)
{
    LPTABLEDATA td = five_rows();
    LPMAPITABLE v = fx_view(td);
    struct fx_rec rec;
    int changed = 0, failed = 0;

    fx_advise(v, &rec);
    for (unsigned long n = 1;; n++) {
        int before = rec.n;
        mapirt_test_fail_alloc(n);
        HRESULT hr = fx_put(td, 6, "f", 60);
        unsigned long left = mapirt_test_fail_alloc_pending();
        mapirt_test_fail_alloc(0);
        if (left) {
            cr_assert_eq(hr, S_OK);
            cr_assert_eq(rec.n, before + 1);
            cr_assert_eq(rec.ev[before].event, TABLE_ROW_ADDED);
            break;
        }
        if (hr == S_OK) {
            cr_assert_eq(rec.n, before + 1);
            cr_assert_eq(rec.ev[before].event, TABLE_CHANGED);
            cr_assert_str_eq(fx_ids(v), "1 2 3 4 5 6");
            cr_assert_eq(fx_del(td, 6), S_OK);
            rec.n = before;
            changed++;
        } else {
            cr_assert_eq(hr, MAPI_E_NOT_ENOUGH_MEMORY);
            cr_assert_eq(rec.n, before);
            cr_assert_str_eq(fx_ids(v), "1 2 3 4 5");
            failed++;
        }
    }
    cr_assert_gt(failed, 2);
    cr_assert_gt(changed, 0);

    SPropValue key = {T_ID, 0, {.l = 2}};
    changed = failed = 0;
    for (unsigned long n = 1;; n++) {
        int before = rec.n;
        mapirt_test_fail_alloc(n);
        HRESULT hr = td->lpVtbl->HrNotify(td, 0, 1, &key);
        unsigned long left = mapirt_test_fail_alloc_pending();
        mapirt_test_fail_alloc(0);
        if (left) {
            cr_assert_eq(hr, S_OK);
            cr_assert_eq(rec.ev[before].event, TABLE_ROW_MODIFIED);
            break;
        }
        if (hr == S_OK) {
            cr_assert_eq(rec.ev[before].event, TABLE_CHANGED);
            changed++;
        } else {
            cr_assert_eq(hr, MAPI_E_NOT_ENOUGH_MEMORY);
            cr_assert_eq(rec.n, before);
            failed++;
        }
        rec.n = before;
    }
    cr_assert_gt(failed, 0);
    cr_assert_gt(changed, 0);
    v->lpVtbl->Release(v);
    td->lpVtbl->Release(td);
    MAPIRT_LEAK_CHECK();
}

/* ---- stored instance keys ------------------------------------------------------------- */

Test(tabledata, index_on_pr_instance_key)
{
    SizedSPropTagArray(2, cols) = {2, {PR_INSTANCE_KEY, T_MV}};
    LPTABLEDATA td = NULL;
    LPMAPITABLE v;
    LPSRowSet rows;
    struct fx_rec rec;
    BYTE k1[] = {0xAA, 0x01}, k2[] = {0xBB, 0x02, 0x03};
    LPSTR mv[] = {"x", "y"};
    SPropValue r1[2] = {{PR_INSTANCE_KEY, 0, {.bin = {2, k1}}}, {T_MV, 0, {.MVszA = {2, mv}}}};
    SPropValue r2[1] = {{PR_INSTANCE_KEY, 0, {.bin = {3, k2}}}};
    SRow row1 = {0, 2, r1}, row2 = {0, 1, r2};

    cr_assert_eq(CreateTable(NULL, MAPIAllocateBuffer, MAPIAllocateMore, MAPIFreeBuffer, NULL,
                             TBLTYPE_DYNAMIC, PR_INSTANCE_KEY, (LPSPropTagArray)&cols, &td),
                 S_OK);
    cr_assert_eq(td->lpVtbl->HrModifyRow(td, &row1), S_OK);
    v = fx_view(td);
    fx_advise(v, &rec);
    cr_assert_eq(td->lpVtbl->HrModifyRow(td, &row2), S_OK);
    cr_assert_eq(rec.n, 1);
    cr_assert_eq(rec.ev[0].index_cb, 3, "the stored key is the row's instance key");
    cr_assert_arr_eq(rec.ev[0].index, k2, 3);
    cr_assert_eq(rec.ev[0].prior_cb, 2);
    cr_assert_arr_eq(rec.ev[0].prior, k1, 2);
    cr_assert_eq(td->lpVtbl->HrDeleteRow(td, &r1[0]), S_OK, "the key finds its row");
    cr_assert_eq(rec.ev[1].event, TABLE_ROW_DELETED);
    cr_assert_arr_eq(rec.ev[1].index, k1, 2);
    cr_assert_eq(td->lpVtbl->HrModifyRow(td, &row1), S_OK);

    /* expanded: the stored key plus the instance number */
    SizedSPropTagArray(2, mvcols) = {2, {PR_INSTANCE_KEY, MVI_PROP(T_MV)}};
    cr_assert_eq(v->lpVtbl->SetColumns(v, (LPSPropTagArray)&mvcols, 0), S_OK);
    cr_assert_eq(v->lpVtbl->QueryRows(v, 10, 0, &rows), S_OK);
    cr_assert_eq(rows->cRows, 3);
    const SRow *ar = rows->aRow;
    BYTE want0[] = {0xBB, 0x02, 0x03, 0, 0, 0, 0};
    BYTE want2[] = {0xAA, 0x01, 1, 0, 0, 0};
    cr_assert_eq(ar[0].lpProps[0].Value.bin.cb, 7);
    cr_assert_arr_eq(ar[0].lpProps[0].Value.bin.lpb, want0, 7);
    cr_assert_eq(ar[2].lpProps[0].Value.bin.cb, 6);
    cr_assert_arr_eq(ar[2].lpProps[0].Value.bin.lpb, want2, 6);
    cr_assert_str_eq(ar[2].lpProps[1].Value.lpszA, "y");
    FreeProws(rows);
    v->lpVtbl->Release(v);
    td->lpVtbl->Release(td);
    MAPIRT_LEAK_CHECK();
}
