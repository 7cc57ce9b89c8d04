// SPDX-License-Identifier: MIT
// The one "is HCS here" probe (hcs/presence.hpp) on a host without System32, and the callers
// that take their answer from it. The Windows side: test/windows/hcs_presence_win_test.cpp.
#include "core/error.hpp"
#include "hcs/client.hpp"
#include "hcs/presence.hpp"
#include "supervisor/supervisor.hpp"

#include <catch2/catch.hpp>

#include <optional>
#include <string>

using namespace hvsup;

namespace {
constexpr const char* no_hcs = "windows-hyperv supervisor is only supported on windows";
}

TEST_CASE("without System32 the HCS probe finds no DLL and says why", "[hcs]")
{
    for (const std::optional<hcs::ApiKind> only :
         {std::optional<hcs::ApiKind>(), std::optional(hcs::ApiKind::computecore),
          std::optional(hcs::ApiKind::vmcompute)}) {
        const hcs::Presence p = hcs::probe_presence(only);
        CHECK_FALSE(p.available());
        CHECK(p.found.empty());
        CHECK(p.api().empty());
        CHECK(p.error == no_hcs);
    }
}

TEST_CASE("the client, doctor's provider report and the supervisor all give the probe's reason", "[hcs]")
{
    const std::string reason = hcs::probe_presence().error;
    REQUIRE(reason == no_hcs);
    try {
        hcs::HcsClient::load({});
        FAIL("HcsClient::load found HCS where the probe found none");
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::unsupported);
        CHECK(e.what() == reason);
    }
    const hcs::ProviderReport report = hcs::inspect_provider({});
    CHECK_FALSE(report.loaded);
    CHECK(report.error == reason);
    const supervisor::Backends backends = supervisor::make_backends(supervisor::SupervisorOptions{});
    const supervisor::HostProbe probe = backends.compute->probe();
    CHECK_FALSE(probe.framework_available);
    CHECK(probe.error == reason);
}
