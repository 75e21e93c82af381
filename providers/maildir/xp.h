/* xp.h: what the files of the Maildir transport provider share (never installed).
 *
 * Built as a third party builds a provider: the public MAPI headers, <mapirt/...> for the
 * object layer and the property bag, -lmapirt, and GMime 3 for every byte of MIME. README.md
 * says what the transport does; docs/spooler.md how the spooler drives it.
 *
 * Locks: each logon has one mutex (xp_logon.lock) for its status and counters, never held
 * across a call into the support object or a message. Outbound and inbound work run on the
 * spooler's thread; the status object and TransportNotify may come from any thread. */
#ifndef XP_H
#define XP_H

#include <pthread.h>
#include <stddef.h>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapiguid.h>
#include <mapispi.h>
#include <mapitags.h>
#include <mapiutil.h>
#include <mapix.h>
#include <mapirt/lasterror.h>
#include <mapirt/propstore.h>

#define XP_EXPORT __attribute__((visibility("default")))

/* Profile section properties of the transport (provider-private range 0x6600-0x67FF): the
 * Maildir messages are written to, the one they are read from, and who sends when a message
 * names no sender. 8-bit strings are UTF-8 (docs/decisions.md). */
#define PR_MAILDIR_OUTGOING_A PROP_TAG(PT_STRING8, 0x6710)
#define PR_MAILDIR_INCOMING_A PROP_TAG(PT_STRING8, 0x6711)
#define PR_MAILDIR_USER_NAME_A PROP_TAG(PT_STRING8, 0x6712)
#define PR_MAILDIR_USER_ADDRESS_A PROP_TAG(PT_STRING8, 0x6713)
/* on a message sent: the file it became (outgoing/new/NAME), for the client to show */
#define PR_MAILDIR_FILE_A PROP_TAG(PT_STRING8, 0x6714)
#define XP_NCONFIG 4

/* Tags the MinGW headers lack (MS-OXPROPS). */
#ifndef PR_HTML
#define PR_HTML PROP_TAG(PT_BINARY, 0x1013)
#endif
#ifndef PR_INTERNET_MESSAGE_ID_A
#define PR_INTERNET_MESSAGE_ID_A PROP_TAG(PT_STRING8, 0x1035)
#endif

#define XP_PROVIDER_DISPLAY "mapirt Maildir transport"
#define XP_ADDRTYPE "SMTP"

struct xp_provider {
    HINSTANCE instance;
    LPALLOCATEBUFFER alloc;
    LPALLOCATEMORE more;
    LPFREEBUFFER freebuf;
};
#include "xp_provider_decl.h"

/* The configuration of one logon: absolute paths and the default sender (UTF-8, malloc). */
typedef struct xp_config {
    char *outgoing, *incoming, *user_name, *user_address;
} xp_config;

void xp_config_free(xp_config *c);
/* Reads the configuration from the provider's section, then its service's section, then the
 * defaults (README.md): $XDG_DATA_HOME/mapirt/Maildir/outgoing and .../incoming
 * ($XDG_DATA_HOME defaults to ~/.local/share); the user from $USER@hostname. */
HRESULT xp_config_read(LPMAPISUP sup, xp_config *out, char *err, size_t cberr);

/* Incoming files in delivery order (maildir.c). */
typedef struct xp_listing {
    char **names;
    size_t n, next;
} xp_listing;

struct xp_logon {
    struct xp_provider *prov; /* a reference */
    LPMAPISUP sup;            /* a reference */
    LPALLOCATEBUFFER alloc;
    LPALLOCATEMORE more;
    LPFREEBUFFER freebuf;
    xp_config cfg;
    LPSTR adrtypes[1];
    pthread_mutex_t lock;
    /* ---- under lock ---- */
    ULONG status;         /* PR_STATUS_CODE */
    char text[512];       /* PR_STATUS_STRING */
    ULONG next_ref;
    unsigned long sent, received, bad;
    int logged_off;
    xp_listing pending; /* incoming files (the spooler's thread only) */
};
#include "xp_logon_decl.h"

/* Updates the status row (PR_STATUS_CODE from status, PR_STATUS_STRING from text). */
void xp_logon_publish(struct xp_logon *l);
/* Records a problem in the status row's text (kept until the next success says otherwise). */
void xp_logon_note(struct xp_logon *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The status row's properties, allocated with alloc (for the status object). */
HRESULT xp_logon_row(struct xp_logon *l, ULONG *c, LPSPropValue *out);

struct xp_status {
    mapirt_propbag *bag;
    struct xp_logon *logon; /* a reference */
};
#include "xp_status_decl.h"
HRESULT xp_status_create(struct xp_logon *l, LPMAPISTATUS *out);

/* ---- Maildir (maildir.c) ---- */

/* Creates dir and its tmp/, new/, cur/ (mode 0700) when missing. */
int xp_maildir_make(const char *dir, char *err, size_t cberr);
/* A name unique to this delivery (time.Mpid_Rrandom_Qcount.host), at most 255 bytes. */
void xp_maildir_unique(char *out, size_t cb);
/* Writes a file into dir/tmp/, hands its descriptor to write (which returns 0 or an errno),
 * fsyncs it and renames it into dir/new/ (then fsyncs new/): the file appears whole or not at
 * all. The name chosen goes to name (at least 256 bytes). Returns 0 or an errno. */
int xp_maildir_deliver(const char *dir, int (*write)(int fd, void *ctx), void *ctx, char *name,
                       size_t cbname);
/* The files of dir/new/ in delivery order, read once and handed out one by one (reading the
 * directory for each file would make delivering N files cost N^2). */
void xp_listing_free(xp_listing *l);
/* The next file of l, reading dir/new/ again when l is used up; 0 when there is none. A file
 * named may be gone (another reader took it): the caller goes on to the next. */
int xp_maildir_next(const char *dir, xp_listing *l, char *name, size_t cb);
/* Whether dir/new/ has an entry. */
int xp_maildir_has_new(const char *dir);
/* Moves dir/new/name to dir/cur/name:2,<flags> (Maildir's "seen by a client" step). */
int xp_maildir_to_cur(const char *dir, const char *name, const char *flags);
/* Moves dir/new/name aside to dir/.bad/name (created when missing): a malformed file is kept
 * where no reader takes it again, and where a person finds it. */
int xp_maildir_set_aside(const char *dir, const char *name);

/* ---- MIME (mime_out.c, mime_in.c) ---- */

/* One-time GMime initialisation (g_mime_init, never shut down: other users in the process). */
void xp_gmime_init(void);
/* Writes msg's recipients that this transport takes (PR_RESPONSIBILITY false, address type
 * SMTP, a valid address) as one RFC 5322 / MIME file into the outgoing Maildir, then marks those
 * recipients PR_RESPONSIBILITY true on msg. *taken: how many. */
HRESULT xp_send(struct xp_logon *l, LPMESSAGE msg, ULONG *taken, char *err, size_t cberr);
/* Parses the file at path and fills msg with it (properties, recipients, attachments); does not
 * save. MAPI_E_CORRUPT_DATA (err says why) when the file is not a mail message. */
HRESULT xp_receive(struct xp_logon *l, const char *path, LPMESSAGE msg, char *err, size_t cberr);
/* Names the message as the delivery of the file NAME, before its first SaveChanges
 * (deliverykey.c): a store that keeps delivery keys refuses it a second time. */
HRESULT xp_set_delivery_key(LPMESSAGE msg, const char *name);
/* Tests only: raises SIGKILL at the named point when MAPIRT_MAILDIR_KILL_AT names it
 * ("sending": in SubmitMessage, the message locked; "delivered": saved, still in new/). */
void xp_test_point(const char *point);

/* ---- property helpers (props.c) ---- */

/* A string property of prop as UTF-8 (the 8-bit tag, else the Unicode one converted), or NULL
 * when it has none; big values through OpenProperty. malloc'd. */
char *xp_get_string(LPMAPIPROP prop, ULONG id);
/* A binary property's bytes (malloc'd, *cb) or NULL; big values through OpenProperty. */
void *xp_get_binary(LPMAPIPROP prop, ULONG tag, size_t *cb);

#endif
