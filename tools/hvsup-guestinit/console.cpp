// SPDX-License-Identifier: MIT
#include "console.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace hvsup::guestinit {

void write_fully(int fd, std::string_view data) noexcept
{
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        data.remove_prefix(static_cast<size_t>(n));
    }
}

void say(std::string_view message) noexcept
{
    try {
        std::string line = "hvsup-guestinit: ";
        line += message;
        line += '\n';
        write_fully(2, line);
    } catch (...) {
        write_fully(2, "hvsup-guestinit: (message lost: out of memory)\n");
    }
}

bool attach_console() noexcept
{
    bool ok = true;
    for (int fd = 0; fd <= 2; ++fd) {
        if (::fcntl(fd, F_GETFD) != -1) continue;
        const int console = ::open("/dev/console", O_RDWR | O_NOCTTY);
        if (console < 0) {
            ok = false;
            continue;
        }
        // open() returns the lowest free descriptor: fd itself, since the lower ones are open.
        if (console != fd) {
            ::dup2(console, fd);
            ::close(console);
        }
    }
    return ok;
}

std::string error_text(int err)
{
    char buf[256] = {};
    // GNU strerror_r returns the text (maybe not in buf).
    return ::strerror_r(err, buf, sizeof buf);
}

}  // namespace hvsup::guestinit
