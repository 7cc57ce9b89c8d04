// SPDX-License-Identifier: MIT
#include "supervisor/supervisor.hpp"

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/json.hpp"
#include "hcs/client.hpp"
#include "hcs/errors.hpp"
#include "hcs/presence.hpp"
#include "protocol/codec.hpp"
#include "protocol/lifecycle.hpp"
#include "protocol/validate.hpp"
#include "supervisor/command_lock.hpp"
#include "supervisor/hcn_network_host.hpp"
#include "supervisor/hcs_compute_host.hpp"
#include "supervisor/hvsock_runtime_services.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace hvsup::supervisor {

using namespace hvsup::protocol;

Response failure(std::string message)
{
    Response r;
    r.ok = false;
    r.backend = backend_name;
    r.error = std::move(message);
    return r;
}

Backends make_backends(const SupervisorOptions& options)
{
    Backends b;
    // Without an explicit provider, look for the system DLLs first: their absence is the common
    // case off Windows hosts with Hyper-V and deserves the reasons for each DLL.
    try {
        if (options.hcs_library.empty()) {
            const hcs::Presence presence = hcs::probe_presence();
            if (!presence.available()) throw Error(ErrorCode::unsupported, presence.error);
        }
        hcs::LoadOptions load;
        load.library_path = options.hcs_library;
        if (options.hcs_api == "computecore") load.force_api = hcs::ApiKind::computecore;
        else if (options.hcs_api == "vmcompute") load.force_api = hcs::ApiKind::vmcompute;
        else if (!options.hcs_api.empty()) {
            throw Error(ErrorCode::invalid_argument,
                        fmt::format("unknown HCS API {}: use computecore or vmcompute", json::quote(options.hcs_api)));
        }
        std::optional<hcs::BootMode> boot;  // unset: chosen per host (hcs::choose_boot_mode)
        if (!options.boot_mode.empty() && options.boot_mode != "auto") {
            if (options.boot_mode != "kernel-direct" && options.boot_mode != "uefi-vmbfs") {
                throw Error(ErrorCode::invalid_argument,
                            fmt::format("unknown boot mode {}: use auto, kernel-direct or uefi-vmbfs",
                                        json::quote(options.boot_mode)));
            }
            boot = hcs::parse_boot_mode(options.boot_mode);
        }
        auto client = hcs::HcsClient::load(load);
        b.compute = std::make_unique<HcsComputeHost>(std::move(client), boot, hcs::inspect_provider(load));
    } catch (const Error& e) {
        b.compute = std::make_unique<UnavailableComputeHost>(e.what());
    }
    b.network = std::make_unique<HcnNetworkHost>(options.hcn_library, options.logger);
    b.services = std::make_unique<HvsockRuntimeServices>(
        options.listener_helper.empty() ? default_helper_path() : options.listener_helper, options.hcs_library,
        options.hcs_api, options.logger);
    return b;
}

Supervisor::Supervisor(SupervisorOptions options, Backends backends)
    : options_(std::move(options)), backends_(std::move(backends))
{
    if (!backends_.network) backends_.network = std::make_unique<UnavailableNetworkHost>("HCN networking is not available");
    if (!backends_.services) {
        backends_.services = std::make_unique<UnavailableRuntimeServices>("Hyper-V sockets are not available");
    }
}

Supervisor::Supervisor(SupervisorOptions options, std::unique_ptr<ComputeHost> compute)
    : Supervisor(std::move(options), Backends{std::move(compute), nullptr, nullptr})
{
}

std::string result_path(const Config& config, const std::string& runtime_id)
{
    return files::to_utf8(RuntimeDir(config.state_dir, runtime_id).result_file());
}

bool is_missing_compute_system(const std::string& text)
{
    // The rule is HCS's error text; the port's errors carry that text whatever the backend.
    return hcs::is_missing_compute_system_text(text);
}

Response Supervisor::handle(std::string_view request_json)
{
    bool cancelled = false;
    return handle(request_json, cancelled);
}

Response Supervisor::handle(std::string_view request_json, bool& cancelled)
{
    cancelled = false;
    Request request;
    try {
        request = decode_request(request_json);
    } catch (const Error& e) {
        return failure(e.what());
    }
    // The call's cancellation, known to cancel() while the call is in flight.
    Cancellation cancellation;
    {
        std::lock_guard lock(calls_mutex_);
        calls_in_flight_.push_back(&cancellation);
    }
    struct Leave {
        Supervisor& supervisor;
        Cancellation& cancellation;
        ~Leave()
        {
            std::lock_guard lock(supervisor.calls_mutex_);
            auto& calls = supervisor.calls_in_flight_;
            calls.erase(std::find(calls.begin(), calls.end(), &cancellation));
        }
    } leave{*this, cancellation};
    Response response = handle_request(std::move(request), cancellation);
    cancelled = cancellation.observed();
    return response;
}

void Supervisor::cancel() noexcept
{
    std::lock_guard lock(calls_mutex_);
    for (Cancellation* call : calls_in_flight_) call->request();
}

bool Supervisor::wait_for_exit_cancellable(OpenSystem& system, std::chrono::milliseconds bound,
                                           const std::string& what, Cancellation& cancellation)
{
    // One wait, which the call's stop token ends early: no polling.
    cancellation.throw_if_requested(what);
    if (system.wait_for_exit(bound, cancellation.token())) return true;
    cancellation.throw_if_requested(what);
    return false;
}

Response Supervisor::handle_request(Request request, Cancellation& cancellation)
{
    try {
        const Command command = parse_command(request.command);
        const CommandInfo& info = command_info(command);
        if (info.cls != CommandClass::host && !options_.default_state_dir.empty()) {
            // The context's state dir stands in for a missing config.stateDir. A full-config
            // command still needs its own config object ("config is required").
            if (!request.config && info.cls == CommandClass::state_dir_only) request.config.emplace();
            if (request.config && request.config->state_dir.empty()) {
                request.config->state_dir = options_.default_state_dir;
            }
        }
        validate_request(request, command);
        std::optional<CommandLock> lock;
        if (info.lock != LockMode::none && request.identity && request.config) {
            const std::string& id = request.identity->runtime_id;
            // Before anything is read, created or removed: state another user could have
            // written is never acted on (docs/security.md, "State directory trust").
            RuntimeDir(request.config->state_dir, id).require_trusted();
            lock.emplace(CommandLock::take(RuntimeDir(request.config->state_dir, id), id, command,
                                           options_.command_lock_wait, options_.preempt_wait, options_.logger));
            // An exclusive command that took no lock found no runtime directory: it must not act
            // on one that a concurrent start creates a moment later.
            if (!lock->held() && info.lock == LockMode::exclusive_existing) {
                return failure(fmt::format("workspace {} not found", id));
            }
        }
        return dispatch(request, command, lock && lock->held(), cancellation);
    } catch (const Error& e) {
        return failure(e.what());
    } catch (const std::bad_alloc&) {
        throw;
    } catch (const std::exception& e) {
        return failure(fmt::format("internal error: {}", e.what()));
    }
}

Response Supervisor::dispatch(const Request& request, Command command, bool lock_held, Cancellation& cancellation)
{
    // Each command's handler, indexed by Command: one row per row of protocol::command_table.
    struct Row {
        Command command;
        Response (Supervisor::*handler)(Call& call);
    };
    // clang-format off
    static constexpr std::array<Row, command_count> handlers{{
        {Command::host,       &Supervisor::host_command},
        {Command::check,      &Supervisor::check_command},
        {Command::prepare,    &Supervisor::prepare_command},
        {Command::start,      &Supervisor::start_command},
        {Command::run,        &Supervisor::start_command},
        {Command::inspect,    &Supervisor::inspect_command},
        {Command::console,    &Supervisor::console_command},
        {Command::stop,       &Supervisor::control_command},
        {Command::halt,       &Supervisor::control_command},
        {Command::kill,       &Supervisor::control_command},
        {Command::quarantine, &Supervisor::control_command},
        {Command::delete_,    &Supervisor::control_command},
    }};
    // clang-format on
    static_assert(rows_in_command_order(handlers), "one handler row per Command, in enum order");

    Call call{request, command, lock_held, cancellation, std::nullopt, std::nullopt};
    const StateGuard guard = command_info(command).guard;
    if (guard != StateGuard::none) {
        const std::string& id = request.identity->runtime_id;
        call.dir.emplace(request.config->state_dir, id);
        call.recorded = call.dir->load();
        switch (guard) {
        case StateGuard::none:
            break;
        case StateGuard::can_start:
            ensure_can_start(id, call.recorded);
            break;
        case StateGuard::recorded:
            if (!call.recorded) return failure(fmt::format("workspace {} not found", id));
            break;
        case StateGuard::recorded_or_dir:
            if (!call.recorded && !call.dir->exists()) return failure(fmt::format("workspace {} not found", id));
            break;
        }
    }
    return (this->*handlers[static_cast<size_t>(command)].handler)(call);
}

Response Supervisor::host_command(Call&)
{
    const HostProbe probe = backends_.compute->probe();
    Response r;
    r.backend = backend_name;
    HostSupport h;
    h.backend = backend_name;
    h.architecture = host_architecture();
    h.framework_available = probe.framework_available;
    h.virtualization_supported = probe.virtualization_supported;
    h.console_available = false;
    h.console_mode = "unsupported";
    h.hcs_api = probe.api;
    r.host = h;
    r.kernel = KernelSupport{backend_name, host_architecture(), {}, "unknown", {}, {}};
    r.ok = probe.error.empty();
    r.error = probe.error;
    return r;
}

Response Supervisor::check_command(Call&)
{
    backends_.compute->check_access();
    Response r;
    r.ok = true;
    r.backend = backend_name;
    return r;
}

Response Supervisor::console_command(Call&)
{
    return failure("windows-hyperv supervisor command \"console\" is experimental and not implemented yet");
}

}  // namespace hvsup::supervisor
