// SPDX-License-Identifier: MIT
#include "core/host_path.hpp"

#include <cctype>

namespace hvsup::core {
namespace {

bool separator(char c) { return c == '\\' || c == '/'; }

}  // namespace

bool is_absolute_host_path(std::string_view p)
{
    if (p.size() >= 3 && std::isalpha(static_cast<unsigned char>(p[0])) && p[1] == ':' && separator(p[2])) return true;
    // Rooted, UNC (\\server\share) and device (\\?\, \\.\) paths all start at a separator.
    return !p.empty() && separator(p[0]);
}

}  // namespace hvsup::core
