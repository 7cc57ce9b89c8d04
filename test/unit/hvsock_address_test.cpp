// SPDX-License-Identifier: MIT
#include "hvsock/address.hpp"
#include "hvsock/targets.hpp"

#include "core/error.hpp"

#include <catch2/catch.hpp>

using namespace hvsup::hvsock;

TEST_CASE("vsock service ids follow the reference vectors", "[hvsock]")
{
    CHECK(to_string(vsock_service_id(1024)) == "00000400-facb-11e6-bd58-64006a7986d3");
    CHECK(to_string(vsock_service_id(2048)) == "00000800-facb-11e6-bd58-64006a7986d3");
    CHECK(to_string(vsock_service_id(18080)) == "000046a0-facb-11e6-bd58-64006a7986d3");
    CHECK(to_string(vsock_service_id(22001)) == "000055f1-facb-11e6-bd58-64006a7986d3");
    CHECK(to_string(vsock_service_id(1032)) == "00000408-facb-11e6-bd58-64006a7986d3");
    CHECK(to_string(vsock_service_id(2761)) == "00000ac9-facb-11e6-bd58-64006a7986d3");
    CHECK(to_string(vsock_service_id(0xffffffffu)) == "ffffffff-facb-11e6-bd58-64006a7986d3");
}

TEST_CASE("the vsock port is recovered only from template service ids", "[hvsock]")
{
    CHECK(vsock_port(vsock_service_id(18080)) == 18080u);
    CHECK(vsock_port(parse_guid("000046A0-FACB-11E6-BD58-64006A7986D3")) == 18080u);
    CHECK_FALSE(vsock_port(parse_guid("000046a0-facb-11e6-bd58-64006a7986d4")));
    CHECK_FALSE(vsock_port(parse_guid("a42e7cda-d03f-480c-9cc2-a4de20abb878")));
}

TEST_CASE("GUID text round-trips in lower case", "[hvsock]")
{
    Guid g = parse_guid("{A42E7CDA-D03F-480C-9CC2-A4DE20ABB878}");
    CHECK(g.data1 == 0xa42e7cdau);
    CHECK(g.data2 == 0xd03f);
    CHECK(g.data3 == 0x480c);
    CHECK(g.data4[0] == 0x9c);
    CHECK(g.data4[7] == 0x78);
    CHECK(to_string(g) == "a42e7cda-d03f-480c-9cc2-a4de20abb878");
    CHECK(parse_guid(to_string(g)) == g);
}

TEST_CASE("malformed GUIDs are rejected", "[hvsock]")
{
    for (const char* bad : {"", "11111111-1111-1111-1111-11111111111", "11111111-1111-1111-1111-1111111111111",
                            "11111111x1111-1111-1111-111111111111", "1111111g-1111-1111-1111-111111111111",
                            "{11111111-1111-1111-1111-111111111111", "11111111-1111-1111-1111-111111111111}",
                            " 11111111-1111-1111-1111-11111111111"}) {
        INFO(bad);
        CHECK_FALSE(try_parse_guid(bad));
    }
    try {
        parse_guid("nope");
        FAIL("parse_guid accepted junk");
    } catch (const hvsup::Error& e) {
        CHECK(e.code() == hvsup::ErrorCode::invalid_argument);
        CHECK(std::string(e.what()).find("parse GUID \"nope\"") == 0);
    }
}

TEST_CASE("addresses print as hvsock:<vm>:<port>", "[hvsock]")
{
    Address a{parse_guid("11111111-1111-1111-1111-111111111111"), vsock_service_id(8080)};
    CHECK(to_string(a) == "hvsock:11111111-1111-1111-1111-111111111111:8080");
}

TEST_CASE("host:port targets follow Go's SplitHostPort", "[hvsock]")
{
    using detail::parse_tcp_target;
    REQUIRE(parse_tcp_target("127.0.0.1:9900"));
    CHECK(parse_tcp_target("127.0.0.1:9900")->port == 9900);
    CHECK(parse_tcp_target("[::1]:80")->host == "::1");
    CHECK(parse_tcp_target("localhost:0"));
    CHECK_FALSE(parse_tcp_target(":80"));
    CHECK_FALSE(parse_tcp_target("host"));
    CHECK_FALSE(parse_tcp_target("host:"));
    CHECK_FALSE(parse_tcp_target("host:65536"));
    CHECK_FALSE(parse_tcp_target("host:-1"));
    CHECK_FALSE(parse_tcp_target("host:+1"));
    CHECK_FALSE(parse_tcp_target("::1:80"));
    CHECK_FALSE(parse_tcp_target("/tmp/x:80"));
    CHECK_FALSE(parse_tcp_target("C:\\state\\result.json"));
    CHECK(detail::join_host_port("::1", 80) == "[::1]:80");
    CHECK(detail::join_host_port("127.0.0.1", 18080) == "127.0.0.1:18080");
}
