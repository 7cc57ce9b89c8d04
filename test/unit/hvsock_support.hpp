// SPDX-License-Identifier: MIT
// Test helpers for the hvsock suites: a temporary emulation directory, a simulated guest
// (the emulation transport's guest side on its own I/O thread) and blocking TCP clients.
#pragma once

#include "core/log.hpp"
#include "hvsock/transport.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <atomic>
#include <filesystem>
#include <functional>
#include <future>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace hvsock_test {

namespace asio = boost::asio;
using asio::ip::tcp;
using hvsup::hvsock::Stream;

class TempDir {
public:
    TempDir()
    {
        std::random_device rd;
        path_ = std::filesystem::temp_directory_path() / ("hvsup-hvsock-test-" + std::to_string(rd()) + std::to_string(rd()));
        std::filesystem::create_directories(path_);
    }
    ~TempDir()
    {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

// A free loopback TCP port (bound and released; good enough for loopback tests).
inline uint16_t free_port()
{
    asio::io_context io;
    tcp::acceptor a(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    return a.local_endpoint().port();
}

inline tcp::socket connect_tcp(asio::io_context& io, uint16_t port)
{
    tcp::socket s(io);
    s.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port));
    return s;
}

// Reads until EOF.
template <typename Socket>
std::string read_all(Socket& s)
{
    std::string out;
    char buf[16384];
    for (;;) {
        boost::system::error_code ec;
        size_t n = s.read_some(asio::buffer(buf), ec);
        out.append(buf, n);
        if (ec) break;
    }
    return out;
}

// The simulated guest: listens and connects through the guest side of the emulation.
class Guest {
public:
    Guest(const std::filesystem::path& dir, const std::string& vm)
        : transport_(hvsup::hvsock::make_emulation_transport(dir, hvsup::hvsock::Side::guest)),
          vm_(hvsup::hvsock::parse_guid(vm)),
          work_(io_.get_executor()),
          thread_([this] { io_.run(); })
    {
    }
    ~Guest()
    {
        std::promise<void> closed;
        asio::post(io_, [&] {
            for (auto& a : acceptors_) a->close();
            closed.set_value();
        });
        closed.get_future().wait();
        work_.reset();
        io_.stop();
        thread_.join();
        acceptors_.clear();
    }

    using Handler = std::function<asio::awaitable<void>(Stream)>;

    // Serves vsock `port` in the guest: every connection runs `handler`.
    void listen(uint32_t port, Handler handler)
    {
        std::promise<void> bound;
        asio::post(io_, [&] {
            auto acceptor = transport_->listen(io_.get_executor(), address(port));
            auto* raw = acceptor.get();
            acceptors_.push_back(std::move(acceptor));
            asio::co_spawn(io_, accept_loop(raw, std::move(handler)), asio::detached);
            bound.set_value();
        });
        bound.get_future().get();
    }

    // Connects from the guest to host vsock `port`; the stream is used with blocking calls.
    Stream connect(uint32_t port)
    {
        std::promise<Stream> result;
        asio::co_spawn(io_, connect_into(address(port), result), asio::detached);
        return result.get_future().get();
    }

    hvsup::hvsock::Address address(uint32_t port) const { return {vm_, hvsup::hvsock::vsock_service_id(port)}; }

    static asio::awaitable<void> echo(Stream s)
    {
        char buf[65536];
        for (;;) {
            auto [ec, n] = co_await s.async_read_some(asio::buffer(buf), asio::as_tuple(asio::use_awaitable));
            if (n > 0) {
                auto [wec, w] = co_await asio::async_write(s, asio::buffer(buf, n), asio::as_tuple(asio::use_awaitable));
                (void)w;
                if (wec) co_return;
            }
            if (ec) {
                boost::system::error_code ignored;
                s.shutdown(asio::socket_base::shutdown_send, ignored);
                co_return;
            }
        }
    }

private:
    asio::awaitable<void> connect_into(hvsup::hvsock::Address a, std::promise<Stream>& result)
    {
        try {
            result.set_value(co_await transport_->connect(a, std::chrono::seconds(10)));
        } catch (...) {
            result.set_exception(std::current_exception());
        }
    }

    asio::awaitable<void> accept_loop(hvsup::hvsock::Acceptor* acceptor, Handler handler)
    {
        for (;;) {
            auto s = co_await acceptor->accept();
            asio::co_spawn(io_, handler(std::move(s)), asio::detached);
        }
    }

    std::shared_ptr<hvsup::hvsock::Transport> transport_;
    hvsup::hvsock::Guid vm_;
    asio::io_context io_;
    asio::executor_work_guard<asio::io_context::executor_type> work_;
    std::vector<std::unique_ptr<hvsup::hvsock::Acceptor>> acceptors_;
    std::thread thread_;
};

// Collects log lines for assertions.
class LogCapture {
public:
    hvsup::Logger logger()
    {
        return hvsup::Logger([this](hvsup::LogLevel, std::string_view line) {
            std::lock_guard lock(mutex_);
            lines_.emplace_back(line);
        });
    }
    bool contains(const std::string& text)
    {
        std::lock_guard lock(mutex_);
        for (const auto& l : lines_) {
            if (l.find(text) != std::string::npos) return true;
        }
        return false;
    }
    std::string all()
    {
        std::lock_guard lock(mutex_);
        std::string out;
        for (const auto& l : lines_) out += l + "\n";
        return out;
    }

private:
    std::mutex mutex_;
    std::vector<std::string> lines_;
};

// Polls `condition` for up to `limit` (a deadline for a hung test, not a timing assertion).
inline bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds limit = std::chrono::seconds(20))
{
    auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
        if (condition()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return condition();
}

}  // namespace hvsock_test
