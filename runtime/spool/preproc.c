/* preproc.c: the message preprocessors transports register (IMAPISupport::RegisterPreprocessor,
 * recorded by runtime/session/recips.c), run by the spooler on a message queued with
 * SUBMITFLAG_PREPROCESS before any transport sees it (spool.h; docs/spooler.md).
 *
 * Each registration whose address type is a recipient's (compared without case) runs once, in
 * the order they were registered: its library is loaded through the one SPI loader (the provider
 * directories and DLL-name mapping of runtime/spi/), its PREPROCESSMESSAGE function is called
 * with the registering transport's support object as lpvSession, the message, MAPI's address
 * book, the message's folder and MAPI's allocators. The messages it returns are the spooler's to
 * send (the reference: the original is never among them); the recipients it returns in
 * lppRecipList are reported as IMAPISupport::StatusRecips reports them. The library stays loaded
 * until mapirt_preproc_done, which calls each REMOVEPREPROCESSINFO after the message was sent. */
#include <stdio.h>
#include <string.h>

#include <mapispi.h>
#include <mapiutil.h>

#include <mapirt/alloc.h>
#include <mapirt/strconv.h>

#include "session/session_internal.h"
#include "spi/loader.h"
#include "spool.h"

static int wanted_by(const mapirt_preprocessor *p, LPSRowSet rows)
{
    for (ULONG i = 0; i < rows->cRows; i++) {
        const SPropValue *at = PpropFindProp(rows->aRow[i].lpProps, rows->aRow[i].cValues,
                                             PR_ADDRTYPE_A);
        if (at && at->Value.lpszA &&
            mapirt_str_compare(p->adrtype, false, at->Value.lpszA, false, FL_IGNORECASE) == 0)
            return 1;
    }
    return 0;
}

static LPMAPIFOLDER folder_of(LPMDB mdb, LPMESSAGE msg)
{
    SizedSPropTagArray(1, t) = {1, {PR_PARENT_ENTRYID}};
    ULONG c = 0, type = 0;
    LPSPropValue v = NULL;
    LPMAPIFOLDER f = NULL;
    if (SUCCEEDED(msg->lpVtbl->GetProps(msg, (LPSPropTagArray)&t, 0, &c, &v)) &&
        v[0].ulPropTag == PR_PARENT_ENTRYID &&
        (FAILED(mdb->lpVtbl->OpenEntry(mdb, v[0].Value.bin.cb, (LPENTRYID)v[0].Value.bin.lpb,
                                       NULL, MAPI_MODIFY, &type, (LPUNKNOWN *)&f)) ||
         type != MAPI_FOLDER)) {
        if (f)
            f->lpVtbl->Release(f);
        f = NULL;
    }
    MAPIFreeBuffer(v);
    return f;
}

/* The registering transport's support object, referenced (NULL once it is gone). */
static IMAPISupport *support_of(mapirt_sess *s, ULONG provider)
{
    IMAPISupport *sup = NULL;
    pthread_mutex_lock(&s->mu);
    if (provider < s->nprov && s->provs[provider].sup) {
        sup = mapirt_support_iface(s->provs[provider].sup);
        sup->lpVtbl->AddRef(sup);
    }
    pthread_mutex_unlock(&s->mu);
    return sup;
}

static void name_of(const mapirt_preprocessor *p, char *out, size_t cb)
{
    snprintf(out, cb, "%s!%s", p->dll, p->preprocess);
}

HRESULT mapirt_preproc_run(mapirt_sess *s, LPMDB mdb, LPMESSAGE msg, mapirt_preproc *run,
                           ULONG *nextra, LPMESSAGE **extra, char *err, size_t cberr)
{
    memset(run, 0, sizeof *run);
    *nextra = 0;
    *extra = NULL;
    mapirt_preprocessor *all = NULL;
    ULONG n = 0;
    LPSRowSet rows = NULL;
    LPMAPITABLE t = NULL;
    HRESULT hr = mapirt_spool_preprocessors(s, &all, &n);
    if (SUCCEEDED(hr) && SUCCEEDED(hr = msg->lpVtbl->GetRecipientTable(msg, 0, &t))) {
        hr = HrQueryAllRows(t, NULL, NULL, NULL, 0, &rows);
        t->lpVtbl->Release(t);
    }
    if (FAILED(hr)) {
        snprintf(err, cberr, "the message's recipients cannot be read for its preprocessors "
                 "(0x%08X)", (unsigned)hr);
        mapirt_free(all);
        return hr;
    }
    run->mods = mapirt_calloc(n ? n : 1, sizeof *run->mods);
    run->removes = mapirt_calloc(n ? n : 1, sizeof *run->removes);
    LPADRBOOK ab = NULL;
    LPMAPIFOLDER folder = folder_of(mdb, msg);
    if (!run->mods || !run->removes) {
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
        snprintf(err, cberr, "out of memory for the message's preprocessors");
    } else if (FAILED(hr = mapirt_addrbook_create(s, NULL, &ab)))
        snprintf(err, cberr, "the address book for the preprocessors cannot be opened "
                 "(0x%08X)", (unsigned)hr);
    for (ULONG i = 0; SUCCEEDED(hr) && i < n; i++) {
        const mapirt_preprocessor *p = &all[i];
        if (!wanted_by(p, rows))
            continue;
        char name[400], why[512] = "";
        name_of(p, name, sizeof name);
        mapirt_module *m = NULL;
        if (FAILED(hr = mapirt_module_load(p->dll, &m, why, sizeof why))) {
            snprintf(err, cberr, "the preprocessor %s cannot be loaded: %s", name, why);
            break;
        }
        PREPROCESSMESSAGE *fn = (PREPROCESSMESSAGE *)mapirt_module_symbol(m, p->preprocess);
        REMOVEPREPROCESSINFO *rm =
            p->remove[0] ? (REMOVEPREPROCESSINFO *)mapirt_module_symbol(m, p->remove) : NULL;
        if (!fn || (p->remove[0] && !rm)) {
            snprintf(err, cberr, "the preprocessor %s: %s exports no function %s", name,
                     mapirt_module_path(m), fn ? p->remove : p->preprocess);
            mapirt_module_release(m);
            hr = MAPI_E_NOT_FOUND;
            break;
        }
        run->mods[run->n] = m;
        run->removes[run->n++] = rm;
        IMAPISupport *sup = support_of(s, p->provider);
        ULONG cout = 0;
        LPMESSAGE *out = NULL;
        LPADRLIST bad = NULL;
        LPMAPIFOLDER f = folder;
        hr = fn(sup, msg, ab, f, MAPIAllocateBuffer, MAPIAllocateMore, MAPIFreeBuffer, &cout,
                &out, &bad);
        if (sup)
            sup->lpVtbl->Release(sup);
        if (FAILED(hr)) {
            snprintf(err, cberr, "the preprocessor %s failed (0x%08X)", name, (unsigned)hr);
            for (ULONG k = 0; out && k < cout; k++)
                if (out[k])
                    out[k]->lpVtbl->Release(out[k]);
            MAPIFreeBuffer(out);
            if (bad)
                FreePadrlist(bad);
            break;
        }
        /* the recipients it found undeliverable, reported as StatusRecips reports them */
        if (bad) {
            char e2[256] = "";
            if (bad->cEntries == 0 || FAILED(mapirt_status_recips(s, msg, bad, e2, sizeof e2)))
                FreePadrlist(bad);
        }
        if (cout && out) {
            LPMESSAGE *grown = mapirt_realloc(*extra, (*nextra + cout) * sizeof *grown);
            if (!grown) {
                for (ULONG k = 0; k < cout; k++)
                    if (out[k])
                        out[k]->lpVtbl->Release(out[k]);
                hr = MAPI_E_NOT_ENOUGH_MEMORY;
            } else {
                *extra = grown;
                for (ULONG k = 0; k < cout; k++)
                    if (out[k] && out[k] != msg) /* never the original (the reference) */
                        grown[(*nextra)++] = out[k];
            }
        }
        MAPIFreeBuffer(out);
    }
    if (ab)
        ab->lpVtbl->Release(ab);
    if (folder)
        folder->lpVtbl->Release(folder);
    FreeProws(rows);
    mapirt_free(all);
    return hr;
}

void mapirt_preproc_done(mapirt_preproc *run, LPMESSAGE sent)
{
    for (ULONG i = 0; i < run->n; i++) {
        if (sent && run->removes[i])
            run->removes[i](sent);
        mapirt_module_release(run->mods[i]);
    }
    mapirt_free(run->mods);
    mapirt_free(run->removes);
    memset(run, 0, sizeof *run);
}
