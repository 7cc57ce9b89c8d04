// SPDX-License-Identifier: MIT
#include "core/guid.hpp"

#include "core/error.hpp"

#include <fmt/format.h>

namespace hvsup {
namespace {

int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

std::optional<Guid> try_parse_guid(std::string_view text)
{
    if (text.size() == 38 && text.front() == '{' && text.back() == '}') text = text.substr(1, 36);
    if (text.size() != 36) return std::nullopt;
    std::array<uint8_t, 16> bytes{};
    size_t out = 0;
    for (size_t i = 0; i < text.size();) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (text[i] != '-') return std::nullopt;
            ++i;
            continue;
        }
        // Dashes sit at fixed offsets, so a hex pair never straddles one nor the end.
        const int hi = hex_value(text[i]);
        const int lo = hex_value(text[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        bytes[out++] = static_cast<uint8_t>(hi << 4 | lo);
        i += 2;
    }
    // The text is big-endian field by field; Data4 is a plain byte string.
    Guid g;
    g.data1 = uint32_t{bytes[0]} << 24 | uint32_t{bytes[1]} << 16 | uint32_t{bytes[2]} << 8 | bytes[3];
    g.data2 = static_cast<uint16_t>(bytes[4] << 8 | bytes[5]);
    g.data3 = static_cast<uint16_t>(bytes[6] << 8 | bytes[7]);
    for (size_t i = 0; i < 8; ++i) g.data4[i] = bytes[8 + i];
    return g;
}

Guid parse_guid(std::string_view text)
{
    if (auto g = try_parse_guid(text)) return *g;
    throw Error(ErrorCode::invalid_argument,
                fmt::format("parse GUID \"{}\": want xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", text));
}

std::string to_string(const Guid& g)
{
    return fmt::format("{:08x}-{:04x}-{:04x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}", g.data1, g.data2,
                       g.data3, g.data4[0], g.data4[1], g.data4[2], g.data4[3], g.data4[4], g.data4[5], g.data4[6],
                       g.data4[7]);
}

}  // namespace hvsup
