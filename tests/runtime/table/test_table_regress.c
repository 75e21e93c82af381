/* tests/runtime/table/test_table_regress.c: table bugs found by fuzzing (tests/fuzz/), each
 * pinned here so that it cannot come back. */
#include "tablefixture.h"

#define B_KEY PROP_TAG(PT_BINARY, 0x6720)

static LPTABLEDATA binary_keyed_table(void)
{
    SizedSPropTagArray(1, cols) = {1, {B_KEY}};
    LPTABLEDATA td = NULL;
    cr_assert_eq(CreateTable(&IID_IMAPITableData, MAPIAllocateBuffer, MAPIAllocateMore,
                             MAPIFreeBuffer, NULL, TBLTYPE_DYNAMIC, B_KEY,
                             (LPSPropTagArray)&cols, &td),
                 S_OK);
    BYTE b[] = {1, 2, 3};
    SPropValue k = {.ulPropTag = B_KEY};
    k.Value.bin.cb = sizeof(b);
    k.Value.bin.lpb = b;
    SRow row = {0, 1, &k};
    cr_assert_eq(td->lpVtbl->HrModifyRow(td, &row), S_OK);
    return td;
}

/* A PT_BINARY index value with cb > 0 and no bytes is refused by every method that names a row
 * by its index value, as HrModifyRow refuses it (they used to read through the NULL pointer). */
Test(table_regress, binary_key_without_bytes_is_invalid_everywhere)
{
    LPTABLEDATA td = binary_keyed_table();
    SPropValue k = {.ulPropTag = B_KEY};
    k.Value.bin.cb = 3;
    k.Value.bin.lpb = NULL;
    SRow row = {0, 1, &k};
    struct { ULONG cRows; SRow aRow[1]; } set = {1, {row}};
    LPSRow out = NULL;
    ULONG n = 0;

    cr_expect_eq(td->lpVtbl->HrModifyRow(td, &row), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(td->lpVtbl->HrInsertRow(td, 0, &row), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(td->lpVtbl->HrModifyRows(td, 0, (LPSRowSet)&set), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(td->lpVtbl->HrDeleteRow(td, &k), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(td->lpVtbl->HrDeleteRows(td, 0, (LPSRowSet)&set, &n), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(td->lpVtbl->HrQueryRow(td, &k, &out, NULL), MAPI_E_INVALID_PARAMETER);
    cr_expect_eq(td->lpVtbl->HrNotify(td, 0, 1, &k), MAPI_E_INVALID_PARAMETER);
    cr_expect_null(out);
    td->lpVtbl->Release(td);
}

/* QueryRows with nothing to read computed NULL + ncols, which clang's UndefinedBehaviorSanitizer
 * stops on (the sanitized tests are built with clang for this). */
Test(table_regress, query_rows_on_an_empty_view)
{
    LPTABLEDATA td = fx_table();
    LPMAPITABLE v = NULL;
    cr_assert_eq(td->lpVtbl->HrGetView(td, NULL, NULL, 0, &v), S_OK);
    LPSRowSet rows = NULL;
    cr_assert_eq(v->lpVtbl->QueryRows(v, 10, 0, &rows), S_OK);
    cr_expect_eq(rows->cRows, 0);
    FreeProws(rows);
    rows = NULL;
    cr_assert_eq(HrQueryAllRows(v, NULL, NULL, NULL, 0, &rows), S_OK);
    cr_expect_eq(rows->cRows, 0);
    FreeProws(rows);
    v->lpVtbl->Release(v);
    td->lpVtbl->Release(td);
}

/* A cursor at the beginning of an empty table stays at the beginning when rows arrive: the next
 * QueryRows reads them (it used to return nothing until SeekRow(BOOKMARK_BEGINNING)). */
Test(table_regress, cursor_at_beginning_stays_there_when_rows_are_added)
{
    LPTABLEDATA td = fx_table();
    LPMAPITABLE v = NULL;
    cr_assert_eq(td->lpVtbl->HrGetView(td, NULL, NULL, 0, &v), S_OK);
    cr_assert_eq(fx_put(td, 1, "a", 1), S_OK);
    cr_assert_eq(fx_put(td, 2, "b", 2), S_OK);
    LPSRowSet rows = NULL;
    cr_assert_eq(v->lpVtbl->QueryRows(v, 10, 0, &rows), S_OK);
    cr_expect_eq(rows->cRows, 2);
    FreeProws(rows);

    /* Rows sorted before the first one, with the cursor on it: it stays at the beginning. */
    SizedSSortOrderSet(1, by_num) = {1, 0, 0, {{T_NUM, TABLE_SORT_ASCEND}}};
    cr_assert_eq(v->lpVtbl->SortTable(v, (LPSSortOrderSet)&by_num, 0), S_OK);
    cr_assert_eq(v->lpVtbl->SeekRow(v, BOOKMARK_BEGINNING, 0, NULL), S_OK);
    cr_assert_eq(fx_put(td, 3, "c", 0), S_OK);
    ULONG pos = 99, num = 0, den = 0;
    cr_assert_eq(v->lpVtbl->QueryPosition(v, &pos, &num, &den), S_OK);
    cr_expect_eq(pos, 0);
    cr_assert_eq(v->lpVtbl->QueryRows(v, 1, 0, &rows), S_OK);
    cr_assert_eq(rows->cRows, 1);
    cr_expect_eq(fx_prop(&rows->aRow[0], T_ID)->Value.l, 3, "the new first row");
    FreeProws(rows);

    /* A cursor further down stays on its row. */
    cr_assert_eq(fx_put(td, 4, "d", -1), S_OK);
    cr_assert_eq(v->lpVtbl->QueryPosition(v, &pos, &num, &den), S_OK);
    cr_expect_eq(pos, 2);
    v->lpVtbl->Release(v);
    td->lpVtbl->Release(td);
}
