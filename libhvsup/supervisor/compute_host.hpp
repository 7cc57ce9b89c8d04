// SPDX-License-Identifier: MIT
// The compute-host port: what the supervisor needs of compute systems (docs/architecture.md,
// "Ports"). The product implementation is HcsComputeHost over libhvsup/hcs
// (hcs_compute_host.hpp); a host without HCS gets UnavailableComputeHost, which fails every
// operation closed with one reason. The other ports: network_host.hpp, runtime_services.hpp.
#pragma once

#include "core/guest_nic.hpp"
#include "protocol/types.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>

namespace hvsup::supervisor {

struct HostProbe {
    bool framework_available = false;
    bool virtualization_supported = false;
    std::string api;     // the DLL in use, e.g. "computecore.dll"
    std::string error;   // why the framework is unavailable; empty when available
    std::string exports; // which HCS API exports the provider has ("" when nothing loaded)
    std::string boot;    // the boot the host gets and why ("" when unknown)
};

struct CreateRequest {
    std::string id;                    // compute system id = identity.runtimeID
    protocol::Config config;           // effective config, network = the runtime network
    // The NIC as NetworkHost::prepare settled it (endpoint, MAC, address); unset = no NIC.
    std::optional<GuestNic> nic;
    std::string serial_pipe;           // COM1 named pipe, verbatim; empty = no ComPorts (not a result run)
};

// A compute system held open (one HCS handle): the waits of one command go through it, rather
// than opening the system again for every slice of a wait.
class OpenSystem {
public:
    virtual ~OpenSystem() = default;
    // True when the system exited (or HCS no longer knows it) within `timeout`; once true, true.
    // False as soon as `stop` is requested.
    virtual bool wait_for_exit(std::chrono::milliseconds timeout, std::stop_token stop = {}) = 0;
};

struct CreatedSystem {
    std::string id;
    std::string runtime_id;               // HCS RuntimeId GUID: the Hyper-V socket VM id
    std::shared_ptr<OpenSystem> system;   // the handle the creation returned, kept for the waits
};

class ComputeHost {
public:
    virtual ~ComputeHost() = default;

    // Never throws: availability problems are reported in the probe.
    virtual HostProbe probe() = 0;
    // Throws Error unless the current user may use HCS (docs/hcs.md, "Access probe").
    virtual void check_access() = 0;
    // Throws Error when start/run cannot proceed on this host, before any state is written.
    virtual void require_available() = 0;

    // Builds the compute-system document, grants the VM access to every VHD and creates it.
    virtual CreatedSystem create(const CreateRequest& request) = 0;
    virtual void start(const std::string& id) = 0;
    // Asks the guest to shut down; does not wait.
    virtual void shutdown(const std::string& id) = 0;
    virtual void terminate(const std::string& id) = 0;
    // The system `id` held open for waits; one HCS does not know is one that has exited.
    virtual std::unique_ptr<OpenSystem> open(const std::string& id) = 0;
    // False when HCS does not know the system.
    virtual bool exists(const std::string& id) = 0;
    // The HCS "State" of a live system, for error messages ("Running"); "" when unknown.
    virtual std::string state(const std::string& id) = 0;
};

// A host on which HCS cannot be used; every operation throws ErrorCode::unsupported with
// `reason` (e.g. "windows-hyperv supervisor is only supported on windows").
class UnavailableComputeHost final : public ComputeHost {
public:
    explicit UnavailableComputeHost(std::string reason) : reason_(std::move(reason)) {}

    HostProbe probe() override;
    void check_access() override;
    void require_available() override;
    CreatedSystem create(const CreateRequest&) override;
    void start(const std::string&) override;
    void shutdown(const std::string&) override;
    void terminate(const std::string&) override;
    std::unique_ptr<OpenSystem> open(const std::string&) override;
    bool exists(const std::string&) override;
    std::string state(const std::string&) override;

private:
    [[noreturn]] void fail() const;
    std::string reason_;
};

}  // namespace hvsup::supervisor
