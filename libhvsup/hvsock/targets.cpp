// SPDX-License-Identifier: MIT
// Vsock listener target rules (docs/protocol.md, "Validation"; the result target: core/result_target.hpp).
#include "hvsock/listener_set.hpp"
#include "hvsock/targets.hpp"

#include "core/error.hpp"
#include "core/result_target.hpp"

#include <charconv>

#include <fmt/format.h>

namespace hvsup::hvsock {

namespace detail {

std::optional<HostPort> split_host_port(std::string_view text)
{
    // Go's net.SplitHostPort: "[v6]:port" or "host:port" with exactly one colon.
    std::string_view host;
    std::string_view port;
    if (!text.empty() && text.front() == '[') {
        size_t close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') return std::nullopt;
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
        if (host.find_first_of("[]") != std::string_view::npos) return std::nullopt;
    } else {
        size_t colon = text.rfind(':');
        if (colon == std::string_view::npos || text.find(':') != colon) return std::nullopt;
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
        if (host.find_first_of("[]") != std::string_view::npos) return std::nullopt;
    }
    if (port.find(']') != std::string_view::npos) return std::nullopt;
    // strconv.ParseUint(port, 10, 16): decimal digits only, at most 65535.
    unsigned value = 0;
    if (port.empty() || port.front() == '+' || port.front() == '-') return std::nullopt;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value > 65535) return std::nullopt;
    return HostPort{std::string(host), static_cast<uint16_t>(value)};
}

std::string join_host_port(std::string_view host, uint16_t port)
{
    if (host.find(':') != std::string_view::npos) return fmt::format("[{}]:{}", host, port);
    return fmt::format("{}:{}", host, port);
}

std::optional<HostPort> parse_tcp_target(std::string_view target)
{
    auto hp = split_host_port(target);
    if (!hp || hp->host.empty() || hp->host.find_first_of("/\\") != std::string::npos) return std::nullopt;
    return hp;
}

}  // namespace detail

void validate_targets(const ListenerSpec& spec)
{
    for (const VsockService& l : spec.vsock_listeners) {
        if (core::is_result_target(l.target, spec.result_path)) continue;
        if (detail::parse_tcp_target(l.target)) continue;
        throw Error(ErrorCode::invalid_argument,
                    fmt::format("windows-hyperv vsock listener {} target must be host:port or the workspace result path",
                                l.port));
    }
}

}  // namespace hvsup::hvsock
