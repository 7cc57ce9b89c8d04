// SPDX-License-Identifier: MIT
// Platform-neutral part of core/files.hpp; system calls live in files_posix.cpp / files_win.cpp.
#include "core/files.hpp"

#include "core/error.hpp"


namespace hvsup::files {

std::filesystem::path from_utf8(std::string_view text)
{
    std::u8string u8(text.size(), u8'\0');
    for (size_t i = 0; i < text.size(); ++i) u8[i] = static_cast<char8_t>(text[i]);
    return std::filesystem::path(u8);
}

std::string to_utf8(const std::filesystem::path& path)
{
    std::u8string u8 = path.u8string();
    return std::string(u8.begin(), u8.end());
}

bool is_safe_basename(std::string_view name)
{
    auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; };
    while (!name.empty() && is_space(name.front())) name.remove_prefix(1);
    while (!name.empty() && is_space(name.back())) name.remove_suffix(1);
    if (name.empty() || name == "." || name == "..") return false;
    return name.find_first_of(std::string_view("/\\\0", 3)) == std::string_view::npos;
}

}  // namespace hvsup::files
