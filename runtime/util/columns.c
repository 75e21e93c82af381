/* columns.c: HrAddColumns / HrAddColumnsEx (put columns first in a table's column set, keeping
 * the others after them) and GetInstance (one value of a multi-valued property). */
#include <mapiutil.h>

#include <stdbool.h>
#include <string.h>

HRESULT HrAddColumnsEx(LPMAPITABLE lptbl, LPSPropTagArray lpproptagColumnsNew,
                       LPALLOCATEBUFFER lpAllocateBuffer, LPFREEBUFFER lpFreeBuffer,
                       void (*lpfnFilterColumns)(LPSPropTagArray ptaga))
{
    if (lptbl == NULL || lpproptagColumnsNew == NULL || lpAllocateBuffer == NULL ||
        lpFreeBuffer == NULL)
        return MAPI_E_INVALID_PARAMETER;
    LPSPropTagArray cur = NULL;
    HRESULT hr = lptbl->lpVtbl->QueryColumns(lptbl, 0, &cur);
    if (FAILED(hr))
        return hr;
    /* The filter sees (and may change) the current columns before the new ones join them. */
    if (lpfnFilterColumns != NULL)
        lpfnFilterColumns(cur);
    ULONG nNew = lpproptagColumnsNew->cValues, nCur = cur ? cur->cValues : 0;
    LPSPropTagArray set = NULL;
    if ((uint64_t)nNew + nCur > (0xFFFFFFFFu - sizeof(SPropTagArray)) / sizeof(ULONG)) {
        hr = MAPI_E_INVALID_PARAMETER;
        goto out;
    }
    hr = lpAllocateBuffer(CbNewSPropTagArray(nNew + nCur), (LPVOID *)&set);
    if (FAILED(hr))
        goto out;
    ULONG n = 0;
    for (ULONG i = 0; i < nNew; i++)
        set->aulPropTag[n++] = lpproptagColumnsNew->aulPropTag[i];
    /* A column asked for that is already there moves to the front rather than repeating. */
    for (ULONG i = 0; i < nCur; i++) {
        bool dup = false;
        for (ULONG k = 0; k < nNew && !dup; k++)
            dup = cur->aulPropTag[i] == lpproptagColumnsNew->aulPropTag[k];
        if (!dup)
            set->aulPropTag[n++] = cur->aulPropTag[i];
    }
    set->cValues = n;
    hr = lptbl->lpVtbl->SetColumns(lptbl, set, 0);
    lpFreeBuffer(set);
out:
    if (cur != NULL)
        lpFreeBuffer(cur);
    return hr;
}

HRESULT HrAddColumns(LPMAPITABLE lptbl, LPSPropTagArray lpproptagColumnsNew,
                     LPALLOCATEBUFFER lpAllocateBuffer, LPFREEBUFFER lpFreeBuffer)
{
    return HrAddColumnsEx(lptbl, lpproptagColumnsNew, lpAllocateBuffer, lpFreeBuffer, NULL);
}

void GetInstance(LPSPropValue lpPropMv, LPSPropValue lpPropSv, ULONG uliInst)
{
    if (lpPropMv == NULL || lpPropSv == NULL)
        return;
    ULONG type = PROP_TYPE(lpPropMv->ulPropTag) & ~(ULONG)(MV_FLAG | MV_INSTANCE);
    const SPropValue *mv = lpPropMv;
    SPropValue sv;
    memset(&sv, 0, sizeof(sv));
    sv.ulPropTag = CHANGE_PROP_TYPE(mv->ulPropTag, type);
    /* The value shares the multi-valued property's memory: nothing is allocated. An index past
     * the end, or a property that is not multi-valued, leaves the output unchanged. */
    if (!(PROP_TYPE(mv->ulPropTag) & MV_FLAG) || uliInst >= mv->Value.MVi.cValues)
        return;
    switch (type) {
    case PT_I2: sv.Value.i = mv->Value.MVi.lpi[uliInst]; break;
    case PT_LONG: sv.Value.l = mv->Value.MVl.lpl[uliInst]; break;
    case PT_R4: sv.Value.flt = mv->Value.MVflt.lpflt[uliInst]; break;
    case PT_DOUBLE: sv.Value.dbl = mv->Value.MVdbl.lpdbl[uliInst]; break;
    case PT_CURRENCY: sv.Value.cur = mv->Value.MVcur.lpcur[uliInst]; break;
    case PT_APPTIME: sv.Value.at = mv->Value.MVat.lpat[uliInst]; break;
    case PT_SYSTIME: sv.Value.ft = mv->Value.MVft.lpft[uliInst]; break;
    case PT_STRING8: sv.Value.lpszA = mv->Value.MVszA.lppszA[uliInst]; break;
    case PT_UNICODE: sv.Value.lpszW = mv->Value.MVszW.lppszW[uliInst]; break;
    case PT_BINARY: sv.Value.bin = mv->Value.MVbin.lpbin[uliInst]; break;
    case PT_CLSID: sv.Value.lpguid = &mv->Value.MVguid.lpguid[uliInst]; break;
    case PT_I8: sv.Value.li = mv->Value.MVli.lpli[uliInst]; break;
    default: return;
    }
    *lpPropSv = sv;
}
