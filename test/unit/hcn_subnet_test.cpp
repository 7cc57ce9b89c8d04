// SPDX-License-Identifier: MIT
// IPv4 prefixes and the managed NAT subnet choice (hcn/cidr.hpp).
#include "core/error.hpp"
#include "hcn/cidr.hpp"

#include <catch2/catch.hpp>

using namespace hvsup;
using namespace hvsup::hcn;

TEST_CASE("cidr: parsing accepts dotted quads with a length and nothing else", "[hcn]")
{
    const auto p = parse_prefix("192.168.127.0/24");
    REQUIRE(p);
    CHECK(p->address == 0xC0A87F00u);
    CHECK(p->length == 24);
    CHECK(p->to_string() == "192.168.127.0/24");
    CHECK(parse_prefix("192.168.112.7/20")->to_string() == "192.168.112.0/20");
    CHECK(parse_prefix("0.0.0.0/0")->length == 0);
    for (const char* bad : {"", "192.168.127.0", "192.168.127.0/33", "192.168.127/24", "192.168.127.256/24",
                            "192.168.127.0/", "/24", "a.b.c.d/24", "192.168.127.0/24 ", " 192.168.127.0/24",
                            "192.168.127.00/24", "fd00::/64", "1.2.3.4.5/8", "1.2.3.4/-1"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_prefix(bad));
    }
    CHECK(parse_ipv4("10.0.0.1") == 0x0A000001u);
    CHECK(format_ipv4(0xC0A87F01u) == "192.168.127.1");
}

TEST_CASE("cidr: overlap", "[hcn]")
{
    auto P = [](const char* t) { return *parse_prefix(t); };
    CHECK(overlaps(P("192.168.112.0/20"), P("192.168.127.0/24")));
    CHECK_FALSE(overlaps(P("192.168.112.0/20"), P("192.168.128.0/24")));
    CHECK_FALSE(overlaps(P("192.168.112.0/20"), P("192.168.214.0/24")));
    CHECK(overlaps(P("0.0.0.0/0"), P("10.1.2.0/24")));
    CHECK(overlaps(P("10.1.2.3/32"), P("10.1.2.0/24")));
    CHECK_FALSE(overlaps(P("10.1.2.0/25"), P("10.1.2.128/25")));
    CHECK(P("192.168.127.0/24").contains(0xC0A87FFFu));
    CHECK_FALSE(P("192.168.127.0/24").contains(0xC0A88000u));
}

TEST_CASE("subnet picker: 192.168.127.0/24 first, gateway .1", "[hcn]")
{
    const auto s = pick_nat_subnet({});
    CHECK(s.prefix == "192.168.127.0/24");
    CHECK(s.gateway == "192.168.127.1");
    CHECK(pick_nat_subnet({"172.17.0.0/16", "garbage", "fd00::/64"}).prefix == "192.168.127.0/24");
}

TEST_CASE("subnet picker: a /20 covering 192.168.127.0/24 moves it to 192.168.214.0/24", "[hcn]")
{
    const auto s = pick_nat_subnet({"192.168.112.0/20"});
    CHECK(s.prefix == "192.168.214.0/24");
    CHECK(s.gateway == "192.168.214.1");
}

TEST_CASE("subnet picker: candidates in the reference order", "[hcn]")
{
    CHECK(nat_subnet_candidates() == std::vector<std::string>{"192.168.127.0/24", "192.168.214.0/24", "10.71.214.0/24",
                                                              "10.99.127.0/24", "172.28.127.0/24", "172.31.214.0/24"});
    std::vector<std::string> taken;
    const auto& all = nat_subnet_candidates();
    for (size_t i = 0; i + 1 < all.size(); ++i) {
        taken.push_back(all[i]);
        CHECK(pick_nat_subnet(taken).prefix == all[i + 1]);
    }
    CHECK(pick_nat_subnet({"192.168.0.0/16", "10.0.0.0/8"}).prefix == "172.28.127.0/24");
    CHECK(pick_nat_subnet({"192.168.0.0/16", "10.0.0.0/8", "172.28.0.0/16"}).gateway == "172.31.214.1");
}

TEST_CASE("subnet picker: all overlap -> the reference error listing what HNS has", "[hcn]")
{
    try {
        pick_nat_subnet({"192.168.0.0/16", "10.0.0.0/8", "172.16.0.0/12"});
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::conflict);
        CHECK(
            std::string(e.what()) ==
            "no free /24 for the managed NAT network; existing HNS subnets: 192.168.0.0/16, 10.0.0.0/8, 172.16.0.0/12");
    }
}
