// SPDX-License-Identifier: MIT
// POSIX has no named pipes in the Windows sense: COM1 is always the emulation's pipe file.
#include "hvsock/serial_capture.hpp"
#include "hvsock/transport.hpp"

namespace hvsup::hvsock {

std::unique_ptr<SerialCapture> start_serial_capture(const boost::asio::any_io_executor& executor,
                                                    const std::string& pipe_name,
                                                    const std::filesystem::path& log_file,
                                                    const std::filesystem::path& dir, Logger logger)
{
    return start_emulated_serial_capture(executor, pipe_name, log_file, dir, std::move(logger));
}

}  // namespace hvsup::hvsock
