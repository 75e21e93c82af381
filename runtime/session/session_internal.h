/* session_internal.h (internal): the session layer's objects and how they hang together.
 * docs/sessions.md is the design note (objects, lifetimes, lock order, what comes next).
 *
 *   client handle (coclass session: IMAPISession)  ──ref──►  mapirt_sess (the session proper)
 *   support object (coclass support: IMAPISupport) ──ref──►  mapirt_sess
 *   mapirt_sess ──► providers[] (one per provider of the profile, fixed at logon)
 *                   uid map (MAPIUID → provider, O(1)), status table, message store table
 *
 * A mapirt_sess lives while a handle or a support object refers to it: a store the client
 * still holds keeps its provider's support object, which keeps the session's memory (never its
 * providers: Logoff has shut those down) and the provider's module (no dlclose under a live
 * vtable). A shared session (MAPI_ALLOW_OTHERS) has several handles; it ends when the last
 * handle logs off (or is released without Logoff).
 *
 * Locks, in the order they may be taken (never the other way round):
 *   1. g_logon_mu (logon.c): serialises MAPILogonEx and the shared-session pointer;
 *   1b. sess->store_mu (recursive): serialises the first opening of the session's stores
 *      (load, entry point, IMSProvider::Logon), held across those calls into the provider; a
 *      store provider whose Logon opens its own store again is refused, not deadlocked;
 *   2. sess->tbl_mu (recursive): serialises changes to the session's tables, so that rows are
 *      rebuilt and handed to ITableData in the order the changes happened;
 *   3. sess->mu: the session's own state (providers' states, rows' data, uid map, handles);
 *      held only to read or write that state, never across a call into a provider, a sink, a
 *      table or the profile store;
 *   4. the table's own lock (runtime/table/table_internal.h), taken inside ITableData calls.
 * Calls into providers (Logon, Logoff, OpenEntry, ...) are made holding no session lock, except
 * g_logon_mu during MAPILogonEx (as MAPI's logon mutex is held while providers log on) and
 * store_mu across a store's first open (whose Logon may change the status table: 1b then 2).
 * Sinks never run under 1b or 2: taken with mapirt_store_lock / mapirt_tbl_lock (locks.c), they
 * hold back the table notifications the thread causes and the unlock that leaves it holding
 * neither delivers them, in order (<mapirt/notifyq.h>); so a sink may open a store or change a
 * table without taking 1b after 2.
 *
 * Calls in flight (<mapirt/gate.h>): every method of a client handle, a support object and
 * MAPI's status objects ([fenced] in their IDL) counts itself in on sess->gate; the session's
 * tables and every provider object the session hands out (stores, provider status objects,
 * what OpenEntry opens, and what their methods return) are proxies whose calls count
 * themselves in on sess->gate (tables) or on their provider's p->gate. Ending a session
 * (mapirt_sess_end) sets `ended`, closes sess->gate and waits until no other thread is inside,
 * then for each provider closes p->gate, waits the same way and only then logs it off. The
 * waits hold no lock (none of the four above, nor g_logon_mu except for a session that
 * MAPILogonEx is still making and nobody else can reach). Entering a closed gate never waits:
 * a provider that calls its support object while it logs off (inside mapirt_provider_stop) is
 * answered at once, as the method answers after the end (most MAPI_E_END_OF_SESSION;
 * ModifyStatusRow, Unsubscribe, StoreLogoffTransports, GetMemAllocRoutines succeed), so the
 * closer never waits on a call that waits on it. A thread that ends a session from inside one
 * of its calls (a sink that logs off) waits only for the other threads' calls. A thread inside
 * a call of anything else (another session: its sink ends this one) does not wait at all: the
 * session's gate is shut at once (it answers MAPI_E_END_OF_SESSION from then on) and the rest
 * of the end runs when that thread leaves its outermost call (mapirt_gate_defer), where it is
 * inside no gate. So no thread waits while another may wait for it: two threads each ending,
 * from inside a call of its own session, the session the other is in, both return and each
 * session ends when its ender's call returns (logoff.c, test_lockorder.c). A second ender that
 * is inside a call does not wait either (the first ender may be waiting for that call). */
#ifndef MAPIRT_SESSION_INTERNAL_H
#define MAPIRT_SESSION_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include <mapispi.h>
#include <mapix.h>

#include <mapirt/gate.h>
#include <mapirt/lasterror.h>
#include <mapirt/notify.h>

#include "profile/inuse.h"
#include "profile/store.h"
#include "spi/loader.h"

typedef enum mapirt_prov_kind {
    MAPIRT_PROV_AB = 0,
    MAPIRT_PROV_MS = 1,
    MAPIRT_PROV_XP = 2,
} mapirt_prov_kind;

typedef enum mapirt_prov_state {
    MAPIRT_PROV_IDLE = 0, /* not started (stores until opened; transports with MAPI_NO_MAIL) */
    MAPIRT_PROV_ACTIVE, /* logged on */
    MAPIRT_PROV_FAILED, /* its logon failed (status row with the error) */
    MAPIRT_PROV_DISABLED, /* another provider of its service failed: never started */
    MAPIRT_PROV_ENDED, /* logged off */
} mapirt_prov_state;

struct support;
struct mapirt_sess;

/* SetDefaultStore's dynamic flags, kept per store for the session. */
#define MAPIRT_STORE_FLAGS \
    (STATUS_DEFAULT_STORE | STATUS_SIMPLE_STORE | STATUS_PRIMARY_STORE | STATUS_SECONDARY_STORE)

/* One provider of the profile in one session. */
typedef struct mapirt_provider {
    struct mapirt_sess *sess; /* the session that owns this record (no reference) */
    ULONG index; /* in sess->provs */
    mapirt_prov_kind kind;
    MAPIUID uid; /* PR_PROVIDER_UID: its profile section */
    MAPIUID service; /* PR_SERVICE_UID */
    char service_name[128];
    char dll[128]; /* PR_PROVIDER_DLL_NAME */
    char display[128]; /* the section's PR_DISPLAY_NAME (UTF-8) */
    char provider_display[128]; /* the section's PR_PROVIDER_DISPLAY */
    ULONG section_flags; /* the section's PR_RESOURCE_FLAGS at logon */
    /* ---- under sess->mu ---- */
    mapirt_prov_state state;
    ULONG dyn_flags; /* MAPIRT_STORE_FLAGS set for this session (stores) */
    HRESULT error; /* why it failed */
    char error_text[512]; /* ... in words: service, provider, its MAPIERROR */
    LPSPropValue row; /* the provider's status row as it gave it (MAPIAllocateBuffer) */
    ULONG crow;
    int has_row;
    ULONG xp_flags; /* TransportLogon's output flags */
    int opening; /* a store: its first open is under way (under store_mu) */
    /* ---- set at logon, cleared at logoff (sess->mu) ---- */
    mapirt_module *module; /* a reference for the provider object */
    mapirt_gate *gate; /* the kill switch of the proxies of its objects (holds the module) */
    LPUNKNOWN provider; /* IABProvider / IMSProvider / IXPProvider */
    LPUNKNOWN logon; /* IABLogon / IMSLogon / IXPLogon */
    LPMDB mdb; /* stores: the IMsgStore (our reference) */
    struct support *sup; /* our reference to its support object */
    LPBYTE spool_security; /* IMSProvider::Logon's blob (for the spooler's SpoolerLogon) */
    ULONG cb_spool_security;
} mapirt_provider;

/* MAPI's own status rows: row IDs 1..3; provider rows are MAPIRT_ROW_PROVIDER + index. */
enum { MAPIRT_ROW_SUBSYSTEM = 1,
    MAPIRT_ROW_SPOOLER = 2,
    MAPIRT_ROW_AB = 3,
    MAPIRT_ROW_PROVIDER = 16 };

/* The UID map: MAPIUID → providers that registered it, first registration first (uidmap.c). */
typedef struct mapirt_uidmap mapirt_uidmap;
HRESULT mapirt_uidmap_create(mapirt_uidmap **out);
void mapirt_uidmap_destroy(mapirt_uidmap *m);
/* Registers uid for provider `index` (duplicates allowed; the first stays first). */
HRESULT mapirt_uidmap_add(mapirt_uidmap *m, const MAPIUID *uid, ULONG index);
/* Removes every registration of provider `index`. */
void mapirt_uidmap_remove_provider(mapirt_uidmap *m, ULONG index);
/* The first provider that registered uid, or -1. O(1) on average. */
long mapirt_uidmap_find(const mapirt_uidmap *m, const MAPIUID *uid);
ULONG mapirt_uidmap_count(const mapirt_uidmap *m);

/* A spooler request recorded by IMAPISupport::SpoolerNotify (for the spooler, a later issue). */
typedef struct mapirt_spooler_request {
    ULONG provider; /* index */
    ULONG flags; /* NOTIFY_* */
} mapirt_spooler_request;

struct session;

/* The session proper. */
typedef struct mapirt_preprocessor mapirt_preprocessor;
typedef struct mapirt_report mapirt_report;

typedef struct mapirt_sess {
    atomic_uint refs;
    mapirt_gate *gate; /* calls in flight (handles, support objects, status objects, tables) */
    mapirt_gate_task end_task; /* an end put off until its ender leaves its calls (logoff.c) */
    struct mapirt_notifyq *notifyq; /* table notifications held back under locks 1b, 2 (locks.c) */
    pthread_mutex_t mu; /* lock 3 */
    pthread_mutex_t tbl_mu; /* lock 2 (recursive) */
    pthread_mutex_t store_mu; /* lock 1b (recursive) */
    mapirt_profstore *ps;
    mapirt_profile_id id;
    char profile[MAPIRT_PROFNAME_MAX + 1]; /* UTF-8 */
    mapirt_profile_use *use;
    ULONG logon_flags; /* MAPILogonEx's flags of the logon that made it */
    int shared; /* MAPI_ALLOW_OTHERS */
    ULONG serial; /* distinguishes sessions in status entry IDs */
    ULONG nprov;
    mapirt_provider *provs; /* fixed after logon */
    mapirt_uidmap *sections; /* provider section UID → index; fixed after logon */
    /* ---- under mu ---- */
    int ended; /* logged off: everything answers MAPI_E_END_OF_SESSION */
    mapirt_uidmap *uids;
    ULONG handles; /* client handles attached */
    struct session **members; /* the handles (no references), for shared-session notices */
    ULONG nmembers, cmembers;
    mapirt_spooler_request *spool;
    ULONG nspool, cspool;
    struct mapirt_spool *spooler; /* runtime/spool/ (its own lock guards this pointer) */
    /* the tables, 8-bit and Unicode (rows are the same, strings differ) */
    LPTABLEDATA status_td[2];
    LPTABLEDATA stores_td[2];
    char logon_errors[1024];
    /* ---- part 2, under mu: what the spooler finds (recips.c) ---- */
    mapirt_preprocessor *preprocs;
    ULONG npreprocs;
    mapirt_report *reports;
    ULONG nreports;
} mapirt_sess;

/* Locks 1b and 2 (store_mu, tbl_mu). While a thread holds either, the table notifications it
 * causes are queued on the session, in the order of the changes, and delivered by the unlock
 * that leaves it holding neither: sinks never run under these locks (a sink may open a store
 * or change a table; statustab.c). */
void mapirt_tbl_lock(mapirt_sess *s);
void mapirt_tbl_unlock(mapirt_sess *s);
void mapirt_store_lock(mapirt_sess *s);
void mapirt_store_unlock(mapirt_sess *s);

void mapirt_sess_addref(mapirt_sess *s);
void mapirt_sess_release(mapirt_sess *s);

/* Formats into a fixed buffer, cutting what does not fit (messages only). */
void mapirt_textf(char *dst, size_t cb, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Gives out an object just made (session.c), which holds its one reference: hr is how making it
 * went. As iid, or as own (the object as own_iid) when iid is NULL or own_iid, with *lpulObjType
 * type; the object is released when it fails or when iid is asked of unk (its IUnknown). */
HRESULT mapirt_sess_give_out(HRESULT hr, LPUNKNOWN unk, LPUNKNOWN own, LPCIID own_iid,
                             LPCIID iid, ULONG type, ULONG *lpulObjType, LPUNKNOWN *lppUnk);

/* ---- provider.c: loading, logging on and off ---- */

/* Loads the provider's shared object, calls its entry point (with hInstance, the IMalloc and the
 * allocators; SPI version negotiation) and logs it on (AB: IABProvider::Logon; XP:
 * TransportLogon with LOGON_NO_INBOUND | LOGON_NO_OUTBOUND, then TransportNotify; MS: not here,
 * see mapirt_store_open). Applies the failure policy (SPEC §4.6); returns the provider's
 * outcome (S_OK when it is active). */
HRESULT mapirt_provider_start(mapirt_sess *s, mapirt_provider *p, ULONG_PTR ulUIParam);
/* Opens (logs on) a store provider: its first open logs it on, later opens reuse the store.
 * lpEntryID: the provider's own store entry ID, or NULL. */
HRESULT mapirt_store_open(mapirt_sess *s, mapirt_provider *p, ULONG_PTR ulUIParam, ULONG cb,
    LPENTRYID lpEntryID, ULONG ulFlags, LPMDB *out);
/* Logs a provider off in the documented order: UIDs and status row removed, the logon's
 * Logoff/TransportLogoff, Release of the logon, Shutdown and Release of the provider object,
 * our support reference dropped. */
void mapirt_provider_stop(mapirt_sess *s, mapirt_provider *p);
/* "ACME MS (acmems.so) of service 'ACME'" for messages. */
void mapirt_provider_name(const mapirt_provider *p, char *buf, size_t cb);
/* Records a failure of p (state FAILED, text, status row) and, unless it is
 * MAPI_E_FAILONEPROVIDER / MAPI_E_UNCONFIGURED, disables the rest of its service. */
void mapirt_provider_failed(mapirt_sess *s, mapirt_provider *p, HRESULT hr, const char *text);

/* ---- support.c: the per-provider support object ---- */

HRESULT mapirt_support_create(mapirt_sess *s, mapirt_provider *p, struct support **out);
IMAPISupport *mapirt_support_iface(struct support *sup);
void mapirt_support_release(struct support *sup);
/* Cuts the support object off its provider record (the provider logged off): its methods then
 * answer as for a provider no longer in the session. */
void mapirt_support_detach(struct support *sup);

/* ---- statustab.c / storetab.c: the session's tables ---- */

HRESULT mapirt_tables_create(mapirt_sess *s);
void mapirt_tables_destroy(mapirt_sess *s);
/* Rebuilds the status row of MAPI's own rows / of provider p (removing it when it has none). */
HRESULT mapirt_status_refresh_mapi(mapirt_sess *s);
/* ... only MAPI's rows first..last (the spooler refreshes its own row alone). */
HRESULT mapirt_status_refresh_mapi_rows(mapirt_sess *s, ULONG first, ULONG last);
HRESULT mapirt_status_refresh(mapirt_sess *s, mapirt_provider *p);
/* Rebuilds the message store table row of store provider p. */
HRESULT mapirt_stores_refresh(mapirt_sess *s, mapirt_provider *p);
/* IMAPISupport::ModifyStatusRow on p's row. */
HRESULT mapirt_status_modify(mapirt_sess *s, mapirt_provider *p, ULONG cValues,
    const SPropValue *lpProps, ULONG ulFlags);
/* A view (IMAPITable) of the status / store table. */
HRESULT mapirt_status_view(mapirt_sess *s, ULONG ulFlags, LPMAPITABLE *out);
HRESULT mapirt_stores_view(mapirt_sess *s, ULONG ulFlags, LPMAPITABLE *out);
/* The row's properties (status table, 8-bit strings) of row `rowid`: MAPIAllocateBuffer. */
HRESULT mapirt_status_row_props(mapirt_sess *s, ULONG rowid, ULONG *cValues,
    LPSPropValue *lppProps);

/* ---- entry IDs the session makes (entryid.c) ---- */

/* The UID of status-row entry IDs and of wrapped store entry IDs (docs/sessions.md). */
extern const MAPIUID mapirt_muid_status;
extern const MAPIUID mapirt_muid_storewrap;
/* A status row's entry ID: 4 flag bytes, mapirt_muid_status, session serial, row ID. */
#define MAPIRT_STATUS_EID_SIZE (4 + 16 + 4 + 4)
void mapirt_status_eid(const mapirt_sess *s, ULONG rowid, BYTE out[MAPIRT_STATUS_EID_SIZE]);
/* Decodes one: the row ID, or 0 when it is not one of this session's. */
ULONG mapirt_status_eid_row(const mapirt_sess *s, ULONG cb, const ENTRYID *eid);
/* A wrapped store entry ID (MAPIAllocateMore on parent, or MAPIAllocateBuffer when NULL): 4
 * flag bytes, mapirt_muid_storewrap, the provider's section UID, then the provider's own store
 * entry ID (cb may be 0). */
HRESULT mapirt_store_eid_wrap(const MAPIUID *provider, ULONG cb, const BYTE *inner, void *parent,
    SBinary *out);
/* Unwraps one: the provider UID and the inner entry ID (pointing into eid). 0 when it is not a
 * wrapped store entry ID. */
int mapirt_store_eid_unwrap(ULONG cb, const ENTRYID *eid, MAPIUID *provider, ULONG *cbInner,
    const BYTE **inner);
/* The MAPIUID inside an entry ID (bytes 4..19): MAPI_E_INVALID_ENTRYID when it is too short. */
HRESULT mapirt_eid_uid(ULONG cb, const ENTRYID *eid, MAPIUID *uid);

/* ---- routing (route.c) ---- */

/* The provider an entry ID belongs to (wrapped store IDs by their provider, others by the uid
 * map); NULL when none (MAPI_E_UNKNOWN_ENTRYID). */
mapirt_provider *mapirt_route(mapirt_sess *s, ULONG cb, const ENTRYID *eid);
/* A provider's logon object's OpenEntry/CompareEntryIDs/Advise (by kind). */
HRESULT mapirt_logon_open_entry(mapirt_provider *p, ULONG cb, LPENTRYID eid, LPCIID iid,
    ULONG ulFlags, ULONG *lpulObjType, LPUNKNOWN *lppUnk);
HRESULT mapirt_logon_compare(mapirt_provider *p, ULONG cb1, LPENTRYID e1, ULONG cb2,
    LPENTRYID e2, ULONG ulFlags, ULONG *lpulResult);
HRESULT mapirt_logon_status(mapirt_provider *p, LPCIID iid, ULONG ulFlags, ULONG *lpulObjType,
    LPUNKNOWN *lppUnk);
/* OpenEntry through the session (IMAPISession::OpenEntry and IMAPISupport::OpenEntry). */
HRESULT mapirt_sess_open_entry(mapirt_sess *s, ULONG cb, LPENTRYID eid, LPCIID iid,
    ULONG ulFlags, ULONG *lpulObjType, LPUNKNOWN *lppUnk, char *err,
    size_t cberr);
HRESULT mapirt_sess_compare(mapirt_sess *s, ULONG cb1, LPENTRYID e1, ULONG cb2, LPENTRYID e2,
    ULONG ulFlags, ULONG *lpulResult);

/* ---- mapistatus.c: MAPI's own status objects ---- */

HRESULT mapirt_mapistatus_create(mapirt_sess *s, ULONG rowid, LPCIID iid, LPUNKNOWN *out);

/* ---- logoff.c ---- */

/* Ends the session proper: every provider stopped in the documented order, the tables
 * emptied, the profile released. Idempotent. */
void mapirt_sess_end(mapirt_sess *s);
/* Ends every session still open (the last MAPIUninitialize). */
void mapirt_sessions_end_all(void);
/* Registry of live sessions (for MAPIUninitialize). */
void mapirt_sessions_add(mapirt_sess *s);
void mapirt_sessions_remove(mapirt_sess *s);

/* Proxies for the provider object and for the support object handed to providers, when
 * MAPIRT_TRACE is on (mapirt_proxy_wrap; no cost otherwise). */
HRESULT mapirt_sess_wrap(REFIID riid, LPUNKNOWN inner, LPUNKNOWN *out);
/* Hands out an object of provider p: *out is a proxy on p's kill switch (traced when tracing
 * is on) of interface iid, or of the standard interface of MAPI type objtype when iid is NULL.
 * Consumes the caller's reference to inner (released on failure too). MAPI_E_END_OF_SESSION
 * when p has logged off meanwhile. */
HRESULT mapirt_provider_hand_out(mapirt_sess *s, mapirt_provider *p, LPCIID iid, ULONG objtype,
    LPUNKNOWN inner, LPUNKNOWN *out);
/* The same for the session's own objects (tables) on sess->gate. */
HRESULT mapirt_sess_hand_out(mapirt_sess *s, LPCIID iid, LPUNKNOWN inner, LPUNKNOWN *out);

/* Whether the session handed out by MAPILogonEx was made shared and is the process's. */
void mapirt_shared_forget(mapirt_sess *s);

/* ---- part 2: the address book, one-off entry IDs, the rest of IMAPISupport ---- */

/* A provider's logon object with a reference (NULL when it is not logged on) (route.c). */
LPUNKNOWN mapirt_logon_ref(mapirt_provider *p);

/* One-off entry IDs (oneoff.c). name/adrtype/address are UTF-16 with MAPI_UNICODE, else 8-bit;
 * MAPI_SEND_NO_RICH_INFO sets MAPI_ONE_OFF_NO_RICH_INFO (so does an SMTP address type). The ID
 * is MAPIAllocateMore'd on parent, or MAPIAllocateBuffer'd when parent is NULL. */
HRESULT mapirt_oneoff_make(const void *name, const void *adrtype, const void *address,
    ULONG ulFlags, void *parent, ULONG *lpcb, LPENTRYID *lppEntryID);
/* Whether an entry ID carries MAPI_ONE_OFF_UID (it may still be malformed). */
int mapirt_oneoff_is(ULONG cb, const ENTRYID *eid);
/* A one-off entry ID decoded, strings as UTF-8 on the runtime heap (mapirt_oneoff_free). */
typedef struct mapirt_oneoff {
    ULONG flags; /* MAPI_ONE_OFF_* */
    char *name, *type, *address;
} mapirt_oneoff;
HRESULT mapirt_oneoff_parse(ULONG cb, const ENTRYID *eid, mapirt_oneoff *out);
void mapirt_oneoff_free(mapirt_oneoff *o);
/* Same address type and address (case-insensitive); display names do not count. */
int mapirt_oneoff_equal(const mapirt_oneoff *a, const mapirt_oneoff *b);
/* The recipient's properties (one MAPIAllocateBuffer block, 8-bit strings). */
HRESULT mapirt_oneoff_props(ULONG cb, const ENTRYID *eid, ULONG *lpcValues,
    LPSPropValue *lppProps);
/* The IMailUser of a one-off entry ID. */
HRESULT mapirt_oneoff_open(ULONG cb, const ENTRYID *eid, LPCIID iid, ULONG *lpulObjType,
    LPUNKNOWN *lppUnk);
/* IMAPISupport::GetOneOffTable: the address book providers' one-off templates. */
HRESULT mapirt_oneoff_table(mapirt_sess *s, ULONG ulFlags, LPMAPITABLE *out);

/* Adds row to td with PR_INSTANCE_KEY replaced by a key unique to (provider, n) (addrbook.c). */
HRESULT mapirt_row_with_key(LPTABLEDATA td, const SRow *row, ULONG provider, ULONG n);

/* MAPI's IAddrBook over the session's address book providers (addrbook.c). */
HRESULT mapirt_addrbook_create(mapirt_sess *s, LPCIID iid, LPADRBOOK *out);
/* The message of the first AB provider that failed to log on ("" when none). */
void mapirt_addrbook_failures(mapirt_sess *s, char *buf, size_t cb);

/* IMAPISupport::ExpandRecips / StatusRecips / CompleteMsg / ReadReceipt, the support side of
 * sending (recips.c; PrepareSubmit and DoSentMail are the spooler's: runtime/spool/sentmail.c; docs/sessions.md says what the spooler
 * does with them). */
HRESULT mapirt_expand_recips(mapirt_sess *s, LPMESSAGE lpMessage, ULONG *lpulFlags, char *err,
    size_t cberr);
HRESULT mapirt_status_recips(mapirt_sess *s, LPMESSAGE lpMessage, LPADRLIST lpRecipList,
    char *err, size_t cberr);
HRESULT mapirt_complete_msg(mapirt_sess *s, LPMESSAGE lpMessage, char *err, size_t cberr);
HRESULT mapirt_read_receipt(mapirt_sess *s, ULONG ulFlags, LPMESSAGE lpReadMessage,
    LPMESSAGE *lppEmptyMessage, char *err, size_t cberr);

/* What the spooler finds (recips.c): preprocessors registered by transports, and the delivery
 * and nondelivery reports StatusRecips asked for (docs/sessions.md, "For the spooler"). */
struct mapirt_preprocessor {
    ULONG provider; /* the transport's index */
    MAPIUID muid;
    char adrtype[64], dll[256], preprocess[128], remove[128];
    ULONG flags;
};
struct mapirt_report {
    ULONG provider; /* the transport that asked */
    SBinary message; /* the message's PR_ENTRYID (may be empty) */
    SBinary search_key; /* its PR_SEARCH_KEY (may be empty) */
    LPADRLIST recips; /* the recipients with their report properties (FreePadrlist) */
};
HRESULT mapirt_spool_register_preprocessor(mapirt_sess *s, mapirt_provider *p,
    const MAPIUID *muid, const void *adrtype,
    const void *dll, const char *preprocess,
    const char *remove, ULONG ulFlags, char *err,
    size_t cberr);
/* Whether a preprocessor is registered for the address type (compared without case). */
int mapirt_spool_has_preprocessor(mapirt_sess *s, const char *type);
/* A copy of the registered preprocessors (mapirt_free). */
HRESULT mapirt_spool_preprocessors(mapirt_sess *s, mapirt_preprocessor **out, ULONG *n);
/* Takes the reports queued so far (the caller frees each with mapirt_report_free, then the
 * array with mapirt_free). */
HRESULT mapirt_spool_take_reports(mapirt_sess *s, mapirt_report **out, ULONG *n);
void mapirt_report_free(mapirt_report *r);
/* Frees the queues (the session's last reference). */
void mapirt_spool_free(mapirt_sess *s);

/* MAPI's generic copies (supcopy.c): IMAPISupport::DoCopyTo, DoCopyProps, CopyMessages,
 * CopyFolder over any IMAPIProp / IMessage / IMAPIFolder (no progress shown). */
/* One property too big for GetProps copied between two objects through streams (supcopy.c). */
HRESULT mapirt_copy_big_prop(LPMAPIPROP from, LPMAPIPROP to, ULONG tag, char *err, size_t cberr);
HRESULT mapirt_do_copy_to(LPCIID lpSrcInterface, LPVOID lpSrcObj, ULONG ciidExclude,
    LPCIID rgiidExclude, LPSPropTagArray lpExcludeProps,
    LPCIID lpDestInterface, LPVOID lpDestObj, ULONG ulFlags,
    LPSPropProblemArray *lppProblems, char *err, size_t cberr);
HRESULT mapirt_do_copy_props(LPCIID lpSrcInterface, LPVOID lpSrcObj,
    LPSPropTagArray lpIncludeProps, LPCIID lpDestInterface,
    LPVOID lpDestObj, ULONG ulFlags, LPSPropProblemArray *lppProblems,
    char *err, size_t cberr);
HRESULT mapirt_copy_messages(LPMAPIFOLDER src, LPENTRYLIST lpMsgList, LPMAPIFOLDER dest,
    ULONG ulFlags, char *err, size_t cberr);
HRESULT mapirt_copy_folder(LPMAPIFOLDER src, ULONG cbEntryID, LPENTRYID lpEntryID,
    LPMAPIFOLDER dest, const void *lpszNewFolderName, ULONG ulFlags,
    char *err, size_t cberr);

#endif
