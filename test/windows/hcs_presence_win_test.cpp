// SPDX-License-Identifier: MIT
// The System32 probe for the HCS DLLs and the fail-closed compute host built from it.
#include "core/error.hpp"
#include "hcs/presence.hpp"
#include "supervisor/supervisor.hpp"

#include <catch2/catch.hpp>

#include <windows.h>

using namespace hvsup;
using namespace hvsup::supervisor;

namespace {

bool system32_has(const wchar_t* dll)
{
    HMODULE m = ::LoadLibraryExW(dll, nullptr, LOAD_LIBRARY_SEARCH_SYSTEM32);
    if (m != nullptr) ::FreeLibrary(m);
    return m != nullptr;
}

}  // namespace

TEST_CASE("hcs::probe_presence agrees with the loader and explains an absence", "[hcs]")
{
    const hcs::Presence p = hcs::probe_presence();
    const bool any = system32_has(L"computecore.dll") || system32_has(L"vmcompute.dll");
    REQUIRE(p.available() == any);
    if (p.available()) {
        CHECK((p.api() == "computecore.dll" || p.api() == "vmcompute.dll"));
        CHECK(p.error.empty());
    } else {
        // Wine, and Windows without the Hyper-V platform: both DLLs and the loader's reason.
        CHECK(p.api().empty());
        CHECK_THAT(p.error, Catch::StartsWith("Windows Host Compute Service is not available: computecore.dll: "));
        CHECK_THAT(p.error, Catch::Contains("; vmcompute.dll: "));
        CHECK_THAT(p.error, Catch::Contains("(Windows error "));
        CHECK_THAT(p.error, !Catch::Contains("(Windows error 0)"));
    }
}

TEST_CASE("a DLL in the current directory does not count as HCS", "[hcs]")
{
    // LOAD_LIBRARY_SEARCH_SYSTEM32 must not fall back to the application or current
    // directory, where a planted computecore.dll could otherwise be picked up.
    wchar_t self[MAX_PATH];
    REQUIRE(::GetModuleFileNameW(nullptr, self, MAX_PATH) > 0);
    std::wstring dir(self);
    dir.resize(dir.find_last_of(L'\\') + 1);
    const std::wstring planted = dir + L"computecore.dll";
    REQUIRE(::CopyFileW(self, planted.c_str(), FALSE));  // any PE file will do
    const hcs::Presence p = hcs::probe_presence();
    ::DeleteFileW(planted.c_str());
    CHECK(p.available() == (system32_has(L"computecore.dll") || system32_has(L"vmcompute.dll")));
    if (!p.available()) CHECK(p.api().empty());
}

TEST_CASE("without HCS every host operation fails closed with the probe's reason", "[hcs]")
{
    if (system32_has(L"computecore.dll") || system32_has(L"vmcompute.dll")) {
        WARN("this host has HCS; the fail-closed path is exercised under Wine");
        return;
    }
    Backends backends = make_backends(SupervisorOptions{});
    auto& host = backends.compute;
    const HostProbe probe = host->probe();
    CHECK_FALSE(probe.framework_available);
    CHECK_THAT(probe.error, Catch::StartsWith("Windows Host Compute Service is not available"));
    for (auto op : {0, 1, 2, 3}) {
        try {
            switch (op) {
                case 0: host->check_access(); break;
                case 1: host->require_available(); break;
                case 2: host->shutdown("cs-1"); break;
                default: host->terminate("cs-1"); break;
            }
            FAIL("operation " << op << " succeeded without HCS");
        } catch (const Error& e) {
            CHECK(e.code() == ErrorCode::unsupported);
            CHECK(std::string(e.what()) == probe.error);
        }
    }
}
