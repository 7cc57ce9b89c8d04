// SPDX-License-Identifier: MIT
// ip=dhcp (bridged networking): the guest's NIC configured from a DHCPv4 lease.
#pragma once

#include <chrono>
#include <string>

namespace hvsup::guestinit {

// Waits up to 10 s for `interface` (as for a static NIC), brings it up and runs DISCOVER,
// OFFER, REQUEST, ACK over a packet socket on it (DISCOVER sent again after 1, 2 and 4 s;
// a NAK starts over), all within `limit` of the interface coming up. Then configures the lease
// as a static network would: the address with the mask's prefix, the first router as the
// default route (none without one), the DNS servers in /etc/resolv.conf under `root`. Returns ""
// or why it failed, naming the interface ("configure eth0 by DHCP: no offer within 10 s").
// The lease is not renewed: the workload of a micro-VM is expected to end within it.
std::string configure_dhcp_network(const std::string& interface, const std::string& root = "",
                                   std::chrono::milliseconds limit = std::chrono::seconds(10));

}  // namespace hvsup::guestinit
