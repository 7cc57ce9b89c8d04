// SPDX-License-Identifier: MIT
// How the guest reaches the host's vsock services: one small interface, two transports.
// AF_VSOCK is the real guest's (CID 2 is the host; on Hyper-V, vsock port P is the host's
// hvsock service VsockServiceID(P)); the emulation is the host side's loopback contract
// (docs/hvsock.md "Emulation transport") seen from the guest. The caller picks one explicitly.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <sys/socket.h>

namespace hvsup::guestinit {

class VsockTransport {
public:
    virtual ~VsockTransport() = default;
    // A connected stream socket (close-on-exec) to the host's service on `port`, or -1 with
    // `why` set ("connection refused", "no port file ...").
    virtual int connect_host(uint32_t port, std::string& why) = 0;
    // A listening stream socket (close-on-exec) the host can connect to as this VM's vsock
    // `port`, or -1 with `why` set. The emulation publishes its port file before returning.
    virtual int listen_guest(uint32_t port, std::string& why) = 0;
    // Withdraws what listen_guest published (the emulation's port file). Never throws.
    virtual void unpublish(uint32_t port) noexcept = 0;
    // For messages: "AF_VSOCK" or "emulation DIR (VM GUID)".
    virtual std::string describe() const = 0;
};

std::unique_ptr<VsockTransport> make_af_vsock_transport();

// Reads DIR/<vm>/host/<service id of port>.port and connects to 127.0.0.1:<port>. Throws
// ConfigError when `vm_id` is not a GUID or `dir` is empty.
//
// `netns` (optional) names a network namespace file (/proc/PID/ns/net or a bind mount of one):
// the transport's sockets are made there, so a guest in a network namespace of its own still
// reaches the host side's loopback. AF_VSOCK belongs to no network namespace, and the emulation
// keeps that: the workload's network and the host channel stay apart. Throws ConfigError when
// the file cannot be opened or is not a network namespace.
std::unique_ptr<VsockTransport> make_emulation_transport(std::string dir, std::string_view vm_id,
                                                         const std::string& netns = {});

// The socket calls both transports make, on a close-on-exec stream socket of `family`
// (`label` names it in errors, e.g. "socket(AF_VSOCK)") made in the network namespace `netns`
// (an open namespace file; -1: the caller's): connected to `addr` (retried on EINTR), or bound
// to `addr`, listening, and `addr` read back (the port the kernel chose). The descriptor, or
// -1 with `why` set.
int connect_stream(int family, const char* label, const sockaddr* addr, socklen_t len, std::string& why,
                   int netns = -1);
int listen_stream(int family, const char* label, sockaddr* addr, socklen_t len, std::string& why, int netns = -1);

// "%08x-facb-11e6-bd58-64006a7986d3" (microagent-protocol.md §7.5).
std::string vsock_service_id(uint32_t port);

// Connects (retrying every `interval` until `limit`, as the reference guest does), writes
// `payload`, half-closes and waits briefly for the host to close. Returns "" on success, else
// why it failed.
std::string deliver(VsockTransport& transport, uint32_t port, std::string_view payload,
                    std::chrono::milliseconds limit = std::chrono::seconds(15),
                    std::chrono::milliseconds interval = std::chrono::milliseconds(50));

}  // namespace hvsup::guestinit
