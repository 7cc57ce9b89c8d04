// SPDX-License-Identifier: MIT
// NetworkHost over the HCN binding (libhvsup/hcn): the product's networking backend. It
// translates the request's network config to HCN's terms and what HCN settled back.
#pragma once

#include "hcn/networking.hpp"
#include "supervisor/network_host.hpp"

namespace hvsup::supervisor {

// The request's network in HCN's terms (mode, interface, the caller's dns and routes).
hcn::GuestNetwork requested_network(const protocol::NetworkConfig& config);
// `requested` with the addressing HCN settled (mode, ip, subnet, gateway, dns, routes): the
// runtime network runtime.json records. Port forwards and the rest are carried over.
protocol::NetworkConfig recorded_network(const protocol::NetworkConfig& requested, const hcn::GuestNetwork& settled);

class HcnNetworkHost final : public NetworkHost {
public:
    HcnNetworkHost(std::string provider_path, Logger logger) : networking_(std::move(provider_path), std::move(logger)) {}

    PreparedNetwork prepare(const protocol::Config& config, const std::string& runtime_id) override;
    void release(const std::string& endpoint_id) override { networking_.release_endpoint(endpoint_id); }
    void release_unrecorded(const std::string& runtime_id) override;
    std::string endpoint_left_behind(const std::string& runtime_id) noexcept override;
    std::string probe() override;

private:
    hcn::Networking networking_;
};

}  // namespace hvsup::supervisor
