// SPDX-License-Identifier: MIT
// GUIDs as the host APIs use them: the Windows layout (Data1..Data4) and the 8-4-4-4-12 text
// form that HCS, HCN and Hyper-V socket addresses print. One parser for every layer.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hvsup {

struct Guid {
    uint32_t data1 = 0;
    uint16_t data2 = 0;
    uint16_t data3 = 0;
    std::array<uint8_t, 8> data4{};

    friend bool operator==(const Guid&, const Guid&) = default;
};

// Parses "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (either case, optionally in braces).
// nullopt for anything else.
std::optional<Guid> try_parse_guid(std::string_view text);
// As try_parse_guid; ErrorCode::invalid_argument reading `parse GUID "<text>": <why>` otherwise.
Guid parse_guid(std::string_view text);
// Lower-case 8-4-4-4-12 text without braces.
std::string to_string(const Guid& guid);

}  // namespace hvsup
