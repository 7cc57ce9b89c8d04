// SPDX-License-Identifier: MIT
#include "hcn/runtime_network.hpp"

#include "hcn/cidr.hpp"

namespace hvsup::hcn {

namespace {

constexpr const char* default_route = "0.0.0.0/0";

std::string default_gateway(const std::vector<Route>& routes)
{
    for (const auto& r : routes) {
        if (r.destination_prefix == default_route && !r.next_hop.empty()) return r.next_hop;
    }
    return {};
}

std::vector<Route> network_routes(const Network& network)
{
    std::vector<Route> out;
    for (const auto& ipam : network.ipams) {
        for (const auto& s : ipam.subnets) out.insert(out.end(), s.routes.begin(), s.routes.end());
    }
    return out;
}

std::string first_subnet(const Network& network)
{
    const auto prefixes = network.subnet_prefixes();
    return prefixes.empty() ? std::string() : prefixes.front();
}

std::string first_ip(const Endpoint& endpoint)
{
    return endpoint.ip_configurations.empty() ? std::string() : endpoint.ip_configurations.front().ip_address;
}

std::vector<std::string> destinations(const std::vector<Route>& routes)
{
    std::vector<std::string> out;
    for (const auto& r : routes) {
        if (!r.destination_prefix.empty()) out.push_back(r.destination_prefix);
    }
    return out;
}

}  // namespace

GuestNetwork nat_runtime_network(const GuestNetwork& input, const Network& network, const Endpoint& endpoint)
{
    GuestNetwork out = input;
    out.mode = "nat";
    out.subnet = first_subnet(network);
    out.gateway = default_gateway(network_routes(network));
    if (out.gateway.empty()) out.gateway = default_gateway(endpoint.routes);
    if (out.dns.empty() && !out.gateway.empty()) out.dns = {out.gateway};
    if (out.routes.empty()) out.routes = {default_route};
    out.ip = first_ip(endpoint);
    return out;
}

GuestNetwork bridged_runtime_network(const GuestNetwork& input, const Network& network, const Endpoint& endpoint)
{
    GuestNetwork out = input;
    out.mode = "bridged";
    out.subnet = first_subnet(network);
    out.gateway = default_gateway(endpoint.routes);
    if (out.gateway.empty()) out.gateway = default_gateway(network_routes(network));
    if (out.dns.empty()) out.dns = endpoint.dns.server_list;
    if (out.dns.empty()) out.dns = network.dns.server_list;
    if (out.routes.empty()) out.routes = destinations(endpoint.routes);
    if (out.routes.empty()) out.routes = destinations(network_routes(network));
    out.ip = first_ip(endpoint);
    return out;
}

GuestNic guest_nic(const GuestNetwork& runtime, const Endpoint& endpoint)
{
    GuestNic nic;
    nic.endpoint_id = endpoint.id;
    nic.mac_address = endpoint.mac_address;
    nic.gateway = runtime.gateway;
    nic.dns = runtime.dns;
    if (runtime.ip.empty()) return nic;
    int64_t length = 32;
    if (!endpoint.ip_configurations.empty() && endpoint.ip_configurations.front().prefix_length) {
        length = *endpoint.ip_configurations.front().prefix_length;
    } else if (const auto prefix = parse_prefix(runtime.subnet)) {
        length = prefix->length;
    }
    nic.ip_cidr = runtime.ip + "/" + std::to_string(length);
    return nic;
}

}  // namespace hvsup::hcn
