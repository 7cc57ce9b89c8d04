// SPDX-License-Identifier: MIT
// /etc/microagent/run.json, the workload the image was built to run (microagent-protocol.md
// §10; the keys hvsup-guestinit reads are listed in docs/guest.md "run.json"). Pure: decodes
// text, touches nothing.
#pragma once

#include "kernel_cmdline.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hvsup::guestinit {

// The vsock port the result goes to when run.json does not say (DefaultResultPort, §7.9).
inline constexpr uint16_t default_result_port = 1024;

// A published port seen from the guest: the host connects to vsock hostPort, the guest proxies
// each connection to TCP 127.0.0.1:guestPort (microagent-protocol.md §10 "Port forwards").
struct HostForward {
    std::string protocol;  // "tcp" ("" means tcp); others are skipped by the init
    uint16_t host_port = 0;
    uint16_t guest_port = 0;
};

struct RunConfig {
    std::vector<std::string> argv;  // "command" (or "argv"): non-empty, argv[0] non-empty
    std::vector<std::string> env;   // "env": "KEY=VALUE" entries, added to the base environment
    std::string working_dir;        // "workingDir" (or "cwd"); empty = "/"
    std::string user;               // "user": a name from /etc/passwd, "UID" or "UID:GID"
    std::optional<uint32_t> uid;    // "uid" and "gid": numeric ids; they override "user"
    std::optional<uint32_t> gid;
    std::chrono::milliseconds timeout{0};        // "timeoutSeconds" (or "timeout"); 0 = none
    uint16_t result_port = default_result_port;  // "port"; 0 = no result delivery
    std::string mode;                            // "", "service" or "managed-service"
    std::vector<DataDisk> mounts;                // "mounts": [{device, mountpoint, mode}]
    std::string hostname;                        // "hostname"
    std::vector<HostForward> host_forwards;      // "hostForwards"
};

// Decodes run.json. Unknown keys are ignored (the host's builder writes more than the init
// uses); a known key of the wrong type or value throws ConfigError naming "run.json <key>".
RunConfig parse_run_config(std::string_view json_text);

// The result port run.json names, read leniently: used when the full decode failed, so the
// failure can still be delivered. The default port when it cannot be read.
uint16_t salvage_result_port(std::string_view json_text) noexcept;

}  // namespace hvsup::guestinit
