// SPDX-License-Identifier: MIT
// Implementation of dhcp_message.hpp. Offsets are RFC 2131's figure 1.
#include "dhcp_message.hpp"

#include <cstring>

namespace hvsup::guestinit {
namespace {

constexpr size_t fixed_part = 236;  // op .. file
constexpr uint8_t magic_cookie[4] = {99, 130, 83, 99};
constexpr size_t bootp_minimum = 300;
constexpr uint16_t client_port = 68, server_port = 67;

enum Option : uint8_t {
    pad = 0,
    subnet_mask = 1,
    router = 3,
    dns_server = 6,
    requested_address = 50,
    lease_time = 51,
    message_type = 53,
    server_identifier = 54,
    parameter_list = 55,
    end = 255,
};

void put32(std::vector<uint8_t>& b, size_t at, uint32_t v)
{
    b[at] = static_cast<uint8_t>(v >> 24);
    b[at + 1] = static_cast<uint8_t>(v >> 16);
    b[at + 2] = static_cast<uint8_t>(v >> 8);
    b[at + 3] = static_cast<uint8_t>(v);
}
uint32_t get32(const uint8_t* p) { return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3]; }
uint16_t get16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

std::vector<uint8_t> client_message(DhcpType type, uint32_t xid, const Mac& mac)
{
    std::vector<uint8_t> b;
    b.reserve(bootp_minimum);  // one allocation (and no GCC 12 -Warray-bounds false alarm)
    b.resize(fixed_part, 0);
    b[0] = 1;  // BOOTREQUEST
    b[1] = 1;  // Ethernet
    b[2] = 6;  // its address length
    put32(b, 4, xid);
    b[10] = 0x80;  // broadcast: the reply must reach a client with no address yet
    std::memcpy(&b[28], mac.data(), mac.size());
    b.insert(b.end(), std::begin(magic_cookie), std::end(magic_cookie));
    b.insert(b.end(), {message_type, 1, static_cast<uint8_t>(type)});
    b.insert(b.end(), {parameter_list, 4, subnet_mask, router, dns_server, lease_time});
    return b;
}

std::vector<uint8_t> finish(std::vector<uint8_t> b)
{
    b.push_back(end);
    if (b.size() < bootp_minimum) b.resize(bootp_minimum, pad);
    return b;
}

uint16_t checksum(const uint8_t* p, size_t size)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < size; i += 2) sum += get16(p + i);
    if (size % 2 != 0) sum += uint32_t{p[size - 1]} << 8;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(~sum);
}

std::vector<Ipv4> addresses(const uint8_t* p, size_t size)
{
    std::vector<Ipv4> out;
    for (size_t i = 0; i + 4 <= size; i += 4) out.push_back({p[i], p[i + 1], p[i + 2], p[i + 3]});
    return out;
}

}  // namespace

std::vector<uint8_t> encode_dhcp_discover(uint32_t xid, const Mac& mac)
{
    return finish(client_message(DhcpType::discover, xid, mac));
}

std::vector<uint8_t> encode_dhcp_request(uint32_t xid, const Mac& mac, const Ipv4& requested, const Ipv4& server)
{
    auto b = client_message(DhcpType::request, xid, mac);
    b.insert(b.end(), {requested_address, 4, requested[0], requested[1], requested[2], requested[3]});
    b.insert(b.end(), {server_identifier, 4, server[0], server[1], server[2], server[3]});
    return finish(std::move(b));
}

std::optional<DhcpReply> decode_dhcp_reply(const std::vector<uint8_t>& payload, uint32_t xid, const Mac& mac)
{
    const uint8_t* p = payload.data();
    if (payload.size() < fixed_part + sizeof magic_cookie || p[0] != 2 || p[1] != 1 || p[2] != 6) return std::nullopt;
    if (get32(p + 4) != xid || std::memcmp(p + 28, mac.data(), mac.size()) != 0) return std::nullopt;
    if (std::memcmp(p + fixed_part, magic_cookie, sizeof magic_cookie) != 0) return std::nullopt;
    DhcpReply r;
    r.xid = xid;
    std::memcpy(r.your_address.data(), p + 16, 4);
    bool typed = false;
    for (size_t at = fixed_part + sizeof magic_cookie; at < payload.size();) {
        const uint8_t code = p[at];
        if (code == end) break;
        if (code == pad) {
            ++at;
            continue;
        }
        if (at + 2 > payload.size() || at + 2 + p[at + 1] > payload.size()) return std::nullopt;
        const uint8_t* value = p + at + 2;
        const size_t size = p[at + 1];
        switch (code) {
        case message_type:
            if (size != 1 || value[0] < 1 || value[0] > 7) return std::nullopt;
            r.type = static_cast<DhcpType>(value[0]);
            typed = true;
            break;
        case server_identifier:
            if (size == 4) r.server_id = Ipv4{value[0], value[1], value[2], value[3]};
            break;
        case subnet_mask:
            if (size == 4) r.subnet_mask = Ipv4{value[0], value[1], value[2], value[3]};
            break;
        case router: r.routers = addresses(value, size); break;
        case dns_server: r.dns = addresses(value, size); break;
        case lease_time:
            if (size == 4) r.lease_seconds = get32(value);
            break;
        default: break;
        }
        at += 2 + size;
    }
    if (!typed) return std::nullopt;
    return r;
}

std::vector<uint8_t> frame_dhcp_broadcast(const std::vector<uint8_t>& payload)
{
    const size_t udp_size = 8 + payload.size();
    const size_t total = 20 + udp_size;
    std::vector<uint8_t> b(total, 0);
    b[0] = 0x45;  // IPv4, a 20-byte header
    b[2] = static_cast<uint8_t>(total >> 8);
    b[3] = static_cast<uint8_t>(total);
    b[8] = 64;  // TTL
    b[9] = 17;  // UDP
    std::memset(&b[16], 0xff, 4);  // to 255.255.255.255, from 0.0.0.0
    const uint16_t sum = checksum(b.data(), 20);
    b[10] = static_cast<uint8_t>(sum >> 8);
    b[11] = static_cast<uint8_t>(sum);
    b[20] = 0;
    b[21] = client_port;
    b[22] = 0;
    b[23] = server_port;
    b[24] = static_cast<uint8_t>(udp_size >> 8);
    b[25] = static_cast<uint8_t>(udp_size);
    // UDP checksum 0: none, which IPv4 allows.
    std::memcpy(&b[28], payload.data(), payload.size());
    return b;
}

std::optional<std::vector<uint8_t>> unframe_dhcp_reply(const uint8_t* p, size_t size)
{
    if (size < 28 || (p[0] >> 4) != 4) return std::nullopt;
    const size_t header = size_t{p[0] & 0x0fu} * 4;
    const size_t total = get16(p + 2);
    if (header < 20 || total < header + 8 || total > size || p[9] != 17) return std::nullopt;
    if ((get16(p + 6) & 0x3fff) != 0) return std::nullopt;  // a fragment (MF set, or an offset)
    if (checksum(p, header) != 0) return std::nullopt;
    const uint8_t* udp = p + header;
    const size_t udp_size = get16(udp + 4);
    if (get16(udp + 2) != client_port || udp_size < 8 || header + udp_size > total) return std::nullopt;
    return std::vector<uint8_t>(udp + 8, udp + udp_size);
}

std::optional<unsigned int> prefix_of_mask(const Ipv4& mask)
{
    const uint32_t m = get32(mask.data());
    const uint32_t inverted = ~m;
    if ((inverted & (inverted + 1)) != 0) return std::nullopt;  // not ones then zeros
    unsigned int bits = 0;
    for (uint32_t v = m; v != 0; v <<= 1) ++bits;
    return bits;
}

std::string to_text(const Ipv4& a)
{
    return std::to_string(a[0]) + "." + std::to_string(a[1]) + "." + std::to_string(a[2]) + "." + std::to_string(a[3]);
}

}  // namespace hvsup::guestinit
