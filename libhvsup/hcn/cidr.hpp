// SPDX-License-Identifier: MIT
// IPv4 prefixes ("192.168.127.0/24") and the managed NAT subnet choice
// (docs/hcn.md, "Modes").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hvsup::hcn {

struct Ipv4Prefix {
    uint32_t address = 0;  // host byte order, as written (host bits kept)
    uint8_t length = 0;    // 0..32

    uint32_t mask() const noexcept { return length == 0 ? 0 : ~uint32_t(0) << (32 - length); }
    uint32_t network() const noexcept { return address & mask(); }
    uint32_t last() const noexcept { return network() | ~mask(); }
    bool contains(uint32_t a) const noexcept { return (a & mask()) == network(); }
    // "a.b.c.d/n" with the network address (host bits cleared).
    std::string to_string() const;
};

// Dotted-quad IPv4 address; nullopt unless exactly four decimal octets 0..255 (no leading '+'
// or spaces; leading zeros rejected as ambiguous).
std::optional<uint32_t> parse_ipv4(std::string_view text);
std::string format_ipv4(uint32_t address);

// "a.b.c.d/n"; nullopt for anything else (an IPv6 prefix included).
std::optional<Ipv4Prefix> parse_prefix(std::string_view text);

// True when the two prefixes share at least one address.
bool overlaps(const Ipv4Prefix& a, const Ipv4Prefix& b) noexcept;

// The managed NAT network's candidates, in the reference order: 192.168.127.0/24,
// 192.168.214.0/24, 10.71.214.0/24, 10.99.127.0/24, 172.28.127.0/24, 172.31.214.0/24.
const std::vector<std::string>& nat_subnet_candidates();

struct NatSubnet {
    std::string prefix;   // "192.168.127.0/24"
    std::string gateway;  // "192.168.127.1"
};

// The first candidate that overlaps none of `existing` (HNS network prefixes as reported;
// entries that are not IPv4 prefixes are ignored). When every candidate overlaps:
// ErrorCode::conflict, "no free /24 for the managed NAT network; existing HNS subnets: <a, b>".
NatSubnet pick_nat_subnet(const std::vector<std::string>& existing);

}  // namespace hvsup::hcn
