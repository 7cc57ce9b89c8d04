// SPDX-License-Identifier: MIT
// HCN object ids: GUID text (lowercase 8-4-4-4-12, as HCN prints them) <-> the binary GUID
// that HCN's REFGUID parameters take.
#pragma once

#include "hcn/api.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace hvsup::hcn {

// Parses "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", optionally inside braces, any case.
std::optional<api::GUID> parse_guid(std::string_view text);

// Lowercase 8-4-4-4-12 without braces.
std::string format_guid(const api::GUID& guid);

// The all-zero GUID: passed to HcnCreate* so that HCN chooses the id (what hcsshim does).
inline api::GUID zero_guid()
{
    return api::GUID{0, 0, 0, {0, 0, 0, 0, 0, 0, 0, 0}};
}

}  // namespace hvsup::hcn
