// SPDX-License-Identifier: MIT
#include "supervisor/hcn_network_host.hpp"

#include "core/error.hpp"

namespace hvsup::supervisor {

hcn::GuestNetwork requested_network(const protocol::NetworkConfig& config)
{
    return hcn::GuestNetwork{config.mode, config.interface_name, config.ip,  config.subnet,
                             config.gateway, config.dns,           config.routes};
}

protocol::NetworkConfig recorded_network(const protocol::NetworkConfig& requested, const hcn::GuestNetwork& settled)
{
    protocol::NetworkConfig out = requested;
    out.mode = settled.mode;
    out.interface_name = settled.interface_name;
    out.ip = settled.ip;
    out.subnet = settled.subnet;
    out.gateway = settled.gateway;
    out.dns = settled.dns;
    out.routes = settled.routes;
    return out;
}

PreparedNetwork HcnNetworkHost::prepare(const protocol::Config& config, const std::string& runtime_id)
{
    const protocol::NetworkConfig requested = config.network.value_or(protocol::NetworkConfig{});
    hcn::NetworkAttachment a = networking_.prepare_network(requested_network(requested), runtime_id);
    return PreparedNetwork{a.network_id, a.endpoint_id, recorded_network(requested, a.runtime), a.nic};
}

void HcnNetworkHost::release_unrecorded(const std::string& runtime_id)
{
    std::vector<std::string> ids;
    try {
        ids = networking_.endpoint_ids(hcn::endpoint_name(runtime_id));
    } catch (const Error& e) {
        if (e.code() == ErrorCode::unsupported) return;  // no HCN here: nothing can exist
        throw;
    }
    for (const auto& id : ids) networking_.release_endpoint(id);
}

std::string HcnNetworkHost::endpoint_left_behind(const std::string& runtime_id) noexcept
{
    try {
        const auto ids = networking_.endpoint_ids(hcn::endpoint_name(runtime_id));
        return ids.empty() ? std::string() : ids.front();
    } catch (...) {
        // Not even listable: the next start of this runtime deletes it by name
        // (hcn::Networking::attach deletes stale endpoints of that name first).
        return {};
    }
}

std::string HcnNetworkHost::probe()
{
    try {
        networking_.probe();
        return {};
    } catch (const Error& e) {
        return e.what();
    }
}

}  // namespace hvsup::supervisor
