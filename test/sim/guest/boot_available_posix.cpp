// SPDX-License-Identifier: MIT
// Whether the boot mode can run (boot_linux.cpp): as root it attaches loop devices and makes
// namespaces, which needs /dev/loop-control; without root it reads the root disk with debugfs
// and makes a user namespace too, which needs debugfs on PATH and unprivileged user namespaces.
#include "guest/boot.hpp"

#include <cstdlib>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sched.h>
#endif

namespace hvsup::sim::guest {
namespace {

#ifdef __linux__
bool on_path(const std::string& program)
{
    const char* path = std::getenv("PATH");
    std::string dirs = path != nullptr ? path : "";
    for (size_t begin = 0; begin <= dirs.size();) {
        const size_t end = std::min(dirs.find(':', begin), dirs.size());
        const std::string dir = dirs.substr(begin, end - begin);
        if (!dir.empty() && ::access((dir + "/" + program).c_str(), X_OK) == 0) return true;
        begin = end + 1;
    }
    return false;
}

// Whether this user may make a user namespace: tried in a child, which only asks and exits.
bool user_namespaces_work()
{
    const pid_t pid = ::fork();
    if (pid < 0) return false;
    if (pid == 0) ::_exit(::unshare(CLONE_NEWUSER) == 0 ? 0 : 1);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}
#endif

}  // namespace

std::string boot_unavailable()
{
#ifndef __linux__
    return "the simulator's boot mode (\"guest\": {\"boot\": true}) needs Linux namespaces and loop devices";
#else
    if (::geteuid() != 0) {
        const char* how = "the simulator's boot mode (\"guest\": {\"boot\": true}) needs root (it attaches the VHDs to "
                          "loop devices), or, without root, ";
        if (!on_path("debugfs")) return std::string(how) + "debugfs (e2fsprogs) on PATH to read the root disk";
        if (!user_namespaces_work()) return std::string(how) + "unprivileged user namespaces, which this kernel refuses";
        return {};
    }
    if (::access("/dev/loop-control", R_OK | W_OK) != 0) {
        return "the simulator's boot mode (\"guest\": {\"boot\": true}) needs loop devices: /dev/loop-control is "
               "missing (modprobe loop)";
    }
    return {};
#endif
}

}  // namespace hvsup::sim::guest
