/* reports.c: the reports transports ask for with IMAPISupport::StatusRecips (recips.c queues
 * them), made by the spooler on its next pass (spool.h).
 *
 * A recipient of the list without PR_DELIVER_TIME was not delivered: it goes into a
 * non-delivery report (ndr.c) about the message, with the transport's PR_NDR_REASON_CODE,
 * PR_NDR_DIAG_CODE and PR_REPORT_TEXT when it gave them. Recipients with PR_DELIVER_TIME were
 * delivered; delivery reports are not made yet (docs/decisions.md). */
#include <stdio.h>
#include <string.h>

#include <mapiutil.h>

#include <mapirt/alloc.h>

#include "session/session_internal.h"
#include "spool.h"

HRESULT mapirt_spool_report(mapirt_sess *s, LPMDB into, const mapirt_report *r, int *made,
                            char *err, size_t cberr)
{
    *made = 0;
    LPSRowSet rows = (LPSRowSet)r->recips; /* an ADRLIST is an SRowSet of the same layout */
    if (!rows || rows->cRows == 0)
        return S_OK;
    const char **why = mapirt_calloc(rows->cRows, sizeof *why);
    if (!why)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    ULONG n = 0;
    for (ULONG i = 0; i < rows->cRows; i++) {
        const SRow *row = &rows->aRow[i];
        if (PpropFindProp(row->lpProps, row->cValues, PR_DELIVER_TIME))
            continue;
        const SPropValue *t = PpropFindProp(row->lpProps, row->cValues, PR_REPORT_TEXT_A);
        why[i] = t && t->Value.lpszA ? t->Value.lpszA : "the transport could not deliver to it";
        n++;
    }
    HRESULT hr = S_OK;
    if (n) {
        ULONG type = 0;
        LPUNKNOWN u = NULL;
        hr = r->message.cb ? mapirt_sess_open_entry(s, r->message.cb, (LPENTRYID)r->message.lpb,
                                                    NULL, 0, &type, &u, err, cberr)
                           : MAPI_E_NOT_FOUND;
        if (SUCCEEDED(hr) && type != MAPI_MESSAGE)
            hr = MAPI_E_INVALID_ENTRYID;
        if (FAILED(hr))
            snprintf(err, cberr, "the message StatusRecips reported on cannot be opened "
                                 "(0x%08X)", (unsigned)hr);
        else if (SUCCEEDED(hr = mapirt_spool_ndr(into, (LPMESSAGE)u, rows, why, err, cberr)))
            *made = 1;
        if (u)
            u->lpVtbl->Release(u);
    }
    mapirt_free(why);
    return hr;
}
