// prepare, start/run, and the terminal controls (stop, halt, kill, quarantine, delete).
#include "supervisor/supervisor.hpp"

#include "core/error.hpp"
#include "protocol/lifecycle.hpp"
#include "protocol/runtime_dir.hpp"

#include <fmt/format.h>

namespace hvsup::supervisor {

using namespace hvsup::protocol;

namespace {

Response event_response(const Event& event)
{
    Response r;
    r.ok = event.state != state::failed;
    r.backend = backend_name;
    r.event = event;
    return r;
}

struct ControlSpec {
    const char* final_state;
    const char* detail;
    enum class Action { none, shutdown, terminate } action;
};

ControlSpec control_spec(const std::string& command)
{
    using A = ControlSpec::Action;
    if (command == "stop") return {state::stopped, "windows-hyperv compute system stopped", A::shutdown};
    if (command == "halt") return {state::halted, "windows-hyperv compute system halted", A::shutdown};
    if (command == "kill") return {state::stopped, "windows-hyperv compute system killed", A::terminate};
    if (command == "delete") return {state::stopped, "windows-hyperv compute system deleted", A::terminate};
    return {state::quarantined, "windows-hyperv compute system quarantined", A::none};
}

// HCS reports a compute system it does not know in a few spellings (§4.6).
bool is_missing_compute_system(const std::string& text)
{
    std::string t;
    for (char ch : text) t += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    bool does_not_exist = t.find("does not exist") != std::string::npos;
    return does_not_exist && (t.find("compute system") != std::string::npos ||
                              t.find("virtual machine or container") != std::string::npos);
}

}  // namespace

Response Supervisor::prepare_command(const Request& request)
{
    RuntimeDir dir(request.config->state_dir, request.identity->runtime_id);
    ensure_can_start(request.identity->runtime_id, dir.load());
    Transition t;
    t.identity = *request.identity;
    t.state = state::prepared;
    t.detail = "prepared windows-hyperv workspace";
    t.config = *request.config;
    t.reset_ids = true;
    t.listener_pid = 0;
    t.at = now();
    return event_response(dir.record(t).event);
}

Response Supervisor::start_command(const Request& request)
{
    RuntimeDir dir(request.config->state_dir, request.identity->runtime_id);
    ensure_can_start(request.identity->runtime_id, dir.load());
    // Fail closed before anything is written: no half-started runtime on a host without HCS.
    host_->require_available();
    throw Error(ErrorCode::unsupported, fmt::format("windows-hyperv {} is not available in this build", request.command));
}

Response Supervisor::control_command(const Request& request)
{
    const std::string& command = request.command;
    const std::string& runtime_id = request.identity->runtime_id;
    RuntimeDir dir(request.config->state_dir, runtime_id);
    const std::optional<RuntimeState> recorded = dir.load();
    if (!recorded) return failure(fmt::format("workspace {} not found", runtime_id));

    const ControlSpec spec = control_spec(command);
    Transition t;
    t.identity = *request.identity;
    t.listener_pid = 0;  // every terminal write clears the helper PID

    if (!recorded->compute_system_id.empty() && spec.action != ControlSpec::Action::none) {
        try {
            if (spec.action == ControlSpec::Action::shutdown) host_->shutdown(recorded->compute_system_id);
            else host_->terminate(recorded->compute_system_id);
        } catch (const Error& e) {
            const bool tolerated = is_missing_compute_system(e.what()) &&
                                   (command == "delete" || is_terminal_state(recorded->event.state));
            if (!tolerated) {
                t.state = state::failed;
                t.detail = fmt::format("{} failed: {}", command, e.what());
                t.error = t.detail;
                t.at = now();
                Response r = event_response(dir.record(t).event);
                r.error = t.error;
                return r;
            }
            options_.logger.log(LogLevel::info, "{} {}: compute system already gone: {}", command, runtime_id, e.what());
        }
    }

    t.state = spec.final_state;
    t.detail = spec.detail;
    t.at = now();
    if (command == "delete") {
        dir.remove();
        return event_response(Event{t.identity, t.state, t.detail, t.at});
    }
    return event_response(dir.record(t).event);
}

}  // namespace hvsup::supervisor
