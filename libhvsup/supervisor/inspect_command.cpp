// SPDX-License-Identifier: MIT
#include "supervisor/supervisor.hpp"

#include "core/error.hpp"
#include "core/files.hpp"
#include "protocol/result_file.hpp"
#include "supervisor/runtime_lifecycle.hpp"

#include <fmt/format.h>

namespace hvsup::supervisor {

using namespace hvsup::protocol;

namespace {

// E3: a recorded `running` system that HCS no longer knows has exited on its own.
bool vanished(ComputeHost& compute, const RuntimeState& recorded)
{
    if (recorded.event.state != state::running || recorded.compute_system_id.empty()) return false;
    try {
        return !compute.exists(recorded.compute_system_id);
    } catch (const Error&) {
        return false;  // HCS unavailable here: report what is recorded
    }
}

}  // namespace

Response Supervisor::inspect_command(Call& call)
{
    RuntimeDir& dir = *call.dir;
    std::optional<RuntimeState>& recorded = call.recorded;  // present: StateGuard::recorded passed
    const bool may_repair = call.lock_held;

    std::optional<RuntimeResult> result;
    std::string result_error;
    try {
        result = read_result_file(dir.result_file());
    } catch (const Error& e) {
        result_error = e.what();
    }

    // Repairs are recorded only under the command lock: while another command holds it, that
    // command owns the runtime and inspect reports what is recorded.
    if (!may_repair) {
    } else if (vanished(*backends_.compute, *recorded)) {
        TransitionWriter writer(dir, recorded->event.identity, Transition::Guard::unchanged);
        RuntimeIds ids;
        ids.listener_pid = 0;
        std::string cleanup;
        try {
            if (recorded->vsock_listener_pid > 0) backends_.services->stop_helper(recorded_helper(*recorded));
            backends_.network->release(recorded->network_endpoint_id);
        } catch (const Error& e) {
            cleanup = fmt::format("; cleanup failed: {}", e.what());
        }
        if (result && result->exit_code != 0) {
            // A cleanup failure goes to the detail only: the error is the bare cause.
            const std::string cause = fmt::format("windows-hyperv compute system exited; guest exit code {}", result->exit_code);
            writer.record(state::failed, cause + cleanup, ids, std::nullopt, cause);
        } else {
            writer.record(state::stopped, "windows-hyperv compute system exited" + cleanup, ids);
        }
        recorded = dir.load();
    } else if (recorded->vsock_listener_pid > 0 && !backends_.services->helper_alive(recorded_helper(*recorded))) {
        // The helper died (killed from outside, crashed): its listeners are gone. Say so in the
        // timeline and stop pointing at a PID the OS may hand to another process.
        TransitionWriter writer(dir, recorded->event.identity, Transition::Guard::unchanged);
        RuntimeIds ids;
        ids.listener_pid = 0;
        const std::string detail = fmt::format("{}; hvsock-listener helper {} exited, host listeners are down",
                                               recorded->event.detail, recorded->vsock_listener_pid);
        writer.record(recorded->event.state, detail, ids, std::nullopt, recorded->error);
        recorded = dir.load();
    }

    Response r;
    r.backend = backend_name;
    r.event = recorded->event;
    r.ok = recorded->event.state != state::failed;
    r.error = recorded->error;
    r.readiness = recorded->readiness;
    if (result) {
        result->identity = recorded->event.identity;
        result->backend = backend_name;
        result->result_path = files::to_utf8(dir.result_file());
        r.result = *result;
        r.readiness->result_ready = ReadinessSignal{true, now(), "result.json present", {}};
    } else if (!result_error.empty()) {
        r.readiness->result_ready = ReadinessSignal{false, std::nullopt, {}, result_error};
    }
    return r;
}

}  // namespace hvsup::supervisor
