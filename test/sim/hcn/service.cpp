// SPDX-License-Identifier: MIT
#include "service.hpp"

#include "validate.hpp"

#include "hcn/cidr.hpp"
#include "hcn/errors.hpp"

#include <fmt/format.h>

#include <set>

namespace hvsup::sim::hcn {

namespace {

namespace hr = hvsup::hcn::hresult;
using hvsup::hcn::format_ipv4;
using hvsup::hcn::Ipv4Prefix;
using hvsup::hcn::parse_ipv4;
using hvsup::hcn::parse_prefix;

// Win32 ERROR_DUP_NAME's text: what HNS says when a NAT prefix overlaps another network.
constexpr const char* dup_name_text =
    "You were not connected because a duplicate name exists on the network. If joining a domain, go to System in "
    "Control Panel to change the computer name and try again. If joining a workgroup, choose another workgroup name.";

std::vector<Ipv4Prefix> prefixes_of(const json::object& network)
{
    std::vector<Ipv4Prefix> out;
    const auto* ipams = network.if_contains("Ipams");
    if (ipams == nullptr || !ipams->is_array()) return out;
    for (const auto& ipam : ipams->as_array()) {
        const auto* subnets = ipam.is_object() ? ipam.as_object().if_contains("Subnets") : nullptr;
        if (subnets == nullptr || !subnets->is_array()) continue;
        for (const auto& s : subnets->as_array()) {
            const auto* p = s.is_object() ? s.as_object().if_contains("IpAddressPrefix") : nullptr;
            if (p != nullptr && p->is_string()) {
                if (auto prefix = parse_prefix(std::string(p->as_string()))) out.push_back(*prefix);
            }
        }
    }
    return out;
}

// The filter of a HostComputeQuery: {} for none.
bool matches(const json::object& props, const json::object& filter)
{
    for (const auto& kv : filter) {
        const std::string key(kv.key());
        const std::string want(kv.value().as_string());
        const char* field = key == "VirtualNetwork" ? "HostComputeNetwork" : key.c_str();
        const auto* have = props.if_contains(field);
        const std::string got = have != nullptr && have->is_string() ? std::string(have->as_string()) : std::string();
        if (key == "Name" ? got != want : normalize_id(got) != normalize_id(want)) return false;
    }
    return true;
}

std::string ids_matching(const std::map<std::string, json::object>& all, const std::string& query)
{
    const auto filter = query_filter(query);
    json::array ids;
    for (const auto& [id, props] : all) {
        if (matches(props, filter)) ids.emplace_back(id);
    }
    return json::compact(ids);
}

std::string next_mac(const json::object& network, size_t index)
{
    uint64_t base = 0x00155D000000ULL;
    if (const auto* pool = network.if_contains("MacPool"); pool != nullptr && pool->is_object()) {
        const auto* ranges = pool->as_object().if_contains("Ranges");
        if (ranges != nullptr && ranges->is_array() && !ranges->as_array().empty()) {
            const auto* start = ranges->as_array()[0].as_object().if_contains("StartMacAddress");
            if (start != nullptr && start->is_string()) {
                std::string hex;
                for (char c : start->as_string()) {
                    if (c != '-' && c != ':') hex.push_back(c);
                }
                base = std::stoull(hex, nullptr, 16);
            }
        }
    }
    const uint64_t mac = base + index;
    return fmt::format("{:02X}-{:02X}-{:02X}-{:02X}-{:02X}-{:02X}", (mac >> 40) & 0xff, (mac >> 32) & 0xff,
                       (mac >> 24) & 0xff, (mac >> 16) & 0xff, (mac >> 8) & 0xff, mac & 0xff);
}

}  // namespace

void validate_query(const std::string& query)
{
    query_filter(query);
}

std::string enumerate_networks(const Store& store, const std::string& query)
{
    return ids_matching(store.networks(), query);
}

std::string enumerate_endpoints(const Store& store, const std::string& query)
{
    return ids_matching(store.endpoints(), query);
}

json::object create_network(Store& store, const std::string& requested_id, const std::string& settings_text)
{
    const auto doc = parse_document(settings_text, "network settings");
    const auto& s = require_object(doc, "network settings");
    const auto subnets = check_network_settings(s);
    const auto name = string_field(s, "Name", "network settings");
    const auto existing = store.networks();
    for (const auto& [id, props] : existing) {
        const auto* n = props.if_contains("Name");
        if (n != nullptr && n->is_string() && n->as_string() == name) {
            fail(hr::network_already_exists, fmt::format("network \"{}\" already exists", name));
        }
    }
    for (const auto& sn : subnets) {
        for (const auto& [id, props] : existing) {
            for (const auto& taken : prefixes_of(props)) {
                if (hvsup::hcn::overlaps(sn.prefix, taken)) fail(hr::dup_name, dup_name_text);
            }
        }
    }
    std::string id = requested_id.empty() ? random_guid() : normalize_id(requested_id);
    if (existing.count(id)) fail(hr::network_already_exists, fmt::format("network {} already exists", id));
    json::object props;
    props["ID"] = id;
    for (const auto& kv : s) props[kv.key()] = kv.value();
    props["SchemaVersion"] = json::object{{"Major", 2}, {"Minor", 0}};
    store.put_network(props);
    return props;
}

json::object create_endpoint(Store& store, const std::string& network_id, const std::string& requested_id,
                             const std::string& settings_text)
{
    const auto doc = parse_document(settings_text, "endpoint settings");
    const auto& s = require_object(doc, "endpoint settings");
    const std::string path = "endpoint settings";
    only_keys(s,
              {"Name", "HostComputeNetwork", "HostComputeNamespace", "Policies", "IpConfigurations", "Dns", "Routes",
               "MacAddress", "Flags", "SchemaVersion"},
              path);
    check_schema_version(s, path);
    if (const auto* d = s.if_contains("Dns")) check_dns(*d, path + ".Dns");
    if (const auto* r = s.if_contains("Routes")) check_routes(*r, path + ".Routes");
    if (const auto* p = s.if_contains("Policies")) check_policies(*p, path + ".Policies");
    if (const auto* f = s.if_contains("Flags")) require_number(*f, path + ".Flags");
    string_field(s, "HostComputeNamespace", path);
    string_field(s, "MacAddress", path);
    const auto declared = string_field(s, "HostComputeNetwork", path);
    if (declared.empty()) fail(hr::invalid_endpoint, "endpoint settings need HostComputeNetwork");
    if (normalize_id(declared) != normalize_id(network_id)) {
        fail(hr::invalid_endpoint, "HostComputeNetwork does not match the network handle");
    }
    const auto network = store.network(network_id);
    if (!network) fail(hr::network_not_found, fmt::format("network {} not found", network_id));
    const auto endpoints = store.endpoints();

    json::object props;
    props["ID"] = requested_id.empty() ? random_guid() : normalize_id(requested_id);
    if (endpoints.count(std::string(props["ID"].as_string()))) fail(hr::invalid_endpoint, "endpoint id already in use");
    props["Name"] = string_field(s, "Name", path);
    props["HostComputeNetwork"] = normalize_id(network_id);

    // Address: the first Static IPAM subnet, .2 upward (the gateway is .1); none for DHCP.
    std::optional<Ipv4Prefix> subnet;
    json::array routes;
    for (const auto& ipam : network->contains("Ipams") ? network->at("Ipams").as_array() : json::array{}) {
        const auto* type = ipam.as_object().if_contains("Type");
        const bool is_static = type != nullptr && type->is_string() && type->as_string() == "Static";
        if (subnet || !is_static || !ipam.as_object().contains("Subnets")) continue;
        for (const auto& sn : ipam.as_object().at("Subnets").as_array()) {
            subnet = parse_prefix(std::string(sn.as_object().at("IpAddressPrefix").as_string()));
            if (const auto* r = sn.as_object().if_contains("Routes")) routes = r->as_array();
            break;
        }
    }
    std::set<uint32_t> used;
    size_t on_network = 0;
    for (const auto& [id, ep] : endpoints) {
        if (normalize_id(std::string(ep.at("HostComputeNetwork").as_string())) != normalize_id(network_id)) continue;
        ++on_network;
        if (const auto* ips = ep.if_contains("IpConfigurations")) {
            for (const auto& ip : ips->as_array()) {
                if (auto a = parse_ipv4(std::string(ip.as_object().at("IpAddress").as_string()))) used.insert(*a);
            }
        }
    }
    std::string requested_ip;
    if (const auto* ips = s.if_contains("IpConfigurations")) {
        for (const auto& ip : require_array(*ips, path + ".IpConfigurations")) {
            const auto& io = require_object(ip, path + ".IpConfigurations[]");
            only_keys(io, {"IpAddress", "PrefixLength"}, path + ".IpConfigurations[]");
            if (const auto* pl = io.if_contains("PrefixLength"))
                require_number(*pl, path + ".IpConfigurations[].PrefixLength");
            if (requested_ip.empty()) requested_ip = string_field(io, "IpAddress", path + ".IpConfigurations[]");
        }
    }
    if (subnet) {
        uint32_t address = 0;
        if (!requested_ip.empty()) {
            const auto a = parse_ipv4(requested_ip);
            if (!a || !subnet->contains(*a))
                fail(hr::invalid_ip, fmt::format("address {} is not in the subnet", requested_ip));
            if (used.count(*a) || *a <= subnet->network() + 1 || *a >= subnet->last()) {
                fail(hr::addr_invalid_or_reserved, fmt::format("address {} is in use or reserved", requested_ip));
            }
            address = *a;
        } else {
            for (uint32_t a = subnet->network() + 2; a < subnet->last(); ++a) {
                if (!used.count(a)) {
                    address = a;
                    break;
                }
            }
            if (address == 0) fail(hr::addr_invalid_or_reserved, "no free address in the subnet");
        }
        props["IpConfigurations"] =
            json::array{json::object{{"IpAddress", format_ipv4(address)}, {"PrefixLength", int64_t(subnet->length)}}};
        json::array out_routes;
        for (const auto& r : routes) {
            json::object ro = r.as_object();
            if (!ro.contains("Metric")) ro["Metric"] = 0;
            out_routes.emplace_back(std::move(ro));
        }
        if (!out_routes.empty()) props["Routes"] = std::move(out_routes);
    } else if (!requested_ip.empty()) {
        props["IpConfigurations"] = s.at("IpConfigurations");
    }
    if (const auto* dns = s.if_contains("Dns")) {
        props["Dns"] = *dns;
    } else if (const auto* ndns = network->if_contains("Dns")) {
        props["Dns"] = *ndns;
    }
    const auto mac = string_field(s, "MacAddress", path);
    std::set<std::string> macs;
    for (const auto& [id, ep] : endpoints) {
        if (const auto* m = ep.if_contains("MacAddress"); m != nullptr && m->is_string())
            macs.insert(std::string(m->as_string()));
    }
    std::string chosen = mac;
    for (size_t i = on_network; chosen.empty() || (mac.empty() && macs.count(chosen)); ++i)
        chosen = next_mac(*network, i);
    props["MacAddress"] = chosen;
    props["SchemaVersion"] = json::object{{"Major", 2}, {"Minor", 0}};
    store.put_endpoint(props);
    return props;
}

void delete_network(Store& store, const std::string& id)
{
    if (!store.network(id)) fail(hr::network_not_found, fmt::format("network {} not found", id));
    for (const auto& [eid, ep] : store.endpoints()) {
        if (normalize_id(std::string(ep.at("HostComputeNetwork").as_string())) == normalize_id(id)) {
            fail(hr::entity_has_references, fmt::format("network {} still has endpoints", id));
        }
    }
    store.remove_network(id);
}

void delete_endpoint(Store& store, const std::string& id)
{
    if (!store.endpoint(id)) fail(hr::endpoint_not_found, fmt::format("endpoint {} not found", id));
    store.remove_endpoint(id);
}

}  // namespace hvsup::sim::hcn
