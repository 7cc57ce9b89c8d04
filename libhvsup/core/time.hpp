// SPDX-License-Identifier: MIT
// RFC 3339 timestamps as the protocol writes them: state files use whole seconds
// (Go time.RFC3339), responses use trimmed nanoseconds (Go time.RFC3339Nano). Always UTC.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace hvsup {

using Timestamp = std::chrono::time_point<std::chrono::system_clock, std::chrono::nanoseconds>;

Timestamp now();

// "2026-05-02T00:00:01Z"
std::string format_rfc3339(Timestamp t);
// "2026-05-02T00:00:01.1Z": fraction with trailing zeros removed, none when zero.
std::string format_rfc3339_nano(Timestamp t);

// Parses RFC 3339 with optional fraction and a "Z" or "+hh:mm"/"-hh:mm" offset.
std::optional<Timestamp> parse_rfc3339(std::string_view text);

}  // namespace hvsup
