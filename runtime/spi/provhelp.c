/* provhelp.c: the helpers of <mapirt/provider.h> for provider writers: what the bundled
 * providers (providers/) and a third party's would otherwise each write again. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <mapicode.h>
#include <mapispi.h>
#include <mapix.h>

#include <mapirt/provider.h>
#include <mapirt/strconv.h>

HRESULT mapirt_provider_init_check(ULONG ulFlags, ULONG ulMAPIVer, ULONG *lpulProviderVer,
                                   const void *lppProvider, LPALLOCATEBUFFER lpAllocateBuffer,
                                   LPALLOCATEMORE lpAllocateMore, LPFREEBUFFER lpFreeBuffer)
{
    if (!lpulProviderVer || !lppProvider || !lpAllocateBuffer || !lpAllocateMore ||
        !lpFreeBuffer)
        return MAPI_E_INVALID_PARAMETER;
    *lpulProviderVer = CURRENT_SPI_VERSION;
    if (ulFlags & ~(ULONG)MAPI_NT_SERVICE)
        return MAPI_E_UNKNOWN_FLAGS;
    if (ulMAPIVer < CURRENT_SPI_VERSION)
        return MAPI_E_VERSION;
    return S_OK;
}

/* s on parent, in the width asked for (NULL when it does not fit). */
static LPTSTR error_string(LPALLOCATEMORE more, void *parent, const char *s, int wide)
{
    size_t n = strlen(s) + 1;
    void *out = NULL;
    if (n > 0x7FFFFFFF / sizeof(WCHAR) ||
        more((ULONG)(wide ? n * sizeof(WCHAR) : n), parent, &out) != S_OK || out == NULL)
        return NULL;
    if (wide)
        mapirt_str_a_to_w_into(s, out);
    else
        memcpy(out, s, n);
    return out;
}

HRESULT mapirt_provider_error(LPALLOCATEBUFFER alloc, LPALLOCATEMORE more, HRESULT hr,
                              ULONG ulFlags, const char *text, const char *component,
                              LPMAPIERROR *lppMAPIError)
{
    if (lppMAPIError == NULL)
        return hr;
    *lppMAPIError = NULL;
    if (alloc == NULL || more == NULL) {
        alloc = MAPIAllocateBuffer;
        more = MAPIAllocateMore;
    }
    LPMAPIERROR e = NULL;
    if (alloc(sizeof *e, (void **)&e) != S_OK || e == NULL)
        return hr;
    memset(e, 0, sizeof *e);
    e->ulVersion = MAPI_ERROR_VERSION;
    int wide = (ulFlags & MAPI_UNICODE) != 0;
    e->lpszError = error_string(more, e, text ? text : "", wide);
    e->lpszComponent = error_string(more, e, component ? component : "", wide);
    *lppMAPIError = e;
    return hr;
}

int mapirt_user_data_path(const char *name, char *out, size_t cb)
{
    const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
    int n;
    if (out == NULL || cb == 0 || name == NULL)
        return -1;
    out[0] = '\0';
    if (xdg && *xdg == '/')
        n = snprintf(out, cb, "%s/mapirt/%s", xdg, name);
    else if (home && *home == '/')
        n = snprintf(out, cb, "%s/.local/share/mapirt/%s", home, name);
    else
        return -1;
    if (n < 0 || (size_t)n >= cb) {
        out[0] = '\0';
        return -1;
    }
    return 0;
}

int mapirt_make_parent_dirs(const char *path)
{
    if (path == NULL) {
        errno = EINVAL;
        return -1;
    }
    char *d = strdup(path);
    if (d == NULL)
        return -1;
    char *last = strrchr(d, '/');
    int rc = 0;
    if (last != NULL && last != d) {
        *last = '\0';
        for (char *s = d + 1;; s++) {
            if (*s != '/' && *s != '\0')
                continue;
            char c = *s;
            *s = '\0';
            struct stat st;
            if (mkdir(d, 0700) != 0 && (errno != EEXIST || stat(d, &st) != 0 ||
                                        !S_ISDIR(st.st_mode))) {
                if (errno == EEXIST)
                    errno = ENOTDIR;
                rc = -1;
                break;
            }
            *s = c;
            if (c == '\0')
                break;
        }
    }
    free(d);
    return rc;
}
