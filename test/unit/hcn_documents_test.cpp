// SPDX-License-Identifier: MIT
// HCN documents (hcn/schema.hpp): what we send must match microagent-protocol.md §8 exactly.
#include "core/error.hpp"
#include "core/json.hpp"
#include "hcn/schema.hpp"

#include <catch2/catch.hpp>

using namespace hvsup;
using namespace hvsup::hcn;

TEST_CASE("hcn documents: the managed NAT network settings are the reference document", "[hcn]")
{
    // microagent-protocol.md §8.1, key order included.
    const char* expected = R"({
  "Name": "microagent-nat",
  "Type": "NAT",
  "MacPool": {"Ranges": [{"StartMacAddress": "00-15-5D-52-D0-00", "EndMacAddress": "00-15-5D-52-DF-FF"}]},
  "Ipams": [{"Type": "Static", "Subnets": [{
      "IpAddressPrefix": "192.168.127.0/24",
      "Routes": [{"NextHop": "192.168.127.1", "DestinationPrefix": "0.0.0.0/0"}]
  }]}],
  "SchemaVersion": {"Major": 2, "Minor": 0}
})";
    const auto doc = encode(nat_network_settings("192.168.127.0/24", "192.168.127.1"));
    CHECK(json::compact(doc) == json::compact(json::parse(expected, "expected")));
}

TEST_CASE("hcn documents: NAT settings follow the chosen subnet", "[hcn]")
{
    const auto doc = encode(nat_network_settings("10.71.214.0/24", "10.71.214.1"));
    const auto& subnet = doc.at("Ipams").as_array()[0].as_object().at("Subnets").as_array()[0].as_object();
    CHECK(subnet.at("IpAddressPrefix") == "10.71.214.0/24");
    CHECK(subnet.at("Routes").as_array()[0].as_object().at("NextHop") == "10.71.214.1");
}

TEST_CASE("hcn documents: endpoint settings are Name, HostComputeNetwork, SchemaVersion", "[hcn]")
{
    const auto doc = encode(endpoint_settings(endpoint_name("agent-1"), "0f0e0d0c-0b0a-0908-0706-050403020100"));
    CHECK(json::compact(doc) ==
          R"({"Name":"microagent-agent-1","HostComputeNetwork":"0f0e0d0c-0b0a-0908-0706-050403020100",)"
          R"("SchemaVersion":{"Major":2,"Minor":0}})");
}

TEST_CASE("hcn documents: the endpoint name is microagent-<runtimeID>", "[hcn]")
{
    CHECK(endpoint_name("agent-1") == "microagent-agent-1");
    CHECK(endpoint_name("x") == "microagent-x");
}

TEST_CASE("hcn documents: queries carry the filter as a JSON string", "[hcn]")
{
    CHECK(json::compact(encode(query_by("Name", "microagent-nat"))) ==
          R"({"SchemaVersion":{"Major":2,"Minor":0},"Flags":0,"Filter":"{\"Name\":\"microagent-nat\"}"})");
    CHECK(json::compact(encode(query_all())) == R"({"SchemaVersion":{"Major":2,"Minor":0},"Flags":0})");
    // A name with quotes stays valid JSON inside the string.
    const auto q = encode(query_by("Name", "a\"b"));
    const auto filter = json::parse(std::string(q.at("Filter").as_string()), "filter");
    CHECK(filter.as_object().at("Name") == "a\"b");
}

TEST_CASE("hcn documents: network properties are read leniently and case-insensitively", "[hcn]")
{
    const auto props = json::parse(R"({
        "ID": "5d1b7d1e-0000-4000-8000-000000000001", "Name": "microagent-nat", "Type": "NAT",
        "Policies": [], "State": 1, "Health": {"Extra": true},
        "Ipams": [{"Type": "Static", "Subnets": [{"IpAddressPrefix": "192.168.214.0/24",
                   "Routes": [{"NextHop": "192.168.214.1", "DestinationPrefix": "0.0.0.0/0", "Metric": 0}]}]}],
        "dns": {"serverList": ["192.168.214.1"]},
        "SchemaVersion": {"Major": 2, "Minor": 16}})",
                                   "props");
    const auto n = decode_network(props);
    CHECK(n.id == "5d1b7d1e-0000-4000-8000-000000000001");
    CHECK(n.subnet_prefixes() == std::vector<std::string>{"192.168.214.0/24"});
    REQUIRE(n.ipams[0].subnets[0].routes.size() == 1);
    CHECK(n.ipams[0].subnets[0].routes[0].metric == 0);
    CHECK(n.dns.server_list == std::vector<std::string>{"192.168.214.1"});
    CHECK(n.schema_version.minor == 16);
}

TEST_CASE("hcn documents: endpoint properties round-trip", "[hcn]")
{
    Endpoint e;
    e.id = "5d1b7d1e-0000-4000-8000-000000000002";
    e.name = "microagent-r1";
    e.host_compute_network = "5d1b7d1e-0000-4000-8000-000000000001";
    e.ip_configurations = {IpConfig{"192.168.127.2", 24}};
    e.routes = {Route{"192.168.127.1", "0.0.0.0/0", 0}};
    e.dns.server_list = {"192.168.127.1"};
    e.mac_address = "00-15-5D-52-D0-00";
    const auto back = decode_endpoint(json::value(encode(e)));
    CHECK(back.id == e.id);
    CHECK(back.ip_configurations[0].ip_address == "192.168.127.2");
    CHECK(back.ip_configurations[0].prefix_length == 24);
    CHECK(back.routes[0].next_hop == "192.168.127.1");
    CHECK(back.dns.server_list == e.dns.server_list);
    CHECK(back.mac_address == e.mac_address);
}

TEST_CASE("hcn documents: a field of the wrong type is an error naming it", "[hcn]")
{
    const auto props = json::parse(R"({"IpConfigurations": [{"IpAddress": 5}]})", "props");
    try {
        decode_endpoint(props);
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::invalid_argument);
        CHECK_THAT(e.what(), Catch::Contains("endpoint.IpConfigurations[0].IpAddress"));
    }
    CHECK_THROWS_AS(decode_network(json::parse("[]", "props")), Error);
}
