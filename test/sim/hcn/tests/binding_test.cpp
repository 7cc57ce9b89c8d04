// SPDX-License-Identifier: MIT
// The computenetwork.dll binding (hcn/client.hpp) against the simulator library.
#include "sim_fixture.hpp"

#include "core/error.hpp"
#include "hcn/client.hpp"
#include "hcn/errors.hpp"
#include "hcn/guid.hpp"
#include "hcn/schema.hpp"

#include <catch2/catch.hpp>

using namespace hvsup;
using namespace hvsup::hcn;
using namespace hvsup::sim::hcn::testing;

namespace {

Client sim_client()
{
    return Client(Api::load(provider_path()));
}

template <typename F>
Error error_of(F&& f)
{
    try {
        f();
    } catch (const Error& e) {
        return e;
    }
    FAIL("expected an hvsup::Error");
    return Error(ErrorCode::generic, "unreachable");
}

}  // namespace

TEST_CASE("HCN API: without a provider on POSIX every use is unsupported", "[hcn]")
{
    const auto e = error_of([] { Api::load(""); });
    CHECK(e.code() == ErrorCode::unsupported);
    CHECK(std::string(e.what()) == "load HCN API: HCN networking is only available on windows");
}

TEST_CASE("HCN API: a missing provider library fails with its path", "[hcn]")
{
    const auto e = error_of([] { Api::load("/nonexistent/libhcn.so"); });
    CHECK(e.code() == ErrorCode::unsupported);
    CHECK_THAT(e.what(), Catch::StartsWith("load HCN API: load library \"/nonexistent/libhcn.so\": "));
}

TEST_CASE("HCN binding: create, find by name, query, delete a NAT network", "[hcn]")
{
    SimHost host;
    const auto c = sim_client();
    CHECK(c.enumerate_networks(query_all()).empty());

    auto handle = c.create_network(nat_network_settings("192.168.127.0/24", "192.168.127.1"));
    const auto props = decode_network(c.network_properties(handle));
    CHECK(props.name == "microagent-nat");
    CHECK(props.type == "NAT");
    REQUIRE(props.subnet_prefixes() == std::vector<std::string>{"192.168.127.0/24"});
    CHECK(props.id.size() == 36);

    const auto ids = c.enumerate_networks(query_by("Name", "microagent-nat"));
    REQUIRE(ids == std::vector<std::string>{props.id});
    CHECK(c.enumerate_networks(query_by("Name", "other")).empty());

    const auto dup = error_of([&] { c.create_network(nat_network_settings("10.71.214.0/24", "10.71.214.1")); });
    CHECK(dup.code() == ErrorCode::conflict);
    CHECK(dup.hresult() == hresult::network_already_exists);
    CHECK_THAT(dup.what(), Catch::StartsWith("HcnCreateNetwork: HCN_E_NETWORK_ALREADY_EXISTS (0x803b0010)"));

    handle.reset();
    c.delete_network(props.id);
    CHECK(host.networks().empty());
    const auto gone = error_of([&] { c.delete_network(props.id); });
    CHECK(gone.code() == ErrorCode::not_found);
    CHECK(gone.hresult() == hresult::network_not_found);
}

TEST_CASE("HCN simulator: an overlapping NAT prefix fails with HNS's misleading duplicate-name error", "[hcn]")
{
    SimHost host;
    seed_network(host.dir(), "Default Switch", "ICS", "192.168.112.0/20", "192.168.112.1", "Dhcp");
    const auto c = sim_client();
    const auto e = error_of([&] { c.create_network(nat_network_settings("192.168.127.0/24", "192.168.127.1")); });
    CHECK(e.code() == ErrorCode::host);
    CHECK(e.hresult() == hresult::dup_name);
    CHECK_THAT(e.what(), Catch::Contains("duplicate name exists on the network"));
    CHECK(host.networks().size() == 1);
}

TEST_CASE("HCN simulator: settings documents are validated strictly", "[hcn]")
{
    SimHost host;
    const auto c = sim_client();
    auto bad = nat_network_settings("192.168.127.0/24", "192.168.127.1");
    bad.ipams[0].subnets[0].routes[0].next_hop = "10.0.0.1";  // outside the subnet
    auto e = error_of([&] { c.create_network(bad); });
    CHECK(e.hresult() == hresult::invalid_network);

    auto no_default = nat_network_settings("192.168.127.0/24", "192.168.127.1");
    no_default.ipams[0].subnets[0].routes[0].destination_prefix = "10.0.0.0/8";
    e = error_of([&] { c.create_network(no_default); });
    CHECK(e.hresult() == hresult::invalid_network);

    auto bad_type = nat_network_settings("192.168.127.0/24", "192.168.127.1");
    bad_type.type = "Nat";
    e = error_of([&] { c.create_network(bad_type); });
    CHECK(e.hresult() == hresult::invalid_network_type);
    CHECK(host.networks().empty());

    // An unknown field goes through the raw entry point.
    const auto api = Api::load(provider_path());
    const std::u16string settings =
        u"{\"Name\":\"x\",\"Type\":\"NAT\",\"Bogus\":1,\"SchemaVersion\":{\"Major\":2,\"Minor\":0}}";
    const auto zero = zero_guid();
    void* handle = nullptr;
    char16_t* record = nullptr;
    const auto hr = api->create_network(&zero, settings.c_str(), &handle, &record);
    CHECK(hr == hresult::invalid_json);
    REQUIRE(record != nullptr);
    CHECK(handle == nullptr);
    api->free_string(record);
}

TEST_CASE("HCN binding: endpoints get addresses from the subnet, .2 upward", "[hcn]")
{
    SimHost host;
    const auto c = sim_client();
    auto network = c.create_network(nat_network_settings("10.71.214.0/24", "10.71.214.1"));
    const auto network_id = decode_network(c.network_properties(network)).id;

    auto e1 = c.create_endpoint(network, endpoint_settings("microagent-a", network_id));
    auto e2 = c.create_endpoint(network, endpoint_settings("microagent-b", network_id));
    const auto p1 = decode_endpoint(c.endpoint_properties(e1));
    const auto p2 = decode_endpoint(c.endpoint_properties(e2));
    REQUIRE(p1.ip_configurations.size() == 1);
    CHECK(p1.ip_configurations[0].ip_address == "10.71.214.2");
    CHECK(p1.ip_configurations[0].prefix_length == 24);
    CHECK(p2.ip_configurations[0].ip_address == "10.71.214.3");
    CHECK(p1.host_compute_network == network_id);
    CHECK(p1.mac_address != p2.mac_address);
    CHECK_THAT(p1.mac_address, Catch::StartsWith("00-15-5D-52-D"));
    REQUIRE(p1.routes.size() == 1);
    CHECK(p1.routes[0].next_hop == "10.71.214.1");

    CHECK(c.enumerate_endpoints(query_by("Name", "microagent-b")) == std::vector<std::string>{p2.id});
    CHECK(c.enumerate_endpoints(query_all()).size() == 2);

    // A freed address is reused.
    c.delete_endpoint(p1.id);
    auto e3 = c.create_endpoint(network, endpoint_settings("microagent-c", network_id));
    CHECK(decode_endpoint(c.endpoint_properties(e3)).ip_configurations[0].ip_address == "10.71.214.2");

    const auto gone = error_of([&] { c.delete_endpoint(p1.id); });
    CHECK(gone.code() == ErrorCode::not_found);
    CHECK(gone.hresult() == hresult::endpoint_not_found);
    const auto open_gone = error_of([&] { c.open_endpoint(p1.id); });
    CHECK(open_gone.code() == ErrorCode::not_found);

    // A network with endpoints cannot be deleted.
    const auto busy = error_of([&] { c.delete_network(network_id); });
    CHECK(busy.hresult() == hresult::entity_has_references);
}

TEST_CASE("HCN binding: an endpoint must name the network of its handle", "[hcn]")
{
    SimHost host;
    const auto c = sim_client();
    auto network = c.create_network(nat_network_settings("10.71.214.0/24", "10.71.214.1"));
    const auto e = error_of(
        [&] { c.create_endpoint(network, endpoint_settings("microagent-x", "11111111-2222-3333-4444-555555555555")); });
    CHECK(e.hresult() == hresult::invalid_endpoint);
    CHECK(host.endpoints().empty());
}

TEST_CASE("HCN binding: injected faults carry their HRESULT and error record text", "[hcn]")
{
    SimHost host;
    inject_fault(host.dir(), "HcnEnumerateNetworks", 0x803b0020u, 1, "service stopping");
    const auto c = sim_client();
    const auto e = error_of([&] { c.enumerate_networks(query_all()); });
    CHECK(e.hresult() == hresult::manager_stopped);
    CHECK(e.operation() == "HcnEnumerateNetworks");
    CHECK(std::string(e.what()) ==
          "HcnEnumerateNetworks: HCN_E_MANAGER_STOPPED (0x803b0020): the Host Network Service is stopped: service "
          "stopping");
    CHECK(c.enumerate_networks(query_all()).empty());  // count 1: the next call succeeds
}

TEST_CASE("HCN binding: ids that are not GUIDs are rejected before any call", "[hcn]")
{
    SimHost host;
    const auto c = sim_client();
    const auto e = error_of([&] { c.open_endpoint("not-a-guid"); });
    CHECK(e.code() == ErrorCode::invalid_argument);
    CHECK(host.calls().empty());
}
