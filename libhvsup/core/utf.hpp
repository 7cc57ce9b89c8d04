// SPDX-License-Identifier: MIT
// UTF-8 <-> UTF-16 conversion for the HCS/HCN entry points, which take UTF-16 strings
// (char16_t here; the same size and encoding as Windows' wchar_t).
#pragma once

#include <string>
#include <string_view>

namespace hvsup::utf {

// Strict conversions: an invalid sequence (overlong form, surrogate code point in UTF-8,
// unpaired surrogate in UTF-16, truncated input) throws ErrorCode::invalid_argument.
std::u16string to_utf16(std::string_view utf8);
std::string to_utf8(std::u16string_view utf16);

// Length of a NUL-terminated UTF-16 string (nullptr counts as empty).
size_t length(const char16_t* s) noexcept;

// A NUL-terminated UTF-16 string from a host API as UTF-8; nullptr gives "".
std::string from_host(const char16_t* s);

}  // namespace hvsup::utf
