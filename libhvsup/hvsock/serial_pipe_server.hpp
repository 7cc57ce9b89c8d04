// SPDX-License-Identifier: MIT
// What the two COM1 pipe servers (serial_capture_emulation.cpp over loopback TCP,
// serial_capture_win.cpp over a named pipe) do alike once a guest is connected.
#pragma once

#include "hvsock/serial_capture.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstddef>
#include <exception>
#include <memory>
#include <string>

namespace hvsup::hvsock::detail {

// Appends what the guest writes on one connection to `serial_log` until it closes COM1 (EOF,
// ERROR_BROKEN_PIPE) or the read fails. A write that fails is logged and the copy goes on.
template <typename Stream>
boost::asio::awaitable<void> copy_guest_output(Stream& stream, SerialLog& serial_log, const Logger& logger,
                                               const std::string& name)
{
    constexpr std::size_t chunk_size = 16384;
    std::unique_ptr<char[]> buffer(new char[chunk_size]);
    for (;;) {
        auto [read_error, n] = co_await stream.async_read_some(boost::asio::buffer(buffer.get(), chunk_size),
                                                               boost::asio::as_tuple(boost::asio::use_awaitable));
        if (n > 0) {
            try {
                serial_log.append(buffer.get(), n);
            } catch (const std::exception& e) {
                logger.log(LogLevel::error, "copy windows-hyperv serial pipe {}: {}", name, e.what());
            }
        }
        if (read_error) co_return;
    }
}

// Runs a pipe server's `serve` loop on `executor`; an exception that ends it is logged, since
// nobody waits for it.
void spawn_serial_pipe_server(const boost::asio::any_io_executor& executor, boost::asio::awaitable<void> serve,
                              Logger logger, std::string name);

}  // namespace hvsup::hvsock::detail
