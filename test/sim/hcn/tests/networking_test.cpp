// SPDX-License-Identifier: MIT
// hcn::Networking (what the supervisor calls) against the simulator: every mode, subnet
// choice, stale endpoints, fail-closed bridged, release semantics, probe.
#include "sim_fixture.hpp"

#include "core/error.hpp"
#include "hcn/errors.hpp"
#include "hcn/networking.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <thread>

using namespace hvsup;
using namespace hvsup::hcn;
using namespace hvsup::sim::hcn::testing;

namespace {

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

GuestNetwork mode(std::string m, std::string interface_name = {})
{
    GuestNetwork c;
    c.mode = std::move(m);
    c.interface_name = std::move(interface_name);
    return c;
}

std::vector<std::string> endpoint_names(const SimHost& host)
{
    std::vector<std::string> names;
    for (const auto& e : host.endpoints()) names.push_back(str(e, "Name"));
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace

TEST_CASE("networking: isolated makes no HCN call and needs no provider", "[hcn]")
{
    SimHost host;
    Networking net("/nonexistent/provider.so");
    auto input = mode("isolated");
    input.dns = {"1.1.1.1"};
    const auto a = net.prepare_network(input, "r1");
    CHECK(a.network_id.empty());
    CHECK(a.endpoint_id.empty());
    CHECK_FALSE(a.has_endpoint());
    CHECK_FALSE(a.nic.has_value());
    CHECK(a.runtime.mode == "isolated");
    CHECK(a.runtime.dns == std::vector<std::string>{"1.1.1.1"});
    CHECK(host.calls().empty());
}

TEST_CASE("networking: user mode creates microagent-nat once and records the runtime network as nat", "[hcn]")
{
    SimHost host;
    Networking net(provider_path());
    auto input = mode("user");
    const auto a = net.prepare_network(input, "agent-1");

    REQUIRE(host.networks().size() == 1);
    const auto nat = host.networks()[0];
    CHECK(str(nat, "Name") == "microagent-nat");
    CHECK(a.network_id == str(nat, "ID"));
    REQUIRE(host.endpoints().size() == 1);
    CHECK(str(host.endpoints()[0], "Name") == "microagent-agent-1");
    CHECK(a.endpoint_id == str(host.endpoints()[0], "ID"));

    CHECK(a.runtime.mode == "nat");
    CHECK(a.runtime.subnet == "192.168.127.0/24");
    CHECK(a.runtime.gateway == "192.168.127.1");
    CHECK(a.runtime.ip == "192.168.127.2");
    CHECK(a.runtime.dns == std::vector<std::string>{"192.168.127.1"});
    CHECK(a.runtime.routes == std::vector<std::string>{"0.0.0.0/0"});
    REQUIRE(a.nic.has_value());
    CHECK_FALSE(a.nic->dhcp());
    CHECK(a.nic->ip_cidr == "192.168.127.2/24");
    CHECK(a.nic->gateway == "192.168.127.1");
    CHECK(a.nic->dns == std::vector<std::string>{"192.168.127.1"});
    CHECK_FALSE(a.nic->mac_address.empty());

    // A second runtime (mode "nat", caller DNS) reuses the network and gets the next address.
    auto second = mode(" nat ");
    second.dns = {"9.9.9.9"};
    const auto b = net.prepare_network(second, "agent-2");
    CHECK(host.networks().size() == 1);
    CHECK(b.network_id == a.network_id);
    CHECK(b.runtime.ip == "192.168.127.3");
    CHECK(b.runtime.dns == std::vector<std::string>{"9.9.9.9"});
    CHECK(endpoint_names(host) == std::vector<std::string>{"microagent-agent-1", "microagent-agent-2"});
}

TEST_CASE("networking: an empty mode means user", "[hcn]")
{
    SimHost host;
    Networking net(provider_path());
    const auto a = net.prepare_network(GuestNetwork{}, "r1");
    CHECK(a.runtime.mode == "nat");
    CHECK(host.endpoints().size() == 1);
}

TEST_CASE("networking: the NAT /24 avoids a Default Switch /20 that covers 192.168.127.0/24", "[hcn]")
{
    SimHost host;
    seed_network(host.dir(), "Default Switch", "ICS", "192.168.112.0/20", "192.168.112.1", "Dhcp");
    Networking net(provider_path());
    const auto a = net.prepare_network(mode("user"), "r1");
    CHECK(a.runtime.subnet == "192.168.214.0/24");
    CHECK(a.runtime.gateway == "192.168.214.1");
    CHECK(a.runtime.ip == "192.168.214.2");
    CHECK(host.networks().size() == 2);
}

TEST_CASE("networking: candidates are taken in the reference order", "[hcn]")
{
    SimHost host;
    seed_network(host.dir(), "a", "ICS", "192.168.0.0/16", "192.168.0.1", "Dhcp");
    seed_network(host.dir(), "b", "Private", "10.64.0.0/12",
                 "10.64.0.1");  // covers 10.71.x and 10.99.x? only 10.64-10.79
    Networking net(provider_path());
    const auto a = net.prepare_network(mode("nat"), "r1");
    CHECK(a.runtime.subnet == "10.99.127.0/24");
}

TEST_CASE("networking: when every candidate overlaps, the error lists the existing subnets", "[hcn]")
{
    SimHost host;
    seed_network(host.dir(), "wide", "Transparent", "0.0.0.0/1", "0.0.0.1");
    seed_network(host.dir(), "upper", "Transparent", "128.0.0.0/1", "128.0.0.1");
    Networking net(provider_path());
    const auto e = error_of([&] { net.prepare_network(mode("user"), "r1"); });
    CHECK(e.code() == ErrorCode::conflict);
    const std::string msg = e.what();
    CHECK_THAT(msg, Catch::StartsWith("no free /24 for the managed NAT network; existing HNS subnets: "));
    CHECK_THAT(msg, Catch::Contains("0.0.0.0/1"));
    CHECK_THAT(msg, Catch::Contains("128.0.0.0/1"));
    CHECK(host.endpoints().empty());
    CHECK(host.networks().size() == 2);
}

TEST_CASE("networking: an existing microagent-nat is used as it is", "[hcn]")
{
    SimHost host;
    const auto id = seed_network(host.dir(), "microagent-nat", "NAT", "172.28.127.0/24", "172.28.127.1");
    Networking net(provider_path());
    const auto a = net.prepare_network(mode("user"), "r1");
    CHECK(a.network_id == id);
    CHECK(a.runtime.subnet == "172.28.127.0/24");
    CHECK(a.runtime.ip == "172.28.127.2");
    for (const auto& call : host.calls()) CHECK(call != "HcnCreateNetwork");
}

TEST_CASE("networking: an endpoint left by a crashed run is replaced", "[hcn]")
{
    SimHost host;
    Networking first(provider_path());
    const auto crashed = first.prepare_network(mode("user"), "r1");
    // The process "crashes": nothing released. A new supervisor prepares the same runtime.
    Networking second(provider_path());
    const auto a = second.prepare_network(mode("user"), "r1");
    CHECK(a.endpoint_id != crashed.endpoint_id);
    REQUIRE(host.endpoints().size() == 1);
    CHECK(str(host.endpoints()[0], "ID") == a.endpoint_id);
    CHECK(a.runtime.ip == "192.168.127.2");  // the stale endpoint's address was freed first
}

TEST_CASE("networking: bridged without an interface fails closed and touches nothing", "[hcn]")
{
    SimHost host;
    Networking net(provider_path());
    const auto e = error_of([&] { net.prepare_network(mode("bridged", "  "), "r1"); });
    CHECK(std::string(e.what()) == "bridged network requires network.interface");
    CHECK(e.code() == ErrorCode::invalid_argument);
    CHECK(host.calls().empty());
    CHECK(host.networks().empty());
}

TEST_CASE("networking: bridged with an unknown interface fails closed and creates nothing", "[hcn]")
{
    SimHost host;
    seed_network(host.dir(), "External", "Transparent");
    Networking net(provider_path());
    const auto e = error_of([&] { net.prepare_network(mode("bridged", "Nope"), "r1"); });
    CHECK(std::string(e.what()) == "resolve bridged HNS network \"Nope\": HNS network \"Nope\" not found");
    CHECK(e.code() == ErrorCode::not_found);
    CHECK(host.endpoints().empty());
    CHECK(host.networks().size() == 1);
    for (const auto& call : host.calls()) {
        CHECK(call != "HcnCreateNetwork");
        CHECK(call != "HcnCreateEndpoint");
        CHECK(call != "HcnDeleteEndpoint");
    }
}

TEST_CASE("networking: bridged resolution errors other than not-found are reported", "[hcn]")
{
    SimHost host;
    inject_fault(host.dir(), "HcnEnumerateNetworks", 0x80070005u, 1, "denied");
    Networking net(provider_path());
    const auto e = error_of([&] { net.prepare_network(mode("bridged", "External"), "r1"); });
    CHECK_THAT(e.what(),
               Catch::StartsWith("resolve bridged HNS network \"External\": HcnEnumerateNetworks: E_ACCESSDENIED"));
    CHECK(e.hresult() == hresult::e_accessdenied);
}

TEST_CASE("networking: bridged on an external switch leaves addressing to DHCP", "[hcn]")
{
    SimHost host;
    const auto id = seed_network(host.dir(), "External", "Transparent");
    Networking net(provider_path());
    const auto a = net.prepare_network(mode("bridged", "External"), "r1");
    CHECK(a.network_id == id);
    CHECK(a.runtime.mode == "bridged");
    CHECK(a.runtime.interface_name == "External");
    CHECK(a.runtime.ip.empty());
    REQUIRE(a.nic.has_value());
    CHECK(a.nic->dhcp());
    CHECK(endpoint_names(host) == std::vector<std::string>{"microagent-r1"});
    CHECK(host.networks().size() == 1);  // no NAT network for bridged
}

TEST_CASE("networking: bridged on the Default Switch takes DNS and routes from HNS, address by DHCP", "[hcn]")
{
    SimHost host;
    seed_network(host.dir(), "Default Switch", "ICS", "192.168.112.0/20", "192.168.112.1", "Dhcp", {"192.168.112.1"});
    Networking net(provider_path());
    const auto a = net.prepare_network(mode("bridged", "Default Switch"), "r1");
    CHECK(a.runtime.subnet == "192.168.112.0/20");
    CHECK(a.runtime.gateway == "192.168.112.1");
    CHECK(a.runtime.dns == std::vector<std::string>{"192.168.112.1"});
    CHECK(a.runtime.routes == std::vector<std::string>{"0.0.0.0/0"});
    REQUIRE(a.nic.has_value());
    CHECK(a.nic->dhcp());
}

TEST_CASE("networking: bridged on a network with static IPAM gets a static address", "[hcn]")
{
    SimHost host;
    seed_network(host.dir(), "lab", "L2Bridge", "10.20.0.0/16", "10.20.0.1", "Static", {"10.20.0.53"});
    Networking net(provider_path());
    const auto a = net.prepare_network(mode("bridged", "lab"), "r1");
    CHECK(a.runtime.ip == "10.20.0.2");
    CHECK(a.runtime.dns == std::vector<std::string>{"10.20.0.53"});
    REQUIRE(a.nic.has_value());
    CHECK(a.nic->ip_cidr == "10.20.0.2/16");
}

TEST_CASE("networking: an unknown mode is refused before any HCN call", "[hcn]")
{
    SimHost host;
    Networking net(provider_path());
    const auto e = error_of([&] { net.prepare_network(mode("named"), "r1"); });
    CHECK(std::string(e.what()) == "unsupported windows-hyperv network mode \"named\"");
    CHECK(host.calls().empty());
}

TEST_CASE("networking: a failed endpoint create leaves nothing behind", "[hcn]")
{
    SimHost host;
    inject_fault(host.dir(), "HcnCreateEndpoint", 0x803b002fu, 1, "address in use");
    Networking net(provider_path());
    const auto e = error_of([&] { net.prepare_network(mode("user"), "r1"); });
    CHECK_THAT(
        e.what(),
        Catch::StartsWith(
            "create HNS endpoint \"microagent-r1\": HcnCreateEndpoint: HCN_E_ADDR_INVALID_OR_RESERVED (0x803b002f)"));
    CHECK(e.hresult() == hresult::addr_invalid_or_reserved);
    CHECK(host.endpoints().empty());
    CHECK(host.networks().size() == 1);  // the NAT network stays; it is shared
}

TEST_CASE("networking: an endpoint that cannot be read back is deleted", "[hcn]")
{
    SimHost host;
    inject_fault(host.dir(), "HcnQueryEndpointProperties", 0x80004005u, 1, "boom");
    Networking net(provider_path());
    const auto e = error_of([&] { net.prepare_network(mode("user"), "r1"); });
    CHECK_THAT(e.what(), Catch::StartsWith("query HNS endpoint \"microagent-r1\": HcnQueryEndpointProperties: E_FAIL"));
    CHECK(host.endpoints().empty());
}

TEST_CASE("networking: an endpoint that cannot be read back nor removed is reported as left behind", "[hcn]")
{
    // The removal by name fails at its listing: the first enumeration (the stale-endpoint
    // sweep before the create) passes, the second (the removal) fails.
    SimHost listing;
    inject_fault(listing.dir(), "HcnQueryEndpointProperties", 0x80004005u, 1, "boom");
    inject_fault(listing.dir(), "HcnEnumerateEndpoints", 0x803b0020u, 1, "service stopping", 1);
    Networking net(provider_path());
    auto e = error_of([&] { net.prepare_network(mode("user"), "r1"); });
    CHECK_THAT(e.what(), Catch::StartsWith("query HNS endpoint \"microagent-r1\": HcnQueryEndpointProperties: E_FAIL"));
    CHECK_THAT(e.what(), Catch::Contains("; removing it by name failed too (HcnEnumerateEndpoints: HCN_E_MANAGER_STOPPED"));
    CHECK_THAT(e.what(), Catch::EndsWith("): the endpoint may be left behind (a later attach of the same name deletes "
                                         "it as stale)"));
    CHECK(e.hresult() == hresult::e_fail);  // the read-back's failure, not the cleanup's
    CHECK(listing.endpoints().size() == 1);
    // The next attach of the name removes it before creating its own.
    const auto again = net.prepare_network(mode("user"), "r1");
    REQUIRE(listing.endpoints().size() == 1);
    CHECK(listing.endpoints().front().at("ID").as_string() == again.endpoint_id);

    // The removal by name fails at the delete.
    SimHost deleting;
    inject_fault(deleting.dir(), "HcnQueryEndpointProperties", 0x80004005u, 1, "boom");
    inject_fault(deleting.dir(), "HcnDeleteEndpoint", 0x80070005u, 1, "denied");
    e = error_of([&] { net.prepare_network(mode("user"), "r2"); });
    CHECK_THAT(e.what(), Catch::StartsWith("query HNS endpoint \"microagent-r2\": HcnQueryEndpointProperties: E_FAIL"));
    CHECK_THAT(e.what(), Catch::Contains("; removing it by name failed too (HcnDeleteEndpoint: E_ACCESSDENIED"));
    CHECK(deleting.endpoints().size() == 1);
    net.prepare_network(mode("user"), "r2");
    CHECK(deleting.endpoints().size() == 1);
}

TEST_CASE("networking: NAT network errors carry the reference context", "[hcn]")
{
    SimHost host;
    Networking net(provider_path());
    inject_fault(host.dir(), "HcnEnumerateNetworks", 0x803b0020u);
    auto e = error_of([&] { net.prepare_network(mode("user"), "r1"); });
    CHECK_THAT(e.what(), Catch::StartsWith(
                             "find HNS NAT network \"microagent-nat\": HcnEnumerateNetworks: HCN_E_MANAGER_STOPPED"));

    SimHost other;
    inject_fault(other.dir(), "HcnCreateNetwork", 0x803b000au, 1, "bad prefix");
    e = error_of([&] { net.prepare_network(mode("user"), "r1"); });
    CHECK(std::string(e.what()) ==
          "create HNS NAT network \"microagent-nat\": HcnCreateNetwork: HCN_E_INVALID_NETWORK (0x803b000a): invalid "
          "or missing network parameters: bad prefix");
    CHECK(other.endpoints().empty());

    SimHost third;
    inject_fault(third.dir(), "HcnEnumerateEndpoints", 0x80004005u, 1, "x");
    e = error_of([&] { net.prepare_network(mode("user"), "r1"); });
    CHECK_THAT(e.what(), Catch::StartsWith("find stale HNS endpoint \"microagent-r1\": HcnEnumerateEndpoints: E_FAIL"));
    CHECK(third.endpoints().empty());
}

TEST_CASE("networking: release_endpoint deletes, tolerates not-found and never deletes the NAT network", "[hcn]")
{
    SimHost host;
    Networking net(provider_path());
    const auto a = net.prepare_network(mode("user"), "r1");
    REQUIRE(host.endpoints().size() == 1);

    net.release_endpoint("");  // no endpoint recorded: no-op
    CHECK(host.endpoints().size() == 1);

    net.release_endpoint(a.endpoint_id);
    CHECK(host.endpoints().empty());
    CHECK(host.networks().size() == 1);

    net.release_endpoint(a.endpoint_id);  // already gone: success
    net.release_endpoint("11111111-2222-3333-4444-555555555555");

    net.release_endpoint("endpoint-1");  // not a GUID: no HCN object has it
    CHECK(host.networks().size() == 1);
}

TEST_CASE("networking: release_endpoint reports lookup and delete failures", "[hcn]")
{
    SimHost host;
    Networking net(provider_path());
    const auto a = net.prepare_network(mode("user"), "r1");

    inject_fault(host.dir(), "HcnOpenEndpoint", 0x803b0020u, 1, "stopping");
    auto e = error_of([&] { net.release_endpoint(a.endpoint_id); });
    CHECK_THAT(e.what(), Catch::StartsWith("find HNS endpoint \"" + a.endpoint_id +
                                           "\": HcnOpenEndpoint: HCN_E_MANAGER_STOPPED"));

    inject_fault(host.dir(), "HcnDeleteEndpoint", 0x803b002cu, 1, "in use");
    e = error_of([&] { net.release_endpoint(a.endpoint_id); });
    CHECK_THAT(e.what(), Catch::StartsWith("delete HNS endpoint \"" + a.endpoint_id +
                                           "\": HcnDeleteEndpoint: HCN_E_ENTITY_HAS_REFERENCES"));
    CHECK(host.endpoints().size() == 1);

    // A delete that finds the endpoint already gone (deleted by someone else) is success.
    inject_fault(host.dir(), "HcnDeleteEndpoint", 0x803b0002u, 1, "gone");
    net.release_endpoint(a.endpoint_id);
}

TEST_CASE("networking: probe reports HCN availability", "[hcn]")
{
    SimHost host;
    Networking ok(provider_path());
    ok.probe();

    Networking none("");
    auto e = error_of([&] { none.probe(); });
    CHECK(e.code() == ErrorCode::unsupported);
    CHECK(std::string(e.what()) == "probe HCN/HNS access: load HCN API: HCN networking is only available on windows");

    inject_fault(host.dir(), "HcnEnumerateNetworks", 0x80070005u, 1, "Access is denied.");
    e = error_of([&] { ok.probe(); });
    CHECK_THAT(e.what(), Catch::StartsWith("probe HCN/HNS access: HcnEnumerateNetworks: E_ACCESSDENIED (0x80070005)"));
}

TEST_CASE("networking: a NAT network created by another process after our lookup is used", "[hcn]")
{
    SimHost host;
    const auto id = seed_network(host.dir(), "microagent-nat", "NAT", "192.168.127.0/24", "192.168.127.1");
    // Our name lookup and subnet listing see nothing (the other process had not created it yet);
    // the create then fails with HCN_E_NETWORK_ALREADY_EXISTS.
    inject_result(host.dir(), "HcnEnumerateNetworks", "[]", 2);
    Networking net(provider_path());
    const auto a = net.prepare_network(mode("user"), "r1");
    CHECK(a.network_id == id);
    CHECK(a.runtime.subnet == "192.168.127.0/24");
    CHECK(host.networks().size() == 1);
    const auto calls = host.calls();
    CHECK(std::count(calls.begin(), calls.end(), "HcnCreateNetwork") == 1);
}

TEST_CASE("networking: concurrent prepares share one NAT network and get distinct addresses", "[hcn]")
{
    SimHost host;
    Networking net(provider_path());
    std::vector<std::string> ips(6);
    std::vector<std::string> errors(6);
    {
        std::vector<std::thread> threads;
        for (size_t i = 0; i < ips.size(); ++i) {
            threads.emplace_back([&, i] {
                try {
                    ips[i] = net.prepare_network(mode("user"), "r" + std::to_string(i)).runtime.ip;
                } catch (const std::exception& e) {
                    errors[i] = e.what();
                }
            });
        }
        for (auto& t : threads) t.join();
    }
    for (const auto& e : errors) CHECK(e.empty());
    std::sort(ips.begin(), ips.end());
    CHECK(std::adjacent_find(ips.begin(), ips.end()) == ips.end());
    CHECK(host.networks().size() == 1);
    CHECK(host.endpoints().size() == 6);
}
