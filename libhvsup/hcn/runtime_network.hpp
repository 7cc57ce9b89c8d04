// SPDX-License-Identifier: MIT
// The guest network HCN settles for a runtime (the supervisor records it as runtime.json
// `config.network`) and the guest NIC, read from HCN endpoint and network properties
// (docs/hcn.md, "Modes", "Endpoints").
#pragma once

#include "core/guest_nic.hpp"
#include "hcn/schema.hpp"

#include <optional>
#include <string>
#include <vector>

namespace hvsup::hcn {

// The addressing of a runtime's network in HCN's terms: what the caller asked for (mode,
// interface, its own dns/routes) going in, what HCN settled coming out. The supervisor copies
// these fields from and to the request's network config.
struct GuestNetwork {
    std::string mode;            // "", user, nat, bridged, isolated, ...
    std::string interface_name;  // bridged: the HCN network's name
    std::string ip;              // "192.168.127.2"
    std::string subnet;          // "192.168.127.0/24"
    std::string gateway;
    std::vector<std::string> dns;
    std::vector<std::string> routes;
};

// user/nat: mode "nat"; subnet = first IPAM subnet prefix; gateway = NextHop of the
// 0.0.0.0/0 route (network subnet routes, then endpoint routes); dns = the caller's, else
// [gateway]; routes = the caller's, else ["0.0.0.0/0"]; ip = IpConfigurations[0].IpAddress.
// The interface is carried over from `input`.
GuestNetwork nat_runtime_network(const GuestNetwork& input, const Network& network, const Endpoint& endpoint);

// bridged: mode stays "bridged"; ip and subnet as for nat when HCN has them; gateway from the
// default route (endpoint, then network); dns = the caller's, else endpoint Dns.ServerList,
// else network Dns.ServerList; routes = the caller's, else endpoint route destinations, else
// network route destinations.
GuestNetwork bridged_runtime_network(const GuestNetwork& input, const Network& network, const Endpoint& endpoint);

// The guest NIC for a runtime network and its endpoint: the endpoint's id and MAC, ip with
// "/prefix" (PrefixLength of the endpoint, else the length of `runtime.subnet`, else 32),
// gateway and dns from `runtime`.
GuestNic guest_nic(const GuestNetwork& runtime, const Endpoint& endpoint);

}  // namespace hvsup::hcn
