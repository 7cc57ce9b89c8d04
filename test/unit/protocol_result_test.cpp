// SPDX-License-Identifier: MIT
#include "core/error.hpp"
#include "protocol/result_file.hpp"

#include <catch2/catch.hpp>

using namespace hvsup;
using namespace hvsup::protocol;

TEST_CASE("guest snake_case result payload", "[result]")
{
    auto r = decode_result_payload(
        R"({"started_at":"2026-05-02T00:00:03.123456789Z","exited_at":"2026-05-02T00:00:07.2Z","exit_code":3,"stdout":"ok\n","stderr":"warn","error":"boom"})"
        "\n");
    CHECK(format_rfc3339_nano(*r.started_at) == "2026-05-02T00:00:03.123456789Z");
    CHECK(format_rfc3339_nano(*r.completed_at) == "2026-05-02T00:00:07.2Z");
    CHECK(r.exit_code == 3);
    CHECK(r.stdout_text == "ok\n");
    CHECK(r.stderr_text == "warn");
    CHECK(r.error == "boom");
}

TEST_CASE("camelCase result payload as older hosts and the peer tests write it", "[result]")
{
    auto r = decode_result_payload(R"({"startedAt":"2026-05-02T00:00:03Z","completedAt":"2026-05-02T00:00:04Z","exitCode":1,"stdout":"ok\n"})");
    CHECK(r.exit_code == 1);
    CHECK(r.stdout_text == "ok\n");
    REQUIRE(r.completed_at);
    CHECK(format_rfc3339(*r.completed_at) == "2026-05-02T00:00:04Z");
}

TEST_CASE("malformed result payloads are errors", "[result]")
{
    for (const char* bad : {"", "[]", "{\"exit_code\":\"zero\"}", "{\"started_at\":\"yesterday\"}", "{\"exit_code\":1.5}"}) {
        INFO(bad);
        REQUIRE_THROWS_AS(decode_result_payload(bad), Error);
    }
}
