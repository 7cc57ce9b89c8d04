// SPDX-License-Identifier: MIT
#include "process_setup.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <sys/resource.h>

namespace hvsock_listener {

std::string prepare_process()
{
    std::signal(SIGPIPE, SIG_IGN);
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return std::string("getrlimit(RLIMIT_NOFILE): ") + std::strerror(errno);
    if (limit.rlim_cur == limit.rlim_max) return {};
    limit.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) return std::string("raise RLIMIT_NOFILE: ") + std::strerror(errno);
    return {};
}

}  // namespace hvsock_listener
