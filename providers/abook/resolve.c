/* resolve.c: IABContainer::ResolveNames on the PAB and IABLogon::PrepareRecips.
 *
 * ResolveNames looks only at ADRENTRYs whose FlagList slot is MAPI_UNRESOLVED and that carry a
 * PR_DISPLAY_NAME: the text matches an entry when it is, ignoring case (Unicode simple
 * folding), a prefix of the entry's display name, of any word of it, or of its address
 * (EMS_AB_ADDRESS_LOOKUP: the whole address only). One match resolves (MAPI_RESOLVED, the
 * entry's properties replace the ADRENTRY's, the caller's others such as PR_RECIPIENT_TYPE are
 * kept); several are MAPI_AMBIGUOUS unless exactly one of them equals the text as a whole name
 * or address, which then wins; none leaves the slot MAPI_UNRESOLVED for the next container. */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <mapirt/strconv.h>

#include "ab.h"

int ab_match(const char *value, const char *text, int full)
{
    if (!value || !text)
        return 0;
    if (full)
        return mapirt_str_compare(value, false, text, false, FL_IGNORECASE) == 0;
    return mapirt_str_contains(value, false, text, false, FL_PREFIX | FL_IGNORECASE);
}

/* A prefix of the name or of one of its words. */
static int name_match(const char *name, const char *text)
{
    if (ab_match(name, text, 0))
        return 1;
    for (const char *p = name; *p; p++)
        if ((*p == ' ' || *p == '-' || *p == '.' || *p == ',') && p[1] &&
            ab_match(p + 1, text, 0))
            return 1;
    return 0;
}

static const ULONG default_tags[] = {PR_DISPLAY_NAME_W, PR_ADDRTYPE_W, PR_EMAIL_ADDRESS_W,
                                     PR_ENTRYID, PR_OBJECT_TYPE, PR_DISPLAY_TYPE,
                                     PR_SEARCH_KEY, PR_RECORD_KEY};
#define NDEFAULT (sizeof default_tags / sizeof default_tags[0])

/* The entry's properties asked for, merged with the caller's others (one MAPI buffer). */
static HRESULT resolved(struct ab_logon *l, sqlite3_int64 id, ULONG type, LPSPropTagArray tags,
                        ULONG flags, const ADRENTRY *old, ULONG *c, LPSPropValue *out)
{
    LPUNKNOWN u;
    HRESULT hr = ab_entry_open(l, type, id, 0, 0, &u);
    if (FAILED(hr))
        return hr;
    SizedSPropTagArray(NDEFAULT, def);
    if (!tags) {
        def.cValues = NDEFAULT;
        for (ULONG i = 0; i < NDEFAULT; i++)
            def.aulPropTag[i] = (flags & MAPI_UNICODE) || PROP_TYPE(default_tags[i]) != PT_UNICODE
                                    ? default_tags[i]
                                    : CHANGE_PROP_TYPE(default_tags[i], PT_STRING8);
        tags = (LPSPropTagArray)&def;
    }
    LPMAPIPROP p = (LPMAPIPROP)u;
    ULONG n = 0;
    LPSPropValue v = NULL;
    hr = p->lpVtbl->GetProps(p, tags, flags & MAPI_UNICODE, &n, &v);
    p->lpVtbl->Release(p);
    if (FAILED(hr))
        return hr;
    /* the caller's properties the entry does not replace */
    ULONG keep = 0;
    for (ULONG i = 0; old && i < old->cValues; i++) {
        ULONG id2 = PROP_ID(old->rgPropVals[i].ulPropTag);
        int replaced = PROP_TYPE(old->rgPropVals[i].ulPropTag) == PT_ERROR;
        for (ULONG k = 0; k < n && !replaced; k++)
            replaced = PROP_ID(v[k].ulPropTag) == id2;
        keep += !replaced;
    }
    if (!keep) {
        *c = n;
        *out = v;
        return S_OK;
    }
    SPropValue *all = calloc(n + keep, sizeof *all);
    if (!all) {
        l->freebuf(v);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    memcpy(all, v, n * sizeof *all);
    ULONG k2 = n;
    for (ULONG i = 0; i < old->cValues; i++) {
        ULONG id2 = PROP_ID(old->rgPropVals[i].ulPropTag);
        int replaced = PROP_TYPE(old->rgPropVals[i].ulPropTag) == PT_ERROR;
        for (ULONG k = 0; k < n && !replaced; k++)
            replaced = PROP_ID(v[k].ulPropTag) == id2;
        if (!replaced)
            all[k2++] = old->rgPropVals[i];
    }
    LPSPropValue merged = NULL;
    hr = ScDupPropset((int)k2, all, l->alloc, &merged);
    free(all);
    l->freebuf(v);
    if (FAILED(hr))
        return hr;
    *c = k2;
    *out = merged;
    return S_OK;
}

HRESULT ab_container_ResolveNames(struct ab_container *self, LPSPropTagArray lpPropTagArray,
                                  ULONG ulFlags, LPADRLIST lpAdrList, LPFlagList lpFlagList)
{
    struct ab_logon *l = self->logon;
    if (self->id != AB_PAB)
        return ab_container_fail(self, MAPI_E_NO_SUPPORT,
                                 "ResolveNames: the root container holds no recipients");
    if (lpFlagList->cFlags != lpAdrList->cEntries)
        return ab_container_fail(self, MAPI_E_INVALID_PARAMETER,
                                 "ResolveNames: the FlagList and the ADRLIST differ in length");
    ab_row *rows = NULL;
    size_t nrows = 0;
    pthread_mutex_lock(&l->db->lock);
    HRESULT hr = ab_db_rows(l->db, &rows, &nrows);
    pthread_mutex_unlock(&l->db->lock);
    if (FAILED(hr))
        return ab_container_fail(self, hr, "ResolveNames: cannot read the address book");
    for (ULONG i = 0; i < lpAdrList->cEntries && SUCCEEDED(hr); i++) {
        ADRENTRY *a = &lpAdrList->aEntries[i];
        if (lpFlagList->ulFlag[i] != MAPI_UNRESOLVED)
            continue;
        char *text = ab_prop_str(ab_find(a->rgPropVals, a->cValues, PR_DISPLAY_NAME_W));
        if (!text || !*text) {
            free(text);
            continue;
        }
        size_t hits = 0, exact = 0, hit = 0, ex = 0;
        for (size_t r = 0; r < nrows; r++) {
            int m, full;
            if (ulFlags & EMS_AB_ADDRESS_LOOKUP) {
                m = full = ab_match(rows[r].email, text, 1);
            } else {
                m = name_match(rows[r].name, text) || ab_match(rows[r].email, text, 0);
                full = ab_match(rows[r].name, text, 1) || ab_match(rows[r].email, text, 1);
            }
            if (m) {
                hits++;
                hit = r;
            }
            if (full) {
                exact++;
                ex = r;
            }
        }
        free(text);
        if (hits > 1 && exact == 1) {
            hits = 1;
            hit = ex;
        }
        if (hits > 1) {
            lpFlagList->ulFlag[i] = MAPI_AMBIGUOUS;
            continue;
        }
        if (hits == 0)
            continue;
        ULONG c = 0;
        LPSPropValue v = NULL;
        hr = resolved(l, rows[hit].id, rows[hit].type, lpPropTagArray, ulFlags, a, &c, &v);
        if (hr == MAPI_E_NOT_FOUND) { /* deleted since the rows were read */
            hr = S_OK;
            continue;
        }
        if (FAILED(hr))
            break;
        MAPIFreeBuffer(a->rgPropVals);
        a->rgPropVals = v;
        a->cValues = c;
        lpFlagList->ulFlag[i] = MAPI_RESOLVED;
    }
    ab_rows_free(rows, nrows);
    return FAILED(hr) ? ab_container_fail(self, hr, "ResolveNames failed") : S_OK;
}

HRESULT ab_logon_PrepareRecips(struct ab_logon *self, ULONG ulFlags,
                               LPSPropTagArray lpPropTagArray, LPADRLIST lpRecipList)
{
    /* This book's entry IDs are long-term already: preparing a recipient is adding the
     * properties asked for (and keeping the caller's others). */
    for (ULONG i = 0; i < lpRecipList->cEntries; i++) {
        ADRENTRY *a = &lpRecipList->aEntries[i];
        const SPropValue *e = ab_find(a->rgPropVals, a->cValues, PR_ENTRYID);
        ab_eid id;
        if (!e || FAILED(ab_eid_parse(e->Value.bin.cb, (LPENTRYID)e->Value.bin.lpb, &id)) ||
            memcmp(id.uid.ab, self->db->uid.ab, 16) != 0 || id.kind != AB_EID_OBJECT ||
            id.type == MAPI_ABCONT)
            continue; /* not ours: another provider prepares it */
        ULONG c = 0;
        LPSPropValue v = NULL;
        HRESULT hr = resolved(self, id.id, id.type, lpPropTagArray, ulFlags, a, &c, &v);
        if (hr == MAPI_E_NOT_FOUND)
            return ab_logon_fail(self, MAPI_E_NOT_FOUND,
                                 "PrepareRecips: a recipient's entry was deleted");
        if (FAILED(hr))
            return ab_logon_fail(self, hr, "PrepareRecips failed");
        MAPIFreeBuffer(a->rgPropVals);
        a->rgPropVals = v;
        a->cValues = c;
    }
    return S_OK;
}
