// SPDX-License-Identifier: MIT
// host:port text as Go's net package reads and writes it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hvsup::hvsock::detail {

struct HostPort {
    std::string host;  // without brackets
    uint16_t port = 0;
};

// net.SplitHostPort plus a uint16 port; nullopt when malformed. The host may be empty.
std::optional<HostPort> split_host_port(std::string_view text);
// net.JoinHostPort: brackets around IPv6 literals.
std::string join_host_port(std::string_view host, uint16_t port);
// A vsock listener's TCP target: split_host_port with a non-empty host free of '/' and '\\'.
std::optional<HostPort> parse_tcp_target(std::string_view target);

}  // namespace hvsup::hvsock::detail
