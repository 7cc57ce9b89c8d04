// SPDX-License-Identifier: MIT
#include "hvsock/serial_capture.hpp"

#include "core/error.hpp"
#include "core/files.hpp"


#include <fmt/format.h>

namespace hvsup::hvsock {

std::string serial_pipe_basename(std::string_view pipe_name)
{
    constexpr std::string_view prefix = "\\\\.\\pipe\\";
    std::string_view name = pipe_name;
    if (name.substr(0, prefix.size()) == prefix) name.remove_prefix(prefix.size());
    if (!files::is_safe_basename(name)) {
        throw Error(ErrorCode::invalid_argument, fmt::format("invalid serial pipe name \"{}\"", pipe_name));
    }
    return std::string(name);
}

std::string serial_pipe_sddl(std::string_view user_sid)
{
    return "D:P(A;;GA;;;SY)(A;;GA;;;BA)(A;;GA;;;" + std::string(user_sid) + ")";
}

uint64_t serial_log_max_bytes()
{
    return files::byte_limit_from_env("HVSUP_SERIAL_LOG_MAX_BYTES", default_serial_log_max_bytes);
}

namespace detail {

SerialLog::SerialLog(const std::filesystem::path& file)
    : log_(std::make_unique<files::RotatingLog>(file, serial_log_max_bytes()))
{
}

SerialLog::~SerialLog() = default;

void SerialLog::append(const char* data, size_t size) { log_->append(std::string_view(data, size)); }

}  // namespace detail
}  // namespace hvsup::hvsock
