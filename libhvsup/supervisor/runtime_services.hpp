// SPDX-License-Identifier: MIT
// The runtime-services port: what a running compute system needs on the host side over Hyper-V
// sockets (docs/architecture.md, "Ports"): its listeners, the serial capture and the detached
// listener helper. The product implementation is HvsockRuntimeServices over libhvsup/hvsock
// (hvsock_runtime_services.hpp); without Hyper-V sockets, UnavailableRuntimeServices serves a
// config that needs none and refuses the rest.
#pragma once

#include "protocol/types.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace hvsup::supervisor {

// Host listeners of one running compute system (docs/hvsock.md, "What the supervisor calls");
// hvsock::ListenerSet is the product's implementation.
class RuntimeListeners {
public:
    virtual ~RuntimeListeners() = default;
    // Blocks until the result listener has written result.json (true at once when the set has
    // no result target); false when `timeout` passed first. Throws Error when the result could
    // not be received.
    virtual bool wait_for_result(std::chrono::milliseconds timeout) = 0;
    virtual void close() = 0;
};

// Appends what the guest writes to COM1 to serial.log (hvsock::SerialCapture in the product).
class SerialLogCapture {
public:
    virtual ~SerialLogCapture() = default;
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
    virtual std::unique_ptr<SerialLogCapture> start_serial_capture(const std::string& pipe_name,
                                                                   const std::string& log_path) = 0;
    // Binds every listener the config asks for, or throws having bound none.
    virtual std::unique_ptr<RuntimeListeners> start_listeners(const std::string& vm_runtime_id,
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

// Runtime services when Hyper-V sockets cannot be used: a config that needs none works; anything
// that needs a listener, the serial pipe or the helper fails with `reason`.
class UnavailableRuntimeServices final : public RuntimeServices {
public:
    explicit UnavailableRuntimeServices(std::string reason) : reason_(std::move(reason)) {}
    std::unique_ptr<SerialLogCapture> start_serial_capture(const std::string&, const std::string&) override;
    std::unique_ptr<RuntimeListeners> start_listeners(const std::string&, const protocol::Config&,
                                                      const std::string&) override;
    HelperProcess launch_helper(const std::string&, const std::string&, const std::string&) override;
    void stop_helper(const HelperProcess& helper) override;
    bool helper_alive(const HelperProcess&) override { return false; }
    std::string probe() override { return reason_; }

private:
    std::string reason_;
};

}  // namespace hvsup::supervisor
