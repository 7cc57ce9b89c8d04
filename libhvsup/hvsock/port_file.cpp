// SPDX-License-Identifier: MIT
#include "hvsock/port_file.hpp"

#include "core/files.hpp"

#include <charconv>
#include <string>
#include <system_error>

namespace hvsup::hvsock::detail {

void write_port_file(const std::filesystem::path& file, uint16_t port)
{
    files::ensure_private_dir(file.parent_path());
    files::write_atomic(file, std::to_string(port) + "\n");
}

std::optional<uint16_t> read_port_file(const std::filesystem::path& file)
{
    std::optional<std::string> text;
    try {
        text = files::read_if_exists(file, 64);
    } catch (const std::exception&) {
        return std::nullopt;
    }
    if (!text) return std::nullopt;
    std::string_view digits(*text);
    while (!digits.empty() && (digits.back() == '\n' || digits.back() == '\r' || digits.back() == ' ')) {
        digits.remove_suffix(1);
    }
    unsigned value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc() || end != digits.data() + digits.size() || value == 0 || value > 65535) return std::nullopt;
    return static_cast<uint16_t>(value);
}

void remove_port_file(const std::filesystem::path& file, uint16_t port) noexcept
{
    if (read_port_file(file) != port) return;
    std::error_code ec;
    std::filesystem::remove(file, ec);
}

}  // namespace hvsup::hvsock::detail
