// SPDX-License-Identifier: MIT
// Small text helpers shared by every layer.
#pragma once

#include <string_view>

namespace hvsup {

// The white space request fields may carry around a value.
inline constexpr std::string_view default_blanks = " \t\r\n";

// `s` without the leading and trailing characters found in `blanks`; a view into `s`.
constexpr std::string_view trim(std::string_view s, std::string_view blanks = default_blanks) noexcept
{
    const size_t first = s.find_first_not_of(blanks);
    if (first == std::string_view::npos) return {};
    return s.substr(first, s.find_last_not_of(blanks) - first + 1);
}

}  // namespace hvsup
