// SPDX-License-Identifier: MIT
// bench/forward: a published port served by hvsock-listener against socat doing the same
// bridge (TCP listener -> the guest's emulated hvsock port) in the same run, on the same
// simulated guest. Prints throughput, connect-to-first-byte latency and 1000 held connections
// for both, with ratios and a met/NOT met line per target. See docs/hvsock.md for the command
// and recorded numbers.
#include "core/process.hpp"
#include "hvsock/transport.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <random>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using hvsup::hvsock::Stream;

const std::string vm = "bbbbbbbb-0000-4000-8000-000000000001";
constexpr uint32_t guest_port = 7000;

struct Options {
    std::string listener;  // path of hvsock-listener
    std::string socat = "/usr/bin/socat";
    uint64_t mib = 512;
    int latency_rounds = 2000;
    int concurrent = 1000;
    int repeat = 5;  // throughput runs per peer, interleaved; the median is reported
    // zerocopy: the load generators send with sendfile(2) from a memfd and discard with
    // recv(MSG_TRUNC), so they cost little and the forwarder's own cost decides throughput.
    // copy: plain write/read through user buffers (one copy each at both ends).
    bool zerocopy_endpoints = true;
};

bool zerocopy = true;  // Options::zerocopy_endpoints, read by the guest thread

// 4 MiB of payload in a memfd: the source of sendfile(2) for zero-copy sending.
int payload_fd()
{
    static const int fd = [] {
        int f = ::memfd_create("forward-bench", MFD_CLOEXEC);
        std::vector<char> data(4 << 20, 'z');
        if (f < 0 || ::write(f, data.data(), data.size()) != static_cast<ssize_t>(data.size())) {
            std::perror("memfd");
            std::exit(1);
        }
        return f;
    }();
    return fd;
}
constexpr size_t payload_size = 4 << 20;

// ---- the simulated guest: 'S' sink, 'R' source, 'E' echo ------------------------------------

std::atomic<int> guest_open{0};

asio::awaitable<void> guest_session(Stream s)
{
    ++guest_open;
    auto token = asio::as_tuple(asio::use_awaitable);
    std::vector<char> buf(256 * 1024);
    char mode = 0;
    auto [ec0, n0] = co_await asio::async_read(s, asio::buffer(&mode, 1), token);
    if (!ec0 && mode == 'S' && zerocopy) {
        uint64_t total = 0;
        s.native_non_blocking(true);
        for (;;) {
            ssize_t n = ::recv(s.native_handle(), buf.data(), buf.size(), MSG_TRUNC);
            if (n > 0) total += static_cast<uint64_t>(n);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) break;
            if (n < 0 && errno == EAGAIN) {
                auto [wec] = co_await s.async_wait(Stream::wait_read, token);
                if (wec) break;
            }
        }
        co_await asio::async_write(s, asio::buffer(&total, sizeof total), token);
    } else if (!ec0 && mode == 'S') {
        uint64_t total = 0;
        for (;;) {
            auto [ec, n] = co_await s.async_read_some(asio::buffer(buf), token);
            total += n;
            if (ec) break;
        }
        co_await asio::async_write(s, asio::buffer(&total, sizeof total), token);
    } else if (!ec0 && mode == 'R' && zerocopy) {
        uint64_t total = 0;
        auto [ec, n] = co_await asio::async_read(s, asio::buffer(&total, sizeof total), token);
        s.native_non_blocking(true);
        off_t offset = 0;
        while (!ec && total > 0) {
            if (offset == static_cast<off_t>(payload_size)) offset = 0;
            size_t chunk = static_cast<size_t>(std::min<uint64_t>(total, payload_size - static_cast<size_t>(offset)));
            ssize_t w = ::sendfile(s.native_handle(), payload_fd(), &offset, chunk);
            if (w > 0) total -= static_cast<uint64_t>(w);
            else if (w < 0 && errno == EAGAIN) {
                auto [wec] = co_await s.async_wait(Stream::wait_write, token);
                if (wec) break;
            } else if (!(w < 0 && errno == EINTR)) break;
        }
    } else if (!ec0 && mode == 'R') {
        uint64_t total = 0;
        auto [ec, n] = co_await asio::async_read(s, asio::buffer(&total, sizeof total), token);
        std::memset(buf.data(), 'd', buf.size());
        while (!ec && total > 0) {
            size_t chunk = static_cast<size_t>(std::min<uint64_t>(total, buf.size()));
            auto [wec, w] = co_await asio::async_write(s, asio::buffer(buf.data(), chunk), token);
            if (wec) break;
            total -= w;
        }
    } else if (!ec0 && mode == 'E') {
        for (;;) {
            auto [ec, n] = co_await s.async_read_some(asio::buffer(buf), token);
            if (n > 0) {
                auto [wec, w] = co_await asio::async_write(s, asio::buffer(buf.data(), n), token);
                if (wec) break;
            }
            if (ec) break;
        }
    }
    boost::system::error_code ignored;
    s.shutdown(Stream::shutdown_send, ignored);
    --guest_open;
}

asio::awaitable<void> guest_accept(hvsup::hvsock::Acceptor* acceptor)
{
    auto ex = co_await asio::this_coro::executor;
    for (;;) {
        Stream s = co_await acceptor->accept();
        asio::co_spawn(ex, guest_session(std::move(s)), asio::detached);
    }
}

// ---- clients ------------------------------------------------------------------------------------

tcp::socket dial(asio::io_context& io, uint16_t port)
{
    tcp::socket s(io);
    s.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port));
    s.set_option(tcp::no_delay(true));
    return s;
}

double upload_mib_s(uint16_t port, uint64_t bytes)
{
    asio::io_context io;
    tcp::socket s = dial(io, port);
    std::vector<char> buf(256 * 1024, 'u');
    auto start = Clock::now();
    char mode = 'S';
    asio::write(s, asio::buffer(&mode, 1));
    off_t offset = 0;
    for (uint64_t left = bytes; left > 0;) {
        if (zerocopy) {
            if (offset == static_cast<off_t>(payload_size)) offset = 0;
            size_t chunk = static_cast<size_t>(std::min<uint64_t>(left, payload_size - static_cast<size_t>(offset)));
            ssize_t w = ::sendfile(s.native_handle(), payload_fd(), &offset, chunk);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) {
                std::perror("upload sendfile");
                std::exit(1);
            }
            left -= static_cast<uint64_t>(w);
            continue;
        }
        size_t chunk = static_cast<size_t>(std::min<uint64_t>(left, buf.size()));
        asio::write(s, asio::buffer(buf.data(), chunk));
        left -= chunk;
    }
    s.shutdown(tcp::socket::shutdown_send);
    uint64_t received = 0;
    asio::read(s, asio::buffer(&received, sizeof received));
    double secs = std::chrono::duration<double>(Clock::now() - start).count();
    if (received != bytes) {
        std::fprintf(stderr, "upload: guest got %llu of %llu bytes\n", (unsigned long long)received, (unsigned long long)bytes);
        std::exit(1);
    }
    return static_cast<double>(bytes) / (1024.0 * 1024.0) / secs;
}

double download_mib_s(uint16_t port, uint64_t bytes)
{
    asio::io_context io;
    tcp::socket s = dial(io, port);
    std::vector<char> buf(256 * 1024);
    auto start = Clock::now();
    char hello[9];
    hello[0] = 'R';
    std::memcpy(hello + 1, &bytes, 8);
    asio::write(s, asio::buffer(hello));
    uint64_t got = 0;
    for (;;) {
        if (zerocopy) {
            ssize_t n = ::recv(s.native_handle(), buf.data(), buf.size(), MSG_TRUNC);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            got += static_cast<uint64_t>(n);
            continue;
        }
        boost::system::error_code ec;
        got += s.read_some(asio::buffer(buf), ec);
        if (ec) break;
    }
    double secs = std::chrono::duration<double>(Clock::now() - start).count();
    if (got != bytes) {
        std::fprintf(stderr, "download: got %llu of %llu bytes\n", (unsigned long long)got, (unsigned long long)bytes);
        std::exit(1);
    }
    return static_cast<double>(bytes) / (1024.0 * 1024.0) / secs;
}

struct Latency {
    double p50_us, p99_us;
};

Latency first_byte_latency(uint16_t port, int rounds)
{
    asio::io_context io;
    std::vector<double> samples;
    samples.reserve(static_cast<size_t>(rounds));
    for (int i = 0; i < rounds; ++i) {
        auto start = Clock::now();
        tcp::socket s = dial(io, port);
        const char msg[2] = {'E', 'x'};
        asio::write(s, asio::buffer(msg, 2));
        char reply;
        asio::read(s, asio::buffer(&reply, 1));
        samples.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
        s.shutdown(tcp::socket::shutdown_send);
        char rest[16];
        boost::system::error_code ec;
        while (!ec) s.read_some(asio::buffer(rest), ec);
    }
    std::sort(samples.begin(), samples.end());
    return {samples[samples.size() / 2], samples[samples.size() * 99 / 100]};
}

struct Held {
    int bridged = 0;
    int peak_in_guest = 0;
    double secs = 0;
};

Held hold_connections(uint16_t port, int count)
{
    asio::io_context io;
    std::vector<tcp::socket> conns;
    auto start = Clock::now();
    Held h;
    for (int i = 0; i < count; ++i) {
        boost::system::error_code ec;
        tcp::socket s(io);
        s.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port), ec);
        if (ec) break;
        const char msg[2] = {'E', 'x'};
        asio::write(s, asio::buffer(msg, 2), ec);
        conns.push_back(std::move(s));
    }
    for (auto& s : conns) {
        char reply;
        boost::system::error_code ec;
        asio::read(s, asio::buffer(&reply, 1), ec);
        if (!ec && reply == 'x') ++h.bridged;
    }
    h.secs = std::chrono::duration<double>(Clock::now() - start).count();
    h.peak_in_guest = guest_open.load();
    conns.clear();
    for (int i = 0; i < 500 && guest_open.load() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return h;
}

void wait_listening(uint16_t port)
{
    for (int i = 0; i < 1000; ++i) {
        asio::io_context io;
        tcp::socket s(io);
        boost::system::error_code ec;
        s.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port), ec);
        if (!ec) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::fprintf(stderr, "nothing listens on port %u\n", port);
    std::exit(1);
}

uint16_t free_port()
{
    asio::io_context io;
    tcp::acceptor a(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    return a.local_endpoint().port();
}

// CPU seconds the process and its reaped children (socat's per-connection forks) have used.
double cpu_seconds(int64_t pid)
{
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    std::istringstream fields(line.substr(line.rfind(')') + 2));
    std::vector<std::string> f{std::istream_iterator<std::string>(fields), std::istream_iterator<std::string>()};
    // Fields 14-17 of /proc/<pid>/stat (utime stime cutime cstime); f[0] is field 3.
    double ticks = 0;
    for (int i = 11; i <= 14; ++i) ticks += std::stod(f[static_cast<size_t>(i)]);
    return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

struct Results {
    double up = 0, down = 0;
    std::vector<double> up_runs, down_runs;
    double cpu_per_gib = 0;  // forwarder CPU seconds per GiB moved
    Latency lat{};
    Held held;
};

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// Peers alternate run by run so a burst of load from other work on the shared machine hits
// both alike; medians are reported.
void measure(uint16_t hvsup_port, uint16_t socat_port, int64_t hvsup_pid, int64_t socat_pid, const Options& o,
             Results& h, Results& s)
{
    const double h_cpu0 = cpu_seconds(hvsup_pid);
    const double s_cpu0 = cpu_seconds(socat_pid);
    wait_listening(hvsup_port);
    wait_listening(socat_port);
    std::vector<double> hu, hd, su, sd;
    for (int i = 0; i < o.repeat; ++i) {
        std::fprintf(stderr, "throughput run %d/%d...\n", i + 1, o.repeat);
        hu.push_back(upload_mib_s(hvsup_port, o.mib << 20));
        su.push_back(upload_mib_s(socat_port, o.mib << 20));
        sd.push_back(download_mib_s(socat_port, o.mib << 20));
        hd.push_back(download_mib_s(hvsup_port, o.mib << 20));
    }
    // Give socat a moment to reap its forks so their CPU time is counted.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const double gib = static_cast<double>(o.mib) * 2.0 * o.repeat / 1024.0;
    h.cpu_per_gib = (cpu_seconds(hvsup_pid) - h_cpu0) / gib;
    s.cpu_per_gib = (cpu_seconds(socat_pid) - s_cpu0) / gib;
    h.up_runs = hu;
    h.down_runs = hd;
    s.up_runs = su;
    s.down_runs = sd;
    h.up = median(hu);
    h.down = median(hd);
    s.up = median(su);
    s.down = median(sd);
    std::fprintf(stderr, "latency...\n");
    h.lat = first_byte_latency(hvsup_port, o.latency_rounds);
    s.lat = first_byte_latency(socat_port, o.latency_rounds);
    std::fprintf(stderr, "%d concurrent connections...\n", o.concurrent);
    h.held = hold_connections(hvsup_port, o.concurrent);
    s.held = hold_connections(socat_port, o.concurrent);
}

}  // namespace

int main(int argc, char** argv)
{
    Options o;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "%s needs a value\n", a.c_str());
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--listener") o.listener = next();
        else if (a == "--socat") o.socat = next();
        else if (a == "--mib") o.mib = std::stoull(next());
        else if (a == "--latency-rounds") o.latency_rounds = std::stoi(next());
        else if (a == "--concurrent") o.concurrent = std::stoi(next());
        else if (a == "--repeat") o.repeat = std::max(1, std::stoi(next()));
        else if (a == "--endpoints") {
            std::string e = next();
            if (e != "zerocopy" && e != "copy") {
                std::fprintf(stderr, "--endpoints is zerocopy or copy\n");
                return 2;
            }
            o.zerocopy_endpoints = e == "zerocopy";
        }
        else {
            std::fprintf(stderr,
                         "usage: forward-bench --listener PATH [--socat PATH] [--mib N] [--latency-rounds N] "
                         "[--concurrent N] [--repeat N] [--endpoints zerocopy|copy]\n");
            return 2;
        }
    }
    if (o.listener.empty()) {
        std::fprintf(stderr, "forward-bench: --listener PATH (the hvsock-listener executable) is required\n");
        return 2;
    }
    std::signal(SIGPIPE, SIG_IGN);
    zerocopy = o.zerocopy_endpoints;
    // This process holds both ends of every held connection (2 per connection plus the
    // guest's); the usual soft limit of 1024 is too low for 1000 of them.
    rlimit files{};
    if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
        files.rlim_cur = files.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &files);
    }

    std::random_device rd;
    const auto dir = std::filesystem::temp_directory_path() / ("hvsup-forward-bench-" + std::to_string(rd()));
    std::filesystem::create_directories(dir);
    ::setenv(hvsup::hvsock::emulation_dir_variable, dir.c_str(), 1);

    // The guest serves vsock port 7000 on its own thread.
    asio::io_context guest_io;
    auto guest = hvsup::hvsock::make_emulation_transport(dir, hvsup::hvsock::Side::guest);
    auto acceptor = guest->listen(guest_io.get_executor(),
                                  {hvsup::hvsock::parse_guid(vm), hvsup::hvsock::vsock_service_id(guest_port)});
    asio::co_spawn(guest_io, guest_accept(acceptor.get()), asio::detached);
    std::thread guest_thread([&] { guest_io.run(); });
    std::ifstream port_file(dir / vm / "guest" / (hvsup::hvsock::to_string(hvsup::hvsock::vsock_service_id(guest_port)) + ".port"));
    int guest_tcp_port = 0;
    port_file >> guest_tcp_port;

    const uint16_t hvsup_port = free_port();
    const uint16_t socat_port = free_port();
    hvsup::process::SpawnOptions listener;
    listener.executable = o.listener;
    listener.args = {"--forward", "127.0.0.1:" + std::to_string(hvsup_port) + "=" + vm + ":" + std::to_string(guest_port)};
    listener.log_file = (dir / "hvsock-listener.log").string();
    hvsup::process::SpawnOptions socat;
    socat.executable = o.socat;
    socat.args = {"-b65536", "TCP-LISTEN:" + std::to_string(socat_port) + ",bind=127.0.0.1,fork,reuseaddr,nodelay,backlog=1024",
                  "TCP:127.0.0.1:" + std::to_string(guest_tcp_port) + ",nodelay"};
    socat.log_file = (dir / "socat.log").string();
    int64_t listener_pid = hvsup::process::spawn(listener);
    int64_t socat_pid = hvsup::process::spawn(socat);

    Results h, s;
    measure(hvsup_port, socat_port, listener_pid, socat_pid, o, h, s);

    hvsup::process::terminate(listener_pid, std::chrono::seconds(10));
    hvsup::process::terminate(socat_pid, std::chrono::seconds(10));
    acceptor->close();
    guest_io.stop();
    guest_thread.join();
    std::filesystem::remove_all(dir);

    std::printf("forward bench: published port (hvsock-listener) vs socat, same emulated guest, same run\n");
    std::printf("payload %llu MiB per direction (median of %d interleaved runs), %d latency rounds, %d concurrent "
                "connections, %s endpoints\n",
                (unsigned long long)o.mib, o.repeat, o.latency_rounds, o.concurrent,
                o.zerocopy_endpoints ? "zero-copy (sendfile/MSG_TRUNC)" : "copying (write/read)");
    std::printf("%-34s %14s %14s %10s\n", "metric", "hvsock-listener", "socat", "ratio");
    std::printf("%-34s %14.1f %14.1f %9.2fx\n", "upload MiB/s (higher is better)", h.up, s.up, h.up / s.up);
    std::printf("%-34s %14.1f %14.1f %9.2fx\n", "download MiB/s (higher is better)", h.down, s.down, h.down / s.down);
    std::printf("%-34s %14.3f %14.3f %9.2fx\n", "forwarder CPU s per GiB (lower)", h.cpu_per_gib, s.cpu_per_gib,
                h.cpu_per_gib / s.cpu_per_gib);
    std::printf("%-34s %14.1f %14.1f %9.2fx\n", "connect->first byte p50 us (lower)", h.lat.p50_us, s.lat.p50_us,
                h.lat.p50_us / s.lat.p50_us);
    std::printf("%-34s %14.1f %14.1f %9.2fx\n", "connect->first byte p99 us (lower)", h.lat.p99_us, s.lat.p99_us,
                h.lat.p99_us / s.lat.p99_us);
    std::printf("%-34s %14d %14d\n", "connections bridged and held", h.held.bridged, s.held.bridged);
    std::printf("%-34s %14d %14d\n", "open in the guest at once", h.held.peak_in_guest, s.held.peak_in_guest);
    std::printf("%-34s %14.2f %14.2f %9.2fx\n", "time to open+ping all (s, lower)", h.held.secs, s.held.secs,
                h.held.secs / s.held.secs);
    auto ratio_range = [](const std::vector<double>& a, const std::vector<double>& b) {
        double lo = 1e300, hi = 0;
        for (size_t i = 0; i < a.size(); ++i) {
            lo = std::min(lo, a[i] / b[i]);
            hi = std::max(hi, a[i] / b[i]);
        }
        return std::pair{lo, hi};
    };
    auto [up_lo, up_hi] = ratio_range(h.up_runs, s.up_runs);
    auto [down_lo, down_hi] = ratio_range(h.down_runs, s.down_runs);
    std::printf("per-run ratios: upload %.2fx..%.2fx, download %.2fx..%.2fx\n", up_lo, up_hi, down_lo, down_hi);
    auto verdict = [](bool met) { return met ? "met" : "NOT met"; };
    std::printf("targets: throughput >= socat (medians %.2fx up, %.2fx down): %s; p50 latency <= socat (%.2fx): %s; "
                "%d connections held (%d): %s\n",
                h.up / s.up, h.down / s.down, verdict(h.up >= s.up && h.down >= s.down), h.lat.p50_us / s.lat.p50_us,
                verdict(h.lat.p50_us <= s.lat.p50_us), o.concurrent, h.held.bridged,
                verdict(h.held.bridged == o.concurrent && h.held.peak_in_guest == o.concurrent));
    return h.held.bridged == o.concurrent ? 0 : 1;
}
