// SPDX-License-Identifier: MIT
#include "hcn/networking.hpp"

#include "core/error.hpp"
#include "core/text.hpp"
#include "hcn/cidr.hpp"
#include "hcn/errors.hpp"
#include "hcn/guid.hpp"

namespace hvsup::hcn {

namespace {

std::string quoted(std::string_view s)
{
    return json::quote(s);
}

// Legacy (HNS v1) network documents list subnets as Subnets[].AddressPrefix.
void add_legacy_subnets(const json::value& properties, std::vector<std::string>& out)
{
    const auto* obj = properties.if_object();
    if (obj == nullptr) return;
    const auto* subnets = json::find(*obj, "Subnets");
    if (subnets == nullptr || !subnets->is_array()) return;
    for (const auto& s : subnets->as_array()) {
        if (const auto* so = s.if_object()) {
            if (const auto* p = json::find(*so, "AddressPrefix"); p != nullptr && p->is_string()) {
                out.emplace_back(p->as_string());
            }
        }
    }
}

}  // namespace

Networking::Networking(std::string provider_path, Logger logger)
    : provider_path_(std::move(provider_path)), logger_(std::move(logger))
{
}

const Client& Networking::client()
{
    std::lock_guard lock(load_mutex_);
    if (!client_) client_ = std::make_unique<Client>(Api::load(provider_path_));
    return *client_;
}

std::optional<json::value> Networking::find_network_properties(std::string_view name)
{
    const auto& c = client();
    for (const auto& id : c.enumerate_networks(query_by("Name", name))) {
        try {
            auto handle = c.open_network(id);
            auto props = c.network_properties(handle);
            if (decode_network(props).name == name) return props;
        } catch (const Error& e) {
            if (e.code() != ErrorCode::not_found) throw;  // deleted between enumerate and open
        }
    }
    return std::nullopt;
}

std::optional<json::value> Networking::find_network(std::string_view name)
{
    return find_network_properties(name);
}

std::vector<std::string> Networking::existing_subnets()
{
    const auto& c = client();
    std::vector<std::string> prefixes;
    for (const auto& id : c.enumerate_networks(query_all())) {
        try {
            auto handle = c.open_network(id);
            const auto props = c.network_properties(handle);
            for (auto& p : decode_network(props).subnet_prefixes()) prefixes.push_back(std::move(p));
            add_legacy_subnets(props, prefixes);
        } catch (const Error& e) {
            if (e.code() != ErrorCode::not_found) throw;
        }
    }
    return prefixes;
}

json::value Networking::ensure_nat_network()
{
    const std::string context = std::string("HNS NAT network ") + quoted(nat_network_name);
    try {
        if (auto found = find_network_properties(nat_network_name)) return *found;
    } catch (const Error& e) {
        throw with_context(e, "find " + context);
    }
    std::vector<std::string> existing;
    try {
        existing = existing_subnets();
    } catch (const Error& e) {
        throw with_context(e, "find " + context + ": list HNS network subnets");
    }
    const auto subnet = pick_nat_subnet(existing);
    try {
        auto handle = client().create_network(nat_network_settings(subnet.prefix, subnet.gateway));
        logger_.log(LogLevel::info, "created HNS NAT network {} with subnet {}", nat_network_name, subnet.prefix);
        return client().network_properties(handle);
    } catch (const Error& e) {
        if (e.hresult() == hresult::network_already_exists) {
            // Another process created it between our lookup and create: use theirs.
            try {
                if (auto found = find_network_properties(nat_network_name)) return *found;
            } catch (const Error&) {
            }
        }
        throw with_context(e, "create " + context);
    }
}

void Networking::delete_stale_endpoints(const std::string& name)
{
    std::vector<std::string> ids;
    try {
        ids = client().enumerate_endpoints(query_by("Name", name));
    } catch (const Error& e) {
        throw with_context(e, "find stale HNS endpoint " + quoted(name));
    }
    for (const auto& id : ids) {
        try {
            client().delete_endpoint(id);
            logger_.log(LogLevel::warning, "deleted stale HNS endpoint {} ({})", name, id);
        } catch (const Error& e) {
            if (e.code() != ErrorCode::not_found) throw with_context(e, "delete stale HNS endpoint " + quoted(name));
        }
    }
}

json::value Networking::create_endpoint(const std::string& network_id, const std::string& name, bool replace_stale)
{
    if (replace_stale) delete_stale_endpoints(name);
    const auto& c = client();
    EndpointHandle endpoint;
    try {
        auto network = c.open_network(network_id);
        endpoint = c.create_endpoint(network, endpoint_settings(name, network_id));
    } catch (const Error& e) {
        throw with_context(e, "create HNS endpoint " + quoted(name));
    }
    try {
        auto props = c.endpoint_properties(endpoint);
        if (decode_endpoint(props).id.empty()) throw Error(ErrorCode::host, "HCN reported no endpoint ID");
        return props;
    } catch (const Error& e) {
        endpoint.reset();
        // Its id is unknown, so remove what was just created by name: it must not leak. When
        // that fails too, the error says so: the endpoint then stays until a later attach of
        // this name deletes it as stale (attach passes replace_stale) or an operator does.
        const Error failed = with_context(e, "query HNS endpoint " + quoted(name));
        try {
            for (const auto& id : c.enumerate_endpoints(query_by("Name", name))) c.delete_endpoint(id);
        } catch (const Error& cleanup) {
            throw with_consequence(failed, "removing it by name failed too (" + std::string(cleanup.what()) +
                                               "): the endpoint may be left behind (a later attach of the " +
                                               "same name deletes it as stale)");
        }
        throw failed;
    }
}

Endpoint Networking::attach(const Network& network, const std::string& name)
{
    auto props = create_endpoint(network.id, name, true);
    return decode_endpoint(props);
}

NetworkAttachment Networking::prepare_network(const GuestNetwork& config, std::string_view runtime_id)
{
    std::string mode(trim(config.mode));
    if (mode.empty()) mode = "user";
    NetworkAttachment out;
    if (mode == "isolated") {
        out.runtime = config;
        return out;
    }
    const std::string name = endpoint_name(runtime_id);
    Network network;
    if (mode == "user" || mode == "nat") {
        network = decode_network(ensure_nat_network());
    } else if (mode == "bridged") {
        const std::string interface_name(trim(config.interface_name));
        if (interface_name.empty())
            throw Error(ErrorCode::invalid_argument, "bridged network requires network.interface");
        const std::string context = "resolve bridged HNS network " + quoted(interface_name);
        std::optional<json::value> found;
        try {
            found = find_network_properties(interface_name);
        } catch (const Error& e) {
            throw with_context(e, context);
        }
        if (!found)
            throw Error(ErrorCode::not_found, context + ": HNS network " + quoted(interface_name) + " not found");
        network = decode_network(*found);
    } else {
        throw Error(ErrorCode::invalid_argument, "unsupported windows-hyperv network mode " + quoted(mode));
    }
    if (network.id.empty()) throw Error(ErrorCode::host, "HNS network " + quoted(network.name) + " has no ID");

    const Endpoint endpoint = attach(network, name);
    out.network_id = network.id;
    out.endpoint_id = endpoint.id;
    out.runtime = mode == "bridged" ? bridged_runtime_network(config, network, endpoint)
                                    : nat_runtime_network(config, network, endpoint);
    out.nic = guest_nic(out.runtime, endpoint);
    logger_.log(LogLevel::info, "created HNS endpoint {} ({}) on network {}", name, out.endpoint_id, network.name);
    return out;
}

void Networking::release_endpoint(std::string_view endpoint_id)
{
    const std::string id(trim(endpoint_id));
    if (id.empty()) return;
    if (!parse_guid(id)) {
        // HCN ids are GUIDs: a lookup by any other id finds nothing (the peer's
        // GetEndpointByID answers not-found), and not-found is success here.
        logger_.log(LogLevel::warning, "HNS endpoint id {} is not a GUID; nothing to delete", json::quote(id));
        return;
    }
    try {
        auto handle = client().open_endpoint(id);
    } catch (const Error& e) {
        if (e.code() == ErrorCode::not_found) return;
        throw with_context(e, "find HNS endpoint " + quoted(id));
    }
    try {
        client().delete_endpoint(id);
    } catch (const Error& e) {
        if (e.code() == ErrorCode::not_found) return;
        throw with_context(e, "delete HNS endpoint " + quoted(id));
    }
}

void Networking::probe()
{
    try {
        client().enumerate_networks(query_all());
    } catch (const Error& e) {
        throw with_context(e, "probe HCN/HNS access");
    }
}

json::value Networking::endpoint_properties(const std::string& endpoint_id)
{
    auto handle = client().open_endpoint(endpoint_id);
    return client().endpoint_properties(handle);
}

std::vector<std::string> Networking::endpoint_ids(std::string_view name)
{
    return client().enumerate_endpoints(name.empty() ? query_all() : query_by("Name", name));
}

}  // namespace hvsup::hcn
