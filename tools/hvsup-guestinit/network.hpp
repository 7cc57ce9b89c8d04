// SPDX-License-Identifier: MIT
// Guest networking: the loopback interface up (workloads and the port proxy use 127.0.0.1) and
// the static NIC of microagent_net_*, both over rtnetlink (link_config.hpp; no shell tools).
// DHCP is not done yet (docs/guest.md "Not implemented yet").
#pragma once

#include "kernel_cmdline.hpp"

#include <string>

namespace hvsup::guestinit {

// Sets IFF_UP on "lo". Returns "" or why it failed.
std::string bring_up_loopback();

// Waits up to 10 s for the interface (netvsc probes asynchronously), sets its
// address/prefix, brings it up, adds the default route via the gateway, writes
// /etc/resolv.conf (when DNS servers are given) and appends the hosts entries to /etc/hosts,
// under `root`. Stops at the first failure and returns it, naming the interface and the step
// ("configure eth0: set address 10.0.0.2/24: ..."); "" when all was done.
std::string configure_static_network(const StaticNetwork& net, const std::string& root = "");

}  // namespace hvsup::guestinit
