// SPDX-License-Identifier: MIT
#include "network.hpp"

#include "console.hpp"
#include "link_config.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <thread>

namespace hvsup::guestinit {

std::string bring_up_loopback()
{
    try {
        RtnetlinkSocket nl;
        RtnetlinkAnswer answer;
        const int index = find_link(nl, "lo", answer);
        if (index == 0) return "find lo: " + describe(answer);
        if (auto why = set_link_up(nl, index); !why.empty()) return "bring lo up: " + why;
        return {};
    } catch (const std::exception& e) {
        return std::string("bring lo up: ") + e.what();
    }
}

int wait_for_interface(RtnetlinkSocket& nl, const std::string& name, std::string& why)
{
    RtnetlinkAnswer answer;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    int index = 0;
    while ((index = find_link(nl, name, answer)) == 0) {
        if (answer.error != ENODEV) {
            why = "look up the interface: " + describe(answer);
            return 0;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            why = "the interface did not appear within 10 s: " + describe(answer);
            return 0;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return index;
}

namespace {

std::string configure_interface(const StaticNetwork& net)
{
    const std::string context = "configure " + net.interface_name + ": ";
    const size_t slash = net.ip_cidr.find('/');
    in_addr address{};
    in_addr gateway{};
    // The command line parser checked both; a second check keeps a bad value from becoming 0.0.0.0.
    if (slash == std::string::npos || ::inet_pton(AF_INET, net.ip_cidr.substr(0, slash).c_str(), &address) != 1)
        return context + "address \"" + net.ip_cidr + "\" is not a.b.c.d/n";
    if (!net.gateway.empty() && ::inet_pton(AF_INET, net.gateway.c_str(), &gateway) != 1)
        return context + "gateway \"" + net.gateway + "\" is not an IPv4 address";
    const unsigned int prefix = static_cast<unsigned int>(std::stoul(net.ip_cidr.substr(slash + 1)));

    try {
        RtnetlinkSocket nl;
        std::string missing;
        const int index = wait_for_interface(nl, net.interface_name, missing);
        if (index == 0) return context + missing;
        if (auto why = add_ipv4_address(nl, index, address, prefix); !why.empty())
            return context + "set address " + net.ip_cidr + ": " + why;
        if (auto why = set_link_up(nl, index); !why.empty()) return context + "bring it up: " + why;
        // A DHCP lease may come without a router: the subnet alone is reachable then.
        if (net.gateway.empty()) return {};
        if (auto why = add_default_route(nl, index, gateway); !why.empty())
            return context + "add default route via " + net.gateway + ": " + why;
    } catch (const std::exception& e) {
        return context + e.what();
    }
    return {};
}

}  // namespace

std::string configure_static_network(const StaticNetwork& net, const std::string& root)
{
    if (auto why = configure_interface(net); !why.empty()) return why;
    if (!net.dns.empty()) {
        std::ofstream resolv(root + "/etc/resolv.conf", std::ios::trunc);
        for (const auto& dns : net.dns) resolv << "nameserver " << dns << "\n";
        resolv.close();
        if (!resolv) return "configure " + net.interface_name + ": write /etc/resolv.conf: " + error_text(errno);
    }
    if (!net.hosts.empty()) {
        std::ofstream hosts(root + "/etc/hosts", std::ios::app);
        for (const auto& entry : net.hosts) {
            const size_t colon = entry.find(':');
            hosts << entry.substr(colon + 1) << " " << entry.substr(0, colon) << "\n";
        }
        hosts.close();
        if (!hosts) return "configure " + net.interface_name + ": append to /etc/hosts: " + error_text(errno);
    }
    return {};
}

}  // namespace hvsup::guestinit
