// SPDX-License-Identifier: MIT
// The runtime network recorded for the supervisor and the guest NIC (hcn/runtime_network.hpp).
#include "hcn/runtime_network.hpp"
#include "supervisor/hcn_network_host.hpp"

#include <catch2/catch.hpp>

using namespace hvsup;
using namespace hvsup::hcn;

namespace {

Network nat(const std::string& prefix, const std::string& gateway)
{
    Network n = nat_network_settings(prefix, gateway);
    n.id = "5d1b7d1e-0000-4000-8000-000000000001";
    return n;
}

Endpoint endpoint_with(const std::string& ip, std::optional<int64_t> prefix_length)
{
    Endpoint e;
    e.id = "5d1b7d1e-0000-4000-8000-000000000002";
    if (!ip.empty()) e.ip_configurations = {IpConfig{ip, prefix_length}};
    return e;
}

}  // namespace

TEST_CASE("runtime network: nat defaults", "[hcn]")
{
    GuestNetwork input;
    input.mode = "user";
    const auto r =
        nat_runtime_network(input, nat("192.168.127.0/24", "192.168.127.1"), endpoint_with("192.168.127.2", 24));
    CHECK(r.mode == "nat");
    CHECK(r.subnet == "192.168.127.0/24");
    CHECK(r.gateway == "192.168.127.1");
    CHECK(r.dns == std::vector<std::string>{"192.168.127.1"});
    CHECK(r.routes == std::vector<std::string>{"0.0.0.0/0"});
    CHECK(r.ip == "192.168.127.2");
}

TEST_CASE("runtime network: caller DNS and routes win", "[hcn]")
{
    GuestNetwork input;
    input.mode = "nat";
    input.dns = {"1.1.1.1", "8.8.8.8"};
    input.routes = {"10.0.0.0/8"};
    const auto r = nat_runtime_network(input, nat("10.71.214.0/24", "10.71.214.1"), endpoint_with("10.71.214.9", 24));
    CHECK(r.dns == input.dns);
    CHECK(r.routes == input.routes);
    CHECK(r.gateway == "10.71.214.1");
}

TEST_CASE("runtime network: the gateway comes from the default route only", "[hcn]")
{
    auto n = nat("192.168.127.0/24", "192.168.127.1");
    n.ipams[0].subnets[0].routes.insert(n.ipams[0].subnets[0].routes.begin(),
                                        Route{"192.168.127.254", "10.0.0.0/8", {}});
    const auto r = nat_runtime_network(GuestNetwork{}, n, endpoint_with("192.168.127.2", 24));
    CHECK(r.gateway == "192.168.127.1");

    // No default route on the network: the endpoint's is used.
    Network bare;
    bare.ipams = {Ipam{"Static", {Subnet{"192.168.127.0/24", {}}}}};
    auto e = endpoint_with("192.168.127.2", 24);
    e.routes = {Route{"192.168.127.1", "0.0.0.0/0", 0}};
    CHECK(nat_runtime_network(GuestNetwork{}, bare, e).gateway == "192.168.127.1");
}

TEST_CASE("runtime network: bridged prefers endpoint DNS and routes, then the network's", "[hcn]")
{
    GuestNetwork input;
    input.mode = "bridged";
    input.interface_name = "lab";
    Network n;
    n.name = "lab";
    n.dns.server_list = {"10.20.0.53"};
    n.ipams = {Ipam{"Static", {Subnet{"10.20.0.0/16", {Route{"10.20.0.1", "0.0.0.0/0", {}}}}}}};
    auto e = endpoint_with("10.20.0.7", 16);

    auto r = bridged_runtime_network(input, n, e);
    CHECK(r.mode == "bridged");
    CHECK(r.interface_name == "lab");
    CHECK(r.dns == std::vector<std::string>{"10.20.0.53"});
    CHECK(r.routes == std::vector<std::string>{"0.0.0.0/0"});
    CHECK(r.gateway == "10.20.0.1");
    CHECK(r.ip == "10.20.0.7");

    e.dns.server_list = {"10.20.0.54"};
    e.routes = {Route{"10.20.0.254", "0.0.0.0/0", {}}, Route{"10.20.0.254", "172.16.0.0/12", {}}};
    r = bridged_runtime_network(input, n, e);
    CHECK(r.dns == std::vector<std::string>{"10.20.0.54"});
    CHECK(r.routes == std::vector<std::string>{"0.0.0.0/0", "172.16.0.0/12"});
    CHECK(r.gateway == "10.20.0.254");
}

TEST_CASE("runtime network: bridged without addressing leaves everything empty", "[hcn]")
{
    GuestNetwork input;
    input.mode = "bridged";
    input.interface_name = "External";
    Network external;
    external.name = "External";
    external.type = "Transparent";
    const auto r = bridged_runtime_network(input, external, endpoint_with("", {}));
    CHECK(r.ip.empty());
    CHECK(r.subnet.empty());
    CHECK(r.gateway.empty());
    CHECK(r.dns.empty());
    CHECK(r.routes.empty());
    CHECK(guest_nic(r, endpoint_with("", {})).dhcp());
}

TEST_CASE("guest NIC: ip with the endpoint prefix, else the subnet's", "[hcn]")
{
    GuestNetwork r;
    r.ip = "192.168.127.2";
    r.subnet = "192.168.127.0/24";
    r.gateway = "192.168.127.1";
    r.dns = {"192.168.127.1"};
    auto e = endpoint_with("192.168.127.2", 24);
    e.mac_address = "00-15-5D-52-D0-00";
    auto nic = guest_nic(r, e);
    CHECK_FALSE(nic.dhcp());
    CHECK(nic.ip_cidr == "192.168.127.2/24");
    CHECK(nic.gateway == "192.168.127.1");
    CHECK(nic.dns == r.dns);
    CHECK(nic.mac_address == "00-15-5D-52-D0-00");

    CHECK(guest_nic(r, endpoint_with("192.168.127.2", {})).ip_cidr == "192.168.127.2/24");
    CHECK(guest_nic(r, endpoint_with("192.168.127.2", 20)).ip_cidr == "192.168.127.2/20");
    r.subnet.clear();
    CHECK(guest_nic(r, endpoint_with("192.168.127.2", {})).ip_cidr == "192.168.127.2/32");
}

TEST_CASE("runtime network: the supervisor records what HCN settled and keeps the rest of the request", "[hcn]")
{
    protocol::NetworkConfig requested;
    requested.mode = "user";
    protocol::PortForward f;
    f.host_port = 18080;
    f.guest_port = 8080;
    requested.port_forwards = {f};
    const auto settled = nat_runtime_network(supervisor::requested_network(requested),
                                             nat("192.168.127.0/24", "192.168.127.1"), endpoint_with("192.168.127.2", 24));
    const auto r = supervisor::recorded_network(requested, settled);
    CHECK(r.mode == "nat");
    CHECK(r.subnet == "192.168.127.0/24");
    CHECK(r.gateway == "192.168.127.1");
    CHECK(r.dns == std::vector<std::string>{"192.168.127.1"});
    CHECK(r.routes == std::vector<std::string>{"0.0.0.0/0"});
    CHECK(r.ip == "192.168.127.2");
    REQUIRE(r.port_forwards.size() == 1);
    CHECK(r.port_forwards[0].guest_port == 8080);
}
