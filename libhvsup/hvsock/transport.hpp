// SPDX-License-Identifier: MIT
// The Hyper-V socket transport every bridge is written against: listen for, and connect to,
// (VM id, service id) addresses. Two implementations:
//  - AF_HYPERV sockets on Windows (transport_hyperv_win.cpp), the product;
//  - the loopback emulation (transport_emulation.cpp) that tests and the simulator's guest use
//    on Linux and under Wine; its contract is in docs/hvsock.md.
// Both yield the same stream type, so a bridge never knows which one it talks through.
#pragma once

#include "hvsock/address.hpp"
#include "hvsock/emulation_environment.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/generic/stream_protocol.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

namespace hvsup::hvsock {

// A connected byte stream: an AF_HYPERV socket, or a TCP socket (emulation, host side of a
// bridge). Half-close is shutdown(shutdown_send).
using Stream = boost::asio::generic::stream_protocol::socket;

// A listening Hyper-V socket.
class Acceptor {
public:
    virtual ~Acceptor() = default;
    // The next connection. Throws boost::system::system_error (operation_aborted after close()).
    virtual boost::asio::awaitable<Stream> accept() = 0;
    // Stops listening: a pending accept() fails and later connections are refused. Idempotent.
    // Call on the thread that runs the acceptor's executor.
    virtual void close() noexcept = 0;
};

class Transport {
public:
    virtual ~Transport() = default;
    // "emulation" or "AF_HYPERV", for diagnostics.
    virtual std::string name() const = 0;
    // Listens on `address` for connections from the peer (for the host: from the VM).
    // Throws Error (ErrorCode::io / unsupported) with the system's reason.
    virtual std::unique_ptr<Acceptor> listen(const boost::asio::any_io_executor& executor, const Address& address) = 0;
    // Connects to a service the peer listens on; runs on the calling coroutine's executor.
    // Throws boost::system::system_error: connection_refused when nothing listens, timed_out
    // after `timeout`.
    virtual boost::asio::awaitable<Stream> connect(const Address& address, std::chrono::milliseconds timeout) = 0;
};

// Which end of the emulated VM boundary a transport stands on.
enum class Side {
    host,   // listens under <dir>/<vm>/host/, connects through <dir>/<vm>/guest/
    guest,  // the simulator's guest: the mirror image
};

// The loopback emulation rooted at `dir` (portable: plain TCP on 127.0.0.1 and port files).
std::shared_ptr<Transport> make_emulation_transport(std::filesystem::path dir, Side side = Side::host);

// The host's AF_HYPERV transport. On hosts without it (every non-Windows build, or Windows
// without Hyper-V sockets) throws ErrorCode::unsupported; never crashes.
std::shared_ptr<Transport> make_platform_transport();

// The transport a provider choice names: the emulation rooted at `emulation_dir` when it is
// not empty, else make_platform_transport(). The caller decides; nothing here reads the
// environment (emulation_environment.hpp is for the edges).
std::shared_ptr<Transport> select_transport(const std::filesystem::path& emulation_dir);

}  // namespace hvsup::hvsock
