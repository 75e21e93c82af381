/* propcopy.c: sizing, copying and relocating property values: UlPropSize, PropCopyMore,
 * ScCountProps, ScCopyProps, ScRelocProps, ScDupPropset.
 *
 * A copied property array is one block: the SPropValue array first, then each value's data in
 * array order, every piece starting on an 8-byte boundary. ScCountProps returns exactly the size
 * ScCopyProps fills, and ScRelocProps can move such a block anywhere (including to and from base
 * 0, to store offsets). */
#include <string.h>

#include <mapirt/strconv.h>

#include "prop_internal.h"

bool mapirt_type_known(ULONG type)
{
    switch (type) {
    case PT_UNSPECIFIED: case PT_NULL: case PT_I2: case PT_LONG: case PT_R4: case PT_DOUBLE:
    case PT_CURRENCY: case PT_APPTIME: case PT_ERROR: case PT_BOOLEAN: case PT_OBJECT: case PT_I8:
    case PT_STRING8: case PT_UNICODE: case PT_SYSTIME: case PT_CLSID: case PT_BINARY:
    case PT_MV_I2: case PT_MV_LONG: case PT_MV_R4: case PT_MV_DOUBLE: case PT_MV_CURRENCY:
    case PT_MV_APPTIME: case PT_MV_I8: case PT_MV_STRING8: case PT_MV_UNICODE: case PT_MV_SYSTIME:
    case PT_MV_CLSID: case PT_MV_BINARY:
        return true;
    default:
        return false;
    }
}

/* Element size of the arrays of fixed-size multi-valued types; 0 for any other type. */
static size_t mv_fixed_elem(ULONG type)
{
    switch (type) {
    case PT_MV_I2: return sizeof(short);
    case PT_MV_LONG: return sizeof(LONG);
    case PT_MV_R4: return sizeof(float);
    case PT_MV_DOUBLE: case PT_MV_APPTIME: return sizeof(double);
    case PT_MV_CURRENCY: return sizeof(CURRENCY);
    case PT_MV_I8: return sizeof(LARGE_INTEGER);
    case PT_MV_SYSTIME: return sizeof(FILETIME);
    case PT_MV_CLSID: return sizeof(GUID);
    default: return 0;
    }
}

static bool add_size(size_t *total, size_t n)
{
    if (n > SIZE_MAX - 7)
        return false;
    return !__builtin_add_overflow(*total, MAPIRT_ALIGN8(n), total);
}

static size_t wstr_bytes(const WCHAR *s)
{
    return (mapirt_wcslen(s) + 1) * sizeof(WCHAR);
}

SCODE mapirt_prop_data_size(const SPropValue *p, const struct mapirt_reloc *rl, size_t *out)
{
    ULONG type = mapirt_value_type(p->ulPropTag);
    const union _PV *v = &p->Value;
    size_t total = 0;
    switch (type) {
    case PT_UNSPECIFIED: case PT_NULL: case PT_I2: case PT_LONG: case PT_R4: case PT_DOUBLE:
    case PT_CURRENCY: case PT_APPTIME: case PT_ERROR: case PT_BOOLEAN: case PT_OBJECT: case PT_I8:
    case PT_SYSTIME:
        break;
    case PT_STRING8: {
        const char *s = mapirt_reloc_read(rl, v->lpszA);
        if (s == NULL)
            return MAPI_E_INVALID_PARAMETER;
        total = MAPIRT_ALIGN8(strlen(s) + 1);
        break;
    }
    case PT_UNICODE: {
        const WCHAR *s = mapirt_reloc_read(rl, v->lpszW);
        if (s == NULL)
            return MAPI_E_INVALID_PARAMETER;
        total = MAPIRT_ALIGN8(wstr_bytes(s));
        break;
    }
    case PT_CLSID:
        if (v->lpguid == NULL)
            return MAPI_E_INVALID_PARAMETER;
        total = MAPIRT_ALIGN8(sizeof(GUID));
        break;
    case PT_BINARY:
        if (v->bin.cb > 0 && v->bin.lpb == NULL)
            return MAPI_E_INVALID_PARAMETER;
        total = MAPIRT_ALIGN8((size_t)v->bin.cb);
        break;
    case PT_MV_STRING8: case PT_MV_UNICODE: case PT_MV_BINARY: {
        /* The cValues/pointer pair sits at the same place in every SxxxArray member. */
        ULONG n = v->MVszA.cValues;
        const void *arr = mapirt_reloc_read(rl, v->MVszA.lppszA);
        if (n == 0)
            break; /* an empty multi-valued property is valid and needs no array */
        if (arr == NULL)
            return MAPI_E_INVALID_PARAMETER;
        size_t elem = type == PT_MV_BINARY ? sizeof(SBinary) : sizeof(void *);
        if (!add_size(&total, (size_t)n * elem))
            return MAPI_E_NOT_ENOUGH_MEMORY;
        for (ULONG i = 0; i < n; i++) {
            size_t bytes;
            if (type == PT_MV_BINARY) {
                const SBinary *b = &((const SBinary *)arr)[i];
                if (b->cb > 0 && b->lpb == NULL)
                    return MAPI_E_INVALID_PARAMETER;
                bytes = b->cb;
            } else {
                const void *s = mapirt_reloc_read(rl, ((void *const *)arr)[i]);
                if (s == NULL)
                    return MAPI_E_INVALID_PARAMETER;
                bytes = type == PT_MV_STRING8 ? strlen(s) + 1 : wstr_bytes(s);
            }
            if (!add_size(&total, bytes))
                return MAPI_E_NOT_ENOUGH_MEMORY;
        }
        break;
    }
    default: {
        size_t elem = mv_fixed_elem(type);
        if (elem == 0)
            return MAPI_E_NO_SUPPORT;
        if (v->MVl.cValues == 0)
            break;
        if (v->MVl.lpl == NULL)
            return MAPI_E_INVALID_PARAMETER;
        total = MAPIRT_ALIGN8((size_t)v->MVl.cValues * elem);
        break;
    }
    }
    *out = total;
    return S_OK;
}

static void *put(char **cursor, const void *src, size_t n)
{
    char *d = *cursor;
    memcpy(d, src, n);
    *cursor = d + MAPIRT_ALIGN8(n);
    return d;
}

void mapirt_prop_copy_data(SPropValue *dst, const SPropValue *src, char **cursor)
{
    SPropValue tmp = *src;
    ULONG type = mapirt_value_type(src->ulPropTag);
    union _PV *v = &tmp.Value;
    tmp.dwAlignPad = 0;
    switch (type) {
    case PT_STRING8:
        v->lpszA = put(cursor, v->lpszA, strlen(v->lpszA) + 1);
        break;
    case PT_UNICODE:
        v->lpszW = put(cursor, v->lpszW, wstr_bytes(v->lpszW));
        break;
    case PT_CLSID:
        v->lpguid = put(cursor, v->lpguid, sizeof(GUID));
        break;
    case PT_BINARY:
        v->bin.lpb = v->bin.cb == 0 ? NULL : put(cursor, v->bin.lpb, v->bin.cb);
        break;
    case PT_MV_STRING8: case PT_MV_UNICODE: {
        ULONG n = v->MVszA.cValues;
        if (n == 0) {
            v->MVszA.lppszA = NULL;
            break;
        }
        void **arr = put(cursor, v->MVszA.lppszA, (size_t)n * sizeof(void *));
        for (ULONG i = 0; i < n; i++)
            arr[i] = type == PT_MV_STRING8 ? put(cursor, arr[i], strlen(arr[i]) + 1)
                                           : put(cursor, arr[i], wstr_bytes(arr[i]));
        v->MVszA.lppszA = (LPSTR *)arr;
        break;
    }
    case PT_MV_BINARY: {
        ULONG n = v->MVbin.cValues;
        if (n == 0) {
            v->MVbin.lpbin = NULL;
            break;
        }
        SBinary *arr = put(cursor, v->MVbin.lpbin, (size_t)n * sizeof(SBinary));
        for (ULONG i = 0; i < n; i++)
            arr[i].lpb = arr[i].cb == 0 ? NULL : put(cursor, arr[i].lpb, arr[i].cb);
        v->MVbin.lpbin = arr;
        break;
    }
    default: {
        size_t elem = mv_fixed_elem(type);
        if (elem != 0)
            v->MVl.lpl = v->MVl.cValues == 0
                             ? NULL
                             : put(cursor, v->MVl.lpl, (size_t)v->MVl.cValues * elem);
        break;
    }
    }
    *dst = tmp;
}

void mapirt_prop_reloc(SPropValue *p, const struct mapirt_reloc *rl)
{
    ULONG type = mapirt_value_type(p->ulPropTag);
    union _PV *v = &p->Value;
    switch (type) {
    case PT_STRING8: case PT_UNICODE: case PT_CLSID:
        /* lpszA, lpszW and lpguid share the union's first pointer */
        v->lpszA = mapirt_reloc_move(rl, v->lpszA);
        break;
    case PT_BINARY:
        v->bin.lpb = mapirt_reloc_move(rl, v->bin.lpb);
        break;
    case PT_MV_STRING8: case PT_MV_UNICODE: {
        void **arr = (void **)mapirt_reloc_read(rl, v->MVszA.lppszA);
        for (ULONG i = 0; i < v->MVszA.cValues; i++)
            arr[i] = mapirt_reloc_move(rl, arr[i]);
        v->MVszA.lppszA = mapirt_reloc_move(rl, v->MVszA.lppszA);
        break;
    }
    case PT_MV_BINARY: {
        SBinary *arr = (SBinary *)mapirt_reloc_read(rl, v->MVbin.lpbin);
        for (ULONG i = 0; i < v->MVbin.cValues; i++)
            arr[i].lpb = mapirt_reloc_move(rl, arr[i].lpb);
        v->MVbin.lpbin = mapirt_reloc_move(rl, v->MVbin.lpbin);
        break;
    }
    default:
        if (mv_fixed_elem(type) != 0)
            v->MVl.lpl = mapirt_reloc_move(rl, v->MVl.lpl);
        break;
    }
}

ULONG UlPropSize(LPSPropValue lpSPropValue)
{
    if (lpSPropValue == NULL)
        return 0;
    const union _PV *v = &lpSPropValue->Value;
    ULONG type = mapirt_value_type(lpSPropValue->ulPropTag);
    size_t size = 0;
    switch (type) {
    case PT_I2: return sizeof(short);
    case PT_BOOLEAN: return sizeof(unsigned short);
    case PT_LONG: return sizeof(LONG);
    case PT_ERROR: return sizeof(SCODE);
    case PT_R4: return sizeof(float);
    case PT_DOUBLE: case PT_APPTIME: return sizeof(double);
    case PT_CURRENCY: return sizeof(CURRENCY);
    case PT_I8: return sizeof(LARGE_INTEGER);
    case PT_SYSTIME: return sizeof(FILETIME);
    case PT_CLSID: return sizeof(GUID);
    case PT_STRING8: size = v->lpszA == NULL ? 0 : strlen(v->lpszA) + 1; break;
    case PT_UNICODE: size = v->lpszW == NULL ? 0 : wstr_bytes(v->lpszW); break;
    case PT_BINARY: return v->bin.cb;
    case PT_MV_STRING8: case PT_MV_UNICODE:
        if (v->MVszA.lppszA == NULL)
            return 0;
        for (ULONG i = 0; i < v->MVszA.cValues; i++) {
            const void *s = v->MVszA.lppszA[i];
            if (s != NULL)
                size += type == PT_MV_STRING8 ? strlen(s) + 1 : wstr_bytes(s);
        }
        break;
    case PT_MV_BINARY:
        if (v->MVbin.lpbin == NULL)
            return 0;
        for (ULONG i = 0; i < v->MVbin.cValues; i++)
            size += v->MVbin.lpbin[i].cb;
        break;
    default:
        /* PT_NULL, PT_OBJECT and PT_UNSPECIFIED hold no value of their own */
        size = mv_fixed_elem(type) * v->MVl.cValues;
        break;
    }
    return size > 0xFFFFFFFFu ? 0xFFFFFFFFu : (ULONG)size;
}

SCODE PropCopyMore(LPSPropValue lpSPropValueDest, LPSPropValue lpSPropValueSrc,
                   ALLOCATEMORE *lpfAllocMore, LPVOID lpvObject)
{
    if (lpSPropValueDest == NULL || lpSPropValueSrc == NULL || lpfAllocMore == NULL)
        return MAPI_E_INVALID_PARAMETER;
    size_t size;
    SCODE sc = mapirt_prop_data_size(lpSPropValueSrc, NULL, &size);
    if (FAILED(sc))
        return sc;
    if (size > 0xFFFFFFFFu)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    void *data = NULL;
    if (size > 0) {
        /* One allocation holds all the value's data, whatever its shape. */
        sc = lpfAllocMore((ULONG)size, lpvObject, &data);
        if (FAILED(sc))
            return sc;
        if (data == NULL)
            return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    char *cursor = data;
    mapirt_prop_copy_data(lpSPropValueDest, lpSPropValueSrc, &cursor);
    return S_OK;
}

SCODE mapirt_prop_check(const SPropValue *p, const struct mapirt_reloc *rl, size_t *out)
{
    ULONG tag = p->ulPropTag, type = PROP_TYPE(tag);
    if (!mapirt_tag_valid(tag) || type == PT_UNSPECIFIED || (type == PT_NULL && tag != PR_NULL))
        return MAPI_E_INVALID_PARAMETER;
    SCODE sc = mapirt_prop_data_size(p, rl, out);
    return sc == MAPI_E_NO_SUPPORT ? MAPI_E_INVALID_PARAMETER : sc;
}

/* Validates cValues props and sums the size of the array and its data; rl as above. */
static SCODE count_props(int cValues, const SPropValue *props, const struct mapirt_reloc *rl,
                         size_t *out)
{
    if (cValues < 0 || (cValues > 0 && props == NULL))
        return MAPI_E_INVALID_PARAMETER;
    size_t total = (size_t)cValues * sizeof(SPropValue);
    for (int i = 0; i < cValues; i++) {
        /* PR_NULL is the documented placeholder of a missing column (HrQueryAllRows), so it
         * is counted; PT_NULL with any other ID holds nothing and is refused. */
        size_t n;
        SCODE sc = mapirt_prop_check(&props[i], rl, &n);
        if (FAILED(sc))
            return sc;
        if (__builtin_add_overflow(total, n, &total))
            return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    if (total > 0xFFFFFFFFu)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    *out = total;
    return S_OK;
}

SCODE ScCountProps(int cValues, LPSPropValue lpPropArray, ULONG *lpcb)
{
    size_t total;
    SCODE sc = count_props(cValues, lpPropArray, NULL, &total);
    if (FAILED(sc))
        return sc;
    if (lpcb != NULL)
        *lpcb = (ULONG)total;
    return S_OK;
}

/* Copies props into dst, which has room for count_props' result. */
static void copy_props(int cValues, const SPropValue *props, void *dst)
{
    SPropValue *out = dst;
    char *cursor = (char *)(out + cValues);
    for (int i = 0; i < cValues; i++)
        mapirt_prop_copy_data(&out[i], &props[i], &cursor);
}

SCODE ScCopyProps(int cValues, LPSPropValue lpPropArray, LPVOID lpvDst, ULONG *lpcb)
{
    if (lpvDst == NULL)
        return MAPI_E_INVALID_PARAMETER;
    size_t total;
    SCODE sc = count_props(cValues, lpPropArray, NULL, &total);
    if (FAILED(sc))
        return sc;
    copy_props(cValues, lpPropArray, lpvDst);
    if (lpcb != NULL)
        *lpcb = (ULONG)total;
    return S_OK;
}

SCODE ScRelocProps(int cValues, LPSPropValue lpPropArray, LPVOID lpvBaseOld, LPVOID lpvBaseNew,
                   ULONG *lpcb)
{
    if (cValues < 0 || (cValues > 0 && lpPropArray == NULL))
        return MAPI_E_INVALID_PARAMETER;
    /* The array is the start of its block (as ScCopyProps lays it out), so wherever the caller
     * has put it is where the data is, whichever of the two bases that corresponds to. */
    struct mapirt_reloc rl = {(uintptr_t)lpvBaseOld, (uintptr_t)lpvBaseNew, (uintptr_t)lpPropArray};
    size_t total;
    SCODE sc = count_props(cValues, lpPropArray, &rl, &total);
    if (FAILED(sc))
        return sc;
    for (int i = 0; i < cValues; i++)
        mapirt_prop_reloc(&lpPropArray[i], &rl);
    if (lpcb != NULL)
        *lpcb = (ULONG)total;
    return S_OK;
}

SCODE ScDupPropset(int cValues, LPSPropValue lpPropArray, LPALLOCATEBUFFER lpAllocateBuffer,
                   LPSPropValue *lppPropArray)
{
    if (lpAllocateBuffer == NULL || lppPropArray == NULL)
        return MAPI_E_INVALID_PARAMETER;
    size_t total;
    SCODE sc = count_props(cValues, lpPropArray, NULL, &total);
    if (FAILED(sc))
        return sc;
    void *dst = NULL;
    sc = lpAllocateBuffer((ULONG)total, &dst);
    if (FAILED(sc))
        return sc;
    if (dst == NULL)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    copy_props(cValues, lpPropArray, dst);
    *lppPropArray = dst;
    return S_OK;
}
