// SPDX-License-Identifier: MIT
// The boot mode's network (Linux): the guest's NIC as one end of a veth pair, moved into the
// guest's network namespace under the NIC's name, and the other end, holding the gateway's
// address, in a network namespace of its own that stands for the host's virtual switch. The
// machine's own network is never touched: both namespaces, and the pair with them, go when the
// guest ends and the switch is destroyed.
#pragma once

#include <optional>
#include <string>
#include <sys/types.h>

namespace hvsup::sim::guest {

// The NIC the document's kernel command line configures: microagent_net_if/ip/gw.
struct GuestNic {
    std::string name;          // eth0
    std::string address_cidr;  // a.b.c.d/n
    std::string gateway;       // a.b.c.d
};

class VirtualSwitch {
public:
    // Wires `nic` into the network namespace of process `guest` (runs iproute2's `ip` in the
    // switch's namespace). Throws std::runtime_error naming the command that failed.
    VirtualSwitch(pid_t guest, const GuestNic& nic);
    ~VirtualSwitch();
    VirtualSwitch(const VirtualSwitch&) = delete;
    VirtualSwitch& operator=(const VirtualSwitch&) = delete;

    // The host end's name in the switch's namespace.
    static constexpr const char* host_end = "hvsim0";

private:
    int namespace_ = -1;  // keeps the switch's namespace alive
};

}  // namespace hvsup::sim::guest
