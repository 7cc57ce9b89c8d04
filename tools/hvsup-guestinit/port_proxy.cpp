// SPDX-License-Identifier: MIT
#include "port_proxy.hpp"

#include "console.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace hvsup::guestinit {

namespace {

constexpr auto dial_limit = std::chrono::seconds(10);
// How long connections in flight may finish once the workload ended (PortProxy::stop).
constexpr auto drain_limit = std::chrono::seconds(2);

// TCP 127.0.0.1:port within dial_limit; refused connections are retried (the workload's server
// may still be starting). -1 when it never answers.
int dial_guest(uint16_t port)
{
    const auto deadline = std::chrono::steady_clock::now() + dial_limit;
    for (;;) {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) return -1;
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) return fd;
        const int err = errno;
        ::close(fd);
        if (std::chrono::steady_clock::now() >= deadline) {
            say("connect guest tcp port " + std::to_string(port) + ": " + error_text(err));
            return -1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

// One direction of a spliced pair.
struct Direction {
    int from;
    int to;
    char buf[65536];
    size_t len = 0;
    size_t off = 0;
    bool done = false;  // end of stream read and everything written (or an error)
};

[[noreturn]] void serve_connection(int client, uint16_t guest_port)
{
    const int guest = dial_guest(guest_port);
    if (guest >= 0) splice_sockets(client, guest);
    ::_exit(0);
}

[[noreturn]] void serve(const std::vector<int>& listeners, const std::vector<uint16_t>& guest_ports)
{
    // Connection processes are reaped by the kernel (SIGCHLD ignored), die with the group.
    ::signal(SIGCHLD, SIG_IGN);
    // Should the init itself die (the test mode, killed), the proxy must not outlive it.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::signal(SIGTERM, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    std::vector<pollfd> fds;
    for (const int fd : listeners) fds.push_back({fd, POLLIN, 0});
    for (;;) {
        if (::poll(fds.data(), fds.size(), -1) < 0) {
            if (errno == EINTR) continue;
            ::_exit(1);
        }
        for (size_t i = 0; i < fds.size(); ++i) {
            if ((fds[i].revents & POLLIN) == 0) continue;
            const int client = ::accept4(fds[i].fd, nullptr, nullptr, SOCK_CLOEXEC);
            if (client < 0) continue;
            const pid_t pid = ::fork();
            if (pid == 0) {
                for (const int fd : listeners) ::close(fd);
                serve_connection(client, guest_ports[i]);
            }
            ::close(client);
        }
    }
}

}  // namespace

void splice_sockets(int a, int b) noexcept
{
    Direction dirs[2];
    dirs[0].from = a, dirs[0].to = b;
    dirs[1].from = b, dirs[1].to = a;
    for (const int fd : {a, b}) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    while (!dirs[0].done || !dirs[1].done) {
        // Read only into an empty buffer, write only a full one: a slow reader stalls its writer.
        pollfd fds[2];
        for (int i = 0; i < 2; ++i) {
            Direction& d = dirs[i];
            fds[i] = {d.done ? -1 : (d.len == 0 ? d.from : d.to), static_cast<short>(d.len == 0 ? POLLIN : POLLOUT), 0};
        }
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            return;
        }
        for (int i = 0; i < 2; ++i) {
            Direction& d = dirs[i];
            if (d.done || fds[i].revents == 0) continue;
            if (d.len == 0) {
                const ssize_t n = ::recv(d.from, d.buf, sizeof d.buf, 0);
                if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
                if (n <= 0) {
                    ::shutdown(d.to, SHUT_WR);
                    d.done = true;
                    continue;
                }
                d.len = static_cast<size_t>(n);
                d.off = 0;
            } else {
                const ssize_t n = ::send(d.to, d.buf + d.off, d.len - d.off, MSG_NOSIGNAL);
                if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
                if (n <= 0) {
                    // The destination is gone: nothing more can flow this way.
                    ::shutdown(d.from, SHUT_RD);
                    d.done = true;
                    continue;
                }
                d.off += static_cast<size_t>(n);
                if (d.off == d.len) d.len = 0;
            }
        }
    }
}

PortProxy::PortProxy(VsockTransport& transport, const std::vector<HostForward>& forwards) : transport_(transport)
{
    std::vector<int> listeners;
    std::vector<uint16_t> guest_ports;
    const auto close_all = [&] {
        for (const int fd : listeners) ::close(fd);
    };
    for (const auto& f : forwards) {
        if (!f.protocol.empty() && f.protocol != "tcp") {
            say("published port " + std::to_string(f.host_port) + ": protocol " + f.protocol +
                " is not supported, skipped");
            continue;
        }
        std::string why;
        const int fd = transport_.listen_guest(f.host_port, why);
        if (fd < 0) {
            close_all();
            stop();
            throw std::runtime_error("listen vsock port " + std::to_string(f.host_port) + " for guest port " +
                                     std::to_string(f.guest_port) + ": " + why);
        }
        listeners.push_back(fd);
        guest_ports.push_back(f.guest_port);
        published_.push_back(f.host_port);
    }
    if (listeners.empty()) return;
    server_ = ::fork();
    if (server_ == 0) {
        ::setpgid(0, 0);
        serve(listeners, guest_ports);
    }
    const int err = errno;
    close_all();
    if (server_ < 0) {
        stop();
        throw std::runtime_error("start the port proxy: fork: " + error_text(err));
    }
    // Also from here: the group must exist before stop() signals it, whichever runs first.
    ::setpgid(server_, server_);
    for (size_t i = 0; i < published_.size(); ++i) {
        say("published port: vsock " + std::to_string(published_[i]) +
            " -> 127.0.0.1:" + std::to_string(guest_ports[i]));
    }
}

PortProxy::~PortProxy()
{
    stop();
}

void PortProxy::stop() noexcept
{
    if (server_ > 0) {
        // The acceptor first: no new connection. Those in flight may still carry the workload's
        // last reply to the host, so they get up to drain_limit to finish before the group is
        // killed (cut at once, a reply written just before the workload exited was truncated).
        // They are orphans of the acceptor now, so they come back here to be reaped.
        ::kill(server_, SIGKILL);
        int status = 0;
        ::waitpid(server_, &status, 0);
        const auto deadline = std::chrono::steady_clock::now() + drain_limit;
        while (std::chrono::steady_clock::now() < deadline) {
            while (::waitpid(-server_, &status, WNOHANG) > 0) {
            }
            if (::kill(-server_, 0) != 0) break;  // the group is empty
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        ::kill(-server_, SIGKILL);
        while (::waitpid(-server_, &status, WNOHANG) > 0) {
        }
        server_ = -1;
    }
    for (const uint32_t port : published_) transport_.unpublish(port);
    published_.clear();
}

}  // namespace hvsup::guestinit
