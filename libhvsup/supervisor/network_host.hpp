// SPDX-License-Identifier: MIT
// The network-host port: a runtime's network attachment (docs/architecture.md, "Ports"). The
// product implementation is HcnNetworkHost over libhvsup/hcn (hcn_network_host.hpp); without
// HCN, UnavailableNetworkHost serves isolated runtimes and refuses the rest.
#pragma once

#include "core/guest_nic.hpp"
#include "protocol/types.hpp"

#include <optional>
#include <string>

namespace hvsup::supervisor {

// What NetworkHost::prepare settled for one runtime (hcn::NetworkAttachment is HCN's own view).
struct PreparedNetwork {
    std::string network_id;
    std::string endpoint_id;
    protocol::NetworkConfig runtime;  // the network as the guest gets it (mode, ip, gateway, ...)
    std::optional<GuestNic> nic;      // the endpoint's NIC (id, MAC, address); unset = no endpoint
};

class NetworkHost {
public:
    virtual ~NetworkHost() = default;
    // isolated: no call, empty ids. Throws Error with the reference text on failure.
    virtual PreparedNetwork prepare(const protocol::Config& config, const std::string& runtime_id) = 0;
    // Empty id: no-op; an endpoint that no longer exists: success.
    virtual void release(const std::string& endpoint_id) = 0;
    // Releases endpoints named after `runtime_id` that no state file records (a start killed
    // between creating its endpoint and recording it). No HCN on this host: nothing to do.
    virtual void release_unrecorded(const std::string& runtime_id) { (void)runtime_id; }
    // After a failed prepare: the id of an endpoint named after `runtime_id` that still exists
    // (prepare created it, then failed and could not remove it), so the failed state records
    // it and a later stop or delete releases it; "" when none is left or none can be listed.
    virtual std::string endpoint_left_behind(const std::string& runtime_id) noexcept
    {
        (void)runtime_id;
        return {};
    }
    // Doctor's check: "" when HCN answers, else why not ("probe HCN/HNS access: …").
    virtual std::string probe() = 0;
};

// Networking when HCN cannot be used: isolated runtimes need no HCN call and work; every other
// mode fails with `reason`.
class UnavailableNetworkHost final : public NetworkHost {
public:
    explicit UnavailableNetworkHost(std::string reason) : reason_(std::move(reason)) {}
    PreparedNetwork prepare(const protocol::Config& config, const std::string& runtime_id) override;
    void release(const std::string& endpoint_id) override;
    std::string probe() override { return reason_; }

private:
    std::string reason_;
};

}  // namespace hvsup::supervisor
