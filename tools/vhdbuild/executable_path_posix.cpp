// SPDX-License-Identifier: MIT
#include "guest_init_path.hpp"

namespace hvsup::tools {

std::optional<std::filesystem::path> current_executable()
{
    std::error_code ec;
    auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) return std::nullopt;
    return path;
}

}  // namespace hvsup::tools
