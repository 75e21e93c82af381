/* runtime/core/lasterror.c: the one GetLastError of the runtime (<mapirt/lasterror.h>) and the
 * per-thread record of the last refusal by a generated check function (<mapirt/iface.h>). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <mapicode.h>
#include <mapix.h>

#include <mapirt/alloc.h>
#include <mapirt/iface.h>
#include <mapirt/lasterror.h>
#include <mapirt/strconv.h>

/* ---- refusals of the check functions ------------------------------------------------------ */

/* The check function that refused last on this thread: read by the validation layer (or a body
 * that called the check function) right after the refusal, so one slot per thread suffices. */
static _Thread_local struct {
    const mapirt_check_site *site;
    uint64_t value;
    int32_t hr;
} refusal;

int32_t mapirt_check_refuse(const mapirt_check_site *site, uint64_t value, int32_t hr)
{
    refusal.site = site;
    refusal.value = value;
    refusal.hr = hr;
    return hr;
}

static void site_text(const mapirt_check_site *s, uint64_t v, char *buf, size_t size)
{
    char where[160];
    const char *set = s->other && *s->other ? s->other : "the flag set";

    if (s->iface != NULL)
        snprintf(where, sizeof where, "%s::%s", s->iface, s->method);
    else
        snprintf(where, sizeof where, "%s", s->method);
    switch (s->kind) {
    case MAPIRT_CHECK_NULL:
        snprintf(buf, size, "%s: %s must not be NULL", where, s->param);
        break;
    case MAPIRT_CHECK_NULL_COUNT:
        snprintf(buf, size, "%s: %s must not be NULL when %s is %llu", where, s->param, s->other,
                 (unsigned long long)v);
        break;
    case MAPIRT_CHECK_RESERVED:
        snprintf(buf, size, "%s: %s is reserved and must be 0, not 0x%llX", where, s->param,
                 (unsigned long long)v);
        break;
    case MAPIRT_CHECK_VALUE:
        snprintf(buf, size, "%s: %s = 0x%08llX is not a %s value (%s)", where, s->param,
                 (unsigned long long)v, set, s->allowed);
        break;
    case MAPIRT_CHECK_FLAGS:
        if (s->allowed == NULL || *s->allowed == '\0')
            snprintf(buf, size, "%s: %s has unknown flags 0x%08llX (%s defines no flag: the "
                     "word is reserved)", where, s->param, (unsigned long long)v, set);
        else
            snprintf(buf, size, "%s: %s has unknown flags 0x%08llX (%s allows %s)", where,
                     s->param, (unsigned long long)v, set, s->allowed);
        break;
    default:
        snprintf(buf, size, "%s: %s is not valid", where, s->param);
        break;
    }
}

/* ---- the record ------------------------------------------------------------------------------ */

static void lock(mapirt_lasterror *e)
{
    while (__atomic_exchange_n(&e->lock, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(&e->lock, __ATOMIC_RELAXED))
            ;
}

static void unlock(mapirt_lasterror *e)
{
    __atomic_store_n(&e->lock, 0, __ATOMIC_RELEASE);
}

void mapirt_lasterror_init(mapirt_lasterror *e, const char *component)
{
    memset(e, 0, sizeof(*e));
    e->component = component ? component : "mapirt";
}

void mapirt_lasterror_fini(mapirt_lasterror *e)
{
    mapirt_free(e->owned);
    e->owned = NULL;
    e->text = NULL;
    e->hr = 0;
}

void mapirt_lasterror_allocators(mapirt_lasterror *e, ALLOCATEBUFFER *alloc, ALLOCATEMORE *more,
                                 FREEBUFFER *freebuf)
{
    lock(e);
    e->alloc = alloc;
    e->more = more;
    e->freebuf = freebuf;
    unlock(e);
}

/* Replaces the record; returns the text it held, for the caller to free outside the lock. */
static char *store(mapirt_lasterror *e, HRESULT hr, const char *text, char *owned,
                   const mapirt_check_site *site, uint64_t value, ULONG lowlevel, ULONG context)
{
    char *old;

    lock(e);
    old = e->owned;
    e->hr = hr;
    e->text = owned ? owned : text;
    e->owned = owned;
    e->site = site;
    e->value = value;
    e->lowlevel = lowlevel;
    e->context = context;
    unlock(e);
    return old;
}

HRESULT mapirt_lasterror_set(mapirt_lasterror *e, HRESULT hr, const char *text)
{
    mapirt_free(store(e, hr, text, NULL, NULL, 0, 0, 0));
    return hr;
}

HRESULT mapirt_lasterror_setf(mapirt_lasterror *e, HRESULT hr, ULONG lowlevel, ULONG context,
                              const char *fmt, ...)
{
    char buf[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char *owned = mapirt_strdup(buf);
    mapirt_free(store(e, hr, fmt, owned, NULL, 0, lowlevel, context));
    return hr;
}

HRESULT mapirt_lasterror_refused(mapirt_lasterror *e, HRESULT hr)
{
    if (refusal.site != NULL && refusal.hr == hr)
        mapirt_free(store(e, hr, NULL, NULL, refusal.site, refusal.value, 0, 0));
    else
        mapirt_free(store(e, hr, "the arguments were refused", NULL, NULL, 0, 0, 0));
    refusal.site = NULL;
    refusal.hr = 0;
    return hr;
}

void mapirt_lasterror_clear(mapirt_lasterror *e)
{
    mapirt_free(store(e, 0, NULL, NULL, NULL, 0, 0, 0));
}

int mapirt_lasterror_holds(mapirt_lasterror *e, HRESULT hResult)
{
    int holds;

    /* warnings too: IMAPISession::GetLastError explains MAPI_W_ERRORS_RETURNED */
    if (hResult == S_OK)
        return 0;
    lock(e);
    holds = e->hr == hResult;
    unlock(e);
    return holds;
}

/* Copies what the record says about hResult; 0 when it says nothing. */
struct snapshot {
    char text[512];
    ULONG lowlevel, context;
    const char *component;
    ALLOCATEBUFFER *alloc;
    ALLOCATEMORE *more;
    FREEBUFFER *freebuf;
};

static int snap(mapirt_lasterror *e, HRESULT hResult, struct snapshot *s)
{
    const mapirt_check_site *site;
    uint64_t value;

    if (hResult == S_OK)
        return 0;
    lock(e);
    if (e->hr != hResult) {
        unlock(e);
        return 0;
    }
    site = e->site;
    value = e->value;
    snprintf(s->text, sizeof s->text, "%s", e->text ? e->text : "");
    s->lowlevel = e->lowlevel;
    s->context = e->context;
    s->component = e->component;
    s->alloc = e->alloc ? e->alloc : MAPIAllocateBuffer;
    s->more = e->alloc ? e->more : MAPIAllocateMore;
    s->freebuf = e->alloc ? e->freebuf : MAPIFreeBuffer;
    unlock(e);
    if (site != NULL)
        site_text(site, value, s->text, sizeof s->text);
    return 1;
}

const char *mapirt_lasterror_text(mapirt_lasterror *e, HRESULT hResult, char *buf, size_t size)
{
    struct snapshot s;

    if (buf == NULL || size == 0 || !snap(e, hResult, &s))
        return NULL;
    snprintf(buf, size, "%s", s.text);
    return buf;
}

/* A copy of s in memory chained to parent: UTF-16 (converted from UTF-8) or 8-bit. */
static HRESULT dup_text(const struct snapshot *snp, const char *s, int wide, LPVOID parent,
                        LPTSTR *out)
{
    size_t n = strlen(s) + 1;
    void *dst = NULL;

    if (n > 0x7FFFFFFF / sizeof(WCHAR))
        return MAPI_E_NOT_ENOUGH_MEMORY;
    if (FAILED(snp->more((ULONG)(wide ? n * sizeof(WCHAR) : n), parent, &dst)) || !dst)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    if (wide)
        mapirt_str_a_to_w_into(s, dst);
    else
        memcpy(dst, s, n);
    *out = dst;
    return S_OK;
}

HRESULT mapirt_lasterror_get(mapirt_lasterror *e, HRESULT hResult, ULONG ulFlags,
                             LPMAPIERROR *lppMAPIError)
{
    struct snapshot s;
    LPMAPIERROR err = NULL;
    int wide = (ulFlags & MAPI_UNICODE) != 0;

    if (lppMAPIError == NULL)
        return MAPI_E_INVALID_PARAMETER;
    *lppMAPIError = NULL;
    if (!snap(e, hResult, &s))
        return S_OK; /* nothing to say about this code: no structure, as the reference allows */
    if (FAILED(s.alloc(sizeof(MAPIERROR), (LPVOID *)&err)) || !err)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    memset(err, 0, sizeof(*err));
    err->ulVersion = MAPI_ERROR_VERSION;
    err->ulLowLevelError = s.lowlevel;
    err->ulContext = s.context;
    if (FAILED(dup_text(&s, s.text, wide, err, &err->lpszError)) ||
        FAILED(dup_text(&s, s.component, wide, err, &err->lpszComponent))) {
        s.freebuf(err);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    *lppMAPIError = err;
    return S_OK;
}
