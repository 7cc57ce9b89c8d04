// SPDX-License-Identifier: MIT
// NetworkHost over the HCN binding (libhvsup/hcn): the product's networking backend.
#pragma once

#include "core/error.hpp"
#include "hcn/networking.hpp"
#include "supervisor/compute_host.hpp"

namespace hvsup::supervisor {

class HcnNetworkHost final : public NetworkHost {
public:
    HcnNetworkHost(std::string provider_path, Logger logger) : networking_(std::move(provider_path), std::move(logger)) {}

    NetworkAttachment prepare(const protocol::Config& config, const std::string& runtime_id) override
    {
        hcn::NetworkAttachment a = networking_.prepare_network(config.network.value_or(protocol::NetworkConfig{}), runtime_id);
        return NetworkAttachment{a.network_id, a.endpoint_id, a.runtime, a.nic ? a.nic->mac_address : std::string()};
    }
    void release(const std::string& endpoint_id) override { networking_.release_endpoint(endpoint_id); }
    void release_unrecorded(const std::string& runtime_id) override
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
    std::string probe() override
    {
        try {
            networking_.probe();
            return {};
        } catch (const Error& e) {
            return e.what();
        }
    }

private:
    hcn::Networking networking_;
};

}  // namespace hvsup::supervisor
