#include "core/error.hpp"
#include "core/json.hpp"

#include <catch2/catch.hpp>

using namespace hvsup;

TEST_CASE("object keys match case-insensitively, exact match first", "[json]")
{
    auto v = json::parse(R"({"RuntimeId":"a","runtimeid":"b","Other":1})", "test");
    const auto& o = v.get_object();
    CHECK(json::read_string(o, "runtimeid", "x") == "b");
    CHECK(json::read_string(o, "RUNTIMEID", "x") == "a");
    CHECK(json::find(o, "missing") == nullptr);
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
