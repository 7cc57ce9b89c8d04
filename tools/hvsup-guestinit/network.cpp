// SPDX-License-Identifier: MIT
#include "network.hpp"

#include "console.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <net/route.h>
#include <thread>
#include <cstring>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace hvsup::guestinit {

std::string bring_up_loopback()
{
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return "socket: " + error_text(errno);
    ifreq req{};
    std::strncpy(req.ifr_name, "lo", IFNAMSIZ - 1);
    std::string why;
    if (::ioctl(fd, SIOCGIFFLAGS, &req) != 0) {
        why = "get flags of lo: " + error_text(errno);
    } else {
        req.ifr_flags = static_cast<short>(req.ifr_flags | IFF_UP);
        if (::ioctl(fd, SIOCSIFFLAGS, &req) != 0) why = "bring lo up: " + error_text(errno);
    }
    ::close(fd);
    return why;
}

namespace {

sockaddr to_sockaddr(const std::string& ipv4)
{
    sockaddr_in in{};
    in.sin_family = AF_INET;
    ::inet_pton(AF_INET, ipv4.c_str(), &in.sin_addr);
    sockaddr out{};
    std::memcpy(&out, &in, sizeof in);
    return out;
}

sockaddr netmask(unsigned int prefix)
{
    sockaddr_in in{};
    in.sin_family = AF_INET;
    in.sin_addr.s_addr = htonl(prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix));
    sockaddr out{};
    std::memcpy(&out, &in, sizeof in);
    return out;
}

// The interface ioctls; each failure is recorded and the next step still tried.
void configure_interface(int fd, const StaticNetwork& net, std::vector<std::string>& failures)
{
    const std::string& name = net.interface_name;
    const size_t slash = net.ip_cidr.find('/');
    ifreq req{};
    std::strncpy(req.ifr_name, name.c_str(), IFNAMSIZ - 1);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (::ioctl(fd, SIOCGIFFLAGS, &req) != 0) {
        if (std::chrono::steady_clock::now() >= deadline) {
            failures.push_back("interface " + name + " did not appear within 10 s: " + error_text(errno));
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    req.ifr_addr = to_sockaddr(net.ip_cidr.substr(0, slash));
    if (::ioctl(fd, SIOCSIFADDR, &req) != 0) failures.push_back("set address of " + name + ": " + error_text(errno));
    req.ifr_netmask = netmask(static_cast<unsigned int>(std::stoul(net.ip_cidr.substr(slash + 1))));
    if (::ioctl(fd, SIOCSIFNETMASK, &req) != 0) failures.push_back("set netmask of " + name + ": " + error_text(errno));
    if (::ioctl(fd, SIOCGIFFLAGS, &req) == 0) {
        req.ifr_flags = static_cast<short>(req.ifr_flags | IFF_UP);
        if (::ioctl(fd, SIOCSIFFLAGS, &req) != 0) failures.push_back("bring " + name + " up: " + error_text(errno));
    }
    rtentry route{};
    route.rt_dst = to_sockaddr("0.0.0.0");
    route.rt_genmask = to_sockaddr("0.0.0.0");
    route.rt_gateway = to_sockaddr(net.gateway);
    route.rt_flags = RTF_UP | RTF_GATEWAY;
    std::string dev = name;
    route.rt_dev = dev.data();
    if (::ioctl(fd, SIOCADDRT, &route) != 0 && errno != EEXIST) {
        failures.push_back("add default route via " + net.gateway + ": " + error_text(errno));
    }
}

}  // namespace

std::vector<std::string> configure_static_network(const StaticNetwork& net, const std::string& root)
{
    std::vector<std::string> failures;
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return {"socket: " + error_text(errno)};
    configure_interface(fd, net, failures);
    ::close(fd);
    if (!net.dns.empty()) {
        std::ofstream resolv(root + "/etc/resolv.conf", std::ios::trunc);
        for (const auto& dns : net.dns) resolv << "nameserver " << dns << "\n";
        resolv.close();
        if (!resolv) failures.push_back("write /etc/resolv.conf: " + error_text(errno));
    }
    if (!net.hosts.empty()) {
        std::ofstream hosts(root + "/etc/hosts", std::ios::app);
        for (const auto& entry : net.hosts) {
            const size_t colon = entry.find(':');
            hosts << entry.substr(colon + 1) << " " << entry.substr(0, colon) << "\n";
        }
        hosts.close();
        if (!hosts) failures.push_back("append to /etc/hosts: " + error_text(errno));
    }
    return failures;
}

}  // namespace hvsup::guestinit
