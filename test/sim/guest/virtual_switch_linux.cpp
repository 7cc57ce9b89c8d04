// SPDX-License-Identifier: MIT
// Linux implementation of guest/virtual_switch.hpp.
#include "guest/virtual_switch.hpp"

#include "guest/run_program.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sched.h>
#include <stdexcept>
#include <thread>
#include <unistd.h>
#include <vector>

namespace hvsup::sim::guest {
namespace {

std::string run_ip(std::vector<std::string> args)
{
    args.insert(args.begin(), "ip");
    return run_program(std::move(args), "the boot mode's network needs iproute2");
}

}  // namespace

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
