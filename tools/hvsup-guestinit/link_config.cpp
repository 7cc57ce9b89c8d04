// SPDX-License-Identifier: MIT
#include "link_config.hpp"

#include <cerrno>
#include <cstring>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

namespace hvsup::guestinit {

namespace {

std::string outcome(const RtnetlinkAnswer& answer)
{
    return answer.error == 0 ? std::string() : describe(answer);
}

}  // namespace

int find_link(RtnetlinkSocket& nl, const std::string& name, RtnetlinkAnswer& answer)
{
    RtnetlinkRequest req(RTM_GETLINK, 0);
    ifinfomsg info{};
    info.ifi_family = AF_UNSPEC;
    req.family_header(info);
    req.attribute_string(IFLA_IFNAME, name);
    answer = nl.exchange(req);
    if (answer.error != 0) return 0;
    if (answer.reply.size() < NLMSG_LENGTH(sizeof(ifinfomsg))) {
        answer.error = EPROTO;
        return 0;
    }
    ifinfomsg found{};
    std::memcpy(&found, answer.reply.data() + NLMSG_HDRLEN, sizeof found);
    return found.ifi_index;
}

std::string set_link_up(RtnetlinkSocket& nl, int index)
{
    RtnetlinkRequest req(RTM_NEWLINK, 0);
    ifinfomsg info{};
    info.ifi_family = AF_UNSPEC;
    info.ifi_index = index;
    info.ifi_flags = IFF_UP;
    info.ifi_change = IFF_UP;  // only this flag changes
    req.family_header(info);
    return outcome(nl.exchange(req));
}

std::string add_ipv4_address(RtnetlinkSocket& nl, int index, in_addr address, unsigned int prefix)
{
    RtnetlinkRequest req(RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE);
    ifaddrmsg addr{};
    addr.ifa_family = AF_INET;
    addr.ifa_prefixlen = static_cast<unsigned char>(prefix);
    addr.ifa_scope = RT_SCOPE_UNIVERSE;
    addr.ifa_index = static_cast<unsigned int>(index);
    req.family_header(addr);
    // On a broadcast link the local and the peer address are the same one.
    req.attribute(IFA_LOCAL, &address, sizeof address);
    req.attribute(IFA_ADDRESS, &address, sizeof address);
    if (prefix < 31) {
        const uint32_t host_bits = prefix == 0 ? ~uint32_t{0} : ~uint32_t{0} >> prefix;
        in_addr broadcast{};
        broadcast.s_addr = address.s_addr | htonl(host_bits);
        req.attribute(IFA_BROADCAST, &broadcast, sizeof broadcast);
    }
    return outcome(nl.exchange(req));
}

std::string add_default_route(RtnetlinkSocket& nl, int index, in_addr gateway)
{
    RtnetlinkRequest req(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE);
    rtmsg route{};
    route.rtm_family = AF_INET;
    route.rtm_dst_len = 0;  // the default route
    route.rtm_table = RT_TABLE_MAIN;
    route.rtm_protocol = RTPROT_BOOT;
    route.rtm_scope = RT_SCOPE_UNIVERSE;
    route.rtm_type = RTN_UNICAST;
    req.family_header(route);
    req.attribute(RTA_GATEWAY, &gateway, sizeof gateway);
    const uint32_t oif = static_cast<uint32_t>(index);
    req.attribute(RTA_OIF, &oif, sizeof oif);
    return outcome(nl.exchange(req));
}

}  // namespace hvsup::guestinit
