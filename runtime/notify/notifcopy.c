/* notifcopy.c: ScCountNotifications, ScCopyNotifications, ScRelocNotifications.
 *
 * Same block layout as the property copies (propcopy.c): the NOTIFICATION array, then the data
 * of each notification in order, every piece on an 8-byte boundary. One walker visits every
 * pointer of every notification kind, in one of three modes, so that counting, copying and
 * relocating cannot disagree about the layout. */
#include <string.h>

#include <mapirt/strconv.h>

#include "prop/prop_internal.h"

enum walk_mode { W_COUNT, W_COPY, W_RELOC };

struct walk {
    enum walk_mode mode;
    const struct mapirt_reloc *rl; /* W_COUNT (NULL: pointers are real) and W_RELOC */
    size_t total;                  /* W_COUNT */
    char *cursor;                  /* W_COPY */
};

static SCODE w_add(struct walk *w, size_t n)
{
    if (n > SIZE_MAX - 7 || __builtin_add_overflow(w->total, MAPIRT_ALIGN8(n), &w->total))
        return MAPI_E_NOT_ENOUGH_MEMORY;
    return S_OK;
}

static void *w_put(struct walk *w, const void *src, size_t n)
{
    char *d = w->cursor;
    memcpy(d, src, n);
    w->cursor = d + MAPIRT_ALIGN8(n);
    return d;
}

/* A pointer to n bytes; n > 0 requires the pointer. */
static SCODE w_blob(struct walk *w, void *field, size_t n)
{
    void **f = field;
    switch (w->mode) {
    case W_COUNT:
        if (n > 0 && *f == NULL)
            return MAPI_E_INVALID_PARAMETER;
        return w_add(w, n);
    case W_COPY:
        *f = n == 0 ? NULL : w_put(w, *f, n);
        return S_OK;
    default:
        *f = mapirt_reloc_move(w->rl, *f);
        return S_OK;
    }
}

/* An optional NUL-terminated string, 8-bit or UTF-16. */
static SCODE w_str(struct walk *w, void *field, bool wide)
{
    void **f = field;
    if (*f == NULL)
        return S_OK;
    size_t n = 0;
    if (w->mode != W_RELOC) {
        const void *s = w->mode == W_COUNT ? mapirt_reloc_read(w->rl, *f) : *f;
        n = wide ? (mapirt_wcslen(s) + 1) * sizeof(WCHAR) : strlen(s) + 1;
    }
    return w_blob(w, f, n);
}

static SCODE w_prop(struct walk *w, SPropValue *p)
{
    size_t n;
    SCODE sc;
    switch (w->mode) {
    case W_COUNT:
        sc = mapirt_prop_data_size(p, w->rl, &n);
        if (sc == MAPI_E_NO_SUPPORT)
            return MAPI_E_INVALID_PARAMETER;
        return FAILED(sc) ? sc : w_add(w, n);
    case W_COPY:
        mapirt_prop_copy_data(p, p, &w->cursor);
        return S_OK;
    default:
        mapirt_prop_reloc(p, w->rl);
        return S_OK;
    }
}

static SCODE w_props(struct walk *w, LPSPropValue *field, ULONG count)
{
    if (count == 0) {
        if (w->mode != W_COUNT)
            *field = w->mode == W_COPY ? NULL : mapirt_reloc_move(w->rl, *field);
        return S_OK;
    }
    switch (w->mode) {
    case W_COUNT: {
        SPropValue *arr = (SPropValue *)mapirt_reloc_read(w->rl, *field);
        if (arr == NULL)
            return MAPI_E_INVALID_PARAMETER;
        SCODE sc = w_add(w, (size_t)count * sizeof(SPropValue));
        for (ULONG i = 0; i < count && SUCCEEDED(sc); i++)
            sc = w_prop(w, &arr[i]);
        return sc;
    }
    case W_COPY: {
        SPropValue *src = *field;
        SPropValue *dst = w_put(w, src, (size_t)count * sizeof(SPropValue));
        for (ULONG i = 0; i < count; i++)
            mapirt_prop_copy_data(&dst[i], &src[i], &w->cursor);
        *field = dst;
        return S_OK;
    }
    default: {
        SPropValue *arr = (SPropValue *)mapirt_reloc_read(w->rl, *field);
        for (ULONG i = 0; i < count; i++)
            mapirt_prop_reloc(&arr[i], w->rl);
        *field = mapirt_reloc_move(w->rl, *field);
        return S_OK;
    }
    }
}

static SCODE w_tags(struct walk *w, LPSPropTagArray *field)
{
    if (*field == NULL)
        return S_OK;
    size_t n = 0;
    if (w->mode != W_RELOC) {
        const SPropTagArray *t = w->mode == W_COUNT ? mapirt_reloc_read(w->rl, *field) : *field;
        n = CbNewSPropTagArray(t->cValues);
    }
    return w_blob(w, field, n);
}

static SCODE w_mapierror(struct walk *w, LPMAPIERROR *field, bool wide)
{
    if (*field == NULL)
        return S_OK;
    SCODE sc;
    MAPIERROR *e;
    switch (w->mode) {
    case W_COUNT:
        e = (MAPIERROR *)mapirt_reloc_read(w->rl, *field);
        if (FAILED(sc = w_add(w, sizeof(MAPIERROR))) || FAILED(sc = w_str(w, &e->lpszError, wide)))
            return sc;
        return w_str(w, &e->lpszComponent, wide);
    case W_COPY:
        e = w_put(w, *field, sizeof(MAPIERROR));
        w_str(w, &e->lpszError, wide);
        w_str(w, &e->lpszComponent, wide);
        *field = e;
        return S_OK;
    default:
        e = (MAPIERROR *)mapirt_reloc_read(w->rl, *field);
        w_str(w, &e->lpszError, wide);
        w_str(w, &e->lpszComponent, wide);
        *field = mapirt_reloc_move(w->rl, *field);
        return S_OK;
    }
}

#define TRY(x)                      \
    do {                            \
        SCODE sc_ = (x);            \
        if (FAILED(sc_))            \
            return sc_;             \
    } while (0)

static SCODE w_notification(struct walk *w, NOTIFICATION *n)
{
    switch (n->ulEventType) {
    case fnevCriticalError: {
        ERROR_NOTIFICATION *e = &n->info.err;
        TRY(w_blob(w, &e->lpEntryID, e->cbEntryID));
        return w_mapierror(w, &e->lpMAPIError, (e->ulFlags & MAPI_UNICODE) != 0);
    }
    case fnevNewMail: {
        NEWMAIL_NOTIFICATION *m = &n->info.newmail;
        TRY(w_blob(w, &m->lpEntryID, m->cbEntryID));
        TRY(w_blob(w, &m->lpParentID, m->cbParentID));
        return w_str(w, &m->lpszMessageClass, (m->ulFlags & MAPI_UNICODE) != 0);
    }
    case fnevObjectCreated: case fnevObjectDeleted: case fnevObjectModified:
    case fnevObjectMoved: case fnevObjectCopied: case fnevSearchComplete: {
        OBJECT_NOTIFICATION *o = &n->info.obj;
        TRY(w_blob(w, &o->lpEntryID, o->cbEntryID));
        TRY(w_blob(w, &o->lpParentID, o->cbParentID));
        TRY(w_blob(w, &o->lpOldID, o->cbOldID));
        TRY(w_blob(w, &o->lpOldParentID, o->cbOldParentID));
        return w_tags(w, &o->lpPropTagArray);
    }
    case fnevTableModified: {
        TABLE_NOTIFICATION *t = &n->info.tab;
        TRY(w_prop(w, &t->propIndex));
        TRY(w_prop(w, &t->propPrior));
        return w_props(w, &t->row.lpProps, t->row.cValues);
    }
    case fnevStatusObjectModified: {
        STATUS_OBJECT_NOTIFICATION *s = &n->info.statobj;
        TRY(w_blob(w, &s->lpEntryID, s->cbEntryID));
        return w_props(w, &s->lpPropVals, s->cValues);
    }
    case fnevExtended:
        return w_blob(w, &n->info.ext.pbEventParameters, n->info.ext.cb);
    default:
        return MAPI_E_INVALID_PARAMETER;
    }
}

static SCODE count_notifications(int c, NOTIFICATION *n, const struct mapirt_reloc *rl,
                                 size_t *out)
{
    if (c < 0 || (c > 0 && n == NULL))
        return MAPI_E_INVALID_PARAMETER;
    struct walk w = {W_COUNT, rl, (size_t)c * sizeof(NOTIFICATION), NULL};
    for (int i = 0; i < c; i++)
        TRY(w_notification(&w, &n[i]));
    if (w.total > 0xFFFFFFFFu)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    *out = w.total;
    return S_OK;
}

SCODE ScCountNotifications(int cNotifications, LPNOTIFICATION lpNotifications, ULONG *lpcb)
{
    size_t total;
    TRY(count_notifications(cNotifications, lpNotifications, NULL, &total));
    if (lpcb != NULL)
        *lpcb = (ULONG)total;
    return S_OK;
}

SCODE ScCopyNotifications(int cNotification, LPNOTIFICATION lpNotifications, LPVOID lpvDst,
                          ULONG *lpcb)
{
    if (lpvDst == NULL)
        return MAPI_E_INVALID_PARAMETER;
    size_t total;
    TRY(count_notifications(cNotification, lpNotifications, NULL, &total));
    NOTIFICATION *dst = lpvDst;
    if (cNotification > 0)
        memcpy(dst, lpNotifications, (size_t)cNotification * sizeof(NOTIFICATION));
    struct walk w = {W_COPY, NULL, 0, (char *)(dst + cNotification)};
    for (int i = 0; i < cNotification; i++)
        w_notification(&w, &dst[i]);
    if (lpcb != NULL)
        *lpcb = (ULONG)total;
    return S_OK;
}

SCODE ScRelocNotifications(int cNotification, LPNOTIFICATION lpNotifications, LPVOID lpvBaseOld,
                           LPVOID lpvBaseNew, ULONG *lpcb)
{
    if (cNotification < 0 || (cNotification > 0 && lpNotifications == NULL))
        return MAPI_E_INVALID_PARAMETER;
    /* As in ScRelocProps: the array starts its block, so it marks where the data really is. */
    struct mapirt_reloc rl = {(uintptr_t)lpvBaseOld, (uintptr_t)lpvBaseNew,
                              (uintptr_t)lpNotifications};
    size_t total;
    TRY(count_notifications(cNotification, lpNotifications, &rl, &total));
    struct walk w = {W_RELOC, &rl, 0, NULL};
    for (int i = 0; i < cNotification; i++)
        w_notification(&w, &lpNotifications[i]);
    if (lpcb != NULL)
        *lpcb = (ULONG)total;
    return S_OK;
}
