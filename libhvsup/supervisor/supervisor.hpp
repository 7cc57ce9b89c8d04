// SPDX-License-Identifier: MIT
// The command dispatcher: one request in, one response out (docs/protocol.md). Built only on
// protocol/ and its ports (compute_host.hpp, network_host.hpp, runtime_services.hpp); never
// throws for a bad request.
#pragma once

#include "core/log.hpp"
#include "protocol/codec.hpp"
#include "protocol/command.hpp"
#include "protocol/runtime_dir.hpp"
#include "protocol/types.hpp"
#include "supervisor/cancellation.hpp"
#include "supervisor/compute_host.hpp"
#include "supervisor/network_host.hpp"
#include "supervisor/runtime_services.hpp"

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hvsup::supervisor {

struct SupervisorOptions {
    std::string default_state_dir;  // used when a request names no config.stateDir
    std::string hcs_library;        // explicit HCS provider (else System32 on Windows)
    std::string hcn_library;        // explicit HCN provider
    std::string hcs_api;            // "computecore" | "vmcompute" forces one API; "" = prefer computecore
    std::string boot_mode;          // "" or "auto" (per host, see hcs::choose_boot_mode) | "kernel-direct" | "uefi-vmbfs"
    std::string listener_helper;    // hvsock-listener executable; "" = beside the running executable
    Logger logger;
    // Teardown bounds (E3): the guest gets `graceful_stop` to leave after a shutdown request,
    // then it is terminated and gets `unregister_wait` to disappear.
    std::chrono::milliseconds graceful_stop{std::chrono::seconds(15)};
    std::chrono::milliseconds unregister_wait{std::chrono::seconds(120)};
    // Command lock (docs/security.md): how long a lifecycle command waits for another one on
    // the same runtime before failing as busy, and how long kill/quarantine wait before they
    // preempt it.
    std::chrono::milliseconds command_lock_wait{std::chrono::seconds(10)};
    std::chrono::milliseconds preempt_wait{std::chrono::seconds(2)};
};

struct Backends {
    std::unique_ptr<ComputeHost> compute;
    std::unique_ptr<NetworkHost> network;
    std::unique_ptr<RuntimeServices> services;
};

class Supervisor {
public:
    Supervisor(SupervisorOptions options, Backends backends);
    // Convenience for callers that only replace the compute host (network and runtime services
    // then fail closed).
    Supervisor(SupervisorOptions options, std::unique_ptr<ComputeHost> compute);

    // Decodes, validates and runs a request; every failure becomes an ok:false response. A
    // request over max_request_bytes is refused before it is parsed.
    protocol::Response handle(std::string_view request_json);
    // handle() that also reports whether cancel() interrupted the call (`cancelled`); the
    // response then holds the recorded failure.
    protocol::Response handle(std::string_view request_json, bool& cancelled);

    // Cancels the calls in flight (hvsup_context_cancel): a stop is requested on each call's
    // Cancellation, so its waits end with ErrorCode::cancelled (an HCS exit wait at once, a
    // result wait within its 100 ms slice). Calls that start later are not affected. Thread-safe.
    void cancel() noexcept;

    ComputeHost& host() { return *backends_.compute; }
    NetworkHost& network() { return *backends_.network; }
    RuntimeServices& services() { return *backends_.services; }
    const SupervisorOptions& options() const { return options_; }

private:
    // One validated request on its way to its handler.
    struct Call {
        const protocol::Request& request;
        protocol::Command command;
        bool lock_held;  // the command lock is held (inspect may then record what it notices)
        Cancellation& cancellation;
        // For a command with a state guard (protocol::StateGuard): its runtime directory and
        // the runtime.json loaded from it once the guard passed.
        std::optional<protocol::RuntimeDir> dir;
        std::optional<protocol::RuntimeState> recorded;
    };
    // Applies the command's state guard, then runs its handler (the handler table is here).
    protocol::Response dispatch(const protocol::Request& request, protocol::Command command, bool lock_held,
                                Cancellation& cancellation);
    protocol::Response host_command(Call& call);
    protocol::Response check_command(Call& call);
    protocol::Response prepare_command(Call& call);
    // start and run.
    protocol::Response start_command(Call& call);
    protocol::Response inspect_command(Call& call);
    // stop, halt, kill, quarantine, delete.
    protocol::Response control_command(Call& call);
    protocol::Response console_command(Call& call);

    // Before start/prepare forget an earlier boot's IDs: refuses while its compute system still
    // exists and releases an endpoint it kept.
    void reclaim_previous_boot(const std::string& name, const std::optional<protocol::RuntimeState>& previous);
    // run: waits for the guest result; fails when the system exits first or `bound` passes.
    void wait_for_result_or_exit(RuntimeListeners& listeners, OpenSystem& system, std::chrono::milliseconds bound,
                                 Cancellation& cancellation);
    // Shuts a compute system down (graceful) or terminates it, within the teardown bounds.
    // `cancellation`: the call whose cancel ends its waits (a control command); cleanup passes
    // none.
    void stop_compute_system(const std::string& id, bool graceful, Cancellation* cancellation = nullptr);
    protocol::Response handle_request(protocol::Request request, Cancellation& cancellation);
    // Waits up to `bound` for the system to exit; throws ErrorCode::cancelled ("cancelled by the
    // caller while <what>") when the call is cancelled first.
    bool wait_for_exit_cancellable(OpenSystem& system, std::chrono::milliseconds bound, const std::string& what,
                                   Cancellation& cancellation);

    SupervisorOptions options_;
    Backends backends_;
    std::mutex calls_mutex_;
    std::vector<Cancellation*> calls_in_flight_;  // cancel() requests a stop on each
};

// The backends for these options: HCS/HCN from System32 on Windows or from explicit provider
// libraries; elsewhere, without providers, backends that fail closed.
Backends make_backends(const SupervisorOptions& options);

// The largest request document handle() accepts (the CLI applies the same limit while reading).
using protocol::max_request_bytes;

// {"ok": false, "backend": "windows-hyperv", "error": message}
protocol::Response failure(std::string message);

// The runtime's result target: <stateDir>/<runtimeID>/result.json as the request spells it.
std::string result_path(const protocol::Config& config, const std::string& runtime_id);

// True when an HCS error says the compute system does not exist (docs/protocol.md, "Control
// commands"): hcs::is_missing_compute_system_text, for errors that reach the supervisor as text.
bool is_missing_compute_system(const std::string& error_text);

}  // namespace hvsup::supervisor
