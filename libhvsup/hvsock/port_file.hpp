// SPDX-License-Identifier: MIT
// The port files of the emulation contract: "<decimal port>\n", replaced atomically.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

namespace hvsup::hvsock::detail {

// Creates the parent directories (private) and atomically writes `port`.
void write_port_file(const std::filesystem::path& file, uint16_t port);
// The port recorded in `file`; nullopt when the file is missing or does not hold a port.
std::optional<uint16_t> read_port_file(const std::filesystem::path& file);
// Removes `file` if it still records `port` (a newer listener may have replaced it). Never throws.
void remove_port_file(const std::filesystem::path& file, uint16_t port) noexcept;

}  // namespace hvsup::hvsock::detail
