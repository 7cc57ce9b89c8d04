// SPDX-License-Identifier: MIT
// Linux implementation of guest/run_program.hpp.
#include "guest/run_program.hpp"

#include <cerrno>
#include <cstring>
#include <spawn.h>
#include <sys/wait.h>

extern char** environ;

namespace hvsup::sim::guest {

std::string run_program(std::vector<std::string> args, const std::string& missing_hint)
{
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::string line;
    for (const auto& a : args) line += (line.empty() ? "" : " ") + a;
    pid_t pid = -1;
    // posix_spawn makes the child from the calling thread, with its namespaces.
    if (const int err = ::posix_spawnp(&pid, argv[0], nullptr, nullptr, argv.data(), environ); err != 0) {
        return line + ": " + std::strerror(err) + (err == ENOENT && !missing_hint.empty() ? " (" + missing_hint + ")" : "");
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return line + ": wait: " + std::strerror(errno);
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return line + ": failed (its message is in the guest's log)";
    return {};
}

}  // namespace hvsup::sim::guest
