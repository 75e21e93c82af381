// libcxxsvc: a message service written in C++, to show that the loader's dlopen flags give C++
// shared objects what they need: static constructors at load, RTTI and exceptions inside the
// module, destructors at unload.
#include <mapicode.h>
#include <mapidefs.h>
#include <mapispi.h>

#include <stdexcept>
#include <string>
#include <typeinfo>

namespace {

struct Base {
    virtual ~Base() = default;
    virtual int kind() const { return 1; }
};
struct Derived : Base {
    int kind() const override { return 2; }
};

struct Registry {
    std::string name;
    Registry() : name("cxxsvc constructed") {}
};
Registry registry; // a static constructor: runs at dlopen

} // namespace

extern "C" __attribute__((visibility("default"))) int cxxsvc_probe(void)
{
    int ok = 0;
    if (registry.name == "cxxsvc constructed")
        ok |= 1;
    Derived d;
    Base *b = &d;
    if (dynamic_cast<Derived *>(b) != nullptr && typeid(*b) == typeid(Derived))
        ok |= 2;
    try {
        throw std::runtime_error("thrown inside the provider");
    } catch (const std::exception &e) {
        if (std::string(e.what()) == "thrown inside the provider")
            ok |= 4;
    }
    return ok; // 7 when everything works
}

extern "C" __attribute__((visibility("default"))) HRESULT
ServiceEntry(HINSTANCE, LPMALLOC, LPMAPISUP, ULONG_PTR, ULONG, ULONG, ULONG, LPSPropValue,
             LPPROVIDERADMIN, LPMAPIERROR *lppMapiError)
{
    if (lppMapiError)
        *lppMapiError = nullptr;
    try {
        return cxxsvc_probe() == 7 ? S_OK : MAPI_E_CALL_FAILED;
    } catch (...) {
        return MAPI_E_CALL_FAILED;
    }
}
