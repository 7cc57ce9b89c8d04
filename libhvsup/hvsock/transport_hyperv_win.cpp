// SPDX-License-Identifier: MIT
// AF_HYPERV sockets (docs/hvsock.md, "Windows notes"): the product transport on Windows. Boost.Asio drives the
// sockets through the generic stream protocol; SOCKADDR_HV is built by hand because the SDK's
// hvsocket.h is not available to every toolchain (mingw-w64).
#include "hvsock/timed_connect.hpp"
#include "hvsock/transport.hpp"

#include "core/error.hpp"

#include <boost/asio/basic_socket_acceptor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/socket_base.hpp>

#include <winsock2.h>
#include <windows.h>

#include <cstring>

#include <fmt/format.h>

namespace hvsup::hvsock {
namespace {

namespace asio = boost::asio;
using Protocol = asio::generic::stream_protocol;

constexpr int af_hyperv = 34;                        // AF_HYPERV
constexpr int hv_protocol_raw = 1;                   // HV_PROTOCOL_RAW
constexpr int hvsocket_connect_timeout = 1;          // HVSOCKET_CONNECT_TIMEOUT (ms, level HV_PROTOCOL_RAW)
constexpr DWORD hvsocket_connect_timeout_max = 300000;
constexpr int listen_backlog = 16;

// SOCKADDR_HV: ADDRESS_FAMILY Family; USHORT Reserved; GUID VmId; GUID ServiceId.
struct SockaddrHv {
    uint16_t family;
    uint16_t reserved;
    GUID vm_id;
    GUID service_id;
};
static_assert(sizeof(SockaddrHv) == 36, "SOCKADDR_HV is 36 bytes");

GUID to_windows(const Guid& g)
{
    GUID w{};
    w.Data1 = g.data1;
    w.Data2 = g.data2;
    w.Data3 = g.data3;
    std::memcpy(w.Data4, g.data4.data(), 8);
    return w;
}

Protocol hyperv_protocol() { return Protocol(af_hyperv, hv_protocol_raw); }

Protocol::endpoint endpoint_of(const Address& address)
{
    SockaddrHv sa{};
    sa.family = af_hyperv;
    sa.vm_id = to_windows(address.vm_id);
    sa.service_id = to_windows(address.service_id);
    return Protocol::endpoint(&sa, sizeof sa, hv_protocol_raw);
}

class HyperVAcceptor final : public Acceptor {
public:
    explicit HyperVAcceptor(asio::basic_socket_acceptor<Protocol> acceptor) : acceptor_(std::move(acceptor)) {}
    ~HyperVAcceptor() override { close(); }

    asio::awaitable<Stream> accept() override
    {
        // Asio's IOCP acceptor issues AcceptEx and sets SO_UPDATE_ACCEPT_CONTEXT itself.
        co_return co_await acceptor_.async_accept(asio::use_awaitable);
    }

    void close() noexcept override
    {
        boost::system::error_code ignored;
        acceptor_.close(ignored);
    }

private:
    asio::basic_socket_acceptor<Protocol> acceptor_;
};

class HyperVTransport final : public Transport {
public:
    std::string name() const override { return "AF_HYPERV"; }

    std::unique_ptr<Acceptor> listen(const asio::any_io_executor& executor, const Address& address) override
    {
        asio::basic_socket_acceptor<Protocol> acceptor(executor);
        boost::system::error_code ec;
        acceptor.open(hyperv_protocol(), ec);
        if (!ec) acceptor.bind(endpoint_of(address), ec);
        if (!ec) acceptor.listen(listen_backlog, ec);
        if (ec) {
            throw Error(ErrorCode::host, fmt::format("listen on {}: {}", to_string(address), ec.message()))
                .with_system_error(ec.value());
        }
        return std::make_unique<HyperVAcceptor>(std::move(acceptor));
    }

    asio::awaitable<Stream> connect(const Address& address, std::chrono::milliseconds timeout) override
    {
        Stream socket(co_await asio::this_coro::executor);
        socket.open(hyperv_protocol());
        // The kernel's own connect timeout, so a refused or absent guest service fails in time
        // even where cancelling a pending connect is slow.
        DWORD ms = static_cast<DWORD>(std::min<long long>(timeout.count(), hvsocket_connect_timeout_max));
        ::setsockopt(socket.native_handle(), hv_protocol_raw, hvsocket_connect_timeout,
                     reinterpret_cast<const char*>(&ms), sizeof ms);
        co_await detail::connect_with_timeout(socket, endpoint_of(address), timeout);
        co_return socket;
    }
};

}  // namespace

std::shared_ptr<Transport> make_platform_transport()
{
    // Probe once: without Hyper-V sockets (no Hyper-V, Wine) socket() fails with
    // WSAEAFNOSUPPORT; that must be a clear error, never a crash later.
    asio::io_context io;
    Stream probe(io);
    boost::system::error_code ec;
    probe.open(hyperv_protocol(), ec);
    if (ec) {
        throw Error(ErrorCode::unsupported,
                    fmt::format("Hyper-V sockets are not available on this host (socket(AF_HYPERV): {})", ec.message()))
            .with_system_error(ec.value());
    }
    return std::make_shared<HyperVTransport>();
}

}  // namespace hvsup::hvsock
