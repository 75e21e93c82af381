/* mapirt/provider.h: small helpers for provider writers, for the parts every MAPI service
 * provider writes the same way: the checks of its XXProviderInit entry point, the MAPIERROR its
 * Logon or ServiceEntry hands back, and where its data lives by default. A provider that does
 * not use them behaves the same to MAPI; they exist so that three providers do not carry three
 * copies (providers/README.md, "Writing a provider").
 *
 *     HRESULT MSProviderInit(HINSTANCE hInst, LPMALLOC lpMalloc, LPALLOCATEBUFFER alloc,
 *                            LPALLOCATEMORE more, LPFREEBUFFER freebuf, ULONG ulFlags,
 *                            ULONG ulMAPIVer, ULONG *lpulProviderVer, LPMSPROVIDER *lppMSProvider)
 *     {
 *         if (lppMSProvider)
 *             *lppMSProvider = NULL;
 *         HRESULT hr = mapirt_provider_init_check(ulFlags, ulMAPIVer, lpulProviderVer,
 *                                                 lppMSProvider, alloc, more, freebuf);
 *         if (FAILED(hr))
 *             return hr;
 *         ...
 *     }
 *
 *     return mapirt_provider_error(alloc, more, MAPI_E_LOGON_FAILED, ulFlags,
 *                                  "cannot open /srv/mail/store.db", "ACME store", lppMAPIError);
 */
#ifndef MAPIRT_PROVIDER_H
#define MAPIRT_PROVIDER_H

#include <mapirt/decls.h>
#include <mapidefs.h>
#include <stddef.h>

MAPIRT_BEGIN_DECLS

/* The checks of an XXProviderInit call (MSProviderInit, ABProviderInit, XPProviderInit), in
 * MAPI's order: MAPI_E_INVALID_PARAMETER when lpulProviderVer, lppProvider (the provider
 * out-pointer, only tested for NULL: the caller clears *lppProvider itself, it knows its type)
 * or an allocator is NULL; then *lpulProviderVer is set to
 * CURRENT_SPI_VERSION (MAPI reads it even when the call fails); MAPI_E_UNKNOWN_FLAGS for a flag
 * other than MAPI_NT_SERVICE; MAPI_E_VERSION when ulMAPIVer is older than CURRENT_SPI_VERSION.
 * S_OK: the provider may be made. */
HRESULT mapirt_provider_init_check(ULONG ulFlags, ULONG ulMAPIVer, ULONG *lpulProviderVer,
                                   const void *lppProvider, LPALLOCATEBUFFER lpAllocateBuffer,
                                   LPALLOCATEMORE lpAllocateMore, LPFREEBUFFER lpFreeBuffer);

/* A MAPIERROR for the caller of a provider's Logon, TransportLogon or ServiceEntry, allocated
 * with alloc and more (MAPIAllocateBuffer and MAPIAllocateMore when NULL): lpszError is text and
 * lpszComponent is component, both UTF-16 when ulFlags has MAPI_UNICODE, else 8-bit (UTF-8).
 * *lppMAPIError is the structure, or NULL when memory ran out (a string that did not fit is
 * NULL); lppMAPIError NULL makes nothing. Returns hr, so that a failing call can end with
 * `return mapirt_provider_error(...)`. */
HRESULT mapirt_provider_error(LPALLOCATEBUFFER alloc, LPALLOCATEMORE more, HRESULT hr,
                              ULONG ulFlags, const char *text, const char *component,
                              LPMAPIERROR *lppMAPIError);

/* The default place of a provider's data called name (a relative path: "msgstore/x.db"), as
 * the XDG Base Directory specification puts user data: $XDG_DATA_HOME/mapirt/name when
 * XDG_DATA_HOME is an absolute path, else $HOME/.local/share/mapirt/name. 0, or -1 when neither
 * variable is an absolute path or the path does not fit in out (cb bytes; out is then ""). */
int mapirt_user_data_path(const char *name, char *out, size_t cb);

/* Creates the missing directories above path (mode 0700), as `mkdir -p "$(dirname path)"`
 * does. 0 when they exist afterwards, else -1 with errno set. */
int mapirt_make_parent_dirs(const char *path);

MAPIRT_END_DECLS

#endif
