// SPDX-License-Identifier: MIT
// core::is_result_target: the one rule the request validation and the listeners share.
#include "core/result_target.hpp"
#include "protocol/types.hpp"
#include "protocol/validate.hpp"

#include <catch2/catch.hpp>

using hvsup::core::is_result_target;

TEST_CASE("a result target matches its own spelling and the other separator", "[core][result]")
{
    CHECK(is_result_target("/state/agent-1/result.json", "/state/agent-1/result.json"));
    CHECK(is_result_target("C:\\state\\agent-1\\result.json", "C:/state/agent-1/result.json"));
    CHECK(is_result_target("C:/state//agent-1\\\\result.json", "C:\\state\\agent-1\\result.json"));
    CHECK(is_result_target(" \t/state/agent-1/result.json\r\n", "/state/agent-1/result.json"));
}

TEST_CASE("dot segments are resolved on the text alone", "[core][result]")
{
    CHECK(is_result_target("/state/./agent-1/result.json", "/state/agent-1/result.json"));
    CHECK(is_result_target("/state/other/../agent-1/result.json", "/state/agent-1/result.json"));
    CHECK(is_result_target("/../state/agent-1/result.json", "/state/agent-1/result.json"));  // nothing above the root
    CHECK(is_result_target("state/x/../agent-1/result.json", "state/agent-1/result.json"));
    CHECK_FALSE(is_result_target("../state/agent-1/result.json", "state/agent-1/result.json"));
    CHECK_FALSE(is_result_target("/state/agent-1/../result.json", "/state/agent-1/result.json"));
}

TEST_CASE("anything else is not the result target", "[core][result]")
{
    CHECK_FALSE(is_result_target("/state/agent-2/result.json", "/state/agent-1/result.json"));
    CHECK_FALSE(is_result_target("/state/agent-1/result.json/", "/state/agent-1/result.json"));  // a folder
    CHECK_FALSE(is_result_target("state/agent-1/result.json", "/state/agent-1/result.json"));    // relative
    CHECK_FALSE(is_result_target("127.0.0.1:9000", "/state/agent-1/result.json"));
    CHECK_FALSE(is_result_target("", "/state/agent-1/result.json"));
    CHECK_FALSE(is_result_target("  ", "/state/agent-1/result.json"));
    CHECK_FALSE(is_result_target("/state/agent-1/result.json", ""));
    CHECK_FALSE(is_result_target("/state/agent-1/Result.json", "/state/agent-1/result.json"));
}

TEST_CASE("the request validation uses the same rule", "[core][result]")
{
    hvsup::protocol::Config config;
    config.state_dir = "C:\\state";
    for (const char* target : {"C:\\state\\agent-1\\result.json", "C:/state/./agent-1/result.json",
                               "C:\\state\\x\\..\\agent-1\\result.json "}) {
        INFO(target);
        CHECK(hvsup::protocol::is_result_target(config, "agent-1", target));
        CHECK(is_result_target(target, "C:\\state/agent-1/result.json"));
    }
    CHECK_FALSE(hvsup::protocol::is_result_target(config, "agent-1", "C:\\state\\agent-2\\result.json"));
    config.state_dir.clear();
    CHECK_FALSE(hvsup::protocol::is_result_target(config, "agent-1", "/agent-1/result.json"));
}
