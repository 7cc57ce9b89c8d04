// SPDX-License-Identifier: MIT
// ListenerSet through the emulation transport: every bridge, the result sink, the serial
// capture, failures and teardown.
#include "hvsock/listener_set.hpp"
#include "hvsock_support.hpp"

#include "core/error.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/steady_timer.hpp>

#include <fstream>
#include <sstream>

using namespace hvsup::hvsock;
using namespace hvsock_test;

namespace {

const std::string vm_id = "11111111-2222-3333-4444-555555555555";

ListenerSpec base_spec(const TempDir& dir, LogCapture& log)
{
    ListenerSpec spec;
    spec.vm_id = vm_id;
    spec.emulation_dir = dir.path() / "hvsock";
    spec.logger = log.logger();
    return spec;
}

// A host TCP server answering every connection with `handler` on its own thread.
class TcpServer {
public:
    explicit TcpServer(std::function<void(tcp::socket&)> handler, uint16_t port = 0)
        : acceptor_(io_, tcp::endpoint(asio::ip::address_v4::loopback(), port)), handler_(std::move(handler)),
          thread_([this] { run(); })
    {
    }
    ~TcpServer()
    {
        stop_ = true;
        boost::system::error_code ec;
        acceptor_.cancel(ec);
        // Wake a blocking accept.
        try {
            asio::io_context io;
            connect_tcp(io, port());
        } catch (...) {
        }
        thread_.join();
    }
    uint16_t port() const { return acceptor_.local_endpoint().port(); }

private:
    void run()
    {
        while (!stop_) {
            boost::system::error_code ec;
            tcp::socket s(io_);
            acceptor_.accept(s, ec);
            if (ec || stop_) return;
            handler_(s);
        }
    }
    asio::io_context io_;
    tcp::acceptor acceptor_;
    std::function<void(tcp::socket&)> handler_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

void tcp_echo(tcp::socket& s)
{
    std::string data = read_all(s);
    asio::write(s, asio::buffer(data));
    s.shutdown(tcp::socket::shutdown_send);
}

}  // namespace

TEST_CASE("published port ping-pong reaches the guest service of the host port", "[hvsock]")
{
    TempDir dir;
    LogCapture log;
    Guest guest(dir.path() / "hvsock", vm_id);
    const uint16_t port = free_port();
    guest.listen(port, Guest::echo);

    ListenerSpec spec = base_spec(dir, log);
    spec.published_ports.push_back({"tcp", "", port});
    auto set = ListenerSet::start(spec);
    CHECK(set->published_addresses() == std::vector<std::string>{"127.0.0.1:" + std::to_string(port)});

    asio::io_context io;
    for (int round = 0; round < 3; ++round) {
        tcp::socket s = connect_tcp(io, port);
        asio::write(s, asio::buffer(std::string("ping")));
        char reply[4];
        asio::read(s, asio::buffer(reply));
        CHECK(std::string(reply, 4) == "ping");
    }
    CHECK(set->wait_for_result(std::chrono::milliseconds(0)) == ResultWait::no_result_listener);
}

TEST_CASE("vsock listener ping-pong reaches the TCP target", "[hvsock]")
{
    TempDir dir;
    LogCapture log;
    TcpServer target(tcp_echo);
    Guest guest(dir.path() / "hvsock", vm_id);

    ListenerSpec spec = base_spec(dir, log);
    spec.vsock_listeners.push_back({2048, "127.0.0.1:" + std::to_string(target.port())});
    auto set = ListenerSet::start(spec);
    CHECK(std::filesystem::exists(dir.path() / "hvsock" / vm_id / "host" /
                                  "00000800-facb-11e6-bd58-64006a7986d3.port"));

    Stream s = guest.connect(2048);
    asio::write(s, asio::buffer(std::string("pong")));
    s.shutdown(Stream::shutdown_send);
    CHECK(read_all(s) == "pong");
}

TEST_CASE("half-close is propagated in both directions", "[hvsock]")
{
    TempDir dir;
    LogCapture log;
    Guest guest(dir.path() / "hvsock", vm_id);
    const uint16_t port = free_port();
    std::promise<std::string> guest_received;
    // The guest greets, closes its sending side, and still reads until the client's EOF.
    guest.listen(port, [&](Stream s) -> asio::awaitable<void> {
        co_await asio::async_write(s, asio::buffer(std::string("hello")), asio::use_awaitable);
        s.shutdown(Stream::shutdown_send);
        std::string got;
        char buf[1024];
        for (;;) {
            auto [ec, n] = co_await s.async_read_some(asio::buffer(buf), asio::as_tuple(asio::use_awaitable));
            got.append(buf, n);
            if (ec) break;
        }
        guest_received.set_value(got);
    });
    ListenerSpec spec = base_spec(dir, log);
    spec.published_ports.push_back({"", "127.0.0.1", port});
    auto set = ListenerSet::start(spec);

    asio::io_context io;
    tcp::socket s = connect_tcp(io, port);
    // Guest -> client: the greeting then EOF while the client's direction is still open.
    CHECK(read_all(s) == "hello");
    // Client -> guest: data after the guest's half-close still arrives, then EOF.
    asio::write(s, asio::buffer(std::string("late data")));
    s.shutdown(tcp::socket::shutdown_send);
    auto fut = guest_received.get_future();
    REQUIRE(fut.wait_for(std::chrono::seconds(20)) == std::future_status::ready);
    CHECK(fut.get() == "late data");
}

TEST_CASE("one GiB each way keeps its checksum", "[hvsock][large]")
{
    TempDir dir;
    LogCapture log;
    Guest guest(dir.path() / "hvsock", vm_id);
    const uint16_t port = free_port();
    guest.listen(port, Guest::echo);
    ListenerSpec spec = base_spec(dir, log);
    spec.published_ports.push_back({"tcp", "", port});
    auto set = ListenerSet::start(spec);

    constexpr uint64_t total = uint64_t{1} << 30;
    asio::io_context io;
    tcp::socket s = connect_tcp(io, port);
    uint64_t sent_hash = 1469598103934665603ull;
    std::thread writer([&] {
        std::vector<uint8_t> chunk(1 << 20);
        uint64_t x = 0x9e3779b97f4a7c15ull;
        for (uint64_t done = 0; done < total; done += chunk.size()) {
            for (auto& b : chunk) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                b = static_cast<uint8_t>(x);
                sent_hash = (sent_hash ^ b) * 1099511628211ull;
            }
            asio::write(s, asio::buffer(chunk));
        }
        s.shutdown(tcp::socket::shutdown_send);
    });
    uint64_t received = 0;
    uint64_t received_hash = 1469598103934665603ull;
    std::vector<uint8_t> buf(1 << 20);
    for (;;) {
        boost::system::error_code ec;
        size_t n = s.read_some(asio::buffer(buf), ec);
        for (size_t i = 0; i < n; ++i) received_hash = (received_hash ^ buf[i]) * 1099511628211ull;
        received += n;
        if (ec) break;
    }
    writer.join();
    CHECK(received == total);
    CHECK(received_hash == sent_hash);
}

TEST_CASE("500 concurrent connections are bridged at once", "[hvsock]")
{
    TempDir dir;
    LogCapture log;
    Guest guest(dir.path() / "hvsock", vm_id);
    const uint16_t port = free_port();
    std::atomic<int> open_in_guest{0};
    guest.listen(port, [&](Stream s) -> asio::awaitable<void> {
        ++open_in_guest;
        co_await Guest::echo(std::move(s));
    });
    ListenerSpec spec = base_spec(dir, log);
    spec.published_ports.push_back({"tcp", "", port});
    auto set = ListenerSet::start(spec);

    constexpr int count = 500;
    asio::io_context io;
    std::vector<tcp::socket> clients;
    for (int i = 0; i < count; ++i) {
        clients.push_back(connect_tcp(io, port));
        asio::write(clients.back(), asio::buffer("conn-" + std::to_string(i) + ";"));
    }
    // Every connection is open in the guest at the same time before any is finished.
    CHECK(eventually([&] { return open_in_guest.load() == count; }));
    for (int i = 0; i < count; ++i) {
        clients[i].shutdown(tcp::socket::shutdown_send);
        CHECK(read_all(clients[i]) == "conn-" + std::to_string(i) + ";");
    }
}

TEST_CASE("a slow consumer stalls the guest instead of growing memory", "[hvsock]")
{
    TempDir dir;
    LogCapture log;
    Guest guest(dir.path() / "hvsock", vm_id);
    const uint16_t port = free_port();
    constexpr uint64_t total = 512ull << 20;
    std::atomic<uint64_t> written{0};
    guest.listen(port, [&](Stream s) -> asio::awaitable<void> {
        // Consume the client's request first: closing with unread input would reset the stream.
        char request[2];
        co_await asio::async_read(s, asio::buffer(request), asio::use_awaitable);
        std::vector<char> chunk(65536, 'x');
        while (written < total) {
            auto [ec, n] = co_await asio::async_write(s, asio::buffer(chunk), asio::as_tuple(asio::use_awaitable));
            written += n;
            if (ec) co_return;
        }
        s.shutdown(Stream::shutdown_send);
    });
    ListenerSpec spec = base_spec(dir, log);
    spec.published_ports.push_back({"tcp", "", port});
    auto set = ListenerSet::start(spec);

    asio::io_context io;
    tcp::socket s = connect_tcp(io, port);
    asio::write(s, asio::buffer(std::string("go")));
    // Without a reader the guest can only fill the socket buffers and the bridge's fixed
    // buffer; the writer then blocks. Wait until it has stopped making progress.
    uint64_t last = 0;
    for (int stable = 0; stable < 5;) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        uint64_t now = written.load();
        stable = now == last ? stable + 1 : 0;
        last = now;
    }
    CHECK(last < (64ull << 20));
    CHECK(last < total);
    // Reading drains everything: nothing was lost while stalled.
    uint64_t received = 0;
    std::vector<char> buf(1 << 20);
    for (;;) {
        boost::system::error_code ec;
        received += s.read_some(asio::buffer(buf), ec);
        if (ec) break;
    }
    CHECK(received == total);
}

TEST_CASE("after bulk data the guest's half-close reaches the TCP target and the reply still flows back", "[hvsock]")
{
    TempDir dir;
    LogCapture log;
    // Large enough that both directions leave the small-exchange path (see bridge.hpp).
    const std::string request(6 << 20, 'q');
    std::string reply(5 << 20, 'r');
    reply += "end";
    std::promise<size_t> target_got;
    TcpServer target([&](tcp::socket& s) {
        std::string got = read_all(s);  // returns only once the guest's half-close arrived
        target_got.set_value(got == request ? got.size() : 0);
        asio::write(s, asio::buffer(reply));
        s.shutdown(tcp::socket::shutdown_send);
    });
    Guest guest(dir.path() / "hvsock", vm_id);
    ListenerSpec spec = base_spec(dir, log);
    spec.vsock_listeners.push_back({2049, "127.0.0.1:" + std::to_string(target.port())});
    auto set = ListenerSet::start(spec);

    Stream s = guest.connect(2049);
    std::thread writer([&] {
        asio::write(s, asio::buffer(request));
        s.shutdown(Stream::shutdown_send);
    });
    std::string back = read_all(s);
    writer.join();
    auto fut = target_got.get_future();
    REQUIRE(fut.wait_for(std::chrono::seconds(20)) == std::future_status::ready);
    CHECK(fut.get() == request.size());
    CHECK(back.size() == reply.size());
    CHECK(back == reply);
}

TEST_CASE("a guest that stops reading stalls the client instead of growing memory", "[hvsock]")
{
    TempDir dir;
    LogCapture log;
    Guest guest(dir.path() / "hvsock", vm_id);
    const uint16_t port = free_port();
    constexpr uint64_t total = 256ull << 20;
    std::atomic<bool> start_reading{false};
    std::promise<uint64_t> guest_got;
    guest.listen(port, [&](Stream s) -> asio::awaitable<void> {
        asio::steady_timer tick(co_await asio::this_coro::executor);
        while (!start_reading) {
            tick.expires_after(std::chrono::milliseconds(10));
            co_await tick.async_wait(asio::use_awaitable);
        }
        uint64_t got = 0;
        std::vector<char> buf(1 << 20);
        for (;;) {
            auto [ec, n] = co_await s.async_read_some(asio::buffer(buf), asio::as_tuple(asio::use_awaitable));
            got += n;
            if (ec) break;
        }
        guest_got.set_value(got);
    });
    ListenerSpec spec = base_spec(dir, log);
    spec.published_ports.push_back({"tcp", "", port});
    auto set = ListenerSet::start(spec);

    asio::io_context io;
    tcp::socket client = connect_tcp(io, port);
    std::atomic<uint64_t> written{0};
    std::thread writer([&] {
        std::vector<char> chunk(64 * 1024, 'u');
        while (written < total) {
            asio::write(client, asio::buffer(chunk));
            written += chunk.size();
        }
        client.shutdown(tcp::socket::shutdown_send);
    });
    uint64_t last = 0;
    for (int stable = 0; stable < 5;) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        const uint64_t now = written.load();
        stable = now == last ? stable + 1 : 0;
        last = now;
    }
    CHECK(last < (64ull << 20));
    start_reading = true;
    writer.join();
    auto fut = guest_got.get_future();
    REQUIRE(fut.wait_for(std::chrono::seconds(60)) == std::future_status::ready);
    CHECK(fut.get() == total);
}
