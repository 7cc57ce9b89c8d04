// What the supervisor needs from the hypervisor host, as one interface (the Go peer calls it
// the adapter). The HCS-backed implementation lives with the HCS binding; a host without HCS
// gets UnavailableComputeHost, which fails every operation closed with one reason.
#pragma once

#include <memory>
#include <string>

namespace hvsup::supervisor {

struct HostProbe {
    bool framework_available = false;
    bool virtualization_supported = false;
    std::string api;     // the DLL in use, e.g. "computecore.dll"
    std::string error;   // why the framework is unavailable; empty when available
};

class ComputeHost {
public:
    virtual ~ComputeHost() = default;

    // Never throws: availability problems are reported in the probe.
    virtual HostProbe probe() = 0;

    // Throws Error unless the current user may use HCS (microagent-protocol.md §7.2).
    virtual void check_access() = 0;

    // Throws Error when start/run cannot proceed on this host, before any state is written.
    virtual void require_available() = 0;

    // Graceful shutdown and hard termination of a compute system by id.
    virtual void shutdown(const std::string& compute_system_id) = 0;
    virtual void terminate(const std::string& compute_system_id) = 0;
};

// A host on which HCS cannot be used; every operation throws ErrorCode::unsupported with
// `reason` (e.g. "windows-hyperv supervisor is only supported on windows").
class UnavailableComputeHost final : public ComputeHost {
public:
    explicit UnavailableComputeHost(std::string reason) : reason_(std::move(reason)) {}

    HostProbe probe() override;
    void check_access() override;
    void require_available() override;
    void shutdown(const std::string& compute_system_id) override;
    void terminate(const std::string& compute_system_id) override;

private:
    [[noreturn]] void fail() const;
    std::string reason_;
};

}  // namespace hvsup::supervisor
