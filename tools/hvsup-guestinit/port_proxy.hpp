// SPDX-License-Identifier: MIT
// Published ports, guest side (microagent-protocol.md §10 "Port forwards"): the host connects
// to this VM's vsock hostPort; each connection is proxied to TCP 127.0.0.1:guestPort. The
// listeners are bound by the caller (so a failure is known before the workload starts); the
// serving runs in one forked process with one more per connection, in their own process group,
// so neither the workload's timeout nor its exit touches them and ending them is one kill.
#pragma once

#include "run_config.hpp"
#include "vsock.hpp"

#include <string>
#include <sys/types.h>
#include <vector>

namespace hvsup::guestinit {

class PortProxy {
public:
    // Binds every tcp forward (others are skipped with a console message) and starts serving.
    // Throws std::runtime_error ("listen vsock port 18080 for guest port 8080: ...") after
    // withdrawing what it bound.
    PortProxy(VsockTransport& transport, const std::vector<HostForward>& forwards);
    ~PortProxy();
    PortProxy(const PortProxy&) = delete;
    PortProxy& operator=(const PortProxy&) = delete;

    // Ends the serving process group and withdraws the listeners. Idempotent.
    void stop() noexcept;

private:
    VsockTransport& transport_;
    std::vector<uint32_t> published_;
    pid_t server_ = -1;
};

// Copies both ways between two connected sockets until both directions ended, propagating
// half-close (shutdown(SHUT_WR)); at most 64 KiB in flight per direction. Exposed for tests.
void splice_sockets(int a, int b) noexcept;

}  // namespace hvsup::guestinit
