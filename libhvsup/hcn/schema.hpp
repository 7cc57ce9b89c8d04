// SPDX-License-Identifier: MIT
// HCN v2 documents (docs/hcn.md, "Modes" and "Endpoints"): networks, endpoints and queries, typed with the
// exact HCN field names. Unset optional fields are left out of what we send; reading
// properties back is lenient (keys case-insensitive, unknown keys ignored), as HCN answers
// carry many fields we do not use.
#pragma once

#include "core/json.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hvsup::hcn {

struct SchemaVersion {
    int64_t major = 2;
    int64_t minor = 0;
};

struct MacRange {
    std::string start_mac_address;  // StartMacAddress
    std::string end_mac_address;    // EndMacAddress
};

struct Route {
    std::string next_hop;            // NextHop
    std::string destination_prefix;  // DestinationPrefix
    std::optional<int64_t> metric;   // Metric
};

struct Subnet {
    std::string ip_address_prefix;  // IpAddressPrefix
    std::vector<Route> routes;      // Routes
};

struct Ipam {
    std::string type;             // "Static" | "Dhcp"
    std::vector<Subnet> subnets;  // Subnets
};

struct Dns {
    std::string domain;                    // Domain
    std::vector<std::string> search;       // Search
    std::vector<std::string> server_list;  // ServerList

    bool empty() const { return domain.empty() && search.empty() && server_list.empty(); }
};

struct IpConfig {
    std::string ip_address;                // IpAddress
    std::optional<int64_t> prefix_length;  // PrefixLength
};

// HostComputeNetwork
struct Network {
    std::string id;  // ID (set by HCN; never sent on create)
    std::string name;
    std::string type;                // "NAT", "ICS", "Transparent", "L2Bridge", "Private", ...
    std::vector<MacRange> mac_pool;  // MacPool.Ranges
    Dns dns;
    std::vector<Ipam> ipams;
    std::optional<int64_t> flags;
    SchemaVersion schema_version;

    // Every IPAM subnet prefix, in document order.
    std::vector<std::string> subnet_prefixes() const;
};

// HostComputeEndpoint
struct Endpoint {
    std::string id;
    std::string name;
    std::string host_compute_network;  // HostComputeNetwork: the network's GUID
    std::vector<IpConfig> ip_configurations;
    Dns dns;
    std::vector<Route> routes;
    std::string mac_address;
    SchemaVersion schema_version;
};

// HostComputeQuery: Filter is a JSON object serialised as a string.
struct Query {
    SchemaVersion schema_version;
    int64_t flags = 0;    // 0 None, 1 Detailed
    json::object filter;  // {"Name": ...} / {"ID": ...}; omitted when empty
};

json::object encode(const Network& network);
json::object encode(const Endpoint& endpoint);
json::object encode(const Query& query);

// Reads HCN properties. Throws ErrorCode::invalid_argument naming the field for a value of
// the wrong type; missing fields stay default.
Network decode_network(const json::value& properties);
Endpoint decode_endpoint(const json::value& properties);

// The settings of the managed NAT network (docs/hcn.md, "Modes") for a /24 and its
// gateway: Name, Type NAT, the fixed MacPool, one Static IPAM subnet with the default route.
inline constexpr const char* nat_network_name = "microagent-nat";
Network nat_network_settings(const std::string& prefix, const std::string& gateway);

// The endpoint settings (docs/hcn.md, "Endpoints"): Name, HostComputeNetwork, SchemaVersion.
Endpoint endpoint_settings(const std::string& name, const std::string& network_id);

// "microagent-<runtimeID>"
std::string endpoint_name(std::string_view runtime_id);

// A v2 query, optionally filtered by one key ("Name" or "ID").
Query query_all();
Query query_by(std::string_view key, std::string_view value);

}  // namespace hvsup::hcn
