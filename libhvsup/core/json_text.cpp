// SPDX-License-Identifier: MIT
// Text-level helpers of core/json.hpp that follow Go: strconv.Quote (%q) and the U+FFFD
// replacement encoding/json applies to invalid UTF-8.
#include "core/json.hpp"

#include <fmt/format.h>

#include <cstdint>

namespace hvsup::json {
namespace {

constexpr uint32_t replacement = 0xFFFD;

// One code point decoded as Go's utf8.DecodeRune does: {code point, length}, or
// {replacement, 1} for a byte that does not start a valid sequence (overlong forms,
// surrogates and values past U+10FFFF included).
std::pair<uint32_t, size_t> decode_rune(std::string_view s, size_t i)
{
    const auto b0 = static_cast<uint8_t>(s[i]);
    if (b0 < 0x80) return {b0, 1};
    size_t n = 0;
    uint32_t cp = 0;
    uint8_t lo = 0x80, hi = 0xBF;  // the range of the second byte
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        n = 2;
        cp = b0 & 0x1Fu;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        n = 3;
        cp = b0 & 0x0Fu;
        if (b0 == 0xE0) lo = 0xA0;
        if (b0 == 0xED) hi = 0x9F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        n = 4;
        cp = b0 & 0x07u;
        if (b0 == 0xF0) lo = 0x90;
        if (b0 == 0xF4) hi = 0x8F;
    } else {
        return {replacement, 1};
    }
    if (i + n > s.size()) return {replacement, 1};
    for (size_t k = 1; k < n; ++k) {
        const auto b = static_cast<uint8_t>(s[i + k]);
        if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) return {replacement, 1};
        cp = (cp << 6) | (b & 0x3Fu);
    }
    return {cp, n};
}

// Go's unicode.IsPrint for what a request plausibly holds (see quote() in the header).
bool printable(uint32_t r)
{
    if (r < 0x80) return r >= 0x20 && r < 0x7F;
    if (r <= 0xA0 || r == 0xAD) return false;
    if ((r >= 0x600 && r <= 0x605) || r == 0x61C || r == 0x6DD || r == 0x70F || r == 0x180E || r == 0x1680) {
        return false;
    }
    if ((r >= 0x2000 && r <= 0x200F) || (r >= 0x2028 && r <= 0x202F) || (r >= 0x205F && r <= 0x206F)) return false;
    if (r == 0x3000 || (r >= 0xE000 && r <= 0xF8FF) || r == 0xFEFF || (r >= 0xFFF9 && r <= 0xFFFB)) return false;
    if ((r & 0xFFFE) == 0xFFFE || (r >= 0xFDD0 && r <= 0xFDEF)) return false;
    if (r == 0xE0001 || (r >= 0xE0020 && r <= 0xE007F) || r >= 0xF0000) return false;
    return true;
}

void append_escaped(std::string& out, std::string_view text, bool quoted)
{
    for (size_t i = 0; i < text.size();) {
        const auto [r, n] = decode_rune(text, i);
        if (r == replacement && n == 1) {
            out += fmt::format("\\x{:02x}", static_cast<uint8_t>(text[i]));
        } else if (quoted && (r == '"' || r == '\\')) {
            out += '\\';
            out += static_cast<char>(r);
        } else if (printable(r)) {
            out.append(text.substr(i, n));
        } else {
            switch (r) {
            case '\a': out += "\\a"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '\v': out += "\\v"; break;
            default:
                if (r < 0x20 || r == 0x7F) out += fmt::format("\\x{:02x}", r);
                else if (r < 0x10000) out += fmt::format("\\u{:04x}", r);
                else out += fmt::format("\\U{:08x}", r);
            }
        }
        i += n;
    }
}

}  // namespace

std::string quote(std::string_view text)
{
    std::string out = "\"";
    append_escaped(out, text, true);
    out += '"';
    return out;
}

std::string escape_control(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    append_escaped(out, text, false);
    return out;
}

bool is_valid_utf8(std::string_view text)
{
    for (size_t i = 0; i < text.size();) {
        if (static_cast<uint8_t>(text[i]) < 0x80) {
            ++i;
            continue;
        }
        const auto [r, n] = decode_rune(text, i);
        if (r == replacement && n == 1) return false;
        i += n;
    }
    return true;
}

std::string replace_invalid_utf8(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size();) {
        const auto [r, n] = decode_rune(text, i);
        if (r == replacement && n == 1) out += "\xEF\xBF\xBD";
        else out.append(text.substr(i, n));
        i += n;
    }
    return out;
}

}  // namespace hvsup::json
