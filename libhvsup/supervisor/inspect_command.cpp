#include "supervisor/supervisor.hpp"

#include "core/error.hpp"
#include "core/files.hpp"
#include "protocol/result_file.hpp"
#include "protocol/runtime_dir.hpp"

#include <fmt/format.h>

namespace hvsup::supervisor {

using namespace hvsup::protocol;

Response Supervisor::inspect_command(const Request& request)
{
    RuntimeDir dir(request.config->state_dir, request.identity->runtime_id);
    const std::optional<RuntimeState> recorded = dir.load();
    if (!recorded) return failure(fmt::format("workspace {} not found", request.identity->runtime_id));

    Response r;
    r.backend = backend_name;
    r.event = recorded->event;
    r.ok = recorded->event.state != state::failed;
    r.error = recorded->error;
    r.readiness = recorded->readiness;
    try {
        if (auto result = read_result_file(dir.result_file())) {
            result->identity = recorded->event.identity;
            result->backend = backend_name;
            result->result_path = files::to_utf8(dir.result_file());
            r.result = *result;
            r.readiness->result_ready = ReadinessSignal{true, now(), "result.json present", {}};
        }
    } catch (const Error& e) {
        r.readiness->result_ready = ReadinessSignal{false, std::nullopt, {}, e.what()};
    }
    return r;
}

}  // namespace hvsup::supervisor
