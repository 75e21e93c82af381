/* spool.h (internal): the MAPI spooler, running as a thread of the session's process.
 * docs/spooler.md says how it works; this is what the session layer calls.
 *
 * One spooler per session that has an active transport and was not logged on with
 * MAPI_NO_MAIL. Its thread makes passes: each store open in the session gives its outgoing
 * queue, each message goes through the transports in profile order by address type, the rest
 * of its recipients get a non-delivery report, and the store finishes it (FinishedMsg ->
 * DoSentMail); then transports are polled and what they have is delivered into the default
 * store's receive folders with a new-mail notification. A pass runs when something asks
 * (SpoolerNotify, a flush) and every MAPIRT_SPOOL_POLL_MS (default 1000) otherwise.
 *
 * Locks: spool->mu is a leaf, never held across a call into a provider or the session. */
#ifndef MAPIRT_SPOOL_H
#define MAPIRT_SPOOL_H

#include <mapidefs.h>
#include <mapispi.h>

struct mapirt_sess;

/* Starts the spooler of s when it should run (a transport is active, no MAPI_NO_MAIL); S_OK
 * when it has nothing to do. */
HRESULT mapirt_spool_start(struct mapirt_sess *s);
/* Stops it and waits for its thread (its current pass ends at the next message). Idempotent;
 * called by mapirt_sess_end before the providers are stopped. */
void mapirt_spool_stop(struct mapirt_sess *s);
/* Asks for a pass soon (SpoolerNotify). */
void mapirt_spool_kick(struct mapirt_sess *s);
/* Runs a whole pass and waits for it to end (IMAPIStatus::FlushQueues of the spooler's row):
 * MAPI_E_NOT_FOUND when no spooler runs, MAPI_E_TIMEOUT after timeout_ms. From the spooler's
 * own thread it only asks for the pass. */
HRESULT mapirt_spool_flush(struct mapirt_sess *s, unsigned timeout_ms);
/* The spooler's status row fields (statustab.c): 0 when it does not run. */
int mapirt_spool_row(struct mapirt_sess *s, ULONG *code, char *text, size_t cb);

/* IMAPISupport::PrepareSubmit and DoSentMail (sentmail.c). */
HRESULT mapirt_spool_prepare_submit(struct mapirt_sess *s, LPMESSAGE msg, ULONG *flags, char *err,
                                    size_t cberr);
HRESULT mapirt_spool_sent_mail(struct mapirt_sess *s, ULONG flags, LPMESSAGE msg, char *err,
                               size_t cberr);

/* A non-delivery report in store mdb's receive folder for the recipients rows of msg that no
 * transport took, each with why (ndr.c); a new-mail notification follows. */
HRESULT mapirt_spool_ndr(LPMDB mdb, LPMESSAGE msg, LPSRowSet rows, const char *const *why,
                         char *err, size_t cberr);
/* The report StatusRecips queued (r), made in store into (reports.c): a non-delivery report
 * of the recipients not delivered (*made 1), nothing when all were. */
struct mapirt_report;
HRESULT mapirt_spool_report(struct mapirt_sess *s, LPMDB into, const struct mapirt_report *r,
                            int *made, char *err, size_t cberr);
/* Tells mdb's subscribers about the new message msg in folder (NotifyNewMail). */
void mapirt_spool_newmail(LPMDB mdb, LPMESSAGE msg);

/* The preprocessors run on one message (preproc.c): their modules stay loaded, and their
 * REMOVEPREPROCESSINFO functions (NULL when not registered) wait for the message to be sent. */
typedef struct mapirt_preproc {
    struct mapirt_module **mods;
    REMOVEPREPROCESSINFO **removes;
    ULONG n;
} mapirt_preproc;
/* Runs every registered preprocessor whose address type is one of msg's recipients', in the
 * order registered. *extra (mapirt_free; each message referenced) gets the messages they made
 * for the spooler to send. A failure (library or function missing, or a preprocessor's error)
 * stops there, err naming the preprocessor (DLL!function) and the code; the caller still calls
 * mapirt_preproc_done(run, NULL) and releases what *extra holds. */
HRESULT mapirt_preproc_run(struct mapirt_sess *s, LPMDB mdb, LPMESSAGE msg, mapirt_preproc *run,
                           ULONG *nextra, LPMESSAGE **extra, char *err, size_t cberr);
/* Calls each REMOVEPREPROCESSINFO on sent (unless NULL: the message was not sent), then
 * unloads the libraries. */
void mapirt_preproc_done(mapirt_preproc *run, LPMESSAGE sent);

#endif
