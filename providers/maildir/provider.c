/* provider.c: XPProviderInit, IXPProvider, the transport's configuration and its ServiceEntry.
 * configure: link -Wl,-z,nodelete
 *
 * nodelete: GMime registers GLib types, which outlive an unloaded libgmime in GLib's type
 * system; a session that unloads the provider and a later one that loads it again would have
 * GMime register them twice (GLib criticals, GMime unusable). The provider and so GMime stay
 * loaded once loaded, as GObject plugins do.
 *
 * The configuration is four strings (xp.h) in the profile: the provider's own section first
 * (a catalog entry can set them there), then its service's (what ServiceEntry writes from
 * IMsgServiceAdmin::ConfigureMsgService), then the defaults, decided at each logon so a
 * profile made on one machine follows $XDG_DATA_HOME on another. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mapirt/strconv.h>

#include "xp.h"

#include "xp_provider_object.h"

static const ULONG config_tags[XP_NCONFIG] = {PR_MAILDIR_OUTGOING_A, PR_MAILDIR_INCOMING_A,
                                             PR_MAILDIR_USER_NAME_A, PR_MAILDIR_USER_ADDRESS_A};

static void xp_provider_destroy(struct xp_provider *self)
{
    (void)self;
}

XP_EXPORT HRESULT XPProviderInit(HINSTANCE hInstance, LPMALLOC lpMalloc,
                                 LPALLOCATEBUFFER lpAllocateBuffer,
                                 LPALLOCATEMORE lpAllocateMore, LPFREEBUFFER lpFreeBuffer,
                                 ULONG ulFlags, ULONG ulMAPIVer, ULONG *lpulProviderVer,
                                 LPXPPROVIDER *lppXPProvider)
{
    (void)lpMalloc;
    (void)ulFlags;
    *lpulProviderVer = CURRENT_SPI_VERSION;
    if (ulMAPIVer < CURRENT_SPI_VERSION)
        return MAPI_E_VERSION;
    struct xp_provider *p = xp_provider_new();
    if (!p)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    p->instance = hInstance;
    p->alloc = lpAllocateBuffer;
    p->more = lpAllocateMore;
    p->freebuf = lpFreeBuffer;
    xp_gmime_init();
    *lppXPProvider = xp_provider_as_IXPProvider(p);
    return S_OK;
}

static HRESULT xp_provider_Shutdown(struct xp_provider *self, ULONG *lpulFlags)
{
    (void)self;
    (void)lpulFlags;
    return S_OK;
}

/* ---- configuration ---- */

void xp_config_free(xp_config *c)
{
    free(c->outgoing);
    free(c->incoming);
    free(c->user_name);
    free(c->user_address);
    memset(c, 0, sizeof *c);
}

static char **field(xp_config *c, int i)
{
    return i == 0 ? &c->outgoing : i == 1 ? &c->incoming : i == 2 ? &c->user_name
                                                                  : &c->user_address;
}

/* Fills the fields still empty from a profile section. */
static void from_section(LPPROFSECT ps, xp_config *c)
{
    SizedSPropTagArray(XP_NCONFIG, t);
    t.cValues = XP_NCONFIG;
    memcpy(t.aulPropTag, config_tags, sizeof config_tags);
    ULONG n = 0;
    LPSPropValue v = NULL;
    if (FAILED(ps->lpVtbl->GetProps(ps, (LPSPropTagArray)&t, 0, &n, &v)) || !v)
        return;
    for (int i = 0; i < XP_NCONFIG && i < (int)n; i++)
        if (v[i].ulPropTag == config_tags[i] && *v[i].Value.lpszA && !*field(c, i))
            *field(c, i) = strdup(v[i].Value.lpszA);
    MAPIFreeBuffer(v);
}

HRESULT xp_config_read(LPMAPISUP sup, xp_config *c, char *err, size_t cberr)
{
    memset(c, 0, sizeof *c);
    LPPROFSECT ps = NULL;
    if (SUCCEEDED(sup->lpVtbl->OpenProfileSection(sup, NULL, 0, &ps))) {
        from_section(ps, c);
        SizedSPropTagArray(1, st) = {1, {PR_SERVICE_UID}};
        ULONG n = 0;
        LPSPropValue v = NULL;
        if (SUCCEEDED(ps->lpVtbl->GetProps(ps, (LPSPropTagArray)&st, 0, &n, &v)) && v &&
            v[0].ulPropTag == PR_SERVICE_UID && v[0].Value.bin.cb == sizeof(MAPIUID)) {
            LPPROFSECT ss = NULL;
            if (SUCCEEDED(sup->lpVtbl->OpenProfileSection(sup, (LPMAPIUID)v[0].Value.bin.lpb, 0,
                                                          &ss))) {
                from_section(ss, c);
                ss->lpVtbl->Release(ss);
            }
        }
        MAPIFreeBuffer(v);
        ps->lpVtbl->Release(ps);
    }
    char base[4096];
    const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
    if (xdg && *xdg == '/')
        snprintf(base, sizeof base, "%s/mapirt/Maildir", xdg);
    else if (home && *home == '/')
        snprintf(base, sizeof base, "%s/.local/share/mapirt/Maildir", home);
    else
        base[0] = '\0';
    char path[4200];
    for (int i = 0; i < 2; i++) {
        if (*field(c, i))
            continue;
        if (!base[0]) {
            snprintf(err, cberr, "no %s Maildir is configured and neither $XDG_DATA_HOME nor "
                                 "$HOME gives a default", i ? "incoming" : "outgoing");
            xp_config_free(c);
            return MAPI_E_UNCONFIGURED;
        }
        snprintf(path, sizeof path, "%s/%s", base, i ? "incoming" : "outgoing");
        *field(c, i) = strdup(path);
    }
    for (int i = 0; i < 2; i++)
        if (*field(c, i) && **field(c, i) != '/') {
            snprintf(err, cberr, "the %s Maildir '%s' in the profile is not an absolute path",
                     i ? "incoming" : "outgoing", *field(c, i));
            xp_config_free(c);
            return MAPI_E_UNCONFIGURED;
        }
    if (!c->user_address) {
        const char *user = getenv("USER");
        char host[256] = "localhost";
        gethostname(host, sizeof host - 1);
        host[sizeof host - 1] = '\0';
        snprintf(path, sizeof path, "%s@%s", user && *user ? user : "mapirt", host);
        c->user_address = strdup(path);
    }
    for (int i = 0; i < XP_NCONFIG; i++)
        if (i != 2 && !*field(c, i)) {
            xp_config_free(c);
            snprintf(err, cberr, "out of memory");
            return MAPI_E_NOT_ENOUGH_MEMORY;
        }
    return S_OK;
}

/* ---- logon ---- */

HRESULT xp_logon_start(struct xp_provider *p, LPMAPISUP sup, ULONG flags, struct xp_logon **out,
                       char *err, size_t cberr);

/* A MAPIERROR in the width the logon asked for (MAPI_UNICODE: UTF-16). */
static LPTSTR error_string(struct xp_provider *self, void *parent, const char *text, int wide)
{
    size_t n = strlen(text) + 1;
    void *out = NULL;
    if (FAILED(self->more((ULONG)(wide ? n * sizeof(WCHAR) : n), parent, &out)))
        return NULL;
    if (wide)
        mapirt_str_a_to_w_into(text, out);
    else
        memcpy(out, text, n);
    return out;
}

static HRESULT logon_error(struct xp_provider *self, HRESULT hr, const char *text, int wide,
                           LPMAPIERROR *perr)
{
    *perr = NULL;
    LPMAPIERROR e = NULL;
    if (SUCCEEDED(self->alloc(sizeof *e, (void **)&e))) {
        memset(e, 0, sizeof *e);
        e->ulVersion = MAPI_ERROR_VERSION;
        e->lpszError = error_string(self, e, text, wide);
        e->lpszComponent = error_string(self, e, XP_PROVIDER_DISPLAY, wide);
        *perr = e;
    }
    /* text may be on the caller's stack: the record keeps a copy */
    return mapirt_lasterror_setf(xp_provider_lasterror(self), hr, 0, 0, "%s", text);
}

static HRESULT xp_provider_TransportLogon(struct xp_provider *self, LPMAPISUP lpMAPISup,
                                          ULONG_PTR ulUIParam, LPTSTR lpszProfileName,
                                          ULONG *lpulFlags, LPMAPIERROR *lppMAPIError,
                                          LPXPLOGON *lppXPLogon)
{
    (void)ulUIParam;
    (void)lpszProfileName;
    char err[1024] = "";
    struct xp_logon *l = NULL;
    *lppMAPIError = NULL;
    /* the profile name is not used; MAPI_UNICODE only decides the MAPIERROR's width */
    int wide = (*lpulFlags & MAPI_UNICODE) != 0;
    HRESULT hr = xp_logon_start(self, lpMAPISup, *lpulFlags, &l, err, sizeof err);
    if (FAILED(hr))
        return logon_error(self, hr, err, wide, lppMAPIError);
    /* the spooler asks Poll for inbound mail; no deferred sending, no name resolution */
    *lpulFlags = LOGON_SP_POLL;
    *lppXPLogon = xp_logon_as_IXPLogon(l);
    return S_OK;
}

/* ---- ServiceEntry ---- */

static int wanted(ULONG tag, int *which)
{
    for (int i = 0; i < XP_NCONFIG; i++)
        if (PROP_ID(tag) == PROP_ID(config_tags[i]) &&
            (PROP_TYPE(tag) == PT_STRING8 || PROP_TYPE(tag) == PT_UNICODE)) {
            *which = i;
            return 1;
        }
    return 0;
}

static HRESULT service_error(LPMAPIERROR *perr, const char *text, HRESULT hr)
{
    if (!perr)
        return hr;
    *perr = NULL;
    LPMAPIERROR e = NULL;
    size_t n = strlen(text) + 1;
    if (SUCCEEDED(MAPIAllocateBuffer(sizeof *e, (void **)&e))) {
        memset(e, 0, sizeof *e);
        e->ulVersion = MAPI_ERROR_VERSION;
        if (SUCCEEDED(MAPIAllocateMore((ULONG)n, e, (void **)&e->lpszError)))
            memcpy(e->lpszError, text, n);
        *perr = e;
    }
    return hr;
}

/* MSG_SERVICE_CREATE and MSG_SERVICE_CONFIGURE write the PR_MAILDIR_* values given (8-bit or
 * Unicode) into the service's section; an empty string removes one (back to the default). A
 * relative path is refused with MAPI_E_INVALID_PARAMETER and nothing is written. Other
 * contexts have nothing to do: deleting the service never deletes mail. */
XP_EXPORT HRESULT ServiceEntry(HINSTANCE hInstance, LPMALLOC lpMalloc, LPMAPISUP lpMAPISup,
                               ULONG_PTR ulUIParam, ULONG ulFlags, ULONG ulContext,
                               ULONG cValues, LPSPropValue lpProps,
                               LPPROVIDERADMIN lpProviderAdmin, LPMAPIERROR *lppMapiError)
{
    (void)hInstance;
    (void)lpMalloc;
    (void)ulUIParam;
    (void)lpProviderAdmin;
    if (lppMapiError)
        *lppMapiError = NULL;
    if (ulContext != MSG_SERVICE_CREATE && ulContext != MSG_SERVICE_CONFIGURE)
        return S_OK;
    if (ulContext == MSG_SERVICE_CONFIGURE && !cValues && (ulFlags & SERVICE_UI_ALWAYS))
        return S_OK; /* nothing to ask without a dialog: the defaults stand */
    SPropValue set[XP_NCONFIG];
    LPSPropValue strs = NULL;
    SizedSPropTagArray(XP_NCONFIG, del) = {0, {0}};
    ULONG nset = 0;
    HRESULT hr = S_OK;
    if (FAILED(MAPIAllocateBuffer(1, (void **)&strs)))
        return MAPI_E_NOT_ENOUGH_MEMORY;
    for (ULONG i = 0; i < cValues && lpProps; i++) {
        int w;
        if (!wanted(lpProps[i].ulPropTag, &w))
            continue;
        LPSTR s = lpProps[i].Value.lpszA;
        if (PROP_TYPE(lpProps[i].ulPropTag) == PT_UNICODE &&
            FAILED(hr = mapirt_str_w_to_a(lpProps[i].Value.lpszW, strs, &s)))
            break;
        if (!s || !*s) {
            del.aulPropTag[del.cValues++] = config_tags[w];
            continue;
        }
        if (w < 2 && *s != '/') {
            char text[600];
            snprintf(text, sizeof text, "the %s Maildir '%.500s' is not an absolute path",
                     w ? "incoming" : "outgoing", s);
            MAPIFreeBuffer(strs);
            return service_error(lppMapiError, text, MAPI_E_INVALID_PARAMETER);
        }
        set[nset].ulPropTag = config_tags[w];
        set[nset].dwAlignPad = 0;
        set[nset++].Value.lpszA = s;
    }
    LPPROFSECT ps = NULL;
    if (SUCCEEDED(hr) && (nset || del.cValues))
        hr = lpMAPISup->lpVtbl->OpenProfileSection(lpMAPISup, NULL, MAPI_MODIFY, &ps);
    if (SUCCEEDED(hr) && ps) {
        if (nset)
            hr = ps->lpVtbl->SetProps(ps, nset, set, NULL);
        if (SUCCEEDED(hr) && del.cValues)
            hr = ps->lpVtbl->DeleteProps(ps, (LPSPropTagArray)&del, NULL);
        if (SUCCEEDED(hr))
            hr = ps->lpVtbl->SaveChanges(ps, 0);
        ps->lpVtbl->Release(ps);
    }
    MAPIFreeBuffer(strs);
    return FAILED(hr) ? service_error(lppMapiError, "writing the Maildir settings failed", hr)
                      : S_OK;
}
