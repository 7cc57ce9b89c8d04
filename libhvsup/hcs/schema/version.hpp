// SPDX-License-Identifier: MIT
// HCS schema version (schema-v2 "Version": {"Major", "Minor"}).
#pragma once

#include <compare>
#include <cstdint>

namespace hvsup::hcs::schema {

struct Version {
    int32_t major = 0;
    int32_t minor = 0;

    friend auto operator<=>(const Version&, const Version&) = default;
};

}  // namespace hvsup::hcs::schema
