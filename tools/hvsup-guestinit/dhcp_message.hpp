// SPDX-License-Identifier: MIT
// DHCPv4 messages (RFC 2131/2132) as the guest's client sends and reads them, and their IPv4 +
// UDP framing for a packet socket (the interface has no address yet, so the kernel's UDP
// cannot send or receive them). Pure: bytes in, bytes out.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hvsup::guestinit {

using Mac = std::array<uint8_t, 6>;
using Ipv4 = std::array<uint8_t, 4>;

enum class DhcpType : uint8_t { discover = 1, offer = 2, request = 3, decline = 4, ack = 5, nak = 6, release = 7 };

// What a server's reply carries, as far as the client uses it.
struct DhcpReply {
    DhcpType type{};
    uint32_t xid = 0;
    Ipv4 your_address{};                // yiaddr
    std::optional<Ipv4> server_id;      // option 54
    std::optional<Ipv4> subnet_mask;    // option 1
    std::vector<Ipv4> routers;          // option 3
    std::vector<Ipv4> dns;              // option 6
    std::optional<uint32_t> lease_seconds;  // option 51
};

// DHCPDISCOVER, or DHCPREQUEST for `requested` from `server` (the SELECTING state), from the
// client `mac` with transaction `xid`; the broadcast flag set, padded to BOOTP's 300 bytes.
std::vector<uint8_t> encode_dhcp_discover(uint32_t xid, const Mac& mac);
std::vector<uint8_t> encode_dhcp_request(uint32_t xid, const Mac& mac, const Ipv4& requested, const Ipv4& server);

// A server's reply (op 2) to transaction `xid` for `mac`, or nullopt when the bytes are not
// one: too short, another op, xid or client, no magic cookie, an option running past the end,
// no message type.
std::optional<DhcpReply> decode_dhcp_reply(const std::vector<uint8_t>& payload, uint32_t xid, const Mac& mac);

// The IPv4 + UDP packet from 0.0.0.0:68 to 255.255.255.255:67 around `payload`.
std::vector<uint8_t> frame_dhcp_broadcast(const std::vector<uint8_t>& payload);
// The UDP payload of an IPv4 packet to port 68 (the client's), or nullopt for anything else or
// a malformed packet (bad lengths, a fragment, a header checksum that does not add up).
std::optional<std::vector<uint8_t>> unframe_dhcp_reply(const uint8_t* packet, size_t size);

// The prefix length of a contiguous mask (255.255.255.0 -> 24), or nullopt.
std::optional<unsigned int> prefix_of_mask(const Ipv4& mask);

std::string to_text(const Ipv4& address);

}  // namespace hvsup::guestinit
