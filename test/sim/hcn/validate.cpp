// SPDX-License-Identifier: MIT
#include "validate.hpp"

#include "hcn/errors.hpp"

#include <fmt/format.h>

namespace hvsup::sim::hcn {

namespace hr = hvsup::hcn::hresult;
using hvsup::hcn::parse_ipv4;
using hvsup::hcn::parse_prefix;

[[noreturn]] void fail(int32_t code, std::string message)
{
    throw Failure{code, std::move(message)};
}

json::value parse_document(const std::string& text, const char* what)
{
    try {
        return json::parse(text, what);
    } catch (const std::exception& e) {
        fail(hr::invalid_json, e.what());
    }
}

const json::object& require_object(const json::value& v, const std::string& path)
{
    if (!v.is_object()) fail(hr::invalid_json, path + " must be an object");
    return v.as_object();
}

const json::array& require_array(const json::value& v, const std::string& path)
{
    if (!v.is_array()) fail(hr::invalid_json, path + " must be an array");
    return v.as_array();
}

std::string require_string(const json::value& v, const std::string& path)
{
    if (!v.is_string()) fail(hr::invalid_json, path + " must be a string");
    return std::string(v.as_string());
}

void require_number(const json::value& v, const std::string& path)
{
    if (!v.is_int64() && !v.is_uint64()) fail(hr::invalid_json, path + " must be an integer");
}

void only_keys(const json::object& o, const KeySet& allowed, const std::string& path)
{
    for (const auto& kv : o) {
        if (!allowed.count(std::string(kv.key()))) {
            fail(hr::invalid_json, fmt::format("unknown field \"{}\" in {}", std::string(kv.key()), path));
        }
    }
}

std::string string_field(const json::object& o, const char* key, const std::string& path)
{
    const auto* v = o.if_contains(key);
    return v == nullptr ? std::string() : require_string(*v, path + "." + key);
}

void check_schema_version(const json::object& o, const std::string& path)
{
    const auto* v = o.if_contains("SchemaVersion");
    if (v == nullptr) fail(hr::invalid_json, path + ".SchemaVersion is required");
    const auto& sv = require_object(*v, path + ".SchemaVersion");
    only_keys(sv, {"Major", "Minor"}, path + ".SchemaVersion");
    const auto* major = sv.if_contains("Major");
    if (major == nullptr || !major->is_int64() || major->as_int64() != 2) {
        fail(hr::request_unsupported, path + ".SchemaVersion.Major must be 2");
    }
    if (const auto* minor = sv.if_contains("Minor")) require_number(*minor, path + ".SchemaVersion.Minor");
}

void check_strings(const json::value& v, const std::string& path)
{
    for (const auto& s : require_array(v, path)) require_string(s, path + "[]");
}

void check_dns(const json::value& v, const std::string& path)
{
    const auto& o = require_object(v, path);
    only_keys(o, {"Domain", "Search", "ServerList", "Options"}, path);
    if (const auto* d = o.if_contains("Domain")) require_string(*d, path + ".Domain");
    for (const char* k : {"Search", "ServerList", "Options"}) {
        if (const auto* a = o.if_contains(k)) check_strings(*a, path + "." + k);
    }
}

void check_routes(const json::value& v, const std::string& path)
{
    for (const auto& r : require_array(v, path)) {
        const auto& ro = require_object(r, path + "[]");
        only_keys(ro, {"NextHop", "DestinationPrefix", "Metric"}, path + "[]");
        if (const auto* n = ro.if_contains("NextHop")) require_string(*n, path + "[].NextHop");
        if (const auto* d = ro.if_contains("DestinationPrefix")) require_string(*d, path + "[].DestinationPrefix");
        if (const auto* m = ro.if_contains("Metric")) require_number(*m, path + "[].Metric");
    }
}

void check_policies(const json::value& v, const std::string& path)
{
    for (const auto& p : require_array(v, path)) {
        const auto& po = require_object(p, path + "[]");
        only_keys(po, {"Type", "Settings"}, path + "[]");
        require_string(po.contains("Type") ? po.at("Type") : json::value(), path + "[].Type");
    }
}

static const KeySet network_types = {"NAT",     "ICS",     "Transparent", "L2Bridge", "L2Tunnel",
                                     "Private", "Overlay", "Internal",    "Mirrored", "ConstrainedICS"};

std::vector<SubnetInfo> check_network_settings(const json::object& s)
{
    const std::string path = "network settings";
    only_keys(s, {"Name", "Type", "MacPool", "Dns", "Ipams", "Flags", "Policies", "SchemaVersion"}, path);
    check_schema_version(s, path);
    if (string_field(s, "Name", path).empty()) fail(hr::invalid_network, "network settings need a Name");
    const auto type = string_field(s, "Type", path);
    if (!network_types.count(type)) fail(hr::invalid_network_type, fmt::format("invalid network type \"{}\"", type));
    if (const auto* pool = s.if_contains("MacPool")) {
        const auto& po = require_object(*pool, path + ".MacPool");
        only_keys(po, {"Ranges"}, path + ".MacPool");
        if (const auto* ranges = po.if_contains("Ranges")) {
            for (const auto& r : require_array(*ranges, path + ".MacPool.Ranges")) {
                const auto& ro = require_object(r, path + ".MacPool.Ranges[]");
                only_keys(ro, {"StartMacAddress", "EndMacAddress"}, path + ".MacPool.Ranges[]");
                string_field(ro, "StartMacAddress", path + ".MacPool.Ranges[]");
                string_field(ro, "EndMacAddress", path + ".MacPool.Ranges[]");
            }
        }
    }
    if (const auto* d = s.if_contains("Dns")) check_dns(*d, path + ".Dns");
    if (const auto* f = s.if_contains("Flags")) require_number(*f, path + ".Flags");
    if (const auto* p = s.if_contains("Policies")) check_policies(*p, path + ".Policies");
    std::vector<SubnetInfo> subnets;
    if (const auto* ipams = s.if_contains("Ipams")) {
        for (const auto& ipam : require_array(*ipams, path + ".Ipams")) {
            const auto& io = require_object(ipam, path + ".Ipams[]");
            only_keys(io, {"Type", "Subnets"}, path + ".Ipams[]");
            const auto ipam_type = string_field(io, "Type", path + ".Ipams[]");
            if (ipam_type != "Static" && ipam_type != "Dhcp") {
                fail(hr::invalid_network, fmt::format("invalid IPAM type \"{}\"", ipam_type));
            }
            const auto* list = io.if_contains("Subnets");
            if (list == nullptr) continue;
            for (const auto& sn : require_array(*list, path + ".Ipams[].Subnets")) {
                const std::string sp = path + ".Ipams[].Subnets[]";
                const auto& so = require_object(sn, sp);
                only_keys(so, {"IpAddressPrefix", "Routes", "Policies", "Flags"}, sp);
                SubnetInfo info;
                info.text = string_field(so, "IpAddressPrefix", sp);
                const auto prefix = parse_prefix(info.text);
                if (!prefix) fail(hr::invalid_prefix, fmt::format("invalid subnet prefix \"{}\"", info.text));
                if (prefix->address != prefix->network()) {
                    fail(hr::invalid_prefix, fmt::format("subnet prefix \"{}\" has host bits set", info.text));
                }
                info.prefix = *prefix;
                if (const auto* routes = so.if_contains("Routes")) {
                    check_routes(*routes, sp + ".Routes");
                    for (const auto& r : routes->as_array()) {
                        const auto& ro = r.as_object();
                        info.routes.emplace_back(string_field(ro, "NextHop", sp),
                                                 string_field(ro, "DestinationPrefix", sp));
                    }
                }
                if (const auto* p = so.if_contains("Policies")) require_array(*p, sp + ".Policies");
                if (const auto* f = so.if_contains("Flags")) require_number(*f, sp + ".Flags");
                // hcsshim's client-side rules, which HNS enforces too: routes, a next hop inside the
                // subnet, and a default route.
                bool has_default = false;
                for (const auto& [hop, dest] : info.routes) {
                    const auto hop_ip = parse_ipv4(hop);
                    if (!hop_ip || !info.prefix.contains(*hop_ip)) {
                        fail(hr::invalid_network,
                             fmt::format("route next hop \"{}\" is not in subnet {}", hop, info.text));
                    }
                    if (dest == "0.0.0.0/0") has_default = true;
                }
                if (!has_default) fail(hr::invalid_network, fmt::format("subnet {} has no default route", info.text));
                subnets.push_back(std::move(info));
            }
        }
    }
    if (type == "NAT" && subnets.empty()) fail(hr::invalid_network, "a NAT network needs a Static IPAM subnet");
    return subnets;
}

json::object query_filter(const std::string& query)
{
    if (query.empty()) return {};
    const auto doc = parse_document(query, "HCN query");
    const auto& q = require_object(doc, "query");
    only_keys(q, {"SchemaVersion", "Flags", "Filter"}, "query");
    if (q.contains("SchemaVersion")) check_schema_version(q, "query");
    if (const auto* f = q.if_contains("Flags")) require_number(*f, "query.Flags");
    const auto* filter = q.if_contains("Filter");
    if (filter == nullptr) return {};
    const auto text = require_string(*filter, "query.Filter");
    if (text.empty()) return {};
    auto parsed = parse_document(text, "HCN query filter");
    const auto& fo = require_object(parsed, "query.Filter");
    only_keys(fo, {"Name", "ID", "VirtualNetwork"}, "query.Filter");
    for (const auto& kv : fo) require_string(kv.value(), "query.Filter." + std::string(kv.key()));
    return fo;
}

}  // namespace hvsup::sim::hcn
