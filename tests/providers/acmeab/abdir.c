/* abdir.c: acmeab's directory, a fixed tree a third party's directory would hold:
 *
 *   root (no entry ID)                       its hierarchy table: the two containers
 *   ├── "Acme Directory" (dir)               Ada Acme, Bob Builder, Bob Baker,
 *   │                                        DL "Team" (Ada, DL "Loop"), DL "Loop" (Team, Bob)
 *   └── "Acme Partners" (prt)                Adam Partner, Carol Partner
 *
 * Team and Loop contain each other: MAPI's expansion of distribution lists must not loop.
 * Objects are read-only: IMailUser (every entry), IDistList and IABContainer (contents table,
 * hierarchy table, OpenEntry, ResolveNames). The tables are a minimal IMAPITable of its own
 * (SetColumns, QueryRows, SeekRow, GetRowCount, QueryColumns), as a provider that does not
 * link with MAPI writes one. */
#include <string.h>
#include <strings.h>

#include <mapiguid.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapitags.h>

#include "acmeab.h"

#pragma GCC diagnostic ignored "-Wunused-parameter"

struct acme_entry {
    char tag[4];
    const char *name, *email;
    ULONG type;              /* MAPI_MAILUSER, MAPI_DISTLIST, MAPI_ABCONT */
    const char *parent;      /* the container (or, for containers, "rot") */
    const char *members[3];  /* distribution lists: tags */
};

static const struct acme_entry entries[] = {
    {"rot", "Acme", NULL, MAPI_ABCONT, NULL, {0}},
    {"dir", "Acme Directory", NULL, MAPI_ABCONT, "rot", {0}},
    {"prt", "Acme Partners", NULL, MAPI_ABCONT, "rot", {0}},
    {"ada", "Ada Acme", "ada@acme.test", MAPI_MAILUSER, "dir", {0}},
    {"bob", "Bob Builder", "bob@acme.test", MAPI_MAILUSER, "dir", {0}},
    {"bb2", "Bob Baker", "baker@acme.test", MAPI_MAILUSER, "dir", {0}},
    {"tm1", "Team", "team@acme.test", MAPI_DISTLIST, "dir", {"ada", "lp1", NULL}},
    {"lp1", "Loop", "loop@acme.test", MAPI_DISTLIST, "dir", {"tm1", "bob", NULL}},
    {"adm", "Adam Partner", "adam@partner.test", MAPI_MAILUSER, "prt", {0}},
    {"car", "Carol Partner", "carol@partner.test", MAPI_MAILUSER, "prt", {0}},
};
#define NENTRIES (sizeof entries / sizeof entries[0])

void acme_eid(const char *tag, BYTE out[ACME_EID_SIZE])
{
    memset(out, 0, 4);
    memcpy(out + 4, AB_UID.ab, 16);
    memcpy(out + 20, tag, 3);
}

static const struct acme_entry *by_tag(const char *tag)
{
    for (size_t i = 0; i < NENTRIES; i++)
        if (memcmp(entries[i].tag, tag, 3) == 0)
            return &entries[i];
    return NULL;
}

const struct acme_entry *acme_root(void) { return &entries[0]; }

const struct acme_entry *acme_find(ULONG cb, const ENTRYID *eid)
{
    if (cb == 0 || !eid)
        return acme_root();
    const BYTE *b = (const BYTE *)eid;
    if (cb != ACME_EID_SIZE || memcmp(b + 4, AB_UID.ab, 16) != 0)
        return NULL;
    char tag[4] = {(char)b[20], (char)b[21], (char)b[22], 0};
    return by_tag(tag);
}

/* ---- property values ---- */

static HRESULT str_value(const char *s, ULONG tag, void *parent, SPropValue *v)
{
    size_t n = strlen(s) + 1;
    if (PROP_TYPE(tag) == PT_UNICODE) {
        WCHAR *w;
        if (g_more((ULONG)(n * sizeof(WCHAR)), parent, (void **)&w) != S_OK)
            return MAPI_E_NOT_ENOUGH_MEMORY;
        for (size_t i = 0; i < n; i++)
            w[i] = (WCHAR)(unsigned char)s[i];
        v->Value.lpszW = w;
    } else {
        if (g_more((ULONG)n, parent, (void **)&v->Value.lpszA) != S_OK)
            return MAPI_E_NOT_ENOUGH_MEMORY;
        memcpy(v->Value.lpszA, s, n);
    }
    v->ulPropTag = tag;
    return S_OK;
}

static HRESULT bin_value(const void *b, ULONG cb, ULONG tag, void *parent, SPropValue *v)
{
    if (g_more(cb ? cb : 1, parent, (void **)&v->Value.bin.lpb) != S_OK)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    memcpy(v->Value.bin.lpb, b, cb);
    v->Value.bin.cb = cb;
    v->ulPropTag = tag;
    return S_OK;
}

/* Entry e's value of tag (string tags in the type asked; PT_UNSPECIFIED strings by `wide`),
 * or a PT_ERROR value: 0 when found, 1 when not. */
static int entry_value(const struct acme_entry *e, ULONG tag, int wide, void *parent,
                       SPropValue *v)
{
    ULONG id = PROP_ID(tag), type = PROP_TYPE(tag);
    ULONG stype = type == PT_UNSPECIFIED ? (wide ? PT_UNICODE : PT_STRING8) : type;
    int is_str = stype == PT_STRING8 || stype == PT_UNICODE;
    BYTE eid[ACME_EID_SIZE];
    char key[128];
    v->dwAlignPad = 0;
    v->ulPropTag = tag;
    if (id == PROP_ID(PR_DISPLAY_NAME) && is_str)
        return str_value(e->name, PROP_TAG(stype, id), parent, v) != S_OK;
    if (id == PROP_ID(PR_EMAIL_ADDRESS) && is_str && e->email)
        return str_value(e->email, PROP_TAG(stype, id), parent, v) != S_OK;
    if (id == PROP_ID(PR_ADDRTYPE) && is_str && e->email)
        return str_value("SMTP", PROP_TAG(stype, id), parent, v) != S_OK;
    if (tag == PR_ENTRYID && e != acme_root()) {
        acme_eid(e->tag, eid);
        return bin_value(eid, sizeof eid, tag, parent, v) != S_OK;
    }
    if ((tag == PR_INSTANCE_KEY || tag == PR_RECORD_KEY) && e != acme_root()) {
        acme_eid(e->tag, eid);
        return bin_value(eid, sizeof eid, tag, parent, v) != S_OK;
    }
    if (tag == PR_SEARCH_KEY && e->email) {
        size_t n = 0;
        memcpy(key, "SMTP:", 5);
        for (n = 0; e->email[n] && n < 100; n++)
            key[5 + n] = (char)(e->email[n] >= 'a' && e->email[n] <= 'z' ? e->email[n] - 32
                                                                          : e->email[n]);
        key[5 + n] = 0;
        return bin_value(key, (ULONG)(5 + n + 1), tag, parent, v) != S_OK;
    }
    if (tag == PR_OBJECT_TYPE) {
        v->Value.l = (LONG)e->type;
        return 0;
    }
    if (tag == PR_DISPLAY_TYPE) {
        v->Value.l = e->type == MAPI_MAILUSER ? DT_MAILUSER
                     : e->type == MAPI_DISTLIST ? DT_DISTLIST
                                                : DT_GLOBAL;
        return 0;
    }
    if (tag == PR_CONTAINER_FLAGS && e->type == MAPI_ABCONT) {
        v->Value.l = e == acme_root() ? AB_SUBCONTAINERS : AB_RECIPIENTS | AB_UNMODIFIABLE;
        return 0;
    }
    if (tag == PR_DEPTH) {
        v->Value.l = 0;
        return 0;
    }
    v->ulPropTag = PROP_TAG(PT_ERROR, id);
    v->Value.err = MAPI_E_NOT_FOUND;
    return 1;
}

static const ULONG user_cols[] = {8, PR_DISPLAY_NAME_A, PR_ENTRYID, PR_EMAIL_ADDRESS_A,
                                  PR_ADDRTYPE_A, PR_OBJECT_TYPE, PR_DISPLAY_TYPE,
                                  PR_SEARCH_KEY, PR_INSTANCE_KEY};
static const ULONG cont_cols[] = {7, PR_DISPLAY_NAME_A, PR_ENTRYID, PR_OBJECT_TYPE,
                                  PR_DISPLAY_TYPE, PR_CONTAINER_FLAGS, PR_DEPTH,
                                  PR_INSTANCE_KEY};

HRESULT acme_props(const struct acme_entry *e, const SPropTagArray *tags, ULONG flags, ULONG *pc,
                   LPSPropValue *pp)
{
    const SPropTagArray *t =
        tags ? tags
             : (const SPropTagArray *)(const void *)(e->type == MAPI_ABCONT ? cont_cols
                                                                           : user_cols);
    LPSPropValue v;
    if (g_alloc(t->cValues * sizeof *v + 1, (void **)&v) != S_OK)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    int missing = 0;
    for (ULONG i = 0; i < t->cValues; i++) {
        ULONG tag = (&t->aulPropTag[0])[i];
        if (!tags && PROP_TYPE(tag) == PT_STRING8 && (flags & MAPI_UNICODE))
            tag = PROP_TAG(PT_UNICODE, PROP_ID(tag));
        missing |= entry_value(e, tag, (flags & MAPI_UNICODE) != 0, v, &v[i]);
    }
    *pc = t->cValues;
    *pp = v;
    return missing ? MAPI_W_ERRORS_RETURNED : S_OK;
}

/* ---- the table ---- */

struct table {
    IMAPITable iface;
    ULONG refs;
    const struct acme_entry *rows[NENTRIES];
    ULONG nrows, pos;
    LPSPropTagArray cols; /* g_alloc */
    int wide;
};

static HRESULT t_QueryInterface(IMAPITable *This, REFIID riid, void **ppv)
{
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IMAPITable)) {
        This->lpVtbl->AddRef(This);
        *ppv = This;
        return S_OK;
    }
    *ppv = NULL;
    return MAPI_E_INTERFACE_NOT_SUPPORTED;
}
static ULONG t_AddRef(IMAPITable *This) { return ++((struct table *)This)->refs; }
static ULONG t_Release(IMAPITable *This)
{
    struct table *t = (struct table *)This;
    ULONG n = --t->refs;
    if (!n) {
        g_free(t->cols);
        g_free(t);
    }
    return n;
}
static HRESULT t_GetLastError(IMAPITable *This, HRESULT h, ULONG f, LPMAPIERROR *lpp)
{
    *lpp = NULL;
    return S_OK;
}
static HRESULT t_Advise(IMAPITable *This, ULONG m, LPMAPIADVISESINK s, ULONG_PTR *c)
{
    return MAPI_E_NO_SUPPORT;
}
static HRESULT t_Unadvise(IMAPITable *This, ULONG_PTR c) { return MAPI_E_NO_SUPPORT; }
static HRESULT t_GetStatus(IMAPITable *This, ULONG *st, ULONG *ty)
{
    *st = TBLSTAT_COMPLETE;
    *ty = TBLTYPE_SNAPSHOT;
    return S_OK;
}
static HRESULT t_SetColumns(IMAPITable *This, LPSPropTagArray tags, ULONG f)
{
    struct table *t = (struct table *)This;
    LPSPropTagArray c;
    ULONG cb = CbSPropTagArray(tags);
    if (g_alloc(cb, (void **)&c) != S_OK)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    memcpy(c, tags, cb);
    g_free(t->cols);
    t->cols = c;
    return S_OK;
}
static HRESULT t_QueryColumns(IMAPITable *This, ULONG f, LPSPropTagArray *out)
{
    struct table *t = (struct table *)This;
    ULONG cb = CbSPropTagArray(t->cols);
    if (g_alloc(cb, (void **)out) != S_OK)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    memcpy(*out, t->cols, cb);
    return S_OK;
}
static HRESULT t_GetRowCount(IMAPITable *This, ULONG f, ULONG *n)
{
    *n = ((struct table *)This)->nrows;
    return S_OK;
}
static HRESULT t_SeekRow(IMAPITable *This, BOOKMARK bk, LONG n, LONG *sought)
{
    struct table *t = (struct table *)This;
    LONG base = bk == BOOKMARK_BEGINNING ? 0
                : bk == BOOKMARK_END     ? (LONG)t->nrows
                : bk == BOOKMARK_CURRENT ? (LONG)t->pos
                                         : -1;
    if (base < 0)
        return MAPI_E_INVALID_BOOKMARK;
    LONG to = base + n;
    if (to < 0)
        to = 0;
    if (to > (LONG)t->nrows)
        to = (LONG)t->nrows;
    if (sought)
        *sought = to - base;
    t->pos = (ULONG)to;
    return S_OK;
}
static HRESULT t_SeekRowApprox(IMAPITable *This, ULONG a, ULONG b) { return MAPI_E_NO_SUPPORT; }
static HRESULT t_QueryPosition(IMAPITable *This, ULONG *row, ULONG *num, ULONG *den)
{
    struct table *t = (struct table *)This;
    *row = t->pos;
    *num = t->pos;
    *den = t->nrows ? t->nrows : 1;
    return S_OK;
}
static HRESULT t_FindRow(IMAPITable *This, LPSRestriction r, BOOKMARK b, ULONG f)
{
    return MAPI_E_NO_SUPPORT;
}
static HRESULT t_Restrict(IMAPITable *This, LPSRestriction r, ULONG f)
{
    return r ? MAPI_E_TOO_COMPLEX : S_OK;
}
static HRESULT t_CreateBookmark(IMAPITable *This, BOOKMARK *b) { return MAPI_E_NO_SUPPORT; }
static HRESULT t_FreeBookmark(IMAPITable *This, BOOKMARK b) { return MAPI_E_NO_SUPPORT; }
static HRESULT t_SortTable(IMAPITable *This, LPSSortOrderSet s, ULONG f)
{
    return s && s->cSorts ? MAPI_E_TOO_COMPLEX : S_OK;
}
static HRESULT t_QuerySortOrder(IMAPITable *This, LPSSortOrderSet *s) { return MAPI_E_NO_SUPPORT; }
static HRESULT t_QueryRows(IMAPITable *This, LONG count, ULONG f, LPSRowSet *out)
{
    struct table *t = (struct table *)This;
    if (count < 0)
        return MAPI_E_INVALID_PARAMETER;
    ULONG n = t->nrows - t->pos;
    if ((ULONG)count < n)
        n = (ULONG)count;
    LPSRowSet rs;
    if (g_alloc(CbNewSRowSet(n), (void **)&rs) != S_OK)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    rs->cRows = 0;
    for (ULONG i = 0; i < n; i++) {
        ULONG c = 0;
        LPSPropValue v = NULL;
        if (FAILED(acme_props(t->rows[t->pos + i], t->cols, t->wide ? MAPI_UNICODE : 0, &c,
                               &v))) {
            for (ULONG k = 0; k < rs->cRows; k++)
                g_free(rs->aRow[k].lpProps);
            g_free(rs);
            return MAPI_E_NOT_ENOUGH_MEMORY;
        }
        rs->aRow[i].ulAdrEntryPad = 0;
        rs->aRow[i].cValues = c;
        rs->aRow[i].lpProps = v;
        rs->cRows++;
    }
    if (!(f & TBL_NOADVANCE))
        t->pos += n;
    *out = rs;
    return S_OK;
}
static HRESULT t_Abort(IMAPITable *This) { return S_OK; }
static HRESULT t_ExpandRow(IMAPITable *This, ULONG cb, LPBYTE k, ULONG n, ULONG f, LPSRowSet *r,
                           ULONG *m)
{
    return MAPI_E_NO_SUPPORT;
}
static HRESULT t_CollapseRow(IMAPITable *This, ULONG cb, LPBYTE k, ULONG f, ULONG *n)
{
    return MAPI_E_NO_SUPPORT;
}
static HRESULT t_WaitForCompletion(IMAPITable *This, ULONG f, ULONG to, ULONG *st)
{
    if (st)
        *st = TBLSTAT_COMPLETE;
    return S_OK;
}
static HRESULT t_GetCollapseState(IMAPITable *This, ULONG f, ULONG cb, LPBYTE k, ULONG *pcb,
                                  LPBYTE *pb)
{
    return MAPI_E_NO_SUPPORT;
}
static HRESULT t_SetCollapseState(IMAPITable *This, ULONG f, ULONG cb, LPBYTE b, BOOKMARK *bk)
{
    return MAPI_E_NO_SUPPORT;
}

static const IMAPITableVtbl t_vtbl = {
    t_QueryInterface, t_AddRef,        t_Release,         t_GetLastError,   t_Advise,
    t_Unadvise,       t_GetStatus,     t_SetColumns,      t_QueryColumns,   t_GetRowCount,
    t_SeekRow,        t_SeekRowApprox, t_QueryPosition,   t_FindRow,        t_Restrict,
    t_CreateBookmark, t_FreeBookmark,  t_SortTable,       t_QuerySortOrder, t_QueryRows,
    t_Abort,          t_ExpandRow,     t_CollapseRow,     t_WaitForCompletion,
    t_GetCollapseState, t_SetCollapseState};

/* A table of the entries whose parent is `parent` (containers when hier), or of a list's
 * members. */
static HRESULT table_new(const struct acme_entry *of, int hier, ULONG flags, LPMAPITABLE *out)
{
    struct table *t;
    if (g_alloc(sizeof *t, (void **)&t) != S_OK)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    memset(t, 0, sizeof *t);
    t->iface.lpVtbl = (IMAPITableVtbl *)&t_vtbl;
    t->refs = 1;
    t->wide = (flags & MAPI_UNICODE) != 0;
    if (of->type == MAPI_DISTLIST) {
        for (int i = 0; i < 3 && of->members[i]; i++)
            t->rows[t->nrows++] = by_tag(of->members[i]);
    } else
        for (size_t i = 0; i < NENTRIES; i++)
            if (entries[i].parent && memcmp(entries[i].parent, of->tag, 3) == 0 &&
                (entries[i].type == MAPI_ABCONT) == (hier != 0))
                t->rows[t->nrows++] = &entries[i];
    const ULONG *c = hier ? cont_cols : user_cols;
    ULONG cb = (ULONG)((c[0] + 1) * sizeof(ULONG));
    if (g_alloc(cb, (void **)&t->cols) != S_OK) {
        g_free(t);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    memcpy(t->cols, c, cb);
    if (t->wide)
        for (ULONG i = 0; i < t->cols->cValues; i++)
            if (PROP_TYPE(t->cols->aulPropTag[i]) == PT_STRING8)
                t->cols->aulPropTag[i] = PROP_TAG(PT_UNICODE, PROP_ID(t->cols->aulPropTag[i]));
    *out = &t->iface;
    return S_OK;
}

/* ---- objects: IMailUser, IDistList, IABContainer ---- */

struct obj {
    IABContainer iface; /* IMailUser uses the first 14 slots */
    ULONG refs;
    const struct acme_entry *e;
};

static HRESULT o_QueryInterface(IABContainer *This, REFIID riid, void **ppv)
{
    struct obj *o = (struct obj *)This;
    ULONG t = o->e->type;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IMAPIProp) ||
        (t == MAPI_MAILUSER && IsEqualIID(riid, &IID_IMailUser)) ||
        (t != MAPI_MAILUSER && IsEqualIID(riid, &IID_IMAPIContainer)) ||
        (t == MAPI_ABCONT && IsEqualIID(riid, &IID_IABContainer)) ||
        (t == MAPI_DISTLIST && IsEqualIID(riid, &IID_IDistList))) {
        o->refs++;
        *ppv = This;
        return S_OK;
    }
    *ppv = NULL;
    return MAPI_E_INTERFACE_NOT_SUPPORTED;
}
static ULONG o_AddRef(IABContainer *This) { return ++((struct obj *)This)->refs; }
static ULONG o_Release(IABContainer *This)
{
    struct obj *o = (struct obj *)This;
    ULONG n = --o->refs;
    if (!n)
        g_free(o);
    return n;
}
static HRESULT o_GetLastError(IABContainer *This, HRESULT h, ULONG f, LPMAPIERROR *lpp)
{
    *lpp = NULL;
    return S_OK;
}
static HRESULT o_SaveChanges(IABContainer *This, ULONG f) { return MAPI_E_NO_ACCESS; }
static HRESULT o_GetProps(IABContainer *This, LPSPropTagArray tags, ULONG f, ULONG *pc,
                          LPSPropValue *pp)
{
    return acme_props(((struct obj *)This)->e, tags, f, pc, pp);
}
static HRESULT o_GetPropList(IABContainer *This, ULONG f, LPSPropTagArray *lpp)
{
    const struct acme_entry *e = ((struct obj *)This)->e;
    const ULONG *c = e->type == MAPI_ABCONT ? cont_cols : user_cols;
    ULONG cb = (ULONG)((c[0] + 1) * sizeof(ULONG));
    if (g_alloc(cb, (void **)lpp) != S_OK)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    memcpy(*lpp, c, cb);
    return S_OK;
}
static HRESULT o_OpenProperty(IABContainer *This, ULONG t, LPCIID i, ULONG o, ULONG f,
                              LPUNKNOWN *u)
{
    return MAPI_E_NO_SUPPORT;
}
static HRESULT o_SetProps(IABContainer *This, ULONG c, LPSPropValue v, LPSPropProblemArray *p)
{
    return MAPI_E_NO_ACCESS;
}
static HRESULT o_DeleteProps(IABContainer *This, LPSPropTagArray t, LPSPropProblemArray *p)
{
    return MAPI_E_NO_ACCESS;
}
static HRESULT o_CopyTo(IABContainer *This, ULONG c, LPCIID r, LPSPropTagArray e, ULONG_PTR u,
                        LPMAPIPROGRESS p, LPCIID i, LPVOID d, ULONG f, LPSPropProblemArray *pp)
{
    return MAPI_E_NO_SUPPORT;
}
static HRESULT o_CopyProps(IABContainer *This, LPSPropTagArray t, ULONG_PTR u,
                           LPMAPIPROGRESS p, LPCIID i, LPVOID d, ULONG f,
                           LPSPropProblemArray *pp)
{
    return MAPI_E_NO_SUPPORT;
}
static HRESULT o_GetNamesFromIDs(IABContainer *This, LPSPropTagArray *t, LPGUID g, ULONG f,
                                 ULONG *c, LPMAPINAMEID **n)
{
    return MAPI_E_NO_SUPPORT;
}
static HRESULT o_GetIDsFromNames(IABContainer *This, ULONG c, LPMAPINAMEID *n, ULONG f,
                                 LPSPropTagArray *t)
{
    return MAPI_E_NO_SUPPORT;
}
static HRESULT o_GetContentsTable(IABContainer *This, ULONG f, LPMAPITABLE *out)
{
    const struct acme_entry *e = ((struct obj *)This)->e;
    if (e == acme_root())
        return MAPI_E_NO_SUPPORT; /* the root holds containers only */
    return table_new(e, 0, f, out);
}
static HRESULT o_GetHierarchyTable(IABContainer *This, ULONG f, LPMAPITABLE *out)
{
    const struct acme_entry *e = ((struct obj *)This)->e;
    if (e->type != MAPI_ABCONT)
        return MAPI_E_NO_SUPPORT;
    return table_new(e, 1, f, out);
}
static HRESULT o_OpenEntry(IABContainer *This, ULONG cb, LPENTRYID eid, LPCIID iid, ULONG f,
                           ULONG *type, LPUNKNOWN *out)
{
    const struct acme_entry *e = acme_find(cb, eid);
    if (!e)
        return MAPI_E_UNKNOWN_ENTRYID;
    return acme_open(e, iid, type, out);
}
static HRESULT o_SetSearchCriteria(IABContainer *This, LPSRestriction r, LPENTRYLIST l, ULONG f)
{
    return MAPI_E_NO_SUPPORT;
}
static HRESULT o_GetSearchCriteria(IABContainer *This, ULONG f, LPSRestriction *r,
                                   LPENTRYLIST *l, ULONG *s)
{
    return MAPI_E_NO_SUPPORT;
}
static HRESULT o_CreateEntry(IABContainer *This, ULONG cb, LPENTRYID e, ULONG f,
                             LPMAPIPROP *out)
{
    return MAPI_E_NO_SUPPORT;
}
static HRESULT o_CopyEntries(IABContainer *This, LPENTRYLIST l, ULONG_PTR u, LPMAPIPROGRESS p,
                             ULONG f)
{
    return MAPI_E_NO_SUPPORT;
}
static HRESULT o_DeleteEntries(IABContainer *This, LPENTRYLIST l, ULONG f)
{
    return MAPI_E_NO_SUPPORT;
}

/* The name an ADRENTRY asks for (its PR_DISPLAY_NAME, either width), as 8-bit text. */
static int wanted_name(const ADRENTRY *a, char *buf, size_t cb)
{
    for (ULONG i = 0; i < a->cValues; i++) {
        const SPropValue *v = &a->rgPropVals[i];
        if (v->ulPropTag == PR_DISPLAY_NAME_A) {
            strncpy(buf, v->Value.lpszA, cb - 1);
            buf[cb - 1] = 0;
            return 1;
        }
        if (v->ulPropTag == PR_DISPLAY_NAME_W) {
            size_t n = 0;
            for (; v->Value.lpszW[n] && n < cb - 1; n++)
                buf[n] = (char)v->Value.lpszW[n];
            buf[n] = 0;
            return 1;
        }
    }
    return 0;
}

/* ResolveNames: a whole-name match wins; otherwise one entry whose name starts with the text
 * resolves it, several make it ambiguous. */
static HRESULT o_ResolveNames(IABContainer *This, LPSPropTagArray tags, ULONG f,
                              LPADRLIST list, LPFlagList flags)
{
    const struct acme_entry *c = ((struct obj *)This)->e;
    if (c->type != MAPI_ABCONT || c == acme_root())
        return MAPI_E_NO_SUPPORT;
    static const ULONG deflt[] = {6, PR_DISPLAY_NAME_A, PR_ENTRYID, PR_EMAIL_ADDRESS_A,
                                  PR_ADDRTYPE_A, PR_OBJECT_TYPE, PR_DISPLAY_TYPE};
    const SPropTagArray *t = tags ? tags : (const SPropTagArray *)(const void *)deflt;
    for (ULONG i = 0; i < list->cEntries; i++) {
        char name[128];
        if (flags->ulFlag[i] != MAPI_UNRESOLVED || !wanted_name(&list->aEntries[i], name,
                                                                 sizeof name))
            continue;
        const struct acme_entry *hit = NULL;
        int prefix = 0;
        size_t n = strlen(name);
        for (size_t k = 0; k < NENTRIES; k++) {
            const struct acme_entry *e = &entries[k];
            if (!e->parent || memcmp(e->parent, c->tag, 3) != 0 || e->type == MAPI_ABCONT)
                continue;
            if (strcasecmp(e->name, name) == 0) {
                hit = e;
                prefix = 1;
                break;
            }
            if (n && strncasecmp(e->name, name, n) == 0) {
                prefix++;
                hit = e;
            }
        }
        if (prefix > 1) {
            flags->ulFlag[i] = MAPI_AMBIGUOUS;
            continue;
        }
        if (!hit)
            continue;
        SPropTagArray *want = (SPropTagArray *)t;
        ULONG cnt = 0;
        LPSPropValue v = NULL;
        SizedSPropTagArray(16, wide);
        if (f & MAPI_UNICODE) {
            wide.cValues = want->cValues < 16 ? want->cValues : 16;
            for (ULONG k = 0; k < wide.cValues; k++)
                wide.aulPropTag[k] = PROP_TYPE(want->aulPropTag[k]) == PT_STRING8
                                         ? PROP_TAG(PT_UNICODE, PROP_ID(want->aulPropTag[k]))
                                         : want->aulPropTag[k];
            want = (SPropTagArray *)&wide;
        }
        if (FAILED(acme_props(hit, want, f, &cnt, &v)))
            return MAPI_E_NOT_ENOUGH_MEMORY;
        g_free(list->aEntries[i].rgPropVals);
        list->aEntries[i].rgPropVals = v;
        list->aEntries[i].cValues = cnt;
        flags->ulFlag[i] = MAPI_RESOLVED;
    }
    return S_OK;
}

static const IABContainerVtbl o_vtbl = {
    o_QueryInterface,  o_AddRef,           o_Release,          o_GetLastError,
    o_SaveChanges,     o_GetProps,         o_GetPropList,      o_OpenProperty,
    o_SetProps,        o_DeleteProps,      o_CopyTo,           o_CopyProps,
    o_GetNamesFromIDs, o_GetIDsFromNames,  o_GetContentsTable, o_GetHierarchyTable,
    o_OpenEntry,       o_SetSearchCriteria, o_GetSearchCriteria, o_CreateEntry,
    o_CopyEntries,     o_DeleteEntries,    o_ResolveNames};

HRESULT acme_open(const struct acme_entry *e, LPCIID iid, ULONG *type, LPUNKNOWN *out)
{
    struct obj *o;
    if (g_alloc(sizeof *o, (void **)&o) != S_OK)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    o->iface.lpVtbl = (IABContainerVtbl *)&o_vtbl;
    o->refs = 1;
    o->e = e;
    if (iid) {
        void *p;
        HRESULT hr = o_QueryInterface(&o->iface, iid, &p);
        o_Release(&o->iface);
        if (FAILED(hr))
            return hr;
        *out = p;
    } else
        *out = (LPUNKNOWN)&o->iface;
    *type = e->type;
    return S_OK;
}
