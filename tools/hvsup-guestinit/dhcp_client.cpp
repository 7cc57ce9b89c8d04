// SPDX-License-Identifier: MIT
// Implementation of dhcp_client.hpp: the exchange over an AF_PACKET socket bound to the
// interface (SOCK_DGRAM: the kernel adds the Ethernet header for the broadcast address).
#include "dhcp_client.hpp"

#include "console.hpp"
#include "dhcp_message.hpp"
#include "kernel_cmdline.hpp"
#include "link_config.hpp"
#include "network.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

namespace hvsup::guestinit {
namespace {

using Clock = std::chrono::steady_clock;

class PacketSocket {
public:
    explicit PacketSocket(int index) : index_(index)
    {
        fd_ = ::socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_IP));
        if (fd_ < 0) throw std::runtime_error("packet socket: " + error_text(errno));
        sockaddr_ll at{};
        at.sll_family = AF_PACKET;
        at.sll_protocol = htons(ETH_P_IP);
        at.sll_ifindex = index;
        if (::bind(fd_, reinterpret_cast<const sockaddr*>(&at), sizeof at) != 0) {
            const int err = errno;
            ::close(fd_);
            throw std::runtime_error("bind the packet socket: " + error_text(err));
        }
    }
    ~PacketSocket() { ::close(fd_); }
    PacketSocket(const PacketSocket&) = delete;
    PacketSocket& operator=(const PacketSocket&) = delete;

    void broadcast(const std::vector<uint8_t>& payload)
    {
        const auto frame = frame_dhcp_broadcast(payload);
        sockaddr_ll to{};
        to.sll_family = AF_PACKET;
        to.sll_protocol = htons(ETH_P_IP);
        to.sll_ifindex = index_;
        to.sll_halen = 6;
        std::memset(to.sll_addr, 0xff, 6);
        if (::sendto(fd_, frame.data(), frame.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to) < 0) {
            throw std::runtime_error("send: " + error_text(errno));
        }
    }

    // The next reply of `type` (or a NAK) to `xid`, waiting until `until`; nullopt at the end.
    std::optional<DhcpReply> receive(uint32_t xid, const Mac& mac, DhcpType type, Clock::time_point until)
    {
        uint8_t packet[2048];
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
            if (left <= 0) return std::nullopt;
            pollfd p{fd_, POLLIN, 0};
            const int ready = ::poll(&p, 1, static_cast<int>(left));
            if (ready < 0 && errno == EINTR) continue;
            if (ready < 0) throw std::runtime_error("wait for a reply: " + error_text(errno));
            if (ready == 0) return std::nullopt;
            const ssize_t n = ::recv(fd_, packet, sizeof packet, 0);
            if (n < 0) {
                if (errno == EINTR) continue;
                throw std::runtime_error("receive: " + error_text(errno));
            }
            const auto payload = unframe_dhcp_reply(packet, static_cast<size_t>(n));
            if (!payload) continue;  // other traffic on the link
            auto reply = decode_dhcp_reply(*payload, xid, mac);
            if (reply && (reply->type == type || reply->type == DhcpType::nak)) return reply;
        }
    }

private:
    int fd_ = -1;
    int index_;
};

Mac hardware_address(const std::string& interface)
{
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("socket: " + error_text(errno));
    ifreq req{};
    std::strncpy(req.ifr_name, interface.c_str(), IFNAMSIZ - 1);
    const int r = ::ioctl(fd, SIOCGIFHWADDR, &req);
    const int err = errno;
    ::close(fd);
    if (r != 0) throw std::runtime_error("read its hardware address: " + error_text(err));
    Mac mac{};
    std::memcpy(mac.data(), req.ifr_hwaddr.sa_data, mac.size());
    return mac;
}

uint32_t new_xid()
{
    uint32_t xid = 0;
    if (::getrandom(&xid, sizeof xid, GRND_NONBLOCK) != sizeof xid) {
        xid = static_cast<uint32_t>(Clock::now().time_since_epoch().count()) ^ static_cast<uint32_t>(::getpid());
    }
    return xid;
}

// DISCOVER until an OFFER, then REQUEST until an ACK (a NAK starts over): the ACK, or nullopt
// when `deadline` passed; `stage` says how far it got.
std::optional<DhcpReply> exchange(PacketSocket& socket, const Mac& mac, Clock::time_point deadline, std::string& stage)
{
    for (;;) {
        const uint32_t xid = new_xid();
        std::optional<DhcpReply> offer;
        stage = "no offer";
        for (auto wait = std::chrono::seconds(1); !offer; wait = std::min(wait * 2, std::chrono::seconds(4))) {
            if (Clock::now() >= deadline) return std::nullopt;
            socket.broadcast(encode_dhcp_discover(xid, mac));
            offer = socket.receive(xid, mac, DhcpType::offer, std::min(deadline, Clock::now() + wait));
            if (offer && offer->type != DhcpType::offer) offer.reset();  // a stray NAK
        }
        if (!offer->server_id) {
            stage = "an offer without a server identifier";
            return std::nullopt;
        }
        stage = "no acknowledgement of " + to_text(offer->your_address) + " from " + to_text(*offer->server_id);
        for (auto wait = std::chrono::seconds(1);; wait = std::min(wait * 2, std::chrono::seconds(4))) {
            if (Clock::now() >= deadline) return std::nullopt;
            socket.broadcast(encode_dhcp_request(xid, mac, offer->your_address, *offer->server_id));
            auto ack = socket.receive(xid, mac, DhcpType::ack, std::min(deadline, Clock::now() + wait));
            if (!ack) continue;
            if (ack->type == DhcpType::ack) return ack;
            say("DHCP: " + to_text(*offer->server_id) + " refused " + to_text(offer->your_address) + " (NAK); again");
            break;
        }
    }
}

}  // namespace

std::string configure_dhcp_network(const std::string& interface, const std::string& root, std::chrono::milliseconds limit)
{
    const std::string context = "configure " + interface + " by DHCP: ";
    DhcpReply lease;
    try {
        RtnetlinkSocket nl;
        std::string why;
        const int index = wait_for_interface(nl, interface, why);
        if (index == 0) return context + why;
        if (auto failed = set_link_up(nl, index); !failed.empty()) return context + "bring it up: " + failed;
        const Mac mac = hardware_address(interface);
        PacketSocket socket(index);
        std::string stage;
        auto ack = exchange(socket, mac, Clock::now() + limit, stage);
        const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(limit).count();
        if (!ack) return context + stage + " within " + std::to_string(seconds) + " s";
        lease = *ack;
    } catch (const std::exception& e) {
        return context + e.what();
    }
    const Ipv4 mask = lease.subnet_mask.value_or(Ipv4{255, 255, 255, 0});
    const auto prefix = prefix_of_mask(mask);
    if (!prefix) return context + "the lease's subnet mask " + to_text(mask) + " is not contiguous";
    StaticNetwork net;
    net.interface_name = interface;
    net.ip_cidr = to_text(lease.your_address) + "/" + std::to_string(*prefix);
    if (!lease.routers.empty()) net.gateway = to_text(lease.routers.front());
    for (const auto& dns : lease.dns) net.dns.push_back(to_text(dns));
    say("DHCP: " + interface + " leased " + net.ip_cidr + (net.gateway.empty() ? "" : " via " + net.gateway) +
        (lease.lease_seconds ? " for " + std::to_string(*lease.lease_seconds) + " s" : "") + " from " +
        (lease.server_id ? to_text(*lease.server_id) : std::string("?")));
    return configure_static_network(net, root);
}

}  // namespace hvsup::guestinit
