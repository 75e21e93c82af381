// The C++ half of the demo: the same C object, called through the generated C++ class.
#include <cstdio>

#include <mapicode.h>
#include <mapidefs.h>

extern "C" int demo_call_from_cxx(IMAPIProgress *progress);

extern "C" int demo_call_from_cxx(IMAPIProgress *progress)
{
    int failures = 0;
    ULONG max = 0, flags = 0;
    progress->Progress(75, 2, 2);
    HRESULT hr = progress->GetMax(&max);
    std::printf("  GetMax -> 0x%08X, max = %u\n", static_cast<unsigned>(hr), max);
    failures += hr != S_OK || max != 100;
    hr = progress->GetFlags(&flags);
    std::printf("  GetFlags (generated default) -> 0x%08X (MAPI_E_NO_SUPPORT)\n",
                static_cast<unsigned>(hr));
    failures += hr != MAPI_E_NO_SUPPORT;
    IUnknown *unk = nullptr;
    hr = progress->QueryInterface(IID_IMAPIProgress, reinterpret_cast<void **>(&unk));
    std::printf("  QueryInterface(IID_IMAPIProgress) -> 0x%08X\n", static_cast<unsigned>(hr));
    failures += hr != S_OK;
    if (unk != nullptr)
        unk->Release();
    return failures;
}
