// SPDX-License-Identifier: MIT
// The §10 boot sequence (microagent-protocol.md; docs/guest.md "What it does"), from reading
// the configuration to handing the result to the host.
#pragma once

#include <string>

namespace hvsup::guestinit {

struct BootOptions {
    // PID 1 of a guest: mounts, hostname, loopback, power-off. False in the test mode.
    bool as_init = true;
    std::string root = "/";  // run.json and /etc/passwd are read under it
    std::string cmdline_file = "/proc/cmdline";
    // The transport, given explicitly (command-line options); else the kernel command line's
    // microagent_vsock_emulation_dir/microagent_vm_id; else AF_VSOCK.
    std::string emulation_dir;
    std::string vm_id;
    std::string emulation_netns;  // with emulation_dir: the network namespace of its sockets
};

// Runs everything; returns true when the workload ran and its result (if one is wanted) was
// delivered. Never throws.
bool boot(const BootOptions& options) noexcept;

}  // namespace hvsup::guestinit
