// SPDX-License-Identifier: MIT
// Guest networking: the loopback interface up (workloads and the port proxy use 127.0.0.1) and
// the static NIC of microagent_net_*, both over rtnetlink (link_config.hpp; no shell tools).
// DHCP (ip=dhcp) is dhcp_client.hpp; it ends here with the lease as a static configuration.
#pragma once

#include "kernel_cmdline.hpp"
#include "rtnetlink.hpp"

#include <string>

namespace hvsup::guestinit {

// Sets IFF_UP on "lo". Returns "" or why it failed.
std::string bring_up_loopback();

// Waits up to 10 s for the interface `name` (netvsc probes asynchronously): its index, or 0 with
// `why` set ("the interface did not appear within 10 s: No such device").
int wait_for_interface(RtnetlinkSocket& nl, const std::string& name, std::string& why);

// Waits up to 10 s for the interface, sets its address/prefix, brings it up, adds the default
// route via the gateway (none when the gateway is empty: a DHCP lease without a router), writes
// /etc/resolv.conf (when DNS servers are given) and appends the hosts entries to /etc/hosts,
// under `root`. Stops at the first failure and returns it, naming the interface and the step
// ("configure eth0: set address 10.0.0.2/24: ..."); "" when all was done.
std::string configure_static_network(const StaticNetwork& net, const std::string& root = "");

}  // namespace hvsup::guestinit
