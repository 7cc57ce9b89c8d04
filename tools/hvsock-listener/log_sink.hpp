// SPDX-License-Identifier: MIT
// Where hvsock-listener's diagnostics go: stderr until open_log_file(), then the runtime's
// hvsock-listener.log through a capped, rotating log (docs/security.md, "Resource bounds"),
// with bursts of identical lines collapsed. Thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string_view>

namespace hvsock_listener {

// The helper log's cap: $HVSUP_HELPER_LOG_MAX_BYTES, default 1 MiB.
inline constexpr uint64_t default_helper_log_max_bytes = 1u << 20;

// Throws hvsup::Error naming the file (or the variable) when the log cannot be opened.
void open_log_file(const std::filesystem::path& file);

// Writes "<RFC 3339 time> <message>\n".
void log_line(std::string_view message);

}  // namespace hvsock_listener
