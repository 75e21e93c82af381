// acmexp: a transport provider in C++ with class declarations, from the public MAPI headers
// only. TransportLogon adds its status row (PR_STATUS_CODE STATUS_AVAILABLE); TransportNotify
// with NOTIFY_BEGIN_INBOUND / NOTIFY_BEGIN_OUTBOUND enables traffic and says so in its row
// (STATUSROW_UPDATE). acmexp_stats() tells the tests what MAPI did to it.
#define INITGUID
#define USES_IID_IUnknown
#define USES_IID_IXPLogon
#define USES_IID_IXPProvider
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
struct acmexp_stats {
    int inits, logons, notifies, logoffs, shutdowns;
    ULONG logon_flags, notify_flags;
    HRESULT setuid; // what SetProviderUID answered a transport (MAPI_E_NO_SUPPORT)
};
}
static acmexp_stats stats;
static LPFREEBUFFER g_free;
extern "C" __attribute__((visibility("default"))) acmexp_stats *acmexp_stats_get()
{
    return &stats;
}
// The support object of the last logon (its logon holds the reference), for the tests of
// IMAPISupport's transport methods (StatusRecips, RegisterPreprocessor).
static LPMAPISUP g_last_sup;
extern "C" __attribute__((visibility("default"))) LPMAPISUP acmexp_support()
{
    return g_last_sup;
}

namespace {

struct StubXPLogon : IXPLogon {
    MAPI_IXPLOGON_METHODS(NOSUP)
};

// The address types it handles: PT_LONG 0x6622 of its profile section chooses the second list
// (so a profile with two transports shows EnumAdrTypes' order and deduplication).
static LPTSTR types_a[] = {(LPTSTR) "SMTP", (LPTSTR) "X-ACME"};
static LPTSTR types_b[] = {(LPTSTR) "FAX", (LPTSTR) "smtp"};

class Logon final : public StubXPLogon {
    std::atomic<ULONG> refs_{1}; // free-threaded, as MAPI providers must be
    LPMAPISUP sup_;
    int kind_;

  public:
    Logon(LPMAPISUP sup, int kind) : sup_(sup), kind_(kind) { sup_->AddRef(); }
    STDMETHOD(AddressTypes)(ULONG *flags, ULONG *ctypes, LPTSTR **types, ULONG *cuids,
                            LPMAPIUID **uids) override
    {
        *ctypes = 2;
        *types = kind_ ? types_b : types_a;
        *cuids = 0;
        *uids = nullptr;
        return S_OK;
    }
    STDMETHOD(QueryInterface)(REFIID riid, void **ppv) override
    {
        if (IsEqualIID(riid, IID_IUnknown) || IsEqualIID(riid, IID_IXPLogon)) {
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
        if (!n) {
            LPMAPISUP sup = sup_;
            delete this;
            sup->Release();
        }
        return n;
    }
    STDMETHOD(TransportNotify)(ULONG *flags, LPVOID *) override
    {
        stats.notifies++;
        stats.notify_flags = *flags;
        SPropValue v;
        std::memset(&v, 0, sizeof v);
        v.ulPropTag = PR_STATUS_CODE;
        v.Value.l = STATUS_AVAILABLE |
                    ((*flags & NOTIFY_BEGIN_INBOUND) ? STATUS_INBOUND_ENABLED : 0) |
                    ((*flags & NOTIFY_BEGIN_OUTBOUND) ? STATUS_OUTBOUND_ENABLED : 0);
        return sup_->ModifyStatusRow(1, &v, STATUSROW_UPDATE);
    }
    STDMETHOD(TransportLogoff)(ULONG) override
    {
        stats.logoffs++;
        return S_OK;
    }
};

class Provider final : public IXPProvider {
    std::atomic<ULONG> refs_{1}; // free-threaded, as MAPI providers must be

  public:
    STDMETHOD(QueryInterface)(REFIID riid, void **ppv) override
    {
        if (IsEqualIID(riid, IID_IUnknown) || IsEqualIID(riid, IID_IXPProvider)) {
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
    STDMETHOD(TransportLogon)(LPMAPISUP sup, ULONG_PTR, LPTSTR, ULONG *flags, LPMAPIERROR *perr,
                              LPXPLOGON *out) override
    {
        stats.logons++;
        stats.logon_flags = *flags;
        *perr = nullptr;
        MAPIUID u = {{1}};
        stats.setuid = sup->SetProviderUID(&u, 0);
        SPropValue row[3];
        std::memset(row, 0, sizeof row);
        row[0].ulPropTag = PR_DISPLAY_NAME_A;
        row[0].Value.lpszA = (LPSTR) "Acme Transport";
        row[1].ulPropTag = PR_STATUS_CODE;
        row[1].Value.l = STATUS_AVAILABLE;
        row[2].ulPropTag = PR_RESOURCE_METHODS;
        row[2].Value.l = STATUS_VALIDATE_STATE | STATUS_FLUSH_QUEUES;
        HRESULT hr = sup->ModifyStatusRow(3, row, 0);
        if (FAILED(hr))
            return hr;
        int kind = 0;
        LPPROFSECT ps = nullptr;
        if (SUCCEEDED(sup->OpenProfileSection(nullptr, 0, &ps))) {
            SizedSPropTagArray(1, t) = {1, {PROP_TAG(PT_LONG, 0x6622)}};
            ULONG n = 0;
            LPSPropValue v = nullptr;
            if (SUCCEEDED(ps->GetProps((LPSPropTagArray)&t, 0, &n, &v)) && v &&
                v[0].ulPropTag == PROP_TAG(PT_LONG, 0x6622))
                kind = v[0].Value.l;
            g_free(v);
            ps->Release();
        }
        *flags = LOGON_SP_IDLE;
        *out = new Logon(sup, kind);
        g_last_sup = sup;
        return S_OK;
    }
};

} // namespace

extern "C" __attribute__((visibility("default"))) HRESULT
XPProviderInit(HINSTANCE hInstance, LPMALLOC, LPALLOCATEBUFFER, LPALLOCATEMORE,
               LPFREEBUFFER lpFreeBuffer, ULONG, ULONG ulMAPIVer, ULONG *lpulProviderVer,
               LPXPPROVIDER *lppXPProvider)
{
    g_free = lpFreeBuffer;
    stats.inits++;
    // built for a newer minor SPI (a Unicode/ANSI provider): MAPI accepts it
    *lpulProviderVer = 0x00020003;
    if (!hInstance)
        return MAPI_E_CALL_FAILED;
    *lppXPProvider = new Provider();
    return S_OK;
}
