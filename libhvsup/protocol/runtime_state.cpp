// SPDX-License-Identifier: MIT
#include "protocol/runtime_state.hpp"

#include "core/error.hpp"
#include "protocol/codec.hpp"

#include <fmt/format.h>

#include <limits>

namespace hvsup::protocol {

json::value encode(const RuntimeState& s)
{
    json::object o;
    o["event"] = encode(s.event, TimePrecision::seconds);
    o["config"] = encode(s.config);
    auto put = [&](std::string_view key, const std::string& v) {
        if (!v.empty()) o[key] = v;
    };
    put("computeSystemID", s.compute_system_id);
    put("computeSystemRuntimeID", s.compute_system_runtime_id);
    put("networkID", s.network_id);
    put("networkEndpointID", s.network_endpoint_id);
    if (s.vsock_listener_pid != 0) o["vsockListenerPid"] = s.vsock_listener_pid;
    if (s.vsock_listener_pid != 0 && s.vsock_listener_start_time != 0) {
        o["vsockListenerStartTime"] = s.vsock_listener_start_time;
    }
    o["serialLogPath"] = s.serial_log_path;
    put("serialInputPath", s.serial_input_path);
    if (s.started_at) o["startedAt"] = format_rfc3339(*s.started_at);
    o["updatedAt"] = format_rfc3339(s.updated_at);
    o["readiness"] = encode(s.readiness);
    put("error", s.error);
    return o;
}

RuntimeState decode_runtime_state(const json::object& o)
{
    RuntimeState s;
    if (const json::object* e = json::read_object(o, "event", "event")) s.event = decode_event(*e, "event");
    if (const json::object* c = json::read_object(o, "config", "config")) s.config = decode_config(*c, "config");
    s.compute_system_id = json::read_string(o, "computeSystemID", "computeSystemID");
    s.compute_system_runtime_id = json::read_string(o, "computeSystemRuntimeID", "computeSystemRuntimeID");
    s.network_id = json::read_string(o, "networkID", "networkID");
    s.network_endpoint_id = json::read_string(o, "networkEndpointID", "networkEndpointID");
    s.vsock_listener_pid = json::read_int(o, "vsockListenerPid", "vsockListenerPid", std::numeric_limits<int64_t>::min(),
                                          std::numeric_limits<int64_t>::max());
    s.vsock_listener_start_time =
        json::read_int(o, "vsockListenerStartTime", "vsockListenerStartTime", 0, std::numeric_limits<int64_t>::max());
    s.serial_log_path = json::read_string(o, "serialLogPath", "serialLogPath");
    s.serial_input_path = json::read_string(o, "serialInputPath", "serialInputPath");
    auto time_field = [&](std::string_view key) -> std::optional<Timestamp> {
        std::string text = json::read_string(o, key, key);
        if (text.empty()) return std::nullopt;
        auto t = parse_rfc3339(text);
        if (!t) throw Error(ErrorCode::invalid_argument, fmt::format("{}: not an RFC 3339 timestamp", key));
        return t;
    };
    s.started_at = time_field("startedAt");
    if (auto t = time_field("updatedAt")) s.updated_at = *t;
    if (const json::object* r = json::read_object(o, "readiness", "readiness")) s.readiness = decode_readiness(*r, "readiness");
    s.error = json::read_string(o, "error", "error");
    return s;
}

}  // namespace hvsup::protocol
