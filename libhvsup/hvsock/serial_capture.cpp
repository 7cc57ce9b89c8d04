// SPDX-License-Identifier: MIT
#include "hvsock/serial_capture.hpp"
#include "hvsock/serial_pipe_server.hpp"

#include "core/error.hpp"
#include "core/files.hpp"

#include <boost/asio/co_spawn.hpp>

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

void spawn_serial_pipe_server(const boost::asio::any_io_executor& executor, boost::asio::awaitable<void> serve,
                              Logger logger, std::string name)
{
    boost::asio::co_spawn(
        executor, std::move(serve), [logger = std::move(logger), name = std::move(name)](std::exception_ptr e) {
            if (!e) return;
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& err) {
                logger.log(LogLevel::error, "serve windows-hyperv serial pipe {}: {}", name, err.what());
            }
        });
}

}  // namespace detail
}  // namespace hvsup::hvsock
