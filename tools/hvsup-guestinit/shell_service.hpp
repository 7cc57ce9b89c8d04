// SPDX-License-Identifier: MIT
// The shell port (microagent_shell_port, microagent-protocol.md §10 "Shell"): the host connects
// to this VM's vsock port; each connection gets /bin/sh with the connection as its stdin,
// stdout and stderr (no terminal: the host speaks plain text to it). The listener is bound by
// the caller, so a failure is known before the workload starts. The serving runs in one forked
// process, the shells are its children in its process group: it reaps them as they end, and
// stop() ends the lot with one kill, apart from the workload's process group.
#pragma once

#include "vsock.hpp"

#include <cstdint>
#include <string>
#include <sys/types.h>
#include <vector>

namespace hvsup::guestinit {

class ShellService {
public:
    // Listens on vsock `port` and starts serving `shell` with environment `env` in directory
    // "/". Throws std::runtime_error ("listen vsock port 41584 for the shell: ...").
    ShellService(VsockTransport& transport, uint16_t port, std::string shell, std::vector<std::string> env);
    ~ShellService();
    ShellService(const ShellService&) = delete;
    ShellService& operator=(const ShellService&) = delete;

    // Ends the serving process and its shells, withdraws the listener. Idempotent.
    void stop() noexcept;

private:
    VsockTransport& transport_;
    uint16_t port_;
    pid_t server_ = -1;
};

}  // namespace hvsup::guestinit
