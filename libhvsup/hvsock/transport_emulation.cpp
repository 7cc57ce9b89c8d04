// SPDX-License-Identifier: MIT
// The loopback emulation of Hyper-V sockets (docs/hvsock.md, "Emulation transport"):
// a listener binds 127.0.0.1:0 and publishes its port in <dir>/<vm>/<side>/<service>.port;
// a connector reads the peer side's file and connects. A missing file is "connection refused".
#include "hvsock/port_file.hpp"
#include "hvsock/timed_connect.hpp"
#include "hvsock/transport.hpp"

#include "core/error.hpp"
#include "core/files.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <fmt/format.h>

namespace hvsup::hvsock {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

const char* side_dir(Side side) { return side == Side::host ? "host" : "guest"; }
Side peer_of(Side side) { return side == Side::host ? Side::guest : Side::host; }

class EmulatedAcceptor final : public Acceptor {
public:
    EmulatedAcceptor(tcp::acceptor acceptor, std::filesystem::path port_file, uint16_t port)
        : acceptor_(std::move(acceptor)), port_file_(std::move(port_file)), port_(port)
    {
    }
    ~EmulatedAcceptor() override { close(); }

    asio::awaitable<Stream> accept() override
    {
        tcp::socket socket = co_await acceptor_.async_accept(asio::use_awaitable);
        boost::system::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        co_return Stream(std::move(socket));
    }

    void close() noexcept override
    {
        if (closed_) return;
        closed_ = true;
        // Remove the file first so a connector never reads a port that is about to vanish.
        detail::remove_port_file(port_file_, port_);
        boost::system::error_code ignored;
        acceptor_.close(ignored);
    }

private:
    tcp::acceptor acceptor_;
    std::filesystem::path port_file_;
    uint16_t port_;
    bool closed_ = false;
};

class EmulationTransport final : public Transport {
public:
    EmulationTransport(std::filesystem::path dir, Side side) : dir_(std::move(dir)), side_(side) {}

    std::string name() const override { return "emulation"; }

    std::unique_ptr<Acceptor> listen(const asio::any_io_executor& executor, const Address& address) override
    {
        tcp::acceptor acceptor(executor);
        boost::system::error_code ec;
        tcp::endpoint endpoint(asio::ip::address_v4::loopback(), 0);
        acceptor.open(endpoint.protocol(), ec);
        if (!ec) acceptor.bind(endpoint, ec);
        if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
        if (ec) {
            throw Error(ErrorCode::io, fmt::format("listen on {}: {}", to_string(address), ec.message()))
                .with_system_error(ec.value());
        }
        const uint16_t port = acceptor.local_endpoint().port();
        std::filesystem::path file = port_file(side_, address);
        detail::write_port_file(file, port);
        return std::make_unique<EmulatedAcceptor>(std::move(acceptor), std::move(file), port);
    }

    asio::awaitable<Stream> connect(const Address& address, std::chrono::milliseconds timeout) override
    {
        std::optional<uint16_t> port = detail::read_port_file(port_file(peer_of(side_), address));
        if (!port) throw boost::system::system_error(asio::error::connection_refused);
        tcp::socket socket(co_await asio::this_coro::executor);
        co_await detail::connect_with_timeout(socket, tcp::endpoint(asio::ip::address_v4::loopback(), *port), timeout);
        boost::system::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        co_return Stream(std::move(socket));
    }

private:
    std::filesystem::path port_file(Side side, const Address& address) const
    {
        return dir_ / to_string(address.vm_id) / side_dir(side) / (to_string(address.service_id) + ".port");
    }

    std::filesystem::path dir_;
    Side side_;
};

}  // namespace

std::shared_ptr<Transport> make_emulation_transport(std::filesystem::path dir, Side side)
{
    return std::make_shared<EmulationTransport>(std::move(dir), side);
}

}  // namespace hvsup::hvsock
