// SPDX-License-Identifier: MIT
#include "core/utf.hpp"

#include "core/error.hpp"

#include <cstdint>

namespace hvsup::utf {
namespace {

[[noreturn]] void invalid(const char* what)
{
    throw Error(ErrorCode::invalid_argument, std::string("invalid ") + what);
}

}  // namespace

std::u16string to_utf16(std::string_view in)
{
    std::u16string out;
    out.reserve(in.size());
    size_t i = 0;
    while (i < in.size()) {
        const auto b0 = static_cast<uint8_t>(in[i]);
        uint32_t cp = 0;
        size_t extra = 0;
        if (b0 < 0x80) {
            cp = b0;
        } else if ((b0 & 0xE0) == 0xC0) {
            cp = b0 & 0x1Fu;
            extra = 1;
        } else if ((b0 & 0xF0) == 0xE0) {
            cp = b0 & 0x0Fu;
            extra = 2;
        } else if ((b0 & 0xF8) == 0xF0) {
            cp = b0 & 0x07u;
            extra = 3;
        } else {
            invalid("UTF-8 lead byte");
        }
        if (i + extra >= in.size() && extra != 0) invalid("UTF-8: truncated sequence");
        for (size_t k = 1; k <= extra; ++k) {
            const auto b = static_cast<uint8_t>(in[i + k]);
            if ((b & 0xC0) != 0x80) invalid("UTF-8 continuation byte");
            cp = (cp << 6) | (b & 0x3Fu);
        }
        static constexpr uint32_t min_for_length[] = {0, 0x80, 0x800, 0x10000};
        if (cp < min_for_length[extra]) invalid("UTF-8: overlong sequence");
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) invalid("UTF-8: code point out of range");
        if (cp >= 0x10000) {
            cp -= 0x10000;
            out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
            out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
        } else {
            out.push_back(static_cast<char16_t>(cp));
        }
        i += extra + 1;
    }
    return out;
}

std::string to_utf8(std::u16string_view in)
{
    std::string out;
    out.reserve(in.size());
    for (size_t i = 0; i < in.size(); ++i) {
        uint32_t cp = in[i];
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (i + 1 >= in.size() || in[i + 1] < 0xDC00 || in[i + 1] > 0xDFFF) invalid("UTF-16: unpaired surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (static_cast<uint32_t>(in[i + 1]) - 0xDC00);
            ++i;
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            invalid("UTF-16: unpaired surrogate");
        }
        if (cp < 0x80) {
            out.push_back(static_cast<char>(cp));
        } else if (cp < 0x800) {
            out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else if (cp < 0x10000) {
            out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else {
            out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        }
    }
    return out;
}

size_t length(const char16_t* s) noexcept
{
    if (s == nullptr) return 0;
    size_t n = 0;
    while (s[n] != u'\0') ++n;
    return n;
}

std::string from_host(const char16_t* s)
{
    if (s == nullptr) return {};
    return to_utf8(std::u16string_view(s, length(s)));
}

}  // namespace hvsup::utf
