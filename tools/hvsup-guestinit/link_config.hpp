// SPDX-License-Identifier: MIT
// The rtnetlink requests of the guest's IPv4 set-up, one function per step. Each returns ""
// or why the kernel refused, without the interface's name (the caller adds the context).
#pragma once

#include "rtnetlink.hpp"

#include <netinet/in.h>
#include <string>

namespace hvsup::guestinit {

// RTM_GETLINK by name: the interface index, or 0 with the kernel's answer in `answer`
// (ENODEV while a driver has not made the interface yet).
int find_link(RtnetlinkSocket& nl, const std::string& name, RtnetlinkAnswer& answer);

// RTM_NEWLINK: IFF_UP on the link, its other flags untouched.
std::string set_link_up(RtnetlinkSocket& nl, int index);

// RTM_NEWADDR: `address`/`prefix` (and the subnet's broadcast address), replacing an equal one.
std::string add_ipv4_address(RtnetlinkSocket& nl, int index, in_addr address, unsigned int prefix);

// RTM_NEWROUTE: 0.0.0.0/0 via `gateway` out of the link, in the main table, replacing any.
std::string add_default_route(RtnetlinkSocket& nl, int index, in_addr gateway);

}  // namespace hvsup::guestinit
