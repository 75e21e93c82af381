/* mapirt/init.h: what the rest of the runtime asks about MAPIInitialize's state (internal: not
 * installed, not exported). */
#ifndef MAPIRT_INIT_H
#define MAPIRT_INIT_H

#ifdef __cplusplus
extern "C" {
#endif

/* Nonzero between a successful MAPIInitialize and the matching last MAPIUninitialize.
 * Session-level entry points return MAPI_E_NOT_INITIALIZED when this is zero. */
int mapirt_is_initialized(void);

/* Nonzero while the notification dispatcher thread runs (some MAPIInitialize of the current
 * initialisation passed MAPI_MULTITHREAD_NOTIFICATIONS): notifications are then delivered on
 * that thread instead of the firing one. */
int mapirt_multithread_notifications(void);

/* Ends every session still open (runtime/session/logoff.c): the last MAPIUninitialize. */
void mapirt_sessions_end_all(void);

/* Closes the profile store the process kept open between logons (runtime/profile/
 * store_cache.c): the last MAPIUninitialize, after the sessions ended. */
void mapirt_profstore_forget_default(void);

#ifdef __cplusplus
}
#endif
#endif
