// SPDX-License-Identifier: MIT
// start (detached) and run (foreground): docs/protocol.md, "start and run", step by step, with the
// failure-cleanup rule: whatever was created is torn down and `failed` is recorded with the IDs.
#include "supervisor/supervisor.hpp"

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/text.hpp"
#include "protocol/result_file.hpp"
#include "protocol/validate.hpp"
#include "supervisor/command_lock.hpp"
#include "supervisor/runtime_lifecycle.hpp"
#include "supervisor/start_rollback.hpp"

#include <fmt/format.h>

#include <filesystem>

namespace hvsup::supervisor {

using namespace hvsup::protocol;
using std::chrono::milliseconds;

namespace {

// Services a detached start hands to the hvsock-listener helper: vsock listeners other than the
// result, and published ports. A result-only set starts no helper (so `start` never collects
// result.json).
bool has_detached_services(const Config& config, const std::string& runtime_id)
{
    for (const auto& l : config.vsock_listeners) {
        if (!is_result_target(config, runtime_id, l.target)) return true;
    }
    return config.network && !config.network->port_forwards.empty();
}

bool has_any_listener(const Config& config)
{
    return !config.vsock_listeners.empty() || (config.network && !config.network->port_forwards.empty());
}

}  // namespace

Response Supervisor::start_command(Call& call)
{
    const Request& request = call.request;
    const std::string_view command = command_name(call.command);
    const Identity& identity = *request.identity;
    const std::string& name = identity.runtime_id;
    Config config = *request.config;
    RuntimeDir& dir = *call.dir;
    // StateGuard::can_start passed. Fail closed before anything is written: no half-started
    // runtime on a host without HCS.
    backends_.compute->require_available();
    reclaim_previous_boot(name, call.recorded);

    const bool foreground = call.command == Command::run;
    const std::string result_target = result_path(config, name);
    const milliseconds bound = config.timeout_seconds > 0 ? milliseconds(config.timeout_seconds * 1000) : milliseconds::max();
    // Guarded: a kill or quarantine that preempts this command (docs/security.md, "Command lock")
    // makes the next record throw, and whatever this command created is torn down.
    TransitionWriter writer(dir, identity, transition_guard(call.command));
    RuntimeIds ids;

    // Backend-level validation (recorded as failed, nothing created).
    if (effective_network_mode(config.network) == "bridged" && trim(config.network->interface_name).empty()) {
        const std::string cause = "bridged network requires network.interface";
        return writer.fail("network validation failed: " + cause, cause, ids, config);
    }
    try {
        validate_listener_targets(config, name);
    } catch (const Error& e) {
        return writer.fail(fmt::format("listener setup failed: {}", e.what()), e.what(), ids, config);
    }

    writer.record(state::starting, "creating windows-hyperv compute system", ids, config, {}, /*reset_ids=*/true);
    // A result left by an earlier boot would read as this boot's result.
    std::error_code ignored;
    std::filesystem::remove(dir.result_file(), ignored);

    PreparedNetwork network;
    try {
        network = backends_.network->prepare(config, name);
    } catch (const Error& e) {
        // prepare removes what it created before throwing, but that removal can fail too: an
        // endpoint left behind is recorded, so no HCN endpoint exists that no state file names.
        ids.network_endpoint_id = backends_.network->endpoint_left_behind(name);
        return writer.fail(fmt::format("network setup failed: {}", e.what()), e.what(), ids, config);
    }
    if (!network.endpoint_id.empty() || config.network) config.network = network.runtime;
    ids.network_id = network.network_id;
    ids.network_endpoint_id = network.endpoint_id;

    // Whatever is created from here on is torn down when a step fails (the cleanup rule of
    // docs/protocol.md, "start and run"): in-process handles first, then the helper, the compute
    // system and the endpoint.
    StartRollback rollback;
    rollback.release_on_failure([&] { backends_.network->release(ids.network_endpoint_id); });
    std::unique_ptr<SerialLogCapture> serial;
    std::unique_ptr<RuntimeListeners> listeners;
    // A guarded record that a kill or quarantine preempted fails the start like a step.
    auto record_or_interrupt = [&](const char* to, const std::string& detail) {
        try {
            return writer.record(to, detail, ids, config);
        } catch (const Error& e) {
            if (!is_preempted(e)) throw;
            throw StartStepFailed{{}, fmt::format("{} interrupted", command)};
        }
    };
    // A cancelled wait (hvsup_context_cancel) fails the run like any other failure.
    auto wait_step = [&](const char* step, auto&& body) {
        try {
            body();
        } catch (const Error& e) {
            if (e.code() == ErrorCode::cancelled) throw StartStepFailed{{}, fmt::format("run {}", e.what())};
            throw StartStepFailed{step, e.what()};
        }
    };

    try {
        const bool result_run = has_result_listener(config, name);
        const std::string serial_pipe =
            result_run ? fmt::format("\\\\.\\pipe\\microagent-{}-serial", name) : std::string();
        if (foreground && result_run) {
            serial = start_step("listener setup failed", [&] {
                return backends_.services->start_serial_capture(serial_pipe, files::to_utf8(dir.serial_log()));
            });
            rollback.close_on_failure([&] {
                if (serial) serial->close();
            });
        }

        const CreatedSystem created = start_step("create failed", [&] {
            return backends_.compute->create(
                CreateRequest{name, config, network.nic, serial_pipe});
        });
        ids.compute_system_id = created.id;
        ids.compute_system_runtime_id = created.runtime_id;
        OpenSystem& system = *created.system;
        rollback.release_on_failure([&] {
            if (ids.compute_system_id.empty()) return;
            try {
                stop_compute_system(ids.compute_system_id, /*graceful=*/false);
            } catch (const Error& e) {
                if (!is_missing_compute_system(e.what())) throw;
            }
        });

        if (foreground) {
            listeners = start_step("listener setup failed", [&] {
                return backends_.services->start_listeners(ids.compute_system_runtime_id, config, result_target);
            });
            rollback.close_on_failure([&] {
                if (listeners) listeners->close();
            });
        } else if (has_detached_services(config, name)) {
            record_or_interrupt(state::starting, "starting windows-hyperv runtime listener helper");
            const HelperProcess helper = start_step("listener helper failed", [&] {
                return backends_.services->launch_helper(config.state_dir, name, files::to_utf8(dir.listener_log()));
            });
            ids.listener_pid = helper.pid;
            ids.listener_start_time = helper.start_time;
            rollback.release_on_failure([&] {
                if (ids.listener_pid && *ids.listener_pid > 0) {
                    backends_.services->stop_helper(HelperProcess{*ids.listener_pid, ids.listener_start_time});
                }
            });
        }
        if (!ids.listener_pid) ids.listener_pid = 0;

        start_step("start failed", [&] { backends_.compute->start(ids.compute_system_id); });
        const Event running =
            record_or_interrupt(state::running, fmt::format("serial={}", files::to_utf8(dir.serial_log())));
        if (!foreground || !has_any_listener(config)) {
            rollback.commit();
            return event_response(running);
        }

        wait_step("result listener failed",
                  [&] { wait_for_result_or_exit(*listeners, system, bound, call.cancellation); });
        wait_step("wait failed", [&] {
            if (!wait_for_exit_cancellable(system, bound, "waiting for the compute system to exit", call.cancellation)) {
                throw Error(ErrorCode::host,
                            fmt::format("compute system {} did not exit within {} s", name, config.timeout_seconds));
            }
        });
        rollback.commit();  // the guest exited: the rest of run releases in its own order
    } catch (const StartStepFailed& failed) {
        // The detail is "<step>: <cause>[; cleanup failed: …]"; the bare cause is the error.
        std::string full = failed.step.empty() ? failed.cause : fmt::format("{}: {}", failed.step, failed.cause);
        for (const auto& p : rollback.run()) full += fmt::format("; cleanup failed: {}", p);
        options_.logger.log(LogLevel::warning, "{} {}: {}", command, name, full);
        ids.listener_pid = 0;
        return writer.fail(full, failed.cause, ids, config);
    }
    listeners->close();
    if (serial) serial->close();
    try {
        backends_.network->release(ids.network_endpoint_id);
    } catch (const Error& e) {
        return writer.fail(fmt::format("network cleanup failed: {}", e.what()), e.what(), ids, config);
    }

    std::optional<RuntimeResult> result;
    try {
        result = read_result_file(dir.result_file());
    } catch (const Error& e) {
        options_.logger.log(LogLevel::warning, "run {}: result.json is unreadable: {}", name, e.what());
    }
    const Event stopped = writer.record(
        state::stopped, result ? "windows-hyperv result received" : "windows-hyperv compute system exited", ids, config);
    Response r = event_response(stopped);
    if (result) {
        result->identity = identity;
        result->backend = backend_name;
        result->result_path = files::to_utf8(dir.result_file());
        r.result = *result;
    }
    return r;
}

void Supervisor::reclaim_previous_boot(const std::string& name, const std::optional<RuntimeState>& previous)
{
    // A new boot forgets the recorded IDs. A compute system of an earlier boot that is still
    // alive (a failed kill, a teardown that timed out) would then be nobody's: refuse. An
    // endpoint it kept (a failed release) is released now, before its ID is forgotten.
    if (!previous) return;
    // Off a Hyper-V host (no HCS, no HCN) nothing of an earlier boot can exist.
    auto unsupported = [](const Error& e) { return e.code() == ErrorCode::unsupported; };
    if (!previous->compute_system_id.empty()) {
        bool alive = false;
        try {
            alive = backends_.compute->exists(previous->compute_system_id);
        } catch (const Error& e) {
            if (!unsupported(e)) throw;
        }
        if (alive) {
            const std::string state = backends_.compute->state(previous->compute_system_id);
            throw Error(ErrorCode::conflict,
                        fmt::format("workspace {} still has compute system {} from an earlier boot (State: {}); stop, "
                                    "kill or delete it first",
                                    name, previous->compute_system_id, state.empty() ? "unknown" : state));
        }
    }
    try {
        backends_.network->release(previous->network_endpoint_id);
    } catch (const Error& e) {
        if (!unsupported(e)) throw;  // the bare cause is the error (no step prefix)
    }
}

void Supervisor::wait_for_result_or_exit(RuntimeListeners& listeners, OpenSystem& system, milliseconds bound,
                                         Cancellation& cancellation)
{
    // A guest that dies before delivering must not leave `run` waiting forever: between slices
    // of the result wait, ask HCS whether the system is still there.
    constexpr milliseconds slice{100};
    const auto started = std::chrono::steady_clock::now();
    for (;;) {
        cancellation.throw_if_requested("waiting for the guest result");
        if (listeners.wait_for_result(slice)) return;
        if (system.wait_for_exit(milliseconds(0))) {
            // One last look: the result may have landed just before the exit.
            if (listeners.wait_for_result(milliseconds(0))) return;
            throw Error(ErrorCode::host, "the compute system exited without delivering a result");
        }
        if (bound != milliseconds::max() && std::chrono::steady_clock::now() - started > bound) {
            throw Error(ErrorCode::host, fmt::format("no guest result within {} s", bound.count() / 1000));
        }
    }
}

void Supervisor::stop_compute_system(const std::string& id, bool graceful, Cancellation* cancellation)
{
    ComputeHost& compute = *backends_.compute;
    auto wait = [&](milliseconds bound, const std::string& what) {
        const std::unique_ptr<OpenSystem> system = compute.open(id);  // once for the whole wait
        return cancellation != nullptr ? wait_for_exit_cancellable(*system, bound, what, *cancellation)
                                       : system->wait_for_exit(bound);
    };
    if (graceful) {
        compute.shutdown(id);
        if (wait(options_.graceful_stop,
                 fmt::format("waiting for compute system {} to shut down; it may still be running", id))) {
            return;
        }
        options_.logger.log(LogLevel::warning, "compute system {} ignored shutdown for {} ms; terminating", id,
                            options_.graceful_stop.count());
    }
    try {
        compute.terminate(id);
    } catch (const Error& e) {
        if (graceful && is_missing_compute_system(e.what())) return;  // it left between the two calls
        throw;
    }
    if (!wait(options_.unregister_wait,
              fmt::format("waiting for terminated compute system {} to disappear; it may still exist", id))) {
        std::string state = compute.state(id);
        throw Error(ErrorCode::host, fmt::format("compute system {} survived teardown (State: {})", id,
                                                 state.empty() ? "unknown" : state));
    }
}

}  // namespace hvsup::supervisor
