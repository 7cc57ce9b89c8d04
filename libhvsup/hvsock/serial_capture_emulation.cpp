// SPDX-License-Identifier: MIT
// The emulated COM1 pipe server: loopback TCP published in <dir>/pipes/<name>.port.
#include "hvsock/port_file.hpp"
#include "hvsock/serial_capture.hpp"
#include "hvsock/serial_pipe_server.hpp"

#include "core/error.hpp"
#include "core/files.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fmt/format.h>

#include <optional>

namespace hvsup::hvsock {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

struct CaptureState {
    CaptureState(const asio::any_io_executor& ex, const std::filesystem::path& log_file, Logger log)
        : acceptor(ex), serial_log(log_file), logger(std::move(log))
    {
    }
    tcp::acceptor acceptor;
    std::optional<tcp::socket> client;
    detail::SerialLog serial_log;
    Logger logger;
    std::string name;
    std::filesystem::path port_file;
    uint16_t port = 0;
    bool closed = false;
};

asio::awaitable<void> serve(std::shared_ptr<CaptureState> s)
{
    auto token = asio::as_tuple(asio::use_awaitable);
    while (!s->closed) {
        auto [accept_error, socket] = co_await s->acceptor.async_accept(token);
        if (s->closed) co_return;
        if (accept_error) {
            s->logger.log(LogLevel::warning, "accept windows-hyperv serial pipe {}: {}", s->name, accept_error.message());
            asio::steady_timer pause(s->acceptor.get_executor(), std::chrono::milliseconds(100));
            co_await pause.async_wait(token);
            continue;
        }
        s->client.emplace(std::move(socket));
        co_await detail::copy_guest_output(*s->client, s->serial_log, s->logger, s->name);
        boost::system::error_code ignored;
        if (s->client) s->client->close(ignored);
        s->client.reset();
    }
}

class EmulatedSerialCapture final : public SerialCapture {
public:
    explicit EmulatedSerialCapture(std::shared_ptr<CaptureState> state) : state_(std::move(state)) {}
    ~EmulatedSerialCapture() override { close(); }

    void close() noexcept override
    {
        if (state_->closed) return;
        state_->closed = true;
        detail::remove_port_file(state_->port_file, state_->port);
        boost::system::error_code ignored;
        state_->acceptor.close(ignored);
        if (state_->client) state_->client->close(ignored);
    }

private:
    std::shared_ptr<CaptureState> state_;
};

}  // namespace

std::unique_ptr<SerialCapture> start_emulated_serial_capture(const asio::any_io_executor& executor,
                                                             const std::string& pipe_name,
                                                             const std::filesystem::path& log_file,
                                                             const std::filesystem::path& dir, Logger logger)
{
    const std::string name = serial_pipe_basename(pipe_name);
    auto fail = [&](const std::string& why) {
        return Error(ErrorCode::io, fmt::format("create windows-hyperv serial pipe {}: {}", name, why));
    };
    if (dir.empty()) throw fail("no emulation directory");
    auto state = std::make_shared<CaptureState>(executor, log_file, std::move(logger));
    state->name = name;
    boost::system::error_code ec;
    tcp::endpoint endpoint(asio::ip::address_v4::loopback(), 0);
    state->acceptor.open(endpoint.protocol(), ec);
    if (!ec) state->acceptor.bind(endpoint, ec);
    if (!ec) state->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) throw fail(ec.message());
    state->port = state->acceptor.local_endpoint().port();
    state->port_file = dir / "pipes" / (name + ".port");
    try {
        detail::write_port_file(state->port_file, state->port);
    } catch (const std::exception& e) {
        throw fail(e.what());
    }
    auto capture = std::make_unique<EmulatedSerialCapture>(state);
    detail::spawn_serial_pipe_server(executor, serve(state), state->logger, name);
    return capture;
}

}  // namespace hvsup::hvsock
