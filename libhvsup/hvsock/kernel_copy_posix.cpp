// SPDX-License-Identifier: MIT
// Linux: splice(2) from the source socket into a pipe and from the pipe into the destination
// socket. The kernel moves page references instead of copying the bytes into and out of a
// user-space buffer, which removes both copies the portable pump makes per chunk.
//
// Bounded like the portable pump: the pipe is filled (at most kernel_copy_capacity bytes)
// only when it is empty, and emptied completely into the destination before the source is
// read again, so a slow reader stalls the writer. splice(2) into a socket cannot pass
// MSG_NOSIGNAL, so SIGPIPE is blocked around each write and the one it raised is swallowed.
#include "hvsock/kernel_copy.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cerrno>
#include <csignal>
#include <ctime>
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

namespace hvsup::hvsock::detail {
namespace {

namespace asio = boost::asio;

class Pipe {
public:
    bool open() { return ::pipe2(fds_, O_NONBLOCK | O_CLOEXEC) == 0; }
    ~Pipe()
    {
        for (int fd : fds_) {
            if (fd >= 0) ::close(fd);
        }
    }
    int read_end() const { return fds_[0]; }
    int write_end() const { return fds_[1]; }

private:
    int fds_[2] = {-1, -1};
};

bool sigpipe_ignored()
{
    struct sigaction current {};
    return ::sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_IGN;
}

// SIGPIPE blocked on this thread for one splice(2) into a socket.
class SigpipeBlocked {
public:
    explicit SigpipeBlocked(bool active) : active_(active)
    {
        if (!active_) return;
        sigemptyset(&pipe_);
        sigaddset(&pipe_, SIGPIPE);
        ::pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
        was_blocked_ = sigismember(&old_, SIGPIPE) == 1;
    }
    SigpipeBlocked(const SigpipeBlocked&) = delete;
    SigpipeBlocked& operator=(const SigpipeBlocked&) = delete;
    // After EPIPE: take the SIGPIPE the write raised so it is never delivered.
    void swallow()
    {
        if (!active_ || was_blocked_) return;
        sigset_t pending;
        if (::sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1) {
            timespec zero{};
            ::sigtimedwait(&pipe_, nullptr, &zero);
        }
    }
    ~SigpipeBlocked()
    {
        if (active_ && !was_blocked_) ::pthread_sigmask(SIG_SETMASK, &old_, nullptr);
    }

private:
    bool active_;
    bool was_blocked_ = false;
    sigset_t pipe_{};
    sigset_t old_{};
};

constexpr unsigned splice_flags = SPLICE_F_MOVE | SPLICE_F_NONBLOCK;

}  // namespace

asio::awaitable<KernelCopyEnd> kernel_copy(Stream& from, Stream& to)
{
    if (!from.is_open() || !to.is_open()) co_return KernelCopyEnd::error;
    Pipe pipe;
    if (!pipe.open()) co_return KernelCopyEnd::unavailable;  // for example EMFILE
    boost::system::error_code ec;
    from.native_non_blocking(true, ec);
    if (!ec) to.native_non_blocking(true, ec);
    if (ec) co_return KernelCopyEnd::unavailable;
    const bool guard_sigpipe = !sigpipe_ignored();
    auto token = asio::as_tuple(asio::use_awaitable);
    bool moved = false;
    for (;;) {
        // After every suspension: the other direction may have closed both streams (and the
        // descriptor numbers may already belong to someone else).
        if (!from.is_open() || !to.is_open()) co_return KernelCopyEnd::error;
        const ssize_t n = ::splice(from.native_handle(), nullptr, pipe.write_end(), nullptr, kernel_copy_capacity,
                                   splice_flags);
        if (n == 0) co_return KernelCopyEnd::eof;  // the pipe is empty: everything read was written
        if (n < 0) {
            const int e = errno;
            if (e == EINTR) continue;
            if (e == EAGAIN) {
                auto [wait_error] = co_await from.async_wait(Stream::wait_read, token);
                if (wait_error) co_return KernelCopyEnd::error;
                continue;
            }
            // A stream type the kernel cannot splice from: nothing was taken from it.
            if (!moved && (e == EINVAL || e == ENOSYS || e == EOPNOTSUPP)) co_return KernelCopyEnd::unavailable;
            co_return KernelCopyEnd::error;
        }
        moved = true;
        for (size_t pending = static_cast<size_t>(n); pending > 0;) {
            if (!to.is_open()) co_return KernelCopyEnd::error;
            ssize_t m;
            int e;
            {
                SigpipeBlocked blocked(guard_sigpipe);
                m = ::splice(pipe.read_end(), nullptr, to.native_handle(), nullptr, pending, splice_flags);
                e = errno;
                if (m < 0 && e == EPIPE) blocked.swallow();
            }
            if (m > 0) {
                pending -= static_cast<size_t>(m);
                continue;
            }
            if (m < 0 && e == EINTR) continue;
            if (m < 0 && e == EAGAIN) {
                auto [wait_error] = co_await to.async_wait(Stream::wait_write, token);
                if (wait_error) co_return KernelCopyEnd::error;
                continue;
            }
            co_return KernelCopyEnd::error;
        }
    }
}

}  // namespace hvsup::hvsock::detail
