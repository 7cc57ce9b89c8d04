// SPDX-License-Identifier: MIT
#include "runtime_spec.hpp"

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/result_target.hpp"
#include "protocol/runtime_dir.hpp"

namespace hvsock_listener {

hvsup::hvsock::ListenerSpec detached_listener_spec(const hvsup::protocol::RuntimeState& state,
                                                   const std::string& state_dir, const std::string& runtime_id)
{
    if (state.compute_system_id.empty() || state.compute_system_runtime_id.empty()) {
        throw hvsup::Error(hvsup::ErrorCode::not_found, "windows-hyperv runtime listener state is missing compute system IDs");
    }
    hvsup::protocol::RuntimeDir dir(state_dir, runtime_id);
    hvsup::hvsock::ListenerSpec spec;
    spec.vm_id = state.compute_system_runtime_id;
    spec.result_path = hvsup::files::to_utf8(dir.result_file());
    for (const auto& l : state.config.vsock_listeners) {
        // The result listener belongs to `run` only: a detached start never collects result.json.
        if (hvsup::core::is_result_target(l.target, spec.result_path)) continue;
        spec.vsock_listeners.push_back({l.port, l.target});
    }
    if (state.config.network) {
        for (const auto& f : state.config.network->port_forwards) {
            spec.published_ports.push_back({f.protocol, f.host, f.host_port, 0});
        }
    }
    return spec;
}

bool has_services(const hvsup::hvsock::ListenerSpec& spec)
{
    return !spec.vsock_listeners.empty() || !spec.published_ports.empty() || !spec.serial_pipe.empty();
}

}  // namespace hvsock_listener
