/* test_mapival.c: mapival.h as a provider uses it: Validate_<I>_<M> in a method body returns
 * the generated validation's error before the body runs; HrValidateParameters with packed
 * arguments; CheckParameters_ in a DEBUG build; the stack-walking forms. */
#define DEBUG
#define ASSERTS_ENABLED
#include <mapival.h>
#include <mapiguid.h>

#include <criterion/criterion.h>
#include <string.h>

#include <mapirt/mapival_impl.h>

static int body_ran;

/* A provider's IMAPITable::SortTable, written as Microsoft's samples write them. */
static HRESULT my_SortTable(LPMAPITABLE This, LPSSortOrderSet lpSortCriteria, ULONG ulFlags)
{
    Validate_IMAPITable_SortTable(This, lpSortCriteria, ulFlags);
    body_ran++;
    return S_OK;
}

static HRESULT my_QueryInterface(LPUNKNOWN This, REFIID riid, LPVOID *ppv)
{
    Validate_IUnknown_QueryInterface(This, riid, ppv);
    body_ran++;
    return S_OK;
}

static HRESULT my_SetProps(LPMAPIPROP This, ULONG cValues, LPSPropValue lpPropArray,
                           LPSPropProblemArray *lppProblems)
{
    Validate_IMAPIProp_SetProps(This, cValues, lpPropArray, lppProblems);
    body_ran++;
    return S_OK;
}

static ULONG my_AddRef(LPUNKNOWN This)
{
    UlValidate_IUnknown_AddRef(This);
    return 2;
}

static HRESULT my_Seek(LPSTREAM This, LARGE_INTEGER move, DWORD origin, ULARGE_INTEGER *pos)
{
    Validate_IStream_Seek(This, move, origin, pos);
    body_ran++;
    return S_OK;
}

Test(mapival, validate_macros_refuse_bad_arguments_before_the_body)
{
    SizedSSortOrderSet(1, sort) = {1, 0, 0, {{PR_SUBJECT_A, TABLE_SORT_ASCEND}}};
    body_ran = 0;
    cr_assert_eq(my_SortTable(NULL, (LPSSortOrderSet)&sort, 0), S_OK);
    cr_assert_eq(my_SortTable(NULL, NULL, 0), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(my_SortTable(NULL, (LPSSortOrderSet)&sort, 0x40000000), MAPI_E_UNKNOWN_FLAGS);
    cr_assert_eq(body_ran, 1);
    LPVOID pv;
    cr_assert_eq(my_QueryInterface(NULL, &IID_IUnknown, &pv), S_OK);
    cr_assert_eq(my_QueryInterface(NULL, &IID_IUnknown, NULL), MAPI_E_INVALID_PARAMETER);
    SPropValue v = {PR_SUBJECT_A, 0, {0}};
    cr_assert_eq(my_SetProps(NULL, 1, &v, NULL), S_OK);
    cr_assert_eq(my_SetProps(NULL, 1, NULL, NULL), MAPI_E_INVALID_PARAMETER, "size_is(cValues)");
    cr_assert_eq(my_AddRef(NULL), 2);
    LARGE_INTEGER li;
    li.QuadPart = -5;
    cr_assert_eq(my_Seek(NULL, li, 1, NULL), S_OK, "a record argument packs and unpacks");
    cr_assert_eq(body_ran, 4);
}

Test(mapival, hr_validate_parameters_directly)
{
    SizedSSortOrderSet(1, sort) = {1, 0, 0, {{PR_SUBJECT_A, TABLE_SORT_ASCEND}}};
    DWORD_PTR args[2] = {(DWORD_PTR)&sort, 0};
    cr_assert_eq(HrValidateParameters(IMAPITable_SortTable, (LPVOID *)args), S_OK);
    args[1] = 0x10;
    cr_assert_eq(HrValidateParameters(IMAPITable_SortTable, (LPVOID *)args), MAPI_E_UNKNOWN_FLAGS);
    cr_assert_eq(HrValidateParameters(IMAPITable_SortTable, NULL), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(HrValidateParameters((METHODS)9999, (LPVOID *)args), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(HrValidateParameters(IUnknown_Release, NULL), S_OK, "nothing to check");
    /* Microsoft's numbering, and MinGW's spelling of IStream's first methods. */
    cr_assert_eq(IUnknown_QueryInterface, 0);
    cr_assert_eq(IMAPIProp_GetLastError, 3);
    cr_assert_eq(IStream_Read, IStream__Read);
    cr_assert_eq(IMAPIAdviseSink_OnNotify, IStream_Clone + 1);
}

static HRESULT checked_from_mapi(LPMAPITABLE This, LPSSortOrderSet lpSortCriteria, ULONG ulFlags)
{
    CheckParameters_IMAPITable_SortTable(This, lpSortCriteria, ulFlags);
    return S_OK;
}

Test(mapival, check_parameters_asserts_in_debug_builds)
{
    /* CheckParameters_ only reports (MAPI promised good arguments): the call goes on. */
    cr_assert_eq(checked_from_mapi(NULL, NULL, 0), S_OK);
}

Test(mapival, stack_walking_forms_check_nothing)
{
    LPVOID self = NULL;
    cr_assert_eq(__ValidateParameters(IMAPIProp_GetProps, &self), MAPI_E_NO_SUPPORT);
    cr_assert_eq(__CPPValidateParameters(IMAPIProp_GetProps, &self), MAPI_E_NO_SUPPORT);
}

static ULONG my_OnNotify(LPMAPIADVISESINK This, ULONG cNotif, LPNOTIFICATION lpNotifications)
{
    UlValidate_IMAPIAdviseSink_OnNotify(This, cNotif, lpNotifications);
    return 0;
}

Test(mapival, the_objects_check_functions_decide)
{
    /* HrValidateParameters answers what the generated check function (the validation layer's)
     * answers, for the same arguments. */
    SizedSSortOrderSet(1, sort) = {1, 0, 0, {{PR_SUBJECT_A, TABLE_SORT_ASCEND}}};
    const struct { LPSSortOrderSet s; ULONG f; } cases[] = {
        {(LPSSortOrderSet)&sort, 0}, {NULL, 0}, {(LPSSortOrderSet)&sort, TBL_BATCH},
        {(LPSSortOrderSet)&sort, 0x100}, {NULL, 0x100}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        DWORD_PTR args[2] = {(DWORD_PTR)cases[i].s, cases[i].f};
        cr_assert_eq(HrValidateParameters(IMAPITable_SortTable, (LPVOID *)args),
                     IMAPITable_SortTable_check(NULL, cases[i].s, cases[i].f), "case %zu", i);
    }
    /* A method that returns a count: UlValidate_ returns the error as a ULONG. */
    NOTIFICATION n;
    memset(&n, 0, sizeof(n));
    cr_assert_eq(my_OnNotify(NULL, 1, &n), 0);
    cr_assert_eq(my_OnNotify(NULL, 0, NULL), 0);
    cr_assert_eq(my_OnNotify(NULL, 1, NULL), (ULONG)MAPI_E_INVALID_PARAMETER);
}
