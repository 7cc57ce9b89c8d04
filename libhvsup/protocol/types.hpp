// SPDX-License-Identifier: MIT
// The supervisor protocol's data model (docs/protocol.md: requests, responses, state files).
// Field names follow the JSON keys; docs/protocol.md says which era each choice follows.
#pragma once

#include "core/time.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hvsup::protocol {

inline constexpr const char* backend_name = "windows-hyperv";

struct Identity {
    std::string request_id;  // requestID
    std::string runtime_id;  // runtimeID
    std::string role;
    std::string backend;
    std::string home_hash;   // homeHash, omitted when empty
};

struct Disk {
    std::string name;
    std::string path;
    std::string mountpoint;
    std::string mode;  // "ro" | "rw"
};

struct VsockListener {
    uint32_t port = 0;
    std::string target;
};

struct Mediation {
    bool enabled = false;
    bool required = false;
    uint32_t port = 0;
    std::string target;
    bool fail_closed = false;

    bool configured() const { return enabled || required || port != 0 || !target.empty() || fail_closed; }
};

struct PortForward {
    std::string protocol;  // empty means tcp
    std::string host;      // empty means 127.0.0.1
    uint16_t host_port = 0;
    uint16_t guest_port = 0;
};

struct NetworkConfig {
    std::string mode;
    std::string interface_name;  // "interface"
    std::vector<PortForward> port_forwards;
    std::vector<std::string> dns;
    std::vector<std::string> routes;
    std::string ip;
    std::string subnet;
    std::string gateway;
};

struct Config {
    std::string kernel_path;
    std::string rootfs_path;
    std::string state_dir;
    int64_t memory_mib = 0;
    int64_t cpu_count = 0;
    std::vector<Disk> disks;
    std::vector<VsockListener> vsock_listeners;
    std::optional<Mediation> mediation;
    std::optional<NetworkConfig> network;
    uint16_t shell_port = 0;
    uint16_t exec_port = 0;         // E3, carried through untouched
    uint16_t guest_shell_port = 0;  // E3, carried through untouched
    uint16_t guest_exec_port = 0;   // E3, carried through untouched
    bool serial_input = false;
    int64_t timeout_seconds = 0;
};

struct Request {
    std::string command;
    std::optional<Identity> identity;
    std::optional<Config> config;
};

namespace state {
inline constexpr const char* unknown = "unknown";
inline constexpr const char* prepared = "prepared";
inline constexpr const char* starting = "starting";
inline constexpr const char* running = "running";
inline constexpr const char* stopping = "stopping";
inline constexpr const char* stopped = "stopped";
inline constexpr const char* halted = "halted";
inline constexpr const char* quarantined = "quarantined";
inline constexpr const char* failed = "failed";
}  // namespace state

struct Event {
    Identity identity;
    std::string state;
    std::string detail;
    Timestamp observed_at{};
};

struct ReadinessSignal {
    bool ready = false;
    std::optional<Timestamp> observed_at;
    std::string detail;
    std::string error;
};

struct RuntimeReadiness {
    ReadinessSignal guest_ready;
    ReadinessSignal shell_ready;
    ReadinessSignal result_ready;
    ReadinessSignal mediation_ready;
};

struct RuntimeResult {
    Identity identity;
    std::string backend;
    std::string result_path;
    std::optional<Timestamp> started_at;
    std::optional<Timestamp> completed_at;
    int64_t exit_code = 0;
    std::string stdout_text;
    std::string stderr_text;
    std::string error;
};

struct HostSupport {
    std::string backend;
    std::string architecture;
    bool framework_available = false;
    bool virtualization_supported = false;
    std::string supervisor_path;
    bool supervisor_available = false;
    std::string guest_init_path;
    bool guest_init_available = false;
    std::string binary_path;
    std::string binary_version;
    bool vsock_available = false;
    bool console_available = false;
    std::string console_mode;
    bool user_networking_available = false;
    std::string hcs_api;  // hvsup extension: "computecore.dll" or "vmcompute.dll" when loaded
};

struct KernelSupport {
    std::string backend;
    std::string architecture;
    std::string path;
    std::string status;
    std::string sha256;
    std::string error;
};

struct Response {
    bool ok = false;
    std::string backend;
    std::optional<Event> event;
    std::optional<HostSupport> host;
    std::optional<KernelSupport> kernel;
    std::optional<RuntimeReadiness> readiness;
    std::optional<RuntimeResult> result;
    std::string error;
};

// Go's GOARCH name of the machine hvsup was built for ("amd64", "arm64", ...).
const char* host_architecture();

}  // namespace hvsup::protocol
