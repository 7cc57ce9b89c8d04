// SPDX-License-Identifier: MIT
#include "core/time.hpp"

#include <catch2/catch.hpp>

using namespace hvsup;
using namespace std::chrono;

TEST_CASE("RFC 3339 formatting in seconds and trimmed nanoseconds", "[time]")
{
    auto t = parse_rfc3339("2026-05-02T00:00:01.100000000Z");
    REQUIRE(t);
    CHECK(format_rfc3339(*t) == "2026-05-02T00:00:01Z");
    CHECK(format_rfc3339_nano(*t) == "2026-05-02T00:00:01.1Z");
    auto whole = parse_rfc3339("2026-05-02T00:00:01Z");
    REQUIRE(whole);
    CHECK(format_rfc3339_nano(*whole) == "2026-05-02T00:00:01Z");
    auto nanos = parse_rfc3339("2026-05-02T00:00:03.123456789Z");
    REQUIRE(nanos);
    CHECK(format_rfc3339_nano(*nanos) == "2026-05-02T00:00:03.123456789Z");
}

TEST_CASE("RFC 3339 parsing applies offsets and rejects garbage", "[time]")
{
    auto a = parse_rfc3339("2026-05-02T02:30:00+02:30");
    auto b = parse_rfc3339("2026-05-02T00:00:00Z");
    REQUIRE(a);
    REQUIRE(b);
    CHECK(*a == *b);
    CHECK(format_rfc3339(*parse_rfc3339("1999-12-31T23:00:00-01:00")) == "2000-01-01T00:00:00Z");
    for (const char* bad : {"", "2026-05-02", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-05-02T00:00:00",
                            "2026-05-02T00:00:00.Z", "2026-05-02T24:00:00Z", "2026-05-02T00:00:00Zjunk"}) {
        INFO(bad);
        CHECK_FALSE(parse_rfc3339(bad));
    }
}

TEST_CASE("RFC 3339 timestamps beyond the nanosecond clock are rejected, not wrapped", "[time]")
{
    // Found by fuzzing the result payload (test/fuzz, target result): a year such as 9999
    // overflowed the int64 nanosecond count (undefined behaviour, a garbage time).
    for (const char* far : {"9999-12-31T23:59:59Z", "2262-04-11T23:47:16Z", "2262-04-12T00:00:00+00:01",
                            "2262-04-11T23:00:00-23:59", "1677-09-21T23:59:59Z", "0000-01-01T00:00:00Z"}) {
        INFO(far);
        CHECK_FALSE(parse_rfc3339(far));
    }
    // The last whole seconds that fit still parse, fraction included.
    auto hi = parse_rfc3339("2262-04-11T23:47:15.999999999Z");
    REQUIRE(hi);
    CHECK(format_rfc3339_nano(*hi) == "2262-04-11T23:47:15.999999999Z");
    // The first whole day that fits (formatting floors to the day; found by the sanitizer
    // stage: 1677-09-21T00:12:45Z parsed, then formatting it overflowed).
    auto lo = parse_rfc3339("1677-09-22T01:00:00+01:00");
    REQUIRE(lo);
    CHECK(format_rfc3339(*lo) == "1677-09-22T00:00:00Z");
}
