// SPDX-License-Identifier: MIT
// HRESULT normalisation, error text, property decoding and UTF-8/UTF-16 conversion.
#include "core/error.hpp"
#include "core/utf.hpp"
#include "hcs/errors.hpp"
#include "hcs/schema/properties.hpp"

#include <catch2/catch.hpp>

using namespace hvsup;

TEST_CASE("HRESULTs normalise and describe like the reference", "[hcs][errors]")
{
    CHECK(hcs::normalize(static_cast<int32_t>(0x80070005u)) == 5);
    CHECK(hcs::normalize(static_cast<int32_t>(0x8037010Eu)) == static_cast<int32_t>(0x8037010Eu));
    CHECK(hcs::normalize(0) == 0);
    CHECK(hcs::same_hcs_code(static_cast<int32_t>(0xC037010Eu), static_cast<int32_t>(0x8037010Eu)));
    CHECK_FALSE(hcs::same_hcs_code(static_cast<int32_t>(0xC037010Eu), static_cast<int32_t>(0x8037010Fu)));
    CHECK_FALSE(hcs::same_hcs_code(static_cast<int32_t>(0x8007010Eu), static_cast<int32_t>(0x8037010Eu)));

    const Error e = hcs::make_error("start open", static_cast<int32_t>(0xC037010Eu), R"({"Error":-1})");
    CHECK(std::string(e.what()) ==
          "windows-hyperv HCS start open: A virtual machine or container with the specified identifier does not exist "
          "(0xC037010E): {\"Error\":-1}");
    CHECK(e.hresult() == static_cast<int32_t>(0xC037010Eu));
    CHECK(e.operation() == "start open");
    CHECK(e.code() == ErrorCode::not_found);
    CHECK(hcs::is_missing_compute_system(e));

    const Error denied = hcs::make_error("grant vm access", static_cast<int32_t>(0x80070005u));
    CHECK(std::string(denied.what()) == "windows-hyperv HCS grant vm access: Access is denied (5)");
    CHECK(denied.code() == ErrorCode::host);
    CHECK_FALSE(hcs::is_missing_compute_system(denied));
    CHECK(std::string(hcs::make_error("x", static_cast<int32_t>(0x80991234u)).what()) ==
          "windows-hyperv HCS x: HRESULT 0x80991234");
    CHECK(hcs::make_error("create", hcs::hr::system_already_exists).code() == ErrorCode::conflict);
}

TEST_CASE("missing compute systems are recognised by text as the reference does", "[hcs][errors]")
{
    CHECK(hcs::is_missing_compute_system_text("HCS: The Compute System does not exist"));
    CHECK(hcs::is_missing_compute_system_text("a Virtual Machine or Container with id x DOES NOT EXIST"));
    CHECK_FALSE(hcs::is_missing_compute_system_text("compute system is stopped"));
    CHECK_FALSE(hcs::is_missing_compute_system_text("the file does not exist"));
}

TEST_CASE("HCS property documents decode leniently", "[hcs][errors]")
{
    const auto p = hcs::schema::decode_properties(
        R"({"Id":"agent-1","SystemType":"VirtualMachine","RuntimeId":"0e5f7a1c-2b3d-4e5f-8a9b-0c1d2e3f4a5b","state":"Running","Extra":[1]})");
    CHECK(p.id == "agent-1");
    CHECK(p.runtime_id == "0e5f7a1c-2b3d-4e5f-8a9b-0c1d2e3f4a5b");
    CHECK(p.state == "Running");
    CHECK_THROWS_AS(hcs::schema::decode_properties("not json"), Error);
    const auto versions = hcs::schema::decode_supported_schema_versions(
        R"({"Properties":[{"SupportedSchemaVersions":[{"Major":2,"Minor":1},{"Major":2,"Minor":7}]}]})");
    REQUIRE(versions.size() == 2);
    CHECK(versions[1] == hcs::schema::Version{2, 7});
    const auto exit = hcs::schema::decode_exit_status(R"({"Status":-2147023895,"ExitType":"UnexpectedExit"})");
    CHECK(exit.exit_type == "UnexpectedExit");
    CHECK(exit.status == -2147023895);
    const auto r = hcs::schema::decode_result_error(
        R"({"Error":-2143878898,"ErrorMessage":"m","ErrorEvents":[{"Message":"e1"}]})");
    CHECK(r.error == static_cast<int32_t>(0x8037010Eu));
    CHECK(r.event_messages == std::vector<std::string>{"e1"});
    CHECK(hcs::schema::basic_service_query() == R"({"PropertyTypes":["Basic"]})");
}

TEST_CASE("UTF-8 and UTF-16 convert both ways and reject invalid input", "[hcs][utf]")
{
    const std::string text = "C:\\Users\\J\xc3\xbcrgen\\\xe2\x82\xac\\\xf0\x9f\x98\x80";
    const std::u16string wide = utf::to_utf16(text);
    CHECK(wide == u"C:\\Users\\J\u00fcrgen\\\u20ac\\\U0001F600");
    CHECK(utf::to_utf8(wide) == text);
    CHECK(utf::length(wide.c_str()) == wide.size());
    CHECK(utf::from_host(nullptr).empty());
    CHECK_THROWS_AS(utf::to_utf16("\xc0\xaf"), Error);      // overlong
    CHECK_THROWS_AS(utf::to_utf16("\xed\xa0\x80"), Error);  // surrogate code point
    CHECK_THROWS_AS(utf::to_utf16("abc\xe2\x82"), Error);   // truncated
    CHECK_THROWS_AS(utf::to_utf16("\xff"), Error);
    CHECK_THROWS_AS(utf::to_utf8(std::u16string(1, u'\xD800')), Error);  // unpaired high
    CHECK_THROWS_AS(utf::to_utf8(std::u16string(1, u'\xDC00')), Error);  // unpaired low
}
