// SPDX-License-Identifier: MIT
// Serial console capture: hvsup is the server of the COM1 named pipe \\.\pipe\<name> the
// compute system connects to, and appends everything the guest writes to serial.log until the
// guest closes the pipe (then it waits for the next connection, e.g. after a guest reboot).
// Windows: a real named pipe limited to SYSTEM, Administrators and the current user
// (serial_capture_win.cpp). POSIX: the emulation contract's pipe files (serial_capture_posix.cpp).
#pragma once

#include "core/log.hpp"
#include "core/rotating_log.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace hvsup::hvsock {

class SerialCapture {
public:
    virtual ~SerialCapture() = default;
    // Stops serving the pipe and closes a connected client. Idempotent. Call on the thread
    // that runs the executor the capture was started on.
    virtual void close() noexcept = 0;
};

// "microagent-x-serial" for both "\\.\pipe\microagent-x-serial" and "microagent-x-serial".
// ErrorCode::invalid_argument when the name is empty or contains a path separator.
std::string serial_pipe_basename(std::string_view pipe_name);

// The DACL of the COM1 pipe server (Windows): protected (no inherited entries), full access for
// SYSTEM, Administrators and the supervisor's own user `user_sid` ("S-1-5-21-..."), nobody else.
std::string serial_pipe_sddl(std::string_view user_sid);

// serial.log's cap: $HVSUP_SERIAL_LOG_MAX_BYTES, default 8 MiB (docs/security.md, "Resource
// bounds"). Throws ErrorCode::invalid_argument naming the variable for a bad value.
inline constexpr uint64_t default_serial_log_max_bytes = 8u << 20;
uint64_t serial_log_max_bytes();

// Creates the pipe server before returning (so the compute system can be created after it)
// and serves it on `executor`. `log_file` is created (0600) when missing and only appended to.
// `emulation_dir`: where the POSIX emulation publishes the pipe (ignored on Windows; the
// caller chooses it, see emulation_environment.hpp). Throws Error reading
// `create windows-hyperv serial pipe <name>: <why>`.
std::unique_ptr<SerialCapture> start_serial_capture(const boost::asio::any_io_executor& executor,
                                                    const std::string& pipe_name,
                                                    const std::filesystem::path& log_file,
                                                    const std::filesystem::path& emulation_dir, Logger logger);

// The portable emulated pipe server (loopback TCP + <dir>/pipes/<name>.port); used by the
// POSIX build and available to Windows tests.
std::unique_ptr<SerialCapture> start_emulated_serial_capture(const boost::asio::any_io_executor& executor,
                                                             const std::string& pipe_name,
                                                             const std::filesystem::path& log_file,
                                                             const std::filesystem::path& dir, Logger logger);

namespace detail {

// Appends to serial.log, flushing every chunk so a reader sees the console as it arrives.
// Capped and rotated (serial.log.1) at serial_log_max_bytes() so a guest flooding COM1 cannot
// fill the state file system.
class SerialLog {
public:
    explicit SerialLog(const std::filesystem::path& file);  // throws Error naming the file
    ~SerialLog();
    SerialLog(const SerialLog&) = delete;
    SerialLog& operator=(const SerialLog&) = delete;
    // Throws Error on a write failure.
    void append(const char* data, size_t size);

private:
    std::unique_ptr<files::RotatingLog> log_;
};

}  // namespace detail
}  // namespace hvsup::hvsock
