// SPDX-License-Identifier: MIT
#include "core/error.hpp"
#include "core/json.hpp"

#include <catch2/catch.hpp>

using namespace hvsup;

TEST_CASE("object keys match case-insensitively, the last spelling wins as in Go", "[json]")
{
    // Go's decoder assigns every key that folds to the field, in document order, so the last
    // one is what the field holds, whichever spelling is exact.
    auto v = json::parse(R"({"RuntimeId":"a","runtimeid":"b","Other":1})", "test");
    const auto& o = v.get_object();
    CHECK(json::read_string(o, "runtimeid", "x") == "b");
    CHECK(json::read_string(o, "RUNTIMEID", "x") == "b");
    CHECK(json::read_string(o, "RuntimeId", "x") == "b");
    CHECK(json::find(o, "missing") == nullptr);
}

TEST_CASE("fold_keys merges case variants in document order like Go's struct decoding", "[json]")
{
    json::ParseOptions go;
    go.fold_keys = true;
    // Exact duplicates too: Boost.JSON would keep the first position with the last value.
    auto v = json::parse(R"({"command":"run","Command":"stop","command":"kill"})", "t", go);
    CHECK(json::read_string(v.get_object(), "command", "command") == "kill");
    CHECK(v.get_object().size() == 1);
    // A later object is decoded into the earlier one; a later null clears an object but not a
    // scalar; arrays are decoded element by element into the earlier one, then truncated.
    v = json::parse(R"({"config":{"memoryMiB":3,"network":{"mode":"nat"}},"Config":{"cpuCount":4,"NETWORK":{"interface":"x"}},)"
                    R"("mode":"a","MODE":null,"d":[{"name":"a","path":"p"},{"name":"x"}],"D":[{"name":"b"}]})",
                    "t", go);
    const auto& o = v.get_object();
    const auto* config = json::read_object(o, "config", "config");
    REQUIRE(config != nullptr);
    CHECK(json::read_int(*config, "memoryMiB", "m", 0, 10) == 3);
    CHECK(json::read_int(*config, "cpuCount", "c", 0, 10) == 4);
    const auto* network = json::read_object(*config, "network", "n");
    REQUIRE(network != nullptr);
    CHECK(json::read_string(*network, "mode", "m") == "nat");
    CHECK(json::read_string(*network, "interface", "i") == "x");
    CHECK(json::read_string(o, "mode", "m") == "a");
    const auto* disks = json::read_array(o, "d", "d");
    REQUIRE(disks != nullptr);
    REQUIRE(disks->size() == 1);
    CHECK(json::read_string((*disks)[0].get_object(), "name", "n") == "b");
    CHECK(json::read_string((*disks)[0].get_object(), "path", "p") == "p");
    v = json::parse(R"({"config":{"memoryMiB":3},"CONFIG":null})", "t", go);
    CHECK(json::read_object(v.get_object(), "config", "config") == nullptr);
}

TEST_CASE("invalid UTF-8 and unpaired surrogate escapes become U+FFFD as in Go", "[json]")
{
    auto v = json::parse("{\"c\":\"r\xffu\xe2\x82n\",\"k\xc0\":1,\"s\":\"a\\ud800b\\udc00\",\"p\":\"\\ud83d\\ude00\"}", "t");
    const auto& o = v.get_object();
    CHECK(json::read_string(o, "c", "c") == "r\xef\xbf\xbdu\xef\xbf\xbd\xef\xbf\xbdn");
    CHECK(json::find(o, "k\xef\xbf\xbd") != nullptr);
    CHECK(json::read_string(o, "s", "s") == "a\xef\xbf\xbd" "b\xef\xbf\xbd");
    CHECK(json::read_string(o, "p", "p") == "\xf0\x9f\x98\x80");  // a valid pair is kept
    // An escaped backslash before "ud800" is text, not an escape.
    CHECK(json::read_string(json::parse(R"({"t":"\\ud800"})", "t").get_object(), "t", "t") == "\\ud800");
}

TEST_CASE("the value cap and the depth cap refuse with the limit and the byte offset", "[json]")
{
    json::ParseOptions capped;
    capped.max_values = 10;
    CHECK_NOTHROW(json::parse("[1,2,3,4,5,6,7,8,9]", "request", capped));  // 10 values: the array and 9
    REQUIRE_THROWS_WITH(json::parse("[1,2,3,4,5,6,7,8,9,10]", "request", capped),
                        "decode request: more than 10 JSON values at byte 21");
    REQUIRE_THROWS_WITH(json::parse(std::string(65, '[') + std::string(65, ']'), "request"),
                        "decode request: nested deeper than 64 levels at byte 64");
    REQUIRE_THROWS_WITH(json::parse("{\"a\": x}", "request"), "decode request: syntax error at byte 6");
    REQUIRE_THROWS_WITH(json::parse("{} {}", "request"), "decode request: extra data at byte 3");
}

TEST_CASE("quote and escape_control print what Go's %q prints", "[json]")
{
    CHECK(json::quote("a\x01" "b") == R"("a\x01b")");
    // Printable non-ASCII stays, U+2028 (a separator) and a stray byte are escaped.
    CHECK(json::quote("a\x7f\xc3\xa9\xe2\x80\xa8\xff") == "\"a\\x7f\xc3\xa9\\u2028\\xff\"");
    CHECK(json::quote("tab\there\nnl\"q\\") == R"("tab\there\nnl\"q\\")");
    CHECK(json::quote(std::string("\0\a\b\f\r\v", 6)) == R"("\x00\a\b\f\r\v")");
    CHECK(json::quote("\xc2\xa0\xef\xbb\xbf\xf3\xa0\x80\x81") == R"("\u00a0\ufeff\U000e0001")");
    CHECK(json::escape_control(std::string("a\0b\n\"", 5)) == R"(a\x00b\n")");
}

TEST_CASE("typed readers name the field at fault", "[json]")
{
    auto v = json::parse(R"({"s":1,"b":"yes","n":1.5,"big":70000,"neg":-1,"nul":null})", "test");
    const auto& o = v.get_object();
    REQUIRE_THROWS_WITH(json::read_string(o, "s", "config.s"), "config.s: expected a string, got number");
    REQUIRE_THROWS_WITH(json::read_bool(o, "b", "config.b"), "config.b: expected a boolean, got string");
    REQUIRE_THROWS_WITH(json::read_int(o, "n", "config.n", 0, 10), "config.n: expected an integer, got number");
    REQUIRE_THROWS_WITH(json::read_int(o, "big", "config.big", 0, 65535), "config.big: number 70000 is out of range");
    REQUIRE_THROWS_WITH(json::read_int(o, "neg", "config.neg", 0, 65535), "config.neg: number -1 is out of range");
    CHECK(json::read_string(o, "nul", "x").empty());
    CHECK(json::read_int(o, "absent", "x", 0, 1) == 0);
}

TEST_CASE("malformed JSON is an invalid_argument error saying what was decoded", "[json]")
{
    try {
        json::parse("{\"a\":", "request");
        FAIL("parse accepted truncated JSON");
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::invalid_argument);
        CHECK(std::string(e.what()).rfind("decode request: ", 0) == 0);
    }
    REQUIRE_THROWS_AS(json::parse(std::string(200, '[') + std::string(200, ']'), "deep"), Error);
}

TEST_CASE("pretty output is Go MarshalIndent style", "[json]")
{
    auto v = json::parse(R"({"a":1,"b":[1,"x"],"c":{},"d":[],"e":{"f":true}})", "test");
    CHECK(json::pretty(v) ==
          "{\n  \"a\": 1,\n  \"b\": [\n    1,\n    \"x\"\n  ],\n  \"c\": {},\n  \"d\": [],\n  \"e\": {\n    \"f\": true\n  }\n}");
    CHECK(json::quote("bo\"gus") == "\"bo\\\"gus\"");
}
