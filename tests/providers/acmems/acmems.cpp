// acmems: a message store provider in C++, from the public MAPI headers only, written as third
// parties write them: classes deriving from the interfaces' C++ declarations, every method the
// store does not implement answering MAPI_E_NO_SUPPORT through the headers' method-list macros.
//
// IMSProvider::Logon (SPEC §4.4): AddRefs the support object, writes PR_DISPLAY_NAME,
// PR_ENTRYID, PR_PROVIDER_DISPLAY and PR_RECORD_KEY into its profile section, registers its
// MAPIUID, adds a status row, and returns one object with two interfaces, IMSLogon and
// IMsgStore. When the store's last reference goes it calls StoreLogoffTransports and releases
// the support object, as the reference describes. acmems_stats() tells the tests what MAPI did.
#define INITGUID
#define USES_IID_IUnknown
#define USES_IID_IMAPIProp
#define USES_IID_IMsgStore
#define USES_IID_IMSLogon
#define USES_IID_IMSProvider
#define USES_IID_IMAPIStatus
#include <initguid.h>

#include <atomic>
#include <cstring>

#include <mapicode.h>
#include <mapidefs.h>
#include <mapiguid.h>
#include <mapispi.h>
#include <mapitags.h>
#include <mapix.h>

#pragma GCC diagnostic ignored "-Wunused-parameter"

#define NOSUP { return MAPI_E_NO_SUPPORT; }

extern "C" {
struct acmems_stats {
    int inits, logons, logoffs, shutdowns, store_releases, storelogoffs;
    HINSTANCE instance;
    ULONG logon_flags, cb_entryid, logoff_transport_flags;
};
}
static acmems_stats stats;
// The support object of the last logon (the store holds its reference), for the tests of
// IMAPISupport's message store methods.
static LPMAPISUP g_last_sup;
extern "C" __attribute__((visibility("default"))) LPMAPISUP acmems_support()
{
    return g_last_sup;
}
extern "C" __attribute__((visibility("default"))) acmems_stats *acmems_stats_get()
{
    return &stats;
}
// Called at the start of each Logon while set (tests that need a logon in flight: MAPI holds
// the session's store lock across it).
static void (*g_logon_hook)(void);
extern "C" __attribute__((visibility("default"))) void acmems_logon_hook(void (*fn)(void))
{
    g_logon_hook = fn;
}

namespace {

const MAPIUID MS_UID = {{0xac, 0x3e, 0x35, 0x01, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80,
                         0x90, 0xa0, 0xb0, 0xc0}};

LPALLOCATEBUFFER g_alloc;
LPALLOCATEMORE g_more;
LPFREEBUFFER g_free;

// The store's entry ID: flags, our UID, "store".
struct StoreEid {
    BYTE b[25];
    StoreEid()
    {
        std::memset(b, 0, 4);
        std::memcpy(b + 4, MS_UID.ab, 16);
        std::memcpy(b + 20, "store", 5);
    }
};

struct StubMsgStore : IMsgStore {
    MAPI_IMAPIPROP_METHODS(NOSUP)
    MAPI_IMSGSTORE_METHODS(NOSUP)
};
struct StubMSLogon : IMSLogon {
    MAPI_IMSLOGON_METHODS(NOSUP)
};

class Status final : public IMAPIStatus {
    std::atomic<ULONG> refs_{1}; // free-threaded, as MAPI providers must be

  public:
    STDMETHOD(QueryInterface)(REFIID riid, void **ppv) override
    {
        if (IsEqualIID(riid, IID_IUnknown) || IsEqualIID(riid, IID_IMAPIProp) ||
            IsEqualIID(riid, IID_IMAPIStatus)) {
            AddRef();
            *ppv = this;
            return S_OK;
        }
        *ppv = nullptr;
        return MAPI_E_INTERFACE_NOT_SUPPORTED;
    }
    STDMETHOD_(ULONG, AddRef)() override { return ++refs_; }
    STDMETHOD_(ULONG, Release)() override
    {
        ULONG n = --refs_;
        if (!n)
            delete this;
        return n;
    }
    STDMETHOD(GetProps)(LPSPropTagArray tags, ULONG, ULONG *pc, LPSPropValue *pp) override
    {
        LPSPropValue v;
        if (g_alloc(2 * sizeof *v, (void **)&v) != S_OK)
            return MAPI_E_NOT_ENOUGH_MEMORY;
        v[0].ulPropTag = PR_DISPLAY_NAME_A;
        v[0].Value.lpszA = (LPSTR) "Acme Store";
        v[1].ulPropTag = PR_OBJECT_TYPE;
        v[1].Value.l = MAPI_STATUS;
        *pc = 2;
        *pp = v;
        return S_OK;
    }
    STDMETHOD(ValidateState)(ULONG_PTR, ULONG) override { return S_OK; }
    // the rest: not supported
    STDMETHOD(GetLastError)(HRESULT, ULONG, LPMAPIERROR *lpp) override
    {
        *lpp = nullptr;
        return S_OK;
    }
    STDMETHOD(SaveChanges)(ULONG) override NOSUP
    STDMETHOD(GetPropList)(ULONG, LPSPropTagArray *) override NOSUP
    STDMETHOD(OpenProperty)(ULONG, LPCIID, ULONG, ULONG, LPUNKNOWN *) override NOSUP
    STDMETHOD(SetProps)(ULONG, LPSPropValue, LPSPropProblemArray *) override NOSUP
    STDMETHOD(DeleteProps)(LPSPropTagArray, LPSPropProblemArray *) override NOSUP
    STDMETHOD(CopyTo)(ULONG, LPCIID, LPSPropTagArray, ULONG_PTR, LPMAPIPROGRESS, LPCIID,
                      LPVOID, ULONG, LPSPropProblemArray *) override NOSUP
    STDMETHOD(CopyProps)(LPSPropTagArray, ULONG_PTR, LPMAPIPROGRESS, LPCIID, LPVOID, ULONG,
                         LPSPropProblemArray *) override NOSUP
    STDMETHOD(GetNamesFromIDs)(LPSPropTagArray *, LPGUID, ULONG, ULONG *,
                               LPMAPINAMEID **) override NOSUP
    STDMETHOD(GetIDsFromNames)(ULONG, LPMAPINAMEID *, ULONG, LPSPropTagArray *) override NOSUP
    STDMETHOD(SettingsDialog)(ULONG_PTR, ULONG) override NOSUP
    STDMETHOD(ChangePassword)(LPTSTR, LPTSTR, ULONG) override NOSUP
    STDMETHOD(FlushQueues)(ULONG_PTR, ULONG, LPENTRYID, ULONG) override NOSUP
};

// IMSLogon and IMsgStore: one object, two interfaces, created and freed together.
class Store final : public StubMsgStore, public StubMSLogon {
    std::atomic<ULONG> refs_{1}; // free-threaded, as MAPI providers must be
    LPMAPISUP sup_;
    ULONG logoff_flags_ = LOGOFF_ABORT; // StoreLogoff never called: abort
    StoreEid eid_;

  public:
    explicit Store(LPMAPISUP sup) : sup_(sup) { sup_->AddRef(); }
    IMsgStore *store() { return static_cast<StubMsgStore *>(this); }
    IMSLogon *logon() { return static_cast<StubMSLogon *>(this); }

    STDMETHOD(QueryInterface)(REFIID riid, void **ppv) override
    {
        if (IsEqualIID(riid, IID_IUnknown) || IsEqualIID(riid, IID_IMAPIProp) ||
            IsEqualIID(riid, IID_IMsgStore))
            *ppv = store();
        else if (IsEqualIID(riid, IID_IMSLogon))
            *ppv = logon();
        else {
            *ppv = nullptr;
            return MAPI_E_INTERFACE_NOT_SUPPORTED;
        }
        AddRef();
        return S_OK;
    }
    STDMETHOD_(ULONG, AddRef)() override { return ++refs_; }
    STDMETHOD_(ULONG, Release)() override
    {
        ULONG n = --refs_;
        if (!n) {
            stats.store_releases++;
            ULONG f = logoff_flags_;
            sup_->StoreLogoffTransports(&f);
            stats.logoff_transport_flags = f;
            LPMAPISUP sup = sup_;
            delete this;
            sup->Release(); // last: it may let MAPI unload us (later, never under our feet)
        }
        return n;
    }
    STDMETHOD(GetLastError)(HRESULT, ULONG, LPMAPIERROR *lpp) override
    {
        *lpp = nullptr;
        return S_OK;
    }
    // IMsgStore
    STDMETHOD(GetProps)(LPSPropTagArray tags, ULONG, ULONG *pc, LPSPropValue *pp) override
    {
        static const ULONG deflt[] = {4, PR_DISPLAY_NAME_A, PR_STORE_SUPPORT_MASK, PR_ENTRYID,
                                      PR_OBJECT_TYPE};
        const SPropTagArray *t = tags ? tags : (const SPropTagArray *)(const void *)deflt;
        LPSPropValue v;
        if (g_alloc(t->cValues * sizeof *v + 1, (void **)&v) != S_OK)
            return MAPI_E_NOT_ENOUGH_MEMORY;
        HRESULT hr = S_OK;
        for (ULONG i = 0; i < t->cValues; i++) {
            ULONG tag = (&t->aulPropTag[0])[i];
            v[i].ulPropTag = tag;
            if (tag == PR_DISPLAY_NAME_A)
                v[i].Value.lpszA = (LPSTR) "Acme Store";
            else if (tag == PR_STORE_SUPPORT_MASK)
                v[i].Value.l = STORE_SUBMIT_OK | STORE_CREATE_OK | STORE_MODIFY_OK |
                               STORE_NOTIFY_OK | STORE_ENTRYID_UNIQUE;
            else if (tag == PR_ENTRYID) {
                g_more(sizeof eid_.b, v, (void **)&v[i].Value.bin.lpb);
                std::memcpy(v[i].Value.bin.lpb, eid_.b, sizeof eid_.b);
                v[i].Value.bin.cb = sizeof eid_.b;
            } else if (tag == PR_OBJECT_TYPE)
                v[i].Value.l = MAPI_STORE;
            else {
                v[i].ulPropTag = PROP_TAG(PT_ERROR, PROP_ID(tag));
                v[i].Value.err = MAPI_E_NOT_FOUND;
                hr = MAPI_W_ERRORS_RETURNED;
            }
        }
        *pc = t->cValues;
        *pp = v;
        return hr;
    }
    STDMETHOD(StoreLogoff)(ULONG *f) override
    {
        stats.storelogoffs++;
        logoff_flags_ = *f;
        return S_OK;
    }
    // both interfaces
    STDMETHOD(OpenEntry)(ULONG cb, LPENTRYID e, LPCIID iid, ULONG, ULONG *type,
                         LPUNKNOWN *out) override
    {
        if (cb != sizeof eid_.b || std::memcmp(e, eid_.b, cb) != 0)
            return MAPI_E_NOT_FOUND;
        AddRef();
        *type = MAPI_STORE;
        *out = store();
        return S_OK;
    }
    STDMETHOD(CompareEntryIDs)(ULONG cb1, LPENTRYID e1, ULONG cb2, LPENTRYID e2, ULONG,
                               ULONG *res) override
    {
        *res = cb1 == cb2 && std::memcmp(e1, e2, cb1) == 0;
        return S_OK;
    }
    STDMETHOD(Advise)(ULONG cb, LPENTRYID e, ULONG mask, LPMAPIADVISESINK sink,
                      ULONG_PTR *conn) override
    {
        BYTE key[sizeof(ULONG) + 64];
        LPNOTIFKEY k = (LPNOTIFKEY)(void *)key;
        if (cb > 64)
            return MAPI_E_INVALID_ENTRYID;
        k->cb = cb ? cb : sizeof eid_.b;
        std::memcpy(k->ab, cb ? (const void *)e : (const void *)eid_.b, k->cb);
        return sup_->Subscribe(k, mask, 0, sink, conn);
    }
    STDMETHOD(Unadvise)(ULONG_PTR conn) override { return sup_->Unsubscribe(conn); }
    // IMSLogon
    STDMETHOD(Logoff)(ULONG *f) override
    {
        stats.logoffs++;
        return S_OK;
    }
    STDMETHOD(OpenStatusEntry)(LPCIID, ULONG, ULONG *type, LPVOID *out) override
    {
        *type = MAPI_STATUS;
        *out = static_cast<IMAPIStatus *>(new Status());
        return S_OK;
    }
    const BYTE *eid() const { return eid_.b; }
};

class Provider final : public IMSProvider {
    std::atomic<ULONG> refs_{1}; // free-threaded, as MAPI providers must be

  public:
    STDMETHOD(QueryInterface)(REFIID riid, void **ppv) override
    {
        if (IsEqualIID(riid, IID_IUnknown) || IsEqualIID(riid, IID_IMSProvider)) {
            AddRef();
            *ppv = this;
            return S_OK;
        }
        *ppv = nullptr;
        return MAPI_E_INTERFACE_NOT_SUPPORTED;
    }
    STDMETHOD_(ULONG, AddRef)() override { return ++refs_; }
    STDMETHOD_(ULONG, Release)() override
    {
        ULONG n = --refs_;
        if (!n)
            delete this;
        return n;
    }
    STDMETHOD(Shutdown)(ULONG *) override
    {
        stats.shutdowns++;
        return S_OK;
    }
    STDMETHOD(Logon)(LPMAPISUP sup, ULONG_PTR, LPTSTR, ULONG cbEntryID, LPENTRYID,
                     ULONG flags, LPCIID, ULONG *cbsec, LPBYTE *sec, LPMAPIERROR *perr,
                     LPMSLOGON *ppLogon, LPMDB *ppMDB) override
    {
        if (g_logon_hook)
            g_logon_hook();
        stats.logons++;
        stats.logon_flags = flags;
        stats.cb_entryid = cbEntryID;
        *cbsec = 0;
        *sec = nullptr;
        *perr = nullptr;
        LPPROFSECT ps = nullptr;
        HRESULT hr = sup->OpenProfileSection(nullptr, MAPI_MODIFY, &ps);
        if (FAILED(hr))
            return hr;
        Store *s = new Store(sup);
        g_last_sup = sup;
        SPropValue v[4];
        std::memset(v, 0, sizeof v);
        v[0].ulPropTag = PR_DISPLAY_NAME_A;
        v[0].Value.lpszA = (LPSTR) "Acme Store";
        v[1].ulPropTag = PR_ENTRYID;
        v[1].Value.bin.cb = 25;
        v[1].Value.bin.lpb = (LPBYTE)s->eid();
        v[2].ulPropTag = PR_PROVIDER_DISPLAY_A;
        v[2].Value.lpszA = (LPSTR) "Acme Message Store";
        v[3].ulPropTag = PR_RECORD_KEY;
        v[3].Value.bin.cb = 16;
        v[3].Value.bin.lpb = (LPBYTE)MS_UID.ab;
        ps->SetProps(4, v, nullptr);
        ps->Release();
        sup->SetProviderUID((LPMAPIUID)&MS_UID, 0);
        SPropValue row[3];
        std::memset(row, 0, sizeof row);
        row[0].ulPropTag = PR_DISPLAY_NAME_A;
        row[0].Value.lpszA = (LPSTR) "Acme Store";
        row[1].ulPropTag = PR_STATUS_CODE;
        row[1].Value.l = STATUS_AVAILABLE;
        row[2].ulPropTag = PR_RESOURCE_METHODS;
        row[2].Value.l = STATUS_VALIDATE_STATE;
        sup->ModifyStatusRow(3, row, 0);
        s->AddRef();
        *ppLogon = s->logon();
        *ppMDB = s->store();
        return S_OK;
    }
    STDMETHOD(SpoolerLogon)(LPMAPISUP, ULONG_PTR, LPTSTR, ULONG, LPENTRYID, ULONG, LPCIID, ULONG,
                            LPBYTE, LPMAPIERROR *, LPMSLOGON *, LPMDB *) override NOSUP
    STDMETHOD(CompareStoreIDs)(ULONG cb1, LPENTRYID e1, ULONG cb2, LPENTRYID e2, ULONG,
                               ULONG *res) override
    {
        *res = cb1 == cb2 && std::memcmp(e1, e2, cb1) == 0;
        return S_OK;
    }
};

} // namespace

extern "C" __attribute__((visibility("default"))) HRESULT
MSProviderInit(HINSTANCE hInstance, LPMALLOC, LPALLOCATEBUFFER alloc, LPALLOCATEMORE more,
               LPFREEBUFFER freebuf, ULONG, ULONG ulMAPIVer, ULONG *lpulProviderVer,
               LPMSPROVIDER *lppMSProvider)
{
    stats.inits++;
    stats.instance = hInstance;
    *lpulProviderVer = CURRENT_SPI_VERSION;
    if (ulMAPIVer < (ULONG)CURRENT_SPI_VERSION)
        return MAPI_E_VERSION;
    if (!hInstance)
        return MAPI_E_CALL_FAILED;
    g_alloc = alloc;
    g_more = more;
    g_free = freebuf;
    *lppMSProvider = new Provider();
    return S_OK;
}
