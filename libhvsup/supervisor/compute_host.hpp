// SPDX-License-Identifier: MIT
// What the supervisor needs from the host, as three small interfaces (the Go peer calls the
// first one its adapter): compute systems (HCS), networking (HCN) and the runtime services on
// Hyper-V sockets (listeners, serial capture, the detached listener helper). The product
// implementations sit over libhvsup/hcs, libhvsup/hcn and libhvsup/hvsock; a host without HCS
// gets UnavailableComputeHost, which fails every operation closed with one reason.
#pragma once

#include "protocol/types.hpp"

#include <chrono>
#include <memory>
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
    std::string endpoint_id;           // HCN endpoint to attach; empty = no NIC
    std::string endpoint_mac;          // that endpoint's MAC ("00-15-5D-..."); empty = unknown
    std::string serial_pipe;           // COM1 named pipe; empty = no ComPorts (not a result run)
};

struct CreatedSystem {
    std::string id;
    std::string runtime_id;            // HCS RuntimeId GUID: the Hyper-V socket VM id
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

    // Builds the compute-system document, grants the VM access to every VHD and creates it.
    virtual CreatedSystem create(const CreateRequest& request) = 0;
    virtual void start(const std::string& id) = 0;
    // Asks the guest to shut down; does not wait.
    virtual void shutdown(const std::string& id) = 0;
    virtual void terminate(const std::string& id) = 0;
    // True when the system exited (or is unknown to HCS) within `timeout`.
    virtual bool wait_for_exit(const std::string& id, std::chrono::milliseconds timeout) = 0;
    // False when HCS does not know the system.
    virtual bool exists(const std::string& id) = 0;
    // The HCS "State" of a live system, for error messages ("Running"); "" when unknown.
    virtual std::string state(const std::string& id) = 0;
};

struct NetworkAttachment {
    std::string network_id;
    std::string endpoint_id;
    protocol::NetworkConfig runtime;   // the network as the guest gets it (mode, ip, gateway, ...)
    std::string endpoint_mac;          // the endpoint's MAC as HCN reports it; may be empty
};

class NetworkHost {
public:
    virtual ~NetworkHost() = default;
    // isolated: no call, empty ids. Throws Error with the reference text on failure.
    virtual NetworkAttachment prepare(const protocol::Config& config, const std::string& runtime_id) = 0;
    // Empty id: no-op; an endpoint that no longer exists: success.
    virtual void release(const std::string& endpoint_id) = 0;
    // Releases endpoints named after `runtime_id` that no state file records (a start killed
    // between creating its endpoint and recording it). No HCN on this host: nothing to do.
    virtual void release_unrecorded(const std::string& runtime_id) { (void)runtime_id; }
    // Doctor's check: "" when HCN answers, else why not ("probe HCN/HNS access: …").
    virtual std::string probe() = 0;
};

// Host listeners of one running compute system (microagent-protocol.md §7.6).
class ListenerSet {
public:
    virtual ~ListenerSet() = default;
    // Blocks until the result listener has written result.json (true at once when the set has
    // no result target); false when `timeout` passed first. Throws Error when the result could
    // not be received.
    virtual bool wait_for_result(std::chrono::milliseconds timeout) = 0;
    virtual void close() = 0;
};

// Appends what the guest writes to COM1 to serial.log.
class SerialCapture {
public:
    virtual ~SerialCapture() = default;
    virtual void close() = 0;
};

// The detached hvsock-listener helper of one runtime: its PID and when it started
// (process::start_time; 0 when unknown), which together tell it from a process that got the PID
// later.
struct HelperProcess {
    int64_t pid = 0;
    int64_t start_time = 0;
};

class RuntimeServices {
public:
    virtual ~RuntimeServices() = default;
    // Serves the COM1 pipe before the compute system exists.
    virtual std::unique_ptr<SerialCapture> start_serial_capture(const std::string& pipe_name,
                                                                const std::string& log_path) = 0;
    // Binds every listener the config asks for, or throws having bound none.
    virtual std::unique_ptr<ListenerSet> start_listeners(const std::string& vm_runtime_id,
                                                         const protocol::Config& config,
                                                         const std::string& result_path) = 0;
    // Launches the detached hvsock-listener helper for a started runtime.
    virtual HelperProcess launch_helper(const std::string& state_dir, const std::string& runtime_id,
                                        const std::string& log_path) = 0;
    // Terminates the helper and waits for it; a PID that is gone is success. A PID that is not
    // provably the helper (another executable, a different start time) is never signalled and
    // counts as gone.
    virtual void stop_helper(const HelperProcess& helper) = 0;
    // True while the helper process runs (and is provably the helper).
    virtual bool helper_alive(const HelperProcess& helper) = 0;
    // Doctor's Hyper-V socket check: "" when listeners can be bound, else why not.
    virtual std::string probe() { return {}; }
};

// Networking when HCN cannot be used: isolated runtimes need no HCN call and work; every other
// mode fails with `reason`.
class UnavailableNetworkHost final : public NetworkHost {
public:
    explicit UnavailableNetworkHost(std::string reason) : reason_(std::move(reason)) {}
    NetworkAttachment prepare(const protocol::Config& config, const std::string& runtime_id) override;
    void release(const std::string& endpoint_id) override;
    std::string probe() override { return reason_; }

private:
    std::string reason_;
};

// Runtime services when Hyper-V sockets cannot be used: a config that needs none works; anything
// that needs a listener, the serial pipe or the helper fails with `reason`.
class UnavailableRuntimeServices final : public RuntimeServices {
public:
    explicit UnavailableRuntimeServices(std::string reason) : reason_(std::move(reason)) {}
    std::unique_ptr<SerialCapture> start_serial_capture(const std::string&, const std::string&) override;
    std::unique_ptr<ListenerSet> start_listeners(const std::string&, const protocol::Config&, const std::string&) override;
    HelperProcess launch_helper(const std::string&, const std::string&, const std::string&) override;
    void stop_helper(const HelperProcess& helper) override;
    bool helper_alive(const HelperProcess&) override { return false; }
    std::string probe() override { return reason_; }

private:
    std::string reason_;
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
    bool wait_for_exit(const std::string&, std::chrono::milliseconds) override;
    bool exists(const std::string&) override;
    std::string state(const std::string&) override;

private:
    [[noreturn]] void fail() const;
    std::string reason_;
};

}  // namespace hvsup::supervisor
