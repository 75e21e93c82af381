/* runtime/session/abresolve.c: IAddrBook::ResolveName and PrepareRecips. For each unresolved
 * ADRENTRY, the one-off syntax "Name[TYPE:address]" becomes a one-off recipient; the others go
 * to each container of the search path in turn (IABContainer::ResolveNames with a FlagList),
 * and an entry a container marks MAPI_AMBIGUOUS is not offered to later containers. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "addrbook_internal.h"

/* ---- ResolveName ---- */

/* The display name an entry asks for, as UTF-8 (mapirt heap), or NULL. */
static char *entry_name(const ADRENTRY *a)
{
    for (ULONG i = 0; i < a->cValues; i++) {
        if (a->rgPropVals[i].ulPropTag == PR_DISPLAY_NAME_A)
            return mapirt_strdup(a->rgPropVals[i].Value.lpszA);
        if (a->rgPropVals[i].ulPropTag == PR_DISPLAY_NAME_W)
            return mapirt_str_w_to_a_dup(a->rgPropVals[i].Value.lpszW);
    }
    return NULL;
}

static int has_eid(const ADRENTRY *a)
{
    return PpropFindProp(a->rgPropVals, a->cValues, PR_ENTRYID) != NULL;
}

/* "Display name[TYPE:address]" (one-off-addresses.md): the entry becomes a one-off
 * recipient. 1 when it was one, 0 when the text has another form, <0 on error. */
static HRESULT resolve_oneoff(ADRENTRY *a, const char *text, ULONG ulFlags, int *done)
{
    *done = 0;
    const char *open = strchr(text, '['), *close = open ? strrchr(text, ']') : NULL;
    const char *colon = open ? strchr(open, ':') : NULL;
    if (!open || !close || !colon || colon > close || colon == open + 1 || colon + 1 == close)
        return S_OK;
    for (const char *c = close + 1; *c; c++)
        if (*c != ' ' && *c != '\t')
            return S_OK; /* anything after ']' means it is not a custom recipient */
    size_t nn = (size_t)(open - text);
    while (nn && (text[nn - 1] == ' ' || text[nn - 1] == '\t'))
        nn--;
    char *name = mapirt_malloc(nn + 1), *type = mapirt_malloc((size_t)(colon - open)),
         *addr = mapirt_malloc((size_t)(close - colon));
    HRESULT hr = S_OK;
    if (!name || !type || !addr)
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
    else {
        memcpy(name, text, nn);
        name[nn] = 0;
        memcpy(type, open + 1, (size_t)(colon - open - 1));
        type[colon - open - 1] = 0;
        memcpy(addr, colon + 1, (size_t)(close - colon - 1));
        addr[close - colon - 1] = 0;
    }
    ULONG cb = 0;
    LPENTRYID eid = NULL;
    if (SUCCEEDED(hr))
        hr = mapirt_oneoff_make(name[0] ? name : addr, type, addr, 0, NULL, &cb, &eid);
    ULONG n = 0;
    LPSPropValue v = NULL;
    if (SUCCEEDED(hr))
        hr = mapirt_oneoff_props(cb, eid, &n, &v);
    MAPIFreeBuffer(eid);
    mapirt_free(name);
    mapirt_free(type);
    mapirt_free(addr);
    if (FAILED(hr))
        return hr;
    if (ulFlags & MAPI_UNICODE) {
        /* the caller asked for UTF-16 strings */
        LPSPropValue w = NULL;
        if (MAPIAllocateBuffer(n * sizeof *w, (void **)&w) != S_OK) {
            MAPIFreeBuffer(v);
            return MAPI_E_NOT_ENOUGH_MEMORY;
        }
        for (ULONG i = 0; SUCCEEDED(hr) && i < n; i++) {
            w[i] = v[i];
            if (PROP_TYPE(v[i].ulPropTag) == PT_STRING8) {
                w[i].ulPropTag = PROP_TAG(PT_UNICODE, PROP_ID(v[i].ulPropTag));
                hr = mapirt_str_a_to_w(v[i].Value.lpszA, w, &w[i].Value.lpszW);
            } else if (PROP_TYPE(v[i].ulPropTag) == PT_BINARY)
                hr = PropCopyMore(&w[i], &v[i], MAPIAllocateMore, w);
        }
        MAPIFreeBuffer(v);
        if (FAILED(hr)) {
            MAPIFreeBuffer(w);
            return hr;
        }
        v = w;
    }
    /* the caller's other properties stay (PR_RECIPIENT_TYPE above all), as a provider's
     * ResolveNames keeps them: the one-off's own columns first */
    LPSPropValue m = NULL;
    ULONG k = 0;
    if (MAPIAllocateBuffer((n + a->cValues) * sizeof *m, (void **)&m) != S_OK) {
        MAPIFreeBuffer(v);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    for (ULONG i = 0; SUCCEEDED(hr) && i < n; i++)
        hr = PropCopyMore(&m[k++], &v[i], MAPIAllocateMore, m);
    for (ULONG i = 0; SUCCEEDED(hr) && i < a->cValues; i++) {
        ULONG tag = a->rgPropVals[i].ulPropTag;
        int mine = PROP_TYPE(tag) == PT_ERROR;
        for (ULONG j = 0; !mine && j < n; j++)
            mine = PROP_ID(v[j].ulPropTag) == PROP_ID(tag);
        if (!mine)
            hr = PropCopyMore(&m[k++], &a->rgPropVals[i], MAPIAllocateMore, m);
    }
    MAPIFreeBuffer(v);
    if (FAILED(hr)) {
        MAPIFreeBuffer(m);
        return hr;
    }
    MAPIFreeBuffer(a->rgPropVals);
    a->rgPropVals = m;
    a->cValues = k;
    *done = 1;
    return S_OK;
}

HRESULT addrbook_ResolveName(struct addrbook *self, ULONG_PTR ulUIParam, ULONG ulFlags,
                             LPTSTR lpszNewEntryTitle, LPADRLIST lpAdrList)
{
    (void)ulUIParam;
    (void)lpszNewEntryTitle; /* titles a dialog: there is none */
    HRESULT hr = mapirt_ab_usable(self);
    if (FAILED(hr))
        return hr;
    ULONG n = lpAdrList->cEntries;
    LPFlagList fl = mapirt_calloc(1, offsetof(FlagList, ulFlag) + (n ? n : 1) * sizeof(ULONG));
    if (!fl)
        return addrbook_fail(self, MAPI_E_NOT_ENOUGH_MEMORY, "out of memory");
    fl->cFlags = n;
    ULONG pending = 0;
    for (ULONG i = 0; i < n && SUCCEEDED(hr); i++) {
        ADRENTRY *a = &lpAdrList->aEntries[i];
        if (has_eid(a)) {
            fl->ulFlag[i] = MAPI_RESOLVED; /* resolved before */
            continue;
        }
        char *text = entry_name(a);
        int done = 0;
        if (text)
            hr = resolve_oneoff(a, text, ulFlags, &done);
        mapirt_free(text);
        fl->ulFlag[i] = done ? MAPI_RESOLVED : MAPI_UNRESOLVED;
        pending += !done && text;
    }
    if (FAILED(hr)) {
        mapirt_free(fl);
        return addrbook_fail(self, hr, "ResolveName: out of memory");
    }
    LPSPropValue path = NULL;
    if (pending && FAILED(hr = mapirt_ab_search_eids(self, &path))) {
        mapirt_free(fl);
        return addrbook_fail(self, hr, "ResolveName: the search path cannot be built");
    }
    char failed[400] = "";
    for (ULONG k = 0; pending && k < path->Value.MVbin.cValues; k++) {
        const SBinary *b = &path->Value.MVbin.lpbin[k];
        ULONG type = 0;
        LPUNKNOWN u = NULL;
        if (b->cb == 0 || FAILED(addrbook_OpenEntry(self, b->cb, (LPENTRYID)b->lpb,
                                                    &IID_IABContainer, 0, &type, &u)))
            continue;
        LPABCONT c = (LPABCONT)u;
        HRESULT h = c->lpVtbl->ResolveNames(c, NULL, ulFlags & MAPI_UNICODE, lpAdrList, fl);
        c->lpVtbl->Release(c);
        if (FAILED(h) && h != MAPI_E_NO_SUPPORT && !failed[0])
            snprintf(failed, sizeof failed, "a container's ResolveNames failed (0x%08X)",
                     (unsigned)h);
        pending = 0;
        for (ULONG i = 0; i < n; i++)
            pending += fl->ulFlag[i] == MAPI_UNRESOLVED;
    }
    MAPIFreeBuffer(path);
    ULONG ambiguous = 0, unresolved = 0;
    for (ULONG i = 0; i < n; i++) {
        ambiguous += fl->ulFlag[i] == MAPI_AMBIGUOUS;
        unresolved += fl->ulFlag[i] == MAPI_UNRESOLVED;
    }
    mapirt_free(fl);
    char text[600];
    if (ambiguous) {
        snprintf(text, sizeof text, "ResolveName: %u name(s) match several entries of one "
                                    "container", (unsigned)ambiguous);
        return mapirt_ab_failf(addrbook_lasterror(self), MAPI_E_AMBIGUOUS_RECIP, "%s", text);
    }
    if (unresolved) {
        snprintf(text, sizeof text, "ResolveName: %u name(s) match no entry of the search "
                                    "path%s%s", (unsigned)unresolved, failed[0] ? "; " : "",
                 failed);
        return mapirt_ab_failf(addrbook_lasterror(self), MAPI_E_NOT_FOUND, "%s", text);
    }
    return S_OK;
}

/* ---- PrepareRecips ---- */

/* The one-off recipient's columns asked for first, then what the entry had. */
static HRESULT prepare_oneoff(ADRENTRY *a, const SBinary *eid, LPSPropTagArray tags,
                              ULONG ulFlags)
{
    ULONG n = 0;
    LPSPropValue mine = NULL;
    HRESULT hr = mapirt_oneoff_props(eid->cb, (LPENTRYID)eid->lpb, &n, &mine);
    if (FAILED(hr))
        return hr;
    ULONG want = tags ? tags->cValues : 0;
    LPSPropValue v = NULL;
    if (MAPIAllocateBuffer((want + a->cValues) * sizeof *v + 1, (void **)&v) != S_OK) {
        MAPIFreeBuffer(mine);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    ULONG c = 0;
    for (ULONG i = 0; SUCCEEDED(hr) && i < want; i++) {
        ULONG tag = tags->aulPropTag[i];
        const SPropValue *f = PpropFindProp(mine, n, PROP_TAG(PT_UNSPECIFIED, PROP_ID(tag)));
        if (!f) {
            f = PpropFindProp(a->rgPropVals, a->cValues, tag);
            if (!f) {
                v[c].ulPropTag = PROP_TAG(PT_ERROR, PROP_ID(tag));
                v[c].dwAlignPad = 0;
                v[c++].Value.err = MAPI_E_NOT_FOUND;
                continue;
            }
        }
        if (PROP_TYPE(f->ulPropTag) == PT_STRING8 &&
            (PROP_TYPE(tag) == PT_UNICODE ||
             (PROP_TYPE(tag) == PT_UNSPECIFIED && (ulFlags & MAPI_UNICODE)))) {
            v[c] = *f;
            v[c].ulPropTag = PROP_TAG(PT_UNICODE, PROP_ID(tag));
            hr = mapirt_str_a_to_w(f->Value.lpszA, v, &v[c++].Value.lpszW);
        } else
            hr = PropCopyMore(&v[c++], (LPSPropValue)f, MAPIAllocateMore, v);
    }
    for (ULONG i = 0; SUCCEEDED(hr) && i < a->cValues; i++) {
        int dup = 0;
        for (ULONG k = 0; k < c; k++)
            dup |= PROP_ID(v[k].ulPropTag) == PROP_ID(a->rgPropVals[i].ulPropTag);
        if (!dup)
            hr = PropCopyMore(&v[c++], &a->rgPropVals[i], MAPIAllocateMore, v);
    }
    MAPIFreeBuffer(mine);
    if (FAILED(hr)) {
        MAPIFreeBuffer(v);
        return hr;
    }
    MAPIFreeBuffer(a->rgPropVals);
    a->rgPropVals = v;
    a->cValues = c;
    return S_OK;
}

HRESULT addrbook_PrepareRecips(struct addrbook *self, ULONG ulFlags,
                               LPSPropTagArray lpPropTagArray, LPADRLIST lpRecipList)
{
    HRESULT hr = mapirt_ab_usable(self);
    if (FAILED(hr))
        return hr;
    mapirt_sess *s = self->sess;
    ULONG n = lpRecipList->cEntries;
    for (ULONG i = 0; i < n; i++)
        if (!has_eid(&lpRecipList->aEntries[i]))
            return addrbook_fail(self, MAPI_E_INVALID_PARAMETER,
                                 "PrepareRecips: a recipient has no PR_ENTRYID (resolve it "
                                 "first)");
    /* one-offs here; the others, a list per provider, to its IABLogon::PrepareRecips */
    LPADRLIST sub = mapirt_calloc(1, CbNewADRLIST(n ? n : 1));
    ULONG *from = mapirt_calloc(n ? n : 1, sizeof *from);
    if (!sub || !from) {
        mapirt_free(sub);
        mapirt_free(from);
        return addrbook_fail(self, MAPI_E_NOT_ENOUGH_MEMORY, "out of memory");
    }
    char err[400] = "";
    for (ULONG i = 0; SUCCEEDED(hr) && i < n; i++) {
        ADRENTRY *a = &lpRecipList->aEntries[i];
        const SPropValue *e = PpropFindProp(a->rgPropVals, a->cValues, PR_ENTRYID);
        if (mapirt_oneoff_is(e->Value.bin.cb, (LPENTRYID)e->Value.bin.lpb)) {
            SBinary copy = e->Value.bin; /* a->rgPropVals is replaced under it */
            BYTE *keep = mapirt_malloc(copy.cb ? copy.cb : 1);
            if (!keep) {
                hr = MAPI_E_NOT_ENOUGH_MEMORY;
                break;
            }
            memcpy(keep, copy.lpb, copy.cb);
            copy.lpb = keep;
            hr = prepare_oneoff(a, &copy, lpPropTagArray, ulFlags);
            mapirt_free(keep);
            if (hr == MAPI_E_INVALID_ENTRYID)
                snprintf(err, sizeof err, "PrepareRecips: recipient %u has a malformed one-off "
                                          "entry ID", (unsigned)i);
        }
    }
    for (ULONG pi = 0; SUCCEEDED(hr) && pi < s->nprov; pi++) {
        mapirt_provider *p = &s->provs[pi];
        if (p->kind != MAPIRT_PROV_AB)
            continue;
        sub->cEntries = 0;
        for (ULONG i = 0; i < n; i++) {
            ADRENTRY *a = &lpRecipList->aEntries[i];
            const SPropValue *e = PpropFindProp(a->rgPropVals, a->cValues, PR_ENTRYID);
            if (e->Value.bin.cb >= 20 &&
                mapirt_ab_provider(s, e->Value.bin.cb, (LPENTRYID)e->Value.bin.lpb) == p) {
                from[sub->cEntries] = i;
                sub->aEntries[sub->cEntries++] = *a;
            }
        }
        if (!sub->cEntries)
            continue;
        LPUNKNOWN l = mapirt_logon_ref(p);
        if (!l)
            continue;
        hr = ((IABLogon *)l)->lpVtbl->PrepareRecips((IABLogon *)l, ulFlags, lpPropTagArray,
                                                     sub);
        l->lpVtbl->Release(l);
        /* the provider may have replaced the entries' arrays: take them back either way */
        for (ULONG k = 0; k < sub->cEntries; k++)
            lpRecipList->aEntries[from[k]] = sub->aEntries[k];
        if (FAILED(hr)) {
            mapirt_provider_name(p, err, sizeof err);
            mapirt_textf(err + strlen(err), sizeof err - strlen(err),
                         ": PrepareRecips failed (0x%08X)", (unsigned)hr);
        }
    }
    mapirt_free(sub);
    mapirt_free(from);
    if (FAILED(hr))
        return mapirt_ab_failf(addrbook_lasterror(self), hr, "%s", err[0] ? err : "PrepareRecips failed");
    return S_OK;
}
