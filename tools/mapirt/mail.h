/* mail.h: what `mapirt send` and `mapirt deliver` share: a session on the profile, its default
 * store, and a pass of the spooler. Each prints its error and returns EXIT_FAIL, or EXIT_OK. */
#ifndef MAPIRT_MAIL_H
#define MAPIRT_MAIL_H

#include "cli.h"

/* The Maildir transport's record of the file a sent message became (providers/maildir). */
#define PR_MAILDIR_FILE_A PROP_TAG(PT_STRING8, 0x6714)

/* MAPILogonEx on --profile / MAPIRT_PROFILE, else the default profile. */
int mail_logon(const ctx *c, LPMAPISESSION *s);
/* The default store, opened for writing (the spooler then serves its outgoing queue). */
int mail_default_store(LPMAPISESSION s, LPMDB *mdb);
/* A folder of mdb by the store property holding its entry ID (PR_IPM_OUTBOX_ENTRYID), or, with
 * tag 0, the receive folder for IPM.Note; *name gets its PR_DISPLAY_NAME (MAPIFreeBuffer). */
int mail_open_folder(LPMDB mdb, ULONG tag, LPMAPIFOLDER *f, char **name);
/* EXIT_OK when a transport of the session is logged on and has not failed; else the error
 * says why ("<what>: no transport: ..."). */
int mail_transport_ready(LPMAPISESSION s, const char *what);
/* One whole pass of the spooler that starts after the call (IMAPIStatus::FlushQueues of
 * MAPI's spooler row): messages submitted before it are sent, incoming files delivered. */
int mail_flush(LPMAPISESSION s);
/* The spooler row's PR_STATUS_STRING into buf ("" if none). */
void mail_spooler_text(LPMAPISESSION s, char *buf, size_t cb);
/* Logs off and releases; returns rc, or EXIT_FAIL when rc was EXIT_OK and Logoff failed. */
int mail_logoff(LPMAPISESSION s, int rc);

#endif
