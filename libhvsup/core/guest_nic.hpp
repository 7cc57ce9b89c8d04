// SPDX-License-Identifier: MIT
// The guest's network adapter as the layers pass it along: hcn/ fills it from the endpoint it
// created, the supervisor puts it on the kernel command line, hcs/ attaches the endpoint. It
// lives in core so that hcs/ and hcn/ share it without knowing each other (the layer rule of scripts/check-layers).
#pragma once

#include <string>
#include <vector>

namespace hvsup {

struct GuestNic {
    std::string endpoint_id;        // HCN endpoint GUID; NetworkAdapters["0"].EndpointId
    std::string mac_address;        // endpoint MacAddress as HCN reports it ("00-15-5D-..."); may be empty
    std::string ip_cidr;            // "192.168.127.2/24"; empty = no static address (DHCP)
    std::string gateway;            // "192.168.127.1"; may be empty for a DHCP NIC
    std::vector<std::string> dns;   // resolvers for the guest
    std::vector<std::string> hosts; // "name:ip" entries for microagent_net_hosts

    bool dhcp() const { return ip_cidr.empty(); }
};

}  // namespace hvsup
