// SPDX-License-Identifier: MIT
// The transport-independent part: service ids and the result delivery loop.
#include "vsock.hpp"

#include "console.hpp"

#include <cerrno>
#include <cstdio>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <system_error>
#include <thread>
#include <unistd.h>

namespace hvsup::guestinit {

std::string vsock_service_id(uint32_t port)
{
    char buf[48];
    std::snprintf(buf, sizeof buf, "%08x-facb-11e6-bd58-64006a7986d3", port);
    return buf;
}

namespace {

// A close-on-exec stream socket, made in the network namespace `netns` when it is >= 0. A
// socket belongs to the namespace it was made in, whichever thread uses it later; setns
// changes only the calling thread's namespace, so a short-lived thread makes it there and
// the init's own threads never leave theirs.
int stream_socket(int family, int netns, int& err)
{
    if (netns < 0) {
        const int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        err = fd < 0 ? errno : 0;
        return fd;
    }
    int fd = -1;
    err = 0;
    try {
        std::thread maker([&] {
            if (::setns(netns, CLONE_NEWNET) != 0) {
                err = errno;
                return;
            }
            fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (fd < 0) err = errno;
        });
        maker.join();
    } catch (const std::system_error& e) {  // no thread could be started
        err = e.code().value();
    }
    return fd;
}

}  // namespace

int connect_stream(int family, const char* label, const sockaddr* addr, socklen_t len, std::string& why, int netns)
{
    int err = 0;
    const int fd = stream_socket(family, netns, err);
    if (fd < 0) {
        why = std::string(label) + ": " + error_text(err);
        return -1;
    }
    int r = 0;
    do {
        r = ::connect(fd, addr, len);
    } while (r != 0 && errno == EINTR);
    if (r != 0) {
        why = error_text(errno);
        ::close(fd);
        return -1;
    }
    return fd;
}

int listen_stream(int family, const char* label, sockaddr* addr, socklen_t len, std::string& why, int netns)
{
    int err = 0;
    const int fd = stream_socket(family, netns, err);
    if (fd < 0) {
        why = std::string(label) + ": " + error_text(err);
        return -1;
    }
    if (::bind(fd, addr, len) != 0 || ::listen(fd, 64) != 0 || ::getsockname(fd, addr, &len) != 0) {
        why = error_text(errno);
        ::close(fd);
        return -1;
    }
    return fd;
}

namespace {

std::string send_all(int fd, std::string_view data)
{
    while (!data.empty()) {
        const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return "write: " + error_text(n < 0 ? errno : EPIPE);
        data.remove_prefix(static_cast<size_t>(n));
    }
    return {};
}

// After the half-close the host reads to the end and closes; waiting for that (bounded) keeps
// a power-off from racing the last bytes out of the guest.
void wait_for_close(int fd, std::chrono::milliseconds limit)
{
    const auto deadline = std::chrono::steady_clock::now() + limit;
    char buf[256];
    for (;;) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return;
        pollfd p{fd, POLLIN, 0};
        const int r = ::poll(&p, 1, static_cast<int>(left.count()));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return;
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0 && !(n < 0 && errno == EINTR)) return;
    }
}

}  // namespace

std::string deliver(VsockTransport& transport, uint32_t port, std::string_view payload, std::chrono::milliseconds limit,
                    std::chrono::milliseconds interval)
{
    const auto deadline = std::chrono::steady_clock::now() + limit;
    std::string why;
    for (;;) {
        const int fd = transport.connect_host(port, why);
        if (fd >= 0) {
            std::string failed = send_all(fd, payload);
            if (failed.empty() && ::shutdown(fd, SHUT_WR) != 0) failed = "shutdown: " + error_text(errno);
            if (failed.empty()) wait_for_close(fd, std::chrono::seconds(5));
            ::close(fd);
            return failed;
        }
        if (std::chrono::steady_clock::now() + interval > deadline) {
            return "connect " + transport.describe() + " port " + std::to_string(port) + ": " + why +
                   " (gave up after " + std::to_string(limit.count()) + " ms)";
        }
        std::this_thread::sleep_for(interval);
    }
}

}  // namespace hvsup::guestinit
