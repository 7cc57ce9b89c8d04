// SPDX-License-Identifier: MIT
// HCN ids, UTF-16 strings and HRESULT messages.
#include "core/error.hpp"
#include "core/utf.hpp"
#include "hcn/errors.hpp"
#include "hcn/guid.hpp"

#include <catch2/catch.hpp>

using namespace hvsup;
using namespace hvsup::hcn;

TEST_CASE("guid: parse and format round-trip in Windows GUID layout", "[hcn]")
{
    const auto g = parse_guid("{0F0E0D0C-0B0A-0908-0706-050403020100}");
    REQUIRE(g);
    CHECK(g->Data1 == 0x0f0e0d0cu);
    CHECK(g->Data2 == 0x0b0a);
    CHECK(g->Data3 == 0x0908);
    CHECK(g->Data4[0] == 0x07);
    CHECK(g->Data4[7] == 0x00);
    CHECK(format_guid(*g) == "0f0e0d0c-0b0a-0908-0706-050403020100");
    for (const char* bad :
         {"", "endpoint-1", "0f0e0d0c-0b0a-0908-0706-05040302010", "0f0e0d0c0b0a-0908-0706-050403020100x",
          "0f0e0d0c-0b0a-0908-0706-05040302010g", "{0f0e0d0c-0b0a-0908-0706-050403020100"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_guid(bad));
    }
    CHECK(format_guid(zero_guid()) == "00000000-0000-0000-0000-000000000000");
}

TEST_CASE("utf16: strict round trips", "[hcn]")
{
    const std::string text = "microagent-\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
    const auto wide = utf::to_utf16(text);
    CHECK(wide == u"microagent-\u00e9\u20ac\U0001F600");
    CHECK(utf::to_utf8(wide) == text);
    CHECK(utf::from_host(nullptr).empty());
    CHECK(utf::from_host(u"abc") == "abc");
    CHECK_THROWS_AS(utf::to_utf16("\xc0\xaf"), Error);          // overlong
    CHECK_THROWS_AS(utf::to_utf16("\xed\xa0\x80"), Error);      // surrogate
    CHECK_THROWS_AS(utf::to_utf16("\xe2\x82"), Error);          // truncated
    CHECK_THROWS_AS(utf::to_utf16("\xf4\x90\x80\x80"), Error);  // > U+10FFFF
    CHECK_THROWS_AS(utf::to_utf8(std::u16string(1, char16_t(0xD800))), Error);
    CHECK_THROWS_AS(utf::to_utf8(std::u16string(1, char16_t(0xDC00))), Error);
}

TEST_CASE("hcn errors: known HRESULTs are named, codes mapped, records quoted", "[hcn]")
{
    auto e = hcn_error("HcnOpenNetwork", hresult::network_not_found, "");
    CHECK(e.code() == ErrorCode::not_found);
    CHECK(e.hresult() == static_cast<int32_t>(0x803b0001u));
    CHECK(e.operation() == "HcnOpenNetwork");
    CHECK(std::string(e.what()) == "HcnOpenNetwork: HCN_E_NETWORK_NOT_FOUND (0x803b0001): the network was not found");

    e = hcn_error("HcnCreateNetwork", hresult::network_already_exists,
                  R"({"Success":false,"Error":"already there","ErrorCode":2151350288})");
    CHECK(e.code() == ErrorCode::conflict);
    CHECK_THAT(e.what(), Catch::EndsWith(": already there"));

    e = hcn_error("HcnCreateEndpoint", static_cast<int32_t>(0x80071234u), "plain text\nwith newline");
    CHECK(e.code() == ErrorCode::host);
    // Control characters are escaped as Go %q escapes them (json::escape_control).
    CHECK(std::string(e.what()) == "HcnCreateEndpoint: HRESULT 0x80071234: plain text\\nwith newline");

    CHECK(std::string(hresult_name(hresult::endpoint_not_found)) == "HCN_E_ENDPOINT_NOT_FOUND");
    CHECK(std::string(hresult_name(hresult::dup_name)) == "ERROR_DUP_NAME");
    CHECK(std::string(hresult_name(0)).empty());
    CHECK(is_not_found(hresult::endpoint_not_found));
    CHECK_FALSE(is_not_found(hresult::invalid_json));

    const auto wrapped = with_context(e, "delete HNS endpoint \"x\"");
    CHECK(wrapped.hresult() == e.hresult());
    CHECK(wrapped.operation() == e.operation());
    CHECK_THAT(wrapped.what(), Catch::StartsWith("delete HNS endpoint \"x\": HcnCreateEndpoint: "));
}
