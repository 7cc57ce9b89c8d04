// SPDX-License-Identifier: MIT
#include "core/native_machine.hpp"

#include <algorithm>
#include <cctype>

namespace hvsup::core {

std::string normalise_machine(std::string_view name)
{
    std::string n(name);
    std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (n == "x86_64" || n == "amd64" || n == "x64") return "amd64";
    if (n == "aarch64" || n == "arm64" || n == "armv8l" || n == "aarch64_be") return "arm64";
    if (n == "i386" || n == "i486" || n == "i586" || n == "i686" || n == "x86") return "386";
    if (n.rfind("armv", 0) == 0 || n == "arm") return "arm";
    return n.empty() ? std::string("unknown") : n;
}

}  // namespace hvsup::core
