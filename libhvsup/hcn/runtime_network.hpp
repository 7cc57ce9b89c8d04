// SPDX-License-Identifier: MIT
// The runtime network the supervisor records (runtime.json `config.network`) and what the
// guest's kernel command line needs, read from HCN endpoint and network properties
// (microagent-protocol.md §8.2, §8.3).
#pragma once

#include "hcn/schema.hpp"
#include "protocol/types.hpp"

#include <optional>
#include <string>
#include <vector>

namespace hvsup::hcn {

// What the guest NIC needs (the HCS document builder turns it into `microagent_net_*` or
// `ip=dhcp`). Empty `ip_cidr` means the endpoint has no static address: the guest runs DHCP.
struct GuestNic {
    std::string ip_cidr;           // "192.168.127.2/24"
    std::string gateway;           // "192.168.127.1"; may be empty for a DHCP NIC
    std::vector<std::string> dns;  // as recorded in the runtime network
    std::string mac_address;       // endpoint MacAddress as HCN reports it ("00-15-5D-..."), may be empty

    bool dhcp() const { return ip_cidr.empty(); }
};

// user/nat: mode "nat"; subnet = first IPAM subnet prefix; gateway = NextHop of the
// 0.0.0.0/0 route (network subnet routes, then endpoint routes); dns = the caller's, else
// [gateway]; routes = the caller's, else ["0.0.0.0/0"]; ip = IpConfigurations[0].IpAddress.
// Interface and port forwards are carried over from `input`.
protocol::NetworkConfig nat_runtime_network(const protocol::NetworkConfig& input, const Network& network,
                                            const Endpoint& endpoint);

// bridged: mode stays "bridged"; ip and subnet as for nat when HCN has them; gateway from the
// default route (endpoint, then network); dns = the caller's, else endpoint Dns.ServerList,
// else network Dns.ServerList; routes = the caller's, else endpoint route destinations, else
// network route destinations.
protocol::NetworkConfig bridged_runtime_network(const protocol::NetworkConfig& input, const Network& network,
                                                const Endpoint& endpoint);

// The guest NIC for a runtime network and its endpoint: ip with "/prefix" (PrefixLength of the
// endpoint, else the length of `runtime.subnet`, else 32), gateway and dns from `runtime`.
GuestNic guest_nic(const protocol::NetworkConfig& runtime, const Endpoint& endpoint);

}  // namespace hvsup::hcn
