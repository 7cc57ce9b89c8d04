#include "supervisor/runtime_lifecycle.hpp"

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
    t.error = error;
    t.reset_ids = reset_ids;
    t.at = now();
    return dir_.record(t).event;
}

Response TransitionWriter::fail(const std::string& detail, const RuntimeIds& ids, const std::optional<Config>& config)
{
    Response r = event_response(record(state::failed, detail, ids, config, detail));
    r.error = detail;
    return r;
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
