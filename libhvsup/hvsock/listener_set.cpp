// SPDX-License-Identifier: MIT
#include "hvsock/listener_set.hpp"

#include "hvsock/bridge.hpp"
#include "hvsock/serial_capture.hpp"
#include "hvsock/targets.hpp"
#include "hvsock/timed_connect.hpp"

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/result_target.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fmt/format.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>
#include <thread>

namespace hvsup::hvsock {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// Go sets SO_REUSEADDR on POSIX listeners so a restarted helper need not wait out TIME_WAIT;
// on Windows the same option would let another process take the port over.
#ifdef _WIN32
constexpr bool reuse_listen_address = false;
#else
constexpr bool reuse_listen_address = true;
#endif

// After a failed accept (for example EMFILE) wait a little instead of spinning.
constexpr std::chrono::milliseconds accept_retry_pause{100};

enum class ResultState { pending, received, failed, closed };

}  // namespace

struct ListenerSet::Impl {
    ListenerSpec spec;
    Guid vm{};
    std::shared_ptr<Transport> transport;
    std::unique_ptr<asio::io_context> io = std::make_unique<asio::io_context>(1);
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
    std::thread thread;
    std::vector<std::unique_ptr<Acceptor>> hv_acceptors;
    std::vector<std::unique_ptr<tcp::acceptor>> tcp_acceptors;
    std::vector<std::string> published;
    std::unique_ptr<SerialCapture> serial;
    std::atomic<bool> closing{false};
    std::mutex close_mutex;
    bool closed = false;

    bool has_result_sink = false;
    std::mutex result_mutex;
    std::condition_variable result_cv;
    ResultState result_state = ResultState::pending;
    ErrorCode result_code = ErrorCode::generic;
    std::string result_error;

    void log_exception(std::string_view what, std::exception_ptr e) const
    {
        if (!e) return;
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& err) {
            spec.logger.log(LogLevel::error, "{}: {}", what, err.what());
        } catch (...) {
            spec.logger.log(LogLevel::error, "{}: unknown error", what);
        }
    }

    auto logged(std::string what)
    {
        return [this, what = std::move(what)](std::exception_ptr e) { log_exception(what, e); };
    }

    void finish_result(ResultState state, ErrorCode code = ErrorCode::generic, std::string error = {})
    {
        {
            std::lock_guard lock(result_mutex);
            if (result_state != ResultState::pending) return;
            result_state = state;
            result_code = code;
            result_error = std::move(error);
        }
        result_cv.notify_all();
    }

    void fail_result(ErrorCode code, std::string error)
    {
        spec.logger.log(LogLevel::error, "{}", error);
        finish_result(ResultState::failed, code, std::move(error));
    }

    void close_listeners() noexcept
    {
        for (auto& a : hv_acceptors) a->close();
        for (auto& a : tcp_acceptors) {
            boost::system::error_code ignored;
            a->close(ignored);
        }
        if (serial) serial->close();
    }

    asio::awaitable<void> pause()
    {
        asio::steady_timer timer(co_await asio::this_coro::executor, accept_retry_pause);
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }

    // Published TCP -> hvsock service(host_port) in the VM.
    asio::awaitable<void> bridge_published(tcp::socket client, uint32_t port)
    {
        boost::system::error_code ignored;
        client.set_option(tcp::no_delay(true), ignored);
        std::optional<Stream> guest;
        std::string failure;
        try {
            guest.emplace(co_await transport->connect(Address{vm, vsock_service_id(port)}, spec.connect_timeout));
        } catch (const boost::system::system_error& e) {
            failure = e.code().message();
        } catch (const std::exception& e) {
            failure = e.what();
        }
        if (!guest) {
            spec.logger.log(LogLevel::error, "connect windows-hyperv guest hvsocket port {}: {}", port, failure);
            co_return;
        }
        co_await splice(Stream(std::move(client)), std::move(*guest));
    }

    asio::awaitable<void> serve_published(tcp::acceptor* acceptor, uint32_t port)
    {
        auto token = asio::as_tuple(asio::use_awaitable);
        auto executor = co_await asio::this_coro::executor;
        while (!closing) {
            auto [ec, client] = co_await acceptor->async_accept(token);
            if (closing) co_return;
            if (ec) {
                spec.logger.log(LogLevel::error, "accept windows-hyperv published tcp connection: {}", ec.message());
                co_await pause();
                continue;
            }
            asio::co_spawn(executor, bridge_published(std::move(client), port),
                           logged(fmt::format("bridge windows-hyperv published tcp port {}", port)));
        }
    }

    // Guest -> host vsock port -> TCP target.
    asio::awaitable<void> bridge_target(Stream guest, std::string target, detail::HostPort hp)
    {
        auto executor = co_await asio::this_coro::executor;
        tcp::socket socket(executor);
        std::string failure;
        try {
            tcp::resolver resolver(executor);
            auto endpoints = co_await resolver.async_resolve(hp.host, std::to_string(hp.port), asio::use_awaitable);
            failure = "no addresses";
            for (const auto& entry : endpoints) {
                try {
                    co_await detail::connect_with_timeout(socket, entry.endpoint(), spec.connect_timeout);
                    failure.clear();
                    break;
                } catch (const boost::system::system_error& e) {
                    failure = e.code().message();
                }
            }
        } catch (const boost::system::system_error& e) {
            failure = e.code().message();
        }
        if (!failure.empty()) {
            spec.logger.log(LogLevel::error, "connect windows-hyperv hvsocket target {}: {}", target, failure);
            co_return;
        }
        boost::system::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        co_await splice(std::move(guest), Stream(std::move(socket)));
    }

    // The next connection to `acceptor`; nothing when the accept fails, with the reason in `failure`.
    static asio::awaitable<std::optional<Stream>> accept_connection(Acceptor* acceptor, std::string& failure)
    {
        try {
            co_return co_await acceptor->accept();
        } catch (const boost::system::system_error& e) {
            failure = e.code().message();
        }
        co_return std::nullopt;
    }

    asio::awaitable<void> serve_target(Acceptor* acceptor, uint32_t port, std::string target, detail::HostPort hp)
    {
        auto executor = co_await asio::this_coro::executor;
        while (!closing) {
            std::string failure;
            std::optional<Stream> guest = co_await accept_connection(acceptor, failure);
            if (closing) co_return;
            if (!guest) {
                spec.logger.log(LogLevel::error, "accept windows-hyperv hvsocket port {} connection: {}", port, failure);
                co_await pause();
                continue;
            }
            asio::co_spawn(executor, bridge_target(std::move(*guest), target, hp),
                           logged(fmt::format("bridge windows-hyperv hvsocket port {}", port)));
        }
    }

    // The result sink: exactly one connection, at most result_limit_bytes, written atomically.
    asio::awaitable<void> serve_result(Acceptor* acceptor)
    {
        const std::string& target = spec.result_path;
        std::string failure;
        std::optional<Stream> conn = co_await accept_connection(acceptor, failure);
        if (closing) co_return;
        acceptor->close();  // one delivery only; later connections are refused
        if (!conn) {
            fail_result(ErrorCode::io, fmt::format("accept windows-hyperv hvsocket result {}: {}", target, failure));
            co_return;
        }
        std::string data;
        std::unique_ptr<char[]> buffer(new char[bridge_buffer_size]);
        auto token = asio::as_tuple(asio::use_awaitable);
        for (;;) {
            auto [ec, n] = co_await conn->async_read_some(asio::buffer(buffer.get(), bridge_buffer_size), token);
            data.append(buffer.get(), std::min(n, result_limit_bytes + 1 - data.size()));
            if (data.size() > result_limit_bytes) {
                fail_result(ErrorCode::too_large, fmt::format("windows-hyperv result for {} exceeded {} bytes", target,
                                                              result_limit_bytes));
                co_return;
            }
            if (ec == asio::error::eof) break;
            if (ec) {
                fail_result(ErrorCode::io, fmt::format("read windows-hyperv hvsocket result {}: {}", target, ec.message()));
                co_return;
            }
        }
        // The connection is closed (by conn's destructor) only after the result is written and
        // signalled: a guest that waits for the host's close and then powers off must not race
        // run's look for the result when it sees the exit.
        try {
            files::write_atomic(files::from_utf8(target), data);
        } catch (const std::exception& e) {
            fail_result(ErrorCode::io, fmt::format("write windows-hyperv hvsocket result {}: {}", target, e.what()));
            co_return;
        }
        spec.logger.log(LogLevel::info, "windows-hyperv result written to {} ({} bytes)", target, data.size());
        finish_result(ResultState::received);
    }

    void bind_serial()
    {
        if (spec.serial_pipe.empty()) return;
        if (spec.serial_log_path.empty()) {
            throw Error(ErrorCode::invalid_argument, "windows-hyperv serial capture needs a serial log path");
        }
        serial = start_serial_capture(io->get_executor(), spec.serial_pipe, files::from_utf8(spec.serial_log_path),
                                      spec.emulation_dir, spec.logger);
    }

    void bind_vsock_listeners()
    {
        for (const VsockService& l : spec.vsock_listeners) {
            std::unique_ptr<Acceptor> acceptor;
            try {
                acceptor = transport->listen(io->get_executor(), Address{vm, vsock_service_id(l.port)});
            } catch (const std::exception& e) {
                throw Error(ErrorCode::io, fmt::format("listen windows-hyperv hvsocket port {}: {}", l.port, e.what()));
            }
            Acceptor* raw = acceptor.get();
            hv_acceptors.push_back(std::move(acceptor));
            if (core::is_result_target(l.target, spec.result_path)) {
                has_result_sink = true;
                asio::co_spawn(*io, serve_result(raw), [this](std::exception_ptr e) {
                    if (e) fail_result(ErrorCode::generic, "windows-hyperv result listener failed");
                    log_exception("serve windows-hyperv hvsocket result", e);
                });
            } else {
                asio::co_spawn(*io, serve_target(raw, l.port, l.target, *detail::parse_tcp_target(l.target)),
                               logged(fmt::format("serve windows-hyperv hvsocket port {}", l.port)));
            }
            spec.logger.log(LogLevel::info, "listening on {} for {}", to_string(Address{vm, vsock_service_id(l.port)}),
                            l.target);
        }
    }

    void bind_published_ports()
    {
        for (const PublishedPort& p : spec.published_ports) {
            if (!p.protocol.empty() && p.protocol != "tcp") {
                spec.logger.log(LogLevel::warning, "windows-hyperv published port {}/{} skipped: only tcp is bridged",
                                p.host_port, p.protocol);
                continue;
            }
            const std::string host = p.host.empty() ? "127.0.0.1" : p.host;
            const std::string address = detail::join_host_port(host, p.host_port);
            auto acceptor = std::make_unique<tcp::acceptor>(*io);
            boost::system::error_code ec;
            tcp::endpoint endpoint;
            asio::ip::address ip = asio::ip::make_address(host, ec);
            if (!ec) {
                endpoint = tcp::endpoint(ip, p.host_port);
            } else {
                tcp::resolver resolver(*io);
                auto results = resolver.resolve(host, std::to_string(p.host_port), ec);
                if (!ec && results.empty()) ec = asio::error::host_not_found;
                if (!ec) endpoint = results.begin()->endpoint();
            }
            if (!ec) acceptor->open(endpoint.protocol(), ec);
            if (!ec && reuse_listen_address) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
            if (!ec) acceptor->bind(endpoint, ec);
            if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
            if (ec) {
                throw Error(ErrorCode::io, fmt::format("listen windows-hyperv published tcp {}: {}", address, ec.message()))
                    .with_system_error(ec.value());
            }
            const tcp::endpoint bound = acceptor->local_endpoint();
            published.push_back(detail::join_host_port(bound.address().to_string(), bound.port()));
            tcp::acceptor* raw = acceptor.get();
            tcp_acceptors.push_back(std::move(acceptor));
            const uint32_t service_port = p.service_port != 0 ? p.service_port : p.host_port;
            asio::co_spawn(*io, serve_published(raw, service_port),
                           logged(fmt::format("serve windows-hyperv published tcp {}", address)));
            spec.logger.log(LogLevel::info, "listening on {} for {}", address,
                            to_string(Address{vm, vsock_service_id(service_port)}));
        }
    }

    void close()
    {
        std::lock_guard lock(close_mutex);
        if (closed) return;
        closed = true;
        closing = true;
        if (thread.joinable()) {
            // Close the listeners on the I/O thread (they are not thread-safe), then stop it.
            std::promise<void> done;
            asio::post(*io, [this, &done] {
                close_listeners();
                done.set_value();
            });
            done.get_future().wait();
            io->stop();
            thread.join();
        } else {
            close_listeners();
        }
        hv_acceptors.clear();
        tcp_acceptors.clear();
        serial.reset();
        work.reset();
        // Destroying the context destroys every suspended bridge, closing its sockets.
        io.reset();
        finish_result(ResultState::closed);
    }
};

ListenerSet::ListenerSet(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ListenerSet::~ListenerSet()
{
    try {
        close();
    } catch (...) {
    }
}

std::unique_ptr<ListenerSet> ListenerSet::start(ListenerSpec spec)
{
    auto impl = std::make_unique<Impl>();
    impl->spec = std::move(spec);
    validate_targets(impl->spec);
    auto vm = try_parse_guid(impl->spec.vm_id);
    if (!vm) {
        throw Error(ErrorCode::invalid_argument,
                    fmt::format("parse HCS runtime ID \"{}\": not a GUID", impl->spec.vm_id));
    }
    impl->vm = *vm;
    std::unique_ptr<ListenerSet> set(new ListenerSet(std::move(impl)));
    Impl& s = *set->impl_;
    // On failure the ListenerSet destructor closes whatever was bound.
    s.bind_serial();
    if (!s.spec.vsock_listeners.empty() || !s.spec.published_ports.empty()) {
        s.transport = select_transport(s.spec.emulation_dir);
    }
    s.bind_vsock_listeners();
    s.bind_published_ports();
    s.work.emplace(s.io->get_executor());
    s.thread = std::thread([&s] {
        for (;;) {
            try {
                s.io->run();
                return;
            } catch (const std::exception& e) {
                s.spec.logger.log(LogLevel::error, "windows-hyperv listener thread: {}", e.what());
            }
        }
    });
    return set;
}

ResultWait ListenerSet::wait_for_result(std::chrono::milliseconds timeout)
{
    Impl& s = *impl_;
    if (!s.has_result_sink) return ResultWait::no_result_listener;
    std::unique_lock lock(s.result_mutex);
    auto settled = [&] { return s.result_state != ResultState::pending; };
    // wait_for(max) would overflow the clock arithmetic and return at once.
    if (timeout == std::chrono::milliseconds::max()) s.result_cv.wait(lock, settled);
    else s.result_cv.wait_for(lock, timeout, settled);
    switch (s.result_state) {
    case ResultState::pending: return ResultWait::timed_out;
    case ResultState::received: return ResultWait::received;
    case ResultState::closed: return ResultWait::closed;
    case ResultState::failed: break;
    }
    throw Error(s.result_code, s.result_error);
}

void ListenerSet::close() { impl_->close(); }

std::vector<std::string> ListenerSet::published_addresses() const { return impl_->published; }

}  // namespace hvsup::hvsock
