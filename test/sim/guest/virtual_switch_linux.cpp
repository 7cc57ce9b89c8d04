// SPDX-License-Identifier: MIT
// Linux implementation of guest/virtual_switch.hpp.
#include "guest/virtual_switch.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sched.h>
#include <spawn.h>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace hvsup::sim::guest {
namespace {

// The value of `key=` among the words of `cmdline` ("" when absent).
std::string word_value(const std::string& cmdline, const std::string& key)
{
    size_t begin = 0;
    while (begin < cmdline.size()) {
        const size_t end = std::min(cmdline.find(' ', begin), cmdline.size());
        if (cmdline.compare(begin, key.size() + 1, key + "=") == 0) return cmdline.substr(begin + key.size() + 1, end - begin - key.size() - 1);
        begin = end + 1;
    }
    return {};
}

// Runs `ip ARGS...` in the calling thread's network namespace (posix_spawn copies the calling
// thread's namespaces); "" when it succeeded, else what failed.
std::string run_ip(std::vector<std::string> args)
{
    args.insert(args.begin(), "ip");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::string line;
    for (const auto& a : args) line += (line.empty() ? "" : " ") + a;
    pid_t pid = -1;
    if (const int err = ::posix_spawnp(&pid, "ip", nullptr, nullptr, argv.data(), environ); err != 0) {
        return line + ": " + std::strerror(err) + (err == ENOENT ? " (the boot mode's network needs iproute2)" : "");
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return line + ": wait: " + std::strerror(errno);
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return line + ": failed (its message is in the guest's log)";
    return {};
}

}  // namespace

std::optional<GuestNic> guest_nic(const std::string& cmdline)
{
    GuestNic nic{word_value(cmdline, "microagent_net_if"), word_value(cmdline, "microagent_net_ip"),
                 word_value(cmdline, "microagent_net_gw")};
    if (nic.name.empty() || nic.address_cidr.empty() || nic.gateway.empty()) return std::nullopt;
    return nic;
}

VirtualSwitch::VirtualSwitch(pid_t guest, const GuestNic& nic)
{
    const size_t slash = nic.address_cidr.find('/');
    const std::string prefix = slash == std::string::npos ? "32" : nic.address_cidr.substr(slash + 1);
    std::string failed;
    // On a thread of its own: unshare(CLONE_NEWNET) moves only the calling thread, which ends
    // here, and the descriptor it opens keeps the namespace alive after it.
    std::thread wire([&] {
        if (::unshare(CLONE_NEWNET) != 0) {
            failed = std::string("make the virtual switch's network namespace: ") + std::strerror(errno);
            return;
        }
        namespace_ = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        if (namespace_ < 0) {
            failed = std::string("open the virtual switch's network namespace: ") + std::strerror(errno);
            return;
        }
        for (auto& step : std::vector<std::vector<std::string>>{
                 {"link", "set", "lo", "up"},
                 {"link", "add", host_end, "type", "veth", "peer", "name", nic.name, "netns", std::to_string(guest)},
                 {"address", "add", nic.gateway + "/" + prefix, "dev", host_end},
                 {"link", "set", host_end, "up"}}) {
            failed = run_ip(step);
            if (!failed.empty()) return;
        }
    });
    wire.join();
    if (!failed.empty()) {
        if (namespace_ >= 0) ::close(namespace_);
        throw std::runtime_error(failed);
    }
}

VirtualSwitch::~VirtualSwitch()
{
    if (namespace_ >= 0) ::close(namespace_);
}

}  // namespace hvsup::sim::guest
