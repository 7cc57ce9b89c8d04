// SPDX-License-Identifier: MIT
#include "hcn/cidr.hpp"

#include "core/error.hpp"

#include <fmt/format.h>

namespace hvsup::hcn {

namespace {

std::optional<uint32_t> parse_decimal(std::string_view text, uint32_t max)
{
    if (text.empty() || text.size() > 3) return std::nullopt;
    if (text.size() > 1 && text.front() == '0') return std::nullopt;
    uint32_t v = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + static_cast<uint32_t>(c - '0');
    }
    if (v > max) return std::nullopt;
    return v;
}

}  // namespace

std::optional<uint32_t> parse_ipv4(std::string_view text)
{
    uint32_t address = 0;
    for (int i = 0; i < 4; ++i) {
        const size_t dot = text.find('.');
        const bool last = i == 3;
        if (last != (dot == std::string_view::npos)) return std::nullopt;
        const auto octet = parse_decimal(last ? text : text.substr(0, dot), 255);
        if (!octet) return std::nullopt;
        address = (address << 8) | *octet;
        if (!last) text.remove_prefix(dot + 1);
    }
    return address;
}

std::string format_ipv4(uint32_t a)
{
    return fmt::format("{}.{}.{}.{}", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

std::optional<Ipv4Prefix> parse_prefix(std::string_view text)
{
    const size_t slash = text.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    const auto address = parse_ipv4(text.substr(0, slash));
    const auto length = parse_decimal(text.substr(slash + 1), 32);
    if (!address || !length) return std::nullopt;
    return Ipv4Prefix{*address, static_cast<uint8_t>(*length)};
}

std::string Ipv4Prefix::to_string() const
{
    return format_ipv4(network()) + "/" + std::to_string(length);
}

bool overlaps(const Ipv4Prefix& a, const Ipv4Prefix& b) noexcept
{
    return a.network() <= b.last() && b.network() <= a.last();
}

const std::vector<std::string>& nat_subnet_candidates()
{
    static const std::vector<std::string> candidates = {
        "192.168.127.0/24", "192.168.214.0/24", "10.71.214.0/24",
        "10.99.127.0/24",   "172.28.127.0/24",  "172.31.214.0/24",
    };
    return candidates;
}

NatSubnet pick_nat_subnet(const std::vector<std::string>& existing)
{
    std::vector<Ipv4Prefix> taken;
    for (const auto& text : existing) {
        if (auto p = parse_prefix(text)) taken.push_back(*p);
    }
    for (const auto& candidate : nat_subnet_candidates()) {
        const auto prefix = *parse_prefix(candidate);
        bool free = true;
        for (const auto& t : taken) {
            if (overlaps(prefix, t)) {
                free = false;
                break;
            }
        }
        if (free) return NatSubnet{candidate, format_ipv4(prefix.network() + 1)};
    }
    std::string list;
    for (const auto& text : existing) {
        if (!list.empty()) list += ", ";
        list += text;
    }
    throw Error(ErrorCode::conflict, "no free /24 for the managed NAT network; existing HNS subnets: " + list);
}

}  // namespace hvsup::hcn
