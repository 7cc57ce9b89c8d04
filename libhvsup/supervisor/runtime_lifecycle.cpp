// SPDX-License-Identifier: MIT
#include "supervisor/runtime_lifecycle.hpp"

#include <fmt/format.h>

namespace hvsup::supervisor {

using namespace hvsup::protocol;

Event TransitionWriter::record(const std::string& state, const std::string& detail, const RuntimeIds& ids,
                               const std::optional<Config>& config, const std::string& error, bool reset_ids)
{
    Transition t;
    t.identity = identity_;
    t.state = state;
    t.detail = detail;
    t.config = config;
    t.compute_system_id = ids.compute_system_id;
    t.compute_system_runtime_id = ids.compute_system_runtime_id;
    t.network_id = ids.network_id;
    t.network_endpoint_id = ids.network_endpoint_id;
    t.listener_pid = ids.listener_pid;
    t.listener_start_time = ids.listener_start_time;
    t.error = error;
    t.reset_ids = reset_ids;
    t.at = now();
    t.guard = guard_;
    t.expected_runtime_json = dir_.known_runtime_json();
    return dir_.record(t).event;
}

Response TransitionWriter::fail(const std::string& detail, const std::string& cause, const RuntimeIds& ids,
                                const std::optional<Config>& config)
{
    Event recorded;
    try {
        recorded = record(state::failed, detail, ids, config, cause);
    } catch (const Error& e) {
        // Nothing records the detail: the error still carries only the cause (no step prefix,
        // as for a recorded failure) and says why it is not in runtime.json.
        throw Error(e.code(), fmt::format("{}; not recorded: {}", cause, e.what()));
    }
    Response r = event_response(recorded);
    r.error = cause;
    return r;
}

bool is_preempted(const Error& e)
{
    return e.code() == ErrorCode::conflict || e.code() == ErrorCode::not_found;
}

Response event_response(const Event& event)
{
    Response r;
    r.ok = event.state != state::failed;
    r.backend = backend_name;
    r.event = event;
    return r;
}

}  // namespace hvsup::supervisor
