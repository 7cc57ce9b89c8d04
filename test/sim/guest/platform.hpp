// SPDX-License-Identifier: MIT
// What differs between the emulated guest on POSIX and on Windows (platform_posix.cpp,
// platform_win.cpp): how a shutdown request arrives and what the COM1 pipe is.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

namespace hvsup::sim::guest {

// Sets `requested` when the host asks the guest to shut down: SIGTERM on POSIX; on Windows
// (no signals) the record's StopRequest "shutdown", polled.
void watch_shutdown(const std::filesystem::path& sim_dir, const std::string& id, std::atomic<bool>& requested);

// The guest's end of COM1.
class SerialPort {
public:
    virtual ~SerialPort() = default;
    virtual bool write(const std::string& text) = 0;
};

// Connects to the COM1 pipe \\.\pipe\<name>, retrying until `limit`: on Windows the real named
// pipe (the host's serial capture is its server); on POSIX the emulation's
// <emulation>/pipes/<name>.port. nullptr when it is not served in time.
std::unique_ptr<SerialPort> open_serial(const std::string& name, const std::filesystem::path& emulation,
                                        std::chrono::milliseconds limit);

}  // namespace hvsup::sim::guest
