// SPDX-License-Identifier: MIT
#include "protocol/validate.hpp"

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/host_path.hpp"
#include "core/json.hpp"
#include "core/result_target.hpp"
#include "core/text.hpp"

#include <fmt/format.h>

#include <set>
#include <tuple>

namespace hvsup::protocol {
namespace {

[[noreturn]] void fail(std::string message) { throw Error(ErrorCode::invalid_argument, std::move(message)); }

// Request fields are trimmed of ASCII white space as Go's strings.TrimSpace does (vertical tab and
// form feed included).
std::string_view trim(std::string_view s)
{
    return hvsup::trim(s, " \t\n\r\v\f");
}

bool blank(std::string_view s) { return trim(s).empty(); }

void validate_disks(const std::vector<Disk>& disks)
{
    std::set<std::string> names;
    std::set<std::string> mountpoints;
    for (const Disk& d : disks) {
        const std::string name(trim(d.name));
        if (name.empty()) fail("disk name is required");
        if (name == "rootfs") fail("disk name rootfs is reserved");
        if (!names.insert(name).second) fail(fmt::format("duplicate disk name {}", json::quote(name)));
        if (blank(d.path)) fail(fmt::format("disk {} path is required", json::quote(name)));
        if (!core::is_absolute_host_path(trim(d.path))) fail(fmt::format("disk {} path must be absolute", json::quote(name)));
        const std::string mountpoint(trim(d.mountpoint));
        if (mountpoint.empty()) fail(fmt::format("disk {} mountpoint is required", json::quote(name)));
        if (mountpoint.front() != '/') fail(fmt::format("disk {} mountpoint must be absolute", json::quote(name)));
        if (!mountpoints.insert(mountpoint).second) {
            fail(fmt::format("duplicate disk mountpoint {}", json::quote(mountpoint)));
        }
        if (d.mode != "ro" && d.mode != "rw") fail(fmt::format("disk {} mode must be ro or rw", json::quote(name)));
    }
}

void validate_vsock_listeners(const std::vector<VsockListener>& listeners)
{
    std::set<uint32_t> ports;
    for (const VsockListener& l : listeners) {
        if (l.port == 0) fail("vsock listener port must be positive");
        if (!ports.insert(l.port).second) fail(fmt::format("duplicate vsock listener port {}", l.port));
        if (blank(l.target)) fail(fmt::format("vsock listener {} target is required", l.port));
    }
}

}  // namespace

Command parse_command(std::string_view name)
{
    if (blank(name)) fail("command is required");
    if (const std::optional<Command> command = find_command(name)) return *command;
    fail(fmt::format("unknown command {}", json::quote(name)));
}

void normalize_config(Config& config)
{
    if (config.memory_mib == 0) config.memory_mib = default_memory_mib;
    if (config.cpu_count == 0) config.cpu_count = default_cpu_count;
}

std::string effective_network_mode(const std::optional<NetworkConfig>& network)
{
    if (!network) return "user";
    // Trimmed but case-sensitive, as the reference compares it: "NAT" is not a mode.
    std::string mode(trim(network->mode));
    return mode.empty() ? "user" : mode;
}

void validate_identity(const std::optional<Identity>& identity)
{
    if (!identity) fail("identity is required");
    if (blank(identity->request_id)) fail("identity.requestID is required");
    if (blank(identity->runtime_id)) fail("identity.runtimeID is required");
    if (!files::is_safe_basename(identity->runtime_id)) {
        fail(fmt::format("identity.runtimeID must be a safe basename: {}", json::escape_control(identity->runtime_id)));
    }
    if (identity->role != "workload" && identity->role != "enforcer") {
        fail("identity.role must be \"workload\" or \"enforcer\"");
    }
    if (blank(identity->backend)) fail("identity.backend is required");
}

void validate_network(const NetworkConfig& network)
{
    const std::string mode = effective_network_mode(network);
    if (mode != "user" && mode != "nat" && mode != "isolated" && mode != "bridged") {
        fail("network.mode must be user, nat, isolated, or bridged");
    }
    if (mode == "isolated" && !network.port_forwards.empty()) {
        fail("network.portForwards require user, nat, or bridged mode");
    }
    std::set<std::tuple<std::string, std::string, uint16_t>> seen;
    for (size_t i = 0; i < network.port_forwards.size(); ++i) {
        const PortForward& f = network.port_forwards[i];
        std::string protocol(trim(f.protocol));
        if (protocol.empty()) protocol = "tcp";
        if (protocol != "tcp") fail(fmt::format("network port forward {} protocol must be tcp", i));
        if (f.host_port == 0) fail(fmt::format("network port forward {} hostPort must be positive", i));
        if (f.guest_port == 0) fail(fmt::format("network port forward {} guestPort must be positive", i));
        // An empty host binds 127.0.0.1, so the two spellings collide.
        std::string host(trim(f.host));
        if (host.empty()) host = "127.0.0.1";
        if (!seen.emplace(protocol, host, f.host_port).second) {
            fail(fmt::format("duplicate network host port {}", f.host_port));
        }
    }
}

void validate_mediation(const Mediation& m)
{
    if (!m.configured()) return;
    if (!m.enabled) fail("mediation.enabled must be true when mediation is configured");
    if (m.port == 0) fail("mediation.port must be positive");
    if (blank(m.target)) fail("mediation.target is required");
    if (m.required && !m.fail_closed) fail("required mediation must fail closed");
}

void validate_config(const std::optional<Config>& config)
{
    if (!config) fail("config is required");
    if (blank(config->kernel_path)) fail("config.kernelPath is required");
    if (blank(config->rootfs_path)) fail("config.rootfsPath is required");
    if (blank(config->state_dir)) fail("config.stateDir is required");
    // HCS opens these in its own process: a relative path would resolve against its directory.
    if (!core::is_absolute_host_path(trim(config->kernel_path))) fail("config.kernelPath must be an absolute path");
    if (!core::is_absolute_host_path(trim(config->rootfs_path))) fail("config.rootfsPath must be an absolute path");
    if (config->memory_mib <= 0) fail("config.memoryMiB must be positive");
    if (config->cpu_count <= 0) fail("config.cpuCount must be positive");
    // Upper bounds the reference does not have: past them the values would wrap when turned
    // into bytes, a 32-bit processor count or a deadline.
    if (config->memory_mib > max_memory_mib) fail(fmt::format("config.memoryMiB must be at most {}", max_memory_mib));
    if (config->cpu_count > max_cpu_count) fail(fmt::format("config.cpuCount must be at most {}", max_cpu_count));
    if (config->timeout_seconds < 0) fail("config.timeoutSeconds must not be negative");
    if (config->timeout_seconds > max_timeout_seconds) {
        fail(fmt::format("config.timeoutSeconds must be at most {}", max_timeout_seconds));
    }
    validate_disks(config->disks);
    validate_vsock_listeners(config->vsock_listeners);
    if (config->network) validate_network(*config->network);
    if (config->mediation) validate_mediation(*config->mediation);
}

bool is_tcp_target(std::string_view target)
{
    std::string_view host;
    std::string_view port;
    if (!target.empty() && target.front() == '[') {
        size_t close = target.find(']');
        if (close == std::string_view::npos || close + 1 >= target.size() || target[close + 1] != ':') return false;
        host = target.substr(1, close - 1);
        port = target.substr(close + 2);
    } else {
        size_t colon = target.rfind(':');
        if (colon == std::string_view::npos) return false;
        host = target.substr(0, colon);
        port = target.substr(colon + 1);
        if (host.find(':') != std::string_view::npos) return false;  // "too many colons", as Go says
    }
    if (host.empty() || host.find_first_of("/\\") != std::string_view::npos) return false;
    if (port.empty() || port.size() > 5) return false;
    unsigned value = 0;
    for (char c : port) {
        if (c < '0' || c > '9') return false;
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    return value <= 65535;
}

bool is_result_target(const Config& config, std::string_view runtime_id, std::string_view target)
{
    if (config.state_dir.empty()) return false;
    return core::is_result_target(target, config.state_dir + "/" + std::string(runtime_id) + "/result.json");
}

bool has_result_listener(const Config& config, std::string_view runtime_id)
{
    for (const VsockListener& l : config.vsock_listeners) {
        if (is_result_target(config, runtime_id, l.target)) return true;
    }
    return false;
}

void validate_listener_targets(const Config& config, std::string_view runtime_id)
{
    for (const VsockListener& l : config.vsock_listeners) {
        if (is_result_target(config, runtime_id, l.target) || is_tcp_target(l.target)) continue;
        throw Error(ErrorCode::invalid_argument,
                    fmt::format("windows-hyperv vsock listener {} target must be host:port or the workspace result path", l.port));
    }
}

Command validate_request(Request& request)
{
    const Command command = parse_command(request.command);
    validate_request(request, command);
    return command;
}

void validate_request(Request& request, Command command)
{
    const CommandClass cls = command_info(command).cls;
    if (cls == CommandClass::host) return;
    validate_identity(request.identity);
    if (cls == CommandClass::full_config) {
        if (request.config) normalize_config(*request.config);
        validate_config(request.config);
    } else {
        if (!request.config || blank(request.config->state_dir)) fail("config.stateDir is required");
    }
}

}  // namespace hvsup::protocol
