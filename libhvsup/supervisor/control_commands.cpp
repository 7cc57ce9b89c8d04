// SPDX-License-Identifier: MIT
// prepare and the terminal controls: stop, halt, kill, quarantine, delete (docs/protocol.md, "Commands"
// and "Control commands").
#include "supervisor/supervisor.hpp"

#include "core/error.hpp"
#include "core/json.hpp"
#include "protocol/lifecycle.hpp"
#include "supervisor/command_lock.hpp"
#include "supervisor/runtime_lifecycle.hpp"

#include <fmt/format.h>

namespace hvsup::supervisor {

using namespace hvsup::protocol;

namespace {

struct ControlSpec {
    const char* final_state;
    const char* detail;
    enum class Action { none, shutdown, terminate } action;
};

ControlSpec control_spec(Command command)
{
    using A = ControlSpec::Action;
    switch (command) {
    case Command::stop: return {state::stopped, "windows-hyperv compute system stopped", A::shutdown};
    case Command::halt: return {state::halted, "windows-hyperv compute system halted", A::shutdown};
    case Command::kill: return {state::stopped, "windows-hyperv compute system killed", A::terminate};
    case Command::delete_: return {state::stopped, "windows-hyperv compute system deleted", A::terminate};
    default: return {state::quarantined, "windows-hyperv compute system quarantined", A::none};  // quarantine
    }
}

}  // namespace

Response Supervisor::prepare_command(Call& call)
{
    const Request& request = call.request;
    reclaim_previous_boot(request.identity->runtime_id, call.recorded);  // StateGuard::can_start passed
    TransitionWriter writer(*call.dir, *request.identity, transition_guard(call.command));
    RuntimeIds ids;
    ids.listener_pid = 0;
    return event_response(writer.record(state::prepared, "prepared windows-hyperv workspace", ids, *request.config, {},
                                        /*reset_ids=*/true));
}

Response Supervisor::control_command(Call& call)
{
    const Request& request = call.request;
    const Command command = call.command;
    const std::string_view command_text = command_name(command);
    const std::string& name = request.identity->runtime_id;
    RuntimeDir& dir = *call.dir;
    const std::optional<RuntimeState>& recorded = call.recorded;
    const ControlSpec spec = control_spec(command);
    if (!recorded) {
        // Only delete gets here (StateGuard::recorded_or_dir): a directory without runtime.json
        // is what an interrupted delete (killed while removing the tree) or a start killed
        // before its first record leaves; neither created anything on the host (the first
        // record precedes every HCS/HCN call), so delete finishes it.
        dir.remove_except(command_lock_file);  // the lock's release removes the rest
        return event_response(Event{*request.identity, spec.final_state, spec.detail, now()});
    }

    TransitionWriter writer(dir, *request.identity, transition_guard(command));
    RuntimeIds ids;
    ids.listener_pid = 0;  // every terminal write clears the helper PID

    // A start that was interrupted (killed, crashed, or preempted right now) may have created a
    // compute system or an endpoint it had not recorded yet. Both are named after the runtime
    // (compute-system id = runtime ID, endpoint "microagent-<id>"), so they are found by name.
    const bool interrupted_start = recorded->event.state == state::starting;
    std::string compute_id = recorded->compute_system_id;
    // A runtime only ever creates the compute system named after itself: any other recorded id
    // (a runtime.json edited or forged) names somebody else's system, which is never touched.
    // delete still removes the runtime, tearing down only a system that carries its name.
    bool foreign_compute_id = false;
    if (!compute_id.empty() && compute_id != name) {
        const std::string why = fmt::format(
            "runtime.json of workspace {} records compute system {}, which this runtime did not create (its compute "
            "system is always named {}); refusing to act on it",
            name, json::quote(compute_id), name);
        // The error is the bare cause (reference rule: no "<command> failed: " prefix there).
        if (command != Command::delete_) return failure(fmt::format("{}; delete the workspace", why));
        options_.logger.log(LogLevel::warning, "delete {}: {}", name, why);
        compute_id.clear();
        foreign_compute_id = true;
    }
    if (compute_id.empty() && (interrupted_start || foreign_compute_id) && spec.action != ControlSpec::Action::none) {
        try {
            if (backends_.compute->exists(name)) compute_id = name;
        } catch (const Error& e) {
            if (e.code() != ErrorCode::unsupported) return writer.fail(fmt::format("{} failed: {}", command_text, e.what()), e.what(), ids);
        }
    }

    // Order (docs/protocol.md, "Control commands"): helper, compute system, endpoint, state, directory.
    if (recorded->vsock_listener_pid > 0) {
        try {
            backends_.services->stop_helper(recorded_helper(*recorded));
        } catch (const Error& e) {
            ids.listener_pid.reset();  // still alive: keep recording it
            const std::string cause = fmt::format("stop listener helper {}: {}", recorded->vsock_listener_pid, e.what());
            return writer.fail(fmt::format("{} failed: {}", command_text, cause), cause, ids);
        }
    }
    if (!compute_id.empty() && spec.action != ControlSpec::Action::none) {
        try {
            stop_compute_system(compute_id, spec.action == ControlSpec::Action::shutdown, &call.cancellation);
        } catch (const Error& e) {
            const bool tolerated = is_missing_compute_system(e.what()) &&
                                   (command == Command::delete_ || is_terminal_state(recorded->event.state));
            if (!tolerated) return writer.fail(fmt::format("{} failed: {}", command_text, e.what()), e.what(), ids);
            options_.logger.log(LogLevel::info, "{} {}: compute system already gone: {}", command_text, name, e.what());
        }
    }
    try {
        backends_.network->release(recorded->network_endpoint_id);
        if (interrupted_start) backends_.network->release_unrecorded(name);
    } catch (const Error& e) {
        return writer.fail(fmt::format("network cleanup failed: {}", e.what()), e.what(), ids);
    }

    if (command == Command::delete_) {
        dir.remove_except(command_lock_file);  // the lock's release removes the rest
        return event_response(Event{*request.identity, spec.final_state, spec.detail, now()});
    }
    try {
        return event_response(writer.record(spec.final_state, spec.detail, ids));
    } catch (const Error& e) {
        if (is_preempted(e)) throw;
        // The host side is done (a read-only or full state directory does not keep a VM
        // running); the caller must still learn that runtime.json does not say so.
        Response r = event_response(Event{*request.identity, spec.final_state, spec.detail, now()});
        r.ok = false;
        r.error = fmt::format("{}, but the state could not be recorded: {}", spec.detail, e.what());
        return r;
    }
}

}  // namespace hvsup::supervisor
