// UTF-8 <-> UTF-16 for the host APIs, which take UTF-16 strings (char16_t here: the size and
// encoding of Windows' wchar_t, so the same code runs against the real DLLs and the simulator).
#pragma once

#include <string>
#include <string_view>

namespace hvsup::utf16 {

// Strict conversions: overlong forms, surrogate code points in UTF-8, unpaired surrogates in
// UTF-16 and truncated sequences throw ErrorCode::invalid_argument.
std::u16string from_utf8(std::string_view utf8);
std::string to_utf8(std::u16string_view utf16);

// Alias of from_utf8, for call sites that read better "to UTF-16".
inline std::u16string to_utf16(std::string_view utf8)
{
    return from_utf8(utf8);
}

// A NUL-terminated UTF-16 string (nullptr counts as empty) as UTF-8.
std::string to_utf8(const char16_t* nul_terminated);

}  // namespace hvsup::utf16
