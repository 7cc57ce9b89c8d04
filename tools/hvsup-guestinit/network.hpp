// SPDX-License-Identifier: MIT
// Guest networking: the loopback interface up (workloads and the port proxy use 127.0.0.1) and
// the static NIC of microagent_net_* through the classic interface ioctls (no shell tools).
// DHCP is not done yet (docs/guest.md "Not implemented yet").
#pragma once

#include "kernel_cmdline.hpp"

#include <string>
#include <vector>

namespace hvsup::guestinit {

// Sets IFF_UP on "lo". Returns "" or why it failed.
std::string bring_up_loopback();

// Waits (bounded) for the interface (netvsc probes asynchronously), sets its address and netmask,
// brings it up, adds the default route via the gateway, writes /etc/resolv.conf (when DNS
// servers are given) and appends the hosts entries to /etc/hosts. Under `root` for the files.
// Returns the failures ("set address of eth0: ..."); the run goes on without the network.
std::vector<std::string> configure_static_network(const StaticNetwork& net, const std::string& root = "");

}  // namespace hvsup::guestinit
