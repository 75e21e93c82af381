/* preproc: message preprocessors as a transport ships them (PREPROCESSMESSAGE and
 * REMOVEPREPROCESSINFO of mapispi.h), registered by a test through the support object of the
 * test transport (acmexp_support, IMAPISupport::RegisterPreprocessor) and run by the spooler.
 *
 *   AcmeStamp      prefixes the subject with "[stamped] ", writes its information (PT_LONG
 *                  0x6690 = 42) and makes one more message for the spooler to send: "copy:
 *                  SUBJECT" in the same folder, to the same recipients, deleted once sent.
 *   AcmeUnstamp    removes that information again (after the message was sent).
 *   AcmeFail       refuses every message (MAPI_E_CALL_FAILED).
 * preproc_stats() tells the tests what the spooler passed and called. */
#include <stdio.h>
#include <string.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapispi.h>
#include <mapitags.h>
#include <mapix.h>

#define PR_ACME_STAMP PROP_TAG(PT_LONG, 0x6690)

struct preproc_stats {
    int stamps, unstamps, fails;
    int args_ok; /* every argument of the last call was given */
    int info_seen_by_unstamp; /* the stamp was still on the message when AcmeUnstamp ran */
};
static struct preproc_stats stats;
static LPFREEBUFFER g_free; /* MAPI's, from the last call */

__attribute__((visibility("default"))) struct preproc_stats *preproc_stats(void)
{
    return &stats;
}

static HRESULT copy_for(LPMESSAGE msg, LPMAPIFOLDER folder, const char *subject,
                        LPALLOCATEBUFFER alloc, LPFREEBUFFER freebuf, LPMESSAGE *out)
{
    LPMESSAGE m = NULL;
    LPMAPITABLE t = NULL;
    LPSRowSet rows = NULL;
    HRESULT hr = folder->lpVtbl->CreateMessage(folder, NULL, 0, &m);
    if (FAILED(hr))
        return hr;
    char text[300];
    snprintf(text, sizeof text, "copy: %s", subject);
    SPropValue v[3];
    memset(v, 0, sizeof v);
    v[0].ulPropTag = PR_SUBJECT_A;
    v[0].Value.lpszA = text;
    v[1].ulPropTag = PR_MESSAGE_CLASS_A;
    v[1].Value.lpszA = "IPM.Note";
    v[2].ulPropTag = PR_DELETE_AFTER_SUBMIT;
    v[2].Value.b = TRUE;
    if (SUCCEEDED(hr = m->lpVtbl->SetProps(m, 3, v, NULL)) &&
        SUCCEEDED(hr = msg->lpVtbl->GetRecipientTable(msg, 0, &t)) &&
        SUCCEEDED(hr = t->lpVtbl->QueryRows(t, 100, 0, &rows)))
        hr = m->lpVtbl->ModifyRecipients(m, MODRECIP_ADD, (LPADRLIST)rows);
    if (SUCCEEDED(hr))
        hr = m->lpVtbl->SaveChanges(m, KEEP_OPEN_READWRITE);
    for (ULONG i = 0; rows && i < rows->cRows; i++)
        freebuf(rows->aRow[i].lpProps);
    freebuf(rows);
    if (t)
        t->lpVtbl->Release(t);
    (void)alloc;
    if (FAILED(hr)) {
        m->lpVtbl->Release(m);
        return hr;
    }
    *out = m;
    return S_OK;
}

__attribute__((visibility("default"))) HRESULT STDMETHODCALLTYPE
AcmeStamp(LPVOID session, LPMESSAGE msg, LPADRBOOK ab, LPMAPIFOLDER folder,
          LPALLOCATEBUFFER alloc, LPALLOCATEMORE more, LPFREEBUFFER freebuf, ULONG *cout,
          LPMESSAGE **out, LPADRLIST *bad)
{
    stats.stamps++;
    g_free = freebuf;
    stats.args_ok = session && msg && ab && folder && alloc && more && freebuf && cout && out &&
                    bad;
    *cout = 0;
    *out = NULL;
    *bad = NULL;
    SizedSPropTagArray(1, t) = {1, {PR_SUBJECT_A}};
    ULONG c = 0;
    LPSPropValue cur = NULL;
    HRESULT hr = msg->lpVtbl->GetProps(msg, (LPSPropTagArray)&t, 0, &c, &cur);
    if (FAILED(hr))
        return hr;
    char subject[256];
    snprintf(subject, sizeof subject, "%s",
             cur[0].ulPropTag == PR_SUBJECT_A ? cur[0].Value.lpszA : "");
    freebuf(cur);
    char stamped[300];
    snprintf(stamped, sizeof stamped, "[stamped] %s", subject);
    SPropValue v[2];
    memset(v, 0, sizeof v);
    v[0].ulPropTag = PR_SUBJECT_A;
    v[0].Value.lpszA = stamped;
    v[1].ulPropTag = PR_ACME_STAMP;
    v[1].Value.l = 42;
    if (FAILED(hr = msg->lpVtbl->SetProps(msg, 2, v, NULL)))
        return hr;
    LPMESSAGE *arr = NULL;
    if (alloc(sizeof *arr, (void **)&arr) != S_OK)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    if (FAILED(hr = copy_for(msg, folder, subject, alloc, freebuf, &arr[0]))) {
        freebuf(arr);
        return hr;
    }
    *cout = 1;
    *out = arr;
    return S_OK;
}

__attribute__((visibility("default"))) HRESULT STDMETHODCALLTYPE AcmeUnstamp(LPMESSAGE msg)
{
    stats.unstamps++;
    SizedSPropTagArray(1, t) = {1, {PR_ACME_STAMP}};
    ULONG c = 0;
    LPSPropValue cur = NULL;
    if (SUCCEEDED(msg->lpVtbl->GetProps(msg, (LPSPropTagArray)&t, 0, &c, &cur)))
        stats.info_seen_by_unstamp = cur[0].ulPropTag == PR_ACME_STAMP;
    if (g_free)
        g_free(cur);
    return msg->lpVtbl->DeleteProps(msg, (LPSPropTagArray)&t, NULL);
}

__attribute__((visibility("default"))) HRESULT STDMETHODCALLTYPE
AcmeFail(LPVOID session, LPMESSAGE msg, LPADRBOOK ab, LPMAPIFOLDER folder,
         LPALLOCATEBUFFER alloc, LPALLOCATEMORE more, LPFREEBUFFER freebuf, ULONG *cout,
         LPMESSAGE **out, LPADRLIST *bad)
{
    (void)session, (void)msg, (void)ab, (void)folder, (void)alloc, (void)more, (void)freebuf;
    stats.fails++;
    *cout = 0;
    *out = NULL;
    *bad = NULL;
    return MAPI_E_CALL_FAILED;
}
