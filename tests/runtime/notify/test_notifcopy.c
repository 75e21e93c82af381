/* test_notifcopy.c: ScCountNotifications, ScCopyNotifications, ScRelocNotifications over every
 * notification kind. */
#include <mapix.h>
#include <mapiutil.h>
#include <mapicode.h>

#include <criterion/criterion.h>
#include <string.h>

#include <mapirt/strconv.h>

#define NKINDS 12

static BYTE eid1[] = {0, 0, 0, 0, 1, 2, 3, 4, 5}, eid2[] = {0, 0, 0, 0, 9, 9};
static BYTE key[] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
static WCHAR err_text[] = u"disk on fire", err_comp[] = u"store";
static MAPIERROR merr = {0, (LPTSTR)err_text, (LPTSTR)err_comp, 5, 6};
static struct { ULONG cValues; ULONG aulPropTag[2]; } tags = {2, {PROP_TAG(PT_LONG, 1), PROP_TAG(PT_BINARY, 2)}};
static LPSTR classes[] = {"IPM.Note", "IPM.Contact"};
static SPropValue row_props[3];
static SPropValue stat_props[1];
static BYTE ext_params[] = {1, 2, 3};

static int build(NOTIFICATION *n)
{
    memset(n, 0, sizeof(NOTIFICATION) * NKINDS);
    row_props[0] = (SPropValue){PROP_TAG(PT_STRING8, 0x0037), 0, {.lpszA = "subject line"}};
    row_props[1] = (SPropValue){PROP_TAG(PT_ERROR, 0x0E08), 0, {.err = MAPI_E_NOT_FOUND}};
    row_props[2] = (SPropValue){PROP_TAG(PT_MV_STRING8, 0x001A), 0, {.MVszA = {2, classes}}};
    stat_props[0] = (SPropValue){PROP_TAG(PT_UNICODE, 0x3E08), 0, {.lpszW = u"online"}};
    int i = 0;
    n[i].ulEventType = fnevCriticalError;
    n[i].info.err = (ERROR_NOTIFICATION){sizeof(eid1), (LPENTRYID)eid1, MAPI_E_DISK_ERROR, MAPI_UNICODE, &merr};
    i++;
    n[i].ulEventType = fnevNewMail;
    n[i].info.newmail = (NEWMAIL_NOTIFICATION){sizeof(eid1), (LPENTRYID)eid1, sizeof(eid2), (LPENTRYID)eid2,
                                               0, (LPTSTR) "IPM.Note", 1};
    i++;
    ULONG obj_events[] = {fnevObjectCreated, fnevObjectDeleted, fnevObjectModified, fnevObjectMoved,
                          fnevObjectCopied, fnevSearchComplete};
    for (int k = 0; k < 6; k++, i++) {
        n[i].ulEventType = obj_events[k];
        n[i].info.obj = (OBJECT_NOTIFICATION){sizeof(eid1), (LPENTRYID)eid1, 5, sizeof(eid2), (LPENTRYID)eid2,
                                              k == 3 ? sizeof(eid2) : 0, k == 3 ? (LPENTRYID)eid2 : NULL,
                                              0, NULL, k == 2 ? (LPSPropTagArray)&tags : NULL};
    }
    n[i].ulEventType = fnevTableModified;
    n[i].info.tab.ulTableEvent = TABLE_ROW_ADDED;
    n[i].info.tab.propIndex = (SPropValue){PROP_TAG(PT_BINARY, 0x0FF6), 0, {.bin = {sizeof(key), key}}};
    n[i].info.tab.propPrior = (SPropValue){PR_NULL, 0, {.x = 0}};
    n[i].info.tab.row = (SRow){0, 3, row_props};
    i++;
    n[i].ulEventType = fnevTableModified;
    n[i].info.tab.ulTableEvent = TABLE_CHANGED;
    i++;
    n[i].ulEventType = fnevStatusObjectModified;
    n[i].info.statobj = (STATUS_OBJECT_NOTIFICATION){sizeof(eid2), (LPENTRYID)eid2, 1, stat_props};
    i++;
    n[i].ulEventType = fnevExtended;
    n[i].info.ext = (EXTENDED_NOTIFICATION){7, sizeof(ext_params), ext_params};
    i++;
    return i;
}

static bool in(const void *p, const char *lo, const char *hi)
{
    return p == NULL || ((const char *)p >= lo && (const char *)p < hi);
}

static void same_blob(const void *a, const void *b, ULONG cb, const char *lo, const char *hi)
{
    if (cb == 0)
        return;
    cr_assert(in(a, lo, hi), "pointer outside the block");
    cr_assert_neq(a, b);
    cr_assert_eq(memcmp(a, b, cb), 0);
}

static void same_props(const SPropValue *a, const SPropValue *b, ULONG n, const char *lo, const char *hi)
{
    if (n == 0)
        return;
    cr_assert(in(a, lo, hi));
    for (ULONG i = 0; i < n; i++)
        cr_assert_eq(LPropCompareProp((LPSPropValue)&a[i], (LPSPropValue)&b[i]), 0);
}

static void check_copy(const NOTIFICATION *c, const NOTIFICATION *o, int count, const char *lo,
                       const char *hi)
{
    for (int i = 0; i < count; i++) {
        cr_assert_eq(c[i].ulEventType, o[i].ulEventType);
        switch (o[i].ulEventType) {
        case fnevCriticalError: {
            const ERROR_NOTIFICATION *x = &c[i].info.err, *y = &o[i].info.err;
            same_blob(x->lpEntryID, y->lpEntryID, y->cbEntryID, lo, hi);
            cr_assert_eq(x->scode, y->scode);
            cr_assert(in(x->lpMAPIError, lo, hi));
            cr_assert_eq(x->lpMAPIError->ulLowLevelError, 5);
            cr_assert_eq(mapirt_wcscmp((WCHAR *)x->lpMAPIError->lpszError, err_text), 0);
            cr_assert_eq(mapirt_wcscmp((WCHAR *)x->lpMAPIError->lpszComponent, err_comp), 0);
            cr_assert(in(x->lpMAPIError->lpszError, lo, hi));
            break;
        }
        case fnevNewMail: {
            const NEWMAIL_NOTIFICATION *x = &c[i].info.newmail, *y = &o[i].info.newmail;
            same_blob(x->lpEntryID, y->lpEntryID, y->cbEntryID, lo, hi);
            same_blob(x->lpParentID, y->lpParentID, y->cbParentID, lo, hi);
            cr_assert_str_eq((char *)x->lpszMessageClass, (char *)y->lpszMessageClass);
            cr_assert(in(x->lpszMessageClass, lo, hi));
            break;
        }
        case fnevTableModified: {
            const TABLE_NOTIFICATION *x = &c[i].info.tab, *y = &o[i].info.tab;
            cr_assert_eq(x->ulTableEvent, y->ulTableEvent);
            cr_assert_eq(LPropCompareProp((LPSPropValue)&x->propIndex, (LPSPropValue)&y->propIndex), 0);
            if (y->propIndex.ulPropTag == PROP_TAG(PT_BINARY, 0x0FF6))
                same_blob(x->propIndex.Value.bin.lpb, y->propIndex.Value.bin.lpb, sizeof(key), lo, hi);
            cr_assert_eq(x->propPrior.ulPropTag, y->propPrior.ulPropTag);
            cr_assert_eq(x->row.cValues, y->row.cValues);
            same_props(x->row.lpProps, y->row.lpProps, y->row.cValues, lo, hi);
            if (y->row.cValues == 3) {
                cr_assert(in(x->row.lpProps[0].Value.lpszA, lo, hi));
                cr_assert(in(x->row.lpProps[2].Value.MVszA.lppszA[1], lo, hi));
            }
            break;
        }
        case fnevStatusObjectModified: {
            const STATUS_OBJECT_NOTIFICATION *x = &c[i].info.statobj, *y = &o[i].info.statobj;
            same_blob(x->lpEntryID, y->lpEntryID, y->cbEntryID, lo, hi);
            same_props(x->lpPropVals, y->lpPropVals, y->cValues, lo, hi);
            break;
        }
        case fnevExtended:
            cr_assert_eq(c[i].info.ext.ulEvent, 7);
            same_blob(c[i].info.ext.pbEventParameters, o[i].info.ext.pbEventParameters, o[i].info.ext.cb, lo, hi);
            break;
        default: {
            const OBJECT_NOTIFICATION *x = &c[i].info.obj, *y = &o[i].info.obj;
            cr_assert_eq(x->ulObjType, y->ulObjType);
            same_blob(x->lpEntryID, y->lpEntryID, y->cbEntryID, lo, hi);
            same_blob(x->lpParentID, y->lpParentID, y->cbParentID, lo, hi);
            same_blob(x->lpOldID, y->lpOldID, y->cbOldID, lo, hi);
            if (y->lpPropTagArray != NULL)
                same_blob(x->lpPropTagArray, y->lpPropTagArray, sizeof(tags), lo, hi);
            else
                cr_assert_null(x->lpPropTagArray);
            break;
        }
        }
    }
}

Test(notifcopy, count_copy_every_kind)
{
    NOTIFICATION src[NKINDS];
    int n = build(src);
    ULONG need = 0, used = 0;
    cr_assert_eq(ScCountNotifications(n, src, &need), S_OK);
    cr_assert_gt(need, n * sizeof(NOTIFICATION));
    cr_assert_eq(ScCountNotifications(n, src, NULL), S_OK);
    char *buf = malloc(need + 32);
    memset(buf, 0xEE, need + 32);
    cr_assert_eq(ScCopyNotifications(n, src, buf, &used), S_OK);
    cr_assert_eq(used, need);
    for (int i = 0; i < 32; i++)
        cr_assert_eq((unsigned char)buf[need + i], 0xEE, "wrote past the counted size");
    check_copy((NOTIFICATION *)buf, src, n, buf, buf + need);
    free(buf);
    /* each kind alone counts to its array entry plus its own data */
    for (int i = 0; i < n; i++) {
        ULONG one;
        cr_assert_eq(ScCountNotifications(1, &src[i], &one), S_OK);
        cr_assert_geq(one, sizeof(NOTIFICATION));
        cr_assert_eq(one % 8, 0);
    }
    ULONG zero = 9;
    cr_assert_eq(ScCountNotifications(0, NULL, &zero), S_OK);
    cr_assert_eq(zero, 0);
}

Test(notifcopy, reloc_move_and_zero_base)
{
    NOTIFICATION src[NKINDS];
    int n = build(src);
    ULONG need, cb;
    cr_assert_eq(ScCountNotifications(n, src, &need), S_OK);
    char *a = malloc(need), *b = malloc(need), *c = malloc(need);
    cr_assert_eq(ScCopyNotifications(n, src, a, NULL), S_OK);
    memcpy(b, a, need);
    memset(a, 0, need);
    cr_assert_eq(ScRelocNotifications(n, (LPNOTIFICATION)b, a, b, &cb), S_OK);
    cr_assert_eq(cb, need);
    check_copy((NOTIFICATION *)b, src, n, b, b + need);
    cr_assert_eq(ScRelocNotifications(n, (LPNOTIFICATION)b, b, NULL, &cb), S_OK);
    cr_assert_lt((uintptr_t)((NOTIFICATION *)b)[0].info.err.lpEntryID, need);
    memcpy(c, b, need);
    cr_assert_eq(ScRelocNotifications(n, (LPNOTIFICATION)c, NULL, c, NULL), S_OK);
    check_copy((NOTIFICATION *)c, src, n, c, c + need);
    free(a);
    free(b);
    free(c);
}

Test(notifcopy, bad_arguments)
{
    NOTIFICATION src[NKINDS];
    int n = build(src);
    char buf[4096];
    ULONG cb = 3;
    cr_assert_eq(ScCountNotifications(-1, src, &cb), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(ScCountNotifications(1, NULL, &cb), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(ScCopyNotifications(n, src, NULL, &cb), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(ScCopyNotifications(-1, src, buf, &cb), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(ScRelocNotifications(-1, src, buf, buf, &cb), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(ScRelocNotifications(1, NULL, buf, buf, &cb), MAPI_E_INVALID_PARAMETER);

    NOTIFICATION bad = src[0];
    bad.ulEventType = 0x400;
    cr_assert_eq(ScCountNotifications(1, &bad, &cb), MAPI_E_INVALID_PARAMETER);
    bad.ulEventType = fnevCriticalError | fnevNewMail;
    cr_assert_eq(ScCountNotifications(1, &bad, &cb), MAPI_E_INVALID_PARAMETER);
    bad = src[1];
    bad.info.newmail.lpParentID = NULL;
    cr_assert_eq(ScCountNotifications(1, &bad, &cb), MAPI_E_INVALID_PARAMETER);
    bad = src[8];
    bad.info.tab.row.lpProps = NULL;
    cr_assert_eq(ScCountNotifications(1, &bad, &cb), MAPI_E_INVALID_PARAMETER);
    bad = src[8];
    bad.info.tab.propIndex.ulPropTag = PROP_TAG(0x0009, 1);
    cr_assert_eq(ScCountNotifications(1, &bad, &cb), MAPI_E_INVALID_PARAMETER);
    bad = src[n - 1];
    bad.info.ext.pbEventParameters = NULL;
    cr_assert_eq(ScCountNotifications(1, &bad, &cb), MAPI_E_INVALID_PARAMETER);
    cr_assert_eq(cb, 3, "lpcb written on failure");
    /* a bad notification at the end: nothing copied */
    src[n - 1] = bad;
    memset(buf, 0x77, sizeof(buf));
    cr_assert_eq(ScCopyNotifications(n, src, buf, &cb), MAPI_E_INVALID_PARAMETER);
    for (size_t i = 0; i < sizeof(buf); i++)
        cr_assert_eq((unsigned char)buf[i], 0x77);
}
