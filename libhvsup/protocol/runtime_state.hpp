// SPDX-License-Identifier: MIT
// runtime.json: the latest lifecycle state of one runtime (docs/protocol.md, "State files").
#pragma once

#include "core/json.hpp"
#include "protocol/types.hpp"

#include <optional>
#include <string>

namespace hvsup::protocol {

struct RuntimeState {
    Event event;
    Config config;
    std::string compute_system_id;
    std::string compute_system_runtime_id;
    std::string network_id;
    std::string network_endpoint_id;
    int64_t vsock_listener_pid = 0;
    // When the helper started (process::start_time), recorded with its PID so that a PID the OS
    // reused is never mistaken for the helper; 0 when unknown (older runtime.json).
    int64_t vsock_listener_start_time = 0;
    std::string serial_log_path;
    std::string serial_input_path;
    std::optional<Timestamp> started_at;
    Timestamp updated_at{};
    RuntimeReadiness readiness;
    std::string error;
};

json::value encode(const RuntimeState& state);
RuntimeState decode_runtime_state(const json::object& obj);

}  // namespace hvsup::protocol
