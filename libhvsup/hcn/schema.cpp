// SPDX-License-Identifier: MIT
#include "hcn/schema.hpp"

#include "core/error.hpp"

namespace hvsup::hcn {

namespace {

json::object version_json(const SchemaVersion& v)
{
    return json::object{{"Major", v.major}, {"Minor", v.minor}};
}

json::array strings_json(const std::vector<std::string>& items)
{
    json::array out;
    for (const auto& s : items) out.emplace_back(s);
    return out;
}

json::object route_json(const Route& r)
{
    json::object o;
    if (!r.next_hop.empty()) o["NextHop"] = r.next_hop;
    if (!r.destination_prefix.empty()) o["DestinationPrefix"] = r.destination_prefix;
    if (r.metric) o["Metric"] = *r.metric;
    return o;
}

json::array routes_json(const std::vector<Route>& routes)
{
    json::array out;
    for (const auto& r : routes) out.emplace_back(route_json(r));
    return out;
}

json::object dns_json(const Dns& d)
{
    json::object o;
    if (!d.domain.empty()) o["Domain"] = d.domain;
    if (!d.search.empty()) o["Search"] = strings_json(d.search);
    if (!d.server_list.empty()) o["ServerList"] = strings_json(d.server_list);
    return o;
}

std::string join_path(std::string_view path, std::string_view key)
{
    return std::string(path) + "." + std::string(key);
}

std::vector<std::string> read_strings(const json::object& obj, std::string_view key, std::string_view path)
{
    std::vector<std::string> out;
    const auto* arr = json::read_array(obj, key, join_path(path, key));
    if (arr == nullptr) return out;
    for (size_t i = 0; i < arr->size(); ++i) {
        const auto& v = (*arr)[i];
        if (!v.is_string()) {
            throw Error(ErrorCode::invalid_argument, "decode HCN properties: " + join_path(path, key) + "[" +
                                                         std::to_string(i) + "] must be a string");
        }
        out.emplace_back(v.as_string());
    }
    return out;
}

std::optional<int64_t> read_optional_int(const json::object& obj, std::string_view key, std::string_view path)
{
    const auto* v = json::find(obj, key);
    if (v == nullptr || v->is_null()) return std::nullopt;
    return json::read_int(obj, key, join_path(path, key), INT64_MIN, INT64_MAX);
}

template <typename Item, typename Read>
std::vector<Item> read_items(const json::object& obj, std::string_view key, std::string_view path, Read read)
{
    std::vector<Item> out;
    const auto* arr = json::read_array(obj, key, join_path(path, key));
    if (arr == nullptr) return out;
    for (size_t i = 0; i < arr->size(); ++i) {
        const std::string item_path = join_path(path, key) + "[" + std::to_string(i) + "]";
        out.push_back(read(json::as_object((*arr)[i], item_path), item_path));
    }
    return out;
}

Route read_route(const json::object& o, const std::string& path)
{
    Route r;
    r.next_hop = json::read_string(o, "NextHop", join_path(path, "NextHop"));
    r.destination_prefix = json::read_string(o, "DestinationPrefix", join_path(path, "DestinationPrefix"));
    r.metric = read_optional_int(o, "Metric", path);
    return r;
}

Dns read_dns(const json::object& obj, std::string_view path)
{
    Dns d;
    const auto* o = json::read_object(obj, "Dns", join_path(path, "Dns"));
    if (o == nullptr) return d;
    const auto p = join_path(path, "Dns");
    d.domain = json::read_string(*o, "Domain", join_path(p, "Domain"));
    d.search = read_strings(*o, "Search", p);
    d.server_list = read_strings(*o, "ServerList", p);
    return d;
}

SchemaVersion read_version(const json::object& obj, std::string_view path)
{
    SchemaVersion v;
    const auto* o = json::read_object(obj, "SchemaVersion", join_path(path, "SchemaVersion"));
    if (o == nullptr) return v;
    const auto p = join_path(path, "SchemaVersion");
    v.major = json::read_int(*o, "Major", join_path(p, "Major"), 0, INT32_MAX);
    v.minor = json::read_int(*o, "Minor", join_path(p, "Minor"), 0, INT32_MAX);
    return v;
}

}  // namespace

std::vector<std::string> Network::subnet_prefixes() const
{
    std::vector<std::string> out;
    for (const auto& ipam : ipams) {
        for (const auto& s : ipam.subnets) {
            if (!s.ip_address_prefix.empty()) out.push_back(s.ip_address_prefix);
        }
    }
    return out;
}

json::object encode(const Network& n)
{
    json::object o;
    if (!n.id.empty()) o["ID"] = n.id;
    if (!n.name.empty()) o["Name"] = n.name;
    if (!n.type.empty()) o["Type"] = n.type;
    if (!n.mac_pool.empty()) {
        json::array ranges;
        for (const auto& r : n.mac_pool) {
            ranges.emplace_back(
                json::object{{"StartMacAddress", r.start_mac_address}, {"EndMacAddress", r.end_mac_address}});
        }
        o["MacPool"] = json::object{{"Ranges", std::move(ranges)}};
    }
    if (!n.dns.empty()) o["Dns"] = dns_json(n.dns);
    if (!n.ipams.empty()) {
        json::array ipams;
        for (const auto& ipam : n.ipams) {
            json::object io;
            if (!ipam.type.empty()) io["Type"] = ipam.type;
            json::array subnets;
            for (const auto& s : ipam.subnets) {
                json::object so;
                if (!s.ip_address_prefix.empty()) so["IpAddressPrefix"] = s.ip_address_prefix;
                if (!s.routes.empty()) so["Routes"] = routes_json(s.routes);
                subnets.emplace_back(std::move(so));
            }
            if (!subnets.empty()) io["Subnets"] = std::move(subnets);
            ipams.emplace_back(std::move(io));
        }
        o["Ipams"] = std::move(ipams);
    }
    if (n.flags) o["Flags"] = *n.flags;
    o["SchemaVersion"] = version_json(n.schema_version);
    return o;
}

json::object encode(const Endpoint& e)
{
    json::object o;
    if (!e.id.empty()) o["ID"] = e.id;
    if (!e.name.empty()) o["Name"] = e.name;
    if (!e.host_compute_network.empty()) o["HostComputeNetwork"] = e.host_compute_network;
    if (!e.ip_configurations.empty()) {
        json::array ips;
        for (const auto& ip : e.ip_configurations) {
            json::object io{{"IpAddress", ip.ip_address}};
            if (ip.prefix_length) io["PrefixLength"] = *ip.prefix_length;
            ips.emplace_back(std::move(io));
        }
        o["IpConfigurations"] = std::move(ips);
    }
    if (!e.dns.empty()) o["Dns"] = dns_json(e.dns);
    if (!e.routes.empty()) o["Routes"] = routes_json(e.routes);
    if (!e.mac_address.empty()) o["MacAddress"] = e.mac_address;
    o["SchemaVersion"] = version_json(e.schema_version);
    return o;
}

json::object encode(const Query& q)
{
    json::object o{{"SchemaVersion", version_json(q.schema_version)}, {"Flags", q.flags}};
    if (!q.filter.empty()) o["Filter"] = json::compact(q.filter);
    return o;
}

Network decode_network(const json::value& properties)
{
    const std::string path = "network";
    const auto& obj = json::as_object(properties, path);
    Network n;
    n.id = json::read_string(obj, "ID", path + ".ID");
    n.name = json::read_string(obj, "Name", path + ".Name");
    n.type = json::read_string(obj, "Type", path + ".Type");
    if (const auto* pool = json::read_object(obj, "MacPool", path + ".MacPool")) {
        n.mac_pool =
            read_items<MacRange>(*pool, "Ranges", path + ".MacPool", [](const json::object& o, const std::string& p) {
                return MacRange{json::read_string(o, "StartMacAddress", p + ".StartMacAddress"),
                                json::read_string(o, "EndMacAddress", p + ".EndMacAddress")};
            });
    }
    n.dns = read_dns(obj, path);
    n.ipams = read_items<Ipam>(obj, "Ipams", path, [](const json::object& o, const std::string& p) {
        Ipam ipam;
        ipam.type = json::read_string(o, "Type", p + ".Type");
        ipam.subnets = read_items<Subnet>(o, "Subnets", p, [](const json::object& so, const std::string& sp) {
            Subnet s;
            s.ip_address_prefix = json::read_string(so, "IpAddressPrefix", sp + ".IpAddressPrefix");
            s.routes = read_items<Route>(so, "Routes", sp, read_route);
            return s;
        });
        return ipam;
    });
    n.flags = read_optional_int(obj, "Flags", path);
    n.schema_version = read_version(obj, path);
    return n;
}

Endpoint decode_endpoint(const json::value& properties)
{
    const std::string path = "endpoint";
    const auto& obj = json::as_object(properties, path);
    Endpoint e;
    e.id = json::read_string(obj, "ID", path + ".ID");
    e.name = json::read_string(obj, "Name", path + ".Name");
    e.host_compute_network = json::read_string(obj, "HostComputeNetwork", path + ".HostComputeNetwork");
    e.ip_configurations =
        read_items<IpConfig>(obj, "IpConfigurations", path, [](const json::object& o, const std::string& p) {
            IpConfig ip;
            ip.ip_address = json::read_string(o, "IpAddress", p + ".IpAddress");
            ip.prefix_length = read_optional_int(o, "PrefixLength", p);
            return ip;
        });
    e.dns = read_dns(obj, path);
    e.routes = read_items<Route>(obj, "Routes", path, read_route);
    e.mac_address = json::read_string(obj, "MacAddress", path + ".MacAddress");
    e.schema_version = read_version(obj, path);
    return e;
}

Network nat_network_settings(const std::string& prefix, const std::string& gateway)
{
    Network n;
    n.name = nat_network_name;
    n.type = "NAT";
    n.mac_pool = {MacRange{"00-15-5D-52-D0-00", "00-15-5D-52-DF-FF"}};
    n.ipams = {Ipam{"Static", {Subnet{prefix, {Route{gateway, "0.0.0.0/0", std::nullopt}}}}}};
    return n;
}

Endpoint endpoint_settings(const std::string& name, const std::string& network_id)
{
    Endpoint e;
    e.name = name;
    e.host_compute_network = network_id;
    return e;
}

std::string endpoint_name(std::string_view runtime_id)
{
    return "microagent-" + std::string(runtime_id);
}

Query query_all()
{
    return Query{};
}

Query query_by(std::string_view key, std::string_view value)
{
    Query q;
    q.filter[key] = value;
    return q;
}

}  // namespace hvsup::hcn
