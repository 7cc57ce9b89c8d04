// SPDX-License-Identifier: MIT
// tools/hvsup-guestinit/result: the snake_case payload (§6.4), valid UTF-8 whatever the
// workload printed, and the 16 MiB cap the host enforces.
#include "result.hpp"

#include <boost/json/parse.hpp>

#include <catch2/catch.hpp>

#include <regex>

using namespace hvsup::guestinit;
namespace json = boost::json;

TEST_CASE("the result payload is one snake_case object and a newline", "[guestinit]")
{
    Result r;
    r.started_at = "2026-05-02T00:00:03.1Z";
    r.exited_at = "2026-05-02T00:00:04Z";
    r.exit_code = 3;
    r.stdout_data = "ok\n";
    const std::string payload = encode_result(r);
    REQUIRE(payload.back() == '\n');
    const auto o = json::parse(payload).as_object();
    CHECK(o.at("exit_code").as_int64() == 3);
    CHECK(o.at("stdout").as_string() == "ok\n");
    CHECK(o.at("started_at").as_string() == "2026-05-02T00:00:03.1Z");
    CHECK_FALSE(o.contains("stderr"));
    CHECK_FALSE(o.contains("error"));
    CHECK_FALSE(o.contains("stdout_truncated"));
}

TEST_CASE("timestamps are RFC 3339 UTC with trimmed nanoseconds", "[guestinit]")
{
    const std::string t = now_rfc3339();
    CHECK(std::regex_match(t, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{0,8}[1-9])?Z)")));
}

TEST_CASE("invalid UTF-8 becomes U+FFFD", "[guestinit]")
{
    CHECK(valid_utf8("a\xff"
                     "b") ==
          "a\xef\xbf\xbd"
          "b");
    CHECK(valid_utf8("\xc3\xa9") == "\xc3\xa9");
    CHECK(valid_utf8("\xc3") == "\xef\xbf\xbd");
    CHECK(valid_utf8("\xc0\xaf") == "\xef\xbf\xbd\xef\xbf\xbd");                  // overlong
    CHECK(valid_utf8("\xed\xa0\x80") == "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // surrogate
    Result r;
    r.stderr_data = "\x80\x81";
    CHECK(json::parse(encode_result(r)).as_object().at("stderr").as_string() == "\xef\xbf\xbd\xef\xbf\xbd");
}

TEST_CASE("output that does not fit is cut to the limit and flagged", "[guestinit]")
{
    Result r;
    r.started_at = r.exited_at = "2026-05-02T00:00:00Z";
    r.stdout_data = std::string(5000, 'x');
    r.stderr_data = std::string(300, '\x01');  // escapes to \u0001: six bytes each
    const std::string payload = encode_result(r, 2000);
    CHECK(payload.size() <= 2000);
    const auto o = json::parse(payload).as_object();
    CHECK(o.at("stdout_truncated").as_bool());
    CHECK(o.at("stdout").as_string().size() < 5000);
    CHECK(o.at("stdout").as_string().size() > 0);

    Result big;
    big.stdout_data = std::string(max_result_bytes + 10, 'y');
    const std::string capped = encode_result(big);
    CHECK(capped.size() <= max_result_bytes);
    CHECK(capped.size() > max_result_bytes - 1024);
    CHECK(json::parse(capped).as_object().at("stdout_truncated").as_bool());
}

TEST_CASE("a cut never splits a character", "[guestinit]")
{
    Result r;
    std::string euro;
    for (int i = 0; i < 400; ++i) euro += "\xe2\x82\xac";
    r.stdout_data = euro;
    const std::string payload = encode_result(r, 500);
    const auto o = json::parse(payload).as_object();
    const auto& out = o.at("stdout").as_string();
    CHECK(out.size() % 3 == 0);
    CHECK(valid_utf8(std::string(out)) == std::string(out));
}
